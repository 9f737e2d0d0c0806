#!/bin/bash
# The demo, inside the VM: load inetx, run the seed client over PF_INETX
# against an AF_INET server, show what the kernel and the wire saw, unload.
# It waits for events, not for time: tcpdump listening, the server
# listening, the last segment captured, the module's references gone.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=selftests/ktap.sh
. "$top/selftests/ktap.sh"
ko=$top/build/$(uname -r)/module/inetx.ko
seed=$top/build/tools/inetx_seed
port=9999

echo "== insmod $ko"
insmod "$ko"
dmesg | grep -E 'inetx: (un)?registered' | tail -n 1 | sed 's/^\[[^]]*\] /kernel: /'
echo
echo "== /proc/net/protocols"
grep -E '^(protocol|INETX|TCP) ' /proc/net/protocols
echo

wire=$(mktemp)
errs=$(mktemp)
tcpdump -i lo -n -l -S "tcp port $port" >"$wire" 2>"$errs" &
dump=$!
dump_ready() { grep -q "listening on" "$errs" || ! kill -0 $dump 2>/dev/null; }
ktap_wait 60 dump_ready || echo "(tcpdump is not listening yet)"

echo "== the seed's client over PF_INETX, an AF_INET server"
"$seed" server $port &
server=$!
server_ready() { ktap_tcp_listening $port || ! kill -0 $server 2>/dev/null; }
ktap_wait 60 server_ready || echo "(the server is not listening yet)"
"$seed" client $port
wait $server
# The last segment: the server acknowledges the client's FIN.
last_ack() {
	awk -v p="127.0.0.1.$port" '$0 ~ "> " p ": Flags \\[F" { fin = 1; next }
		fin && $3 == p && $0 ~ /Flags \[\.\]/ { found = 1 }
		END { exit !found }' "$wire"
}
ktap_wait 60 last_ack || echo "(the capture has no ACK of the client's FIN yet)"
kill -INT $dump 2>/dev/null || true
wait $dump 2>/dev/null || true
rm -f "$errs"
echo

echo "== on the wire (tcpdump -i lo): plain TCP/IPv4"
cat "$wire"
echo

echo "== rmmod inetx"
if ! out=$(ktap_rmmod inetx 90) || grep -q '^INETX ' /proc/net/protocols; then
	echo "inetx still loaded: $out" >&2
	exit 1
fi
echo "$out; INETX is gone from /proc/net/protocols"
dmesg | grep -E 'inetx: (un)?registered' | tail -n 1 | sed 's/^\[[^]]*\] /kernel: /'
