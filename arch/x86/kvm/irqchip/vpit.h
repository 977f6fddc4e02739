/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vpit: the 8254 programmable interval timer of a PC (three counters at ports
 * 0x40-0x42, control word at 0x43, counter 2 gate and output in port 0x61),
 * after the Intel 8254 datasheet.  Counter 0's output drives IRQ0.
 *
 * Clock: ops->now_ns must be the host's monotonic clock (ktime_get()), because
 * userspace reads count_load_time of KVM_GET_PIT2 in that clock.
 *
 * Locking: the model takes no lock.  The caller holds the PIT lock (one per VM)
 * around every call, the timer callback and the IRQ0 ack included.  ops->set_irq0
 * is called with it held and takes the PIC/IOAPIC locks (order: PIT -> PIC/IOAPIC);
 * the IRQ0 ack notification must therefore reach vpit_irq_acked() after those
 * locks are dropped (the glue defers it, as Linux does with a work item).
 */
#ifndef KVM_VPIT_H
#define KVM_VPIT_H

#include "irqchip_ops.h"

#define VPIT_FREQ_HZ		1193182u	/* input clock of the three counters */
#define VPIT_PORT_COUNTER0	0x40
#define VPIT_PORT_CONTROL	0x43
#define VPIT_PORT_SPEAKER	0x61

/* rw_mode / read_state / write_state / count_latched values (KVM's encoding). */
#define VPIT_RW_LSB		1
#define VPIT_RW_MSB		2
#define VPIT_RW_WORD0		3	/* LSB then MSB: next byte is the LSB */
#define VPIT_RW_WORD1		4	/* LSB then MSB: next byte is the MSB */

/* kvm_pit_state2.flags */
#define VPIT_FLAG_HPET_LEGACY	0x1	/* HPET legacy replacement: counter 0 has no IRQ */
#define VPIT_FLAG_SPEAKER_ON	0x2	/* port 0x61 bit 1 */

/* One counter, in the layout of struct kvm_pit_channel_state. */
struct vpit_channel_state {
	u32 count;		/* reload value in counts, 1..65536 (binary) or 1..10000 (BCD) */
	u16 latched_count;	/* as it will be read (BCD-encoded in BCD mode) */
	u8 count_latched;	/* VPIT_RW_* byte sequence left to read, 0 = none */
	u8 status_latched;
	u8 status;
	u8 read_state;
	u8 write_state;
	u8 write_latch;		/* LSB written, waiting for the MSB */
	u8 rw_mode;
	u8 mode;		/* 0-5 */
	u8 bcd;
	u8 gate;
	s64 count_load_time;	/* ns of the platform clock when counting (re)started */
};
_Static_assert(sizeof(struct vpit_channel_state) == 24, "kvm_pit_channel_state is 24 bytes");
_Static_assert(offsetof(struct vpit_channel_state, count_load_time) == 16, "load time at 16");

/* struct kvm_pit_state2 of KVM_GET_PIT2 / KVM_SET_PIT2. */
struct vpit_state {
	struct vpit_channel_state channels[3];
	u32 flags;
	u32 reserved[9];
};
_Static_assert(sizeof(struct vpit_state) == 112, "kvm_pit_state2 is 112 bytes");
_Static_assert(offsetof(struct vpit_state, flags) == 72, "flags at 72");

struct vpit {
	/* Guarded by the PIT lock. */
	struct vpit_channel_state ch[3];
	u32 flags;
	bool reinject;		/* deliver every tick (true, the default) or coalesce */

	/* Counter 0 interrupt source. */
	bool timer_running;
	u64 next_expire_ns;
	u64 period_ns;		/* 0: one-shot mode */
	u64 min_period_ns;	/* set by the platform after vpit_init(): floor of periods */
	u32 pending;		/* reinject: ticks not yet injected */
	bool irq_in_flight;	/* reinject: injected, waiting for the ack */
	u64 injected;		/* statistics: IRQ0 pulses */

	const struct vpit_ops *ops;
	void *opaque;
};

void vpit_init(struct vpit *p, const struct vpit_ops *ops, void *opaque);
/* Power-on: every counter stopped in mode 0 with count 65536, gate 2 low, reinject on. */
void vpit_reset(struct vpit *p);

/* Byte access to ports 0x40-0x43 and 0x61; false for any other port. */
bool vpit_ioport_read(struct vpit *p, u16 port, u8 *val);
bool vpit_ioport_write(struct vpit *p, u16 port, u8 val);

/* The timer armed through ops->timer_arm fired. */
void vpit_timer_expired(struct vpit *p);
/* IRQ0 was acknowledged (EOI at the PIC or IOAPIC): inject the next pending tick. */
void vpit_irq_acked(struct vpit *p);
/* IRQ0 masked/unmasked at the interrupt controller: on unmask, forget missed ticks. */
void vpit_irq_mask_changed(struct vpit *p, bool masked);
/* KVM_REINJECT_CONTROL. */
void vpit_set_reinject(struct vpit *p, bool reinject);

/* Output pin of counter @n now. */
bool vpit_channel_out(struct vpit *p, int n);

/*
 * KVM_GET_PIT2 / KVM_SET_PIT2.  As in Linux, restore reloads each counter from
 * its count at the current time (count_load_time of another host means nothing).
 */
void vpit_get_state(const struct vpit *p, struct vpit_state *s);
void vpit_set_state(struct vpit *p, const struct vpit_state *s);

#endif /* KVM_VPIT_H */
