// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmclock: the paravirtual clock of KVM guests.  A guest gives each vCPU a
 * record in its memory (MSR_KVM_SYSTEM_TIME_NEW, or the old 0x12) and reads
 *	time = system_time + scale(RDTSC - tsc_timestamp, tsc_to_system_mul, tsc_shift)
 * from it, retrying while the version is odd or changes.  Here the records are
 * (re)written before a guest entry when KVMX86_REQ_CLOCK_UPDATE is set; the
 * wall clock (MSR_KVM_WALL_CLOCK_NEW, or 0x11) is written when the MSR is.
 * KVM_GET_CLOCK / KVM_SET_CLOCK read and move the VM's kvmclock.
 *
 * Layouts are the kvmclock ABI (Documentation/virt/kvm/x86/msr.rst in Linux).
 *
 * Host time base: CLOCK_MONOTONIC_RAW plus the time spent suspended, i.e. the
 * host clocksource's own rate, which is the TSC's when the TSC is the
 * clocksource.  Whether it is, the timekeeping notifier tells (host_clock_tsc).
 *
 * Lock order: vcpu->mutex, then vm time clock_lock (raw spinlock, leaf).  Guest
 * memory is written with no spinlock held, under slots_srcu (kvm_write_guest).
 */
#include <linux/module.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <linux/clocksource.h>
#include <linux/notifier.h>
#include <linux/pvclock_gtod.h>
#include <linux/timekeeper_internal.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <asm/kvm_para.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_memslot.h>
#include "x86.h"

/* The per-vCPU record the guest reads. */
struct kvmclock_record {
	u32 version;		/* odd while being written */
	u32 pad0;
	u64 tsc_timestamp;	/* guest TSC at system_time */
	u64 system_time;	/* kvmclock, ns */
	u32 tsc_to_system_mul;	/* ns per TSC cycle, 0.32 fixed point ... */
	s8 tsc_shift;		/* ... applied to the cycle delta shifted by this first */
	u8 flags;
	u8 pad[2];
} __packed;
static_assert(sizeof(struct kvmclock_record) == 32);
static_assert(offsetof(struct kvmclock_record, tsc_to_system_mul) == 24);

/* The wall-clock record: host real time when kvmclock read 0. */
struct kvmclock_wall {
	u32 version;
	u32 sec;
	u32 nsec;
} __packed;
static_assert(sizeof(struct kvmclock_wall) == 12);

#define KVMCLOCK_FLAG_TSC_STABLE	BIT(0)	/* time is the same function of the TSC on all vCPUs */
#define KVMCLOCK_FLAG_GUEST_STOPPED	BIT(1)	/* the host paused the guest (KVM_KVMCLOCK_CTRL) */

#define KVMCLOCK_VALID_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)

/* The host's clocksource is the TSC; written by the timekeeping notifier. */
static bool host_clock_tsc;

/* Runs at every timekeeping update, timekeeper lock held: store one flag. */
static int clock_gtod_notify(struct notifier_block *nb, unsigned long unused, void *priv)
{
	struct timekeeper *tk = priv;

	WRITE_ONCE(host_clock_tsc, tk->tkr_mono.clock->vdso_clock_mode == VDSO_CLOCKMODE_TSC);
	return 0;
}

static struct notifier_block clock_gtod_nb = {
	.notifier_call = clock_gtod_notify,
};

/* kvm.ko init and exit (kvm_arch_init/exit). */
int kvmx86_clock_init(void)
{
	return pvclock_gtod_register_notifier(&clock_gtod_nb);
}

void kvmx86_clock_exit(void)
{
	pvclock_gtod_unregister_notifier(&clock_gtod_nb);
}

/* Host time base in ns: monotonic raw plus suspend time. */
static u64 clock_base_ns(ktime_t raw)
{
	return ktime_to_ns(raw) + ktime_to_ns(ktime_mono_to_any(0, TK_OFFS_BOOT));
}

static bool clock_master_possible(void)
{
	return READ_ONCE(host_clock_tsc) && !check_tsc_unstable();
}

static struct kvmx86_vm_time *vm_time(struct kvm_vm *vm)
{
	return &((struct kvm_x86_vm *)vm->arch)->time;
}

/*
 * mul and shift such that ns = ((cycles << shift) * mul) >> 32 (a right shift
 * for a negative shift) for a counter running at khz.  The ratio 10^6 / khz is
 * brought into [0.5, 1) by powers of two, which keep mul's 32 bits all useful.
 */
void kvmx86_time_scale(u32 khz, u32 *mul, s8 *shift)
{
	u64 num = 1000000, den = khz ? khz : 1;
	s8 sh = 0;

	while (num >= den) {
		den <<= 1;
		sh++;
	}
	while (num * 2 < den) {
		num <<= 1;
		sh--;
	}
	*mul = div64_u64(num << 32, den);
	*shift = sh;
}

