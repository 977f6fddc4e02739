#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole test run (`make check`, and .ci/run): install what is missing, build
# the modules and selftests with -Werror, run the host unit tests, the ABI test,
# short fuzz runs, then the selftests in the test VM against our modules and
# against Debian's KVM (reference mode).  Ends with "N passed, N failed".
#
# Counting: every top-level TAP line ("ok ..." / "not ok ...") of a stage counts
# as one test; a stage without TAP output (a build, a fuzz run) counts as one.
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
LOG=$TOP/build/check
rm -rf "$LOG"
mkdir -p "$LOG"
pass=0
fail=0
failed_names=()

# stage NAME tap|single COMMAND...
stage() {
	local name=$1 kind=$2 rc p f
	shift 2
	echo "=== $name"
	"$@" >"$LOG/$name.log" 2>&1
	rc=$?
	if [ "$kind" = tap ]; then
		p=$(grep -c '^ok ' "$LOG/$name.log")
		# A TAP TODO point (a pending configuration that still fails) is
		# reported in the log, not counted.
		f=$(grep '^not ok ' "$LOG/$name.log" | grep -vc '# TODO')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1	# the stage failed without saying which test
		fi
	elif [ "$rc" -eq 0 ]; then
		p=1; f=0
	else
		p=0; f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "    $p passed, $f failed (log: build/check/$name.log)"
	if [ "$f" -ne 0 ]; then
		failed_names+=("$name")
		if [ "$kind" = tap ] && grep -q '^not ok ' "$LOG/$name.log"; then
			failure_details "$LOG/$name.log"
		else
			tail -20 "$LOG/$name.log" | sed 's/^/    | /'
		fi
	fi
	return 0
}

# The diagnostics ("#   ..." lines) under each failing TAP point, so that a
# CI log, which keeps only stdout, says why; at most 60 lines a failure.
failure_details() {
	awk '/^not ok / && !/# TODO/ { on = 1; n = 0; print "    " $0; next }
	     /^(ok|not ok) / { on = 0 }
	     on && /^#/ && n < 60 { print "    " $0; n++ }' "$1" | head -n 200
}

modules_build() {
	make modules 2>&1 | tee "$LOG/modules.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	# -Werror covers C warnings; refuse modpost/objtool warnings too.
	! grep -E 'warning:|WARNING:' "$LOG/modules.out"
}

# Reference mode.  Debian's KVM in the emulated test VM sometimes fails a timing-
# sensitive selftest, or a nested QEMU boot times out, under load (TESTENV.md): a
# test that failed is run once more in a fresh boot, and the reference counts as
# passed when the second run passes.  The first failure stays in the log.  Ours gets
# no second chance.
#
# reference_with_retry NAME PATTERN OPTION COMMAND...
# PATTERN (extended regex) matches the names of the tests that may be retried,
# OPTION is COMMAND's option that names the tests to run again.
reference_with_retry()
{
	local name=$1 pat=$2 opt=$3 first retry failed rc t

	shift 3
	first=$LOG/$name.first
	retry=$LOG/$name.retry
	"$@" > "$first" 2>&1
	rc=$?
	failed=$(sed -n -E "s/^not ok [0-9]+ - debian: ($pat) .*/\1/p" "$first" | sort -u)
	if [ "$rc" -eq 0 ] || [ -z "$failed" ] ||
	   grep '^not ok ' "$first" | grep -v '# TODO' | grep -qvE " - debian: ($pat) "; then
		cat "$first"
		return "$rc"
	fi
	"$@" "$opt" "$(echo $failed)" > "$retry" 2>&1
	if grep -q '^not ok ' "$retry"; then
		cat "$first"
		echo "# retried in a fresh boot, still failing:"
		sed 's/^/#   /' "$retry"
		return 1
	fi
	for t in $failed; do
		echo "# $t failed on the first run and passed when run again:"
		grep -A3 "^not ok [0-9]* - debian: $t " "$first" | sed 's/^/#   /'
	done
	sed -E "s/^not ok ([0-9]+) - debian: ($pat) .*/ok \1 - debian: \2 # passed on retry/" \
		"$first"
	return 0
}

scripts/deps.sh || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }

stage modules single modules_build
stage selftests-build single make selftests
stage unit tap scripts/run-unit.sh
stage abi tap make -C tests/abi run
stage fuzz-short single make -C tests/fuzz short
stage testvm-ours tap scripts/testvm.sh --impl ours
stage testvm-debian tap reference_with_retry testvm-debian '[a-z0-9_]+_test' --tests \
	scripts/testvm.sh --impl debian
# Unmodified QEMU in the test VM boots Linux on our modules (tests/qemu), and on
# Debian's KVM the configurations of tests/qemu/REFERENCE, the ones it boots in
# the test VM (Documentation/virt/kvm/qemu.rst).
stage qemu-ours tap tests/qemu/run.sh --impl ours
stage qemu-debian tap reference_with_retry qemu-debian 'qemu_[a-z0-9_]+' --configs \
	tests/qemu/run.sh --impl debian

echo
[ ${#failed_names[@]} -eq 0 ] || echo "failed stages: ${failed_names[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
