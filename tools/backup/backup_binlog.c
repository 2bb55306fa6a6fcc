/*
 * lcbp3-backup binlog [--follow]: archives the primary's binary logs, byte for byte,
 * into the spool's binlog archive (common/binlog_archive.h), and ships them.
 *
 * Where to start: after the newest segment of the newest generation (resumed at its
 * last whole event when it was never closed), else at the oldest file the server still
 * has. The numbering restarted (the file we would continue is gone and nothing newer
 * exists, its first event differs from ours, or a name we are about to create is
 * already archived) -> a new generation, from the server's oldest file: history is
 * never overwritten. Files purged before they were archived leave a gap, which is
 * logged here and reported by lcbp3-integrity.
 *
 * --follow runs until SIGTERM: events are written as they arrive, fsynced at least
 * every binlog_flush_interval (heartbeats wake the loop when the server is quiet), the
 * metrics file is rewritten then, and a lost server is reconnected with backoff
 * (1 s doubling to 60 s) from the last byte written. Under systemd (Type=notify) the
 * follower says READY=1 once it follows the server or waits to reconnect, keeps
 * STATUS= current, feeds the watchdog (WatchdogSec=) and says STOPPING=1 on SIGTERM.
 * Without --follow it reads to the server's current end, ships, and exits: the cron
 * form.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/binlog_archive.h"
#include "common/binlog_source.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/metrics.h"
#include "common/metrics_run.h"
#include "common/sd_notify.h"
#include "common/signals.h"
#include "common/units.h"
#include "tools/backup/backup.h"
#include "tools/backup/binlog.h"

#define BINLOG_LOCK_NAME "lcbp3-binlog"
#define HEARTBEAT_MS 500
#define WRITE_OUT_MS 200     /* the longest an event waits in memory before the file */
#define IO_TIMEOUT_S 30      /* ≫ the heartbeat: only a dead server is this silent */
#define BACKOFF_MAX_S 60

/* What one pass of the stream ended with. */
enum stream_end {
    STREAM_DONE,              /* the end of a one-shot read, or SIGTERM */
    STREAM_NEW_GENERATION,    /* the server's numbering restarted: start generation + 1 */
    STREAM_LOST,              /* the server went away: reconnect */
    STREAM_FAILED,            /* anything else: err says what */
};

struct archiver {
    const struct lc_config *cfg;
    int follow;
    uint32_t server_id;
    unsigned generation;
    char *gen_path;           /* "<spool>/binlogs/<server_id>/<generation>" */
    struct binlog_segment seg;
    struct binlog_shipper ship;
    struct timespec last_sync;
    time_t last_event;        /* newest event time written */
    uint64_t events;          /* events written by this run */
    time_t last_flush;
    int up;
    char *metrics_path;
    int told_ready;           /* the service manager has had READY=1 */
    int manager_unreachable;  /* telling it failed once: warned, not tried again */
    uint64_t watchdog_usec;   /* WatchdogSec= of the unit, 0 without */
    struct timespec last_ping;
};

static void set_generation(struct archiver *a, unsigned generation)
{
    char *rel = lc_binlog_gen_dir(a->server_id, generation);

    free(a->gen_path);
    a->gen_path = lc_xasprintf("%s/%s", a->cfg->backup.spool_dir, rel);
    a->generation = generation;
    free(rel);
}

static void write_metrics(struct archiver *a)
{
    struct lc_metrics *m = lc_metrics_new();

    lc_metrics_gauge(m, "lcbp3_binlog_up", "1 while the archiver follows the server's binary log",
                     NULL, a->up);
    if (a->last_event)
        lc_metrics_gauge(m, "lcbp3_binlog_last_event_timestamp_seconds",
                         "time of the newest binlog event archived locally", NULL,
                         (double)a->last_event);
    if (a->last_flush)
        lc_metrics_gauge(m, "lcbp3_binlog_last_flush_timestamp_seconds",
                         "when the active binlog segment was last fsynced", NULL,
                         (double)a->last_flush);
    pthread_mutex_lock(&a->ship.lock);
    for (size_t i = 0; i < a->cfg->n_targets; i++) {
        char *labels;

        if (!a->ship.target_success || !a->ship.target_success[i])
            continue;
        labels = lc_metrics_labels("target", a->cfg->targets[i].name, NULL);
        lc_metrics_gauge(m, "lcbp3_binlog_target_last_success_timestamp_seconds",
                         "when every archived binlog segment was last on the target", labels,
                         (double)a->ship.target_success[i]);
        free(labels);
    }
    pthread_mutex_unlock(&a->ship.lock);
    lc_metrics_run_publish(m, &a->cfg->metrics, "binlog");
    lc_metrics_free(m);
}

