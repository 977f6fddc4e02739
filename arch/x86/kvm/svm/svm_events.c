// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event injection on SVM: EVENTINJ and EXITINTINFO (APM vol. 2, 15.20), the
 * virtual interrupt request used as an interrupt window (V_IRQ with the VINTR
 * intercept, 15.21), NMI blocking with the IRET intercept, the interrupt
 * shadow, DR0-DR3/DR6/DR7 and the #DB/#BP intercepts of a host debugger.
 * events.c decides what to inject; this file only carries it out.
 *
 * Runs in the vCPU thread with vcpu->mutex held (the VMCB is the vCPU's); the
 * *_vmrun hooks run with interrupts and GIF off around VMRUN.  No locks.
 */
#include <linux/kvm_core.h>
#include <asm/debugreg.h>
#include "svm.h"

void svm_inject_event(struct kvm_x86_vcpu *v, const struct kvm_x86_event *ev)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;
	u32 type;

	switch (ev->type) {
	case KVM_X86_EVENT_EXCEPTION:
		type = SVM_EVTINJ_TYPE_EXEPT;
		break;
	case KVM_X86_EVENT_NMI:
		type = SVM_EVTINJ_TYPE_NMI;
		break;
	case KVM_X86_EVENT_SOFT_INTR:
		/* Returns to RIP, already past the INTn (see svm_events_before_vmrun). */
		type = SVM_EVTINJ_TYPE_SOFT;
		break;
	default:
		type = SVM_EVTINJ_TYPE_INTR;
		break;
	}
	c->event_inj = ev->vector | type | SVM_EVTINJ_VALID |
		       (ev->has_error ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = ev->has_error ? ev->error : 0;
}

void svm_inject_exception_op(struct kvm_x86_vcpu *v, u8 vector, bool has_error, u32 error,
			     u64 cr2)
{
	kvmx86_queue_exception(v, vector, has_error, error, vector == PF_VECTOR, cr2);
}

bool svm_take_exit_event(struct kvm_x86_vcpu *v, struct kvm_x86_event *ev)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;
	u32 info = c->exit_int_info;

	c->exit_int_info = 0;
	c->event_inj = 0;
	if (!(info & SVM_EVTINJ_VALID))
		return false;
	ev->vector = info & SVM_EVTINJ_VEC_MASK;
	ev->has_error = !!(info & SVM_EVTINJ_VALID_ERR);
	ev->error = ev->has_error ? c->exit_int_info_err : 0;
	switch (info & SVM_EVTINJ_TYPE_MASK) {
	case SVM_EVTINJ_TYPE_INTR:
		ev->type = KVM_X86_EVENT_INTR;
		return true;
	case SVM_EVTINJ_TYPE_NMI:
		ev->type = KVM_X86_EVENT_NMI;
		return true;
	case SVM_EVTINJ_TYPE_EXEPT:
		ev->type = KVM_X86_EVENT_EXCEPTION;
		return true;
	default:
		ev->type = KVM_X86_EVENT_SOFT_INTR;
		return true;
	}
}

/* svm_run() did not execute VMRUN: the event it was given is still to come. */
void svm_events_not_entered(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;

	c->exit_int_info = c->event_inj;
	c->exit_int_info_err = c->event_inj_err;
	c->event_inj = 0;
}

static bool svm_in_shadow(struct svm_vcpu *svm)
{
	return svm->vmcb->control.int_state & SVM_INT_STATE_SHADOW;
}

/* GIF is always set for the guest: it cannot run CLGI (intercepted as #UD). */
bool svm_interrupt_allowed(struct kvm_x86_vcpu *v)
{
	return (v->rflags & X86_EFLAGS_IF) && !svm_in_shadow(to_svm(v));
}

bool svm_nmi_allowed(struct kvm_x86_vcpu *v)
{
	struct svm_vcpu *svm = to_svm(v);

	return !svm->nmi_masked && !svm->iret_pending && !svm_in_shadow(svm);
}

/*
 * A virtual interrupt that ignores V_TPR, at the highest priority: the guest
 * takes the VINTR intercept as soon as RFLAGS.IF and the shadow allow an
 * interrupt.  Its vector is never delivered.
 */
