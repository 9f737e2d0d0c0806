#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside a run-vm.sh guest (selftests/bench/run.sh boots it):
#
#   selftests/bench/guest.sh KO BENCH ROUNDS METRICS [REMOTE]
#
# Loads inetx (KO) and smc, then runs BENCH (tools/inetx_bench) for every
# metric in METRICS (words: METRIC or METRIC@N, N its amount of work) and
# every pair below, ROUNDS times.  Rounds alternate the order of the pairs:
# forward, then reversed, so that neither end of the order always runs
# first or last (after the same neighbours).  Within a round, a metric runs
# for all pairs before the next metric starts, so its pairs are measured
# close together.  AF_INET->AF_INET runs twice per round, the second time
# as an A/A control: the spread of its ratio to the first is the noise.
# With REMOTE, every server runs on that host (inetx_bench --serve REMOTE
# there, selftests/bench/twohost.sh) and this guest is the client.
#
# Results: one JSON line per run in $INETX_VM_OUT/results.jsonl, the
# guest's facts in $INETX_VM_OUT/guest.json; KTAP on stdout (one test per
# metric: ok if every pair ran in every round).
# shellcheck disable=SC2317  # functions run indirectly (ktap_check)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/../ktap.sh"

[ $# = 4 ] || [ $# = 5 ] || { echo "usage: $0 KO BENCH ROUNDS METRICS [REMOTE]" >&2; exit 2; }
# It loads modules: only in a run-vm.sh guest, never on a host.
[ "${INETX_VM:-}" = 1 ] || { echo "$0: runs in run-vm.sh guests only" >&2; exit 2; }
KO=$1 BENCH=$2 ROUNDS=$3 METRICS=$4 REMOTE=${5:-}
remote=()
[ -z "$REMOTE" ] || remote=(--remote "$REMOTE")
OUT=$INETX_VM_OUT
RES=$OUT/results.jsonl

# client server label; the last one is the A/A control.
PAIRS=(
	"inet inet inet->inet"
	"inetx inetx inetx->inetx"
	"inetx inet inetx->inet"
	"inet inetx inet->inetx"
	"smc smc smc->smc"
	"inet inet inet->inet(A/A)"
)

read -ra metrics <<<"$METRICS"
ktap_start $((2 + ${#metrics[@]}))
msg=$(ktap_insmod "$KO")
ktap_result $? "insmod inetx"
[ -z "$msg" ] || ktap_diag "$msg"
# Without RDMA or ISM devices AF_SMC falls back to TCP (or, where the
# kernel has SMC-D loopback, uses that).  A kernel without smc.ko (the
# development suite's 7.2 packages have none) runs the other pairs.
have_smc=1
if ! out=$(modprobe smc 2>&1); then
	have_smc=0
	ktap_skip "$out" "modprobe smc"
else
	ktap_result 0 "modprobe smc"
fi
smc_lo=0
[ -e /sys/module/smc_loopback ] || grep -qs smc_lo /proc/kallsyms && smc_lo=1
printf '{"kver": "%s", "nproc": %d, "inetx_family": %s, "smc_loopback_symbols": %d, "remote": "%s", "cmdline": "%s"}\n' \
	"$(uname -r)" "$(nproc)" "$(cat /sys/module/inetx/parameters/family 2>/dev/null || echo null)" \
	"$smc_lo" "$REMOTE" "$(cat /proc/cmdline)" >"$OUT/guest.json"
# 10,000 connections a side, and TIME_WAIT sockets of earlier runs.
ulimit -n 65536
: >"$RES"

seq=0
port=20000
declare -A failed
for ((r = 0; r < ROUNDS; r++)); do
	order=(0 1 2 3 4 5) dir=fwd
	if [ $((r % 2)) = 1 ]; then order=(5 4 3 2 1 0) dir=rev; fi
	t0=$(date +%s%N)
	for m in "${metrics[@]}"; do
		metric=${m%@*} nargs=()
		[ "$metric" = "$m" ] || nargs=(--n "${m#*@}")
		for p in "${order[@]}"; do
			read -r c s label <<<"${PAIRS[$p]}"
			[ "$c" != smc ] || [ "$have_smc" = 1 ] || continue
			seq=$((seq + 1)) port=$((port + 1))
			if line=$("$BENCH" --metric "$metric" --client "$c" --server "$s" \
					--port "$port" "${nargs[@]}" "${remote[@]}" 2>"$OUT/err"); then
				printf '{"seq": %d, "round": %d, "order": "%s", "metric": "%s", "pair": "%s", "result": %s}\n' \
					"$seq" "$r" "$dir" "$m" "$label" "$line" >>"$RES"
			else
				failed[$m]=1
				ktap_diag "round $r $m $label: $(cat "$OUT/err")"
			fi
		done
		ktap_diag "round $r: $m done"
	done
	ktap_diag "round $r ($dir) took $(ktap_elapsed "$t0") s of guest time"
done
for m in "${metrics[@]}"; do
	[ -z "${failed[$m]:-}" ]
	ktap_result $? "$m: all $((${#PAIRS[@]} - 1 + have_smc)) pairs in all $ROUNDS rounds"
done
ktap_finish
