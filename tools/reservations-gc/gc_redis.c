/*
 * The Redis half of lcbp3-reservations-gc. On every master (standalone, the master
 * Sentinel names, every slot-serving Cluster master) two SCAN passes, one per pattern:
 * reservation keys and numbering locks. A pass that deletes the keys without TTL and
 * nothing else (the default for reservations; locks with --fix-locks) is one script call
 * per page, SCAN included (gc_redis_scan.c). The others walk the pages from here, each
 * SCAN page in three steps:
 *   1. PTTL of every key, pipelined together with the SCAN of the next page (one round
 *      trip per page);
 *   2. with --older-than, the values of keys that do have a TTL (TYPE, then GET or
 *      HMGET), to find reservations whose recorded time is too old;
 *   3. the candidates deleted by a Lua script that checks each key again on the server
 *      (still no TTL, or still the same value) and UNLINKs it in the same atomic step,
 *      so a key whose owner sets a TTL between steps 1 and 3 survives. On a cluster the
 *      keys of one call share a slot. Calls are pipelined; a NOSCRIPT reply is sent
 *      again as EVAL when nothing else is in flight.
 * A dry run, and the lock pass without --fix-locks, use plain commands only (no script
 * privilege needed). Nothing here uses KEYS, DEL, CONFIG or FLUSH*.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/rate.h"
#include "common/redis_client.h"
#include "common/redis_script.h"
#include "common/redis_slot.h"
#include "common/reservation_value.h"
#include "common/signals.h"
#include "tools/reservations-gc/gc.h"
#include "tools/reservations-gc/gc_redis.h"

/* KEYS: candidates. Deletes each key that still has no TTL; returns how many. */
static const char unlink_if_no_ttl_lua[] =
    "local n = 0\n"
    "for i = 1, #KEYS do\n"
    "  if redis.call('PTTL', KEYS[i]) == -1 then\n"
    "    redis.call('UNLINK', KEYS[i])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/*
 * KEYS: candidates; ARGV[2i-1], ARGV[2i]: the hash field that was read ('' for a string
 * value) and the value seen. Deletes each key whose value is still the one seen (an
 * owner that renews a reservation rewrites its times); returns how many.
 */
static const char unlink_if_unchanged_lua[] =
    "local n = 0\n"
    "for i = 1, #KEYS do\n"
    "  local field, seen = ARGV[2 * i - 1], ARGV[2 * i]\n"
    "  local kind = redis.call('TYPE', KEYS[i]).ok\n"
    "  local now\n"
    "  if field == '' and kind == 'string' then\n"
    "    now = redis.call('GET', KEYS[i])\n"
    "  elseif field ~= '' and kind == 'hash' then\n"
    "    now = redis.call('HGET', KEYS[i], field)\n"
    "  end\n"
    "  if now == seen then\n"
    "    redis.call('UNLINK', KEYS[i])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* The keys of one page that a step deletes, with their script arguments. */
struct candidates {
    size_t n;
    const char **keys;
    size_t *key_lens;
    const char **args;        /* 2 per key for unlink-if-unchanged, else unused */
    size_t *arg_lens;
};

static void candidates_init(struct candidates *cand, size_t max_keys)
{
    cand->n = 0;
    cand->keys = lc_xcalloc(max_keys + 1, sizeof(*cand->keys));
    cand->key_lens = lc_xcalloc(max_keys + 1, sizeof(*cand->key_lens));
    cand->args = lc_xcalloc(2 * max_keys + 1, sizeof(*cand->args));
    cand->arg_lens = lc_xcalloc(2 * max_keys + 1, sizeof(*cand->arg_lens));
}

static void candidates_done(struct candidates *cand)
{
    free(cand->keys);
    free(cand->key_lens);
    free(cand->args);
    free(cand->arg_lens);
}

static void candidates_add(struct candidates *cand, const redisReply *key, const char *field,
                           size_t field_len, const char *value, size_t value_len)
{
    cand->keys[cand->n] = key->str;
    cand->key_lens[cand->n] = key->len;
    cand->args[2 * cand->n] = field;
    cand->arg_lens[2 * cand->n] = field_len;
    cand->args[2 * cand->n + 1] = value;
    cand->arg_lens[2 * cand->n + 1] = value_len;
    cand->n++;
}

