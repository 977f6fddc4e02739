/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel irqchip glue: the kernel side of the pure models in irqchip/
 * (vlapic, vioapic, vpic).  One struct kvmx86_irqchip per VM once
 * KVM_CREATE_IRQCHIP (or KVM_CAP_SPLIT_IRQCHIP) ran, one struct kvmx86_lapic per
 * vCPU created after that.  Documentation/virt/kvm/irqchip.rst describes the
 * models and the duties of this glue.
 *
 * Lock order (outermost first), after vcpu->mutex and vm->lock:
 *   chip->pic_lock -> chip->ioapic_lock -> chip->map_lock -> lapic->lock
 * All four are taken with interrupts disabled (irqsave): deliveries may come
 * from irqfd wake-ups in atomic context.  A LAPIC's own register writes that
 * send an IPI or broadcast an EOI park the message in the LAPIC (ipi / eoi
 * slots, guarded by lapic->lock) and act on it after dropping lapic->lock.
 */
#ifndef KVM_X86_IRQ_H
#define KVM_X86_IRQ_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/kvm_iobus.h>
#include "x86.h"
#include "irqchip/vlapic.h"
#include "irqchip/vioapic.h"
#include "irqchip/vpic.h"

enum kvmx86_irqchip_mode {
	KVMX86_IRQCHIP_NONE,
	KVMX86_IRQCHIP_KERNEL,	/* KVM_CREATE_IRQCHIP: PIC, IOAPIC and LAPICs in the kernel */
	KVMX86_IRQCHIP_SPLIT,	/* KVM_CAP_SPLIT_IRQCHIP: only the LAPICs in the kernel */
};

/* Number of level sources a line remembers (KVM_IRQ_SOURCE_* ids). */
#define KVMX86_IRQ_SOURCES	BITS_PER_LONG

struct kvmx86_lapic;

struct kvmx86_irqchip {
	struct kvm_vm *vm;
	enum kvmx86_irqchip_mode mode;	/* set once, before chip is published */
	u32 split_routes;		/* KVM_CAP_SPLIT_IRQCHIP args[0] */

	spinlock_t pic_lock;
	struct vpic pic;			/* pic_lock */
	unsigned long pic_sources[16];		/* asserting source ids per ISA line; pic_lock */
	u16 pic_acked;				/* IRQs left service, to notify; pic_lock */

	spinlock_t ioapic_lock;
	struct vioapic ioapic;			/* ioapic_lock */
	unsigned long ioapic_sources[VIOAPIC_NUM_PINS];	/* per pin; ioapic_lock */
	u32 ioapic_acked;			/* pins EOIed, to notify; ioapic_lock */

	/*
	 * Writers: vCPU creation and every change of a LAPIC's ID, LDR, DFR, SVR
	 * or APIC base (write mode); readers: destination lookups (read mode).
	 */
	rwlock_t map_lock;
	u32 nr_lapics;				/* map_lock */
	struct kvmx86_lapic **lapic;		/* [vcpu->index]; map_lock */
	struct vlapic **vl;			/* same order, for vlapic_dest_set() */

	struct kvm_io_device lapic_mmio;	/* 0xfee00000, dispatches to the vCPU's LAPIC */
	struct kvm_io_device ioapic_mmio;
	struct kvm_io_device pic_pio[3];	/* 0x20, 0xa0, 0x4d0: two ports each */
	bool lapic_mmio_on, ioapic_mmio_on;	/* registered on the MMIO bus */
	u8 pic_pio_on;				/* bit i: pic_pio[i] registered */
};

struct kvmx86_lapic {
	spinlock_t lock;
	struct vlapic vl;			/* lock */
	struct kvm_x86_vcpu *v;
	struct kvmx86_irqchip *chip;
	struct hrtimer timer;
	atomic_t timer_expired;			/* set by the hrtimer, taken by the vCPU */

	/* Work parked under lock by the model's callbacks (at most one of each). */
	bool ipi_queued;			/* lock */
	struct irq_msg ipi;
	bool eoi_queued;			/* lock */
	u8 eoi_vector;
	bool eoi_level;

	bool from_pic;				/* vCPU thread: pending vector is the PIC's */
	bool from_user;				/* vCPU thread: ... or the userspace PIC's */
	int user_extint;			/* vcpu->mutex: KVM_INTERRUPT vector (split), or -1 */
	int user_eoi;				/* vCPU thread: KVM_EXIT_IOAPIC_EOI vector, or -1 */
	u64 vapic_addr;				/* vcpu->mutex: KVM_SET_VAPIC_ADDR, 0 = off */
	bool vapic_live;			/* vcpu->mutex: the guest ran with the page */
};

/* The VM's irqchip, or NULL before KVM_CREATE_IRQCHIP / split enable. */
static inline struct kvmx86_irqchip *kvmx86_irqchip(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;

	return smp_load_acquire(&xvm->irqchip);
}

/* irq_lapic.c */
int kvmx86_irq_deliver(struct kvmx86_irqchip *chip, const struct irq_msg *msg, int source);
/* kvmx86_irq_deliver() source of IOAPIC messages (MSIs use -1). */
#define KVMX86_IRQ_FROM_IOAPIC	(-2)
int kvmx86_lapic_get_state(struct kvm_x86_vcpu *v, struct kvm_lapic_state *s);
int kvmx86_lapic_set_state(struct kvm_x86_vcpu *v, const struct kvm_lapic_state *s);
extern const struct kvm_io_device_ops kvmx86_lapic_mmio_ops;

/* irq_chip.c */
void kvmx86_irqchip_notify_acks(struct kvmx86_irqchip *chip);
void kvmx86_irqchip_ioapic_eoi(struct kvmx86_irqchip *chip, u8 vector);
int kvmx86_irqchip_pic_vector(struct kvmx86_irqchip *chip);
u8 kvmx86_irqchip_pic_intack(struct kvmx86_irqchip *chip);
int kvmx86_irqchip_set_pin(struct kvm_vm *vm, u32 irqchip, u32 pin, int source, int level);
bool kvmx86_irqchip_pin_masked(struct kvm_vm *vm, u32 irqchip, u32 pin);
int kvmx86_irqchip_msi(struct kvm_vm *vm, u32 address_lo, u32 address_hi, u32 data);

/* irq_route.c: the bridge to the core's GSI routing (virt/kvm). */
int kvmx86_irq_routing_init(struct kvm_vm *vm, bool full_irqchip);
void kvmx86_irq_acked(struct kvm_vm *vm, u32 irqchip, u32 pin);

#endif /* KVM_X86_IRQ_H */
