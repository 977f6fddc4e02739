#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install what the build and the tests need, when it is missing (Debian 12).
set -euo pipefail
pkgs=(build-essential make gcc g++ clang libclang-rt-14-dev python3 gdb binutils
      linux-libc-dev qemu-system-x86 linux-image-amd64 linux-headers-amd64
      busybox-static cpio strace)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
