/*
 * The target layer: picks a driver by URL scheme, applies the retry policy around the
 * drivers' operations, and names temporary uploads (see target.h).
 */
#include "common/target.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/signals.h"

#define TEMP_MARK ".partial-"
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000

static const struct lc_target_ops *const drivers[] = {
    &lc_target_file_ops, &lc_target_sftp_ops, &lc_target_webdav_ops, &lc_target_s3_ops,
};

static const struct lc_target_ops *driver_for(const char *url)
{
    size_t len = strcspn(url, ":");

    if (strncmp(url + len, "://", 3) != 0)
        return NULL;
    /* plain http is WebDAV too (a reverse proxy on the NAS, tests); https is the default */
    if (len == 4 && strncasecmp(url, "http", 4) == 0)
        return &lc_target_webdav_ops;
    for (size_t idx = 0; idx < sizeof(drivers) / sizeof(drivers[0]); idx++)
        if (strlen(drivers[idx]->scheme) == len && strncasecmp(url, drivers[idx]->scheme, len) == 0)
            return drivers[idx];
    return NULL;
}

static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

/* random() feeds temporary names and backoff jitter: different in every process */
static void seed_random(void)
{
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    srandom((unsigned)now.tv_nsec ^ (unsigned)now.tv_sec ^ ((unsigned)getpid() << 16));
}

