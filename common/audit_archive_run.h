/*
 * The state of one audit archive run, shared by its files: audit_archive.c (names,
 * checks, counts, the run and its report), audit_archive_move.c (the copy and delete
 * batches), audit_archive_export.c (the CSV export and its shipping). Internal to
 * common/.
 */
#ifndef LC_AUDIT_ARCHIVE_RUN_H
#define LC_AUDIT_ARCHIVE_RUN_H

#include <mysql.h>

#include "common/audit_archive.h"
#include "common/buf.h"

struct aa_target_result {
    char *name;
    int ok;
    uint64_t bytes_sent;
};

struct aa_run {
    MYSQL *db;
    const struct lc_config *cfg;
    const struct lc_audit_archive_opts *opts;
    char *schema, *name;      /* the audit table */
    char *aschema, *aname;    /* the archive table */
    char *where, *awhere;     /* "db.table" for messages */
    char *qaudit, *qarchive;  /* `db`.`table` */
    char *pk;                 /* the single primary-key column */
    char **columns;           /* the stored (not generated) columns, in table order */
    char *a_cols;             /* a.`c1`, a.`c2`, ... */
    char *b_cols;             /* b.`c1`, ... */
    char *cols;               /* `c1`, ... */
    char *match;              /* b.`pk` = a.`pk` AND b.`c` <=> a.`c` ... */
    char *cutoff;             /* the database clock's NOW(6) - older_than, as text */
    char *old;                /* a.`time` < '<cutoff>' */
    int archive_exists;
    /* counts */
    uint64_t rows_old;        /* audit rows older than the cutoff at the start */
    uint64_t rows_pending;    /* of those, already copied by an earlier run */
    char *oldest, *newest;    /* their times */
    uint64_t copied, deleted, exported;
    uint64_t export_bytes;
    char *export_name;        /* "audit-archive/<file>.csv.gz" */
    char *export_path;        /* in the spool */
    char *export_max_pk;      /* literal: the highest key exported */
    struct aa_target_result *targets;
    size_t n_targets;
};

/* A key value as a literal: quoted, or X'..' when it holds NUL bytes. */
void aa_put_value(MYSQL *db, struct lc_buf *b, const char *value, unsigned long len);

/* After a failed statement: a missing privilege gets the GRANTs in the hint. */
int aa_fail(struct aa_run *r, struct lc_err *err);

/* audit_archive_move.c */
int aa_copy(struct aa_run *r, struct lc_err *err);
int aa_delete(struct aa_run *r, struct lc_err *err);

/* audit_archive_export.c: write, publish and ship the export; r->exported may be 0
 * (nothing to export: no file). */
int aa_export(struct aa_run *r, struct lc_err *err);

#endif
