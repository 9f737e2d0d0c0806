#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside a run-vm.sh guest: `make install` for the running kernel (module
# into /lib/modules/<kver>/updates/, then depmod), modinfo by name, and a
# plain socket(PF_INETX, SOCK_STREAM, 0) that loads inetx by itself through
# its net-pf-18 alias; then `make uninstall` and the alias is gone.
#
# Usage (in the guest, as root):
#   selftests/packaging/guest-autoload.sh OUTDIR INETX_SOCKET
# INETX_SOCKET is the built selftests/packaging/inetx_socket.c.  The module
# and tools must already be built on the host (make KVER=<kver>; make -C
# tools): the repository is read-only in the guest.  Writes
# OUTDIR/autoload.ktap.  Refuses to run outside the VM.
# shellcheck disable=SC2016,SC2034,SC2317  # checks run indirectly, through pk_run and eval ($SOCK)
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 OUTDIR INETX_SOCKET" >&2; exit 2; }
OUT=$1 SOCK=$2

pk_start "$OUT" autoload 15

if [ "${INETX_VM:-}" != 1 ] || [ "$(id -u)" != 0 ]; then
	pk_out "Bail out! not inside a run-vm.sh guest as root: this test installs a module"
	exit 1
fi
K=$(uname -r)
PREFIX=/tmp/inetx-prefix
MOD=/lib/modules/$K/updates/inetx.ko
PORT=9911
mk() { make --no-print-directory -C "$PK_TOP" "$@"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

pk_run "guest set up as a booted system: /dev/fd, kernel.modprobe runs this system's modprobe" pk_vm_system
t=$(now)
pk_run "/lib/modules/$(uname -r) on tmpfs (same files; depmod is slow over 9p)" pk_vm_modules_in_ram
pk_diag "took $(took "$t")s"
pk_run "inetx neither loaded nor installed at start" \
	eval '! test -e /sys/module/inetx && ! modprobe -n -q inetx'

t=$(now)
pk_run "make install KVER=$K PREFIX=$PREFIX (module into updates/, depmod)" \
	mk install KVER="$K" PREFIX="$PREFIX"
pk_diag "make install took $(took "$t")s (depmod -a $K under TCG is most of it)"

depmod_ok() {
	test -f "$MOD" &&
		grep -q "^updates/inetx.ko:" "/lib/modules/$K/modules.dep" &&
		grep -qx "alias net-pf-18 inetx" "/lib/modules/$K/modules.alias"
}
pk_run "depmod ran: modules.dep has updates/inetx.ko, modules.alias net-pf-18" depmod_ok

modinfo_ok() {
	local v
	v=$(pk_module_version)
	modinfo inetx || return 1
	[ "$(modinfo -F filename inetx)" = "$MOD" ] &&
		[ "$(modinfo -F version inetx)" = "$v" ] &&
		[ "$(modinfo -F license inetx)" = GPL ] &&
		[ -n "$(modinfo -F description inetx)" ] &&
		modinfo -F alias inetx | grep -qx net-pf-18 &&
		modinfo -F parm inetx | grep -q '^family:.*[^ ].* (int)$'
}
pk_run "modinfo inetx (by name): installed file, version, license, description, alias, parameter" modinfo_ok

pk_run "modprobe resolves net-pf-18 to updates/inetx.ko (without loading it)" \
	eval "modprobe --show-depends net-pf-18 | grep -q 'updates/inetx.ko' && ! test -e /sys/module/inetx"

pk_run "socket(PF_INETX, SOCK_STREAM, 0) loads inetx by itself" \
	eval '"$SOCK" && test -e /sys/module/inetx && grep -q "^INETX " /proc/net/protocols'

pk_run "the loaded module is the installed one (srcversion)" \
	test "$(cat /sys/module/inetx/srcversion 2>&1)" = "$(modinfo -F srcversion "$MOD")"

pk_run "sysfs family parameter reads 18" \
	test "$(cat /sys/module/inetx/parameters/family 2>&1)" = 18

pk_run "installed inetx_seed: PF_INETX client talks to an AF_INET server" pk_seed_exchange "$PREFIX/bin/inetx_seed" "$PORT"
pk_run "rmmod inetx" pk_unload

t=$(now)
pk_run "make uninstall KVER=$K PREFIX=$PREFIX (depmod)" \
	mk uninstall KVER="$K" PREFIX="$PREFIX"
pk_diag "make uninstall took $(took "$t")s"

gone_ok() {
	test ! -e "$MOD" && test ! -e "$PREFIX/bin/inetx_seed" &&
		test ! -e "$PREFIX/include/linux/inetx.h" && test ! -e "$PREFIX/share/man/man7/inetx.7" &&
		! grep -q "^updates/inetx.ko:" "/lib/modules/$K/modules.dep" &&
		! modprobe -n -q net-pf-18
}
pk_run "uninstalled: files gone, net-pf-18 no longer resolves" gone_ok

# Nothing to autoload now: the family is unknown again.
pk_run "socket(PF_INETX, SOCK_STREAM, 0) fails with EAFNOSUPPORT again" \
	eval '"$SOCK"; test $? = 1 && "$SOCK" | grep -q "errno=97 " && ! test -e /sys/module/inetx'

pk_finish
