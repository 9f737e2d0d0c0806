# SPDX-License-Identifier: GPL-2.0
#
# inetx: build the module out of tree for Debian's kernels, test it in QEMU.
#
#   make                  build module/inetx.ko for the running kernel if its
#                         headers are installed, else for every installed
#                         Debian header tree; results in build/<kver>/module/
#   make KVER=<kver>      one kernel (headers in /lib/modules/<kver>/build;
#                         else, as root, in a cached Debian build root:
#                         KVER=7.2.13+deb14-amd64), or KVER="<kver> ..."
#   make KDIR=<dir>       one kernel tree, built in place (module/inetx.ko)
#   make check            install what is missing, build, run every test on
#                         every supported kernel in QEMU
#   make run              the demo: a VM, inetx loaded, a client and server
#   make bench            inetx vs AF_INET and AF_SMC in QEMU: docs/bench.md
#   make checkpatch | sparse | lint
#   make install | uninstall [DESTDIR=] [PREFIX=/usr/local] [KVER=]
#                         module, <linux/inetx.h>, tools, inetx(7),
#                         inetx-run(1), inetx-ss(8), inetx-trace(1)

SHELL := /bin/bash
TOP := $(CURDIR)

RUNNING := $(shell uname -r)
HEADER_KVERS := $(patsubst /usr/src/linux-headers-%,%,$(wildcard /usr/src/linux-headers-*-amd64))
ifneq ($(KVER),)
KVERS := $(KVER)
else ifneq ($(wildcard /lib/modules/$(RUNNING)/build/Makefile),)
KVERS := $(RUNNING)
else
KVERS := $(HEADER_KVERS)
endif

BUILD := $(TOP)/build
W ?= 1
KBUILD_OPTS := W=$(W)

.PHONY: all modules check run setup selftests \
	checkpatch sparse lint clean help

all: modules

ifneq ($(KDIR),)
modules:
	$(MAKE) -C $(KDIR) M=$(TOP) $(KBUILD_OPTS) modules
else
modules: $(addprefix module-,$(KVERS))
	@test -n "$(KVERS)" || { echo "no kernel headers found: run 'make setup' or pass KVER=/KDIR=" >&2; exit 1; }
endif

# Kbuild cannot put objects outside M= before 6.13, so each kernel gets a
# copy of the sources (mtimes kept, so rebuilds stay incremental).
# A kernel whose headers are not on the host (7.2, configured with a gcc
# the host lacks) is built inside its cached Debian build root, made on
# first use by selftests/vm/buildroot.sh.
BUILDROOT := $(TOP)/selftests/vm/buildroot.sh
module-%:
	@mkdir -p $(BUILD)/$*
	@cp -a Kbuild module include $(BUILD)/$*/
	$(if $(wildcard /lib/modules/$*/build/Makefile),,$(BUILDROOT) --kver $* --bind $(BUILD)/$* --) \
		$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$* $(KBUILD_OPTS) $(KBUILD_EXTRA) modules

setup:
	selftests/vm/setup-deps.sh

selftests:
	$(MAKE) -C selftests

check:
	selftests/check.sh

run:
	tools/demo.sh

# make bench: inetx against AF_INET and AF_SMC in one VM per kernel, not
# part of make check (README, "Benchmarks"; docs/bench.md).
.PHONY: bench
bench:
	selftests/bench/run.sh

# checkpatch.pl and friends come from Debian's linux-source tarball.
CHECKPATCH_DIR := $(BUILD)/checkpatch
$(CHECKPATCH_DIR)/scripts/checkpatch.pl:
	@mkdir -p $(CHECKPATCH_DIR)
	tar -xJf $$(ls /usr/src/linux-source-*.tar.xz | tail -n 1) -C $(CHECKPATCH_DIR) \
		--strip-components=1 --wildcards '*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'

# Tracepoint headers are macro programs (TRACE_EVENT's TP_* arguments, the
# EM() enum lists of include/trace/events/): what checkpatch cannot parse
# there, and only that, is ignored in them, as in the kernel's own.
TRACE_HEADERS := module/inetx_trace.h
TRACE_HEADER_IGNORE := OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,COMPLEX_MACRO,TRAILING_SEMICOLON,CAMELCASE

