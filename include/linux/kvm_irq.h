/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GSI routing and interrupt injection: the generic core's side (virt/kvm/
 * irq_routing.c, irqfd.c) and what it needs from the architecture.
 *
 * A GSI (global system interrupt number, what KVM_IRQ_LINE and KVM_IRQFD name)
 * maps through the VM's routing table to at most one route per irqchip, or to
 * exactly one MSI.  KVM_SET_GSI_ROUTING replaces the whole table at once;
 * injections look it up inside an SRCU read section and never sleep, so
 * kvm_set_irq() may be called from any context where the architecture's
 * kvm_arch_set_irq_route() may be.
 *
 * The architecture side (declared in <linux/kvm_arch.h>):
 *   kvm_arch_set_irq_route()      drive one route's target (irqchip pin or MSI)
 *   kvm_arch_irqchip_in_kernel()  PIC + IOAPIC + LAPIC in the kernel
 *   kvm_arch_lapic_in_kernel()    LAPIC in the kernel (full or split irqchip)
 */
#ifndef KVM_IRQ_H
#define KVM_IRQ_H

#include <linux/types.h>

struct kvm_vm;

/* Largest routing table (as Linux); also the bound on GSI numbers. */
#define KVM_MAX_IRQ_ROUTES	4096

/*
 * Source ids of level-triggered line assertions: a line is high while any
 * source holds it high (the irqchip keeps one bit per source).
 */
#define KVM_IRQ_SOURCE_USER	0	/* KVM_IRQ_LINE, KVM_SIGNAL_MSI, edge irqfds */
#define KVM_IRQ_SOURCE_RESAMPLE	1	/* irqfds with KVM_IRQFD_FLAG_RESAMPLE */
#define KVM_IRQ_SOURCE_PIT	2	/* the in-kernel PIT */

/* One route of a GSI, as the core hands it to the architecture. */
struct kvm_irq_route {
	u32 gsi;
	u32 type;			/* KVM_IRQ_ROUTING_IRQCHIP or KVM_IRQ_ROUTING_MSI */
	union {
		struct {
			u32 irqchip;	/* KVM_IRQCHIP_* */
			u32 pin;	/* the irqchip's own pin: 0-7 for each PIC */
		} chip;
		struct {
			u32 address_lo, address_hi, data, flags, devid;
		} msi;
	};
};

/*
 * Set every route of gsi to level (1 asserts, 0 deasserts; MSI routes fire on
 * 1 and ignore 0) on behalf of source.  Returns what KVM_IRQ_LINE_STATUS
 * reports: the sum of the routes' positive results (> 0 delivered, 0 coalesced
 * or masked), or -1 when gsi has no route or none of them took it.
 * Any context that may call kvm_arch_set_irq_route(); does not sleep itself.
 */
int kvm_set_irq(struct kvm_vm *vm, int source, u32 gsi, int level, bool line_status);

/*
 * Install the default table: GSI 0-15 to the IOAPIC pin of the same number and
 * to the PIC pin (master for 0-7, slave for 8-15, pin gsi % 8), GSI 16-23 to
 * the IOAPIC only.  Caller: the architecture's KVM_CREATE_IRQCHIP, process
 * context.  Returns 0 or -ENOMEM.
 */
int kvm_irq_routing_set_default(struct kvm_vm *vm);

/*
 * The guest has EOIed a level-triggered pin of irqchip (IOAPIC EOI, PIC
 * acknowledge of a level IRQ).  Lowers the line of the irqfd resamplers routed
 * there (kvm_arch_set_irq_route() with level 0 and KVM_IRQ_SOURCE_RESAMPLE for
 * the same pin, before this returns) and signals their resamplefds.  Must be
 * called with none of the irqchip's own locks held; does not sleep.
 */
void kvm_irq_notify_ack(struct kvm_vm *vm, u32 irqchip, u32 pin);

/*
 * The GSI whose route drives pin of irqchip in the current table, or -1.  For
 * in-kernel devices that watch acknowledgements of their own GSI (the PIT).
 * Any context; does not sleep.
 */
int kvm_irq_pin_gsi(struct kvm_vm *vm, u32 irqchip, u32 pin);

#endif /* KVM_IRQ_H */
