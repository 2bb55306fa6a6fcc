/*
 * Which set a drill restores: the newest complete set in the spool or on any target
 * (what `lcbp3-restore ... latest` takes), as a local file so that the drill names it
 * in its report and lcbp3-restore is given that exact file. After the restore (which
 * verifies every member's SHA-256), the manifest is read from the tar's headers only:
 * the data is skipped, not read a second time.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/ship.h"
#include "common/spool.h"
#include "common/target.h"
#include "tools/dr/dr.h"
#include "tools/dr/drill.h"

#define MANIFEST_MAX (64u << 20)

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

/* The content of the tar member "manifest.json" (new string), skipping every other
 * member's data. */
static int read_manifest_member(const char *path, char **out, size_t *out_len, struct lc_err *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    char *buf = NULL;
    int r, rc = -1;

    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
        lc_err_set(err, LC_E_IO, "cannot open '%s': %s", path, archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        la_int64_t size = archive_entry_size(e);
        la_ssize_t got;

        if (strcmp(archive_entry_pathname(e), "manifest.json") != 0)
            continue; /* the next header call skips the data */
        if (size < 0 || (uint64_t)size > MANIFEST_MAX) {
            lc_err_set(err, LC_E_DATA, "'%s': manifest.json has a bad size", path);
            goto out;
        }
        buf = lc_xmalloc((size_t)size + 1);
        got = archive_read_data(a, buf, (size_t)size);
        if (got != size) {
            lc_err_set(err, LC_E_DATA, "'%s': manifest.json cannot be read: %s", path,
                       got < 0 ? archive_error_string(a) : "short read");
            goto out;
        }
        buf[size] = '\0';
        *out_len = (size_t)size;
        *out = buf;
        buf = NULL;
        rc = 0;
        goto out;
    }
    lc_err_set(err, LC_E_DATA, "'%s': no manifest.json%s%s", path, r == ARCHIVE_EOF ? "" : ": ",
               r == ARCHIVE_EOF ? "" : archive_error_string(a));
out:
    free(buf);
    archive_read_free(a);
    return rc;
}

int drill_read_manifest(struct drill *d, struct lc_err *err)
{
    char *json = NULL;
    size_t len = 0;
    int rc;

    if (read_manifest_member(d->set_path, &json, &len, err) < 0)
        return -1;
    rc = lc_manifest_parse(json, len, &d->manifest, err);
    free(json);
    if (rc < 0) {
        lc_err_prefix(err, "'%s'", d->set);
        return -1;
    }
    d->have_manifest = 1;
    if (d->manifest.started_at > 0)
        d->set_time = (time_t)d->manifest.started_at;
    return 0;
}