checkpatch: $(CHECKPATCH_DIR)/scripts/checkpatch.pl
	perl $< --no-tree --strict --show-types --terse \
		-f module/*.c $(filter-out $(TRACE_HEADERS),$(wildcard module/*.h)) \
		include/uapi/linux/*.h \
		tools/inetx_run.c tools/inetx_run.h tools/libinetx_run.c tools/inetx_ss.c \
		tools/inetx_bench.c tools/inetx_bench_refcnt.c
	perl $< --no-tree --strict --show-types --terse --ignore $(TRACE_HEADER_IGNORE) \
		-f $(TRACE_HEADERS)

sparse:
	$(MAKE) modules KBUILD_EXTRA=C=2

lint: checkpatch sparse

# make install / uninstall: the module into /lib/modules/<kver>/updates/ for
# each kernel in KVERS (then depmod, unless DESTDIR is set), <linux/inetx.h>,
# the tools and inetx(7) under PREFIX.  The module and the tools are built
# only when out of date, so an up-to-date tree installs from a read-only
# checkout.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
# inetx-run looks for its library in ../lib/inetx/ from its own directory
# (BINDIR/../lib/inetx/); another LIBDIR needs INETX_RUN_LIB at run time.
LIBDIR ?= $(PREFIX)/lib
# inetx-trace reads its annotations from ../share/inetx/ next to its own
# directory (BINDIR/../share/inetx/); another DATADIR needs INETX_TRACE_DATA.
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(PREFIX)/share/man
INSTALL_MOD_DIR ?= updates
INSTALL ?= install
DEPMOD ?= depmod
INETX_SOURCES := Kbuild $(wildcard module/Kbuild module/*.[ch] include/uapi/linux/*.h)

.PHONY: install uninstall

# Kbuild decides what is rebuilt.  A changed source it does not build for
# this kernel (a KUnit suite without CONFIG_KUNIT) leaves inetx.ko as it
# was: touch it, it is up to date, and a read-only checkout installs it.
$(BUILD)/%/module/inetx.ko: $(INETX_SOURCES)
	$(MAKE) --no-print-directory module-$*
	@touch $@

install: $(if $(KDIR),,$(foreach k,$(KVERS),$(BUILD)/$(k)/module/inetx.ko))
	@test -z "$(KDIR)" -a -n "$(KVERS)" || { echo "make install needs KVER= (or installed headers), not KDIR=" >&2; exit 1; }
	$(MAKE) --no-print-directory -C tools
	$(foreach k,$(KVERS),$(INSTALL) -D -m 644 $(BUILD)/$(k)/module/inetx.ko \
		'$(DESTDIR)/lib/modules/$(k)/$(INSTALL_MOD_DIR)/inetx.ko' &&$(if $(DESTDIR),, $(DEPMOD) -a '$(k)' &&)) true
	$(INSTALL) -D -m 644 include/uapi/linux/inetx.h '$(DESTDIR)$(INCLUDEDIR)/linux/inetx.h'
	$(INSTALL) -D -m 755 $(BUILD)/tools/inetx_seed '$(DESTDIR)$(BINDIR)/inetx_seed'
	$(INSTALL) -D -m 755 $(BUILD)/tools/inetx-run '$(DESTDIR)$(BINDIR)/inetx-run'
	$(INSTALL) -D -m 644 $(BUILD)/tools/libinetx-run.so '$(DESTDIR)$(LIBDIR)/inetx/libinetx-run.so'
	$(INSTALL) -D -m 644 man/inetx.7 '$(DESTDIR)$(MANDIR)/man7/inetx.7'
	$(INSTALL) -D -m 644 man/inetx-run.1 '$(DESTDIR)$(MANDIR)/man1/inetx-run.1'
	$(INSTALL) -D -m 755 $(BUILD)/tools/inetx-ss '$(DESTDIR)$(BINDIR)/inetx-ss'
	$(INSTALL) -D -m 644 man/inetx-ss.8 '$(DESTDIR)$(MANDIR)/man8/inetx-ss.8'
	$(INSTALL) -D -m 755 tools/inetx-trace '$(DESTDIR)$(BINDIR)/inetx-trace'
	$(INSTALL) -D -m 644 module/mirrors/MIRRORS '$(DESTDIR)$(DATADIR)/inetx/MIRRORS'
	$(INSTALL) -D -m 644 tools/inetx-trace.map '$(DESTDIR)$(DATADIR)/inetx/inetx-trace.map'
	$(INSTALL) -D -m 644 man/inetx-trace.1 '$(DESTDIR)$(MANDIR)/man1/inetx-trace.1'

uninstall:
	@test -n "$(KVERS)" || { echo "make uninstall needs KVER=" >&2; exit 1; }
	$(foreach k,$(KVERS),rm -f '$(DESTDIR)/lib/modules/$(k)/$(INSTALL_MOD_DIR)/inetx.ko' &&$(if $(DESTDIR),, $(DEPMOD) -a '$(k)' &&)) true
	rm -f '$(DESTDIR)$(INCLUDEDIR)/linux/inetx.h' '$(DESTDIR)$(BINDIR)/inetx_seed' \
		'$(DESTDIR)$(BINDIR)/inetx-run' '$(DESTDIR)$(LIBDIR)/inetx/libinetx-run.so' \
		'$(DESTDIR)$(MANDIR)/man7/inetx.7' '$(DESTDIR)$(MANDIR)/man1/inetx-run.1' \
		'$(DESTDIR)$(BINDIR)/inetx-ss' '$(DESTDIR)$(MANDIR)/man8/inetx-ss.8'
	rmdir '$(DESTDIR)$(LIBDIR)/inetx' 2>/dev/null || true
	rm -f '$(DESTDIR)$(BINDIR)/inetx-trace' '$(DESTDIR)$(DATADIR)/inetx/MIRRORS' \
		'$(DESTDIR)$(DATADIR)/inetx/inetx-trace.map' '$(DESTDIR)$(MANDIR)/man1/inetx-trace.1'
	rmdir '$(DESTDIR)$(DATADIR)/inetx' 2>/dev/null || true

clean:
	rm -rf $(BUILD)
	rm -f module/*.o module/*.ko module/*.mod* module/.*.cmd module/modules.order \
		Module.symvers modules.order .*.cmd

help:
	@sed -n '3,19p' Makefile
