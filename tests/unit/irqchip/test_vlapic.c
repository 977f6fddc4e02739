// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the local APIC model, on a fake platform: a fake monotonic
 * clock, a fake TSC running at 2 GHz, four LAPICs whose IPIs are routed with
 * vlapic_dest_set(), and a record of timer arming, kicks and level EOIs.
 */
#include "pure_env.h"
#include "ut.h"
#include "vlapic.h"

#define NR 4
#define TSC_KHZ 2000000u	/* TSC = 2 * ns */

struct fake_vcpu {
	int idx;
	bool armed;
	u64 expire;
	int kicks;
	int eoi_count;
	u8 last_eoi;
	bool last_eoi_level;
	u64 last_mask;
};

static u64 now;
static struct vlapic lapics[NR];
static struct fake_vcpu vcpus[NR];

static u64 f_now(void *o)
{
	(void)o;
	return now;
}

static u64 f_tsc(void *o)
{
	(void)o;
	return now * 2;
}

static void f_arm(void *o, u64 expire)
{
	struct fake_vcpu *v = o;

	v->armed = true;
	v->expire = expire;
}

static void f_cancel(void *o)
{
	struct fake_vcpu *v = o;

	v->armed = false;
}

static void f_send_ipi(void *o, struct vlapic *src, const struct irq_msg *msg)
{
	struct fake_vcpu *v = o;
	struct vlapic *ptrs[NR];
	u64 mask;
	int i;

	(void)src;
	for (i = 0; i < NR; i++)
		ptrs[i] = &lapics[i];
	vlapic_dest_set(ptrs, NR, msg, v->idx, &mask);
	v->last_mask = mask;
	for (i = 0; i < NR; i++)
		if ((mask >> i) & 1 && vlapic_deliver(&lapics[i], msg))
			vcpus[i].kicks++;
}

static void f_eoi(void *o, u8 vector, bool level)
{
	struct fake_vcpu *v = o;

	v->eoi_count++;
	v->last_eoi = vector;
	v->last_eoi_level = level;
}

static const struct vlapic_ops ops = {
	.now_ns = f_now,
	.read_tsc = f_tsc,
	.timer_arm = f_arm,
	.timer_cancel = f_cancel,
	.send_ipi = f_send_ipi,
	.eoi_broadcast = f_eoi,
};

static void setup(void)
{
	struct vlapic_config cfg = {
		.x2apic_allowed = true,
		.tsc_deadline_allowed = true,
		.maxphyaddr = 46,
		.bus_cycle_ns = 1,
		.tsc_khz = TSC_KHZ,
	};
	int i;

	now = 1000000;
	for (i = 0; i < NR; i++) {
		memset(&vcpus[i], 0, sizeof(vcpus[i]));
		vcpus[i].idx = i;
		cfg.apic_id = i;
		vlapic_init(&lapics[i], &cfg, &ops, &vcpus[i], i == 0);
	}
}

/* Move the fake clock to @t, firing armed timers in time order on the way. */
static void advance_to(u64 t)
{
	for (;;) {
		int i, first = -1;

		for (i = 0; i < NR; i++)
			if (vcpus[i].armed && vcpus[i].expire <= t &&
			    (first < 0 || vcpus[i].expire < vcpus[first].expire))
				first = i;
		if (first < 0)
			break;
		if (vcpus[first].expire > now)
			now = vcpus[first].expire;
		vcpus[first].armed = false;
		if (vlapic_timer_expired(&lapics[first]))
			vcpus[first].kicks++;
	}
	now = t;
}

static u32 rd(int i, u32 off)
{
	u32 v = 0xdeadbeef;

	vlapic_mmio_read(&lapics[i], off, &v, 4);
	return v;
}

static void wr(int i, u32 off, u32 val)
{
	vlapic_mmio_write(&lapics[i], off, &val, 4);
}

/* IRR/ISR/TMR bits straight from the register page (valid in every mode). */
static bool vbit(int i, u32 base, u8 v)
{
	return lapics[i].regs[(base + (v >> 5) * 16) >> 2] & (1u << (v & 31));
}

static bool irr(int i, u8 v)
{
	return vbit(i, VLAPIC_REG_IRR, v);
}

static bool isr(int i, u8 v)
{
	return vbit(i, VLAPIC_REG_ISR, v);
}

static bool tmr(int i, u8 v)
{
	return vbit(i, VLAPIC_REG_TMR, v);
}

static void enable_all(void)
{
	int i;

	for (i = 0; i < NR; i++)
		wr(i, VLAPIC_REG_SVR, 0x1ff);
}

static bool post(int i, u8 vec, bool level)
{
	struct irq_msg m = { .vector = vec, .delivery_mode = IRQ_DM_FIXED,
			     .level_trigger = level, .assert = true };

	return vlapic_deliver(&lapics[i], &m);
}

