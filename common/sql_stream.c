/*
 * The statement splitter: a state machine over a buffer that holds the statement in
 * progress plus the bytes fed last. In the states where most bytes are (statement
 * text, inside a quote) it skips ahead through a 256-entry table of the bytes that
 * can change the state, eight bytes per step; everything else is handled one special
 * byte at a time. When a decision needs bytes that have not arrived (the second '-'
 * of a comment, a whole DELIMITER line, a delimiter of several bytes), the scan stops
 * at that byte and resumes there on the next feed. Lines are counted lazily with
 * memchr when a statement starts.
 */
#include "common/sql_stream.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"

#define MAX_DELIMITER 32
#define SANDBOX "/*M!999999\\-"

enum state {
    ST_LEAD,       /* between statements: whitespace, comments, client commands */
    ST_LEAD_LINE,  /* a line comment (or the sandbox line) between statements */
    ST_LEAD_BLOCK, /* a C comment between statements */
    ST_CODE,       /* statement text outside quotes and comments */
    ST_SQUOTE,     /* '...' */
    ST_DQUOTE,     /* "..." */
    ST_BTICK,      /* `...` */
    ST_LINE,       /* a line comment inside a statement */
    ST_BLOCK,      /* a C comment inside a statement */
};

struct lc_sql_stream {
    char *name;
    lc_sql_statement_fn fn;
    void *ctx;
    char *buf; /* bytes not consumed yet; [start, len) in a statement */
    size_t len;
    size_t cap;
    size_t pos;   /* next byte to scan */
    size_t start; /* first byte of the current statement (or leading comment) */
    enum state state;
    int in_exec; /* inside an executable comment (its text is statement text) */
    char delim[MAX_DELIMITER + 1];
    size_t dlen;
    uint64_t line; /* line number of buf[line_pos] */
    size_t line_pos;
    uint64_t stmt_line; /* line where the current statement (or comment) starts */
    uint64_t count;
    int failed;
    unsigned char code_tab[256]; /* bytes that matter in ST_CODE */
    unsigned char exec_tab[256]; /* the same, inside an executable comment: also '*' */
    unsigned char sq_tab[256];
    unsigned char dq_tab[256];
    unsigned char bt_tab[256];
};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* What may follow "--" for it to open a comment (the server's rule: space or control). */
static int ends_dashes(unsigned char c)
{
    return c <= ' ' || c == 0x7f;
}

static void set_delimiter(struct lc_sql_stream *s, const char *d, size_t n)
{
    memcpy(s->delim, d, n);
    s->delim[n] = '\0';
    s->dlen = n;
    memset(s->code_tab, 0, sizeof(s->code_tab));
    s->code_tab['\''] = s->code_tab['"'] = s->code_tab['`'] = 1;
    s->code_tab['#'] = s->code_tab['-'] = s->code_tab['/'] = 1;
    s->code_tab[(unsigned char)d[0]] = 1;
    memcpy(s->exec_tab, s->code_tab, sizeof(s->exec_tab));
    s->exec_tab['*'] = 1;
}

struct lc_sql_stream *lc_sql_stream_new(const char *name, lc_sql_statement_fn fn, void *ctx)
{
    struct lc_sql_stream *s = lc_xcalloc(1, sizeof(*s));

    s->name = lc_xstrdup(name ? name : "input");
    s->fn = fn;
    s->ctx = ctx;
    s->cap = 64 * 1024;
    s->buf = lc_xmalloc(s->cap);
    s->line = 1;
    s->state = ST_LEAD;
    set_delimiter(s, ";", 1);
    s->sq_tab['\''] = s->sq_tab['\\'] = 1;
    s->dq_tab['"'] = s->dq_tab['\\'] = 1;
    s->bt_tab['`'] = 1;
    return s;
}

void lc_sql_stream_free(struct lc_sql_stream *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s->name);
    free(s);
}

uint64_t lc_sql_stream_count(const struct lc_sql_stream *s)
{
    return s->count;
}

/* Brings s->line up to buffer position p. */
static void count_lines(struct lc_sql_stream *s, size_t p)
{
    const char *cur = s->buf + s->line_pos;
    const char *end = s->buf + p;

    if (p <= s->line_pos)
        return;
    while (cur < end) {
        const char *nl = memchr(cur, '\n', (size_t)(end - cur));

        if (!nl)
            break;
        s->line++;
        cur = nl + 1;
    }
    s->line_pos = p;
}

