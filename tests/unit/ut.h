/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny TAP-13 unit-test helper for host tests of the pure components.
 *
 *   UT_CHECK(cond, "what was checked %d", x);   one test point
 *   return ut_done();                            prints the plan, exit status
 *
 * Each check is one TAP test point: "ok N - text" or "not ok N - text".
 */
#ifndef KVM_UT_H
#define KVM_UT_H

#include <stdarg.h>
#include <stdio.h>

static int ut_count;
static int ut_failed;

static inline void __attribute__((format(printf, 4, 5)))
ut_point(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ut_count == 0)
		printf("TAP version 13\n");
	ut_count++;
	if (!ok)
		ut_failed++;
	printf("%sok %d - ", ok ? "" : "not ", ut_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	printf("\n");
}

#define UT_CHECK(cond, ...) ut_point(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline int ut_done(void)
{
	if (ut_count == 0)
		printf("TAP version 13\n");
	printf("1..%d\n", ut_count);
	return ut_failed ? 1 : 0;
}

#endif /* KVM_UT_H */
