/*
 * The libcurl layer of the network target drivers: common options, error mapping and
 * the stream callbacks (see http.h).
 */
#include "common/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    (void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

int lc_http_init(struct lc_http *h, const struct lc_target_cfg *cfg, struct lc_err *err)
{
    memset(h, 0, sizeof(*h));
    pthread_once(&global_once, global_init);
    h->curl = curl_easy_init();
    if (!h->curl)
        return lc_err_set(err, LC_E_OSERR, "curl_easy_init failed");
    h->cfg = cfg;
    lc_http_prepare(h);
    return 0;
}

void lc_http_done(struct lc_http *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
}

void lc_http_prepare(struct lc_http *h)
{
    CURL *c = h->curl;
    long timeout_s = (long)((h->cfg->timeout_ms + 999) / 1000);

    curl_easy_reset(c);
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "lcbp3-ops/" LC_VERSION);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,sftp");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)h->cfg->timeout_ms);
    /* "timeout" is a stall bound: less than 1 byte/s for that long ends the transfer */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout_s);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->cfg->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->cfg->ca_file);
    if (h->cfg->bwlimit > 0) {
        curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)h->cfg->bwlimit);
        curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)h->cfg->bwlimit);
    }
}

static enum lc_status curl_status(CURLcode cc)
{
    switch (cc) {
    case CURLE_LOGIN_DENIED:
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return LC_E_NOPERM;
    case CURLE_REMOTE_FILE_NOT_FOUND:
        return LC_E_NOINPUT;
    case CURLE_REMOTE_DISK_FULL:
    case CURLE_UPLOAD_FAILED:
    case CURLE_QUOTE_ERROR:
        return LC_E_IO;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return LC_E_CONFIG;
    default:
        /* connection refused or reset, timeouts, DNS, TLS handshake, SSH session */
        return LC_E_UNAVAILABLE;
    }
}

int lc_http_perform(struct lc_http *h, const char *what, long *out_status, struct lc_err *err)
{
    CURLcode cc = curl_easy_perform(h->curl);
    long status = 0;

    if (cc != CURLE_OK)
        return lc_err_set(err, curl_status(cc), "%s: %s", what,
                          h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    if (out_status)
        *out_status = status;
    return 0;
}

int lc_http_check_status(long status, const char *what, const char *detail, struct lc_err *err)
{
    enum lc_status st;

    if (status >= 200 && status < 300)
        return 0;
    if (status == 401 || status == 403)
        st = LC_E_NOPERM;
    else if (status == 404 || status == 410)
        st = LC_E_NOINPUT;
    else if (status == 507 || status == 413)
        st = LC_E_IO;
    else if (status == 408 || status == 429 || status >= 500)
        st = LC_E_UNAVAILABLE;
    else
        st = LC_E_DATA;
    if (detail && *detail)
        return lc_err_set(err, st, "%s: HTTP %ld: %s", what, status, detail);
    return lc_err_set(err, st, "%s: HTTP %ld", what, status);
}

size_t lc_http_write_buf(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    lc_buf_append(userdata, ptr, size * nmemb);
    return size * nmemb;
}

void lc_http_upload_init(struct lc_http_upload *up, const struct lc_target_source *src)
{
    memset(up, 0, sizeof(*up));
    up->src = src;
}

size_t lc_http_read_source(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct lc_http_upload *up = userdata;
    ssize_t n = up->src->read(up->src->ctx, buf, size * nitems, &up->err);

    if (n < 0)
        return CURL_READFUNC_ABORT;
    up->sent += (uint64_t)n;
    return (size_t)n;
}

void lc_http_download_init(struct lc_http_download *down, const struct lc_target_sink *sink)
{
    memset(down, 0, sizeof(*down));
    down->sink = sink;
}

size_t lc_http_write_sink(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct lc_http_download *down = userdata;
    size_t len = size * nmemb;

    if (down->sink->write(down->sink->ctx, ptr, len, &down->err) < 0)
        return len == 0 ? 1 : 0; /* anything but len aborts the transfer */
    down->received += len;
    return len;
}

char *lc_http_redact_url(const char *url)
{
    const char *host = strstr(url, "://");
    const char *at, *colon;
    size_t span;

    if (!host)
        return lc_xstrdup(url);
    host += 3;
    span = strcspn(host, "/?#");
    at = memchr(host, '@', span);
    if (!at)
        return lc_xstrdup(url);
    colon = memchr(host, ':', (size_t)(at - host));
    if (!colon)
        return lc_xstrdup(url);
    return lc_xasprintf("%.*s***%s", (int)(colon + 1 - url), url, at);
}

char *lc_http_escape(const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    struct lc_buf b = LC_BUF_INIT;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~' || (keep_slash && *p == '/')) {
            lc_buf_putc(&b, (char)*p);
        } else {
            lc_buf_putc(&b, '%');
            lc_buf_putc(&b, hex[*p >> 4]);
            lc_buf_putc(&b, hex[*p & 15]);
        }
    }
    return lc_buf_steal(&b);
}

/* A body nobody reads: dropped. */
static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

int lc_http_get(const char *url, int64_t timeout_ms, long *out_status, struct lc_buf *body,
                struct lc_err *err)
{
    struct lc_target_cfg limits;
    struct lc_http h;
    char *shown = lc_http_redact_url(url);
    int rc;

    memset(&limits, 0, sizeof(limits));
    limits.timeout_ms = timeout_ms;
    rc = lc_http_init(&h, &limits, err);
    if (rc == 0) {
        curl_easy_setopt(h.curl, CURLOPT_URL, url);
        curl_easy_setopt(h.curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, body ? lc_http_write_buf : discard_body);
        curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, body);
        rc = lc_http_perform(&h, shown, out_status, err);
    }
    lc_http_done(&h);
    free(shown);
    return rc;
}

