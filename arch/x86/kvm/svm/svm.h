/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD SVM backend: per-CPU and per-vCPU state shared by the files of kvm-amd.ko.
 */
#ifndef KVM_SVM_H
#define KVM_SVM_H

#include <linux/irq_work.h>
#include "../x86.h"
#include "vmcb.h"

/* Per host CPU: SVM host areas and ASID allocation.  Touched only on that CPU. */
struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: where VMRUN saves host state */
	struct page *host_vmsave;	/* VMSAVE/VMLOAD area for host FS/GS/TR/... */
	u64 asid_generation;		/* bumped when the ASID space wraps */
	u32 next_asid;
	bool enabled;			/* EFER.SVME set by us */
	u64 tsc_ratio;			/* MSR_AMD64_TSC_RATIO as last written here */
	u64 host_tsc_aux;		/* the host's MSR_TSC_AUX (its CPU number for RDTSCP) */
};

struct svm_vcpu {
	struct kvm_x86_vcpu *v;
	struct vmcb *vmcb;
	u64 vmcb_pa;

	int asid_cpu;			/* CPU whose ASID space asid belongs to, or -1 */
	u64 asid_generation;
	u64 tsc_aux;			/* MSR_TSC_AUX as the guest wrote it */
	u64 exit_count;			/* #VMEXITs handled, for statistics */

	/*
	 * NMI blocking is ours to track: hardware knows nothing of the NMIs we
	 * inject.  An NMI masks further ones until the guest's next IRET; that
	 * IRET is intercepted (iret_pending, at iret_rip) and counts as done once
	 * the guest is past it, which a single step (nmi_step) makes happen at once
	 * when another NMI waits.
	 */
	bool nmi_masked;
	bool iret_pending;
	u64 iret_rip;
	bool nmi_step;
	bool forced_tf;			/* RFLAGS.TF set by us for this entry, hidden from the guest */

	/* A host self-IPI that ends the guest's run after an injected interrupt (svm.c). */
	struct irq_work intr_kick;
	bool intr_kicked;		/* this entry queued it */
	bool intr_kick_skip;		/* it came before the delivery: not at the next entry */
};

static inline struct svm_vcpu *to_svm(struct kvm_x86_vcpu *v)
{
	return v->backend;
}

/* DR7 after reset: only the always-one bit 10. */
#define SVM_DR7_RESET	0x400ULL

/* Global interrupt flag (APM vol. 2, 15.17). */
static __always_inline void clgi(void)
{
	asm volatile("clgi" ::: "memory");
}

static __always_inline void stgi(void)
{
	asm volatile("stgi" ::: "memory");
}

/* svm_exit.c */
int svm_handle_exit(struct svm_vcpu *svm);

/* svm_events.c */
void svm_inject_event(struct kvm_x86_vcpu *v, const struct kvm_x86_event *ev);
void svm_inject_exception_op(struct kvm_x86_vcpu *v, u8 vector, bool has_error, u32 error,
			     u64 cr2);
bool svm_take_exit_event(struct kvm_x86_vcpu *v, struct kvm_x86_event *ev);
bool svm_interrupt_allowed(struct kvm_x86_vcpu *v);
bool svm_nmi_allowed(struct kvm_x86_vcpu *v);
void svm_set_irq_window(struct kvm_x86_vcpu *v, bool on);
void svm_set_nmi_window(struct kvm_x86_vcpu *v, bool on);
u32 svm_get_interrupt_shadow(struct kvm_x86_vcpu *v);
void svm_set_interrupt_shadow(struct kvm_x86_vcpu *v, u32 shadow);
bool svm_get_nmi_mask(struct kvm_x86_vcpu *v);
void svm_set_nmi_mask(struct kvm_x86_vcpu *v, bool masked);
u64 svm_get_dr(struct kvm_x86_vcpu *v, int which);
void svm_set_dr(struct kvm_x86_vcpu *v, int which, u64 val);
void svm_update_guest_debug(struct kvm_x86_vcpu *v);
void svm_events_before_vmrun(struct svm_vcpu *svm);
void svm_events_after_vmrun(struct svm_vcpu *svm);
void svm_events_not_entered(struct svm_vcpu *svm);
void svm_events_exit(struct svm_vcpu *svm);
int svm_exit_vintr(struct svm_vcpu *svm);
int svm_exit_iret(struct svm_vcpu *svm);
int svm_exit_db(struct svm_vcpu *svm);
int svm_exit_bp(struct svm_vcpu *svm);
int svm_exit_ac(struct svm_vcpu *svm);
int svm_exit_intn(struct svm_vcpu *svm);

/* vmrun.S */
void __kvm_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa);

/* svm.c */
extern u32 svm_max_asid;
extern bool svm_has_nrips;
extern bool svm_has_tsc_ratio;
void svm_skip_insn(struct svm_vcpu *svm, unsigned int len);
void svm_vcpu_reset(struct kvm_x86_vcpu *v);

#endif /* KVM_SVM_H */
