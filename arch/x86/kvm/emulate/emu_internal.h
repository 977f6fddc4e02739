/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulator internals shared by decode.c, emulate.c, opcodes.c and the exec_*.c files.
 * Not part of the interface: the glue includes only emulate.h.
 */
#ifndef KVM_EMU_INTERNAL_H
#define KVM_EMU_INTERNAL_H

#include "emulate.h"

/* RFLAGS bits (AMD APM vol. 2, 3.1.6; Intel SDM vol. 1, 3.4.3). */
#define EMU_FL_CF	(1ull << 0)
#define EMU_FL_PF	(1ull << 2)
#define EMU_FL_AF	(1ull << 4)
#define EMU_FL_ZF	(1ull << 6)
#define EMU_FL_SF	(1ull << 7)
#define EMU_FL_TF	(1ull << 8)
#define EMU_FL_IF	(1ull << 9)
#define EMU_FL_DF	(1ull << 10)
#define EMU_FL_OF	(1ull << 11)
#define EMU_FL_IOPL	(3ull << 12)
#define EMU_FL_VM	(1ull << 17)
#define EMU_FL_AC	(1ull << 18)
#define EMU_FL_ARITH	(EMU_FL_CF | EMU_FL_PF | EMU_FL_AF | EMU_FL_ZF | EMU_FL_SF | EMU_FL_OF)

/* Control register and EFER bits used here. */
#define EMU_CR0_PE	(1ull << 0)
#define EMU_CR0_EM	(1ull << 2)
#define EMU_CR0_TS	(1ull << 3)
#define EMU_CR0_AM	(1ull << 18)
#define EMU_CR4_OSFXSR	(1ull << 9)
#define EMU_CR4_LA57	(1ull << 12)
#define EMU_CR4_OSXSAVE	(1ull << 18)
#define EMU_EFER_LMA	(1ull << 10)

/* Outcome of internal steps. */
enum emu_x {
	X_OK = 0,
	X_FAULT,	/* ctxt->fault set */
	X_EXIT,		/* ctxt->exit set, leave for userspace */
	X_UNH,		/* not emulated */
	X_RETRY,	/* a LOCK'd update lost a race: execute the instruction again */
};

/* Kinds of queued/cached pieces. */
enum emu_piece_kind {
	PIECE_MEM,	/* guest-physical: RAM or device, decided by read_phys/write_phys */
	PIECE_PIO,	/* port */
	PIECE_DONE,	/* written at commit by cmpxchg_phys */
};

/* Operand kinds of an opcode description. */
enum emu_opkind {
	OPK_NONE,
	OPK_REG,	/* GPR in ModRM.reg */
	OPK_RM,		/* GPR or memory in ModRM.rm */
	OPK_MEM,	/* memory in ModRM.rm (register form is #UD) */
	OPK_ACC,	/* AL/AX/EAX/RAX */
	OPK_IMM,	/* immediate, sign-extended to the operand size */
	OPK_OPREG,	/* GPR in the low 3 opcode bits (+REX.B) */
	OPK_MOFFS,	/* memory at an absolute offset (A0-A3) */
	OPK_SREG,	/* segment register in ModRM.reg */
	OPK_CL,
	OPK_ONE,
	OPK_VREG,	/* XMM/YMM in ModRM.reg */
	OPK_VRM,	/* XMM/YMM or memory in ModRM.rm */
	OPK_STRSRC,	/* string source, seg:rSI */
	OPK_STRDST,	/* string destination, ES:rDI */
	OPK_DX,		/* port in DX */
	OPK_IMMPORT,	/* port in imm8 */
};

/* Operand sizes of an opcode description. */
enum emu_opsize {
	SZ_NONE,
	SZ_B,		/* 1 */
	SZ_W,		/* 2 */
	SZ_D,		/* 4 */
	SZ_Q,		/* 8 */
	SZ_V,		/* operand size */
	SZ_Z,		/* operand size, at most 4 (immediates) */
	SZ_Y,		/* 4, or 8 with REX.W / VEX.W (MOVD/MOVQ, MOVNTI) */
	SZ_X,		/* 16, or 32 with VEX.L */
	SZ_STK,		/* stack operand size (64-bit default in long mode) */
};

