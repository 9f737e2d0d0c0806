#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The packaging stage of `make check`: modinfo, make install/uninstall, DKMS,
# inetx(7) and the inetx-dkms Debian package on the host; in QEMU, family
# autoload after `make install` on every kernel, and the package's install.
#
# Usage: selftests/packaging/run.sh OUTDIR [KVER...]
#        (as root; default kernels: newest installed Debian 6.1 and 6.12)
#
# Steps:
#  1. deps.sh: installs dkms, dh-dkms, debhelper, ... if missing (apt-get).
#  2. Builds on the host what the guests need (they see the repository
#     read-only): the module for each KVER, the tools, inetx_socket.c, and
#     build/packaging/modules-KVER.tar, a tar of /lib/modules/KVER that the
#     guests unpack on tmpfs (lib.sh: pk_vm_modules_in_ram).
#  3. Host-side tests, one KTAP document each, into OUTDIR/host/: modinfo,
#     install (make install into a DESTDIR), dkms (dkms add/build/install/
#     remove for every KVER in a scratch DKMS tree), manpage, deb
#     (dpkg-buildpackage; packages in OUTDIR/host/deb/).  Nothing is loaded,
#     and this machine's /lib/modules, /usr/src and /var/lib/dkms stay
#     untouched (the tests check it).
#  4. In QEMU (selftests/vm/run-vm.sh), side by side, INETX_PK_JOBS at a
#     time:
#       OUTDIR/KVER/       guest-autoload.sh on every KVER: make install,
#                          depmod, socket() loads inetx, make uninstall
#       OUTDIR/KVER-deb/   guest-deb.sh on the kernels in INETX_PK_DEB_KVERS
#                          (default: the newest KVER): dpkg -i inetx-dkms,
#                          whose postinst has DKMS install the module;
#                          socket() loads it; dpkg -r, dpkg -P
#     The module the guest's DKMS installs is the one dkms.sh built on the
#     host (OUTDIR/host/dkms-tarballs/KVER/, which the postinst loads with
#     `dkms ldtarball`): a DKMS build inside the guest takes ~10-15 min
#     under TCG.  INETX_PK_DEB_GUEST_BUILD=1 has the guest build it, as a
#     user's machine would.  DKMS's postinst installs for the running and
#     the newest installed kernel; by default the package is installed on
#     the newest only.  On an older kernel the newest one's module is still
#     built in the guest (dkms 3.0.10 loads one kernel per tarball).
#
# Every directory it fills can be given to selftests/vm/summarize.sh:
# OUTDIR/host gets a run-vm.status of its own ("pass" only if every step
# of 1-3 exited 0), and each directory's `kver` label starts with
# "packaging".  OUTDIR/dirs lists them, one a line, written first thing.
# Ends with summarize.sh over them all; exit status 0 only if nothing
# failed.
#
# Environment: INETX_PK_VM_TIMEOUT (seconds per VM run, default 1800),
# INETX_PK_JOBS (VMs at a time, default 2), INETX_PK_DEB_KVERS (kernels to
# install the package on, "all" for every KVER), INETX_PK_DEB_GUEST_BUILD
# (1: DKMS compiles the module inside the guest, see step 4).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd -P)
here=$top/selftests/packaging
cd "$top" || exit 125

