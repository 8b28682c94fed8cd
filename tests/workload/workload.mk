# SPDX-License-Identifier: GPL-2.0
#
# tests/workload/workload.mk: synod-load, the workload whose histories
# lincheck checks (Documentation/fault-tier.rst).  Included by the
# top-level Makefile (B, TOP).  Targets:
#   $(B)/tests/synod-load   built by `make all` (TEST_BINS)
#   workload-check          its make-check stage (host only, no VM):
#                           tests/workload/selftest.sh; TAP lines

workload_saved_goal := $(.DEFAULT_GOAL)

WORKLOAD_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
WORKLOAD_BIN := $(B)/tests/synod-load
WORKLOAD_SRCS := $(addprefix $(TOP)/tests/workload/,synod-load.c worker.c \
	hist.c block.c)
WORKLOAD_HDRS := $(wildcard $(TOP)/tests/workload/*.h)

TEST_BINS += $(WORKLOAD_BIN)

.PHONY: workload-check

$(WORKLOAD_BIN): $(WORKLOAD_SRCS) $(WORKLOAD_HDRS)
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -I$(TOP)/tests/workload $(WORKLOAD_SRCS) -o $@

workload-check: $(WORKLOAD_BIN) $(B)/tests/lincheck
	@$(TOP)/tests/workload/selftest.sh $(B)

.DEFAULT_GOAL := $(workload_saved_goal)
