// SPDX-License-Identifier: GPL-2.0-only
/*
 * Model-specific registers: the ones kept by common code, the dispatch to the
 * backend for the rest, KVM_GET/SET_MSRS and KVM_GET_MSR_INDEX_LIST.
 *
 * Runs with vcpu->mutex held (ioctls and the run loop); takes no lock.
 */
#include <linux/uaccess.h>
#include <linux/module.h>
#include <linux/kvm_arch.h>
#include <linux/slab.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/kvm_para.h>
#include "x86.h"

/* MSRs userspace saves and restores (KVM_GET_MSR_INDEX_LIST), all implemented. */
static const u32 kvm_x86_saved_msrs[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_IA32_MISC_ENABLE, MSR_TSC_AUX,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL, MSR_IA32_ARCH_CAPABILITIES,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	MSR_IA32_TSC_ADJUST,
};

#define MTRR_CAP_VALUE	(0x500 | 8)	/* WC, fixed ranges, 8 variable ranges */

static int kvm_x86_mtrr_slot(u32 index, u64 **slot, struct kvm_x86_vcpu *v)
{
	static const u32 fixed[] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
		MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000, MSR_MTRRfix4K_E8000,
		MSR_MTRRfix4K_F0000, MSR_MTRRfix4K_F8000,
	};
	int i;

	if (index >= 0x200 && index < 0x210) {
		*slot = &v->mtrr_var[index - 0x200];
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		if (fixed[i] == index) {
			*slot = &v->mtrr_fixed[i];
			return 0;
		}
	}
	if (index == MSR_MTRRdefType) {
		*slot = &v->mtrr_def_type;
		return 0;
	}
	return 1;
}

int kvmx86_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host)
{
	u64 *slot;

	if (kvmx86_mce_msr(index))
		return kvmx86_mce_get_msr(v, index, data, host);
	if (kvmx86_lapic_owns_msr(v, index))
		return kvmx86_lapic_get_msr(v, index, data);
	if (kvmx86_tsc_owns_msr(index))
		return kvmx86_tsc_get_msr(v, index, data, host);
	if (kvmx86_clock_owns_msr(index))
		return kvmx86_clock_get_msr(v, index, data, host);
	switch (index) {
	case MSR_IA32_APICBASE:
		*data = v->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = v->misc_enable;
		return 0;
	case MSR_MTRRcap:
		*data = MTRR_CAP_VALUE;
		return 0;
	case MSR_IA32_UCODE_REV:
		*data = 0x100000000ULL;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = v->arch_capabilities;
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_K7_HWCR:
	case MSR_VM_HSAVE_PA:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DE_CFG:
	case MSR_IA32_EBL_CR_POWERON:
	case MSR_IA32_LASTBRANCHFROMIP ... MSR_IA32_LASTINTTOIP:
	case MSR_IA32_PERF_CTL:
	case MSR_IA32_POWER_CTL:
	case MSR_AMD64_SYSCFG:
	case MSR_K8_TSEG_ADDR:
	case MSR_K8_TSEG_MASK:
	case MSR_K8_INT_PENDING_MSG:
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
	case MSR_AMD64_DC_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_K7_EVNTSEL0 ... MSR_K7_PERFCTR3:
		/*
		 * Platform MSRs Linux and firmware read without a fault handler
		 * (the AMD MTRR and memory-encryption probes read SYSCFG, for one):
		 * nothing of the kind exists for a guest, and zero says so.  The
		 * legacy K7 counters read zero as a PMU with no counters running.
		 */
		*data = 0;
		return 0;
	case MSR_IA32_PERF_STATUS:
		/* A fixed ratio, as Linux reports: bus ratio 1000 in the high half. */
		*data = 1000ULL << 32;
		return 0;
	}
	if (!kvm_x86_mtrr_slot(index, &slot, v)) {
		*data = *slot;
		return 0;
	}
	return kvm_x86_ops->get_msr(v, index, data);
}
EXPORT_SYMBOL_GPL(kvmx86_get_msr);

