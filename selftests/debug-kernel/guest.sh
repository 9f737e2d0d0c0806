#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh KO KUNIT_KO OUTDIR: the debug-kernel stage inside the QEMU guest.
#
# Started by selftests/debug-kernel/run.sh through run-vm.sh, as root, on
# the debug kernel; never on a host: it loads modules.
#
#  1. KUnit: insmod KO, then KUNIT_KO (its suites run while it loads); each
#     suite's KTAP is copied from /sys/kernel/debug/kunit/SUITE/results to
#     OUTDIR/kunit-SUITE.ktap; rmmod both; kmemleak scan.
#  2. Fault injection (OUTDIR/fault_injection.ktap): failslab limited to
#     allocations with inetx.ko's code on the stack; socket() must fail
#     with ENOMEM, then a sweep fails the first, second, ... such
#     allocation of inetx_hold's connections, one per run.  Every run must
#     end (success or a clean error), the module must unload (no reference
#     leaked) and a kmemleak scan must find nothing.
#  3. The whole selftest suite: selftests/run_selftests.sh KO OUTDIR (its
#     KTAP documents land in OUTDIR, its summary in run_selftests.log).
#  4. After its final rmmod: another kmemleak scan, and the kernel log since
#     boot must hold no KASAN, UBSAN, lockdep, kmemleak or other report.
#
# The results of 1 and 4 are OUTDIR/debug_kernel.ktap.  A kmemleak scan
# reports any unreferenced object, inetx's or not: all are failures here.
# Exit status: 0 only if everything passed, 2 and 3 included.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$TOP/selftests/ktap.sh"
KO=${1:-}
KUNIT_KO=${2:-}
OUT=${3:-}
KMEMLEAK=/sys/kernel/debug/kmemleak
KUNIT_DIR=/sys/kernel/debug/kunit
# Splats of the debug options, plus what run-vm.sh looks for.
BAD='KASAN|UBSAN|kmemleak: [0-9]+ new suspected|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|sleeping function called from invalid context|BUG:|WARNING:|Oops|Call Trace|general protection|list_(add|del) corruption|refcount_t:|ODEBUG|INFO: task .* blocked'

# rmmod NAME once nothing holds it, failing after $2 seconds (ktap.sh).
rmmod_wait() {
	local out
	out=$(ktap_rmmod "$1" "$2") || { echo "$out"; return 1; }
}

# The kernel's jiffies, from /proc/timer_list.
jiffies() { awk '$1 == "jiffies:" { print $2; exit }' /proc/timer_list 2>/dev/null; }
jiffies_reach() { [ "$(jiffies)" -ge "$1" ]; }

# Scan for leaks. kmemleak reports an object only if it is at least 5 s
# (jiffies_min_age, 5 * HZ) old when the scan starts: wait until every
# object allocated before this call is, on the kernel's own jiffies, then
# scan. Prints the number of unreferenced objects, "?" if it cannot wait.
kmemleak_scan() {
	local hz j0
	hz=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p')
	j0=$(jiffies)
	if [ -z "$hz" ] || [ -z "$j0" ] || ! ktap_wait 60 jiffies_reach $((j0 + 5 * hz)); then
		echo "kmemleak_scan: no jiffies or HZ, or jiffies stuck (HZ ${hz:-?}, jiffies ${j0:-?})" >&2
		echo "?"
		return
	fi
	echo scan >"$KMEMLEAK"
	grep -c '^unreferenced object' "$KMEMLEAK"
}

# kmemleak_result N DESC: ok if the scan found nothing; show what it found.
kmemleak_result() {
	if [ "$1" = 0 ]; then
		ktap_result 0 "$2"
	else
		head -n 80 "$KMEMLEAK" | sed 's/^/# /'
		ktap_result 1 "$2 ($1 unreferenced objects)"
	fi
}

FAILSLAB=/sys/kernel/debug/failslab
HOLD=${INETX_BIN:-$TOP/build/selftests}/inetx_hold

