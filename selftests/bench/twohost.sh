#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench over a real network device: the client in one guest, every
# server in another, joined by virtio-net.
#
#   selftests/bench/twohost.sh KVER OUT ROUNDS METRICS
#
# Started by selftests/bench/run.sh (BENCH_TWOHOST).  Boots two guests of
# KVER (selftests/vm/debian-dev.sh vm-args finds it) joined by virtio-net
# through two taps on a bridge, offloads on, in a network namespace of this
# script's own (selftests/vm/net-peer.sh; the host's network is untouched).
# Guest B (10.77.0.2) loads inetx and smc and runs
# "inetx_bench --serve 10.77.0.2"; guest A (10.77.0.1) runs
# selftests/bench/guest.sh with B as REMOTE: the same pairs, rounds and
# alternating order as on loopback, every server on B, then tells B to
# stop.  OUT/a is A's run-vm.sh result directory (results.jsonl,
# guest.json, host.json for tools/inetx-bench-report), OUT/b is B's.
#
# The guests' clock is the host's (QEMU -icount cannot be used: a guest's
# virtual time would stop while it waits for the other's packets), each
# guest has one vCPU, so the two use the two host CPUs; the A/A control
# shows how much noise that leaves.
#
# Environment: BENCH_TIMEOUT (seconds per guest, default 1500),
# INETX_BIN (where inetx_bench is, default build/tools).
#
# Inside the guests (run-vm.sh runs this script again):
#   twohost.sh --guest a KO BENCH ROUNDS METRICS
#   twohost.sh --guest b KO BENCH
# shellcheck disable=SC2317  # functions run indirectly (ktap_wait)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$TOP/selftests/ktap.sh"
# shellcheck source=selftests/vm/net-peer.sh
. "$TOP/selftests/vm/net-peer.sh"
NET=10.77.0
CTL_PORT=19999	# inetx_bench.c's SERVE_PORT

# B's control port answers (an empty request is a probe it ignores).
serving() { (echo >"/dev/tcp/$NET.2/$CTL_PORT") 2>/dev/null; }

if [ "${1:-}" = --guest ]; then
	role=$2 ko=$3 bench=$4
	out=$INETX_VM_OUT
	if [ "$role" = b ]; then
		msg=$(ktap_insmod "$ko") || { echo "twohost b: insmod: $msg" >&2; exit 1; }
		modprobe smc 2>/dev/null || echo "twohost b: no smc" >&2
		dev=$(net_peer_up "$NET.2/24") || { echo "twohost b: no link" >&2; exit 1; }
		echo "twohost b: $dev offloads: $(offloads "$dev")" >&2
		ulimit -n 65536
		exec "$bench" --serve "$NET.2"
	fi
	rounds=$5 metrics=$6
	dev=$(net_peer_up "$NET.1/24") || { echo "twohost a: no link" >&2; exit 1; }
	echo "twohost a: $dev offloads: $(offloads "$dev")" >&2
	if ! ktap_wait 300 serving; then
		echo "twohost a: B's inetx_bench --serve did not answer on $NET.2:$CTL_PORT" >&2
		exit 1
	fi
	# guest.sh loads inetx and smc.
	"$TOP/selftests/bench/guest.sh" "$ko" "$bench" "$rounds" "$metrics" "$NET.2"
	rc=$?
	(echo quit >"/dev/tcp/$NET.2/$CTL_PORT") 2>/dev/null || echo "twohost a: could not stop B" >&2
	exit $rc
fi

[ $# = 4 ] || { sed -n '4,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
KVER=$1 OUT=$2 ROUNDS=$3 METRICS=$4
TIMEOUT=${BENCH_TIMEOUT:-1500}
BIN=${INETX_BIN:-$TOP/build/tools}
KO=$TOP/build/$KVER/module/inetx.ko
for f in "$KO" "$BIN/inetx_bench"; do
	[ -r "$f" ] || { echo "bench twohost: no $f" >&2; exit 2; }
done
if [ -z "${INETX_BENCH_NETNS:-}" ]; then
	INETX_BENCH_NETNS=1 exec unshare --net -- "$0" "$@"
fi
net_peer_taps || { echo "bench twohost: cannot set up the bridge and taps" >&2; exit 1; }
args=$("$TOP/selftests/vm/debian-dev.sh" vm-args "$KVER") ||
	{ echo "bench twohost: $KVER: no such kernel" >&2; exit 1; }
mapfile -t vmk <<<"$args"
mkdir -p "$OUT/a" "$OUT/b"
OUT=$(cd "$OUT" && pwd -P)
t0=$(date +%s)
pids=()
for r in b a; do
	if [ $r = a ]; then gargs=("$ROUNDS" "$METRICS"); else gargs=(); fi
	INETX_VM_QEMU_ARGS="-smp 1" nice -n 15 "$TOP/selftests/vm/run-vm.sh" "${vmk[@]}" \
		--out "$OUT/$r" --timeout "$TIMEOUT" --quiet --append slab_nomerge \
		--net-peer "tap:inx$r" -- \
		"$0" --guest "$r" "$KO" "$BIN/inetx_bench" "${gargs[@]}" >"$OUT/$r.log" 2>&1 &
	pids+=($!)
done
rc=0
wait "${pids[1]}" || rc=1	# A, the client
wait "${pids[0]}" || rc=1
printf '{"kver": "%s", "setup": "two VMs, virtio-net", "clock": "wall", "qemu_args": "-smp 1, two guests", "rounds": %d, "wall_s": %d}\n' \
	"$KVER" "$ROUNDS" "$(($(date +%s) - t0))" >"$OUT/a/host.json"
grep -h '^ok\|^not ok' "$OUT/a.log" | sed "s/^/bench twohost $KVER: /"
for r in a b; do
	echo "bench twohost $KVER guest $r: $(cat "$OUT/$r/run-vm.status" 2>/dev/null)"
done
exit $rc
