/*
 * Binlog event headers, CRCs, ROTATE and GTID bodies, and the file scan (see
 * binlog_event.h).
 */
#include "common/binlog_event.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/mem.h"

#define SCAN_CHUNK (1024 * 1024)
#define FDE_ALG_CRC32 1

static uint32_t get_u16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

int lc_binlog_event_parse(const void *buf, size_t len, struct lc_binlog_event *out)
{
    const unsigned char *p = buf;

    if (len < LC_BINLOG_HEADER_LEN)
        return 0;
    out->timestamp = get_u32(p);
    out->type = p[4];
    out->server_id = get_u32(p + 5);
    out->size = get_u32(p + 9);
    out->log_pos = get_u32(p + 13);
    out->flags = (uint16_t)get_u16(p + 17);
    out->data = p;
    if (out->size < LC_BINLOG_HEADER_LEN || out->size > LC_BINLOG_MAX_EVENT)
        return -1;
    return len >= out->size;
}

int lc_binlog_fde_has_crc(const struct lc_binlog_event *fde)
{
    /* the FDE always ends with the checksum algorithm byte and 4 CRC bytes */
    if (fde->size < LC_BINLOG_HEADER_LEN + 1 + LC_BINLOG_CRC_LEN)
        return 0;
    return fde->data[fde->size - LC_BINLOG_CRC_LEN - 1] == FDE_ALG_CRC32;
}

int lc_binlog_event_crc_ok(const struct lc_binlog_event *ev)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t body = ev->size - LC_BINLOG_CRC_LEN;

    if (ev->size < LC_BINLOG_HEADER_LEN + LC_BINLOG_CRC_LEN)
        return 0;
    if (ev->type == LC_BINLOG_FORMAT_DESCRIPTION && (ev->flags & LC_BINLOG_F_IN_USE)) {
        unsigned char head[LC_BINLOG_HEADER_LEN];

        memcpy(head, ev->data, sizeof(head));
        head[17] &= (unsigned char)~LC_BINLOG_F_IN_USE;
        crc = crc32(crc, head, sizeof(head));
        crc = crc32(crc, ev->data + sizeof(head), (uInt)(body - sizeof(head)));
    } else {
        crc = crc32(crc, ev->data, (uInt)body);
    }
    return (uint32_t)crc == get_u32(ev->data + body);
}

int lc_binlog_rotate_parse(const struct lc_binlog_event *ev, int has_crc, char **out_name,
                           uint64_t *out_pos)
{
    size_t end = ev->size - (has_crc ? LC_BINLOG_CRC_LEN : 0);
    size_t start = LC_BINLOG_HEADER_LEN + 8;

    if (ev->type != LC_BINLOG_ROTATE || end <= start || end > ev->size)
        return -1;
    if (memchr(ev->data + start, '/', end - start) || memchr(ev->data + start, '\0', end - start))
        return -1;
    *out_pos = get_u64(ev->data + LC_BINLOG_HEADER_LEN);
    *out_name = lc_xstrndup((const char *)ev->data + start, end - start);
    return 0;
}

int lc_binlog_gtid_parse(const struct lc_binlog_event *ev, struct lc_binlog_gtid *out)
{
    if (ev->type != LC_BINLOG_GTID || ev->size < LC_BINLOG_HEADER_LEN + 13)
        return -1;
    out->seq = get_u64(ev->data + LC_BINLOG_HEADER_LEN);
    out->domain = get_u32(ev->data + LC_BINLOG_HEADER_LEN + 8);
    out->server_id = ev->server_id;
    return 0;
}

const char *lc_binlog_type_name(uint8_t type, char buf[16])
{
    static const struct {
        uint8_t type;
        const char *name;
    } names[] = {
        {LC_BINLOG_QUERY, "Query"},
        {LC_BINLOG_STOP, "Stop"},
        {LC_BINLOG_ROTATE, "Rotate"},
        {LC_BINLOG_FORMAT_DESCRIPTION, "Format_desc"},
        {LC_BINLOG_XID, "Xid"},
        {19, "Table_map"},
        {23, "Write_rows_v1"},
        {24, "Update_rows_v1"},
        {25, "Delete_rows_v1"},
        {LC_BINLOG_HEARTBEAT, "Heartbeat"},
        {LC_BINLOG_ANNOTATE_ROWS, "Annotate_rows"},
        {LC_BINLOG_CHECKPOINT, "Binlog_checkpoint"},
        {LC_BINLOG_GTID, "Gtid"},
        {LC_BINLOG_GTID_LIST, "Gtid_list"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].type == type)
            return names[i].name;
    snprintf(buf, 16, "type %u", (unsigned)type);
    return buf;
}

