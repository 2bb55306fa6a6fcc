/*
 * Point-in-time recovery, the archive side: which binlog segments follow a set's
 * snapshot file, where each one is (the spool's archive first, then the targets in
 * config order), and getting each into a local, verified file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/binlog_archive.h"
#include "common/buf.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/ship.h"
#include "tools/restore/restore.h"

#define SIDECAR_MAX 4096
#define COPY_CHUNK (1024 * 1024)

/* The segment listings of one generation: [0] the spool's, then one per target. */
struct listings {
    struct lc_binlog_segments *lists;
    size_t n;                 /* 1 + cfg->n_targets */
};

static void listings_done(struct listings *l)
{
    for (size_t idx = 0; idx < l->n; idx++)
        lc_binlog_segments_done(&l->lists[idx]);
    free(l->lists);
}

/* Opens target idx once; NULL (warned) when it cannot be opened. */
static struct lc_target *chain_target(const struct lc_config *cfg, struct restore_chain *chain,
                                      size_t idx)
{
    struct lc_err err = LC_ERR_INIT;

    if (!chain->targets[idx] && !chain->target_failed[idx] &&
        lc_target_open(&cfg->targets[idx], &chain->targets[idx], &err) < 0) {
        lc_log_warn("target '%s' cannot be opened, skipping: %s", cfg->targets[idx].name,
                    err.msg);
        chain->target_failed[idx] = 1;
    }
    return chain->targets[idx];
}

static const struct lc_binlog_segment *find_segment(const struct lc_binlog_segments *list,
                                                    const char *name)
{
    for (size_t idx = 0; idx < list->len; idx++)
        if (strcmp(list->items[idx].name, name) == 0)
            return &list->items[idx];
    return NULL;
}

static int has_data(const struct lc_binlog_segment *seg)
{
    return seg && (seg->size > 0 || seg->open_size > 0);
}

/* Lists generation `gen` in the spool and on every target that answers. */
static void list_generation(const struct lc_config *cfg, struct restore_chain *chain,
                            unsigned gen, struct listings *out)
{
    struct lc_err err = LC_ERR_INIT;

    out->n = 1 + cfg->n_targets;
    out->lists = lc_xcalloc(out->n, sizeof(*out->lists));
    if (cfg->backup.spool_dir &&
        lc_binlog_segments_list(cfg->backup.spool_dir, NULL, chain->server_id, gen,
                                &out->lists[0], &err) < 0) {
        lc_log_warn("the spool's binlog archive cannot be listed, skipping: %s", err.msg);
        lc_err_clear(&err);
    }
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target *t = chain_target(cfg, chain, idx);

        if (t && lc_binlog_segments_list(NULL, t, chain->server_id, gen, &out->lists[idx + 1],
                                         &err) < 0) {
            lc_log_warn("the binlog archive on target '%s' cannot be listed, skipping: %s",
                        cfg->targets[idx].name, err.msg);
            lc_err_clear(&err);
        }
    }
}

/*
 * The generation that holds the set's file. A set made while archiving was on records
 * it; older sets do not (binlog_generation -1), and then the newest generation holding
 * a segment of that name is taken: a generation starts when the server's numbering
 * restarts, so an older generation holding the same name is a previous life of the
 * server whose file merely has the same name. (The set's start time could tell the two
 * apart through the segment's FDE time, but only after fetching it; a restart of the
 * numbering after the set was taken makes that set useless for PITR anyway.)
 */
static int pick_generation(const struct lc_config *cfg, struct restore_chain *chain,
                           const struct lc_manifest *m, struct listings *out,
                           struct lc_err *err)
{
    unsigned *all = NULL;
    size_t n_all = 0;
    int rc = -1;

    for (size_t src = 0; src <= cfg->n_targets; src++) {
        struct lc_target *t = src ? chain_target(cfg, chain, src - 1) : NULL;
        struct lc_err ignored = LC_ERR_INIT;
        unsigned *gens = NULL;
        size_t n = 0;

        if ((!src && !cfg->backup.spool_dir) || (src && !t))
            continue;
        if (lc_binlog_generations(src ? NULL : cfg->backup.spool_dir, t, chain->server_id,
                                  &gens, &n, &ignored) == 0) {
            all = lc_xrealloc(all, (n_all + n + 1) * sizeof(*all));
            if (n)
                memcpy(all + n_all, gens, n * sizeof(*gens));
            n_all += n;
        }
        free(gens);
    }
    if (m->binlog_generation >= 0) {
        n_all = 0;
        all = lc_xrealloc(all, sizeof(*all));
        all[n_all++] = (unsigned)m->binlog_generation;
    }
    while (n_all > 0) {
        size_t best = 0;

        for (size_t idx = 1; idx < n_all; idx++)
            if (all[idx] > all[best])
                best = idx;
        list_generation(cfg, chain, all[best], out);
        for (size_t src = 0; src < out->n; src++)
            if (has_data(find_segment(&out->lists[src], m->binlog_file))) {
                chain->generation = all[best];
                rc = 0;
                goto out;
            }
        listings_done(out);
        /* drop every copy of this generation number and try the next older one */
        for (size_t idx = 0, keep = all[best]; idx < n_all;)
            if (all[idx] == keep)
                all[idx] = all[--n_all];
            else
                idx++;
    }
    lc_err_set(err, LC_E_NOINPUT, "the set's binlog file '%s' (server id %u) is not archived "
               "in the spool or on any target", m->binlog_file, (unsigned)m->server_id);
    lc_err_hint(err, "is 'lcbp3-backup binlog' running ([backup] binlog_client_id)? "
                     "without the binlogs from the set's position, only the set itself can "
                     "be restored");
out:
    free(all);
    return rc;
}

