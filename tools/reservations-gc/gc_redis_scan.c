/*
 * How lcbp3-reservations-gc deletes keys without TTL by default: one script call per SCAN
 * page. The script runs SCAN from the cursor the previous call returned (COUNT = --batch),
 * PTTL of each key of that page and UNLINK of those without TTL, all in one atomic step
 * on the server: no owner can set a TTL between the check and the delete, and no key
 * crosses the network unless it is to be listed. This is the work of the benchmark's
 * one-script floor, cut into calls that each last one page (about a millisecond at the
 * default batch), so the server is never blocked for long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/redis_client.h"
#include "common/signals.h"
#include "tools/reservations-gc/gc_redis.h"

/*
 * ARGV: cursor, pattern, COUNT, list ('1': send the deleted keys back). Returns {next
 * cursor, keys scanned, keys deleted, keys left, deleted keys if listed...}. The PTTLs
 * come first, so an error (other than a key this node does not serve) stops the call
 * before it deletes anything. A key of a slot being moved during a resharding (SCAN shows
 * it, the node no longer or not yet serves it) cannot be touched from a script: it is
 * left for the next run.
 */
#define SCAN_LUA                                                                        \
    "local page = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])\n"   \
    "local keys, gone, left = page[2], {}, 0\n"                                         \
    "for i = 1, #keys do\n"                                                             \
    "  local ttl = redis.pcall('PTTL', keys[i])\n"                                      \
    "  if type(ttl) == 'table' then\n"                                                  \
    "    if not string.find(tostring(ttl.err), 'non local key', 1, true) then\n"        \
    "      return ttl\n"                                                                \
    "    end\n"                                                                         \
    "    left = left + 1\n"                                                             \
    "  elseif ttl == -1 then\n"                                                         \
    "    gone[#gone + 1] = keys[i]\n"                                                   \
    "  end\n"                                                                           \
    "end\n"                                                                             \
    "for i = 1, #gone do\n"                                                             \
    "  redis.call('UNLINK', gone[i])\n"                                                 \
    "end\n"                                                                             \
    "local out = {page[1], #keys, #gone, left}\n"                                       \
    "if ARGV[4] == '1' then\n"                                                          \
    "  for i = 1, #gone do\n"                                                           \
    "    out[4 + i] = gone[i]\n"                                                        \
    "  end\n"                                                                           \
    "end\n"                                                                             \
    "return out\n"

/*
 * On a cluster the keys of a page belong to many slots, all served by this node; Redis 7
 * lets a script touch undeclared keys of several slots only with this flag (Redis 6 needs
 * none, and knows no flags). allow-oom: a server at maxmemory still lets the GC free memory.
 */
static const char scan_lua[] = SCAN_LUA;
static const char scan_flagged_lua[] = "#!lua flags=allow-cross-slot-keys,allow-oom\n" SCAN_LUA;

void gc_scan_scripts_init(struct lc_redis_script *plain, struct lc_redis_script *flagged)
{
    lc_redis_script_init(plain, "unlink-if-no-ttl", scan_lua);
    lc_redis_script_init(flagged, "unlink-if-no-ttl", scan_flagged_lua);
}

/*
 * Redis refused a command inside the script to the ACL user. Redis 7.0 says "The user
 * executing the script can't run this command or subcommand" without naming it; later
 * versions answer NOPERM. A NOPERM naming EVALSHA or EVAL is the script itself refused.
 */
static int refused_inside(const redisReply *reply)
{
    return strstr(reply->str, "user executing the script") != NULL ||
           (strncmp(reply->str, "NOPERM", 6) == 0 && strstr(reply->str, "'eval") == NULL);
}

/*
 * The error of a script call. A command refused inside the script: a plain SCAN tells
 * whether SCAN is the one (the server's own NOPERM then names it), else the message
 * names the commands the script runs.
 */
static int call_error(struct gc_node *node, const char *pattern, const redisReply *reply,
                      struct lc_err *err)
{
    const char *argv[6] = {"SCAN", "0", "MATCH", pattern, "COUNT", "1"};
    redisReply *probe;

