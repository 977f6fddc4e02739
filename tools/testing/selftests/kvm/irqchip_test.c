// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel irqchip seen from userspace and from a guest that needs no
 * interrupt delivery: KVM_CREATE_IRQCHIP ordering rules, KVM_GET/SET_IRQCHIP
 * and KVM_GET/SET_LAPIC round trips and bad input, reset values (APIC base,
 * MP state of the BSP and of an AP), the PIC ports, IOAPIC page and xAPIC page
 * handled in the kernel (no exit to userspace), and an SMP start: vCPU 0
 * sends INIT-SIPI-SIPI, vCPU 1 comes up in a real-mode trampoline, switches to
 * long mode and reports through the ucall channel.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"
#include "kvmt.h"

static void irqchip_create(struct kt_vm *vm)
{
	KT_ASSERT_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
}

static uint32_t lapic_reg(const struct kvm_lapic_state *s, uint32_t off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static void lapic_set_reg(struct kvm_lapic_state *s, uint32_t off, uint32_t v)
{
	memcpy(s->regs + off, &v, 4);
}

static void test_create_rules(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kvm_irqchip chip;

	KT_ASSERT(kt_check_cap(KVM_CAP_IRQCHIP) == 1, "KVM_CAP_IRQCHIP not offered");
	memset(&chip, 0, sizeof(chip));
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), ENXIO);
	irqchip_create(vm);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	kt_vm_free(vm);

	/* Once a vCPU exists it is too late. */
	vm = kt_vm_create_bare();
	kt_vcpu_add_bare(vm, 0);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EINVAL);
	kt_vm_free(vm);
}

static void test_irqchip_roundtrip(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kvm_irqchip chip, back;
	int i;

	irqchip_create(vm);

	/* PIC master and slave. */
	for (i = KVM_IRQCHIP_PIC_MASTER; i <= KVM_IRQCHIP_PIC_SLAVE; i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = i;
		KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
		KT_CHECK(chip.chip.pic.elcr_mask == (i ? 0xde : 0xf8), "chip %d elcr_mask 0x%x",
			 i, chip.chip.pic.elcr_mask);
		chip.chip.pic.imr = 0x5a;
		chip.chip.pic.irq_base = i ? 0x78 : 0x30;
		chip.chip.pic.elcr = i ? 0x02 : 0x08;
		chip.chip.pic.priority_add = 3;
		KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
		memset(&back, 0, sizeof(back));
		back.chip_id = i;
		KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &back));
		KT_CHECK(back.chip.pic.imr == 0x5a && back.chip.pic.irq_base == chip.chip.pic.irq_base &&
			 back.chip.pic.elcr == chip.chip.pic.elcr && back.chip.pic.priority_add == 3,
			 "chip %d: imr 0x%x base 0x%x elcr 0x%x prio %u", i, back.chip.pic.imr,
			 back.chip.pic.irq_base, back.chip.pic.elcr, back.chip.pic.priority_add);
	}

	/* IOAPIC: reset state, then entries and ID survive a round trip. */
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	KT_CHECK(chip.chip.ioapic.base_address == IOAPIC_DEFAULT_GPA, "base 0x%llx",
		 (unsigned long long)chip.chip.ioapic.base_address);
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		KT_CHECK(chip.chip.ioapic.redirtbl[i].bits & IOAPIC_RTE_MASKED,
			 "pin %d not masked at reset: 0x%llx", i,
			 (unsigned long long)chip.chip.ioapic.redirtbl[i].bits);
	chip.chip.ioapic.id = 5;
	chip.chip.ioapic.redirtbl[3].bits = (1ull << 56) | IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x35;
	chip.chip.ioapic.redirtbl[7].bits = (2ull << 56) | 0x800 | 0x47;	/* logical, edge */
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	memset(&back, 0, sizeof(back));
	back.chip_id = KVM_IRQCHIP_IOAPIC;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &back));
	KT_CHECK(back.chip.ioapic.id == 5, "id %u", back.chip.ioapic.id);
	KT_CHECK(back.chip.ioapic.redirtbl[3].bits == chip.chip.ioapic.redirtbl[3].bits,
		 "pin 3: 0x%llx", (unsigned long long)back.chip.ioapic.redirtbl[3].bits);
	KT_CHECK(back.chip.ioapic.redirtbl[7].bits == chip.chip.ioapic.redirtbl[7].bits,
		 "pin 7: 0x%llx", (unsigned long long)back.chip.ioapic.redirtbl[7].bits);

	/* Unknown chips. */
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = 3;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), EINVAL);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_IRQCHIP, &chip), EINVAL);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, (void *)8), EFAULT);
	kt_vm_free(vm);
}

