/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vlapic: model of one local APIC (xAPIC MMIO page and x2APIC MSRs), Intel SDM
 * vol. 3A chapter 10 ("Advanced Programmable Interrupt Controller").
 *
 * Locking: the model takes no lock.  Every function on a struct vlapic must be
 * called with that LAPIC's lock held by the caller (one lock per LAPIC; the
 * owning vCPU takes it around its own accesses: MMIO, MSRs, injection, timer
 * callback).  Another vCPU or a device posting an interrupt takes the target's
 * lock only around vlapic_deliver() and kicks the target when it returns true.
 * The LAPIC lock is the innermost irqchip lock: ops->send_ipi and ops->eoi_broadcast
 * are deferred by the platform until it is dropped (see irqchip_ops.h).
 * vlapic_dest_set() reads the ID, LDR, DFR, mode and PPR of every LAPIC it is
 * given; the caller must make those stable (hold the VM's APIC-map lock that
 * the glue takes around writes of ID/LDR/DFR/APIC base, and accept that PPR
 * may be momentarily stale for lowest-priority arbitration, as on hardware).
 */
#ifndef KVM_VLAPIC_H
#define KVM_VLAPIC_H

#include "irqchip_ops.h"

/* xAPIC register offsets in the 4 KiB page (SDM 10.4.1, table 10-1). */
#define VLAPIC_REG_ID		0x020
#define VLAPIC_REG_VERSION	0x030
#define VLAPIC_REG_TPR		0x080
#define VLAPIC_REG_APR		0x090
#define VLAPIC_REG_PPR		0x0a0
#define VLAPIC_REG_EOI		0x0b0
#define VLAPIC_REG_RRD		0x0c0
#define VLAPIC_REG_LDR		0x0d0
#define VLAPIC_REG_DFR		0x0e0
#define VLAPIC_REG_SVR		0x0f0
#define VLAPIC_REG_ISR		0x100	/* 8 registers, 16 bytes apart */
#define VLAPIC_REG_TMR		0x180
#define VLAPIC_REG_IRR		0x200
#define VLAPIC_REG_ESR		0x280
#define VLAPIC_REG_LVT_CMCI	0x2f0
#define VLAPIC_REG_ICR_LO	0x300
#define VLAPIC_REG_ICR_HI	0x310
#define VLAPIC_REG_LVT_TIMER	0x320
#define VLAPIC_REG_LVT_THERMAL	0x330
#define VLAPIC_REG_LVT_PMC	0x340
#define VLAPIC_REG_LVT_LINT0	0x350
#define VLAPIC_REG_LVT_LINT1	0x360
#define VLAPIC_REG_LVT_ERROR	0x370
#define VLAPIC_REG_TIMER_ICR	0x380
#define VLAPIC_REG_TIMER_CCR	0x390
#define VLAPIC_REG_TIMER_DCR	0x3e0
#define VLAPIC_REG_SELF_IPI	0x3f0	/* x2APIC only */

/* Bits of the LVT entries and of the ICR (SDM 10.5.1, 10.6.1). */
#define VLAPIC_LVT_MASKED	(1u << 16)
#define VLAPIC_LVT_LEVEL	(1u << 15)
#define VLAPIC_LVT_REMOTE_IRR	(1u << 14)
#define VLAPIC_LVT_POLARITY	(1u << 13)
#define VLAPIC_LVT_TIMER_SHIFT	17
#define VLAPIC_TIMER_ONESHOT	0
#define VLAPIC_TIMER_PERIODIC	1
#define VLAPIC_TIMER_TSCDEADLINE 2
#define VLAPIC_SVR_ENABLE	(1u << 8)

/* ESR bits (SDM 10.5.3) the model reports. */
#define VLAPIC_ESR_SEND_ILLEGAL	(1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL	(1u << 6)
#define VLAPIC_ESR_ILLEGAL_REG	(1u << 7)

/* IA32_APIC_BASE (SDM 10.4.4). */
#define VLAPIC_MSR_APIC_BASE	0x1b
#define VLAPIC_MSR_TSC_DEADLINE	0x6e0
#define VLAPIC_MSR_X2APIC_FIRST	0x800
#define VLAPIC_MSR_X2APIC_LAST	0x8ff
#define VLAPIC_BASE_BSP		(1ull << 8)
#define VLAPIC_BASE_EXTD	(1ull << 10)
#define VLAPIC_BASE_ENABLE	(1ull << 11)
#define VLAPIC_BASE_DEFAULT	0xfee00000ull

/* Version register: version 0x14, six LVT entries (max LVT index 5). */
#define VLAPIC_VERSION_VALUE	0x00050014u

/* Result of an MSR access: 0, or the guest gets #GP(0). */
#define VLAPIC_GP		1

