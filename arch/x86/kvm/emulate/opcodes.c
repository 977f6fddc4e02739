// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opcode tables of the emulated instructions: operand shape + handler, by designated
 * initializer.  An opcode missing here decodes (decode.c knows every length) but is
 * reported as EMU_UNHANDLED.  Opcode maps: SDM vol. 2, appendix A; AMD APM vol. 3, A.
 */
#include "emu_internal.h"

#define OP(d, s, dsz, ssz, fl, sb, fn) \
	{ .dst = (d), .src = (s), .dsize = (dsz), .ssize = (ssz), .flags = (fl), \
	  .sub = (sb), .exec = (fn) }

/* The eight two-operand ALU rows at 00, 08, ... 38 (operations in encoding order). */
#define ALU_ROW(base, op, fl)								\
	[(base) + 0] = OP(OPK_RM, OPK_REG, SZ_B, SZ_B, (fl) | OF_LOCK, op, emu_h_alu),	\
	[(base) + 1] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, (fl) | OF_LOCK, op, emu_h_alu),	\
	[(base) + 2] = OP(OPK_REG, OPK_RM, SZ_B, SZ_B, (fl), op, emu_h_alu),		\
	[(base) + 3] = OP(OPK_REG, OPK_RM, SZ_V, SZ_V, (fl), op, emu_h_alu),		\
	[(base) + 4] = OP(OPK_ACC, OPK_IMM, SZ_B, SZ_B, (fl), op, emu_h_alu),		\
	[(base) + 5] = OP(OPK_ACC, OPK_IMM, SZ_V, SZ_V, (fl), op, emu_h_alu)

#define STR(sz, fl, op) OP(OPK_STRDST, OPK_STRSRC, sz, sz, OF_STRING | (fl), op, NULL)

#define W_ONLY	OF_NO_DST_READ
#define R_ONLY	OF_NO_WRITE

