/*
 * The S3 answers the s3 target driver reads: an error (<Error><Code>, <Message>), the
 * upload id of InitiateMultipartUploadResult, the root of CompleteMultipartUploadResult
 * (whose 200 may carry an <Error> instead) and a ListObjectsV2 page (ListBucketResult:
 * Contents Key/Size/LastModified, IsTruncated, NextContinuationToken). It is a small,
 * bounded XML reader for exactly those documents, not a general parser: elements are
 * matched by local name whatever prefix a server uses; the five predefined entities and
 * character references are decoded; comments, processing instructions and CDATA are
 * handled; a DOCTYPE (and with it any entity definition) and NUL bytes are refused.
 * Limits: 32 levels of nesting, 64 KiB of text in one value, one root element.
 */
#ifndef LC_S3_XML_H
#define LC_S3_XML_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/error.h"

struct lc_s3_error {
    char *code;               /* <Code>, or NULL when absent */
    char *message;            /* <Message>, or NULL when absent */
};

/*
 * 1 and *out filled (free with lc_s3_error_done) when `xml` is a well-formed <Error>
 * document; 0 when it is anything else (empty, another document, malformed), *out
 * untouched.
 */
int lc_s3_xml_error(const char *xml, size_t len, struct lc_s3_error *out);
void lc_s3_error_done(struct lc_s3_error *e);

/* 1 when `xml` is well-formed and its root element is named `root`, else 0. */
int lc_s3_xml_root_is(const char *xml, size_t len, const char *root);

/*
 * The UploadId of an InitiateMultipartUploadResult: a new string in *out. On failure
 * (malformed, another root, no or empty UploadId) -1 with LC_E_DATA, *out untouched.
 */
int lc_s3_xml_upload_id(const char *xml, size_t len, char **out, struct lc_err *err);

struct lc_s3_list_item {
    char *key;                /* the whole key, as the server sent it (decoded) */
    uint64_t size;
    time_t mtime;             /* 0 when LastModified is absent or unreadable */
};

struct lc_s3_list_page {
    struct lc_s3_list_item *items;
    size_t len;
    int truncated;            /* IsTruncated was "true" */
    char *next_token;         /* NextContinuationToken, or NULL */
};

/*
 * One ListObjectsV2 page. Every <Contents> must have a Key and a decimal Size.
 * CommonPrefixes are ignored. On failure -1 with LC_E_DATA and a message naming the
 * problem (and the byte offset for malformed XML); *out untouched.
 */
int lc_s3_xml_list(const char *xml, size_t len, struct lc_s3_list_page *out,
                   struct lc_err *err);
void lc_s3_list_page_done(struct lc_s3_list_page *page);

/* "2026-12-05T19:59:21.000Z" (ISO 8601 UTC, fraction optional) as a time_t; 0 when
 * unreadable. */
time_t lc_s3_xml_time(const char *iso);

#endif
