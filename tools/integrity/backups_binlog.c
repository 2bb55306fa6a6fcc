/*
 * lcbp3-integrity backups, binlog archive part (when [backup] binlog_client_id is set),
 * on the spool and on every target:
 *   <place>.binlog.chain     from every complete set's snapshot position (its manifest's
 *                            file, in its generation) to the newest segment, no number
 *                            is missing and every segment but the newest is closed;
 *   <place>.binlog.age       the archive's newest event is younger than [integrity]
 *                            max_binlog_age (spool: the newest segment's last event
 *                            time, or its modification time when newer: the archiver
 *                            renews it at every flush while it follows a quiet server;
 *                            targets: the newest segment or open copy's upload time);
 *   <place>.binlog.sidecars  every segment but the active one is closed (has its
 *                            sidecar) and every sidecar has its segment;
 *   target.N.binlog.shipped  every closed spool segment marked shipped to the target
 *                            is there, closed, with the same size.
 * A set older than the archive (its file precedes the oldest archived segment, or it
 * was made while archiving was off) is a WARNING: point-in-time recovery starts from a
 * newer set. The newest set with a binlog position must be covered, else CRITICAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/binlog_archive.h"
#include "common/binlog_event.h"
#include "common/binlog_sets.h"
#include "common/buf.h"
#include "common/mem.h"
#include "common/ship.h"
#include "common/units.h"
#include "tools/integrity/backups.h"

#define LISTED_NAMES 5            /* names quoted in one detail line */
#define WALK_WINDOW (256 * 1024)  /* header walk: bytes read at a time */

static const char *place_name(const struct ic_place *p)
{
    return p->target ? p->target->cfg->name : "spool";
}

static char *check_id(const struct ic_place *p, const char *what)
{
    return lc_xasprintf("%s.binlog.%s", p->label, what);
}

/* Appends "'name'" to a detail list, or counts it past LISTED_NAMES. */
static void list_name(struct lc_buf *b, size_t *count, const char *name)
{
    if (*count < LISTED_NAMES)
        lc_buf_printf(b, "%s'%s'", *count ? ", " : "", name);
    else if (*count == LISTED_NAMES)
        lc_buf_puts(b, ", ...");
    (*count)++;
}

void ic_binlog_place_done(struct ic_place *p)
{
    for (size_t idx = 0; idx < p->n_binlogs; idx++)
        lc_binlog_segments_done(&p->binlogs[idx].segs);
    free(p->binlogs);
    p->binlogs = NULL;
    p->n_binlogs = 0;
}

/* The generation `gen` of `server_id` in the place, or NULL. */
static const struct ic_binlog_gen *find_gen(const struct ic_place *p, uint32_t server_id,
                                            unsigned gen)
{
    for (size_t idx = 0; idx < p->n_binlogs; idx++)
        if (p->binlogs[idx].server_id == server_id && p->binlogs[idx].generation == gen)
            return &p->binlogs[idx];
    return NULL;
}

/* The newest generation of `server_id` in the place, or NULL. */
static const struct ic_binlog_gen *newest_gen(const struct ic_place *p, uint32_t server_id)
{
    const struct ic_binlog_gen *newest = NULL;

    for (size_t idx = 0; idx < p->n_binlogs; idx++)
        if (p->binlogs[idx].server_id == server_id && p->binlogs[idx].segs.len)
            newest = &p->binlogs[idx];
    return newest;
}

/* ---- the sets' positions ------------------------------------------------------------- */

struct positions {
    struct lc_set_binlogs *record;
    char **names;
    struct lc_set_binlog *pos;
    size_t len;
};

static const struct lc_set_binlog *position_of(struct positions *ps, const char *name)
{
    for (size_t idx = 0; idx < ps->len; idx++)
        if (strcmp(ps->names[idx], name) == 0)
            return &ps->pos[idx];
    ps->names = lc_xrealloc(ps->names, (ps->len + 1) * sizeof(*ps->names));
    ps->pos = lc_xrealloc(ps->pos, (ps->len + 1) * sizeof(*ps->pos));
    ps->names[ps->len] = lc_xstrdup(name);
    lc_set_binlogs_get(ps->record, name, &ps->pos[ps->len]);
    return &ps->pos[ps->len++];
}

static void positions_done(struct positions *ps)
{
    for (size_t idx = 0; idx < ps->len; idx++) {
        free(ps->names[idx]);
        lc_set_binlog_done(&ps->pos[idx]);
    }
    free(ps->names);
    free(ps->pos);
    lc_set_binlogs_close(ps->record);
}

