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
#
#	pk_args USAGE OUTDIR [KVER...]	the host-side tests' arguments: sets
#					OUT (made, absolute) and PK_KVERS
#					(default: pk_default_kvers)
#	pk_stamp FILE			a time stamp every later write is newer than
#	pk_seed_exchange SEED PORT	inetx_seed's client against its server
#	pk_unload			rmmod inetx once nothing holds it
#
# It sources ../ktap.sh for the waiting and module helpers (ktap_wait,
# ktap_rmmod, ...), whose names do not clash with these.

PK_PLAN=0 PK_N=0 PK_PASS=0 PK_FAIL=0 PK_SKIP=0
PK_KTAP=/dev/null PK_LOG=/dev/null
# shellcheck source=selftests/ktap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ktap.sh"

# The kernels to test: newest installed Debian 6.1 and 6.12 (as make check).
pk_default_kvers() {
	local s k
	for s in '6.1.0-' '6.12.'; do
		k=$(for k in /boot/vmlinuz-"$s"*; do
			[ ! -e "$k" ] || echo "${k#/boot/vmlinuz-}"
		done | sort -V | tail -n 1)
		[ -z "$k" ] || printf '%s ' "$k"
	done
}

# OUTDIR [KVER...], the arguments of install.sh and dkms.sh; $1 is the
# script's name for the usage line.
# shellcheck disable=SC2034  # OUT and PK_KVERS are the caller's
pk_args() {
	local me=$1
	shift
	[ $# -ge 1 ] || { echo "usage: $me OUTDIR [KVER...]" >&2; exit 2; }
	OUT=$1
	shift
	if [ $# -gt 0 ]; then
		PK_KVERS=("$@")
	else
		read -r -a PK_KVERS <<<"$(pk_default_kvers)"
	fi
	mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd -P) || exit 2
}

# Touch FILE, then wait until a file written now is newer than it: from
# then on, anything written is newer than FILE (find -newer), whatever
# the file system's time stamp granularity.
pk_stamp() {
	touch "$1" || return 1
	ktap_wait 10 pk_newer_than "$1" "$1.probe" || { echo "$1: time stamps do not advance" >&2; return 1; }
	rm -f "$1.probe"
}
pk_newer_than() { touch "$2" && [ "$2" -nt "$1" ]; } # FILE PROBE

# Versions the packaging must agree on.
pk_module_version() { sed -n 's/^MODULE_VERSION("\(.*\)");$/\1/p' "$PK_TOP/module/af_inetx.c"; }
pk_dkms_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$PK_TOP/dkms.conf"; }

# The C files linked into inetx.ko (inetx-y in module/Kbuild), with their
# paths; module/ may hold other modules' sources too (a KUnit suite).
pk_inetx_objs_c() {
	awk '{ if (sub(/\\$/, "")) { line = line $0; next } print line $0; line = "" }' \
		"$PK_TOP/module/Kbuild" |
		sed -n 's/^inetx-\(y\|objs\)[ \t]*[:+]\{0,1\}=//p' | tr -s '[:blank:]' '\n' |
		sed -n "s|^\(.*\)\.o\$|$PK_TOP/module/\1.c|p"
}

# The module's source files, relative to the top, one a line (generated
# *.mod.c files of an in-place build are not sources).
pk_module_sources() {
	local f
	for f in "$PK_TOP"/module/*.c "$PK_TOP"/module/*.h; do
		case "$f" in *.mod.c) continue ;; esac
		[ ! -e "$f" ] || printf '%s\n' "${f#"$PK_TOP"/}"
	done
}

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

# Make a run-vm.sh guest look like a booted Debian system where these tests
# depend on it.  The guest's devtmpfs has no /dev/fd, /dev/stdin, ...
# (udev makes them), so bash's <(...), which dkms uses, fails.  And the
# tests run in the host's root (at /host in init's initramfs; mounts made
# here show there too), but the kernel starts its module loader,
# kernel.modprobe (/sbin/modprobe) for request_module("net-pf-18"), in the
# initramfs root, which has neither modprobe nor /lib/modules: a family
# autoload would fail whatever is installed.  So put a helper at that path in
# the initramfs root that runs this system's modprobe chrooted into /host, as
# the kernel runs /sbin/modprobe on an installed system.  Idempotent; leaves
# alone what is already there (an init that shares our root needs no helper).
pk_vm_system() {
	local path mark=/tmp/.pk-root-mark.$$ init=/proc/1/root
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd || return 1
	[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin || return 1
	[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout || return 1
	[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr || return 1
	test -e <(:) || { echo "no /dev/fd: <(...) does not work"; return 1; }
	path=$(cat /proc/sys/kernel/modprobe) || return 1
	echo "kernel.modprobe = $path"
	case "$path" in /*) ;; *) echo "kernel.modprobe is not an absolute path"; return 1 ;; esac
	touch "$mark" || return 1
	if [ -e "$init$mark" ]; then
		rm -f "$mark"
		echo "init shares this root: nothing to do"
		test -x "$path"
		return
	fi
	if [ ! -e "$init/host$mark" ]; then
		rm -f "$mark"
		echo "this root is not init's /host: not a run-vm.sh guest?"
		return 1
	fi
	rm -f "$mark"
	if [ ! -e "$init$path" ]; then
		mkdir -p "$(dirname "$init$path")" &&
			printf '#!/bin/sh\nexec /bin/chroot /host %q "$@"\n' "$(command -v modprobe)" >"$init$path" &&
			chmod 755 "$init$path" || return 1
	fi
	echo "$path in the initramfs root:"
	cat "$init$path"
}

# Put this kernel's module tree, /lib/modules/$(uname -r), on tmpfs in a
# run-vm.sh guest, same contents: over 9p a depmod of Debian's ~4000
# modules takes minutes under TCG (each module is mapped page by page), on
# tmpfs it is CPU only (6.1: seconds; 6.12 with .ko.xz: under a minute).
# The first call unpacks build/packaging/modules-KVER.tar (run.sh makes it
# on the host; one big file is quick to read over 9p) or, without it,
# copies the tree (slow), to /tmp/pk-modules/pristine, checked against the
# real tree's modules.dep and modules.alias.  Each call then bind-mounts a
# fresh hard-linked copy of that on /lib/modules/KVER: depmod, make
# install and dkms write new files or rename over old ones, so the pristine
# copy stays as it was.  A no-op when the tree is on tmpfs already.
pk_vm_modules_in_ram() {
	local k top=/tmp/pk-modules work tar f
	k=$(uname -r)
	tar=$PK_TOP/build/packaging/modules-$k.tar
	if [ "$(stat -f -c %T "/lib/modules/$k")" = tmpfs ]; then
		echo "/lib/modules/$k is on tmpfs already"
		return 0
	fi
	if [ ! -d "$top/pristine/$k" ]; then
		rm -rf "$top/pristine.tmp"
		mkdir -p "$top/pristine.tmp" || return 1
		if [ -f "$tar" ]; then
			echo "unpacking $tar"
			tar -C "$top/pristine.tmp" -xf "$tar" || return 1
		else
			echo "no $tar: copying /lib/modules/$k"
			cp -a "/lib/modules/$k" "$top/pristine.tmp/" || return 1
		fi
		for f in modules.dep modules.alias; do
			cmp "/lib/modules/$k/$f" "$top/pristine.tmp/$k/$f" || return 1
		done
		mkdir -p "$top/pristine" && mv "$top/pristine.tmp/$k" "$top/pristine/$k" || return 1
	fi
	work=$(mktemp -d "$top/work.XXXXXX") &&
		cp -al "$top/pristine/$k" "$work/$k" &&
		mount --bind "$work/$k" "/lib/modules/$k" || return 1
	echo "/lib/modules/$k: $(stat -f -c %T "/lib/modules/$k"), $(find "/lib/modules/$k/" -name '*.ko*' | wc -l) modules"
}

# The installed tool, over the inetx module, against an AF_INET server on
# PORT: the client starts once the server listens (TCG is slow to start
# it), after 60 s without a listener the exchange fails; the server gives
# up after 120 s so that a failing client cannot hang the run.
pk_seed_exchange() { # SEED PORT
	local seed=$1 port=$2 srv rc t0
	t0=$(date +%s%N)
	timeout 120 "$seed" server "$port" &
	srv=$!
	if ! ktap_wait 60 pk_listening_or_gone "$port" "$srv" || ! ktap_tcp_listening "$port"; then
		echo "no server listening on port $port after $(ktap_elapsed "$t0") s"
		kill "$srv" 2>/dev/null
		wait "$srv"
		return 1
	fi
	echo "server listening after $(ktap_elapsed "$t0") s"
	timeout 30 "$seed" client "$port"
	rc=$?
	[ "$rc" = 0 ] || kill "$srv" 2>/dev/null
	wait "$srv" || rc=1
	echo "client exit $rc"
	return "$rc"
}

pk_listening_or_gone() { ktap_tcp_listening "$1" || ! kill -0 "$2" 2>/dev/null; } # PORT PID

# Unload inetx once nothing holds it: a closed socket may, for up to 60 s
# (TIME_WAIT).
pk_unload() { ktap_rmmod inetx 90; }

# Log a command's output and pass its status through (for use inside checks).
pk_log() {
	echo "+ $*" >>"$PK_LOG"
	"$@" >>"$PK_LOG" 2>&1
}

PK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
