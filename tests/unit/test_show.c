// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of kernel replies and their text/JSON output (user/show.c),
 * with messages built in memory as the kernel would send them.
 */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <synod.h>

#include "show.h"

#define FAKE_FAMILY 0x20

static const uint8_t test_uuid[SYNOD_UUID_LEN] = {
	0x8c, 0x4e, 0x2f, 0x1a, 0x5b, 0x6d, 0x4c, 0x7e,
	0x9f, 0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
};

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 1, 1, FAKE_FAMILY, 0, 0, cmd,
				    SYNOD_FAMILY_VERSION));
	return msg;
}

/* A full VOLUME_GET reply for r0, as the module sends it. */
static struct nl_msg *volume_msg(void)
{
	struct nl_msg *msg = genl_msg(SYNOD_CMD_VOLUME_GET);

	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_BACKING,
					"/dev/loop0"), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_DEVICE, "synod0"),
			 0);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_SIZE, 1069547520ULL),
			 0);
	assert_int_equal(nla_put(msg, SYNOD_A_VOLUME_UUID, SYNOD_UUID_LEN,
				 test_uuid), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_ROLE,
				     SYNOD_ROLE_LEADER), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_FORMAT, 0), 0);
	return msg;
}

static char *print_volume(const struct synod_volume *v, bool json,
			  bool pretty)
{
	struct synod_out o;
	struct capture c;

	capture_start(&c);
	out_init(&o, c.fp, json, pretty);
	out_open_array(&o, NULL);
	synod_volume_print(&o, v);
	out_close_array(&o);
	out_end(&o);
	return capture_end(&c);
}

static void test_volume_parse(void **state)
{
	struct nl_msg *msg = volume_msg();
	struct synod_volume v;

	(void)state;
	assert_int_equal(synod_volume_parse(msg, &v), 0);
	assert_string_equal(v.name, "r0");
	assert_string_equal(v.backing, "/dev/loop0");
	assert_string_equal(v.device, "/dev/synod0");
	assert_int_equal(v.size_bytes, 1069547520ULL);
	assert_memory_equal(v.uuid, test_uuid, SYNOD_UUID_LEN);
	assert_int_equal(v.role, SYNOD_ROLE_LEADER);
	assert_int_equal(v.format, 0);
	assert_int_equal(v.have, SYNOD_VOL_BACKING | SYNOD_VOL_DEVICE |
			 SYNOD_VOL_SIZE | SYNOD_VOL_UUID | SYNOD_VOL_ROLE |
			 SYNOD_VOL_FORMAT);
	nlmsg_free(msg);
}

static void test_volume_print_text(void **state)
{
	struct nl_msg *msg = volume_msg();
	struct synod_volume v;
	char *got;

	(void)state;
	assert_int_equal(synod_volume_parse(msg, &v), 0);
	got = print_volume(&v, false, false);
	assert_string_equal(got,
		"r0: device /dev/synod0 role leader\n"
		"    backing /dev/loop0 size 1069547520 (1020 MiB)\n"
		"    uuid 8c4e2f1a-5b6d-4c7e-9f80-112233445566 format 0\n");
	free(got);
	nlmsg_free(msg);
}

static void test_volume_print_json(void **state)
{
	struct nl_msg *msg = volume_msg();
	struct synod_volume v;
	char *got;

	(void)state;
	assert_int_equal(synod_volume_parse(msg, &v), 0);
	got = print_volume(&v, true, false);
	assert_string_equal(got,
		"[{\"name\":\"r0\",\"device\":\"/dev/synod0\","
		"\"role\":\"leader\",\"backing\":\"/dev/loop0\","
		"\"size_bytes\":1069547520,"
		"\"uuid\":\"8c4e2f1a-5b6d-4c7e-9f80-112233445566\","
		"\"format\":0}]\n");
	free(got);
	got = print_volume(&v, true, true);
	assert_non_null(strstr(got, "[\n    {\n        \"name\": \"r0\",\n"));
	assert_non_null(strstr(got, "        \"format\": 0\n    }\n]\n"));
	free(got);
	nlmsg_free(msg);
}

/* Only what the kernel sent is printed; nothing is invented. */
static void test_volume_partial(void **state)
{
	struct nl_msg *msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	struct synod_volume v;
	char *got;

	(void)state;
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r9"), 0);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_VOLUME_ROLE, 77), 0);
	assert_int_equal(synod_volume_parse(msg, &v), 0);
	assert_int_equal(v.have, SYNOD_VOL_ROLE);
	got = print_volume(&v, true, false);
	assert_string_equal(got, "[{\"name\":\"r9\",\"role\":\"unknown\"}]\n");
	free(got);
	nlmsg_free(msg);
}