static void test_reset_and_registers(void)
{
	u8 b;
	u16 h;
	u32 v;

	setup();
	UT_CHECK(vlapic_get_mode(&lapics[0]) == VLAPIC_MODE_XAPIC, "reset: xAPIC mode");
	UT_CHECK(lapics[0].apic_base == 0xfee00900ull, "BSP APIC base 0xfee00900");
	UT_CHECK(lapics[1].apic_base == 0xfee00800ull, "AP APIC base 0xfee00800");
	UT_CHECK(rd(2, VLAPIC_REG_ID) == 2u << 24, "ID register holds id << 24");
	UT_CHECK(rd(0, VLAPIC_REG_VERSION) == 0x50014, "version 0x14, max LVT 5");
	UT_CHECK(rd(0, VLAPIC_REG_SVR) == 0xff, "SVR resets to 0xff (disabled)");
	UT_CHECK(rd(0, VLAPIC_REG_DFR) == 0xffffffff, "DFR resets to all ones");
	UT_CHECK(rd(1, VLAPIC_REG_LVT_LINT0) == VLAPIC_LVT_MASKED &&
		 rd(1, VLAPIC_REG_LVT_TIMER) == VLAPIC_LVT_MASKED &&
		 rd(1, VLAPIC_REG_LVT_ERROR) == VLAPIC_LVT_MASKED, "AP: LVTs reset masked");
	UT_CHECK(rd(0, VLAPIC_REG_LVT_LINT0) == 0x700 &&
		 rd(0, VLAPIC_REG_LVT_LINT1) == VLAPIC_LVT_MASKED,
		 "BSP: LINT0 resets to unmasked ExtINT (LINT0_REENABLED quirk)");
	lapics[0].cfg.no_lint0_quirk = true;
	vlapic_reset(&lapics[0], true, false);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_LINT0) == VLAPIC_LVT_MASKED, "quirk off: BSP LINT0 masked");
	lapics[0].cfg.no_lint0_quirk = false;

	wr(0, VLAPIC_REG_VERSION, 0x12345678);
	UT_CHECK(rd(0, VLAPIC_REG_VERSION) == 0x50014, "version is read-only");
	wr(0, VLAPIC_REG_TPR, 0xfff);
	UT_CHECK(rd(0, VLAPIC_REG_TPR) == 0xff, "TPR keeps bits 7:0 only");
	UT_CHECK(rd(0, VLAPIC_REG_PPR) == 0xff, "PPR follows TPR");
	wr(0, VLAPIC_REG_PPR, 0);
	UT_CHECK(rd(0, VLAPIC_REG_PPR) == 0xff, "PPR is read-only");
	wr(0, VLAPIC_REG_TPR, 0);
	wr(0, VLAPIC_REG_IRR, 0xffffffff);
	UT_CHECK(rd(0, VLAPIC_REG_IRR) == 0, "IRR is read-only");
	wr(0, VLAPIC_REG_DFR, 0);
	UT_CHECK(rd(0, VLAPIC_REG_DFR) == 0x0fffffff, "DFR bits 27:0 read as ones");
	wr(0, VLAPIC_REG_LDR, 0x12345678);
	UT_CHECK(rd(0, VLAPIC_REG_LDR) == 0x12000000, "LDR keeps bits 31:24");
	wr(0, VLAPIC_REG_ID, 0x07ffffff);
	UT_CHECK(rd(0, VLAPIC_REG_ID) == 0x07000000 && vlapic_get_id(&lapics[0]) == 7,
		 "xAPIC ID is writable, bits 31:24");
	wr(0, VLAPIC_REG_SVR, 0xffffffff);
	UT_CHECK(rd(0, VLAPIC_REG_SVR) == 0x3ff, "SVR keeps vector, enable, focus bits");
	wr(0, VLAPIC_REG_LVT_LINT0, 0xffffffff);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_LINT0) == 0x1a7ff,
		 "LINT0: remote IRR and delivery status are read-only");
	wr(0, VLAPIC_REG_LVT_TIMER, 0xffffffff);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_TIMER) == 0x700ff, "LVT timer: vector, mask, mode bits");
	wr(0, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_MASKED);
	wr(0, VLAPIC_REG_LVT_ERROR, 0xffffffff);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_ERROR) == 0x100ff, "LVT error: vector and mask only");
	wr(0, VLAPIC_REG_TIMER_DCR, 0xff);
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_DCR) == 0xb, "DCR keeps bits 0, 1, 3");
	wr(0, VLAPIC_REG_ICR_HI, 0xffffffff);
	UT_CHECK(rd(0, VLAPIC_REG_ICR_HI) == 0xff000000, "ICR high: bits 31:24");
	UT_CHECK(rd(0, 0x40) == 0, "reserved offset reads 0");

	wr(1, VLAPIC_REG_TPR, 0x5a);
	vlapic_mmio_read(&lapics[1], VLAPIC_REG_TPR, &b, 1);
	UT_CHECK(b == 0x5a, "byte read of TPR");
	vlapic_mmio_read(&lapics[1], VLAPIC_REG_ID + 2, &h, 2);
	UT_CHECK(h == 0x0100, "16-bit read of ID bits 31:16");
	v = 0x77;
	vlapic_mmio_write(&lapics[1], VLAPIC_REG_TPR, &v, 2);
	UT_CHECK(rd(1, VLAPIC_REG_TPR) == 0x5a, "non-dword write is dropped");
}

static void test_software_disable(void)
{
	struct irq_msg nmi = { .delivery_mode = IRQ_DM_NMI, .assert = true };

	setup();
	wr(0, VLAPIC_REG_LVT_LINT0, 0x700);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_LINT0) & VLAPIC_LVT_MASKED,
		 "software-disabled: LVT cannot be unmasked");
	UT_CHECK(!post(0, 0x40, false) && !irr(0, 0x40), "software-disabled: fixed dropped");
	UT_CHECK(vlapic_deliver(&lapics[0], &nmi) && lapics[0].nmi_pending == 1,
		 "software-disabled: NMI accepted");
	wr(0, VLAPIC_REG_SVR, 0x1ff);
	wr(0, VLAPIC_REG_LVT_LINT0, 0x700);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_LINT0) == 0x700, "enabled: LVT unmasked");
	UT_CHECK(post(0, 0x40, false) && irr(0, 0x40), "enabled: fixed accepted");
	wr(0, VLAPIC_REG_SVR, 0xff);
	UT_CHECK(rd(0, VLAPIC_REG_LVT_LINT0) == 0x10700, "clearing SVR.8 masks every LVT");
	UT_CHECK(irr(0, 0x40), "IRR kept across software disable");
}

