/*
 * The s3:// target driver: s3://BUCKET[/PREFIX] on AWS S3 or a compatible server
 * (MinIO, Ceph) at s3_endpoint, with path-style URLs (<endpoint>/<bucket>/<key>) and
 * SigV4 signed by libcurl (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3"). Debian 12's curl
 * 7.88.1 needs help there (TECH-NOTES §4.3): every request carries
 * x-amz-content-sha256 (the SHA-256 of a body held in memory, UNSIGNED-PAYLOAD for a
 * streamed one), which curl then signs and uses as the payload hash; query strings are
 * written already sorted and AWS-encoded, value-less parameters as "uploads=".
 *
 * An object appears whole or not at all: S3 publishes a PUT, or a multipart upload at
 * its completion, atomically, so no temporary name is needed. A source of known size up
 * to the single-PUT limit goes in one streamed PUT; anything larger, and a stream of
 * unknown size that does not fit in one part, goes as a multipart upload of parts read
 * into memory (each signed with its SHA-256), and a failed one is aborted so that no
 * upload is left behind. S3's errors are read from their XML <Code>: bad keys and a
 * skewed clock are LC_E_NOPERM, a missing bucket or a wrong region LC_E_CONFIG, SlowDown
 * and 5xx transient.
 *
 * LC_S3_PART_SIZE and LC_S3_MAX_KEYS (environment, for tests only) lower the part size
 * (which then is also the single-PUT limit; never below 5 MiB) and the page size of a
 * listing, so that tests reach multipart uploads and listing pages with little data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/http.h"
#include "common/mem.h"
#include "common/s3_xml.h"
#include "common/secret.h"
#include "common/signals.h"
#include "common/target.h"

#define MIB (1024ULL * 1024)
#define S3_SINGLE_PUT_MAX (64 * MIB)   /* larger known sizes go multipart */
#define S3_PART_SIZE (16 * MIB)        /* the first 1000 parts; doubled each 1000 after */
#define S3_PART_MIN (5 * MIB)          /* S3's minimum for every part but the last */
#define S3_PART_MAX (512 * MIB)        /* the largest part buffer we hold in memory */
#define S3_MAX_PARTS 10000
#define S3_MAX_KEYS 1000               /* per listing page (S3's maximum) */
#define S3_ANSWER_MAX (16 * MIB)       /* the largest XML answer we read */
#define S3_MAX_PAGES 1000000
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3_target {
    struct lc_http http;
    char *endpoint;           /* "https://host:port[/path]", no trailing '/' */
    char *bucket;
    char *prefix;             /* "" or "a/b": no leading or trailing '/' */
    char *sigv4;              /* "aws:amz:<region>:s3" */
    char *region;
    char *access_key;
    char *secret_key;
    uint64_t part_size;
    uint64_t single_max;
    unsigned max_keys;
};

/* One request and what came back. */
struct s3_req {
    const char *method;       /* GET HEAD PUT POST DELETE */
    char *url;
    const char *payload_hash; /* hex SHA-256 or UNSIGNED-PAYLOAD */
    const char *content_type; /* NULL: none sent */
    const char *range;        /* "bytes=0-0" or NULL */
    /* the body: in memory, or streamed from a source of known length */
    const char *body;
    size_t body_len;
    size_t body_off;
    const struct lc_target_source *src;
    uint64_t src_len;
    uint64_t src_sent;
    /* a successful GET's body goes to the sink, anything else to `answer` */
    const struct lc_target_sink *sink;
    int uninterruptible;      /* an abort after SIGTERM must still go out */
    /* results */
    long status;
    struct lc_buf answer;
    int answer_too_big;
    char etag[256];
    char last_modified[128];
    int64_t content_length;   /* -1: not told */
    struct lc_err cb_err;     /* a source or sink failure inside a callback */
    int cb_failed;
};

/* ---- names and URLs ---- */

/* An object name (or directory) the driver accepts: relative, '/'-separated, with no
 * empty, "." or ".." segment (curl would fold those away and sign another path). */
static int valid_path(const char *s, int allow_empty)
{
    const char *seg = s;

    if (!*s)
        return allow_empty;
    for (;;) {
        size_t len = strcspn(seg, "/");

        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (!seg[len])
            return 1;
        seg += len + 1;
    }
}

/* The key of `name` under the prefix (a new string). */
static char *key_of(const struct s3_target *st, const char *name)
{
    if (!*st->prefix)
        return lc_xstrdup(name);
    if (!*name)
        return lc_xstrdup(st->prefix);
    return lc_xasprintf("%s/%s", st->prefix, name);
}

/* <endpoint>/<bucket>/<key>[?query]; `query` is already sorted and encoded. */
static char *object_url(const struct s3_target *st, const char *key, const char *query)
{
    char *esc = lc_http_escape(key, 1);
    char *url = lc_xasprintf("%s/%s/%s%s%s", st->endpoint, st->bucket, esc, query ? "?" : "",
                             query ? query : "");

    free(esc);
    return url;
}

