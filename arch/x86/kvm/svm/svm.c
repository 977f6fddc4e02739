// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-amd.ko: the AMD SVM backend with nested paging.
 *
 * Module life: detect SVM and nested paging, turn SVM on on every CPU (and on
 * CPUs that come online later), register the backend with kvm.ko (which makes
 * /dev/kvm appear).  Unload reverses it; kvm.ko holds a reference on this module
 * for every VM and open /dev/kvm, so unload only happens with no users.
 *
 * Locking: per-CPU state (struct svm_cpu) is only touched on its own CPU with
 * preemption disabled.  vCPU state (struct svm_vcpu, the VMCB) is guarded by
 * vcpu->mutex, held by every caller of the backend ops.
 */
#include <linux/module.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <linux/io.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include "svm.h"
#include "../tdp.h"

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
static enum cpuhp_state svm_cpuhp_state;
static void *svm_iopm;		/* intercept every port: all ones */
static void *svm_msrpm;		/* intercept every MSR: all ones */
u32 svm_max_asid;
bool svm_has_nrips;
bool svm_has_tsc_ratio;

/*
 * QEMU's emulated SVM (TCG; 7.2, the test VM's, and the other versions whose
 * source we read) delivers an EVENTINJ of type INTR inside its VMRUN but leaves
 * the vector in its "exception to raise" slot.  Until the guest's next exit or
 * exception overwrites that slot, any kick of QEMU's vCPU thread (its
 * round-robin timer, work queued from another thread) makes QEMU deliver the
 * same vector a second time, whatever RFLAGS.IF says: the guest enters an
 * interrupt handler twice, or inside itself with IF clear (seen as Linux
 * guests deadlocked on an irq_desc lock at boot, an entry-stack overflow from
 * a re-entered handler that had not done SWAPGS yet, hangs in SeaBIOS).
 *
 * The cure is an exit right after such a VMRUN: a self-IPI raised with GIF
 * clear is pending when VMRUN sets GIF, so the emulator's first look at its
 * interrupt lines, after the injected event is delivered and before any kick
 * is looked at, is an INTR intercept, whose #VMEXIT clears the slot.  The
 * IPI's handler does nothing.  It costs one exit per injected interrupt, so it
 * is done only where an emulator may be running us: -1 (default) when the CPU
 * says a hypervisor is present, 1 always, 0 never.
 */
static int intr_exit_kick = -1;
module_param(intr_exit_kick, int, 0444);
MODULE_PARM_DESC(intr_exit_kick,
		 "Exit right after an injected interrupt (emulated SVM): -1 auto, 0 off, 1 on");
static bool svm_intr_kick;

/* Attribute bits of struct vmcb_seg (descriptor bits 40-47, 52-55). */
#define SEG_ATTR_TYPE_MASK	0x00f
#define SEG_ATTR_S		(1 << 4)
#define SEG_ATTR_DPL_SHIFT	5
#define SEG_ATTR_P		(1 << 7)
#define SEG_ATTR_AVL		(1 << 8)
#define SEG_ATTR_L		(1 << 9)
#define SEG_ATTR_DB		(1 << 10)
#define SEG_ATTR_G		(1 << 11)

/* ---- per-CPU enable/disable ------------------------------------------ */

static int svm_cpu_online(unsigned int cpu)
{
	struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("kvm-amd: SVM already in use on CPU %u by another hypervisor\n", cpu);
		return -EBUSY;
	}
	sc->hsave = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	sc->host_vmsave = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!sc->hsave || !sc->host_vmsave)
		goto err;
	sc->next_asid = svm_max_asid + 1;	/* forces a new generation on first use */
	sc->asid_generation = 1;
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(SVM_MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	if (svm_has_tsc_ratio) {
		sc->tsc_ratio = kvmx86_tsc_default_ratio();
		wrmsrl(MSR_AMD64_TSC_RATIO, sc->tsc_ratio);
	}
	if (boot_cpu_has(X86_FEATURE_RDTSCP))
		rdmsrl(MSR_TSC_AUX, sc->host_tsc_aux);
	sc->enabled = true;
	return 0;

err:
	if (sc->hsave)
		__free_page(sc->hsave);
	if (sc->host_vmsave)
		__free_page(sc->host_vmsave);
	sc->hsave = sc->host_vmsave = NULL;
	return -ENOMEM;
}

