#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: inetx against AF_INET and AF_SMC, one VM per kernel.
#
#   selftests/bench/run.sh		(the top Makefile's "make bench")
#
# Builds the module for each kernel (make KVER=...) and tools/inetx_bench
# (make -C tools), boots every kernel at once through selftests/vm/run-vm.sh
# (niced; with -icount the results do not depend on how busy the host is)
# and runs selftests/bench/guest.sh there: every metric for six
# client->server pairs over loopback, AF_INET->AF_INET twice (the second an
# A/A control), in rounds of alternating order.  Then, one kernel at a
# time, the same between two guests over virtio-net
# (selftests/bench/twohost.sh, wall clock).  Then tools/inetx-bench-report
# writes docs/bench.md, docs/bench.png, docs/bench.json and docs/bench.csv
# from all results.
#
# Environment:
#   BENCH_KVERS    kernels, default the newest installed 6.1 and 6.12; one
#                  not installed (7.2.13+deb14-amd64) boots from Debian's
#                  development suite (selftests/vm/debian-dev.sh vm-args)
#   BENCH_CLOCK    icount (default): QEMU -icount, the guest's clock
#                  follows the instructions it executes, so host load does
#                  not show in the results; wall: the guest's clock is the
#                  host's (noisy on a shared machine)
#   BENCH_ICOUNT   -icount's value, default shift=0,sleep=off (a fixed 1 ns
#                  per instruction; idle time is skipped, not waited out)
#   BENCH_SMP      guest CPUs, default 1: -icount runs the vCPUs in turn
#                  on one host thread anyway, and with 2 the A/A control
#                  spread 2-3 times as wide (6.12: rr 1.018..1.030 against
#                  0.999..1.000, crr 1.004..1.007 against 0.999..1.002)
#   BENCH_ROUNDS   rounds, default 5 (at least 5 for a report)
#   BENCH_METRICS  metrics for tools/inetx_bench, METRIC or METRIC@N
#                  (N its amount of work, else inetx_bench's default),
#                  default below
#   BENCH_OUT      result directory, default build/bench (per kernel a
#                  run-vm.sh result directory with results.jsonl)
#   BENCH_DOCS     where the report goes, default docs/ (bench.md, .png,
#                  .json, .csv)
#   BENCH_TIMEOUT  seconds per VM, default 1500
#   BENCH_TWOHOST  metrics between two guests over virtio-net, default
#                  below; "none" leaves that part out (create and mem do
#                  not cross the link: the loopback run has them).  Bulk
#                  moves 144 MiB there: with 48 MiB a run took half a
#                  second of wall clock and its A/A control spread 0.88..2.19
#
# Exit status: non-zero if a kernel's run failed (its results, if any,
# are still in the report).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
cd "$TOP"
start=$(date +%s)

# shellcheck disable=SC2012  # kernel versions have no odd characters
newest() { ls /boot/vmlinuz-"$1"* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1; }
KVERS=${BENCH_KVERS:-"$(newest '6.1.0-') $(newest '6.12.')"}
CLOCK=${BENCH_CLOCK:-icount}
ICOUNT=${BENCH_ICOUNT:-shift=0,sleep=off}
SMP=${BENCH_SMP:-1}
ROUNDS=${BENCH_ROUNDS:-5}
METRICS=${BENCH_METRICS:-bulk rr crr crr_rst accept create mem@1000 mem@10000}
OUT=${BENCH_OUT:-$TOP/build/bench}
DOCS=${BENCH_DOCS:-$TOP/docs}
TIMEOUT=${BENCH_TIMEOUT:-1500}
TWOHOST=${BENCH_TWOHOST:-bulk@2304 rr crr crr_rst accept}

case "$CLOCK" in
icount) qemu_args="-smp $SMP -icount $ICOUNT" ;;
wall) qemu_args="-smp $SMP" ;;
*) echo "bench: BENCH_CLOCK is icount or wall" >&2; exit 2 ;;
esac

echo "bench: kernels $KVERS; clock $CLOCK ($qemu_args); $ROUNDS rounds; metrics $METRICS"
mkdir -p "$(dirname "$OUT")"
# shellcheck disable=SC2086  # KVERS is a list of words
nice -n 15 make --no-print-directory KVER="$KVERS" >"$OUT.build.log" 2>&1 ||
	{ cat "$OUT.build.log" >&2; echo "bench: module build failed" >&2; exit 1; }
nice -n 15 make --no-print-directory -C tools >>"$OUT.build.log" 2>&1 ||
	{ cat "$OUT.build.log" >&2; echo "bench: tools build failed" >&2; exit 1; }
echo "bench: built in $(($(date +%s) - start)) s"

rm -rf "$OUT"
mkdir -p "$OUT"
rc=0
dirs=()
pids=()
for k in $KVERS; do
	if ! args=$(selftests/vm/debian-dev.sh vm-args "$k" 2>"$OUT/$k.vm-args.log"); then
		echo "bench: $k: no such kernel (installed or in the development suite)" >&2
		rc=1
		continue
	fi
	mapfile -t vmk <<<"$args"
	(
		t=$(date +%s)
		r=0
		INETX_VM_QEMU_ARGS=$qemu_args nice -n 15 selftests/vm/run-vm.sh "${vmk[@]}" \
			--out "$OUT/$k" --timeout "$TIMEOUT" --quiet --append slab_nomerge -- \
			selftests/bench/guest.sh "build/$k/module/inetx.ko" "build/tools/inetx_bench" \
			"$ROUNDS" "$METRICS" >"$OUT/$k.log" 2>&1 || r=1
		echo "bench: $k took $(($(date +%s) - t)) s"
		printf '{"kver": "%s", "clock": "%s", "qemu_args": "%s", "rounds": %d, "wall_s": %d}\n' \
			"$k" "$CLOCK" "$qemu_args" "$ROUNDS" "$(($(date +%s) - t))" >"$OUT/$k/host.json"
		exit $r
	) &
	pids+=($!)
	dirs+=("$OUT/$k")
done
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
for k in $KVERS; do
	[ ! -e "$OUT/$k.log" ] || grep -h '^ok\|^not ok' "$OUT/$k.log" | sed "s/^/bench: $k: /"
done
if [ "$TWOHOST" != none ]; then
	for k in $KVERS; do
		[ -d "$OUT/$k" ] || continue
		t=$(date +%s)
		selftests/bench/twohost.sh "$k" "$OUT/twohost-$k" "$ROUNDS" "$TWOHOST" || rc=1
		echo "bench: $k, two VMs, took $(($(date +%s) - t)) s"
		dirs+=("$OUT/twohost-$k/a")
	done
fi

[ ${#dirs[@]} -gt 0 ] || { echo "bench: no kernel ran" >&2; exit 1; }
mkdir -p "$DOCS"
tools/inetx-bench-report --out "$DOCS" --total-wall "$(($(date +%s) - start))" "${dirs[@]}" || rc=1
echo "bench: report in $DOCS/bench.md and $DOCS/bench.png; whole run $(($(date +%s) - start)) s"
exit "$rc"
