// SPDX-License-Identifier: GPL-2.0
/*
 * What the journal tells the down line, status and the test hook about
 * itself (contract: journal.h).  Each is read under the journal's lock,
 * where the write path and recovery change them; none is on the I/O
 * path.
 */
#include <linux/mutex.h>

#include "journal_priv.h"

void synod_journal_counters(struct synod_journal *j, u64 *records,
			    u64 *written, u64 *bios, u64 *corrupt)
{
	u64 n = 0;
	u32 i;

	mutex_lock(&j->lock);
	for (i = 0; i < j->count; i++)
		n += j->slot[i] != SLOT_FREE;
	*records = n;
	*written = j->written;
	*bios = j->bios;
	*corrupt = j->corrupt;
	mutex_unlock(&j->lock);
}

/* @field, one of @j's counters, as the lock holder last left it. */
static u64 locked_read(struct synod_journal *j, const u64 *field)
{
	u64 n;

	mutex_lock(&j->lock);
	n = *field;
	mutex_unlock(&j->lock);
	return n;
}

u64 synod_journal_chunks(struct synod_journal *j)
{
	return locked_read(j, &j->chunks);
}

u64 synod_journal_shared(struct synod_journal *j)
{
	return locked_read(j, &j->shared);
}

#if defined(SYNOD_JOURNAL_DEBUGFS) || defined(SYNOD_TESTING)
u64 synod_journal_pring_held(struct synod_journal *j)
{
	u64 n = 0;
	u32 i;

	mutex_lock(&j->lock);
	for (i = 0; i < j->count; i++)
		if (j->slot[i] != SLOT_FREE && !j->ext[i].shared)
			n += j->ext[i].len;
	mutex_unlock(&j->lock);
	return n;
}
#endif
