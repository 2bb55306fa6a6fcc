/*
 * EVALSHA with an EVAL fallback (see redis_script.h).
 */
#include "common/redis_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/mem.h"
#include "common/redis_client.h"

void lc_redis_script_init(struct lc_redis_script *script, const char *name, const char *source)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    script->name = name;
    script->source = source;
    EVP_Digest(source, strlen(source), md, &len, EVP_sha1(), NULL);
    for (unsigned int idx = 0; idx < len && idx < 20; idx++)
        snprintf(script->sha1 + 2 * idx, 3, "%02x", md[idx]);
}

/* argv for EVAL/EVALSHA: command, script or sha, numkeys, keys..., args... */
static void call_argv(const struct lc_redis_script_call *call, const char *command,
                      const char *body, char *numkeys, size_t numkeys_size,
                      const char ***out_argv, size_t **out_lens, int *out_argc)
{
    size_t argc = 3 + call->n_keys + call->n_args, at = 3;
    const char **argv = lc_xcalloc(argc, sizeof(*argv));
    size_t *lens = lc_xcalloc(argc, sizeof(*lens));

    snprintf(numkeys, numkeys_size, "%zu", call->n_keys);
    argv[0] = command;
    argv[1] = body;
    argv[2] = numkeys;
    for (size_t idx = 0; idx < 3; idx++)
        lens[idx] = strlen(argv[idx]);
    for (size_t idx = 0; idx < call->n_keys; idx++, at++) {
        argv[at] = call->keys[idx];
        lens[at] = call->key_lens[idx];
    }
    for (size_t idx = 0; idx < call->n_args; idx++, at++) {
        argv[at] = call->args[idx];
        lens[at] = call->arg_lens[idx];
    }
    *out_argv = argv;
    *out_lens = lens;
    *out_argc = (int)argc;
}

void lc_redis_script_append(redisContext *c, const struct lc_redis_script *script,
                            const struct lc_redis_script_call *call)
{
    char numkeys[24];
    const char **argv;
    size_t *lens;
    int argc;

    call_argv(call, "EVALSHA", script->sha1, numkeys, sizeof(numkeys), &argv, &lens, &argc);
    redisAppendCommandArgv(c, argc, argv, lens);
    free(argv);
    free(lens);
}

int lc_redis_script_is_noscript(const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

redisReply *lc_redis_script_eval(redisContext *c, const struct lc_redis_script *script,
                                 const struct lc_redis_script_call *call, struct lc_err *err)
{
    char numkeys[24];
    const char **argv;
    size_t *lens;
    int argc;
    redisReply *reply;

    call_argv(call, "EVAL", script->source, numkeys, sizeof(numkeys), &argv, &lens, &argc);
    reply = redisCommandArgv(c, argc, argv, lens);
    free(argv);
    free(lens);
    if (!reply)
        lc_redis_reply_error(c, "EVAL", NULL, err);
    return reply;
}

int lc_redis_script_error(redisContext *c, const struct lc_redis_script *script,
                          const redisReply *reply, struct lc_err *err)
{
    char name[300];
    const char *text = reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "";

    if (!reply || reply->type != REDIS_REPLY_ERROR)
        return lc_redis_reply_error(c, "EVALSHA", reply, err);
    lc_redis_name(c, name, sizeof(name));
    if (strncmp(text, "NOPERM", 6) == 0 || strstr(text, "unknown command") ||
        strstr(text, "scripting is disabled")) {
        lc_err_set(err, LC_E_NOPERM, "redis '%s': the server refuses the %s script: %s", name,
                   script->name, text);
        lc_err_hint(err, "allow EVALSHA and EVAL for the [redis] user (ACL: +evalsha +eval), "
                         "or run with --no-atomic to delete with a plain UNLINK (racy)");
        return -1;
    }
    return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': %s script: %s", name, script->name, text);
}
