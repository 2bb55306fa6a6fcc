/*
 * The Redis part of `lcbp3-integrity health`, for the three deployment modes of
 * [redis] mode. Every data node gets the same checks (PING latency, role and the link
 * to its master, memory against maxmemory, the last RDB save and AOF write, and in a
 * cluster the node's view of the cluster); which nodes are checked depends on the mode:
 *   standalone  every node of [redis] nodes;
 *   cluster     every node of [redis] nodes and every node CLUSTER NODES lists (so a
 *               stopped node is named even when it is not a configured seed);
 *   sentinel    the sentinels of [redis] nodes, then the master they name.
 * Only PING, INFO, CLUSTER INFO/NODES and SENTINEL MASTER are sent: never CONFIG or
 * FLUSH*, which production renames or disables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/units.h"
#include "tools/integrity/health.h"

#define DOWN_ACTION                                                                          \
    "check that redis-server runs there (systemctl status redis, its log) and that [redis] " \
    "nodes, user and password_file are right"

struct redis_check {
    const struct lc_config *cfg;
    struct ic_report *r;
};

static char *node_check(const char *node, const char *what)
{
    return lc_xasprintf("redis.%s.%s", node, what);
}

static void node_gauge(struct ic_report *r, const char *name, const char *help, const char *node,
                       double value)
{
    char *labels = lc_metrics_labels("node", node, NULL);

    lc_metrics_gauge(ic_report_metrics(r), name, help, labels, value);
    free(labels);
}

/* Field of INFO text; "" when absent (new string either way). */
static char *info_get(const char *info, const char *field)
{
    char *v = lc_redis_info_field(info, field);

    return v ? v : lc_xstrdup("");
}

/* ---- one data node --------------------------------------------------------------- */

static void check_role(struct redis_check *rc, const char *node, const char *info)
{
    char *check = node_check(node, "role");
    char *role = info_get(info, "role");

    if (strcmp(role, "slave") == 0) {
        char *host = info_get(info, "master_host");
        char *port = info_get(info, "master_port");
        char *link = info_get(info, "master_link_status");
        int up = strcmp(link, "up") == 0;
        char *detail = up ? NULL
                          : lc_xasprintf("the link to its master %s:%s is %s", host, port,
                                         *link ? link : "unknown");

        ic_report_addf(rc->r, check, up ? IC_OK : IC_CRITICAL, "link up", detail,
                       up ? NULL : "check the master is up and reachable from the replica; "
                                   "read the replica's log (MASTER <-> REPLICA sync)",
                       up ? NULL : "redis-down", "replica of %s:%s (link %s)", host, port,
                       *link ? link : "?");
        free(detail);
        free(link);
        free(port);
        free(host);
    } else {
        ic_report_addf(rc->r, check, IC_OK, NULL, NULL, NULL, NULL, "%s", *role ? role : "?");
    }
    free(role);
    free(check);
}

static void check_memory(struct redis_check *rc, const char *node, const char *info)
{
    const struct lc_integrity_cfg *ic = &rc->cfg->integrity;
    char *check = node_check(node, "memory");
    char *used_s = info_get(info, "used_memory");
    char *max_s = info_get(info, "maxmemory");
    uint64_t used = strtoull(used_s, NULL, 10), max = strtoull(max_s, NULL, 10);
    char used_h[16], max_h[16], threshold[64];

    lc_format_size(used, used_h, sizeof(used_h));
    node_gauge(rc->r, "lcbp3_redis_memory_used_bytes", "used_memory of the Redis node", node,
               (double)used);
    if (!*used_s) {
        struct lc_err err = LC_ERR_INIT;

        lc_err_set(&err, LC_E_DATA, "redis '%s': INFO has no used_memory", node);
        ic_report_unknown(rc->r, check, &err, "check that the node is a Redis server");
    } else if (max == 0) {
        ic_report_addf(rc->r, check, IC_OK, "no maxmemory",
                       "maxmemory is 0 (no limit): the host's memory is the limit", NULL, NULL,
                       "%s used", used_h);
    } else {
        double pct = 100.0 * (double)used / (double)max;
        enum ic_status st = pct > (double)ic->crit_redis_memory   ? IC_CRITICAL
                            : pct > (double)ic->warn_redis_memory ? IC_WARNING
                                                                  : IC_OK;
        char *detail = NULL;

        lc_format_size(max, max_h, sizeof(max_h));
        snprintf(threshold, sizeof(threshold), "warn > %lld %%, crit > %lld %%",
                 (long long)ic->warn_redis_memory, (long long)ic->crit_redis_memory);
        if (st != IC_OK)
            detail = lc_xasprintf("%s of maxmemory %s used: at the limit Redis evicts keys or "
                                  "refuses writes (maxmemory-policy)",
                                  used_h, max_h);
        ic_report_addf(rc->r, check, st, threshold, detail,
                       st == IC_OK ? NULL
                                   : "see what uses the memory (redis-cli --bigkeys, INFO "
                                     "keyspace); leaked reservation keys without TTL are a known "
                                     "cause ('lcbp3-reservations-gc --dry-run'); raise maxmemory "
                                     "if the data really grew",
                       NULL, "%.1f %% (%s of %s)", pct, used_h, max_h);
        node_gauge(rc->r, "lcbp3_redis_memory_used_ratio", "used_memory / maxmemory of the node",
                   node, (double)used / (double)max);
        free(detail);
    }
    free(max_s);
    free(used_s);
    free(check);
}

