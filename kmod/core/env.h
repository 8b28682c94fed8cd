/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The environment of the pure core: fixed-width types, a few builtins and
 * the assertion macro, mapped for the kernel and for userspace.
 *
 * Files in kmod/core/ include only this header (and each other).  They make
 * no kernel or libc calls, allocate nothing and read no clock, so that the
 * same files build into synod.ko, into KUnit on UML, into the cmocka unit
 * tests and into the simulator.
 */
#ifndef SYNOD_CORE_ENV_H
#define SYNOD_CORE_ENV_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/stddef.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#endif

#define synod_memcpy(d, s, n)	__builtin_memcpy((d), (s), (n))
#define synod_memset(d, c, n)	__builtin_memset((d), (c), (n))
#define synod_memcmp(a, b, n)	__builtin_memcmp((a), (b), (n))

/*
 * Zero memory that held a secret, so that the compiler cannot drop the
 * store as dead (memzero_explicit() and explicit_bzero() do the same: a
 * barrier that claims to read the memory).
 */
static inline void synod_wipe(void *p, size_t n)
{
	__builtin_memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/*
 * synod_assert() states an invariant.  Userspace tests abort on failure so
 * that the failing seed or test stops at once.  In the kernel a failed
 * assertion warns once and calls synod_core_assert_fail(), which the user
 * of the core provides: the module records it against the replica whose
 * core is running on this CPU and fences that volume alone (fails its I/O
 * with -EIO, see kmod/replica.c); KUnit sets a flag the suites check.  It
 * never crashes the machine.
 */
#ifdef __KERNEL__
void synod_core_assert_fail(void);
#define synod_assert(cond) do {						\
	if (WARN_ONCE(!(cond), "synod: assertion failed: %s (%s:%d)",	\
		      #cond, __FILE__, __LINE__))			\
		synod_core_assert_fail();				\
} while (0)
#else
void synod_assert_fail(const char *cond, const char *file, int line)
	__attribute__((noreturn));
#define synod_assert(cond) do {						\
	if (!(cond))							\
		synod_assert_fail(#cond, __FILE__, __LINE__);		\
} while (0)
#endif

/* Endian helpers for wire and on-disk encoding: both are little-endian. */
static inline void synod_put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void synod_put_le32(u8 *p, u32 v)
{
	synod_put_le16(p, (u16)v);
	synod_put_le16(p + 2, (u16)(v >> 16));
}

static inline void synod_put_le64(u8 *p, u64 v)
{
	synod_put_le32(p, (u32)v);
	synod_put_le32(p + 4, (u32)(v >> 32));
}

static inline u16 synod_get_le16(const u8 *p)
{
	return (u16)(p[0] | (p[1] << 8));
}

static inline u32 synod_get_le32(const u8 *p)
{
	return (u32)synod_get_le16(p) | ((u32)synod_get_le16(p + 2) << 16);
}

static inline u64 synod_get_le64(const u8 *p)
{
	return (u64)synod_get_le32(p) | ((u64)synod_get_le32(p + 4) << 32);
}

/*
 * True if @len bytes at @p are all zero: decoders use it to refuse
 * reserved bytes and padding that a newer or broken writer filled.
 */
static inline bool synod_all_zero(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

#endif /* SYNOD_CORE_ENV_H */
