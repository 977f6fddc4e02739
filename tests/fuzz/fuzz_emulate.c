// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: decoder + emulator + page-table walker together.
 *
 * Input: a 160-byte header (mode and control bits, instruction bytes, GPRs, CR3, segment
 * and device knobs) followed by the initial contents of a 64 KiB guest RAM, which also
 * holds the page tables when paging is on.  Every userspace exit is completed with data
 * from the input, so the exit/resume paths run too.
 *
 * Besides the sanitizers, it checks invariants:
 *  - a fault or an unhandled result of a non-string instruction changes no register;
 *  - a decoded length is 1..15;
 *  - no more exits than the REP budget and the piece limit allow (no endless resume).
 */
#include <stdlib.h>
#include "vcpu.h"
#include "walk.h"
#include "emu_internal.h"

#define RAM_SIZE	0x10000
#define HDR_SIZE	160

static u8 ram[RAM_SIZE];
static struct walk_cfg wcfg;

static int fz_read_pte(void *priv, u64 gpa, u64 *val, unsigned int size)
{
	(void)priv;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < size)
		return -14;
	*val = 0;
	memcpy(val, ram + gpa, size);
	return 0;
}

static int fz_cmpxchg_pte(void *priv, u64 gpa, u64 old, u64 new, unsigned int size)
{
	u64 cur = 0;

	(void)priv;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < size)
		return -14;
	memcpy(&cur, ram + gpa, size);
	if (cur != old)
		return 1;
	memcpy(ram + gpa, &new, size);
	return 0;
}

static const struct walk_ops fz_walk_ops = {
	.read_pte = fz_read_pte, .cmpxchg_pte = fz_cmpxchg_pte,
};

/* ops->translate through the walker, as the kernel glue does. */
static int walk_xlate(struct tv_vcpu *v, u64 la, unsigned int acc, u64 *gpa,
		      struct emu_fault *f)
{
	struct walk_result res;
	int r;

