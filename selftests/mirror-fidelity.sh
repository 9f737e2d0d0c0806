#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mirror fidelity: every definition inetx copies from the kernel
# (module/mirrors/MIRRORS) is compared with that definition in each
# supported kernel's own source, Debian's linux-source-SERIES of the kernel
# series.  What remains after the normalisation below must equal the
# reviewed module/mirrors/SERIES.diff: a Debian point release that changes
# a mirrored function (or a change to a mirror) fails the test until the
# mirror is looked at and the expected diff regenerated and reviewed.
#
# Usage: selftests/mirror-fidelity.sh [--update] [--out DIR] [KVER...]
#
#   KVER      a Debian kernel release: 6.1.0-57-amd64, 6.12.117+deb12-amd64,
#             7.2.13+deb14-amd64, or a series alone (7.2) for the newest
#             of that series in the development suite; one per series,
#             the first given counts (default: the newest 6.1 and 6.12 in
#             /boot)
#   --out DIR one KTAP document per kernel, DIR/mirrors-KVER.ktap (one test
#             per mirror), the normalised diff found, DIR/SERIES.diff, and
#             `kver` and `run-vm.status` for selftests/vm/summarize.sh;
#             without it, KTAP on stdout
#   --update  write module/mirrors/SERIES.diff from what is found now (then
#             review it: `git diff module/mirrors/`)
#
# Exit status: the number of failed tests (0: every mirror as expected).
#
# Sources.  Series whose linux-source-SERIES is installed (6.1, 6.12 by
# selftests/vm/setup-deps.sh) use /usr/src/linux-source-SERIES.tar.xz;
# others (7.2) fetch it from Debian's development suite through
# selftests/vm/debian-dev.sh.  Only the files needed are unpacked, into
#   ${INETX_CACHE:-~/.cache/inetx}/mirrors/SERIES/PKGVERSION/
# The source package can be another point release than the kernel tested
# (linux-source-6.12 6.12.118 with a 6.12.117 image): every KTAP document
# says which versions were compared.  What inetx compiles to depends on the
# kernel tested: its Module.symvers (/lib/modules/KVER/build, or the
# linux-headers-KVER package from the development suite) says what is
# exported, the source's headers which macros exist, the same probes as
# module/Kbuild and module/inetx_compat.h.
#
# Extraction: a definition is the column-0 line naming it, followed by "(",
# "[", "=" or "{" (with the line before when the name starts the line: the
# return type), through the first line starting with "}".  Exactly one
# definition per name and file, or the test fails.
#
# Normalisation, on both sides, in this order:
#  1. comments are removed;
#  2. a line is joined with the next while a "(" or "[" is open or it ends
#     in a binary operator (a statement or initialiser on one line: where
#     inetx wraps a long line differently is not a difference);
#  3. runs of blanks become one space, "( " and " )" lose the space,
#     indentation becomes tabs (8 columns, rounded), blank lines go;
#  4. (inetx only) the compat helpers of module/inetx_compat.h used in
#     mirrors are replaced by what they compile to on that kernel, below;
#  5. (inetx only) the renames of module/mirrors/MIRRORS;
#  6. an indented "{" alone on its line joins the line before (the kernel's
#     "if (x) {" over a block that step 4 made).
# Step 4's mappings, each the body of the helper in the branch that kernel
# takes (FEATURE: the macro or export inetx_compat.h tests):
#   inetx_defer_connect(sk)        inet_set_bit: inet_test_bit(DEFER_CONNECT, sk)
#                                  else:         inet_sk(sk)->defer_connect
#   inetx_init_inet_flags(sk, X);  inet_set_bit: inet_assign_bit(IS_ICSK, sk, X);
#                                    inet_clear_bit(NODEFRAG, sk);
#                                    inet_set_bit(MC_LOOP, sk); inet_set_bit(MC_ALL, sk);
#                                  else: inet->is_icsk = (bool)(X); inet->nodefrag = 0;
#                                    inet->mc_loop = 1; inet->mc_all = 1;
#                                    (the helper's "inet" is inet_sk(sk), as the
#                                    caller's; (bool): the helper's parameter type)
#   inetx_sk_refcnt_debug_inc(sk); sk_refcnt_debug_inc: sk_refcnt_debug_inc(sk);
#                                  else: nothing
#   inetx_set_usec_ts(tp, D);      RTAX_FEATURE_TCP_USEC_TS:
#                                    tp->tcp_usec_ts = dst_tcp_usec_ts(D);
#                                  else: nothing
#   inetx_secure_seq(sk, P);       export secure_tcp_seq_and_ts_off: the block
#                                    { union tcp_seq_and_ts_off st; st = ...(
#                                    sock_net(sk), ..., P); ... } (the helper's
#                                    inet and tp are the caller's)
#                                  else: { if (!tp->write_seq) WRITE_ONCE(
#                                    tp->write_seq, secure_tcp_seq(..., P)); }
#   inetx_have_fastopen_defer_connect()  export tcp_fastopen_defer_connect:
#                                    true, else false
#   inetx_fastopen_defer_connect(sk, E)  export tcp_fastopen_defer_connect:
#                                    tcp_fastopen_defer_connect(sk, E), else false
#   INETX_STREAM_OPS_VERSIONED     MSG_SENDPAGE_NOTLAST: .sendpage = inetx_sendpage,
#                                    (inet_sendpage() and inetx's byte count)
#                                    .sendpage_locked = tcp_sendpage_locked,
#                                  else: .set_peek_off = sk_set_peek_off,
#                                    and with member set_rcvbuf (7.x)
#                                    .set_rcvbuf = inetx_set_rcvbuf, (inetx's
#                                    wrapper of TCP's, like inetx_mmap)
#   inetx_have_v4_connect()        exports inet_hash_connect, tcp_set_state,
#                                    inet_bhash2_update_saddr and
#                                    inet_bhash2_reset_saddr: true, else false
#   struct inetx_sockaddr          type sockaddr_unsized (7.x's proto_ops and
#                                    proto bind/connect): struct sockaddr_unsized,
#                                  else: struct sockaddr
# Any other name module/inetx_compat.h defines that is left in a mirror
# after step 4 fails the test, unless MIRRORS lists it as a wrapper
# (inetx_accept): a new compat helper needs its mapping here.  inetx's own
# functions (inetx_mmap(), inetx_lookup_protosw(), ...) stay as they are
# and show in the expected diff.
#
# Environment: INETX_CACHE (cache root), INETX_DEBIAN_DEV (the development
# suite's fetch script, default selftests/vm/debian-dev.sh).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$top"
# shellcheck source=selftests/ktap.sh
. "$top/selftests/ktap.sh"

