// SPDX-License-Identifier: GPL-2.0-only
/*
 * Save and restore of the interrupt state in the middle of activity, as a VMM
 * does for migration: while a guest takes LAPIC timer interrupts and IOAPIC
 * interrupts, userspace stops it, saves the LAPIC, the PICs, the IOAPIC, the PIT
 * and the vCPU events, wipes all of it, restores what it saved, and the guest
 * goes on: the timer keeps ticking, the IOAPIC pin still leads to its vector, and
 * reading the state back gives what was saved.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"
#include "apic.h"

#define VEC_TIMER	0x40
#define VEC_EDGE	0x60
#define VEC_SPURIOUS	0xff
#define EDGE_GSI	17		/* an IOAPIC-only GSI of the default routing */

volatile uint64_t timer_count, edge_count;

static void on_timer(struct guest_exc_frame *f)
{
	(void)f;
	timer_count++;
	x2apic_write(APIC_EOI, 0);
}

static void on_edge(struct guest_exc_frame *f)
{
	(void)f;
	edge_count++;
	x2apic_write(APIC_EOI, 0);
}

static void on_spurious(struct guest_exc_frame *f)
{
	(void)f;
}

/* Periodic LAPIC timer and one IOAPIC pin; reports every few ticks, forever. */
static void guest_main(void)
{
	uint64_t next = 4;

	guest_set_exc_handler(VEC_TIMER, on_timer);
	guest_set_exc_handler(VEC_EDGE, on_edge);
	guest_set_exc_handler(VEC_SPURIOUS, on_spurious);
	x2apic_enable(VEC_SPURIOUS);
	ioapic_write(IOAPIC_REDTBL(EDGE_GSI) + 1, 0);		/* destination APIC 0 */
	ioapic_write(IOAPIC_REDTBL(EDGE_GSI), VEC_EDGE);
	x2apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	x2apic_write(APIC_LVTT, APIC_TIMER_PERIODIC | VEC_TIMER);
	x2apic_write(APIC_TMICT, 2000000);
	for (;;) {
		guest_sti_hlt();
		guest_cli();
		if (timer_count >= next) {
			GUEST_SYNC(timer_count, edge_count);
			next = timer_count + 4;
		}
	}
}

struct irq_state {
	struct kvm_lapic_state lapic;
	struct kvm_irqchip chip[3];
	struct kvm_pit_state2 pit;
	struct kvm_vcpu_events events;
};

static void save(struct kt_vm *vm, struct kt_vcpu *v, struct irq_state *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_LAPIC, &s->lapic));
	for (i = 0; i < 3; i++) {
		s->chip[i].chip_id = i;
		KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &s->chip[i]));
	}
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_PIT2, &s->pit));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &s->events));
}

static void restore(struct kt_vm *vm, struct kt_vcpu *v, struct irq_state *s)
{
	int i;

	for (i = 0; i < 3; i++)
		KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_IRQCHIP, &s->chip[i]));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_PIT2, &s->pit));
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_LAPIC, &s->lapic));
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &s->events));
}

/* Everything off: LAPIC software-disabled with masked LVTs, IOAPIC pins masked. */
static void wipe(struct kt_vm *vm, struct kt_vcpu *v, const struct irq_state *s)
{
	struct kvm_lapic_state l = s->lapic;
	struct kvm_irqchip io = s->chip[KVM_IRQCHIP_IOAPIC];
	int i;

	*(uint32_t *)&l.regs[APIC_SVR] = VEC_SPURIOUS;
	*(uint32_t *)&l.regs[APIC_LVTT] = APIC_LVT_MASKED;
	*(uint32_t *)&l.regs[APIC_TMICT] = 0;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_LAPIC, &l));
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		io.chip.ioapic.redirtbl[i].bits = IOAPIC_RTE_MASKED;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_IRQCHIP, &io));
}

static void irq_line(struct kt_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQ_LINE, &l));
}

