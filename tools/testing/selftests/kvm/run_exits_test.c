// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN basics: the exit reasons and kvm_run fields for port I/O (sizes
 * 1/2/4, in and out, string I/O with a count), MMIO outside any slot (1/2/4/8
 * bytes, reads and writes), HLT, SHUTDOWN on a triple fault, immediate_exit,
 * and a signal interrupting a guest that spins.
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kvmt.h"
#include "x86.h"

#define PORT_A		0x80
#define PORT_B		0x3f8
#define PORT_STR	0x1234
#define MMIO_BASE	0xc0000000ull	/* identity-mapped, no slot behind it */

static void guest_io_out(void)
{
	guest_outb(PORT_A, 0x5a);
	guest_outw(PORT_B, 0xbeef);
	guest_outl(PORT_A + 1, 0x12345678);
	GUEST_DONE();
}

static void test_io_out(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_io_out, 0, 0);
	uint32_t d32 = 0;
	uint16_t d16 = 0;
	uint8_t d8 = 0;

	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, PORT_A, 1);
	KT_ASSERT(v->run->io.count == 1, "count %u", v->run->io.count);
	/* The data sits past struct kvm_run (Linux: the next page) inside the mapping. */
	KT_ASSERT(v->run->io.data_offset >= sizeof(struct kvm_run) &&
		  v->run->io.data_offset + 1 <= v->run_size,
		  "data_offset 0x%llx: overlaps kvm_run or outside the %zu-byte map",
		  (unsigned long long)v->run->io.data_offset, v->run_size);
	memcpy(&d8, kt_io_data(v), 1);
	KT_ASSERT(d8 == 0x5a, "outb data 0x%x", d8);
	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, PORT_B, 2);
	memcpy(&d16, kt_io_data(v), 2);
	KT_ASSERT(d16 == 0xbeef && v->run->io.count == 1, "outw data 0x%x", d16);
	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, PORT_A + 1, 4);
	memcpy(&d32, kt_io_data(v), 4);
	KT_ASSERT(d32 == 0x12345678 && v->run->io.count == 1, "outl data 0x%x", d32);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_io_in(void)
{
	uint8_t b = guest_inb(PORT_A);
	uint16_t w = guest_inw(PORT_B);
	uint32_t l = guest_inl(PORT_A);

	GUEST_SYNC(b, w, l);
}

static void test_io_in(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_io_in, 0, 0);
	uint32_t l = 0xcafef00d;
	uint16_t w = 0x4321;
	uint8_t b = 0xa5;
	struct kt_ucall uc;

	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_IN, PORT_A, 1);
	KT_ASSERT(v->run->io.count == 1, "count %u", v->run->io.count);
	memcpy(kt_io_data(v), &b, 1);
	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_IN, PORT_B, 2);
	memcpy(kt_io_data(v), &w, 2);
	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_IN, PORT_A, 4);
	memcpy(kt_io_data(v), &l, 4);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(uc.args[0] == b && uc.args[1] == w && uc.args[2] == l,
		  "guest read 0x%lx 0x%lx 0x%lx", uc.args[0], uc.args[1], uc.args[2]);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static uint8_t str_out[5] = { 'h', 'e', 'l', 'l', 'o' };
static uint16_t str_in[3];

static void guest_string_io(void)
{
	const void *src = str_out;
	void *dst = str_in;
	uint64_t n = sizeof(str_out);

	__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"(PORT_STR) : "memory");
	GUEST_ASSERT_EQ(n, 0);
	GUEST_ASSERT_EQ((uint64_t)src, (uint64_t)str_out + sizeof(str_out));
	n = 3;
	__asm__ volatile("cld; rep insw" : "+D"(dst), "+c"(n) : "d"(PORT_STR) : "memory");
	GUEST_ASSERT_EQ(n, 0);
	GUEST_ASSERT_EQ((uint64_t)dst, (uint64_t)str_in + sizeof(str_in));
	GUEST_ASSERT(str_in[0] == 0x1111 && str_in[1] == 0x2222 && str_in[2] == 0x3333);
	GUEST_DONE();
}