static void test_priority(void)
{
	setup();
	enable_all();
	post(0, 0x31, false);
	post(0, 0x52, false);
	post(0, 0x45, false);
	UT_CHECK(!post(0, 0x45, false), "second edge on a pending vector coalesces");
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == 0x52, "highest IRR vector wins");
	wr(0, VLAPIC_REG_TPR, 0x50);
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == -1, "TPR class 5 blocks vector 0x52");
	UT_CHECK(rd(0, VLAPIC_REG_APR) == 0x50, "APR = TPR class when TPR >= IRRV");
	wr(0, VLAPIC_REG_TPR, 0x40);
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == 0x52, "TPR 0x40 lets 0x52 through");
	vlapic_ack(&lapics[0], 0x52);
	UT_CHECK(!irr(0, 0x52) && isr(0, 0x52), "ack moves IRR to ISR");
	UT_CHECK(rd(0, VLAPIC_REG_PPR) == 0x50, "PPR = ISRV class 0x50");
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == -1, "0x45 is below in-service 0x52");
	post(0, 0x61, false);
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == 0x61, "0x61 preempts in-service 0x52");
	vlapic_ack(&lapics[0], 0x61);
	UT_CHECK(rd(0, VLAPIC_REG_PPR) == 0x60, "nested: PPR 0x60");
	wr(0, VLAPIC_REG_EOI, 0);
	UT_CHECK(!isr(0, 0x61) && isr(0, 0x52), "EOI retires the highest ISR bit first");
	wr(0, VLAPIC_REG_EOI, 0);
	UT_CHECK(rd(0, VLAPIC_REG_PPR) == 0x40, "after EOIs PPR = TPR");
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == -1, "0x45 same class as TPR: blocked");
	wr(0, VLAPIC_REG_TPR, 0);
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == 0x45, "TPR 0: 0x45 pending");
	UT_CHECK(vcpus[0].eoi_count == 0, "edge EOIs are not broadcast");
}

static void test_eoi_level_and_esr(void)
{
	setup();
	enable_all();
	post(1, 0x70, true);
	UT_CHECK(tmr(1, 0x70), "level interrupt sets TMR");
	vlapic_ack(&lapics[1], 0x70);
	wr(1, VLAPIC_REG_EOI, 0);
	UT_CHECK(vcpus[1].eoi_count == 1 && vcpus[1].last_eoi == 0x70 && vcpus[1].last_eoi_level,
		 "EOI of a level vector is broadcast once with its vector");
	post(1, 0x70, false);
	UT_CHECK(!tmr(1, 0x70), "edge interrupt clears TMR");
	wr(1, VLAPIC_REG_EOI, 0);
	UT_CHECK(vcpus[1].eoi_count == 1, "EOI with empty ISR does nothing");
	vlapic_set_eoi_notify(&lapics[1], 0x71, true);
	post(1, 0x71, false);
	vlapic_ack(&lapics[1], 0x71);
	wr(1, VLAPIC_REG_EOI, 0);
	UT_CHECK(vcpus[1].eoi_count == 2 && vcpus[1].last_eoi == 0x71 && !vcpus[1].last_eoi_level,
		 "edge vector in the notify set: EOI broadcast as edge");
	vlapic_set_eoi_notify(&lapics[1], 0x71, false);
	post(1, 0x71, false);
	vlapic_ack(&lapics[1], 0x71);
	wr(1, VLAPIC_REG_EOI, 0);
	UT_CHECK(vcpus[1].eoi_count == 2, "removed from the notify set: no broadcast");

	UT_CHECK(!post(1, 0x05, false), "vector < 16 refused");
	UT_CHECK(rd(1, VLAPIC_REG_ESR) == 0, "ESR shows nothing until written");
	wr(1, VLAPIC_REG_ESR, 0);
	UT_CHECK(rd(1, VLAPIC_REG_ESR) == VLAPIC_ESR_RECV_ILLEGAL, "ESR: receive illegal vector");
	wr(1, VLAPIC_REG_ESR, 0);
	UT_CHECK(rd(1, VLAPIC_REG_ESR) == 0, "ESR write clears");
	wr(1, VLAPIC_REG_ICR_HI, 0);
	wr(1, VLAPIC_REG_ICR_LO, 0x00000003);
	wr(1, VLAPIC_REG_ESR, 0);
	UT_CHECK(rd(1, VLAPIC_REG_ESR) == VLAPIC_ESR_SEND_ILLEGAL && !irr(0, 3),
		 "ESR: send illegal vector, nothing sent");
}

static void test_timer_oneshot(void)
{
	u64 t0;

	setup();
	enable_all();
	wr(0, VLAPIC_REG_TIMER_DCR, 0x1);		/* divide by 4 */
	wr(0, VLAPIC_REG_LVT_TIMER, 0x40);		/* one-shot, vector 0x40 */
	t0 = now;
	wr(0, VLAPIC_REG_TIMER_ICR, 1000);
	UT_CHECK(vcpus[0].armed && vcpus[0].expire == t0 + 4000,
		 "one-shot /4 x 1000 armed at +4000 ns");
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_CCR) == 1000, "CCR = initial count at start");
	advance_to(t0 + 1000);
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_CCR) == 750, "CCR 750 after 1000 ns");
	advance_to(t0 + 3999);
	UT_CHECK(!irr(0, 0x40) && rd(0, VLAPIC_REG_TIMER_CCR) == 1, "not fired at +3999");
	advance_to(t0 + 4000);
	UT_CHECK(irr(0, 0x40) && vcpus[0].kicks == 1, "fired at +4000 with a kick");
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_CCR) == 0 && !vcpus[0].armed, "one-shot: stopped, CCR 0");
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_ICR) == 1000, "TMICT kept");

	/* Masked LVT: the counter still runs and expires, nothing is delivered. */
	wr(0, VLAPIC_REG_LVT_TIMER, 0x10041);
	wr(0, VLAPIC_REG_TIMER_ICR, 10);
	advance_to(now + 40);
	UT_CHECK(!irr(0, 0x41) && lapics[0].timer_fired == 2, "masked timer counts, no IRR");
	/* Writing TMICT 0 stops the timer. */
	wr(0, VLAPIC_REG_TIMER_ICR, 100);
	wr(0, VLAPIC_REG_TIMER_ICR, 0);
	UT_CHECK(!vcpus[0].armed && rd(0, VLAPIC_REG_TIMER_CCR) == 0, "TMICT 0 stops it");
	/* Early platform callback: the model re-arms and delivers nothing. */
	wr(0, VLAPIC_REG_LVT_TIMER, 0x42);
	wr(0, VLAPIC_REG_TIMER_ICR, 100);
	UT_CHECK(!vlapic_timer_expired(&lapics[0]) && vcpus[0].expire == now + 400 &&
		 !irr(0, 0x42), "early expiry callback re-arms");
}

