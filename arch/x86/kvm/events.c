// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event injection for x86 vCPUs: exceptions (with their CR2/DR6 payloads),
 * external interrupts from KVM_INTERRUPT or the in-kernel LAPIC, NMIs, the
 * interrupt and NMI windows, and the ioctls that show or change this state
 * (KVM_INTERRUPT, KVM_NMI, KVM_GET/SET_VCPU_EVENTS, KVM_GET/SET_DEBUGREGS,
 * KVM_SET_GUEST_DEBUG).
 *
 * Common code decides what the guest gets at each entry; the backend carries
 * it out through the event ops of struct kvm_x86_backend_ops.  Per entry:
 *
 *   kvmx86_lapic_before_entry()     INIT/SIPI, sleep while halted
 *   kvmx86_events_before_entry()    pick at most one event, open windows
 *   ops->run()                      one guest entry, then
 *     kvmx86_events_after_exit()    what was being delivered is delivered again
 *     the exit handler              (may raise a new exception)
 *
 * Priority at an entry: an event whose delivery an exit interrupted
 * (exception, then NMI, then interrupt), then a new exception, then an NMI,
 * then an interrupt from the in-kernel LAPIC.  An interrupt given with
 * KVM_INTERRUPT is injected at the next entry whatever RFLAGS.IF says: the
 * VMM asks for it only when ready_for_interrupt_injection says it may.
 *
 * Locking: every function runs in the vCPU thread with vcpu->mutex held,
 * except kvmx86_queue_nmi() (any thread; it only touches the atomic
 * ev.nmi_queued, sets KVM_REQ_EVENT and kicks).  No lock of its own.
 */
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_memslot.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>
#include "x86.h"

/* Bits of DR6 that read as one when no debug condition is recorded. */
#define EV_DR6_ACTIVE_LOW	0xffff0ff0ULL
/* Bits of DR6 a #DB payload may carry (B0-B3, BD, BS, BT, RTM). */
#define EV_DR6_PAYLOAD_BITS	0x1e00fULL

/* The control bits of KVM_SET_GUEST_DEBUG we carry out. */
#define EV_GUESTDBG_SUPPORTED	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_INJECT_DB | \
				 KVM_GUESTDBG_BLOCKIRQ)
/* Every bit Linux defines for x86: others are -EINVAL, these ours or -EOPNOTSUPP. */
#define EV_GUESTDBG_KNOWN	(EV_GUESTDBG_SUPPORTED | KVM_GUESTDBG_USE_HW_BP | \
				 KVM_GUESTDBG_INJECT_BP)

static bool ev_exception_payload(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_vm *xvm = v->vcpu->vm->arch;

	return READ_ONCE(xvm->exception_payload);
}

void kvmx86_events_reset(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;

	ev->exc_pending = ev->exc_injected = false;
	ev->exc_has_payload = false;
	ev->irq_injected = false;
	ev->irq_soft = false;
	ev->step_trap = false;
	ev->nmi_pending = 0;
	ev->nmi_injected = false;
	ev->sipi_vector = 0;
	atomic_set(&ev->nmi_queued, 0);
}

/* ---- exceptions ------------------------------------------------------------ */

enum ev_exc_class { EV_BENIGN, EV_CONTRIBUTORY, EV_PAGE_FAULT };

static enum ev_exc_class ev_exc_class(u8 vector)
{
	switch (vector) {
	case DE_VECTOR:
	case TS_VECTOR:
	case NP_VECTOR:
	case SS_VECTOR:
	case GP_VECTOR:
		return EV_CONTRIBUTORY;
	case PF_VECTOR:
		return EV_PAGE_FAULT;
	default:
		return EV_BENIGN;
	}
}

/*
 * Raise an exception in the guest.  A second exception while one is already
 * pending or being delivered combines as the architecture says (APM 8.2.9,
 * SDM table 6-5): two contributory ones, or a page fault followed by a
 * contributory one or another page fault, make a #DF; anything during a #DF
 * shuts the guest down.  Otherwise the newer one replaces the older, whose
 * instruction faults again when it is executed again.
 */
