// SPDX-License-Identifier: GPL-2.0-only
/*
 * 2 MiB nested-page-table mappings of memory the host backs with transparent
 * huge pages (MADV_HUGEPAGE, 2 MiB aligned): the guest's first touch of each
 * 2 MiB chunk maps it with one 2 MiB leaf (the pages_2m statistic goes up by
 * one per chunk); dirty logging on such a slot still reports exactly the 4 KiB
 * pages the guest wrote, and the large mappings are gone while it logs and
 * come back after; the host dropping one 4 KiB page of a chunk drops the
 * chunk's large mapping, the guest sees zeroes there and the old contents
 * around it; a read-only slot is mapped large too and guest writes to it exit
 * as MMIO; hugetlbfs pages (reserved through /proc/sys/vm/nr_hugepages for the
 * case) are mapped large too, and dropping one drops its mapping.  Cases skip
 * when the host gives no huge page.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define SLOT		(KT_SLOT_FREE + 1)
#define GPA		0x40000000ull
#define CHUNKS		8
#define SLOT_SIZE	(CHUNKS * PAGE_SIZE_2M)
#define PAGES		(SLOT_SIZE / KT_PAGE_SIZE)
#define HALF		(CHUNKS / 2)

/* ---- the VM's statistics fd ---- */

static int stats_fd;
static struct kvm_stats_header stats_hdr;

static void stats_open(struct kt_vm *vm)
{
	if (!kt_check_cap(KVM_CAP_BINARY_STATS_FD))
		KT_SKIP("KVM_CAP_BINARY_STATS_FD not supported");
	stats_fd = ioctl(vm->fd, KVM_GET_STATS_FD, 0);
	KT_ASSERT(stats_fd >= 0, "KVM_GET_STATS_FD");
	KT_ASSERT(pread(stats_fd, &stats_hdr, sizeof(stats_hdr), 0) == sizeof(stats_hdr),
		  "stats header");
}

static uint64_t vm_stat(const char *name)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + stats_hdr.name_size;
	struct kvm_stats_desc *d = malloc(dsz);
	unsigned int i;
	uint64_t v;

	KT_ASSERT(d, "malloc");
	for (i = 0; i < stats_hdr.num_desc; i++) {
		KT_ASSERT(pread(stats_fd, d, dsz, stats_hdr.desc_offset + i * dsz) == (ssize_t)dsz,
			  "descriptor %u", i);
		if (strcmp(d->name, name))
			continue;
		KT_ASSERT(pread(stats_fd, &v, 8, stats_hdr.data_offset + d->offset) == 8,
			  "value of %s", name);
		free(d);
		return v;
	}
	KT_ASSERT(0, "no statistic %s", name);
	return 0;
}

/* ---- host memory ---- */

