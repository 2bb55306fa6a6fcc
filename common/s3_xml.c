/*
 * The reader of S3's XML answers (see s3_xml.h): one bounded, single-pass scanner that
 * keeps the stack of open elements and calls a document's handler at each start and end
 * tag, with the decoded text of the element that ends. Each answer the driver needs
 * (error, upload id, listing page) is one small handler.
 */
#include "common/s3_xml.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"

#define MAX_DEPTH 32
#define MAX_TEXT (64 * 1024)

struct open_el {
    const char *qname;        /* into the document, for matching the end tag */
    size_t qlen;
    const char *local;        /* after the prefix, if any */
    size_t llen;
};

struct walker {
    const char *start;
    const char *p;
    const char *end;
    struct open_el stack[MAX_DEPTH];
    int depth;                /* elements open, the current one included */
    struct lc_buf text;       /* decoded text since the last tag */
    int (*on_start)(struct walker *w, void *ctx);
    int (*on_end)(struct walker *w, void *ctx);
    void *ctx;
    struct lc_err *err;
};

static int bad(struct walker *w, const char *what)
{
    return lc_err_set(w->err, LC_E_DATA, "malformed XML at byte %zu: %s",
                      (size_t)(w->p - w->start), what);
}

/* Whether the element open at `level` (1 = the root) has the local name `name`. */
static int is(const struct walker *w, int level, const char *name)
{
    size_t len = strlen(name);

    return level >= 1 && level <= w->depth && w->stack[level - 1].llen == len &&
           memcmp(w->stack[level - 1].local, name, len) == 0;
}

static int name_char(unsigned char c, int first)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80)
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static int space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads a name at w->p; 0 and the span, or -1. */
static int read_name(struct walker *w, const char **out, size_t *out_len)
{
    const char *s = w->p;

    if (s >= w->end || !name_char((unsigned char)*s, 1))
        return bad(w, "a name was expected");
    while (s < w->end && name_char((unsigned char)*s, 0))
        s++;
    *out = w->p;
    *out_len = (size_t)(s - w->p);
    w->p = s;
    return 0;
}

/* The position after the first `token` at or after w->p, or NULL. */
static const char *find(const struct walker *w, const char *token)
{
    size_t tlen = strlen(token);

    for (const char *s = w->p; s + tlen <= w->end; s++)
        if (memcmp(s, token, tlen) == 0)
            return s + tlen;
    return NULL;
}

static void put_utf8(struct lc_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    lc_buf_append(b, u, n);
}

/* Decodes the reference at w->p ('&') into the text. */
static int entity(struct walker *w)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    const char *semi = memchr(w->p, ';', (size_t)(w->end - w->p) < 12 ? (size_t)(w->end - w->p) : 12);
    const char *s = w->p + 1;
    size_t len;

    if (!semi)
        return bad(w, "an unterminated '&' reference");
    len = (size_t)(semi - s);
    if (len >= 1 && s[0] == '#') {
        int hex = s[1] == 'x';
        unsigned long cp = 0;
        const char *d = s + 1 + hex;

        if (d == semi)
            return bad(w, "an empty character reference");
        for (; d < semi; d++) {
            int v;

            if (*d >= '0' && *d <= '9')
                v = *d - '0';
            else if (hex && *d >= 'a' && *d <= 'f')
                v = *d - 'a' + 10;
            else if (hex && *d >= 'A' && *d <= 'F')
                v = *d - 'A' + 10;
            else
                return bad(w, "a bad character reference");
            cp = cp * (hex ? 16 : 10) + (unsigned long)v;
            if (cp > 0x10FFFF)
                return bad(w, "a character reference out of range");
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
            return bad(w, "a character reference out of range");
        put_utf8(&w->text, cp);
        w->p = semi + 1;
        return 0;
    }
    for (size_t idx = 0; idx < sizeof(named) / sizeof(named[0]); idx++) {
        if (strlen(named[idx].name) == len && memcmp(named[idx].name, s, len) == 0) {
            lc_buf_putc(&w->text, named[idx].c);
            w->p = semi + 1;
            return 0;
        }
    }
    return bad(w, "an unknown entity");
}

/* Character data up to the next '<'. */
static int chars(struct walker *w)
{
    while (w->p < w->end && *w->p != '<') {
        if (w->depth == 0) {
            if (!space(*w->p))
                return bad(w, "text outside the root element");
            w->p++;
            continue;
        }
        if (*w->p == '&') {
            if (entity(w) < 0)
                return -1;
        } else {
            const char *s = w->p;

            while (s < w->end && *s != '<' && *s != '&')
                s++;
            lc_buf_append(&w->text, w->p, (size_t)(s - w->p));
            w->p = s;
        }
        if (w->text.len > MAX_TEXT)
            return bad(w, "a value longer than 64 KiB");
    }
    return 0;
}

