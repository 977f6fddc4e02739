// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest RDMSR/WRMSR as the backends hand them over: the MSR filter
 * (KVM_X86_SET_MSR_FILTER), the in-kernel MSR code (msr.c), and exits to
 * userspace (KVM_EXIT_X86_RDMSR/WRMSR) for the reasons userspace enabled with
 * KVM_CAP_X86_USER_SPACE_MSR.
 *
 * Locking: the filter is replaced under vm->lock and read under RCU (the
 * vCPU's MSR exit path); the old one is freed after a grace period.  The exit
 * reason mask is a single word written with WRITE_ONCE and read with READ_ONCE.
 * Per-vCPU state (v->msr_user) is guarded by vcpu->mutex.
 */
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/kvm_arch.h>
#include <asm/trapnr.h>
#include "x86.h"

struct msr_filter_range {
	u32 flags;		/* KVM_MSR_FILTER_READ / _WRITE */
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;	/* bit set: access allowed */
};

struct kvm_x86_msr_filter {
	struct rcu_head rcu;
	bool default_deny;
	unsigned int count;
	struct msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

/* x2APIC registers are never filtered (as Linux since 6.0): the LAPIC owns them. */
static bool msr_unfilterable(u32 index)
{
	return index >= 0x800 && index <= 0x8ff;
}

static bool msr_filter_allows(struct kvm_vm *vm, u32 index, bool write)
{
	struct kvm_x86_vm *xvm = vm->arch;
	const struct kvm_x86_msr_filter *f;
	u32 want = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
	bool allow = true;
	unsigned int i;

	if (msr_unfilterable(index))
		return true;
	rcu_read_lock();
	f = rcu_dereference(xvm->msr_filter);
	if (f) {
		allow = !f->default_deny;
		for (i = 0; i < f->count; i++) {
			const struct msr_filter_range *r = &f->ranges[i];

			if (!(r->flags & want) || index < r->base || index - r->base >= r->nmsrs)
				continue;
			allow = test_bit(index - r->base, r->bitmap);
			break;
		}
	}
	rcu_read_unlock();
	return allow;
}

static void msr_filter_free(struct kvm_x86_msr_filter *f)
{
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

static void msr_filter_free_rcu(struct rcu_head *head)
{
	msr_filter_free(container_of(head, struct kvm_x86_msr_filter, rcu));
}

/* Copy one user range into @out; a range with no MSRs is skipped (returns 1). */
static int msr_filter_copy_range(const struct kvm_msr_filter_range *in,
				 struct msr_filter_range *out)
{
	size_t bytes;

	if (!in->nmsrs)
		return 1;
	if (in->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE) || !in->flags)
		return -EINVAL;
	bytes = BITS_TO_LONGS(in->nmsrs) * sizeof(long);
	if (bytes > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	out->bitmap = memdup_user((const void __user *)in->bitmap, bytes);
	if (IS_ERR(out->bitmap)) {
		int r = PTR_ERR(out->bitmap);

		out->bitmap = NULL;
		return r;
	}
	out->flags = in->flags;
	out->base = in->base;
	out->nmsrs = in->nmsrs;
	return 0;
}

/* KVM_X86_SET_MSR_FILTER: validate and copy everything, then swap the filter in. */
long kvmx86_set_msr_filter(struct kvm_vm *vm, struct kvm_msr_filter __user *argp)
{
	struct kvm_x86_vm *xvm = vm->arch;
	struct kvm_x86_msr_filter *f, *old;
	struct kvm_msr_filter *uf;
	unsigned int i;
	int r;

	uf = memdup_user(argp, sizeof(*uf));
	if (IS_ERR(uf))
		return PTR_ERR(uf);
	r = -EINVAL;
	if (uf->flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		goto out_uf;
	r = -ENOMEM;
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		goto out_uf;
	f->default_deny = uf->flags & KVM_MSR_FILTER_DEFAULT_DENY;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		r = msr_filter_copy_range(&uf->ranges[i], &f->ranges[f->count]);
		if (r < 0)
			goto out_filter;
		if (r == 0)
			f->count++;
	}
	/* Denying everything with nothing allowed is refused, as Linux does. */
	r = -EINVAL;
	if (!f->count && f->default_deny)
		goto out_filter;

	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(xvm->msr_filter, lockdep_is_held(&vm->lock));
	/* An empty allow-all filter is the same as none. */
	if (!f->count) {
		rcu_assign_pointer(xvm->msr_filter, NULL);
		msr_filter_free(f);
	} else {
		rcu_assign_pointer(xvm->msr_filter, f);
	}
	mutex_unlock(&vm->lock);
	if (old)
		call_rcu(&old->rcu, msr_filter_free_rcu);
	r = 0;
	goto out_uf;

out_filter:
	msr_filter_free(f);
out_uf:
	kfree(uf);
	return r;
}

void kvmx86_msr_filter_destroy(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;

	/* No reader is left: every vCPU is gone. */
	msr_filter_free(rcu_dereference_protected(xvm->msr_filter, true));
	RCU_INIT_POINTER(xvm->msr_filter, NULL);
}

/* KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR): which failures go to userspace. */
int kvmx86_enable_user_space_msr(struct kvm_vm *vm, u64 mask)
{
	struct kvm_x86_vm *xvm = vm->arch;

	if (mask & ~KVM_X86_MSR_EXIT_REASONS)
		return -EINVAL;
	WRITE_ONCE(xvm->user_space_msr_mask, (u32)mask);
	return 0;
}

static int msr_fault(struct kvm_x86_vcpu *v, u64 insn_rip)
{
	v->rip = insn_rip;
	kvmx86_queue_exception(v, X86_TRAP_GP, true, 0, false, 0);
	return KVM_EXIT_ACTION_RESUME;
}

static int msr_to_user(struct kvm_x86_vcpu *v, bool write, u32 index, u64 data, u32 reason,
		       u64 insn_rip)
{
	struct kvm_run *run = v->vcpu->run;

	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = write ? data : 0;
	v->msr_user.pending = true;
	v->msr_user.write = write;
	v->msr_user.insn_rip = insn_rip;
	return KVM_EXIT_ACTION_USER;
}

/*
 * A guest RDMSR or WRMSR (index in ECX, data in EDX:EAX).  The backend has
 * already moved RIP past the instruction; @insn_rip is its address, where a
 * #GP is reported.  Returns KVM_EXIT_ACTION_RESUME (done, or #GP queued) or
 * KVM_EXIT_ACTION_USER (KVM_EXIT_X86_RDMSR/WRMSR filled in).
 */
int kvmx86_exit_msr(struct kvm_x86_vcpu *v, bool write, u64 insn_rip)
{
	u32 mask = READ_ONCE(((struct kvm_x86_vm *)v->vcpu->vm->arch)->user_space_msr_mask);
	u32 index = v->gpr[KVM_REG_RCX];
	u64 data = (v->gpr[KVM_REG_RDX] << 32) | (u32)v->gpr[KVM_REG_RAX];
	int r;

	if (!msr_filter_allows(v->vcpu->vm, index, write)) {
		if (mask & KVM_MSR_EXIT_REASON_FILTER)
			return msr_to_user(v, write, index, data, KVM_MSR_EXIT_REASON_FILTER,
					   insn_rip);
		return msr_fault(v, insn_rip);
	}

	r = write ? kvmx86_set_msr(v, index, data, false) :
		    kvmx86_get_msr(v, index, &data, false);
	if (!r) {
		if (!write) {
			v->gpr[KVM_REG_RAX] = (u32)data;
			v->gpr[KVM_REG_RDX] = data >> 32;
		}
		return KVM_EXIT_ACTION_RESUME;
	}
	if (r == KVM_MSR_RET_UNKNOWN && (mask & KVM_MSR_EXIT_REASON_UNKNOWN))
		return msr_to_user(v, write, index, data, KVM_MSR_EXIT_REASON_UNKNOWN, insn_rip);
	if (r != KVM_MSR_RET_UNKNOWN && (mask & KVM_MSR_EXIT_REASON_INVAL))
		return msr_to_user(v, write, index, data, KVM_MSR_EXIT_REASON_INVAL, insn_rip);
	return msr_fault(v, insn_rip);
}
EXPORT_SYMBOL_GPL(kvmx86_exit_msr);

/* On the KVM_RUN after a KVM_EXIT_X86_RDMSR/WRMSR: take userspace's answer. */
void kvmx86_complete_msr_exit(struct kvm_x86_vcpu *v)
{
	struct kvm_run *run = v->vcpu->run;

	if (!v->msr_user.pending)
		return;
	v->msr_user.pending = false;
	if (READ_ONCE(run->msr.error)) {
		msr_fault(v, v->msr_user.insn_rip);
		return;
	}
	if (!v->msr_user.write) {
		u64 data = READ_ONCE(run->msr.data);

		v->gpr[KVM_REG_RAX] = (u32)data;
		v->gpr[KVM_REG_RDX] = data >> 32;
	}
}