static void test_lapic_state(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *v0, *v1;
	struct kvm_lapic_state s, back;
	struct kvm_mp_state mp;

	/* No in-kernel LAPIC: EINVAL, and only RUNNABLE is a valid MP state. */
	v0 = kt_vcpu_add_bare(vm, 0);
	KT_ASSERT_ERRNO(ioctl(v0->fd, KVM_GET_LAPIC, &s), EINVAL);
	mp.mp_state = KVM_MP_STATE_HALTED;
	KT_ASSERT_ERRNO(ioctl(v0->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	kt_vm_free(vm);

	vm = kt_vm_create_bare();
	irqchip_create(vm);
	v0 = kt_vcpu_add_bare(vm, 0);
	v1 = kt_vcpu_add_bare(vm, 1);
	/* The supported CPUID offers x2APIC: the mode switch below depends on it. */
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_CPUID2, kt_supported_cpuid()));

	/* Reset: the BSP runs, the AP waits for INIT/SIPI. */
	KT_ASSERT_OK(ioctl(v0->fd, KVM_GET_MP_STATE, &mp));
	KT_CHECK(mp.mp_state == KVM_MP_STATE_RUNNABLE, "vCPU 0 mp_state %u", mp.mp_state);
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_MP_STATE, &mp));
	KT_CHECK(mp.mp_state == KVM_MP_STATE_UNINITIALIZED, "vCPU 1 mp_state %u", mp.mp_state);
	KT_CHECK(kt_get_msr(v0, MSR_IA32_APICBASE) == (APIC_DEFAULT_GPA | APICBASE_EN | APICBASE_BSP),
		 "vCPU 0 APIC base 0x%llx", (unsigned long long)kt_get_msr(v0, MSR_IA32_APICBASE));
	KT_CHECK(kt_get_msr(v1, MSR_IA32_APICBASE) == (APIC_DEFAULT_GPA | APICBASE_EN),
		 "vCPU 1 APIC base 0x%llx", (unsigned long long)kt_get_msr(v1, MSR_IA32_APICBASE));
	mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_MP_STATE, &mp));
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_MP_STATE, &mp));
	KT_CHECK(mp.mp_state == KVM_MP_STATE_INIT_RECEIVED, "vCPU 1 mp_state %u", mp.mp_state);

	/* Reset register values. */
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_LAPIC, &s));
	KT_CHECK(lapic_reg(&s, APIC_ID) == 1u << 24, "ID 0x%x", lapic_reg(&s, APIC_ID));
	KT_CHECK((lapic_reg(&s, APIC_LVR) & 0xff) == 0x14 &&
		 ((lapic_reg(&s, APIC_LVR) >> 16) & 0xff) >= 5, "version 0x%x",
		 lapic_reg(&s, APIC_LVR));
	KT_CHECK(lapic_reg(&s, APIC_SVR) == 0xff, "SVR 0x%x", lapic_reg(&s, APIC_SVR));
	KT_CHECK(lapic_reg(&s, APIC_LVTT) == APIC_LVT_MASKED, "LVTT 0x%x", lapic_reg(&s, APIC_LVTT));
	KT_CHECK(lapic_reg(&s, APIC_DFR) == 0xffffffffu, "DFR 0x%x", lapic_reg(&s, APIC_DFR));

	/* Round trip of writable registers. */
	lapic_set_reg(&s, APIC_TPR, 0x20);
	lapic_set_reg(&s, APIC_SVR, APIC_SVR_ENABLE | 0xf0);
	lapic_set_reg(&s, APIC_LVTT, APIC_LVT_MASKED | APIC_TIMER_PERIODIC | 0x41);
	lapic_set_reg(&s, APIC_LVT1, 0x400);		/* NMI */
	lapic_set_reg(&s, APIC_LDR, 0x08000000);
	lapic_set_reg(&s, APIC_TDCR, 0x3);
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_LAPIC, &s));
	memset(&back, 0, sizeof(back));
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_LAPIC, &back));
	KT_CHECK(lapic_reg(&back, APIC_TPR) == 0x20, "TPR 0x%x", lapic_reg(&back, APIC_TPR));
	KT_CHECK(lapic_reg(&back, APIC_PPR) == 0x20, "PPR 0x%x", lapic_reg(&back, APIC_PPR));
	KT_CHECK(lapic_reg(&back, APIC_SVR) == (APIC_SVR_ENABLE | 0xf0), "SVR 0x%x",
		 lapic_reg(&back, APIC_SVR));
	KT_CHECK(lapic_reg(&back, APIC_LVTT) == (APIC_LVT_MASKED | APIC_TIMER_PERIODIC | 0x41),
		 "LVTT 0x%x", lapic_reg(&back, APIC_LVTT));
	KT_CHECK(lapic_reg(&back, APIC_LVT1) == 0x400, "LVT1 0x%x", lapic_reg(&back, APIC_LVT1));
	KT_CHECK(lapic_reg(&back, APIC_LDR) == 0x08000000, "LDR 0x%x", lapic_reg(&back, APIC_LDR));
	KT_CHECK(lapic_reg(&back, APIC_TDCR) == 0x3, "TDCR 0x%x", lapic_reg(&back, APIC_TDCR));
	KT_CHECK(lapic_reg(&back, APIC_ID) == 1u << 24, "ID 0x%x", lapic_reg(&back, APIC_ID));

	/* x2APIC through IA32_APIC_BASE: ID register of the page is ID << 24 (API off). */
	kt_set_msr(v1, MSR_IA32_APICBASE, APIC_DEFAULT_GPA | APICBASE_EN | APICBASE_EXTD);
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_LAPIC, &back));
	KT_CHECK(lapic_reg(&back, APIC_ID) == 1u << 24, "x2APIC ID 0x%x", lapic_reg(&back, APIC_ID));
	KT_CHECK(lapic_reg(&back, APIC_LDR) == ((0u << 16) | (1u << 1)), "x2APIC LDR 0x%x",
		 lapic_reg(&back, APIC_LDR));
	KT_ASSERT_ERRNO(ioctl(v1->fd, KVM_GET_LAPIC, (void *)8), EFAULT);
	kt_vm_free(vm);
}

