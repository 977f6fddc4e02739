/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * x86 part of the /dev/kvm ABI: register files, interrupt-controller and timer
 * snapshots, CPUID and MSR tables, event and nested-virtualisation state.
 *
 * <linux/kvm.h> includes this file; the ioctl numbers that carry these structures
 * are defined there.  Every name, value and layout here is fixed by the Linux 6.1
 * UAPI and checked against the system headers by tests/abi (see
 * Documentation/virt/kvm/abi.rst).  The include guard is the one the kernel's own
 * copy uses, so that including both in kernel context is harmless.
 */
#ifndef _ASM_X86_KVM_H
#define _ASM_X86_KVM_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/stddef.h>

/* ---- Layout of the vCPU mmap area, in pages from offset 0 (struct kvm_run) ---- */

#define KVM_PIO_PAGE_OFFSET		1	/* data of a KVM_EXIT_IO */
#define KVM_COALESCED_MMIO_PAGE_OFFSET	2	/* struct kvm_coalesced_mmio_ring */
#define KVM_DIRTY_LOG_PAGE_OFFSET	64	/* first page of the dirty ring */

/* ---- Architectural exception vectors (Intel SDM vol. 3 table 6-1) ---- */

#define DE_VECTOR	0	/* divide error */
#define DB_VECTOR	1	/* debug */
#define BP_VECTOR	3	/* int3 */
#define OF_VECTOR	4	/* into */
#define BR_VECTOR	5	/* bound */
#define UD_VECTOR	6	/* invalid opcode */
#define NM_VECTOR	7	/* device not available */
#define DF_VECTOR	8	/* double fault */
#define TS_VECTOR	10	/* invalid TSS */
#define NP_VECTOR	11	/* segment not present */
#define SS_VECTOR	12	/* stack fault */
#define GP_VECTOR	13	/* general protection */
#define PF_VECTOR	14	/* page fault */
#define MF_VECTOR	16	/* x87 error */
#define AC_VECTOR	17	/* alignment check */
#define MC_VECTOR	18	/* machine check */
#define XM_VECTOR	19	/* SIMD floating point */
#define VE_VECTOR	20	/* virtualisation exception */

/*
 * Optional parts of <linux/kvm.h> that x86 provides.  Only their presence matters;
 * the generic header tests some of them.
 */
#define __KVM_HAVE_PIT
#define __KVM_HAVE_IOAPIC
#define __KVM_HAVE_IRQ_LINE
#define __KVM_HAVE_MSI
#define __KVM_HAVE_USER_NMI
#define __KVM_HAVE_GUEST_DEBUG
#define __KVM_HAVE_MSIX
#define __KVM_HAVE_MCE
#define __KVM_HAVE_PIT_STATE2
#define __KVM_HAVE_XEN_HVM
#define __KVM_HAVE_VCPU_EVENTS
#define __KVM_HAVE_DEBUGREGS
#define __KVM_HAVE_XSAVE
#define __KVM_HAVE_XCRS
#define __KVM_HAVE_READONLY_MEM

/* Number of interrupt vectors; sizes the pending bitmap of struct kvm_sregs. */
#define KVM_NR_INTERRUPTS 256

/* ---- In-kernel interrupt controllers (KVM_GET_IRQCHIP / KVM_SET_IRQCHIP) ---- */

/* Values of kvm_irqchip.chip_id. */
#define KVM_IRQCHIP_PIC_MASTER	0
#define KVM_IRQCHIP_PIC_SLAVE	1
#define KVM_IRQCHIP_IOAPIC	2
#define KVM_NR_IRQCHIPS		3

/* One 8259A: its registers and the progress of its initialisation sequence. */
struct kvm_pic_state {
	__u8 last_irr;			/* IRR as last sampled, for edge detection */
	__u8 irr;
	__u8 imr;
	__u8 isr;
	__u8 priority_add;		/* lowest-priority line after rotation */
	__u8 irq_base;			/* vector of line 0 (ICW2) */
	__u8 read_reg_select;		/* OCW3: read ISR instead of IRR */
	__u8 poll;
	__u8 special_mask;
	__u8 init_state;		/* which ICW is expected next */
	__u8 auto_eoi;
	__u8 rotate_on_auto_eoi;
	__u8 special_fully_nested_mode;
	__u8 init4;			/* ICW4 is part of the sequence */
	__u8 elcr;			/* edge/level control */
	__u8 elcr_mask;			/* ELCR bits the guest may change */
};

