// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel 8254 PIT: KVM_CREATE_PIT2 works without the in-kernel irqchip
 * (as Linux 6.1 does) and is refused a second time (EEXIST); the PIT ioctls are
 * ENXIO without a PIT; KVM_SET_PIT2 / KVM_GET_PIT2 and KVM_GET_PIT round trips; the
 * guest programs counters through ports 0x40-0x43 and 0x61 without exits to
 * userspace and KVM_GET_PIT2 shows what it wrote; counter 0 in rate-generator
 * mode raises IRQ0 at the programmed rate through the in-kernel PIC, counted by
 * the guest's interrupt handler; with QEMU's routing (GSI 0 to PIC pin 0 and
 * IOAPIC pin 2) and the PIC masked, ticks reach the guest through the IOAPIC
 * and the LAPIC, none while the IOAPIC pin is masked, and they resume at the
 * programmed rate once it is unmasked (the tick raised while masked is not
 * waited for forever).  The last two need KVM_CREATE_IRQCHIP.
 *
 * Timing in the test VM is emulated and noisy: the rate check allows 40%.
 */
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"
#include "apic.h"

#define PIT_HZ		1193182u
#define TICK_HZ		100u

static bool pit_caps(void)
{
	return kt_check_cap(KVM_CAP_PIT2) == 1 && kt_check_cap(KVM_CAP_PIT_STATE2) == 1 &&
	       kt_check_cap(KVM_CAP_REINJECT_CONTROL) == 1;
}

static void create_pit(struct kt_vm *vm)
{
	struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_CREATE_PIT2, &cfg));
}

static void test_errors(void)
{
	struct kt_vm *vm;
	struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_reinject_control rc = { .pit_reinject = 1 };
	struct kvm_pit_state2 s2;
	struct kvm_pit_state s;

	kt_kvm_fd();
	if (!pit_caps())
		KT_SKIP("no in-kernel PIT (KVM_CAP_PIT2)");
	vm = kt_vm_create_bare();
	memset(&s2, 0, sizeof(s2));
	memset(&s, 0, sizeof(s));
	/* No PIT yet: none of its state. */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_PIT2, &s2), ENXIO);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_PIT2, &s2), ENXIO);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_PIT, &s), ENXIO);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_PIT, &s), ENXIO);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc), ENXIO);

	/* No irqchip is needed (Linux 6.1 observed). */
	create_pit(vm);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT2, &cfg), EEXIST);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT, 0), EEXIST);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_PIT2, NULL), EFAULT);
	KT_ASSERT_OK(ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc));
	kt_vm_free(vm);
}

static void set_channel(struct kvm_pit_channel_state *c, uint32_t count, uint8_t mode,
			uint8_t gate)
{
	memset(c, 0, sizeof(*c));
	c->count = count;
	c->mode = mode;
	c->gate = gate;
	c->rw_mode = 3;		/* LSB then MSB */
	c->read_state = 3;
	c->write_state = 3;
}

static void check_channel(const struct kvm_pit_channel_state *got,
			  const struct kvm_pit_channel_state *want, int n)
{
	KT_ASSERT(got->count == want->count && got->mode == want->mode &&
		  got->gate == want->gate && got->rw_mode == want->rw_mode &&
		  got->bcd == want->bcd && got->read_state == want->read_state &&
		  got->write_state == want->write_state,
		  "channel %d: count %u mode %u gate %u rw %u bcd %u rs %u ws %u, "
		  "want count %u mode %u gate %u rw %u", n, got->count, got->mode, got->gate,
		  got->rw_mode, got->bcd, got->read_state, got->write_state, want->count,
		  want->mode, want->gate, want->rw_mode);
}

static void test_state_roundtrip(void)
{
	struct kvm_pit_state2 in, out;
	struct kvm_pit_state old;
	struct kt_vm *vm;
	int i;

	kt_kvm_fd();
	if (!pit_caps())
		KT_SKIP("no in-kernel PIT (KVM_CAP_PIT2)");
	vm = kt_vm_create_bare();
	create_pit(vm);

	memset(&in, 0, sizeof(in));
	set_channel(&in.channels[0], 0x4000, 2, 1);
	set_channel(&in.channels[1], 18, 3, 1);
	set_channel(&in.channels[2], 1000, 3, 1);
	in.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_PIT2, &in));
	memset(&out, 0xa5, sizeof(out));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_PIT2, &out));
	for (i = 0; i < 3; i++)
		check_channel(&out.channels[i], &in.channels[i], i);
	KT_ASSERT(out.flags == in.flags, "flags 0x%x, set 0x%x", out.flags, in.flags);

	/* The old ioctl shows the same counters. */
	memset(&old, 0, sizeof(old));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_PIT, &old));
	for (i = 0; i < 3; i++)
		check_channel(&old.channels[i], &in.channels[i], i);

	/* KVM_SET_PIT sets the counters and leaves the flags alone. */
	set_channel(&old.channels[2], 500, 2, 0);
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_PIT, &old));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_PIT2, &out));
	check_channel(&out.channels[2], &old.channels[2], 2);
	KT_ASSERT(out.flags == in.flags, "KVM_SET_PIT changed flags to 0x%x", out.flags);
	kt_vm_free(vm);
}

