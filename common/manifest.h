/*
 * manifest.json, the table of contents of a backup set and the last member written:
 * tool version, host, times, MariaDB server version and the snapshot's binlog
 * coordinates and GTID, Redis facts, and for every member its path, kind, size,
 * uncompressed size, row count (where it applies) and SHA-256. Built and parsed with
 * json-c. `format` is bumped when a reader would misread a newer manifest.
 */
#ifndef LC_MANIFEST_H
#define LC_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/dump_mariadb.h"
#include "common/dump_redis.h"
#include "common/error.h"
#include "common/member.h"

#define LC_MANIFEST_FORMAT 1
#define LC_MANIFEST_NAME "manifest.json"

/* What the writer knows about the set besides its members. */
struct lc_set_header {
    const char *set_name;
    const char *host;
    const char *kind;
    time_t started_at;
    time_t finished_at;
    char *const *databases;                       /* NULL when MariaDB was skipped */
    const struct lc_dump_mariadb_info *mariadb;   /* NULL when skipped */
    const struct lc_dump_redis_info *redis;       /* NULL when skipped */
};

/* The manifest as JSON text (a new string). */
char *lc_manifest_build(const struct lc_set_header *header, const struct lc_member_list *members);

struct lc_manifest_member {
    char *path;
    char *kind;
    char *db;
    char *table;
    char *node;
    uint64_t size;
    uint64_t raw_size;
    int64_t rows;
    char sha256[65];
    uint64_t *parts;          /* sizes of the parts a data member was written in (each
                                 starts with a whole statement); NULL when one part */
    size_t n_parts;
};

struct lc_manifest {
    int format;
    char *tool_version;
    char *set_name;
    char *host;
    char *kind;
    int64_t started_at;
    int64_t finished_at;
    char *mariadb_version;    /* NULL when the set has no MariaDB part */
    char *binlog_file;
    uint64_t binlog_pos;
    char *gtid;
    uint32_t server_id;       /* 0 in sets made before it was recorded */
    int binlog_generation;    /* binlog archive generation of binlog_file; -1: unknown */
    char *redis_version;      /* NULL when the set has no Redis part */
    struct lc_manifest_member *members;
    size_t n_members;
};

/* Parses and checks a manifest; a malformed one is LC_E_DATA naming what is wrong. */
int lc_manifest_parse(const char *json, size_t len, struct lc_manifest *out, struct lc_err *err);

void lc_manifest_done(struct lc_manifest *manifest);

#endif
