/*
 * The backend's health endpoint ([dr] health_url): one GET with a 10 s bound, on the
 * libcurl layer of common/http.h (TLS always verified, the system CAs). A 2xx answer is
 * OK with its latency; anything else, or no answer, is CRITICAL with the status and the
 * first line of the body, so the on-call engineer sees what the backend said.
 */
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "common/mem.h"
#include "tools/integrity/health.h"

#define HEALTH_TIMEOUT_MS 10000

/* The first line of the body, at most 200 bytes, printable only (new string). */
static char *first_line(const struct lc_buf *body)
{
    size_t len = body->data ? strcspn(body->data, "\r\n") : 0;
    char *line;

    if (len > 200)
        len = 200;
    line = lc_xstrndup(body->data ? body->data : "", len);
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return line;
}

void ic_health_http(const struct lc_config *cfg, struct ic_report *r)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_buf body = LC_BUF_INIT;
    struct timespec start;
    char *shown, *line = NULL, *detail = NULL;
    long status = 0;
    double ms;

    if (!cfg->dr.health_url)
        return;
    shown = lc_http_redact_url(cfg->dr.health_url);
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (lc_http_get(cfg->dr.health_url, HEALTH_TIMEOUT_MS, &status, &body, &err) < 0) {
        ic_report_addf(r, "backend.health", IC_CRITICAL, "HTTP 2xx", err.msg,
                       "check that the backend runs and listens there (its container or "
                       "service, its log) and that [dr] health_url is right",
                       NULL, "no answer");
        goto out;
    }
    ms = ic_health_elapsed_ms(&start);
    lc_metrics_gauge(ic_report_metrics(r), "lcbp3_backend_health_status",
                     "HTTP status of the backend's /health (0: no answer)", NULL, (double)status);
    if (status >= 200 && status < 300) {
        ic_report_addf(r, "backend.health", IC_OK, "HTTP 2xx", NULL, NULL, NULL,
                       "HTTP %ld, %.1f ms", status, ms);
        lc_metrics_gauge(ic_report_metrics(r), "lcbp3_backend_health_latency_seconds",
                         "time to the backend's /health answer", NULL, ms / 1000.0);
        goto out;
    }
    line = first_line(&body);
    detail = lc_xasprintf("%s answered HTTP %ld%s%s", shown, status, *line ? ": " : "", line);
    ic_report_addf(r, "backend.health", IC_CRITICAL, "HTTP 2xx", detail,
                   "read the backend's log: its /health reports what it depends on (database, "
                   "Redis) and fails when one of them does",
                   NULL, "HTTP %ld", status);
out:
    if (status == 0)
        lc_metrics_gauge(ic_report_metrics(r), "lcbp3_backend_health_status",
                         "HTTP status of the backend's /health (0: no answer)", NULL, 0);
    free(detail);
    free(line);
    lc_buf_done(&body);
    free(shown);
}
