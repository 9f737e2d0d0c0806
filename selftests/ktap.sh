# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP version 1 helpers for the inetx shell tests (sourced).
#
#	ktap_start N			header and plan
#	ktap_check "desc" CMD ARGS...	ok if CMD succeeds
#	ktap_result RC "desc"		ok if RC is 0
#	ktap_skip "reason" "desc"	"ok N desc # SKIP reason", not a pass
#	ktap_diag TEXT...		"# " before every line
#	ktap_finish			totals; exits with the failure count
#
# Running a different number of tests than planned is a failure.

KTAP_PLAN=0
KTAP_N=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_start() {
	KTAP_PLAN=$1
	echo "KTAP version 1"
	echo "1..$KTAP_PLAN"
}

ktap_diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		echo "# $line"
	done
}

ktap_result() {
	local rc=$1
	shift
	KTAP_N=$((KTAP_N + 1))
	if [ "$rc" = 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		echo "ok $KTAP_N $*"
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
		echo "not ok $KTAP_N $*"
	fi
	return "$rc"
}

ktap_check() {
	local desc=$1
	shift
	"$@"
	ktap_result $? "$desc"
}

ktap_skip() {
	local reason=$1
	shift
	KTAP_N=$((KTAP_N + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_N $* # SKIP $reason"
}

ktap_finish() {
	if [ "$KTAP_N" != "$KTAP_PLAN" ]; then
		ktap_diag "planned $KTAP_PLAN tests but ran $KTAP_N"
		KTAP_FAIL=$((KTAP_FAIL + 1))
	fi
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL xfail:0 xpass:0 skip:$KTAP_SKIP error:0"
	[ "$KTAP_FAIL" -le 255 ] || KTAP_FAIL=255
	exit "$KTAP_FAIL"
}
