#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_diag.sh KO: sock_diag for the inetx family, and inetx-ss. KTAP on
# stdout.
#
# Root only, inside the QEMU guest. Loads KO unless inetx is already
# loaded, and leaves inetx loaded or not as it found it (reloading KO).
#
# inetx_diag_sockets makes a known set of sockets in a new network
# namespace A (inetx listener, inetx pairs, a child never accepted, an
# inetx client in TIME-WAIT, an inetx client of an AF_INET listener, and
# AF_INET-only sockets), then: the dump lists exactly the set's inetx
# sockets (state and 4-tuple, both directions of the difference); exact
# lookups by 4-tuple and cookie; the state filter; INET_DIAG_INFO;
# inetx-ss's listings (-H -n with -a, -l, default, state, -p, -i, port
# names). A second set in namespace B (listener on port 80) is listed
# only there: cookies are unique, so no cookie of A may appear in B's
# dump or in this namespace's, and none of B's in A's or this one's.
# Namespaces are used so that the TIME-WAIT sockets die with them rather
# than pinning the module for 60 s.
# Unloading: a slow reader starts a dump of 900 inetx listeners, reads one
# message and closes them: the dump alone holds the module (refcnt 1), so
# rmmod is refused; then the dump is finished (or, second round, its
# socket closed) and rmmod succeeds. The kernel log check of
# run_selftests.sh catches any report.
# Waits for events (a "ready" line, the module's refcnt), never for time.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$TOP/build/selftests}
SOCKS=$BIN/inetx_diag_sockets
SS=${INETX_SS:-$TOP/build/tools/inetx-ss}
KO=${1:-}
MOD=inetx
TMP=$(mktemp -d /tmp/inetx_diag.XXXXXX)
LOADED_AT_START=0
SLOW_LISTENERS=900
declare -A HOLDER_FD HOLDER_PID

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	local n
	for n in "${!HOLDER_FD[@]}"; do holder_stop "$n"; done
	if [ "$LOADED_AT_START" = 1 ] && [ ! -d "/sys/module/$MOD" ] && [ -n "$KO" ]; then
		ktap_insmod "$KO" >/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

TESTS=(
	"inetx loaded, family usable"
	"known set in namespace A"
	"dump in A lists exactly the set's inetx sockets (state, 4-tuple)"
	"dump in A lists none of the set's AF_INET sockets"
	"every record carries the inetx family, a cookie, and an inode for sockets with a file"
	"exact lookup by 4-tuple and cookie returns each inetx socket"
	"exact lookup by 4-tuple without cookie (INET_DIAG_NOCOOKIE)"
	"exact lookup with another socket's cookie: ENOENT"
	"exact lookup of each AF_INET socket's 4-tuple: ENOENT"
	"state filter LISTEN: exactly the listener"
	"state filter TIME-WAIT: exactly the TIME-WAIT socket"
	"state filter ESTABLISHED: exactly the established ones (child not yet accepted included)"
	"INET_DIAG_INFO: tcp_info on each full socket with its state, none on TIME-WAIT"
	"inetx-ss -H -n -a: the known set"
	"inetx-ss -H -n -l: the listener"
	"inetx-ss -H -n: connected sockets only (ss's default)"
	"inetx-ss -H -n state time-wait: the TIME-WAIT socket"
	"inetx-ss -H -n -p -l: the listener's process"
	"inetx-ss -H -n -i: a tcp_info line (rtt, cwnd, bytes_acked) per established socket"
	"known set in namespace B, listener on port 80"
	"dump in B lists exactly B's inetx sockets"
	"inetx-ss -H -l in B (no -n): port 80 named http from /etc/services"
	"isolation: A's, B's and this namespace's dumps share no socket"
	"slow dump of $SLOW_LISTENERS listeners: the started dump holds one module reference"
	"rmmod during the dump, no inetx socket left: refused, inetx stays"
	"the dump completes after the refused rmmod"
	"rmmod once the dump is done"
	"abandoned dump: rmmod refused while its socket is open"
	"rmmod once the reader closed its socket"
	"inetx left loaded or not as found"
)

