#!/bin/bash
# Fetch packages from Debian's development suite (sid) and unpack them into
# a cache, without installing anything or touching the host's apt setup.
#
# Usage:
#   selftests/vm/debian-dev.sh update
#   selftests/vm/debian-dev.sh version PKG
#   selftests/vm/debian-dev.sh path PKG
#   selftests/vm/debian-dev.sh unpack PKG DESTDIR
#   selftests/vm/debian-dev.sh kver [SERIES]
#   selftests/vm/debian-dev.sh kernel [SERIES|KVER]
#   selftests/vm/debian-dev.sh vm-args KVER
#
#   update          refresh the package index now
#   version PKG     print PKG's version in the suite
#   path PKG        print the directory holding PKG (that version) unpacked
#                   with dpkg-deb -x, fetching and unpacking it first if it
#                   is not cached
#   unpack PKG DIR  as path, then copy the unpacked tree into DIR
#   kver [SERIES]   print the release of the newest linux-image-SERIES.N
#                   (+debM)-amd64 in the suite, e.g. 7.2.13+deb14-amd64
#                   (SERIES defaults to 7.2)
#   kernel [SERIES|KVER]
#                   print the directory holding that kernel's image package
#                   and the packages it is split into (linux-binary-KVER,
#                   linux-modules-KVER, linux-base-KVER) unpacked together,
#                   with depmod run as the package's postinst would.  Boot it
#                   with
#                     run-vm.sh --kernel DIR/vmlinuz --modroot DIR
#                   (DIR/kver holds KVER; DIR/vmlinuz links to the image,
#                   which 7.x packages ship as usr/lib/modules/KVER/vmlinuz).
#                   A KVER (e.g. 7.2.13+deb14-amd64) picks that kernel,
#                   which must still be in the suite.
#   vm-args KVER    print run-vm.sh's arguments for booting KVER, one per
#                   line: --kver KVER for a kernel installed on this host
#                   (/boot/vmlinuz-KVER), else also --kernel DIR/vmlinuz
#                   --modroot DIR, with DIR from "kernel KVER"
#
# The directory is printed as the last line on stdout; progress and timings
# go to stderr.  Everything lives under
#   ${INETX_CACHE:-~/.cache/inetx}/debian-dev/
#     apt/             private sources list, package index and apt cache
#                      (http://deb.debian.org/debian sid main, checked
#                      against /usr/share/keyrings/debian-archive-keyring.gpg)
#     pkg/PKG_VERSION/ one unpacked package
#     kernel/KVER_VERSION/  one unpacked kernel (VERSION: the image package's)
# Entries are keyed by exact package version, built in a temporary directory
# and renamed into place when complete, so an interrupted run leaves nothing
# half-unpacked; concurrent runs wait for each other (flock).  The .deb files
# are deleted once unpacked.
#
# The index is fetched when missing or older than INETX_DEBIAN_DEV_MAX_AGE
# seconds (default 86400); if that refresh fails, an older index is used with
# a warning.  A cached entry costs no network access while the index is fresh.
set -euo pipefail
shopt -s inherit_errexit	# a failed lookup inside $(...) stops the script

SCRIPT=$(readlink -f "$0")
MIRROR=http://deb.debian.org/debian
SUITE=sid
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
BASE=${INETX_CACHE:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/inetx}/debian-dev
MAX_AGE=${INETX_DEBIAN_DEV_MAX_AGE:-86400}

usage() { # [STATUS]
	sed -n '2,/^set -euo/p' "$SCRIPT" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}
say() { echo "debian-dev: $*" >&2; }
die() { say "error: $*"; exit 1; }

case "$MAX_AGE" in ''|*[!0-9]*) die "INETX_DEBIAN_DEV_MAX_AGE wants seconds" ;; esac

