/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 common code: the x86 part of a vCPU and a VM, and the boundary to the
 * vendor backends (struct kvm_x86_backend_ops).
 *
 * A backend (kvm-amd.ko, kvm-intel.ko) fills one const ops table and registers it
 * with kvmx86_register_backend() after it has turned virtualization on on every
 * CPU; /dev/kvm appears only then.  Exactly one backend is registered at a time.
 *
 * Register state: the general-purpose registers, RIP and RFLAGS live in
 * struct kvm_x86_vcpu (gpr[], rip, rflags) and are authoritative outside the
 * backend's run hook; the backend copies what its hardware keeps elsewhere
 * (e.g. RAX/RSP/RIP/RFLAGS in the VMCB) in and out around guest entry.  All
 * other architectural state (segments, control registers, EFER, descriptor
 * tables, debug registers) lives in the backend and is reached through the ops.
 */
#ifndef KVM_X86_H
#define KVM_X86_H

#include <linux/kvm_core.h>
#include <asm/desc_defs.h>
#include <asm/fpu/api.h>
#include "time.h"

struct kvm_x86_vcpu;
struct kvm_tdp_format;
struct emu_ctxt;
struct kvmx86_lapic;
struct kvmx86_irqchip;

/* Indices of gpr[], in the order of the instruction encoding. */
enum kvm_x86_reg {
	KVM_REG_RAX, KVM_REG_RCX, KVM_REG_RDX, KVM_REG_RBX,
	KVM_REG_RSP, KVM_REG_RBP, KVM_REG_RSI, KVM_REG_RDI,
	KVM_REG_R8, KVM_REG_R9, KVM_REG_R10, KVM_REG_R11,
	KVM_REG_R12, KVM_REG_R13, KVM_REG_R14, KVM_REG_R15,
	KVM_NR_GPRS,
};

/* Segment registers, as the backends index them. */
enum kvm_x86_seg {
	KVM_SEG_ES, KVM_SEG_CS, KVM_SEG_SS, KVM_SEG_DS, KVM_SEG_FS, KVM_SEG_GS,
	KVM_SEG_TR, KVM_SEG_LDTR,
	KVM_NR_SEGS,
};

/*
 * What an exit handler asks the run loop to do next.  Handlers return one of
 * these or a negative errno (which ends KVM_RUN with that error).
 */
enum kvm_exit_action {
	KVM_EXIT_ACTION_USER = 0,	/* kvm_run is filled in: return to userspace */
	KVM_EXIT_ACTION_RESUME = 1,	/* enter the guest again */
};

/* A port I/O access waiting for userspace to complete it (KVM_EXIT_IO). */
struct kvm_x86_pio {
	bool pending;
	bool in;
	u8 size;
	u16 port;
	u32 count;
};

/* One event for the guest, in the form the backends inject and report it. */
enum kvm_x86_event_type {
	KVM_X86_EVENT_EXCEPTION,	/* hardware exception, vector 0-31 */
	KVM_X86_EVENT_INTR,		/* external interrupt */
	KVM_X86_EVENT_NMI,
	KVM_X86_EVENT_SOFT_INTR,	/* INTn (reported; injected only by kvmx86_exit_intn) */
};

struct kvm_x86_event {
	enum kvm_x86_event_type type;
	u8 vector;
	bool has_error;
	u32 error;
};

/*
 * Events of one vCPU (events.c).  Fields are the vCPU thread's (vcpu->mutex)
 * except nmi_queued, which any thread may bump (kvmx86_queue_nmi()).
 *
 * An exception is "pending" from the moment it is raised until the entry that
 * delivers it: only then does its payload (CR2 of a #PF, DR6 bits of a #DB)
 * reach the registers.  It is "injected" while the guest is delivering it; an
 * exit in the middle of delivery leaves it injected, to be delivered again.
 */
struct kvm_x86_events {
	bool exc_pending;
	bool exc_injected;
	u8 exc_vector;
	bool exc_has_error;
	u32 exc_error;
	bool exc_has_payload;
	u64 exc_payload;

	bool irq_injected;		/* KVM_INTERRUPT or LAPIC vector, or being re-delivered */
	bool irq_soft;			/* ... an INTn we carry out for the guest (kvmx86_exit_intn) */
	u8 irq_vector;

	atomic_t nmi_queued;		/* NMIs raised and not yet counted in nmi_pending */
	u8 nmi_pending;
	bool nmi_injected;

	bool step_trap;			/* RIP moved past an insn we carried out, TF set */