int lc_target_open(const struct lc_target_cfg *cfg, struct lc_target **out, struct lc_err *err)
{
    const struct lc_target_ops *ops = driver_for(cfg->url);
    struct lc_target *t;

    pthread_once(&seed_once, seed_random);
    if (!ops) {
        char *shown = lc_http_redact_url(cfg->url);

        lc_err_set(err, LC_E_CONFIG, "[target.%s] url '%s' is not file://, sftp://, https:// "
                   "(WebDAV) or s3://", cfg->name, shown);
        free(shown);
        return -1;
    }
    t = lc_xcalloc(1, sizeof(*t));
    t->cfg = cfg;
    t->ops = ops;
    t->retries = cfg->retries;
    if (ops->open(t, err) < 0) {
        lc_err_prefix(err, "[target.%s]", cfg->name);
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

const struct lc_target_cfg *lc_target_find(const struct lc_config *cfg, const char *name,
                                           struct lc_err *err)
{
    struct lc_buf names = LC_BUF_INIT;

    for (size_t idx = 0; idx < cfg->n_targets; idx++)
        if (strcmp(cfg->targets[idx].name, name) == 0)
            return &cfg->targets[idx];
    for (size_t idx = 0; idx < cfg->n_targets; idx++)
        lc_buf_printf(&names, "%s'%s'", idx ? ", " : "", cfg->targets[idx].name);
    lc_err_set(err, LC_E_USAGE, "there is no [target.%s] in '%s'", name,
               cfg->path ? cfg->path : "the config");
    lc_err_hint(err, "configured targets: %s", names.len ? names.data : "none");
    lc_buf_done(&names);
    return NULL;
}

int lc_target_open_named(const struct lc_config *cfg, const char *name, struct lc_target **out,
                         struct lc_err *err)
{
    const struct lc_target_cfg *tc = lc_target_find(cfg, name, err);

    return tc ? lc_target_open(tc, out, err) : -1;
}

void lc_target_free(struct lc_target *t)
{
    if (!t)
        return;
    if (t->ops->close)
        t->ops->close(t);
    free(t);
}

void lc_target_no_retries(struct lc_target *t)
{
    t->retries = 0;
}

char *lc_target_describe(const struct lc_target *t)
{
    char *shown = lc_http_redact_url(t->cfg->url);
    char *s = lc_xasprintf("target '%s' (%s)", t->cfg->name, shown);

    free(shown);
    return s;
}

int lc_target_retryable(const struct lc_err *err)
{
    return err->status == LC_E_UNAVAILABLE;
}

/* Sleeps the backoff before retry number `attempt` (1-based): full jitter over
 * [0, min(60 s, 1 s * 2^(attempt-1))], in slices so that a signal cuts it short. */
static void backoff(int attempt)
{
    int64_t cap = BACKOFF_FIRST_MS;
    int64_t ms;

    for (int idx = 1; idx < attempt && cap < BACKOFF_MAX_MS; idx++)
        cap *= 2;
    if (cap > BACKOFF_MAX_MS)
        cap = BACKOFF_MAX_MS;
    ms = cap / 2 + (int64_t)(random() % (cap / 2 + 1)); /* at least half: never a busy loop */
    while (ms > 0 && !lc_interrupted()) {
        struct timespec slice = {0, (ms > 100 ? 100 : ms) * 1000000L};

        nanosleep(&slice, NULL);
        ms -= 100;
    }
}

/* One operation with retries: `call` runs the driver's operation once. */
struct attempt {
    int (*call)(struct lc_target *t, struct attempt *a, struct lc_err *err);
    const char *what;
    const char *name;
    const struct lc_target_source *src;
    const struct lc_target_sink *sink;
    const char *dir;
    struct lc_target_objects *objects;
    struct lc_target_object *object;
    uint64_t *bytes;
    int can_retry;
};

static int with_retries(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    int64_t tries = t->retries + 1;
    int rc = -1;

    for (int64_t attempt = 1; attempt <= tries; attempt++) {
        lc_err_clear(err);
        rc = a->call(t, a, err);
        if (rc >= 0)
            return rc;
        if (!a->can_retry || !lc_target_retryable(err) || attempt == tries ||
            lc_check_interrupted(err) < 0)
            break;
        lc_log_warn("target '%s': %s '%s' failed (try %lld of %lld): %s; retrying", t->cfg->name,
                    a->what, a->name ? a->name : "", (long long)attempt, (long long)tries, err->msg);
        backoff((int)attempt);
        if (lc_check_interrupted(err) < 0)
            return -1;
        if (a->src && a->src->rewind(a->src->ctx, err) < 0)
            return -1;
    }
    lc_err_prefix(err, "target '%s'", t->cfg->name);
    return -1;
}

static int call_put(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    return t->ops->put(t, a->name, a->src, err);
}

static int call_get(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    return t->ops->get(t, a->name, a->sink, err);
}

static int call_list(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    lc_target_objects_done(a->objects);
    return t->ops->list(t, a->dir, a->objects, err);
}

static int call_stat(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    return t->ops->stat(t, a->name, a->object, err);
}

static int call_remove(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    return t->ops->remove(t, a->name, err);
}

static int call_free_space(struct lc_target *t, struct attempt *a, struct lc_err *err)
{
    return t->ops->free_space(t, a->bytes, err);
}

int lc_target_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                  struct lc_err *err)
{
    struct attempt a = {.call = call_put, .what = "upload", .name = name, .src = src,
                        .can_retry = src->rewind != NULL};

    return with_retries(t, &a, err);
}

int lc_target_get(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
                  struct lc_err *err)
{
    /* a sink has already taken bytes: the caller retries the whole download if it can */
    struct attempt a = {.call = call_get, .what = "download", .name = name, .sink = sink,
                        .can_retry = 0};

    return with_retries(t, &a, err);
}

int lc_target_list(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                   struct lc_err *err)
{
    struct lc_target_objects objects = {NULL, 0};
    struct attempt a = {.call = call_list, .what = "listing", .name = dir, .dir = dir,
                        .objects = &objects, .can_retry = 1};

    if (with_retries(t, &a, err) < 0) {
        lc_target_objects_done(&objects);
        return -1;
    }
    *out = objects;
    return 0;
}

int lc_target_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                   struct lc_err *err)
{
    struct lc_target_object object = {NULL, 0, 0};
    struct attempt a = {.call = call_stat, .what = "stat", .name = name, .object = &object,
                        .can_retry = 1};
    int rc = with_retries(t, &a, err);

    if (rc > 0)
        *out = object;
    return rc;
}

