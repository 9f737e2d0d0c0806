#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# modinfo of the built module, for each kernel: description, license,
# version, the net-pf alias, vermagic, and every module parameter of the
# sources with its description.  Reads the .ko files only; loads nothing.
#
# Usage: selftests/packaging/modinfo.sh OUTDIR [KVER...]
#        (default kernels: newest 6.1 and 6.12; modules from
#        build/<kver>/module/inetx.ko, built by `make KVER=<kver>`)
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through pk_run and eval
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [KVER...]" >&2; exit 2; }
OUT=$1
shift
# shellcheck disable=SC2046
[ $# -gt 0 ] || set -- $(pk_default_kvers)
PER_KVER=6

pk_start "$OUT" modinfo $((1 + PER_KVER * $#))

# What the sources of inetx.ko declare (not those of other modules in module/).
mapfile -t SRCS < <(pk_inetx_objs_c)
SRC_VERSION=$(pk_module_version)
SRC_DESC=$(sed -n 's/^MODULE_DESCRIPTION("\(.*\)");$/\1/p' "${SRCS[@]}")
SRC_LICENSE=$(sed -n 's/^MODULE_LICENSE("\(.*\)");$/\1/p' "${SRCS[@]}")
# module_param(name, ...), module_param_named(name, ...), module_param_array...
SRC_PARAMS=$(sed -n 's/.*\bmodule_param\(_named\|_array\|_array_named\|_string\|_cb\|_unsafe\)\{0,1\}( *\([A-Za-z0-9_]*\).*/\2/p' \
	"${SRCS[@]}" | sort -u | paste -sd ' ')
sources_ok() {
	echo "inetx.ko sources: ${SRCS[*]##*/}"
	echo "version '$SRC_VERSION' description '$SRC_DESC' license '$SRC_LICENSE' params: $SRC_PARAMS"
	[ ${#SRCS[@]} -gt 0 ] && [ -n "$SRC_VERSION" ] && [ -n "$SRC_DESC" ] && [ -n "$SRC_LICENSE" ] && [ -n "$SRC_PARAMS" ]
}
pk_run "sources declare MODULE_VERSION, _DESCRIPTION, _LICENSE and parameters" sources_ok

field() { modinfo -F "$2" "$1" 2>/dev/null; }

for k in "$@"; do
	ko=$PK_TOP/build/$k/module/inetx.ko
	if [ ! -f "$ko" ]; then
		for i in $(seq 1 $PER_KVER); do
			pk_result 1 "$k: modinfo check $i (no $ko: run make KVER=$k)"
		done
		continue
	fi
	pk_run "$k: description '$SRC_DESC'" test "$(field "$ko" description)" = "$SRC_DESC"
	pk_run "$k: license $SRC_LICENSE" test "$(field "$ko" license)" = "$SRC_LICENSE"
	pk_run "$k: version $SRC_VERSION" test "$(field "$ko" version)" = "$SRC_VERSION"
	pk_run "$k: alias net-pf-18 (family autoload)" eval "modinfo -F alias '$ko' | grep -qx net-pf-18"
	pk_run "$k: vermagic $k" eval "modinfo -F vermagic '$ko' | grep -q '^$k '"
	params_ok() { # ko
		local p line bad=0
		modinfo -F parm "$1"
		for p in $SRC_PARAMS; do
			line=$(modinfo -F parm "$1" | grep "^$p:")
			# "name:description (type)": a description, not just the type.
			if ! printf '%s\n' "$line" | grep -q "^$p:.*[^ ].* ([a-z]*)$"; then
				echo "parameter $p: no description in modinfo ('$line')"
				bad=1
			fi
		done
		return "$bad"
	}
	pk_run "$k: every parameter ($SRC_PARAMS) listed with a description" params_ok "$ko"
done

pk_finish
