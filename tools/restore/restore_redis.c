/*
 * `lcbp3-restore redis SET|FILE [--rdb-to DIR]`: from a verified set, print the plan,
 * confirm, and replay every key export into the configured Redis (the master, or each
 * key to its slot's master in a Cluster), with progress and one end line. With
 * --rdb-to, the set's RDB (or a legacy .rdb / .rdb.gz) is placed as DIR/dump.rdb for a
 * stopped server instead, and the steps to load it are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/confirm.h"
#include "common/gz_reader.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/redis_client.h"
#include "common/restore_redis.h"
#include "common/set_reader.h"
#include "common/units.h"
#include "tools/restore/restore.h"

static int is_legacy_rdb(const char *path)
{
    return restore_has_suffix(path, ".rdb") || restore_has_suffix(path, ".rdb.gz");
}

/* lc_restore_read_fn over a gzip reader. */
static int gz_read_fn(void *ctx, char *buf, size_t cap, size_t *out_len, struct lc_err *err)
{
    return lc_gz_read(ctx, buf, cap, out_len, err);
}

/* The set's entries of one kind ("keys", "rdb"), in manifest order (new array). */
static const struct lc_set_entry **entries_of(const struct lc_set_reader *set, const char *kind,
                                              size_t *out_n)
{
    const struct lc_set_entry **list = lc_xcalloc(set->n_entries + 1, sizeof(*list));
    size_t n = 0;

    for (size_t idx = 0; idx < set->n_entries; idx++) {
        const struct lc_manifest_member *m = set->entries[idx].member;

        if (m->kind && strcmp(m->kind, kind) == 0)
            list[n++] = &set->entries[idx];
    }
    *out_n = n;
    return list;
}

static struct lc_gz_reader *open_entry(const struct lc_set_reader *set,
                                       const struct lc_set_entry *e)
{
    return lc_gz_reader_open(set->fd, e->offset, e->member->size, LC_GZ_INPUT_GZIP,
                             e->member->path);
}

/*
 * Before a cluster restore: every export must hold keys of database 0 only, checked
 * before anything is sent.
 */
static int check_cluster_dbs(const struct lc_set_reader *set, const struct lc_set_entry **keys,
                             size_t n_keys, struct lc_err *err)
{
    for (size_t idx = 0; idx < n_keys; idx++) {
        struct lc_restore_redis_scan scan = LC_RESTORE_REDIS_SCAN_INIT;
        struct lc_gz_reader *r = open_entry(set, keys[idx]);
        int rc = lc_restore_redis_scan(gz_read_fn, r, NULL, &scan, err);

        lc_gz_reader_close(r);
        if (rc < 0) {
            lc_err_prefix(err, "'%s'", keys[idx]->member->path);
            return -1;
        }
        if (scan.keys_not_db0) {
            lc_err_set(err, LC_E_CONFIG,
                       "'%s' holds %" PRIu64 " keys in database %ld (and maybe others), but a "
                       "Redis Cluster has only database 0",
                       keys[idx]->member->path, scan.keys_not_db0, scan.first_other_db);
            lc_err_hint(err, "restore this set into a standalone server ([redis] mode = "
                             "standalone)");
            return -1;
        }
    }
    return 0;
}

/* "standalone master 'h:p'", "sentinel master 'name' at 'h:p'", "cluster of N masters ..." */
static char *describe_target(const struct lc_redis_cfg *cfg, char **masters)
{
    struct lc_buf b = LC_BUF_INIT;

    switch (cfg->mode) {
    case LC_REDIS_CLUSTER:
        lc_buf_printf(&b, "cluster of %zu masters:", lc_strv_len(masters));
        for (size_t idx = 0; masters[idx]; idx++)
            lc_buf_printf(&b, " %s", masters[idx]);
        lc_buf_puts(&b, " (each key to its slot's master, database 0)");
        break;
    case LC_REDIS_SENTINEL:
        lc_buf_printf(&b, "sentinel master '%s' at %s", cfg->master_name ? cfg->master_name : "?",
                      masters[0]);
        break;
    case LC_REDIS_STANDALONE:
    default:
        lc_buf_printf(&b, "standalone server %s", masters[0]);
        break;
    }
    return lc_buf_steal(&b);
}

