/*
 * Prometheus text exposition (see metrics.h): a list of gauge samples kept in
 * recording order, rendered grouped by name, written as a textfile-collector file or
 * POSTed to a Pushgateway with libcurl. Sample counts are small (tens), so lookups are
 * linear.
 */
#include "common/metrics.h"

#include <assert.h>
#include <curl/curl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/http.h"
#include "common/mem.h"

#define PUSH_TIMEOUT_MS 10000L
#define PUSH_CONNECT_TIMEOUT_MS 5000L
#define PUSH_BODY_KEEP 1024   /* bytes of a response body kept for the error message */

struct sample {
    char *name;
    char *help;
    char *labels;             /* "" when none */
    double value;
    const char *type;         /* "gauge" or "counter" */
};

struct lc_metrics {
    struct sample *v;
    size_t n;
    size_t cap;
};

struct lc_metrics *lc_metrics_new(void)
{
    return lc_xcalloc(1, sizeof(struct lc_metrics));
}

void lc_metrics_free(struct lc_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].name);
        free(m->v[i].help);
        free(m->v[i].labels);
    }
    free(m->v);
    free(m);
}

static int valid_name(const char *s)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789";

    return *s && !(*s >= '0' && *s <= '9') && s[strspn(s, ok)] == '\0';
}

static void record(struct lc_metrics *m, const char *type, const char *name, const char *help,
                   const char *labels, double value)
{
    struct sample *s;

    assert(name && valid_name(name));
    if (!labels)
        labels = "";
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].name, name) == 0 && strcmp(m->v[i].labels, labels) == 0) {
            m->v[i].value = value;
            return;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->v = lc_xrealloc(m->v, m->cap * sizeof(*m->v));
    }
    s = &m->v[m->n++];
    s->name = lc_xstrdup(name);
    s->help = lc_xstrdup(help ? help : "");
    s->labels = lc_xstrdup(labels);
    s->value = value;
    s->type = type;
}

void lc_metrics_gauge(struct lc_metrics *m, const char *name, const char *help,
                      const char *labels, double value)
{
    record(m, "gauge", name, help, labels, value);
}

void lc_metrics_counter(struct lc_metrics *m, const char *name, const char *help,
                        const char *labels, double value)
{
    record(m, "counter", name, help, labels, value);
}

/* Appends `s` with backslash and newline escaped, and the double quote too if `quote`. */
static void put_escaped(struct lc_buf *b, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            lc_buf_puts(b, "\\\\");
        else if (*s == '\n')
            lc_buf_puts(b, "\\n");
        else if (*s == '"' && quote)
            lc_buf_puts(b, "\\\"");
        else
            lc_buf_putc(b, *s);
    }
}

char *lc_metrics_escape_label(const char *value)
{
    struct lc_buf b = LC_BUF_INIT;

    put_escaped(&b, value, 1);
    return lc_buf_steal(&b);
}

char *lc_metrics_labels(const char *name, const char *value, ...)
{
    struct lc_buf b = LC_BUF_INIT;
    va_list ap;

    va_start(ap, value);
    while (name) {
        if (b.len)
            lc_buf_putc(&b, ',');
        lc_buf_printf(&b, "%s=\"", name);
        put_escaped(&b, value ? value : "", 1);
        lc_buf_putc(&b, '"');
        name = va_arg(ap, const char *);
        if (name)
            value = va_arg(ap, const char *);
    }
    va_end(ap);
    return lc_buf_steal(&b);
}

/* Integers print exactly; other values with the shortest precision that reads back. */
static void format_value(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "NaN");
    else if (isinf(v))
        snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
    else if (v == 0)
        snprintf(buf, len, "0");  /* also -0 */
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(buf, len, "%.0f", v);
    else {
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, len, "%.17g", v);
    }
}

char *lc_metrics_render(const struct lc_metrics *m)
{
    struct lc_buf b = LC_BUF_INIT;
    char value[64];

    for (size_t i = 0; i < m->n; i++) {
        size_t first = 0;

        while (strcmp(m->v[first].name, m->v[i].name) != 0)
            first++;
        if (first < i)
            continue;         /* this name was rendered with its first sample */
        lc_buf_printf(&b, "# HELP %s ", m->v[i].name);
        put_escaped(&b, m->v[i].help, 0);
        lc_buf_printf(&b, "\n# TYPE %s %s\n", m->v[i].name, m->v[i].type);
        for (size_t j = i; j < m->n; j++) {
            if (strcmp(m->v[j].name, m->v[i].name) != 0)
                continue;
            format_value(m->v[j].value, value, sizeof(value));
            if (m->v[j].labels[0])
                lc_buf_printf(&b, "%s{%s} %s\n", m->v[j].name, m->v[j].labels, value);
            else
                lc_buf_printf(&b, "%s %s\n", m->v[j].name, value);
        }
    }
    return lc_buf_steal(&b);
}

