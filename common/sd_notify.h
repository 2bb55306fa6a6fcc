/*
 * The service manager's notification protocol (sd_notify(3)), for a long-running
 * program started by systemd with Type=notify: one datagram of "KEY=value" lines to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract
 * namespace). READY=1 when started, STATUS= for `systemctl status`, WATCHDOG=1 to
 * prove it is alive when the unit sets WatchdogSec=, STOPPING=1 on the way out.
 *
 * The protocol is a documented interface meant to be spoken without libsystemd; the
 * QNAP, which has no systemd, then needs no extra library. Without $NOTIFY_SOCKET
 * (cron, a terminal) every call does nothing.
 */
#ifndef LC_SD_NOTIFY_H
#define LC_SD_NOTIFY_H

#include <stdint.h>

#include "common/error.h"

/*
 * Sends `state` ("READY=1\nSTATUS=following"). Returns 1 when sent, 0 when there is
 * no manager to tell, -1 with LC_E_OSERR when $NOTIFY_SOCKET is set but the datagram
 * could not be sent (a bad address, a manager gone).
 */
int lc_sd_notify(const char *state, struct lc_err *err);

/*
 * The watchdog interval the manager asked for, in microseconds ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is unset or this process's pid), or 0: no watchdog to feed.
 */
uint64_t lc_sd_watchdog_usec(void);

#endif
