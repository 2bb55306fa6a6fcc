/*
 * The replay range of a point-in-time recovery and the mariadb-binlog | mariadb pipeline
 * that replays it (see binlog_replay.h).
 */
#include "common/binlog_replay.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/signals.h"

#define GTID_FL_STANDALONE 0x01u  /* a GTID event's flags: one statement, no BEGIN/COMMIT */
#define QUERY_POST_HEADER 13      /* thread id, exec time, db length, error, status length */
#define START_ENCRYPTION 164
#define POLL_MS 20

void lc_binlog_range_init(struct lc_binlog_range *r, uint64_t start_pos,
                          const struct lc_binlog_target *target)
{
    memset(r, 0, sizeof(*r));
    r->target = *target;
    r->start_pos = start_pos;
}

/* Events that belong to the file rather than to a transaction: their times say when the
 * file was opened or closed, not when anything was committed. */
static int is_file_event(uint8_t type)
{
    return type == LC_BINLOG_FORMAT_DESCRIPTION || type == LC_BINLOG_ROTATE ||
           type == LC_BINLOG_STOP || type == LC_BINLOG_GTID_LIST ||
           type == LC_BINLOG_CHECKPOINT || type == LC_BINLOG_HEARTBEAT ||
           type == START_ENCRYPTION;
}

/* Whether a Query event's text is COMMIT or ROLLBACK (the end of a non-transactional
 * group: XA and MyISAM changes end that way instead of with an Xid event). */
static int query_ends_group(const struct lc_binlog_event *ev, int has_crc)
{
    const unsigned char *d = ev->data;
    size_t end = ev->size - (has_crc ? LC_BINLOG_CRC_LEN : 0), at, len;

    if (end < LC_BINLOG_HEADER_LEN + QUERY_POST_HEADER)
        return 0;
    at = LC_BINLOG_HEADER_LEN + QUERY_POST_HEADER + ((size_t)d[LC_BINLOG_HEADER_LEN + 11] |
                                                     (size_t)d[LC_BINLOG_HEADER_LEN + 12] << 8);
    at += (size_t)d[LC_BINLOG_HEADER_LEN + 8] + 1;  /* the default database and its NUL */
    if (at >= end)
        return 0;
    len = end - at;
    return (len >= 6 && strncasecmp((const char *)d + at, "COMMIT", 6) == 0) ||
           (len >= 8 && strncasecmp((const char *)d + at, "ROLLBACK", 8) == 0);
}

static int gtid_eq(const struct lc_binlog_gtid *a, const struct lc_binlog_gtid *b)
{
    return a->domain == b->domain && a->server_id == b->server_id && a->seq == b->seq;
}

static void ref_set(struct lc_binlog_event_ref *ref, const struct lc_binlog_range *r,
                    const struct lc_binlog_event *ev, uint64_t offset)
{
    ref->set = 1;
    ref->file = r->n_files - 1;
    ref->offset = offset;
    ref->timestamp = ev->timestamp;
    ref->type = ev->type;
    ref->has_gtid = r->in_group && r->group.has_gtid;
    ref->gtid = r->group.gtid;
    if (ev->type == LC_BINLOG_GTID)
        ref->has_gtid = lc_binlog_gtid_parse(ev, &ref->gtid) == 0;
}

