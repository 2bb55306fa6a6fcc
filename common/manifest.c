/*
 * Building and parsing manifest.json (see manifest.h).
 */
#include "common/manifest.h"

#include <json-c/json.h>
#include <mysql.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/units.h"

static void add_string(json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key, value ? json_object_new_string(value) : NULL);
}

static void add_time(json_object *obj, const char *key, time_t when)
{
    char stamp[32];
    char *unix_key = lc_xasprintf("%s_unix", key);

    lc_format_utc(when, stamp, sizeof(stamp));
    add_string(obj, key, stamp);
    json_object_object_add(obj, unix_key, json_object_new_int64((int64_t)when));
    free(unix_key);
}

static json_object *mariadb_object(const struct lc_set_header *h)
{
    const struct lc_dump_mariadb_info *info = h->mariadb;
    json_object *obj = json_object_new_object();
    json_object *dbs = json_object_new_array();

    for (size_t idx = 0; h->databases && h->databases[idx]; idx++)
        json_object_array_add(dbs, json_object_new_string(h->databases[idx]));
    add_string(obj, "server_version", info->server_version);
    add_string(obj, "client_version", mysql_get_client_info());
    json_object_object_add(obj, "databases", dbs);
    add_string(obj, "binlog_file", info->binlog_file);
    json_object_object_add(obj, "binlog_position",
                           info->binlog_file ? json_object_new_int64((int64_t)info->binlog_pos) : NULL);
    add_string(obj, "gtid", info->gtid);
    json_object_object_add(obj, "server_id", json_object_new_int64(info->server_id));
    json_object_object_add(obj, "binlog_generation", info->binlog_generation >= 0
                           ? json_object_new_int64(info->binlog_generation) : NULL);
    json_object_object_add(obj, "connections", json_object_new_int64(info->connections));
    json_object_object_add(obj, "tables", json_object_new_int64((int64_t)info->tables));
    json_object_object_add(obj, "rows", json_object_new_int64((int64_t)info->rows));
    return obj;
}

static json_object *redis_object(const struct lc_dump_redis_info *info)
{
    json_object *obj = json_object_new_object();

    add_string(obj, "version", info->version);
    add_string(obj, "mode", info->mode);
    json_object_object_add(obj, "masters", json_object_new_int64(info->masters));
    json_object_object_add(obj, "keys", json_object_new_int64((int64_t)info->keys));
    json_object_object_add(obj, "rdb_bytes", json_object_new_int64((int64_t)info->rdb_bytes));
    json_object_object_add(obj, "used_memory", json_object_new_int64((int64_t)info->used_memory));
    return obj;
}

char *lc_manifest_build(const struct lc_set_header *h, const struct lc_member_list *members)
{
    json_object *root = json_object_new_object();
    json_object *list = json_object_new_array();
    char *text;

    json_object_object_add(root, "format", json_object_new_int(LC_MANIFEST_FORMAT));
    add_string(root, "tool", "lcbp3-backup");
    add_string(root, "tool_version", LC_VERSION);
    add_string(root, "set", h->set_name);
    add_string(root, "host", h->host);
    add_string(root, "kind", h->kind);
    add_time(root, "started_at", h->started_at);
    add_time(root, "finished_at", h->finished_at);
    json_object_object_add(root, "mariadb", h->mariadb ? mariadb_object(h) : NULL);
    json_object_object_add(root, "redis", h->redis ? redis_object(h->redis) : NULL);
    for (size_t idx = 0; idx < members->len; idx++) {
        const struct lc_member *m = &members->items[idx];
        json_object *obj = json_object_new_object();

        add_string(obj, "path", m->name);
        add_string(obj, "kind", m->kind);
        if (m->db)
            add_string(obj, "db", m->db);
        if (m->table)
            add_string(obj, "table", m->table);
        if (m->node)
            add_string(obj, "node", m->node);
        json_object_object_add(obj, "size", json_object_new_int64((int64_t)m->size));
        json_object_object_add(obj, "raw_size", json_object_new_int64((int64_t)m->raw_size));
        if (m->rows >= 0)
            json_object_object_add(obj, "rows", json_object_new_int64(m->rows));
        add_string(obj, "sha256", m->sha256);
        if (lc_strv_len(m->parts) > 1) {
            json_object *parts = json_object_new_array();

            for (size_t k = 0; m->parts[k]; k++)
                json_object_array_add(parts, json_object_new_int64((int64_t)m->part_sizes[k]));
            json_object_object_add(obj, "parts", parts);
        }
        json_object_array_add(list, obj);
    }
    json_object_object_add(root, "members", list);
    text = lc_xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return text;
}

