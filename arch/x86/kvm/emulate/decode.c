// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instruction decoder: length and form of every x86 instruction in 16-, 32- and 64-bit
 * modes.  Decoding goes in explicit steps, each checking its bounds: legacy prefixes,
 * REX, VEX/EVEX, opcode (and escape bytes), ModRM, SIB, displacement, immediate.
 * Encoding rules: Intel SDM vol. 2, chapter 2 and appendix A; AMD APM vol. 3, chapter 1
 * and appendix A.
 */
#include "emu_internal.h"

#define MAX_INSN_LEN	15

/*
 * Shape of an opcode: whether a ModRM byte follows and which immediate.  One byte per
 * opcode for the one-byte map and the 0f map.
 */
enum imm_kind {
	IMM_NONE,
	IMM_B,		/* 1 byte */
	IMM_W,		/* 2 bytes */
	IMM_Z,		/* 2 or 4 bytes by operand size */
	IMM_V,		/* 2, 4 or 8 bytes by operand size (B8+r) */
	IMM_MOFFS,	/* address size (A0-A3) */
	IMM_ENTER,	/* 2 + 1 bytes */
	IMM_FAR,	/* offset (2 or 4) + selector (2) */
	IMM_GRP3,	/* F6/F7: an immediate for /0 and /1 only */
	IMM_D,		/* 4 bytes (XOP map 0Ah) */
};

/* XOP maps 8, 9, 0Ah are kept in insn->map as XOP_MAP_BASE + map. */
#define XOP_MAP_BASE	0x10

#define SH_IMM_MASK	0x0f
#define SH_M		0x10	/* ModRM follows */
#define SH_I64		0x20	/* #UD in 64-bit mode */
#define SH_UD		0x40	/* reserved opcode, #UD in every mode */
#define SH_PFX		0x80	/* a prefix or escape, handled by the decoder */

#define MB	(SH_M | IMM_B)
#define MZ	(SH_M | IMM_Z)

static const u8 shape_map0[256] = {
	[0x00 ... 0x03] = SH_M, [0x04] = IMM_B, [0x05] = IMM_Z, [0x06 ... 0x07] = SH_I64,
	[0x08 ... 0x0b] = SH_M, [0x0c] = IMM_B, [0x0d] = IMM_Z, [0x0e] = SH_I64,
	[0x0f] = SH_PFX,
	[0x10 ... 0x13] = SH_M, [0x14] = IMM_B, [0x15] = IMM_Z, [0x16 ... 0x17] = SH_I64,
	[0x18 ... 0x1b] = SH_M, [0x1c] = IMM_B, [0x1d] = IMM_Z, [0x1e ... 0x1f] = SH_I64,
	[0x20 ... 0x23] = SH_M, [0x24] = IMM_B, [0x25] = IMM_Z, [0x26] = SH_PFX,
	[0x27] = SH_I64,
	[0x28 ... 0x2b] = SH_M, [0x2c] = IMM_B, [0x2d] = IMM_Z, [0x2e] = SH_PFX,
	[0x2f] = SH_I64,
	[0x30 ... 0x33] = SH_M, [0x34] = IMM_B, [0x35] = IMM_Z, [0x36] = SH_PFX,
	[0x37] = SH_I64,
	[0x38 ... 0x3b] = SH_M, [0x3c] = IMM_B, [0x3d] = IMM_Z, [0x3e] = SH_PFX,
	[0x3f] = SH_I64,
	/* 40-4f: INC/DEC outside 64-bit mode, REX inside (handled before the table). */
	[0x60 ... 0x61] = SH_I64, [0x62] = SH_M | SH_I64, [0x63] = SH_M,
	[0x64 ... 0x67] = SH_PFX,
	[0x68] = IMM_Z, [0x69] = MZ, [0x6a] = IMM_B, [0x6b] = MB,
	[0x70 ... 0x7f] = IMM_B,
	[0x80] = MB, [0x81] = MZ, [0x82] = MB | SH_I64, [0x83] = MB,
	[0x84 ... 0x8f] = SH_M,
	[0x9a] = IMM_FAR | SH_I64,
	[0xa0 ... 0xa3] = IMM_MOFFS,
	[0xa8] = IMM_B, [0xa9] = IMM_Z,
	[0xb0 ... 0xb7] = IMM_B, [0xb8 ... 0xbf] = IMM_V,
	[0xc0 ... 0xc1] = MB, [0xc2] = IMM_W, [0xc4 ... 0xc5] = SH_M | SH_I64,
	[0xc6] = MB, [0xc7] = MZ, [0xc8] = IMM_ENTER, [0xca] = IMM_W, [0xcd] = IMM_B,
	[0xce] = SH_I64,
	[0xd0 ... 0xd3] = SH_M, [0xd4 ... 0xd5] = IMM_B | SH_I64, [0xd6] = SH_I64,
	[0xd8 ... 0xdf] = SH_M,
	[0xe0 ... 0xe7] = IMM_B, [0xe8 ... 0xe9] = IMM_Z, [0xea] = IMM_FAR | SH_I64,
	[0xeb] = IMM_B,
	[0xf0] = SH_PFX, [0xf2 ... 0xf3] = SH_PFX,
	[0xf6 ... 0xf7] = SH_M | IMM_GRP3,
	[0xfe ... 0xff] = SH_M,
};

