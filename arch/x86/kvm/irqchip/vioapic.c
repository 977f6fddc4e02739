// SPDX-License-Identifier: GPL-2.0-only
/*
 * vioapic: I/O APIC model.  The caller holds the IOAPIC lock (see vioapic.h);
 * nothing here locks.  Delivery is instantaneous: the delivery status bit is
 * never seen set, and remote IRR is set when a level message was accepted.
 */
#include "vioapic.h"

/* Writable bits of the low dword of an entry: all but delivery status and remote IRR. */
#define RTE_LOW_WRITABLE	0x0001afffull

static bool entry_level(u64 rte)
{
	return rte & VIOAPIC_RTE_LEVEL;
}

void vioapic_entry_msg(const struct vioapic *io, u32 pin, struct irq_msg *msg)
{
	u64 rte = io->redir[pin];

	memset(msg, 0, sizeof(*msg));
	msg->dest = rte >> VIOAPIC_RTE_DEST_SHIFT;
	msg->vector = rte & VIOAPIC_RTE_VECTOR;
	msg->delivery_mode = (rte >> VIOAPIC_RTE_DM_SHIFT) & 7;
	msg->dest_logical = rte & VIOAPIC_RTE_LOGICAL;
	msg->level_trigger = entry_level(rte);
	msg->assert = true;
}

/* Send the message of @pin if the entry allows it now. */
static void service(struct vioapic *io, u32 pin)
{
	u64 *rte = &io->redir[pin];
	struct irq_msg msg;
	int accepted;

	if (*rte & VIOAPIC_RTE_MASKED)
		return;
	if (entry_level(*rte) && (*rte & VIOAPIC_RTE_REMOTE_IRR))
		return;
	vioapic_entry_msg(io, pin, &msg);
	io->delivered++;
	accepted = io->ops->deliver(io->opaque, &msg);
	if (entry_level(*rte) && accepted > 0)
		*rte |= VIOAPIC_RTE_REMOTE_IRR;
}

void vioapic_set_irq(struct vioapic *io, u32 pin, bool level)
{
	u32 bit;
	bool was;

	if (pin >= VIOAPIC_NUM_PINS)
		return;
	bit = 1u << pin;
	was = io->irr & bit;
	if (!level) {
		io->irr &= ~bit;
		return;
	}
	io->irr |= bit;
	/* Edge: only a rising edge counts (and is lost while masked). */
	if (entry_level(io->redir[pin]) || !was)
		service(io, pin);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	u32 pin;

	for (pin = 0; pin < VIOAPIC_NUM_PINS; pin++) {
		u64 *rte = &io->redir[pin];

		if ((*rte & VIOAPIC_RTE_VECTOR) != vector)
			continue;
		if (io->ops->pin_acked)
			io->ops->pin_acked(io->opaque, pin);
		if (!entry_level(*rte) || !(*rte & VIOAPIC_RTE_REMOTE_IRR))
			continue;
		*rte &= ~VIOAPIC_RTE_REMOTE_IRR;
		if (io->irr & (1u << pin))
			service(io, pin);
	}
}

static u32 read_indirect(const struct vioapic *io, u32 reg)
{
	u32 pin;

	switch (reg) {
	case VIOAPIC_IND_ID:
	case VIOAPIC_IND_ARB:		/* arbitration ID mirrors the ID */
		return (io->id & 0xf) << 24;
	case VIOAPIC_IND_VERSION:
		return VIOAPIC_VERSION_VALUE;
	default:
		if (reg < VIOAPIC_IND_REDTBL)
			return 0;
		pin = (reg - VIOAPIC_IND_REDTBL) >> 1;
		if (pin >= VIOAPIC_NUM_PINS)
			return 0;
		return (reg & 1) ? io->redir[pin] >> 32 : (u32)io->redir[pin];
	}
}