/* ---- guest accesses the kernel handles: PIC ports, IOAPIC page, xAPIC page ---- */

static void guest_ports(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	guest_outb(0x21, 0xa5);			/* master IMR */
	GUEST_ASSERT_EQ(guest_inb(0x21), 0xa5);
	guest_outb(0x4d1, 0x0c);		/* slave ELCR: IRQ 10, 11 level */
	GUEST_ASSERT_EQ(guest_inb(0x4d1), 0x0c);
	GUEST_ASSERT_EQ(ioapic_read(IOAPIC_REG_VERSION), 0x00170011);
	ioapic_write(IOAPIC_REDTBL(4), IOAPIC_RTE_MASKED | 0x44);
	GUEST_ASSERT_EQ(ioapic_read(IOAPIC_REDTBL(4)), IOAPIC_RTE_MASKED | 0x44);
	GUEST_ASSERT_EQ(xapic_read(APIC_ID), 0);
	GUEST_ASSERT_EQ(xapic_read(APIC_LVR) & 0xff, 0x14);
	xapic_write(APIC_TPR, 0x30);
	GUEST_ASSERT_EQ(xapic_read(APIC_TPR), 0x30);
	GUEST_ASSERT_EQ(xapic_read(APIC_PPR), 0x30);
	GUEST_SYNC(1);
}

static void test_kernel_devices(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v;
	struct kvm_irqchip chip;
	struct kvm_lapic_state s;

	irqchip_create(vm);
	v = kt_vcpu_add(vm, 0, guest_ports, 0, 0);
	/* Any exit other than the ucalls fails: PIO/MMIO must not reach userspace. */
	KT_RUN_SYNC(v, 1);
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_PIC_MASTER;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	KT_CHECK(chip.chip.pic.imr == 0xa5, "master IMR 0x%x", chip.chip.pic.imr);
	chip.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	KT_CHECK(chip.chip.pic.elcr == 0x0c, "slave ELCR 0x%x", chip.chip.pic.elcr);
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	KT_CHECK(chip.chip.ioapic.redirtbl[4].bits == (IOAPIC_RTE_MASKED | 0x44), "pin 4 0x%llx",
		 (unsigned long long)chip.chip.ioapic.redirtbl[4].bits);
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_LAPIC, &s));
	KT_CHECK(lapic_reg(&s, APIC_TPR) == 0x30, "TPR 0x%x", lapic_reg(&s, APIC_TPR));
	/* The PIC is the kernel's: KVM_INTERRUPT has nothing to carry. */
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_INTERRUPT, &(struct kvm_interrupt){ 0x30 }), ENXIO);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