/* One valid event of the scan: what the summary keeps. */
static void note_event(struct lc_binlog_scan *s, const struct lc_binlog_event *ev)
{
    struct lc_binlog_gtid gtid;

    s->events++;
    s->last_timestamp = ev->timestamp;
    if (ev->type == LC_BINLOG_FORMAT_DESCRIPTION && s->events == 1) {
        s->fde_timestamp = ev->timestamp;
        s->has_crc = lc_binlog_fde_has_crc(ev);
    } else if (s->first_timestamp == 0) {
        s->first_timestamp = ev->timestamp;
    }
    if (ev->type == LC_BINLOG_GTID && lc_binlog_gtid_parse(ev, &gtid) == 0) {
        s->has_gtid = 1;
        s->last_gtid = gtid;
    }
    free(s->next_name);
    s->next_name = NULL;
    s->ends_closed = ev->type == LC_BINLOG_STOP || ev->type == LC_BINLOG_ROTATE;
    if (ev->type == LC_BINLOG_ROTATE) {
        uint64_t pos;

        if (lc_binlog_rotate_parse(ev, s->has_crc, &s->next_name, &pos) < 0)
            s->next_name = NULL;
    }
}

/* Whether the event may follow at `offset`: its log_pos is where it ends, its CRC holds. */
static int event_valid(const struct lc_binlog_scan *s, const struct lc_binlog_event *ev,
                       uint64_t offset)
{
    if (ev->log_pos != 0 && ev->log_pos != offset + ev->size)
        return 0;
    if (s->events == 0 && ev->type != LC_BINLOG_FORMAT_DESCRIPTION)
        return 0;
    if (s->events == 0 ? lc_binlog_fde_has_crc(ev) && !lc_binlog_event_crc_ok(ev)
                       : s->has_crc && !lc_binlog_event_crc_ok(ev))
        return 0;
    return 1;
}

int lc_binlog_scan_file(const char *path,
                        int (*each)(void *ctx, const struct lc_binlog_event *ev, uint64_t offset),
                        void *ctx, struct lc_binlog_scan *out, struct lc_err *err)
{
    unsigned char *buf = NULL;
    size_t cap = SCAN_CHUNK, have = 0, pos = 0;
    uint64_t offset = LC_BINLOG_MAGIC_LEN; /* file offset of buf[pos] */
    int fd, rc = -1, eof = 0;

    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO,
                          "cannot open binlog segment '%s'", path);
    buf = lc_xmalloc(cap);
    for (;;) {
        struct lc_binlog_event ev;
        int got;

        if (!eof && have - pos < cap / 2) {
            ssize_t n;

            memmove(buf, buf + pos, have - pos);
            have -= pos;
            pos = 0;
            n = read(fd, buf + have, cap - have);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                lc_err_sys(err, LC_E_IO, "cannot read binlog segment '%s'", path);
                goto out;
            }
            eof = n == 0;
            have += (size_t)n;
            out->file_size += (uint64_t)n;
            if (out->file_size == (uint64_t)n) { /* the first read: the magic */
                if (have < LC_BINLOG_MAGIC_LEN ||
                    memcmp(buf, LC_BINLOG_MAGIC, LC_BINLOG_MAGIC_LEN) != 0) {
                    lc_err_set(err, LC_E_DATA, "'%s' is not a MariaDB binary log (no magic)",
                               path);
                    goto out;
                }
                pos = LC_BINLOG_MAGIC_LEN;
            }
            continue;
        }
        got = lc_binlog_event_parse(buf + pos, have - pos, &ev);
        if (got == 0 && !eof && have - pos >= LC_BINLOG_HEADER_LEN && ev.size > cap / 2) {
            cap = (size_t)ev.size * 2; /* a big event: make room for it */
            buf = lc_xrealloc(buf, cap);
            continue;
        }
        if (got == 0) {
            if (eof)
                break; /* the file ends here or inside an event: valid_size says where */
            continue;
        }
        if (got < 0 || !event_valid(out, &ev, offset)) {
            out->bad = 1;
            out->bad_at = offset;
            break;
        }
        if (each && each(ctx, &ev, offset))
            break;
        note_event(out, &ev);
        pos += ev.size;
        offset += ev.size;
        out->valid_size = offset;
    }
    if (out->valid_size == 0)
        out->valid_size = LC_BINLOG_MAGIC_LEN;
    if (!eof) { /* stopped early: the size is the file's, not what was read */
        off_t end = lseek(fd, 0, SEEK_END);

        if (end >= 0)
            out->file_size = (uint64_t)end;
    }
    rc = 0;
out:
    free(buf);
    close(fd);
    if (rc < 0)
        lc_binlog_scan_done(out);
    return rc;
}

void lc_binlog_scan_done(struct lc_binlog_scan *scan)
{
    free(scan->next_name);
    scan->next_name = NULL;
}