static const u8 shape_map1[256] = {
	[0x00 ... 0x03] = SH_M, [0x04] = SH_UD, [0x0a] = SH_UD, [0x0c] = SH_UD,
	[0x0d] = SH_M, [0x0f] = MB,
	[0x10 ... 0x1f] = SH_M,
	[0x20 ... 0x23] = SH_M, [0x24 ... 0x27] = SH_UD,
	[0x28 ... 0x2f] = SH_M,
	[0x36] = SH_UD, [0x38] = SH_PFX, [0x39] = SH_UD, [0x3a] = SH_PFX,
	[0x3b ... 0x3f] = SH_UD,
	[0x40 ... 0x6f] = SH_M,
	[0x70 ... 0x73] = MB, [0x74 ... 0x76] = SH_M,
	[0x78 ... 0x79] = SH_M, [0x7a ... 0x7b] = SH_UD, [0x7c ... 0x7f] = SH_M,
	[0x80 ... 0x8f] = IMM_Z,
	[0x90 ... 0x9f] = SH_M,
	[0xa3] = SH_M, [0xa4] = MB, [0xa5] = SH_M, [0xa6 ... 0xa7] = SH_UD,
	[0xab] = SH_M, [0xac] = MB, [0xad ... 0xaf] = SH_M,
	[0xb0 ... 0xb9] = SH_M, [0xba] = MB, [0xbb ... 0xbf] = SH_M,
	[0xc0 ... 0xc1] = SH_M, [0xc2] = MB, [0xc3] = SH_M, [0xc4 ... 0xc6] = MB,
	[0xc7] = SH_M,
	[0xd0 ... 0xff] = SH_M,
};

/*
 * Byte source: the caller's bytes first (decode assists may give fewer than the whole
 * instruction), then bytes fetched from CS:RIP on demand.
 */
struct cursor {
	struct emu_ctxt *ctxt;
	struct emu_insn *insn;
	unsigned int pos;
	unsigned int avail;
};

/* Fetch more bytes from CS:RIP, up to the end of the page or of the 15-byte window. */
static int refill(struct cursor *c)
{
	u64 ip = c->ctxt->rip + c->pos;
	unsigned int n = 4096 - (unsigned int)(ip & 4095);
	int r;

	if (n > MAX_INSN_LEN - c->pos)
		n = MAX_INSN_LEN - c->pos;
	r = emu_fetch_bytes(c->ctxt, ip, c->insn->bytes + c->pos, n);
	if (r)
		return r;
	c->avail = c->pos + n;
	return X_OK;
}