/* Huge-page kB of the mapping holding addr, from /proc/self/smaps. */
static unsigned long anon_huge_kb(void *addr)
{
	char line[256];
	unsigned long lo, hi, kb = 0;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	KT_ASSERT(f, "/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* A THP-backed slot, filled by the host; skip the case if no huge page came. */
static uint64_t *thp_slot(struct kt_vm *vm, uint32_t flags)
{
	uint64_t *mem = kt_vm_add_slot(vm, SLOT, GPA, SLOT_SIZE, flags, KT_MEM_THP);
	uint64_t i;

	for (i = 0; i < PAGES; i++)
		mem[i * KT_PAGE_SIZE / 8] = i + 1;
	if (anon_huge_kb(mem) < SLOT_SIZE / 1024)
		KT_SKIP("the host gave %lu kB of huge pages for the %llu kB slot",
			anon_huge_kb(mem), SLOT_SIZE / 1024);
	return mem;
}

/* ---- guest ---- */

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#define OP_TOUCH	1	/* read the first word of chunks [a, b) and write it back */
#define OP_WRITE	2	/* write b to the first word of page a */
#define OP_READ		3	/* report the first word of page a */
#define OP_STOP		4

static volatile uint64_t cmd[3];	/* op, a, b: set by the host in the guest's copy */

/* Run the command in cmd[], report SYNC(1, result), wait for the next one. */
static void guest_main(void)
{
	uint64_t i, v, result;

	for (;;) {
		result = 0;
		switch (cmd[0]) {
		case OP_TOUCH:
			for (i = cmd[1]; i < cmd[2]; i++) {
				volatile uint64_t *p;

				p = (volatile uint64_t *)(GPA + i * PAGE_SIZE_2M);
				v = *p;
				*p = v;
			}
			break;
		case OP_WRITE:
			*(volatile uint64_t *)(GPA + cmd[1] * KT_PAGE_SIZE) = cmd[2];
			break;
		case OP_READ:
			result = *(volatile uint64_t *)(GPA + cmd[1] * KT_PAGE_SIZE);
			break;
		default:
			return;
		}
		GUEST_SYNC(1, result);
	}
}

static void set_cmd(struct kt_vm *vm, uint64_t op, uint64_t a, uint64_t b)
{
	cmd[0] = op;
	cmd[1] = a;
	cmd[2] = b;
	kt_sync_to_guest(vm, cmd);
}

static uint64_t guest_do(struct kt_vcpu *v, uint64_t op, uint64_t a, uint64_t b)
{
	struct kt_ucall uc;

	set_cmd(v->vm, op, a, b);
	if (op == OP_STOP) {
		KT_RUN_DONE(v);
		return 0;
	}
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 1, "guest reply");
	return uc.args[1];
}

static uint64_t guest_read(struct kt_vcpu *v, uint64_t page)
{
	return guest_do(v, OP_READ, page, 0);
}

static struct kt_vcpu *start(struct kt_vm *vm)
{
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_main, 0, 0);

	/* Warm up: the command loop's code and stack are mapped after this. */
	guest_read(v, 0);
	guest_read(v, 0);
	return v;
}

/* ---- cases ---- */

static void test_thp_maps_2m(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t *mem = thp_slot(vm, 0);
	struct kt_vcpu *v = start(vm);
	uint64_t before;

	stats_open(vm);
	before = vm_stat("pages_2m");
	/* Page 0 (chunk 0) was read in the warm-up; the other chunks are new. */
	guest_do(v, OP_TOUCH, 1, CHUNKS);
	KT_ASSERT(vm_stat("pages_2m") - before == CHUNKS - 1,
		  "pages_2m +%lu after touching %d fresh THP-backed 2 MiB chunks",
		  vm_stat("pages_2m") - before, CHUNKS - 1);
	/* Data moves both ways through the large mappings. */
	KT_ASSERT(guest_read(v, PAGES - 1) == PAGES, "last page of the slot");
	guest_do(v, OP_WRITE, 3 * 512 + 17, 0xfeed);
	KT_ASSERT(mem[(3 * 512 + 17) * 512] == 0xfeed, "guest write seen by the host");
	mem[5 * 512 * 512 + 512 * 300] = 0xbeef;
	KT_ASSERT(guest_read(v, 5 * 512 + 300) == 0xbeef, "host write seen by the guest");
	guest_do(v, OP_STOP, 0, 0);
	kt_vm_free(vm);
}

static void get_log(struct kt_vm *vm, uint64_t *bm)
{
	struct kvm_dirty_log log = { .slot = SLOT, .dirty_bitmap = bm };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
}

