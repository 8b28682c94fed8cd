// SPDX-License-Identifier: GPL-2.0
/*
 * lwreplay: list and replay a dm-log-writes log (our own tool; the format
 * is the kernel's Documentation/admin-guide/device-mapper/log-writes.rst
 * and the comment above struct log_write_entry in
 * drivers/md/dm-log-writes.c).
 *
 *   lwreplay list LOG
 *   lwreplay replay LOG IMAGE --size BYTES
 *            (--to-entry N | --to-mark NAME [--extra-subset SEED] | --all)
 *
 * dm-log-writes records a plain write only when a later PREFLUSH has
 * completed, a FUA write when it completes, and a mark at once, so the
 * log in order is the order in which writes became durable.  Replaying a
 * prefix onto a zeroed image therefore gives what the disk held if power
 * was lost at that point with the volatile cache gone.  The plain writes
 * logged after a mark and before the next flush had completed into the
 * cache by the time that flush was issued: some of them may have reached
 * the medium anyway.  --extra-subset applies a random subset of them
 * (plain writes only, up to the next flush or mark) to model that.
 *
 * Entries are numbered from 0 in log order; `--to-entry N` replays 0..N.
 * The image is a regular file; it is truncated and re-created sparse
 * (all zeros) at --size bytes before the replay.  Exit status: 0 done,
 * 2 bad usage or a log we cannot read (message on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LW_MAGIC		0x6a736677736872ULL
#define LW_VERSION		1ULL
/* Entry flags, as dm-log-writes.c defines them. */
#define LW_FLUSH		(1ULL << 0)
#define LW_FUA			(1ULL << 1)
#define LW_DISCARD		(1ULL << 2)
#define LW_MARK			(1ULL << 3)
#define LW_METADATA		(1ULL << 4)
#define LW_KNOWN		(LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | \
				 LW_METADATA)
#define LW_SUPER_SIZE		28	/* packed size of the super below */
#define LW_ENTRY_SIZE		32	/* size of the entry header below */
#define LW_MARK_MAX		512	/* longest mark name we keep */
#define LW_CHUNK		(1U << 20)	/* copy buffer */

/* The log's super block, little-endian, at byte 0 of the log. */
struct lw_super {
	uint64_t magic;		/* LW_MAGIC */
	uint64_t version;	/* LW_VERSION */
	uint64_t nr_entries;	/* entries logged (updated at FUA, mark, end) */
	uint32_t sectorsize;	/* the device's logical block size in bytes */
};

/*
 * One log entry as we decode it.  On disk the header takes one whole
 * sectorsize block (the 32-byte header, then the mark's name for a mark),
 * followed by nr_sectors blocks of data unless it is a discard or a mark.
 */
struct lw_entry {
	uint64_t sector;	/* first block written, in sectorsize units */
	uint64_t nr_sectors;	/* blocks written (or discarded) */
	uint64_t flags;		/* LW_* */
	uint64_t data_len;	/* bytes of the mark's name (marks only) */
	uint64_t data_off;	/* byte offset of the data in the log */
	char mark[LW_MARK_MAX];	/* the mark's name, NUL-terminated */
};

struct lw_log {
	int fd;
	struct lw_super super;
	uint64_t log_size;	/* bytes readable in LOG */
	uint64_t pos;		/* byte offset of the next entry header */
	uint64_t index;		/* number of the next entry */
};

static const char *prog = "lwreplay";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* pread exactly len bytes or die: a short log is a broken log. */
static void read_at(int fd, void *buf, size_t len, uint64_t off,
		    const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("log: cannot read %s at byte %" PRIu64 ": %s", what,
			    off + done, n < 0 ? strerror(errno) : "end of log");
		done += (size_t)n;
	}
}

static void write_at(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("image: write at byte %" PRIu64 ": %s", off + done,
			    n < 0 ? strerror(errno) : "short write");
		done += (size_t)n;
	}
}

/* Open LOG, check its super block, position at entry 0. */
static void log_open(struct lw_log *log, const char *path)
{
	unsigned char raw[LW_SUPER_SIZE];
	struct stat st;
	off_t end;

	log->fd = open(path, O_RDONLY);
	if (log->fd < 0)
		die("cannot open log %s: %s", path, strerror(errno));
	if (fstat(log->fd, &st) < 0)
		die("cannot stat log %s: %s", path, strerror(errno));
	end = lseek(log->fd, 0, SEEK_END);	/* works for block devices too */
	if (end < 0)
		die("cannot size log %s: %s", path, strerror(errno));
	log->log_size = (uint64_t)end;
	read_at(log->fd, raw, sizeof(raw), 0, "super block");
	log->super.magic = le64(raw);
	log->super.version = le64(raw + 8);
	log->super.nr_entries = le64(raw + 16);
	log->super.sectorsize = le32(raw + 24);
	if (log->super.magic != LW_MAGIC)
		die("log %s: bad magic %#" PRIx64 " (not a dm-log-writes log)",
		    path, log->super.magic);
	if (log->super.version != LW_VERSION)
		die("log %s: version %" PRIu64 ", we read %llu", path,
		    log->super.version, LW_VERSION);
	if (log->super.sectorsize < 512 || log->super.sectorsize > 65536 ||
	    (log->super.sectorsize & (log->super.sectorsize - 1)))
		die("log %s: bad sectorsize %u", path, log->super.sectorsize);
	log->pos = log->super.sectorsize;
	log->index = 0;
}

