#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_wire.sh KO: on the wire, inetx is plain TCP/IPv4. KTAP on stdout.
#
# Root only, inside the QEMU guest. Loads KO unless inetx is already
# loaded (and then unloads it again). Captures lo with tcpdump while an
# inetx client talks to an inetx server on port P1 and, for reference,
# an AF_INET pair on P2; then checks P1's segments: SYN, SYN-ACK, the
# handshake ACK, 13 data bytes each way, the client's FIN, all IPv4,
# with the same TCP options and the same segment sequence as AF_INET.
# Waits for events, not for time: tcpdump saying it listens before the
# traffic, both exchanges' last segment (the server's RST) in the capture
# before tcpdump is stopped (SIGINT, then wait: it flushes and exits).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$(cd "$HERE/.." && pwd)/build/selftests}
HOLD=$BIN/inetx_hold
KO=${1:-}
MOD=inetx
TMP=$(mktemp -d /tmp/inetx_wire.XXXXXX)
LOADED_HERE=0
TPID=

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	if [ -n "$TPID" ]; then
		kill "$TPID" 2>/dev/null
		wait "$TPID" 2>/dev/null
	fi
	[ "$LOADED_HERE" = 1 ] && ktap_rmmod "$MOD" 90 >/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

TESTS=(
	"tcpdump captures lo"
	"inetx client/server exchange on P1"
	"AF_INET client/server exchange on P2"
	"the capture holds both exchanges up to the servers' RSTs"
	"inetx segments are TCP over IPv4 between 127.0.0.1 ports"
	"SYN from the inetx client: Flags [S]"
	"SYN-ACK from the inetx server: Flags [S.]"
	"handshake ACK from the client: Flags [.], ack 1"
	"client data segment: seq 1:14, length 13"
	"server data segment: seq 1:14, length 13"
	"FIN from the client: Flags [F.]"
	"SYN and SYN-ACK windows and options equal AF_INET's"
	"segment sequence (without pure ACKs) equals AF_INET's"
)

