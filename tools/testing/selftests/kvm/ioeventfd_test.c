// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD: guest port and MMIO writes of each length, with and without
 * datamatch, and length 0 (any length).  A write that hits an ioeventfd
 * signals it and completes without an exit; every other write (wrong length,
 * wrong value, address not exact), and every read, exits to userspace.  The
 * eventfds count exactly the hits.  Deassign needs an exact match; argument
 * errors and duplicates get Linux's errno.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <fcntl.h>

#include "kvmt.h"

#define MMIO_BASE	0xc0000000ull	/* identity-mapped, no slot behind it */

enum op_kind { OP_OUT, OP_IN, OP_MMIO_W, OP_MMIO_R, OP_OUTS };

struct io_op {
	uint8_t kind;
	uint8_t len;
	uint64_t addr;
	uint64_t value;
	int hit;		/* index of the eventfd it signals, -1: exits to userspace */
};

/* The eventfds of the main case and what each is assigned to. */
struct efd_spec {
	uint64_t addr;
	uint32_t len;
	bool pio;
	bool datamatch;
	uint64_t match;
};

static const struct efd_spec specs[] = {
	/* 0 */ { 0x1000, 1, true, false, 0 },
	/* 1 */ { 0x1010, 2, true, true, 0xbeef },
	/* 2 */ { 0x1020, 4, true, true, 0x12345678 },
	/* 3 */ { 0x1020, 4, true, true, 0x9abcdef0 },
	/* 4 */ { 0x1030, 0, true, false, 0 },
	/* 5 */ { MMIO_BASE + 0x00, 8, false, true, 0x1122334455667788ull },
	/* 6 */ { MMIO_BASE + 0x10, 4, false, false, 0 },
	/* 7 */ { MMIO_BASE + 0x20, 0, false, false, 0 },
	/* 8 */ { MMIO_BASE + 0x30, 1, false, true, 0x5a },
	/* 9 */ { MMIO_BASE + 0x40, 2, false, false, 0 },
	/* 10 */ { MMIO_BASE + 0x50, 1, false, true, 0x1a5 },	/* never matches a byte */
};
#define NR_EFDS	(sizeof(specs) / sizeof(specs[0]))

static const struct io_op ops[] = {
	{ OP_OUT, 1, 0x1000, 0x11, 0 },
	{ OP_OUT, 2, 0x1000, 0x1122, -1 },		/* length differs */
	{ OP_OUT, 2, 0x1010, 0xbeef, 1 },
	{ OP_OUT, 2, 0x1010, 0xbeee, -1 },		/* value differs */
	{ OP_OUT, 1, 0x1010, 0xef, -1 },		/* length differs */
	{ OP_OUT, 4, 0x1020, 0x12345678, 2 },
	{ OP_OUT, 4, 0x1020, 0x9abcdef0, 3 },
	{ OP_OUT, 4, 0x1020, 0, -1 },
	{ OP_OUT, 1, 0x1030, 0x01, 4 },			/* length 0: any length */
	{ OP_OUT, 2, 0x1030, 0x0202, 4 },
	{ OP_OUT, 4, 0x1030, 0x04040404, 4 },
	{ OP_OUT, 1, 0x1031, 0x05, -1 },		/* address must be exact */
	{ OP_OUT, 1, 0x0fff, 0x06, -1 },
	{ OP_IN, 1, 0x1000, 0, -1 },			/* reads are never claimed */
	{ OP_IN, 4, 0x1030, 0, -1 },
	{ OP_OUTS, 1, 0x1000, 3, 0 },			/* rep outsb, 3 bytes: 3 hits */
	{ OP_MMIO_W, 8, MMIO_BASE + 0x00, 0x1122334455667788ull, 5 },
	{ OP_MMIO_W, 8, MMIO_BASE + 0x00, 0x1122334455667789ull, -1 },
	{ OP_MMIO_W, 4, MMIO_BASE + 0x00, 0x55667788, -1 },
	{ OP_MMIO_W, 4, MMIO_BASE + 0x10, 0xdeadbeef, 6 },
	{ OP_MMIO_W, 2, MMIO_BASE + 0x10, 0xbeef, -1 },
	{ OP_MMIO_W, 8, MMIO_BASE + 0x10, 0x1, -1 },
	{ OP_MMIO_W, 1, MMIO_BASE + 0x20, 0x1, 7 },
	{ OP_MMIO_W, 2, MMIO_BASE + 0x20, 0x2, 7 },
	{ OP_MMIO_W, 4, MMIO_BASE + 0x20, 0x4, 7 },
	{ OP_MMIO_W, 8, MMIO_BASE + 0x20, 0x8, 7 },
	{ OP_MMIO_W, 1, MMIO_BASE + 0x21, 0x1, -1 },
	{ OP_MMIO_W, 1, MMIO_BASE + 0x30, 0x5a, 8 },
	{ OP_MMIO_W, 1, MMIO_BASE + 0x30, 0x5b, -1 },
	{ OP_MMIO_W, 2, MMIO_BASE + 0x40, 0x1234, 9 },
	{ OP_MMIO_W, 1, MMIO_BASE + 0x50, 0xa5, -1 },
	{ OP_MMIO_R, 4, MMIO_BASE + 0x10, 0, -1 },
	{ OP_MMIO_R, 8, MMIO_BASE + 0x20, 0, -1 },
};
#define NR_OPS	(sizeof(ops) / sizeof(ops[0]))

