// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and decoding of synod consensus messages (see wire.h for the
 * layout).  Decoding is written against hostile input: every read is
 * preceded by a bounds check against the received length, every field is
 * range-checked, and the first problem found is returned as a reason code.
 */
#include "wire.h"
#include "crc32c.h"

static const char *const err_names[SYNOD_WIRE_ERR_MAX] = {
	[SYNOD_WIRE_OK] = "ok",
	[SYNOD_WIRE_SHORT] = "short",
	[SYNOD_WIRE_MAGIC_BAD] = "bad magic",
	[SYNOD_WIRE_VERSION_BAD] = "bad version",
	[SYNOD_WIRE_TYPE_BAD] = "bad type",
	[SYNOD_WIRE_FLAGS_BAD] = "bad flags",
	[SYNOD_WIRE_LENGTH_BAD] = "bad length",
	[SYNOD_WIRE_CRC_BAD] = "bad crc",
	[SYNOD_WIRE_NODE_BAD] = "bad node",
	[SYNOD_WIRE_BODY_BAD] = "bad body",
	[SYNOD_WIRE_COUNT_BAD] = "bad entry count",
	[SYNOD_WIRE_ENTRY_BAD] = "bad entry",
	[SYNOD_WIRE_TRAILING] = "trailing bytes",
};

const char *synod_wire_err_name(int err)
{
	synod_assert(SYNOD_WIRE_ERR_MAX == 13);
	if (err < 0 || err >= SYNOD_WIRE_ERR_MAX)
		return "unknown";
	synod_assert(err_names[err] != NULL);
	return err_names[err];
}

bool synod_msg_type_valid(u32 type)
{
	synod_assert(SYNOD_MSG_PREPARE == 1);
	synod_assert(SYNOD_MSG_TYPE_MAX == SYNOD_MSG_PREVOTE_REPLY);
	return type >= SYNOD_MSG_PREPARE && type <= SYNOD_MSG_TYPE_MAX;
}

/*
 * The flags each type may carry; anything else is refused, so that a
 * flag means one thing only and accepted bytes stay canonical.
 */
static const u8 type_flags[SYNOD_MSG_TYPE_MAX + 1] = {
	[SYNOD_MSG_PROMISE] = SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR |
			      SYNOD_MSGF_LEASE | SYNOD_MSGF_EPOCH |
			      SYNOD_MSGF_PART,
	[SYNOD_MSG_ACCEPTED] = SYNOD_MSGF_NACK,
	[SYNOD_MSG_HEARTBEAT_ACK] = SYNOD_MSGF_NACK,
	[SYNOD_MSG_CATCHUP] = SYNOD_MSGF_SNAPSHOT,
	[SYNOD_MSG_PREVOTE_REPLY] = SYNOD_MSGF_NACK | SYNOD_MSGF_LEASE |
				    SYNOD_MSGF_EPOCH | SYNOD_MSGF_LEADER,
};

u8 synod_msg_flags_allowed(u32 type)
{
	synod_assert(synod_msg_type_valid(type));
	synod_assert((type_flags[type] & ~SYNOD_MSGF_ALL) == 0);
	return type_flags[type];
}

/*
 * A refusal's reason (LEASE, EPOCH, LEADER) comes only with NACK, and
 * PART only without either NACK or TOO_FAR.
 */
static bool flags_valid(u32 type, u32 flags)
{
	const u32 why = SYNOD_MSGF_LEASE | SYNOD_MSGF_EPOCH | SYNOD_MSGF_LEADER;

	synod_assert(synod_msg_type_valid(type));
	synod_assert(!(why & SYNOD_MSGF_NACK));
	if (flags & ~synod_msg_flags_allowed(type))
		return false;
	/* a cut promise is a plain one: no refusal, no TOO_FAR */
	if ((flags & SYNOD_MSGF_PART) &&
	    (flags & (SYNOD_MSGF_NACK | SYNOD_MSGF_TOO_FAR)))
		return false;
	return !(flags & why) || (flags & SYNOD_MSGF_NACK);
}

