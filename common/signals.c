/*
 * SIGTERM/SIGINT set a flag (no SA_RESTART, so a blocking read returns EINTR and the
 * loop around it can look at the flag); SIGPIPE is ignored.
 */
#include "common/signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t received_signal;

static void on_signal(int signo)
{
    received_signal = signo;
}

void lc_signals_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int lc_interrupted(void)
{
    return (int)received_signal;
}

int lc_check_interrupted(struct lc_err *err)
{
    int signo = (int)received_signal;

    if (!signo)
        return 0;
    return lc_err_set(err, LC_E_TEMPFAIL, "interrupted by signal %d (%s)", signo,
                      strsignal(signo));
}
