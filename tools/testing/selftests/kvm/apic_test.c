// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts a guest takes from the in-kernel local APIC and IOAPIC: the LAPIC
 * timer in one-shot, periodic and TSC-deadline modes (never early, roughly at
 * the programmed rate: the test VM is slow, so only a generous upper bound),
 * a HLT that sleeps until the timer wakes it, self-IPIs (x2APIC SELF_IPI and
 * the ICR self shorthand), the same through the xAPIC page, an IPI and an
 * all-but-self IPI from vCPU 0 to a halted vCPU 1, and KVM_IRQ_LINE through
 * IOAPIC pins: an edge pin once, a level pin with remote IRR, re-delivery after
 * an EOI while the line stays high, and silence once it is low.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"
#include "kvmt.h"

#define VEC_TIMER	0x40
#define VEC_IPI		0x50
#define VEC_SELF	0x51
#define VEC_ALL		0x52
#define VEC_EDGE	0x60
#define VEC_LEVEL	0x61
#define VEC_SPURIOUS	0xff

#define EDGE_GSI	17	/* IOAPIC-only GSIs of the default routing */
#define LEVEL_GSI	18

/* Guest globals (each VM has its own copy of the image). */
uint64_t guest_tsc_khz;
bool guest_x2apic = true;
volatile uint64_t timer_count, self_count, edge_count, level_count;
/* Both vCPUs of the IPI test share the image: counted per x2APIC ID. */
volatile uint64_t ipi_count[2], all_count[2];

static void apic_eoi(void)
{
	if (guest_x2apic)
		x2apic_write(APIC_EOI, 0);
	else
		xapic_write(APIC_EOI, 0);
}

static void on_timer(struct guest_exc_frame *f)
{
	(void)f;
	timer_count++;
	apic_eoi();
}

static void on_ipi(struct guest_exc_frame *f)
{
	(void)f;
	ipi_count[x2apic_read(APIC_ID) & 1]++;
	apic_eoi();
}

static void on_self(struct guest_exc_frame *f)
{
	(void)f;
	self_count++;
	apic_eoi();
}

static void on_all(struct guest_exc_frame *f)
{
	(void)f;
	all_count[x2apic_read(APIC_ID) & 1]++;
	apic_eoi();
}

static void on_edge(struct guest_exc_frame *f)
{
	(void)f;
	edge_count++;
	apic_eoi();
}

/* The level handler leaves the EOI to the test body. */
static void on_level(struct guest_exc_frame *f)
{
	(void)f;
	level_count++;
}

static void on_spurious(struct guest_exc_frame *f)
{
	(void)f;
}

static uint64_t ms_to_tsc(uint64_t ms)
{
	return ms * guest_tsc_khz;
}

static uint64_t tsc_to_us(uint64_t tsc)
{
	return tsc * 1000 / guest_tsc_khz;
}

/* Sleep in HLT until *c reaches n (STI;HLT: no wake-up can slip in between). */
static void hlt_until(volatile uint64_t *c, uint64_t n)
{
	while (*c < n) {
		guest_sti_hlt();
		guest_cli();
	}
}

/* Run with interrupts enabled for @ms of guest TSC. */
static void spin_ms(uint64_t ms)
{
	uint64_t end = guest_rdtsc() + ms_to_tsc(ms);

	guest_sti();
	while (guest_rdtsc() < end)
		__asm__ volatile("pause");
	guest_cli();
}

static void guest_handlers(void)
{
	guest_set_exc_handler(VEC_TIMER, on_timer);
	guest_set_exc_handler(VEC_IPI, on_ipi);
	guest_set_exc_handler(VEC_SELF, on_self);
	guest_set_exc_handler(VEC_ALL, on_all);
	guest_set_exc_handler(VEC_EDGE, on_edge);
	guest_set_exc_handler(VEC_LEVEL, on_level);
	guest_set_exc_handler(VEC_SPURIOUS, on_spurious);
}

