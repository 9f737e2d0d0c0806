#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_run_apps.sh KO: real, unmodified servers and clients over inetx
# through inetx-run, data checked end to end (KTAP).  Runs as root inside
# the QEMU guest (it loads KO if inetx is not loaded, and leaves it loaded):
#
#   selftests/vm/run-vm.sh --kver KVER --out DIR -- \
#       selftests/inetx_run_apps.sh build/KVER/module/inetx.ko
#
# Needs, built on the host: build/tools (make -C tools), build/selftests
# (make -C selftests: inetx_run_go needs golang-go), and the programs of
# selftests/vm/setup-deps.sh (nginx-light, redis, iperf3, socat, OpenSSH,
# curl, busybox-static, python3).
#
# Each test proves its inetx side really was PF_INETX, not only that the
# data arrived: `inetx-run --check` on the server while it listens (the
# kernel's name for each socket, "INETX"), and inetx-run -v's line for each
# client socket, which also carries the kernel's name ("... (INETX)",
# "over INETX").  A run where the redirection silently did not happen
# fails.  Ports are fixed (this guest runs nothing else).  About 105 s
# under TCG (6.12: 102 s, 6.1: 107 s; redis-benchmark is most of it).
# The --seccomp cases skip on a kernel without seccomp user notification.
#
# INETX_APPS_STANDIN=1 runs it on a machine without the module to check
# the script itself: family 2 stands in for inetx and "TCP" for its
# sockets' name, so it proves nothing about inetx; the netns test is left
# out (it would load veth).
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through functions
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
KO=${1:-}
RUN=$TOP/build/tools/inetx-run
BIN=${INETX_BIN:-$TOP/build/selftests}
STANDIN=${INETX_APPS_STANDIN:-0}
W=$(mktemp -d /tmp/inetx_apps.XXXXXX)
MIB10=$W/www/file.bin
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "$STANDIN" = 1 ] || ip netns del inxapps 2>/dev/null
	[ -z "${RM_SSHD_DIR:-}" ] || rmdir /run/sshd
	rm -rf "$W"
}
trap cleanup EXIT

ktap_start 16

if [ "$STANDIN" = 1 ]; then
	# INETX_APPS_PROTO=INETX: what an unredirected run looks like (fails).
	PROTO=${INETX_APPS_PROTO:-TCP}
	export INETX_FAMILY=2 INETX_RUN_TEST_PROTO=$PROTO
else
	PROTO=INETX
	# Never on a host: this loads the module.
	if [ -z "${INETX_VM:-}" ]; then
		echo "Bail out! not in a run-vm.sh guest (INETX_VM unset); on a host: INETX_APPS_STANDIN=1"
		exit 1
	fi
	if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ]; then
		echo "Bail out! usage: inetx_run_apps.sh KO (as root, in the guest)"
		exit 1
	fi
	if [ ! -d /sys/module/inetx ] && ! out=$(ktap_insmod "$KO"); then
		echo "Bail out! insmod $KO: $out"
		exit 1
	fi
fi
for f in "$RUN" "$BIN/inetx_run_go"; do
	[ -x "$f" ] || { echo "Bail out! no $f (make -C tools; make -C selftests)"; exit 1; }
done
T0=$(date +%s)
ip link set lo up 2>/dev/null
mkdir -p "$W/www"
head -c $((10 << 20)) /dev/urandom >"$MIB10"
WANT=$(sha256sum <"$MIB10" | cut -d' ' -f1)
ktap_diag "kernel $(uname -r), family $(cat /sys/module/inetx/parameters/family 2>/dev/null ||
	echo "$INETX_FAMILY (stand-in)"), inetx sockets named $PROTO"

