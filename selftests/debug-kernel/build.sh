#!/bin/bash
# Build, or reuse from the cache, the inetx debug kernel: Debian's
# linux-source-SERIES configured as tinyconfig + inetx-debug.config
# (+ inetx-debug-SERIES.config if present), everything built in, for QEMU.
#
# Usage:
#   selftests/debug-kernel/build.sh [--series SERIES] [-j N] [-v]
#   selftests/debug-kernel/build.sh [--series SERIES] --print-dir
#
#   --series SERIES  linux-source series: 6.12 (default) or 6.1; a bare
#                    SERIES argument works too
#   -j N             parallel make jobs (default: nproc, or $INETX_JOBS)
#   -v               stream the kernel build log to stderr
#   --print-dir      print the cache directory of this configuration and exit
#                    0 if it is built, 1 if not; builds nothing
#
# The last line on stdout is the cache directory (everything else goes to
# stderr), so callers can do  dir=$(selftests/debug-kernel/build.sh | tail -n1).
# The directory is
#   ${INETX_CACHE:-~/.cache/inetx}/debug-kernel/SERIES-PKGVERSION-HASH/
# where HASH covers the fragment(s), this script and the compiler version, and
# contains:
#   bzImage          boot it with: qemu-system-x86_64 -kernel .../bzImage
#   System.map, config, kver (make -s kernelrelease), build.log, build.info
#   tree/            the whole configured and built source tree:
#                      make -C DIR/tree M=/path/to/module modules
#   modroot/lib/modules/KVER/   modules_install output (modules.builtin etc.,
#                    no .ko: everything is built in)
# plus a symlink debug-kernel/SERIES -> the newest build of that series.
#
# A warm cache costs one dpkg-query and a few sha256sums and writes nothing.
# A cold build runs in debug-kernel/.tmp-KEY.XXXXXX and is renamed into place
# only once complete, so an interrupted build leaves no half-built cache entry
# (the next run deletes the leftover temp dir).  Concurrent runs for the same
# key wait for each other (flock).
#
# As root, missing build dependencies (linux-source-SERIES, bc, flex, bison,
# libelf-dev, libssl-dev, gcc, make, xz-utils, kmod) are installed with
# apt-get.  After olddefconfig every line of the fragment(s) must have
# survived, else the build stops and lists the dropped options.
set -euo pipefail

SCRIPT=$(readlink -f "$0")
HERE=$(dirname "$SCRIPT")

usage() { # [STATUS]
	sed -n '2,/^set -euo/p' "$SCRIPT" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}
say() { echo "build.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

SERIES=6.12 JOBS=${INETX_JOBS:-} VERBOSE=0 PRINT_DIR=0
while [ $# -gt 0 ]; do
	case "$1" in
	--series) [ $# -ge 2 ] || usage; SERIES=$2; shift 2 ;;
	--series=*) SERIES=${1#*=}; shift ;;
	-j) [ $# -ge 2 ] || usage; JOBS=$2; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	-v|--verbose) VERBOSE=1; shift ;;
	--print-dir) PRINT_DIR=1; shift ;;
	-h|--help) usage 0 ;;
	[0-9]*.[0-9]*) SERIES=$1; shift ;;
	*) say "unknown argument $1"; usage ;;
	esac
done
case "$SERIES" in
*[!0-9.]*|.*|*.|*..*|'') die "bad series '$SERIES' (want e.g. 6.12 or 6.1)" ;;
esac
[ -z "$JOBS" ] && JOBS=$(nproc)
case "$JOBS" in ''|*[!0-9]*|0) die "-j wants a positive number" ;; esac

PKG=linux-source-$SERIES
TARBALL=/usr/src/$PKG.tar.xz
FRAGMENTS=("$HERE/inetx-debug.config")
[ ! -e "$HERE/inetx-debug-$SERIES.config" ] || FRAGMENTS+=("$HERE/inetx-debug-$SERIES.config")
BASE=${INETX_CACHE:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/inetx}/debug-kernel

pkg_version() { # PKG -> version, empty if not installed
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 == "ii" { print $2 }'
}

