/*
 * Finding what to restore from a SET argument: a path, "latest", or a set name in the
 * spool. (The targets join this search when shipping lands.)
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "common/mem.h"
#include "common/spool.h"
#include "tools/restore/restore.h"

int restore_has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);

    return n >= k && strcmp(path + n - k, suffix) == 0;
}

int restore_find_source(const struct lc_config *cfg, const char *arg, char **out_path,
                        struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};
    struct stat st;
    int rc = -1;

    if (strchr(arg, '/') || stat(arg, &st) == 0) {
        if (stat(arg, &st) != 0)
            return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "'%s'", arg);
        if (!S_ISREG(st.st_mode))
            return lc_err_set(err, LC_E_NOINPUT, "'%s' is not a file", arg);
        *out_path = lc_xstrdup(arg);
        return 0;
    }
    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    for (size_t idx = 0; idx < sets.len; idx++) {
        if (strcmp(arg, "latest") == 0 || strcmp(arg, sets.items[idx].name) == 0) {
            *out_path = lc_xstrdup(sets.items[idx].path);
            rc = 0;
            goto out;
        }
    }
    if (strcmp(arg, "latest") == 0)
        lc_err_set(err, LC_E_NOINPUT, "no complete set in the spool '%s'", cfg->backup.spool_dir);
    else
        lc_err_set(err, LC_E_NOINPUT, "no set '%s' in the spool '%s' and no such file", arg,
                   cfg->backup.spool_dir);
    lc_err_hint(err, "'lcbp3-restore list' shows the sets it can see");
out:
    lc_spool_list_done(&sets);
    return rc;
}
