# SPDX-License-Identifier: GPL-2.0
#
# scripts/mk/debug.mk: the debug kernel and the checks that run on it
# (Documentation/build.rst, "The debug kernel").  Included by the top-level
# Makefile, which defines B and TOP.
#   debug-kernel         build Debian's 6.12 with KASAN, lockdep, kmemleak
#                        and debugobjects into $(SYNOD_DEBUG_CACHE)
#                        (default /var/cache/synod/debug-kernel); hours the
#                        first time, resumes a partial build, instant after
#   debug-kernel-start   the same in the background (nohup); progress in
#                        the cache's build.log
#   debug-kernel-status  built KVER / building / not built
#   check-debug          the VM suite and one nemesis run on it, failing on
#                        any splat or leak (tests/debug/check-debug.sh;
#                        TESTS=, INSMOD_ARGS=, SEED=, NEMESIS=0)

.PHONY: debug-kernel debug-kernel-start debug-kernel-status check-debug

debug-kernel:
	@$(TOP)/scripts/debug-kernel.sh build

debug-kernel-start:
	@$(TOP)/scripts/debug-kernel.sh start

debug-kernel-status:
	@$(TOP)/scripts/debug-kernel.sh status

check-debug: debug-kernel
	@$(TOP)/tests/debug/check-debug.sh