static int check_name(const char *name, const char *what, struct lc_err *err)
{
    if (valid_path(name, 0))
        return 0;
    return lc_err_set(err, LC_E_USAGE, "%s: '%s' is not a valid object name (relative, no empty, "
                      "'.' or '..' parts)", what, name);
}

/* ---- the request ---- */

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct s3_req *rq = userdata;
    size_t len = size * nitems;
    const char *colon = memchr(buf, ':', len);
    size_t nlen, vlen;
    const char *v;

    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        /* a new response (after "100 Continue"): forget the previous one's headers */
        rq->etag[0] = rq->last_modified[0] = '\0';
        rq->content_length = -1;
        return len;
    }
    if (!colon)
        return len;
    nlen = (size_t)(colon - buf);
    v = colon + 1;
    vlen = len - nlen - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    if (nlen == 4 && strncasecmp(buf, "etag", 4) == 0 && vlen < sizeof(rq->etag)) {
        memcpy(rq->etag, v, vlen);
        rq->etag[vlen] = '\0';
    } else if (nlen == 13 && strncasecmp(buf, "last-modified", 13) == 0 &&
               vlen < sizeof(rq->last_modified)) {
        memcpy(rq->last_modified, v, vlen);
        rq->last_modified[vlen] = '\0';
    } else if (nlen == 14 && strncasecmp(buf, "content-length", 14) == 0 && vlen < 24) {
        char num[24];
        char *end;
        long long n;

        memcpy(num, v, vlen);
        num[vlen] = '\0';
        errno = 0;
        n = strtoll(num, &end, 10);
        if (errno == 0 && end != num && !*end && n >= 0)
            rq->content_length = n;
    }
    return len;
}

/* The write callback proper (needs the handle for the status). */
struct body_ctx {
    struct s3_req *rq;
    CURL *curl;
};

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body_ctx *bc = userdata;
    struct s3_req *rq = bc->rq;
    size_t len = size * nmemb;
    long status = 0;

    curl_easy_getinfo(bc->curl, CURLINFO_RESPONSE_CODE, &status);
    if (rq->sink && status >= 200 && status < 300) {
        if (rq->sink->write(rq->sink->ctx, ptr, len, &rq->cb_err) < 0) {
            rq->cb_failed = 1;
            return len == 0 ? 1 : 0;
        }
        return len;
    }
    if (rq->answer.len + len > S3_ANSWER_MAX) {
        rq->answer_too_big = 1;
        return len == 0 ? 1 : 0;
    }
    lc_buf_append(&rq->answer, ptr, len);
    return len;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct s3_req *rq = userdata;
    size_t len = size * nitems;

    if (rq->src) {
        uint64_t left = rq->src_len - rq->src_sent;
        ssize_t n;

        if (left == 0)
            return 0;
        if (len > left)
            len = (size_t)left;
        n = rq->src->read(rq->src->ctx, buf, len, &rq->cb_err);
        if (n < 0) {
            rq->cb_failed = 1;
            return CURL_READFUNC_ABORT;
        }
        if (n == 0) {
            lc_err_set(&rq->cb_err, LC_E_IO, "the source ended after %llu bytes, %llu were "
                       "expected", (unsigned long long)rq->src_sent,
                       (unsigned long long)rq->src_len);
            rq->cb_failed = 1;
            return CURL_READFUNC_ABORT;
        }
        rq->src_sent += (uint64_t)n;
        return (size_t)n;
    }
    if (len > rq->body_len - rq->body_off)
        len = rq->body_len - rq->body_off;
    memcpy(buf, rq->body + rq->body_off, len);
    rq->body_off += len;
    return len;
}

/* curl asks to start the body again (a reused connection that had died) */
static int on_seek(void *userdata, curl_off_t offset, int origin)
{
    struct s3_req *rq = userdata;

    if (offset != 0 || origin != SEEK_SET)
        return CURL_SEEKFUNC_CANTSEEK;
    if (rq->src) {
        if (!rq->src->rewind || rq->src->rewind(rq->src->ctx, &rq->cb_err) < 0)
            return CURL_SEEKFUNC_CANTSEEK;
        rq->src_sent = 0;
        return CURL_SEEKFUNC_OK;
    }
    rq->body_off = 0;
    return CURL_SEEKFUNC_OK;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    return lc_interrupted() != 0;
}

static void tls_hint(const struct s3_target *st, struct lc_err *err)
{
    if (err->status != LC_E_NOPERM)
        return;
    if (st->http.cfg->ca_file)
        lc_err_hint(err, "the server's certificate is not signed by the CA in ca_file '%s' "
                    "(or does not name the endpoint's host)", st->http.cfg->ca_file);
    else
        lc_err_hint(err, "set ca_file in [target.%s] to the certificate (PEM) of the CA that "
                    "signed the endpoint's certificate", st->http.cfg->name);
}

/*
 * Sends one signed request. 0 when an HTTP answer came (any status, in rq->status), or
 * -1 with err set when the transfer failed (connection, timeout, source or sink error,
 * interruption).
 */