	u32 sipi_vector;		/* KVM_GET/SET_VCPU_EVENTS, for the in-kernel LAPIC */
};

struct kvm_x86_backend_ops {
	const char *name;
	struct module *owner;

	/* VM creation and destruction; vm->lock not needed (VM not visible yet / dying). */
	int (*vm_init)(struct kvm_vm *vm);
	void (*vm_destroy)(struct kvm_vm *vm);

	/*
	 * vCPU creation (vm->lock held) and destruction (no other user).
	 * vcpu_reset puts the architectural power-on state in place.
	 */
	int (*vcpu_create)(struct kvm_x86_vcpu *v);
	void (*vcpu_free)(struct kvm_x86_vcpu *v);
	void (*vcpu_reset)(struct kvm_x86_vcpu *v);

	/* State access; vcpu->mutex held, the vCPU is not running. */
	void (*get_segment)(struct kvm_x86_vcpu *v, struct kvm_segment *s, enum kvm_x86_seg seg);
	void (*set_segment)(struct kvm_x86_vcpu *v, const struct kvm_segment *s,
			    enum kvm_x86_seg seg);
	void (*get_dtables)(struct kvm_x86_vcpu *v, struct kvm_dtable *gdt, struct kvm_dtable *idt);
	void (*set_dtables)(struct kvm_x86_vcpu *v, const struct kvm_dtable *gdt,
			    const struct kvm_dtable *idt);
	/* Control registers: which is 0, 2, 3, 4 or 8; EFER through get/set_efer. */
	u64 (*get_cr)(struct kvm_x86_vcpu *v, int which);
	void (*set_cr)(struct kvm_x86_vcpu *v, int which, u64 val);
	u64 (*get_efer)(struct kvm_x86_vcpu *v);
	void (*set_efer)(struct kvm_x86_vcpu *v, u64 efer);
	/* Model-specific registers the backend keeps; 0 or 1 (unknown to the backend). */
	int (*get_msr)(struct kvm_x86_vcpu *v, u32 index, u64 *data);
	int (*set_msr)(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host);

	/*
	 * Enter the guest and handle exits until one needs the common run loop.
	 * Called from kvm_arch_vcpu_run() with vcpu->mutex held, preemption enabled,
	 * the guest FPU state loaded.  Returns an enum kvm_exit_action or -errno.
	 * After the exit (or when it returns without entering), and before any
	 * exit handler runs, it calls kvmx86_events_after_exit().
	 */
	int (*run)(struct kvm_x86_vcpu *v);

	/*
	 * Event injection (events.c decides, the backend carries it out).  All of
	 * these run in the vCPU thread with vcpu->mutex held, outside the guest.
	 *
	 * inject_event: deliver ev at the next guest entry (SVM: EVENTINJ).  Called
	 *   at most once per entry, right before run.
	 * take_exit_event: after an exit, report the event that was being delivered
	 *   when the exit happened (SVM: EXITINTINFO), or an event passed to
	 *   inject_event that never reached the guest; returns false when there is
	 *   none.  Clears it in the backend.  Called once after every run.
	 * interrupt_allowed / nmi_allowed: could the guest take an external
	 *   interrupt (RFLAGS.IF, no interrupt shadow, GIF) / an NMI (not masked,
	 *   no shadow, GIF) at the next entry?
	 * set_irq_window / set_nmi_window: ask for an exit as soon as the guest can
	 *   take an interrupt (SVM: V_IRQ + VINTR intercept) / an NMI (IRET
	 *   intercept, then a single step over the IRET); false turns it off.
	 * get/set_interrupt_shadow: KVM_X86_SHADOW_INT_* bits.
	 * get/set_nmi_mask: NMIs blocked until the next IRET.
	 * get_dr/set_dr: DR6 and DR7 (DR0-3 live in kvm_x86_vcpu.db[]).
	 * update_guest_debug: v->guest_debug changed: set the #DB/#BP intercepts and
	 *   the trap flag the debugger needs.
	 */
	void (*inject_event)(struct kvm_x86_vcpu *v, const struct kvm_x86_event *ev);
	/* Old name, kept for code not yet moved: same as kvmx86_queue_exception(). */
	void (*inject_exception)(struct kvm_x86_vcpu *v, u8 vector, bool has_error, u32 error,
				 u64 cr2);
	bool (*take_exit_event)(struct kvm_x86_vcpu *v, struct kvm_x86_event *ev);
	bool (*interrupt_allowed)(struct kvm_x86_vcpu *v);
	bool (*nmi_allowed)(struct kvm_x86_vcpu *v);
	void (*set_irq_window)(struct kvm_x86_vcpu *v, bool on);
	void (*set_nmi_window)(struct kvm_x86_vcpu *v, bool on);
	u32 (*get_interrupt_shadow)(struct kvm_x86_vcpu *v);
	void (*set_interrupt_shadow)(struct kvm_x86_vcpu *v, u32 shadow);
	bool (*get_nmi_mask)(struct kvm_x86_vcpu *v);
	void (*set_nmi_mask)(struct kvm_x86_vcpu *v, bool masked);
	u64 (*get_dr)(struct kvm_x86_vcpu *v, int which);
	void (*set_dr)(struct kvm_x86_vcpu *v, int which, u64 val);
	void (*update_guest_debug)(struct kvm_x86_vcpu *v);

