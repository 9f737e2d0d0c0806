#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docs/path.md: each step of the reference walk (socket -> connect ->
# write/read, ../shared/reference/tcp-socket-path.zh.md) mapped to the inetx
# function that takes it (or "TCP's own, shared") and to the kernel
# function it mirrors, with file:line on both sides: inetx's from module/,
# the kernel's from Debian's linux-source-6.12 and linux-source-6.1.
# Generated from the sources, never edited by hand: `make check` runs this
# with --check, which regenerates it and fails on any difference, so a line
# that moves in inetx (or in a Debian point release's source) shows.
#
# Usage: selftests/path-doc.sh [--update | --check] [--out DIR]
#
#   (none)    print the document on stdout
#   --update  write docs/path.md
#   --check   KTAP: the steps all resolve (one test per step), and
#             docs/path.md equals what is generated now (the last test);
#             with --out DIR, DIR/path-doc.ktap, DIR/path.md (as generated),
#             `kver` and `run-vm.status` for selftests/vm/summarize.sh
#
# Sources: /usr/src/linux-source-SERIES.tar.xz (selftests/vm/setup-deps.sh
# installs them); the files needed are unpacked once per package version
# into ${INETX_CACHE:-~/.cache/inetx}/path-doc/SERIES/VERSION/.
#
# The steps are the table STEPS below, one per line:
#   PHASE|STEP|KFILE|KNAME|HOW|IFILE|INAME
# KFILE/KNAME: where the kernel defines the step's function (a function or
# a table); "MIRRORS" takes both from module/mirrors/MIRRORS's mirror line
# for INAME.  HOW says what inetx does there:
#   mirror  INAME in IFILE is inetx's copy of KNAME (a MIRRORS mirror line)
#   call    inetx calls KNAME itself: IFILE:line of the call in INAME
#   member  KNAME is reached through inetx's table INAME: IFILE:line of the
#           member (INAME is TABLE.MEMBER)
#   copy    TCP's own, through inetx_prot (a copy of tcp_prot made at
#           run time): IFILE:line of the copy in INAME
#   shared  the kernel's own code, before inetx's: no inetx line
#   tcp     TCP's (or IP's) own code, after inetx's: no inetx line
# Definitions are found as in selftests/mirror-fidelity.sh: a column-0 line
# naming the function followed by "(" that reaches "{" before ";", or a
# table "NAME[] = {" / "NAME = {".  A step that does not resolve on a
# kernel fails --check.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$top"
# shellcheck source=selftests/ktap.sh
. "$top/selftests/ktap.sh"

DOC=docs/path.md
MIRRORS=module/mirrors/MIRRORS
CACHE=${INETX_CACHE:-${XDG_CACHE_HOME:-${HOME:?}/.cache}/inetx}/path-doc
SERIES="6.12 6.1"

