#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of the pure components: every tests/unit/<name>/Makefile's `run`.
set -u
cd "$(dirname "$0")/.."
rc=0
for mk in tests/unit/*/Makefile; do
	d=$(dirname "$mk")
	echo "# unit: $d"
	make -s -C "$d" run || rc=1
done
exit $rc