void svm_set_irq_window(struct kvm_x86_vcpu *v, bool on)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	c->int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO_MASK | SVM_INT_CTL_V_IGN_TPR);
	c->intercept_misc1 &= ~SVM_INTERCEPT1_VINTR;
	if (!on)
		return;
	c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO_MASK | SVM_INT_CTL_V_IGN_TPR;
	c->int_vector = 0;
	c->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
}

/*
 * NMI blocking ends at the guest's next IRET: while NMIs are masked, that IRET
 * is intercepted, so that the mask is dropped once the guest is past it.  When
 * an NMI waits and the IRET has been seen, or only the interrupt shadow or an
 * event being injected now stand in the way, step one instruction with
 * RFLAGS.TF and look again at the #DB that follows.
 */
void svm_set_nmi_window(struct kvm_x86_vcpu *v, bool on)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb_control *c = &svm->vmcb->control;
	bool wait_iret = svm->nmi_masked && !svm->iret_pending;

	c->intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
	if (wait_iret)
		c->intercept_misc1 |= SVM_INTERCEPT1_IRET;
	svm->nmi_step = on && !wait_iret;
}

u32 svm_get_interrupt_shadow(struct kvm_x86_vcpu *v)
{
	/* SVM keeps one bit for both kinds of shadow. */
	return svm_in_shadow(to_svm(v)) ? KVM_X86_SHADOW_INT_STI | KVM_X86_SHADOW_INT_MOV_SS : 0;
}

void svm_set_interrupt_shadow(struct kvm_x86_vcpu *v, u32 shadow)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	c->int_state &= ~SVM_INT_STATE_SHADOW;
	if (shadow)
		c->int_state |= SVM_INT_STATE_SHADOW;
}

bool svm_get_nmi_mask(struct kvm_x86_vcpu *v)
{
	return to_svm(v)->nmi_masked;
}

void svm_set_nmi_mask(struct kvm_x86_vcpu *v, bool masked)
{
	struct svm_vcpu *svm = to_svm(v);

	svm->nmi_masked = masked;
	if (!masked) {
		svm->iret_pending = false;
		svm->vmcb->control.intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
	}
}

u64 svm_get_dr(struct kvm_x86_vcpu *v, int which)
{
	struct vmcb_save *s = &to_svm(v)->vmcb->save;

	return which == 6 ? s->dr6 : s->dr7;
}

void svm_set_dr(struct kvm_x86_vcpu *v, int which, u64 val)
{
	struct vmcb_save *s = &to_svm(v)->vmcb->save;

	if (which == 6)
		s->dr6 = val;
	else
		s->dr7 = val;
}

/*
 * #DB and #AC are always intercepted: a guest can make either recur while it
 * is being delivered (a data breakpoint on the stack the #DB frame is pushed
 * to, a misaligned CPL-3 stack for an #AC handler), and without an intercept
 * the CPU loops in delivery with no exit, taking no host interrupt, forever
 * (the erratum behind CVE-2015-8104 and CVE-2015-5307).  With one, each round
 * is an exit, the host stays in control, and the guest gets the exception
 * back (svm_exit_db, svm_exit_ac).  #BP and INTn are intercepted while the
 * host debugger owns INT3.  Nothing else is.
 */
void svm_update_guest_debug(struct kvm_x86_vcpu *v)
{
	struct svm_vcpu *svm = to_svm(v);
	struct vmcb_control *c = &svm->vmcb->control;
	u32 x = (1U << DB_VECTOR) | (1U << AC_VECTOR);

	c->intercept_misc1 &= ~SVM_INTERCEPT1_INTN;
	if (v->guest_debug & KVM_GUESTDBG_USE_SW_BP) {
		x |= 1U << BP_VECTOR;
		c->intercept_misc1 |= SVM_INTERCEPT1_INTN;
	}
	c->intercept_exceptions = x;
}

