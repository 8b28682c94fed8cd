# SPDX-License-Identifier: GPL-2.0
#
# user/user.mk: synodctl, the shared helper library (libsynod.a) and their
# cmocka unit tests.  Included by the top-level Makefile, which defines
#   B    absolute build output directory (everything we make goes there)
#   TOP  absolute repository root
# and gets back
#   USER_BINS   userspace programs to build ($(B)/user/synodctl)
#   UNIT_TESTS  unit test binaries ($(B)/tests/unit/test_*)
#   unit-check  builds and runs every unit test, TAP output, fails on failure
#
# Unit tests are built from separate objects with ASan and UBSan, so the
# installed binaries stay free of sanitizers.

# Keep the includer's default goal: our rules must not become it.
user_saved_goal := $(.DEFAULT_GOAL)

CFLAGS_USER ?= -O2 -g -Wall -Wextra -Werror -std=gnu11
# The synod release (Documentation/ondisk.rst names the one of each format).
SYNOD_VERSION ?= 0.3.0
USER_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
USER_CPPFLAGS := -I$(TOP)/kmod/uapi -I$(TOP)/user \
	-DSYNOD_VERSION='"$(SYNOD_VERSION)"' \
	$(shell pkg-config --cflags libnl-genl-3.0) \
	$(shell pkg-config --cflags blkid)
# libraries synodctl links: libnl, and libblkid for the probe before create
USER_NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0) \
	$(shell pkg-config --libs blkid)
USER_CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

# The helper library that later daemons share.
USER_LIB_SRCS := json.c print.c util.c addr.c
# synodctl without main(), so unit tests can link its parser and printers.
SYNODCTL_SRCS := parse.c nl.c show.c volume.c stats.c events.c probe.c \
	upgrade.c
# The module's superblock code, pure (kmod/core/env.h), for the offline
# upgrade: the tool reads and writes it exactly as the module does.
USER_CORE_SRCS := ondisk.c crc32c.c
# ... which its users include as "core/ondisk.h"; only they see kmod/
# (its synod.h is not the uapi one).
$(B)/user/upgrade.o $(B)/tests/unit/obj/upgrade.o \
$(B)/tests/unit/obj/tests/test_upgrade.o: USER_CPPFLAGS += -iquote $(TOP)/kmod

USER_LIB_OBJS := $(USER_LIB_SRCS:%.c=$(B)/user/lib/%.o)
SYNODCTL_OBJS := $(SYNODCTL_SRCS:%.c=$(B)/user/%.o) \
	$(USER_CORE_SRCS:%.c=$(B)/user/core/%.o)
USER_SAN_OBJS := $(USER_LIB_SRCS:%.c=$(B)/tests/unit/obj/lib/%.o) \
	$(SYNODCTL_SRCS:%.c=$(B)/tests/unit/obj/%.o) \
	$(USER_CORE_SRCS:%.c=$(B)/tests/unit/obj/core/%.o)

USER_BINS += $(B)/user/synodctl
UNIT_TEST_NAMES := test_json test_util test_parse test_show test_nl test_repl \
	test_probe test_upgrade
UNIT_TESTS += $(UNIT_TEST_NAMES:%=$(B)/tests/unit/%)

$(B)/user/%.o: $(TOP)/user/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(USER_CPPFLAGS) -MMD -MP -c -o $@ $<

$(B)/user/core/%.o: $(TOP)/kmod/core/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(USER_CPPFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/unit/obj/core/%.o: $(TOP)/kmod/core/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(USER_SAN) $(USER_CPPFLAGS) -MMD -MP -c -o $@ $<

$(B)/user/lib/libsynod.a: $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(B)/user/synodctl: $(B)/user/synodctl.o $(SYNODCTL_OBJS) \
		$(B)/user/lib/libsynod.a
	$(CC) $(CFLAGS_USER) -o $@ $^ $(USER_NL_LIBS)

$(B)/tests/unit/obj/%.o: $(TOP)/user/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(USER_SAN) $(USER_CPPFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/unit/obj/tests/%.o: $(TOP)/tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(USER_SAN) $(USER_CPPFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/unit/libsynodctl-san.a: $(USER_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(UNIT_TEST_NAMES:%=$(B)/tests/unit/%): $(B)/tests/unit/%: \
		$(B)/tests/unit/obj/tests/%.o $(B)/tests/unit/libsynodctl-san.a
	$(CC) $(CFLAGS_USER) $(USER_SAN) -o $@ $^ $(USER_CMOCKA_LIBS) \
		$(USER_NL_LIBS)

# Run every test even after a failure; fail at the end if any failed.
.PHONY: unit-check
unit-check: $(UNIT_TESTS)
	@fail=0; for t in $(UNIT_TESTS); do \
		echo "# $$t"; \
		CMOCKA_MESSAGE_OUTPUT=TAP $$t || fail=1; \
	done; \
	if [ $$fail -ne 0 ]; then echo "unit-check: FAILED"; exit 1; fi; \
	echo "unit-check: all passed"

-include $(wildcard $(B)/user/*.d $(B)/user/lib/*.d $(B)/user/core/*.d \
	$(B)/tests/unit/obj/core/*.d \
	$(B)/tests/unit/obj/*.d $(B)/tests/unit/obj/lib/*.d \
	$(B)/tests/unit/obj/tests/*.d)

.DEFAULT_GOAL := $(user_saved_goal)
