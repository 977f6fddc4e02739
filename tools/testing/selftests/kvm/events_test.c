// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event injection with the irqchip in userspace: KVM_INTERRUPT only when the
 * guest can take it (request_interrupt_window, KVM_EXIT_IRQ_WINDOW_OPEN after
 * the STI shadow, if_flag, ready_for_interrupt_injection; a second
 * KVM_INTERRUPT before entry replaces the first), kvm_run.cr8 both
 * ways, an interrupt whose delivery faults on a fresh stack page and must be
 * delivered again, each of many interrupts taken exactly once, KVM_NMI with
 * NMIs blocked until the handler's IRET, and a #PF made pending through
 * KVM_SET_VCPU_EVENTS with its CR2 payload (KVM_CAP_EXCEPTION_PAYLOAD); bad
 * input for each ioctl.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

#define IRQ_A		0x40
#define IRQ_B		0x41
#define IRQ_C		0x42
#define GDT_CODE64	0x08	/* lib/longmode.c's 64-bit code selector */
#define STACK_SLOT_GPA	0x20000000ull
#define STACK_SLOT_SIZE	0x10000ull

/* Interrupt handlers: count and return; the gates are interrupt gates (IF off). */
volatile uint32_t irq_count_a, irq_count_b;
void ev_irq_a(void);
void ev_irq_b(void);
__asm__(".pushsection .text\n"
	".globl ev_irq_a\n"
	"ev_irq_a:\n"
	"	lock incl irq_count_a(%rip)\n"
	"	iretq\n"
	".globl ev_irq_b\n"
	"ev_irq_b:\n"
	"	lock incl irq_count_b(%rip)\n"
	"	iretq\n"
	".popsection\n");

/*
 * A handler that stays in the guest, interrupts off, for irq_spin_ticks TSC
 * ticks after counting itself: the time an interrupt delivered a second time
 * (or with IF clear) has to show up as a second entry.
 */
volatile uint32_t irq_count_c;
volatile uint64_t irq_spin_ticks;
void ev_irq_spin(void);
__asm__(".pushsection .text\n"
	".globl ev_irq_spin\n"
	"ev_irq_spin:\n"
	"	lock incl irq_count_c(%rip)\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	mov %rax, %rcx\n"
	"	add irq_spin_ticks(%rip), %rcx\n"
	"1:	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	cmp %rcx, %rax\n"
	"	jb 1b\n"
	"	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	iretq\n"
	".popsection\n");

/* Addresses right after "sti; nop": where the interrupt window opens. */
extern const char ev_window_1[], ev_window_2[], ev_window_3[];

static void install_gate(struct kt_vm *vm, struct kt_vcpu *v, int vec, void (*fn)(void))
{
	struct x86_idt_gate64 *idt = kt_gpa2hva(vm, vm->idt);
	uint64_t off = (uint64_t)(uintptr_t)fn;
	struct kvm_sregs s;

	memset(&idt[vec], 0, sizeof(idt[vec]));
	idt[vec].off0 = off & 0xffff;
	idt[vec].off1 = (off >> 16) & 0xffff;
	idt[vec].off2 = off >> 32;
	idt[vec].selector = GDT_CODE64;
	idt[vec].type = GATE_TYPE_INT64;
	idt[vec].p = 1;
	kt_get_sregs(v, &s);
	s.idt.limit = 256 * sizeof(struct x86_idt_gate64) - 1;
	kt_set_sregs(v, &s);
}

static uint64_t ucall_arg(struct kt_vcpu *v, uint64_t stage, int i)
{
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == stage,
		  "expected GUEST_SYNC(%lu), got %lu", stage, uc.args[0]);
	return uc.args[i];
}

static void guest_window(void)
{
	__asm__ volatile("cli");
	GUEST_SYNC(1);
	__asm__ volatile("sti\n\tnop\n"
			 ".globl ev_window_1\nev_window_1:\n"
			 "1:\tcmpl $0, irq_count_a(%%rip)\n\tje 1b\n\tcli" ::: "memory", "cc");
	GUEST_SYNC(2, irq_count_a, irq_count_b);
	GUEST_SYNC(3);
	GUEST_SYNC(4);
	__asm__ volatile("sti\n\tnop\n"
			 ".globl ev_window_2\nev_window_2:\n"
			 "1:\tcmpl $0, irq_count_b(%%rip)\n\tje 1b\n\tcli" ::: "memory", "cc");
	GUEST_SYNC(5, irq_count_a, irq_count_b);
}

