#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# inetx(7): lint it and check that it documents what it must.
#
# Usage: selftests/packaging/manpage.sh OUTDIR     (writes OUTDIR/manpage.ktap)
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through pk_run and eval
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
MAN=$PK_TOP/man/inetx.7

pk_start "$OUT" manpage 9

# groff warns on stderr; -z discards the output itself.
groff_clean() {
	local w
	w=$(groff -ww -man -z "$MAN" 2>&1) || { echo "$w"; return 1; }
	[ -z "$w" ] || { echo "$w"; return 1; }
}
pk_run "groff -ww -man -z: no warnings" groff_clean

# What a reader gets: man(1) with its own checks, at 80 columns.
TEXT=$OUT/inetx.7.txt
man_clean() {
	local w
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING='' man --warnings -l "$MAN" 2>&1 >"$TEXT") ||
		{ echo "$w"; return 1; }
	[ -z "$w" ] || { echo "$w"; return 1; }
	[ -s "$TEXT" ]
}
pk_run "man --warnings -l: renders without warnings" man_clean

# mandb and apropos read the NAME section.
whatis_ok() {
	lexgrog "$MAN" | grep -F 'inetx - ' | grep -q 'PF_INETX'
}
pk_run "lexgrog parses the NAME line (whatis/apropos)" whatis_ok

version_ok() {
	local v
	v=$(pk_module_version)
	grep -q "^\.TH INETX 7 [^ ]* \"inetx $v\"" "$MAN" || { echo "no .TH ... \"inetx $v\""; return 1; }
}
pk_run "title line carries MODULE_VERSION $(pk_module_version)" version_ok

# Every needle must appear in the rendered page (hyphenation is off; runs of
# blanks and line breaks count as one space).
mentions() { # needle...
	local n missing="" flat
	flat=$(tr -s ' \n' '  ' <"$TEXT")
	for n in "$@"; do
		case "$flat" in *"$n"*) ;; *) missing="$missing '$n'" ;; esac
	done
	[ -z "$missing" ] || { echo "missing:$missing"; return 1; }
}
pk_run "documents the family, addresses and options" mentions \
	PF_INETX AF_INETX 'struct sockaddr_in' net-pf-18 \
	SOL_SOCKET SOL_IP SOL_TCP SO_DOMAIN TCP_ULP TCP_FASTOPEN_CONNECT getsockname accept
pk_run "documents the sysctl and what is refused" mentions \
	/proc/sys/net/inetx/restrict_create CAP_NET_ADMIN INETX_RESTRICT_CREATE_SYSCTL \
	EOPNOTSUPP BPF_MAP_TYPE_SOCKMAP EPERM
pk_run "documents /proc and the family parameter with its sysfs file" mentions \
	/proc/net/protocols INETX /proc/net/tcp 'ss(8)' 'family (int, default 18)' \
	/sys/module/inetx/parameters/family INETX_FAMILY_SYSFS '13, 18, 19, 22 and 25' \
	'layers (string, read-only)' /sys/module/inetx/parameters/layers proto.connect
pk_run "documents the errors" mentions \
	EAFNOSUPPORT EINVAL EEXIST ENOBUFS EPROTONOSUPPORT ESOCKTNOSUPPORT IPPROTO_MPTCP \
	EADDRINUSE 'AF_MAX'
pk_run "documents the differences from AF_INET and unloading" mentions \
	'How inetx differs from AF_INET' 'sk_is_inet()' 'proto_ops.family' \
	'Unloading and TIME_WAIT' 'Module inetx is in use' TCP_TIMEWAIT_LEN tw_sock_INETX \
	net.ipv4.tcp_fin_timeout 'SO_LINGER' /sys/module/inetx/refcnt

pk_finish
