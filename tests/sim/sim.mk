# SPDX-License-Identifier: GPL-2.0
#
# tests/sim/sim.mk: the consensus core's userspace tests.  Included by the
# top-level Makefile, which defines
#   B    absolute build output directory (everything we make goes there)
#   TOP  absolute repository root
# Targets:
#   sim          build the simulator and run it with $(ARGS)
#                (make sim ARGS='--seed 5 --replicas 5')
#   sim-check    the make-check stage: core unit tests, $(SIM_SEEDS) seeds
#                on 3 and on 5 replicas, $(SIM_REAL_SEEDS) seeds with the
#                kernel's window and ring, $(SIM_LARGE_SEEDS) seeds of
#                writes up to 1 MiB, a lossy catch-up, every mutant,
#                the wire fuzzer for $(FUZZ_SECONDS) s; TAP lines; fails on
#                any failure
#   sim-mutants  each deliberate bug must be found within $(MUTANT_SEEDS),
#                by the checker message mutants.sh expects of it
#   sim-long     seeds until stopped (or SEEDS=N), REPLICAS=0|3|5|7
#   fuzz         the wire decoder under libFuzzer for $(FUZZ_SECONDS) s
#   bench-core   committed writes/s and callgrind instructions per write
#   core-tests   build the cmocka unit tests of kmod/core

# Keep the includer's default goal: our rules must not become it.
sim_saved_goal := $(.DEFAULT_GOAL)

SIM_CC ?= $(CC)
FUZZ_CC ?= clang-14
SIM_CFLAGS ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
SIM_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
SIM_CPPFLAGS := -I$(TOP)/kmod/core -I$(TOP)/tests/sim -I$(TOP)/tests/core
# The simulator runs the core with a small window and journal ring, so that
# backpressure, batching, ring reclaim and state transfer happen often; its
# window's bytes are in the kernel's proportion to the window's slots (8 MiB
# for 16 slots of at most 1 MiB: 1.5 MiB for 3), so that --write-kb-max
# writes fill it.
SIM_CORE_DEFS ?= -DSYNOD_WINDOW=3 -DSYNOD_LOG_MAX=64 \
	-DSYNOD_WINDOW_BYTES=1572864u
ARGS ?=
SIM_SEEDS ?= 500
MUTANT_SEEDS ?= 2000
FUZZ_SECONDS ?= 30
SEEDS ?= 0
REPLICAS ?= 0

