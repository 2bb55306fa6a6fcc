/*
 * The replication client (see binlog_source.h).
 */
#include "common/binlog_source.h"

#include <mysql.h>
#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"

struct lc_binlog_source {
    MYSQL *db;
    int has_crc;              /* @@global.binlog_checksum is CRC32 */
    MARIADB_RPL *rpl;
    MARIADB_RPL_EVENT *event;
};

void lc_binlog_files_done(struct lc_binlog_files *files)
{
    for (size_t i = 0; i < files->len; i++)
        free(files->items[i].name);
    free(files->items);
    files->items = NULL;
    files->len = 0;
}

int lc_binlog_source_connect(const struct lc_mariadb_cfg *cfg, unsigned io_timeout_s,
                             struct lc_binlog_source **out, uint32_t *out_server_id,
                             struct lc_err *err)
{
    struct lc_binlog_source *src = lc_xcalloc(1, sizeof(*src));
    char *log_bin = NULL, *server_id = NULL, *checksum = NULL;

    src->db = lc_db_connect_timeout(cfg, "lcbp3-backup", io_timeout_s, err);
    if (!src->db)
        goto fail;
    if (lc_db_query_value(src->db, "SELECT @@log_bin", &log_bin, err) ||
        lc_db_query_value(src->db, "SELECT @@server_id", &server_id, err) ||
        lc_db_query_value(src->db, "SELECT @@global.binlog_checksum", &checksum, err))
        goto fail;
    src->has_crc = checksum && strcasecmp(checksum, "NONE") != 0;
    if (!log_bin || strcmp(log_bin, "1") != 0) {
        lc_err_set(err, LC_E_CONFIG, "the MariaDB server does not write a binary log "
                                     "(log_bin is off): there is nothing to archive");
        lc_err_hint(err, "add to the server's my.cnf under [mariadbd]: log_bin = mysql-bin, "
                         "server_id = 1 (unique), binlog_format = ROW, expire_logs_days = 7; "
                         "then restart MariaDB");
        goto fail;
    }
    *out_server_id = server_id ? (uint32_t)strtoul(server_id, NULL, 10) : 0;
    free(log_bin);
    free(server_id);
    free(checksum);
    *out = src;
    return 0;
fail:
    free(log_bin);
    free(server_id);
    free(checksum);
    lc_binlog_source_free(src);
    return -1;
}

int lc_binlog_source_has_crc(const struct lc_binlog_source *src)
{
    return src->has_crc;
}

int lc_binlog_source_files(struct lc_binlog_source *src, struct lc_binlog_files *out,
                           struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(src->db, "SHOW BINARY LOGS", err);
    MYSQL_ROW row;

    memset(out, 0, sizeof(*out));
    if (!res)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (!row[0])
            continue;
        out->items = lc_xrealloc(out->items, (out->len + 1) * sizeof(*out->items));
        out->items[out->len].name = lc_xstrdup(row[0]);
        out->items[out->len].size = row[1] ? strtoull(row[1], NULL, 10) : 0;
        out->len++;
    }
    mysql_free_result(res);
    return 0;
}

int lc_binlog_source_open(struct lc_binlog_source *src, const char *file, uint64_t pos,
                          uint32_t client_id, int follow, unsigned heartbeat_ms,
                          struct lc_err *err)
{
    unsigned flags = MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS |
                     (follow ? 0 : MARIADB_RPL_BINLOG_DUMP_NON_BLOCK);
    char sql[128];

    /* without these the server refuses (checksums) or rewrites GTID events as BEGIN */
    snprintf(sql, sizeof(sql), "SET @master_heartbeat_period = %llu",
             (unsigned long long)heartbeat_ms * 1000000ULL);
    if (lc_db_exec(src->db, "SET @master_binlog_checksum = @@global.binlog_checksum", err) ||
        lc_db_exec(src->db, "SET @mariadb_slave_capability = 4", err) ||
        lc_db_exec(src->db, sql, err))
        return -1;
    src->rpl = mariadb_rpl_init(src->db);
    if (!src->rpl)
        return lc_err_set(err, LC_E_OSERR, "mariadb_rpl_init failed (out of memory)");
    if (mariadb_rpl_optionsv(src->rpl, MARIADB_RPL_FILENAME, file, strlen(file)) ||
        mariadb_rpl_optionsv(src->rpl, MARIADB_RPL_START, (unsigned long)pos) ||
        mariadb_rpl_optionsv(src->rpl, MARIADB_RPL_SERVER_ID, client_id) ||
        mariadb_rpl_optionsv(src->rpl, MARIADB_RPL_FLAGS, flags))
        return lc_err_set(err, LC_E_SOFTWARE, "mariadb_rpl_optionsv failed");
    if (mariadb_rpl_open(src->rpl)) {
        if (mysql_errno(src->db))
            return lc_db_fail(src->db, err, "cannot start reading the binary log");
        return lc_err_set(err, LC_E_UNAVAILABLE, "cannot start reading the binary log at %s:%llu:"
                          " %s", file, (unsigned long long)pos, mariadb_rpl_error(src->rpl));
    }
    return 0;
}

int lc_binlog_source_fetch(struct lc_binlog_source *src, struct lc_binlog_event *ev,
                           struct lc_err *err)
{
    MARIADB_RPL_EVENT *e = mariadb_rpl_fetch(src->rpl, src->event);

    if (!e) {
        /* the library has released the event it was given (3.3.20 frees it on the
         * EOF and error paths): it must not be freed again */
        src->event = NULL;
        /* the server's error is on the connection; the rpl errno stays 0 (TECH-NOTES) */
        if (mysql_errno(src->db)) {
            lc_db_fail(src->db, err, "reading the binary log");
            err->status = LC_E_UNAVAILABLE;
            return -1;
        }
        if (mariadb_rpl_errno(src->rpl))
            return lc_err_set(err, LC_E_UNAVAILABLE, "reading the binary log: %s",
                              mariadb_rpl_error(src->rpl));
        return 0; /* EOF packet: the end of a non-blocking dump */
    }
    src->event = e;
    /* raw_data starts with the packet's OK byte */
    if (e->raw_data_size < 1 ||
        lc_binlog_event_parse(e->raw_data + 1, e->raw_data_size - 1, ev) != 1 ||
        ev->size != e->raw_data_size - 1)
        return lc_err_set(err, LC_E_DATA, "the server sent a malformed binlog event "
                          "(%zu bytes)", e->raw_data_size);
    return 1;
}

void lc_binlog_source_free(struct lc_binlog_source *src)
{
    if (!src)
        return;
    if (src->event)
        mariadb_free_rpl_event(src->event);
    if (src->rpl)
        mariadb_rpl_close(src->rpl);
    lc_db_close(src->db);
    free(src);
}
