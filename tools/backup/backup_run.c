/*
 * `lcbp3-backup run`: take the lock, sweep what a killed run left, dump MariaDB and
 * Redis into a work directory, write the set (tar + manifest + sidecar, published
 * atomically), apply the spool's retention, ship to the targets (backup_ship.c), and
 * record the outcome as metrics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/binlog_archive.h"
#include "common/dump_mariadb.h"
#include "common/dump_redis.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/metrics.h"
#include "common/metrics_run.h"
#include "common/progress.h"
#include "common/set_writer.h"
#include "common/spool.h"
#include "common/units.h"
#include "tools/backup/backup.h"

/* What one run produced, for the end line and the metrics. */
struct run_result {
    char *set_path;
    uint64_t set_bytes;
    uint64_t rows;
    uint64_t redis_keys;
    size_t members;
    double dump_seconds;      /* MariaDB + Redis into the work directory */
    double write_seconds;     /* tar + SHA-256 + sidecar + publish */
    double duration;
};

static void record_metrics(const struct lc_config *cfg, const struct run_result *res,
                           int exit_code, time_t started)
{
    struct lc_metrics_run run = {"backup", "lcbp3_backup", started, res->duration, exit_code};
    struct lc_metrics *m;

    if (!cfg->metrics.textfile && !cfg->metrics.pushgateway_url)
        return;
    m = lc_metrics_new();
    lc_metrics_run_add(m, &cfg->metrics, &run);
    if (exit_code == 0) {
        lc_metrics_gauge(m, "lcbp3_backup_bytes", "size of the last set", NULL,
                         (double)res->set_bytes);
        lc_metrics_gauge(m, "lcbp3_backup_rows", "MariaDB rows in the last set", NULL,
                         (double)res->rows);
        lc_metrics_gauge(m, "lcbp3_backup_redis_keys", "Redis keys in the last set", NULL,
                         (double)res->redis_keys);
        lc_metrics_gauge(m, "lcbp3_backup_members", "members in the last set", NULL,
                         (double)res->members);
    }
    lc_metrics_run_publish(m, &cfg->metrics, "backup");
    lc_metrics_free(m);
}

static void log_begin(const struct lc_config *cfg, const struct backup_opts *opts, unsigned threads)
{
    char details[512];

    snprintf(details, sizeof(details),
             "kind %s, spool '%s', databases %s%s, redis %s%s, threads %u, gzip level %lld%s",
             lc_set_kind_name(opts->kind),
             cfg->backup.spool_dir ? cfg->backup.spool_dir : "none (streamed to the targets)",
             cfg->mariadb.databases ? cfg->mariadb.databases[0] : "-",
             lc_strv_len(cfg->mariadb.databases) > 1 ? ",..." : "",
             cfg->redis.nodes ? cfg->redis.nodes[0] : "-",
             lc_strv_len(cfg->redis.nodes) > 1 ? ",..." : "", threads,
             cfg->backup.compression == LC_COMPRESS_NONE ? 0LL : (long long)cfg->backup.compression_level,
             opts->db_only ? ", db only" : opts->redis_only ? ", redis only" : "");
    lc_cli_log_begin(&opts->cli, cfg, "run", details);
}