static uint8_t outs_buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void guest_do_op(const struct io_op *op)
{
	volatile void *p = (volatile void *)op->addr;
	const void *src = outs_buf;
	uint64_t n = op->value;

	switch (op->kind) {
	case OP_OUT:
		if (op->len == 1)
			guest_outb(op->addr, op->value);
		else if (op->len == 2)
			guest_outw(op->addr, op->value);
		else
			guest_outl(op->addr, op->value);
		break;
	case OP_IN:
		if (op->len == 1)
			(void)guest_inb(op->addr);
		else if (op->len == 2)
			(void)guest_inw(op->addr);
		else
			(void)guest_inl(op->addr);
		break;
	case OP_OUTS:
		__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"(op->addr) : "memory");
		GUEST_ASSERT_EQ(n, 0);
		break;
	case OP_MMIO_W:
		if (op->len == 1)
			*(volatile uint8_t *)p = op->value;
		else if (op->len == 2)
			*(volatile uint16_t *)p = op->value;
		else if (op->len == 4)
			*(volatile uint32_t *)p = op->value;
		else
			*(volatile uint64_t *)p = op->value;
		break;
	case OP_MMIO_R:
		if (op->len == 4)
			(void)*(volatile uint32_t *)p;
		else
			(void)*(volatile uint64_t *)p;
		break;
	}
}

static void guest_ops(const struct io_op *list, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		guest_do_op(&list[i]);
		GUEST_SYNC(i);
	}
}

static int vm_ioeventfd(struct kt_vm *vm, uint64_t addr, uint32_t len, int fd, uint32_t flags,
			uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd, .flags = flags,
	};

	return ioctl(vm->fd, KVM_IOEVENTFD, &a);
}

static int assign_spec(struct kt_vm *vm, const struct efd_spec *s, int fd, bool deassign)
{
	uint32_t flags = (s->pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (s->datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);

	return vm_ioeventfd(vm, s->addr, s->len, fd, flags, s->match);
}

/* What the eventfd counted since the last call (0 when not signalled). */
static uint64_t efd_take(int fd)
{
	uint64_t v = 0;
	ssize_t r = read(fd, &v, sizeof(v));

	if (r < 0 && errno == EAGAIN)
		return 0;
	KT_ASSERT(r == sizeof(v), "read eventfd: %zd", r);
	return v;
}

static int new_efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	KT_ASSERT(fd >= 0, "eventfd");
	return fd;
}

