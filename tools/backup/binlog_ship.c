/*
 * The archiver's shipper (see binlog.h): closed segments go to every target like sets
 * do (upload, verify, sidecar, then the spool mark), the active segment's durable
 * bytes as "<name>.open-<size>" every binlog_ship_interval; once a segment is closed
 * and shipped, its open copies there go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/binlog_archive.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/ship.h"
#include "common/target.h"
#include "tools/backup/binlog.h"

#define SHIP_POLL_S 5

/* Removes the open copies of `name` on t except the one of `keep_size` (0: all). */
static int remove_open_copies(struct lc_target *t, const char *dir, const char *name,
                              uint64_t keep_size, struct lc_err *err)
{
    struct lc_target_objects objs;
    size_t len = strlen(name), mark = strlen(LC_BINLOG_OPEN_MARK);
    int rc = 0;

    if (lc_target_list(t, dir, &objs, err) < 0)
        return -1;
    for (size_t i = 0; i < objs.len && rc == 0; i++) {
        const char *o = objs.items[i].name;
        char *rel;

        if (strncmp(o, name, len) != 0 || strncmp(o + len, LC_BINLOG_OPEN_MARK, mark) != 0 ||
            (keep_size && strtoull(o + len + mark, NULL, 10) == keep_size))
            continue;
        rel = lc_xasprintf("%s/%s", dir, o);
        rc = lc_target_remove(t, rel, err);
        free(rel);
    }
    lc_target_objects_done(&objs);
    return rc;
}

/* Ships the closed segments of one generation that t lacks. */
static int ship_closed(struct binlog_shipper *sh, struct lc_target *t, uint32_t server_id,
                       unsigned gen, struct lc_err *err)
{
    const char *spool = sh->cfg->backup.spool_dir;
    struct lc_binlog_segments segs;
    enum lc_verify verify = LC_VERIFY_FULL;
    char *dir = lc_binlog_gen_dir(server_id, gen);
    int rc = 0;

    (void)lc_verify_parse(t->cfg->verify ? t->cfg->verify : "full", &verify);
    if (lc_binlog_segments_list(spool, NULL, server_id, gen, &segs, err) < 0) {
        free(dir);
        return -1;
    }
    for (size_t i = 0; i < segs.len && rc == 0; i++) {
        char *rel;

        if (!segs.items[i].closed)
            continue;
        rel = lc_binlog_object(server_id, gen, segs.items[i].name);
        if (!lc_ship_is_marked(spool, rel, t->cfg->name)) {
            rc = lc_ship_set(t, spool, rel, verify, NULL, NULL, err);
            if (rc == 0) {
                lc_log_info("binlog: shipped %s to [target.%s]", rel, t->cfg->name);
                rc = remove_open_copies(t, dir, segs.items[i].name, 0, err);
            }
        }
        free(rel);
    }
    lc_binlog_segments_done(&segs);
    free(dir);
    return rc;
}

/* Copies the first `size` bytes of the active segment as "<name>.open-<size>". */
static int ship_active(struct binlog_shipper *sh, struct lc_target *t, uint32_t server_id,
                       unsigned gen, const char *name, uint64_t size, struct lc_err *err)
{
    char *dir = lc_binlog_gen_dir(server_id, gen);
    char *path = lc_xasprintf("%s/%s/%s", sh->cfg->backup.spool_dir, dir, name);
    char *rel = lc_binlog_open_object(server_id, gen, name, size);
    struct lc_target_fd_source fs;
    struct lc_target_source src;
    struct lc_target_object st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1, there;

    if (fd < 0) {
        lc_err_sys(err, LC_E_IO, "cannot open binlog segment '%s'", path);
        goto out;
    }
    memset(&st, 0, sizeof(st));
    there = lc_target_stat(t, rel, &st, err);
    if (there < 0)
        goto out;
    if (!there || st.size != size) {
        lc_target_source_fd(&fs, fd, (int64_t)size, &src);
        if (lc_target_put(t, rel, &src, err) < 0)
            goto out;
    }
    rc = remove_open_copies(t, dir, name, size, err);
out:
    if (fd >= 0)
        close(fd);
    free(rel);
    free(path);
    free(dir);
    return rc;
}

