/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Knobs that exist only in the test build of the module.
 *
 * `make` builds synod.ko twice per kernel: build/kmod/KVER/synod.ko for
 * users and build/kmod-test/KVER/synod.ko, compiled with -DSYNOD_TESTING,
 * which the VM tests, the crash tests and the benchmark load.  A test knob
 * is a static variable that stays at its default (the production
 * behaviour) unless SYNOD_TEST_PARAM() makes it a module parameter, so the
 * user's module cannot be told to speak a wrong protocol version or to
 * switch authentication off.
 */
#ifndef SYNOD_TESTING_H
#define SYNOD_TESTING_H

#include <linux/moduleparam.h>

#ifdef SYNOD_TESTING
#define SYNOD_TEST_BUILD	true
#define SYNOD_TEST_PARAM(name, type, desc)			\
	module_param(name, type, 0644);				\
	MODULE_PARM_DESC(name, "TEST BUILD ONLY: " desc)
/* the same, with a kernel_param_ops of its own (@ops, on &@name) */
#define SYNOD_TEST_PARAM_CB(name, ops, desc)			\
	module_param_cb(name, ops, &name, 0644);		\
	MODULE_PARM_DESC(name, "TEST BUILD ONLY: " desc)
#else
#define SYNOD_TEST_BUILD	false
#define SYNOD_TEST_PARAM(name, type, desc)			\
	static_assert(sizeof(name) > 0, "test knob " #name)
#define SYNOD_TEST_PARAM_CB(name, ops, desc)			\
	static_assert(sizeof(name) > 0 && sizeof(ops) > 0,	\
		      "test knob " #name)
#endif

#endif /* SYNOD_TESTING_H */
