/*
 * Redis Cluster key routing: the hash slot of a key (CRC16/XMODEM of the key, or of
 * its {hash tag}, modulo 16384) and the map from slot to the master that serves it,
 * read from CLUSTER SLOTS, so that a restore sends each key to its slot's master
 * whatever the topology of the cluster the backup came from.
 */
#ifndef LC_REDIS_SLOT_H
#define LC_REDIS_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "common/error.h"

/* The slot of a key (binary-safe), 0..16383. */
unsigned lc_redis_key_slot(const char *key, size_t len);

struct lc_redis_slot_map {
    char **masters;            /* NULL-terminated "host:port" names (new strings) */
    size_t n_masters;
    uint16_t owner[16384];     /* index into masters for each slot */
};

/*
 * Reads CLUSTER SLOTS from a connected node. A master with an empty (or "?") host gets
 * the connected node's host. Fails with LC_E_UNAVAILABLE when the command fails or a
 * slot is not served (a restore into a cluster with uncovered slots would lose keys),
 * LC_E_DATA for a reply of an unexpected shape. On failure *out holds nothing to free.
 */
int lc_redis_slot_map_load(redisContext *c, struct lc_redis_slot_map *out, struct lc_err *err);

/*
 * The pure part of lc_redis_slot_map_load(): fills *out from a CLUSTER SLOTS reply
 * (an array of [start, end, [host, port, id, ...], replicas...]). Masters are listed
 * once each, in the order first seen; `seed_host` replaces an empty or "?" host.
 */
int lc_redis_slot_map_parse(const redisReply *reply, const char *seed_host,
                            struct lc_redis_slot_map *out, struct lc_err *err);

/* Frees the master names; accepts a map never loaded (zeroed) or already done. */
void lc_redis_slot_map_done(struct lc_redis_slot_map *map);

#endif
