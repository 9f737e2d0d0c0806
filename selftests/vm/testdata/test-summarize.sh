#!/bin/sh
# Checks summarize.sh against the hand-made KTAP samples in this directory.
# Usage: selftests/vm/testdata/test-summarize.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sum=$here/../summarize.sh
fails=0

# check EXPECTED_LAST_LINE EXPECTED_RC DIR...
check() {
	want=$1 want_rc=$2
	shift 2
	rc=0
	out=$("$sum" test "$@") || rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$last" = "$want" ] && [ "$rc" = "$want_rc" ]; then
		echo "ok - $*"
	else
		echo "FAILED - $*: got '$last' rc=$rc, want '$want' rc=$want_rc"
		printf '%s\n' "$out" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
}

cd "$here"
check "1 passed, 0 failed, 1 skipped" 0 allpass
check "2 passed, 1 failed, 2 skipped" 1 kunit
check "3 passed, 1 failed, 1 skipped" 1 kselftest
check "2 passed, 2 failed, 0 skipped" 1 incomplete
check "1 passed, 2 failed, 0 skipped" 1 parentfail
check "0 passed, 0 failed, 0 skipped" 1 empty
check "1 passed, 0 failed, 0 skipped" 1 runfail
check "1 passed, 1 failed, 0 skipped" 1 crlf
check "1 passed, 0 failed, 1 skipped" 1 allpass empty
check "3 passed, 1 failed, 3 skipped" 1 allpass kunit
check "0 passed, 0 failed, 0 skipped" 1 does-not-exist
[ "$("$sum" test kunit | grep -c 'FAIL kunit.ktap: inetx_basic.inetx_bind')" = 1 ] ||
	{ echo "FAILED - failing test name"; fails=$((fails + 1)); }
rc=0; "$sum" onlylabel >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "FAILED - usage error rc=$rc"; fails=$((fails + 1)); }

[ "$fails" -eq 0 ] && echo "all summarize.sh checks passed"