/* One script call (or UNLINK with --no-atomic): a run of candidates [first, first + n). */
struct call {
    size_t first;
    size_t n;
    int noscript;             /* answered NOSCRIPT: send again as EVAL */
};

static int by_slot(const void *a, const void *b, void *slots)
{
    unsigned sa = ((const unsigned *)slots)[*(const size_t *)a];
    unsigned sb = ((const unsigned *)slots)[*(const size_t *)b];

    return (sa > sb) - (sa < sb);
}

/* Puts the candidates of one slot next to each other (cluster calls must not cross slots). */
static void sort_by_slot(struct candidates *cand)
{
    unsigned *slots = lc_xcalloc(cand->n, sizeof(*slots));
    size_t *order = lc_xcalloc(cand->n, sizeof(*order));
    struct candidates sorted;

    candidates_init(&sorted, cand->n);
    for (size_t idx = 0; idx < cand->n; idx++) {
        slots[idx] = lc_redis_key_slot(cand->keys[idx], cand->key_lens[idx]);
        order[idx] = idx;
    }
    qsort_r(order, cand->n, sizeof(*order), by_slot, slots);
    for (size_t idx = 0; idx < cand->n; idx++) {
        size_t from = order[idx];

        sorted.keys[idx] = cand->keys[from];
        sorted.key_lens[idx] = cand->key_lens[from];
        sorted.args[2 * idx] = cand->args[2 * from];
        sorted.arg_lens[2 * idx] = cand->arg_lens[2 * from];
        sorted.args[2 * idx + 1] = cand->args[2 * from + 1];
        sorted.arg_lens[2 * idx + 1] = cand->arg_lens[2 * from + 1];
    }
    sorted.n = cand->n;
    candidates_done(cand);
    *cand = sorted;
    free(slots);
    free(order);
}

/* Splits the candidates into calls of at most `batch` keys, of one slot on a cluster. */
static struct call *plan_calls(const struct gc_node *node, const struct candidates *cand,
                               size_t *out_n)
{
    struct call *calls = lc_xcalloc(cand->n, sizeof(*calls));
    size_t n = 0;
    unsigned slot = 0;

    for (size_t idx = 0; idx < cand->n; idx++) {
        unsigned key_slot = node->cluster ? lc_redis_key_slot(cand->keys[idx], cand->key_lens[idx]) : 0;

        if (n == 0 || key_slot != slot || calls[n - 1].n == (size_t)node->opts->batch) {
            calls[n].first = idx;
            n++;
        }
        calls[n - 1].n++;
        slot = key_slot;
    }
    *out_n = n;
    return calls;
}

static struct lc_redis_script_call script_call(const struct candidates *cand, const struct call *call,
                                               int with_args)
{
    struct lc_redis_script_call sc = {
        call->n, cand->keys + call->first, cand->key_lens + call->first,
        with_args ? 2 * call->n : 0,
        with_args ? cand->args + 2 * call->first : NULL,
        with_args ? cand->arg_lens + 2 * call->first : NULL,
    };

    return sc;
}

static void append_unlink(redisContext *c, const struct candidates *cand, const struct call *call)
{
    const char **argv = lc_xcalloc(call->n + 1, sizeof(*argv));
    size_t *lens = lc_xcalloc(call->n + 1, sizeof(*lens));

    argv[0] = "UNLINK";
    lens[0] = 6;
    memcpy(argv + 1, cand->keys + call->first, call->n * sizeof(*argv));
    memcpy(lens + 1, cand->key_lens + call->first, call->n * sizeof(*lens));
    redisAppendCommandArgv(c, (int)call->n + 1, argv, lens);
    free(argv);
    free(lens);
}

/* A cluster's answer for a key whose slot is being moved (resharding): not an error of ours. */
static int slot_moving(const redisReply *reply)
{
    return strncmp(reply->str, "MOVED", 5) == 0 || strncmp(reply->str, "ASK", 3) == 0 ||
           strncmp(reply->str, "TRYAGAIN", 8) == 0;
}

