// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the 8254 model on a fake clock: IRQ0 rate in the periodic
 * modes, one-shot modes, counter reads (lo/hi, latch, read-back, BCD), outputs
 * and gate through port 0x61, reinject versus coalescing, save/restore.
 */
#include "pure_env.h"
#include "ut.h"
#include "vpit.h"

static u64 now;
static bool armed;
static u64 expire;
static int irq_edges;
static bool irq_level;

static u64 f_now(void *o)
{
	(void)o;
	return now;
}

static void f_arm(void *o, u64 e)
{
	(void)o;
	armed = true;
	expire = e;
}

static void f_cancel(void *o)
{
	(void)o;
	armed = false;
}

static void f_irq0(void *o, bool level)
{
	(void)o;
	if (level && !irq_level)
		irq_edges++;
	irq_level = level;
}

static const struct vpit_ops ops = {
	.now_ns = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel, .set_irq0 = f_irq0,
};

static struct vpit pit;

static void setup(void)
{
	now = 5000000000ull;
	armed = false;
	irq_edges = 0;
	irq_level = false;
	vpit_init(&pit, &ops, NULL);
}

/* Run the fake clock to @t; @ack: acknowledge every IRQ0 at once (a fast guest). */
static void run_to(u64 t, bool ack)
{
	while (armed && expire <= t) {
		int before = irq_edges;

		now = expire > now ? expire : now;
		armed = false;
		vpit_timer_expired(&pit);
		if (ack && irq_edges != before)
			vpit_irq_acked(&pit);
	}
	now = t;
}

static void outb(u16 port, u8 v)
{
	vpit_ioport_write(&pit, port, v);
}

static u8 inb(u16 port)
{
	u8 v = 0xee;

	vpit_ioport_read(&pit, port, &v);
	return v;
}

/* Input clocks in @ns, computed independently of the model (128-bit arithmetic). */
static u64 clocks(u64 ns)
{
	return (u64)((unsigned __int128)ns * 1193182u / 1000000000u);
}

static u64 period_ns(u64 count)
{
	return (u64)((unsigned __int128)count * 1000000000u / 1193182u);
}

static void test_periodic_rate(void)
{
	u64 t0, p = period_ns(11932);
	int k, ok = 1;

	setup();
	outb(0x43, 0x34);			/* counter 0, LSB then MSB, mode 2, binary */
	outb(0x40, 11932 & 0xff);
	t0 = now;
	UT_CHECK(!armed, "no IRQ0 timer before the MSB arrives");
	outb(0x40, 11932 >> 8);
	UT_CHECK(armed && expire == t0 + p, "mode 2 count 11932: first tick after one period");
	for (k = 1; k <= 5; k++)
		if (expire != t0 + k * p)
			ok = 0, k = 6;
		else
			run_to(t0 + k * p, true);
	UT_CHECK(ok, "ticks exactly one period apart");
	run_to(t0 + 1000000000ull, true);
	UT_CHECK(irq_edges == 99 && pit.injected == 99,
		 "mode 2 ~100 Hz: 99 IRQ0 edges in one second (period %llu ns)",
		 (unsigned long long)p);
	UT_CHECK(pit.ch[0].mode == 2 && vpit_channel_out(&pit, 0), "output high between pulses");

	setup();
	outb(0x43, 0x36);			/* mode 3 square wave */
	outb(0x40, 0x00);
	outb(0x40, 0x00);			/* 0 = 65536 */
	t0 = now;
	run_to(t0 + 1000000000ull, true);
	UT_CHECK(irq_edges == 18, "mode 3 count 65536: 18 ticks/s (18.2 Hz)");
	now = t0 + period_ns(65536) * 20 + period_ns(100);
	UT_CHECK(vpit_channel_out(&pit, 0), "mode 3: high in the first half");
	now = t0 + period_ns(65536) * 20 + period_ns(40000);
	UT_CHECK(!vpit_channel_out(&pit, 0), "mode 3: low in the second half");
}

