/*
 * The sftp:// target driver (sftp://user@host:port/path), on libcurl + libssh2 through
 * common/http.c. It logs in with a key only (ssh_key; ssh_key.pub when present) and
 * checks the server's host key against known_hosts (never accepting an unknown or changed
 * key). The URL path is absolute on the server; "/~/" starts it at the login directory.
 * An upload goes to a hidden temporary name beside the final one (directories created
 * 0700, files 0600) and is renamed over the final name by a post-quote command; listings
 * come from the server's "ls -l" lines (regular files only) plus one stat per file for
 * the exact size and time; free space comes from the statvfs@openssh.com extension.
 * A password of the target, if set, is the passphrase of ssh_key. Limits: curl's stat
 * does not tell the type, so a directory under an object's name stats as present; SFTP
 * v3 reports a full disk only as "Failure", so a failed upload asks statvfs to tell.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/signals.h"
#include "common/target.h"

#define SCHEME "sftp://"
#define DEFAULT_PORT 22
/* after a failed write, less free space than this (or than what remained to send) means
 * the target is full: SFTP v3 reports ENOSPC only as the generic status "Failure" */
#define LOW_SPACE (1024 * 1024)
/* What libcurl hands libssh2 per write: libssh2 pipelines it as many SFTP packets, so
 * bigger means fewer round trips (curl allows up to 2 MiB). */
#define UPLOAD_BUFFER (2L * 1024 * 1024)

struct sftp_target {
    struct lc_http http;
    char *host;               /* as in the URL ("[::1]" stays bracketed) */
    long port;
    char *user;
    char *origin;             /* "sftp://host:port" */
    char *base;               /* decoded path, no trailing '/': "" (root), "/x", "/~", "/~/x" */
    char *pubkey;             /* ssh_key + ".pub", NULL when there is none */
    /* what the host key check of the current request found */
    int kh_called;
    enum curl_khmatch kh_match;
    char kh_found[160];       /* "ssh-ed25519 SHA256:..." */
    int interruptible;
};

/* ----------------------------------------------------------------------------------------
 * names, paths and URLs */

/* Percent-decodes s[0..len) into a new string; NULL when it decodes to a NUL byte. */
static char *url_decode(const char *s, size_t len)
{
    int outlen = 0;
    char *dec, *out = NULL;

    if (len == 0)
        return lc_xstrdup("");
    dec = curl_easy_unescape(NULL, s, (int)len, &outlen); /* curl 7.82+ ignores the handle */
    if (!dec) {
        lc_log_error("out of memory decoding a url");
        exit(LC_E_OSERR);
    }
    if ((size_t)outlen == strlen(dec))
        out = lc_xstrdup(dec);
    curl_free(dec);
    return out;
}

/* The server path of `name` (relative to the base; "" is the base itself). */
static char *path_of(const struct sftp_target *st, const char *name)
{
    if (!*name)
        return lc_xstrdup(*st->base ? st->base : "/");
    return lc_xasprintf("%s/%s", st->base, name);
}

/* The URL of a server path (each part percent-encoded; a trailing '/' kept). */
static char *url_of(const struct sftp_target *st, const char *path)
{
    char *esc = lc_http_escape(path, 1);
    char *url = lc_xasprintf("%s%s", st->origin, esc);

    free(esc);
    return url;
}

/*
 * A server path as a quote-command argument: double-quoted with '"' and '\' escaped (so
 * spaces are safe). curl expands "/~/" only in unquoted arguments, but SFTP resolves a
 * relative path against the login directory, so "/~/x" becomes "x" and "/~" becomes ".".
 */
static char *quote_arg(const char *path)
{
    struct lc_buf b = LC_BUF_INIT;

    if (strcmp(path, "/~") == 0)
        path = ".";
    else if (strncmp(path, "/~/", 3) == 0)
        path += 3;
    lc_buf_putc(&b, '"');
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            lc_buf_putc(&b, '\\');
        lc_buf_putc(&b, *p);
    }
    lc_buf_putc(&b, '"');
    return lc_buf_steal(&b);
}