/*
 * The reply of one delete call: keys deleted are added to *deleted. A slot that moved
 * (MOVED/ASK during a resharding) is left for the next run; other errors fail.
 */
static int call_result(const struct gc_node *node, const struct lc_redis_script *script,
                       struct call *call, const redisReply *reply, uint64_t *deleted,
                       struct lc_err *err)
{
    if (!reply)
        return lc_redis_reply_error(node->c, script ? "EVALSHA" : "UNLINK", NULL, err);
    if (reply->type == REDIS_REPLY_INTEGER) {
        *deleted += (uint64_t)reply->integer;
        return 0;
    }
    if (script && lc_redis_script_is_noscript(reply)) {
        call->noscript = 1;
        return 0;
    }
    if (reply->type == REDIS_REPLY_ERROR && slot_moving(reply)) {
        lc_log_warn("redis '%s': %.*s: a slot is moving; its keys are left for the next run",
                    node->name, (int)reply->len, reply->str);
        return 0;
    }
    if (script)
        return lc_redis_script_error(node->c, script, reply, err);
    return lc_redis_reply_error(node->c, "UNLINK", reply, err);
}

/*
 * The deletes of one page's candidates: `script` re-checks each key on the server (NULL
 * with --no-atomic: plain UNLINK). They are appended to the pipeline in front of the
 * next page's PTTLs and read with them (deletion_read()), so deleting costs no round
 * trip of its own; keys and arguments point into the page's replies, kept until then.
 */
struct deletion {
    const struct lc_redis_script *script;
    int with_args;
    struct candidates cand;
    struct call *calls;
    size_t n_calls;
    uint64_t deleted;         /* keys the calls deleted */
};

static void deletion_init(struct deletion *del, const struct lc_redis_script *script,
                          int with_args, size_t max_keys)
{
    memset(del, 0, sizeof(*del));
    del->script = script;
    del->with_args = with_args;
    candidates_init(&del->cand, max_keys);
}

static void deletion_done(struct deletion *del)
{
    candidates_done(&del->cand);
    free(del->calls);
    del->calls = NULL;
}

/* Appends the calls (nothing is sent until the next read). */
static void deletion_append(const struct gc_node *node, struct deletion *del)
{
    if (del->cand.n == 0)
        return;
    if (node->cluster)
        sort_by_slot(&del->cand);
    del->calls = plan_calls(node, &del->cand, &del->n_calls);
    for (size_t idx = 0; idx < del->n_calls; idx++) {
        struct lc_redis_script_call sc = script_call(&del->cand, &del->calls[idx], del->with_args);

        if (del->script)
            lc_redis_script_append(node->c, del->script, &sc);
        else
            append_unlink(node->c, &del->cand, &del->calls[idx]);
    }
}

/* Reads the replies of the appended calls; NOSCRIPT ones are marked for deletion_retry(). */
static int deletion_read(const struct gc_node *node, struct deletion *del, struct lc_err *err)
{
    for (size_t idx = 0; idx < del->n_calls; idx++) {
        redisReply *reply = NULL;
        int failed;

        if (redisGetReply(node->c, (void **)&reply) != REDIS_OK)
            reply = NULL;
        failed = call_result(node, del->script, &del->calls[idx], reply, &del->deleted, err) < 0;
        freeReplyObject(reply);
        if (failed)
            return -1;
    }
    return 0;
}

/* Sends the calls answered NOSCRIPT again as EVAL; nothing else may be in flight. */
static int deletion_retry(const struct gc_node *node, struct deletion *del, struct lc_err *err)
{
    for (size_t idx = 0; idx < del->n_calls; idx++) {
        struct lc_redis_script_call sc = script_call(&del->cand, &del->calls[idx], del->with_args);
        redisReply *reply;
        int failed;

        if (!del->calls[idx].noscript)
            continue;
        reply = lc_redis_script_eval(node->c, del->script, &sc, err);
        if (!reply)
            return -1;
        del->calls[idx].noscript = 0;
        failed = call_result(node, del->script, &del->calls[idx], reply, &del->deleted, err) < 0;
        freeReplyObject(reply);
        if (failed)
            return -1;
    }
    return 0;
}