/* Only these types carry entries; the others must have count == 0. */
static bool type_has_entries(u32 type)
{
	synod_assert(synod_msg_type_valid(type));
	synod_assert(SYNOD_MSG_ENTRIES_MAX >= 1);
	return type == SYNOD_MSG_PROMISE || type == SYNOD_MSG_ACCEPT ||
	       type == SYNOD_MSG_CATCHUP;
}

static u32 entry_size(const struct synod_entry *e)
{
	synod_assert(e->nwrites <= SYNOD_BATCH_MAX);
	synod_assert(e->kind >= SYNOD_ENTRY_NOOP &&
		     e->kind <= SYNOD_ENTRY_CONFIG);
	if (e->kind == SYNOD_ENTRY_WRITE)
		return SYNOD_WIRE_ENTRY_LEN + e->nwrites * SYNOD_WIRE_WRITE_LEN;
	if (e->kind == SYNOD_ENTRY_CONFIG)
		return SYNOD_WIRE_ENTRY_LEN + SYNOD_WIRE_CONFIG_LEN;
	return SYNOD_WIRE_ENTRY_LEN;
}

u32 synod_wire_size(const struct synod_msg *m)
{
	u32 i, n = SYNOD_WIRE_HDR_LEN + SYNOD_WIRE_BODY_LEN;

	synod_assert(m->count <= SYNOD_MSG_ENTRIES_MAX);
	for (i = 0; i < m->count; i++)
		n += entry_size(&m->e[i]);
	synod_assert(n <= SYNOD_WIRE_MAX_LEN);
	return n;
}

static u8 *put_entry(u8 *p, const struct synod_entry *e)
{
	u8 *start = p;
	u32 i;

	synod_assert(e->nwrites <= SYNOD_BATCH_MAX);
	synod_assert(e->slot != 0);
	synod_put_le64(p, e->slot);
	synod_put_le64(p + 8, e->ballot);
	p[16] = e->kind;
	p[17] = e->kind == SYNOD_ENTRY_WRITE ? e->nwrites : 0;
	p[18] = e->flags;
	p[19] = 0;
	p += SYNOD_WIRE_ENTRY_LEN;
	if (e->kind == SYNOD_ENTRY_WRITE) {
		for (i = 0; i < e->nwrites; i++, p += SYNOD_WIRE_WRITE_LEN) {
			synod_put_le64(p, e->w[i].block);
			synod_put_le64(p + 8, e->w[i].ref);
		}
	} else if (e->kind == SYNOD_ENTRY_CONFIG) {
		synod_put_le32(p, e->cfg.epoch);
		synod_put_le32(p + 4, e->cfg.voters);
		synod_put_le32(p + 8, e->cfg.learners);
		p[12] = e->cfg.q1;
		p[13] = e->cfg.q2;
		synod_put_le16(p + 14, 0);
		p += SYNOD_WIRE_CONFIG_LEN;
	}
	synod_assert((u32)(p - start) == entry_size(e));
	return p;
}

/*
 * Encode @m into @buf.  Returns the number of bytes written, or 0 when
 * @cap is too small.  The CRC covers every byte with the crc field zero.
 */
u32 synod_wire_encode(const struct synod_msg *m, u8 *buf, u32 cap)
{
	u32 i, len = synod_wire_size(m);
	u8 *p = buf;

	synod_assert(synod_msg_type_valid(m->type));
	synod_assert(flags_valid(m->type, m->flags));
	if (len > cap)
		return 0;
	synod_put_le32(p, SYNOD_WIRE_MAGIC);
	synod_put_le16(p + 4, SYNOD_WIRE_VERSION);
	p[SYNOD_WIRE_TYPE_OFF] = m->type;
	p[7] = m->flags;
	synod_put_le64(p + 8, m->volume);
	synod_put_le16(p + 16, m->from);
	synod_put_le16(p + 18, m->to);
	synod_put_le32(p + 20, m->epoch);
	synod_put_le64(p + 24, m->ballot);
	synod_put_le32(p + 32, len);
	synod_put_le32(p + 36, 0);
	p += SYNOD_WIRE_HDR_LEN;
	synod_put_le64(p, m->slot);
	synod_put_le64(p + 8, m->slot_hi);
	synod_put_le64(p + 16, m->commit);
	synod_put_le64(p + 24, m->time);
	synod_put_le64(p + 32, m->aux);
	synod_put_le16(p + 40, (u16)m->count);
	synod_put_le16(p + 42, 0);
	p += SYNOD_WIRE_BODY_LEN;
	for (i = 0; i < m->count; i++)
		p = put_entry(p, &m->e[i]);
	synod_assert((u32)(p - buf) == len);
	synod_put_le32(buf + 36, synod_crc32c(0, buf, len));
	return len;
}

