// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature MSRs: read-only MSRs that describe what a vCPU may be given rather
 * than vCPU state.  Userspace lists them with KVM_GET_MSR_FEATURE_INDEX_LIST and
 * reads their supported values with KVM_GET_MSRS on /dev/kvm, then sets the
 * values it chose on each vCPU with KVM_SET_MSRS.
 *
 * No locks: the values are computed from boot-time CPU facts.
 */
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include "x86.h"

static const u32 kvm_x86_feature_msrs[] = {
	MSR_IA32_ARCH_CAPABILITIES,
	MSR_IA32_UCODE_REV,
	MSR_AMD64_DE_CFG,
};

/*
 * IA32_ARCH_CAPABILITIES offered to guests.  The MSR is emulated on every host
 * (AMD CPUs have none) so that a guest learns which speculation bugs it need not
 * mitigate: the "not affected" bits are derived from the host's bug list, and
 * the few bits a host MSR can add are passed through when the host has them.
 */
u64 kvmx86_arch_capabilities(void)
{
	const u64 from_host = ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_RSBA |
			      ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO |
			      ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO |
			      ARCH_CAP_FB_CLEAR | ARCH_CAP_RRSBA | ARCH_CAP_PBRSB_NO |
			      ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO | ARCH_CAP_RFDS_CLEAR |
			      ARCH_CAP_ITS_NO;
	u64 caps = 0;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, caps);
	caps &= from_host;

	/* Changing page sizes never raises #MC in a guest: the NPT is ours. */
	caps |= ARCH_CAP_PSCHANGE_MC_NO;
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		caps |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		caps |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		caps |= ARCH_CAP_MDS_NO;
	/* TAA needs TSX: without RTM there is nothing to be "not affected" by. */
	if (!boot_cpu_has(X86_FEATURE_RTM))
		caps &= ~ARCH_CAP_TAA_NO;
	else if (!boot_cpu_has_bug(X86_BUG_TAA))
		caps |= ARCH_CAP_TAA_NO;
	/* No L1TF: no L1D flush is needed on entry, so the guest may skip its own. */
	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		caps |= ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
	if (!boot_cpu_has_bug(X86_BUG_ITS))
		caps |= ARCH_CAP_ITS_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS))
		caps |= ARCH_CAP_GDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		caps |= ARCH_CAP_RFDS_NO;
	return caps;
}

/* The supported value of one feature MSR; 1 if @index is not a feature MSR. */
int kvmx86_get_feature_msr(u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_ARCH_CAPABILITIES:
		*data = kvmx86_arch_capabilities();
		return 0;
	case MSR_IA32_UCODE_REV:
		/* The host's revision: errata work-arounds in the guest key on it. */
		if (rdmsrl_safe(MSR_IA32_UCODE_REV, data))
			*data = 0;
		return 0;
	case MSR_AMD64_DE_CFG:
		*data = boot_cpu_has(X86_FEATURE_LFENCE_RDTSC) ?
			MSR_AMD64_DE_CFG_LFENCE_SERIALIZE : 0;
		return 0;
	}
	return 1;
}

long kvmx86_get_msr_feature_index_list(struct kvm_msr_list __user *ul)
{
	return kvmx86_copy_msr_list(ul, kvm_x86_feature_msrs, ARRAY_SIZE(kvm_x86_feature_msrs));
}

static int feature_get_one(void *ctx, struct kvm_msr_entry *e)
{
	return kvmx86_get_feature_msr(e->index, &e->data);
}

/* KVM_GET_MSRS on /dev/kvm: entries in order, stopping at the first unknown MSR. */
long kvmx86_get_feature_msrs(struct kvm_msrs __user *um)
{
	return kvmx86_msr_batch(um, feature_get_one, NULL, true);
}
