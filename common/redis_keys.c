/*
 * The logical Redis export (see redis_keys.h): a SCAN loop per database, a pipelined
 * round trip of TIME + DUMP/PTTL per page, and the RESP encoding of SELECT and
 * RESTORE ... REPLACE ABSTTL into a gzip writer.
 */
#include "common/redis_keys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/signals.h"

/* Buffered RESP is handed to the writer in pieces of about this size. */
#define KEYS_FLUSH_SIZE (1024 * 1024)

void lc_redis_keyspace_dbs(const char *info, unsigned **out_dbs, size_t *out_n)
{
    unsigned *dbs = NULL;
    size_t n = 0;
    const char *line = info;

    while (line && *line) {
        size_t len = strcspn(line, "\r\n");
        char *end = NULL;
        unsigned long db;

        if (len > 3 && strncmp(line, "db", 2) == 0 && line[2] >= '0' && line[2] <= '9') {
            errno = 0;
            db = strtoul(line + 2, &end, 10);
            if (!errno && *end == ':' && db <= 0xffffffffUL) {
                dbs = lc_xrealloc(dbs, (n + 1) * sizeof(*dbs));
                dbs[n++] = (unsigned)db;
            }
        }
        line += len;
        line += strspn(line, "\r\n");
    }
    *out_dbs = dbs;
    *out_n = n;
}

void lc_redis_resp_command(struct lc_buf *b, int argc, const char *const *argv, const size_t *lens)
{
    lc_buf_printf(b, "*%d\r\n", argc);
    for (int idx = 0; idx < argc; idx++) {
        size_t len = lens ? lens[idx] : strlen(argv[idx]);

        lc_buf_printf(b, "$%zu\r\n", len);
        lc_buf_append(b, argv[idx], len);
        lc_buf_append(b, "\r\n", 2);
    }
}

struct export
{
    redisContext *c;
    struct lc_gz_writer *w;
    struct lc_progress *progress;
    struct lc_redis_keys_stats stats;
    struct lc_buf out;
    int local_clock; /* TIME was refused: use ours */
    char name[300];
};

static int export_flush(struct export *x, struct lc_err *err)
{
    if (!x->out.len)
        return 0;
    if (lc_gz_write(x->w, x->out.data, x->out.len, err) < 0)
        return -1;
    x->stats.bytes += x->out.len;
    lc_progress_add(x->progress, x->out.len);
    lc_buf_reset(&x->out);
    return 0;
}

static int64_t local_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The server's TIME reply in ms; -1 if it is not one (the caller falls back). */
static int64_t time_reply_ms(const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
        return -1;
    return strtoll(r->element[0]->str, NULL, 10) * 1000 +
           strtoll(r->element[1]->str, NULL, 10) / 1000;
}

/* Writes RESTORE for one key from its DUMP and PTTL replies. */
static int export_key(struct export *x, const redisReply *key, const redisReply *dump,
                      const redisReply *pttl, int64_t now, struct lc_err *err)
{
    const char *argv[6];
    size_t lens[6];
    char ttl[24];
    int64_t abs_ms = 0;

    if (dump->type == REDIS_REPLY_ERROR)
        return lc_redis_reply_error(x->c, "DUMP", dump, err);
    if (pttl->type == REDIS_REPLY_ERROR)
        return lc_redis_reply_error(x->c, "PTTL", pttl, err);
    if (dump->type == REDIS_REPLY_NIL ||
        (pttl->type == REDIS_REPLY_INTEGER && pttl->integer == -2)) {
        x->stats.vanished++;
        return 0;
    }
    if (dump->type != REDIS_REPLY_STRING || pttl->type != REDIS_REPLY_INTEGER)
        return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': unexpected reply to DUMP/PTTL",
                          x->name);
    if (pttl->integer >= 0)
        abs_ms = now + pttl->integer;
    snprintf(ttl, sizeof(ttl), "%" PRId64, abs_ms);
    argv[0] = "RESTORE";
    argv[1] = key->str;
    argv[2] = ttl;
    argv[3] = dump->str;
    argv[4] = "REPLACE";
    argv[5] = "ABSTTL";
    lens[0] = 7;
    lens[1] = key->len;
    lens[2] = strlen(ttl);
    lens[3] = dump->len;
    lens[4] = 7;
    lens[5] = 6;
    lc_redis_resp_command(&x->out, 6, argv, lens);
    x->stats.keys++;
    if (x->out.len >= KEYS_FLUSH_SIZE)
        return export_flush(x, err);
    return 0;
}

