/*
 * The config loader: defaults, every key type, the "file:line: [section] key" error
 * shape and status 78, duplicate and unknown keys and sections, target sections with
 * retention overrides, secret files (mode rule, status 77), and --check-config output
 * with secrets masked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/config_def.h"
#include "common/mem.h"

static char dir[] = "/tmp/lc-test-config-XXXXXX";

static char *write_file(const char *name, const char *text, mode_t mode)
{
    char *path = lc_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

/* Loads `text`; returns the status (0 on success) and leaves the message in err. */
static int load(const char *text, struct lc_config *cfg, struct lc_err *err)
{
    char *path = write_file("lcbp3.conf", text, 0600);
    int rc = lc_config_load(path, cfg, err);

    free(path);
    return rc == 0 ? 0 : (int)err->status;
}

static void test_defaults(void **state)
{
    struct lc_config cfg;
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(load("", &cfg, &err), 0);
    assert_string_equal(cfg.mariadb.host, "127.0.0.1");
    assert_int_equal(cfg.mariadb.port, 3306);
    assert_string_equal(cfg.mariadb.databases[0], "lcbp3_production");
    assert_null(cfg.mariadb.databases[1]);
    assert_null(cfg.mariadb.tables);
    assert_int_equal(cfg.mariadb.connect_timeout_ms, 10000);
    assert_int_equal(cfg.redis.mode, LC_REDIS_STANDALONE);
    assert_string_equal(cfg.redis.nodes[0], "127.0.0.1:6379");
    assert_string_equal(cfg.backup.spool_dir, "/var/lib/lcbp3/spool");
    assert_int_equal(cfg.backup.compression_level, 6);
    assert_int_equal(cfg.backup.threads, 0);
    assert_int_equal(cfg.retention.keep_days, 30);
    assert_int_equal(cfg.retention.min_keep, 3);
    assert_int_equal(cfg.retention.keep_daily, -1);
    assert_string_equal(cfg.numbering.reservation_pattern, "reservation:*");
    assert_string_equal(cfg.numbering.config_id_columns[0], "id");
    assert_null(cfg.numbering.config_id_columns[1]);
    assert_string_equal(cfg.numbering.sequence_value_column, "current_value");
    assert_string_equal(cfg.numbering.audit_issue_action, "GENERATE");
    assert_int_equal(cfg.numbering.default_max_value, 9999);
    assert_int_equal(cfg.integrity.max_backup_age_ms, 26LL * 3600 * 1000);
    assert_int_equal(cfg.integrity.warn_replication_lag_ms, 60000);
    assert_int_equal(cfg.integrity.crit_replication_lag_ms, 300000);
    assert_int_equal(cfg.integrity.warn_transaction_age_ms, 30000);
    assert_int_equal(cfg.integrity.crit_transaction_age_ms, 300000);
    assert_int_equal(cfg.integrity.warn_lock_wait_ms, 10000);
    assert_int_equal(cfg.integrity.warn_redis_memory, 80);
    assert_int_equal(cfg.integrity.crit_redis_memory, 90);
    assert_int_equal(cfg.n_targets, 0);
    assert_null(cfg.mariadb.password);
    assert_true(lc_config_threads(&cfg) >= 1);
    lc_config_done(&cfg);
}

