// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest TSC: per-vCPU offset and rate, MSR_IA32_TSC and MSR_IA32_TSC_ADJUST,
 * KVM_GET/SET_TSC_KHZ on vCPUs and VMs, and the synchronisation of the TSCs of
 * a VM's vCPUs when userspace writes them.
 *
 * The backend applies v->tsc_offset (and v->time.tsc_ratio when the CPU scales
 * the TSC) at every guest entry; RDTSC runs in the guest without an exit.
 *
 * Lock order: vcpu->mutex, then vm time tsc_lock (raw spinlock, leaf).
 */
#include <linux/module.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include "x86.h"

/* Linux's default tolerance: a requested rate this close to the host's is the host's. */
#define TSC_TOLERANCE_PPM	250

/* Filled by the backend (kvmx86_tsc_set_scaling) before /dev/kvm exists. */
struct kvmx86_tsc_caps kvmx86_tsc_caps;

/* max_ratio 0: the backend cannot scale (also what a backend says when it goes). */
void kvmx86_tsc_set_scaling(u8 frac_bits, u64 max_ratio)
{
	kvmx86_tsc_caps.frac_bits = frac_bits;
	kvmx86_tsc_caps.max_ratio = max_ratio;
	kvmx86_tsc_caps.scaling = max_ratio != 0;
}
EXPORT_SYMBOL_GPL(kvmx86_tsc_set_scaling);

/* The ratio that leaves the TSC rate alone (1.0 in the backend's fixed point). */
u64 kvmx86_tsc_default_ratio(void)
{
	return kvmx86_tsc_caps.scaling ? 1ULL << kvmx86_tsc_caps.frac_bits : 0;
}
EXPORT_SYMBOL_GPL(kvmx86_tsc_default_ratio);

static u64 tsc_scale(struct kvm_x86_vcpu *v, u64 host_tsc)
{
	if (!kvmx86_tsc_caps.scaling || v->time.tsc_ratio == kvmx86_tsc_default_ratio())
		return host_tsc;
	return mul_u64_u64_shr(host_tsc, v->time.tsc_ratio, kvmx86_tsc_caps.frac_bits);
}

u64 kvmx86_read_guest_tsc(struct kvm_x86_vcpu *v, u64 host_tsc)
{
	return tsc_scale(v, host_tsc) + v->tsc_offset;
}
EXPORT_SYMBOL_GPL(kvmx86_read_guest_tsc);

/* The rate the guest TSC really runs at: the host's, scaled by the ratio. */
u64 kvmx86_guest_tsc_khz(struct kvm_x86_vcpu *v)
{
	if (!kvmx86_tsc_caps.scaling || v->time.tsc_ratio == kvmx86_tsc_default_ratio())
		return tsc_khz;
	return mul_u64_u64_shr(tsc_khz, v->time.tsc_ratio, kvmx86_tsc_caps.frac_bits);
}
EXPORT_SYMBOL_GPL(kvmx86_guest_tsc_khz);

/* Largest rate a vCPU may be given (exclusive), 0 when the CPU cannot scale. */
static u32 tsc_max_guest_khz(void)
{
	if (!kvmx86_tsc_caps.scaling)
		return 0;
	return min_t(u64, U32_MAX, mul_u64_u32_shr(kvmx86_tsc_caps.max_ratio, tsc_khz,
						   kvmx86_tsc_caps.frac_bits));
}

/*
 * The ratio for a guest rate of khz, in *ratio.  Rates within the tolerance of
 * the host's need none.  Returns 0 or -EINVAL when the rate cannot be given
 * (no scaling and not the host's rate, or a ratio out of the CPU's range).
 */
static int tsc_ratio_for(u32 khz, u64 *ratio)
{
	u64 lo = (u64)tsc_khz * (1000000 - TSC_TOLERANCE_PPM) / 1000000;
	u64 hi = (u64)tsc_khz * (1000000 + TSC_TOLERANCE_PPM) / 1000000;
	u64 r;

	if (!khz || !tsc_khz)
		return -EINVAL;
	if (khz >= lo && khz <= hi) {
		*ratio = kvmx86_tsc_default_ratio();
		return 0;
	}
	/*
	 * Linux 6.1 without scaling accepts a faster rate and runs the guest TSC at
	 * the host's rate with catch-up jumps; we refuse it instead.
	 */
	if (!kvmx86_tsc_caps.scaling)
		return -EINVAL;
	r = mul_u64_u32_div(1ULL << kvmx86_tsc_caps.frac_bits, khz, tsc_khz);
	if (!r || r >= kvmx86_tsc_caps.max_ratio)
		return -EINVAL;
	*ratio = r;
	return 0;
}

static u64 tsc_offset_for(struct kvm_x86_vcpu *v, u64 guest_tsc)
{
	return guest_tsc - tsc_scale(v, rdtsc());
}

