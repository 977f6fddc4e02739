/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared vocabulary of the interrupt controller and timer models (vlapic, vioapic,
 * vpic, vpit): the interrupt message that travels between them, and the callback
 * tables through which each model talks to its platform (the kernel glue, or a
 * host unit test with a fake clock).
 *
 * The models never lock, never allocate and never sleep.  Every callback is made
 * with the caller's device lock still held, so a callback must not call back into
 * the same device instance; it may take the lock of another device instance only
 * in the order PIT -> PIC -> IOAPIC -> LAPIC (Documentation/virt/kvm/irqchip.rst),
 * and defers anything that would go against it.
 */
#ifndef KVM_IRQCHIP_OPS_H
#define KVM_IRQCHIP_OPS_H

#include "pure_env.h"

/* Delivery modes, as encoded in ICR[10:8], LVT[10:8], IOAPIC RTE[10:8], MSI data[10:8]. */
#define IRQ_DM_FIXED		0
#define IRQ_DM_LOWEST		1
#define IRQ_DM_SMI		2
#define IRQ_DM_REMRD		3	/* remote read: obsolete, never delivered */
#define IRQ_DM_NMI		4
#define IRQ_DM_INIT		5
#define IRQ_DM_SIPI		6
#define IRQ_DM_EXTINT		7

/* Destination shorthands, ICR[19:18]. */
#define IRQ_SH_NONE		0
#define IRQ_SH_SELF		1
#define IRQ_SH_ALL		2
#define IRQ_SH_OTHERS		3

/* Broadcast destination IDs. */
#define IRQ_XAPIC_BROADCAST	0xffu
#define IRQ_X2APIC_BROADCAST	0xffffffffu

/* Error codes returned by the models; equal to the kernel's negative errno values. */
#define IRQCHIP_EINVAL		(-22)

/*
 * One interrupt message: what an ICR write, an IOAPIC redirection entry or an MSI
 * carries to the local APICs.  @dest is an 8-bit xAPIC ID / MDA, or a 32-bit x2APIC
 * ID / logical ID when the targets are in x2APIC mode.
 */
struct irq_msg {
	u32 dest;
	u8 vector;
	u8 delivery_mode;	/* IRQ_DM_* */
	u8 shorthand;		/* IRQ_SH_*; always IRQ_SH_NONE for IOAPIC and MSI */
	bool dest_logical;
	bool dest_x2apic;	/* @dest is a 32-bit x2APIC destination (ICR of an x2APIC) */
	bool level_trigger;	/* trigger mode: true = level */
	bool assert;		/* level bit: false only for an INIT level de-assert IPI */
};

struct vlapic;

/*
 * Platform callbacks of one local APIC.  @opaque is the value given to vlapic_init
 * (the glue's vCPU).  All times are nanoseconds of one monotonic clock.
 */
struct vlapic_ops {
	/* Current time of the monotonic clock. */
	u64 (*now_ns)(void *opaque);
	/* Current guest TSC value (used only in TSC-deadline mode). */
	u64 (*read_tsc)(void *opaque);
	/*
	 * Arm (or re-arm, replacing any previous expiry) the APIC timer so that
	 * vlapic_timer_expired() is called once at or after absolute time @expire_ns.
	 */
	void (*timer_arm)(void *opaque, u64 expire_ns);
	/* Cancel the armed timer, if any; a late vlapic_timer_expired() is harmless. */
	void (*timer_cancel)(void *opaque);
	/*
	 * Send an IPI written to the ICR (or SELF_IPI); @msg points to a temporary.
	 * Called with this LAPIC's lock held, so the platform must not take another
	 * LAPIC's lock here (two vCPUs IPIing each other would deadlock): it copies
	 * @msg and, after dropping this lock, computes the destinations with
	 * vlapic_dest_set() and calls vlapic_deliver() on each under that LAPIC's
	 * lock, kicking those for which it returns true.  One register write sends
	 * at most one message, so one slot per vCPU is enough.
	 */
	void (*send_ipi)(void *opaque, struct vlapic *lapic, const struct irq_msg *msg);
	/*
	 * The guest EOIed @vector, which was accepted level-triggered (@level: its
	 * TMR bit was set) or is in the notify set (vlapic_set_eoi_notify(): edge
	 * IOAPIC pins with ack notifiers, such as the PIT's): broadcast the EOI to
	 * the IOAPIC(s) with vioapic_eoi().  Called with this LAPIC's lock held; the
	 * IOAPIC lock comes before LAPIC locks, so the platform records the vector
	 * and calls vioapic_eoi() after dropping this lock (at most one EOI per
	 * register write).
	 */
	void (*eoi_broadcast)(void *opaque, u8 vector, bool level);
};

/* Platform callbacks of one IOAPIC; @opaque is the value given to vioapic_init. */
struct vioapic_ops {
	/*
	 * Deliver @msg to the local APICs it addresses.  Returns the number of
	 * LAPICs that accepted it (0 if none).  Level-triggered messages that are
	 * accepted set the entry's remote IRR until the matching EOI.
	 */
	int (*deliver)(void *opaque, const struct irq_msg *msg);
	/*
	 * Optional (may be NULL): an EOI for the vector of pin @pin arrived
	 * (vioapic_eoi()), edge or level.  The glue runs its ack notifiers for the
	 * pin's GSI from here (PIT reinjection, irqfd resampling), deferred until
	 * the IOAPIC lock is dropped.
	 */
	void (*pin_acked)(void *opaque, u32 pin);
};

/* Platform callbacks of one pair of 8259 PICs. */
struct vpic_ops {
	/*
	 * The INTR output of the master changed to @level.  On a rising edge the
	 * platform kicks the vCPU that takes PIC interrupts (normally the BSP, when
	 * vlapic_accepts_pic_intr() says so), which later calls vpic_intack().
	 */
	void (*output_changed)(void *opaque, bool level);
	/*
	 * Optional (may be NULL): @irq (0-15) left service, by an EOI command or at
	 * INTA in auto-EOI mode.  The glue runs its IRQ ack notifiers from here (PIT
	 * reinjection, irqfd resampling).
	 */
	void (*irq_acked)(void *opaque, u32 irq);
};

/* Platform callbacks of one 8254 PIT. */
struct vpit_ops {
	u64 (*now_ns)(void *opaque);
	/* Arm (replacing any previous expiry) the channel 0 timer: vpit_timer_expired(). */
	void (*timer_arm)(void *opaque, u64 expire_ns);
	void (*timer_cancel)(void *opaque);
	/*
	 * Drive IRQ0 (PIC IR0 and IOAPIC pin 2 on a PC) to @level.  The model
	 * pulses it (1 then 0) once per injected tick.
	 */
	void (*set_irq0)(void *opaque, bool level);
};

/*
 * a * b / c without overflow of the intermediate product as long as
 * (a % c) * b fits in 64 bits (true for every use here: b <= 10^9, c <= 2^32),
 * saturating at U64_MAX.  No 128-bit division: libgcc is not in the kernel.
 */
static inline u64 irqchip_muldiv(u64 a, u64 b, u64 c)
{
	u64 q = a / c, r = a % c;

	if (b && q > ~0ULL / b)
		return ~0ULL;
	q *= b;
	r = r * b / c;
	if (q + r < q)
		return ~0ULL;
	return q + r;
}

#endif /* KVM_IRQCHIP_OPS_H */
