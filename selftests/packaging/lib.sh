# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP helpers for the packaging tests (sourced).  Each test script writes one
# KTAP document to stdout and to OUTDIR/NAME.ktap, and the output of the
# commands it runs to OUTDIR/NAME.log.
#
#	pk_start OUTDIR NAME PLAN	header and plan
#	pk_run "desc" CMD ARGS...	ok if CMD succeeds (output to the log)
#	pk_result RC "desc"		ok if RC is 0
#	pk_skip "reason" "desc"		"ok N desc # SKIP reason" (not a pass)
#	pk_diag TEXT...			"# " before every line
#	pk_logtail [N]			the log's last N lines as diagnostics
#					(pk_run shows its command's own on failure)
#	pk_finish			totals; exits with the failure count
#
# Running a different number of tests than planned counts as a failure.

PK_PLAN=0 PK_N=0 PK_PASS=0 PK_FAIL=0 PK_SKIP=0
PK_KTAP=/dev/null PK_LOG=/dev/null

# The kernels to test: newest installed Debian 6.1 and 6.12 (as make check).
pk_default_kvers() {
	local s k
	for s in '6.1.0-' '6.12.'; do
		k=$(ls /boot/vmlinuz-"$s"* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)
		[ -z "$k" ] || printf '%s ' "$k"
	done
}

# Versions the packaging must agree on.
pk_module_version() { sed -n 's/^MODULE_VERSION("\(.*\)");$/\1/p' "$PK_TOP/module/af_inetx.c"; }
pk_dkms_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$PK_TOP/dkms.conf"; }

pk_out() {
	printf '%s\n' "$*" | tee -a "$PK_KTAP"
}

pk_start() { # OUTDIR NAME PLAN
	mkdir -p "$1"
	PK_KTAP=$1/$2.ktap PK_LOG=$1/$2.log PK_PLAN=$3
	: >"$PK_KTAP"
	: >"$PK_LOG"
	pk_out "KTAP version 1"
	pk_out "1..$PK_PLAN"
}

pk_diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		pk_out "# $line"
	done
}

pk_logtail() { # [N]
	pk_diag "$(tail -n "${1:-15}" "$PK_LOG")"
}

pk_result() { # RC desc
	local rc=$1
	shift
	PK_N=$((PK_N + 1))
	if [ "$rc" = 0 ]; then
		PK_PASS=$((PK_PASS + 1))
		pk_out "ok $PK_N $*"
	else
		PK_FAIL=$((PK_FAIL + 1))
		pk_out "not ok $PK_N $*"
	fi
	return "$rc"
}

pk_run() { # desc CMD...
	local desc=$1 rc tmp
	shift
	tmp=$(mktemp)
	"$@" >"$tmp" 2>&1
	rc=$?
	{ echo "### $desc: $*"; cat "$tmp"; echo "### exit $rc"; } >>"$PK_LOG"
	[ "$rc" = 0 ] || pk_diag "$(tail -n 12 "$tmp")"
	rm -f "$tmp"
	pk_result "$rc" "$desc"
}

pk_skip() { # reason desc
	local reason=$1
	shift
	PK_N=$((PK_N + 1))
	PK_SKIP=$((PK_SKIP + 1))
	pk_out "ok $PK_N $* # SKIP $reason"
}

pk_finish() {
	if [ "$PK_N" != "$PK_PLAN" ]; then
		pk_diag "planned $PK_PLAN tests but ran $PK_N"
		PK_FAIL=$((PK_FAIL + 1))
	fi
	pk_out "# Totals: pass:$PK_PASS fail:$PK_FAIL xfail:0 xpass:0 skip:$PK_SKIP error:0"
	[ "$PK_FAIL" -le 255 ] || PK_FAIL=255
	exit "$PK_FAIL"
}

# Log a command's output and pass its status through (for use inside checks).
pk_log() {
	echo "+ $*" >>"$PK_LOG"
	"$@" >>"$PK_LOG" 2>&1
}

PK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