/* Remember a host write as the reference for later ones; tsc_lock held. */
static void tsc_record_write(struct kvm_x86_vcpu *v, struct kvmx86_vm_time *vt, u64 offset,
			     u64 data, u64 ns, bool matched)
{
	vt->last_tsc_write = data;
	vt->last_tsc_ns = ns;
	vt->last_tsc_khz = v->time.tsc_khz;
	vt->last_tsc_offset = offset;
	if (!matched)
		vt->cur_tsc_offset = offset;
	v->tsc_offset = offset;
	kvm_vcpu_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE);
}

/*
 * A host-initiated write of the TSC.  A value within one second (of guest
 * cycles) of where the previously written vCPU's TSC is now counts as an
 * attempt to synchronise with it, and so does 0 (a vCPU being created): the
 * vCPU then gets exactly that vCPU's offset.  Otherwise the value starts a new
 * reference that later writes can match.
 */
static void tsc_host_write(struct kvm_x86_vcpu *v, u64 data)
{
	struct kvmx86_vm_time *vt = &((struct kvm_x86_vm *)v->vcpu->vm->arch)->time;
	u32 khz = v->time.tsc_khz;
	unsigned long flags;
	bool matched = false;
	u64 offset, ns;

	raw_spin_lock_irqsave(&vt->tsc_lock, flags);
	offset = tsc_offset_for(v, data);
	ns = ktime_get_boottime_ns();
	if (khz && khz == vt->last_tsc_khz) {
		u64 hz = (u64)khz * 1000;
		u64 expect = vt->last_tsc_write +
			     mul_u64_u32_div(ns - vt->last_tsc_ns, khz, 1000000);

		if (data == 0 || (data < expect + hz && data + hz > expect)) {
			matched = true;
			if (!check_tsc_unstable()) {
				offset = vt->cur_tsc_offset;
			} else {
				data += mul_u64_u32_div(ns - vt->last_tsc_ns, khz, 1000000);
				offset = tsc_offset_for(v, data);
			}
		}
	}
	tsc_record_write(v, vt, offset, data, ns, matched);
	raw_spin_unlock_irqrestore(&vt->tsc_lock, flags);
}

/* Moves the guest's TSC by delta cycles (guest writes of TSC or TSC_ADJUST). */
static void tsc_guest_adjust(struct kvm_x86_vcpu *v, u64 delta)
{
	v->tsc_offset += delta;
	kvm_vcpu_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE);
}

void kvmx86_tsc_vm_init(struct kvm_vm *vm)
{
	struct kvmx86_vm_time *vt = &((struct kvm_x86_vm *)vm->arch)->time;

	raw_spin_lock_init(&vt->tsc_lock);
	vt->default_tsc_khz = tsc_khz;
}

/* A new vCPU: the VM's default rate, and a TSC synchronised with its siblings. */
void kvmx86_tsc_vcpu_init(struct kvm_x86_vcpu *v)
{
	struct kvmx86_vm_time *vt = &((struct kvm_x86_vm *)v->vcpu->vm->arch)->time;
	u32 khz = READ_ONCE(vt->default_tsc_khz);
	u64 ratio;

	/* The VM default was checked when it was set; the host rate always works. */
	if (tsc_ratio_for(khz, &ratio)) {
		khz = tsc_khz;
		ratio = kvmx86_tsc_default_ratio();
	}
	v->time.tsc_khz = khz;
	v->time.tsc_ratio = ratio;
	v->time.last_cpu = -1;
	tsc_host_write(v, 0);
}

/* TSC_ADJUST is offered in CPUID 7.0 EBX bit 1 (cpuid.c); guest access obeys it. */
static bool tsc_guest_has_adjust(struct kvm_x86_vcpu *v)
{
	u32 i;

	for (i = 0; i < v->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &v->cpuid[i];

		if (e->function == 7 && e->index == 0)
			return e->ebx & BIT(1);
	}
	return false;
}

bool kvmx86_tsc_owns_msr(u32 index)
{
	return index == MSR_IA32_TSC || index == MSR_IA32_TSC_ADJUST;
}

int kvmx86_tsc_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host)
{
	switch (index) {
	case MSR_IA32_TSC:
		*data = kvmx86_read_guest_tsc(v, rdtsc());
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* Linux answers reads whatever CPUID says. */
		*data = v->time.tsc_adjust;
		return 0;
	}
	return 1;
}

