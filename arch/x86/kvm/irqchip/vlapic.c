// SPDX-License-Identifier: GPL-2.0-only
/*
 * vlapic: local APIC model.  See vlapic.h for the interface and the locking rule
 * (the caller holds this LAPIC's lock around every call; no lock is taken here).
 *
 * The architectural state is kept as the xAPIC register page itself (regs[],
 * indexed by offset / 4), so MMIO reads, x2APIC MSR reads and KVM_GET_LAPIC all
 * read the same words.  The only registers computed on read are APR and the
 * timer's current count; PPR is recomputed whenever TPR or ISR change.
 */
#include "vlapic.h"

#define LVT_VECTOR		0xffu
#define LVT_DM_MASK		(7u << 8)
#define LVT_DELIV_STATUS	(1u << 12)

#define ICR_DEST_LOGICAL	(1u << 11)
#define ICR_ASSERT		(1u << 14)
#define ICR_LEVEL		(1u << 15)
/* ICR low: vector, delivery mode, destination mode, level, trigger, shorthand. */
#define ICR_WRITABLE		0x000ccfffu

#define DCR_WRITABLE		0xbu
#define SVR_WRITABLE		0x3ffu		/* vector, APIC enable, focus check */
#define DFR_RESERVED_ONES	0x0fffffffu

static const u32 lvt_regs[] = {
	VLAPIC_REG_LVT_TIMER, VLAPIC_REG_LVT_THERMAL, VLAPIC_REG_LVT_PMC,
	VLAPIC_REG_LVT_LINT0, VLAPIC_REG_LVT_LINT1, VLAPIC_REG_LVT_ERROR,
};

static inline u32 reg_get(const struct vlapic *l, u32 off)
{
	return l->regs[off >> 2];
}

static inline void reg_set(struct vlapic *l, u32 off, u32 val)
{
	l->regs[off >> 2] = val;
}

/* IRR, ISR and TMR: 256 bits as eight 32-bit registers 16 bytes apart. */
static inline u32 vec_reg(u32 base, u8 vec)
{
	return base + (vec >> 5) * 0x10;
}

static bool vec_test(const struct vlapic *l, u32 base, u8 vec)
{
	return reg_get(l, vec_reg(base, vec)) & (1u << (vec & 31));
}

static void vec_set(struct vlapic *l, u32 base, u8 vec)
{
	l->regs[vec_reg(base, vec) >> 2] |= 1u << (vec & 31);
}

static void vec_clear(struct vlapic *l, u32 base, u8 vec)
{
	l->regs[vec_reg(base, vec) >> 2] &= ~(1u << (vec & 31));
}

