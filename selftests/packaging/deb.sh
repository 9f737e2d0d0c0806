#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian packages (source, inetx-dkms, inetx-tools) with
# dpkg-buildpackage from a copy of the tree and check what they hold.  Installing the .deb is the
# guest-side test guest-deb.sh.
#
# Usage: selftests/packaging/deb.sh OUTDIR [DEBDIR]
#        (packages go to DEBDIR, default OUTDIR/deb)
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through pk_run and eval
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [DEBDIR]" >&2; exit 2; }
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd -P)
DEBDIR=${2:-$OUT/deb}

pk_start "$OUT" deb 13

VERSION=$(pk_dkms_version)
versions_ok() {
	local ch
	ch=$(dpkg-parsechangelog -l "$PK_TOP/debian/changelog" -S Version)
	echo "debian/changelog '$ch', dkms.conf '$VERSION', MODULE_VERSION '$(pk_module_version)'"
	[ -n "$ch" ] && [ "$ch" = "$VERSION" ] && [ "$ch" = "$(pk_module_version)" ]
}
pk_run "debian/changelog, dkms.conf and MODULE_VERSION agree ($VERSION)" versions_ok

# What the build must not leave in the repository's own debian/.
litter() {
	(cd "$PK_TOP" && ls -d debian/inetx-dkms debian/inetx-tools debian/.debhelper debian/files \
		debian/debhelper-build-stamp debian/*.substvars debian/*.debhelper* 2>/dev/null)
}
litter_before=$(litter)

DEB=$DEBDIR/inetx-dkms_${VERSION}_all.deb
pk_run "dpkg-buildpackage -us -uc in a copy under $(basename "$DEBDIR")/" \
	"$PK_TOP/selftests/packaging/build-deb.sh" "$DEBDIR"

pk_run "source package: inetx_$VERSION.dsc and native .tar.xz" eval \
	'test -s "$DEBDIR/inetx_$VERSION.dsc" && test -s "$DEBDIR/inetx_$VERSION.tar.xz" &&
	 grep -qx "Format: 3.0 (native)" "$DEBDIR/inetx_$VERSION.dsc"'

control_ok() {
	local f=$OUT/deb-control
	dpkg-deb -f "$DEB" >"$f" || return 1
	cat "$f"
	grep -qx 'Package: inetx-dkms' "$f" && grep -qx 'Architecture: all' "$f" &&
		grep -qx "Version: $VERSION" "$f" && grep -q '^Depends:.*\bdkms\b' "$f"
}
pk_run "inetx-dkms: Architecture all, version $VERSION, depends on dkms" control_ok

# The DKMS source tree, and nothing built.
SRCDIR=usr/src/inetx-$VERSION
contents_ok() {
	local list=$OUT/deb-contents want f bad=0
	dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./||' >"$list" || return 1
	want="$SRCDIR/dkms.conf $SRCDIR/Kbuild $SRCDIR/module/Kbuild
		$SRCDIR/include/uapi/linux/inetx.h usr/share/man/man7/inetx.7.gz
		usr/share/doc/inetx-dkms/copyright usr/bin/inetx-trace usr/share/inetx/MIRRORS
		usr/share/inetx/inetx-trace.map usr/share/man/man1/inetx-trace.1.gz"
	for f in $want $(pk_module_sources | sed "s|^|$SRCDIR/|"); do
		grep -qx "$f" "$list" || { echo "missing $f"; bad=1; }
	done
	if grep -E '\.(o|ko|cmd|mod|mod\.c)$|Module\.symvers|modules\.order' "$list"; then
		echo "build products in the package"
		bad=1
	fi
	if grep -v -e "^$SRCDIR/" -e '^usr/share/doc/' -e '^usr/share/man/' -e '/$' -e '^$' \
		-e '^usr/bin/inetx-trace$' -e '^usr/share/inetx/' "$list"; then
		echo "files outside /usr/src, docs, man pages and inetx-trace"
		bad=1
	fi
	return "$bad"
}
pk_run "contents: /usr/src/inetx-$VERSION/ with every module source, inetx(7), inetx-trace; no build products" contents_ok

conf_same() {
	dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - "./$SRCDIR/dkms.conf" | cmp - "$PK_TOP/dkms.conf"
}
pk_run "packaged dkms.conf is the top-level dkms.conf, unchanged" conf_same

scripts_ok() {
	local d=$OUT/deb-scripts
	rm -rf "$d"
	dpkg-deb -e "$DEB" "$d" || return 1
	# dh_dkms: postinst runs DKMS's common.postinst (add, build, install for
	# the running and the newest kernel); prerm removes every build.
	if ! { grep -q '^DKMS_NAME=inetx$' "$d/postinst" &&
		grep -q "^DKMS_VERSION=$VERSION\$" "$d/postinst" &&
		grep -q 'common.postinst' "$d/postinst" &&
		grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$d/prerm"; }; then
		cat "$d/postinst" "$d/prerm"
		return 1
	fi
}
pk_run "maintainer scripts from dh_dkms: postinst builds via DKMS, prerm removes" scripts_ok

# The packaged man page is the one in man/.
man_same() {
	dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./usr/share/man/man7/inetx.7.gz | gzip -dc |
		cmp - "$PK_TOP/man/inetx.7"
}
pk_run "packaged inetx(7) is man/inetx.7" man_same

# The sources in the package build as they are (the guest test installs it).
pkg_src_same() {
	local t=$OUT/deb-tree f bad=0
	rm -rf "$t"
	mkdir -p "$t"
	dpkg-deb -x "$DEB" "$t" || return 1
	for f in Kbuild module/Kbuild include/uapi/linux/inetx.h $(pk_module_sources); do
		cmp "$t/$SRCDIR/$f" "$PK_TOP/$f" || bad=1
	done
	rm -rf "$t"
	return "$bad"
}
pk_run "packaged module sources are the tree's" pkg_src_same

# inetx-tools: the compiled tools, the preload library where inetx-run
# looks for it (../lib/inetx/ from its own directory), their man pages.
TOOLS_DEB=$DEBDIR/inetx-tools_${VERSION}_$(dpkg --print-architecture).deb
tools_control_ok() {
	local f=$OUT/deb-tools-control
	dpkg-deb -f "$TOOLS_DEB" >"$f" || return 1
	cat "$f"
	grep -qx 'Package: inetx-tools' "$f" && grep -qx "Version: $VERSION" "$f" &&
		grep -q '^Depends:.*\blibmnl0\b' "$f" && grep -qx 'Recommends: inetx-dkms' "$f"
}
pk_run "inetx-tools: version $VERSION, depends on libmnl0 (shlibs), recommends inetx-dkms" tools_control_ok

tools_contents_ok() {
	local list=$OUT/deb-tools-contents
	dpkg-deb -c "$TOOLS_DEB" | awk '$1 !~ /^d/ {print $1, $6}' | sed 's| \./| |' | sort >"$list" || return 1
	diff -u - "$list" <<-EOT
	-rw-r--r-- usr/lib/inetx/libinetx-run.so
	-rw-r--r-- usr/share/doc/inetx-tools/changelog.gz
	-rw-r--r-- usr/share/doc/inetx-tools/copyright
	-rw-r--r-- usr/share/man/man1/inetx-run.1.gz
	-rw-r--r-- usr/share/man/man8/inetx-ss.8.gz
	-rwxr-xr-x usr/bin/inetx-run
	-rwxr-xr-x usr/bin/inetx-ss
	-rwxr-xr-x usr/bin/inetx_seed
	EOT
}
pk_run "inetx-tools contents: inetx-run, its library, inetx-ss, inetx_seed, man pages, with modes" tools_contents_ok

# The packaged inetx-run finds the packaged library: with a stand-in family
# (AF_INET6, no module needed) python3's TCP socket is redirected.
tools_run_ok() {
	local t=$OUT/deb-tools-tree out
	rm -rf "$t"
	dpkg-deb -x "$TOOLS_DEB" "$t" || return 1
	out=$(INETX_FAMILY=10 "$t/usr/bin/inetx-run" -v python3 -c \
		'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)' 2>&1)
	echo "$out"
	rm -rf "$t"
	grep -q 'socket -> family 10' <<<"$out"
}
pk_run "packaged inetx-run loads the packaged libinetx-run.so from ../lib/inetx/" tools_run_ok

pk_run "package build left nothing in the repository's debian/" \
	test "$(litter)" = "$litter_before"

pk_finish
