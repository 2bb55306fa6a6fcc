/*
 * lcbp3-integrity backups --deep, binlog archive part: "<place>.binlog.deep". In the
 * spool every segment is read event by event (lc_binlog_scan_file: each event's header,
 * log_pos and CRC-32); a closed segment must also end whole, with a ROTATE naming the
 * next segment (its name's number plus one) or a STOP, and its SHA-256 must equal its
 * sidecar's. On a target every closed segment is read back and its SHA-256 compared
 * with its sidecar there and with the spool's sidecar when the spool still has it.
 * Segments go newest first (the ones a recovery is most likely to replay) while the
 * --budget lasts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/binlog_event.h"
#include "common/buf.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/ship.h"
#include "common/signals.h"
#include "common/units.h"
#include "tools/integrity/backups.h"

struct seg_outcome {
    size_t verified, corrupt, failed, left;
    struct lc_buf corrupt_list, failed_list;
};

static void note(struct lc_buf *b, const char *object, const char *what)
{
    lc_buf_printf(b, "%s%s: %s", b->len ? "; " : "", object, what);
}

/* The spool's segment `s` of generation g: 0 whole, -1 with err (LC_E_DATA: corrupt). */
static int verify_spool_segment(const struct lc_config *cfg, const struct ic_binlog_gen *g,
                                size_t s, int active, struct lc_err *err)
{
    const struct lc_binlog_segment *seg = &g->segs.items[s];
    char *path = lc_xasprintf("%s/" LC_BINLOG_DIR "/%u/%u/%s", cfg->backup.spool_dir,
                              (unsigned)g->server_id, g->generation, seg->name);
    char *paths[2] = {path, NULL};
    struct lc_binlog_scan scan;
    char want[65], got[65];
    int rc = -1;

    if (seg->size == 0) {   /* only a sidecar: the sidecars check reports it */
        free(path);
        return 0;
    }
    if (lc_binlog_scan_file(path, NULL, NULL, &scan, err) < 0) {
        free(path);
        return -1;
    }
    if (scan.bad) {
        lc_err_set(err, LC_E_DATA, "the event at offset %llu fails its checksum or header",
                   (unsigned long long)scan.bad_at);
        goto out;
    }
    if (active || !seg->closed) {
        rc = 0;   /* being written: a cut last event is the archiver's next write */
        goto out;
    }
    if (scan.valid_size != scan.file_size) {
        lc_err_set(err, LC_E_DATA, "ends inside an event at offset %llu (%llu bytes more)",
                   (unsigned long long)scan.valid_size,
                   (unsigned long long)(scan.file_size - scan.valid_size));
        goto out;
    }
    if (!scan.ends_closed) {
        lc_err_set(err, LC_E_DATA, "closed, but its last event is neither a ROTATE nor a STOP");
        goto out;
    }
    if (scan.next_name) {
        char *next = lc_binlog_name_next(seg->name);
        int other = !next || strcmp(next, scan.next_name) != 0;

        if (other)
            lc_err_set(err, LC_E_DATA, "its ROTATE names '%s', not the next segment '%s'",
                       scan.next_name, next ? next : "?");
        free(next);
        if (other)
            goto out;
    }
    if (lc_sidecar_read(path, want, err) < 0 || lc_sha256_files(paths, got, err) < 0)
        goto out;
    if (strcmp(want, got) != 0) {
        lc_err_set(err, LC_E_DATA, "SHA-256 %.12s... does not match its sidecar's %.12s...",
                   got, want);
        goto out;
    }
    rc = 0;
out:
    lc_binlog_scan_done(&scan);
    free(path);
    return rc;
}

/* The spool's copy of a segment, for its size and sidecar: NULL when it has none. */
static const struct lc_binlog_segment *spool_copy(const struct ic_place *spool,
                                                  const struct ic_binlog_gen *g, const char *name)
{
    for (size_t idx = 0; spool && idx < spool->n_binlogs; idx++) {
        const struct ic_binlog_gen *sg = &spool->binlogs[idx];

        if (sg->server_id != g->server_id || sg->generation != g->generation)
            continue;
        for (size_t s = 0; s < sg->segs.len; s++)
            if (strcmp(sg->segs.items[s].name, name) == 0 && sg->segs.items[s].closed)
                return &sg->segs.items[s];
    }
    return NULL;
}

static int verify_target_segment(const struct lc_config *cfg, const struct ic_place *spool,
                                 const struct ic_place *p, const struct ic_binlog_gen *g,
                                 const struct lc_binlog_segment *seg, struct lc_err *err)
{
    const struct lc_binlog_segment *copy = spool_copy(spool, g, seg->name);
    char *object = lc_xasprintf(LC_BINLOG_DIR "/%u/%u/%s", (unsigned)g->server_id,
                                g->generation, seg->name);
    char hex[65];
    int rc = -1;

    if (copy) {
        char *path = lc_xasprintf("%s/%s", cfg->backup.spool_dir, object);

        rc = lc_sidecar_read(path, hex, err);
        free(path);
        if (rc < 0) {
            free(object);
            return -1;
        }
    }
    rc = lc_target_verify_set(p->target, object, copy ? copy->size : 0, copy ? hex : NULL,
                              LC_VERIFY_FULL, NULL, NULL, err);
    free(object);
    return rc;
}