static int s3_perform(struct s3_target *st, struct s3_req *rq, const char *what,
                      struct lc_err *err)
{
    CURL *c = st->http.curl;
    struct curl_slist *headers = NULL;
    struct body_ctx bc = {rq, c};
    char *line = NULL;
    int rc = -1;

    lc_http_prepare(&st->http);
    rq->status = 0;
    rq->content_length = -1;
    rq->etag[0] = rq->last_modified[0] = '\0';
    rq->answer_too_big = rq->cb_failed = 0;
    rq->body_off = 0;
    rq->src_sent = 0;
    lc_buf_reset(&rq->answer);
    lc_err_clear(&rq->cb_err);

    line = lc_xasprintf("x-amz-content-sha256: %s", rq->payload_hash);
    headers = curl_slist_append(headers, line);
    free(line);
    if (rq->content_type) {
        line = lc_xasprintf("Content-Type: %s", rq->content_type);
        headers = curl_slist_append(headers, line);
        free(line);
    }
    if (rq->range) {
        line = lc_xasprintf("Range: %s", rq->range);
        headers = curl_slist_append(headers, line);
        free(line);
    }
    if (!headers) {
        lc_err_set(err, LC_E_OSERR, "%s: out of memory for the request headers", what);
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, st->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, st->access_key);
    curl_easy_setopt(c, CURLOPT_PASSWORD, st->secret_key);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, rq);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bc);
    if (!rq->uninterruptible) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, rq);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(c, CURLOPT_SEEKDATA, rq);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)(rq->src ? rq->src_len : rq->body_len));
    } else if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    if (lc_http_perform(&st->http, what, &rq->status, err) < 0) {
        if (rq->cb_failed) {
            *err = rq->cb_err;
            lc_err_prefix(err, "%s", what);
        } else if (rq->answer_too_big) {
            lc_err_set(err, LC_E_DATA, "%s: the server's answer is larger than %llu MiB", what,
                       (unsigned long long)(S3_ANSWER_MAX / MIB));
        } else if (!rq->uninterruptible && lc_check_interrupted(err) < 0) {
            lc_err_prefix(err, "%s", what);
        } else {
            tls_hint(st, err);
        }
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(headers);
    return rc;
}

/*
 * Turns a non-2xx answer (or a 2xx whose body is an <Error>) into err: the S3 <Code>
 * decides the status where it says more than the HTTP status. Always returns -1.
 */
static int s3_fail(const struct s3_target *st, const struct s3_req *rq, const char *what,
                   struct lc_err *err)
{
    const char *tname = st->http.cfg->name;
    struct lc_s3_error e = {NULL, NULL};
    char *detail = NULL;
    const char *code = "";

    if (rq->answer.len > 0 && lc_s3_xml_error(rq->answer.data, rq->answer.len, &e) == 1 &&
        e.code) {
        code = e.code;
        detail = e.message && *e.message ? lc_xasprintf("%s: %s", e.code, e.message)
                                         : lc_xstrdup(e.code);
    }
    if (rq->status >= 200 && rq->status < 300 && detail)
        lc_err_set(err, LC_E_UNAVAILABLE, "%s: HTTP %ld with an error: %s", what, rq->status,
                   detail);
    else if (rq->status >= 200 && rq->status < 300)
        lc_err_set(err, LC_E_UNAVAILABLE, "%s: HTTP %ld with an answer that is not the one "
                   "expected", what, rq->status);
    else
        lc_http_check_status(rq->status, what, detail, err);

    if (strcmp(code, "SignatureDoesNotMatch") == 0) {
        err->status = LC_E_NOPERM;
        lc_err_hint(err, "the secret key in secret_key_file of [target.%s] does not belong to "
                    "the access key in its access_key_file", tname);
    } else if (strcmp(code, "InvalidAccessKeyId") == 0) {
        err->status = LC_E_NOPERM;
        lc_err_hint(err, "the server does not know the access key in access_key_file of "
                    "[target.%s]", tname);
    } else if (strcmp(code, "AccessDenied") == 0 || strcmp(code, "AllAccessDisabled") == 0 ||
               strcmp(code, "AccountProblem") == 0 || strcmp(code, "InvalidToken") == 0 ||
               strcmp(code, "ExpiredToken") == 0) {
        err->status = LC_E_NOPERM;
        lc_err_hint(err, "the key of [target.%s] needs s3:PutObject, s3:GetObject, "
                    "s3:DeleteObject, s3:ListBucket and s3:AbortMultipartUpload on bucket '%s'",
                    tname, st->bucket);
    } else if (strcmp(code, "RequestTimeTooSkewed") == 0) {
        err->status = LC_E_NOPERM;
        lc_err_hint(err, "this host's clock and the server's differ by more than 15 minutes: "
                    "set the time right (NTP, timedatectl) on both");
    } else if (strcmp(code, "NoSuchBucket") == 0) {
        err->status = LC_E_CONFIG;
        lc_err_hint(err, "create bucket '%s' on the server (mc mb, aws s3 mb) or fix the url "
                    "of [target.%s]", st->bucket, tname);
    } else if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
               strcmp(code, "PermanentRedirect") == 0 ||
               strcmp(code, "IllegalLocationConstraintException") == 0 ||
               strcmp(code, "InvalidRegion") == 0) {
        err->status = LC_E_CONFIG;
        lc_err_hint(err, "check s3_region ('%s') and s3_endpoint of [target.%s]: the bucket "
                    "is elsewhere", st->region, tname);
    } else if (strcmp(code, "NoSuchKey") == 0) {
        err->status = LC_E_NOINPUT;
    } else if (strcmp(code, "SlowDown") == 0 || strcmp(code, "InternalError") == 0 ||
               strcmp(code, "ServiceUnavailable") == 0 || strcmp(code, "RequestTimeout") == 0 ||
               strcmp(code, "NoSuchUpload") == 0 || strcmp(code, "OperationAborted") == 0) {
        err->status = LC_E_UNAVAILABLE;
    } else if (rq->status == 301 || rq->status == 307) {
        err->status = LC_E_CONFIG;
        lc_err_hint(err, "the server sends this bucket elsewhere: check s3_endpoint and "
                    "s3_region of [target.%s]", tname);
    } else if (rq->status == 403 && !*code) {
        lc_err_hint(err, "the server refused the keys of [target.%s] (or this host's clock is "
                    "off by more than 15 minutes)", tname);
    }
    lc_s3_error_done(&e);
    free(detail);
    return -1;
}

