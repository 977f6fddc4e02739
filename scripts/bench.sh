#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmarks of our KVM against Debian's, side by side in one boot of the test
# VM (what `make bench` runs; BENCHMARKS.md shows a run and explains it).
#
#   scripts/bench.sh [--rounds N] [--order debian,ours,...] [--quick] [--smp N] [--no-icount]
#                    [--no-qemu-boot] [group...]
#
# The VM boots Debian's kernel under QEMU TCG with -icount shift=0,sleep=off,
# so the VM's clock advances one nanosecond per emulated instruction: times
# are instruction counts of the code paths measured and do not depend on the
# load of this machine.  In the VM, scripts/testvm/bench-init loads Debian's
# kvm + kvm-amd, runs tools/testing/selftests/kvm/out/kvm_bench, unloads them,
# loads ours, runs it again, and so on alternately (A B A B with two rounds).
# Each figure is the median of the round medians.  Groups (kvm_bench's own
# names) restrict the run.  Records and tables land in build/bench/.
# BENCH_OURS_PARAMS / BENCH_DEBIAN_PARAMS="kvm:NAME=VALUE kvm-amd:NAME=VALUE"
# load that side's modules with those parameters (what-if runs).

set -u
set -o pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
HERE=$TOP/scripts/testvm
. "$HERE/lib.sh"

ROUNDS=2
ORDER=
QUICK=0
SMP=1
ICOUNT=1
QEMU_BOOT_RUN=1
GROUPS_ARG=()
LIMIT=${BENCH_LIMIT:-840}	# seconds for the whole VM run
BIN=${BENCH_BIN:-$TOP/tools/testing/selftests/kvm/out/kvm_bench}
MOD_DIR=${TESTVM_MODULE_DIR:-$TOP/arch/x86/kvm}
QEMU=${TESTVM_QEMU:-qemu-system-x86_64}
OUT=${BENCH_OUT:-$TOP/build/bench}

usage()
{
	echo "usage: $0 [--rounds N] [--order LIST] [--quick] [--smp N] [--no-icount]" \
		"[--no-qemu-boot] [group...]" >&2
	exit 2
}

die()
{
	echo "bench: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || usage; ROUNDS=$2; shift 2 ;;
	--order) [ $# -ge 2 ] || usage; ORDER=$2; shift 2 ;;
	--quick) QUICK=1; shift ;;
	--smp) [ $# -ge 2 ] || usage; SMP=$2; shift 2 ;;
	--no-icount) ICOUNT=0; shift ;;
	--no-qemu-boot) QEMU_BOOT_RUN=0; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) GROUPS_ARG+=("$1"); shift ;;
	esac
done
case $ROUNDS in ''|*[!0-9]*|0) usage ;; esac

KVER=${TESTVM_KVER:-$(ls /lib/modules/*/modules.dep 2>/dev/null |
	sed 's,/lib/modules/,,;s,/modules.dep,,' |
	while read -r v; do [ -f "/boot/vmlinuz-$v" ] && echo "$v"; done | sort -V | tail -n 1)}
[ -n "$KVER" ] || die "no /boot/vmlinuz-* with modules (make check installs them)"
command -v "$QEMU" >/dev/null || die "$QEMU not installed (make deps)"
[ -x "$BIN" ] || die "$BIN not built (make selftests)"
for m in kvm kvm-amd; do
	[ -f "$MOD_DIR/$m.ko" ] || die "$MOD_DIR/$m.ko not built (make modules)"
done

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock -n 9 || { echo "bench: waiting for another run" >&2; flock 9; }

# --- Initramfs: both implementations and the program --------------------------
ROOT=$OUT/root
ird_init "$ROOT" || die "initramfs"
ird_add_file "$ROOT" "$HERE/bench-init" /init 0755 || die "initramfs"
ird_add_stripped "$ROOT" "$BIN" /bench/kvm_bench || die "initramfs"
chmod 0755 "$ROOT/bench/kvm_bench"
mkdir -p "$ROOT/etc/bench"

rm -f "$OUT/order"
ird_add_kmods "$ROOT" "$KVER" "$OUT/order" kvm_amd || die "Debian's modules"
while read -r p; do
	case ${p##*/} in
	kvm.ko|kvm-amd.ko) echo "$p" ;;
	*) echo "pre $p" ;;
	esac
done < "$OUT/order" > "$ROOT/etc/bench/debian.mods"

rm -f "$OUT/order"
: > "$ROOT/etc/bench/ours.mods"
deps=()
for m in kvm kvm-amd; do
	for d in $(modinfo -F depends "$MOD_DIR/$m.ko" | tr ',' ' '); do
		case $d in kvm|kvm_amd|kvm-amd) ;; *) deps+=("$d") ;; esac
	done
