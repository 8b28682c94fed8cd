// SPDX-License-Identifier: GPL-2.0
/*
 * user/upgrade.c: synodctl volume upgrade --large-requests on image files
 * made by the module's own superblock code (kmod/core/ondisk.c).  What an
 * administrator relies on: a format 3 replica gets LARGE in the copy that
 * was not current, with the next sequence number, the current copy left
 * as it was (a crash in the middle loses nothing); a second run changes
 * nothing; a replica that cannot take large requests (format 0, format 2,
 * a payload ring too small), a device without a superblock, copies out
 * of their order, and a regular file (no exclusion) are refused and left
 * byte for byte as they were.
 */
#include "unit.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "synodctl.h"
#include "core/ondisk.h"
#include "core/jrec.h"

#define IMG_HEAD	(2 * SYNOD_SB_SIZE)

static const u8 uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };

/* A replica of three voters as volume create makes one, before LARGE. */
static void repl_sb(struct synod_sb *sb)
{
	assert_int_equal(synod_sb_init_repl(sb, uuid, 256ull << 20, 512),
			 SYNOD_SB_OK);
	strcpy(sb->cluster, "c");
	sb->node_id = 0;
	sb->cfg.epoch = 1;
	sb->cfg.voters = 0x7;
	sb->cfg.q1 = 2;
	sb->cfg.q2 = 2;
	sb->listen.family = 2;
	sb->listen.port = 7000;
	memset(sb->secret_fp, 0x5a, sizeof(sb->secret_fp));
}

/* Copy @i of an image: @sb encoded, or garbage (a torn write) if NULL. */
static void put_copy(u8 *buf, u32 i, const struct synod_sb *sb)
{
	if (sb)
		synod_sb_encode(sb, buf + i * SYNOD_SB_SIZE);
	else
		memset(buf + i * SYNOD_SB_SIZE, 0xa5, SYNOD_SB_SIZE);
}

/* An image file whose first two 4 KiB blocks are @head. */
static void make_image_head(char *path, const u8 *head)
{
	int fd;

	strcpy(path, "/tmp/synod-test-upgrade-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, head, IMG_HEAD, 0), (ssize_t)IMG_HEAD);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
}

/* An image file holding @sb in both copies, as create writes it. */
static void make_image(char *path, const struct synod_sb *sb)
{
	u8 buf[IMG_HEAD];

	memset(buf, 0, sizeof(buf));
	if (sb) {
		put_copy(buf, 0, sb);
		put_copy(buf, 1, sb);
	}
	make_image_head(path, buf);
}

static void read_head(const char *path, u8 *buf)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, IMG_HEAD, 0), IMG_HEAD);
	close(fd);
}

/* The upgrade, on an image file (the command takes block devices only). */
static int upgrade(const char *path)
{
	return synodctl_upgrade_large(path, true);
}

static void test_sets_large_in_the_other_copy(void **state)
{
	u8 before[IMG_HEAD], after[IMG_HEAD], again[IMG_HEAD];
	struct synod_sb sb, got;
	char path[64];
	u32 which;

	(void)state;
	repl_sb(&sb);
	make_image(path, &sb);
	read_head(path, before);
	assert_int_equal(synod_sb_select(before, before + SYNOD_SB_SIZE, &got,
					 &which), SYNOD_SB_OK);
	assert_false(got.flags & SYNOD_SB_FLAG_LARGE);

	assert_int_equal(upgrade(path), 0);
	read_head(path, after);
	assert_int_equal(synod_sb_select(after, after + SYNOD_SB_SIZE, &got,
					 &which), SYNOD_SB_OK);
	assert_true(got.flags & SYNOD_SB_FLAG_LARGE);
	assert_int_equal(got.seq, sb.seq + 1);
	assert_int_equal(which, synod_sb_copy_for_seq(sb.seq + 1));
	assert_int_equal(synod_sb_paymax(&got), SYNOD_PAYLOAD_MAX_LARGE);
	/*
	 * Both copies were the same (a new volume's): the next seq goes to
	 * copy 0, and copy 1 keeps the old bytes for a crash meanwhile
	 */
	assert_memory_equal(after + SYNOD_SB_SIZE * (1 - which),
			    before + SYNOD_SB_SIZE * (1 - which), SYNOD_SB_SIZE);
	/* everything else is what it was */
	got.flags &= ~SYNOD_SB_FLAG_LARGE;
	got.seq = sb.seq;
	assert_memory_equal(&got.journal_size, &sb.journal_size,
			    sizeof(sb.journal_size));
	assert_int_equal(got.applied_index, sb.applied_index);
	assert_string_equal(got.cluster, sb.cluster);

	/* again: nothing to do, nothing written */
	assert_int_equal(upgrade(path), 0);
	read_head(path, again);
	assert_memory_equal(again, after, IMG_HEAD);
	unlink(path);
}

