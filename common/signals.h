/*
 * SIGTERM and SIGINT only set a flag; long loops poll lc_interrupted() and leave
 * through their normal cleanup path (status LC_E_TEMPFAIL, "interrupted by signal").
 * SIGPIPE is ignored so that a closed socket is an error return, not a death.
 */
#ifndef LC_SIGNALS_H
#define LC_SIGNALS_H

#include "common/error.h"

void lc_signals_install(void);

/* The signal number received (SIGTERM, SIGINT), or 0. */
int lc_interrupted(void);

/* If interrupted, records "interrupted by signal N" in err and returns -1; else 0. */
int lc_check_interrupted(struct lc_err *err);

#endif
