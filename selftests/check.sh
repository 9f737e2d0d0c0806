#!/bin/bash
# make check: install what is missing, build the module for every supported
# Debian kernel, run the whole selftest suite on each inside QEMU and end with
# one "N passed, N failed, N skipped" line. Exits non-zero on any failure.
#
# CHECK_KVERS="kver ..." limits the kernels (default: the newest installed
# 6.1 and 6.12, and the newest 7.2 of Debian's development suite).  A kernel
# not installed on the host is fetched from the development suite and
# unpacked into ~/.cache/inetx/debian-dev (selftests/vm/debian-dev.sh), then
# booted from there.
# CHECK_PACKAGING=0 leaves out the packaging stage (selftests/packaging).
# CHECK_DEBUG_KERNEL=0 leaves out the debug-kernel stages (selftests/debug-kernel).
# CHECK_DEBUG_SERIES picks their linux-source series: "6.12" (the default),
# "6.12 6.1" adds the 6.1 debug kernel (README: over the time budget).
# CHECK_SELINUX=0 leaves out the SELinux boots (selftests/coexist-selinux.sh).
# CHECK_MIRRORS=0 leaves out the mirror fidelity stage (selftests/mirror-fidelity.sh).
# CHECK_INETX_RUN=0 leaves out inetx-run's host tests (selftests/inetx_run.sh).
# CHECK_PATH_DOC=0 leaves out the docs/path.md check (selftests/path-doc.sh).
# CHECK_TWOHOST=0 leaves out the two-guest network stage
# (selftests/inetx_twohost.sh; INETX_TWOHOST_MIB sets its transfer size).
# CHECK_VMS=N: QEMU guests at a time, over all stages (default: CPUs + 1).
# CHECK_VM_TIMEOUT: seconds per selftest VM (default 2400).
#
# After the build, the stages run side by side: the selftest VMs, the
# mirror fidelity check (host only: inetx's copies of kernel code against
# each kernel's linux-source), the packaging stage (host tests first, then
# its VMs) and a debug-kernel stage per series (its kernel build, cold
# only, at nice 19 so the VMs keep the CPU, one series at a time).
# At most CHECK_VMS guests boot at a time (run-vm.sh's INETX_VM_SLOTS),
# the longest first when several wait: the debug kernel's, the selftests',
# then the packaging stage's.
# Each stage writes its own result directories and log; the logs are shown
# whole, in a fixed order, once everything is done, so only the timings
# depend on the schedule.
# shellcheck disable=SC2317  # functions run indirectly, through timed and bg
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
start=$(date +%s)
logs=$top/build/check/logs
rm -rf "$logs"
mkdir -p "$logs"

# Stage times: "NAME SECONDS [NOTE]" lines, printed before the last line.
times=$logs/stage-times
timed() { # NAME CMD...: run CMD, note its wall time
	local name=$1 t rc=0
	shift
	t=$(date +%s)
	"$@" || rc=$?
	echo "$name $(($(date +%s) - t))" >>"$times"
	return "$rc"
}

timed setup-deps selftests/vm/setup-deps.sh

# shellcheck disable=SC2012  # kernel versions have no odd characters
newest() { ls /boot/vmlinuz-"$1"* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1; }
# Debian's development suite (sid): a kernel series no Debian release has.
dev_series=7.2
if [ -n "${CHECK_KVERS:-}" ]; then
	kvers=$CHECK_KVERS
elif timed dev-index selftests/vm/debian-dev.sh kver "$dev_series" >"$logs/dev-kver"; then
	kvers="$(newest '6.1.0-') $(newest '6.12.') $(cat "$logs/dev-kver")"
else
	echo "check: no $dev_series kernel found in Debian's development suite" >&2
	exit 1
fi
# Kernels with no /boot/vmlinuz-KVER come from the development suite.
installed() { [ -e "/boot/vmlinuz-$1" ]; }

build() {
	local k log
	echo "== build (W=1) for: $kvers"
	for k in $kvers; do
		log=$top/build/$k.build.log
		mkdir -p "$top/build"
		make --no-print-directory KVER="$k" modules >"$log" 2>&1 || { cat "$log"; return 1; }
		# W=1 must stay clean: any compiler or modpost warning fails the run.
		if grep -iE 'warning|error' "$log"; then
			echo "check: build for $k is not warning-free" >&2
			return 1
		fi
	done
	make --no-print-directory -C selftests >/dev/null
	make --no-print-directory -C tools >/dev/null
}
timed build build

