/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the cmocka unit tests of kmod/core. */
#ifndef SYNOD_CORE_TEST_H
#define SYNOD_CORE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The core's assertions must never fire in these tests. */
void synod_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "synod: assertion failed: %s (%s:%d)\n", cond, file,
		line);
	abort();
}

#endif