static void test_dirty_log_on_thp(void)
{
	static const uint64_t written[] = { 3, 511, 512, 700, 1500, 2047, 4095 };
	uint64_t bm[PAGES / 64], want[PAGES / 64] = { 0 }, mapped;
	struct kt_vm *vm = kt_vm_create();
	uint64_t *mem = thp_slot(vm, 0);
	struct kt_vcpu *v = start(vm);
	unsigned int i;

	stats_open(vm);
	guest_do(v, OP_TOUCH, 0, CHUNKS);
	mapped = vm_stat("pages_2m");
	KT_ASSERT(mapped >= CHUNKS, "pages_2m %lu with %d chunks touched", mapped, CHUNKS);

	/* Logging on: the large mappings go (split or dropped), writes are logged per page. */
	KT_ASSERT_OK(kt_vm_set_region(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, GPA, SLOT_SIZE, mem));
	KT_ASSERT(vm_stat("pages_2m") <= mapped - CHUNKS, "pages_2m %lu -> %lu with logging on",
		  mapped, vm_stat("pages_2m"));
	get_log(vm, bm);
	for (i = 0; i < ARRAY_LEN(written); i++) {
		guest_do(v, OP_WRITE, written[i], 0x1000 + i);
		want[written[i] / 64] |= 1ull << (written[i] % 64);
	}
	/* Reads do not count as writes. */
	KT_ASSERT(guest_read(v, 1024) == 1025 && guest_read(v, 3) == 0x1000, "guest reads");
	get_log(vm, bm);
	for (i = 0; i < PAGES / 64; i++)
		KT_ASSERT(bm[i] == want[i], "dirty word %u: 0x%lx, expected 0x%lx", i, bm[i],
			  want[i]);
	for (i = 0; i < ARRAY_LEN(written); i++)
		KT_ASSERT(mem[written[i] * 512] == 0x1000 + i, "page %lu", written[i]);
	/* Nothing written since: an empty log. */
	get_log(vm, bm);
	for (i = 0; i < PAGES / 64; i++)
		KT_ASSERT(!bm[i], "dirty word %u: 0x%lx after a quiet interval", i, bm[i]);

	/* Logging off: touching the chunks maps them large again. */
	KT_ASSERT_OK(kt_vm_set_region(vm, SLOT, 0, GPA, SLOT_SIZE, mem));
	guest_do(v, OP_TOUCH, 0, CHUNKS);
	KT_ASSERT(vm_stat("pages_2m") >= mapped, "pages_2m %lu after logging off, %lu before",
		  vm_stat("pages_2m"), mapped);
	guest_do(v, OP_STOP, 0, 0);
	kt_vm_free(vm);
}

static void test_partial_invalidate(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t *mem = thp_slot(vm, 0);
	struct kt_vcpu *v = start(vm);
	uint64_t mapped, page = 2 * 512 + 100;

	stats_open(vm);
	guest_do(v, OP_TOUCH, 0, CHUNKS);
	mapped = vm_stat("pages_2m");
	/* One 4 KiB page of chunk 2 goes: the chunk's large mapping must go with it. */
	KT_ASSERT_OK(madvise((uint8_t *)mem + page * KT_PAGE_SIZE, KT_PAGE_SIZE, MADV_DONTNEED));
	KT_ASSERT(vm_stat("pages_2m") == mapped - 1, "pages_2m %lu -> %lu", mapped,
		  vm_stat("pages_2m"));
	KT_ASSERT(guest_read(v, page) == 0, "dropped page reads 0x%lx", guest_read(v, page));
	KT_ASSERT(guest_read(v, page - 1) == page && guest_read(v, page + 1) == page + 2,
		  "neighbours of the dropped page");
	/* Both ways still agree on the rest of the chunk. */
	guest_do(v, OP_WRITE, page + 5, 0x55);
	KT_ASSERT(mem[(page + 5) * 512] == 0x55, "guest write next to the hole");
	mem[(page + 6) * 512] = 0x66;
	KT_ASSERT(guest_read(v, page + 6) == 0x66, "host write next to the hole");
	mem[page * 512] = 0x77;
	KT_ASSERT(guest_read(v, page) == 0x77, "host refilled the hole");
	guest_do(v, OP_STOP, 0, 0);
	kt_vm_free(vm);
}

