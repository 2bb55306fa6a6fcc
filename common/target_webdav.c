/*
 * The WebDAV target driver (https://, and http:// for a local reverse proxy): RFC 4918
 * over the shared libcurl layer (http.c). An upload is a PUT to a hidden temporary name
 * beside the final one, then a MOVE to the final name with "Overwrite: F", so that a
 * reader never sees a half object under the final name; missing collections are made
 * with MKCOL, level by level. Listing, stat and free space are PROPFIND (the answer is
 * read by webdav_xml.c); free space is RFC 4331's quota-available-bytes where the
 * server tells it. TLS is always verified (a private CA goes in ca_file); the login is
 * HTTP Basic or Digest, whichever the server offers (Basic is preferred over TLS), with
 * the password from password_file.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/mem.h"
#include "common/signals.h"
#include "common/target.h"
#include "common/webdav_xml.h"

#define MAX_LEVELS 64                      /* collections in a path, for MKCOL */
#define MAX_PROPFIND (64 * 1024 * 1024)    /* bytes of one PROPFIND answer */
#define AUTH_UNSETTLED (CURLAUTH_BASIC | CURLAUTH_DIGEST)

#define PROPFIND_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" \
                      "<D:propfind xmlns:D=\"DAV:\"><D:prop>"
#define PROPFIND_TAIL "</D:prop></D:propfind>\n"
static const char props_object[] = PROPFIND_HEAD
    "<D:resourcetype/><D:getcontentlength/><D:getlastmodified/>" PROPFIND_TAIL;
static const char props_quota[] = PROPFIND_HEAD
    "<D:resourcetype/><D:quota-available-bytes/>" PROPFIND_TAIL;

struct webdav {
    struct lc_http http;
    char *origin;             /* "https://host:port" */
    char *base;               /* the url's path as written (percent-encoded), no trailing
                                 '/': "" for the server's root */
    char *base_path;          /* the same, percent-decoded */
    int tls;
    unsigned long auth;       /* CURLAUTH_* to offer; 0 without a user */
    char *made_dir;           /* the last collection known to exist (encoded path) */
};

/* ---------------------------------------------------------------------------------- */
/* requests */

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

static int progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
    (void)clientp;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return lc_interrupted() ? 1 : 0;  /* SIGTERM/SIGINT end the transfer */
}

/* Resets the handle and sets what every request has: login, signal check, no body kept. */
static CURL *begin(struct webdav *w, const char *method, const char *url)
{
    CURL *c = w->http.curl;

    lc_http_prepare(&w->http);
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (w->auth) {
        curl_easy_setopt(c, CURLOPT_USERNAME, w->http.cfg->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, w->http.cfg->password);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)w->auth);
    }
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
    return c;
}

/*
 * Runs the request. Afterwards the login method is settled from what the server
 * offered, so that later requests send their credentials at once instead of first
 * being refused (which would cost an upload its body).
 */
static int perform(struct webdav *w, const char *what, long *out_status, struct lc_err *err)
{
    const struct lc_target_cfg *cfg = w->http.cfg;
    long avail = 0;
    long verify = 0;
    int rc = lc_http_perform(&w->http, what, out_status, err);

    if (w->auth == AUTH_UNSETTLED &&
        curl_easy_getinfo(w->http.curl, CURLINFO_HTTPAUTH_AVAIL, &avail) == CURLE_OK) {
        unsigned long offered = (unsigned long)avail;

        if ((offered & CURLAUTH_BASIC) && (w->tls || !(offered & CURLAUTH_DIGEST)))
            w->auth = CURLAUTH_BASIC;
        else if (offered & CURLAUTH_DIGEST)
            w->auth = CURLAUTH_DIGEST;
    }
    if (rc == 0)
        return 0;
    if (lc_check_interrupted(err) < 0) {
        lc_err_prefix(err, "%s", what);
        return -1;
    }
    if (err->status == LC_E_NOPERM &&
        curl_easy_getinfo(w->http.curl, CURLINFO_SSL_VERIFYRESULT, &verify) == CURLE_OK &&
        verify != 0) {
        if (cfg->ca_file)
            lc_err_hint(err, "the server's certificate is not signed by the CA in ca_file '%s' "
                             "of [target.%s], or does not name the url's host",
                        cfg->ca_file, cfg->name);
        else
            lc_err_hint(err, "set ca_file in [target.%s] to the certificate (PEM) of the CA "
                             "that signed the server's certificate", cfg->name);
    }
    return -1;
}