enum vlapic_mode {
	VLAPIC_MODE_DISABLED,	/* IA32_APIC_BASE.EN = 0 */
	VLAPIC_MODE_XAPIC,
	VLAPIC_MODE_X2APIC,
};

/* The 1024-byte register page of KVM_GET_LAPIC / KVM_SET_LAPIC (struct kvm_lapic_state). */
#define VLAPIC_STATE_SIZE	1024
struct vlapic_state {
	u8 regs[VLAPIC_STATE_SIZE];
};
_Static_assert(sizeof(struct vlapic_state) == 1024, "kvm_lapic_state is 1024 bytes");

struct vlapic_config {
	u32 apic_id;			/* initial (and x2APIC) APIC ID; KVM uses the vCPU id */
	bool x2apic_allowed;		/* CPUID.1:ECX[21] is exposed to the guest */
	bool tsc_deadline_allowed;	/* CPUID.1:ECX[24] is exposed to the guest */
	u8 maxphyaddr;			/* base-address bits above it are reserved */
	u32 bus_cycle_ns;		/* APIC timer input period before the divider (KVM: 1) */
	u32 tsc_khz;			/* guest TSC frequency, for TSC-deadline mode */
	u64 min_period_ns;		/* floor on periodic timer periods; 0 = none */
	/*
	 * KVM_CAP_X2APIC_API's KVM_X2APIC_API_USE_32BIT_IDS is enabled on the VM: the
	 * saved page of an x2APIC holds the 32-bit ID unshifted.  Otherwise it holds
	 * ID << 24 as in xAPIC mode (the glue updates this field when the VM
	 * capability changes).
	 */
	bool x2apic_api_ids;
	/* KVM_X86_QUIRK_LINT0_REENABLED disabled: the BSP's LINT0 resets masked too. */
	bool no_lint0_quirk;
	/*
	 * KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK: in x2APIC mode this LAPIC no
	 * longer takes an 8-bit 0xff destination (IOAPIC, MSI) as a broadcast.
	 */
	bool no_x2apic_broadcast_quirk;
};

struct vlapic {
	/* Everything below is guarded by this LAPIC's lock (see the top of this file). */
	u32 regs[VLAPIC_STATE_SIZE / 4];	/* register page, indexed by offset / 4 */
	u64 apic_base;
	u32 esr_pending;		/* errors collected since the last ESR write */
	u8 lint_level[2];		/* last level seen on LINT0/LINT1 */
	u32 eoi_notify[8];		/* vectors whose EOI is broadcast even when edge */

	/* Timer: the expiry the platform is armed for, when running. */
	bool timer_running;
	u64 timer_expire_ns;		/* next expiry (absolute) */
	u64 timer_period_ns;		/* periodic reload, 0 for one-shot */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE, 0 = disarmed */

	/* Events for the vCPU run loop. */
	u32 nmi_pending;
	bool init_pending;
	bool sipi_pending;
	u8 sipi_vector;
	bool extint_pending;

	u64 timer_fired;		/* statistics: timer interrupts signalled */

	struct vlapic_config cfg;
	const struct vlapic_ops *ops;
	void *opaque;
};

/* Set up @l (power-on state, BSP if @bsp).  @ops and @opaque are kept. */
void vlapic_init(struct vlapic *l, const struct vlapic_config *cfg,
		 const struct vlapic_ops *ops, void *opaque, bool bsp);
/*
 * RESET (@init false: APIC base back to enabled xAPIC) or INIT (@init true: APIC
 * base and mode kept).  Registers go to their power-up values in both cases,
 * except that the BSP's LINT0 is unmasked ExtINT (Linux's LINT0_REENABLED quirk).
 */
void vlapic_reset(struct vlapic *l, bool bsp, bool init);

enum vlapic_mode vlapic_get_mode(const struct vlapic *l);
u32 vlapic_get_id(const struct vlapic *l);	/* 8-bit xAPIC ID or 32-bit x2APIC ID */
u8 vlapic_get_ppr(const struct vlapic *l);
bool vlapic_enabled(const struct vlapic *l);	/* hardware- and software-enabled */

/*
 * xAPIC MMIO access at @offset (0..0xfff) of the APIC page.  Returns false when
 * the LAPIC is not in xAPIC mode: the access is then not the APIC's (plain memory).
 * Reads of 1, 2 or 4 bytes within a register; writes must be 4-byte aligned dwords
 * (others are dropped, as the SDM leaves them undefined).
 */
bool vlapic_mmio_read(struct vlapic *l, u32 offset, void *data, u32 len);
bool vlapic_mmio_write(struct vlapic *l, u32 offset, const void *data, u32 len);

