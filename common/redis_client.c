/*
 * The Redis connection layer (see redis_client.h): node parsing, connect + AUTH with
 * errors that name the node, INFO and CLUSTER NODES parsing, and the discovery of the
 * masters for standalone, Sentinel and Cluster deployments.
 */
#include "common/redis_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"

#define CREDENTIALS_HINT "check [redis] user and password_file"

const char *lc_redis_mode_name(enum lc_redis_mode mode)
{
    switch (mode) {
    case LC_REDIS_SENTINEL:
        return "sentinel";
    case LC_REDIS_CLUSTER:
        return "cluster";
    case LC_REDIS_STANDALONE:
    default:
        return "standalone";
    }
}

static int parse_port(const char *s, int *out_port)
{
    char *end = NULL;
    long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > 65535)
        return -1;
    *out_port = (int)v;
    return 0;
}

int lc_redis_parse_node(const char *spec, char **out_host, int *out_port, struct lc_err *err)
{
    const char *colon;
    size_t hostlen;
    int port = 0;

    if (!spec || !*spec)
        return lc_err_set(err, LC_E_CONFIG, "redis node '': expected host:port");
    if (spec[0] == '/') {
        *out_host = lc_xstrdup(spec);
        *out_port = 0;
        return 0;
    }
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');

        if (!close || close == spec + 1 || close[1] != ':' || parse_port(close + 2, &port) < 0)
            goto bad;
        *out_host = lc_xstrndup(spec + 1, (size_t)(close - spec - 1));
        *out_port = port;
        return 0;
    }
    colon = strrchr(spec, ':');
    if (!colon || colon == spec || parse_port(colon + 1, &port) < 0)
        goto bad;
    hostlen = (size_t)(colon - spec);
    if (memchr(spec, ':', hostlen)) {
        lc_err_set(err, LC_E_CONFIG, "redis node '%s': an IPv6 address needs brackets", spec);
        lc_err_hint(err, "write it as [address]:port, e.g. [::1]:6379");
        return -1;
    }
    if (strcspn(spec, " \t/[]@") < hostlen)
        goto bad;
    *out_host = lc_xstrndup(spec, hostlen);
    *out_port = port;
    return 0;
bad:
    lc_err_set(err, LC_E_CONFIG,
               "redis node '%s': expected host:port, [ipv6]:port or /path/to/socket "
               "(port 1-65535)",
               spec);
    return -1;
}

char *lc_redis_node_name(const char *host, int port)
{
    if (port == 0)
        return lc_xstrdup(host);
    if (strchr(host, ':'))
        return lc_xasprintf("[%s]:%d", host, port);
    return lc_xasprintf("%s:%d", host, port);
}

void lc_redis_name(const redisContext *c, char *buf, size_t size)
{
    if (c->connection_type == REDIS_CONN_UNIX)
        snprintf(buf, size, "%s", c->unix_sock.path ? c->unix_sock.path : "?");
    else if (c->tcp.host && strchr(c->tcp.host, ':'))
        snprintf(buf, size, "[%s]:%d", c->tcp.host, c->tcp.port);
    else
        snprintf(buf, size, "%s:%d", c->tcp.host ? c->tcp.host : "?", c->tcp.port);
}

static struct timeval ms_to_tv(int64_t ms)
{
    struct timeval tv;

    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
    return tv;
}

static int64_t connect_timeout_ms(const struct lc_redis_cfg *cfg)
{
    return cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
}

static int io_error(redisContext *c, struct lc_err *err)
{
    char name[300];

    lc_redis_name(c, name, sizeof(name));
    return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': %s", name,
                      c->errstr[0] ? c->errstr : "connection lost");
}

int lc_redis_reply_error(redisContext *c, const char *command, const redisReply *reply,
                         struct lc_err *err)
{
    char name[300];

    if (!reply)
        return io_error(c, err);
    lc_redis_name(c, name, sizeof(name));
    if (reply->type != REDIS_REPLY_ERROR)
        return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': %s: unexpected reply type %d", name,
                          command, reply->type);
    lc_err_set(err, strncmp(reply->str, "NOPERM", 6) == 0 ? LC_E_NOPERM : LC_E_UNAVAILABLE,
               "redis '%s': %s: %.*s", name, command, (int)reply->len, reply->str);
    if (strncmp(reply->str, "NOPERM", 6) == 0)
        lc_err_hint(err, "the ACL user needs this command; see the docs for the ACL rules "
                         "of the backup and gc users");
    else if (strncmp(reply->str, "NOAUTH", 6) == 0 || strncmp(reply->str, "WRONGPASS", 9) == 0)
        lc_err_hint(err, CREDENTIALS_HINT);
    return -1;
}

