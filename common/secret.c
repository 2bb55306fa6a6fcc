/*
 * Secret resolution: environment, secret file (mode-checked), systemd credential.
 */
#include "common/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"

#define SECRET_MAX (64 * 1024)

int lc_secret_read_file(const char *path, char **out, struct lc_err *err)
{
    struct stat st;
    char *data = NULL;
    ssize_t n;
    size_t len = 0;
    int fd;
    int rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return lc_err_sys(err, LC_E_CONFIG, "cannot open secret file '%s'", path);
        return lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_CONFIG,
                          "cannot open secret file '%s'", path);
    }
    if (fstat(fd, &st) < 0) {
        lc_err_sys(err, LC_E_IO, "cannot stat secret file '%s'", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        lc_err_set(err, LC_E_CONFIG, "secret file '%s' is not a regular file", path);
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        lc_err_set(err, LC_E_NOPERM, "secret file '%s' is accessible by group or others (mode %04o)",
                   path, (unsigned)(st.st_mode & 07777));
        lc_err_hint(err, "chmod 600 '%s'", path);
        goto out;
    }
    data = lc_xmalloc(SECRET_MAX + 1);
    while ((n = read(fd, data + len, SECRET_MAX - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            lc_err_sys(err, LC_E_IO, "cannot read secret file '%s'", path);
            goto out;
        }
        len += (size_t)n;
        if (len == SECRET_MAX) {
            lc_err_set(err, LC_E_CONFIG, "secret file '%s' is larger than %d bytes", path,
                       SECRET_MAX);
            goto out;
        }
    }
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    data[len] = '\0';
    *out = data;
    data = NULL;
    rc = 0;
out:
    close(fd);
    if (data) {
        explicit_bzero(data, SECRET_MAX + 1);
        free(data);
    }
    return rc;
}

int lc_secret_resolve(const char *env_name, const char *file, const char *credential,
                      char **out, struct lc_err *err)
{
    const char *value = env_name ? getenv(env_name) : NULL;
    const char *cred_dir = getenv("CREDENTIALS_DIRECTORY");

    if (value && *value) {
        *out = lc_xstrdup(value);
        return 0;
    }
    if (file)
        return lc_secret_read_file(file, out, err);
    if (credential && cred_dir && *cred_dir) {
        char *path = lc_xasprintf("%s/%s", cred_dir, credential);
        int rc = 0;

        *out = NULL;
        if (access(path, F_OK) == 0)
            rc = lc_secret_read_file(path, out, err);
        free(path);
        if (rc == 0 && *out && !**out) { /* an empty credential (SetCredential=ID:\n) */
            free(*out);
            *out = NULL;
        }
        return rc;
    }
    *out = NULL;
    return 0;
}

void lc_secret_free(char *secret)
{
    if (!secret)
        return;
    explicit_bzero(secret, strlen(secret));
    free(secret);
}