/* The first position >= pos whose byte is marked in tab, or len. */
static size_t skip(const unsigned char *p, size_t pos, size_t len, const unsigned char *tab)
{
    while (pos + 8 <= len) {
        const unsigned char *q = p + pos;

        if (tab[q[0]] | tab[q[1]] | tab[q[2]] | tab[q[3]] | tab[q[4]] | tab[q[5]] | tab[q[6]] |
            tab[q[7]])
            break;
        pos += 8;
    }
    while (pos < len && !tab[p[pos]])
        pos++;
    return pos;
}

static int truncated(struct lc_sql_stream *s, struct lc_err *err)
{
    return lc_err_set(err, LC_E_DATA,
                      "'%s' ends in the middle of a statement starting at line %llu (truncated?)",
                      s->name, (unsigned long long)s->stmt_line);
}

/* Passes buf[start, end) without trailing whitespace to the callback. */
static int emit(struct lc_sql_stream *s, size_t end, struct lc_err *err)
{
    char *text = s->buf + s->start;

    /* count now: the NUL and the callback may overwrite newlines */
    count_lines(s, s->pos > end ? s->pos : end);
    while (end > s->start && is_space((unsigned char)s->buf[end - 1]))
        end--;
    if (end == s->start)
        return 0;
    s->buf[end] = '\0';
    s->count++;
    if (s->fn && s->fn(s->ctx, text, end - s->start, s->stmt_line, err) < 0) {
        s->failed = 1;
        return -1;
    }
    return 0;
}

/*
 * A DELIMITER command at pos (whose first 10 bytes were checked): takes the line.
 * Returns 1 when done, 0 when the line is not complete yet, -1 on error.
 */
static int delimiter_command(struct lc_sql_stream *s, int final, struct lc_err *err)
{
    const char *p = s->buf + s->pos + 9;
    const char *end = s->buf + s->len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    const char *arg, *arg_end;

    if (!nl && !final)
        return 0;
    count_lines(s, s->pos);
    while (p < stop && (*p == ' ' || *p == '\t'))
        p++;
    if (p < stop && (*p == '\'' || *p == '"' || *p == '`')) {
        arg = p + 1;
        arg_end = memchr(arg, *p, (size_t)(stop - arg));
        if (!arg_end)
            arg_end = stop;
    } else {
        arg = p;
        for (arg_end = arg; arg_end < stop && !is_space((unsigned char)*arg_end); arg_end++)
            ;
    }
    if (arg_end == arg)
        return lc_err_set(err, LC_E_DATA, "'%s' line %llu: DELIMITER without a delimiter", s->name,
                          (unsigned long long)s->line);
    if ((size_t)(arg_end - arg) > MAX_DELIMITER || memchr(arg, '\\', (size_t)(arg_end - arg)))
        return lc_err_set(err, LC_E_DATA,
                          "'%s' line %llu: unsupported delimiter '%.*s' (a backslash or more "
                          "than %d bytes)",
                          s->name, (unsigned long long)s->line, (int)(arg_end - arg), arg,
                          MAX_DELIMITER);
    set_delimiter(s, arg, (size_t)(arg_end - arg));
    s->pos = (size_t)(stop - s->buf) + (nl ? 1 : 0);
    return 1;
}

/*
 * Between statements. Returns 1 to go on in the new state, 0 when more bytes are
 * needed, -1 on error.
 */
