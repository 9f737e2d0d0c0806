#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install` / `make uninstall` into a scratch DESTDIR: exactly the
# expected files with the expected modes, a header that compiles, no depmod,
# and nothing written to this machine's own /lib/modules.
#
# Usage: selftests/packaging/install.sh OUTDIR [KVER...]
#        (default kernels: newest 6.1 and 6.12)
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through pk_run and eval
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
pk_args "$0" "$@"
KVERS="${PK_KVERS[*]}"

pk_start "$OUT" install 10

D=$OUT/install-destdir
rm -rf "$D"
mkdir -p "$D"
stamp=$OUT/install.stamp
pk_stamp "$stamp" || { pk_out "Bail out! no usable time stamp"; exit 1; }

mk() { make --no-print-directory -C "$PK_TOP" "$@"; }

inst() { # PREFIX
	local k
	for k in $KVERS; do
		mk install DESTDIR="$D" PREFIX="$1" KVER="$k" || return 1
	done
}
pk_run "make install DESTDIR=... PREFIX=/usr for $KVERS" inst /usr

# The exact set of files, with modes (directories don't matter).
want_files() { # PREFIX
	local k
	for k in $KVERS; do echo "644 lib/modules/$k/updates/inetx.ko"; done
	echo "644 ${1#/}/include/linux/inetx.h"
	echo "755 ${1#/}/bin/inetx_seed"
	echo "755 ${1#/}/bin/inetx-run"
	echo "644 ${1#/}/lib/inetx/libinetx-run.so"
	echo "644 ${1#/}/share/man/man7/inetx.7"
	echo "644 ${1#/}/share/man/man1/inetx-run.1"
	echo "755 ${1#/}/bin/inetx-ss"
	echo "644 ${1#/}/share/man/man8/inetx-ss.8"
	echo "755 ${1#/}/bin/inetx-trace"
	echo "644 ${1#/}/share/inetx/MIRRORS"
	echo "644 ${1#/}/share/inetx/inetx-trace.map"
	echo "644 ${1#/}/share/man/man1/inetx-trace.1"
}
files_ok() { # PREFIX
	diff -u <(want_files "$1" | sort) <(cd "$D" && find . -type f -printf '%m %P\n' | sort)
}
pk_run "installs exactly the module(s), header, tools, library, inetx-trace's data and man pages, with modes" files_ok /usr

modules_ok() {
	local k f bad=0
	for k in $KVERS; do
		f=$D/lib/modules/$k/updates/inetx.ko
		modinfo -F vermagic "$f" | grep -q "^$k " || { echo "$f: wrong vermagic"; bad=1; }
		cmp "$f" "$PK_TOP/build/$k/module/inetx.ko" || bad=1
	done
	return "$bad"
}
pk_run "installed modules are the ones built for each kernel" modules_ok

# No depmod with DESTDIR: no modules.dep in DESTDIR.
pk_run "no depmod when DESTDIR is set" \
	test -z "$(find "$D/lib/modules" -name 'modules.*' -print -quit)"

# The installed header, from its installed place, builds a PF_INETX client.
header_ok() {
	local c=$OUT/install-hdr.c
	cat >"$c" <<'EOF'
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inetx.h>
_Static_assert(PF_INETX == AF_INETX && AF_INETX == 18, "family");
int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	(void)INETX_FAMILY_SYSFS;
	(void)INETX_RESTRICT_CREATE_SYSCTL;
	return socket(PF_INETX, SOCK_STREAM, 0) < 0 && sa.sin_port;
}
EOF
	gcc -Wall -Wextra -Werror -nostdinc -isystem "$(gcc -print-file-name=include)" \
		-isystem "$D/usr/include" -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include \
		-o "$OUT/install-hdr" "$c"
}
pk_run "installed <linux/inetx.h> compiles a PF_INETX client" header_ok

pk_run "installed inetx(7) is man/inetx.7" cmp "$D/usr/share/man/man7/inetx.7" "$PK_TOP/man/inetx.7"

pk_run "installing again over the same DESTDIR works (idempotent)" inst /usr

uninst() { # PREFIX
	local k
	for k in $KVERS; do
		mk uninstall DESTDIR="$D" PREFIX="$1" KVER="$k" || return 1
	done
}
no_files() {
	local left
	left=$(cd "$D" && find . -type f)
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
}
pk_run "make uninstall removes every installed file" eval 'uninst /usr && no_files'

# Default PREFIX is /usr/local.
pk_run "default PREFIX is /usr/local (install, then uninstall)" eval \
	'inst /usr/local && files_ok /usr/local && uninst /usr/local && no_files'

# This machine's own module tree must not have been touched.
host_ok() {
	local changed
	changed=$(find /lib/modules/ -newer "$stamp" -print 2>/dev/null | head -n 20)
	[ -z "$changed" ] || { echo "changed under /lib/modules:"; echo "$changed"; return 1; }
}
pk_run "this machine's /lib/modules is untouched" host_ok

rm -rf "$D" "$stamp"
pk_finish