MIRRORS=$top/module/mirrors/MIRRORS
CACHE=${INETX_CACHE:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/inetx}/mirrors
DEBIAN_DEV=${INETX_DEBIAN_DEV:-$top/selftests/vm/debian-dev.sh}

usage() {
	sed -n '3,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

update=0 out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--update) update=1 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
# shellcheck disable=SC2012  # kernel versions have no odd characters
newest() { ls /boot/vmlinuz-"$1"* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1; }
# shellcheck disable=SC2046  # one word per kernel
[ $# -gt 0 ] || set -- $(newest '6.1.0-') $(newest '6.12.')
[ $# -gt 0 ] || { echo "mirror-fidelity: no kernel given and none in /boot" >&2; exit 2; }

# 6.1.0-57-amd64 -> 6.1, 6.12.117+deb12-amd64 -> 6.12
series_of() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+)[.-].*/\1/'; }

# FEATURE HEADER: macros inetx_compat.h tests with #ifdef.
MACROS="inet_set_bit include/net/inet_sock.h
RTAX_FEATURE_TCP_USEC_TS include/uapi/linux/rtnetlink.h
MSG_SENDPAGE_NOTLAST include/linux/socket.h
sk_refcnt_debug_inc include/net/sock.h"
# FEATURE HEADER: types, found by their definition "struct FEATURE {".
STRUCTS="sockaddr_unsized include/linux/socket.h"
# FEATURE HEADER: function pointer members, found as "(*FEATURE)(".
MEMBERS="set_rcvbuf include/linux/net.h"
# Exports module/Kbuild probes (INETX_HAVE_*).  V4_CONNECT_EXPORTS, all
# present, is the feature v4_connect_exports (INETX_HAVE_V4_CONNECT_EXPORTS).
V4_CONNECT_EXPORTS="inet_hash_connect tcp_set_state inet_bhash2_update_saddr
inet_bhash2_reset_saddr"
EXPORTS="secure_tcp_seq_and_ts_off tcp_fastopen_defer_connect $V4_CONNECT_EXPORTS"
# Files unpacked from the source: the mirrored code, and the headers that
# decide inetx_compat.h's branches.
SRC_FILES=$({
	awk '$1 == "mirror" { print $2 } $1 == "moved" { print $4 }' "$MIRRORS"
	printf '%s\n%s\n%s\n' "$MACROS" "$STRUCTS" "$MEMBERS" | awk '{ print $2 }'
} | sort -u)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# Sets src_pkg, src_ver and src_dir (the unpacked files) for SERIES; on
# failure prints why and returns 1.
fetch_source() { # SERIES
	local s=$1 tarball dir pats=() f
	src_pkg=linux-source-$s
	if installed "$src_pkg"; then
		src_ver=$(dpkg-query -W -f='${Version}' "$src_pkg")
		tarball=/usr/src/$src_pkg.tar.xz
	else
		src_ver=$("$DEBIAN_DEV" version "$src_pkg") || return 1
		dir=$("$DEBIAN_DEV" path "$src_pkg") || return 1
		dir=${dir##*$'\n'}	# its last line
		tarball=$dir/usr/src/$src_pkg.tar.xz
	fi
	src_dir=$CACHE/$s/$src_ver
	mkdir -p "$CACHE/$s"
	# One unpacker at a time; the others then find its result.
	exec 8>"$CACHE/$s/.lock"
	flock 8
	for f in $SRC_FILES; do
		[ -e "$src_dir/$f" ] || { rm -rf "$src_dir"; break; }
	done
	if [ ! -d "$src_dir" ]; then
		[ -r "$tarball" ] || { echo "no $tarball"; exec 8>&-; return 1; }
		for f in $SRC_FILES; do pats+=("*/$f"); done
		rm -rf "$src_dir".tmp.*
		dir=$(mktemp -d "$src_dir.tmp.XXXXXX")
		chmod 755 "$dir"
		if ! nice -n 15 tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			--wildcards "${pats[@]}"; then
			rm -rf "$dir"
			echo "cannot unpack ${pats[*]} from $tarball"
			exec 8>&-
			return 1
		fi
		mv "$dir" "$src_dir"
	fi
	exec 8>&-
}

# The kernel's Module.symvers: installed headers, else the development
# suite's linux-headers-KVER.
symvers_of() { # KVER
	local d
	if [ -r "/lib/modules/$1/build/Module.symvers" ]; then
		echo "/lib/modules/$1/build/Module.symvers"
	elif d=$("$DEBIAN_DEV" path "linux-headers-$1" 2>/dev/null) && d=${d##*$'\n'} &&
		[ -r "$d/usr/src/linux-headers-$1/Module.symvers" ]; then
		echo "$d/usr/src/linux-headers-$1/Module.symvers"
	else
		return 1
	fi
}

# The kernel image's package version, for the record.
image_version() { # KVER
	if installed "linux-image-$1"; then
		dpkg-query -W -f='${Version}' "linux-image-$1"
	else
		"$DEBIAN_DEV" version "linux-image-$1" 2>/dev/null || echo unknown
	fi
}

# Prints the FEATURES (see the header) that hold for the kernel.
features_of() { # SRC_DIR SYMVERS
	local name hdr
	while read -r name hdr; do
		if grep -Eq "^#[[:space:]]*define[[:space:]]+$name([[:space:](]|\$)" "$1/$hdr"; then
			echo "$name"
		fi
	done <<<"$MACROS"
	while read -r name hdr; do
		! grep -Eq "^struct $name \{" "$1/$hdr" || echo "$name"
	done <<<"$STRUCTS"
	while read -r name hdr; do
		! grep -Fq "(*$name)(" "$1/$hdr" || echo "$name"
	done <<<"$MEMBERS"
	for name in $EXPORTS; do
		! grep -qw "$name" "$2" || echo "$name"
	done
	for name in $V4_CONNECT_EXPORTS; do
		grep -qw "$name" "$2" || return 0
	done
	echo v4_connect_exports
}

# Print NAME's definition in FILE (see the header), or fail.
extract() { # NAME FILE
	awk -v name="$1" '
	function take(line) {
		buf = buf (buf == "" ? "" : "\n") line
		if (!opened && line ~ /\{/)
			opened = 1
		else if (!opened && line ~ /;[ \t]*$/)
			inside = 0	# a declaration
		if (opened && line ~ /^}/) {
			n++; def = buf; inside = 0
		}
	}
	BEGIN { re = "(^|[^A-Za-z0-9_])" name "[ \t]*(\\(|\\[|=|\\{|$)"; n = 0 }
	!inside && /^[A-Za-z_]/ && $0 ~ re {
		inside = 1; opened = 0; buf = ""
		# The return type on a line of its own.
		if (index($0, name) == 1 && prev ~ /^[A-Za-z_]/ && prev !~ /[;{}()]$/)
			buf = prev
		take($0)
		prev = $0
		next
	}
	inside { take($0) }
	{ prev = $0 }
	END {
		if (n != 1) {
			printf "%s: %d definitions of %s\n", FILENAME, n, name > "/dev/stderr"
			exit 1
		}
		print def
	}' "$2"
}

# The normalisation (header, steps 1-6).  Args: SIDE (kernel|inetx),
# FEATURES and RENAMES ("from=to ...") as single words.
# shellcheck disable=SC2016  # a perl program
NORMALISE='
use strict;
use warnings;
my ($side, $features, $renames) = @ARGV[0 .. 2];
my %have = map { $_ => 1 } split " ", $features;
local $/;
my $t = <STDIN>;

# 1. Comments.
$t =~ s{/\*.*?\*/}{}gs;
$t =~ s{//[^\n]*}{}g;

# 2. and 3. One line per statement, blanks and indentation made uniform.
sub open_count {
	my $s = shift;
	return ($s =~ tr/([//) - ($s =~ tr/)]//);
}
my (@lines, $acc);
for my $l (split /\n/, $t) {
	$l =~ s/\s+$//;
	next if $l eq "";
	if (defined $acc) {
		$l =~ s/^\s+//;
		$acc .= " $l";
	} else {
		$acc = $l;
	}
	next if $acc !~ /^\s*#/ &&
		(open_count($acc) > 0 ||
		 $acc =~ /(&&|\|\||[|&*\/=?]|(?<![-+])[-+]|<<|>>)$/);
	push @lines, $acc;
	undef $acc;
}
push @lines, $acc if defined $acc;
for (@lines) {
	my ($ind, $rest) = /^(\s*)(.*)$/;
	(my $cols = $ind) =~ s/\t/        /g;
	$rest =~ s/\s+/ /g;
	$rest =~ s/\( /(/g;
	$rest =~ s/ \)/)/g;
	$_ = ("\t" x int((length($cols) + 4) / 8)) . $rest;
}
$t = join("\n", @lines) . "\n";

# Lines at indentation IND.
sub at {
	my $ind = shift;
	return join "\n", map { "$ind$_" } @_;
}

# 4. Compat helpers, as compiled for this kernel.
my $bits = $have{inet_set_bit};
my $tfo = $have{tcp_fastopen_defer_connect};
my $v4 = $have{v4_connect_exports};
sub init_inet_flags {
	my ($ind, $x) = @_;
	return at($ind, "inet_assign_bit(IS_ICSK, sk, $x);",
		  "inet_clear_bit(NODEFRAG, sk);",
		  "inet_set_bit(MC_LOOP, sk);", "inet_set_bit(MC_ALL, sk);") if $bits;
	return at($ind, "inet->is_icsk = (bool)($x);", "inet->nodefrag = 0;",
		  "inet->mc_loop = 1;", "inet->mc_all = 1;");
}
# A block, its braces one level out: the kernel braces the "if" it is under.
sub secure_seq {
	my ($ind, $port) = @_;
	(my $out = $ind) =~ s/^\t//;
	my @body = $have{secure_tcp_seq_and_ts_off} ?
		("union tcp_seq_and_ts_off st;",
		 "st = secure_tcp_seq_and_ts_off(sock_net(sk), inet->inet_saddr, inet->inet_daddr, inet->inet_sport, $port);",
		 "if (!tp->write_seq)", "\tWRITE_ONCE(tp->write_seq, st.seq);",
		 "WRITE_ONCE(tp->tsoffset, st.ts_off);") :
		("if (!tp->write_seq)",
		 "\tWRITE_ONCE(tp->write_seq, secure_tcp_seq(inet->inet_saddr, inet->inet_daddr, inet->inet_sport, $port));");
	return join "\n", at($out, chr(123)), at($ind, @body), at($out, chr(125));
}
sub stream_ops_versioned {
	my $ind = shift;
	return at($ind, ".sendpage = inetx_sendpage,",
		  ".sendpage_locked = tcp_sendpage_locked,") if $have{MSG_SENDPAGE_NOTLAST};
	return at($ind, ".set_peek_off = sk_set_peek_off,",
		  $have{set_rcvbuf} ? (".set_rcvbuf = inetx_set_rcvbuf,") : ());
}

if ($side eq "inetx") {
	$t =~ s/\binetx_defer_connect\(sk\)/$bits ?
		"inet_test_bit(DEFER_CONNECT, sk)" : "inet_sk(sk)->defer_connect"/ge;
	$t =~ s/^(\t*)inetx_init_inet_flags\(sk, (.+)\);$/init_inet_flags($1, $2)/gme;
	$t =~ s/^(\t*)inetx_sk_refcnt_debug_inc\(sk\);\n/$have{sk_refcnt_debug_inc} ?
		"$1sk_refcnt_debug_inc(sk);\n" : ""/gme;
	$t =~ s/^(\t*)inetx_set_usec_ts\(tp, (.+)\);\n/$have{RTAX_FEATURE_TCP_USEC_TS} ?
		"$1tp->tcp_usec_ts = dst_tcp_usec_ts($2);\n" : ""/gme;
	$t =~ s/^(\t*)inetx_secure_seq\(sk, (.+)\);$/secure_seq($1, $2)/gme;
	$t =~ s/\binetx_have_fastopen_defer_connect\(\)/$tfo ? "true" : "false"/ge;
	$t =~ s/\binetx_have_v4_connect\(\)/$v4 ? "true" : "false"/ge;
	$t =~ s/\binetx_fastopen_defer_connect\(sk, ([^()]+)\)/$tfo ?
		"tcp_fastopen_defer_connect(sk, $1)" : "false"/ge;
	$t =~ s/^(\t*)INETX_STREAM_OPS_VERSIONED$/stream_ops_versioned($1)/gme;
	$t =~ s/\bstruct inetx_sockaddr\b/$have{sockaddr_unsized} ?
		"struct sockaddr_unsized" : "struct sockaddr"/ge;

	# 5. Renames.
	for (split " ", $renames) {
		my ($from, $to) = split /=/;
		$t =~ s/\b\Q$from\E\b/$to/g;
	}
}

# 6. "if (x)" + "{" -> "if (x) {".
$t =~ s/\n\t+\{\n/ {\n/g;
print $t;
'

normalise() { # SIDE FEATURES RENAMES
	perl -e "$NORMALISE" "$@"
}

# Mirror table: kfile kname ifile iname, one per line; renames "a=b ...".
mirror_rows=$(awk '$1 == "mirror" { print $2, $3, $4, $5 }' "$MIRRORS")
# Per series: "SERIES KERNEL-NAME KERNEL-FILE NAME-THERE".
moved_rows=$(awk '$1 == "moved" { print $2, $3, $4, $5 }' "$MIRRORS")
renames=$(awk '$1 == "mirror" { printf "%s=%s ", $5, $3 } $1 == "rename" { printf "%s=%s ", $2, $3 }' "$MIRRORS")
nmirrors=$(printf '%s\n' "$mirror_rows" | grep -c .)

# Names module/inetx_compat.h defines (inline functions, macros), less the
# wrappers of MIRRORS: none may be left in a mirror after step 4.
compat_names=$(sed -nE -e 's/^static inline [^(]*[ *](inetx_[A-Za-z0-9_]+)\(.*/\1/p' \
	-e 's/^(inetx_[A-Za-z0-9_]+)\(.*/\1/p' \
	-e 's/^#define[[:space:]]+((inetx|INETX)_[A-Za-z0-9_]+).*/\1/p' \
	"$top/module/inetx_compat.h" | sort -u |
	grep -vxF -f <(awk '$1 == "wrapper" { print $2 }' "$MIRRORS") || true)
unmapped_compat() { # < normalised inetx text: prints those found
	[ -z "$compat_names" ] || grep -owF -f <(printf '%s\n' "$compat_names") | sort -u | tr '\n' ' '
}

# A mirror's section of a .diff file: its "== " line through the next.
section() { # KNAME FILE
	awk -v h="== $1 " '
	/^#/ { next }
	/^== / { on = (index($0, h) == 1) }
	on' "$2"
}

[ -z "$out" ] || { mkdir -p "$out"; out=$(cd "$out" && pwd -P); }
if [ -n "$out" ]; then
	rm -f "$out"/*.ktap "$out"/*.diff
	echo "mirror fidelity (host)" >"$out/kver"
	echo running >"$out/run-vm.status"
fi

check_kernel() { # KVER|SERIES: one KTAP document
	local k=$1 s why="" feats symvers iver rel work kf kn if in unmapped
	local expected actual got
	s=$(series_of "$k")
	expected=$top/module/mirrors/$s.diff
	work=$(mktemp -d)
	# shellcheck disable=SC2064  # expand now
	trap "rm -rf '$work'" RETURN
	actual=$work/$s.diff

	ktap_start "$nmirrors"
	if [ "$k" = "$s" ] && ! k=$("$DEBIAN_DEV" kver "$s" 2>"$work/why"); then
		why="no $s kernel in the development suite: $(tr '\n' ' ' <"$work/why")"
	elif ! fetch_source "$s" >"$work/why" 2>&1; then
		why="no $src_pkg source: $(tr '\n' ' ' <"$work/why")"
	elif ! symvers=$(symvers_of "$k"); then
		why="no Module.symvers for $k"
	else
		feats=$(features_of "$src_dir" "$symvers" | tr '\n' ' ')
		feats=${feats% }
		iver=$(image_version "$k")
		ktap_diag "$k (linux-image $iver) against $src_pkg $src_ver"
		if [ "$iver" != unknown ] && [ "${src_ver%%-*}" != "${iver%%-*}" ]; then
			rel=older
			! dpkg --compare-versions "$src_ver" gt "$iver" || rel=newer
			ktap_diag "note: the source is ${src_ver%%-*}, the kernel tested ${iver%%-*} (a $rel point release)"
		elif [ "$iver" != unknown ]; then
			ktap_diag "the source is the kernel's own point release, ${iver%%-*}"
		fi
		ktap_diag "compat features: ${feats:-none}"
		{
			echo "# Mirror fidelity, kernel series $s: what remains between inetx's mirrors"
			echo "# and the kernel's code after selftests/mirror-fidelity.sh's normalisation."
			echo "# Reviewed by a human.  Regenerate: selftests/mirror-fidelity.sh --update KVER"
			echo "# Generated from $src_pkg $src_ver for $k"
			echo "# (compat features: ${feats:-none})."
			echo "# Lines starting with '#' are not compared."
		} >"$actual"
	fi

	while read -r kf kn if in; do
		local name="$s $kn <- $in"
		if [ -n "$why" ]; then
			ktap_result 1 "$name" || true
			ktap_diag "$why"
			continue
		fi
		echo "== $kn <- $in ($if)" >>"$actual"
		# Where this series has the kernel's definition under another
		# file or name (MIRRORS "moved").
		local kfs=$kf kns=$kn mv
		mv=$(awk -v s="$s" -v k="$kn" '$1 == s && $2 == k { print $3, $4 }' <<<"$moved_rows")
		[ -z "$mv" ] || read -r kfs kns <<<"$mv"
		# On error, what the expected diff's section cannot hold.
		if ! extract "$kns" "$src_dir/$kfs" >"$work/k" 2>"$work/err" ||
			! extract "$in" "$if" >"$work/i" 2>>"$work/err"; then
			echo "extraction failed: $(cat "$work/err")" >>"$actual"
			ktap_result 1 "$name" || true
			ktap_diag "$(cat "$work/err")"
			continue
		fi
		if ! normalise kernel "$feats" "$renames" <"$work/k" >"$work/k.n" 2>"$work/err" ||
			! normalise inetx "$feats" "$renames" <"$work/i" >"$work/i.n" 2>>"$work/err"; then
			echo "normalisation failed: $(cat "$work/err")" >>"$actual"
			ktap_result 1 "$name" || true
			ktap_diag "normalisation failed: $(cat "$work/err")"
			continue
		fi
		diff -u --label "linux/$kfs: $kns" --label "inetx/$if: $in" \
			"$work/k.n" "$work/i.n" >>"$actual" || true
		unmapped=$(unmapped_compat <"$work/i.n")
		if [ -n "$unmapped" ]; then
			ktap_result 1 "$name" || true
			ktap_diag "compat helpers with no mapping (step 4 of $0): $unmapped"
			ktap_diag "map each to what it compiles to, or list it as a wrapper in MIRRORS"
			continue
		fi
		if [ "$update" = 1 ]; then
			ktap_result 0 "$name (expected diff rewritten)"
			continue
		fi
		got=0
		if [ ! -r "$expected" ]; then
			ktap_result 1 "$name" || true
			ktap_diag "no $expected: create it with --update and review it"
			continue
		fi
		diff -u --label "expected (module/mirrors/$s.diff)" --label "actual" \
			<(section "$kn" "$expected") <(section "$kn" "$actual") >"$work/delta" || got=1
		if [ "$got" = 0 ]; then
			ktap_result 0 "$name"
		else
			ktap_result 1 "$name" || true
			ktap_diag "the difference to the kernel's $kn changed; delta (expected -> actual):"
			ktap_diag "$(cat "$work/delta")"
		fi
	done <<<"$mirror_rows"

	if [ -z "$why" ]; then
		[ -z "$out" ] || cp "$actual" "$out/$s.diff"
		if [ "$update" = 1 ]; then
			cp "$actual" "$expected"
			ktap_diag "wrote module/mirrors/$s.diff: review it (git diff module/mirrors/)"
		elif [ "$KTAP_FAIL" != 0 ]; then
			ktap_diag "if the kernel's change is understood and the mirror follows it (or"
			ktap_diag "rightly does not): selftests/mirror-fidelity.sh --update $k, then review"
		fi
	fi
	ktap_finish
}

fails=0 seen=" "
for k in "$@"; do
	case "$seen" in *" $(series_of "$k") "*) continue ;; esac
	seen="$seen$(series_of "$k") "
	rc=0
	if [ -n "$out" ]; then
		(check_kernel "$k") >"$out/mirrors-$k.ktap" 2>&1 || rc=$?
		cat "$out/mirrors-$k.ktap"
	else
		(check_kernel "$k") || rc=$?
	fi
	fails=$((fails + rc))
done
if [ -n "$out" ]; then
	if [ "$fails" = 0 ]; then echo pass; else echo "fail: $fails mirror tests"; fi >"$out/run-vm.status"
fi
[ "$fails" -le 255 ] || fails=255
exit "$fails"