/* "<cmd> <quoted a>[ <quoted b>]", prefixed by '*' (failure ignored) when `optional`. */
static char *quote_cmd(int optional, const char *cmd, const char *a, const char *b)
{
    char *qa = quote_arg(a);
    char *qb = b ? quote_arg(b) : NULL;
    char *s = lc_xasprintf("%s%s %s%s%s", optional ? "*" : "", cmd, qa, qb ? " " : "",
                           qb ? qb : "");

    free(qa);
    free(qb);
    return s;
}

static struct curl_slist *slist_add(struct curl_slist *list, char *owned)
{
    struct curl_slist *l = curl_slist_append(list, owned);

    free(owned);
    if (!l) {
        lc_log_error("out of memory appending to a curl list");
        exit(LC_E_OSERR);
    }
    return l;
}

static char *parent_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash || slash == path)
        return lc_xstrdup("/");
    return lc_xstrndup(path, (size_t)(slash - path));
}

/* ----------------------------------------------------------------------------------------
 * requests */

static void fingerprint(const struct curl_khkey *key, char *out, size_t outlen)
{
    const char *type;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    unsigned mdlen = 0;
    int n;

    out[0] = '\0';
    if (!key || !key->key || key->len == 0) /* curl passes the server's key raw */
        return;
    type = key->keytype == CURLKHTYPE_ED25519 ? "ssh-ed25519"
           : key->keytype == CURLKHTYPE_ECDSA ? "ecdsa"
           : key->keytype == CURLKHTYPE_RSA   ? "ssh-rsa"
           : key->keytype == CURLKHTYPE_DSS   ? "ssh-dss"
                                              : "a key";
    if (!EVP_Digest(key->key, key->len, md, &mdlen, EVP_sha256(), NULL))
        return;
    n = EVP_EncodeBlock(b64, md, (int)mdlen);
    while (n > 0 && b64[n - 1] == '=') /* ssh-keygen -l prints it without padding */
        b64[--n] = '\0';
    snprintf(out, outlen, "%s SHA256:%s", type, (char *)b64);
}

/* CURLOPT_SSH_KEYFUNCTION: only a key that known_hosts has for this host:port passes. */
static int host_key_check(CURL *easy, const struct curl_khkey *knownkey,
                          const struct curl_khkey *foundkey, enum curl_khmatch match,
                          void *clientp)
{
    struct sftp_target *st = clientp;

    (void)easy;
    (void)knownkey;
    st->kh_called = 1;
    st->kh_match = match;
    fingerprint(foundkey, st->kh_found, sizeof(st->kh_found));
    return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

/* CURLOPT_XFERINFOFUNCTION: SIGTERM/SIGINT end the transfer (then the out: path runs). */
static int progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
    const struct sftp_target *st = clientp;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return st->interruptible && lc_interrupted();
}

/* Resets the handle for one request on `url` with the login and host key options. */
static void setup(struct sftp_target *st, const char *url, int interruptible)
{
    CURL *c = st->http.curl;
    const struct lc_target_cfg *cfg = st->http.cfg;

    lc_http_prepare(&st->http);
    st->kh_called = 0;
    st->kh_match = CURLKHMATCH_OK;
    st->kh_found[0] = '\0';
    st->interruptible = interruptible;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "sftp");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_USERNAME, st->user);
    curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
    curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, cfg->ssh_key);
    /* without it libssh2 derives the public key from the private one */
    if (st->pubkey)
        curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, st->pubkey);
    if (cfg->password) /* the key's passphrase, if it has one */
        curl_easy_setopt(c, CURLOPT_KEYPASSWD, cfg->password);
    curl_easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, cfg->known_hosts);
    curl_easy_setopt(c, CURLOPT_SSH_KEYFUNCTION, host_key_check);
    curl_easy_setopt(c, CURLOPT_SSH_KEYDATA, st);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, st);
}

