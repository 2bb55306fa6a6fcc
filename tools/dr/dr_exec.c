/*
 * Child processes of lcbp3-dr: the plan's `start` commands and the toolkit's own
 * programs, run without a shell and with a time limit, their output passed through or
 * kept in a log.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/signals.h"
#include "common/units.h"
#include "tools/dr/dr.h"

#define POLL_MS 50
#define KILL_GRACE_MS 10000   /* after SIGTERM, SIGKILL */

/* In the child: stdin from /dev/null, stdout and stderr to the log when given; exec. */
static void child_exec(char *const argv[], const char *log_path)
{
    int in = open("/dev/null", O_RDONLY);

    if (in >= 0) {
        dup2(in, STDIN_FILENO);
        close(in);
    }
    if (log_path) {
        int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
        }
    }
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    execvp(argv[0], argv);
    _exit(127);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

int dr_exec(char *const argv[], int64_t timeout_ms, const char *log_path,
            struct dr_exec_result *out, struct lc_err *err)
{
    struct timespec t0;
    int64_t term_at_ms = -1;   /* when SIGTERM was sent, elapsed ms */
    int status = 0;
    pid_t pid;

    memset(out, 0, sizeof(*out));
    out->exit_code = -1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0)
        return lc_err_sys(err, LC_E_OSERR, "cannot start '%s'", argv[0]);
    if (pid == 0)
        child_exec(argv, log_path);
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        int64_t elapsed = (int64_t)(lc_seconds_since(&t0) * 1000.0);

        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return lc_err_sys(err, LC_E_SOFTWARE, "waiting for '%s' failed", argv[0]);
        if (term_at_ms < 0 && (lc_interrupted() || (timeout_ms > 0 && elapsed >= timeout_ms))) {
            out->timed_out = !lc_interrupted();
            kill(pid, SIGTERM);
            term_at_ms = elapsed;
        } else if (term_at_ms >= 0 && elapsed - term_at_ms >= KILL_GRACE_MS) {
            kill(pid, SIGKILL);
            term_at_ms = INT64_MAX / 2;   /* killed: only wait now */
        }
        sleep_ms(POLL_MS);
    }
    out->seconds = lc_seconds_since(&t0);
    if (WIFEXITED(status))
        out->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        out->term_signal = WTERMSIG(status);
    if (out->exit_code == 127)
        return lc_err_set(err, LC_E_UNAVAILABLE, "cannot run '%s' (not found or not executable)",
                          argv[0]);
    return 0;
}

char *dr_tool_path(const char *tool)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *path;

    if (n > 0) {
        char *slash;

        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            path = lc_xasprintf("%s/%s", self, tool);
            if (access(path, X_OK) == 0)
                return path;
            free(path);
            /* a build tree: tools/dr/lcbp3-dr, tools/restore/lcbp3-restore */
            if (strncmp(tool, "lcbp3-", 6) == 0) {
                path = lc_xasprintf("%s/../%s/%s", self, tool + 6, tool);
                if (access(path, X_OK) == 0)
                    return path;
                free(path);
            }
        }
    }
    return lc_xstrdup(tool);
}

/* 1 when a word can be shown to a shell as it is. */
static int shell_safe(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+", *s))
            return 0;
    return 1;
}

char *dr_argv_string(char *const argv[])
{
    struct lc_buf b = LC_BUF_INIT;

    for (size_t idx = 0; argv[idx]; idx++) {
        const char *w = argv[idx];

        if (idx)
            lc_buf_putc(&b, ' ');
        if (shell_safe(w)) {
            lc_buf_puts(&b, w);
            continue;
        }
        lc_buf_putc(&b, '\'');
        for (; *w; w++) {
            if (*w == '\'')
                lc_buf_puts(&b, "'\\''");
            else
                lc_buf_putc(&b, *w);
        }
        lc_buf_putc(&b, '\'');
    }
    return lc_buf_steal(&b);
}
