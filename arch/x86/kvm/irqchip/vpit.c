// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpit: 8254 model.  The caller holds the PIT lock (see vpit.h).
 *
 * A counter is kept as its reload value and the time counting (re)started; the
 * count and the output at any moment are computed from the elapsed input clocks,
 * so nothing runs while the guest does not look.  Only counter 0, whose output
 * is IRQ0, needs a platform timer: one expiry per output rising edge.
 *
 * Not modelled: counting pauses while the gate is low in modes 0 and 4, the
 * "null count" status bit, and the one clock between a count write and the
 * start of counting.
 */
#include "vpit.h"

#define NS_PER_SEC		1000000000ull
#define REFRESH_HALF_NS		15000ull	/* port 0x61 bit 4 toggles every ~15 us */
#define PENDING_MAX		1000000u	/* bound on reinjected ticks */

static s64 now_ns(struct vpit *p)
{
	return (s64)p->ops->now_ns(p->opaque);
}

static u64 ns_to_ticks(u64 ns)
{
	return irqchip_muldiv(ns, VPIT_FREQ_HZ, NS_PER_SEC);
}

static u64 ticks_to_ns(u64 ticks)
{
	return irqchip_muldiv(ticks, NS_PER_SEC, VPIT_FREQ_HZ);
}

/* Input clocks since counting started. */
static u64 elapsed(struct vpit *p, const struct vpit_channel_state *c)
{
	s64 d = now_ns(p) - c->count_load_time;

	return d > 0 ? ns_to_ticks(d) : 0;
}

static u16 to_bcd(u32 v)
{
	return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12);
}

static u32 from_bcd(u16 v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
	       ((v >> 12) & 0xf) * 1000;
}

/* The counting element now, as the guest reads it (BCD-encoded in BCD mode). */
static u16 counter_read_value(struct vpit *p, const struct vpit_channel_state *c)
{
	u64 d = elapsed(p, c);
	u32 modulus = c->bcd ? 10000 : 65536, v;

	switch (c->mode) {
	case 2:
		v = c->count - d % c->count;
		break;
	case 3:			/* decrements by two each clock */
		v = c->count - (2 * d) % c->count;
		break;
	default:		/* 0, 1, 4, 5: count down once, then wrap */
		v = (c->count % modulus + modulus - d % modulus) % modulus;
		break;
	}
	v %= modulus;
	return c->bcd ? to_bcd(v) : v;
}

static bool out_at(const struct vpit_channel_state *c, u64 d)
{
	switch (c->mode) {
	case 0:
	case 1:			/* low while counting, high at terminal count */
		return d >= c->count;
	case 2:			/* low for the one clock where the count is 1 */
		return !c->gate || c->count < 2 || d % c->count != c->count - 1;
	case 3:			/* high for the first half (rounded up), low after */
		return !c->gate || d % c->count < (c->count + 1) / 2;
	default:		/* 4, 5: one low clock at terminal count */
		return d != c->count;
	}
}

bool vpit_channel_out(struct vpit *p, int n)
{
	const struct vpit_channel_state *c = &p->ch[n];

	return out_at(c, elapsed(p, c));
}

/* ---- counter 0 interrupt ---- */

static void pulse_irq0(struct vpit *p)
{
	p->injected++;
	p->ops->set_irq0(p->opaque, true);
	p->ops->set_irq0(p->opaque, false);
}

static void try_inject(struct vpit *p)
{
	if (!p->pending || p->irq_in_flight)
		return;
	p->pending--;
	p->irq_in_flight = true;
	pulse_irq0(p);
}

static void ch0_stop(struct vpit *p)
{
	if (p->timer_running)
		p->ops->timer_cancel(p->opaque);
	p->timer_running = false;
}

/* Arm for the first output rising edge after the count was loaded. */
static void ch0_start(struct vpit *p)
{
	const struct vpit_channel_state *c = &p->ch[0];
	u64 period = ticks_to_ns(c->count);

	ch0_stop(p);
	if (p->flags & VPIT_FLAG_HPET_LEGACY || !c->gate)
		return;
	/*
	 * A periodic interrupt faster than the platform allows would keep a host
	 * CPU busy for nothing: it is slowed to the floor (the guest's count and
	 * output still follow the programmed rate).
	 */
	if ((c->mode == 2 || c->mode == 3) && period < p->min_period_ns)
		period = p->min_period_ns;
	p->period_ns = (c->mode == 2 || c->mode == 3) ? period : 0;
	p->next_expire_ns = (u64)c->count_load_time + period;
	p->timer_running = true;
	p->ops->timer_arm(p->opaque, p->next_expire_ns);
}

