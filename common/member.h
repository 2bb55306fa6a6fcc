/*
 * A member of a backup set as the producers (MariaDB dump, Redis snapshot) hand it to
 * the set writer: its path inside the set and the files in the work directory whose
 * concatenation is its content (several parts when chunks of one table were written
 * by different threads; each part is whole gzip members, so the concatenation is
 * valid gzip).
 */
#ifndef LC_MEMBER_H
#define LC_MEMBER_H

#include <stddef.h>
#include <stdint.h>

struct lc_member {
    char *name;       /* path inside the set, e.g. "mariadb/lcbp3_production/t.data.sql.gz" */
    char *kind;       /* "schema", "data", "triggers", "views", "routines", "events",
                         "database", "rdb", "keys" */
    char *db;         /* MariaDB database, or NULL */
    char *table;      /* table, or NULL */
    char *node;       /* Redis node "host:port", or NULL */
    char **parts;     /* NULL-terminated files (absolute paths), concatenated in order */
    uint64_t *part_sizes; /* bytes of each part (a restore loads the parts in parallel) */
    uint64_t size;    /* bytes in the set: the sum of the parts' sizes */
    uint64_t raw_size;/* bytes before compression */
    int64_t rows;     /* rows of a data member, keys of a keys member; -1 otherwise */
    char sha256[65];  /* hex, filled by the set writer */
};

struct lc_member_list {
    struct lc_member *items;
    size_t len;
    size_t cap;
};

#define LC_MEMBER_LIST_INIT {NULL, 0, 0}

/*
 * Appends a member with the given name and kind (copied) and returns it, zeroed apart
 * from name, kind and rows = -1; the caller fills the rest with heap strings that the
 * list then owns. The pointer is valid until the next add.
 */
struct lc_member *lc_member_list_add(struct lc_member_list *list, const char *name,
                                     const char *kind);

/* Appends a part path (copied) and its size in bytes to a member. */
void lc_member_add_part(struct lc_member *member, const char *path, uint64_t size);

void lc_member_list_done(struct lc_member_list *list);

#endif