# One guest more than CPUs: a guest waiting (a TIME_WAIT socket expiring,
# an RCU grace period in rmmod, depmod reading modules over 9p, a guest pair
# waiting for each other) leaves its CPU to the extra one. With one guest
# per CPU, a third of the CPU time after the debug kernels was idle.
export INETX_VM_SLOTS=${CHECK_VMS:-$(($(nproc) + 1))} INETX_VM_SLOT_DIR=$logs/vm-slots
vm_timeout=${CHECK_VM_TIMEOUT:-2400}

# Stages in the background, each logging to $logs/NAME.log.
names=() pids=()
bg() { # NAME CMD...
	local name=$1
	shift
	echo "== $name: started (log: $logs/$name.log)"
	timed "$name" "$@" >"$logs/$name.log" 2>&1 &
	names+=("$name")
	pids+=("$!")
}

# A development-suite kernel: fetch and unpack it (cached), noting the
# time, then boot it from the cache.  The fetch runs in this stage rather
# than before the build, so a cold fetch overlaps the other stages.
dev_kernel_stage() { # KVER OUT
	local k=$1 out=$2 t dir rc=0
	t=$(date +%s)
	dir=$(selftests/vm/debian-dev.sh kernel "$k" 2>"$logs/dev-kernel-$k.log") || rc=$?
	cat "$logs/dev-kernel-$k.log"
	echo "dev-kernel-$k $(($(date +%s) - t)) $(sed -n 's/^debian-dev: [^ ]*: //p' \
		"$logs/dev-kernel-$k.log" | tail -n 1)" >>"$times"
	[ "$rc" = 0 ] || return "$rc"
	rc=0
	selftests/vm/run-vm.sh --kernel "$dir/vmlinuz" --modroot "$dir" --kver "$k" --out "$out" \
		--timeout "$vm_timeout" --quiet -- selftests/run_selftests.sh "$top/build/$k/module/inetx.ko" "$out" ||
		rc=$?
	# The summary's label: where this kernel came from.
	[ ! -e "$out/kver" ] || echo "$k (Debian development suite)" >"$out/kver"
	return "$rc"
}

outs=()
for k in $kvers; do
	out=$top/build/check/$k
	mkdir -p "$out"
	outs+=("$out")
	if installed "$k"; then
		INETX_VM_PRIO=20 bg "stock-$k" selftests/vm/run-vm.sh --kver "$k" --out "$out" \
			--timeout "$vm_timeout" --quiet -- selftests/run_selftests.sh "$top/build/$k/module/inetx.ko" "$out"
	else
		INETX_VM_PRIO=20 bg "stock-$k" dev_kernel_stage "$k" "$out"
	fi
done

# Mirror fidelity: what differs between inetx's mirrors and the kernel's
# code must be module/mirrors/SERIES.diff.  Host only, cheap once the
# sources are unpacked (cached per linux-source version).
if [ "${CHECK_MIRRORS:-1}" != 0 ]; then
	mirrors=$top/build/check/mirrors
	# shellcheck disable=SC2086  # one word per kernel or series
	bg mirrors selftests/mirror-fidelity.sh --out "$mirrors" $kvers
fi

# inetx-run's machinery against stand-in families: host only, 6-10 s.
if [ "${CHECK_INETX_RUN:-1}" != 0 ]; then
	inetx_run=$top/build/check/inetx-run
	bg inetx-run selftests/inetx_run.sh --out "$inetx_run"
fi

# docs/path.md, regenerated from module/ and the linux-source packages,
# must be the one checked in (host only, under a second once unpacked).
if [ "${CHECK_PATH_DOC:-1}" != 0 ]; then
	path_doc=$top/build/check/path-doc
	bg path-doc selftests/path-doc.sh --check --out "$path_doc"
fi

