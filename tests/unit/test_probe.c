// SPDX-License-Identifier: GPL-2.0
/*
 * user/probe.c: what volume create finds on a device before it formats
 * it.  The synod magic and the messages are pure; the whole probe runs on
 * image files (libblkid reads files as it reads devices): blank, a synod
 * superblock, a DOS partition table, and ext4 when mkfs.ext4 is there.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

static const uint8_t uuid[16] = {
	0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
	0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
};

/* The first 8 KiB of a device with a synod superblock in copy @copy. */
static void synod_sectors(uint8_t *buf, int copy, uint32_t format)
{
	uint8_t *sb = buf + copy * 4096;

	memset(buf, 0, 8192);
	memcpy(sb, "SYNODVOL", 8);
	sb[8] = (uint8_t)format;
	memcpy(sb + 0x18, uuid, sizeof(uuid));
}

static void test_synod_magic(void **state)
{
	struct synodctl_found f;
	uint8_t buf[8192];

	(void)state;
	synod_sectors(buf, 0, 2);
	assert_int_equal(synodctl_probe_synod(buf, sizeof(buf), &f), 1);
	assert_int_equal(f.kind, SYNODCTL_FOUND_SYNOD);
	assert_int_equal(f.format, 2);
	assert_string_equal(f.uuid, "123e4567-e89b-12d3-a456-426614174000");
	/* copy 0 lost (a torn first write): copy 1 still tells */
	synod_sectors(buf, 1, 1);
	assert_int_equal(synodctl_probe_synod(buf, sizeof(buf), &f), 1);
	assert_int_equal(f.format, 1);
	/* ... unless only the first copy was read */
	assert_int_equal(synodctl_probe_synod(buf, 4096, &f), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(synodctl_probe_synod(buf, sizeof(buf), &f), 0);
	memcpy(buf + 1, "SYNODVOL", 8);		/* not at a copy's start */
	assert_int_equal(synodctl_probe_synod(buf, sizeof(buf), &f), 0);
}

static void test_describe(void **state)
{
	struct synodctl_found f = { .kind = SYNODCTL_FOUND_SIGNATURE,
		.type = "ext4", .usage = "filesystem",
		.uuid = "0f6c6a04-1f7c-4a5e-9b1e-8f1c2f3d4e5f" };
	char msg[256];

	(void)state;
	synodctl_found_describe(&f, "/dev/loop3", msg, sizeof(msg));
	assert_string_equal(msg, "found ext4 filesystem (UUID 0f6c6a04-1f7c-4a5e-9b1e-8f1c2f3d4e5f) on /dev/loop3; use --force to overwrite");
	f = (struct synodctl_found){ .kind = SYNODCTL_FOUND_SIGNATURE,
		.type = "LVM2_member", .usage = "raid" };
	synodctl_found_describe(&f, "/dev/sdb", msg, sizeof(msg));
	assert_string_equal(msg, "found LVM2_member RAID/LVM member on /dev/sdb; use --force to overwrite");
	f = (struct synodctl_found){ .kind = SYNODCTL_FOUND_PTABLE,
		.type = "gpt", .uuid = "abc" };
	synodctl_found_describe(&f, "/dev/sdb", msg, sizeof(msg));
	assert_string_equal(msg, "found a gpt partition table (UUID abc) on /dev/sdb; use --force to overwrite");
	f = (struct synodctl_found){ .kind = SYNODCTL_FOUND_SYNOD,
		.type = "synod", .format = 2, .uuid = "u-1" };
	synodctl_found_describe(&f, "/dev/vdb", msg, sizeof(msg));
	assert_string_equal(msg, "found a synod superblock (format 2, UUID u-1) on /dev/vdb; use --force to overwrite");
	f = (struct synodctl_found){ .kind = SYNODCTL_FOUND_AMBIGUOUS };
	synodctl_found_describe(&f, "/dev/vdb", msg, sizeof(msg));
	assert_non_null(strstr(msg, "more than one"));
	assert_non_null(strstr(msg, "--force"));
}

/* A 64 MiB sparse image file; @write fills its start.  Returns its fd. */
static int image(char *path, const void *data, size_t len, off_t at)
{
	int fd;

	strcpy(path, "/tmp/synod-test-probe-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	if (len)
		assert_int_equal(pwrite(fd, data, len, at), (ssize_t)len);
	return fd;
}

/*
 * Probe the image file @path, open as @fd, into @f, and remove it, so that
 * a failed check of @f leaves no image behind.
 */
static void probe_image(int fd, const char *path, struct synodctl_found *f)
{
	assert_int_equal(synodctl_probe_fd(fd, f), 0);
	close(fd);
	unlink(path);
}

static void test_probe_images(void **state)
{
	struct synodctl_found f;
	uint8_t buf[8192], mbr[512];
	char path[64];
	int fd;

	(void)state;
	fd = image(path, NULL, 0, 0);
	probe_image(fd, path, &f);
	assert_int_equal(f.kind, SYNODCTL_FOUND_NOTHING);

	synod_sectors(buf, 0, 2);
	fd = image(path, buf, sizeof(buf), 0);
	probe_image(fd, path, &f);
	assert_int_equal(f.kind, SYNODCTL_FOUND_SYNOD);

	/* an MBR with one Linux partition at sector 2048 */
	memset(mbr, 0, sizeof(mbr));
	mbr[440] = 0x78, mbr[441] = 0x56, mbr[442] = 0x34, mbr[443] = 0x12;
	mbr[446 + 4] = 0x83;
	mbr[446 + 9] = 0x08;		/* LBA 2048, little-endian */
	mbr[446 + 13] = 0x10;		/* 4096 sectors */
	mbr[510] = 0x55, mbr[511] = 0xaa;
	fd = image(path, mbr, sizeof(mbr), 0);
	probe_image(fd, path, &f);
	assert_int_equal(f.kind, SYNODCTL_FOUND_PTABLE);
	assert_string_equal(f.type, "dos");
	assert_string_equal(f.uuid, "12345678");
}

static void test_probe_ext4(void **state)
{
	struct synodctl_found f;
	char path[64], cmd[160];
	int fd;

	(void)state;
	if (access("/sbin/mkfs.ext4", X_OK))
		skip();
	fd = image(path, NULL, 0, 0);
	snprintf(cmd, sizeof(cmd),
		 "/sbin/mkfs.ext4 -q -F -U 0f6c6a04-1f7c-4a5e-9b1e-8f1c2f3d4e5f %s",
		 path);
	assert_int_equal(system(cmd), 0);
	probe_image(fd, path, &f);
	assert_int_equal(f.kind, SYNODCTL_FOUND_SIGNATURE);
	assert_string_equal(f.type, "ext4");
	assert_string_equal(f.usage, "filesystem");
	assert_string_equal(f.uuid, "0f6c6a04-1f7c-4a5e-9b1e-8f1c2f3d4e5f");
}

/* Not a block device: left to the kernel, which says so. */
static void test_probe_not_blockdev(void **state)
{
	struct synodctl_found f;
	char path[64];
	int fd;

	(void)state;
	fd = image(path, NULL, 0, 0);
	close(fd);
	assert_int_equal(synodctl_probe(path, &f), -ENOTBLK);
	unlink(path);
	assert_int_equal(synodctl_probe("/nonexistent/dev", &f), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synod_magic),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_probe_images),
		cmocka_unit_test(test_probe_ext4),
		cmocka_unit_test(test_probe_not_blockdev),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