static void check_persistence(struct redis_check *rc, const char *node, const char *info)
{
    char *check = node_check(node, "persistence");
    char *rdb = info_get(info, "rdb_last_bgsave_status");
    char *aof_on = info_get(info, "aof_enabled");
    char *aof = info_get(info, "aof_last_write_status");
    char *rewrite = info_get(info, "aof_last_bgrewrite_status");
    int aof_enabled = strcmp(aof_on, "1") == 0;
    int rdb_err = strcmp(rdb, "err") == 0;
    int aof_err = aof_enabled && (strcmp(aof, "err") == 0 || strcmp(rewrite, "err") == 0);
    char *detail = NULL;

    if (rdb_err || aof_err)
        detail = lc_xasprintf("%s%s%s", rdb_err ? "the last RDB save failed "
                                                  "(rdb_last_bgsave_status:err)" : "",
                              rdb_err && aof_err ? "; " : "",
                              aof_err ? "the AOF cannot be written (aof_last_write_status or "
                                        "aof_last_bgrewrite_status: err)" : "");
    ic_report_addf(rc->r, check, detail ? IC_CRITICAL : IC_OK, "ok", detail,
                   detail ? "read the Redis log: usually the disk is full or the data dir is not "
                            "writable; with stop-writes-on-bgsave-error Redis refuses writes "
                            "until a save succeeds"
                          : NULL,
                   NULL, "rdb %s, aof %s", *rdb ? rdb : "?", aof_enabled ? aof : "off");
    free(detail);
    free(rewrite);
    free(aof);
    free(aof_on);
    free(rdb);
    free(check);
}

/* The node's own view of the cluster (CLUSTER INFO). */
static void check_cluster_info(struct redis_check *rc, redisContext *c, const char *node)
{
    const char *argv[2] = {"CLUSTER", "INFO"};
    struct lc_err err = LC_ERR_INIT;
    char *check = node_check(node, "cluster");
    redisReply *reply = lc_redis_cmdv(c, 2, argv, NULL, &err);
    char *state, *assigned, *ok, *pfail, *fail, *detail = NULL;
    enum ic_status st;

    if (!reply || reply->type != REDIS_REPLY_STRING) {
        if (reply)
            lc_err_set(&err, LC_E_DATA, "redis '%s': CLUSTER INFO: not a text reply", node);
        ic_report_unknown(rc->r, check, &err, "check that the node runs with cluster-enabled yes");
        freeReplyObject(reply);
        free(check);
        return;
    }
    state = info_get(reply->str, "cluster_state");
    assigned = info_get(reply->str, "cluster_slots_assigned");
    ok = info_get(reply->str, "cluster_slots_ok");
    pfail = info_get(reply->str, "cluster_slots_pfail");
    fail = info_get(reply->str, "cluster_slots_fail");
    if (strcmp(state, "ok") != 0 || strtol(fail, NULL, 10) > 0 ||
        strtol(assigned, NULL, 10) != LC_REDIS_CLUSTER_SLOTS)
        st = IC_CRITICAL;
    else if (strtol(pfail, NULL, 10) > 0)
        st = IC_WARNING;
    else
        st = IC_OK;
    if (st != IC_OK)
        detail = lc_xasprintf("cluster_state:%s; of %d slots %s assigned, %s ok, %s pfail, "
                              "%s fail",
                              state, LC_REDIS_CLUSTER_SLOTS, assigned, ok, pfail, fail);
    ic_report_addf(rc->r, check, st, "state ok, 16384 slots ok", detail,
                   st == IC_OK ? NULL
                               : "find the failing node (redis-cli --cluster check, CLUSTER "
                                 "NODES), start it again or fail over to its replica; keys in "
                                 "its slots cannot be served meanwhile",
                   st == IC_OK ? NULL : "redis-down", "state %s, slots %s ok", state, ok);
    node_gauge(rc->r, "lcbp3_redis_cluster_slots_ok", "cluster_slots_ok as this node sees it",
               node, strtod(ok, NULL));
    free(detail);
    free(fail);
    free(pfail);
    free(ok);
    free(assigned);
    free(state);
    freeReplyObject(reply);
    free(check);
}