static int vec_highest(const struct vlapic *l, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = reg_get(l, base + i * 0x10);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

enum vlapic_mode vlapic_get_mode(const struct vlapic *l)
{
	if (!(l->apic_base & VLAPIC_BASE_ENABLE))
		return VLAPIC_MODE_DISABLED;
	return (l->apic_base & VLAPIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

static inline bool is_x2apic(const struct vlapic *l)
{
	return vlapic_get_mode(l) == VLAPIC_MODE_X2APIC;
}

static inline bool sw_enabled(const struct vlapic *l)
{
	return reg_get(l, VLAPIC_REG_SVR) & VLAPIC_SVR_ENABLE;
}

bool vlapic_enabled(const struct vlapic *l)
{
	return vlapic_get_mode(l) != VLAPIC_MODE_DISABLED && sw_enabled(l);
}

u32 vlapic_get_id(const struct vlapic *l)
{
	u32 id = reg_get(l, VLAPIC_REG_ID);

	return is_x2apic(l) ? id : id >> 24;
}

u8 vlapic_get_ppr(const struct vlapic *l)
{
	return reg_get(l, VLAPIC_REG_PPR);
}

/* x2APIC logical ID (SDM 10.12.10.2): cluster in [31:16], one-hot position in [15:0]. */
static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* PPR (SDM 10.8.3.1): the TPR, or the class of the highest in-service vector. */
static void update_ppr(struct vlapic *l)
{
	u32 tpr = reg_get(l, VLAPIC_REG_TPR) & 0xff;
	int isrv = vec_highest(l, VLAPIC_REG_ISR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	reg_set(l, VLAPIC_REG_PPR, (tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

/* APR (SDM 10.8.3.1, figure 10-15 description); only meaningful in xAPIC mode. */
static u32 compute_apr(const struct vlapic *l)
{
	u32 tpr = reg_get(l, VLAPIC_REG_TPR) & 0xff;
	int isrv = vec_highest(l, VLAPIC_REG_ISR), irrv = vec_highest(l, VLAPIC_REG_IRR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;
	u32 irr_class = irrv < 0 ? 0 : (u32)irrv & 0xf0;
	u32 apr = tpr & 0xf0;

	if ((tpr & 0xf0) >= irr_class && (tpr & 0xf0) > isr_class)
		return tpr;
	if (isr_class > apr)
		apr = isr_class;
	if (irr_class > apr)
		apr = irr_class;
	return apr;
}

/* ---- timer (SDM 10.5.4) ---- */

static u32 timer_mode(const struct vlapic *l)
{
	return (reg_get(l, VLAPIC_REG_LVT_TIMER) >> VLAPIC_LVT_TIMER_SHIFT) & 3;
}

/* Nanoseconds per count: bus cycle times the divider of DCR bits 0, 1 and 3. */
static u64 timer_tick_ns(const struct vlapic *l)
{
	u32 dcr = reg_get(l, VLAPIC_REG_TIMER_DCR);
	u32 code = (dcr & 3) | ((dcr & 8) >> 1);
	u32 shift = code == 7 ? 0 : code + 1;

	return (u64)l->cfg.bus_cycle_ns << shift;
}

static void timer_stop(struct vlapic *l)
{
	if (l->timer_running)
		l->ops->timer_cancel(l->opaque);
	l->timer_running = false;
	l->timer_period_ns = 0;
}

static void timer_arm_at(struct vlapic *l, u64 expire)
{
	l->timer_expire_ns = expire;
	l->timer_running = true;
	l->ops->timer_arm(l->opaque, expire);
}

/* (Re)start the count-down timer; the first expiry is @first_ns from now. */
static void timer_start(struct vlapic *l, u64 first_ns)
{
	u64 tmict = reg_get(l, VLAPIC_REG_TIMER_ICR);
	u64 now = l->ops->now_ns(l->opaque);

	timer_stop(l);
	if (!tmict)
		return;
	if (timer_mode(l) == VLAPIC_TIMER_PERIODIC) {
		l->timer_period_ns = tmict * timer_tick_ns(l);
		if (l->timer_period_ns < l->cfg.min_period_ns)
			l->timer_period_ns = l->cfg.min_period_ns;
		if (first_ns < l->cfg.min_period_ns)
			first_ns = l->cfg.min_period_ns;
	}
	timer_arm_at(l, now + first_ns);
}

static void tscdeadline_arm(struct vlapic *l)
{
	u64 now, tsc, delta;

	timer_stop(l);
	if (!l->tsc_deadline || timer_mode(l) != VLAPIC_TIMER_TSCDEADLINE)
		return;
	now = l->ops->now_ns(l->opaque);
	tsc = l->ops->read_tsc(l->opaque);
	if (l->tsc_deadline <= tsc || !l->cfg.tsc_khz) {
		timer_arm_at(l, now);
		return;
	}
	/* Round up, so that the guest never sees its TSC short of the deadline. */
	delta = irqchip_muldiv(l->tsc_deadline - tsc, 1000000, l->cfg.tsc_khz);
	if (irqchip_muldiv(delta, l->cfg.tsc_khz, 1000000) < l->tsc_deadline - tsc)
		delta++;
	timer_arm_at(l, now + delta);
}

/* Current count (TMCCT): counts left to the next expiry, rounded up. */
static u32 timer_current(struct vlapic *l)
{
	u64 tick = timer_tick_ns(l), now, left, count;
	u32 tmict = reg_get(l, VLAPIC_REG_TIMER_ICR);

	if (!l->timer_running || timer_mode(l) == VLAPIC_TIMER_TSCDEADLINE)
		return 0;
	now = l->ops->now_ns(l->opaque);
	if (now < l->timer_expire_ns)
		left = l->timer_expire_ns - now;
	else if (l->timer_period_ns)	/* periodic, expiry not yet processed */
		left = l->timer_period_ns - (now - l->timer_expire_ns) % l->timer_period_ns;
	else
		return 0;
	count = (left + tick - 1) / tick;
	return count > tmict ? tmict : (u32)count;
}

/* ---- local interrupts (LVT) ---- */

static bool lvt_signal(struct vlapic *l, u32 reg)
{
	u32 lvt = reg_get(l, reg);
	struct irq_msg msg = {
		.vector = lvt & LVT_VECTOR,
		.assert = true,
	};

	if (lvt & VLAPIC_LVT_MASKED)
		return false;
	/* Timer and error entries have no delivery-mode field: always fixed. */
	if (reg != VLAPIC_REG_LVT_TIMER && reg != VLAPIC_REG_LVT_ERROR)
		msg.delivery_mode = (lvt & LVT_DM_MASK) >> 8;
	if ((reg == VLAPIC_REG_LVT_LINT0 || reg == VLAPIC_REG_LVT_LINT1) &&
	    msg.delivery_mode == IRQ_DM_FIXED)
		msg.level_trigger = lvt & VLAPIC_LVT_LEVEL;
	return vlapic_deliver(l, &msg);
}

bool vlapic_deliver_lvt(struct vlapic *l, u32 lvt_reg)
{
	if (lvt_reg != VLAPIC_REG_LVT_THERMAL && lvt_reg != VLAPIC_REG_LVT_PMC &&
	    lvt_reg != VLAPIC_REG_LVT_ERROR)
		return false;
	if (vlapic_get_mode(l) == VLAPIC_MODE_DISABLED)
		return false;
	return lvt_signal(l, lvt_reg);
}

bool vlapic_timer_expired(struct vlapic *l)
{
	u64 now;
	bool kick;

	if (!l->timer_running)
		return false;
	now = l->ops->now_ns(l->opaque);
	if (now < l->timer_expire_ns) {
		/* Early callback: wait for the real expiry. */
		l->ops->timer_arm(l->opaque, l->timer_expire_ns);
		return false;
	}
	kick = lvt_signal(l, VLAPIC_REG_LVT_TIMER);
	l->timer_fired++;
	if (timer_mode(l) == VLAPIC_TIMER_TSCDEADLINE) {
		l->tsc_deadline = 0;
		l->timer_running = false;
	} else if (l->timer_period_ns) {
		/* Next tick on the original grid; ticks missed meanwhile coalesce. */
		u64 next = l->timer_expire_ns + l->timer_period_ns;

		if (next <= now)
			next += ((now - next) / l->timer_period_ns + 1) * l->timer_period_ns;
		timer_arm_at(l, next);
	} else {
		l->timer_running = false;
	}
	return kick;
}

bool vlapic_set_lint(struct vlapic *l, int pin, bool level)
{
	u32 reg = pin ? VLAPIC_REG_LVT_LINT1 : VLAPIC_REG_LVT_LINT0;
	u32 lvt = reg_get(l, reg);
	bool was = l->lint_level[pin & 1];

	l->lint_level[pin & 1] = level;
	if (vlapic_get_mode(l) == VLAPIC_MODE_DISABLED || !level)
		return false;
	/* Edge-sensitive inputs fire on the rising edge; level ones while asserted. */
	if (was && !((lvt & VLAPIC_LVT_LEVEL) && ((lvt & LVT_DM_MASK) >> 8) == IRQ_DM_FIXED))
		return false;
	return lvt_signal(l, reg);
}

bool vlapic_accepts_pic_intr(const struct vlapic *l)
{
	u32 lvt0 = reg_get(l, VLAPIC_REG_LVT_LINT0);

	if (vlapic_get_mode(l) == VLAPIC_MODE_DISABLED)
		return true;
	return !(lvt0 & VLAPIC_LVT_MASKED) && ((lvt0 & LVT_DM_MASK) >> 8) == IRQ_DM_EXTINT;
}

/* ---- acceptance and the vCPU's interface ---- */

bool vlapic_deliver(struct vlapic *l, const struct irq_msg *msg)
{
	if (vlapic_get_mode(l) == VLAPIC_MODE_DISABLED)
		return false;

	switch (msg->delivery_mode) {
	case IRQ_DM_FIXED:
	case IRQ_DM_LOWEST:
		if (!sw_enabled(l))
			return false;
		if (msg->vector < 16) {
			l->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
			return false;
		}
		if (msg->level_trigger)
			vec_set(l, VLAPIC_REG_TMR, msg->vector);
		else
			vec_clear(l, VLAPIC_REG_TMR, msg->vector);
		if (vec_test(l, VLAPIC_REG_IRR, msg->vector))
			return false;	/* coalesced with the one already pending */
		vec_set(l, VLAPIC_REG_IRR, msg->vector);
		return true;
	case IRQ_DM_NMI:
		if (l->nmi_pending < 2)
			l->nmi_pending++;
		return true;
	case IRQ_DM_INIT:
		if (msg->level_trigger && !msg->assert)
			return false;	/* INIT level de-assert: no effect on modern CPUs */
		l->init_pending = true;
		return true;
	case IRQ_DM_SIPI:
		l->sipi_vector = msg->vector;
		l->sipi_pending = true;
		return true;
	case IRQ_DM_EXTINT:
		l->extint_pending = true;
		return true;
	default:		/* SMI is not modelled, remote read is obsolete */
		return false;
	}
}

int vlapic_pending_vector(const struct vlapic *l)
{
	int v;

	if (vlapic_get_mode(l) == VLAPIC_MODE_DISABLED)
		return -1;
	v = vec_highest(l, VLAPIC_REG_IRR);
	if (v < 0 || ((u32)v & 0xf0) <= (vlapic_get_ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	vec_clear(l, VLAPIC_REG_IRR, vector);
	vec_set(l, VLAPIC_REG_ISR, vector);
	update_ppr(l);
}

u8 vlapic_get_cr8(const struct vlapic *l)
{
	return (reg_get(l, VLAPIC_REG_TPR) >> 4) & 0xf;
}

void vlapic_set_cr8(struct vlapic *l, u8 cr8)
{
	reg_set(l, VLAPIC_REG_TPR, (cr8 & 0xf) << 4);
	update_ppr(l);
}

bool vlapic_take_nmi(struct vlapic *l)
{
	if (!l->nmi_pending)
		return false;
	l->nmi_pending--;
	return true;
}

bool vlapic_take_init(struct vlapic *l)
{
	bool p = l->init_pending;

	l->init_pending = false;
	return p;
}

bool vlapic_take_sipi(struct vlapic *l, u8 *vector)
{
	if (!l->sipi_pending)
		return false;
	l->sipi_pending = false;
	*vector = l->sipi_vector;
	return true;
}

bool vlapic_take_extint(struct vlapic *l)
{
	bool p = l->extint_pending;

	l->extint_pending = false;
	return p;
}

void vlapic_set_eoi_notify(struct vlapic *l, u8 vector, bool on)
{
	if (on)
		l->eoi_notify[vector >> 5] |= 1u << (vector & 31);
	else
		l->eoi_notify[vector >> 5] &= ~(1u << (vector & 31));
}

static void do_eoi(struct vlapic *l)
{
	int v = vec_highest(l, VLAPIC_REG_ISR);
	bool level;

	if (v < 0)
		return;
	vec_clear(l, VLAPIC_REG_ISR, v);
	update_ppr(l);
	level = vec_test(l, VLAPIC_REG_TMR, v);
	if (level || (l->eoi_notify[v >> 5] & (1u << (v & 31))))
		l->ops->eoi_broadcast(l->opaque, v, level);
}

static void send_icr(struct vlapic *l)
{
	u32 lo = reg_get(l, VLAPIC_REG_ICR_LO), hi = reg_get(l, VLAPIC_REG_ICR_HI);
	struct irq_msg msg = {
		.vector = lo & 0xff,
		.delivery_mode = (lo >> 8) & 7,
		.dest_logical = lo & ICR_DEST_LOGICAL,
		.assert = lo & ICR_ASSERT,
		.shorthand = (lo >> 18) & 3,
		.dest_x2apic = is_x2apic(l),
		.dest = is_x2apic(l) ? hi : hi >> 24,
	};

	/* The ICR trigger mode only matters for INIT level de-assert (SDM 10.6.1). */
	if (msg.delivery_mode == IRQ_DM_INIT)
		msg.level_trigger = lo & ICR_LEVEL;
	if ((msg.delivery_mode == IRQ_DM_FIXED || msg.delivery_mode == IRQ_DM_LOWEST) &&
	    msg.vector < 16) {
		l->esr_pending |= VLAPIC_ESR_SEND_ILLEGAL;
		return;
	}
	if (msg.delivery_mode == IRQ_DM_REMRD)
		return;
	l->ops->send_ipi(l->opaque, l, &msg);
}

/* ---- register access common to MMIO and MSRs ---- */

static bool read_reg(struct vlapic *l, u32 off, u32 *val)
{
	if (off >= VLAPIC_REG_ISR && off < VLAPIC_REG_ESR && !(off & 0xf)) {
		*val = reg_get(l, off);	/* ISR, TMR, IRR */
		return true;
	}
	switch (off) {
	case VLAPIC_REG_ID:
	case VLAPIC_REG_VERSION:
	case VLAPIC_REG_TPR:
	case VLAPIC_REG_PPR:
	case VLAPIC_REG_LDR:
	case VLAPIC_REG_DFR:
	case VLAPIC_REG_SVR:
	case VLAPIC_REG_ESR:
	case VLAPIC_REG_ICR_LO:
	case VLAPIC_REG_ICR_HI:
	case VLAPIC_REG_LVT_TIMER:
	case VLAPIC_REG_LVT_THERMAL:
	case VLAPIC_REG_LVT_PMC:
	case VLAPIC_REG_LVT_LINT0:
	case VLAPIC_REG_LVT_LINT1:
	case VLAPIC_REG_LVT_ERROR:
	case VLAPIC_REG_TIMER_ICR:
	case VLAPIC_REG_TIMER_DCR:
		*val = reg_get(l, off);
		return true;
	case VLAPIC_REG_APR:
		*val = compute_apr(l);
		return true;
	case VLAPIC_REG_EOI:
	case VLAPIC_REG_RRD:
		*val = 0;
		return true;
	case VLAPIC_REG_TIMER_CCR:
		*val = timer_current(l);
		return true;
	default:
		return false;
	}
}

/* Writable bits of each LVT entry (SDM figure 10-8); 0 for other registers. */
static u32 lvt_writable(const struct vlapic *l, u32 off)
{
	switch (off) {
	case VLAPIC_REG_LVT_TIMER:
		return LVT_VECTOR | VLAPIC_LVT_MASKED |
		       ((l->cfg.tsc_deadline_allowed ? 3u : 1u) << VLAPIC_LVT_TIMER_SHIFT);
	case VLAPIC_REG_LVT_THERMAL:
	case VLAPIC_REG_LVT_PMC:
		return LVT_VECTOR | LVT_DM_MASK | VLAPIC_LVT_MASKED;
	case VLAPIC_REG_LVT_LINT0:
	case VLAPIC_REG_LVT_LINT1:
		return LVT_VECTOR | LVT_DM_MASK | VLAPIC_LVT_POLARITY | VLAPIC_LVT_LEVEL |
		       VLAPIC_LVT_MASKED;
	case VLAPIC_REG_LVT_ERROR:
		return LVT_VECTOR | VLAPIC_LVT_MASKED;
	default:
		return 0;
	}
}

static void write_lvt(struct vlapic *l, u32 off, u32 val)
{
	u32 old = reg_get(l, off);

	val &= lvt_writable(l, off);
	if (!sw_enabled(l))
		val |= VLAPIC_LVT_MASKED;	/* SDM 10.4.7.2: masks stay set */
	val |= old & VLAPIC_LVT_REMOTE_IRR;
	reg_set(l, off, val);
	if (off == VLAPIC_REG_LVT_TIMER && ((old ^ val) >> VLAPIC_LVT_TIMER_SHIFT) & 3) {
		/* A mode change stops the timer and forgets its programming. */
		timer_stop(l);
		reg_set(l, VLAPIC_REG_TIMER_ICR, 0);
		l->tsc_deadline = 0;
	}
}

static void write_svr(struct vlapic *l, u32 val)
{
	unsigned int i;

	reg_set(l, VLAPIC_REG_SVR, val & SVR_WRITABLE);
	if (!(val & VLAPIC_SVR_ENABLE))
		for (i = 0; i < PURE_ARRAY_SIZE(lvt_regs); i++)
			l->regs[lvt_regs[i] >> 2] |= VLAPIC_LVT_MASKED;
}

static void write_dcr(struct vlapic *l, u32 val)
{
	u32 cur = timer_current(l);
	bool running = l->timer_running;

	reg_set(l, VLAPIC_REG_TIMER_DCR, val & DCR_WRITABLE);
	/* Keep the counts left; they now run at the new rate. */
	if (running && timer_mode(l) != VLAPIC_TIMER_TSCDEADLINE)
		timer_start(l, (u64)cur * timer_tick_ns(l));
}

static void self_ipi(struct vlapic *l, u8 vector)
{
	struct irq_msg msg = {
		.vector = vector,
		.delivery_mode = IRQ_DM_FIXED,
		.shorthand = IRQ_SH_SELF,
		.assert = true,
	};

	if (vector < 16) {
		l->esr_pending |= VLAPIC_ESR_SEND_ILLEGAL;
		return;
	}
	l->ops->send_ipi(l->opaque, l, &msg);
}

/* Write of a register in either mode; the caller has checked the mode rules. */
static void write_reg(struct vlapic *l, u32 off, u32 val)
{
	switch (off) {
	case VLAPIC_REG_ID:
		reg_set(l, off, val & 0xff000000u);
		break;
	case VLAPIC_REG_TPR:
		reg_set(l, off, val & 0xff);
		update_ppr(l);
		break;
	case VLAPIC_REG_EOI:
		do_eoi(l);
		break;
	case VLAPIC_REG_LDR:
		reg_set(l, off, val & 0xff000000u);
		break;
	case VLAPIC_REG_DFR:
		reg_set(l, off, val | DFR_RESERVED_ONES);
		break;
	case VLAPIC_REG_SVR:
		write_svr(l, val);
		break;
	case VLAPIC_REG_ESR:
		reg_set(l, off, l->esr_pending);
		l->esr_pending = 0;
		break;
	case VLAPIC_REG_ICR_LO:
		reg_set(l, off, val & ICR_WRITABLE);
		send_icr(l);
		break;
	case VLAPIC_REG_ICR_HI:
		reg_set(l, off, is_x2apic(l) ? val : val & 0xff000000u);
		break;
	case VLAPIC_REG_LVT_TIMER:
	case VLAPIC_REG_LVT_THERMAL:
	case VLAPIC_REG_LVT_PMC:
	case VLAPIC_REG_LVT_LINT0:
	case VLAPIC_REG_LVT_LINT1:
	case VLAPIC_REG_LVT_ERROR:
		write_lvt(l, off, val);
		break;
	case VLAPIC_REG_TIMER_ICR:
		if (timer_mode(l) == VLAPIC_TIMER_TSCDEADLINE)
			break;	/* ignored in TSC-deadline mode (SDM 10.5.4.1) */
		reg_set(l, off, val);
		timer_start(l, (u64)val * timer_tick_ns(l));
		break;
	case VLAPIC_REG_TIMER_DCR:
		write_dcr(l, val);
		break;
	case VLAPIC_REG_SELF_IPI:
		self_ipi(l, val & 0xff);
		break;
	default:
		break;
	}
}

bool vlapic_mmio_read(struct vlapic *l, u32 offset, void *data, u32 len)
{
	u32 byte = offset & 0xf, val = 0;

	if (vlapic_get_mode(l) != VLAPIC_MODE_XAPIC)
		return false;
	if ((len == 1 || len == 2 || len == 4) && byte + len <= 4 && offset < 0x400 &&
	    read_reg(l, offset & 0x3f0, &val))
		val >>= byte * 8;
	else
		val = 0;
	memcpy(data, &val, len > 4 ? 4 : len);
	if (len > 4)
		memset((u8 *)data + 4, 0, len - 4);
	return true;
}

bool vlapic_mmio_write(struct vlapic *l, u32 offset, const void *data, u32 len)
{
	u32 val;

	if (vlapic_get_mode(l) != VLAPIC_MODE_XAPIC)
		return false;
	if (len != 4 || (offset & 0xf) || offset >= 0x400)
		return true;	/* dropped */
	memcpy(&val, data, 4);
	switch (offset) {
	case VLAPIC_REG_SELF_IPI:	/* x2APIC only */
		break;
	default:
		write_reg(l, offset, val);
	}
	return true;
}

/* ---- MSRs ---- */

static void set_ids_for_mode(struct vlapic *l, enum vlapic_mode mode)
{
	if (mode == VLAPIC_MODE_X2APIC) {
		reg_set(l, VLAPIC_REG_ID, l->cfg.apic_id);
		reg_set(l, VLAPIC_REG_LDR, x2apic_ldr(l->cfg.apic_id));
	} else {
		reg_set(l, VLAPIC_REG_ID, l->cfg.apic_id << 24);
		reg_set(l, VLAPIC_REG_LDR, 0);
	}
}

static void reset_regs(struct vlapic *l)
{
	unsigned int i;

	timer_stop(l);
	memset(l->regs, 0, sizeof(l->regs));
	set_ids_for_mode(l, vlapic_get_mode(l));
	reg_set(l, VLAPIC_REG_VERSION, VLAPIC_VERSION_VALUE);
	reg_set(l, VLAPIC_REG_DFR, 0xffffffffu);
	reg_set(l, VLAPIC_REG_SVR, 0xff);
	for (i = 0; i < PURE_ARRAY_SIZE(lvt_regs); i++)
		reg_set(l, lvt_regs[i], VLAPIC_LVT_MASKED);
	l->tsc_deadline = 0;
	l->esr_pending = 0;
	update_ppr(l);
}

int vlapic_set_base(struct vlapic *l, u64 val, bool host)
{
	u8 phys = l->cfg.maxphyaddr ? l->cfg.maxphyaddr : 52;
	u64 reserved = 0xffull | (1ull << 9) | ~((1ull << phys) - 1);
	enum vlapic_mode old = vlapic_get_mode(l), new;

	if (!l->cfg.x2apic_allowed)
		reserved |= VLAPIC_BASE_EXTD;
	if (val & reserved)
		return VLAPIC_GP;
	if ((val & VLAPIC_BASE_EXTD) && !(val & VLAPIC_BASE_ENABLE))
		return VLAPIC_GP;	/* EXTD=1, EN=0 is the invalid state */
	if (!(val & VLAPIC_BASE_ENABLE))
		new = VLAPIC_MODE_DISABLED;
	else
		new = (val & VLAPIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
	/* SDM 10.12.5: x2APIC -> xAPIC and disabled -> x2APIC are illegal. */
	if (!host && ((old == VLAPIC_MODE_X2APIC && new == VLAPIC_MODE_XAPIC) ||
		      (old == VLAPIC_MODE_DISABLED && new == VLAPIC_MODE_X2APIC)))
		return VLAPIC_GP;
	l->apic_base = val;
	/*
	 * Like Linux, a hardware disable keeps the registers (SDM 10.4.3 allows
	 * either); the disabled APIC just accepts nothing.  Enabling, or switching
	 * to x2APIC, gives the ID (and the x2APIC LDR) of the new mode.
	 */
	if (old != new && new != VLAPIC_MODE_DISABLED)
		set_ids_for_mode(l, new);
	return 0;
}

static int x2apic_msr_read(struct vlapic *l, u32 off, u64 *val)
{
	u32 v;

	switch (off) {
	case VLAPIC_REG_ICR_LO:
		*val = ((u64)reg_get(l, VLAPIC_REG_ICR_HI) << 32) | reg_get(l, VLAPIC_REG_ICR_LO);
		return 0;
	case VLAPIC_REG_DFR:
	case VLAPIC_REG_RRD:
	case VLAPIC_REG_APR:
	case VLAPIC_REG_ICR_HI:
	case VLAPIC_REG_EOI:
	case VLAPIC_REG_SELF_IPI:
		return VLAPIC_GP;	/* absent or write-only in x2APIC mode */
	default:
		if (!read_reg(l, off, &v))
			return VLAPIC_GP;
		*val = v;
		return 0;
	}
}

static int x2apic_msr_write(struct vlapic *l, u32 off, u64 val)
{
	u32 writable;

	if (off == VLAPIC_REG_ICR_LO) {
		/* Bit 12 (delivery status) is tolerated and dropped, as Linux does. */
		if ((u32)val & ~(ICR_WRITABLE | LVT_DELIV_STATUS))
			return VLAPIC_GP;
		reg_set(l, VLAPIC_REG_ICR_HI, val >> 32);
		reg_set(l, VLAPIC_REG_ICR_LO, (u32)val & ICR_WRITABLE);
		send_icr(l);
		return 0;
	}
	if (val >> 32)
		return VLAPIC_GP;
	switch (off) {
	case VLAPIC_REG_TPR:
		writable = 0xff;
		break;
	case VLAPIC_REG_EOI:
	case VLAPIC_REG_ESR:
		writable = 0;
		break;
	case VLAPIC_REG_SVR:
		writable = SVR_WRITABLE;
		break;
	case VLAPIC_REG_TIMER_ICR:
		writable = ~0u;
		break;
	case VLAPIC_REG_TIMER_DCR:
		writable = DCR_WRITABLE;
		break;
	case VLAPIC_REG_SELF_IPI:
		writable = 0xff;
		break;
	case VLAPIC_REG_LVT_TIMER:
	case VLAPIC_REG_LVT_THERMAL:
	case VLAPIC_REG_LVT_PMC:
	case VLAPIC_REG_LVT_LINT0:
	case VLAPIC_REG_LVT_LINT1:
	case VLAPIC_REG_LVT_ERROR:
		/* Read-only status bits may be written back as read. */
		writable = lvt_writable(l, off) | LVT_DELIV_STATUS | VLAPIC_LVT_REMOTE_IRR;
		break;
	default:
		return VLAPIC_GP;	/* read-only or absent */
	}
	if (val & ~(u64)writable)
		return VLAPIC_GP;
	write_reg(l, off, val);
	return 0;
}

int vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val)
{
	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		if (!l->cfg.tsc_deadline_allowed)
			return VLAPIC_GP;
		*val = timer_mode(l) == VLAPIC_TIMER_TSCDEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST || !is_x2apic(l))
		return VLAPIC_GP;
	return x2apic_msr_read(l, (msr - VLAPIC_MSR_X2APIC_FIRST) << 4, val);
}

int vlapic_msr_write(struct vlapic *l, u32 msr, u64 val, bool host)
{
	if (msr == VLAPIC_MSR_APIC_BASE)
		return vlapic_set_base(l, val, host);
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		if (!l->cfg.tsc_deadline_allowed)
			return VLAPIC_GP;
		if (timer_mode(l) != VLAPIC_TIMER_TSCDEADLINE)
			return 0;	/* ignored in the other modes */
		l->tsc_deadline = val;
		tscdeadline_arm(l);
		return 0;
	}
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST || !is_x2apic(l))
		return VLAPIC_GP;
	return x2apic_msr_write(l, (msr - VLAPIC_MSR_X2APIC_FIRST) << 4, val);
}

/* ---- destinations (SDM 10.6.2) ---- */

static bool match_physical(const struct vlapic *l, const struct irq_msg *msg)
{
	if (msg->dest == IRQ_X2APIC_BROADCAST)
		return true;
	if (!msg->dest_x2apic && (msg->dest & 0xff) == IRQ_XAPIC_BROADCAST &&
	    !(is_x2apic(l) && l->cfg.no_x2apic_broadcast_quirk))
		return true;
	return msg->dest == vlapic_get_id(l);
}

static bool match_logical(const struct vlapic *l, const struct irq_msg *msg)
{
	u32 ldr = reg_get(l, VLAPIC_REG_LDR), mda = msg->dest;

	if (mda == IRQ_X2APIC_BROADCAST ||
	    (!msg->dest_x2apic && (mda & 0xff) == IRQ_XAPIC_BROADCAST))
		return true;
	if (is_x2apic(l))	/* cluster in [31:16], member bits in [15:0] */
		return (mda >> 16) == (ldr >> 16) && (mda & ldr & 0xffff);
	mda &= 0xff;
	ldr >>= 24;
	switch (reg_get(l, VLAPIC_REG_DFR) >> 28) {
	case 0xf:		/* flat model: eight one-hot IDs */
		return mda & ldr;
	case 0x0:		/* cluster model: cluster in [7:4], members in [3:0] */
		return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);
	default:
		return false;
	}
}

bool vlapic_match_dest(const struct vlapic *l, const struct irq_msg *msg, bool is_source)
{
	if (vlapic_get_mode(l) == VLAPIC_MODE_DISABLED)
		return false;
	switch (msg->shorthand) {
	case IRQ_SH_SELF:
		return is_source;
	case IRQ_SH_ALL:
		return true;
	case IRQ_SH_OTHERS:
		return !is_source;
	default:
		break;
	}
	return msg->dest_logical ? match_logical(l, msg) : match_physical(l, msg);
}

u32 vlapic_dest_set(struct vlapic *const *lapics, u32 nr, const struct irq_msg *msg,
		    int source, u64 *mask)
{
	bool lowest = msg->delivery_mode == IRQ_DM_LOWEST && msg->shorthand == IRQ_SH_NONE;
	int best = -1;
	u32 i, n = 0;

	memset(mask, 0, ((nr + 63) / 64) * sizeof(u64));
	for (i = 0; i < nr; i++) {
		const struct vlapic *l = lapics[i];

		if (!l || !vlapic_match_dest(l, msg, (int)i == source))
			continue;
		if (lowest) {
			if (vlapic_enabled(l) &&
			    (best < 0 || vlapic_get_ppr(l) < vlapic_get_ppr(lapics[best])))
				best = i;
			continue;
		}
		mask[i / 64] |= 1ull << (i % 64);
		n++;
	}
	if (best >= 0) {
		mask[best / 64] |= 1ull << (best % 64);
		n = 1;
	}
	return n;
}

void irq_msg_from_msi(u64 addr, u32 data, struct irq_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->dest = (addr >> 12) & 0xff;
	msg->dest_logical = addr & (1u << 2);
	msg->vector = data & 0xff;
	msg->delivery_mode = (data >> 8) & 7;
	msg->level_trigger = data & (1u << 15);
	/*
	 * An MSI is a write: it always asserts.  Data bit 14 (the level of an
	 * IPI) means nothing here, and IOAPICs that send their level-triggered
	 * pins as MSIs (QEMU's) leave it clear (as Linux treats them).
	 */
	msg->assert = true;
}

/* ---- life cycle and save/restore ---- */

void vlapic_reset(struct vlapic *l, bool bsp, bool init)
{
	if (!init) {
		l->apic_base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE |
			       (bsp ? VLAPIC_BASE_BSP : 0);
		l->nmi_pending = 0;
		l->sipi_pending = false;
	}
	reset_regs(l);
	/* KVM_X86_QUIRK_LINT0_REENABLED: the BSP starts with LINT0 in ExtINT mode. */
	if ((l->apic_base & VLAPIC_BASE_BSP) && !l->cfg.no_lint0_quirk)
		reg_set(l, VLAPIC_REG_LVT_LINT0, IRQ_DM_EXTINT << 8);
	l->init_pending = false;
	l->extint_pending = false;
	l->lint_level[0] = l->lint_level[1] = 0;
}

void vlapic_init(struct vlapic *l, const struct vlapic_config *cfg,
		 const struct vlapic_ops *ops, void *opaque, bool bsp)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	if (!l->cfg.bus_cycle_ns)
		l->cfg.bus_cycle_ns = 1;
	l->ops = ops;
	l->opaque = opaque;
	vlapic_reset(l, bsp, false);
}

void vlapic_get_state(struct vlapic *l, struct vlapic_state *s)
{
	_Static_assert(sizeof(l->regs) == sizeof(s->regs), "register page size");
	memcpy(s->regs, l->regs, sizeof(s->regs));
	memcpy(s->regs + VLAPIC_REG_TIMER_CCR, &(u32){ timer_current(l) }, 4);
	memcpy(s->regs + VLAPIC_REG_APR, &(u32){ compute_apr(l) }, 4);
	if (is_x2apic(l) && !l->cfg.x2apic_api_ids)
		memcpy(s->regs + VLAPIC_REG_ID, &(u32){ l->cfg.apic_id << 24 }, 4);
}

/* Bring a page from userspace to what register writes could have produced. */
static void sanitize_regs(struct vlapic *l)
{
	static const struct {
		u16 off;
		u32 keep;
	} masks[] = {
		{ VLAPIC_REG_TPR, 0xff },
		{ VLAPIC_REG_SVR, SVR_WRITABLE },
		{ VLAPIC_REG_ICR_LO, ICR_WRITABLE },
		{ VLAPIC_REG_TIMER_DCR, DCR_WRITABLE },
		{ VLAPIC_REG_APR, 0 },
		{ VLAPIC_REG_EOI, 0 },
		{ VLAPIC_REG_RRD, 0 },
		{ VLAPIC_REG_TIMER_CCR, 0 },
	};
	unsigned int i;

	for (i = 0; i < PURE_ARRAY_SIZE(masks); i++)
		l->regs[masks[i].off >> 2] &= masks[i].keep;
	for (i = 0; i < PURE_ARRAY_SIZE(lvt_regs); i++)
		l->regs[lvt_regs[i] >> 2] &= lvt_writable(l, lvt_regs[i]) | VLAPIC_LVT_REMOTE_IRR;
	reg_set(l, VLAPIC_REG_VERSION, VLAPIC_VERSION_VALUE);
	reg_set(l, VLAPIC_REG_DFR, reg_get(l, VLAPIC_REG_DFR) | DFR_RESERVED_ONES);
	if (!is_x2apic(l)) {
		l->regs[VLAPIC_REG_ID >> 2] &= 0xff000000u;
		l->regs[VLAPIC_REG_LDR >> 2] &= 0xff000000u;
		l->regs[VLAPIC_REG_ICR_HI >> 2] &= 0xff000000u;
	}
}

int vlapic_set_state(struct vlapic *l, const struct vlapic_state *s)
{
	u32 tmict, tmcct, id;
	u64 tick;

	memcpy(&id, s->regs + VLAPIC_REG_ID, 4);
	if (is_x2apic(l) && l->cfg.x2apic_api_ids && id != l->cfg.apic_id)
		return IRQCHIP_EINVAL;
	timer_stop(l);
	memcpy(l->regs, s->regs, sizeof(l->regs));
	if (is_x2apic(l))
		set_ids_for_mode(l, VLAPIC_MODE_X2APIC);
	tmcct = reg_get(l, VLAPIC_REG_TIMER_CCR);
	sanitize_regs(l);
	l->esr_pending = 0;
	update_ppr(l);

	tmict = reg_get(l, VLAPIC_REG_TIMER_ICR);
	tick = timer_tick_ns(l);
	if (timer_mode(l) == VLAPIC_TIMER_TSCDEADLINE) {
		tscdeadline_arm(l);
	} else if (tmict) {
		/*
		 * Resume from the saved current count.  Like Linux, a one-shot timer
		 * saved with a zero count fires at once and a periodic one restarts a
		 * full period, so that no interrupt is lost.
		 */
		if (tmcct > tmict)
			tmcct = tmict;
		if (!tmcct && timer_mode(l) == VLAPIC_TIMER_PERIODIC)
			tmcct = tmict;
		timer_start(l, (u64)tmcct * tick);
	}
	return 0;
}
