// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest TSC: RDTSC/RDTSCP in the guest are monotonic and run at the rate
 * KVM_GET_TSC_KHZ reports; host writes of MSR_IA32_TSC set the guest's TSC,
 * and a host write of the value another vCPU was given synchronises the two;
 * guest writes of the TSC move TSC_ADJUST with it, guest writes of TSC_ADJUST
 * move the TSC, host writes of TSC_ADJUST do not; KVM_GET/SET_TSC_KHZ on vCPUs
 * and VMs, with Linux's tolerance and errors; the KVM_VCPU_TSC_OFFSET vCPU
 * attribute reads and sets the offset (ENXIO for other groups/attributes).
 *
 * Timing in the test VM is emulated and noisy: rate checks allow 30%.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define MSR_TSC_AUX		0xc0000103u
#define MSR_IA32_TSC_ADJUST	0x3bu

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long vcpu_khz(struct kt_vcpu *v)
{
	long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);

	KT_ASSERT(khz > 0, "KVM_GET_TSC_KHZ on a vCPU returned %ld", khz);
	return khz;
}

static void test_caps(void)
{
	kt_kvm_fd();
	KT_ASSERT(kt_check_cap(KVM_CAP_GET_TSC_KHZ) == 1, "KVM_CAP_GET_TSC_KHZ is %d",
		  kt_check_cap(KVM_CAP_GET_TSC_KHZ));
	kt_diag("KVM_CAP_TSC_CONTROL %d, KVM_CAP_VM_TSC_CONTROL %d",
		kt_check_cap(KVM_CAP_TSC_CONTROL), kt_check_cap(KVM_CAP_VM_TSC_CONTROL));
	/* Linux offers both or neither: they depend on the same hardware. */
	KT_ASSERT(kt_check_cap(KVM_CAP_TSC_CONTROL) == kt_check_cap(KVM_CAP_VM_TSC_CONTROL),
		  "TSC_CONTROL and VM_TSC_CONTROL differ");
}

static void test_khz_ioctls(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *v = kt_vcpu_add_bare(vm, 0), *v1;
	bool scaling = kt_check_cap(KVM_CAP_TSC_CONTROL) > 0;
	long khz = vcpu_khz(v), near;

	kt_diag("guest TSC at %ld kHz", khz);
	KT_ASSERT(ioctl(vm->fd, KVM_GET_TSC_KHZ, 0) == khz, "VM default %d, vCPU %ld",
		  ioctl(vm->fd, KVM_GET_TSC_KHZ, 0), khz);
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_TSC_KHZ, khz));
	KT_ASSERT(vcpu_khz(v) == khz, "rate changed by setting it to itself");

	/* Within Linux's 250 ppm tolerance a rate is taken as the host's. */
	near = khz + khz / 20000;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_TSC_KHZ, near));
	KT_ASSERT(vcpu_khz(v) == near, "GET after SET %ld gives %ld", near, vcpu_khz(v));
	/* 0 means the host's rate. */
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_TSC_KHZ, 0));
	KT_ASSERT(vcpu_khz(v) == khz, "SET 0 gives %ld, not %ld", vcpu_khz(v), khz);

	if (!scaling) {
		/* No scaling: a slower TSC cannot be given. */
		KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_TSC_KHZ, khz / 2), EINVAL);
	} else {
		KT_ASSERT_OK(ioctl(v->fd, KVM_SET_TSC_KHZ, khz / 2));
		KT_ASSERT(vcpu_khz(v) == khz / 2, "scaled rate reads %ld", vcpu_khz(v));
		KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_TSC_KHZ, 0xffffffffu), EINVAL);
	}
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_TSC_KHZ, khz));

	/* The VM's default applies to vCPUs created after it. */
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_TSC_KHZ, 0));
	KT_ASSERT(ioctl(vm->fd, KVM_GET_TSC_KHZ, 0) == khz, "VM SET 0 is not the host rate");
	if (scaling) {
		KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_TSC_KHZ, khz / 4));
		v1 = kt_vcpu_add_bare(vm, 1);
		KT_ASSERT(vcpu_khz(v1) == khz / 4, "new vCPU at %ld, VM default %ld",
			  vcpu_khz(v1), khz / 4);
	} else {
		v1 = kt_vcpu_add_bare(vm, 1);
		KT_ASSERT(vcpu_khz(v1) == khz, "new vCPU at %ld", vcpu_khz(v1));
	}
	kt_vm_free(vm);
}

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t guest_rdtscp(uint32_t *aux)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void guest_monotonic(uint64_t with_rdtscp)
{
	uint64_t first = guest_rdtsc(), prev = first, t;
	uint32_t aux;
	int i;

	for (i = 0; i < 5000; i++) {
		t = guest_rdtsc();
		if (t < prev)
			GUEST_FAIL("RDTSC went back: 0x%lx after 0x%lx", t, prev);
		prev = t;
		if (!with_rdtscp)
			continue;
		t = guest_rdtscp(&aux);
		GUEST_ASSERT_EQ(aux, 0x4242);
		if (t < prev)
			GUEST_FAIL("RDTSCP went back: 0x%lx after 0x%lx", t, prev);
		prev = t;
	}
	GUEST_SYNC(first, prev);
}