/* Checks a SCAN reply's shape; *out_done is 1 when its cursor is 0. */
static int scan_reply(const struct gc_node *node, const redisReply *reply, int *out_done,
                      struct lc_err *err)
{
    if (!reply)
        return lc_redis_reply_error(node->c, "SCAN", NULL, err);
    if (reply->type == REDIS_REPLY_ERROR)
        return lc_redis_reply_error(node->c, "SCAN", reply, err);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_ARRAY)
        return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': unexpected reply to SCAN", node->name);
    for (size_t idx = 0; idx < reply->element[1]->elements; idx++)
        if (reply->element[1]->element[idx]->type != REDIS_REPLY_STRING)
            return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': SCAN returned a non-string key",
                              node->name);
    *out_done = strcmp(reply->element[0]->str, "0") == 0;
    return 0;
}

static void append_scan(const struct gc_node *node, const char *cursor, const char *pattern)
{
    char count[24];
    const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", count};

    snprintf(count, sizeof(count), "%ld", node->opts->batch);
    redisAppendCommandArgv(node->c, 6, argv, NULL);
}

/* Reads n replies that must be integers (PTTL) into ttls. */
static int read_ttls(const struct gc_node *node, size_t n, long long *ttls, struct lc_err *err)
{
    for (size_t idx = 0; idx < n; idx++) {
        redisReply *reply = NULL;

        if (redisGetReply(node->c, (void **)&reply) != REDIS_OK)
            reply = NULL;
        if (reply && reply->type == REDIS_REPLY_ERROR && slot_moving(reply)) {
            ttls[idx] = -2;   /* as if gone: the next run sees it on its new master */
        } else if (reply && reply->type == REDIS_REPLY_INTEGER) {
            ttls[idx] = reply->integer;
        } else {
            lc_redis_reply_error(node->c, "PTTL", reply, err);
            freeReplyObject(reply);
            return -1;
        }
        freeReplyObject(reply);
    }
    return 0;
}

/* Sends `argc` arguments per key for the keys with flag set, then reads the replies. */
static int pipeline_per_key(const struct gc_node *node, const redisReply *keys, const int *flag,
                            const char *command, const char *const *extra, size_t n_extra,
                            redisReply **replies, struct lc_err *err)
{
    const char **argv = lc_xcalloc(2 + n_extra, sizeof(*argv));
    size_t *lens = lc_xcalloc(2 + n_extra, sizeof(*lens));
    int rc = 0;

    argv[0] = command;
    lens[0] = strlen(command);
    for (size_t idx = 0; idx < n_extra; idx++) {
        argv[2 + idx] = extra[idx];
        lens[2 + idx] = strlen(extra[idx]);
    }
    for (size_t idx = 0; idx < keys->elements; idx++) {
        if (!flag[idx])
            continue;
        argv[1] = keys->element[idx]->str;
        lens[1] = keys->element[idx]->len;
        redisAppendCommandArgv(node->c, (int)(2 + n_extra), argv, lens);
    }
    for (size_t idx = 0; idx < keys->elements; idx++) {
        redisReply *reply = NULL;

        if (!flag[idx])
            continue;
        if (redisGetReply(node->c, (void **)&reply) != REDIS_OK || !reply) {
            rc = lc_redis_reply_error(node->c, command, NULL, err);
            break;
        }
        replies[idx] = reply;
    }
    free(argv);
    free(lens);
    return rc;
}

/* The time recorded in a hash's fields (an HMGET reply over lc_reservation_time_fields). */
static int hash_time(const redisReply *fields, int64_t *out_ms)
{
    for (size_t idx = 0; fields->type == REDIS_REPLY_ARRAY && idx < fields->elements; idx++) {
        const redisReply *f = fields->element[idx];

        if (f->type == REDIS_REPLY_STRING && lc_reservation_parse_time(f->str, f->len, out_ms) == 0)
            return (int)idx;
    }
    return -1;
}