/* The exit a missed op makes; answers reads with zeroes. */
static void expect_op_exit(struct kt_vcpu *v, const struct io_op *op, size_t i)
{
	uint64_t got = 0;

	if (op->kind == OP_OUT || op->kind == OP_IN) {
		KT_ASSERT_IO(v, op->kind == OP_OUT ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN,
			     op->addr, op->len);
		if (op->kind == OP_OUT) {
			memcpy(&got, kt_io_data(v), op->len);
			KT_ASSERT(got == op->value, "op %zu: out data 0x%lx", i, got);
		} else {
			memset(kt_io_data(v), 0, op->len);
		}
		return;
	}
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.phys_addr == op->addr && v->run->mmio.len == op->len &&
		  v->run->mmio.is_write == (op->kind == OP_MMIO_W),
		  "op %zu: mmio gpa 0x%llx len %u write %u", i,
		  (unsigned long long)v->run->mmio.phys_addr, v->run->mmio.len,
		  v->run->mmio.is_write);
	if (op->kind == OP_MMIO_W) {
		memcpy(&got, v->run->mmio.data, op->len);
		KT_ASSERT(got == op->value, "op %zu: mmio data 0x%lx", i, got);
	} else {
		memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
	}
}

/* Run the guest through list, checking exits and eventfd counts after each op. */
static void run_ops(struct kt_vcpu *v, const struct io_op *list, size_t n, const int *efds,
		    size_t nefds)
{
	struct kt_ucall uc;
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct io_op *op = &list[i];

		if (op->hit < 0) {
			kt_vcpu_run_ok(v);
			expect_op_exit(v, op, i);
		}
		KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == i,
			  "op %zu: expected SYNC %zu (a hit must not exit)", i, i);
		for (k = 0; k < nefds; k++) {
			uint64_t want = (int)k == op->hit ?
					(op->kind == OP_OUTS ? op->value : 1) : 0;
			uint64_t got = efd_take(efds[k]);

			KT_ASSERT(got == want, "op %zu (kind %u addr 0x%lx len %u): eventfd %zu "
				  "counted %lu, want %lu", i, op->kind, op->addr, op->len, k,
				  got, want);
		}
	}
}

static void test_caps(void)
{
	struct kt_vm *vm = kt_vm_create_bare();

	KT_ASSERT(kt_check_cap(KVM_CAP_IOEVENTFD) > 0, "KVM_CAP_IOEVENTFD");
	KT_ASSERT(kt_check_cap(KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0, "KVM_CAP_IOEVENTFD_ANY_LENGTH");
	KT_ASSERT(kt_check_cap(KVM_CAP_IOEVENTFD_NO_LENGTH) > 0, "KVM_CAP_IOEVENTFD_NO_LENGTH");
	KT_ASSERT(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0, "on the VM fd");
	kt_vm_free(vm);
}

static void test_writes(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_ops, (uint64_t)ops, NR_OPS);
	int efds[NR_EFDS];
	size_t k;

	for (k = 0; k < NR_EFDS; k++) {
		efds[k] = new_efd();
		KT_ASSERT(assign_spec(vm, &specs[k], efds[k], false) == 0, "assign %zu", k);
	}
	run_ops(v, ops, NR_OPS, efds, NR_EFDS);
	KT_RUN_DONE(v);
	kt_vm_free(vm);		/* with every ioeventfd still assigned */
	for (k = 0; k < NR_EFDS; k++)
		close(efds[k]);
}

static const struct io_op ops_after_deassign[] = {
	{ OP_OUT, 2, 0x1010, 0xbeef, -1 },	/* its ioeventfd is gone */
	{ OP_OUT, 4, 0x1020, 0x12345678, 2 },	/* the other one still works */
	{ OP_MMIO_W, 4, MMIO_BASE + 0x10, 0x1, -1 },
	{ OP_OUT, 1, 0x1000, 0x1, 0 },		/* fd closed, ioeventfd still assigned */
};