/* The guest programs counter 2 and reads it back, all in the kernel. */
static void guest_ports(void)
{
	uint8_t lo, hi, spk;

	guest_outb(0x43, 0xb6);		/* counter 2, LSB then MSB, mode 3, binary */
	guest_outb(0x42, 0x34);
	guest_outb(0x42, 0x12);
	guest_outb(0x61, 0x01);		/* gate 2 on, speaker data off */
	guest_outb(0x43, 0x80);		/* latch counter 2 */
	lo = guest_inb(0x42);
	hi = guest_inb(0x42);
	spk = guest_inb(0x61);
	GUEST_SYNC(lo | hi << 8, spk);
}

static void test_guest_ports(void)
{
	struct kvm_pit_state2 s;
	struct kt_ucall uc;
	struct kt_vcpu *v;
	struct kt_vm *vm;

	kt_kvm_fd();
	if (!pit_caps())
		KT_SKIP("no in-kernel PIT (KVM_CAP_PIT2)");
	vm = kt_vm_create();
	create_pit(vm);
	v = kt_vcpu_add(vm, 0, guest_ports, 0, 0);
	/* A port access reaching userspace would be a non-ucall exit: the run fails. */
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	KT_ASSERT(uc.args[0] <= 0x1234 && uc.args[0] > 0, "latched count 0x%lx", uc.args[0]);
	KT_ASSERT((uc.args[1] & 1) == 1, "port 0x61 reads 0x%lx: gate 2 off", uc.args[1]);
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_PIT2, &s));
	KT_ASSERT(s.channels[2].count == 0x1234 && s.channels[2].mode == 3 &&
		  s.channels[2].rw_mode == 3 && s.channels[2].gate == 1,
		  "counter 2: count 0x%x mode %u rw %u gate %u", s.channels[2].count,
		  s.channels[2].mode, s.channels[2].rw_mode, s.channels[2].gate);
	kt_vm_free(vm);
}

static uint64_t guest_tsc_khz;
static volatile uint64_t irq0_ticks;

/* IRQ0 arrives at vector 16 (the PIC's base is 0x10, inside the library's IDT). */
static void guest_irq0_handler(struct guest_exc_frame *frame)
{
	(void)frame;
	irq0_ticks++;
	guest_outb(0x20, 0x20);		/* non-specific EOI */
}

/* Count IRQ0 interrupts for one second of guest TSC (rate given by the host). */
static void guest_count_ticks(void)
{
	uint16_t count = PIT_HZ / TICK_HZ;
	uint64_t end;

	guest_set_exc_handler(16, guest_irq0_handler);
	guest_outb(0x20, 0x11);		/* ICW1: edge, cascade, ICW4 */
	guest_outb(0x21, 0x10);		/* ICW2: vectors 0x10-0x17 */
	guest_outb(0x21, 0x04);		/* ICW3: slave on IR2 */
	guest_outb(0x21, 0x01);		/* ICW4: 8086 mode */
	guest_outb(0xa0, 0x11);
	guest_outb(0xa1, 0x18);
	guest_outb(0xa1, 0x02);
	guest_outb(0xa1, 0x01);
	guest_outb(0x21, 0xfe);		/* only IRQ0 */
	guest_outb(0xa1, 0xff);

	guest_outb(0x43, 0x34);		/* counter 0, LSB then MSB, mode 2 */
	guest_outb(0x40, count & 0xff);
	guest_outb(0x40, count >> 8);

	end = guest_rdtsc() + guest_tsc_khz * 1000;
	__asm__ volatile("sti");
	while (guest_rdtsc() < end)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
	GUEST_SYNC(irq0_ticks);
}

