// SPDX-License-Identifier: GPL-2.0-only
/*
 * Arithmetic and logic: the status flags computed in C (never from host flags), the
 * two-operand ALU group, INC/DEC/NEG/NOT, bit tests and SETcc.
 * Flag definitions: SDM vol. 1, 3.4.3.1 and appendix A (EFLAGS cross-reference).
 */
#include "emu_internal.h"

static bool parity_even(u64 v)
{
	u8 b = (u8)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/*
 * Apply operation op to a and b (size bytes), update the status flags in *flags and
 * return the result.  NOT leaves the flags alone; INC and DEC keep CF.
 */
u64 emu_alu(u64 *flags, unsigned int op, u64 a, u64 b, unsigned int size)
{
	u64 mask = emu_size_mask(size);
	u64 sign = 1ull << (size * 8 - 1);
	u64 carry_in = (*flags & EMU_FL_CF) ? 1 : 0;
	u64 res, f = *flags;
	bool cf = false, of = false, af = false;

	a &= mask;
	b &= mask;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
	case ALU_INC:
		if (op == ALU_INC)
			b = 1;
		if (op != ALU_ADC)
			carry_in = 0;
		res = (a + b + carry_in) & mask;
		cf = res < a || (carry_in && res == a);
		of = (a ^ res) & (b ^ res) & sign;
		af = (a ^ b ^ res) & 0x10;
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
	case ALU_DEC:
		if (op == ALU_DEC)
			b = 1;
		if (op != ALU_SBB)
			carry_in = 0;
		res = (a - b - carry_in) & mask;
		cf = a < b || (carry_in && a == b);
		of = (a ^ b) & (a ^ res) & sign;
		af = (a ^ b ^ res) & 0x10;
		break;
	case ALU_NEG:
		res = (0 - a) & mask;
		cf = a != 0;
		of = a == sign;
		af = (a ^ res) & 0x10;
		break;
	case ALU_OR:
		res = a | b;
		break;
	case ALU_AND:
	case ALU_TEST:
		res = a & b;
		break;
	case ALU_XOR:
		res = a ^ b;
		break;
	case ALU_NOT:
	default:
		return ~a & mask;
	}
	if (op == ALU_INC || op == ALU_DEC)
		cf = f & EMU_FL_CF;
	f &= ~EMU_FL_ARITH;
	if (cf)
		f |= EMU_FL_CF;
	if (parity_even(res))
		f |= EMU_FL_PF;
	if (af)
		f |= EMU_FL_AF;
	if (!res)
		f |= EMU_FL_ZF;
	if (res & sign)
		f |= EMU_FL_SF;
	if (of)
		f |= EMU_FL_OF;
	*flags = f;
	return res;
}

/* Condition codes tttn (SDM vol. 2, appendix B.1.4.7). */
bool emu_cond(u64 flags, unsigned int cc)
{
	bool cf = flags & EMU_FL_CF, zf = flags & EMU_FL_ZF, sf = flags & EMU_FL_SF;
	bool of = flags & EMU_FL_OF, pf = flags & EMU_FL_PF;
	bool r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return (cc & 1) ? !r : r;
}

int emu_h_alu(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	dst->val = emu_alu(&ctxt->rflags, ctxt->insn.desc->sub, dst->val, src->val, dst->size);
	return X_OK;
}

int emu_h_unary(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	(void)src;
	dst->val = emu_alu(&ctxt->rflags, ctxt->insn.desc->sub, dst->val, 0, dst->size);
	return X_OK;
}

int emu_h_setcc(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	(void)src;
	dst->val = emu_cond(ctxt->rflags, ctxt->insn.opcode & 15);
	return X_OK;
}

/*
 * BT, BTS, BTR, BTC (sub 0..3).  A register bit offset addresses memory beyond the
 * operand (signed, in operand-size units); an immediate offset is taken modulo the
 * operand width.  CF gets the bit; ZF is kept; OF, SF, AF, PF are undefined (we keep
 * them).  The handler does its own memory access; the description says no read/write.
 */
int emu_h_bt(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	unsigned int bits = dst->size * 8;
	unsigned int op = ctxt->insn.desc->sub;
	u64 off = src->val, val = 0, old, bit;
	int r;

	if (dst->kind == OPK_MEM && src->kind == OPK_REG) {
		s64 soff = (s64)emu_sext(off, src->size);
		s64 units = soff >> (bits == 16 ? 4 : bits == 32 ? 5 : 6);

		dst->ea = (dst->ea + (u64)(units * (s64)dst->size)) &
			  emu_addr_mask(ctxt->insn.addr_size);
	}
	bit = off & (bits - 1);
	if (dst->kind == OPK_MEM) {
		r = emu_mem_read(ctxt, dst->seg, dst->ea, &val, dst->size, false);
		if (r)
			return r;
	} else {
		val = emu_reg_read(ctxt, dst->reg, dst->size, dst->high8);
	}
	old = val;
	if ((val >> bit) & 1)
		ctxt->rflags |= EMU_FL_CF;
	else
		ctxt->rflags &= ~EMU_FL_CF;
	switch (op) {
	case 1:
		val |= 1ull << bit;
		break;
	case 2:
		val &= ~(1ull << bit);
		break;
	case 3:
		val ^= 1ull << bit;
		break;
	default:
		return X_OK;
	}
	if (dst->kind == OPK_MEM && ctxt->insn.lock)
		return emu_mem_write_locked(ctxt, dst->seg, dst->ea, &val, &old, dst->size);
	if (dst->kind == OPK_MEM)
		return emu_mem_write(ctxt, dst->seg, dst->ea, &val, dst->size, false);
	emu_reg_write(ctxt, dst->reg, dst->size, dst->high8, val);
	return X_OK;
}