/* The scan's callback: one valid event at `offset` of the current file. */
static int range_event(void *ctx, const struct lc_binlog_event *ev, uint64_t offset)
{
    struct lc_binlog_range *r = ctx;
    int first_file = r->n_files == 1;

    if (ev->type == LC_BINLOG_FORMAT_DESCRIPTION)
        r->has_crc = lc_binlog_fde_has_crc(ev);
    if (r->found)
        return 1;  /* the GTID target's transaction ended at the previous event */
    if (first_file && offset == r->start_pos)
        r->start_seen = 1;
    if (first_file && offset < r->start_pos)
        return 0;  /* in the set already */
    if (is_file_event(ev->type))
        return 0;
    r->newest_timestamp = ev->timestamp;
    if (!r->target.by_gtid && (time_t)ev->timestamp >= r->target.until) {
        /* stop before the transaction this event belongs to */
        r->found = 1;
        r->stop_pos = r->in_group ? r->group.offset : offset;
        if (r->in_group)
            r->next = r->group;
        else
            ref_set(&r->next, r, ev, offset);
        return 1;
    }
    if (ev->type == LC_BINLOG_GTID) {
        struct lc_binlog_gtid gtid;
        int parsed = lc_binlog_gtid_parse(ev, &gtid) == 0;

        r->in_group = 1;
        r->group_standalone = ev->size > LC_BINLOG_HEADER_LEN + 12 &&
                              (ev->data[LC_BINLOG_HEADER_LEN + 12] & GTID_FL_STANDALONE);
        memset(&r->group, 0, sizeof(r->group));
        r->group.set = 1;
        r->group.file = r->n_files - 1;
        r->group.offset = offset;
        r->group.timestamp = ev->timestamp;
        r->group.type = ev->type;
        r->group.has_gtid = parsed;
        r->group.gtid = gtid;
        if (parsed) {
            r->has_newest_gtid = 1;
            r->newest_gtid = gtid;
            if (r->target.by_gtid && gtid_eq(&gtid, &r->target.gtid))
                r->target_seen = 1;
        }
        r->transactions++;
    }
    ref_set(&r->last, r, ev, offset);
    if (r->in_group && ev->type != LC_BINLOG_GTID &&
        ((r->group_standalone && ev->type == LC_BINLOG_QUERY) || ev->type == LC_BINLOG_XID ||
         (ev->type == LC_BINLOG_QUERY && query_ends_group(ev, r->has_crc)))) {
        r->in_group = 0;
        if (r->target_seen) {
            r->found = 1;
            r->stop_pos = offset + ev->size;
        }
    }
    return 0;
}

int lc_binlog_range_add(struct lc_binlog_range *r, const char *path, const char *name,
                        int may_be_cut, struct lc_err *err)
{
    struct lc_binlog_scan scan;
    int rc = -1;

    r->n_files++;
    r->in_group = 0;  /* a transaction never spans two files */
    r->target_seen = 0;
    r->has_crc = 0;
    if (lc_binlog_scan_file(path, range_event, r, &scan, err) < 0) {
        lc_err_prefix(err, "binlog segment '%s'", name);
        return -1;
    }
    r->valid_size = scan.valid_size;
    if (r->n_files == 1 && !r->start_seen && r->start_pos != scan.valid_size) {
        lc_err_set(err, LC_E_DATA, "binlog segment '%s' has no event at the set's position %llu "
                   "(it holds %llu valid bytes)", name, (unsigned long long)r->start_pos,
                   (unsigned long long)scan.valid_size);
        goto out;
    }
    if (r->found) {
        rc = 1;
        goto out;
    }
    if (scan.bad) {
        lc_err_set(err, LC_E_DATA, "binlog segment '%s' is damaged: the event at offset %llu "
                   "fails its checksum or header check", name, (unsigned long long)scan.bad_at);
        goto out;
    }
    if (scan.valid_size < scan.file_size && !may_be_cut) {
        lc_err_set(err, LC_E_DATA, "binlog segment '%s' ends inside an event (%llu of %llu bytes "
                   "are whole events)", name, (unsigned long long)scan.valid_size,
                   (unsigned long long)scan.file_size);
        goto out;
    }
    if (r->in_group && r->target_seen)
        r->target_seen = 0;  /* cut short inside the target's transaction: not replayable */
    r->stop_pos = scan.valid_size;
    rc = 0;
out:
    lc_binlog_scan_done(&scan);
    return rc;
}

int lc_binlog_replay_check(MYSQL *db, const char *target_db, int *out_can_skip_log,
                           struct lc_err *err)
{
    int replay = 0, super = 0;
    struct lc_err ignored = LC_ERR_INIT;