static int scan_lead(struct lc_sql_stream *s, int final, struct lc_err *err)
{
    const unsigned char *b = (const unsigned char *)s->buf;
    size_t avail;

    for (;;) {
        if (s->pos == s->len)
            return 0;
        avail = s->len - s->pos;
        if (is_space(b[s->pos])) {
            s->pos++;
            continue;
        }
        if (avail < s->dlen && !final && memcmp(b + s->pos, s->delim, avail) == 0)
            return 0;
        if (avail >= s->dlen && memcmp(b + s->pos, s->delim, s->dlen) == 0) {
            s->pos += s->dlen; /* an empty statement */
            continue;
        }
        if (b[s->pos] == '#') {
            s->state = ST_LEAD_LINE;
            return 1;
        }
        if (b[s->pos] == '-') {
            if (avail < 3 && !final && (avail < 2 || b[s->pos + 1] == '-'))
                return 0;
            if (avail >= 2 && b[s->pos + 1] == '-' && (avail == 2 || ends_dashes(b[s->pos + 2]))) {
                s->state = ST_LEAD_LINE;
                return 1;
            }
        } else if (b[s->pos] == '/') {
            if (avail < sizeof(SANDBOX) - 1 && !final && memcmp(b + s->pos, SANDBOX, avail) == 0)
                return 0;
            if (avail >= sizeof(SANDBOX) - 1 &&
                memcmp(b + s->pos, SANDBOX, sizeof(SANDBOX) - 1) == 0) {
                s->state = ST_LEAD_LINE; /* the sandbox line: dropped */
                return 1;
            }
            if (avail < 3 && !final)
                return 0;
            if (avail >= 3 && b[s->pos + 1] == '*' && b[s->pos + 2] != '!' &&
                b[s->pos + 2] != 'M') {
                count_lines(s, s->pos);
                s->stmt_line = s->line;
                s->state = ST_LEAD_BLOCK;
                s->pos += 2;
                return 1;
            }
            if (avail >= 3 && b[s->pos + 1] == '*' && b[s->pos + 2] == 'M') {
                if (avail < 4 && !final)
                    return 0;
                if (avail < 4 || b[s->pos + 3] != '!') {
                    count_lines(s, s->pos);
                    s->stmt_line = s->line;
                    s->state = ST_LEAD_BLOCK;
                    s->pos += 2;
                    return 1;
                }
            }
        } else if (b[s->pos] == 'd' || b[s->pos] == 'D') {
            if (avail < 10 && !final &&
                strncasecmp((const char *)b + s->pos, "delimiter", avail < 9 ? avail : 9) == 0)
                return 0;
            if (avail >= 10 && strncasecmp((const char *)b + s->pos, "delimiter", 9) == 0 &&
                (b[s->pos + 9] == ' ' || b[s->pos + 9] == '\t')) {
                int rc = delimiter_command(s, final, err);

                if (rc <= 0)
                    return rc;
                continue;
            }
        }
        /* a statement starts here */
        count_lines(s, s->pos);
        s->stmt_line = s->line;
        s->start = s->pos;
        s->state = ST_CODE;
        return 1;
    }
}

/* Statement text. Returns 1 to go on in the new state, 0 when more bytes are needed. */
static int scan_code(struct lc_sql_stream *s, int final, struct lc_err *err)
{
    const unsigned char *b = (const unsigned char *)s->buf;

    for (;;) {
        size_t avail;
        unsigned char c;

        s->pos = skip(b, s->pos, s->len, s->in_exec ? s->exec_tab : s->code_tab);
        if (s->pos == s->len)
            return 0;
        avail = s->len - s->pos;
        c = b[s->pos];
        if (c == (unsigned char)s->delim[0]) {
            if (avail < s->dlen && !final && memcmp(b + s->pos, s->delim, avail) == 0)
                return 0;
            if (avail >= s->dlen && memcmp(b + s->pos, s->delim, s->dlen) == 0) {
                size_t end = s->pos;

                s->pos += s->dlen;
                s->state = ST_LEAD;
                s->in_exec = 0;
                return emit(s, end, err) < 0 ? -1 : 1;
            }
        }
        switch (c) {
        case '\'':
            s->pos++;
            s->state = ST_SQUOTE;
            return 1;
        case '"':
            s->pos++;
            s->state = ST_DQUOTE;
            return 1;
        case '`':
            s->pos++;
            s->state = ST_BTICK;
            return 1;
        case '#':
            s->pos++;
            s->state = ST_LINE;
            return 1;
        case '-':
            if (avail < 3 && !final && (avail < 2 || b[s->pos + 1] == '-'))
                return 0;
            if (avail >= 2 && b[s->pos + 1] == '-' && (avail == 2 || ends_dashes(b[s->pos + 2]))) {
                s->pos += 2;
                s->state = ST_LINE;
                return 1;
            }
            s->pos++;
            break;
        case '/':
            if (avail < 4 && !final)
                return 0;
            if (avail >= 3 && b[s->pos + 1] == '*') {
                if (b[s->pos + 2] == '!' ||
                    (b[s->pos + 2] == 'M' && avail >= 4 && b[s->pos + 3] == '!')) {
                    s->in_exec = 1;
                    s->pos += b[s->pos + 2] == '!' ? 3 : 4;
                    break;
                }
                s->pos += 2;
                s->state = ST_BLOCK;
                return 1;
            }
            if (avail == 2 && b[s->pos + 1] == '*') {
                s->pos += 2;
                s->state = ST_BLOCK;
                return 1;
            }
            s->pos++;
            break;
        case '*':
            if (!s->in_exec) {
                s->pos++;
                break;
            }
            if (avail < 2 && !final)
                return 0;
            if (avail >= 2 && b[s->pos + 1] == '/') {
                s->in_exec = 0;
                s->pos += 2;
                break;
            }
            s->pos++;
            break;
        default:
            s->pos++; /* the delimiter's first byte, not followed by the rest */
            break;
        }
    }
}