/* "ssh-keyscan [-p PORT] HOST" for hints (an IPv6 address without its brackets) */
static void keyscan_cmd(const struct sftp_target *st, char *out, size_t len)
{
    const char *host = st->host;
    int hlen = (int)strlen(host);

    if (host[0] == '[' && hlen > 2) {
        host++;
        hlen -= 2;
    }
    if (st->port == DEFAULT_PORT)
        snprintf(out, len, "ssh-keyscan %.*s", hlen, host);
    else
        snprintf(out, len, "ssh-keyscan -p %ld %.*s", st->port, hlen, host);
}

/* lc_http_perform() with what only this driver knows: the host key check's verdict,
 * an interruption, and hints. */
static int perform(struct sftp_target *st, const char *what, struct lc_err *err)
{
    const struct lc_target_cfg *cfg = st->http.cfg;
    char scan[300];

    if (lc_http_perform(&st->http, what, NULL, err) == 0)
        return 0;
    if (st->interruptible && lc_check_interrupted(err) < 0)
        return -1;
    keyscan_cmd(st, scan, sizeof(scan));
    if (st->kh_called && st->kh_match == CURLKHMATCH_MISSING) {
        lc_err_set(err, LC_E_NOPERM, "host key of '%s:%ld' is not in known_hosts '%s' "
                   "(the server offers %s)", st->host, st->port, cfg->known_hosts,
                   st->kh_found[0] ? st->kh_found : "an unknown key");
        lc_err_hint(err, "check that fingerprint with the server's admin, then: %s >> %s", scan,
                    cfg->known_hosts);
    } else if (st->kh_called && st->kh_match == CURLKHMATCH_MISMATCH) {
        lc_err_set(err, LC_E_NOPERM, "host key of '%s:%ld' has CHANGED (possible "
                   "man-in-the-middle): the server offers %s, known_hosts '%s' has another",
                   st->host, st->port, st->kh_found[0] ? st->kh_found : "an unknown key",
                   cfg->known_hosts);
        lc_err_hint(err, "if the key was changed on purpose, verify it, remove the old line "
                    "from '%s' (ssh-keygen -R) and add the new one (%s)", cfg->known_hosts, scan);
    } else if (st->kh_called && st->kh_match != CURLKHMATCH_OK) {
        lc_err_set(err, LC_E_NOPERM, "cannot check the host key of '%s:%ld' against "
                   "known_hosts '%s'", st->host, st->port, cfg->known_hosts);
    } else if (err->status == LC_E_NOPERM) {
        lc_err_hint(err, "login or access refused: is '%s.pub' in the authorized_keys of '%s' "
                    "on '%s', and may '%s' use that path?", cfg->ssh_key, st->user, st->host,
                    st->user);
    } else if (err->status == LC_E_UNAVAILABLE) {
        lc_err_hint(err, "is the SSH server on '%s' port %ld up and reachable? try: "
                    "sftp -P %ld -i %s %s@%s", st->host, st->port, st->port, cfg->ssh_key,
                    st->user, st->host);
    }
    return -1;
}

