/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vpic: the two cascaded 8259A programmable interrupt controllers of a PC
 * (master at ports 0x20/0x21, slave at 0xa0/0xa1 on master IR2) and the PIIX
 * edge/level control registers (ELCR, ports 0x4d0/0x4d1).  After the Intel 8259A
 * datasheet.
 *
 * Locking: the model takes no lock.  The caller holds the PIC lock (one per VM)
 * around every call; ops->output_changed and ops->irq_acked are called with it
 * held and must not call back into this vpic.
 */
#ifndef KVM_VPIC_H
#define KVM_VPIC_H

#include "irqchip_ops.h"

#define VPIC_MASTER_CMD		0x20
#define VPIC_MASTER_DATA	0x21
#define VPIC_SLAVE_CMD		0xa0
#define VPIC_SLAVE_DATA		0xa1
#define VPIC_ELCR_MASTER	0x4d0
#define VPIC_ELCR_SLAVE		0x4d1

#define VPIC_CASCADE_IRQ	2	/* master input the slave's INT drives */

/*
 * State of one 8259A, in the layout of struct kvm_pic_state (KVM_GET_IRQCHIP chip
 * 0 = master, 1 = slave).
 */
struct vpic_chip_state {
	u8 last_irr;		/* input levels seen, for edge detection */
	u8 irr;			/* interrupt request register */
	u8 imr;			/* interrupt mask register */
	u8 isr;			/* in-service register */
	u8 priority_add;	/* IR number that has the highest priority */
	u8 irq_base;		/* ICW2: vector of IR0 */
	u8 read_reg_select;	/* OCW3 RIS: 1 = reads return ISR */
	u8 poll;		/* OCW3 poll command armed */
	u8 special_mask;	/* OCW3 special mask mode */
	u8 init_state;		/* 0 ready, 1-3 waiting for ICW2, ICW3, ICW4 */
	u8 auto_eoi;		/* ICW4 AEOI */
	u8 rotate_on_auto_eoi;	/* OCW2 rotate in automatic EOI mode */
	u8 special_fully_nested_mode;	/* ICW4 SFNM */
	u8 init4;		/* ICW1 IC4: an ICW4 follows */
	u8 elcr;		/* ELCR: 1 = level-triggered input */
	u8 elcr_mask;		/* ELCR bits that may be set */
};
_Static_assert(sizeof(struct vpic_chip_state) == 16, "kvm_pic_state is 16 bytes");
_Static_assert(offsetof(struct vpic_chip_state, init_state) == 9, "init_state at 9");
_Static_assert(offsetof(struct vpic_chip_state, elcr_mask) == 15, "elcr_mask at 15");

struct vpic {
	/* Guarded by the PIC lock. */
	struct vpic_chip_state chip[2];	/* [0] master, [1] slave */
	bool single[2];		/* ICW1 SNGL of the last init (not in the saved state) */
	bool output;		/* master INT line */

	const struct vpic_ops *ops;
	void *opaque;
};

void vpic_init(struct vpic *p, const struct vpic_ops *ops, void *opaque);
void vpic_reset(struct vpic *p);

/*
 * Byte access to one of the six ports above.  Returns false (and leaves *@val)
 * for any other port.
 */
bool vpic_ioport_read(struct vpic *p, u16 port, u8 *val);
bool vpic_ioport_write(struct vpic *p, u16 port, u8 val);

/*
 * ISA interrupt line @irq (0-15) is now at @level.  Edge inputs (ELCR bit 0)
 * request on a rising edge; level inputs request while high.  IRQ2 is the
 * cascade input and is ignored here (ISA IRQ2 is wired to IRQ9 on a PC).
 */
void vpic_set_irq(struct vpic *p, u32 irq, bool level);

/* Level of the master's INT output (true: an interrupt awaits INTA). */
bool vpic_output(const struct vpic *p);

/*
 * The vector vpic_intack() would return now, or -1 when the INT output is low.
 * Changes nothing.
 */
int vpic_pending_vector(const struct vpic *p);

/*
 * The INTA cycle: returns the vector of the highest-priority request and moves it
 * to service; a spurious request gives IRQ7's vector (master) or IRQ15's (slave).
 */
u8 vpic_intack(struct vpic *p);

/* KVM_GET_IRQCHIP / KVM_SET_IRQCHIP for chip @n (0 master, 1 slave). */
void vpic_get_state(const struct vpic *p, int n, struct vpic_chip_state *s);
void vpic_set_state(struct vpic *p, int n, const struct vpic_chip_state *s);

#endif /* KVM_VPIC_H */