/* Decode the next entry; false at the end of the log. */
static bool log_next(struct lw_log *log, struct lw_entry *e)
{
	unsigned char raw[LW_ENTRY_SIZE + LW_MARK_MAX];
	uint64_t ss = log->super.sectorsize, data_bytes;
	size_t hdr = ss < sizeof(raw) ? ss : sizeof(raw);

	if (log->index >= log->super.nr_entries)
		return false;
	if (log->pos + ss > log->log_size)
		die("log: entry %" PRIu64 " header beyond the end of the log",
		    log->index);
	read_at(log->fd, raw, hdr, log->pos, "entry header");
	e->sector = le64(raw);
	e->nr_sectors = le64(raw + 8);
	e->flags = le64(raw + 16);
	e->data_len = le64(raw + 24);
	e->data_off = log->pos + ss;
	e->mark[0] = 0;
	if (e->flags & ~LW_KNOWN)
		die("log: entry %" PRIu64 " has unknown flags %#" PRIx64,
		    log->index, e->flags);
	if (e->flags & LW_MARK) {
		if (e->data_len >= LW_MARK_MAX || e->data_len > ss - LW_ENTRY_SIZE)
			die("log: entry %" PRIu64 " mark name of %" PRIu64
			    " bytes", log->index, e->data_len);
		memcpy(e->mark, raw + LW_ENTRY_SIZE, e->data_len);
		e->mark[e->data_len] = 0;
	} else if (e->data_len) {
		/* inline data other than a mark: never written by 6.1/6.12 */
		die("log: entry %" PRIu64 " has %" PRIu64
		    " bytes of inline data (unsupported)", log->index,
		    e->data_len);
	}
	data_bytes = (e->flags & (LW_DISCARD | LW_MARK)) ? 0 :
		     e->nr_sectors * ss;
	if (e->nr_sectors > (UINT64_MAX / ss) ||
	    e->data_off + data_bytes > log->log_size)
		die("log: entry %" PRIu64 " data beyond the end of the log",
		    log->index);
	log->pos = e->data_off + data_bytes;
	log->index++;
	return true;
}

static const char *flag_names(uint64_t flags, char *buf, size_t len)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ LW_FLUSH, "FLUSH" }, { LW_FUA, "FUA" },
		{ LW_DISCARD, "DISCARD" }, { LW_MARK, "MARK" },
		{ LW_METADATA, "META" },
	};
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 used ? "|" : "", names[i].name);
		if (used >= len)
			break;
	}
	if (!buf[0])
		snprintf(buf, len, "WRITE");
	return buf;
}

/*
 * list: one line per entry, "INDEX FLAGS SECTOR NR_SECTORS [NAME]", after
 * a "# sectorsize S entries N" header.  FLAGS is WRITE for a plain write.
 */
static int cmd_list(const char *path)
{
	struct lw_log log;
	struct lw_entry e;
	char fl[64];

	log_open(&log, path);
	printf("# sectorsize %u entries %" PRIu64 "\n", log.super.sectorsize,
	       log.super.nr_entries);
	while (log_next(&log, &e)) {
		printf("%" PRIu64 " %s %" PRIu64 " %" PRIu64, log.index - 1,
		       flag_names(e.flags, fl, sizeof(fl)), e.sector,
		       e.nr_sectors);
		if (e.flags & LW_MARK)
			printf(" %s", e.mark);
		putchar('\n');
	}
	close(log.fd);
	return 0;
}

/* Apply one entry's data (or discard: zeros) to the image. */
static void apply(const struct lw_log *log, const struct lw_entry *e,
		  int img, uint64_t img_size, unsigned char *buf)
{
	uint64_t ss = log->super.sectorsize;
	uint64_t off = e->sector * ss, len = e->nr_sectors * ss, done = 0;

	if (e->flags & LW_MARK || !e->nr_sectors)
		return;
	if (e->sector > img_size / ss || len > img_size - off)
		die("entry %" PRIu64 ": sectors %" PRIu64 "+%" PRIu64
		    " beyond the image (%" PRIu64 " bytes)", log->index - 1,
		    e->sector, e->nr_sectors, img_size);
	while (done < len) {
		size_t n = len - done > LW_CHUNK ? LW_CHUNK : len - done;

		if (e->flags & LW_DISCARD)
			memset(buf, 0, n);
		else
			read_at(log->fd, buf, n, e->data_off + done, "data");
		write_at(img, buf, n, off + done);
		done += n;
	}
}