/* Whether any listing holds a segment ordered after `name` (a gap, not the end). */
static int archived_after(const struct listings *l, const char *name)
{
    for (size_t src = 0; src < l->n; src++)
        for (size_t idx = 0; idx < l->lists[src].len; idx++)
            if (has_data(&l->lists[src].items[idx]) &&
                lc_binlog_name_cmp(l->lists[src].items[idx].name, name) > 0)
                return 1;
    return 0;
}

int restore_chain_find(const struct lc_config *cfg, const struct lc_manifest *m,
                       struct restore_chain *out, struct lc_err *err)
{
    struct listings l = {NULL, 0};
    char *name;

    memset(out, 0, sizeof(*out));
    out->server_id = m->server_id;
    out->n_targets = cfg->n_targets;
    out->targets = lc_xcalloc(cfg->n_targets + 1, sizeof(*out->targets));
    out->target_failed = lc_xcalloc(cfg->n_targets + 1, 1);
    if (pick_generation(cfg, out, m, &l, err) < 0)
        return -1;
    name = lc_xstrdup(m->binlog_file);
    while (name) {
        const struct lc_binlog_segment *pick = NULL;
        int pick_src = -1;
        struct restore_segment *seg;

        /* a closed copy wins over an active one; the spool before the targets */
        for (int pass = 0; pass < 2 && !pick; pass++)
            for (size_t src = 0; src < l.n && !pick; src++) {
                const struct lc_binlog_segment *s = find_segment(&l.lists[src], name);

                if (has_data(s) && (pass == 1 || (s->closed && s->size > 0))) {
                    pick = s;
                    pick_src = (int)src - 1;
                }
            }
        if (!pick) {
            if (out->len > 0 && archived_after(&l, name))
                out->missing = lc_xstrdup(name);
            free(name);
            break;
        }
        out->items = lc_xrealloc(out->items, (out->len + 1) * sizeof(*out->items));
        seg = &out->items[out->len++];
        memset(seg, 0, sizeof(*seg));
        seg->name = name;
        seg->target = pick_src;
        seg->closed = pick->closed && pick->size > 0;
        seg->size = seg->closed || pick_src < 0 ? pick->size : pick->open_size;
        if (!seg->closed) {
            /* the active segment ends the chain; anything after it is a gap of sorts */
            if (archived_after(&l, name))
                out->missing = lc_binlog_name_next(name);
            break;
        }
        name = lc_binlog_name_next(name);
    }
    listings_done(&l);
    if (out->len == 0)
        return lc_err_set(err, LC_E_NOINPUT, "the set's binlog file '%s' is not archived",
                          m->binlog_file);
    return 0;
}

const char *restore_chain_source(const struct lc_config *cfg, const struct restore_segment *seg)
{
    return seg->target < 0 ? "spool" : cfg->targets[seg->target].name;
}

static int make_work_dir(const struct lc_config *cfg, struct restore_chain *chain,
                         struct lc_err *err)
{
    if (chain->work_dir)
        return 0;
    chain->work_dir = lc_xasprintf("%s/.work-restore-%ld", lc_config_work_dir(cfg),
                                   (long)getpid());
    if (lc_fs_mkdir_p(chain->work_dir, 0700, err) < 0) {
        free(chain->work_dir);
        chain->work_dir = NULL;
        return -1;
    }
    return 0;
}

static int fd_write(void *ctx, const void *buf, size_t len, struct lc_err *err)
{
    return lc_fs_write_all(*(int *)ctx, buf, len, "a binlog segment download", err);
}

static int buf_write(void *ctx, const void *buf, size_t len, struct lc_err *err)
{
    struct lc_buf *b = ctx;

    if (b->len + len > SIDECAR_MAX)
        return lc_err_set(err, LC_E_DATA, "sidecar larger than %d bytes", SIDECAR_MAX);
    lc_buf_append(b, buf, len);
    return 0;
}

