/*
 * The numbering-sequence checks of lcbp3-integrity (sequences.c: connect, read, judge,
 * report). The table and column names of [numbering] and the SQL built from them are
 * in common/numbering.{c,h}, shared with lcbp3-dr's runbooks.
 */
#ifndef LC_TOOLS_INTEGRITY_SEQUENCES_H
#define LC_TOOLS_INTEGRITY_SEQUENCES_H

#include "common/numbering.h"

/* The days of audit rows the issue rate (and the duplicate check) looks at. */
#define IC_SEQ_RATE_DAYS LC_NUMBERING_RATE_DAYS

#endif
