// SPDX-License-Identifier: GPL-2.0-only
/*
 * The four models wired the way the kernel glue will wire them, on a fake clock:
 * PIT counter 0 -> IRQ0 -> 8259 (-> LINT0 ExtINT of the BSP) and IOAPIC pin 2
 * -> LAPIC, with a tiny "vCPU run loop" that takes interrupts and a "guest" that
 * EOIs them.  Checks that a 1 kHz PIT gives 1000 interrupts a second through
 * either path, with reinjection driven by the controllers' acks (the PIC's EOI,
 * or the LAPIC's EOI of an edge vector in its notify set reaching the IOAPIC).
 */
#include "pure_env.h"
#include "ut.h"
#include "vlapic.h"
#include "vioapic.h"
#include "vpic.h"
#include "vpit.h"

static u64 now;
static struct vlapic bsp;
static struct vioapic ioapic;
static struct vpic pic;
static struct vpit pit;
static bool pit_armed, lapic_armed;
static u64 pit_at, lapic_at;
static int kicks;
static int deferred_pit_acks;	/* acks queued while the PIC/IOAPIC "lock" was held */

static u64 c_now(void *o)
{
	(void)o;
	return now;
}

static void c_lapic_arm(void *o, u64 e)
{
	(void)o;
	lapic_armed = true;
	lapic_at = e;
}

static void c_lapic_cancel(void *o)
{
	(void)o;
	lapic_armed = false;
}

static void c_ipi(void *o, struct vlapic *l, const struct irq_msg *m)
{
	(void)o;
	(void)l;
	(void)m;
}

static void c_eoi(void *o, u8 vector, bool level)
{
	(void)o;
	(void)level;
	vioapic_eoi(&ioapic, vector);
}

static const struct vlapic_ops lops = {
	.now_ns = c_now, .read_tsc = c_now, .timer_arm = c_lapic_arm,
	.timer_cancel = c_lapic_cancel, .send_ipi = c_ipi, .eoi_broadcast = c_eoi,
};

static int c_deliver(void *o, const struct irq_msg *m)
{
	struct vlapic *one = &bsp;
	u64 mask;

	(void)o;
	if (!vlapic_dest_set(&one, 1, m, -1, &mask))
		return 0;
	if (vlapic_deliver(&bsp, m))
		kicks++;
	return 1;
}

static void c_pin_acked(void *o, u32 pin)
{
	(void)o;
	if (pin == 2)
		deferred_pit_acks++;
}

static const struct vioapic_ops iops = { .deliver = c_deliver, .pin_acked = c_pin_acked };

static void c_pic_out(void *o, bool level)
{
	(void)o;
	if (level && vlapic_accepts_pic_intr(&bsp))
		kicks++;
}

static void c_pic_acked(void *o, u32 irq)
{
	(void)o;
	if (irq == 0)
		deferred_pit_acks++;
}

static const struct vpic_ops pops = { .output_changed = c_pic_out, .irq_acked = c_pic_acked };

static void c_pit_arm(void *o, u64 e)
{
	(void)o;
	pit_armed = true;
	pit_at = e;
}

static void c_pit_cancel(void *o)
{
	(void)o;
	pit_armed = false;
}

static void c_irq0(void *o, bool level)
{
	(void)o;
	vpic_set_irq(&pic, 0, level);
	vioapic_set_irq(&ioapic, 2, level);
}

static const struct vpit_ops tops = {
	.now_ns = c_now, .timer_arm = c_pit_arm, .timer_cancel = c_pit_cancel, .set_irq0 = c_irq0,
};

static void setup(void)
{
	struct vlapic_config cfg = { .apic_id = 0, .bus_cycle_ns = 1 };
	u32 svr = 0x1ff;

	now = 1000000;
	kicks = 0;
	deferred_pit_acks = 0;
	vlapic_init(&bsp, &cfg, &lops, NULL, true);
	vlapic_mmio_write(&bsp, VLAPIC_REG_SVR, &svr, 4);
	vioapic_init(&ioapic, &iops, NULL);
	vpic_init(&pic, &pops, NULL);
	vpit_init(&pit, &tops, NULL);
	/* Guest: PIC at 0x20/0x28, PIT 1 kHz (count 1193) in mode 2. */
	vpic_ioport_write(&pic, 0x20, 0x11);
	vpic_ioport_write(&pic, 0x21, 0x20);
	vpic_ioport_write(&pic, 0x21, 0x04);
	vpic_ioport_write(&pic, 0x21, 0x01);
	vpic_ioport_write(&pic, 0xa0, 0x11);
	vpic_ioport_write(&pic, 0xa1, 0x28);
	vpic_ioport_write(&pic, 0xa1, 0x02);
	vpic_ioport_write(&pic, 0xa1, 0x01);
}