static int svm_cpu_offline(unsigned int cpu)
{
	struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);
	u64 efer;

	if (!sc->enabled)
		return 0;
	wrmsrl(SVM_MSR_VM_HSAVE_PA, 0);
	if (svm_has_tsc_ratio)
		wrmsrl(MSR_AMD64_TSC_RATIO, kvmx86_tsc_default_ratio());
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	sc->enabled = false;
	__free_page(sc->hsave);
	__free_page(sc->host_vmsave);
	sc->hsave = sc->host_vmsave = NULL;
	return 0;
}

/* ---- state accessors ---------------------------------------------------- */

static struct vmcb_seg *svm_seg(struct svm_vcpu *svm, enum kvm_x86_seg seg)
{
	struct vmcb_save *s = &svm->vmcb->save;

	switch (seg) {
	case KVM_SEG_ES: return &s->es;
	case KVM_SEG_CS: return &s->cs;
	case KVM_SEG_SS: return &s->ss;
	case KVM_SEG_DS: return &s->ds;
	case KVM_SEG_FS: return &s->fs;
	case KVM_SEG_GS: return &s->gs;
	case KVM_SEG_TR: return &s->tr;
	default: return &s->ldtr;
	}
}

static void svm_get_segment(struct kvm_x86_vcpu *v, struct kvm_segment *out, enum kvm_x86_seg seg)
{
	struct vmcb_seg *s = svm_seg(to_svm(v), seg);
	u16 a = s->attrib;

	memset(out, 0, sizeof(*out));
	out->base = s->base;
	out->limit = s->limit;
	out->selector = s->selector;
	out->type = a & SEG_ATTR_TYPE_MASK;
	out->s = !!(a & SEG_ATTR_S);
	out->dpl = (a >> SEG_ATTR_DPL_SHIFT) & 3;
	out->present = !!(a & SEG_ATTR_P);
	out->avl = !!(a & SEG_ATTR_AVL);
	out->l = !!(a & SEG_ATTR_L);
	out->db = !!(a & SEG_ATTR_DB);
	out->g = !!(a & SEG_ATTR_G);
	out->unusable = !out->present;
}

static void svm_set_segment(struct kvm_x86_vcpu *v, const struct kvm_segment *in,
			    enum kvm_x86_seg seg)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb_seg *s = svm_seg(svm, seg);

	s->base = in->base;
	s->limit = in->limit;
	s->selector = in->selector;
	s->attrib = 0;
	if (!in->unusable && in->present)
		s->attrib = (in->type & SEG_ATTR_TYPE_MASK) | (in->s ? SEG_ATTR_S : 0) |
			    ((in->dpl & 3) << SEG_ATTR_DPL_SHIFT) | SEG_ATTR_P |
			    (in->avl ? SEG_ATTR_AVL : 0) | (in->l ? SEG_ATTR_L : 0) |
			    (in->db ? SEG_ATTR_DB : 0) | (in->g ? SEG_ATTR_G : 0);
	/* The CPL is the DPL of SS (APM 15.5.1: VMRUN takes CPL from the VMCB). */
	if (seg == KVM_SEG_SS)
		svm->vmcb->save.cpl = in->dpl & 3;
}

static void svm_get_dtables(struct kvm_x86_vcpu *v, struct kvm_dtable *gdt, struct kvm_dtable *idt)
{
	struct vmcb_save *s = &to_svm(v)->vmcb->save;

	memset(gdt, 0, sizeof(*gdt));
	memset(idt, 0, sizeof(*idt));
	gdt->base = s->gdtr.base;
	gdt->limit = s->gdtr.limit;
	idt->base = s->idtr.base;
	idt->limit = s->idtr.limit;
}

static void svm_set_dtables(struct kvm_x86_vcpu *v, const struct kvm_dtable *gdt,
			    const struct kvm_dtable *idt)
{
	struct vmcb_save *s = &to_svm(v)->vmcb->save;

	s->gdtr.base = gdt->base;
	s->gdtr.limit = gdt->limit;
	s->idtr.base = idt->base;
	s->idtr.limit = idt->limit;
}

