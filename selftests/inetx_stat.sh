#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_stat.sh KO: inetx's counters and tracepoints. KTAP on stdout.
#
# Root only, inside the QEMU guest. Loads KO unless inetx is already
# loaded (and then unloads it again).
#  - /proc/net/inetx_stat has /proc/net/netstat's layout, which nstat
#    parses (PROC_NET_NETSTAT points it at the file), and generic netlink
#    INETX's GET_STATS gives the same values;
#  - build/selftests/inetx_stat runs a scripted sequence of socket calls in
#    a network namespace of its own and checks that each counter moves by
#    exactly the expected amount (its KTAP is a subtest here);
#  - isolation (besides inetx_stat's own check of a second new namespace):
#    the initial namespace's counters do not move (SocketsAlive aside:
#    sockets of earlier tests may still be dying there);
#  - every inetx:* tracepoint fired during that run, for its process and
#    children only (set_event_pid, event-fork), with the expected fields,
#    read from tracefs (mounted at /sys/kernel/tracing if it is not).
# Without tracefs or the inetx events the tracepoint tests are skipped.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$(cd "$HERE/.." && pwd)/build/selftests}
STAT=$BIN/inetx_stat
KO=${1:-}
MOD=inetx
TRACE=/sys/kernel/tracing
EVENTS=(inetx_create inetx_bind inetx_listen inetx_connect inetx_v4_connect
	inetx_accept inetx_shutdown inetx_release)