static void test_timer_periodic(void)
{
	u64 t0;
	int k, ok = 1;

	setup();
	enable_all();
	wr(1, VLAPIC_REG_TIMER_DCR, 0xb);		/* divide by 1 */
	wr(1, VLAPIC_REG_LVT_TIMER, (VLAPIC_TIMER_PERIODIC << 17) | 0x50);
	t0 = now;
	wr(1, VLAPIC_REG_TIMER_ICR, 500);
	for (k = 1; k <= 10; k++) {
		if (vcpus[1].expire != t0 + 500ull * k)
			ok = 0;
		advance_to(t0 + 500ull * k);
		if (!irr(1, 0x50))
			ok = 0;
		vlapic_ack(&lapics[1], 0x50);
		wr(1, VLAPIC_REG_EOI, 0);
	}
	UT_CHECK(ok && lapics[1].timer_fired == 10, "periodic: 10 ticks at exactly 500 ns");
	advance_to(t0 + 5000 + 200);
	UT_CHECK(rd(1, VLAPIC_REG_TIMER_CCR) == 300, "periodic: CCR 300 mid-period");
	/* The platform is late by 3.5 periods: one interrupt, next tick on the grid. */
	now = t0 + 5000 + 1750;
	vcpus[1].armed = false;
	vlapic_timer_expired(&lapics[1]);
	UT_CHECK(lapics[1].timer_fired == 11 && vcpus[1].expire == t0 + 7000,
		 "late expiry coalesces, next on the original grid");
	/* Divide change mid-period: the counts left run at the new rate. */
	now = t0 + 6800;				/* 200 counts left */
	wr(1, VLAPIC_REG_TIMER_DCR, 0x0);		/* divide by 2 */
	UT_CHECK(vcpus[1].expire == t0 + 6800 + 400 && rd(1, VLAPIC_REG_TIMER_CCR) == 200,
		 "DCR change rescales the remaining count");
	advance_to(t0 + 7200);
	UT_CHECK(vcpus[1].expire == t0 + 8200, "new period 500 x 2 = 1000 ns");
	/* Mode change stops the timer and clears TMICT. */
	wr(1, VLAPIC_REG_LVT_TIMER, 0x50);
	UT_CHECK(!vcpus[1].armed && rd(1, VLAPIC_REG_TIMER_ICR) == 0,
		 "LVT mode change stops the timer");

	/* Minimum period floor. */
	lapics[2].cfg.min_period_ns = 10000;
	wr(2, VLAPIC_REG_TIMER_DCR, 0xb);
	wr(2, VLAPIC_REG_LVT_TIMER, (VLAPIC_TIMER_PERIODIC << 17) | 0x50);
	wr(2, VLAPIC_REG_TIMER_ICR, 1);
	UT_CHECK(vcpus[2].expire == now + 10000, "periodic period floored at min_period_ns");
}

static void test_timer_tscdeadline(void)
{
	u64 v = 1;

	setup();
	enable_all();
	UT_CHECK(vlapic_msr_write(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, now * 2 + 100, false) == 0 &&
		 !vcpus[0].armed, "deadline write ignored outside TSC-deadline mode");
	vlapic_msr_read(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, &v);
	UT_CHECK(v == 0, "deadline reads 0 outside TSC-deadline mode");
	wr(0, VLAPIC_REG_LVT_TIMER, (VLAPIC_TIMER_TSCDEADLINE << 17) | 0x60);
	wr(0, VLAPIC_REG_TIMER_ICR, 1000);
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_ICR) == 0 && !vcpus[0].armed,
		 "TMICT write ignored in TSC-deadline mode");
	vlapic_msr_write(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, now * 2 + 3000, false);
	UT_CHECK(vcpus[0].armed && vcpus[0].expire == now + 1500,
		 "deadline 3000 TSC ticks ahead at 2 GHz: armed +1500 ns");
	vlapic_msr_read(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, &v);
	UT_CHECK(v == now * 2 + 3000, "deadline reads back");
	UT_CHECK(rd(0, VLAPIC_REG_TIMER_CCR) == 0, "CCR reads 0 in TSC-deadline mode");
	advance_to(now + 1500);
	UT_CHECK(irr(0, 0x60), "deadline interrupt delivered");
	vlapic_msr_read(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, &v);
	UT_CHECK(v == 0 && !vcpus[0].armed, "deadline cleared after firing");
	lapics[0].cfg.tsc_khz = 3000000;		/* 3 GHz view of the 2 GHz fake TSC */
	vlapic_msr_write(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, now * 2 + 1000, false);
	UT_CHECK(vcpus[0].expire == now + 334, "deadline ns rounded up (1000 / 3 -> 334)");
	lapics[0].cfg.tsc_khz = TSC_KHZ;
	vlapic_msr_write(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, 5, false);
	UT_CHECK(vcpus[0].armed && vcpus[0].expire == now, "deadline in the past fires now");
	vlapic_msr_write(&lapics[0], VLAPIC_MSR_TSC_DEADLINE, 0, false);
	UT_CHECK(!vcpus[0].armed, "deadline 0 disarms");
	lapics[1].cfg.tsc_deadline_allowed = false;
	UT_CHECK(vlapic_msr_write(&lapics[1], VLAPIC_MSR_TSC_DEADLINE, 1, false) == VLAPIC_GP,
		 "no TSC-deadline in CPUID: #GP");
	wr(1, VLAPIC_REG_LVT_TIMER, (VLAPIC_TIMER_TSCDEADLINE << 17) | 0x60);
	UT_CHECK(((rd(1, VLAPIC_REG_LVT_TIMER) >> 17) & 3) == 0,
		 "TSC-deadline mode bit not writable without the feature");
}

