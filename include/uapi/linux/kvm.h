/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The /dev/kvm interface: ioctl numbers for the three kinds of file descriptor
 * (the /dev/kvm "system" fd, a VM fd, a vCPU fd) plus the device fds made by
 * KVM_CREATE_DEVICE, the structures they carry, the shared struct kvm_run page,
 * and the list of capabilities KVM_CHECK_EXTENSION answers for.
 *
 * Everything here is ABI: names, values and layouts are those of Linux 6.1 and
 * tests/abi compares them, one by one, with the system's <linux/kvm.h>.  The
 * header describes the interface of every architecture because some structures
 * (struct kvm_run above all) have members for all of them; the x86 parts come
 * from <asm/kvm.h>.  Layout: general definitions, memory, the run page,
 * per-topic structures, other architectures, legacy, capabilities, and last the
 * ioctl numbers grouped by the fd they are issued on.
 */
#ifndef __LINUX_KVM_H
#define __LINUX_KVM_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/ioctl.h>
#include <asm/kvm.h>

/* What KVM_GET_API_VERSION returns; has not changed since 2007. */
#define KVM_API_VERSION 12

/* The ioctl "type" byte of every KVM ioctl. */
#define KVMIO 0xAE

/* ======================================================================== */
/* VM types: the argument of KVM_CREATE_VM                                  */
/* ======================================================================== */

#define KVM_VM_S390_UCONTROL	1	/* s390: user-controlled VM */

#define KVM_VM_PPC_HV		1	/* powerpc: 0 picks, 1 forces HV, 2 forces PR */
#define KVM_VM_PPC_PR		2

#define KVM_VM_MIPS_AUTO	0	/* MIPS: virtualisation ASE or trap & emulate */
#define KVM_VM_MIPS_VZ		1
#define KVM_VM_MIPS_TE		2

/* arm64: bits 7:0 give log2 of the guest physical address space; 0 means 40. */
#define KVM_VM_TYPE_ARM_IPA_SIZE_MASK	0xffULL
#define KVM_VM_TYPE_ARM_IPA_SIZE(x)	((x) & KVM_VM_TYPE_ARM_IPA_SIZE_MASK)

/* ======================================================================== */
/* Guest memory                                                             */
/* ======================================================================== */

/*
 * A slot of guest physical memory backed by userspace memory
 * (KVM_SET_USER_MEMORY_REGION).  A size of 0 deletes the slot.
 */
struct kvm_userspace_memory_region {
	__u32 slot;			/* address space in bits 31:16, slot in 15:0 */
	__u32 flags;			/* KVM_MEM_* */
	__u64 guest_phys_addr;
	__u64 memory_size;		/* in bytes */
	__u64 userspace_addr;		/* host virtual address of the backing */
};

/* The original slot, backed by kernel memory (KVM_SET_MEMORY_REGION; gone). */
struct kvm_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
};

/* Slot flags; userspace owns bits 15:0, the rest are kernel-internal. */
#define KVM_MEM_LOG_DIRTY_PAGES	(1UL << 0)
#define KVM_MEM_READONLY	(1UL << 1)

/* Range of memory to be encrypted (KVM_MEMORY_ENCRYPT_(UN)REG_REGION). */
struct kvm_enc_region {
	__u64 addr;
	__u64 size;
};

/* ======================================================================== */
/* Dirty page tracking                                                      */
/* ======================================================================== */

/* Bitmap of a slot's dirty pages (KVM_GET_DIRTY_LOG). */
struct kvm_dirty_log {
	__u32 slot;
	__u32 padding1;
	union {
		void *dirty_bitmap;	/* user address, one bit per page */
		__u64 padding2;
	};
};

/* Pages to write-protect again (KVM_CLEAR_DIRTY_LOG). */
struct kvm_clear_dirty_log {
	__u32 slot;
	__u32 num_pages;		/* a multiple of 64 unless it ends the slot */
	__u64 first_page;		/* a multiple of 64 */
	union {
		void *dirty_bitmap;
		__u64 padding2;
	};
};

/* Argument bits of KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
#define KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE	(1 << 0)
#define KVM_DIRTY_LOG_INITIALLY_SET		(1 << 1)

/*
 * Dirty ring (KVM_CAP_DIRTY_LOG_RING): an array of kvm_dirty_gfn mapped from the
 * vCPU fd at page KVM_DIRTY_LOG_PAGE_OFFSET.  An entry moves through three
 * states: the kernel publishes it as DIRTY, userspace marks it RESET once it has
 * collected the page, and KVM_RESET_DIRTY_RINGS hands it back to the kernel,
 * which clears both bits.  Userspace must collect entries in ring order.
 */
#ifndef KVM_DIRTY_LOG_PAGE_OFFSET
#define KVM_DIRTY_LOG_PAGE_OFFSET 0
#endif

#define KVM_DIRTY_GFN_F_DIRTY	_BITUL(0)
#define KVM_DIRTY_GFN_F_RESET	_BITUL(1)
#define KVM_DIRTY_GFN_F_MASK	0x3

struct kvm_dirty_gfn {
	__u32 flags;
	__u32 slot;			/* as in kvm_userspace_memory_region.slot */
	__u64 offset;			/* page index inside the slot */
};

/* ======================================================================== */
/* The run page: struct kvm_run, mapped from the vCPU fd at offset 0        */
/* ======================================================================== */

/* kvm_run.exit_reason */
#define KVM_EXIT_UNKNOWN		0
#define KVM_EXIT_EXCEPTION		1
#define KVM_EXIT_IO			2
#define KVM_EXIT_HYPERCALL		3
#define KVM_EXIT_DEBUG			4
#define KVM_EXIT_HLT			5
#define KVM_EXIT_MMIO			6
#define KVM_EXIT_IRQ_WINDOW_OPEN	7
#define KVM_EXIT_SHUTDOWN		8
#define KVM_EXIT_FAIL_ENTRY		9
#define KVM_EXIT_INTR			10
#define KVM_EXIT_SET_TPR		11
#define KVM_EXIT_TPR_ACCESS		12
#define KVM_EXIT_S390_SIEIC		13
#define KVM_EXIT_S390_RESET		14
#define KVM_EXIT_DCR			15	/* no longer produced */
#define KVM_EXIT_NMI			16
#define KVM_EXIT_INTERNAL_ERROR		17
#define KVM_EXIT_OSI			18
#define KVM_EXIT_PAPR_HCALL		19
#define KVM_EXIT_S390_UCONTROL		20
#define KVM_EXIT_WATCHDOG		21
#define KVM_EXIT_S390_TSCH		22
#define KVM_EXIT_EPR			23
#define KVM_EXIT_SYSTEM_EVENT		24
#define KVM_EXIT_S390_STSI		25
#define KVM_EXIT_IOAPIC_EOI		26
#define KVM_EXIT_HYPERV			27
#define KVM_EXIT_ARM_NISV		28
#define KVM_EXIT_X86_RDMSR		29
#define KVM_EXIT_X86_WRMSR		30
#define KVM_EXIT_DIRTY_RING_FULL	31
#define KVM_EXIT_AP_RESET_HOLD		32
#define KVM_EXIT_X86_BUS_LOCK		33
#define KVM_EXIT_XEN			34
#define KVM_EXIT_RISCV_SBI		35
#define KVM_EXIT_RISCV_CSR		36
#define KVM_EXIT_NOTIFY			37

/* internal.suberror of a KVM_EXIT_INTERNAL_ERROR */
#define KVM_INTERNAL_ERROR_EMULATION			1	/* could not emulate */
#define KVM_INTERNAL_ERROR_SIMUL_EX			2	/* fault while delivering a fault */
#define KVM_INTERNAL_ERROR_DELIVERY_EV			3	/* exit during event delivery */
#define KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON	4

/* emulation_failure.flags: insn_size and insn_bytes are filled in */
#define KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES	(1ULL << 0)

/* io.direction of a KVM_EXIT_IO */
#define KVM_EXIT_IO_IN		0
#define KVM_EXIT_IO_OUT		1

/* s390_reset_flags of a KVM_EXIT_S390_RESET */
#define KVM_S390_RESET_POR		1
#define KVM_S390_RESET_CLEAR		2
#define KVM_S390_RESET_SUBSYSTEM	4
#define KVM_S390_RESET_CPU_INIT		8
#define KVM_S390_RESET_IPL		16

/* system_event.type of a KVM_EXIT_SYSTEM_EVENT */
#define KVM_SYSTEM_EVENT_SHUTDOWN	1
#define KVM_SYSTEM_EVENT_RESET		2
#define KVM_SYSTEM_EVENT_CRASH		3
#define KVM_SYSTEM_EVENT_WAKEUP		4
#define KVM_SYSTEM_EVENT_SUSPEND	5
#define KVM_SYSTEM_EVENT_SEV_TERM	6

/* msr.reason of a KVM_EXIT_X86_RDMSR / KVM_EXIT_X86_WRMSR */
#define KVM_MSR_EXIT_REASON_INVAL	(1 << 0)	/* access would #GP */
#define KVM_MSR_EXIT_REASON_UNKNOWN	(1 << 1)	/* KVM does not know the MSR */
#define KVM_MSR_EXIT_REASON_FILTER	(1 << 2)	/* denied by the MSR filter */

/* notify.flags of a KVM_EXIT_NOTIFY */
#define KVM_NOTIFY_CONTEXT_INVALID	(1 << 0)

/* Hyper-V exit (KVM_EXIT_HYPERV): a SynIC MSR write, a hypercall, or a debugger MSR. */
#define KVM_EXIT_HYPERV_SYNIC	1
#define KVM_EXIT_HYPERV_HCALL	2
#define KVM_EXIT_HYPERV_SYNDBG	3

struct kvm_hyperv_exit {
	__u32 type;			/* KVM_EXIT_HYPERV_* */
	__u32 pad1;
	union {
		struct {
			__u32 msr;
			__u32 pad2;
			__u64 control;
			__u64 evt_page;
			__u64 msg_page;
		} synic;
		struct {
			__u64 input;
			__u64 result;
			__u64 params[2];
		} hcall;
		struct {
			__u32 msr;
			__u32 pad2;
			__u64 control;
			__u64 status;
			__u64 send_page;
			__u64 recv_page;
			__u64 pending_page;
		} syndbg;
	} u;
};

/* Xen exit (KVM_EXIT_XEN): a hypercall for userspace to complete. */
#define KVM_EXIT_XEN_HCALL	1

struct kvm_xen_exit {
	__u32 type;			/* KVM_EXIT_XEN_HCALL */
	union {
		struct {
			__u32 longmode;
			__u32 cpl;
			__u64 input;
			__u64 result;
			__u64 params[6];
		} hcall;
	} u;
};

/* Room reserved for the arch's kvm_sync_regs at the end of kvm_run. */
#define SYNC_REGS_SIZE_BYTES	2048

/*
 * The page shared by KVM_RUN and userspace.  A few fields are inputs, the
 * exit_reason-selected member of the big union is the output of the last exit;
 * for some exits (I/O, MMIO, MSR, hypercall) userspace writes its answer back
 * into that member before the next KVM_RUN.
 */
struct kvm_run {
	/* set by userspace */
	__u8 request_interrupt_window;
	__u8 immediate_exit;		/* return -EINTR before entering the guest */
	__u8 padding1[6];

	/* set by KVM */
	__u32 exit_reason;
	__u8 ready_for_interrupt_injection;
	__u8 if_flag;
	__u16 flags;			/* KVM_RUN_X86_* */

	/* both ways */
	__u64 cr8;
	__u64 apic_base;

