#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside a run-vm.sh guest: install the inetx-dkms package with dpkg, as a
# user would.  Its postinst has DKMS build and install the module for the
# running kernel (and for the newest installed one, as Debian's DKMS does);
# then a plain socket() loads it, a client talks to an AF_INET server, and
# removing and purging the package leaves nothing behind.
#
# With PREBUILT (dkms.sh's directory of `dkms mktarball`s made on the host
# against the same kernels' headers, PREBUILT/KVER/inetx-VERSION.dkms.tar.gz)
# the module is not compiled here: a DKMS build in the guest takes many
# minutes under TCG.  The running kernel's tarball goes where DKMS's
# common.postinst looks for one, /usr/share/inetx-dkms/, so the postinst
# loads it with `dkms ldtarball` (sources plus the built module, status
# "built") and runs `dkms install`.  Without PREBUILT (run.sh:
# INETX_PK_DEB_GUEST_BUILD=1), DKMS builds here.
#
# run-vm.sh's guest has /usr and /var read-only (9p); this script first
# mounts throwaway tmpfs-backed overlays on /usr, /var and /etc so dpkg and
# DKMS can write there.  They vanish with the VM.
#
# Usage (in the guest, as root):
#   selftests/packaging/guest-deb.sh OUTDIR DEB INETX_SOCKET [PREBUILT]
# Writes OUTDIR/deb-install.ktap.  Refuses to run outside the VM.
# shellcheck disable=SC2016,SC2034,SC2317  # checks run indirectly, through pk_run and eval ($SOCK)
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: $0 OUTDIR DEB INETX_SOCKET [PREBUILT]" >&2; exit 2; }
OUT=$1 DEB=$2 SOCK=$3 PREBUILT=${4:-}

pk_start "$OUT" deb-install 15

if [ "${INETX_VM:-}" != 1 ] || [ "$(id -u)" != 0 ]; then
	pk_out "Bail out! not inside a run-vm.sh guest as root: this test installs a package"
	exit 1
fi
K=$(uname -r)
VERSION=$(dpkg-deb -f "$DEB" Version)
SEED=$PK_TOP/build/tools/inetx_seed
PORT=9912
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

overlays() {
	local d
	for d in /usr /var /etc; do
		mkdir -p "/tmp/pk-ovl$d/upper" "/tmp/pk-ovl$d/work" || return 1
		mount -t overlay overlay \
			-o "lowerdir=$d,upperdir=/tmp/pk-ovl$d/upper,workdir=/tmp/pk-ovl$d/work" "$d" ||
			return 1
	done
	touch /usr/.pk-rw /var/lib/dpkg/.pk-rw /var/lib/dkms/.pk-rw &&
		rm -f /usr/.pk-rw /var/lib/dpkg/.pk-rw /var/lib/dkms/.pk-rw
}
pk_run "throwaway overlays make /usr, /var and /etc writable" overlays
pk_run "guest set up as a booted system: /dev/fd, kernel.modprobe runs this system's modprobe" pk_vm_system
# man-db's dpkg trigger rebuilds the whole manual page index: 315 s of a
# 430 s dpkg -i under TCG, and again for dpkg -r.  Its own switch (the
# man-db/auto-update debconf answer) turns that off; the package's man
# page is checked on the host (deb.sh, manpage.sh).
pk_run "man-db's index rebuild off (no /var/lib/man-db/auto-update)" \
	rm -f /var/lib/man-db/auto-update
t=$(now)
pk_run "/lib/modules/$(uname -r) on tmpfs (same files; depmod is slow over 9p)" pk_vm_modules_in_ram
pk_diag "took $(took "$t")s"

pk_run "inetx is not loaded, and the package not installed, at start" \
	eval '! test -e /sys/module/inetx && ! dpkg -s inetx-dkms 2>/dev/null | grep -q "^Status: install ok"'