static void send(int from, u32 dest, u32 lo)
{
	wr(from, VLAPIC_REG_ICR_HI, dest << 24);
	wr(from, VLAPIC_REG_ICR_LO, lo);
}

static u64 clear_all_irr(u8 vec)
{
	u64 m = 0;
	int i;

	for (i = 0; i < NR; i++) {
		if (irr(i, vec)) {
			m |= 1ull << i;
			vlapic_ack(&lapics[i], vec);
			wr(i, VLAPIC_REG_EOI, 0);
		}
	}
	return m;
}

static void test_ipi_xapic(void)
{
	u8 sv = 0;
	int i;

	setup();
	enable_all();
	send(0, 2, 0x00000031);
	UT_CHECK(clear_all_irr(0x31) == 0x4 && vcpus[2].kicks == 1, "physical fixed to ID 2");
	UT_CHECK((rd(0, VLAPIC_REG_ICR_LO) & (1u << 12)) == 0, "delivery status reads idle");
	send(0, 0xff, 0x00000032);
	UT_CHECK(clear_all_irr(0x32) == 0xf, "physical broadcast 0xff");
	send(0, 7, 0x00000033);
	UT_CHECK(clear_all_irr(0x33) == 0, "physical to absent ID: nobody");

	for (i = 0; i < NR; i++)	/* flat: one bit each */
		wr(i, VLAPIC_REG_LDR, 1u << (24 + i));
	send(0, 0x05, 0x00000834);
	UT_CHECK(clear_all_irr(0x34) == 0x5, "logical flat MDA 0x05 -> LAPICs 0 and 2");
	for (i = 0; i < NR; i++) {	/* cluster: 0x11 0x12 0x21 0x22 */
		wr(i, VLAPIC_REG_DFR, 0x0fffffff);
		wr(i, VLAPIC_REG_LDR, (((i / 2 + 1) << 4) | (1u << (i % 2))) << 24);
	}
	send(0, 0x23, 0x00000835);
	UT_CHECK(clear_all_irr(0x35) == 0xc, "logical cluster 2, members 1|2 -> LAPICs 2, 3");
	send(0, 0x11, 0x00000836);
	UT_CHECK(clear_all_irr(0x36) == 0x1, "logical cluster 1 member 1 -> LAPIC 0");

	send(1, 0, 0x00040037);
	UT_CHECK(clear_all_irr(0x37) == 0x2, "shorthand self");
	send(1, 0, 0x00080038);
	UT_CHECK(clear_all_irr(0x38) == 0xf, "shorthand all including self");
	send(1, 0, 0x000c0039);
	UT_CHECK(clear_all_irr(0x39) == 0xd, "shorthand all excluding self");

	for (i = 0; i < NR; i++)
		wr(i, VLAPIC_REG_TPR, 0x80);
	wr(3, VLAPIC_REG_TPR, 0x10);
	send(0, 0xff, 0x0000013a);		/* lowest priority, physical broadcast */
	UT_CHECK(clear_all_irr(0x3a) == 0x8, "lowest priority picks the lowest PPR");
	wr(3, VLAPIC_REG_TPR, 0x80);
	send(0, 0xff, 0x000001fb);
	UT_CHECK(clear_all_irr(0xfb) == 0x1, "lowest priority tie: first LAPIC");

	send(0, 3, 0x00000400);
	UT_CHECK(vlapic_take_nmi(&lapics[3]) && !vlapic_take_nmi(&lapics[3]), "NMI IPI");
	send(0, 1, 0x0000c500);			/* INIT level assert */
	UT_CHECK(vlapic_take_init(&lapics[1]) && !vlapic_take_init(&lapics[1]), "INIT IPI");
	send(0, 1, 0x00008500);			/* INIT level de-assert */
	UT_CHECK(!vlapic_take_init(&lapics[1]), "INIT de-assert ignored");
	send(0, 1, 0x0000069a);
	UT_CHECK(vlapic_take_sipi(&lapics[1], &sv) && sv == 0x9a, "SIPI carries its vector");
	send(0, 2, 0x00000700);
	UT_CHECK(vlapic_take_extint(&lapics[2]) && !vlapic_take_extint(&lapics[2]),
		 "ExtINT IPI sets ExtINT pending");
	send(0, 2, 0x00008040);			/* ICR trigger bit ignored for fixed */
	UT_CHECK(clear_all_irr(0x40) == 0x4 && !tmr(2, 0x40), "ICR level bit ignored");
}