void kvmx86_queue_exception(struct kvm_x86_vcpu *v, u8 vector, bool has_error, u32 error,
			    bool has_payload, u64 payload)
{
	struct kvm_x86_events *ev = &v->ev;

	if (ev->exc_pending || ev->exc_injected) {
		enum ev_exc_class prev = ev_exc_class(ev->exc_vector);
		enum ev_exc_class next = ev_exc_class(vector);

		if (ev->exc_vector == DF_VECTOR) {
			kvm_vcpu_request(v->vcpu, KVM_REQ_TRIPLE_FAULT);
			ev->exc_pending = ev->exc_injected = false;
			return;
		}
		if ((prev == EV_CONTRIBUTORY && next == EV_CONTRIBUTORY) ||
		    (prev == EV_PAGE_FAULT && next != EV_BENIGN)) {
			vector = DF_VECTOR;
			has_error = true;
			error = 0;
			has_payload = false;
			payload = 0;
		}
	}
	/* A faulting instruction did not complete: no single-step trap for it. */
	if (vector != DB_VECTOR)
		ev->step_trap = false;
	ev->exc_pending = true;
	ev->exc_injected = false;
	ev->exc_vector = vector;
	ev->exc_has_error = has_error;
	ev->exc_error = has_error ? error : 0;
	ev->exc_has_payload = has_payload;
	ev->exc_payload = has_payload ? payload : 0;
}
EXPORT_SYMBOL_GPL(kvmx86_queue_exception);

/* The exception is being delivered now: its side effects reach the registers. */
static void ev_deliver_payload(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;
	u64 dr6;

	if (!ev->exc_has_payload)
		return;
	if (ev->exc_vector == PF_VECTOR) {
		kvm_x86_ops->set_cr(v, 2, ev->exc_payload);
	} else if (ev->exc_vector == DB_VECTOR) {
		/*
		 * The payload holds the DR6 conditions as "1 = happened", also for
		 * the active-low RTM bit; B0-B3 of an older #DB are dropped.
		 */
		dr6 = kvm_x86_ops->get_dr(v, 6);
		dr6 = (dr6 & ~(u64)DR_TRAP_BITS) | EV_DR6_ACTIVE_LOW;
		dr6 |= ev->exc_payload & EV_DR6_PAYLOAD_BITS;
		dr6 ^= ev->exc_payload & EV_DR6_PAYLOAD_BITS & EV_DR6_ACTIVE_LOW;
		kvm_x86_ops->set_dr(v, 6, dr6);
	}
	ev->exc_has_payload = false;
	ev->exc_payload = 0;
}

void kvmx86_insn_done(struct kvm_x86_vcpu *v)
{
	if ((v->rflags & X86_EFLAGS_TF) || (v->guest_debug & KVM_GUESTDBG_SINGLESTEP))
		v->ev.step_trap = true;
}
EXPORT_SYMBOL_GPL(kvmx86_insn_done);

/* ---- NMIs ---------------------------------------------------------------- */

void kvmx86_queue_nmi(struct kvm_x86_vcpu *v)
{
	atomic_inc(&v->ev.nmi_queued);
	kvm_vcpu_request(v->vcpu, KVM_REQ_EVENT);
	kvm_vcpu_kick(v->vcpu);
}
EXPORT_SYMBOL_GPL(kvmx86_queue_nmi);

/*
 * Fold newly raised NMIs into nmi_pending.  As on hardware, at most one NMI
 * waits while another is being handled (masked or in delivery), two otherwise.
 */
static void ev_process_nmi(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;
	unsigned int limit = 2, n;

	if (ev->nmi_injected || kvm_x86_ops->get_nmi_mask(v))
		limit = 1;
	n = atomic_xchg(&ev->nmi_queued, 0);
	ev->nmi_pending = min_t(unsigned int, ev->nmi_pending + n, limit);
}

/* ---- the run loop ---------------------------------------------------------- */

static void ev_inject(struct kvm_x86_vcpu *v, enum kvm_x86_event_type type, u8 vector,
		      bool has_error, u32 error)
{
	struct kvm_x86_event e = {
		.type = type, .vector = vector, .has_error = has_error, .error = error,
	};

	kvm_x86_ops->inject_event(v, &e);
}

/* Something given or raised and not yet delivered blocks a new interrupt. */
static bool ev_busy(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;

	return ev->exc_pending || ev->exc_injected || ev->nmi_injected || ev->irq_injected;
}

/* ready_for_interrupt_injection without an in-kernel irqchip. */
static bool ev_ready_for_user_irq(struct kvm_x86_vcpu *v)
{
	/* With a split irqchip the userspace PIC's ExtINT must pass the LAPIC too. */
	return kvm_x86_ops->interrupt_allowed(v) && !ev_busy(v) &&
	       (!kvmx86_lapic_in_kernel(v) || kvmx86_lapic_accepts_user_extint(v));
}