/* An HTTP status that is not 2xx as an error of its kind, with what to do about it. */
static int check(const struct webdav *w, long status, const char *what, struct lc_err *err)
{
    const struct lc_target_cfg *cfg = w->http.cfg;
    const char *detail = NULL;

    switch (status) {
    case 405: detail = "method not allowed"; break;
    case 409: detail = "conflict (a parent collection is missing or a file is in the way)"; break;
    case 412: detail = "precondition failed"; break;
    case 413: detail = "request entity too large"; break;
    case 423: detail = "locked"; break;
    case 507: detail = "insufficient storage: the target is full"; break;
    default: break;
    }
    if (lc_http_check_status(status, what, detail, err) == 0)
        return 0;
    if (status == 401 && cfg->user)
        lc_err_hint(err, "the server refused user '%s': check user and password_file of "
                         "[target.%s]", cfg->user, cfg->name);
    else if (status == 401)
        lc_err_hint(err, "the server asks for a login: set user and password_file in "
                         "[target.%s]", cfg->name);
    else if (status == 403)
        lc_err_hint(err, "the server forbids this to %s%s%s: check the permissions there",
                    cfg->user ? "user '" : "an anonymous client", cfg->user ? cfg->user : "",
                    cfg->user ? "'" : "");
    else if (status == 507)
        lc_err_hint(err, "free space on the WebDAV server (or raise this user's quota there) "
                         "or lower the retention of [target.%s] (keep_days, keep_daily, ...)",
                    cfg->name);
    else if (status == 413)
        lc_err_hint(err, "the server limits the size of an upload (Apache: LimitRequestBody)");
    else if (status >= 300 && status < 400)
        lc_err_hint(err, "the server redirects elsewhere: check the url of [target.%s]",
                    cfg->name);
    return -1;
}

/* origin + base + "/" + rel, percent-encoded, with a trailing '/' for a collection. */
static char *url_of(const struct webdav *w, const char *rel, int collection)
{
    char *esc = lc_http_escape(rel, 1);
    char *url = lc_xasprintf("%s%s/%s%s", w->origin, w->base, esc, collection && *esc ? "/" : "");

    free(esc);
    return url;
}

/* A request without a body whose answer's body is not needed; *out_status gets the code. */
static int simple(struct webdav *w, const char *method, const char *url,
                  struct curl_slist *headers, const char *what, long *out_status,
                  struct lc_err *err)
{
    CURL *c = begin(w, method, url);

    if (headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    return perform(w, what, out_status, err);
}

struct capped {
    struct lc_buf buf;
    int overflow;
};

static size_t keep_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct capped *cb = userdata;
    size_t len = size * nmemb;

    if (cb->buf.len + len > MAX_PROPFIND) {
        cb->overflow = 1;
        return len == 0 ? 1 : 0;
    }
    lc_buf_append(&cb->buf, ptr, len);
    return len;
}

/*
 * PROPFIND url with Depth `depth` asking for `props`. Returns 0 with *out filled (a 207
 * answer), 0 with out->len 0 and *out_missing set when there is nothing at url (404),
 * or -1.
 */
static int propfind(struct webdav *w, const char *url, const char *depth, const char *props,
                    const char *what, struct lc_webdav_multistatus *out, int *out_missing,
                    struct lc_err *err)
{
    struct capped body = {LC_BUF_INIT, 0};
    struct curl_slist *headers = NULL;
    char *depth_header = lc_xasprintf("Depth: %s", depth);
    long status = 0;
    CURL *c = begin(w, "PROPFIND", url);
    int rc = -1;

