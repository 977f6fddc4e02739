# SPDX-License-Identifier: GPL-2.0-only
#
# Top-level makefile.  Two personalities:
#  - inside kbuild (KERNELRELEASE set) it hands over to Kbuild;
#  - from the shell it drives the out-of-tree build and the test layers.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

# The kernel we build for: the newest installed Debian headers, never `uname -r`
# (the build host's own kernel is not the one the modules run on).
KVER ?= $(shell ls -d /lib/modules/*/build 2>/dev/null | sed 's,/lib/modules/,,;s,/build,,' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
TOP := $(CURDIR)

.PHONY: all modules selftests unit abi fuzz check check-ref bench clean deps run-guest

all: modules selftests

modules:
	$(MAKE) -C $(KDIR) M=$(TOP) modules

selftests:
	$(MAKE) -C tools/testing/selftests/kvm

unit:
	scripts/run-unit.sh

abi:
	$(MAKE) -C tests/abi run

deps:
	scripts/deps.sh

# The README's test command: installs what it needs, builds everything with
# -Werror, runs host unit tests, the ABI test, fuzz smoke runs, and the selftests in
# the test VM against our modules and against Debian's KVM, then prints
# "N passed, N failed".
check:
	scripts/check.sh

# Benchmarks: Debian's KVM and ours side by side in one test-VM boot, then a
# table (BENCHMARKS.md).  Not part of check: it prints figures, it does not judge.
bench: modules selftests
	scripts/bench.sh $(BENCH_ARGS)

# The README's run command: the test VM with our modules, and unmodified QEMU in
# it booting Linux on them (scripts/run-guest.sh --help).
run-guest:
	scripts/run-guest.sh $(GUEST_ARGS)

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf build tests/unit/out tests/abi/out tests/fuzz/out tools/testing/selftests/kvm/out
endif