int lc_metrics_write_textfile(const struct lc_metrics *m, const char *path, struct lc_err *err)
{
    char *text = lc_metrics_render(m);
    int rc = -1;

    if (lc_fs_write_atomic(path, text, strlen(text), 0644, err) < 0) {
        lc_err_prefix(err, "metrics textfile '%s'", path);
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}

/* A copy of `url` with any "user:password@" replaced by "***@", for messages. */
/* "<label>/<percent-encoded value>", or "<label>@base64/<base64url>" when the value
 * has a '/' (the Pushgateway's rule for values that cannot be one path segment). */
static char *path_label(const char *label, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    struct lc_buf b = LC_BUF_INIT;
    size_t len = strlen(value);
    unsigned char *b64;

    if (!strchr(value, '/')) {
        lc_buf_printf(&b, "%s/", label);
        for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
                lc_buf_putc(&b, (char)*p);
            } else {
                lc_buf_putc(&b, '%');
                lc_buf_putc(&b, hex[*p >> 4]);
                lc_buf_putc(&b, hex[*p & 15]);
            }
        }
        return lc_buf_steal(&b);
    }
    b64 = lc_xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock(b64, (const unsigned char *)value, (int)len);
    for (unsigned char *p = b64; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
    lc_buf_printf(&b, "%s@base64/%s", label, (char *)b64);
    free(b64);
    return lc_buf_steal(&b);
}

/* uncovered: keep_body and the HTTP status check need a listener, which unit tests do
 * not start; they are exercised by hand against a Pushgateway stand-in */
static size_t keep_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct lc_buf *b = userdata;
    size_t n = size * nmemb;

    if (b->len < PUSH_BODY_KEEP)
        lc_buf_append(b, data, n < PUSH_BODY_KEEP - b->len ? n : PUSH_BODY_KEEP - b->len);
    return n;
}

int lc_metrics_push(const struct lc_metrics *m, const char *url, const char *job,
                    const char *instance_or_null, struct lc_err *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct lc_buf resp = LC_BUF_INIT;
    struct curl_slist *headers = NULL;
    CURL *c = NULL;
    char *job_part = NULL;
    char *inst_part = NULL;
    char *full = NULL;
    char *shown = NULL;
    char *body = NULL;
    size_t base_len = strlen(url);
    long status = 0;
    CURLcode cc;
    int rc = -1;

    shown = lc_http_redact_url(url);
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        lc_err_set(err, LC_E_CONFIG, "pushgateway url '%s' is not http:// or https://", shown);
        goto out;
    }
    if (!job || !*job) {
        lc_err_set(err, LC_E_CONFIG, "push to '%s' failed: the job name is empty", shown);
        goto out;
    }
    c = curl_easy_init();
    if (!c) {
        /* uncovered: curl_easy_init fails only when out of memory */
        lc_err_set(err, LC_E_SOFTWARE, "push to '%s' failed: curl_easy_init failed", shown);
        goto out;
    }
    while (base_len && url[base_len - 1] == '/')
        base_len--;
    job_part = path_label("job", job);
    if (instance_or_null && *instance_or_null)
        inst_part = path_label("instance", instance_or_null);
    full = lc_xasprintf("%.*s/metrics/%s%s%s", (int)base_len, url, job_part,
                        inst_part ? "/" : "", inst_part ? inst_part : "");
    free(shown);
    shown = lc_http_redact_url(full);
    body = lc_metrics_render(m);
    headers = curl_slist_append(headers, "Content-Type: text/plain; version=0.0.4");
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lcbp3-ops/" LC_VERSION);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, PUSH_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, PUSH_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        lc_err_set(err, LC_E_UNAVAILABLE, "push to '%s' failed: %s", shown,
                   errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        lc_err_set(err, LC_E_UNAVAILABLE, "push to '%s' failed: HTTP %ld: %.*s", shown, status,
                   (int)strcspn(resp.data ? resp.data : "", "\r\n"),
                   resp.data ? resp.data : "");
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(headers);
    if (c)
        curl_easy_cleanup(c);
    lc_buf_done(&resp);
    free(body);
    free(full);
    free(inst_part);
    free(job_part);
    free(shown);
    return rc;
}