static void test_irq_window(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_window, 0, 0);
	struct kvm_interrupt irq = { .irq = IRQ_A };
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	struct kt_ucall uc;

	install_gate(vm, v, IRQ_A, ev_irq_a);
	install_gate(vm, v, IRQ_B, ev_irq_b);

	KT_RUN_SYNC(v, 1);
	KT_ASSERT(!v->run->if_flag && !v->run->ready_for_interrupt_injection,
		  "IF clear, yet if_flag %u ready %u", v->run->if_flag,
		  v->run->ready_for_interrupt_injection);

	/* The window opens after the instruction that follows STI. */
	v->run->request_interrupt_window = 1;
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_IRQ_WINDOW_OPEN);
	KT_ASSERT(v->run->if_flag && v->run->ready_for_interrupt_injection,
		  "window open, yet if_flag %u ready %u", v->run->if_flag,
		  v->run->ready_for_interrupt_injection);
	kt_get_regs(v, &regs);
	KT_ASSERT(regs.rip == (uint64_t)(uintptr_t)ev_window_1,
		  "window exit at rip 0x%llx, want 0x%lx (after sti; nop)",
		  (unsigned long long)regs.rip, (unsigned long)(uintptr_t)ev_window_1);

	irq.irq = 256;
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_INTERRUPT, &irq), EINVAL);
	/* Without an in-kernel irqchip a second one replaces the first (Linux 6.1). */
	irq.irq = IRQ_B;
	KT_ASSERT_OK(ioctl(v->fd, KVM_INTERRUPT, &irq));
	irq.irq = IRQ_A;
	KT_ASSERT_OK(ioctl(v->fd, KVM_INTERRUPT, &irq));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_ASSERT(ev.interrupt.injected && ev.interrupt.nr == IRQ_A,
		  "queued interrupt shows as injected %u nr 0x%x", ev.interrupt.injected,
		  ev.interrupt.nr);
	v->run->request_interrupt_window = 0;
	KT_RUN_UCALL(v, &uc);
	KT_ASSERT(uc.type == UCALL_SYNC && uc.args[0] == 2 && uc.args[1] == 1 && uc.args[2] == 0,
		  "stage %lu: interrupt 0x%x taken %lu times, 0x%x %lu times", uc.args[0], IRQ_A,
		  uc.args[1], IRQ_B, uc.args[2]);

	/* With IF clear the window stays shut: the guest runs on to its next exit. */
	KT_RUN_SYNC(v, 3);
	v->run->request_interrupt_window = 1;
	KT_RUN_SYNC(v, 4);
	KT_ASSERT(!v->run->ready_for_interrupt_injection, "ready with IF clear");
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_IRQ_WINDOW_OPEN);
	kt_get_regs(v, &regs);
	KT_ASSERT(regs.rip == (uint64_t)(uintptr_t)ev_window_2, "second window at 0x%llx",
		  (unsigned long long)regs.rip);
	irq.irq = IRQ_B;
	KT_ASSERT_OK(ioctl(v->fd, KVM_INTERRUPT, &irq));
	v->run->request_interrupt_window = 0;
	KT_ASSERT(ucall_arg(v, 5, 2) == 1, "interrupt 0x%x not delivered once", IRQ_B);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_cr8(void)
{
	uint64_t cr8;

	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	GUEST_SYNC(1, cr8);
	__asm__ volatile("mov %0, %%cr8" : : "r"(9ull) : "memory");
	GUEST_SYNC(2);
}

static void test_cr8(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_cr8, 0, 0);
	struct kvm_sregs s;

	v->run->cr8 = 16;
	KT_ASSERT_ERRNO(kt_vcpu_run(v), EINVAL);
	v->run->cr8 = 7;
	KT_ASSERT(ucall_arg(v, 1, 1) == 7, "guest read a CR8 other than kvm_run.cr8 = 7");
	KT_ASSERT(v->run->cr8 == 7, "kvm_run.cr8 %llu", (unsigned long long)v->run->cr8);
	KT_RUN_SYNC(v, 2);
	KT_ASSERT(v->run->cr8 == 9, "guest wrote CR8 = 9, kvm_run.cr8 %llu",
		  (unsigned long long)v->run->cr8);
	kt_get_sregs(v, &s);
	KT_ASSERT(s.cr8 == 9 && v->run->apic_base == s.apic_base,
		  "sregs cr8 %llu apic_base 0x%llx, kvm_run apic_base 0x%llx",
		  (unsigned long long)s.cr8, (unsigned long long)s.apic_base,
		  (unsigned long long)v->run->apic_base);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

/*
 * The interrupt frame goes onto a stack page the guest never touched: the
 * delivery takes a nested page fault and must be completed afterwards.
 */
