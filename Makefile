# SPDX-License-Identifier: GPL-2.0
#
# inetx: build the module out of tree for Debian's kernels, test it in QEMU.
#
#   make                  build module/inetx.ko for the running kernel if its
#                         headers are installed, else for every installed
#                         Debian header tree; results in build/<kver>/module/
#   make KVER=<kver>      one kernel (headers in /lib/modules/<kver>/build)
#   make KDIR=<dir>       one kernel tree, built in place (module/inetx.ko)
#   make check            install what is missing, build, run every test on
#                         every supported kernel in QEMU
#   make run              the demo: a VM, inetx loaded, a client and server
#   make checkpatch | sparse | lint

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
module-%:
	@mkdir -p $(BUILD)/$*
	@cp -a Kbuild module include $(BUILD)/$*/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$* $(KBUILD_OPTS) $(KBUILD_EXTRA) modules

setup:
	selftests/vm/setup-deps.sh

selftests:
	$(MAKE) -C selftests

check:
	selftests/check.sh

run:
	tools/demo.sh

# checkpatch.pl and friends come from Debian's linux-source tarball.
CHECKPATCH_DIR := $(BUILD)/checkpatch
$(CHECKPATCH_DIR)/scripts/checkpatch.pl:
	@mkdir -p $(CHECKPATCH_DIR)
	tar -xJf $$(ls /usr/src/linux-source-*.tar.xz | tail -n 1) -C $(CHECKPATCH_DIR) \
		--strip-components=1 --wildcards '*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'

checkpatch: $(CHECKPATCH_DIR)/scripts/checkpatch.pl
	perl $< --no-tree --strict --show-types --terse \
		-f module/*.c module/*.h include/uapi/linux/*.h

sparse:
	$(MAKE) modules KBUILD_EXTRA=C=2

lint: checkpatch sparse

clean:
	rm -rf $(BUILD)
	rm -f module/*.o module/*.ko module/*.mod* module/.*.cmd module/modules.order \
		Module.symvers modules.order .*.cmd

help:
	@sed -n '3,16p' Makefile
