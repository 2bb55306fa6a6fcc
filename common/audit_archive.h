/*
 * The monthly archive of the numbering audit log ([numbering] audit_table): rows whose
 * audit_time_column is older than a cutoff move to [numbering] audit_archive_table
 * (default "<audit_table>_archive", created LIKE the audit table when missing), and
 * are exported as a gzip CSV to the spool and every configured target. Shared by
 * `lcbp3-dr runbook audit-archive` and `lcbp3-backup archive-audit`.
 *
 * The cutoff is taken once, from the database clock: NOW(6) - older_than. A run has
 * three phases, each safe to interrupt and repeat:
 *   1. copy: batch by batch along the single-column primary key, one short transaction
 *      each, INSERT IGNORE the batch's old rows into the archive table, then check that
 *      every one of them is there with identical values (else LC_E_DATA, nothing of the
 *      batch is kept);
 *   2. export: the old rows present in both tables with identical values are written as
 *      CSV (csv.h), gzip-compressed, published atomically in
 *      "<spool>/audit-archive/<table>-<oldest>-<newest>-<run>.csv.gz" with a .sha256
 *      sidecar, then shipped to every target and verified there (size and SHA-256);
 *   3. delete: only once every target has the export, batch by batch, the exported rows
 *      are deleted from the audit table; a row is deleted only while an identical copy
 *      is in the archive table, and a batch whose DELETE does not remove exactly the
 *      rows it selected is rolled back (LC_E_DATA).
 * So every row leaves the audit table only after it is in the archive table and in an
 * export on every target. A rerun after a kill copies nothing twice (the primary key),
 * exports again the rows still waiting for deletion (a new file, a subset of the first)
 * and finishes the deletion.
 */
#ifndef LC_AUDIT_ARCHIVE_H
#define LC_AUDIT_ARCHIVE_H

#include <stdint.h>
#include <stdio.h>

#include "common/config.h"
#include "common/error.h"

/* The age a row must exceed when the command line gives none. */
#define LC_AUDIT_ARCHIVE_DEFAULT_AGE "2y"
/* The folder of the exports, in the spool and on the targets. */
#define LC_AUDIT_ARCHIVE_DIR "audit-archive"
/* The run lock (in [backup] lock_dir) that keeps two archive runs apart. */
#define LC_AUDIT_ARCHIVE_LOCK "lcbp3-audit-archive"

struct lc_audit_archive_opts {
    const char *program;      /* "lcbp3-dr": connection attribute and messages */
    const char *command;      /* the command that applies, for the dry run's advice */
    int64_t older_than_ms;    /* rows older than this (by the database clock) move */
    int apply;                /* 0: count and report only, change nothing */
    int json;                 /* the report as one JSON object instead of text */
};

/*
 * Runs the archive (or with !opts->apply the dry run: how many rows are older than
 * the cutoff, the oldest and newest, how many batches, how many an interrupted run
 * already copied). The report goes to `out`; progress and the end line to the log.
 * Applying takes the LC_AUDIT_ARCHIVE_LOCK lock (LC_E_TEMPFAIL when held).
 * Returns 0 (done, or nothing to archive), 1 (dry run: rows would be archived) or -1
 * with err: LC_E_CONFIG (tables or columns wrong), LC_E_NOPERM (a privilege is missing;
 * the hint gives the GRANT), LC_E_DATA (the archive holds a different row under the
 * same key), LC_E_UNAVAILABLE / LC_E_TEMPFAIL (the server), target and file errors.
 */
int lc_audit_archive_run(const struct lc_config *cfg, const struct lc_audit_archive_opts *opts,
                         FILE *out, struct lc_err *err);

#endif