static int next_byte(struct cursor *c, u8 *out)
{
	int r;

	if (c->pos >= MAX_INSN_LEN)
		return emu_fault(c->ctxt, EMU_EXC_GP, true, 0);
	if (c->pos >= c->avail) {
		r = refill(c);
		if (r)
			return r;
	}
	*out = c->insn->bytes[c->pos++];
	return X_OK;
}

static int peek_byte(struct cursor *c, u8 *out)
{
	int r = next_byte(c, out);

	if (!r)
		c->pos--;
	return r;
}

static int next_bytes(struct cursor *c, unsigned int n, u64 *out)
{
	u64 v = 0;
	unsigned int i;
	u8 b;
	int r;

	for (i = 0; i < n; i++) {
		r = next_byte(c, &b);
		if (r)
			return r;
		v |= (u64)b << (8 * i);
	}
	*out = v;
	return X_OK;
}

static int seg_of_prefix(u8 b)
{
	switch (b) {
	case 0x26: return EMU_ES;
	case 0x2e: return EMU_CS;
	case 0x36: return EMU_SS;
	case 0x3e: return EMU_DS;
	case 0x64: return EMU_FS;
	case 0x65: return EMU_GS;
	default: return -1;
	}
}

/* Step 1: legacy prefixes and REX. */
static int decode_prefixes(struct cursor *c, bool mode64)
{
	struct emu_insn *insn = c->insn;
	u8 b;
	int r, s;

	for (;;) {
		r = peek_byte(c, &b);
		if (r)
			return r;
		s = seg_of_prefix(b);
		if (s >= 0) {
			/* ES/CS/SS/DS overrides are ignored in 64-bit mode. */
			if (!mode64 || s >= EMU_FS) {
				insn->seg = s;
				insn->seg_override = true;
			}
		} else if (b == 0x66) {
			insn->opsize_prefix = true;
		} else if (b == 0x67) {
			insn->addrsize_prefix = true;
		} else if (b == 0xf0) {
			insn->lock = true;
		} else if (b == 0xf2 || b == 0xf3) {
			insn->rep = b;
		} else if (mode64 && (b & 0xf0) == 0x40) {
			insn->rex = b;
			c->pos++;
			continue;	/* REX counts only if the opcode follows */
		} else {
			return X_OK;
		}
		insn->rex = 0;		/* a legacy prefix after REX voids the REX */
		c->pos++;
	}
}

/* Step 2 for VEX (C4/C5) and EVEX (62): the payload bytes and the implied map. */
static int decode_vex(struct cursor *c, u8 first)
{
	struct emu_insn *insn = c->insn;
	u8 p0, p1, p2;
	int r;

	if (insn->rex || insn->lock || insn->rep || insn->opsize_prefix)
		return emu_fault(c->ctxt, EMU_EXC_UD, false, 0);
	r = next_byte(c, &p0);
	if (r)
		return r;
	if (first == 0xc5) {
		insn->vex = true;
		insn->map = 1;
		insn->rex = 0x40 | (p0 & 0x80 ? 0 : 4);
		insn->vex_vvvv = (~p0 >> 3) & 15;
		insn->vex_l = (p0 >> 2) & 1;
		p1 = p0;
	} else {
		r = next_byte(c, &p1);
		if (r)
			return r;
		insn->rex = 0x40 | (p0 & 0x80 ? 0 : 4) | (p0 & 0x40 ? 0 : 2) | (p0 & 0x20 ? 0 : 1);
		insn->map = p0 & 0x1f;
		insn->vex_w = p1 >> 7;
		if (insn->vex_w)
			insn->rex |= 8;
		insn->vex_vvvv = (~p1 >> 3) & 15;
		insn->vex_l = (p1 >> 2) & 1;
		if (first == 0x62) {
			insn->evex = true;
			insn->map = p0 & 7;
			r = next_byte(c, &p2);
			if (r)
				return r;
			insn->vex_l = (p2 >> 5) & 3;
			/* EVEX.P0 bit 3 must be zero, P1 bit 2 must be one. */
			if ((p0 & 0x08) || !(p1 & 0x04))
				return emu_fault(c->ctxt, EMU_EXC_UD, false, 0);
		} else if (first == 0xc4) {
			insn->vex = true;
		}
		if (first != 0x8f && (insn->map < 1 || insn->map > 3))
			return emu_fault(c->ctxt, EMU_EXC_UD, false, 0);
	}
	switch (p1 & 3) {
	case 1: insn->simd_prefix = 0x66; break;
	case 2: insn->simd_prefix = 0xf3; break;
	case 3: insn->simd_prefix = 0xf2; break;
	default: insn->simd_prefix = 0; break;
	}
	if (insn->simd_prefix == 0x66)
		insn->opsize_prefix = false;	/* VEX.pp does not change the operand size */
	return X_OK;
}

