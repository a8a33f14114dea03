/*
 * filesave.h - saving a file durably and atomically, once for the whole
 * tree: the new content goes to a temporary file beside the target
 * (PATH.tmp, created afresh with the mode asked), is flushed to the disk
 * (fsync), renamed over the target, and the directory is flushed too, so
 * that the rename itself survives a power cut. A reader sees the old file
 * or the new one, never a part of either; once filesave_commit returned
 * CA_OK, a crash leaves the new one.
 *
 * For content in memory: file_save. For content written as a stream
 * (libpng's PNG): filesave_open, write to fs.f, then filesave_commit, or
 * filesave_abort to leave the target as it was.
 */
#ifndef CA_FILESAVE_H
#define CA_FILESAVE_H

#include <stdio.h>
#include <sys/types.h>

#include "core/err.h"

#define FILESAVE_PATH_MAX 4096

struct filesave {
	FILE *f;                          /* the temporary file, to write to */
	char path[FILESAVE_PATH_MAX];     /* the target */
	char tmp[FILESAVE_PATH_MAX + 8];  /* path.tmp */
};

/* Start saving path: a stale path.tmp is removed, a new one created with
 * mode (O_EXCL: never through a link). CA_OK with fs->f open; else the
 * reason in err (size n): CA_ERR_TOO_LONG, CA_ERR_IO. */
ca_err filesave_open(struct filesave *fs, const char *path, mode_t mode, char *err, size_t n);

/* Flush fs->f, fsync, close, rename over the target, fsync the directory.
 * On failure the temporary file is removed, the target left as it was,
 * and the reason is in err. fs->f is closed either way. */
ca_err filesave_commit(struct filesave *fs, char *err, size_t n);

/* Give up: close and remove the temporary file. */
void filesave_abort(struct filesave *fs);

/* The whole of data (len bytes) as the new content of path, as above. */
ca_err file_save(const char *path, const void *data, size_t len, mode_t mode, char *err,
		 size_t n);

/* fsync the directory that holds path (a rename or a new file in it lasts
 * once this returns 0). -1 with errno. */
int file_sync_parent(const char *path);

#endif
