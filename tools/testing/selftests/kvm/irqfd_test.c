// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt delivery through the in-kernel irqchip: a guest with an IDT, its
 * LAPIC enabled and IOAPIC pins programmed by itself takes the interrupts that
 * an irqfd (edge pin), KVM_IRQ_LINE, an irqfd on an MSI route and
 * KVM_SIGNAL_MSI raise; a deassigned irqfd raises nothing.  With
 * KVM_IRQFD_FLAG_RESAMPLE on a level-triggered pin the line stays asserted
 * until the guest's EOI, which signals the resamplefd and lowers the line (no
 * second interrupt until the eventfd is signalled again).  Skipped where
 * KVM_CREATE_IRQCHIP is not offered.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define LAPIC_BASE	0xfee00000ull
#define LAPIC_TPR	0x80
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define LAPIC_LVT0	0x350
#define LAPIC_LVT_MASKED	(1u << 16)
#define IOAPIC_BASE	0xfec00000ull
#define IOAPIC_REDIR(pin)	(0x10 + 2 * (pin))
#define IOAPIC_LEVEL	(1u << 15)

#define VEC_A		0x40	/* IOAPIC pins */
#define VEC_B		0x41	/* MSIs */
#define VEC_SPURIOUS	0xff

#define EDGE_PIN	17	/* IOAPIC-only GSIs: the PIC is not involved */
#define LEVEL_PIN	18
#define MSI_GSI		30

/* Guest globals, also named by the interrupt stubs below. */
volatile uint64_t irq_a_count, irq_b_count, irq_a_eoi;

/* Interrupt entry stubs: count, EOI (for vector A only when irq_a_eoi), return. */
extern char irq_stub_a[], irq_stub_b[], irq_stub_spurious[];
__asm__(".pushsection .text\n"
	".globl irq_stub_a\n"
	"irq_stub_a:\n"
	"	push %rax\n"
	"	lock incq irq_a_count(%rip)\n"
	"	cmpq $0, irq_a_eoi(%rip)\n"
	"	je 1f\n"
	"	movabs $0xfee000b0, %rax\n"
	"	movl $0, (%rax)\n"
	"1:	pop %rax\n"
	"	iretq\n"
	".globl irq_stub_b\n"
	"irq_stub_b:\n"
	"	push %rax\n"
	"	lock incq irq_b_count(%rip)\n"
	"	movabs $0xfee000b0, %rax\n"
	"	movl $0, (%rax)\n"
	"	pop %rax\n"
	"	iretq\n"
	".globl irq_stub_spurious\n"
	"irq_stub_spurious:\n"
	"	iretq\n"
	".popsection\n");

static void lapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = val;
}

static void ioapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = val;
}

/* LAPIC on, LINT0 and the 8259s masked, one IOAPIC pin to VEC_A on APIC 0. */
static void guest_irq_setup(uint32_t pin, bool level)
{
	guest_outb(0x21, 0xff);
	guest_outb(0xa1, 0xff);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TPR, 0);
	ioapic_write(IOAPIC_REDIR(pin) + 1, 0);		/* destination APIC id 0 */
	ioapic_write(IOAPIC_REDIR(pin), VEC_A | (level ? IOAPIC_LEVEL : 0));
}

/* Sleep with interrupts enabled until *count reaches want. */
static void wait_count(volatile uint64_t *count, uint64_t want)
{
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		if (*count >= want)
			break;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
	__asm__ volatile("sti" ::: "memory");
}

/* Run with interrupts enabled for a while: time for an unwanted interrupt. */
static void guest_linger(void)
{
	uint64_t i;

	__asm__ volatile("sti" ::: "memory");
	for (i = 0; i < 20000; i++)
		__asm__ volatile("pause" ::: "memory");
}

static void guest_edge(void)
{
	irq_a_eoi = 1;
	guest_irq_setup(EDGE_PIN, false);
	GUEST_SYNC(1);
	wait_count(&irq_a_count, 1);		/* irqfd */
	GUEST_SYNC(2, irq_a_count);
	wait_count(&irq_a_count, 2);		/* KVM_IRQ_LINE 1, 0 */
	GUEST_SYNC(3, irq_a_count);
	wait_count(&irq_b_count, 1);		/* irqfd on an MSI route */
	GUEST_SYNC(4, irq_b_count);
	wait_count(&irq_b_count, 2);		/* KVM_SIGNAL_MSI */
	GUEST_SYNC(5, irq_a_count, irq_b_count);
	guest_linger();				/* deassigned irqfd signalled */
	GUEST_SYNC(6, irq_a_count, irq_b_count);
}

static void guest_level(void)
{
	irq_a_eoi = 0;
	guest_irq_setup(LEVEL_PIN, true);
	GUEST_SYNC(1);
	wait_count(&irq_a_count, 1);
	GUEST_SYNC(2, irq_a_count);		/* in service, not EOIed */
	lapic_write(LAPIC_EOI, 0);
	guest_linger();
	GUEST_SYNC(3, irq_a_count);		/* EOIed: resampled, not raised again */
	wait_count(&irq_a_count, 2);
	lapic_write(LAPIC_EOI, 0);
	guest_linger();
	GUEST_SYNC(4, irq_a_count);
}

static void set_gate(struct kt_vm *vm, int vector, void *stub)
{
	struct x86_idt_gate64 *g = (struct x86_idt_gate64 *)kt_gpa2hva(vm, vm->idt) + vector;
	uint64_t off = (uint64_t)(uintptr_t)stub;

	memset(g, 0, sizeof(*g));
	g->off0 = off & 0xffff;
	g->off1 = (off >> 16) & 0xffff;
	g->off2 = off >> 32;
	g->selector = 0x8;	/* the library's 64-bit code segment */
	g->type = 0xe;		/* 64-bit interrupt gate */
	g->p = 1;
}

