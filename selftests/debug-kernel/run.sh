#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel stage of make check: KUnit suites and the whole selftest
# suite on a kernel with KASAN, lockdep, kmemleak and UBSAN, in QEMU.
#
# Usage: selftests/debug-kernel/run.sh [--series SERIES] [--out OUTDIR]
#                                      [--timeout SECS]
#
#  1. build.sh --series SERIES (default 6.12): the cached debug kernel, built
#     first if this machine has none for this source version and config.
#  2. inetx.ko and inetx_kunit.ko built against its tree with W=1 and
#     sparse (C=1), in build/debug-SERIES/; any compiler, sparse or modpost
#     warning fails the stage.
#  3. run-vm.sh boots that kernel and runs guest.sh: KUnit, a fail-nth
#     sweep (INETX_FAILNTH_LONG=1: more socket options), the selftests,
#     kmemleak scans and the kernel log check.
#
# OUTDIR (default build/check/debug-SERIES) then holds the KTAP documents
# (kunit-*.ktap, fault_injection.ktap, debug_kernel.ktap and
# run_selftests.sh's) and
# run-vm.status for selftests/vm/summarize.sh; a failed kernel or module
# build is recorded there too.  --timeout bounds the VM run (default
# $INETX_DEBUG_TIMEOUT or 5400 s: TCG with KASAN and lockdep is slow).
# Exit status: 0 only if everything passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
start=$(date +%s)

series=6.12 out="" timeout=${INETX_DEBUG_TIMEOUT:-5400}
while [ $# -gt 0 ]; do
	case "$1" in
	--series) series=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) sed -n '4,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
out=${out:-$top/build/check/debug-$series}
mkdir -p "$out"
bld=$top/build/debug-$series

# A stage that cannot run still fails visibly in summarize.sh.
fail() {
	echo "debug-kernel: $*" >&2
	rm -f "$out"/*.ktap
	echo "debug-$series" >"$out/kver"
	echo "fail: $*" >"$out/run-vm.status"
	exit 1
}

echo "debug-kernel: $series debug kernel (cached after the first build)"
t0=$(date +%s)
dir=$(selftests/debug-kernel/build.sh --series "$series" | tail -n 1) ||
	fail "debug kernel $series did not build (see selftests/debug-kernel/build.sh)"
if [ ! -r "$dir/bzImage" ] || [ ! -d "$dir/tree" ]; then
	fail "no debug kernel in '$dir'"
fi
kver=$(cat "$dir/kver")
echo "debug-kernel: $kver from $dir ($(($(date +%s) - t0)) s; $(sed -n 's/^wall seconds: //p' "$dir/build.info") when built)"

# Kbuild cannot put objects outside M= before 6.13: build a copy, as the
# top Makefile does for Debian's kernels.
mkdir -p "$bld"
cp -a Kbuild module include "$bld/"
log=$bld/build.log
# The only build of inetx_kunit.c: Debian's kernels have no CONFIG_KUNIT.
make -C "$dir/tree" M="$bld" W=1 C=1 modules >"$log" 2>&1 || { cat "$log"; fail "module build failed"; }
if grep -iE 'warning|error' "$log"; then
	fail "module build for $kver is not warning-free"
fi
for ko in inetx inetx_kunit; do
	[ -r "$bld/module/$ko.ko" ] || fail "$ko.ko was not built (CONFIG_KUNIT off?)"
done
make --no-print-directory -C selftests >/dev/null || fail "make -C selftests failed"

# Loading a KUnit module taints the kernel with N (TAINT_TEST, bit 18).
# With function_graph in the kernel, all vCPUs share one host thread: on
# one thread each, a vCPU ran stale code while ftrace rewrote function
# entries on the other ("Oops: int3" in trace_graph_entry).
accel=tcg
grep -q '^CONFIG_FUNCTION_GRAPH_TRACER=y' "$dir/config" && accel=tcg,thread=single
rc=0
INETX_VM_TAINT_IGNORE=$((12288 | 262144)) \
	selftests/vm/run-vm.sh --kernel "$dir/bzImage" --modroot "$dir/modroot" \
	--kver "$kver" --accel "$accel" --out "$out" --timeout "$timeout" --quiet -- \
	selftests/debug-kernel/guest.sh "$bld/module/inetx.ko" \
	"$bld/module/inetx_kunit.ko" "$out" || rc=$?
echo "debug-kernel: stage wall time $(($(date +%s) - start)) s, exit $rc"
exit $rc
