#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest side of the packaging tests, run by run.sh through run-vm.sh:
#   selftests/vm/run-vm.sh --kver KVER --out OUTDIR -- \
#       selftests/packaging/guest.sh OUTDIR DEB INETX_SOCKET
# Writes OUTDIR/autoload.ktap (make install, autoload, make uninstall) and
# OUTDIR/deb-install.ktap (the inetx-dkms package), in that order: the
# first leaves /lib/modules as it found it, the second then owns the module.
set -u
[ $# -eq 3 ] || { echo "usage: $0 OUTDIR DEB INETX_SOCKET" >&2; exit 2; }
d=$(dirname "$0")
rc=0
"$d/guest-autoload.sh" "$1" "$3" || rc=1
"$d/guest-deb.sh" "$1" "$2" "$3" || rc=1
exit $rc
