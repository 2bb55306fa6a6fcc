/*
 * Prometheus metrics of a run, in the text exposition format (version 0.0.4): built
 * up as gauges while a tool works, then written atomically as a node_exporter
 * textfile-collector file and/or pushed to a Pushgateway. Follows the batch-job
 * conventions of TECH-NOTES §4.6: `*_last_success_timestamp_seconds` and friends,
 * pushed with POST so that a failed run does not erase the last success.
 */
#ifndef LC_METRICS_H
#define LC_METRICS_H

#include "common/error.h"

struct lc_metrics;

/* An empty set of samples; never NULL (exits 71 on out-of-memory). */
struct lc_metrics *lc_metrics_new(void);
void lc_metrics_free(struct lc_metrics *m);  /* accepts NULL */

/*
 * Records a gauge sample. `name` must be a valid metric name
 * ([a-zA-Z_:][a-zA-Z0-9_:]*; asserted: names are constants in the code). `help` is
 * the HELP text (escaped on output); the first help given for a name wins.
 * `labels` is NULL or the inside of the braces with values already escaped, e.g.
 * "kind=\"daily\",target=\"asustor\"" — build it with lc_metrics_labels() when a value
 * comes from config or data. Recording the same name and labels again replaces the
 * value (Prometheus rejects duplicate series). All strings are copied.
 */
void lc_metrics_gauge(struct lc_metrics *m, const char *name, const char *help,
                      const char *labels, double value);

/*
 * Records a counter sample (TYPE counter), as lc_metrics_gauge(). A batch job's counter
 * is its previous value (lc_metrics_run_previous()) plus this run's figure; its name
 * ends in _total.
 */
void lc_metrics_counter(struct lc_metrics *m, const char *name, const char *help,
                        const char *labels, double value);

/*
 * Returns a malloc'd label string `n1="v1",n2="v2"` from NULL-terminated pairs of
 * (label name, raw value), escaping each value (\ as \\, " as \", newline as \n);
 * a NULL value is written as "".
 * lc_metrics_labels("target", t->name, "kind", "daily", NULL).
 */
char *lc_metrics_labels(const char *name, const char *value, ...)
    __attribute__((sentinel));

/* Returns a malloc'd copy of `value` escaped for a label value (\\, \", \n). */
char *lc_metrics_escape_label(const char *value);

/*
 * Renders the exposition text (malloc'd, NUL-terminated, ends with a newline unless
 * empty): for each metric name in the order it was first recorded, "# HELP" and
 * "# TYPE <name> gauge" (or counter) once, then its samples in recording order. Values that are
 * integers below 2^53 print exactly ("1763870400", not "1.7638704e+09"), other values
 * with the shortest of %.15g/%.17g that reads back exactly; NaN and infinities as
 * "NaN", "+Inf", "-Inf".
 */
char *lc_metrics_render(const struct lc_metrics *m);

/*
 * Writes the rendered text to `path` (a *.prom file in node_exporter's
 * --collector.textfile.directory) atomically with lc_fs_write_atomic() — the temporary
 * "<path>.partial" does not match *.prom, so a scrape never sees half a file — with
 * mode 0644 whatever the umask (lc_fs_write_atomic fchmods), because node_exporter
 * runs as another user.
 * On failure returns -1 with err set by the file-system layer, prefixed with
 * "metrics textfile '<path>'"; a previous file at `path` is left intact.
 */
int lc_metrics_write_textfile(const struct lc_metrics *m, const char *path, struct lc_err *err);

/*
 * POSTs the rendered text (Pushgateway "pushadd": replaces only the metric names sent)
 * to <url>/metrics/job/<job>[/instance/<instance>], with a 10 s timeout. Label values
 * in the path are URL-escaped, or sent as "@base64" when they contain '/'. `job` must
 * not be empty; `instance` may be NULL (then no instance label, as TECH-NOTES §4.6
 * advises for jobs that are not per-host). On failure returns -1 with
 * LC_E_UNAVAILABLE and "push to '<url>' failed: " followed by curl's error text or
 * "HTTP <status>: <first line of the response body>"; the password in the URL is
 * never shown. LC_E_CONFIG for an empty job or a URL that is not http(s).
 */
int lc_metrics_push(const struct lc_metrics *m, const char *url, const char *job,
                    const char *instance_or_null, struct lc_err *err);

#endif
