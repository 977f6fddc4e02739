// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 common code, vCPU side: creation, the state ioctls, and the run loop with
 * the exits that go to userspace.
 *
 * Every function here runs with vcpu->mutex held (ioctl context), except
 * kvm_arch_vcpu_create (vm->lock held, vCPU not yet visible) and
 * kvm_arch_vcpu_destroy (no other user).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_iobus.h>
#include <linux/kvm_memslot.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include "x86.h"
#include "tdp.h"

/* Power-on state (AMD APM vol. 2, 14.1.3; Intel SDM vol. 3, 9.1.1). */
static void kvm_x86_reset(struct kvm_x86_vcpu *v)
{
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[KVM_REG_RDX] = 0x600;	/* family 6 signature until CPUID says otherwise */
	v->rip = 0xfff0;
	v->rflags = X86_EFLAGS_FIXED;
	v->xcr0 = XFEATURE_MASK_FP;
	v->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE;
	if (v->vcpu->vcpu_id == 0)
		v->apic_base |= MSR_IA32_APICBASE_BSP;
	v->mp_state = KVM_MP_STATE_RUNNABLE;
	memset(&v->pio, 0, sizeof(v->pio));
	kvmx86_mce_reset(v);
	memset(v->db, 0, sizeof(v->db));
	v->guest_debug = 0;
	v->pdptrs_set = false;
	kvmx86_events_reset(v);
	kvm_x86_ops->vcpu_reset(v);
}

/* INIT (SDM 9.1.1): the power-on register state, but APIC base and MP state kept. */
void kvmx86_vcpu_init_event(struct kvm_x86_vcpu *v)
{
	u64 apic_base = v->apic_base;
	u32 mp_state = v->mp_state, guest_debug = v->guest_debug;

	kvm_x86_reset(v);
	v->emu_pending = false;
	v->apic_base = apic_base;
	v->mp_state = mp_state;
	v->guest_debug = guest_debug;	/* the debugger's setting, not the guest's */
}

int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_vcpu *v;
	int r;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->vcpu = vcpu;
	vcpu->arch = v;
	v->arch_capabilities = kvmx86_arch_capabilities();

	r = -ENOMEM;
	if (!fpu_alloc_guest_fpstate(&v->guest_fpu))
		goto err_free;
	r = kvmx86_emu_init(v);
	if (r)
		goto err_fpu;
	r = kvm_x86_ops->vcpu_create(v);
	if (r)
		goto err_emu;
	kvm_x86_reset(v);
	kvmx86_tsc_vcpu_init(v);
	r = kvmx86_lapic_create(v);
	if (r)
		goto err_backend;
	return 0;

err_backend:
	kvm_x86_ops->vcpu_free(v);
err_emu:
	kvmx86_emu_free(v);
err_fpu:
	fpu_free_guest_fpstate(&v->guest_fpu);
err_free:
	kfree(v);
	vcpu->arch = NULL;
	return r;
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_vcpu *v = to_x86(vcpu);

	if (!v)
		return;
	kvmx86_lapic_free(v);
	kvm_x86_ops->vcpu_free(v);
	kvm_tdp_vcpu_free(v);
	kvmx86_emu_free(v);
	fpu_free_guest_fpstate(&v->guest_fpu);
	kfree(v->cpuid);
	kfree(v);
	vcpu->arch = NULL;
}

static void kvm_x86_get_regs(struct kvm_x86_vcpu *v, struct kvm_regs *r)
{
	r->rax = v->gpr[KVM_REG_RAX];
	r->rbx = v->gpr[KVM_REG_RBX];
	r->rcx = v->gpr[KVM_REG_RCX];
	r->rdx = v->gpr[KVM_REG_RDX];
	r->rsi = v->gpr[KVM_REG_RSI];
	r->rdi = v->gpr[KVM_REG_RDI];
	r->rsp = v->gpr[KVM_REG_RSP];
	r->rbp = v->gpr[KVM_REG_RBP];
	r->r8 = v->gpr[KVM_REG_R8];
	r->r9 = v->gpr[KVM_REG_R9];
	r->r10 = v->gpr[KVM_REG_R10];
	r->r11 = v->gpr[KVM_REG_R11];
	r->r12 = v->gpr[KVM_REG_R12];
	r->r13 = v->gpr[KVM_REG_R13];
	r->r14 = v->gpr[KVM_REG_R14];
	r->r15 = v->gpr[KVM_REG_R15];
	r->rip = v->rip;
	r->rflags = v->rflags;
}

