/*
 * SHA-256 on libcrypto EVP.
 */
#include "common/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/mem.h"

#define HASH_BUF (1 << 20)

struct lc_sha256 {
    EVP_MD_CTX *md;
};

struct lc_sha256 *lc_sha256_new(void)
{
    struct lc_sha256 *ctx = lc_xmalloc(sizeof(*ctx));

    ctx->md = EVP_MD_CTX_new();
    if (!ctx->md || EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "libcrypto cannot initialise SHA-256\n");
        exit(71);
    }
    return ctx;
}

void lc_sha256_update(struct lc_sha256 *ctx, const void *data, size_t len)
{
    EVP_DigestUpdate(ctx->md, data, len);
}

void lc_sha256_final_hex(struct lc_sha256 *ctx, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    EVP_DigestFinal_ex(ctx->md, raw, &len);
    for (unsigned int idx = 0; idx < 32; idx++) {
        hex[2 * idx] = digits[raw[idx] >> 4];
        hex[2 * idx + 1] = digits[raw[idx] & 15];
    }
    hex[64] = '\0';
}

void lc_sha256_free(struct lc_sha256 *ctx)
{
    if (!ctx)
        return;
    EVP_MD_CTX_free(ctx->md);
    free(ctx);
}

/* Feeds one file into ctx. */
static int hash_file(struct lc_sha256 *ctx, const char *path, char *buf, struct lc_err *err)
{
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "cannot open '%s'", path);
    while ((n = read(fd, buf, HASH_BUF)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = lc_err_sys(err, LC_E_IO, "cannot read '%s'", path);
            break;
        }
        lc_sha256_update(ctx, buf, (size_t)n);
    }
    close(fd);
    return rc;
}

int lc_sha256_files(char *const *paths, char hex[65], struct lc_err *err)
{
    struct lc_sha256 *ctx = lc_sha256_new();
    char *buf = lc_xmalloc(HASH_BUF);
    int rc = 0;

    for (size_t idx = 0; rc == 0 && paths && paths[idx]; idx++)
        rc = hash_file(ctx, paths[idx], buf, err);
    if (rc == 0)
        lc_sha256_final_hex(ctx, hex);
    free(buf);
    lc_sha256_free(ctx);
    return rc;
}