/* Step 2: opcode bytes (one-byte map, 0f, 0f38, 0f3a, or VEX/EVEX). */
static int decode_opcode(struct cursor *c, bool mode64, bool real)
{
	struct emu_insn *insn = c->insn;
	u8 b, nb;
	int r;

	r = next_byte(c, &b);
	if (r)
		return r;
	if (b == 0xc4 || b == 0xc5 || b == 0x62) {
		/* Outside 64-bit mode these are LES/LDS/BOUND unless ModRM.mod would be 3. */
		bool is_vex = mode64;

		if (!mode64 && !real) {
			r = peek_byte(c, &nb);
			if (r)
				return r;
			is_vex = (nb & 0xc0) == 0xc0;
		}
		if (is_vex) {
			r = decode_vex(c, b);
			if (r)
				return r;
			return next_byte(c, &insn->opcode);
		}
	}
	if (b == 0x8f) {
		/* AMD XOP: 8F with ModRM.reg != 0; recognised (length) but never emulated. */
		r = peek_byte(c, &nb);
		if (r)
			return r;
		if (nb & 0x38) {
			r = decode_vex(c, 0x8f);
			if (r)
				return r;
			insn->evex = true;
			insn->map = XOP_MAP_BASE + (nb & 0x1f);
			return next_byte(c, &insn->opcode);
		}
	}
	if (b != 0x0f) {
		insn->map = 0;
		insn->opcode = b;
		return X_OK;
	}
	r = next_byte(c, &b);
	if (r)
		return r;
	insn->map = 1;
	if (b == 0x38 || b == 0x3a) {
		insn->map = b == 0x38 ? 2 : 3;
		r = next_byte(c, &b);
		if (r)
			return r;
	}
	insn->opcode = b;
	return X_OK;
}

/* The shape (ModRM presence, immediate kind) of the decoded opcode. */
static u8 opcode_shape(const struct emu_insn *insn, bool mode64)
{
	if (insn->map >= XOP_MAP_BASE) {
		if (insn->map == XOP_MAP_BASE + 8)
			return MB;
		return insn->map == XOP_MAP_BASE + 10 ? SH_M | IMM_D : SH_M;
	}
	if (insn->vex || insn->evex) {
		if (insn->map == 3)
			return MB;
		if (insn->map == 2)
			return SH_M;
		if (insn->opcode == 0x77)
			return IMM_NONE;	/* VZEROUPPER / VZEROALL */
		return SH_M | (shape_map1[insn->opcode] & SH_IMM_MASK);
	}
	switch (insn->map) {
	case 0:
		if (!mode64 && (insn->opcode & 0xf0) == 0x40)
			return IMM_NONE;
		return shape_map0[insn->opcode];
	case 1:
		/* 66/F2 0F 78: AMD EXTRQ/INSERTQ with two imm8 (plain 0F 78 is VMREAD). */
		if (insn->opcode == 0x78 &&
		    (insn->simd_prefix == 0x66 || insn->simd_prefix == 0xf2))
			return SH_M | IMM_W;
		return shape_map1[insn->opcode];
	case 2:
		return SH_M;
	default:
		return MB;
	}
}

