// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bridge between the in-kernel irqchip and the core's GSI routing
 * (<linux/kvm_irq.h>): the architecture side of a route (an irqchip pin or an
 * MSI), the default table at KVM_CREATE_IRQCHIP, and ack notifications for the
 * irqfd resamplers and the PIT.  No lock of its own; the irqchip's locks are taken inside
 * irq_chip.c and none is held when the core is called back.
 */
#include <linux/kvm_arch.h>
#include <linux/kvm_irq.h>
#include "irq.h"

int kvm_arch_set_irq_route(struct kvm_vm *vm, const struct kvm_irq_route *r, int source,
			   int level, bool line_status)
{
	switch (r->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		return kvmx86_irqchip_set_pin(vm, r->chip.irqchip, r->chip.pin, source, level);
	case KVM_IRQ_ROUTING_MSI:
		/* An MSI is a write: only the assertion means something (as Linux). */
		if (!level)
			return -1;
		return kvmx86_irqchip_msi(vm, r->msi.address_lo, r->msi.address_hi, r->msi.data);
	default:
		return -EINVAL;
	}
}

bool kvm_arch_irqchip_in_kernel(struct kvm_vm *vm)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vm);

	return chip && chip->mode == KVMX86_IRQCHIP_KERNEL;
}

bool kvm_arch_lapic_in_kernel(struct kvm_vm *vm)
{
	return kvmx86_irqchip(vm);
}

/* KVM_CREATE_IRQCHIP: Linux's default table; the split irqchip starts with none. */
int kvmx86_irq_routing_init(struct kvm_vm *vm, bool full_irqchip)
{
	return full_irqchip ? kvm_irq_routing_set_default(vm) : 0;
}

/* A pin left service: irqfd resamplers (core) and PIT reinjection (irq_pit.c). */
void kvmx86_irq_acked(struct kvm_vm *vm, u32 irqchip, u32 pin)
{
	kvm_irq_notify_ack(vm, irqchip, pin);
	kvmx86_pit_irq_acked(vm, irqchip, pin);
}