static void test_x2apic(void)
{
	u64 v = 0;
	u64 mask;
	struct vlapic *ptrs[NR];
	struct irq_msg m = { .vector = 0x44, .dest_logical = true, .dest_x2apic = true };
	int i;

	setup();
	enable_all();
	UT_CHECK(vlapic_msr_read(&lapics[0], 0x802, &v) == VLAPIC_GP,
		 "x2APIC MSRs #GP in xAPIC mode");
	UT_CHECK(vlapic_msr_write(&lapics[0], VLAPIC_MSR_APIC_BASE, 0xfee00d00ull, false) == 0 &&
		 vlapic_get_mode(&lapics[0]) == VLAPIC_MODE_X2APIC, "xAPIC -> x2APIC");
	UT_CHECK(!vlapic_mmio_read(&lapics[0], VLAPIC_REG_ID, &v, 4), "MMIO not claimed in x2APIC");
	lapics[3].cfg.apic_id = 0x23;
	for (i = 1; i < NR; i++)
		vlapic_set_base(&lapics[i], 0xfee00c00ull, false);
	vlapic_msr_read(&lapics[3], 0x802, &v);
	UT_CHECK(v == 0x23, "x2APIC ID MSR holds the 32-bit ID");
	vlapic_msr_read(&lapics[3], 0x80d, &v);
	UT_CHECK(v == 0x20008, "LDR derived: cluster 2, bit 3");
	UT_CHECK(vlapic_msr_write(&lapics[3], 0x80d, 0, false) == VLAPIC_GP, "LDR read-only: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[3], 0x802, 0, false) == VLAPIC_GP, "ID read-only: #GP");
	UT_CHECK(vlapic_msr_read(&lapics[3], 0x80e, &v) == VLAPIC_GP, "DFR absent: #GP");
	UT_CHECK(vlapic_msr_read(&lapics[3], 0x831, &v) == VLAPIC_GP, "0x831 absent: #GP");
	UT_CHECK(vlapic_msr_read(&lapics[3], 0x80b, &v) == VLAPIC_GP, "EOI read: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[3], 0x80b, 1, false) == VLAPIC_GP,
		 "EOI non-zero write: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[3], 0x808, 0x100, false) == VLAPIC_GP,
		 "TPR reserved bits: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[3], 0x808, 1ull << 32, false) == VLAPIC_GP,
		 "upper half non-zero: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[3], 0x808, 0x20, false) == 0 &&
		 vlapic_msr_read(&lapics[3], 0x80a, &v) == 0 && v == 0x20, "TPR/PPR via MSRs");
	vlapic_msr_write(&lapics[3], 0x808, 0, false);

	vlapic_msr_write(&lapics[0], 0x830, (0x23ull << 32) | 0x45, false);
	UT_CHECK(irr(3, 0x45) && !irr(0, 0x45), "64-bit ICR write, physical dest 0x23");
	vlapic_msr_read(&lapics[0], 0x830, &v);
	UT_CHECK(v == ((0x23ull << 32) | 0x45), "ICR reads back as one 64-bit value");
	UT_CHECK(vlapic_pending_vector(&lapics[3]) == 0x45, "delivered to x2APIC ID 0x23");
	UT_CHECK(vlapic_msr_write(&lapics[0], 0x830, 1ull << 13 | 0x45, false) == VLAPIC_GP,
		 "ICR reserved bit 13: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[0], 0x830, (0x23ull << 32) | 1ull << 12 | 0x46,
				  false) == 0 && vlapic_msr_read(&lapics[0], 0x830, &v) == 0 &&
		 v == ((0x23ull << 32) | 0x46), "ICR bit 12 tolerated and dropped (as Linux)");

	for (i = 0; i < NR; i++)
		ptrs[i] = &lapics[i];
	m.dest = 0x0000000a;	/* cluster 0, IDs 1 and 3 */
	vlapic_dest_set(ptrs, NR, &m, -1, &mask);
	UT_CHECK(mask == 0x2, "x2APIC logical cluster 0 bits 1|3 -> ID 1 only (ID 3 absent)");
	m.dest = 0x00020008;
	vlapic_dest_set(ptrs, NR, &m, -1, &mask);
	UT_CHECK(mask == 0x8, "x2APIC logical cluster 2 bit 3 -> ID 0x23");
	m.dest = 0xffffffff;
	m.dest_logical = false;
	vlapic_dest_set(ptrs, NR, &m, -1, &mask);
	UT_CHECK(mask == 0xf, "x2APIC physical broadcast");
	m.dest = 0xff;
	m.dest_x2apic = false;
	vlapic_dest_set(ptrs, NR, &m, -1, &mask);
	UT_CHECK(mask == 0xf, "8-bit 0xff from IOAPIC/MSI broadcasts to x2APIC too");

	vlapic_msr_write(&lapics[2], 0x83f, 0x66, false);
	UT_CHECK(vlapic_pending_vector(&lapics[2]) == 0x66 && vcpus[2].last_mask == 0x4,
		 "SELF_IPI MSR");
	UT_CHECK(vlapic_msr_read(&lapics[2], 0x83f, &v) == VLAPIC_GP, "SELF_IPI read: #GP");
	UT_CHECK(vlapic_msr_write(&lapics[2], 0x83f, 0x100, false) == VLAPIC_GP,
		 "SELF_IPI reserved bits: #GP");

	/* APIC base transitions. */
	UT_CHECK(vlapic_set_base(&lapics[1], 0xfee00800ull, false) == VLAPIC_GP &&
		 vlapic_get_mode(&lapics[1]) == VLAPIC_MODE_X2APIC, "x2APIC -> xAPIC: #GP");
	UT_CHECK(vlapic_set_base(&lapics[1], 0xfee00400ull, false) == VLAPIC_GP,
		 "EXTD without EN: #GP");
	UT_CHECK(vlapic_set_base(&lapics[1], 0xfee00000ull, false) == 0 &&
		 vlapic_get_mode(&lapics[1]) == VLAPIC_MODE_DISABLED, "x2APIC -> disabled");
	UT_CHECK(vlapic_set_base(&lapics[1], 0xfee00c00ull, false) == VLAPIC_GP,
		 "disabled -> x2APIC: #GP");
	UT_CHECK(!post(1, 0x50, false), "disabled APIC accepts nothing");
	UT_CHECK(vlapic_set_base(&lapics[1], 0xfee00800ull, false) == 0 &&
		 rd(1, VLAPIC_REG_ID) == 1u << 24 && rd(1, VLAPIC_REG_SVR) == 0x1ff,
		 "disabled -> xAPIC: xAPIC ID, other registers kept (as Linux)");
	UT_CHECK(vlapic_set_base(&lapics[1], 0xfee00a00ull, false) == VLAPIC_GP,
		 "reserved bit 9: #GP");
	UT_CHECK(vlapic_set_base(&lapics[1], (1ull << 46) | 0xfee00800ull, false) == VLAPIC_GP,
		 "base above MAXPHYADDR: #GP");
	UT_CHECK(vlapic_set_base(&lapics[3], 0xfee00800ull, true) == 0 &&
		 vlapic_get_id(&lapics[3]) == 0x23, "host may go x2APIC -> xAPIC");
	lapics[2].cfg.x2apic_allowed = false;
	vlapic_set_base(&lapics[2], 0xfee00800ull, true);
	UT_CHECK(vlapic_set_base(&lapics[2], 0xfee00c00ull, false) == VLAPIC_GP,
		 "x2APIC not in CPUID: EXTD reserved");
}