# Not part of the package: dpkg -r/-P leave it, and it goes at the end.
HOSTBUILT=/usr/share/inetx-dkms/inetx-$VERSION.dkms.tar.gz
if [ -n "$PREBUILT" ]; then
	how="built on the host"
	steps="dkms ldtarball of the host build, install"
	hostbuilt() {
		install -D -m 644 "$PREBUILT/$K/inetx-$VERSION.dkms.tar.gz" "$HOSTBUILT" &&
			tar -tzf "$HOSTBUILT" | grep "/$K/x86_64/module/inetx.ko"
	}
	pk_run "module DKMS built on the host for $K (dkms mktarball) as $HOSTBUILT" hostbuilt
else
	how="built in the guest"
	steps="dkms add, build, install"
	pk_run "no $HOSTBUILT: DKMS builds in the guest (INETX_PK_DEB_GUEST_BUILD=1)" \
		test ! -e "$HOSTBUILT"
fi

t=$(now)
pk_run "dpkg -i $(basename "$DEB") (postinst: $steps)" \
	env DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB"
pk_diag "dpkg -i took $(took "$t")s (module $how)"
pk_diag "$(dkms status 2>&1)"

installed_ok() {
	local ko
	dpkg -s inetx-dkms | grep -qx 'Status: install ok installed' &&
		dkms status -m inetx -v "$VERSION" -k "$K" | grep -q ": installed$" || return 1
	[ -n "$PREBUILT" ] || return 0
	# The host's build, byte for byte, with the package's sources behind it.
	ko=$(ls "/lib/modules/$K/updates/dkms/"inetx.ko*) || return 1
	tar -xzOf "$HOSTBUILT" "./dkms_main_tree/$K/x86_64/module/$(basename "$ko")" | cmp - "$ko" &&
		test "$(readlink "/var/lib/dkms/inetx/$VERSION/source")" = "/usr/src/inetx-$VERSION"
}
pk_run "package installed; dkms status: inetx/$VERSION, $K: installed ($how)" installed_ok

modinfo_ok() {
	local f
	f=$(modinfo -F filename inetx) || return 1
	echo "$f"
	case "$f" in "/lib/modules/$K/updates/dkms/inetx.ko"*) ;; *) return 1 ;; esac
	[ "$(modinfo -F version inetx)" = "$VERSION" ] &&
		modinfo -F alias inetx | grep -qx net-pf-18 &&
		modinfo -F vermagic inetx | grep -q "^$K "
}
pk_run "modinfo inetx: the DKMS-built ($how) updates/dkms/inetx.ko for $K, version $VERSION" modinfo_ok

pk_run "socket(PF_INETX, SOCK_STREAM, 0) loads the DKMS-built module by itself" \
	eval '"$SOCK" && test -e /sys/module/inetx &&
	 test "$(cat /sys/module/inetx/srcversion)" = "$(modinfo -F srcversion inetx)"'

pk_run "PF_INETX client talks to an AF_INET server" pk_seed_exchange "$SEED" "$PORT"
pk_run "rmmod inetx" pk_unload

t=$(now)
pk_run "dpkg -r inetx-dkms (prerm: dkms remove --all)" \
	env DEBIAN_FRONTEND=noninteractive dpkg -r inetx-dkms
pk_diag "dpkg -r took $(took "$t")s"

removed_ok() {
	local left
	left=$(ls -d "/usr/src/inetx-$VERSION" /var/lib/dkms/inetx /lib/modules/*/updates/dkms/inetx.ko* 2>/dev/null)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	[ -z "$(dkms status -m inetx 2>/dev/null)" ] && ! modprobe -n -q net-pf-18
}
pk_run "removed cleanly: no sources, no DKMS tree, no module, no alias" removed_ok

pk_run "dpkg -P inetx-dkms: purged, dpkg no longer knows it" eval \
	'DEBIAN_FRONTEND=noninteractive dpkg -P inetx-dkms &&
	 ! dpkg -s inetx-dkms >/dev/null 2>&1 && ! ls /usr/share/doc/inetx-dkms 2>/dev/null'
rm -rf "$(dirname "$HOSTBUILT")"

pk_finish
