#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_layers.sh KO: the "layers" module parameter says which layers run
# inetx's own code on this kernel; check it against the module and against
# what a connect() really runs. KTAP on stdout.
#
# Root only, inside the QEMU guest. Loads KO unless inetx is already
# loaded (and then unloads it again).
#  - /sys/module/inetx/parameters/layers is 0444, equals modinfo's
#    "layers" tag of KO and cannot be written
#  - it lists proto.connect exactly when the kernel exports what the
#    tcp_v4_connect() mirror needs (its Module.symvers when the guest sees
#    one, else the supported-kernel table: 6.1 and 6.12 yes, 7.2 no)
#  - kprobes on inetx_v4_connect and tcp_v4_connect around one inetx
#    client/server exchange: inetx's proto.connect always runs (it checks
#    the address), TCP's tcp_v4_connect runs only where layers lacks
#    proto.connect. The guest runs nothing else that connects meanwhile.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$(cd "$HERE/.." && pwd)/build/selftests}
HOLD=$BIN/inetx_hold
KO=${1:-}
MOD=inetx
PARAM=/sys/module/$MOD/parameters/layers
TRACE=/sys/kernel/tracing
LOADED_HERE=0 MOUNTED_HERE=0 PROBES=0
MIRROR_NEEDS="inet_hash_connect tcp_set_state inet_bhash2_update_saddr inet_bhash2_reset_saddr"

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	if [ "$PROBES" = 1 ]; then
		echo 0 >"$TRACE/events/kprobes/enable" 2>/dev/null
		echo "-:kprobes/inx_own" >>"$TRACE/kprobe_events" 2>/dev/null
		echo "-:kprobes/inx_tcp" >>"$TRACE/kprobe_events" 2>/dev/null
	fi
	[ "$MOUNTED_HERE" = 1 ] && umount "$TRACE"
	[ "$LOADED_HERE" = 1 ] && ktap_rmmod "$MOD" 90 >/dev/null
}
trap cleanup EXIT

ktap_start 6

if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ] || [ ! -x "$HOLD" ]; then
	ktap_diag "needs root, a readable KO (got '$KO') and $HOLD (make -C selftests)"
	echo "Bail out! preconditions"
	exit 1
fi
if [ ! -d /sys/module/$MOD ]; then
	out=$(ktap_insmod "$KO") && LOADED_HERE=1
	[ -n "$out" ] && ktap_diag "insmod: $out"
fi

layers=$(cat "$PARAM" 2>/dev/null)
ktap_diag "layers: ${layers:-unreadable}"
ktap_diag "load message: $(dmesg 2>/dev/null | grep -o 'inetx: family .*' | tail -n 1)"
[ -n "$layers" ] && [ "$(stat -c %a "$PARAM")" = 444 ]
ktap_result $? "$PARAM is readable and read-only (0444)"

tag=$(modinfo -F layers "$KO" 2>/dev/null)
[ -n "$layers" ] && [ "$layers" = "$tag" ]
ktap_result $? "it equals modinfo's layers tag of $(basename "$KO") ('$tag')"

out=$( (echo create >"$PARAM") 2>&1)
rc=$?
ktap_diag "writing it: exit $rc ${out:+($out)}"
[ $rc != 0 ] && [ "$(cat "$PARAM" 2>/dev/null)" = "$layers" ]
ktap_result $? "writing it fails and leaves it unchanged"

has() { [[ ",$layers," == *",$1,"* ]]; }

# What the mirror needs, from the kernel's Module.symvers or the table.
expect=""
for sv in "/usr/src/linux-headers-$(uname -r)/Module.symvers" \
	"/lib/modules/$(uname -r)/build/Module.symvers"; do
	[ -r "$sv" ] || continue
	expect=yes
	for s in $MIRROR_NEEDS; do
		grep -qw "$s" "$sv" || { expect=no; ktap_diag "$sv lacks $s"; }
	done
	ktap_diag "expectation from $sv: mirror $expect"
	break
done
if [ -z "$expect" ]; then
	case $(uname -r) in
	6.1.*|6.12.*) expect=yes ;;
	7.2.*) expect=no ;;
	esac
	ktap_diag "no Module.symvers in the guest; supported-kernel table: mirror ${expect:-unknown}"
fi
desc="layers lists proto.connect exactly when the kernel exports $MIRROR_NEEDS"
if [ -z "$expect" ]; then
	ktap_skip "kernel $(uname -r) unknown and no Module.symvers" "$desc"
elif [ "$expect" = yes ]; then
	has proto.connect && has create && has proto_ops.connect
	ktap_result $? "$desc (yes here)"
else
	! has proto.connect && has create && has proto_ops.connect
	ktap_result $? "$desc (no here)"
fi

# ---- what connect() runs ---------------------------------------------------
hits() { awk -v e="$1" '$1 == e { print $2 }' "$TRACE/kprobe_profile"; }
probes() {
	if [ ! -e "$TRACE/kprobe_events" ]; then
		mount -t tracefs nodev "$TRACE" 2>/dev/null && MOUNTED_HERE=1
	fi
	[ -w "$TRACE/kprobe_events" ] || return 1
	PROBES=1
	echo "p:kprobes/inx_own inetx_v4_connect" >>"$TRACE/kprobe_events" &&
		echo "p:kprobes/inx_tcp tcp_v4_connect" >>"$TRACE/kprobe_events" &&
		echo 1 >"$TRACE/events/kprobes/inx_own/enable" &&
		echo 1 >"$TRACE/events/kprobes/inx_tcp/enable"
}
fam=$(cat /sys/module/$MOD/parameters/family 2>/dev/null)
if probes; then
	port=$("$HOLD" port)
	"$HOLD" wire "${fam:-18}" "$port"
	rc=$?
	own=$(hits inx_own) tcp=$(hits inx_tcp)
	ktap_diag "one inetx connect: inetx_v4_connect ran ${own:-?} times, tcp_v4_connect ${tcp:-?}"
	[ $rc = 0 ] && [ "${own:-0}" = 1 ]
	ktap_result $? "an inetx connect runs inetx's proto.connect (inetx_v4_connect) once"
	if has proto.connect; then
		[ $rc = 0 ] && [ "${tcp:-1}" = 0 ]
	else
		[ $rc = 0 ] && [ "${tcp:-0}" = 1 ]
	fi
	ktap_result $? "tcp_v4_connect runs $(has proto.connect && echo never || echo once), as layers says"
else
	ktap_skip "no kprobe events in $TRACE" "an inetx connect runs inetx's proto.connect (inetx_v4_connect) once"
	ktap_skip "no kprobe events in $TRACE" "tcp_v4_connect runs as layers says"
fi

ktap_finish