	/* Entry format of the guest-physical page table (tdp.h). */
	const struct kvm_tdp_format *tdp_format;
};

/* Machine-check banks a vCPU may have (KVM_CAP_MCE), as Linux. */
#define KVM_X86_MAX_MCE_BANKS	32

/* Page-table pages a nested page fault may need (tdp.c), one per level below the root. */
#define KVM_TDP_CACHE_PAGES	4
struct kvm_tdp_page_cache {
	int nr;
	u64 *pages[KVM_TDP_CACHE_PAGES];
};

struct kvm_x86_vcpu {
	struct kvm_vcpu *vcpu;
	u64 gpr[KVM_NR_GPRS];
	u64 rip;
	u64 rflags;

	u64 xcr0;			/* guest XCR0, loaded around VMRUN */
	struct fpu_guest guest_fpu;

	struct kvm_cpuid_entry2 *cpuid;	/* KVM_SET_CPUID2 table; vcpu->mutex */
	u32 cpuid_nent;

	struct kvm_x86_pio pio;		/* KVM_EXIT_IO in flight */
	bool has_run;			/* KVM_RUN entered at least once */
	u32 pkru;			/* guest PKRU image for KVM_GET/SET_XSAVE (no PKU offered) */
	struct emu_ctxt *emu;		/* instruction emulator state */
	bool emu_pending;		/* an emulated instruction waits for userspace */
	struct {			/* ... and it is a MOV load of emulate_glue.c's fast path */
		bool read;
		u8 reg;			/* destination register */
		u8 size;		/* 4 or 8 bytes */
		u8 len;			/* instruction length */
	} mmio_mov;
	u32 mp_state;
	u64 apic_base;
	u64 tsc_offset;
	u64 misc_enable;
	u64 mtrr_def_type;
	u64 mtrr_var[16];		/* base/mask pairs of the 8 variable ranges */
	u64 mtrr_fixed[11];
	u64 arch_capabilities;		/* MSR_IA32_ARCH_CAPABILITIES as userspace set it */

	/* Machine check (mce.c): MCG_* and the bank registers, MC0_CTL order. */
	u64 mcg_cap;
	u64 mcg_status;
	u64 mcg_ctl;
	u64 mce_banks[KVM_X86_MAX_MCE_BANKS * 4];

	/* A KVM_EXIT_X86_RDMSR/WRMSR waiting for userspace (msr_user.c). */
	struct {
		bool pending;
		bool write;
		u64 insn_rip;		/* where a #GP is reported */
	} msr_user;
	struct kvmx86_vcpu_time time;	/* TSC rate and kvmclock (time.h) */

	struct kvm_x86_events ev;	/* events.c */
	u64 db[4];			/* guest DR0-3, loaded around guest entry by the backend */
	u32 guest_debug;		/* KVM_SET_GUEST_DEBUG control bits; 0 when off */
	u64 pdptrs[4];			/* PDPTEs given by KVM_SET_SREGS2 until the next run */
	bool pdptrs_set;
	struct kvmx86_lapic *lapic;	/* in-kernel LAPIC (irq.h), NULL without irqchip */

	struct kvm_tdp_page_cache tdp_cache;	/* tdp.c; vcpu->mutex */

	void *backend;			/* the backend's own vCPU state */
};

static inline struct kvm_x86_vcpu *to_x86(struct kvm_vcpu *vcpu)
{
	return vcpu->arch;
}

/* The registered backend; stable while any VM or /dev/kvm file exists. */
extern const struct kvm_x86_backend_ops *kvm_x86_ops;