    if (!reply || reply->type != REDIS_REPLY_ERROR || !refused_inside(reply))
        return lc_redis_script_error(node->c, node->scan, reply, err);
    probe = lc_redis_cmdv(node->c, 6, argv, NULL, err);
    if (!probe)
        return -1;
    freeReplyObject(probe);
    lc_err_set(err, LC_E_NOPERM, "redis '%s': the %s script was refused a command: %.*s",
               node->name, node->scan->name, (int)reply->len, reply->str);
    lc_err_hint(err, "the script runs SCAN, PTTL and UNLINK as the [redis] user: allow them "
                     "(ACL: +scan +pttl +unlink) on the keys of the pattern");
    return -1;
}

/* Checks the shape of a call's reply: {cursor, scanned, deleted, left, keys...}. */
static int reply_shape(const struct gc_node *node, const redisReply *reply, struct lc_err *err)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 4 ||
        reply->element[0]->type != REDIS_REPLY_STRING || reply->element[0]->len >= 32)
        goto bad;
    for (size_t idx = 1; idx < 4; idx++)
        if (reply->element[idx]->type != REDIS_REPLY_INTEGER || reply->element[idx]->integer < 0)
            goto bad;
    for (size_t idx = 4; idx < reply->elements; idx++)
        if (reply->element[idx]->type != REDIS_REPLY_STRING)
            goto bad;
    return 0;
bad:
    return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': unexpected reply from the %s script",
                      node->name, node->scan->name);
}

/* One call: EVALSHA, sent again as EVAL when the server does not have the script. */
static redisReply *call_page(struct gc_node *node, const char *pattern, const char *const *args,
                             size_t n_args, struct lc_err *err)
{
    size_t lens[5];
    struct lc_redis_script_call call = {0, NULL, NULL, n_args, args, lens};
    redisReply *reply = NULL;

    for (size_t idx = 0; idx < n_args; idx++)
        lens[idx] = strlen(args[idx]);
    lc_redis_script_append(node->c, node->scan, &call);
    if (redisGetReply(node->c, (void **)&reply) != REDIS_OK)
        reply = NULL;
    if (lc_redis_script_is_noscript(reply)) {
        freeReplyObject(reply);
        reply = lc_redis_script_eval(node->c, node->scan, &call, err);
        if (!reply)
            return NULL;
    }
    if (reply && reply->type != REDIS_REPLY_ERROR && reply_shape(node, reply, err) == 0)
        return reply;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        call_error(node, pattern, reply, err);
    freeReplyObject(reply);
    return NULL;
}

int gc_scan_script_pass(struct gc_node *node, enum gc_pass_kind kind, const char *pattern,
                        struct lc_err *err)
{
    const struct gc_opts *opts = node->opts;
    struct gc_report *report = node->report;
    int locks = kind == GC_PASS_LOCKS;
    char cursor[32] = "0", count[24];

    snprintf(count, sizeof(count), "%ld", opts->batch);
    do {
        /* deleted keys come back only to be listed: stuck locks, up to --limit */
        int list = locks && report->n_items_of[GC_ITEM_STUCK_LOCK] < (size_t)opts->limit;
        const char *args[4] = {cursor, pattern, count, list ? "1" : "0"};
        redisReply *reply = call_page(node, pattern, args, 4, err);
        uint64_t scanned, deleted, left;

        if (!reply)
            return -1;
        scanned = (uint64_t)reply->element[1]->integer;
        deleted = (uint64_t)reply->element[2]->integer;
        left = (uint64_t)reply->element[3]->integer;
        for (size_t idx = 4; idx < reply->elements; idx++)
            gc_report_item(report, opts, GC_ITEM_STUCK_LOCK, node->name, reply->element[idx]->str,
                           reply->element[idx]->len, "no TTL, deleted");
        if (left)
            lc_log_warn("redis '%s': %llu key%s of a slot being moved left for the next run",
                        node->name, (unsigned long long)left, left == 1 ? "" : "s");
        memcpy(cursor, reply->element[0]->str, reply->element[0]->len);
        cursor[reply->element[0]->len] = '\0';
        freeReplyObject(reply);
        if (locks) {
            report->locks_scanned += scanned;
            report->locks_stuck += deleted;
            report->locks_deleted += deleted;
        } else {
            report->scanned += scanned;
            report->leaked += deleted;
            report->deleted += deleted;
        }
        lc_progress_add(node->progress, scanned);
        if (lc_check_interrupted(err) < 0)
            return -1;
        lc_rate_wait(node->rate, report->scanned + report->locks_scanned);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}
