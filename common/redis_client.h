/*
 * The Redis connection layer on hiredis 0.14 (Debian 12: no TLS, no RESP3): node
 * addresses from [redis] nodes, connecting with the configured timeout and credentials
 * (AUTH user pass, or AUTH pass), commands whose failures become an lc_err naming the
 * node, INFO parsing, and the list of masters to work on for the three deployment
 * modes (standalone, Sentinel, Cluster). Nothing here uses CONFIG or FLUSHALL, which
 * production renames or disables.
 */
#ifndef LC_REDIS_CLIENT_H
#define LC_REDIS_CLIENT_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "common/config.h"
#include "common/error.h"

/* Commands wait at least this long for a reply (or the connect timeout if longer). */
#define LC_REDIS_COMMAND_TIMEOUT_MS 30000

/* The number of hash slots of a Redis Cluster. */
#define LC_REDIS_CLUSTER_SLOTS 16384

/* "standalone", "sentinel" or "cluster". */
const char *lc_redis_mode_name(enum lc_redis_mode mode);

/*
 * Parses one entry of [redis] nodes: "host:port", "[ipv6]:port", or an absolute path
 * "/run/redis/redis.sock" (a unix socket; *out_port is then 0). The host is returned
 * without brackets in a new string. On failure (LC_E_CONFIG, naming the entry) the
 * out-params are untouched.
 */
int lc_redis_parse_node(const char *spec, char **out_host, int *out_port, struct lc_err *err);

/* The display and member name of a node: "host:port", "[::1]:port", or the socket path. */
char *lc_redis_node_name(const char *host, int port);

/* Writes the name of a connected context's node (as above) into buf. */
void lc_redis_name(const redisContext *c, char *buf, size_t size);

/*
 * Connects to host:port (port 0: host is a unix socket path) within
 * cfg->connect_timeout_ms, sets the command timeout (LC_REDIS_COMMAND_TIMEOUT_MS or the
 * connect timeout if longer), authenticates when cfg->password is set (AUTH user pass
 * when cfg->user is set, AUTH pass otherwise), and otherwise PINGs so that a server
 * that wants a password, or refuses us (protected mode), fails here. Does not SELECT.
 * Errors are LC_E_UNAVAILABLE: "redis 'host:port': <hiredis or server message>", with a
 * hint about [redis] user/password_file when the credentials are missing or refused.
 * Returns the context (redisFree() it) or NULL.
 */
redisContext *lc_redis_connect_node(const char *host, int port, const struct lc_redis_cfg *cfg,
                                    struct lc_err *err);

/* lc_redis_parse_node() then lc_redis_connect_node(). */
redisContext *lc_redis_connect(const char *node, const struct lc_redis_cfg *cfg,
                               struct lc_err *err);

/*
 * Runs one command (binary-safe: lens may be NULL for C strings). Returns the reply,
 * which is never an error reply, or NULL with err set: "redis 'host:port': <errstr>"
 * when the connection failed, "redis 'host:port': <COMMAND>: <server error>" for an
 * error reply; LC_E_NOPERM (with a hint about ACLs) when the server answers NOPERM,
 * LC_E_UNAVAILABLE otherwise.
 */
redisReply *lc_redis_cmdv(redisContext *c, int argc, const char **argv, const size_t *lens,
                          struct lc_err *err);

/* Turns a reply of a pipelined command (from redisGetReply) into an error as above. */
int lc_redis_reply_error(redisContext *c, const char *command, const redisReply *reply,
                         struct lc_err *err);

/* INFO [section] as a new string. */
int lc_redis_info(redisContext *c, const char *section, char **out_info, struct lc_err *err);

/*
 * The value of "field:value" in INFO text as a new string, or NULL when the field is
 * absent. Only whole field names match ("used_memory" does not match
 * "used_memory_rss").
 */
char *lc_redis_info_field(const char *info, const char *field);

/*
 * Parses the text of CLUSTER NODES into the "host:port" names of the masters that
 * serve slots (NULL-terminated, new strings, sorted by name). Masters without
 * slots (e.g. a failed-over old master) are left out; a node with an empty address
 * (the "myself" line of a node that does not know its IP) gets `seed_host`. Fails with
 * LC_E_UNAVAILABLE when a slot-serving master is marked fail, noaddr or handshake, or
 * when the listed masters do not serve all 16384 slots; with LC_E_DATA when a line
 * cannot be parsed.
 */
int lc_redis_cluster_masters(const char *nodes, const char *seed_host, char ***out_masters,
                             struct lc_err *err);

/*
 * The masters to snapshot or clean, as "host:port" names (NULL-terminated, new strings;
 * lc_strv_free() them):
 *   standalone: the first node of cfg->nodes that accepts a connection;
 *   sentinel:   the master that the first answering sentinel of cfg->nodes names for
 *               cfg->master_name, checked to report role:master (sentinels are asked
 *               without credentials first, with them if they answer NOAUTH);
 *   cluster:    every slot-serving master from CLUSTER NODES of the first reachable
 *               seed; a cluster whose cluster_state is not ok fails (a snapshot of a
 *               degraded cluster would silently miss slots).
 * Errors: LC_E_UNAVAILABLE with the last node's message, LC_E_CONFIG for a bad entry.
 */
int lc_redis_masters(const struct lc_redis_cfg *cfg, char ***out_nodes, struct lc_err *err);

#endif
