// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-table walker tests: page tables built in a fake guest memory for each paging
 * mode; translations, every kind of fault with its error code, accessed/dirty updates.
 */
#include <stdio.h>
#include "ut.h"
#include "walk.h"

#define MEM_SIZE	(4u << 20)

static u8 mem[MEM_SIZE];
static u64 next_table;
static unsigned int cmpxchg_calls, cmpxchg_fail_once;

static int read_pte(void *priv, u64 gpa, u64 *val, unsigned int size)
{
	(void)priv;
	if (gpa + size > MEM_SIZE)
		return -14;
	*val = 0;
	memcpy(val, mem + gpa, size);
	return 0;
}

static int cmpxchg_pte(void *priv, u64 gpa, u64 old, u64 new, unsigned int size)
{
	u64 cur = 0;

	(void)priv;
	cmpxchg_calls++;
	if (gpa + size > MEM_SIZE)
		return -14;
	memcpy(&cur, mem + gpa, size);
	if (cmpxchg_fail_once) {
		cmpxchg_fail_once = 0;
		return 1;
	}
	if (cur != old)
		return 1;
	memcpy(mem + gpa, &new, size);
	return 0;
}

static const struct walk_ops ops = { .read_pte = read_pte, .cmpxchg_pte = cmpxchg_pte };

static u64 get(u64 gpa, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, mem + gpa, size);
	return v;
}

static void put(u64 gpa, u64 v, unsigned int size)
{
	memcpy(mem + gpa, &v, size);
}

static u64 alloc_table(void)
{
	u64 t = next_table;

	next_table += 4096;
	memset(mem + t, 0, 4096);
	return t;
}

/*
 * Map la -> pa in a 4/5-level (or PAE with levels=3 below the PDPT) hierarchy.
 * leaf_level 1: 4 KiB, 2: 2 MiB, 3: 1 GiB.  flags go on every level; leaf_extra on the
 * leaf only.  Returns the leaf entry address.
 */
static u64 map64(u64 root, unsigned int levels, u64 la, u64 pa, unsigned int leaf_level,
		 u64 flags, u64 leaf_extra)
{
	u64 table = root, e = 0;
	unsigned int level;

	for (level = levels; level >= leaf_level; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 idx = (la >> shift) & (levels == 3 && level == 3 ? 3 : 511);

		e = table + idx * 8;
		if (level == leaf_level) {
			put(e, pa | flags | leaf_extra | (level > 1 ? WALK_PTE_PS : 0), 8);
			break;
		}
		if (!(get(e, 8) & WALK_PTE_P))
			put(e, alloc_table() | (levels == 3 && level == 3 ? WALK_PTE_P : flags), 8);
		table = get(e, 8) & 0x000ffffffffff000ull;
	}
	return e;
}

static struct walk_cfg cfg4(u64 cr3)
{
	struct walk_cfg c = {
		.cr0 = (1ull << 31) | (1ull << 16) | 1, .cr3 = cr3,
		.cr4 = 1ull << 5, .efer = (1ull << 8) | (1ull << 10) | (1ull << 11),
		.maxphyaddr = 46, .gbpages = true, .set_ad = true,
	};
	return c;
}

#define RW	(WALK_PTE_P | WALK_PTE_RW)
#define URW	(WALK_PTE_P | WALK_PTE_RW | WALK_PTE_US)

static int tr(const struct walk_cfg *c, u64 la, unsigned int acc, struct walk_result *r)
{
	return walk_translate(&ops, NULL, c, la, acc, r);
}

