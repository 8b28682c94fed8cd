/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replica addresses as administrators write them ("10.0.0.2:7790",
 * "[fd00::2]:7790") and as the kernel takes them (struct sockaddr_in or
 * sockaddr_in6), peer specifications ("2=10.0.0.2:7790"), and the shared
 * secret file.  No name resolution: a volume's peers must not depend on
 * DNS being up.
 */
#ifndef SYNOD_LIB_ADDR_H
#define SYNOD_LIB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "[" IPv6 "]:" port and the NUL */
#define SYNOD_ADDR_STR_MAX	(46 + 8)
/* Node ids are 0 .. 7 (membership is a bitmask of eight). */
#define SYNOD_NODE_MAX		7
/* Shared secret: at least 16 bytes, at most 64 are used. */
#define SYNOD_SECRET_MIN	16
#define SYNOD_SECRET_MAX	64
/* A secret file larger than this is not a key file. */
#define SYNOD_SECRET_FILE_MAX	4096

/* addr.c */
int synod_addr_parse(const char *s, struct sockaddr_storage *ss);
size_t synod_addr_len(const struct sockaddr_storage *ss);
void synod_addr_format(const struct sockaddr_storage *ss, char *buf,
		       size_t len);
int synod_node_parse(const char *s, uint32_t *node);
int synod_peer_parse(const char *s, uint32_t *node,
		     struct sockaddr_storage *ss, bool *has_addr);
int synod_secret_read(const char *path, uint8_t secret[SYNOD_SECRET_MAX],
		      size_t *len, bool *exposed);

#endif /* SYNOD_LIB_ADDR_H */