# failslab, for allocations with [$1, $2) on the stack (inetx.ko's code).
failslab_arm() {
	echo N >"$FAILSLAB/ignore-gfp-wait"
	# A message per failure, but no stack dump: that reads as a splat.
	echo 1 >"$FAILSLAB/verbose"
	echo 32 >"$FAILSLAB/stacktrace-depth"
	printf '%#x\n' "$1" >"$FAILSLAB/require-start"
	printf '%#x\n' "$2" >"$FAILSLAB/require-end"
	echo 1 >"$FAILSLAB/interval"
	echo 100 >"$FAILSLAB/probability"
}

failslab_disarm() {
	echo 0 >"$FAILSLAB/probability"
	echo 0 >"$FAILSLAB/space"
	echo -1 >"$FAILSLAB/times"
	echo 0 >"$FAILSLAB/require-start"
	printf '%#x\n' -1 >"$FAILSLAB/require-end"
}

fault_injection_doc() {
	local text size out rc space fam runs=0 failed=0 hung=0 t0
	# A document of its own: fresh ktap.sh counters (call it in a subshell).
	KTAP_N=0 KTAP_PASS=0 KTAP_FAIL=0 KTAP_SKIP=0
	ktap_start 6
	out=$(ktap_insmod "$KO")
	ktap_result $? "insmod $(basename "$KO")${out:+: $out}"
	# The base of the module's text, then text and data: its code is inside.
	text=$(awk '$1 == "inetx" { print $6 }' /proc/modules)
	size=$(cat /sys/module/inetx/coresize 2>/dev/null)
	if [ ! -w "$FAILSLAB/require-start" ] || [ -z "$text" ] || [ -z "$size" ]; then
		echo "Bail out! no failslab stack filter, or no address for inetx"
		return
	fi
	fam=$(cat /sys/module/inetx/parameters/family)
	ktap_diag "failing slab allocations made from $text + $size"
	failslab_arm "$text" $((text + size))

	echo 0 >"$FAILSLAB/space"
	echo 1 >"$FAILSLAB/times"
	out=$("$HOLD" socket "$fam")
	[ "$out" = ENOMEM ]
	ktap_result $? "socket() fails with ENOMEM when inetx's sk_alloc() fails: $out"

	# space S: the first allocation after S bytes of filtered ones fails;
	# "times" still 1 afterwards means none did: the sweep has passed
	# every allocation of a run.  512-byte steps (one run is ~35 KiB of
	# them) keep it to a minute or two under TCG.
	t0=$(date +%s)
	for ((space = 0; space <= 262144; space += 512)); do
		echo "$space" >"$FAILSLAB/space"
		echo 1 >"$FAILSLAB/times"
		timeout -k 5 60 "$HOLD" conn "$fam" >/dev/null 2>&1
		rc=$?
		[ "$(cat "$FAILSLAB/times")" = 1 ] && break
		runs=$((runs + 1))
		[ $rc = 0 ] || failed=$((failed + 1))
		[ $rc -lt 124 ] || hung=$((hung + 1))
	done
	failslab_disarm
	ktap_diag "space $space: no allocation left to fail"
	[ "$runs" -gt 0 ] && [ "$hung" = 0 ]
	ktap_result $? "failslab sweep: $runs runs with one failed allocation each ($failed failed, $hung hung) in $(($(date +%s) - t0)) s"

	"$HOLD" conn "$fam" >/dev/null
	ktap_result $? "inetx connections work again once failslab is off"
	t0=$(date +%s)
	out=$(rmmod_wait inetx 90)
	ktap_result $? "rmmod inetx after the sweep ($(($(date +%s) - t0)) s): no module reference leaked${out:+: $out}"
	kmemleak_result "$(kmemleak_scan)" "kmemleak after the fault-injection sweep"
}

kunit_suites() {
	sed -n 's/^[[:space:]]*\.name = "\(inetx_[a-z_]*\)",$/\1/p' \
		"$TOP/module/inetx_kunit.c"
}

if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ] || [ ! -r "$KUNIT_KO" ] ||
	[ ! -d "$OUT" ] || [ ! -w "$OUT" ]; then
	echo "usage: guest.sh KO KUNIT_KO OUTDIR (as root, in the guest)" >&2
	exit 1
fi

exec 3>&1 >"$OUT/debug_kernel.ktap"
ktap_start 13
echo "debug_kernel: KUnit suites" >&3
ktap_diag "kernel $(uname -r)"

