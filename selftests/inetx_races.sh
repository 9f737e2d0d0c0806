#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_races.sh KO: race tests, KTAP on stdout.
#
# Needs root and loads/unloads KO: run it inside the QEMU guest only
# (run_selftests.sh does), never on a host. Expects the module not to be
# loaded and leaves it unloaded. The loops are build/selftests/inetx_races
# (make -C selftests, or $INETX_BIN); see its header for what each does.
#
#  (1) modcycle: load/unload KO in a loop while threads create inetx
#      sockets, connect inetx and AF_INET pairs and make namespaces
#  (2) netns: namespaces die with inetx sockets in LISTEN, SYN_SENT,
#      ESTABLISHED and TIME_WAIT inside
#  (3) close: close/shutdown/disconnect/signals racing connect() and accept()
#  (4) mass: 10,000 inetx connections open at once, then all reset at once
#
# After each race: rmmod succeeds (ktap_rmmod waits for the module's
# references: 90 s, more than TIME_WAIT's 60 s), AF_INET TCP works, and
# /proc/slabinfo has no INETX cache left (one with live objects would
# survive kmem_cache_destroy()).
#
# Every loop stops at an iteration count or a time bound, whichever comes
# first; each prints "# RACE: N iterations in T s". Defaults keep the
# whole script near a minute under TCG (make check); for a long run set
# INETX_RACES_LONG=1 (300 s per race, 10 mass rounds, or
# INETX_RACES_SECS=N seconds per race, INETX_RACES_MAX=N iterations per
# race, INETX_RACES_CONNS=N connections).
# Inside run-vm.sh pass them with env(1), the guest starts with a clean
# environment: run-vm.sh ... -- env INETX_RACES_LONG=1 selftests/inetx_races.sh KO
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$(cd "$HERE/.." && pwd)/build/selftests}
RACES=$BIN/inetx_races
HOLD=$BIN/inetx_hold
KO=${1:-}
MOD=inetx
if [ "${INETX_RACES_LONG:-0}" = 1 ]; then
	SECS=${INETX_RACES_SECS:-300} ROUNDS=10
else
	SECS=${INETX_RACES_SECS:-12} ROUNDS=1
fi
MAX=${INETX_RACES_MAX:-1000000}
CONNS=${INETX_RACES_CONNS:-10000}
# A hung loop still ends, as a failure.
LIMIT=$((2 * SECS + 180))
# Opening the connections stops after OPEN s (a debug kernel is slow).
OPEN=$((5 * SECS))
[ "$OPEN" -le 120 ] || OPEN=120
MASS_LIMIT=$((ROUNDS * (3 * OPEN + 120) + 60))
TMP=$(mktemp -d /tmp/inetx_races.XXXXXX)

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	[ -d "/sys/module/$MOD" ] && ktap_rmmod "$MOD" 90 >/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

slab_names() { awk 'NR > 2 { print $1 }' /proc/slabinfo 2>/dev/null | grep "$@"; }

# run_race NAME LIMIT ARGS...: the loop's diagnostics, then its result.
run_race() {
	local name=$1 limit=$2 rc
	shift 2
	timeout -k 10 "$limit" "$RACES" "$name" "$@" | tee -a "$TMP/figures"
	rc=${PIPESTATUS[0]}
	[ "$rc" != 124 ] || ktap_diag "$name: killed after $limit s"
	ktap_result "$rc" "$name: the race loop ran and every invariant held"
}

# after NAME: unload, then the system must be as before.
after() {
	local name=$1 out rc left
	out=$(ktap_rmmod "$MOD" 90)
	rc=$?
	ktap_diag "$name: $out"
	echo "# $name: unload: $out" >>"$TMP/figures"
	ktap_result $rc "$name: rmmod succeeds afterwards"

	out=$("$HOLD" tcp)
	rc=$?
	[ $rc = 0 ] || ktap_diag "$out"
	ktap_result $rc "$name: AF_INET TCP (connect, echo, close) works afterwards"

	if [ -r /proc/slabinfo ]; then
		left=$(slab_names INETX | tr '\n' ' ')
		[ -z "$left" ] || ktap_diag "INETX caches: $left"
		[ -z "$left" ]
		ktap_result $? "$name: no INETX slab cache (nor object) left in /proc/slabinfo"
	else
		ktap_skip "/proc/slabinfo not available" "$name: no INETX slab cache (nor object) left in /proc/slabinfo"
	fi
}

load() {
	local out
	out=$(ktap_insmod "$KO") && return 0
	ktap_diag "insmod: $out"
	return 1
}

ktap_start 17

if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ] || [ ! -x "$RACES" ] || [ ! -x "$HOLD" ] ||
	[ ! -w /dev/kmsg ]; then
	ktap_diag "needs root, a readable KO (got '$KO'), $RACES and $HOLD (make -C selftests)"
	echo "Bail out! preconditions"
	exit 1
fi
if [ -d "/sys/module/$MOD" ] && ! ktap_rmmod "$MOD" 90 >/dev/null; then
	echo "Bail out! $MOD is loaded and cannot be removed"
	exit 1
fi
ip link set lo up 2>/dev/null
MARK="inetx_races.sh start $$ $(date +%s)"
echo "$MARK" >/dev/kmsg
T0=$(date +%s%N)
ktap_diag "kernel $(uname -r); per race: $SECS s or $MAX iterations; $CONNS connections x $ROUNDS"

# ---- (1) load/unload against socket creation, connects, namespaces -------
run_race modcycle "$LIMIT" "$KO" "$SECS" "$MAX"
after modcycle

# ---- (2) namespaces dying with inetx sockets in every state --------------
if load; then
	run_race netns "$LIMIT" "$SECS" "$MAX"
else
	ktap_result 1 "netns: the race loop ran and every invariant held"
fi
after netns

# ---- (3) close racing connect and accept ---------------------------------
if load; then
	run_race close "$LIMIT" "$SECS" "$MAX"
else
	ktap_result 1 "close: the race loop ran and every invariant held"
fi
after close

# ---- (4) 10,000 connections opened and reset at once ---------------------
if load; then
	run_race mass "$MASS_LIMIT" "$CONNS" "$ROUNDS" "$OPEN"
else
	ktap_result 1 "mass: the race loop ran and every invariant held"
fi
after mass

bad=$(dmesg --notime 2>/dev/null | sed -n "/$MARK\$/,\$p" |
	grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|UBSAN|KASAN|kmemleak|refcount_t|list_(add|del) corruption|circular locking|INFO: task .* blocked')
[ -z "$bad" ] || ktap_diag "$bad"
[ -z "$bad" ]
ktap_result $? "kernel log has no warnings from the races"

ktap_diag "figures ($(uname -r)):"
grep -E 'iterations in|unload:' "$TMP/figures" | sed 's/^# /  /' | while IFS= read -r l; do ktap_diag "$l"; done
ktap_diag "races: $(ktap_elapsed "$T0") s in all"
ktap_finish