static void test_string_io(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_string_io, 0, 0);
	static const uint16_t words[3] = { 0x1111, 0x2222, 0x3333 };

	uint32_t done = 0, exits = 0;

	/*
	 * KVM may split a rep string instruction into several exits (Linux's
	 * emulator hands "rep outs" over one element at a time and batches
	 * "rep ins"): every exit must carry count elements of the right size,
	 * in order, and together exactly the whole string.
	 */
	while (done < sizeof(str_out)) {
		kt_vcpu_run_ok(v);
		KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, PORT_STR, 1);
		KT_ASSERT(v->run->io.count >= 1 && done + v->run->io.count <= sizeof(str_out),
			  "rep outsb count %u after %u bytes", v->run->io.count, done);
		KT_ASSERT(!memcmp(kt_io_data(v), "hello" + done, v->run->io.count),
			  "rep outsb data '%.*s' at %u", (int)v->run->io.count,
			  (char *)kt_io_data(v), done);
		done += v->run->io.count;
		exits++;
	}
	kt_diag("rep outsb of 5 bytes took %u exits", exits);
	for (done = 0, exits = 0; done < 3; exits++) {
		kt_vcpu_run_ok(v);
		KT_ASSERT_IO(v, KVM_EXIT_IO_IN, PORT_STR, 2);
		KT_ASSERT(v->run->io.count >= 1 && done + v->run->io.count <= 3,
			  "rep insw count %u after %u words", v->run->io.count, done);
		memcpy(kt_io_data(v), words + done, v->run->io.count * 2);
		done += v->run->io.count;
	}
	kt_diag("rep insw of 3 words took %u exits", exits);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_mmio(void)
{
	volatile uint8_t *p8 = (volatile uint8_t *)(MMIO_BASE + 0x10);
	volatile uint16_t *p16 = (volatile uint16_t *)(MMIO_BASE + 0x20);
	volatile uint32_t *p32 = (volatile uint32_t *)(MMIO_BASE + 0x30);
	volatile uint64_t *p64 = (volatile uint64_t *)(MMIO_BASE + 0x40);
	uint64_t a, b, c, d;

	*p8 = 0x11;
	*p16 = 0x2222;
	*p32 = 0x33333333;
	*p64 = 0x4444444444444444ull;
	a = *p8;
	b = *p16;
	c = *p32;
	d = *p64;
	GUEST_SYNC(a, b, c, d);
}

static void expect_mmio(struct kt_vcpu *v, uint64_t gpa, uint32_t len, bool write,
			uint64_t wdata, uint64_t rdata)
{
	uint64_t got = 0;

	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.phys_addr == gpa && v->run->mmio.len == len &&
		  v->run->mmio.is_write == write,
		  "mmio gpa 0x%llx len %u write %u, want 0x%lx %u %u",
		  (unsigned long long)v->run->mmio.phys_addr, v->run->mmio.len,
		  v->run->mmio.is_write, gpa, len, write);
	if (write) {
		memcpy(&got, v->run->mmio.data, len);
		KT_ASSERT(got == wdata, "mmio write data 0x%lx, want 0x%lx", got, wdata);
	} else {
		memcpy(v->run->mmio.data, &rdata, len);
	}
}

static void test_mmio(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_mmio, 0, 0);
	struct kt_ucall uc;

	expect_mmio(v, MMIO_BASE + 0x10, 1, true, 0x11, 0);
	expect_mmio(v, MMIO_BASE + 0x20, 2, true, 0x2222, 0);
	expect_mmio(v, MMIO_BASE + 0x30, 4, true, 0x33333333, 0);
	expect_mmio(v, MMIO_BASE + 0x40, 8, true, 0x4444444444444444ull, 0);
	expect_mmio(v, MMIO_BASE + 0x10, 1, false, 0, 0xa1);
	expect_mmio(v, MMIO_BASE + 0x20, 2, false, 0, 0xb2b2);
	expect_mmio(v, MMIO_BASE + 0x30, 4, false, 0, 0xc3c3c3c3);
	expect_mmio(v, MMIO_BASE + 0x40, 8, false, 0, 0xd4d4d4d4d4d4d4d4ull);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(uc.args[0] == 0xa1 && uc.args[1] == 0xb2b2 && uc.args[2] == 0xc3c3c3c3 &&
		  uc.args[3] == 0xd4d4d4d4d4d4d4d4ull, "guest read 0x%lx 0x%lx 0x%lx 0x%lx",
		  uc.args[0], uc.args[1], uc.args[2], uc.args[3]);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_hlt_twice(void)
{
	guest_hlt();
	GUEST_SYNC(1);
	guest_hlt();
	GUEST_DONE();
}