static void test_oneshot_and_reads(void)
{
	u64 t0;
	u8 lo, hi, st;

	setup();
	outb(0x43, 0x30);			/* counter 0, lo/hi, mode 0 */
	outb(0x40, 0xe8);
	outb(0x40, 0x03);			/* 1000 */
	t0 = now;
	UT_CHECK(!vpit_channel_out(&pit, 0), "mode 0: output low after the count is written");
	run_to(t0 + period_ns(1000) + 1, true);
	UT_CHECK(irq_edges == 1 && vpit_channel_out(&pit, 0), "mode 0: one IRQ0 at terminal count");
	run_to(t0 + 1000000000ull, true);
	UT_CHECK(irq_edges == 1 && !armed, "mode 0: no further ticks");

	outb(0x43, 0x34);
	outb(0x40, 0x10);
	outb(0x40, 0x27);			/* 10000 */
	t0 = now;
	now = t0 + 2000000;			/* 2 ms */
	outb(0x43, 0x00);			/* latch counter 0 */
	now = t0 + 3000000;
	lo = inb(0x40);
	hi = inb(0x40);
	UT_CHECK((u32)(lo | hi << 8) == 10000 - clocks(2000000) % 10000,
		 "latched count %u taken at 2 ms, read at 3 ms", lo | hi << 8);
	lo = inb(0x40);
	hi = inb(0x40);
	UT_CHECK((u32)(lo | hi << 8) == 10000 - clocks(3000000) % 10000, "unlatched read is live");
	outb(0x43, 0x00);
	now += 1000;
	outb(0x43, 0x00);			/* second latch ignored until read */
	lo = inb(0x40);
	hi = inb(0x40);
	UT_CHECK((u32)(lo | hi << 8) == 10000 - clocks(3000000) % 10000,
		 "a second latch does not overwrite the first");

	outb(0x43, 0xc2);			/* read-back count and status of counter 0 */
	st = inb(0x40);
	lo = inb(0x40);
	hi = inb(0x40);
	UT_CHECK(st == (0x80 | 0x30 | (2 << 1)), "read-back status: out high, lo/hi, mode 2");
	UT_CHECK((u32)(lo | hi << 8) == 10000 - clocks(3001000) % 10000,
		 "read-back count follows the status");
	outb(0x43, 0xe2);			/* status only */
	UT_CHECK(inb(0x40) == 0xb4 && inb(0x40) != 0xb4, "read-back status only, then live count");
	inb(0x40);

	outb(0x43, 0x50);			/* counter 1, LSB only, mode 0 */
	outb(0x41, 0x80);
	UT_CHECK(pit.ch[1].count == 0x80 && inb(0x41) == 0x80, "LSB-only access");
	outb(0x43, 0x62);			/* counter 1, MSB only, mode 1 */
	outb(0x41, 0x12);
	UT_CHECK(pit.ch[1].count == 0x1200 && inb(0x41) == 0x12, "MSB-only access");
	UT_CHECK(inb(0x43) == 0xff && !vpit_ioport_read(&pit, 0x44, &lo),
		 "control port write-only, 0x44 not claimed");
}

static void test_modes_4_5(void)
{
	u64 t0;

	setup();
	outb(0x43, 0x38);			/* counter 0, lo/hi, mode 4 */
	outb(0x40, 100);
	outb(0x40, 0);
	t0 = now;
	UT_CHECK(vpit_channel_out(&pit, 0), "mode 4: output high while counting");
	now = t0 + period_ns(100) + 300;	/* inside the 100th clock */
	UT_CHECK(!vpit_channel_out(&pit, 0), "mode 4: one low clock at terminal count");
	now = t0 + period_ns(102);
	UT_CHECK(vpit_channel_out(&pit, 0), "mode 4: high again after the strobe");
	run_to(t0 + 1000000, true);
	UT_CHECK(irq_edges == 1 && !armed, "mode 4: one IRQ0, no reload");

	outb(0x61, 0x00);
	outb(0x43, 0xba);			/* counter 2, lo/hi, mode 5 */
	outb(0x42, 50);
	outb(0x42, 0);
	now += period_ns(1000);
	outb(0x61, 0x01);			/* gate trigger */
	t0 = now;
	UT_CHECK(inb(0x61) & 0x20, "mode 5: high after the trigger");
	now = t0 + period_ns(50) + 300;
	UT_CHECK(!(inb(0x61) & 0x20), "mode 5: strobe 50 clocks after the gate edge");
	outb(0x61, 0x00);
	now += period_ns(10);
	outb(0x61, 0x01);			/* retrigger */
	now += period_ns(49);
	UT_CHECK(inb(0x61) & 0x20, "mode 5: retrigger restarts the count");
}

