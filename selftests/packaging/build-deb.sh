#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian source and binary packages (inetx-dkms) from a clean copy
# of the tree, so the build products don't litter the repository.
#
# Usage: selftests/packaging/build-deb.sh [DIR]      (default: build/deb)
#
# DIR/inetx-<version>/ gets the tree's files (git's tracked and untracked,
# non-ignored files, without build products), then `dpkg-buildpackage -us
# -uc` runs there and leaves inetx_<version>.dsc, .tar.xz, inetx-dkms_
# <version>_all.deb, .buildinfo and .changes in DIR.  Prints the .deb's path
# last.  Needs dpkg-dev, debhelper and dh-dkms (selftests/packaging/deps.sh).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
out=${1:-$top/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)

version=$(cd "$top" && dpkg-parsechangelog -S Version)
src=$out/inetx-$version
rm -rf "$src" "$out"/inetx_"$version"* "$out"/inetx-dkms_"$version"*
mkdir -p "$src"

# Generated files of an in-place (KDIR=) build are not sources.
is_product() {
	case "${1##*/}" in
	*.o | *.ko | *.mod | *.mod.c | .*.cmd | modules.order | Module.symvers) return 0 ;;
	esac
	return 1
}
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard
else
	find . -path ./build -prune -o -path ./.git -prune -o -type f -printf '%P\0'
fi | while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # deleted in the work tree
	is_product "$f" && continue
	printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$src"

cd "$src"
dpkg-buildpackage -us -uc >"$out/dpkg-buildpackage.log" 2>&1 || {
	tail -n 40 "$out/dpkg-buildpackage.log" >&2
	echo "build-deb: dpkg-buildpackage failed; see $out/dpkg-buildpackage.log" >&2
	exit 1
}
deb=$out/inetx-dkms_${version}_all.deb
[ -s "$deb" ] || { echo "build-deb: no $deb" >&2; exit 1; }
echo "$deb"
