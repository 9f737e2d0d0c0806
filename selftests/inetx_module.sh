#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_module.sh KO: module lifecycle tests, KTAP on stdout.
#
# Needs root and loads/unloads KO: run it inside the QEMU guest only
# (run_selftests.sh does), never on a host. Expects the module not to be
# loaded and leaves it unloaded. Helper binaries come from build/selftests
# (make -C selftests) or $INETX_BIN.
#
#  (a) insmod; INETX in /proc/net/protocols; the sysfs family works
#  (b) rmmod refused while an inetx socket is open, accepted after; then
#      INETX is gone and socket(18, ...) fails with EAFNOSUPPORT
#  (c) family=2 -> EEXIST, family=46 -> ENOBUFS, family=0 -> EINVAL, each
#      with a dmesg line naming family and error; family=19 works, and
#      inetx_create and inetx_connect pass with it (KTAP subtests)
#  (d) three load/connect/unload cycles, then system TCP still works
#  (e) slab caches: INETX's come and go, TCP's stay (skipped without
#      /proc/slabinfo)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$(cd "$HERE/.." && pwd)/build/selftests}
HOLD=$BIN/inetx_hold
KO=${1:-}
MOD=inetx
TMP=$(mktemp -d /tmp/inetx_module.XXXXXX)
HPID=

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	if [ -n "$HPID" ]; then
		kill "$HPID" 2>/dev/null
		wait "$HPID" 2>/dev/null
	fi
	# Never leave the module behind for the next script.
	[ -d "/sys/module/$MOD" ] && rmmod_wait 90 >/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

loaded() { [ -d "/sys/module/$MOD" ]; }

proto_line() { awk -v p="$1" '$1 == p' /proc/net/protocols; }

# Unload once the module's references are gone, failing after $1 s. The
# tests here never leave a TIME_WAIT socket: 30 s is generous for the
# sockets they close, yet a socket left in TIME_WAIT (60 s) still fails.
rmmod_wait() { ktap_rmmod "$MOD" "$1"; }

# Kernel log lines after the marker $1, without timestamps.
MARK_N=0
kmsg_mark() {
	MARK_N=$((MARK_N + 1))
	MARK="inetx_module.sh mark $$.$MARK_N"
	echo "$MARK" >/dev/kmsg
}
dmesg_since() { dmesg --notime 2>/dev/null | sed -n "/$MARK\$/,\$p" | sed 1d; }

# A dmesg line mentioning inetx, the family number $1 and error $2.
dmesg_names() {
	dmesg_since | grep -i inetx | grep -E "(^|[^0-9-])$1([^0-9]|\$)" |
		grep -E -- "-$2([^0-9]|\$)" >/dev/null
}

slab_names() { awk 'NR > 2 { print $1 }' /proc/slabinfo 2>/dev/null | grep "$@"; }

# subtest NAME CMD...: CMD's KTAP indented as a subtest, then its parent.
subtest() {
	local name=$1 rc
	shift
	INETX_REQUIRE=1 "$@" | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	ktap_result "$rc" "$name"
}

insmod_fails() { # PARAM REGEX: insmod must fail with a message matching REGEX
	local out rc
	kmsg_mark
	out=$(ktap_insmod "$KO" "$1")
	rc=$?
	ktap_diag "insmod $1: exit $rc: $out"
	if [ $rc = 0 ]; then
		rmmod_wait 30
		return 1
	fi
	[[ "$out" =~ $2 ]]
}

ktap_start 31

if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ] || [ ! -x "$HOLD" ] || [ ! -w /dev/kmsg ]; then
	ktap_diag "needs root, a readable KO (got '$KO') and $HOLD (make -C selftests)"
	echo "Bail out! preconditions"
	exit 1
fi
if loaded && ! rmmod_wait 90; then
	echo "Bail out! $MOD is loaded and cannot be removed"
	exit 1
fi
TCP_BEFORE=$(proto_line TCP | awk '{ $3 = ""; $4 = ""; $5 = ""; print }')
kmsg_mark
START_MARK=$MARK

# ---- (a) load -------------------------------------------------------------
out=$(ktap_insmod "$KO")
rc=$?
[ $rc = 0 ] || ktap_diag "insmod: $out"
ktap_result $rc "insmod $(basename "$KO")"

line=$(proto_line INETX)
ktap_diag "${line:-no INETX line}"
[ -n "$line" ] && [ "$(echo "$line" | awk '{ print $8 }')" = "$MOD" ]
ktap_result $? "/proc/net/protocols has INETX, owned by module $MOD"

