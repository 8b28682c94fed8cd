/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kunit_env.c: what the glue would provide to the core, for the suites.
 * A failed synod_assert() sets synod_core_assert_failed (core/env.h).
 */
#ifndef SYNOD_KUNIT_ENV_H
#define SYNOD_KUNIT_ENV_H

#include <linux/types.h>

extern bool synod_core_assert_failed;
void synod_core_assert_fail(void);

struct kunit;
/* .init and .exit of the suites that run the core: clear, then check it */
int synod_kunit_init(struct kunit *test);
void synod_kunit_exit(struct kunit *test);

#endif /* SYNOD_KUNIT_ENV_H */