# Packaging: modinfo, make install, DKMS, inetx(7) and the inetx-dkms package
# on the host; family autoload and the package's install in QEMU.  run.sh
# lists its result directories in $pkg/dirs (none: a directory that does
# not exist, which summarize.sh counts as a failure).
packaging_dev_stage() { # OUT KVER...
	local out=$1 rc=0
	shift
	mkdir -p "$out"
	echo "packaging (kernels not installed: $*)" >"$out/kver"
	selftests/packaging/dkms.sh "$out" "$@" || rc=1
	selftests/packaging/modinfo.sh "$out" "$@" || rc=1
	if [ "$rc" = 0 ]; then echo pass; else echo "fail: dkms.sh or modinfo.sh"; fi >"$out/run-vm.status"
	return "$rc"
}
if [ "${CHECK_PACKAGING:-1}" != 0 ]; then
	pkg=$top/build/check/packaging
	rm -f "$pkg/dirs"
	mkdir -p "$pkg"
	pk_kvers=() pk_dev=()
	for k in $kvers; do
		if installed "$k"; then pk_kvers+=("$k"); else pk_dev+=("$k"); fi
	done
	# run.sh without kernels would take the installed ones.
	if [ ${#pk_kvers[@]} -gt 0 ]; then
		bg packaging selftests/packaging/run.sh "$pkg" "${pk_kvers[@]}"
	fi
	# A kernel not installed here (7.2) has its headers in its build root
	# only: DKMS builds there and modinfo reads the module, but make
	# install and the package's install in a guest need an installed
	# kernel, so they are left out for it.
	pkdev=$top/build/check/packaging-dev
	rm -rf "$pkdev"
	if [ ${#pk_dev[@]} -gt 0 ]; then
		bg packaging-dev packaging_dev_stage "$pkdev" "${pk_dev[@]}"
	fi
fi

# The coexistence suite's SELinux case needs its own boot per kernel
# (security=selinux); the rest of the suite runs in the selftest VMs.
# 7.2 included: one more short boot of the kernel the stock stage fetched.
if [ "${CHECK_SELINUX:-1}" != 0 ]; then
	sel=$top/build/check/selinux
	rm -f "$sel/dirs"
	# shellcheck disable=SC2086  # one word per kernel
	INETX_PREBUILT=1 INETX_VM_PRIO=40 bg selinux selftests/coexist-selinux.sh "$sel" $kvers
fi

# Two guests per kernel joined by a virtio-net link, clean then lossy
# (netem).  Each pair takes two VM slots at once; the kernels one after
# the other.
twohost_stage() { # OUT
	local k args vmk t log rc=0
	mkdir -p "$1"
	for k in $kvers; do
		t=$(date +%s)
		log=$1/$k.log
		if args=$(selftests/vm/debian-dev.sh vm-args "$k" 2>/dev/null); then
			mapfile -t vmk <<<"$args"
			selftests/inetx_twohost.sh "${vmk[@]}" --out "$1/$k" >"$log" 2>&1 || rc=1
		else
			echo "twohost: no $k from the development suite" >"$log"
			rc=1
		fi
		cat "$log"
		# The stage time includes the wait for two free VM slots.
		echo "twohost-$k $(($(date +%s) - t)) $(sed -n 's/^# wall time for [^:]*: /pair ran /p' "$log")" >>"$times"
	done
	return "$rc"
}
if [ "${CHECK_TWOHOST:-1}" != 0 ]; then
	twohost=$top/build/check/twohost
	rm -rf "$twohost"
	INETX_VM_PRIO=30 bg twohost twohost_stage "$twohost"
fi

# The debug kernels (KASAN, lockdep, kmemleak, UBSAN, failslab), built on
# the first run and cached: KUnit suites, the fault-injection sweep and the
# whole selftest suite again, one stage per series.  A cold kernel build is
# CPU-bound and nothing waits for it but its own stage: nice it, so that
# the VMs running meanwhile are not slowed down, and build one series at a
# time (a lock), so that the first kernel boots while the second builds
# instead of both finishing late.
debug_series=${CHECK_DEBUG_SERIES:-6.12}
debug_stage() { # SERIES OUT
	local s=$1 t rc=0
	t=$(date +%s)
	if selftests/debug-kernel/build.sh --series "$s" --print-dir >/dev/null 2>&1; then
		echo "debug-kernel-build-$s 0 cached" >>"$times"
	else
		flock "$logs/debug-kernel-build.lock" nice -n 19 \
			selftests/debug-kernel/build.sh --series "$s" >/dev/null || rc=$?
		echo "debug-kernel-build-$s $(($(date +%s) - t)) built now, lock wait included (exit $rc)" >>"$times"
	fi
	# run.sh reports a failed kernel build in its result directory.
	selftests/debug-kernel/run.sh --series "$s" --out "$2"
}
if [ "${CHECK_DEBUG_KERNEL:-1}" != 0 ]; then
	for s in $debug_series; do
		INETX_VM_PRIO=10 bg "debug-kernel-$s" debug_stage "$s" "$top/build/check/debug-$s"
	done
fi

failed_stages=()
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || failed_stages+=("${names[$i]}")
	echo "== ${names[$i]}: done"
done
for name in "${names[@]}"; do
	echo "== $name (log: $logs/$name.log)"
	cat "$logs/$name.log"
done

# Result directories in a fixed order: selftests, mirrors, inetx-run, packaging, SELinux,
# two hosts, debug kernel.
[ "${CHECK_MIRRORS:-1}" = 0 ] || outs+=("$mirrors")
[ "${CHECK_INETX_RUN:-1}" = 0 ] || outs+=("$inetx_run")
[ "${CHECK_PATH_DOC:-1}" = 0 ] || outs+=("$path_doc")
if [ "${CHECK_PACKAGING:-1}" != 0 ]; then
	if [ ${#pk_kvers[@]} -gt 0 ]; then
		mapfile -t pdirs < <(cat "$pkg/dirs" 2>/dev/null || echo "$pkg/(run.sh wrote no dirs)")
		outs+=("${pdirs[@]}")
	fi
	[ ${#pk_dev[@]} = 0 ] || outs+=("$pkdev")
fi
if [ "${CHECK_SELINUX:-1}" != 0 ]; then
	mapfile -t sdirs < <(cat "$sel/dirs" 2>/dev/null || echo "$sel/(coexist-selinux.sh wrote no dirs)")
	outs+=("${sdirs[@]}")
fi
if [ "${CHECK_TWOHOST:-1}" != 0 ]; then
	# A kernel whose pair never booted leaves a directory without results.
	for k in $kvers; do outs+=("$twohost/$k/a" "$twohost/$k/b"); done
fi
if [ "${CHECK_DEBUG_KERNEL:-1}" != 0 ]; then
	for s in $debug_series; do outs+=("$top/build/check/debug-$s"); done
fi

total=$(($(date +%s) - start))
echo "== results (wall time ${total}s)"
[ ${#failed_stages[@]} = 0 ] || echo "stages that exited non-zero: ${failed_stages[*]}"
rc=0
summary=$(selftests/vm/summarize.sh inetx "${outs[@]}") || rc=$?
# The totals line must stay the very last line: stage times go before it.
printf '%s\n' "$summary" | sed '$d'
# Within the packaging stage: its host tests, and each dpkg -i in a guest.
if [ -r "$logs/packaging.log" ]; then
	sed -n 's/^packaging: host tests took \([0-9]*\)s$/packaging-host-tests \1/p' "$logs/packaging.log"
	for d in "${outs[@]}"; do
		[ -r "$d/deb-install.ktap" ] || continue
		sed -n "s/^# dpkg -i took \([0-9.]*\)s\(.*\)/packaging-$(basename "$d")-dpkg-i \1 in the guest\2/p" \
			"$d/deb-install.ktap"
	done
fi >>"$times"
echo "== stage times (wall seconds; the stages after build run side by side)"
# Fixed order, whatever order the stages ended in.
# shellcheck disable=SC2086  # one word per kernel
for name in setup-deps dev-index build $(for k in $kvers; do echo "dev-kernel-$k stock-$k"; done) mirrors inetx-run path-doc packaging packaging-dev packaging-host-tests \
	$(sed -n 's/^\(packaging-.*-dpkg-i\) .*/\1/p' "$times") selinux twohost \
	$(for k in $kvers; do echo "twohost-$k"; done) \
	$(for s in $debug_series; do echo "debug-kernel-build-$s debug-kernel-$s"; done); do
	while read -r n secs note; do
		[ "$n" = "$name" ] || continue
		printf '  %-40s %6ss%s\n' "$name" "$secs" "${note:+  ($note)}"
	done <"$times"
done
printf '  %-40s %6ss\n' total "$total"
printf '%s\n' "$summary" | tail -n 1
exit "$rc"
