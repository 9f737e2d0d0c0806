#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Both guest-side packaging tests in one VM, one after the other:
#   selftests/vm/run-vm.sh --kver KVER --out OUTDIR -- \
#       selftests/packaging/guest.sh OUTDIR DEB INETX_SOCKET [PREBUILT]
# Writes OUTDIR/autoload.ktap (make install, autoload, make uninstall) and
# OUTDIR/deb-install.ktap (the inetx-dkms package), in that order: the
# first leaves /lib/modules as it found it, the second then owns the module.
# run.sh (make check) runs the two in separate VMs instead, side by side,
# and the package on the newest kernel only; see there.
set -u
[ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: $0 OUTDIR DEB INETX_SOCKET [PREBUILT]" >&2; exit 2; }
d=$(dirname "$0")
rc=0
"$d/guest-autoload.sh" "$1" "$3" || rc=1
"$d/guest-deb.sh" "$@" || rc=1
exit $rc
