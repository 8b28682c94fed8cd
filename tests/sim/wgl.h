/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linearizability of one register's history, by the Wing & Gong search with
 * Lowe's memoisation ("Testing for linearizability", 2017): try the calls
 * that are minimal in real-time order, backtrack on a return that cannot be
 * reached, and remember (linearized set, register value) pairs already seen.
 */
#ifndef SYNOD_SIM_WGL_H
#define SYNOD_SIM_WGL_H

#include <stdbool.h>
#include <stdint.h>

#define WGL_NEVER	UINT64_MAX	/* return time of an op of unknown outcome */

struct wgl_op {
	bool write;
	uint64_t value;		/* written, or returned by the read */
	uint64_t call;
	uint64_t ret;		/* WGL_NEVER: may take effect any time after call */
};

enum wgl_result {
	WGL_OK = 0,
	WGL_VIOLATION,
	WGL_GAVE_UP,		/* search budget exhausted */
};

/* Check @n ops on a register that starts at @initial. */
enum wgl_result wgl_check(const struct wgl_op *ops, int n, uint64_t initial,
			  uint64_t budget);

/*
 * The same for a register that starts at any one of @ninitial values (a
 * window of a longer history: "any value written before it"); @budget is
 * shared by the searches.  @ninitial must be at least 1.
 */
enum wgl_result wgl_check_set(const struct wgl_op *ops, int n,
			      const uint64_t *initial, int ninitial,
			      uint64_t budget);

#endif /* SYNOD_SIM_WGL_H */