static void four_level(void)
{
	struct walk_result r;
	struct walk_cfg c;
	u64 root, leaf;
	int st;

	next_table = 0x100000;
	root = alloc_table();
	c = cfg4(root);
	leaf = map64(root, 4, 0x7fff12345000ull, 0x3000, 1, URW, 0);
	st = tr(&c, 0x7fff12345678ull, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0x3678 && r.level == 1 && r.user && r.writable,
		 "4-level 4K user read: gpa %llx", (unsigned long long)r.gpa);
	UT_CHECK((get(leaf, 8) & WALK_PTE_A) && !(get(leaf, 8) & WALK_PTE_D) &&
		 (get(root + 8 * 255, 8) & WALK_PTE_A), "read sets A at every level, not D");
	st = tr(&c, 0x7fff12345678ull, WALK_ACC_USER | WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && (get(leaf, 8) & WALK_PTE_D), "write sets D in the leaf");

	st = tr(&c, 0x7fff12346000ull, WALK_ACC_USER | WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_W | WALK_PFEC_U),
		 "not present: error %#x (W|U, P=0)", r.error);

	/* Supervisor-only page. */
	leaf = map64(root, 4, 0x1000, 0x5000, 1, URW, 0);
	put(leaf, get(leaf, 8) & ~WALK_PTE_US, 8);
	st = tr(&c, 0x1000, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_U),
		 "user access to supervisor page: %#x", r.error);
	st = tr(&c, 0x1000, 0, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0x5000 && !r.user, "supervisor read ok");

	/* Read-only page: user write faults; supervisor write depends on CR0.WP. */
	leaf = map64(root, 4, 0x2000, 0x6000, 1, URW, 0);
	put(leaf, get(leaf, 8) & ~WALK_PTE_RW, 8);
	st = tr(&c, 0x2000, WALK_ACC_USER | WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_W | WALK_PFEC_U),
		 "user write to read-only: %#x", r.error);
	st = tr(&c, 0x2000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_W),
		 "supervisor write to read-only with WP=1: %#x", r.error);
	c.cr0 &= ~(1ull << 16);
	st = tr(&c, 0x2000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && !r.writable, "supervisor write to read-only with WP=0 ok");
	c.cr0 |= 1ull << 16;

	/* NX. */
	map64(root, 4, 0x3000, 0x7000, 1, URW, WALK_PTE_NX);
	st = tr(&c, 0x3000, WALK_ACC_FETCH | WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_U | WALK_PFEC_I),
		 "fetch from NX page: %#x", r.error);
	st = tr(&c, 0x3000, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_OK && r.nx, "read from NX page ok");
	c.efer &= ~(1ull << 11);
	st = tr(&c, 0x3000, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_RSVD),
		 "XD bit with EFER.NXE=0 is reserved: %#x", r.error);
	c.efer |= 1ull << 11;

	/* SMEP, SMAP on a user page. */
	c.cr4 |= 1ull << 20;
	st = tr(&c, 0x7fff12345000ull, WALK_ACC_FETCH, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_I),
		 "SMEP: supervisor fetch from user page: %#x", r.error);
	c.cr4 |= 1ull << 21;
	st = tr(&c, 0x7fff12345000ull, 0, &r);
	UT_CHECK(st == WALK_FAULT && r.error == WALK_PFEC_P, "SMAP: supervisor read: %#x",
		 r.error);
	c.eflags_ac = true;
	st = tr(&c, 0x7fff12345000ull, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK, "SMAP with EFLAGS.AC=1: allowed");
	st = tr(&c, 0x7fff12345000ull, WALK_ACC_IMPLICIT, &r);
	UT_CHECK(st == WALK_FAULT, "SMAP implicit access ignores AC");
	st = tr(&c, 0x7fff12345000ull, WALK_ACC_IMPLICIT | WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_FAULT && !(r.error & WALK_PFEC_U),
		 "implicit access at CPL3 is a supervisor access: %#x", r.error);
	c.cr4 &= ~((1ull << 20) | (1ull << 21));
	c.eflags_ac = false;

	/* Protection keys: key 5 on a user page. */
	map64(root, 4, 0x4000, 0x8000, 1, URW, 5ull << WALK_PTE_PKEY_SHIFT);
	c.cr4 |= 1ull << 22;
	c.pkru = 1u << 10;		/* AD for key 5 */
	st = tr(&c, 0x4000, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_U | WALK_PFEC_PK),
		 "PKRU.AD: user read faults with PK: %#x", r.error);
	st = tr(&c, 0x4000, WALK_ACC_FETCH | WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_OK, "PKRU does not apply to fetches");
	c.pkru = 2u << 10;		/* WD for key 5 */
	st = tr(&c, 0x4000, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_OK, "PKRU.WD: read ok");
	st = tr(&c, 0x4000, WALK_ACC_USER | WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_PK), "PKRU.WD: user write faults");
	st = tr(&c, 0x4000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_PK),
		 "PKRU.WD: supervisor write with WP=1 faults");
	c.cr0 &= ~(1ull << 16);
	st = tr(&c, 0x4000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK, "PKRU.WD: supervisor write with WP=0 ok");
	c.cr0 |= 1ull << 16;
	c.cr4 &= ~(1ull << 22);

	/* Large pages and reserved bits. */
	map64(root, 4, 0x40000000ull, 0x200000, 2, URW, 0);
	st = tr(&c, 0x40012345ull, 0, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0x212345 && r.level == 2 && r.page_size == 2u << 20,
		 "2 MiB page: gpa %llx", (unsigned long long)r.gpa);
	map64(root, 4, 0x80000000ull, 0x40000000ull, 3, URW, 0);
	st = tr(&c, 0x80123456ull, 0, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0x40123456ull && r.level == 3, "1 GiB page");
	c.gbpages = false;
	st = tr(&c, 0x80123456ull, 0, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_RSVD),
		 "1 GiB page without gbpages: RSVD %#x", r.error);
	c.gbpages = true;
	leaf = map64(root, 4, 0x40200000ull, 0x400000 | (1ull << 13), 2, URW, 0);
	st = tr(&c, 0x40200000ull, 0, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_RSVD),
		 "2 MiB PDE with bit 13 set: RSVD %#x", r.error);
	put(leaf, 0x400000 | (1ull << 12) | URW | WALK_PTE_PS, 8);
	st = tr(&c, 0x40200000ull, 0, &r);
	UT_CHECK(st == WALK_OK, "2 MiB PDE with PAT bit 12: fine");
	map64(root, 4, 0x5000, 0x9000 | (1ull << 50), 1, URW, 0);
	st = tr(&c, 0x5000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_FAULT && r.error == (WALK_PFEC_P | WALK_PFEC_RSVD | WALK_PFEC_W),
		 "address bit above MAXPHYADDR: %#x", r.error);
	c.maxphyaddr = 52;
	st = tr(&c, 0x5000, 0, &r);
	UT_CHECK(st == WALK_OK && r.gpa == (0x9000 | (1ull << 50)), "same with MAXPHYADDR 52");
	c.maxphyaddr = 46;
	put(root + 8 * 2, alloc_table() | URW | WALK_PTE_PS, 8);
	st = tr(&c, 2ull << 39, 0, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_RSVD), "PS in a PML4E: RSVD");

	/* A/D: off, and a racing update that makes the walk restart. */
	leaf = map64(root, 4, 0x6000, 0xa000, 1, URW, 0);
	c.set_ad = false;
	st = tr(&c, 0x6000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && !(get(leaf, 8) & (WALK_PTE_A | WALK_PTE_D)),
		 "set_ad=false leaves A/D alone (KVM_TRANSLATE)");
	c.set_ad = true;
	cmpxchg_fail_once = 1;
	cmpxchg_calls = 0;
	st = tr(&c, 0x6000, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && (get(leaf, 8) & WALK_PTE_D) && cmpxchg_calls > 1,
		 "lost cmpxchg restarts the walk (%u calls)", cmpxchg_calls);

	/* A table outside guest memory. */
	put(root + 8 * 3, 0x7ff00000000ull | URW, 8);
	st = tr(&c, 3ull << 39, 0, &r);
	UT_CHECK(st == WALK_ERROR, "table outside memory: WALK_ERROR");
}

