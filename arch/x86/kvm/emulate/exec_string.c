// SPDX-License-Identifier: GPL-2.0-only
/*
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with REP/REPE/REPNE and
 * the direction flag.
 *
 * Each iteration is committed on its own (registers, then its writes), so a fault or an
 * exit to userspace in iteration k leaves the vCPU exactly as hardware would after k
 * iterations; RIP moves past the instruction only when the last iteration commits.
 */
#include "emu_internal.h"

/*
 * Elements a "rep ins" asks userspace for in one exit, as Linux's read-ahead does: the
 * count left, at most EMU_INS_BATCH bytes, and at most as many elements as there are
 * bytes left in the page in the direction of travel (Linux compares elements with
 * bytes there; copied so that the exits are the same).  Also no more than the REP
 * budget left, so that the budget still bounds the exits of one emu_run().  At least
 * one.
 */
static unsigned int ins_batch(struct emu_ctxt *ctxt, unsigned int size, u64 di)
{
	u64 count, room, n;

	if (!ctxt->insn.rep)
		return 1;
	count = ctxt->gpr[EMU_RCX] & emu_addr_mask(ctxt->insn.addr_size);
	room = (ctxt->rflags & EMU_FL_DF) ? (di & 4095) : 4096 - (di & 4095);
	n = EMU_INS_BATCH / size;
	if (n > room)
		n = room;
	if (n > count)
		n = count;
	if (n > ctxt->rep_left)
		n = ctxt->rep_left;
	return n ? (unsigned int)n : 1;
}

static bool ins_left(const struct emu_ctxt *ctxt)
{
	return ctxt->ins_pos < ctxt->ins_len;
}

/* One iteration.  si/di are the current offsets (already masked to the address size). */
static int string_step(struct emu_ctxt *ctxt, unsigned int op, unsigned int size, u64 si,
		       u64 di)
{
	u8 src_seg = ctxt->insn.seg;
	u64 a = 0, b = 0;
	u16 port = (u16)ctxt->gpr[EMU_RDX];
	u8 q;
	int r;

	switch (op) {
	case STR_MOVS:
		r = emu_mem_read(ctxt, src_seg, si, &a, size, false);
		if (!r)
			r = emu_mem_write(ctxt, EMU_ES, di, &a, size, false);
		return r;
	case STR_CMPS:
		r = emu_mem_read(ctxt, src_seg, si, &a, size, false);
		if (!r)
			r = emu_mem_read(ctxt, EMU_ES, di, &b, size, false);
		if (!r)
			emu_alu(&ctxt->rflags, ALU_CMP, a, b, size);
		return r;
	case STR_STOS:
		a = emu_reg_read(ctxt, EMU_RAX, size, false);
		return emu_mem_write(ctxt, EMU_ES, di, &a, size, false);
	case STR_LODS:
		r = emu_mem_read(ctxt, src_seg, si, &a, size, false);
		if (!r)
			emu_reg_write(ctxt, EMU_RAX, size, false, a);
		return r;
	case STR_SCAS:
		a = emu_reg_read(ctxt, EMU_RAX, size, false);
		r = emu_mem_read(ctxt, EMU_ES, di, &b, size, false);
		if (!r)
			emu_alu(&ctxt->rflags, ALU_CMP, a, b, size);
		return r;
	case STR_INS:
		/* The destination is checked before the port is read (no lost data). */
		q = ctxt->wqueue_len;
		r = emu_mem_write(ctxt, EMU_ES, di, &a, size, false);
		ctxt->wqueue_len = q;	/* drop the probe */
		if (r)
			return r;
		r = emu_ins_element(ctxt, port, &a, size, ins_batch(ctxt, size, di));
		if (!r)
			r = emu_mem_write(ctxt, EMU_ES, di, &a, size, false);
		return r;
	case STR_OUTS:
		r = emu_mem_read(ctxt, src_seg, si, &a, size, false);
		if (!r)
			r = emu_port_out(ctxt, port, &a, size);
		return r;
	default:
		return X_UNH;
	}
}

static bool uses_si(unsigned int op)
{
	return op == STR_MOVS || op == STR_CMPS || op == STR_LODS || op == STR_OUTS;
}

static bool uses_di(unsigned int op)
{
	return op != STR_LODS && op != STR_OUTS;
}

int emu_string(struct emu_ctxt *ctxt, const struct emu_opdesc *d, unsigned int size)
{
	struct emu_insn *insn = &ctxt->insn;
	unsigned int as = insn->addr_size;
	u64 amask = emu_addr_mask(as);
	bool rep = insn->rep != 0;
	unsigned int op = d->sub;
	u64 delta, count;
	bool done;
	int r;

	if (op == STR_INS || op == STR_OUTS) {
		r = emu_io_allowed(ctxt, (u16)ctxt->gpr[EMU_RDX], size);
		if (r)
			return r;
	}
	delta = (ctxt->rflags & EMU_FL_DF) ? (u64)-(s64)size : size;
	for (;;) {
		count = ctxt->gpr[EMU_RCX] & amask;
		if (rep && !count) {
			ctxt->rip = emu_next_rip(ctxt);
			return emu_commit(ctxt);
		}
		r = string_step(ctxt, op, size, ctxt->gpr[EMU_RSI] & amask,
				ctxt->gpr[EMU_RDI] & amask);
		if (r)
			return r;
		if (uses_si(op))
			emu_reg_write(ctxt, EMU_RSI, as, false, ctxt->gpr[EMU_RSI] + delta);
		if (uses_di(op))
			emu_reg_write(ctxt, EMU_RDI, as, false, ctxt->gpr[EMU_RDI] + delta);
		done = !rep;
		if (rep) {
			count--;
			emu_reg_write(ctxt, EMU_RCX, as, false, count);
			done = !count;
			if ((d->flags & OF_REPZ) &&
			    !!(ctxt->rflags & EMU_FL_ZF) != (insn->rep == 0xf3))
				done = true;
		}
		if (done)
			ctxt->rip = emu_next_rip(ctxt);
		if (ctxt->rep_left)
			ctxt->rep_left--;
		r = emu_commit(ctxt);
		if (r) {
			/* Carry on after the exit while the budget or read-ahead data lasts. */
			ctxt->restart = !done && (ctxt->rep_left || ins_left(ctxt));
			return r;
		}
		/*
		 * Out of budget: RIP still points at the instruction; the guest re-runs it.
		 * Never with port data read ahead: that would be lost.
		 */
		if (done || (!ctxt->rep_left && !ins_left(ctxt)))
			return X_OK;
	}
}
