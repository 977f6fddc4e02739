// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmclock: the KVM CPUID leaves offer it; a guest that enables it through
 * MSR_KVM_SYSTEM_TIME_NEW (or the old 0x12) finds a record with an even
 * version whose time is monotonic, lies between KVM_GET_CLOCK values read
 * before and after, and advances like the host's CLOCK_MONOTONIC; two vCPUs
 * reading their own records never see time go back relative to each other;
 * KVM_SET_CLOCK moves guest time (forwards and backwards), refuses unknown
 * flags and takes back what KVM_GET_CLOCK gave; KVM_KVMCLOCK_CTRL sets the
 * guest-stopped flag once kvmclock is on; the wall-clock record plus kvmclock
 * gives the host's real time.
 *
 * Timing in the test VM is emulated and noisy: rate checks allow 10% + 20 ms.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define MSR_KVM_WALL_CLOCK	0x11u
#define MSR_KVM_SYSTEM_TIME	0x12u
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01u

#define PV_FLAG_TSC_STABLE	(1u << 0)
#define PV_FLAG_GUEST_STOPPED	(1u << 1)

#define NSEC	1000000000ull

/* The kvmclock ABI's per-vCPU record and wall-clock record. */
struct pv_record {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pv_record) == 32, "pvclock record is 32 bytes");

struct pv_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed));

static struct pv_record records[2] __attribute__((aligned(64)));
static struct pv_wall wall __attribute__((aligned(64)));
static uint64_t last_seen;	/* largest time any vCPU has read (two_vcpus) */

static uint64_t host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The guest's reading of its record, retried while the host rewrites it. */
static uint64_t pv_read(volatile struct pv_record *r, uint8_t *flags, uint32_t *version)
{
	uint64_t delta, t;
	uint32_t v;
	int8_t shift;

	do {
		v = r->version;
		__asm__ volatile("" : : : "memory");
		delta = guest_rdtsc() - r->tsc_timestamp;
		shift = r->shift;
		if (shift < 0)
			delta >>= -shift;
		else
			delta <<= shift;
		t = r->system_time + (uint64_t)(((unsigned __int128)delta * r->mul) >> 32);
		if (flags)
			*flags = r->flags;
		__asm__ volatile("" : : : "memory");
	} while ((v & 1) || v != r->version);
	if (version)
		*version = v;
	return t;
}

static void get_clock(struct kt_vm *vm, struct kvm_clock_data *d)
{
	memset(d, 0, sizeof(*d));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_CLOCK, d));
}

static void set_clock(struct kt_vm *vm, uint64_t clock)
{
	struct kvm_clock_data d = { .clock = clock };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_CLOCK, &d));
}

static void test_cpuid_and_msr_list(void)
{
	const struct kvm_cpuid2 *c = kt_supported_cpuid();
	const struct kvm_cpuid_entry2 *sig = kt_find_cpuid(c, 0x40000000, 0);
	const struct kvm_cpuid_entry2 *feat = kt_find_cpuid(c, 0x40000001, 0);
	static const uint32_t want[] = { MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME,
					 MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW };
	struct kvm_msr_list *l;
	char name[13] = { 0 };
	uint32_t i, j;

	KT_ASSERT(sig && feat, "KVM leaves missing from KVM_GET_SUPPORTED_CPUID");
	memcpy(name, &sig->ebx, 4);
	memcpy(name + 4, &sig->ecx, 4);
	memcpy(name + 8, &sig->edx, 4);
	KT_ASSERT(!memcmp(name, "KVMKVMKVM\0\0\0", 12), "signature '%s'", name);
	KT_ASSERT(sig->eax >= 0x40000001, "highest PV leaf 0x%x", sig->eax);
	kt_diag("KVM features 0x%x", feat->eax);
	KT_ASSERT((feat->eax & 0x1000009) == 0x1000009,
		  "CLOCKSOURCE, CLOCKSOURCE2 or the stable bit missing: 0x%x", feat->eax);

	l = calloc(1, sizeof(*l) + 1024 * sizeof(uint32_t));
	l->nmsrs = 1024;
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), KVM_GET_MSR_INDEX_LIST, l));
	for (j = 0; j < 4; j++) {
		for (i = 0; i < l->nmsrs && l->indices[i] != want[j]; i++)
			;
		KT_ASSERT(i < l->nmsrs, "MSR 0x%x not in KVM_GET_MSR_INDEX_LIST", want[j]);
	}
	free(l);
}