/* Copies a string field; a missing or null field gives NULL, a wrong type fails. */
static int get_string(json_object *obj, const char *key, int required, char **out,
                      struct lc_err *err)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(obj, key, &value) || !value) {
        if (required)
            return lc_err_set(err, LC_E_DATA, "field '%s' is missing", key);
        *out = NULL;
        return 0;
    }
    if (!json_object_is_type(value, json_type_string))
        return lc_err_set(err, LC_E_DATA, "field '%s' is not a string", key);
    *out = lc_xstrdup(json_object_get_string(value));
    return 0;
}

static int get_int(json_object *obj, const char *key, int required, int64_t min, int64_t *out,
                   struct lc_err *err)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(obj, key, &value) || !value) {
        if (required)
            return lc_err_set(err, LC_E_DATA, "field '%s' is missing", key);
        return 0;
    }
    if (!json_object_is_type(value, json_type_int))
        return lc_err_set(err, LC_E_DATA, "field '%s' is not an integer", key);
    *out = json_object_get_int64(value);
    if (*out < min)
        return lc_err_set(err, LC_E_DATA, "field '%s' is negative", key);
    return 0;
}

/* "parts": [sizes], which must add up to the member's size. */
static int parse_parts(json_object *obj, struct lc_manifest_member *m, struct lc_err *err)
{
    json_object *parts;
    uint64_t sum = 0;
    size_t n;

    if (!json_object_object_get_ex(obj, "parts", &parts) || !parts)
        return 0;
    if (!json_object_is_type(parts, json_type_array))
        return lc_err_set(err, LC_E_DATA, "member '%s': 'parts' is not an array", m->path);
    n = json_object_array_length(parts);
    m->parts = lc_xcalloc(n ? n : 1, sizeof(uint64_t));
    m->n_parts = n;
    for (size_t k = 0; k < n; k++) {
        json_object *v = json_object_array_get_idx(parts, k);
        int64_t size = v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;

        if (size < 0)
            return lc_err_set(err, LC_E_DATA, "member '%s': part %zu is not a size", m->path, k);
        m->parts[k] = (uint64_t)size;
        sum += (uint64_t)size;
    }
    if (sum != m->size)
        return lc_err_set(err, LC_E_DATA, "member '%s': its parts add up to %llu bytes, not %llu",
                          m->path, (unsigned long long)sum, (unsigned long long)m->size);
    return 0;
}

static int parse_member(json_object *obj, struct lc_manifest_member *m, struct lc_err *err)
{
    char *sha = NULL;
    int64_t size = 0, raw = 0;
    int rc = -1;

    m->rows = -1;
    if (!json_object_is_type(obj, json_type_object))
        return lc_err_set(err, LC_E_DATA, "a member is not an object");
    if (get_string(obj, "path", 1, &m->path, err) < 0 || get_string(obj, "kind", 1, &m->kind, err) < 0 ||
        get_string(obj, "db", 0, &m->db, err) < 0 || get_string(obj, "table", 0, &m->table, err) < 0 ||
        get_string(obj, "node", 0, &m->node, err) < 0 || get_int(obj, "size", 1, 0, &size, err) < 0 ||
        get_int(obj, "raw_size", 0, 0, &raw, err) < 0 || get_int(obj, "rows", 0, 0, &m->rows, err) < 0 ||
        get_string(obj, "sha256", 1, &sha, err) < 0)
        goto out;
    if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
        lc_err_set(err, LC_E_DATA, "member '%s': sha256 '%s' is not 64 hex digits",
                   m->path ? m->path : "?", sha);
        goto out;
    }
    memcpy(m->sha256, sha, 65);
    m->size = (uint64_t)size;
    m->raw_size = (uint64_t)raw;
    if (parse_parts(obj, m, err) < 0)
        goto out;
    rc = 0;
