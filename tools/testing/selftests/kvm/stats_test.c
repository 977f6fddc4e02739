// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binary statistics (KVM_GET_STATS_FD, KVM_CAP_BINARY_STATS_FD) on a VM and a
 * vCPU: the file is read-only, its header, id string and descriptors are laid
 * out as <linux/kvm.h> says, pread gives the same bytes at every offset, and
 * the counters move exactly as the guest's actions imply: N port writes add N
 * to io_exits, a HLT adds one to halt_exits, M MMIO writes add M to
 * insn_emulation, K first writes to fresh pages add K to pages_4k and dropping
 * one of them from the host takes one away (and asks for a remote TLB flush), and a
 * KVM_RUN that finds a signal pending adds one to signal_exits.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define IO_PORT		0x99
#define IO_COUNT	37
#define MMIO_GPA	0xc0000000ull	/* identity-mapped, no slot behind it */
#define MMIO_COUNT	11
#define PAGES_GPA	0x10000000ull
#define PAGES_SLOT	(KT_SLOT_FREE + 1)
#define PAGES_PER_ROUND	16
#define ROUNDS		2

/* A stats file read whole, with its descriptors decoded. */
struct stats {
	int fd;
	uint8_t *buf;
	size_t size;
	struct kvm_stats_header h;
};

static size_t pread_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while ((n = pread(fd, buf + got, cap - got, got)) > 0)
		got += n;
	KT_ASSERT(n == 0, "pread at %zu", got);
	return got;
}

static const struct kvm_stats_desc *desc_at(const struct stats *s, unsigned int i)
{
	return (const void *)(s->buf + s->h.desc_offset +
			      i * (sizeof(struct kvm_stats_desc) + s->h.name_size));
}