STEPS='socket|socket(): the syscall|net/socket.c|__sys_socket|shared||
socket|sock_create() -> __sock_create()|net/socket.c|__sock_create|shared||
socket|sock_alloc(): the inode and struct socket|net/socket.c|sock_alloc|shared||
socket|net_families[family] (sock_register() at init): .create|net/ipv4/af_inet.c|inet_family_ops|member|module/af_inetx.c|inetx_family_ops.create
socket|pf->create = inet_create()|MIRRORS||mirror|module/inetx_create.c|inetx_create
socket|inetsw[SOCK_STREAM]: tcp_prot and inet_stream_ops for the socket|MIRRORS||mirror|module/inetx_create.c|inetxsw_array
socket|sk_alloc(): the struct sock, sk->sk_prot = tcp_prot|net/core/sock.c|sk_alloc|call|module/inetx_create.c|inetx_create:sk_alloc
socket|sock_init_data()|net/core/sock.c|sock_init_data|call|module/inetx_create.c|inetx_create:sock_init_data
socket|sk->sk_prot->init = tcp_v4_init_sock()|net/ipv4/tcp_ipv4.c|tcp_v4_init_sock|copy|module/inetx_proto.c|inetx_proto_init
connect|connect(): the syscall|net/socket.c|__sys_connect|shared||
connect|__sys_connect_file(): security_socket_connect(), then sock->ops->connect|net/socket.c|__sys_connect_file|shared||
connect|the protocol family'"'"'s proto_ops table|MIRRORS||mirror|module/inetx_stream_ops.c|inetx_stream_ops
connect|sock->ops->connect = inet_stream_connect()|MIRRORS||mirror|module/inetx_stream_ops.c|inetx_stream_connect
connect|__inet_stream_connect(): by sock->state, sk->sk_prot->connect|MIRRORS||mirror|module/inetx_stream_ops.c|__inetx_stream_connect
connect|sk->sk_prot->connect = tcp_v4_connect()|MIRRORS||mirror|module/inetx_proto.c|inetx_v4_connect
connect|ip_route_connect(): the route, the next hop|include/net/route.h|ip_route_connect|call|module/inetx_proto.c|inetx_v4_connect:ip_route_connect
connect|inet_hash_connect(): the source port, hashed|net/ipv4/inet_hashtables.c|inet_hash_connect|call|module/inetx_proto.c|inetx_v4_connect:inet_hash_connect
connect|secure_tcp_seq(): the ISN|SECURE_SEQ|secure_tcp_seq|call|module/inetx_compat.h|inetx_secure_seq:SECURE_SEQ
connect|tcp_connect(): the SYN|net/ipv4/tcp_output.c|tcp_connect|call|module/inetx_proto.c|inetx_v4_connect:tcp_connect
connect|tcp_transmit_skb() -> __tcp_transmit_skb()|net/ipv4/tcp_output.c|__tcp_transmit_skb|tcp||
connect|ip_queue_xmit(): to IPv4|net/ipv4/ip_output.c|ip_queue_xmit|tcp||
write|write() -> ksys_write() -> vfs_write()|fs/read_write.c|ksys_write|shared||
write|sock_write_iter(): the socket file'"'"'s write|net/socket.c|sock_write_iter|shared||
write|sock->ops->sendmsg = inet_sendmsg()|net/ipv4/af_inet.c|inet_sendmsg|member|module/inetx_stream_ops.c|inetx_stream_ops.sendmsg
write|sk->sk_prot->sendmsg = tcp_sendmsg()|net/ipv4/tcp.c|tcp_sendmsg|copy|module/inetx_proto.c|inetx_proto_init
read|read() -> ksys_read() -> vfs_read()|fs/read_write.c|ksys_read|shared||
read|sock_read_iter(): the socket file'"'"'s read|net/socket.c|sock_read_iter|shared||
read|sock->ops->recvmsg = inet_recvmsg()|net/ipv4/af_inet.c|inet_recvmsg|member|module/inetx_stream_ops.c|inetx_stream_ops.recvmsg
read|sk->sk_prot->recvmsg = tcp_recvmsg()|net/ipv4/tcp.c|tcp_recvmsg|copy|module/inetx_proto.c|inetx_proto_init'

usage() {
	sed -n '3,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}
mode=print out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--update) mode=update ;;
	--check) mode=check ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done

# The kernel files the steps name, and the two that hold secure_tcp_seq.
src_files() {
	printf '%s\n' "$STEPS" | awk -F'|' '$3 ~ /\// { print $3 }'
	awk '$1 == "mirror" { print $2 }' "$MIRRORS"
	echo net/core/secure_seq.c
	echo include/net/secure_seq.h
}

# Unpacks SERIES's files (cached); sets src_dir and src_ver.
fetch() { # SERIES
	local s=$1 tarball=/usr/src/linux-source-$1.tar.xz f pats=() dir
	src_ver=$(dpkg-query -W -f='${Version}' "linux-source-$s" 2>/dev/null) ||
		{ echo "linux-source-$s is not installed (selftests/vm/setup-deps.sh)" >&2; return 1; }
	src_dir=$CACHE/$s/$src_ver
	mkdir -p "$CACHE/$s"
	exec 8>"$CACHE/$s/.lock"
	flock 8
	for f in $(src_files | sort -u); do
		[ -e "$src_dir/$f" ] || { rm -rf "$src_dir"; break; }
	done
	if [ ! -d "$src_dir" ]; then
		for f in $(src_files | sort -u); do pats+=("*/$f"); done
		rm -rf "$src_dir".tmp.*
		dir=$(mktemp -d "$src_dir.tmp.XXXXXX")
		if ! nice -n 15 tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			--wildcards "${pats[@]}"; then
			rm -rf "$dir"
			exec 8>&-
			echo "cannot unpack ${pats[*]} from $tarball" >&2
			return 1
		fi
		mv "$dir" "$src_dir"
	fi
	exec 8>&-
}