ktap_start ${#TESTS[@]}
T=0
# Next test's description; "$(next)" can't keep state, so it sets DESC.
next() { DESC=${TESTS[$T]}; T=$((T + 1)); }

ip link set lo up 2>/dev/null
if [ "$(id -u)" != 0 ] || [ ! -x "$SOCKS" ]; then
	ktap_diag "needs root and $SOCKS (make -C selftests)"
	echo "Bail out! preconditions"
	exit 1
fi

# INETX_FAMILY=2 checks the script itself on a host without the module
# (AF_INET's own sock_diag answers; the listing tests fail, the unloading
# ones skip).
if [ -n "${INETX_FAMILY:-}" ] && [ ! -d /sys/module/$MOD ]; then
	KO=
elif [ ! -d /sys/module/$MOD ]; then
	out=$(ktap_insmod "$KO")
	[ -n "$out" ] && ktap_diag "insmod: $out"
else
	LOADED_AT_START=1
fi
FAM=${INETX_FAMILY:-$(cat /sys/module/$MOD/parameters/family 2>/dev/null)}
next
[ -n "$FAM" ] && [ "$("$BIN/inetx_hold" socket "$FAM")" = ok ]
if ! ktap_result $? "$DESC, family ${FAM:-?}"; then
	echo "Bail out! no inetx"
	exit 1
fi
export INETX_FAMILY=$FAM

# holder_start NAME [PORT]: inetx_diag_sockets set in a new netns, until
# holder_stop kills it (its stdin, a FIFO held open read-write here, never
# ends: the other children inherit it). Its output in $TMP/NAME.set.
holder_start() {
	local n=$1 fd
	mkfifo "$TMP/$n.in"
	exec {fd}<>"$TMP/$n.in"
	HOLDER_FD[$n]=$fd
	unshare --net "$SOCKS" set ${2:+"$2"} <&"$fd" >"$TMP/$n.set" 2>&1 &
	HOLDER_PID[$n]=$!
	ktap_wait 120 grep -q '^ready$' "$TMP/$n.set"
}

holder_stop() {
	local n=$1 fd=${HOLDER_FD[$1]:-}
	[ -n "$fd" ] || return 0
	kill "${HOLDER_PID[$n]}" 2>/dev/null
	wait "${HOLDER_PID[$n]}" 2>/dev/null
	exec {fd}>&-
	unset "HOLDER_FD[$n]" "HOLDER_PID[$n]"
}

in_ns() { # NAME CMD...
	nsenter --net="/proc/${HOLDER_PID[$1]}/ns/net" "${@:2}"
}

# Records' "STATE LOCAL PEER", sorted.
tuples() { awk '$2 ~ /:/ { print $1, $2, $3 }' "$@" | sort; }
# The set's sockets of one kind (inetx, inet), optionally one state; not
# the stale TIME-WAIT ones (holder_tw).
want() {
	awk -v k="$2" -v s="${3:-}" '
	$1 == "stale" { stale[$2 " " $3] = 1 }
	$1 == k && (s == "" || $2 == s) { w[++n] = $2 " " $3 " " $4; t[n] = $3 " " $4 }
	END { for (i = 1; i <= n; i++) if (!(t[i] in stale)) print w[i] }' "$TMP/$1.set" | sort
}

# drop_stale NAME FILE: FILE's "STATE LOCAL PEER" rows but stale ones.
drop_stale() {
	awk 'NR == FNR { if ($1 == "stale") stale[$2 " " $3] = 1; next }
	     !(($2 " " $3) in stale)' "$TMP/$1.set" "$2"
}

# holder_tw NAME: a fresh TIME-WAIT socket in NAME's set; TIME_WAIT lasts
# 60 s, less than a debug kernel under TCG takes for these tests.
# shellcheck disable=SC2317  # called through ktap_wait
tw_count_gt() { [ "$(grep -c '^tw-ready' "$TMP/$1.set")" -gt "$2" ]; }
holder_tw() {
	local n
	n=$(grep -c '^tw-ready' "$TMP/$1.set")
	echo tw >&"${HOLDER_FD[$1]}"
	ktap_wait 60 tw_count_gt "$1" "$n" ||
		ktap_diag "no fresh TIME-WAIT socket in $1: $(tail -n 3 "$TMP/$1.set")"
}

# same WANT GOT (files): equal, else both differences as diagnostics.
# No process substitution here: the guest has no /dev/fd.
same() {
	cmp -s "$1" "$2" && return 0
	ktap_diag "expected, missing from the listing:
$(comm -23 "$1" "$2")
listed, not expected:
$(comm -13 "$1" "$2")"
	return 1
}

dump_ok() { tail -n 1 "$1" | grep -q '^done '; }

next
holder_start A
ktap_result $? "$DESC: $(want A inetx | wc -l) inetx, $(want A inet | wc -l) AF_INET" ||
	ktap_diag "$(cat "$TMP/A.set")"
want A inetx >"$TMP/A.want"
want A inet >"$TMP/A.inet"

next
in_ns A "$SOCKS" dump 0xfff >"$TMP/A.dump"
tuples "$TMP/A.dump" >"$TMP/A.got"
dump_ok "$TMP/A.dump" && [ -s "$TMP/A.want" ] && same "$TMP/A.want" "$TMP/A.got"
ktap_result $? "$DESC"

next
! comm -12 "$TMP/A.inet" "$TMP/A.got" | grep -q .
ktap_result $? "$DESC"

next
awk -v f="family=$FAM" '
	$2 ~ /:/ {
		n++
		if ($NF != f || $4 == "cookie=0000000000000000") bad++
		# Sockets with a file: listener, clients, the accepted one.
		if ($1 != "TIME-WAIT" && $5 == "ino=0") noino++
	}
	END { exit !(n > 0 && !bad && noino == 1) }' "$TMP/A.dump"
ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/A.dump")"

next
bad=0 n=0
grep ' cookie=' "$TMP/A.dump" >"$TMP/A.recs"
while read -r st l p c _; do
	n=$((n + 1))
	got=$(in_ns A "$SOCKS" get "$l" "$p" "${c#cookie=}")
	[ "$(echo "$got" | awk '{ print $1, $2, $3, $4 }')" = "$st $l $p $c" ] && continue
	# A TIME-WAIT socket may have ended since the dump (60 s; a loaded
	# debug kernel is slower): then a new dump must not list it either.
	if [ "$st" = TIME-WAIT ] && echo "$got" | grep -q ENOENT &&
		! in_ns A "$SOCKS" dump 0xfff | grep -q " $l $p "; then
		ktap_diag "get $l $p: ENOENT, and the TIME-WAIT socket has left the dump too"
		continue
	fi
	bad=1
	ktap_diag "get $l $p ${c#cookie=}: $got"
done <"$TMP/A.recs"
[ "$n" -gt 0 ] || bad=1
ktap_result $bad "$DESC, $n records"

next
bad=0 n=0
grep '^ESTAB .* cookie=' "$TMP/A.dump" >"$TMP/A.estab"
while read -r st l p c _; do
	n=$((n + 1))
	got=$(in_ns A "$SOCKS" get "$l" "$p" none)
	[ "$(echo "$got" | awk '{ print $1, $4 }')" = "$st $c" ] ||
		{ bad=1; ktap_diag "get $l $p none: $got"; }
done <"$TMP/A.estab"
[ "$n" -gt 0 ] || bad=1
ktap_result $bad "$DESC, $n records"

next
l1=- p1=-
grep '^LISTEN ' "$TMP/A.dump" >"$TMP/A.listen"
read -r _ l1 p1 _ _ <"$TMP/A.listen"
other=$(awk '$1 == "ESTAB" { print substr($4, 8); exit }' "$TMP/A.dump")
got=$(in_ns A "$SOCKS" get "$l1" "$p1" "${other:-0}")
[ "$got" = "error ENOENT" ]
ktap_result $? "$DESC" || ktap_diag "get $l1 $p1 $other: $got"

next
bad=0 n=0
while read -r st l p; do
	n=$((n + 1))
	got=$(in_ns A "$SOCKS" get "$l" "$p" none)
	[ "$got" = "error ENOENT" ] || { bad=1; ktap_diag "AF_INET $st $l $p: $got"; }
done <"$TMP/A.inet"
[ "$n" -gt 0 ] || bad=1
ktap_result $bad "$DESC, $n sockets"

# filter_test STATE MASK
filter_test() {
	in_ns A "$SOCKS" dump "$2" >"$TMP/A.f"
	want A inetx "$1" >"$TMP/A.fw"
	tuples "$TMP/A.f" >"$TMP/A.fa"
	drop_stale A "$TMP/A.fa" >"$TMP/A.fg"
	dump_ok "$TMP/A.f" && [ -s "$TMP/A.fw" ] && same "$TMP/A.fw" "$TMP/A.fg"
}
holder_tw A
next; filter_test LISTEN 0x400; ktap_result $? "$DESC"
next; filter_test TIME-WAIT 0x40; ktap_result $? "$DESC"
next; filter_test ESTAB 0x2; ktap_result $? "$DESC"

next
in_ns A "$SOCKS" dump 0xfff info >"$TMP/A.info"
awk '
	$2 ~ /:/ {
		n++
		want = $1 == "TIME-WAIT" ? "info=-" : "info=" $1
		if ($6 != want) { bad++; print "# " $0 }
	}
	END { exit !(n > 0 && !bad) }' "$TMP/A.info"
ktap_result $? "$DESC"

ss_test() { # WANT-STATE(S) ARGS...: inetx-ss's rows vs the set
	local states=$1
	shift
	for s in $states; do want A inetx "$s"; done | sort >"$TMP/A.ssw"
	if ! in_ns A "$SS" "$@" >"$TMP/A.ss" 2>&1 ||
	   ! awk '{ print $1, $4, $5 }' "$TMP/A.ss" | sort >"$TMP/A.ssa" ||
	   ! drop_stale A "$TMP/A.ssa" >"$TMP/A.ssg" ||
	   ! [ -s "$TMP/A.ssw" ] || ! same "$TMP/A.ssw" "$TMP/A.ssg"; then
		ktap_diag "inetx-ss $*:"
		ktap_diag "$(cat "$TMP/A.ss")"
		return 1
	fi
}
if [ ! -x "$SS" ]; then
	for _ in 1 2 3 4 5 6; do next; ktap_skip "no $SS (make -C tools; needs libmnl-dev)" "$DESC"; done
else
	# A TIME-WAIT socket made just before each listing that wants one:
	# a loaded debug kernel took over 60 s for the listings before it.
	holder_tw A
	next; ss_test "LISTEN ESTAB TIME-WAIT" -H -n -a; ktap_result $? "$DESC"
	next; ss_test LISTEN -H -n -l; ktap_result $? "$DESC"
	next; ss_test ESTAB -H -n; ktap_result $? "$DESC"
	holder_tw A
	next; ss_test TIME-WAIT -H -n state time-wait; ktap_result $? "$DESC"

	next
	in_ns A "$SS" -H -n -p -l >"$TMP/A.ssp" 2>&1
	grep -q "users:((\"inetx_diag_sock\",pid=${HOLDER_PID[A]},fd=[0-9]*))" "$TMP/A.ssp"
	ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/A.ssp")"

	next
	in_ns A "$SS" -H -n -i >"$TMP/A.ssi" 2>&1
	awk '
		/^ESTAB/ { n++; getline; if (/^\t/ && /rtt:/ && /cwnd:/ && /bytes_acked:/) ok++ }
		END { exit !(n > 0 && n == ok) }' "$TMP/A.ssi"
	ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/A.ssi")"
fi

next
holder_start B 80
ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/B.set")"

next
in_ns B "$SOCKS" dump 0xfff >"$TMP/B.dump"
want B inetx >"$TMP/B.want"
tuples "$TMP/B.dump" >"$TMP/B.got"
dump_ok "$TMP/B.dump" && [ -s "$TMP/B.want" ] && same "$TMP/B.want" "$TMP/B.got"
ktap_result $? "$DESC"

next
if [ ! -x "$SS" ]; then
	ktap_skip "no $SS" "$DESC"
elif ! grep -qE '^http[[:space:]]+80/tcp' /etc/services 2>/dev/null; then
	ktap_skip "/etc/services has no http 80/tcp" "$DESC"
else
	in_ns B "$SS" -H -l >"$TMP/B.ss" 2>&1
	[ "$(awk '{ print $1, $4, $5 }' "$TMP/B.ss")" = "LISTEN 127.0.0.1:http 0.0.0.0:*" ]
	ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/B.ss")"
fi

next
"$SOCKS" dump 0xfff >"$TMP/root.dump"
for d in A B root; do
	grep -o 'cookie=[0-9a-f]*' "$TMP/$d.dump" | sort -u >"$TMP/$d.cookies"
done
dump_ok "$TMP/root.dump" &&
	[ -z "$(comm -12 "$TMP/A.cookies" "$TMP/B.cookies")" ] &&
	[ -z "$(comm -12 "$TMP/A.cookies" "$TMP/root.cookies")" ] &&
	[ -z "$(comm -12 "$TMP/B.cookies" "$TMP/root.cookies")" ] &&
	[ -s "$TMP/A.cookies" ] && [ -s "$TMP/B.cookies" ] &&
	[ "$(wc -l <"$TMP/A.cookies")" = "$(want A inetx | wc -l)" ] &&
	[ "$(wc -l <"$TMP/B.cookies")" = "$(want B inetx | wc -l)" ]
ktap_result $? "$DESC" || ktap_diag "this namespace's dump:
$(cat "$TMP/root.dump")"

holder_stop A
holder_stop B

refcnt_is() { [ "$(cat "/sys/module/$MOD/refcnt" 2>/dev/null)" = "$1" ]; }
# shellcheck disable=SC2317  # called through ktap_wait
refcnt_le1() { [ "$(cat "/sys/module/$MOD/refcnt" 2>/dev/null || echo 9)" -le 1 ]; }

# slow_round NAME HOW: HOW "finish" reads the dump to its end, "abandon"
# closes the socket. Results: pinned, refused, [completed], removed.
slow_round() {
	local n=$1 how=$2 fd pid rc out
	mkfifo "$TMP/$n.in"
	"$SOCKS" slowdump $SLOW_LISTENERS <"$TMP/$n.in" >"$TMP/$n.out" 2>&1 &
	pid=$!
	exec {fd}>"$TMP/$n.in"
	ktap_wait 120 grep -q '^paused' "$TMP/$n.out"
	if [ "$how" = finish ]; then
		next
		grep -qx 'pinned 1' "$TMP/$n.out" && grep -q '^paused [0-9]* in progress$' "$TMP/$n.out"
		ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/$n.out")"
	fi
	next
	# The listeners are freed after an RCU grace period; every other
	# inetx socket died with its namespace. Then only the dump holds it.
	if ktap_wait 120 refcnt_le1 && refcnt_is 1; then
		out=$(rmmod $MOD 2>&1)
		rc=$?
		[ $rc != 0 ] && [ -d /sys/module/$MOD ] && refcnt_is 1
		ktap_result $? "$DESC" || ktap_diag "rmmod: status $rc: $out"
	else
		ktap_result 1 "$DESC" || ktap_diag "refcnt $(cat /sys/module/$MOD/refcnt 2>/dev/null) (want 1: the dump's); $(cat "$TMP/$n.out")"
	fi
	if [ "$how" = finish ]; then
		echo finish >&"$fd"
	fi
	exec {fd}>&-
	wait "$pid"
	rc=$?
	if [ "$how" = finish ]; then
		next
		[ $rc = 0 ] && grep -q '^done [0-9]* complete$' "$TMP/$n.out"
		ktap_result $? "$DESC" || ktap_diag "$(cat "$TMP/$n.out")"
	fi
	next
	out=$(ktap_rmmod $MOD 120)
	ktap_result $? "$DESC" || ktap_diag "$out"
	ktap_diag "$(tr '\n' ' ' <"$TMP/$n.out")"
}

if [ -z "$KO" ]; then
	for _ in 1 2 3 4 5 6; do next; ktap_skip "no KO to reload" "$DESC"; done
	next; ktap_result 0 "$DESC"
	ktap_finish
fi

slow_round slow1 finish
out=$(ktap_insmod "$KO") || ktap_diag "insmod: $out"
slow_round slow2 abandon

next
if [ "$LOADED_AT_START" = 1 ]; then
	out=$(ktap_insmod "$KO")
	[ -d /sys/module/$MOD ]
else
	[ ! -d /sys/module/$MOD ]
fi
ktap_result $? "$DESC" || ktap_diag "insmod: ${out:-}"
ktap_finish