static void test_values(void **state)
{
    struct lc_config cfg;
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(load("# comment\n[mariadb]\nport = 3307\ndatabase = a, b ,c\n"
                          "tables = t1,t2\nconnect_timeout = 2m\n"
                          "[redis]\nmode = cluster\nnodes = 10.0.0.1:7000,10.0.0.2:7000\n"
                          "[backup]\nthreads = 4\ncompression = none\n"
                          "[target.asustor]\nurl = sftp://u@h/volume1/x;y\nkeep_days = 90\n"
                          "bwlimit = 10M\n",
                          &cfg, &err), 0);
    assert_int_equal(cfg.mariadb.port, 3307);
    assert_string_equal(cfg.mariadb.databases[2], "c");
    assert_string_equal(cfg.mariadb.databases[1], "b");
    assert_string_equal(cfg.mariadb.tables[1], "t2");
    assert_int_equal(cfg.mariadb.connect_timeout_ms, 120000);
    assert_int_equal(cfg.redis.mode, LC_REDIS_CLUSTER);
    assert_string_equal(cfg.redis.nodes[1], "10.0.0.2:7000");
    assert_int_equal(lc_config_threads(&cfg), 4);
    assert_int_equal(cfg.backup.compression, LC_COMPRESS_NONE);
    assert_int_equal(cfg.n_targets, 1);
    /* no inline comments: a ';' stays part of the value */
    assert_string_equal(cfg.targets[0].url, "sftp://u@h/volume1/x;y");
    assert_int_equal(cfg.targets[0].bwlimit, 10 * 1024 * 1024);
    assert_int_equal(lc_config_target_retention(&cfg, &cfg.targets[0]).keep_days, 90);
    assert_int_equal(lc_config_target_retention(&cfg, &cfg.targets[0]).min_keep, 3);
    assert_int_equal(lc_config_target_retention(&cfg, NULL).keep_days, 30);
    lc_config_done(&cfg);
}

static void expect_error(const char *text, int status, const char *needle)
{
    struct lc_config cfg;
    struct lc_err err = LC_ERR_INIT;
    int got = load(text, &cfg, &err);

    if (got != status || !strstr(err.msg, needle))
        fail_msg("config <<%s>>: status %d, message '%s'; wanted %d and '%s'", text, got, err.msg,
                 status, needle);
    lc_config_done(&cfg);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("[mariadb]\nhost = x\nprot = 3306\n", 78, "lcbp3.conf:3: [mariadb] prot: unknown key");
    expect_error("[mariadb]\nport = 99999\n", 78, ":2: [mariadb] port: ");
    expect_error("[mariadb]\nport = 12abc\n", 78, "[mariadb] port");
    expect_error("[mariadb]\nport = 1\nport = 2\n", 78, ":3: [mariadb] port: set twice");
    expect_error("[maria]\nport = 1\n", 78, ":2: [maria]: unknown section");
    expect_error("[mariadb]\nconnect_timeout = 10 parsecs\n", 78, "[mariadb] connect_timeout");
    expect_error("[mariadb]\nsocket = relative/path\n", 78, "not an absolute path");
    expect_error("[mariadb]\ndatabase = a,,b\n", 78, "empty item");
    expect_error("[redis]\nmode = ring\n", 78, "not one of standalone, sentinel, cluster");
    expect_error("[redis]\nmode = sentinel\n", 78, "master_name is required");
    expect_error("[backup]\ncompression = zstd\n", 78, "not one of gzip, none");
    expect_error("[backup]\ncompression_level = 13\n", 78, "out of range");
    expect_error("[target.x y]\nurl = file:///a\n", 78, "target name 'x y'");
    expect_error("[target.nas]\nurl = ftp://nas/x\n", 78, "not a file://");
    expect_error("[target.nas]\nkeep_days = 3\n", 78, "url is required");
    expect_error("[integrity]\nwarn_utilization = 95\n", 78, "above crit_utilization");
    expect_error("[integrity]\nwarn_replication_lag = 10m\n", 78, "warn_replication_lag is above crit_replication_lag");
    expect_error("[integrity]\ncrit_transaction_age = 10s\n", 78, "warn_transaction_age is above crit_transaction_age");
    expect_error("[integrity]\nwarn_redis_memory = 95\n", 78, "warn_redis_memory is above crit_redis_memory");
    expect_error("[integrity]\nwarn_lock_wait = 0s\n", 78, "[integrity] warn_lock_wait");
    expect_error("this is not ini\n", 78, ":1: syntax error");
}

static void test_missing_file(void **state)
{
    struct lc_config cfg;
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(lc_config_load("/nonexistent/lcbp3.conf", &cfg, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "cannot read config file '/nonexistent/lcbp3.conf'"));
    lc_config_done(&cfg);
}

