// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the IOAPIC model: register window, redirection entries,
 * edge and level semantics, remote IRR and EOI re-delivery, save/restore, and an
 * end-to-end run through a real vlapic whose level EOI comes back to the IOAPIC.
 */
#include "pure_env.h"
#include "ut.h"
#include "vioapic.h"
#include "vlapic.h"

static struct vioapic io;
static struct irq_msg sent[64];
static int nsent;
static int accept = 1;		/* what the fake platform answers */
static struct vlapic *route_to;	/* when set, messages go to this LAPIC */

static int f_deliver(void *o, const struct irq_msg *msg)
{
	(void)o;
	if (nsent < 64)
		sent[nsent] = *msg;
	nsent++;
	if (route_to)
		return vlapic_match_dest(route_to, msg, false) && vlapic_deliver(route_to, msg);
	return accept;
}

static int pin_acks[VIOAPIC_NUM_PINS];

static void f_pin_acked(void *o, u32 pin)
{
	(void)o;
	pin_acks[pin]++;
}

static const struct vioapic_ops ops = { .deliver = f_deliver, .pin_acked = f_pin_acked };

static u32 ind_read(u32 reg)
{
	u32 v = 0xdeadbeef;

	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, &reg, 4);
	vioapic_mmio_read(&io, VIOAPIC_IOWIN, &v, 4);
	return v;
}

static void ind_write(u32 reg, u32 val)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, &reg, 4);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, &val, 4);
}

static void set_rte(u32 pin, u64 rte)
{
	ind_write(0x11 + 2 * pin, rte >> 32);
	ind_write(0x10 + 2 * pin, (u32)rte);
}

static u64 get_rte(u32 pin)
{
	return ((u64)ind_read(0x11 + 2 * pin) << 32) | ind_read(0x10 + 2 * pin);
}

static void setup(void)
{
	vioapic_init(&io, &ops, NULL);
	nsent = 0;
	memset(pin_acks, 0, sizeof(pin_acks));
	accept = 1;
	route_to = NULL;
}

static void test_registers(void)
{
	u8 b = 0;
	u32 pin, ok = 1;

	setup();
	UT_CHECK(ind_read(VIOAPIC_IND_VERSION) == 0x00170011, "version 0x11, max entry 23");
	ind_write(VIOAPIC_IND_ID, 0xffffffff);
	UT_CHECK(ind_read(VIOAPIC_IND_ID) == 0x0f000000 && io.id == 0xf, "ID bits 27:24");
	UT_CHECK(ind_read(VIOAPIC_IND_ARB) == 0x0f000000, "arbitration ID mirrors the ID");
	ind_write(VIOAPIC_IND_VERSION, 0);
	UT_CHECK(ind_read(VIOAPIC_IND_VERSION) == 0x00170011, "version read-only");
	for (pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
		if (get_rte(pin) != VIOAPIC_RTE_MASKED)
			ok = 0;
	UT_CHECK(ok, "all 24 entries reset masked");
	UT_CHECK(ind_read(0x10 + 2 * 24) == 0, "entry 24 does not exist: reads 0");
	ind_write(0x10, 0xffffffff);
	UT_CHECK(ind_read(0x10) == 0x1afff, "delivery status and remote IRR read-only");
	ind_write(0x11, 0xff000000);
	UT_CHECK(ind_read(0x11) == 0xff000000, "destination field");
	vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, &b, 1);
	UT_CHECK(b == 0x11, "IOREGSEL reads back");
	vioapic_mmio_read(&io, 0x20, &b, 1);
	UT_CHECK(b == 0, "other offsets read 0");
}