/* ---- listing a place's archive ------------------------------------------------------- */

static void add_id(uint32_t **ids, size_t *n, uint32_t id)
{
    for (size_t idx = 0; idx < *n; idx++)
        if ((*ids)[idx] == id)
            return;
    *ids = lc_xrealloc(*ids, (*n + 1) * sizeof(**ids));
    (*ids)[(*n)++] = id;
}

/* Lists every generation of every server id the spool or the place's sets know. */
static int list_archive(const struct lc_config *cfg, struct ic_place *p, struct positions *ps,
                        struct lc_err *err)
{
    uint32_t *ids = NULL;
    size_t n_ids = 0;
    int rc = -1;

    if (lc_binlog_server_ids(cfg->backup.spool_dir, &ids, &n_ids, err) < 0)
        return -1;
    for (size_t idx = 0; idx < p->sets.len; idx++) {
        const struct lc_set_binlog *b = position_of(ps, p->sets.items[idx].name);

        if (b->known && b->server_id)
            add_id(&ids, &n_ids, b->server_id);
    }
    for (size_t i = 0; i < n_ids; i++) {
        unsigned *gens = NULL;
        size_t n_gens = 0;
        if (lc_binlog_generations(cfg->backup.spool_dir, p->target, ids[i], &gens, &n_gens,
                                  err) < 0)
            goto out;
        for (size_t g = 0; g < n_gens; g++) {
            struct ic_binlog_gen *bg;

            p->binlogs = lc_xrealloc(p->binlogs, (p->n_binlogs + 1) * sizeof(*p->binlogs));
            bg = &p->binlogs[p->n_binlogs];
            bg->server_id = ids[i];
            bg->generation = gens[g];
            if (lc_binlog_segments_list(p->target ? NULL : cfg->backup.spool_dir, p->target,
                                        ids[i], gens[g], &bg->segs, err) < 0) {
                free(gens);
                goto out;
            }
            p->n_binlogs++;
        }
        free(gens);
    }
    rc = 0;
out:
    free(ids);
    return rc;
}

/* ---- the chain from every set -------------------------------------------------------- */

enum coverage { COVERED, GAP, BEHIND, BEFORE, OFF, UNKNOWN_POS, NO_POS };

/* Where a set with a position stands in the place's archive; *why (new string) for GAP. */
static enum coverage cover(const struct ic_place *p, const struct lc_set_binlog *b, char **why)
{
    const struct ic_binlog_gen *g, *newest;
    struct lc_err err = LC_ERR_INIT;
    size_t first, count;

    if (!b->known)
        return UNKNOWN_POS;
    if (!b->server_id || !b->file)
        return NO_POS;
    if (b->generation < 0)
        return OFF;
    g = find_gen(p, b->server_id, (unsigned)b->generation);
    newest = newest_gen(p, b->server_id);
    if (!g || g->segs.len == 0) {
        if (!newest || (unsigned)b->generation > newest->generation)
            return BEHIND;
        for (size_t idx = 0; idx < p->n_binlogs; idx++)
            if (p->binlogs[idx].server_id == b->server_id && p->binlogs[idx].segs.len &&
                p->binlogs[idx].generation < (unsigned)b->generation) {
                *why = lc_xasprintf("generation %d of server %u is not archived", b->generation,
                                    (unsigned)b->server_id);
                return GAP;
            }
        return BEFORE;
    }
    if (lc_binlog_chain(&g->segs, b->file, &first, &count, &err) == 0)
        return COVERED;
    if (err.status != LC_E_NOINPUT) {
        *why = lc_xstrdup(err.msg);
        return GAP;
    }
    if (lc_binlog_name_cmp(b->file, g->segs.items[0].name) < 0)
        return BEFORE;
    if (lc_binlog_name_cmp(b->file, g->segs.items[g->segs.len - 1].name) > 0)
        return BEHIND;
    *why = lc_xasprintf("'%s' is missing from the archive", b->file);
    return GAP;
}

struct chain_findings {
    struct lc_buf gaps, behind, before, off;
    size_t n_gaps, n_behind, n_before, n_off, n_covered, n_unknown, n_none, n_sets;
    char *gap_why;                    /* the first set's break */
    const char *newest;               /* the newest set with a position */
    enum coverage newest_cover;
};

