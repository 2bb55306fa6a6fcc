/*
 * Runbook redis-down (alert LCBP3RedisDown; lcbp3-integrity's redis.* CRITICAL lines):
 * each configured node's state (PING, role, replication link, loading), the cluster's
 * or the sentinels' view of it, persistence (last RDB save, AOF), and the backend's
 * fallback mode from [dr] health_url. Only PING, INFO, CLUSTER INFO/NODES and SENTINEL
 * MASTER are sent. Diagnosis only.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "tools/dr/runbook.h"
#include "tools/dr/runbook_report.h"

#define RD_HEALTH_TIMEOUT_MS 10000

static char *field(const char *info, const char *name)
{
    char *v = lc_redis_info_field(info, name);

    return v ? v : lc_xstrdup("");
}

/* One data node: up or down, role, link, persistence. Returns 0 when it answered. */
static int check_node(const struct lc_config *cfg, const char *node, struct dr_rb *rb)
{
    struct lc_err err = LC_ERR_INIT;
    redisContext *c = lc_redis_connect(node, &cfg->redis, &err);
    char *info = NULL, *role = NULL, *link = NULL, *loading = NULL, *rdb = NULL, *aof_on = NULL;
    char *aof = NULL, *last_save = NULL, *changes = NULL;

    if (!c || lc_redis_info(c, NULL, &info, &err) < 0) {
        dr_rb_finding(rb, "redis %s is DOWN: %s", node, err.msg);
        dr_rb_action(rb, "start Redis on %s again (its container or service; its log says why "
                     "it stopped), then run this runbook again", node);
        if (c)
            redisFree(c);
        return -1;
    }
    role = field(info, "role");
    link = field(info, "master_link_status");
    loading = field(info, "loading");
    rdb = field(info, "rdb_last_bgsave_status");
    aof_on = field(info, "aof_enabled");
    aof = field(info, "aof_last_write_status");
    last_save = field(info, "rdb_last_save_time");
    changes = field(info, "rdb_changes_since_last_save");
    dr_rb_fact(rb, "redis %s: up, role %s%s%s, rdb last save %s (%s changes since), aof %s", node,
               role, *link ? ", master link " : "", link, *rdb ? rdb : "?", *changes ? changes : "?",
               strcmp(aof_on, "1") == 0 ? aof : "off");
    if (strcmp(loading, "1") == 0)
        dr_rb_finding(rb, "redis %s is loading its data set into memory: it answers LOADING "
                      "until done", node);
    if (strcmp(role, "slave") == 0 && strcmp(link, "up") != 0)
        dr_rb_finding(rb, "redis %s is a replica whose link to its master is %s", node,
                      *link ? link : "unknown");
    if (strcmp(rdb, "err") == 0 || (strcmp(aof_on, "1") == 0 && strcmp(aof, "err") == 0)) {
        dr_rb_finding(rb, "redis %s cannot persist: %s", node,
                      strcmp(rdb, "err") == 0 ? "the last RDB save failed" : "the AOF write failed");
        dr_rb_action(rb, "free disk space for Redis's data directory on %s (or fix its "
                     "permissions); with stop-writes-on-bgsave-error Redis refuses writes "
                     "until a save succeeds", node);
    }
    free(role);
    free(link);
    free(loading);
    free(rdb);
    free(aof_on);
    free(aof);
    free(last_save);
    free(changes);
    free(info);
    redisFree(c);
    return 0;
}

