#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_selftests.sh KO OUTDIR: the guest-side driver of the inetx selftests.
#
# Runs as root inside the QEMU guest (selftests/vm/run-vm.sh ... --
# selftests/run_selftests.sh KO OUTDIR); never on a host, it loads KO.
# The C programs must have been built on the host first (make -C selftests;
# the guest sees the repository read-only), into build/selftests or $INETX_BIN.
#
# Order: inetx_module.sh (leaves inetx unloaded), inetx_races.sh (root
# only: the race loops, which load and unload inetx; leaves it unloaded),
# insmod KO,
# inetx_layers.sh, every C test as root and again as nobody,
# inetx_coexist.sh (root only: the coexistence suite, which unloads and
# reloads inetx and leaves it loaded), inetx_wire.sh, inetx_stat.sh
# (counters and tracepoints), inetx_diag.sh (sock_diag and inetx-ss;
# unloads and reloads inetx), inetx_run_apps.sh (real servers and clients
# under inetx-run), inetx_trace.sh (inetx-trace on the seed), inetx_fuzz
# (root), rmmod, kernel log check.
#
# inetx_fuzz runs for INETX_FUZZ_SECONDS (default 180; 14400 is the long
# mode) with INETX_FUZZ_THREADS threads (default 4) and seed
# INETX_FUZZ_SEED (default: today's UTC date as YYYYMMDD, so the kernels of
# one make check get the same seed and every day a new one). The seed and a
# replay command line are in inetx_fuzz.ktap.
# The C tests never leave an inetx socket in TIME_WAIT; the rmmod step
# makes one on purpose just before the fuzzer, checks that it pins the
# module, and after the fuzzer waits for the module's references to go
# (TIME_WAIT lasts 60 s) and removes it: the wait is reported, not a
# failure, but references left 90 s after the fuzzer are.
#
# OUTDIR gets one KTAP document per step: <name>.ktap (stdout) and
# <name>.err (stderr) for each program, <name>-nobody.ktap for the
# unprivileged runs, inetx_races.ktap, inetx_coexist.ktap,
# inetx_stat.ktap, inetx_diag.ktap, inetx_run_apps.ktap, inetx_trace.ktap, inetx_fuzz.ktap,
# rmmod.ktap and kernel_log.ktap. Stdout is a KTAP
# summary with one result per step, then "selftests: N passed, N failed,
# N skipped" over all results. Exit status: 0 only if nothing failed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
KO=${1:-}
OUT=${2:-}
MOD=inetx
export INETX_BIN=${INETX_BIN:-$TOP/build/selftests}
export INETX_REQUIRE=1		# in the guest a missing family is a failure
CTESTS=(inetx_create inetx_connect inetx_data inetx_parity)
FUZZ_SECONDS=${INETX_FUZZ_SECONDS:-180}
FUZZ_SEED=${INETX_FUZZ_SEED:-$(date -u +%Y%m%d)}
FUZZ_THREADS=${INETX_FUZZ_THREADS:-4}
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
DOCS=()