/* splitmix64, then xorshift64*: a small PRNG any seed (even 0) starts. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng_state = (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		die("%s: not a number: '%s'", what, s);
	return v;
}

struct replay_args {
	const char *log, *image;
	uint64_t size;
	bool have_size, all, to_entry_set, subset;
	uint64_t to_entry, seed;
	const char *to_mark;
};

/* Create IMAGE anew: zero-length, then sparse zeros up to size. */
static int image_create(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("cannot create image %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0)
		die("cannot size image %s: %s", path, strerror(errno));
	return fd;
}

/*
 * True if the entry ends the --extra-subset window: a flush made what is
 * before it durable, and a mark bounds the time the image stands for
 * (the caller's history cut ends at the next mark).
 */
static bool ends_window(const struct lw_entry *e)
{
	return e->flags & (LW_FLUSH | LW_MARK);
}

static int cmd_replay(const struct replay_args *a)
{
	uint64_t writes = 0, discards = 0, cand = 0, taken = 0, last = 0;
	struct lw_log log;
	struct lw_entry e;
	unsigned char *buf;
	bool found = false;
	int img;

	log_open(&log, a->log);
	buf = malloc(LW_CHUNK);
	if (!buf)
		die("out of memory");
	img = image_create(a->image, a->size);
	while (!found && log_next(&log, &e)) {
		last = log.index - 1;
		apply(&log, &e, img, a->size, buf);
		if (!(e.flags & LW_MARK) && e.nr_sectors)
			(e.flags & LW_DISCARD) ? discards++ : writes++;
		if (a->to_entry_set && last == a->to_entry)
			found = true;
		if (a->to_mark && (e.flags & LW_MARK) &&
		    !strcmp(e.mark, a->to_mark))
			found = true;
	}
	if (!found && !a->all) {
		if (a->to_mark)
			die("no mark '%s' in %s", a->to_mark, a->log);
		die("--to-entry %" PRIu64 ": the log has %" PRIu64 " entries",
		    a->to_entry, log.super.nr_entries);
	}
	if (a->subset) {
		rng_seed(a->seed);
		while (log_next(&log, &e) && !ends_window(&e)) {
			/* plain writes only: FUA and discard are not cached */
			if (e.flags & (LW_DISCARD | LW_FUA) || !e.nr_sectors)
				continue;
			cand++;
			if (rng_next() >> 63) {
				apply(&log, &e, img, a->size, buf);
				taken++;
			}
		}
	}
	if (fsync(img) < 0 || close(img) < 0)
		die("image %s: %s", a->image, strerror(errno));
	close(log.fd);
	free(buf);
	printf("lwreplay: %" PRIu64 " entries to entry %" PRIu64
	       " (%" PRIu64 " writes, %" PRIu64 " discards)", last + 1, last,
	       writes, discards);
	if (a->subset)
		printf("; subset %" PRIu64 ": %" PRIu64 " of %" PRIu64
		       " later writes", a->seed, taken, cand);
	putchar('\n');
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lwreplay list LOG\n"
		"       lwreplay replay LOG IMAGE --size BYTES\n"
		"                (--to-entry N | --to-mark NAME "
		"[--extra-subset SEED] | --all)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct replay_args a = { 0 };
	int i, modes;

	if (argc == 3 && !strcmp(argv[1], "list"))
		return cmd_list(argv[2]);
	if (argc < 4 || strcmp(argv[1], "replay"))
		usage();
	a.log = argv[2];
	a.image = argv[3];
	for (i = 4; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--all")) {
			a.all = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(o, "--size")) {
			a.size = parse_u64(argv[++i], "--size");
			a.have_size = true;
		} else if (!strcmp(o, "--to-entry")) {
			a.to_entry = parse_u64(argv[++i], "--to-entry");
			a.to_entry_set = true;
		} else if (!strcmp(o, "--to-mark")) {
			a.to_mark = argv[++i];
		} else if (!strcmp(o, "--extra-subset")) {
			a.seed = parse_u64(argv[++i], "--extra-subset");
			a.subset = true;
		} else {
			usage();
		}
	}
	modes = a.all + a.to_entry_set + !!a.to_mark;
	if (!a.have_size || !a.size || modes != 1)
		usage();
	if (a.subset && !a.to_mark)
		die("--extra-subset goes with --to-mark");
	return cmd_replay(&a);
}
