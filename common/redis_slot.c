/*
 * Redis Cluster key routing (see redis_slot.h): CRC16/XMODEM of the key or its hash
 * tag, and the slot-to-master map parsed from CLUSTER SLOTS.
 */
#include "common/redis_slot.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/redis_client.h"

#define NO_OWNER UINT16_MAX

/* CRC-16/XMODEM: polynomial 0x1021, initial value 0, no reflection, no final xor. */
static uint16_t crc16_xmodem(const unsigned char *data, size_t len)
{
    uint16_t crc = 0;

    for (size_t idx = 0; idx < len; idx++) {
        crc ^= (uint16_t)(data[idx] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned lc_redis_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);

    /* Only the first '{' counts, and only when a '}' follows it with something between. */
    if (open) {
        size_t from = (size_t)(open - key) + 1;
        const char *close = memchr(key + from, '}', len - from);

        if (close && close > key + from) {
            key += from;
            len = (size_t)(close - key);
        }
    }
    return crc16_xmodem((const unsigned char *)key, len) & (LC_REDIS_CLUSTER_SLOTS - 1);
}

static int slot_integer(const redisReply *r, long long *out)
{
    if (r->type != REDIS_REPLY_INTEGER || r->integer < 0 || r->integer >= LC_REDIS_CLUSTER_SLOTS)
        return -1;
    *out = r->integer;
    return 0;
}

/* The index of master "host:port" in map, adding it when new. */
static uint16_t master_index(struct lc_redis_slot_map *map, char *name)
{
    for (size_t idx = 0; idx < map->n_masters; idx++) {
        if (strcmp(map->masters[idx], name) == 0) {
            free(name);
            return (uint16_t)idx;
        }
    }
    map->masters = lc_xrealloc(map->masters, (map->n_masters + 2) * sizeof(char *));
    map->masters[map->n_masters] = name;
    map->masters[map->n_masters + 1] = NULL;
    return (uint16_t)map->n_masters++;
}

int lc_redis_slot_map_parse(const redisReply *reply, const char *seed_host,
                            struct lc_redis_slot_map *out, struct lc_err *err)
{
    struct lc_redis_slot_map *map = lc_xcalloc(1, sizeof(*map));
    size_t uncovered = 0;
    long first_uncovered = -1;
    int rc = -1;

    for (size_t slot = 0; slot < LC_REDIS_CLUSTER_SLOTS; slot++)
        map->owner[slot] = NO_OWNER;
    if (reply->type != REDIS_REPLY_ARRAY) {
        lc_err_set(err, LC_E_DATA, "CLUSTER SLOTS: the reply is not an array");
        goto out;
    }
    for (size_t idx = 0; idx < reply->elements; idx++) {
        const redisReply *range = reply->element[idx], *node;
        const char *host;
        long long start, end;
        uint16_t owner;

        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
            slot_integer(range->element[0], &start) < 0 ||
            slot_integer(range->element[1], &end) < 0 || end < start ||
            range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2) {
            lc_err_set(err, LC_E_DATA, "CLUSTER SLOTS: entry %zu has an unexpected shape", idx);
            goto out;
        }
        node = range->element[2];
        if (node->element[0]->type != REDIS_REPLY_STRING ||
            node->element[1]->type != REDIS_REPLY_INTEGER || node->element[1]->integer < 1 ||
            node->element[1]->integer > 65535) {
            lc_err_set(err, LC_E_DATA, "CLUSTER SLOTS: entry %zu has a bad master address", idx);
            goto out;
        }
        host = node->element[0]->str;
        if (!host[0] || strcmp(host, "?") == 0)
            host = seed_host;
        owner = master_index(map, lc_redis_node_name(host, (int)node->element[1]->integer));
        for (long long slot = start; slot <= end; slot++)
            map->owner[slot] = owner;
    }
    for (size_t slot = 0; slot < LC_REDIS_CLUSTER_SLOTS; slot++) {
        if (map->owner[slot] != NO_OWNER)
            continue;
        if (first_uncovered < 0)
            first_uncovered = (long)slot;
        uncovered++;
    }
    if (uncovered) {
        lc_err_set(err, LC_E_UNAVAILABLE,
                   "the cluster serves %zu of %d slots (slot %ld has no master)",
                   LC_REDIS_CLUSTER_SLOTS - uncovered, LC_REDIS_CLUSTER_SLOTS, first_uncovered);
        lc_err_hint(err, "keys of those slots would be lost; fix the cluster "
                         "(redis-cli --cluster check) and run again");
        goto out;
    }
    *out = *map;
    map->masters = NULL;
    rc = 0;
out:
    lc_strv_free(map->masters);
    free(map);
    return rc;
}

int lc_redis_slot_map_load(redisContext *c, struct lc_redis_slot_map *out, struct lc_err *err)
{
    const char *argv[2] = {"CLUSTER", "SLOTS"};
    redisReply *reply = lc_redis_cmdv(c, 2, argv, NULL, err);
    const char *seed = "127.0.0.1";
    char name[300];
    int rc;

    if (!reply)
        return -1;
    if (c->connection_type == REDIS_CONN_TCP && c->tcp.host)
        seed = c->tcp.host;
    rc = lc_redis_slot_map_parse(reply, seed, out, err);
    if (rc < 0) {
        lc_redis_name(c, name, sizeof(name));
        lc_err_prefix(err, "redis '%s'", name);
    }
    freeReplyObject(reply);
    return rc;
}

void lc_redis_slot_map_done(struct lc_redis_slot_map *map)
{
    if (!map)
        return;
    lc_strv_free(map->masters);
    map->masters = NULL;
    map->n_masters = 0;
}
