/*
 * Sets' snapshot positions and the archive's server ids and generations (see
 * binlog_sets.h). The manifest is read with lc_set_read_manifest(): a walk over the
 * tar's headers, not a read of the set.
 */
#include "common/binlog_sets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/binlog_archive.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/mem.h"
#include "common/set_reader.h"

struct lc_set_binlogs {
    char *spool_dir;          /* NULL: no spool */
    char *state_path;         /* NULL: nowhere to remember */
    json_object *state;       /* {"<set>": {"server_id", "generation", "file", "pos"}} */
    int changed;
};

void lc_set_binlog_done(struct lc_set_binlog *b)
{
    free(b->file);
    memset(b, 0, sizeof(*b));
    b->generation = -1;
}

/* The position in the manifest of the local set at `path`. */
static int position_of_file(const char *path, struct lc_set_binlog *out, struct lc_err *err)
{
    struct lc_manifest m;

    if (lc_set_read_manifest(path, &m, err) < 0)
        return -1;
    out->known = 1;
    out->server_id = m.server_id;
    out->generation = m.binlog_generation;
    out->file = m.binlog_file ? lc_xstrdup(m.binlog_file) : NULL;
    out->pos = m.binlog_pos;
    lc_manifest_done(&m);
    return 0;
}

struct lc_set_binlogs *lc_set_binlogs_open(const struct lc_config *cfg)
{
    struct lc_set_binlogs *c = lc_xcalloc(1, sizeof(*c));
    const char *work = lc_config_work_dir(cfg);

    if (cfg->backup.spool_dir && cfg->backup.spool_dir[0])
        c->spool_dir = lc_xstrdup(cfg->backup.spool_dir);
    if (work && work[0]) {
        c->state_path = lc_xasprintf("%s/" LC_SET_BINLOG_STATE, work);
        c->state = json_object_from_file(c->state_path);
    }
    if (c->state && !json_object_is_type(c->state, json_type_object)) {
        json_object_put(c->state);
        c->state = NULL;
    }
    if (!c->state)
        c->state = json_object_new_object();
    return c;
}

static void remember(struct lc_set_binlogs *c, const char *name, const struct lc_set_binlog *b)
{
    json_object *entry = json_object_new_object();
    json_object *old;
    const char *before = NULL;

    json_object_object_add(entry, "server_id", json_object_new_int64(b->server_id));
    json_object_object_add(entry, "generation", json_object_new_int(b->generation));
    json_object_object_add(entry, "file", b->file ? json_object_new_string(b->file) : NULL);
    json_object_object_add(entry, "pos", json_object_new_int64((int64_t)b->pos));
    if (json_object_object_get_ex(c->state, name, &old))
        before = json_object_to_json_string_ext(old, JSON_C_TO_STRING_PLAIN);
    if (before &&
        strcmp(before, json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN)) == 0) {
        json_object_put(entry);
        return;
    }
    json_object_object_add(c->state, name, entry);
    c->changed = 1;
}

/* The recorded position of `name`; 0 when there is a well-formed record. */
static int recalled(struct lc_set_binlogs *c, const char *name, struct lc_set_binlog *out)
{
    json_object *entry, *v;
    int64_t id, gen;

    if (!json_object_object_get_ex(c->state, name, &entry) ||
        !json_object_is_type(entry, json_type_object) ||
        !json_object_object_get_ex(entry, "server_id", &v) ||
        !json_object_is_type(v, json_type_int))
        return -1;
    id = json_object_get_int64(v);
    if (!json_object_object_get_ex(entry, "generation", &v) ||
        !json_object_is_type(v, json_type_int))
        return -1;
    gen = json_object_get_int64(v);
    if (id < 0 || id > UINT32_MAX || gen < -1 || gen > 1000000)
        return -1;
    out->server_id = (uint32_t)id;
    out->generation = (int)gen;
    if (json_object_object_get_ex(entry, "file", &v) && json_object_is_type(v, json_type_string) &&
        lc_binlog_name_split(json_object_get_string(v), NULL, NULL, NULL) == 0)
        out->file = lc_xstrdup(json_object_get_string(v));
    if (json_object_object_get_ex(entry, "pos", &v) && json_object_is_type(v, json_type_int))
        out->pos = (uint64_t)json_object_get_int64(v);
    out->known = 1;
    return 0;
}

void lc_set_binlogs_get(struct lc_set_binlogs *c, const char *name, struct lc_set_binlog *out)
{
    struct lc_err err = LC_ERR_INIT;
    char *path = c->spool_dir ? lc_xasprintf("%s/%s", c->spool_dir, name) : NULL;

    memset(out, 0, sizeof(*out));
    out->generation = -1;
    if (path && access(path, F_OK) == 0) {
        if (position_of_file(path, out, &err) == 0)
            remember(c, name, out);
        else
            lc_log_debug("the binlog position of '%s' is unknown: %s", name, err.msg);
    }
    free(path);
    if (!out->known) {
        lc_set_binlog_done(out);
        recalled(c, name, out);
    }
}

void lc_set_binlogs_close(struct lc_set_binlogs *c)
{
    if (!c)
        return;
    if (c->changed && c->state_path) {
        struct lc_err err = LC_ERR_INIT;
        const char *text = json_object_to_json_string_ext(c->state, JSON_C_TO_STRING_PLAIN);

        if (lc_fs_write_atomic(c->state_path, text, strlen(text), 0600, &err) < 0)
            lc_log_warn("the record of the sets' binlog positions was not saved: %s", err.msg);
    }
    json_object_put(c->state);
    free(c->state_path);
    free(c->spool_dir);
    free(c);
}
