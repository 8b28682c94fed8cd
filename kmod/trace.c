// SPDX-License-Identifier: GPL-2.0
/*
 * The one place the synod tracepoints are instantiated; every other file
 * includes trace.h for the trace_synod_*() calls only.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
