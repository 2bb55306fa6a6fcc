/*
 * The binlog archive's layout, names, listings and chains (see binlog_archive.h).
 */
#include "common/binlog_archive.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/mem.h"
#include "common/spool.h"

#define SIDECAR ".sha256"

char *lc_binlog_gen_dir(uint32_t server_id, unsigned generation)
{
    return lc_xasprintf(LC_BINLOG_DIR "/%u/%u", (unsigned)server_id, generation);
}

char *lc_binlog_object(uint32_t server_id, unsigned generation, const char *name)
{
    return lc_xasprintf(LC_BINLOG_DIR "/%u/%u/%s", (unsigned)server_id, generation, name);
}

char *lc_binlog_open_object(uint32_t server_id, unsigned generation, const char *name,
                            uint64_t size)
{
    return lc_xasprintf(LC_BINLOG_DIR "/%u/%u/%s" LC_BINLOG_OPEN_MARK "%012llu",
                        (unsigned)server_id, generation, name, (unsigned long long)size);
}

int lc_binlog_name_split(const char *name, char **out_base, uint64_t *out_number,
                         int *out_digits)
{
    const char *dot = strrchr(name, '.');
    uint64_t n = 0;
    int digits = 0;

    if (!dot || dot == name || name[0] == '.' || strchr(name, '/') || !dot[1])
        return -1;
    for (const char *p = dot + 1; *p; p++) {
        if (!isdigit((unsigned char)*p) || ++digits > 18)
            return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    if (out_base)
        *out_base = lc_xstrndup(name, (size_t)(dot - name));
    if (out_number)
        *out_number = n;
    if (out_digits)
        *out_digits = digits;
    return 0;
}

char *lc_binlog_name_next(const char *name)
{
    char *base, *next;
    uint64_t n;
    int digits;

    if (lc_binlog_name_split(name, &base, &n, &digits) < 0)
        return NULL;
    next = lc_xasprintf("%s.%0*llu", base, digits, (unsigned long long)(n + 1));
    free(base);
    return next;
}

int lc_binlog_name_cmp(const char *a, const char *b)
{
    const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
    size_t la = da ? (size_t)(da - a) : strlen(a), lb = db ? (size_t)(db - b) : strlen(b);
    uint64_t na = 0, nb = 0;
    int c = strncmp(a, b, la < lb ? la : lb);

    if (c != 0 || la != lb)
        return c != 0 ? c : (la < lb ? -1 : 1);
    lc_binlog_name_split(a, NULL, &na, NULL);
    lc_binlog_name_split(b, NULL, &nb, NULL);
    if (na != nb)
        return na < nb ? -1 : 1;
    return strcmp(a, b);
}

void lc_binlog_segments_done(struct lc_binlog_segments *list)
{
    for (size_t i = 0; i < list->len; i++)
        free(list->items[i].name);
    free(list->items);
    list->items = NULL;
    list->len = 0;
}

/* The objects of a directory of the spool or of a target, as a target listing. */
static int list_dir(const char *spool_dir, struct lc_target *t, const char *rel,
                    struct lc_target_objects *out, struct lc_err *err)
{
    char *path;
    DIR *d;
    struct dirent *de;

    memset(out, 0, sizeof(*out));
    if (t)
        return lc_target_list(t, rel, out, err);
    path = lc_xasprintf("%s/%s", spool_dir, rel);
    d = opendir(path);
    if (!d) {
        int rc = errno == ENOENT ? 0 : lc_err_sys(err, LC_E_IO, "cannot list '%s'", path);

        free(path);
        return rc;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char *file;

        if (de->d_name[0] == '.')
            continue;
        file = lc_xasprintf("%s/%s", path, de->d_name);
        if (stat(file, &st) == 0)
            lc_target_objects_add(out, de->d_name, (uint64_t)st.st_size, st.st_mtime);
        free(file);
    }
    closedir(d);
    free(path);
    return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return x < y ? -1 : x > y;
}

/* Targets list objects, not directories: their generations are found by listing
 * binlogs/<server_id>/0, 1, ... until GEN_PROBE_GAP empty ones in a row (a generation
 * whose segments never reached the target leaves a hole). */
#define GEN_PROBE_GAP 3
#define GEN_MAX 1000000

static void generations_add(unsigned **out, size_t *out_len, unsigned g)
{
    *out = lc_xrealloc(*out, (*out_len + 1) * sizeof(**out));
    (*out)[(*out_len)++] = g;
}

static int target_generations(struct lc_target *t, uint32_t server_id, unsigned **out,
                              size_t *out_len, struct lc_err *err)
{
    unsigned empty = 0;

    for (unsigned g = 0; empty < GEN_PROBE_GAP && g < GEN_MAX; g++) {
        struct lc_target_objects objs;
        char *rel = lc_binlog_gen_dir(server_id, g);
        int rc = lc_target_list(t, rel, &objs, err);

        free(rel);
        if (rc < 0) {
            free(*out);
            *out = NULL;
            *out_len = 0;
            return -1;
        }
        if (objs.len) {
            generations_add(out, out_len, g);
            empty = 0;
        } else {
            empty++;
        }
        lc_target_objects_done(&objs);
    }
    return 0;
}

/* The names in directory `path` that are numbers up to `max`, ascending; a missing
 * directory has none. */
static int numbered_entries(const char *path, unsigned long max, unsigned long **out,
                            size_t *out_len, struct lc_err *err)
{
    DIR *d = opendir(path);
    struct dirent *de;

    *out = NULL;
    *out_len = 0;
    if (!d)
        return errno == ENOENT ? 0 : lc_err_sys(err, LC_E_IO, "cannot list '%s'", path);
    while ((de = readdir(d)) != NULL) {
        char *end;
        unsigned long n;

        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        errno = 0;
        n = strtoul(de->d_name, &end, 10);
        if (*end || errno || n > max)
            continue;
        *out = lc_xrealloc(*out, (*out_len + 1) * sizeof(**out));
        (*out)[(*out_len)++] = n;
    }
    closedir(d);
    if (*out_len)
        qsort(*out, *out_len, sizeof(**out), cmp_ulong);
    return 0;
}

int lc_binlog_server_ids(const char *spool_dir, uint32_t **out, size_t *out_len,
                         struct lc_err *err)
{
    unsigned long *ids;
    size_t n = 0;
    char *path;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (!spool_dir || !spool_dir[0])
        return 0;
    path = lc_xasprintf("%s/" LC_BINLOG_DIR, spool_dir);
    rc = numbered_entries(path, UINT32_MAX, &ids, &n, err);
    free(path);
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == 0)
            continue; /* server_id 0 cannot write a binary log */
        *out = lc_xrealloc(*out, (*out_len + 1) * sizeof(**out));
        (*out)[(*out_len)++] = (uint32_t)ids[i];
    }
    free(ids);
    return rc;
}

