// SPDX-License-Identifier: GPL-2.0-only
/*
 * Range tables of the I/O buses: sorting, reach maxima, lookup window and
 * matching (iorange.h).  Pure: no locks, no allocation; the caller owns the
 * arrays.
 */
#include "iorange.h"

/* First address an access matched by (addr, len) cannot start at. */
static u64 io_range_reach(u64 addr, u32 len)
{
	return addr + (len ? len : 1);
}

bool io_range_valid(u64 addr, u32 len)
{
	return io_range_reach(addr, len) > addr;
}

u32 io_range_insert_pos(const struct io_range *r, u32 nr, u64 addr, u32 len)
{
	u32 a = 0, z = nr;

	while (a < z) {
		u32 mid = a + (z - a) / 2;

		if (r[mid].addr > addr || (r[mid].addr == addr && r[mid].len > len))
			z = mid;
		else
			a = mid + 1;
	}
	return a;
}

void io_range_fix_reach(struct io_range *r, u32 nr)
{
	u64 max = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		u64 reach = io_range_reach(r[i].addr, r[i].len);

		if (reach > max)
			max = reach;
		r[i].reach_max = max;
	}
}

void io_range_window(const struct io_range *r, u32 nr, u64 addr, u32 *lo, u32 *hi)
{
	u32 a = 0, z = nr;

	while (a < z) {		/* first entry that starts above addr */
		u32 mid = a + (z - a) / 2;

		if (r[mid].addr > addr)
			z = mid;
		else
			a = mid + 1;
	}
	*hi = a;
	a = 0;
	while (a < z) {		/* first entry whose prefix reach is above addr */
		u32 mid = a + (z - a) / 2;

		if (r[mid].reach_max > addr)
			z = mid;
		else
			a = mid + 1;
	}
	*lo = a;
}

bool io_range_matches(const struct io_range *e, u64 addr, u32 len)
{
	if (!e->len)
		return addr == e->addr;
	return addr >= e->addr && addr + len <= e->addr + e->len;
}