/* PING latency, then the other checks on one INFO. Returns 0 if the node answered. */
static int check_data_node(struct redis_check *rc, const char *node, int cluster)
{
    const char *ping[1] = {"PING"};
    struct lc_err err = LC_ERR_INIT;
    char *check = node_check(node, "ping");
    redisContext *c = lc_redis_connect(node, &rc->cfg->redis, &err);
    redisReply *reply = NULL;
    struct timespec start;
    char *info = NULL;
    double ms;
    int rc_ = -1;

    if (c) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        reply = lc_redis_cmdv(c, 1, ping, NULL, &err);
        ms = ic_health_elapsed_ms(&start);
    }
    if (!reply) {
        ic_report_addf(rc->r, check, IC_CRITICAL, NULL, err.msg,
                       err.hint[0] ? err.hint : DOWN_ACTION, "redis-down", "unreachable");
        node_gauge(rc->r, "lcbp3_redis_up", "1 when the Redis node answered PING", node, 0);
        goto out;
    }
    ic_report_addf(rc->r, check, IC_OK, NULL, NULL, NULL, NULL, "%.1f ms", ms);
    node_gauge(rc->r, "lcbp3_redis_up", "1 when the Redis node answered PING", node, 1);
    node_gauge(rc->r, "lcbp3_redis_latency_seconds", "round trip of PING to the Redis node", node,
               ms / 1000.0);
    rc_ = 0;
    if (lc_redis_info(c, NULL, &info, &err) < 0) {
        char *what = node_check(node, "info");

        ic_report_unknown(rc->r, what, &err, "the ACL user needs +info");
        free(what);
        goto out;
    }
    check_role(rc, node, info);
    if (cluster)
        check_cluster_info(rc, c, node);
    check_memory(rc, node, info);
    check_persistence(rc, node, info);
out:
    free(info);
    freeReplyObject(reply);
    if (c)
        redisFree(c);
    free(check);
    return rc_;
}

/* ---- cluster --------------------------------------------------------------------- */

static int strv_has(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return 1;
    return 0;
}