done
if [ ${#deps[@]} -gt 0 ]; then
	ird_add_kmods "$ROOT" "$KVER" "$OUT/order" "${deps[@]}" || die "module dependencies"
	sed 's/^/pre /' "$OUT/order" >> "$ROOT/etc/bench/ours.mods"
fi
for m in kvm kvm-amd; do
	ird_add_stripped "$ROOT" "$MOD_DIR/$m.ko" "/lib/modules/bench/$m.ko" || die "our modules"
	echo "/lib/modules/bench/$m.ko" >> "$ROOT/etc/bench/ours.mods"
done
# What-if runs: module parameters, "MODULE:PARAM=VALUE ..." for each side.
add_params()
{
	local file=$1 spec mod

	shift
	for spec in "$@"; do
		mod=${spec%%:*}
		sed -i "/\/$mod\.ko/s/\$/ ${spec#*:}/" "$file"
	done
}
# shellcheck disable=SC2086
add_params "$ROOT/etc/bench/ours.mods" ${BENCH_OURS_PARAMS:-}
# shellcheck disable=SC2086
add_params "$ROOT/etc/bench/debian.mods" ${BENCH_DEBIAN_PARAMS:-}
ird_pack "$ROOT" "$OUT/initramfs.cpio" || die "initramfs"

# --- Boot ------------------------------------------------------------------------
if [ -z "$ORDER" ]; then
	for ((i = 0; i < ROUNDS; i++)); do ORDER+=${ORDER:+,}debian,ours; done
fi
ARGS=
[ "$QUICK" = 1 ] && ARGS=-q
for g in "${GROUPS_ARG[@]}"; do ARGS+=${ARGS:+,}$g; done

ACCEL=(-accel tcg,thread=single)
[ "$ICOUNT" = 1 ] && ACCEL+=(-icount shift=0,sleep=off)
RES=$OUT/results.log
: > "$RES"
BOOTARGS="bench.order=$ORDER bench.args=$ARGS"
QEMU_CMD=("$QEMU" -M q35 -cpu max -smp "$SMP" -m 2G "${ACCEL[@]}"
	-kernel "/boot/vmlinuz-$KVER" -initrd "$OUT/initramfs.cpio"
	-append "console=ttyS0 quiet panic=-1 oops=panic tsc=reliable clocksource=tsc $BOOTARGS"
	-nographic -no-reboot -nic none -serial "file:$OUT/console.log" -serial "file:$RES")
echo "${QEMU_CMD[*]}" > "$OUT/qemu-command.txt"
echo "bench: booting the test VM ($ORDER; progress in ${RES#"$TOP"/})" >&2
START=$SECONDS
"${QEMU_CMD[@]}" < /dev/null > "$OUT/qemu.out" 2>&1 &
QPID=$!
trap 'kill $QPID 2>/dev/null' EXIT INT TERM
while kill -0 $QPID 2>/dev/null; do
	if [ $((SECONDS - START)) -gt "$LIMIT" ]; then
		echo "bench: the VM ran past ${LIMIT}s; stopped" >&2
		kill $QPID
		sleep 1
		kill -9 $QPID 2>/dev/null
		break
	fi
	sleep 1
done
wait $QPID 2>/dev/null
trap - EXIT INT TERM
WALL=$((SECONDS - START))
tr -d '\r' < "$RES" > "$RES.tmp" && mv "$RES.tmp" "$RES"
grep -q '^DONE' "$RES" || echo "bench: the VM did not finish (see ${OUT#"$TOP"/}/console.log)" >&2

# --- The table ---------------------------------------------------------------------
# The QEMU boot figure comes from the end-to-end QEMU tests when they exist.
# tests/qemu/run.sh boots Debian's kernel under unmodified QEMU in the test VM
# (its own boots, without icount: a wall-clock figure) and leaves the time from
# QEMU's start to the guest's first userspace line in build/qemu/<impl>/boot-times.txt.
# Each implementation gets BENCH_QEMU_LIMIT seconds (200), so that make bench stays
# well under 15 minutes; past that the figure is n/a.
# q35 with 1 vCPU and the userspace irqchip (any configuration of tests/qemu/REFERENCE
# would do: Debian's KVM boots them all in the test VM).
QEMU_BOOT_CONFIG=${BENCH_QEMU_CONFIG:-qemu_q35_smp1_irqchip_off}
QEMU_BOOT=(- -)
QEMU_BOOT_NA=
qemu_boot_time()
{
	local impl=$1 t

	timeout "${BENCH_QEMU_LIMIT:-200}" "$TOP/tests/qemu/run.sh" --impl "$impl" \
		--configs "$QEMU_BOOT_CONFIG" > "$OUT/qemu-boot-$impl.log" 2>&1
	t=$(awk -v c="$QEMU_BOOT_CONFIG" '$1 == c { print $2 }' \
		"$TOP/build/qemu/$impl/boot-times.txt" 2>/dev/null)
	case $t in
	''|*[!0-9.]*) echo - ;;
	*) awk -v t="$t" 'BEGIN { printf "%.0f\n", t * 1000 }' ;;
	esac
}
if [ "$QEMU_BOOT_RUN" = 0 ]; then
	QEMU_BOOT_NA="not measured (--no-qemu-boot)"