static void print_plan(const struct lc_set_reader *set, const struct lc_set_entry **keys,
                       size_t n_keys, const char *target)
{
    const struct lc_manifest *m = &set->manifest;
    uint64_t total = 0, raw = 0;
    char age[32], size[32];

    for (size_t idx = 0; idx < n_keys; idx++) {
        if (keys[idx]->member->rows > 0)
            total += (uint64_t)keys[idx]->member->rows;
        raw += keys[idx]->member->raw_size;
    }
    lc_format_duration((int64_t)(time(NULL) - m->started_at) * 1000, age, sizeof(age));
    lc_format_size(raw, size, sizeof(size));
    printf("restore plan (Redis)\n");
    printf("  source:   %s (taken %s ago, Redis %s)\n", m->set_name ? m->set_name : set->path,
           age, m->redis_version ? m->redis_version : "?");
    printf("            %" PRIu64 " keys in %zu export%s (%s)\n", total, n_keys,
           n_keys == 1 ? "" : "s", size);
    printf("  target:   %s\n", target);
    printf("  replaces: every key of the set (RESTORE ... REPLACE ABSTTL)\n");
    printf("  keeps:    keys that are not in the set (nothing is flushed)\n");
    printf("  skips:    keys whose expiry has passed since the backup (never revived)\n");
    fflush(stdout);
}

int restore_redis_from_set(const struct lc_config *cfg, const struct lc_set_reader *set, int yes,
                           long redis_db, struct lc_err *err)
{
    struct lc_restore_redis_stats stats;
    struct lc_progress *progress = NULL;
    const struct lc_set_entry **keys = NULL;
    char **masters = NULL;
    char *target = NULL;
    size_t n_keys = 0;
    uint64_t raw = 0;
    struct timespec start;
    char took[32], other[96] = "";
    int rc = -1;

    memset(&stats, 0, sizeof(stats));
    keys = entries_of(set, "keys", &n_keys);
    if (n_keys == 0) {
        size_t n_rdb = 0;
        const struct lc_set_entry **rdb = entries_of(set, "rdb", &n_rdb);

        lc_err_set(err, LC_E_USAGE, "the set '%s' has no Redis key export", set->path);
        if (n_rdb)
            lc_err_hint(err, "it has an RDB snapshot: place it for a stopped server with "
                             "--rdb-to DIR");
        free(rdb);
        goto out;
    }
    /* Reaching the servers (and the credentials) is checked before the question. */
    if (lc_redis_masters(&cfg->redis, &masters, err) < 0)
        goto out;
    if (cfg->redis.mode == LC_REDIS_CLUSTER && check_cluster_dbs(set, keys, n_keys, err) < 0)
        goto out;
    target = describe_target(&cfg->redis, masters);
    if (redis_db >= 0) {
        char *t = lc_xasprintf("%s, database %ld (the set's keys of database %u only)",
                               target, redis_db, cfg->redis.db);

        free(target);
        target = t;
    }
    if (lc_log_enabled(LC_LOG_INFO))
        print_plan(set, keys, n_keys, target);
    if (!yes && lc_confirm_typed("This replaces keys on the Redis above.", "yes", "--yes", err) < 0)
        goto out;
    for (size_t idx = 0; idx < n_keys; idx++)
        raw += keys[idx]->member->raw_size;
    clock_gettime(CLOCK_MONOTONIC, &start);
    progress = lc_progress_new("restoring redis", raw);
    for (size_t idx = 0; idx < n_keys; idx++) {
        /* --redis-db N: the system's database ([redis] db) of the set into N */
        struct lc_restore_redis_opts ropts = {
            .db_override = (int)redis_db,
            .only_db = redis_db >= 0 ? (int)cfg->redis.db : -1,
            .progress = progress,
        };
        struct lc_gz_reader *r = open_entry(set, keys[idx]);
        int got = lc_restore_redis_keys(&cfg->redis, gz_read_fn, r, &ropts, &stats, err);

        lc_gz_reader_close(r);
        if (got < 0) {
            lc_err_prefix(err, "restoring '%s' (%" PRIu64 " keys restored so far)",
                          keys[idx]->member->path, stats.keys);
            goto out;
        }
    }
    lc_progress_free(progress);
    progress = NULL;
    lc_format_duration((int64_t)(lc_seconds_since(&start) * 1000), took, sizeof(took));
    if (redis_db >= 0)
        snprintf(other, sizeof(other), ", %" PRIu64 " of other databases than %u skipped",
                 stats.other_db, cfg->redis.db);
    lc_log_info("restored Redis from '%s': %" PRIu64 " keys restored, %" PRIu64
                " skipped as expired%s, into %s in %s",
                set->manifest.set_name ? set->manifest.set_name : set->path, stats.keys,
                stats.expired, other, target, took);
    rc = 0;
out:
    lc_progress_free(progress);
    lc_strv_free(masters);
    free(target);
    free(keys);
    return rc;
}