out:
    free(sha);
    return rc;
}

int lc_manifest_parse(const char *json, size_t len, struct lc_manifest *out, struct lc_err *err)
{
    struct lc_manifest m;
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    json_object *section = NULL, *members = NULL;
    int64_t format = 0, pos = 0, server_id = 0, generation = -1;
    int rc = -1;

    memset(&m, 0, sizeof(m));
    m.binlog_generation = -1;
    if (!root || json_tokener_get_error(tok) != json_tokener_success) {
        lc_err_set(err, LC_E_DATA, "manifest is not valid JSON: %s",
                   json_tokener_error_desc(json_tokener_get_error(tok)));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        lc_err_set(err, LC_E_DATA, "manifest is not a JSON object");
        goto out;
    }
    if (get_int(root, "format", 1, 1, &format, err) < 0)
        goto out;
    if (format > LC_MANIFEST_FORMAT) {
        lc_err_set(err, LC_E_DATA, "manifest format %lld is newer than this tool reads (%d)",
                   (long long)format, LC_MANIFEST_FORMAT);
        lc_err_hint(err, "use a newer lcbp3-ops");
        goto out;
    }
    m.format = (int)format;
    if (get_string(root, "tool_version", 1, &m.tool_version, err) < 0 ||
        get_string(root, "set", 1, &m.set_name, err) < 0 ||
        get_string(root, "host", 1, &m.host, err) < 0 ||
        get_string(root, "kind", 1, &m.kind, err) < 0 ||
        get_int(root, "started_at_unix", 1, 0, &m.started_at, err) < 0 ||
        get_int(root, "finished_at_unix", 1, 0, &m.finished_at, err) < 0)
        goto out;
    if (json_object_object_get_ex(root, "mariadb", &section) && section) {
        if (get_string(section, "server_version", 1, &m.mariadb_version, err) < 0 ||
            get_string(section, "binlog_file", 0, &m.binlog_file, err) < 0 ||
            get_int(section, "binlog_position", 0, 0, &pos, err) < 0 ||
            get_string(section, "gtid", 0, &m.gtid, err) < 0 ||
            get_int(section, "server_id", 0, 0, &server_id, err) < 0 ||
            get_int(section, "binlog_generation", 0, -1, &generation, err) < 0)
            goto out;
        m.binlog_pos = (uint64_t)pos;
        m.server_id = (uint32_t)server_id;
        m.binlog_generation = (int)generation;
    }
    if (json_object_object_get_ex(root, "redis", &section) && section &&
        get_string(section, "version", 0, &m.redis_version, err) < 0)
        goto out;
    if (!json_object_object_get_ex(root, "members", &members) ||
        !json_object_is_type(members, json_type_array)) {
        lc_err_set(err, LC_E_DATA, "field 'members' is missing or not an array");
        goto out;
    }
    m.n_members = json_object_array_length(members);
    m.members = lc_xcalloc(m.n_members, sizeof(*m.members));
    for (size_t idx = 0; idx < m.n_members; idx++)
        if (parse_member(json_object_array_get_idx(members, idx), &m.members[idx], err) < 0)
            goto out;
    *out = m;
    memset(&m, 0, sizeof(m));
    rc = 0;
out:
    if (rc < 0)
        lc_err_prefix(err, "manifest");
    lc_manifest_done(&m);
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

void lc_manifest_done(struct lc_manifest *m)
{
    for (size_t idx = 0; idx < m->n_members; idx++) {
        free(m->members[idx].path);
        free(m->members[idx].kind);
        free(m->members[idx].db);
        free(m->members[idx].table);
        free(m->members[idx].node);
        free(m->members[idx].parts);
    }
    free(m->members);
    free(m->tool_version);
    free(m->set_name);
    free(m->host);
    free(m->kind);
    free(m->mariadb_version);
    free(m->binlog_file);
    free(m->gtid);
    free(m->redis_version);
    memset(m, 0, sizeof(*m));
}