static uint32_t lapic_reg(const struct kvm_lapic_state *l, uint32_t off)
{
	return *(const uint32_t *)&l->regs[off];
}

static void test_restore_under_load(void)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct irq_state saved, now;
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kt_ucall uc;
	uint64_t ticks, edges;
	int i, round;

	kt_kvm_fd();
	if (kt_check_cap(KVM_CAP_IRQCHIP) <= 0 || kt_check_cap(KVM_CAP_PIT2) <= 0)
		KT_SKIP("no in-kernel irqchip or PIT");
	vm = kt_vm_create();
	KT_ASSERT_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_CREATE_PIT2, &pit));
	v = kt_vcpu_add(vm, 0, guest_main, 0, 0);

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no first report");
	edges = uc.args[1];
	for (round = 0; round < 3; round++) {
		/* An interrupt in flight: the pin is pulsed, then the guest stopped. */
		irq_line(vm, EDGE_GSI, 1);
		irq_line(vm, EDGE_GSI, 0);
		v->run->immediate_exit = 1;
		KT_ASSERT_ERRNO(kt_vcpu_run(v), EINTR);
		v->run->immediate_exit = 0;

		save(vm, v, &saved);
		KT_ASSERT(lapic_reg(&saved.lapic, APIC_LVTT) == (APIC_TIMER_PERIODIC | VEC_TIMER),
			  "saved LVTT 0x%x", lapic_reg(&saved.lapic, APIC_LVTT));
		KT_ASSERT((saved.chip[KVM_IRQCHIP_IOAPIC].chip.ioapic.redirtbl[EDGE_GSI].bits &
			   0xff) == VEC_EDGE, "saved IOAPIC entry 0x%llx",
			  (unsigned long long)
			  saved.chip[KVM_IRQCHIP_IOAPIC].chip.ioapic.redirtbl[EDGE_GSI].bits);
		wipe(vm, v, &saved);
		restore(vm, v, &saved);

		/* What is read back is what was saved (the current count moves on). */
		save(vm, v, &now);
		for (i = 0; i < 0x400; i += 0x10) {
			if (i == APIC_TMCCT)
				continue;
			KT_ASSERT(lapic_reg(&now.lapic, i) == lapic_reg(&saved.lapic, i),
				  "LAPIC register 0x%x: 0x%x after restore, 0x%x saved", i,
				  lapic_reg(&now.lapic, i), lapic_reg(&saved.lapic, i));
		}
		for (i = 0; i < 3; i++)
			KT_ASSERT(!memcmp(&now.chip[i].chip, &saved.chip[i].chip,
					  sizeof(saved.chip[i].chip)),
				  "irqchip %d differs after restore", i);
		KT_ASSERT(now.pit.channels[0].mode == saved.pit.channels[0].mode &&
			  now.pit.channels[0].count == saved.pit.channels[0].count &&
			  now.pit.flags == saved.pit.flags, "PIT state differs after restore");

		/* The guest goes on: more ticks, and the pulse given before the save. */
		ticks = uc.args[0];
		KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no report after restore %d", round);
		KT_ASSERT(uc.args[0] > ticks, "round %d: %lu ticks, %lu before", round, uc.args[0],
			  ticks);
		kt_diag("round %d: %lu timer ticks, %lu IOAPIC interrupts", round, uc.args[0],
			uc.args[1]);
		KT_ASSERT(uc.args[1] == edges + 1, "round %d: %lu IOAPIC interrupts, want %lu",
			  round, uc.args[1], edges + 1);
		edges = uc.args[1];
	}
	/* And a new pulse after the last restore reaches the guest too. */
	irq_line(vm, EDGE_GSI, 1);
	irq_line(vm, EDGE_GSI, 0);
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "no report after the last pulse");
	KT_ASSERT(uc.args[1] == edges + 1, "%lu IOAPIC interrupts, want %lu", uc.args[1],
		  edges + 1);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "restore_under_load", test_restore_under_load },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
