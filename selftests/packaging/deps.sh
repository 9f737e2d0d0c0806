#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Debian packages the packaging tests need beyond selftests/vm/setup-deps.sh:
# DKMS, the Debian packaging tools and the man page linters.
#
# Usage: selftests/packaging/deps.sh      (as root to install what is missing)
#
# Idempotent and a fast no-op when everything is installed.  Installing dkms
# changes nothing in the kernel module tree by itself.
set -eu

PACKAGES="dkms dh-dkms debhelper dpkg-dev groff-base man-db"

missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
echo "packaging deps: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "packaging deps: must run as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing
