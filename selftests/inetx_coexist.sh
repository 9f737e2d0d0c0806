#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inetx_coexist.sh [--selinux] KO [OUTDIR]: the coexistence suite ("safe to
# load on a real machine"), guest side. Root only, inside the QEMU guest.
#
# Runs build/selftests/inetx_coexist once per case, each in a fresh process
# with inetx loaded (KO is inserted whenever it is not), as one KTAP
# document on stdout: one subtest per case (the program's own KTAP,
# indented), then a kernel-log check over the whole run.
#
#	addr restrict md5 cgroup probe landlock sockmap reuseport ktls
#	--selinux: only "selinux" (boot with security=selinux selinux=1,
#	see selftests/coexist-selinux.sh)
#
# sockmap, reuseport and ktls unload inetx on purpose; reuseport loads KO
# again itself. The module is left loaded or not, as it was on entry.
# Mounts securityfs (for /sys/kernel/security/lsm) and cgroup2 when absent.
# With OUTDIR the document goes to OUTDIR/inetx_coexist[-selinux].ktap
# (stderr to .err) and stdout gets one summary line.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/ktap.sh
. "$HERE/ktap.sh"
BIN=${INETX_BIN:-$(cd "$HERE/.." && pwd)/build/selftests}
PROG=$BIN/inetx_coexist
MOD=inetx
CASES=(addr restrict md5 cgroup probe landlock sockmap reuseport ktls)
NAME=inetx_coexist
# INETX_COEXIST_CASES="case ..." runs only those (for re-running one case).
[ -z "${INETX_COEXIST_CASES:-}" ] || read -ra CASES <<<"$INETX_COEXIST_CASES"
if [ "${1:-}" = --selinux ]; then
	CASES=(selinux)
	NAME=inetx_coexist-selinux
	shift
fi
KO=${1:-}
OUT=${2:-}
CASE_SECS=${INETX_COEXIST_SECS:-180}

if [ -n "$OUT" ]; then
	exec 3>&1 >"$OUT/$NAME.ktap" 2>"$OUT/$NAME.err"
fi

ktap_start $((${#CASES[@]} + 1))
if [ "$(id -u)" != 0 ] || [ ! -r "$KO" ] || [ ! -x "$PROG" ]; then
	ktap_diag "usage: inetx_coexist.sh [--selinux] KO [OUTDIR], as root, with $PROG built"
	echo "Bail out! preconditions"
	exit 1
fi
ktap_diag "kernel $(uname -r), module $KO"
ip link set lo up 2>/dev/null
if [ ! -r /sys/kernel/security/lsm ]; then
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null ||
		ktap_diag "cannot mount securityfs"
fi
ktap_diag "lsm: $(cat /sys/kernel/security/lsm 2>/dev/null || echo unreadable)"
if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || ktap_diag "cannot mount cgroup2"
fi

LOADED_ON_ENTRY=0
[ -d "/sys/module/$MOD" ] && LOADED_ON_ENTRY=1
MARK="inetx_coexist.sh start $$ $(date +%s)"
echo "$MARK" >/dev/kmsg

ensure_loaded() {
	local out
	[ -d "/sys/module/$MOD" ] && return 0
	out=$(insmod "$KO" 2>&1) || { ktap_diag "insmod $KO: $out"; return 1; }
}

# One case: its KTAP indented as a subtest, then the parent result.
run_case() { # NAME
	local c=$1 tmp rc verdict
	tmp=$(mktemp "/tmp/coexist-$c.XXXXXX")
	if ! ensure_loaded; then
		ktap_result 1 "$c (inetx not loaded)"
		return
	fi
	echo "    # Subtest: coexist.$c"
	timeout -k 10 "$CASE_SECS" "$PROG" "$c" "$KO" >"$tmp" 2>"$tmp.err" </dev/null
	rc=$?
	[ $rc = 124 ] && echo "Bail out! $c killed after $CASE_SECS s" >>"$tmp"
	sed 's/^/    /' "$tmp"
	if [ -s "$tmp.err" ]; then
		sed 's/^/    # stderr: /' "$tmp.err" | head -n 40
	fi
	# pass / fail / all-skipped, and the plan fully run.
	verdict=$(awk -v rc="$rc" '
	/^1\.\.[0-9]+/ && !plan { plan = substr($0, 4) + 0 }
	/^ok [0-9]+/ { n++; if (/# SKIP/) { s++; if (!why) { why = $0; sub(/.*# SKIP */, "", why) } } else p++ }
	/^not ok [0-9]+/ { n++; f++ }
	/^Bail out!/ { bail = 1 }
	END {
		summary = sprintf("pass %d fail %d skip %d of plan %d, exit %d", p, f, s, plan, rc)
		if (rc == 0 && !f && !bail && plan > 0 && n == plan)
			print (s == n ? "skip " why : "pass " summary)
		else
			print "fail " summary (bail ? ", bailed out" : "")
	}' "$tmp")
	case "$verdict" in
	"pass "*) ktap_result 0 "$c (${verdict#pass })" ;;
	"skip "*) ktap_skip "${verdict#skip }" "$c" ;;
	*) ktap_result 1 "$c (${verdict#fail })" ;;
	esac
	rm -f "$tmp" "$tmp.err"
}

for c in "${CASES[@]}"; do
	run_case "$c"
done

bad=$(dmesg 2>/dev/null | sed -n "/$MARK\$/,\$p" |
	grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection|UBSAN|KASAN|refcount_t|list_(add|del) corruption')
if [ -n "$bad" ]; then
	printf '%s\n' "$bad" | head -n 60 | sed 's/^/# /'
fi
ktap_result "$([ -z "$bad" ] && echo 0 || echo 1)" "kernel log: no WARNING/BUG/Oops during the coexistence suite"

# Leave inetx as we found it.
if [ "$LOADED_ON_ENTRY" = 1 ]; then
	ensure_loaded
else
	ktap_rmmod "$MOD" 30 >/dev/null || ktap_diag "could not unload $MOD"
fi
[ -z "$OUT" ] ||
	echo "$NAME on $(uname -r): $KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped of $KTAP_PLAN ($OUT/$NAME.ktap)" >&3
ktap_finish