	/* exit details, chosen by exit_reason */
	union {
		/* KVM_EXIT_UNKNOWN */
		struct {
			__u64 hardware_exit_reason;
		} hw;
		/* KVM_EXIT_FAIL_ENTRY */
		struct {
			__u64 hardware_entry_failure_reason;
			__u32 cpu;
		} fail_entry;
		/* KVM_EXIT_EXCEPTION */
		struct {
			__u32 exception;
			__u32 error_code;
		} ex;
		/* KVM_EXIT_IO: data is data_offset bytes from the start of this page */
		struct {
			__u8 direction;
			__u8 size;
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		/* KVM_EXIT_DEBUG */
		struct {
			struct kvm_debug_exit_arch arch;
		} debug;
		/* KVM_EXIT_MMIO */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
		} mmio;
		/* KVM_EXIT_HYPERCALL */
		struct {
			__u64 nr;
			__u64 args[6];
			__u64 ret;
			__u32 longmode;
			__u32 pad;
		} hypercall;
		/* KVM_EXIT_TPR_ACCESS */
		struct {
			__u64 rip;
			__u32 is_write;
			__u32 pad;
		} tpr_access;
		/* KVM_EXIT_S390_SIEIC */
		struct {
			__u8 icptcode;
			__u16 ipa;
			__u32 ipb;
		} s390_sieic;
		/* KVM_EXIT_S390_RESET: KVM_S390_RESET_* */
		__u64 s390_reset_flags;
		/* KVM_EXIT_S390_UCONTROL */
		struct {
			__u64 trans_exc_code;
			__u32 pgm_code;
		} s390_ucontrol;
		/* KVM_EXIT_DCR */
		struct {
			__u32 dcrn;
			__u32 data;
			__u8 is_write;
		} dcr;
		/* KVM_EXIT_INTERNAL_ERROR; ndata with KVM_CAP_INTERNAL_ERROR_DATA */
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[16];
		} internal;
		/*
		 * KVM_EXIT_INTERNAL_ERROR with suberror KVM_INTERNAL_ERROR_EMULATION:
		 * the same storage as "internal", with defined fields.  Each flag
		 * bit announces one group of 8-byte-aligned fields, counted in
		 * ndata.  Words past the defined fields are free-form debugging data.
		 */
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 flags;
			union {
				struct {
					__u8 insn_size;
					__u8 insn_bytes[15];
				};
			};
		} emulation_failure;
		/* KVM_EXIT_OSI */
		struct {
			__u64 gprs[32];
		} osi;
		/* KVM_EXIT_PAPR_HCALL */
		struct {
			__u64 nr;
			__u64 ret;
			__u64 args[9];
		} papr_hcall;
		/* KVM_EXIT_S390_TSCH */
		struct {
			__u16 subchannel_id;
			__u16 subchannel_nr;
			__u32 io_int_parm;
			__u32 io_int_word;
			__u32 ipb;
			__u8 dequeued;
		} s390_tsch;
		/* KVM_EXIT_EPR */
		struct {
			__u32 epr;
		} epr;
		/* KVM_EXIT_SYSTEM_EVENT; ndata with KVM_CAP_SYSTEM_EVENT_DATA */
		struct {
			__u32 type;
			__u32 ndata;
			union {
				__u64 flags;
				__u64 data[16];
			};
		} system_event;
		/* KVM_EXIT_S390_STSI */
		struct {
			__u64 addr;
			__u8 ar;
			__u8 reserved;
			__u8 fc;
			__u8 sel1;
			__u16 sel2;
		} s390_stsi;
		/* KVM_EXIT_IOAPIC_EOI */
		struct {
			__u8 vector;
		} eoi;
		/* KVM_EXIT_HYPERV */
		struct kvm_hyperv_exit hyperv;
		/* KVM_EXIT_ARM_NISV */
		struct {
			__u64 esr_iss;
			__u64 fault_ipa;
		} arm_nisv;
		/* KVM_EXIT_X86_RDMSR, KVM_EXIT_X86_WRMSR */
		struct {
			__u8 error;		/* in: non-zero injects #GP */
			__u8 pad[7];
			__u32 reason;		/* out: KVM_MSR_EXIT_REASON_* */
			__u32 index;		/* out */
			__u64 data;		/* out for WRMSR, in for RDMSR */
		} msr;
		/* KVM_EXIT_XEN */
		struct kvm_xen_exit xen;
		/* KVM_EXIT_RISCV_SBI */
		struct {
			unsigned long extension_id;
			unsigned long function_id;
			unsigned long args[6];
			unsigned long ret[2];
		} riscv_sbi;
		/* KVM_EXIT_RISCV_CSR */
		struct {
			unsigned long csr_num;
			unsigned long new_value;
			unsigned long write_mask;
			unsigned long ret_value;
		} riscv_csr;
		/* KVM_EXIT_NOTIFY */
		struct {
			__u32 flags;
		} notify;
		/* keeps the union at 256 bytes whatever is added */
		char padding[256];
	};

	/*
	 * Register state shared without an ioctl (KVM_CAP_SYNC_REGS).  KVM fills
	 * the classes in kvm_valid_regs on exit; userspace sets kvm_dirty_regs for
	 * the classes it changed, and KVM loads those on the next KVM_RUN.
	 */
	__u64 kvm_valid_regs;
	__u64 kvm_dirty_regs;
	union {
		struct kvm_sync_regs regs;
		char padding[SYNC_REGS_SIZE_BYTES];
	} s;
};

/* ======================================================================== */
/* Coalesced MMIO and PIO: writes batched in a ring instead of exiting      */
/* ======================================================================== */

/* A zone whose writes are batched (KVM_(UN)REGISTER_COALESCED_MMIO). */
struct kvm_coalesced_mmio_zone {
	__u64 addr;
	__u32 size;
	union {
		__u32 pad;
		__u32 pio;		/* addr is a port (KVM_CAP_COALESCED_PIO) */
	};
};

/* One batched write. */
struct kvm_coalesced_mmio {
	__u64 phys_addr;
	__u32 len;
	union {
		__u32 pad;
		__u32 pio;
	};
	__u8 data[8];
};

/* The ring, mapped from the vCPU fd at page KVM_COALESCED_MMIO_PAGE_OFFSET. */
struct kvm_coalesced_mmio_ring {
	__u32 first, last;		/* userspace consumes at first, KVM adds at last */
	__DECLARE_FLEX_ARRAY(struct kvm_coalesced_mmio, coalesced_mmio);
};

/* Entries that fit in the ring's page. */
#define KVM_COALESCED_MMIO_MAX \
	((PAGE_SIZE - sizeof(struct kvm_coalesced_mmio_ring)) / \
	 sizeof(struct kvm_coalesced_mmio))

/* ======================================================================== */
/* vCPU state and control                                                   */
/* ======================================================================== */

/* Guest virtual to guest physical translation (KVM_TRANSLATE). */
struct kvm_translation {
	__u64 linear_address;		/* in */
	__u64 physical_address;		/* out, and the rest */
	__u8 valid;
	__u8 writeable;
	__u8 usermode;
	__u8 pad[5];
};

/* Inject an external interrupt without an in-kernel irqchip (KVM_INTERRUPT). */
struct kvm_interrupt {
	__u32 irq;
};

/* Signals unblocked while the vCPU runs (KVM_SET_SIGNAL_MASK). */
struct kvm_signal_mask {
	__u32 len;			/* bytes in sigset: 8 on x86-64 */
	__DECLARE_FLEX_ARRAY(__u8, sigset);
};

/* Report guest TPR accesses as KVM_EXIT_TPR_ACCESS (KVM_TPR_ACCESS_REPORTING). */
struct kvm_tpr_access_ctl {
	__u32 enabled;
	__u32 flags;
	__u32 reserved[8];
};

/* Guest physical address of the virtual-APIC page (KVM_SET_VAPIC_ADDR). */
struct kvm_vapic_addr {
	__u64 vapic_addr;
};

/* kvm_mp_state.mp_state; each architecture accepts a subset */
#define KVM_MP_STATE_RUNNABLE		0
#define KVM_MP_STATE_UNINITIALIZED	1
#define KVM_MP_STATE_INIT_RECEIVED	2
#define KVM_MP_STATE_HALTED		3
#define KVM_MP_STATE_SIPI_RECEIVED	4
#define KVM_MP_STATE_STOPPED		5
#define KVM_MP_STATE_CHECK_STOP		6
#define KVM_MP_STATE_OPERATING		7
#define KVM_MP_STATE_LOAD		8
#define KVM_MP_STATE_AP_RESET_HOLD	9
#define KVM_MP_STATE_SUSPENDED		10

/* Multiprocessor run state (KVM_GET_MP_STATE / KVM_SET_MP_STATE). */
struct kvm_mp_state {
	__u32 mp_state;
};

/* Generic bits of kvm_guest_debug.control; the arch adds its own above 0xffff */
#define KVM_GUESTDBG_ENABLE		0x00000001
#define KVM_GUESTDBG_SINGLESTEP		0x00000002

/* Breakpoints and single-stepping for a host debugger (KVM_SET_GUEST_DEBUG). */
struct kvm_guest_debug {
	__u32 control;
	__u32 pad;
	struct kvm_guest_debug_arch arch;
};

/* Turn on a capability for a VM or a vCPU (KVM_ENABLE_CAP). */
struct kvm_enable_cap {
	__u32 cap;			/* KVM_CAP_* */
	__u32 flags;
	__u64 args[4];
	__u8 pad[64];
};

/* Machine check to inject (KVM_X86_SET_MCE). */
struct kvm_x86_mce {
	__u64 status;
	__u64 addr;
	__u64 misc;
	__u64 mcg_status;
	__u8 bank;
	__u8 pad1[7];
	__u64 pad2[3];
};

/*
 * Registers addressed by a 64-bit id (KVM_GET_ONE_REG, KVM_SET_ONE_REG,
 * KVM_GET_REG_LIST).  The id holds the architecture in bits 63:56, log2 of the
 * size in bytes in bits 55:52, and an arch-defined register number below.
 */
#define KVM_REG_ARCH_MASK	0xff00000000000000ULL
#define KVM_REG_GENERIC		0x0000000000000000ULL
#define KVM_REG_PPC		0x1000000000000000ULL
#define KVM_REG_X86		0x2000000000000000ULL
#define KVM_REG_IA64		0x3000000000000000ULL
#define KVM_REG_ARM		0x4000000000000000ULL
#define KVM_REG_S390		0x5000000000000000ULL
#define KVM_REG_ARM64		0x6000000000000000ULL
#define KVM_REG_MIPS		0x7000000000000000ULL
#define KVM_REG_RISCV		0x8000000000000000ULL

#define KVM_REG_SIZE_SHIFT	52
#define KVM_REG_SIZE_MASK	0x00f0000000000000ULL
#define KVM_REG_SIZE_U8		0x0000000000000000ULL
#define KVM_REG_SIZE_U16	0x0010000000000000ULL
#define KVM_REG_SIZE_U32	0x0020000000000000ULL
#define KVM_REG_SIZE_U64	0x0030000000000000ULL
#define KVM_REG_SIZE_U128	0x0040000000000000ULL
#define KVM_REG_SIZE_U256	0x0050000000000000ULL
#define KVM_REG_SIZE_U512	0x0060000000000000ULL
#define KVM_REG_SIZE_U1024	0x0070000000000000ULL
#define KVM_REG_SIZE_U2048	0x0080000000000000ULL

struct kvm_reg_list {
	__u64 n;			/* in: room in reg[]; out: count */
	__DECLARE_FLEX_ARRAY(__u64, reg);
};

struct kvm_one_reg {
	__u64 id;
	__u64 addr;			/* user address of the value */
};

/* ======================================================================== */
/* Interrupts                                                               */
/* ======================================================================== */

/*
 * Drive an interrupt line of the in-kernel irqchip (KVM_IRQ_LINE,
 * KVM_IRQ_LINE_STATUS).  On x86 irq is a GSI: 0-15 reach the PICs, 0-23 the
 * IOAPIC.  KVM_IRQ_LINE_STATUS returns the delivery result in status.
 */
struct kvm_irq_level {
	union {
		__u32 irq;
		__s32 status;
	};
	__u32 level;
};

/* State of one in-kernel interrupt controller (KVM_GET_IRQCHIP / KVM_SET_IRQCHIP). */
struct kvm_irqchip {
	__u32 chip_id;			/* KVM_IRQCHIP_* */
	__u32 pad;
	union {
		char dummy[512];
		struct kvm_pic_state pic;
		struct kvm_ioapic_state ioapic;
	} chip;
};