static void check_cluster(const struct lc_config *cfg, struct dr_rb *rb)
{
    struct lc_err err = LC_ERR_INIT;
    const char *argv_info[2] = {"CLUSTER", "INFO"}, *argv_nodes[2] = {"CLUSTER", "NODES"};

    for (char **node = cfg->redis.nodes; node && *node; node++) {
        redisContext *c = lc_redis_connect(*node, &cfg->redis, &err);
        redisReply *info = c ? lc_redis_cmdv(c, 2, argv_info, NULL, &err) : NULL;
        redisReply *nodes = info ? lc_redis_cmdv(c, 2, argv_nodes, NULL, &err) : NULL;

        if (nodes && info->type == REDIS_REPLY_STRING && nodes->type == REDIS_REPLY_STRING) {
            char *state = field(info->str, "cluster_state");
            char *ok = field(info->str, "cluster_slots_ok");
            char *line_end, *line = nodes->str;

            dr_rb_fact(rb, "cluster (as %s sees it): cluster_state:%s, %s of %d slots ok", *node,
                       state, ok, LC_REDIS_CLUSTER_SLOTS);
            if (strcmp(state, "ok") != 0) {
                dr_rb_finding(rb, "the cluster is not ok (cluster_state:%s): slots without a "
                              "working master refuse every command", state);
                dr_rb_action(rb, "start the failed master again; if it cannot come back, "
                             "promote its replica (CLUSTER FAILOVER on the replica)");
            }
            for (; line && *line; line = line_end ? line_end + 1 : NULL) {
                char *copy;

                line_end = strchr(line, '\n');
                copy = lc_xstrndup(line, line_end ? (size_t)(line_end - line) : strlen(line));
                if (strstr(copy, " fail") || strstr(copy, ",fail") || strstr(copy, "pfail"))
                    dr_rb_finding(rb, "cluster node marked failing: %s", copy);
                free(copy);
            }
            free(state);
            free(ok);
        }
        if (info)
            freeReplyObject(info);
        if (nodes)
            freeReplyObject(nodes);
        if (c)
            redisFree(c);
        lc_err_clear(&err);
        if (nodes)
            return;
    }
    dr_rb_finding(rb, "no node of [redis] nodes answered CLUSTER INFO");
}

/* Sentinels first without credentials, then with. */
static redisContext *connect_sentinel(const struct lc_config *cfg, const char *node,
                                      struct lc_err *err)
{
    struct lc_redis_cfg anon = cfg->redis;
    redisContext *c;

    anon.user = NULL;
    anon.password = NULL;
    c = lc_redis_connect(node, &anon, err);
    if (c || !cfg->redis.password)
        return c;
    lc_err_clear(err);
    return lc_redis_connect(node, &cfg->redis, err);
}

static const char *pair(const redisReply *r, const char *key)
{
    for (size_t idx = 0; idx + 1 < r->elements; idx += 2)
        if (r->element[idx]->type == REDIS_REPLY_STRING &&
            strcmp(r->element[idx]->str, key) == 0 &&
            r->element[idx + 1]->type == REDIS_REPLY_STRING)
            return r->element[idx + 1]->str;
    return "";
}

static void check_sentinels(const struct lc_config *cfg, struct dr_rb *rb)
{
    char *master = NULL;
    const char *name = cfg->redis.master_name ? cfg->redis.master_name : "";

    for (char **node = cfg->redis.nodes; node && *node; node++) {
        struct lc_err err = LC_ERR_INIT;
        const char *argv[3] = {"SENTINEL", "MASTER", name};
        redisContext *c = connect_sentinel(cfg, *node, &err);
        redisReply *r = c ? lc_redis_cmdv(c, 3, argv, NULL, &err) : NULL;

        if (!r) {
            dr_rb_finding(rb, "sentinel %s: %s", *node, err.msg);
            dr_rb_action(rb, "start the sentinel on %s again: with fewer sentinels the quorum "
                         "for a failover may be lost", *node);
        } else if (r->type == REDIS_REPLY_ARRAY) {
            const char *flags = pair(r, "flags");

            dr_rb_fact(rb, "sentinel %s: master '%s' at %s:%s, flags %s, %s replicas, %s other "
                       "sentinels, quorum %s", *node, name, pair(r, "ip"), pair(r, "port"), flags,
                       pair(r, "num-slaves"), pair(r, "num-other-sentinels"), pair(r, "quorum"));
            if (strstr(flags, "s_down") || strstr(flags, "o_down"))
                dr_rb_finding(rb, "sentinel %s sees master '%s' as down (%s)", *node, name, flags);
            if (!master)
                master = lc_xasprintf("%s:%s", pair(r, "ip"), pair(r, "port"));
        }
        if (r)
            freeReplyObject(r);
        if (c)
            redisFree(c);
    }
    if (master)
        (void)check_node(cfg, master, rb);
    else
        dr_rb_finding(rb, "no sentinel named a master for '%s'", name);
    free(master);
}

