// SPDX-License-Identifier: GPL-2.0-only
/*
 * Temporary architecture side of GSI routing (<linux/kvm_irq.h>) for as long as
 * x86 has no in-kernel irqchip: no VM ever has one, so every route fails with
 * -ENXIO and the core's interrupt ioctls answer as Linux does without an
 * irqchip.  The in-kernel irqchip replaces this file (and deletes it).
 */
#include <linux/kvm_arch.h>
#include <linux/kvm_irq.h>

int kvm_arch_set_irq_route(struct kvm_vm *vm, const struct kvm_irq_route *r, int source,
			   int level, bool line_status)
{
	return -ENXIO;
}

bool kvm_arch_irqchip_in_kernel(struct kvm_vm *vm)
{
	return false;
}

bool kvm_arch_lapic_in_kernel(struct kvm_vm *vm)
{
	return false;
}
