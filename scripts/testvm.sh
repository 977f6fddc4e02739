#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the KVM selftests in a QEMU (TCG) virtual machine against our modules
# (--impl ours) or against Debian's KVM (--impl debian), and print TAP.
#
#   scripts/testvm.sh [--impl ours|debian] [--tests "name ..."] [--timeout SECONDS] [--keep]
#
# Documentation/virt/kvm/testing.rst explains the records exchanged with the
# VM, the logs left under build/testvm/<impl>/ and how to debug a failure.

set -u
set -o pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
HERE=$TOP/scripts/testvm
. "$HERE/lib.sh"

IMPL=ours
TESTS_ARG=
HAVE_TESTS_ARG=0
TIMEOUT=120
KEEP=0
# Seconds of silence from the VM that count as a hang: while booting, and
# beyond the per-test timeout or since the last record otherwise.
BOOT_GRACE=${TESTVM_BOOT_GRACE:-240}
GRACE=${TESTVM_GRACE:-90}
TEST_DIR=${TESTVM_TEST_DIR:-$TOP/tools/testing/selftests/kvm/out}
PENDING_FILE=${TESTVM_PENDING:-$TOP/tools/testing/selftests/kvm/PENDING}
MOD_DIR=${TESTVM_MODULE_DIR:-$TOP/arch/x86/kvm}
KVER=${TESTVM_KVER:-}
QEMU=${TESTVM_QEMU:-qemu-system-x86_64}
MEM=${TESTVM_MEM:-2G}
SMP=${TESTVM_SMP:-2}
# TCG with one host thread for all vCPUs (single, the default) or one per vCPU (multi).
TCG_THREAD=${TESTVM_TCG_THREAD:-single}
case $TCG_THREAD in single|multi) ;; *) echo "testvm: TESTVM_TCG_THREAD is single or multi" >&2; exit 2 ;; esac
# A second newc archive appended to the initramfs (e.g. QEMU for nested guests).
EXTRA_CPIO=${TESTVM_EXTRA_CPIO:-}
# What ours mode does with a PENDING test: skip (leave it out) or todo (run it,
# report it with a TAP TODO directive, not counted as a failure).
PENDING_MODE=${TESTVM_PENDING_MODE:-skip}
# Lines of a failing test's output echoed on stdout (all of it is in the log).
SHOW_LINES=${TESTVM_SHOW_LINES:-60}
CONSOLE_TAIL=40

usage()
{
	echo "usage: $0 [--impl ours|debian] [--tests \"name ...\"] [--timeout SECONDS] [--keep]" >&2
	exit 2
}

die()
{
	echo "testvm: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--impl) [ $# -ge 2 ] || usage; IMPL=$2; shift 2 ;;
	--impl=*) IMPL=${1#*=}; shift ;;
	--tests) [ $# -ge 2 ] || usage; TESTS_ARG=$2; HAVE_TESTS_ARG=1; shift 2 ;;
	--tests=*) TESTS_ARG=${1#*=}; HAVE_TESTS_ARG=1; shift ;;
	--timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done
case $IMPL in ours|debian) ;; *) usage ;; esac
case $PENDING_MODE in skip|todo) ;; *) die "TESTVM_PENDING_MODE must be skip or todo" ;; esac
[ -z "$EXTRA_CPIO" ] || [ -f "$EXTRA_CPIO" ] || die "no such file: $EXTRA_CPIO"
[ "$KEEP" = 0 ] || [ -t 0 ] || die "--keep gives the VM's console to the terminal: stdin must be one"
case $TIMEOUT in ''|*[!0-9]*) usage ;; esac
[ "$TIMEOUT" -gt 0 ] || usage

# --- Host packages -----------------------------------------------------------

need_packages()
{
	local pkgs=(qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio)
	local missing=() p sudo=

	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || die "missing packages ${missing[*]} and not root"
		sudo=sudo
	fi
	echo "testvm: installing ${missing[*]}" >&2
	$sudo apt-get update -q >&2 || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || die "apt-get install failed"
}

