#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check the test-VM harness itself against Debian's KVM: build a few small
# programs that pass, fail, skip, hang, leave children behind, warn in the
# kernel log, panic the kernel and freeze the VM, run them through
# scripts/testvm.sh, and check what it reports.  Prints TAP; takes about two
# minutes (two VM deaths, two timeouts).
#
#   scripts/testvm/selftest.sh [--keep-tmp]

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/testvm-selftest.XXXXXX)
[ "${1:-}" = --keep-tmp ] || trap 'rm -rf "$TMP"' EXIT
BIN=$TMP/bin
mkdir -p "$BIN"

prog()
{
	local name=$1

	cat > "$TMP/$name.c"
	gcc -O1 -static -o "$BIN/$name" "$TMP/$name.c" || exit 2
}

prog api <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/dev/kvm", O_RDWR);
	int v;

	if (fd < 0) {
		printf("1..0 # SKIP no /dev/kvm\n");
		return 4;
	}
	v = ioctl(fd, 0xAE00 /* KVM_GET_API_VERSION */, 0);
	printf("1..1\n%s 1 api version %d\n", v == 12 ? "ok" : "not ok", v);
	return v == 12 ? 0 : 1;
}
EOF
prog fails <<'EOF'
#include <stdio.h>

int main(void)
{
	printf("1..1\nnot ok 1 the answer\n# expected 42, got 41\n");
	return 1;
}
EOF
prog skips <<'EOF'
#include <stdio.h>

int main(void)
{
	printf("1..0 # SKIP no such feature\n");
	return 4;
}
EOF
prog hangs <<'EOF'
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("about to hang\n");
	fflush(stdout);
	for (;;)
		pause();
}
EOF
prog forks_and_hangs <<'EOF'
#include <stdio.h>
#include <unistd.h>

/* The case runs in a child, as in the ktest library; both hang. */
int main(void)
{
	if (fork() == 0) {
		printf("child hangs\n");
		fflush(stdout);
	}
	for (;;)
		pause();
}
EOF
prog warns <<'EOF'
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* A line shaped like a WARN() report, injected into the kernel log. */
int main(void)
{
	const char *m = "WARNING: CPU: 0 PID: 1 at selftest.c:1 injected+0x0/0x0\n";
	int fd = open("/dev/kmsg", O_WRONLY);

	return write(fd, m, strlen(m)) > 0 ? 0 : 1;
}
EOF
prog panics <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	printf("crashing the kernel\n");
	fflush(stdout);
	return write(fd, "c", 1) == 1 ? 0 : 1;
}
EOF
prog freezes <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

/* Stops every other process, the harness in the VM included. */
int main(void)
{
	printf("freezing the VM\n");
	fflush(stdout);
	kill(-1, SIGSTOP);
	for (;;)
		pause();
}
EOF
cp "$BIN/api" "$BIN/api_after_panic"
cp "$BIN/api" "$BIN/api_after_freeze"
printf '%s\n' api fails skips hangs forks_and_hangs warns panics api_after_panic \
	freezes api_after_freeze > "$BIN/TESTS"

OUT=$TMP/out
TESTVM_TEST_DIR=$BIN TESTVM_OUT=$OUT TESTVM_GRACE=15 \
	"$TOP/scripts/testvm.sh" --impl debian --timeout 8 > "$TMP/tap" 2> "$TMP/err"
RC=$?

N=0
FAILED=0
check()
{
	local what=$1 re=$2

	N=$((N + 1))
	if grep -qE "$re" "$TMP/tap"; then
		echo "ok $N - $what"
	else
		FAILED=$((FAILED + 1))
		echo "not ok $N - $what"
	fi
}

check "life cycle points pass with Debian's KVM" \
	'^ok [0-9]+ - debian: /dev/kvm is a char device 10:232 with mode 0600$'
check "a passing program is ok" '^ok [0-9]+ - debian: api$'
check "a failing program is not ok with its exit status" \
	'^not ok [0-9]+ - debian: fails \(exit status 1\)$'
check "a failing program's output follows it" '^#   # expected 42, got 41$'
check "a skipping program is ok with its reason" \
	'^ok [0-9]+ - debian: skips # SKIP no such feature$'
check "a hanging program times out" '^not ok [0-9]+ - debian: hangs \(timed out after 8s\)$'
check "a program whose child hangs times out, and the run goes on" \
	'^not ok [0-9]+ - debian: forks_and_hangs \(timed out after 8s\)$'
check "a kernel warning fails the program" \
	'^not ok [0-9]+ - debian: warns \(kernel warning: .*WARNING: CPU: 0 PID: 1 at selftest'
check "a panic is a crash" '^not ok [0-9]+ - debian: panics \(crash: VM died during the test\)$'
check "the panic's console is shown" '^#   .*Kernel panic - not syncing: sysrq triggered crash'
check "a fresh VM runs the test after the panic" '^ok [0-9]+ - debian: api_after_panic$'
check "a frozen VM is a hang" '^not ok [0-9]+ - debian: freezes \(hang: '
check "the frozen VM's stacks are dumped" '^#   .*NMI backtrace|^#   .*Sending NMI'
check "a fresh VM runs the test after the freeze" '^ok [0-9]+ - debian: api_after_freeze$'
check "the modules unload at the end" '^ok [0-9]+ - debian: modules reload and unload again$'
check "three boots" '^# [0-9]+ passed, 6 failed, 3 boot\(s\)'
N=$((N + 1))
if [ "$RC" = 1 ]; then
	echo "ok $N - testvm.sh exits 1 when something failed"
else
	FAILED=$((FAILED + 1))
	echo "not ok $N - testvm.sh exits 1 when something failed (got $RC)"
fi
echo "1..$N"
if [ "$FAILED" -gt 0 ]; then
	echo "# testvm.sh printed:"
	sed 's/^/#   /' "$TMP/tap" "$TMP/err"
	exit 1
fi
