/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared secret of a replicated volume on disk and at attach.
 *
 * The superblock (format 2) keeps only a fingerprint of the secret:
 *
 *	HMAC-SHA256(key = secret, "synod secret fingerprint v1\0" | uuid)
 *
 * with the replica's volume UUID from the superblock.  A fingerprint lets
 * attach refuse a wrong secret file before the replica runs, and tells an
 * attacker who reads the disk nothing he can use: HMAC is a PRF under the
 * secret, so the fingerprint reveals the secret only to a brute-force
 * search, hopeless for the random 16 to 64 bytes the guide prescribes;
 * the UUID makes fingerprints of one secret differ between replicas and
 * volumes (no precomputed tables, no telling that two disks share a
 * secret); the label keeps it apart from every other HMAC keyed with the
 * secret (the link handshake's proofs use "synod-link-v1"), so it can
 * never stand in for one.  Documentation/ondisk.rst says the same.
 *
 * SHA-256 is the kernel library's (lib/crypto), exported on every kernel
 * we build for; no transform to allocate, no sleeping.
 */
#ifndef SYNOD_SECRET_H
#define SYNOD_SECRET_H

#include <linux/types.h>

#include "core/ondisk.h"

/* What the fingerprint's HMAC covers before the UUID (the NUL included). */
#define SYNOD_SECRET_FP_LABEL	"synod secret fingerprint v1"

void synod_secret_fingerprint(const u8 *secret, u32 len, const u8 uuid[16],
			      u8 out[SYNOD_SB_FP_LEN]);

/*
 * Attach: may @secret (@len bytes; NULL and 0 if none was given) run the
 * volume whose superblock is @sb?  0 if so; -ENOKEY if a replicated
 * volume got none, -EINVAL if a single-replica volume got one,
 * -EKEYREJECTED if it differs from the one the volume was created with
 * (the caller words the extended ACK; no netlink here, so that KUnit on
 * UML needs no network stack).  A format 1 superblock that stores the
 * same secret is converted in memory to format 2 (its fingerprint, the
 * secret wiped) and *@convert set: the caller writes it to both copies.
 * The format 1 secret in @sb is wiped whatever the outcome.
 */
int synod_secret_check(struct synod_sb *sb, const u8 *secret, u32 len,
		       bool *convert);

#endif /* SYNOD_SECRET_H */