/* One pass over one target: every generation's closed segments, then the active one. */
static int ship_target(struct binlog_shipper *sh, const struct lc_target_cfg *tcfg,
                       int include_active, struct lc_err *err)
{
    struct lc_target *t = NULL;
    unsigned *gens = NULL;
    size_t n = 0;
    char *active = NULL;
    uint32_t server_id;
    unsigned gen;
    uint64_t synced;
    int rc = -1;

    pthread_mutex_lock(&sh->lock);
    server_id = sh->server_id;
    gen = sh->generation;
    active = sh->active_name ? lc_xstrdup(sh->active_name) : NULL;
    synced = sh->active_synced;
    pthread_mutex_unlock(&sh->lock);
    if (!server_id) {
        rc = 0; /* the stream has not connected yet */
        goto out;
    }
    if (lc_target_open(tcfg, &t, err) < 0 ||
        lc_binlog_generations(sh->cfg->backup.spool_dir, NULL, server_id, &gens, &n, err) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (ship_closed(sh, t, server_id, gens[i], err) < 0)
            goto out;
    if (include_active && active && synced > LC_BINLOG_MAGIC_LEN &&
        ship_active(sh, t, server_id, gen, active, synced, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        lc_err_prefix(err, "[target.%s]", tcfg->name);
    free(active);
    free(gens);
    lc_target_free(t);
    return rc;
}

int binlog_ship_pending(struct binlog_shipper *sh, int include_active, struct lc_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < sh->cfg->n_targets; i++) {
        struct lc_err e = LC_ERR_INIT;

        if (ship_target(sh, &sh->cfg->targets[i], include_active, &e) < 0) {
            if (rc == 0) /* the first is the caller's to report */
                *err = e;
            else
                lc_log_warn("binlog: shipping failed: %s", e.msg);
            rc = -1;
            continue;
        }
        pthread_mutex_lock(&sh->lock);
        sh->target_success[i] = time(NULL);
        pthread_mutex_unlock(&sh->lock);
    }
    return rc;
}

static void *shipper_main(void *arg)
{
    struct binlog_shipper *sh = arg;
    int64_t interval_s = (sh->cfg->backup.binlog_ship_interval_ms + 999) / 1000;
    struct timespec last_active;

    clock_gettime(CLOCK_MONOTONIC, &last_active);
    pthread_mutex_lock(&sh->lock);
    while (!sh->stop) {
        struct timespec now, until;
        struct lc_err err = LC_ERR_INIT;
        int include_active;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += interval_s < SHIP_POLL_S ? interval_s : SHIP_POLL_S;
        pthread_cond_timedwait(&sh->wake, &sh->lock, &until);
        if (sh->stop)
            break;
        pthread_mutex_unlock(&sh->lock);
        clock_gettime(CLOCK_MONOTONIC, &now);
        include_active = now.tv_sec - last_active.tv_sec >= interval_s;
        if (include_active)
            last_active = now;
        if (binlog_ship_pending(sh, include_active, &err) < 0)
            lc_log_warn("binlog: shipping failed: %s (tried again in %d s)", err.msg,
                        SHIP_POLL_S);
        pthread_mutex_lock(&sh->lock);
    }
    pthread_mutex_unlock(&sh->lock);
    return NULL;
}

int binlog_shipper_start(struct binlog_shipper *sh, const struct lc_config *cfg, int thread,
                         struct lc_err *err)
{
    int e;

    memset(sh, 0, sizeof(*sh));
    sh->cfg = cfg;
    sh->target_success = lc_xcalloc(cfg->n_targets ? cfg->n_targets : 1,
                                    sizeof(*sh->target_success));
    pthread_mutex_init(&sh->lock, NULL);
    pthread_cond_init(&sh->wake, NULL);
    if (!thread || cfg->n_targets == 0)
        return 0;
    e = pthread_create(&sh->thread, NULL, shipper_main, sh);
    if (e) {
        errno = e;
        return lc_err_sys(err, LC_E_OSERR, "cannot start the binlog shipper thread");
    }
    sh->running = 1;
    return 0;
}

void binlog_shipper_publish(struct binlog_shipper *sh, uint32_t server_id, unsigned generation,
                            const char *active, uint64_t synced, int closed_one)
{
    pthread_mutex_lock(&sh->lock);
    sh->server_id = server_id;
    sh->generation = generation;
    if (active && (!sh->active_name || strcmp(active, sh->active_name) != 0)) {
        free(sh->active_name);
        sh->active_name = lc_xstrdup(active);
    }
    if (active)
        sh->active_synced = synced;
    if (closed_one)
        pthread_cond_signal(&sh->wake);
    pthread_mutex_unlock(&sh->lock);
}

void binlog_shipper_stop(struct binlog_shipper *sh)
{
    if (sh->running) {
        pthread_mutex_lock(&sh->lock);
        sh->stop = 1;
        pthread_cond_signal(&sh->wake);
        pthread_mutex_unlock(&sh->lock);
        pthread_join(sh->thread, NULL);
        sh->running = 0;
    }
    pthread_mutex_destroy(&sh->lock);
    pthread_cond_destroy(&sh->wake);
    free(sh->active_name);
    free(sh->target_success);
    sh->active_name = NULL;
    sh->target_success = NULL;
}
