/*
 * fsperm.c - private data directories and files (see fsperm.h for the
 * rule). Where to start reading: fsperm_dir(), then check_mode(), which
 * both the directory and the files go through.
 */
#include "fsperm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define PATH_CAP 4096

int fsperm_mkdirs(const char *dir)
{
	char buf[PATH_CAP];
	size_t len = strlen(dir), i;
	struct stat sb;

	if (!len || len >= sizeof(buf))
		return ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return errno;
		buf[i] = dir[i];
	}
	if (stat(dir, &sb) != 0)
		return errno;
	return S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
}

/*
 * Check what lstat said of path (what: "directory" or "file") against the
 * rule, and chmod it to mode & allowed when it has more. The caller has
 * made sure it is the right type.
 */
static ca_err check_mode(const char *tag, const char *path, const struct stat *sb,
			 mode_t allowed, char *err, size_t errlen)
{
	mode_t mode = sb->st_mode & 07777;

	if (sb->st_uid != geteuid())
		return ca_fail(CA_ERR_IO, err, errlen, "%s is owned by uid %u, not by this "
			       "process's user (uid %u): chown it to uid %u, or run as its owner",
			       path, (unsigned)sb->st_uid, (unsigned)geteuid(),
			       (unsigned)geteuid());
	if (!(mode & ~allowed))
		return CA_OK;
	if (chmod(path, mode & allowed) != 0)
		return ca_fail(CA_ERR_IO, err, errlen, "%s has mode %04o and cannot be made "
			       "private (chmod %04o: %s)", path, (unsigned)mode,
			       (unsigned)(mode & allowed), strerror(errno));
	log_warn(tag, "%s had mode %04o (open to group or others); now %04o", path,
		 (unsigned)mode, (unsigned)(mode & allowed));
	return CA_OK;
}

ca_err fsperm_dir(const char *tag, const char *dir, char *err, size_t errlen)
{
	struct stat sb;
	int e;

	if (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode))
		return ca_fail(CA_ERR_IO, err, errlen, "%s is a symbolic link; refusing it as "
			       "a private data directory (give the real directory's path)", dir);
	e = fsperm_mkdirs(dir);
	if (e)
		return ca_fail(CA_ERR_IO, err, errlen, "%s: cannot create the directory: %s",
			       dir, strerror(e));
	if (lstat(dir, &sb) != 0)
		return ca_fail(CA_ERR_IO, err, errlen, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ca_fail(CA_ERR_IO, err, errlen,
			       "%s is not a directory (a symbolic link is refused)", dir);
	return check_mode(tag, dir, &sb, 0700, err, errlen);
}

ca_err fsperm_file(const char *tag, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return CA_OK;
		return ca_fail(CA_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
	}
	if (S_ISLNK(sb.st_mode))
		return ca_fail(CA_ERR_IO, err, errlen, "%s is a symbolic link; refusing it "
			       "(put the file itself there)", path);
	if (!S_ISREG(sb.st_mode))
		return ca_fail(CA_ERR_IO, err, errlen, "%s is not a regular file", path);
	return check_mode(tag, path, &sb, 0600, err, errlen);
}

ca_err fsperm_sqlite(const char *tag, const char *db_path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char path[PATH_CAP];
	size_t i;
	ca_err e;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", db_path, suffix[i]) >=
		    sizeof(path))
			return ca_fail(CA_ERR_IO, err, errlen, "%s: path too long", db_path);
		e = fsperm_file(tag, path, err, errlen);
		if (e)
			return e;
	}
	return CA_OK;
}
