/*
 * datadir.c - the hub's data directory (see datadir.h).
 *
 * Where to start reading: datadir_prepare() (modes at start), then
 * datadir_lock(), then datadir_backup() and datadir_restore(), which are
 * written as numbered steps. SQL stays in db.c: the backup is
 * hubdb_backup(), the new epoch hubdb_epoch_renew().
 */
#include "datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/filesave.h"
#include "common/fsperm.h"
#include "core/log.h"
#include "db.h"

#define TAG "datadir"
#define PATH_CAP 1100 /* a data dir (HUBCFG_PATH_MAX) and a file name */

/* dir/name into out (PATH_CAP); false when it does not fit. */
static bool join(char *out, const char *dir, const char *name)
{
	return (size_t)snprintf(out, PATH_CAP, "%s/%s", dir, name) < PATH_CAP;
}

ca_err datadir_prepare(const char *dir, char *err, size_t errlen)
{
	static const char *const files[] = { DATADIR_TOKEN, DATADIR_PORT, DATADIR_LOCK };
	char path[PATH_CAP];
	size_t i;
	ca_err e;

	e = fsperm_dir("hub", dir, err, errlen);
	if (e)
		return e;
	if (!join(path, dir, DATADIR_DB)) {
		ca_errmsg(err, errlen, "%s: path too long", dir);
		return CA_ERR_IO;
	}
	e = fsperm_sqlite("hub", path, err, errlen);
	for (i = 0; !e && i < sizeof(files) / sizeof(files[0]); i++) {
		join(path, dir, files[i]);
		e = fsperm_file("hub", path, err, errlen);
	}
	return e;
}

ca_err datadir_lock(const char *dir, int *fd, char *err, size_t errlen)
{
	char path[PATH_CAP], buf[32];
	ssize_t n;
	int f;

	*fd = -1;
	if (!join(path, dir, DATADIR_LOCK)) {
		ca_errmsg(err, errlen, "%s: path too long", dir);
		return CA_ERR_IO;
	}
	f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0) {
		ca_errmsg(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return CA_ERR_IO;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		n = pread(f, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		close(f);
		if (e == EWOULDBLOCK) {
			ca_errmsg(err, errlen, "%s is in use by process %s (a running ca-hub, or a "
				"restore); stop it first", dir, buf[0] ? buf : "?");
			return CA_ERR_CONFLICT;
		}
		ca_errmsg(err, errlen, "%s: cannot lock: %s", path, strerror(e));
		return CA_ERR_IO;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) != 0 || pwrite(f, buf, (size_t)n, 0) != n)
		log_warn(TAG, "%s: cannot write the pid: %s", path, strerror(errno));
	*fd = f;
	return CA_OK;
}

void datadir_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor releases the flock */
}

/* fsync path (a file or a directory). */
static int sync_path(const char *path, bool is_dir)
{
	int fd = open(path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Rename from to to, never replacing to (EEXIST when it exists). Falls
 * back to link + unlink where the file system has no RENAME_NOREPLACE. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) != 0)
		return -1;
	return unlink(from);
}

ca_err datadir_backup(const char *dir, const char *file, long long *bytes, char *err,
		      size_t errlen)
{
	char db[PATH_CAP], tmp[PATH_CAP], journal[PATH_CAP + 16];
	struct stat sb;
	ca_err e = CA_ERR_IO;
	int fd;

	if (bytes)
		*bytes = 0;
	if (!join(db, dir, DATADIR_DB) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= sizeof(tmp)) {
		ca_errmsg(err, errlen, "%s: path too long", file);
		return CA_ERR_IO;
	}
	snprintf(journal, sizeof(journal), "%s-journal", tmp);
	/* 1. Never overwrite: the file, nor a temp file someone else writes. */
	if (lstat(file, &sb) == 0) {
		ca_errmsg(err, errlen, "%s exists; refusing to overwrite it (choose a new name)",
			file);
		return CA_ERR_CONFLICT;
	}
	if (lstat(db, &sb) != 0) {
		ca_errmsg(err, errlen, "%s: %s (is --data-dir the hub's data directory?)", db,
			strerror(errno));
		return CA_ERR_IO;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ca_errmsg(err, errlen, "%s: cannot create: %s%s", tmp, strerror(errno),
			errno == EEXIST ? " (left by an interrupted backup? remove it)" : "");
		return CA_ERR_IO;
	}
	close(fd);
	/* 2. The online backup into the empty temp file. */
	e = hubdb_backup(db, tmp, err, errlen);
	if (e)
		goto fail;
	/* 3. Durable, private, then under its name. */
	e = CA_ERR_IO;
	if (chmod(tmp, 0600) != 0 || sync_path(tmp, false) != 0 || stat(tmp, &sb) != 0) {
		ca_errmsg(err, errlen, "%s: cannot sync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename_noreplace(tmp, file) != 0) {
		ca_errmsg(err, errlen, "%s: %s%s", file, strerror(errno),
			errno == EEXIST ? " (it appeared meanwhile; refusing to overwrite it)" : "");
		e = errno == EEXIST ? CA_ERR_CONFLICT : CA_ERR_IO;
		goto fail;
	}
	if (file_sync_parent(file) != 0)
		log_warn(TAG, "%s: cannot sync its directory: %s", file, strerror(errno));
	if (bytes)
		*bytes = (long long)sb.st_size;
	log_info(TAG, "backup of %s written to %s (%lld bytes)", db, file,
		 (long long)sb.st_size);
	return CA_OK;
fail:
	unlink(tmp);
	unlink(journal);
	return e;
}

/* Copy the bytes of src into the new file dst (mode 0600), synced. */
static ca_err copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
	char buf[65536];
	int in, out;
	ssize_t n = 0;
	ca_err e = CA_ERR_IO;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		ca_errmsg(err, errlen, "%s: cannot read: %s", src, strerror(errno));
		return CA_ERR_IO;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		ca_errmsg(err, errlen, "%s: cannot create: %s", dst, strerror(errno));
		close(in);
		return CA_ERR_IO;
	}
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	if (n < 0 || fsync(out) != 0)
		ca_errmsg(err, errlen, "%s -> %s: %s", src, dst, strerror(errno));
	else
		e = CA_OK;
	close(in);
	if (close(out) != 0 && !e) {
		ca_errmsg(err, errlen, "%s: %s", dst, strerror(errno));
		e = CA_ERR_IO;
	}
	return e;
}