static u64 time_apply_scale(u64 cycles, u32 mul, s8 shift)
{
	if (shift < 0)
		cycles >>= -shift;
	else
		cycles <<= shift;
	return mul_u64_u32_shr(cycles, mul, 32);
}

/*
 * Refresh the VM's reference point.  With a stable host TSC that is also the
 * host's clocksource, one (TSC, boot time) pair read together serves every
 * vCPU; otherwise there is none and each vCPU reads its own pair.
 * Takes clock_lock; interrupts may be on.
 */
static void clock_take_master(struct kvmx86_vm_time *vt)
{
	struct system_time_snapshot snap;
	unsigned long flags;

	ktime_get_snapshot(&snap);
	raw_spin_lock_irqsave(&vt->clock_lock, flags);
	vt->master = clock_master_possible();
	vt->master_tsc = snap.cycles;	/* TSC cycles when the clocksource is the TSC */
	vt->master_ns = clock_base_ns(snap.raw);
	raw_spin_unlock_irqrestore(&vt->clock_lock, flags);
}

void kvmx86_clock_vm_init(struct kvm_vm *vm)
{
	struct kvmx86_vm_time *vt = vm_time(vm);

	raw_spin_lock_init(&vt->clock_lock);
	clock_take_master(vt);
	/* kvmclock starts at 0 when the VM is made. */
	vt->clock_offset = -(s64)vt->master_ns;
}

/*
 * The VM's kvmclock now, in ns, and (when the master reference is in use) the
 * host TSC and real time of the same instant.  Returns KVM_CLOCK_* flags saying
 * which of those are valid.
 */
static u32 clock_read(struct kvmx86_vm_time *vt, u64 *clock, u64 *host_tsc, u64 *realtime)
{
	struct system_time_snapshot snap;
	unsigned long flags;
	u32 mul;
	s8 shift;

	ktime_get_snapshot(&snap);
	raw_spin_lock_irqsave(&vt->clock_lock, flags);
	if (!vt->master || !clock_master_possible()) {
		*clock = clock_base_ns(snap.raw) + vt->clock_offset;
		raw_spin_unlock_irqrestore(&vt->clock_lock, flags);
		return 0;
	}
	kvmx86_time_scale(tsc_khz, &mul, &shift);
	*clock = vt->master_ns + vt->clock_offset +
		 time_apply_scale(snap.cycles - vt->master_tsc, mul, shift);
	raw_spin_unlock_irqrestore(&vt->clock_lock, flags);
	*host_tsc = snap.cycles;
	*realtime = ktime_to_ns(snap.real);
	return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
}

/* Write the wall-clock record at gpa (errors ignored, as Linux: no such memory). */
static void clock_write_wall(struct kvm_vm *vm, u64 gpa)
{
	struct kvmx86_vm_time *vt = vm_time(vm);
	u64 clock, tsc, real, boot_real;
	struct kvmclock_wall w;
	u32 rem;

	if (kvm_read_guest(vm, gpa, &w.version, sizeof(w.version)))
		return;
	/* Whatever the guest left there: make it even, then odd while writing. */
	w.version = (w.version + 1) | 1;
	clock_read(vt, &clock, &tsc, &real);
	boot_real = ktime_get_real_ns() - clock;
	w.sec = div_u64_rem(boot_real, NSEC_PER_SEC, &rem);
	w.nsec = rem;
	if (kvm_write_guest(vm, gpa, &w.version, sizeof(w.version)))
		return;
	smp_wmb();
	kvm_write_guest(vm, gpa + offsetof(struct kvmclock_wall, sec), &w.sec,
			sizeof(w) - offsetof(struct kvmclock_wall, sec));
	smp_wmb();
	w.version++;
	kvm_write_guest(vm, gpa, &w.version, sizeof(w.version));
}

