#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_trace.sh KO: tools/inetx-trace on the seed's client. KTAP on stdout.
#
# Root only, inside the QEMU guest. Loads KO unless inetx is already
# loaded (and then unloads it again). Runs `inetx-trace -o seed.svg
# inetx_seed client PORT` against `inetx_seed server PORT` and checks its
# output: the socket, connect, write and read sections in that order, each
# holding its chain of the reference walk as an ordered subsequence of the
# function names (not the exact text: what gcc inlines differs per kernel);
# the mirror annotations of inetx's functions; the SVG well-formed with the
# key nodes; tracefs as it was before (no instance left, every top-level
# setting and option the same, no function hooked); a program that makes
# only AF_INET sockets gets no inetx tree; the inetx tracepoints in the
# tree when the module has them.  Where function_graph is missing (the
# debug kernels), inetx-trace must say so and fail; the rest is skipped.
#
# INETX_TRACE: the inetx-trace to test (default tools/inetx-trace), so a
# broken copy can be run to see each check fail.  Results and the trace
# itself stay in $INETX_VM_OUT/inetx_trace/ when run by run-vm.sh.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
TRACE=${INETX_TRACE:-$TOP/tools/inetx-trace}
SEED=$TOP/build/tools/inetx_seed
HOLD=${INETX_BIN:-$TOP/build/selftests}/inetx_hold
KO=${1:-}
MOD=inetx
PORT=36013
T=/sys/kernel/tracing
OUTD=${INETX_VM_OUT:+$INETX_VM_OUT/inetx_trace}
OUTD=${OUTD:-$(mktemp -d /tmp/inetx_trace.XXXXXX)}
LOADED_HERE=0
SPID=

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
	fi
	[ "$LOADED_HERE" = 1 ] && ktap_rmmod "$MOD" 90 >/dev/null
}
trap cleanup EXIT

TESTS=(
	"inetx's functions are traceable (available_filter_functions lists them with [inetx])"
	"inetx-trace runs the seed's client against its server, exit status 0"
	"sections in order: socket, connect, write, read, each touching the inetx socket"
	"socket: __sys_socket __sock_create inetx_create sk_alloc sock_init_data"
	"connect: __sys_connect inetx_stream_connect __inetx_stream_connect inetx_v4_connect ip_route_output_flow tcp_connect ip_queue_xmit"
	"write: ksys_write vfs_write sock_write_iter inet_sendmsg tcp_sendmsg ip_queue_xmit"
	"read: ksys_read vfs_read sock_read_iter inet_recvmsg tcp_recvmsg"
	"inetx functions carry their mirror annotation"
	"-o seed.svg: well-formed SVG with the key nodes"
	"tracefs as before: no instance left, top-level settings and options unchanged, nothing hooked"
	"an AF_INET-only program gets no inetx tree"
	"the inetx tracepoints are in the tree"
)
ktap_start ${#TESTS[@]}

if [ "$(id -u)" != 0 ] || [ ! -x "$SEED" ] || [ ! -x "$HOLD" ] || [ ! -x "$TRACE" ]; then
	ktap_diag "needs root, $SEED (make -C tools), $HOLD (make -C selftests) and $TRACE"
	echo "Bail out! preconditions"
	exit 1
fi
mkdir -p "$OUTD"
[ -e "$T/trace" ] || mount -t tracefs tracefs "$T" 2>/dev/null

if [ ! -d "/sys/module/$MOD" ]; then
	out=$(ktap_insmod "$KO") || { ktap_diag "insmod $KO: $out"; echo "Bail out! insmod"; exit 1; }
	LOADED_HERE=1
fi

# Kernels without function_graph: inetx-trace must refuse, clearly.
if ! grep -qw function_graph "$T/available_tracers" 2>/dev/null; then
	"$TRACE" true >"$OUTD/nograph.out" 2>"$OUTD/nograph.err"
	rc=$?
	ktap_diag "inetx-trace here: exit $rc, $(cat "$OUTD/nograph.err")"
	why="no function_graph tracer in this kernel (CONFIG_FUNCTION_GRAPH_TRACER)"
	if [ "$rc" = 125 ] && grep -q 'no function_graph tracer' "$OUTD/nograph.err"; then
		ktap_skip "$why; inetx-trace says so and exits 125" "${TESTS[0]}"
	else
		ktap_result 1 "${TESTS[0]} (no function_graph: inetx-trace must exit 125 saying so)"
	fi
	for t in "${TESTS[@]:1}"; do ktap_skip "$why" "$t"; done
	ktap_finish
fi

# 1. Module text is traceable: built with __fentry__ calls, so ftrace
# lists its functions (by module) and can hook them.
ktap_check "${TESTS[0]}" grep -qE '^inetx_create \[inetx\]' "$T/available_filter_functions"

# What inetx-trace may touch, before: top-level settings, every option,
# the instances, the hooked functions.
tracefs_state() {
	local f
	for f in current_tracer tracing_on set_ftrace_pid set_event_pid set_graph_function \
		set_graph_notrace set_ftrace_filter max_graph_depth buffer_size_kb set_event; do
		[ -r "$T/$f" ] && printf '%s: %s\n' "$f" "$(head -c 4000 "$T/$f" | tr '\n' ' ')"
	done |
		# 6.1's top-level buffer is allocated on first use, by any
		# tracer, to its "expanded" size rounded up to whole pages
		# ("7 (expanded: 1408)", then 1410): in 16 KiB units.
		awk '$1 == "buffer_size_kb:" {
			n = $2; if ($3 == "(expanded:") n = $4 + 0
			$0 = $1 " " int((n + 8) / 16) * 16 " KiB (16 KiB units)"
		} { print }'
	for f in "$T"/options/*; do printf 'options/%s: %s\n' "${f##*/}" "$(cat "$f")"; done
	printf 'instances:'
	for f in "$T"/instances/*; do [ -e "$f" ] && printf ' %s' "${f##*/}"; done
	echo
	echo "enabled_functions: $(wc -l <"$T/enabled_functions")"
}
tracefs_state >"$OUTD/tracefs.before"