    if (lc_db_has_privilege(db, target_db, "BINLOG REPLAY", &replay, err) ||
        (!replay && lc_db_has_privilege(db, target_db, "SUPER", &super, err)))
        return -1;
    if (!replay && !super) {
        lc_err_set(err, LC_E_NOPERM, "the restore account lacks the BINLOG REPLAY privilege "
                   "that replaying binary logs needs");
        lc_err_hint(err, "GRANT BINLOG REPLAY ON *.* TO the account of [mariadb] user");
        return -1;
    }
    /* SET sql_log_bin needs BINLOG ADMIN or SUPER: try it rather than guess from grants */
    *out_can_skip_log = lc_db_exec(db, "SET SESSION sql_log_bin = 0", &ignored) == 0;
    if (*out_can_skip_log && lc_db_exec(db, "SET SESSION sql_log_bin = 1", err))
        return -1;
    return 0;
}

/* key="value" with the option-file escapes (a password may hold anything). */
static void put_option(struct lc_buf *b, const char *key, const char *value)
{
    lc_buf_printf(b, "%s=\"", key);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            lc_buf_putc(b, '\\');
        if (*p == '\n')
            lc_buf_puts(b, "\\n");
        else
            lc_buf_putc(b, *p);
    }
    lc_buf_puts(b, "\"\n");
}

/* The client's option file: [mariadb]'s connection, the password included, 0600. */
static char *write_option_file(const struct lc_mariadb_cfg *cfg, const char *work_dir,
                               struct lc_err *err)
{
    struct lc_buf b = LC_BUF_INIT;
    char *path = lc_xasprintf("%s/replay-client.cnf", work_dir);
    int fd = -1, ok = 0;

    if (cfg->option_file && cfg->option_file[0])
        lc_buf_printf(&b, "!include %s\n", cfg->option_file);
    lc_buf_puts(&b, "[client]\n");
    if (cfg->socket && cfg->socket[0]) {
        lc_buf_puts(&b, "protocol=socket\n");
        put_option(&b, "socket", cfg->socket);
    } else {
        lc_buf_puts(&b, "protocol=tcp\n");
        put_option(&b, "host", cfg->host ? cfg->host : "127.0.0.1");
        lc_buf_printf(&b, "port=%u\n", cfg->port);
    }
    if (cfg->user && cfg->user[0])
        put_option(&b, "user", cfg->user);
    if (cfg->password)
        put_option(&b, "password", cfg->password);
    if (cfg->ssl_ca && cfg->ssl_ca[0]) {
        put_option(&b, "ssl-ca", cfg->ssl_ca);
        lc_buf_puts(&b, "ssl-verify-server-cert\n");
    }
    if (cfg->ssl_cert && cfg->ssl_cert[0])
        put_option(&b, "ssl-cert", cfg->ssl_cert);
    if (cfg->ssl_key && cfg->ssl_key[0])
        put_option(&b, "ssl-key", cfg->ssl_key);
    if (cfg->connect_timeout_ms > 0)
        lc_buf_printf(&b, "connect-timeout=%lld\n",
                      (long long)((cfg->connect_timeout_ms + 999) / 1000));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", path);
    else if (lc_fs_write_all(fd, b.data, b.len, path, err) == 0)
        ok = 1;
    if (fd >= 0)
        close(fd);
    if (b.data)
        memset(b.data, 0, b.len);  /* the password */
    lc_buf_done(&b);
    if (!ok) {
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

/* In a child: stdin and stdout as given (-1: keep), exec; 127 when that fails. */
static void child_exec(char *const argv[], int in, int out, int close_fd)
{
    if (in >= 0)
        dup2(in, STDIN_FILENO);
    if (out >= 0)
        dup2(out, STDOUT_FILENO);
    if (in >= 0)
        close(in);
    if (out >= 0 && out != STDERR_FILENO)
        close(out);
    if (close_fd >= 0)
        close(close_fd);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Waits for both children; SIGTERM to both when interrupted. */
static void wait_both(pid_t pids[2], int status[2])
{
    int left = 2, signalled = 0;

    while (left > 0) {
        for (int idx = 0; idx < 2; idx++) {
            pid_t done;

            if (pids[idx] <= 0)
                continue;
            done = waitpid(pids[idx], &status[idx], WNOHANG);
            if (done == pids[idx] || (done < 0 && errno == ECHILD)) {
                pids[idx] = 0;
                left--;
            }
        }
        if (left > 0 && !signalled && lc_interrupted()) {
            for (int idx = 0; idx < 2; idx++)
                if (pids[idx] > 0)
                    kill(pids[idx], SIGTERM);
            signalled = 1;
        }
        if (left > 0) {
            struct timespec ts = {0, POLL_MS * 1000000L};

            nanosleep(&ts, NULL);
        }
    }
}

/* "exited with status N" / "was killed by signal N" */
static void describe_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "ended oddly (status %d)", status);
}

int lc_binlog_replay_run(const struct lc_mariadb_cfg *cfg, const struct lc_binlog_replay *r,
                         struct lc_err *err)
{
    size_t n_files = lc_strv_len(r->files);
    char **binlog_argv = lc_xcalloc(n_files + 10, sizeof(char *));
    char *client_argv[6] = {NULL};
    char *option_file = NULL;
    pid_t pids[2] = {-1, -1};
    int status[2] = {0, 0}, fds[2] = {-1, -1}, rc = -1, started = 1;
    size_t n = 0;