# ---- helpers ---------------------------------------------------------------
sha_is() { # FILE: its SHA-256 is the 10 MiB file's
	local got
	got=$(sha256sum <"$1" | cut -d' ' -f1)
	[ "$got" = "$WANT" ] || { ktap_diag "$1: sha256 $got, want $WANT ($(stat -c %s "$1" 2>&1) bytes)"; return 1; }
}
has() { # FILE ERE...
	local f=$1 p
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$f" || { ktap_diag "no '$p' in $f:" "$(head -c 1500 "$f")"; return 1; }
	done
}
# start NAME CMD...: CMD in the background, output in $W/NAME.out/.err;
# its pid in $PID (inetx-run --seccomp: the supervisor's).
start() {
	local name=$1
	shift
	"$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null &
	PID=$!
	PIDS+=("$PID")
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; true; }
listening() { # PORT: wait until a TCP socket listens on PORT
	ktap_wait 120 ktap_tcp_listening "$1" || { ktap_diag "nothing listens on $1"; return 1; }
}
# The program inetx-run --seccomp supervises: the supervisor's child.
child_of() { cut -d' ' -f1 "/proc/$1/task/$1/children" 2>/dev/null; }
# is_inetx PID: --check finds an inetx socket in PID (a listener, say).
is_inetx() {
	"$RUN" --check "$1" >"$W/check.out" 2>&1 || {
		ktap_diag "inetx-run --check $1 ($(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)):" "$(cat "$W/check.out")"
		return 1
	}
}
# said_inetx FILE: inetx-run -v reported a socket the kernel names $PROTO.
said_inetx() { has "$1" "inetx-run: pid [0-9]+ fd [0-9]+: .*(\\($PROTO\\)|over $PROTO)\$"; }
inetx_count() { awk -v p="$PROTO" '$1 == p { print $3 }' /proc/net/protocols; }

# --seccomp needs seccomp user notification (CONFIG_SECCOMP_FILTER): the
# debug kernels are built without it.
if grep -qw user_notif /proc/sys/kernel/seccomp/actions_avail 2>/dev/null; then
	seccomp_check() { ktap_check "$@"; }
else
	seccomp_check() { ktap_skip "kernel without seccomp user notification" "$1"; }
fi

# ---- nginx and curl ----------------------------------------------------------
nginx_conf() { # PORT
	mkdir -p "$W/ng$1"
	cat >"$W/ng$1/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $W/ng$1/nginx.pid;
error_log $W/ng$1/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $W/ng$1/body;
	proxy_temp_path $W/ng$1/proxy;
	fastcgi_temp_path $W/ng$1/fastcgi;
	uwsgi_temp_path $W/ng$1/uwsgi;
	scgi_temp_path $W/ng$1/scgi;
	server { listen 127.0.0.1:$1; root $W/www; }
}
EOF
	echo "$W/ng$1/nginx.conf"
}
nginx_cmd() { echo /usr/sbin/nginx -c "$(nginx_conf "$1")" -p "$W/ng$1" -e "$W/ng$1/error.log"; }

# nginx on inetx (18080) and on AF_INET (18081), for the three combinations.
# shellcheck disable=SC2046  # nginx_cmd's words
start nginx-inetx "$RUN" -v $(nginx_cmd 18080)
NGINX_INETX=$PID
# shellcheck disable=SC2046
start nginx-plain $(nginx_cmd 18081)
NGINX_PLAIN=$PID

