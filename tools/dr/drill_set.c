/*
 * Which set a drill restores: the newest complete set in the spool or on any target
 * (what `lcbp3-restore ... latest` takes), as a local file so that the drill names it
 * in its report and lcbp3-restore is given that exact file. After the restore (which
 * verifies every member's SHA-256), the manifest is read from the tar's headers only:
 * the data is skipped, not read a second time.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/set_reader.h"
#include "common/ship.h"
#include "common/spool.h"
#include "common/target.h"
#include "tools/dr/dr.h"
#include "tools/dr/drill.h"

/* Fetches `name` from target tc: into the spool, or without one into a private
 * directory of the work directory that the drill removes afterwards. */
static int fetch(const struct lc_config *cfg, const char *work_dir,
                 const struct lc_target_cfg *tc, struct drill *d, struct lc_err *err)
{
    struct lc_target *t = NULL;
    char *dir;
    int rc;

    if (cfg->backup.spool_dir)
        dir = lc_xstrdup(cfg->backup.spool_dir);
    else
        dir = d->fetch_dir = lc_xasprintf("%s/%sdrill-fetch-%ld", work_dir, LC_SPOOL_WORK_PREFIX,
                                          (long)getpid());
    lc_log_info("fetching '%s' from target '%s' into '%s'", d->set, tc->name, dir);
    rc = lc_target_open(tc, &t, err);
    if (rc == 0)
        rc = lc_target_fetch_set(t, d->set, dir, NULL, err);
    lc_target_free(t);
    if (rc == 0)
        d->set_path = lc_xasprintf("%s/%s", dir, d->set);
    if (dir != d->fetch_dir)
        free(dir);
    return rc;
}

int drill_find_set(const struct lc_config *cfg, const char *work_dir, struct drill *d,
                   struct lc_err *err)
{
    struct dr_latest latest;
    int found = dr_find_latest(cfg, 0, &latest, err);
    int rc = -1;

    if (found < 0)
        return -1;
    if (!found) {
        lc_err_set(err, LC_E_NOINPUT, "no complete set in the spool or on any target");
        lc_err_hint(err, "'lcbp3-restore list' shows the sets; 'lcbp3-backup run' makes one");
        return -1;
    }
    d->set = latest.name;
    latest.name = NULL;
    d->set_time = latest.when;
    if (latest.target) {
        rc = fetch(cfg, work_dir, latest.target, d, err);
    } else {
        d->set_path = latest.path;
        latest.path = NULL;
        rc = 0;
    }
    dr_latest_done(&latest);
    return rc;
}

int drill_read_manifest(struct drill *d, struct lc_err *err)
{
    if (lc_set_read_manifest(d->set_path, &d->manifest, err) < 0)
        return -1;
    d->have_manifest = 1;
    if (d->manifest.started_at > 0)
        d->set_time = (time_t)d->manifest.started_at;
    return 0;
}
