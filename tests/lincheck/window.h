/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lincheck's per-block check and, for a violation, the shortest window
 * of the history that still shows it.
 */
#ifndef SYNOD_LINCHECK_WINDOW_H
#define SYNOD_LINCHECK_WINDOW_H

#include "history.h"
#include "wgl.h"

/*
 * Check the @n ops of one block (sorted by call).  Prints the violation
 * (or the block whose search gave up) to stdout.
 */
enum wgl_result check_block(const struct history *h, const struct h_op *ops,
			    size_t n, uint64_t budget);

#endif /* SYNOD_LINCHECK_WINDOW_H */
