// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-intel.ko: the Intel VMX backend.
 *
 * What exists today is the detection at load time: the module refuses to load,
 * with a message saying why, on a CPU without VMX or where the firmware has
 * locked VMX off (IA32_FEATURE_CONTROL), or without EPT and unrestricted guest.
 * Turning VMX on and running guests is not implemented yet, so even on a capable
 * CPU the module declines to load rather than register a backend that cannot
 * run anything.
 */
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>

/* IA32_FEATURE_CONTROL (Intel SDM vol. 3, 23.7). */
#define VMX_FEAT_CTL_LOCKED		(1ULL << 0)
#define VMX_FEAT_CTL_VMX_OUTSIDE_SMX	(1ULL << 2)

static int __init vmx_init(void)
{
	u64 feat;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("kvm-intel: this CPU has no Intel VMX; not loading\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    ((feat & VMX_FEAT_CTL_LOCKED) && !(feat & VMX_FEAT_CTL_VMX_OUTSIDE_SMX))) {
		pr_err("kvm-intel: VMX is disabled by the firmware (IA32_FEATURE_CONTROL); not loading\n");
		return -EOPNOTSUPP;
	}
	pr_err("kvm-intel: the VMX backend cannot run guests yet; not loading\n");
	return -EOPNOTSUPP;
}

static void __exit vmx_exit(void)
{
}

module_init(vmx_init);
module_exit(vmx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-based virtual machine: Intel VMX backend (detection only)");
