/*
 * Deep verification of a set file: the set reader's checksums, then every gzip member
 * inflated to its end by two workers that take members in turn.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/gz_reader.h"
#include "common/mem.h"
#include "common/set_reader.h"
#include "common/set_verify.h"
#include "common/signals.h"

#define VERIFY_WORKERS 2
#define OUT_BUF LC_GZ_READER_FAST   /* a writer's member inflates straight into it */

struct verify_job {
    const struct lc_set_reader *set;
    struct lc_progress *progress;
    atomic_size_t next;          /* the next entry to take */
    atomic_int failed;           /* a worker failed: the others stop */
    pthread_mutex_t lock;        /* guards err */
    struct lc_err err;           /* the first failure */
    atomic_size_t gzip_members;
    atomic_uint_least64_t bytes;
};

static int is_gzip_member(const struct lc_manifest_member *m)
{
    size_t len = strlen(m->path);

    return len > 3 && strcmp(m->path + len - 3, ".gz") == 0;
}

/* Inflates one member to its end; its output length must be the manifest's raw size. */
static int inflate_member(struct verify_job *job, const struct lc_set_entry *e, char *buf,
                          struct lc_err *err)
{
    const struct lc_manifest_member *m = e->member;
    struct lc_gz_reader *r = lc_gz_reader_open(job->set->fd, e->offset, m->size,
                                               LC_GZ_INPUT_GZIP, m->path);
    uint64_t raw = 0, consumed = 0;
    int rc = -1;

    for (;;) {
        size_t got;

        if (lc_check_interrupted(err) || lc_gz_read(r, buf, OUT_BUF, &got, err))
            goto out;
        lc_progress_add(job->progress, lc_gz_reader_consumed(r) - consumed);
        consumed = lc_gz_reader_consumed(r);
        if (!got)
            break;
        raw += got;
    }
    if (m->raw_size && raw != m->raw_size) {
        lc_err_set(err, LC_E_DATA, "member '%s' inflates to %llu bytes, the manifest says %llu",
                   m->path, (unsigned long long)raw, (unsigned long long)m->raw_size);
        goto out;
    }
    atomic_fetch_add(&job->bytes, m->size);
    rc = 0;
out:
    lc_gz_reader_close(r);
    return rc;
}

static void *verify_worker(void *arg)
{
    struct verify_job *job = arg;
    char *buf = lc_xmalloc(OUT_BUF);

    while (!atomic_load(&job->failed)) {
        size_t idx = atomic_fetch_add(&job->next, 1);
        struct lc_err err = LC_ERR_INIT;

        if (idx >= job->set->n_entries)
            break;
        if (!is_gzip_member(job->set->entries[idx].member))
            continue;
        if (inflate_member(job, &job->set->entries[idx], buf, &err) < 0) {
            pthread_mutex_lock(&job->lock);
            if (!atomic_exchange(&job->failed, 1))
                job->err = err;
            pthread_mutex_unlock(&job->lock);
            break;
        }
        atomic_fetch_add(&job->gzip_members, 1);
    }
    free(buf);
    return NULL;
}

/* Runs the workers over the set's members; the first failure is the result. */
static int inflate_members(const struct lc_set_reader *set, struct lc_progress *progress,
                           struct lc_set_verify_stats *stats, struct lc_err *err)
{
    struct verify_job job = {.set = set, .progress = progress, .err = LC_ERR_INIT};
    pthread_t workers[VERIFY_WORKERS];
    size_t started = 0;

    pthread_mutex_init(&job.lock, NULL);
    for (; started < VERIFY_WORKERS; started++)
        if (pthread_create(&workers[started], NULL, verify_worker, &job) != 0)
            break;
    if (!started)
        verify_worker(&job);   /* no thread to be had: do it here */
    for (size_t idx = 0; idx < started; idx++)
        pthread_join(workers[idx], NULL);
    pthread_mutex_destroy(&job.lock);
    stats->gzip_members = atomic_load(&job.gzip_members);
    stats->bytes += atomic_load(&job.bytes);
    if (atomic_load(&job.failed)) {
        *err = job.err;
        return -1;
    }
    return 0;
}

int lc_set_verify_deep(const char *path, struct lc_progress *progress,
                       struct lc_set_verify_stats *stats, struct lc_err *err)
{
    struct lc_set_reader set = LC_SET_READER_INIT;
    int rc;

    memset(stats, 0, sizeof(*stats));
    if (lc_set_reader_open(path, progress, &set, err) < 0)
        return -1;
    stats->members = set.n_entries;
    stats->sidecar_checked = set.sidecar_checked;
    stats->bytes = set.file_size;
    rc = inflate_members(&set, progress, stats, err);
    if (rc < 0)
        lc_err_prefix(err, "'%s'", path);
    lc_set_reader_close(&set);
    return rc;
}