APTDIR=$BASE/apt
# Only the private files: no host sources, preferences or dpkg status, so the
# host's own configuration cannot change what is picked.  The binary package
# cache (which the host's docker-clean setting disables) spares each lookup
# a parse of the whole index.
APT_OPTS=(
	-o "Dir::Etc::sourcelist=$APTDIR/sources.list"
	-o "Dir::Etc::sourceparts=$APTDIR/empty.d"
	-o "Dir::Etc::preferences=$APTDIR/preferences"
	-o "Dir::Etc::preferencesparts=$APTDIR/empty.d"
	-o "Dir::State=$APTDIR/state"
	-o "Dir::State::status=$APTDIR/state/status"
	-o "Dir::Cache=$APTDIR/cache"
	-o "Dir::Cache::pkgcache=pkgcache.bin"
	-o "Dir::Cache::srcpkgcache="
	-o "APT::Architecture=amd64"
	-o "APT::Architectures=amd64"
	-o "APT::Get::List-Cleanup=true"
)
# apt's _apt user cannot enter root's home: download as root, quietly.
[ "$(id -u)" != 0 ] || APT_OPTS+=(-o "APT::Sandbox::User=root")

# One run at a time: the lock is held until the script exits.
apt_setup() {
	mkdir -p "$APTDIR/empty.d" "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial"
	exec 7>"$APTDIR/lock"
	flock 7
	[ -e "$APTDIR/state/status" ] || : >"$APTDIR/state/status"
	echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" >"$APTDIR/sources.list"
}

# Refresh the index when forced (ARG 1), missing or too old.
index_update() { # [FORCE]
	local stamp=$APTDIR/state/updated now
	now=$(date +%s)
	if [ "${1:-0}" != 1 ] && [ -e "$stamp" ] &&
		[ $((now - $(stat -c %Y "$stamp"))) -lt "$MAX_AGE" ]; then
		return 0
	fi
	say "updating the $SUITE package index"
	if apt-get "${APT_OPTS[@]}" -q update >&2; then
		touch "$stamp"
	elif [ -e "$stamp" ]; then
		say "warning: index update failed; using the one from $(date -u -r "$stamp" '+%F %T UTC')"
	else
		die "cannot fetch the $SUITE package index from $MIRROR"
	fi
}

pkg_version() { # PKG -> its version in the suite
	local v
	v=$(apt-cache "${APT_OPTS[@]}" show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1) || true
	[ -n "$v" ] || die "no package $1 in $SUITE"
	echo "$v"
}

# Cache entry names: versions may hold ':' (epochs) and '~'.
key_of() { printf '%s' "$*" | tr -c 'A-Za-z0-9.+-' '_'; }

# Fetch PKG=VERSION... and unpack them all into DIR, unless DIR is complete.
# Runs HOOK TREE (if not empty) before DIR is published.
fetch_unpack() { # DIR HOOK PKG=VERSION...
	local dir=$1 hook=$2 tmp t0 deb size
	shift 2
	if [ -e "$dir/.complete" ]; then
		say "$(basename "$dir"): cached"
		return 0
	fi
	mkdir -p "$(dirname "$dir")"
	# Leftovers of interrupted runs (we hold the lock, so none is live).
	rm -rf "$dir.tmp".*
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	t0=$(date +%s)
	say "fetching $*"
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" -q download "$@" >&2) ||
		{ rm -rf "$tmp"; die "apt-get download $* failed"; }
	size=$(du -cm "$tmp"/*.deb | tail -n 1 | cut -f1)
	mkdir "$tmp/tree"
	for deb in "$tmp"/*.deb; do
		nice -n 15 dpkg-deb -x "$deb" "$tmp/tree" || { rm -rf "$tmp"; die "cannot unpack $deb"; }
		rm -f "$deb"
	done
	if [ -n "$hook" ]; then
		"$hook" "$tmp/tree" || { rm -rf "$tmp"; die "$hook failed for $dir"; }
	fi
	printf '%s\n' "$@" >"$tmp/tree/.packages"
	touch "$tmp/tree/.complete"
	rm -rf "$dir"
	mv "$tmp/tree" "$dir"
	rmdir "$tmp"
	say "$(basename "$dir"): fetched ${size} MB and unpacked in $(($(date +%s) - t0))s"
}

pkg_path() { # PKG -> prints its cache directory
	local v dir
	v=$(pkg_version "$1")
	dir=$BASE/pkg/$(key_of "$1_$v")
	fetch_unpack "$dir" "" "$1=$v"
	echo "$dir"
}

kver_of() { # SERIES -> newest KVER
	local re k
	re="^linux-image-${1//./\\.}\\.[0-9]+(\\+deb[0-9]+)?-amd64\$"
	k=$(apt-cache "${APT_OPTS[@]}" pkgnames linux-image- | grep -E "$re" | sort -V | tail -n 1) || true
	[ -n "$k" ] || die "no linux-image-$1.*-amd64 in $SUITE"
	echo "${k#linux-image-}"
}

KVER=
# The image package is a metapackage since 7.x: the kernel is in
# linux-binary-KVER, modules in linux-modules-KVER, modules.builtin and the
# like in linux-base-KVER.  So take every dependency named *-KVER.
kernel_packages() { # KVER -> PKG=VERSION lines
	local img=linux-image-$1 p deps
	p=$(pkg_version "$img")
	echo "$img=$p"
	deps=$(apt-cache "${APT_OPTS[@]}" show --no-all-versions "$img" | sed -n 's/^Depends: //p' |
		tr ',|' '\n' | sed 's/^ *//; s/ .*//')
	for p in $deps; do
		case "$p" in
		linux-base-"$1"|linux-binary-"$1"|linux-modules-"$1") echo "$p=$(pkg_version "$p")" ;;
		esac
	done
}