static const struct emu_opdesc map0[256] = {
	ALU_ROW(0x00, ALU_ADD, 0),
	ALU_ROW(0x08, ALU_OR, 0),
	ALU_ROW(0x10, ALU_ADC, 0),
	ALU_ROW(0x18, ALU_SBB, 0),
	ALU_ROW(0x20, ALU_AND, 0),
	ALU_ROW(0x28, ALU_SUB, 0),
	ALU_ROW(0x30, ALU_XOR, 0),
	ALU_ROW(0x38, ALU_CMP, R_ONLY),
	/* 40-4F are REX in 64-bit mode and never looked up there. */
	[0x40 ... 0x47] = OP(OPK_OPREG, OPK_NONE, SZ_V, SZ_NONE, 0, ALU_INC, emu_h_unary),
	[0x48 ... 0x4f] = OP(OPK_OPREG, OPK_NONE, SZ_V, SZ_NONE, 0, ALU_DEC, emu_h_unary),
	[0x50 ... 0x57] = OP(OPK_NONE, OPK_OPREG, SZ_NONE, SZ_STK, R_ONLY, 0, emu_h_push),
	[0x58 ... 0x5f] = OP(OPK_OPREG, OPK_NONE, SZ_STK, SZ_NONE, W_ONLY, 0, emu_h_pop),
	[0x63] = OP(OPK_REG, OPK_RM, SZ_V, SZ_Z, W_ONLY | OF_ONLY64, 1, emu_h_movsx),
	[0x6c] = STR(SZ_B, 0, STR_INS),
	[0x6d] = STR(SZ_Z, 0, STR_INS),
	[0x6e] = STR(SZ_B, 0, STR_OUTS),
	[0x6f] = STR(SZ_Z, 0, STR_OUTS),
	[0x69] = OP(OPK_REG, OPK_RM, SZ_V, SZ_V, W_ONLY, 0, emu_h_imul),
	[0x6b] = OP(OPK_REG, OPK_RM, SZ_V, SZ_V, W_ONLY, 0, emu_h_imul),
	[0x84] = OP(OPK_RM, OPK_REG, SZ_B, SZ_B, R_ONLY, ALU_TEST, emu_h_alu),
	[0x85] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, R_ONLY, ALU_TEST, emu_h_alu),
	[0x86] = OP(OPK_RM, OPK_REG, SZ_B, SZ_B, OF_LOCK | OF_IMPL_LOCK, 0, emu_h_xchg),
	[0x87] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, OF_LOCK | OF_IMPL_LOCK, 0, emu_h_xchg),
	[0x88] = OP(OPK_RM, OPK_REG, SZ_B, SZ_B, W_ONLY, 0, emu_h_mov),
	[0x89] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, W_ONLY, 0, emu_h_mov),
	[0x8a] = OP(OPK_REG, OPK_RM, SZ_B, SZ_B, W_ONLY, 0, emu_h_mov),
	[0x8b] = OP(OPK_REG, OPK_RM, SZ_V, SZ_V, W_ONLY, 0, emu_h_mov),
	[0x8c] = OP(OPK_RM, OPK_SREG, SZ_V, SZ_W, W_ONLY, 0, emu_h_mov_from_sreg),
	[0x8e] = OP(OPK_SREG, OPK_RM, SZ_W, SZ_W, W_ONLY, 0, emu_h_mov),
	[0x90 ... 0x97] = OP(OPK_OPREG, OPK_ACC, SZ_V, SZ_V, 0, 0, emu_h_xchg),
	[0xa0] = OP(OPK_ACC, OPK_MOFFS, SZ_B, SZ_B, W_ONLY, 0, emu_h_mov),
	[0xa1] = OP(OPK_ACC, OPK_MOFFS, SZ_V, SZ_V, W_ONLY, 0, emu_h_mov),
	[0xa2] = OP(OPK_MOFFS, OPK_ACC, SZ_B, SZ_B, W_ONLY, 0, emu_h_mov),
	[0xa3] = OP(OPK_MOFFS, OPK_ACC, SZ_V, SZ_V, W_ONLY, 0, emu_h_mov),
	[0xa4] = STR(SZ_B, 0, STR_MOVS),
	[0xa5] = STR(SZ_V, 0, STR_MOVS),
	[0xa6] = STR(SZ_B, OF_REPZ, STR_CMPS),
	[0xa7] = STR(SZ_V, OF_REPZ, STR_CMPS),
	[0xa8] = OP(OPK_ACC, OPK_IMM, SZ_B, SZ_B, R_ONLY, ALU_TEST, emu_h_alu),
	[0xa9] = OP(OPK_ACC, OPK_IMM, SZ_V, SZ_V, R_ONLY, ALU_TEST, emu_h_alu),
	[0xaa] = STR(SZ_B, 0, STR_STOS),
	[0xab] = STR(SZ_V, 0, STR_STOS),
	[0xac] = STR(SZ_B, 0, STR_LODS),
	[0xad] = STR(SZ_V, 0, STR_LODS),
	[0xae] = STR(SZ_B, OF_REPZ, STR_SCAS),
	[0xaf] = STR(SZ_V, OF_REPZ, STR_SCAS),
	[0xb0 ... 0xb7] = OP(OPK_OPREG, OPK_IMM, SZ_B, SZ_B, W_ONLY, 0, emu_h_mov),
	[0xb8 ... 0xbf] = OP(OPK_OPREG, OPK_IMM, SZ_V, SZ_V, W_ONLY, 0, emu_h_mov),
	[0xe4] = OP(OPK_ACC, OPK_IMMPORT, SZ_B, SZ_NONE, W_ONLY, 0, emu_h_in),
	[0xe5] = OP(OPK_ACC, OPK_IMMPORT, SZ_Z, SZ_NONE, W_ONLY, 0, emu_h_in),
	[0xe6] = OP(OPK_IMMPORT, OPK_ACC, SZ_NONE, SZ_B, R_ONLY, 0, emu_h_out),
	[0xe7] = OP(OPK_IMMPORT, OPK_ACC, SZ_NONE, SZ_Z, R_ONLY, 0, emu_h_out),
	[0xec] = OP(OPK_ACC, OPK_DX, SZ_B, SZ_NONE, W_ONLY, 0, emu_h_in),
	[0xed] = OP(OPK_ACC, OPK_DX, SZ_Z, SZ_NONE, W_ONLY, 0, emu_h_in),
	[0xee] = OP(OPK_DX, OPK_ACC, SZ_NONE, SZ_B, R_ONLY, 0, emu_h_out),
	[0xef] = OP(OPK_DX, OPK_ACC, SZ_NONE, SZ_Z, R_ONLY, 0, emu_h_out),
};