/* A VM with the in-kernel irqchip and one vCPU whose IDT covers our vectors. */
static struct kt_vcpu *irq_vcpu(struct kt_vm **vmp, void *guest_fn)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kvm_sregs s;

	if (kt_check_cap(KVM_CAP_IRQCHIP) <= 0 || kt_check_cap(KVM_CAP_IRQFD) <= 0)
		KT_SKIP("no in-kernel irqchip or irqfd");
	vm = kt_vm_create();
	KT_ASSERT_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	v = kt_vcpu_add(vm, 0, guest_fn, 0, 0);
	set_gate(vm, VEC_A, irq_stub_a);
	set_gate(vm, VEC_B, irq_stub_b);
	set_gate(vm, VEC_SPURIOUS, irq_stub_spurious);
	kt_get_sregs(v, &s);
	s.idt.limit = 256 * sizeof(struct x86_idt_gate64) - 1;
	kt_set_sregs(v, &s);
	*vmp = vm;
	return v;
}

static int new_efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	KT_ASSERT(fd >= 0, "eventfd");
	return fd;
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	KT_ASSERT(write(fd, &one, sizeof(one)) == sizeof(one), "eventfd write");
}

static uint64_t efd_take(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		KT_ASSERT(errno == EAGAIN, "eventfd read");
		return 0;
	}
	return v;
}

static void irqfd_ioctl(struct kt_vm *vm, int fd, uint32_t gsi, uint32_t flags, int rfd)
{
	struct kvm_irqfd a = { .fd = fd, .gsi = gsi, .flags = flags, .resamplefd = rfd };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQFD, &a));
}

static void expect_sync(struct kt_vcpu *v, uint64_t stage, uint64_t a, uint64_t b, int nb)
{
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == stage,
		  "expected SYNC %lu", stage);
	KT_ASSERT(uc.args[1] == a && (nb < 2 || uc.args[2] == b),
		  "stage %lu: guest counted %lu, %lu interrupts; want %lu, %lu", stage,
		  uc.args[1], uc.args[2], a, b);
}

/* Default IOAPIC routes for GSI 16-23 and an MSI route to VEC_B on APIC 0. */
static void route_msi_gsi(struct kt_vm *vm)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + 9 * sizeof(r->entries[0]));
	int i;

	KT_ASSERT(r, "calloc");
	r->nr = 9;
	for (i = 0; i < 8; i++) {
		r->entries[i].gsi = 16 + i;
		r->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		r->entries[i].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		r->entries[i].u.irqchip.pin = 16 + i;
	}
	r->entries[8].gsi = MSI_GSI;
	r->entries[8].type = KVM_IRQ_ROUTING_MSI;
	r->entries[8].u.msi.address_lo = LAPIC_BASE;	/* destination id 0 */
	r->entries[8].u.msi.data = VEC_B;		/* fixed, edge */
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_GSI_ROUTING, r));
	free(r);
}

static void test_edge_and_msi(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v = irq_vcpu(&vm, guest_edge);
	struct kvm_irq_level ev = { .irq = EDGE_PIN };
	struct kvm_msi msi = { .address_lo = LAPIC_BASE, .data = VEC_B };
	int efd = new_efd(), mfd = new_efd(), r;

	KT_RUN_SYNC(v, 1);
	irqfd_ioctl(vm, efd, EDGE_PIN, 0, 0);
	efd_signal(efd);
	expect_sync(v, 2, 1, 0, 1);

	ev.level = 1;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQ_LINE, &ev));
	ev.level = 0;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQ_LINE, &ev));
	expect_sync(v, 3, 2, 0, 1);

	route_msi_gsi(vm);
	irqfd_ioctl(vm, mfd, MSI_GSI, 0, 0);
	efd_signal(mfd);
	expect_sync(v, 4, 1, 0, 1);

	r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	KT_ASSERT(r == 1, "KVM_SIGNAL_MSI returned %d, want 1 (delivered to one vCPU)", r);
	expect_sync(v, 5, 2, 2, 2);

	irqfd_ioctl(vm, efd, EDGE_PIN, KVM_IRQFD_FLAG_DEASSIGN, 0);
	efd_signal(efd);
	expect_sync(v, 6, 2, 2, 2);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
	close(efd);
	close(mfd);
}

static void test_level_resample(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v = irq_vcpu(&vm, guest_level);
	int efd = new_efd(), rfd = new_efd();

	KT_RUN_SYNC(v, 1);
	irqfd_ioctl(vm, efd, LEVEL_PIN, KVM_IRQFD_FLAG_RESAMPLE, rfd);
	efd_signal(efd);
	expect_sync(v, 2, 1, 0, 1);
	KT_ASSERT(efd_take(rfd) == 0, "resamplefd signalled before the EOI");

	expect_sync(v, 3, 1, 0, 1);
	KT_ASSERT(efd_take(rfd) == 1, "resamplefd not signalled by the EOI");

	efd_signal(efd);
	expect_sync(v, 4, 2, 0, 1);
	KT_ASSERT(efd_take(rfd) == 1, "resamplefd not signalled by the second EOI");
	KT_RUN_DONE(v);
	kt_vm_free(vm);
	close(efd);
	close(rfd);
}

int main(void)
{
	static const struct ktest_case cases[] = {
		{ "edge_irqfd_irq_line_msi", test_edge_and_msi },
		{ "level_resample", test_level_resample },
	};

	return ktest_main(cases, KTEST_NCASES(cases));
}
