/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages cut by the payload bytes their entries name (msg_cut.c):
 * catch-up answers and promises cut short, ACCEPTs sent in parts.  Pure
 * arithmetic on a message, its payloads' lengths asked of the caller, so
 * KUnit tests it without a replica or a link.
 */
#ifndef SYNOD_MSG_CUT_H
#define SYNOD_MSG_CUT_H

#include <linux/types.h>

#include "core/wire.h"

/* Payload bytes entry @e names that are held here (0: none held). */
typedef u64 (*synod_cut_bytes_fn)(void *ctx, const struct synod_entry *e);

/* What synod_cut_answer() did to a message. */
enum synod_cut {
	SYNOD_CUT_NONE,		/* left whole */
	SYNOD_CUT_CATCHUP,	/* a CATCHUP answer, ending earlier */
	SYNOD_CUT_PROMISE,	/* a PROMISE, marked PART */
};

u32 synod_cut_head(const struct synod_msg *m, synod_cut_bytes_fn bytes,
		   void *ctx, u64 limit);
enum synod_cut synod_cut_answer(struct synod_msg *m, synod_cut_bytes_fn bytes,
				void *ctx, u64 limit);
u32 synod_cut_part(struct synod_msg *m, synod_cut_bytes_fn bytes, void *ctx,
		   u64 limit);
void synod_cut_next(struct synod_msg *m, u32 rest);

#endif