static void test_readonly_thp(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	uint64_t *mem, before;

	if (!kt_check_cap(KVM_CAP_READONLY_MEM))
		KT_SKIP("KVM_CAP_READONLY_MEM not supported");
	vm = kt_vm_create();
	mem = thp_slot(vm, KVM_MEM_READONLY);
	v = start(vm);
	stats_open(vm);
	before = vm_stat("pages_2m");
	KT_ASSERT(guest_read(v, 512 + 9) == 512 + 10 && guest_read(v, PAGES - 1) == PAGES,
		  "reads through a read-only THP slot");
	KT_ASSERT(vm_stat("pages_2m") - before == 2, "pages_2m +%lu after reading 2 chunks",
		  vm_stat("pages_2m") - before);
	/* A write exits as MMIO and changes nothing. */
	set_cmd(vm, OP_WRITE, 512 + 9, 0xdead);
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.is_write && v->run->mmio.phys_addr == GPA + (512 + 9) * 4096,
		  "MMIO write at 0x%llx", (unsigned long long)v->run->mmio.phys_addr);
	KT_RUN_SYNC(v, 1);
	KT_ASSERT(mem[(512 + 9) * 512] == 512 + 10, "read-only memory changed");
	KT_ASSERT(guest_read(v, 512 + 9) == 512 + 10, "guest sees the old value");
	guest_do(v, OP_STOP, 0, 0);
	kt_vm_free(vm);
}

/* /proc/sys/vm/nr_hugepages, read or written; -1 when it cannot be. */
static long nr_hugepages(long set)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", set < 0 ? "r" : "w");
	long n = -1;

	if (!f)
		return -1;
	if (set < 0) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
	} else {
		n = fprintf(f, "%ld\n", set) > 0 ? set : -1;
	}
	if (fclose(f))
		n = -1;
	return n;
}

static void test_hugetlb_maps_2m(void)
{
	long old = nr_hugepages(-1);
	struct kt_vm *vm;
	struct kt_vcpu *v;
	uint64_t *mem, before, i;

	if (old < 0 || nr_hugepages(old + CHUNKS) < 0)
		KT_SKIP("cannot reserve hugetlbfs pages");
	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED) {
		nr_hugepages(old);
		KT_SKIP("no 2 MiB hugetlbfs pages to be had");
	}
	for (i = 0; i < PAGES; i++)
		mem[i * 512] = i + 1;
	vm = kt_vm_create();
	KT_ASSERT_OK(kt_vm_set_region(vm, SLOT, 0, GPA, SLOT_SIZE, mem));
	v = start(vm);
	stats_open(vm);
	before = vm_stat("pages_2m");
	guest_do(v, OP_TOUCH, 1, CHUNKS);
	KT_ASSERT(vm_stat("pages_2m") - before == CHUNKS - 1,
		  "pages_2m +%lu after touching %d hugetlbfs-backed chunks",
		  vm_stat("pages_2m") - before, CHUNKS - 1);
	KT_ASSERT(guest_read(v, 4 * 512 + 7) == 4 * 512 + 8, "read through a hugetlbfs chunk");
	/* The host drops one whole huge page: that mapping goes, the guest reads zeroes. */
	before = vm_stat("pages_2m");
	KT_ASSERT_OK(madvise((uint8_t *)mem + 6 * PAGE_SIZE_2M, PAGE_SIZE_2M, MADV_DONTNEED));
	KT_ASSERT(vm_stat("pages_2m") == before - 1, "pages_2m %lu -> %lu", before,
		  vm_stat("pages_2m"));
	KT_ASSERT(guest_read(v, 6 * 512 + 3) == 0, "dropped hugetlbfs page still seen");
	guest_do(v, OP_STOP, 0, 0);
	kt_vm_free(vm);
	munmap(mem, SLOT_SIZE);
	nr_hugepages(old);
}

static const struct ktest_case cases[] = {
	{ "thp_maps_2m", test_thp_maps_2m },
	{ "dirty_log_on_thp", test_dirty_log_on_thp },
	{ "partial_invalidate", test_partial_invalidate },
	{ "readonly_thp", test_readonly_thp },
	{ "hugetlb_maps_2m", test_hugetlb_maps_2m },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
