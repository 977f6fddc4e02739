// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory follows changes to the host mappings behind a slot (the MMU
 * notifier path): userspace rewrites a page, a second mapping of shared
 * memory writes it, the backing is unmapped and mapped again with other
 * contents, and MADV_DONTNEED makes the guest read zeroes.  Each time the
 * guest has already read (and so mapped) the page before the change.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define MN_GPA		0x10000000ull
#define MN_SIZE		(4ull << 20)
#define PAGE_B		1		/* 4 KiB page index of the second probe */
#define PAGE_C		(512 + 7)	/* in the second 2 MiB half */

/* The guest reports the first word of three pages, again and again. */
static void guest_reader(void)
{
	volatile uint64_t *p = (volatile uint64_t *)MN_GPA;

	for (;;)
		GUEST_SYNC(p[0], p[PAGE_B * 512], p[PAGE_C * 512]);
}

static void expect_values(struct kt_vcpu *v, uint64_t a, uint64_t b, uint64_t c,
			  const char *what)
{
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "%s: no SYNC", what);
	KT_ASSERT(uc.args[0] == a && uc.args[1] == b && uc.args[2] == c,
		  "%s: guest read 0x%lx 0x%lx 0x%lx, want 0x%lx 0x%lx 0x%lx", what, uc.args[0],
		  uc.args[1], uc.args[2], a, b, c);
}

static void fill(uint64_t *m, uint64_t a, uint64_t b, uint64_t c)
{
	m[0] = a;
	m[PAGE_B * 512] = b;
	m[PAGE_C * 512] = c;
}

static void test_host_rewrites(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t *m = kt_vm_add_slot(vm, KT_SLOT_FREE, MN_GPA, MN_SIZE, 0, KT_MEM_THP);
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_reader, 0, 0);
	int i;

	fill(m, 1, 2, 3);
	expect_values(v, 1, 2, 3, "initial");
	for (i = 0; i < 20; i++) {
		fill(m, 100 + i, 200 + i, 300 + i);
		expect_values(v, 100 + i, 200 + i, 300 + i, "after a host write");
	}
	kt_vm_free(vm);
}

static void test_shared_second_mapping(void)
{
	struct kt_vm *vm = kt_vm_create();
	int fd = memfd_create("kt_guest_mem", 0);
	uint64_t *guest_map, *other_map;
	struct kt_vcpu *v;

	KT_ASSERT(fd >= 0 && ftruncate(fd, MN_SIZE) == 0, "memfd");
	guest_map = mmap(NULL, MN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	other_map = mmap(NULL, MN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	KT_ASSERT(guest_map != MAP_FAILED && other_map != MAP_FAILED, "mmap memfd");
	KT_ASSERT_OK(kt_vm_set_region(vm, KT_SLOT_FREE, 0, MN_GPA, MN_SIZE, guest_map));
	v = kt_vcpu_add(vm, 0, guest_reader, 0, 0);
	fill(other_map, 7, 8, 9);
	expect_values(v, 7, 8, 9, "written through the other mapping");
	fill(other_map, 70, 80, 90);
	expect_values(v, 70, 80, 90, "rewritten through the other mapping");
	/* Punching a hole in the file drops the pages: zeroes. */
	KT_ASSERT_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, MN_SIZE));
	expect_values(v, 0, 0, 0, "after punching a hole");
	kt_vm_free(vm);
}

static void test_remap_backing(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t *m = kt_vm_add_slot(vm, KT_SLOT_FREE, MN_GPA, MN_SIZE, 0, 0);
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_reader, 0, 0);
	void *again;

	fill(m, 11, 22, 33);
	expect_values(v, 11, 22, 33, "before the remap");
	/* Unmap the backing, map fresh memory at the same address, new contents. */
	KT_ASSERT_OK(munmap(m, MN_SIZE));
	again = mmap(m, MN_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	KT_ASSERT(again == m, "mmap at the old address gave %p, want %p", again, (void *)m);
	expect_values(v, 0, 0, 0, "fresh anonymous memory");
	fill(m, 44, 55, 66);
	expect_values(v, 44, 55, 66, "after the remap");
	/* MAP_FIXED over the live mapping replaces it in one step. */
	again = mmap(m, MN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
	KT_ASSERT(again == m, "MAP_FIXED remap");
	m[PAGE_C * 512] = 0x77;
	expect_values(v, 0, 0, 0x77, "after MAP_FIXED");
	kt_vm_free(vm);
}

static void test_madv_dontneed(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t *m = kt_vm_add_slot(vm, KT_SLOT_FREE, MN_GPA, MN_SIZE, 0, KT_MEM_THP);
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_reader, 0, 0);

	fill(m, 5, 6, 7);
	expect_values(v, 5, 6, 7, "before MADV_DONTNEED");
	/* Drop only the page of the second probe. */
	KT_ASSERT_OK(madvise((uint8_t *)m + PAGE_B * KT_PAGE_SIZE, KT_PAGE_SIZE, MADV_DONTNEED));
	expect_values(v, 5, 0, 7, "after dropping one page");
	/* Drop everything, including a possibly huge second half. */
	KT_ASSERT_OK(madvise(m, MN_SIZE, MADV_DONTNEED));
	expect_values(v, 0, 0, 0, "after dropping all");
	fill(m, 8, 9, 10);
	expect_values(v, 8, 9, 10, "written again");
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "host_rewrites", test_host_rewrites },
	{ "shared_second_mapping", test_shared_second_mapping },
	{ "remap_backing", test_remap_backing },
	{ "madv_dontneed", test_madv_dontneed },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