static void kvm_x86_set_regs(struct kvm_x86_vcpu *v, const struct kvm_regs *r)
{
	v->gpr[KVM_REG_RAX] = r->rax;
	v->gpr[KVM_REG_RBX] = r->rbx;
	v->gpr[KVM_REG_RCX] = r->rcx;
	v->gpr[KVM_REG_RDX] = r->rdx;
	v->gpr[KVM_REG_RSI] = r->rsi;
	v->gpr[KVM_REG_RDI] = r->rdi;
	v->gpr[KVM_REG_RSP] = r->rsp;
	v->gpr[KVM_REG_RBP] = r->rbp;
	v->gpr[KVM_REG_R8] = r->r8;
	v->gpr[KVM_REG_R9] = r->r9;
	v->gpr[KVM_REG_R10] = r->r10;
	v->gpr[KVM_REG_R11] = r->r11;
	v->gpr[KVM_REG_R12] = r->r12;
	v->gpr[KVM_REG_R13] = r->r13;
	v->gpr[KVM_REG_R14] = r->r14;
	v->gpr[KVM_REG_R15] = r->r15;
	v->rip = r->rip;
	/* Bit 1 always reads as one. */
	v->rflags = r->rflags | X86_EFLAGS_FIXED;
}

static const enum kvm_x86_seg sregs_order[] = {
	KVM_SEG_CS, KVM_SEG_DS, KVM_SEG_ES, KVM_SEG_FS, KVM_SEG_GS, KVM_SEG_SS,
	KVM_SEG_TR, KVM_SEG_LDTR,
};

static struct kvm_segment *sregs_seg(struct kvm_sregs *s, int i)
{
	struct kvm_segment *all[] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
				      &s->tr, &s->ldt };
	return all[i];
}

static void kvm_x86_get_sregs(struct kvm_x86_vcpu *v, struct kvm_sregs *s)
{
	const struct kvm_x86_backend_ops *ops = kvm_x86_ops;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(sregs_order); i++)
		ops->get_segment(v, sregs_seg(s, i), sregs_order[i]);
	ops->get_dtables(v, &s->gdt, &s->idt);
	s->cr0 = ops->get_cr(v, 0);
	s->cr2 = ops->get_cr(v, 2);
	s->cr3 = ops->get_cr(v, 3);
	s->cr4 = ops->get_cr(v, 4);
	s->cr8 = ops->get_cr(v, 8);
	s->efer = ops->get_efer(v);
	s->apic_base = v->apic_base;
	/* An interrupt given and not yet delivered shows in the bitmap (as Linux). */
	if (v->ev.irq_injected)
		s->interrupt_bitmap[v->ev.irq_vector / 64] |= 1ULL << (v->ev.irq_vector % 64);
	if (kvmx86_lapic_in_kernel(v))
		s->cr8 = kvmx86_lapic_get_cr8(v);
}

/* The consistency checks Linux applies to KVM_SET_SREGS. */
static bool kvm_x86_sregs_valid(const struct kvm_sregs *s)
{
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		/* not in long mode: no LMA, no 64-bit code segment */
		return false;
	}
	if ((s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE))
		return false;
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return false;
	if (s->cr0 >> 32 || s->cr4 >> 32)
		return false;
	return true;
}