/* ---- LAPIC timer ---- */

static void guest_timer(uint64_t a0, uint64_t a1)
{
	uint64_t t0, t1, ccr, n;

	(void)a0;
	(void)a1;
	guest_handlers();
	x2apic_enable(VEC_SPURIOUS);

	/* One-shot, 20 ms: fires once, not early; HLT sleeps until it does. */
	x2apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	x2apic_write(APIC_LVTT, APIC_TIMER_ONESHOT | VEC_TIMER);
	t0 = guest_rdtsc();
	x2apic_write(APIC_TMICT, 20000000);
	ccr = x2apic_read(APIC_TMCCT);
	GUEST_ASSERT(ccr > 0 && ccr <= 20000000);
	hlt_until(&timer_count, 1);
	t1 = guest_rdtsc();
	spin_ms(30);
	GUEST_ASSERT_EQ(x2apic_read(APIC_TMCCT), 0);
	GUEST_SYNC(1, tsc_to_us(t1 - t0), timer_count);

	/* Periodic, 5 ms: ten ticks take at least 50 ms; TMICT = 0 stops it. */
	timer_count = 0;
	x2apic_write(APIC_LVTT, APIC_TIMER_PERIODIC | VEC_TIMER);
	t0 = guest_rdtsc();
	x2apic_write(APIC_TMICT, 5000000);
	hlt_until(&timer_count, 10);
	t1 = guest_rdtsc();
	x2apic_write(APIC_TMICT, 0);
	n = timer_count;
	spin_ms(20);
	GUEST_SYNC(2, tsc_to_us(t1 - t0), n, timer_count - n);

	/* TSC deadline, 10 ms ahead; the MSR reads 0 once it fired. */
	timer_count = 0;
	x2apic_write(APIC_LVTT, APIC_TIMER_TSCDEADLINE | VEC_TIMER);
	t0 = guest_rdtsc();
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, t0 + ms_to_tsc(10));
	hlt_until(&timer_count, 1);
	t1 = guest_rdtsc();
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	/* A deadline already passed fires at once; writing 0 disarms. */
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, guest_rdtsc() - 1000);
	hlt_until(&timer_count, 2);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, guest_rdtsc() + ms_to_tsc(10));
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	spin_ms(30);
	GUEST_SYNC(3, tsc_to_us(t1 - t0), timer_count);
}

/* A copy of the supported CPUID with TSC-deadline offered (KVM leaves that to the VMM). */
static void set_cpuid_tsc_deadline(struct kt_vcpu *v)
{
	const struct kvm_cpuid2 *c = kt_supported_cpuid();
	size_t size = sizeof(*c) + c->nent * sizeof(c->entries[0]);
	struct kvm_cpuid2 *copy = malloc(size);
	uint32_t i;

	KT_ASSERT(copy, "malloc");
	memcpy(copy, c, size);
	for (i = 0; i < copy->nent; i++)
		if (copy->entries[i].function == 1)
			copy->entries[i].ecx |= 1u << 24;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_CPUID2, copy));
	free(copy);
}

static struct kt_vcpu *apic_vcpu(struct kt_vm *vm, int id, void *fn)
{
	struct kt_vcpu *v = kt_vcpu_add(vm, id, fn, 0, 0);
	long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);

	KT_ASSERT(khz > 0, "KVM_GET_TSC_KHZ: %ld", khz);
	guest_tsc_khz = khz;
	kt_sync_to_guest(vm, guest_tsc_khz);
	return v;
}

static struct kt_vm *apic_vm(void)
{
	struct kt_vm *vm;

	kt_kvm_fd();
	if (kt_check_cap(KVM_CAP_IRQCHIP) <= 0)
		KT_SKIP("no in-kernel irqchip");
	vm = kt_vm_create();
	KT_ASSERT_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	return vm;
}