static void test_volume_malformed(void **state)
{
	struct synod_volume v;
	struct nl_msg *msg;
	char long_name[40];

	(void)state;
	/* no name */
	msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	assert_int_equal(nla_put_u64(msg, SYNOD_A_VOLUME_SIZE, 1), 0);
	assert_int_equal(synod_volume_parse(msg, &v), -EPROTO);
	nlmsg_free(msg);

	/* short UUID */
	msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(nla_put(msg, SYNOD_A_VOLUME_UUID, 8, test_uuid), 0);
	assert_int_equal(synod_volume_parse(msg, &v), -EPROTO);
	nlmsg_free(msg);

	/* name longer than SYNOD_NAME_MAX */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, long_name),
			 0);
	assert_int_equal(synod_volume_parse(msg, &v), -EPROTO);
	nlmsg_free(msg);

	/* size not a u64 */
	msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(nla_put_u16(msg, SYNOD_A_VOLUME_SIZE, 1), 0);
	assert_int_equal(synod_volume_parse(msg, &v), -EPROTO);
	nlmsg_free(msg);
}

/* Attributes from a newer module are skipped, not refused. */
static void test_volume_future_attr(void **state)
{
	struct nl_msg *msg = volume_msg();
	struct synod_volume v;

	(void)state;
	assert_int_equal(nla_put_u32(msg, SYNOD_A_MAX + 3, 5), 0);
	assert_int_equal(synod_volume_parse(msg, &v), 0);
	assert_string_equal(v.name, "r0");
	nlmsg_free(msg);
}

static void test_stats(void **state)
{
	struct nl_msg *msg = genl_msg(SYNOD_CMD_STATS_GET);
	struct synod_stats st;
	struct synod_out o;
	struct capture c;
	char *got;

	(void)state;
	assert_int_equal(nla_put_u64(msg, SYNOD_A_STATS_XDP_KFUNC_CALLS,
				     12345678901ULL), 0);
	assert_int_equal(synod_stats_parse(msg, &st), 0);
	assert_int_equal(st.xdp_kfunc_calls, 12345678901ULL);
	nlmsg_free(msg);

	capture_start(&c);
	out_init(&o, c.fp, false, false);
	synod_stats_print(&o, &st);
	out_end(&o);
	got = capture_end(&c);
	assert_string_equal(got, "xdp_kfunc_calls 12345678901\n");
	free(got);

	capture_start(&c);
	out_init(&o, c.fp, true, false);
	synod_stats_print(&o, &st);
	out_end(&o);
	got = capture_end(&c);
	assert_string_equal(got, "{\"xdp_kfunc_calls\":12345678901}\n");
	free(got);

	msg = genl_msg(SYNOD_CMD_STATS_GET);
	assert_int_equal(synod_stats_parse(msg, &st), -EPROTO);
	nlmsg_free(msg);
}

static char *print_event(struct nl_msg *msg, bool json)
{
	struct synod_event_msg ev;
	struct synod_out o;
	struct capture c;

	assert_int_equal(synod_event_parse(msg, &ev), 0);
	capture_start(&c);
	out_init(&o, c.fp, json, false);
	synod_event_print(&o, &ev);
	out_end(&o);
	return capture_end(&c);
}

static void test_events(void **state)
{
	struct nl_msg *msg = genl_msg(SYNOD_CMD_EVENT);
	struct synod_event_msg ev;
	char *got;

	(void)state;
	assert_int_equal(nla_put_u32(msg, SYNOD_A_EVENT,
				     SYNOD_EVENT_VOLUME_CREATED), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	got = print_event(msg, false);
	assert_string_equal(got, "created r0\n");
	free(got);
	got = print_event(msg, true);
	assert_string_equal(got, "{\"event\":\"created\",\"name\":\"r0\"}\n");
	free(got);
	nlmsg_free(msg);

	msg = genl_msg(SYNOD_CMD_EVENT);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_EVENT,
				     SYNOD_EVENT_VOLUME_DELETED), 0);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r1"), 0);
	got = print_event(msg, false);
	assert_string_equal(got, "deleted r1\n");
	free(got);
	nlmsg_free(msg);

	/* not an event: skipped by the caller */
	msg = genl_msg(SYNOD_CMD_VOLUME_GET);
	assert_int_equal(nla_put_u32(msg, SYNOD_A_EVENT, 1), 0);
	assert_int_equal(synod_event_parse(msg, &ev), -ENOMSG);
	nlmsg_free(msg);

	/* an event without its kind */
	msg = genl_msg(SYNOD_CMD_EVENT);
	assert_int_equal(nla_put_string(msg, SYNOD_A_VOLUME_NAME, "r0"), 0);
	assert_int_equal(synod_event_parse(msg, &ev), -EPROTO);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_parse),
		cmocka_unit_test(test_volume_print_text),
		cmocka_unit_test(test_volume_print_json),
		cmocka_unit_test(test_volume_partial),
		cmocka_unit_test(test_volume_malformed),
		cmocka_unit_test(test_volume_future_attr),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests_name("show", tests, NULL, NULL);
}
