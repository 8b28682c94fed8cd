# SPDX-License-Identifier: GPL-2.0
#
# tests/lincheck/lincheck.mk: the linearizability checker of client
# histories (Documentation/fault-tier.rst).  Included by the top-level
# Makefile (B, TOP).  Targets:
#   $(B)/tests/lincheck   built by `make all` (TEST_BINS)
#   lincheck-check        its make-check stage: the cases in
#                         tests/lincheck/cases, simulator histories, the
#                         READ_NO_INDEX mutant's failing seed; TAP lines

lincheck_saved_goal := $(.DEFAULT_GOAL)

LINCHECK_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
LINCHECK_BIN := $(B)/tests/lincheck
LINCHECK_SRCS := $(addprefix $(TOP)/tests/lincheck/,lincheck.c history.c \
	window.c) $(TOP)/tests/sim/wgl.c
LINCHECK_HDRS := $(wildcard $(TOP)/tests/lincheck/*.h) $(TOP)/tests/sim/wgl.h

TEST_BINS += $(LINCHECK_BIN)

.PHONY: lincheck-check

$(LINCHECK_BIN): $(LINCHECK_SRCS) $(LINCHECK_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LINCHECK_CFLAGS) -I$(TOP)/tests/lincheck -I$(TOP)/tests/sim \
		$(LINCHECK_SRCS) -o $@

# The simulator and its READ_NO_INDEX mutant come from tests/sim/sim.mk.
lincheck-check: $(LINCHECK_BIN) $(B)/sim/synod-sim \
		$(B)/sim/synod-sim-READ_NO_INDEX
	@$(TOP)/tests/lincheck/check.sh $(B)

.DEFAULT_GOAL := $(lincheck_saved_goal)