/* In-kernel PIT creation (KVM_CREATE_PIT2). */
struct kvm_pit_config {
	__u32 flags;			/* KVM_PIT_SPEAKER_DUMMY */
	__u32 pad[15];
};

/* Emulate a dummy PC speaker at port 0x61. */
#define KVM_PIT_SPEAKER_DUMMY	1

/* A message-signalled interrupt to deliver now (KVM_SIGNAL_MSI). */
#define KVM_MSI_VALID_DEVID	(1U << 0)

struct kvm_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 flags;			/* KVM_MSI_VALID_DEVID */
	__u32 devid;
	__u8 pad[12];
};

/* GSI routing (KVM_SET_GSI_ROUTING): each entry maps a GSI to a target. */
struct kvm_irq_routing_irqchip {
	__u32 irqchip;
	__u32 pin;
};

struct kvm_irq_routing_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	union {
		__u32 pad;
		__u32 devid;
	};
};

struct kvm_irq_routing_s390_adapter {
	__u64 ind_addr;
	__u64 summary_addr;
	__u64 ind_offset;
	__u32 summary_offset;
	__u32 adapter_id;
};

struct kvm_irq_routing_hv_sint {
	__u32 vcpu;
	__u32 sint;
};

struct kvm_irq_routing_xen_evtchn {
	__u32 port;
	__u32 vcpu;
	__u32 priority;
};

/* The only Xen event-channel priority supported. */
#define KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL	((__u32)(-1))

/* kvm_irq_routing_entry.type */
#define KVM_IRQ_ROUTING_IRQCHIP		1
#define KVM_IRQ_ROUTING_MSI		2
#define KVM_IRQ_ROUTING_S390_ADAPTER	3
#define KVM_IRQ_ROUTING_HV_SINT		4
#define KVM_IRQ_ROUTING_XEN_EVTCHN	5

struct kvm_irq_routing_entry {
	__u32 gsi;
	__u32 type;
	__u32 flags;
	__u32 pad;
	union {
		struct kvm_irq_routing_irqchip irqchip;
		struct kvm_irq_routing_msi msi;
		struct kvm_irq_routing_s390_adapter adapter;
		struct kvm_irq_routing_hv_sint hv_sint;
		struct kvm_irq_routing_xen_evtchn xen_evtchn;
		__u32 pad[8];
	} u;
};

struct kvm_irq_routing {
	__u32 nr;
	__u32 flags;
	__DECLARE_FLEX_ARRAY(struct kvm_irq_routing_entry, entries);
};

/*
 * An eventfd that raises a GSI when signalled (KVM_IRQFD).  In resample mode
 * (level-triggered lines) the line is lowered on guest EOI and resamplefd is
 * signalled so userspace can re-check the device.
 */
#define KVM_IRQFD_FLAG_DEASSIGN	(1 << 0)
#define KVM_IRQFD_FLAG_RESAMPLE	(1 << 1)

struct kvm_irqfd {
	__u32 fd;
	__u32 gsi;
	__u32 flags;
	__u32 resamplefd;
	__u8 pad[16];
};

/*
 * An eventfd signalled by a guest write to an address or port (KVM_IOEVENTFD),
 * optionally only when the value written matches datamatch.  The enum gives the
 * bit numbers of the flags.
 */
enum {
	kvm_ioeventfd_flag_nr_datamatch,
	kvm_ioeventfd_flag_nr_pio,
	kvm_ioeventfd_flag_nr_deassign,
	kvm_ioeventfd_flag_nr_virtio_ccw_notify,
	kvm_ioeventfd_flag_nr_fast_mmio,
	kvm_ioeventfd_flag_nr_max,
};

#define KVM_IOEVENTFD_FLAG_DATAMATCH	(1 << kvm_ioeventfd_flag_nr_datamatch)
#define KVM_IOEVENTFD_FLAG_PIO		(1 << kvm_ioeventfd_flag_nr_pio)
#define KVM_IOEVENTFD_FLAG_DEASSIGN	(1 << kvm_ioeventfd_flag_nr_deassign)
#define KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY \
	(1 << kvm_ioeventfd_flag_nr_virtio_ccw_notify)
#define KVM_IOEVENTFD_VALID_FLAG_MASK	((1 << kvm_ioeventfd_flag_nr_max) - 1)

struct kvm_ioeventfd {
	__u64 datamatch;
	__u64 addr;
	__u32 len;			/* 1, 2, 4 or 8; 0 matches any length */
	__s32 fd;
	__u32 flags;
	__u8 pad[36];
};

/* Argument bits of KVM_CAP_X2APIC_API */
#define KVM_X2APIC_API_USE_32BIT_IDS		(1ULL << 0)
#define KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK	(1ULL << 1)

/* ======================================================================== */
/* VM-wide x86 controls enabled through KVM_ENABLE_CAP                      */
/* ======================================================================== */

/* KVM_CAP_X86_DISABLE_EXITS: let the guest run these instructions unintercepted */
#define KVM_X86_DISABLE_EXITS_MWAIT	(1 << 0)
#define KVM_X86_DISABLE_EXITS_HLT	(1 << 1)
#define KVM_X86_DISABLE_EXITS_PAUSE	(1 << 2)
#define KVM_X86_DISABLE_EXITS_CSTATE	(1 << 3)
#define KVM_X86_DISABLE_VALID_EXITS	(KVM_X86_DISABLE_EXITS_MWAIT | \
					 KVM_X86_DISABLE_EXITS_HLT | \
					 KVM_X86_DISABLE_EXITS_PAUSE | \
					 KVM_X86_DISABLE_EXITS_CSTATE)

/* KVM_CAP_X86_BUS_LOCK_EXIT modes */
#define KVM_BUS_LOCK_DETECTION_OFF	(1 << 0)
#define KVM_BUS_LOCK_DETECTION_EXIT	(1 << 1)

/* KVM_CAP_PMU_CAPABILITY */
#define KVM_PMU_CAP_DISABLE		(1 << 0)

/* KVM_CAP_X86_NOTIFY_VMEXIT: bits 63:32 of the argument are the window */
#define KVM_X86_NOTIFY_VMEXIT_ENABLED	(1ULL << 0)
#define KVM_X86_NOTIFY_VMEXIT_USER	(1ULL << 1)

/* ======================================================================== */
/* kvmclock (KVM_GET_CLOCK / KVM_SET_CLOCK)                                 */
/* ======================================================================== */

/* kvm_clock_data.flags; bit 0 is never used (old KVM_CHECK_EXTENSION result) */
#define KVM_CLOCK_TSC_STABLE	2
#define KVM_CLOCK_REALTIME	(1 << 2)	/* realtime is valid */
#define KVM_CLOCK_HOST_TSC	(1 << 3)	/* host_tsc is valid */

struct kvm_clock_data {
	__u64 clock;			/* guest kvmclock, ns */
	__u32 flags;
	__u32 pad0;
	__u64 realtime;			/* host CLOCK_REALTIME at the same instant */
	__u64 host_tsc;			/* host TSC at the same instant */
	__u32 pad[4];
};

/* ======================================================================== */
/* Device API (KVM_CAP_DEVICE_CTRL)                                         */
/* ======================================================================== */

/* kvm_create_device.flags: only check that the type could be created */
#define KVM_CREATE_DEVICE_TEST	1

/* Create an in-kernel device and get an fd for it (KVM_CREATE_DEVICE). */
struct kvm_create_device {
	__u32 type;			/* in: KVM_DEV_TYPE_* */
	__u32 fd;			/* out */
	__u32 flags;			/* in: KVM_CREATE_DEVICE_TEST */
};

/* One attribute of a device, VM or vCPU (KVM_{SET,GET,HAS}_DEVICE_ATTR). */
struct kvm_device_attr {
	__u32 flags;			/* must be 0 */
	__u32 group;			/* namespace, defined by the object */
	__u64 attr;			/* attribute within the group */
	__u64 addr;			/* user address of the value */
};

/* Device types; each is also a macro so that userspace can test for it. */
enum kvm_device_type {
	KVM_DEV_TYPE_FSL_MPIC_20 = 1,
#define KVM_DEV_TYPE_FSL_MPIC_20	KVM_DEV_TYPE_FSL_MPIC_20
	KVM_DEV_TYPE_FSL_MPIC_42,
#define KVM_DEV_TYPE_FSL_MPIC_42	KVM_DEV_TYPE_FSL_MPIC_42
	KVM_DEV_TYPE_XICS,
#define KVM_DEV_TYPE_XICS		KVM_DEV_TYPE_XICS
	KVM_DEV_TYPE_VFIO,
#define KVM_DEV_TYPE_VFIO		KVM_DEV_TYPE_VFIO
	KVM_DEV_TYPE_ARM_VGIC_V2,
#define KVM_DEV_TYPE_ARM_VGIC_V2	KVM_DEV_TYPE_ARM_VGIC_V2
	KVM_DEV_TYPE_FLIC,
#define KVM_DEV_TYPE_FLIC		KVM_DEV_TYPE_FLIC
	KVM_DEV_TYPE_ARM_VGIC_V3,
#define KVM_DEV_TYPE_ARM_VGIC_V3	KVM_DEV_TYPE_ARM_VGIC_V3
	KVM_DEV_TYPE_ARM_VGIC_ITS,
#define KVM_DEV_TYPE_ARM_VGIC_ITS	KVM_DEV_TYPE_ARM_VGIC_ITS
	KVM_DEV_TYPE_XIVE,
#define KVM_DEV_TYPE_XIVE		KVM_DEV_TYPE_XIVE
	KVM_DEV_TYPE_ARM_PV_TIME,
#define KVM_DEV_TYPE_ARM_PV_TIME	KVM_DEV_TYPE_ARM_PV_TIME
	KVM_DEV_TYPE_MAX,
};

/* The KVM-VFIO pseudo device: one attribute group, for VFIO group fds. */
#define KVM_DEV_VFIO_GROUP			1
#define KVM_DEV_VFIO_GROUP_ADD			1
#define KVM_DEV_VFIO_GROUP_DEL			2
#define KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE	3

/* Value of KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE (powerpc). */
struct kvm_vfio_spapr_tce {
	__s32 groupfd;
	__s32 tablefd;
};

/* Base address of an in-kernel device (KVM_ARM_SET_DEVICE_ADDR, arm). */
struct kvm_arm_device_addr {
	__u64 id;
	__u64 addr;
};

/* ======================================================================== */
/* Xen guest support (KVM_CAP_XEN_HVM)                                      */
/* ======================================================================== */

/* kvm_xen_hvm_config.flags; also the bits KVM_CHECK_EXTENSION reports */
#define KVM_XEN_HVM_CONFIG_HYPERCALL_MSR	(1 << 0)
#define KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL	(1 << 1)
#define KVM_XEN_HVM_CONFIG_SHARED_INFO		(1 << 2)
#define KVM_XEN_HVM_CONFIG_RUNSTATE		(1 << 3)
#define KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL	(1 << 4)
#define KVM_XEN_HVM_CONFIG_EVTCHN_SEND		(1 << 5)

/* Xen-compatible hypercall page set-up (KVM_XEN_HVM_CONFIG). */
struct kvm_xen_hvm_config {
	__u32 flags;
	__u32 msr;			/* writing this MSR fills the hypercall page */
	__u64 blob_addr_32;
	__u64 blob_addr_64;
	__u8 blob_size_32;
	__u8 blob_size_64;
	__u8 pad2[30];
};

/* kvm_xen_hvm_attr.type */
#define KVM_XEN_ATTR_TYPE_LONG_MODE		0x0
#define KVM_XEN_ATTR_TYPE_SHARED_INFO		0x1
#define KVM_XEN_ATTR_TYPE_UPCALL_VECTOR		0x2
#define KVM_XEN_ATTR_TYPE_EVTCHN		0x3
#define KVM_XEN_ATTR_TYPE_XEN_VERSION		0x4

/* evtchn.flags */
#define KVM_XEN_EVTCHN_DEASSIGN		(1 << 0)
#define KVM_XEN_EVTCHN_UPDATE		(1 << 1)
#define KVM_XEN_EVTCHN_RESET		(1 << 2)

