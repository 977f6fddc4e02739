// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the 8259A pair: initialisation sequences, masks, EOIs,
 * rotation, poll, special mask and special fully nested modes, auto-EOI, ELCR
 * level inputs, the cascade, spurious IRQ7, INTA vectors, save/restore.
 */
#include "pure_env.h"
#include "ut.h"
#include "vpic.h"

static struct vpic pic;
static bool out;
static int out_changes;
static int acked[32];
static int nacked;

static void f_output(void *o, bool level)
{
	(void)o;
	out = level;
	out_changes++;
}

static void f_acked(void *o, u32 irq)
{
	(void)o;
	if (nacked < 32)
		acked[nacked] = irq;
	nacked++;
}

static const struct vpic_ops ops = { .output_changed = f_output, .irq_acked = f_acked };

static void outb(u16 port, u8 v)
{
	vpic_ioport_write(&pic, port, v);
}

static u8 inb(u16 port)
{
	u8 v = 0xee;

	vpic_ioport_read(&pic, port, &v);
	return v;
}

/* The BIOS/Linux sequence: ICW1 edge+ICW4, ICW2 base, ICW3 cascade, ICW4 8086 (+ @icw4). */
static void pc_init(u8 icw4_master, u8 icw4_slave)
{
	outb(0x20, 0x11);
	outb(0x21, 0x08);
	outb(0x21, 0x04);
	outb(0x21, icw4_master);
	outb(0xa0, 0x11);
	outb(0xa1, 0x70);
	outb(0xa1, 0x02);
	outb(0xa1, icw4_slave);
}

static void setup(u8 icw4_master, u8 icw4_slave)
{
	vpic_init(&pic, &ops, NULL);
	out = false;
	out_changes = 0;
	nacked = 0;
	pc_init(icw4_master, icw4_slave);
}

static void test_init(void)
{
	struct vpic_chip_state s;

	setup(0x01, 0x01);
	vpic_get_state(&pic, 0, &s);
	UT_CHECK(s.init_state == 0 && s.irq_base == 0x08 && s.imr == 0 && !s.auto_eoi,
		 "master: ICW1-4 done, base 0x08");
	vpic_get_state(&pic, 1, &s);
	UT_CHECK(s.init_state == 0 && s.irq_base == 0x70, "slave: ICW1-4 done, base 0x70");
	outb(0x21, 0xfb);
	UT_CHECK(inb(0x21) == 0xfb, "OCW1 sets IMR, data port reads it back");
	outb(0x20, 0x10);			/* ICW1 without ICW4 */
	UT_CHECK(inb(0x21) == 0x00, "ICW1 clears IMR");
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	vpic_get_state(&pic, 0, &s);
	UT_CHECK(s.init_state == 0 && s.irq_base == 0x20, "ICW1 without IC4: done after ICW3");
	outb(0x21, 0x55);
	UT_CHECK(inb(0x21) == 0x55, "next data write is OCW1 again");
	outb(0x20, 0x13);			/* single, ICW4 */
	outb(0x21, 0x48);
	vpic_get_state(&pic, 0, &s);
	UT_CHECK(s.init_state == 3 && s.irq_base == 0x48, "single mode: ICW3 skipped");
	outb(0x21, 0x03);
	vpic_get_state(&pic, 0, &s);
	UT_CHECK(s.init_state == 0 && s.auto_eoi, "ICW4 AEOI");
	outb(0x21, 0xcd);
	outb(0x21, 0xff);
	UT_CHECK(inb(0x21) == 0xff, "data writes after ICW4 are masks");
	UT_CHECK(vpic_ioport_write(&pic, 0x22, 0) == false && !vpic_ioport_read(&pic, 0x61, &s.irr),
		 "other ports are not claimed");
}

