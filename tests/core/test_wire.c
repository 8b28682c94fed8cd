// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the wire format (kmod/core/wire.c). */
#include "core_test.h"

#include <string.h>

#include "crc32c.h"
#include "wire.h"

static struct synod_msg m, d;
static u8 buf[SYNOD_WIRE_MAX_LEN];

static void fill(struct synod_msg *x)
{
	memset(x, 0, sizeof(*x));
	x->type = SYNOD_MSG_ACCEPT;
	x->from = 1;
	x->to = 2;
	x->epoch = 3;
	x->volume = 0x1122334455667788ull;
	x->ballot = synod_ballot_make(7, 1);
	x->commit = 41;
	x->time = 123456789;
	x->count = 3;
	x->e[0] = (struct synod_entry){ .slot = 42, .ballot = x->ballot,
		.kind = SYNOD_ENTRY_WRITE, .nwrites = 2,
		.w = { { 5, 0xabc }, { 6, 0xdef } } };
	x->e[1] = (struct synod_entry){ .slot = 43, .ballot = x->ballot,
		.kind = SYNOD_ENTRY_NOOP, .flags = SYNOD_ENTF_CHOSEN };
	x->e[2] = (struct synod_entry){ .slot = 44, .ballot = x->ballot,
		.kind = SYNOD_ENTRY_CONFIG,
		.cfg = { .epoch = 4, .voters = 0xf, .q1 = 3, .q2 = 2 } };
}

/* The same header, as a message of @type that carries no entries. */
static void fill_empty(struct synod_msg *x, u8 type)
{
	fill(x);
	x->count = 0;
	x->type = type;
}

static void reseal(u32 len)
{
	synod_put_le32(buf + 36, 0);
	synod_put_le32(buf + 36, synod_crc32c(0, buf, len));
}

static void test_roundtrip(void **state)
{
	u32 len;

	(void)state;
	fill(&m);
	len = synod_wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, synod_wire_size(&m));
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_OK);
	assert_int_equal(d.type, m.type);
	assert_int_equal(d.ballot, m.ballot);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.e[0].w[1].ref, 0xdef);
	assert_int_equal(d.e[1].flags, SYNOD_ENTF_CHOSEN);
	assert_int_equal(d.e[2].cfg.voters, 0xf);
	assert_int_equal(d.volume, m.volume);
}

static void test_little_endian(void **state)
{
	(void)state;
	fill(&m);
	synod_wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x53);		/* 'S' of "SYND" */
	assert_int_equal(buf[8], 0x88);		/* volume, low byte first */
	assert_int_equal(buf[16], 1);
	assert_int_equal(buf[18], 2);
}

/* Every prefix of a valid message is refused, never read past. */
static void test_truncated(void **state)
{
	u32 len, i;
	u8 *copy;

	(void)state;
	fill(&m);
	len = synod_wire_encode(&m, buf, sizeof(buf));
	for (i = 0; i < len; i++) {
		copy = malloc(i ? i : 1);
		memcpy(copy, buf, i);
		assert_int_not_equal(synod_wire_decode(copy, i, &d),
				     SYNOD_WIRE_OK);
		free(copy);
	}
}

static void test_reasons(void **state)
{
	u32 len;

	(void)state;
	fill(&m);
	len = synod_wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(synod_wire_decode(buf, 10, &d), SYNOD_WIRE_SHORT);
	buf[0] ^= 1;
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_MAGIC_BAD);
	buf[0] ^= 1;
	buf[4] = 9;
	assert_int_equal(synod_wire_decode(buf, len, &d),
			 SYNOD_WIRE_VERSION_BAD);
	buf[4] = SYNOD_WIRE_VERSION;
	buf[6] = 0;
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_TYPE_BAD);
	buf[6] = SYNOD_MSG_ACCEPT;
	buf[7] = 0x80;
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_FLAGS_BAD);
	buf[7] = 0;
	assert_int_equal(synod_wire_decode(buf, len - 1, &d),
			 SYNOD_WIRE_LENGTH_BAD);
	buf[100] ^= 0x10;
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_CRC_BAD);
	buf[100] ^= 0x10;
	buf[18] = 1;		/* to == from */
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_NODE_BAD);
	buf[18] = 2;
	buf[82] = 1;		/* body padding */
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_BODY_BAD);
	buf[82] = 0;
	buf[6] = SYNOD_MSG_HEARTBEAT;	/* entries on a type without them */
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_COUNT_BAD);
	buf[6] = SYNOD_MSG_ACCEPT;
	buf[84 + 16] = 9;	/* first entry's kind */
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_ENTRY_BAD);
	assert_string_equal(synod_wire_err_name(SYNOD_WIRE_CRC_BAD), "bad crc");
}