#define KVM_IOAPIC_NUM_PINS	24

/* The I/O APIC: index register, identification and the redirection table. */
struct kvm_ioapic_state {
	__u64 base_address;
	__u32 ioregsel;
	__u32 id;
	__u32 irr;
	__u32 pad;
	union {
		__u64 bits;
		struct {
			__u8 vector;
			__u8 delivery_mode:3;
			__u8 dest_mode:1;
			__u8 delivery_status:1;
			__u8 polarity:1;
			__u8 remote_irr:1;
			__u8 trig_mode:1;
			__u8 mask:1;
			__u8 reserve:7;
			__u8 reserved[4];
			__u8 dest_id;
		} fields;
	} redirtbl[KVM_IOAPIC_NUM_PINS];
};

/* Local APIC (KVM_GET_LAPIC / KVM_SET_LAPIC): the 4 KiB register page, 1 KiB of it. */
#define KVM_APIC_REG_SIZE	0x400
struct kvm_lapic_state {
	char regs[KVM_APIC_REG_SIZE];
};

/* ---- Bits of kvm_run.flags on x86 ---- */

#define KVM_RUN_X86_SMM		(1 << 0)	/* vCPU is in system management mode */
#define KVM_RUN_X86_BUS_LOCK	(1 << 1)	/* exit was caused by a bus lock */

/* ---- Register files ---- */

/* General-purpose registers (KVM_GET_REGS / KVM_SET_REGS). */
struct kvm_regs {
	__u64 rax, rbx, rcx, rdx;
	__u64 rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11;
	__u64 r12, r13, r14, r15;
	__u64 rip, rflags;
};

/* A segment register with its unpacked descriptor cache. */
struct kvm_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 present, dpl, db, s, l, g, avl;
	__u8 unusable;			/* the descriptor cache holds nothing usable */
	__u8 padding;
};

/* GDTR or IDTR. */
struct kvm_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

/* System registers (KVM_GET_SREGS / KVM_SET_SREGS). */
struct kvm_sregs {
	struct kvm_segment cs, ds, es, fs, gs, ss;
	struct kvm_segment tr, ldt;
	struct kvm_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	/* one bit per vector: an interrupt that is queued for injection */
	__u64 interrupt_bitmap[(KVM_NR_INTERRUPTS + 63) / 64];
};

/*
 * System registers, second version (KVM_GET_SREGS2 / KVM_SET_SREGS2): the
 * pending-interrupt bitmap is gone and the PAE PDPTEs can be saved.
 */
struct kvm_sregs2 {
	struct kvm_segment cs, ds, es, fs, gs, ss;
	struct kvm_segment tr, ldt;
	struct kvm_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 flags;
	__u64 pdptrs[4];
};

/* kvm_sregs2.flags: pdptrs[] holds the PDPTEs in use. */
#define KVM_SREGS2_FLAGS_PDPTRS_VALID	1

/* x87 and SSE state in a layout close to FXSAVE (KVM_GET_FPU / KVM_SET_FPU). */
struct kvm_fpu {
	__u8 fpr[8][16];
	__u16 fcw;
	__u16 fsw;
	__u8 ftwx;			/* abridged tag word, as FXSAVE stores it */
	__u8 pad1;
	__u16 last_opcode;
	__u64 last_ip;
	__u64 last_dp;
	__u8 xmm[16][16];
	__u32 mxcsr;
	__u32 pad2;
};

/*
 * XSAVE image (KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_XSAVE2).  The components sit
 * at the offsets host CPUID leaf 0xD gives.  With KVM_CAP_XSAVE2 the buffer may
 * be larger than 4 KiB: KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) on the VM fd returns
 * its size, and extra[] is the part past region[].
 */
struct kvm_xsave {
	__u32 region[1024];
	__DECLARE_FLEX_ARRAY(__u32, extra);
};

/* Extended control registers (KVM_GET_XCRS / KVM_SET_XCRS). */
#define KVM_MAX_XCRS	16

struct kvm_xcr {
	__u32 xcr;			/* XCR index; 0 is XCR0 */
	__u32 reserved;
	__u64 value;
};

