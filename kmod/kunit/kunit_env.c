// SPDX-License-Identifier: GPL-2.0
/*
 * What the module's glue provides to the pure core, for the KUnit build on
 * User Mode Linux, where the glue is absent.
 */
#include <linux/types.h>

/* Set by a failed synod_assert(); see kmod/core/env.h. */
bool synod_core_assert_failed;