/* Group 1 (80-83): ALU operation in ModRM.reg; the immediate is already sign-extended. */
#define GRP1(sz)									\
	[0] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_ADD, emu_h_alu),			\
	[1] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_OR, emu_h_alu),			\
	[2] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_ADC, emu_h_alu),			\
	[3] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_SBB, emu_h_alu),			\
	[4] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_AND, emu_h_alu),			\
	[5] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_SUB, emu_h_alu),			\
	[6] = OP(OPK_RM, OPK_IMM, sz, sz, OF_LOCK, ALU_XOR, emu_h_alu),			\
	[7] = OP(OPK_RM, OPK_IMM, sz, sz, R_ONLY, ALU_CMP, emu_h_alu)

static const struct emu_opdesc grp1_b[8] = { GRP1(SZ_B) };
static const struct emu_opdesc grp1_v[8] = { GRP1(SZ_V) };

/* Group 3 (F6/F7): TEST, NOT, NEG, MUL, IMUL, DIV, IDIV (r/m is only read by the last 4). */
#define GRP3(sz)									\
	[0 ... 1] = OP(OPK_RM, OPK_IMM, sz, sz, R_ONLY, ALU_TEST, emu_h_alu),		\
	[2] = OP(OPK_RM, OPK_NONE, sz, SZ_NONE, OF_LOCK, ALU_NOT, emu_h_unary),		\
	[3] = OP(OPK_RM, OPK_NONE, sz, SZ_NONE, OF_LOCK, ALU_NEG, emu_h_unary),		\
	[4] = OP(OPK_RM, OPK_NONE, sz, SZ_NONE, R_ONLY, 4, emu_h_muldiv),		\
	[5] = OP(OPK_RM, OPK_NONE, sz, SZ_NONE, R_ONLY, 5, emu_h_muldiv),		\
	[6] = OP(OPK_RM, OPK_NONE, sz, SZ_NONE, R_ONLY, 6, emu_h_muldiv),		\
	[7] = OP(OPK_RM, OPK_NONE, sz, SZ_NONE, R_ONLY, 7, emu_h_muldiv)

static const struct emu_opdesc grp3_b[8] = { GRP3(SZ_B) };
static const struct emu_opdesc grp3_v[8] = { GRP3(SZ_V) };

/* Group 2 (C0/C1 imm8, D0/D1 by 1, D2/D3 by CL): shifts and rotates, sub = ModRM.reg. */
#define SHIFT(sz, cnt, sb) OP(OPK_RM, cnt, sz, SZ_B, 0, sb, emu_h_shift)
#define GRP2(sz, cnt)								\
	[0] = SHIFT(sz, cnt, 0), [1] = SHIFT(sz, cnt, 1), [2] = SHIFT(sz, cnt, 2),	\
	[3] = SHIFT(sz, cnt, 3), [4] = SHIFT(sz, cnt, 4), [5] = SHIFT(sz, cnt, 5),	\
	[6] = SHIFT(sz, cnt, 4), [7] = SHIFT(sz, cnt, 7)