/*
 * Shifts and rotates (group 2: ROL ROR RCL RCR SHL SHR SAL SAR by sub 0..7).  The count
 * is masked to 5 bits (6 with a 64-bit operand); a masked count of 0 changes nothing.
 * OF is defined for a count of 1 only, AF never for shifts; we compute the same values
 * the count-of-1 rule gives and keep AF clear.
 */
int emu_h_shift(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	unsigned int bits = dst->size * 8, op = ctxt->insn.desc->sub;
	unsigned int count = src->val & (bits == 64 ? 63 : 31);
	u64 mask = emu_size_mask(dst->size), sign = 1ull << (bits - 1);
	u64 a = dst->val & mask, res, f = ctxt->rflags;
	bool cf = f & EMU_FL_CF, of;
	unsigned int n, i;

	if (!count)
		return X_OK;
	switch (op) {
	case 0:		/* ROL */
	case 1:		/* ROR */
		n = count % bits;
		if (op == 0)
			res = n ? ((a << n) | (a >> (bits - n))) & mask : a;
		else
			res = n ? ((a >> n) | (a << (bits - n))) & mask : a;
		cf = op == 0 ? res & 1 : !!(res & sign);
		of = op == 0 ? !!(res & sign) != cf : !!(res & sign) != !!(res & (sign >> 1));
		f &= ~(EMU_FL_CF | EMU_FL_OF);
		break;
	case 2:		/* RCL */
	case 3:		/* RCR */
		n = count % (bits + 1);
		res = a;
		of = !!(a & sign) != cf;	/* RCR: from the operand before rotating */
		for (i = 0; i < n; i++) {
			bool out;

			if (op == 2) {
				out = res & sign;
				res = ((res << 1) | cf) & mask;
			} else {
				out = res & 1;
				res = (res >> 1) | (cf ? sign : 0);
			}
			cf = out;
		}
		if (op == 2)
			of = !!(res & sign) != cf;
		f &= ~(EMU_FL_CF | EMU_FL_OF);
		break;
	default:	/* SHL/SAL, SHR, SAR */
		if (op == 5) {
			res = count >= bits ? 0 : a >> count;
			cf = count <= bits && ((a >> (count - 1)) & 1);
			of = a & sign;
		} else if (op == 7) {
			s64 s = (s64)emu_sext(a, dst->size);
			unsigned int sh = count >= bits ? bits - 1 : count;

			res = (u64)(s >> sh) & mask;
			cf = (s >> (count >= bits ? bits - 1 : count - 1)) & 1;
			of = false;
		} else {
			res = count >= bits ? 0 : (a << count) & mask;
			cf = count <= bits && ((a << (count - 1)) & sign);
			of = !!(res & sign) != cf;
		}
		f &= ~EMU_FL_ARITH;
		if (!res)
			f |= EMU_FL_ZF;
		if (res & sign)
			f |= EMU_FL_SF;
		if (parity_even(res))
			f |= EMU_FL_PF;
		break;
	}
	if (cf)
		f |= EMU_FL_CF;
	if (of)
		f |= EMU_FL_OF;
	ctxt->rflags = f;
	dst->val = res;
	return X_OK;
}

/* 64 x 64 -> 128-bit unsigned product from 32-bit halves (no 128-bit types in C here). */
static u64 mul_u64(u64 a, u64 b, u64 *hi)
{
	u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = (ll >> 32) + (u32)lh + (u32)hl;

	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return (mid << 32) | (u32)ll;
}

/* Signed 64 x 64 -> 128: the unsigned product corrected for negative operands. */
static u64 mul_s64(u64 a, u64 b, u64 *hi)
{
	u64 lo = mul_u64(a, b, hi);

	if ((s64)a < 0)
		*hi -= b;
	if ((s64)b < 0)
		*hi -= a;
	return lo;
}

/* 128 / 64 by shift and subtract; false when the quotient does not fit in 64 bits. */
static bool div_u128(u64 hi, u64 lo, u64 d, u64 *q, u64 *r)
{
	unsigned int i;
	u64 quot = 0;

	if (!d || hi >= d)
		return false;
	for (i = 0; i < 64; i++) {
		bool top = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		quot <<= 1;
		if (top || hi >= d) {
			hi -= d;
			quot |= 1;
		}
	}
	*q = quot;
	*r = hi;
	return true;
}