static int kvm_x86_set_sregs(struct kvm_x86_vcpu *v, struct kvm_sregs *s)
{
	const struct kvm_x86_backend_ops *ops = kvm_x86_ops;
	int i;

	if (!kvm_x86_sregs_valid(s))
		return -EINVAL;
	/* The in-kernel LAPIC checks the APIC base first and keeps TPR as CR8. */
	if (kvmx86_lapic_in_kernel(v)) {
		if (kvmx86_lapic_set_msr(v, MSR_IA32_APICBASE, s->apic_base, true))
			return -EINVAL;
		kvmx86_lapic_set_cr8(v, s->cr8);
	}
	for (i = 0; i < ARRAY_SIZE(sregs_order); i++)
		ops->set_segment(v, sregs_seg(s, i), sregs_order[i]);
	ops->set_dtables(v, &s->gdt, &s->idt);
	ops->set_efer(v, s->efer);
	ops->set_cr(v, 0, s->cr0);
	ops->set_cr(v, 2, s->cr2);
	ops->set_cr(v, 3, s->cr3);
	ops->set_cr(v, 4, s->cr4);
	ops->set_cr(v, 8, s->cr8);
	if (!kvmx86_lapic_in_kernel(v))
		v->apic_base = s->apic_base;
	v->pdptrs_set = false;
	return 0;
}

/* KVM_SET_SREGS: the lowest vector set in interrupt_bitmap is given to the guest. */
static int kvm_x86_set_sregs1(struct kvm_x86_vcpu *v, struct kvm_sregs *s)
{
	int i, r;

	r = kvm_x86_set_sregs(v, s);
	if (r)
		return r;
	for (i = 0; i < ARRAY_SIZE(s->interrupt_bitmap); i++) {
		if (s->interrupt_bitmap[i]) {
			v->ev.irq_injected = true;
			v->ev.irq_vector = i * 64 + __ffs64(s->interrupt_bitmap[i]);
			break;
		}
	}
	return 0;
}

/* PAE paging (not long mode): the only mode with PDPTEs. */
static bool kvm_x86_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/* kvm_sregs and kvm_sregs2 agree up to apic_base. */
static_assert(offsetof(struct kvm_sregs, apic_base) == offsetof(struct kvm_sregs2, apic_base));

static void kvm_x86_get_sregs2(struct kvm_x86_vcpu *v, struct kvm_sregs2 *s2, struct kvm_sregs *s)
{
	int i;

	kvm_x86_get_sregs(v, s);
	memset(s2, 0, sizeof(*s2));
	memcpy(s2, s, offsetof(struct kvm_sregs, interrupt_bitmap));
	if (!kvm_x86_pae_paging(s->cr0, s->cr4, s->efer))
		return;
	s2->flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
	if (v->pdptrs_set) {
		memcpy(s2->pdptrs, v->pdptrs, sizeof(s2->pdptrs));
		return;
	}
	/* The four PDPTEs sit at CR3[31:5]; unreadable ones show as zero. */
	for (i = 0; i < 4; i++)
		if (kvm_read_guest(v->vcpu->vm, (s->cr3 & 0xffffffe0ULL) + i * 8, &s2->pdptrs[i], 8))
			s2->pdptrs[i] = 0;
}

static int kvm_x86_set_sregs2(struct kvm_x86_vcpu *v, const struct kvm_sregs2 *s2,
			      struct kvm_sregs *s)
{
	bool pdptrs = s2->flags & KVM_SREGS2_FLAGS_PDPTRS_VALID;
	int r;

	if (s2->flags & ~KVM_SREGS2_FLAGS_PDPTRS_VALID)
		return -EINVAL;
	if (pdptrs && !kvm_x86_pae_paging(s2->cr0, s2->cr4, s2->efer))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	memcpy(s, s2, offsetof(struct kvm_sregs, interrupt_bitmap));
	r = kvm_x86_set_sregs(v, s);
	if (r)
		return r;
	if (pdptrs) {
		memcpy(v->pdptrs, s2->pdptrs, sizeof(v->pdptrs));
		v->pdptrs_set = true;
	}
	return 0;
}

static bool kvm_x86_cpuid_equal(struct kvm_x86_vcpu *v, const struct kvm_cpuid_entry2 *e, u32 n)
{
	u32 i;

	if (n != v->cpuid_nent)
		return false;
	for (i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *a = &v->cpuid[i], *b = &e[i];

		if (a->function != b->function || a->index != b->index || a->flags != b->flags ||
		    a->eax != b->eax || a->ebx != b->ebx || a->ecx != b->ecx || a->edx != b->edx)
			return false;
	}
	return true;
}

