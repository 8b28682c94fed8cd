// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C for the module: the kernel's crc32c transform (SSE4.2's crc32
 * instruction through crc32c-intel where the CPU has it) behind the same
 * synod_crc32c() the core calls.  The core's table-driven version
 * (kmod/core/crc32c.c, built here as synod_crc32c_sw()) stays the
 * reference: the userspace tests, KUnit and the simulator use it, and the
 * load-time check below compares the transform with it.  Without a usable
 * transform, or where it is clearly slower, the module uses the kernel's
 * built-in __crc32c_le() (slice-by-8).  Payloads, journal records and frames are checksummed
 * several times per write; one byte per table lookup was a measurable
 * share of a 16 KiB request (issue 10).
 *
 * Which is faster depends on the machine, not only on the CPU's flags:
 * under QEMU's TCG, which emulates each crc32 instruction with a helper
 * call, crc32c-intel was 9% of all CPU time in the 4k write benchmark,
 * and the load measured it at 156-183 MB/s against the library's 525-778
 * MB/s (6.1 and 6.12 guests, 2026-12).
 * So the load times both over the same buffer and keeps the transform
 * unless the library is clearly faster, as the kernel's raid6 and xor
 * code choose their routines at boot.
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
 * vector, then 4 KiB in two parts (100 bytes: the crc32 instruction; the
 * rest: the PCLMUL path of crc32c-intel), against the core's table and
 * the kernel's library.
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

/* The timed CRCs' results, stored so that no call is dead code. */
static u32 crc_rate_sink;

/* How often the load's timing runs each implementation (crc_best_ns()). */
#define CRC_RATE_PASSES	4
#define CRC_RATE_CALLS	16

/*
 * The best time, in ns, of CRC_RATE_PASSES passes of CRC_RATE_CALLS
 * chained calls over @len bytes of @buf: of @tfm, or of __crc32c_le()
 * if NULL.  Chained, as the module calls it, and the result stored, so
 * that no call can be merged or dropped (__crc32c_le() is __pure, and a
 * pure call whose result goes nowhere is dead code); the best pass, so that
 * one that was interrupted does not count.  0: the transform failed, or
 * the clock is too coarse to tell.
 */
static u64 crc_best_ns(struct crypto_shash *tfm, const u8 *buf, u32 len)
{
	struct crc_desc desc = { .shash.tfm = tfm, .ctx = ~0u };
	u64 best_ns = U64_MAX, t;
	u32 pass, i, crc = ~0u;

	for (pass = 0; pass < CRC_RATE_PASSES; pass++) {
		t = ktime_get_ns();
		for (i = 0; i < CRC_RATE_CALLS; i++) {
			if (!tfm)
				crc = __crc32c_le(crc, buf, len);
			else if (crypto_shash_update(&desc.shash, buf, len))
				return 0;
		}
		t = ktime_get_ns() - t;
		best_ns = min(best_ns, t);
	}
	WRITE_ONCE(crc_rate_sink, crc ^ desc.ctx);
	return best_ns == U64_MAX ? 0 : best_ns;
}

/* MB/s (bytes per us) of CRC_RATE_CALLS calls of @len bytes in @ns. */
static u64 crc_mbps(u32 len, u64 ns)
{
	return ns ? div64_u64((u64)CRC_RATE_CALLS * len * NSEC_PER_USEC, ns) : 0;
}

/*
 * Load: take the transform if it keeps 4 bytes of state, agrees with
 * the table and the library, and is not clearly slower here than the
 * library (by more than a quarter: a noisy guest must not flip the
 * choice from one load to the next, and native CPUs keep the driver);
 * otherwise say why and use __crc32c_le().  Both compute the same CRC,
 * checked here: what is on disk never depends on the choice.
 */
void synod_crc_init(void)
{
	struct crypto_shash *tfm;
	const u32 len = 4096;
	u64 tfm_ns, lib_ns;
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
	tfm_ns = crc_best_ns(tfm, buf, len);
	lib_ns = crc_best_ns(NULL, buf, len);
	kfree(buf);
	if (tfm_ns && lib_ns && lib_ns + lib_ns / 4 < tfm_ns) {
		pr_info("CRC-32C by the kernel's library (%llu MB/s; %s %llu MB/s)\n",
			crc_mbps(len, lib_ns), crypto_shash_driver_name(tfm),
			crc_mbps(len, tfm_ns));
		crypto_free_shash(tfm);
		return;
	}
	crc_tfm = tfm;
	pr_info("CRC-32C by %s (%llu MB/s; the kernel's library %llu MB/s)\n",
		crypto_shash_driver_name(tfm), crc_mbps(len, tfm_ns),
		crc_mbps(len, lib_ns));
}

void synod_crc_exit(void)
{
	crypto_free_shash(crc_tfm);	/* NULL is fine */
	crc_tfm = NULL;
}
