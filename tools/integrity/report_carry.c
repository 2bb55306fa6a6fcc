/*
 * The textfile after a run of one command. `lcbp3-integrity all` (weekly) and
 * `lcbp3-integrity backups` (daily) write the same <stem>-integrity.prom, and two files
 * cannot share it: node_exporter refuses a series that two files hold. So a run of one
 * command keeps what it did not check: every sample of the previous file whose metric
 * this run did not record, and the check statuses of the other groups. The alerts on
 * the weekly run's sequences and health then stay as they were between two weekly runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "tools/integrity/integrity.h"

#define PREVIOUS_MAX (16 * 1024 * 1024)
#define CHECK_STATUS "lcbp3_integrity_check_status"

/* The previous file's text, or NULL. */
static char *read_previous(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text;
    size_t len;

    if (!f)
        return NULL;
    text = lc_xmalloc(PREVIOUS_MAX + 1);
    len = fread(text, 1, PREVIOUS_MAX, f);
    fclose(f);
    text[len] = '\0';
    return text;
}

/* Whether `name` has a "# TYPE name " line in the rendered text. */
static int recorded(const char *rendered, const char *name)
{
    char *needle = lc_xasprintf("# TYPE %s ", name);
    int found = strstr(rendered, needle) != NULL;

    free(needle);
    return found;
}

/* The HELP lines of the previous file, in the order read. */
struct helps {
    char **names;
    char **texts;
    size_t len;
};

static void helps_add(struct helps *h, const char *line)
{
    const char *name = line + strlen("# HELP ");
    size_t n = strcspn(name, " ");

    h->names = lc_xrealloc(h->names, (h->len + 1) * sizeof(*h->names));
    h->texts = lc_xrealloc(h->texts, (h->len + 1) * sizeof(*h->texts));
    h->names[h->len] = lc_xstrndup(name, n);
    h->texts[h->len] = lc_xstrdup(name[n] ? name + n + 1 : "");
    h->len++;
}

static const char *helps_find(const struct helps *h, const char *name)
{
    for (size_t i = 0; i < h->len; i++)
        if (strcmp(h->names[i], name) == 0)
            return h->texts[i];
    return "kept from the previous run";
}

static void helps_done(struct helps *h)
{
    for (size_t i = 0; i < h->len; i++) {
        free(h->names[i]);
        free(h->texts[i]);
    }
    free(h->names);
    free(h->texts);
}

/*
 * Splits a sample line "name{labels} value" or "name value": 0 with the parts (new
 * strings; labels "" when none), -1 when the line is not a sample.
 */
static int parse_sample(const char *line, char **name, char **labels, double *value)
{
    size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_:ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const char *p = line + n, *start;
    char *end;

    if (n == 0)
        return -1;
    start = p;
    if (*p == '{') {
        int quoted = 0;

        for (p++; *p && (quoted || *p != '}'); p++) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                quoted = !quoted;
        }
        if (*p != '}')
            return -1;
        p++;
    }
    *value = strtod(p, &end);
    if (end == p)
        return -1;
    *name = lc_xstrndup(line, n);
    *labels = *start == '{' ? lc_xstrndup(start + 1, (size_t)(p - start - 2)) : lc_xstrdup("");
    return 0;
}

/* Whether a check-status sample's labels name group `group`. */
static int of_group(const char *labels, const char *group)
{
    char *needle = lc_xasprintf("group=\"%s\"", group);
    int yes = strstr(labels, needle) != NULL;

    free(needle);
    return yes;
}

enum ic_status ic_report_carry_over(struct lc_metrics *m, const char *path, const char *group)
{
    char *previous = read_previous(path);
    char *rendered;
    struct helps helps = {NULL, NULL, 0};
    enum ic_status worst = IC_OK;
    char *line, *save = NULL;

    if (!previous)
        return IC_OK;
    rendered = lc_metrics_render(m);
    for (line = strtok_r(previous, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *name, *labels;
        double value;
        int keep;

        if (strncmp(line, "# HELP ", 7) == 0)
            helps_add(&helps, line);
        if (line[0] == '#' || parse_sample(line, &name, &labels, &value) < 0)
            continue;
        if (strcmp(name, CHECK_STATUS) == 0)
            keep = !of_group(labels, group);
        else
            keep = !recorded(rendered, name) && strcmp(name, "lcbp3_integrity_status") != 0 &&
                   strcmp(name, "lcbp3_integrity_last_run_timestamp_seconds") != 0;
        if (keep) {
            lc_metrics_gauge(m, name, helps_find(&helps, name), labels[0] ? labels : NULL,
                             value);
            if (strcmp(name, CHECK_STATUS) == 0 && value >= IC_OK && value <= IC_UNKNOWN)
                worst = ic_status_worse(worst, (enum ic_status)value);
        }
        free(name);
        free(labels);
    }
    helps_done(&helps);
    free(previous);
    free(rendered);
    return worst;
}
