/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by synodctl and the daemons: names of uapi enums,
 * UUID and size formatting, and input checks done before the kernel sees
 * a request.
 */
#ifndef SYNOD_LIB_UTIL_H
#define SYNOD_LIB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SYNOD_UUID_LEN		16
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and the NUL */
#define SYNOD_UUID_STR_LEN	37
/* "/dev/" + a disk name; disk names are at most 31 bytes (DISK_NAME_LEN) */
#define SYNOD_DEVPATH_MAX	40

/* util.c */
void synod_uuid_format(const uint8_t uuid[SYNOD_UUID_LEN],
		       char out[SYNOD_UUID_STR_LEN]);
const char *synod_role_name(uint32_t role);
const char *synod_event_name(uint32_t event);
const char *synod_peer_state_name(uint32_t state);
const char *synod_link_mac_name(uint32_t mac);
const char *synod_on_no_quorum_name(uint32_t v);
int synod_name_check(const char *name);
int synod_backing_check(const char *path);
int synod_parse_u32(const char *s, uint32_t *out);
void synod_size_human(uint64_t bytes, char *buf, size_t len);
void synod_device_path(const char *disk, char *buf, size_t len);

#endif /* SYNOD_LIB_UTIL_H */