# The newest /boot/vmlinuz-* whose modules are installed.
pick_kernel()
{
	local f v best=

	for f in /boot/vmlinuz-*; do
		[ -f "$f" ] || continue
		v=${f#/boot/vmlinuz-}
		[ -f "/lib/modules/$v/modules.dep" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
	done
	echo "$best"
}

need_packages
[ -n "$KVER" ] || KVER=$(pick_kernel)
[ -n "$KVER" ] || die "no /boot/vmlinuz-* with matching /lib/modules"
[ -f "/boot/vmlinuz-$KVER" ] || die "no /boot/vmlinuz-$KVER"

OUT=${TESTVM_OUT:-$TOP/build/testvm/$IMPL}
mkdir -p "$OUT"
# One run per implementation at a time: the logs and the initramfs are shared.
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "testvm: waiting for another run using $OUT" >&2
	flock 9
fi

# --- What to run ---------------------------------------------------------------

TESTS=()
if [ $HAVE_TESTS_ARG = 1 ]; then
	read -r -a TESTS <<< "$TESTS_ARG"
else
	[ -f "$TEST_DIR/TESTS" ] ||
		die "$TEST_DIR/TESTS not found: build the selftests (make selftests) or use --tests"
	while read -r t; do
		t=${t%%#*}
		t=${t//[[:space:]]/}
		[ -n "$t" ] && TESTS+=("$t")
	done < "$TEST_DIR/TESTS"
fi

PENDING=()
declare -A PENDING_WHY=()	# the comment after a PENDING entry
declare -A TODO=()		# pending tests run in todo mode
if [ "$IMPL" = ours ] && [ $HAVE_TESTS_ARG = 0 ] && [ -f "$PENDING_FILE" ]; then
	while read -r line; do
		t=${line%%#*}
		t=${t//[[:space:]]/}
		[ -n "$t" ] || continue
		PENDING+=("$t")
		case $line in *'#'*) why=${line#*#}; PENDING_WHY[$t]=${why# } ;; esac
	done < "$PENDING_FILE"
fi

is_pending()
{
	local p
	for p in "${PENDING[@]}"; do [ "$p" = "$1" ] && return 0; done
	return 1
}

RUN=()		# tests that go into the VM, in order
MISSING=()	# tests without a binary
SKIPPED=()	# pending in ours mode
for t in "${TESTS[@]}"; do
	if is_pending "$t" && [ "$PENDING_MODE" = skip ]; then
		SKIPPED+=("$t")
	elif [ -x "$TEST_DIR/$t" ] && [ -f "$TEST_DIR/$t" ]; then
		RUN+=("$t")
		! is_pending "$t" || TODO[$t]=1
	else
		MISSING+=("$t")
	fi
done

# --- Modules -------------------------------------------------------------------

# Put the chosen implementation's modules into the tree at $2 and describe
# them in $1 (its /etc/testvm/modules): "ROLE PATH" lines, ROLE being pre
# (a dependency, loaded first), core, amd or intel.
setup_modules()
{
	local list=$1 root=$2 order=$2/../kmod.order m dep path vm deps=()

	rm -f "$order"
	: > "$list"
	if [ "$IMPL" = debian ]; then
		ird_add_kmods "$root" "$KVER" "$order" kvm_amd kvm_intel || return
		while read -r path; do
			case ${path##*/} in
			kvm.ko) echo "core $path" ;;
			kvm-amd.ko) echo "amd $path" ;;
			kvm-intel.ko) echo "intel $path" ;;
			*) echo "pre $path" ;;
			esac
		done < "$order" > "$list"
		return 0
	fi
	# Ours: whatever our modules need from the kernel's tree loads first.
	for m in kvm kvm-amd kvm-intel; do
		[ -f "$MOD_DIR/$m.ko" ] || continue
		for dep in $(modinfo -F depends "$MOD_DIR/$m.ko" | tr ',' ' '); do
			case $dep in kvm|kvm_amd|kvm_intel|kvm-amd|kvm-intel) continue ;; esac
			deps+=("$dep")
		done
	done
	if [ ${#deps[@]} -gt 0 ]; then
		ird_add_kmods "$root" "$KVER" "$order" "${deps[@]}" || return
		sed 's/^/pre /' "$order" >> "$list"
	fi
	for m in kvm:core kvm-amd:amd kvm-intel:intel; do
		vm=/lib/modules/testvm/${m%%:*}.ko
		[ -f "$MOD_DIR/${m%%:*}.ko" ] || continue
		ird_add_stripped "$root" "$MOD_DIR/${m%%:*}.ko" "$vm" || return
		echo "${m#*:} $vm" >> "$list"
	done
}

MODS_KEY=()	# our module files, for the initramfs key
if [ "$IMPL" = ours ]; then
	for m in kvm kvm-amd; do
		[ -f "$MOD_DIR/$m.ko" ] || die "$MOD_DIR/$m.ko not built (make modules)"
	done
	for m in kvm kvm-amd kvm-intel; do
		[ -f "$MOD_DIR/$m.ko" ] || continue
		vm=$(modinfo -F vermagic "$MOD_DIR/$m.ko" | awk '{ print $1 }')
		[ "$vm" = "$KVER" ] || die "$MOD_DIR/$m.ko is built for $vm, the VM runs $KVER"
		MODS_KEY+=("$MOD_DIR/$m.ko")
	done
fi

# --- Initramfs -----------------------------------------------------------------

INITRD=$OUT/initramfs.cpio
initramfs_key()
{
	{
		echo "$IMPL $KVER"
		printf 'test %s\n' "${RUN[@]}"
		sha256sum "$HERE/init" "$HERE/lib.sh" "$TOP/scripts/testvm.sh" "$IRD_BUSYBOX" \
			"${MODS_KEY[@]}" $EXTRA_CPIO
		for t in "${RUN[@]}"; do sha256sum "$TEST_DIR/$t"; done
	} | sha256sum | cut -d' ' -f1
}

build_initramfs()
{
	local root=$OUT/root t

	ird_init "$root" || return
	ird_add_file "$root" "$HERE/init" /init 0755 || return
	mkdir -p "$root"/etc/testvm "$root"/tests || return
	setup_modules "$root"/etc/testvm/modules "$root" || return
	: > "$root"/etc/testvm/tests
	for t in "${RUN[@]}"; do
		# Selftests are static; a dynamic one brings its libraries.
		if ird_is_static "$TEST_DIR/$t"; then
			ird_add_stripped "$root" "$TEST_DIR/$t" "/tests/$t" || return
		else
			ird_add_dynamic "$root" "$TEST_DIR/$t" "/tests/$t" || return
		fi
		chmod 0755 "$root/tests/$t"
		echo "$t" >> "$root"/etc/testvm/tests
	done
	ird_pack "$root" "$INITRD" || return
	# The kernel unpacks concatenated archives one after the other.
	[ -z "$EXTRA_CPIO" ] || cat "$EXTRA_CPIO" >> "$INITRD"
}

KEY=$(initramfs_key)
if [ -f "$INITRD" ] && [ "$(cat "$OUT/initramfs.key" 2>/dev/null)" = "$KEY" ]; then
	:
else
	rm -f "$OUT/initramfs.key"
	build_initramfs || die "building the initramfs failed"
	echo "$KEY" > "$OUT/initramfs.key"
fi

# --- Results ---------------------------------------------------------------------

rm -rf "$OUT/tests" "$OUT"/console-*.log "$OUT"/results-*.log "$OUT/dmesg.log"
mkdir -p "$OUT/tests"
: > "$OUT/summary.txt"
: > "$OUT/dmesg.log"
: > "$OUT/tap.txt"

N=0		# TAP points printed
FAILED=0
NTODO=0		# pending tests that failed (not counted in FAILED)
WARN_RE=$(ird_kernel_warning_re)

tap()
{
	printf '%s\n' "$*" | tee -a "$OUT/tap.txt"
}

# Indented TAP diagnostics: "#   line" for each line of stdin.
diag()
{
	sed 's/^/#   /' | tee -a "$OUT/tap.txt"
}

pass()
{
	N=$((N + 1))
	if [ -n "${TODO[$1]:-}" ]; then
		tap "ok $N - $IMPL: $1 # TODO pending, passes now: take it off $(basename "$PENDING_FILE")"
		return
	fi
	tap "ok $N - $IMPL: $1${2:+ # SKIP $2}"
}

fail()
{
	local why=${2//'#'/'\#'}	# a bare '#' could start a TAP directive
	local pwhy

	N=$((N + 1))
	if [ -n "${TODO[$1]:-}" ]; then
		pwhy=${PENDING_WHY[$1]:-listed in $(basename "$PENDING_FILE")}
		NTODO=$((NTODO + 1))
		tap "not ok $N - $IMPL: $1 ($why) # TODO pending: ${pwhy//'#'/'\#'}"
		return
	fi
	FAILED=$((FAILED + 1))
	tap "not ok $N - $IMPL: $1 ($why)"
}

# The last $SHOW_LINES lines of a file as diagnostics, saying what was left out.
show_tail()
{
	local file=$1 what=$2 total

	[ -s "$file" ] || return 0
	total=$(wc -l < "$file")
	if [ "$total" -gt "$SHOW_LINES" ]; then
		echo "$what: last $SHOW_LINES of $total lines (all in ${file#"$TOP"/})" | diag
		tail -n "$SHOW_LINES" "$file" | diag
	else
		echo "$what:" | diag
		diag < "$file"
	fi
}

describe_point()
{
	case $1 in
	prereq) echo "modules the implementation depends on load" ;;
	load-core) echo "kvm module loads" ;;
	load-amd) echo "kvm_amd module loads" ;;
	devnode) echo "/dev/kvm is a char device 10:232 with mode 0600" ;;
	intel-refuses) echo "kvm-intel refuses to load without VMX, saying why in dmesg" ;;
	unload) echo "rmmod kvm_amd kvm after the tests" ;;
	reload) echo "modules reload and unload again" ;;
	memory) echo "kmalloc slabs and MemFree back after the modules unload" ;;
	*) echo "$1" ;;
	esac
}

