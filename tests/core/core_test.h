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

/*
 * One test function run twice, with a flag off and on, under the names
 * FN_OFF and FN_ON; it reads the flag with core_test_flag(state).
 */
#define cmocka_unit_test_flag(fn, off, on)				\
	{ #fn "_" off, fn, NULL, NULL, &(_Bool){ 0 } },			\
	{ #fn "_" on, fn, NULL, NULL, &(_Bool){ 1 } }
#define core_test_flag(state)	(*(const _Bool *)*(state))

/* The core's assertions must never fire in these tests. */
void synod_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "synod: assertion failed: %s (%s:%d)\n", cond, file,
		line);
	abort();
}

#endif
