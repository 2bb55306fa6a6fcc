/*
 * lc-target-probe: one target operation from the command line, for the integration
 * tests of the target drivers (it is not installed). Exit codes are the tools'.
 *
 *   lc-target-probe CONFIG TARGET put NAME FILE    FILE "-": stdin, size unknown, no retry
 *   lc-target-probe CONFIG TARGET get NAME FILE    FILE "-": stdout
 *   lc-target-probe CONFIG TARGET list [DIR]       "name size mtime" per line
 *   lc-target-probe CONFIG TARGET stat NAME        "size mtime"; exit 66 when missing
 *   lc-target-probe CONFIG TARGET rm NAME
 *   lc-target-probe CONFIG TARGET df               free bytes, or "unknown"
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/error.h"
#include "common/signals.h"
#include "common/target.h"

static int write_fd(void *ctx, const void *buf, size_t len, struct lc_err *err)
{
    int fd = *(int *)ctx;
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0)
            return lc_err_sys(err, LC_E_IO, "write failed");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int run(struct lc_target *t, int argc, char **argv, struct lc_err *err)
{
    const char *cmd = argv[3];
    const char *arg = argc > 4 ? argv[4] : "";

    if (strcmp(cmd, "put") == 0 && argc == 6) {
        struct lc_target_fd_source state;
        struct lc_target_source src;
        int fd = strcmp(argv[5], "-") == 0 ? 0 : open(argv[5], O_RDONLY);
        struct stat st;
        int rc;

        if (fd < 0 || fstat(fd, &st) < 0)
            return lc_err_sys(err, LC_E_NOINPUT, "cannot open '%s'", argv[5]);
        lc_target_source_fd(&state, fd, fd == 0 ? -1 : (int64_t)st.st_size, &src);
        if (fd == 0)
            src.rewind = NULL;
        rc = lc_target_put(t, arg, &src, err);
        if (fd != 0)
            close(fd);
        return rc;
    }
    if (strcmp(cmd, "get") == 0 && argc == 6) {
        int fd = strcmp(argv[5], "-") == 0 ? 1 : open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        struct lc_target_sink sink = {write_fd, &fd};
        int rc;

        if (fd < 0)
            return lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", argv[5]);
        rc = lc_target_get(t, arg, &sink, err);
        if (fd != 1)
            close(fd);
        return rc;
    }
    if (strcmp(cmd, "list") == 0 && argc <= 5) {
        struct lc_target_objects objects = {NULL, 0};

        if (lc_target_list(t, arg, &objects, err) < 0)
            return -1;
        for (size_t idx = 0; idx < objects.len; idx++)
            printf("%s %" PRIu64 " %lld\n", objects.items[idx].name, objects.items[idx].size,
                   (long long)objects.items[idx].mtime);
        lc_target_objects_done(&objects);
        return 0;
    }
    if (strcmp(cmd, "stat") == 0 && argc == 5) {
        struct lc_target_object o;
        int rc = lc_target_stat(t, arg, &o, err);

        if (rc == 0)
            return lc_err_set(err, LC_E_NOINPUT, "'%s' is not there", arg);
        if (rc > 0)
            printf("%" PRIu64 " %lld\n", o.size, (long long)o.mtime);
        return rc < 0 ? -1 : 0;
    }
    if (strcmp(cmd, "rm") == 0 && argc == 5)
        return lc_target_remove(t, arg, err);
    if (strcmp(cmd, "df") == 0 && argc == 4) {
        uint64_t bytes = 0;
        int rc = lc_target_free_space(t, &bytes, err);

        if (rc > 0)
            printf("%" PRIu64 "\n", bytes);
        else if (rc == 0)
            printf("unknown\n");
        return rc < 0 ? -1 : 0;
    }
    return lc_err_set(err, LC_E_USAGE, "usage: lc-target-probe CONFIG TARGET "
                                       "put NAME FILE|get NAME FILE|list [DIR]|stat NAME|rm NAME|df");
}

int main(int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct lc_target *t = NULL;
    const struct lc_target_cfg *tc = NULL;
    int rc = -1;

    memset(&cfg, 0, sizeof(cfg));
    lc_signals_install();
    if (argc < 4) {
        lc_err_set(&err, LC_E_USAGE, "usage: lc-target-probe CONFIG TARGET COMMAND [ARGS]");
        goto out;
    }
    if (lc_config_load(argv[1], &cfg, &err) < 0)
        goto out;
    for (size_t idx = 0; idx < cfg.n_targets; idx++)
        if (strcmp(cfg.targets[idx].name, argv[2]) == 0)
            tc = &cfg.targets[idx];
    if (!tc) {
        lc_err_set(&err, LC_E_CONFIG, "no [target.%s] in '%s'", argv[2], argv[1]);
        goto out;
    }
    if (lc_target_open(tc, &t, &err) < 0)
        goto out;
    rc = run(t, argc, argv, &err);
out:
    lc_target_free(t);
    lc_config_done(&cfg);
    return lc_main_exit("lc-target-probe", rc, &err);
}