static void test_deassign(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_ops, (uint64_t)ops_after_deassign,
					sizeof(ops_after_deassign) / sizeof(ops_after_deassign[0]));
	struct efd_spec s;
	int efds[7], dup0;
	size_t k;

	for (k = 0; k < 7; k++) {
		efds[k] = new_efd();
		KT_ASSERT(assign_spec(vm, &specs[k], efds[k], false) == 0, "assign %zu", k);
	}

	/* Deassign must name exactly what was assigned. */
	s = specs[1];
	s.match = 0xbeee;
	KT_ASSERT_ERRNO(assign_spec(vm, &s, efds[1], true), ENOENT);
	s = specs[1];
	s.len = 4;
	KT_ASSERT_ERRNO(assign_spec(vm, &s, efds[1], true), ENOENT);
	s = specs[1];
	s.datamatch = false;
	KT_ASSERT_ERRNO(assign_spec(vm, &s, efds[1], true), ENOENT);
	s = specs[1];
	s.pio = false;
	KT_ASSERT_ERRNO(assign_spec(vm, &s, efds[1], true), ENOENT);
	KT_ASSERT_ERRNO(assign_spec(vm, &specs[1], efds[2], true), ENOENT);	/* other fd */
	s = specs[6];
	s.datamatch = true;
	KT_ASSERT_ERRNO(assign_spec(vm, &s, efds[6], true), ENOENT);
	KT_ASSERT_ERRNO(assign_spec(vm, &specs[1], -1, true), EBADF);

	KT_ASSERT_OK(assign_spec(vm, &specs[1], efds[1], true));
	KT_ASSERT_ERRNO(assign_spec(vm, &specs[1], efds[1], true), ENOENT);	/* only once */
	/* Another fd for the same eventfd names the same ioeventfd. */
	dup0 = dup(efds[6]);
	KT_ASSERT(dup0 >= 0, "dup");
	KT_ASSERT_OK(assign_spec(vm, &specs[6], dup0, true));
	close(dup0);
	/* The eventfd's file outlives the fd: the ioeventfd holds it. */
	dup0 = dup(efds[0]);
	KT_ASSERT(dup0 >= 0, "dup");
	close(efds[0]);
	efds[0] = dup0;

	run_ops(v, ops_after_deassign,
		sizeof(ops_after_deassign) / sizeof(ops_after_deassign[0]), efds, 7);
	KT_RUN_DONE(v);

	/* A slot freed by deassign can be assigned again. */
	KT_ASSERT_OK(assign_spec(vm, &specs[1], efds[1], false));
	kt_vm_free(vm);
	for (k = 0; k < 7; k++)
		close(efds[k]);
}

static void test_errors(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	int a = new_efd(), b = new_efd();
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO, dm = KVM_IOEVENTFD_FLAG_DATAMATCH;

	/* Unknown flags, lengths other than 0/1/2/4/8, range wrap, DATAMATCH without length. */
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 1, a, 1u << 5, 0), EINVAL);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 1, a, 1u << 31, 0), EINVAL);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 3, a, pio, 0), EINVAL);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 16, a, pio, 0), EINVAL);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x1000, 5, a, 0, 0), EINVAL);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, ~0ull - 3, 8, a, 0, 0), EINVAL);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 0, a, pio | dm, 7), EINVAL);
	/* Not an eventfd. */
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 1, -1, pio, 0), EBADF);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 1, vm->fd, pio, 0), EINVAL);

	/* Collisions on one bus and address. */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x100, 2, a, pio | dm, 1));
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 2, b, pio | dm, 1), EEXIST);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 2, b, pio, 0), EEXIST);	/* wildcard vs match */
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 0, b, pio, 0), EEXIST);	/* any length */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x100, 2, b, pio | dm, 2));		/* other value */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x100, 4, b, pio, 0));		/* other length */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x100, 2, a, dm, 1));			/* other bus */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x101, 2, a, pio | dm, 1));		/* other port */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x200, 0, a, 0, 0));
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x200, 4, b, dm, 0), EEXIST);
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x200, 0, b, 0, 0), EEXIST);

	/* Deassigning something never assigned. */
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x300, 1, a, pio | KVM_IOEVENTFD_FLAG_DEASSIGN, 0),
			ENOENT);
	/* Deassign is only a lookup (observed on Debian's 6.1): bad arguments find nothing. */
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 3, a, pio | KVM_IOEVENTFD_FLAG_DEASSIGN, 0),
			ENOENT);
	/* ... and flags it does not know are ignored there. */
	KT_ASSERT_OK(vm_ioeventfd(vm, 0x100, 2, a, pio | dm | (1u << 6) |
				  KVM_IOEVENTFD_FLAG_DEASSIGN, 1));
	KT_ASSERT_ERRNO(vm_ioeventfd(vm, 0x100, 2, a, pio | dm | KVM_IOEVENTFD_FLAG_DEASSIGN, 1),
			ENOENT);
	kt_vm_free(vm);
	close(a);
	close(b);
}

