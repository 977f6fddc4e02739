// SPDX-License-Identifier: GPL-2.0-only
/*
 * Randomised robustness test of the four models: long runs of arbitrary guest
 * register traffic (deterministic PRNG), under AddressSanitizer/UBSan, checking
 * invariants after every step rather than exact values.
 */
#include "pure_env.h"
#include "ut.h"
#include "vlapic.h"
#include "vioapic.h"
#include "vpic.h"
#include "vpit.h"

#define STEPS 200000

static u64 rng = 0x9e3779b97f4a7c15ull;
static u64 now = 1000000;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 f_now(void *o)
{
	(void)o;
	return now;
}

static bool timer_armed;
static u64 timer_at;
static struct vlapic lapic;

static void f_arm(void *o, u64 e)
{
	(void)o;
	timer_armed = true;
	timer_at = e;
}

static void f_cancel(void *o)
{
	(void)o;
	timer_armed = false;
}

static void f_ipi(void *o, struct vlapic *l, const struct irq_msg *m)
{
	(void)o;
	if (vlapic_match_dest(l, m, true))
		vlapic_deliver(l, m);
}

static int eois;

static void f_eoi(void *o, u8 v, bool level)
{
	(void)o;
	(void)v;
	(void)level;
	eois++;
}

static const struct vlapic_ops lops = {
	.now_ns = f_now, .read_tsc = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.send_ipi = f_ipi, .eoi_broadcast = f_eoi,
};

/* PPR from first principles, for the invariant check. */
static u32 expected_ppr(const struct vlapic *l)
{
	u32 tpr = l->regs[VLAPIC_REG_TPR >> 2], isrv = 0;
	int v;

	for (v = 255; v >= 0; v--)
		if (l->regs[(VLAPIC_REG_ISR + (v >> 5) * 16) >> 2] & (1u << (v & 31))) {
			isrv = v & 0xf0;
			break;
		}
	return (tpr & 0xf0) >= isrv ? tpr : isrv;
}

static void test_lapic(void)
{
	struct vlapic_config cfg = { .apic_id = 1, .x2apic_allowed = true,
				     .tsc_deadline_allowed = true, .maxphyaddr = 46,
				     .bus_cycle_ns = 1, .tsc_khz = 1000000 };
	struct vlapic_state st;
	int i, bad_ppr = 0, bad_pending = 0;
	u32 val;
	u64 v64;

	vlapic_init(&lapic, &cfg, &lops, NULL, true);
	for (i = 0; i < STEPS; i++) {
		u64 r = rnd();
		u32 off = (r >> 8) & 0x3f0;
		int v;

		switch (r & 15) {
		case 0: case 1: case 2: case 3:
			val = rnd();
			if (off == VLAPIC_REG_SVR && (rnd() & 1))
				val |= VLAPIC_SVR_ENABLE;
			vlapic_mmio_write(&lapic, off, &val, 4);
			break;
		case 4:
			vlapic_mmio_read(&lapic, off | (r >> 20 & 3), &val, 1 + (r >> 24 & 3));
			break;
		case 5:
			v64 = rnd() & (r & 0x100000 ? ~0ull : 0xff);
			vlapic_msr_write(&lapic, 0x800 + (off >> 4), v64, false);
			break;
		case 6:
			vlapic_msr_read(&lapic, 0x800 + (off >> 4), &v64);
			break;
		case 7:
			vlapic_set_base(&lapic, 0xfee00000ull | ((r >> 32) & 0xd00), r & 0x1000);
			break;
		case 8: {
			struct irq_msg m = { .vector = rnd(), .delivery_mode = rnd() & 7,
					     .level_trigger = r & 0x100, .assert = true };
			vlapic_deliver(&lapic, &m);
			break;
		}
		case 9:
			v = vlapic_pending_vector(&lapic);
			if (v >= 0)
				vlapic_ack(&lapic, v);
			break;
		case 10:
			now += rnd() % 100000;
			if (timer_armed && timer_at <= now) {
				timer_armed = false;
				vlapic_timer_expired(&lapic);
			}
			break;
		case 11:
			v64 = now + rnd() % 100000;
			vlapic_msr_write(&lapic, VLAPIC_MSR_TSC_DEADLINE, v64, false);
			break;
		case 12:
			vlapic_get_state(&lapic, &st);
			if (r & 0x100)
				memcpy(st.regs + (rnd() & 0x3fc), &r, 4);
			vlapic_set_state(&lapic, &st);
			break;
		case 13:
			vlapic_set_lint(&lapic, r >> 8 & 1, r >> 9 & 1);
			break;
		default:
			vlapic_take_nmi(&lapic);
			vlapic_take_extint(&lapic);
			break;
		}
		if (lapic.regs[VLAPIC_REG_PPR >> 2] != expected_ppr(&lapic))
			bad_ppr++;
		v = vlapic_pending_vector(&lapic);
		if (v >= 0 && (((u32)v & 0xf0) <= (lapic.regs[VLAPIC_REG_PPR >> 2] & 0xf0) ||
			       !(lapic.regs[(VLAPIC_REG_IRR + (v >> 5) * 16) >> 2] &
				 (1u << (v & 31)))))
			bad_pending++;
	}
	UT_CHECK(!bad_ppr, "LAPIC: PPR always matches TPR/ISR (%d mismatches)", bad_ppr);
	UT_CHECK(!bad_pending, "LAPIC: pending vector always an IRR bit above PPR (%d)",
		 bad_pending);
}

static int delivered;

static int f_deliver(void *o, const struct irq_msg *m)
{
	(void)o;
	delivered++;
	return m->vector & 1;
}

static const struct vioapic_ops iops = { .deliver = f_deliver };