# Usr-merged packages put modules in usr/lib/modules; depmod (kmod 30) and
# run-vm.sh --modroot look in lib/modules, as on an installed system.
kernel_hook() { # TREE
	local t=$1
	if [ ! -e "$t/lib" ] && [ -d "$t/usr/lib/modules" ]; then ln -s usr/lib "$t/lib"; fi
	if [ -r "$t/lib/modules/$KVER/vmlinuz" ]; then
		ln -s "lib/modules/$KVER/vmlinuz" "$t/vmlinuz"
	elif [ -r "$t/boot/vmlinuz-$KVER" ]; then
		ln -s "boot/vmlinuz-$KVER" "$t/vmlinuz"
	else
		say "no kernel image for $KVER in the packages"
		return 1
	fi
	[ -d "$t/lib/modules/$KVER/kernel" ] || { say "no lib/modules/$KVER/kernel"; return 1; }
	nice -n 15 depmod -b "$t" "$KVER" || return 1
	echo "$KVER" >"$t/kver"
}

kernel_path() { # SERIES|KVER -> prints the kernel's cache directory
	local pkgs dir
	case "$1" in
	*-*) KVER=$1 ;;
	*) KVER=$(kver_of "$1") ;;
	esac
	pkgs=$(kernel_packages "$KVER")
	mapfile -t pkgs <<<"$pkgs"
	dir=$BASE/kernel/$(key_of "${KVER}_${pkgs[0]#*=}")
	fetch_unpack "$dir" kernel_hook "${pkgs[@]}"
	echo "$dir"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
-h|--help) usage 0 ;;
update) [ $# = 0 ] || usage; apt_setup; index_update 1 ;;
version) [ $# = 1 ] || usage; apt_setup; index_update; pkg_version "$1" ;;
path) [ $# = 1 ] || usage; apt_setup; index_update; pkg_path "$1" ;;
unpack)
	[ $# = 2 ] || usage
	apt_setup
	index_update
	src=$(pkg_path "$1")
	mkdir -p "$2"
	cp -a "$src/." "$2/"
	rm -f "$2/.complete" "$2/.packages"
	;;
kver) [ $# -le 1 ] || usage; apt_setup; index_update; kver_of "${1:-7.2}" ;;
kernel) [ $# -le 1 ] || usage; apt_setup; index_update; kernel_path "${1:-7.2}" ;;
vm-args)
	[ $# = 1 ] || usage
	if [ -e "/boot/vmlinuz-$1" ]; then
		printf '%s\n' --kver "$1"
	else
		apt_setup
		index_update
		dir=$(kernel_path "$1")
		printf '%s\n' --kver "$1" --kernel "$dir/vmlinuz" --modroot "$dir"
	fi
	;;
*) say "unknown command $cmd"; usage ;;
esac