curl_get() { # NAME URL [inetx-run ARGS]: fetch URL into $W/NAME.bin
	local name=$1 url=$2
	shift 2
	timeout 300 "$@" curl -sS -o "$W/$name.bin" "$url" 2>"$W/$name.err" ||
		{ ktap_diag "curl $url failed:" "$(cat "$W/$name.err")"; return 1; }
	sha_is "$W/$name.bin"
}
both_inetx() {
	listening 18080 && is_inetx "$NGINX_INETX" || return 1
	[ "$(inetx_count)" -ge 1 ] || { ktap_diag "no $PROTO socket in /proc/net/protocols"; return 1; }
	curl_get c1 http://127.0.0.1:18080/file.bin "$RUN" -v && said_inetx "$W/c1.err"
}
ktap_check "nginx and curl, both on inetx: 10 MiB, sha256 equal" both_inetx
server_inetx() { listening 18080 && is_inetx "$NGINX_INETX" && curl_get c2 http://127.0.0.1:18080/file.bin; }
ktap_check "nginx on inetx, curl on AF_INET: 10 MiB, sha256 equal" server_inetx
client_inetx() {
	listening 18081 || return 1
	if [ "$STANDIN" != 1 ] && "$RUN" --check "$NGINX_PLAIN" >/dev/null; then
		ktap_diag "the AF_INET nginx has an inetx socket"
		return 1
	fi
	curl_get c3 http://127.0.0.1:18081/file.bin "$RUN" -v && said_inetx "$W/c3.err"
}
ktap_check "nginx on AF_INET, curl on inetx: 10 MiB, sha256 equal" client_inetx
# --ports: curl (preload), then busybox wget (--seccomp), each fetching from
# both servers; only the connection to the selected port is swapped.
swapped_18081() { # FILE: one swap, to 18081, none to 18080
	if [ "$(grep -c "connect 127.0.0.1:18081 -> family [0-9]* ($PROTO)\$" "$1")" != 1 ] ||
		grep -q 'connect 127.0.0.1:18080 ->' "$1"; then
		ktap_diag "want one swap, to 18081:" "$(cat "$1")"
		return 1
	fi
}
selected_preload() {
	timeout 300 "$RUN" -v --ports 18081 curl -sS -o "$W/s1.bin" http://127.0.0.1:18080/file.bin \
		-o "$W/s2.bin" http://127.0.0.1:18081/file.bin 2>"$W/sel1.err" || return 1
	sha_is "$W/s1.bin" && sha_is "$W/s2.bin" && swapped_18081 "$W/sel1.err"
}
ktap_check "--ports: curl (preload) swaps only the selected connection" selected_preload
selected_seccomp() {
	timeout 300 "$RUN" -v --seccomp --ports 18081 sh -c "busybox wget -q -O '$W/s3.bin' \
		http://127.0.0.1:18080/file.bin && busybox wget -q -O '$W/s4.bin' http://127.0.0.1:18081/file.bin" \
		2>"$W/sel2.err" || return 1
	sha_is "$W/s3.bin" && sha_is "$W/s4.bin" && swapped_18081 "$W/sel2.err"
}
seccomp_check "--ports: busybox wget (--seccomp) swaps only the selected connection" selected_seccomp
stop "$NGINX_PLAIN"

# ---- static and Go programs: --seccomp ---------------------------------------
bb_wget() {
	timeout 300 "$RUN" -v --seccomp busybox wget -q -O "$W/bb.bin" http://127.0.0.1:18080/file.bin \
		2>"$W/bb.err" || { ktap_diag "busybox wget:" "$(cat "$W/bb.err")"; return 1; }
	sha_is "$W/bb.bin" && said_inetx "$W/bb.err"
}
seccomp_check "busybox-static wget --seccomp from nginx on inetx: sha256 equal, its socket INETX" bb_wget
stop "$NGINX_INETX"

bb_nc() {
	local sup
	start bbnc "$RUN" -v --seccomp busybox nc -l -p 18082 127.0.0.1
	sup=$PID
	listening 18082 && is_inetx "$(child_of "$sup")" || return 1
	timeout 300 socat -u "FILE:$MIB10" TCP:127.0.0.1:18082 || { ktap_diag "socat to busybox nc failed"; return 1; }
	# nc -l stays after the peer's EOF: wait for the bytes, then stop it.
	ktap_wait 120 eval '[ "$(stat -c %s "$W/bbnc.out")" = $((10 << 20)) ]'
	stop "$sup"
	sha_is "$W/bbnc.out"
}
seccomp_check "busybox-static nc -l --seccomp on inetx, a file from socat: sha256 equal" bb_nc

go_prog() {
	local sup
	start gosrv "$RUN" -v --seccomp "$BIN/inetx_run_go" serve 127.0.0.1:18083 "$MIB10"
	sup=$PID
	listening 18083 && is_inetx "$(child_of "$sup")" || return 1
	timeout 300 "$RUN" -v --seccomp "$BIN/inetx_run_go" get http://127.0.0.1:18083/ >"$W/goget.out" 2>"$W/goget.err" ||
		{ ktap_diag "Go client:" "$(cat "$W/goget.err")"; return 1; }
	stop "$sup"
	has "$W/goget.out" "^$WANT $((10 << 20))\$" && said_inetx "$W/goget.err"
}
seccomp_check "Go server and client --seccomp on inetx: sha256 equal, both INETX" go_prog

# ---- redis -----------------------------------------------------------------------
redis() {
	local srv
	start redis "$RUN" redis-server --port 16379 --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$W" --protected-mode no --daemonize no
	srv=$PID
	listening 16379 && is_inetx "$srv" || return 1
	timeout 900 "$RUN" -v redis-benchmark -h 127.0.0.1 -p 16379 -n 20000 -q >"$W/bench.out" 2>"$W/bench.err" ||
		{ ktap_diag "redis-benchmark failed:" "$(tail -c 1500 "$W/bench.err")"; return 1; }
	ktap_diag "$(tr '\r' '\n' <"$W/bench.out" | grep 'requests per second' | head -n 30)"
	if grep -qi error "$W/bench.out" "$W/bench.err" ||
		[ "$(tr '\r' '\n' <"$W/bench.out" | grep -c 'requests per second')" -lt 10 ]; then
		ktap_diag "redis-benchmark: errors or too few results"
		return 1
	fi
	said_inetx "$W/bench.err" || return 1
	head -c $((1 << 20)) "$MIB10" >"$W/val"
	timeout 120 "$RUN" -v redis-cli -h 127.0.0.1 -p 16379 -x SET big <"$W/val" >"$W/set.out" 2>"$W/set.err" &&
		has "$W/set.out" '^OK$' || return 1
	timeout 120 "$RUN" redis-cli -h 127.0.0.1 -p 16379 --raw GET big >"$W/get.out" 2>"$W/get.err" || return 1
	stop "$srv"
	# --raw ends the value with a newline of its own.
	if [ "$(head -c $((1 << 20)) "$W/get.out" | sha256sum)" != "$(sha256sum <"$W/val")" ] ||
		[ "$(stat -c %s "$W/get.out")" != $(((1 << 20) + 1)) ]; then
		ktap_diag "GET returned $(stat -c %s "$W/get.out") bytes, not the value"
		return 1
	fi
	said_inetx "$W/set.err"
}
ktap_check "redis-benchmark -n 20000 -q: no errors; redis-cli SET/GET of 1 MiB, all on inetx" redis

# ---- iperf3 ------------------------------------------------------------------------
# The client's JSON carries the server's count of bytes received
# (end.sum_received) next to its own count of bytes sent (end.sum_sent);
# the server's JSON its own count.  The two reports of the received count
# must be equal; the sent count is larger by what was in flight when the
# server stopped counting at the end of the 3 s (bounded by the socket
# buffers).
iperf() {
	local srv sent recv recv_c
	start iperf-s "$RUN" iperf3 -s -B 127.0.0.1 -p 15201 -1 --json
	srv=$PID
	listening 15201 && is_inetx "$srv" || return 1
	timeout 120 "$RUN" -v iperf3 -c 127.0.0.1 -p 15201 -t 3 --json >"$W/iperf-c.out" 2>"$W/iperf-c.err" ||
		{ ktap_diag "iperf3 -c:" "$(tail -c 1500 "$W/iperf-c.out")"; return 1; }
	wait "$srv"
	jq() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["end"][sys.argv[2]]["bytes"])' "$@"; }
	sent=$(jq "$W/iperf-c.out" sum_sent) recv_c=$(jq "$W/iperf-c.out" sum_received)
	recv=$(jq "$W/iperf-s.out" sum_received)
	ktap_diag "iperf3: client sent $sent bytes; received: $recv (server's report), $recv_c (client's copy)"
	[ -n "$recv" ] && [ "$recv" -gt 0 ] && [ "$recv" = "$recv_c" ] &&
		[ "$sent" -ge "$recv" ] && [ $((sent - recv)) -le $((64 << 20)) ] && said_inetx "$W/iperf-c.err"
}
ktap_check "iperf3 -t 3 on inetx: both ends report the same byte count" iperf

