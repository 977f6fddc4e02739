// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest page-table walker (see walk.h).  Paging modes: SDM vol. 3, 4.3 (32-bit), 4.4
 * (PAE), 4.5 (4-level and 5-level).  Access rights: 4.6.  Protection keys: 4.6.2.
 * Accessed and dirty flags: 4.8.  Page-fault error code: 4.7.
 */
#include "walk.h"

#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)
#define CR4_PKE		(1ull << 22)
#define EFER_NXE	(1ull << 11)
#define EFER_LMA	(1ull << 10)

#define MAX_LEVELS	5
#define MAX_RETRIES	8

enum walk_kind { PG_32, PG_PAE, PG_4L, PG_5L };

struct walker {
	const struct walk_ops *ops;
	void *priv;
	const struct walk_cfg *cfg;
	enum walk_kind kind;
	unsigned int esize;		/* entry size: 4 or 8 */
	u64 addr_mask;			/* physical address bits of a table/page frame */
	unsigned int maxphy;		/* cfg->maxphyaddr clamped to 32..52 */
	u64 pte_gpa[MAX_LEVELS + 1];
	u64 pte[MAX_LEVELS + 1];
};

static u64 bits(unsigned int lo, unsigned int hi)
{
	return ((hi >= 63) ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}

/* Bit position of the address field selecting an entry at this level. */
static unsigned int level_shift(const struct walker *w, unsigned int level)
{
	if (w->kind == PG_32)
		return 12 + 10 * (level - 1);
	return 12 + 9 * (level - 1);
}

/* Reserved bits of an entry at level (leaf says whether PS made it a leaf). */
static u64 reserved_bits(const struct walker *w, unsigned int level, bool large)
{
	const struct walk_cfg *cfg = w->cfg;
	u64 rsvd;

	if (w->kind == PG_32) {
		if (!large)
			return 0;
		/* 4-MiB PDE: bits 20:13 are address bits 39:32; bit 21 is reserved. */
		rsvd = 1ull << 21;
		if (w->maxphy < 40)
			rsvd |= bits(13 + (w->maxphy - 32), 20);
		return rsvd;
	}
	rsvd = w->maxphy < 52 ? bits(w->maxphy, 51) : 0;
	if (!(cfg->efer & EFER_NXE))
		rsvd |= WALK_PTE_NX;
	if (w->kind == PG_PAE && level == 3)
		return rsvd | WALK_PTE_NX | bits(1, 2) | bits(5, 8);	/* PDPTE */
	if (large)
		rsvd |= bits(13, level_shift(w, level) - 1);	/* bit 12 is PAT */
	if (level >= 4)
		rsvd |= WALK_PTE_PS;				/* PML4E/PML5E */
	return rsvd;
}

static bool large_allowed(const struct walker *w, unsigned int level)
{
	if (level == 2)
		return w->kind != PG_32 || (w->cfg->cr4 & CR4_PSE);
	if (level == 3)
		return w->kind != PG_PAE && w->cfg->gbpages;
	return false;
}

/* Permission checks on the combined rights (SDM 4.6.1); returns PFEC bits or 0. */
static u32 check_rights(const struct walk_cfg *cfg, unsigned int access, bool writable,
			bool user, bool nx, u64 leaf, bool ia32e)
{
	bool write = access & WALK_ACC_WRITE;
	bool fetch = access & WALK_ACC_FETCH;
	bool user_acc = (access & WALK_ACC_USER) && !(access & WALK_ACC_IMPLICIT);

	if (user_acc) {
		if (!user)
			return WALK_PFEC_P;
		if (write && !writable)
			return WALK_PFEC_P;
	} else {
		if (write && !writable && (cfg->cr0 & CR0_WP))
			return WALK_PFEC_P;
		if (fetch && user && (cfg->cr4 & CR4_SMEP))
			return WALK_PFEC_P;
		if (!fetch && user && (cfg->cr4 & CR4_SMAP) &&
		    ((access & WALK_ACC_IMPLICIT) || !cfg->eflags_ac))
			return WALK_PFEC_P;
	}
	if (fetch && nx)
		return WALK_PFEC_P;
	if (!fetch && user && ia32e && (cfg->cr4 & CR4_PKE)) {
		unsigned int key = (leaf >> WALK_PTE_PKEY_SHIFT) & 15;
		bool ad = (cfg->pkru >> (2 * key)) & 1;
		bool wd = (cfg->pkru >> (2 * key + 1)) & 1;

		if (ad || (write && wd && (user_acc || (cfg->cr0 & CR0_WP))))
			return WALK_PFEC_P | WALK_PFEC_PK;
	}
	return 0;
}

static u32 access_pfec(const struct walk_cfg *cfg, unsigned int access)
{
	u32 e = 0;

	if (access & WALK_ACC_WRITE)
		e |= WALK_PFEC_W;
	if ((access & WALK_ACC_USER) && !(access & WALK_ACC_IMPLICIT))
		e |= WALK_PFEC_U;
	if ((access & WALK_ACC_FETCH) &&
	    ((cfg->efer & EFER_NXE) || (cfg->cr4 & CR4_SMEP)))
		e |= WALK_PFEC_I;
	return e;
}

/* Set A at every level used and D in the leaf for writes.  1: an entry changed. */
static int update_ad(struct walker *w, unsigned int top, unsigned int leaf_level, bool write)
{
	unsigned int level;
	int r;

	for (level = top; level >= leaf_level; level--) {
		u64 old = w->pte[level], new = old | WALK_PTE_A;

		if (w->kind == PG_PAE && level == 3)
			continue;	/* PDPTEs have no accessed flag in PAE paging */
		if (level == leaf_level && write)
			new |= WALK_PTE_D;
		if (new == old)
			continue;
		r = w->ops->cmpxchg_pte(w->priv, w->pte_gpa[level], old, new, w->esize);
		if (r)
			return r;
	}
	return 0;
}

static int walk_once(struct walker *w, u64 la, unsigned int access, struct walk_result *res)
{
	const struct walk_cfg *cfg = w->cfg;
	unsigned int top, level, shift;
	bool writable = true, user = true, nx = false, large = false;
	u64 table, pte = 0, rsvd, frame;
	u32 err;
	int r;

	switch (w->kind) {
	case PG_32:
		top = 2;
		table = cfg->cr3 & bits(12, 31);
		la &= 0xffffffffull;
		break;
	case PG_PAE:
		top = 3;
		table = cfg->cr3 & bits(5, 31);
		la &= 0xffffffffull;
		break;
	case PG_4L:
		top = 4;
		table = cfg->cr3 & w->addr_mask;
		break;
	default:
		top = 5;
		table = cfg->cr3 & w->addr_mask;
		break;
	}

	for (level = top; level >= 1; level--) {
		unsigned int idx_bits = w->kind == PG_32 ? 10 : 9;
		u64 index;

		shift = level_shift(w, level);
		if (w->kind == PG_PAE && level == 3)
			idx_bits = 2;
		index = (la >> shift) & ((1ull << idx_bits) - 1);
		w->pte_gpa[level] = table + index * w->esize;
		if (w->kind == PG_PAE && level == 3 && cfg->pdptrs) {
			pte = cfg->pdptrs[index];
		} else {
			pte = 0;
			if (w->ops->read_pte(w->priv, w->pte_gpa[level], &pte, w->esize))
				return WALK_ERROR;
		}
		w->pte[level] = pte;
		if (!(pte & WALK_PTE_P)) {
			res->error = access_pfec(cfg, access);
			return WALK_FAULT;
		}
		large = level > 1 && (pte & WALK_PTE_PS) && large_allowed(w, level);
		rsvd = reserved_bits(w, level, large);
		if (level == 3 && w->kind != PG_PAE && (pte & WALK_PTE_PS) && !cfg->gbpages)
			rsvd |= WALK_PTE_PS;
		if (pte & rsvd) {
			res->error = access_pfec(cfg, access) | WALK_PFEC_P | WALK_PFEC_RSVD;
			return WALK_FAULT;
		}
		if (!(w->kind == PG_PAE && level == 3)) {
			writable &= !!(pte & WALK_PTE_RW);
			user &= !!(pte & WALK_PTE_US);
			if (cfg->efer & EFER_NXE)
				nx |= !!(pte & WALK_PTE_NX);
		}
		if (level == 1 || large)
			break;
		table = pte & w->addr_mask;
	}

	err = check_rights(cfg, access, writable, user, nx, pte,
			   w->kind == PG_4L || w->kind == PG_5L);
	if (err) {
		res->error = access_pfec(cfg, access) | err;
		return WALK_FAULT;
	}

	shift = level_shift(w, level);
	if (w->kind == PG_32 && large)
		/* PSE-36: address bits 39:32 in PDE bits 20:13. */
		frame = (pte & bits(22, 31)) | ((pte & bits(13, 20)) << 19);
	else
		frame = pte & w->addr_mask & ~((1ull << shift) - 1);
	res->gpa = frame | (la & ((1ull << shift) - 1));
	res->page_size = 1ull << shift;
	res->level = level;
	res->writable = writable;
	res->user = user;
	res->nx = nx;

	if (cfg->set_ad) {
		r = update_ad(w, top, level, access & WALK_ACC_WRITE);
		if (r)
			return r > 0 ? 2 : WALK_ERROR;	/* 2: retry */
	}
	return WALK_OK;
}

int walk_translate(const struct walk_ops *ops, void *priv, const struct walk_cfg *cfg,
		   u64 la, unsigned int access, struct walk_result *res)
{
	struct walker w;
	unsigned int tries;
	int r;

	/* pte[] and pte_gpa[] are written at each level before anything reads them. */
	w.ops = ops;
	w.priv = priv;
	w.cfg = cfg;

	/* Out-of-range MAXPHYADDR values are clamped, never trusted. */
	w.maxphy = cfg->maxphyaddr < 32 ? 32 : cfg->maxphyaddr > 52 ? 52 : cfg->maxphyaddr;

	memset(res, 0, sizeof(*res));
	if (!(cfg->cr0 & CR0_PG)) {
		res->gpa = (cfg->efer & EFER_LMA) ? la : (la & 0xffffffffull);
		res->page_size = 4096;
		res->writable = true;
		res->user = true;
		return WALK_OK;
	}
	if (cfg->efer & EFER_LMA) {
		w.kind = (cfg->cr4 & CR4_LA57) ? PG_5L : PG_4L;
		w.esize = 8;
	} else if (cfg->cr4 & CR4_PAE) {
		w.kind = PG_PAE;
		w.esize = 8;
	} else {
		w.kind = PG_32;
		w.esize = 4;
	}
	w.addr_mask = w.kind == PG_32 ? bits(12, 31) : bits(12, w.maxphy - 1);

	for (tries = 0; tries < MAX_RETRIES; tries++) {
		r = walk_once(&w, la, access, res);
		if (r != 2)
			return r;
	}
	return WALK_ERROR;
}
