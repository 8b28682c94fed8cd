/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafted journal scans for the recovery tests, shared by the KUnit suite
 * synod_jscan (jscan_kunit.c) and the cmocka tests (tests/core/
 * test_jscan.c): the records of a small ring as a power cut in the middle
 * of a batch leaves them.  Pure, as kmod/core: env.h's types only, so both
 * builds include it as it is.
 */
#ifndef SYNOD_JSCAN_FIXTURE_H
#define SYNOD_JSCAN_FIXTURE_H

#include "jscan.h"

/*
 * Record @jseq of a ring of @count records, found in @state.  Its slot is
 * 100 + jseq (a void record's is 0); an intact or void record names its
 * batch [@first, @first + @n), a broken one has no readable header field.
 */
static inline void jscan_fx_put(struct synod_jscan *scan, u32 count,
				u64 jseq, u8 state, u64 first, u32 n)
{
	struct synod_jscan *sc = &scan[synod_jscan_index(jseq, count)];

	synod_memset(sc, 0, sizeof(*sc));
	sc->jseq = jseq;
	sc->state = state;
	sc->slot = state == SYNOD_JS_VOID ? 0 : 100 + jseq;
	sc->slot_known = true;
	if (state == SYNOD_JS_INTACT || state == SYNOD_JS_VOID) {
		sc->batch_first = first;
		sc->batch_n = n;
	}
}

/* A batch of @n intact records from @first, as write_chunk() leaves it. */
static inline void jscan_fx_batch(struct synod_jscan *scan, u32 count,
				  u64 first, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		jscan_fx_put(scan, count, first + i, SYNOD_JS_INTACT, first, n);
}

/*
 * kmod/journal_recover.c's recheck_after_end() without the I/O: read
 * again, from @medium (what the ring holds, as a scan without misreads
 * finds it), each jseq synod_jscan_after_next() names, and keep what
 * synod_jscan_keep() says.  Returns the number of reads; @reads (NULL:
 * not wanted) counts them per ring index.
 */
static inline u32 jscan_fx_after_end(struct synod_jscan *scan,
				     const struct synod_jscan *medium,
				     u32 count, u32 batch_max,
				     struct synod_jscan_end *end, u32 *reads)
{
	struct synod_jscan_after it = {0};
	enum synod_jscan_keep keep;
	u32 idx, n = 0;

	while (synod_jscan_after_next(scan, count, batch_max, end, &it)) {
		idx = synod_jscan_index(it.jseq, count);
		keep = synod_jscan_keep(scan, count, end, it.jseq, &medium[idx]);
		if (keep != SYNOD_JK_NONE)
			scan[idx] = medium[idx];
		if (keep == SYNOD_JK_ASKED)
			it.moved = true;
		if (reads)
			reads[idx]++;
		n++;
	}
	return n;
}

#endif /* SYNOD_JSCAN_FIXTURE_H */
