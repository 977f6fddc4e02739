# SPDX-License-Identifier: GPL-2.0-only
#
# Initramfs construction helpers for the test VM, meant to be sourced by bash
# scripts (scripts/testvm.sh today; the nested-guest runner later).
#
# Every helper takes the staging root as its first argument, so one script may
# build several trees.  Files land in the tree at the path they will have in the
# VM; directories are created as needed.  Helpers print an error and return
# non-zero on failure; callers decide whether that is fatal.
#
#   ird_init ROOT                       empty tree with /bin/busybox and /bin/sh
#   ird_add_file ROOT SRC [DEST] [MODE] copy one file (symlinks followed)
#   ird_add_stripped ROOT SRC DEST      copy without debug info (binaries, .ko)
#   ird_add_dynamic ROOT BIN [DEST]     copy a program and everything ldd lists
#   ird_add_kmods ROOT KVER LIST NAME.. copy modules of KVER with their
#                                       dependencies; append VM paths in load
#                                       order to the host file LIST
#   ird_kmod_deps KVER NAME             dependencies of a module (names, load order)
#   ird_pack ROOT OUT                   write ROOT as a newc cpio archive
#   ird_kernel_warning_re               the ERE of kernel-log lines that fail a test

# The static busybox that runs /init.  busybox-static installs it here.
IRD_BUSYBOX=${IRD_BUSYBOX:-/bin/busybox}

ird_err()
{
	echo "testvm: $*" >&2
	return 1
}

ird_init()
{
	local root=$1

	rm -rf "$root" || return
	mkdir -p "$root"/bin "$root"/dev "$root"/proc "$root"/sys "$root"/tmp \
		"$root"/etc "$root"/root || return
	if ! ird_is_static "$IRD_BUSYBOX"; then
		ird_err "$IRD_BUSYBOX is not a static binary (install busybox-static)"
		return
	fi
	cp "$IRD_BUSYBOX" "$root"/bin/busybox || return
	ln -s busybox "$root"/bin/sh
}

# True when $1 needs no dynamic loader.
ird_is_static()
{
	local out

	[ -f "$1" ] || return 1
	out=$(LC_ALL=C ldd "$1" 2>&1)
	case $out in
	*"not a dynamic executable"* | *"statically linked"*) return 0 ;;
	esac
	return 1
}

ird_add_file()
{
	local root=$1 src=$2 dest=${3:-$2} mode=${4:-}

	[ -f "$src" ] || { ird_err "no such file: $src"; return; }
	mkdir -p "$root/$(dirname "$dest")" || return
	cp -L "$src" "$root/$dest" || return
	[ -z "$mode" ] || chmod "$mode" "$root/$dest"
}

ird_add_stripped()
{
	local root=$1 src=$2 dest=$3

	[ -f "$src" ] || { ird_err "no such file: $src"; return; }
	mkdir -p "$root/$(dirname "$dest")" || return
	# A file strip does not understand (a script) goes in unchanged.
	strip --strip-debug -o "$root/$dest" "$src" 2>/dev/null || cp -L "$src" "$root/$dest"
}

# A dynamically linked program plus its loader and every library ldd resolves,
# each at the path ldd printed (that is where the loader will look).  Libraries
# loaded with dlopen() are not seen by ldd: add those with ird_add_dynamic too.
ird_add_dynamic()
{
	local root=$1 bin=$2 dest=${3:-$2} line lib

	ird_add_file "$root" "$bin" "$dest" || return
	ird_is_static "$bin" && return 0
	while read -r line; do
		case $line in
		*"=> not found"*)
			ird_err "$bin: library missing: ${line%% *}"
			return ;;
		*"=> /"*)
			lib=${line#*=> }
			lib=${lib%% (*} ;;
		/*)
			lib=${line%% (*} ;;
		*)
			continue ;;	# linux-vdso.so.1 and friends
		esac
		[ -f "$root/$lib" ] || ird_add_file "$root" "$lib" || return
	done < <(LC_ALL=C ldd "$bin")
}

# Module path (relative to /lib/modules/KVER) for a module name, from modules.dep.
# Dashes and underscores are the same character in module names.
ird_kmod_path()
{
	local kver=$1 name=${2//-/_}

	awk -F: -v want="$name" '{
		base = $1; sub(/.*\//, "", base); sub(/\.ko(\.[a-z]+)?$/, "", base)
		gsub(/-/, "_", base)
		if (base == want) { print $1; exit }
	}' "/lib/modules/$kver/modules.dep"
}

# Names of the modules NAME needs, in load order (deepest first), NAME excluded.
ird_kmod_deps()
{
	local kver=$1 name=$2 path dep d

	path=$(ird_kmod_path "$kver" "$name")
	[ -n "$path" ] || { ird_err "module $name not in /lib/modules/$kver"; return; }
	# modules.dep lists a module's dependencies so that loading them from
	# the last to the first satisfies every symbol.
	for dep in $(awk -F: -v p="$path" '$1 == p { print $2 }' \
			"/lib/modules/$kver/modules.dep" | tr ' ' '\n' | tac); do
		d=${dep##*/}
		echo "${d%%.ko*}"
	done
}

# Copy the named modules of KVER and their dependencies into ROOT, uncompressed
# (busybox insmod reads plain ELF), and append their VM paths to the host file
# LIST in an order insmod can follow.  A module already listed is skipped.
ird_add_kmods()
{
	local root=$1 kver=$2 list=$3 name path dep vmpath

	shift 3
	touch "$list" || return
	for name in "$@"; do
		for dep in $(ird_kmod_deps "$kver" "$name") "$name"; do
			path=$(ird_kmod_path "$kver" "$dep")
			[ -n "$path" ] || { ird_err "module $dep not found"; return; }
			vmpath=/lib/modules/$kver/${path%.ko*}.ko
			grep -qxF "$vmpath" "$list" && continue
			mkdir -p "$root/$(dirname "$vmpath")" || return
			case $path in
			*.ko) cp "/lib/modules/$kver/$path" "$root/$vmpath" ;;
			*.ko.xz) xz -dc "/lib/modules/$kver/$path" > "$root/$vmpath" ;;
			*.ko.zst) zstd -qdc "/lib/modules/$kver/$path" > "$root/$vmpath" ;;
			*.ko.gz) gzip -dc "/lib/modules/$kver/$path" > "$root/$vmpath" ;;
			*) ird_err "unknown module format: $path"; return ;;
			esac || return
			echo "$vmpath" >> "$list"
		done
	done
}

ird_pack()
{
	local root=$1 out=$2

	(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --reproducible --quiet) > "$out.tmp" &&
		mv "$out.tmp" "$out"
}

# Kernel log lines that mean the kernel is unhappy.  The taint notes printed for
# an unsigned or out-of-tree module match none of these on purpose.
ird_kernel_warning_re()
{
	local re='WARNING:|Oops|BUG:|kernel BUG|Call Trace|general protection fault'
	re+='|soft lockup|hard LOCKUP|rcu: INFO|detected stalls|rcu_.*stall'
	re+='|blocked for more than|KASAN|UBSAN|KFENCE|list_add corruption'
	re+='|list_del corruption|list corruption|refcount_t:|Kernel panic'
	re+='|unable to handle|double fault|stack-protector|stack guard page'
	echo "$re"
}
