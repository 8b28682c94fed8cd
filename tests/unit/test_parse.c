// SPDX-License-Identifier: GPL-2.0
/*
 * synodctl's command line grammar (user/parse.c): good command lines fill
 * struct synodctl_req exactly; bad ones fail with a message that names the
 * offending word.
 */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include <synod.h>

#include "synodctl.h"

#define ERR_LEN 256
#define ARGV(...) ((char *[]){ "synodctl", __VA_ARGS__, NULL })

static char err[ERR_LEN];

static int parse(char **argv, struct synodctl_req *req)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return synodctl_parse(argc, argv, req, err, sizeof(err));
}

/* Parsing must fail, and the message must mention `word`. */
static void expect_fail(char **argv, const char *word)
{
	struct synodctl_req req;

	assert_int_equal(parse(argv, &req), -EINVAL);
	assert_non_null(strstr(err, word));
}

static void test_volume_create(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "create", "r0", "--backing",
				    "/dev/loop0"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_CREATE);
	assert_string_equal(req.name, "r0");
	assert_string_equal(req.backing, "/dev/loop0");
	assert_false(req.json);
	assert_false(req.pretty);
	assert_int_equal(req.count, 0);
	assert_string_equal(err, "");
}

static void test_volume_create_backing_first(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "create", "--backing=/dev/vdb",
				    "r1"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_CREATE);
	assert_string_equal(req.name, "r1");
	assert_string_equal(req.backing, "/dev/vdb");
}

