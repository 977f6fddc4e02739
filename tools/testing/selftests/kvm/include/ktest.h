/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TAP (kselftest flavour) output and host-side assertions for the KVM selftests.
 *
 * A test program is a table of cases run by ktest_main():
 *
 *	static const struct ktest_case cases[] = {
 *		{ "api_version", test_api_version },
 *		...
 *	};
 *	int main(void) { return ktest_main(cases, KTEST_NCASES(cases)); }
 *
 * Each case runs in a forked child so that a failed assertion (or a crash) ends
 * that case only.  Inside a case:
 *	KT_ASSERT(cond, fmt, ...)	fatal: prints expression, file, line, errno
 *	KT_CHECK(cond, fmt, ...)	non-fatal: marks the case failed, goes on
 *	KT_SKIP(fmt, ...)		ends the case as skipped
 * The program prints "TAP version 13", the plan, one ok / not ok / # SKIP
 * line per case and exits KSFT_PASS, KSFT_FAIL or KSFT_SKIP (every case skipped).
 */
#ifndef KT_KTEST_H
#define KT_KTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

struct ktest_case {
	const char *name;
	void (*fn)(void);
};

#define KTEST_NCASES(a)	(sizeof(a) / sizeof((a)[0]))

int ktest_main(const struct ktest_case *cases, size_t n);

/* Diagnostic line ("# ...") on stdout, flushed at once. */
void kt_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void kt_assert_fail(const char *expr, const char *file, int line, int err,
		    const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
void kt_check_fail(const char *expr, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void kt_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define KT_ASSERT(cond, fmt, ...)						\
	do {									\
		if (!(cond)) {							\
			int __kt_err = errno;					\
			kt_assert_fail(#cond, __FILE__, __LINE__, __kt_err,	\
				       fmt, ##__VA_ARGS__);			\
		}								\
	} while (0)

#define KT_CHECK(cond, fmt, ...)						\
	({									\
		bool __kt_ok = (cond);						\
		if (!__kt_ok)							\
			kt_check_fail(#cond, __FILE__, __LINE__, fmt, ##__VA_ARGS__); \
		__kt_ok;							\
	})

/* An ioctl-style call that must return 0 (or >= 0 with KT_ASSERT_NONNEG). */
#define KT_ASSERT_OK(call)							\
	do {									\
		long __kt_r = (long)(call);					\
		KT_ASSERT(__kt_r == 0, "%s returned %ld", #call, __kt_r);	\
	} while (0)

/* A call that must fail with -1 and errno == e. */
#define KT_ASSERT_ERRNO(call, e)						\
	do {									\
		long __kt_r;							\
		errno = 0;							\
		__kt_r = (long)(call);						\
		KT_ASSERT(__kt_r == -1 && errno == (e),				\
			  "%s returned %ld errno %d (%s), expected -1 errno %d (%s)", \
			  #call, __kt_r, errno, strerror(errno), (e), strerror(e)); \
	} while (0)

#define KT_SKIP(fmt, ...)	kt_skip(fmt, ##__VA_ARGS__)

#endif
