/*
 * `lcbp3-restore db SET --until TIME | --until-gtid GTID`: point-in-time recovery. In
 * order, and nothing touched before the last check:
 *   1. the set must carry binlog coordinates and the target must lie after its snapshot;
 *   2. the restore account must be able to replay (BINLOG REPLAY) and to keep the
 *      replay out of the binary log (see below);
 *   3. the chain of segments from the set's file is found (restore_until_fetch.c), each
 *      segment fetched and its SHA-256 checked, and scanned (every event's CRC) until
 *      the stop is found (common/binlog_replay.c);
 *   4. the plan is printed; the set is restored as `db` restores it (its own plan and
 *      the confirmation for production);
 *   5. mariadb-binlog | mariadb replays the range into the restored database.
 *
 * The replay is kept out of the server's binary log, in place as well as --into:
 * mariadb-binlog prints each transaction with its original GTID, so a logged replay
 * would write those GTIDs again, out of order, after newer ones. A server with
 * gtid_strict_mode refuses that halfway through, and without it the binary log (and
 * so the archive) then holds duplicates that mariadb-binlog's strict mode refuses to
 * read: the next point-in-time recovery through that stretch would fail. The set's
 * own load is unlogged too when the account may, so replicas see neither.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/binlog_replay.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/units.h"
#include "tools/restore/restore.h"

/* "2026-12-06 06:20:31 +07" in the zone --until was given in. */
static const char *format_time(time_t t, int utc, char *buf, size_t len)
{
    struct tm tm;

    if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
        strftime(buf, len, utc ? "%Y-%m-%d %H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
        snprintf(buf, len, "@%lld", (long long)t);
    return buf;
}

static const char *format_gtid(const struct lc_binlog_gtid *g, char *buf, size_t len)
{
    snprintf(buf, len, "%u-%u-%llu", (unsigned)g->domain, (unsigned)g->server_id,
             (unsigned long long)g->seq);
    return buf;
}

/* The set's GTID position holds the target GTID already (same domain, not after it). */
static int gtid_in_set(const char *set_gtids, const struct lc_binlog_gtid *g)
{
    char *copy = lc_xstrdup(set_gtids ? set_gtids : ""), *save = NULL;
    int in = 0;

    for (char *tok = strtok_r(copy, ",", &save); tok && !in; tok = strtok_r(NULL, ",", &save)) {
        struct lc_binlog_gtid s;

        while (*tok == ' ')
            tok++;
        if (restore_parse_gtid(tok, &s) == 0 && s.domain == g->domain && g->seq <= s.seq)
            in = 1;
    }
    free(copy);
    return in;
}

/* Step 1: what the set and the command line allow, before any connection. */
static int check_request(const struct lc_set_reader *set, const struct restore_opts *opts,
                         struct lc_err *err)
{
    const struct lc_manifest *m = &set->manifest;
    const char *name = m->set_name ? m->set_name : set->path;
    char when[64], gtid[64];

    if (!m->binlog_file || !m->binlog_file[0] || m->server_id == 0) {
        lc_err_set(err, LC_E_NOINPUT, "the set '%s' has no binlog coordinates%s: it cannot "
                   "start a point-in-time recovery", name,
                   m->binlog_file ? " (no server id: made by an older version)" : "");
        lc_err_hint(err, "the server's binary log was off when it was taken (log_bin), or it "
                         "predates binlog archiving; restore it without --until, or pick a set "
                         "taken since ('lcbp3-restore list')");
        return -1;
    }
    if (opts->until && (int64_t)opts->until_time <= m->started_at) {
        lc_err_set(err, LC_E_USAGE, "--until %s is not after the set's snapshot (taken %s): a "
                   "replay only moves forward from a set",
                   format_time(opts->until_time, opts->until_utc, when, sizeof(when)),
                   format_time((time_t)m->started_at, opts->until_utc, gtid, sizeof(gtid)));
        lc_err_hint(err, "pick a set taken before that time ('lcbp3-restore list')");
        return -1;
    }
    if (opts->until_gtid && gtid_in_set(m->gtid, &opts->until_gtid_value)) {
        lc_err_set(err, LC_E_USAGE, "--until-gtid %s is already in the set '%s' (its snapshot "
                   "is at GTID %s): a replay only moves forward from a set", opts->until_gtid,
                   name, m->gtid);
        lc_err_hint(err, "pick a set taken before that transaction ('lcbp3-restore list')");
        return -1;
    }
    return 0;
}

/* Step 2: the account may replay, and keep the replay out of the binary log. */
static int check_account(const struct lc_config *cfg, char *const *dbs,
                         const struct restore_opts *opts, struct lc_err *err)
{
    MYSQL *db = lc_db_connect(&cfg->mariadb, "lcbp3-restore", err);
    int rc = -1, can_skip_log = 0;

    if (!db)
        return -1;
    for (size_t idx = 0; dbs[idx]; idx++) {
        if (lc_binlog_replay_check(db, opts->into ? opts->into : dbs[idx], &can_skip_log, err))
            goto out;
        if (!can_skip_log) {
            lc_err_set(err, LC_E_NOPERM, "the restore account may not keep the replay out of "
                       "the binary log (SET sql_log_bin needs BINLOG ADMIN or SUPER): the "
                       "replayed transactions would be logged again under their original "
                       "GTIDs, out of order");
            lc_err_hint(err, "GRANT BINLOG ADMIN ON *.* TO the account of [mariadb] user; "
                             "nothing was changed");
            goto out;
        }
    }
    rc = 0;
out:
    lc_db_close(db);
    return rc;
}

/* Step 3: fetch, verify and scan until the stop is known. */
static int find_range(const struct lc_config *cfg, const struct lc_set_reader *set,
                      const struct restore_opts *opts, struct restore_chain *chain,
                      struct lc_binlog_range *range, struct lc_err *err)
{
    const struct lc_manifest *m = &set->manifest;
    struct lc_binlog_target target;
    char when[64], gtid[64];

    memset(&target, 0, sizeof(target));
    target.by_gtid = opts->until_gtid != NULL;
    target.until = opts->until_time;
    target.gtid = opts->until_gtid_value;
    if (restore_chain_find(cfg, m, chain, err) < 0)
        return -1;
    lc_binlog_range_init(range, m->binlog_pos, &target);
    for (size_t idx = 0; idx < chain->len; idx++) {
        int rc;

        if (restore_chain_fetch(cfg, chain, idx, err) < 0)
            return -1;
        rc = lc_binlog_range_add(range, chain->items[idx].path, chain->items[idx].name,
                                 !chain->items[idx].closed, err);
        if (rc < 0)
            return -1;
        if (rc > 0)
            return 0;
    }
    if (chain->missing) {
        lc_err_set(err, LC_E_DATA, "the binlog chain has a gap: '%s' is not archived anywhere, "
                   "but later segments are; the %s lies beyond it", chain->missing,
                   target.by_gtid ? "target GTID" : "target time");
        lc_err_hint(err, "nothing was changed; the newest reachable point is %s (GTID %s): "
                         "give --until or --until-gtid at or before it",
                    range->newest_timestamp ? format_time((time_t)range->newest_timestamp,
                                                          opts->until_utc, when, sizeof(when))
                                            : "the set itself",
                    range->has_newest_gtid ? format_gtid(&range->newest_gtid, gtid, sizeof(gtid))
                                           : "-");
        return -1;
    }
    if (target.by_gtid)
        lc_err_set(err, LC_E_NOINPUT, "GTID %s is not in the archived binlogs after the set's "
                   "position (the newest archived transaction is %s, at %s)", opts->until_gtid,
                   range->has_newest_gtid ? format_gtid(&range->newest_gtid, gtid, sizeof(gtid))
                                          : "none",
                   range->newest_timestamp ? format_time((time_t)range->newest_timestamp,
                                                         opts->until_utc, when, sizeof(when))
                                           : "-");
    else
        lc_err_set(err, LC_E_NOINPUT, "the archived binlogs do not reach --until %s: the newest "
                   "archived event is at %s", opts->until,
                   range->newest_timestamp ? format_time((time_t)range->newest_timestamp,
                                                         opts->until_utc, when, sizeof(when))
                                           : "the set's own position (nothing after it)");
    lc_err_hint(err, "nothing was changed; check that 'lcbp3-backup binlog' is running and "
                     "caught up, or give a target at or before the newest archived event");
    return -1;
}

static void print_event(const char *label, const struct lc_binlog_event_ref *ev,
                        const struct restore_chain *chain, int utc)
{
    char when[64], gtid[64], type[16];

    printf("  %-9s %s, %s%s%s at %s:%llu\n", label,
           format_time((time_t)ev->timestamp, utc, when, sizeof(when)),
           lc_binlog_type_name(ev->type, type), ev->has_gtid ? " of GTID " : "",
           ev->has_gtid ? format_gtid(&ev->gtid, gtid, sizeof(gtid)) : "",
           chain->items[ev->file].name, (unsigned long long)ev->offset);
}

/* Whether the set has a table `table` of database `db`. */
static int set_has_table(const struct lc_set_reader *set, const char *db, const char *table)
{
    for (size_t idx = 0; idx < set->n_entries; idx++) {
        const struct lc_manifest_member *mm = set->entries[idx].member;

        if (mm->db && mm->table && strcmp(mm->db, db) == 0 && strcmp(mm->table, table) == 0)
            return 1;
    }
    return 0;
}

/*
 * The base tables of the target database that the set does not hold (*out, NULL-
 * terminated). A plain restore keeps them; a point-in-time recovery must not: a table
 * created after the set is created again by the replay (which would then fail), or was
 * created after the target and must not be there at all. They are moved aside into
 * another database rather than dropped, so nothing is lost.
 */
static int tables_not_in_set(const struct lc_config *cfg, const struct lc_set_reader *set,
                             const char *source_db, const char *target_db, char ***out,
                             struct lc_err *err)
{
    MYSQL *db = lc_db_connect(&cfg->mariadb, "lcbp3-restore", err);
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    size_t n = 0;
    int rc = -1;

    *out = lc_xcalloc(1, sizeof(char *));
    if (!db)
        return -1;
    lc_buf_puts(&sql, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
    lc_db_quote_string(db, &sql, target_db);
    lc_buf_puts(&sql, " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME");
    res = lc_db_query(db, sql.data, err);
    if (!res)
        goto out;
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || set_has_table(set, source_db, row[0]))
            continue;
        *out = lc_xrealloc(*out, (n + 2) * sizeof(char *));
        (*out)[n++] = lc_xstrdup(row[0]);
        (*out)[n] = NULL;
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    lc_buf_done(&sql);
    lc_db_close(db);
    return rc;
}

/* Moves `tables` of `target_db` into the new database `aside`. */
static int move_aside(const struct lc_config *cfg, const char *target_db, char *const *tables,
                      const char *aside, struct lc_err *err)
{
    MYSQL *db = lc_db_connect(&cfg->mariadb, "lcbp3-restore", err);
    struct lc_buf sql = LC_BUF_INIT;
    int rc = -1;

    if (!db)
        return -1;
    lc_buf_puts(&sql, "CREATE DATABASE ");
    lc_db_quote_ident(&sql, aside);
    if (lc_db_exec(db, sql.data, err))
        goto out;
    for (size_t idx = 0; tables[idx]; idx++) {
        lc_buf_reset(&sql);
        lc_buf_puts(&sql, "RENAME TABLE ");
        lc_db_quote_ident(&sql, target_db);
        lc_buf_putc(&sql, '.');
        lc_db_quote_ident(&sql, tables[idx]);
        lc_buf_puts(&sql, " TO ");
        lc_db_quote_ident(&sql, aside);
        lc_buf_putc(&sql, '.');
        lc_db_quote_ident(&sql, tables[idx]);
        if (lc_db_exec(db, sql.data, err)) {
            lc_err_prefix(err, "moving table '%s' aside before the replay", tables[idx]);
            goto out;
        }
    }
    lc_log_info("moved %zu table%s not in the set from '%s' to '%s' (drop it once you no "
                "longer need them)", lc_strv_len(tables), tables[1] ? "s" : "", target_db,
                aside);
    rc = 0;
out:
    lc_buf_done(&sql);
    lc_db_close(db);
    return rc;
}

/* Step 4: the plan of the replay (the set's own plan follows). */
static void print_plan(const struct lc_config *cfg, const struct lc_set_reader *set,
                       const struct restore_opts *opts, char *const *dbs,
                       const struct restore_chain *chain, const struct lc_binlog_range *range,
                       char *const *extra, const char *aside)
{
    const struct lc_manifest *m = &set->manifest;
    char when[64], size[32], where[80];

    printf("point-in-time recovery plan\n");
    printf("  set:      %s, snapshot at %s:%llu%s%s\n", m->set_name ? m->set_name : set->path,
           m->binlog_file, (unsigned long long)m->binlog_pos, m->gtid ? ", GTID " : "",
           m->gtid ? m->gtid : "");
    if (opts->until)
        printf("  until:    %s (the first transaction at or after it is not replayed)\n",
               format_time(opts->until_time, opts->until_utc, when, sizeof(when)));
    else
        printf("  until:    GTID %s (the last transaction replayed)\n", opts->until_gtid);
    printf("  binlogs:  %zu segment%s of server %u, generation %u\n", range->n_files,
           range->n_files == 1 ? "" : "s", (unsigned)chain->server_id, chain->generation);
    for (size_t idx = 0; idx < range->n_files; idx++) {
        const struct restore_segment *seg = &chain->items[idx];
        int last = idx + 1 == range->n_files;

        lc_format_size(seg->size, size, sizeof(size));
        if (seg->target < 0)
            snprintf(where, sizeof(where), "spool");
        else
            snprintf(where, sizeof(where), "target %s", restore_chain_source(cfg, seg));
        printf("            %-20s %10s  %-20s %s", seg->name, size, where,
               seg->closed ? "closed" : "active");
        if (idx == 0)
            printf(", from %llu", (unsigned long long)range->start_pos);
        if (last)
            printf(", to %llu", (unsigned long long)range->stop_pos);
        printf("\n");
    }
    if (range->last.set)
        print_event("last:", &range->last, chain, opts->until_utc);
    else
        printf("  last:     nothing to replay: the set is the state at the target\n");
    if (range->next.set)
        print_event("stops:", &range->next, chain, opts->until_utc);
    printf("  replays:  %llu transaction%s (of all databases; only those of",
           (unsigned long long)range->transactions, range->transactions == 1 ? "" : "s");
    for (size_t idx = 0; dbs[idx]; idx++)
        printf("%s '%s'", idx ? "," : "", dbs[idx]);
    if (opts->into)
        printf(" are applied, into '%s')\n", opts->into);
    else
        printf(" are applied)\n");
    if (extra[0]) {
        printf("  aside:    tables not in the set, moved to database '%s' before the replay:",
               aside);
        for (size_t idx = 0; extra[idx]; idx++)
            printf(" %s", extra[idx]);
        printf("\n");
    }
    printf("  binlog:   the replay is not written to the server's binary log\n");
    fflush(stdout);
}

int restore_until(const struct lc_config *cfg, const struct lc_set_reader *set,
                  const struct restore_opts *opts, struct lc_err *err)
{
    struct restore_chain chain;
    struct lc_binlog_range range;
    struct timespec t0, t1;
    char **dbs = restore_set_databases(set);
    char **files = NULL, **extra = NULL;
    char took[32], took_replay[32], aside[64];
    int rc = -1;

    memset(&chain, 0, sizeof(chain));
    if (!dbs[0]) {
        lc_err_set(err, LC_E_USAGE, "the set '%s' has no MariaDB part", set->path);
        goto out;
    }
    if (opts->into && dbs[1]) {
        lc_err_set(err, LC_E_USAGE, "the set holds %zu databases; --into takes one",
                   lc_strv_len(dbs));
        goto out;
    }
    if (check_request(set, opts, err) || check_account(cfg, dbs, opts, err) ||
        find_range(cfg, set, opts, &chain, &range, err))
        goto out;
    /* one database, or several in place: only the first one's extra tables are moved
     * (a multi-database set is restored in place, and each has its own) */
    snprintf(aside, sizeof(aside), "lcbp3_pitr_aside_%lld", (long long)time(NULL));
    if (tables_not_in_set(cfg, set, dbs[0], opts->into ? opts->into : dbs[0], &extra, err))
        goto out;
    if (!opts->cli.json && opts->cli.verbosity >= 0)
        print_plan(cfg, set, opts, dbs, &chain, &range, extra, aside);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (restore_db_from_set(cfg, set, opts, err) ||
        (extra[0] && move_aside(cfg, opts->into ? opts->into : dbs[0], extra, aside, err)))
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    files = lc_xcalloc(range.n_files + 1, sizeof(char *));
    for (size_t idx = 0; idx < range.n_files; idx++)
        files[idx] = lc_xstrdup(chain.items[idx].path);
    for (size_t idx = 0; dbs[idx]; idx++) {
        struct lc_binlog_replay replay = {files, range.start_pos, range.stop_pos, dbs[idx],
                                          opts->into ? opts->into : dbs[idx], 1, chain.work_dir};

        lc_log_info("replaying %llu transaction%s of binlogs into database '%s'",
                    (unsigned long long)range.transactions, range.transactions == 1 ? "" : "s",
                    replay.target_db);
        if (lc_binlog_replay_run(&cfg->mariadb, &replay, err)) {
            lc_err_prefix(err, "database '%s' holds the set but only part of the replay",
                          replay.target_db);
            lc_err_hint(err, "fix the cause and run the same command again: it restores the "
                             "set first");
            goto out;
        }
    }
    lc_format_duration((int64_t)(lc_seconds_since(&t0) * 1000), took, sizeof(took));
    lc_format_duration((int64_t)(lc_seconds_since(&t1) * 1000), took_replay, sizeof(took_replay));
    lc_log_info("point-in-time recovery done: %s restored to %s%s in %s (replay %s)",
                opts->into ? opts->into : dbs[0], opts->until ? "" : "GTID ",
                opts->until ? opts->until : opts->until_gtid, took, took_replay);
    rc = 0;
out:
    lc_strv_free(files);
    lc_strv_free(extra);
    restore_chain_done(&chain);
    lc_strv_free(dbs);
    return rc;
}