/* ---- SMP start with INIT-SIPI-SIPI ---- */

uint64_t ap_stack_top;
volatile uint64_t ap_alive;
void ap_main(void);
extern char ap_tramp_start[], ap_tramp_end[], ap_tramp_gdtr[], ap_tramp_cr3[], ap_tramp_jmp[];
extern char ap_entry64[];

/*
 * Real-mode entry of the AP at vector << 12: DS = CS, load the VM's GDT, turn on
 * PAE, LME, paging and protection at once, and jump far into 64-bit code.  The
 * host fills in the GDTR, CR3 and far pointer after copying it below 1 MiB.
 */
__asm__(
	".pushsection .text\n"
	".code16\n"
	".globl ap_tramp_start, ap_tramp_end, ap_tramp_gdtr, ap_tramp_cr3, ap_tramp_jmp\n"
	"ap_tramp_start:\n"
	"cli\n"
	"mov %cs, %ax\n"
	"mov %ax, %ds\n"
	"lgdtl (ap_tramp_gdtr - ap_tramp_start)\n"
	"movl $0x620, %eax\n"			/* PAE | OSFXSR | OSXMMEXCPT */
	"movl %eax, %cr4\n"
	"movl (ap_tramp_cr3 - ap_tramp_start), %eax\n"
	"movl %eax, %cr3\n"
	"movl $0xc0000080, %ecx\n"
	"rdmsr\n"
	"orl $0x100, %eax\n"			/* EFER.LME */
	"wrmsr\n"
	"movl $0x80000033, %eax\n"		/* PG | NE | ET | MP | PE */
	"movl %eax, %cr0\n"
	"ljmpl *(ap_tramp_jmp - ap_tramp_start)\n"
	".balign 8\n"
	"ap_tramp_gdtr: .word 0\n .long 0\n"
	".balign 4\n"
	"ap_tramp_cr3: .long 0\n"
	"ap_tramp_jmp: .long 0\n .word 0\n"
	"ap_tramp_end:\n"
	".code64\n"
	".globl ap_entry64\n"
	"ap_entry64:\n"
	"movw $0x10, %ax\n"
	"movw %ax, %ds\n movw %ax, %es\n movw %ax, %ss\n movw %ax, %fs\n movw %ax, %gs\n"
	"movq ap_stack_top(%rip), %rsp\n"
	"call ap_main\n"
	"ud2\n"
	".popsection\n");

void ap_main(void)
{
	ap_alive = 0xa11e;
	GUEST_SYNC(0xa9, xapic_read(APIC_ID) >> 24);
	GUEST_DONE();
	for (;;)
		;
}

static void bsp_main(uint64_t sipi_vector, uint64_t a1)
{
	(void)a1;
	xapic_enable(0xff);
	xapic_write(APIC_ICR2, 1u << 24);
	xapic_write(APIC_ICR, APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
	xapic_write(APIC_ICR, APIC_ICR_INIT | APIC_ICR_LEVEL);		/* de-assert */
	xapic_write(APIC_ICR, APIC_ICR_SIPI | APIC_ICR_ASSERT | sipi_vector);
	xapic_write(APIC_ICR, APIC_ICR_SIPI | APIC_ICR_ASSERT | sipi_vector);
	GUEST_ASSERT(!(xapic_read(APIC_ICR) & APIC_ICR_BUSY));
	GUEST_SYNC(1);
}

struct ap_run {
	struct kt_vcpu *v;
	volatile bool stop;
	volatile bool finished;
	int sync_count;
	uint64_t sync_args[2];
	bool done;
	uint32_t last_exit;
	int err;
};

static void *ap_thread(void *arg)
{
	struct ap_run *ar = arg;
	struct kt_ucall uc;

	for (;;) {
		int r = kt_vcpu_run(ar->v);

		/* EAGAIN: KVM_RUN of an AP that waited for INIT and took it (as QEMU retries). */
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
			if (ar->stop)
				break;
			continue;
		}
		if (r < 0) {
			ar->err = errno;
			break;
		}
		switch (kt_get_ucall(ar->v, &uc)) {
		case UCALL_SYNC:
			ar->sync_args[0] = uc.args[0];
			ar->sync_args[1] = uc.args[1];
			ar->sync_count++;
			continue;
		case UCALL_DONE:
			ar->done = true;
			break;
		default:
			ar->last_exit = ar->v->run->exit_reason;
			break;
		}
		break;
	}
	ar->finished = true;
	return NULL;
}

