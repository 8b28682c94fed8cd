// SPDX-License-Identifier: GPL-2.0
/*
 * lwreplay_test: host test of tests/powerloss/lwreplay.c.  It writes
 * synthetic dm-log-writes logs in the kernel's format (super block, one
 * header block per entry, the data after it), runs lwreplay on them and
 * compares each image with a model of the disk kept here.  TAP output.
 *
 *   lwreplay_test LWREPLAY_BINARY WORK_DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define F_FLUSH		(1ULL << 0)
#define F_FUA		(1ULL << 1)
#define F_DISCARD	(1ULL << 2)
#define F_MARK		(1ULL << 3)
#define MAX_ENT		64

/* One synthetic entry: what the kernel would log for one bio or mark. */
struct ent {
	uint64_t flags;
	uint64_t sector;	/* in sectorsize units */
	uint64_t nr;		/* sectors */
	const char *mark;	/* name, for F_MARK */
};

struct synth {
	const char *path;
	uint32_t ss;		/* sectorsize */
	uint64_t disk;		/* device size in bytes */
	int n;
	struct ent e[MAX_ENT];
	uint64_t claim;		/* nr_entries written in the super block */
	uint64_t magic;
};

static const char *bin, *dir;
static int tn, failed;

static void tap(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tn);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failed = 1;
}

/* The byte entry i writes at byte off of its data: never 0. */
static unsigned char pat(int i, uint64_t off)
{
	return (unsigned char)(1 + ((i * 37 + off * 13 + off / 512) % 255));
}

static void put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void must(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "lwreplay_test: %s: %s\n", what,
			strerror(errno));
		exit(2);
	}
}

/* Write the log file of s, laid out as dm-log-writes lays it out. */
static void synth_write(const struct synth *s)
{
	unsigned char *blk = malloc(s->ss);
	FILE *f = fopen(s->path, "w");
	uint64_t d;
	int i;

	must(blk && f, s->path);
	memset(blk, 0, s->ss);
	put64(blk, s->magic ? s->magic : 0x6a736677736872ULL);
	put64(blk + 8, 1);
	put64(blk + 16, s->claim ? s->claim : (uint64_t)s->n);
	blk[24] = (unsigned char)s->ss;
	blk[25] = (unsigned char)(s->ss >> 8);
	must(fwrite(blk, s->ss, 1, f) == 1, "write super");
	for (i = 0; i < s->n; i++) {
		const struct ent *e = &s->e[i];

		memset(blk, 0, s->ss);
		put64(blk, e->sector);
		put64(blk + 8, e->nr);
		put64(blk + 16, e->flags);
		if (e->flags & F_MARK) {
			put64(blk + 24, strlen(e->mark));
			memcpy(blk + 32, e->mark, strlen(e->mark));
		}
		must(fwrite(blk, s->ss, 1, f) == 1, "write header");
		if (e->flags & (F_MARK | F_DISCARD))
			continue;
		for (d = 0; d < e->nr * s->ss; d++)
			must(fputc(pat(i, d), f) != EOF, "write data");
	}
	must(fclose(f) == 0, "close log");
	free(blk);
}

/* The model: the disk after entries 0..last (all zeros before). */
static unsigned char *model(const struct synth *s, int last)
{
	unsigned char *m = calloc(1, s->disk);
	uint64_t d;
	int i;

	must(m != NULL, "calloc");
	for (i = 0; i <= last && i < s->n; i++) {
		const struct ent *e = &s->e[i];

		if (e->flags & F_MARK)
			continue;
		for (d = 0; d < e->nr * s->ss; d++)
			m[e->sector * s->ss + d] =
				(e->flags & F_DISCARD) ? 0 : pat(i, d);
	}
	return m;
}