ktap_start $((1 + ${#TESTS[@]}))

if [ "$(id -u)" != 0 ] || [ ! -x "$HOLD" ]; then
	ktap_diag "needs root and $HOLD (make -C selftests)"
	echo "Bail out! preconditions"
	exit 1
fi

# INETX_FAMILY=2 checks the script itself on a host without the module.
if [ -z "${INETX_FAMILY:-}" ] && [ ! -d /sys/module/$MOD ]; then
	out=$(ktap_insmod "$KO") && LOADED_HERE=1
	[ -n "$out" ] && ktap_diag "insmod: $out"
fi
FAM=${INETX_FAMILY:-$(cat /sys/module/$MOD/parameters/family 2>/dev/null)}
[ -n "$FAM" ] && [ "$("$HOLD" socket "$FAM")" = ok ]
ktap_result $? "inetx loaded, family ${FAM:-?} usable"

if ! command -v tcpdump >/dev/null; then
	for t in "${TESTS[@]}"; do ktap_skip "tcpdump not installed" "$t"; done
	ktap_finish
fi

P1=$("$HOLD" port)
P2=$("$HOLD" port)
while [ "$P2" = "$P1" ]; do P2=$("$HOLD" port); done
ktap_diag "inetx on port $P1, AF_INET on port $P2"

# -p: no promiscuous mode (no kernel log noise); -Z root: no privilege drop.
tcpdump -i lo -n -l -p -Z root -tt "tcp port $P1 or tcp port $P2" \
	>"$TMP/cap.txt" 2>"$TMP/cap.err" &
TPID=$!
# Its filter is attached when it says so: from then on lo's packets queue.
# shellcheck disable=SC2317  # called through ktap_wait
tcpdump_listening() {
	grep -q "listening on" "$TMP/cap.err" 2>/dev/null || ! kill -0 "$TPID" 2>/dev/null
}
ktap_wait 60 tcpdump_listening
grep -q "listening on" "$TMP/cap.err"
rc=$?
[ $rc = 0 ] || ktap_diag "tcpdump not listening after 60 s: $(cat "$TMP/cap.err")"
ktap_result $rc "${TESTS[0]}"

"$HOLD" wire "$FAM" "$P1"
ktap_result $? "${TESTS[1]}"
"$HOLD" wire 2 "$P2"
ktap_result $? "${TESTS[2]}"

# tcpdump prints what it has read in batches: wait until both exchanges'
# last segment, the server's RST (cmd_wire), is printed, then stop it.
# shellcheck disable=SC2317  # called through ktap_wait
rst_seen() { grep -qE "^[0-9.]+ IP 127\.0\.0\.1\.$1 > [0-9.]+: Flags \[R" "$TMP/cap.txt"; }
# shellcheck disable=SC2317  # called through ktap_wait
both_rsts() { rst_seen "$P1" && rst_seen "$P2"; }
ktap_wait 60 both_rsts
rc=$?
[ $rc = 0 ] || ktap_diag "no RST from the server on port $P1 or $P2 in the capture after 60 s"
kill -INT "$TPID" 2>/dev/null
wait "$TPID" 2>/dev/null
TPID=
ktap_result $rc "${TESTS[3]}"
ktap_diag "tcpdump: $(grep -E 'captured|dropped' "$TMP/cap.err" | tr '\n' ' ')"
ktap_diag "$(cat "$TMP/cap.txt")"

# Segments of port $1 as "dir flags seq length", dir c>s or s>c.
segments() {
	awk -v p="$1" '
	$2 == "IP" && $4 == ">" {
		src = $3; dst = $5; sub(/:$/, "", dst)
		sp = src; sub(/.*\./, "", sp); dp = dst; sub(/.*\./, "", dp)
		if (sp != p && dp != p) next
		dir = (dp == p) ? "c>s" : "s>c"
		flags = ""; seq = "-"; len = "?"
		for (i = 6; i <= NF; i++) {
			if ($i == "Flags") { flags = $(i + 1); sub(/,$/, "", flags) }
			if ($i == "seq") { seq = $(i + 1); sub(/,$/, "", seq) }
			if ($i == "length") len = $(i + 1)
		}
		print dir, flags, seq, len
	}' "$TMP/cap.txt"
}
# SYN/SYN-ACK of port $1: flags, window and options, timestamps dropped.
syn_shape() {
	grep -E "\.$1[: ].*Flags \[S\.?\]" "$TMP/cap.txt" |
		sed -E 's/.*(Flags \[S\.?\]).*(win [0-9]+).*(options \[[^]]*\]).*/\1 \2 \3/;
			s/TS val [0-9]+ ecr [0-9]+/TS/'
}

S1=$(segments "$P1")
S2=$(segments "$P2")
ktap_diag "inetx segments: $(echo "$S1" | tr '\n' ';')"

ip_lines=$(grep -cE "\.${P1}[: ]" "$TMP/cap.txt")
ipv4_lines=$(grep -E "\.${P1}[: ]" "$TMP/cap.txt" |
	grep -cE "^[0-9.]+ IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.[0-9]+: Flags")
[ "$ip_lines" -gt 0 ] && [ "$ip_lines" = "$ipv4_lines" ]
ktap_result $? "${TESTS[4]} ($ipv4_lines of $ip_lines lines)"

echo "$S1" | grep -q '^c>s \[S\] '
ktap_result $? "${TESTS[5]}"
echo "$S1" | grep -q '^s>c \[S\.\] '
ktap_result $? "${TESTS[6]}"
grep -E "> 127\.0\.0\.1\.$P1: Flags \[\.\], ack 1," "$TMP/cap.txt" >/dev/null
ktap_result $? "${TESTS[7]}"
echo "$S1" | grep -q '^c>s \[P\.\] 1:14 13$'
ktap_result $? "${TESTS[8]}"
echo "$S1" | grep -q '^s>c \[P\.\] 1:14 13$'
ktap_result $? "${TESTS[9]}"
echo "$S1" | grep -q '^c>s \[F\.\] '
ktap_result $? "${TESTS[10]}"

SH1=$(syn_shape "$P1")
SH2=$(syn_shape "$P2")
ktap_diag "inetx:   $(echo "$SH1" | tr '\n' ';')"
ktap_diag "AF_INET: $(echo "$SH2" | tr '\n' ';')"
[ -n "$SH1" ] && [ "$SH1" = "$SH2" ]
ktap_result $? "${TESTS[11]}"

# Sequence numbers are random; compare direction, flags and length.
Q1=$(echo "$S1" | awk '$2 != "[.]" { print $1, $2, $4 }')
Q2=$(echo "$S2" | awk '$2 != "[.]" { print $1, $2, $4 }')
ktap_diag "inetx:   $(echo "$Q1" | tr '\n' ';')"
ktap_diag "AF_INET: $(echo "$Q2" | tr '\n' ';')"
[ -n "$Q1" ] && [ "$Q1" = "$Q2" ]
ktap_result $? "${TESTS[12]}"

ktap_finish