/* A VM-wide Xen attribute (KVM_XEN_HVM_GET_ATTR / KVM_XEN_HVM_SET_ATTR). */
struct kvm_xen_hvm_attr {
	__u16 type;
	__u16 pad[3];
	union {
		__u8 long_mode;
		__u8 vector;
		struct {
			__u64 gfn;
		} shared_info;
		/* an event channel the guest sends on, looped back or to an eventfd */
		struct {
			__u32 send_port;
			__u32 type;
			__u32 flags;
			union {
				struct {
					__u32 port;
					__u32 vcpu;
					__u32 priority;
				} port;
				struct {
					__u32 port;
					__s32 fd;
				} eventfd;
				__u32 padding[4];
			} deliver;
		} evtchn;
		__u32 xen_version;
		__u64 pad[8];
	} u;
};

/* kvm_xen_vcpu_attr.type */
#define KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO	0x0
#define KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO	0x1
#define KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR	0x2
#define KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT	0x3
#define KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA	0x4
#define KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST	0x5
#define KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID		0x6
#define KVM_XEN_VCPU_ATTR_TYPE_TIMER		0x7
#define KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR	0x8

/* A per-vCPU Xen attribute (KVM_XEN_VCPU_GET_ATTR / KVM_XEN_VCPU_SET_ATTR). */
struct kvm_xen_vcpu_attr {
	__u16 type;
	__u16 pad[3];
	union {
		__u64 gpa;
		__u64 pad[8];
		struct {
			__u64 state;
			__u64 state_entry_time;
			__u64 time_running;
			__u64 time_runnable;
			__u64 time_blocked;
			__u64 time_offline;
		} runstate;
		__u32 vcpu_id;
		struct {
			__u32 port;
			__u32 priority;
			__u64 expires_ns;
		} timer;
		__u8 vector;
	} u;
};

/* ======================================================================== */
/* Hyper-V guest support                                                    */
/* ======================================================================== */

/* An eventfd signalled by HvSignalEvent on a connection id (KVM_HYPERV_EVENTFD). */
#define KVM_HYPERV_CONN_ID_MASK		0x00ffffff
#define KVM_HYPERV_EVENTFD_DEASSIGN	(1 << 0)

struct kvm_hyperv_eventfd {
	__u32 conn_id;
	__s32 fd;
	__u32 flags;
	__u32 padding[3];
};

/* ======================================================================== */
/* AMD SEV: commands passed through KVM_MEMORY_ENCRYPT_OP                   */
/* ======================================================================== */

enum sev_cmd_id {
	KVM_SEV_INIT = 0,
	KVM_SEV_ES_INIT,
	KVM_SEV_LAUNCH_START,
	KVM_SEV_LAUNCH_UPDATE_DATA,
	KVM_SEV_LAUNCH_UPDATE_VMSA,
	KVM_SEV_LAUNCH_SECRET,
	KVM_SEV_LAUNCH_MEASURE,
	KVM_SEV_LAUNCH_FINISH,
	KVM_SEV_SEND_START,
	KVM_SEV_SEND_UPDATE_DATA,
	KVM_SEV_SEND_UPDATE_VMSA,
	KVM_SEV_SEND_FINISH,
	KVM_SEV_RECEIVE_START,
	KVM_SEV_RECEIVE_UPDATE_DATA,
	KVM_SEV_RECEIVE_UPDATE_VMSA,
	KVM_SEV_RECEIVE_FINISH,
	KVM_SEV_GUEST_STATUS,
	KVM_SEV_DBG_DECRYPT,
	KVM_SEV_DBG_ENCRYPT,
	KVM_SEV_CERT_EXPORT,
	KVM_SEV_GET_ATTESTATION_REPORT,
	KVM_SEV_SEND_CANCEL,
	KVM_SEV_NR_MAX,
};

/* The envelope: command id, pointer to its structure, firmware error out. */
struct kvm_sev_cmd {
	__u32 id;			/* enum sev_cmd_id */
	__u64 data;			/* user address of the command's structure */
	__u32 error;			/* firmware status */
	__u32 sev_fd;			/* open /dev/sev */
};

struct kvm_sev_launch_start {
	__u32 handle;
	__u32 policy;
	__u64 dh_uaddr;
	__u32 dh_len;
	__u64 session_uaddr;
	__u32 session_len;
};

struct kvm_sev_launch_update_data {
	__u64 uaddr;
	__u32 len;
};

struct kvm_sev_launch_secret {
	__u64 hdr_uaddr;
	__u32 hdr_len;
	__u64 guest_uaddr;
	__u32 guest_len;
	__u64 trans_uaddr;
	__u32 trans_len;
};

struct kvm_sev_launch_measure {
	__u64 uaddr;
	__u32 len;
};

struct kvm_sev_guest_status {
	__u32 handle;
	__u32 policy;
	__u32 state;
};

struct kvm_sev_dbg {
	__u64 src_uaddr;
	__u64 dst_uaddr;
	__u32 len;
};

struct kvm_sev_attestation_report {
	__u8 mnonce[16];
	__u64 uaddr;
	__u32 len;
};

struct kvm_sev_send_start {
	__u32 policy;
	__u64 pdh_cert_uaddr;
	__u32 pdh_cert_len;
	__u64 plat_certs_uaddr;
	__u32 plat_certs_len;
	__u64 amd_certs_uaddr;
	__u32 amd_certs_len;
	__u64 session_uaddr;
	__u32 session_len;
};

struct kvm_sev_send_update_data {
	__u64 hdr_uaddr;
	__u32 hdr_len;
	__u64 guest_uaddr;
	__u32 guest_len;
	__u64 trans_uaddr;
	__u32 trans_len;
};

struct kvm_sev_receive_start {
	__u32 handle;
	__u32 policy;
	__u64 pdh_uaddr;
	__u32 pdh_len;
	__u64 session_uaddr;
	__u32 session_len;
};

struct kvm_sev_receive_update_data {
	__u64 hdr_uaddr;
	__u32 hdr_len;
	__u64 guest_uaddr;
	__u32 guest_len;
	__u64 trans_uaddr;
	__u32 trans_len;
};

/* ======================================================================== */
/* Binary statistics (KVM_GET_STATS_FD)                                     */
/* ======================================================================== */

/*
 * A stats fd starts with this header.  It locates the id string, the array of
 * descriptors (each kvm_stats_desc followed by a name of name_size bytes) and
 * the data block of __u64 values.  Offsets are from the start of the fd.
 */
struct kvm_stats_header {
	__u32 flags;			/* always 0 */
	__u32 name_size;		/* bytes per name, NUL included */
	__u32 num_desc;
	__u32 id_offset;
	__u32 desc_offset;
	__u32 data_offset;
};

/* kvm_stats_desc.flags: type in bits 3:0, unit in 7:4, base in 11:8 */
#define KVM_STATS_TYPE_SHIFT		0
#define KVM_STATS_TYPE_MASK		(0xF << KVM_STATS_TYPE_SHIFT)
#define KVM_STATS_TYPE_CUMULATIVE	(0x0 << KVM_STATS_TYPE_SHIFT)
#define KVM_STATS_TYPE_INSTANT		(0x1 << KVM_STATS_TYPE_SHIFT)
#define KVM_STATS_TYPE_PEAK		(0x2 << KVM_STATS_TYPE_SHIFT)
#define KVM_STATS_TYPE_LINEAR_HIST	(0x3 << KVM_STATS_TYPE_SHIFT)
#define KVM_STATS_TYPE_LOG_HIST		(0x4 << KVM_STATS_TYPE_SHIFT)
#define KVM_STATS_TYPE_MAX		KVM_STATS_TYPE_LOG_HIST

#define KVM_STATS_UNIT_SHIFT		4
#define KVM_STATS_UNIT_MASK		(0xF << KVM_STATS_UNIT_SHIFT)
#define KVM_STATS_UNIT_NONE		(0x0 << KVM_STATS_UNIT_SHIFT)
#define KVM_STATS_UNIT_BYTES		(0x1 << KVM_STATS_UNIT_SHIFT)
#define KVM_STATS_UNIT_SECONDS		(0x2 << KVM_STATS_UNIT_SHIFT)
#define KVM_STATS_UNIT_CYCLES		(0x3 << KVM_STATS_UNIT_SHIFT)
#define KVM_STATS_UNIT_BOOLEAN		(0x4 << KVM_STATS_UNIT_SHIFT)
#define KVM_STATS_UNIT_MAX		KVM_STATS_UNIT_BOOLEAN

#define KVM_STATS_BASE_SHIFT		8
#define KVM_STATS_BASE_MASK		(0xF << KVM_STATS_BASE_SHIFT)
#define KVM_STATS_BASE_POW10		(0x0 << KVM_STATS_BASE_SHIFT)
#define KVM_STATS_BASE_POW2		(0x1 << KVM_STATS_BASE_SHIFT)
#define KVM_STATS_BASE_MAX		KVM_STATS_BASE_POW2

/* One statistic: value = data * base^exponent, in the given unit. */
struct kvm_stats_desc {
	__u32 flags;
	__s16 exponent;
	__u16 size;			/* number of __u64 values */
	__u32 offset;			/* of the first value inside the data block */
	__u32 bucket_size;		/* linear histograms only */
	__DECLARE_FLEX_ARRAY(char, name);
};

/* ======================================================================== */
/* s390                                                                     */
/* ======================================================================== */

#define KVM_S390_SIE_PAGE_OFFSET	1	/* vCPU mmap page of the SIE block */

/* Storage keys (KVM_S390_GET_SKEYS / KVM_S390_SET_SKEYS). */
#define KVM_S390_GET_SKEYS_NONE		1
#define KVM_S390_SKEYS_MAX		1048576

struct kvm_s390_skeys {
	__u64 start_gfn;
	__u64 count;
	__u64 skeydata_addr;
	__u32 flags;
	__u32 reserved[9];
};

/* Collaborative memory management attributes for migration (KVM_S390_{G,S}ET_CMMA_BITS). */
#define KVM_S390_CMMA_PEEK	(1 << 0)

struct kvm_s390_cmma_log {
	__u64 start_gfn;
	__u32 count;
	__u32 flags;
	union {
		__u64 remaining;	/* get: dirty pages left */
		__u64 mask;		/* set: bits to change */
	};
	__u64 values;
};

/* Guest memory access through the MMU of a vCPU or VM (KVM_S390_MEM_OP). */
struct kvm_s390_mem_op {
	__u64 gaddr;
	__u64 flags;
	__u32 size;
	__u32 op;
	__u64 buf;
	union {
		struct {
			__u8 ar;
			__u8 key;
		};
		__u32 sida_offset;
		__u8 reserved[32];
	};
};

/* kvm_s390_mem_op.op */
#define KVM_S390_MEMOP_LOGICAL_READ	0
#define KVM_S390_MEMOP_LOGICAL_WRITE	1
#define KVM_S390_MEMOP_SIDA_READ	2
#define KVM_S390_MEMOP_SIDA_WRITE	3
#define KVM_S390_MEMOP_ABSOLUTE_READ	4
#define KVM_S390_MEMOP_ABSOLUTE_WRITE	5

/* kvm_s390_mem_op.flags */
#define KVM_S390_MEMOP_F_CHECK_ONLY		(1ULL << 0)
#define KVM_S390_MEMOP_F_INJECT_EXCEPTION	(1ULL << 1)
#define KVM_S390_MEMOP_F_SKEY_PROTECTION	(1ULL << 2)

/* Program status word (KVM_S390_SET_INITIAL_PSW). */
struct kvm_s390_psw {
	__u64 mask;
	__u64 addr;
};

