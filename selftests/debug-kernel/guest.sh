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
#  2. Fault injection (OUTDIR/fault_injection.ktap): where the kernel has
#     failslab's stack filter (not 6.1), socket() must fail with ENOMEM
#     when an allocation made from inetx.ko's code fails; then
#     inetx_failnth fails the 1st, 2nd, ... allocation of every syscall
#     path through /proc/thread-self/fail-nth (failslab and
#     fail_page_alloc), for AF_INET and inetx, until a run injects nothing
#     (INETX_FAILNTH_LONG=1: more socket options).  Every run must end
#     (success or a clean error), inetx connections must still work, the
#     module must unload (no reference leaked) and a kmemleak scan must
#     find nothing.
#  3. The whole selftest suite: selftests/run_selftests.sh KO OUTDIR (its
#     KTAP documents land in OUTDIR, its summary in run_selftests.log),
#     with 2,000 connections in the mass race instead of 10,000.
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
FAIL_PAGE_ALLOC=/sys/kernel/debug/fail_page_alloc
BIN=${INETX_BIN:-$TOP/build/selftests}

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

# For fail-nth: every allocation of the task counts.  The gfp and order
# filters of failslab and fail_page_alloc run before should_fail_ex()
# consults fail-nth (and their defaults skip GFP_KERNEL and order 0);
# fail-nth itself comes before probability, space and times, but on 6.12
# after the stack filter, which failslab_disarm leaves wide open.
# $1: Y to restore the defaults afterwards.
failnth_setup() {
	local d dflt=${1:-N}
	for d in "$FAILSLAB" "$FAIL_PAGE_ALLOC"; do
		echo "$dflt" >"$d/ignore-gfp-wait"
		echo 0 >"$d/probability"
		# verbose 1: two NOTICE lines per fault, no stack dump (2 would
		# print a Call Trace, which reads as a splat).
		echo 1 >"$d/verbose"
	done
	echo "$dflt" >"$FAIL_PAGE_ALLOC/ignore-gfp-highmem"
	if [ "$dflt" = Y ]; then echo 1; else echo 0; fi >"$FAIL_PAGE_ALLOC/min-order"
	[ ! -w "$FAILSLAB/require-start" ] || failslab_disarm
}

fault_injection_doc() {
	local text size out rc fam t0 args=()
	# A document of its own: fresh ktap.sh counters (call it in a subshell).
	KTAP_N=0 KTAP_PASS=0 KTAP_FAIL=0 KTAP_SKIP=0
	ktap_start 6
	out=$(ktap_insmod "$KO")
	ktap_result $? "insmod $(basename "$KO")${out:+: $out}"
	fam=$(cat /sys/module/inetx/parameters/family)

	# The base of the module's text, then text and data: its code is inside.
	text=$(awk '$1 == "inetx" { print $6 }' /proc/modules)
	size=$(cat /sys/module/inetx/coresize 2>/dev/null)
	if [ ! -w "$FAILSLAB/require-start" ]; then
		# FAULT_INJECTION_STACKTRACE_FILTER depends on !X86_64 before 6.2.
		ktap_skip "no failslab stack filter in $(uname -r); the fail-nth socket sweep covers it" \
			"socket() fails with ENOMEM when inetx's sk_alloc() fails"
	elif [ -z "$text" ] || [ -z "$size" ]; then
		ktap_result 1 "socket() fails with ENOMEM when inetx's sk_alloc() fails: no address for inetx"
	else
		ktap_diag "failing slab allocations made from $text + $size"
		failslab_arm "$text" $((text + size))
		echo 0 >"$FAILSLAB/space"
		echo 1 >"$FAILSLAB/times"
		out=$("$BIN/inetx_hold" socket "$fam")
		failslab_disarm
		[ "$out" = ENOMEM ]
		ktap_result $? "socket() fails with ENOMEM when inetx's sk_alloc() fails: $out"
	fi

	# Every syscall path, failing its 1st, 2nd, ... allocation (its own
	# KTAP, indented as a subtest).  Long mode: more socket options.
	[ "${INETX_FAILNTH_LONG:-0}" = 0 ] || args+=(--long)
	failnth_setup N
	t0=$(date +%s)
	echo "    # Subtest: inetx_failnth"
	INETX_REQUIRE=1 timeout -k 5 "${INETX_FAILNTH_TIMEOUT:-2400}" \
		"$BIN/inetx_failnth" "${args[@]}" 2>&1 | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	failnth_setup Y
	ktap_result "$rc" "inetx_failnth: fail-nth sweep of every syscall path, exit $rc, $(($(date +%s) - t0)) s"

	"$BIN/inetx_hold" conn "$fam" >/dev/null
	ktap_result $? "inetx connections work after the sweep"
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
grep -E '^( {4})?((not )?ok |Bail|# FAILNTH)' "$OUT/fault_injection.ktap" |
	sed 's/^ *\(.\)/fault_injection: \1/' >&3
fault_rc=0
grep -qE '^not ok |^Bail' "$OUT/fault_injection.ktap" && fault_rc=1
[ ! -d /sys/module/inetx ] || rmmod_wait inetx 90 >/dev/null

# ---- 3. the selftest suite -------------------------------------------------
# The mass race opens fewer connections here: at about 15 ms per connection
# under KASAN and TCG it stopped after 60 s at 4,352 of 10,000 (124 s in
# all); 2,000 are all opened, so its invariants hold at a known count. The
# stock kernels open the 10,000.
export INETX_RACES_CONNS=${INETX_RACES_CONNS:-2000}
# Real programs under inetx-run: under KASAN and TCG its redis-benchmark
# alone ran past 14 minutes, and this kernel has no seccomp user
# notification for the --seccomp half. The stock kernels run it.
export INETX_RUN_APPS=${INETX_RUN_APPS:-0}
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