/*
 * The VMM asked for KVM_EXIT_IRQ_WINDOW_OPEN (its PIC is in userspace).  With a
 * split irqchip only while LINT0 passes ExtINT and none waits: otherwise the
 * window could never be used and would only make the guest exit at every
 * instruction it can take an interrupt at (as Linux, which asks the same).
 */
static bool ev_user_wants_window(struct kvm_x86_vcpu *v)
{
	return READ_ONCE(v->vcpu->run->request_interrupt_window) && !kvmx86_pic_in_kernel(v) &&
	       (!kvmx86_lapic_in_kernel(v) || kvmx86_lapic_accepts_user_extint(v));
}

/* Pick what the guest gets at this entry; returns an enum kvm_exit_action. */
static int ev_pick(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;
	const struct kvm_x86_backend_ops *ops = kvm_x86_ops;
	int vec;

	if (ev->exc_injected) {
		ev_inject(v, KVM_X86_EVENT_EXCEPTION, ev->exc_vector, ev->exc_has_error,
			  ev->exc_error);
	} else if (ev->nmi_injected) {
		ev_inject(v, KVM_X86_EVENT_NMI, X86_TRAP_NMI, false, 0);
	} else if (ev->irq_injected) {
		ev_inject(v, ev->irq_soft ? KVM_X86_EVENT_SOFT_INTR : KVM_X86_EVENT_INTR,
			  ev->irq_vector, false, 0);
	} else if (ev->exc_pending) {
		ev_deliver_payload(v);
		ev->exc_pending = false;
		ev->exc_injected = true;
		ev_inject(v, KVM_X86_EVENT_EXCEPTION, ev->exc_vector, ev->exc_has_error,
			  ev->exc_error);
	} else if (ev->nmi_pending && ops->nmi_allowed(v)) {
		ev->nmi_pending--;
		ev->nmi_injected = true;
		ops->set_nmi_mask(v, true);
		ev_inject(v, KVM_X86_EVENT_NMI, X86_TRAP_NMI, false, 0);
	} else if (kvmx86_lapic_in_kernel(v) && !(v->guest_debug & KVM_GUESTDBG_BLOCKIRQ) &&
		   ops->interrupt_allowed(v)) {
		vec = kvmx86_lapic_pending_irq(v);
		if (vec >= 0) {
			kvmx86_lapic_accept_irq(v, vec);
			ev->irq_injected = true;
			ev->irq_soft = false;
			ev->irq_vector = vec;
			ev_inject(v, KVM_X86_EVENT_INTR, vec, false, 0);
		}
	}
	return KVM_EXIT_ACTION_RESUME;
}

int kvmx86_events_before_entry(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;
	const struct kvm_x86_backend_ops *ops = kvm_x86_ops;
	bool irq_window;

	kvm_vcpu_test_and_clear_request(v->vcpu, KVM_REQ_EVENT);
	if (kvm_vcpu_test_and_clear_request(v->vcpu, KVM_REQ_TRIPLE_FAULT))
		return kvmx86_exit_shutdown(v);
	if (ev->step_trap) {
		ev->step_trap = false;
		if (v->guest_debug & KVM_GUESTDBG_SINGLESTEP)
			return kvmx86_exit_debug(v, DB_VECTOR, EV_DR6_ACTIVE_LOW | DR_STEP);
		kvmx86_queue_exception(v, DB_VECTOR, false, 0, true, DR_STEP);
	}
	ev_process_nmi(v);
	if (kvmx86_lapic_in_kernel(v))
		ops->set_cr(v, 8, kvmx86_lapic_get_cr8(v));

	ev_pick(v);

	ops->set_nmi_window(v, ev->nmi_pending > 0);
	if (kvmx86_lapic_in_kernel(v))
		irq_window = (!(v->guest_debug & KVM_GUESTDBG_BLOCKIRQ) &&
			      kvmx86_lapic_pending_irq(v) >= 0) ||
			     (ev_user_wants_window(v) && !ev_busy(v));
	else
		irq_window = ev_user_wants_window(v) && !ev_busy(v);
	ops->set_irq_window(v, irq_window);
	return KVM_EXIT_ACTION_RESUME;
}

