/*
 * File-system helpers with the toolkit's safety rules built in: files 0600, directories
 * 0700, and the atomic publish sequence of redis's rdbSave(): write "<path>.partial",
 * fsync, rename over <path>, fsync the directory. A file without ".partial" is always
 * complete.
 */
#ifndef LC_FS_H
#define LC_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* mkdir -p with `mode` for every directory created. */
int lc_fs_mkdir_p(const char *path, mode_t mode, struct lc_err *err);

/* fsync(2) of a directory, so that a rename in it is durable. */
int lc_fs_fsync_dir(const char *dir, struct lc_err *err);

/* Writes `data` to "<path>.partial" (mode), fsyncs, renames to `path`, fsyncs the dir. */
int lc_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                       struct lc_err *err);

/* fsync(fd) then rename(from, to) then fsync of to's directory. Does not close fd. */
int lc_fs_publish(int fd, const char *from, const char *to, struct lc_err *err);

/* write(2) all of `len` bytes, retrying on EINTR and short writes. */
int lc_fs_write_all(int fd, const void *data, size_t len, const char *what, struct lc_err *err);

/* rm -r; a missing path is not an error. */
int lc_fs_remove_tree(const char *path, struct lc_err *err);

/* Free bytes for an unprivileged user on the file system holding `path`. */
int lc_fs_free_bytes(const char *path, uint64_t *out_bytes, struct lc_err *err);

/* dirname of `path` as a new string. */
char *lc_fs_dirname(const char *path);

#endif
