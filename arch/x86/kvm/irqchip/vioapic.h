/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vioapic: model of one I/O APIC, after the Intel 82093AA datasheet (version 0x11,
 * 24 redirection entries).
 *
 * Locking: the model takes no lock.  The caller holds this IOAPIC's lock (one per
 * instance) around every call.  ops->deliver is called with that lock held and
 * takes the destination LAPICs' locks itself; an EOI coming back from a LAPIC
 * (vlapic_ops.eoi_broadcast) must reach vioapic_eoi() after the LAPIC lock is dropped
 * or in the order IOAPIC lock -> LAPIC lock, never the reverse.
 */
#ifndef KVM_VIOAPIC_H
#define KVM_VIOAPIC_H

#include "irqchip_ops.h"

#define VIOAPIC_NUM_PINS	24
#define VIOAPIC_DEFAULT_BASE	0xfec00000ull

/* Direct registers, offsets from the base address (82093AA section 3.1). */
#define VIOAPIC_IOREGSEL	0x00
#define VIOAPIC_IOWIN		0x10

/* Indirect registers selected through IOREGSEL (82093AA section 3.2). */
#define VIOAPIC_IND_ID		0x00
#define VIOAPIC_IND_VERSION	0x01
#define VIOAPIC_IND_ARB		0x02
#define VIOAPIC_IND_REDTBL	0x10	/* entry n: low dword 0x10 + 2n, high 0x11 + 2n */

#define VIOAPIC_VERSION_VALUE	(((VIOAPIC_NUM_PINS - 1u) << 16) | 0x11u)

/* Redirection table entry bits (82093AA section 3.2.4). */
#define VIOAPIC_RTE_VECTOR	0xffull
#define VIOAPIC_RTE_DM_SHIFT	8
#define VIOAPIC_RTE_LOGICAL	(1ull << 11)
#define VIOAPIC_RTE_DELIVS	(1ull << 12)
#define VIOAPIC_RTE_POLARITY	(1ull << 13)
#define VIOAPIC_RTE_REMOTE_IRR	(1ull << 14)
#define VIOAPIC_RTE_LEVEL	(1ull << 15)
#define VIOAPIC_RTE_MASKED	(1ull << 16)
#define VIOAPIC_RTE_DEST_SHIFT	56

/* struct kvm_ioapic_state of KVM_GET_IRQCHIP / KVM_SET_IRQCHIP. */
struct vioapic_state {
	u64 base_address;
	u32 ioregsel;
	u32 id;			/* the 4-bit ID, unshifted */
	u32 irr;		/* input lines currently asserted */
	u32 pad;
	u64 redirtbl[VIOAPIC_NUM_PINS];
};
_Static_assert(sizeof(struct vioapic_state) == 216, "kvm_ioapic_state is 216 bytes");
_Static_assert(offsetof(struct vioapic_state, ioregsel) == 8, "ioregsel at 8");
_Static_assert(offsetof(struct vioapic_state, irr) == 16, "irr at 16");
_Static_assert(offsetof(struct vioapic_state, redirtbl) == 24, "redirtbl at 24");

struct vioapic {
	/* Guarded by this IOAPIC's lock. */
	u64 base_address;
	u32 ioregsel;
	u32 id;
	u32 irr;		/* asserted input lines (logical level, polarity applied) */
	u64 redir[VIOAPIC_NUM_PINS];
	u64 delivered;		/* statistics: messages handed to ops->deliver */

	const struct vioapic_ops *ops;
	void *opaque;
};

void vioapic_init(struct vioapic *io, const struct vioapic_ops *ops, void *opaque);
/* Power-up state: every entry masked, ID 0, nothing asserted. */
void vioapic_reset(struct vioapic *io);

/*
 * MMIO at @offset from the base address.  IOREGSEL and IOWIN take accesses of 1 to
 * 4 bytes (bytes beyond the register read as 0); everything else reads 0 and
 * ignores writes.  Always claimed.
 */
void vioapic_mmio_read(struct vioapic *io, u32 offset, void *data, u32 len);
void vioapic_mmio_write(struct vioapic *io, u32 offset, const void *data, u32 len);

/*
 * Input @pin is now asserted (@level true) or not.  @level is the logical
 * assertion: the platform (KVM_IRQ_LINE, irqfd) has already applied polarity.
 * Edge entries deliver on the rising edge; level entries deliver while asserted
 * and not waiting for an EOI (remote IRR clear).  Out-of-range pins are ignored.
 */
void vioapic_set_irq(struct vioapic *io, u32 pin, bool level);

/*
 * A LAPIC broadcast the EOI of @vector: report every pin with that vector to
 * ops->pin_acked, clear remote IRR of the level entries with it, and deliver
 * again those whose line is still asserted.
 */
void vioapic_eoi(struct vioapic *io, u8 vector);

/* Decode redirection entry @pin into the message it would send. */
void vioapic_entry_msg(const struct vioapic *io, u32 pin, struct irq_msg *msg);

void vioapic_get_state(const struct vioapic *io, struct vioapic_state *s);
/* Level entries asserted, unmasked and without remote IRR are delivered at once. */
void vioapic_set_state(struct vioapic *io, const struct vioapic_state *s);

#endif /* KVM_VIOAPIC_H */