static const struct emu_opdesc grp2_b_imm[8] = { GRP2(SZ_B, OPK_IMM) };
static const struct emu_opdesc grp2_v_imm[8] = { GRP2(SZ_V, OPK_IMM) };
static const struct emu_opdesc grp2_b_one[8] = { GRP2(SZ_B, OPK_ONE) };
static const struct emu_opdesc grp2_v_one[8] = { GRP2(SZ_V, OPK_ONE) };
static const struct emu_opdesc grp2_b_cl[8] = { GRP2(SZ_B, OPK_CL) };
static const struct emu_opdesc grp2_v_cl[8] = { GRP2(SZ_V, OPK_CL) };

/* Group 4 (FE) and 5 (FF): INC, DEC, PUSH r/m (calls and jumps are not emulated). */
static const struct emu_opdesc grp4[8] = {
	[0] = OP(OPK_RM, OPK_NONE, SZ_B, SZ_NONE, OF_LOCK, ALU_INC, emu_h_unary),
	[1] = OP(OPK_RM, OPK_NONE, SZ_B, SZ_NONE, OF_LOCK, ALU_DEC, emu_h_unary),
};

static const struct emu_opdesc grp5[8] = {
	[0] = OP(OPK_RM, OPK_NONE, SZ_V, SZ_NONE, OF_LOCK, ALU_INC, emu_h_unary),
	[1] = OP(OPK_RM, OPK_NONE, SZ_V, SZ_NONE, OF_LOCK, ALU_DEC, emu_h_unary),
	[6] = OP(OPK_NONE, OPK_RM, SZ_NONE, SZ_STK, R_ONLY, 0, emu_h_push),
};

/* Group 11 (C6/C7 /0: MOV r/m, imm) and group 1A (8F /0: POP r/m). */
static const struct emu_opdesc mov_rm_imm_b =
	OP(OPK_RM, OPK_IMM, SZ_B, SZ_B, W_ONLY, 0, emu_h_mov);
static const struct emu_opdesc mov_rm_imm_v =
	OP(OPK_RM, OPK_IMM, SZ_V, SZ_V, W_ONLY, 0, emu_h_mov);
static const struct emu_opdesc pop_rm =
	OP(OPK_RM, OPK_NONE, SZ_STK, SZ_NONE, W_ONLY, 0, emu_h_pop);

/* Group 8 (0F BA): BT, BTS, BTR, BTC with an imm8 bit offset. */
static const struct emu_opdesc grp8[8] = {
	[4] = OP(OPK_RM, OPK_IMM, SZ_V, SZ_B, W_ONLY | R_ONLY, 0, emu_h_bt),
	[5] = OP(OPK_RM, OPK_IMM, SZ_V, SZ_B, W_ONLY | R_ONLY | OF_LOCK, 1, emu_h_bt),
	[6] = OP(OPK_RM, OPK_IMM, SZ_V, SZ_B, W_ONLY | R_ONLY | OF_LOCK, 2, emu_h_bt),
	[7] = OP(OPK_RM, OPK_IMM, SZ_V, SZ_B, W_ONLY | R_ONLY | OF_LOCK, 3, emu_h_bt),
};

/* Group 9 (0F C7 /1): CMPXCHG8B m64; CMPXCHG16B (REX.W) is not emulated. */
static const struct emu_opdesc cmpxchg8b =
	OP(OPK_MEM, OPK_NONE, SZ_Q, SZ_NONE, OF_LOCK, 0, emu_h_cmpxchg8b);

