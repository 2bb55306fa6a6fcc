/*
 * The integrity checks of the numbering tables, run against the scratch copy:
 * `lcbp3-integrity --config TMP sequences` as a child process. lcbp3-integrity reads
 * [mariadb] database, so TMP is the drill's effective configuration (as --check-config
 * prints it: secrets masked, password_file paths kept, never a secret itself) with
 * database = the scratch database and no [metrics] (the drill must not overwrite
 * production's integrity metrics). TMP is 0600, in the report directory, removed after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "tools/dr/dr.h"
#include "tools/dr/drill.h"

#define INTEGRITY_TIMEOUT_MS (30 * 60 * 1000LL)

/* 1 for a line "key = " without a value (the loader refuses those: unset keys are
 * left out). */
static int empty_value(const char *line, size_t len)
{
    return len >= 3 && strncmp(line + len - 3, " = ", 3) == 0;
}

/* The effective configuration rewritten for the scratch copy (a new string); NULL
 * when the memory stream cannot be opened. */
static char *scratch_config(const struct lc_config *cfg, const char *scratch)
{
    struct lc_buf out = LC_BUF_INIT;
    char *text = NULL, *line, *next;
    size_t size = 0;
    const char *section = "";
    FILE *f = open_memstream(&text, &size);

    if (!f)
        return NULL;
    lc_config_print(cfg, f);
    fclose(f);
    for (line = text; line && *line; line = next) {
        size_t len = strcspn(line, "\n");

        next = line[len] ? line + len + 1 : line + len;
        if (line[0] == '[')
            section = line;
        if (empty_value(line, len))
            continue;
        if (strncmp(section, "[metrics]", 9) == 0 && line[0] != '[')
            continue;
        if (strncmp(section, "[mariadb]", 9) == 0 && strncmp(line, "database = ", 11) == 0) {
            lc_buf_printf(&out, "database = %s\n", scratch);
            continue;
        }
        lc_buf_append(&out, line, len);
        lc_buf_putc(&out, '\n');
    }
    free(text);
    return lc_buf_steal(&out);
}

/* lcbp3-integrity's status (monitoring-plugin codes) as a check. */
static void add_check(struct drill *d, const struct dr_exec_result *r)
{
    static const char *const words[] = {"OK", "WARNING", "CRITICAL"};

    if (r->exit_code >= 0 && r->exit_code <= 2)
        drill_check_add(d, "integrity_sequences", r->exit_code == 0 ? DRILL_OK : DRILL_WARN,
                        "lcbp3-integrity sequences on '%s': %s (findings in the data of the "
                        "set, as production would show them; details in the log)",
                        d->scratch_db, words[r->exit_code]);
    else
        drill_check_add(d, "integrity_sequences", DRILL_FAILED,
                        "lcbp3-integrity sequences on '%s' could not check (exit %d%s); see "
                        "the log", d->scratch_db, r->exit_code, r->timed_out ? ", timed out" : "");
}

int drill_integrity(const struct lc_config *cfg, const char *dir, struct drill *d,
                    struct lc_err *err)
{
    char *conf = scratch_config(cfg, d->scratch_db);
    char *path = lc_xasprintf("%s/.drill-%s.conf", dir, d->stamp);
    char *tool = dr_tool_path("lcbp3-integrity");
    char opt_config[] = "--config", command[] = "sequences";
    char *argv[] = {tool, opt_config, path, command, NULL};
    struct dr_exec_result res;
    int rc = -1;

    if (!conf) {
        lc_err_sys(err, LC_E_OSERR, "cannot print the configuration for lcbp3-integrity");
        goto out;
    }
    if (lc_fs_write_atomic(path, conf, strlen(conf), 0600, err) < 0)
        goto out;
    if (dr_exec(argv, INTEGRITY_TIMEOUT_MS, d->log_path, &res, err) < 0)
        goto out;
    add_check(d, &res);
    rc = 0;
out:
    if (unlink(path) < 0 && rc == 0)
        lc_log_warn("cannot remove '%s', skipping", path);
    free(tool);
    free(path);
    free(conf);
    return rc;
}
