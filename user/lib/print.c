// SPDX-License-Identifier: GPL-2.0
/*
 * Dual text/JSON output.  Commands describe an object once, field by
 * field; this file decides whether each field becomes "key": value or a
 * formatted piece of a text line.  Containers exist only in JSON.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>

#include "lib/print.h"

void out_init(struct synod_out *o, FILE *fp, bool json, bool pretty)
{
	o->fp = fp;
	o->json = json;
	jsonw_init(&o->jw, fp, pretty);
}

/* Finish a JSON document with a newline, as `ip -j` does. */
void out_end(struct synod_out *o)
{
	if (!o->json)
		return;
	assert(jsonw_done(&o->jw));
	fputc('\n', o->fp);
}

static bool json_key(struct synod_out *o, const char *key)
{
	if (!o->json || !key)
		return false;
	if (o->jw.depth > 0 && o->jw.stack[o->jw.depth - 1].is_object)
		jsonw_name(&o->jw, key);
	return true;
}

/* In an object the key names the container; in an array it is ignored. */
void out_open_array(struct synod_out *o, const char *key)
{
	if (!o->json)
		return;
	if (key)
		json_key(o, key);
	jsonw_start_array(&o->jw);
}

void out_close_array(struct synod_out *o)
{
	if (o->json)
		jsonw_end_array(&o->jw);
}

void out_open_object(struct synod_out *o, const char *key)
{
	if (!o->json)
		return;
	if (key)
		json_key(o, key);
	jsonw_start_object(&o->jw);
}

void out_close_object(struct synod_out *o)
{
	if (o->json)
		jsonw_end_object(&o->jw);
}

void out_string(struct synod_out *o, const char *key, const char *fmt,
		const char *value)
{
	if (o->json) {
		if (json_key(o, key))
			jsonw_string(&o->jw, value);
	} else if (fmt) {
		fprintf(o->fp, fmt, value ? value : "");
	}
}

/* fmt receives the value as uint64_t: use "%" PRIu64 in it. */
void out_u64(struct synod_out *o, const char *key, const char *fmt,
	     uint64_t value)
{
	if (o->json) {
		if (json_key(o, key))
			jsonw_u64(&o->jw, value);
	} else if (fmt) {
		fprintf(o->fp, fmt, value);
	}
}

/* Text gets "true"/"false" through a %s format. */
void out_bool(struct synod_out *o, const char *key, const char *fmt,
	      bool value)
{
	if (o->json) {
		if (json_key(o, key))
			jsonw_bool(&o->jw, value);
	} else if (fmt) {
		fprintf(o->fp, fmt, value ? "true" : "false");
	}
}

/* JSON null (a value that is not known); text gets fmt as it is. */
void out_null(struct synod_out *o, const char *key, const char *fmt)
{
	if (o->json) {
		if (json_key(o, key))
			jsonw_null(&o->jw);
	} else if (fmt) {
		fputs(fmt, o->fp);
	}
}

/* Text-only decoration: separators, newlines, human-readable extras. */
void out_text(struct synod_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vfprintf(o->fp, fmt, ap);
	va_end(ap);
}