    *out_missing = 0;
    headers = curl_slist_append(headers, depth_header);
    headers = curl_slist_append(headers, "Content-Type: application/xml; charset=utf-8");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, props);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(props));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (perform(w, what, &status, err) < 0) {
        if (body.overflow)
            lc_err_set(err, LC_E_DATA, "%s: the server's answer is larger than %d MiB", what,
                       MAX_PROPFIND / (1024 * 1024));
        goto out;
    }
    if (status == 404) {
        *out_missing = 1;
        out->items = NULL;
        out->len = 0;
        rc = 0;
        goto out;
    }
    if (check(w, status, what, err) < 0)
        goto out;
    if (status != 207) {
        lc_err_set(err, LC_E_DATA, "%s: HTTP %ld where a WebDAV server answers 207", what, status);
        lc_err_hint(err, "is the url of [target.%s] a WebDAV share?", w->http.cfg->name);
        goto out;
    }
    if (lc_webdav_xml_parse(body.buf.data ? body.buf.data : "", body.buf.len, out, err) < 0) {
        lc_err_prefix(err, "%s", what);
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(headers);
    free(depth_header);
    lc_buf_done(&body.buf);
    return rc;
}

/* ---------------------------------------------------------------------------------- */
/* open, close */

static int webdav_open(struct lc_target *t, struct lc_err *err)
{
    const struct lc_target_cfg *cfg = t->cfg;
    const char *url = cfg->url;
    const char *host = strstr(url, "://") + 3;  /* target.c chose us by "scheme://" */
    size_t host_len = strcspn(host, "/?#");
    const char *path = host + host_len;
    size_t path_len = strlen(path);
    struct webdav *w;

    if (host_len == 0)
        return lc_err_set(err, LC_E_CONFIG, "url '%s' names no host: "
                          "https://asustor/webdav/lcbp3", url);
    if (memchr(host, '@', host_len)) {
        lc_err_set(err, LC_E_CONFIG, "url must not hold a user or password");
        lc_err_hint(err, "set user and password_file in [target.%s] instead", cfg->name);
        return -1;
    }
    if (strpbrk(path, "?#"))
        return lc_err_set(err, LC_E_CONFIG, "url '%s' must not have a query or fragment", url);
    if (cfg->user && !cfg->password)
        return lc_err_set(err, LC_E_CONFIG, "user '%s' is set but password_file is not",
                          cfg->user);
    if (cfg->password && !cfg->user)
        return lc_err_set(err, LC_E_CONFIG, "password_file is set but user is not");
    while (path_len > 0 && path[path_len - 1] == '/')
        path_len--;
    w = lc_xcalloc(1, sizeof(*w));
    w->base_path = lc_webdav_percent_decode(path, path_len);
    if (!w->base_path) {
        free(w);
        return lc_err_set(err, LC_E_CONFIG, "url '%s' holds %%00", url);
    }
    w->origin = lc_xstrndup(url, (size_t)(path - url));
    w->base = lc_xstrndup(path, path_len);
    w->tls = strncasecmp(url, "https:", 6) == 0;
    w->auth = cfg->user ? AUTH_UNSETTLED : 0;
    t->priv = w;
    if (lc_http_init(&w->http, cfg, err) < 0) {
        t->priv = NULL;
        free(w->origin);
        free(w->base);
        free(w->base_path);
        free(w);
        return -1;
    }
    return 0;
}

static void webdav_close(struct lc_target *t)
{
    struct webdav *w = t->priv;

    if (!w)
        return;
    lc_http_done(&w->http);
    free(w->origin);
    free(w->base);
    free(w->base_path);
    free(w->made_dir);
    free(w);
    t->priv = NULL;
}

/* ---------------------------------------------------------------------------------- */
/* collections */

/* MKCOL of the collection at encoded path path[0..len); *out_status gets the answer. */
static int mkcol(struct webdav *w, const char *path, size_t len, long *out_status,
                 struct lc_err *err)
{
    char *url = lc_xasprintf("%s%.*s/", w->origin, (int)len, path);
    char *shown = lc_webdav_percent_decode(path, len);
    char *what = lc_xasprintf("creating collection '%s'", shown ? shown : "?");
    int rc = simple(w, "MKCOL", url, NULL, what, out_status, err);

    if (rc == 0 && *out_status == 403) {
        /* some servers check permissions before existence: an existing one is fine */
        struct lc_webdav_multistatus ms = {NULL, 0};
        int missing = 0;
        struct lc_err probe = LC_ERR_INIT;

        if (propfind(w, url, "0", props_object, what, &ms, &missing, &probe) == 0 && ms.len > 0 &&
            ms.items[0].collection)
            *out_status = 405;
        lc_webdav_multistatus_done(&ms);
    }
    if (rc == 0 && *out_status != 201 && *out_status != 405 && *out_status != 409)
        rc = check(w, *out_status, what, err);
    free(what);
    free(shown);
    free(url);
    return rc;
}