TMP=$(mktemp -d /tmp/inetx_stat.XXXXXX)
LOADED_HERE=0
MOUNTED_HERE=0
TRACING=0

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	if [ "$TRACING" = 1 ]; then
		echo 0 >"$TRACE/events/inetx/enable"
		echo >"$TRACE/set_event_pid"
		echo 0 >"$TRACE/options/event-fork"
	fi
	[ "$MOUNTED_HERE" = 1 ] && umount "$TRACE"
	[ "$LOADED_HERE" = 1 ] && ktap_rmmod "$MOD" 90 >/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_start $((5 + ${#EVENTS[@]}))

if [ "$(id -u)" != 0 ] || [ ! -x "$STAT" ]; then
	ktap_diag "needs root and $STAT (make -C selftests)"
	echo "Bail out! preconditions"
	exit 1
fi

if [ ! -d /sys/module/$MOD ]; then
	out=$(ktap_insmod "$KO") && LOADED_HERE=1
	[ -n "$out" ] && ktap_diag "insmod: $out"
fi
FAM=$(cat /sys/module/$MOD/parameters/family 2>/dev/null)
[ -n "$FAM" ] && [ -r /proc/net/inetx_stat ]
ktap_result $? "inetx loaded (family ${FAM:-?}), /proc/net/inetx_stat readable"

# Values of the counters, one "Name value" a line, from a netstat-style file.
stat_lines() {
	awk 'NR == 1 { for (i = 2; i <= NF; i++) name[i] = $i; n = NF }
	NR == 2 { if ($1 != "InetX:" || NF != n) exit 1
		for (i = 2; i <= NF; i++) print name[i], $i }' "$1"
}

# 2: the layout, read by nstat as it reads /proc/net/netstat.
cat /proc/net/inetx_stat >"$TMP/stat"
ktap_diag "$(cat "$TMP/stat")"
rc=1
if ! stat_lines "$TMP/stat" >"$TMP/want"; then
	ktap_diag "not two 'InetX:' lines of as many names as values"
elif ! head -n 1 "$TMP/stat" | grep -q '^InetX: SocketsCreated '; then
	ktap_diag "the header does not start with 'InetX: SocketsCreated'"
elif ! command -v nstat >/dev/null; then
	rc=0
	ktap_diag "nstat not installed: layout checked by awk only"
else
	PROC_NET_NETSTAT=$TMP/stat PROC_NET_SNMP=/dev/null PROC_NET_SNMP6=/dev/null \
		nstat -a -s -z 2>&1 | awk '/^InetX/ { sub(/^InetX/, ""); print $1, $2 }' \
		>"$TMP/nstat"
	diff -u "$TMP/want" "$TMP/nstat" >"$TMP/nstat.diff"
	rc=$?
	[ $rc = 0 ] || ktap_diag "nstat differs: $(cat "$TMP/nstat.diff")"
fi
ktap_result $rc "/proc/net/inetx_stat in /proc/net/netstat's layout, parsed by nstat ($(wc -l <"$TMP/want") counters)"

# 3: genetlink agrees with /proc in the initial namespace. ModuleRefs is
# global, and sockets of earlier tests may still be freed between the two
# reads: until they agree, within 30 s.
ref=$(awk 'NR == 1 { for (i = 2; i <= NF; i++) if ($i == "ModuleRefs") print i }' /proc/net/inetx_stat)
# shellcheck disable=SC2317  # called by genl_agrees
cut_refs() { awk -v r="${ref:-0}" '{ $r = "-"; print }'; }
# shellcheck disable=SC2317  # called through ktap_wait
genl_agrees() {
	genl=$("$STAT" --genl 2>&1) || return 1
	proc=$(sed -n 2p /proc/net/inetx_stat)
	[ -n "$ref" ] && [ "$(echo "$genl" | cut_refs)" = "$(echo "$proc" | cut_refs)" ]
}
genl="" proc=""
ktap_wait 30 genl_agrees
rc=$?
[ $rc = 0 ] || ktap_diag "genetlink: $genl" "proc:      $proc"
ktap_result $rc "genetlink INETX GET_STATS equals /proc/net/inetx_stat in the initial namespace"

# Tracing: inetx's events, for this shell's children only.
if [ ! -d "$TRACE/events" ]; then
	mount -t tracefs nodev "$TRACE" 2>/dev/null && MOUNTED_HERE=1
fi
if [ -d "$TRACE/events/inetx" ] && [ -w "$TRACE/set_event_pid" ]; then
	echo 0 >"$TRACE/events/inetx/enable"
	echo >"$TRACE/trace"
	echo 1 >"$TRACE/options/event-fork"
	echo $BASHPID >"$TRACE/set_event_pid"
	echo 1 >"$TRACE/events/inetx/enable" && TRACING=1
fi
[ "$TRACING" = 1 ] || ktap_diag "no tracefs or no inetx events: tracepoint tests skipped"

# 4: the sequence, its KTAP as a subtest.
cp /proc/net/inetx_stat "$TMP/init-before"
INETX_FAMILY=$FAM "$STAT" >"$TMP/seq.ktap" 2>"$TMP/seq.err"
rc=$?
if [ "$TRACING" = 1 ]; then
	echo 0 >"$TRACE/events/inetx/enable"
	cat "$TRACE/trace" >"$TMP/trace"
fi
cp /proc/net/inetx_stat "$TMP/init-after"
sed 's/^/    /' "$TMP/seq.ktap"
[ -s "$TMP/seq.err" ] && ktap_diag "inetx_stat stderr: $(cat "$TMP/seq.err")"
summary=$(awk '/^ok / && !/# SKIP/ { p++ } /^not ok / { f++ } /^1\.\./ { n = substr($0, 4) }
	END { printf "%d passed, %d failed, of %d", p, f, n }' "$TMP/seq.ktap")
[ $rc = 0 ] && ! grep -q '^not ok' "$TMP/seq.ktap" && ! grep -q '^Bail out' "$TMP/seq.ktap"
ktap_result $? "each counter moves by exactly the expected amount for the sequence, /proc and genetlink agree ($summary)"

# 5: isolation.
rc=0
stat_lines "$TMP/init-before" | grep -v -E '^(ModuleRefs|SocketsAlive) ' >"$TMP/ib"
stat_lines "$TMP/init-after" | grep -v -E '^(ModuleRefs|SocketsAlive) ' >"$TMP/ia"
if ! diff -u "$TMP/ib" "$TMP/ia" >"$TMP/init.diff"; then
	rc=1
	ktap_diag "the initial namespace's counters moved: $(cat "$TMP/init.diff")"
fi
ktap_result $rc "isolation: the initial namespace's counters do not move (SocketsAlive, ModuleRefs aside)"

# 6..: the tracepoints.
PORT=$(sed -n 's/^# listener port \([0-9]*\)$/\1/p' "$TMP/seq.ktap")
RPORT=$(sed -n 's/^# refused port \([0-9]*\)$/\1/p' "$TMP/seq.ktap")
ktap_diag "listener port ${PORT:-?}, refused port ${RPORT:-?}"
# Lines of event $1 (the part after "name: ").
ev() { sed -n "s/^.* $1: //p" "$TMP/trace"; }
# Line number in the trace of the first line of event $1 matching $2.
first() { grep -n -E " $1: .*$2" "$TMP/trace" | head -n 1 | cut -d: -f1; }

# ev_check EVENT DESC: DESC is what the caller checked ($ok).
ev_check() {
	local e=$1 desc=$2
	if [ "$TRACING" != 1 ]; then
		ktap_skip "no tracefs or inetx events" "tracepoint $e: $desc"
		return
	fi
	[ "$ok" = 1 ] || ktap_diag "$e: $(ev "$e" | head -n 20 | tr '\n' ';')"
	[ "$ok" = 1 ]
	ktap_result $? "tracepoint $e: $desc"
}
if [ "$TRACING" = 1 ]; then
	ktap_diag "$(grep -c ' inetx_' "$TMP/trace") inetx events traced"
	grep ' inetx_' "$TMP/trace" | head -n 80 | sed 's/^ *//' >"$TMP/trace.short"
	ktap_diag "$(cat "$TMP/trace.short")"
fi
has() { ev "$1" | grep -q -E "$2"; }

ok=0
has inetx_create "^family=$FAM type=1 protocol=0 result=0$" &&
	has inetx_create "^family=$FAM type=2 protocol=0 result=-94$" &&
	has inetx_create "^family=$FAM type=1 protocol=17 result=-93$" &&
	has inetx_create "^family=$FAM type=1 protocol=1000 result=-22$" &&
	has inetx_create "^family=$FAM type=1 protocol=0 result=-1$" &&
	[ "$(ev inetx_create | grep -c 'result=0$')" = 5 ] && ok=1
ev_check inetx_create "5 sockets (protocol 0 as asked), ESOCKTNOSUPPORT, EPROTONOSUPPORT, EINVAL, EPERM (forked child) with family, type, protocol"

ok=0
has inetx_bind "addr=127\.0\.0\.1 port=0 result=0$" && ok=1
ev_check inetx_bind "the listener's 127.0.0.1:0, result 0"

ok=0
has inetx_listen "backlog=8 result=0$" && ok=1
ev_check inetx_listen "backlog 8, result 0"

ok=0
[ "$(ev inetx_connect | grep -c 'sock_state=SS_UNCONNECTED->SS_CONNECTED sk_state=TCP_CLOSE->TCP_ESTABLISHED flags=0x2 result=0$')" = 3 ] &&
	has inetx_connect "sock_state=SS_UNCONNECTED->SS_UNCONNECTED sk_state=TCP_CLOSE->TCP_CLOSE flags=0x2 result=-111$" && ok=1
ev_check inetx_connect "3 connects SS_UNCONNECTED->SS_CONNECTED, TCP_CLOSE->TCP_ESTABLISHED; the refused one ECONNREFUSED"

ok=0
CPORT=$(ev inetx_v4_connect | sed -n "s/.* saddr=127\.0\.0\.1 sport=\([1-9][0-9]*\) daddr=127\.0\.0\.1 dport=${PORT:-x} nexthop=127\.0\.0\.1 isn=[1-9][0-9]* state=TCP_SYN_SENT result=0$/\1/p" | head -n 1)
[ -n "$CPORT" ] &&
	[ "$(ev inetx_v4_connect | grep -c "dport=${PORT:-x} nexthop=127\.0\.0\.1 isn=[1-9][0-9]* state=TCP_SYN_SENT result=0$")" = 3 ] &&
	has inetx_v4_connect "daddr=127\.0\.0\.1 dport=${RPORT:-x} nexthop=127\.0\.0\.1 isn=[0-9]+ state=TCP_SYN_SENT result=0$" && ok=1
ev_check inetx_v4_connect "4 SYNs: 127.0.0.1 source port, destination, next hop, non-zero ISN, TCP_SYN_SENT"

ok=0
has inetx_accept "saddr=127\.0\.0\.1 sport=${PORT:-x} daddr=127\.0\.0\.1 dport=${CPORT:-x} result=0$" &&
	[ "$(ev inetx_accept | grep -c 'result=0$')" = 2 ] && ok=1
ev_check inetx_accept "2 accepts, the first child's 4-tuple is the first connect's"

ok=0
has inetx_shutdown "how=1 state=TCP_FIN_WAIT[12] result=0$" && ok=1
ev_check inetx_shutdown "SHUT_WR (1), result 0"

ok=0
[ "$(ev inetx_release | wc -l)" = 7 ] &&
	has inetx_release "sock_state=SS_UNCONNECTED state=TCP_LISTEN$" &&
	has inetx_release "sock_state=SS_CONNECTED state=TCP_CLOSE_WAIT$" && ok=1
ev_check inetx_release "7 closes, the listener in TCP_LISTEN, the aborted child in TCP_CLOSE_WAIT"

# The first connection's path, in the order the calls ran.
if [ "$TRACING" = 1 ]; then
	order="$(first inetx_bind 'result=0') $(first inetx_listen 'result=0') $(first inetx_v4_connect 'result=0') $(first inetx_connect 'result=0') $(first inetx_accept 'result=0') $(first inetx_shutdown 'result=0')"
	ktap_diag "first bind, listen, v4_connect, connect, accept, shutdown at trace lines: $order"
fi

ktap_finish