/*
 * --older-than: reads the values of the keys that have a TTL and adds those whose
 * recorded expiry (or, without one, creation) time is older than the limit to `cand`,
 * with the value seen. `values` keeps the replies alive until the delete.
 */
static int find_stale(struct gc_node *node, const redisReply *keys, const long long *ttls,
                      struct candidates *cand, redisReply **types, redisReply **values,
                      struct lc_err *err)
{
    int *flag = lc_xcalloc(keys->elements + 1, sizeof(*flag));
    int64_t limit = node->now_ms - node->opts->older_than_ms;
    size_t n_fields = 0;
    int rc = -1;

    for (size_t idx = 0; idx < keys->elements; idx++)
        flag[idx] = ttls[idx] >= 0;
    if (pipeline_per_key(node, keys, flag, "TYPE", NULL, 0, types, err) < 0)
        goto out;
    for (size_t idx = 0; idx < keys->elements; idx++)
        flag[idx] = types[idx] && types[idx]->type == REDIS_REPLY_STATUS &&
                    strcmp(types[idx]->str, "string") == 0;
    if (pipeline_per_key(node, keys, flag, "GET", NULL, 0, values, err) < 0)
        goto out;
    for (size_t idx = 0; idx < keys->elements; idx++)
        flag[idx] = types[idx] && types[idx]->type == REDIS_REPLY_STATUS &&
                    strcmp(types[idx]->str, "hash") == 0;
    while (lc_reservation_time_fields[n_fields])
        n_fields++;
    if (pipeline_per_key(node, keys, flag, "HMGET", lc_reservation_time_fields, n_fields, values,
                         err) < 0)
        goto out;
    for (size_t idx = 0; idx < keys->elements; idx++) {
        const redisReply *key = keys->element[idx], *v = values[idx];
        int64_t when;
        int field;

        if (!v)
            continue;
        if (v->type == REDIS_REPLY_STRING) {
            if (lc_reservation_json_time(v->str, v->len, &when) < 0 || when >= limit)
                continue;
            candidates_add(cand, key, "", 0, v->str, v->len);
        } else {
            field = hash_time(v, &when);
            if (field < 0 || when >= limit)
                continue;
            candidates_add(cand, key, lc_reservation_time_fields[field],
                           strlen(lc_reservation_time_fields[field]), v->element[field]->str,
                           v->element[field]->len);
        }
        node->report->stale++;
        if (node->opts->dry_run) {
            char *detail = lc_xasprintf("TTL %llds, value older than --older-than", ttls[idx] / 1000);

            gc_report_item(node->report, node->opts, GC_ITEM_STALE, node->name, key->str, key->len,
                           detail);
            free(detail);
        }
    }
    rc = 0;
out:
    free(flag);
    return rc;
}

/*
 * One SCAN page: its reply (which holds the keys), the values read for --older-than, and
 * its deletions: [0] keys without TTL (reservations, or locks with --fix-locks), [1]
 * stale reservations. Kept until the deletions' replies are read.
 */
struct page {
    enum gc_pass_kind kind;
    redisReply *scan;
    redisReply **types;
    redisReply **values;
    struct deletion del[2];
};

static struct page *page_new(const struct gc_node *node, enum gc_pass_kind kind, redisReply *scan)
{
    struct page *page = lc_xcalloc(1, sizeof(*page));
    size_t n = scan->element[1]->elements;
    int atomic = !node->opts->no_atomic;

    page->kind = kind;
    page->scan = scan;
    page->types = lc_xcalloc(n + 1, sizeof(*page->types));
    page->values = lc_xcalloc(n + 1, sizeof(*page->values));
    deletion_init(&page->del[0], atomic ? node->no_ttl : NULL, 0, n);
    deletion_init(&page->del[1], atomic ? node->unchanged : NULL, 1, n);
    return page;
}

static void page_free(struct page *page)
{
    if (!page)
        return;
    for (size_t idx = 0; idx < page->scan->element[1]->elements; idx++) {
        freeReplyObject(page->types[idx]);
        freeReplyObject(page->values[idx]);
    }
    free(page->types);
    free(page->values);
    deletion_done(&page->del[0]);
    deletion_done(&page->del[1]);
    freeReplyObject(page->scan);
    free(page);
}

