#!/bin/sh
# Summarize KTAP results of one or more run-vm.sh output directories.
#
# Usage: selftests/vm/summarize.sh LABEL OUTDIR...
#
# Reads every *.ktap file directly inside each OUTDIR and prints
#   == LABEL ==
#   KVER: N passed, N failed, N skipped      (one line per OUTDIR; the name is
#     FAIL file.ktap: suite.test              OUTDIR/kver, else the basename)
#   N passed, N failed, N skipped            (totals; always the last line)
# Exit status 1 if anything failed, if an OUTDIR (or the whole set) has no
# results, or if an OUTDIR's run-vm.status is present and is not "pass"
# (a missing status file is only noted).  2 on usage errors.
#
# Counting rule (leaf results only):
#  - A result line is `ok N ...` or `not ok N ...`, optionally indented (tab =
#    4 columns) and optionally after a dmesg timestamp "[  1.234] ".  Lines
#    starting with "#" (e.g. kselftest's "# ok 1 ...") are diagnostics.
#  - A result line whose previous result line was MORE deeply indented closes
#    a subtest block: it is a parent summary and is not counted.  Exception:
#    a failing parent whose block had no counted failure (e.g. the suite's
#    init failed) counts as one failure, so no failure is ever lost.
#  - `# SKIP` (any case) in the directive makes a result skipped, whether it
#    says ok or not ok.  Other directives (TODO, XFAIL, TIMEOUT) do not
#    change anything: ok passes, not ok fails.
#  - A plan `1..N` whose block ends with fewer than N results, and a
#    "Bail out!" line, each add one failure ("<missing results>").
set -eu