int kvmx86_register_backend(const struct kvm_x86_backend_ops *ops);
void kvmx86_unregister_backend(const struct kvm_x86_backend_ops *ops);

/* Exit helpers for backends: each returns an enum kvm_exit_action or -errno. */
int kvmx86_exit_pio(struct kvm_x86_vcpu *v, u16 port, u8 size, bool in, bool string, bool rep);
int kvmx86_exit_cpuid(struct kvm_x86_vcpu *v);
int kvmx86_exit_hlt(struct kvm_x86_vcpu *v);
int kvmx86_exit_shutdown(struct kvm_x86_vcpu *v);
int kvmx86_exit_internal(struct kvm_x86_vcpu *v, u32 suberror, const u64 *data, int ndata);
int kvmx86_exit_fail_entry(struct kvm_x86_vcpu *v, u64 reason);

/* Events (events.c). */
void kvmx86_queue_exception(struct kvm_x86_vcpu *v, u8 vector, bool has_error, u32 error,
			    bool has_payload, u64 payload);
/* An NMI for this vCPU (KVM_NMI, LAPIC NMI IPI, LINT1): counted, kicks the vCPU.  Any thread. */
void kvmx86_queue_nmi(struct kvm_x86_vcpu *v);
void kvmx86_events_reset(struct kvm_x86_vcpu *v);
int kvmx86_events_before_entry(struct kvm_x86_vcpu *v);
void kvmx86_events_after_exit(struct kvm_x86_vcpu *v);
bool kvmx86_irq_window_open_exit(struct kvm_x86_vcpu *v);
void kvmx86_events_fill_run(struct kvm_x86_vcpu *v);
int kvmx86_events_load_cr8(struct kvm_x86_vcpu *v);
long kvmx86_events_ioctl(struct kvm_x86_vcpu *v, unsigned int ioctl, void __user *argp);
int kvmx86_exit_debug(struct kvm_x86_vcpu *v, u8 vector, u64 dr6);
int kvmx86_exit_intn(struct kvm_x86_vcpu *v, u64 dr6);
/*
 * RIP was moved past an instruction that the guest did not execute itself (an
 * intercepted or emulated one): with RFLAGS.TF or the debugger's single step,
 * the single-step trap the CPU would have raised is raised now.
 */
void kvmx86_insn_done(struct kvm_x86_vcpu *v);

/*
 * The in-kernel local APIC, seen from the run loop (irq_lapic.c).  All run in
 * the vCPU thread with vcpu->mutex held.
 *
 * kvmx86_lapic_in_kernel: KVM_CREATE_IRQCHIP (or a split irqchip) made a LAPIC.
 * kvmx86_lapic_pending_irq: the vector the LAPIC (or the PIC through LINT0 in
 *   ExtINT mode) wants delivered now given TPR/PPR/ISR, or -1; changes nothing.
 * kvmx86_lapic_accept_irq: that vector is being injected now (IRR -> ISR, or the
 *   PIC's interrupt acknowledge).
 * kvmx86_lapic_set_cr8 / get_cr8: TPR[7:4] <-> CR8.
 * kvmx86_lapic_before_entry: called at the top of every run-loop iteration with
 *   interrupts enabled: handles INIT/SIPI (mp_state), and while mp_state is
 *   HALTED or INIT_RECEIVED blocks until an interrupt, NMI, INIT, SIPI or signal.
 *   Returns KVM_EXIT_ACTION_RESUME to go on entering, or KVM_EXIT_ACTION_USER /
 *   -EINTR / -errno to leave KVM_RUN.
 *
 * Waking a vCPU from another thread: set the state, then
 * kvm_vcpu_request(vcpu, KVM_REQ_EVENT) and kvm_vcpu_kick(vcpu).
 */
bool kvmx86_lapic_in_kernel(struct kvm_x86_vcpu *v);
int kvmx86_lapic_pending_irq(struct kvm_x86_vcpu *v);
void kvmx86_lapic_accept_irq(struct kvm_x86_vcpu *v, int vector);
void kvmx86_lapic_set_cr8(struct kvm_x86_vcpu *v, u64 cr8);
u64 kvmx86_lapic_get_cr8(struct kvm_x86_vcpu *v);
int kvmx86_lapic_before_entry(struct kvm_x86_vcpu *v);