static void sig_nop(int sig)
{
	(void)sig;
}

/* Wait up to @ms for the AP thread; interrupt its KVM_RUN and fail if it hangs. */
static void ap_join(pthread_t th, struct ap_run *ar, int ms)
{
	while (!ar->finished && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	if (!ar->finished) {
		ar->stop = true;
		while (!ar->finished) {
			pthread_kill(th, SIGUSR1);
			usleep(10000);
		}
	}
	pthread_join(th, NULL);
}

static void test_init_sipi(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v0, *v1;
	struct kvm_sregs s;
	struct kvm_mp_state mp;
	struct sigaction sa;
	struct ap_run ar;
	pthread_t th;
	uint64_t tramp;
	uint8_t *p;
	uint32_t jmp_off;
	uint16_t sel = 0x08;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	sigaction(SIGUSR1, &sa, NULL);

	irqchip_create(vm);
	tramp = kt_vm_alloc_pages(vm, 1);
	KT_ASSERT(tramp < 0x100000 && !(tramp & 0xfff), "trampoline page at 0x%llx",
		  (unsigned long long)tramp);
	v0 = kt_vcpu_add(vm, 0, bsp_main, tramp >> 12, 0);
	v1 = kt_vcpu_add(vm, 1, ap_main, 0, 0);

	/* The trampoline and its parameters, taken from vCPU 0's long-mode setup. */
	kt_get_sregs(v0, &s);
	p = kt_gpa2hva(vm, tramp);
	memcpy(p, ap_tramp_start, ap_tramp_end - ap_tramp_start);
	memcpy(p + (ap_tramp_gdtr - ap_tramp_start), &s.gdt.limit, 2);
	memcpy(p + (ap_tramp_gdtr - ap_tramp_start) + 2, &(uint32_t){ (uint32_t)s.gdt.base }, 4);
	memcpy(p + (ap_tramp_cr3 - ap_tramp_start), &(uint32_t){ (uint32_t)s.cr3 }, 4);
	jmp_off = (uint32_t)(uintptr_t)ap_entry64;
	memcpy(p + (ap_tramp_jmp - ap_tramp_start), &jmp_off, 4);
	memcpy(p + (ap_tramp_jmp - ap_tramp_start) + 4, &sel, 2);
	ap_stack_top = v1->stack_top;
	kt_sync_to_guest(vm, ap_stack_top);

	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_MP_STATE, &mp));
	KT_CHECK(mp.mp_state == KVM_MP_STATE_UNINITIALIZED, "AP mp_state %u before INIT",
		 mp.mp_state);

	memset(&ar, 0, sizeof(ar));
	ar.v = v1;
	KT_ASSERT(pthread_create(&th, NULL, ap_thread, &ar) == 0, "pthread_create");
	KT_RUN_SYNC(v0, 1);
	KT_RUN_DONE(v0);
	ap_join(th, &ar, 20000);

	KT_ASSERT(!ar.stop, "the AP never finished (mp_state wait, or a hang after SIPI)");
	KT_ASSERT(ar.err == 0, "AP KVM_RUN failed: %s", strerror(ar.err));
	KT_ASSERT(ar.done, "AP stopped on exit %u (%s)", ar.last_exit, kt_exit_name(ar.last_exit));
	KT_CHECK(ar.sync_count == 1 && ar.sync_args[0] == 0xa9 && ar.sync_args[1] == 1,
		 "AP reported %d syncs, args 0x%llx 0x%llx", ar.sync_count,
		 (unsigned long long)ar.sync_args[0], (unsigned long long)ar.sync_args[1]);
	kt_sync_from_guest(vm, ap_alive);
	KT_CHECK(ap_alive == 0xa11e, "ap_alive 0x%llx", (unsigned long long)ap_alive);
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_MP_STATE, &mp));
	KT_CHECK(mp.mp_state == KVM_MP_STATE_RUNNABLE, "AP mp_state %u after SIPI", mp.mp_state);
	kt_vm_free(vm);
}

