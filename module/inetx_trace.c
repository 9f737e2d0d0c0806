// SPDX-License-Identifier: GPL-2.0
/* The inetx tracepoints (inetx_trace.h) are defined here, and only here. */

#define CREATE_TRACE_POINTS
#include "inetx_trace.h"