static int start_tag(struct walker *w, int *root_done)
{
    struct open_el el;
    int empty = 0;

    w->p++; /* '<' */
    if (read_name(w, &el.qname, &el.qlen) < 0)
        return -1;
    if (*root_done)
        return bad(w, "a second root element");
    if (w->depth == MAX_DEPTH)
        return bad(w, "elements nested more than 32 deep");
    el.local = el.qname;
    el.llen = el.qlen;
    for (size_t idx = 0; idx < el.qlen; idx++) {
        if (el.qname[idx] == ':') {
            el.local = el.qname + idx + 1;
            el.llen = el.qlen - idx - 1;
        }
    }
    for (;;) {
        const char *aname, *close;
        size_t alen;

        while (w->p < w->end && space(*w->p))
            w->p++;
        if (w->p >= w->end)
            return bad(w, "the document ends inside a tag");
        if (*w->p == '>') {
            w->p++;
            break;
        }
        if (*w->p == '/') {
            if (w->p + 1 >= w->end || w->p[1] != '>')
                return bad(w, "'/' not followed by '>'");
            w->p += 2;
            empty = 1;
            break;
        }
        if (read_name(w, &aname, &alen) < 0)
            return -1;
        while (w->p < w->end && space(*w->p))
            w->p++;
        if (w->p >= w->end || *w->p != '=')
            return bad(w, "an attribute without '='");
        w->p++;
        while (w->p < w->end && space(*w->p))
            w->p++;
        if (w->p >= w->end || (*w->p != '"' && *w->p != '\''))
            return bad(w, "an attribute value without quotes");
        close = memchr(w->p + 1, *w->p, (size_t)(w->end - w->p - 1));
        if (!close || memchr(w->p + 1, '<', (size_t)(close - w->p - 1)))
            return bad(w, "a bad attribute value");
        w->p = close + 1;
    }
    w->stack[w->depth++] = el;
    lc_buf_reset(&w->text);
    if (w->on_start && w->on_start(w, w->ctx) < 0)
        return -1;
    if (empty) {
        if (w->on_end && w->on_end(w, w->ctx) < 0)
            return -1;
        w->depth--;
        *root_done = w->depth == 0;
    }
    return 0;
}

static int end_tag(struct walker *w, int *root_done)
{
    const struct open_el *el;
    const char *name;
    size_t len;

    w->p += 2; /* "</" */
    if (read_name(w, &name, &len) < 0)
        return -1;
    while (w->p < w->end && space(*w->p))
        w->p++;
    if (w->p >= w->end || *w->p != '>')
        return bad(w, "an end tag without '>'");
    w->p++;
    if (w->depth == 0)
        return bad(w, "an end tag without a start tag");
    el = &w->stack[w->depth - 1];
    if (el->qlen != len || memcmp(el->qname, name, len) != 0)
        return bad(w, "an end tag that does not match its start tag");
    if (w->on_end && w->on_end(w, w->ctx) < 0)
        return -1;
    w->depth--;
    lc_buf_reset(&w->text);
    *root_done = w->depth == 0;
    return 0;
}

/* Walks the whole document, calling the handlers; 0 or -1 with err set. */
static int walk(struct walker *w, const char *xml, size_t len)
{
    int root_done = 0;
    int rc = -1;

    w->start = w->p = xml;
    w->end = xml + len;
    w->depth = 0;
    if (memchr(xml, '\0', len)) {
        w->p = memchr(xml, '\0', len);
        bad(w, "a NUL byte");
        goto out;
    }
    if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0)
        w->p += 3;
    while (w->p < w->end) {
        const char *next;

        if (*w->p != '<') {
            if (chars(w) < 0)
                goto out;
            continue;
        }
        if (w->end - w->p >= 2 && w->p[1] == '?') {
            if (!(next = find(w, "?>"))) {
                bad(w, "an unterminated processing instruction");
                goto out;
            }
            w->p = next;
        } else if (w->end - w->p >= 4 && memcmp(w->p, "<!--", 4) == 0) {
            if (!(next = find(w, "-->"))) {
                bad(w, "an unterminated comment");
                goto out;
            }
            w->p = next;
        } else if (w->end - w->p >= 9 && memcmp(w->p, "<![CDATA[", 9) == 0) {
            if (w->depth == 0) {
                bad(w, "CDATA outside the root element");
                goto out;
            }
            w->p += 9;
            if (!(next = find(w, "]]>"))) {
                bad(w, "an unterminated CDATA section");
                goto out;
            }
            lc_buf_append(&w->text, w->p, (size_t)(next - 3 - w->p));
            w->p = next;
            if (w->text.len > MAX_TEXT) {
                bad(w, "a value longer than 64 KiB");
                goto out;
            }
        } else if (w->end - w->p >= 2 && w->p[1] == '!') {
            bad(w, "a DOCTYPE or other declaration (refused)");
            goto out;
        } else if (w->end - w->p >= 2 && w->p[1] == '/') {
            if (end_tag(w, &root_done) < 0)
                goto out;
        } else if (start_tag(w, &root_done) < 0) {
            goto out;
        }
    }
    if (w->depth > 0) {
        bad(w, "the document ends inside an element");
        goto out;
    }
    if (!root_done) {
        bad(w, "no root element");
        goto out;
    }
    rc = 0;
