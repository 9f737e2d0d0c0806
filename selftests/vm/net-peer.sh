# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced, after selftests/ktap.sh, by scripts that boot two guests joined
# by run-vm.sh --net-peer (selftests/inetx_twohost.sh,
# selftests/bench/twohost.sh).
#
# On the host, in a network namespace of the caller's own:
#   net_peer_taps     a bridge inxbr with taps inxa and inxb (virtio-net
#                     header, so offloads are on): --net-peer tap:inxa and
#                     --net-peer tap:inxb
# In a guest:
#   net_peer_up ADDR/LEN   loads virtio_net, waits for the --net-peer NIC,
#                     gives it ADDR/LEN and sets it up; prints its name
#   peer_if           the NIC with run-vm.sh's --net-peer MAC
#   offloads DEV      its negotiated virtio-net offload bits
#   ping_peer ADDR    one ping (busybox's: iputils-ping need not be there)

net_peer_taps() {
	ip link add inxbr type bridge &&
		ip tuntap add dev inxa mode tap vnet_hdr && ip tuntap add dev inxb mode tap vnet_hdr &&
		ip link set inxa master inxbr && ip link set inxb master inxbr &&
		ip link set inxa up && ip link set inxb up && ip link set inxbr up
}

# Offload bits of the NIC's negotiated virtio-net features (bit N is the
# N+1th character): VIRTIO_NET_F_CSUM 0, GUEST_CSUM 1, GUEST_TSO4 7,
# HOST_TSO4 11.
offloads() { # DEV
	awk '{ printf "csum %s guest_csum %s host_tso4 %s guest_tso4 %s\n",
	       substr($1, 1, 1), substr($1, 2, 1), substr($1, 12, 1), substr($1, 8, 1) }' \
		"/sys/class/net/$1/device/features"
}

peer_if() {
	local f
	for f in /sys/class/net/*/address; do
		case "$(cat "$f")" in 52:54:00:77:*) basename "$(dirname "$f")"; return 0 ;; esac
	done
	return 1
}

ping_peer() { busybox ping -c 1 -W 1 -q "$1" >/dev/null; }

net_peer_up() { # ADDR/LEN
	local dev
	modprobe virtio_net && ktap_wait 30 peer_if >/dev/null && dev=$(peer_if) &&
		ip addr add "$1" dev "$dev" && ip link set "$dev" up || return 1
	echo "$dev"
}