static void note_set(struct chain_findings *f, const char *name, enum coverage c, const char *why)
{
    if (c != UNKNOWN_POS && c != NO_POS && !f->newest) {
        f->newest = name;
        f->newest_cover = c;
    }
    switch (c) {
    case COVERED: f->n_covered++; break;
    case GAP:
        if (!f->gap_why)
            f->gap_why = lc_xstrdup(why ? why : "?");
        list_name(&f->gaps, &f->n_gaps, name);
        break;
    case BEHIND: list_name(&f->behind, &f->n_behind, name); break;
    case BEFORE: list_name(&f->before, &f->n_before, name); break;
    case OFF: list_name(&f->off, &f->n_off, name); break;
    case UNKNOWN_POS: f->n_unknown++; break;
    case NO_POS: f->n_none++; break;
    }
}

static void check_chain(const struct ic_place *p, struct positions *ps, struct ic_report *r)
{
    struct chain_findings f;
    struct lc_buf detail = LC_BUF_INIT;
    char *id = check_id(p, "chain");
    enum ic_status st = IC_OK;
    const char *action = NULL;

    memset(&f, 0, sizeof(f));
    for (size_t idx = 0; idx < p->sets.len; idx++) {
        const struct lc_spool_set *s = &p->sets.items[idx];
        char *why = NULL;
        enum coverage c;

        if (!s->has_sidecar)
            continue;   /* incomplete: reported by the completeness checks */
        f.n_sets++;
        c = cover(p, position_of(ps, s->name), &why);
        note_set(&f, s->name, c, why);
        free(why);
    }
    if (f.n_gaps)
        lc_buf_printf(&detail, "%s: the chain is broken for %s", f.gap_why, f.gaps.data);
    if (f.n_behind)
        lc_buf_printf(&detail, "%sthe archive has not reached the snapshot of %s",
                      detail.len ? "; " : "", f.behind.data);
    if (f.newest && f.newest_cover != COVERED && f.newest_cover != GAP &&
        f.newest_cover != BEHIND)
        lc_buf_printf(&detail, "%sthe newest set '%s' is not covered: no point-in-time "
                      "recovery is possible", detail.len ? "; " : "", f.newest);
    if (f.n_before)
        lc_buf_printf(&detail, "%solder than the archive (made before archiving began, or "
                      "their segments were removed): %s", detail.len ? "; " : "", f.before.data);
    if (f.n_off)
        lc_buf_printf(&detail, "%smade while binlog archiving was off: %s",
                      detail.len ? "; " : "", f.off.data);
    if (f.n_unknown)
        lc_buf_printf(&detail, "%s%zu set(s) not checked: no readable manifest at hand (no "
                      "spool copy, no record)", detail.len ? "; " : "", f.n_unknown);
    if (f.n_gaps || f.n_behind || (f.newest && f.newest_cover != COVERED)) {
        st = IC_CRITICAL;
        action = f.n_gaps ? "point-in-time recovery cannot pass a hole: check that "
                            "'lcbp3-backup binlog' ran (journalctl -u lcbp3-binlog) and whether "
                            "the server still has the missing files (SHOW BINARY LOGS); a new "
                            "set ('lcbp3-backup run') starts a whole chain again"
                 : f.n_behind ? "is lcbp3-backup binlog --follow running? systemctl status "
                                "lcbp3-binlog; on a target: 'lcbp3-backup binlog' ships the "
                                "waiting segments"
                              : "make a set the archive covers: 'lcbp3-backup run' (and keep "
                                "'lcbp3-backup binlog --follow' running)";
    } else if (f.n_before || f.n_off) {
        st = IC_WARNING;
        action = "point-in-time recovery is possible from the newer sets only; nothing to do "
                 "unless a time before them is needed";
    }
    ic_report_addf(r, id, st, "every set's snapshot to the newest segment",
                   detail.len ? detail.data : NULL, action, NULL,
                   "%zu of %zu sets covered", f.n_covered, f.n_sets - f.n_none - f.n_unknown);
    lc_buf_done(&detail);
    lc_buf_done(&f.gaps);
    lc_buf_done(&f.behind);
    lc_buf_done(&f.before);
    lc_buf_done(&f.off);
    free(f.gap_why);
    free(id);
}

/* ---- age ------------------------------------------------------------------------------ */

/*
 * The timestamp of the last whole event of the binlog file at `path`, walking the event
 * headers only (no CRC: that is --deep's job), so a large active segment costs a
 * sequential read without checksumming, and big events are skipped. -1 when the file
 * cannot be read or holds no event.
 */
