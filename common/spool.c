/*
 * The local spool (see spool.h).
 */
#include "common/spool.h"

#include <dirent.h>
#include <json-c/json.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/units.h"

static int newest_first(const void *a, const void *b)
{
    const struct lc_spool_set *x = a, *y = b;

    if (x->id.when != y->id.when)
        return x->id.when > y->id.when ? -1 : 1;
    return strcmp(y->name, x->name);
}

int lc_spool_list(const char *dir, struct lc_spool_list *out, struct lc_err *err)
{
    struct lc_spool_list list = {NULL, 0};
    size_t cap = 0;
    struct dirent *ent;
    DIR *d = dir ? opendir(dir) : NULL;

    if (!d) {
        if (!dir || errno == ENOENT) {
            *out = list;
            return 0;
        }
        return lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_IO,
                          "cannot open spool directory '%s'", dir);
    }
    while ((ent = readdir(d)) != NULL) {
        struct lc_spool_set set;
        struct stat st;
        char *sidecar, *marker;

        memset(&set, 0, sizeof(set));
        if (lc_set_name_parse(ent->d_name, &set.id) < 0)
            continue;
        set.path = lc_xasprintf("%s/%s", dir, ent->d_name);
        if (stat(set.path, &st) < 0 || !S_ISREG(st.st_mode)) {
            free(set.path);
            continue;
        }
        set.name = lc_xstrdup(ent->d_name);
        set.size = (uint64_t)st.st_size;
        sidecar = lc_xasprintf("%s.sha256", set.path);
        set.has_sidecar = access(sidecar, F_OK) == 0;
        free(sidecar);
        marker = lc_xasprintf("%s.verified", set.path);
        if (stat(marker, &st) == 0)
            set.verified_at = st.st_mtime;
        free(marker);
        if (list.len == cap) {
            cap = cap ? cap * 2 : 16;
            list.items = lc_xrealloc(list.items, cap * sizeof(*list.items));
        }
        list.items[list.len++] = set;
    }
    closedir(d);
    lc_spool_list_sort(&list);
    *out = list;
    return 0;
}

void lc_spool_list_sort(struct lc_spool_list *list)
{
    if (list->len)
        qsort(list->items, list->len, sizeof(*list->items), newest_first);
}

void lc_spool_list_done(struct lc_spool_list *list)
{
    for (size_t idx = 0; idx < list->len; idx++) {
        free(list->items[idx].name);
        free(list->items[idx].path);
    }
    free(list->items);
    list->items = NULL;
    list->len = 0;
}

/* Removes "<name>.shipped-<target>" for every target. */
static int remove_shipped_markers(const char *dir, const char *name, struct lc_err *err)
{
    char *prefix = lc_xasprintf("%s" LC_SPOOL_SHIPPED_MARK, name);
    size_t plen = strlen(prefix);
    struct dirent *ent;
    DIR *d = opendir(dir);
    int rc = 0;

    if (!d) {
        free(prefix);
        return errno == ENOENT ? 0 : lc_err_sys(err, LC_E_IO, "cannot open spool directory '%s'", dir);
    }
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        if (strncmp(ent->d_name, prefix, plen) != 0)
            continue;
        if (unlinkat(dirfd(d), ent->d_name, 0) < 0 && errno != ENOENT)
            rc = lc_err_sys(err, LC_E_IO, "cannot remove '%s/%s'", dir, ent->d_name);
    }
    closedir(d);
    free(prefix);
    return rc;
}

int lc_spool_remove_set(const char *dir, const char *name, struct lc_err *err)
{
    char *path = lc_xasprintf("%s/%s", dir, name);
    char *sidecar = lc_xasprintf("%s.sha256", path);
    char *marker = lc_xasprintf("%s.verified", path);
    const char *files[] = {path, sidecar, marker};
    int rc = -1;

    for (size_t idx = 0; idx < 3; idx++) {
        if (unlink(files[idx]) < 0 && errno != ENOENT) {
            lc_err_sys(err, LC_E_IO, "cannot remove '%s'", files[idx]);
            goto out;
        }
    }
    if (remove_shipped_markers(dir, name, err) < 0)
        goto out;
    rc = lc_fs_fsync_dir(dir, err);
out:
    free(path);
    free(sidecar);
    free(marker);
    return rc;
}