static void test_guest_monotonic(void)
{
	const struct kvm_cpuid_entry2 *e = kt_find_cpuid(kt_supported_cpuid(), 0x80000001, 0);
	bool rdtscp = e && (e->edx & (1u << 27));
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_monotonic, rdtscp, 0);
	struct kt_ucall uc;

	if (rdtscp)
		kt_set_msr(v, MSR_TSC_AUX, 0x4242);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(uc.args[1] > uc.args[0], "TSC did not advance: 0x%lx .. 0x%lx", uc.args[0],
		  uc.args[1]);
	kt_diag("rdtscp %s; 5000 loops took %lu cycles", rdtscp ? "tested" : "not offered",
		uc.args[1] - uc.args[0]);
	kt_vm_free(vm);
}

static void guest_read_tsc(void)
{
	for (;;)
		GUEST_SYNC(guest_rdtsc());
}

static uint64_t run_read_tsc(struct kt_vcpu *v)
{
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	return uc.args[0];
}

static void test_host_write(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_read_tsc, 0, 0);
	uint64_t sec = vcpu_khz(v) * 1000ull, t, m;
	const uint64_t big = 1ull << 40;

	kt_set_msr(v, MSR_IA32_TSC, big);
	t = run_read_tsc(v);
	KT_ASSERT(t >= big && t < big + 20 * sec, "guest read 0x%lx after writing 0x%lx", t, big);
	m = kt_get_msr(v, MSR_IA32_TSC);
	KT_ASSERT(m >= t && m < t + 20 * sec, "host reads 0x%lx after guest 0x%lx", m, t);

	/* Backwards too. */
	kt_set_msr(v, MSR_IA32_TSC, 1000);
	t = run_read_tsc(v);
	KT_ASSERT(t >= 1000 && t < 1000 + 20 * sec, "guest read 0x%lx after writing 1000", t);
	kt_vm_free(vm);
}

static void guest_adjust(void)
{
	const uint64_t d = 1ull << 36, e = 1ull << 34;
	uint64_t t0, t1, t2, adj;

	GUEST_ASSERT_EQ(guest_rdmsr(MSR_IA32_TSC_ADJUST), 0);
	t0 = guest_rdtsc();
	guest_wrmsr(MSR_IA32_TSC, t0 + d);
	t1 = guest_rdtsc();
	adj = guest_rdmsr(MSR_IA32_TSC_ADJUST);
	GUEST_SYNC(t0, t1, adj);

	guest_wrmsr(MSR_IA32_TSC_ADJUST, adj + e);
	t2 = guest_rdtsc();
	GUEST_SYNC(t2, guest_rdmsr(MSR_IA32_TSC_ADJUST));

	/* The host wrote TSC_ADJUST meanwhile. */
	GUEST_SYNC(guest_rdtsc(), guest_rdmsr(MSR_IA32_TSC_ADJUST));
}

