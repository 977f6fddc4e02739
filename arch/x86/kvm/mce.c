// SPDX-License-Identifier: GPL-2.0-only
/*
 * Machine-check architecture as the guest sees it: MCG_CAP/MCG_STATUS/MCG_CTL,
 * the MCi_{CTL,STATUS,ADDR,MISC} banks, and the ioctls userspace uses to set the
 * bank count (KVM_X86_SETUP_MCE) and to report an error into the guest
 * (KVM_X86_SET_MCE), e.g. after the host got a memory error on a guest page.
 *
 * No hardware bank is ever exposed: the banks are plain storage that only
 * userspace fills.  Everything runs with vcpu->mutex held; no lock of its own.
 */
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <asm/mce.h>
#include <asm/trapnr.h>
#include <asm/msr-index.h>
#include "x86.h"

/* The MCG_CAP bits a VMM may turn on besides the bank count (AMD: no LMCE). */
#define KVM_X86_MCG_CAP_OK	(MCG_CTL_P | MCG_SER_P)

/* MCG_CAP fields userspace may set: bank count [7:0], extended-register count [23:16]. */
#define MCG_CAP_COUNT_MASK	0xffULL
#define MCG_CAP_EXT_CNT_MASK	0xff0000ULL

/* Register slots of one bank, in MSR order (MC0_CTL + 4 * bank + slot). */
enum { MCE_SLOT_CTL, MCE_SLOT_STATUS, MCE_SLOT_ADDR, MCE_SLOT_MISC, MCE_SLOTS };

static unsigned int mce_nr_banks(struct kvm_x86_vcpu *v)
{
	return v->mcg_cap & MCG_CAP_COUNT_MASK;
}

u64 kvmx86_mce_cap_supported(void)
{
	return KVM_X86_MCG_CAP_OK;
}

void kvmx86_mce_reset(struct kvm_x86_vcpu *v)
{
	/* As Linux: every bank present and enabled until userspace says otherwise. */
	if (!v->mcg_cap)
		v->mcg_cap = KVM_X86_MAX_MCE_BANKS;
}

/* Is @index one of the MSRs this file owns (the bank range is checked later). */
bool kvmx86_mce_msr(u32 index)
{
	switch (index) {
	case MSR_IA32_MCG_CAP:
	case MSR_IA32_MCG_STATUS:
	case MSR_IA32_MCG_CTL:
		return true;
	}
	return index >= MSR_IA32_MC0_CTL &&
	       index < MSR_IA32_MC0_CTL + MCE_SLOTS * KVM_X86_MAX_MCE_BANKS;
}

/* 0 on success, 1 when the access must fault (#GP for the guest, failure for userspace). */
int kvmx86_mce_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host)
{
	u32 slot;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		*data = v->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = v->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(v->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*data = v->mcg_ctl;
		return 0;
	}
	slot = index - MSR_IA32_MC0_CTL;
	if (slot >= MCE_SLOTS * mce_nr_banks(v))
		return 1;
	*data = v->mce_banks[slot];
	return 0;
}

int kvmx86_mce_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host)
{
	u32 slot;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		/* Read-only to the guest; userspace may restore a value it could set up. */
		if (!host)
			return 1;
		if (!(data & MCG_CAP_COUNT_MASK) ||
		    (data & MCG_CAP_COUNT_MASK) > KVM_X86_MAX_MCE_BANKS ||
		    (data & ~(KVM_X86_MCG_CAP_OK | MCG_CAP_COUNT_MASK | MCG_CAP_EXT_CNT_MASK)))
			return 1;
		v->mcg_cap = data;
		return 0;
	case MSR_IA32_MCG_STATUS:
		v->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(v->mcg_cap & MCG_CTL_P) && (data || !host))
			return 1;
		if (data != 0 && data != ~0ULL)
			return 1;
		v->mcg_ctl = data;
		return 0;
	}
	slot = index - MSR_IA32_MC0_CTL;
	if (slot >= MCE_SLOTS * mce_nr_banks(v))
		return 1;
	switch (slot % MCE_SLOTS) {
	case MCE_SLOT_CTL:
		/*
		 * All zeroes or all ones; older Linux guests clear bit 10 of bank 4's
		 * control on AMD family 0xf (GART TLB walk errors), so that bit and
		 * bit 0 may be clear too.
		 */
		if (data != 0 && (data | BIT_ULL(10) | BIT_ULL(0)) != ~0ULL)
			return 1;
		break;
	case MCE_SLOT_STATUS:
		/* The guest may only clear a status; a VMM may restore anything. */
		if (!host && data)
			return 1;
		break;
	}
	v->mce_banks[slot] = data;
	return 0;
}