/* 16-bit ModRM addressing (SDM vol. 2, table 2-1). */
static void modrm16(struct emu_insn *insn)
{
	static const s8 base16[8] = { EMU_RBX, EMU_RBX, EMU_RBP, EMU_RBP,
				      EMU_RSI, EMU_RDI, EMU_RBP, EMU_RBX };
	static const s8 index16[8] = { EMU_RSI, EMU_RDI, EMU_RSI, EMU_RDI, -1, -1, -1, -1 };
	u8 rm = insn->modrm_rm & 7;

	insn->base = base16[rm];
	insn->index = index16[rm];
	if (insn->modrm_mod == 0 && rm == 6)
		insn->base = -1;
	if (!insn->seg_override && insn->base == EMU_RBP)
		insn->seg = EMU_SS;
}

/* Steps 3-5: ModRM, SIB and displacement. */
static int decode_modrm(struct cursor *c, bool mode64)
{
	struct emu_insn *insn = c->insn;
	unsigned int disp_size = 0;
	u8 m, sib;
	u64 d;
	int r;

	r = next_byte(c, &m);
	if (r)
		return r;
	insn->has_modrm = true;
	insn->modrm_mod = m >> 6;
	insn->modrm_reg = ((m >> 3) & 7) | (insn->rex & 4 ? 8 : 0);
	insn->modrm_rm = (m & 7) | (insn->rex & 1 ? 8 : 0);
	insn->base = -1;
	insn->index = -1;
	insn->scale = 1;
	/* MOV to/from control and debug registers always use the register form. */
	if (insn->map == 1 && !insn->vex && insn->opcode >= 0x20 && insn->opcode <= 0x23)
		insn->modrm_mod = 3;
	if (insn->modrm_mod == 3)
		return X_OK;
	insn->mem = true;

	if (insn->addr_size == 2) {
		modrm16(insn);
		if (insn->modrm_mod == 1)
			disp_size = 1;
		else if (insn->modrm_mod == 2 || (insn->modrm_mod == 0 && (m & 7) == 6))
			disp_size = 2;
	} else {
		if ((m & 7) == 4) {
			r = next_byte(c, &sib);
			if (r)
				return r;
			insn->scale = 1 << (sib >> 6);
			insn->index = ((sib >> 3) & 7) | (insn->rex & 2 ? 8 : 0);
			if (insn->index == EMU_RSP)
				insn->index = -1;	/* no index (R12 is a valid index) */
			insn->base = (sib & 7) | (insn->rex & 1 ? 8 : 0);
			if ((sib & 7) == 5 && insn->modrm_mod == 0) {
				insn->base = -1;
				disp_size = 4;
			}
		} else if ((m & 7) == 5 && insn->modrm_mod == 0) {
			disp_size = 4;
			insn->rip_rel = mode64;
		} else {
			insn->base = insn->modrm_rm;
		}
		if (insn->modrm_mod == 1)
			disp_size = 1;
		else if (insn->modrm_mod == 2)
			disp_size = 4;
		if (!insn->seg_override && (insn->base == EMU_RSP || insn->base == EMU_RBP))
			insn->seg = EMU_SS;
	}
	if (disp_size) {
		r = next_bytes(c, disp_size, &d);
		if (r)
			return r;
		insn->disp = (s64)emu_sext(d, disp_size);
	}
	return X_OK;
}

