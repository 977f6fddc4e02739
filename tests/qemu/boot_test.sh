#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# One end-to-end configuration, run inside the test VM (busybox sh) as a
# test of scripts/testvm.sh: Debian's qemu-system-x86_64 -accel kvm boots
# Debian's kernel with tests/qemu/guest-init in a nested guest.  The
# configuration is the name this script is installed under:
#
#   qemu_<q35|microvm>_smp<N>_irqchip_<on|split|off>
#
# Prints the guest console and one TAP line per check; exits 0 when all pass,
# 1 otherwise.  Files from tests/qemu/run.sh: /qemu-test/conf (settings),
# /qemu-test/vmlinuz, /qemu-test/guest.cpio, /qemu-test/klog_re.

QT=/qemu-test
export PATH=/bin:/usr/bin
QT_TIMEOUT=240 QT_STRACE=0 QT_DMESG=0 QT_VERBOSE=0 QT_CPU=host QT_GUEST_MEM=256 QT_MEM_MIB=16
. $QT/conf

name=${0##*/}
IFS=_ read -r tag machine smpw irqw irqchip extra <<EOF
$name
EOF
smp=${smpw#smp}
# A suffix _r<N> names a repetition of the same configuration (--configs).
case $extra in ''|r[0-9]|r[0-9][0-9]) ;; *) echo "bad configuration name '$name'"; exit 2 ;; esac
case $tag:$machine:$irqw:$irqchip in
qemu:q35:irqchip:on | qemu:q35:irqchip:split | qemu:q35:irqchip:off | \
qemu:microvm:irqchip:on | qemu:microvm:irqchip:split | qemu:microvm:irqchip:off) ;;
*) echo "bad configuration name '$name'"; exit 2 ;;
esac
case $smp in ''|*[!0-9]*) echo "bad vCPU count in '$name'"; exit 2 ;; esac

[ -z "${QT_PRE:-}" ] || eval "$QT_PRE"
d=/tmp/qemu-test/$name
rm -rf "$d"
mkdir -p "$d"

now_cs()
{
	local up
	read -r up _ < /proc/uptime
	echo $(( ${up%.*} * 100 + 1${up#*.} - 100 ))
}

secs()
{
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# The disk: sector 0 names a token the guest must read back; the guest
# writes its own line at sector 8 for us to find after it powered off.
token=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
dd if=/dev/zero of="$d/disk.img" bs=1M count=8 2>/dev/null
printf 'QTEST-DISK %s\n' "$token" | dd of="$d/disk.img" conv=notrunc 2>/dev/null

quiet=quiet
[ "$QT_VERBOSE" = 1 ] && quiet=
append="console=ttyS0 $quiet panic=-1 oops=panic qtest.token=$token qtest.smp=$smp"
append="$append qtest.mem_mib=$QT_MEM_MIB qtest.dmesg=$QT_DMESG"
set -- -accel "kvm,kernel-irqchip=$irqchip" -cpu "$QT_CPU" -m "${QT_GUEST_MEM}M" -smp "$smp" \
	-nodefaults -no-user-config -display none -monitor none -no-reboot \
	-chardev stdio,id=con,signal=off -serial chardev:con \
	-kernel $QT/vmlinuz -initrd $QT/guest.cpio -append "$append" \
	-drive "file=$d/disk.img,format=raw,if=none,id=disk0" \
	-netdev user,id=net0,restrict=on
case $machine in
q35)	# SeaBIOS (bios-256k.bin, the default) loads the kernel through fw_cfg.
	set -- -M q35 "$@" -device virtio-blk-pci,drive=disk0 \
		-device virtio-net-pci,netdev=net0,romfile= ;;
microvm) # qboot; virtio-mmio devices described by ACPI.
	set -- -M microvm "$@" -device virtio-blk-device,drive=disk0 \
		-device virtio-net-device,netdev=net0 ;;
esac
pre=
if [ "$QT_STRACE" = 1 ]; then
	pre="strace -f -e trace=ioctl -e signal=none -o $d/strace.log"
fi
echo "# qemu-system-x86_64 $*"

# A human monitor on two FIFOs, for the hang report below.
mkfifo "$d/mon.in" "$d/mon.out" || exit 2
set -- "$@" -chardev pipe,id=hmp,path="$d/mon" -mon chardev=hmp,mode=readline

# If QEMU still runs 20 s before its timeout: where its threads sleep in the
# test VM's kernel, and each guest CPU's registers and LAPIC, as QEMU sees them.
hang_report()
{
	local pid t n

	pid=$(pidof qemu-system-x86_64) || return 0
	echo "# QEMU (pid $pid) still running after $((QT_TIMEOUT - 20)) s: its threads"
	for t in /proc/$pid/task/*; do
		n=$(cat "$t/comm" 2>/dev/null)
		echo "#   thread ${t##*/} ($n): $(head -n 4 "$t/stack" 2>/dev/null |
			sed 's/^\[<[0-9a-f]*>\] //; s/+0x[0-9a-f/x]*//' | tr '\n' ' ')"
	done
	cat "$d/mon.out" > "$d/mon.txt" &
	n=$!
	printf 'info registers -a\ninfo lapic 0\ninfo lapic 1\ninfo pic\n' > "$d/mon.in"
	sleep 5
	kill $n 2>/dev/null
	echo "# guest CPUs (QEMU monitor):"
	tr -d '\r' < "$d/mon.txt" | grep -E '^(CPU#|RAX|EAX|RSI|ESI|RIP|EIP|CS |CR0|EFER|dumping|LVT|Timer|SPIV|ICR|ISR|IRR|APR|pic|  LVT)' |
		cut -c 1-150 | head -n 60 | sed 's/^/#   /'
	guess_symbols
}

# The guest runs the test VM's own kernel, at another KASLR offset in 2 MiB
# steps: the test VM's symbols at each guest RIP's candidate offsets from _text.
guess_symbols()
{
	local t rip lo k a

	t=$(grep ' _text$' /proc/kallsyms | cut -c 1-16)
	case $t in ffffffff*) ;; *) return 0 ;; esac
	sort /proc/kallsyms > "$d/ksyms"
	for rip in $(tr -d '\r' < "$d/mon.txt" | sed -n 's/^RIP=ffffffff\([0-9a-f]*\) .*CPL=0.*/\1/p'); do
		lo=$(( (0x$rip & 0x1fffff) ))
		echo "# kernel RIP ffffffff$rip: at _text + 2 MiB * k + $(printf '%#x' $lo) lie"
		k=0
		while [ $k -lt 16 ]; do
			a=$(printf 'ffffffff%08x' $((0x${t#ffffffff} + k * 0x200000 + lo)))
			awk -v a="$a" -v k=$k '$1 <= a { s = $3 } $1 > a { exit }
				END { printf "#   k=%d: %s\n", k, s }' "$d/ksyms"
			k=$((k + 1))
		done
	done
}

cr=$(printf '\r')
: > "$d/console"
t0=$(now_cs)
{ sleep $((QT_TIMEOUT - 20)); [ -f "$d/rc" ] || hang_report > "$d/hang"; } &
wd=$!
{
	timeout -s KILL "$QT_TIMEOUT" $pre qemu-system-x86_64 "$@" </dev/null 2>"$d/qemu.err"
	echo $? > "$d/rc"
} | while IFS= read -r line; do
	line=${line%"$cr"}
	printf '%s\n' "$line" >> "$d/console"
	case $line in
	QTEST-MARKER*) [ -f "$d/t_marker" ] || now_cs > "$d/t_marker" ;;
	esac
done
t1=$(now_cs)
rc=$(cat "$d/rc" 2>/dev/null || echo 255)
kill $wd 2>/dev/null

echo "# guest console:"
sed 's/^/  | /' "$d/console" 2>/dev/null
if [ -s "$d/qemu.err" ]; then
	echo "# QEMU's stderr:"
	sed 's/^/  ! /' "$d/qemu.err"
fi
if [ -f "$d/strace.log" ]; then
	echo "# ioctls that failed (strace):"
	grep -E ' = -1 E' "$d/strace.log" | sed 's/^[0-9]* *//; s/([^ ]*, 0x[0-9a-f]*/(/' |
		sort | uniq -c | sort -rn | head -n 40 | sed 's/^/  ~ /'
	cp "$d/strace.log" /tmp/strace-$name.log
fi

n=0
nfail=0
check()
{
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		nfail=$((nfail + 1))
	fi
}

if [ "$rc" = 0 ]; then
	check ok "QEMU exited with status 0"
elif [ "$rc" = 137 ]; then
	check fail "QEMU killed after the configuration's timeout of ${QT_TIMEOUT}s"
else
	check fail "QEMU exited with status $rc"
fi
if [ -f "$d/t_marker" ]; then
	check ok "guest reached the marker"
else
	check fail "guest reached the marker"
fi
grep '^QTEST \(not \)\{0,1\}ok ' "$d/console" > "$d/guest.tap"
for what in cpus workload virtio-blk virtio-net klog; do
	line=$(grep -m 1 "^QTEST [a-z ]*ok $what:" "$d/guest.tap")
	case $line in
	"QTEST ok "*) check ok "guest ${line#QTEST ok }" ;;
	"QTEST not ok "*) check fail "guest ${line#QTEST not ok }" ;;
	*) check fail "guest $what: no result" ;;
	esac