/* Inside a quote. Returns 1 after the closing quote, 0 when more bytes are needed. */
static int scan_quote(struct lc_sql_stream *s, const unsigned char *tab, int final)
{
    const unsigned char *b = (const unsigned char *)s->buf;

    for (;;) {
        s->pos = skip(b, s->pos, s->len, tab);
        if (s->pos == s->len)
            return 0;
        if (b[s->pos] == '\\') {
            if (s->pos + 1 == s->len) {
                if (final)
                    s->pos++;
                return 0;
            }
            s->pos += 2;
            continue;
        }
        s->pos++;
        s->state = ST_CODE;
        return 1;
    }
}

/* Finds the end of a C comment; returns 1 past it, 0 when more bytes are needed. */
static int scan_block(struct lc_sql_stream *s, enum state next)
{
    for (;;) {
        char *star = memchr(s->buf + s->pos, '*', s->len - s->pos);

        if (!star) {
            s->pos = s->len;
            return 0;
        }
        s->pos = (size_t)(star - s->buf);
        if (s->pos + 1 == s->len)
            return 0;
        if (star[1] == '/') {
            s->pos += 2;
            s->state = next;
            return 1;
        }
        s->pos++;
    }
}

/* Finds the end of a line comment; returns 1 past the newline, 0 when more is needed. */
static int scan_line(struct lc_sql_stream *s, enum state next)
{
    char *nl = memchr(s->buf + s->pos, '\n', s->len - s->pos);

    if (!nl) {
        s->pos = s->len;
        return 0;
    }
    s->pos = (size_t)(nl - s->buf) + 1;
    s->state = next;
    return 1;
}

static int scan(struct lc_sql_stream *s, int final, struct lc_err *err)
{
    int rc;

    do {
        switch (s->state) {
        case ST_LEAD:
            rc = scan_lead(s, final, err);
            break;
        case ST_LEAD_LINE:
            rc = scan_line(s, ST_LEAD);
            break;
        case ST_LEAD_BLOCK:
            rc = scan_block(s, ST_LEAD);
            break;
        case ST_CODE:
            rc = scan_code(s, final, err);
            break;
        case ST_SQUOTE:
            rc = scan_quote(s, s->sq_tab, final);
            break;
        case ST_DQUOTE:
            rc = scan_quote(s, s->dq_tab, final);
            break;
        case ST_BTICK:
            rc = scan_quote(s, s->bt_tab, final);
            break;
        case ST_LINE:
            rc = scan_line(s, ST_CODE);
            break;
        case ST_BLOCK:
            rc = scan_block(s, ST_CODE);
            break;
        default:
            rc = lc_err_set(err, LC_E_SOFTWARE, "'%s': bad splitter state", s->name);
            break;
        }
    } while (rc > 0);
    if (rc < 0)
        s->failed = 1;
    return rc;
}

static int in_lead(const struct lc_sql_stream *s)
{
    return s->state == ST_LEAD || s->state == ST_LEAD_LINE || s->state == ST_LEAD_BLOCK;
}

int lc_sql_stream_feed(struct lc_sql_stream *s, const char *data, size_t len, struct lc_err *err)
{
    size_t keep_from;

    if (s->failed)
        return lc_err_set(err, LC_E_SOFTWARE, "'%s': fed after an error", s->name);
    if (len == 0)
        return 0;
    /* drop what is consumed: everything before the statement in progress */
    keep_from = in_lead(s) ? s->pos : s->start;
    if (keep_from > 0) {
        count_lines(s, keep_from);
        memmove(s->buf, s->buf + keep_from, s->len - keep_from);
        s->len -= keep_from;
        s->pos -= keep_from;
        s->start = s->start > keep_from ? s->start - keep_from : 0;
        s->line_pos -= keep_from;
    }
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap;

        while (cap < s->len + len + 1)
            cap *= 2;
        s->buf = lc_xrealloc(s->buf, cap);
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return scan(s, 0, err) < 0 ? -1 : 0;
}

int lc_sql_stream_finish(struct lc_sql_stream *s, struct lc_err *err)
{
    if (s->failed)
        return lc_err_set(err, LC_E_SOFTWARE, "'%s': finished after an error", s->name);
    if (scan(s, 1, err) < 0)
        return -1;
    switch (s->state) {
    case ST_LEAD:
    case ST_LEAD_LINE:
        break;
    case ST_CODE:
    case ST_LINE:
        if (s->in_exec) {
            s->failed = 1;
            return truncated(s, err);
        }
        s->state = ST_LEAD;
        if (emit(s, s->len, err) < 0)
            return -1;
        break;
    default:
        s->failed = 1;
        return truncated(s, err);
    }
    s->start = s->pos = s->len;
    return 0;
}