static long kvm_x86_set_cpuid2(struct kvm_x86_vcpu *v, struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 head;

	if (copy_from_user(&head, uc, sizeof(head)))
		return -EFAULT;
	if (head.nent > KVM_X86_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (head.nent) {
		e = vmemdup_user(uc->entries, array_size(head.nent, sizeof(*e)));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/* Once the vCPU has run, only the identical table may be set again (as Linux). */
	if (v->has_run && !kvm_x86_cpuid_equal(v, e, head.nent)) {
		kvfree(e);
		return -EINVAL;
	}
	kvfree(v->cpuid);
	v->cpuid = e;
	v->cpuid_nent = head.nent;
	return 0;
}

static long kvm_x86_get_cpuid2(struct kvm_x86_vcpu *v, struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid2 head;

	if (copy_from_user(&head, uc, sizeof(head)))
		return -EFAULT;
	/* Too small: E2BIG, and nent is left as the caller gave it (as Linux 6.1). */
	if (head.nent < v->cpuid_nent)
		return -E2BIG;
	head.nent = v->cpuid_nent;
	if (copy_to_user(uc, &head, sizeof(head)))
		return -EFAULT;
	if (copy_to_user(uc->entries, v->cpuid, v->cpuid_nent * sizeof(*v->cpuid)))
		return -EFAULT;
	return 0;
}

static long kvm_x86_set_mp_state(struct kvm_x86_vcpu *v, struct kvm_mp_state __user *u)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, u, sizeof(mp)))
		return -EFAULT;
	/* Without an in-kernel local APIC only RUNNABLE means anything (as Linux). */
	if (kvmx86_lapic_in_kernel(v))
		return kvmx86_lapic_mp_state_set(v, &mp);
	if (mp.mp_state != KVM_MP_STATE_RUNNABLE)
		return -EINVAL;
	v->mp_state = mp.mp_state;
	return 0;
}

/*
 * KVM_GET/SET_FPU: the legacy FXSAVE view of the guest's FPU state.  Outside
 * KVM_RUN the guest state lives in memory (the run loop swaps it out on return).
 */
static void kvm_x86_get_fpu(struct kvm_x86_vcpu *v, struct kvm_fpu *f)
{
	struct fxregs_state *fx = &v->guest_fpu.fpstate->regs.fxsave;

	memset(f, 0, sizeof(*f));
	memcpy(f->fpr, fx->st_space, sizeof(f->fpr));
	f->fcw = fx->cwd;
	f->fsw = fx->swd;
	f->ftwx = fx->twd;
	f->last_opcode = fx->fop;
	f->last_ip = fx->rip;
	f->last_dp = fx->rdp;
	memcpy(f->xmm, fx->xmm_space, sizeof(f->xmm));
	f->mxcsr = fx->mxcsr;
}