int lc_target_remove(struct lc_target *t, const char *name, struct lc_err *err)
{
    struct attempt a = {.call = call_remove, .what = "removal", .name = name, .can_retry = 1};

    return with_retries(t, &a, err);
}

int lc_target_free_space(struct lc_target *t, uint64_t *out_bytes, struct lc_err *err)
{
    uint64_t bytes = 0;
    struct attempt a = {.call = call_free_space, .what = "free space", .bytes = &bytes,
                        .can_retry = 1};
    int rc;

    if (!t->ops->free_space)
        return 0;
    rc = with_retries(t, &a, err);
    if (rc > 0)
        *out_bytes = bytes;
    return rc;
}

char *lc_target_temp_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    unsigned rnd = (unsigned)random();

    return lc_xasprintf("%.*s.%s" TEMP_MARK "%ld-%08x", (int)(base - name), name, base,
                        (long)getpid(), rnd);
}

int lc_target_is_temp(const char *base)
{
    return base[0] == '.' && strstr(base, TEMP_MARK) != NULL;
}

void lc_target_objects_add(struct lc_target_objects *list, const char *name, uint64_t size,
                           time_t mtime)
{
    struct lc_target_object *o;

    list->items = lc_xrealloc(list->items, (list->len + 1) * sizeof(*list->items));
    o = &list->items[list->len++];
    o->name = lc_xstrdup(name);
    o->size = size;
    o->mtime = mtime;
}

void lc_target_objects_done(struct lc_target_objects *list)
{
    for (size_t idx = 0; idx < list->len; idx++)
        free(list->items[idx].name);
    free(list->items);
    list->items = NULL;
    list->len = 0;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, struct lc_err *err)
{
    struct lc_target_fd_source *s = ctx;
    ssize_t n;

    do
        n = read(s->fd, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return lc_err_sys(err, LC_E_IO, "read failed");
    s->done += (uint64_t)n;
    return n;
}

static int fd_rewind(void *ctx, struct lc_err *err)
{
    struct lc_target_fd_source *s = ctx;

    if (lseek(s->fd, 0, SEEK_SET) < 0)
        return lc_err_sys(err, LC_E_IO, "seek failed");
    s->done = 0;
    return 0;
}

/* copy_to through memory, for files the kernel cannot copy between. */
static ssize_t fd_copy_through(struct lc_target_fd_source *s, int out_fd, char *scratch,
                               size_t len, struct lc_err *err)
{
    ssize_t n = fd_read(s, scratch, len, err);

    for (ssize_t off = 0; n > 0 && off < n;) {
        ssize_t w = write(out_fd, scratch + off, (size_t)(n - off));

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return lc_err_sys(err, LC_E_IO, "write failed");
        off += w;
    }
    return n;
}

static ssize_t fd_copy_to(void *ctx, int out_fd, size_t max, void *scratch, size_t scratch_len,
                          struct lc_err *err)
{
    struct lc_target_fd_source *s = ctx;
    size_t through = max < scratch_len ? max : scratch_len;
    ssize_t n;

    if (s->no_kernel_copy)
        return fd_copy_through(s, out_fd, scratch, through, err);
    do
        n = copy_file_range(s->fd, NULL, out_fd, NULL, max, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                  errno == EBADF)) {
        s->no_kernel_copy = 1;   /* other file systems, an old kernel, a pipe */
        return fd_copy_through(s, out_fd, scratch, through, err);
    }
    if (n < 0)
        return lc_err_sys(err, LC_E_IO, "copy failed");
    s->done += (uint64_t)n;
    return n;
}

void lc_target_source_fd(struct lc_target_fd_source *state, int fd, int64_t size,
                         struct lc_target_source *out)
{
    state->fd = fd;
    state->done = 0;
    state->no_kernel_copy = 0;
    out->read = fd_read;
    out->rewind = fd_rewind;
    out->ctx = state;
    out->size = size;
    out->copy_to = fd_copy_to;
}
