#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# coexist-selinux.sh OUTBASE [KVER...]: the SELinux part of the coexistence
# suite, host side. Boots each kernel (default: the newest installed 6.1
# and 6.12) in QEMU with "security=selinux selinux=1" appended and runs
# selftests/inetx_coexist.sh --selinux there: PF_INETX bind/connect/accept
# must work as AF_INET does while SELinux is active (no policy loaded).
# A KVER with no /boot/vmlinuz-KVER is booted from Debian's development
# suite, unpacked by selftests/vm/debian-dev.sh (cached).
#
# Builds build/KVER/module/inetx.ko and build/selftests first (make is
# incremental), unless INETX_PREBUILT=1 says the caller has (make check,
# whose other stages use the same files meanwhile).
# One run-vm.sh output directory per kernel, OUTBASE/selinux-KVER, each
# with inetx_coexist-selinux.ktap, usable by selftests/vm/summarize.sh;
# their paths are listed, one a line, in OUTBASE/dirs. Exit status 0 only
# if every VM run and every result passed (summarize.sh says the same).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
if [ $# -lt 1 ]; then
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2
	exit 2
fi
base=$1
shift
# shellcheck disable=SC2012  # kernel versions have no odd characters
newest() { ls /boot/vmlinuz-"$1"* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1; }
kvers=${*:-"$(newest '6.1.0-') $(newest '6.12.')"}

mkdir -p "$base"
base=$(cd "$base" && pwd -P)
: >"$base/dirs"
prebuilt=${INETX_PREBUILT:-0}
[ "$prebuilt" = 1 ] || make --no-print-directory -C selftests >/dev/null || exit 1
rc=0
for k in $kvers; do
	ko=$top/build/$k/module/inetx.ko
	out=$base/selinux-$k
	mkdir -p "$out"
	echo "$out" >>"$base/dirs"
	log=$top/build/$k.build.log
	if [ "$prebuilt" != 1 ]; then
		make --no-print-directory KVER="$k" modules >"$log" 2>&1 || { cat "$log"; rc=1; continue; }
	fi
	args=$(selftests/vm/debian-dev.sh vm-args "$k") || { rc=1; continue; }
	mapfile -t vmk <<<"$args"
	echo "== $k: coexistence suite with SELinux in QEMU"
	selftests/vm/run-vm.sh "${vmk[@]}" --out "$out" --quiet --timeout 900 \
		--append "security=selinux selinux=1" -- \
		selftests/inetx_coexist.sh --selinux "$ko" "$out" || rc=1
	# summarize.sh's label: not to be mistaken for the selftest VM's.
	[ ! -e "$out/kver" ] || echo "selinux $k" >"$out/kver"
done
exit $rc