# State of the boot in progress.
CUR=		# test running (BEGIN seen, no END yet)
CUR_IDX=0
PHASE=boot	# boot, load, tests, unload, done
DONE=0
NOTRUN=
NEXT=1		# index of the first test not finished
OUTSIDE_WARN=	# first kernel warning outside tests
declare -A POINT_SEEN=()

test_result()
{
	local name=$1 rc=$2 cs=$3 tmo=$4 out=$OUT/tests/$1.out kfile=$OUT/tests/$1.dmesg
	local warn reason skip

	printf '%s rc=%s time=%d.%02ds%s\n' "$name" "$rc" $((cs / 100)) $((cs % 100)) \
		"$([ "$tmo" = 1 ] && echo ' timeout')" >> "$OUT/summary.txt"
	warn=$(grep -E -m1 "$WARN_RE" "$kfile" 2>/dev/null)
	if [ "$tmo" = 1 ]; then
		reason="timed out after ${TIMEOUT}s"
	elif [ "$rc" = 0 ] || [ "$rc" = 4 ]; then
		reason=
	elif [ "$rc" -gt 128 ] 2>/dev/null; then
		reason="killed by signal $((rc - 128))"
	else
		reason="exit status $rc"
	fi
	if [ -n "$warn" ]; then
		reason="${reason:+$reason; }kernel warning: $warn"
	fi
	if [ -z "$reason" ] && [ "$rc" = 4 ]; then
		# "# SKIP why" (kselftest), else "# skip reason: why" (our ktest)
		skip=$(grep -o '# *SKIP .*[^ ].*' "$out" 2>/dev/null | tail -n 1 |
			sed 's/^# *SKIP *//')
		[ -n "$skip" ] || skip=$(grep -o 'skip reason: .*' "$out" 2>/dev/null |
			tail -n 1 | sed 's/^skip reason: *//')
		pass "$name" "${skip:-exit status 4}"
	elif [ -z "$reason" ]; then
		pass "$name"
	else
		fail "$name" "$reason"
		show_tail "$out" output
		if [ -n "$warn" ]; then
			grep -E -A 30 "$WARN_RE" "$kfile" | head -n "$SHOW_LINES" > "$kfile.show"
			show_tail "$kfile.show" "kernel log"
			rm -f "$kfile.show"
		fi
	fi
}

