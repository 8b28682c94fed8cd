// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C for the module: the kernel's crc32c transform (SSE4.2's crc32
 * instruction through crc32c-intel where the CPU has it) behind the same
 * synod_crc32c() the core calls.  The core's table-driven version
 * (kmod/core/crc32c.c, built here as synod_crc32c_sw()) stays the
 * reference: the userspace tests, KUnit and the simulator use it, and the
 * load-time check below compares the transform with it.  Without a usable
 * transform the module uses the kernel's built-in __crc32c_le()
 * (slice-by-8).  Payloads, journal records and frames are checksummed
 * several times per write; one byte per table lookup was a measurable
 * share of a 16 KiB request (issue 10).
 *
 * Which is faster depends on the machine, not only on the CPU's flags:
 * under QEMU's TCG, which emulates each crc32 instruction with a helper
 * call, crc32c-intel was 9% of all CPU time in the 4k write benchmark.
 * So the load times both over the same buffer and keeps the faster one,
 * as the kernel's raid6 and xor code choose their routines at boot.
 *
 * One transform for the module: set at load before netlink is registered
 * (so before any volume exists), freed at unload after every volume is
 * gone; only read in between.  Every call hashes through its own
 * descriptor on the stack.  Not libcrc32c: that is a module of its own,
 * which insmod does not load for us; the crypto API loads the driver.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/crc32.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/stddef.h>

#include "core/crc32c.h"
#include "synod.h"

static struct crypto_shash *crc_tfm;	/* NULL: __crc32c_le() */

/*
 * A crc32c descriptor of exactly its size, not SHASH_DESC_ON_STACK: most
 * calls cover a few bytes, and zeroing a 376-byte frame each time (Debian
 * builds with INIT_STACK_ALL_ZERO) cost as much as the CRC.
 */
struct crc_desc {
	struct shash_desc shash;
	u32 ctx;	/* the running CRC, inverted (synod_crc_init checks) */
};

/*
 * The core's contract (core/crc32c.h): start with 0, chain by passing the
 * result.  Both crc32c drivers keep their running value, inverted, in a
 * 4-byte descriptor context (synod_crc_init() checks the size and the
 * results), so the state is ~crc going in and coming out.
 */
u32 synod_crc32c(u32 crc, const void *buf, size_t len)
{
	struct crc_desc desc;

	BUILD_BUG_ON(offsetof(struct crc_desc, ctx) !=
		     sizeof(struct shash_desc));
	if (!crc_tfm || unlikely(len > UINT_MAX))
		return ~__crc32c_le(~crc, buf, len);
	desc.shash.tfm = crc_tfm;
	desc.ctx = ~crc;
	if (WARN_ON_ONCE(crypto_shash_update(&desc.shash, buf, len)))
		return ~__crc32c_le(~crc, buf, len);
	return ~desc.ctx;
}

/*
 * Does the transform compute CRC-32C with our chaining?  The standard
 * vector, then 1 KiB in two parts (100 bytes: the crc32 instruction; the
 * rest: the PCLMUL path of crc32c-intel), against the core's table.
 */
static bool crc_tfm_agrees(struct crypto_shash *tfm, u8 *buf, u32 len)
{
	static const char check[] = "123456789";
	struct crc_desc desc = { .shash.tfm = tfm };
	u32 i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(i * 7 + 3);
	desc.ctx = ~0u;
	if (crypto_shash_update(&desc.shash, check, 9) ||
	    ~desc.ctx != SYNOD_CRC32C_CHECK)
		return false;
	desc.ctx = ~0u;
	if (crypto_shash_update(&desc.shash, buf, 100) ||
	    crypto_shash_update(&desc.shash, buf + 100, len - 100))
		return false;
	return ~desc.ctx == synod_crc32c_sw(0, buf, len) &&
	       ~__crc32c_le(~0u, buf, len) == ~desc.ctx;
}

/*
 * Bytes per microsecond of @tfm (or of __crc32c_le() if NULL) over @len
 * bytes of @buf: the best of a few passes of several calls each, so that
 * a pass that was preempted or interrupted does not count against it.
 * 4 KiB calls, the size of most payloads.
 */
static u64 crc_rate(struct crypto_shash *tfm, const u8 *buf, u32 len)
{
	struct crc_desc desc = { .shash.tfm = tfm };
	u64 best = U64_MAX, t;
	u32 pass, i, sink = 0;

	for (pass = 0; pass < 4; pass++) {
		t = ktime_get_ns();
		for (i = 0; i < 16; i++) {
			desc.ctx = ~0u;
			if (!tfm)
				sink ^= __crc32c_le(~0u, buf, len);
			else if (crypto_shash_update(&desc.shash, buf, len))
				return 0;
			sink ^= desc.ctx;
		}
		t = ktime_get_ns() - t;
		best = min(best, t);
	}
	barrier_data(&sink);
	return div64_u64(16ull * len * NSEC_PER_USEC, max(best, 1ull));
}

/*
 * Load: take the transform if it keeps 4 bytes of state, agrees with
 * the table and is faster here than __crc32c_le(); otherwise say why
 * and use __crc32c_le().  An on-disk checksum that changed with the CPU
 * would make disks unreadable: both compute the same CRC, checked here.
 */
void synod_crc_init(void)
{
	struct crypto_shash *tfm;
	const u32 len = 4096;
	u64 fast, lib;
	u8 *buf;

	tfm = crypto_alloc_shash("crc32c", 0, 0);
	if (IS_ERR(tfm)) {
		pr_warn("no crc32c transform (%ld): CRC-32C by the kernel's library\n",
			PTR_ERR(tfm));
		return;
	}
	buf = kmalloc(len, GFP_KERNEL);
	if (crypto_shash_descsize(tfm) != sizeof(u32) || !buf ||
	    !crc_tfm_agrees(tfm, buf, len)) {
		pr_warn("crc32c transform %s not usable (state %u bytes%s): CRC-32C by the kernel's library\n",
			crypto_shash_driver_name(tfm),
			crypto_shash_descsize(tfm), buf ? "" : ", no memory");
		kfree(buf);
		crypto_free_shash(tfm);
		return;
	}
	fast = crc_rate(tfm, buf, len);
	lib = crc_rate(NULL, buf, len);
	kfree(buf);
	if (fast <= lib) {
		pr_info("CRC-32C by the kernel's library (%llu MB/s; %s %llu MB/s)\n",
			lib, crypto_shash_driver_name(tfm), fast);
		crypto_free_shash(tfm);
		return;
	}
	crc_tfm = tfm;
	pr_info("CRC-32C by %s (%llu MB/s; the kernel's library %llu MB/s)\n",
		crypto_shash_driver_name(tfm), fast, lib);
}

void synod_crc_exit(void)
{
	crypto_free_shash(crc_tfm);	/* NULL is fine */
	crc_tfm = NULL;
}
