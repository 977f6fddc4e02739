// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data movement: MOV forms, MOVZX/MOVSX/MOVSXD, XCHG, CMPXCHG, PUSH/POP, the SSE/AVX
 * loads and stores, IN/OUT.
 */
#include "emu_internal.h"

int emu_h_mov(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	(void)ctxt;
	dst->val = src->val;
	return X_OK;
}

/* MOVZX, MOVSX, MOVSXD (sub 1: sign-extend). */
int emu_h_movsx(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	dst->val = ctxt->insn.desc->sub ? emu_sext(src->val, src->size) : src->val;
	return X_OK;
}

/* MOV r/m, Sreg: a memory destination is always 16 bits wide. */
int emu_h_mov_from_sreg(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	(void)ctxt;
	if (dst->kind == OPK_MEM)
		dst->size = 2;
	dst->val = src->val;
	return X_OK;
}

int emu_h_xchg(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 old = dst->val;

	dst->val = src->val;
	emu_reg_write(ctxt, src->reg, src->size, src->high8, old);
	return X_OK;
}

/*
 * CMPXCHG: compare the accumulator with the destination.  Equal: ZF=1 and the source is
 * stored.  Different: ZF=0 and the accumulator is loaded.  A register destination is
 * then left alone (for a 32-bit one the CPU keeps its upper half, checked by the
 * differential test); a memory destination is written back with the value read, as
 * the SDM says the CPU does so that the access is always a locked read-modify-write.
 * On device memory that write is visible: one read and one write exit either way, as
 * Linux's KVM also gives.
 */
int emu_h_cmpxchg(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 acc = emu_reg_read(ctxt, EMU_RAX, dst->size, false);

	emu_alu(&ctxt->rflags, ALU_CMP, acc, dst->val, dst->size);
	if (ctxt->rflags & EMU_FL_ZF) {
		dst->val = src->val;
		return X_OK;
	}
	emu_reg_write(ctxt, EMU_RAX, dst->size, false, dst->val);
	if (dst->kind != OPK_MEM)
		dst->kind = OPK_NONE;
	return X_OK;
}

/* XADD: the destination gets the sum (flags of ADD), the source register the old value. */
int emu_h_xadd(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 old = dst->val;

	dst->val = emu_alu(&ctxt->rflags, ALU_ADD, dst->val, src->val, dst->size);
	/* Written before the destination: for xadd r, r the destination wins. */
	emu_reg_write(ctxt, src->reg, src->size, src->high8, old);
	return X_OK;
}

/*
 * CMOVcc r, r/m: the source is always read (a device sees the access either way).
 * A false condition leaves the register, except that a 32-bit one is still written,
 * which zero-extends it in 64-bit mode (SDM CMOVcc).
 */
int emu_h_cmov(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	if (emu_cond(ctxt->rflags, ctxt->insn.opcode & 15))
		dst->val = src->val;
	else if (dst->size == 4)
		dst->val = emu_reg_read(ctxt, dst->reg, 4, false);
	else
		dst->kind = OPK_NONE;
	return X_OK;
}

/*
 * CMPXCHG8B m64: compare EDX:EAX with the destination.  Equal: ZF=1 and ECX:EBX is
 * stored.  Different: ZF=0, EDX:EAX is loaded (32-bit writes) and the value read is
 * written back, as for CMPXCHG.  No other flag changes.
 */
int emu_h_cmpxchg8b(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 acc = emu_reg_read(ctxt, EMU_RDX, 4, false) << 32 |
		  emu_reg_read(ctxt, EMU_RAX, 4, false);

	(void)src;
	if (dst->val == acc) {
		ctxt->rflags |= EMU_FL_ZF;
		dst->val = emu_reg_read(ctxt, EMU_RCX, 4, false) << 32 |
			   emu_reg_read(ctxt, EMU_RBX, 4, false);
		return X_OK;
	}
	ctxt->rflags &= ~EMU_FL_ZF;
	emu_reg_write(ctxt, EMU_RAX, 4, false, dst->val & 0xffffffffull);
	emu_reg_write(ctxt, EMU_RDX, 4, false, dst->val >> 32);
	return X_OK;
}

int emu_h_push(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	(void)dst;
	return emu_push(ctxt, src->val, src->size);
}

/* POP: with RSP as base the address is computed after the increment (SDM POP). */
int emu_h_pop(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 val;
	int r;

	(void)src;
	r = emu_pop(ctxt, &val, dst->size);
	if (r)
		return r;
	if (dst->kind == OPK_MEM && ctxt->insn.base == EMU_RSP)
		dst->ea = (dst->ea + dst->size) & emu_addr_mask(ctxt->insn.addr_size);
	dst->val = val;
	return X_OK;
}

/*
 * Vector moves: copy min(source, destination) bytes; a register destination narrower
 * than 128 bits is zero-extended to 128 (MOVD/MOVQ loads).
 */
int emu_h_vmov(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	unsigned int n = dst->size < src->size ? dst->size : src->size;
	u8 tmp[32];

	if (ctxt->insn.vex) {
		if (ctxt->insn.vex_vvvv)
			return emu_fault(ctxt, EMU_EXC_UD, false, 0);
		if ((ctxt->insn.desc->flags & OF_VEX_L0) && ctxt->insn.vex_l)
			return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	}
	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, src->vec, n);
	memcpy(dst->vec, tmp, sizeof(tmp));
	memcpy(&dst->val, tmp, 8);
	if (dst->kind == OPK_VREG && dst->size < 16)
		dst->size = 16;
	return X_OK;
}

/* IN AL/AX/EAX, imm8 or DX. */
int emu_h_in(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	u64 val = 0;
	int r;

	r = emu_io_allowed(ctxt, (u16)src->val, dst->size);
	if (!r)
		r = emu_port_in(ctxt, (u16)src->val, &val, dst->size);
	dst->val = val;
	return r;
}

/* OUT imm8 or DX, AL/AX/EAX: dst is the port, src the data. */
int emu_h_out(struct emu_ctxt *ctxt, struct emu_op *dst, struct emu_op *src)
{
	int r;

	r = emu_io_allowed(ctxt, (u16)dst->val, src->size);
	if (!r)
		r = emu_port_out(ctxt, (u16)dst->val, &src->val, src->size);
	return r;
}