/*
 * Split irqchip, LINT0 masked: a VMM asking for an interrupt window for its PIC
 * gets none (ready_for_interrupt_injection 0) and the guest still runs at full
 * speed rather than exiting at every interruptible instruction.
 */
volatile uint64_t busy_sum;

static void guest_lint0_masked(uint64_t a0, uint64_t a1)
{
	uint64_t i;

	(void)a0;
	(void)a1;
	x2apic_enable(0xff);
	x2apic_write(APIC_LVT0, APIC_LVT_MASKED);
	guest_sti();
	for (i = 0; i < 2000000; i++)
		busy_sum += i;
	GUEST_SYNC(1);
}

static void test_split_window(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kt_ucall uc;

	if (kt_check_cap(KVM_CAP_SPLIT_IRQCHIP) <= 0)
		KT_SKIP("no KVM_CAP_SPLIT_IRQCHIP");
	vm = kt_vm_create();
	KT_ASSERT_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	v = kt_vcpu_add(vm, 0, guest_lint0_masked, 0, 0);
	v->run->request_interrupt_window = 1;
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC && uc.args[0] == 1, "no SYNC 1");
	KT_CHECK(v->run->if_flag == 1, "if_flag %u", v->run->if_flag);
	KT_CHECK(v->run->ready_for_interrupt_injection == 0,
		 "ready_for_interrupt_injection %u with LINT0 masked",
		 v->run->ready_for_interrupt_injection);
	kt_vm_free(vm);
}

/* ---- KVM_SET_VAPIC_ADDR: TPR, ISR and IRR mirrored into a guest page ---- */

volatile uint8_t *vapic_page;

static void guest_vapic(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	GUEST_SYNC(1);
	vapic_page[0] = 0x50;		/* the guest lowers its priority through the page */
	GUEST_SYNC(2);
}

static void test_vapic(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_vapic, 0, 0);
	struct kvm_vapic_addr va = { 0 };
	struct kvm_lapic_state s;
	uint64_t page;
	uint32_t word;

	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_VAPIC_ADDR, &va), EINVAL);
	kt_vm_free(vm);

	vm = kt_vm_create();
	irqchip_create(vm);
	v = kt_vcpu_add(vm, 0, guest_vapic, 0, 0);
	page = kt_vm_alloc_pages(vm, 1);
	vapic_page = (volatile uint8_t *)(uintptr_t)page;
	kt_sync_to_guest(vm, vapic_page);
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_VAPIC_ADDR, &va));
	va.vapic_addr = 0x7f0000000ull;		/* no memory there */
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_SET_VAPIC_ADDR, &va), EINVAL);
	va.vapic_addr = page;
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_VAPIC_ADDR, &va));

	/* TPR 0x20 and a pending vector 0x61 show in the page while the guest runs. */
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_LAPIC, &s));
	lapic_set_reg(&s, APIC_TPR, 0x20);
	lapic_set_reg(&s, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	lapic_set_reg(&s, APIC_IRR + 0x10 * (0x61 / 32), 1u << (0x61 % 32));
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_LAPIC, &s));
	KT_RUN_SYNC(v, 1);
	memcpy(&word, kt_gpa2hva(vm, page), 4);
	KT_CHECK((word & 0xff) == 0x20 && (word >> 24) == 0x61, "VAPIC word 0x%08x", word);

	/* The guest's write of the TPR byte is the LAPIC's TPR once KVM_RUN returns. */
	KT_RUN_SYNC(v, 2);
	KT_ASSERT_OK(ioctl(v->fd, KVM_GET_LAPIC, &s));
	KT_CHECK(lapic_reg(&s, APIC_TPR) == 0x50, "TPR 0x%x after the guest wrote 0x50",
		 lapic_reg(&s, APIC_TPR));
	kt_vm_free(vm);
}

/* ---- KVM_CAP_SPLIT_IRQCHIP: LAPIC in the kernel, PIC and IOAPIC in userspace ---- */

#define SPLIT_VECTOR	0x70
#define SPLIT_GSI	5

#define EXTINT_VECTOR	0x71

volatile uint64_t split_count;

static void on_split(struct guest_exc_frame *f)
{
	(void)f;
	split_count++;
}