# 2. The seed: its AF_INET server, then the client under inetx-trace.
"$SEED" server "$PORT" >"$OUTD/server.out" 2>&1 &
SPID=$!
if ! ktap_wait 30 ktap_tcp_listening "$PORT"; then
	ktap_diag "inetx_seed server did not listen on $PORT: $(cat "$OUTD/server.out")"
fi
"$TRACE" -o "$OUTD/seed.svg" --raw "$OUTD/seed.raw" "$SEED" client "$PORT" \
	>"$OUTD/seed.trace" 2>"$OUTD/seed.err"
rc=$?
# The server ends after one client; a client that never ran leaves it.
[ "$rc" = 0 ] || kill "$SPID" 2>/dev/null
wait "$SPID"
SPID=
ktap_diag "inetx-trace: exit $rc; $(grep -c . "$OUTD/seed.trace") lines; stderr: $(head -c 500 "$OUTD/seed.err")"
ktap_result "$rc" "${TESTS[1]}"
grep '^inetx-trace:' "$OUTD/seed.trace" | sed 's/^/# /'

# SECTION: the lines of the first "== SECTION(" tree, function names only.
section() { # NAME
	awk -v h="== $1(" '
	/^== / { if (on) exit; on = (index($0, h) == 1); next }
	on && NF { sub(/^ *(@ )?/, ""); sub(/[ :\[].*/, ""); sub(/\.(isra|constprop|part)\..*/, ""); print }
	' "$OUTD/seed.trace"
}

# WANT... is an ordered subsequence of stdin's lines.
subsequence() { # WANT...
	awk -v want="$*" '
	BEGIN { n = split(want, w, " "); i = 1 }
	i <= n && $0 == w[i] { i++ }
	END {
		if (i <= n) { printf "# missing, in order: %s (and after)\n", w[i]; exit 1 }
	}'
}

chain() { # NAME WANT...
	local name=$1
	shift
	section "$name" | subsequence "$@"
}

# 3. The section headers, in order (the seed's syscalls, nothing else
# touches the inetx socket but close and its task work).
heads=$(sed -n 's/^== \([a-z_0-9]*\)(.*/\1/p' "$OUTD/seed.trace" | tr '\n' ' ')
ktap_diag "sections: $heads"
tr ' ' '\n' <<<"$heads" | subsequence socket connect write read
ktap_result $? "${TESTS[2]}"

chain socket __sys_socket __sock_create inetx_create sk_alloc sock_init_data
ktap_result $? "${TESTS[3]}"
chain connect __sys_connect inetx_stream_connect __inetx_stream_connect inetx_v4_connect \
	ip_route_output_flow tcp_connect ip_queue_xmit
ktap_result $? "${TESTS[4]}"
chain write ksys_write vfs_write sock_write_iter inet_sendmsg tcp_sendmsg ip_queue_xmit
ktap_result $? "${TESTS[5]}"
chain read ksys_read vfs_read sock_read_iter inet_recvmsg tcp_recvmsg
ktap_result $? "${TESTS[6]}"

# 8. Each mirrored function seen, with the kernel function it mirrors.
annotated() {
	local f k bad=0
	for f in inetx_create:inet_create inetx_stream_connect:inet_stream_connect \
		__inetx_stream_connect:__inet_stream_connect inetx_v4_connect:tcp_v4_connect; do
		k=${f#*:} f=${f%%:*}
		if ! grep -qE "^ *$f \[inetx\] +<- mirrors $k \(net/ipv4/" "$OUTD/seed.trace"; then
			echo "# no '$f [inetx]   <- mirrors $k (...)' line"
			bad=1
		fi
	done
	return $bad
}
annotated
ktap_result $? "${TESTS[7]}"

# 9. The SVG parses as XML, is SVG, and names the key functions.
svg_ok() {
	python3 - "$OUTD/seed.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), "not an <svg> document: " + root.tag
text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
missing = [k for k in ("inetx_create", "inetx_stream_connect", "inetx_v4_connect",
                       "mirrors inet_create", "tcp_sendmsg", "tcp_recvmsg", "ip_queue_xmit")
           if k not in text]
assert not missing, "nodes missing from the SVG: " + " ".join(missing)
EOF
}
svg_ok 2>&1 | tail -n 1 | sed 's/^/# /'
ktap_result "${PIPESTATUS[0]}" "${TESTS[8]}"

# 11. (before 10, so that 10 covers both runs) AF_INET only: the same
# socket calls, but no inetx tree.
"$TRACE" "$HOLD" tcp >"$OUTD/tcp.trace" 2>"$OUTD/tcp.err"
rc=$?
ktap_diag "inetx-trace inetx_hold tcp: exit $rc, $(grep '^inetx-trace:' "$OUTD/tcp.trace" | tr '\n' ' ')"
no_tree() {
	[ "$rc" = 0 ] && grep -q '^inetx-trace: no syscall touched an inetx socket' "$OUTD/tcp.trace" &&
		! grep -qE '^== |\[inetx\]|^ *@ inetx_' "$OUTD/tcp.trace"
}

# 10. Nothing left behind.
tracefs_state >"$OUTD/tracefs.after"
if diff -u "$OUTD/tracefs.before" "$OUTD/tracefs.after" >"$OUTD/tracefs.diff"; then
	ktap_result 0 "${TESTS[9]}"
else
	sed 's/^/# /' "$OUTD/tracefs.diff" | head -n 40
	ktap_result 1 "${TESTS[9]}"
fi
no_tree
ktap_result $? "${TESTS[10]}"

# 12. The module's tracepoints (system inetx), when it has them.
if [ ! -d "$T/events/inetx" ]; then
	ktap_skip "this inetx.ko has no tracepoints (no events/inetx)" "${TESTS[11]}"
else
	chain socket inetx_create inetx_create &&
		chain connect inetx_stream_connect inetx_connect &&
		chain connect inetx_v4_connect inetx_v4_connect
	ktap_result $? "${TESTS[11]}"
fi

ktap_finish