struct kvm_xcrs {
	__u32 nr_xcrs;
	__u32 flags;
	struct kvm_xcr xcrs[KVM_MAX_XCRS];
	__u64 padding[16];
};

/* Debug registers (KVM_GET_DEBUGREGS / KVM_SET_DEBUGREGS). */
struct kvm_debugregs {
	__u64 db[4];			/* DR0-DR3 */
	__u64 dr6;
	__u64 dr7;
	__u64 flags;
	__u64 reserved[9];
};

/* ---- MSRs ---- */

/* One MSR as read or written by KVM_GET_MSRS / KVM_SET_MSRS. */
struct kvm_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

/* Header of the KVM_GET_MSRS / KVM_SET_MSRS array. */
struct kvm_msrs {
	__u32 nmsrs;			/* entries that follow */
	__u32 pad;
	__DECLARE_FLEX_ARRAY(struct kvm_msr_entry, entries);
};

/* List of MSR indices (KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST). */
struct kvm_msr_list {
	__u32 nmsrs;			/* in: room in indices[]; out: count */
	__DECLARE_FLEX_ARRAY(__u32, indices);
};

/*
 * MSR filtering (KVM_X86_SET_MSR_FILTER): up to 16 ranges, each a bitmap over
 * nmsrs MSRs from base; a set bit allows the accesses named in the range's flags.
 */
#define KVM_MSR_FILTER_MAX_BITMAP_SIZE	0x600	/* bytes, per range */
#define KVM_MSR_FILTER_MAX_RANGES	16

/* kvm_msr_filter_range.flags */
#define KVM_MSR_FILTER_READ		(1 << 0)
#define KVM_MSR_FILTER_WRITE		(1 << 1)

struct kvm_msr_filter_range {
	__u32 flags;
	__u32 nmsrs;
	__u32 base;
	__u8 *bitmap;
};

/* kvm_msr_filter.flags: what happens to an MSR that no range covers */
#define KVM_MSR_FILTER_DEFAULT_ALLOW	(0 << 0)
#define KVM_MSR_FILTER_DEFAULT_DENY	(1 << 0)