# Check one KTAP document: exit status, no "not ok", plan fully run.
ktap_ok() { # FILE RC
	awk -v rc="$2" '
	/^1\.\.[0-9]+/ && !plan { plan = substr($0, 4) + 0 }
	/^ok [0-9]+/ { n++; if (/# SKIP/) s++; else p++ }
	/^not ok [0-9]+/ { n++; f++ }
	/^Bail out!/ { bail = 1 }
	END {
		printf "pass %d fail %d skip %d of plan %d, exit %d%s\n",
		       p, f, s, plan, rc, bail ? ", bailed out" : ""
		exit !(rc == 0 && !f && !bail && plan > 0 && n == plan)
	}' "$1"
}

# run_doc NAME SECS CMD...: CMD's KTAP to OUTDIR/NAME.ktap, one summary result.
run_doc() {
	local name=$1 secs=$2 rc t0 summary
	shift 2
	t0=$(date +%s)
	timeout -k 10 "$secs" "$@" >"$OUT/$name.ktap" 2>"$OUT/$name.err" </dev/null
	rc=$?
	[ $rc = 124 ] && echo "Bail out! $name killed after $secs s" >>"$OUT/$name.ktap"
	DOCS+=("$OUT/$name.ktap")
	summary=$(ktap_ok "$OUT/$name.ktap" $rc)
	ktap_result $? "$name ($summary, $(($(date +%s) - t0)) s)"
	[ -s "$OUT/$name.err" ] && ktap_diag "$name stderr: $(head -c 2000 "$OUT/$name.err")"
}

# The final rmmod, in two parts around the fuzzer. An inetx socket left in
# TIME_WAIT on purpose must keep the module (its timer runs module code for
# 60 s), then let it go: the fuzzer runs meanwhile, so its minutes cover
# the 60 s instead of a VM that only waits.
rmmod_pin_doc() {
	local out fam refs
	echo "KTAP version 1"
	echo "1..4"
	fam=$(cat "/sys/module/$MOD/parameters/family" 2>/dev/null)
	if "$INETX_BIN/inetx_hold" timewait "${fam:-18}"; then
		echo "ok 1 an actively closed inetx connection leaves a TIME_WAIT socket"
	else
		echo "not ok 1 an actively closed inetx connection leaves a TIME_WAIT socket"
	fi
	refs=$(cat "/sys/module/$MOD/refcnt" 2>/dev/null)
	out=$(rmmod "$MOD" 2>&1)
	echo "# with no inetx socket open: refcnt ${refs:-?}, rmmod: ${out:-succeeded}"
	if [ "${refs:-0}" -gt 0 ] && [[ "$out" == *"in use"* ]]; then
		echo "ok 2 the TIME_WAIT socket holds a module reference (rmmod refused)"
	else
		echo "not ok 2 the TIME_WAIT socket holds a module reference (rmmod refused)"
	fi
	PINNED_AT=$(date +%s)
}

rmmod_doc() {
	local out rc since=$(($(date +%s) - ${PINNED_AT:-0}))
	out=$(ktap_rmmod "$MOD" 90)
	rc=$?
	echo "# rmmod: $out, $since s after the TIME_WAIT socket was made (TIME_WAIT lasts 60 s)"
	if [ $rc = 0 ] && [ ! -d "/sys/module/$MOD" ]; then
		echo "ok 3 rmmod $MOD succeeds once its TIME_WAIT socket is gone (within 90 s)"
	else
		echo "not ok 3 rmmod $MOD succeeds once its TIME_WAIT socket is gone (within 90 s)"
	fi
	if "$INETX_BIN/inetx_hold" tcp; then
		echo "ok 4 system TCP works after the final rmmod"
	else
		echo "not ok 4 system TCP works after the final rmmod"
	fi
}

kernel_log_doc() {
	local bad leaks
	echo "KTAP version 1"
	echo "1..2"
	bad=$(dmesg 2>/dev/null | sed -n "/$START_MARK\$/,\$p" |
		grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|UBSAN|KASAN|kmemleak|refcount_t|list_(add|del) corruption|circular locking|INFO: task .* blocked')
	if [ -z "$bad" ]; then
		echo "ok 1 kernel log: no warnings during the selftests"
	else
		printf '%s\n' "$bad" | head -n 60 | sed 's/^/# /'
		echo "not ok 1 kernel log: no warnings during the selftests"
	fi
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		leaks=$(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak)
		echo "# kmemleak: $leaks unreferenced objects in total"
		if grep -q inetx /sys/kernel/debug/kmemleak; then
			grep -B2 -A20 inetx /sys/kernel/debug/kmemleak | head -n 60 | sed 's/^/# /'
			echo "not ok 2 kmemleak: no leak with inetx in its backtrace"
		else
			echo "ok 2 kmemleak: no leak with inetx in its backtrace"
		fi
	else
		echo "ok 2 kmemleak: no leak with inetx in its backtrace # SKIP no kmemleak"
	fi
}

ktap_start $((13 + 2 * ${#CTESTS[@]}))

if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ] || [ -z "$OUT" ] || [ ! -d "$OUT" ] ||
	[ ! -w "$OUT" ]; then
	ktap_diag "usage: run_selftests.sh KO OUTDIR (as root, OUTDIR writable)"
	echo "Bail out! preconditions"
	exit 1
fi
for p in "${CTESTS[@]}" inetx_hold inetx_coexist inetx_races inetx_fuzz inetx_stat; do
	if [ ! -x "$INETX_BIN/$p" ]; then
		ktap_diag "$INETX_BIN/$p missing: run 'make -C selftests' on the host first"
		echo "Bail out! selftests not built"
		exit 1
	fi
done
ktap_diag "kernel $(uname -r), module $KO"
ip link set lo up 2>/dev/null
START_MARK="run_selftests.sh start $$ $(date +%s)"
echo "$START_MARK" >/dev/kmsg
ktap_pin_keys "$OUT"

run_doc inetx_module 600 "$HERE/inetx_module.sh" "$KO"

# Bounded by time: about a minute; INETX_RACES_LONG=1 about half an hour.
races_secs=900
[ "${INETX_RACES_LONG:-0}" != 1 ] || races_secs=7200
run_doc inetx_races "$races_secs" "$HERE/inetx_races.sh" "$KO"

out=$(ktap_insmod "$KO")
ktap_result $? "insmod $(basename "$KO") for the C tests${out:+: $out}"

# Which layers are inetx's own on this kernel, and does connect agree.
run_doc inetx_layers 300 "$HERE/inetx_layers.sh" "$KO"

for t in "${CTESTS[@]}"; do
	run_doc "$t" 900 "$INETX_BIN/$t"
done
# Unprivileged parity runs make veth pairs in namespaces of their own but
# cannot load veth, nor can the guest's kernel autoload it.
modprobe -q veth || ktap_diag "modprobe veth failed"
for t in "${CTESTS[@]}"; do
	run_doc "$t-nobody" 900 "${NOBODY[@]}" "$INETX_BIN/$t"
done

# Once, as root: it drops privileges itself where a case needs that.
run_doc inetx_coexist 1800 "$HERE/inetx_coexist.sh" "$KO"

run_doc inetx_wire 300 "$HERE/inetx_wire.sh" "$KO"
run_doc inetx_stat 600 "$HERE/inetx_stat.sh" "$KO"
run_doc inetx_diag 600 "$HERE/inetx_diag.sh" "$KO"

# Unmodified programs (nginx, redis, sshd, Go...) put on inetx by inetx-run.
if [ "${INETX_RUN_APPS:-1}" = 1 ]; then
	run_doc inetx_run_apps 900 "$HERE/inetx_run_apps.sh" "$KO"
else
	ktap_skip "INETX_RUN_APPS=0 (debug kernel: too slow, no seccomp user notification)" \
		"inetx_run_apps"
fi

# inetx-trace on the seed's client (skips where function_graph is missing).
run_doc inetx_trace 600 "$HERE/inetx_trace.sh" "$KO"

# The final rmmod's TIME_WAIT socket, made now so that it expires under
# the fuzzer (rmmod_pin_doc).
rmmod_pin_doc >"$OUT/rmmod.ktap" 2>"$OUT/rmmod.err"

# Random operations on shared inetx and AF_INET sockets; the kernel log
# check below is most of what it is for. In a network namespace of its own:
# its TIME_WAIT sockets go with it and its orphans retry once, so the final
# rmmod waits no longer for them (in init_net: 105 s on 6.12).
ktap_diag "inetx_fuzz: seed $FUZZ_SEED, $FUZZ_SECONDS s, $FUZZ_THREADS threads"
run_doc inetx_fuzz $((FUZZ_SECONDS + 300)) "$INETX_BIN/inetx_fuzz" --seed "$FUZZ_SEED" \
	--seconds "$FUZZ_SECONDS" --threads "$FUZZ_THREADS" --netns
grep -E '^# (replay|[0-9]+ operations|known kernel defect)' "$OUT/inetx_fuzz.ktap"

rmmod_doc >>"$OUT/rmmod.ktap" 2>>"$OUT/rmmod.err"
DOCS+=("$OUT/rmmod.ktap")
summary=$(ktap_ok "$OUT/rmmod.ktap" 0)
ktap_result $? "rmmod ($summary)"
grep '^# rmmod' "$OUT/rmmod.ktap"

ktap_unpin_keys
kernel_log_doc >"$OUT/kernel_log.ktap" 2>"$OUT/kernel_log.err"
DOCS+=("$OUT/kernel_log.ktap")
summary=$(ktap_ok "$OUT/kernel_log.ktap" 0)
ktap_result $? "kernel log ($summary)"

# The plain closing line over every result of every document.
cat "${DOCS[@]}" | awk '
	/^ok [0-9]+/ { if (/# SKIP/) s++; else p++ }
	/^not ok [0-9]+/ { f++ }
	END { printf "# selftests: %d passed, %d failed, %d skipped\n", p, f, s }'
ktap_finish