static void kvm_x86_set_fpu(struct kvm_x86_vcpu *v, const struct kvm_fpu *f)
{
	union fpregs_state *regs = &v->guest_fpu.fpstate->regs;
	struct fxregs_state *fx = &regs->fxsave;

	memcpy(fx->st_space, f->fpr, sizeof(f->fpr));
	fx->cwd = f->fcw;
	fx->swd = f->fsw;
	fx->twd = f->ftwx;
	fx->fop = f->last_opcode;
	fx->rip = f->last_ip;
	fx->rdp = f->last_dp;
	memcpy(fx->xmm_space, f->xmm, sizeof(f->xmm));
	/* XRSTOR must load the legacy area, not put x87/SSE in their init state. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		regs->xsave.header.xfeatures |= XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
}

bool kvmx86_xcr0_valid(u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~kvmx86_supported_xcr0()))
		return false;
	return !((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE));
}
EXPORT_SYMBOL_GPL(kvmx86_xcr0_valid);

static long kvm_x86_set_xcrs(struct kvm_x86_vcpu *v, const struct kvm_xcrs *x)
{
	u64 xcr0 = v->xcr0;
	u32 i;

	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags)
		return -EINVAL;
	for (i = 0; i < x->nr_xcrs; i++) {
		if (x->xcrs[i].xcr != 0)
			return -EINVAL;
		xcr0 = x->xcrs[i].value;
	}
	if (!kvmx86_xcr0_valid(xcr0))
		return -EINVAL;
	v->xcr0 = xcr0;
	return 0;
}

long kvm_arch_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl, unsigned long arg)
{
	struct kvm_x86_vcpu *v = to_x86(vcpu);
	void __user *argp = (void __user *)arg;
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct {
			struct kvm_sregs2 s2;
			struct kvm_sregs s;
		} sregs2;
		struct kvm_mp_state mp;
		struct kvm_fpu fpu;
		struct kvm_xsave xsave;
		struct kvm_xcrs xcrs;
		struct kvm_translation tr;
	} *u;
	long r;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;

	switch (ioctl) {
	case KVM_GET_REGS:
		kvm_x86_get_regs(v, &u->regs);
		r = copy_to_user(argp, &u->regs, sizeof(u->regs)) ? -EFAULT : 0;
		break;
	case KVM_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			break;
		kvm_x86_set_regs(v, &u->regs);
		r = 0;
		break;
	case KVM_GET_SREGS:
		kvm_x86_get_sregs(v, &u->sregs);
		r = copy_to_user(argp, &u->sregs, sizeof(u->sregs)) ? -EFAULT : 0;
		break;
	case KVM_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			break;
		r = kvm_x86_set_sregs1(v, &u->sregs);
		break;
	case KVM_GET_SREGS2:
		kvm_x86_get_sregs2(v, &u->sregs2.s2, &u->sregs2.s);
		r = copy_to_user(argp, &u->sregs2.s2, sizeof(u->sregs2.s2)) ? -EFAULT : 0;
		break;
	case KVM_SET_SREGS2:
		r = -EFAULT;
		if (copy_from_user(&u->sregs2.s2, argp, sizeof(u->sregs2.s2)))
			break;
		r = kvm_x86_set_sregs2(v, &u->sregs2.s2, &u->sregs2.s);
		break;
	case KVM_GET_FPU:
		kvm_x86_get_fpu(v, &u->fpu);
		r = copy_to_user(argp, &u->fpu, sizeof(u->fpu)) ? -EFAULT : 0;
		break;
	case KVM_SET_FPU:
		r = -EFAULT;
		if (copy_from_user(&u->fpu, argp, sizeof(u->fpu)))
			break;
		kvm_x86_set_fpu(v, &u->fpu);
		r = 0;
		break;
	case KVM_TRANSLATE:
		r = -EFAULT;
		if (copy_from_user(&u->tr, argp, sizeof(u->tr)))
			break;
		r = kvmx86_translate(v, &u->tr);
		if (!r && copy_to_user(argp, &u->tr, sizeof(u->tr)))
			r = -EFAULT;
		break;
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:	/* KVM_CAP_XSAVE2 says 4096 bytes: the same image */
		fpu_copy_guest_fpstate_to_uabi(&v->guest_fpu, u->xsave.region,
					       sizeof(u->xsave.region), kvmx86_supported_xcr0(),
					       v->pkru);
		r = copy_to_user(argp, &u->xsave, sizeof(u->xsave)) ? -EFAULT : 0;
		break;
	case KVM_SET_XSAVE:
		r = -EFAULT;
		if (copy_from_user(&u->xsave, argp, sizeof(u->xsave)))
			break;
		/* Validates XSTATE_BV against the allowed XCR0; changes nothing on error. */
		r = fpu_copy_uabi_to_guest_fpstate(&v->guest_fpu, u->xsave.region,
						   kvmx86_supported_xcr0(), &v->pkru);
		break;
	case KVM_GET_XCRS:
		u->xcrs.nr_xcrs = 1;
		u->xcrs.xcrs[0].xcr = 0;
		u->xcrs.xcrs[0].value = v->xcr0;
		r = copy_to_user(argp, &u->xcrs, sizeof(u->xcrs)) ? -EFAULT : 0;
		break;
	case KVM_SET_XCRS:
		r = -EFAULT;
		if (copy_from_user(&u->xcrs, argp, sizeof(u->xcrs)))
			break;
		r = kvm_x86_set_xcrs(v, &u->xcrs);
		break;
	case KVM_SET_CPUID2:
		r = kvm_x86_set_cpuid2(v, argp);
		break;
	case KVM_GET_CPUID2:
		r = kvm_x86_get_cpuid2(v, argp);
		break;
	case KVM_GET_MP_STATE:
		kvmx86_lapic_mp_state_get(v, &u->mp);
		r = copy_to_user(argp, &u->mp, sizeof(u->mp)) ? -EFAULT : 0;
		break;
	case KVM_SET_MP_STATE:
		r = kvm_x86_set_mp_state(v, argp);
		break;
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
	case KVM_SET_VAPIC_ADDR:
		r = kvmx86_lapic_vcpu_ioctl(v, ioctl, argp);
		break;
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		r = kvmx86_vcpu_msrs_ioctl(v, argp, ioctl == KVM_SET_MSRS);
		break;
	case KVM_X86_SETUP_MCE:
		r = kvmx86_mce_setup(v, argp);
		break;
	case KVM_X86_SET_MCE:
		r = kvmx86_mce_inject(v, argp);
		break;
	case KVM_GET_TSC_KHZ:
	case KVM_SET_TSC_KHZ:
		r = kvmx86_tsc_vcpu_ioctl(v, ioctl, arg);
		break;
	case KVM_KVMCLOCK_CTRL:
		r = kvmx86_clock_kvmclock_ctrl(v);
		break;
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		r = kvmx86_tsc_vcpu_attr(v, ioctl, argp);
		break;
	default:
		r = kvmx86_events_ioctl(v, ioctl, argp);
		if (r == -ENOTTY)
			r = -EINVAL;
		break;
	}
	kfree(u);
	return r;
}