/* Many ioeventfds on one bus, each hit once; then all are removed again. */
static void test_many(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	int fd = new_efd();
	uint32_t i;

	for (i = 0; i < 200; i++)
		KT_ASSERT(vm_ioeventfd(vm, 0x4000 + (i * 37) % 1000, 4, fd,
				       KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
				       i) == 0, "assign %u", i);
	for (i = 0; i < 200; i++)
		KT_ASSERT(vm_ioeventfd(vm, 0x4000 + (i * 37) % 1000, 4, fd,
				       KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH |
				       KVM_IOEVENTFD_FLAG_DEASSIGN, i) == 0, "deassign %u", i);
	kt_vm_free(vm);
	close(fd);
}

#define TOGGLE_PORT	0x1234
#define TOGGLE_WRITES	4000

static void guest_port_loop(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		guest_outl(TOGGLE_PORT, i);
	GUEST_DONE();
}

struct toggler {
	struct kt_vm *vm;
	int fd;
	atomic_bool stop;
	unsigned long rounds;
};

static void *toggle_thread(void *arg)
{
	struct toggler *t = arg;

	while (!atomic_load(&t->stop)) {
		if (vm_ioeventfd(t->vm, TOGGLE_PORT, 4, t->fd, KVM_IOEVENTFD_FLAG_PIO, 0))
			return (void *)1;
		if (vm_ioeventfd(t->vm, TOGGLE_PORT, 4, t->fd,
				 KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN, 0))
			return (void *)2;
		t->rounds++;
	}
	return NULL;
}

/*
 * Assign and deassign an ioeventfd over and over while the guest writes to its
 * port: every write either signals the eventfd or exits, none is lost or seen
 * twice.
 */
static void test_toggle_while_running(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_port_loop, TOGGLE_WRITES, 0);
	struct toggler t = { .vm = vm, .fd = new_efd() };
	uint64_t exits = 0, signalled;
	struct kt_ucall uc;
	pthread_t th;
	void *ret;

	KT_ASSERT(!pthread_create(&th, NULL, toggle_thread, &t), "pthread_create");
	for (;;) {
		kt_vcpu_run_ok(v);
		if (kt_get_ucall(v, &uc) == UCALL_DONE)
			break;
		KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, TOGGLE_PORT, 4);
		exits++;
	}
	atomic_store(&t.stop, true);
	pthread_join(th, &ret);
	KT_ASSERT(!ret, "toggler failed at step %ld", (long)ret);
	signalled = efd_take(t.fd);
	kt_diag("%d writes: %lu signalled, %lu exits, %lu assign/deassign rounds",
		TOGGLE_WRITES, signalled, exits, t.rounds);
	KT_ASSERT(signalled + exits == TOGGLE_WRITES, "%lu signalled + %lu exits != %d",
		  signalled, exits, TOGGLE_WRITES);
	kt_vm_free(vm);
	close(t.fd);
}

int main(void)
{
	static const struct ktest_case cases[] = {
		{ "caps", test_caps },
		{ "writes_hit_or_exit", test_writes },
		{ "deassign", test_deassign },
		{ "errors", test_errors },
		{ "many", test_many },
		{ "toggle_while_running", test_toggle_while_running },
	};

	return ktest_main(cases, KTEST_NCASES(cases));
}
