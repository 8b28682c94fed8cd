/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer, in the spirit of iproute2's json_writer.
 *
 * The writer needs no allocation: callers embed struct json_writer and the
 * nesting stack is bounded by JSON_DEPTH_MAX.  Misuse (a value without a
 * name inside an object, closing what was not opened, nesting too deep) is
 * a programming error and trips an assertion.
 */
#ifndef SYNOD_LIB_JSON_H
#define SYNOD_LIB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX	16

struct json_level {
	bool is_object;		/* object (names required) or array */
	unsigned int count;	/* members written so far, for commas */
};

struct json_writer {
	FILE *fp;
	bool pretty;		/* newlines and 4-space indentation */
	bool name_pending;	/* a name was written, its value is next */
	unsigned int depth;	/* open containers, <= JSON_DEPTH_MAX */
	struct json_level stack[JSON_DEPTH_MAX];
};

/* json.c */
void jsonw_init(struct json_writer *jw, FILE *fp, bool pretty);
bool jsonw_done(const struct json_writer *jw);
void jsonw_start_object(struct json_writer *jw);
void jsonw_end_object(struct json_writer *jw);
void jsonw_start_array(struct json_writer *jw);
void jsonw_end_array(struct json_writer *jw);
void jsonw_name(struct json_writer *jw, const char *name);
void jsonw_string(struct json_writer *jw, const char *value);
void jsonw_u64(struct json_writer *jw, uint64_t value);
void jsonw_s64(struct json_writer *jw, int64_t value);
void jsonw_bool(struct json_writer *jw, bool value);
void jsonw_null(struct json_writer *jw);
void jsonw_escape(FILE *fp, const char *s);

#endif /* SYNOD_LIB_JSON_H */