/* A request that only runs quote commands: a directory URL with NOBODY opens nothing. */
static void setup_quote(struct sftp_target *st, struct curl_slist *cmds, int interruptible)
{
    char *url = lc_xasprintf("%s/", st->origin);

    setup(st, url, interruptible);
    free(url);
    curl_easy_setopt(st->http.curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(st->http.curl, CURLOPT_QUOTE, cmds);
}

/*
 * The free bytes of the first "statvfs:" block in curl's header lines (f_bavail *
 * f_frsize, or f_bsize when f_frsize is 0). 1 when found, 0 when there is none.
 */
static int parse_statvfs(const char *text, uint64_t *out_bytes)
{
    const char *block = strstr(text, "statvfs:");
    unsigned long long bsize = 0, frsize = 0, bavail = 0;
    int have = 0;

    if (!block)
        return 0;
    for (const char *line = block; *line;) {
        const char *end = line + strcspn(line, "\r\n");

        if (line != block && strncmp(line, "statvfs:", 8) == 0)
            break; /* the next block */
        have |= sscanf(line, "f_bavail: %llu", &bavail) == 1;
        (void)sscanf(line, "f_frsize: %llu", &frsize);
        (void)sscanf(line, "f_bsize: %llu", &bsize);
        line = end + strspn(end, "\r\n");
    }
    if (!have || (frsize == 0 && bsize == 0))
        return 0;
    *out_bytes = (uint64_t)bavail * (frsize ? frsize : bsize);
    return 1;
}

/* ----------------------------------------------------------------------------------------
 * open, close */

/* Fills host, port, base and origin from `url` (`shown`: the url for messages). */
static int parse_url(struct sftp_target *st, const char *url, const char *shown,
                     char **out_url_user, struct lc_err *err)
{
    const char *auth = url + strlen(SCHEME);
    size_t span = strcspn(auth, "/?#");
    const char *at = NULL, *hostp, *end = auth + span, *colon = NULL;
    char *port_s = NULL;
    int rc = -1;

    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at && memchr(auth, ':', (size_t)(at - auth))) {
        lc_err_set(err, LC_E_CONFIG, "sftp url '%s' must not carry a password: the sftp "
                   "target logs in with ssh_key only", shown);
        goto out;
    }
    if (strpbrk(auth, "?#")) {
        lc_err_set(err, LC_E_CONFIG, "sftp url '%s' must not have a query or fragment", shown);
        goto out;
    }
    if (at && at > auth) {
        *out_url_user = url_decode(auth, (size_t)(at - auth));
        if (!*out_url_user) {
            lc_err_set(err, LC_E_CONFIG, "sftp url '%s': %%00 in the user", shown);
            goto out;
        }
    }
    hostp = at ? at + 1 : auth;
    if (*hostp == '[') {
        const char *close = memchr(hostp, ']', (size_t)(end - hostp));

        if (!close) {
            lc_err_set(err, LC_E_CONFIG, "sftp url '%s': unterminated '[' in the host", shown);
            goto out;
        }
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
        if (!colon && close + 1 != end) {
            lc_err_set(err, LC_E_CONFIG, "sftp url '%s': junk after the host", shown);
            goto out;
        }
    } else {
        colon = memchr(hostp, ':', (size_t)(end - hostp));
    }
    st->host = lc_xstrndup(hostp, (size_t)((colon ? colon : end) - hostp));
    if (!*st->host) {
        lc_err_set(err, LC_E_CONFIG, "sftp url '%s' names no host: "
                   "sftp://user@host:port/path", shown);
        goto out;
    }
    st->port = DEFAULT_PORT;
    if (colon) {
        char *stop = NULL;

        port_s = lc_xstrndup(colon + 1, (size_t)(end - colon - 1));
        errno = 0;
        st->port = strtol(port_s, &stop, 10);
        if (!*port_s || *stop || errno || st->port < 1 || st->port > 65535) {
            lc_err_set(err, LC_E_CONFIG, "sftp url '%s': bad port '%s'", shown, port_s);
            goto out;
        }
    }
    st->base = url_decode(end, strlen(end));
    if (!st->base) {
        lc_err_set(err, LC_E_CONFIG, "sftp url '%s': %%00 in the path", shown);
        goto out;
    }
    for (size_t len = strlen(st->base); len > 0 && st->base[len - 1] == '/'; len--)
        st->base[len - 1] = '\0';
    st->origin = lc_xasprintf(SCHEME "%s:%ld", st->host, st->port);
    rc = 0;
out:
    free(port_s);
    return rc;
}

static int readable(const char *key, const char *path, struct lc_err *err)
{
    if (access(path, R_OK) < 0)
        return lc_err_sys(err, LC_E_CONFIG, "cannot read %s '%s'", key, path);
    return 0;
}

static void sftp_close(struct lc_target *t)
{
    struct sftp_target *st = t->priv;

    if (!st)
        return;
    lc_http_done(&st->http);
    free(st->host);
    free(st->user);
    free(st->origin);
    free(st->base);
    free(st->pubkey);
    free(st);
    t->priv = NULL;
}