int lc_binlog_generations(const char *spool_dir, struct lc_target *t, uint32_t server_id,
                          unsigned **out, size_t *out_len, struct lc_err *err)
{
    unsigned long *gens;
    size_t n = 0;
    char *path;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (t)
        return target_generations(t, server_id, out, out_len, err);
    path = lc_xasprintf("%s/" LC_BINLOG_DIR "/%u", spool_dir, (unsigned)server_id);
    rc = numbered_entries(path, GEN_MAX, &gens, &n, err);
    free(path);
    for (size_t i = 0; i < n; i++)
        generations_add(out, out_len, (unsigned)gens[i]);
    free(gens);
    return rc;
}

unsigned lc_binlog_newest_generation(const char *spool_dir, uint32_t server_id)
{
    struct lc_err err = LC_ERR_INIT;
    unsigned *gens = NULL, newest = 0;
    size_t n = 0;

    if (lc_binlog_generations(spool_dir, NULL, server_id, &gens, &n, &err) == 0 && n)
        newest = gens[n - 1];
    free(gens);
    lc_err_clear(&err);
    return newest;
}

static struct lc_binlog_segment *segment_get(struct lc_binlog_segments *list, const char *name,
                                             size_t len)
{
    struct lc_binlog_segment *seg;

    for (size_t i = 0; i < list->len; i++)
        if (strlen(list->items[i].name) == len && strncmp(list->items[i].name, name, len) == 0)
            return &list->items[i];
    list->items = lc_xrealloc(list->items, (list->len + 1) * sizeof(*list->items));
    seg = &list->items[list->len++];
    memset(seg, 0, sizeof(*seg));
    seg->name = lc_xstrndup(name, len);
    return seg;
}

