#!/bin/sh
# Install every Debian package the inetx build and VM tests need.
#
# Usage: selftests/vm/setup-deps.sh        (as root)
#
# Idempotent: asks dpkg-query first and is a fast no-op when everything is
# installed; otherwise runs `apt-get update` once and installs only what is
# missing (non-interactive, no recommends).
#
# The servers among them (nginx, redis, sshd) are for inetx-run's tests in
# the guests, which see this machine's root read-only: they must not start
# here.  A policy-rc.d that refuses every start (exit 101) is in place for
# the install, and removed afterwards if it was not there before.
#
# graphviz: dot, for inetx-trace -o FILE.svg (host and guests).
# gnuplot-nox: make bench's chart (tools/inetx-bench-report).
set -eu

PACKAGES="
build-essential bc flex bison libelf-dev libssl-dev kmod cpio xz-utils
libmnl-dev
qemu-system-x86 busybox-static tcpdump iproute2 sparse mmdebstrap
linux-headers-amd64 linux-headers-6.12-amd64
linux-image-amd64 linux-image-6.12-amd64
linux-source-6.1 linux-source-6.12
nginx-light redis-server redis-tools iperf3 socat openssh-server
openssh-client curl golang-go python3
graphviz
gnuplot-nox
"

# dpkg-query prints "install ok installed" only for fully configured packages;
# anything else (absent, half-configured, removed-with-config) counts as missing.
missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "setup-deps: all packages present"
	exit 0
fi

echo "setup-deps: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: must run as root to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap 'rm -f "$policy"' EXIT
	printf '#!/bin/sh\n# setup-deps.sh: no daemon starts during its install\nexit 101\n' >"$policy"
	chmod 755 "$policy"
fi
apt-get -o DPkg::Lock::Timeout=900 update
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $missing
echo "setup-deps: done"