static void test_timer(void)
{
	struct kt_vm *vm = apic_vm();
	struct kt_vcpu *v;
	struct kt_ucall uc;

	KT_ASSERT(kt_check_cap(KVM_CAP_TSC_DEADLINE_TIMER) > 0, "KVM_CAP_TSC_DEADLINE_TIMER");
	v = apic_vcpu(vm, 0, guest_timer);
	set_cpuid_tsc_deadline(v);

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 1, "no SYNC 1");
	kt_diag("one-shot 20 ms: interrupt after %lu us, %lu in all", uc.args[1], uc.args[2]);
	KT_CHECK(uc.args[1] >= 19000 && uc.args[1] <= 2000000, "one-shot after %lu us",
		 uc.args[1]);
	KT_CHECK(uc.args[2] == 1, "one-shot fired %lu times", uc.args[2]);

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 2, "no SYNC 2");
	kt_diag("periodic 5 ms: %lu ticks in %lu us, %lu after TMICT=0", uc.args[2], uc.args[1],
		uc.args[3]);
	KT_CHECK(uc.args[1] >= 49000 && uc.args[1] <= 5000000, "10 periods in %lu us",
		 uc.args[1]);
	KT_CHECK(uc.args[3] == 0, "%lu ticks after the timer was stopped", uc.args[3]);

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 3, "no SYNC 3");
	kt_diag("TSC deadline 10 ms: interrupt after %lu us", uc.args[1]);
	KT_CHECK(uc.args[1] >= 9500 && uc.args[1] <= 2000000, "deadline fired after %lu us",
		 uc.args[1]);
	KT_CHECK(uc.args[2] == 2, "deadline interrupts: %lu, want 2", uc.args[2]);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

/* ---- self-IPIs, x2APIC and xAPIC ---- */

static bool irr_has(uint32_t vec)
{
	uint32_t off = APIC_IRR + 0x10 * (vec / 32);
	uint64_t w = guest_x2apic ? x2apic_read(off) : xapic_read(off);

	return w & (1u << (vec % 32));
}

static void guest_self_ipi(uint64_t x2, uint64_t a1)
{
	(void)a1;
	guest_x2apic = x2;
	guest_handlers();
	if (x2)
		x2apic_enable(VEC_SPURIOUS);
	else
		xapic_enable(VEC_SPURIOUS);

	/* Interrupts off: the vector waits in the IRR until STI. */
	if (x2)
		x2apic_write(APIC_SELF_IPI, VEC_SELF);
	else
		xapic_write(APIC_ICR, APIC_ICR_SELF | APIC_ICR_ASSERT | VEC_SELF);
	GUEST_ASSERT(irr_has(VEC_SELF));
	GUEST_ASSERT_EQ(self_count, 0);
	spin_ms(1);
	GUEST_ASSERT_EQ(self_count, 1);
	GUEST_ASSERT(!irr_has(VEC_SELF));

	/* The ICR's self shorthand, and a physical IPI to our own ID. */
	if (x2) {
		x2apic_write(APIC_ICR, APIC_ICR_SELF | APIC_ICR_ASSERT | VEC_SELF);
		x2apic_write(APIC_ICR, (0ull << 32) | APIC_ICR_ASSERT | VEC_SELF);
	} else {
		xapic_write(APIC_ICR, APIC_ICR_SELF | APIC_ICR_ASSERT | VEC_SELF);
		spin_ms(1);
		xapic_write(APIC_ICR2, 0);
		xapic_write(APIC_ICR, APIC_ICR_ASSERT | VEC_SELF);
	}
	spin_ms(1);
	/* In x2APIC both land before STI and coalesce in the IRR. */
	GUEST_ASSERT(self_count == (x2 ? 2 : 3));

	/* The xAPIC timer through the page. */
	if (!x2) {
		xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
		xapic_write(APIC_LVTT, APIC_TIMER_ONESHOT | VEC_TIMER);
		xapic_write(APIC_TMICT, 2000000);
		hlt_until(&timer_count, 1);
		GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	}
	GUEST_SYNC(1, self_count);
}

