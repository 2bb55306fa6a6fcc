/*
 * The WebDAV multistatus reader (see webdav_xml.h): a bounded, single-pass scanner over
 * the PROPFIND answer that keeps a stack of open elements and of namespace
 * declarations, and collects href, status and the few properties the WebDAV target
 * driver asks for.
 */
#include "common/webdav_xml.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/mem.h"

#define MAX_DEPTH 64
#define MAX_NS 256
#define MAX_TEXT (64 * 1024)

enum el {
    EL_OTHER = 0,
    EL_MULTISTATUS,
    EL_RESPONSE,
    EL_HREF,
    EL_PROPSTAT,
    EL_PROP,
    EL_STATUS,
    EL_RESOURCETYPE,
    EL_COLLECTION,
    EL_LENGTH,
    EL_LASTMOD,
    EL_QUOTA,
};

static const struct {
    const char *name;
    enum el id;
} dav_names[] = {
    {"multistatus", EL_MULTISTATUS},
    {"response", EL_RESPONSE},
    {"href", EL_HREF},
    {"propstat", EL_PROPSTAT},
    {"prop", EL_PROP},
    {"status", EL_STATUS},
    {"resourcetype", EL_RESOURCETYPE},
    {"collection", EL_COLLECTION},
    {"getcontentlength", EL_LENGTH},
    {"getlastmodified", EL_LASTMOD},
    {"quota-available-bytes", EL_QUOTA},
};

struct ns {
    const char *prefix;       /* into the document; prefix_len 0: the default namespace */
    size_t prefix_len;
    char *uri;
    int depth;                /* the element that declared it */
};

struct open_el {
    const char *qname;        /* into the document */
    size_t qlen;
    enum el id;
};

/* The properties of one <propstat>, read when its status (which comes last) is 2xx. */
struct props {
    long status;
    int collection;
    char *size;               /* texts of getcontentlength, quota-available-bytes */
    char *quota;
    time_t mtime;
};

struct parser {
    const char *start;
    const char *p;
    const char *end;
    struct lc_err *err;
    struct open_el stack[MAX_DEPTH];
    int depth;
    struct ns ns[MAX_NS];
    int n_ns;
    int root_done;
    int capture;              /* depth of the element whose text is kept, 0: none */
    struct lc_buf text;
    struct lc_webdav_multistatus out;
    struct lc_webdav_entry cur;
    int have_href;
    struct props ps;
};

static void props_done(struct props *ps)
{
    free(ps->size);
    free(ps->quota);
    memset(ps, 0, sizeof(*ps));
}

