/*
 * The declared key table behind the config loader: one row per key, naming its
 * section, type, default, bounds, whether its value is secret and which tools use it.
 * Shared by the loader (config.c), --check-config output and the unit tests.
 */
#ifndef LC_CONFIG_DEF_H
#define LC_CONFIG_DEF_H

#include <stddef.h>
#include <stdint.h>

enum lc_key_type {
    LC_KEY_STRING,      /* char *; empty value = unset */
    LC_KEY_PATH,        /* char *, must be absolute */
    LC_KEY_UINT,        /* unsigned, within min..max */
    LC_KEY_INT64,       /* int64_t, within min..max */
    LC_KEY_DURATION,    /* int64_t milliseconds, "30s" "26h" "30d" */
    LC_KEY_SIZE,        /* int64_t bytes, "64K" "10M" */
    LC_KEY_LIST,        /* char ** NULL-terminated, comma-separated */
    LC_KEY_REDIS_MODE,  /* enum lc_redis_mode */
    LC_KEY_COMPRESSION, /* enum lc_compression */
    LC_KEY_THREADS,     /* int64_t, "auto" = 0 */
    LC_KEY_URL,         /* char *, scheme file|sftp|https|s3 */
};

/* Which struct a row's offset points into. */
enum lc_key_section {
    LC_SEC_MARIADB,
    LC_SEC_REDIS,
    LC_SEC_BACKUP,
    LC_SEC_TARGET,      /* [target.NAME] */
    LC_SEC_RETENTION,   /* [retention], and allowed in [target.NAME] as an override */
    LC_SEC_NUMBERING,
    LC_SEC_INTEGRITY,
    LC_SEC_METRICS,
    LC_SEC_DR,
};

struct lc_key_def {
    enum lc_key_section section;
    const char *key;
    enum lc_key_type type;
    const char *def;    /* default, in config syntax; NULL = unset */
    int64_t min;
    int64_t max;
    unsigned tools;     /* enum lc_tool bits */
    size_t offset;      /* into the section's struct */
    const char *help;
};

extern const struct lc_key_def lc_key_defs[];
extern const size_t lc_key_defs_len;

const char *lc_key_section_name(enum lc_key_section section);

#endif
