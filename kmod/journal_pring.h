/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where payloads go in a journal's payload ring (format 3): the extent a
 * record holds there, and the search for free bytes (journal_pring.c).
 * Pure arithmetic on extents, so KUnit tests it without a journal.
 */
#ifndef SYNOD_JOURNAL_PRING_H
#define SYNOD_JOURNAL_PRING_H

#include <linux/limits.h>
#include <linux/types.h>

/* The payload ring bytes a format 3 record holds (len 0: none). */
struct synod_jext {
	u64 off;			/* first byte, in the payload ring */
	u32 len;			/* bytes: all its payloads */
	/*
	 * an earlier record of the same slot, still held, wrote them and
	 * names them too; this one wrote nothing there (journal_share.c)
	 */
	bool shared;
};

/* No free run holds the bytes asked for (synod_pring_place()). */
#define SYNOD_PRING_NONE	U64_MAX

u64 synod_pring_place(struct synod_jext *busy, u32 nbusy, u64 psize,
		      u64 head, u32 len);

#endif