static int cmp_segment(const void *a, const void *b)
{
    return lc_binlog_name_cmp(((const struct lc_binlog_segment *)a)->name,
                              ((const struct lc_binlog_segment *)b)->name);
}

/* Files one object of a generation directory into the list. */
static void add_object(struct lc_binlog_segments *list, const struct lc_target_object *o)
{
    const char *name = o->name, *mark;
    size_t len = strlen(name);

    if (lc_target_is_temp(name))
        return;
    if (len > strlen(SIDECAR) && strcmp(name + len - strlen(SIDECAR), SIDECAR) == 0) {
        char *segment = lc_xstrndup(name, len - strlen(SIDECAR));

        if (lc_binlog_name_split(segment, NULL, NULL, NULL) == 0)
            segment_get(list, segment, strlen(segment))->closed = 1;
        free(segment);
        return;
    }
    if ((mark = strstr(name, LC_BINLOG_OPEN_MARK)) != NULL) {
        char *end;
        unsigned long long size = strtoull(mark + strlen(LC_BINLOG_OPEN_MARK), &end, 10);
        struct lc_binlog_segment *seg;

        if (*end || mark == name)
            return;
        seg = segment_get(list, name, (size_t)(mark - name));
        if (size > seg->open_size)
            seg->open_size = size;
        return;
    }
    if (strstr(name, LC_SPOOL_SHIPPED_MARK) || lc_binlog_name_split(name, NULL, NULL, NULL) < 0)
        return;
    {
        struct lc_binlog_segment *seg = segment_get(list, name, len);

        seg->size = o->size;
        seg->mtime = o->mtime;
    }
}

int lc_binlog_segments_list(const char *spool_dir, struct lc_target *t, uint32_t server_id,
                            unsigned generation, struct lc_binlog_segments *out,
                            struct lc_err *err)
{
    struct lc_target_objects objs;
    char *rel = lc_binlog_gen_dir(server_id, generation);
    int rc = list_dir(spool_dir, t, rel, &objs, err);

    memset(out, 0, sizeof(*out));
    free(rel);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < objs.len; i++)
        add_object(out, &objs.items[i]);
    lc_target_objects_done(&objs);
    if (out->len)
        qsort(out->items, out->len, sizeof(*out->items), cmp_segment);
    return 0;
}

int lc_binlog_chain(const struct lc_binlog_segments *list, const char *from, size_t *out_first,
                    size_t *out_count, struct lc_err *err)
{
    size_t first;

    for (first = 0; first < list->len; first++)
        if (strcmp(list->items[first].name, from) == 0)
            break;
    if (first == list->len || (list->items[first].size == 0 && list->items[first].open_size == 0))
        return lc_err_set(err, LC_E_NOINPUT, "binlog segment '%s' is not archived", from);
    for (size_t i = first; i < list->len; i++) {
        const struct lc_binlog_segment *seg = &list->items[i];

        if (i > first) {
            char *want = lc_binlog_name_next(list->items[i - 1].name);
            int gap = !want || strcmp(want, seg->name) != 0;

            if (gap) {
                lc_err_set(err, LC_E_DATA,
                           "the binlog chain has a gap: '%s' follows '%s' (expected '%s')",
                           seg->name, list->items[i - 1].name, want ? want : "?");
                free(want);
                return -1;
            }
            free(want);
        }
        if (seg->size == 0 && seg->open_size == 0)
            return lc_err_set(err, LC_E_DATA, "binlog segment '%s' has a sidecar but no data",
                              seg->name);
        if (!seg->closed && i + 1 < list->len)
            return lc_err_set(err, LC_E_DATA,
                              "binlog segment '%s' was never closed but '%s' follows it",
                              seg->name, list->items[i + 1].name);
    }
    *out_first = first;
    *out_count = list->len - first;
    return 0;
}
