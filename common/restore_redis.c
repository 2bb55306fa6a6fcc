/*
 * Replaying a logical Redis export into running servers (see restore_redis.h): the
 * streaming parser of the export's RESP commands, the per-node pipelines (one for a
 * standalone or Sentinel master, one per master of a Cluster, keys routed by slot),
 * the expiry check against each server's clock, and the reading of the replies into
 * errors that name the node and the key.
 */
#include "common/restore_redis.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/redis_keys.h"
#include "common/redis_slot.h"
#include "common/signals.h"

/* Export bytes asked of the read function at a time. */
#define READ_CHUNK (256 * 1024)

/* Arguments of a RESTORE: key ttl payload and up to 13 options. */
#define MAX_ARGS 16

/* ------------------------------------------------------------------ parsing */

/*
 * Parses "<c><digits>\r\n" at buf[*pos]: 1 with *out, 0 when incomplete, -1 when bad.
 * At most 19 digits (no overflow of uint64_t).
 */
static int parse_header_line(const char *buf, size_t len, size_t *pos, char c, uint64_t *out)
{
    size_t at = *pos, digits = 0;
    uint64_t v = 0;

    if (at >= len)
        return 0;
    if (buf[at] != c)
        return -1;
    for (at++; at < len && buf[at] >= '0' && buf[at] <= '9'; at++) {
        if (++digits > 19)
            return -1;
        v = v * 10 + (uint64_t)(buf[at] - '0');
    }
    if (at >= len)
        return 0;
    if (!digits || buf[at] != '\r')
        return -1;
    if (at + 1 >= len)
        return 0;
    if (buf[at + 1] != '\n')
        return -1;
    *pos = at + 2;
    *out = v;
    return 1;
}

