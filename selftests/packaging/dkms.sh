#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The top-level dkms.conf, as it is, through `dkms add`, `dkms build -k`,
# `dkms install -k`, `dkms uninstall` and `dkms remove` for each kernel,
# against a scratch DKMS tree: --sourcetree, --dkmstree and --installtree
# point into OUTDIR, install runs with --no-depmod, and the module-signing
# key DKMS generates goes there too.  This machine's /var/lib/dkms, /usr/src
# and /lib/modules are checked to be untouched.  Before the removal, `dkms
# mktarball` keeps each build as OUTDIR/dkms-tarballs/KVER/inetx-VERSION.
# dkms.tar.gz: the package's install in QEMU (guest-deb.sh) uses it rather
# than compiling under TCG.  A kernel whose headers the host lacks (7.2)
# is built, installed and uninstalled by the dkms of its build root
# (selftests/vm/buildroot.sh --scratch) on the same scratch trees.
#
# Usage: selftests/packaging/dkms.sh OUTDIR [KVER...]
#        (default kernels: newest 6.1 and 6.12)
# shellcheck disable=SC2016,SC2317  # checks run indirectly, through pk_run and eval
set -u
# shellcheck source=selftests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"
pk_args "$0" "$@"
set -- "${PK_KVERS[@]}"
PER_KVER=7

pk_start "$OUT" dkms $((5 + PER_KVER * $# + 3))

if ! command -v dkms >/dev/null; then
	pk_diag "dkms is not installed (selftests/packaging/deps.sh installs it)"
fi

S=$OUT/dkms-scratch
rm -rf "$S"
mkdir -p "$S/stage" "$S/src" "$S/dkms" "$S/lib-modules"
stamp=$S/stamp
pk_stamp "$stamp" || { pk_out "Bail out! no usable time stamp"; exit 1; }
host_dkms_before=$(ls -A /var/lib/dkms 2>/dev/null)

NAME=inetx
VERSION=$(pk_dkms_version)
# A module file, compressed as the kernel's own are (6.12: .ko.xz) or not.
ko_in() { # DIR
	local f
	for f in "$1"/inetx.ko "$1"/inetx.ko.xz "$1"/inetx.ko.gz "$1"/inetx.ko.zst; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	echo "$1/inetx.ko"
	return 1
}
# nm(1) wants the ELF file itself.  Each call decompresses into a scratch
# file of its own: the two sides of a diff run at the same time.
imports() { # KO
	local elf
	elf=$(mktemp "$S/imports.XXXXXX.ko") || return 1
	case "$1" in
	*.xz) xz -dc "$1" >"$elf" ;;
	*.gz) gzip -dc "$1" >"$elf" ;;
	*.zst) zstd -qdc "$1" >"$elf" ;;
	*) cp "$1" "$elf" ;;
	esac || { rm -f "$elf"; return 1; }
	nm -u "$elf" | awk '{print $2}' | sort
	rm -f "$elf"
}

# DKMS signs modules when the kernel has sign-file; keep its key here, not
# in /var/lib/dkms.
export mok_signing_key=$S/mok.key mok_certificate=$S/mok.pub
TREES=(--sourcetree "$S/src" --dkmstree "$S/dkms" --installtree "$S/lib-modules")
dk() { dkms "${TREES[@]}" "$@"; }
# A kernel whose headers the host lacks (7.2): its build root's own dkms,
# in a throwaway overlay of the root, on the same scratch trees (bound at
# their paths); signing keys as above.  Its dkms (3.2) looks for the
# headers under --installtree unless told where they are.
dk_in_root() { # KVER DKMS-ARGS...
	local k=$1
	shift
	"$PK_TOP/selftests/vm/buildroot.sh" --kver "$k" --scratch --bind "$S" --bind "$PK_TOP" -- \
		env mok_signing_key="$mok_signing_key" mok_certificate="$mok_certificate" \
		dkms "${TREES[@]}" --kernelsourcedir "/lib/modules/$k/build" "$@"
}
dk_for() { # KVER DKMS-ARGS...
	if [ -e "/lib/modules/$1/build/Makefile" ]; then
		shift
		dk "$@"
	else
		dk_in_root "$@"
	fi
}

versions_ok() {
	echo "dkms.conf PACKAGE_VERSION '$VERSION', MODULE_VERSION '$(pk_module_version)'"
	[ -n "$VERSION" ] && [ "$VERSION" = "$(pk_module_version)" ] &&
		grep -qx "PACKAGE_NAME=\"$NAME\"" "$PK_TOP/dkms.conf"
}
pk_run "dkms.conf: PACKAGE_NAME $NAME, PACKAGE_VERSION = MODULE_VERSION ($VERSION)" versions_ok

# DKMS matches kernelver against BUILD_EXCLUSIVE_KERNEL with bash's =~.
exclusive_ok() {
	local re k bad=0
	re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$PK_TOP/dkms.conf")
	echo "BUILD_EXCLUSIVE_KERNEL '$re'"
	[ -n "$re" ] || return 1
	for k in 6.1.0-57-amd64 6.12.117+deb12-amd64 7.2.13+deb14-amd64; do
		[[ $k =~ $re ]] || { echo "does not take supported $k"; bad=1; }
	done
	for k in 6.6.0-1-amd64 6.10.1-amd64 6.120.0-amd64 7.1.0-amd64 7.20.0-amd64 5.10.0-30-amd64; do
		[[ $k =~ $re ]] && { echo "takes unsupported $k"; bad=1; }
	done
	return "$bad"
}
pk_run "dkms.conf: BUILD_EXCLUSIVE_KERNEL takes 6.1, 6.12 and 7.2, no other series" exclusive_ok

