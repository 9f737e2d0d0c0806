#!/bin/bash
# Boot one Debian kernel under QEMU (TCG) and run a command inside it.
#
# Usage:
#   selftests/vm/run-vm.sh --kver KVER --out OUTDIR [--timeout SECS]
#                          [--append 'KERNEL ARGS'] [--accel ACCEL]
#                          [--quiet|--silent] [--] CMD [ARG...]
#   selftests/vm/run-vm.sh --kernel IMAGE --modroot DIR [--kver KVER]
#                          --out OUTDIR [...] [--] CMD [ARG...]
#   selftests/vm/run-vm.sh --take-slots N -- CMD [ARG...]
#
# By default the kernel is Debian's /boot/vmlinuz-KVER with its modules in
# /lib/modules/KVER.  --kernel boots another image (such as the debug kernel
# of selftests/debug-kernel/build.sh, or DIR/vmlinuz of a development-suite
# kernel that DIR=$(selftests/vm/debian-dev.sh kernel) unpacked) and
# --modroot takes its modules from DIR/lib/modules/KVER (DIR as in
# INSTALL_MOD_PATH; DIR may also be that KVER directory itself; not under
# /tmp, which the guest hides).  --kver may then be left out if DIR holds
# one kernel version only.  Virtio, 9p and overlay built into that kernel
# (listed in its modules.builtin) are simply not loaded; the guest sees the
# module directory as its /lib/modules/KVER through a writable overlay, so
# depmod and modprobe work.
#
# The guest boots a tiny busybox initramfs, mounts the host's / read-only over
# 9p at /host, mounts OUTDIR writable at the same absolute path, makes /host
# the root of a mount namespace for CMD (not a chroot, so unprivileged users
# may create user and network namespaces; mounts CMD makes still show under
# init's /host) and runs CMD there as root from the directory run-vm.sh was
# started in, with PATH=/usr/sbin:/usr/bin:/sbin:/bin, stdin from /dev/null
# and stdout/stderr on the serial console.  So CMD runs the host's own
# Debian binaries and sees the repository at the same path; only OUTDIR,
# tmpfs /tmp, /run, /dev/shm and /lib/modules (a throwaway tmpfs overlay,
# so depmod works) are writable.
# CMD also gets INETX_VM=1, INETX_VM_KVER and INETX_VM_OUT, and the
# caller's INETX_FUZZ_* variables (selftests/run_selftests.sh) and
# INETX_FAILNTH_* (selftests/debug-kernel/guest.sh).
#
# Files written to OUTDIR (files of earlier runs and *.ktap directly in OUTDIR
# are deleted first, so stale results can't be summarized again):
#   console.log          whole serial console (kernel log + CMD output)
#   console.boot-crash.log  a boot that crashed before CMD started (it is
#                        booted once more; see run_qemu below)
#   exit-status          CMD's exit status, written by the guest
#   taint-before/-after  /proc/sys/kernel/tainted around CMD
#   run-vm.status        "pass" or "fail: REASONS" (read by summarize.sh)
#   kver                 KVER (summarize.sh's label for this directory)
#   qemu.stderr          QEMU's own diagnostics
#   .run-vm/             guest-side helper files
#
# Exit status: CMD's exit status if the run was otherwise clean.  On a
# kernel-log problem or a new taint: CMD's status if non-zero, else 1.
# 124 when the timeout killed QEMU, 125 when the guest never reported CMD's
# status (crash, panic, failed mount, bad cwd) or on usage errors.
#
# The run fails if a kernel line matches Oops, BUG:, WARNING:, Call Trace,
# general protection, kernel BUG, UBSAN, KASAN, kmemleak, possible circular
# locking, "INFO: task .* blocked" or Kernel panic, or if CMD added a taint
# bit other than O and E.  Only kernel lines (those carrying a printk
# timestamp, "[   12.345678]", forced on with printk.time=1) are scanned, so
# CMD output such as "tcpdump: WARNING: ..." is not mistaken for a kernel
# warning.  Lines matching INETX_VM_CONSOLE_ALLOW (an extended regex) are
# ignored.
#
# --net-peer gives the guest a second NIC, virtio-net (its driver is not
# loaded: modprobe virtio_net), with MAC 52:54:00:77:HH:LL, linked to
# another guest's:
#   --net-peer tap:IFNAME  through the existing tap device IFNAME, e.g. one
#       of two taps on a bridge in a network namespace of the caller's
#       (the host's own network stays untouched); QEMU opens it with a
#       virtio-net header, so checksum offload and TSO/GSO are on.
#   --net-peer LPORT:RPORT  through a QEMU UDP socket on the host's
#       loopback only: this guest sends from 127.0.0.1:LPORT to
#       127.0.0.1:RPORT, the other one runs with --net-peer RPORT:LPORT.
#       No root needed, but a socket netdev has no virtio-net header, so
#       QEMU offers no checksum or TSO offload on that NIC.
# Either guest may boot first; frames sent while the peer is down are lost,
# as on a cable.  HHLL: LPORT, or 16 bits of IFNAME's cksum, in hex.
#
# --take-slots N runs CMD (no guest) holding N of the INETX_VM_SLOTS slots
# (at most all of them), taken all at once, never some while waiting for
# the rest, so two of these cannot deadlock each other.  CMD runs with
# INETX_VM_SLOTS unset: the run-vm.sh it starts (e.g. two guests joined by
# --net-peer) boot at once, on the slots held for them.  Without
# INETX_VM_SLOTS it just runs CMD.
#
# --timeout (default 600 s) bounds the whole boot+run; --append adds kernel
# command-line arguments.  --accel is QEMU's -accel value, default "tcg"
# (one host thread per vCPU); "tcg,thread=single" runs all vCPUs on one
# host thread, so no vCPU runs code that another is rewriting (ftrace's
# function_graph on the debug kernel, selftests/debug-kernel/run.sh).
# stdout shows the whole console live; with --quiet only CMD's output (no
# boot log, no kernel lines), with --silent nothing; console.log always has
# everything.  The guest powers off as soon as CMD
# returns, so CMD must wait for its own background jobs.  One run per OUTDIR
# at a time.
#
# Environment: INETX_VM_CACHE (initramfs cache dir, default
# <repo>/build/vm), INETX_VM_TAINT_IGNORE (taint bits allowed to appear,
# default 12288 = O|E, which loading an unsigned out-of-tree module sets),
# INETX_VM_SLOTS=N with INETX_VM_SLOT_DIR=DIR (at most N guests at a time
# among the run-vm.sh sharing DIR; make check sets them; the wait for a
# slot does not count against --timeout; a free slot goes to a waiting run
# with a lower INETX_VM_PRIO first, default 50).
# INETX_VM_QEMU_ARGS: more QEMU arguments, split on blanks and added after
# run-vm.sh's own (a later option of the same kind wins), e.g. "-icount
# shift=0,sleep=off" (selftests/bench/run.sh); unset or empty adds none.
set -eu