elif [ -x "$TOP/tests/qemu/run.sh" ]; then
	echo "bench: QEMU boot time ($QEMU_BOOT_CONFIG), Debian's KVM then ours" >&2
	QEMU_BOOT=("$(qemu_boot_time debian)" "$(qemu_boot_time ours)")
	QEMU_BOOT_NA="wall-clock time of separate boots (no icount), $QEMU_BOOT_CONFIG;"
	QEMU_BOOT_NA+=" n/a if the guest's marker never came: ${OUT#"$TOP"/}/qemu-boot-<impl>.log"
else
	QEMU_BOOT_NA="n/a (no tests/qemu/run.sh, the QEMU-in-the-test-VM boot test, on main yet)"
fi

awk -v wall="$WALL" -v qemu_na="$QEMU_BOOT_NA" -v qd="${QEMU_BOOT[0]}" -v qo="${QEMU_BOOT[1]}" '
function med(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(list, m,   n, a, i, lo, hi) {
	n = split(list, a, " ")
	if (n < 2 || m == 0) return 0
	lo = hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
	return 100 * (hi - lo) / m
}
function fmt(v) {
	if (v == "") return "-"
	if (v >= 100) return sprintf("%.0f", v)
	return sprintf("%.1f", v)
}
/^INFO / { k = $2; $1 = $2 = ""; sub(/^ +/, ""); info[k] = $0; next }
/^FAIL / { fails = fails "\n  " $0; next }
/^R / && $4 == "BENCH" {
	impl = $3; name = $5
	if (!(name in unit)) { order[++nf] = name; unit[name] = $6 }
	if ($7 == "n/a") {
		why = ""; for (i = 9; i <= NF; i++) why = why (why ? " " : "") $i
		na[impl, name] = why
	} else
		vals[impl, name] = vals[impl, name] " " $7
	next
}
/^R [12] / && $4 == "#" {
	sub(/^R [0-9]+ /, "")
	if (!(($0) in seenc)) { seenc[$0] = 1; comments = comments "\n  " $0 }
}
END {
	printf "KVM benchmarks: Debian kvm-amd vs ours, median of rounds (VM run %d s)\n", wall
	printf "test VM: %s, %s CPUs, %s, kernel %s, THP %s\n", info["cpu"], info["cpus"],
		info["memory"], info["kernel"], info["thp"]
	printf "%-24s %-7s %12s %12s %8s %7s\n", "figure", "unit", "debian", "ours", "ours/deb", "spread"
	for (i = 1; i <= nf; i++) {
		f = order[i]
		d = med(vals["debian", f]); o = med(vals["ours", f])
		ds = d == "" ? "n/a" : fmt(d); os = o == "" ? "n/a" : fmt(o)
		r = (d != "" && o != "" && d > 0) ? sprintf("%.2f", o / d) : "-"
		s = spread(vals["debian", f], d); t = spread(vals["ours", f], o)
		printf "%-24s %-7s %12s %12s %8s %6.1f%%\n", f, unit[f], ds, os, r, (s > t ? s : t)
		if (d == "" && (("debian", f) in na))
			notes = notes sprintf("\n  %s debian: %s", f, na["debian", f])
		if (o == "" && (("ours", f) in na))
			notes = notes sprintf("\n  %s ours: %s", f, na["ours", f])
	}
	r = (qd != "-" && qo != "-" && qd > 0) ? sprintf("%.2f", qo / qd) : "-"
	printf "%-24s %-7s %12s %12s %8s %7s\n", "qemu_boot", "ms", qd == "-" ? "n/a" : qd,
		qo == "-" ? "n/a" : qo, r, "-"
	notes = notes "\n  qemu_boot: " qemu_na
	print "n/a:" notes
	if (fails != "") print "failures:" fails
	if (comments != "") print "notes from the runs:" comments
	print "spread: (max - min) / median over the rounds, the larger of the two implementations"
}' "$RES" | tee "$OUT/table.txt"
grep -q '^DONE' "$RES"