/* Steps 2 and 3 for a page of reservation keys whose TTLs are known: the deletes are appended. */
static int clean_reservations(struct gc_node *node, struct page *page, const long long *ttls,
                              struct lc_err *err)
{
    const struct gc_opts *opts = node->opts;
    const redisReply *keys = page->scan->element[1];

    for (size_t idx = 0; idx < keys->elements; idx++) {
        if (ttls[idx] != -1)
            continue;
        node->report->leaked++;
        candidates_add(&page->del[0].cand, keys->element[idx], NULL, 0, NULL, 0);
        if (opts->dry_run)
            gc_report_item(node->report, opts, GC_ITEM_LEAKED, node->name, keys->element[idx]->str,
                           keys->element[idx]->len, "no TTL");
    }
    if (opts->older_than_ms > 0 &&
        find_stale(node, keys, ttls, &page->del[1].cand, page->types, page->values, err) < 0)
        return -1;
    if (!opts->dry_run) {
        deletion_append(node, &page->del[0]);
        deletion_append(node, &page->del[1]);
    }
    return 0;
}

/* Step 3 for a page of lock keys: report those without TTL; with --fix-locks append the deletes. */
static int clean_locks(struct gc_node *node, struct page *page, const long long *ttls,
                       struct lc_err *err)
{
    const redisReply *keys = page->scan->element[1];
    int fix = node->opts->fix_locks && !node->opts->dry_run;

    for (size_t idx = 0; idx < keys->elements; idx++) {
        if (ttls[idx] != -1)
            continue;
        node->report->locks_stuck++;
        candidates_add(&page->del[0].cand, keys->element[idx], NULL, 0, NULL, 0);
        gc_report_item(node->report, node->opts, GC_ITEM_STUCK_LOCK, node->name,
                       keys->element[idx]->str, keys->element[idx]->len,
                       fix ? "no TTL, deleted unless it got one" : "no TTL");
    }
    if (fix)
        deletion_append(node, &page->del[0]);
    return 0;
}

/* Reads a page's delete replies (sent with the next page's PTTLs) and counts them. */
static int page_read_deletions(const struct gc_node *node, struct page *page, struct lc_err *err)
{
    return deletion_read(node, &page->del[0], err) < 0 || deletion_read(node, &page->del[1], err) < 0
               ? -1 : 0;
}

/* Re-sends NOSCRIPT calls (nothing in flight now) and adds the page's figures to the report. */
static int page_finish(const struct gc_node *node, struct page *page, struct lc_err *err)
{
    struct gc_report *report = node->report;
    uint64_t deleted, candidates;

    if (deletion_retry(node, &page->del[0], err) < 0 || deletion_retry(node, &page->del[1], err) < 0)
        return -1;
    deleted = page->del[0].deleted + page->del[1].deleted;
    /* keys sent but not deleted got a TTL (or a new value) in between */
    candidates = (page->del[0].n_calls ? page->del[0].cand.n : 0) +
                 (page->del[1].n_calls ? page->del[1].cand.n : 0);
    if (page->kind == GC_PASS_LOCKS) {
        report->locks_deleted += deleted;
    } else {
        report->deleted += deleted;
        report->skipped += candidates - deleted;
    }
    return 0;
}

/*
 * One SCAN over the node for `pattern`. Per round trip: the deletes of the previous
 * page, the PTTLs of this page and the SCAN of the next go out together.
 */
static int scan_pass(struct gc_node *node, enum gc_pass_kind kind, const char *pattern,
                     struct lc_err *err)
{
    struct page *page = NULL, *prev = NULL;
    redisReply *reply = NULL;
    long long *ttls = NULL;
    uint64_t *scanned =
        kind == GC_PASS_LOCKS ? &node->report->locks_scanned : &node->report->scanned;
    int done = 0, rc = -1;