/*
 * fsync the active segment and tell the shipper and the metrics. While the stream is
 * up, the segment's modification time is renewed too: "caught up as of then", so that
 * lcbp3-integrity does not take a quiet database for a stalled archiver.
 */
static int flush_now(struct archiver *a, struct lc_err *err)
{
    if (binlog_segment_sync(&a->seg, err) < 0)
        return -1;
    if (a->up && a->seg.fd >= 0)
        (void)futimens(a->seg.fd, NULL);
    clock_gettime(CLOCK_MONOTONIC, &a->last_sync);
    a->last_flush = time(NULL);
    binlog_shipper_publish(&a->ship, a->server_id, a->generation,
                           a->seg.fd >= 0 ? a->seg.name : NULL, a->seg.synced, 0);
    write_metrics(a);
    return 0;
}

/* One notification to systemd; only a follower has a manager waiting for it. */
static void tell_manager(struct archiver *a, const char *state)
{
    struct lc_err err = LC_ERR_INIT;

    if (!a->follow || a->manager_unreachable)
        return;
    if (lc_sd_notify(state, &err) < 0) {
        lc_log_warn("binlog: %s; not telling it again", err.msg);
        a->manager_unreachable = 1;
    }
}

/* STATUS= for `systemctl status`; the first one comes with READY=1. */
static void tell_status(struct archiver *a, const char *fmt, ...)
{
    char *status, *state;
    va_list ap;

    va_start(ap, fmt);
    status = lc_xvasprintf(fmt, ap);
    va_end(ap);
    state = lc_xasprintf("%sSTATUS=%s", a->told_ready ? "" : "READY=1\n", status);
    a->told_ready = 1;
    tell_manager(a, state);
    free(state);
    free(status);
}

/* WATCHDOG=1 at half the unit's WatchdogSec=: called from every loop that waits. */
static void feed_watchdog(struct archiver *a)
{
    if (!a->watchdog_usec || lc_seconds_since(&a->last_ping) * 2e6 < (double)a->watchdog_usec)
        return;
    clock_gettime(CLOCK_MONOTONIC, &a->last_ping);
    tell_manager(a, "WATCHDOG=1");
}

static int flush_due(const struct archiver *a)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - a->last_sync.tv_sec) * 1000 +
               (now.tv_nsec - a->last_sync.tv_nsec) / 1000000 >=
           a->cfg->backup.binlog_flush_interval_ms;
}

static const struct lc_binlog_file *find_file(const struct lc_binlog_files *files, const char *name)
{
    for (size_t i = 0; i < files->len; i++)
        if (strcmp(files->items[i].name, name) == 0)
            return &files->items[i];
    return NULL;
}

/* The first server file after `name` in the same numbering, or NULL. */
static const struct lc_binlog_file *first_after(const struct lc_binlog_files *files,
                                                const char *name)
{
    for (size_t i = 0; i < files->len; i++)
        if (lc_binlog_name_cmp(files->items[i].name, name) > 0 &&
            lc_binlog_name_split(files->items[i].name, NULL, NULL, NULL) == 0) {
            char *a = NULL, *b = NULL;
            int same = lc_binlog_name_split(name, &a, NULL, NULL) == 0 &&
                       lc_binlog_name_split(files->items[i].name, &b, NULL, NULL) == 0 &&
                       strcmp(a, b) == 0;

            free(a);
            free(b);
            if (same)
                return &files->items[i];
        }
    return NULL;
}

/*
 * Where the stream starts: *out_file (new string) and *out_pos; the segment to append
 * to is opened in a->seg when resuming. May move to a new generation.
 */