out:
    lc_buf_done(&w->text);
    return rc;
}

static char *text_dup(const struct walker *w)
{
    return lc_xstrndup(w->text.data ? w->text.data : "", w->text.len);
}

/* ---- <Error> ---- */

struct error_doc {
    int is_error;
    struct lc_s3_error e;
};

static int error_start(struct walker *w, void *ctx)
{
    struct error_doc *d = ctx;

    if (w->depth == 1)
        d->is_error = is(w, 1, "Error");
    return 0;
}

static int error_end(struct walker *w, void *ctx)
{
    struct error_doc *d = ctx;
    char **slot = NULL;

    if (w->depth != 2 || !d->is_error)
        return 0;
    if (is(w, 2, "Code"))
        slot = &d->e.code;
    else if (is(w, 2, "Message"))
        slot = &d->e.message;
    if (slot) {
        free(*slot);
        *slot = text_dup(w);
    }
    return 0;
}

int lc_s3_xml_error(const char *xml, size_t len, struct lc_s3_error *out)
{
    struct lc_err err = LC_ERR_INIT;
    struct error_doc d = {0, {NULL, NULL}};
    struct walker w = {.on_start = error_start, .on_end = error_end, .ctx = &d, .err = &err};

    if (walk(&w, xml, len) < 0 || !d.is_error) {
        lc_s3_error_done(&d.e);
        return 0;
    }
    *out = d.e;
    return 1;
}

void lc_s3_error_done(struct lc_s3_error *e)
{
    if (!e)
        return;
    free(e->code);
    free(e->message);
    e->code = e->message = NULL;
}

/* ---- the root's name ---- */

struct root_doc {
    const char *want;
    int match;
};

static int root_start(struct walker *w, void *ctx)
{
    struct root_doc *d = ctx;

    if (w->depth == 1)
        d->match = is(w, 1, d->want);
    return 0;
}

int lc_s3_xml_root_is(const char *xml, size_t len, const char *root)
{
    struct lc_err err = LC_ERR_INIT;
    struct root_doc d = {root, 0};
    struct walker w = {.on_start = root_start, .ctx = &d, .err = &err};

    return walk(&w, xml, len) == 0 && d.match;
}

/* ---- InitiateMultipartUploadResult ---- */

struct upload_doc {
    int root_ok;
    char *upload_id;
};

static int upload_start(struct walker *w, void *ctx)
{
    struct upload_doc *d = ctx;

    if (w->depth == 1)
        d->root_ok = is(w, 1, "InitiateMultipartUploadResult");
    return 0;
}

static int upload_end(struct walker *w, void *ctx)
{
    struct upload_doc *d = ctx;

    if (w->depth == 2 && d->root_ok && is(w, 2, "UploadId")) {
        free(d->upload_id);
        d->upload_id = text_dup(w);
    }
    return 0;
}

int lc_s3_xml_upload_id(const char *xml, size_t len, char **out, struct lc_err *err)
{
    struct upload_doc d = {0, NULL};
    struct walker w = {.on_start = upload_start, .on_end = upload_end, .ctx = &d, .err = err};

    if (walk(&w, xml, len) < 0)
        goto fail;
    if (!d.root_ok) {
        lc_err_set(err, LC_E_DATA, "the answer is not an InitiateMultipartUploadResult");
        goto fail;
    }
    if (!d.upload_id || !*d.upload_id) {
        lc_err_set(err, LC_E_DATA, "the InitiateMultipartUploadResult has no UploadId");
        goto fail;
    }
    *out = d.upload_id;
    return 0;
fail:
    free(d.upload_id);
    return -1;
}

/* ---- ListBucketResult (ListObjectsV2) ---- */