static void test_tsc_adjust(void)
{
	const struct kvm_cpuid_entry2 *c = kt_find_cpuid(kt_supported_cpuid(), 7, 0);
	const uint64_t d = 1ull << 36, e = 1ull << 34;
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kt_ucall uc;
	uint64_t sec, t0, t1, t2, adj;

	if (!c || !(c->ebx & (1u << 1)))
		KT_SKIP("TSC_ADJUST not in KVM_GET_SUPPORTED_CPUID");
	vm = kt_vm_create();
	v = kt_vcpu_add(vm, 0, guest_adjust, 0, 0);
	sec = vcpu_khz(v) * 1000ull;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC 1");
	t0 = uc.args[0];
	t1 = uc.args[1];
	adj = uc.args[2];
	KT_ASSERT(t1 >= t0 + d && t1 < t0 + d + 5 * sec, "TSC 0x%lx after writing 0x%lx", t1,
		  t0 + d);
	/* The write of t0 + d came a little after t0: TSC_ADJUST moved by just under d. */
	KT_ASSERT(adj <= d && adj > d - 5 * sec, "TSC_ADJUST 0x%lx after a step of 0x%lx", adj,
		  d);
	KT_ASSERT(kt_get_msr(v, MSR_IA32_TSC_ADJUST) == adj, "host reads TSC_ADJUST 0x%lx",
		  kt_get_msr(v, MSR_IA32_TSC_ADJUST));

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC 2");
	t2 = uc.args[0];
	KT_ASSERT(t2 >= t1 + e && t2 < t1 + e + 5 * sec, "TSC 0x%lx after adjusting by 0x%lx",
		  t2, e);
	KT_ASSERT(uc.args[1] == adj + e, "TSC_ADJUST 0x%lx, wrote 0x%lx", uc.args[1], adj + e);

	/* A host write of TSC_ADJUST sets the value and leaves the TSC alone. */
	kt_set_msr(v, MSR_IA32_TSC_ADJUST, 5);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC 3");
	KT_ASSERT(uc.args[0] >= t2 && uc.args[0] < t2 + 5 * sec,
		  "TSC 0x%lx after a host TSC_ADJUST write (was 0x%lx)", uc.args[0], t2);
	KT_ASSERT(uc.args[1] == 5, "TSC_ADJUST reads 0x%lx", uc.args[1]);
	kt_vm_free(vm);
}

/*
 * Linux's rule: a host write within a second of where the last written vCPU's
 * TSC is now (and a vCPU's creation) takes that vCPU's offset exactly.
 */
static void test_sync_vcpus(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *a = kt_vcpu_add_bare(vm, 0), *b;
	uint64_t sec = vcpu_khz(a) * 1000ull, ta, tb;
	const uint64_t val = 1ull << 40;

	/* Created 300 ms apart, the two still count the same. */
	usleep(300000);
	b = kt_vcpu_add_bare(vm, 1);
	ta = kt_get_msr(a, MSR_IA32_TSC);
	tb = kt_get_msr(b, MSR_IA32_TSC);
	KT_ASSERT(tb >= ta && tb - ta < sec / 10, "at creation: A 0x%lx B 0x%lx", ta, tb);

	/* The same value written 300 ms apart: B gets A's offset. */
	kt_set_msr(a, MSR_IA32_TSC, val);
	usleep(300000);
	kt_set_msr(b, MSR_IA32_TSC, val);
	ta = kt_get_msr(a, MSR_IA32_TSC);
	tb = kt_get_msr(b, MSR_IA32_TSC);
	KT_ASSERT(tb >= ta && tb - ta < sec / 10, "same value: A 0x%lx B 0x%lx (%ld ms apart)",
		  ta, tb, (long)((int64_t)(tb - ta) / (int64_t)(sec / 1000)));

	/* A value 100 s away is a new setting, not a synchronisation. */
	kt_set_msr(b, MSR_IA32_TSC, val + 100 * sec);
	ta = kt_get_msr(a, MSR_IA32_TSC);
	tb = kt_get_msr(b, MSR_IA32_TSC);
	KT_ASSERT(tb > ta + 90 * sec && tb < ta + 100 * sec, "far value: A 0x%lx B 0x%lx", ta,
		  tb);
	kt_vm_free(vm);
}