static void test_ioapic(void)
{
	struct vioapic io;
	struct vioapic_state st;
	int i, bad = 0;
	u32 val;

	vioapic_init(&io, &iops, NULL);
	for (i = 0; i < STEPS; i++) {
		u64 r = rnd();
		u32 pin;

		switch (r & 7) {
		case 0: case 1: case 2:
			val = rnd();
			vioapic_mmio_write(&io, (r >> 8) & 0x1f, &val, 1 + (r >> 16 & 3));
			break;
		case 3:
			vioapic_mmio_read(&io, (r >> 8) & 0x1f, &val, 1 + (r >> 16 & 3));
			break;
		case 4:
			vioapic_set_irq(&io, (r >> 8) % 26, r >> 16 & 1);
			break;
		case 5:
			vioapic_eoi(&io, rnd());
			break;
		case 6:
			vioapic_get_state(&io, &st);
			st.redirtbl[(r >> 8) % 24] ^= rnd();
			vioapic_set_state(&io, &st);
			break;
		default:
			val = (r >> 8) & 0xff;
			vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, &val, 4);
			break;
		}
		for (pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
			if ((io.redir[pin] & VIOAPIC_RTE_REMOTE_IRR) &&
			    !(io.redir[pin] & VIOAPIC_RTE_LEVEL))
				bad++;
	}
	UT_CHECK(!bad, "IOAPIC: remote IRR never set on an edge entry (%d)", bad);
	UT_CHECK(delivered > 0, "IOAPIC: random traffic delivered %d messages", delivered);
}

static bool pic_out;

static void f_out(void *o, bool level)
{
	(void)o;
	pic_out = level;
}

static const struct vpic_ops pops = { .output_changed = f_out };

static void test_pic(void)
{
	static const u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	struct vpic p;
	struct vpic_chip_state st;
	int i, bad_vec = 0, bad_out = 0, intas = 0;
	u8 val;

	vpic_init(&p, &pops, NULL);
	for (i = 0; i < STEPS; i++) {
		u64 r = rnd();

		switch (r & 7) {
		case 0: case 1:
			vpic_ioport_write(&p, ports[(r >> 8) % 6], rnd());
			break;
		case 2:
			vpic_ioport_read(&p, ports[(r >> 8) % 6], &val);
			break;
		case 3: case 4:
			vpic_set_irq(&p, (r >> 8) % 17, r >> 16 & 1);
			break;
		case 5:
			if (vpic_output(&p)) {
				u8 vec = vpic_intack(&p);

				intas++;
				if ((vec & 0xf8) != p.chip[0].irq_base &&
				    (vec & 0xf8) != p.chip[1].irq_base)
					bad_vec++;
			}
			break;
		case 6:
			vpic_get_state(&p, r >> 8 & 1, &st);
			memcpy((u8 *)&st + (r >> 16) % 16, &r, 1);
			vpic_set_state(&p, r >> 8 & 1, &st);
			break;
		default:
			vpic_ioport_write(&p, (r >> 8 & 1) ? 0xa0 : 0x20, 0x20);
			break;
		}
		if (pic_out != vpic_output(&p))
			bad_out++;
	}
	UT_CHECK(!bad_vec && intas > 0, "PIC: %d INTAs, vectors always from a chip's base",
		 intas);
	UT_CHECK(!bad_out, "PIC: reported output always equals the model's (%d)", bad_out);
}

static bool pit_armed;
static u64 pit_at;
static int pit_edges;

static void p_arm(void *o, u64 e)
{
	(void)o;
	pit_armed = true;
	pit_at = e;
}

static void p_cancel(void *o)
{
	(void)o;
	pit_armed = false;
}

static void p_irq(void *o, bool level)
{
	(void)o;
	pit_edges += level;
}

static const struct vpit_ops tops = {
	.now_ns = f_now, .timer_arm = p_arm, .timer_cancel = p_cancel, .set_irq0 = p_irq,
};

static void test_pit(void)
{
	struct vpit p;
	struct vpit_state st;
	int i, bad = 0;
	u8 val;

	vpit_init(&p, &tops, NULL);
	for (i = 0; i < STEPS; i++) {
		u64 r = rnd();

		switch (r & 7) {
		case 0: case 1:
			vpit_ioport_write(&p, 0x40 + (r >> 8) % 4, rnd());
			break;
		case 2: case 3:
			vpit_ioport_read(&p, 0x40 + (r >> 8) % 4, &val);
			break;
		case 4:
			vpit_ioport_write(&p, 0x61, rnd());
			vpit_ioport_read(&p, 0x61, &val);
			break;
		case 5:
			now += rnd() % 10000000;
			if (pit_armed && pit_at <= now) {
				pit_armed = false;
				vpit_timer_expired(&p);
			}
			if (r & 0x100)
				vpit_irq_acked(&p);
			break;
		case 6:
			vpit_get_state(&p, &st);
			memcpy((u8 *)&st + (r >> 16) % (sizeof(st) - 4), &r, 1 + (r >> 8 & 3));
			vpit_set_state(&p, &st);
			break;
		default:
			vpit_set_reinject(&p, r >> 8 & 1);
			break;
		}
		for (val = 0; val < 3; val++)
			if (!p.ch[val].count || p.ch[val].count > 65536 || p.ch[val].mode > 5)
				bad++;
	}
	UT_CHECK(!bad, "PIT: counts stay in 1..65536 and modes in 0..5 (%d)", bad);
	UT_CHECK(pit_edges > 0, "PIT: random traffic raised IRQ0 %d times", pit_edges);
}

int main(void)
{
	test_lapic();
	test_ioapic();
	test_pic();
	test_pit();
	return ut_done();
}
