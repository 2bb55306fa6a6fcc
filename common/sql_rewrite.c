/*
 * DDL rewrites on a small SQL tokenizer: whitespace, comments (C, "-- ", "#"), the
 * opening and closing of executable comments (whose contents are tokenized as SQL,
 * since the server runs them), string literals with backslash escapes and doubled
 * quotes, `quoted` identifiers, bare words and single punctuation bytes. Each rewrite
 * walks the tokens once and copies the text around what it changes.
 */
#include "common/sql_rewrite.h"

#include <string.h>
#include <strings.h>

enum tok {
    T_SPACE,
    T_COMMENT,
    T_EXEC_OPEN,  /* slash-star-bang or slash-star-M-bang with its version digits */
    T_EXEC_CLOSE, /* star-slash ending an executable comment */
    T_STRING,     /* '...' or "..." */
    T_QIDENT,     /* `...` */
    T_WORD,       /* letters, digits, '_', '$', bytes >= 0x80 */
    T_PUNCT,      /* any other single byte */
};

struct token {
    enum tok type;
    size_t start;
    size_t end;
};

struct lexer {
    const char *s;
    size_t len;
    size_t pos;
    int in_exec;
};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

/* End of a quoted token opened at pos by q (backslash escapes unless q is '`'). */
static size_t quoted_end(const char *s, size_t len, size_t pos, char q)
{
    pos++;
    while (pos < len) {
        if (s[pos] == '\\' && q != '`') {
            pos += 2;
            continue;
        }
        if (s[pos] == q) {
            if (pos + 1 < len && s[pos + 1] == q) {
                pos += 2; /* doubled quote */
                continue;
            }
            return pos + 1;
        }
        pos++;
    }
    return len;
}

/* The next token; 0 at the end of the text. */
static int next_token(struct lexer *lx, struct token *t)
{
    const char *s = lx->s;
    size_t len = lx->len, pos = lx->pos;
    unsigned char c;

    if (pos >= len)
        return 0;
    t->start = pos;
    c = (unsigned char)s[pos];
    if (is_space(c)) {
        while (pos < len && is_space((unsigned char)s[pos]))
            pos++;
        t->type = T_SPACE;
    } else if (c == '/' && pos + 1 < len && s[pos + 1] == '*') {
        if (pos + 2 < len &&
            (s[pos + 2] == '!' || (s[pos + 2] == 'M' && pos + 3 < len && s[pos + 3] == '!'))) {
            pos += s[pos + 2] == '!' ? 3 : 4;
            while (pos < len && s[pos] >= '0' && s[pos] <= '9')
                pos++;
            t->type = T_EXEC_OPEN;
            lx->in_exec = 1;
        } else {
            const char *close = memmem(s + pos + 2, len - pos - 2, "*/", 2);

            pos = close ? (size_t)(close - s) + 2 : len;
            t->type = T_COMMENT;
        }
    } else if (c == '*' && lx->in_exec && pos + 1 < len && s[pos + 1] == '/') {
        pos += 2;
        t->type = T_EXEC_CLOSE;
        lx->in_exec = 0;
    } else if (c == '#' || (c == '-' && pos + 1 < len && s[pos + 1] == '-' &&
                            (pos + 2 == len || (unsigned char)s[pos + 2] <= ' '))) {
        const char *nl = memchr(s + pos, '\n', len - pos);

        pos = nl ? (size_t)(nl - s) : len;
        t->type = T_COMMENT;
    } else if (c == '\'' || c == '"') {
        pos = quoted_end(s, len, pos, (char)c);
        t->type = T_STRING;
    } else if (c == '`') {
        pos = quoted_end(s, len, pos, '`');
        t->type = T_QIDENT;
    } else if (is_word(c)) {
        while (pos < len && is_word((unsigned char)s[pos]))
            pos++;
        t->type = T_WORD;
    } else {
        pos++;
        t->type = T_PUNCT;
    }
    if (pos > len)
        pos = len;
    t->end = pos;
    lx->pos = pos;
    return 1;
}

/* The next token that is not whitespace or a comment; 0 at the end. */
static int next_sig(struct lexer *lx, struct token *t)
{
    while (next_token(lx, t))
        if (t->type != T_SPACE && t->type != T_COMMENT)
            return 1;
    return 0;
}

