#!/bin/bash
# Build, or reuse from the cache, a Debian build root for a kernel whose
# toolchain the host does not have (Debian's development-suite 7.2 wants
# gcc-16), and build in it.
#
# Usage:
#   selftests/vm/buildroot.sh [--kver KVER] [--suite SUITE]
#   selftests/vm/buildroot.sh [--kver KVER] --print-dir
#   selftests/vm/buildroot.sh [--kver KVER] [--bind DIR]... -- CMD [ARG...]
#
#   --kver KVER   the kernel (default 7.2.13+deb14-amd64): the root gets
#                 linux-headers-KVER, so /lib/modules/KVER/build inside it
#   --suite SUITE Debian suite (default sid)
#   --print-dir   print the root's directory and exit 0 if it is built,
#                 1 if not; builds nothing
#   --bind DIR    with CMD: DIR (absolute) appears at the same path inside
#                 the root, read-write; repeatable
#   -- CMD...     run CMD in the root (chroot, in a private mount namespace
#                 with /dev, /proc and the --bind directories), from the
#                 current directory if it is one of the --bind ones, else /
#   --scratch     with CMD: the root is a throwaway overlay (tmpfs upper
#                 layer), so CMD may install into it (dkms) and the cached
#                 root stays as it was
#
# The root is
#   ${INETX_CACHE:-~/.cache/inetx}/buildroot/SUITE-KVER-HASH/
# made by mmdebstrap (installed on the host when missing) from
# http://deb.debian.org/debian SUITE with: gcc make libc6-dev dkms
# linux-headers-KVER (whose dependencies bring the gcc that configured the
# kernel and its linux-kbuild).  HASH covers the suite, the mirror, the
# package list and mmdebstrap's options, so changing any of them builds a
# new root.  Without CMD the last line on stdout is the directory;
# everything else goes to stderr.
#
# A cold set-up runs in buildroot/.tmp-KEY.XXXXXX, is renamed into place
# only once complete and reports how long it took; concurrent runs for the
# same key wait for each other (flock).  Needs root (mmdebstrap's root mode,
# chroot, mount).  The headers' top Makefile includes the absolute path
# /usr/src/linux-headers-*-common/Makefile, which is why modules are built
# inside the root rather than with -C pointing into it.
set -euo pipefail

SCRIPT=$(readlink -f "$0")

usage() { # [STATUS]
	sed -n '2,/^set -euo/p' "$SCRIPT" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}
say() { echo "buildroot.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

KVER=7.2.13+deb14-amd64 SUITE=sid PRINT_DIR=0 SCRATCH=0 BINDS=() CMD=()
MIRROR=http://deb.debian.org/debian
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) [ $# -ge 2 ] || usage; KVER=$2; shift 2 ;;
	--suite) [ $# -ge 2 ] || usage; SUITE=$2; shift 2 ;;
	--print-dir) PRINT_DIR=1; shift ;;
	--bind) [ $# -ge 2 ] || usage; BINDS+=("$2"); shift 2 ;;
	--scratch) SCRATCH=1; shift ;;
	--) shift; CMD=("$@"); break ;;
	-h|--help) usage 0 ;;
	*) say "unknown argument $1"; usage ;;
	esac
