/*
 * MariaDB binary-log events as they lie in a binlog file (format v4): the 4-byte magic
 * "\xfebin", then events, each a 19-byte header
 *   timestamp u32 | type u8 | server_id u32 | event_size u32 | log_pos u32 | flags u16
 * (little endian; log_pos is the file offset just after the event) and a body that
 * ends with a CRC-32 of the event when the file's format-description event (FDE, the
 * first one) says checksums are on. The archiver, the restore plan and the integrity
 * check read segments through these functions; nothing here decodes rows.
 */
#ifndef LC_BINLOG_EVENT_H
#define LC_BINLOG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define LC_BINLOG_MAGIC "\xfe" "bin"
#define LC_BINLOG_MAGIC_LEN 4
#define LC_BINLOG_HEADER_LEN 19
#define LC_BINLOG_CRC_LEN 4
#define LC_BINLOG_MAX_EVENT (1024u * 1024u * 1024u + 4096u) /* max_allowed_packet's 1 GiB */

enum lc_binlog_type {
    LC_BINLOG_QUERY = 2,
    LC_BINLOG_STOP = 3,
    LC_BINLOG_ROTATE = 4,
    LC_BINLOG_FORMAT_DESCRIPTION = 15,
    LC_BINLOG_XID = 16,
    LC_BINLOG_HEARTBEAT = 27,
    LC_BINLOG_ANNOTATE_ROWS = 160,
    LC_BINLOG_CHECKPOINT = 161,
    LC_BINLOG_GTID = 162,
    LC_BINLOG_GTID_LIST = 163,
};

/* Header flags. */
#define LC_BINLOG_F_IN_USE 0x0001u    /* FDE of a file the server has not closed */
#define LC_BINLOG_F_ARTIFICIAL 0x0020u /* made up by the dump thread, not in any file */

struct lc_binlog_event {
    uint32_t timestamp;
    uint8_t type;
    uint32_t server_id;
    uint32_t size;            /* the whole event, header and CRC included */
    uint32_t log_pos;
    uint16_t flags;
    const unsigned char *data;  /* `size` bytes: header first */
};

/* A GTID domain-server-seq triple. */
struct lc_binlog_gtid {
    uint32_t domain;
    uint32_t server_id;
    uint64_t seq;
};

/*
 * The event at the start of buf[0..len): 1 and *out when it is whole, 0 when more
 * bytes are needed (buf holds less than the header or the event), -1 when the header
 * cannot be an event (size smaller than a header or above LC_BINLOG_MAX_EVENT).
 */
int lc_binlog_event_parse(const void *buf, size_t len, struct lc_binlog_event *out);

/* Whether the FDE `fde` says the file's events end with a CRC-32. */
int lc_binlog_fde_has_crc(const struct lc_binlog_event *fde);

/* Whether the event's CRC-32 matches (an FDE's is computed with the in-use flag clear,
 * as the server does, so that closing the file does not change it). */
int lc_binlog_event_crc_ok(const struct lc_binlog_event *ev);

/* A ROTATE event's next file name (new string) and position; -1 when malformed. */
int lc_binlog_rotate_parse(const struct lc_binlog_event *ev, int has_crc, char **out_name,
                           uint64_t *out_pos);

/* A GTID event's triple (server id from the header); -1 when malformed. */
int lc_binlog_gtid_parse(const struct lc_binlog_event *ev, struct lc_binlog_gtid *out);

/* The event type's name for plans and messages ("Query", "Gtid", ...; "type 30"). */
const char *lc_binlog_type_name(uint8_t type, char buf[16]);

/*
 * What a scan of a binlog file found: every event read from the start until the end
 * of the file or the first event that is cut short or fails its CRC.
 */
struct lc_binlog_scan {
    uint64_t valid_size;      /* bytes up to the end of the last whole, valid event */
    uint64_t file_size;
    uint64_t events;
    int has_crc;              /* the FDE's checksum setting */
    int bad;                  /* the scan stopped at a bad event (CRC, header, log_pos) */
    uint64_t bad_at;          /* its offset */
    uint32_t fde_timestamp;   /* the FDE's time: when the server created the file */
    uint32_t first_timestamp; /* of the first event after the FDE (0: none) */
    uint32_t last_timestamp;  /* of the last whole event */
    int ends_closed;          /* the last event is a ROTATE or STOP: the server closed it */
    char *next_name;          /* the closing ROTATE's next file, or NULL */
    int has_gtid;
    struct lc_binlog_gtid last_gtid;  /* the last GTID event */
};

/*
 * Scans the file at `path`. `each` (optional) is called for every valid event with
 * its file offset; returning non-zero stops the scan there (valid_size then ends
 * before that event). Fills *out (lc_binlog_scan_done frees it). -1 with err set when
 * the file cannot be read or does not start with the magic (LC_E_DATA).
 */
int lc_binlog_scan_file(const char *path,
                        int (*each)(void *ctx, const struct lc_binlog_event *ev, uint64_t offset),
                        void *ctx, struct lc_binlog_scan *out, struct lc_err *err);
void lc_binlog_scan_done(struct lc_binlog_scan *scan);

#endif