void vpit_timer_expired(struct vpit *p)
{
	u64 now = now_ns(p), ticks = 1;

	if (!p->timer_running)
		return;
	if (now < p->next_expire_ns) {
		p->ops->timer_arm(p->opaque, p->next_expire_ns);
		return;
	}
	if (p->period_ns) {
		ticks += (now - p->next_expire_ns) / p->period_ns;
		p->next_expire_ns += ticks * p->period_ns;
		p->ops->timer_arm(p->opaque, p->next_expire_ns);
	} else {
		p->timer_running = false;
	}
	if (!p->reinject) {
		pulse_irq0(p);	/* missed ticks coalesce into one */
		return;
	}
	p->pending = p->pending + ticks > PENDING_MAX ? PENDING_MAX : p->pending + ticks;
	try_inject(p);
}

void vpit_irq_acked(struct vpit *p)
{
	p->irq_in_flight = false;
	if (p->reinject)
		try_inject(p);
}

void vpit_irq_mask_changed(struct vpit *p, bool masked)
{
	if (masked)
		return;
	p->pending = 0;
	p->irq_in_flight = false;
}

void vpit_set_reinject(struct vpit *p, bool reinject)
{
	p->reinject = reinject;
	p->pending = 0;
	p->irq_in_flight = false;
}

/* ---- port interface ---- */

static void load_count(struct vpit *p, int n, u32 raw)
{
	struct vpit_channel_state *c = &p->ch[n];
	u32 v = c->bcd ? from_bcd(raw) : raw;

	if (!v)
		v = c->bcd ? 10000 : 65536;
	c->count = v;
	c->count_load_time = now_ns(p);
	if (n == 0)
		ch0_start(p);
}

static void latch_count(struct vpit *p, struct vpit_channel_state *c)
{
	if (c->count_latched)
		return;		/* the first latch holds until read */
	c->latched_count = counter_read_value(p, c);
	c->count_latched = c->rw_mode;
}

static void latch_status(struct vpit *p, struct vpit_channel_state *c)
{
	if (c->status_latched)
		return;
	c->status = (out_at(c, elapsed(p, c)) << 7) | (c->rw_mode << 4) | (c->mode << 1) |
		    c->bcd;
	c->status_latched = 1;
}

static void write_control(struct vpit *p, u8 val)
{
	int sel = val >> 6, n;
	struct vpit_channel_state *c;

	if (sel == 3) {		/* read-back: bit 5 = !COUNT, bit 4 = !STATUS */
		for (n = 0; n < 3; n++) {
			if (!(val & (2 << n)))
				continue;
			if (!(val & 0x20))
				latch_count(p, &p->ch[n]);
			if (!(val & 0x10))
				latch_status(p, &p->ch[n]);
		}
		return;
	}
	c = &p->ch[sel];
	if (!((val >> 4) & 3)) {
		latch_count(p, c);
		return;
	}
	c->rw_mode = (val >> 4) & 3;
	c->read_state = c->rw_mode;
	c->write_state = c->rw_mode;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* x11 encodings of modes 2 and 3 */
	c->bcd = val & 1;
	/* Counting stops until the new count arrives. */
	if (sel == 0)
		ch0_stop(p);
}

static void write_counter(struct vpit *p, int n, u8 val)
{
	struct vpit_channel_state *c = &p->ch[n];

	switch (c->write_state) {
	case VPIT_RW_LSB:
		load_count(p, n, val);
		break;
	case VPIT_RW_MSB:
		load_count(p, n, (u32)val << 8);
		break;
	case VPIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = VPIT_RW_WORD1;
		break;
	default:
		load_count(p, n, c->write_latch | ((u32)val << 8));
		c->write_state = VPIT_RW_WORD0;
		break;
	}
}

static u8 read_counter(struct vpit *p, int n)
{
	struct vpit_channel_state *c = &p->ch[n];
	u16 v;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		switch (c->count_latched) {
		case VPIT_RW_MSB:
			c->count_latched = 0;
			return v >> 8;
		case VPIT_RW_WORD0:
			c->count_latched = VPIT_RW_MSB;
			return v & 0xff;
		default:
			c->count_latched = 0;
			return v & 0xff;
		}
	}
	v = counter_read_value(p, c);
	switch (c->read_state) {
	case VPIT_RW_LSB:
		return v & 0xff;
	case VPIT_RW_MSB:
		return v >> 8;
	case VPIT_RW_WORD0:
		c->read_state = VPIT_RW_WORD1;
		return v & 0xff;
	default:
		c->read_state = VPIT_RW_WORD0;
		return v >> 8;
	}
}