static void set_cf_of(struct emu_ctxt *ctxt, bool v)
{
	if (v)
		ctxt->rflags |= EMU_FL_CF | EMU_FL_OF;
	else
		ctxt->rflags &= ~(EMU_FL_CF | EMU_FL_OF);
}

/* Product of a and b at size bytes: low and high halves; returns CF/OF. */
static bool multiply(bool sign, u64 a, u64 b, unsigned int size, u64 *lo, u64 *hi)
{
	unsigned int bits = size * 8;
	u64 mask = emu_size_mask(size), h;

	if (sign) {
		a = emu_sext(a, size);
		b = emu_sext(b, size);
	} else {
		a &= mask;
		b &= mask;
	}
	if (size == 8) {
		*lo = sign ? mul_s64(a, b, &h) : mul_u64(a, b, &h);
		*hi = h;
		return sign ? h != (u64)((s64)*lo >> 63) : h != 0;
	}
	*lo = (a * b) & mask;
	*hi = ((a * b) >> bits) & mask;
	if (sign)
		return emu_sext(*lo, size) != a * b;
	return *hi != 0;
}

/*
 * Group 3 /4../7: MUL, IMUL, DIV, IDIV of the accumulator by r/m (sub 4..7).  CF and OF
 * tell whether the product needs the high half; SF, ZF, AF, PF are undefined (kept).
 * DIV and IDIV raise #DE on a zero divisor or a quotient that does not fit; their flags
 * are undefined (kept).
 */
int emu_h_muldiv(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	unsigned int size = dst->size, op = ctxt->insn.desc->sub;
	u64 mask = emu_size_mask(size), lo, hi, q, r;
	u64 a_lo, a_hi, d = dst->val & mask;
	bool neg_q, neg_r;

	(void)src;
	if (size == 1) {
		a_lo = ctxt->gpr[EMU_RAX] & 0xff;
		a_hi = (ctxt->gpr[EMU_RAX] >> 8) & 0xff;
	} else {
		a_lo = ctxt->gpr[EMU_RAX] & mask;
		a_hi = ctxt->gpr[EMU_RDX] & mask;
	}
	if (op == 4 || op == 5) {
		set_cf_of(ctxt, multiply(op == 5, a_lo, d, size, &lo, &hi));
		goto store;
	}
	if (!d)
		return emu_fault(ctxt, EMU_EXC_DE, false, 0);
	if (op == 6) {
		/* Unsigned: widen the dividend to 128 bits. */
		if (size < 8) {
			u64 n = (a_hi << (size * 8)) | a_lo;

			q = n / d;
			r = n % d;
			if (q > mask)
				return emu_fault(ctxt, EMU_EXC_DE, false, 0);
		} else if (!div_u128(a_hi, a_lo, d, &q, &r)) {
			return emu_fault(ctxt, EMU_EXC_DE, false, 0);
		}
	} else {
		/* Signed: divide magnitudes, then fix the signs; the quotient must fit. */
		u64 sd = emu_sext(d, size), sign = 1ull << (size * 8 - 1), qmax;
		u64 n_hi = size == 8 ? a_hi : ((s64)emu_sext(a_hi, size) < 0 ? ~0ull : 0);
		u64 n_lo = size == 8 ? a_lo : ((a_hi << (size * 8)) | a_lo);

		if (size < 8)
			n_lo = emu_sext(n_lo, size * 2);
		neg_r = (s64)n_hi < 0;
		neg_q = neg_r != ((s64)sd < 0);
		if (neg_r) {
			n_lo = ~n_lo + 1;
			n_hi = ~n_hi + !n_lo;
		}
		if ((s64)sd < 0)
			sd = -sd;
		if (!div_u128(n_hi, n_lo, sd, &q, &r))
			return emu_fault(ctxt, EMU_EXC_DE, false, 0);
		qmax = neg_q ? sign : sign - 1;
		if (q > qmax)
			return emu_fault(ctxt, EMU_EXC_DE, false, 0);
		if (neg_q)
			q = -q;
		if (neg_r)
			r = -r;
	}
	lo = q;
	hi = r;
store:
	if (size == 1) {
		emu_reg_write(ctxt, EMU_RAX, 2, false, ((hi & 0xff) << 8) | (lo & 0xff));
	} else {
		emu_reg_write(ctxt, EMU_RAX, size, false, lo);
		emu_reg_write(ctxt, EMU_RDX, size, false, hi);
	}
	return X_OK;
}

/* IMUL r, r/m (0F AF) and IMUL r, r/m, imm (69, 6B): truncated signed product. */
int emu_h_imul(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 a = ctxt->insn.map == 0 ? ctxt->insn.imm : dst->val, lo, hi;

	set_cf_of(ctxt, multiply(true, a, src->val, dst->size, &lo, &hi));
	dst->val = lo;
	return X_OK;
}