/* One place's segments, newest first, while the budget lasts. */
static void verify_place(const struct lc_config *cfg, const struct ic_place *spool,
                         const struct ic_place *p, const struct timespec *t0, int64_t budget_ms,
                         struct seg_outcome *o)
{
    for (size_t idx = p->n_binlogs; idx-- > 0;) {
        const struct ic_binlog_gen *g = &p->binlogs[idx];
        int newest_of_id = 1;

        for (size_t later = idx + 1; later < p->n_binlogs; later++)
            if (p->binlogs[later].server_id == g->server_id && p->binlogs[later].segs.len)
                newest_of_id = 0;
        for (size_t s = g->segs.len; s-- > 0;) {
            const struct lc_binlog_segment *seg = &g->segs.items[s];
            struct lc_err err = LC_ERR_INIT;
            char *object;
            int rc;

            if (p->target && (!seg->closed || seg->size == 0))
                continue;   /* an open copy: no sidecar to compare with */
            if (lc_interrupted() || (budget_ms >= 0 && lc_seconds_since(t0) * 1000.0 >=
                                                           (double)budget_ms)) {
                o->left++;
                continue;
            }
            rc = p->target ? verify_target_segment(cfg, spool, p, g, seg, &err)
                           : verify_spool_segment(cfg, g, s, newest_of_id && s + 1 == g->segs.len,
                                                  &err);
            object = lc_xasprintf("%u/%u/%s", (unsigned)g->server_id, g->generation, seg->name);
            if (rc == 0) {
                o->verified++;
            } else if (err.status == LC_E_DATA) {
                o->corrupt++;
                note(&o->corrupt_list, object, err.msg);
            } else {
                o->failed++;
                note(&o->failed_list, object, err.msg);
            }
            free(object);
        }
    }
}

static void report_place(const struct ic_place *p, struct seg_outcome *o, struct ic_report *r)
{
    char *id = lc_xasprintf("%s.binlog.deep", p->label);
    struct lc_buf detail = LC_BUF_INIT;
    enum ic_status st = o->corrupt ? IC_CRITICAL : o->failed ? IC_UNKNOWN : IC_OK;
    const char *action = NULL;

    if (o->corrupt)
        lc_buf_printf(&detail, "CORRUPT %s", o->corrupt_list.data);
    if (o->failed)
        lc_buf_printf(&detail, "%snot checked %s", detail.len ? "; " : "", o->failed_list.data);
    if (!o->corrupt && !o->failed && o->left)
        lc_buf_puts(&detail, "the budget ended first: the oldest segments were not read");
    if (o->corrupt)
        action = p->target ? "a recovery must not replay these copies: remove them and the "
                             "spool's '<segment>.shipped-<target>' marks so that "
                             "'lcbp3-backup binlog' ships them again"
                           : "a recovery cannot replay past the damage: keep the files for "
                             "analysis, check the disk (dmesg, SMART); if the server still "
                             "has the file (SHOW BINARY LOGS), archive it again; make a new "
                             "set with 'lcbp3-backup run'";
    else if (o->failed)
        action = "check the archive's files and the target ('lcbp3-integrity health'), and run "
                 "again";
    ic_report_addf(r, id, st, "every segment whole", detail.len ? detail.data : NULL, action,
                   NULL, "%zu verified, %zu corrupt, %zu not checked, %zu not reached",
                   o->verified, o->corrupt, o->failed, o->left);
    lc_buf_done(&detail);
    free(id);
}

void ic_backups_binlog_deep(const struct lc_config *cfg, const struct ic_opts *opts,
                            struct ic_place *places, size_t n_places, int64_t budget_ms,
                            struct ic_report *r)
{
    const struct ic_place *spool = NULL;
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t idx = 0; idx < n_places; idx++)
        if (!places[idx].target && places[idx].binlogs_listed)
            spool = &places[idx];
    for (size_t idx = 0; idx < n_places; idx++) {
        const struct ic_place *p = &places[idx];
        struct seg_outcome o;

        if (!p->binlogs_listed || (!p->target && opts->target))
            continue;
        memset(&o, 0, sizeof(o));
        o.corrupt_list = (struct lc_buf)LC_BUF_INIT;
        o.failed_list = (struct lc_buf)LC_BUF_INIT;
        verify_place(cfg, spool, p, &t0, budget_ms, &o);
        report_place(p, &o, r);
        lc_buf_done(&o.corrupt_list);
        lc_buf_done(&o.failed_list);
    }
}
