#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run a guest: from a fresh clone, install what is needed, build the modules,
# start the test VM (QEMU TCG, AMD SVM) with our modules loaded, and inside it
# boot Debian's kernel under unmodified QEMU -accel kvm on them, showing the
# nested guest's console.
#
#   scripts/run-guest.sh [--impl ours|debian] [--config NAME] [--batch] [--keep]
#
# --impl    ours (default) or Debian's own kvm-amd, for comparison
# --config  a configuration of tests/qemu/CONFIGS (default: q35, 2 vCPUs,
#           in-kernel irqchip)
# --batch   print the boot and exit (the default; kept for scripts and CI)
# --keep    afterwards, leave a shell in the test VM (needs a terminal)
#
# It is tests/qemu/run.sh for one configuration with the guest's kernel log
# shown; Documentation/virt/kvm/qemu.rst describes the pieces.
set -u
cd "$(dirname "$0")/.."

IMPL=ours
CONFIG=qemu_q35_smp2_irqchip_on
KEEP=()
while [ $# -gt 0 ]; do
	case $1 in
	--impl) IMPL=${2:-}; shift 2 ;;
	--config) CONFIG=${2:-}; shift 2 ;;
	--batch) shift ;;
	--keep) KEEP=(--keep); shift ;;
	*) echo "usage: $0 [--impl ours|debian] [--config NAME] [--batch] [--keep]" >&2; exit 2 ;;
	esac
done

scripts/deps.sh || exit 1
make -j2 modules selftests >/dev/null || { echo "run-guest: the build failed" >&2; exit 1; }
tests/qemu/run.sh --impl "$IMPL" --configs "$CONFIG" --verbose "${KEEP[@]}"
rc=$?
out=build/qemu/$IMPL/vm/tests/$CONFIG.out
if [ -f "$out" ]; then
	echo "=== $CONFIG on $IMPL: the QEMU command, the guest's console and the checks"
	cat "$out"
fi
exit $rc
