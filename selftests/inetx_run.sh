#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx-run on a host without the inetx module (KTAP): the redirection
# machinery of both modes, against stand-in families.
#
# Usage: selftests/inetx_run.sh [--out DIR]
#        (DIR gets inetx_run.ktap, kver and run-vm.status for
#        selftests/vm/summarize.sh; without it, KTAP on stdout)
#
# Needs build/tools (make -C tools) and build/selftests (make -C selftests;
# inetx_run_go only if Go is installed).  Root is not needed; as root, the
# --check permission test runs.  Nothing is loaded into the kernel.
#
# What a stand-in proves: inetx-run takes the family from INETX_FAMILY as
# from the module's sysfs parameter, so
#  - INETX_FAMILY=10 (AF_INET6) makes every redirected socket visibly
#    different (SO_DOMAIN 10, sockfs name "TCPv6"): which sockets were
#    replaced, by whom (preload or supervisor), with which flags and
#    options, and that the others were not.  Addresses do not fit it, so
#    its connect()s fail (EINVAL): that is expected and checked.
#  - INETX_FAMILY=2 (AF_INET) redirects to a family that works with
#    AF_INET addresses: real programs (curl, python3, Go) run end to end
#    through the wrapped calls, with -v saying what was redirected.
# What it cannot prove: that PF_INETX sockets work for these programs.
# That is selftests/inetx_run_apps.sh's job, in the guest.
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through eval and functions
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
OUT=""
if [ "${1:-}" = --out ] && [ $# = 2 ]; then
	mkdir -p "$2" && OUT=$(cd "$2" && pwd)
	echo "inetx-run (host)" >"$OUT/kver"
	echo running >"$OUT/run-vm.status"
	"$0" >"$OUT/inetx_run.ktap" 2>&1
	rc=$?
	cat "$OUT/inetx_run.ktap"
	if [ $rc = 0 ]; then echo pass; else echo "fail: exit $rc"; fi >"$OUT/run-vm.status"
	exit $rc
elif [ $# != 0 ]; then
	sed -n '5,8p' "$0" >&2
	exit 2
fi

RUN=$TOP/build/tools/inetx-run
LIB=$TOP/build/tools/libinetx-run.so
PROBE=$TOP/build/selftests/inetx_run_probe
STATIC=$TOP/build/selftests/inetx_run_probe_static
GOPROG=$TOP/build/selftests/inetx_run_go
W=$(mktemp -d /tmp/inetx_run.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
unset LD_PRELOAD INETX_RUN_FAMILY INETX_RUN_PORTS INETX_RUN_ADDRS INETX_RUN_FLAGS

ktap_start 41

for f in "$RUN" "$LIB" "$PROBE" "$STATIC"; do
	[ -e "$f" ] || { echo "Bail out! no $f: make -C tools && make -C selftests"; exit 1; }
done

# r FAMILY ARGS...: inetx-run with a stand-in family; stdout to $W/out,
# stderr to $W/err, status in $rc.
r() {
	local fam=$1
	shift
	INETX_FAMILY=$fam "$RUN" "$@" >"$W/out" 2>"$W/err"
	rc=$?
}
# has FILE PATTERN...: every extended regular expression matches a line.
has() {
	local f=$1 p
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$f" || {
			ktap_diag "no line matching '$p' in:" "$(head -c 1500 "$f")"
			return 1
		}
	done
}
lines() { [ "$(grep -Ec -- "$2" "$1")" = "$3" ] || { ktap_diag "$1: want $3 lines matching '$2':" "$(head -c 1500 "$1")"; return 1; }; }
out_has() { [ "$rc" = 0 ] || ktap_diag "exit status $rc: $(cat "$W/err")"; [ "$rc" = 0 ] && has "$W/out" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A listener for connect(): python3 (plain AF_INET, not under inetx-run).
python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
while True:
    s.accept()[0].close()
' >"$W/lport" &
PIDS+=($!)
ktap_wait 10 test -s "$W/lport" || { echo "Bail out! no listener"; exit 1; }
LPORT=$(cat "$W/lport")

# ---- preload mode ----------------------------------------------------------
r 10 -v "$PROBE" socket
out_has '^fd=3 domain=10 name=TCPv6 ' && has "$W/err" '^inetx-run: pid [0-9]+ fd 3: socket -> family 10 \(TCPv6\)$'
ktap_result $? \
	"preload: socket(AF_INET, SOCK_STREAM, 0) gives the family's socket; -v says so"
r 10 "$PROBE" socket nonblock cloexec
out_has '^fd=3 domain=10 name=TCPv6 nonblock=1 cloexec=1 '
ktap_result $? \
	"preload: SOCK_NONBLOCK and SOCK_CLOEXEC are kept"
r 10 "$PROBE" others
out_has '^fd=3 domain=2 name=UDP ' '^fd=5 domain=1 name=UNIX-STREAM '
ktap_result $? \
	"preload: UDP and AF_UNIX sockets are untouched"
r 10 "$PROBE" threads 8 200
out_has '^redirected=1600 of 1600$'
ktap_result $? \
	"preload: 8 threads x 200 sockets, every one redirected"
r 10 "$PROBE" signals 2000
out_has '^thread=([0-9]+) of \1 handler=([1-9][0-9]*) of \2$'
ktap_result $? \
	"preload: socket() from a signal handler interrupting the thread's socket() calls"
r 10 sh -c "\"$PROBE\" fork; exec \"$PROBE\" socket"
out_has '^fd=3 domain=10 ' && lines "$W/out" '^fd=3 domain=10 name=TCPv6 ' 3
ktap_result $? \
	"preload: forked and exec'd children are redirected too"
LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6 INETX_FAMILY=10 "$RUN" "$PROBE" env >"$W/out" 2>"$W/err"
rc=$?
out_has "^LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6:$LIB\$"
ktap_result $? \
	"preload: appended to an existing LD_PRELOAD"
r 10 sh -c "\"$STATIC\" socket; \"$PROBE\" raw"
out_has '^fd=3 domain=2 name=TCP ' && lines "$W/out" '^fd=3 domain=2 name=TCP ' 2
ktap_result $? \
	"preload limits: a static binary and syscall(SYS_socket) stay AF_INET (documented)"
LD_PRELOAD=$LIB INETX_FAMILY=10 "$PROBE" socket >"$W/out" 2>"$W/err"
rc=$?
out_has '^fd=3 domain=10 name=TCPv6 '
ktap_result $? \
	"preload without the launcher (systemd drop-in): the library finds the family itself"

# ---- seccomp mode ----------------------------------------------------------
if r 10 --seccomp true && [ "$rc" = 0 ]; then
	SECCOMP=""
else
	SECCOMP="seccomp user notification unavailable here: $(cat "$W/err")"
fi
sc() { # DESC CHECK...: a seccomp-mode result, skipped where it cannot run
	local desc=$1
	shift
	if [ -n "$SECCOMP" ]; then
		ktap_skip "$SECCOMP" "$desc"
	else
		ktap_check "$desc" "$@"
	fi
}
sc_run() { [ -n "$SECCOMP" ] || r "$@"; }

sc_run 10 -v --seccomp "$STATIC" socket nonblock cloexec
sc "seccomp: a static binary's socket() is the family's, flags kept; -v says so" \
	eval 'out_has "^fd=3 domain=10 name=TCPv6 nonblock=1 cloexec=1 " &&
	      has "$W/err" "^inetx-run: pid [0-9]+ fd 3: socket -> family 10 \(TCPv6\)$"'
INETX_RUN_TEST_NO_SEND=1 sc_run 10 --seccomp "$STATIC" socket nonblock cloexec
sc "seccomp without SECCOMP_ADDFD_FLAG_SEND (before 5.14): ADDFD, then the reply" \
	out_has '^fd=3 domain=10 name=TCPv6 nonblock=1 cloexec=1 '
sc_run 10 --seccomp "$PROBE" raw
sc "seccomp: syscall(SYS_socket) is redirected" out_has '^fd=3 domain=10 name=TCPv6 '
sc_run 10 --seccomp sh -c "\"$STATIC\" threads 8 200; \"$STATIC\" fork"
sc "seccomp: threads and forked children are covered" \
	eval 'out_has "^redirected=1600 of 1600$" && lines "$W/out" "^fd=3 domain=10 name=TCPv6 " 2'
sc_run 10 --seccomp "$STATIC" signals 500
sc "seccomp: socket() from a signal handler interrupting the thread's socket() calls" \
	out_has '^thread=([0-9]+) of \1 handler=([1-9][0-9]*) of \2$'
sc_run 10 --seccomp "$STATIC" others
sc "seccomp: UDP and AF_UNIX sockets are untouched" \
	out_has '^fd=3 domain=2 name=UDP ' '^fd=5 domain=1 name=UNIX-STREAM '
sc_run 10 --seccomp sh -c 'exit 7'
sc "seccomp: the program's exit status is passed on" test "$rc" = 7
sig_status() {
	INETX_FAMILY=10 python3 -c '
import subprocess, sys
print(subprocess.run(sys.argv[1:]).returncode)' "$RUN" --seccomp sh -c 'kill -TERM $$'
}
sc "seccomp: death by a signal is passed on (SIGTERM)" eval '[ "$(sig_status)" = -15 ]'
# A background child outliving the program: inetx-run waits for it and
# keeps serving it, so its result is there when inetx-run returns.
sc_run 10 --seccomp sh -c "\"$STATIC\" socket >\"$W/late\" & exit 3"
sc "seccomp: a child outliving the program is served, inetx-run waits for it" \
	eval '[ "$rc" = 3 ] && has "$W/late" "^fd=3 domain=10 name=TCPv6 "'
fwd_term() {
	local pid
	INETX_FAMILY=10 "$RUN" --seccomp python3 -c '
import signal, sys
signal.signal(signal.SIGTERM, lambda *a: sys.exit(9))
print("ready", flush=True)
signal.pause()' >"$W/fwd" &
	pid=$!
	ktap_wait 20 grep -q ready "$W/fwd" || { kill "$pid"; return 1; }
	kill -TERM "$pid"
	wait "$pid"
	[ $? = 9 ]
}
sc "seccomp: SIGTERM sent to inetx-run reaches the program" fwd_term

unpriv() {
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

	INETX_FAMILY=10 "${nobody[@]}" "$RUN" "$PROBE" socket >"$W/out" 2>"$W/err"
	rc=$?
	out_has '^fd=3 domain=10 name=TCPv6 ' || return 1
	INETX_FAMILY=10 "${nobody[@]}" "$RUN" --seccomp "$STATIC" socket >"$W/out" 2>"$W/err"
	rc=$?
	out_has '^fd=3 domain=10 name=TCPv6 '
}
if [ "$(id -u)" != 0 ]; then
	ktap_skip "not root" "both modes work for an unprivileged user (nobody)"
elif [ -n "$SECCOMP" ]; then
	ktap_skip "$SECCOMP" "both modes work for an unprivileged user (nobody)"
else
	ktap_check "both modes work for an unprivileged user (nobody)" unpriv
fi

# ---- --ports / --addrs -----------------------------------------------------
r 10 --ports "$LPORT" sh -c "\"$PROBE\" connect $LPORT; INETX_RUN_PORTS=1 \"$PROBE\" connect $LPORT"
out_has "^fd=3 domain=10 name=TCPv6 nonblock=0 cloexec=0 nodelay=1 ret=-1 errno=EINVAL$" &&
	has "$W/out" "^fd=3 domain=2 name=TCP .* ret=0 errno=0$"
ktap_result $? \
	"preload --ports: a selected connect() swaps the socket, TCP_NODELAY copied; others connect on AF_INET"
r 2 -v --ports "$LPORT" "$PROBE" connect "$LPORT" nonblock
out_has "^fd=3 domain=2 name=TCP nonblock=1 .*nodelay=1 ret=-1 errno=EINPROGRESS$" &&
	has "$W/err" "^inetx-run: pid [0-9]+ fd 3: connect 127.0.0.1:$LPORT -> family 2 \\(TCP\\)$"
ktap_result $? \
	"preload --ports: same fd, O_NONBLOCK kept, the connect goes on (stand-in AF_INET)"
BPORT=$(free_port)
r 10 --ports "$BPORT" --addrs 127.0.0.0/8 "$PROBE" bind "$BPORT"
r1=$rc
cp "$W/out" "$W/bind1"
r 10 --ports "$BPORT" --addrs 127.0.0.2 "$PROBE" bind "$BPORT"
[ "$r1" = 0 ] && has "$W/bind1" '^fd=3 domain=10 name=TCPv6 .*nodelay=1 ret=-1 errno=EINVAL$' &&
	out_has '^fd=3 domain=2 name=TCP .*ret=0 errno=0$'
ktap_result $? \
	"preload --ports --addrs: bind() swaps for a selected address only"
sc_run 10 --ports "$LPORT" --seccomp sh -c "\"$STATIC\" connect $LPORT; \"$STATIC\" connect $((LPORT == 65535 ? 1 : LPORT + 1))"
sc "seccomp --ports: a static binary's selected connect() swaps the socket, TCP_NODELAY copied" \
	eval 'out_has "^fd=3 domain=10 name=TCPv6 nonblock=0 cloexec=0 nodelay=1 ret=-1 errno=EINVAL$" &&
	      has "$W/out" "^fd=3 domain=2 name=TCP .*errno=ECONNREFUSED$"'
sc_run 2 -v --seccomp --ports "$LPORT" "$STATIC" connect "$LPORT" nonblock
sc "seccomp --ports: same fd, O_NONBLOCK kept, the connect goes on (stand-in AF_INET)" \
	eval 'out_has "^fd=3 domain=2 name=TCP nonblock=1 .*nodelay=1 ret=-1 errno=EINPROGRESS$" &&
	      has "$W/err" "^inetx-run: pid [0-9]+ fd 3: connect 127.0.0.1:$LPORT -> family 2 \(TCP\)$"'
sc_run 10 --seccomp --addrs 127.0.0.1 --ports "$BPORT" "$STATIC" bind "$BPORT"
sc "seccomp --addrs: bind() to a selected address swaps the socket" \
	out_has '^fd=3 domain=10 name=TCPv6 .*nodelay=1 ret=-1 errno=EINVAL$'
"$RUN" --ports 0 true 2>"$W/err"
rc=$?
[ $rc = 125 ] && has "$W/err" 'ports 0: want'
ktap_result $? "a bad --ports list is refused (exit 125)"

r 99 "$PROBE" socket
r1=$rc
cp "$W/err" "$W/err99"
r 99 --strict "$PROBE" socket
[ "$r1" = 0 ] && has "$W/err99" '^inetx-run: socket\(99, SOCK_STREAM, 0\): .*: running on plain AF_INET$' &&
	[ "$rc" = 125 ] && [ ! -s "$W/out" ]
ktap_result $? "a family socket() refuses: plain AF_INET with a message; --strict exits 125"

# ---- no module ---------------------------------------------------------------
if [ -e /sys/module/inetx ]; then
	ktap_skip "inetx is loaded here" "without the module: one message, plain AF_INET"
	ktap_skip "inetx is loaded here" "without the module: --strict fails (exit 125)"
else
	"$RUN" "$PROBE" socket >"$W/out" 2>"$W/err"
	rc=$?
	out_has '^fd=3 domain=2 name=TCP ' && lines "$W/err" . 1 &&
		has "$W/err" 'inetx module is not loaded.*plain AF_INET'
	ktap_result $? \
		"without the module: one message, plain AF_INET"
	"$RUN" --strict "$PROBE" socket >"$W/out" 2>"$W/err"
	rc=$?
	[ $rc = 125 ] && [ ! -s "$W/out" ] && has "$W/err" 'not loaded'
	ktap_result $? \
		"without the module: --strict fails (exit 125), the program does not run"
fi

# ---- --check -----------------------------------------------------------------
INETX_FAMILY=10 "$RUN" python3 -c '
import signal, socket
a, b = socket.socket(), socket.socket()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("ready", flush=True)
signal.pause()' >"$W/held" &
HELD=$!
PIDS+=("$HELD")
ktap_wait 20 grep -q ready "$W/held"
"$RUN" --check "$HELD" >"$W/out" 2>"$W/err"
rc=$?
[ $rc = 1 ] && lines "$W/out" '^fd [0-9]+ socket:\[[0-9]+\] TCPv6$' 2 &&
	has "$W/out" '^fd [0-9]+ socket:\[[0-9]+\] UDP$' "^pid $HELD: 3 sockets, 0 PF_INETX\$"
ktap_result $? \
	"--check: lists the sockets with their protocol, exit 1 when none is inetx"
INETX_RUN_TEST_PROTO=TCPv6 "$RUN" --check "$HELD" >"$W/out" 2>"$W/err"
rc=$?
[ $rc = 0 ] && lines "$W/out" ' TCPv6 PF_INETX$' 2 && has "$W/out" "^pid $HELD: 3 sockets, 2 PF_INETX\$"
ktap_result $? \
	"--check: exit 0 and the sockets marked when they are inetx's (stand-in protocol name)"
if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$RUN" --check "$HELD" >"$W/out" 2>"$W/err"
	rc=$?
	[ $rc = 2 ] && has "$W/err" 'Permission denied'
	ktap_result $? \
		"--check: another user's process is an error (exit 2), not 'no inetx'"
else
	ktap_skip "not root" "--check: another user's process is an error (exit 2), not 'no inetx'"
fi

# ---- --unit --------------------------------------------------------------------
unit_ok() {
	"$RUN" --unit demo --root "$W/root" --ports 80,8000-8099 -v >"$W/out" 2>"$W/err" || return 1
	diff -u - "$W/root/etc/systemd/system/demo.service.d/inetx.conf" <<EOF | sed 's/^/# /'
# Written by inetx-run --unit: this service's TCP/IPv4 sockets on inetx.
# Undo: rm this file; systemctl daemon-reload; systemctl restart the unit.
[Service]
ExecStartPre=-+/sbin/modprobe inetx
Environment=LD_PRELOAD=$LIB
Environment=INETX_RUN_PORTS=80,8000-8099
Environment=INETX_RUN_FLAGS=v
EOF
	return "${PIPESTATUS[0]}"
}
ktap_check "--unit NAME --root DIR: the drop-in preloads the library, modprobe first" unit_ok
unit_strict() {
	"$RUN" --unit web.service --root "$W/root" --strict >"$W/out" || return 1
	has "$W/root/etc/systemd/system/web.service.d/inetx.conf" '^ExecStartPre=\+/sbin/modprobe inetx$' \
		'^Environment=INETX_RUN_FLAGS=s$' || return 1
	! "$RUN" --unit ../x --root "$W/root" 2>/dev/null && ! "$RUN" --unit x.socket --root "$W/root" 2>/dev/null &&
		! "$RUN" --unit x --seccomp 2>/dev/null
}
ktap_check "--unit --strict: modprobe must succeed; bad names, non-services and --seccomp refused" unit_strict
# systemd cannot run here (nor in the guest, whose init is busybox), but its
# own parser can read the drop-in: systemd-analyze verify on a unit file
# reads NAME.service.d/ beside it and warns about every line it rejects.
# Broken copies show that the warnings would be seen.
unit_parsed() {
	local d=$W/units
	mkdir -p "$d" && printf '[Service]\nExecStart=/bin/true\n' >"$d/app.service" || return 1
	"$RUN" --unit app --root "$W/uroot" --ports 80 -v >/dev/null || return 1
	mkdir -p "$d/app.service.d" && cp "$W/uroot/etc/systemd/system/app.service.d/inetx.conf" "$d/app.service.d/" ||
		return 1
	systemd-analyze verify "$d/app.service" >"$W/verify.out" 2>&1
	if grep -q inetx.conf "$W/verify.out"; then
		ktap_diag "systemd rejects lines of the drop-in:" "$(cat "$W/verify.out")"
		return 1
	fi
	# One broken line at a time: systemd may stop reporting after a first.
	rm "$d/app.service.d/inetx.conf"
	for e in 's/^Environment=/Environment=BAD /' 's/^ExecStartPre=-+/ExecStartPre=%%!/'; do
		sed -e "$e" "$W/uroot/etc/systemd/system/app.service.d/inetx.conf" >"$d/app.service.d/broken.conf"
		systemd-analyze verify "$d/app.service" >"$W/verify.out" 2>&1
		grep -q 'broken.conf' "$W/verify.out" ||
			{ ktap_diag "a broken drop-in ($e) went unnoticed:" "$(cat "$W/verify.out")"; return 1; }
	done
}
if command -v systemd-analyze >/dev/null; then
	ktap_check "--unit: systemd's parser (systemd-analyze verify) accepts every line of the drop-in" unit_parsed
else
	ktap_skip "no systemd-analyze" "--unit: systemd's parser (systemd-analyze verify) accepts every line of the drop-in"
fi
installed_layout() {
	mkdir -p "$W/usr/bin" "$W/usr/lib/inetx"
	cp "$RUN" "$W/usr/bin/" && cp "$LIB" "$W/usr/lib/inetx/" || return 1
	INETX_FAMILY=10 "$W/usr/bin/inetx-run" "$PROBE" env >"$W/out" 2>"$W/err"
	rc=$?
	out_has "^LD_PRELOAD=$W/usr/lib/inetx/libinetx-run.so\$"
}
ktap_check "installed as BINDIR/inetx-run, it preloads BINDIR/../lib/inetx/libinetx-run.so" installed_layout

man_ok() {
	local w
	if ! w=$(groff -ww -man -z "$TOP/man/inetx-run.1" 2>&1) || [ -n "$w" ]; then
		ktap_diag "groff: $w"
		return 1
	fi
	if ! w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$TOP/man/inetx-run.1" 2>&1 >"$W/man.txt") ||
		[ -n "$w" ]; then
		ktap_diag "man: $w"
		return 1
	fi
	has "$W/man.txt" io_uring SO_DOMAIN
}
ktap_check "inetx-run(1): no groff or man warnings; names io_uring and SO_DOMAIN among the limits" man_ok

# ---- real programs, stand-in AF_INET ------------------------------------------
head -c 3000000 /dev/urandom >"$W/www.bin"
want=$(sha256sum <"$W/www.bin" | cut -d' ' -f1)
HPORT=$(free_port)
(cd "$W" && exec env INETX_FAMILY=2 "$RUN" -v python3 -m http.server -b 127.0.0.1 "$HPORT") \
	>/dev/null 2>"$W/http.err" &
PIDS+=($!)
curl_ok() {
	ktap_wait 20 ktap_tcp_listening "$HPORT" || { ktap_diag "http.server did not listen"; return 1; }
	INETX_FAMILY=2 "$RUN" -v curl -sS -o "$W/got.bin" "http://127.0.0.1:$HPORT/www.bin" 2>"$W/curl.err" || return 1
	[ "$(sha256sum <"$W/got.bin" | cut -d' ' -f1)" = "$want" ] || { ktap_diag "sha256 differs"; return 1; }
	has "$W/curl.err" "connect 127.0.0.1:$HPORT over TCP" 'socket -> family 2' &&
		has "$W/http.err" 'socket -> family 2' "bind 127.0.0.1:$HPORT over TCP"
}
ktap_check "curl -> python3 http.server, both under inetx-run: 3 MB intact, both redirected (-v)" curl_ok

if [ ! -x "$GOPROG" ]; then
	ktap_skip "no Go toolchain (build/selftests/inetx_run_go)" "Go: --seccomp reaches its sockets"
	ktap_skip "no Go toolchain (build/selftests/inetx_run_go)" "Go: the preload does not (documented)"
else
	GPORT=$(free_port)
	INETX_FAMILY=2 "$RUN" -v --seccomp "$GOPROG" serve "127.0.0.1:$GPORT" "$W/www.bin" 2>"$W/gs.err" &
	PIDS+=($!)
	go_ok() {
		ktap_wait 20 ktap_tcp_listening "$GPORT" || { ktap_diag "the Go server did not listen"; return 1; }
		r 2 -v --seccomp "$GOPROG" get "http://127.0.0.1:$GPORT/"
		out_has "^$want 3000000\$" && has "$W/err" 'socket -> family 2 \(TCP\)$' &&
			has "$W/gs.err" 'socket -> family 2 \(TCP\)$'
	}
	ktap_check "Go: --seccomp reaches its sockets (server and client; data intact)" go_ok
	r 2 -v "$GOPROG" get "http://127.0.0.1:$GPORT/"
	out_has "^$want 3000000\$" && ! grep -q 'family' "$W/err"
	ktap_result $? \
		"Go: the preload does not (documented)"
fi

ktap_diag "inetx_run: $KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
ktap_finish