static int plan_start(struct archiver *a, const struct lc_binlog_files *files, char **out_file,
                      uint64_t *out_pos, struct lc_err *err)
{
    const char *spool = a->cfg->backup.spool_dir;
    struct lc_binlog_segments segs = {NULL, 0};
    const struct lc_binlog_segment *last;
    const struct lc_binlog_file *on_server;
    char *want = NULL;
    uint64_t pos = LC_BINLOG_MAGIC_LEN;
    int rc = -1;

    if (files->len == 0)
        return lc_err_set(err, LC_E_UNAVAILABLE, "the server lists no binary log files");
    set_generation(a, lc_binlog_newest_generation(spool, a->server_id));
    if (lc_binlog_segments_list(spool, NULL, a->server_id, a->generation, &segs, err) < 0)
        return -1;
    if (segs.len == 0) {
        want = lc_xstrdup(files->items[0].name);
        goto start;
    }
    last = &segs.items[segs.len - 1];
    if (!last->closed) {
        if (binlog_segment_resume(&a->seg, a->gen_path, last->name, err) < 0)
            goto out;
        want = lc_xstrdup(last->name);
        pos = a->seg.size;
    } else {
        want = lc_binlog_name_next(last->name);
        if (!want) {
            lc_err_set(err, LC_E_DATA, "archived binlog name '%s' has no number", last->name);
            goto out;
        }
    }
    on_server = find_file(files, want);
    if (on_server && on_server->size >= pos)
        goto start;
    if (!on_server && first_after(files, want)) {
        on_server = first_after(files, want);
        lc_log_error("binlog: %s was purged from the server before it was archived: the "
                     "archive has a gap before %s (point-in-time recovery across it is "
                     "impossible; take a new backup set)", want, on_server->name);
        if (a->seg.fd >= 0 && binlog_segment_close(&a->seg, err) < 0)
            goto out;
        free(want);
        want = lc_xstrdup(on_server->name);
        pos = LC_BINLOG_MAGIC_LEN;
        goto start;
    }
    /* the server's numbering restarted (reset, restore, failover): a new generation */
    if (a->seg.fd >= 0 && binlog_segment_close(&a->seg, err) < 0)
        goto out;
    set_generation(a, a->generation + 1);
    lc_log_warn("binlog: the server's binary log numbering restarted (%s is not there "
                "as archived): archiving into generation %u", want, a->generation);
    free(want);
    want = lc_xstrdup(files->items[0].name);
    pos = LC_BINLOG_MAGIC_LEN;
start:
    if (lc_fs_mkdir_p(a->gen_path, 0700, err) < 0)
        goto out;
    *out_file = want;
    *out_pos = pos;
    want = NULL;
    rc = 0;
out:
    free(want);
    lc_binlog_segments_done(&segs);
    return rc;
}

/* An artificial ROTATE: the stream moves to `name`. 0, or the end it makes. */
static int on_rotate(struct archiver *a, const char *name, enum stream_end *end,
                     struct lc_err *err)
{
    if (a->seg.fd >= 0 && strcmp(a->seg.name, name) == 0)
        return 0; /* the start of a resumed file: nothing to do */
    if (a->seg.fd >= 0) {
        if (binlog_segment_close(&a->seg, err) < 0)
            goto failed;
        binlog_shipper_publish(&a->ship, a->server_id, a->generation, NULL, 0, 1);
    }
    if (binlog_segment_create(&a->seg, a->gen_path, name, err) < 0) {
        if (err->status != LC_E_CANTCREAT)
            goto failed;
        lc_log_warn("binlog: %s is already archived in generation %u: the server's "
                    "numbering restarted", name, a->generation);
        lc_err_clear(err);
        *end = STREAM_NEW_GENERATION;
        return -1;
    }
    lc_log_info("binlog: archiving %s (generation %u)", name, a->generation);
    tell_status(a, "following %s (server_id %u, generation %u)", name, a->server_id,
                a->generation);
    return 0;
failed:
    *end = STREAM_FAILED;
    return -1;
}

/* Reads events until the end (one-shot), SIGTERM, a lost server or a failure. */
static enum stream_end stream(struct archiver *a, struct lc_binlog_source *src,
                              struct lc_err *err)
{
    int has_crc = lc_binlog_source_has_crc(src);

