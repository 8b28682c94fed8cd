// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C for the module: the kernel's crc32c transform (SSE4.2's crc32
 * instruction through crc32c-intel where the CPU has it) behind the same
 * synod_crc32c() the core calls.  The core's table-driven version
 * (kmod/core/crc32c.c, built here as synod_crc32c_sw()) stays the
 * reference: the userspace tests, KUnit and the simulator use it, and the
 * module falls back to it if the transform cannot be had, after checking
 * at load that both agree.  Payloads, journal records and frames are
 * checksummed several times per write, one byte per table lookup was a
 * measurable share of a 16 KiB request (issue 10).
 *
 * One transform for the module, allocated at load and only read after:
 * every call hashes through its own descriptor on the stack, as
 * lib/libcrc32c.c does.  Not libcrc32c itself: that is a module of its
 * own, which insmod does not load; the crypto API loads the driver.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/string.h>

#include "core/crc32c.h"
#include "synod.h"

u32 synod_crc32c_sw(u32 crc, const void *buf, size_t len);

static struct crypto_shash *crc_tfm;	/* NULL: the table-driven one */

/*
 * The core's contract (core/crc32c.h): start with 0, chain by passing the
 * result.  The transform keeps its state inverted in a u32 (the
 * descriptor context of crc32c, which the libcrc32c library relies on
 * too), so the state is ~crc going in and coming out.
 */
u32 synod_crc32c(u32 crc, const void *buf, size_t len)
{
	struct crypto_shash *tfm = READ_ONCE(crc_tfm);
	SHASH_DESC_ON_STACK(desc, tfm);
	u32 *state = (u32 *)shash_desc_ctx(desc);

	if (!tfm)
		return synod_crc32c_sw(crc, buf, len);
	desc->tfm = tfm;
	*state = ~crc;
	if (WARN_ON_ONCE(crypto_shash_update(desc, buf, len)))
		return synod_crc32c_sw(crc, buf, len);
	return ~*state;
}

/*
 * Load: take the transform and check it against the table on the standard
 * vector and on a buffer longer than the drivers' SIMD threshold, chained
 * in two parts; any difference keeps the table (and says so), since an
 * on-disk checksum that changes with the CPU would make disks unreadable.
 */
int synod_crc_init(void)
{
	static const char check[] = "123456789";
	struct crypto_shash *tfm;
	u8 buf[1024];
	u32 i, a, b;

	tfm = crypto_alloc_shash("crc32c", 0, 0);
	if (IS_ERR(tfm)) {
		pr_warn("no crc32c transform (%ld): using the table-driven CRC-32C\n",
			PTR_ERR(tfm));
		return 0;
	}
	if (crypto_shash_descsize(tfm) != sizeof(u32)) {
		pr_warn("crc32c transform %s keeps %u bytes of state, not 4: using the table-driven CRC-32C\n",
			crypto_shash_driver_name(tfm),
			crypto_shash_descsize(tfm));
		crypto_free_shash(tfm);
		return 0;
	}
	WRITE_ONCE(crc_tfm, tfm);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 3);
	a = synod_crc32c(synod_crc32c(0, buf, 100), buf + 100,
			 sizeof(buf) - 100);
	b = synod_crc32c_sw(0, buf, sizeof(buf));
	if (synod_crc32c(0, check, 9) != SYNOD_CRC32C_CHECK || a != b) {
		pr_warn("crc32c transform %s disagrees with CRC-32C: using the table-driven one\n",
			crypto_shash_driver_name(tfm));
		WRITE_ONCE(crc_tfm, NULL);
		crypto_free_shash(tfm);
		return 0;
	}
	pr_info("CRC-32C by %s\n", crypto_shash_driver_name(tfm));
	return 0;
}

void synod_crc_exit(void)
{
	struct crypto_shash *tfm = crc_tfm;

	WRITE_ONCE(crc_tfm, NULL);
	if (tfm)
		crypto_free_shash(tfm);
}