static void test_self_ipi(void)
{
	int x2;

	for (x2 = 1; x2 >= 0; x2--) {
		struct kt_vm *vm = apic_vm();
		struct kt_vcpu *v = apic_vcpu(vm, 0, guest_self_ipi);
		struct kvm_regs r;

		kt_get_regs(v, &r);
		r.rdi = x2;
		kt_set_regs(v, &r);
		KT_RUN_SYNC(v, 1);
		KT_RUN_DONE(v);
		kt_vm_free(vm);
	}
}

/* ---- IPIs between two vCPUs ---- */

static void guest_ipi_target(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	guest_handlers();
	x2apic_enable(VEC_SPURIOUS);
	GUEST_SYNC(1);
	hlt_until(&ipi_count[1], 1);
	hlt_until(&all_count[1], 1);
	GUEST_SYNC(2, ipi_count[1], all_count[1], x2apic_read(APIC_ID));
}

static void guest_ipi_source(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	guest_handlers();
	x2apic_enable(VEC_SPURIOUS);
	x2apic_write(APIC_ICR, (1ull << 32) | APIC_ICR_ASSERT | VEC_IPI);
	x2apic_write(APIC_ICR, APIC_ICR_OTHERS | APIC_ICR_ASSERT | VEC_ALL);
	spin_ms(1);
	GUEST_SYNC(3, all_count[0] + ipi_count[0]);
}

struct target_run {
	struct kt_vcpu *v;
	volatile bool stop, finished;
	struct kt_ucall uc;
	int type;
	int err;
};

static void *target_thread(void *arg)
{
	struct target_run *t = arg;

	for (;;) {
		int r = kt_vcpu_run(t->v);

		if (r < 0 && errno == EINTR && !t->stop)
			continue;
		if (r < 0)
			t->err = errno;
		else
			t->type = kt_get_ucall(t->v, &t->uc);
		break;
	}
	t->finished = true;
	return NULL;
}

static void sig_nop(int sig)
{
	(void)sig;
}

static void test_ipi(void)
{
	struct kt_vm *vm = apic_vm();
	struct kt_vcpu *v0, *v1;
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct target_run t;
	struct sigaction sa;
	struct kt_ucall uc;
	pthread_t th;
	int ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	sigaction(SIGUSR1, &sa, NULL);

	v0 = apic_vcpu(vm, 0, guest_ipi_source);
	v1 = apic_vcpu(vm, 1, guest_ipi_target);
	/* An AP waits for INIT/SIPI; this one starts in long mode directly. */
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_MP_STATE, &mp));
	KT_RUN_SYNC(v1, 1);

	/* vCPU 1 now sleeps in HLT inside KVM_RUN on its own thread. */
	memset(&t, 0, sizeof(t));
	t.v = v1;
	KT_ASSERT(pthread_create(&th, NULL, target_thread, &t) == 0, "pthread_create");
	usleep(50000);
	KT_ASSERT(KT_RUN_UCALL(v0, &uc) == UCALL_SYNC && uc.args[0] == 3, "no SYNC 3");
	KT_CHECK(uc.args[1] == 0, "vCPU 0 took %lu of its own IPIs", uc.args[1]);
	KT_RUN_DONE(v0);

	for (ms = 0; !t.finished && ms < 20000; ms += 10)
		usleep(10000);
	if (!t.finished) {
		t.stop = true;
		while (!t.finished) {
			pthread_kill(th, SIGUSR1);
			usleep(10000);
		}
	}
	pthread_join(th, NULL);
	KT_ASSERT(!t.stop, "vCPU 1 never woke from HLT for the IPIs");
	KT_ASSERT(t.err == 0, "vCPU 1 KVM_RUN: %s", strerror(t.err));
	KT_ASSERT(t.type == UCALL_SYNC && t.uc.args[0] == 2, "vCPU 1: ucall %d stage %lu", t.type,
		  t.uc.args[0]);
	KT_CHECK(t.uc.args[1] == 1 && t.uc.args[2] == 1, "vCPU 1 took %lu IPIs, %lu broadcasts",
		 t.uc.args[1], t.uc.args[2]);
	KT_CHECK(t.uc.args[3] == 1, "vCPU 1 x2APIC ID %lu", t.uc.args[3]);
	kt_vm_free(vm);
}