static void test_hlt(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_hlt_twice, 0, 0);
	struct kvm_regs r;

	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_HLT);
	/* RIP is already past the one-byte hlt. */
	kt_get_regs(v, &r);
	KT_ASSERT(*(uint8_t *)kt_gva2hva(vm, r.rip - 1) == 0xf4, "rip 0x%llx not after hlt",
		  (unsigned long long)r.rip);
	KT_RUN_SYNC(v, 1);
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_HLT);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	__asm__ volatile("lidt %0; ud2" : : "m"(empty));
}

static void test_shutdown(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_triple_fault, 0, 0);

	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_SHUTDOWN);
	kt_vm_free(vm);
}

static void guest_sync_forever(void)
{
	uint64_t i;

	for (i = 0;; i++)
		GUEST_SYNC(i);
}

static void test_immediate_exit(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_sync_forever, 0, 0);

	KT_ASSERT(kt_check_cap(KVM_CAP_IMMEDIATE_EXIT), "KVM_CAP_IMMEDIATE_EXIT missing");
	/*
	 * Linux 6.1 returns EINTR before touching exit_reason (later kernels may
	 * report KVM_EXIT_INTR): accept either, nothing else.
	 */
	v->run->immediate_exit = 1;
	v->run->exit_reason = KVM_EXIT_UNKNOWN;
	KT_ASSERT_ERRNO(kt_vcpu_run(v), EINTR);
	KT_ASSERT(v->run->exit_reason == KVM_EXIT_UNKNOWN || v->run->exit_reason == KVM_EXIT_INTR,
		  "exit_reason %u after immediate exit", v->run->exit_reason);
	/* Nothing ran: the first SYNC still comes with 0. */
	v->run->immediate_exit = 0;
	KT_RUN_SYNC(v, 0);
	/* Set while an I/O exit is pending: the I/O completes, no guest code runs. */
	v->run->immediate_exit = 1;
	KT_ASSERT_ERRNO(kt_vcpu_run(v), EINTR);
	v->run->immediate_exit = 0;
	KT_RUN_SYNC(v, 1);
	kt_vm_free(vm);
}

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void guest_spin(void)
{
	GUEST_SYNC(0);
	for (;;)
		__asm__ volatile("pause");
}

static void test_signal_interrupts_guest(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	/* Repeating, in case the first signal comes before KVM_RUN has begun. */
	struct itimerval it = { .it_interval = { .tv_usec = 200000 },
				.it_value = { .tv_usec = 200000 } };
	struct itimerval off = { 0 };
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_spin, 0, 0);
	struct kvm_regs r1, r2;

	KT_RUN_SYNC(v, 0);
	sigemptyset(&sa.sa_mask);
	KT_ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	KT_ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	KT_ASSERT_ERRNO(kt_vcpu_run(v), EINTR);
	KT_ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
	KT_ASSERT_EXIT(v, KVM_EXIT_INTR);
	KT_ASSERT(alarms >= 1, "handler ran %d times", alarms);
	alarms = 0;
	/* The guest is still inside its loop and can be resumed and interrupted again. */
	kt_get_regs(v, &r1);
	KT_ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
	KT_ASSERT_ERRNO(kt_vcpu_run(v), EINTR);
	KT_ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
	KT_ASSERT_EXIT(v, KVM_EXIT_INTR);
	kt_get_regs(v, &r2);
	KT_ASSERT(r1.rsp == r2.rsp && alarms >= 1, "rsp moved 0x%llx -> 0x%llx, alarms %d",
		  (unsigned long long)r1.rsp, (unsigned long long)r2.rsp, alarms);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "io_out_sizes", test_io_out },
	{ "io_in_sizes", test_io_in },
	{ "string_io", test_string_io },
	{ "mmio_outside_slots", test_mmio },
	{ "hlt", test_hlt },
	{ "shutdown_on_triple_fault", test_shutdown },
	{ "immediate_exit", test_immediate_exit },
	{ "signal_interrupts_guest", test_signal_interrupts_guest },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
