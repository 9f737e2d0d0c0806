#!/bin/bash
# make run: install what is missing, build, boot a Debian kernel in QEMU and
# run the demo there. DEMO_KVER picks the kernel (default: the 6.12 one).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
selftests/vm/setup-deps.sh
kver=${DEMO_KVER:-$(basename /boot/vmlinuz-6.12*-amd64 | sed 's/^vmlinuz-//')}
make --no-print-directory KVER="$kver" modules >/dev/null
make --no-print-directory -C tools >/dev/null
out=$top/build/demo/$kver
mkdir -p "$out"
selftests/vm/run-vm.sh --kver "$kver" --out "$out" --quiet -- tools/demo-guest.sh