static void test_lint_and_msi(void)
{
	struct irq_msg m;

	setup();
	enable_all();
	UT_CHECK(!vlapic_accepts_pic_intr(&lapics[2]), "LINT0 masked: PIC not accepted");
	wr(2, VLAPIC_REG_LVT_LINT0, 0x700);
	UT_CHECK(vlapic_accepts_pic_intr(&lapics[2]), "LINT0 ExtINT: PIC accepted");
	wr(2, VLAPIC_REG_LVT_LINT0, 0x10700);
	UT_CHECK(!vlapic_accepts_pic_intr(&lapics[2]), "LINT0 ExtINT but masked: not accepted");
	vlapic_set_base(&lapics[1], 0xfee00000ull, false);
	UT_CHECK(vlapic_accepts_pic_intr(&lapics[1]), "hardware-disabled APIC: PIC accepted");
	wr(0, VLAPIC_REG_LVT_LINT1, 0x400);
	UT_CHECK(vlapic_set_lint(&lapics[0], 1, true) && vlapic_take_nmi(&lapics[0]),
		 "LINT1 NMI on rising edge");
	UT_CHECK(!vlapic_set_lint(&lapics[0], 1, true) && !vlapic_take_nmi(&lapics[0]),
		 "LINT1 held high: no second NMI");
	wr(0, VLAPIC_REG_LVT_LINT1, 0x8000 | 0x77);
	vlapic_set_lint(&lapics[0], 1, false);
	vlapic_set_lint(&lapics[0], 1, true);
	UT_CHECK(irr(0, 0x77) && tmr(0, 0x77), "LINT1 level fixed: IRR and TMR");

	UT_CHECK(!vlapic_deliver_lvt(&lapics[0], VLAPIC_REG_LVT_PMC), "masked PMC LVT: nothing");
	wr(0, VLAPIC_REG_LVT_PMC, 0x400);
	UT_CHECK(vlapic_deliver_lvt(&lapics[0], VLAPIC_REG_LVT_PMC) && vlapic_take_nmi(&lapics[0]),
		 "PMC LVT in NMI mode raises an NMI");
	wr(0, VLAPIC_REG_LVT_THERMAL, 0x0e9);
	UT_CHECK(vlapic_deliver_lvt(&lapics[0], VLAPIC_REG_LVT_THERMAL) && irr(0, 0xe9),
		 "thermal LVT fixed vector 0xe9");
	UT_CHECK(!vlapic_deliver_lvt(&lapics[0], VLAPIC_REG_LVT_LINT0), "not a local source");

	irq_msg_from_msi(0xfee03004ull, 0x0000c1a5, &m);
	UT_CHECK(m.dest == 3 && m.dest_logical && m.vector == 0xa5 &&
		 m.delivery_mode == IRQ_DM_LOWEST && m.level_trigger && m.assert,
		 "MSI decode: dest 3 logical lowest level vector 0xa5");
	irq_msg_from_msi(0xfee01000ull, 0x00008032, &m);
	UT_CHECK(m.level_trigger && m.assert && m.vector == 0x32,
		 "MSI decode: level-triggered without bit 14 still asserts");
	irq_msg_from_msi(0xfee01000ull, 0x00000031, &m);
	UT_CHECK(m.dest == 1 && !m.dest_logical && m.delivery_mode == IRQ_DM_FIXED &&
		 !m.level_trigger && m.assert, "MSI decode: edge physical");
}