static int sftp_open(struct lc_target *t, struct lc_err *err)
{
    const struct lc_target_cfg *cfg = t->cfg;
    struct sftp_target *st = lc_xcalloc(1, sizeof(*st));
    char *url_user = NULL;
    char *shown = lc_http_redact_url(cfg->url);
    char *pub = NULL;
    char scan[300];
    int rc = -1;

    t->priv = st;
    if (strncasecmp(cfg->url, SCHEME, strlen(SCHEME)) != 0) {
        lc_err_set(err, LC_E_CONFIG, "url '%s' is not sftp://", shown);
        goto out;
    }
    if (parse_url(st, cfg->url, shown, &url_user, err) < 0)
        goto out;
    if (cfg->user && *cfg->user)
        st->user = lc_xstrdup(cfg->user);
    else if (url_user)
        st->user = lc_xstrdup(url_user);
    if (!st->user) {
        lc_err_set(err, LC_E_CONFIG, "sftp url '%s' names no user", shown);
        lc_err_hint(err, "write sftp://USER@%s:%ld%s or set user=", st->host, st->port,
                    st->base);
        goto out;
    }
    if (!cfg->ssh_key || !*cfg->ssh_key) {
        lc_err_set(err, LC_E_CONFIG, "sftp target needs ssh_key (the private key to log in "
                   "with: there is no password login)");
        lc_err_hint(err, "ssh-keygen -t ed25519 -N '' -f /etc/lcbp3/id_ed25519, add the .pub "
                    "to authorized_keys on '%s', set ssh_key=/etc/lcbp3/id_ed25519", st->host);
        goto out;
    }
    if (!cfg->known_hosts || !*cfg->known_hosts) {
        lc_err_set(err, LC_E_CONFIG, "sftp target needs known_hosts (the host keys the "
                   "server '%s' may present)", st->host);
        keyscan_cmd(st, scan, sizeof(scan));
        lc_err_hint(err, "%s > /etc/lcbp3/known_hosts, check the fingerprints, set "
                    "known_hosts=/etc/lcbp3/known_hosts", scan);
        goto out;
    }
    if (readable("ssh_key", cfg->ssh_key, err) < 0 ||
        readable("known_hosts", cfg->known_hosts, err) < 0)
        goto out;
    pub = lc_xasprintf("%s.pub", cfg->ssh_key);
    if (access(pub, R_OK) == 0) {
        st->pubkey = pub;
        pub = NULL;
    }
    if (lc_http_init(&st->http, cfg, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        sftp_close(t);
    free(pub);
    free(url_user);
    free(shown);
    return rc;
}

/* ----------------------------------------------------------------------------------------
 * put */

struct put_state {
    struct lc_http_upload up;
    int64_t size;
    int started;              /* the server opened the temporary file */
};

/* lc_http_read_source() that also holds the source to its announced size, so that a
 * short or long source aborts the upload before the rename publishes it. */
static size_t put_read(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct put_state *ps = userdata;
    size_t n;

    ps->started = 1;
    n = lc_http_read_source(buf, size, nitems, &ps->up);
    if (n == CURL_READFUNC_ABORT || ps->size < 0)
        return n;
    if (ps->up.sent > (uint64_t)ps->size || (n == 0 && ps->up.sent != (uint64_t)ps->size)) {
        lc_err_set(&ps->up.err, LC_E_IO, "the source gave %s%llu bytes, %lld were expected",
                   n ? "at least " : "", (unsigned long long)ps->up.sent, (long long)ps->size);
        return CURL_READFUNC_ABORT;
    }
    return n;
}

/*
 * After a failed upload: removes the temporary file (best effort: the server may be gone)
 * and, when the failure says nothing clearer, asks the directory's free space first: a
 * write that failed with little space left means the target is full (LC_E_IO + hint).
 */
static void put_cleanup(struct sftp_target *st, const struct put_state *ps, const char *tmp,
                        struct lc_err *err)
{
    struct curl_slist *cmds = NULL;
    struct lc_buf headers = LC_BUF_INIT;
    struct lc_err ignored = LC_ERR_INIT;
    int check_space = ps->up.err.status == LC_OK && /* not the source's failure */
                      (err->status == LC_E_UNAVAILABLE || err->status == LC_E_IO);
    char *dir = parent_of(tmp);
    uint64_t free_bytes = 0, needed = LOW_SPACE;

    if (check_space)
        cmds = slist_add(cmds, quote_cmd(1, "statvfs", dir, NULL));
    cmds = slist_add(cmds, quote_cmd(1, "rm", tmp, NULL));
    setup_quote(st, cmds, 0);
    curl_easy_setopt(st->http.curl, CURLOPT_HEADERFUNCTION, lc_http_write_buf);
    curl_easy_setopt(st->http.curl, CURLOPT_HEADERDATA, &headers);
    if (ps->size >= 0 && (uint64_t)ps->size > ps->up.sent &&
        (uint64_t)ps->size - ps->up.sent > needed)
        needed = (uint64_t)ps->size - ps->up.sent;
    if (perform(st, "removal of the temporary file", &ignored) == 0 && check_space &&
        headers.data && parse_statvfs(headers.data, &free_bytes) && free_bytes < needed) {
        char msg[sizeof(err->msg)];

        memcpy(msg, err->msg, sizeof(msg));
        lc_err_set(err, LC_E_IO, "%s; the target is full (%llu bytes free in '%s')", msg,
                   (unsigned long long)free_bytes, dir);
        lc_err_hint(err, "the target's file system is full: free space there or lower its "
                         "retention (keep_days, keep_daily, ...)");
    }
    curl_slist_free_all(cmds);
    lc_buf_done(&headers);
    free(dir);
}

static int sftp_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                    struct lc_err *err)
{
    struct sftp_target *st = t->priv;
    CURL *c = st->http.curl;
    char *path = path_of(st, name);
    char *tmp = lc_target_temp_name(path);
    char *url = url_of(st, tmp);
    char *what = lc_xasprintf("upload to '%s'", path);
    struct curl_slist *post = NULL;
    struct put_state ps;
    int rc = -1;

    memset(&ps, 0, sizeof(ps));
    lc_http_upload_init(&ps.up, src);
    ps.size = src->size;
    /*
     * SFTP v3 rename (libssh2 1.10 does not use posix-rename@openssh.com) fails when the
     * final name exists, so an existing object is removed first ('*': missing is fine).
     * Between the rm and the rename no object is under the name: a reader in that window
     * sees it missing, never half written. Set names are unique, so this only happens
     * when an object is shipped again.
     */
    post = slist_add(post, quote_cmd(1, "rm", path, NULL));
    post = slist_add(post, quote_cmd(0, "rename", tmp, path));
    setup(st, url, 1);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, UPLOAD_BUFFER);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, put_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &ps);
    if (src->size >= 0) /* unknown: no INFILESIZE, curl reads to the end */
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)src->size);
    curl_easy_setopt(c, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR);
    curl_easy_setopt(c, CURLOPT_NEW_FILE_PERMS, 0600L);
    curl_easy_setopt(c, CURLOPT_NEW_DIRECTORY_PERMS, 0700L);
    curl_easy_setopt(c, CURLOPT_POSTQUOTE, post);
    if (perform(st, what, err) < 0) {
        if (err->status != LC_E_TEMPFAIL && ps.up.err.status != LC_OK) {
            *err = ps.up.err; /* the source's own failure explains it best */
            lc_err_prefix(err, "%s", what);
        }
        if (ps.started)
            put_cleanup(st, &ps, tmp, err);
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(post);
    free(what);
    free(url);
    free(tmp);
    free(path);
    return rc;
}

