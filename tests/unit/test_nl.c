// SPDX-License-Identifier: GPL-2.0
/*
 * Extended ACK parsing (user/nl.c): the kernel's message is found behind
 * a capped or uncapped error, behind NLMSG_DONE, and not invented when
 * the kernel sent none.  Buffers are laid out as net/netlink/af_netlink.c
 * netlink_ack() builds them.
 */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include <linux/netlink.h>

#include "nl.h"

static uint32_t buf32[128];

static void put_msg_attr(size_t *off, const char *text)
{
	struct nlattr *a = (struct nlattr *)((char *)buf32 + *off);
	size_t len = strlen(text) + 1;

	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, text, len);
	*off += NLA_ALIGN(a->nla_len);
}

/* An NLMSG_ERROR for a request of orig_payload bytes; text may be NULL. */
static struct nlmsghdr *error_msg(bool capped, uint32_t orig_payload,
				  const char *text)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf32;
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t payload = sizeof(*e) + (capped ? 0 : orig_payload);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);

	memset(buf32, 0xaa, sizeof(buf32));	/* echoed request: junk */
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	e->error = -EEXIST;
	e->msg.nlmsg_len = NLMSG_HDRLEN + orig_payload;
	if (text) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		put_msg_attr(&off, text);
	}
	nlh->nlmsg_len = (uint32_t)off;
	return nlh;
}

static void test_capped(void **state)
{
	char out[SYNOD_NL_MSG_MAX];

	(void)state;
	assert_int_equal(synod_nl_ext_ack_msg(
		error_msg(true, 24, "volume r0 already exists"), out,
		sizeof(out)), strlen("volume r0 already exists"));
	assert_string_equal(out, "volume r0 already exists");
}

static void test_uncapped(void **state)
{
	char out[SYNOD_NL_MSG_MAX];

	(void)state;
	synod_nl_ext_ack_msg(error_msg(false, 24, "backing device is busy"),
			     out, sizeof(out));
	assert_string_equal(out, "backing device is busy");
	/* an unaligned request length is padded before the attributes */
	synod_nl_ext_ack_msg(error_msg(false, 6, "odd"), out, sizeof(out));
	assert_string_equal(out, "odd");
}

static void test_no_message(void **state)
{
	char out[SYNOD_NL_MSG_MAX] = "stale";

	(void)state;
	assert_int_equal(synod_nl_ext_ack_msg(error_msg(true, 24, NULL), out,
					      sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_truncated_to_buffer(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(synod_nl_ext_ack_msg(
		error_msg(true, 0, "a long kernel message"), out, sizeof(out)),
		7);
	assert_string_equal(out, "a long ");
}

static void test_done(void **state)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf32;
	size_t off = NLMSG_HDRLEN + sizeof(int);
	char out[SYNOD_NL_MSG_MAX];
	int err = -EINTR;

	(void)state;
	memset(buf32, 0, sizeof(buf32));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	memcpy(NLMSG_DATA(nlh), &err, sizeof(err));
	put_msg_attr(&off, "dump interrupted");
	nlh->nlmsg_len = (uint32_t)off;
	synod_nl_ext_ack_msg(nlh, out, sizeof(out));
	assert_string_equal(out, "dump interrupted");

	/* other message types carry no extended ACK */
	nlh->nlmsg_type = NLMSG_MIN_TYPE;
	synod_nl_ext_ack_msg(nlh, out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_uncapped),
		cmocka_unit_test(test_no_message),
		cmocka_unit_test(test_truncated_to_buffer),
		cmocka_unit_test(test_done),
	};

	return cmocka_run_group_tests_name("nl", tests, NULL, NULL);
}