static u64 svm_get_cr(struct kvm_x86_vcpu *v, int which)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	switch (which) {
	case 0: return vmcb->save.cr0;
	case 2: return vmcb->save.cr2;
	case 3: return vmcb->save.cr3;
	case 4: return vmcb->save.cr4;
	case 8: return vmcb->control.int_ctl & 0xf;	/* V_TPR */
	default: return 0;
	}
}

static void svm_set_cr(struct kvm_x86_vcpu *v, int which, u64 val)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb *vmcb = svm->vmcb;

	switch (which) {
	case 0:
		vmcb->save.cr0 = val;
		if (!(val & X86_CR0_PE))
			vmcb->save.cpl = 0;
		break;
	case 2:
		vmcb->save.cr2 = val;
		break;
	case 3:
		vmcb->save.cr3 = val;
		break;
	case 4:
		vmcb->save.cr4 = val;
		break;
	case 8:
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~0xfU) | (val & 0xf);
		break;
	}
}

/* The guest must not see EFER.SVME, but VMRUN requires it in the VMCB. */
static u64 svm_get_efer(struct kvm_x86_vcpu *v)
{
	return to_svm(v)->vmcb->save.efer & ~EFER_SVME;
}

static void svm_set_efer(struct kvm_x86_vcpu *v, u64 efer)
{
	to_svm(v)->vmcb->save.efer = efer | EFER_SVME;
}

static int svm_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb_save *s = &svm->vmcb->save;

	switch (index) {
	case MSR_EFER:		*data = svm_get_efer(v); return 0;
	case MSR_STAR:		*data = s->star; return 0;
	case MSR_LSTAR:		*data = s->lstar; return 0;
	case MSR_CSTAR:		*data = s->cstar; return 0;
	case MSR_SYSCALL_MASK:	*data = s->sfmask; return 0;
	case MSR_KERNEL_GS_BASE: *data = s->kernel_gs_base; return 0;
	case MSR_FS_BASE:	*data = s->fs.base; return 0;
	case MSR_GS_BASE:	*data = s->gs.base; return 0;
	case MSR_IA32_SYSENTER_CS:  *data = s->sysenter_cs; return 0;
	case MSR_IA32_SYSENTER_ESP: *data = s->sysenter_esp; return 0;
	case MSR_IA32_SYSENTER_EIP: *data = s->sysenter_eip; return 0;
	case MSR_IA32_CR_PAT:	*data = s->g_pat; return 0;
	case MSR_TSC_AUX:	*data = svm->tsc_aux; return 0;
	case MSR_IA32_DEBUGCTLMSR: *data = s->dbgctl; return 0;
	default:
		return KVM_MSR_RET_UNKNOWN;
	}
}

static bool svm_efer_valid(u64 efer)
{
	return !(efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_FFXSR));
}

/* 48-bit virtual addresses: the guest is never offered LA57. */
static bool svm_canonical(u64 addr)
{
	return ((s64)addr << 16 >> 16) == (s64)addr;
}

