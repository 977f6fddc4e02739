/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The range tables of the in-kernel I/O buses (iobus.c), as a pure component:
 * no kernel header, host unit tests in tests/unit/iorange.
 *
 * A table is an array of ranges sorted by (addr, len), equal ranges in the
 * order they were added.  A range of length 0 matches the accesses that start
 * at its address; any other range matches the accesses that lie wholly inside
 * it.  Each entry also holds reach_max, the largest "reach" (first address no
 * access it matches can start at) of itself and all entries before it; that
 * prefix maximum never decreases, so the entries that can match an access form
 * one window [lo, hi) found by two binary searches, whatever the overlaps.
 */
#ifndef KVM_IORANGE_H
#define KVM_IORANGE_H

#include "pure_env.h"

struct io_range {
	u64 addr;
	u64 reach_max;		/* io_range_fix_reach() */
	u32 len;
	void *dev;		/* the owner's; never looked at here */
};

/* A range that can be put in a table: its reach does not wrap past 2^64. */
bool io_range_valid(u64 addr, u32 len);
/* Where (addr, len) goes in r[0..nr): after every entry sorting before or equal. */
u32 io_range_insert_pos(const struct io_range *r, u32 nr, u64 addr, u32 len);
/* Recompute reach_max of r[0..nr) after entries were added or removed. */
void io_range_fix_reach(struct io_range *r, u32 nr);
/* Entries of r[0..nr) that may match an access starting at addr: [*lo, *hi). */
void io_range_window(const struct io_range *r, u32 nr, u64 addr, u32 *lo, u32 *hi);
/* Entry e's range matches an access of len bytes at addr (len >= 1, no wrap). */
bool io_range_matches(const struct io_range *e, u64 addr, u32 len);

#endif /* KVM_IORANGE_H */