# Line of NAME's definition in FILE (a function reaching "{" before ";",
# or a table), exactly one; else fails.
def_line() { # NAME FILE
	awk -v name="$1" '
	BEGIN { re = "(^|[^A-Za-z0-9_])" name "[ \t]*(\\(|(\\[\\])?[ \t]*(__[a-z_]+[ \t]*)?=)" }
	cand && /[{;]/ {
		if (match($0, /[{;]/) && substr($0, RSTART, 1) == "{") { n++; found = cand }
		cand = 0
	}
	!cand && /^[A-Za-z_]/ && $0 ~ re {
		cand = FNR
		if (match($0, /[{;]/)) {
			if (substr($0, RSTART, 1) == "{") { n++; found = cand }
			cand = 0
		}
	}
	END { if (n != 1) exit 1; print found }' "$2"
}

# Line of the first match of the extended regex RE inside FUNC's
# definition in FILE.
line_in() { # FUNC RE FILE
	local start
	start=$(def_line "$1" "$3") || return 1
	awk -v s="$start" -v re="$2" '
	FNR > s && /^}/ { exit 1 }
	FNR > s && /^[ \t]*(\/?\*|\/\/)/ { next }	# comments
	FNR > s && $0 ~ re { print FNR; found = 1; exit }
	END { exit !found }' "$3"
}

# Line of the first call of CALLEE inside FUNC's definition in FILE.
call_line() { # FUNC CALLEE FILE
	line_in "$1" "(^|[^A-Za-z0-9_.>])$2\\(" "$3"
}

# Line of ".MEMBER =" inside TABLE's definition in FILE.
member_line() { # TABLE MEMBER FILE
	local start
	start=$(def_line "$1" "$3") || return 1
	awk -v s="$start" -v m="$2" '
	FNR > s && /^}/ { exit 1 }
	FNR > s && $0 ~ "^[ \t]*\\." m "[ \t]*=" { print FNR; found = 1; exit }
	END { exit !found }' "$3"
}

# The kernel function for a "MIRRORS" step: "KFILE KNAME" of INAME.
mirror_of() { # INAME
	awk -v n="$1" '$1 == "mirror" && $5 == n { print $2, $3; f = 1 } END { exit !f }' "$MIRRORS"
}

# secure_tcp_seq: a function of secure_seq.c (6.1), or an inline wrapper
# of secure_tcp_seq_and_ts_off() in secure_seq.h (6.12): where it is defined.
secure_seq_file() { # SRC_DIR
	if def_line secure_tcp_seq "$1/net/core/secure_seq.c" >/dev/null; then
		echo net/core/secure_seq.c
	else
		echo include/net/secure_seq.h
	fi
}

declare -A SRC VER
errors=()

# One row of the table; ROW_OK=0 and a message in errors on failure.
row() { # PHASE STEP KFILE KNAME HOW IFILE INAME
	local phase=$1 step=$2 kf=$3 kn=$4 how=$5 if=$6 in=$7 s l cell kcells="" icell fn callee why=""
	ROW_OK=1
	if [ "$kf" = MIRRORS ]; then
		read -r kf kn < <(mirror_of "$in") || { errors+=("$step: $in has no mirror line in $MIRRORS"); ROW_OK=0; }
	fi
	for s in $SERIES; do
		local f=$kf
		[ "$f" != SECURE_SEQ ] || f=$(secure_seq_file "${SRC[$s]}")
		if l=$(def_line "$kn" "${SRC[$s]}/$f"); then
			cell="$f:$l"
		else
			cell="(not found)"
			errors+=("$step: no single definition of $kn in $s's $f")
			ROW_OK=0
		fi
		kcells="$kcells | \`$cell\`"
	done
	case "$how" in
	mirror)
		l=$(def_line "$in" "$if") || why="no definition of $in in $if"
		icell="\`$in\` mirrors it: \`$if:$l\`" ;;
	call)
		fn=${in%%:*} callee=${in#*:}
		[ "$callee" != SECURE_SEQ ] || callee='secure_tcp_seq(_and_ts_off)?'
		l=$(call_line "$fn" "$callee" "$if") || why="$fn does not call ${in#*:} in $if"
		icell="shared; \`$fn\` calls it: \`$if:$l\`" ;;
	member)
		l=$(member_line "${in%%.*}" "${in#*.}" "$if") || why="no $in in $if"
		icell="through inetx's \`$in\`: \`$if:$l\`" ;;
	copy)
		l=$(line_in "$in" '^[ \t]*inetx_prot = tcp_prot;' "$if") ||
			why="$in does not copy tcp_prot in $if"
		icell="TCP's own, shared, through \`inetx_prot\` (\`tcp_prot\` copied in \`$in\`: \`$if:$l\`)" ;;
	shared) icell="shared: the kernel's own" ;;
	tcp) icell="TCP's own, shared" ;;
	*) why="unknown HOW $how" ;;
	esac
	if [ -n "$why" ]; then
		icell="(not found)"
		errors+=("$step: $why")
		ROW_OK=0
	fi
	# shellcheck disable=SC2016  # Markdown's backquotes
	printf '| %s | %s | `%s`%s | %s |\n' "$phase" "$step" "$kn" "$kcells" "$icell"
}