static void test_trailing(void **state)
{
	u32 len;

	(void)state;
	fill_empty(&m, SYNOD_MSG_HEARTBEAT);
	len = synod_wire_encode(&m, buf, sizeof(buf));
	buf[len] = 0;
	synod_put_le32(buf + 32, len + 1);
	reseal(len + 1);
	assert_int_equal(synod_wire_decode(buf, len + 1, &d),
			 SYNOD_WIRE_TRAILING);
	assert_int_equal(synod_wire_encode(&m, buf, len - 1), 0);
}

static void test_bad_config_entry(void **state)
{
	u32 len;

	(void)state;
	fill(&m);
	m.e[2].cfg.learners = 0x1;	/* a voter cannot also be a learner */
	len = synod_wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_ENTRY_BAD);
}

/* Encode @x and decode it back with the flags byte replaced by @flags. */
static int decode_with_flags(const struct synod_msg *x, u8 flags)
{
	u32 len = synod_wire_encode(x, buf, sizeof(buf));

	buf[7] = flags;
	reseal(len);
	return synod_wire_decode(buf, len, &d);
}

/* One flags byte on one type, and what the decoder must say of it. */
struct flags_case {
	u8 type;
	u8 flags;
	int want;	/* SYNOD_WIRE_OK or SYNOD_WIRE_FLAGS_BAD */
};

/* Decode m as each case's type with each case's flags byte, in order. */
static void expect_flags(const struct flags_case *c, size_t n)
{
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		m.type = c[i].type;
		got = decode_with_flags(&m, c[i].flags);
		if (got != c[i].want)
			fail_msg("type %u flags %#x: %d, want %d", c[i].type,
				 c[i].flags, got, c[i].want);
	}
}

/* The pre-vote pair: no entries, flags only where they mean something. */
static void test_prevote(void **state)
{
	static const struct flags_case reply_flags[] = {
		{ SYNOD_MSG_PREVOTE_REPLY, 0, SYNOD_WIRE_OK },	/* yes */
		{ SYNOD_MSG_PREVOTE_REPLY, SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE,
		  SYNOD_WIRE_OK },
		{ SYNOD_MSG_PREVOTE_REPLY, SYNOD_MSGF_NACK | SYNOD_MSGF_EPOCH,
		  SYNOD_WIRE_OK },
		/* a reason without NACK, or a flag of another type */
		{ SYNOD_MSG_PREVOTE_REPLY, SYNOD_MSGF_LEADER,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_PREVOTE_REPLY, SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_PREVOTE_REPLY, SYNOD_MSGF_SNAPSHOT,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_PREVOTE_REPLY, 0x40, SYNOD_WIRE_FLAGS_BAD },
	};
	u32 len;

	(void)state;
	fill_empty(&m, SYNOD_MSG_PREVOTE);
	m.slot = 17;		/* the pre-vote round id */
	len = synod_wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, SYNOD_WIRE_HDR_LEN + SYNOD_WIRE_BODY_LEN);
	assert_int_equal(buf[6], 9);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_OK);
	assert_int_equal(d.type, SYNOD_MSG_PREVOTE);
	assert_int_equal(d.slot, 17);
	assert_int_equal(d.ballot, m.ballot);
	/* a PREVOTE carries no flag at all */
	assert_int_equal(decode_with_flags(&m, SYNOD_MSGF_NACK),
			 SYNOD_WIRE_FLAGS_BAD);
	m.type = SYNOD_MSG_PREVOTE_REPLY;
	m.flags = SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER;
	m.aux = synod_ballot_make(9, 2);
	len = synod_wire_encode(&m, buf, sizeof(buf));
	assert_int_equal(buf[6], 10);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_OK);
	assert_int_equal(d.flags, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER);
	assert_int_equal(d.aux, m.aux);
	expect_flags(reply_flags, ARRAY_SIZE(reply_flags));
	/* entries on either: refused */
	len = synod_wire_encode(&m, buf, sizeof(buf));
	buf[80] = 1;		/* count */
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_COUNT_BAD);
	buf[6] = SYNOD_MSG_PREVOTE;
	buf[7] = 0;
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_COUNT_BAD);
	/* the type after the last is unknown */
	buf[6] = SYNOD_MSG_TYPE_MAX + 1;
	reseal(len);
	assert_int_equal(synod_wire_decode(buf, len, &d), SYNOD_WIRE_TYPE_BAD);
}