/* ----------------------------------------------------------------------------------------
 * get, stat, list, remove, free space */

static int sftp_get(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
                    struct lc_err *err)
{
    struct sftp_target *st = t->priv;
    char *path = path_of(st, name);
    char *url = url_of(st, path);
    char *what = lc_xasprintf("download of '%s'", path);
    struct lc_http_download down;
    int rc = -1;

    lc_http_download_init(&down, sink);
    setup(st, url, 1);
    curl_easy_setopt(st->http.curl, CURLOPT_WRITEFUNCTION, lc_http_write_sink);
    curl_easy_setopt(st->http.curl, CURLOPT_WRITEDATA, &down);
    if (perform(st, what, err) < 0) {
        if (err->status != LC_E_TEMPFAIL && down.err.status != LC_OK) {
            *err = down.err;
            lc_err_prefix(err, "%s", what);
        }
        goto out;
    }
    rc = 0;
out:
    free(what);
    free(url);
    free(path);
    return rc;
}

/* stat of a server path: 1 and *out, 0 when missing, -1 on error */
static int stat_path(struct sftp_target *st, const char *path, struct lc_target_object *out,
                     struct lc_err *err)
{
    char *url = url_of(st, path);
    char *what = lc_xasprintf("stat of '%s'", path);
    curl_off_t size = -1, mtime = -1;
    int rc = -1;