struct list_doc {
    int root_ok;
    struct lc_s3_list_page page;
    size_t cap;
    char *key;                /* of the <Contents> being read */
    int has_size;
    uint64_t size;
    time_t mtime;
};

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        uint64_t digit = (uint64_t)(*s - '0');

        if (*s < '0' || *s > '9' || v > (UINT64_MAX - digit) / 10)
            return -1;
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}

static int list_start(struct walker *w, void *ctx)
{
    struct list_doc *d = ctx;

    if (w->depth == 1)
        d->root_ok = is(w, 1, "ListBucketResult");
    if (!d->root_ok)
        return 0;
    if (w->depth == 2 && is(w, 2, "Contents")) {
        free(d->key);
        d->key = NULL;
        d->has_size = 0;
        d->size = 0;
        d->mtime = 0;
    }
    return 0;
}

static int list_end(struct walker *w, void *ctx)
{
    struct list_doc *d = ctx;
    const char *text = w->text.data ? w->text.data : "";

    if (!d->root_ok)
        return 0;
    if (w->depth == 2 && is(w, 2, "IsTruncated")) {
        if (strcmp(text, "true") == 0)
            d->page.truncated = 1;
        else if (strcmp(text, "false") == 0)
            d->page.truncated = 0;
        else
            return lc_err_set(w->err, LC_E_DATA, "IsTruncated is '%.64s', not true or false",
                              text);
    } else if (w->depth == 2 && is(w, 2, "NextContinuationToken")) {
        free(d->page.next_token);
        d->page.next_token = text_dup(w);
    } else if (w->depth == 2 && is(w, 2, "Contents")) {
        struct lc_s3_list_item *it;

        if (!d->key || !d->has_size)
            return lc_err_set(w->err, LC_E_DATA, "a listed object without Key or Size");
        if (d->page.len == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 64;
            d->page.items = lc_xrealloc(d->page.items, d->cap * sizeof(*d->page.items));
        }
        it = &d->page.items[d->page.len++];
        it->key = d->key;
        it->size = d->size;
        it->mtime = d->mtime;
        d->key = NULL;
    } else if (w->depth == 3 && is(w, 2, "Contents")) {
        if (is(w, 3, "Key")) {
            free(d->key);
            d->key = text_dup(w);
        } else if (is(w, 3, "Size")) {
            if (parse_u64(text, &d->size) < 0)
                return lc_err_set(w->err, LC_E_DATA, "the Size '%.64s' is not a number", text);
            d->has_size = 1;
        } else if (is(w, 3, "LastModified")) {
            d->mtime = lc_s3_xml_time(text);
        }
    }
    return 0;
}

int lc_s3_xml_list(const char *xml, size_t len, struct lc_s3_list_page *out,
                   struct lc_err *err)
{
    struct list_doc d;
    struct walker w = {.on_start = list_start, .on_end = list_end, .ctx = &d, .err = err};

    memset(&d, 0, sizeof(d));
    if (walk(&w, xml, len) < 0 ||
        (!d.root_ok && lc_err_set(err, LC_E_DATA, "the answer is not a ListBucketResult"))) {
        free(d.key);
        lc_s3_list_page_done(&d.page);
        return -1;
    }
    free(d.key);
    *out = d.page;
    return 0;
}

void lc_s3_list_page_done(struct lc_s3_list_page *page)
{
    if (!page)
        return;
    for (size_t idx = 0; idx < page->len; idx++)
        free(page->items[idx].key);
    free(page->items);
    free(page->next_token);
    memset(page, 0, sizeof(*page));
}

/* ---- times ---- */

static int digits(const char **s, int n, int *out)
{
    int v = 0;

    for (int idx = 0; idx < n; idx++) {
        if ((*s)[idx] < '0' || (*s)[idx] > '9')
            return -1;
        v = v * 10 + ((*s)[idx] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

time_t lc_s3_xml_time(const char *iso)
{
    struct tm tm;
    int year, mon, day, hour, min, sec;
    const char *s = iso;
    time_t t;

    if (digits(&s, 4, &year) < 0 || *s++ != '-' || digits(&s, 2, &mon) < 0 || *s++ != '-' ||
        digits(&s, 2, &day) < 0 || *s++ != 'T' || digits(&s, 2, &hour) < 0 || *s++ != ':' ||
        digits(&s, 2, &min) < 0 || *s++ != ':' || digits(&s, 2, &sec) < 0)
        return 0;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
        return 0;
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
        sec > 60)
        return 0;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    t = timegm(&tm);
    return t < 0 ? 0 : t;
}