SCRIPT=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SCRIPT")/../.." && pwd -P)

usage() { # [STATUS]
	sed -n '2,/^set -eu/p' "$SCRIPT" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2
	exit "${1:-125}"
}
die() { echo "run-vm: error: $*" >&2; exit 125; }

KVER="" OUT="" TIMEOUT=600 APPEND="" ACCEL=tcg QUIET=0 KERNEL="" MODROOT="" NET_PEER="" TAKE_SLOTS=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) [ $# -ge 2 ] || usage; KVER=$2; shift 2 ;;
	--kernel) [ $# -ge 2 ] || usage; KERNEL=$2; shift 2 ;;
	--modroot) [ $# -ge 2 ] || usage; MODROOT=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || usage; APPEND=$2; shift 2 ;;
	--accel) [ $# -ge 2 ] || usage; ACCEL=$2; shift 2 ;;
	--net-peer) [ $# -ge 2 ] || usage; NET_PEER=$2; shift 2 ;;
	--take-slots) [ $# -ge 2 ] || usage; TAKE_SLOTS=$2; shift 2 ;;
	-q|--quiet) QUIET=1; shift ;;
	--silent) QUIET=2; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	-*) echo "run-vm: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done

case "$ACCEL" in
tcg | tcg,*) ;;
*) die "--accel '$ACCEL': the guests run on QEMU TCG only" ;;
esac