int lc_spool_mark_verified(const char *set_path, struct lc_err *err)
{
    char *marker = lc_xasprintf("%s.verified", set_path);
    char stamp[32];
    int rc;

    lc_format_utc(time(NULL), stamp, sizeof(stamp));
    rc = lc_fs_write_atomic(marker, stamp, strlen(stamp), 0600, err);
    free(marker);
    return rc;
}

static void print_json(const struct lc_spool_list *sets, time_t now, FILE *out)
{
    json_object *arr = json_object_new_array();

    for (size_t idx = 0; idx < sets->len; idx++) {
        const struct lc_spool_set *s = &sets->items[idx];
        json_object *obj = json_object_new_object();
        char stamp[32];

        lc_format_utc(s->id.when, stamp, sizeof(stamp));
        json_object_object_add(obj, "name", json_object_new_string(s->name));
        json_object_object_add(obj, "path", s->path ? json_object_new_string(s->path) : NULL);
        json_object_object_add(obj, "host", json_object_new_string(s->id.host));
        json_object_object_add(obj, "kind", json_object_new_string(lc_set_kind_name(s->id.kind)));
        json_object_object_add(obj, "time", json_object_new_string(stamp));
        json_object_object_add(obj, "time_unix", json_object_new_int64((int64_t)s->id.when));
        json_object_object_add(obj, "age_seconds", json_object_new_int64((int64_t)(now - s->id.when)));
        json_object_object_add(obj, "size", json_object_new_int64((int64_t)s->size));
        json_object_object_add(obj, "sidecar", json_object_new_boolean(s->has_sidecar));
        if (s->verified_at) {
            lc_format_utc(s->verified_at, stamp, sizeof(stamp));
            json_object_object_add(obj, "verified_at", json_object_new_string(stamp));
        } else {
            json_object_object_add(obj, "verified_at", NULL);
        }
        json_object_array_add(arr, obj);
    }
    fprintf(out, "%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(arr);
}

void lc_spool_print(const struct lc_spool_list *sets, const char *where, int json, FILE *out)
{
    time_t now = time(NULL);

    if (json) {
        print_json(sets, now, out);
        return;
    }
    if (sets->len == 0) {
        fprintf(out, "no sets in %s\n", where);
        return;
    }
    fprintf(out, "%-52s %-8s %-10s %10s  %s\n", "SET", "KIND", "AGE", "SIZE", "VERIFIED");
    for (size_t idx = 0; idx < sets->len; idx++) {
        const struct lc_spool_set *s = &sets->items[idx];
        char age[32], size[32], verified[48];

        lc_format_duration((int64_t)(now - s->id.when) * 1000, age, sizeof(age));
        lc_format_size(s->size, size, sizeof(size));
        if (!s->has_sidecar) {
            snprintf(verified, sizeof(verified), "%s", s->path ? "NO SIDECAR" : "INCOMPLETE");
        } else if (s->verified_at) {
            lc_format_duration((int64_t)(now - s->verified_at) * 1000, verified, sizeof(verified));
            strncat(verified, " ago", sizeof(verified) - strlen(verified) - 1);
        } else {
            snprintf(verified, sizeof(verified), "not yet");
        }
        fprintf(out, "%-52s %-8s %-10s %10s  %s\n", s->name, lc_set_kind_name(s->id.kind), age, size,
                verified);
    }
}

static int is_leftover(const char *name)
{
    size_t len = strlen(name);

    if (strncmp(name, LC_SPOOL_WORK_PREFIX, strlen(LC_SPOOL_WORK_PREFIX)) == 0)
        return 1;
    return len > 8 && strcmp(name + len - 8, ".partial") == 0;
}

int lc_spool_sweep(const char *dir, struct lc_err *err)
{
    struct dirent *ent;
    DIR *d = opendir(dir);
    int rc = 0;

    if (!d)
        return errno == ENOENT ? 0 : lc_err_sys(err, LC_E_IO, "cannot open spool directory '%s'", dir);
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        char *path;

        if (!is_leftover(ent->d_name))
            continue;
        path = lc_xasprintf("%s/%s", dir, ent->d_name);
        lc_log_warn("removing '%s', left by an interrupted run", path);
        rc = lc_fs_remove_tree(path, err);
        free(path);
    }
    closedir(d);
    return rc;
}