/*
 * A replica the module has written since: its copies differ, the current
 * one (seq 6, in copy 0 as 6 % 2 says) and an older one (seq 5, or torn).
 * The upgrade goes to the older copy with seq 7; the current stays.
 */
static void test_writes_the_older_copy(void **state)
{
	u8 head[IMG_HEAD], after[IMG_HEAD];
	struct synod_sb cur, old, got;
	char path[64];
	int torn;
	u32 which;

	(void)state;
	for (torn = 0; torn < 2; torn++) {
		repl_sb(&cur);
		cur.seq = 6;
		cur.applied_index = 600;
		old = cur;
		old.seq = 5;
		old.applied_index = 500;
		put_copy(head, 0, &cur);
		put_copy(head, 1, torn ? NULL : &old);
		make_image_head(path, head);
		assert_int_equal(upgrade(path), 0);
		read_head(path, after);
		assert_memory_equal(after, head, SYNOD_SB_SIZE);
		assert_int_equal(synod_sb_select(after, after + SYNOD_SB_SIZE,
						 &got, &which), SYNOD_SB_OK);
		assert_int_equal(which, 1);
		assert_int_equal(got.seq, 7);
		assert_int_equal(got.applied_index, 600);
		assert_true(got.flags & SYNOD_SB_FLAG_LARGE);
		unlink(path);
	}
	/*
	 * The current copy where its seq does not put it (seq 7 in copy 0):
	 * the next would overwrite it while the other differs.  Refused.
	 */
	cur.seq = 7;
	cur.flags = 0;
	old.seq = 6;
	put_copy(head, 0, &cur);
	put_copy(head, 1, &old);
	make_image_head(path, head);
	assert_int_not_equal(upgrade(path), 0);
	read_head(path, after);
	assert_memory_equal(after, head, IMG_HEAD);
	unlink(path);
}

/* The command itself takes block devices only: a file is refused. */
static void test_command_refuses_a_file(void **state)
{
	u8 before[IMG_HEAD], after[IMG_HEAD];
	struct synodctl_req req;
	struct synod_sb sb;
	char path[64];

	(void)state;
	repl_sb(&sb);
	make_image(path, &sb);
	read_head(path, before);
	memset(&req, 0, sizeof(req));
	req.op = SYNODCTL_OP_VOLUME_UPGRADE;
	req.backing = path;
	req.large_requests = true;
	assert_int_not_equal(synodctl_volume_upgrade(&req), 0);
	read_head(path, after);
	assert_memory_equal(after, before, IMG_HEAD);
	unlink(path);
}

/* Refused, and the image is byte for byte as it was. */
static void refused(const struct synod_sb *sb)
{
	u8 before[IMG_HEAD], after[IMG_HEAD];
	struct synod_sb got;
	char path[64];
	u32 which;

	make_image(path, sb);
	read_head(path, before);
	/* a superblock the module takes: refused for the upgrade's reasons */
	if (sb)
		assert_int_equal(synod_sb_select(before, before + SYNOD_SB_SIZE,
						 &got, &which), SYNOD_SB_OK);
	assert_int_not_equal(upgrade(path), 0);
	read_head(path, after);
	assert_memory_equal(after, before, IMG_HEAD);
	unlink(path);
}

static void test_refusals(void **state)
{
	struct synod_sb sb;

	(void)state;
	/* no superblock at all */
	refused(NULL);
	/* a single-replica volume */
	assert_int_equal(synod_sb_init(&sb, uuid, 256ull << 20, 512),
			 SYNOD_SB_OK);
	refused(&sb);
	/* a format 3 replica whose payload ring is under 9 MiB */
	repl_sb(&sb);
	sb.journal_size = (u64)sb.jrec_size * sb.jrec_count + SYNOD_PRING_MIN;
	assert_true(synod_sb_pring_size(&sb) < SYNOD_PRING_MIN_LARGE);
	refused(&sb);
	/* a format 2 replica: fixed slots, no payload ring */
	repl_sb(&sb);
	sb.format = SYNOD_SB_FORMAT_V2;
	sb.jrec_size = SYNOD_JREC_SIZE;
	sb.journal_size = (u64)sb.jrec_size * sb.jrec_count;
	refused(&sb);
	/* no such device */
	assert_int_not_equal(upgrade("/nonexistent/synod-upgrade"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets_large_in_the_other_copy),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_writes_the_older_copy),
		cmocka_unit_test(test_command_refuses_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
