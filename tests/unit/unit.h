/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared bits of the cmocka unit tests: capture what a writer prints into
 * a string, so tests compare exact output.
 */
#ifndef SYNOD_TESTS_UNIT_H
#define SYNOD_TESTS_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

struct capture {
	FILE *fp;
	char *buf;
	size_t len;
};

static inline void capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->fp = open_memstream(&c->buf, &c->len);
	assert_non_null(c->fp);
}

/* Returns the text written so far; the caller frees it with free(). */
static inline char *capture_end(struct capture *c)
{
	assert_int_equal(fclose(c->fp), 0);
	c->fp = NULL;
	return c->buf;
}

#endif /* SYNOD_TESTS_UNIT_H */