static void test_save_restore(void)
{
	struct vlapic_state s, s2;
	u32 v;
	u64 t0;
	int rc;

	setup();
	enable_all();
	wr(1, VLAPIC_REG_TPR, 0x20);
	post(1, 0x91, true);
	post(1, 0x55, false);
	vlapic_ack(&lapics[1], 0x91);
	wr(1, VLAPIC_REG_LVT_LINT0, 0x700);
	wr(1, VLAPIC_REG_TIMER_DCR, 0xb);
	wr(1, VLAPIC_REG_LVT_TIMER, (VLAPIC_TIMER_PERIODIC << 17) | 0x30);
	t0 = now;
	wr(1, VLAPIC_REG_TIMER_ICR, 1000);
	now = t0 + 300;
	vlapic_get_state(&lapics[1], &s);
	memcpy(&v, s.regs + VLAPIC_REG_TIMER_CCR, 4);
	UT_CHECK(v == 700, "saved TMCCT = current count 700");
	memcpy(&v, s.regs + VLAPIC_REG_ID, 4);
	UT_CHECK(v == 1u << 24, "xAPIC: ID saved shifted");

	/* Restore into LAPIC 2 (different ID register; the page wins in xAPIC mode). */
	now = t0 + 5000;
	rc = vlapic_set_state(&lapics[2], &s);
	UT_CHECK(rc == 0 && vlapic_get_id(&lapics[2]) == 1, "restore: ID from the page");
	UT_CHECK(rd(2, VLAPIC_REG_PPR) == 0x90 && isr(2, 0x91) && tmr(2, 0x91) && irr(2, 0x55),
		 "restore: ISR/TMR/IRR and recomputed PPR");
	UT_CHECK(vcpus[2].armed && vcpus[2].expire == now + 700, "restore resumes at TMCCT");
	vlapic_get_state(&lapics[2], &s2);
	UT_CHECK(memcmp(s.regs, s2.regs, VLAPIC_REG_TIMER_CCR) == 0 &&
		 memcmp(s.regs + 0x3a0, s2.regs + 0x3a0, 0x60) == 0,
		 "round trip: identical page apart from the clock");
	advance_to(now + 700);
	advance_to(now + 1000);
	UT_CHECK(lapics[2].timer_fired == 2, "restored periodic timer keeps its period");
	vlapic_ack(&lapics[2], 0x30);
	wr(2, VLAPIC_REG_EOI, 0);
	wr(2, VLAPIC_REG_EOI, 0);
	UT_CHECK(vcpus[2].eoi_count == 1 && vcpus[2].last_eoi == 0x91,
		 "restored TMR makes the EOI of 0x91 a level EOI");

	/* x2APIC format. */
	lapics[3].cfg.x2apic_api_ids = true;
	vlapic_set_base(&lapics[3], 0xfee00c00ull, false);
	vlapic_msr_write(&lapics[3], 0x830, (2ull << 32) | 0x4000 | 0x47, false);
	vlapic_get_state(&lapics[3], &s);
	memcpy(&v, s.regs + VLAPIC_REG_ID, 4);
	UT_CHECK(v == 3, "x2APIC: ID saved unshifted");
	memcpy(&v, s.regs + VLAPIC_REG_ICR_HI, 4);
	UT_CHECK(v == 2, "x2APIC: ICR high holds the 32-bit destination");
	memcpy(&v, s.regs + VLAPIC_REG_LDR, 4);
	UT_CHECK(v == 0x8, "x2APIC: LDR derived");
	UT_CHECK(vlapic_set_state(&lapics[3], &s) == 0, "x2APIC restore of own state");
	v = 5;
	memcpy(s.regs + VLAPIC_REG_ID, &v, 4);
	UT_CHECK(vlapic_set_state(&lapics[3], &s) == IRQCHIP_EINVAL,
		 "x2APIC restore with another ID: -EINVAL");
	lapics[3].cfg.x2apic_api_ids = false;
	vlapic_get_state(&lapics[3], &s);
	memcpy(&v, s.regs + VLAPIC_REG_ID, 4);
	UT_CHECK(v == 3u << 24, "x2APIC without 32-bit API IDs: ID saved shifted");
	UT_CHECK(vlapic_set_state(&lapics[3], &s) == 0 && vlapic_get_id(&lapics[3]) == 3 &&
		 lapics[3].regs[VLAPIC_REG_ID >> 2] == 3, "and restored as the x2APIC ID");

	/* One-shot saved expired (TMCCT 0) fires at once, as Linux does. */
	setup();
	enable_all();
	wr(0, VLAPIC_REG_LVT_TIMER, 0x30);
	wr(0, VLAPIC_REG_TIMER_ICR, 100);
	vlapic_get_state(&lapics[0], &s);
	memset(s.regs + VLAPIC_REG_TIMER_CCR, 0, 4);
	vlapic_set_state(&lapics[1], &s);
	UT_CHECK(vcpus[1].armed && vcpus[1].expire == now, "one-shot with TMCCT 0 fires at once");

	/* INIT keeps the APIC base, RESET restores it. */
	vlapic_set_base(&lapics[1], 0xfee00c00ull, false);
	vlapic_reset(&lapics[1], false, true);
	UT_CHECK(vlapic_get_mode(&lapics[1]) == VLAPIC_MODE_X2APIC && !vcpus[1].armed,
		 "INIT keeps x2APIC mode, stops the timer");
	vlapic_reset(&lapics[1], false, false);
	UT_CHECK(lapics[1].apic_base == 0xfee00800ull, "RESET: xAPIC enabled base");
}

/* KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK: 8-bit 0xff stops being a broadcast in x2APIC mode. */
static void test_broadcast_quirk(void)
{
	struct irq_msg m = { .vector = 0x44, .dest = 0xff, .assert = true };

	setup();
	enable_all();
	UT_CHECK(vlapic_set_base(&lapics[1], VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE |
				 VLAPIC_BASE_EXTD, false) == 0, "LAPIC 1 to x2APIC");
	UT_CHECK(vlapic_match_dest(&lapics[1], &m, false), "quirk on: 0xff reaches an x2APIC");
	lapics[1].cfg.no_x2apic_broadcast_quirk = true;
	UT_CHECK(!vlapic_match_dest(&lapics[1], &m, false), "quirk off: 0xff is ID 0xff");
	UT_CHECK(vlapic_match_dest(&lapics[0], &m, false), "an xAPIC still takes 0xff as broadcast");
	m.dest = 0xffffffffu;
	m.dest_x2apic = true;
	UT_CHECK(vlapic_match_dest(&lapics[1], &m, false), "32-bit broadcast always reaches it");
	m.dest = 1;
	UT_CHECK(vlapic_match_dest(&lapics[1], &m, false), "its own x2APIC ID 1");
}

/* CR8 is TPR[7:4] both ways, and moves the PPR like a TPR write. */
static void test_cr8(void)
{
	setup();
	enable_all();
	wr(0, VLAPIC_REG_TPR, 0x5a);
	UT_CHECK(vlapic_get_cr8(&lapics[0]) == 5, "CR8 reads TPR[7:4]");
	vlapic_set_cr8(&lapics[0], 0x13);
	UT_CHECK(rd(0, VLAPIC_REG_TPR) == 0x30, "CR8 3 writes TPR 0x30 (upper bits dropped)");
	UT_CHECK(rd(0, VLAPIC_REG_PPR) == 0x30, "PPR follows a CR8 write");
	post(0, 0x35, false);
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == -1, "vector 0x35 blocked by CR8 3");
	vlapic_set_cr8(&lapics[0], 2);
	UT_CHECK(vlapic_pending_vector(&lapics[0]) == 0x35, "CR8 2 lets 0x35 through");
}

int main(void)
{
	test_cr8();
	test_broadcast_quirk();
	test_reset_and_registers();
	test_software_disable();
	test_priority();
	test_eoi_level_and_esr();
	test_timer_oneshot();
	test_timer_periodic();
	test_timer_tscdeadline();
	test_ipi_xapic();
	test_x2apic();
	test_lint_and_msi();
	test_save_restore();
	return ut_done();
}
