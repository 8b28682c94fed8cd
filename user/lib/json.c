// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer: compact output by default (like `ip -j`), or
 * indented with `pretty` (like `ip -j -p`).  Values are written as they
 * come; the only state is the stack of open containers, so output of any
 * size needs no memory.
 */
#include <assert.h>
#include <inttypes.h>

#include "lib/json.h"

void jsonw_init(struct json_writer *jw, FILE *fp, bool pretty)
{
	assert(fp);
	jw->fp = fp;
	jw->pretty = pretty;
	jw->name_pending = false;
	jw->depth = 0;
}

/* True once every container opened has been closed again. */
bool jsonw_done(const struct json_writer *jw)
{
	return jw->depth == 0 && !jw->name_pending;
}

static struct json_level *top(struct json_writer *jw)
{
	assert(jw->depth > 0 && jw->depth <= JSON_DEPTH_MAX);
	return &jw->stack[jw->depth - 1];
}

static void indent(struct json_writer *jw)
{
	unsigned int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->fp);
	for (i = 0; i < jw->depth; i++)
		fputs("    ", jw->fp);
}

/*
 * Start a new member of the current container: a comma after the first,
 * then the line break and indentation of pretty output.
 */
static void member(struct json_writer *jw)
{
	struct json_level *lvl;

	if (jw->depth == 0)
		return;
	lvl = top(jw);
	if (lvl->count++)
		fputc(',', jw->fp);
	indent(jw);
}

/*
 * Every value goes through here: inside an object it must follow its
 * name (which already placed the comma); elsewhere it is a new member.
 */
static void value(struct json_writer *jw)
{
	if (jw->depth > 0 && top(jw)->is_object) {
		assert(jw->name_pending);
		jw->name_pending = false;
		return;
	}
	assert(!jw->name_pending);
	member(jw);
}

/*
 * Escape per RFC 8259: quote, backslash and control characters.  Bytes of
 * 0x80 and above pass through, so UTF-8 stays readable.
 */
void jsonw_escape(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (*p < 0x20)
				fprintf(fp, "\\u%04x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

static void open_container(struct json_writer *jw, bool is_object)
{
	struct json_level *lvl;

	value(jw);
	assert(jw->depth < JSON_DEPTH_MAX);
	fputc(is_object ? '{' : '[', jw->fp);
	lvl = &jw->stack[jw->depth++];
	lvl->is_object = is_object;
	lvl->count = 0;
}

/* Empty containers close on the same line: "{}" and "[]" even if pretty. */
static void close_container(struct json_writer *jw, bool is_object)
{
	struct json_level *lvl = top(jw);

	assert(lvl->is_object == is_object);
	assert(!jw->name_pending);
	jw->depth--;
	if (lvl->count)
		indent(jw);
	fputc(is_object ? '}' : ']', jw->fp);
}

void jsonw_start_object(struct json_writer *jw)
{
	open_container(jw, true);
}

void jsonw_end_object(struct json_writer *jw)
{
	close_container(jw, true);
}

void jsonw_start_array(struct json_writer *jw)
{
	open_container(jw, false);
}

void jsonw_end_array(struct json_writer *jw)
{
	close_container(jw, false);
}

void jsonw_name(struct json_writer *jw, const char *name)
{
	assert(name);
	assert(top(jw)->is_object);
	assert(!jw->name_pending);
	member(jw);
	jsonw_escape(jw->fp, name);
	fputs(jw->pretty ? ": " : ":", jw->fp);
	jw->name_pending = true;
}

/* A NULL string is written as null rather than crashing the caller. */
void jsonw_string(struct json_writer *jw, const char *s)
{
	if (!s) {
		jsonw_null(jw);
		return;
	}
	value(jw);
	jsonw_escape(jw->fp, s);
}

void jsonw_u64(struct json_writer *jw, uint64_t v)
{
	value(jw);
	fprintf(jw->fp, "%" PRIu64, v);
}

void jsonw_s64(struct json_writer *jw, int64_t v)
{
	value(jw);
	fprintf(jw->fp, "%" PRId64, v);
}

void jsonw_bool(struct json_writer *jw, bool v)
{
	value(jw);
	fputs(v ? "true" : "false", jw->fp);
}

void jsonw_null(struct json_writer *jw)
{
	value(jw);
	fputs("null", jw->fp);
}