static void test_edge_priority_eoi(void)
{
	setup(0x01, 0x01);
	vpic_set_irq(&pic, 1, true);
	UT_CHECK(out && out_changes == 1, "IRQ1 raises INT");
	UT_CHECK(vpic_intack(&pic) == 0x09 && !out, "INTA -> vector 0x09, INT drops");
	outb(0x20, 0x0b);
	UT_CHECK(inb(0x20) == 0x02, "OCW3 read ISR: IR1 in service");
	outb(0x20, 0x0a);
	UT_CHECK(inb(0x20) == 0x00, "OCW3 read IRR: edge request consumed");
	vpic_set_irq(&pic, 1, true);
	UT_CHECK(inb(0x20) == 0x00, "line still high: no new edge");
	vpic_set_irq(&pic, 1, false);
	vpic_set_irq(&pic, 1, true);
	UT_CHECK(inb(0x20) == 0x02 && !out, "new edge pends, blocked by IR1 in service");
	vpic_set_irq(&pic, 0, true);
	UT_CHECK(out, "IRQ0 (higher) preempts in-service IR1");
	UT_CHECK(vpic_intack(&pic) == 0x08, "INTA -> IRQ0");
	outb(0x20, 0x20);
	UT_CHECK(nacked == 1 && acked[0] == 0, "non-specific EOI retires IR0 (highest) first");
	UT_CHECK(!out, "IR1 still in service: INT low");
	outb(0x20, 0x20);
	UT_CHECK(out && nacked == 2 && acked[1] == 1, "EOI of IR1: pending IR1 raises INT");
	vpic_intack(&pic);
	vpic_set_irq(&pic, 3, true);
	vpic_set_irq(&pic, 4, true);
	outb(0x20, 0x61);			/* specific EOI of IR1 */
	UT_CHECK(vpic_intack(&pic) == 0x0b, "specific EOI; IRQ3 before IRQ4");
	outb(0x21, 0x10);
	outb(0x20, 0x63);
	UT_CHECK(!out, "IMR bit 4 masks IRQ4");
	outb(0x21, 0x00);
	UT_CHECK(out && vpic_intack(&pic) == 0x0c, "unmasked IRQ4 delivered");
	outb(0x20, 0x20);
	UT_CHECK(vpic_intack(&pic) == 0x0f && inb(0x20) == 0x00, "nothing pending: spurious IRQ7");
	outb(0x20, 0x0b);
	UT_CHECK(inb(0x20) == 0x00, "spurious IRQ7 is not put in service");
	vpic_set_irq(&pic, 2, true);
	UT_CHECK(!out, "IRQ2 is the cascade, not an input");
}

static void test_cascade(void)
{
	setup(0x01, 0x01);
	vpic_set_irq(&pic, 12, true);
	UT_CHECK(out, "IRQ12 on the slave raises the master INT");
	UT_CHECK(vpic_intack(&pic) == 0x74, "INTA -> slave vector 0x74");
	outb(0x20, 0x0b);
	outb(0xa0, 0x0b);
	UT_CHECK(inb(0x20) == 0x04 && inb(0xa0) == 0x10, "master IR2 and slave IR4 in service");
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	UT_CHECK(nacked == 1 && acked[0] == 12 && inb(0x20) == 0 && inb(0xa0) == 0,
		 "EOIs to slave and master; ack reported as IRQ12 only");
	outb(0xa1, 0x10);
	vpic_set_irq(&pic, 12, false);
	vpic_set_irq(&pic, 12, true);
	UT_CHECK(!out, "slave IMR masks IRQ12");
	outb(0xa1, 0x00);
	vpic_set_irq(&pic, 8, true);
	UT_CHECK(vpic_intack(&pic) == 0x70, "slave priority: IRQ8 before IRQ12");
}