/* create --force: overwrite whatever the device holds (probe.c). */
static void test_volume_create_force(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "create", "r0", "--backing",
				    "/dev/x"), &req), 0);
	assert_false(req.force);
	assert_int_equal(parse(ARGV("volume", "create", "r0", "--force",
				    "--backing", "/dev/x"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_CREATE);
	assert_true(req.force);
}

static void test_volume_attach_delete(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "attach", "r0", "--backing",
				    "/dev/loop1"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_ATTACH);
	assert_string_equal(req.name, "r0");
	assert_string_equal(req.backing, "/dev/loop1");

	/* a replicated volume's secret (the superblock has a fingerprint) */
	assert_int_equal(parse(ARGV("volume", "attach", "r0", "--backing",
				    "/dev/loop1", "--secret-file", "/k"),
			       &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_ATTACH);
	assert_string_equal(req.repl.secret_file, "/k");
	assert_int_equal(parse(ARGV("volume", "attach", "r0",
				    "--secret-file=/k2", "--backing",
				    "/dev/loop1"), &req), 0);
	assert_string_equal(req.repl.secret_file, "/k2");

	assert_int_equal(parse(ARGV("volume", "delete", "r0"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_DELETE);
	assert_string_equal(req.name, "r0");
	assert_null(req.backing);
}

/* volume upgrade: offline, by backing device, the upgrade named */
static void test_volume_upgrade(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("volume", "upgrade", "--backing",
				    "/dev/loop2", "--large-requests"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VOLUME_UPGRADE);
	assert_string_equal(req.backing, "/dev/loop2");
	assert_true(req.large_requests);
	assert_null(req.name);
	expect_fail(ARGV("volume", "upgrade", "--backing", "/dev/x"),
		    "--large-requests");
	expect_fail(ARGV("volume", "upgrade", "--large-requests"),
		    "--backing");
	expect_fail(ARGV("volume", "upgrade", "r0", "--backing", "/dev/x",
			 "--large-requests"), "'r0'");
	expect_fail(ARGV("volume", "attach", "r0", "--backing", "/dev/x",
			 "--large-requests"), "'--large-requests'");
}

static void test_json_pretty_positions(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("-j", "-p", "status"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_STATUS);
	assert_true(req.json);
	assert_true(req.pretty);
	assert_null(req.name);

	assert_int_equal(parse(ARGV("status", "r0", "-j"), &req), 0);
	assert_true(req.json);
	assert_false(req.pretty);
	assert_string_equal(req.name, "r0");

	assert_int_equal(parse(ARGV("volume", "create", "r0", "-p",
				    "--backing", "/dev/x", "--json"), &req), 0);
	assert_true(req.json);
	assert_true(req.pretty);
	assert_string_equal(req.backing, "/dev/x");

	assert_int_equal(parse(ARGV("--json", "--pretty", "stats"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_STATS);
	assert_true(req.json);
	assert_true(req.pretty);
}

static void test_status_stats_events(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("status"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_STATUS);
	assert_null(req.name);

	assert_int_equal(parse(ARGV("stats", "-j"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_STATS);
	assert_true(req.json);

	assert_int_equal(parse(ARGV("events"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_EVENTS);
	assert_int_equal(req.count, 0);

	assert_int_equal(parse(ARGV("events", "--count", "3", "-j"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_EVENTS);
	assert_int_equal(req.count, 3);
	assert_true(req.json);
}

static void test_help_version(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse(ARGV("help"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_HELP);
	assert_int_equal(parse(ARGV("-h"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_HELP);
	assert_int_equal(parse(ARGV("--help"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_HELP);
	assert_int_equal(parse(ARGV("volume", "help"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_HELP);
	assert_int_equal(parse(ARGV("-V"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VERSION);
	assert_int_equal(parse(ARGV("-j", "--version"), &req), 0);
	assert_int_equal(req.op, SYNODCTL_OP_VERSION);
}

static void test_missing_object(void **state)
{
	struct synodctl_req req;

	(void)state;
	assert_int_equal(parse((char *[]){ "synodctl", NULL }, &req), -EINVAL);
	assert_non_null(strstr(err, "OBJECT"));
	expect_fail(ARGV("-j"), "OBJECT");
}

static void test_unknown_words(void **state)
{
	(void)state;
	expect_fail(ARGV("volumes", "create", "r0"), "'volumes'");
	/* keywords are exact: no abbreviations */
	expect_fail(ARGV("vol", "create", "r0"), "'vol'");
	expect_fail(ARGV("Status"), "'Status'");
	expect_fail(ARGV("volume", "destroy", "r0"), "'destroy'");
	expect_fail(ARGV("volume", "cr", "r0"), "'cr'");
	expect_fail(ARGV("volume"), "COMMAND");
	expect_fail(ARGV("-x", "status"), "'-x'");
}

static void test_unknown_options(void **state)
{
	(void)state;
	expect_fail(ARGV("volume", "up", "r0", "--force"), "'--force'");
	expect_fail(ARGV("volume", "attach", "r0", "--backing", "/dev/x",
			 "--force"), "'--force'");
	expect_fail(ARGV("volume", "delete", "r0", "--backing", "/dev/x"),
		    "'--backing'");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/dev/x",
			 "--count", "1"), "'--count'");
	expect_fail(ARGV("status", "-x"), "'-x'");
	expect_fail(ARGV("status", "--backing=/dev/x"), "'--backing=/dev/x'");
}

static void test_missing_name_backing(void **state)
{
	(void)state;
	expect_fail(ARGV("volume", "create"), "NAME");
	expect_fail(ARGV("volume", "create", "--backing", "/dev/x"), "NAME");
	expect_fail(ARGV("volume", "delete"), "NAME");
	expect_fail(ARGV("volume", "create", "r0"), "--backing");
	expect_fail(ARGV("volume", "attach", "r0"), "--backing");
	expect_fail(ARGV("volume", "create", "r0", "--backing"), "'--backing'");
	expect_fail(ARGV("volume", "create", "r0", "--backing", "/a",
			 "--backing", "/b"), "twice");
	expect_fail(ARGV("volume", "create", "r0", "--backing="), "backing");
}

static void test_bad_names(void **state)
{
	char long_name[SYNOD_NAME_MAX + 2];
	struct synodctl_req req;

	(void)state;
	memset(long_name, 'n', SYNOD_NAME_MAX);
	long_name[SYNOD_NAME_MAX] = '\0';
	assert_int_equal(parse(ARGV("volume", "delete", long_name), &req), 0);
	assert_string_equal(req.name, long_name);

	long_name[SYNOD_NAME_MAX] = 'n';
	long_name[SYNOD_NAME_MAX + 1] = '\0';
	expect_fail(ARGV("volume", "delete", long_name), long_name);
	expect_fail(ARGV("volume", "delete", long_name), "longer than 31");
	expect_fail(ARGV("volume", "create", "a/b", "--backing", "/dev/x"),
		    "'a/b'");
	expect_fail(ARGV("status", "bad name"), "'bad name'");
}

static void test_bad_backing(void **state)
{
	char path[SYNOD_PATH_MAX + 2];
	struct synodctl_req req;

	(void)state;
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[SYNOD_PATH_MAX] = '\0';
	assert_int_equal(parse(ARGV("volume", "create", "r0", "--backing",
				    path), &req), 0);
	path[SYNOD_PATH_MAX] = 'p';
	path[SYNOD_PATH_MAX + 1] = '\0';
	expect_fail(ARGV("volume", "create", "r0", "--backing", path),
		    "longer than 255");
}

static void test_extra_arguments(void **state)
{
	(void)state;
	expect_fail(ARGV("volume", "delete", "r0", "r1"), "'r1'");
	expect_fail(ARGV("status", "r0", "r1"), "'r1'");
	expect_fail(ARGV("stats", "r0"), "'r0'");
	expect_fail(ARGV("events", "now"), "'now'");
	expect_fail(ARGV("help", "me"), "'me'");
}

static void test_bad_count(void **state)
{
	(void)state;
	expect_fail(ARGV("events", "--count"), "'--count'");
	expect_fail(ARGV("events", "--count", "0"), "'0'");
	expect_fail(ARGV("events", "--count", "-1"), "'-1'");
	expect_fail(ARGV("events", "--count", "3x"), "'3x'");
	expect_fail(ARGV("events", "--count", "4294967296"), "'4294967296'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_create),
		cmocka_unit_test(test_volume_create_backing_first),
		cmocka_unit_test(test_volume_create_force),
		cmocka_unit_test(test_volume_attach_delete),
		cmocka_unit_test(test_volume_upgrade),
		cmocka_unit_test(test_json_pretty_positions),
		cmocka_unit_test(test_status_stats_events),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_missing_object),
		cmocka_unit_test(test_unknown_words),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_missing_name_backing),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_bad_backing),
		cmocka_unit_test(test_extra_arguments),
		cmocka_unit_test(test_bad_count),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
