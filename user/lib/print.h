/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print call for both outputs, as iproute2's json_print: each call
 * names a JSON key and a text format; in JSON mode the key is used, in
 * text mode the format.  A NULL key means "text only", a NULL format
 * "JSON only".
 */
#ifndef SYNOD_LIB_PRINT_H
#define SYNOD_LIB_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/json.h"

struct synod_out {
	FILE *fp;
	bool json;
	struct json_writer jw;
};

/* print.c */
void out_init(struct synod_out *o, FILE *fp, bool json, bool pretty);
void out_end(struct synod_out *o);
void out_open_array(struct synod_out *o, const char *key);
void out_close_array(struct synod_out *o);
void out_open_object(struct synod_out *o, const char *key);
void out_close_object(struct synod_out *o);
void out_string(struct synod_out *o, const char *key, const char *fmt,
		const char *value);
void out_u64(struct synod_out *o, const char *key, const char *fmt,
	     uint64_t value);
void out_bool(struct synod_out *o, const char *key, const char *fmt,
	      bool value);
void out_null(struct synod_out *o, const char *key, const char *fmt);
void out_text(struct synod_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SYNOD_LIB_PRINT_H */