static void test_guest_rate(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_read_tsc, 0, 0);
	uint64_t khz = vcpu_khz(v), t0, t1, h0, h1, want;

	h0 = host_ns();
	t0 = run_read_tsc(v);
	usleep(500000);
	t1 = run_read_tsc(v);
	h1 = host_ns();
	want = (h1 - h0) * khz / 1000000;
	kt_diag("guest TSC advanced %lu cycles, %lu expected at %lu kHz", t1 - t0, want, khz);
	KT_ASSERT(t1 - t0 > want * 7 / 10 && t1 - t0 < want * 13 / 10,
		  "guest TSC rate off: %lu cycles in %lu ns", t1 - t0, h1 - h0);
	kt_vm_free(vm);
}

static void test_offset_attr(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *v = kt_vcpu_add_bare(vm, 0);
	uint64_t sec = vcpu_khz(v) * 1000ull, off, off2 = 0, t;
	struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
				     .addr = (uint64_t)(uintptr_t)&off };
	int64_t diff;

	KT_ASSERT(kt_check_cap(KVM_CAP_VCPU_ATTRIBUTES) == 1, "KVM_CAP_VCPU_ATTRIBUTES %d",
		  kt_check_cap(KVM_CAP_VCPU_ATTRIBUTES));
	KT_ASSERT_OK(ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a));
	/* Host TSC plus the offset is what the vCPU's TSC reads. */
	t = kt_get_msr(v, MSR_IA32_TSC);
	diff = (int64_t)(t - (__builtin_ia32_rdtsc() + off));
	KT_ASSERT(diff < (int64_t)(sec / 10) && diff > -(int64_t)(sec / 10),
		  "MSR_IA32_TSC 0x%lx, host TSC + offset 0x%lx off by %ld", t, off, diff);

	off2 = off + 10 * sec;
	a.addr = (uint64_t)(uintptr_t)&off2;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a));
	t = kt_get_msr(v, MSR_IA32_TSC);
	diff = (int64_t)(t - (__builtin_ia32_rdtsc() + off2));
	KT_ASSERT(diff < (int64_t)(sec / 10) && diff > -(int64_t)(sec / 10),
		  "after setting offset 0x%lx the TSC reads 0x%lx", off2, t);
	a.addr = (uint64_t)(uintptr_t)&off;
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a));
	KT_ASSERT(off == off2, "offset reads 0x%lx, set 0x%lx", off, off2);

	a.addr = 8;	/* unmapped */
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a), EFAULT);
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a), EFAULT);
	a.addr = (uint64_t)(uintptr_t)&off;
	a.attr = 1;
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a), ENXIO);
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a), ENXIO);
	a.attr = KVM_VCPU_TSC_OFFSET;
	a.group = 1;
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a), ENXIO);
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a), ENXIO);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "caps", test_caps },
	{ "khz_ioctls", test_khz_ioctls },
	{ "guest_monotonic", test_guest_monotonic },
	{ "host_write", test_host_write },
	{ "tsc_adjust", test_tsc_adjust },
	{ "sync_vcpus", test_sync_vcpus },
	{ "guest_rate", test_guest_rate },
	{ "offset_attr", test_offset_attr },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
