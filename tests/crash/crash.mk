# SPDX-License-Identifier: GPL-2.0
#
# tests/crash/crash.mk: the multi-VM harness's program and targets
# (Documentation/build.rst, "Crash tests").  Included by the top-level
# Makefile (B, TOP).
#   $(B)/tests/clockprobe   built by `make all` (TEST_BINS): maps each
#                           VM's clock onto the host's
#   make crash-soak KERNEL=6.1 [SOAK_ROUNDS=20]
#       tests/crash/soak: leader kills in a row under fio crc32c verify
#       (not in make check; about 90 s a round); the figure goes to
#       build/crash-soak/KERNEL/rounds.log
#   make nemesis-vm SEED=N [KERNEL=6.1] [ROUNDS=6]
#       tests/crash/nemesis: seeded VM kills, pauses, down --force and
#       promote storms with synod-load on every VM, lincheck across the
#       VMs' clocks; build/crash-nemesis/SEED/summary.json (not in make
#       check: about 10 min)

crash_saved_goal := $(.DEFAULT_GOAL)

CLOCKPROBE_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
CLOCKPROBE_BIN := $(B)/tests/clockprobe
SOAK_ROUNDS ?= 20
ROUNDS ?= 6

TEST_BINS += $(CLOCKPROBE_BIN)

.PHONY: crash-soak nemesis-vm

$(CLOCKPROBE_BIN): $(TOP)/tests/crash/clockprobe.c
	@mkdir -p $(@D)
	$(CC) $(CLOCKPROBE_CFLAGS) $< -o $@

crash-soak: all
	@SOAK_ROUNDS=$(SOAK_ROUNDS) $(TOP)/tests/crash/run.sh \
		--kernel $(or $(KERNEL),6.1) \
		--timeout $$((600 + 150 * $(SOAK_ROUNDS))) \
		$(TOP)/tests/crash/soak

nemesis-vm: all
	@NEMESIS_SEED=$(or $(SEED),$(shell date +%Y%m%d)) NEMESIS_ROUNDS=$(ROUNDS) \
		$(TOP)/tests/crash/run.sh --kernel $(or $(KERNEL),6.1) \
		--timeout $$((900 + 180 * $(ROUNDS))) $(TOP)/tests/crash/nemesis

.DEFAULT_GOAL := $(crash_saved_goal)