static int svm_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb_save *s = &svm->vmcb->save;

	switch (index) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		if (!svm_canonical(data))
			return 1;
		break;
	}

	switch (index) {
	case MSR_EFER:
		if (!svm_efer_valid(data))
			return 1;
		/* The guest may not turn long mode on or off under paging (#GP). */
		if (!host && (s->cr0 & X86_CR0_PG) && ((data ^ s->efer) & EFER_LME))
			return 1;
		/*
		 * LMA is the processor's to set, from LME and CR0.PG: a write, the
		 * VMM's included (as in Linux), keeps the current value, so that no
		 * vCPU gets LMA with paging off.  KVM_SET_SREGS sets LMA, after
		 * checking it against CR0 and LME.
		 */
		data = (data & ~EFER_LMA) | (s->efer & EFER_LMA);
		svm_set_efer(v, data);
		return 0;
	case MSR_STAR:		s->star = data; return 0;
	case MSR_LSTAR:		s->lstar = data; return 0;
	case MSR_CSTAR:		s->cstar = data; return 0;
	case MSR_SYSCALL_MASK:	s->sfmask = data; return 0;
	case MSR_KERNEL_GS_BASE: s->kernel_gs_base = data; return 0;
	case MSR_FS_BASE:	s->fs.base = data; return 0;
	case MSR_GS_BASE:	s->gs.base = data; return 0;
	case MSR_IA32_SYSENTER_CS:  s->sysenter_cs = data; return 0;
	case MSR_IA32_SYSENTER_ESP: s->sysenter_esp = data; return 0;
	case MSR_IA32_SYSENTER_EIP: s->sysenter_eip = data; return 0;
	case MSR_IA32_CR_PAT:
		/* Each byte must be a valid memory type (0, 1, 4, 5, 6, 7). */
		if (data & 0xf8f8f8f8f8f8f8f8ULL ||
		    (data & 0x0202020202020202ULL & ((data & 0x0404040404040404ULL) >> 1)) !=
		    (data & 0x0202020202020202ULL))
			return 1;
		s->g_pat = data;
		return 0;
	case MSR_TSC_AUX:
		if (data >> 32)
			return 1;
		svm->tsc_aux = data;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/* No last-branch virtualization: only accept zero. */
		if (data)
			return 1;
		s->dbgctl = 0;
		return 0;
	default:
		return KVM_MSR_RET_UNKNOWN;
	}
}

/* ---- vCPU life ---------------------------------------------------------- */

static void svm_init_seg(struct vmcb_seg *s, u16 attrib)
{
	s->selector = 0;
	s->base = 0;
	s->limit = 0xffff;
	s->attrib = attrib;
}

/* The VMCB of a vCPU at power-on, with every intercept chosen on purpose. */
void svm_vcpu_reset(struct kvm_x86_vcpu *v)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb_control *c = &svm->vmcb->control;
	struct vmcb_save *s = &svm->vmcb->save;

	memset(svm->vmcb, 0, sizeof(*svm->vmcb));

	/*
	 * Intercepts.  Allow: control and debug register access (nested paging
	 * makes CR3 the guest's own; see svm_run for DR0-3), exceptions but #DB
	 * and #AC (svm_update_guest_debug says why those are).
	 * Intercept: physical interrupts, NMI, SMI and INIT (the host's); CPUID
	 * (the VMM's table); HLT; port I/O and MSRs (all of them, through the
	 * permission maps); INVD (would discard host cache lines); SHUTDOWN (the
	 * VMCB is undefined afterwards); every SVM instruction and MONITOR/MWAIT
	 * (not offered to the guest: #UD);
	 * XSETBV (XCR0 is validated and switched by us); WBINVD (host-wide cost).
	 */
	c->intercept_misc1 = SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_SMI |
			     SVM_INTERCEPT1_INIT | SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_INVD |
			     SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_INVLPGA | SVM_INTERCEPT1_IOIO |
			     SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_FERR_FREEZE |
			     SVM_INTERCEPT1_SHUTDOWN | SVM_INTERCEPT1_RSM;
	c->intercept_misc2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |
			     SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE |
			     SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI | SVM_INTERCEPT2_SKINIT |
			     SVM_INTERCEPT2_WBINVD |
			     SVM_INTERCEPT2_MONITOR | SVM_INTERCEPT2_MWAIT |
			     SVM_INTERCEPT2_MWAIT_COND | SVM_INTERCEPT2_XSETBV;
	c->iopm_base_pa = virt_to_phys(svm_iopm);
	c->msrpm_base_pa = virt_to_phys(svm_msrpm);
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = kvmx86_tdp_root_hpa(v->vcpu->vm);

	/* Power-on state: real mode at F000:FFF0 (APM vol. 2, 14.1.3). */
	svm_init_seg(&s->es, SEG_ATTR_P | SEG_ATTR_S | 3);
	svm_init_seg(&s->ss, SEG_ATTR_P | SEG_ATTR_S | 3);
	svm_init_seg(&s->ds, SEG_ATTR_P | SEG_ATTR_S | 3);
	svm_init_seg(&s->fs, SEG_ATTR_P | SEG_ATTR_S | 3);
	svm_init_seg(&s->gs, SEG_ATTR_P | SEG_ATTR_S | 3);
	svm_init_seg(&s->cs, SEG_ATTR_P | SEG_ATTR_S | 0xb);
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	svm_init_seg(&s->ldtr, SEG_ATTR_P | 2);
	svm_init_seg(&s->tr, SEG_ATTR_P | 3);
	s->cr0 = X86_CR0_ET;
	s->dr6 = DR6_RESERVED;
	s->dr7 = SVM_DR7_RESET;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->efer = EFER_SVME;
	s->g_pat = 0x0007040600070406ULL;	/* the architectural reset value of PAT */

	svm->asid_cpu = -1;
	svm->tsc_aux = 0;
	svm->nmi_masked = false;
	svm->iret_pending = false;
	svm->nmi_step = false;
	svm->forced_tf = false;
}

