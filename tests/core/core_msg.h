/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hand-made messages for the cmocka tests of kmod/core: every test
 * cluster is volume 7 at epoch 1, so only the type and the two ends
 * differ; each test then sets the fields its message type carries.
 */
#ifndef SYNOD_CORE_MSG_H
#define SYNOD_CORE_MSG_H

#include <string.h>

#include "replica.h"

static inline struct synod_msg core_msg(u8 type, int from, int to)
{
	struct synod_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.from = (u16)from;
	m.to = (u16)to;
	m.volume = 7;
	m.epoch = 1;
	return m;
}

/*
 * A CATCHUP|SNAPSHOT as a source sends it: the target is behind @base,
 * the source's commit index is @commit and its checkpoint @aux; @cfg,
 * the configuration at that checkpoint, travels as one CONFIG entry
 * (NULL: none, as an older module or a source that cannot serve sends).
 */
static inline struct synod_msg core_snapshot(int from, int to, u64 base,
					     u64 commit, u64 aux,
					     const struct synod_config *cfg)
{
	struct synod_msg m = core_msg(SYNOD_MSG_CATCHUP, from, to);

	m.flags = SYNOD_MSGF_SNAPSHOT;
	m.slot = base;
	m.commit = commit;
	m.aux = aux;
	if (cfg) {
		m.count = 1;
		m.e[0].slot = aux;
		m.e[0].kind = SYNOD_ENTRY_CONFIG;
		m.e[0].cfg = *cfg;
	}
	return m;
}

#endif