fam=$(cat /sys/module/$MOD/parameters/family 2>/dev/null)
[ "$fam" = 18 ]
ktap_result $? "default family parameter is 18 (AF_INETX), got '${fam}'"

out=$("$HOLD" socket 18)
[ "$out" = ok ]
ktap_result $? "socket(18, SOCK_STREAM, 0) works: $out"

if [ -r /proc/slabinfo ]; then
	caches=$(slab_names INETX | tr '\n' ' ')
	ktap_diag "INETX slab caches: ${caches:-none}"
	slab_names '^INETX$' >/dev/null
	ktap_result $? "slab cache INETX exists while loaded"
else
	ktap_skip "/proc/slabinfo not available" "slab cache INETX exists while loaded"
fi

# ---- (b) references --------------------------------------------------------
"$HOLD" hold 18 "$TMP/ready" &
HPID=$!
# shellcheck disable=SC2317  # called through ktap_wait
holder_ready() { [ -s "$TMP/ready" ] || ! kill -0 "$HPID" 2>/dev/null; }
ktap_wait 60 holder_ready
refs=$(cat /sys/module/$MOD/refcnt 2>/dev/null)
ktap_diag "holder pid $HPID, module refcnt ${refs:-?}"
[ -s "$TMP/ready" ] || ktap_diag "the holder made no sockets within 60 s"
[ -s "$TMP/ready" ] && [ "${refs:-0}" -gt 0 ]
ktap_result $? "open inetx sockets hold module references"

if command -v ss >/dev/null; then
	port=$(cat "$TMP/ready" 2>/dev/null)
	out=$(ss -Hltn "sport = :${port:-0}")
	ktap_diag "ss: $out"
	[[ "$out" == *"127.0.0.1:$port"* ]]
	ktap_result $? "ss (inet_diag) lists the inetx listener"
else
	ktap_skip "ss not installed" "ss (inet_diag) lists the inetx listener"
fi

out=$(rmmod "$MOD" 2>&1)
rc=$?
ktap_diag "rmmod while held: exit $rc: $out"
[ $rc != 0 ] && [[ "$out" == *"in use"* ]] && loaded
ktap_result $? "rmmod refused ('in use') while an inetx socket is open"

kill "$HPID"
wait "$HPID" 2>/dev/null
HPID=
out=$(rmmod_wait 30)
rc=$?
ktap_diag "rmmod after closing: exit $rc: $out"
ktap_result $rc "rmmod succeeds once the socket is closed"

! loaded && [ -z "$(proto_line INETX)" ]
ktap_result $? "after rmmod: no INETX in /proc/net/protocols, no /sys/module/$MOD"

out=$("$HOLD" socket 18)
[ "$out" = EAFNOSUPPORT ]
ktap_result $? "after rmmod: socket(18, ...) fails with EAFNOSUPPORT: $out"

if [ -r /proc/slabinfo ]; then
	left=$(slab_names INETX | tr '\n' ' ')
	tcp=$(slab_names -E '^(TCP|request_sock_TCP|tw_sock_TCP)$' | wc -l)
	ktap_diag "INETX caches left: ${left:-none}; TCP caches: $tcp of 3"
	[ -z "$left" ] && [ "$tcp" = 3 ]
	ktap_result $? "after rmmod: INETX slab caches gone, TCP's intact"
else
	ktap_skip "/proc/slabinfo not available" "after rmmod: INETX slab caches gone, TCP's intact"
fi

# ---- (c) family parameter --------------------------------------------------
# The module's init returns EEXIST (dmesg says -17). Kernels after 6.12
# (7.2 here) hand insmod EBUSY instead: kmod takes an EEXIST from
# init_module() for "already loaded".  With AF_INET's sock_diag handler
# registered (inet_diag: a module on Debian's kernels, built into the debug
# kernels), inetx's own handler is what finds the family taken.
modprobe -q inet_diag || ktap_diag "modprobe inet_diag failed (built in?)"
if printf '%s\n' "$(uname -r)" 6.13 | sort -V -C; then
	insmod_fails family=2 "File exists"
	ktap_result $? "insmod family=2 (AF_INET's) fails with EEXIST"
else
	insmod_fails family=2 "Device or resource busy"
	ktap_result $? "insmod family=2 (AF_INET's) fails (init's EEXIST, which this kernel reports as EBUSY)"
