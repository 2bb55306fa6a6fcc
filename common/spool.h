/*
 * The local spool: the directory where sets are written and wait to be shipped.
 * Lists the complete sets (names that parse as set names, no ".partial"), removes a
 * set with its sidecar, and sweeps what a killed run left behind (*.partial files and
 * .work-* directories) — only ever called while holding the backup lock, so nothing
 * live is swept.
 */
#ifndef LC_SPOOL_H
#define LC_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "common/error.h"
#include "common/set_name.h"

#define LC_SPOOL_WORK_PREFIX ".work-"
/* "<set>.shipped-<target>": the set was shipped to that target and verified there. */
#define LC_SPOOL_SHIPPED_MARK ".shipped-"

struct lc_spool_set {
    char *name;               /* "lcbp3-host-20261124T020000Z-daily.tar" */
    char *path;
    uint64_t size;
    struct lc_set_id id;
    int has_sidecar;          /* "<name>.sha256" exists */
    time_t verified_at;       /* when a restore or a deep check last verified it; 0: never */
};

struct lc_spool_list {
    struct lc_spool_set *items;  /* newest first */
    size_t len;
};

/* A missing directory (or dir NULL: the spool is disabled) is an empty list. */
int lc_spool_list(const char *dir, struct lc_spool_list *out, struct lc_err *err);
void lc_spool_list_done(struct lc_spool_list *list);

/* Sorts a list newest first (time, then name), the order lc_spool_list() returns. */
void lc_spool_list_sort(struct lc_spool_list *list);

/* Removes "<name>", "<name>.sha256", "<name>.verified" and the "<name>.shipped-*"
 * markers (the set first, so no set is left unverifiable). */
int lc_spool_remove_set(const char *dir, const char *name, struct lc_err *err);

/*
 * Records that the set at `set_path` (in the spool or not) was verified member by
 * member just now: "<set_path>.verified", whose time is what lists show. Best effort:
 * returns -1 with err set when the marker cannot be written (e.g. a read-only spool).
 */
int lc_spool_mark_verified(const char *set_path, struct lc_err *err);

/* Prints a listing: a table (SET KIND AGE SIZE VERIFIED), or JSON with json. `where`
 * names the place for "no sets in <where>": "the spool '/var/lib/lcbp3/spool'". For
 * sets on a target (path NULL), "sidecar": false means incomplete there. */
void lc_spool_print(const struct lc_spool_list *sets, const char *where, int json, FILE *out);

/* Removes *.partial files and .work-* directories; logs each at warning level. */
int lc_spool_sweep(const char *dir, struct lc_err *err);

#endif
