/*
 * Lua scripts run the way Redis wants them run: each call is EVALSHA with the script's
 * SHA-1 (computed here, so no SCRIPT LOAD and no extra privilege is needed), and a call
 * answered NOSCRIPT (a server that never saw the script, or a SCRIPT FLUSH, a restart
 * or a failover since) is sent again as EVAL, which also caches it for the next calls.
 * Calls are pipelined: append many, read their replies in order, then re-send the
 * NOSCRIPT ones once nothing else is in flight.
 */
#ifndef LC_REDIS_SCRIPT_H
#define LC_REDIS_SCRIPT_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "common/error.h"

struct lc_redis_script {
    const char *name;         /* for messages: "unlink-if-no-ttl" */
    const char *source;       /* Lua; a static string */
    char sha1[41];            /* lower-case hex */
};

/* One call: KEYS (all in one slot on a cluster) and ARGV, binary-safe. */
struct lc_redis_script_call {
    size_t n_keys;
    const char *const *keys;
    const size_t *key_lens;
    size_t n_args;
    const char *const *args;  /* may be NULL when n_args is 0 */
    const size_t *arg_lens;
};

void lc_redis_script_init(struct lc_redis_script *script, const char *name, const char *source);

/* Appends EVALSHA for `call` to the connection's output (sent by the next read). */
void lc_redis_script_append(redisContext *c, const struct lc_redis_script *script,
                            const struct lc_redis_script_call *call);

/* 1 when a reply says the server does not have the script (re-send it with EVAL). */
int lc_redis_script_is_noscript(const redisReply *reply);

/*
 * Runs `call` with EVAL, synchronously: nothing else may be in flight on `c`. Returns
 * the reply (which may be an error reply: the caller decides) or NULL with err set when
 * the connection failed.
 */
redisReply *lc_redis_script_eval(redisContext *c, const struct lc_redis_script *script,
                                 const struct lc_redis_script_call *call, struct lc_err *err);

/*
 * Turns an error reply of a script call into err: LC_E_NOPERM (77) when the server
 * refuses scripts — an ACL without EVALSHA/EVAL (NOPERM), scripting renamed or disabled
 * (unknown command) — with a hint; LC_E_UNAVAILABLE otherwise. Both name the node and
 * the script.
 */
int lc_redis_script_error(redisContext *c, const struct lc_redis_script *script,
                          const redisReply *reply, struct lc_err *err);

#endif