static void guest_clock(uint64_t msr)
{
	volatile struct pv_record *r = &records[0];
	uint64_t prev, t;
	uint32_t version;
	uint8_t flags;
	int i;

	guest_wrmsr(msr, (uint64_t)(uintptr_t)r | 1);
	for (;;) {
		prev = pv_read(r, &flags, &version);
		for (i = 0; i < 2000; i++) {
			t = pv_read(r, NULL, NULL);
			if (t < prev)
				GUEST_FAIL("kvmclock went back: %lu after %lu", t, prev);
			prev = t;
		}
		GUEST_SYNC(t, flags, version, r->mul);
	}
}

static void run_clock_sync(struct kt_vcpu *v, struct kt_ucall *uc)
{
	KT_ASSERT(KT_RUN_UCALL(v, uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(!(uc->args[2] & 1), "odd version %lu", uc->args[2]);
	KT_ASSERT(uc->args[3] != 0, "tsc_to_system_mul is 0");
}

/* The guest's time lies between KVM_GET_CLOCK before and after, and moves like the host's. */
static void check_guest_clock(uint32_t msr)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_clock, msr, 0);
	struct kvm_clock_data before, after;
	uint64_t t1, t2, h1, h2, dg, dh;
	struct kt_ucall uc;

	get_clock(vm, &before);
	run_clock_sync(v, &uc);
	/*
	 * Host time right after the exit that carried the guest's reading: the
	 * two differences then only disagree by how long each exit took.
	 */
	h1 = host_ns(CLOCK_MONOTONIC);
	get_clock(vm, &after);
	t1 = uc.args[0];
	kt_diag("GET_CLOCK %llu (flags 0x%x), guest %lu, GET_CLOCK %llu; record flags 0x%lx",
		(unsigned long long)before.clock, before.flags, t1,
		(unsigned long long)after.clock, uc.args[1]);
	KT_ASSERT(t1 + 1000000 >= before.clock && t1 <= after.clock + 1000000,
		  "guest time %lu outside KVM_GET_CLOCK %llu .. %llu", t1,
		  (unsigned long long)before.clock, (unsigned long long)after.clock);
	/* The record says "stable" exactly when KVM_GET_CLOCK does. */
	KT_ASSERT(!!(uc.args[1] & PV_FLAG_TSC_STABLE) == !!(after.flags & KVM_CLOCK_TSC_STABLE),
		  "record flags 0x%lx, KVM_GET_CLOCK flags 0x%x", uc.args[1], after.flags);

	usleep(300000);
	run_clock_sync(v, &uc);
	h2 = host_ns(CLOCK_MONOTONIC);
	t2 = uc.args[0];
	dg = t2 - t1;
	dh = h2 - h1;
	kt_diag("guest advanced %lu ns while the host's monotonic clock advanced %lu", dg, dh);
	KT_ASSERT(t2 > t1 && dg <= dh + 20000000 && dg + dh / 10 + 20000000 >= dh,
		  "guest %lu ns, host %lu ns", dg, dh);
	KT_ASSERT(kt_get_msr(v, msr) == ((uint64_t)(uintptr_t)&records[0] | 1),
		  "MSR 0x%x reads 0x%lx", msr, kt_get_msr(v, msr));
	kt_vm_free(vm);
}