    append_scan(node, "0", pattern);
    if (redisGetReply(node->c, (void **)&reply) != REDIS_OK)
        reply = NULL;
    if (scan_reply(node, reply, &done, err) < 0)
        goto out;
    page = page_new(node, kind, reply);
    reply = NULL;
    for (;;) {
        const redisReply *keys = page->scan->element[1];
        int next_done = 1;

        ttls = lc_xcalloc(keys->elements + 1, sizeof(*ttls));
        for (size_t idx = 0; idx < keys->elements; idx++) {
            const char *argv[2] = {"PTTL", keys->element[idx]->str};
            size_t lens[2] = {4, keys->element[idx]->len};

            redisAppendCommandArgv(node->c, 2, argv, lens);
        }
        if (!done)
            append_scan(node, page->scan->element[0]->str, pattern);
        if ((prev && page_read_deletions(node, prev, err) < 0) ||
            read_ttls(node, keys->elements, ttls, err) < 0)
            goto out;
        if (!done) {
            if (redisGetReply(node->c, (void **)&reply) != REDIS_OK)
                reply = NULL;
            if (scan_reply(node, reply, &next_done, err) < 0)
                goto out;
        }
        if (prev && page_finish(node, prev, err) < 0)
            goto out;
        page_free(prev);
        prev = NULL;
        *scanned += keys->elements;
        lc_progress_add(node->progress, keys->elements);
        if ((kind == GC_PASS_LOCKS ? clean_locks : clean_reservations)(node, page, ttls, err) < 0)
            goto out;
        free(ttls);
        ttls = NULL;
        prev = page;
        page = NULL;
        if (done)
            break;
        page = page_new(node, kind, reply);
        reply = NULL;
        done = next_done;
        if (lc_check_interrupted(err) < 0)
            goto out;
        lc_rate_wait(node->rate, node->report->scanned + node->report->locks_scanned);
    }
    if (page_read_deletions(node, prev, err) < 0 || page_finish(node, prev, err) < 0)
        goto out;
    rc = 0;
out:
    free(ttls);
    page_free(page);
    page_free(prev);
    freeReplyObject(reply);
    return rc;
}

/* The server's clock in ms (TIME), so that --older-than does not trust this host's clock. */
static int server_time(struct gc_node *node, struct lc_err *err)
{
    const char *argv[1] = {"TIME"};
    redisReply *reply = lc_redis_cmdv(node->c, 1, argv, NULL, err);

    if (!reply)
        return -1;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING || reply->element[1]->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': unexpected reply to TIME", node->name);
    }
    node->now_ms = strtoll(reply->element[0]->str, NULL, 10) * 1000 +
                   strtoll(reply->element[1]->str, NULL, 10) / 1000;
    freeReplyObject(reply);
    return 0;
}

static int select_db(struct gc_node *node, unsigned db, struct lc_err *err)
{
    char dbs[16];
    const char *argv[2] = {"SELECT", dbs};
    redisReply *reply;

    if (db == 0 || node->cluster)
        return 0;
    snprintf(dbs, sizeof(dbs), "%u", db);
    reply = lc_redis_cmdv(node->c, 2, argv, NULL, err);
    freeReplyObject(reply);
    return reply ? 0 : -1;
}

/*
 * On a cluster of Redis 7 or later a script may touch the keys of several slots only when
 * flagged so; Redis 6 knows no flags and needs none. INFO server says which it is.
 */
static int cluster_script(struct gc_node *node, const struct lc_redis_script *flagged,
                          struct lc_err *err)
{
    char *info = NULL, *version;

    if (lc_redis_info(node->c, "server", &info, err) < 0)
        return -1;
    version = lc_redis_info_field(info, "redis_version");
    if (!version || strtol(version, NULL, 10) >= 7)
        node->scan = flagged;
    free(version);
    free(info);
    return 0;
}

/* A pass that deletes keys without TTL and does nothing else: the script walks its pages. */
static int scan_by_script(const struct gc_node *node, enum gc_pass_kind kind)
{
    const struct gc_opts *opts = node->opts;

    if (opts->dry_run || opts->no_atomic)
        return 0;
    return kind == GC_PASS_LOCKS ? opts->fix_locks : opts->older_than_ms <= 0;
}