static void test_rotation_and_poll(void)
{
	setup(0x01, 0x01);
	vpic_set_irq(&pic, 1, true);
	vpic_intack(&pic);
	outb(0x20, 0xa0);			/* rotate on non-specific EOI */
	vpic_set_irq(&pic, 0, true);
	vpic_set_irq(&pic, 1, false);
	vpic_set_irq(&pic, 1, true);
	vpic_set_irq(&pic, 3, true);
	UT_CHECK(vpic_intack(&pic) == 0x0b, "after rotation IR1 is lowest: IR3 first");
	outb(0x20, 0x20);			/* plain EOI of IR3: no rotation */
	UT_CHECK(vpic_intack(&pic) == 0x08, "rotated order 2..7,0,1: IR0 next");
	outb(0x20, 0x20);
	UT_CHECK(vpic_intack(&pic) == 0x09, "then IR1");
	outb(0x20, 0x20);
	setup(0x01, 0x01);
	outb(0x20, 0xc4);			/* set priority: IR4 lowest, IR5 highest */
	vpic_set_irq(&pic, 3, true);
	vpic_set_irq(&pic, 6, true);
	UT_CHECK(vpic_intack(&pic) == 0x0e, "set priority: IR6 before IR3");
	outb(0x20, 0xe6);			/* rotate on specific EOI of IR6 */
	vpic_set_irq(&pic, 7, true);
	UT_CHECK(vpic_intack(&pic) == 0x0f, "IR7 now highest");
	outb(0x20, 0x0b);
	UT_CHECK(inb(0x20) == 0x80, "IR7 in service (not a spurious IRQ7)");

	setup(0x01, 0x01);
	vpic_set_irq(&pic, 5, true);
	outb(0x20, 0x0c);			/* poll */
	UT_CHECK(inb(0x20) == 0x85, "poll: 0x80 | level 5");
	outb(0x20, 0x0b);
	UT_CHECK(inb(0x20) == 0x20, "poll put IR5 in service");
	outb(0x20, 0x0c);
	UT_CHECK(inb(0x20) == 0x00, "poll with nothing pending: 0");
	outb(0x20, 0x0b);
	UT_CHECK(inb(0x20) == 0x20, "poll mode is one read only");
}

static void test_modes(void)
{
	struct vpic_chip_state s;

	/* Auto-EOI: nothing in service, ack reported at INTA. */
	setup(0x03, 0x01);
	vpic_set_irq(&pic, 1, true);
	UT_CHECK(vpic_intack(&pic) == 0x09 && nacked == 1 && acked[0] == 1,
		 "AEOI: ack notified at INTA");
	outb(0x20, 0x0b);
	UT_CHECK(inb(0x20) == 0x00, "AEOI: ISR stays clear");
	outb(0x20, 0x80);			/* rotate in AEOI */
	vpic_set_irq(&pic, 3, true);
	vpic_intack(&pic);
	vpic_get_state(&pic, 0, &s);
	UT_CHECK(s.rotate_on_auto_eoi && s.priority_add == 4, "rotate in AEOI: IR4 now highest");

	/* Special mask mode. */
	setup(0x01, 0x01);
	vpic_set_irq(&pic, 3, true);
	vpic_intack(&pic);
	vpic_set_irq(&pic, 5, true);
	UT_CHECK(!out, "IR5 blocked by IR3 in service");
	outb(0x21, 0x08);			/* mask IR3 */
	outb(0x20, 0x68);			/* set special mask mode */
	UT_CHECK(out && vpic_intack(&pic) == 0x0d, "special mask: IR5 served under IR3");
	outb(0x20, 0x48);			/* reset special mask mode */
	vpic_get_state(&pic, 0, &s);
	UT_CHECK(!s.special_mask, "special mask mode cleared by OCW3");

	/* Special fully nested mode on the master. */
	setup(0x11, 0x01);
	vpic_set_irq(&pic, 12, true);
	vpic_intack(&pic);
	vpic_set_irq(&pic, 9, true);
	UT_CHECK(out && vpic_intack(&pic) == 0x71, "SFNM: slave IRQ9 nests over IRQ12");
	setup(0x01, 0x01);
	vpic_set_irq(&pic, 12, true);
	vpic_intack(&pic);
	vpic_set_irq(&pic, 9, true);
	UT_CHECK(!out, "without SFNM: master IR2 in service blocks the slave");
}