static void test_bcd(void)
{
	u8 lo, hi;
	u64 t0;

	setup();
	outb(0x43, 0x35);			/* counter 0, lo/hi, mode 2, BCD */
	outb(0x40, 0x00);
	outb(0x40, 0x10);			/* BCD 1000 */
	t0 = now;
	UT_CHECK(pit.ch[0].count == 1000 && expire == t0 + period_ns(1000),
		 "BCD 1000 counts 1000 clocks");
	now = t0 + period_ns(1000) / 4 + 100;
	outb(0x43, 0x00);
	lo = inb(0x40);
	hi = inb(0x40);
	UT_CHECK((lo | hi << 8) == 0x0750, "BCD read 0x%04x (750 decimal)", lo | hi << 8);
	outb(0x43, 0x31);
	outb(0x40, 0);
	outb(0x40, 0);
	UT_CHECK(pit.ch[0].count == 10000, "BCD 0 means 10000");
}

static void test_speaker_gate(void)
{
	u64 t0;

	setup();
	UT_CHECK((inb(0x61) & 1) == 0, "gate 2 starts low");
	outb(0x61, 0x01);
	outb(0x43, 0xb0);			/* counter 2, lo/hi, mode 0 */
	outb(0x42, 1193 & 0xff);
	outb(0x42, 1193 >> 8);			/* ~1 ms */
	t0 = now;
	UT_CHECK((inb(0x61) & 0x21) == 0x01, "gate high, OUT2 low while counting");
	now = t0 + 1000100;
	UT_CHECK(inb(0x61) & 0x20, "OUT2 high after ~1 ms (calibration loop pattern)");
	UT_CHECK(!armed && irq_edges == 0, "counter 2 raises no IRQ");

	outb(0x43, 0xb2);			/* counter 2, mode 1 */
	outb(0x42, 100);
	outb(0x42, 0);
	now += period_ns(500);
	UT_CHECK(inb(0x61) & 0x20, "mode 1: terminal count reached");
	outb(0x61, 0x00);
	outb(0x61, 0x01);			/* gate rising edge triggers */
	UT_CHECK(!(inb(0x61) & 0x20), "mode 1: gate trigger restarts the one-shot");
	now += period_ns(101);
	UT_CHECK(inb(0x61) & 0x20, "mode 1: high again after 100 clocks");

	outb(0x43, 0xb6);			/* counter 2, mode 3 */
	outb(0x42, 100);
	outb(0x42, 0);
	now += period_ns(75);
	UT_CHECK(!(inb(0x61) & 0x20), "mode 3: low in the second half");
	outb(0x61, 0x00);
	UT_CHECK(inb(0x61) & 0x20, "mode 3: gate low forces OUT high");
	outb(0x61, 0x03);
	UT_CHECK((inb(0x61) & 0x03) == 0x03 && (pit.flags & VPIT_FLAG_SPEAKER_ON),
		 "speaker data bit kept in flags");
	UT_CHECK(((inb(0x61) >> 4) & 1) != ((now += 15000, inb(0x61)) >> 4 & 1),
		 "refresh bit toggles every 15 us");
}