# The source tree a user would hand to `dkms add DIR`: dkms.conf as it is,
# Kbuild, module/, include/ (no build products, no build/ directory).
stage() {
	local st=$S/stage/$NAME
	mkdir -p "$st/module" "$st/include/uapi/linux"
	cp -p "$PK_TOP/dkms.conf" "$PK_TOP/Kbuild" "$st/" &&
		cp -p "$PK_TOP"/module/Kbuild "$PK_TOP"/module/*.h "$st/module/" &&
		find "$PK_TOP/module" -maxdepth 1 -name '*.c' ! -name '*.mod.c' -exec cp -p {} "$st/module/" \; &&
		cp -p "$PK_TOP/include/uapi/linux/inetx.h" "$st/include/uapi/linux/"
}
pk_run "stage a source tree with the top-level dkms.conf" stage

pk_run "dkms add DIR (copies it to --sourcetree as $NAME-$VERSION)" eval \
	'dk add "$S/stage/$NAME" && test -f "$S/src/$NAME-$VERSION/dkms.conf"'
status_is() { # KVER|"" WORD
	local st
	st=$(dk status -m "$NAME" -v "$VERSION" ${1:+-k "$1"} 2>&1)
	echo "$st"
	printf '%s\n' "$st" | grep -q "^$NAME/$VERSION.*: $2\$"
}
pk_run "dkms status: added" status_is "" added

for k in "$@"; do
	where=host
	[ -e "/lib/modules/$k/build/Makefile" ] || where="build root"
	pk_run "$k: dkms build -k $k (on the $where)" dk_for "$k" build -m "$NAME" -v "$VERSION" -k "$k"
	pk_run "$k: dkms status: built" status_is "$k" built
	# Same compat choices as `make KVER=`: the module imports the same
	# kernel symbols (module/Kbuild reads the target's Module.symvers).
	same_imports() {
		local ref=$PK_TOP/build/$k/module/inetx.ko built
		built=$(ko_in "$S/dkms/$NAME/$VERSION/$k/x86_64/module") || { echo "no $built"; return 1; }
		[ -f "$ref" ] || { echo "no $ref (run make KVER=$k)"; return 1; }
		modinfo -F vermagic "$built" | grep -q "^$k " || { echo "bad vermagic"; return 1; }
		local a b
		a=$(imports "$ref") && b=$(imports "$built") || return 1
		# An empty list means nm read nothing: never a match.
		[ -n "$a" ] || { echo "no imports read from $ref"; return 1; }
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b")
	}
	pk_run "$k: DKMS-built module has vermagic $k and imports what make KVER= builds import" same_imports
	# DKMS installs only for kernels the install tree has.
	mkdir -p "$S/lib-modules/$k"
	pk_run "$k: dkms install -k $k --no-depmod (into --installtree)" \
		dk_for "$k" install --no-depmod -m "$NAME" -v "$VERSION" -k "$k"
	inst_ok() {
		status_is "$k" installed || return 1
		installed=$(ko_in "$S/lib-modules/$k/updates/dkms") || { echo "no $installed"; return 1; }
		modinfo "$installed" || return 1
		[ "$(modinfo -F version "$installed")" = "$VERSION" ] &&
			modinfo -F alias "$installed" | grep -qx net-pf-18
	}
	installed=""
	pk_run "$k: installed as updates/dkms/inetx.ko*, version $VERSION, alias net-pf-18" inst_ok
	pk_run "$k: dkms uninstall -k $k removes it from --installtree" eval \
		'dk_for "$k" uninstall --no-depmod -m "$NAME" -v "$VERSION" -k "$k" && ! ko_in "$S/lib-modules/$k/updates/dkms"'
	pk_run "$k: dkms status: built again" status_is "$k" built
done

# What common.postinst loads with `dkms ldtarball` when the package ships
# it (guest-deb.sh puts it there): sources and the module built above, one
# kernel per archive: dkms 3.0.10's mktarball and ldtarball both handle
# only the first of several kernels (a `local -r` in their loops) and still
# exit 0.
TARBALLS=$OUT/dkms-tarballs
mktarballs() {
	local k t
	rm -rf "$TARBALLS"
	for k in "$@"; do
		t=$TARBALLS/$k/$NAME-$VERSION.dkms.tar.gz
		mkdir -p "$TARBALLS/$k" &&
			dk mktarball -m "$NAME" -v "$VERSION" -k "$k" --archive "$t" &&
			tar -tzvf "$t" || return 1
		if ! tar -tzf "$t" | grep -q "^\./dkms_source_tree/dkms.conf$" ||
			! tar -tzf "$t" | grep -q "^\./dkms_main_tree/$k/x86_64/module/inetx\.ko"; then
			echo "$t: no sources or no module"
			return 1
		fi
	done
}
pk_run "dkms mktarball for each kernel: sources and module, $(basename "$TARBALLS")/KVER/$NAME-$VERSION.dkms.tar.gz" mktarballs "$@"

pk_run "dkms remove --all empties the DKMS tree" eval \
	'dk remove --no-depmod -m "$NAME" -v "$VERSION" --all && test -z "$(ls -A "$S/dkms")"'

host_ok() {
	local bad=0 changed
	changed=$(find /lib/modules/ /usr/src/ -newer "$stamp" -print 2>/dev/null | head -n 20)
	[ -z "$changed" ] || { echo "changed:"; echo "$changed"; bad=1; }
	[ "$(ls -A /var/lib/dkms 2>/dev/null)" = "$host_dkms_before" ] ||
		{ echo "/var/lib/dkms changed: $(ls -A /var/lib/dkms)"; bad=1; }
	return "$bad"
}
pk_run "this machine's /lib/modules, /usr/src and /var/lib/dkms are untouched" host_ok

pk_finish