static int clean_pass(struct gc_node *node, enum gc_pass_kind kind, const char *pattern,
                      struct lc_err *err)
{
    if (scan_by_script(node, kind))
        return gc_scan_script_pass(node, kind, pattern, err);
    return scan_pass(node, kind, pattern, err);
}

static int clean_node(const struct lc_config *cfg, struct gc_node *node,
                      const struct lc_redis_script *flagged, struct lc_err *err)
{
    const char *pattern = node->opts->pattern ? node->opts->pattern : cfg->numbering.reservation_pattern;
    int rc = -1;

    node->c = lc_redis_connect(node->name, &cfg->redis, err);
    if (!node->c)
        return -1;
    if (select_db(node, cfg->redis.db, err) < 0 ||
        (node->opts->older_than_ms > 0 && server_time(node, err) < 0) ||
        (node->cluster && (scan_by_script(node, GC_PASS_RESERVATIONS) ||
                           scan_by_script(node, GC_PASS_LOCKS)) &&
         cluster_script(node, flagged, err) < 0) ||
        clean_pass(node, GC_PASS_RESERVATIONS, pattern, err) < 0 ||
        (cfg->numbering.lock_pattern &&
         clean_pass(node, GC_PASS_LOCKS, cfg->numbering.lock_pattern, err) < 0))
        goto out;
    rc = 0;
out:
    redisFree(node->c);
    node->c = NULL;
    return rc;
}

int gc_redis(const struct lc_config *cfg, const struct gc_opts *opts, struct gc_report *report,
             struct lc_err *err)
{
    struct lc_redis_script no_ttl, unchanged, scan, scan_flagged;
    struct lc_err first = LC_ERR_INIT;
    struct lc_rate rate;
    struct lc_progress *progress = NULL;
    char **masters = NULL;
    size_t n_masters = 0, failed = 0;
    const char *failed_name = NULL;
    int rc = -1;

    if (lc_redis_masters(&cfg->redis, &masters, err) < 0)
        return -1;
    lc_redis_script_init(&no_ttl, "unlink-keys-if-no-ttl", unlink_if_no_ttl_lua);
    lc_redis_script_init(&unchanged, "unlink-if-unchanged", unlink_if_unchanged_lua);
    gc_scan_scripts_init(&scan, &scan_flagged);
    lc_rate_init(&rate, opts->max_rate);
    progress = lc_progress_new_count("Redis keys checked", 0, "keys");
    if (opts->no_atomic && !opts->dry_run)
        lc_log_warn("--no-atomic: keys are deleted with a plain UNLINK after the TTL check; a key "
                    "that gets its TTL in between is deleted all the same");
    for (; masters[n_masters]; n_masters++) {
        struct gc_node node = {opts, report, &rate, progress, &no_ttl, &unchanged, &scan, NULL,
                               masters[n_masters], cfg->redis.mode == LC_REDIS_CLUSTER, 0};
        struct lc_err node_err = LC_ERR_INIT;

        lc_log_debug("redis '%s': cleaning", node.name);
        if (clean_node(cfg, &node, &scan_flagged, &node_err) == 0) {
            report->nodes++;
            continue;
        }
        /* scripts refused, or a stop request: the other nodes would fare no better */
        if (node_err.status == LC_E_NOPERM || node_err.status == LC_E_TEMPFAIL) {
            if (failed)
                lc_log_error("%s", first.msg);
            *err = node_err;
            goto out;
        }
        if (failed++ == 0) {
            first = node_err;
            failed_name = masters[n_masters];
        } else {
            lc_log_error("%s", node_err.msg);
        }
    }
    if (failed) {
        lc_err_set(err, first.status, "%zu of %zu Redis masters could not be cleaned (%s); the "
                   "first: %s", failed, n_masters, failed_name, first.msg);
        lc_err_hint(err, "the other masters were cleaned; the next run retries");
        goto out;
    }
    rc = 0;
out:
    lc_progress_free(progress);
    lc_strv_free(masters);
    return rc;
}
