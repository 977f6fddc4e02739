// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpic: 8259A pair.  The caller holds the PIC lock (see vpic.h).
 *
 * The slave's INT output is modelled as a level on master IR2: whenever the state
 * changes, update() recomputes the slave's output, copies it into master IRR bit 2,
 * then recomputes the master's output and reports a change through the ops.
 */
#include "vpic.h"

#define ICW1_IC4	0x01
#define ICW1_SNGL	0x02
#define ICW1_SELECT	0x10
#define OCW3_SELECT	0x08
#define OCW3_RIS	0x01
#define OCW3_RR		0x02
#define OCW3_POLL	0x04
#define OCW3_SMM	0x20
#define OCW3_ESMM	0x40
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10

/* OCW2 commands, bits 7:5 (8259A datasheet, OCW2 format). */
enum ocw2_cmd {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* Rank of @irq under the current rotation: 0 is the highest priority. */
static int rank(const struct vpic_chip_state *c, int irq)
{
	return (irq - c->priority_add) & 7;
}

/* The highest-priority IR among @bits, or -1. */
static int highest(const struct vpic_chip_state *c, u8 bits)
{
	int i;

	for (i = 0; i < 8; i++) {
		int irq = (c->priority_add + i) & 7;

		if (bits & (1u << irq))
			return irq;
	}
	return -1;
}

/* The request chip @n would present at INTA now, or -1 (its INT output is low). */
static int chip_request(const struct vpic *p, int n)
{
	const struct vpic_chip_state *c = &p->chip[n];
	int irq = highest(c, c->irr & ~c->imr), cur;
	u8 in_service = c->isr;

	if (irq < 0)
		return -1;
	if (c->special_mask)		/* masked levels do not block others */
		in_service &= ~c->imr;
	if (n == 0 && c->special_fully_nested_mode)	/* let the slave nest */
		in_service &= ~(1u << VPIC_CASCADE_IRQ);
	cur = highest(c, in_service);
	if (cur >= 0 && rank(c, irq) >= rank(c, cur))
		return -1;
	return irq;
}

static void update(struct vpic *p)
{
	struct vpic_chip_state *m = &p->chip[0];
	const u8 cascade = 1u << VPIC_CASCADE_IRQ;
	bool out;

	if (chip_request(p, 1) >= 0) {
		m->irr |= cascade;
		m->last_irr |= cascade;
	} else {
		m->irr &= ~cascade;
		m->last_irr &= ~cascade;
	}
	out = chip_request(p, 0) >= 0;
	if (out != p->output) {
		p->output = out;
		p->ops->output_changed(p->opaque, out);
	}
}

static void notify_acked(struct vpic *p, int n, int irq)
{
	if (p->ops->irq_acked && !(n == 0 && irq == VPIC_CASCADE_IRQ))
		p->ops->irq_acked(p->opaque, n * 8 + irq);
}

/* Take @irq of chip @n into service (INTA or poll). */
static void take(struct vpic *p, int n, int irq)
{
	struct vpic_chip_state *c = &p->chip[n];
	u8 bit = 1u << irq;

	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
		notify_acked(p, n, irq);
	} else {
		c->isr |= bit;
	}
	/* An edge request is consumed; a level one stays while the line is high. */
	if (!(c->elcr & bit) && !(n == 0 && irq == VPIC_CASCADE_IRQ))
		c->irr &= ~bit;
}

int vpic_pending_vector(const struct vpic *p)
{
	int irq = chip_request(p, 0), irq2;

	if (irq < 0)
		return -1;
	if (irq != VPIC_CASCADE_IRQ)
		return (u8)(p->chip[0].irq_base + irq);
	irq2 = chip_request(p, 1);
	return (u8)(p->chip[1].irq_base + (irq2 >= 0 ? irq2 : 7));
}

u8 vpic_intack(struct vpic *p)
{
	int irq = chip_request(p, 0), irq2;
	u8 vector;

	if (irq < 0) {
		vector = p->chip[0].irq_base + 7;	/* spurious IRQ7 */
	} else if (irq == VPIC_CASCADE_IRQ) {
		take(p, 0, irq);
		irq2 = chip_request(p, 1);
		if (irq2 >= 0) {
			take(p, 1, irq2);
			vector = p->chip[1].irq_base + irq2;
		} else {
			vector = p->chip[1].irq_base + 7;	/* spurious IRQ15 */
		}
	} else {
		take(p, 0, irq);
		vector = p->chip[0].irq_base + irq;
	}
	update(p);
	return vector;
}

bool vpic_output(const struct vpic *p)
{
	return p->output;
}

void vpic_set_irq(struct vpic *p, u32 irq, bool level)
{
	struct vpic_chip_state *c;
	u8 bit;

	if (irq > 15 || irq == VPIC_CASCADE_IRQ)
		return;
	c = &p->chip[irq >> 3];
	bit = 1u << (irq & 7);
	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->last_irr & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->last_irr |= bit;
	else
		c->last_irr &= ~bit;
	update(p);
}

static void eoi(struct vpic *p, int n, int irq, bool rotate)
{
	struct vpic_chip_state *c = &p->chip[n];

	if (irq < 0)
		return;
	c->isr &= ~(1u << irq);
	if (rotate)
		c->priority_add = (irq + 1) & 7;
	notify_acked(p, n, irq);
}