/* Interrupts and GIF off, right before VMRUN: RFLAGS.TF and DR0-DR3 go in. */
void svm_events_before_vmrun(struct svm_vcpu *svm)
{
	struct kvm_x86_vcpu *v = svm->v;
	bool step = (v->guest_debug & KVM_GUESTDBG_SINGLESTEP) || svm->nmi_step;

	svm_update_guest_debug(v);
	/* An injected INTn returns to next_rip where NRIPS exists: RIP, past the insn. */
	if ((svm->vmcb->control.event_inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_SOFT))
		svm->vmcb->control.next_rip = v->rip;
	svm->forced_tf = step && !(v->rflags & X86_EFLAGS_TF);
	if (step)
		svm->vmcb->save.rflags |= X86_EFLAGS_TF;
	set_debugreg(v->db[0], 0);
	set_debugreg(v->db[1], 1);
	set_debugreg(v->db[2], 2);
	set_debugreg(v->db[3], 3);
}

/* Right after #VMEXIT: the guest may have written DR0-DR3 (not intercepted). */
void svm_events_after_vmrun(struct svm_vcpu *svm)
{
	struct kvm_x86_vcpu *v = svm->v;

	get_debugreg(v->db[0], 0);
	get_debugreg(v->db[1], 1);
	get_debugreg(v->db[2], 2);
	get_debugreg(v->db[3], 3);
}

/* Every exit, before its handler: v->rflags/rip are the guest's again. */
void svm_events_exit(struct svm_vcpu *svm)
{
	struct kvm_x86_vcpu *v = svm->v;

	if (svm->forced_tf)
		v->rflags &= ~X86_EFLAGS_TF;
	svm->forced_tf = false;
	/* Past the intercepted IRET: NMIs are open again. */
	if (svm->iret_pending && v->rip != svm->iret_rip) {
		svm->iret_pending = false;
		svm->nmi_masked = false;
	}
}

/* The guest can take an interrupt now; events.c decides what comes next. */
int svm_exit_vintr(struct svm_vcpu *svm)
{
	kvm_vcpu_stat_inc(svm->v->vcpu, irq_window_exits);
	svm_set_irq_window(svm->v, false);
	return KVM_EXIT_ACTION_RESUME;
}

/* The guest is about to IRET (not yet executed: it runs again on entry). */
int svm_exit_iret(struct svm_vcpu *svm)
{
	kvm_vcpu_stat_inc(svm->v->vcpu, nmi_window_exits);
	svm->vmcb->control.intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
	svm->iret_pending = true;
	svm->iret_rip = svm->v->rip;
	return KVM_EXIT_ACTION_RESUME;
}

int svm_exit_db(struct svm_vcpu *svm)
{
	struct kvm_x86_vcpu *v = svm->v;
	u64 dr6 = svm->vmcb->save.dr6;

	if (svm->nmi_step) {
		svm->nmi_step = false;
		if (!(v->guest_debug & KVM_GUESTDBG_SINGLESTEP)) {
			/* Our own step: the guest sees no trace of it. */
			svm->vmcb->save.dr6 &= ~(u64)DR_STEP;
			if (!(v->rflags & X86_EFLAGS_TF) && !(dr6 & DR_TRAP_BITS))
				return KVM_EXIT_ACTION_RESUME;
		}
	}
	if (v->guest_debug & KVM_GUESTDBG_SINGLESTEP)
		return kvmx86_exit_debug(v, DB_VECTOR, dr6);
	/* The guest's own #DB while we happened to intercept it. */
	kvmx86_queue_exception(v, DB_VECTOR, false, 0, false, 0);
	return KVM_EXIT_ACTION_RESUME;
}

/* The guest's own #AC (always intercepted, see above): it gets it back, error code 0. */
int svm_exit_ac(struct svm_vcpu *svm)
{
	kvmx86_queue_exception(svm->v, AC_VECTOR, true, 0, false, 0);
	return KVM_EXIT_ACTION_RESUME;
}

/* Intercepted only with KVM_GUESTDBG_USE_SW_BP: RIP is at the INT3. */
int svm_exit_bp(struct svm_vcpu *svm)
{
	return kvmx86_exit_debug(svm->v, BP_VECTOR, svm->vmcb->save.dr6);
}

/* INT3 or INT n, intercepted only with KVM_GUESTDBG_USE_SW_BP; RIP is at it. */
int svm_exit_intn(struct svm_vcpu *svm)
{
	return kvmx86_exit_intn(svm->v, svm->vmcb->save.dr6);
}