    setup(st, url, 1);
    curl_easy_setopt(st->http.curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(st->http.curl, CURLOPT_FILETIME, 1L);
    if (perform(st, what, err) < 0) {
        if (err->status == LC_E_NOINPUT) {
            lc_err_clear(err);
            rc = 0;
        }
        goto out;
    }
    curl_easy_getinfo(st->http.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
    curl_easy_getinfo(st->http.curl, CURLINFO_FILETIME_T, &mtime);
    out->name = NULL;
    /* curl reports an empty file as size -1 ("unknown"): OpenSSH always tells the size */
    out->size = size > 0 ? (uint64_t)size : 0;
    out->mtime = mtime > 0 ? (time_t)mtime : 0;
    rc = 1;
out:
    free(what);
    free(url);
    return rc;
}

static int sftp_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                     struct lc_err *err)
{
    struct sftp_target *st = t->priv;
    char *path = path_of(st, name);
    int rc = stat_path(st, path, out, err);

    free(path);
    return rc;
}

/*
 * One line of the server's long listing (OpenSSH: "%s %3u %-8.8s %-8.8s %8llu %s %s",
 * mode, links, owner, group, size, 12-character date, name). Only the type and the name
 * are taken from it: the date is the server's local time to the minute (or just the
 * year), so the exact size and time come from a stat. 1 with *out_name pointing into
 * `line` for a regular file, 0 for anything else, -1 when the line does not parse.
 */
static int parse_long_line(char *line, char **out_name)
{
    char *p = line;

    for (int field = 0; field < 8; field++) {
        p += strspn(p, " ");
        if (!*p)
            return -1;
        p += strcspn(p, " ");
        if (*p != ' ')
            return -1;
    }
    p++; /* the one space before the name */
    if (!*p)
        return -1;
    if (line[0] != '-')
        return 0; /* directories, links (curl appends " -> target"), devices */
    *out_name = p;
    return 1;
}

static int sftp_list(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                     struct lc_err *err)
{
    struct sftp_target *st = t->priv;
    char *path = path_of(st, dir);
    char *dirslash = lc_xasprintf("%s/", strcmp(path, "/") == 0 ? "" : path);
    char *url = url_of(st, dirslash);
    char *what = lc_xasprintf("listing of '%s'", dirslash);
    struct lc_buf text = LC_BUF_INIT;
    char **names = NULL;
    size_t n_names = 0;
    int rc = -1;

    setup(st, url, 1);
    curl_easy_setopt(st->http.curl, CURLOPT_WRITEFUNCTION, lc_http_write_buf);
    curl_easy_setopt(st->http.curl, CURLOPT_WRITEDATA, &text);
    if (perform(st, what, err) < 0) {
        if (err->status == LC_E_NOINPUT) { /* a missing directory is an empty list */
            lc_err_clear(err);
            rc = 0;
        }
        goto out;
    }
    for (char *line = text.data; line && *line;) {
        char *end = line + strcspn(line, "\r\n");
        char *next = end + strspn(end, "\r\n");
        char *name = NULL;
        int kind;

        *end = '\0';
        kind = *line ? parse_long_line(line, &name) : 0;
        if (kind < 0) {
            lc_err_set(err, LC_E_DATA, "%s: cannot parse the line '%.200s'", what, line);
            goto out;
        }
        if (kind > 0 && strchr(name, '/') == NULL) {
            names = lc_xrealloc(names, (n_names + 1) * sizeof(*names));
            names[n_names++] = lc_xstrdup(name);
        }
        line = next;
    }
    for (size_t idx = 0; idx < n_names; idx++) {
        struct lc_target_object o;
        char *fpath = lc_xasprintf("%s%s", dirslash, names[idx]);
        int found = stat_path(st, fpath, &o, err);

        free(fpath);
        if (found < 0)
            goto out;
        if (found > 0) /* else removed meanwhile */
            lc_target_objects_add(out, names[idx], o.size, o.mtime);
    }
    rc = 0;
out:
    for (size_t idx = 0; idx < n_names; idx++)
        free(names[idx]);
    free(names);
    lc_buf_done(&text);
    free(what);
    free(url);
    free(dirslash);
    free(path);
    return rc;
}

static int sftp_remove(struct lc_target *t, const char *name, struct lc_err *err)
{
    struct sftp_target *st = t->priv;
    char *path = path_of(st, name);
    char *what = lc_xasprintf("removal of '%s'", path);
    struct curl_slist *cmds = slist_add(NULL, quote_cmd(0, "rm", path, NULL));
    struct lc_target_object o;
    int rc = -1;

    setup_quote(st, cmds, 1);
    if (perform(st, what, err) < 0) {
        struct lc_err again = LC_ERR_INIT;

        /* a failed rm of a missing object is a success; "*rm" would hide real failures */
        if (err->status == LC_E_IO && stat_path(st, path, &o, &again) == 0) {
            lc_err_clear(err);
            rc = 0;
        }
        goto out;
    }
    rc = 0;
out:
    curl_slist_free_all(cmds);
    free(what);
    free(path);
    return rc;
}

static int sftp_free_space(struct lc_target *t, uint64_t *out_bytes, struct lc_err *err)
{
    struct sftp_target *st = t->priv;
    struct curl_slist *cmds = NULL;
    struct lc_buf headers = LC_BUF_INIT;
    char *path = path_of(st, "");
    int rc = -1;

    /* before the first upload the base may not exist yet: the nearest existing parent
     * answers (the first statvfs that works prints the first block) */
    for (int depth = 0; depth < 64; depth++) {
        char *up;

        cmds = slist_add(cmds, quote_cmd(1, "statvfs", path, NULL));
        if (strcmp(path, "/") == 0 || strcmp(path, "/~") == 0)
            break;
        up = parent_of(path);
        free(path);
        path = up;
    }
    setup_quote(st, cmds, 1);
    curl_easy_setopt(st->http.curl, CURLOPT_HEADERFUNCTION, lc_http_write_buf);
    curl_easy_setopt(st->http.curl, CURLOPT_HEADERDATA, &headers);
    if (perform(st, "free space query", err) < 0)
        goto out;
    /* no block: the server lacks statvfs@openssh.com, so it cannot tell */
    rc = headers.data && parse_statvfs(headers.data, out_bytes) ? 1 : 0;
out:
    curl_slist_free_all(cmds);
    lc_buf_done(&headers);
    free(path);
    return rc;
}

const struct lc_target_ops lc_target_sftp_ops = {
    .scheme = "sftp",
    .open = sftp_open,
    .put = sftp_put,
    .get = sftp_get,
    .list = sftp_list,
    .stat = sftp_stat,
    .remove = sftp_remove,
    .free_space = sftp_free_space,
    .close = sftp_close,
};
