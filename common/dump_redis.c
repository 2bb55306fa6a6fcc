/*
 * The Redis snapshot producer (see dump_redis.h): finds the masters, and for each one
 * fetches its RDB over the replication protocol and exports its keys as RESTORE
 * commands, each into a gzip member of the work directory, and appends the members.
 */
#include "common/dump_redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fs.h"
#include "common/gz.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/redis_keys.h"
#include "common/redis_rdb.h"

/* "redis" or, for a cluster master, "redis/<host>_<port>" (host made path-safe: an
 * IPv6 "::1" becomes "__1"). */
static char *member_dir(const char *node, int cluster)
{
    struct lc_err ignored = LC_ERR_INIT;
    char *host = NULL, *dir;
    int port = 0;

    if (!cluster)
        return lc_xstrdup("redis");
    /* Cluster names come from lc_redis_node_name(), so they always parse. */
    if (lc_redis_parse_node(node, &host, &port, &ignored) < 0)
        host = lc_xstrdup(node);
    for (char *p = host; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-'))
            *p = '_';
    }
    dir = lc_xasprintf("redis/%s_%d", host, port);
    free(host);
    return dir;
}

/* Opens <work_dir>/<name> for writing, creating its directory. */
static struct lc_gz_writer *open_member(const struct lc_dump_opts *opts, const char *name,
                                        char **out_path, struct lc_err *err)
{
    char *path = lc_xasprintf("%s/%s", opts->work_dir, name);
    char *dir = lc_fs_dirname(path);
    struct lc_gz_writer *w = NULL;

    if (lc_fs_mkdir_p(dir, 0700, err) == 0)
        w = lc_gz_writer_open(path, opts->level, err);
    free(dir);
    if (!w) {
        free(path);
        return NULL;
    }
    *out_path = path;
    return w;
}

static void add_member(struct lc_member_list *members, const char *name, const char *kind,
                       const char *node, const char *path, uint64_t raw, uint64_t packed,
                       int64_t rows)
{
    struct lc_member *m = lc_member_list_add(members, name, kind);

    m->node = lc_xstrdup(node);
    lc_member_add_part(m, path, packed);
    m->raw_size = raw;
    m->size = packed;
    m->rows = rows;
}

static int dump_rdb(const struct lc_redis_cfg *cfg, const struct lc_dump_opts *opts,
                    const char *node, const char *dir, struct lc_member_list *members,
                    struct lc_dump_redis_info *info, struct lc_err *err)
{
    struct lc_redis_rdb_stats stats = {0, 0, 0};
    struct lc_gz_writer *w = NULL;
    redisContext *c = NULL;
    char *name = lc_xasprintf("%s/dump.rdb.gz", dir);
    char *path = NULL;
    uint64_t raw = 0, packed = 0;
    int rc = -1;

    c = lc_redis_connect(node, cfg, err);
    if (!c)
        goto out;
    w = open_member(opts, name, &path, err);
    if (!w)
        goto out;
    if (lc_redis_rdb_fetch(c, w, cfg->connect_timeout_ms, opts->progress, &stats, err) < 0)
        goto out;
    redisFree(c);
    c = NULL;
    rc = lc_gz_writer_close(w, &raw, &packed, err);
    w = NULL;
    if (rc < 0)
        goto out;
    add_member(members, name, "rdb", node, path, raw, packed, -1);
    info->rdb_bytes += stats.bytes;
    lc_log_info("redis '%s': rdb %" PRIu64 " bytes (%s, checksum %s), %" PRIu64 " compressed", node,
                stats.bytes, stats.diskless ? "diskless" : "disk",
                stats.crc ? "ok" : "disabled on the server", packed);
    rc = 0;
out:
    lc_gz_writer_abort(w);
    if (c)
        redisFree(c);
    free(path);
    free(name);
    return rc;
}

/* INFO figures of one master, then its keys export. */
static int dump_keys(const struct lc_redis_cfg *cfg, const struct lc_dump_opts *opts,
                     const char *node, const char *dir, struct lc_member_list *members,
                     struct lc_dump_redis_info *info, struct lc_err *err)
{
    struct lc_redis_keys_stats stats;
    struct lc_gz_writer *w = NULL;
    redisContext *c = NULL;
    char *name = lc_xasprintf("%s/keys.dump.gz", dir);
    char *path = NULL, *text = NULL, *field = NULL;
    uint64_t raw = 0, packed = 0;
    int rc = -1;

    memset(&stats, 0, sizeof(stats));
    c = lc_redis_connect(node, cfg, err);
    if (!c)
        goto out;
    if (lc_redis_info(c, NULL, &text, err) < 0)
        goto out;
    if (!info->version)
        info->version = lc_redis_info_field(text, "redis_version");
    field = lc_redis_info_field(text, "used_memory");
    if (field)
        info->used_memory += strtoull(field, NULL, 10);
    w = open_member(opts, name, &path, err);
    if (!w)
        goto out;
    if (lc_redis_keys_export(c, w, opts->progress, &stats, err) < 0)
        goto out;
    rc = lc_gz_writer_close(w, &raw, &packed, err);
    w = NULL;
    if (rc < 0)
        goto out;
    add_member(members, name, "keys", node, path, raw, packed, (int64_t)stats.keys);
    info->keys += stats.keys;
    lc_log_info("redis '%s': %" PRIu64 " keys in %u databases exported, %" PRIu64 " compressed",
                node, stats.keys, stats.dbs, packed);
    rc = 0;
out:
    lc_gz_writer_abort(w);
    if (c)
        redisFree(c);
    free(field);
    free(text);
    free(path);
    free(name);
    return rc;
}

int lc_dump_redis(const struct lc_redis_cfg *cfg, const struct lc_dump_opts *opts,
                  struct lc_member_list *members, struct lc_dump_redis_info *info,
                  struct lc_err *err)
{
    int cluster = cfg->mode == LC_REDIS_CLUSTER;
    char **masters = NULL;
    char *dir = NULL;
    int rc = -1;

    if (lc_redis_masters(cfg, &masters, err) < 0)
        goto out;
    if (!info->mode)
        info->mode = lc_xstrdup(lc_redis_mode_name(cfg->mode));
    for (char **node = masters; *node; node++) {
        dir = member_dir(*node, cluster);
        if (dump_rdb(cfg, opts, *node, dir, members, info, err) < 0 ||
            dump_keys(cfg, opts, *node, dir, members, info, err) < 0)
            goto out;
        info->masters++;
        free(dir);
        dir = NULL;
    }
    rc = 0;
out:
    free(dir);
    lc_strv_free(masters);
    return rc;
}

void lc_dump_redis_info_done(struct lc_dump_redis_info *info)
{
    if (!info)
        return;
    free(info->version);
    free(info->mode);
    memset(info, 0, sizeof(*info));
}