generate() {
	local phase step kf kn how if in s
	echo "<!-- Generated by selftests/path-doc.sh from module/ and Debian's"
	for s in $SERIES; do echo "     linux-source-$s ${VER[$s]}"; done
	echo "     do not edit: make check regenerates it and fails on a difference"
	echo "     (selftests/path-doc.sh --update). -->"
	cat <<'EOF'
# The seed's path through the kernel, and where inetx takes it

The reference walk (`tcp-socket-path.zh.md`: a TCP client's
`socket -> connect -> write/read`, in the kernel) step by step: the kernel
function each step runs for an AF_INET socket, where Debian's kernels
define it, and what a PF_INETX socket runs there instead. "mirrors it" is
inetx's copy of that kernel function (module/mirrors/MIRRORS, kept equal by
selftests/mirror-fidelity.sh); "shared" is the kernel's own code, the same
for both families (with the line where inetx calls it, when it does);
"TCP's own" is TCP's (or IP's) code, reached through `inetx_prot`, a
run-time copy of `tcp_prot`, or called by it.
The write and read rows go beyond the reference walk, which stops at
`tcp_v4_connect()`. `inetx-trace inetx_seed client PORT` shows the same
path live (on 7.2 `inetx_v4_connect()` hands over to `tcp_v4_connect()`
at once: see module/mirrors/README).

EOF
	printf '| Phase | Step | Kernel function'
	for s in $SERIES; do printf ' | Debian %s' "$s"; done
	echo ' | inetx |'
	printf '|---|---|---'
	for s in $SERIES; do printf '|---'; done
	echo '|---|'
	while IFS='|' read -r phase step kf kn how if in; do
		row "$phase" "$step" "$kf" "$kn" "$how" "$if" "$in"
	done <<<"$STEPS"
}

for s in $SERIES; do
	if ! fetch "$s"; then
		if [ "$mode" = check ]; then
			[ -z "$out" ] || { mkdir -p "$out"; echo "path-doc (host)" >"$out/kver"; echo "fail: no sources" >"$out/run-vm.status"; }
			ktap_start 1
			ktap_result 1 "docs/path.md: the sources of Debian $s"
			ktap_finish
		fi
		exit 1
	fi
	SRC[$s]=$src_dir
	VER[$s]=$src_ver
done

case "$mode" in
print)
	generate
	[ ${#errors[@]} = 0 ] || { printf 'path-doc: %s\n' "${errors[@]}" >&2; exit 1; } ;;
update)
	mkdir -p "$(dirname "$DOC")"
	generate >"$DOC.tmp"
	if [ ${#errors[@]} != 0 ]; then
		rm -f "$DOC.tmp"
		printf 'path-doc: %s\n' "${errors[@]}" >&2
		exit 1
	fi
	mv "$DOC.tmp" "$DOC"
	echo "path-doc: wrote $DOC: review it (git diff $DOC)" ;;
check)
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	if [ -n "$out" ]; then
		mkdir -p "$out"
		out=$(cd "$out" && pwd -P)
		rm -f "$out"/*.ktap
		echo "path-doc (host)" >"$out/kver"
		echo running >"$out/run-vm.status"
	fi
	{
		nsteps=$(printf '%s\n' "$STEPS" | grep -c .)
		ktap_start $((nsteps + 1))
		for s in $SERIES; do ktap_diag "Debian $s: linux-source-$s ${VER[$s]}"; done
		while IFS='|' read -r phase step kf kn how if in; do
			errors=()
			row "$phase" "$step" "$kf" "$kn" "$how" "$if" "$in" >>"$work/path.md.rows"
			ktap_result $((1 - ROW_OK)) "$phase: $step resolves" || true
			[ ${#errors[@]} = 0 ] || ktap_diag "${errors[@]}"
		done <<<"$STEPS"
		errors=()
		generate >"$work/path.md"
		[ -z "$out" ] || cp "$work/path.md" "$out/path.md"
		if diff -u --label "$DOC (checked in)" --label "$DOC (generated now)" \
			"$DOC" "$work/path.md" >"$work/diff" 2>&1; then
			ktap_result 0 "$DOC is what selftests/path-doc.sh generates"
		else
			ktap_result 1 "$DOC is what selftests/path-doc.sh generates" || true
			ktap_diag "$(head -n 60 "$work/diff")"
			ktap_diag "if the change is right: selftests/path-doc.sh --update, review, commit"
		fi
		ktap_finish
	} | if [ -n "$out" ]; then tee "$out/path-doc.ktap"; else cat; fi
	rc=${PIPESTATUS[0]}
	if [ -n "$out" ]; then
		if [ "$rc" = 0 ]; then echo pass; else echo "fail: $rc tests"; fi >"$out/run-vm.status"
	fi
	exit "$rc" ;;
esac
