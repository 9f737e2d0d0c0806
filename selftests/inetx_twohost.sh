#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_twohost.sh: inetx between two hosts over a real network device.
#
#   selftests/inetx_twohost.sh --kver KVER --out DIR [--kernel IMAGE
#                              --modroot MODDIR] [--ko KO] [--timeout SECS]
#
# --timeout: per guest, default 900 s + 4 s per MiB.
#
# Boots two guests of one kernel (selftests/vm/run-vm.sh) joined by a
# virtio-net link (run-vm.sh --net-peer), offloads on: two taps on a bridge
# in a network namespace of this script's own (unshare --net; the host's
# network is not touched and the namespace goes with the script).
# INETX_TWOHOST_NET=udp joins them by a QEMU UDP socket on the host's
# loopback instead (no offloads then, see run-vm.sh).  Guest A is
# 10.77.0.1/24, B is 10.77.0.2/24.  Both load inetx (KO, default build/KVER/module/inetx.ko).
# Then, twice, the second time with netem on A's NIC (loss 5%, 25%
# reordered, 2% duplicated, 5 ms delay):
#   - an inetx client on A sends to an AF_INET server on B,
#   - an AF_INET client on B sends to an inetx server on A,
# INETX_TWOHOST_MIB MiB each way (default 64; 1024 is the long mode), both
# directions at once, every transfer checked by the SHA-256 of the bytes
# sent against that of the bytes received (selftests/inetx_xfer).  A's TCP
# retransmission counters must move under netem (A is the inetx side).
# INETX_TWOHOST_NETEM replaces that netem setting (e.g. "delay 5ms",
# which loses nothing: the counter check must then fail).
# At the end inetx is removed on both (ktap_rmmod) and run-vm.sh checks
# each guest's kernel log and taint.
#
# DIR/a and DIR/b are run-vm.sh result directories (twohost.ktap inside,
# read by selftests/vm/summarize.sh); stdout is a KTAP summary with one
# result per guest, bytes, counter deltas and the wall time.
#
# VM slots (INETX_VM_SLOTS, make check): the two guests must run at the
# same time, so the pair takes two slots at once before booting either
# (run-vm.sh --take-slots 2), never one while waiting for the other.
#
# INETX_BIN: where inetx_xfer is (default build/selftests).
# Inside a guest (run-vm.sh runs this script again):
#   inetx_twohost.sh --guest a|b KO BYTES BIN NETEM
# shellcheck disable=SC2317  # functions run indirectly (ktap_wait, ktap_check)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
# shellcheck source=selftests/vm/net-peer.sh
. "$HERE/vm/net-peer.sh"
BIN=${INETX_BIN:-$TOP/build/selftests}
NET=10.77.0
PORT_AB=7000	# + phase: B's AF_INET server, A's inetx client
PORT_BA=7100	# + phase: A's inetx server, B's AF_INET client
NETEM=${INETX_TWOHOST_NETEM:-loss 5% reorder 25% 50% duplicate 2% delay 5ms}
COUNTERS="Tcp.RetransSegs TcpExt.TCPLostRetransmit TcpExt.TCPFastRetrans TcpExt.TCPSlowStartRetrans TcpExt.TCPTimeouts TcpExt.TCPSackRecovery TcpExt.TCPDSACKRecv TcpExt.TCPOFOQueue"

# "Group.Name value" for every counter of /proc/net/snmp and netstat.
counters() {
	awk '{ g = substr($1, 1, length($1) - 1)
	       if (!(g in hdr)) { for (i = 2; i <= NF; i++) name[g, i] = $i; hdr[g] = 1; next }
	       for (i = 2; i <= NF; i++) print g "." name[g, i], $i
	       delete hdr[g] }' /proc/net/snmp /proc/net/netstat
}

# "Name delta ..." for COUNTERS between two counters() outputs.
deltas() { # BEFORE AFTER
	awk -v want="$COUNTERS" 'BEGIN { n = split(want, w, " ") }
	FNR == NR { a[$1] = $2; next } { b[$1] = $2 }
	END { for (i = 1; i <= n; i++) printf "%s %d%s", w[i], b[w[i]] - a[w[i]], i < n ? " " : "\n" }' "$1" "$2"
}

