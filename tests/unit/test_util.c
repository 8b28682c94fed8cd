// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/util.c: UUID formatting, enum names, input checks, sizes.
 */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include <synod.h>

#include "lib/util.h"

static void test_uuid_format(void **state)
{
	const uint8_t uuid[SYNOD_UUID_LEN] = {
		0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
		0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
	};
	char out[SYNOD_UUID_STR_LEN];

	(void)state;
	memset(out, 'X', sizeof(out));
	synod_uuid_format(uuid, out);
	assert_string_equal(out, "123e4567-e89b-12d3-a456-426614174000");
	assert_int_equal(strlen(out), 36);
}

static void test_uuid_format_extremes(void **state)
{
	uint8_t uuid[SYNOD_UUID_LEN];
	char out[SYNOD_UUID_STR_LEN];

	(void)state;
	memset(uuid, 0, sizeof(uuid));
	synod_uuid_format(uuid, out);
	assert_string_equal(out, "00000000-0000-0000-0000-000000000000");
	memset(uuid, 0xff, sizeof(uuid));
	synod_uuid_format(uuid, out);
	assert_string_equal(out, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_role_names(void **state)
{
	(void)state;
	assert_string_equal(synod_role_name(SYNOD_ROLE_DOWN), "down");
	assert_string_equal(synod_role_name(SYNOD_ROLE_FOLLOWER), "follower");
	assert_string_equal(synod_role_name(SYNOD_ROLE_CANDIDATE),
			    "candidate");
	assert_string_equal(synod_role_name(SYNOD_ROLE_LEADER), "leader");
	assert_string_equal(synod_role_name(SYNOD_ROLE_LEARNER), "learner");
	assert_string_equal(synod_role_name(SYNOD_ROLE_LEARNER + 1),
			    "unknown");
	assert_string_equal(synod_role_name(UINT32_MAX), "unknown");
}

static void test_event_names(void **state)
{
	(void)state;
	assert_string_equal(synod_event_name(SYNOD_EVENT_VOLUME_CREATED),
			    "created");
	assert_string_equal(synod_event_name(SYNOD_EVENT_VOLUME_ATTACHED),
			    "attached");
	assert_string_equal(synod_event_name(SYNOD_EVENT_VOLUME_DELETED),
			    "deleted");
	assert_string_equal(synod_event_name(SYNOD_EVENT_UNSPEC), "unknown");
	assert_string_equal(synod_event_name(99), "unknown");
}

static void test_name_check(void **state)
{
	char name[SYNOD_NAME_MAX + 2];

	(void)state;
	assert_int_equal(synod_name_check("r0"), 0);
	assert_int_equal(synod_name_check("data_01.vol-a"), 0);
	assert_int_equal(synod_name_check(""), -EINVAL);
	assert_int_equal(synod_name_check("a/b"), -EINVAL);
	assert_int_equal(synod_name_check("a b"), -EINVAL);
	assert_int_equal(synod_name_check(".."), -EINVAL);
	assert_int_equal(synod_name_check("-r"), -EINVAL);
	assert_int_equal(synod_name_check("r\n"), -EINVAL);

	memset(name, 'a', SYNOD_NAME_MAX);
	name[SYNOD_NAME_MAX] = '\0';
	assert_int_equal(synod_name_check(name), 0);
	name[SYNOD_NAME_MAX] = 'a';
	name[SYNOD_NAME_MAX + 1] = '\0';
	assert_int_equal(synod_name_check(name), -ENAMETOOLONG);
}

static void test_backing_check(void **state)
{
	char path[SYNOD_PATH_MAX + 2];

	(void)state;
	assert_int_equal(synod_backing_check("/dev/loop0"), 0);
	assert_int_equal(synod_backing_check(""), -EINVAL);
	memset(path, 'p', SYNOD_PATH_MAX);
	path[SYNOD_PATH_MAX] = '\0';
	assert_int_equal(synod_backing_check(path), 0);
	path[SYNOD_PATH_MAX] = 'p';
	path[SYNOD_PATH_MAX + 1] = '\0';
	assert_int_equal(synod_backing_check(path), -ENAMETOOLONG);
}

static void test_parse_u32(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(synod_parse_u32("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(synod_parse_u32("4294967295", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	v = 7;
	assert_int_equal(synod_parse_u32("4294967296", &v), -ERANGE);
	assert_int_equal(synod_parse_u32("99999999999999999999999", &v),
			 -ERANGE);
	assert_int_equal(synod_parse_u32("", &v), -EINVAL);
	assert_int_equal(synod_parse_u32("-1", &v), -EINVAL);
	assert_int_equal(synod_parse_u32("+1", &v), -EINVAL);
	assert_int_equal(synod_parse_u32(" 1", &v), -EINVAL);
	assert_int_equal(synod_parse_u32("1x", &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void check_size(uint64_t bytes, const char *want)
{
	char buf[32];

	synod_size_human(bytes, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_size_human(void **state)
{
	(void)state;
	check_size(0, "0 B");
	check_size(512, "512 B");
	check_size(1023, "1023 B");
	check_size(1024, "1 KiB");
	check_size(1536, "1.5 KiB");
	check_size(1069547520, "1020 MiB");
	check_size(1ULL << 30, "1 GiB");
	check_size(3ULL << 40, "3 TiB");
	check_size(UINT64_MAX, "16.0 EiB");
}

static void test_device_path(void **state)
{
	char buf[SYNOD_DEVPATH_MAX];

	(void)state;
	synod_device_path("synod0", buf, sizeof(buf));
	assert_string_equal(buf, "/dev/synod0");
	synod_device_path("/dev/synod/r0", buf, sizeof(buf));
	assert_string_equal(buf, "/dev/synod/r0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_format),
		cmocka_unit_test(test_uuid_format_extremes),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_backing_check),
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_size_human),
		cmocka_unit_test(test_device_path),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