/* Rewrite this vCPU's record; vcpu->mutex held, the vCPU is not in the guest. */
static void clock_update_record(struct kvm_x86_vcpu *v)
{
	struct kvmx86_vm_time *vt = vm_time(v->vcpu->vm);
	struct kvm_vm *vm = v->vcpu->vm;
	u64 gpa = v->time.system_time_msr & ~1ULL;
	struct kvmclock_record rec = { 0 };
	unsigned long flags;
	u64 host_tsc, ns;
	bool stable;
	u32 khz;

	if (!v->time.pv_enabled)
		return;

	raw_spin_lock_irqsave(&vt->clock_lock, flags);
	stable = vt->master;
	if (stable) {
		host_tsc = vt->master_tsc;
		ns = vt->master_ns;
	} else {
		host_tsc = rdtsc();
		ns = clock_base_ns(ktime_get_raw());
	}
	rec.system_time = ns + vt->clock_offset;
	raw_spin_unlock_irqrestore(&vt->clock_lock, flags);

	/* Scaled vCPUs round differently: the same function of host time no more. */
	if (v->time.tsc_ratio != kvmx86_tsc_default_ratio())
		stable = false;
	rec.tsc_timestamp = kvmx86_read_guest_tsc(v, host_tsc);
	khz = kvmx86_guest_tsc_khz(v);
	if (v->time.pv_mul_khz != khz) {
		kvmx86_time_scale(khz, &v->time.pv_mul, &v->time.pv_shift);
		v->time.pv_mul_khz = khz;
	}
	rec.tsc_to_system_mul = v->time.pv_mul;
	rec.tsc_shift = v->time.pv_shift;
	rec.flags = stable ? KVMCLOCK_FLAG_TSC_STABLE : 0;
	if (v->time.pv_stopped) {
		rec.flags |= KVMCLOCK_FLAG_GUEST_STOPPED;
		v->time.pv_stopped = false;
	}

	/* Odd version, body, even version: the guest retries a read that overlaps. */
	if (kvm_read_guest(vm, gpa, &rec.version, sizeof(rec.version)))
		return;
	rec.version = (rec.version + 1) | 1;
	if (kvm_write_guest(vm, gpa, &rec.version, sizeof(rec.version)))
		return;
	smp_wmb();
	kvm_write_guest(vm, gpa + offsetof(struct kvmclock_record, tsc_timestamp),
			&rec.tsc_timestamp,
			sizeof(rec) - offsetof(struct kvmclock_record, tsc_timestamp));
	smp_wmb();
	rec.version++;
	kvm_write_guest(vm, gpa, &rec.version, sizeof(rec.version));
}

/*
 * Top of each run-loop iteration (vcpu->mutex held, interrupts on): write the
 * record if asked.  Without a VM-wide reference each host CPU's TSC may differ,
 * so moving to another CPU asks too.
 */
void kvmx86_clock_before_entry(struct kvm_x86_vcpu *v)
{
	struct kvmx86_vm_time *vt = vm_time(v->vcpu->vm);
	int cpu = raw_smp_processor_id();

	if (v->time.last_cpu != cpu) {
		if (!READ_ONCE(vt->master))
			kvm_vcpu_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE);
		v->time.last_cpu = cpu;
	}
	if (kvm_vcpu_test_and_clear_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE))
		clock_update_record(v);
}

bool kvmx86_clock_owns_msr(u32 index)
{
	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return true;
	}
	return false;
}

int kvmx86_clock_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host)
{
	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*data = READ_ONCE(vm_time(v->vcpu->vm)->wall_clock_msr);
		return 0;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*data = v->time.system_time_msr;
		return 0;
	}
	return 1;
}

int kvmx86_clock_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host)
{
	struct kvm_vm *vm = v->vcpu->vm;

	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		WRITE_ONCE(vm_time(vm)->wall_clock_msr, data);
		clock_write_wall(vm, data);
		return 0;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		v->time.system_time_msr = data;
		v->time.pv_enabled = data & KVM_MSR_ENABLED;
		kvm_vcpu_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE);
		return 0;
	}
	return 1;
}

/* KVM_KVMCLOCK_CTRL: tell the guest (once) that the host paused it. */
long kvmx86_clock_kvmclock_ctrl(struct kvm_x86_vcpu *v)
{
	if (!v->time.pv_enabled)
		return -EINVAL;
	v->time.pv_stopped = true;
	kvm_vcpu_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE);
	return 0;
}

static long clock_set(struct kvm_vm *vm, struct kvm_clock_data __user *uc)
{
	struct kvmx86_vm_time *vt = vm_time(vm);
	struct kvm_clock_data d;
	unsigned long flags;
	u64 now_real, base;

	if (copy_from_user(&d, uc, sizeof(d)))
		return -EFAULT;
	/* What KVM_GET_CLOCK returned may come back; only REALTIME means anything. */
	if (d.flags & ~KVMCLOCK_VALID_FLAGS)
		return -EINVAL;

	clock_take_master(vt);
	if (d.flags & KVM_CLOCK_REALTIME) {
		now_real = ktime_get_real_ns();
		/* Time that passed since the value was read counts; never backwards. */
		if (now_real > d.realtime)
			d.clock += now_real - d.realtime;
	}
	raw_spin_lock_irqsave(&vt->clock_lock, flags);
	base = vt->master ? vt->master_ns : clock_base_ns(ktime_get_raw());
	vt->clock_offset = d.clock - base;
	raw_spin_unlock_irqrestore(&vt->clock_lock, flags);
	kvm_vm_request_all(vm, KVMX86_REQ_CLOCK_UPDATE);
	return 0;
}

/* KVM_GET_CLOCK / KVM_SET_CLOCK; no lock held on entry. */
long kvmx86_clock_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct kvm_clock_data d;

	switch (ioctl) {
	case KVM_GET_CLOCK:
		memset(&d, 0, sizeof(d));
		d.flags = clock_read(vm_time(vm), &d.clock, &d.host_tsc, &d.realtime);
		return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
	case KVM_SET_CLOCK:
		return clock_set(vm, argp);
	}
	return -ENOTTY;
}