static void test_reinject(void)
{
	u64 t0, p = period_ns(1193);

	setup();
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	t0 = now;
	run_to(t0 + 5 * p, false);		/* guest not acking */
	UT_CHECK(irq_edges == 1 && pit.pending == 4, "reinject: one in flight, 4 pending");
	vpit_irq_acked(&pit);
	UT_CHECK(irq_edges == 2 && pit.pending == 3, "each ack injects the next tick");
	vpit_irq_acked(&pit);
	vpit_irq_acked(&pit);
	vpit_irq_acked(&pit);
	vpit_irq_acked(&pit);
	UT_CHECK(irq_edges == 5 && pit.pending == 0, "all five ticks delivered");

	now = t0 + 5 * p;
	armed = false;
	now += 3 * p + p / 2;			/* host late by 3.5 periods */
	vpit_timer_expired(&pit);
	UT_CHECK(pit.pending == 2 && irq_edges == 6,
		 "late expiry: 3 ticks due, one injected, 2 pending");
	UT_CHECK(expire == t0 + 9 * p, "next tick stays on the grid");
	vpit_irq_mask_changed(&pit, false);
	UT_CHECK(pit.pending == 0, "unmask forgets missed ticks");

	vpit_set_reinject(&pit, false);
	now = expire + 3 * p;
	armed = false;
	vpit_timer_expired(&pit);
	UT_CHECK(irq_edges == 7 && pit.pending == 0, "no-reinject: missed ticks coalesce");
	now = expire;
	armed = false;
	vpit_timer_expired(&pit);
	UT_CHECK(irq_edges == 8, "no-reinject: no ack needed for the next tick");
}

static void test_save_restore(void)
{
	struct vpit_state s, s2;
	struct vpit other;

	setup();
	outb(0x43, 0x34);
	outb(0x40, 0x9c);
	outb(0x40, 0x2e);			/* 11932 */
	outb(0x43, 0xb6);
	outb(0x42, 0x33);			/* counter 2 half written */
	outb(0x61, 0x03);
	now += 1234567;
	outb(0x43, 0x00);
	vpit_get_state(&pit, &s);
	UT_CHECK(s.channels[0].count == 11932 && s.channels[0].mode == 2 &&
		 s.channels[0].count_latched == VPIT_RW_WORD0 && s.channels[2].mode == 3 &&
		 s.channels[2].write_state == VPIT_RW_WORD1 && s.channels[2].write_latch == 0x33 &&
		 s.channels[2].gate == 1 && s.flags == VPIT_FLAG_SPEAKER_ON,
		 "state: counts, modes, latches, half-written count, gate, flags");
	armed = false;
	now += 1000;
	vpit_init(&other, &ops, NULL);
	vpit_set_state(&other, &s);
	vpit_get_state(&other, &s2);
	s.channels[0].count_load_time = s.channels[1].count_load_time =
		s.channels[2].count_load_time = now;
	UT_CHECK(memcmp(&s, &s2, sizeof(s)) == 0, "round trip identical but the load times");
	UT_CHECK(armed && expire == now + period_ns(11932), "restored counter 0 ticks again");
	s.flags |= VPIT_FLAG_HPET_LEGACY;
	armed = false;
	vpit_set_state(&other, &s);
	UT_CHECK(!armed, "HPET legacy: counter 0 raises no IRQ");
	s.channels[1].mode = 7;
	s.channels[1].count = 0;
	s.channels[1].rw_mode = 9;
	vpit_set_state(&other, &s);
	UT_CHECK(other.ch[1].mode == 3 && other.ch[1].count == 65536 &&
		 other.ch[1].rw_mode == VPIT_RW_WORD0, "restore sanitises bad fields");
}

/* The platform's floor slows a too-fast periodic IRQ0 down, and nothing else. */
static void test_min_period(void)
{
	u64 t0;

	setup();
	pit.min_period_ns = 200000;
	outb(0x43, 0x34);			/* mode 2, count 2: 1.7 us */
	outb(0x40, 2);
	t0 = now;
	outb(0x40, 0);
	UT_CHECK(armed && expire == t0 + 200000, "mode 2 count 2: first tick at the 200 us floor");
	run_to(t0 + 1000000000ull, true);
	UT_CHECK(irq_edges == 5000, "5000 ticks in a second at the floor, got %d", irq_edges);

	setup();
	pit.min_period_ns = 200000;
	outb(0x43, 0x30);			/* mode 0 (one-shot), count 2 */
	outb(0x40, 2);
	t0 = now;
	outb(0x40, 0);
	UT_CHECK(armed && expire == t0 + period_ns(2), "one-shot: not floored");
}

int main(void)
{
	test_periodic_rate();
	test_min_period();
	test_oneshot_and_reads();
	test_modes_4_5();
	test_bcd();
	test_speaker_gate();
	test_reinject();
	test_save_restore();
	return ut_done();
}