/* Every member of a JSON object whose name mentions fallback or mode, as facts. */
static void find_fallback(json_object *o, const char *path, struct dr_rb *rb)
{
    if (!json_object_is_type(o, json_type_object))
        return;
    json_object_object_foreach(o, key, val) {
        char *sub = lc_xasprintf("%s%s%s", path, *path ? "." : "", key);

        if (strcasestr(key, "fallback") || strcasecmp(key, "mode") == 0)
            dr_rb_fact(rb, "backend %s = %s", sub, json_object_to_json_string(val));
        find_fallback(val, sub, rb);
        free(sub);
    }
}

static void check_backend(const struct lc_config *cfg, struct dr_rb *rb)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_buf body = LC_BUF_INIT;
    char *shown;
    long status = 0;
    json_object *doc;

    if (!cfg->dr.health_url) {
        dr_rb_fact(rb, "backend: [dr] health_url is unset, its fallback mode is not known");
        return;
    }
    shown = lc_http_redact_url(cfg->dr.health_url);
    if (lc_http_get(cfg->dr.health_url, RD_HEALTH_TIMEOUT_MS, &status, &body, &err) < 0) {
        dr_rb_finding(rb, "backend %s: %s", shown, err.msg);
        free(shown);
        lc_buf_done(&body);
        return;
    }
    dr_rb_fact(rb, "backend %s: HTTP %ld", shown, status);
    if (status < 200 || status >= 300)
        dr_rb_finding(rb, "backend %s answers HTTP %ld: %.200s", shown, status,
                      body.data ? body.data : "");
    doc = body.data ? json_tokener_parse(body.data) : NULL;
    if (doc)
        find_fallback(doc, "", rb);
    else
        dr_rb_fact(rb, "backend body: %.200s", body.data ? body.data : "");
    json_object_put(doc);
    lc_buf_done(&body);
    free(shown);
}

int dr_runbook_redis_down(const struct lc_config *cfg, const struct dr_opts *opts,
                          struct lc_err *err)
{
    struct dr_rb rb;
    int rc;

    if (dr_rb_no_apply(opts, err) < 0)
        return -1;
    dr_rb_init(&rb, "redis-down");
    dr_rb_fact(&rb, "[redis] mode %s", lc_redis_mode_name(cfg->redis.mode));
    if (cfg->redis.mode == LC_REDIS_SENTINEL) {
        check_sentinels(cfg, &rb);
    } else {
        for (char **node = cfg->redis.nodes; node && *node; node++)
            (void)check_node(cfg, *node, &rb);
        if (cfg->redis.mode == LC_REDIS_CLUSTER)
            check_cluster(cfg, &rb);
    }
    check_backend(cfg, &rb);
    if (rb.n_findings) {
        dr_rb_action(&rb, "while Redis is down the backend numbers through the database alone "
                     "(slower, more version conflicts): lcbp3-dr runbook version-conflicts");
        dr_rb_action(&rb, "if a node lost its data: lcbp3-restore redis latest");
        dr_rb_action(&rb, "once all nodes are up: lcbp3-reservations-gc --dry-run, then "
                     "lcbp3-integrity health");
    }
    rc = dr_rb_print(&rb, opts->cli.json);
    dr_rb_done(&rb);
    return rc;
}