done
case "$KVER" in *[!A-Za-z0-9._+-]*|'') die "bad kernel version '$KVER'" ;; esac
for b in "${BINDS[@]}"; do
	case "$b" in /*) ;; *) die "--bind wants an absolute path, not $b" ;; esac
	[ -d "$b" ] || die "--bind $b: no such directory"
done

PACKAGES=(gcc make libc6-dev dkms "linux-headers-$KVER")
# The archive the test machines reach may be a snapshot whose Release file
# is past its Valid-Until date, as the host's apt allows too.
MMDEBSTRAP=(--mode=root --variant=apt --aptopt='Acquire::Check-Valid-Until "false"')
BASE=${INETX_CACHE:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/inetx}/buildroot
HASH=$({
	echo "suite $SUITE $MIRROR"
	echo "packages ${PACKAGES[*]}"
	echo "mmdebstrap ${MMDEBSTRAP[*]}"
} | sha256sum | cut -c1-12)
KEY=$SUITE-$KVER-$HASH
DIR=$BASE/$KEY

# in_root CMD...: chroot with the --bind directories at their own paths.
# unshare gives a private mount namespace: the mounts vanish with it, also
# when CMD fails or is killed.
in_root() {
	local cwd=/ b
	for b in "${BINDS[@]}"; do
		case "$PWD/" in "$b"/*) cwd=$PWD ;; esac
		mkdir -p "$DIR$b"
	done
	# shellcheck disable=SC2016  # expanded by the inner shell
	unshare --mount --propagation private -- /bin/sh -eu -c '
		root=$1 cwd=$2 scratch=$3
		shift 3
		if [ "$scratch" = 1 ]; then
			s=$(mktemp -d)
			mount -t tmpfs tmpfs "$s"
			mkdir "$s/upper" "$s/work" "$s/root"
			mount -t overlay -o "lowerdir=$root,upperdir=$s/upper,workdir=$s/work" \
				overlay "$s/root"
			root=$s/root
		fi
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		while [ "$1" != -- ]; do
			mount --bind "$1" "$root$1"
			shift
		done
		shift
		exec chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
	' sh "$DIR" "$cwd" "$SCRATCH" "${BINDS[@]}" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 "${CMD[@]}"
}

# --- Warm path. -------------------------------------------------------------
if [ -e "$DIR/.complete" ]; then
	[ ${#CMD[@]} -eq 0 ] || { in_root; exit; }
	echo "$DIR"
	exit 0
fi
if [ "$PRINT_DIR" = 1 ]; then
	echo "$DIR"
	say "not built yet: run ${SCRIPT#"$PWD"/} --kver $KVER"
	exit 1
fi

[ "$(id -u)" = 0 ] || die "the build root needs root (mmdebstrap, chroot, mount)"
if ! command -v mmdebstrap >/dev/null; then
	say "installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		-o DPkg::Lock::Timeout=900 mmdebstrap >&2 ||
		die "apt-get install mmdebstrap failed (selftests/vm/setup-deps.sh installs it)"
fi

# --- One builder per key. ----------------------------------------------------
mkdir -p "$BASE/.locks"
exec 9>"$BASE/.locks/$KEY"
if ! flock -n 9; then
	say "another set-up of $KEY is running; waiting for it"
	flock 9
fi
if [ ! -e "$DIR/.complete" ]; then
	[ ! -e "$DIR" ] || { say "removing incomplete $DIR"; rm -rf "$DIR"; }
	for stale in "$BASE/.tmp-$KEY".*; do
		[ -e "$stale" ] || continue
		say "removing leftover of an interrupted set-up: $stale"
		rm -rf "$stale"
	done
	TMP=$(mktemp -d "$BASE/.tmp-$KEY.XXXXXX")
	# shellcheck disable=SC2064  # expand $TMP now
	trap "rm -rf '$TMP'" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	start=$(date +%s)
	say "cold set-up: $SUITE with ${PACKAGES[*]} -> $DIR (log: $TMP.log)"
	# mmdebstrap's own temporary files go next to the root, not to /tmp.
	if ! TMPDIR=$BASE mmdebstrap "${MMDEBSTRAP[@]}" \
		--include="$(IFS=,; echo "${PACKAGES[*]}")" \
		"$SUITE" "$TMP/root" "$MIRROR" >"$TMP.log" 2>&1; then
		tail -n 30 "$TMP.log" | sed 's/^/  | /' >&2
		rm -f "$TMP.log"
		die "mmdebstrap failed"
	fi
	[ -e "$TMP/root/lib/modules/$KVER/build/Makefile" ] ||
		die "linux-headers-$KVER installed no /lib/modules/$KVER/build"
	# shellcheck disable=SC2016  # dpkg-query's format, not the shell's
	chroot "$TMP/root" dpkg-query -W -f '${Package} ${Version}\n' \
		"${PACKAGES[@]}" gcc-16 "linux-kbuild-${KVER%-*}" >"$TMP/root/.packages" 2>/dev/null || true
	touch "$TMP/root/.complete"
	mv "$TMP/root" "$DIR"
	rm -rf "$TMP" "$TMP.log"
	trap - EXIT
	say "cold set-up took $(($(date +%s) - start)) s:"
	sed 's/^/  /' "$DIR/.packages" >&2
fi
exec 9>&-
[ ${#CMD[@]} -eq 0 ] || { in_root; exit; }
echo "$DIR"