/* Read the file and check everything about its layout. */
static void stats_open(struct stats *s, int owner_fd, const char *want_id)
{
	uint8_t *again, b;
	size_t data_size, off;
	unsigned int i, j;
	const char *id;

	s->fd = ioctl(owner_fd, KVM_GET_STATS_FD, 0);
	KT_ASSERT(s->fd >= 0, "KVM_GET_STATS_FD");
	KT_ASSERT((fcntl(s->fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "stats fd is not read-only");
	KT_ASSERT_ERRNO(write(s->fd, "x", 1), EBADF);

	s->buf = calloc(1, 1 << 16);
	KT_ASSERT(s->buf, "calloc");
	s->size = pread_all(s->fd, s->buf, 1 << 16);
	KT_ASSERT(s->size >= sizeof(s->h), "file of %zu bytes", s->size);
	memcpy(&s->h, s->buf, sizeof(s->h));

	/* Header: the pieces follow each other inside the file. */
	KT_ASSERT(s->h.flags == 0, "header flags 0x%x", s->h.flags);
	KT_ASSERT(s->h.name_size > 0 && s->h.num_desc > 0, "name_size %u num_desc %u",
		  s->h.name_size, s->h.num_desc);
	KT_ASSERT(s->h.id_offset >= sizeof(s->h) &&
		  s->h.desc_offset >= s->h.id_offset + s->h.name_size &&
		  s->h.data_offset >= s->h.desc_offset + s->h.num_desc *
					(sizeof(struct kvm_stats_desc) + s->h.name_size) &&
		  s->h.data_offset <= s->size,
		  "offsets id %u desc %u data %u, file %zu", s->h.id_offset, s->h.desc_offset,
		  s->h.data_offset, s->size);
	id = (const char *)s->buf + s->h.id_offset;
	KT_ASSERT(strnlen(id, s->h.name_size) < s->h.name_size && !strcmp(id, want_id),
		  "id '%.*s', expected '%s'", (int)s->h.name_size, id, want_id);

	/* Descriptors: known flags, whole u64s inside the data block, unique names. */
	data_size = s->size - s->h.data_offset;
	for (i = 0; i < s->h.num_desc; i++) {
		const struct kvm_stats_desc *d = desc_at(s, i);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

		KT_ASSERT(strnlen(d->name, s->h.name_size) < s->h.name_size && d->name[0],
			  "descriptor %u: name not terminated or empty", i);
		KT_ASSERT(!(d->flags & ~(KVM_STATS_TYPE_MASK | KVM_STATS_UNIT_MASK |
					 KVM_STATS_BASE_MASK)) &&
			  type <= KVM_STATS_TYPE_MAX &&
			  (d->flags & KVM_STATS_UNIT_MASK) <= KVM_STATS_UNIT_MAX &&
			  (d->flags & KVM_STATS_BASE_MASK) <= KVM_STATS_BASE_MAX,
			  "%s: flags 0x%x", d->name, d->flags);
		KT_ASSERT(d->size >= 1 && d->offset % 8 == 0 &&
			  d->offset + d->size * 8ull <= data_size,
			  "%s: size %u offset %u, data block %zu", d->name, d->size, d->offset,
			  data_size);
		if (type == KVM_STATS_TYPE_LINEAR_HIST)
			KT_ASSERT(d->bucket_size > 0, "%s: linear histogram of bucket 0", d->name);
		for (j = 0; j < i; j++)
			KT_ASSERT(strcmp(d->name, desc_at(s, j)->name),
				  "name %s twice", d->name);
	}

	/* pread of one byte at every offset gives the same file; past the end, nothing. */
	again = malloc(s->size);
	KT_ASSERT(again, "malloc");
	for (off = 0; off < s->size; off++)
		KT_ASSERT(pread(s->fd, &again[off], 1, off) == 1, "pread at %zu", off);
	KT_ASSERT(!memcmp(again, s->buf, s->size), "byte-wise pread differs");
	KT_ASSERT(pread(s->fd, &b, 1, s->size) == 0, "pread past the end");
	free(again);
}

static void stats_close(struct stats *s)
{
	close(s->fd);
	free(s->buf);
}

/* Value of a one-u64 statistic of the given type, read afresh. */
static uint64_t stat(const struct stats *s, const char *name, uint32_t type)
{
	unsigned int i;
	uint64_t v;

	for (i = 0; i < s->h.num_desc; i++) {
		const struct kvm_stats_desc *d = desc_at(s, i);

		if (strcmp(d->name, name))
			continue;
		KT_ASSERT((d->flags & KVM_STATS_TYPE_MASK) == type && d->size == 1,
			  "%s: flags 0x%x size %u", name, d->flags, d->size);
		KT_ASSERT(pread(s->fd, &v, 8, s->h.data_offset + d->offset) == 8, "pread %s",
			  name);
		return v;
	}
	KT_ASSERT(0, "no statistic named %s", name);
	return 0;
}

#define COUNTER(s, name)	stat(s, name, KVM_STATS_TYPE_CUMULATIVE)
#define GAUGE(s, name)		stat(s, name, KVM_STATS_TYPE_INSTANT)

static void test_cap_and_layout(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct stats vs, cs;
	char id[64];

	if (!kt_check_cap(KVM_CAP_BINARY_STATS_FD))
		KT_SKIP("KVM_CAP_BINARY_STATS_FD not supported");
	vm = kt_vm_create_bare();
	v = kt_vcpu_add_bare(vm, 3);
	snprintf(id, sizeof(id), "kvm-%d", getpid());
	stats_open(&vs, vm->fd, id);
	snprintf(id, sizeof(id), "kvm-%d/vcpu-3", getpid());
	stats_open(&cs, v->fd, id);
	kt_diag("VM: %u statistics, vCPU: %u", vs.h.num_desc, cs.h.num_desc);

	/* The statistics this project promises, with their types. */
	KT_ASSERT(COUNTER(&vs, "remote_tlb_flush") == 0 &&
		  COUNTER(&vs, "remote_tlb_flush_requests") == 0, "TLB flushes in a new VM");
	KT_ASSERT(GAUGE(&vs, "pages_4k") == 0 && GAUGE(&vs, "pages_2m") == 0,
		  "pages mapped in a VM without memory");
	KT_ASSERT(COUNTER(&cs, "exits") == 0, "exits of a vCPU that never ran");
	COUNTER(&cs, "io_exits");
	COUNTER(&cs, "mmio_exits");
	COUNTER(&cs, "halt_exits");
	COUNTER(&cs, "signal_exits");
	COUNTER(&cs, "irq_exits");
	KT_ASSERT(COUNTER(&cs, "irq_window_exits") == 0 && COUNTER(&cs, "nmi_window_exits") == 0,
		  "window exits of a vCPU that never ran");
	COUNTER(&cs, "insn_emulation");

	/* The files outlive the VM and vCPU fds that gave them. */
	kt_vm_free(vm);
	KT_ASSERT(COUNTER(&cs, "io_exits") == 0 && GAUGE(&vs, "pages_4k") == 0,
		  "stats after the VM fds closed");
	stats_close(&cs);
	stats_close(&vs);
}

static void guest_actions(uint64_t unused)
{
	volatile uint64_t *mmio = (volatile uint64_t *)MMIO_GPA;
	int round, i;

	(void)unused;
	/* Two identical rounds: the first maps code and stack, the second is measured. */
	for (round = 0; round < ROUNDS; round++) {
		GUEST_SYNC(round, 0);
		for (i = 0; i < IO_COUNT; i++)
			guest_outb(IO_PORT, i);
		GUEST_SYNC(round, 1);
		__asm__ volatile("hlt");
		GUEST_SYNC(round, 2);
		for (i = 0; i < MMIO_COUNT; i++)
			*mmio = i;
		GUEST_SYNC(round, 3);
		for (i = 0; i < PAGES_PER_ROUND; i++)
			*(volatile uint64_t *)(PAGES_GPA +
					       (round * PAGES_PER_ROUND + i) * KT_PAGE_SIZE) = i;
		GUEST_SYNC(round, 4);
	}
}

static void run_sync(struct kt_vcpu *v, uint64_t round, uint64_t step)
{
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == round &&
		  uc.args[1] == step, "expected sync %lu.%lu, got type %lu args %lu.%lu",
		  round, step, uc.type, uc.args[0], uc.args[1]);
}

struct snap {
	uint64_t exits, io, halt, emul, mmio, pages_4k, tlb_requests;
};

static void take(struct snap *p, const struct stats *vs, const struct stats *cs)
{
	p->exits = COUNTER(cs, "exits");
	p->io = COUNTER(cs, "io_exits");
	p->halt = COUNTER(cs, "halt_exits");
	p->emul = COUNTER(cs, "insn_emulation");
	p->mmio = COUNTER(cs, "mmio_exits");
	p->pages_4k = GAUGE(vs, "pages_4k");
	p->tlb_requests = COUNTER(vs, "remote_tlb_flush_requests");
}

static void test_counters_follow_guest(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct stats vs, cs;
	struct snap a, b;
	uint8_t *pages;
	char id[64];
	int round, i;

	if (!kt_check_cap(KVM_CAP_BINARY_STATS_FD))
		KT_SKIP("KVM_CAP_BINARY_STATS_FD not supported");
	vm = kt_vm_create();
	pages = kt_vm_add_slot(vm, PAGES_SLOT, PAGES_GPA,
			       ROUNDS * PAGES_PER_ROUND * KT_PAGE_SIZE, 0, 0);
	/* 4 KiB host pages only, so each first write maps exactly one 4 KiB leaf. */
	KT_ASSERT_OK(madvise(pages, ROUNDS * PAGES_PER_ROUND * KT_PAGE_SIZE, MADV_NOHUGEPAGE));
	v = kt_vcpu_add(vm, 0, guest_actions, 0, 0);
	snprintf(id, sizeof(id), "kvm-%d", getpid());
	stats_open(&vs, vm->fd, id);
	snprintf(id, sizeof(id), "kvm-%d/vcpu-0", getpid());
	stats_open(&cs, v->fd, id);

	for (round = 0; round < ROUNDS; round++) {
		bool check = round == ROUNDS - 1;

		run_sync(v, round, 0);
		take(&a, &vs, &cs);
		for (i = 0; i < IO_COUNT; i++) {
			kt_vcpu_run_ok(v);
			KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, IO_PORT, 1);
		}
		run_sync(v, round, 1);
		take(&b, &vs, &cs);
		/* The OUTs and the port write of the ucall itself. */
		if (check) {
			KT_ASSERT(b.io - a.io == IO_COUNT + 1, "io_exits +%lu for %d OUTs + 1",
				  b.io - a.io, IO_COUNT);
			KT_ASSERT(b.exits - a.exits >= IO_COUNT + 1, "exits +%lu",
				  b.exits - a.exits);
		}

		kt_vcpu_run_ok(v);
		KT_ASSERT_EXIT(v, KVM_EXIT_HLT);
		run_sync(v, round, 2);
		take(&a, &vs, &cs);
		if (check)
			KT_ASSERT(a.halt - b.halt == 1 && a.io - b.io == 1,
				  "one HLT: halt_exits +%lu, io_exits +%lu", a.halt - b.halt,
				  a.io - b.io);

		for (i = 0; i < MMIO_COUNT; i++) {
			kt_vcpu_run_ok(v);
			KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
			KT_ASSERT(v->run->mmio.is_write && v->run->mmio.phys_addr == MMIO_GPA,
				  "MMIO exit");
		}
		run_sync(v, round, 3);
		take(&b, &vs, &cs);
		if (check) {
			KT_ASSERT(b.emul - a.emul == MMIO_COUNT, "insn_emulation +%lu for %d",
				  b.emul - a.emul, MMIO_COUNT);
			/* Linux counts mmio_exits on VMX only; we count every KVM_EXIT_MMIO. */
			KT_ASSERT(b.mmio - a.mmio == MMIO_COUNT || b.mmio == a.mmio,
				  "mmio_exits +%lu for %d", b.mmio - a.mmio, MMIO_COUNT);
			KT_ASSERT(b.io - a.io == 1, "io_exits +%lu", b.io - a.io);
		}

		run_sync(v, round, 4);
		take(&a, &vs, &cs);
		if (check)
			KT_ASSERT(a.pages_4k - b.pages_4k == PAGES_PER_ROUND,
				  "pages_4k %lu -> %lu after writes to %d fresh pages",
				  b.pages_4k, a.pages_4k, PAGES_PER_ROUND);
	}

	/* The host drops one of those pages: its mapping goes, with a TLB flush. */
	KT_ASSERT_OK(madvise(pages + (ROUNDS * PAGES_PER_ROUND - 1) * KT_PAGE_SIZE,
			     KT_PAGE_SIZE, MADV_DONTNEED));
	take(&b, &vs, &cs);
	KT_ASSERT(a.pages_4k - b.pages_4k == 1 && b.tlb_requests > a.tlb_requests,
		  "after MADV_DONTNEED: pages_4k %lu -> %lu, remote_tlb_flush_requests %lu -> %lu",
		  a.pages_4k, b.pages_4k, a.tlb_requests, b.tlb_requests);
	KT_RUN_DONE(v);
	stats_close(&cs);
	stats_close(&vs);
	kt_vm_free(vm);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void guest_spin(uint64_t unused)
{
	(void)unused;
	GUEST_SYNC(0, 0);
	for (;;)
		__asm__ volatile("pause");
}

static void test_signal_exits(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct {
		struct kvm_signal_mask head;
		uint64_t set;		/* the kernel's sigset_t: 64 signals */
	} mask;
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct stats cs;
	sigset_t block;
	uint64_t before;
	char id[64];

	if (!kt_check_cap(KVM_CAP_BINARY_STATS_FD))
		KT_SKIP("KVM_CAP_BINARY_STATS_FD not supported");
	vm = kt_vm_create();
	v = kt_vcpu_add(vm, 0, guest_spin, 0, 0);
	snprintf(id, sizeof(id), "kvm-%d/vcpu-0", getpid());
	stats_open(&cs, v->fd, id);
	run_sync(v, 0, 0);

	/* SIGUSR1 pending but blocked outside KVM_RUN, unblocked inside it. */
	sigemptyset(&sa.sa_mask);
	KT_ASSERT_OK(sigaction(SIGUSR1, &sa, NULL));
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	KT_ASSERT_OK(sigprocmask(SIG_BLOCK, &block, NULL));
	KT_ASSERT_OK(raise(SIGUSR1));
	mask.head.len = sizeof(mask.set);
	mask.set = 0;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_SIGNAL_MASK, &mask));

	before = COUNTER(&cs, "signal_exits");
	KT_ASSERT_ERRNO(kt_vcpu_run(v), EINTR);
	KT_ASSERT_EXIT(v, KVM_EXIT_INTR);
	KT_ASSERT(COUNTER(&cs, "signal_exits") == before + 1, "signal_exits %lu -> %lu",
		  before, COUNTER(&cs, "signal_exits"));
	stats_close(&cs);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "cap_and_layout", test_cap_and_layout },
	{ "counters_follow_guest", test_counters_follow_guest },
	{ "signal_exits", test_signal_exits },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