struct kvm_msr_filter {
	__u32 flags;
	struct kvm_msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

/* ---- CPUID ---- */

/* Original CPUID table entry (KVM_SET_CPUID): no subleaf support. */
struct kvm_cpuid_entry {
	__u32 function;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 padding;
};

struct kvm_cpuid {
	__u32 nent;
	__u32 padding;
	__DECLARE_FLEX_ARRAY(struct kvm_cpuid_entry, entries);
};

/*
 * CPUID table entry with a subleaf (KVM_SET_CPUID2, KVM_GET_CPUID2,
 * KVM_GET_SUPPORTED_CPUID, KVM_GET_EMULATED_CPUID, KVM_GET_SUPPORTED_HV_CPUID).
 */
struct kvm_cpuid_entry2 {
	__u32 function;
	__u32 index;			/* subleaf (ECX input) */
	__u32 flags;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 padding[3];
};

/* kvm_cpuid_entry2.flags ("SIGNIFCANT" is how the ABI spells it) */
#define KVM_CPUID_FLAG_SIGNIFCANT_INDEX	(1 << 0)	/* index is meaningful */
#define KVM_CPUID_FLAG_STATEFUL_FUNC	(1 << 1)
#define KVM_CPUID_FLAG_STATE_READ_NEXT	(1 << 2)

struct kvm_cpuid2 {
	__u32 nent;
	__u32 padding;
	__DECLARE_FLEX_ARRAY(struct kvm_cpuid_entry2, entries);
};

/* ---- i8254 PIT (KVM_GET_PIT, KVM_SET_PIT, KVM_GET_PIT2, KVM_SET_PIT2) ---- */

struct kvm_pit_channel_state {
	__u32 count;			/* reload value; 0 is stored as 65536 */
	__u16 latched_count;
	__u8 count_latched;
	__u8 status_latched;
	__u8 status;
	__u8 read_state;
	__u8 write_state;
	__u8 write_latch;
	__u8 rw_mode;
	__u8 mode;
	__u8 bcd;
	__u8 gate;
	__s64 count_load_time;		/* host time (ns) of the last reload */
};

struct kvm_pit_state {
	struct kvm_pit_channel_state channels[3];
};

/* kvm_pit_state2.flags */
#define KVM_PIT_FLAGS_HPET_LEGACY	0x00000001
#define KVM_PIT_FLAGS_SPEAKER_DATA_ON	0x00000002

struct kvm_pit_state2 {
	struct kvm_pit_channel_state channels[3];
	__u32 flags;
	__u32 reserved[9];
};

/* Argument of KVM_REINJECT_CONTROL: whether missed PIT ticks are delivered later. */
struct kvm_reinject_control {
	__u8 pit_reinject;
	__u8 reserved[31];
};

/* ---- Guest debugging ---- */

/* x86 details of a KVM_EXIT_DEBUG. */
struct kvm_debug_exit_arch {
	__u32 exception;		/* DB_VECTOR or BP_VECTOR */
	__u32 pad;
	__u64 pc;
	__u64 dr6;
	__u64 dr7;
};

/* x86 bits of kvm_guest_debug.control, next to the generic ones */
#define KVM_GUESTDBG_USE_SW_BP		0x00010000
#define KVM_GUESTDBG_USE_HW_BP		0x00020000
#define KVM_GUESTDBG_INJECT_DB		0x00040000
#define KVM_GUESTDBG_INJECT_BP		0x00080000
#define KVM_GUESTDBG_BLOCKIRQ		0x00100000

/* Debug registers the host debugger wants loaded (KVM_SET_GUEST_DEBUG). */
struct kvm_guest_debug_arch {
	__u64 debugreg[8];
};

/* ---- Pending events (KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS) ---- */

/* kvm_vcpu_events.flags: which optional parts KVM_SET_VCPU_EVENTS should apply */
#define KVM_VCPUEVENT_VALID_NMI_PENDING		0x00000001
#define KVM_VCPUEVENT_VALID_SIPI_VECTOR		0x00000002
#define KVM_VCPUEVENT_VALID_SHADOW		0x00000004
#define KVM_VCPUEVENT_VALID_SMM			0x00000008
#define KVM_VCPUEVENT_VALID_PAYLOAD		0x00000010
#define KVM_VCPUEVENT_VALID_TRIPLE_FAULT	0x00000020

/* kvm_vcpu_events.interrupt.shadow: what blocks interrupts for one instruction */
#define KVM_X86_SHADOW_INT_MOV_SS	0x01
#define KVM_X86_SHADOW_INT_STI		0x02

struct kvm_vcpu_events {
	struct {
		__u8 injected;
		__u8 nr;
		__u8 has_error_code;
		__u8 pending;
		__u32 error_code;
	} exception;
	struct {
		__u8 injected;
		__u8 nr;
		__u8 soft;
		__u8 shadow;
	} interrupt;
	struct {
		__u8 injected;
		__u8 pending;
		__u8 masked;
		__u8 pad;
	} nmi;
	__u32 sipi_vector;
	__u32 flags;
	struct {
		__u8 smm;
		__u8 pending;
		__u8 smm_inside_nmi;
		__u8 latched_init;
	} smi;
	struct {
		__u8 pending;
	} triple_fault;
	__u8 reserved[26];
	__u8 exception_has_payload;
	__u64 exception_payload;	/* CR2 or DR6 value that goes with the exception */
};

/* ---- Register state shared through struct kvm_run (KVM_CAP_SYNC_REGS) ---- */

/* Bits of kvm_run.kvm_valid_regs / kvm_dirty_regs */
#define KVM_SYNC_X86_REGS	(1UL << 0)
#define KVM_SYNC_X86_SREGS	(1UL << 1)
#define KVM_SYNC_X86_EVENTS	(1UL << 2)

#define KVM_SYNC_X86_VALID_FIELDS \
	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

/*
 * Lives in the shared kvm_run page, so userspace can change it at any time:
 * the kernel must copy it once before checking or using any field.
 */
struct kvm_sync_regs {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
};

/* ---- Quirks that KVM_CAP_DISABLE_QUIRKS(2) can turn off ---- */

#define KVM_X86_QUIRK_LINT0_REENABLED		(1 << 0)
#define KVM_X86_QUIRK_CD_NW_CLEARED		(1 << 1)
#define KVM_X86_QUIRK_LAPIC_MMIO_HOLE		(1 << 2)
#define KVM_X86_QUIRK_OUT_7E_INC_RIP		(1 << 3)
#define KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT	(1 << 4)
#define KVM_X86_QUIRK_FIX_HYPERCALL_INSN	(1 << 5)
#define KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS	(1 << 6)

/* ---- Nested virtualisation state (KVM_GET_NESTED_STATE / KVM_SET_NESTED_STATE) ---- */

/* kvm_nested_state.format */
#define KVM_STATE_NESTED_FORMAT_VMX	0
#define KVM_STATE_NESTED_FORMAT_SVM	1

/* kvm_nested_state.flags */
#define KVM_STATE_NESTED_GUEST_MODE	0x00000001	/* L2 is running */
#define KVM_STATE_NESTED_RUN_PENDING	0x00000002	/* VM entry to L2 not finished */
#define KVM_STATE_NESTED_EVMCS		0x00000004	/* Hyper-V enlightened VMCS */
#define KVM_STATE_NESTED_MTF_PENDING	0x00000008
#define KVM_STATE_NESTED_GIF_SET	0x00000100

/* kvm_vmx_nested_state_hdr.smm.flags */
#define KVM_STATE_NESTED_SMM_GUEST_MODE	0x00000001
#define KVM_STATE_NESTED_SMM_VMXON	0x00000002

#define KVM_STATE_NESTED_VMX_VMCS_SIZE	0x1000
#define KVM_STATE_NESTED_SVM_VMCB_SIZE	0x1000

/* kvm_vmx_nested_state_hdr.flags */
#define KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE	0x00000001

struct kvm_vmx_nested_state_hdr {
	__u64 vmxon_pa;
	__u64 vmcs12_pa;
	struct {
		__u16 flags;
	} smm;
	__u16 pad;
	__u32 flags;
	__u64 preemption_timer_deadline;
};

struct kvm_vmx_nested_state_data {
	__u8 vmcs12[KVM_STATE_NESTED_VMX_VMCS_SIZE];
	__u8 shadow_vmcs12[KVM_STATE_NESTED_VMX_VMCS_SIZE];
};

struct kvm_svm_nested_state_hdr {
	__u64 vmcb_pa;
};

struct kvm_svm_nested_state_data {
	__u8 vmcb12[KVM_STATE_NESTED_SVM_VMCB_SIZE];	/* valid with RUN_PENDING only */
};

/*
 * A 128-byte header followed by vendor data of variable length.  The data
 * members are zero-length arrays so that sizeof, and with it the ioctl numbers,
 * stay those of the first version of the structure.
 */
struct kvm_nested_state {
	__u16 flags;
	__u16 format;
	__u32 size;			/* of the whole buffer, data included */
	union {
		struct kvm_vmx_nested_state_hdr vmx;
		struct kvm_svm_nested_state_hdr svm;
		__u8 pad[120];
	} hdr;
	union {
		struct kvm_vmx_nested_state_data vmx[0];
		struct kvm_svm_nested_state_data svm[0];
	} data;
};

/* ---- PMU event filter (KVM_SET_PMU_EVENT_FILTER) ---- */

#define KVM_PMU_EVENT_ALLOW	0
#define KVM_PMU_EVENT_DENY	1

struct kvm_pmu_event_filter {
	__u32 action;			/* KVM_PMU_EVENT_ALLOW or _DENY */
	__u32 nevents;
	__u32 fixed_counter_bitmap;
	__u32 flags;
	__u32 pad[4];
	__DECLARE_FLEX_ARRAY(__u64, events);
};

/* ---- Device attributes ---- */

/* Group 0 on the /dev/kvm fd (KVM_GET_DEVICE_ATTR): XSAVE features for guests. */
#define KVM_X86_XCOMP_GUEST_SUPP	0

/* vCPU fd attribute group for the TSC, and its only attribute. */
#define KVM_VCPU_TSC_CTRL	0
#define KVM_VCPU_TSC_OFFSET	0

/* ---- Obsolete ---- */

/* Argument of the removed KVM_SET_MEMORY_ALIAS; kept for its ioctl number. */
struct kvm_memory_alias {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 target_phys_addr;
};

#endif /* _ASM_X86_KVM_H */