static int word_is(const char *s, const struct token *t, const char *word)
{
    size_t n = strlen(word);

    return t->type == T_WORD && t->end - t->start == n && strncasecmp(s + t->start, word, n) == 0;
}

static int punct_is(const char *s, const struct token *t, char c)
{
    return t->type == T_PUNCT && s[t->start] == c;
}

/* 1 when the `quoted` identifier token t names exactly `name`. */
static int qident_is(const char *s, const struct token *t, const char *name)
{
    size_t pos = t->start + 1, end = t->end - 1;

    if (t->end - t->start < 2 || s[end] != '`')
        return 0;
    while (pos < end) {
        if (*name != s[pos])
            return 0;
        pos += s[pos] == '`' ? 2 : 1; /* `` stands for ` */
        name++;
    }
    return *name == '\0';
}

static void put_quoted(struct lc_buf *out, const char *name)
{
    lc_buf_putc(out, '`');
    for (; *name; name++) {
        if (*name == '`')
            lc_buf_putc(out, '`');
        lc_buf_putc(out, *name);
    }
    lc_buf_putc(out, '`');
}

/*
 * Parses the account after "DEFINER =" starting at lx; on success sets *out_end to
 * the end of the account and returns 1.
 */
static int parse_account(struct lexer *lx, size_t *out_end)
{
    const char *s = lx->s;
    struct token t;
    struct lexer save;

    if (!next_sig(lx, &t))
        return 0;
    if (word_is(s, &t, "CURRENT_USER")) {
        *out_end = t.end;
        save = *lx;
        if (next_sig(lx, &t) && punct_is(s, &t, '(') && next_sig(lx, &t) && punct_is(s, &t, ')'))
            *out_end = t.end;
        else
            *lx = save;
        return 1;
    }
    if (t.type != T_QIDENT && t.type != T_STRING && t.type != T_WORD)
        return 0;
    *out_end = t.end;
    save = *lx;
    if (!next_sig(lx, &t) || !punct_is(s, &t, '@')) {
        *lx = save; /* a role: DEFINER=`role` */
        return 1;
    }
    while (lx->pos < lx->len && is_space((unsigned char)s[lx->pos]))
        lx->pos++;
    if (lx->pos < lx->len && (s[lx->pos] == '`' || s[lx->pos] == '\'' || s[lx->pos] == '"')) {
        next_token(lx, &t);
        *out_end = t.end;
        return 1;
    }
    /* a bare host: letters, digits and . % - _ up to the next other byte */
    save = *lx;
    while (lx->pos < lx->len) {
        unsigned char c = (unsigned char)s[lx->pos];

        if (!is_word(c) && c != '.' && c != '%' && c != '-')
            break;
        lx->pos++;
    }
    if (lx->pos == save.pos)
        return 0;
    *out_end = lx->pos;
    return 1;
}

int lc_sql_strip_definer(struct lc_buf *out, const char *stmt, size_t len)
{
    struct lexer lx = {stmt, len, 0, 0};
    struct token t, eq;
    size_t exec_start = 0;
    int exec_clean = 0; /* only whitespace since the executable comment opened */

    while (next_token(&lx, &t)) {
        struct lexer after;
        size_t cut_from, cut_to, acc_end;

        if (t.type == T_EXEC_OPEN) {
            exec_start = t.start;
            exec_clean = 1;
            continue;
        }
        if (t.type == T_SPACE || t.type == T_COMMENT)
            continue;
        if (!word_is(stmt, &t, "DEFINER")) {
            exec_clean = 0;
            continue;
        }
        after = lx;
        if (!next_sig(&after, &eq) || !punct_is(stmt, &eq, '=') ||
            !parse_account(&after, &acc_end)) {
            exec_clean = 0;
            continue;
        }
        cut_from = t.start;
        cut_to = acc_end;
        if (lx.in_exec && exec_clean) {
            /* mysqldump's comment that holds only the clause: drop the comment whole */
            struct lexer rest = {stmt, len, acc_end, 1};
            struct token close;

            if (next_sig(&rest, &close) && close.type == T_EXEC_CLOSE) {
                cut_from = exec_start;
                cut_to = close.end;
            }
        }
        /* take the whitespace after the clause when there is some before it */
        if (cut_from > 0 && is_space((unsigned char)stmt[cut_from - 1]))
            while (cut_to < len && is_space((unsigned char)stmt[cut_to]))
                cut_to++;
        lc_buf_append(out, stmt, cut_from);
        lc_buf_append(out, stmt + cut_to, len - cut_to);
        return 1;
    }
    lc_buf_append(out, stmt, len);
    return 0;
}