int kvmx86_tsc_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host)
{
	u64 delta;

	switch (index) {
	case MSR_IA32_TSC:
		if (host) {
			tsc_host_write(v, data);
			return 0;
		}
		/* A guest write moves TSC_ADJUST by the same amount (SDM 17.17.3). */
		delta = tsc_offset_for(v, data) - v->tsc_offset;
		tsc_guest_adjust(v, delta);
		v->time.tsc_adjust += delta;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* Without the CPUID bit Linux ignores the write (no #GP). */
		if (!host && !tsc_guest_has_adjust(v))
			return 0;
		if (!host)
			tsc_guest_adjust(v, data - v->time.tsc_adjust);
		v->time.tsc_adjust = data;
		return 0;
	}
	return 1;
}

static long tsc_vcpu_set_khz(struct kvm_x86_vcpu *v, u32 khz)
{
	u32 max = tsc_max_guest_khz();
	u64 ratio;
	int r;

	if (max && khz >= max)
		return -EINVAL;
	if (!khz)
		khz = tsc_khz;
	r = tsc_ratio_for(khz, &ratio);
	if (r)
		return r;
	v->time.tsc_khz = khz;
	v->time.tsc_ratio = ratio;
	kvm_vcpu_request(v->vcpu, KVMX86_REQ_CLOCK_UPDATE);
	return 0;
}

/* KVM_GET_TSC_KHZ / KVM_SET_TSC_KHZ on a vCPU; vcpu->mutex held. */
long kvmx86_tsc_vcpu_ioctl(struct kvm_x86_vcpu *v, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_TSC_KHZ:
		return v->time.tsc_khz;
	case KVM_SET_TSC_KHZ:
		return tsc_vcpu_set_khz(v, (u32)arg);
	}
	return -EINVAL;
}

/*
 * KVM_SET_DEVICE_ATTR of KVM_VCPU_TSC_OFFSET: the offset itself (a VMM
 * restoring the TSC without the delay between reading and writing it).  The
 * same offset at the same rate as the last write counts as synchronised.
 */
static void tsc_set_offset(struct kvm_x86_vcpu *v, u64 offset)
{
	struct kvmx86_vm_time *vt = &((struct kvm_x86_vm *)v->vcpu->vm->arch)->time;
	unsigned long flags;
	bool matched;
	u64 data;

	raw_spin_lock_irqsave(&vt->tsc_lock, flags);
	matched = v->time.tsc_khz && vt->last_tsc_khz == v->time.tsc_khz &&
		  vt->last_tsc_offset == offset;
	data = tsc_scale(v, rdtsc()) + offset;
	tsc_record_write(v, vt, offset, data, ktime_get_boottime_ns(), matched);
	raw_spin_unlock_irqrestore(&vt->tsc_lock, flags);
}

/*
 * KVM_HAS/GET/SET_DEVICE_ATTR on a vCPU: group KVM_VCPU_TSC_CTRL, attribute
 * KVM_VCPU_TSC_OFFSET (a u64 at attr.addr).  Other groups and attributes are
 * ENXIO, as Linux 6.1.  vcpu->mutex held.
 */
long kvmx86_tsc_vcpu_attr(struct kvm_x86_vcpu *v, unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	uaddr = u64_to_user_ptr(attr.addr);
	switch (ioctl) {
	case KVM_HAS_DEVICE_ATTR:
		return 0;
	case KVM_GET_DEVICE_ATTR:
		return put_user(v->tsc_offset, uaddr) ? -EFAULT : 0;
	case KVM_SET_DEVICE_ATTR:
		if (get_user(offset, uaddr))
			return -EFAULT;
		tsc_set_offset(v, offset);
		return 0;
	}
	return -EINVAL;
}

/*
 * KVM_GET_TSC_KHZ / KVM_SET_TSC_KHZ on a VM: the rate of vCPUs created later.
 * A rate no vCPU could be given is refused here (Linux 6.1 takes it and fails
 * silently at vCPU creation).
 */
long kvmx86_tsc_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg)
{
	struct kvmx86_vm_time *vt = &((struct kvm_x86_vm *)vm->arch)->time;
	u32 khz = (u32)arg, max = tsc_max_guest_khz();
	u64 ratio;

	switch (ioctl) {
	case KVM_GET_TSC_KHZ:
		return READ_ONCE(vt->default_tsc_khz);
	case KVM_SET_TSC_KHZ:
		if (max && khz >= max)
			return -EINVAL;
		if (!khz)
			khz = tsc_khz;
		if (tsc_ratio_for(khz, &ratio))
			return -EINVAL;
		WRITE_ONCE(vt->default_tsc_khz, khz);
		return 0;
	}
	return -ENOTTY;
}

/* Time capabilities, for KVM_CHECK_EXTENSION (x86.c). */
int kvmx86_time_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_KVMCLOCK_CTRL:
	case KVM_CAP_VCPU_ATTRIBUTES:	/* only KVM_VCPU_TSC_CTRL so far */
		return 1;
	case KVM_CAP_TSC_CONTROL:
	case KVM_CAP_VM_TSC_CONTROL:
		return kvmx86_tsc_caps.scaling;
	case KVM_CAP_ADJUST_CLOCK:
		return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
	}
	return 0;
}