/* One SCAN page: TIME + DUMP/PTTL for each key, pipelined, then the RESTOREs. */
static int export_page(struct export *x, const redisReply *keys, struct lc_err *err)
{
    redisReply **replies = lc_xcalloc(keys->elements * 2 + 1, sizeof(*replies));
    size_t n_replies = 0, want = keys->elements * 2 + (x->local_clock ? 0 : 1);
    int64_t now = local_now_ms();
    int rc = -1;

    for (size_t idx = 0; idx < keys->elements; idx++) {
        if (keys->element[idx]->type != REDIS_REPLY_STRING) {
            lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': SCAN returned a non-string key",
                       x->name);
            goto out;
        }
    }
    if (!x->local_clock) {
        const char *argv[1] = {"TIME"};

        redisAppendCommandArgv(x->c, 1, argv, NULL);
    }
    for (size_t idx = 0; idx < keys->elements; idx++) {
        const redisReply *k = keys->element[idx];
        const char *dump[2] = {"DUMP", k->str};
        const char *pttl[2] = {"PTTL", k->str};
        size_t lens[2] = {4, k->len};

        redisAppendCommandArgv(x->c, 2, dump, lens);
        redisAppendCommandArgv(x->c, 2, pttl, lens);
    }
    for (; n_replies < want; n_replies++) {
        void *r = NULL;

        if (redisGetReply(x->c, &r) != REDIS_OK) {
            lc_redis_reply_error(x->c, "DUMP", NULL, err);
            goto out;
        }
        replies[n_replies] = r;
    }
    if (!x->local_clock) {
        int64_t server = time_reply_ms(replies[0]);

        if (server < 0) {
            lc_log_debug("redis '%s': TIME refused, absolute TTLs use the local clock", x->name);
            x->local_clock = 1;
        } else {
            now = server;
        }
    }
    for (size_t idx = 0; idx < keys->elements; idx++) {
        size_t at = (want - keys->elements * 2) + idx * 2;

        if (export_key(x, keys->element[idx], replies[at], replies[at + 1], now, err) < 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t idx = 0; idx < n_replies; idx++)
        freeReplyObject(replies[idx]);
    free(replies);
    return rc;
}

static int export_db(struct export *x, unsigned db, struct lc_err *err)
{
    char dbs[16], cursor[32] = "0", count[16];
    const char *select[2] = {"SELECT", dbs};
    redisReply *reply = NULL;
    int rc = -1;

    snprintf(dbs, sizeof(dbs), "%u", db);
    snprintf(count, sizeof(count), "%d", LC_REDIS_KEYS_BATCH);
    reply = lc_redis_cmdv(x->c, 2, select, NULL, err);
    if (!reply)
        goto out;
    freeReplyObject(reply);
    reply = NULL;
    lc_redis_resp_command(&x->out, 2, select, NULL);
    do {
        const char *scan[4] = {"SCAN", cursor, "COUNT", count};

        if (lc_check_interrupted(err) < 0)
            goto out;
        reply = lc_redis_cmdv(x->c, 4, scan, NULL, err);
        if (!reply)
            goto out;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[0]->len >= sizeof(cursor) ||
            reply->element[1]->type != REDIS_REPLY_ARRAY) {
            lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': unexpected reply to SCAN", x->name);
            goto out;
        }
        memcpy(cursor, reply->element[0]->str, reply->element[0]->len + 1);
        if (reply->element[1]->elements && export_page(x, reply->element[1], err) < 0)
            goto out;
        freeReplyObject(reply);
        reply = NULL;
    } while (strcmp(cursor, "0") != 0);
    x->stats.dbs++;
    rc = 0;
out:
    freeReplyObject(reply);
    return rc;
}

int lc_redis_keys_export(redisContext *c, struct lc_gz_writer *w, struct lc_progress *progress,
                         struct lc_redis_keys_stats *out_stats, struct lc_err *err)
{
    struct export x;
    unsigned *dbs = NULL;
    size_t n_dbs = 0;
    char *info = NULL;
    int rc = -1;

    memset(&x, 0, sizeof(x));
    x.c = c;
    x.w = w;
    x.progress = progress;
    lc_redis_name(c, x.name, sizeof(x.name));
    if (lc_redis_info(c, "keyspace", &info, err) < 0)
        goto out;
    lc_redis_keyspace_dbs(info, &dbs, &n_dbs);
    for (size_t idx = 0; idx < n_dbs; idx++) {
        uint64_t before = x.stats.keys;

        if (export_db(&x, dbs[idx], err) < 0) {
            lc_err_prefix(err, "export of db %u", dbs[idx]);
            goto out;
        }
        lc_log_debug("redis '%s': db %u: %" PRIu64 " keys exported", x.name, dbs[idx],
                     x.stats.keys - before);
    }
    if (export_flush(&x, err) < 0)
        goto out;
    if (x.stats.vanished)
        lc_log_debug("redis '%s': %" PRIu64 " keys vanished during the export", x.name,
                     x.stats.vanished);
    *out_stats = x.stats;
    rc = 0;
out:
    lc_buf_done(&x.out);
    free(dbs);
    free(info);
    return rc;
}
