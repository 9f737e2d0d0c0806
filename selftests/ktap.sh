# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP version 1 helpers for the inetx shell tests (sourced).
#
#	ktap_start N			header and plan
#	ktap_check "desc" CMD ARGS...	ok if CMD succeeds
#	ktap_result RC "desc"		ok if RC is 0
#	ktap_skip "reason" "desc"	"ok N desc # SKIP reason", not a pass
#	ktap_diag TEXT...		"# " before every line
#	ktap_finish			totals; exits with the failure count
#
# Running a different number of tests than planned is a failure.
#
# Waiting for events, never for time (the guest is QEMU TCG: slow, and
# slower still on a loaded host), with a generous bound that fails:
#
#	ktap_wait SECS CMD ARGS...	run CMD until it succeeds; status 1
#					if it still fails after SECS seconds
#	ktap_elapsed T0			seconds since T0 (date +%s%N), "12.3"
#	ktap_tcp_listening PORT		a TCP socket listens on PORT
#	ktap_time_wait			how many TCP sockets are in TIME_WAIT
#	ktap_insmod KO [PARAM...]	insmod; its message, if any, on stdout
#	ktap_rmmod MOD SECS		wait until nothing holds MOD (refcnt 0:
#					no socket, TIME_WAIT ones included, no
#					dependent module), then rmmod it once;
#					one line on stdout saying what happened;
#					status 1 if SECS pass first or rmmod fails

KTAP_PLAN=0
KTAP_N=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_start() {
	KTAP_PLAN=$1
	echo "KTAP version 1"
	echo "1..$KTAP_PLAN"
}

ktap_diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		echo "# $line"
	done
}

ktap_result() {
	local rc=$1
	shift
	KTAP_N=$((KTAP_N + 1))
	if [ "$rc" = 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		echo "ok $KTAP_N $*"
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
		echo "not ok $KTAP_N $*"
	fi
	return "$rc"
}

ktap_check() {
	local desc=$1
	shift
	"$@"
	ktap_result $? "$desc"
}

ktap_skip() {
	local reason=$1
	shift
	KTAP_N=$((KTAP_N + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_N $* # SKIP $reason"
}

ktap_wait() {
	local _ktap_secs=$1 _ktap_end
	shift
	_ktap_end=$(($(date +%s%N) + _ktap_secs * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$_ktap_end" ] || return 1
		sleep 0.1
	done
}

# Static keys that tests' socket options would flip are kept on from here
# until ktap_unpin_keys (inetx_hold keys, see inx_pin_static_keys()): under
# QEMU TCG, patching kernel text that another vCPU runs oopses with "int3".
# Prints a diagnostic; the keys are switched while nothing else runs.
# The TCP tracepoints inetx's counters hook (module/inetx_stat.c), which
# every insmod and rmmod of inetx would switch, are kept on by their trace
# events, enabled with a filter nothing passes (ktap_pin_tracepoints), in
# an ftrace instance of their own: the top-level buffer stays idle for
# tools that need it (inetx-trace's function_graph on 6.1).
KTAP_TP_EVENTS="sock/inet_sock_set_state tcp/tcp_send_reset tcp/tcp_receive_reset"
KTAP_TP_INSTANCE=/sys/kernel/tracing/instances/inetx-selftests-pin
ktap_pin_tracepoints() { # 1 (on) or 0 (off)
	local e d i=$KTAP_TP_INSTANCE
	# Its buffer is left as it is: on 6.1 resizing any buffer marks them
	# all expanded, and the top-level one would stay at a few KiB.
	[ "$1" = 1 ] && { mkdir -p "$i" 2>/dev/null || return 0; }
	[ -d "$i" ] || return 0
	for e in $KTAP_TP_EVENTS; do
		d=$i/events/$e
		[ -w "$d/enable" ] || continue
		if [ "$1" = 1 ]; then
			echo 'common_pid < 0' >"$d/filter" && echo 1 >"$d/enable"
		else
			echo 0 >"$d/enable" && echo 0 >"$d/filter"
		fi
	done
	[ "$1" = 1 ] || rmdir "$i"
}

ktap_pin_keys() { # DIR: where the holder's ready file goes
	local ready=$1/.keys-pinned
	ktap_pin_tracepoints 1
	rm -f "$ready"
	"${INETX_BIN:?}/inetx_hold" keys "$ready" &
	KTAP_KEYS_PID=$!
	if ktap_wait 30 test -s "$ready"; then
		ktap_diag "static keys pinned on (options that failed: $(cat "$ready"))"
	else
		ktap_diag "static keys not pinned: inetx_hold keys did not start"
	fi
	rm -f "$ready"
}

ktap_unpin_keys() {
	ktap_pin_tracepoints 0
	[ -n "${KTAP_KEYS_PID:-}" ] || return 0
	kill "$KTAP_KEYS_PID" 2>/dev/null
	wait "$KTAP_KEYS_PID" 2>/dev/null
	KTAP_KEYS_PID=""
}

ktap_elapsed() {
	awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# /proc/net/tcp rather than ss: always there, and it lists inetx sockets too.
ktap_tcp_listening() {
	awk -v p="$(printf ':%04X' "$1")" '
	FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
	END { exit !found }' /proc/net/tcp
}

ktap_time_wait() {
	awk 'FNR > 1 && $4 == "06"' /proc/net/tcp | wc -l
}

ktap_insmod() {
	local out rc
	out=$(insmod "$@" 2>&1)
	rc=$?
	[ -z "$out" ] || printf '%s\n' "$out"
	return $rc
}

# MOD is gone, or nothing holds it.
ktap_mod_unused() {
	[ ! -d "/sys/module/$1" ] || [ "$(cat "/sys/module/$1/refcnt" 2>/dev/null)" = 0 ]
}

ktap_rmmod() {
	local mod=$1 secs=$2 t0 out
	if [ ! -d "/sys/module/$mod" ]; then
		echo "$mod is not loaded"
		return 0
	fi
	t0=$(date +%s%N)
	if ! ktap_wait "$secs" ktap_mod_unused "$mod"; then
		echo "$mod still has $(cat "/sys/module/$mod/refcnt" 2>/dev/null || echo '?') references after $secs s ($(ktap_time_wait) TCP sockets in TIME_WAIT)"
		return 1
	fi
	if ! out=$(rmmod "$mod" 2>&1) && [ -d "/sys/module/$mod" ]; then
		echo "rmmod $mod with no references left failed after $(ktap_elapsed "$t0") s: $out"
		return 1
	fi
	echo "rmmod $mod after $(ktap_elapsed "$t0") s"
}

ktap_finish() {
	if [ "$KTAP_N" != "$KTAP_PLAN" ]; then
		ktap_diag "planned $KTAP_PLAN tests but ran $KTAP_N"
		KTAP_FAIL=$((KTAP_FAIL + 1))
	fi
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL xfail:0 xpass:0 skip:$KTAP_SKIP error:0"
	[ "$KTAP_FAIL" -le 255 ] || KTAP_FAIL=255
	exit "$KTAP_FAIL"
}