static void test_guest_clock(void)
{
	check_guest_clock(MSR_KVM_SYSTEM_TIME_NEW);
}

static void test_guest_clock_old_msr(void)
{
	check_guest_clock(MSR_KVM_SYSTEM_TIME);
}

#define CROSS_ITERS	100000

static void guest_cross(uint64_t idx)
{
	volatile struct pv_record *r = &records[idx];
	uint64_t seen, t, bad = 0, worst = 0;
	int i;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)r | 1);
	GUEST_SYNC(0);
	for (i = 0; i < CROSS_ITERS; i++) {
		seen = __atomic_load_n(&last_seen, __ATOMIC_ACQUIRE);
		t = pv_read(r, NULL, NULL);
		if (t < seen) {
			bad++;
			if (seen - t > worst)
				worst = seen - t;
		}
		while (t > seen && !__atomic_compare_exchange_n(&last_seen, &seen, t, false,
							       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
	}
	GUEST_SYNC(1, bad, worst);
}

struct cross_arg {
	struct kt_vcpu *v;
	struct kt_ucall uc;
};

static void *cross_thread(void *p)
{
	struct cross_arg *a = p;

	KT_ASSERT(KT_RUN_UCALL(a->v, &a->uc) == UCALL_SYNC && a->uc.args[0] == 1,
		  "vCPU %d: no final SYNC", a->v->id);
	return NULL;
}

static void test_two_vcpus(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct cross_arg a[2];
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++) {
		a[i].v = kt_vcpu_add(vm, i, guest_cross, i, 0);
		KT_RUN_SYNC(a[i].v, 0);
	}
	for (i = 0; i < 2; i++)
		KT_ASSERT(!pthread_create(&th[i], NULL, cross_thread, &a[i]), "pthread_create");
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++) {
		kt_diag("vCPU %d: %lu of %d reads behind the other vCPU (worst %lu ns)", i,
			a[i].uc.args[1], CROSS_ITERS, a[i].uc.args[2]);
		KT_ASSERT(a[i].uc.args[1] == 0, "vCPU %d saw time go back %lu times", i,
			  a[i].uc.args[1]);
	}
	kt_vm_free(vm);
}

static void test_set_clock(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_clock, MSR_KVM_SYSTEM_TIME_NEW, 0);
	struct kvm_clock_data d, e;
	struct kt_ucall uc;
	uint64_t t;

	KT_ASSERT(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK) ==
		  (KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC),
		  "KVM_CAP_ADJUST_CLOCK is %d",
		  ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK));
	run_clock_sync(v, &uc);

	get_clock(vm, &d);
	KT_ASSERT(!(d.flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)),
		  "KVM_GET_CLOCK flags 0x%x", d.flags);
	if (d.flags & KVM_CLOCK_REALTIME) {
		int64_t off = (int64_t)(d.realtime - host_ns(CLOCK_REALTIME));

		KT_ASSERT(off < 1000000000 && off > -1000000000, "realtime %lld ns off",
			  (long long)off);
	}

	/* Forwards by 10 s. */
	set_clock(vm, d.clock + 10 * NSEC);
	run_clock_sync(v, &uc);
	t = uc.args[0];
	KT_ASSERT(t >= d.clock + 10 * NSEC && t < d.clock + 15 * NSEC,
		  "after setting %llu the guest reads %lu", d.clock + 10 * NSEC, t);
	get_clock(vm, &e);
	KT_ASSERT(e.clock >= t, "KVM_GET_CLOCK %llu behind the guest's %lu",
		  (unsigned long long)e.clock, t);

	/* Backwards, to 1 s. */
	set_clock(vm, NSEC);
	run_clock_sync(v, &uc);
	t = uc.args[0];
	KT_ASSERT(t >= NSEC && t < 6 * NSEC, "after setting 1 s the guest reads %lu", t);

	/* Unknown flags: EINVAL, and the clock stays where it was. */
	get_clock(vm, &d);
	e = d;
	e.clock = 1000 * NSEC;
	e.flags = 1;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_CLOCK, &e), EINVAL);
	e.flags = 1u << 4;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_CLOCK, &e), EINVAL);
	get_clock(vm, &e);
	KT_ASSERT(e.clock >= d.clock && e.clock < d.clock + 5 * NSEC,
		  "a refused KVM_SET_CLOCK moved the clock from %llu to %llu",
		  (unsigned long long)d.clock, (unsigned long long)e.clock);

	/* What KVM_GET_CLOCK gave is accepted back, flags and all. */
	get_clock(vm, &d);
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_CLOCK, &d));
	get_clock(vm, &e);
	KT_ASSERT(e.clock >= d.clock && e.clock < d.clock + 5 * NSEC, "round trip %llu -> %llu",
		  (unsigned long long)d.clock, (unsigned long long)e.clock);
	kt_vm_free(vm);
}