# A slot is a flock on DIR/slot-I held through an fd that QEMU (or the
# CMD of --take-slots) inherits: it is free again once this run and its
# children are gone, however they end.
take_slots() { # N: sets SLOTS_GOT (slot numbers) and SLOTS_WAITED (s)
	local want=$1 prio slot_dir waitf slot fd fds
	case "$INETX_VM_SLOTS" in *[!0-9]*|0) die "INETX_VM_SLOTS wants a positive number" ;; esac
	[ "$want" -le "$INETX_VM_SLOTS" ] || want=$INETX_VM_SLOTS
	prio=${INETX_VM_PRIO:-50}
	case "$prio" in ''|*[!0-9]*) die "INETX_VM_PRIO wants a number" ;; esac
	slot_dir=${INETX_VM_SLOT_DIR:-$CACHE/slots}
	mkdir -p "$slot_dir"
	# Waiters announce themselves as wait.PRIO.PID.WANT (stale ones: dead
	# PID). A waiter for more slots than we want does not hold us back:
	# it waits for slots to be free together, and the ones it leaves free
	# meanwhile would otherwise idle (it goes once the others are done).
	waitf=$slot_dir/wait.$prio.$$.$want
	touch "$waitf"
	# shellcheck disable=SC2064  # expand $waitf now
	trap "rm -f '$waitf'" EXIT
	ahead() {
		local f p pid w
		for f in "$slot_dir"/wait.*.*.*; do
			[ -e "$f" ] || continue
			IFS=. read -r _ p pid w <<<"${f##*/}"
			[ "$p" -lt "$prio" ] && [ "$w" -le "$want" ] &&
				kill -0 "$pid" 2>/dev/null && return 0
		done
		return 1
	}
	SLOTS_WAITED=0
	while :; do
		SLOTS_GOT="" fds=()
		if ! ahead; then
			for slot in $(seq 1 "$INETX_VM_SLOTS"); do
				exec {fd}>"$slot_dir/slot-$slot"
				if flock -n "$fd"; then
					fds+=("$fd")
					SLOTS_GOT="$SLOTS_GOT $slot"
					[ ${#fds[@]} -lt "$want" ] || break 2
				else
					exec {fd}>&-
				fi
			done
			# Too few free: let the others go, hold nothing while waiting.
			for fd in "${fds[@]}"; do exec {fd}>&-; done
		fi
		sleep 1
		SLOTS_WAITED=$((SLOTS_WAITED + 1))
	done
	SLOTS_GOT=${SLOTS_GOT# }
	rm -f "$waitf"
	trap - EXIT
}

CACHE=${INETX_VM_CACHE:-$REPO/build/vm}
if [ -n "$TAKE_SLOTS" ]; then
	case "$TAKE_SLOTS" in *[!0-9]*|0) die "--take-slots wants a positive number" ;; esac
	[ $# -gt 0 ] || usage
	if [ -n "${INETX_VM_SLOTS:-}" ]; then
		take_slots "$TAKE_SLOTS"
		echo "run-vm: slots $SLOTS_GOT of $INETX_VM_SLOTS for $1 (waited ${SLOTS_WAITED}s)"
	fi
	unset INETX_VM_SLOTS
	exec "$@"
fi
if [ -z "$OUT" ] || [ $# -eq 0 ]; then usage; fi
case "$TIMEOUT" in ''|*[!0-9]*) die "--timeout wants whole seconds" ;; esac

# --modroot: DIR/lib/modules/KVER, or DIR is the KVER directory itself.
if [ -n "$MODROOT" ]; then
	[ -d "$MODROOT" ] || die "--modroot $MODROOT is not a directory"
	MODROOT=$(cd "$MODROOT" && pwd -P)
	if [ -z "$KVER" ]; then
		if [ -d "$MODROOT/lib/modules" ]; then
			kvers=("$MODROOT"/lib/modules/*/)
			if [ ${#kvers[@]} != 1 ] || [ ! -d "${kvers[0]}" ]; then
				die "--modroot $MODROOT: want exactly one lib/modules/KVER, or --kver"
			fi
			KVER=$(basename "${kvers[0]}")
		else
			KVER=$(basename "$MODROOT")
		fi
	fi
fi
[ -n "$KVER" ] || usage
case "$KVER" in */*|.|..) die "bad kernel version '$KVER'" ;; esac
NET_ARGS=()
net_mac() { printf '52:54:00:77:%02x:%02x' $((($1 >> 8) & 255)) $(($1 & 255)); }
case "$NET_PEER" in
'') ;;
tap:?*)
	tap=${NET_PEER#tap:}
	# ip, not /sys/class/net: that shows the namespace sysfs was mounted in.
	ip -d link show dev "$tap" 2>/dev/null | grep -q 'tun type tap' || die "--net-peer: no tap device $tap"
	# shellcheck disable=SC2054  # commas belong to QEMU option values
	NET_ARGS=(-netdev "tap,id=peer,ifname=$tap,script=no,downscript=no,vnet_hdr=on"
		-device "virtio-net-pci,netdev=peer,mac=$(net_mac "$(printf '%s' "$tap" | cksum | cut -d' ' -f1)")") ;;
*)
	lport=${NET_PEER%%:*} rport=${NET_PEER#*:}
	case "$lport:$rport" in
	*[!0-9:]*|:*|*:|*:*:*) die "--net-peer wants tap:IFNAME or LPORT:RPORT" ;;
	esac
	if [ "$lport" -lt 1 ] || [ "$lport" -gt 65535 ] || [ "$rport" -lt 1 ] || [ "$rport" -gt 65535 ]; then
		die "--net-peer: ports 1-65535"
	fi
	# shellcheck disable=SC2054  # commas belong to QEMU option values
	NET_ARGS=(-netdev "socket,id=peer,udp=127.0.0.1:$rport,localaddr=127.0.0.1:$lport"
		-device "virtio-net-pci,netdev=peer,mac=$(net_mac "$lport")") ;;