/*
 * After an exit: whatever was injected has been delivered, unless the backend
 * reports that delivery was cut short; then it goes in again at the next entry.
 * INT3, INTO and INTn are not re-injected: RIP still points at the instruction,
 * which raises them again.
 */
void kvmx86_events_after_exit(struct kvm_x86_vcpu *v)
{
	struct kvm_x86_events *ev = &v->ev;
	bool was_soft = ev->irq_injected && ev->irq_soft;
	struct kvm_x86_event e;

	ev->irq_soft = false;
	ev->exc_injected = false;
	ev->nmi_injected = false;
	ev->irq_injected = false;
	if (kvmx86_lapic_in_kernel(v))
		kvmx86_lapic_set_cr8(v, kvm_x86_ops->get_cr(v, 8));
	if (!kvm_x86_ops->take_exit_event(v, &e))
		return;

	switch (e.type) {
	case KVM_X86_EVENT_EXCEPTION:
		if (e.vector == BP_VECTOR || e.vector == OF_VECTOR)
			break;
		/* A newer exception raised by the exit handler is delivered after this one. */
		if (ev->exc_pending)
			break;
		ev->exc_injected = true;
		ev->exc_vector = e.vector;
		ev->exc_has_error = e.has_error;
		ev->exc_error = e.error;
		ev->exc_has_payload = false;
		break;
	case KVM_X86_EVENT_NMI:
		ev->nmi_injected = true;
		break;
	case KVM_X86_EVENT_INTR:
		ev->irq_injected = true;
		ev->irq_vector = e.vector;
		break;
	case KVM_X86_EVENT_SOFT_INTR:
		/* Ours (RIP is already past the INTn): again.  The guest's: it re-executes. */
		if (was_soft) {
			ev->irq_injected = true;
			ev->irq_soft = true;
			ev->irq_vector = e.vector;
		}
		break;
	}
}
EXPORT_SYMBOL_GPL(kvmx86_events_after_exit);