handle_point()
{
	local id=$1 res=$2 reason=$3 desc

	desc=$(describe_point "$id")
	if [ -z "${POINT_SEEN[$id]:-}" ]; then
		POINT_SEEN[$id]=1
		if [ "$res" = ok ]; then pass "$desc"; else fail "$desc" "$reason"; fi
	elif [ "$res" != ok ]; then
		fail "$desc (boot $BOOT)" "$reason"
	fi
}

handle_record()
{
	local line=$1 rest b c d e f

	case $line in
	"O "*|O)
		rest=${line#O}
		[ -n "$CUR" ] && printf '%s\n' "${rest# }" >> "$OUT/tests/$CUR.out" ;;
	"K "*|K)
		rest=${line#K}
		rest=${rest# }
		printf '%s\n' "$rest" >> "$OUT/dmesg.log"
		if [ -n "$CUR" ]; then
			printf '%s\n' "$rest" >> "$OUT/tests/$CUR.dmesg"
		elif [ -z "$OUTSIDE_WARN" ] && [[ $rest =~ $WARN_RE ]]; then
			OUTSIDE_WARN="$PHASE: $rest"
		fi ;;
	"BEGIN "*)
		read -r _ b c <<< "$line"
		CUR=$c
		CUR_IDX=$b
		PHASE=tests
		TEST_START=$SECONDS
		: > "$OUT/tests/$CUR.out"
		: > "$OUT/tests/$CUR.dmesg" ;;
	"END "*)
		read -r _ b c d e f <<< "$line"
		test_result "$c" "$d" "$e" "$f"
		CUR=
		NEXT=$((b + 1)) ;;
	"POINT "*)
		read -r _ b c rest <<< "$line"
		handle_point "$b" "$c" "$rest" ;;
	"HELLO "*)
		PHASE=load ;;
	"PHASE "*)
		PHASE=${line#PHASE } ;;
	"NOTRUN "*)
		NOTRUN=${line#NOTRUN } ;;
	DONE)
		PHASE="done"
		DONE=1 ;;
	esac
}