# Cache key: package version + the inputs that decide what gets built.
cache_dir() {
	local ver hash
	ver=$(pkg_version "$PKG")
	[ -n "$ver" ] || return 1
	hash=$({
		echo "series $SERIES"
		echo "package $PKG $ver"
		sha256sum "${FRAGMENTS[@]}" "$SCRIPT" | sed 's|  .*/|  |'
		gcc --version 2>/dev/null | head -n 1
	} | sha256sum | cut -c1-16)
	echo "$BASE/$SERIES-$(printf '%s' "$ver" | tr -c 'A-Za-z0-9._+-' '_')-$hash"
}

# --- Warm path: nothing but lookups. ---------------------------------------
if DIR=$(cache_dir) && [ -e "$DIR/.complete" ]; then
	echo "$DIR"
	exit 0
fi
if [ "$PRINT_DIR" = 1 ]; then
	[ -n "${DIR:-}" ] || die "$PKG is not installed, so the cache key is unknown"
	echo "$DIR"
	say "not built yet: run ${SCRIPT#"$PWD"/} --series $SERIES"
	exit 1
fi

# --- Dependencies. ----------------------------------------------------------
ensure_packages() {
	local p missing=()
	for p in "$PKG" bc flex bison libelf-dev libssl-dev gcc make xz-utils kmod; do
		[ -n "$(pkg_version "$p")" ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (run as root, or apt-get install them)"
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# A stale package index is the usual reason for a failed install.
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 && return 0
	apt-get update >&2 || die "apt-get update failed"
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}
ensure_packages
DIR=$(cache_dir) || die "$PKG still not installed"
[ -r "$TARBALL" ] || die "$TARBALL missing (reinstall $PKG)"
KEY=$(basename "$DIR")

# --- One builder per key. ----------------------------------------------------
mkdir -p "$BASE/.locks"
exec 9>"$BASE/.locks/$KEY"
if ! flock -n 9; then
	say "another build of $KEY is running; waiting for it"
	flock 9
fi
if [ -e "$DIR/.complete" ]; then # built while we waited
	echo "$DIR"
	exit 0
fi
[ ! -e "$DIR" ] || { say "removing incomplete $DIR"; rm -rf "$DIR"; }
for stale in "$BASE/.tmp-$KEY".*; do
	[ -e "$stale" ] || continue
	say "removing leftover of an interrupted build: $stale"
	rm -rf "$stale"
done

TMP=$(mktemp -d "$BASE/.tmp-$KEY.XXXXXX")
# shellcheck disable=SC2064  # expand $TMP now
trap "rm -rf '$TMP'" EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TREE=$TMP/tree
LOG=$TMP/build.log
start=$(date +%s)

# run CMD...: log to build.log (and stderr with -v); on failure show the tail.
run() {
	local rc=0
	echo "+ $*" >>"$LOG"
	if [ "$VERBOSE" = 1 ]; then
		"$@" 2>&1 | tee -a "$LOG" >&2 || rc=$?  # pipefail: make's status
	else
		"$@" >>"$LOG" 2>&1 || rc=$?
	fi
	if [ "$rc" != 0 ]; then
		tail -n 40 "$LOG" | sed 's/^/  | /' >&2
		die "failed ($rc): $*"
	fi
}

say "cold build of $PKG $(pkg_version "$PKG") -> $DIR (-j$JOBS; log: $LOG)"
say "extracting $TARBALL"
mkdir "$TREE"
tar -xJf "$TARBALL" -C "$TREE" --strip-components=1

# --- Configure: tinyconfig + fragment(s), then check nothing was dropped. ----
# tinyconfig with ARCH=x86_64 so the base is a 64-bit allnoconfig (with the
# default ARCH=x86 it would start from i386 and keep some i386 values, such
# as FRAME_WARN=1024); everything else uses the default ARCH, like Debian.
say "configuring: tinyconfig + ${FRAGMENTS[*]##*/}"
run make -C "$TREE" ARCH=x86_64 tinyconfig
(cd "$TREE" && run scripts/kconfig/merge_config.sh -m .config "${FRAGMENTS[@]}")
run make -C "$TREE" olddefconfig

# Print the fragment lines that .config does not honour.  A later fragment
# overrides an earlier one; "# CONFIG_X is not set" is honoured by an absent X.
dropped_options() { # CONFIG FRAGMENT...
	awk '
	FNR == NR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { n = index($0, "="); have[substr($0, 1, n - 1)] = substr($0, n + 1) }
		next
	}
	/^CONFIG_[A-Za-z0-9_]+=/ { n = index($0, "="); s = substr($0, 1, n - 1); want[s] = substr($0, n + 1); if (!(s in seen)) { seen[s] = 1; order[++k] = s }; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { s = $2; want[s] = "n"; if (!(s in seen)) { seen[s] = 1; order[++k] = s }; next }
	END {
		for (i = 1; i <= k; i++) {
			s = order[i]; w = want[s]
			if (w == "n") {
				if ((s in have) && have[s] != "n") print "  " s " wanted unset, got " s "=" have[s]
			} else if (!(s in have)) {
				print "  " s "=" w " wanted, but " s " is not in .config (unmet dependency or unknown symbol)"
			} else if (have[s] != w) {
				print "  " s "=" w " wanted, got " s "=" have[s]
			}
		}
	}' "$@"
}
check_config() { # WHEN
	local dropped
	dropped=$(dropped_options "$TREE/.config" "${FRAGMENTS[@]}")
	if [ -n "$dropped" ]; then
		mkdir -p "$BASE/failed"
		cp "$TREE/.config" "$BASE/failed/$KEY.config"
		say "these options from ${FRAGMENTS[*]##*/} did not survive $1:"
		printf '%s\n' "$dropped" >&2
		die "config rejected (resulting .config saved as $BASE/failed/$KEY.config)"
	fi
}
check_config "olddefconfig"
say "config OK ($(grep -c '=[ym]$' "$TREE/.config") options set)"

# --- Build. -------------------------------------------------------------------
say "building vmlinux, bzImage and Module.symvers (make -j$JOBS; takes a while)"
bstart=$(date +%s)
run make -C "$TREE" -j"$JOBS" all
check_config "the build (syncconfig)"
# Only now: kernelrelease reads CONFIG_LOCALVERSION from auto.conf.
KVER=$(make -s -C "$TREE" kernelrelease)
lv=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$TREE/.config")
case "$KVER" in *"$lv") ;; *) die "kernelrelease '$KVER' does not end in LOCALVERSION '$lv'" ;; esac
run make -C "$TREE" INSTALL_MOD_PATH="$TMP/modroot" modules_install
[ -s "$TREE/Module.symvers" ] || die "no Module.symvers: out-of-tree builds would not work"
bend=$(date +%s)

cp "$TREE/arch/x86/boot/bzImage" "$TREE/System.map" "$TMP/"
cp "$TREE/.config" "$TMP/config"
echo "$KVER" >"$TMP/kver"
{
	echo "series: $SERIES"
	echo "package: $PKG $(pkg_version "$PKG")"
	echo "kernelrelease: $KVER"
	echo "fragments: ${FRAGMENTS[*]}"
	sha256sum "${FRAGMENTS[@]}" "$SCRIPT" | sed 's/^/sha256: /'
	echo "compiler: $(gcc --version | head -n 1)"
	echo "jobs: $JOBS"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
	echo "wall seconds: total $((bend - start)), make $((bend - bstart))"
} >"$TMP/build.info"
touch "$TMP/.complete"

# --- Publish atomically. -----------------------------------------------------
chmod 755 "$TMP"  # mktemp made it 0700
mv -T "$TMP" "$DIR"
trap - EXIT
ln -sfn "$KEY" "$BASE/.$SERIES.new" && mv -Tf "$BASE/.$SERIES.new" "$BASE/$SERIES"
say "$KVER done in $((bend - start))s (make $((bend - bstart))s): $DIR ($(du -sh "$DIR" | cut -f1))"
echo "$DIR"