static void strv_add(char ***v, const char *s)
{
    size_t n = lc_strv_len(*v);

    *v = lc_xrealloc(*v, (n + 2) * sizeof(**v));
    (*v)[n] = lc_xstrdup(s);
    (*v)[n + 1] = NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One line of CLUSTER NODES (<id> <ip:port@cport[,host]> <flags> ...): adds the node's
 * "host:port" to *nodes and, when it is flagged fail or fail?, a note to `bad`.
 * Returns 2 for fail, 1 for fail?, 0 otherwise.
 */
static int cluster_node_line(const char *line, const char *seed_host, char ***nodes,
                             struct lc_buf *bad)
{
    char id[64] = "", addr[300] = "", flags[200] = "";
    char *at, *colon, *name;
    int state = 0;

    if (sscanf(line, "%63s %299s %199s", id, addr, flags) != 3)
        return 0;
    at = strchr(addr, '@');
    if (at)
        *at = '\0';
    colon = strrchr(addr, ':');
    if (!colon || !colon[1])
        return 0; /* noaddr: nothing to connect to; reported by its flags below */
    *colon = '\0';
    if (strchr(addr, ':'))
        name = lc_xasprintf("[%s]:%s", addr, colon + 1);
    else
        name = lc_xasprintf("%s:%s", addr[0] ? addr : seed_host, colon + 1);
    if (!strv_has(*nodes, name))
        strv_add(nodes, name);
    if (strstr(flags, "fail?"))
        state = 1;
    else if (strstr(flags, "fail") || strstr(flags, "noaddr"))
        state = 2;
    if (state)
        lc_buf_printf(bad, "%s%s (%s)", bad->len ? ", " : "", name, flags);
    free(name);
    return state;
}

/* CLUSTER NODES of the first seed that answers, into the node list; one summary line. */
static void cluster_topology(struct redis_check *rc, char ***nodes)
{
    const char *argv[2] = {"CLUSTER", "NODES"};
    struct lc_err err = LC_ERR_INIT;
    struct lc_buf bad = LC_BUF_INIT;
    redisReply *reply = NULL;
    redisContext *c = NULL;
    char *seed_host = NULL;
    int worst = 0, port = 0;
    size_t listed = 0;

    for (char **seed = rc->cfg->redis.nodes; seed && *seed && !reply; seed++) {
        free(seed_host);
        seed_host = NULL;
        if (lc_redis_parse_node(*seed, &seed_host, &port, &err) < 0)
            continue;
        c = lc_redis_connect_node(seed_host, port, &rc->cfg->redis, &err);
        if (c)
            reply = lc_redis_cmdv(c, 2, argv, NULL, &err);
        if (!reply && c) {
            redisFree(c);
            c = NULL;
        }
    }
    if (!reply || reply->type != REDIS_REPLY_STRING) {
        ic_report_addf(rc->r, "redis.cluster.nodes", IC_CRITICAL, NULL,
                       reply ? "CLUSTER NODES: not a text reply" : err.msg, DOWN_ACTION,
                       "redis-down", "no seed answered");
        goto out;
    }
    for (const char *line = reply->str; *line;) {
        size_t len = strcspn(line, "\n");
        char *one = lc_xstrndup(line, len);
        int state = cluster_node_line(one, seed_host, nodes, &bad);

        listed += len > 0;
        worst = state > worst ? state : worst;
        free(one);
        line += len;
        line += *line == '\n';
    }
    ic_report_addf(rc->r, "redis.cluster.nodes", worst == 2 ? IC_CRITICAL : worst ? IC_WARNING : IC_OK,
                   "no node failing", worst ? bad.data : NULL,
                   worst ? "start the failing node again (or replace it and CLUSTER FORGET the "
                           "old one); redis-cli --cluster check shows the whole picture"
                         : NULL,
                   worst ? "redis-down" : NULL, "%zu nodes%s", listed,
                   worst ? ", some failing" : "");
out:
    lc_buf_done(&bad);
    freeReplyObject(reply);
    if (c)
        redisFree(c);
    free(seed_host);
}

static void check_cluster(struct redis_check *rc)
{
    char **nodes = NULL;

    for (char **seed = rc->cfg->redis.nodes; seed && *seed; seed++)
        if (!strv_has(nodes, *seed))
            strv_add(&nodes, *seed);
    cluster_topology(rc, &nodes);
    qsort(nodes, lc_strv_len(nodes), sizeof(*nodes), cmp_str);
    for (char **n = nodes; n && *n; n++)
        check_data_node(rc, *n, 1);
    lc_strv_free(nodes);
}

/* ---- sentinel -------------------------------------------------------------------- */

/* A sentinel: without credentials first (sentinels usually have none), then with. */
static redisContext *connect_sentinel(const struct lc_redis_cfg *cfg, const char *node,
                                      struct lc_err *err)
{
    struct lc_redis_cfg anon = *cfg;
    redisContext *c;

    anon.user = NULL;
    anon.password = NULL;
    c = lc_redis_connect(node, &anon, err);
    if (!c && (cfg->password || cfg->user) && strstr(err->msg, "NOAUTH")) {
        lc_err_clear(err);
        c = lc_redis_connect(node, cfg, err);
    }
    return c;
}

/* The value of `key` in the flat field/value array SENTINEL MASTER answers. */
static const char *pair_value(const redisReply *reply, const char *key)
{
    for (size_t idx = 0; idx + 1 < reply->elements; idx += 2)
        if (reply->element[idx]->type == REDIS_REPLY_STRING &&
            strcmp(reply->element[idx]->str, key) == 0 &&
            reply->element[idx + 1]->type == REDIS_REPLY_STRING)
            return reply->element[idx + 1]->str;
    return "";
}

/* SENTINEL MASTER <name>: reports it and returns the master's "host:port" (or NULL). */
static char *sentinel_master(struct redis_check *rc, redisContext *c, const char *sentinel)
{
    const char *name = rc->cfg->redis.master_name;
    const char *argv[3] = {"SENTINEL", "MASTER", name};
    struct lc_err err = LC_ERR_INIT;
    redisReply *reply = lc_redis_cmdv(c, 3, argv, NULL, &err);
    const char *flags, *ip, *port;
    char *addr = NULL, *detail = NULL;
    int down;

    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        ic_report_addf(rc->r, "redis.sentinel.master", IC_CRITICAL, NULL,
                       reply ? "SENTINEL MASTER: not an array reply" : err.msg,
                       "check [redis] master_name against 'sentinel monitor' in sentinel.conf",
                       "redis-down", "unknown");
        freeReplyObject(reply);
        return NULL;
    }
    flags = pair_value(reply, "flags");
    ip = pair_value(reply, "ip");
    port = pair_value(reply, "port");
    addr = strchr(ip, ':') ? lc_xasprintf("[%s]:%s", ip, port) : lc_xasprintf("%s:%s", ip, port);
    down = strstr(flags, "s_down") || strstr(flags, "o_down");
    if (down)
        detail = lc_xasprintf("sentinel %s sees master '%s' at %s as down (flags %s)", sentinel,
                              name, addr, flags);
    ic_report_addf(rc->r, "redis.sentinel.master", down ? IC_CRITICAL : IC_OK, "not s_down/o_down",
                   detail,
                   down ? "start the master again, or check that the sentinels fail over to a "
                          "replica (SENTINEL replicas, the sentinel log)"
                        : NULL,
                   down ? "redis-down" : NULL, "'%s' at %s (%s)", name, addr, flags);
    free(detail);
    freeReplyObject(reply);
    return addr;
}