/*
 * Makes sure the collection `dir` (relative, "" for the base) exists: MKCOL from the
 * deepest level up while the server answers 409 (parent missing), then back down.
 * 201 is made, 405 was there already.
 */
static int ensure_collection(struct webdav *w, const char *dir, struct lc_err *err)
{
    char *esc = lc_http_escape(dir, 1);
    char *full = lc_xasprintf("%s%s%s", w->base, *esc ? "/" : "", esc);
    size_t ends[MAX_LEVELS];
    size_t n = 0;
    size_t have;
    long status = 0;
    int rc = -1;

    if (!*full || (w->made_dir && strcmp(w->made_dir, full) == 0)) {
        rc = 0;
        goto out;
    }
    for (size_t idx = 1; idx <= strlen(full); idx++) {
        if (full[idx] != '/' && full[idx] != '\0')
            continue;
        if (full[idx - 1] == '/')
            continue;  /* "//" */
        if (n == MAX_LEVELS) {
            lc_err_set(err, LC_E_CONFIG, "'%s' is more than %d collections deep", dir, MAX_LEVELS);
            goto out;
        }
        ends[n++] = idx;
    }
    for (have = n; have > 0; have--) {
        if (mkcol(w, full, ends[have - 1], &status, err) < 0)
            goto out;
        if (status != 409)
            break;
    }
    if (have == 0) {
        lc_err_set(err, LC_E_DATA, "creating collection '%s': the server has none of its parents",
                   *dir ? dir : w->base_path);
        lc_err_hint(err, "check the url of [target.%s]", w->http.cfg->name);
        goto out;
    }
    for (; have < n; have++) {
        if (mkcol(w, full, ends[have], &status, err) < 0)
            goto out;
        if (status == 409) {
            lc_err_set(err, LC_E_DATA, "creating collection '%s': HTTP 409: conflict (a file is "
                       "in the way?)", *dir ? dir : w->base_path);
            goto out;
        }
    }
    free(w->made_dir);
    w->made_dir = full;
    full = NULL;
    rc = 0;
out:
    free(full);
    free(esc);
    return rc;
}

/* ---------------------------------------------------------------------------------- */
/* objects */

/*
 * PROPFIND Depth 0 of one object: 1 and *out filled, 0 when it is not there, -1 (a
 * collection under that name is LC_E_DATA: never an object, never removed).
 */
static int stat_object(struct webdav *w, const char *name, const char *what,
                       struct lc_target_object *out, struct lc_err *err)
{
    struct lc_webdav_multistatus ms = {NULL, 0};
    char *url = url_of(w, name, 0);
    int missing = 0;
    int rc = -1;

    if (propfind(w, url, "0", props_object, what, &ms, &missing, err) < 0)
        goto out;
    if (missing || ms.len == 0 || (ms.items[0].status >= 300)) {
        rc = 0;
        goto out;
    }
    if (ms.items[0].collection) {
        lc_err_set(err, LC_E_DATA, "%s: '%s' is a collection, not an object", what, name);
        goto out;
    }
    if (!ms.items[0].has_size) {
        lc_err_set(err, LC_E_DATA, "%s: the server tells no size (getcontentlength)", what);
        goto out;
    }
    out->name = NULL;
    out->size = ms.items[0].size;
    out->mtime = ms.items[0].mtime;
    rc = 1;
out:
    lc_webdav_multistatus_done(&ms);
    free(url);
    return rc;
}

/* DELETE of an object after checking it is not a collection (DELETE is recursive). */
static int delete_object(struct webdav *w, const char *name, struct lc_err *err)
{
    struct lc_target_object o;
    char *what = lc_xasprintf("removal of '%s'", name);
    char *url = NULL;
    long status = 0;
    int rc = stat_object(w, name, what, &o, err);

    if (rc <= 0)
        goto out;
    url = url_of(w, name, 0);
    rc = simple(w, "DELETE", url, NULL, what, &status, err);
    if (rc == 0 && status != 404)
        rc = check(w, status, what, err);
out:
    free(url);
    free(what);
    return rc < 0 ? -1 : 0;
}