static void svm_intr_kick_fn(struct irq_work *w)
{
	/* Nothing to do: the interrupt itself made the guest exit. */
}

static int svm_vcpu_create(struct kvm_x86_vcpu *v)
{
	struct svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return -ENOMEM;
	}
	svm->v = v;
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	svm->asid_cpu = -1;
	init_irq_work(&svm->intr_kick, svm_intr_kick_fn);
	v->backend = svm;
	return 0;
}

static void svm_vcpu_free(struct kvm_x86_vcpu *v)
{
	struct svm_vcpu *svm = to_svm(v);

	if (!svm)
		return;
	irq_work_sync(&svm->intr_kick);
	free_page((unsigned long)svm->vmcb);
	kfree(svm);
	v->backend = NULL;
}

static int svm_vm_init(struct kvm_vm *vm)
{
	return 0;
}

static void svm_vm_destroy(struct kvm_vm *vm)
{
}

/* ---- guest entry ---------------------------------------------------------- */

/*
 * Give the vCPU a valid ASID on this CPU.  An ASID is clean (no stale
 * translations) when it is fresh in the current generation; when the space
 * wraps, a new generation starts with a flush of every ASID on this CPU.
 */
static void svm_pick_asid(struct svm_vcpu *svm, bool need_flush)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	int cpu = smp_processor_id();

	svm->vmcb->control.tlb_control = SVM_TLB_NOTHING;
	if (!need_flush && svm->asid_cpu == cpu && svm->asid_generation == sc->asid_generation)
		return;
	if (sc->next_asid > svm_max_asid) {
		sc->asid_generation++;
		sc->next_asid = 1;
		svm->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	}
	svm->vmcb->control.asid = sc->next_asid++;
	svm->asid_cpu = cpu;
	svm->asid_generation = sc->asid_generation;
}

void svm_skip_insn(struct svm_vcpu *svm, unsigned int len)
{
	struct kvm_x86_vcpu *v = svm->v;

	if (svm_has_nrips && svm->vmcb->control.next_rip)
		v->rip = svm->vmcb->control.next_rip;
	else
		v->rip += len;
	svm->vmcb->control.int_state &= ~1U;	/* the interrupt shadow ends */
	kvmx86_insn_done(v);
}