static void guest_reinject(uint64_t stack_top)
{
	__asm__ volatile("cli");
	GUEST_SYNC(1);
	__asm__ volatile("mov %%rsp, %%rbx\n\t"
			 "mov %0, %%rsp\n\t"
			 "sti\n\tnop\n"
			 ".globl ev_window_3\nev_window_3:\n"
			 "1:\tcmpl $0, irq_count_a(%%rip)\n\tje 1b\n\t"
			 "cli\n\t"
			 "mov %%rbx, %%rsp" : : "r"(stack_top) : "rbx", "memory", "cc");
	GUEST_SYNC(2, irq_count_a);
}

static void test_reinject(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_reinject, STACK_SLOT_GPA + STACK_SLOT_SIZE, 0);
	struct kvm_interrupt irq = { .irq = IRQ_A };

	kt_vm_add_slot(vm, KT_SLOT_FREE, STACK_SLOT_GPA, STACK_SLOT_SIZE, 0, 0);
	install_gate(vm, v, IRQ_A, ev_irq_a);
	KT_RUN_SYNC(v, 1);
	v->run->request_interrupt_window = 1;
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_IRQ_WINDOW_OPEN);
	KT_ASSERT_OK(ioctl(v->fd, KVM_INTERRUPT, &irq));
	v->run->request_interrupt_window = 0;
	KT_ASSERT(ucall_arg(v, 2, 1) == 1, "interrupt lost when its delivery faulted");
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

/*
 * Each of many KVM_INTERRUPTs reaches the guest exactly once.  The handler
 * spins with interrupts off for a few milliseconds without an exit, so that a
 * second delivery of the same vector (seen under QEMU's emulated SVM, which
 * could deliver an EVENTINJ interrupt again, IF clear or not, when its vCPU
 * thread was kicked before the guest's next exit) would count twice.
 */
#define ONCE_ROUNDS	60

static void guest_once(void)
{
	uint32_t i;

	__asm__ volatile("cli");
	for (i = 0; i < ONCE_ROUNDS; i++) {
		GUEST_SYNC(1, i);
		__asm__ volatile("sti\n\tnop\n"
				 "1:\tcmpl %0, irq_count_c(%%rip)\n\tje 1b\n\tcli"
				 : : "r"(i) : "memory", "cc");
		/* A late second delivery lands here, before the count is read. */
		__asm__ volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory");
		GUEST_SYNC(2, irq_count_c);
	}
	GUEST_SYNC(3, irq_count_c);
}

