/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest page-table walker: linear address -> guest-physical address under the guest's
 * paging mode (32-bit 2-level, PAE, 4-level, 5-level), with the access-rights checks of
 * SDM vol. 3, 4.6 (U/S, R/W, NX, SMEP, SMAP, CR0.WP, protection keys), reserved-bit
 * checks (4.13 fault codes) and accessed/dirty updates (4.8).
 *
 * A pure component: it includes only "pure_env.h" and reads/updates guest page tables
 * through struct walk_ops.  It serves KVM_TRANSLATE and the instruction emulator's
 * ops->translate.
 */
#ifndef KVM_WALK_H
#define KVM_WALK_H

#include "pure_env.h"

/* Access bits; the same values as EMU_ACC_* of the emulator. */
#define WALK_ACC_WRITE		(1u << 0)
#define WALK_ACC_FETCH		(1u << 1)
#define WALK_ACC_USER		(1u << 2)	/* CPL 3, not an implicit supervisor access */
#define WALK_ACC_IMPLICIT	(1u << 3)	/* supervisor access to a system structure */

/* #PF error code bits (SDM vol. 3, 4.7). */
#define WALK_PFEC_P		(1u << 0)
#define WALK_PFEC_W		(1u << 1)
#define WALK_PFEC_U		(1u << 2)
#define WALK_PFEC_RSVD		(1u << 3)
#define WALK_PFEC_I		(1u << 4)
#define WALK_PFEC_PK		(1u << 5)

/* Page-table entry bits (SDM vol. 3, tables 4-4 .. 4-20). */
#define WALK_PTE_P		(1ull << 0)
#define WALK_PTE_RW		(1ull << 1)
#define WALK_PTE_US		(1ull << 2)
#define WALK_PTE_A		(1ull << 5)
#define WALK_PTE_D		(1ull << 6)
#define WALK_PTE_PS		(1ull << 7)
#define WALK_PTE_NX		(1ull << 63)
#define WALK_PTE_PKEY_SHIFT	59

struct walk_ops {
	/* Read a paging-structure entry (size 4 or 8) at gpa.  0, or negative errno. */
	int (*read_pte)(void *priv, u64 gpa, u64 *val, unsigned int size);
	/*
	 * Replace old by new atomically.  0: done; 1: the entry no longer holds old (the
	 * walk restarts); negative errno: failure.  May be NULL when cfg.set_ad is false.
	 */
	int (*cmpxchg_pte)(void *priv, u64 gpa, u64 old, u64 new, unsigned int size);
};

struct walk_cfg {
	u64 cr0, cr3, cr4, efer;
	u32 pkru;
	const u64 *pdptrs;	/* PAE: the 4 PDPTEs loaded with CR3 (NULL: read them) */
	u8 maxphyaddr;		/* 36..52 */
	bool gbpages;		/* 1-GiB pages supported (CPUID 80000001h:EDX[26]) */
	bool eflags_ac;		/* EFLAGS.AC, for SMAP */
	bool set_ad;		/* update accessed/dirty bits */
};

enum walk_status {
	WALK_OK = 0,
	WALK_FAULT = 1,		/* #PF: error holds the error code */
	WALK_ERROR = -1,	/* a paging structure outside guest memory, or retries ran out */
};

struct walk_result {
	u64 gpa;
	u64 page_size;
	unsigned int level;	/* 1: 4 KiB leaf, 2: 2/4 MiB, 3: 1 GiB; 0: paging off */
	bool writable;		/* R/W set at every level */
	bool user;		/* U/S set at every level */
	bool nx;		/* XD set at some level (with EFER.NXE) */
	u32 error;		/* #PF error code when WALK_FAULT */
};

int walk_translate(const struct walk_ops *ops, void *priv, const struct walk_cfg *cfg,
		   u64 la, unsigned int access, struct walk_result *res);

#endif /* KVM_WALK_H */