/* ---- destination modes: logical flat and cluster, lowest priority, NMI (xAPIC) ---- */

#define VEC_FLAT	0x53
#define VEC_LOWEST	0x54
#define VEC_CLUSTER	0x55

volatile uint64_t flat_count[2], lowest_count[2], cluster_count[2], nmi_count[2];

static int xapic_cpu(void)
{
	return (xapic_read(APIC_ID) >> 24) & 1;
}

static void on_flat(struct guest_exc_frame *f)
{
	(void)f;
	flat_count[xapic_cpu()]++;
	xapic_write(APIC_EOI, 0);
}

static void on_lowest(struct guest_exc_frame *f)
{
	(void)f;
	lowest_count[xapic_cpu()]++;
	xapic_write(APIC_EOI, 0);
}

static void on_cluster(struct guest_exc_frame *f)
{
	(void)f;
	cluster_count[xapic_cpu()]++;
	xapic_write(APIC_EOI, 0);
}

static void on_nmi(struct guest_exc_frame *f)
{
	(void)f;
	nmi_count[xapic_cpu()]++;
}

static void modes_handlers(void)
{
	guest_x2apic = false;
	guest_set_exc_handler(2, on_nmi);
	guest_set_exc_handler(VEC_FLAT, on_flat);
	guest_set_exc_handler(VEC_LOWEST, on_lowest);
	guest_set_exc_handler(VEC_CLUSTER, on_cluster);
	guest_set_exc_handler(VEC_SPURIOUS, on_spurious);
	xapic_enable(VEC_SPURIOUS);
}

/* vCPU 1: logical ID bit 1 in flat mode, then cluster 1 member bit 1. */
static void guest_modes_target(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	modes_handlers();
	xapic_write(APIC_DFR, 0xffffffff);
	xapic_write(APIC_LDR, 0x02u << 24);
	GUEST_SYNC(1);
	hlt_until(&flat_count[1], 1);
	hlt_until(&nmi_count[1], 1);
	/* vCPU 0 switches both to cluster mode before its last IPI. */
	GUEST_SYNC(2);
	xapic_write(APIC_DFR, 0x0fffffff);
	xapic_write(APIC_LDR, 0x12u << 24);
	GUEST_SYNC(3);
	hlt_until(&cluster_count[1], 1);
	spin_ms(5);
	GUEST_SYNC(4, flat_count[1], nmi_count[1], cluster_count[1]);
}

static void guest_modes_source(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	modes_handlers();
	xapic_write(APIC_DFR, 0xffffffff);
	xapic_write(APIC_LDR, 0x01u << 24);
	/* Lowest priority to both: exactly one of the two takes it. */
	xapic_write(APIC_ICR2, 0x03u << 24);
	xapic_write(APIC_ICR, (1u << 8) | APIC_ICR_LOGICAL | APIC_ICR_ASSERT | VEC_LOWEST);
	spin_ms(5);
	/* Logical flat to bit 1 only, and an NMI to APIC ID 1. */
	xapic_write(APIC_ICR2, 0x02u << 24);
	xapic_write(APIC_ICR, APIC_ICR_LOGICAL | APIC_ICR_ASSERT | VEC_FLAT);
	xapic_write(APIC_ICR2, 1u << 24);
	xapic_write(APIC_ICR, APIC_ICR_NMI | APIC_ICR_ASSERT);
	spin_ms(5);
	GUEST_SYNC(5);
	/* Cluster mode: cluster 1, member bit 1 is vCPU 1 (vCPU 0 is cluster 1 bit 0). */
	xapic_write(APIC_DFR, 0x0fffffff);
	xapic_write(APIC_LDR, 0x11u << 24);
	xapic_write(APIC_ICR2, 0x12u << 24);
	xapic_write(APIC_ICR, APIC_ICR_LOGICAL | APIC_ICR_ASSERT | VEC_CLUSTER);
	spin_ms(5);
	GUEST_SYNC(6, flat_count[0], nmi_count[0], cluster_count[0]);
}