SIM_CORE_SRCS := $(sort $(wildcard $(TOP)/kmod/core/*.c))
SIM_CORE_HDRS := $(wildcard $(TOP)/kmod/core/*.h)
SIM_SRCS := $(addprefix $(TOP)/tests/sim/,sim.c events.c net.c node.c \
	fault.c client.c check.c check_window.c wgl.c)
SIM_HDRS := $(wildcard $(TOP)/tests/sim/*.h)
SIM_BIN := $(B)/sim/synod-sim
SIM_MUTANTS := QUORUM_OFF_BY_ONE NO_RECOVERY ACK_BEFORE_DURABLE \
	LEASE_NO_WAIT READ_NO_INDEX APPLIED_UNFLUSHED NO_PREVOTE PREVOTE_YES \
	PROMISE_NOT_PERSISTED CONFIG_UNSAFE FAULTY_PROMISES NO_DRIFT_MARGIN \
	SNAPSHOT_STALE PAUSE_CLOCK_STOPS RESYNC_CANDIDATE READ_UNLANDED \
	WINDOW_BYTES_FIRST PART_WHOLE LEASE_UNTIL_MAX FASTREAD_UNLANDED
SIM_MUTANT_BINS := $(SIM_MUTANTS:%=$(B)/sim/synod-sim-%)
# The kernel's own window and ring (replica.h's defaults), for one run
SIM_REAL_DEFS := -DSYNOD_WINDOW=16 -DSYNOD_LOG_MAX=128
SIM_REAL_BIN := $(B)/sim/synod-sim-real
SIM_REAL_SEEDS ?= 200
# Seeds of writes up to 1 MiB (--write-kb-max 1024), run beside the above
SIM_LARGE_SEEDS ?= 200
CORE_TEST_NAMES := test_wire test_quorum test_replica test_leader test_selftest
CORE_TEST_NAMES += test_jrec test_restore test_jscan test_transfer test_ondisk
CORE_TEST_NAMES += test_room test_gap test_shed test_link test_lease
CORE_TESTS := $(CORE_TEST_NAMES:%=$(B)/tests/core/%)
FUZZ_BIN := $(B)/fuzz/fuzz_wire

.PHONY: sim sim-check sim-mutants sim-long fuzz bench-core core-tests

$(SIM_BIN): $(SIM_CORE_SRCS) $(SIM_SRCS) $(SIM_CORE_HDRS) $(SIM_HDRS)
	@mkdir -p $(@D)
	$(SIM_CC) $(SIM_CFLAGS) $(SIM_CPPFLAGS) $(SIM_CORE_DEFS) \
		$(SIM_CORE_SRCS) $(SIM_SRCS) -o $@

$(B)/sim/synod-sim-%: $(SIM_CORE_SRCS) $(SIM_SRCS) $(SIM_CORE_HDRS) \
		$(SIM_HDRS)
	@mkdir -p $(@D)
	$(SIM_CC) $(SIM_CFLAGS) $(SIM_CPPFLAGS) $(SIM_CORE_DEFS) \
		-DSYNOD_MUTANT_$* \
		$(SIM_CORE_SRCS) $(SIM_SRCS) -o $@

$(SIM_REAL_BIN): $(SIM_CORE_SRCS) $(SIM_SRCS) $(SIM_CORE_HDRS) $(SIM_HDRS)
	@mkdir -p $(@D)
	$(SIM_CC) $(SIM_CFLAGS) $(SIM_CPPFLAGS) $(SIM_REAL_DEFS) \
		$(SIM_CORE_SRCS) $(SIM_SRCS) -o $@

# The core tests may include kmod/kunit's pure fixtures (jscan_fixture.h).
$(B)/tests/core/test_%: $(TOP)/tests/core/test_%.c $(SIM_CORE_SRCS) \
		$(SIM_CORE_HDRS) $(TOP)/tests/core/core_test.h \
		$(TOP)/tests/core/core_cluster.h $(TOP)/tests/core/core_msg.h \
		$(wildcard $(TOP)/kmod/kunit/*_fixture.h)
	@mkdir -p $(@D)
	$(SIM_CC) $(SIM_CFLAGS) $(SIM_SAN) $(SIM_CPPFLAGS) \
		-I$(TOP)/kmod/kunit $< \
		$(SIM_CORE_SRCS) -o $@ $(shell pkg-config --libs cmocka)

$(FUZZ_BIN): $(TOP)/tests/fuzz/fuzz_wire.c $(TOP)/kmod/core/wire.c \
		$(TOP)/kmod/core/crc32c.c $(SIM_CORE_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) -O1 -g -std=gnu11 -fsanitize=fuzzer,address,undefined \
		$(SIM_CPPFLAGS) $< $(TOP)/kmod/core/wire.c \
		$(TOP)/kmod/core/crc32c.c -o $@

core-tests: $(CORE_TESTS)

sim: $(SIM_BIN)
	$(SIM_BIN) $(ARGS)

sim-mutants: $(SIM_MUTANT_BINS)
	@$(TOP)/tests/sim/mutants.sh $(MUTANT_SEEDS) $(SIM_MUTANT_BINS)

sim-long: $(SIM_BIN)
	@$(TOP)/tests/sim/long.sh $(SIM_BIN) $(SEEDS) $(REPLICAS)

fuzz: $(FUZZ_BIN)
	@$(TOP)/tests/fuzz/run.sh $(FUZZ_BIN) $(FUZZ_SECONDS) $(B)/fuzz

sim-check: $(CORE_TESTS) $(SIM_BIN) $(SIM_REAL_BIN) $(SIM_MUTANT_BINS) \
		$(FUZZ_BIN)
	@$(TOP)/tests/sim/check.sh $(B) $(SIM_SEEDS) $(MUTANT_SEEDS) \
		$(FUZZ_SECONDS) $(SIM_REAL_SEEDS) $(SIM_LARGE_SEEDS) \
		$(SIM_MUTANT_BINS)

bench-core: $(SIM_BIN)
	@$(TOP)/tests/sim/bench.sh $(SIM_BIN) $(B)/sim

.DEFAULT_GOAL := $(sim_saved_goal)