[ $# -ge 1 ] || { sed -n '3,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
mkdir -p "$1" || exit 125
out=$(cd "$1" && pwd -P)
shift
# shellcheck source=selftests/packaging/lib.sh
. "$here/lib.sh"
# shellcheck disable=SC2046  # one word per kernel
[ $# -gt 0 ] || set -- $(pk_default_kvers)
[ $# -gt 0 ] || { echo "packaging: no Debian 6.1/6.12 kernel in /boot" >&2; exit 125; }
kvers=("$@")
newest=$(printf '%s\n' "${kvers[@]}" | sort -V | tail -n 1)
deb_kvers=${INETX_PK_DEB_KVERS:-$newest}
[ "$deb_kvers" != all ] || deb_kvers="${kvers[*]}"
host=$out/host
vm_timeout=${INETX_PK_VM_TIMEOUT:-1800}
njobs=${INETX_PK_JOBS:-2}
case "$njobs" in ""|*[!0-9]*|0) echo "packaging: INETX_PK_JOBS wants a positive number" >&2; exit 2 ;; esac
start=$(date +%s)

# The VM runs, longest first: the package installs.
tasks=()
for k in $deb_kvers; do tasks+=("$k-deb"); done
tasks+=("${kvers[@]}")
dirs=("$host")
for task in "${tasks[@]}"; do dirs+=("$out/$task"); done
printf '%s\n' "${dirs[@]}" >"$out/dirs"

# Host results start from scratch, as run-vm.sh does for the VM dirs.
rm -rf "$host"
mkdir -p "$host"
echo "packaging (host)" >"$host/kver"	# summarize.sh's label
echo running >"$host/run-vm.status"
problems=()
step() { # NAME CMD...: run a host step, note a non-zero exit
	local name=$1 t rc
	shift
	t=$(date +%s)
	"$@"
	rc=$?
	echo "packaging: $name: exit $rc, $(($(date +%s) - t))s"
	[ "$rc" = 0 ] || problems+=("$name exited with status $rc")
	return "$rc"
}

# 1. Tools.
step deps.sh "$here/deps.sh"

# 2. What the host tests and the guests run.
SOCK=$top/build/packaging/inetx_socket
build() {
	local k log tar
	# The install target's own prerequisite: up to date for make as well
	# as for Kbuild, so the read-only tree in the guest installs it as is.
	for k in "${kvers[@]}"; do
		log=$host/build-$k.log
		make --no-print-directory "$top/build/$k/module/inetx.ko" >"$log" 2>&1 ||
			{ tail -n 30 "$log"; return 1; }
	done
	make --no-print-directory -C tools >"$host/build-tools.log" 2>&1 ||
		{ cat "$host/build-tools.log"; return 1; }
	mkdir -p "$(dirname "$SOCK")"
	gcc -O2 -Wall -Wextra -Werror -I include/uapi -o "$SOCK" "$here/inetx_socket.c" || return 1
	# Remade when the kernel's tree changed (depmod runs on every change).
	for k in "${kvers[@]}"; do
		tar=$top/build/packaging/modules-$k.tar
		if [ ! -s "$tar" ] || [ "/lib/modules/$k/modules.dep" -nt "$tar" ] ||
			[ "/lib/modules/$k" -nt "$tar" ]; then
			tar -C /lib/modules -cf "$tar.tmp" "$k" && mv -f "$tar.tmp" "$tar" || return 1
		fi
	done
}
step build build

# 3. Host-side tests.  Each writes host/NAME.ktap (and host/NAME.log).
step modinfo.sh "$here/modinfo.sh" "$host" "${kvers[@]}"
step install.sh "$here/install.sh" "$host" "${kvers[@]}"
step dkms.sh "$here/dkms.sh" "$host" "${kvers[@]}"
step manpage.sh "$here/manpage.sh" "$host"
step deb.sh "$here/deb.sh" "$host" "$host/deb"
DEB=$host/deb/inetx-dkms_$(pk_dkms_version)_all.deb
PREBUILT=$host/dkms-tarballs	# dkms.sh's mktarball, one per kernel
[ "${INETX_PK_DEB_GUEST_BUILD:-0}" = 0 ] || PREBUILT=""

if [ ${#problems[@]} -eq 0 ]; then
	echo pass >"$host/run-vm.status"
else
	{
		printf 'fail:'
		printf ' %s;' "${problems[@]}"
		echo
	} >"$host/run-vm.status"
fi
echo "packaging: host tests took $(($(date +%s) - start))s"

# 4. In QEMU, NJOBS at a time.
vm() { # KVER DIR LABEL CMD...
	local k=$1 d=$2 label=$3 rc t
	shift 3
	t=$(date +%s)
	selftests/vm/run-vm.sh --kver "$k" --out "$d" --timeout "$vm_timeout" --quiet -- "$@"
	rc=$?
	echo "packaging: $label: run-vm.sh exit $rc, $(($(date +%s) - t))s"
	# run-vm.sh labels the directory with the bare KVER; tell the stage's
	# directories apart from the selftests' ones.
	[ ! -e "$d/kver" ] || echo "packaging $label" >"$d/kver"
}
pids=()
running() {
	local p n=0
	for p in "${pids[@]}"; do
		! kill -0 "$p" 2>/dev/null || n=$((n + 1))
	done
	echo "$n"
}
for task in "${tasks[@]}"; do
	d=$out/$task
	mkdir -p "$d"
	while [ "$(running)" -ge "$njobs" ]; do
		wait -n
	done
	case "$task" in
	*-deb)
		k=${task%-deb}
		echo "== packaging: $k in QEMU: inetx-dkms (output: $d/vm.out)"
		# The longer run first when VMs wait for a slot (run-vm.sh).
		INETX_VM_PRIO=$((${INETX_VM_PRIO:-50} - 1)) \
			vm "$k" "$d" "$k inetx-dkms" selftests/packaging/guest-deb.sh "$d" "$DEB" "$SOCK" \
			${PREBUILT:+"$PREBUILT"} >"$d/vm.out" 2>&1 &
		;;
	*)
		echo "== packaging: $task in QEMU: make install, autoload (output: $d/vm.out)"
		vm "$task" "$d" "$task" selftests/packaging/guest-autoload.sh "$d" "$SOCK" \
			>"$d/vm.out" 2>&1 &
		;;
	esac
	pids+=("$!")
done
wait
for d in "${dirs[@]:1}"; do
	echo "== packaging: $(basename "$d")"
	cat "$d/vm.out"
done

echo "packaging: wall time $(($(date +%s) - start))s"
selftests/vm/summarize.sh packaging "${dirs[@]}"