/* KVM_X86_SETUP_MCE: the bank count and capabilities for this vCPU. */
long kvmx86_mce_setup(struct kvm_x86_vcpu *v, u64 __user *argp)
{
	unsigned int banks, i;
	u64 cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	banks = cap & MCG_CAP_COUNT_MASK;
	if (!banks || banks > KVM_X86_MAX_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(KVM_X86_MCG_CAP_OK | MCG_CAP_COUNT_MASK | MCG_CAP_EXT_CNT_MASK))
		return -EINVAL;
	v->mcg_cap = cap;
	v->mcg_status = 0;
	if (cap & MCG_CTL_P)
		v->mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++)
		v->mce_banks[i * MCE_SLOTS + MCE_SLOT_CTL] = ~0ULL;
	return 0;
}

/*
 * KVM_X86_SET_MCE: record an error in a bank and, for an uncorrected one, raise
 * #MC in the guest (a shutdown if the guest cannot take it: a machine check is
 * already in progress, or CR4.MCE is clear).  Reporting is suppressed, as on
 * hardware, when the guest disabled the bank or the global control.
 */
long kvmx86_mce_inject(struct kvm_x86_vcpu *v, struct kvm_x86_mce __user *argp)
{
	struct kvm_x86_mce m;
	u64 *bank;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	if (m.bank >= mce_nr_banks(v) || !(m.status & MCI_STATUS_VAL))
		return -EINVAL;
	bank = &v->mce_banks[m.bank * MCE_SLOTS];

	if ((v->mcg_cap & MCG_CTL_P) && v->mcg_ctl != ~0ULL)
		return 0;
	if (bank[MCE_SLOT_CTL] != ~0ULL)
		return 0;

	if (m.status & MCI_STATUS_UC) {
		if ((v->mcg_status & MCG_STATUS_MCIP) ||
		    !(kvm_x86_ops->get_cr(v, 4) & X86_CR4_MCE)) {
			kvm_vcpu_request(v->vcpu, KVM_REQ_TRIPLE_FAULT);
			return 0;
		}
		if (bank[MCE_SLOT_STATUS] & MCI_STATUS_VAL)
			m.status |= MCI_STATUS_OVER;
		v->mcg_status = m.mcg_status;
		bank[MCE_SLOT_ADDR] = m.addr;
		bank[MCE_SLOT_MISC] = m.misc;
		bank[MCE_SLOT_STATUS] = m.status;
		kvmx86_queue_exception(v, X86_TRAP_MC, false, 0, false, 0);
		return 0;
	}

	/* A corrected error never overwrites an uncorrected one still logged. */
	if (!(bank[MCE_SLOT_STATUS] & MCI_STATUS_VAL) || !(bank[MCE_SLOT_STATUS] & MCI_STATUS_UC)) {
		if (bank[MCE_SLOT_STATUS] & MCI_STATUS_VAL)
			m.status |= MCI_STATUS_OVER;
		bank[MCE_SLOT_ADDR] = m.addr;
		bank[MCE_SLOT_MISC] = m.misc;
		bank[MCE_SLOT_STATUS] = m.status;
	} else {
		bank[MCE_SLOT_STATUS] |= MCI_STATUS_OVER;
	}
	return 0;
}
