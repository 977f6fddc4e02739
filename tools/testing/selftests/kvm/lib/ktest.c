// SPDX-License-Identifier: GPL-2.0-only
/*
 * TAP runner and host assertions.  Each case runs in its own child process; the
 * child's exit status carries the verdict back: KSFT_PASS, KSFT_FAIL or KSFT_SKIP.
 * A child killed by a signal counts as a failure and the signal is reported; a
 * child that runs past the time limit is killed and counts as a failure.
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktest.h"

/* Set in the child when a non-fatal check failed. */
static bool case_failed;

void kt_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void kt_assert_fail(const char *expr, const char *file, int line, int err, const char *fmt, ...)
{
	va_list ap;

	printf("# ASSERTION FAILED at %s:%d: %s\n# ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n#   (errno %d: %s)\n", err, strerror(err));
	fflush(stdout);
	exit(KSFT_FAIL);
}

void kt_check_fail(const char *expr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# CHECK FAILED at %s:%d: %s\n# ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	case_failed = true;
}

void kt_skip(const char *fmt, ...)
{
	va_list ap;

	printf("# skip reason: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_SKIP);
}

/* Seconds a case may run before it is killed; KTEST_TIMEOUT overrides. */
#define KTEST_DEFAULT_TIMEOUT	60

static int case_timeout(void)
{
	const char *t = getenv("KTEST_TIMEOUT");
	int v = t ? atoi(t) : 0;

	return v > 0 ? v : KTEST_DEFAULT_TIMEOUT;
}

/*
 * Wait for the case's child, polling so that a case stuck in KVM_RUN can be
 * killed.  Returns the pid reaped (or -1 if even SIGKILL did not end it in
 * five seconds: a task stuck in the kernel; it is then left behind).
 */
static pid_t wait_case(pid_t pid, int *status, const char *name)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	long ticks = 0, limit = case_timeout() * 100L;
	bool killed = false;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r != 0)
			return r;
		nanosleep(&tick, NULL);
		ticks++;
		if (!killed && ticks >= limit) {
			kt_diag("case '%s' still running after %d s: killing it", name,
				case_timeout());
			kill(pid, SIGKILL);
			killed = true;
			ticks = 0;
			limit = 500;
		} else if (killed && ticks >= limit) {
			kt_diag("case '%s' did not die after SIGKILL: left behind", name);
			return -1;
		}
	}
}

static int run_one(const struct ktest_case *c)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		kt_diag("fork failed: %s", strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0) {
		case_failed = false;
		c->fn();
		fflush(stdout);
		_exit(case_failed ? KSFT_FAIL : KSFT_PASS);
	}
	if (wait_case(pid, &status, c->name) != pid)
		return KSFT_FAIL;
	if (WIFSIGNALED(status)) {
		kt_diag("case '%s' killed by signal %d (%s)", c->name, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
		return KSFT_FAIL;
	}
	if (!WIFEXITED(status))
		return KSFT_FAIL;
	switch (WEXITSTATUS(status)) {
	case KSFT_PASS:
	case KSFT_SKIP:
		return WEXITSTATUS(status);
	default:
		return KSFT_FAIL;
	}
}

int ktest_main(const struct ktest_case *cases, size_t n)
{
	size_t i, passed = 0, failed = 0, skipped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		switch (run_one(&cases[i])) {
		case KSFT_PASS:
			printf("ok %zu %s\n", i + 1, cases[i].name);
			passed++;
			break;
		case KSFT_SKIP:
			printf("ok %zu %s # SKIP\n", i + 1, cases[i].name);
			skipped++;
			break;
		default:
			printf("not ok %zu %s\n", i + 1, cases[i].name);
			failed++;
			break;
		}
	}
	printf("# Totals: pass:%zu fail:%zu xfail:0 xpass:0 skip:%zu error:0\n",
	       passed, failed, skipped);
	fflush(stdout);
	if (failed)
		return KSFT_FAIL;
	if (skipped == n)
		return KSFT_SKIP;
	return KSFT_PASS;
}
