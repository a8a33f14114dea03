/*
 * filesave.c - saving a file durably and atomically (see filesave.h).
 */
#include "filesave.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int file_sync_parent(const char *path)
{
	char d[FILESAVE_PATH_MAX];
	char *slash;
	int fd, r;

	if (snprintf(d, sizeof(d), "%s", path) >= (int)sizeof(d)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	slash = strrchr(d, '/');
	if (!slash)
		snprintf(d, sizeof(d), ".");
	else if (slash == d)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

ca_err filesave_open(struct filesave *fs, const char *path, mode_t mode, char *err, size_t n)
{
	int fd;

	fs->f = NULL;
	if (snprintf(fs->path, sizeof(fs->path), "%s", path) >= (int)sizeof(fs->path) ||
	    snprintf(fs->tmp, sizeof(fs->tmp), "%s.tmp", path) >= (int)sizeof(fs->tmp)) {
		snprintf(err, n, "%.64s...: path too long", path);
		return CA_ERR_TOO_LONG;
	}
	if (unlink(fs->tmp) != 0 && errno != ENOENT) {
		snprintf(err, n, "%s: cannot remove: %s", fs->tmp, strerror(errno));
		return CA_ERR_IO;
	}
	fd = open(fs->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, n, "%s: cannot create: %s", fs->tmp, strerror(errno));
		return CA_ERR_IO;
	}
	fs->f = fdopen(fd, "wb");
	if (!fs->f) {
		snprintf(err, n, "%s: %s", fs->tmp, strerror(errno));
		close(fd);
		unlink(fs->tmp);
		return CA_ERR_IO;
	}
	return CA_OK;
}

void filesave_abort(struct filesave *fs)
{
	if (fs->f) {
		fclose(fs->f);
		fs->f = NULL;
	}
	unlink(fs->tmp);
}

ca_err filesave_commit(struct filesave *fs, char *err, size_t n)
{
	const char *step = "write";
	int e;

	if (!fs->f) {
		snprintf(err, n, "%s: not open", fs->tmp);
		return CA_ERR_ARG;
	}
	if (fflush(fs->f) != 0 || ferror(fs->f))
		goto fail;
	step = "flush to disk";
	if (fsync(fileno(fs->f)) != 0)
		goto fail;
	step = "close";
	e = fclose(fs->f);
	fs->f = NULL;
	if (e != 0)
		goto fail;
	step = "rename over the target";
	if (rename(fs->tmp, fs->path) != 0)
		goto fail;
	if (file_sync_parent(fs->path) != 0) {
		/* The content is in place; only the rename's durability is
		 * in doubt. Said, not undone. */
		snprintf(err, n, "%s: saved, but its directory could not be flushed: %s",
			 fs->path, strerror(errno));
		return CA_ERR_IO;
	}
	return CA_OK;
fail:
	e = errno;
	snprintf(err, n, "%s: cannot %s: %s", fs->tmp, step, strerror(e));
	filesave_abort(fs);
	errno = e;
	return CA_ERR_IO;
}

ca_err file_save(const char *path, const void *data, size_t len, mode_t mode, char *err,
		 size_t n)
{
	struct filesave fs;
	ca_err e = filesave_open(&fs, path, mode, err, n);

	if (e != CA_OK)
		return e;
	if (len > 0 && fwrite(data, 1, len, fs.f) != len) {
		snprintf(err, n, "%s: cannot write: %s", fs.tmp, strerror(errno));
		filesave_abort(&fs);
		return CA_ERR_IO;
	}
	return filesave_commit(&fs, err, n);
}