/* Run lwreplay with args; stdout to out (if given); return exit status. */
static int run(const char *out, char *const args[])
{
	char *argv[16];
	int st, i = 0;
	pid_t pid;

	argv[i++] = (char *)bin;
	while (*args && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	fflush(stdout);
	pid = fork();
	must(pid >= 0, "fork");
	if (!pid) {
		int fd = open(out ? out : "/dev/null",
			      O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		if (!out) {
			int e = open("/dev/null", O_WRONLY);

			if (e >= 0)
				dup2(e, 2);
		}
		execv(bin, argv);
		_exit(127);
	}
	must(waitpid(pid, &st, 0) == pid, "waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	unsigned char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	must(b != NULL, "malloc");
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	b[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Replay s into an image with extra args; compare with model(last). */
static bool replay_is(const struct synth *s, int last, char *const *extra)
{
	char img[512], size[32], out[512];
	char *args[12] = { "replay", (char *)s->path, img, "--size", size };
	unsigned char *want, *got;
	size_t len;
	bool ok;
	int i;

	snprintf(img, sizeof(img), "%s/img", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)s->disk);
	for (i = 0; extra[i] && i < 6; i++)
		args[5 + i] = extra[i];
	if (run(out, args) != 0)
		return false;
	got = slurp(img, &len);
	want = model(s, last);
	ok = got && len == s->disk && !memcmp(got, want, s->disk);
	free(got);
	free(want);
	return ok;
}

/*
 * A log like a journal under load: writes, flushes, FUA writes, marks.
 * Entries 6..9 sit between mark m1 and the next flush: 6, 7 and 9 are
 * plain writes (may have landed), 8 a FUA write (not a candidate).
 */
static void base_log(struct synth *s, const char *path, uint32_t ss)
{
	static const struct ent e[] = {
		{ 0, 0, 2, NULL },		/* 0 */
		{ F_DISCARD, 64, 8, NULL },	/* 1 */
		{ 0, 8, 3, NULL },		/* 2 */
		{ F_FLUSH, 0, 0, NULL },	/* 3 */
		{ F_FUA, 16, 1, NULL },		/* 4 */
		{ F_MARK, 0, 0, "m1" },		/* 5 */
		{ 0, 20, 1, NULL },		/* 6 */
		{ 0, 8, 1, NULL },		/* 7: overwrites part of 2 */
		{ F_FUA, 24, 2, NULL },		/* 8 */
		{ 0, 30, 2, NULL },		/* 9 */
		{ F_FLUSH | F_FUA, 40, 1, NULL },	/* 10 */
		{ 0, 44, 1, NULL },		/* 11 */
		{ F_MARK, 0, 0, "m2" },		/* 12 */
		{ F_DISCARD, 0, 4, NULL },	/* 13: zeroes 0..3 */
		{ F_FLUSH, 0, 0, NULL },	/* 14 */
		{ F_MARK, 0, 0, "dm-log-writes-end" },	/* 15 */
	};

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->ss = ss;
	s->disk = 128ULL * ss;
	s->n = sizeof(e) / sizeof(e[0]);
	memcpy(s->e, e, sizeof(e));
}

static void test_list(const struct synth *s)
{
	char out[512];
	char *args[] = { "list", (char *)s->path, NULL };
	unsigned char *txt;
	size_t len;
	int rc;

	snprintf(out, sizeof(out), "%s/list", dir);
	rc = run(out, args);
	txt = slurp(out, &len);
	tap(rc == 0 && txt &&
	    strstr((char *)txt, "# sectorsize 512 entries 16\n") &&
	    strstr((char *)txt, "\n1 DISCARD 64 8\n") &&
	    strstr((char *)txt, "\n3 FLUSH 0 0\n") &&
	    strstr((char *)txt, "\n4 FUA 16 1\n") &&
	    strstr((char *)txt, "\n5 MARK 0 0 m1\n") &&
	    strstr((char *)txt, "\n6 WRITE 20 1\n") &&
	    strstr((char *)txt, "\n10 FLUSH|FUA 40 1\n") &&
	    strstr((char *)txt, "\n15 MARK 0 0 dm-log-writes-end\n"),
	    "list names every entry with its flags, sectors and mark");
	free(txt);
}

static void test_to_entry(const struct synth *s, const char *what)
{
	char num[16];
	char *extra[] = { "--to-entry", num, NULL };
	bool ok = true;
	int i;

	for (i = 0; i < s->n; i++) {
		snprintf(num, sizeof(num), "%d", i);
		if (!replay_is(s, i, extra)) {
			ok = false;
			fprintf(stderr, "# --to-entry %d differs\n", i);
		}
	}
	tap(ok, "%s: --to-entry N gives the disk after entries 0..N, every N",
	    what);
}

static void test_to_mark(const struct synth *s)
{
	char *m1[] = { "--to-mark", "m1", NULL };
	char *m2[] = { "--to-mark", "m2", NULL };
	char *all[] = { "--all", NULL };
	char img[512], size[32];
	char *none[] = { "replay", (char *)s->path, img, "--size", size,
			 "--to-mark", "nope", NULL };
	char *big[] = { "replay", (char *)s->path, img, "--size", size,
			"--to-entry", "16", NULL };

	tap(replay_is(s, 5, m1), "--to-mark m1 stops right after the mark");
	tap(replay_is(s, 12, m2), "--to-mark m2 (after a flush+FUA write)");
	tap(replay_is(s, s->n - 1, all), "--all replays the whole log "
	    "(discard zeroes)");
	snprintf(img, sizeof(img), "%s/img", dir);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)s->disk);
	tap(run(NULL, none) == 2, "an unknown mark exits 2");
	tap(run(NULL, big) == 2, "--to-entry past the end exits 2");
}

/*
 * --extra-subset after m1: each of entries 6, 7, 9 applied whole or not
 * at all, nothing else changed, the count printed matches, the same seed
 * gives the same image, and over 16 seeds both choices happen.
 */
static void test_subset(const struct synth *s)
{
	static const int cand[] = { 6, 7, 9 };
	char img[512], size[32], seed[16], out[512], want_txt[64];
	char *args[] = { "replay", (char *)s->path, img, "--size", size,
			 "--to-mark", "m1", "--extra-subset", seed, NULL };
	unsigned char *base = model(s, 5), *got, *first = NULL;
	bool ok = true, some_in = false, some_out = false, same = true;
	int sd, c;

	snprintf(img, sizeof(img), "%s/img", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)s->disk);
	for (sd = 0; sd < 16; sd++) {
		unsigned char *exp = malloc(s->disk), *txt;
		size_t len, tl;
		int taken = 0;

		must(exp != NULL, "malloc");
		snprintf(seed, sizeof(seed), "%d", sd);
		if (run(out, args) != 0) {
			ok = false;
			free(exp);
			continue;
		}
		got = slurp(img, &len);
		memcpy(exp, base, s->disk);
		/* decide per candidate from the image, then compare all */
		for (c = 0; c < 3; c++) {
			const struct ent *e = &s->e[cand[c]];
			uint64_t off = e->sector * s->ss, d;

			if (got[off] != pat(cand[c], 0))
				continue;
			taken++;
			for (d = 0; d < e->nr * s->ss; d++)
				exp[off + d] = pat(cand[c], d);
		}
		txt = slurp(out, &tl);
		snprintf(want_txt, sizeof(want_txt), "subset %d: %d of 3 ", sd,
			 taken);
		if (len != s->disk || memcmp(got, exp, s->disk) ||
		    !txt || !strstr((char *)txt, want_txt)) {
			ok = false;
			fprintf(stderr, "# seed %d: image or count wrong\n",
				sd);
		}
		some_in |= taken > 0;
		some_out |= taken < 3;
		if (sd == 3) {
			first = got;
			got = NULL;
		}
		free(got);
		free(txt);
		free(exp);
	}
	snprintf(seed, sizeof(seed), "3");
	if (run(out, args) == 0) {
		size_t len;

		got = slurp(img, &len);
		same = first && got && !memcmp(first, got, s->disk);
		free(got);
	} else {
		same = false;
	}
	tap(ok, "--extra-subset applies only plain writes between the mark "
	    "and the next flush, each whole or not at all");
	tap(some_in && some_out, "--extra-subset: over 16 seeds some writes "
	    "are taken and some left out");
	tap(same, "--extra-subset: the same seed gives the same image");
	free(first);
	free(base);
}

/* Logs lwreplay must refuse (exit 2) rather than replay wrongly. */
static void test_bad(const char *path)
{
	char img[512], size[32];
	char *args[] = { "replay", (char *)path, img, "--size", size,
			 "--all", NULL };
	struct synth s;

	snprintf(img, sizeof(img), "%s/img", dir);
	base_log(&s, path, 512);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)s.disk);
	s.magic = 0x1234;
	synth_write(&s);
	tap(run(NULL, args) == 2, "bad magic exits 2");
	base_log(&s, path, 512);
	s.claim = s.n + 3;
	synth_write(&s);
	tap(run(NULL, args) == 2, "a log shorter than its entry count "
	    "exits 2");
	base_log(&s, path, 512);
	snprintf(size, sizeof(size), "%d", 40 * 512);
	synth_write(&s);
	tap(run(NULL, args) == 2, "a write beyond --size exits 2");
}

