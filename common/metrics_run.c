/*
 * The standard metrics of a run (see metrics_run.h).
 */
#include "common/metrics_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"

char *lc_metrics_run_textfile(const struct lc_metrics_cfg *cfg, const char *tool)
{
    const char *path = cfg->textfile;
    size_t len;

    if (!path)
        return NULL;
    if (strcmp(tool, "backup") == 0)
        return lc_xstrdup(path);
    len = strlen(path);
    if (len > 5 && strcmp(path + len - 5, ".prom") == 0)
        return lc_xasprintf("%.*s-%s.prom", (int)(len - 5), path, tool);
    return lc_xasprintf("%s-%s.prom", path, tool);
}

/* The value of `name` in an earlier textfile, 0 when absent. */
static double textfile_value(const char *textfile, const char *name)
{
    char line[256];
    size_t len = strlen(name);
    double value = 0;
    FILE *f = textfile ? fopen(textfile, "re") : NULL;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, name, len) == 0 && line[len] == ' ')
            value = strtod(line + len + 1, NULL);
    fclose(f);
    return value;
}

double lc_metrics_run_previous(const struct lc_metrics_cfg *cfg, const char *tool, const char *name)
{
    char *textfile = lc_metrics_run_textfile(cfg, tool);
    double value = textfile_value(textfile, name);

    free(textfile);
    return value;
}

void lc_metrics_run_add(struct lc_metrics *m, const struct lc_metrics_cfg *cfg,
                        const struct lc_metrics_run *run)
{
    char *textfile = lc_metrics_run_textfile(cfg, run->tool);
    char *name = lc_xasprintf("%s_last_success_timestamp_seconds", run->prefix);
    double last_success = run->exit_code == 0 ? (double)time(NULL) : textfile_value(textfile, name);

    if (last_success > 0)
        lc_metrics_gauge(m, name, "time of the last successful run", NULL, last_success);
    free(name);
    name = lc_xasprintf("%s_last_run_timestamp_seconds", run->prefix);
    lc_metrics_gauge(m, name, "time the last run started", NULL, (double)run->started);
    free(name);
    name = lc_xasprintf("%s_last_run_success", run->prefix);
    lc_metrics_gauge(m, name, "1 if the last run succeeded, else 0", NULL, run->exit_code == 0);
    free(name);
    name = lc_xasprintf("%s_last_exit_code", run->prefix);
    lc_metrics_gauge(m, name, "exit status of the last run", NULL, run->exit_code);
    free(name);
    name = lc_xasprintf("%s_duration_seconds", run->prefix);
    lc_metrics_gauge(m, name, "wall time of the last run", NULL, run->duration);
    free(name);
    free(textfile);
}

void lc_metrics_run_publish(const struct lc_metrics *m, const struct lc_metrics_cfg *cfg,
                            const char *tool)
{
    struct lc_err err = LC_ERR_INIT;
    char *textfile = lc_metrics_run_textfile(cfg, tool);

    if (textfile && lc_metrics_write_textfile(m, textfile, &err) < 0)
        lc_log_warn("%s, skipping", err.msg);
    /* pushadd replaces only the names sent, so a failed run keeps the last success. */
    if (cfg->pushgateway_url && lc_metrics_push(m, cfg->pushgateway_url, cfg->job, NULL, &err) < 0)
        lc_log_warn("%s, skipping", err.msg);
    free(textfile);
}