static void req_init(struct s3_req *rq, const char *method, char *url, const char *payload_hash)
{
    memset(rq, 0, sizeof(*rq));
    rq->method = method;
    rq->url = url;
    rq->payload_hash = payload_hash;
    rq->content_length = -1;
}

static void req_done(struct s3_req *rq)
{
    free(rq->url);
    rq->url = NULL;
    lc_buf_done(&rq->answer);
}

/* The code of an error answer (a new string), or NULL. */
static char *answer_code(const struct s3_req *rq)
{
    struct lc_s3_error e = {NULL, NULL};
    char *code = NULL;

    if (rq->answer.len > 0 && lc_s3_xml_error(rq->answer.data, rq->answer.len, &e) == 1) {
        code = e.code;
        e.code = NULL;
    }
    lc_s3_error_done(&e);
    return code;
}

/* ---- open, close ---- */

static void s3_close(struct lc_target *t)
{
    struct s3_target *st = t->priv;

    if (!st)
        return;
    lc_http_done(&st->http);
    free(st->endpoint);
    free(st->bucket);
    free(st->prefix);
    free(st->sigv4);
    free(st->region);
    lc_secret_free(st->access_key);
    lc_secret_free(st->secret_key);
    free(st);
    t->priv = NULL;
}

/* A copy of a secret without trailing white space (a key file's newline). */
static char *trimmed(const char *s)
{
    size_t len = strlen(s);

    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
                       s[len - 1] == '\t'))
        len--;
    return lc_xstrndup(s, len);
}

/* A positive number of bytes from the environment (tests), or `dflt`. */
static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long n;

    if (!v || !*v)
        return dflt;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno != 0 || *end || n == 0)
        return dflt;
    return n;
}

