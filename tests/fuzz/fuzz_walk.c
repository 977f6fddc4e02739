// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the page-table walker alone, with every configuration knob (paging
 * mode, CR0/CR4/EFER bits, PKRU, MAXPHYADDR, cached PDPTEs, access kind) taken from the
 * input and the page tables in a 64 KiB guest memory.
 *
 * Invariants besides the sanitizers: a successful translation keeps the page offset;
 * the reported page size matches the level; a walk repeated without A/D updates gives
 * the same answer; faults always carry P or a not-present code consistent with RSVD.
 */
#include "walk.h"

#define MEM_SIZE	0x10000
#define HDR_SIZE	64

static u8 mem[MEM_SIZE];

static int rd(void *priv, u64 gpa, u64 *val, unsigned int size)
{
	(void)priv;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size)
		return -14;
	*val = 0;
	memcpy(val, mem + gpa, size);
	return 0;
}

static int cx(void *priv, u64 gpa, u64 old, u64 new, unsigned int size)
{
	u64 cur = 0;

	(void)priv;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size)
		return -14;
	memcpy(&cur, mem + gpa, size);
	if (cur != old)
		return 1;
	memcpy(mem + gpa, &new, size);
	return 0;
}

static const struct walk_ops ops = { .read_pte = rd, .cmpxchg_pte = cx };

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 hdr[HDR_SIZE] = { 0 };
	struct walk_cfg cfg;
	struct walk_result r1, r2;
	u64 pdptrs[4], la;
	unsigned int access;
	int s1, s2;

	memcpy(hdr, data, size < HDR_SIZE ? size : HDR_SIZE);
	memset(mem, 0, MEM_SIZE);
	if (size > HDR_SIZE)
		memcpy(mem, data + HDR_SIZE,
		       size - HDR_SIZE < MEM_SIZE ? size - HDR_SIZE : MEM_SIZE);

	memset(&cfg, 0, sizeof(cfg));
	cfg.cr0 = (1ull << 31) | 1 | ((hdr[0] & 1) ? 1ull << 16 : 0);
	if (hdr[0] & 2)
		cfg.cr0 &= ~(1ull << 31);
	cfg.cr4 = (u64)hdr[1] << 4;			/* PSE, PAE, ... */
	cfg.cr4 |= (u64)(hdr[2] & 0x7) << 20;		/* SMEP, SMAP, PKE */
	if (hdr[2] & 8)
		cfg.cr4 |= 1ull << 12;			/* LA57 */
	cfg.efer = ((hdr[2] & 16) ? 1ull << 10 : 0) | ((hdr[2] & 32) ? 1ull << 11 : 0);
	cfg.cr3 = get64(hdr + 8) % MEM_SIZE;
	cfg.pkru = (u32)get64(hdr + 16);
	cfg.maxphyaddr = hdr[3];			/* clamped by the walker */
	cfg.gbpages = hdr[2] & 64;
	cfg.eflags_ac = hdr[2] & 128;
	memcpy(pdptrs, hdr + 24, 32);
	cfg.pdptrs = (hdr[4] & 1) ? pdptrs : NULL;
	la = get64(hdr + 56);
	access = hdr[5] & 15;

	cfg.set_ad = false;
	s1 = walk_translate(&ops, NULL, &cfg, la, access, &r1);
	s2 = walk_translate(&ops, NULL, &cfg, la, access, &r2);
	if (s1 != s2 || (s1 == WALK_OK && r1.gpa != r2.gpa) ||
	    (s1 == WALK_FAULT && r1.error != r2.error))
		__builtin_trap();
	if (s1 == WALK_OK) {
		if (!r1.page_size || (r1.page_size & (r1.page_size - 1)))
			__builtin_trap();
		if ((r1.gpa & (r1.page_size - 1)) != (la & (r1.page_size - 1)))
			__builtin_trap();
	}
	if (s1 == WALK_FAULT && (r1.error & WALK_PFEC_RSVD) && !(r1.error & WALK_PFEC_P))
		__builtin_trap();

	/*
	 * With A/D updates the answer is the same (they only set bits 5 and 6), except in
	 * PAE paging with PDPTEs read from memory: there a table may alias the PDPT, where
	 * bit 5 is reserved.  Hardware caches PDPTEs at CR3 load and is immune; so is
	 * the walker when the glue passes cfg.pdptrs.
	 */
	cfg.set_ad = true;
	s2 = walk_translate(&ops, NULL, &cfg, la, access, &r2);
	if (!(cfg.cr4 & (1ull << 5) && !(cfg.efer & (1ull << 10)) && !cfg.pdptrs) &&
	    (s1 != s2 || (s1 == WALK_OK && r1.gpa != r2.gpa)))
		__builtin_trap();
	return 0;
}
