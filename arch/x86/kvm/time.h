/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest time on x86: the TSC of each vCPU (tsc.c) and kvmclock (kvmclock.c).
 *
 * Guest TSC = scale(host TSC, tsc_ratio) + tsc_offset, where scale() is the
 * identity unless the CPU can scale the TSC (kvmx86_tsc_caps.scaling).  A VM
 * keeps the record of the last host-initiated TSC write so that a vCPU written
 * with "the same" value as another one (within a second of where that one is
 * now) gets exactly the same offset: the vCPUs' TSCs are then synchronised.
 *
 * kvmclock: each vCPU that enabled it through MSR_KVM_SYSTEM_TIME(_NEW) gets a
 * pvclock record in guest memory, rewritten before the next entry whenever
 * KVMX86_REQ_CLOCK_UPDATE is set.  When the host TSC is stable and is the
 * host's clocksource, every vCPU's record is computed from one VM-wide snapshot
 * (host TSC, host ns) taken together, so time is one function of the host TSC
 * for all vCPUs and monotonic across them (PVCLOCK_TSC_STABLE_BIT).
 *
 * Included by x86.h; do not include directly.
 */
#ifndef KVM_X86_TIME_H
#define KVM_X86_TIME_H

#include <linux/types.h>
#include <linux/spinlock.h>

/* A vCPU request: rewrite this vCPU's kvmclock record before the next entry. */
#define KVMX86_REQ_CLOCK_UPDATE		8

/* What the CPU offers for TSC scaling (set by the backend before it registers). */
struct kvmx86_tsc_caps {
	bool scaling;			/* the backend applies tsc_ratio at guest entry */
	u8 frac_bits;			/* fixed-point fraction bits of a ratio */
	u64 max_ratio;			/* ratios must stay below this */
};

extern struct kvmx86_tsc_caps kvmx86_tsc_caps;

struct kvmx86_vm_time {
	/* TSC synchronisation; tsc_lock (a leaf spinlock, interrupts off). */
	raw_spinlock_t tsc_lock;
	u64 last_tsc_write;		/* guest value of the last host-initiated write */
	u64 last_tsc_ns;		/* host boot time of that write */
	u32 last_tsc_khz;		/* rate of the vCPU written then */
	u64 cur_tsc_offset;		/* offset of the last write that did not match */
	u64 last_tsc_offset;		/* offset of the last write, matched or not */
	u32 default_tsc_khz;		/* rate new vCPUs start at (VM KVM_SET_TSC_KHZ) */

	/* kvmclock; clock_lock (a leaf spinlock, interrupts off). */
	raw_spinlock_t clock_lock;
	bool master;			/* master_tsc/master_ns valid: one snapshot for all */
	u64 master_tsc;			/* host TSC ... */
	u64 master_ns;			/* ... and host boot time (ns) at the same instant */
	s64 clock_offset;		/* kvmclock = host boot time + clock_offset */
	u64 wall_clock_msr;		/* MSR_KVM_WALL_CLOCK(_NEW); written by any vCPU */
};

struct kvmx86_vcpu_time {
	/* All guarded by vcpu->mutex. */
	u32 tsc_khz;			/* guest TSC rate (KVM_GET_TSC_KHZ) */
	u64 tsc_ratio;			/* kvmx86_tsc_caps format; 1.0 when not scaled */
	u64 tsc_adjust;			/* MSR_IA32_TSC_ADJUST */

	u64 system_time_msr;		/* MSR_KVM_SYSTEM_TIME(_NEW) as written */
	bool pv_enabled;		/* bit 0 of it: keep the record up to date */
	u32 pv_mul;			/* tsc_to_system_mul for tsc_khz ... */
	s8 pv_shift;			/* ... and its tsc_shift */
	u32 pv_mul_khz;			/* the rate pv_mul/pv_shift were computed for */
	bool pv_stopped;		/* KVM_KVMCLOCK_CTRL: set PVCLOCK_GUEST_STOPPED once */
	int last_cpu;			/* host CPU of the last record update */
};

struct kvm_vm;
struct kvm_x86_vcpu;

/* tsc.c */
void kvmx86_tsc_vm_init(struct kvm_vm *vm);
void kvmx86_tsc_vcpu_init(struct kvm_x86_vcpu *v);
void kvmx86_tsc_set_scaling(u8 frac_bits, u64 max_ratio);
u64 kvmx86_tsc_default_ratio(void);
bool kvmx86_tsc_owns_msr(u32 index);
int kvmx86_tsc_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host);
int kvmx86_tsc_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host);
long kvmx86_tsc_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg);
long kvmx86_tsc_vcpu_ioctl(struct kvm_x86_vcpu *v, unsigned int ioctl, unsigned long arg);
long kvmx86_tsc_vcpu_attr(struct kvm_x86_vcpu *v, unsigned int ioctl, void __user *argp);
int kvmx86_time_check_extension(long cap);

/* kvmclock.c */
int kvmx86_clock_init(void);
void kvmx86_clock_exit(void);
void kvmx86_clock_vm_init(struct kvm_vm *vm);
bool kvmx86_clock_owns_msr(u32 index);
int kvmx86_clock_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host);
int kvmx86_clock_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host);
void kvmx86_clock_before_entry(struct kvm_x86_vcpu *v);
long kvmx86_clock_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg);
long kvmx86_clock_kvmclock_ctrl(struct kvm_x86_vcpu *v);
void kvmx86_time_scale(u32 khz, u32 *mul, s8 *shift);

#endif /* KVM_X86_TIME_H */
