/*
 * Streaming a set to targets while it is written (see ship_stream.h).
 */
#include "common/ship_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"

struct stream_upload {
    struct lc_target *t;
    const char *set_name;
    int pipe_r;
    int pipe_w;               /* -1 once this upload dropped out or the set ended */
    pthread_t thread;
    int started;
    int joined;
    int rc;                   /* the put's result */
    uint64_t received;
    struct lc_err err;
    const atomic_int *complete;
};

struct lc_ship_stream {
    struct stream_upload *items;
    size_t n;
    atomic_int complete;      /* 1: the writer finished; EOF on a pipe is the set's end */
};

static ssize_t pipe_read(void *ctx, void *buf, size_t len, struct lc_err *err)
{
    struct stream_upload *up = ctx;
    ssize_t n;

    do
        n = read(up->pipe_r, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return lc_err_sys(err, LC_E_IO, "reading the set being written");
    if (n == 0 && !atomic_load(up->complete))
        return lc_err_set(err, LC_E_IO, "the set was not completed (writing it failed): "
                          "the upload is abandoned, nothing is published");
    up->received += (uint64_t)n;
    return n;
}

static void *upload(void *arg)
{
    struct stream_upload *up = arg;
    struct lc_target_source src = {pipe_read, NULL, up, -1, NULL};

    up->rc = lc_target_put(up->t, up->set_name, &src, &up->err);
    /* the writer sees EPIPE from now on and drops this target */
    close(up->pipe_r);
    up->pipe_r = -1;
    return NULL;
}

static void join(struct stream_upload *up)
{
    if (up->started && !up->joined) {
        pthread_join(up->thread, NULL);
        up->joined = 1;
    }
}

static void close_writer(struct stream_upload *up)
{
    if (up->pipe_w >= 0)
        close(up->pipe_w);
    up->pipe_w = -1;
}

static void stream_free(struct lc_ship_stream *s)
{
    for (size_t idx = 0; idx < s->n; idx++) {
        close_writer(&s->items[idx]);
        join(&s->items[idx]);
        if (s->items[idx].pipe_r >= 0)
            close(s->items[idx].pipe_r);
    }
    free(s->items);
    free(s);
}

int lc_ship_stream_start(struct lc_target *const *targets, size_t n, const char *set_name,
                         struct lc_ship_stream **out, struct lc_err *err)
{
    struct lc_ship_stream *s = lc_xcalloc(1, sizeof(*s));

    s->items = lc_xcalloc(n ? n : 1, sizeof(*s->items));
    s->n = n;
    for (size_t idx = 0; idx < n; idx++) {
        struct stream_upload *up = &s->items[idx];
        int fds[2];

        up->t = targets[idx];
        up->set_name = set_name;
        up->pipe_r = up->pipe_w = -1;
        up->complete = &s->complete;
        lc_err_clear(&up->err);
        if (pipe2(fds, O_CLOEXEC) < 0) {
            lc_err_sys(err, LC_E_OSERR, "cannot create a pipe");
            goto fail;
        }
        up->pipe_r = fds[0];
        up->pipe_w = fds[1];
        if (pthread_create(&up->thread, NULL, upload, up) != 0) {
            lc_err_set(err, LC_E_OSERR, "cannot start an upload thread");
            goto fail;
        }
        up->started = 1;
    }
    *out = s;
    return 0;
fail:
    lc_ship_stream_abort(s);
    return -1;
}

int lc_ship_stream_write(void *stream, const void *data, size_t len, struct lc_err *err)
{
    struct lc_ship_stream *s = stream;
    struct stream_upload *first_failed = NULL;
    size_t alive = 0;

    for (size_t idx = 0; idx < s->n; idx++) {
        struct stream_upload *up = &s->items[idx];
        const char *p = data;
        size_t left = len;

        while (up->pipe_w >= 0 && left > 0) {
            ssize_t n = write(up->pipe_w, p, left);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                /* EPIPE: this upload ended early (its error is in up->err) */
                close_writer(up);
                break;
            }
            p += n;
            left -= (size_t)n;
        }
        if (up->pipe_w >= 0)
            alive++;
        else if (!first_failed)
            first_failed = up;
    }
    if (alive > 0)
        return 0;
    if (first_failed) {
        join(first_failed);
        if (first_failed->err.status != LC_OK) {
            *err = first_failed->err;
            lc_err_prefix(err, "every target failed; the first");
            return -1;
        }
    }
    return lc_err_set(err, LC_E_UNAVAILABLE, "every target failed while the set was streamed");
}

size_t lc_ship_stream_finish(struct lc_ship_stream *s, const char *hex, uint64_t size,
                             const enum lc_verify *verify, struct lc_err *out_errs)
{
    size_t failed = 0;

    atomic_store(&s->complete, 1);
    for (size_t idx = 0; idx < s->n; idx++)
        close_writer(&s->items[idx]);
    for (size_t idx = 0; idx < s->n; idx++) {
        struct stream_upload *up = &s->items[idx];

        join(up);
        lc_err_clear(&out_errs[idx]);
        if (up->rc < 0) {
            out_errs[idx] = up->err;
        } else if (up->received != size) {
            lc_err_set(&out_errs[idx], LC_E_IO, "target '%s' took %llu of the set's %llu bytes",
                       up->t->cfg->name, (unsigned long long)up->received,
                       (unsigned long long)size);
        } else if (lc_ship_complete(up->t, up->set_name, size, hex, verify[idx], NULL, NULL,
                                    &out_errs[idx]) == 0) {
            continue;
        }
        failed++;
    }
    stream_free(s);
    return failed;
}

void lc_ship_stream_abort(struct lc_ship_stream *s)
{
    if (!s)
        return;
    /* complete stays 0: every reader sees an error at EOF, no upload is published */
    stream_free(s);
}
