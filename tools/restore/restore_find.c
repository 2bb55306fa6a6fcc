/*
 * Finding what to restore from a SET argument: a path, "latest", or a set name, in the
 * spool and then on the targets; a set found only on a target is fetched into the
 * spool so that the restore verifies and reads it like any other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/ship.h"
#include "common/spool.h"
#include "tools/restore/restore.h"

/* A set fetched from a target when there is no spool: <work_dir>/.work-fetch-<pid>/ */
#define FETCH_DIR_PREFIX LC_SPOOL_WORK_PREFIX "fetch-"

int restore_has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);

    return n >= k && strcmp(path + n - k, suffix) == 0;
}

/* The best match for `arg` in a list (newest first): "latest" is the first complete
 * set, a name is that set when complete. NULL when none. */
static const struct lc_spool_set *match(const struct lc_spool_list *sets, const char *arg)
{
    for (size_t idx = 0; idx < sets->len; idx++) {
        const struct lc_spool_set *s = &sets->items[idx];

        if (!s->has_sidecar && !s->path)
            continue; /* incomplete on a target */
        if (strcmp(arg, "latest") == 0 || strcmp(arg, s->name) == 0)
            return s;
    }
    return NULL;
}

/* A better candidate than what was found so far: a name is taken from the first place
 * that has it, "latest" from the place with the newest set. */
static int better(const struct lc_spool_set *cand, const struct lc_spool_set *best)
{
    return cand && (!best || cand->id.when > best->id.when);
}

/* Looks on the targets; fetches the winner into the spool when it beats `*best`. */
static int search_targets(const struct lc_config *cfg, const struct restore_opts *opts,
                          const struct lc_spool_set *spool_best, char **out_path,
                          struct lc_err *err)
{
    struct lc_spool_list found_sets = {NULL, 0};
    const struct lc_spool_set *best = spool_best;
    const struct lc_target_cfg *best_target = NULL;
    char *best_name = NULL;
    int rc = -1;

    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const struct lc_target_cfg *tc = &cfg->targets[idx];
        struct lc_spool_list sets = {NULL, 0};
        struct lc_target *t = NULL;
        struct lc_err terr = LC_ERR_INIT;
        const struct lc_spool_set *cand;

        if (opts->target && strcmp(opts->target, tc->name) != 0)
            continue;
        if (best && strcmp(opts->source, "latest") != 0)
            break; /* a name: the first place that has it */
        if (lc_target_open(tc, &t, &terr) < 0 || lc_target_list_sets(t, &sets, NULL, &terr) < 0) {
            lc_target_free(t);
            if (opts->target) {
                *err = terr;
                goto out;
            }
            lc_log_warn("%s, skipping", terr.msg);
            continue;
        }
        lc_target_free(t);
        cand = match(&sets, opts->source);
        if (better(cand, best)) {
            free(best_name);
            best_name = lc_xstrdup(cand->name);
            best_target = tc;
            lc_spool_list_done(&found_sets);
            found_sets = sets;
            best = match(&found_sets, best_name);
            continue;
        }
        lc_spool_list_done(&sets);
    }
    if (best_target) {
        struct lc_target *t = NULL;
        struct lc_progress *progress = lc_progress_new("fetch", best->size);

        /* without a spool, a private directory that the next backup run would sweep if
         * this restore were killed */
        char *dir = cfg->backup.spool_dir
                        ? lc_xstrdup(cfg->backup.spool_dir)
                        : lc_xasprintf("%s/%s%ld", lc_config_work_dir(cfg), FETCH_DIR_PREFIX,
                                       (long)getpid());

        lc_log_info("fetching '%s' from target '%s' into '%s'", best_name, best_target->name, dir);
        rc = lc_target_open(best_target, &t, err);
        if (rc == 0)
            rc = lc_target_fetch_set(t, best_name, dir, progress, err);
        lc_progress_free(progress);
        lc_target_free(t);
        if (rc == 0)
            *out_path = lc_xasprintf("%s/%s", dir, best_name);
        else if (!cfg->backup.spool_dir) {
            struct lc_err ignored = LC_ERR_INIT;

            (void)lc_fs_remove_tree(dir, &ignored);
        }
        free(dir);
        goto out;
    }
    if (spool_best) {
        *out_path = lc_xstrdup(spool_best->path);
        rc = 0;
        goto out;
    }
    if (strcmp(opts->source, "latest") == 0)
        lc_err_set(err, LC_E_NOINPUT, "no complete set in %s%s%s",
                   opts->target ? "target '" : "the spool or on any target",
                   opts->target ? opts->target : "", opts->target ? "'" : "");
    else
        lc_err_set(err, LC_E_NOINPUT, "no set '%s' in %s%s%s, and no such file", opts->source,
                   opts->target ? "target '" : "the spool or on any target",
                   opts->target ? opts->target : "", opts->target ? "'" : "");
    lc_err_hint(err, "'lcbp3-restore list' shows the sets in the spool, "
                     "'lcbp3-restore list --target NAME' those on a target");
out:
    free(best_name);
    lc_spool_list_done(&found_sets);
    return rc;
}

void restore_release_source(const struct lc_config *cfg, char *path)
{
    const char *mark = path ? strstr(path, "/" FETCH_DIR_PREFIX) : NULL;

    if (mark && !cfg->backup.spool_dir) {
        char *dir = lc_fs_dirname(path);
        struct lc_err ignored = LC_ERR_INIT;

        if (lc_fs_remove_tree(dir, &ignored) < 0)
            lc_log_warn("%s, skipping", ignored.msg);
        free(dir);
    }
    free(path);
}

int restore_find_source(const struct lc_config *cfg, const struct restore_opts *opts,
                        char **out_path, struct lc_err *err)
{
    const char *arg = opts->source;
    struct lc_spool_list sets = {NULL, 0};
    struct stat st;
    int rc;

    if (strchr(arg, '/') || stat(arg, &st) == 0) {
        if (stat(arg, &st) != 0)
            return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "'%s'", arg);
        if (!S_ISREG(st.st_mode))
            return lc_err_set(err, LC_E_NOINPUT, "'%s' is not a file", arg);
        *out_path = lc_xstrdup(arg);
        return 0;
    }
    if (opts->target && !lc_target_find(cfg, opts->target, err))
        return -1;
    if (!opts->target && lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    rc = search_targets(cfg, opts, match(&sets, arg), out_path, err);
    lc_spool_list_done(&sets);
    return rc;
}