/* One trip into the guest and back.  Preemption disabled by the caller. */
static void svm_enter_guest(struct svm_vcpu *svm)
{
	struct kvm_x86_vcpu *v = svm->v;
	struct vmcb *vmcb = svm->vmcb;
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	bool guest_xcr0 = (vmcb->save.cr4 & X86_CR4_OSXSAVE) && boot_cpu_has(X86_FEATURE_XSAVE);
	u64 host_xcr0 = 0;
	bool swap_aux;

	vmcb->save.rax = v->gpr[KVM_REG_RAX];
	vmcb->save.rsp = v->gpr[KVM_REG_RSP];
	vmcb->save.rip = v->rip;
	vmcb->save.rflags = v->rflags;
	vmcb->control.clean = 0;
	vmcb->control.next_rip = 0;
	/* RDTSC and RDTSCP run unintercepted: offset, rate and TSC_AUX are the guest's. */
	vmcb->control.tsc_offset = v->tsc_offset;
	if (svm_has_tsc_ratio && sc->tsc_ratio != v->time.tsc_ratio) {
		wrmsrl(MSR_AMD64_TSC_RATIO, v->time.tsc_ratio);
		sc->tsc_ratio = v->time.tsc_ratio;
	}
	swap_aux = boot_cpu_has(X86_FEATURE_RDTSCP) && svm->tsc_aux != sc->host_tsc_aux;
	if (swap_aux)
		wrmsrl(MSR_TSC_AUX, svm->tsc_aux);
	svm_events_before_vmrun(svm);
	/*
	 * GIF is clear: the IPI waits for VMRUN (see intr_exit_kick).  Where the
	 * pending IPI makes the #VMEXIT come before the delivery instead (a CPU or
	 * another hypervisor under us that looks at interrupts first), the event
	 * comes back in EXITINTINFO and goes in again without a kick, so that the
	 * guest always makes progress.
	 */
	svm->intr_kicked = false;
	if (svm_intr_kick && !svm->intr_kick_skip &&
	    (vmcb->control.event_inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR)) {
		irq_work_queue(&svm->intr_kick);
		svm->intr_kicked = true;
	}

	if (guest_xcr0) {
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (host_xcr0 != v->xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	}

	__kvm_svm_vmrun(svm->vmcb_pa, v->gpr, page_to_phys(sc->host_vmsave));
	svm_events_after_vmrun(svm);
	svm->intr_kick_skip = svm->intr_kicked &&
		(vmcb->control.exit_int_info & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
		(SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR);

	if (swap_aux)
		wrmsrl(MSR_TSC_AUX, sc->host_tsc_aux);

	if (guest_xcr0 && host_xcr0 != v->xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	/* The guest may have written DR0-3 and DR6: give the host its own back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	v->gpr[KVM_REG_RAX] = vmcb->save.rax;
	v->gpr[KVM_REG_RSP] = vmcb->save.rsp;
	v->rip = vmcb->save.rip;
	v->rflags = vmcb->save.rflags;
	svm->exit_count++;
}

static int svm_run(struct kvm_x86_vcpu *v)
{
	struct svm_vcpu *svm = to_svm(v);
	struct kvm_vcpu *vcpu = v->vcpu;
	bool flush;

	preempt_disable();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();

	local_irq_disable();
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	smp_store_mb(vcpu->mode, KVM_VCPU_IN_GUEST);
	/* A request or kick that came in before IN_GUEST was visible: handle it. */
	if (READ_ONCE(vcpu->requests) & (BIT(KVM_REQ_VM_DEAD) | BIT(KVM_REQ_EVENT)) ||
	    need_resched() ||
	    signal_pending(current)) {
		WRITE_ONCE(vcpu->mode, KVM_VCPU_OUTSIDE_GUEST);
		local_irq_enable();
		preempt_enable();
		svm_events_not_entered(svm);
		kvmx86_events_after_exit(v);
		return KVM_EXIT_ACTION_RESUME;
	}
	flush = kvm_vcpu_test_and_clear_request(vcpu, KVM_REQ_TLB_FLUSH);
	svm_pick_asid(svm, flush);

	clgi();
	svm_enter_guest(svm);
	stgi();

	WRITE_ONCE(vcpu->mode, KVM_VCPU_OUTSIDE_GUEST);
	local_irq_enable();
	preempt_enable();

	return svm_handle_exit(svm);
}

static const struct kvm_tdp_format svm_npt_format = {
	/* Nested page walks are user accesses: U must be set at every level. */
	.table		= _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED,
	.present	= _PAGE_PRESENT,
	.writable	= _PAGE_RW,
	.leaf		= _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY,
	.follows_host_levels = true,
};

static const struct kvm_x86_backend_ops svm_ops = {
	.name			= "AMD SVM",
	.owner			= THIS_MODULE,
	.vm_init		= svm_vm_init,
	.vm_destroy		= svm_vm_destroy,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_free		= svm_vcpu_free,
	.vcpu_reset		= svm_vcpu_reset,
	.get_segment		= svm_get_segment,
	.set_segment		= svm_set_segment,
	.get_dtables		= svm_get_dtables,
	.set_dtables		= svm_set_dtables,
	.get_cr			= svm_get_cr,
	.set_cr			= svm_set_cr,
	.get_efer		= svm_get_efer,
	.set_efer		= svm_set_efer,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.run			= svm_run,
	.inject_event		= svm_inject_event,
	.inject_exception	= svm_inject_exception_op,
	.take_exit_event	= svm_take_exit_event,
	.interrupt_allowed	= svm_interrupt_allowed,
	.nmi_allowed		= svm_nmi_allowed,
	.set_irq_window		= svm_set_irq_window,
	.set_nmi_window		= svm_set_nmi_window,
	.get_interrupt_shadow	= svm_get_interrupt_shadow,
	.set_interrupt_shadow	= svm_set_interrupt_shadow,
	.get_nmi_mask		= svm_get_nmi_mask,
	.set_nmi_mask		= svm_set_nmi_mask,
	.get_dr			= svm_get_dr,
	.set_dr			= svm_set_dr,
	.update_guest_debug	= svm_update_guest_debug,
	.tdp_format		= &svm_npt_format,
};

/* ---- module ------------------------------------------------------------- */

static int svm_check_cpu(void)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("kvm-amd: this CPU has no AMD SVM; not loading\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(SVM_MSR_VM_CR, &vm_cr) == 0 && (vm_cr & SVM_VM_CR_SVMDIS)) {
		pr_err("kvm-amd: SVM is disabled by the firmware (VM_CR.SVMDIS); not loading\n");
		return -EOPNOTSUPP;
	}
	cpuid(SVM_CPUID_FN, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_FEATURE_NPT)) {
		pr_err("kvm-amd: this CPU has SVM but no nested paging; not loading\n");
		return -EOPNOTSUPP;
	}
	if (ebx < 2) {
		pr_err("kvm-amd: the CPU offers no guest ASIDs; not loading\n");
		return -EOPNOTSUPP;
	}
	svm_max_asid = ebx - 1;
	svm_has_nrips = !!(edx & SVM_FEATURE_NRIPS);
	svm_has_tsc_ratio = !!(edx & SVM_FEATURE_TSC_RATE);
	if (svm_has_tsc_ratio)
		kvmx86_tsc_set_scaling(SVM_TSC_RATIO_FRAC_BITS, SVM_TSC_RATIO_MAX);
	svm_intr_kick = intr_exit_kick < 0 ? boot_cpu_has(X86_FEATURE_HYPERVISOR) :
					     intr_exit_kick > 0;
	return 0;
}

static int __init svm_init(void)
{
	int r;

	r = svm_check_cpu();
	if (r)
		return r;

	r = -ENOMEM;
	svm_iopm = alloc_pages_exact(SVM_IOPM_SIZE, GFP_KERNEL);
	svm_msrpm = alloc_pages_exact(SVM_MSRPM_SIZE, GFP_KERNEL);
	if (!svm_iopm || !svm_msrpm)
		goto err_maps;
	memset(svm_iopm, 0xff, SVM_IOPM_SIZE);
	memset(svm_msrpm, 0xff, SVM_MSRPM_SIZE);

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "kvm/amd:online", svm_cpu_online,
			      svm_cpu_offline);
	if (r < 0)
		goto err_maps;
	svm_cpuhp_state = r;

	r = kvmx86_register_backend(&svm_ops);
	if (r)
		goto err_cpuhp;
	return 0;

err_cpuhp:
	cpuhp_remove_state(svm_cpuhp_state);
err_maps:
	kvmx86_tsc_set_scaling(0, 0);
	if (svm_msrpm)
		free_pages_exact(svm_msrpm, SVM_MSRPM_SIZE);
	if (svm_iopm)
		free_pages_exact(svm_iopm, SVM_IOPM_SIZE);
	return r;
}

static void __exit svm_exit(void)
{
	kvmx86_unregister_backend(&svm_ops);
	cpuhp_remove_state(svm_cpuhp_state);
	kvmx86_tsc_set_scaling(0, 0);
	free_pages_exact(svm_msrpm, SVM_MSRPM_SIZE);
	free_pages_exact(svm_iopm, SVM_IOPM_SIZE);
}

module_init(svm_init);
module_exit(svm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-based virtual machine: AMD SVM backend");
