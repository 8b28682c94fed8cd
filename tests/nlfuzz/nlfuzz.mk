# SPDX-License-Identifier: GPL-2.0
#
# tests/nlfuzz/nlfuzz.mk: the netlink fuzzer (Documentation/nlfuzz.rst).
# Included by the top-level Makefile (B, TOP, KERNELS, TEST_BINS).
#   $(B)/tests/nlfuzz   built by `make all`
#   nlfuzz-vm           one run in a VM per kernel: KERNEL=6.1 (default
#                       every kernel in KERNELS), NLFUZZ_SEED=N (default
#                       from the date), NLFUZZ_COUNT=N (default 3000)

nlfuzz_saved_goal := $(.DEFAULT_GOAL)

NLFUZZ_BIN := $(B)/tests/nlfuzz
NLFUZZ_SRCS := $(addprefix $(TOP)/tests/nlfuzz/,nlfuzz.c nlf_nl.c \
	nlf_state.c nlf_gen.c)
TEST_BINS += $(NLFUZZ_BIN)

$(NLFUZZ_BIN): $(NLFUZZ_SRCS) $(TOP)/tests/nlfuzz/nlfuzz.h \
		$(TOP)/kmod/uapi/synod.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -I$(TOP)/kmod/uapi \
		$(NLFUZZ_SRCS) -o $@

.PHONY: nlfuzz-vm
nlfuzz-vm: all
	@for k in $(or $(KERNEL),$(KERNELS)); do \
		$(TOP)/scripts/vm --kernel $$k --timeout 600 -- \
			$(TOP)/tests/nlfuzz/guest.bash \
			--count $(or $(NLFUZZ_COUNT),3000) \
			$(if $(NLFUZZ_SEED),--seed $(NLFUZZ_SEED)) || exit 1; \
	done

.DEFAULT_GOAL := $(nlfuzz_saved_goal)