static int fail(struct parser *x, const char *what)
{
    return lc_err_set(x->err, LC_E_DATA, "malformed multistatus: %s (byte %zu)", what,
                      (size_t)(x->p - x->start));
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *lc_webdav_percent_decode(const char *s, size_t len)
{
    struct lc_buf b = LC_BUF_INIT;

    lc_buf_reserve(&b, len);
    b.data[0] = '\0';
    for (size_t idx = 0; idx < len; idx++) {
        int hi, lo;

        if (s[idx] == '%' && idx + 2 < len &&
            (hi = hex_value(s[idx + 1])) >= 0 && (lo = hex_value(s[idx + 2])) >= 0) {
            if (hi == 0 && lo == 0) {
                lc_buf_done(&b);
                return NULL;
            }
            lc_buf_putc(&b, (char)(hi * 16 + lo));
            idx += 2;
        } else {
            if (s[idx] == '\0') {
                lc_buf_done(&b);
                return NULL;
            }
            lc_buf_putc(&b, s[idx]);
        }
    }
    return lc_buf_steal(&b);
}

static void put_utf8(struct lc_buf *b, unsigned long cp)
{
    if (cp < 0x80) {
        lc_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        lc_buf_putc(b, (char)(0xC0 | (cp >> 6)));
        lc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        lc_buf_putc(b, (char)(0xE0 | (cp >> 12)));
        lc_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        lc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        lc_buf_putc(b, (char)(0xF0 | (cp >> 18)));
        lc_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        lc_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        lc_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Appends s[0..len) to b with entity and character references decoded. */
static int decode_text(struct parser *x, struct lc_buf *b, const char *s, size_t len)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    const char *end = s + len;

    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *semi;
        size_t n;

        if (!amp) {
            lc_buf_append(b, s, (size_t)(end - s));
            break;
        }
        lc_buf_append(b, s, (size_t)(amp - s));
        n = (size_t)(end - amp) < 12 ? (size_t)(end - amp) : 12;
        semi = memchr(amp, ';', n);
        if (!semi)
            return fail(x, "'&' that starts no entity reference");
        n = (size_t)(semi - amp - 1);
        if (n >= 1 && amp[1] == '#') {
            int hex = amp[2] == 'x';
            unsigned long cp = 0;
            const char *d = amp + 2 + hex;

            if (d == semi)
                return fail(x, "empty character reference");
            for (; d < semi; d++) {
                int v = hex ? hex_value(*d) : (*d >= '0' && *d <= '9' ? *d - '0' : -1);

                if (v < 0)
                    return fail(x, "bad character reference");
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                if (cp > 0x10FFFF)
                    return fail(x, "character reference out of range");
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return fail(x, "character reference out of range");
            put_utf8(b, cp);
        } else {
            size_t idx;

            for (idx = 0; idx < sizeof(named) / sizeof(named[0]); idx++)
                if (strlen(named[idx].name) == n && memcmp(amp + 1, named[idx].name, n) == 0)
                    break;
            if (idx == sizeof(named) / sizeof(named[0]))
                return fail(x, "unknown entity reference");
            lc_buf_putc(b, named[idx].c);
        }
        s = semi + 1;
    }
    if (b->len > MAX_TEXT)
        return fail(x, "value longer than 64 KiB");
    return 0;
}

static int parse_u64(struct parser *x, const char *s, uint64_t *out)
{
    uint64_t v = 0;

    while (is_space(*s))
        s++;
    if (*s < '0' || *s > '9')
        return fail(x, "a size that is not a number");
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');

        if (v > (UINT64_MAX - d) / 10)
            return fail(x, "a size out of range");
        v = v * 10 + d;
    }
    while (is_space(*s))
        s++;
    if (*s)
        return fail(x, "a size that is not a number");
    *out = v;
    return 0;
}

/* "HTTP/1.1 207 Multi-Status" -> 207 */
static int parse_status(struct parser *x, const char *s, long *out)
{
    const char *sp;

    while (is_space(*s))
        s++;
    sp = strchr(s, ' ');
    if (strncmp(s, "HTTP/", 5) != 0 || !sp || sp[1] < '1' || sp[1] > '5' || sp[2] < '0' ||
        sp[2] > '9' || sp[3] < '0' || sp[3] > '9' || (sp[4] && !is_space(sp[4])))
        return fail(x, "a status that is not 'HTTP/x.y NNN ...'");
    *out = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    return 0;
}

/* The path of an href (a path, or an absolute URL), percent-decoded, no trailing '/'. */
static int set_href(struct parser *x, const char *s)
{
    const char *end;
    const char *scheme_end;
    char *path;
    size_t len;

    while (is_space(*s))
        s++;
    scheme_end = strstr(s, "://");
    if (scheme_end && scheme_end < s + strcspn(s, "/")) {
        s = scheme_end + 3;
        s += strcspn(s, "/?#");
    }
    end = s + strcspn(s, "?#");
    while (end > s && is_space(end[-1]))
        end--;
    len = (size_t)(end - s);
    while (len > 0 && s[len - 1] == '/')
        len--;
    path = lc_webdav_percent_decode(s, len);
    if (!path)
        return fail(x, "an href that holds %00");
    free(x->cur.path);
    x->cur.path = path;
    x->have_href = 1;
    return 0;
}

static enum el identify(struct parser *x, const char *qname, size_t qlen)
{
    const char *colon = memchr(qname, ':', qlen);
    const char *local = colon ? colon + 1 : qname;
    size_t prefix_len = colon ? (size_t)(colon - qname) : 0;
    size_t local_len = qlen - (size_t)(local - qname);
    const char *uri = NULL;

    for (int idx = x->n_ns - 1; idx >= 0; idx--)
        if (x->ns[idx].prefix_len == prefix_len &&
            memcmp(x->ns[idx].prefix, qname, prefix_len) == 0) {
            uri = x->ns[idx].uri;
            break;
        }
    /* an undeclared prefix or no namespace at all: not a DAV: element */
    if (!uri || strcmp(uri, "DAV:") != 0)
        return EL_OTHER;
    for (size_t idx = 0; idx < sizeof(dav_names) / sizeof(dav_names[0]); idx++)
        if (strlen(dav_names[idx].name) == local_len &&
            memcmp(dav_names[idx].name, local, local_len) == 0)
            return dav_names[idx].id;
    return EL_OTHER;
}

/* The element at stack depth d (1-based; 0 and below: none). */
static enum el el_at(const struct parser *x, int d)
{
    return d >= 1 ? x->stack[d - 1].id : EL_OTHER;
}

static void start_capture(struct parser *x)
{
    x->capture = x->depth;
    lc_buf_reset(&x->text);
}

static int on_open(struct parser *x)
{
    enum el id = el_at(x, x->depth);
    enum el parent = el_at(x, x->depth - 1);
    enum el grand = el_at(x, x->depth - 2);

    if (x->depth == 1) {
        if (id != EL_MULTISTATUS)
            return fail(x, "the root element is not DAV:multistatus");
        return 0;
    }
    switch (id) {
    case EL_RESPONSE:
        if (parent == EL_MULTISTATUS) {
            free(x->cur.path);
            memset(&x->cur, 0, sizeof(x->cur));
            x->have_href = 0;
        }
        break;
    case EL_PROPSTAT:
        if (parent == EL_RESPONSE)
            props_done(&x->ps);
        break;
    case EL_HREF:
        if (parent == EL_RESPONSE)
            start_capture(x);
        break;
    case EL_STATUS:
        if (parent == EL_RESPONSE || parent == EL_PROPSTAT)
            start_capture(x);
        break;
    case EL_LENGTH:
    case EL_LASTMOD:
    case EL_QUOTA:
        if (parent == EL_PROP && grand == EL_PROPSTAT)
            start_capture(x);
        break;
    case EL_COLLECTION:
        if (parent == EL_RESOURCETYPE && grand == EL_PROP && el_at(x, x->depth - 3) == EL_PROPSTAT)
            x->ps.collection = 1;
        break;
    default:
        break;
    }
    return 0;
}

static int end_capture(struct parser *x, enum el id, enum el parent)
{
    const char *s = x->text.data ? x->text.data : "";
    time_t t;

    x->capture = 0;
    switch (id) {
    case EL_HREF:
        return set_href(x, s);
    case EL_STATUS:
        return parse_status(x, s, parent == EL_PROPSTAT ? &x->ps.status : &x->cur.status);
    case EL_LENGTH:
        free(x->ps.size);
        x->ps.size = lc_xstrdup(s);
        return 0;
    case EL_QUOTA:
        free(x->ps.quota);
        x->ps.quota = lc_xstrdup(s);
        return 0;
    default: /* EL_LASTMOD, the one other element whose text is kept */
        /* an unreadable date is not worth failing a listing: the time stays unknown */
        t = curl_getdate(s, NULL);
        x->ps.mtime = t > 0 ? t : 0;
        return 0;
    }
}

/* A <propstat> ends: a 2xx one's properties go to the response's entry. */
static int merge_props(struct parser *x)
{
    struct props *ps = &x->ps;
    int rc = 0;

    if (ps->status < 200 || ps->status >= 300)
        goto out;
    x->cur.collection |= ps->collection;
    if (ps->mtime)
        x->cur.mtime = ps->mtime;
    if (ps->size) {
        rc = parse_u64(x, ps->size, &x->cur.size);
        x->cur.has_size = rc == 0;
    }
    if (rc == 0 && ps->quota) {
        rc = parse_u64(x, ps->quota, &x->cur.quota_available);
        x->cur.has_quota = rc == 0;
    }
out:
    props_done(ps);
    return rc;
}

static int on_close(struct parser *x)
{
    enum el id = el_at(x, x->depth);
    enum el parent = el_at(x, x->depth - 1);

    if (x->capture == x->depth && end_capture(x, id, parent) < 0)
        return -1;
    if (id == EL_PROPSTAT && parent == EL_RESPONSE && merge_props(x) < 0)
        return -1;
    if (id == EL_RESPONSE && parent == EL_MULTISTATUS) {
        if (!x->have_href)
            return fail(x, "a response without href");
        x->out.items = lc_xrealloc(x->out.items, (x->out.len + 1) * sizeof(*x->out.items));
        x->out.items[x->out.len++] = x->cur;
        memset(&x->cur, 0, sizeof(x->cur));
        x->have_href = 0;
    }
    if (x->depth == 1)
        x->root_done = 1;
    return 0;
}

/* Leaves x->p after the first `close` at or past x->p; fails if there is none. */
static int skip_past(struct parser *x, const char *close, const char *what)
{
    size_t n = strlen(close);

    for (const char *q = x->p; q + n <= x->end; q++)
        if (memcmp(q, close, n) == 0) {
            x->p = q + n;
            return 0;
        }
    return fail(x, what);
}

static size_t name_len(const struct parser *x, const char *s)
{
    const char *q = s;

    while (q < x->end && !is_space(*q) && *q != '/' && *q != '>' && *q != '=' && *q != '<')
        q++;
    return (size_t)(q - s);
}

static void skip_space(struct parser *x)
{
    while (x->p < x->end && is_space(*x->p))
        x->p++;
}

static void pop_ns(struct parser *x)
{
    while (x->n_ns > 0 && x->ns[x->n_ns - 1].depth >= x->depth) {
        free(x->ns[x->n_ns - 1].uri);
        x->n_ns--;
    }
}

static int start_tag(struct parser *x)
{
    const char *qname = ++x->p;
    size_t qlen = name_len(x, qname);
    int self_close = 0;

    if (qlen == 0)
        return fail(x, "'<' without an element name");
    if (x->root_done)
        return fail(x, "an element after the root element");
    if (x->depth == MAX_DEPTH)
        return fail(x, "elements nested deeper than 64 levels");
    x->p += qlen;
    for (;;) {
        const char *aname, *val;
        size_t alen;
        char quote;

        skip_space(x);
        if (x->p >= x->end)
            return fail(x, "unterminated tag");
        if (*x->p == '>') {
            x->p++;
            break;
        }
        if (*x->p == '/') {
            if (x->p + 1 >= x->end || x->p[1] != '>')
                return fail(x, "'/' inside a tag");
            x->p += 2;
            self_close = 1;
            break;
        }
        aname = x->p;
        alen = name_len(x, aname);
        if (alen == 0)
            return fail(x, "bad attribute");
        x->p += alen;
        skip_space(x);
        if (x->p >= x->end || *x->p != '=')
            return fail(x, "attribute without '='");
        x->p++;
        skip_space(x);
        if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
            return fail(x, "attribute value without quotes");
        quote = *x->p++;
        val = x->p;
        while (x->p < x->end && *x->p != quote && *x->p != '<')
            x->p++;
        if (x->p >= x->end || *x->p != quote)
            return fail(x, "unterminated attribute value");
        x->p++;
        if ((alen == 5 && memcmp(aname, "xmlns", 5) == 0) ||
            (alen > 6 && memcmp(aname, "xmlns:", 6) == 0)) {
            struct lc_buf uri = LC_BUF_INIT;
            struct ns *n;

            if (x->n_ns == MAX_NS)
                return fail(x, "more than 256 namespace declarations");
            if (decode_text(x, &uri, val, (size_t)(x->p - 1 - val)) < 0) {
                lc_buf_done(&uri);
                return -1;
            }
            n = &x->ns[x->n_ns++];
            n->prefix = alen == 5 ? aname : aname + 6;
            n->prefix_len = alen == 5 ? 0 : alen - 6;
            n->uri = lc_buf_steal(&uri);
            n->depth = x->depth + 1;
        }
    }
    x->depth++;
    x->stack[x->depth - 1].qname = qname;
    x->stack[x->depth - 1].qlen = qlen;
    x->stack[x->depth - 1].id = identify(x, qname, qlen);
    if (on_open(x) < 0)
        return -1;
    if (self_close) {
        if (on_close(x) < 0)
            return -1;
        pop_ns(x);
        x->depth--;
    }
    return 0;
}

static int end_tag(struct parser *x)
{
    const char *qname = x->p + 2;
    size_t qlen;

    x->p = qname;
    qlen = name_len(x, qname);
    x->p += qlen;
    skip_space(x);
    if (x->p >= x->end || *x->p != '>')
        return fail(x, "unterminated end tag");
    if (x->depth == 0)
        return fail(x, "an end tag without a start tag");
    if (x->stack[x->depth - 1].qlen != qlen || memcmp(x->stack[x->depth - 1].qname, qname, qlen) != 0)
        return fail(x, "an end tag that does not match its start tag");
    x->p++;
    if (on_close(x) < 0)
        return -1;
    pop_ns(x);
    x->depth--;
    return 0;
}

static int text(struct parser *x)
{
    const char *s = x->p;
    const char *lt = memchr(s, '<', (size_t)(x->end - s));
    const char *e = lt ? lt : x->end;

    x->p = e;
    if (x->capture && x->capture == x->depth)
        return decode_text(x, &x->text, s, (size_t)(e - s));
    if (x->depth == 0)
        for (const char *q = s; q < e; q++)
            if (!is_space(*q)) {
                x->p = q;
                return fail(x, "text outside the root element");
            }
    return 0;
}

static int cdata(struct parser *x)
{
    const char *s = x->p + 9;

    x->p = s;
    if (skip_past(x, "]]>", "unterminated CDATA section") < 0)
        return -1;
    if (x->capture && x->capture == x->depth) {
        lc_buf_append(&x->text, s, (size_t)(x->p - 3 - s));
        if (x->text.len > MAX_TEXT)
            return fail(x, "value longer than 64 KiB");
    }
    return 0;
}

static int starts(const struct parser *x, const char *s)
{
    size_t n = strlen(s);

    return (size_t)(x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}

static int scan(struct parser *x)
{
    if (starts(x, "\xEF\xBB\xBF"))
        x->p += 3;
    while (x->p < x->end) {
        int rc;

        if (*x->p != '<')
            rc = text(x);
        else if (starts(x, "<?"))
            rc = skip_past(x, "?>", "unterminated processing instruction");
        else if (starts(x, "<!--"))
            rc = skip_past(x, "-->", "unterminated comment");
        else if (starts(x, "<![CDATA["))
            rc = cdata(x);
        else if (starts(x, "<!"))
            rc = fail(x, "a DOCTYPE or other declaration, which a multistatus never needs");
        else if (starts(x, "</"))
            rc = end_tag(x);
        else
            rc = start_tag(x);
        if (rc < 0)
            return -1;
    }
    if (x->depth > 0)
        return fail(x, "the document ends inside an element");
    if (!x->root_done)
        return fail(x, "no root element");
    return 0;
}

int lc_webdav_xml_parse(const char *xml, size_t len, struct lc_webdav_multistatus *out,
                        struct lc_err *err)
{
    struct parser x;
    int rc;

    memset(&x, 0, sizeof(x));
    x.start = x.p = xml;
    x.end = xml + len;
    x.err = err;
    x.p = memchr(xml, '\0', len);
    if (x.p) {
        rc = fail(&x, "a NUL byte, which XML never holds");
    } else {
        x.p = xml;
        rc = scan(&x);
    }
    x.depth = 0;
    pop_ns(&x);
    lc_buf_done(&x.text);
    props_done(&x.ps);
    free(x.cur.path);
    if (rc < 0) {
        lc_webdav_multistatus_done(&x.out);
        return -1;
    }
    *out = x.out;
    return 0;
}

void lc_webdav_multistatus_done(struct lc_webdav_multistatus *ms)
{
    if (!ms)
        return;
    for (size_t idx = 0; idx < ms->len; idx++)
        free(ms->items[idx].path);
    free(ms->items);
    ms->items = NULL;
    ms->len = 0;
}
