# SPDX-License-Identifier: GPL-2.0
#
# tests/powerloss: power loss with a volatile write cache
# (Documentation/powerloss.rst).  Included by the top-level Makefile,
# which defines B (build output) and TOP (repository root).
#   $(B)/tests/lwreplay       replays dm-log-writes logs (host and guest)
#   $(B)/tests/lwreplay_test  its host test (make check stage "lwreplay")
#   make powerloss [KERNEL=6.1] [SEED=N] [SWEEP=all] [KNOB=1]   one VM run
#   make powerloss-ext4 [KERNEL=6.1]   the tool's own proof on ext4

pl_saved_goal := $(.DEFAULT_GOAL)

PL_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
PL_BINS := $(B)/tests/lwreplay $(B)/tests/lwreplay_test
TEST_BINS += $(PL_BINS)

$(B)/tests/lwreplay: $(TOP)/tests/powerloss/lwreplay.c
	@mkdir -p $(@D)
	$(CC) $(PL_CFLAGS) $< -o $@

$(B)/tests/lwreplay_test: $(TOP)/tests/powerloss/lwreplay_test.c
	@mkdir -p $(@D)
	$(CC) $(PL_CFLAGS) $< -o $@

.PHONY: powerloss powerloss-ext4

powerloss: all
	@$(TOP)/tests/powerloss/run.sh --kernel $(or $(KERNEL),6.1) \
		$(if $(SEED),--seed $(SEED)) $(if $(SWEEP),--sweep $(SWEEP)) \
		$(if $(KNOB),--knob)

powerloss-ext4: all
	@$(TOP)/tests/powerloss/run.sh --kernel $(or $(KERNEL),6.1) --ext4-only

.DEFAULT_GOAL := $(pl_saved_goal)