redisReply *lc_redis_cmdv(redisContext *c, int argc, const char **argv, const size_t *lens,
                          struct lc_err *err)
{
    redisReply *reply = redisCommandArgv(c, argc, argv, lens);

    if (!reply) {
        io_error(c, err);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        lc_redis_reply_error(c, argv[0], reply, err);
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

/* The server's answer to AUTH or PING, turned into an error with a useful hint. */
static int check_auth_reply(redisContext *c, const char *command, const redisReply *reply,
                            struct lc_err *err)
{
    if (reply && reply->type != REDIS_REPLY_ERROR)
        return 0;
    lc_redis_reply_error(c, command, reply, err);
    if (!reply)
        return -1;
    if (strncmp(reply->str, "NOAUTH", 6) == 0)
        lc_err_hint(err, "the server requires a password: set [redis] password_file");
    else if (strcmp(command, "AUTH") == 0 && strncmp(reply->str, "NOPERM", 6) != 0)
        lc_err_hint(err, "the server refused the credentials: " CREDENTIALS_HINT);
    return -1;
}

/* Connects; with_auth = 0 skips AUTH (sentinels usually have no password). */
static redisContext *connect_node(const char *host, int port, const struct lc_redis_cfg *cfg,
                                  int with_auth, struct lc_err *err)
{
    int64_t timeout = connect_timeout_ms(cfg);
    int64_t cmd_timeout =
        timeout > LC_REDIS_COMMAND_TIMEOUT_MS ? timeout : LC_REDIS_COMMAND_TIMEOUT_MS;
    redisContext *c = NULL;
    redisReply *reply = NULL;
    char *name = lc_redis_node_name(host, port);

    if (port == 0)
        c = redisConnectUnixWithTimeout(host, ms_to_tv(timeout));
    else
        c = redisConnectWithTimeout(host, port, ms_to_tv(timeout));
    if (!c) {
        lc_err_set(err, LC_E_OSERR, "redis '%s': cannot allocate a connection", name);
        goto fail;
    }
    if (c->err) {
        lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': %s", name, c->errstr);
        goto fail;
    }
    if (redisSetTimeout(c, ms_to_tv(cmd_timeout)) != REDIS_OK) {
        lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': cannot set the timeout: %s", name,
                   c->errstr);
        goto fail;
    }
    if (with_auth && (cfg->password || cfg->user)) {
        const char *password = cfg->password ? cfg->password : "";
        const char *argv[3] = {"AUTH", NULL, NULL};
        int argc = 0;

        /* A user without a password is a "nopass" ACL user: any password does. */
        argv[++argc] = cfg->user ? cfg->user : password;
        if (cfg->user)
            argv[++argc] = password;
        reply = redisCommandArgv(c, argc + 1, argv, NULL);
        if (check_auth_reply(c, "AUTH", reply, err) < 0)
            goto fail;
    } else {
        const char *argv[1] = {"PING"};

        reply = redisCommandArgv(c, 1, argv, NULL);
        /* A user without +ping is still a working connection. */
        if (!(reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOPERM", 6) == 0) &&
            check_auth_reply(c, "PING", reply, err) < 0)
            goto fail;
    }
    freeReplyObject(reply);
    lc_log_debug("redis '%s': connected%s", name,
                 !with_auth      ? ""
                 : cfg->user     ? " as ACL user"
                 : cfg->password ? " with password"
                                 : "");
    free(name);
    return c;
fail:
    freeReplyObject(reply);
    if (c)
        redisFree(c);
    free(name);
    return NULL;
}

redisContext *lc_redis_connect_node(const char *host, int port, const struct lc_redis_cfg *cfg,
                                    struct lc_err *err)
{
    return connect_node(host, port, cfg, 1, err);
}

redisContext *lc_redis_connect(const char *node, const struct lc_redis_cfg *cfg, struct lc_err *err)
{
    redisContext *c = NULL;
    char *host = NULL;
    int port = 0;

    if (lc_redis_parse_node(node, &host, &port, err) < 0)
        return NULL;
    c = lc_redis_connect_node(host, port, cfg, err);
    free(host);
    return c;
}

int lc_redis_info(redisContext *c, const char *section, char **out_info, struct lc_err *err)
{
    const char *argv[2] = {"INFO", section};
    redisReply *reply = lc_redis_cmdv(c, section ? 2 : 1, argv, NULL, err);

    if (!reply)
        return -1;
    if (reply->type != REDIS_REPLY_STRING) {
        lc_redis_reply_error(c, "INFO", reply, err);
        freeReplyObject(reply);
        return -1;
    }
    *out_info = lc_xstrndup(reply->str, reply->len);
    freeReplyObject(reply);
    return 0;
}

char *lc_redis_info_field(const char *info, const char *field)
{
    size_t flen = strlen(field);
    const char *line = info;

    if (!info || !flen)
        return NULL;
    while (*line) {
        size_t len = strcspn(line, "\r\n");

        if (len > flen && strncmp(line, field, flen) == 0 && line[flen] == ':')
            return lc_xstrndup(line + flen + 1, len - flen - 1);
        line += len;
        line += strspn(line, "\r\n");
    }
    return NULL;
}

static int has_flag(const char *flags, const char *flag)
{
    size_t flen = strlen(flag);

    for (const char *p = flags; *p;) {
        size_t len = strcspn(p, ",");

        if (len == flen && strncmp(p, flag, flen) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Slots in one slot field of CLUSTER NODES ("5", "0-5460"; "[..]" counts 0); -1 if bad. */
static long slot_field(const char *field)
{
    char *end = NULL;
    long lo, hi;

    if (field[0] == '[') /* [slot->-id] / [slot-<-id]: migrating, importing */
        return 0;
    if (field[0] < '0' || field[0] > '9')
        return -1;
    lo = strtol(field, &end, 10);
    hi = lo;
    if (*end == '-') {
        const char *from = end + 1;

        hi = strtol(from, &end, 10);
        if (end == from)
            return -1;
    }
    if (*end || hi < lo || hi >= LC_REDIS_CLUSTER_SLOTS)
        return -1;
    return hi - lo + 1;
}

/*
 * One line of CLUSTER NODES: <id> <ip:port@cport[,hostname]> <flags> <master> <ping>
 * <pong> <epoch> <link> <slot>... Adds the node to `masters` when it is a master with
 * slots; returns the slots it serves (0 if skipped) or -1 with err set.
 */
static long cluster_line(char *line, const char *seed_host, char ***masters, size_t *n_masters,
                         struct lc_err *err)
{
    char *fields[8];
    char *save = NULL, *tok, *at, *colon;
    const char *host;
    size_t n = 0;
    long slots = 0;
    int port = 0;

    for (tok = strtok_r(line, " ", &save); tok && n < 8; tok = strtok_r(NULL, " ", &save))
        fields[n++] = tok;
    if (n < 8)
        return lc_err_set(err, LC_E_DATA, "CLUSTER NODES: cannot parse the line of node '%s'",
                          n ? fields[0] : "?");
    for (; tok; tok = strtok_r(NULL, " ", &save)) {
        long s = slot_field(tok);

        if (s < 0)
            return lc_err_set(err, LC_E_DATA, "CLUSTER NODES: bad slot range '%s' of node '%s'",
                              tok, fields[0]);
        slots += s;
    }
    if (!has_flag(fields[2], "master"))
        return 0;
    if (slots == 0) {
        lc_log_debug("cluster node '%s' (%s) serves no slots, skipping", fields[0], fields[1]);
        return 0;
    }
    if (has_flag(fields[2], "fail") || has_flag(fields[2], "noaddr") ||
        has_flag(fields[2], "handshake")) {
        lc_err_set(err, LC_E_UNAVAILABLE,
                   "cluster master '%s' (%s) serves %ld slots but is flagged '%s'", fields[0],
                   fields[1], slots, fields[2]);
        lc_err_hint(err, "a snapshot now would miss those slots; repair the cluster "
                         "(redis-cli --cluster check) and run again");
        return -1;
    }
    if (has_flag(fields[2], "fail?"))
        lc_log_warn("cluster master '%s' (%s) is flagged 'fail?' by the seed", fields[0],
                    fields[1]);
    /* ip:port@cport[,hostname]; IPv6 is not bracketed there: ::1:7000@17000 */
    at = strchr(fields[1], '@');
    if (at)
        *at = '\0';
    colon = strrchr(fields[1], ':');
    if (!colon || parse_port(colon + 1, &port) < 0)
        return lc_err_set(err, LC_E_DATA, "CLUSTER NODES: bad address '%s' of node '%s'", fields[1],
                          fields[0]);
    *colon = '\0';
    host = fields[1][0] ? fields[1] : seed_host;
    *masters = lc_xrealloc(*masters, (*n_masters + 2) * sizeof(char *));
    (*masters)[(*n_masters)++] = lc_redis_node_name(host, port);
    (*masters)[*n_masters] = NULL;
    return slots;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int lc_redis_cluster_masters(const char *nodes, const char *seed_host, char ***out_masters,
                             struct lc_err *err)
{
    char *copy = lc_xstrdup(nodes);
    char **masters = lc_xcalloc(1, sizeof(char *));
    size_t n_masters = 0;
    long covered = 0;
    char *save = NULL;
    int rc = -1;

    for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        long slots = cluster_line(line, seed_host, &masters, &n_masters, err);

        if (slots < 0)
            goto out;
        covered += slots;
    }
    qsort(masters, n_masters, sizeof(char *), compare_names);
    if (covered != LC_REDIS_CLUSTER_SLOTS) {
        lc_err_set(err, LC_E_UNAVAILABLE, "the cluster's masters serve %ld of %d slots", covered,
                   LC_REDIS_CLUSTER_SLOTS);
        lc_err_hint(err, "check the cluster with redis-cli --cluster check");
        goto out;
    }
    *out_masters = masters;
    masters = NULL;
    rc = 0;
out:
    lc_strv_free(masters);
    free(copy);
    return rc;
}

static int masters_standalone(const struct lc_redis_cfg *cfg, char ***out_nodes, struct lc_err *err)
{
    for (char **node = cfg->nodes; node && *node; node++) {
        redisContext *c = lc_redis_connect(*node, cfg, err);

        if (!c) {
            if (err->status == LC_E_CONFIG)
                return -1;
            if (node[1])
                lc_log_warn("%s, trying the next node", err->msg);
            continue;
        }
        redisFree(c);
        *out_nodes = lc_xcalloc(2, sizeof(char *));
        (*out_nodes)[0] = lc_xstrdup(*node);
        return 0;
    }
    return -1;
}

/* Asks one sentinel for the master's address; returns "host:port" or NULL. */
static char *sentinel_ask(const char *sentinel, const struct lc_redis_cfg *cfg, struct lc_err *err)
{
    const char *argv[3] = {"SENTINEL", "get-master-addr-by-name", cfg->master_name};
    redisContext *c = NULL;
    redisReply *reply = NULL;
    char *host = NULL, *result = NULL;
    int port = 0, mport = 0;

    if (lc_redis_parse_node(sentinel, &host, &port, err) < 0)
        goto out;
    c = connect_node(host, port, cfg, 0, err);
    if (!c && err->msg[0] && strstr(err->msg, "NOAUTH") && cfg->password)
        c = connect_node(host, port, cfg, 1, err);
    if (!c)
        goto out;
    reply = lc_redis_cmdv(c, 3, argv, NULL, err);
    if (!reply)
        goto out;
    if (reply->type == REDIS_REPLY_NIL) {
        lc_err_set(err, LC_E_UNAVAILABLE, "sentinel '%s' does not know master '%s'", sentinel,
                   cfg->master_name);
        lc_err_hint(err, "check [redis] master_name against SENTINEL MASTERS");
        goto out;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING ||
        parse_port(reply->element[1]->str, &mport) < 0) {
        lc_err_set(err, LC_E_UNAVAILABLE, "sentinel '%s': unexpected answer for master '%s'",
                   sentinel, cfg->master_name);
        goto out;
    }
    result = lc_redis_node_name(reply->element[0]->str, mport);
out:
    freeReplyObject(reply);
    if (c)
        redisFree(c);
    free(host);
    return result;
}

/* Connects to a node and checks that INFO replication says role:master. */
static int check_role_master(const char *node, const struct lc_redis_cfg *cfg, struct lc_err *err)
{
    redisContext *c = lc_redis_connect(node, cfg, err);
    char *info = NULL, *role = NULL;
    int rc = -1;

    if (!c)
        goto out;
    if (lc_redis_info(c, "replication", &info, err) < 0)
        goto out;
    role = lc_redis_info_field(info, "role");
    if (!role || strcmp(role, "master") != 0) {
        lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': reported as master but has role '%s'", node,
                   role ? role : "?");
        lc_err_hint(err, "a failover may be in progress; run again in a minute");
        goto out;
    }
    rc = 0;
out:
    free(role);
    free(info);
    if (c)
        redisFree(c);
    return rc;
}

static int masters_sentinel(const struct lc_redis_cfg *cfg, char ***out_nodes, struct lc_err *err)
{
    if (!cfg->master_name || !*cfg->master_name)
        return lc_err_set(err, LC_E_CONFIG, "[redis] mode = sentinel needs master_name");
    for (char **node = cfg->nodes; node && *node; node++) {
        char *master = sentinel_ask(*node, cfg, err);

        if (!master) {
            if (err->status == LC_E_CONFIG)
                return -1;
            if (node[1])
                lc_log_warn("%s, asking the next sentinel", err->msg);
            continue;
        }
        lc_log_debug("sentinel '%s': master '%s' is at '%s'", *node, cfg->master_name, master);
        if (check_role_master(master, cfg, err) < 0) {
            free(master);
            if (node[1])
                lc_log_warn("%s, asking the next sentinel", err->msg);
            continue;
        }
        *out_nodes = lc_xcalloc(2, sizeof(char *));
        (*out_nodes)[0] = master;
        return 0;
    }
    return -1;
}

/* CLUSTER INFO's cluster_state, then CLUSTER NODES, of one seed. */
static int cluster_from_seed(const char *seed, const struct lc_redis_cfg *cfg, char ***out_nodes,
                             int *out_reached, struct lc_err *err)
{
    const char *info_argv[2] = {"CLUSTER", "INFO"};
    const char *nodes_argv[2] = {"CLUSTER", "NODES"};
    redisContext *c = NULL;
    redisReply *reply = NULL;
    char *host = NULL, *state = NULL;
    int port = 0, rc = -1;

    if (lc_redis_parse_node(seed, &host, &port, err) < 0)
        goto out;
    c = lc_redis_connect_node(host, port, cfg, err);
    if (!c)
        goto out;
    *out_reached = 1;
    reply = lc_redis_cmdv(c, 2, info_argv, NULL, err);
    if (!reply)
        goto out;
    if (reply->type == REDIS_REPLY_STRING)
        state = lc_redis_info_field(reply->str, "cluster_state");
    if (!state || strcmp(state, "ok") != 0) {
        lc_err_set(err, LC_E_UNAVAILABLE, "redis cluster (seed '%s'): cluster_state is '%s'", seed,
                   state ? state : "?");
        lc_err_hint(err, "a snapshot of a degraded cluster would miss slots; check it with "
                         "redis-cli --cluster check");
        goto out;
    }
    freeReplyObject(reply);
    reply = lc_redis_cmdv(c, 2, nodes_argv, NULL, err);
    if (!reply)
        goto out;
    if (reply->type != REDIS_REPLY_STRING) {
        lc_redis_reply_error(c, "CLUSTER NODES", reply, err);
        goto out;
    }
    if (lc_redis_cluster_masters(reply->str, host, out_nodes, err) < 0) {
        lc_err_prefix(err, "redis cluster (seed '%s')", seed);
        goto out;
    }
    rc = 0;
out:
    freeReplyObject(reply);
    if (c)
        redisFree(c);
    free(state);
    free(host);
    return rc;
}

static int masters_cluster(const struct lc_redis_cfg *cfg, char ***out_nodes, struct lc_err *err)
{
    for (char **node = cfg->nodes; node && *node; node++) {
        int reached = 0;

        if (cluster_from_seed(*node, cfg, out_nodes, &reached, err) == 0)
            return 0;
        /* A seed that answers about a broken cluster is the answer, not a reason to ask
         * the next seed; only unreachable seeds are skipped. */
        if (err->status == LC_E_CONFIG || reached)
            return -1;
        if (node[1])
            lc_log_warn("%s, trying the next seed", err->msg);
    }
    return -1;
}

int lc_redis_masters(const struct lc_redis_cfg *cfg, char ***out_nodes, struct lc_err *err)
{
    char **nodes = NULL;
    int rc;

    if (!cfg->nodes || !cfg->nodes[0])
        return lc_err_set(err, LC_E_CONFIG, "[redis] nodes is empty");
    /* A bad entry is a configuration error even when an earlier node answers. */
    for (char **node = cfg->nodes; *node; node++) {
        char *host = NULL;
        int port = 0;

        if (lc_redis_parse_node(*node, &host, &port, err) < 0)
            return -1;
        free(host);
    }
    switch (cfg->mode) {
    case LC_REDIS_SENTINEL:
        rc = masters_sentinel(cfg, &nodes, err);
        break;
    case LC_REDIS_CLUSTER:
        rc = masters_cluster(cfg, &nodes, err);
        break;
    case LC_REDIS_STANDALONE:
    default:
        rc = masters_standalone(cfg, &nodes, err);
        break;
    }
    if (rc < 0)
        return -1;
    *out_nodes = nodes;
    return 0;
}