static void start_pit(void)
{
	vpit_ioport_write(&pit, 0x43, 0x34);
	vpit_ioport_write(&pit, 0x40, 1193 & 0xff);
	vpit_ioport_write(&pit, 0x40, 1193 >> 8);
}

/* One vCPU step: take an interrupt if any, run the guest handler (EOI). */
static int vcpu_step(int *pic_vecs, int *apic_vecs)
{
	int v = vlapic_pending_vector(&bsp);
	u32 zero = 0;

	if (v >= 0) {
		vlapic_ack(&bsp, v);
		(*apic_vecs)++;
		vlapic_mmio_write(&bsp, VLAPIC_REG_EOI, &zero, 4);
		return v;
	}
	if ((vlapic_take_extint(&bsp) || vlapic_accepts_pic_intr(&bsp)) && vpic_output(&pic)) {
		v = vpic_intack(&pic);
		(*pic_vecs)++;
		vpic_ioport_write(&pic, 0x20, 0x20);
		return v;
	}
	return -1;
}

static void run_second(int *pic_vecs, int *apic_vecs, int *bad)
{
	u64 end = now + 1000000000ull;

	while (pit_armed && pit_at <= end) {
		now = pit_at;
		pit_armed = false;
		vpit_timer_expired(&pit);
		while (vcpu_step(pic_vecs, apic_vecs) >= 0) {
			/* The glue runs deferred acks once the PIC lock is dropped. */
			for (; deferred_pit_acks; deferred_pit_acks--)
				vpit_irq_acked(&pit);
		}
		if (pit.pending)
			(*bad)++;
	}
	now = end;
}

static void test_pic_path(void)
{
	int pic_vecs = 0, apic_vecs = 0, bad = 0;

	setup();
	start_pit();
	run_second(&pic_vecs, &apic_vecs, &bad);
	UT_CHECK(pic_vecs == 1000 && apic_vecs == 0 && !bad,
		 "PIT 1 kHz -> PIC -> BSP LINT0 ExtINT: %d interrupts in 1 s", pic_vecs);
	UT_CHECK(pit.injected == 1000, "PIT injected 1000 ticks");
}

static void test_ioapic_path(void)
{
	int pic_vecs = 0, apic_vecs = 0, bad = 0;
	u32 reg;

	setup();
	vpic_ioport_write(&pic, 0x21, 0xff);		/* PIC fully masked */
	reg = 0x14;					/* pin 2, low dword */
	vioapic_mmio_write(&ioapic, VIOAPIC_IOREGSEL, &reg, 4);
	reg = 0x30;					/* edge, fixed, vector 0x30 */
	vioapic_mmio_write(&ioapic, VIOAPIC_IOWIN, &reg, 4);
	/* The glue: pin 2 has an ack notifier (the PIT) and targets the BSP. */
	vlapic_set_eoi_notify(&bsp, 0x30, true);
	start_pit();
	run_second(&pic_vecs, &apic_vecs, &bad);
	UT_CHECK(apic_vecs == 1000 && pic_vecs == 0,
		 "PIT 1 kHz -> IOAPIC pin 2 -> LAPIC vector 0x30: %d interrupts", apic_vecs);
	UT_CHECK(kicks >= 1000, "each delivery asked for a kick (%d)", kicks);
}

static void test_lapic_timer_with_ioapic_level(void)
{
	u32 reg, zero = 0;
	int i, ok = 1;

	setup();
	reg = 0x1a;					/* pin 5, low dword */
	vioapic_mmio_write(&ioapic, VIOAPIC_IOREGSEL, &reg, 4);
	reg = 0x8045;					/* level, vector 0x45 */
	vioapic_mmio_write(&ioapic, VIOAPIC_IOWIN, &reg, 4);
	vioapic_set_irq(&ioapic, 5, true);
	for (i = 0; i < 3; i++) {			/* device keeps the line up */
		if (vlapic_pending_vector(&bsp) != 0x45)
			ok = 0;
		vlapic_ack(&bsp, 0x45);
		vlapic_mmio_write(&bsp, VLAPIC_REG_EOI, &zero, 4);
	}
	UT_CHECK(ok && ioapic.delivered == 4, "level line re-delivered after every EOI");
	vioapic_set_irq(&ioapic, 5, false);
	vlapic_ack(&bsp, 0x45);
	vlapic_mmio_write(&bsp, VLAPIC_REG_EOI, &zero, 4);
	UT_CHECK(vlapic_pending_vector(&bsp) == -1 && ioapic.delivered == 4,
		 "device quiet: the last EOI ends the storm");
}

int main(void)
{
	test_pic_path();
	test_ioapic_path();
	test_lapic_timer_with_ioapic_level();
	return ut_done();
}