static int s3_open(struct lc_target *t, struct lc_err *err)
{
    const struct lc_target_cfg *cfg = t->cfg;
    const char *url = cfg->url;
    const char *region = cfg->s3_region && *cfg->s3_region ? cfg->s3_region : "us-east-1";
    const char *b = url + strlen("s3://");
    size_t blen = strcspn(b, "/");
    const char *prefix = b[blen] == '/' ? b + blen + 1 : "";
    size_t plen = strlen(prefix);
    struct s3_target *st = NULL;
    char *ep = NULL;
    size_t elen;

    if (strcspn(url, "?#") != strlen(url))
        return lc_err_set(err, LC_E_CONFIG, "url '%s' must not have a query or fragment", url);
    if (memchr(b, '@', blen)) {
        lc_err_set(err, LC_E_CONFIG, "url must not hold keys");
        lc_err_hint(err, "set access_key_file and secret_key_file in [target.%s] instead",
                    cfg->name);
        return -1;
    }
    if (blen < 3 || blen > 63 || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-_") < blen) {
        lc_err_set(err, LC_E_CONFIG, "url '%s' does not name a bucket (3 to 63 lowercase "
                   "letters, digits, '.' or '-'): s3://bucket/prefix", url);
        return -1;
    }
    while (plen > 0 && prefix[plen - 1] == '/')
        plen--;
    {
        char *p = lc_xstrndup(prefix, plen);
        int ok = valid_path(p, 1);

        free(p);
        if (!ok)
            return lc_err_set(err, LC_E_CONFIG, "url '%s': the prefix has an empty, '.' or "
                              "'..' part", url);
    }
    if (strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region))
        return lc_err_set(err, LC_E_CONFIG, "s3_region '%s' is not a region name (us-east-1)",
                          region);
    if (cfg->s3_endpoint && *cfg->s3_endpoint) {
        const char *e = cfg->s3_endpoint;
        const char *host = strstr(e, "://");

        if ((strncasecmp(e, "http://", 7) != 0 && strncasecmp(e, "https://", 8) != 0) ||
            !host || !host[3] || host[3] == '/' || strcspn(e, "?#@") != strlen(e))
            return lc_err_set(err, LC_E_CONFIG, "s3_endpoint '%s' is not http(s)://host[:port]",
                              e);
        ep = lc_xstrdup(e);
    } else {
        ep = lc_xasprintf("https://s3.%s.amazonaws.com", region);
    }
    elen = strlen(ep);
    while (elen > 0 && ep[elen - 1] == '/')
        ep[--elen] = '\0';
    if (!cfg->access_key || !*cfg->access_key || !cfg->secret_key || !*cfg->secret_key) {
        free(ep);
        lc_err_set(err, LC_E_CONFIG, "an s3 target needs an access key and a secret key");
        lc_err_hint(err, "set access_key_file and secret_key_file (files of mode 0600) in "
                    "[target.%s]", cfg->name);
        return -1;
    }
    st = lc_xcalloc(1, sizeof(*st));
    st->endpoint = ep;
    st->bucket = lc_xstrndup(b, blen);
    st->prefix = lc_xstrndup(prefix, plen);
    st->region = lc_xstrdup(region);
    st->sigv4 = lc_xasprintf("aws:amz:%s:s3", region);
    st->access_key = trimmed(cfg->access_key);
    st->secret_key = trimmed(cfg->secret_key);
    st->part_size = env_u64("LC_S3_PART_SIZE", S3_PART_SIZE);
    if (st->part_size < S3_PART_MIN)
        st->part_size = S3_PART_MIN;
    if (st->part_size > S3_PART_MAX)
        st->part_size = S3_PART_MAX;
    st->single_max = getenv("LC_S3_PART_SIZE") ? st->part_size : S3_SINGLE_PUT_MAX;
    st->max_keys = (unsigned)env_u64("LC_S3_MAX_KEYS", S3_MAX_KEYS);
    if (st->max_keys > S3_MAX_KEYS)
        st->max_keys = S3_MAX_KEYS;
    t->priv = st;
    if (lc_http_init(&st->http, cfg, err) < 0) {
        s3_close(t);
        return -1;
    }
    return 0;
}

/* ---- put ---- */

static int put_single(struct s3_target *st, const char *key, const char *what,
                      const struct lc_target_source *src, const char *body, size_t body_len,
                      struct lc_err *err)
{
    struct s3_req rq;
    char hex[65];
    int rc = -1;

    if (body) {
        /* held in memory: sign the payload itself */
        struct lc_sha256 *h = lc_sha256_new();

        lc_sha256_update(h, body, body_len);
        lc_sha256_final_hex(h, hex);
        lc_sha256_free(h);
    }
    req_init(&rq, "PUT", object_url(st, key, NULL), body ? hex : "UNSIGNED-PAYLOAD");
    rq.content_type = "application/octet-stream";
    if (body) {
        rq.body = body;
        rq.body_len = body_len;
    } else {
        rq.src = src;
        rq.src_len = (uint64_t)src->size;
    }
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    if (rq.status < 200 || rq.status >= 300) {
        s3_fail(st, &rq, what, err);
        goto out;
    }
    if (src && !body) {
        char extra;
        ssize_t n = src->read(src->ctx, &extra, 1, err);

        if (n < 0)
            goto out;
        if (n > 0) {
            lc_err_set(err, LC_E_IO, "%s: the source gave more than the %lld bytes expected",
                       what, (long long)src->size);
            goto out;
        }
    }
    rc = 0;
out:
    req_done(&rq);
    return rc;
}

/* Reads up to `len` bytes (fewer only at the end of the source). */
static ssize_t fill(const struct lc_target_source *src, char *buf, size_t len, struct lc_err *err)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = src->read(src->ctx, buf + got, len - got, err);

        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* The size of part number `part` (1-based). */
static uint64_t part_size(const struct s3_target *st, int64_t total, int part)
{
    uint64_t size = st->part_size;

    if (total >= 0) {
        /* known: one size for all parts, large enough for S3_MAX_PARTS */
        uint64_t need = ((uint64_t)total + S3_MAX_PARTS - 1) / S3_MAX_PARTS;

        while (size < need && size < S3_PART_MAX)
            size *= 2;
        return size;
    }
    /* unknown: doubled every 1000 parts, so 10000 parts reach far */
    for (int idx = 1000; idx < part && size < S3_PART_MAX; idx += 1000)
        size *= 2;
    return size;
}

static void xml_escape_into(struct lc_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            lc_buf_puts(b, "&amp;");
        else if (*s == '<')
            lc_buf_puts(b, "&lt;");
        else if (*s == '>')
            lc_buf_puts(b, "&gt;");
        else
            lc_buf_putc(b, *s);
    }
}

static int mp_initiate(struct s3_target *st, const char *key, const char *what, char **out_id,
                       struct lc_err *err)
{
    struct s3_req rq;
    int rc = -1;