/* A decimal argument without sign in [0, max]; -1 when it is not one. */
static int parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 19)
        return -1;
    for (size_t idx = 0; idx < len; idx++) {
        if (s[idx] < '0' || s[idx] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[idx] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int arg_is(const char *arg, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(arg, word, len) == 0;
}

/* Checks a complete RESP array of bulk strings as SELECT or RESTORE. */
static int classify(int argc, const char **argv, const size_t *lens, struct lc_export_cmd *out,
                    struct lc_err *err)
{
    uint64_t v = 0;
    int abs_ttl = 0;

    if (arg_is(argv[0], lens[0], "SELECT")) {
        if (argc != 2 || parse_decimal(argv[1], lens[1], INT32_MAX, &v) < 0)
            return lc_err_set(err, LC_E_DATA, "SELECT without a valid database number");
        out->restore = 0;
        out->db = (unsigned)v;
        return 0;
    }
    if (!arg_is(argv[0], lens[0], "RESTORE"))
        return lc_err_set(err, LC_E_DATA, "unexpected command '%.*s' (only SELECT and RESTORE)",
                          (int)(lens[0] > 32 ? 32 : lens[0]), argv[0]);
    if (argc < 4)
        return lc_err_set(err, LC_E_DATA, "RESTORE with %d arguments", argc - 1);
    if (parse_decimal(argv[2], lens[2], INT64_MAX, &v) < 0)
        return lc_err_set(err, LC_E_DATA, "RESTORE with a bad expiry '%.*s'",
                          (int)(lens[2] > 32 ? 32 : lens[2]), argv[2]);
    for (int idx = 4; idx < argc; idx++)
        abs_ttl |= arg_is(argv[idx], lens[idx], "ABSTTL");
    /* A relative TTL would be restarted by every restore: not an export of ours. */
    if (!abs_ttl && v != 0)
        return lc_err_set(err, LC_E_DATA, "RESTORE without ABSTTL");
    out->restore = 1;
    out->key = argv[1];
    out->key_len = lens[1];
    out->abs_ms = (int64_t)v;
    return 0;
}

int lc_restore_redis_parse(const char *buf, size_t len, struct lc_export_cmd *out,
                           size_t *out_used, struct lc_err *err)
{
    const char *argv[MAX_ARGS];
    size_t lens[MAX_ARGS];
    struct lc_export_cmd cmd;
    size_t pos = 0;
    uint64_t argc = 0;
    int got;

    got = parse_header_line(buf, len, &pos, '*', &argc);
    if (got < 0)
        return lc_err_set(err, LC_E_DATA, "expected a RESP array ('*<n>')");
    if (got == 0)
        return 0;
    if (argc < 1 || argc > MAX_ARGS)
        return lc_err_set(err, LC_E_DATA, "a command with %" PRIu64 " arguments", argc);
    for (uint64_t idx = 0; idx < argc; idx++) {
        uint64_t blen = 0;

        got = parse_header_line(buf, len, &pos, '$', &blen);
        if (got < 0)
            return lc_err_set(err, LC_E_DATA, "expected a bulk string ('$<len>')");
        if (got == 0)
            return 0;
        if (blen > LC_RESTORE_MAX_BULK)
            return lc_err_set(err, LC_E_DATA, "an argument of %" PRIu64 " bytes", blen);
        if (len - pos < blen + 2)
            return 0;
        if (buf[pos + blen] != '\r' || buf[pos + blen + 1] != '\n')
            return lc_err_set(err, LC_E_DATA, "a bulk string not followed by CRLF");
        argv[idx] = buf + pos;
        lens[idx] = (size_t)blen;
        pos += (size_t)blen + 2;
    }
    memset(&cmd, 0, sizeof(cmd));
    if (classify((int)argc, argv, lens, &cmd, err) < 0)
        return -1;
    cmd.raw = buf;
    cmd.raw_len = pos;
    *out = cmd;
    *out_used = pos;
    return 1;
}

typedef int (*command_fn)(void *arg, const struct lc_export_cmd *cmd, struct lc_err *err);

/*
 * Reads the whole export through `read`, calling fn for each command in order.
 * *bytes is advanced by the bytes of the commands handled.
 */
static int stream_commands(lc_restore_read_fn read, void *ctx, struct lc_progress *progress,
                           command_fn fn, void *arg, uint64_t *bytes, struct lc_err *err)
{
    struct lc_buf in = LC_BUF_INIT;
    uint64_t offset = 0; /* of in.data[0] in the export */
    size_t pos = 0;
    int rc = -1;

    lc_buf_reserve(&in, READ_CHUNK);
    for (;;) {
        struct lc_export_cmd cmd;
        size_t used = 0, got = 0;
        int parsed;

        for (;;) {
            parsed = lc_restore_redis_parse(in.data + pos, in.len - pos, &cmd, &used, err);
            if (parsed <= 0)
                break;
            if (fn(arg, &cmd, err) < 0)
                goto out;
            pos += used;
            *bytes += used;
        }
        if (parsed < 0) {
            lc_err_prefix(err, "not a valid export at byte %" PRIu64, offset + pos);
            goto out;
        }
        if (lc_check_interrupted(err) < 0)
            goto out;
        /* Keep only the start of the incomplete command. */
        if (pos) {
            memmove(in.data, in.data + pos, in.len - pos);
            in.len -= pos;
            offset += pos;
            pos = 0;
        }
        lc_buf_reserve(&in, READ_CHUNK);
        if (read(ctx, in.data + in.len, in.cap - in.len - 1, &got, err) < 0)
            goto out;
        if (got == 0)
            break;
        in.len += got;
        in.data[in.len] = '\0';
        lc_progress_add(progress, got);
    }
    if (in.len) {
        lc_err_set(err, LC_E_DATA, "the export ends in the middle of a command at byte %" PRIu64
                   " (truncated?)", offset);
        goto out;
    }
    rc = 0;
out:
    lc_buf_done(&in);
    return rc;
}

/* ------------------------------------------------------------------ scan */

struct scan_state {
    struct lc_restore_redis_scan *out;
    unsigned db;
};

static int scan_command(void *arg, const struct lc_export_cmd *cmd, struct lc_err *err)
{
    struct scan_state *s = arg;

    (void)err;
    if (!cmd->restore) {
        s->db = cmd->db;
        s->out->dbs++;
        return 0;
    }
    s->out->keys++;
    if (s->db != 0) {
        s->out->keys_not_db0++;
        if (s->out->first_other_db < 0)
            s->out->first_other_db = (long)s->db;
    }
    return 0;
}

int lc_restore_redis_scan(lc_restore_read_fn read, void *ctx, struct lc_progress *progress,
                          struct lc_restore_redis_scan *out, struct lc_err *err)
{
    struct scan_state s = {out, 0};

    return stream_commands(read, ctx, progress, scan_command, &s, &out->bytes, err);
}

/* ------------------------------------------------------------------ replay */

/* One master and its pipeline. */
struct node {
    redisContext *c;
    char *name;
    int64_t server_ms0;       /* the server's clock at mono_ms0 */
    int64_t mono_ms0;
    long db;                  /* selected on the connection (-1: not yet) */
    /* Per command not answered yet, oldest first (the n_sent written ones, then the
     * n_queued ones still in hiredis' output buffer): kind byte, u32 length, key. */
    struct lc_buf pending;
    size_t n_sent;
    size_t n_queued;
    size_t queued_bytes;
};

struct replay {
    const struct lc_redis_cfg *cfg;
    const struct lc_restore_redis_opts *opts;
    struct lc_restore_redis_stats *stats;
    struct node *nodes;
    size_t n_nodes;
    struct lc_redis_slot_map *map; /* cluster only */
    long db;                  /* the stream's current database */
};

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The node's clock now, in Unix ms. */
static int64_t node_now_ms(const struct node *n)
{
    return n->server_ms0 + (mono_ms() - n->mono_ms0);
}

/* Connects and reads the server's clock (TIME; the local clock when it is refused). */
static int node_open(struct node *n, const char *name, const struct lc_redis_cfg *cfg,
                     struct lc_err *err)
{
    const char *argv[1] = {"TIME"};
    redisReply *r;
    struct timespec now;

    n->name = lc_xstrdup(name);
    n->db = -1;
    n->c = lc_redis_connect(name, cfg, err);
    if (!n->c)
        return -1;
    n->mono_ms0 = mono_ms();
    clock_gettime(CLOCK_REALTIME, &now);
    n->server_ms0 = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    r = redisCommandArgv(n->c, 1, argv, NULL);
    if (!r)
        return lc_redis_reply_error(n->c, "TIME", r, err);
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING)
        n->server_ms0 = strtoll(r->element[0]->str, NULL, 10) * 1000 +
                        strtoll(r->element[1]->str, NULL, 10) / 1000;
    else
        lc_log_debug("redis '%s': TIME refused, expiry is checked against the local clock", name);
    freeReplyObject(r);
    return 0;
}

static void node_close(struct node *n)
{
    if (n->c)
        redisFree(n->c);
    free(n->name);
    lc_buf_done(&n->pending);
}

/* A key as it can be shown in a message: printable, escaped, cut. */
static void key_display(const char *key, size_t len, char *buf, size_t size)
{
    size_t at = 0;

    for (size_t idx = 0; idx < len && at + 8 < size; idx++) {
        unsigned char ch = (unsigned char)key[idx];

        if (ch < 0x20 || ch == 0x7f || ch == '\'' || ch == '\\')
            at += (size_t)snprintf(buf + at, size - at, "\\x%02x", ch);
        else
            buf[at++] = (char)ch;
        if (idx + 1 < len && at + 8 >= size) {
            memcpy(buf + at, "...", 3);
            at += 3;
        }
    }
    buf[at] = '\0';
}

/* Records a command queued for n, for reading its reply: kind 'S' or 'R'. */
static void pending_add(struct node *n, char kind, const char *key, size_t key_len, size_t bytes)
{
    uint32_t len = (uint32_t)(key_len > UINT32_MAX ? UINT32_MAX : key_len);

    lc_buf_putc(&n->pending, kind);
    lc_buf_append(&n->pending, &len, sizeof(len));
    lc_buf_append(&n->pending, key, len);
    n->n_queued++;
    n->queued_bytes += bytes;
}

/* The error of a refused RESTORE (or SELECT), classified. */
static int command_error(const struct node *n, char kind, const char *key, size_t key_len,
                         const redisReply *r, struct lc_err *err)
{
    const char *s = r->str;
    char shown[200];
    enum lc_status status = LC_E_UNAVAILABLE;
    const char *hint = NULL;

    if (kind == 'S') {
        lc_err_set(err, strstr(s, "DB index") ? LC_E_CONFIG : LC_E_UNAVAILABLE,
                   "redis '%s': SELECT: %s", n->name, s);
        if (err->status == LC_E_CONFIG)
            lc_err_hint(err, "the export uses a database the server does not have (see its "
                             "'databases' setting)");
        return -1;
    }
    if (strstr(s, "payload version") || strstr(s, "Bad data format")) {
        status = LC_E_DATA;
        hint = "a DUMP payload is only read by the same or a newer Redis than the one that "
               "made it; restore into that version or newer";
    } else if (strncmp(s, "MOVED", 5) == 0 || strncmp(s, "ASK", 3) == 0 ||
               strncmp(s, "TRYAGAIN", 8) == 0 || strncmp(s, "CLUSTERDOWN", 11) == 0) {
        status = LC_E_TEMPFAIL;
        hint = "the cluster is resharding or failing over; run the restore again when it is "
               "stable (keys already restored are simply replaced again)";
    } else if (strncmp(s, "NOPERM", 6) == 0) {
        status = LC_E_NOPERM;
        hint = "the restore user needs +restore +select +time +ping (ACL)";
    } else if (strncmp(s, "READONLY", 8) == 0) {
        hint = "this node is a replica; check [redis] nodes and mode";
    } else if (strncmp(s, "OOM", 3) == 0) {
        hint = "the server reached maxmemory; free memory or raise maxmemory and run again";
    }
    key_display(key, key_len, shown, sizeof(shown));
    lc_err_set(err, status, "redis '%s': RESTORE of key '%s': %s", n->name, shown, s);
    if (hint)
        lc_err_hint(err, "%s", hint);
    return -1;
}

/* Writes the queued commands to the server without waiting for their replies. */
static int node_send(struct node *n, struct lc_err *err)
{
    int done = 0;

    while (!done) {
        if (redisBufferWrite(n->c, &done) != REDIS_OK)
            return lc_redis_reply_error(n->c, "RESTORE", NULL, err);
    }
    n->n_sent += n->n_queued;
    n->n_queued = 0;
    n->queued_bytes = 0;
    return 0;
}

/* Reads the replies of the `count` oldest commands sent; the first error is returned. */
static int node_collect(struct node *n, size_t count, struct lc_restore_redis_stats *stats,
                        struct lc_err *err)
{
    size_t at = 0;
    int rc = 0;

    for (size_t idx = 0; idx < count; idx++) {
        const char *p = n->pending.data + at;
        redisReply *r = NULL;
        uint32_t len;

        memcpy(&len, p + 1, sizeof(len));
        if (redisGetReply(n->c, (void **)&r) != REDIS_OK || !r) {
            if (rc == 0)
                lc_redis_reply_error(n->c, p[0] == 'S' ? "SELECT" : "RESTORE", NULL, err);
            n->n_sent = 0; /* the connection is gone: nothing more to read */
            return -1;
        }
        if (r->type == REDIS_REPLY_STATUS) {
            if (p[0] == 'R')
                stats->keys++;
        } else if (rc == 0) {
            if (r->type == REDIS_REPLY_ERROR)
                command_error(n, p[0], p + 5, len, r, err);
            else
                lc_redis_reply_error(n->c, p[0] == 'S' ? "SELECT" : "RESTORE", r, err);
            rc = -1;
        }
        freeReplyObject(r);
        at += 5 + len;
        n->n_sent--;
    }
    if (at) {
        memmove(n->pending.data, n->pending.data + at, n->pending.len - at);
        n->pending.len -= at;
    }
    return rc;
}

/*
 * Two batches in flight per node: the new one is written, then the replies of the one
 * before are read, so the server works on one while we parse the next.
 */
static int node_cycle(struct node *n, struct lc_restore_redis_stats *stats, struct lc_err *err)
{
    size_t before = n->n_sent;

    if (node_send(n, err) < 0 || node_collect(n, before, stats, err) < 0)
        return -1;
    return 0;
}

static int replay_command(void *arg, const struct lc_export_cmd *cmd, struct lc_err *err)
{
    struct replay *rp = arg;
    struct node *n = &rp->nodes[0];
    long db;

    if (!cmd->restore) {
        rp->db = (long)cmd->db;
        rp->stats->dbs++;
        return 0;
    }
    if (rp->opts->only_db >= 0 && rp->db != rp->opts->only_db) {
        rp->stats->other_db++;
        return 0;
    }
    db = rp->opts->db_override >= 0 ? rp->opts->db_override : rp->db;
    if (rp->map) {
        if (db != 0) {
            char shown[200];

            key_display(cmd->key, cmd->key_len, shown, sizeof(shown));
            lc_err_set(err, LC_E_CONFIG,
                       "key '%s' is in database %ld, but a Redis Cluster has only database 0",
                       shown, db);
            lc_err_hint(err, "restore this set into a standalone server");
            return -1;
        }
        n = &rp->nodes[rp->map->owner[lc_redis_key_slot(cmd->key, cmd->key_len)]];
    }
    if (cmd->abs_ms > 0 && cmd->abs_ms <= node_now_ms(n)) {
        rp->stats->expired++;
        return 0;
    }
    if (n->db != db && !rp->map) {
        char dbs[24];
        const char *argv[2] = {"SELECT", dbs};

        snprintf(dbs, sizeof(dbs), "%ld", db);
        if (redisAppendCommandArgv(n->c, 2, argv, NULL) != REDIS_OK)
            return lc_redis_reply_error(n->c, "SELECT", NULL, err);
        pending_add(n, 'S', "", 0, 0);
        n->db = db;
    }
    if (redisAppendFormattedCommand(n->c, cmd->raw, cmd->raw_len) != REDIS_OK)
        return lc_redis_reply_error(n->c, "RESTORE", NULL, err);
    pending_add(n, 'R', cmd->key, cmd->key_len, cmd->raw_len);
    if (n->n_queued >= LC_REDIS_KEYS_BATCH || n->queued_bytes >= LC_RESTORE_PIPELINE_BYTES) {
        if (node_cycle(n, rp->stats, err) < 0)
            return -1;
        return lc_check_interrupted(err);
    }
    return 0;
}

/* The nodes to write to: the master, or every master of the cluster's slot map. */
static int replay_open(struct replay *rp, struct lc_err *err)
{
    char **masters = NULL;
    int rc = -1;

    if (lc_redis_masters(rp->cfg, &masters, err) < 0)
        goto out;
    if (rp->cfg->mode != LC_REDIS_CLUSTER) {
        rp->nodes = lc_xcalloc(1, sizeof(*rp->nodes));
        rp->n_nodes = 1;
        if (node_open(&rp->nodes[0], masters[0], rp->cfg, err) < 0)
            goto out;
        rc = 0;
        goto out;
    }
    if (rp->opts->db_override > 0) {
        lc_err_set(err, LC_E_CONFIG, "a Redis Cluster has only database 0, not %d",
                   rp->opts->db_override);
        goto out;
    }
    rp->map = lc_xcalloc(1, sizeof(*rp->map));
    rp->nodes = lc_xcalloc(1, sizeof(*rp->nodes));
    rp->n_nodes = 1;
    if (node_open(&rp->nodes[0], masters[0], rp->cfg, err) < 0 ||
        lc_redis_slot_map_load(rp->nodes[0].c, rp->map, err) < 0)
        goto out;
    node_close(&rp->nodes[0]);
    free(rp->nodes);
    rp->nodes = lc_xcalloc(rp->map->n_masters, sizeof(*rp->nodes));
    rp->n_nodes = rp->map->n_masters;
    for (size_t idx = 0; idx < rp->n_nodes; idx++) {
        if (node_open(&rp->nodes[idx], rp->map->masters[idx], rp->cfg, err) < 0)
            goto out;
        rp->nodes[idx].db = 0;
        lc_log_debug("redis cluster: master '%s' connected", rp->map->masters[idx]);
    }
    rc = 0;
out:
    lc_strv_free(masters);
    return rc;
}

int lc_restore_redis_keys(const struct lc_redis_cfg *cfg, lc_restore_read_fn read, void *ctx,
                          const struct lc_restore_redis_opts *opts,
                          struct lc_restore_redis_stats *stats, struct lc_err *err)
{
    static const struct lc_restore_redis_opts defaults = {.db_override = -1, .only_db = -1};
    struct replay rp;
    int rc = -1;

    if (!opts)
        opts = &defaults;
    memset(&rp, 0, sizeof(rp));
    rp.cfg = cfg;
    rp.opts = opts;
    rp.stats = stats;
    if (replay_open(&rp, err) < 0)
        goto out;
    if (stream_commands(read, ctx, opts->progress, replay_command, &rp, &stats->bytes, err) < 0)
        goto out;
    for (size_t idx = 0; idx < rp.n_nodes; idx++) {
        if (node_send(&rp.nodes[idx], err) < 0 ||
            node_collect(&rp.nodes[idx], rp.nodes[idx].n_sent, stats, err) < 0)
            goto out;
    }
    rc = 0;
out:
    /* After a failure, commands still queued are never written; the replies of those
     * already sent are read, so that the counts say what the servers did. */
    if (rc < 0) {
        struct lc_err ignored = LC_ERR_INIT;

        for (size_t idx = 0; idx < rp.n_nodes; idx++) {
            if (rp.nodes[idx].c && rp.nodes[idx].n_sent)
                (void)node_collect(&rp.nodes[idx], rp.nodes[idx].n_sent, stats, &ignored);
        }
    }
    for (size_t idx = 0; idx < rp.n_nodes; idx++)
        node_close(&rp.nodes[idx]);
    free(rp.nodes);
    if (rp.map) {
        lc_redis_slot_map_done(rp.map);
        free(rp.map);
    }
    return rc;
}