static void guest_split(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	guest_set_exc_handler(SPLIT_VECTOR, on_split);
	x2apic_enable(0xff);
	guest_outb(0x21, 0xa5);
	GUEST_ASSERT_EQ(ioapic_read(IOAPIC_REG_VERSION), 0x1234);
	GUEST_SYNC(1);
	while (!split_count)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	x2apic_write(APIC_EOI, 0);
	GUEST_SYNC(2, split_count);
}

static void test_split(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct {
		struct kvm_irq_routing head;
		struct kvm_irq_routing_entry e[1];
	} rt;
	struct kvm_irq_level line = { .irq = SPLIT_GSI, .level = 1 };
	struct kvm_run *run;

	if (kt_check_cap(KVM_CAP_SPLIT_IRQCHIP) <= 0)
		KT_SKIP("no KVM_CAP_SPLIT_IRQCHIP");
	vm = kt_vm_create();
	cap.args[0] = 4097;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = 24;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EEXIST);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), ENXIO);
	v = kt_vcpu_add(vm, 0, guest_split, 0, 0);
	run = v->run;

	/* The PIC and IOAPIC are userspace's: their accesses exit. */
	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, 0x21, 1);
	KT_ASSERT(*(uint8_t *)kt_io_data(v) == 0xa5, "OUT 0x21 data 0x%x", *(uint8_t *)kt_io_data(v));
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(run->mmio.is_write && run->mmio.phys_addr == IOAPIC_DEFAULT_GPA,
		  "MMIO %s 0x%llx", run->mmio.is_write ? "write" : "read", run->mmio.phys_addr);
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(!run->mmio.is_write && run->mmio.phys_addr == IOAPIC_DEFAULT_GPA + 0x10,
		  "MMIO %s 0x%llx", run->mmio.is_write ? "write" : "read", run->mmio.phys_addr);
	memcpy(run->mmio.data, &(uint32_t){ 0x1234 }, 4);
	KT_RUN_SYNC(v, 1);

	/* A level-triggered MSI route below the reserved pins: its EOI exits. */
	memset(&rt, 0, sizeof(rt));
	rt.head.nr = 1;
	rt.e[0].gsi = SPLIT_GSI;
	rt.e[0].type = KVM_IRQ_ROUTING_MSI;
	rt.e[0].u.msi.address_lo = APIC_DEFAULT_GPA;
	rt.e[0].u.msi.data = SPLIT_VECTOR | (1u << 15) | (1u << 14);
	KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));
	KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_IOAPIC_EOI);
	KT_ASSERT(run->eoi.vector == SPLIT_VECTOR, "EOI exit for vector 0x%x", run->eoi.vector);
	KT_ASSERT(KT_RUN_UCALL(v, &(struct kt_ucall){ 0 }) == UCALL_SYNC, "no SYNC 2");

	/*
	 * KVM_INTERRUPT carries the userspace PIC's vector, one at a time.  (Its
	 * delivery is not checked here: a guest waiting for it in STI;HLT was
	 * never woken by Debian's KVM in the test VM.)
	 */
	KT_ASSERT_OK(ioctl(v->fd, KVM_INTERRUPT, &(struct kvm_interrupt){ EXTINT_VECTOR }));
	KT_ASSERT_ERRNO(ioctl(v->fd, KVM_INTERRUPT, &(struct kvm_interrupt){ EXTINT_VECTOR }),
			EEXIST);

	/* Too late once a vCPU exists. */
	kt_vm_free(vm);
	vm = kt_vm_create_bare();
	kt_vcpu_add_bare(vm, 0);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EEXIST);
	kt_vm_free(vm);
}

/* ---- KVM_CAP_X2APIC_API: 32-bit IDs in the LAPIC page, no 0xff broadcast quirk ---- */