/* Opcode description flags. */
#define OF_NO_DST_READ	(1u << 0)	/* destination is only written */
#define OF_NO_WRITE	(1u << 1)	/* destination is only read (CMP, TEST, BT) */
#define OF_LOCK		(1u << 2)	/* LOCK allowed (memory destination) */
#define OF_INV64	(1u << 3)	/* #UD in 64-bit mode */
#define OF_STRING	(1u << 4)	/* string instruction, REP aware */
#define OF_SIMD		(1u << 5)	/* SSE/AVX: #UD/#NM checks */
#define OF_ALIGN	(1u << 6)	/* memory operand must be aligned to its size (#GP) */
#define OF_VEX_OK	(1u << 7)	/* has a VEX form */
#define OF_NO_VEX	(1u << 8)	/* legacy encoding only */
#define OF_REPZ		(1u << 9)	/* REPE/REPNE test ZF (CMPS, SCAS) */
#define OF_IMPL_LOCK	(1u << 10)	/* XCHG with memory: always locked */
#define OF_VEX_L0	(1u << 11)	/* VEX form only with VEX.L = 0 */
#define OF_ONLY64	(1u << 12)	/* 64-bit mode only (63: MOVSXD, else ARPL) */

struct emu_op;

typedef int (*emu_exec_fn)(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);

struct emu_opdesc {
	u8 dst, src;		/* enum emu_opkind */
	u8 dsize, ssize;	/* enum emu_opsize */
	u16 flags;		/* OF_* */
	u8 sub;			/* handler selector: ALU operation, condition code, ... */
	emu_exec_fn exec;
};

/* A resolved operand. */
struct emu_op {
	u8 kind;		/* OPK_* as resolved: OPK_REG, OPK_MEM, OPK_IMM, OPK_VREG, ... */
	u8 size;		/* bytes */
	u8 reg;			/* GPR, segment or vector register number */
	bool high8;		/* AH, CH, DH, BH */
	u8 seg;			/* memory: segment */
	u64 ea;			/* memory: effective address (offset within the segment) */
	u64 val;
	u64 orig;
	u8 vec[32];		/* vector data */
};

/* ALU operations (sub field of the ALU descriptions). */
enum emu_alu {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
	ALU_TEST, ALU_INC, ALU_DEC, ALU_NEG, ALU_NOT,
};

/* decode.c */
int emu_decode_insn(struct emu_ctxt *ctxt, struct emu_insn *insn, const u8 *bytes,
		    unsigned int len);
const struct emu_opdesc *emu_lookup(const struct emu_insn *insn);

/* emulate.c: memory and register helpers for the handlers */
int emu_fault(struct emu_ctxt *ctxt, u8 vector, bool has_error, u32 error);
u64 emu_reg_read(struct emu_ctxt *ctxt, unsigned int reg, unsigned int size, bool high8);
void emu_reg_write(struct emu_ctxt *ctxt, unsigned int reg, unsigned int size, bool high8,
		   u64 val);
int emu_mem_read(struct emu_ctxt *ctxt, u8 seg, u64 ea, void *buf, unsigned int size,
		 bool align_gp);
int emu_mem_write(struct emu_ctxt *ctxt, u8 seg, u64 ea, const void *buf, unsigned int size,
		  bool align_gp);
int emu_mem_write_locked(struct emu_ctxt *ctxt, u8 seg, u64 ea, const void *buf,
			 const void *old, unsigned int size);
int emu_port_in(struct emu_ctxt *ctxt, u16 port, void *buf, unsigned int size);
int emu_port_out(struct emu_ctxt *ctxt, u16 port, const void *buf, unsigned int size);
int emu_io_allowed(struct emu_ctxt *ctxt, u16 port, unsigned int size);
int emu_push(struct emu_ctxt *ctxt, u64 val, unsigned int size);
int emu_pop(struct emu_ctxt *ctxt, u64 *val, unsigned int size);
u64 emu_addr_mask(unsigned int addr_size);
int emu_commit(struct emu_ctxt *ctxt);
int emu_fetch_bytes(struct emu_ctxt *ctxt, u64 offset, u8 *buf, unsigned int len);
u64 emu_next_rip(struct emu_ctxt *ctxt);
int emu_load_sreg(struct emu_ctxt *ctxt, unsigned int seg, u16 sel);
int emu_ins_element(struct emu_ctxt *ctxt, u16 port, void *buf, unsigned int size,
		    unsigned int batch);

/* Handlers (exec_alu.c, exec_data.c, exec_string.c) */
int emu_h_alu(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_unary(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_bt(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_muldiv(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_imul(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_shift(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_setcc(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_mov(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_movsx(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_mov_from_sreg(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_xchg(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_cmpxchg(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_cmpxchg8b(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_xadd(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_cmov(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_push(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_pop(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_vmov(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_in(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_h_out(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src);
int emu_string(struct emu_ctxt *ctxt, const struct emu_opdesc *d, unsigned int size);

/* String operations (sub field of the string descriptions). */
enum emu_strop { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

/* exec_alu.c */
u64 emu_alu(u64 *flags, unsigned int op, u64 a, u64 b, unsigned int size);
bool emu_cond(u64 flags, unsigned int cc);
u64 emu_size_mask(unsigned int size);
u64 emu_sext(u64 v, unsigned int size);

#endif /* KVM_EMU_INTERNAL_H */