static int last_event_time(const char *path, uint32_t *out_ts, struct lc_err *err)
{
    unsigned char *win = NULL;
    uint64_t win_off = 0, off = LC_BINLOG_MAGIC_LEN, size;
    size_t win_len = 0;
    uint32_t ts = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0, rc = -1;
    struct stat st;
    unsigned char magic[LC_BINLOG_MAGIC_LEN];

    if (fd < 0)
        return lc_err_sys(err, LC_E_IO, "cannot open '%s'", path);
    if (fstat(fd, &st) < 0 || pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
        memcmp(magic, LC_BINLOG_MAGIC, LC_BINLOG_MAGIC_LEN) != 0) {
        lc_err_set(err, LC_E_DATA, "'%s' is not a MariaDB binary log", path);
        goto out;
    }
    size = (uint64_t)st.st_size;
    win = lc_xmalloc(WALK_WINDOW);
    while (off + LC_BINLOG_HEADER_LEN <= size) {
        struct lc_binlog_event ev;

        if (off < win_off || off + LC_BINLOG_HEADER_LEN > win_off + win_len) {
            ssize_t n = pread(fd, win, WALK_WINDOW, (off_t)off);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < LC_BINLOG_HEADER_LEN)
                break;
            win_off = off;
            win_len = (size_t)n;
        }
        if (lc_binlog_event_parse(win + (off - win_off), LC_BINLOG_HEADER_LEN, &ev) < 0 ||
            off + ev.size > size || (ev.log_pos != 0 && ev.log_pos != off + ev.size))
            break;   /* the end of what was written whole (or damage: --deep says) */
        ts = ev.timestamp;
        found = 1;
        off += ev.size;
    }
    if (!found) {
        lc_err_set(err, LC_E_DATA, "'%s' holds no whole event", path);
        goto out;
    }
    *out_ts = ts;
    rc = 0;
out:
    free(win);
    close(fd);
    return rc;
}

/* The newest archived event's time in the spool (its segment in *where). */
static int spool_newest(const struct lc_config *cfg, const struct ic_place *p, time_t *out,
                        char **where, struct lc_err *err)
{
    int found = 0;

    for (size_t idx = 0; idx < p->n_binlogs; idx++) {
        const struct ic_binlog_gen *g = &p->binlogs[idx];
        const struct lc_binlog_segment *seg;
        char *path;
        uint32_t ts = 0;

        if (g != newest_gen(p, g->server_id))
            continue;
        seg = &g->segs.items[g->segs.len - 1];
        path = lc_xasprintf("%s/" LC_BINLOG_DIR "/%u/%u/%s", cfg->backup.spool_dir,
                            (unsigned)g->server_id, g->generation, seg->name);
        if (last_event_time(path, &ts, err) < 0) {
            free(path);
            return -1;
        }
        free(path);
        if (seg->mtime > (time_t)ts)
            ts = (uint32_t)seg->mtime; /* caught up as of then (a quiet server) */
        if (!found || (time_t)ts > *out) {
            *out = (time_t)ts;
            free(*where);
            *where = lc_xasprintf(LC_BINLOG_DIR "/%u/%u/%s", (unsigned)g->server_id,
                                  g->generation, seg->name);
        }
        found = 1;
    }
    return found;
}

/* The newest upload to a target: the latest time of a segment or an open copy in the
 * newest generation of each server id. */
static int target_newest(const struct ic_place *p, time_t *out, char **where, struct lc_err *err)
{
    int found = 0;

    for (size_t idx = 0; idx < p->n_binlogs; idx++) {
        const struct ic_binlog_gen *g = &p->binlogs[idx];
        struct lc_target_objects objs = {NULL, 0};
        char *dir;

        if (g != newest_gen(p, g->server_id))
            continue;
        dir = lc_binlog_gen_dir(g->server_id, g->generation);
        if (lc_target_list(p->target, dir, &objs, err) < 0) {
            free(dir);
            return -1;
        }
        for (size_t o = 0; o < objs.len; o++) {
            const struct lc_target_object *obj = &objs.items[o];
            const char *mark = strstr(obj->name, LC_BINLOG_OPEN_MARK);
            size_t base = mark ? (size_t)(mark - obj->name) : strlen(obj->name);
            char *seg = lc_xstrndup(obj->name, base);

            if (obj->mtime && lc_binlog_name_split(seg, NULL, NULL, NULL) == 0 &&
                (mark || strcmp(seg, obj->name) == 0) && (!found || obj->mtime > *out)) {
                *out = obj->mtime;
                free(*where);
                *where = lc_xasprintf("%s/%s", dir, obj->name);
                found = 1;
            }
            free(seg);
        }
        lc_target_objects_done(&objs);
        free(dir);
    }
    return found;
}