/* One 2.5 MiB write: more than lwreplay's copy buffer. */
static void test_big(const char *path)
{
	struct synth s;
	char *extra[] = { "--all", NULL };

	memset(&s, 0, sizeof(s));
	s.path = path;
	s.ss = 512;
	s.disk = 8ULL << 20;
	s.n = 3;
	s.e[0] = (struct ent){ 0, 100, 5120, NULL };
	s.e[1] = (struct ent){ F_FLUSH, 0, 0, NULL };
	s.e[2] = (struct ent){ F_FUA, 9000, 1, NULL };
	synth_write(&s);
	tap(replay_is(&s, 2, extra), "a 2.5 MiB write is copied whole");
}

int main(int argc, char **argv)
{
	char p512[512], p4k[512];
	struct synth s;

	if (argc != 3) {
		fprintf(stderr, "usage: lwreplay_test LWREPLAY WORK_DIR\n");
		return 2;
	}
	bin = argv[1];
	dir = argv[2];
	snprintf(p512, sizeof(p512), "%s/log512", dir);
	snprintf(p4k, sizeof(p4k), "%s/log4k", dir);
	printf("1..15\n");
	base_log(&s, p512, 512);
	synth_write(&s);
	test_list(&s);
	test_to_entry(&s, "512-byte sectors");
	test_to_mark(&s);
	test_subset(&s);
	base_log(&s, p4k, 4096);
	synth_write(&s);
	test_to_entry(&s, "4096-byte sectors");
	test_big(p512);
	test_bad(p512);
	return failed;
}