static const struct emu_opdesc map1[256] = {
	[0x40 ... 0x4f] = OP(OPK_REG, OPK_RM, SZ_V, SZ_V, W_ONLY, 0, emu_h_cmov),
	[0xc0] = OP(OPK_RM, OPK_REG, SZ_B, SZ_B, OF_LOCK, 0, emu_h_xadd),
	[0xc1] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, OF_LOCK, 0, emu_h_xadd),
	[0x90 ... 0x9f] = OP(OPK_RM, OPK_NONE, SZ_B, SZ_NONE, W_ONLY, 0, emu_h_setcc),
	[0xa3] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, W_ONLY | R_ONLY, 0, emu_h_bt),
	[0xab] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, W_ONLY | R_ONLY | OF_LOCK, 1, emu_h_bt),
	[0xb3] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, W_ONLY | R_ONLY | OF_LOCK, 2, emu_h_bt),
	[0xbb] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, W_ONLY | R_ONLY | OF_LOCK, 3, emu_h_bt),
	[0xb0] = OP(OPK_RM, OPK_REG, SZ_B, SZ_B, OF_LOCK, 0, emu_h_cmpxchg),
	[0xb1] = OP(OPK_RM, OPK_REG, SZ_V, SZ_V, OF_LOCK, 0, emu_h_cmpxchg),
	[0xaf] = OP(OPK_REG, OPK_RM, SZ_V, SZ_V, 0, 0, emu_h_imul),
	[0xb6] = OP(OPK_REG, OPK_RM, SZ_V, SZ_B, W_ONLY, 0, emu_h_movsx),
	[0xb7] = OP(OPK_REG, OPK_RM, SZ_V, SZ_W, W_ONLY, 0, emu_h_movsx),
	[0xbe] = OP(OPK_REG, OPK_RM, SZ_V, SZ_B, W_ONLY, 1, emu_h_movsx),
	[0xbf] = OP(OPK_REG, OPK_RM, SZ_V, SZ_W, W_ONLY, 1, emu_h_movsx),
	[0xc3] = OP(OPK_MEM, OPK_REG, SZ_Y, SZ_Y, W_ONLY, 0, emu_h_mov),
};

/*
 * SSE/AVX moves, by mandatory prefix: [0] none, [1] 66, [2] F3, [3] F2.
 * Loads: register destination; stores: register source.
 */
#define VLOAD(fl)  OP(OPK_VREG, OPK_VRM, SZ_X, SZ_X, W_ONLY | OF_SIMD | OF_VEX_OK | (fl), 0, \
		      emu_h_vmov)
#define VSTORE(fl) OP(OPK_VRM, OPK_VREG, SZ_X, SZ_X, W_ONLY | OF_SIMD | OF_VEX_OK | (fl), 0, \
		      emu_h_vmov)
#define VNT        OP(OPK_MEM, OPK_VREG, SZ_X, SZ_X, W_ONLY | OF_SIMD | OF_VEX_OK | OF_ALIGN, 0, \
		      emu_h_vmov)
#define VMOVQ(d, s, dsz, ssz) OP(d, s, dsz, ssz, W_ONLY | OF_SIMD | OF_VEX_OK | OF_VEX_L0, 0, \
				 emu_h_vmov)

enum { SSE_10, SSE_11, SSE_28, SSE_29, SSE_2B, SSE_6E, SSE_6F, SSE_7E, SSE_7F, SSE_D6, SSE_E7,
       SSE_ROWS };

static const struct emu_opdesc sse[SSE_ROWS][4] = {
	[SSE_10] = { [0] = VLOAD(0), [1] = VLOAD(0) },			/* MOVUPS, MOVUPD */
	[SSE_11] = { [0] = VSTORE(0), [1] = VSTORE(0) },
	[SSE_28] = { [0] = VLOAD(OF_ALIGN), [1] = VLOAD(OF_ALIGN) },	/* MOVAPS, MOVAPD */
	[SSE_29] = { [0] = VSTORE(OF_ALIGN), [1] = VSTORE(OF_ALIGN) },
	[SSE_2B] = { [0] = VNT, [1] = VNT },				/* MOVNTPS, MOVNTPD */
	[SSE_6E] = { [1] = VMOVQ(OPK_VREG, OPK_RM, SZ_Y, SZ_Y) },	/* MOVD/MOVQ xmm, r/m */
	[SSE_6F] = { [1] = VLOAD(OF_ALIGN), [2] = VLOAD(0) },		/* MOVDQA, MOVDQU */
	[SSE_7E] = { [1] = VMOVQ(OPK_RM, OPK_VREG, SZ_Y, SZ_Y),	/* MOVD/MOVQ r/m, xmm */
		     [2] = VMOVQ(OPK_VREG, OPK_VRM, SZ_Q, SZ_Q) },	/* MOVQ xmm, xmm/m64 */
	[SSE_7F] = { [1] = VSTORE(OF_ALIGN), [2] = VSTORE(0) },
	[SSE_D6] = { [1] = VMOVQ(OPK_VRM, OPK_VREG, SZ_Q, SZ_Q) },	/* MOVQ xmm/m64, xmm */
	[SSE_E7] = { [1] = VNT },					/* MOVNTDQ */
};