/* Remove path; a missing file is fine. */
static int remove_if(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

/*
 * Check, migrate and re-epoch the copy at tmp (hubdb_open runs quick_check
 * and the migrations), then close it: the last connection checkpoints and
 * removes its WAL, so the file alone is the whole store.
 */
static ca_err renew_copy(const char *tmp, int64_t *epoch, char *err, size_t errlen)
{
	char wal[PATH_CAP + 8];
	struct hubdb *db = NULL;
	struct stat sb;
	int64_t old;
	ca_err e;

	e = hubdb_open(tmp, &db, err, errlen);
	if (e)
		return e;
	old = hubdb_epoch(db);
	e = hubdb_epoch_renew(db, epoch);
	if (e)
		ca_errmsg(err, errlen, "%s: cannot set a new epoch (%s)", tmp, ca_strerror(e));
	hubdb_close(db);
	snprintf(wal, sizeof(wal), "%s-wal", tmp);
	if (!e && lstat(wal, &sb) == 0) {
		ca_errmsg(err, errlen, "%s: the copy's WAL was not checkpointed", tmp);
		e = CA_ERR_IO;
	}
	if (!e)
		log_info(TAG, "%s: epoch %lld -> %lld", tmp, (long long)old, (long long)*epoch);
	return e;
}

ca_err datadir_restore(const char *dir, const char *backup, int64_t *epoch, char *aside,
		       size_t asidelen, char *err, size_t errlen)
{
	static const char *const side[] = { "-wal", "-shm", "-journal" };
	char db[PATH_CAP], tmp[PATH_CAP], p[PATH_CAP + 16], q[PATH_CAP + 64], stamp[32];
	struct stat sb;
	time_t now = time(NULL);
	struct tm tm;
	ca_err e;
	size_t i;
	int lock = -1;

	*epoch = 0;
	if (aside && asidelen)
		aside[0] = '\0';
	if (!join(db, dir, DATADIR_DB) || !join(tmp, dir, DATADIR_DB ".restore")) {
		ca_errmsg(err, errlen, "%s: path too long", dir);
		return CA_ERR_IO;
	}
	/* 1. The directory private, and nobody else in it: no hub running. */
	e = datadir_prepare(dir, err, errlen);
	if (!e)
		e = datadir_lock(dir, &lock, err, errlen);
	if (e)
		return e;
	e = CA_ERR_IO;
	if (stat(backup, &sb) != 0) {
		ca_errmsg(err, errlen, "%s: %s", backup, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		ca_errmsg(err, errlen, "%s: not a regular file", backup);
		goto out;
	}
	/* 2. A working copy beside the store (same file system, so the final
	 * rename is atomic); leftovers of an interrupted restore go first. */
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", tmp, side[i]);
		remove_if(p);
	}
	remove_if(tmp);
	e = copy_file(backup, tmp, err, errlen);
	if (e)
		goto out;
	/* 3. Checked, migrated, a new epoch. */
	e = renew_copy(tmp, epoch, q, sizeof(q));
	if (e) {
		ca_errmsg(err, errlen, "%s is not a usable hub store (nothing was changed): %s",
			backup, q);
		goto out;
	}
	e = CA_ERR_IO;
	if (sync_path(tmp, false) != 0) {
		ca_errmsg(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* 4. Keep what is replaced (hard links: hub.db stays in place until
	 * the rename below), then drop its WAL and shared memory, which belong
	 * to the old file and must never be applied to the new one. */
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(q, sizeof(q), "%s.before-restore-%s", db, stamp);
	if (lstat(db, &sb) == 0) {
		if (link(db, q) != 0) {
			ca_errmsg(err, errlen, "%s: cannot keep the current store as %s: %s", db, q,
				strerror(errno));
			goto out;
		}
		snprintf(p, sizeof(p), "%s-wal", db);
		if (lstat(p, &sb) == 0) {
			char qw[PATH_CAP + 80];

			snprintf(qw, sizeof(qw), "%s-wal", q);
			if (link(p, qw) != 0) {
				ca_errmsg(err, errlen, "%s: cannot keep it as %s: %s", p, qw,
					strerror(errno));
				goto out;
			}
		}
		if (aside && asidelen)
			snprintf(aside, asidelen, "%s", q);
	}
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db, side[i]);
		if (remove_if(p) != 0) {
			ca_errmsg(err, errlen, "%s: cannot remove: %s", p, strerror(errno));
			goto out;
		}
	}
	/* 5. The copy into place, atomically, and the directory synced. */
	if (rename(tmp, db) != 0) {
		ca_errmsg(err, errlen, "%s -> %s: %s", tmp, db, strerror(errno));
		goto out;
	}
	if (sync_path(dir, true) != 0)
		log_warn(TAG, "%s: cannot sync the directory: %s", dir, strerror(errno));
	e = CA_OK;
	log_info(TAG, "%s restored from %s with the new epoch %lld", db, backup,
		 (long long)*epoch);
out:
	if (e)
		remove_if(tmp);
	datadir_unlock(lock);
	return e;
}