static void test_ipi_modes(void)
{
	struct kt_vm *vm = apic_vm();
	struct kt_vcpu *v0, *v1;
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct target_run t;
	struct sigaction sa;
	struct kt_ucall uc;
	pthread_t th;
	int ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	sigaction(SIGUSR1, &sa, NULL);

	v0 = apic_vcpu(vm, 0, guest_modes_source);
	v1 = apic_vcpu(vm, 1, guest_modes_target);
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_MP_STATE, &mp));
	KT_RUN_SYNC(v1, 1);

	/* Flat phase: vCPU 1 halts on its thread, vCPU 0 sends. */
	memset(&t, 0, sizeof(t));
	t.v = v1;
	KT_ASSERT(pthread_create(&th, NULL, target_thread, &t) == 0, "pthread_create");
	usleep(50000);
	KT_RUN_SYNC(v0, 5);
	for (ms = 0; !t.finished && ms < 20000; ms += 10)
		usleep(10000);
	if (!t.finished) {
		t.stop = true;
		while (!t.finished) {
			pthread_kill(th, SIGUSR1);
			usleep(10000);
		}
	}
	pthread_join(th, NULL);
	KT_ASSERT(!t.stop && t.err == 0, "vCPU 1 did not take the flat IPI and the NMI");
	KT_ASSERT(t.type == UCALL_SYNC && t.uc.args[0] == 2, "vCPU 1: ucall %d stage %lu", t.type,
		  t.uc.args[0]);

	/* Cluster phase. */
	KT_RUN_SYNC(v1, 3);
	memset(&t, 0, sizeof(t));
	t.v = v1;
	KT_ASSERT(pthread_create(&th, NULL, target_thread, &t) == 0, "pthread_create");
	usleep(50000);
	KT_ASSERT(KT_RUN_UCALL(v0, &uc) == UCALL_SYNC && uc.args[0] == 6, "no SYNC 6");
	KT_CHECK(uc.args[1] == 0 && uc.args[2] == 0 && uc.args[3] == 0,
		 "vCPU 0 took flat %lu, NMI %lu, cluster %lu meant for vCPU 1", uc.args[1],
		 uc.args[2], uc.args[3]);
	for (ms = 0; !t.finished && ms < 20000; ms += 10)
		usleep(10000);
	if (!t.finished) {
		t.stop = true;
		while (!t.finished) {
			pthread_kill(th, SIGUSR1);
			usleep(10000);
		}
	}
	pthread_join(th, NULL);
	KT_ASSERT(!t.stop && t.err == 0, "vCPU 1 did not take the cluster IPI");
	KT_ASSERT(t.type == UCALL_SYNC && t.uc.args[0] == 4, "vCPU 1: ucall %d stage %lu", t.type,
		  t.uc.args[0]);
	KT_CHECK(t.uc.args[1] == 1 && t.uc.args[2] == 1 && t.uc.args[3] == 1,
		 "vCPU 1 took flat %lu, NMI %lu, cluster %lu", t.uc.args[1], t.uc.args[2],
		 t.uc.args[3]);
	kt_sync_from_guest(vm, lowest_count);
	kt_diag("lowest priority went to vCPU %d", lowest_count[0] ? 0 : 1);
	KT_CHECK(lowest_count[0] + lowest_count[1] == 1, "lowest priority taken %lu + %lu times",
		 lowest_count[0], lowest_count[1]);
	KT_RUN_DONE(v0);
	kt_vm_free(vm);
}

/* ---- KVM_IRQ_LINE through the IOAPIC ---- */