/* The dump and the set, inside the lock. */
static int make_set(const struct lc_config *cfg, const struct backup_opts *opts,
                    struct run_result *res, struct lc_err *err)
{
    struct lc_member_list members = LC_MEMBER_LIST_INIT;
    struct lc_dump_mariadb_info mdb;
    struct lc_dump_redis_info rds;
    struct lc_set_header header;
    struct lc_progress *progress = NULL;
    struct lc_dump_opts dump;
    char host[256] = "localhost";
    char *set_name = NULL, *work_dir = NULL;
    time_t started = time(NULL);
    struct timespec t0;
    int rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&mdb, 0, sizeof(mdb));
    memset(&rds, 0, sizeof(rds));
    memset(&header, 0, sizeof(header));
    (void)gethostname(host, sizeof(host) - 1);
    set_name = lc_set_name_format(host, started, opts->kind);
    if (!set_name) {
        lc_err_set(err, LC_E_SOFTWARE, "cannot name a set for host '%s'", host);
        goto out;
    }
    work_dir = lc_xasprintf("%s/%s%s", lc_config_work_dir(cfg), LC_SPOOL_WORK_PREFIX, set_name);
    if (lc_fs_mkdir_p(work_dir, 0700, err) < 0)
        goto out;
    progress = lc_progress_new("backup", 0);
    dump.work_dir = work_dir;
    dump.level = cfg->backup.compression == LC_COMPRESS_NONE ? 0 : (int)cfg->backup.compression_level;
    dump.threads = lc_config_threads(cfg);
    dump.program = "lcbp3-backup";
    dump.progress = progress;
    if (!opts->redis_only && lc_dump_mariadb(&cfg->mariadb, &dump, &members, &mdb, err) < 0) {
        lc_err_prefix(err, "mariadb dump");
        goto out;
    }
    if (!opts->redis_only && mdb.binlog_file && cfg->backup.binlog_client_id &&
        cfg->backup.spool_dir)
        mdb.binlog_generation = lc_binlog_newest_generation(cfg->backup.spool_dir, mdb.server_id);
    if (!opts->db_only && lc_dump_redis(&cfg->redis, &dump, &members, &rds, err) < 0) {
        lc_err_prefix(err, "redis snapshot");
        goto out;
    }
    lc_progress_free(progress);
    progress = NULL;
    res->dump_seconds = lc_seconds_since(&t0);
    header.set_name = set_name;
    header.host = host;
    header.kind = lc_set_kind_name(opts->kind);
    header.started_at = started;
    header.databases = opts->redis_only ? NULL : cfg->mariadb.databases;
    header.mariadb = opts->redis_only ? NULL : &mdb;
    header.redis = opts->db_only ? NULL : &rds;
    if (!cfg->backup.spool_dir) {
        /* no spool: the set goes straight to the targets while it is written */
        if (backup_stream_set(cfg, opts, &header, &members, &res->set_bytes, err) < 0)
            goto out;
        res->set_path = lc_xstrdup(set_name);
    } else {
        if (lc_set_write(cfg->backup.spool_dir, &header, &members, &res->set_bytes, err) < 0) {
            lc_err_prefix(err, "writing set '%s'", set_name);
            goto out;
        }
        res->set_path = lc_xasprintf("%s/%s", cfg->backup.spool_dir, set_name);
    }
    res->write_seconds = lc_seconds_since(&t0) - res->dump_seconds;
    res->rows = mdb.rows;
    res->redis_keys = rds.keys;
    res->members = members.len + 1;
    rc = 0;
out:
    lc_progress_free(progress);
    if (work_dir) {
        struct lc_err ignored = LC_ERR_INIT;

        if (lc_fs_remove_tree(work_dir, &ignored) < 0)
            lc_log_warn("%s; the next run removes it", ignored.msg);
    }
    lc_member_list_done(&members);
    lc_dump_mariadb_info_done(&mdb);
    lc_dump_redis_info_done(&rds);
    free(work_dir);
    free(set_name);
    return rc;
}

int backup_run(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct run_result res;
    struct timespec t0;
    time_t started = time(NULL);
    char size[32], took[32];
    int rc = -1;

    memset(&res, 0, sizeof(res));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (lc_lock_take(&lock, cfg->backup.lock_dir, BACKUP_LOCK_NAME, err) < 0)
        return -1; /* another run is working: its outcome, not ours, goes in the metrics */
    log_begin(cfg, opts, lc_config_threads(cfg));
    if (lc_fs_mkdir_p(lc_config_work_dir(cfg), 0700, err) < 0 ||
        lc_spool_sweep(lc_config_work_dir(cfg), err) < 0 ||
        (cfg->backup.spool_dir && cfg->backup.work_dir &&
         (lc_fs_mkdir_p(cfg->backup.spool_dir, 0700, err) < 0 ||
          lc_spool_sweep(cfg->backup.spool_dir, err) < 0)) ||
        make_set(cfg, opts, &res, err) < 0)
        goto out;
    /* The set is safe: a retention failure is reported but does not fail the backup. */
    if (backup_apply_retention(cfg, 0, NULL, NULL, err) < 0) {
        lc_log_warn("retention: %s, skipping", err->msg);
        lc_err_clear(err);
    }
    /* the set is complete in the spool (or on a target): print it even when a target
     * then fails */
    printf("%s\n", res.set_path);
    fflush(stdout);
    if (cfg->backup.spool_dir && cfg->n_targets > 0 && !opts->no_ship &&
        backup_ship_all(cfg, opts, err) < 0)
        goto out;
    res.duration = lc_seconds_since(&t0);
    lc_format_size(res.set_bytes, size, sizeof(size));
    lc_format_duration((int64_t)(res.duration * 1000), took, sizeof(took));
    lc_log_info("lcbp3-backup run end: completed successfully: '%s', %zu members, %s, %" PRIu64
                " rows, %" PRIu64 " redis keys, in %s (dump %.2fs, set writing %.2fs)",
                res.set_path, res.members, size, res.rows, res.redis_keys, took, res.dump_seconds,
                res.write_seconds);
    rc = 0;
out:
    res.duration = lc_seconds_since(&t0);
    record_metrics(cfg, &res, rc == 0 ? 0 : (int)err->status, started);
    lc_lock_release(&lock);
    free(res.set_path);
    return rc;
}