static void test_secrets(void **state)
{
    struct lc_config cfg;
    struct lc_err err = LC_ERR_INIT;
    char *good = write_file("good.pw", "s3cret\n", 0600);
    char *open_pw = write_file("open.pw", "s3cret\n", 0644);
    char *text = lc_xasprintf("[mariadb]\npassword_file = %s\n", good);
    char *bad = lc_xasprintf("[redis]\npassword_file = %s\n", open_pw);
    char *printed = NULL;
    size_t printed_len = 0;
    FILE *out;

    (void)state;
    assert_int_equal(load(text, &cfg, &err), 0);
    assert_string_equal(cfg.mariadb.password, "s3cret");
    out = open_memstream(&printed, &printed_len);
    lc_config_print(&cfg, out);
    fclose(out);
    assert_null(strstr(printed, "s3cret"));
    assert_non_null(strstr(printed, "# password = <redacted>"));
    assert_non_null(strstr(printed, "port = 3306"));
    free(printed);
    lc_config_done(&cfg);

    assert_int_equal(load(bad, &cfg, &err), 77);
    assert_non_null(strstr(err.msg, "accessible by group or others (mode 0644)"));
    assert_non_null(strstr(err.hint, "chmod 600"));
    lc_config_done(&cfg);

    setenv("LCBP3_REDIS_PASSWORD", "from-env", 1);
    assert_int_equal(load(bad, &cfg, &err), 0);
    assert_string_equal(cfg.redis.password, "from-env");
    lc_config_done(&cfg);
    unsetenv("LCBP3_REDIS_PASSWORD");

    unlink(good);
    unlink(open_pw);
    free(good);
    free(open_pw);
    free(text);
    free(bad);
}

static void test_credentials_directory(void **state)
{
    struct lc_config cfg;
    struct lc_err err = LC_ERR_INIT;
    char *cred = write_file("mariadb-password", "from-systemd\n", 0400);

    (void)state;
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    assert_int_equal(load("", &cfg, &err), 0);
    assert_string_equal(cfg.mariadb.password, "from-systemd");
    lc_config_done(&cfg);
    unlink(cred);
    free(cred);
    /* the units' "SetCredential=mariadb-password:\n" when the file is missing: none */
    cred = write_file("mariadb-password", "\n", 0400);
    assert_int_equal(load("", &cfg, &err), 0);
    assert_null(cfg.mariadb.password);
    lc_config_done(&cfg);
    unsetenv("CREDENTIALS_DIRECTORY");
    unlink(cred);
    free(cred);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *data = lc_xcalloc(1, 1 << 20);

    if (!f)
        fail_msg("cannot open '%s'", path);
    (void)!fread(data, 1, (1 << 20) - 1, f);
    fclose(f);
    return data;
}

/* Help and docs cannot drift from the key table: every key is documented. */
static void test_documented(void **state)
{
    char *man = slurp(LC_TEST_DATA "/../../docs/lcbp3.conf.5");
    char *example = slurp(LC_TEST_DATA "/../../conf/lcbp3.conf.example");

    (void)state;
    for (size_t idx = 0; idx < lc_key_defs_len; idx++) {
        char *man_entry = lc_xasprintf(".B %s\n", lc_key_defs[idx].key);
        char *example_entry = lc_xasprintf("%s = ", lc_key_defs[idx].key);

        if (!strstr(man, man_entry))
            fail_msg("key '%s' is missing from docs/lcbp3.conf.5", lc_key_defs[idx].key);
        if (!strstr(example, example_entry))
            fail_msg("key '%s' is missing from conf/lcbp3.conf.example", lc_key_defs[idx].key);
        free(man_entry);
        free(example_entry);
    }
    free(man);
    free(example);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_credentials_directory),
        cmocka_unit_test(test_documented),
    };
    int failed;

    if (!mkdtemp(dir))
        return 1;
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    {
        char *conf = lc_xasprintf("%s/lcbp3.conf", dir);

        unlink(conf);
        free(conf);
    }
    rmdir(dir);
    return failed;
}