static void check_age(const struct lc_config *cfg, const struct ic_place *p, struct ic_report *r)
{
    struct lc_err err = LC_ERR_INIT;
    char *id = check_id(p, "age");
    char *labels = lc_metrics_labels("target", place_name(p), NULL);
    char *where = NULL, *detail = NULL;
    char threshold[64], max[32], age[32], at[32];
    time_t newest = 0;
    int found = p->target ? target_newest(p, &newest, &where, &err)
                          : spool_newest(cfg, p, &newest, &where, &err);
    int64_t age_ms;
    int old;

    lc_format_duration(cfg->integrity.max_binlog_age_ms, max, sizeof(max));
    snprintf(threshold, sizeof(threshold), "younger than %s", max);
    if (found < 0) {
        ic_report_unknown(r, id, &err, "check the archive's files (and the target with "
                                       "'lcbp3-integrity health')");
        goto out;
    }
    if (found == 0) {
        ic_report_addf(r, id, IC_CRITICAL, threshold,
                       p->target ? "no archived binlog segment on the target"
                                 : "no archived binlog segment in the spool",
                       "is lcbp3-backup binlog --follow running? systemctl status lcbp3-binlog",
                       NULL, "none");
        goto out;
    }
    age_ms = ((int64_t)time(NULL) - (int64_t)newest) * 1000;
    if (age_ms < 0)
        age_ms = 0;   /* the server's clock is ahead of ours */
    old = age_ms > cfg->integrity.max_binlog_age_ms;
    if (age_ms < 1000)
        snprintf(age, sizeof(age), "0s");
    else
        lc_format_duration(age_ms, age, sizeof(age));
    lc_format_utc(newest, at, sizeof(at));
    detail = lc_xasprintf("%s %s at %s", p->target ? "newest upload:" : "newest event in",
                          where, at);
    lc_metrics_gauge(ic_report_metrics(r), "lcbp3_binlog_archive_age_seconds",
                     p->target ? "time since the newest binlog upload to the target"
                               : "age of the newest archived binlog event",
                     labels, (double)age_ms / 1000.0);
    ic_report_addf(r, id, old ? IC_CRITICAL : IC_OK, threshold, detail,
                   old ? "is lcbp3-backup binlog --follow running? systemctl status lcbp3-binlog"
                       : NULL,
                   NULL, "%s", age);
out:
    free(detail);
    free(where);
    free(labels);
    free(id);
}

/* ---- sidecars and shipped segments ----------------------------------------------------- */

static void check_sidecars(const struct ic_place *p, struct ic_report *r)
{
    struct lc_buf open = LC_BUF_INIT, empty = LC_BUF_INIT, detail = LC_BUF_INIT;
    size_t n_open = 0, n_empty = 0, n_segs = 0, n_closed = 0;
    char *id = check_id(p, "sidecars");

    for (size_t idx = 0; idx < p->n_binlogs; idx++) {
        const struct ic_binlog_gen *g = &p->binlogs[idx];
        int newest = g == newest_gen(p, g->server_id);

        for (size_t s = 0; s < g->segs.len; s++) {
            const struct lc_binlog_segment *seg = &g->segs.items[s];
            char *name;

            n_segs++;
            n_closed += seg->closed;
            if (newest && s + 1 == g->segs.len)
                continue;   /* the active segment */
            name = lc_xasprintf("%u/%u/%s", (unsigned)g->server_id, g->generation, seg->name);
            if (!seg->closed)
                list_name(&open, &n_open, name);
            else if (seg->size == 0)
                list_name(&empty, &n_empty, name);
            free(name);
        }
    }
    if (n_open)
        lc_buf_printf(&detail, "not closed though a newer segment exists (no .sha256): %s",
                      open.data);
    if (n_empty)
        lc_buf_printf(&detail, "%sa sidecar without its segment: %s", n_open ? "; " : "",
                      empty.data);
    ic_report_addf(r, id, n_open || n_empty ? IC_CRITICAL : IC_OK,
                   "every segment but the active one closed",
                   detail.len ? detail.data : NULL,
                   n_open || n_empty ? "a restore refuses a chain with an unclosed or missing "
                                       "segment: restart the archiver (systemctl restart "
                                       "lcbp3-binlog), which closes what it finished; then "
                                       "'lcbp3-integrity backups --deep'"
                                     : NULL,
                   NULL, "%zu segments, %zu closed", n_segs,
                   n_closed);
    lc_buf_done(&open);
    lc_buf_done(&empty);
    lc_buf_done(&detail);
    free(id);
}