static int check_header(const u8 *buf, u32 len, struct synod_msg *m)
{
	u32 crc;

	synod_assert(buf != NULL || len == 0);
	synod_assert(m != NULL);
	if (len < SYNOD_WIRE_HDR_LEN)
		return SYNOD_WIRE_SHORT;
	if (synod_get_le32(buf) != SYNOD_WIRE_MAGIC)
		return SYNOD_WIRE_MAGIC_BAD;
	if (synod_get_le16(buf + 4) != SYNOD_WIRE_VERSION)
		return SYNOD_WIRE_VERSION_BAD;
	if (!synod_msg_type_valid(buf[SYNOD_WIRE_TYPE_OFF]))
		return SYNOD_WIRE_TYPE_BAD;
	if (!flags_valid(buf[SYNOD_WIRE_TYPE_OFF], buf[7]))
		return SYNOD_WIRE_FLAGS_BAD;
	if (synod_get_le32(buf + 32) != len || len > SYNOD_WIRE_MAX_LEN)
		return SYNOD_WIRE_LENGTH_BAD;
	crc = synod_get_le32(buf + 36);
	crc ^= synod_crc32c(synod_crc32c(synod_crc32c(0, buf, 36),
					 "\0\0\0\0", 4),
			    buf + SYNOD_WIRE_HDR_LEN, len - SYNOD_WIRE_HDR_LEN);
	if (crc != 0)
		return SYNOD_WIRE_CRC_BAD;
	m->type = buf[SYNOD_WIRE_TYPE_OFF];
	m->flags = buf[7];
	m->volume = synod_get_le64(buf + 8);
	m->from = synod_get_le16(buf + 16);
	m->to = synod_get_le16(buf + 18);
	m->epoch = synod_get_le32(buf + 20);
	m->ballot = synod_get_le64(buf + 24);
	if (m->from >= SYNOD_NODES_MAX || m->to >= SYNOD_NODES_MAX ||
	    m->from == m->to)
		return SYNOD_WIRE_NODE_BAD;
	return SYNOD_WIRE_OK;
}

static int check_config(const struct synod_config *c)
{
	u32 all = (1u << SYNOD_NODES_MAX) - 1;

	synod_assert(SYNOD_NODES_MAX <= 32);
	if ((c->voters & ~all) || (c->learners & ~all) ||
	    (c->voters & c->learners) || c->voters == 0)
		return SYNOD_WIRE_ENTRY_BAD;
	if (c->q1 == 0 || c->q2 == 0 || c->q1 > SYNOD_NODES_MAX ||
	    c->q2 > SYNOD_NODES_MAX)
		return SYNOD_WIRE_ENTRY_BAD;
	synod_assert((c->voters & c->learners) == 0);
	return SYNOD_WIRE_OK;
}