static int all_digits(const char *s, const struct token *t)
{
    for (size_t pos = t->start; pos < t->end; pos++)
        if (s[pos] < '0' || s[pos] > '9')
            return 0;
    return 1;
}

size_t lc_sql_rename_schema(struct lc_buf *out, const char *stmt, size_t len, const char *from,
                            const char *to)
{
    struct lexer lx = {stmt, len, 0, 0};
    struct token t;
    size_t copied = 0, n = 0, from_len = strlen(from);
    int prev_blocks = 0; /* the previous token was '.' or '@': t is not a database name */

    while (next_token(&lx, &t)) {
        int match = 0;

        if (t.type == T_SPACE || t.type == T_COMMENT)
            continue;
        if (!prev_blocks && t.end < len && stmt[t.end] == '.') {
            if (t.type == T_QIDENT)
                match = qident_is(stmt, &t, from);
            else if (t.type == T_WORD)
                match = t.end - t.start == from_len &&
                        memcmp(stmt + t.start, from, from_len) == 0 && !all_digits(stmt, &t);
        }
        if (match) {
            lc_buf_append(out, stmt + copied, t.start - copied);
            put_quoted(out, to);
            copied = t.end;
            n++;
        }
        prev_blocks = punct_is(stmt, &t, '.') || punct_is(stmt, &t, '@');
    }
    lc_buf_append(out, stmt + copied, len - copied);
    return n;
}

size_t lc_sql_qualify_references(struct lc_buf *out, const char *stmt, size_t len, const char *db)
{
    struct lexer lx = {stmt, len, 0, 0};
    struct token t;
    size_t copied = 0, n = 0;

    while (next_token(&lx, &t)) {
        struct lexer after;
        struct token table, paren;

        if (!word_is(stmt, &t, "REFERENCES"))
            continue;
        after = lx;
        if (!next_sig(&after, &table) || (table.type != T_QIDENT && table.type != T_WORD))
            continue;
        if (table.end < len && stmt[table.end] == '.')
            continue; /* already `db`.`t` */
        if (!next_sig(&after, &paren) || !punct_is(stmt, &paren, '('))
            continue; /* not a foreign key's reference (e.g. GRANT REFERENCES ON ...) */
        lc_buf_append(out, stmt + copied, table.start - copied);
        put_quoted(out, db);
        lc_buf_putc(out, '.');
        copied = table.start;
        n++;
        lx = after;
    }
    lc_buf_append(out, stmt + copied, len - copied);
    return n;
}

/* A line of SHOW CREATE TABLE that declares a plain secondary index: "  KEY `ix` (...)". */
static int is_key_line(const char *line, size_t len)
{
    return len > 6 && memcmp(line, "  KEY ", 6) == 0;
}

size_t lc_sql_defer_keys(struct lc_buf *out_create, struct lc_buf *out_keys, const char *stmt,
                         size_t len)
{
    const char *end = stmt + len;
    size_t n = 0;

    if (len < 12 || strncasecmp(stmt, "CREATE TABLE", 12) != 0 ||
        memmem(stmt, len, "FOREIGN KEY", 11) || !memmem(stmt, len, "\n  KEY ", 7)) {
        lc_buf_append(out_create, stmt, len);
        return 0;
    }
    for (const char *line = stmt; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t line_len = nl ? (size_t)(nl - line) : (size_t)(end - line);

        if (is_key_line(line, line_len)) {
            size_t body = line_len - (line[line_len - 1] == ',');

            lc_buf_puts(out_keys, n++ ? ", ADD " : "ADD ");
            lc_buf_append(out_keys, line + 2, body - 2);
        } else {
            /* the element before ")" loses its comma when the keys after it went */
            if (line[0] == ')' && out_create->len >= 2 &&
                out_create->data[out_create->len - 2] == ',') {
                out_create->data[out_create->len - 2] = '\n';
                out_create->len--;
                out_create->data[out_create->len] = '\0';
            }
            lc_buf_append(out_create, line, line_len + (nl ? 1 : 0));
        }
        line += line_len + (nl ? 1 : 0);
    }
    return n;
}
