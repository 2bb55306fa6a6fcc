/*
 * The local spool (see spool.h).
 */
#include "common/spool.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"

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
    DIR *d = opendir(dir);

    if (!d) {
        if (errno == ENOENT) {
            *out = list;
            return 0;
        }
        return lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_IO,
                          "cannot open spool directory '%s'", dir);
    }
    while ((ent = readdir(d)) != NULL) {
        struct lc_spool_set set;
        struct stat st;
        char *sidecar;

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
        if (list.len == cap) {
            cap = cap ? cap * 2 : 16;
            list.items = lc_xrealloc(list.items, cap * sizeof(*list.items));
        }
        list.items[list.len++] = set;
    }
    closedir(d);
    if (list.len)
        qsort(list.items, list.len, sizeof(*list.items), newest_first);
    *out = list;
    return 0;
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

int lc_spool_remove_set(const char *dir, const char *name, struct lc_err *err)
{
    char *path = lc_xasprintf("%s/%s", dir, name);
    char *sidecar = lc_xasprintf("%s.sha256", path);
    int rc = -1;

    if (unlink(path) < 0 && errno != ENOENT) {
        lc_err_sys(err, LC_E_IO, "cannot remove '%s'", path);
        goto out;
    }
    if (unlink(sidecar) < 0 && errno != ENOENT) {
        lc_err_sys(err, LC_E_IO, "cannot remove '%s'", sidecar);
        goto out;
    }
    rc = lc_fs_fsync_dir(dir, err);
out:
    free(path);
    free(sidecar);
    return rc;
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