/* After an exit the run loop would resume from: should KVM_RUN stop for the VMM? */
bool kvmx86_irq_window_open_exit(struct kvm_x86_vcpu *v)
{
	if (!ev_user_wants_window(v) || !ev_ready_for_user_irq(v))
		return false;
	v->vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/* Fields of kvm_run that every return from KVM_RUN fills in. */
void kvmx86_events_fill_run(struct kvm_x86_vcpu *v)
{
	struct kvm_run *run = v->vcpu->run;
	bool lapic = kvmx86_lapic_in_kernel(v);

	run->if_flag = !!(v->rflags & X86_EFLAGS_IF);
	run->cr8 = lapic ? kvmx86_lapic_get_cr8(v) : kvm_x86_ops->get_cr(v, 8);
	run->apic_base = v->apic_base;
	run->ready_for_interrupt_injection = kvmx86_pic_in_kernel(v) || ev_ready_for_user_irq(v);
}

/* kvm_run.cr8 is the TPR the VMM wants (userspace irqchip only). */
int kvmx86_events_load_cr8(struct kvm_x86_vcpu *v)
{
	u64 cr8 = READ_ONCE(v->vcpu->run->cr8);

	if (kvmx86_lapic_in_kernel(v))
		return 0;
	if (cr8 & ~0xfULL)
		return -EINVAL;
	kvm_x86_ops->set_cr(v, 8, cr8);
	return 0;
}

/* KVM_EXIT_DEBUG for the debugger of KVM_SET_GUEST_DEBUG. */
int kvmx86_exit_debug(struct kvm_x86_vcpu *v, u8 vector, u64 dr6)
{
	struct kvm_run *run = v->vcpu->run;
	struct kvm_segment cs;

	kvm_x86_ops->get_segment(v, &cs, KVM_SEG_CS);
	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = vector;
	run->debug.arch.pad = 0;
	run->debug.arch.pc = cs.base + v->rip;
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = kvm_x86_ops->get_dr(v, 7);
	return KVM_EXIT_ACTION_USER;
}
EXPORT_SYMBOL_GPL(kvmx86_exit_debug);

/*
 * A software interrupt instruction was intercepted because the host debugger
 * owns INT3 (some CPUs, QEMU's emulated SVM among them, report INT3 this way
 * rather than as a #BP exception).  INT3 goes to the debugger; INT n is
 * carried out for the guest: RIP moves past it and vector n is injected as a
 * software interrupt (gate DPL checked by the CPU as for INT n).
 */
int kvmx86_exit_intn(struct kvm_x86_vcpu *v, u64 dr6)
{
	struct kvm_translation tr = { 0 };
	struct kvm_segment cs;
	u8 insn[2];
	u64 data[2];

	kvm_x86_ops->get_segment(v, &cs, KVM_SEG_CS);
	tr.linear_address = cs.base + v->rip;
	kvmx86_translate(v, &tr);
	if (!tr.valid || kvm_read_guest(v->vcpu->vm, tr.physical_address, insn, sizeof(insn)))
		goto fail;
	if (insn[0] == 0xcc)
		return kvmx86_exit_debug(v, BP_VECTOR, dr6);
	if (insn[0] != 0xcd)
		goto fail;
	v->rip += 2;
	v->ev.irq_injected = true;
	v->ev.irq_soft = true;
	v->ev.irq_vector = insn[1];
	return KVM_EXIT_ACTION_RESUME;

fail:
	data[0] = tr.linear_address;
	data[1] = tr.valid ? insn[0] : ~0ULL;
	return kvmx86_exit_internal(v, KVM_INTERNAL_ERROR_EMULATION, data, 2);
}
EXPORT_SYMBOL_GPL(kvmx86_exit_intn);

/* ---- ioctls ------------------------------------------------------------- */

static long ev_interrupt(struct kvm_x86_vcpu *v, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	/*
	 * With the LAPIC in the kernel this only carries a split irqchip's ExtINT
	 * (the userspace PIC's vector); -ENXIO with the kernel's PIC (as Linux).
	 */
	if (kvmx86_lapic_in_kernel(v))
		return kvmx86_lapic_user_extint(v, irq.irq);
	/* A second one before the next entry replaces the first (as Linux 6.1 does). */
	v->ev.irq_injected = true;
	v->ev.irq_soft = false;
	v->ev.irq_vector = irq.irq;
	return 0;
}

static void ev_get_events(struct kvm_x86_vcpu *v, struct kvm_vcpu_events *e)
{
	struct kvm_x86_events *ev = &v->ev;
	bool payload = ev_exception_payload(v);

	ev_process_nmi(v);
	/* Without KVM_CAP_EXCEPTION_PAYLOAD a pending exception looks injected. */
	if (!payload && ev->exc_pending)
		ev_deliver_payload(v);

	memset(e, 0, sizeof(*e));
	if (payload) {
		e->exception.pending = ev->exc_pending;
		e->exception.injected = ev->exc_injected;
		e->exception_has_payload = ev->exc_has_payload;
		e->exception_payload = ev->exc_payload;
	} else {
		e->exception.injected = ev->exc_pending || ev->exc_injected;
	}
	e->exception.nr = ev->exc_vector;
	e->exception.has_error_code = ev->exc_has_error;
	e->exception.error_code = ev->exc_error;

	e->interrupt.injected = ev->irq_injected && !ev->irq_soft;
	e->interrupt.nr = ev->irq_vector;
	e->interrupt.soft = 0;
	e->interrupt.shadow = kvm_x86_ops->get_interrupt_shadow(v);

	e->nmi.injected = ev->nmi_injected;
	e->nmi.pending = ev->nmi_pending != 0;
	e->nmi.masked = kvm_x86_ops->get_nmi_mask(v);

	e->sipi_vector = ev->sipi_vector;
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
	if (payload)
		e->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
}

/* Checks first, then changes: a refused call leaves everything as it was. */
static int ev_set_events(struct kvm_x86_vcpu *v, struct kvm_vcpu_events *e)
{
	struct kvm_x86_events *ev = &v->ev;
	bool exc;

	if (e->flags & ~(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM |
			 KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	if (e->flags & KVM_VCPUEVENT_VALID_PAYLOAD) {
		if (!ev_exception_payload(v))
			return -EINVAL;
		if (e->exception.pending)
			e->exception.injected = 0;
		else
			e->exception_has_payload = 0;
	} else {
		e->exception.pending = 0;
		e->exception_has_payload = 0;
	}
	exc = e->exception.injected || e->exception.pending;
	if (exc && (e->exception.nr > 31 || e->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	/* There is no SMM here: entering it or an SMI cannot be restored. */
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) && (e->smi.smm || e->smi.pending))
		return -EINVAL;
	/* KVM_CAP_X86_TRIPLE_FAULT_EVENT is not offered. */
	if (e->flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT)
		return -EINVAL;

	ev_process_nmi(v);
	ev->exc_pending = e->exception.pending;
	ev->exc_injected = e->exception.injected;
	ev->exc_vector = e->exception.nr;
	ev->exc_has_error = e->exception.has_error_code;
	ev->exc_error = e->exception.error_code;
	ev->exc_has_payload = e->exception_has_payload;
	ev->exc_payload = e->exception_payload;

	ev->irq_injected = e->interrupt.injected;
	ev->irq_soft = false;
	ev->irq_vector = e->interrupt.nr;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW)
		kvm_x86_ops->set_interrupt_shadow(v, e->interrupt.shadow);

	ev->nmi_injected = e->nmi.injected;
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		ev->nmi_pending = e->nmi.pending;
	kvm_x86_ops->set_nmi_mask(v, e->nmi.masked);

	if ((e->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR) && kvmx86_lapic_in_kernel(v))
		ev->sipi_vector = e->sipi_vector;
	kvm_vcpu_request(v->vcpu, KVM_REQ_EVENT);
	return 0;
}

static void ev_get_debugregs(struct kvm_x86_vcpu *v, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->db, v->db, sizeof(d->db));
	d->dr6 = kvm_x86_ops->get_dr(v, 6);
	d->dr7 = kvm_x86_ops->get_dr(v, 7);
}

static int ev_set_debugregs(struct kvm_x86_vcpu *v, const struct kvm_debugregs *d)
{
	/* The upper halves of DR6 and DR7 are reserved (must be zero). */
	if (d->flags || d->dr6 >> 32 || d->dr7 >> 32)
		return -EINVAL;
	memcpy(v->db, d->db, sizeof(v->db));
	kvm_x86_ops->set_dr(v, 6, d->dr6);
	kvm_x86_ops->set_dr(v, 7, d->dr7);
	return 0;
}

static int ev_set_guest_debug(struct kvm_x86_vcpu *v, const struct kvm_guest_debug *dbg)
{
	u32 ctl = dbg->control;

	if (ctl & ~EV_GUESTDBG_KNOWN)
		return -EINVAL;
	/* Hardware breakpoints and #BP injection are not carried out yet. */
	if (ctl & ~EV_GUESTDBG_SUPPORTED)
		return -EOPNOTSUPP;
	if (ctl & KVM_GUESTDBG_INJECT_DB) {
		if (v->ev.exc_pending || v->ev.exc_injected)
			return -EBUSY;
		kvmx86_queue_exception(v, DB_VECTOR, false, 0, false, 0);
	}
	if (!(ctl & KVM_GUESTDBG_ENABLE))
		ctl = 0;
	v->guest_debug = ctl & ~KVM_GUESTDBG_INJECT_DB;
	kvm_x86_ops->update_guest_debug(v);
	return 0;
}

/* Returns -ENOTTY for an ioctl that is not one of ours. */
long kvmx86_events_ioctl(struct kvm_x86_vcpu *v, unsigned int ioctl, void __user *argp)
{
	union {
		struct kvm_vcpu_events events;
		struct kvm_debugregs dregs;
		struct kvm_guest_debug dbg;
	} u;
	long r;

	switch (ioctl) {
	case KVM_INTERRUPT:
		return ev_interrupt(v, argp);
	case KVM_NMI:
		kvmx86_queue_nmi(v);
		return 0;
	case KVM_GET_VCPU_EVENTS:
		ev_get_events(v, &u.events);
		return copy_to_user(argp, &u.events, sizeof(u.events)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&u.events, argp, sizeof(u.events)))
			return -EFAULT;
		return ev_set_events(v, &u.events);
	case KVM_GET_DEBUGREGS:
		ev_get_debugregs(v, &u.dregs);
		return copy_to_user(argp, &u.dregs, sizeof(u.dregs)) ? -EFAULT : 0;
	case KVM_SET_DEBUGREGS:
		if (copy_from_user(&u.dregs, argp, sizeof(u.dregs)))
			return -EFAULT;
		return ev_set_debugregs(v, &u.dregs);
	case KVM_SET_GUEST_DEBUG:
		if (copy_from_user(&u.dbg, argp, sizeof(u.dbg)))
			return -EFAULT;
		r = ev_set_guest_debug(v, &u.dbg);
		return r;
	default:
		return -ENOTTY;
	}
}
