/*
 * Secrets (passwords, keys) come from, in this order: an environment variable
 * (LCBP3_MARIADB_PASSWORD, ...), the configured *_file, or a systemd credential
 * ($CREDENTIALS_DIRECTORY/<name>, from LoadCredential=). Never from argv. A secret file
 * must be a regular file not readable or writable by group or others (status 77).
 */
#ifndef LC_SECRET_H
#define LC_SECRET_H

#include "common/error.h"

/*
 * Resolves one secret. env_name and credential may be NULL. *out is a new string, or
 * NULL when no source holds the secret (not an error); an empty credential counts as
 * none (the units' "SetCredential=ID:\n" default for a missing file). The trailing newline
 * of a file is dropped.
 */
int lc_secret_resolve(const char *env_name, const char *file, const char *credential,
                      char **out, struct lc_err *err);

/* Reads a secret file, enforcing the mode rule. */
int lc_secret_read_file(const char *path, char **out, struct lc_err *err);

/* Overwrites and frees a secret; accepts NULL. */
void lc_secret_free(char *secret);

#endif