static int sse_row(u8 opcode)
{
	switch (opcode) {
	case 0x10: return SSE_10;
	case 0x11: return SSE_11;
	case 0x28: return SSE_28;
	case 0x29: return SSE_29;
	case 0x2b: return SSE_2B;
	case 0x6e: return SSE_6E;
	case 0x6f: return SSE_6F;
	case 0x7e: return SSE_7E;
	case 0x7f: return SSE_7F;
	case 0xd6: return SSE_D6;
	case 0xe7: return SSE_E7;
	default: return -1;
	}
}

static int prefix_index(u8 p)
{
	switch (p) {
	case 0x66: return 1;
	case 0xf3: return 2;
	case 0xf2: return 3;
	default: return 0;
	}
}

static const struct emu_opdesc *lookup_map0(const struct emu_insn *insn)
{
	unsigned int reg = insn->modrm_reg & 7;

	switch (insn->opcode) {
	case 0x80:
	case 0x82:
		return &grp1_b[reg];
	case 0x81:
	case 0x83:
		return &grp1_v[reg];
	case 0xc0:
		return &grp2_b_imm[reg];
	case 0xc1:
		return &grp2_v_imm[reg];
	case 0xd0:
		return &grp2_b_one[reg];
	case 0xd1:
		return &grp2_v_one[reg];
	case 0xd2:
		return &grp2_b_cl[reg];
	case 0xd3:
		return &grp2_v_cl[reg];
	case 0xf6:
		return &grp3_b[reg];
	case 0xf7:
		return &grp3_v[reg];
	case 0xfe:
		return &grp4[reg];
	case 0xff:
		return &grp5[reg];
	case 0xc6:
		return reg ? NULL : &mov_rm_imm_b;
	case 0xc7:
		return reg ? NULL : &mov_rm_imm_v;
	case 0x8f:
		return reg ? NULL : &pop_rm;
	case 0x90:
		/* Plain 90 is NOP/PAUSE; with REX.B it exchanges R8 and RAX. */
		return (insn->rex & 1) ? &map0[0x90] : NULL;
	default:
		return &map0[insn->opcode];
	}
}

const struct emu_opdesc *emu_lookup(const struct emu_insn *insn)
{
	const struct emu_opdesc *d = NULL;
	int row;

	if (insn->evex)
		return NULL;
	if (insn->map == 0) {
		d = lookup_map0(insn);
	} else if (insn->map == 1) {
		row = sse_row(insn->opcode);
		if (row >= 0)
			d = &sse[row][prefix_index(insn->simd_prefix)];
		else if (insn->opcode == 0xba)
			d = &grp8[insn->modrm_reg & 7];
		else if (insn->opcode == 0xc7)
			d = (insn->modrm_reg & 7) == 1 && !(insn->rex & 8) && !insn->simd_prefix ?
			    &cmpxchg8b : NULL;
		else if (insn->simd_prefix != 0xf2 && insn->simd_prefix != 0xf3)
			d = &map1[insn->opcode];
		/* MOVNTI has no prefixed form (66 0F C3 is #UD). */
		if (insn->opcode == 0xc3 && insn->simd_prefix)
			d = NULL;
	}
	if (!d || (!d->exec && !(d->flags & OF_STRING)))
		return NULL;
	return d;
}
