// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers with no I/O, so that they are unit tested directly.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <synod.h>

#include "lib/util.h"

/*
 * Canonical 8-4-4-4-12 lower-case form, as libuuid's uuid_unparse_lower
 * and the kernel's %pUb print it, so that our output can be compared with
 * blkid's.
 */
void synod_uuid_format(const uint8_t uuid[SYNOD_UUID_LEN],
		       char out[SYNOD_UUID_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	int i;

	for (i = 0; i < SYNOD_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid[i] >> 4];
		*p++ = hex[uuid[i] & 0xf];
	}
	*p = '\0';
	assert(p - out == SYNOD_UUID_STR_LEN - 1);
}

/*
 * names[v] of a table indexed by a uapi enum.  A value from a newer
 * module (past the table, or a hole in it) is "unknown" rather than
 * refused, so an old synodctl still lists volumes.
 */
#define ENUM_NAME(names, v)						\
	((v) < sizeof(names) / sizeof((names)[0]) && (names)[v] ?	\
	 (names)[v] : "unknown")

/* Names of enum synod_role. */
const char *synod_role_name(uint32_t role)
{
	static const char *const names[] = {
		[SYNOD_ROLE_DOWN] = "down",
		[SYNOD_ROLE_FOLLOWER] = "follower",
		[SYNOD_ROLE_CANDIDATE] = "candidate",
		[SYNOD_ROLE_LEADER] = "leader",
		[SYNOD_ROLE_LEARNER] = "learner",
	};

	return ENUM_NAME(names, role);
}

/* Names of enum synod_event, the verbs printed by `synodctl events`. */
const char *synod_event_name(uint32_t event)
{
	static const char *const names[] = {
		[SYNOD_EVENT_VOLUME_CREATED] = "created",
		[SYNOD_EVENT_VOLUME_ATTACHED] = "attached",
		[SYNOD_EVENT_VOLUME_DELETED] = "deleted",
		[SYNOD_EVENT_ROLE_CHANGED] = "role-changed",
		[SYNOD_EVENT_PEER_CONNECTED] = "peer-connected",
		[SYNOD_EVENT_PEER_DISCONNECTED] = "peer-disconnected",
		[SYNOD_EVENT_QUORUM_LOST] = "quorum-lost",
		[SYNOD_EVENT_QUORUM_REGAINED] = "quorum-regained",
		[SYNOD_EVENT_VOLUME_UP] = "up",
		[SYNOD_EVENT_VOLUME_DOWN] = "down",
		[SYNOD_EVENT_PEER_ADDED] = "peer-added",
		[SYNOD_EVENT_PEER_REMOVED] = "peer-removed",
	};

	return ENUM_NAME(names, event);
}

/* Names of enum synod_peer_state, as status prints them. */
const char *synod_peer_state_name(uint32_t state)
{
	static const char *const names[] = {
		[SYNOD_PEER_DOWN] = "down",
		[SYNOD_PEER_CONNECTING] = "connecting",
		[SYNOD_PEER_CONNECTED] = "connected",
		[SYNOD_PEER_SELF] = "self",
	};

	return ENUM_NAME(names, state);
}

/* Names of enum synod_link_mac, as status prints them. */
const char *synod_link_mac_name(uint32_t mac)
{
	static const char *const names[] = {
		[SYNOD_LINK_MAC_NONE] = "none",
		[SYNOD_LINK_MAC_HMAC_SHA256] = "hmac-sha256",
		[SYNOD_LINK_MAC_BLAKE2B] = "blake2b",
		[SYNOD_LINK_MAC_POLY1305] = "poly1305",
	};

	return ENUM_NAME(names, mac);
}

/* Names of enum synod_on_no_quorum, as on the command line. */
const char *synod_on_no_quorum_name(uint32_t v)
{
	if (v == SYNOD_NO_QUORUM_SUSPEND)
		return "suspend";
	if (v == SYNOD_NO_QUORUM_ERROR)
		return "error";
	return "unknown";
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/*
 * A volume name becomes part of device paths (/dev/synod/NAME) and log
 * lines, so keep it to [A-Za-z0-9._-], not starting with '.' or '-', and
 * at most SYNOD_NAME_MAX bytes.  Returns 0, -EINVAL or -ENAMETOOLONG.
 */
int synod_name_check(const char *name)
{
	size_t len = strlen(name);
	size_t i;

	if (len == 0 || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	if (len > SYNOD_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return -EINVAL;
	return 0;
}

/* The kernel opens the path itself; only its length is ours to check. */
int synod_backing_check(const char *path)
{
	size_t len = strlen(path);

	if (len == 0)
		return -EINVAL;
	if (len > SYNOD_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Strict decimal: no sign, no blanks, no trailing garbage, no overflow. */
int synod_parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/*
 * Binary units for people: "512 B", "1020 MiB", "1.5 GiB".  Whole numbers
 * print without a fraction so that exact sizes read exactly.
 */
void synod_size_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	unsigned int u = 0;
	uint64_t div = 1;

	while (u + 1 < sizeof(units) / sizeof(units[0]) &&
	       bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (bytes % div == 0)
		snprintf(buf, len, "%" PRIu64 " %s", bytes / div, units[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / (double)div,
			 units[u]);
}

/* The kernel reports a disk name ("synod0"); users want its path. */
void synod_device_path(const char *disk, char *buf, size_t len)
{
	if (disk[0] == '/')
		snprintf(buf, len, "%s", disk);
	else
		snprintf(buf, len, "/dev/%s", disk);
}