    req_init(&rq, "POST", object_url(st, key, "uploads="), EMPTY_SHA256);
    rq.content_type = "application/octet-stream";
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    if (rq.status < 200 || rq.status >= 300) {
        s3_fail(st, &rq, what, err);
        goto out;
    }
    if (lc_s3_xml_upload_id(rq.answer.data ? rq.answer.data : "", rq.answer.len, out_id, err) < 0) {
        lc_err_prefix(err, "%s", what);
        goto out;
    }
    rc = 0;
out:
    req_done(&rq);
    return rc;
}

static int mp_part(struct s3_target *st, const char *key, const char *id, int part,
                   const char *buf, size_t len, char **out_etag, const char *what,
                   struct lc_err *err)
{
    struct lc_sha256 *h = lc_sha256_new();
    char *eid = lc_http_escape(id, 0);
    char *query = lc_xasprintf("partNumber=%d&uploadId=%s", part, eid);
    char *pwhat = lc_xasprintf("%s, part %d", what, part);
    struct s3_req rq;
    char hex[65];
    int rc = -1;

    lc_sha256_update(h, buf, len);
    lc_sha256_final_hex(h, hex);
    lc_sha256_free(h);
    req_init(&rq, "PUT", object_url(st, key, query), hex);
    rq.body = buf;
    rq.body_len = len;
    if (s3_perform(st, &rq, pwhat, err) < 0)
        goto out;
    if (rq.status < 200 || rq.status >= 300) {
        s3_fail(st, &rq, pwhat, err);
        goto out;
    }
    if (!rq.etag[0]) {
        lc_err_set(err, LC_E_DATA, "%s: the answer has no ETag", pwhat);
        goto out;
    }
    *out_etag = lc_xstrdup(rq.etag);
    rc = 0;
out:
    req_done(&rq);
    free(pwhat);
    free(query);
    free(eid);
    return rc;
}