int kvmx86_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host)
{
	u64 *slot;

	if (kvmx86_mce_msr(index))
		return kvmx86_mce_set_msr(v, index, data, host);
	if (kvmx86_lapic_owns_msr(v, index))
		return kvmx86_lapic_set_msr(v, index, data, host);
	if (kvmx86_tsc_owns_msr(index))
		return kvmx86_tsc_set_msr(v, index, data, host);
	if (kvmx86_clock_owns_msr(index))
		return kvmx86_clock_set_msr(v, index, data, host);
	switch (index) {
	case MSR_IA32_APICBASE:
		/* Reserved bits and the BSP bit (read-only to the guest) are checked. */
		if (data & ~(MSR_IA32_APICBASE_BASE | MSR_IA32_APICBASE_ENABLE |
			     X2APIC_ENABLE | MSR_IA32_APICBASE_BSP))
			return 1;
		if (!host && ((data ^ v->apic_base) & MSR_IA32_APICBASE_BSP))
			return 1;
		v->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		v->misc_enable = data;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		/* Read-only to the guest; userspace may offer less than supported. */
		if (!host || (data & ~kvmx86_arch_capabilities()))
			return 1;
		v->arch_capabilities = data;
		return 0;
	case MSR_IA32_UCODE_REV:
	case MSR_IA32_UCODE_WRITE:
	case MSR_AMD64_PATCH_LOADER:
	case MSR_K7_HWCR:
	case MSR_AMD64_DE_CFG:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_NB_CFG:
	case MSR_AMD64_DC_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_IA32_PERF_CTL:
	case MSR_IA32_POWER_CTL:
	case MSR_K7_EVNTSEL0 ... MSR_K7_PERFCTR3:
		/* Accepted and ignored, as the hardware's effects do not apply. */
		return 0;
	}
	if (!kvm_x86_mtrr_slot(index, &slot, v)) {
		*slot = data;
		return 0;
	}
	return kvm_x86_ops->set_msr(v, index, data, host);
}
EXPORT_SYMBOL_GPL(kvmx86_set_msr);

/*
 * A KVM_GET_MSRS/KVM_SET_MSRS batch: entries in order, stopping at the first
 * one @fn refuses; returns how many succeeded (Linux's semantics).  With
 * @copy_back the processed entries (their data) go back to userspace.
 */
long kvmx86_msr_batch(struct kvm_msrs __user *um, kvmx86_msr_fn fn, void *ctx, bool copy_back)
{
	struct kvm_msr_entry *entries;
	struct kvm_msrs head;
	u32 i;
	long r;

	if (copy_from_user(&head, um, sizeof(head)))
		return -EFAULT;
	if (head.nmsrs >= KVM_X86_MAX_IO_MSRS)
		return -E2BIG;
	entries = memdup_user(um->entries, array_size(head.nmsrs, sizeof(*entries)));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < head.nmsrs; i++)
		if (fn(ctx, &entries[i]))
			break;
	r = i;
	if (copy_back && copy_to_user(um->entries, entries, array_size(i, sizeof(*entries))))
		r = -EFAULT;
	kfree(entries);
	return r;
}

/* A KVM_GET_MSR_INDEX_LIST-style answer: E2BIG with the count when too small. */
long kvmx86_copy_msr_list(struct kvm_msr_list __user *ul, const u32 *list, u32 n)
{
	struct kvm_msr_list head;

	if (copy_from_user(&head, ul, sizeof(head)))
		return -EFAULT;
	if (copy_to_user(&ul->nmsrs, &n, sizeof(n)))
		return -EFAULT;
	if (head.nmsrs < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, list, array_size(n, sizeof(*list))))
		return -EFAULT;
	return 0;
}

static int vcpu_get_one(void *ctx, struct kvm_msr_entry *e)
{
	return kvmx86_get_msr(ctx, e->index, &e->data, true);
}

static int vcpu_set_one(void *ctx, struct kvm_msr_entry *e)
{
	return kvmx86_set_msr(ctx, e->index, e->data, true);
}

/* KVM_GET_MSRS / KVM_SET_MSRS on a vCPU. */
long kvmx86_vcpu_msrs_ioctl(struct kvm_x86_vcpu *v, struct kvm_msrs __user *um, bool set)
{
	return kvmx86_msr_batch(um, set ? vcpu_set_one : vcpu_get_one, v, !set);
}

long kvmx86_get_msr_index_list(struct kvm_msr_list __user *ul)
{
	return kvmx86_copy_msr_list(ul, kvm_x86_saved_msrs, ARRAY_SIZE(kvm_x86_saved_msrs));
}