# Read the complete records the VM has written since the last call.
CONSUMED=0
pump()
{
	local file=$1 total line
	local -a lines

	total=$(wc -l < "$file")
	[ "$total" -gt "$CONSUMED" ] || return 1
	mapfile -t lines < <(sed -n "$((CONSUMED + 1)),${total}p" "$file" | tr -d '\r')
	CONSUMED=$total
	for line in "${lines[@]}"; do
		handle_record "$line"
	done
	return 0
}

# Before stopping a silent VM, ask its kernel (through the emulated keyboard)
# for the stacks of blocked tasks and of every CPU, printed on the console at
# full log level: that is usually the deadlock or the loop.
sysrq_dump()
{
	local k

	[ -p "$OUT/monitor.in" ] || return 0
	for k in 9 w l; do
		timeout 2 sh -c 'echo "sendkey alt-sysrq-$1" > "$2"' sh "$k" "$OUT/monitor.in"
		sleep 0.5
	done
	sleep 5
}

# Boot the VM once, starting with test number $1.  Sets HOW to "done",
# "crash" (the VM stopped by itself) or "hang" (we stopped it).
boot_vm()
{
	local start=$1 console=$OUT/console-$BOOT.log results=$OUT/results-$BOOT.log
	local qpid deadline last append conopt stdin=/dev/null stdout=/dev/null

	: > "$console"
	: > "$results"
	append="console=ttyS0 quiet panic=-1 oops=panic tsc=reliable clocksource=tsc"
	append+=" testvm.boot=$BOOT testvm.start=$start testvm.timeout=$TIMEOUT testvm.keep=$KEEP"
	append+="${TESTVM_APPEND:+ $TESTVM_APPEND}"
	if [ "$KEEP" = 1 ]; then
		conopt=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$console"
			-serial chardev:con -mon chardev=con)
		stdin=/dev/stdin
		stdout=/dev/stdout
	else
		# The monitor reads commands from a FIFO (see sysrq_dump); its
		# replies go to a plain file, so nothing has to drain them.
		rm -f "$OUT/monitor.in" "$OUT/monitor.out"
		mkfifo "$OUT/monitor.in" && : > "$OUT/monitor.out"
		conopt=(-chardev "file,id=con,path=$console" -serial chardev:con
			-chardev "pipe,id=mon,path=$OUT/monitor" -mon chardev=mon)
	fi
	"$QEMU" -M q35 -cpu max -smp "$SMP" -m "$MEM" -accel tcg,thread=$TCG_THREAD \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$INITRD" -append "$append" \
		-nographic -no-reboot -nic none "${conopt[@]}" \
		-chardev "file,id=res,path=$results" -serial chardev:res \
		< "$stdin" > "$stdout" 2> "$OUT/qemu-$BOOT.err" &
	qpid=$!
	QPID=$qpid
	CONSUMED=0
	CUR=
	PHASE=boot
	DONE=0
	HOW=
	last=$SECONDS
	while kill -0 "$qpid" 2>/dev/null; do
		pump "$results" && last=$SECONDS
		if [ "$DONE" = 1 ]; then
			# Give it time to power off; a kept VM stays as long as it likes.
			[ "$KEEP" = 1 ] && { sleep 0.5; continue; }
			deadline=$((last + 30))
		elif [ "$PHASE" = boot ]; then
			deadline=$((last + BOOT_GRACE))
		else
			deadline=$((last + GRACE))
			if [ -n "$CUR" ] && [ $((TEST_START + TIMEOUT + GRACE)) -gt "$deadline" ]; then
				deadline=$((TEST_START + TIMEOUT + GRACE))
			fi
		fi
		if [ "$SECONDS" -gt "$TOTAL_DEADLINE" ] && [ "$KEEP" = 0 ]; then
			TOTAL_EXPIRED=1
			deadline=0
		fi
		if [ "$SECONDS" -gt "$deadline" ]; then
			if [ "$DONE" = 0 ]; then
				HOW=hang
				sysrq_dump
			fi
			kill "$qpid" 2>/dev/null
			sleep 1
			kill -9 "$qpid" 2>/dev/null
			break
		fi
		sleep 0.5
	done
	wait "$qpid" 2>/dev/null
	QPID=
	pump "$results"
	if [ "$DONE" = 1 ]; then
		HOW="done"
	elif [ -z "$HOW" ]; then
		HOW=crash
	fi
}