static void five_level(void)
{
	struct walk_result r;
	struct walk_cfg c;
	u64 root, la = 0x00ff123456789000ull;
	int st;

	next_table = 0x100000;
	root = alloc_table();
	c = cfg4(root);
	c.cr4 |= 1ull << 12;
	map64(root, 5, la, 0xb000, 1, URW, 0);
	st = tr(&c, la | 0x10, WALK_ACC_USER, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0xb010, "5-level translation above 2^48");
	c.cr4 &= ~(1ull << 12);
	st = tr(&c, la | 0x10, WALK_ACC_USER, &r);
	UT_CHECK(st != WALK_OK || r.gpa != 0xb010, "same tables read as 4-level differ");
}

static void pae(void)
{
	struct walk_result r;
	struct walk_cfg c;
	u64 pdpt, leaf, pdptrs[4];
	int st;

	next_table = 0x100000;
	pdpt = alloc_table();
	c = cfg4(pdpt);
	c.efer = 1ull << 11;		/* NXE, no LMA */
	leaf = map64(pdpt, 3, 0xc0001000ull, 0xd000, 1, URW, 0);
	st = tr(&c, 0xc0001234ull, WALK_ACC_USER | WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0xd234 && (get(leaf, 8) & WALK_PTE_D),
		 "PAE 4K translation (PDPTEs read from CR3)");
	UT_CHECK(!(get(pdpt + 3 * 8, 8) & WALK_PTE_A), "PAE PDPTE gets no A bit");
	map64(pdpt, 3, 0x40000000ull, 0x600000, 2, URW, 0);
	st = tr(&c, 0x40054321ull, 0, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0x654321, "PAE 2 MiB page");
	memcpy(pdptrs, mem + pdpt, 32);
	pdptrs[3] = 0;
	c.pdptrs = pdptrs;
	st = tr(&c, 0xc0001234ull, 0, &r);
	UT_CHECK(st == WALK_FAULT && !(r.error & WALK_PFEC_P),
		 "cached PDPTEs are used instead of memory");
	c.pdptrs = NULL;
	put(pdpt + 3 * 8, get(pdpt + 3 * 8, 8) | WALK_PTE_RW, 8);
	st = tr(&c, 0xc0001234ull, 0, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_RSVD), "PAE PDPTE bit 1: RSVD");
}