/* Instruction emulation (emulate_glue.c). */
int kvmx86_emu_init(struct kvm_x86_vcpu *v);
void kvmx86_emu_free(struct kvm_x86_vcpu *v);
int kvmx86_emulate(struct kvm_x86_vcpu *v, const u8 *bytes, unsigned int len);
int kvmx86_emulate_npf(struct kvm_x86_vcpu *v, u64 gpa, bool final, bool write, const u8 *bytes,
		       unsigned int len);
int kvmx86_emu_complete(struct kvm_x86_vcpu *v);
long kvmx86_translate(struct kvm_x86_vcpu *v, struct kvm_translation *tr);

/* x86 part of a VM (vm->arch). */
struct kvm_x86_vm {
	u64 tss_addr;			/* KVM_SET_TSS_ADDR (unused by SVM) */
	u64 identity_map_addr;		/* KVM_SET_IDENTITY_MAP_ADDR (unused by SVM) */
	bool exception_payload;		/* KVM_CAP_EXCEPTION_PAYLOAD enabled; read lock-free */
	u64 *tdp_root;			/* nested page table root; vm->mmu_lock */
	int tdp_levels;			/* 4 or 5, fixed at VM creation */
	cpumask_var_t flush_cpus;	/* tdp.c: targets of a remote flush; vm->mmu_lock */
	struct kvm_x86_msr_filter __rcu *msr_filter;	/* msr_user.c; written under vm->lock */
	u32 user_space_msr_mask;	/* KVM_MSR_EXIT_REASON_* sent to userspace */
	struct kvmx86_vm_time time;	/* TSC synchronisation and kvmclock (time.h) */
	struct kvmx86_pit *pit;		/* irq_pit.c; published once under vm->lock */
	struct kvmx86_irqchip *irqchip;	/* irq.h; published once under vm->lock, then fixed */
	u64 x2apic_api;			/* KVM_CAP_X2APIC_API flags; vm->lock (irq_lapic.c) */
	void *backend;			/* the backend's own VM state */
};

/* Largest KVM_SET_CPUID2 table accepted (as Linux). */
#define KVM_X86_MAX_CPUID_ENTRIES	256

/* Largest KVM_GET/SET_MSRS batch (as Linux). */
#define KVM_X86_MAX_IO_MSRS		256

/*
 * MSRs (msr.c): 0 on success, 1 for an access the guest must get #GP for (a bad
 * value, a read-only MSR), KVM_MSR_RET_UNKNOWN for an MSR nobody implements.
 * Backends' get_msr/set_msr use the same values.
 */
#define KVM_MSR_RET_UNKNOWN		2
/* The KVM_MSR_EXIT_REASON_* bits KVM_CAP_X86_USER_SPACE_MSR accepts. */
#define KVM_X86_MSR_EXIT_REASONS	(KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN | \
					 KVM_MSR_EXIT_REASON_FILTER)
int kvmx86_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host);
int kvmx86_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host);
long kvmx86_vcpu_msrs_ioctl(struct kvm_x86_vcpu *v, struct kvm_msrs __user *um, bool set);
/* One entry of a KVM_GET/SET_MSRS batch (ctx is the caller's): 0 to go on. */
typedef int (*kvmx86_msr_fn)(void *ctx, struct kvm_msr_entry *e);
long kvmx86_msr_batch(struct kvm_msrs __user *um, kvmx86_msr_fn fn, void *ctx, bool copy_back);
long kvmx86_copy_msr_list(struct kvm_msr_list __user *ul, const u32 *list, u32 n);

/* System ioctls (cpuid.c, msr.c). */
long kvmx86_get_supported_cpuid(struct kvm_cpuid2 __user *uc);
/* XCR0 bits guests may enable: the host's, limited to x87, SSE and AVX. */
u64 kvmx86_supported_xcr0(void);
/* A legal XCR0 value for a guest (XSETBV, KVM_SET_XCRS). */
bool kvmx86_xcr0_valid(u64 xcr0);
long kvmx86_get_msr_index_list(struct kvm_msr_list __user *ul);

/* Feature MSRs (msr_features.c): KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS on /dev/kvm. */
u64 kvmx86_arch_capabilities(void);
int kvmx86_get_feature_msr(u32 index, u64 *data);
long kvmx86_get_msr_feature_index_list(struct kvm_msr_list __user *ul);
long kvmx86_get_feature_msrs(struct kvm_msrs __user *um);

/* Guest RDMSR/WRMSR, the MSR filter and user-space MSR exits (msr_user.c). */
int kvmx86_exit_msr(struct kvm_x86_vcpu *v, bool write, u64 insn_rip);
void kvmx86_complete_msr_exit(struct kvm_x86_vcpu *v);
long kvmx86_set_msr_filter(struct kvm_vm *vm, struct kvm_msr_filter __user *argp);
void kvmx86_msr_filter_destroy(struct kvm_vm *vm);
int kvmx86_enable_user_space_msr(struct kvm_vm *vm, u64 mask);

