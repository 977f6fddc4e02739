// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stand-ins for the in-kernel local APIC hooks of x86.h until the irqchip code
 * lands: there is no LAPIC in the kernel, so the run loop sees no interrupt of
 * its own and never blocks in HLT.  Whoever lands the real LAPIC deletes this
 * file.
 *
 * No locks.
 */
#include "x86.h"

bool kvmx86_lapic_in_kernel(struct kvm_x86_vcpu *v)
{
	return false;
}

int kvmx86_lapic_pending_irq(struct kvm_x86_vcpu *v)
{
	return -1;
}

void kvmx86_lapic_accept_irq(struct kvm_x86_vcpu *v, int vector)
{
}

void kvmx86_lapic_set_cr8(struct kvm_x86_vcpu *v, u64 cr8)
{
}

u64 kvmx86_lapic_get_cr8(struct kvm_x86_vcpu *v)
{
	return 0;
}

int kvmx86_lapic_before_entry(struct kvm_x86_vcpu *v)
{
	return KVM_EXIT_ACTION_RESUME;
}