	wcfg.cr0 = v->cr0;
	wcfg.cr3 = v->cr3;
	wcfg.cr4 = v->cr4;
	wcfg.efer = v->efer;
	wcfg.eflags_ac = v->rflags & (1u << 18);
	r = walk_translate(&fz_walk_ops, v, &wcfg, la, acc, &res);
	if (r == WALK_OK) {
		*gpa = res.gpa;
		return 0;
	}
	f->vector = EMU_EXC_PF;
	f->has_error = true;
	f->error = r == WALK_FAULT ? res.error : 0;
	f->cr2 = la;
	return -1;
}

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct tv_vcpu v;
	u8 hdr[HDR_SIZE] = { 0 };
	u64 before[16], rip_before;
	enum emu_status st;
	unsigned int i, n = 0, len;
	const u8 *rd_data;
	size_t rd_left;
	bool string;

	memcpy(hdr, data, size < HDR_SIZE ? size : HDR_SIZE);
	memset(ram, 0, RAM_SIZE);
	if (size > HDR_SIZE)
		memcpy(ram, data + HDR_SIZE,
		       size - HDR_SIZE < RAM_SIZE ? size - HDR_SIZE : RAM_SIZE);

	switch (hdr[0] & 3) {
	case 0: tv_init64(&v, ram, 0, RAM_SIZE); break;
	case 1: tv_init32(&v, ram, 0, RAM_SIZE); break;
	case 2: tv_init16(&v, ram, 0, RAM_SIZE); break;
	default: tv_init_real(&v, ram, 0, RAM_SIZE); break;
	}
	v.mmio_user = hdr[0] & 4;
	v.pio_user = hdr[0] & 8;
	if ((hdr[0] & 16) && (v.cr0 & 1)) {
		v.cr0 |= 1ull << 31;
		if ((hdr[0] & 3) != 0 && (hdr[1] & 1))
			v.cr4 |= 1u << 5;		/* PAE for 32/16-bit */
		v.xlate = walk_xlate;
		memset(&wcfg, 0, sizeof(wcfg));
		wcfg.maxphyaddr = 32 + (hdr[5] % 21);
		wcfg.gbpages = hdr[5] & 0x80;
		wcfg.pkru = (u32)get64(hdr + 6);
		wcfg.set_ad = true;
	} else if ((hdr[0] & 3) == 0) {
		v.cr0 |= 1ull << 31;			/* long mode needs paging on */
	}
	v.cpl = (hdr[0] & 32) ? 3 : 0;
	if (hdr[0] & 64)
		v.cr4 |= 1u << 12;
	if (hdr[1] & 2)
		v.cr4 |= 1u << 20;			/* SMEP */
	if (hdr[1] & 4)
		v.cr4 |= 1u << 21;			/* SMAP */
	if (hdr[1] & 8)
		v.cr4 |= 1u << 22;			/* PKE */
	if (hdr[1] & 16)
		v.cr4 &= ~(1ull << 9);			/* no OSFXSR */
	if (hdr[1] & 32)
		v.cr0 |= 1u << 3;			/* TS */
	if (hdr[1] & 64)
		v.cr0 |= 1u << 18;			/* AM */
	v.rflags = 2 | (hdr[2] & 0xd5) | ((u64)(hdr[3] & 0x3f) << 10);	/* DF, OF, IOPL */
	v.rflags &= ~(1ull << 17);
	if ((hdr[3] & 0x40) && ((hdr[0] & 3) == 1 || (hdr[0] & 3) == 2))
		v.rflags |= 1ull << 17;			/* virtual-8086 mode */
	if (hdr[1] & 128)
		v.rflags |= 1u << 18;			/* AC */
	v.ctxt.rep_budget = hdr[4] % 64 + 1;
	v.cr3 = (get64(hdr + 14) & 0xfffff000ull) % RAM_SIZE;
	for (i = 0; i < 16; i++) {
		v.gpr[i] = get64(hdr + 32 + 8 * i);
		if (hdr[22] & (1u << (i & 7)))
			v.gpr[i] &= 0xffff;		/* small values: hit RAM */
	}
	v.rip = hdr[23];
	v.seg[EMU_DS].limit = hdr[24] & 1 ? 0xfff : v.seg[EMU_DS].limit;
	v.seg[EMU_ES].type = hdr[24] & 2 ? 7 : v.seg[EMU_ES].type;
	v.seg[EMU_SS].db = hdr[24] & 4 ? 0 : v.seg[EMU_SS].db;
	v.seg[EMU_TR].base = (hdr[25] << 8) % RAM_SIZE;
	v.seg[EMU_TR].limit = 0x67 + hdr[26] * 32;
	v.seg[EMU_FS].base = get64(hdr + 14) >> 32;

	len = hdr[31] & 16 ? 0 : (hdr[31] % 16);
	if (len == 0 && !(hdr[31] & 16))
		len = 15;
	memcpy(before, v.gpr, sizeof(before));
	rip_before = v.rip;

	/* Decode alone first: the length is sane whatever happens next. */
	if (emu_decode(&v.ctxt, len ? hdr + 16 : NULL, len) == 0 &&
	    (v.ctxt.insn.len < 1 || v.ctxt.insn.len > 15))
		__builtin_trap();

	st = emu_run(&v.ctxt, len ? hdr + 16 : NULL, len);
	string = v.ctxt.insn.desc && (v.ctxt.insn.desc->flags & OF_STRING);
	rd_data = data;
	rd_left = size;
	while (st == EMU_EXIT_USER) {
		/* At most 5 pieces per iteration, rep_budget <= 64 iterations. */
		if (++n > 5 * 64 + 8)
			__builtin_trap();
		if (!v.ctxt.exit.write) {
			u8 buf[EMU_INS_BATCH] = { 0 };
			unsigned int l = v.ctxt.exit.len;

			if (l < 1 || l > 8)
				__builtin_trap();
			/* a batched "rep ins" wants count elements */
			if (v.ctxt.exit.pio && v.ctxt.exit.count > 1) {
				if (l * v.ctxt.exit.count > EMU_INS_BATCH)
					__builtin_trap();
				l *= v.ctxt.exit.count;
			}
			if (rd_left >= l) {
				memcpy(buf, rd_data, l);
				rd_data += l;
				rd_left -= l;
			}
			emu_complete_read(&v.ctxt, buf, l);
		}
		st = emu_resume(&v.ctxt);
	}
	if ((st == EMU_FAULT || st == EMU_UNHANDLED) && !string && n == 0) {
		if (memcmp(before, v.gpr, sizeof(before)) || v.rip != rip_before)
			__builtin_trap();
	}
	return 0;
}