/* Interrupt types; everything below KVM_S390_SIGP_STOP is an I/O interrupt. */
#define KVM_S390_SIGP_STOP		0xfffe0000u
#define KVM_S390_PROGRAM_INT		0xfffe0001u
#define KVM_S390_SIGP_SET_PREFIX	0xfffe0002u
#define KVM_S390_RESTART		0xfffe0003u
#define KVM_S390_INT_PFAULT_INIT	0xfffe0004u
#define KVM_S390_INT_PFAULT_DONE	0xfffe0005u
#define KVM_S390_MCHK			0xfffe1000u
#define KVM_S390_INT_CLOCK_COMP		0xffff1004u
#define KVM_S390_INT_CPU_TIMER		0xffff1005u
#define KVM_S390_INT_VIRTIO		0xffff2603u
#define KVM_S390_INT_SERVICE		0xffff2401u
#define KVM_S390_INT_EMERGENCY		0xffff1201u
#define KVM_S390_INT_EXTERNAL_CALL	0xffff1202u

#define KVM_S390_INT_IO(ai, cssid, ssid, schid) \
	(((schid)) | ((ssid) << 16) | ((cssid) << 18) | ((ai) << 26))
#define KVM_S390_INT_IO_MIN		0x00000000u
#define KVM_S390_INT_IO_MAX		0xfffdffffu
#define KVM_S390_INT_IO_AI_MASK		0x04000000u

/* Old-style interrupt injection (KVM_S390_INTERRUPT). */
struct kvm_s390_interrupt {
	__u32 type;
	__u32 parm;
	__u64 parm64;
};

/* Payloads of struct kvm_s390_irq, by interrupt type. */
struct kvm_s390_io_info {
	__u16 subchannel_id;
	__u16 subchannel_nr;
	__u32 io_int_parm;
	__u32 io_int_word;
};

struct kvm_s390_ext_info {
	__u32 ext_params;
	__u32 pad;
	__u64 ext_params2;
};

/* kvm_s390_pgm_info.flags */
#define KVM_S390_PGM_FLAGS_ILC_VALID	0x01
#define KVM_S390_PGM_FLAGS_ILC_0	0x02
#define KVM_S390_PGM_FLAGS_ILC_1	0x04
#define KVM_S390_PGM_FLAGS_ILC_MASK	0x06
#define KVM_S390_PGM_FLAGS_NO_REWIND	0x08

struct kvm_s390_pgm_info {
	__u64 trans_exc_code;
	__u64 mon_code;
	__u64 per_address;
	__u32 data_exc_code;
	__u16 code;
	__u16 mon_class_nr;
	__u8 per_code;
	__u8 per_atmid;
	__u8 exc_access_id;
	__u8 per_access_id;
	__u8 op_access_id;
	__u8 flags;
	__u8 pad[2];
};

struct kvm_s390_prefix_info {
	__u32 address;
};

struct kvm_s390_extcall_info {
	__u16 code;
};

struct kvm_s390_emerg_info {
	__u16 code;
};

#define KVM_S390_STOP_FLAG_STORE_STATUS	0x01

struct kvm_s390_stop_info {
	__u32 flags;
};

struct kvm_s390_mchk_info {
	__u64 cr14;
	__u64 mcic;
	__u64 failing_storage_address;
	__u32 ext_damage_code;
	__u32 pad;
	__u8 fixed_logout[16];
};

/* Interrupt injection (KVM_S390_IRQ). */
struct kvm_s390_irq {
	__u64 type;
	union {
		struct kvm_s390_io_info io;
		struct kvm_s390_ext_info ext;
		struct kvm_s390_pgm_info pgm;
		struct kvm_s390_emerg_info emerg;
		struct kvm_s390_extcall_info extcall;
		struct kvm_s390_prefix_info prefix;
		struct kvm_s390_stop_info stop;
		struct kvm_s390_mchk_info mchk;
		char reserved[64];
	} u;
};

/* Buffer of pending interrupts (KVM_S390_{G,S}ET_IRQ_STATE). */
struct kvm_s390_irq_state {
	__u64 buf;
	__u32 flags;			/* unused */
	__u32 len;
	__u32 reserved[4];		/* unused */
};

/* Mapping for a user-controlled VM (KVM_S390_UCAS_MAP / _UNMAP). */
struct kvm_s390_ucas_mapping {
	__u64 user_addr;
	__u64 vcpu_addr;
	__u64 length;
};

/* Special addresses for KVM_S390_STORE_STATUS */
#define KVM_S390_STORE_STATUS_NOADDR	(-1ul)
#define KVM_S390_STORE_STATUS_PREFIXED	(-2ul)

/* Protected virtualisation (KVM_S390_PV_COMMAND, KVM_S390_PV_CPU_COMMAND). */
struct kvm_s390_pv_sec_parm {
	__u64 origin;
	__u64 length;
};

struct kvm_s390_pv_unp {
	__u64 addr;
	__u64 size;
	__u64 tweak;
};

enum pv_cmd_dmp_id {
	KVM_PV_DUMP_INIT,
	KVM_PV_DUMP_CONFIG_STOR_STATE,
	KVM_PV_DUMP_COMPLETE,
	KVM_PV_DUMP_CPU,
};

struct kvm_s390_pv_dmp {
	__u64 subcmd;
	__u64 buff_addr;
	__u64 buff_len;
	__u64 gaddr;
	__u64 reserved[4];
};

enum pv_cmd_info_id {
	KVM_PV_INFO_VM,
	KVM_PV_INFO_DUMP,
};

struct kvm_s390_pv_info_dump {
	__u64 dump_cpu_buffer_len;
	__u64 dump_config_mem_buffer_per_1m;
	__u64 dump_config_finalize_len;
};

struct kvm_s390_pv_info_vm {
	__u64 inst_calls_list[4];
	__u64 max_cpus;
	__u64 max_guests;
	__u64 max_guest_addr;
	__u64 feature_indication;
};

struct kvm_s390_pv_info_header {
	__u32 id;
	__u32 len_max;
	__u32 len_written;
	__u32 reserved;
};

struct kvm_s390_pv_info {
	struct kvm_s390_pv_info_header header;
	union {
		struct kvm_s390_pv_info_dump dump;
		struct kvm_s390_pv_info_vm vm;
	};
};

enum pv_cmd_id {
	KVM_PV_ENABLE,
	KVM_PV_DISABLE,
	KVM_PV_SET_SEC_PARMS,
	KVM_PV_UNPACK,
	KVM_PV_VERIFY,
	KVM_PV_PREP_RESET,
	KVM_PV_UNSHARE_ALL,
	KVM_PV_INFO,
	KVM_PV_DUMP,
};

struct kvm_pv_cmd {
	__u32 cmd;			/* enum pv_cmd_id */
	__u16 rc;			/* ultravisor return code */
	__u16 rrc;			/* ultravisor reason code */
	__u64 data;
	__u32 flags;			/* must be 0 */
	__u32 reserved[3];
};

/* zPCI interpretation controls (KVM_S390_ZPCI_OP). */
#define KVM_S390_ZPCIOP_REG_AEN		0
#define KVM_S390_ZPCIOP_DEREG_AEN	1

#define KVM_S390_ZPCIOP_REGAEN_HOST	(1 << 0)

struct kvm_s390_zpci_op {
	__u32 fh;			/* function handle */
	__u8 op;			/* KVM_S390_ZPCIOP_* */
	__u8 pad[3];
	union {
		/* KVM_S390_ZPCIOP_REG_AEN: adapter event notification */
		struct {
			__u64 ibv;
			__u64 sb;
			__u32 flags;
			__u32 noi;
			__u8 isc;
			__u8 sbo;
			__u16 pad;
		} reg_aen;
		__u64 reserved[8];
	} u;
};

/* ======================================================================== */
/* powerpc                                                                  */
/* ======================================================================== */

/* Paravirtualisation details (KVM_PPC_GET_PVINFO). */
#define KVM_PPC_PVINFO_FLAGS_EV_IDLE	(1 << 0)

struct kvm_ppc_pvinfo {
	__u32 flags;
	__u32 hcall[4];			/* instructions of the hypercall sequence */
	__u8 pad[108];
};

/* Segment and page sizes of the guest MMU (KVM_PPC_GET_SMMU_INFO). */
#define KVM_PPC_PAGE_SIZES_MAX_SZ	8

struct kvm_ppc_one_page_size {
	__u32 page_shift;
	__u32 pte_enc;
};

struct kvm_ppc_one_seg_page_size {
	__u32 page_shift;
	__u32 slb_enc;
	struct kvm_ppc_one_page_size enc[KVM_PPC_PAGE_SIZES_MAX_SZ];
};

/* kvm_ppc_smmu_info.flags */
#define KVM_PPC_PAGE_SIZES_REAL		0x00000001
#define KVM_PPC_1T_SEGMENTS		0x00000002
#define KVM_PPC_NO_HASH			0x00000004

struct kvm_ppc_smmu_info {
	__u64 flags;
	__u32 slb_size;
	__u16 data_keys;
	__u16 instr_keys;
	struct kvm_ppc_one_seg_page_size sps[KVM_PPC_PAGE_SIZES_MAX_SZ];
};

/* Hash page table resizing (KVM_PPC_RESIZE_HPT_PREPARE / _COMMIT). */
struct kvm_ppc_resize_hpt {
	__u64 flags;
	__u32 shift;
	__u32 pad;
};

/* Software-managed TLB of Book E cores (KVM_CAP_SW_TLB, KVM_DIRTY_TLB). */
#define KVM_MMU_FSL_BOOKE_NOHV		0
#define KVM_MMU_FSL_BOOKE_HV		1

struct kvm_config_tlb {
	__u64 params;
	__u64 array;
	__u32 mmu_type;
	__u32 array_len;
};

struct kvm_dirty_tlb {
	__u64 bitmap;
	__u32 num_dirty;
};

/* ======================================================================== */
/* arm                                                                      */
/* ======================================================================== */

/* KVM_CAP_ARM_USER_IRQ: bits of the arm sync-regs device_irq_level */
#define KVM_ARM_DEV_EL1_VTIMER		(1 << 0)
#define KVM_ARM_DEV_EL1_PTIMER		(1 << 1)
#define KVM_ARM_DEV_PMU			(1 << 2)

/* ======================================================================== */
/* Legacy interfaces, kept because their numbers and layouts stay reserved  */
/* ======================================================================== */

/* The trace interface removed in 2.6.35: event ids and the set-up structure. */
#define KVM_TRC_SHIFT		16
#define KVM_TRC_ENTRYEXIT	(1 << KVM_TRC_SHIFT)
#define KVM_TRC_HANDLER		(1 << (KVM_TRC_SHIFT + 1))

#define KVM_TRC_VMENTRY		(KVM_TRC_ENTRYEXIT + 0x01)
#define KVM_TRC_VMEXIT		(KVM_TRC_ENTRYEXIT + 0x02)
#define KVM_TRC_PAGE_FAULT	(KVM_TRC_HANDLER + 0x01)

#define KVM_TRC_HEAD_SIZE	12
#define KVM_TRC_CYCLE_SIZE	8
#define KVM_TRC_EXTRA_MAX	7

#define KVM_TRC_INJ_VIRQ	(KVM_TRC_HANDLER + 0x02)
#define KVM_TRC_REDELIVER_EVT	(KVM_TRC_HANDLER + 0x03)
#define KVM_TRC_PEND_INTR	(KVM_TRC_HANDLER + 0x04)
#define KVM_TRC_IO_READ		(KVM_TRC_HANDLER + 0x05)
#define KVM_TRC_IO_WRITE	(KVM_TRC_HANDLER + 0x06)
#define KVM_TRC_CR_READ		(KVM_TRC_HANDLER + 0x07)
#define KVM_TRC_CR_WRITE	(KVM_TRC_HANDLER + 0x08)
#define KVM_TRC_DR_READ		(KVM_TRC_HANDLER + 0x09)
#define KVM_TRC_DR_WRITE	(KVM_TRC_HANDLER + 0x0A)
#define KVM_TRC_MSR_READ	(KVM_TRC_HANDLER + 0x0B)
#define KVM_TRC_MSR_WRITE	(KVM_TRC_HANDLER + 0x0C)
#define KVM_TRC_CPUID		(KVM_TRC_HANDLER + 0x0D)
#define KVM_TRC_INTR		(KVM_TRC_HANDLER + 0x0E)
#define KVM_TRC_NMI		(KVM_TRC_HANDLER + 0x0F)
#define KVM_TRC_VMMCALL		(KVM_TRC_HANDLER + 0x10)
#define KVM_TRC_HLT		(KVM_TRC_HANDLER + 0x11)
#define KVM_TRC_CLTS		(KVM_TRC_HANDLER + 0x12)
#define KVM_TRC_LMSW		(KVM_TRC_HANDLER + 0x13)
#define KVM_TRC_APIC_ACCESS	(KVM_TRC_HANDLER + 0x14)
#define KVM_TRC_TDP_FAULT	(KVM_TRC_HANDLER + 0x15)
#define KVM_TRC_GTLB_WRITE	(KVM_TRC_HANDLER + 0x16)
#define KVM_TRC_STLB_WRITE	(KVM_TRC_HANDLER + 0x17)
#define KVM_TRC_STLB_INVAL	(KVM_TRC_HANDLER + 0x18)
#define KVM_TRC_PPC_INSTR	(KVM_TRC_HANDLER + 0x19)