    for (;;) {
        struct lc_binlog_event ev;
        int got;

        if (lc_interrupted())
            return STREAM_DONE;
        feed_watchdog(a);
        got = lc_binlog_source_fetch(src, &ev, err);
        if (got < 0)
            return err->status == LC_E_UNAVAILABLE ? STREAM_LOST : STREAM_FAILED;
        if (got == 0)
            return STREAM_DONE;
        if (ev.type == LC_BINLOG_ROTATE && (ev.flags & LC_BINLOG_F_ARTIFICIAL)) {
            char *name = NULL;
            uint64_t pos;
            enum stream_end end;
            int rc;

            if (lc_binlog_rotate_parse(&ev, has_crc, &name, &pos) < 0 ||
                lc_binlog_name_split(name, NULL, NULL, NULL) < 0) {
                free(name);
                lc_err_set(err, LC_E_DATA, "the server sent a malformed ROTATE event");
                return STREAM_FAILED;
            }
            rc = on_rotate(a, name, &end, err);
            free(name);
            if (rc < 0)
                return end;
        } else if (ev.type == LC_BINLOG_FORMAT_DESCRIPTION && ev.log_pos == 0) {
            /* re-sent when a dump starts inside a file: is it still our file? */
            if (a->seg.fd >= 0 && a->seg.size > LC_BINLOG_MAGIC_LEN &&
                ev.timestamp != a->seg.fde_timestamp) {
                lc_log_warn("binlog: the server's %s is not the archived one (created %u, "
                            "archived %u): its numbering restarted", a->seg.name,
                            ev.timestamp, a->seg.fde_timestamp);
                return STREAM_NEW_GENERATION;
            }
        } else if (ev.type != LC_BINLOG_HEARTBEAT) {
            if (a->seg.fd < 0) {
                lc_err_set(err, LC_E_DATA, "the server sent an event before naming its file");
                return STREAM_FAILED;
            }
            if (binlog_segment_append(&a->seg, &ev, err) < 0)
                return STREAM_FAILED;
            a->events++;
            if (ev.timestamp)
                a->last_event = ev.timestamp;
        }
        if (binlog_segment_write_out(&a->seg, ev.type == LC_BINLOG_HEARTBEAT ? 0 : WRITE_OUT_MS,
                                     err) < 0)
            return STREAM_FAILED;
        if (a->follow && flush_due(a) && flush_now(a, err) < 0)
            return STREAM_FAILED;
    }
}

/* Sleeps `seconds` unless SIGTERM comes first. */
static void backoff_sleep(struct archiver *a, unsigned seconds)
{
    for (unsigned i = 0; i < seconds * 10 && !lc_interrupted(); i++) {
        feed_watchdog(a);
        usleep(100 * 1000);
    }
}

/* One connection: start point, dump, stream. */
static enum stream_end connect_and_stream(struct archiver *a, struct lc_err *err)
{
    struct lc_binlog_source *src = NULL;
    struct lc_binlog_files files = {NULL, 0};
    char *file = NULL;
    uint64_t pos = 0;
    uint32_t server_id = 0;
    enum stream_end end = STREAM_FAILED;

    if (lc_binlog_source_connect(&a->cfg->mariadb, IO_TIMEOUT_S, &src, &server_id, err) < 0) {
        end = err->status == LC_E_UNAVAILABLE ? STREAM_LOST : STREAM_FAILED;
        goto out;
    }
    if (server_id == a->cfg->backup.binlog_client_id) {
        lc_err_set(err, LC_E_CONFIG, "[backup] binlog_client_id %u is the server's own "
                   "server_id", server_id);
        lc_err_hint(err, "pick an id no server or replica uses");
        goto out;
    }
    if (a->server_id && a->server_id != server_id)
        lc_log_warn("binlog: the server's server_id changed from %u to %u: archiving "
                    "under binlogs/%u", a->server_id, server_id, server_id);
    a->server_id = server_id;
    if (lc_binlog_source_files(src, &files, err) < 0 ||
        plan_start(a, &files, &file, &pos, err) < 0)
        goto out;
    lc_log_info("binlog: reading %s from byte %llu (server_id %u, generation %u)%s", file,
                (unsigned long long)pos, server_id, a->generation,
                a->follow ? ", following" : "");
    if (lc_binlog_source_open(src, file, pos, a->cfg->backup.binlog_client_id, a->follow,
                              HEARTBEAT_MS, err) < 0) {
        end = err->status == LC_E_UNAVAILABLE ? STREAM_LOST : STREAM_FAILED;
        goto out;
    }
    a->up = 1;
    tell_status(a, "following %s from byte %llu (server_id %u, generation %u)", file,
                (unsigned long long)pos, server_id, a->generation);
    end = stream(a, src, err);
out:
    a->up = 0;
    free(file);
    lc_binlog_files_done(&files);
    lc_binlog_source_free(src);
    return end;
}