/* Downloads object `obj` of target t into `path` (0600). */
static int download(struct lc_target *t, const char *obj, const char *path, struct lc_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    struct lc_target_sink sink = {fd_write, &fd};
    int rc;

    if (fd < 0)
        return lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", path);
    rc = lc_target_get(t, obj, &sink, err);
    if (close(fd) < 0 && rc == 0)
        rc = lc_err_sys(err, LC_E_IO, "cannot write '%s'", path);
    return rc;
}

/* Copies the active spool segment as it is now (the archiver may be appending). */
static int copy_file(const char *from, const char *to, struct lc_err *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    char *buf = NULL;

    if (in < 0)
        return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "cannot open '%s'",
                          from);
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", to);
        goto out;
    }
    buf = lc_xmalloc(COPY_CHUNK);
    for (;;) {
        ssize_t n = read(in, buf, COPY_CHUNK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            lc_err_sys(err, LC_E_IO, "cannot read '%s'", from);
            goto out;
        }
        if (n == 0)
            break;
        if (lc_fs_write_all(out, buf, (size_t)n, to, err) < 0)
            goto out;
    }
    rc = 0;
out:
    free(buf);
    if (out >= 0 && close(out) < 0 && rc == 0)
        rc = lc_err_sys(err, LC_E_IO, "cannot write '%s'", to);
    close(in);
    return rc;
}

/* The local file's SHA-256 against the sidecar's. */
static int check_sha(const char *path, const char *name, const char *want, const char *where,
                     struct lc_err *err)
{
    char *paths[2] = {(char *)path, NULL};
    char got[65];

    if (lc_sha256_files(paths, got, err) < 0)
        return -1;
    if (strcmp(got, want) != 0) {
        lc_err_set(err, LC_E_DATA, "binlog segment '%s' (%s) does not match its sidecar: "
                   "SHA-256 %s, sidecar says %s", name, where, got, want);
        lc_err_hint(err, "the copy is damaged; nothing was restored. Use the copy of another "
                         "target (move this one aside) or restore the set alone");
        return -1;
    }
    return 0;
}

int restore_chain_fetch(const struct lc_config *cfg, struct restore_chain *chain, size_t idx,
                        struct lc_err *err)
{
    struct restore_segment *seg = &chain->items[idx];
    char *obj = lc_binlog_object(chain->server_id, chain->generation, seg->name);
    struct lc_buf text = LC_BUF_INIT;
    char want[65];
    int rc = -1;

    if (make_work_dir(cfg, chain, err) < 0)
        goto out;
    if (seg->target < 0) {
        char *spool_path = lc_xasprintf("%s/%s", cfg->backup.spool_dir, obj);

        if (seg->closed) {
            seg->path = spool_path;
            if (lc_sidecar_read(seg->path, want, err) == 0 &&
                check_sha(seg->path, seg->name, want, "spool", err) == 0)
                rc = 0;
            goto out;
        }
        seg->path = lc_xasprintf("%s/%s", chain->work_dir, seg->name);
        rc = copy_file(spool_path, seg->path, err);
        free(spool_path);
    } else {
        struct lc_target *t = chain->targets[seg->target];
        const char *tname = cfg->targets[seg->target].name;

        seg->path = lc_xasprintf("%s/%s", chain->work_dir, seg->name);
        if (seg->closed) {
            char *side = lc_xasprintf("%s.sha256", obj);
            struct lc_target_sink sink = {buf_write, &text};
            char *where = lc_xasprintf("target '%s'", tname);

            rc = lc_target_get(t, side, &sink, err);
            if (rc == 0)
                rc = lc_sidecar_parse(text.data ? text.data : "", text.len, side, want, err);
            if (rc == 0)
                rc = download(t, obj, seg->path, err);
            if (rc == 0)
                rc = check_sha(seg->path, seg->name, want, where, err);
            free(side);
            free(where);
        } else {
            char *open_obj = lc_binlog_open_object(chain->server_id, chain->generation,
                                                   seg->name, seg->size);

            rc = download(t, open_obj, seg->path, err);
            free(open_obj);
        }
        if (rc < 0)
            lc_err_prefix(err, "fetching binlog segment '%s' from target '%s'", seg->name, tname);
    }
out:
    lc_buf_done(&text);
    free(obj);
    return rc;
}

void restore_chain_done(struct restore_chain *chain)
{
    struct lc_err err = LC_ERR_INIT;

    for (size_t idx = 0; idx < chain->len; idx++) {
        free(chain->items[idx].name);
        free(chain->items[idx].path);
    }
    free(chain->items);
    free(chain->missing);
    for (size_t idx = 0; idx < chain->n_targets; idx++)
        lc_target_free(chain->targets[idx]);
    free(chain->targets);
    free(chain->target_failed);
    if (chain->work_dir && lc_fs_remove_tree(chain->work_dir, &err) < 0)
        lc_log_warn("cannot remove the work directory '%s': %s", chain->work_dir, err.msg);
    free(chain->work_dir);
    memset(chain, 0, sizeof(*chain));
}