static void set_gate2(struct vpit *p, bool gate)
{
	struct vpit_channel_state *c = &p->ch[2];

	/* A rising gate (re)triggers modes 1, 5 and restarts modes 2, 3. */
	if (gate && !c->gate && c->mode != 0 && c->mode != 4)
		c->count_load_time = now_ns(p);
	c->gate = gate;
}

bool vpit_ioport_read(struct vpit *p, u16 port, u8 *val)
{
	switch (port) {
	case VPIT_PORT_COUNTER0:
	case VPIT_PORT_COUNTER0 + 1:
	case VPIT_PORT_COUNTER0 + 2:
		*val = read_counter(p, port - VPIT_PORT_COUNTER0);
		return true;
	case VPIT_PORT_CONTROL:
		*val = 0xff;	/* the control word register is write-only */
		return true;
	case VPIT_PORT_SPEAKER:
		*val = (vpit_channel_out(p, 2) << 5) |
		       (((u64)now_ns(p) / REFRESH_HALF_NS) & 1) << 4 |
		       !!(p->flags & VPIT_FLAG_SPEAKER_ON) << 1 | p->ch[2].gate;
		return true;
	default:
		return false;
	}
}

bool vpit_ioport_write(struct vpit *p, u16 port, u8 val)
{
	switch (port) {
	case VPIT_PORT_COUNTER0:
	case VPIT_PORT_COUNTER0 + 1:
	case VPIT_PORT_COUNTER0 + 2:
		write_counter(p, port - VPIT_PORT_COUNTER0, val);
		return true;
	case VPIT_PORT_CONTROL:
		write_control(p, val);
		return true;
	case VPIT_PORT_SPEAKER:
		set_gate2(p, val & 1);
		if (val & 2)
			p->flags |= VPIT_FLAG_SPEAKER_ON;
		else
			p->flags &= ~VPIT_FLAG_SPEAKER_ON;
		return true;
	default:
		return false;
	}
}

/* ---- life cycle and save/restore ---- */

void vpit_reset(struct vpit *p)
{
	s64 now = now_ns(p);
	int n;

	ch0_stop(p);
	for (n = 0; n < 3; n++) {
		struct vpit_channel_state *c = &p->ch[n];

		memset(c, 0, sizeof(*c));
		c->count = 65536;
		c->rw_mode = VPIT_RW_WORD0;
		c->read_state = VPIT_RW_WORD0;
		c->write_state = VPIT_RW_WORD0;
		c->gate = n != 2;
		c->count_load_time = now;
	}
	p->flags = 0;
	p->reinject = true;
	p->pending = 0;
	p->irq_in_flight = false;
}

void vpit_init(struct vpit *p, const struct vpit_ops *ops, void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->opaque = opaque;
	vpit_reset(p);
}

void vpit_get_state(const struct vpit *p, struct vpit_state *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->channels, p->ch, sizeof(s->channels));
	s->flags = p->flags;
}

void vpit_set_state(struct vpit *p, const struct vpit_state *s)
{
	s64 now = now_ns(p);
	int n;

	ch0_stop(p);
	memcpy(p->ch, s->channels, sizeof(p->ch));
	p->flags = s->flags & (VPIT_FLAG_HPET_LEGACY | VPIT_FLAG_SPEAKER_ON);
	p->pending = 0;
	p->irq_in_flight = false;
	for (n = 0; n < 3; n++) {
		struct vpit_channel_state *c = &p->ch[n];
		u32 max = c->bcd ? 10000 : 65536;

		/* Keep every field inside what the code above can meet. */
		c->bcd = !!c->bcd;
		if (c->mode > 5)
			c->mode &= 3;
		if (c->rw_mode < VPIT_RW_LSB || c->rw_mode > VPIT_RW_WORD0)
			c->rw_mode = VPIT_RW_WORD0;
		if (c->read_state < VPIT_RW_LSB || c->read_state > VPIT_RW_WORD1)
			c->read_state = c->rw_mode;
		if (c->write_state < VPIT_RW_LSB || c->write_state > VPIT_RW_WORD1)
			c->write_state = c->rw_mode;
		if (c->count_latched > VPIT_RW_WORD1)
			c->count_latched = 0;
		c->status_latched = !!c->status_latched;
		c->gate = n == 2 ? !!c->gate : 1;
		if (!c->count || c->count > max)
			c->count = max;
		c->count_load_time = now;
	}
	if (!(p->flags & VPIT_FLAG_HPET_LEGACY))
		ch0_start(p);
}