static int mp_complete(struct s3_target *st, const char *key, const char *id, char **etags,
                       int parts, const char *what, struct lc_err *err)
{
    struct lc_buf xml = LC_BUF_INIT;
    struct lc_sha256 *h = lc_sha256_new();
    char *eid = lc_http_escape(id, 0);
    char *query = lc_xasprintf("uploadId=%s", eid);
    struct s3_req rq;
    char hex[65];
    int rc = -1;

    lc_buf_puts(&xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (int idx = 0; idx < parts; idx++) {
        lc_buf_printf(&xml, "<Part><PartNumber>%d</PartNumber><ETag>", idx + 1);
        xml_escape_into(&xml, etags[idx]);
        lc_buf_puts(&xml, "</ETag></Part>");
    }
    lc_buf_puts(&xml, "</CompleteMultipartUpload>");
    lc_sha256_update(h, xml.data, xml.len);
    lc_sha256_final_hex(h, hex);
    lc_sha256_free(h);
    req_init(&rq, "POST", object_url(st, key, query), hex);
    rq.content_type = "application/xml";
    rq.body = xml.data;
    rq.body_len = xml.len;
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    /* S3 may answer 200 and still fail: the body then is an <Error> */
    if (rq.status < 200 || rq.status >= 300 ||
        !lc_s3_xml_root_is(rq.answer.data ? rq.answer.data : "", rq.answer.len,
                           "CompleteMultipartUploadResult")) {
        s3_fail(st, &rq, what, err);
        goto out;
    }
    rc = 0;
out:
    req_done(&rq);
    free(query);
    free(eid);
    lc_buf_done(&xml);
    return rc;
}

/* Best effort: a failed abort leaves an upload a lifecycle rule removes; err is kept. */
static void mp_abort(struct s3_target *st, const char *key, const char *id, struct lc_err *err)
{
    struct lc_err aerr = LC_ERR_INIT;
    char *eid = lc_http_escape(id, 0);
    char *query = lc_xasprintf("uploadId=%s", eid);
    struct s3_req rq;

    req_init(&rq, "DELETE", object_url(st, key, query), EMPTY_SHA256);
    rq.uninterruptible = 1;
    if (s3_perform(st, &rq, "abort of the upload", &aerr) < 0 ||
        ((rq.status < 200 || rq.status >= 300) && rq.status != 404)) {
        if (!err->hint[0])
            lc_err_hint(err, "the unfinished multipart upload could not be aborted; a bucket "
                        "lifecycle rule (AbortIncompleteMultipartUpload) removes such leftovers");
    }
    req_done(&rq);
    free(query);
    free(eid);
}

/*
 * A multipart upload; `first` holds the first part's bytes already read (`first_len`),
 * with `buf` (of `cap` bytes) as the part buffer.
 */
static int put_multipart(struct s3_target *st, const char *key, const char *what,
                         const struct lc_target_source *src, char **bufp, size_t *capp,
                         size_t first_len, struct lc_err *err)
{
    char *id = NULL;
    char **etags = NULL;
    int parts = 0;
    uint64_t total = 0;
    size_t len = first_len;
    int rc = -1;

    if (mp_initiate(st, key, what, &id, err) < 0)
        return -1;
    for (;;) {
        if (parts == S3_MAX_PARTS) {
            lc_err_set(err, LC_E_IO, "%s: more than %d parts of up to %llu MiB", what,
                       S3_MAX_PARTS, (unsigned long long)(part_size(st, src->size, parts) / MIB));
            goto out;
        }
        etags = lc_xrealloc(etags, (size_t)(parts + 1) * sizeof(*etags));
        etags[parts] = NULL;
        if (mp_part(st, key, id, parts + 1, *bufp, len, &etags[parts], what, err) < 0)
            goto out;
        parts++;
        total += len;
        if (len < *capp)
            break; /* a short part is the last */
        {
            uint64_t next = part_size(st, src->size, parts + 1);
            ssize_t n;

            if (next > *capp) {
                free(*bufp);
                *bufp = lc_xmalloc((size_t)next);
                *capp = (size_t)next;
            }
            n = fill(src, *bufp, *capp, err);
            if (n < 0)
                goto out;
            if (n == 0)
                break;
            len = (size_t)n;
        }
    }
    if (src->size >= 0 && total != (uint64_t)src->size) {
        lc_err_set(err, LC_E_IO, "%s: the source gave %llu bytes, %lld were expected", what,
                   (unsigned long long)total, (long long)src->size);
        goto out;
    }
    if (lc_check_interrupted(err) < 0)
        goto out;
    if (mp_complete(st, key, id, etags, parts, what, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        mp_abort(st, key, id, err);
    for (int idx = 0; idx < parts; idx++)
        free(etags[idx]);
    free(etags);
    free(id);
    return rc;
}

static int s3_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                  struct lc_err *err)
{
    struct s3_target *st = t->priv;
    char *what = lc_xasprintf("upload of '%s'", name);
    char *key = NULL;
    char *buf = NULL;
    size_t cap;
    ssize_t n;
    int rc = -1;

    if (check_name(name, what, err) < 0)
        goto out;
    key = key_of(st, name);
    if (src->size >= 0 && (uint64_t)src->size <= st->single_max) {
        rc = put_single(st, key, what, src, NULL, 0, err);
        goto out;
    }
    /* the first part decides: a stream that ends inside it goes in one PUT */
    cap = (size_t)part_size(st, src->size, 1);
    buf = lc_xmalloc(cap);
    n = fill(src, buf, cap, err);
    if (n < 0)
        goto out;
    if ((size_t)n < cap && src->size < 0)
        rc = put_single(st, key, what, NULL, buf, (size_t)n, err);
    else
        rc = put_multipart(st, key, what, src, &buf, &cap, (size_t)n, err);
out:
    free(buf);
    free(key);
    free(what);
    return rc;
}

/* ---- get, stat, remove ---- */

static int s3_get(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
                  struct lc_err *err)
{
    struct s3_target *st = t->priv;
    char *what = lc_xasprintf("download of '%s'", name);
    char *key = NULL;
    struct s3_req rq;
    int rc = -1;

    req_init(&rq, "GET", NULL, EMPTY_SHA256);
    if (check_name(name, what, err) < 0)
        goto out;
    key = key_of(st, name);
    rq.url = object_url(st, key, NULL);
    rq.sink = sink;
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    if (rq.status < 200 || rq.status >= 300) {
        s3_fail(st, &rq, what, err);
        goto out;
    }
    rc = 0;
out:
    req_done(&rq);
    free(key);
    free(what);
    return rc;
}

/*
 * A HEAD answer has no body, so no S3 error code: when it is not 2xx the object is asked
 * again with a one-byte GET, whose error says whether the object or the bucket is
 * missing, or what else is wrong.
 */
static int s3_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                   struct lc_err *err)
{
    struct s3_target *st = t->priv;
    char *what = lc_xasprintf("stat of '%s'", name);
    char *key = NULL;
    char *code = NULL;
    struct s3_req rq;
    int rc = -1;

    req_init(&rq, "HEAD", NULL, EMPTY_SHA256);
    if (check_name(name, what, err) < 0)
        goto out;
    key = key_of(st, name);
    rq.url = object_url(st, key, NULL);
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    if (rq.status >= 200 && rq.status < 300) {
        if (rq.content_length < 0) {
            lc_err_set(err, LC_E_DATA, "%s: the answer has no Content-Length", what);
            goto out;
        }
        out->name = NULL;
        out->size = (uint64_t)rq.content_length;
        out->mtime = 0;
        if (rq.last_modified[0]) {
            time_t m = curl_getdate(rq.last_modified, NULL);

            out->mtime = m > 0 ? m : 0;
        }
        rc = 1;
        goto out;
    }
    req_done(&rq);
    req_init(&rq, "GET", object_url(st, key, NULL), EMPTY_SHA256);
    rq.range = "bytes=0-0";
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    code = answer_code(&rq);
    if (rq.status == 404 && (!code || strcmp(code, "NoSuchKey") == 0)) {
        rc = 0;
    } else if ((rq.status >= 200 && rq.status < 300) || rq.status == 416) {
        /* there now: it appeared between the two requests */
        lc_err_set(err, LC_E_UNAVAILABLE, "%s: the object changed while it was looked at", what);
    } else {
        s3_fail(st, &rq, what, err);
    }
out:
    free(code);
    req_done(&rq);
    free(key);
    free(what);
    return rc;
}

static int s3_remove(struct lc_target *t, const char *name, struct lc_err *err)
{
    struct s3_target *st = t->priv;
    char *what = lc_xasprintf("removal of '%s'", name);
    char *key = NULL;
    char *code = NULL;
    struct s3_req rq;
    int rc = -1;

    req_init(&rq, "DELETE", NULL, EMPTY_SHA256);
    if (check_name(name, what, err) < 0)
        goto out;
    key = key_of(st, name);
    rq.url = object_url(st, key, NULL);
    if (s3_perform(st, &rq, what, err) < 0)
        goto out;
    if (rq.status >= 200 && rq.status < 300) {
        rc = 0;
        goto out;
    }
    code = answer_code(&rq);
    if (rq.status == 404 && (!code || strcmp(code, "NoSuchKey") == 0))
        rc = 0; /* already gone */
    else
        s3_fail(st, &rq, what, err);
out:
    free(code);
    req_done(&rq);
    free(key);
    free(what);
    return rc;
}

/* ---- list ---- */

static int s3_list(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                   struct lc_err *err)
{
    struct s3_target *st = t->priv;
    char *what = lc_xasprintf("listing of '%s'", *dir ? dir : "/");
    char *base = NULL;
    char *pfx = NULL;
    char *epfx = NULL;
    char *token = NULL;
    struct lc_s3_list_page page = {NULL, 0, 0, NULL};
    struct s3_req rq;
    size_t dlen = strlen(dir);
    int rc = -1;

    req_init(&rq, "GET", NULL, EMPTY_SHA256);
    while (dlen > 0 && dir[dlen - 1] == '/')
        dlen--;
    base = lc_xstrndup(dir, dlen);
    if (!valid_path(base, 1)) {
        lc_err_set(err, LC_E_USAGE, "%s: not a valid directory name", what);
        goto out;
    }
    /* "<prefix>/<dir>/", either part possibly empty */
    pfx = lc_xasprintf("%s%s%s%s", st->prefix, *st->prefix && *base ? "/" : "", base,
                       *st->prefix || *base ? "/" : "");
    epfx = lc_http_escape(pfx, 0);
    for (int pages = 0;; pages++) {
        char *etok = token ? lc_http_escape(token, 0) : NULL;
        char *query;

        if (pages == S3_MAX_PAGES) {
            lc_err_set(err, LC_E_DATA, "%s: more than %d pages", what, S3_MAX_PAGES);
            free(etok);
            goto out;
        }
        /* sorted by name: continuation-token, delimiter, list-type, max-keys, prefix */
        query = lc_xasprintf("%s%s%sdelimiter=%%2F&list-type=2&max-keys=%u&prefix=%s",
                             etok ? "continuation-token=" : "", etok ? etok : "",
                             etok ? "&" : "", st->max_keys, epfx);
        free(etok);
        free(rq.url);
        rq.url = lc_xasprintf("%s/%s?%s", st->endpoint, st->bucket, query);
        free(query);
        if (s3_perform(st, &rq, what, err) < 0)
            goto out;
        if (rq.status < 200 || rq.status >= 300) {
            s3_fail(st, &rq, what, err);
            goto out;
        }
        lc_s3_list_page_done(&page);
        if (lc_s3_xml_list(rq.answer.data ? rq.answer.data : "", rq.answer.len, &page, err) < 0) {
            lc_err_prefix(err, "%s", what);
            goto out;
        }
        for (size_t idx = 0; idx < page.len; idx++) {
            const char *k = page.items[idx].key;
            const char *rel = k + strlen(pfx);

            /* the directory's own marker ("dir/") and anything deeper are not objects here */
            if (strncmp(k, pfx, strlen(pfx)) != 0 || !*rel || strchr(rel, '/'))
                continue;
            lc_target_objects_add(out, rel, page.items[idx].size, page.items[idx].mtime);
        }
        if (!page.truncated)
            break;
        if (!page.next_token || !*page.next_token ||
            (token && strcmp(token, page.next_token) == 0)) {
            lc_err_set(err, LC_E_DATA, "%s: a truncated page without a new "
                       "NextContinuationToken", what);
            goto out;
        }
        free(token);
        token = page.next_token;
        page.next_token = NULL;
        if (lc_check_interrupted(err) < 0)
            goto out;
    }
    rc = 0;
out:
    lc_s3_list_page_done(&page);
    req_done(&rq);
    free(token);
    free(epfx);
    free(pfx);
    free(base);
    free(what);
    return rc;
}

const struct lc_target_ops lc_target_s3_ops = {
    .scheme = "s3",
    .open = s3_open,
    .put = s3_put,
    .get = s3_get,
    .list = s3_list,
    .stat = s3_stat,
    .remove = s3_remove,
    .free_space = NULL, /* S3 has no free space to tell */
    .close = s3_close,
};