fi
dmesg_names 2 17
rc=$?
[ $rc = 0 ] || ktap_diag "dmesg since insmod: $(dmesg_since | tail -n 5)"
ktap_result $rc "dmesg names family 2 and error -17"

insmod_fails family=46 "No buffer space available"
ktap_result $? "insmod family=46 (>= NPROTO) fails with ENOBUFS"
dmesg_names 46 105
rc=$?
[ $rc = 0 ] || ktap_diag "dmesg since insmod: $(dmesg_since | tail -n 5)"
ktap_result $rc "dmesg names family 46 and error -105"

# kmod's insmod words EINVAL as "Invalid parameters".
insmod_fails family=0 "Invalid (argument|parameters)"
rc=$?
dmesg_names 0 22 || rc=1
ktap_result $rc "insmod family=0 fails with EINVAL, dmesg names it"

! loaded && [ -z "$(proto_line INETX)" ] && [ -n "$(proto_line TCP)" ] &&
	{ [ ! -r /proc/slabinfo ] || [ -z "$(slab_names INETX)" ]; }
ktap_result $? "failed loads leave nothing behind (module, INETX proto, slabs)"

out=$(ktap_insmod "$KO" family=19)
rc=$?
fam=$(cat /sys/module/$MOD/parameters/family 2>/dev/null)
[ $rc = 0 ] || ktap_diag "insmod family=19: $out"
[ $rc = 0 ] && [ "$fam" = 19 ]
ktap_result $? "insmod family=19 loads, sysfs says ${fam:-nothing}"

out=$("$HOLD" socket 19)
"$HOLD" conn 19
rc=$?
[ "$out" = ok ] && [ $rc = 0 ]
ktap_result $? "family=19: socket(19, SOCK_STREAM, 0) works ($out) and connects"

out=$("$HOLD" socket 18)
[ "$out" = EAFNOSUPPORT ]
ktap_result $? "family=19: socket(18, ...) fails with EAFNOSUPPORT: $out"

# The C tests read the family from sysfs: everything must hold for 19 too.
subtest "family=19: inetx_create" "$BIN/inetx_create"
subtest "family=19: inetx_connect" "$BIN/inetx_connect"

out=$(rmmod_wait 30)
rc=$?
ktap_diag "family=19: $out"
ktap_result $rc "rmmod of the family=19 module"

# ---- (d) cycles ------------------------------------------------------------
for cycle in 1 2 3; do
	rc=0
	out=$(ktap_insmod "$KO") || { rc=1; ktap_diag "insmod: $out"; }
	[ $rc = 0 ] && { "$HOLD" conn 18 || rc=1; }
	out=$(rmmod_wait 30) || rc=1
	ktap_diag "cycle $cycle: $out"
	loaded && rc=1
	ktap_result $rc "cycle $cycle: insmod, inetx connections, rmmod"
done

"$HOLD" tcp
ktap_result $? "after the cycles: AF_INET client/server exchange with TIME_WAIT works"

tcp_after=$(proto_line TCP | awk '{ $3 = ""; $4 = ""; $5 = ""; print }')
ktap_diag "TCP before: $TCP_BEFORE"
ktap_diag "TCP after:  $tcp_after"
[ -n "$tcp_after" ] && [ "$tcp_after" = "$TCP_BEFORE" ] &&
	proto_line TCP | awk '$2 > 0 && $3 ~ /^[0-9]+$/ && $7 == "yes" && $8 == "kernel" { ok = 1 } END { exit !ok }'
ktap_result $? "/proc/net/protocols TCP line unchanged and sane"

if [ -r /proc/slabinfo ]; then
	left=$(slab_names INETX | tr '\n' ' ')
	tcp=$(slab_names -E '^(TCP|request_sock_TCP|tw_sock_TCP)$' | wc -l)
	[ -z "$left" ] && [ "$tcp" = 3 ]
	ktap_result $? "after the cycles: no INETX slab caches, TCP's intact ($tcp of 3)"
else
	ktap_skip "/proc/slabinfo not available" "after the cycles: no INETX slab caches, TCP's intact"
fi

MARK=$START_MARK
bad=$(dmesg_since | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|UBSAN|KASAN|kmemleak|refcount_t|list_(add|del) corruption|circular locking')
[ -z "$bad" ] || ktap_diag "$bad"
[ -z "$bad" ]
ktap_result $? "kernel log has no warnings from these tests"

ktap_finish