esac

if [ -z "$MODROOT" ]; then
	MODDIR=/lib/modules/$KVER
elif [ -d "$MODROOT/lib/modules/$KVER" ]; then
	MODDIR=$MODROOT/lib/modules/$KVER
elif [ "$(basename "$MODROOT")" = "$KVER" ]; then
	MODDIR=$MODROOT
else
	die "--modroot $MODROOT has no lib/modules/$KVER"
fi
if [ -n "$KERNEL" ]; then
	KERNEL=$(readlink -f "$KERNEL")
else
	KERNEL=/boot/vmlinuz-$KVER
fi
[ -r "$KERNEL" ] || die "no kernel $KERNEL"
[ -r "$MODDIR/modules.dep" ] || die "no $MODDIR/modules.dep"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run selftests/vm/setup-deps.sh)"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (install busybox-static)"

NL='
'
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd -P)
CWD=$(pwd -P)
# The guest mounts tmpfs on /tmp and /run, hides nothing else; the paths must
# also survive being passed through a file read by busybox sh.
case "$OUT$CWD$MODDIR" in *"$NL"*) die "paths with newlines are not supported" ;; esac
case "$OUT" in
/|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/run|/tmp) die "OUTDIR $OUT is not usable" ;;
esac
case "$CWD" in
/tmp|/tmp/*|/run|/run/*|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*)
	die "cwd $CWD is hidden by a guest mount; run from elsewhere (e.g. the repo)" ;;
esac

# ---------------------------------------------------------------------------
# Initramfs: busybox + the guest kernel's virtio/9p modules, cached per kernel.
# Rebuilt when this script, the kernel's module list or busybox changes.
mkdir -p "$CACHE"
# A module directory other than /lib/modules/KVER (a locally built kernel
# may reuse a Debian version string) gets initramfs files of its own.
IKEY=$KVER
[ "$MODDIR" = "/lib/modules/$KVER" ] ||
	IKEY=$KVER-$(printf '%s' "$MODDIR" | sha256sum | cut -c1-12)
INITRD=$CACHE/initramfs-$IKEY.cpio
MANIFEST=$CACHE/initramfs-$IKEY.manifest
# overlay: gives the guest a writable /lib/modules (see the init script).
WANT_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p overlay"

# Print the module files (relative to MODDIR) needed for WANT_MODULES, each
# after its dependencies, using modules.dep (so no modprobe runs on the host).
# Names that are not modules go to stderr as "builtin NAME" or "absent NAME".
resolve_modules() {
	awk -v want="$WANT_MODULES" -v builtin_file="$MODDIR/modules.builtin" '
	function modname(p) { sub(/.*\//, "", p); sub(/\.ko(\.(xz|gz|zst))?$/, "", p); gsub(/-/, "_", p); return p }
	function visit(p,   i, n, d) {
		if (p in done) return
		done[p] = 1
		n = split(deps[p], d, " ")
		for (i = 1; i <= n; i++) visit(d[i])
		print p
	}
	{ p = $1; sub(/:$/, "", p); path[modname(p)] = p; deps[p] = ""
	  for (i = 2; i <= NF; i++) deps[p] = deps[p] " " $i }
	END {
		while ((getline line < builtin_file) > 0) builtin[modname(line)] = 1
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (m in path) visit(path[m])
			else if (m in builtin) print "builtin " m > "/dev/stderr"
			else print "absent " m > "/dev/stderr"
		}
	}' "$MODDIR/modules.dep"
}

# The guest's /init (busybox sh, PID 1).  Kept here so one file owns the VM.
write_init() {
	cat <<'INIT_EOF'
#!/bin/busybox sh
# run-vm.sh guest init: load virtio/9p, mount the host, run CMD with it as root.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

log() { echo "run-vm-init: $*"; }
# Anything fatal: say why, then power off; the host sees no exit-status.
fatal() { log "FATAL: $*"; sync; poweroff -f; sleep 10; }

for m in $(cat /modules.list); do
	insmod "/modules/$m" || fatal "insmod $m failed"
done

# The virtio-9p channel can appear a moment after its driver loads: wait
# for it (30 s at most, a TCG guest on a busy host can be slow).
mount9p() { # TAG DIR OPTIONS
	i=0
	while ! mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,$3" "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.1
	done
}
# Read-only host root: nothing changes under us, so cache it (fast exec).
# Scratch: cache=mmap keeps writes going straight to the host but allows mmap.
mount9p scratch /scratch rw,cache=mmap || fatal "cannot mount scratch share"
read -r OUT </scratch/.run-vm/outdir || fatal "no .run-vm/outdir"
# --modroot: this kernel's module directory, a host path.
MODSRC=
[ ! -r /scratch/.run-vm/moddir ] || read -r MODSRC </scratch/.run-vm/moddir
mount9p hostroot /host ro,cache=loose || fatal "cannot mount hostroot share"

H=/host
mount -t proc proc $H/proc || fatal "mount proc"
mount -t sysfs sysfs $H/sys || fatal "mount sysfs"
mount -t devtmpfs devtmpfs $H/dev || fatal "mount devtmpfs"
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $H/dev/pts || fatal "mount devpts"
mount -t tmpfs -o mode=1777 tmpfs $H/dev/shm || fatal "mount /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs $H/tmp || fatal "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs $H/run || fatal "mount /run"
# Optional extras for tests: debugfs (KUnit results), cgroup2 + bpffs
# (cgroup BPF hooks), tracefs.
mount -t debugfs debugfs $H/sys/kernel/debug 2>/dev/null || log "no debugfs"
mount -t tracefs tracefs $H/sys/kernel/tracing 2>/dev/null || log "no tracefs"
mount -t cgroup2 cgroup2 $H/sys/fs/cgroup 2>/dev/null || log "no cgroup2"
mount -t bpf bpf $H/sys/fs/bpf 2>/dev/null || log "no bpffs"
# Writable /lib/modules: a tmpfs overlay (upper dir hidden from CMD), so a
# test can copy a module into /lib/modules/$(uname -r)/ and run depmod, e.g.
# to test net-pf-N autoloading.  Changes vanish with the VM.
mkdir -p /ovl
if mount -t tmpfs -o mode=755 tmpfs /ovl && mkdir -p /ovl/upper /ovl/work &&
	mount -t overlay -o lowerdir=$H/lib/modules,upperdir=/ovl/upper,workdir=/ovl/work \
		overlay $H/lib/modules; then :; else
	log "no writable /lib/modules (overlay failed)"
fi
# A kernel that is not installed on the host: its module directory becomes
# /lib/modules/$(uname -r), writable like the rest, through an overlay of
# its own: a distribution kernel's 100+ MB of modules would take minutes to
# copy over 9p under TCG.  Without overlay, copy.
if [ -n "$MODSRC" ]; then
	KV=$(uname -r)
	M=$H/lib/modules/$KV
	if mkdir -p "$M" /ovl/mod/upper /ovl/mod/work &&
		mount -t overlay -o "lowerdir=$H$MODSRC,upperdir=/ovl/mod/upper,workdir=/ovl/mod/work" \
			overlay "$M"; then :
	elif cp -a "$H$MODSRC/." "$M/"; then :; else
		log "cannot copy $MODSRC to /lib/modules/$KV"
	fi
fi
# OUTDIR exists on the host (so under the ro root) unless it lives on a guest
# tmpfs such as /tmp; then create the mount point there.
mkdir -p "$H$OUT" 2>/dev/null
mount -o move /scratch "$H$OUT" || fatal "cannot move scratch to $OUT"
ip link set lo up || fatal "cannot bring lo up"
hostname inetx-vm

cat /proc/sys/kernel/tainted >"$H$OUT/taint-before"
cat /proc/uptime >"$H$OUT/.run-vm/uptime-start"
# Unprivileged user namespaces (the tests make network namespaces as
# nobody): Debian's switch where the kernel has it, AppArmor's restriction
# where present.
[ ! -w /proc/sys/kernel/unprivileged_userns_clone ] ||
	echo 1 >/proc/sys/kernel/unprivileged_userns_clone
[ ! -w /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] ||
	echo 0 >/proc/sys/kernel/apparmor_restrict_unprivileged_userns
log "user.max_user_namespaces=$(cat /proc/sys/user/max_user_namespaces)"

log "running CMD (uptime $(cut -d' ' -f1 /proc/uptime)s)"
# CMD must not be chrooted: the kernel refuses a user namespace to a
# chrooted process (current_chrooted()).  So CMD gets a mount namespace of
# its own in which the host root is moved onto "/" (what switch_root does;
# pivot_root cannot leave the initramfs).  Shared: mounts CMD makes
# (packaging's overlays) still show under /host here, where the kernel's
# modprobe helper (packaging/lib.sh) looks; only "/" private, or the move
# is refused.
mount --make-rshared $H || fatal "cannot make $H shared"
unshare -m --propagation shared sh -c 'mount --make-private / && cd "$1" &&
	mount --move . / && exec chroot . /usr/bin/env -i /bin/bash "$2"' \
	sh $H "$OUT/.run-vm/guest.sh"
rc=$?
cat /proc/uptime >"$H$OUT/.run-vm/uptime-end"
cat /proc/sys/kernel/tainted >"$H$OUT/taint-after"
echo $rc >"$H$OUT/exit-status"
log "CMD exited with status $rc"
sync
poweroff -f
sleep 10
INIT_EOF
}

build_initramfs() {
	local tmp f name list
	tmp=$(mktemp -d "$CACHE/.initramfs-$KVER.XXXXXX")
	# shellcheck disable=SC2064  # expand $tmp now
	trap "rm -rf '$tmp'" EXIT
	mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/host" "$tmp/scratch" "$tmp/modules" "$tmp/ovl"
	# A dynamically linked busybox would not run without the host's libc.
	if command -v readelf >/dev/null && readelf -l "$BUSYBOX" | grep -q INTERP; then
		die "$BUSYBOX is dynamically linked; install busybox-static"
	fi
	cp "$BUSYBOX" "$tmp/bin/busybox"
	# The kernel opens /dev/console before init runs; only root can mknod, and
	# init re-opens the console after mounting devtmpfs anyway.
	mknod "$tmp/dev/console" c 5 1 2>/dev/null || true

	list=$(resolve_modules 2>"$tmp/notes")
	: >"$tmp/modules.list"
	for f in $list; do
		name=$(basename "$f"); name=${name%.xz}; name=${name%.gz}; name=${name%.zst}
		# busybox insmod wants plain ELF; decompress here rather than in the guest.
		case "$f" in
		*.xz) xz -dc "$MODDIR/$f" >"$tmp/modules/$name" ;;
		*.gz) gzip -dc "$MODDIR/$f" >"$tmp/modules/$name" ;;
		*.zst) zstd -qdc "$MODDIR/$f" >"$tmp/modules/$name" ;;
		*) cp "$MODDIR/$f" "$tmp/modules/$name" ;;
		esac
		echo "$name" >>"$tmp/modules.list"
	done
	write_init >"$tmp/init"
	chmod 755 "$tmp/init"
	(cd "$tmp" && find . -mindepth 1 ! -name notes | LC_ALL=C sort |
		cpio -o -H newc --quiet) >"$tmp.cpio"
	mv -f "$tmp.cpio" "$INITRD"
	# Unquoted $(...) on purpose: joins the lists onto one line.
	# shellcheck disable=SC2046
	{
		echo "loaded:" $(sed 's/\.ko$//' "$tmp/modules.list")
		echo "built-in:" $(sed -n 's/^builtin //p' "$tmp/notes") "-"
		echo "absent (neither module nor built-in):" $(sed -n 's/^absent //p' "$tmp/notes") "-"
	} >"$MANIFEST"
	rm -rf "$tmp"
	trap - EXIT
}

if [ ! -s "$INITRD" ] || [ ! -s "$MANIFEST" ] || [ "$SCRIPT" -nt "$INITRD" ] ||
	[ "$MODDIR/modules.dep" -nt "$INITRD" ] ||
	[ "$BUSYBOX" -nt "$INITRD" ]; then
	echo "run-vm: building $INITRD"
	build_initramfs
fi
sed "s/^/run-vm: $KVER initramfs modules /" "$MANIFEST"

# ---------------------------------------------------------------------------
# Prepare OUTDIR: drop results of an earlier run, write the guest's command.
rm -rf "$OUT/.run-vm"
rm -f "$OUT/console.log" "$OUT/console.boot-crash.log" "$OUT/exit-status" \
	"$OUT/taint-before" "$OUT/taint-after" "$OUT/run-vm.status" "$OUT/qemu.stderr" "$OUT/kver" "$OUT"/*.ktap
mkdir -p "$OUT/.run-vm"
echo "running" >"$OUT/run-vm.status"
echo "$KVER" >"$OUT/kver"   # label for summarize.sh
printf '%s\n' "$OUT" >"$OUT/.run-vm/outdir"
[ "$MODDIR" = "/lib/modules/$KVER" ] || printf '%s\n' "$MODDIR" >"$OUT/.run-vm/moddir"
{
	echo '#!/bin/bash'
	echo '# Generated by run-vm.sh; runs inside the guest, in the host root.'
	echo 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TERM=dumb LANG=C.UTF-8'
	printf 'export INETX_VM=1 INETX_VM_KVER=%q INETX_VM_OUT=%q\n' "$KVER" "$OUT"
	# The fuzzer's and the fail-nth sweep's settings pass through.
	for v in $(compgen -v INETX_FUZZ_) $(compgen -v INETX_FAILNTH_); do
		printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'cd -- %q || { echo "run-vm-guest: cannot cd to %q" >&2; exit 125; }\n' "$CWD" "$CWD"
	printf 'exec'
	printf ' %q' "$@"
	printf ' </dev/null\n'
} >"$OUT/.run-vm/guest.sh"

# ---------------------------------------------------------------------------
# Boot.  QEMU -virtfs splits options on commas; a literal comma is doubled.
qpath() { printf '%s' "$1" | sed 's/,/,,/g'; }
CMDLINE="console=ttyS0 panic=-1 loglevel=7 printk.time=1 $APPEND"
# shellcheck disable=SC2054  # commas belong to QEMU option values
QEMU=(qemu-system-x86_64 -accel "$ACCEL" -cpu max -m 2G -smp 2 -nographic -no-reboot
	-nic none "${NET_ARGS[@]}"
	-kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$(qpath "$OUT"),mount_tag=scratch,security_model=none,multidevs=remap")
read -ra qemu_extra <<<"${INETX_VM_QEMU_ARGS:-}"
QEMU+=("${qemu_extra[@]}")

shown=$KVER
[ "$KERNEL" = "/boot/vmlinuz-$KVER" ] || shown="$KVER ($KERNEL)"

if [ -n "${INETX_VM_SLOTS:-}" ]; then
	take_slots 1
	echo "run-vm: $shown: VM slot $SLOTS_GOT of $INETX_VM_SLOTS (waited ${SLOTS_WAITED}s)"
fi
echo "run-vm: booting $shown (timeout ${TIMEOUT}s), console -> $OUT/console.log"
start=$(date +%s.%N)
set +e
run_qemu() {
	# timeout(1) kills QEMU on a hang (status 124).  The console goes to the log
	# and, filtered by --quiet or not at all with --silent, to our stdout.
	case "$QUIET" in
	0)
		timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>"$OUT/qemu.stderr" | tee "$OUT/console.log"
		qrc=${PIPESTATUS[0]} ;;
	1)
		# CMD's output only: lines from "running CMD" on, minus kernel lines.
		timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>"$OUT/qemu.stderr" | tee "$OUT/console.log" |
			sed -u -n -e '/run-vm-init: FATAL/p' \
				-e '/run-vm-init: running CMD/,${/^\[ *[0-9][0-9]*\.[0-9]*\]/!p;}'
		qrc=${PIPESTATUS[0]} ;;
	*)
		timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$OUT/console.log" 2>"$OUT/qemu.stderr"
		qrc=$? ;;
	esac
}
run_qemu
# A kernel that crashed before CMD started (QEMU TCG's cross-modifying code:
# an "Oops: int3" while the booting kernel patches its own text on another
# vCPU, seen under heavy host load) is booted once more; nothing of the
# test had run.  The crashed boot's console is kept.
if ! grep -aq 'run-vm-init: running CMD' "$OUT/console.log" &&
	grep -aqE '^\[ *[0-9]+\.[0-9]+\].*(Oops|Kernel panic)' "$OUT/console.log"; then
	mv "$OUT/console.log" "$OUT/console.boot-crash.log"
	echo "run-vm: $shown crashed while booting, before CMD: booting again (once);" \
		"that console is in $OUT/console.boot-crash.log"
	run_qemu
fi
set -e
end=$(date +%s.%N)

# ---------------------------------------------------------------------------
# Verdict.
problems=()
rc=0
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	problems+=("timeout after ${TIMEOUT}s")
	rc=124
elif [ "$qrc" != 0 ]; then
	problems+=("qemu exited with status $qrc")
	rc=125
fi
if [ -s "$OUT/qemu.stderr" ]; then
	echo "run-vm: qemu stderr:" >&2
	sed 's/^/  /' "$OUT/qemu.stderr" >&2
fi

cmd_rc=""
if [ -r "$OUT/exit-status" ]; then
	cmd_rc=$(tr -dc '0-9' <"$OUT/exit-status")
fi
if [ -z "$cmd_rc" ]; then
	problems+=("guest did not report CMD's exit status")
	[ "$rc" != 0 ] || rc=125
elif [ "$rc" = 0 ]; then
	rc=$cmd_rc
fi

# Kernel lines only: a printk timestamp, possibly after partial CMD output.
TS='\[ *[0-9]+\.[0-9]+\]'
BAD='Oops|BUG:|WARNING:|Call Trace|general protection|kernel BUG|UBSAN|KASAN|kmemleak|possible circular locking|INFO: task .* blocked|Kernel panic'
# Benign kernel lines that happen to contain a pattern (kmemleak's banner on
# debug kernels) plus whatever the caller adds.
ALLOW='kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread (started|ended))'
[ -z "${INETX_VM_CONSOLE_ALLOW:-}" ] || ALLOW="$ALLOW|$INETX_VM_CONSOLE_ALLOW"
if [ -s "$OUT/console.log" ]; then
	if ! grep -aqE "$TS" "$OUT/console.log"; then
		problems+=("console.log has no timestamped kernel lines; cannot check it")
	fi
	bad=$(tr -d '\r' <"$OUT/console.log" | grep -anE "$TS.*($BAD)" | grep -avE "$ALLOW" || true)
	if [ -n "$bad" ]; then
		problems+=("kernel log problems in console.log:$NL$(printf '%s\n' "$bad" | head -n 40 | sed 's/^/    /')")
	fi
else
	problems+=("console.log is empty")
fi

# Taint: bits that appeared while CMD ran, minus the allowed ones.
taint_letters() {
	# Letters as in Documentation/admin-guide/tainted-kernels.rst, bit 0 first.
	local v=$1 letters=PFSRMBUDAWCIOELKXTN out="" i
	for i in $(seq 0 18); do
		if [ $(((v >> i) & 1)) = 1 ]; then out="$out${letters:$i:1}(bit $i) "; fi
	done
	echo "${out% }"
}
TAINT_IGNORE=${INETX_VM_TAINT_IGNORE:-12288}
if [ -r "$OUT/taint-before" ] && [ -r "$OUT/taint-after" ]; then
	tb=$(tr -dc '0-9' <"$OUT/taint-before"); ta=$(tr -dc '0-9' <"$OUT/taint-after")
	tb=${tb:-0}; ta=${ta:-0}
	[ "$tb" = 0 ] || echo "run-vm: note: kernel already tainted before CMD: $tb ($(taint_letters "$tb"))"
	new=$((ta & ~tb & ~TAINT_IGNORE))
	if [ "$new" != 0 ]; then
		problems+=("new kernel taint $new: $(taint_letters "$new") (before $tb, after $ta)")
	fi
elif [ -n "$cmd_rc" ]; then
	problems+=("taint files missing")
fi

# Elapsed times: host wall clock, and the guest's uptime when CMD started/ended.
total=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
ustart=$(cut -d' ' -f1 "$OUT/.run-vm/uptime-start" 2>/dev/null || true)
uend=$(cut -d' ' -f1 "$OUT/.run-vm/uptime-end" 2>/dev/null || true)
timing="run-vm: $KVER: boot+run took ${total}s wall"
if [ -n "$ustart" ]; then
	timing="$timing; guest boot to CMD start (guest uptime) ${ustart}s"
	[ -z "$uend" ] || timing="$timing; CMD $(awk -v a="$ustart" -v b="$uend" 'BEGIN { printf "%.2f", b - a }')s"
fi
echo "$timing"

if [ ${#problems[@]} -gt 0 ]; then
	[ "$rc" != 0 ] || rc=1
	{
		echo "run-vm: FAIL ($KVER, exit $rc):"
		for p in "${problems[@]}"; do echo "  - $p"; done
	} >&2
	{
		printf 'fail:'
		# One line: newlines flattened, each problem cut at 300 characters.
		for p in "${problems[@]}"; do
			printf ' %s;' "$(printf '%s' "$p" | tr -s '\n ' '  ' | cut -c1-300)"
		done
		echo
	} >"$OUT/run-vm.status"
	exit "$rc"
fi
# A clean VM run still records a failing CMD, so summarize.sh notices it even
# when the KTAP output is incomplete.
if [ "$rc" = 0 ]; then
	echo "pass" >"$OUT/run-vm.status"
else
	echo "fail: CMD exited with status $rc" >"$OUT/run-vm.status"
fi
echo "run-vm: $KVER: CMD exited with status $rc, kernel log clean, no new taint"
exit "$rc"