/* Step 6: immediate. */
static int decode_imm(struct cursor *c, unsigned int kind)
{
	struct emu_insn *insn = c->insn;
	unsigned int size = 0;
	u64 v;
	int r;

	switch (kind) {
	case IMM_B:
		size = 1;
		break;
	case IMM_W:
		size = 2;
		break;
	case IMM_D:
		size = 4;
		break;
	case IMM_Z:
		size = insn->op_size == 2 ? 2 : 4;
		break;
	case IMM_V:
		size = insn->op_size;
		break;
	case IMM_MOFFS:
		size = insn->addr_size;
		break;
	case IMM_ENTER:
		r = next_bytes(c, 2, &v);
		if (r)
			return r;
		insn->imm2 = (u16)v;
		size = 1;
		break;
	case IMM_FAR:
		r = next_bytes(c, insn->op_size == 2 ? 2 : 4, &v);
		if (r)
			return r;
		insn->imm = v;
		r = next_bytes(c, 2, &v);
		if (r)
			return r;
		insn->imm2 = (u16)v;
		insn->imm_size = insn->op_size == 2 ? 2 : 4;
		return X_OK;
	case IMM_GRP3:
		if ((insn->modrm_reg & 7) < 2)
			size = insn->opcode == 0xf6 ? 1 : (insn->op_size == 2 ? 2 : 4);
		break;
	default:
		return X_OK;
	}
	if (!size)
		return X_OK;
	r = next_bytes(c, size, &v);
	if (r)
		return r;
	insn->imm_size = size;
	insn->imm = (kind == IMM_MOFFS || kind == IMM_V) ? v : emu_sext(v, size);
	return X_OK;
}

/* Operand and address sizes from the mode and the 66/67 prefixes and REX.W. */
static void set_sizes(struct emu_insn *insn, enum emu_mode mode)
{
	bool def32 = mode == EMU_MODE_PROT32;

	if (mode == EMU_MODE_PROT64) {
		insn->addr_size = insn->addrsize_prefix ? 4 : 8;
		if (insn->rex & 8)
			insn->op_size = 8;
		else
			insn->op_size = insn->opsize_prefix ? 2 : 4;
		return;
	}
	insn->addr_size = (def32 ^ insn->addrsize_prefix) ? 4 : 2;
	insn->op_size = (def32 ^ insn->opsize_prefix) ? 4 : 2;
}

int emu_decode_insn(struct emu_ctxt *ctxt, struct emu_insn *insn, const u8 *bytes,
		    unsigned int len)
{
	bool mode64 = ctxt->mode == EMU_MODE_PROT64;
	bool real = ctxt->mode == EMU_MODE_REAL || ctxt->mode == EMU_MODE_VM86;
	struct cursor c = {
		.ctxt = ctxt, .insn = insn,
	};
	u8 shape;
	int r;

	memset(insn, 0, sizeof(*insn));
	insn->seg = EMU_DS;
	insn->base = -1;
	insn->index = -1;
	insn->scale = 1;
	if (len) {
		c.avail = len > MAX_INSN_LEN ? MAX_INSN_LEN : len;
		memcpy(insn->bytes, bytes, c.avail);
	}

	r = decode_prefixes(&c, mode64);
	if (r)
		return r;
	/* Mandatory prefix of SSE opcodes: F2/F3 win over 66. */
	insn->simd_prefix = insn->rep ? insn->rep : (insn->opsize_prefix ? 0x66 : 0);
	r = decode_opcode(&c, mode64, real);
	if (r)
		return r;
	set_sizes(insn, ctxt->mode);
	if (insn->vex && (insn->rex & 8) && mode64)
		insn->op_size = 8;
	else if (insn->vex)
		insn->op_size = mode64 || ctxt->mode == EMU_MODE_PROT32 ? 4 : 2;

	shape = opcode_shape(insn, mode64);
	if (!insn->vex && !insn->evex) {
		if (shape & SH_UD)
			return emu_fault(ctxt, EMU_EXC_UD, false, 0);
		if (mode64 && (shape & SH_I64))
			return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	}
	if (shape & SH_M) {
		r = decode_modrm(&c, mode64);
		if (r)
			return r;
	}
	r = decode_imm(&c, shape & SH_IMM_MASK);
	if (r)
		return r;
	insn->len = c.pos;
	insn->desc = emu_lookup(insn);
	return X_OK;
}