done
# Anything else the guest reported as broken (its modules).
grep '^QTEST not ok ' "$d/guest.tap" | grep -v -E 'not ok (cpus|workload|virtio-blk|virtio-net|klog):' |
	while read -r line; do echo "# guest: $line"; done > "$d/other"
if [ -s "$d/other" ]; then
	check fail "guest reported other failures"
	cat "$d/other"
fi
if grep -q '^QTEST-DONE ok' "$d/console" && grep -q 'reboot: Power down' "$d/console" &&
		[ "$rc" = 0 ]; then
	check ok "guest powered off cleanly"
else
	check fail "guest powered off cleanly"
fi
if grep -E -f $QT/klog_re "$d/console" | grep -v '^QTEST' > "$d/console.bad"; then
	check fail "guest console free of KVM-related errors"
	sed 's/^/# /' "$d/console.bad"
else
	check ok "guest console free of KVM-related errors"
fi
got=$(dd if="$d/disk.img" bs=512 skip=8 count=1 2>/dev/null | head -n 1)
if [ "$got" = "QTEST-GUEST $token" ]; then
	check ok "the guest's disk write is in the image"
else
	check fail "the guest's disk write is in the image (sector 8: '$got')"
fi
# QEMU's deprecation notes for kernel-irqchip=off are expected, nothing else.
grep -v -e 'Userspace local APIC is deprecated for KVM' \
	-e 'Do not use kernel-irqchip except for the -M isapc machine type' \
	"$d/qemu.err" > "$d/qemu.err.unexpected"
if [ -s "$d/qemu.err.unexpected" ]; then
	check fail "QEMU printed no warning or error"
else
	check ok "QEMU printed no warning or error"
fi
echo "1..$n"
[ -s "$d/hang" ] && cat "$d/hang"

if [ -f "$d/t_marker" ]; then
	echo "# boot-time: $(secs $(($(cat "$d/t_marker") - t0))) s from QEMU start to the marker"
fi
echo "# run-time: $(secs $((t1 - t0))) s from QEMU start to its exit"
rm -f "$d/disk.img"
[ $nfail = 0 ]