static void test_edge(void)
{
	setup();
	set_rte(1, (2ull << 56) | VIOAPIC_RTE_MASKED | 0x31);
	vioapic_set_irq(&io, 1, true);
	UT_CHECK(nsent == 0, "masked edge: not delivered");
	vioapic_set_irq(&io, 1, false);
	set_rte(1, (2ull << 56) | (IRQ_DM_LOWEST << 8) | VIOAPIC_RTE_LOGICAL | 0x31);
	UT_CHECK(nsent == 0, "masked edge is lost, not delivered on unmask");
	vioapic_set_irq(&io, 1, true);
	UT_CHECK(nsent == 1 && sent[0].vector == 0x31 && sent[0].dest == 2 &&
		 sent[0].dest_logical && sent[0].delivery_mode == IRQ_DM_LOWEST &&
		 !sent[0].level_trigger, "rising edge delivers the entry's message");
	vioapic_set_irq(&io, 1, true);
	UT_CHECK(nsent == 1, "line held high: no second edge");
	vioapic_set_irq(&io, 1, false);
	vioapic_set_irq(&io, 1, true);
	UT_CHECK(nsent == 2, "second rising edge delivers again");
	UT_CHECK(!(get_rte(1) & VIOAPIC_RTE_REMOTE_IRR), "edge never sets remote IRR");
	vioapic_set_irq(&io, 40, true);
	UT_CHECK(nsent == 2, "pin out of range ignored");
	set_rte(6, 0x31 | VIOAPIC_RTE_MASKED);
	vioapic_eoi(&io, 0x31);
	UT_CHECK(pin_acks[1] == 1 && pin_acks[6] == 1 && pin_acks[0] == 0,
		 "EOI of vector 0x31 reports both pins using it (edge, even masked)");
}

static void test_level(void)
{
	setup();
	set_rte(9, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_POLARITY | 0x49);
	vioapic_set_irq(&io, 9, true);
	UT_CHECK(nsent == 1 && sent[0].level_trigger && sent[0].vector == 0x49,
		 "level assert delivers a level message");
	UT_CHECK(get_rte(9) & VIOAPIC_RTE_REMOTE_IRR, "accepted level message sets remote IRR");
	vioapic_set_irq(&io, 9, true);
	UT_CHECK(nsent == 1, "remote IRR holds off re-delivery");
	vioapic_eoi(&io, 0x48);
	UT_CHECK(nsent == 1 && (get_rte(9) & VIOAPIC_RTE_REMOTE_IRR), "EOI of another vector");
	vioapic_eoi(&io, 0x49);
	UT_CHECK(nsent == 2 && (get_rte(9) & VIOAPIC_RTE_REMOTE_IRR),
		 "EOI with line still asserted re-delivers");
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, 0x49);
	UT_CHECK(nsent == 2 && !(get_rte(9) & VIOAPIC_RTE_REMOTE_IRR),
		 "EOI after de-assert clears remote IRR, no delivery");

	set_rte(10, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED | 0x4a);
	vioapic_set_irq(&io, 10, true);
	UT_CHECK(nsent == 2, "masked level: held");
	set_rte(10, VIOAPIC_RTE_LEVEL | 0x4a);
	UT_CHECK(nsent == 3 && sent[2].vector == 0x4a, "unmasking an asserted level line delivers");
	set_rte(10, 0x4a);
	UT_CHECK(!(get_rte(10) & VIOAPIC_RTE_REMOTE_IRR), "switch to edge clears remote IRR");

	accept = 0;
	set_rte(11, VIOAPIC_RTE_LEVEL | 0x4b);
	vioapic_set_irq(&io, 11, true);
	UT_CHECK(nsent == 4 && !(get_rte(11) & VIOAPIC_RTE_REMOTE_IRR),
		 "level message nobody accepted: no remote IRR");
}

static u64 now;
static u64 f_now(void *o)
{
	(void)o;
	return now;
}

static u64 f_tsc(void *o)
{
	(void)o;
	return now;
}

static void f_arm(void *o, u64 e)
{
	(void)o;
	(void)e;
}

static void f_cancel(void *o)
{
	(void)o;
}