# ---- the kernel really is the debug kernel ----------------------------------
missing=""
for opt in KASAN PROVE_LOCKING PROVE_RCU DEBUG_KMEMLEAK UBSAN DEBUG_OBJECTS \
	DEBUG_ATOMIC_SLEEP KUNIT KUNIT_DEBUGFS FAILSLAB; do
	zgrep -q "^CONFIG_$opt=y" /proc/config.gz 2>/dev/null || missing="$missing $opt"
done
[ -z "$missing" ]
ktap_result $? "debug options built in${missing:+; missing:$missing}"
[ -w "$KMEMLEAK" ] && [ -d "$KUNIT_DIR" ]
ktap_result $? "kmemleak and KUnit debugfs present"
grep -q 'debug_locks: *1' /proc/lockdep_stats 2>/dev/null
ktap_result $? "lockdep is on before the tests"

# ---- 1. KUnit ---------------------------------------------------------------
out=$(ktap_insmod "$KO")
ktap_result $? "insmod $(basename "$KO")${out:+: $out}"
t0=$(date +%s)
out=$(ktap_insmod "$KUNIT_KO")
ktap_result $? "insmod $(basename "$KUNIT_KO") (suites ran in $(($(date +%s) - t0)) s)${out:+: $out}"

want=$(kunit_suites)
got=0 lost=""
for s in $want; do
	if cat "$KUNIT_DIR/$s/results" >"$OUT/kunit-$s.ktap" 2>/dev/null &&
		[ -s "$OUT/kunit-$s.ktap" ]; then
		got=$((got + 1))
	else
		rm -f "$OUT/kunit-$s.ktap"
		lost="$lost $s"
	fi
done
[ -n "$want" ] && [ -z "$lost" ]
ktap_result $? "KTAP of $got KUnit suites in kunit-*.ktap${lost:+; missing:$lost}"

out=$(rmmod_wait inetx_kunit 30)
ktap_result $? "rmmod inetx_kunit${out:+: $out}"
t0=$(date +%s)
out=$(rmmod_wait inetx 90)
ktap_result $? "rmmod inetx after the KUnit suites ($(($(date +%s) - t0)) s)${out:+: $out}"
kmemleak_result "$(kmemleak_scan)" "kmemleak after the KUnit suites and rmmod"

# ---- 2. fault injection ------------------------------------------------------
echo "debug_kernel: fault injection" >&3
(fault_injection_doc) >"$OUT/fault_injection.ktap" 2>&1
grep -E '^(not )?ok |^Bail' "$OUT/fault_injection.ktap" | sed 's/^/fault_injection: /' >&3
fault_rc=0
grep -qE '^not ok |^Bail' "$OUT/fault_injection.ktap" && fault_rc=1
[ ! -d /sys/module/inetx ] || rmmod_wait inetx 90 >/dev/null

# ---- 3. the selftest suite -------------------------------------------------
t0=$(date +%s)
"$TOP/selftests/run_selftests.sh" "$KO" "$OUT" </dev/null 2>&1 |
	tee "$OUT/run_selftests.log" >&3
selftests_rc=${PIPESTATUS[0]}
ktap_diag "run_selftests.sh: exit $selftests_rc after $(($(date +%s) - t0)) s"

# ---- 4. after everything ----------------------------------------------------
[ ! -d /sys/module/inetx ] && [ ! -d /sys/module/inetx_kunit ]
ktap_result $? "no inetx module left loaded"
kmemleak_result "$(kmemleak_scan)" "kmemleak after the selftests and their final rmmod"
bad=$(dmesg | grep -E "$BAD")
[ -z "$bad" ] || printf '%s\n' "$bad" | head -n 80 | sed 's/^/# /'
[ -z "$bad" ]
ktap_result $? "kernel log since boot: no KASAN, UBSAN, lockdep, kmemleak or other report"
# lockdep switches itself off after its first report: still on = none seen.
grep -q 'debug_locks: *1' /proc/lockdep_stats 2>/dev/null
ktap_result $? "lockdep is still on after the tests"
# ktap_finish exits with the failure count.
(ktap_finish)
rc=$?
sed -n 's/^/debug_kernel: /p' "$OUT/debug_kernel.ktap" | grep -E ': (not )?ok ' >&3
[ "$rc" = 0 ] && [ "$fault_rc" = 0 ] && [ "$selftests_rc" = 0 ]