static void test_irq_once(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v;
	struct kvm_interrupt irq = { .irq = IRQ_C };
	long khz;
	uint32_t i;
	uint64_t n;

	v = kt_vcpu_add(vm, 0, guest_once, 0, 0);
	khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	KT_ASSERT(khz > 0, "KVM_GET_TSC_KHZ: %ld", khz);
	/* 5 ms per handler, longer than the test VM's 4 ms host tick: ~0.3 s in all. */
	irq_spin_ticks = (uint64_t)khz * 5;
	kt_sync_to_guest(vm, irq_spin_ticks);
	install_gate(vm, v, IRQ_C, ev_irq_spin);
	for (i = 0; i < ONCE_ROUNDS; i++) {
		KT_ASSERT(ucall_arg(v, 1, 1) == i, "round %u out of step", i);
		v->run->request_interrupt_window = 1;
		kt_vcpu_run_ok(v);
		KT_ASSERT_EXIT(v, KVM_EXIT_IRQ_WINDOW_OPEN);
		KT_ASSERT_OK(ioctl(v->fd, KVM_INTERRUPT, &irq));
		v->run->request_interrupt_window = 0;
		n = ucall_arg(v, 2, 1);
		KT_ASSERT(n == i + 1, "round %u: interrupt 0x%x taken %lu times in all, want %u",
			  i, IRQ_C, n, i + 1);
	}
	KT_ASSERT(ucall_arg(v, 3, 1) == ONCE_ROUNDS, "final count");
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static volatile uint64_t nmi_count;

static void guest_nmi_handler(struct guest_exc_frame *f __attribute__((unused)))
{
	nmi_count++;
	GUEST_SYNC(20, nmi_count);
	GUEST_SYNC(21, nmi_count);
}

static void guest_nmi(void)
{
	guest_set_exc_handler(2, guest_nmi_handler);
	__asm__ volatile("cli");
	GUEST_SYNC(10);
	GUEST_SYNC(30, nmi_count);
}

static void test_nmi(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kvm_vcpu_events ev;

	if (!kt_check_cap(KVM_CAP_USER_NMI))
		KT_SKIP("KVM_CAP_USER_NMI not supported");
	vm = kt_vm_create();
	v = kt_vcpu_add(vm, 0, guest_nmi, 0, 0);
	KT_RUN_SYNC(v, 10);

	/* NMIs ignore RFLAGS.IF. */
	KT_ASSERT_OK(ioctl(v->fd, KVM_NMI));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_ASSERT(ev.nmi.pending == 1 && !ev.nmi.masked, "after KVM_NMI: pending %u masked %u",
		  ev.nmi.pending, ev.nmi.masked);
	KT_ASSERT(ucall_arg(v, 20, 1) == 1, "first NMI not taken");

	/* Inside the handler NMIs are blocked: the second waits for IRET. */
	KT_ASSERT_OK(ioctl(v->fd, KVM_NMI));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_ASSERT(ev.nmi.pending == 1 && ev.nmi.masked, "in the handler: pending %u masked %u",
		  ev.nmi.pending, ev.nmi.masked);
	KT_ASSERT(ucall_arg(v, 21, 1) == 1, "an NMI nested inside the NMI handler");
	KT_ASSERT(ucall_arg(v, 20, 1) == 2, "the blocked NMI did not follow the IRET");
	KT_ASSERT(ucall_arg(v, 21, 1) == 2, "an NMI nested inside the NMI handler");
	KT_ASSERT(ucall_arg(v, 30, 1) == 2, "NMI count at the end");
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_ASSERT(!ev.nmi.pending && !ev.nmi.masked, "at the end: pending %u masked %u",
		  ev.nmi.pending, ev.nmi.masked);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static volatile uint64_t pf_count, pf_cr2, pf_err;

static void guest_pf_handler(struct guest_exc_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_count++;
	pf_cr2 = cr2;
	pf_err = f->error_code;
}

static void guest_payload(void)
{
	guest_set_exc_handler(14, guest_pf_handler);
	GUEST_SYNC(1);
	GUEST_SYNC(2, pf_count, pf_cr2, pf_err);
}

static void test_exception_payload(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXCEPTION_PAYLOAD, .args = { 1 } };
	struct kvm_vcpu_events ev, bad;
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kvm_sregs s;
	struct kt_ucall uc;

	if (!kt_check_cap(KVM_CAP_EXCEPTION_PAYLOAD))
		KT_SKIP("KVM_CAP_EXCEPTION_PAYLOAD not supported");
	vm = kt_vm_create();
	v = kt_vcpu_add(vm, 0, guest_payload, 0, 0);
	KT_RUN_SYNC(v, 1);

	/* Payloads are refused until the capability is on. */
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_ASSERT(!(ev.flags & KVM_VCPUEVENT_VALID_PAYLOAD), "flags 0x%x", ev.flags);
	bad = ev;
	bad.flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &bad), EINVAL);
	cap.flags = 1;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.flags = 0;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_ASSERT(ev.flags & KVM_VCPUEVENT_VALID_PAYLOAD, "flags 0x%x with the cap", ev.flags);

	/* NMI's vector and vectors past 31 are no exceptions. */
	bad = ev;
	bad.exception.pending = 1;
	bad.exception.nr = 2;
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &bad), EINVAL);
	bad.exception.nr = 32;
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &bad), EINVAL);

	/* A pending #PF: CR2 changes only when it is delivered. */
	ev.exception.pending = 1;
	ev.exception.injected = 0;
	ev.exception.nr = 14;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 6;
	ev.exception_has_payload = 1;
	ev.exception_payload = 0xdead1000;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev));
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_VCPU_EVENTS, &bad));
	KT_ASSERT(bad.exception.pending && !bad.exception.injected && bad.exception.nr == 14 &&
		  bad.exception_has_payload && bad.exception_payload == 0xdead1000,
		  "pending %u injected %u nr %u has_payload %u payload 0x%llx",
		  bad.exception.pending, bad.exception.injected, bad.exception.nr,
		  bad.exception_has_payload, (unsigned long long)bad.exception_payload);
	kt_get_sregs(v, &s);
	KT_ASSERT(s.cr2 != 0xdead1000, "CR2 written before the #PF was delivered");

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 2, "no stage 2");
	KT_ASSERT(uc.args[1] == 1 && uc.args[2] == 0xdead1000 && uc.args[3] == 6,
		  "#PF count %lu cr2 0x%lx error 0x%lx", uc.args[1], uc.args[2], uc.args[3]);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "irq_window", test_irq_window },
	{ "cr8", test_cr8 },
	{ "reinject", test_reinject },
	{ "irq_once", test_irq_once },
	{ "nmi", test_nmi },
	{ "exception_payload", test_exception_payload },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