/* The steps after placing dump.rdb files, on stdout (the result of --rdb-to). */
static void print_rdb_steps(char **placed, size_t n, const char *keys_hint)
{
    printf("placed for a stopped Redis server:\n");
    for (size_t idx = 0; idx < n; idx++)
        printf("  %s\n", placed[idx]);
    printf("next steps%s:\n", n > 1 ? " (for each node, with its own dump.rdb)" : "");
    printf("  1. the server must be stopped while its dump.rdb is replaced: if it was running,\n"
           "     stop it with 'SHUTDOWN NOSAVE' (a plain stop saves its own data over\n"
           "     dump.rdb) and run this command again\n");
    printf("  2. copy or move the file into the server's 'dir' if that is not where it is,\n"
           "     readable by the redis user\n");
    printf("  3. with appendonly yes (Redis 7), the server loads appendonlydir/ and ignores\n"
           "     dump.rdb: move appendonlydir/ aside, start once with '--appendonly no', then\n"
           "     turn AOF back on at runtime (CONFIG SET appendonly yes, under its renamed\n"
           "     name) so that a new AOF is written from the loaded data\n");
    printf("  4. start the server and check its log for 'DB loaded from disk'\n");
    printf("  5. check the key count with 'redis-cli DBSIZE'%s\n", keys_hint);
    fflush(stdout);
}

/* One RDB from a reader into dir; the placed path is added to *placed. */
static int place_rdb(const char *dir, struct lc_gz_reader *r, char ***placed, size_t *n_placed,
                     struct lc_err *err)
{
    char *kept = NULL;
    uint64_t bytes = 0;
    char size[32];

    if (lc_restore_redis_rdb(dir, gz_read_fn, r, &kept, &bytes, err) < 0)
        return -1;
    lc_format_size(bytes, size, sizeof(size));
    if (kept)
        lc_log_info("'%s/dump.rdb' placed (%s); the previous one is kept as '%s'", dir, size, kept);
    else
        lc_log_info("'%s/dump.rdb' placed (%s)", dir, size);
    *placed = lc_xrealloc(*placed, (*n_placed + 2) * sizeof(char *));
    (*placed)[(*n_placed)++] = lc_xasprintf("%s/dump.rdb", dir);
    (*placed)[*n_placed] = NULL;
    free(kept);
    return 0;
}

/* A legacy .rdb or .rdb.gz file into DIR/dump.rdb. */
static int rdb_from_file(const char *path, const char *dir, struct lc_err *err)
{
    struct lc_gz_reader *r = NULL;
    char **placed = NULL;
    size_t n_placed = 0;
    struct stat st;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "cannot open '%s'", path);
    if (fstat(fd, &st) < 0) {
        lc_err_sys(err, LC_E_IO, "cannot stat '%s'", path);
        goto out;
    }
    r = lc_gz_reader_open(fd, 0, (uint64_t)st.st_size, LC_GZ_INPUT_SNIFF, path);
    if (place_rdb(dir, r, &placed, &n_placed, err) < 0) {
        lc_err_prefix(err, "'%s'", path);
        goto out;
    }
    print_rdb_steps(placed, n_placed, "");
    rc = 0;
out:
    lc_gz_reader_close(r);
    lc_strv_free(placed);
    close(fd);
    return rc;
}