static void f_ipi(void *o, struct vlapic *l, const struct irq_msg *m)
{
	(void)o;
	(void)l;
	(void)m;
}

static void f_eoi(void *o, u8 vector, bool level)
{
	(void)o;
	(void)level;
	vioapic_eoi(&io, vector);	/* the broadcast, as the glue does it */
}

static const struct vlapic_ops lops = {
	.now_ns = f_now, .read_tsc = f_tsc, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.send_ipi = f_ipi, .eoi_broadcast = f_eoi,
};

static void test_with_lapic(void)
{
	struct vlapic l;
	struct vlapic_config cfg = { .apic_id = 3, .bus_cycle_ns = 1 };
	u32 svr = 0x1ff, eoi = 0;

	setup();
	vlapic_init(&l, &cfg, &lops, NULL, false);
	vlapic_mmio_write(&l, VLAPIC_REG_SVR, &svr, 4);
	route_to = &l;
	set_rte(4, (3ull << 56) | VIOAPIC_RTE_LEVEL | 0x64);
	vioapic_set_irq(&io, 4, true);
	UT_CHECK(vlapic_pending_vector(&l) == 0x64, "IOAPIC level line reaches the LAPIC IRR");
	vlapic_ack(&l, 0x64);
	vlapic_mmio_write(&l, VLAPIC_REG_EOI, &eoi, 4);
	UT_CHECK(nsent == 2 && vlapic_pending_vector(&l) == 0x64,
		 "LAPIC EOI -> IOAPIC EOI -> still asserted -> delivered again");
	vioapic_set_irq(&io, 4, false);
	vlapic_ack(&l, 0x64);
	vlapic_mmio_write(&l, VLAPIC_REG_EOI, &eoi, 4);
	UT_CHECK(nsent == 2 && vlapic_pending_vector(&l) == -1 &&
		 !(get_rte(4) & VIOAPIC_RTE_REMOTE_IRR), "de-asserted: EOI ends it");
	set_rte(5, (1ull << 56) | VIOAPIC_RTE_LEVEL | 0x65);
	vioapic_set_irq(&io, 5, true);
	UT_CHECK(vlapic_pending_vector(&l) == -1 && !(get_rte(5) & VIOAPIC_RTE_REMOTE_IRR),
		 "message for another APIC ID is not accepted here");
}

static void test_save_restore(void)
{
	struct vioapic_state s, s2;

	setup();
	ind_write(VIOAPIC_IND_ID, 0x02000000);
	set_rte(3, VIOAPIC_RTE_LEVEL | 0x33);
	set_rte(7, (5ull << 56) | 0x37);
	vioapic_set_irq(&io, 3, true);
	vioapic_set_irq(&io, 7, true);
	vioapic_get_state(&io, &s);
	UT_CHECK(s.id == 2 && s.base_address == VIOAPIC_DEFAULT_BASE && s.irr == 0x88 &&
		 (s.redirtbl[3] & VIOAPIC_RTE_REMOTE_IRR) && s.redirtbl[7] == ((5ull << 56) | 0x37),
		 "state: id, base, irr, entries with remote IRR");
	setup();
	vioapic_set_state(&io, &s);
	vioapic_get_state(&io, &s2);
	UT_CHECK(memcmp(&s, &s2, sizeof(s)) == 0 && nsent == 0,
		 "round trip identical; remote IRR pending: nothing re-sent");
	s.redirtbl[3] &= ~VIOAPIC_RTE_REMOTE_IRR;
	vioapic_set_state(&io, &s);
	UT_CHECK(nsent == 1 && sent[0].vector == 0x33,
		 "restored asserted level line without remote IRR is delivered");
	UT_CHECK(ind_read(0x10 + 2 * 7) == 0x37, "restored entry readable through the window");
}

int main(void)
{
	test_registers();
	test_edge();
	test_level();
	test_with_lapic();
	test_save_restore();
	return ut_done();
}