static void test_irq0_rate(void)
{
	struct kvm_pit_state2 s;
	struct kt_ucall uc;
	struct kt_vcpu *v;
	struct kt_vm *vm;

	kt_kvm_fd();
	if (!pit_caps())
		KT_SKIP("no in-kernel PIT (KVM_CAP_PIT2)");
	vm = kt_vm_create();
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		KT_SKIP("no in-kernel irqchip (KVM_CREATE_IRQCHIP: %s)", strerror(errno));
	create_pit(vm);
	v = kt_vcpu_add(vm, 0, guest_count_ticks, 0, 0);
	guest_tsc_khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	KT_ASSERT(guest_tsc_khz > 0, "KVM_GET_TSC_KHZ %lu", guest_tsc_khz);
	kt_sync_to_guest(vm, guest_tsc_khz);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	kt_diag("%lu IRQ0 interrupts in a second of guest TSC at %u Hz", uc.args[0], TICK_HZ);
	KT_ASSERT(uc.args[0] >= TICK_HZ * 6 / 10 && uc.args[0] <= TICK_HZ * 14 / 10,
		  "%lu ticks, want about %u", uc.args[0], TICK_HZ);

	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_PIT2, &s));
	KT_ASSERT(s.channels[0].mode == 2 && s.channels[0].count == PIT_HZ / TICK_HZ,
		  "counter 0: mode %u count %u", s.channels[0].mode, s.channels[0].count);
	kt_vm_free(vm);
}

static volatile uint64_t ioapic_ticks;

static void guest_ioapic_tick(struct guest_exc_frame *frame)
{
	(void)frame;
	ioapic_ticks++;
	xapic_write(APIC_EOI, 0);
}

static void guest_spin_tsc(uint64_t ms)
{
	uint64_t end = guest_rdtsc() + guest_tsc_khz * ms;

	while (guest_rdtsc() < end)
		__asm__ volatile("pause");
}

/* PIC masked; counter 0 through IOAPIC pin 2 at vector 0x30, masked for 300 ms first. */
static void guest_ioapic_ticks(void)
{
	uint16_t count = PIT_HZ / TICK_HZ;
	uint64_t masked_ticks;

	guest_set_exc_handler(0x30, guest_ioapic_tick);
	guest_outb(0x20, 0x11);
	guest_outb(0x21, 0x20);
	guest_outb(0x21, 0x04);
	guest_outb(0x21, 0x01);
	guest_outb(0x21, 0xff);		/* the PIC stays masked */
	xapic_enable(0xff);
	ioapic_write(IOAPIC_REDTBL(2) + 1, 0);	/* to APIC ID 0 */
	ioapic_write(IOAPIC_REDTBL(2), IOAPIC_RTE_MASKED | 0x30);

	guest_outb(0x43, 0x34);
	guest_outb(0x40, count & 0xff);
	guest_outb(0x40, count >> 8);
	guest_sti();
	guest_spin_tsc(300);
	masked_ticks = ioapic_ticks;
	ioapic_write(IOAPIC_REDTBL(2), 0x30);	/* edge, fixed, unmasked */
	guest_spin_tsc(1000);
	guest_cli();
	GUEST_SYNC(masked_ticks, ioapic_ticks - masked_ticks);
}

static void test_irq0_ioapic_unmask(void)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[2];
	} rt;
	struct kt_ucall uc;
	struct kt_vcpu *v;
	struct kt_vm *vm;

	kt_kvm_fd();
	if (!pit_caps())
		KT_SKIP("no in-kernel PIT (KVM_CAP_PIT2)");
	vm = kt_vm_create();
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		KT_SKIP("no in-kernel irqchip (KVM_CREATE_IRQCHIP: %s)", strerror(errno));
	/* QEMU's table for GSI 0: PIC master pin 0 and IOAPIC pin 2. */
	memset(&rt, 0, sizeof(rt));
	rt.r.nr = 2;
	rt.e[0].gsi = 0;
	rt.e[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[0].u.irqchip.irqchip = KVM_IRQCHIP_PIC_MASTER;
	rt.e[0].u.irqchip.pin = 0;
	rt.e[1].gsi = 0;
	rt.e[1].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[1].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt.e[1].u.irqchip.pin = 2;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	create_pit(vm);
	v = kt_vcpu_add(vm, 0, guest_ioapic_ticks, 0, 0);
	guest_tsc_khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	KT_ASSERT(guest_tsc_khz > 0, "KVM_GET_TSC_KHZ %lu", guest_tsc_khz);
	kt_sync_to_guest(vm, guest_tsc_khz);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no SYNC");
	kt_diag("IOAPIC pin 2: %lu ticks while masked, %lu in the second after the unmask",
		uc.args[0], uc.args[1]);
	KT_ASSERT(uc.args[0] == 0, "%lu ticks through a masked pin", uc.args[0]);
	KT_ASSERT(uc.args[1] >= TICK_HZ * 6 / 10 && uc.args[1] <= TICK_HZ * 14 / 10,
		  "%lu ticks after the unmask, want about %u", uc.args[1], TICK_HZ);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "errors", test_errors },
	{ "state_roundtrip", test_state_roundtrip },
	{ "guest_ports", test_guest_ports },
	{ "irq0_rate", test_irq0_rate },
	{ "irq0_ioapic_unmask", test_irq0_ioapic_unmask },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