# ---- python3 http.server and urllib; socat ----------------------------------------
py() {
	local srv
	start pyhttp "$RUN" python3 -m http.server -b 127.0.0.1 -d "$W/www" 18084
	srv=$PID
	listening 18084 && is_inetx "$srv" || return 1
	timeout 300 "$RUN" -v python3 -c '
import hashlib, sys, urllib.request
print(hashlib.sha256(urllib.request.urlopen(sys.argv[1]).read()).hexdigest())' \
		http://127.0.0.1:18084/file.bin >"$W/py.out" 2>"$W/py.err" || return 1
	stop "$srv"
	has "$W/py.out" "^$WANT\$" && said_inetx "$W/py.err"
}
ktap_check "python3 http.server and urllib on inetx: sha256 equal" py
socat_pipe() {
	local rcv
	start socat-r "$RUN" socat -u TCP-LISTEN:18085,bind=127.0.0.1,reuseaddr "CREATE:$W/socat.bin"
	rcv=$PID
	listening 18085 && is_inetx "$rcv" || return 1
	timeout 300 "$RUN" -v socat -u "FILE:$MIB10" TCP:127.0.0.1:18085 2>"$W/socat-s.err" || return 1
	wait "$rcv"
	sha_is "$W/socat.bin" && said_inetx "$W/socat-s.err"
}
ktap_check "socat piping a file, both ends on inetx: sha256 equal" socat_pipe

