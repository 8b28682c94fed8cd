# SPDX-License-Identifier: GPL-2.0
#
# synod: top-level build.  Everything we produce lands under $(B).
#
#   make            module (each installed Debian kernel, or KVER=...),
#                   BPF objects and skeletons, userspace tools
#   make deps       install the Debian packages the build and tests need
#   make check      every test tier; ends with "N passed, N failed"
#   make demo       the demo in a VM: three replicas, ext4, a failover
#   make demo-single   the single-replica demo
#   make kunit      KUnit suites on User Mode Linux
#   make vm-test    bats tests in VMs on every kernel (KERNELS="6.1 6.12")
#   make crash-test three VMs, the leader killed (KERNEL=6.1, default all)
#   make bench      fio on raw, DRBD, synod-2 and synod-3 in one VM, 3 rounds (BENCH_KERNEL=6.1)
#                   then 64 three-replica volumes at once (the scale run)
#   make clean      remove $(B)

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B ?= $(TOP)/build
export B

# Kernel releases to build for: KVER=... picks one; default all installed.
KVERS = $(or $(KVER),$(shell $(TOP)/scripts/kernels.sh 2>/dev/null))
# Kernel series the VM tests boot.
KERNELS ?= 6.1 6.12

CLANG ?= clang
BPFTOOL ?= bpftool

.PHONY: all deps kmod bpf user test-bins check demo demo-single kunit vm-test crash-test unit-check bench clean

all: kmod bpf user test-bins

deps:
	@$(TOP)/scripts/deps.sh

# ---- kernel module ---------------------------------------------------------
# Two builds per kernel: build/kmod/KVER/synod.ko for users, and
# build/kmod-test/KVER/synod.ko with the test-only knobs (kmod/testing.h)
# that the VM tests, crash tests and benchmark load.

kmod: $(addprefix kmod-,$(KVERS)) $(addprefix kmod-test-,$(KVERS))

kmod-test-%:
	+@$(TOP)/scripts/build-kmod.sh --test $* $(B)

kmod-%:
	+@$(TOP)/scripts/build-kmod.sh $* $(B)

# ---- BPF ---------------------------------------------------------------------
# vmlinux.h comes from the oldest supported kernel's BTF (CO-RE relocates
# the rest); it is generated, never written by hand.

BPF_SRCS := $(wildcard $(TOP)/bpf/*.bpf.c)
BPF_OBJS := $(patsubst $(TOP)/bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst $(TOP)/bpf/%.bpf.c,$(B)/bpf/%.skel.h,$(BPF_SRCS))
BTF_KVER = $(firstword $(KVERS))

bpf: $(BPF_OBJS) $(BPF_SKELS)

$(B)/bpf/vmlinux.h:
	@mkdir -p $(@D)
	@tree=$$($(TOP)/scripts/prepare-kernel.sh $(BTF_KVER) $(B)) && \
	$(BPFTOOL) btf dump file $$tree/vmlinux format c > $@.tmp && mv $@.tmp $@

$(B)/bpf/%.bpf.o: $(TOP)/bpf/%.bpf.c $(B)/bpf/vmlinux.h $(wildcard $(TOP)/bpf/*.h)
	$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
		-I$(B)/bpf -I$(TOP)/bpf -I$(TOP)/kmod/uapi -c $< -o $@

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# ---- userspace and tests -----------------------------------------------------

USER_BINS :=
UNIT_TESTS :=
# Test programs that `make all` builds (workload, checkers, fuzzers):
# each tests/<dir>/<dir>.mk and scripts/mk/*.mk adds to TEST_BINS and may
# define its own targets.  Its make-check stage lives beside it in
# check-stage.bash (scripts/check.sh).
TEST_BINS :=
-include $(TOP)/user/user.mk
-include $(TOP)/tests/sim/sim.mk
-include $(sort $(filter-out $(TOP)/tests/sim/sim.mk,\
	$(wildcard $(TOP)/tests/*/*.mk $(TOP)/scripts/mk/*.mk)))

user: $(USER_BINS)

test-bins: $(TEST_BINS)

kunit:
	@$(TOP)/scripts/kunit.sh $(B)

vm-test: all
	@for k in $(KERNELS); do \
		$(TOP)/scripts/vm --kernel $$k -- bats --tap $(TOP)/tests/vm || exit 1; \
	done

# Three VMs driven from the host (tests/crash, Documentation/build.rst).
crash-test: all
	@for k in $(or $(KERNEL),$(KERNELS)); do \
		$(TOP)/tests/crash/run.sh --kernel $$k || exit 1; \
	done

check:
	@$(TOP)/scripts/deps.sh >/dev/null
	@$(TOP)/scripts/check.sh

demo:
	@$(TOP)/scripts/deps.sh >/dev/null
	@$(MAKE) --no-print-directory all
	@$(TOP)/scripts/vm --kernel $(firstword $(KERNELS)) --mem 2048 -- $(TOP)/scripts/demo-cluster.sh

# The benchmark (Documentation/bench.rst).  A failed build does not stop it:
# raw and DRBD still run, synod is reported as not run, and the exit status
# is non-zero.  The log is kept in $(B)/bench/last.log and the summary line
# is printed again last (scripts/vm prints the guest's log after a failure).
# 8 GiB: the scale run (SYNOD_BENCH_SCALE, default 64 three-replica volumes,
# 192 replicas) needs ~24 MiB a replica with today's payload store and send
# rings, ~4.6 GiB, besides its tmpfs backing store; its guard stops creating
# volumes below 400 MiB available, so less only ends it sooner.
BENCH_KERNEL ?= $(firstword $(KERNELS))
BENCH_MEM ?= 8192
# The scale run took 31 minutes of its own under TCG (64 volumes, 2 vCPUs),
# the rest of the bench about 25: an hour was not enough for both.
BENCH_TIMEOUT ?= 5400

bench:
	@$(TOP)/scripts/deps.sh >/dev/null
	@rc=0; $(MAKE) --no-print-directory all || rc=$$?; \
	[ $$rc = 0 ] || echo "bench: make all failed (exit $$rc); synod will not be run" >&2; \
	mkdir -p $(B)/bench/vm; rm -f $(B)/bench/vm/last.json $(B)/bench/last.json; \
	{ SYNOD_BENCH_BUILD_RC=$$rc SYNOD_BENCH_B=$(B) \
		SYNOD_BENCH_JSON=$(B)/bench/vm/last.json \
		$(TOP)/scripts/vm --kernel $(BENCH_KERNEL) --mem $(BENCH_MEM) --timeout $(BENCH_TIMEOUT) \
		--run-dir $(B)/bench/vm -- $(TOP)/scripts/bench.sh; \
		echo $$? > $(B)/bench/rc; } 2>&1 | \
		tee $(B)/bench/last.log; \
	cp $(B)/bench/vm/last.json $(B)/bench/last.json 2>/dev/null; \
	echo "(full log: $(B)/bench/last.log; figures: $(B)/bench/last.json)"; \
	grep '^bench: .* | ' $(B)/bench/last.log | tail -n 1 | grep . || \
		echo "bench: no summary line (the guest did not finish; see the log)"; \
	exit $$(cat $(B)/bench/rc)

demo-single:
	@$(TOP)/scripts/deps.sh >/dev/null
	@$(MAKE) --no-print-directory all
	@$(TOP)/scripts/vm --kernel $(firstword $(KERNELS)) -- $(TOP)/scripts/demo.sh

clean:
	rm -rf $(B)
