#!/bin/bash
# make check: install what is missing, build the module for every supported
# Debian kernel, run the whole selftest suite on each inside QEMU and end with
# one "N passed, N failed, N skipped" line. Exits non-zero on any failure.
#
# CHECK_KVERS="kver ..." limits the kernels (default: newest 6.1 and 6.12).
# CHECK_PACKAGING=0 leaves out the packaging stage (selftests/packaging).
# CHECK_DEBUG_KERNEL=0 leaves out the debug-kernel stage (selftests/debug-kernel).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$(date +%s)

selftests/vm/setup-deps.sh

newest() { ls /boot/vmlinuz-"$1"* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1; }
kvers=${CHECK_KVERS:-"$(newest '6.1.0-') $(newest '6.12.')"}

echo "== build (W=1) for: $kvers"
for k in $kvers; do
	log=$top/build/$k.build.log
	mkdir -p "$top/build"
	make --no-print-directory KVER="$k" modules >"$log" 2>&1 || { cat "$log"; exit 1; }
	# W=1 must stay clean: any compiler or modpost warning fails the run.
	if grep -iE 'warning|error' "$log"; then
		echo "check: build for $k is not warning-free" >&2
		exit 1
	fi
done
make --no-print-directory -C selftests >/dev/null
make --no-print-directory -C tools >/dev/null

outs=()
for k in $kvers; do
	out=$top/build/check/$k
	mkdir -p "$out"
	outs+=("$out")
	echo "== $k: selftests in QEMU"
	selftests/vm/run-vm.sh --kver "$k" --out "$out" --quiet -- \
		selftests/run_selftests.sh "$top/build/$k/module/inetx.ko" "$out" || true
done

# Packaging: modinfo, make install, DKMS, inetx(7) and the inetx-dkms package
# on the host; family autoload and the package's install in QEMU.  run.sh
# lists its result directories in $pkg/dirs (none: a directory that does
# not exist, which summarize.sh counts as a failure).
if [ "${CHECK_PACKAGING:-1}" != 0 ]; then
	pkg=$top/build/check/packaging
	echo "== packaging: host tests, then autoload and inetx-dkms in QEMU"
	rm -f "$pkg/dirs"
	# shellcheck disable=SC2086  # one word per kernel
	selftests/packaging/run.sh "$pkg" $kvers || true
	mapfile -t pdirs < <(cat "$pkg/dirs" 2>/dev/null || echo "$pkg/(run.sh wrote no dirs)")
	outs+=("${pdirs[@]}")
fi

# The 6.12 debug kernel (KASAN, lockdep, kmemleak, UBSAN), built on the first
# run and cached: KUnit suites and the whole selftest suite again.
if [ "${CHECK_DEBUG_KERNEL:-1}" != 0 ]; then
	out=$top/build/check/debug-6.12
	outs+=("$out")
	echo "== 6.12 debug kernel: KUnit and selftests in QEMU"
	selftests/debug-kernel/run.sh --series 6.12 --out "$out" || true
fi

echo "== results (wall time $(( $(date +%s) - start ))s)"
selftests/vm/summarize.sh inetx "${outs[@]}"
