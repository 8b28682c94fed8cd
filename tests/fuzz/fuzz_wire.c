// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the wire decoder.  Each input is decoded twice: as
 * received (almost always refused by the CRC, which exercises the header
 * checks) and with a correct CRC patched in, so that the fuzzer reaches
 * the body and entry parsers.  Whatever decodes must re-encode to the same
 * bytes: decode and encode are inverse on every accepted message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "wire.h"

void synod_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "synod: assertion failed: %s (%s:%d)\n", cond, file,
		line);
	abort();
}

static struct synod_msg msg;
static u8 buf[SYNOD_WIRE_MAX_LEN + 64];
static u8 again[SYNOD_WIRE_MAX_LEN];

static void roundtrip(const u8 *data, u32 len)
{
	u32 n;

	if (synod_wire_decode(data, len, &msg) != SYNOD_WIRE_OK)
		return;
	n = synod_wire_encode(&msg, again, sizeof(again));
	if (n != len || memcmp(again, data, len))
		abort();	/* accepted bytes must be canonical */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u32 len = size > sizeof(buf) ? sizeof(buf) : (u32)size;

	roundtrip(data, len);
	memcpy(buf, data, len);
	if (len >= SYNOD_WIRE_HDR_LEN) {
		/* Make the header self-consistent: magic, length, CRC. */
		synod_put_le32(buf, SYNOD_WIRE_MAGIC);
		synod_put_le16(buf + 4, SYNOD_WIRE_VERSION);
		synod_put_le32(buf + 32, len);
		synod_put_le32(buf + 36, 0);
		synod_put_le32(buf + 36, synod_crc32c(0, buf, len));
	}
	roundtrip(buf, len);
	return 0;
}