static void guest_ioapic(uint64_t a0, uint64_t a1)
{
	uint32_t rte;

	(void)a0;
	(void)a1;
	guest_handlers();
	x2apic_enable(VEC_SPURIOUS);
	ioapic_write(IOAPIC_REDTBL(EDGE_GSI) + 1, 0);		/* destination APIC 0 */
	ioapic_write(IOAPIC_REDTBL(EDGE_GSI), VEC_EDGE);
	ioapic_write(IOAPIC_REDTBL(LEVEL_GSI) + 1, 0);
	ioapic_write(IOAPIC_REDTBL(LEVEL_GSI), IOAPIC_RTE_LEVEL | VEC_LEVEL);
	GUEST_SYNC(1);

	hlt_until(&edge_count, 1);
	spin_ms(5);
	GUEST_SYNC(2, edge_count);

	/* Level: delivered once, remote IRR set and the TMR bit on until the EOI. */
	hlt_until(&level_count, 1);
	spin_ms(5);
	rte = ioapic_read(IOAPIC_REDTBL(LEVEL_GSI));
	GUEST_SYNC(3, level_count, !!(rte & IOAPIC_RTE_REMOTE_IRR),
		   (x2apic_read(APIC_TMR + 0x10 * (VEC_LEVEL / 32)) >> (VEC_LEVEL % 32)) & 1);

	/* EOI with the line still high: delivered again. */
	x2apic_write(APIC_EOI, 0);
	hlt_until(&level_count, 2);
	GUEST_SYNC(4, level_count);

	/* The host lowered the line: the EOI clears remote IRR and nothing follows. */
	x2apic_write(APIC_EOI, 0);
	spin_ms(10);
	rte = ioapic_read(IOAPIC_REDTBL(LEVEL_GSI));
	GUEST_SYNC(5, level_count, !!(rte & IOAPIC_RTE_REMOTE_IRR));
}

static void irq_line(struct kt_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQ_LINE, &l));
}

static void test_ioapic(void)
{
	struct kt_vm *vm = apic_vm();
	struct kt_vcpu *v = apic_vcpu(vm, 0, guest_ioapic);
	struct kvm_irqchip chip;
	struct kt_ucall uc;

	KT_RUN_SYNC(v, 1);
	irq_line(vm, EDGE_GSI, 1);
	irq_line(vm, EDGE_GSI, 0);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 2, "no SYNC 2");
	KT_CHECK(uc.args[1] == 1, "edge pin: %lu interrupts", uc.args[1]);

	irq_line(vm, LEVEL_GSI, 1);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 3, "no SYNC 3");
	KT_CHECK(uc.args[1] == 1, "level pin before EOI: %lu interrupts", uc.args[1]);
	KT_CHECK(uc.args[2] == 1, "remote IRR clear while the interrupt is in service");
	KT_CHECK(uc.args[3] == 1, "TMR bit clear for a level interrupt");
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	KT_CHECK(chip.chip.ioapic.redirtbl[LEVEL_GSI].bits & IOAPIC_RTE_REMOTE_IRR,
		 "KVM_GET_IRQCHIP: remote IRR clear (0x%llx)",
		 (unsigned long long)chip.chip.ioapic.redirtbl[LEVEL_GSI].bits);

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 4, "no SYNC 4");
	KT_CHECK(uc.args[1] == 2, "level pin after EOI with the line high: %lu", uc.args[1]);
	irq_line(vm, LEVEL_GSI, 0);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 5, "no SYNC 5");
	KT_CHECK(uc.args[1] == 2 && uc.args[2] == 0, "after the line went low: %lu, remote IRR %lu",
		 uc.args[1], uc.args[2]);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "timer_modes", test_timer },
	{ "self_ipi", test_self_ipi },
	{ "ipi_two_vcpus", test_ipi },
	{ "ipi_modes", test_ipi_modes },
	{ "ioapic_irq_line", test_ioapic },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