static int archive(struct archiver *a, struct lc_err *err)
{
    unsigned backoff = 1, restarts = 0;

    for (;;) {
        uint64_t events_before = a->events;
        enum stream_end end = connect_and_stream(a, err);
        struct lc_err sync_err = LC_ERR_INIT;

        if (a->events > events_before) { /* it got going: count failures afresh */
            backoff = 1;
            restarts = 0;
        }
        if (flush_now(a, &sync_err) < 0 && end != STREAM_FAILED) {
            *err = sync_err;
            end = STREAM_FAILED;
        }
        switch (end) {
        case STREAM_DONE:
            /* SIGTERM ends a follower's normal life; it cuts a catch-up short (75) */
            return a->follow ? 0 : lc_check_interrupted(err);
        case STREAM_FAILED:
            return -1;
        case STREAM_NEW_GENERATION:
            /* the old generation's last segment is final; count, to never spin when the
             * server's files keep disagreeing with a generation just begun */
            if (a->seg.fd >= 0 && binlog_segment_close(&a->seg, err) < 0)
                return -1;
            if (++restarts > 3)
                return lc_err_set(err, LC_E_DATA, "binlog: the server's files keep "
                                  "disagreeing with the archive; see the log above");
            set_generation(a, a->generation + 1);
            if (lc_fs_mkdir_p(a->gen_path, 0700, err) < 0)
                return -1;
            continue;
        case STREAM_LOST:
            binlog_segment_release(&a->seg);
            if (!a->follow)
                return -1;
            lc_log_warn("binlog: %s; reconnecting in %u s", err->msg, backoff);
            tell_status(a, "reconnecting in %u s: %s", backoff, err->msg);
            lc_err_clear(err);
            backoff_sleep(a, backoff);
            if (lc_interrupted())
                return 0;
            backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
            continue;
        }
    }
}

int backup_binlog(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct archiver a;
    int rc;

    if (!cfg->backup.binlog_client_id) {
        lc_err_set(err, LC_E_CONFIG, "binlog archiving is off ([backup] binlog_client_id is 0)");
        lc_err_hint(err, "set [backup] binlog_client_id to a server id no server or replica "
                         "uses, e.g. 3306001");
        return -1;
    }
    if (!cfg->backup.spool_dir)
        return lc_err_set(err, LC_E_CONFIG, "binlog archiving needs [backup] spool_dir: the "
                          "archive lives in <spool_dir>/binlogs");
    if (lc_lock_take(&lock, cfg->backup.lock_dir, BINLOG_LOCK_NAME, err) < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.cfg = cfg;
    a.follow = opts->follow;
    a.seg.fd = -1;
    a.watchdog_usec = lc_sd_watchdog_usec();
    clock_gettime(CLOCK_MONOTONIC, &a.last_sync);
    a.last_ping = a.last_sync;
    rc = binlog_shipper_start(&a.ship, cfg, opts->follow, err);
    if (rc == 0)
        rc = archive(&a, err);
    if (rc == 0 && a.follow)
        tell_manager(&a, "STOPPING=1\nSTATUS=stopping: the active segment is fsynced");
    binlog_segment_release(&a.seg);
    if (rc == 0 && !a.follow && a.server_id)
        rc = binlog_ship_pending(&a.ship, 1, err); /* the cron form ships before it exits */
    write_metrics(&a);
    binlog_shipper_stop(&a.ship);
    free(a.gen_path);
    lc_lock_release(&lock);
    return rc;
}
