#!/bin/bash
# The demo, inside the VM: load inetx, run the seed client over PF_INETX
# against an AF_INET server, show what the kernel and the wire saw, unload.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
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
tcpdump -i lo -n -l -S -c 10 "tcp port $port" >"$wire" 2>/dev/null &
dump=$!
sleep 1

echo "== the seed's client over PF_INETX, an AF_INET server"
"$seed" server $port &
server=$!
sleep 0.5
"$seed" client $port
wait $server
sleep 1
kill $dump 2>/dev/null || true
wait $dump 2>/dev/null || true
echo

echo "== on the wire (tcpdump -i lo): plain TCP/IPv4"
cat "$wire"
echo

echo "== rmmod inetx"
for i in $(seq 1 70); do
	rmmod inetx 2>/dev/null && break
	sleep 1
done
if grep -q '^INETX ' /proc/net/protocols; then
	echo "inetx still loaded: $(cat /sys/module/inetx/refcnt) references" >&2
	exit 1
fi
echo "unloaded after ${i}s; INETX is gone from /proc/net/protocols"
dmesg | grep -E 'inetx: (un)?registered' | tail -n 1 | sed 's/^\[[^]]*\] /kernel: /'