/* Machine check (mce.c); vcpu->mutex held.  MSR helpers return 0 or 1 (fault). */
u64 kvmx86_mce_cap_supported(void);
void kvmx86_mce_reset(struct kvm_x86_vcpu *v);
bool kvmx86_mce_msr(u32 index);
int kvmx86_mce_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data, bool host);
int kvmx86_mce_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host);
long kvmx86_mce_setup(struct kvm_x86_vcpu *v, u64 __user *argp);
long kvmx86_mce_inject(struct kvm_x86_vcpu *v, struct kvm_x86_mce __user *argp);
/*
 * Guest TSC (tsc.c), for timers that count in guest TSC cycles: the guest's
 * TSC value at a given host TSC value (offset and scaling applied), and the
 * guest TSC rate in kHz.  vcpu->mutex held, or the caller accepts a value that
 * is stale by one KVM_SET_TSC_KHZ / TSC write.
 */
u64 kvmx86_read_guest_tsc(struct kvm_x86_vcpu *v, u64 host_tsc);
u64 kvmx86_guest_tsc_khz(struct kvm_x86_vcpu *v);

/*
 * In-kernel PIT (irq_pit.c).  kvmx86_pit_irq_acked: the irqchip reports that the
 * guest acknowledged a pin (any context, no irqchip lock held); the PIT takes
 * the ones GSI 0 is routed to for reinjection.
 */
long kvmx86_pit_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg);
void kvmx86_pit_irq_acked(struct kvm_vm *vm, u32 irqchip, u32 pin);
void kvmx86_pit_destroy(struct kvm_vm *vm);

/*
 * In-kernel LAPIC, for the run loop and event injection (irq_lapic.c).  All run
 * in the vCPU thread with vcpu->mutex held.
 */
int kvmx86_lapic_create(struct kvm_x86_vcpu *v);	/* vm->lock held; no-op without irqchip */
void kvmx86_lapic_free(struct kvm_x86_vcpu *v);
void kvmx86_lapic_after_run(struct kvm_x86_vcpu *v);	/* KVM_RUN returns: VAPIC TPR back */
/*
 * The PIC of a split irqchip is userspace's: KVM_INTERRUPT gives its vector,
 * taken as ExtINT when LINT0 passes it.  kvmx86_lapic_user_extint: 0, -EEXIST
 * (one waits), -ENXIO (the PIC is in the kernel).  kvmx86_lapic_accepts_user_extint:
 * LINT0 passes ExtINT and none waits.  kvmx86_pic_in_kernel: KVM_CREATE_IRQCHIP.
 */
int kvmx86_lapic_user_extint(struct kvm_x86_vcpu *v, u32 vector);
bool kvmx86_lapic_accepts_user_extint(struct kvm_x86_vcpu *v);
bool kvmx86_pic_in_kernel(struct kvm_x86_vcpu *v);
/* MSRs the LAPIC owns when in kernel: APIC base, TSC deadline, x2APIC range. */
bool kvmx86_lapic_owns_msr(struct kvm_x86_vcpu *v, u32 index);
int kvmx86_lapic_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data);
int kvmx86_lapic_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host);
long kvmx86_lapic_mp_state_get(struct kvm_x86_vcpu *v, struct kvm_mp_state *mp);
long kvmx86_lapic_mp_state_set(struct kvm_x86_vcpu *v, const struct kvm_mp_state *mp);
long kvmx86_lapic_vcpu_ioctl(struct kvm_x86_vcpu *v, unsigned int ioctl, void __user *argp);
/* INIT: registers to their INIT values, APIC base and MSRs kept (vcpu_x86.c). */
void kvmx86_vcpu_init_event(struct kvm_x86_vcpu *v);

/* The VM's in-kernel irqchip (irq_chip.c); vm->lock not held on entry. */
long kvmx86_irqchip_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, void __user *argp);
int kvmx86_irqchip_enable_split(struct kvm_vm *vm, struct kvm_enable_cap *cap);
int kvmx86_enable_x2apic_api(struct kvm_vm *vm, u64 flags);	/* irq_lapic.c */
void kvmx86_irqchip_destroy(struct kvm_vm *vm);

#endif /* KVM_X86_H */
