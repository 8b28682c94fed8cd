// SPDX-License-Identifier: GPL-2.0
/*
 * synod-load's history files, one per client (DIR/client-C.jsonl), in the
 * format lincheck reads (Documentation/fault-tier.rst):
 *
 *   {"client":C,"seq":N,"invoke":true,"op":"write","block":B,"value":V,
 *    "call":NS}                                  before the op is issued
 *   {"client":C,"seq":N,"op":"write","block":B,"value":V,"call":NS,
 *    "return":NS,"ok":true|false|"unknown"}      after it returned
 *
 * with "node", "clock", "corrupt", "foreign" and "dev" when they apply.
 * The lines of one batch go out in one write(2) on an O_APPEND file, so a
 * process killed between two ops leaves whole lines: its last invokes
 * without completions are the ops whose outcome nobody knows.
 */
#define _GNU_SOURCE
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hist_open(struct hist *h, const struct load_cfg *cfg, int64_t client,
	      const char *path)
{
	*h = (struct hist){ .client = client, .cfg = cfg, .cap = 1 << 16 };
	h->buf = malloc(h->cap);
	if (!h->buf)
		return -1;
	h->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		     0644);
	if (h->fd < 0) {
		fprintf(stderr, "synod-load: %s: %s\n", path, strerror(errno));
		free(h->buf);
		return -1;
	}
	return 0;
}

static void put(struct hist *h, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(h->buf + h->len, h->cap - h->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < h->cap - h->len)
			break;
		/* a full buffer goes out first; lines stay whole */
		if (hist_flush(h))
			return;
		if ((size_t)n >= h->cap)
			return;		/* cannot happen: lines are short */
	}
	h->len += (size_t)n;
}

/* The keys every line of this client carries after its own. */
static void tail(struct hist *h, const char *dev)
{
	if (h->cfg && h->cfg->node >= 0)
		put(h, ",\"node\":%" PRId64, h->cfg->node);
	if (h->cfg && h->cfg->clock_name)
		put(h, ",\"clock\":\"%s\"", h->cfg->clock_name);
	if (dev)
		put(h, ",\"dev\":\"%s\"", dev);
	put(h, "}\n");
}

void hist_invoke(struct hist *h, const struct hist_line *l)
{
	put(h, "{\"client\":%" PRId64 ",\"seq\":%" PRIu64 ",\"invoke\":true,"
	    "\"op\":\"%s\",\"block\":%" PRIu64 ",\"value\":%" PRIu64
	    ",\"call\":%" PRIu64, h->client, l->seq,
	    l->write ? "write" : "read", l->block, l->write ? l->value : 0,
	    l->call);
	tail(h, NULL);
}

void hist_complete(struct hist *h, const struct hist_line *l)
{
	put(h, "{\"client\":%" PRId64 ",\"seq\":%" PRIu64 ",\"op\":\"%s\","
	    "\"block\":%" PRIu64 ",\"value\":%" PRIu64 ",\"call\":%" PRIu64
	    ",\"return\":%" PRIu64 ",\"ok\":%s%s%s", h->client, l->seq,
	    l->write ? "write" : "read", l->block, l->value, l->call, l->ret,
	    l->ok == LOAD_TRUE ? "true" :
	    l->ok == LOAD_FALSE ? "false" : "\"unknown\"",
	    l->corrupt ? ",\"corrupt\":true" : "",
	    l->foreign ? ",\"foreign\":true" : "");
	tail(h, l->dev);
}

/* Write the batch; on an error the history is incomplete: say so. */
int hist_flush(struct hist *h)
{
	size_t off = 0;

	while (off < h->len) {
		ssize_t r = write(h->fd, h->buf + off, h->len - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "synod-load: client %" PRId64 ": "
				"history write: %s\n", h->client,
				r < 0 ? strerror(errno) : "short");
			h->len = 0;
			return -1;
		}
		off += (size_t)r;
	}
	h->len = 0;
	return 0;
}

void hist_close(struct hist *h)
{
	hist_flush(h);
	close(h->fd);
	free(h->buf);
	h->buf = NULL;
}
