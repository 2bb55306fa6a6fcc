/*
 * SHA-256 through libcrypto's EVP interface, streaming, with hex output as sha256sum
 * prints it.
 */
#ifndef LC_DIGEST_H
#define LC_DIGEST_H

#include <stddef.h>

#include "common/error.h"

struct lc_sha256;

struct lc_sha256 *lc_sha256_new(void);
void lc_sha256_update(struct lc_sha256 *ctx, const void *data, size_t len);
/* Writes 64 hex digits and a NUL into hex[65]; the context can then only be freed. */
void lc_sha256_final_hex(struct lc_sha256 *ctx, char hex[65]);
void lc_sha256_free(struct lc_sha256 *ctx);

/* SHA-256 of the concatenation of the NULL-terminated list of files, as hex. */
int lc_sha256_files(char *const *paths, char hex[65], struct lc_err *err);

#endif