static void test_x2apic_api(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X2APIC_API };
	struct kvm_msi msi = { .address_lo = APIC_DEFAULT_GPA | (0xffu << 12), .data = 0x72 };
	struct kvm_lapic_state s;
	struct kt_vcpu *v0, *v1;
	int r;

	r = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);
	KT_ASSERT(r == 3, "KVM_CAP_X2APIC_API %d, want both flags", r);
	irqchip_create(vm);
	v0 = kt_vcpu_add_bare(vm, 0);
	v1 = kt_vcpu_add_bare(vm, 1);
	KT_ASSERT_OK(ioctl(v0->fd, KVM_SET_CPUID2, kt_supported_cpuid()));
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_CPUID2, kt_supported_cpuid()));
	kt_set_msr(v0, MSR_IA32_APICBASE, APIC_DEFAULT_GPA | APICBASE_EN | APICBASE_BSP |
		   APICBASE_EXTD);
	kt_set_msr(v1, MSR_IA32_APICBASE, APIC_DEFAULT_GPA | APICBASE_EN | APICBASE_EXTD);
	KT_ASSERT_OK(ioctl(v0->fd, KVM_GET_LAPIC, &s));
	lapic_set_reg(&s, APIC_SVR, APIC_SVR_ENABLE | 0xff);
	KT_ASSERT_OK(ioctl(v0->fd, KVM_SET_LAPIC, &s));

	/* By default an MSI to 0xff reaches x2APICs as a broadcast (Linux's quirk). */
	r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	KT_CHECK(r == 1, "MSI to 0xff with the quirk: %d", r);

	cap.args[0] = 4;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	msi.data = 0x73;
	r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	KT_CHECK(r == 0, "MSI to 0xff without the quirk: %d, want 0 (no destination)", r);

	/* The page now holds the 32-bit ID as is, and only that ID is taken back. */
	KT_ASSERT_OK(ioctl(v1->fd, KVM_GET_LAPIC, &s));
	KT_CHECK(lapic_reg(&s, APIC_ID) == 1, "x2APIC ID 0x%x, want 1", lapic_reg(&s, APIC_ID));
	KT_ASSERT_OK(ioctl(v1->fd, KVM_SET_LAPIC, &s));
	lapic_set_reg(&s, APIC_ID, 5);
	KT_ASSERT_ERRNO(ioctl(v1->fd, KVM_SET_LAPIC, &s), EINVAL);
	kt_vm_free(vm);
}

/* ---- garbage state: whatever userspace loads, the host survives it ---- */

static void guest_idle(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
	for (;;)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = rng();
}

static void test_garbage(void)
{
	struct sigaction sa;
	int i, c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	sigaction(SIGALRM, &sa, NULL);
	for (i = 0; i < 40; i++) {
		struct kt_vm *vm = kt_vm_create();
		struct kt_vcpu *v0, *v1;
		struct kvm_lapic_state s;
		struct kvm_irqchip chip;
		struct kvm_mp_state mp;

		irqchip_create(vm);
		v0 = kt_vcpu_add(vm, 0, guest_idle, 0, 0);
		v1 = kt_vcpu_add(vm, 1, guest_idle, 0, 0);
		fill_random(&s, sizeof(s));
		(void)ioctl(v0->fd, KVM_SET_LAPIC, &s);
		fill_random(&s, sizeof(s));
		(void)ioctl(v1->fd, KVM_SET_LAPIC, &s);
		for (c = 0; c < 3; c++) {
			fill_random(&chip, sizeof(chip));
			chip.chip_id = c;
			KT_ASSERT_OK(ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
		}
		kt_set_msr(v0, MSR_IA32_APICBASE, APIC_DEFAULT_GPA | APICBASE_EN | APICBASE_BSP |
			   (rng() & APICBASE_EXTD));
		mp.mp_state = rng() % 5;
		(void)ioctl(v1->fd, KVM_SET_MP_STATE, &mp);
		/*
		 * A few runs of each, cut short by a signal; any exit will do.  The
		 * signal repeats: one that came before KVM_RUN began stops nothing.
		 */
		for (c = 0; c < 4; c++) {
			ualarm(20000, 20000);
			(void)kt_vcpu_run(c & 1 ? v1 : v0);
			ualarm(0, 0);
		}
		KT_ASSERT_OK(ioctl(v0->fd, KVM_GET_LAPIC, &s));
		chip.chip_id = KVM_IRQCHIP_IOAPIC;
		KT_ASSERT_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
		kt_vm_free(vm);
	}
}

static const struct ktest_case cases[] = {
	{ "create_rules", test_create_rules },
	{ "irqchip_roundtrip", test_irqchip_roundtrip },
	{ "lapic_state", test_lapic_state },
	{ "kernel_devices", test_kernel_devices },
	{ "init_sipi_sipi", test_init_sipi },
	{ "split_irqchip", test_split },
	{ "split_window_lint0_masked", test_split_window },
	{ "vapic_addr", test_vapic },
	{ "x2apic_api", test_x2apic_api },
	{ "garbage_state", test_garbage },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