struct kvm_user_trace_setup {
	__u32 buf_size;
	__u32 buf_nr;
};

/* The old debugging interface, replaced by KVM_SET_GUEST_DEBUG. */
struct kvm_breakpoint {
	__u32 enabled;
	__u32 padding;
	__u64 address;
};

struct kvm_debug_guest {
	__u32 enabled;
	__u32 pad;
	struct kvm_breakpoint breakpoints[4];
	__u32 singlestep;
};

/* Numbers of removed ioctls; the public names below refer to these. */
#define __KVM_DEPRECATED_MAIN_W_0x06	_IOW(KVMIO, 0x06, struct kvm_user_trace_setup)
#define __KVM_DEPRECATED_MAIN_0x07	_IO(KVMIO, 0x07)
#define __KVM_DEPRECATED_MAIN_0x08	_IO(KVMIO, 0x08)
#define __KVM_DEPRECATED_VM_R_0x70	_IOR(KVMIO, 0x70, struct kvm_assigned_irq)
#define __KVM_DEPRECATED_VCPU_W_0x87	_IOW(KVMIO, 0x87, struct kvm_debug_guest)

/* In-kernel PCI device assignment, removed in 4.12 in favour of VFIO. */
#define KVM_DEV_ASSIGN_ENABLE_IOMMU	(1 << 0)
#define KVM_DEV_ASSIGN_PCI_2_3		(1 << 1)
#define KVM_DEV_ASSIGN_MASK_INTX	(1 << 2)

struct kvm_assigned_pci_dev {
	__u32 assigned_dev_id;
	__u32 busnr;
	__u32 devfn;
	__u32 flags;
	__u32 segnr;
	union {
		__u32 reserved[11];
	};
};

#define KVM_DEV_IRQ_HOST_INTX	(1 << 0)
#define KVM_DEV_IRQ_HOST_MSI	(1 << 1)
#define KVM_DEV_IRQ_HOST_MSIX	(1 << 2)

#define KVM_DEV_IRQ_GUEST_INTX	(1 << 8)
#define KVM_DEV_IRQ_GUEST_MSI	(1 << 9)
#define KVM_DEV_IRQ_GUEST_MSIX	(1 << 10)

#define KVM_DEV_IRQ_HOST_MASK	0x00ff
#define KVM_DEV_IRQ_GUEST_MASK	0xff00

struct kvm_assigned_irq {
	__u32 assigned_dev_id;
	__u32 host_irq;
	__u32 guest_irq;
	__u32 flags;
	union {
		__u32 reserved[12];
	};
};

struct kvm_assigned_msix_nr {
	__u32 assigned_dev_id;
	__u16 entry_nr;
	__u16 padding;
};

#define KVM_MAX_MSIX_PER_DEV	256

struct kvm_assigned_msix_entry {
	__u32 assigned_dev_id;
	__u32 gsi;
	__u16 entry;			/* index in the device's MSI-X table */
	__u16 padding[3];
};

/* ======================================================================== */
/* Capabilities: arguments of KVM_CHECK_EXTENSION and KVM_ENABLE_CAP        */
/* ======================================================================== */

#define KVM_CAP_IRQCHIP				0
#define KVM_CAP_HLT				1
#define KVM_CAP_MMU_SHADOW_CACHE_CONTROL	2
#define KVM_CAP_USER_MEMORY			3
#define KVM_CAP_SET_TSS_ADDR			4
#define KVM_CAP_VAPIC				6
#define KVM_CAP_EXT_CPUID			7
#define KVM_CAP_CLOCKSOURCE			8
#define KVM_CAP_NR_VCPUS			9	/* recommended vCPU count */
#define KVM_CAP_NR_MEMSLOTS			10
#define KVM_CAP_PIT				11
#define KVM_CAP_NOP_IO_DELAY			12
#define KVM_CAP_PV_MMU				13
#define KVM_CAP_MP_STATE			14
#define KVM_CAP_COALESCED_MMIO			15	/* returns the ring's page offset */
#define KVM_CAP_SYNC_MMU			16
#define KVM_CAP_IOMMU				18
#define KVM_CAP_DESTROY_MEMORY_REGION_WORKS	21
#define KVM_CAP_USER_NMI			22
#define KVM_CAP_SET_GUEST_DEBUG			23
#define KVM_CAP_REINJECT_CONTROL		24
#define KVM_CAP_IRQ_ROUTING			25
#define KVM_CAP_IRQ_INJECT_STATUS		26
#define KVM_CAP_ASSIGN_DEV_IRQ			29
#define KVM_CAP_JOIN_MEMORY_REGIONS_WORKS	30
#define KVM_CAP_MCE				31
#define KVM_CAP_IRQFD				32
#define KVM_CAP_PIT2				33
#define KVM_CAP_SET_BOOT_CPU_ID			34
#define KVM_CAP_PIT_STATE2			35
#define KVM_CAP_IOEVENTFD			36
#define KVM_CAP_SET_IDENTITY_MAP_ADDR		37
#define KVM_CAP_XEN_HVM				38
#define KVM_CAP_ADJUST_CLOCK			39
#define KVM_CAP_INTERNAL_ERROR_DATA		40
#define KVM_CAP_VCPU_EVENTS			41
#define KVM_CAP_S390_PSW			42
#define KVM_CAP_PPC_SEGSTATE			43
#define KVM_CAP_HYPERV				44
#define KVM_CAP_HYPERV_VAPIC			45
#define KVM_CAP_HYPERV_SPIN			46
#define KVM_CAP_PCI_SEGMENT			47
#define KVM_CAP_PPC_PAIRED_SINGLES		48
#define KVM_CAP_INTR_SHADOW			49
#define KVM_CAP_DEBUGREGS			50
#define KVM_CAP_X86_ROBUST_SINGLESTEP		51
#define KVM_CAP_PPC_OSI				52
#define KVM_CAP_PPC_UNSET_IRQ			53
#define KVM_CAP_ENABLE_CAP			54
#define KVM_CAP_XSAVE				55
#define KVM_CAP_XCRS				56
#define KVM_CAP_PPC_GET_PVINFO			57
#define KVM_CAP_PPC_IRQ_LEVEL			58
#define KVM_CAP_ASYNC_PF			59
#define KVM_CAP_TSC_CONTROL			60
#define KVM_CAP_GET_TSC_KHZ			61
#define KVM_CAP_PPC_BOOKE_SREGS			62
#define KVM_CAP_SPAPR_TCE			63
#define KVM_CAP_PPC_SMT				64
#define KVM_CAP_PPC_RMA				65
#define KVM_CAP_MAX_VCPUS			66	/* hard vCPU limit */
#define KVM_CAP_PPC_HIOR			67
#define KVM_CAP_PPC_PAPR			68
#define KVM_CAP_SW_TLB				69
#define KVM_CAP_ONE_REG				70
#define KVM_CAP_S390_GMAP			71
#define KVM_CAP_TSC_DEADLINE_TIMER		72
#define KVM_CAP_S390_UCONTROL			73
#define KVM_CAP_SYNC_REGS			74
#define KVM_CAP_PCI_2_3				75
#define KVM_CAP_KVMCLOCK_CTRL			76
#define KVM_CAP_SIGNAL_MSI			77
#define KVM_CAP_PPC_GET_SMMU_INFO		78
#define KVM_CAP_S390_COW			79
#define KVM_CAP_PPC_ALLOC_HTAB			80
#define KVM_CAP_READONLY_MEM			81
#define KVM_CAP_IRQFD_RESAMPLE			82
#define KVM_CAP_PPC_BOOKE_WATCHDOG		83
#define KVM_CAP_PPC_HTAB_FD			84
#define KVM_CAP_S390_CSS_SUPPORT		85
#define KVM_CAP_PPC_EPR				86
#define KVM_CAP_ARM_PSCI			87
#define KVM_CAP_ARM_SET_DEVICE_ADDR		88
#define KVM_CAP_DEVICE_CTRL			89
#define KVM_CAP_IRQ_MPIC			90
#define KVM_CAP_PPC_RTAS			91
#define KVM_CAP_IRQ_XICS			92
#define KVM_CAP_ARM_EL1_32BIT			93
#define KVM_CAP_SPAPR_MULTITCE			94
#define KVM_CAP_EXT_EMUL_CPUID			95
#define KVM_CAP_HYPERV_TIME			96
#define KVM_CAP_IOAPIC_POLARITY_IGNORED		97
#define KVM_CAP_ENABLE_CAP_VM			98
#define KVM_CAP_S390_IRQCHIP			99
#define KVM_CAP_IOEVENTFD_NO_LENGTH		100
#define KVM_CAP_VM_ATTRIBUTES			101
#define KVM_CAP_ARM_PSCI_0_2			102
#define KVM_CAP_PPC_FIXUP_HCALL			103
#define KVM_CAP_PPC_ENABLE_HCALL		104
#define KVM_CAP_CHECK_EXTENSION_VM		105
#define KVM_CAP_S390_USER_SIGP			106
#define KVM_CAP_S390_VECTOR_REGISTERS		107
#define KVM_CAP_S390_MEM_OP			108
#define KVM_CAP_S390_USER_STSI			109
#define KVM_CAP_S390_SKEYS			110
#define KVM_CAP_MIPS_FPU			111
#define KVM_CAP_MIPS_MSA			112
#define KVM_CAP_S390_INJECT_IRQ			113
#define KVM_CAP_S390_IRQ_STATE			114
#define KVM_CAP_PPC_HWRNG			115
#define KVM_CAP_DISABLE_QUIRKS			116
#define KVM_CAP_X86_SMM				117
#define KVM_CAP_MULTI_ADDRESS_SPACE		118
#define KVM_CAP_GUEST_DEBUG_HW_BPS		119
#define KVM_CAP_GUEST_DEBUG_HW_WPS		120
#define KVM_CAP_SPLIT_IRQCHIP			121
#define KVM_CAP_IOEVENTFD_ANY_LENGTH		122
#define KVM_CAP_HYPERV_SYNIC			123
#define KVM_CAP_S390_RI				124
#define KVM_CAP_SPAPR_TCE_64			125
#define KVM_CAP_ARM_PMU_V3			126
#define KVM_CAP_VCPU_ATTRIBUTES			127
#define KVM_CAP_MAX_VCPU_ID			128
#define KVM_CAP_X2APIC_API			129
#define KVM_CAP_S390_USER_INSTR0		130
#define KVM_CAP_MSI_DEVID			131
#define KVM_CAP_PPC_HTM				132
#define KVM_CAP_SPAPR_RESIZE_HPT		133
#define KVM_CAP_PPC_MMU_RADIX			134
#define KVM_CAP_PPC_MMU_HASH_V3			135
#define KVM_CAP_IMMEDIATE_EXIT			136
#define KVM_CAP_MIPS_VZ				137
#define KVM_CAP_MIPS_TE				138
#define KVM_CAP_MIPS_64BIT			139
#define KVM_CAP_S390_GS				140
#define KVM_CAP_S390_AIS			141
#define KVM_CAP_SPAPR_TCE_VFIO			142
#define KVM_CAP_X86_DISABLE_EXITS		143
#define KVM_CAP_ARM_USER_IRQ			144
#define KVM_CAP_S390_CMMA_MIGRATION		145
#define KVM_CAP_PPC_FWNMI			146
#define KVM_CAP_PPC_SMT_POSSIBLE		147
#define KVM_CAP_HYPERV_SYNIC2			148
#define KVM_CAP_HYPERV_VP_INDEX			149
#define KVM_CAP_S390_AIS_MIGRATION		150
#define KVM_CAP_PPC_GET_CPU_CHAR		151
#define KVM_CAP_S390_BPB			152
#define KVM_CAP_GET_MSR_FEATURES		153
#define KVM_CAP_HYPERV_EVENTFD			154
#define KVM_CAP_HYPERV_TLBFLUSH			155
#define KVM_CAP_S390_HPAGE_1M			156
#define KVM_CAP_NESTED_STATE			157
#define KVM_CAP_ARM_INJECT_SERROR_ESR		158
#define KVM_CAP_MSR_PLATFORM_INFO		159
#define KVM_CAP_PPC_NESTED_HV			160
#define KVM_CAP_HYPERV_SEND_IPI			161
#define KVM_CAP_COALESCED_PIO			162
#define KVM_CAP_HYPERV_ENLIGHTENED_VMCS		163
#define KVM_CAP_EXCEPTION_PAYLOAD		164
#define KVM_CAP_ARM_VM_IPA_SIZE			165
#define KVM_CAP_MANUAL_DIRTY_LOG_PROTECT	166	/* superseded by ..._PROTECT2 */
#define KVM_CAP_HYPERV_CPUID			167
#define KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2	168
#define KVM_CAP_PPC_IRQ_XIVE			169
#define KVM_CAP_ARM_SVE				170
#define KVM_CAP_ARM_PTRAUTH_ADDRESS		171
#define KVM_CAP_ARM_PTRAUTH_GENERIC		172
#define KVM_CAP_PMU_EVENT_FILTER		173
#define KVM_CAP_ARM_IRQ_LINE_LAYOUT_2		174
#define KVM_CAP_HYPERV_DIRECT_TLBFLUSH		175
#define KVM_CAP_PPC_GUEST_DEBUG_SSTEP		176
#define KVM_CAP_ARM_NISV_TO_USER		177
#define KVM_CAP_ARM_INJECT_EXT_DABT		178
#define KVM_CAP_S390_VCPU_RESETS		179
#define KVM_CAP_S390_PROTECTED			180
#define KVM_CAP_PPC_SECURE_GUEST		181
#define KVM_CAP_HALT_POLL			182
#define KVM_CAP_ASYNC_PF_INT			183
#define KVM_CAP_LAST_CPU			184
#define KVM_CAP_SMALLER_MAXPHYADDR		185
#define KVM_CAP_S390_DIAG318			186
#define KVM_CAP_STEAL_TIME			187
#define KVM_CAP_X86_USER_SPACE_MSR		188
#define KVM_CAP_X86_MSR_FILTER			189
#define KVM_CAP_ENFORCE_PV_FEATURE_CPUID	190
#define KVM_CAP_SYS_HYPERV_CPUID		191
#define KVM_CAP_DIRTY_LOG_RING			192
#define KVM_CAP_X86_BUS_LOCK_EXIT		193
#define KVM_CAP_PPC_DAWR1			194
#define KVM_CAP_SET_GUEST_DEBUG2		195
#define KVM_CAP_SGX_ATTRIBUTE			196
#define KVM_CAP_VM_COPY_ENC_CONTEXT_FROM	197
#define KVM_CAP_PTP_KVM				198
#define KVM_CAP_HYPERV_ENFORCE_CPUID		199
#define KVM_CAP_SREGS2				200
#define KVM_CAP_EXIT_HYPERCALL			201
#define KVM_CAP_PPC_RPT_INVALIDATE		202
#define KVM_CAP_BINARY_STATS_FD			203
#define KVM_CAP_EXIT_ON_EMULATION_FAILURE	204
#define KVM_CAP_ARM_MTE				205
#define KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM	206
#define KVM_CAP_VM_GPA_BITS			207
#define KVM_CAP_XSAVE2				208
#define KVM_CAP_SYS_ATTRIBUTES			209
#define KVM_CAP_PPC_AIL_MODE_3			210
#define KVM_CAP_S390_MEM_OP_EXTENSION		211
#define KVM_CAP_PMU_CAPABILITY			212
#define KVM_CAP_DISABLE_QUIRKS2			213
#define KVM_CAP_VM_TSC_CONTROL			214
#define KVM_CAP_SYSTEM_EVENT_DATA		215
#define KVM_CAP_ARM_SYSTEM_SUSPEND		216
#define KVM_CAP_S390_PROTECTED_DUMP		217
#define KVM_CAP_X86_TRIPLE_FAULT_EVENT		218
#define KVM_CAP_X86_NOTIFY_VMEXIT		219
#define KVM_CAP_VM_DISABLE_NX_HUGE_PAGES	220
#define KVM_CAP_S390_ZPCI_OP			221
#define KVM_CAP_S390_CPU_TOPOLOGY		222
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL		223