static void write_icw1(struct vpic *p, int n, u8 val)
{
	struct vpic_chip_state *c = &p->chip[n];

	/* ICW1 resets the edge sense, masks, priorities and read selection. */
	c->init_state = 1;
	c->init4 = val & ICW1_IC4;
	p->single[n] = val & ICW1_SNGL;
	c->irr &= c->elcr;
	c->imr = 0;
	c->isr = 0;
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	c->poll = 0;
	c->rotate_on_auto_eoi = 0;
	if (!c->init4) {
		c->auto_eoi = 0;
		c->special_fully_nested_mode = 0;
	}
}

static void write_ocw2(struct vpic *p, int n, u8 val)
{
	struct vpic_chip_state *c = &p->chip[n];
	int level = val & 7;

	switch ((enum ocw2_cmd)(val >> 5)) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_auto_eoi = 0;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_auto_eoi = 1;
		break;
	case OCW2_EOI:
		eoi(p, n, highest(c, c->isr), false);
		break;
	case OCW2_ROTATE_EOI:
		eoi(p, n, highest(c, c->isr), true);
		break;
	case OCW2_SPECIFIC_EOI:
		eoi(p, n, level, false);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		eoi(p, n, level, true);
		break;
	case OCW2_SET_PRIORITY:
		c->priority_add = (level + 1) & 7;
		break;
	case OCW2_NOP:
		break;
	}
}

static void write_cmd(struct vpic *p, int n, u8 val)
{
	struct vpic_chip_state *c = &p->chip[n];

	if (val & ICW1_SELECT) {
		write_icw1(p, n, val);
	} else if (val & OCW3_SELECT) {
		if (val & OCW3_POLL)
			c->poll = 1;
		if (val & OCW3_RR)
			c->read_reg_select = val & OCW3_RIS;
		if (val & OCW3_ESMM)
			c->special_mask = !!(val & OCW3_SMM);
	} else {
		write_ocw2(p, n, val);
	}
	update(p);
}

static void write_data(struct vpic *p, int n, u8 val)
{
	struct vpic_chip_state *c = &p->chip[n];

	switch (c->init_state) {
	case 0:				/* OCW1 */
		c->imr = val;
		update(p);
		break;
	case 1:				/* ICW2 */
		c->irq_base = val & 0xf8;
		if (!p->single[n])
			c->init_state = 2;
		else
			c->init_state = c->init4 ? 3 : 0;
		break;
	case 2:				/* ICW3: the cascade wiring is fixed */
		c->init_state = c->init4 ? 3 : 0;
		break;
	default:			/* ICW4 */
		c->auto_eoi = !!(val & ICW4_AEOI);
		c->special_fully_nested_mode = !!(val & ICW4_SFNM);
		c->init_state = 0;
		break;
	}
}

/* Poll command read: acts as INTA on this chip; bit 7 = request, bits 2:0 = level. */
static u8 poll_read(struct vpic *p, int n)
{
	int irq = chip_request(p, n);

	p->chip[n].poll = 0;
	if (irq < 0)
		return 0;
	take(p, n, irq);
	update(p);
	return 0x80 | irq;
}

bool vpic_ioport_read(struct vpic *p, u16 port, u8 *val)
{
	int n = (port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA) ? 1 : 0;
	struct vpic_chip_state *c = &p->chip[n];

	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD:
		if (c->poll)
			*val = poll_read(p, n);
		else
			*val = c->read_reg_select ? c->isr : c->irr;
		return true;
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA:
		*val = c->poll ? poll_read(p, n) : c->imr;
		return true;
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		*val = p->chip[port & 1].elcr;
		return true;
	default:
		return false;
	}
}

bool vpic_ioport_write(struct vpic *p, u16 port, u8 val)
{
	switch (port) {
	case VPIC_MASTER_CMD:
		write_cmd(p, 0, val);
		return true;
	case VPIC_SLAVE_CMD:
		write_cmd(p, 1, val);
		return true;
	case VPIC_MASTER_DATA:
		write_data(p, 0, val);
		return true;
	case VPIC_SLAVE_DATA:
		write_data(p, 1, val);
		return true;
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		p->chip[port & 1].elcr = val & p->chip[port & 1].elcr_mask;
		update(p);
		return true;
	default:
		return false;
	}
}

void vpic_reset(struct vpic *p)
{
	int n;

	for (n = 0; n < 2; n++) {
		memset(&p->chip[n], 0, sizeof(p->chip[n]));
		p->single[n] = false;
	}
	/* PIIX: IRQ0, 1, 2, 8 and 13 are always edge-triggered. */
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
	update(p);
}

void vpic_init(struct vpic *p, const struct vpic_ops *ops, void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->opaque = opaque;
	vpic_reset(p);
}

void vpic_get_state(const struct vpic *p, int n, struct vpic_chip_state *s)
{
	*s = p->chip[n & 1];
}

void vpic_set_state(struct vpic *p, int n, const struct vpic_chip_state *s)
{
	struct vpic_chip_state *c = &p->chip[n & 1];
	u8 mask = c->elcr_mask;

	*c = *s;
	c->elcr_mask = mask;		/* fixed by the board */
	c->elcr &= mask;
	c->priority_add &= 7;
	c->irq_base &= 0xf8;
	if (c->init_state > 3)
		c->init_state = 0;
	update(p);
}