# What the console says about a death: the part after the last test marker
# (all of the log if none), as its first kernel complaint and its last lines.
console_excerpt()
{
	local console=$1 part=$OUT/console.part total first

	tr -d '\r' < "$console" | awk '/testvm: begin /{ n = 0; delete l } { l[++n] = $0 }
		END { for (i = 1; i <= n; i++) print l[i] }' > "$part"
	total=$(wc -l < "$part")
	first=$(grep -n -m1 -E "$WARN_RE" "$part" | cut -d: -f1)
	{
		if [ -n "$CUR" ]; then
			echo "console (${console#"$TOP"/}) since the test began:"
		else
			echo "console (${console#"$TOP"/}):"
		fi
		if [ -n "$first" ] && [ "$first" -le $((total - CONSOLE_TAIL)) ]; then
			sed -n "$first,$((first + CONSOLE_TAIL / 2 - 1))p" "$part"
			echo "[...]"
			tail -n $((CONSOLE_TAIL / 2)) "$part"
		else
			tail -n "$CONSOLE_TAIL" "$part"
		fi
	} | diag
	rm -f "$part"
}

# Report a VM that died or went silent; echo what it was doing.
report_dead_vm()
{
	local console=$OUT/console-$BOOT.log what

	if [ "$TOTAL_EXPIRED" = 1 ]; then
		what="overall timeout of ${TOTAL_TIMEOUT}s reached, VM stopped by the host"
	elif [ "$HOW" = hang ]; then
		what="hang: VM silent beyond the timeouts, stopped by the host"
	else
		what="crash: VM died"
	fi
	if [ -n "$CUR" ]; then
		printf '%s %s\n' "$CUR" "$HOW" >> "$OUT/summary.txt"
		fail "$CUR" "$what during the test"
		show_tail "$OUT/tests/$CUR.out" "output so far"
	else
		fail "VM boot $BOOT" "$what during phase $PHASE"
	fi
	console_excerpt "$console"
	# (after a hang it only says that we killed it)
	if [ "$HOW" = crash ] && [ -s "$OUT/qemu-$BOOT.err" ]; then
		echo "QEMU's stderr (${OUT#"$TOP"/}/qemu-$BOOT.err):" | diag
		tail -n 10 "$OUT/qemu-$BOOT.err" | diag
	fi
}