static void check_sentinel(struct redis_check *rc)
{
    size_t n = lc_strv_len(rc->cfg->redis.nodes), answered = 0;
    char *master = NULL;

    for (char **node = rc->cfg->redis.nodes; node && *node; node++) {
        struct lc_err err = LC_ERR_INIT;
        char *check = node_check(*node, "ping");
        redisContext *c = connect_sentinel(&rc->cfg->redis, *node, &err);

        if (c) {
            answered++;
            ic_report_addf(rc->r, check, IC_OK, NULL, NULL, NULL, NULL, "sentinel answers");
            if (!master)
                master = sentinel_master(rc, c, *node);
            redisFree(c);
        } else {
            /* one sentinel down leaves the others to fail over; all down is an outage */
            ic_report_addf(rc->r, check, n > 1 ? IC_WARNING : IC_CRITICAL, NULL, err.msg,
                           "start that sentinel again: with fewer sentinels the quorum for a "
                           "failover may be lost",
                           "redis-down", "sentinel unreachable");
        }
        free(check);
    }
    if (answered == 0 && n > 1)
        ic_report_addf(rc->r, "redis.sentinel.master", IC_CRITICAL, NULL,
                       "no sentinel of [redis] nodes answered", DOWN_ACTION, "redis-down",
                       "unknown");
    if (master)
        check_data_node(rc, master, 0);
    free(master);
}

void ic_health_redis(const struct lc_config *cfg, struct ic_report *r)
{
    struct redis_check rc = {cfg, r};

    switch (cfg->redis.mode) {
    case LC_REDIS_CLUSTER:
        check_cluster(&rc);
        break;
    case LC_REDIS_SENTINEL:
        check_sentinel(&rc);
        break;
    case LC_REDIS_STANDALONE:
    default:
        for (char **node = cfg->redis.nodes; node && *node; node++)
            check_data_node(&rc, *node, 0);
        break;
    }
}
