// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the I/O bus range tables: the lookup window always holds
 * every entry that matches (checked against a scan of the whole table) for
 * random overlapping tables with length-0 entries, after insertions and
 * removals; entries stay sorted with equal ranges in insertion order; the
 * matching rule and the validity limit at the top of the address space.
 */
#include <stdio.h>
#include <stdlib.h>
#include "ut.h"
#include "iorange.h"

#define MAX_ENTRIES	256

static struct io_range table[MAX_ENTRIES];
static u32 nr;
static unsigned long serial;	/* insertion order, kept in dev */

static u64 rnd(u64 n)
{
	return ((u64)rand() << 31 ^ (u64)rand()) % n;
}

static void insert(u64 addr, u32 len)
{
	u32 pos = io_range_insert_pos(table, nr, addr, len), i;

	for (i = nr; i > pos; i--)
		table[i] = table[i - 1];
	table[pos] = (struct io_range){ .addr = addr, .len = len, .dev = (void *)++serial };
	nr++;
	io_range_fix_reach(table, nr);
}

static void remove_at(u32 pos)
{
	u32 i;

	for (i = pos; i + 1 < nr; i++)
		table[i] = table[i + 1];
	nr--;
	io_range_fix_reach(table, nr);
}

static bool sorted(void)
{
	u32 i;

	for (i = 1; i < nr; i++) {
		const struct io_range *a = &table[i - 1], *b = &table[i];

		if (a->addr > b->addr || (a->addr == b->addr && a->len > b->len))
			return false;
		if (a->addr == b->addr && a->len == b->len && a->dev > b->dev)
			return false;
	}
	return true;
}

/* Every matching entry lies in the window; returns false on the first miss. */
static bool window_complete(u64 addr, u32 len, u32 *nmatch)
{
	u32 lo, hi, i;

	io_range_window(table, nr, addr, &lo, &hi);
	*nmatch = 0;
	for (i = 0; i < nr; i++) {
		if (!io_range_matches(&table[i], addr, len))
			continue;
		(*nmatch)++;
		if (i < lo || i >= hi)
			return false;
	}
	return true;
}

static void random_round(int round, u64 space, u32 maxlen)
{
	static const u32 lens[] = { 1, 2, 4, 8 };
	unsigned long probes = 0, matches = 0, misses = 0;
	u32 i, n, m;
	int k;

	nr = 0;
	n = 1 + rnd(MAX_ENTRIES - 1);
	for (i = 0; i < n; i++)
		insert(rnd(space), rnd(4) == 0 ? 0 : 1 + rnd(maxlen));
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 2000; i++) {
			u64 addr = rnd(space + 16);
			u32 len = lens[rnd(4)];

			probes++;
			if (!window_complete(addr, len, &m))
				misses++;
			matches += m;
		}
		/* Remove a few, add a few, look again. */
		for (i = 0; i < 10 && nr; i++)
			remove_at(rnd(nr));
		for (i = 0; i < 5 && nr < MAX_ENTRIES; i++)
			insert(rnd(space), rnd(4) == 0 ? 0 : 1 + rnd(maxlen));
	}
	UT_CHECK(misses == 0 && sorted(), "random table %d (space %lu, lengths up to %u): "
		 "%lu probes, %lu matches, %lu outside the window", round,
		 (unsigned long)space, maxlen, probes, matches, misses);
}

int main(void)
{
	struct io_range e = { .addr = 0x100, .len = 4, .dev = &e };
	u32 lo, hi, m;
	int r;

	srand(12345);

	/* The matching rule. */
	UT_CHECK(io_range_matches(&e, 0x100, 4) && io_range_matches(&e, 0x102, 2) &&
		 io_range_matches(&e, 0x103, 1), "accesses inside a range match");
	UT_CHECK(!io_range_matches(&e, 0x102, 4) && !io_range_matches(&e, 0xff, 2) &&
		 !io_range_matches(&e, 0x104, 1), "accesses straddling or outside do not");
	e.len = 0;
	UT_CHECK(io_range_matches(&e, 0x100, 1) && io_range_matches(&e, 0x100, 8) &&
		 !io_range_matches(&e, 0x101, 1) && !io_range_matches(&e, 0xff, 2),
		 "length 0 matches exactly the accesses that start at its address");

	/* Validity at the top of the address space. */
	UT_CHECK(io_range_valid(~0ull - 8, 8) && !io_range_valid(~0ull - 7, 8) &&
		 !io_range_valid(~0ull, 0) && io_range_valid(~0ull - 1, 0),
		 "ranges whose reach would wrap are refused");

	/* A small hand-made table: one huge range before many small ones. */
	nr = 0;
	insert(0x0, 0x10000);
	for (r = 0; r < 50; r++)
		insert(0x100 + 0x10 * r, 4);
	insert(0x200, 0);
	insert(0x200, 0);
	io_range_window(table, nr, 0x5000, &lo, &hi);
	UT_CHECK(lo == 0 && hi == nr, "a range covering everything keeps the window open "
		 "(%u..%u of %u)", lo, hi, nr);
	UT_CHECK(window_complete(0x200, 4, &m) && m == 4,
		 "0x200: the huge range, the 4-byte one and both length-0 ones match (%u)", m);
	UT_CHECK(sorted(), "equal ranges stay in insertion order");
	remove_at(0);
	io_range_window(table, nr, 0x5000, &lo, &hi);
	UT_CHECK(lo == hi, "without it, nothing can match far above (%u..%u)", lo, hi);
	UT_CHECK(window_complete(0x104, 4, &m) && m == 0, "0x104: no match (%u)", m);

	for (r = 0; r < 40; r++)
		random_round(r, r % 2 ? 0x400 : 0x100000, r % 3 ? 16 : 0x4000);
	return ut_done();
}