/* ======================================================================== */
/* ioctls on the /dev/kvm fd                                                */
/* ======================================================================== */

#define KVM_GET_API_VERSION		_IO(KVMIO, 0x00)
#define KVM_CREATE_VM			_IO(KVMIO, 0x01)	/* arg: VM type; returns a VM fd */
#define KVM_GET_MSR_INDEX_LIST		_IOWR(KVMIO, 0x02, struct kvm_msr_list)
#define KVM_CHECK_EXTENSION		_IO(KVMIO, 0x03)	/* also on a VM fd */
#define KVM_GET_VCPU_MMAP_SIZE		_IO(KVMIO, 0x04)
#define KVM_GET_SUPPORTED_CPUID		_IOWR(KVMIO, 0x05, struct kvm_cpuid2)
#define KVM_S390_ENABLE_SIE		_IO(KVMIO, 0x06)
#define KVM_TRACE_ENABLE		__KVM_DEPRECATED_MAIN_W_0x06
#define KVM_TRACE_PAUSE			__KVM_DEPRECATED_MAIN_0x07
#define KVM_TRACE_DISABLE		__KVM_DEPRECATED_MAIN_0x08
#define KVM_GET_EMULATED_CPUID		_IOWR(KVMIO, 0x09, struct kvm_cpuid2)
#define KVM_GET_MSR_FEATURE_INDEX_LIST	_IOWR(KVMIO, 0x0a, struct kvm_msr_list)

/* ======================================================================== */
/* ioctls on a VM fd                                                        */
/* ======================================================================== */

/* Memory */
#define KVM_SET_MEMORY_REGION		_IOW(KVMIO, 0x40, struct kvm_memory_region)
/* KVM_CREATE_VCPU takes the vCPU id and returns a vCPU fd. */
#define KVM_CREATE_VCPU			_IO(KVMIO, 0x41)
#define KVM_GET_DIRTY_LOG		_IOW(KVMIO, 0x42, struct kvm_dirty_log)
#define KVM_SET_MEMORY_ALIAS		_IOW(KVMIO, 0x43, struct kvm_memory_alias)
#define KVM_SET_NR_MMU_PAGES		_IO(KVMIO, 0x44)
#define KVM_GET_NR_MMU_PAGES		_IO(KVMIO, 0x45)
#define KVM_SET_USER_MEMORY_REGION	_IOW(KVMIO, 0x46, struct kvm_userspace_memory_region)
#define KVM_SET_TSS_ADDR		_IO(KVMIO, 0x47)
#define KVM_SET_IDENTITY_MAP_ADDR	_IOW(KVMIO, 0x48, __u64)

/* s390 user-controlled VMs */
#define KVM_S390_UCAS_MAP		_IOW(KVMIO, 0x50, struct kvm_s390_ucas_mapping)
#define KVM_S390_UCAS_UNMAP		_IOW(KVMIO, 0x51, struct kvm_s390_ucas_mapping)
#define KVM_S390_VCPU_FAULT		_IOW(KVMIO, 0x52, unsigned long)

/* Interrupt controllers, timers and interrupt routing */
#define KVM_CREATE_IRQCHIP		_IO(KVMIO, 0x60)
#define KVM_IRQ_LINE			_IOW(KVMIO, 0x61, struct kvm_irq_level)
#define KVM_GET_IRQCHIP			_IOWR(KVMIO, 0x62, struct kvm_irqchip)
#define KVM_SET_IRQCHIP			_IOR(KVMIO, 0x63, struct kvm_irqchip)
#define KVM_CREATE_PIT			_IO(KVMIO, 0x64)
#define KVM_GET_PIT			_IOWR(KVMIO, 0x65, struct kvm_pit_state)
#define KVM_SET_PIT			_IOR(KVMIO, 0x66, struct kvm_pit_state)
#define KVM_IRQ_LINE_STATUS		_IOWR(KVMIO, 0x67, struct kvm_irq_level)
#define KVM_REGISTER_COALESCED_MMIO	_IOW(KVMIO, 0x67, struct kvm_coalesced_mmio_zone)
#define KVM_UNREGISTER_COALESCED_MMIO	_IOW(KVMIO, 0x68, struct kvm_coalesced_mmio_zone)
#define KVM_ASSIGN_PCI_DEVICE		_IOR(KVMIO, 0x69, struct kvm_assigned_pci_dev)
#define KVM_SET_GSI_ROUTING		_IOW(KVMIO, 0x6a, struct kvm_irq_routing)
#define KVM_ASSIGN_IRQ			__KVM_DEPRECATED_VM_R_0x70
#define KVM_ASSIGN_DEV_IRQ		_IOW(KVMIO, 0x70, struct kvm_assigned_irq)
#define KVM_REINJECT_CONTROL		_IO(KVMIO, 0x71)
#define KVM_DEASSIGN_PCI_DEVICE		_IOW(KVMIO, 0x72, struct kvm_assigned_pci_dev)
#define KVM_ASSIGN_SET_MSIX_NR		_IOW(KVMIO, 0x73, struct kvm_assigned_msix_nr)
#define KVM_ASSIGN_SET_MSIX_ENTRY	_IOW(KVMIO, 0x74, struct kvm_assigned_msix_entry)
#define KVM_DEASSIGN_DEV_IRQ		_IOW(KVMIO, 0x75, struct kvm_assigned_irq)
#define KVM_IRQFD			_IOW(KVMIO, 0x76, struct kvm_irqfd)
#define KVM_CREATE_PIT2			_IOW(KVMIO, 0x77, struct kvm_pit_config)
#define KVM_SET_BOOT_CPU_ID		_IO(KVMIO, 0x78)
#define KVM_IOEVENTFD			_IOW(KVMIO, 0x79, struct kvm_ioeventfd)
#define KVM_XEN_HVM_CONFIG		_IOW(KVMIO, 0x7a, struct kvm_xen_hvm_config)
#define KVM_SET_CLOCK			_IOW(KVMIO, 0x7b, struct kvm_clock_data)
#define KVM_GET_CLOCK			_IOR(KVMIO, 0x7c, struct kvm_clock_data)
#define KVM_GET_PIT2			_IOR(KVMIO, 0x9f, struct kvm_pit_state2)
#define KVM_SET_PIT2			_IOW(KVMIO, 0xa0, struct kvm_pit_state2)