static int seek_source(void *userdata, curl_off_t offset, int origin)
{
    struct lc_http_upload *up = userdata;

    if (origin != SEEK_SET || offset != 0 || !up->src->rewind)
        return CURL_SEEKFUNC_CANTSEEK;
    if (up->src->rewind(up->src->ctx, &up->err) < 0)
        return CURL_SEEKFUNC_FAIL;
    up->sent = 0;
    return CURL_SEEKFUNC_OK;
}

/* PUT of the source to url; *out_started is set once the server may hold something. */
static int upload(struct webdav *w, const char *url, const char *name,
                  const struct lc_target_source *src, int *out_started, struct lc_err *err)
{
    struct lc_http_upload up;
    /* a refusal (login, quota, permissions) comes before the body is sent */
    struct curl_slist *headers = curl_slist_append(NULL, "Expect: 100-continue");
    char *what = lc_xasprintf("upload of '%s'", name);
    long status = 0;
    CURL *c = begin(w, NULL, url);
    int rc = -1;

    lc_http_upload_init(&up, src);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, lc_http_read_source);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_source);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &up);
    if (src->size >= 0)  /* else chunked */
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)src->size);
    *out_started = 1;
    if (perform(w, what, &status, err) < 0) {
        if (up.err.status != LC_OK && err->status != LC_E_TEMPFAIL) {
            *err = up.err;  /* the source failed: that is the cause, not curl's abort */
            lc_err_prefix(err, "%s", what);
        }
        goto out;
    }
    if (check(w, status, what, err) < 0)
        goto out;
    if (src->size >= 0 && up.sent != (uint64_t)src->size) {
        lc_err_set(err, LC_E_IO, "%s: the source gave %llu bytes, %lld were expected", what,
                   (unsigned long long)up.sent, (long long)src->size);
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(headers);
    free(what);
    return rc;
}

static int move(struct webdav *w, const char *from, const char *to, const char *what,
                long *out_status, struct lc_err *err)
{
    char *dest = lc_xasprintf("Destination: %s", to);
    struct curl_slist *headers = curl_slist_append(NULL, dest);
    int rc;

    headers = curl_slist_append(headers, "Overwrite: F");
    rc = simple(w, "MOVE", from, headers, what, out_status, err);
    curl_slist_free_all(headers);
    free(dest);
    return rc;
}

/*
 * Renames the uploaded temporary object to its final name. "Overwrite: F" keeps a MOVE
 * from replacing anything; a re-ship of the same name finds it there (412): then the
 * old object is deleted and the MOVE repeated. Between those two requests the name is
 * briefly absent (a reader sees "not there", never a half object); the temporary object
 * is never visible under the final name.
 */
static int publish(struct webdav *w, const char *tmp_url, const char *name, struct lc_err *err)
{
    char *final = url_of(w, name, 0);
    char *what = lc_xasprintf("publishing '%s'", name);
    long status = 0;
    int rc = -1;

    if (move(w, tmp_url, final, what, &status, err) < 0)
        goto out;
    if (status == 412) {
        if (delete_object(w, name, err) < 0)
            goto out;
        if (move(w, tmp_url, final, what, &status, err) < 0)
            goto out;
    }
    if (check(w, status, what, err) < 0)
        goto out;
    rc = 0;
out:
    free(what);
    free(final);
    return rc;
}

/*
 * Best effort, bounded by `timeout` as a whole: a failed upload's temporary object goes,
 * after SIGTERM too (which is why this request alone does not stop on a signal).
 */
static void discard_temp(struct webdav *w, const char *url)
{
    struct lc_err ignored = LC_ERR_INIT;
    long status = 0;
    CURL *c = begin(w, "DELETE", url);

    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)w->http.cfg->timeout_ms);
    (void)perform(w, "removal of the temporary object", &status, &ignored);
}