    option_file = write_option_file(cfg, r->work_dir, err);
    if (!option_file)
        goto out;
    binlog_argv[n++] = lc_xstrdup("mariadb-binlog");
    binlog_argv[n++] = lc_xstrdup("--no-defaults");
    binlog_argv[n++] = lc_xasprintf("--start-position=%llu", (unsigned long long)r->start_pos);
    binlog_argv[n++] = lc_xasprintf("--stop-position=%llu", (unsigned long long)r->stop_pos);
    binlog_argv[n++] = lc_xasprintf("--database=%s", r->source_db);
    if (strcmp(r->source_db, r->target_db) != 0)
        binlog_argv[n++] = lc_xasprintf("--rewrite-db=%s->%s", r->source_db, r->target_db);
    if (r->skip_log)
        binlog_argv[n++] = lc_xstrdup("--disable-log-bin");
    for (size_t idx = 0; idx < n_files; idx++)
        binlog_argv[n++] = lc_xstrdup(r->files[idx]);
    client_argv[0] = lc_xstrdup("mariadb");
    client_argv[1] = lc_xasprintf("--defaults-file=%s", option_file);
    client_argv[2] = lc_xstrdup("--binary-mode");
    client_argv[3] = lc_xstrdup("--max-allowed-packet=1G");
    client_argv[4] = lc_xstrdup("--batch");
    if (pipe2(fds, O_CLOEXEC) < 0) {
        lc_err_sys(err, LC_E_OSERR, "cannot create a pipe for the replay");
        goto out;
    }
    fflush(NULL);
    pids[0] = fork();
    if (pids[0] == 0)
        child_exec(binlog_argv, -1, fds[1], fds[0]);
    if (pids[0] > 0)
        pids[1] = fork();
    if (pids[1] == 0)
        child_exec(client_argv, fds[0], STDERR_FILENO, fds[1]);
    close(fds[0]);
    close(fds[1]);
    if (pids[0] < 0 || pids[1] < 0) {
        lc_err_sys(err, LC_E_OSERR, "cannot start the replay");
        if (pids[0] > 0)
            kill(pids[0], SIGTERM);
        started = 0;
    }
    wait_both(pids, status);
    if (!started)
        goto out;
    if (lc_check_interrupted(err))
        goto out;
    for (int idx = 1; idx >= 0; idx--) {  /* the client first: its failure is the cause */
        const char *prog = idx ? "mariadb" : "mariadb-binlog";
        char how[64];

        if (WIFEXITED(status[idx]) && WEXITSTATUS(status[idx]) == 0)
            continue;
        describe_status(status[idx], how, sizeof(how));
        if (WIFEXITED(status[idx]) && WEXITSTATUS(status[idx]) == 127)
            lc_err_set(err, LC_E_UNAVAILABLE, "cannot run '%s' (not found or not executable)",
                       prog);
        else
            lc_err_set(err, idx ? LC_E_UNAVAILABLE : LC_E_DATA,
                       "the replay failed: '%s' %s (its message is above)", prog, how);
        goto out;
    }
    rc = 0;
out:
    if (option_file) {
        unlink(option_file);
        free(option_file);
    }
    lc_strv_free(binlog_argv);
    for (size_t idx = 0; client_argv[idx]; idx++)
        free(client_argv[idx]);
    return rc;
}
