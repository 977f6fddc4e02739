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