static int webdav_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                      struct lc_err *err)
{
    struct webdav *w = t->priv;
    const char *slash = strrchr(name, '/');
    char *dir = lc_xstrndup(name, slash ? (size_t)(slash - name) : 0);
    char *tmp_name = lc_target_temp_name(name);
    char *tmp_url = url_of(w, tmp_name, 0);
    int started = 0;
    int rc = -1;

    if (ensure_collection(w, dir, err) < 0)
        goto out;
    if (upload(w, tmp_url, name, src, &started, err) < 0)
        goto out;
    if (publish(w, tmp_url, name, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0 && started)
        discard_temp(w, tmp_url);
    if (rc < 0) {
        free(w->made_dir);  /* it may be what went away */
        w->made_dir = NULL;
    }
    free(tmp_url);
    free(tmp_name);
    free(dir);
    return rc;
}

struct get_state {
    CURL *curl;
    struct lc_http_download down;
};

/* Only a 2xx answer's body goes to the sink (an error page never does). */
static size_t get_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct get_state *g = userdata;
    long status = 0;

    curl_easy_getinfo(g->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300)
        return size * nmemb;
    return lc_http_write_sink(ptr, size, nmemb, &g->down);
}

static int webdav_get(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
                      struct lc_err *err)
{
    struct webdav *w = t->priv;
    char *url = url_of(w, name, 0);
    char *what = lc_xasprintf("download of '%s'", name);
    struct get_state g;
    long status = 0;
    CURL *c = begin(w, NULL, url);
    int rc = -1;

    g.curl = c;
    lc_http_download_init(&g.down, sink);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, get_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
    if (perform(w, what, &status, err) < 0) {
        if (g.down.err.status != LC_OK && err->status != LC_E_TEMPFAIL)
            *err = g.down.err;  /* the sink failed: that is the cause */
        goto out;
    }
    if (check(w, status, what, err) < 0)
        goto out;
    rc = 0;
out:
    free(what);
    free(url);
    return rc;
}

static int webdav_list(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                       struct lc_err *err)
{
    struct webdav *w = t->priv;
    struct lc_webdav_multistatus ms = {NULL, 0};
    char *url = url_of(w, dir, 1);
    char *self = lc_xasprintf("%s%s%s", w->base_path, *dir ? "/" : "", dir);
    size_t self_len = strlen(self);
    char *what;
    int missing = 0;
    int rc = -1;

    while (self_len > 0 && self[self_len - 1] == '/')
        self[--self_len] = '\0';
    what = lc_xasprintf("listing of '%s'", *self ? self : "/");
    if (propfind(w, url, "1", props_object, what, &ms, &missing, err) < 0)
        goto out;
    for (size_t idx = 0; idx < ms.len; idx++) {
        const struct lc_webdav_entry *e = &ms.items[idx];
        const char *slash = strrchr(e->path, '/');
        const char *base = slash ? slash + 1 : e->path;

        /* the collection itself, sub-collections, entries the server could not read */
        if (strcmp(e->path, self) == 0 || e->collection || !*base ||
            (e->status != 0 && (e->status < 200 || e->status >= 300)))
            continue;
        lc_target_objects_add(out, base, e->has_size ? e->size : 0, e->mtime);
    }
    rc = 0;
out:
    lc_webdav_multistatus_done(&ms);
    free(what);
    free(self);
    free(url);
    return rc;
}

static int webdav_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                       struct lc_err *err)
{
    char *what = lc_xasprintf("stat of '%s'", name);
    int rc = stat_object(t->priv, name, what, out, err);

    free(what);
    return rc;
}

static int webdav_remove(struct lc_target *t, const char *name, struct lc_err *err)
{
    return delete_object(t->priv, name, err);
}

static int webdav_free_space(struct lc_target *t, uint64_t *out_bytes, struct lc_err *err)
{
    struct webdav *w = t->priv;
    struct lc_webdav_multistatus ms = {NULL, 0};
    char *url = url_of(w, "", 1);
    int missing = 0;
    int rc = -1;

    if (propfind(w, url, "0", props_quota, "free space query", &ms, &missing, err) < 0)
        goto out;
    rc = 0;
    /* servers without RFC 4331 (Debian's Apache among them) tell nothing */
    if (ms.len > 0 && ms.items[0].has_quota) {
        *out_bytes = ms.items[0].quota_available;
        rc = 1;
    }
out:
    lc_webdav_multistatus_done(&ms);
    free(url);
    return rc;
}

const struct lc_target_ops lc_target_webdav_ops = {
    .scheme = "https",
    .open = webdav_open,
    .put = webdav_put,
    .get = webdav_get,
    .list = webdav_list,
    .stat = webdav_stat,
    .remove = webdav_remove,
    .free_space = webdav_free_space,
    .close = webdav_close,
};