/*
 * RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range.  Return 0
 * or VLAPIC_GP.  @host: access by userspace (KVM_SET_MSRS), which may make any
 * valid mode transition and write read-only fields where KVM allows it.
 */
int vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val);
int vlapic_msr_write(struct vlapic *l, u32 msr, u64 val, bool host);
int vlapic_set_base(struct vlapic *l, u64 val, bool host);

/*
 * Post @msg to this LAPIC, which the caller has determined is a destination.
 * Returns true when the vCPU must be kicked (something became pending).
 */
bool vlapic_deliver(struct vlapic *l, const struct irq_msg *msg);

/* LINT0/LINT1 input (@pin 0 or 1) changed to @level; returns "kick". */
bool vlapic_set_lint(struct vlapic *l, int pin, bool level);
/*
 * Signal the local source of LVT entry @lvt_reg (VLAPIC_REG_LVT_PMC for a PMU
 * overflow, _THERMAL, _ERROR) through that entry: vector and delivery mode (NMI
 * for perf's PMIs), nothing if masked.  Returns "kick".
 */
bool vlapic_deliver_lvt(struct vlapic *l, u32 lvt_reg);
/* Whether the PIC's INTR reaches this vCPU (LINT0 unmasked ExtINT, or APIC disabled). */
bool vlapic_accepts_pic_intr(const struct vlapic *l);

/*
 * Ask for (@on) or stop ops->eoi_broadcast on EOIs of edge-triggered @vector.
 * The glue sets the vectors of IOAPIC pins that have ack notifiers and target
 * this vCPU (Linux's "IOAPIC-handled vectors"); level vectors always broadcast.
 */
void vlapic_set_eoi_notify(struct vlapic *l, u8 vector, bool on);

/* TPR as CR8 sees it (TPR[7:4]); setting it recomputes the PPR. */
u8 vlapic_get_cr8(const struct vlapic *l);
void vlapic_set_cr8(struct vlapic *l, u8 cr8);

/* Highest vector in the IRR whose priority class is above the PPR, or -1. */
int vlapic_pending_vector(const struct vlapic *l);
/* The vCPU took @vector (INTA): IRR -> ISR, PPR raised. */
void vlapic_ack(struct vlapic *l, u8 vector);
/* The vCPU takes a pending NMI / INIT / SIPI / ExtINT event; false if none. */
bool vlapic_take_nmi(struct vlapic *l);
bool vlapic_take_init(struct vlapic *l);
bool vlapic_take_sipi(struct vlapic *l, u8 *vector);
bool vlapic_take_extint(struct vlapic *l);

/* The platform timer armed through ops->timer_arm fired; returns "kick". */
bool vlapic_timer_expired(struct vlapic *l);

/*
 * Destination computation (SDM 10.6.2): does @l accept @msg?  @is_source: @l sent
 * it (for the shorthands).  Lowest priority is not resolved here.
 */
bool vlapic_match_dest(const struct vlapic *l, const struct irq_msg *msg, bool is_source);
/*
 * The destination set of @msg among @lapics[0..@nr) (entries may be NULL), as a
 * bitmap @mask of (@nr + 63) / 64 words.  @source: index of the sending LAPIC, or
 * -1 for the IOAPIC and MSIs.  Lowest-priority messages resolve to the one enabled
 * LAPIC with the lowest PPR (lowest index on ties).  Returns the number of bits set.
 */
u32 vlapic_dest_set(struct vlapic *const *lapics, u32 nr, const struct irq_msg *msg,
		    int source, u64 *mask);

/* Decode an MSI address/data pair (Intel SDM 10.11) into a message. */
void irq_msg_from_msi(u64 addr, u32 data, struct irq_msg *msg);

/*
 * KVM_GET_LAPIC / KVM_SET_LAPIC.  The page holds the xAPIC register layout; in
 * x2APIC mode ICR_HI holds the 32-bit destination, and the ID register the 32-bit
 * x2APIC ID, unshifted when cfg.x2apic_api_ids is set (else shifted left by 24).
 * TMCCT holds the current count at save time, and restore resumes the timer from
 * it (as Linux: a periodic timer saved at 0 restarts a full period, a one-shot
 * saved at 0 with TMICT set fires at once).  The APIC base and TSC deadline
 * travel separately as MSRs: set IA32_APIC_BASE first.
 * vlapic_set_state returns 0 or IRQCHIP_EINVAL (with x2apic_api_ids, an x2APIC ID
 * that is not the configured one).  In x2APIC mode the ID and LDR always come from
 * the configured ID.
 */
void vlapic_get_state(struct vlapic *l, struct vlapic_state *s);
int vlapic_set_state(struct vlapic *l, const struct vlapic_state *s);

#endif /* KVM_VLAPIC_H */