/* "redis/127.0.0.1_7001/dump.rdb.gz" -> "127.0.0.1_7001"; NULL for "redis/dump.rdb.gz". */
static char *node_dir_of(const char *member_path)
{
    const char *last = strrchr(member_path, '/');
    const char *prev;

    if (!last || last == member_path)
        return NULL;
    for (prev = last - 1; prev > member_path && *prev != '/'; prev--)
        ;
    if (*prev != '/')
        return NULL;
    prev++;
    if ((size_t)(last - prev) == 5 && strncmp(prev, "redis", 5) == 0)
        return NULL;
    return lc_xstrndup(prev, (size_t)(last - prev));
}

/* The set's RDB(s): DIR/dump.rdb, or DIR/<node>/dump.rdb for each master of a cluster. */
static int rdb_from_set(const struct lc_set_reader *set, const char *dir, struct lc_err *err)
{
    const struct lc_set_entry **rdb = NULL;
    char **placed = NULL;
    size_t n_rdb = 0, n_placed = 0;
    uint64_t keys = 0;
    char hint[96] = "";
    int rc = -1;

    rdb = entries_of(set, "rdb", &n_rdb);
    if (n_rdb == 0) {
        lc_err_set(err, LC_E_USAGE, "the set '%s' has no Redis RDB snapshot", set->path);
        goto out;
    }
    for (size_t idx = 0; idx < set->n_entries; idx++) {
        const struct lc_manifest_member *m = set->entries[idx].member;

        if (m->kind && strcmp(m->kind, "keys") == 0 && m->rows > 0)
            keys += (uint64_t)m->rows;
    }
    for (size_t idx = 0; idx < n_rdb; idx++) {
        char *node = n_rdb > 1 ? node_dir_of(rdb[idx]->member->path) : NULL;
        char *node_dir = node ? lc_xasprintf("%s/%s", dir, node) : lc_xstrdup(dir);
        struct lc_gz_reader *r = open_entry(set, rdb[idx]);
        int got = place_rdb(node_dir, r, &placed, &n_placed, err);

        lc_gz_reader_close(r);
        free(node_dir);
        free(node);
        if (got < 0) {
            lc_err_prefix(err, "'%s'", rdb[idx]->member->path);
            goto out;
        }
    }
    if (keys)
        snprintf(hint, sizeof(hint),
                 " (the set held %" PRIu64 " keys; keys that expired since are dropped on load)",
                 keys);
    print_rdb_steps(placed, n_placed, hint);
    rc = 0;
out:
    lc_strv_free(placed);
    free(rdb);
    return rc;
}

int restore_redis(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct lc_set_reader set = LC_SET_READER_INIT;
    char *path = NULL;
    int rc = -1;

    if (opts->redis_db > 0 && cfg->redis.mode == LC_REDIS_CLUSTER)
        return lc_err_set(err, LC_E_USAGE, "--redis-db %ld: a Redis Cluster has only database 0",
                          opts->redis_db);
    if (opts->redis_db >= 0 && opts->rdb_to)
        return lc_err_set(err, LC_E_USAGE, "--redis-db does not apply to --rdb-to (an RDB file "
                                           "keeps its databases)");
    if (restore_find_source(cfg, opts, &path, err))
        return -1;
    lc_cli_log_begin(&opts->cli, cfg, "redis", path);
    if (restore_is_legacy_sql(path)) {
        lc_err_set(err, LC_E_USAGE, "'%s' is a legacy MariaDB dump: use 'lcbp3-restore db'", path);
        goto out;
    }
    if (is_legacy_rdb(path) && !opts->rdb_to) {
        lc_err_set(err, LC_E_USAGE, "'%s' is an RDB file, which cannot be loaded into a running "
                                    "server", path);
        lc_err_hint(err, "place it for a stopped server with --rdb-to DIR (e.g. the server's "
                         "dir), then start the server");
        goto out;
    }
    if (lc_lock_take(&lock, cfg->backup.lock_dir, RESTORE_LOCK_NAME, err))
        goto out;
    if (is_legacy_rdb(path)) {
        rc = rdb_from_file(path, opts->rdb_to, err);
        goto out;
    }
    if (restore_open_set(path, &set, err))
        goto out;
    if (opts->rdb_to)
        rc = rdb_from_set(&set, opts->rdb_to, err);
    else
        rc = restore_redis_from_set(cfg, &set, opts->yes, opts->redis_db, err);
out:
    lc_set_reader_close(&set);
    lc_lock_release(&lock);
    restore_release_source(cfg, path);
    return rc;
}
