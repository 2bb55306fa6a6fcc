/*
 * The WebDAV multistatus reader (RFC 4918 §14.16): the answer to PROPFIND, read into
 * one entry per <response>. It is a small, bounded XML reader for exactly that
 * document, not a general XML parser: elements are matched by namespace URI ("DAV:")
 * and local name whatever prefix the server uses (D:, d:, lp1:, a default xmlns);
 * character and the five predefined entity references are decoded; comments,
 * processing instructions and CDATA are handled; a DOCTYPE (and with it any entity
 * definition) is refused. Limits: 64 levels of nesting, 256 namespace declarations in
 * scope, 64 KiB of text in one value. Properties count only from a <propstat> whose
 * <status> is 2xx.
 */
#ifndef LC_WEBDAV_XML_H
#define LC_WEBDAV_XML_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/error.h"

struct lc_webdav_entry {
    char *path;               /* the href's path, percent-decoded, without a trailing '/'
                                 (an absolute href "https://host/a/" gives "/a") */
    long status;              /* a <status> of the <response> itself, else 0 */
    int collection;           /* <resourcetype> holds <collection/> */
    int has_size;
    uint64_t size;            /* <getcontentlength> */
    time_t mtime;             /* <getlastmodified>; 0 when absent or unreadable */
    int has_quota;
    uint64_t quota_available; /* <quota-available-bytes> (RFC 4331) */
};

struct lc_webdav_multistatus {
    struct lc_webdav_entry *items;
    size_t len;
};

/*
 * Reads a multistatus document of `len` bytes. On success *out holds the entries (free
 * with lc_webdav_multistatus_done). On failure returns -1 with LC_E_DATA and a message
 * naming the problem and its byte offset; *out is untouched.
 */
int lc_webdav_xml_parse(const char *xml, size_t len, struct lc_webdav_multistatus *out,
                        struct lc_err *err);
void lc_webdav_multistatus_done(struct lc_webdav_multistatus *ms);

/*
 * Percent-decodes s[0..len) ("%20" -> ' '; '+' stays '+'). A '%' not followed by two hex
 * digits is kept as it is. Returns a new string, or NULL when the result would hold a
 * NUL byte (%00).
 */
char *lc_webdav_percent_decode(const char *s, size_t len);

#endif