static void guest_stopped(void)
{
	volatile struct pv_record *r = &records[0];
	uint8_t flags;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)r | 1);
	pv_read(r, &flags, NULL);
	GUEST_SYNC(flags);
	pv_read(r, &flags, NULL);
	GUEST_SYNC(flags);
}

static void test_kvmclock_ctrl(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_stopped, 0, 0);
	struct kt_ucall uc;

	KT_ASSERT(kt_check_cap(KVM_CAP_KVMCLOCK_CTRL) == 1, "KVM_CAP_KVMCLOCK_CTRL is %d",
		  kt_check_cap(KVM_CAP_KVMCLOCK_CTRL));
	/* Not yet enabled by the guest. */
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_KVMCLOCK_CTRL, 0), EINVAL);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(!(uc.args[0] & PV_FLAG_GUEST_STOPPED), "stopped flag before the ioctl");
	KT_ASSERT_OK(ioctl(v->fd, KVM_KVMCLOCK_CTRL, 0));
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(uc.args[0] & PV_FLAG_GUEST_STOPPED, "stopped flag not set: flags 0x%lx",
		  uc.args[0]);
	kt_vm_free(vm);
}

static void guest_wall(void)
{
	volatile struct pv_wall *w = &wall;
	uint64_t t;

	guest_wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)(uintptr_t)w);
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&records[0] | 1);
	t = pv_read(&records[0], NULL, NULL);
	GUEST_SYNC(w->sec, w->nsec, w->version, t);
}

static void test_wall_clock(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_wall, 0, 0);
	struct kt_ucall uc;
	int64_t off;
	uint64_t now;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	now = host_ns(CLOCK_REALTIME);
	KT_ASSERT(!(uc.args[2] & 1) && uc.args[2], "wall clock version %lu", uc.args[2]);
	KT_ASSERT(uc.args[1] < NSEC, "nsec %lu", uc.args[1]);
	off = (int64_t)(uc.args[0] * NSEC + uc.args[1] + uc.args[3] - now);
	kt_diag("wall clock + kvmclock is %lld ns off the host's real time", (long long)off);
	KT_ASSERT(off < 2000000000 && off > -2000000000, "wall clock %lld ns off",
		  (long long)off);
	KT_ASSERT(kt_get_msr(v, MSR_KVM_WALL_CLOCK_NEW) == (uint64_t)(uintptr_t)&wall,
		  "MSR_KVM_WALL_CLOCK_NEW reads 0x%lx", kt_get_msr(v, MSR_KVM_WALL_CLOCK_NEW));
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "cpuid_and_msr_list", test_cpuid_and_msr_list },
	{ "guest_clock", test_guest_clock },
	{ "guest_clock_old_msr", test_guest_clock_old_msr },
	{ "two_vcpus", test_two_vcpus },
	{ "set_clock", test_set_clock },
	{ "kvmclock_ctrl", test_kvmclock_ctrl },
	{ "wall_clock", test_wall_clock },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