guest() { # a|b KO BYTES
	local role=$1 ko=$2 bytes=$3 msg me peer dev out p rc rrc t0 fam close_arg rport sport rpid phase
	out=$INETX_VM_OUT
	# The KTAP document goes straight to the result directory.
	exec >"$out/twohost.ktap"
	# A is the inetx side; the AF_INET side closes first (inetx_xfer.c).
	if [ "$role" = a ]; then
		me=$NET.1 peer=$NET.2 fam=inetx close_arg="" rport=$PORT_BA sport=$PORT_AB
	else
		me=$NET.2 peer=$NET.1 fam=inet close_arg=close rport=$PORT_AB sport=$PORT_BA
	fi
	if [ "$role" = a ]; then ktap_start 10; else ktap_start 8; fi
	ktap_diag "guest $role ($me), kernel $(uname -r), $bytes bytes each way per phase"
	msg=$(ktap_insmod "$ko")
	ktap_result $? "insmod inetx"
	[ -z "$msg" ] || ktap_diag "$msg"
	dev=$(net_peer_up "$me/24")
	ktap_result $? "virtio-net link $dev up as $me/24"
	ktap_diag "$dev offloads (virtio-net features): $(offloads "$dev")"
	if ! ktap_check "peer $peer answers" ktap_wait 300 ping_peer "$peer"; then
		# Every transfer would wait for its own timeout: stop here.
		echo "Bail out! no link to $peer"
		exit 1
	fi

	for p in 1 2; do
		phase=clean
		if [ $p = 2 ]; then
			phase="netem on A"
			if [ "$role" = a ]; then
				modprobe sch_netem
				# shellcheck disable=SC2086  # NETEM is a list of words
				tc qdisc add dev "$dev" root netem $NETEM
				ktap_result $? "netem $NETEM on $dev"
				counters >"$out/counters-before"
			fi
		fi
		t0=$(date +%s%N)
		# Our server (the peer's client sends to it) and our client at once.
		"$BIN/inetx_xfer" recv "$fam" $((rport + p)) "$bytes" $close_arg \
			>"$out/recv-$p.txt" 2>&1 &
		rpid=$!
		"$BIN/inetx_xfer" send "$fam" "$peer" $((sport + p)) "$bytes" "$p${me##*.}" \
			$close_arg >"$out/send-$p.txt" 2>&1
		rc=$?
		wait $rpid
		rrc=$?
		ktap_diag "$(cat "$out/send-$p.txt" "$out/recv-$p.txt")"
		if [ "$role" = a ]; then
			ktap_result $rc "$phase: inetx client -> AF_INET server on B, sha256 match"
			ktap_result $rrc "$phase: AF_INET client on B -> inetx server, received"
		else
			ktap_result $rrc "$phase: AF_INET server, received from inetx client on A"
			ktap_result $rc "$phase: AF_INET client -> inetx server on A, sha256 match"
		fi
		ktap_diag "$phase: both directions took $(ktap_elapsed "$t0") s"
	done

	if [ "$role" = a ]; then
		counters >"$out/counters-after"
		deltas "$out/counters-before" "$out/counters-after" >"$out/counter-deltas"
		ktap_diag "counter deltas under netem: $(cat "$out/counter-deltas")"
		ktap_diag "$(tc -s qdisc show dev "$dev")"
		[ "$(awk '{ print $2 }' "$out/counter-deltas")" -gt 0 ]
		ktap_result $? "netem: TCP retransmissions on A (Tcp.RetransSegs moved)"
	fi
	msg=$(ktap_rmmod inetx 90)
	ktap_result $? "rmmod inetx"
	ktap_diag "$msg"
	ktap_finish
}