tap "TAP version 13"
echo "# testvm: impl=$IMPL kernel=$KVER tests=${#RUN[@]} logs=${OUT#"$TOP"/}" | tee -a "$OUT/tap.txt"
[ ${#SKIPPED[@]} -eq 0 ] ||
	echo "# pending, not run in ours mode: ${SKIPPED[*]}" | tee -a "$OUT/tap.txt"
[ ${#TODO[@]} -eq 0 ] ||
	echo "# pending, run as TODO in ours mode: ${!TODO[*]}" | tee -a "$OUT/tap.txt"
for t in "${MISSING[@]}"; do
	fail "$t" "no binary $TEST_DIR/$t"
done

# A run stopped from outside takes its VM with it.
QPID=
stop_vm()
{
	[ -z "$QPID" ] || kill -9 "$QPID" 2>/dev/null
}
trap stop_vm EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Whatever happens, the whole run ends by this time (seconds of $SECONDS).
TOTAL_TIMEOUT=${TESTVM_TOTAL_TIMEOUT:-$((BOOT_GRACE + (${#RUN[@]} + 2) * (TIMEOUT + GRACE)))}
TOTAL_DEADLINE=$((SECONDS + TOTAL_TIMEOUT))
TOTAL_EXPIRED=0

BOOT=0
start=1
while :; do
	BOOT=$((BOOT + 1))
	NEXT=$start
	boot_vm "$start"
	[ "$HOW" = done ] && break
	report_dead_vm
	if [ "$TOTAL_EXPIRED" = 1 ]; then
		NOTRUN="the run took longer than its overall timeout of ${TOTAL_TIMEOUT}s"
		[ -z "$CUR" ] || NEXT=$((CUR_IDX + 1))
		break
	fi
	# A fresh boot goes on after the test that was running; one that died
	# before its first test would only die again.
	if [ -n "$CUR" ]; then
		start=$((CUR_IDX + 1))
		continue
	fi
	case $PHASE in
	tests) start=$NEXT; continue ;;
	unload) break ;;
	esac
	NOTRUN="VM boot $BOOT died during phase $PHASE"
	break
done

if [ -n "$NOTRUN" ]; then
	for ((i = NEXT; i <= ${#RUN[@]}; i++)); do
		fail "${RUN[i - 1]}" "not run: $NOTRUN"
	done
fi
if [ -n "$OUTSIDE_WARN" ]; then
	fail "no kernel warning while loading or unloading" "$OUTSIDE_WARN"
else
	pass "no kernel warning while loading or unloading"
fi

tap "1..$N"
todo_note=
[ "$NTODO" = 0 ] || todo_note=" $NTODO pending (TODO),"
echo "# $((N - FAILED - NTODO)) passed, $FAILED failed,$todo_note $BOOT boot(s); logs in ${OUT#"$TOP"/}" |
	tee -a "$OUT/tap.txt"
[ "$FAILED" -eq 0 ]
