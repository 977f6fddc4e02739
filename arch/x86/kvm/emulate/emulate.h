/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction decoder and emulator: public interface.
 *
 * The emulator is a pure component: it includes only "pure_env.h" and reaches the vCPU
 * through struct emu_ops.  One struct emu_ctxt lives per vCPU.  The caller (kernel glue,
 * unit test or fuzzer) fills ctxt->ops and ctxt->priv and calls emu_run() for each exit
 * that needs an instruction carried out.  See Documentation/virt/kvm/emulator.rst.
 *
 * Life of one instruction:
 *   emu_run(ctxt, bytes, len)  decodes and executes.  Registers are cached in the
 *                              context and written back through the ops only when the
 *                              instruction (or one iteration of a REP string op)
 *                              completes, so a fault leaves the vCPU untouched.
 *   EMU_DONE                   finished; resume the guest.
 *   EMU_FAULT                  an exception was raised; ops->inject_exception was called
 *                              and ctxt->fault holds it.  Registers were not changed.
 *   EMU_EXIT_USER              ctxt->exit describes one MMIO or port access (at most 8
 *                              bytes) that userspace must carry out.  For a write the
 *                              data is in ctxt->exit.data.  For a read, when userspace
 *                              has the data call emu_complete_read(); in both cases
 *                              then call emu_resume(), which may exit again (split
 *                              accesses) and finally returns EMU_DONE or EMU_FAULT.
 *   EMU_UNHANDLED              the instruction is not one the emulator carries out (or
 *                              not in this mode); nothing was changed.  The caller
 *                              decides (KVM_EXIT_INTERNAL_ERROR or #UD).
 */
#ifndef KVM_EMULATE_H
#define KVM_EMULATE_H

#include "pure_env.h"

/* General-purpose register numbers, in ModRM/REX encoding order. */
enum emu_gpr {
	EMU_RAX, EMU_RCX, EMU_RDX, EMU_RBX, EMU_RSP, EMU_RBP, EMU_RSI, EMU_RDI,
	EMU_R8, EMU_R9, EMU_R10, EMU_R11, EMU_R12, EMU_R13, EMU_R14, EMU_R15,
	EMU_NR_GPRS
};

/* Segment registers, in the encoding order of the Sreg field of ModRM. */
enum emu_sreg {
	EMU_ES, EMU_CS, EMU_SS, EMU_DS, EMU_FS, EMU_GS,
	EMU_NR_SREGS,
	EMU_TR = EMU_NR_SREGS,		/* only through ops->get_seg */
	EMU_LDTR,
};

/* A segment register as the processor caches it (hidden part included). */
struct emu_seg {
	u64 base;
	u32 limit;		/* byte granular: already scaled when G=1 */
	u16 selector;
	u8 type;		/* descriptor type field, 4 bits */
	u8 s;			/* 1: code/data, 0: system */
	u8 dpl;
	u8 present;
	u8 db;			/* D/B bit */
	u8 l;			/* 64-bit code segment */
	u8 g;
	u8 unusable;		/* null selector loaded (protected mode) */
};

/* Processor mode, derived from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/CS.D. */
enum emu_mode {
	EMU_MODE_REAL,
	EMU_MODE_VM86,
	EMU_MODE_PROT16,
	EMU_MODE_PROT32,
	EMU_MODE_PROT64,
};

/* Result of emu_run() / emu_resume(). */
enum emu_status {
	EMU_DONE = 0,
	EMU_FAULT,
	EMU_EXIT_USER,
	EMU_UNHANDLED,
};

/* Access kinds passed to ops->translate (bit mask). */
#define EMU_ACC_WRITE		(1u << 0)
#define EMU_ACC_FETCH		(1u << 1)
#define EMU_ACC_USER		(1u << 2)	/* CPL 3, not an implicit supervisor access */
#define EMU_ACC_IMPLICIT	(1u << 3)	/* system-structure access (TSS I/O bitmap) */

/* What ops->read_phys / ops->write_phys / ops->mmio_* / ops->pio_* report. */
enum emu_mem_result {
	EMU_MEM_OK = 0,		/* done */
	EMU_MEM_MMIO = 1,	/* read_phys/write_phys: not guest RAM; go through mmio_* */
	EMU_MEM_USER = 1,	/* mmio_*, pio_*: no in-kernel handler; exit to userspace */
	EMU_MEM_CHANGED = 2,	/* cmpxchg_phys: memory no longer holds the old value */
};

/* Exception vectors the emulator raises. */
#define EMU_EXC_DE	0
#define EMU_EXC_DB	1
#define EMU_EXC_UD	6
#define EMU_EXC_NM	7
#define EMU_EXC_NP	11
#define EMU_EXC_GP	13
#define EMU_EXC_SS	12
#define EMU_EXC_PF	14
#define EMU_EXC_AC	17

struct emu_fault {
	u8 vector;
	bool has_error;
	u32 error;
	u64 cr2;		/* #PF only: the faulting linear address */
};

/* One access handed to userspace. */
struct emu_exit {
	bool pio;		/* port I/O (KVM_EXIT_IO) rather than MMIO (KVM_EXIT_MMIO) */
	bool write;
	u8 len;			/* 1..8; for port I/O the size of one element */
	u16 count;		/* port reads: elements wanted (> 1 for a batched "rep ins") */
	u64 addr;		/* guest physical address, or port number */
	u8 data[8];		/* write: the data; read: filled by emu_complete_read() */
};

/* Most bytes one batched "rep ins" exit asks for (as Linux's read-ahead). */
#define EMU_INS_BATCH	1024

struct emu_ctxt;

/*
 * The world as the emulator sees it.  Every callback receives the context; ctxt->priv is
 * the caller's.  Callbacks are made only from emu_run()/emu_resume(), never afterwards.
 */
struct emu_ops {
	/* Registers.  Read once at the start of each instruction, written on commit. */
	u64 (*get_gpr)(struct emu_ctxt *ctxt, unsigned int reg);
	/* Optional: all EMU_NR_GPRS registers at once (NULL: get_gpr one by one). */
	void (*get_gprs)(struct emu_ctxt *ctxt, u64 *gpr);
	void (*set_gpr)(struct emu_ctxt *ctxt, unsigned int reg, u64 val);
	u64 (*get_rip)(struct emu_ctxt *ctxt);
	void (*set_rip)(struct emu_ctxt *ctxt, u64 rip);
	u64 (*get_rflags)(struct emu_ctxt *ctxt);
	void (*set_rflags)(struct emu_ctxt *ctxt, u64 rflags);
	/* seg is enum emu_sreg (TR and LDTR included). */
	void (*get_seg)(struct emu_ctxt *ctxt, unsigned int seg, struct emu_seg *out);
	/* Segment loads (mov Sreg): the whole register, hidden part included. */
	void (*set_seg)(struct emu_ctxt *ctxt, unsigned int seg, const struct emu_seg *in);
	/*
	 * Optional: GDTR (base, limit), for protected-mode segment loads.  NULL: those
	 * report EMU_UNHANDLED.
	 */
	void (*get_gdtr)(struct emu_ctxt *ctxt, u64 *base, u32 *limit);
	/* nr is 0, 2, 3, 4 or 8. */
	u64 (*get_cr)(struct emu_ctxt *ctxt, unsigned int nr);
	u64 (*get_efer)(struct emu_ctxt *ctxt);
	/* Current privilege level (SS.DPL in protected mode; 3 in virtual-8086 mode). */
	unsigned int (*get_cpl)(struct emu_ctxt *ctxt);

	/*
	 * Linear to guest-physical translation (normally walk_translate() from
	 * arch/x86/kvm/walk/walk.h).  Returns 0 and sets *gpa, or fills *fault (vector,
	 * error code, cr2) and returns -1.  Paging disabled: the glue returns gpa = linear.
	 */
	int (*translate)(struct emu_ctxt *ctxt, u64 linear, unsigned int access, u64 *gpa,
			 struct emu_fault *fault);

	/*
	 * Guest RAM.  Never cross a page.  Return EMU_MEM_OK, or EMU_MEM_MMIO when the
	 * address is not backed by a memory slot (the emulator then uses mmio_*).
	 */
	int (*read_phys)(struct emu_ctxt *ctxt, u64 gpa, void *buf, unsigned int len);
	int (*write_phys)(struct emu_ctxt *ctxt, u64 gpa, const void *buf, unsigned int len);
	/*
	 * Optional: atomically replace old by new (len 1, 2, 4 or 8, naturally inside a
	 * page) for LOCK'd read-modify-write instructions.  Return EMU_MEM_OK when
	 * swapped, EMU_MEM_CHANGED when memory no longer holds old (the emulator then
	 * re-executes the instruction), EMU_MEM_MMIO when not RAM.  NULL: LOCK'd
	 * instructions write with write_phys (not atomic against other vCPUs).
	 */
	int (*cmpxchg_phys)(struct emu_ctxt *ctxt, u64 gpa, const void *old, const void *new,
			    unsigned int len);

	/*
	 * Device memory and ports, len 1..8 (ports: 1, 2, 4).  Return EMU_MEM_OK when an
	 * in-kernel device handled it, EMU_MEM_USER when userspace must.
	 */
	int (*mmio_read)(struct emu_ctxt *ctxt, u64 gpa, void *buf, unsigned int len);
	int (*mmio_write)(struct emu_ctxt *ctxt, u64 gpa, const void *buf, unsigned int len);
	int (*pio_in)(struct emu_ctxt *ctxt, u16 port, void *buf, unsigned int len);
	int (*pio_out)(struct emu_ctxt *ctxt, u16 port, const void *buf, unsigned int len);

	/*
	 * Vector registers: XMM/YMM idx (0..15), len 16 or 32 bytes.  set_vec with
	 * zero_upper clears the bits above len (VEX-encoded writes); without it they are
	 * kept (legacy SSE writes).
	 */
	void (*get_vec)(struct emu_ctxt *ctxt, unsigned int idx, void *buf, unsigned int len);
	void (*set_vec)(struct emu_ctxt *ctxt, unsigned int idx, const void *buf,
			unsigned int len, bool zero_upper);

	/* Queue an exception for the guest (may be NULL: the caller reads ctxt->fault). */
	void (*inject_exception)(struct emu_ctxt *ctxt, const struct emu_fault *fault);
};

/* Decoded instruction (filled by emu_decode()). */
struct emu_insn {
	u8 bytes[15];
	u8 len;
	u8 addr_size;		/* 2, 4 or 8 */
	u8 op_size;		/* 2, 4 or 8 (byte operations use desc sizes) */
	u8 rep;			/* 0, 0xf3 or 0xf2 (the last one seen) */
	u8 simd_prefix;		/* 0, 0x66, 0xf3 or 0xf2 for SSE mandatory prefixes */
	bool lock;
	bool opsize_prefix;
	bool addrsize_prefix;
	u8 seg;			/* segment of the memory operand (enum emu_sreg) */
	bool seg_override;
	u8 rex;			/* 0x40..0x4f or 0 */
	u8 map;			/* 0: one byte, 1: 0f, 2: 0f38, 3: 0f3a */
	u8 opcode;
	bool has_modrm;
	u8 modrm_mod, modrm_reg, modrm_rm;	/* reg and rm include REX.R / REX.B */
	bool mem;		/* r/m is memory */
	bool rip_rel;
	s8 base;		/* -1: none */
	s8 index;		/* -1: none */
	u8 scale;		/* 1, 2, 4, 8 */
	s64 disp;
	u8 imm_size;
	u64 imm;		/* sign-extended where the encoding says so */
	u16 imm2;		/* second immediate (ENTER, far pointers) */
	bool vex;		/* VEX-encoded */
	bool evex;		/* EVEX- or XOP-encoded (recognised, never emulated) */
	u8 vex_l;		/* 0: 128 bits, 1: 256 bits */
	u8 vex_vvvv;
	bool vex_w;
	const struct emu_opdesc *desc;	/* NULL: decodes but not emulated */
};

/* Per-instruction read cache and write queue sizes (see emulator.rst). */
#define EMU_MAX_PIECES	16

struct emu_piece {
	u64 addr;		/* gpa or port */
	u8 len;
	u8 kind;		/* enum emu_piece_kind in emu_internal.h */
	bool locked;		/* LOCK'd read-modify-write: compare with old first */
	u8 data[8];
	u8 old[8];
};

struct emu_ctxt {
	/* Set by the caller. */
	const struct emu_ops *ops;
	void *priv;
	/*
	 * Upper bound of REP iterations per emu_run() call, exits and resumes included
	 * (0: 4096).  When it runs out RIP still points at the instruction, so the guest
	 * executes it again (and exits again) after pending events had their chance.
	 */
	u32 rep_budget;
	/*
	 * Optional, set before each emu_run(): the guest-physical address whose
	 * nested page fault led here, when the fault was on the final translation of
	 * a data access (fault_gpa_write: a write), else fault_gpa_valid false.  The
	 * processor's own walk of the guest page tables reached that address, so the
	 * explicit memory operand of the instruction uses it instead of walking again
	 * when its linear address has the same offset in the page (and, for a write,
	 * the fault was a write).  String instructions, stack and system accesses and
	 * fetches always walk.  Kept until the instruction ends (across EMU_EXIT_USER).
	 */
	u64 fault_gpa;
	bool fault_gpa_valid;
	bool fault_gpa_write;

	/* Results. */
	bool mov_ss;		/* the instruction loaded SS: interrupts wait one more */
	struct emu_fault fault;
	struct emu_exit exit;
	struct emu_insn insn;

	/* Machine state cached for the current instruction. */
	u64 gpr[EMU_NR_GPRS];
	u16 gpr_dirty;
	u64 rip;
	u64 rflags;
	u64 cr0, cr4, efer;
	unsigned int cpl;
	enum emu_mode mode;
	struct emu_seg seg[EMU_NR_SREGS];
	u8 seg_loaded;		/* bit mask of seg[] entries read through ops */

	/* Data read from MMIO/ports, replayed when the instruction is re-executed. */
	struct emu_piece rcache[EMU_MAX_PIECES];
	u8 rcache_len;
	u8 rcache_pos;
	bool read_pending;	/* exit.addr/len wait for emu_complete_read() */

	/*
	 * "rep ins" read-ahead: the elements of one batched port exit, consumed one
	 * per iteration without further exits.
	 */
	u8 ins_buf[EMU_INS_BATCH];
	u16 ins_len, ins_pos;	/* bytes */
	u16 ins_port;
	u8 ins_size;

	/* Writes of the current instruction, flushed at commit. */
	struct emu_piece wqueue[EMU_MAX_PIECES];
	u8 wqueue_len;
	u8 wqueue_pos;		/* next piece to flush after an exit */
	bool write_pending;
	bool restart;		/* REP op not finished: run it again after the flush */
	u32 rep_left;		/* REP iterations left of this emu_run()'s budget */
	bool in_flight;		/* an instruction waits for emu_resume() */

	/* Instruction bytes kept for re-execution. */
	u8 saved_bytes[15];
	u8 saved_len;
	/*
	 * insn holds the decoded form of saved_bytes in decoded_mode: re-execution
	 * after an exit (or a lost LOCK race) skips decoding while the mode is the same.
	 */
	bool decoded;
	enum emu_mode decoded_mode;
	bool operand_access;	/* the access in progress is the explicit memory operand */
};

/* Decode without executing.  Returns 0, or -1 with ctxt->fault set (#UD, #GP, #PF). */
int emu_decode(struct emu_ctxt *ctxt, const u8 *bytes, unsigned int len);

/*
 * Decode and execute one instruction.  bytes/len: the instruction bytes when the caller
 * has them (decode assists); bytes beyond len, or all with len 0, are fetched from
 * CS:RIP.
 */
enum emu_status emu_run(struct emu_ctxt *ctxt, const u8 *bytes, unsigned int len);

/* Hand the data of a read exit back (len must equal exit.len times exit.count). */
void emu_complete_read(struct emu_ctxt *ctxt, const void *data, unsigned int len);

/* Continue after EMU_EXIT_USER. */
enum emu_status emu_resume(struct emu_ctxt *ctxt);

/* Forget any instruction in flight (vCPU reset, state set by userspace). */
void emu_reset(struct emu_ctxt *ctxt);

#endif /* KVM_EMULATE_H */