/* Numbers 0xa1-0xb4 on a VM fd; some share their number with a vCPU ioctl */
#define KVM_PPC_GET_PVINFO		_IOW(KVMIO, 0xa1, struct kvm_ppc_pvinfo)
#define KVM_SET_TSC_KHZ			_IO(KVMIO, 0xa2)	/* vCPU, or VM default */
#define KVM_GET_TSC_KHZ			_IO(KVMIO, 0xa3)
#define KVM_ASSIGN_SET_INTX_MASK	_IOW(KVMIO, 0xa4, struct kvm_assigned_pci_dev)
#define KVM_SIGNAL_MSI			_IOW(KVMIO, 0xa5, struct kvm_msi)
#define KVM_PPC_GET_SMMU_INFO		_IOR(KVMIO, 0xa6, struct kvm_ppc_smmu_info)
#define KVM_PPC_ALLOCATE_HTAB		_IOWR(KVMIO, 0xa7, __u32)
#define KVM_CREATE_SPAPR_TCE		_IOW(KVMIO, 0xa8, struct kvm_create_spapr_tce)
#define KVM_CREATE_SPAPR_TCE_64		_IOW(KVMIO, 0xa8, struct kvm_create_spapr_tce_64)
#define KVM_ALLOCATE_RMA		_IOR(KVMIO, 0xa9, struct kvm_allocate_rma)
#define KVM_PPC_GET_HTAB_FD		_IOW(KVMIO, 0xaa, struct kvm_get_htab_fd)
#define KVM_ARM_SET_DEVICE_ADDR		_IOW(KVMIO, 0xab, struct kvm_arm_device_addr)
#define KVM_PPC_RTAS_DEFINE_TOKEN	_IOW(KVMIO, 0xac, struct kvm_rtas_token_args)
#define KVM_PPC_RESIZE_HPT_PREPARE	_IOR(KVMIO, 0xad, struct kvm_ppc_resize_hpt)
#define KVM_PPC_RESIZE_HPT_COMMIT	_IOR(KVMIO, 0xae, struct kvm_ppc_resize_hpt)
#define KVM_PPC_CONFIGURE_V3_MMU	_IOW(KVMIO, 0xaf, struct kvm_ppc_mmuv3_cfg)
#define KVM_PPC_GET_RMMU_INFO		_IOW(KVMIO, 0xb0, struct kvm_ppc_rmmu_info)
#define KVM_PPC_GET_CPU_CHAR		_IOR(KVMIO, 0xb1, struct kvm_ppc_cpu_char)
#define KVM_SET_PMU_EVENT_FILTER	_IOW(KVMIO, 0xb2, struct kvm_pmu_event_filter)
#define KVM_PPC_SVM_OFF			_IO(KVMIO, 0xb3)
#define KVM_ARM_MTE_COPY_TAGS		_IOR(KVMIO, 0xb4, struct kvm_arm_copy_mte_tags)

/* Memory encryption (SEV) */
#define KVM_MEMORY_ENCRYPT_OP		_IOWR(KVMIO, 0xba, unsigned long)
#define KVM_MEMORY_ENCRYPT_REG_REGION	_IOR(KVMIO, 0xbb, struct kvm_enc_region)
#define KVM_MEMORY_ENCRYPT_UNREG_REGION	_IOR(KVMIO, 0xbc, struct kvm_enc_region)

#define KVM_HYPERV_EVENTFD		_IOW(KVMIO, 0xbd, struct kvm_hyperv_eventfd)
#define KVM_CLEAR_DIRTY_LOG		_IOWR(KVMIO, 0xc0, struct kvm_clear_dirty_log)
#define KVM_S390_PV_COMMAND		_IOWR(KVMIO, 0xc5, struct kvm_pv_cmd)
#define KVM_X86_SET_MSR_FILTER		_IOW(KVMIO, 0xc6, struct kvm_msr_filter)
#define KVM_RESET_DIRTY_RINGS		_IO(KVMIO, 0xc7)
#define KVM_XEN_HVM_GET_ATTR		_IOWR(KVMIO, 0xc8, struct kvm_xen_hvm_attr)
#define KVM_XEN_HVM_SET_ATTR		_IOW(KVMIO, 0xc9, struct kvm_xen_hvm_attr)
#define KVM_GET_STATS_FD		_IO(KVMIO, 0xce)	/* VM and vCPU fds */
#define KVM_XEN_HVM_EVTCHN_SEND		_IOW(KVMIO, 0xd0, struct kvm_irq_routing_xen_evtchn)
#define KVM_S390_ZPCI_OP		_IOW(KVMIO, 0xd1, struct kvm_s390_zpci_op)

/* Device creation */
#define KVM_CREATE_DEVICE		_IOWR(KVMIO, 0xe0, struct kvm_create_device)

/* ======================================================================== */
/* ioctls on a vCPU fd                                                      */
/* ======================================================================== */

#define KVM_RUN				_IO(KVMIO, 0x80)
#define KVM_GET_REGS			_IOR(KVMIO, 0x81, struct kvm_regs)
#define KVM_SET_REGS			_IOW(KVMIO, 0x82, struct kvm_regs)
#define KVM_GET_SREGS			_IOR(KVMIO, 0x83, struct kvm_sregs)
#define KVM_SET_SREGS			_IOW(KVMIO, 0x84, struct kvm_sregs)
#define KVM_TRANSLATE			_IOWR(KVMIO, 0x85, struct kvm_translation)
#define KVM_INTERRUPT			_IOW(KVMIO, 0x86, struct kvm_interrupt)
#define KVM_DEBUG_GUEST			__KVM_DEPRECATED_VCPU_W_0x87
#define KVM_GET_MSRS			_IOWR(KVMIO, 0x88, struct kvm_msrs)
#define KVM_SET_MSRS			_IOW(KVMIO, 0x89, struct kvm_msrs)
#define KVM_SET_CPUID			_IOW(KVMIO, 0x8a, struct kvm_cpuid)
#define KVM_SET_SIGNAL_MASK		_IOW(KVMIO, 0x8b, struct kvm_signal_mask)
#define KVM_GET_FPU			_IOR(KVMIO, 0x8c, struct kvm_fpu)
#define KVM_SET_FPU			_IOW(KVMIO, 0x8d, struct kvm_fpu)
#define KVM_GET_LAPIC			_IOR(KVMIO, 0x8e, struct kvm_lapic_state)
#define KVM_SET_LAPIC			_IOW(KVMIO, 0x8f, struct kvm_lapic_state)
#define KVM_SET_CPUID2			_IOW(KVMIO, 0x90, struct kvm_cpuid2)
#define KVM_GET_CPUID2			_IOWR(KVMIO, 0x91, struct kvm_cpuid2)
#define KVM_TPR_ACCESS_REPORTING	_IOWR(KVMIO, 0x92, struct kvm_tpr_access_ctl)
#define KVM_SET_VAPIC_ADDR		_IOW(KVMIO, 0x93, struct kvm_vapic_addr)
#define KVM_S390_INTERRUPT		_IOW(KVMIO, 0x94, struct kvm_s390_interrupt)
#define KVM_S390_STORE_STATUS		_IOW(KVMIO, 0x95, unsigned long)
#define KVM_S390_SET_INITIAL_PSW	_IOW(KVMIO, 0x96, struct kvm_s390_psw)
#define KVM_S390_INITIAL_RESET		_IO(KVMIO, 0x97)
#define KVM_GET_MP_STATE		_IOR(KVMIO, 0x98, struct kvm_mp_state)
#define KVM_SET_MP_STATE		_IOW(KVMIO, 0x99, struct kvm_mp_state)
#define KVM_NMI				_IO(KVMIO, 0x9a)
#define KVM_SET_GUEST_DEBUG		_IOW(KVMIO, 0x9b, struct kvm_guest_debug)
#define KVM_X86_SETUP_MCE		_IOW(KVMIO, 0x9c, __u64)
#define KVM_X86_GET_MCE_CAP_SUPPORTED	_IOR(KVMIO, 0x9d, __u64)	/* /dev/kvm fd */
#define KVM_X86_SET_MCE			_IOW(KVMIO, 0x9e, struct kvm_x86_mce)
#define KVM_GET_VCPU_EVENTS		_IOR(KVMIO, 0x9f, struct kvm_vcpu_events)
#define KVM_SET_VCPU_EVENTS		_IOW(KVMIO, 0xa0, struct kvm_vcpu_events)
#define KVM_GET_DEBUGREGS		_IOR(KVMIO, 0xa1, struct kvm_debugregs)
#define KVM_SET_DEBUGREGS		_IOW(KVMIO, 0xa2, struct kvm_debugregs)
#define KVM_ENABLE_CAP			_IOW(KVMIO, 0xa3, struct kvm_enable_cap)	/* +VM fd */
#define KVM_GET_XSAVE			_IOR(KVMIO, 0xa4, struct kvm_xsave)
#define KVM_SET_XSAVE			_IOW(KVMIO, 0xa5, struct kvm_xsave)
#define KVM_GET_XCRS			_IOR(KVMIO, 0xa6, struct kvm_xcrs)
#define KVM_SET_XCRS			_IOW(KVMIO, 0xa7, struct kvm_xcrs)
#define KVM_DIRTY_TLB			_IOW(KVMIO, 0xaa, struct kvm_dirty_tlb)
#define KVM_GET_ONE_REG			_IOW(KVMIO, 0xab, struct kvm_one_reg)
#define KVM_SET_ONE_REG			_IOW(KVMIO, 0xac, struct kvm_one_reg)
#define KVM_KVMCLOCK_CTRL		_IO(KVMIO, 0xad)	/* guest was paused by the host */
#define KVM_ARM_VCPU_INIT		_IOW(KVMIO, 0xae, struct kvm_vcpu_init)
#define KVM_ARM_PREFERRED_TARGET	_IOR(KVMIO, 0xaf, struct kvm_vcpu_init)
#define KVM_GET_REG_LIST		_IOWR(KVMIO, 0xb0, struct kvm_reg_list)
#define KVM_S390_MEM_OP			_IOW(KVMIO, 0xb1, struct kvm_s390_mem_op)
#define KVM_S390_GET_SKEYS		_IOW(KVMIO, 0xb2, struct kvm_s390_skeys)
#define KVM_S390_SET_SKEYS		_IOW(KVMIO, 0xb3, struct kvm_s390_skeys)
#define KVM_S390_IRQ			_IOW(KVMIO, 0xb4, struct kvm_s390_irq)
#define KVM_S390_SET_IRQ_STATE		_IOW(KVMIO, 0xb5, struct kvm_s390_irq_state)
#define KVM_S390_GET_IRQ_STATE		_IOW(KVMIO, 0xb6, struct kvm_s390_irq_state)
#define KVM_SMI				_IO(KVMIO, 0xb7)
#define KVM_S390_GET_CMMA_BITS		_IOWR(KVMIO, 0xb8, struct kvm_s390_cmma_log)
#define KVM_S390_SET_CMMA_BITS		_IOW(KVMIO, 0xb9, struct kvm_s390_cmma_log)
#define KVM_GET_NESTED_STATE		_IOWR(KVMIO, 0xbe, struct kvm_nested_state)
#define KVM_SET_NESTED_STATE		_IOW(KVMIO, 0xbf, struct kvm_nested_state)
#define KVM_GET_SUPPORTED_HV_CPUID	_IOWR(KVMIO, 0xc1, struct kvm_cpuid2)	/* and /dev/kvm */
#define KVM_ARM_VCPU_FINALIZE		_IOW(KVMIO, 0xc2, int)
#define KVM_S390_NORMAL_RESET		_IO(KVMIO, 0xc3)
#define KVM_S390_CLEAR_RESET		_IO(KVMIO, 0xc4)
#define KVM_XEN_VCPU_GET_ATTR		_IOWR(KVMIO, 0xca, struct kvm_xen_vcpu_attr)
#define KVM_XEN_VCPU_SET_ATTR		_IOW(KVMIO, 0xcb, struct kvm_xen_vcpu_attr)
#define KVM_GET_SREGS2			_IOR(KVMIO, 0xcc, struct kvm_sregs2)
#define KVM_SET_SREGS2			_IOW(KVMIO, 0xcd, struct kvm_sregs2)
#define KVM_GET_XSAVE2			_IOR(KVMIO, 0xcf, struct kvm_xsave)
#define KVM_S390_PV_CPU_COMMAND		_IOWR(KVMIO, 0xd0, struct kvm_pv_cmd)

/* ======================================================================== */
/* ioctls on a device fd (and, for attributes, on VM, vCPU and /dev/kvm fds) */
/* ======================================================================== */

#define KVM_SET_DEVICE_ATTR		_IOW(KVMIO, 0xe1, struct kvm_device_attr)
#define KVM_GET_DEVICE_ATTR		_IOW(KVMIO, 0xe2, struct kvm_device_attr)
#define KVM_HAS_DEVICE_ATTR		_IOW(KVMIO, 0xe3, struct kvm_device_attr)

#endif /* __LINUX_KVM_H */