static void write_redir(struct vioapic *io, u32 pin, bool high, u32 val)
{
	u64 *rte = &io->redir[pin];

	if (high) {
		*rte = (*rte & 0xffffffffull) | ((u64)val << 32);
		return;
	}
	*rte = (*rte & ~RTE_LOW_WRITABLE) | (val & RTE_LOW_WRITABLE);
	*rte &= ~VIOAPIC_RTE_DELIVS;
	if (!entry_level(*rte))
		*rte &= ~VIOAPIC_RTE_REMOTE_IRR;	/* remote IRR is undefined for edge */
	/* A level line left asserted is delivered once the entry allows it. */
	if (entry_level(*rte) && (io->irr & (1u << pin)))
		service(io, pin);
}

static void write_indirect(struct vioapic *io, u32 reg, u32 val)
{
	u32 pin;

	if (reg == VIOAPIC_IND_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < VIOAPIC_IND_REDTBL)
		return;		/* version and arbitration are read-only */
	pin = (reg - VIOAPIC_IND_REDTBL) >> 1;
	if (pin < VIOAPIC_NUM_PINS)
		write_redir(io, pin, reg & 1, val);
}

void vioapic_mmio_read(struct vioapic *io, u32 offset, void *data, u32 len)
{
	u32 val = 0, byte = offset & 3;

	switch (offset & ~3u) {
	case VIOAPIC_IOREGSEL:
		val = io->ioregsel;
		break;
	case VIOAPIC_IOWIN:
		val = read_indirect(io, io->ioregsel);
		break;
	default:
		break;
	}
	val >>= byte * 8;
	memset(data, 0, len);
	memcpy(data, &val, len < 4 - byte ? len : 4 - byte);
}

void vioapic_mmio_write(struct vioapic *io, u32 offset, const void *data, u32 len)
{
	u32 val = 0;

	if (len > 4 || (offset & 3))
		len = 0;	/* unaligned or wider than a register: dropped */
	if (!len)
		return;
	memcpy(&val, data, len);
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		io->ioregsel = val & 0xff;
		break;
	case VIOAPIC_IOWIN:
		write_indirect(io, io->ioregsel, val);
		break;
	default:
		break;
	}
}

void vioapic_reset(struct vioapic *io)
{
	u32 pin;

	io->base_address = VIOAPIC_DEFAULT_BASE;
	io->ioregsel = 0;
	io->id = 0;
	io->irr = 0;
	for (pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
		io->redir[pin] = VIOAPIC_RTE_MASKED;
}

void vioapic_init(struct vioapic *io, const struct vioapic_ops *ops, void *opaque)
{
	memset(io, 0, sizeof(*io));
	io->ops = ops;
	io->opaque = opaque;
	vioapic_reset(io);
}

void vioapic_get_state(const struct vioapic *io, struct vioapic_state *s)
{
	memset(s, 0, sizeof(*s));
	s->base_address = io->base_address;
	s->ioregsel = io->ioregsel;
	s->id = io->id;
	s->irr = io->irr;
	memcpy(s->redirtbl, io->redir, sizeof(s->redirtbl));
}

void vioapic_set_state(struct vioapic *io, const struct vioapic_state *s)
{
	u32 pin;

	io->base_address = s->base_address;
	io->ioregsel = s->ioregsel & 0xff;
	io->id = s->id & 0xf;
	io->irr = s->irr & ((1u << VIOAPIC_NUM_PINS) - 1);
	memcpy(io->redir, s->redirtbl, sizeof(io->redir));
	for (pin = 0; pin < VIOAPIC_NUM_PINS; pin++) {
		io->redir[pin] &= ~VIOAPIC_RTE_DELIVS;
		if (!entry_level(io->redir[pin]))
			io->redir[pin] &= ~VIOAPIC_RTE_REMOTE_IRR;
		if (entry_level(io->redir[pin]) && (io->irr & (1u << pin)))
			service(io, pin);
	}
}