# ---- OpenSSH -------------------------------------------------------------------------
ssh_test() {
	local srv
	ssh-keygen -q -t ed25519 -N '' -f "$W/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$W/userkey" &&
		cp "$W/userkey.pub" "$W/authorized_keys" || return 1
	# sshd's privilege separation directory (the guest's /run is empty).
	[ -d /run/sshd ] || { mkdir /run/sshd && RM_SSHD_DIR=1; }
	start sshd "$RUN" /usr/sbin/sshd -D -e -f /dev/null -o Port=12222 -o ListenAddress=127.0.0.1 \
		-o HostKey="$W/hostkey" -o AuthorizedKeysFile="$W/authorized_keys" -o StrictModes=no \
		-o PidFile=none -o UsePAM=no -o PermitRootLogin=prohibit-password
	srv=$PID
	listening 12222 && is_inetx "$srv" || return 1
	timeout 300 "$RUN" -v ssh -F /dev/null -i "$W/userkey" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -p 12222 root@127.0.0.1 \
		"echo remote-ok; awk '\$1 == \"$PROTO\" { print \"sockets\", \$3 }' /proc/net/protocols" \
		>"$W/ssh.out" 2>"$W/ssh.err" || { ktap_diag "ssh:" "$(cat "$W/ssh.err" "$W/sshd.err")"; return 1; }
	stop "$srv"
	ktap_diag "remote side: $(tr '\n' ' ' <"$W/ssh.out")"
	# The listener, the accepted socket and ssh's own: at least 3 inetx sockets.
	has "$W/ssh.out" '^remote-ok$' '^sockets ([3-9]|[0-9]{2,})$' && said_inetx "$W/ssh.err"
}
ktap_check "sshd on inetx, ssh on inetx running a remote command (key auth)" ssh_test

# ---- AF_INET <-> inetx across network namespaces ----------------------------------------
netns_up() {
	modprobe -q veth
	ip netns add inxapps && ip link add inxv0 type veth peer name inxv1 &&
		ip link set inxv1 netns inxapps && ip addr add 10.77.0.1/24 dev inxv0 && ip link set inxv0 up &&
		ip -n inxapps addr add 10.77.0.2/24 dev inxv1 && ip -n inxapps link set inxv1 up &&
		ip -n inxapps link set lo up
}
ns_listening() { ip netns exec inxapps awk -v p="$(printf ':%04X' "$1")" \
	'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' /proc/net/tcp; }
ns_to_inetx() {
	local srv
	start ns-srv "$RUN" python3 -m http.server -b 10.77.0.1 -d "$W/www" 18086
	srv=$PID
	listening 18086 && is_inetx "$srv" || return 1
	timeout 300 ip netns exec inxapps curl -sS -o "$W/ns1.bin" http://10.77.0.1:18086/file.bin || return 1
	stop "$srv"
	sha_is "$W/ns1.bin"
}
inetx_to_ns() {
	local srv
	ip netns exec inxapps python3 -m http.server -b 10.77.0.2 -d "$W/www" 18087 >/dev/null 2>&1 </dev/null &
	srv=$!
	PIDS+=("$srv")
	ktap_wait 120 ns_listening 18087 || { ktap_diag "no listener in the namespace"; return 1; }
	curl_get ns2 http://10.77.0.2:18087/file.bin "$RUN" -v || return 1
	stop "$srv"
	said_inetx "$W/ns2.err"
}
if [ "$STANDIN" = 1 ]; then
	ktap_skip "stand-in run" "veth: an AF_INET client in another namespace reaches an inetx server"
	ktap_skip "stand-in run" "veth: an inetx client reaches an AF_INET server in another namespace"
elif ! netns_up; then
	ktap_result 1 "veth: an AF_INET client in another namespace reaches an inetx server (no veth pair)"
	ktap_result 1 "veth: an inetx client reaches an AF_INET server in another namespace (no veth pair)"
else
	ktap_check "veth: an AF_INET client in another namespace reaches an inetx server" ns_to_inetx
	ktap_check "veth: an inetx client reaches an AF_INET server in another namespace" inetx_to_ns
fi

strict_ok() {
	"$RUN" --strict true 2>"$W/strict.err" ||
		{ ktap_diag "--strict with inetx loaded: $(cat "$W/strict.err")"; return 1; }
}
ktap_check "--strict with the module loaded runs the program" strict_ok

ktap_diag "inetx_run_apps took $(($(date +%s) - T0)) s"
ktap_diag "inetx_run_apps: $KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
ktap_finish