if [ $# -lt 2 ]; then
	sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2
	exit 2
fi
label=$1
shift

# Parse the KTAP files given as arguments.  Output lines:
#   FAIL <file basename>: <suite.test>
#   COUNT <passed> <failed> <skipped>          (last)
parse_ktap() {
	awk '
	function indent_of(s,   n, c, i) {
		n = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == " ") n++
			else if (c == "\t") n += 4
			else break
		}
		return n
	}
	function fail(what) {
		failed++
		printf "FAIL %s: %s\n", base, what
	}
	# Close every block deeper than indent d: check its plan, forget its
	# name.  Returns the failures counted inside those blocks.
	function close_deeper(d,   k, f, n, i, ks) {
		n = 0
		for (k in count) if (k + 0 > d) ks[++n] = k
		f = 0
		for (i = 1; i <= n; i++) {
			k = ks[i]
			if ((k in plan) && count[k] < plan[k]) {
				fail(path(k) "<missing results: plan 1.." plan[k] ", got " count[k] ">")
				blockfail[k]++
			}
			f += blockfail[k]
			delete count[k]; delete plan[k]; delete blockfail[k]; delete name[k]
		}
		return f
	}
	function open_block(d) {
		if (!(d in count)) { count[d] = 0; blockfail[d] = 0 }
	}
	# "suite.sub." for the open "# Subtest:" names at indent <= d.
	function path(d,   k, i, j, n, ks, p) {
		n = 0
		for (k in name) if (k + 0 <= d) ks[++n] = k + 0
		for (i = 2; i <= n; i++) {
			k = ks[i]
			for (j = i - 1; j >= 1 && ks[j] > k; j--) ks[j + 1] = ks[j]
			ks[j + 1] = k
		}
		p = ""
		for (i = 1; i <= n; i++) p = p name[ks[i]] "."
		return p
	}
	BEGIN { passed = failed = skipped = 0; base = "" }
	FNR == 1 {
		if (base != "") close_deeper(-1)   # end of the previous file
		base = FILENAME; sub(/.*\//, "", base)
		prev_indent = -1
	}
	{
		line = $0
		sub(/\r$/, "", line)
		sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)   # dmesg timestamp
		ind = indent_of(line)
		body = line; sub(/^[ \t]+/, "", body)

		if (body ~ /^K?TAP version [0-9]/) {
			close_deeper(ind - 1)   # a new document at this level
			open_block(ind); count[ind] = 0; blockfail[ind] = 0
			if (ind == 0) prev_indent = -1
			next
		}
		if (body ~ /^# Subtest: /) {
			open_block(ind)
			n = body; sub(/^# Subtest: /, "", n); name[ind] = n
			next
		}
		if (body ~ /^1\.\.[0-9]+/) {
			open_block(ind)
			n = body; sub(/^1\.\./, "", n); plan[ind] = n + 0
			next
		}
		if (body ~ /^Bail out!/) {
			open_block(ind)
			fail(path(ind) "<bail out>")
			blockfail[ind]++
			next
		}
		if (body !~ /^(not )?ok [0-9]+/) next

		notok = (body ~ /^not /)
		desc = body
		sub(/^(not )?ok [0-9]+ *(- )?/, "", desc)
		directive = ""
		if (match(desc, /(^| )#/)) {
			directive = substr(desc, RSTART)
			desc = substr(desc, 1, RSTART - 1)
		}
		sub(/ +$/, "", desc)
		skip = (toupper(directive) ~ /^ ?# *SKIP([^A-Z]|$)/)

		childfail = close_deeper(ind)   # this line ends any deeper block
		parent = (prev_indent > ind)
		prev_indent = ind
		open_block(ind)
		count[ind]++
		blockfail[ind] += childfail

		if (parent) {
			# A failing parent with no failing child still fails once.
			if (notok && !skip && childfail == 0) {
				fail(path(ind) desc)
				blockfail[ind]++
			}
		} else if (skip) {
			skipped++
		} else if (notok) {
			fail(path(ind) desc)
			blockfail[ind]++
		} else {
			passed++
		}
	}
	END {
		if (base != "") close_deeper(-1)
		printf "COUNT %d %d %d\n", passed, failed, skipped
	}' "$@"
}

# Print one OUTDIR's line(s); return 1 if it makes the run fail.
# Globals: adds to tp, tf, ts.
summarize_dir() {
	dir=$1 ret=0 p=0 f=0 s=0 out=""
	name=$(basename "$dir")
	if [ -r "$dir/kver" ]; then name=$(head -n 1 "$dir/kver"); fi
	if [ ! -d "$dir" ]; then
		echo "$name: 0 passed, 0 failed, 0 skipped"
		echo "  ERROR: $dir is not a directory"
		return 1
	fi
	# Only files directly in OUTDIR: run-vm.sh clears exactly those.
	set -- "$dir"/*.ktap
	if [ -e "$1" ]; then
		out=$(parse_ktap "$@")
		# shellcheck disable=SC2046  # the COUNT line splits into p f s
		set -- $(printf '%s\n' "$out" | sed -n 's/^COUNT //p')
		p=$1 f=$2 s=$3
	fi
	echo "$name: $p passed, $f failed, $s skipped"
	printf '%s\n' "$out" | sed -n 's/^FAIL /  FAIL /p'
	if [ $((p + f + s)) -eq 0 ]; then
		echo "  ERROR: no KTAP results in $dir"
		ret=1
	fi
	if [ -r "$dir/run-vm.status" ]; then
		st=$(head -n 1 "$dir/run-vm.status")
		if [ "$st" != pass ]; then
			echo "  ERROR: run-vm.status: $st"
			ret=1
		fi
	else
		echo "  note: no run-vm.status in $dir"
	fi
	[ "$f" -eq 0 ] || ret=1
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	return $ret
}

echo "== $label =="
tp=0 tf=0 ts=0 bad=0
for dir in "$@"; do
	summarize_dir "$dir" || bad=1
done
[ $((tp + tf + ts)) -gt 0 ] || bad=1
echo "$tp passed, $tf failed, $ts skipped"
[ "$bad" -eq 0 ]