/* Decode one entry at @p with @left bytes remaining; *used gets its size. */
static int get_entry(const u8 *p, u32 left, struct synod_entry *e, u32 *used)
{
	u32 i, need;

	synod_assert(left <= SYNOD_WIRE_MAX_LEN);
	synod_assert(used != NULL);
	if (left < SYNOD_WIRE_ENTRY_LEN)
		return SYNOD_WIRE_ENTRY_BAD;
	synod_memset(e, 0, sizeof(*e));
	e->slot = synod_get_le64(p);
	e->ballot = synod_get_le64(p + 8);
	e->kind = p[16];
	e->nwrites = p[17];
	e->flags = p[18];
	if (p[19] != 0 || (e->flags & ~SYNOD_ENTF_ALL) || e->slot == 0)
		return SYNOD_WIRE_ENTRY_BAD;
	if (e->kind < SYNOD_ENTRY_NOOP || e->kind > SYNOD_ENTRY_CONFIG)
		return SYNOD_WIRE_ENTRY_BAD;
	if (e->kind == SYNOD_ENTRY_WRITE &&
	    (e->nwrites == 0 || e->nwrites > SYNOD_BATCH_MAX))
		return SYNOD_WIRE_ENTRY_BAD;
	if (e->kind != SYNOD_ENTRY_WRITE && e->nwrites != 0)
		return SYNOD_WIRE_ENTRY_BAD;
	need = entry_size(e);
	if (left < need)
		return SYNOD_WIRE_ENTRY_BAD;
	p += SYNOD_WIRE_ENTRY_LEN;
	for (i = 0; i < e->nwrites; i++, p += SYNOD_WIRE_WRITE_LEN) {
		e->w[i].block = synod_get_le64(p);
		e->w[i].ref = synod_get_le64(p + 8);
	}
	if (e->kind == SYNOD_ENTRY_CONFIG) {
		e->cfg.epoch = synod_get_le32(p);
		e->cfg.voters = synod_get_le32(p + 4);
		e->cfg.learners = synod_get_le32(p + 8);
		e->cfg.q1 = p[12];
		e->cfg.q2 = p[13];
		if (synod_get_le16(p + 14) != 0 || check_config(&e->cfg))
			return SYNOD_WIRE_ENTRY_BAD;
	}
	*used = need;
	return SYNOD_WIRE_OK;
}

static int get_body(const u8 *p, u32 left, struct synod_msg *m)
{
	u32 i, used = 0;
	int err;

	synod_assert(left <= SYNOD_WIRE_MAX_LEN);
	if (left < SYNOD_WIRE_BODY_LEN)
		return SYNOD_WIRE_BODY_BAD;
	m->slot = synod_get_le64(p);
	m->slot_hi = synod_get_le64(p + 8);
	m->commit = synod_get_le64(p + 16);
	m->time = synod_get_le64(p + 24);
	m->aux = synod_get_le64(p + 32);
	m->count = synod_get_le16(p + 40);
	if (synod_get_le16(p + 42) != 0)
		return SYNOD_WIRE_BODY_BAD;
	if (m->count > SYNOD_MSG_ENTRIES_MAX ||
	    (m->count && !type_has_entries(m->type)))
		return SYNOD_WIRE_COUNT_BAD;
	p += SYNOD_WIRE_BODY_LEN;
	left -= SYNOD_WIRE_BODY_LEN;
	for (i = 0; i < m->count; i++) {
		err = get_entry(p, left, &m->e[i], &used);
		if (err)
			return err;
		synod_assert(used <= left);
		p += used;
		left -= used;
	}
	return left ? SYNOD_WIRE_TRAILING : SYNOD_WIRE_OK;
}

/*
 * Decode @len bytes at @buf into @m.  Returns SYNOD_WIRE_OK or the first
 * reason for refusal; on refusal @m holds garbage and must not be used.
 */
int synod_wire_decode(const u8 *buf, u32 len, struct synod_msg *m)
{
	int err;

	synod_assert(buf != NULL || len == 0);
	synod_assert(m != NULL);
	m->count = 0;
	err = check_header(buf, len, m);
	if (err)
		return err;
	err = get_body(buf + SYNOD_WIRE_HDR_LEN, len - SYNOD_WIRE_HDR_LEN, m);
	synod_assert(err || m->count <= SYNOD_MSG_ENTRIES_MAX);
	return err;
}

/*
 * Does a write of @sectors 512-byte sectors at sector @block lie inside a
 * data area of @capacity sectors?  Block numbers come off the wire, so
 * nothing here may wrap: "block + sectors <= capacity" would let a block
 * near 2^64 through.  Empty writes are refused too.
 */
bool synod_block_range_ok(u64 block, u64 sectors, u64 capacity)
{
	bool ok;

	synod_assert(capacity <= ~0ull >> 9);	/* a size in bytes / 512 */
	ok = sectors != 0 && block < capacity && sectors <= capacity - block;
	synod_assert(!ok || block + sectors <= capacity);
	return ok;
}