/* Finish a port read that userspace has completed: the data goes to AL/AX/EAX. */
static void kvm_x86_complete_pio_in(struct kvm_x86_vcpu *v)
{
	void *data = page_address(v->vcpu->pio_page);
	u64 rax = v->gpr[KVM_REG_RAX];

	switch (v->pio.size) {
	case 1:
		rax = (rax & ~0xffULL) | *(u8 *)data;
		break;
	case 2:
		rax = (rax & ~0xffffULL) | *(u16 *)data;
		break;
	default:
		rax = *(u32 *)data;	/* 32-bit results zero-extend */
		break;
	}
	v->gpr[KVM_REG_RAX] = rax;
}

int kvm_arch_vcpu_run(struct kvm_vcpu *vcpu)
{
	struct kvm_x86_vcpu *v = to_x86(vcpu);
	struct kvm_run *run = vcpu->run;
	int r;

	/* Without an in-kernel LAPIC the VMM owns the TPR: kvm_run.cr8 goes in. */
	r = kvmx86_events_load_cr8(v);
	if (r)
		goto out_fill;

	/*
	 * First finish what the last exit left to userspace (port I/O, MMIO,
	 * MSRs), so that the register state is complete even when this call
	 * enters no guest: VMMs use immediate_exit to flush it before saving
	 * state.  A completion may need userspace again (a split MMIO access).
	 */
	if (v->pio.pending) {
		if (v->pio.in)
			kvm_x86_complete_pio_in(v);
		v->pio.pending = false;
	}
	kvmx86_complete_msr_exit(v);

	fpu_swap_kvm_fpstate(&v->guest_fpu, true);
	if (v->emu_pending) {
		r = kvmx86_emu_complete(v);
		if (r != KVM_EXIT_ACTION_RESUME)
			goto out;
	}
	/* As Linux: then -EINTR at once, exit_reason left as it was. */
	if (READ_ONCE(run->immediate_exit)) {
		r = -EINTR;
		goto out;
	}
	v->has_run = true;
	v->pdptrs_set = false;
	for (;;) {
		if (signal_pending(current)) {
			kvm_vcpu_stat_inc(vcpu, signal_exits);
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		if (kvm_vcpu_test_and_clear_request(vcpu, KVM_REQ_VM_DEAD)) {
			r = -EIO;
			break;
		}
		if (kvm_vcpu_test_and_clear_request(vcpu, KVM_REQ_TRIPLE_FAULT)) {
			r = kvmx86_exit_shutdown(v);
			break;
		}
		cond_resched();
		r = kvmx86_lapic_before_entry(v);
		if (r == -EINTR)
			run->exit_reason = KVM_EXIT_INTR;
		if (r != KVM_EXIT_ACTION_RESUME)
			break;
		kvmx86_clock_before_entry(v);
		r = kvmx86_events_before_entry(v);
		if (r != KVM_EXIT_ACTION_RESUME)
			break;
		r = kvm_x86_ops->run(v);
		if (r != KVM_EXIT_ACTION_RESUME)
			break;
		if (kvmx86_irq_window_open_exit(v)) {
			r = KVM_EXIT_ACTION_USER;
			break;
		}
	}
out:
	fpu_swap_kvm_fpstate(&v->guest_fpu, false);
	kvmx86_lapic_after_run(v);
out_fill:
	kvmx86_events_fill_run(v);
	return r;
}

/*
 * Port I/O.  The backend has already moved RIP past the instruction.  OUT data
 * and IN results go through the PIO page that follows struct kvm_run.
 */
int kvmx86_exit_pio(struct kvm_x86_vcpu *v, u16 port, u8 size, bool in, bool string, bool rep)
{
	struct kvm_run *run = v->vcpu->run;
	void *data = page_address(v->vcpu->pio_page);
	u64 rax = v->gpr[KVM_REG_RAX];

	if (string)
		return kvmx86_emulate(v, NULL, 0);

	/* An in-kernel device on the port bus completes the access without an exit. */
	if (in && !kvm_io_bus_read(v->vcpu, KVM_PIO_BUS, port, size, data)) {
		v->pio.size = size;
		kvm_x86_complete_pio_in(v);
		return KVM_EXIT_ACTION_RESUME;
	}
	if (!in && !kvm_io_bus_write(v->vcpu, KVM_PIO_BUS, port, size, &rax))
		return KVM_EXIT_ACTION_RESUME;

	if (!in)
		memcpy(data, &rax, size);
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	v->pio.pending = true;
	v->pio.in = in;
	v->pio.size = size;
	v->pio.port = port;
	v->pio.count = 1;
	return KVM_EXIT_ACTION_USER;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_pio);

int kvmx86_exit_hlt(struct kvm_x86_vcpu *v)
{
	/* With the LAPIC in the kernel the vCPU sleeps in kvmx86_lapic_before_entry(). */
	if (kvmx86_lapic_in_kernel(v)) {
		v->mp_state = KVM_MP_STATE_HALTED;
		return KVM_EXIT_ACTION_RESUME;
	}
	v->vcpu->run->exit_reason = KVM_EXIT_HLT;
	return KVM_EXIT_ACTION_USER;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_hlt);

int kvmx86_exit_shutdown(struct kvm_x86_vcpu *v)
{
	v->vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return KVM_EXIT_ACTION_USER;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_shutdown);

int kvmx86_exit_internal(struct kvm_x86_vcpu *v, u32 suberror, const u64 *data, int ndata)
{
	struct kvm_run *run = v->vcpu->run;
	int i;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	ndata = min_t(int, ndata, ARRAY_SIZE(run->internal.data));
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
	run->internal.ndata = ndata;
	return KVM_EXIT_ACTION_USER;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_internal);

int kvmx86_exit_fail_entry(struct kvm_x86_vcpu *v, u64 reason)
{
	struct kvm_run *run = v->vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	run->fail_entry.cpu = raw_smp_processor_id();
	return KVM_EXIT_ACTION_USER;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_fail_entry);

/* Look up the guest's CPUID table; leaves that are absent read as zeroes. */
static const struct kvm_cpuid_entry2 *kvm_x86_find_cpuid(struct kvm_x86_vcpu *v, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < v->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &v->cpuid[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != idx)
			continue;
		return e;
	}
	return NULL;
}

int kvmx86_exit_cpuid(struct kvm_x86_vcpu *v)
{
	const struct kvm_cpuid_entry2 *e;
	u32 fn = v->gpr[KVM_REG_RAX], idx = v->gpr[KVM_REG_RCX];

	e = kvm_x86_find_cpuid(v, fn, idx);
	v->gpr[KVM_REG_RAX] = e ? e->eax : 0;
	v->gpr[KVM_REG_RBX] = e ? e->ebx : 0;
	v->gpr[KVM_REG_RCX] = e ? e->ecx : 0;
	v->gpr[KVM_REG_RDX] = e ? e->edx : 0;
	return KVM_EXIT_ACTION_RESUME;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_cpuid);
