// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer and the dual text/JSON print layer: exact output for
 * escaping, nesting, numbers and pretty printing.
 */
#include "unit.h"

#include <inttypes.h>
#include <string.h>

#include "lib/json.h"
#include "lib/print.h"

/* Writes one string value at top level and returns the output. */
static char *escaped(const char *s)
{
	struct json_writer jw;
	struct capture c;

	capture_start(&c);
	jsonw_init(&jw, c.fp, false);
	jsonw_string(&jw, s);
	return capture_end(&c);
}

static void check_escape(const char *in, const char *want)
{
	char *got = escaped(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_escape_plain(void **state)
{
	(void)state;
	check_escape("r0", "\"r0\"");
	check_escape("", "\"\"");
	check_escape("/dev/loop0", "\"/dev/loop0\"");
}

static void test_escape_quote_backslash(void **state)
{
	(void)state;
	check_escape("a\"b", "\"a\\\"b\"");
	check_escape("a\\b", "\"a\\\\b\"");
	check_escape("\\\"", "\"\\\\\\\"\"");
}

static void test_escape_control(void **state)
{
	(void)state;
	check_escape("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	check_escape("\x01", "\"\\u0001\"");
	check_escape("x\x1fy", "\"x\\u001fy\"");
	/* DEL and UTF-8 need no escape */
	check_escape("\x7f", "\"\x7f\"");
	check_escape("caf\xc3\xa9", "\"caf\xc3\xa9\"");
}

static void test_compact_nesting(void **state)
{
	struct json_writer jw;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	jsonw_init(&jw, c.fp, false);
	jsonw_start_array(&jw);
	jsonw_start_object(&jw);
	jsonw_name(&jw, "name");
	jsonw_string(&jw, "r0");
	jsonw_name(&jw, "peers");
	jsonw_start_array(&jw);
	jsonw_u64(&jw, 2);
	jsonw_u64(&jw, 3);
	jsonw_end_array(&jw);
	jsonw_name(&jw, "empty");
	jsonw_start_object(&jw);
	jsonw_end_object(&jw);
	jsonw_end_object(&jw);
	jsonw_start_object(&jw);
	jsonw_end_object(&jw);
	jsonw_end_array(&jw);
	assert_true(jsonw_done(&jw));
	got = capture_end(&c);
	assert_string_equal(got,
		"[{\"name\":\"r0\",\"peers\":[2,3],\"empty\":{}},{}]");
	free(got);
}

static void test_numbers_and_literals(void **state)
{
	struct json_writer jw;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	jsonw_init(&jw, c.fp, false);
	jsonw_start_array(&jw);
	jsonw_u64(&jw, 0);
	jsonw_u64(&jw, UINT64_MAX);
	jsonw_s64(&jw, INT64_MIN);
	jsonw_s64(&jw, -1);
	jsonw_bool(&jw, true);
	jsonw_bool(&jw, false);
	jsonw_null(&jw);
	jsonw_string(&jw, NULL);
	jsonw_end_array(&jw);
	got = capture_end(&c);
	assert_string_equal(got,
		"[0,18446744073709551615,-9223372036854775808,-1,"
		"true,false,null,null]");
	free(got);
}

static void test_pretty(void **state)
{
	struct json_writer jw;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	jsonw_init(&jw, c.fp, true);
	jsonw_start_array(&jw);
	jsonw_start_object(&jw);
	jsonw_name(&jw, "name");
	jsonw_string(&jw, "r0");
	jsonw_name(&jw, "list");
	jsonw_start_array(&jw);
	jsonw_u64(&jw, 1);
	jsonw_end_array(&jw);
	jsonw_name(&jw, "none");
	jsonw_start_array(&jw);
	jsonw_end_array(&jw);
	jsonw_end_object(&jw);
	jsonw_end_array(&jw);
	got = capture_end(&c);
	assert_string_equal(got,
		"[\n"
		"    {\n"
		"        \"name\": \"r0\",\n"
		"        \"list\": [\n"
		"            1\n"
		"        ],\n"
		"        \"none\": []\n"
		"    }\n"
		"]");
	free(got);
}

static void test_escaped_name(void **state)
{
	struct json_writer jw;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	jsonw_init(&jw, c.fp, false);
	jsonw_start_object(&jw);
	jsonw_name(&jw, "a\"b");
	jsonw_u64(&jw, 1);
	jsonw_end_object(&jw);
	got = capture_end(&c);
	assert_string_equal(got, "{\"a\\\"b\":1}");
	free(got);
}

static void test_done_tracks_depth(void **state)
{
	struct json_writer jw;
	struct capture c;

	(void)state;
	capture_start(&c);
	jsonw_init(&jw, c.fp, false);
	assert_true(jsonw_done(&jw));
	jsonw_start_object(&jw);
	assert_false(jsonw_done(&jw));
	jsonw_name(&jw, "k");
	assert_false(jsonw_done(&jw));
	jsonw_u64(&jw, 1);
	jsonw_end_object(&jw);
	assert_true(jsonw_done(&jw));
	free(capture_end(&c));
}

/* The same print calls, once as text and once as JSON. */
static void print_sample(struct synod_out *o)
{
	out_open_array(o, NULL);
	out_open_object(o, NULL);
	out_string(o, "name", "%s:", "r0");
	out_u64(o, "size_bytes", " size %" PRIu64, 1024);
	out_bool(o, "up", " up %s", true);
	out_string(o, "json_only", NULL, "x");
	out_string(o, NULL, " text-only %s", "y");
	out_text(o, "\n");
	out_close_object(o);
	out_close_array(o);
	out_end(o);
}

static void test_print_text(void **state)
{
	struct synod_out o;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	out_init(&o, c.fp, false, false);
	print_sample(&o);
	got = capture_end(&c);
	assert_string_equal(got, "r0: size 1024 up true text-only y\n");
	free(got);
}

static void test_print_json(void **state)
{
	struct synod_out o;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	out_init(&o, c.fp, true, false);
	print_sample(&o);
	got = capture_end(&c);
	assert_string_equal(got,
		"[{\"name\":\"r0\",\"size_bytes\":1024,\"up\":true,"
		"\"json_only\":\"x\"}]\n");
	free(got);
}

static void test_print_json_pretty(void **state)
{
	struct synod_out o;
	struct capture c;
	char *got;

	(void)state;
	capture_start(&c);
	out_init(&o, c.fp, true, true);
	out_open_object(&o, NULL);
	out_open_array(&o, "vols");
	out_string(&o, "ignored-in-array", "%s", "r0");
	out_close_array(&o);
	out_close_object(&o);
	out_end(&o);
	got = capture_end(&c);
	assert_string_equal(got,
		"{\n    \"vols\": [\n        \"r0\"\n    ]\n}\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_quote_backslash),
		cmocka_unit_test(test_escape_control),
		cmocka_unit_test(test_compact_nesting),
		cmocka_unit_test(test_numbers_and_literals),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_escaped_name),
		cmocka_unit_test(test_done_tracks_depth),
		cmocka_unit_test(test_print_text),
		cmocka_unit_test(test_print_json),
		cmocka_unit_test(test_print_json_pretty),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