static void test_level_elcr(void)
{
	setup(0x01, 0x01);
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	UT_CHECK(inb(0x4d0) == 0xf8 && inb(0x4d1) == 0xde, "ELCR masks: IRQ0-2, 8, 13 edge");
	outb(0x4d0, 0x00);
	outb(0x4d1, 0x04);			/* IRQ10 level */
	vpic_set_irq(&pic, 10, true);
	UT_CHECK(vpic_intack(&pic) == 0x72, "level IRQ10 -> 0x72");
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	UT_CHECK(out, "level line still high after EOI: requests again");
	vpic_set_irq(&pic, 10, false);
	UT_CHECK(!out, "level line low: request withdrawn");
	outb(0xa0, 0x0a);
	UT_CHECK(inb(0xa0) == 0x00, "slave IRR clear");
}

static void test_save_restore(void)
{
	struct vpic_chip_state m, s, m2, s2;
	struct vpic other;

	setup(0x01, 0x01);
	outb(0x4d1, 0x04);
	vpic_set_irq(&pic, 10, true);
	vpic_set_irq(&pic, 4, true);
	outb(0x21, 0x10);
	vpic_intack(&pic);
	vpic_set_irq(&pic, 11, true);
	vpic_get_state(&pic, 0, &m);
	vpic_get_state(&pic, 1, &s);
	UT_CHECK(m.irq_base == 0x08 && m.imr == 0x10 && m.isr == 0x04 && s.isr == 0x04 &&
		 s.elcr == 0x04 && s.elcr_mask == 0xde, "state: bases, masks, ISRs, ELCR");
	vpic_init(&other, &ops, NULL);
	out = false;
	vpic_set_state(&other, 0, &m);
	vpic_set_state(&other, 1, &s);
	vpic_get_state(&other, 0, &m2);
	vpic_get_state(&other, 1, &s2);
	UT_CHECK(memcmp(&m, &m2, sizeof(m)) == 0 && memcmp(&s, &s2, sizeof(s)) == 0,
		 "round trip identical");
	UT_CHECK(vpic_output(&other) == vpic_output(&pic), "restored INT output recomputed");
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	UT_CHECK(vpic_intack(&pic) == 0x72 && vpic_intack(&other) == 0x0f,
		 "original continues; restored copy independent");
}

/* vpic_pending_vector() names what INTA would return, and changes nothing. */
static void test_pending_vector(void)
{
	setup(0x01, 0x01);
	UT_CHECK(vpic_pending_vector(&pic) == -1, "nothing requested: -1");
	vpic_set_irq(&pic, 3, true);
	UT_CHECK(vpic_pending_vector(&pic) == 0x0b && vpic_pending_vector(&pic) == 0x0b,
		 "IRQ3 -> 0x0b, twice");
	outb(0x20, 0x0b);	/* OCW3: read ISR */
	UT_CHECK(inb(0x20) == 0, "peeking took nothing into service");
	vpic_set_irq(&pic, 10, true);
	UT_CHECK(vpic_pending_vector(&pic) == 0x72, "the cascade (IR2) outranks IRQ3: 0x72");
	UT_CHECK(vpic_intack(&pic) == 0x72, "INTA agrees");
	UT_CHECK(vpic_pending_vector(&pic) == -1, "IR2 in service blocks IRQ3");
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	UT_CHECK(vpic_pending_vector(&pic) == 0x0b, "after the EOIs: IRQ3 -> 0x0b");
	UT_CHECK(vpic_intack(&pic) == 0x0b, "INTA agrees");
}

int main(void)
{
	test_pending_vector();
	test_init();
	test_edge_priority_eoi();
	test_cascade();
	test_rotation_and_poll();
	test_modes();
	test_level_elcr();
	test_save_restore();
	return ut_done();
}
