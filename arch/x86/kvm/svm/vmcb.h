/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Virtual Machine Control Block and the SVM constants we use.
 * Source: AMD64 Architecture Programmer's Manual, Volume 2, chapter 15 (SVM)
 * and appendix B (layout of the VMCB), appendix C (SVM intercept exit codes).
 */
#ifndef KVM_SVM_VMCB_H
#define KVM_SVM_VMCB_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

/* Appendix B, table B-1: the control area, offsets 0x000-0x3ff. */
struct vmcb_control {
	u32 intercept_cr;		/* 0x000: bits 0-15 reads, 16-31 writes of CR0-15 */
	u32 intercept_dr;		/* 0x004: bits 0-15 reads, 16-31 writes of DR0-15 */
	u32 intercept_exceptions;	/* 0x008: one bit per exception vector */
	u32 intercept_misc1;		/* 0x00c: SVM_INTERCEPT1_* */
	u32 intercept_misc2;		/* 0x010: SVM_INTERCEPT2_* */
	u32 intercept_misc3;		/* 0x014 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_control;			/* 0x05c: SVM_TLB_* */
	u8 reserved_05d[3];
	u32 int_ctl;			/* 0x060: V_TPR, V_IRQ, V_INTR_PRIO, V_INTR_MASKING */
	u32 int_vector;			/* 0x064 */
	u32 int_state;			/* 0x068: bit 0 interrupt shadow */
	u32 reserved_06c;
	u64 exit_code;			/* 0x070 */
	u64 exit_info_1;		/* 0x078 */
	u64 exit_info_2;		/* 0x080 */
	u32 exit_int_info;		/* 0x088: event being delivered at #VMEXIT */
	u32 exit_int_info_err;		/* 0x08c */
	u64 nested_ctl;			/* 0x090: bit 0 enables nested paging */
	u64 avic_bar;			/* 0x098 */
	u64 ghcb_gpa;			/* 0x0a0 */
	u32 event_inj;			/* 0x0a8: event to inject at VMRUN */
	u32 event_inj_err;		/* 0x0ac */
	u64 nested_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8 */
	u32 clean;			/* 0x0c0: VMCB clean bits */
	u32 reserved_0c4;
	u64 next_rip;			/* 0x0c8: with NRIP save */
	u8 insn_len;			/* 0x0d0: with decode assists */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

/* A segment in the save area: the attributes are descriptor bits 40-47 and 52-55. */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/* Appendix B, table B-2: the state save area, at offset 0x400. */
struct vmcb_save {
	struct vmcb_seg es;		/* 0x000 */
	struct vmcb_seg cs;		/* 0x010 */
	struct vmcb_seg ss;		/* 0x020 */
	struct vmcb_seg ds;		/* 0x030 */
	struct vmcb_seg fs;		/* 0x040 */
	struct vmcb_seg gs;		/* 0x050 */
	struct vmcb_seg gdtr;		/* 0x060 */
	struct vmcb_seg ldtr;		/* 0x070 */
	struct vmcb_seg idtr;		/* 0x080 */
	struct vmcb_seg tr;		/* 0x090 */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;				/* 0x0cb */
	u32 reserved_0cc;
	u64 efer;			/* 0x0d0 */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;			/* 0x148 */
	u64 cr3;			/* 0x150 */
	u64 cr0;			/* 0x158 */
	u64 dr7;			/* 0x160 */
	u64 dr6;			/* 0x168 */
	u64 rflags;			/* 0x170 */
	u64 rip;			/* 0x178 */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;			/* 0x1d8 */
	u64 s_cet;			/* 0x1e0 */
	u64 ssp;			/* 0x1e8 */
	u64 isst_addr;			/* 0x1f0 */
	u64 rax;			/* 0x1f8 */
	u64 star;			/* 0x200 */
	u64 lstar;			/* 0x208 */
	u64 cstar;			/* 0x210 */
	u64 sfmask;			/* 0x218 */
	u64 kernel_gs_base;		/* 0x220 */
	u64 sysenter_cs;		/* 0x228 */
	u64 sysenter_esp;		/* 0x230 */
	u64 sysenter_eip;		/* 0x238 */
	u64 cr2;			/* 0x240 */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;			/* 0x268 */
	u64 dbgctl;			/* 0x270 */
	u64 br_from;			/* 0x278 */
	u64 br_to;			/* 0x280 */
	u64 last_excp_from;		/* 0x288 */
	u64 last_excp_to;		/* 0x290 */
	u8 reserved_298[0xc00 - 0x298];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040);
static_assert(offsetof(struct vmcb_control, asid) == 0x058);
static_assert(offsetof(struct vmcb_control, exit_code) == 0x070);
static_assert(offsetof(struct vmcb_control, event_inj) == 0x0a8);
static_assert(offsetof(struct vmcb_control, nested_cr3) == 0x0b0);
static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8);
static_assert(offsetof(struct vmcb_control, insn_bytes) == 0x0d1);
static_assert(sizeof(struct vmcb_seg) == 16);
static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb);
static_assert(offsetof(struct vmcb_save, efer) == 0x0d0);
static_assert(offsetof(struct vmcb_save, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8);
static_assert(offsetof(struct vmcb_save, rax) == 0x1f8);
static_assert(offsetof(struct vmcb_save, cr2) == 0x240);
static_assert(offsetof(struct vmcb_save, g_pat) == 0x268);
static_assert(offsetof(struct vmcb_save, last_excp_to) == 0x290);
static_assert(sizeof(struct vmcb) == 4096);

/* intercept_misc1 (VMCB offset 0x00c) */
#define SVM_INTERCEPT1_INTR		(1U << 0)
#define SVM_INTERCEPT1_NMI		(1U << 1)
#define SVM_INTERCEPT1_SMI		(1U << 2)
#define SVM_INTERCEPT1_INIT		(1U << 3)
#define SVM_INTERCEPT1_VINTR		(1U << 4)
#define SVM_INTERCEPT1_RDPMC		(1U << 15)
#define SVM_INTERCEPT1_CPUID		(1U << 18)
#define SVM_INTERCEPT1_RSM		(1U << 19)
#define SVM_INTERCEPT1_IRET		(1U << 20)
#define SVM_INTERCEPT1_INTN		(1U << 21)
#define SVM_INTERCEPT1_INVD		(1U << 22)
#define SVM_INTERCEPT1_HLT		(1U << 24)
#define SVM_INTERCEPT1_INVLPGA		(1U << 26)
#define SVM_INTERCEPT1_IOIO		(1U << 27)
#define SVM_INTERCEPT1_MSR		(1U << 28)
#define SVM_INTERCEPT1_TASK_SWITCH	(1U << 29)
#define SVM_INTERCEPT1_FERR_FREEZE	(1U << 30)
#define SVM_INTERCEPT1_SHUTDOWN		(1U << 31)

/* intercept_misc2 (VMCB offset 0x010) */
#define SVM_INTERCEPT2_VMRUN		(1U << 0)
#define SVM_INTERCEPT2_VMMCALL		(1U << 1)
#define SVM_INTERCEPT2_VMLOAD		(1U << 2)
#define SVM_INTERCEPT2_VMSAVE		(1U << 3)
#define SVM_INTERCEPT2_STGI		(1U << 4)
#define SVM_INTERCEPT2_CLGI		(1U << 5)
#define SVM_INTERCEPT2_SKINIT		(1U << 6)
#define SVM_INTERCEPT2_RDTSCP		(1U << 7)
#define SVM_INTERCEPT2_WBINVD		(1U << 9)
#define SVM_INTERCEPT2_MONITOR		(1U << 10)
#define SVM_INTERCEPT2_MWAIT		(1U << 11)
#define SVM_INTERCEPT2_MWAIT_COND	(1U << 12)
#define SVM_INTERCEPT2_XSETBV		(1U << 13)

/* tlb_control */
#define SVM_TLB_NOTHING			0
#define SVM_TLB_FLUSH_ALL		1

/* nested_ctl */
#define SVM_NESTED_CTL_NP_ENABLE	(1ULL << 0)

/* int_ctl (15.21.1): a virtual interrupt request and how it is prioritised */
#define SVM_INT_CTL_V_TPR_MASK		0xfU
#define SVM_INT_CTL_V_IRQ		(1U << 8)
#define SVM_INT_CTL_V_INTR_PRIO_SHIFT	16
#define SVM_INT_CTL_V_INTR_PRIO_MASK	(0xfU << SVM_INT_CTL_V_INTR_PRIO_SHIFT)
#define SVM_INT_CTL_V_IGN_TPR		(1U << 20)
#define SVM_INT_CTL_V_INTR_MASKING	(1U << 24)

/* int_state: the guest is in an interrupt shadow (STI or MOV SS) */
#define SVM_INT_STATE_SHADOW		(1U << 0)

/* event_inj / exit_int_info (15.20): vector, type, error-code valid, valid. */
#define SVM_EVTINJ_VEC_MASK		0xffU
#define SVM_EVTINJ_TYPE_SHIFT		8
#define SVM_EVTINJ_TYPE_MASK		(7U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_INTR		(0U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_NMI		(2U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_EXEPT		(3U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_TYPE_SOFT		(4U << SVM_EVTINJ_TYPE_SHIFT)
#define SVM_EVTINJ_VALID_ERR		(1U << 11)
#define SVM_EVTINJ_VALID		(1U << 31)

/* Appendix C: exit codes we handle. */
#define SVM_EXIT_EXCP_BASE		0x040
#define SVM_EXIT_EXCP_DB		(SVM_EXIT_EXCP_BASE + 1)
#define SVM_EXIT_EXCP_BP		(SVM_EXIT_EXCP_BASE + 3)
#define SVM_EXIT_EXCP_AC		(SVM_EXIT_EXCP_BASE + 17)
#define SVM_EXIT_INTR			0x060
#define SVM_EXIT_NMI			0x061
#define SVM_EXIT_SMI			0x062
#define SVM_EXIT_INIT			0x063
#define SVM_EXIT_VINTR			0x064
#define SVM_EXIT_RDPMC			0x06f
#define SVM_EXIT_CPUID			0x072
#define SVM_EXIT_IRET			0x074
#define SVM_EXIT_SWINT			0x075
#define SVM_EXIT_RSM			0x073
#define SVM_EXIT_INVD			0x076
#define SVM_EXIT_HLT			0x078
#define SVM_EXIT_INVLPGA		0x07a
#define SVM_EXIT_IOIO			0x07b
#define SVM_EXIT_MSR			0x07c
#define SVM_EXIT_TASK_SWITCH		0x07d
#define SVM_EXIT_FERR_FREEZE		0x07e
#define SVM_EXIT_SHUTDOWN		0x07f
#define SVM_EXIT_VMRUN			0x080
#define SVM_EXIT_VMMCALL		0x081
#define SVM_EXIT_VMLOAD			0x082
#define SVM_EXIT_VMSAVE			0x083
#define SVM_EXIT_STGI			0x084
#define SVM_EXIT_CLGI			0x085
#define SVM_EXIT_SKINIT			0x086
#define SVM_EXIT_RDTSCP			0x087
#define SVM_EXIT_WBINVD			0x089
#define SVM_EXIT_MONITOR		0x08a
#define SVM_EXIT_MWAIT			0x08b
#define SVM_EXIT_MWAIT_COND		0x08c
#define SVM_EXIT_XSETBV			0x08d
#define SVM_EXIT_NPF			0x400
#define SVM_EXIT_NR			0x401	/* size of the handler table */
#define SVM_EXIT_ERR			(~0ULL)	/* VMRUN found invalid guest state */

/* IOIO exit_info_1 (15.10.2) */
#define SVM_IOIO_IN			(1ULL << 0)
#define SVM_IOIO_STR			(1ULL << 2)
#define SVM_IOIO_REP			(1ULL << 3)
#define SVM_IOIO_SZ_SHIFT		4	/* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define SVM_IOIO_SZ_MASK		(7ULL << SVM_IOIO_SZ_SHIFT)
#define SVM_IOIO_PORT_SHIFT		16

/* NPF exit_info_1: page-fault style error code. */
#define SVM_NPF_WRITE			(1ULL << 1)
/*
 * APM vol. 2, 15.25.6: bit 32 set when the fault happened on the final guest
 * physical address of the access, bit 33 when it happened while the processor
 * read the guest's own page tables.
 */
#define SVM_NPF_FINAL_GPA		(1ULL << 32)
#define SVM_NPF_GUEST_TABLE		(1ULL << 33)

/* CPUID 0x8000000a: SVM revision and features (EDX). */
#define SVM_CPUID_FN			0x8000000a
#define SVM_FEATURE_NPT			(1U << 0)
#define SVM_FEATURE_NRIPS		(1U << 3)
#define SVM_FEATURE_TSC_RATE		(1U << 4)	/* MSR_AMD64_TSC_RATIO (APM 15.30.5) */

/* TSC ratio MSR: 8.32 fixed point, bits 63:40 reserved (APM 15.30.5). */
#define SVM_TSC_RATIO_FRAC_BITS		32
#define SVM_TSC_RATIO_MAX		0x000000ffffffffffULL

/* MSRs of SVM itself. */
#define SVM_MSR_VM_CR			0xc0010114
#define SVM_VM_CR_SVMDIS		(1ULL << 4)
#define SVM_MSR_VM_HSAVE_PA		0xc0010117

/* Sizes of the permission maps (15.10.1, 15.11). */
#define SVM_IOPM_SIZE			(3 * PAGE_SIZE)
#define SVM_MSRPM_SIZE			(2 * PAGE_SIZE)

#endif /* KVM_SVM_VMCB_H */