if [ "${1:-}" = --guest ]; then
	[ $# = 6 ] || { echo "usage: $0 --guest a|b KO BYTES BIN NETEM" >&2; exit 2; }
	# It loads the module: only in a run-vm.sh guest, never on a host.
	[ "${INETX_VM:-}" = 1 ] || { echo "$0: --guest runs in run-vm.sh guests only" >&2; exit 2; }
	BIN=$5 NETEM=$6
	guest "$2" "$3" "$4"
fi

# ---- host side -------------------------------------------------------------
# The pair boots at once: two slots taken together (see the header).
if [ -n "${INETX_VM_SLOTS:-}" ]; then
	exec "$TOP/selftests/vm/run-vm.sh" --take-slots 2 -- "$0" "$@"
fi
NETMODE=${INETX_TWOHOST_NET:-tap}
case "$NETMODE" in tap|udp) ;; *) echo "inetx_twohost: INETX_TWOHOST_NET is tap or udp" >&2; exit 2 ;; esac
NOTE=""
if [ "$NETMODE" = tap ] && [ -z "${INETX_TWOHOST_NETNS:-}" ]; then
	if unshare --net true 2>/dev/null; then
		INETX_TWOHOST_NETNS=1 exec unshare --net -- "$0" "$@"
	fi
	NETMODE=udp NOTE=" (no network namespace for taps, not root?)"
fi
KVER="" OUT="" KO="" TIMEOUT="" VMARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) KVER=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--ko) KO=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--kernel|--modroot) VMARGS+=("$1" "$2"); shift 2 ;;
	*) sed -n '4,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
if [ -z "$KVER" ] || [ -z "$OUT" ]; then
	echo "inetx_twohost: --kver and --out are needed" >&2
	exit 2
fi
KO=${KO:-$TOP/build/$KVER/module/inetx.ko}
MIB=${INETX_TWOHOST_MIB:-64}
case "$MIB" in ''|*[!0-9]*|0) echo "inetx_twohost: INETX_TWOHOST_MIB wants MiB" >&2; exit 2 ;; esac
# Under TCG both phases take about 2 s per MiB (the lossy one most).
TIMEOUT=${TIMEOUT:-$((900 + 4 * MIB))}
for f in "$KO" "$BIN/inetx_xfer"; do
	[ -r "$f" ] || { echo "inetx_twohost: no $f (make; make -C selftests)" >&2; exit 2; }
done
mkdir -p "$OUT/a" "$OUT/b"
OUT=$(cd "$OUT" && pwd -P)
if [ "$NETMODE" = tap ]; then
	# In our own network namespace: fixed names cannot clash.
	net_a=tap:inxa net_b=tap:inxb
	if ! net_peer_taps; then
		echo "inetx_twohost: cannot set up the bridge and taps" >&2
		exit 1
	fi
else
	# Two UDP ports on 127.0.0.1, from our PID: runs side by side get
	# different ones.
	lport=$((20000 + ($$ % 10000) * 2))
	net_a=$lport:$((lport + 1)) net_b=$((lport + 1)):$lport
fi

ktap_start 2
ktap_diag "kernel $KVER: two guests linked by $NETMODE$NOTE, ${MIB} MiB each way per phase, netem: $NETEM"
t0=$(date +%s%N)
pids=()
for r in a b; do
	if [ $r = a ]; then net=$net_a; else net=$net_b; fi
	"$TOP/selftests/vm/run-vm.sh" --kver "$KVER" "${VMARGS[@]}" --out "$OUT/$r" \
		--timeout "$TIMEOUT" --silent --net-peer "$net" -- \
		"$TOP/selftests/inetx_twohost.sh" --guest "$r" "$KO" $((MIB << 20)) "$BIN" "$NETEM" >"$OUT/$r.log" 2>&1 &
	pids+=($!)
done
for i in 0 1; do
	r=$([ $i = 0 ] && echo a || echo b)
	wait "${pids[$i]}"
	rc=$?
	# summarize.sh's label for the directory.
	[ ! -e "$OUT/$r/kver" ] || echo "$KVER twohost guest $(echo "$r" | tr ab AB)" >"$OUT/$r/kver"
	ktap_diag "$(tail -n 3 "$OUT/$r.log")"
	ktap_result $rc "guest $r: $(grep -c '^ok' "$OUT/$r/twohost.ktap" 2>/dev/null) ok, $(grep -c '^not ok' "$OUT/$r/twohost.ktap" 2>/dev/null) not ok, $(cat "$OUT/$r/run-vm.status" 2>/dev/null)"
done
ktap_diag "retransmission counters on A under netem: $(cat "$OUT/a/counter-deltas" 2>/dev/null)"
ktap_diag "wall time for $KVER: $(ktap_elapsed "$t0") s"
ktap_finish
