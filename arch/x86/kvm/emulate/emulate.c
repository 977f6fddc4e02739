// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emulator core: machine state cache, segmentation and memory access, the queue of
 * writes flushed at commit, the cache of device reads replayed on re-execution, operand
 * resolution and the dispatch of one instruction.
 *
 * No locks: one context per vCPU, used by the thread that runs the vCPU.
 */
#include "emu_internal.h"

u64 emu_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

u64 emu_sext(u64 v, unsigned int size)
{
	switch (size) {
	case 1: return (u64)(s64)(s8)v;
	case 2: return (u64)(s64)(s16)v;
	case 4: return (u64)(s64)(s32)v;
	default: return v;
	}
}

u64 emu_addr_mask(unsigned int addr_size)
{
	return emu_size_mask(addr_size);
}

int emu_fault(struct emu_ctxt *ctxt, u8 vector, bool has_error, u32 error)
{
	ctxt->fault.vector = vector;
	ctxt->fault.has_error = has_error;
	ctxt->fault.error = error;
	ctxt->fault.cr2 = 0;
	return X_FAULT;
}

/* -------------------------------------------------------------------------------------- */
/* Registers */

u64 emu_reg_read(struct emu_ctxt *ctxt, unsigned int reg, unsigned int size, bool high8)
{
	if (high8)
		return (ctxt->gpr[reg] >> 8) & 0xff;
	return ctxt->gpr[reg] & emu_size_mask(size);
}

void emu_reg_write(struct emu_ctxt *ctxt, unsigned int reg, unsigned int size, bool high8,
		   u64 val)
{
	u64 *r = &ctxt->gpr[reg];

	if (high8)
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
	else if (size == 4)
		*r = val & 0xffffffffull;	/* 32-bit writes zero-extend */
	else if (size == 8)
		*r = val;
	else
		*r = (*r & ~emu_size_mask(size)) | (val & emu_size_mask(size));
	ctxt->gpr_dirty |= 1u << reg;
}

static const struct emu_seg *get_seg(struct emu_ctxt *ctxt, unsigned int seg)
{
	if (!(ctxt->seg_loaded & (1u << seg))) {
		ctxt->ops->get_seg(ctxt, seg, &ctxt->seg[seg]);
		ctxt->seg_loaded |= 1u << seg;
	}
	return &ctxt->seg[seg];
}

static void load_state(struct emu_ctxt *ctxt)
{
	const struct emu_ops *ops = ctxt->ops;
	const struct emu_seg *cs;
	unsigned int i;

	if (ops->get_gprs) {
		ops->get_gprs(ctxt, ctxt->gpr);
	} else {
		for (i = 0; i < EMU_NR_GPRS; i++)
			ctxt->gpr[i] = ops->get_gpr(ctxt, i);
	}
	ctxt->gpr_dirty = 0;
	ctxt->mov_ss = false;
	ctxt->rip = ops->get_rip(ctxt);
	ctxt->rflags = ops->get_rflags(ctxt);
	ctxt->cr0 = ops->get_cr(ctxt, 0);
	ctxt->cr4 = ops->get_cr(ctxt, 4);
	ctxt->efer = ops->get_efer(ctxt);
	ctxt->seg_loaded = 0;
	cs = get_seg(ctxt, EMU_CS);
	if (!(ctxt->cr0 & EMU_CR0_PE))
		ctxt->mode = EMU_MODE_REAL;
	else if (ctxt->rflags & EMU_FL_VM)
		ctxt->mode = EMU_MODE_VM86;
	else if ((ctxt->efer & EMU_EFER_LMA) && cs->l)
		ctxt->mode = EMU_MODE_PROT64;
	else
		ctxt->mode = cs->db ? EMU_MODE_PROT32 : EMU_MODE_PROT16;
	if (ctxt->mode == EMU_MODE_REAL)
		ctxt->cpl = 0;
	else if (ctxt->mode == EMU_MODE_VM86)
		ctxt->cpl = 3;
	else
		ctxt->cpl = ops->get_cpl(ctxt);
}

/* -------------------------------------------------------------------------------------- */
/* Segmentation (SDM vol. 3, 5.3 limit checking, 5.4 type checking; 3.3.7.1 canonical) */

