/*
 * What a run of lcbp3-reservations-gc tells: the items it lists (what would go in a dry
 * run, stuck locks always), as a table or as JSON, and the end line in the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "tools/reservations-gc/gc.h"

static const char *const kind_names[GC_ITEM_KINDS] = {
    [GC_ITEM_LEAKED] = "leaked",
    [GC_ITEM_STALE] = "stale",
    [GC_ITEM_STUCK_LOCK] = "stuck-lock",
    [GC_ITEM_OVERDUE_ROW] = "overdue-row",
};

void gc_report_item(struct gc_report *report, const struct gc_opts *opts, enum gc_item_kind kind,
                    const char *where, const char *name, size_t name_len, const char *detail)
{
    struct gc_item *item;

    if (report->n_items_of[kind] >= (size_t)opts->limit)
        return;
    report->items = lc_xrealloc(report->items, (report->n_items + 1) * sizeof(*report->items));
    item = &report->items[report->n_items++];
    item->kind = kind;
    item->where = lc_xstrdup(where);
    item->name = lc_xstrndup(name, name_len);
    item->name_len = name_len;
    item->detail = detail ? lc_xstrdup(detail) : NULL;
    report->n_items_of[kind]++;
}

/* A key for a terminal: bytes below 0x20, 0x7f and backslash escaped; UTF-8 kept. */
static void put_printable(struct lc_buf *b, const char *s, size_t len)
{
    for (size_t idx = 0; idx < len; idx++) {
        unsigned char ch = (unsigned char)s[idx];

        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            lc_buf_printf(b, "\\x%02x", ch);
        else
            lc_buf_putc(b, (char)ch);
    }
}

/* How many of a kind there are to list in all (the listing stops at --limit): a real run
 * lists the rows it cancelled. */
static uint64_t found_of(const struct gc_report *report, const struct gc_opts *opts,
                         enum gc_item_kind kind)
{
    switch (kind) {
    case GC_ITEM_LEAKED:
        return report->leaked;
    case GC_ITEM_STALE:
        return report->stale;
    case GC_ITEM_STUCK_LOCK:
        return report->locks_stuck;
    case GC_ITEM_OVERDUE_ROW:
    case GC_ITEM_KINDS:
        break;
    }
    return opts->dry_run ? report->rows_overdue : report->rows_cancelled;
}

static void print_text(const struct gc_report *report, const struct gc_opts *opts)
{
    struct lc_buf line = LC_BUF_INIT;

    for (size_t idx = 0; idx < report->n_items; idx++) {
        const struct gc_item *item = &report->items[idx];

        lc_buf_reset(&line);
        lc_buf_printf(&line, "%-12s %-22s ", kind_names[item->kind], item->where);
        put_printable(&line, item->name, item->name_len);
        if (item->detail)
            lc_buf_printf(&line, "  (%s)", item->detail);
        printf("%s\n", line.data);
    }
    for (int kind = 0; kind < GC_ITEM_KINDS; kind++) {
        uint64_t found = found_of(report, opts, (enum gc_item_kind)kind);

        if (opts->limit > 0 && report->n_items_of[kind] == (size_t)opts->limit &&
            found > report->n_items_of[kind])
            printf("%-12s ... and %llu more (--limit shows more)\n", kind_names[kind],
                   (unsigned long long)(found - report->n_items_of[kind]));
    }
    lc_buf_done(&line);
}

static void add_count(struct json_object *obj, const char *name, uint64_t value)
{
    json_object_object_add(obj, name, json_object_new_int64((int64_t)value));
}

static void print_json(const struct gc_report *report, const struct gc_opts *opts)
{
    struct json_object *root = json_object_new_object();
    struct json_object *redis = json_object_new_object();
    struct json_object *db = json_object_new_object();
    struct json_object *items = json_object_new_array();
    struct lc_buf name = LC_BUF_INIT;

    json_object_object_add(root, "dry_run", json_object_new_boolean(opts->dry_run));
    add_count(redis, "nodes", report->nodes);
    add_count(redis, "scanned", report->scanned);
    add_count(redis, "leaked", report->leaked);
    add_count(redis, "stale", report->stale);
    add_count(redis, "deleted", report->deleted);
    add_count(redis, "skipped", report->skipped);
    add_count(redis, "locks_scanned", report->locks_scanned);
    add_count(redis, "locks_stuck", report->locks_stuck);
    add_count(redis, "locks_deleted", report->locks_deleted);
    add_count(db, "rows_overdue", report->rows_overdue);
    add_count(db, "rows_cancelled", report->rows_cancelled);
    add_count(db, "rows_skipped", report->rows_skipped);
    for (size_t idx = 0; idx < report->n_items; idx++) {
        const struct gc_item *item = &report->items[idx];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "kind", json_object_new_string(kind_names[item->kind]));
        json_object_object_add(o, "where", json_object_new_string(item->where));
        lc_buf_reset(&name);
        put_printable(&name, item->name, item->name_len);
        json_object_object_add(o, "name", json_object_new_string(name.data));
        if (item->detail)
            json_object_object_add(o, "detail", json_object_new_string(item->detail));
        json_object_array_add(items, o);
    }
    json_object_object_add(root, "redis", redis);
    json_object_object_add(root, "mariadb", db);
    json_object_object_add(root, "items", items);
    printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    lc_buf_done(&name);
}

void gc_report_print(const struct gc_report *report, const struct gc_opts *opts)
{
    if (opts->cli.json)
        print_json(report, opts);
    else
        print_text(report, opts);
    fflush(stdout);
}

void gc_report_log_end(const struct gc_report *report, const struct gc_opts *opts, double seconds)
{
    unsigned long long candidates = report->leaked + report->stale;

    if (opts->dry_run) {
        lc_log_info("dry run: %llu reservation keys scanned on %zu node%s, %llu would be deleted "
                    "(%llu without TTL, %llu stale), %llu stuck lock%s, %llu overdue rows would be "
                    "cancelled, in %.1f s",
                    (unsigned long long)report->scanned, report->nodes, report->nodes == 1 ? "" : "s",
                    candidates, (unsigned long long)report->leaked,
                    (unsigned long long)report->stale, (unsigned long long)report->locks_stuck,
                    report->locks_stuck == 1 ? "" : "s", (unsigned long long)report->rows_overdue,
                    seconds);
        return;
    }
    lc_log_info("done: %llu reservation keys scanned on %zu node%s, %llu deleted, %llu skipped "
                "(got a TTL or changed meanwhile), %llu stuck lock%s (%llu deleted), %llu rows cancelled (%llu "
                "skipped), in %.1f s",
                (unsigned long long)report->scanned, report->nodes, report->nodes == 1 ? "" : "s",
                (unsigned long long)report->deleted, (unsigned long long)report->skipped,
                (unsigned long long)report->locks_stuck, report->locks_stuck == 1 ? "" : "s",
                (unsigned long long)report->locks_deleted, (unsigned long long)report->rows_cancelled,
                (unsigned long long)report->rows_skipped, seconds);
}

void gc_report_done(struct gc_report *report)
{
    for (size_t idx = 0; idx < report->n_items; idx++) {
        free(report->items[idx].where);
        free(report->items[idx].name);
        free(report->items[idx].detail);
    }
    free(report->items);
    memset(report, 0, sizeof(*report));
}