/* Flags are checked per type: each means one thing on one type. */
static void test_flags_per_type(void **state)
{
	static const struct flags_case cases[] = {
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_TOO_FAR, SYNOD_WIRE_OK },
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE,
		  SYNOD_WIRE_OK },
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_LEASE, SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_NACK | SYNOD_MSGF_LEADER,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_PART, SYNOD_WIRE_OK },
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_PART | SYNOD_MSGF_NACK,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_PROMISE, SYNOD_MSGF_PART | SYNOD_MSGF_TOO_FAR,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_ACCEPTED, SYNOD_MSGF_PART, SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_CATCHUP, SYNOD_MSGF_PART, SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_CATCHUP, SYNOD_MSGF_SNAPSHOT, SYNOD_WIRE_OK },
		{ SYNOD_MSG_CATCHUP, SYNOD_MSGF_NACK, SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_ACCEPTED, SYNOD_MSGF_NACK, SYNOD_WIRE_OK },
		{ SYNOD_MSG_ACCEPTED, SYNOD_MSGF_NACK | SYNOD_MSGF_EPOCH,
		  SYNOD_WIRE_FLAGS_BAD },
		{ SYNOD_MSG_HEARTBEAT, SYNOD_MSGF_NACK, SYNOD_WIRE_FLAGS_BAD },
	};

	(void)state;
	fill_empty(&m, SYNOD_MSG_PROMISE);
	expect_flags(cases, ARRAY_SIZE(cases));
	assert_int_equal(synod_msg_flags_allowed(SYNOD_MSG_PREPARE), 0);
}

/*
 * Block ranges of writes from the wire (issue 8, item 2): the check must
 * not wrap, so a block near 2^64 is refused however few sectors follow.
 */
static void test_write_range(void **state)
{
	const u64 cap = 131072;		/* 64 MiB in sectors */

	(void)state;
	assert_true(synod_block_range_ok(0, 8, cap));
	assert_true(synod_block_range_ok(cap - 8, 8, cap));
	assert_true(synod_block_range_ok(cap - 1, 1, cap));
	assert_false(synod_block_range_ok(cap - 7, 8, cap));
	assert_false(synod_block_range_ok(cap, 1, cap));
	assert_false(synod_block_range_ok(0, 0, cap));
	assert_false(synod_block_range_ok(0, cap + 1, cap));
	/* block + sectors wraps to 0 or just above: still out of range */
	assert_false(synod_block_range_ok(~0ull - 7, 8, cap));
	assert_false(synod_block_range_ok(~0ull, 1, cap));
	assert_false(synod_block_range_ok(~0ull - 6, 8, cap));
	assert_false(synod_block_range_ok(8, ~0ull - 7, cap));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_little_endian),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_bad_config_entry),
		cmocka_unit_test(test_prevote),
		cmocka_unit_test(test_flags_per_type),
		cmocka_unit_test(test_write_range),
	};

	return cmocka_run_group_tests_name("core_wire", tests, NULL, NULL);
}