static const struct lc_binlog_segment *find_segment(const struct ic_binlog_gen *g,
                                                    const char *name)
{
    for (size_t idx = 0; g && idx < g->segs.len; idx++)
        if (strcmp(g->segs.items[idx].name, name) == 0)
            return &g->segs.items[idx];
    return NULL;
}

static void check_shipped(const struct lc_config *cfg, const struct ic_place *spool,
                          const struct ic_place *p, struct ic_report *r)
{
    struct lc_buf missing = LC_BUF_INIT, resized = LC_BUF_INIT, detail = LC_BUF_INIT;
    size_t n_missing = 0, n_resized = 0, n_marked = 0;
    char *id = check_id(p, "shipped");

    for (size_t idx = 0; idx < spool->n_binlogs; idx++) {
        const struct ic_binlog_gen *g = &spool->binlogs[idx];
        const struct ic_binlog_gen *there = find_gen(p, g->server_id, g->generation);

        for (size_t s = 0; s < g->segs.len; s++) {
            const struct lc_binlog_segment *seg = &g->segs.items[s];
            const struct lc_binlog_segment *copy = find_segment(there, seg->name);
            char *object = lc_xasprintf(LC_BINLOG_DIR "/%u/%u/%s", (unsigned)g->server_id,
                                        g->generation, seg->name);

            if (seg->closed && lc_ship_is_marked(cfg->backup.spool_dir, object,
                                                 p->target->cfg->name)) {
                n_marked++;
                if (!copy || !copy->closed || copy->size == 0)
                    list_name(&missing, &n_missing, object);
                else if (copy->size != seg->size)
                    list_name(&resized, &n_resized, object);
            }
            free(object);
        }
    }
    if (n_missing)
        lc_buf_printf(&detail, "recorded as shipped but not closed on the target: %s",
                      missing.data);
    if (n_resized)
        lc_buf_printf(&detail, "%snot the spool's size on the target: %s",
                      n_missing ? "; " : "", resized.data);
    ic_report_addf(r, id, n_missing || n_resized ? IC_CRITICAL : IC_OK,
                   "the spool's shipped segments are there, same size",
                   detail.len ? detail.data : NULL,
                   n_missing || n_resized ? "remove the spool's '<segment>.shipped-<target>' "
                                            "marks of those segments; 'lcbp3-backup binlog' "
                                            "ships them again"
                                          : NULL,
                   NULL, "%zu missing, %zu resized of %zu",
                   n_missing, n_resized, n_marked);
    lc_buf_done(&missing);
    lc_buf_done(&resized);
    lc_buf_done(&detail);
    free(id);
}

/* ---- the places ------------------------------------------------------------------------ */

void ic_backups_binlog(const struct lc_config *cfg, const struct ic_opts *opts,
                       struct ic_place *places, size_t n_places, struct ic_report *r)
{
    struct positions ps = {lc_set_binlogs_open(cfg), NULL, NULL, 0};
    const struct ic_place *spool = NULL;

    for (size_t idx = 0; idx < n_places; idx++) {
        struct ic_place *p = &places[idx];
        struct lc_err err = LC_ERR_INIT;

        if (!p->listed)
            continue;
        if (list_archive(cfg, p, &ps, &err) < 0) {
            char *id = check_id(p, "chain");

            ic_report_unknown(r, id, &err, p->target ? "check the target with "
                                                       "'lcbp3-integrity health'"
                                                     : "check [backup] spool_dir");
            free(id);
            ic_binlog_place_done(p);
            continue;
        }
        p->binlogs_listed = 1;
        if (!p->target)
            spool = p;
    }
    for (size_t idx = 0; idx < n_places; idx++) {
        struct ic_place *p = &places[idx];

        if (!p->binlogs_listed || (!p->target && opts->target))
            continue;
        check_chain(p, &ps, r);
        check_age(cfg, p, r);
        check_sidecars(p, r);
        if (p->target && spool)
            check_shipped(cfg, spool, p, r);
    }
    positions_done(&ps);
}
