/*
 * What the libcurl-based target drivers (SFTP, WebDAV, S3) share: one easy handle per
 * target, reset before each request with the target's common options (timeouts as "no
 * progress for `timeout`", so multi-gigabyte transfers are not cut off; CA file;
 * bandwidth limit; TLS always verified), CURLcode and HTTP status mapped to the
 * statuses of target.h, and the callbacks that connect curl to a target source or sink
 * and to a memory buffer.
 */
#ifndef LC_HTTP_H
#define LC_HTTP_H

#include <curl/curl.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"
#include "common/target.h"

struct lc_http {
    CURL *curl;
    const struct lc_target_cfg *cfg;
    char errbuf[CURL_ERROR_SIZE];
};

/* Creates the handle (kept for the connection cache). */
int lc_http_init(struct lc_http *h, const struct lc_target_cfg *cfg, struct lc_err *err);
void lc_http_done(struct lc_http *h);

/* curl_easy_reset() and the common options again; call before setting up a request. */
void lc_http_prepare(struct lc_http *h);

/*
 * curl_easy_perform(). On a transfer failure records "<what>: <curl's message>" with the
 * status for its kind (see target.h) and returns -1. On success *out_status (optional)
 * gets the response code (HTTP status; 0 for SFTP). HTTP errors are not checked here:
 * see lc_http_check_status().
 */
int lc_http_perform(struct lc_http *h, const char *what, long *out_status, struct lc_err *err);

/*
 * 0 when 200 <= status < 300; otherwise records "<what>: HTTP <status>[: <detail>]" with
 * 401/403 -> LC_E_NOPERM, 404/410 -> LC_E_NOINPUT, 507/413 -> LC_E_IO,
 * 408/429/5xx -> LC_E_UNAVAILABLE, anything else -> LC_E_DATA, and returns -1. `detail`
 * (may be NULL) is the server's short explanation, e.g. an S3 <Code>.
 */
int lc_http_check_status(long status, const char *what, const char *detail, struct lc_err *err);

/*
 * One GET of an http(s) URL (the backend's /health), no redirects followed, within
 * timeout_ms: 0 with *out_status (any HTTP status) and the body in `body` (optional), or
 * -1 with err when there was no answer (LC_E_UNAVAILABLE: refused, timed out, TLS).
 * Messages show the URL without its password.
 */
int lc_http_get(const char *url, int64_t timeout_ms, long *out_status, struct lc_buf *body,
                struct lc_err *err);

/* CURLOPT_WRITEFUNCTION appending to the struct lc_buf in userdata. */
size_t lc_http_write_buf(char *ptr, size_t size, size_t nmemb, void *userdata);

/* An upload: set up with lc_http_upload_init(), pass to lc_http_read_source as
 * CURLOPT_READDATA. After a failed perform, a source error is in `err` (status set). */
struct lc_http_upload {
    const struct lc_target_source *src;
    uint64_t sent;
    struct lc_err err;
};
void lc_http_upload_init(struct lc_http_upload *up, const struct lc_target_source *src);
size_t lc_http_read_source(char *buf, size_t size, size_t nitems, void *userdata);

/* A download into a target sink (CURLOPT_WRITEDATA); a sink error is kept in `err`. */
struct lc_http_download {
    const struct lc_target_sink *sink;
    uint64_t received;
    struct lc_err err;
};
void lc_http_download_init(struct lc_http_download *down, const struct lc_target_sink *sink);
size_t lc_http_write_sink(char *ptr, size_t size, size_t nmemb, void *userdata);

/* `url` with the password of "user:password@" shown as "***". New string. */
char *lc_http_redact_url(const char *url);

/* Percent-encodes `s` (RFC 3986 unreserved kept; '/' kept when keep_slash). New string. */
char *lc_http_escape(const char *s, int keep_slash);

#endif