static void two_level(void)
{
	struct walk_result r;
	struct walk_cfg c = {
		.cr0 = (1ull << 31) | 1, .maxphyaddr = 40, .set_ad = true,
	};
	u64 pd, pt;
	int st;

	next_table = 0x100000;
	pd = alloc_table();
	pt = alloc_table();
	c.cr3 = pd;
	put(pd + 4 * 1, pt | URW, 4);		/* 0x00400000.. */
	put(pt + 4 * 2, 0xe000 | URW, 4);
	st = tr(&c, 0x00402abcull, WALK_ACC_USER | WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0xeabc && (get(pt + 8, 4) & WALK_PTE_D) &&
		 (get(pd + 4, 4) & WALK_PTE_A), "32-bit paging 4K with A/D");
	put(pd + 4 * 2, 0x00c00000 | (3u << 13) | URW | WALK_PTE_PS, 4);
	st = tr(&c, 0x00812345ull, 0, &r);
	UT_CHECK(!(st == WALK_OK && r.level == 2), "PS without CR4.PSE is ignored");
	c.cr4 = 1ull << 4;
	st = tr(&c, 0x00812345ull, 0, &r);
	UT_CHECK(st == WALK_OK && r.gpa == (0x300000000ull | 0xc12345) && r.level == 2,
		 "4 MiB PSE-36 page: gpa %llx", (unsigned long long)r.gpa);
	c.maxphyaddr = 33;
	st = tr(&c, 0x00812345ull, 0, &r);
	UT_CHECK(st == WALK_FAULT && (r.error & WALK_PFEC_RSVD),
		 "PSE-36 bits above MAXPHYADDR: RSVD");
	st = tr(&c, 0x1000, 0, &r);
	UT_CHECK(st == WALK_FAULT && r.error == 0, "not-present PDE: error 0");
	c.cr0 = 1;
	st = tr(&c, 0x123456789ull, WALK_ACC_WRITE, &r);
	UT_CHECK(st == WALK_OK && r.gpa == 0x23456789, "paging off: identity, 32 bits");
}

int main(void)
{
	four_level();
	five_level();
	pae();
	two_level();
	return ut_done();
}