static bool is_canonical(struct emu_ctxt *ctxt, u64 la)
{
	unsigned int bits = (ctxt->cr4 & EMU_CR4_LA57) ? 57 : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

static int seg_fault(struct emu_ctxt *ctxt, unsigned int seg)
{
	return emu_fault(ctxt, seg == EMU_SS ? EMU_EXC_SS : EMU_EXC_GP, true, 0);
}

enum { ACC_READ, ACC_WRITE, ACC_FETCH };

static int linearize(struct emu_ctxt *ctxt, unsigned int seg, u64 ea, unsigned int size,
		     int acc, u64 *linear)
{
	const struct emu_seg *s;
	u64 la, last, hi;

	if (ctxt->mode == EMU_MODE_PROT64) {
		la = ea;
		if (seg == EMU_FS || seg == EMU_GS)
			la += get_seg(ctxt, seg)->base;
		if (!is_canonical(ctxt, la) || !is_canonical(ctxt, la + size - 1))
			return seg_fault(ctxt, seg);
		*linear = la;
		return X_OK;
	}
	s = get_seg(ctxt, seg);
	if (ctxt->mode != EMU_MODE_REAL && ctxt->mode != EMU_MODE_VM86) {
		if (s->unusable || !s->present)
			return seg_fault(ctxt, seg);
		if (s->type & 8) {
			/* Code segment: never writable, readable only with the R bit. */
			if (acc == ACC_WRITE || (acc == ACC_READ && !(s->type & 2)))
				return seg_fault(ctxt, seg);
		} else if (acc == ACC_WRITE && !(s->type & 2)) {
			return seg_fault(ctxt, seg);
		} else if (acc == ACC_FETCH) {
			return seg_fault(ctxt, seg);
		}
	}
	last = ea + size - 1;
	if (!(s->type & 8) && (s->type & 4) && ctxt->mode != EMU_MODE_REAL &&
	    ctxt->mode != EMU_MODE_VM86) {
		/* Expand-down data segment: offsets limit+1 .. 0xffff or 0xffffffff. */
		hi = s->db ? 0xffffffffull : 0xffffull;
		if (ea <= s->limit || last > hi)
			return seg_fault(ctxt, seg);
	} else if (last > s->limit || last < ea) {
		return seg_fault(ctxt, seg);
	}
	*linear = (s->base + ea) & 0xffffffffull;
	return X_OK;
}

static unsigned int access_bits(struct emu_ctxt *ctxt, int acc)
{
	unsigned int a = 0;

	if (acc == ACC_WRITE)
		a |= EMU_ACC_WRITE;
	if (acc == ACC_FETCH)
		a |= EMU_ACC_FETCH;
	if (ctxt->cpl == 3)
		a |= EMU_ACC_USER;
	return a;
}

/*
 * May this access use the address of the nested page fault that led here?  Only
 * the explicit memory operand, at the same offset in its page, and not a write
 * where the fault was a read (see fault_gpa in emulate.h).
 */
static bool use_fault_gpa(const struct emu_ctxt *ctxt, u64 la, unsigned int access)
{
	return ctxt->fault_gpa_valid && ctxt->operand_access &&
	       !(access & (EMU_ACC_FETCH | EMU_ACC_IMPLICIT)) &&
	       (!(access & EMU_ACC_WRITE) || ctxt->fault_gpa_write) &&
	       !((la ^ ctxt->fault_gpa) & 4095);
}

static int translate(struct emu_ctxt *ctxt, u64 la, unsigned int access, u64 *gpa)
{
	struct emu_fault f = { 0 };

	if (use_fault_gpa(ctxt, la, access)) {
		*gpa = ctxt->fault_gpa;
		return X_OK;
	}
	if (ctxt->ops->translate(ctxt, la, access, gpa, &f)) {
		ctxt->fault = f;
		return X_FAULT;
	}
	return X_OK;
}

static int check_align(struct emu_ctxt *ctxt, u64 la, unsigned int size, bool align_gp)
{
	if (align_gp && (la & (size - 1)))
		return emu_fault(ctxt, EMU_EXC_GP, true, 0);
	if (size > 1 && size <= 8 && (la & (size - 1)) && ctxt->cpl == 3 &&
	    (ctxt->cr0 & EMU_CR0_AM) && (ctxt->rflags & EMU_FL_AC))
		return emu_fault(ctxt, EMU_EXC_AC, true, 0);
	return X_OK;
}

/* -------------------------------------------------------------------------------------- */
/* Device reads: served from the replay cache, else from the in-kernel handler, else exit */

static int device_read(struct emu_ctxt *ctxt, u8 kind, u64 addr, u8 *buf, unsigned int len)
{
	struct emu_piece *p;
	int r;

	if (ctxt->rcache_pos < ctxt->rcache_len) {
		p = &ctxt->rcache[ctxt->rcache_pos];
		/* A mismatch means the guest changed under us: give up cleanly. */
		if (p->kind != kind || p->addr != addr || p->len != len)
			return X_UNH;
		memcpy(buf, p->data, len);
		ctxt->rcache_pos++;
		return X_OK;
	}
	if (ctxt->rcache_len >= EMU_MAX_PIECES)
		return X_UNH;
	if (kind == PIECE_PIO)
		r = ctxt->ops->pio_in(ctxt, (u16)addr, buf, len);
	else
		r = ctxt->ops->mmio_read(ctxt, addr, buf, len);
	if (r == EMU_MEM_OK) {
		p = &ctxt->rcache[ctxt->rcache_len++];
		p->kind = kind;
		p->addr = addr;
		p->len = len;
		memcpy(p->data, buf, len);
		ctxt->rcache_pos = ctxt->rcache_len;
		return X_OK;
	}
	memset(&ctxt->exit, 0, sizeof(ctxt->exit));
	ctxt->exit.pio = kind == PIECE_PIO;
	ctxt->exit.write = false;
	ctxt->exit.addr = addr;
	ctxt->exit.len = len;
	ctxt->exit.count = 1;
	ctxt->read_pending = true;
	return X_EXIT;
}

static int queue_write(struct emu_ctxt *ctxt, u8 kind, u64 addr, const u8 *buf,
		       unsigned int len, const u8 *old)
{
	struct emu_piece *p;

	if (ctxt->wqueue_len >= EMU_MAX_PIECES)
		return X_UNH;
	p = &ctxt->wqueue[ctxt->wqueue_len++];
	p->kind = kind;
	p->addr = addr;
	p->len = len;
	p->locked = old != NULL;
	memcpy(p->data, buf, len);
	if (old)
		memcpy(p->old, old, len);
	return X_OK;
}

/*
 * Access size bytes at linear address la: split at page boundaries (which also splits at
 * memory-slot boundaries) and, for device memory, into pieces of at most 8 bytes.
 */
static int access_linear(struct emu_ctxt *ctxt, u64 la, u8 *buf, unsigned int size, int acc,
			 const u8 *old)
{
	unsigned int done = 0, chunk, n, piece;
	u64 gpa[2];
	unsigned int nchunks = 0, i;
	int r;

	/* Translate every page first so a fault leaves nothing half done. */
	while (done < size) {
		u64 a = la + done;

		chunk = 4096 - (unsigned int)(a & 4095);
		if (chunk > size - done)
			chunk = size - done;
		if (nchunks >= 2)
			return X_UNH;
		r = translate(ctxt, a, access_bits(ctxt, acc), &gpa[nchunks]);
		if (r) {
			if (ctxt->fault.vector == EMU_EXC_PF)
				ctxt->fault.cr2 = a;
			return r;
		}
		nchunks++;
		done += chunk;
	}
	done = 0;
	for (i = 0; i < nchunks; i++) {
		u64 a = la + done;

		chunk = 4096 - (unsigned int)(a & 4095);
		if (chunk > size - done)
			chunk = size - done;
		if (acc == ACC_WRITE) {
			for (n = 0; n < chunk; n += piece) {
				piece = chunk - n > 8 ? 8 : chunk - n;
				/* Only an access in one piece can be atomic. */
				r = queue_write(ctxt, PIECE_MEM, gpa[i] + n, buf + done + n,
						piece, piece == size ? old : NULL);
				if (r)
					return r;
			}
		} else if (ctxt->ops->read_phys(ctxt, gpa[i], buf + done, chunk) != EMU_MEM_OK) {
			if (acc == ACC_FETCH)
				return X_UNH;	/* executing from device memory */
			for (n = 0; n < chunk; n += piece) {
				piece = chunk - n > 8 ? 8 : chunk - n;
				r = device_read(ctxt, PIECE_MEM, gpa[i] + n, buf + done + n,
						piece);
				if (r)
					return r;
			}
		}
		done += chunk;
	}
	return X_OK;
}

int emu_fetch_bytes(struct emu_ctxt *ctxt, u64 offset, u8 *buf, unsigned int len)
{
	u64 la;
	int r;

	if (ctxt->mode != EMU_MODE_PROT64)
		offset &= ctxt->seg[EMU_CS].db ? 0xffffffffull : 0xffffull;
	r = linearize(ctxt, EMU_CS, offset, len, ACC_FETCH, &la);
	if (r)
		return r;
	return access_linear(ctxt, la, buf, len, ACC_FETCH, NULL);
}

int emu_mem_read(struct emu_ctxt *ctxt, u8 seg, u64 ea, void *buf, unsigned int size,
		 bool align_gp)
{
	u64 la;
	int r;

	r = linearize(ctxt, seg, ea, size, ACC_READ, &la);
	if (!r)
		r = check_align(ctxt, la, size, align_gp);
	if (!r)
		r = access_linear(ctxt, la, buf, size, ACC_READ, NULL);
	return r;
}

static int mem_write(struct emu_ctxt *ctxt, u8 seg, u64 ea, const void *buf, unsigned int size,
		     bool align_gp, const void *old)
{
	u64 la;
	int r;

	r = linearize(ctxt, seg, ea, size, ACC_WRITE, &la);
	if (!r)
		r = check_align(ctxt, la, size, align_gp);
	if (!r)
		r = access_linear(ctxt, la, (u8 *)buf, size, ACC_WRITE, old);
	return r;
}

int emu_mem_write(struct emu_ctxt *ctxt, u8 seg, u64 ea, const void *buf, unsigned int size,
		  bool align_gp)
{
	return mem_write(ctxt, seg, ea, buf, size, align_gp, NULL);
}

/* The write of a LOCK'd read-modify-write; old is the value the instruction read. */
int emu_mem_write_locked(struct emu_ctxt *ctxt, u8 seg, u64 ea, const void *buf,
			 const void *old, unsigned int size)
{
	return mem_write(ctxt, seg, ea, buf, size, false, old);
}

/* -------------------------------------------------------------------------------------- */
/* Port I/O and its permission checks (SDM vol. 1, 19.5: I/O privilege level, bitmap) */

/*
 * 32/64-bit TSS (SDM vol. 3, 8.2.1 and 8.7): the 16-bit I/O map base lives at offset
 * 0x66; a TSS needs a limit of at least 0x67.  Types 9 (available) and 11 (busy).
 */
#define TSS_IOMAP_BASE		0x66
#define TSS_MIN_LIMIT		0x67
#define TSS_TYPE_AVAIL		9
#define TSS_TYPE_BUSY		11

int emu_io_allowed(struct emu_ctxt *ctxt, u16 port, unsigned int size)
{
	unsigned int iopl = (ctxt->rflags & EMU_FL_IOPL) >> 12;
	struct emu_seg tr;
	u64 gpa, la;
	u16 base, bits;
	u32 off;

	if (ctxt->mode == EMU_MODE_REAL)
		return X_OK;
	if (ctxt->mode != EMU_MODE_VM86 && ctxt->cpl <= iopl)
		return X_OK;
	ctxt->ops->get_seg(ctxt, EMU_TR, &tr);
	/* Only a present 32/64-bit TSS (type 9 or 11) has a bitmap. */
	if (!tr.present || tr.s || (tr.type != TSS_TYPE_AVAIL && tr.type != TSS_TYPE_BUSY) ||
	    tr.limit < TSS_MIN_LIMIT)
		return emu_fault(ctxt, EMU_EXC_GP, true, 0);
	if (translate(ctxt, tr.base + TSS_IOMAP_BASE, EMU_ACC_IMPLICIT, &gpa) ||
	    ctxt->ops->read_phys(ctxt, gpa, &base, 2) != EMU_MEM_OK)
		return ctxt->fault.vector ? X_FAULT : X_UNH;
	off = (u32)base + port / 8;
	if (off + 1 > tr.limit)
		return emu_fault(ctxt, EMU_EXC_GP, true, 0);
	la = tr.base + off;
	if (translate(ctxt, la, EMU_ACC_IMPLICIT, &gpa))
		return X_FAULT;
	bits = 0;
	if (ctxt->ops->read_phys(ctxt, gpa, &bits, ((la + 1) & 4095) ? 2 : 1) != EMU_MEM_OK)
		return X_UNH;
	if ((la & 4095) == 4095) {
		u8 hi;

		if (translate(ctxt, la + 1, EMU_ACC_IMPLICIT, &gpa) ||
		    ctxt->ops->read_phys(ctxt, gpa, &hi, 1) != EMU_MEM_OK)
			return ctxt->fault.vector ? X_FAULT : X_UNH;
		bits |= (u16)hi << 8;
	}
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		return emu_fault(ctxt, EMU_EXC_GP, true, 0);
	return X_OK;
}

int emu_port_in(struct emu_ctxt *ctxt, u16 port, void *buf, unsigned int size)
{
	return device_read(ctxt, PIECE_PIO, port, buf, size);
}

/*
 * One element for INS.  Elements left from a batched exit come first.  Otherwise the
 * port is read as usual; when that needs userspace and batch > 1, the exit asks for
 * batch elements at once (KVM_EXIT_IO with count > 1) and emu_complete_read() fills
 * the read-ahead buffer.
 */
int emu_ins_element(struct emu_ctxt *ctxt, u16 port, void *buf, unsigned int size,
		    unsigned int batch)
{
	int r;

	if (ctxt->ins_pos < ctxt->ins_len) {
		if (ctxt->ins_port != port || ctxt->ins_size != size)
			return X_UNH;
		memcpy(buf, ctxt->ins_buf + ctxt->ins_pos, size);
		ctxt->ins_pos += size;
		return X_OK;
	}
	r = device_read(ctxt, PIECE_PIO, port, buf, size);
	if (r == X_EXIT && batch > 1)
		ctxt->exit.count = batch;
	return r;
}

int emu_port_out(struct emu_ctxt *ctxt, u16 port, const void *buf, unsigned int size)
{
	return queue_write(ctxt, PIECE_PIO, port, buf, size, NULL);
}

/* -------------------------------------------------------------------------------------- */
/* Stack */

static unsigned int stack_addr_size(struct emu_ctxt *ctxt)
{
	if (ctxt->mode == EMU_MODE_PROT64)
		return 8;
	return get_seg(ctxt, EMU_SS)->db ? 4 : 2;
}

int emu_push(struct emu_ctxt *ctxt, u64 val, unsigned int size)
{
	unsigned int as = stack_addr_size(ctxt);
	u64 mask = emu_addr_mask(as);
	u64 sp = (ctxt->gpr[EMU_RSP] - size) & mask;
	int r;

	r = emu_mem_write(ctxt, EMU_SS, sp, &val, size, false);
	if (r)
		return r;
	emu_reg_write(ctxt, EMU_RSP, as, false, sp);
	return X_OK;
}

int emu_pop(struct emu_ctxt *ctxt, u64 *val, unsigned int size)
{
	unsigned int as = stack_addr_size(ctxt);
	u64 mask = emu_addr_mask(as);
	u64 sp = ctxt->gpr[EMU_RSP] & mask;
	int r;

	*val = 0;
	r = emu_mem_read(ctxt, EMU_SS, sp, val, size, false);
	if (r)
		return r;
	emu_reg_write(ctxt, EMU_RSP, as, false, sp + size);
	return X_OK;
}

/*
 * System-structure memory (descriptor tables): implicit supervisor accesses by linear
 * address, RAM only (a table in device memory is not emulated).
 */
static int system_access(struct emu_ctxt *ctxt, u64 la, void *buf, unsigned int len,
			 bool write)
{
	unsigned int done = 0, n;
	u64 gpa;
	int r;

	while (done < len) {
		if (ctxt->mode != EMU_MODE_PROT64)
			la &= 0xffffffffull;
		n = 4096 - (la & 4095);
		if (n > len - done)
			n = len - done;
		if (translate(ctxt, la, EMU_ACC_IMPLICIT | (write ? EMU_ACC_WRITE : 0), &gpa))
			return X_FAULT;
		if (write)
			r = ctxt->ops->write_phys(ctxt, gpa, (u8 *)buf + done, n);
		else
			r = ctxt->ops->read_phys(ctxt, gpa, (u8 *)buf + done, n);
		if (r != EMU_MEM_OK)
			return X_UNH;
		done += n;
		la += n;
	}
	return X_OK;
}

/*
 * MOV to DS/ES/FS/GS/SS in protected mode (SDM MOV, "loading a segment register in
 * protected mode"; APM 4.10): the null selector, the descriptor table limit, type,
 * privilege and presence checks, then the accessed bit and the hidden part.
 */
static int load_sreg_prot(struct emu_ctxt *ctxt, unsigned int seg, u16 sel)
{
	unsigned int rpl = sel & 3, cpl = ctxt->cpl;
	u32 err = sel & 0xfffc, tlimit;
	struct emu_seg s;
	u64 tbase;
	u8 d[8];
	int r;

	memset(&s, 0, sizeof(s));
	s.selector = sel;
	if (!(sel & ~3u)) {
		/* Null: fine for data registers; SS only in 64-bit mode at CPL < 3 = RPL. */
		if (seg == EMU_SS &&
		    !(ctxt->mode == EMU_MODE_PROT64 && cpl != 3 && rpl == cpl))
			return emu_fault(ctxt, EMU_EXC_GP, true, 0);
		s.unusable = 1;
		s.dpl = seg == EMU_SS ? cpl : 0;
		goto load;
	}
	if (sel & 4) {
		struct emu_seg ldt;

		ctxt->ops->get_seg(ctxt, EMU_LDTR, &ldt);
		if (ldt.unusable || !ldt.present)
			return emu_fault(ctxt, EMU_EXC_GP, true, err);
		tbase = ldt.base;
		tlimit = ldt.limit;
	} else {
		if (!ctxt->ops->get_gdtr)
			return X_UNH;
		ctxt->ops->get_gdtr(ctxt, &tbase, &tlimit);
	}
	if ((u32)(sel | 7) > tlimit)
		return emu_fault(ctxt, EMU_EXC_GP, true, err);
	r = system_access(ctxt, tbase + (sel & ~7u), d, 8, false);
	if (r)
		return r;

	s.limit = d[0] | (u32)d[1] << 8 | (u32)(d[6] & 15) << 16;
	s.base = d[2] | (u32)d[3] << 8 | (u32)d[4] << 16 | (u32)d[7] << 24;
	s.type = d[5] & 15;
	s.s = (d[5] >> 4) & 1;
	s.dpl = (d[5] >> 5) & 3;
	s.present = d[5] >> 7;
	s.l = (d[6] >> 5) & 1;
	s.db = (d[6] >> 6) & 1;
	s.g = d[6] >> 7;
	if (s.g)
		s.limit = s.limit << 12 | 0xfff;

	if (seg == EMU_SS) {
		/* a writable data segment with RPL = DPL = CPL */
		if (rpl != cpl || !s.s || (s.type & 0xa) != 0x2 || s.dpl != cpl)
			return emu_fault(ctxt, EMU_EXC_GP, true, err);
		if (!s.present)
			return emu_fault(ctxt, EMU_EXC_SS, true, err);
	} else {
		bool code = s.type & 8, conforming = code && (s.type & 4);

		/* data, or readable code; privilege unless conforming code */
		if (!s.s || (code && !(s.type & 2)) ||
		    (!conforming && (rpl > s.dpl || cpl > s.dpl)))
			return emu_fault(ctxt, EMU_EXC_GP, true, err);
		if (!s.present)
			return emu_fault(ctxt, EMU_EXC_NP, true, err);
	}
	if (!(s.type & 1)) {
		/* The CPU marks the descriptor accessed (byte 5). */
		s.type |= 1;
		d[5] |= 1;
		r = system_access(ctxt, tbase + (sel & ~7u) + 5, &d[5], 1, true);
		if (r)
			return r;
	}
load:
	ctxt->seg[seg] = s;
	ctxt->seg_loaded |= 1u << seg;
	ctxt->mov_ss = seg == EMU_SS;
	ctxt->ops->set_seg(ctxt, seg, &s);	/* no fault can follow the load */
	return X_OK;
}

/* Segment register load (mov Sreg, r/m): base = selector * 16 in real and v8086 mode. */
int emu_load_sreg(struct emu_ctxt *ctxt, unsigned int seg, u16 sel)
{
	struct emu_seg s;

	if (seg == EMU_CS)
		return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	if (ctxt->mode != EMU_MODE_REAL && ctxt->mode != EMU_MODE_VM86)
		return load_sreg_prot(ctxt, seg, sel);
	s = *get_seg(ctxt, seg);
	s.selector = sel;
	s.base = (u64)sel << 4;
	if (ctxt->mode == EMU_MODE_VM86) {
		s.limit = 0xffff;
		s.type = 3;
		s.s = 1;
		s.present = 1;
		s.dpl = 3;
	}
	ctxt->seg[seg] = s;
	ctxt->mov_ss = seg == EMU_SS;
	ctxt->ops->set_seg(ctxt, seg, &s);	/* no fault can follow the load */
	return X_OK;
}

/* -------------------------------------------------------------------------------------- */
/* Commit: registers, then the queued writes (each may need userspace) */

static int flush_writes(struct emu_ctxt *ctxt)
{
	const struct emu_ops *ops = ctxt->ops;
	struct emu_piece *p;
	int r;

	while (ctxt->wqueue_pos < ctxt->wqueue_len) {
		p = &ctxt->wqueue[ctxt->wqueue_pos++];
		if (p->kind == PIECE_DONE)
			continue;
		if (p->kind == PIECE_PIO) {
			r = ops->pio_out(ctxt, (u16)p->addr, p->data, p->len);
		} else {
			r = ops->write_phys(ctxt, p->addr, p->data, p->len);
			if (r != EMU_MEM_OK)
				r = ops->mmio_write(ctxt, p->addr, p->data, p->len);
		}
		if (r == EMU_MEM_OK)
			continue;
		memset(&ctxt->exit, 0, sizeof(ctxt->exit));
		ctxt->exit.pio = p->kind == PIECE_PIO;
		ctxt->exit.write = true;
		ctxt->exit.addr = p->addr;
		ctxt->exit.len = p->len;
		memcpy(ctxt->exit.data, p->data, p->len);
		ctxt->write_pending = true;
		return X_EXIT;
	}
	ctxt->write_pending = false;
	ctxt->wqueue_len = 0;
	ctxt->wqueue_pos = 0;
	return X_OK;
}

/*
 * LOCK'd updates of RAM go first, before anything else is written: if one lost a race
 * with another vCPU nothing has changed yet and the instruction runs again.
 */
static int commit_locked(struct emu_ctxt *ctxt)
{
	struct emu_piece *p;
	unsigned int i;
	int r;

	if (!ctxt->ops->cmpxchg_phys)
		return X_OK;
	for (i = 0; i < ctxt->wqueue_len; i++) {
		p = &ctxt->wqueue[i];
		if (!p->locked || p->kind != PIECE_MEM)
			continue;
		r = ctxt->ops->cmpxchg_phys(ctxt, p->addr, p->old, p->data, p->len);
		if (r == EMU_MEM_CHANGED)
			return X_RETRY;
		if (r == EMU_MEM_OK)
			p->kind = PIECE_DONE;
		/* EMU_MEM_MMIO: a device; written in order by flush_writes() */
	}
	return X_OK;
}

int emu_commit(struct emu_ctxt *ctxt)
{
	const struct emu_ops *ops = ctxt->ops;
	unsigned int i;
	int r;

	r = commit_locked(ctxt);
	if (r)
		return r;

	for (i = 0; i < EMU_NR_GPRS; i++)
		if (ctxt->gpr_dirty & (1u << i))
			ops->set_gpr(ctxt, i, ctxt->gpr[i]);
	ctxt->gpr_dirty = 0;
	ops->set_rip(ctxt, ctxt->rip);
	ops->set_rflags(ctxt, ctxt->rflags);
	ctxt->rcache_len = 0;
	ctxt->rcache_pos = 0;
	ctxt->wqueue_pos = 0;
	return flush_writes(ctxt);
}

/* -------------------------------------------------------------------------------------- */
/* Operands */

static unsigned int size_of(struct emu_ctxt *ctxt, unsigned int code)
{
	const struct emu_insn *insn = &ctxt->insn;

	switch (code) {
	case SZ_B: return 1;
	case SZ_W: return 2;
	case SZ_D: return 4;
	case SZ_Q: return 8;
	case SZ_V: return insn->op_size;
	case SZ_Z: return insn->op_size == 2 ? 2 : 4;
	case SZ_Y: return (insn->rex & 8) && ctxt->mode == EMU_MODE_PROT64 ? 8 : 4;
	case SZ_X: return insn->vex_l ? 32 : 16;
	case SZ_STK:
		if (ctxt->mode == EMU_MODE_PROT64)
			return insn->opsize_prefix ? 2 : 8;
		return insn->op_size;
	default: return 0;
	}
}

static u64 effective_address(struct emu_ctxt *ctxt)
{
	const struct emu_insn *insn = &ctxt->insn;
	u64 ea = (u64)insn->disp;

	if (insn->rip_rel)
		ea += ctxt->rip + insn->len;
	if (insn->base >= 0)
		ea += ctxt->gpr[insn->base];
	if (insn->index >= 0)
		ea += ctxt->gpr[insn->index] * insn->scale;
	return ea & emu_addr_mask(insn->addr_size);
}

static void gpr_operand(struct emu_ctxt *ctxt, struct emu_op *op, unsigned int reg)
{
	op->kind = OPK_REG;
	op->reg = reg;
	op->high8 = op->size == 1 && !ctxt->insn.rex && reg >= 4 && reg < 8;
	if (op->high8)
		op->reg = reg - 4;
}

/* Fill op's location (and for immediates its value) from the description. */
static int locate(struct emu_ctxt *ctxt, struct emu_op *op, unsigned int kind,
		  unsigned int size)
{
	const struct emu_insn *insn = &ctxt->insn;

	memset(op, 0, sizeof(*op));
	op->size = size_of(ctxt, size);
	switch (kind) {
	case OPK_NONE:
		op->kind = OPK_NONE;
		return X_OK;
	case OPK_REG:
		gpr_operand(ctxt, op, insn->modrm_reg);
		return X_OK;
	case OPK_ACC:
		gpr_operand(ctxt, op, EMU_RAX);
		return X_OK;
	case OPK_OPREG:
		gpr_operand(ctxt, op, (insn->opcode & 7) | (insn->rex & 1 ? 8 : 0));
		return X_OK;
	case OPK_RM:
	case OPK_MEM:
	case OPK_VRM:
		if (!insn->mem) {
			if (kind == OPK_MEM)
				return emu_fault(ctxt, EMU_EXC_UD, false, 0);
			if (kind == OPK_VRM) {
				op->kind = OPK_VREG;
				op->reg = insn->modrm_rm;
				return X_OK;
			}
			gpr_operand(ctxt, op, insn->modrm_rm);
			return X_OK;
		}
		op->kind = OPK_MEM;
		op->seg = insn->seg;
		op->ea = effective_address(ctxt);
		return X_OK;
	case OPK_MOFFS:
		op->kind = OPK_MEM;
		op->seg = insn->seg;
		op->ea = insn->imm & emu_addr_mask(insn->addr_size);
		return X_OK;
	case OPK_VREG:
		op->kind = OPK_VREG;
		op->reg = insn->modrm_reg;
		return X_OK;
	case OPK_SREG:
		op->kind = OPK_SREG;
		op->reg = insn->modrm_reg & 7;
		if (op->reg >= EMU_NR_SREGS)
			return emu_fault(ctxt, EMU_EXC_UD, false, 0);
		return X_OK;
	case OPK_IMM:
		op->kind = OPK_IMM;
		op->val = insn->imm & emu_size_mask(op->size);
		return X_OK;
	case OPK_CL:
		op->kind = OPK_IMM;
		op->val = ctxt->gpr[EMU_RCX] & 0xff;
		return X_OK;
	case OPK_ONE:
		op->kind = OPK_IMM;
		op->val = 1;
		return X_OK;
	case OPK_DX:
		op->kind = OPK_IMM;
		op->val = ctxt->gpr[EMU_RDX] & 0xffff;
		return X_OK;
	case OPK_IMMPORT:
		op->kind = OPK_IMM;
		op->val = insn->imm & 0xff;
		return X_OK;
	default:
		/* String operands are handled by the string handlers themselves. */
		op->kind = kind;
		return X_OK;
	}
}

static int fetch_value(struct emu_ctxt *ctxt, struct emu_op *op, bool align)
{
	int r;

	switch (op->kind) {
	case OPK_REG:
		op->val = emu_reg_read(ctxt, op->reg, op->size, op->high8);
		break;
	case OPK_MEM:
		ctxt->operand_access = true;
		if (op->size > 8) {
			r = emu_mem_read(ctxt, op->seg, op->ea, op->vec, op->size, align);
		} else {
			op->val = 0;
			r = emu_mem_read(ctxt, op->seg, op->ea, &op->val, op->size, false);
			memcpy(op->vec, &op->val, 8);
		}
		ctxt->operand_access = false;
		if (r)
			return r;
		break;
	case OPK_VREG:
		ctxt->ops->get_vec(ctxt, op->reg, op->vec, op->size < 16 ? 16 : op->size);
		memcpy(&op->val, op->vec, 8);
		break;
	case OPK_SREG:
		op->val = get_seg(ctxt, op->reg)->selector;
		break;
	default:
		break;
	}
	if (op->kind != OPK_MEM && op->kind != OPK_VREG)
		memcpy(op->vec, &op->val, 8);
	op->orig = op->val;
	return X_OK;
}

static int store_mem(struct emu_ctxt *ctxt, struct emu_op *op, bool align)
{
	if (op->size > 8)
		return emu_mem_write(ctxt, op->seg, op->ea, op->vec, op->size, align);
	if (ctxt->insn.lock || (ctxt->insn.desc->flags & OF_IMPL_LOCK))
		return emu_mem_write_locked(ctxt, op->seg, op->ea, &op->val, &op->orig, op->size);
	return emu_mem_write(ctxt, op->seg, op->ea, &op->val, op->size, false);
}

static int store_value(struct emu_ctxt *ctxt, struct emu_op *op, bool align)
{
	int r;

	switch (op->kind) {
	case OPK_REG:
		emu_reg_write(ctxt, op->reg, op->size, op->high8, op->val);
		return X_OK;
	case OPK_MEM:
		ctxt->operand_access = true;
		r = store_mem(ctxt, op, align);
		ctxt->operand_access = false;
		return r;
	case OPK_VREG:
		/* Legacy SSE keeps bits above 128; VEX zeroes them. */
		ctxt->ops->set_vec(ctxt, op->reg, op->vec, op->size, ctxt->insn.vex);
		return X_OK;
	case OPK_SREG:
		return emu_load_sreg(ctxt, op->reg, (u16)op->val);
	default:
		return X_OK;
	}
}

/* -------------------------------------------------------------------------------------- */
/* One instruction */

static int simd_checks(struct emu_ctxt *ctxt)
{
	if (ctxt->mode == EMU_MODE_REAL && ctxt->insn.vex)
		return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	if ((ctxt->cr0 & EMU_CR0_EM) || !(ctxt->cr4 & EMU_CR4_OSFXSR))
		return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	if (ctxt->insn.vex && !(ctxt->cr4 & EMU_CR4_OSXSAVE))
		return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	if (ctxt->cr0 & EMU_CR0_TS)
		return emu_fault(ctxt, EMU_EXC_NM, false, 0);
	return X_OK;
}

u64 emu_next_rip(struct emu_ctxt *ctxt)
{
	u64 rip = ctxt->rip + ctxt->insn.len;

	if (ctxt->mode != EMU_MODE_PROT64)
		rip &= ctxt->seg[EMU_CS].db ? 0xffffffffull : 0xffffull;
	return rip;
}

static int execute(struct emu_ctxt *ctxt)
{
	struct emu_insn *insn = &ctxt->insn;
	const struct emu_opdesc *d = insn->desc;
	struct emu_op dst, src;
	bool align;
	int r;

	if (!d || insn->evex)
		return X_UNH;
	if ((d->flags & OF_INV64) && ctxt->mode == EMU_MODE_PROT64)
		return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	if ((d->flags & OF_ONLY64) && ctxt->mode != EMU_MODE_PROT64)
		return X_UNH;
	if (insn->vex && !(d->flags & OF_VEX_OK))
		return X_UNH;
	if (insn->lock && (!(d->flags & OF_LOCK) || !insn->mem))
		return emu_fault(ctxt, EMU_EXC_UD, false, 0);
	if (d->flags & OF_SIMD) {
		r = simd_checks(ctxt);
		if (r)
			return r;
	}
	if (d->flags & OF_STRING)
		return emu_string(ctxt, d, size_of(ctxt, d->dsize));

	align = d->flags & OF_ALIGN;
	r = locate(ctxt, &src, d->src, d->ssize);
	if (!r)
		r = locate(ctxt, &dst, d->dst, d->dsize);
	if (!r)
		r = fetch_value(ctxt, &src, align);
	if (!r && !(d->flags & OF_NO_DST_READ))
		r = fetch_value(ctxt, &dst, align);
	if (r)
		return r;
	r = d->exec(ctxt, &dst, &src);
	if (r)
		return r;
	if (!(d->flags & OF_NO_WRITE)) {
		r = store_value(ctxt, &dst, align);
		if (r)
			return r;
	}
	ctxt->rip = emu_next_rip(ctxt);
	return emu_commit(ctxt);
}

/* Map an internal result to the caller's status, injecting faults. */
static enum emu_status finish(struct emu_ctxt *ctxt, int r)
{
	ctxt->operand_access = false;
	if (r != X_EXIT) {
		/* The instruction is over: what only it could use goes. */
		ctxt->fault_gpa_valid = false;
		ctxt->decoded = false;
	}
	switch (r) {
	case X_OK:
		ctxt->in_flight = false;
		return EMU_DONE;
	case X_EXIT:
		ctxt->in_flight = true;
		return EMU_EXIT_USER;
	case X_FAULT:
		ctxt->in_flight = false;
		ctxt->rcache_len = 0;
		ctxt->wqueue_len = 0;
		ctxt->ins_len = 0;
		if (ctxt->ops->inject_exception)
			ctxt->ops->inject_exception(ctxt, &ctxt->fault);
		return EMU_FAULT;
	default:
		ctxt->in_flight = false;
		ctxt->rcache_len = 0;
		ctxt->wqueue_len = 0;
		ctxt->ins_len = 0;
		return EMU_UNHANDLED;
	}
}

/* Load the state, decode (bytes kept in saved_bytes) and execute. */
static int run_once(struct emu_ctxt *ctxt, const u8 *bytes, unsigned int len)
{
	int r;

	load_state(ctxt);
	ctxt->rcache_pos = 0;
	ctxt->wqueue_len = 0;
	ctxt->wqueue_pos = 0;
	ctxt->restart = false;
	if (!ctxt->decoded || ctxt->decoded_mode != ctxt->mode) {
		r = emu_decode_insn(ctxt, &ctxt->insn, bytes, len);
		if (r)
			return r;
		memcpy(ctxt->saved_bytes, ctxt->insn.bytes, ctxt->insn.len);
		ctxt->saved_len = ctxt->insn.len;
		ctxt->decoded = true;
		ctxt->decoded_mode = ctxt->mode;
	}
	return execute(ctxt);
}

/* run_once(), again while a LOCK'd update loses races (bounded: then give up). */
static int run_retrying(struct emu_ctxt *ctxt, const u8 *bytes, unsigned int len)
{
	unsigned int tries;
	int r = run_once(ctxt, bytes, len);

	for (tries = 0; r == X_RETRY && tries < 16; tries++)
		r = run_once(ctxt, ctxt->saved_bytes, ctxt->saved_len);
	return r == X_RETRY ? X_UNH : r;
}

enum emu_status emu_run(struct emu_ctxt *ctxt, const u8 *bytes, unsigned int len)
{
	memset(&ctxt->fault, 0, sizeof(ctxt->fault));
	ctxt->rep_left = ctxt->rep_budget ? ctxt->rep_budget : 4096;
	ctxt->rcache_len = 0;
	ctxt->read_pending = false;
	ctxt->write_pending = false;
	ctxt->ins_len = 0;
	ctxt->ins_pos = 0;
	ctxt->decoded = false;
	return finish(ctxt, run_retrying(ctxt, bytes, len));
}

int emu_decode(struct emu_ctxt *ctxt, const u8 *bytes, unsigned int len)
{
	ctxt->decoded = false;
	load_state(ctxt);
	return emu_decode_insn(ctxt, &ctxt->insn, bytes, len) ? -1 : 0;
}

void emu_complete_read(struct emu_ctxt *ctxt, const void *data, unsigned int len)
{
	struct emu_piece *p;

	if (ctxt->read_pending && ctxt->exit.pio && ctxt->exit.count > 1) {
		/* A batched "rep ins": the elements go to the read-ahead buffer. */
		if (len != (unsigned int)ctxt->exit.len * ctxt->exit.count || len > EMU_INS_BATCH)
			return;
		memcpy(ctxt->ins_buf, data, len);
		ctxt->ins_len = len;
		ctxt->ins_pos = 0;
		ctxt->ins_port = (u16)ctxt->exit.addr;
		ctxt->ins_size = ctxt->exit.len;
		ctxt->read_pending = false;
		return;
	}
	if (!ctxt->read_pending || len != ctxt->exit.len || ctxt->rcache_len >= EMU_MAX_PIECES)
		return;
	p = &ctxt->rcache[ctxt->rcache_len++];
	p->kind = ctxt->exit.pio ? PIECE_PIO : PIECE_MEM;
	p->addr = ctxt->exit.addr;
	p->len = len;
	memcpy(p->data, data, len);
	memcpy(ctxt->exit.data, data, len);
	ctxt->read_pending = false;
}

enum emu_status emu_resume(struct emu_ctxt *ctxt)
{
	int r;

	if (!ctxt->in_flight || ctxt->read_pending)
		return finish(ctxt, X_UNH);
	if (ctxt->write_pending) {
		r = flush_writes(ctxt);
		if (r || !ctxt->restart) {
			if (!r)
				ctxt->rcache_len = 0;
			return finish(ctxt, r);
		}
		ctxt->rcache_len = 0;
	}
	/* Re-execute from the start; earlier device reads come from the cache. */
	return finish(ctxt, run_retrying(ctxt, ctxt->saved_bytes, ctxt->saved_len));
}

void emu_reset(struct emu_ctxt *ctxt)
{
	ctxt->in_flight = false;
	ctxt->decoded = false;
	ctxt->fault_gpa_valid = false;
	ctxt->operand_access = false;
	ctxt->read_pending = false;
	ctxt->write_pending = false;
	ctxt->restart = false;
	ctxt->rcache_len = 0;
	ctxt->rcache_pos = 0;
	ctxt->wqueue_len = 0;
	ctxt->wqueue_pos = 0;
	ctxt->ins_len = 0;
	ctxt->ins_pos = 0;
}
