/* secretfile.c - a secret in a file of its own (see secretfile.h). */
#include "secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_READ_MAX 512 /* bytes looked at: a longer first line is refused */

/* Open path for reading as a private regular file. The fd, or -1 with err. */
static int open_private(const char *what, const char *path, ca_err *e, char *err,
			size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		*e = ca_fail(CA_ERR_IO, err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*e = ca_fail(CA_ERR_IO, err, errlen, "%s %s: not a regular file", what, path);
		return -1;
	}
	if (st.st_mode & 0007) {
		close(fd);
		*e = ca_fail(CA_ERR_CONFIG, err, errlen, "%s %s: others may read it (mode %03o); "
			     "make it 0600 or 0640 (chmod o-rwx)", what, path,
			     (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return fd;
}

ca_err secretfile_read(const char *what, const char *path, size_t min, size_t max, char *out,
		       size_t n, char *err, size_t errlen)
{
	char buf[SECRET_READ_MAX + 1];
	ca_err e = CA_OK;
	ssize_t len;
	size_t i;
	int fd;

	if (n)
		out[0] = '\0';
	if (max >= n || max > SECRET_READ_MAX - 2)
		return ca_fail(CA_ERR_ARG, err, errlen, "%s: no room for the secret", what);
	fd = open_private(what, path, &e, err, errlen);
	if (fd < 0)
		return e;
	len = read(fd, buf, max + 2); /* the secret, its newline, and one byte more */
	close(fd);
	if (len < 0)
		return ca_fail(CA_ERR_IO, err, errlen, "%s %s: %s", what, path, strerror(errno));
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	for (i = 0; buf[i]; i++)
		if (buf[i] <= ' ' || buf[i] > '~')
			break;
	if (buf[i] || i < min || i > max) {
		explicit_bzero(buf, sizeof(buf));
		return ca_fail(CA_ERR_CONFIG, err, errlen, "%s %s: must hold the secret alone, "
			       "%zu to %zu printable characters on one line", what, path, min, max);
	}
	memcpy(out, buf, i + 1);
	explicit_bzero(buf, sizeof(buf));
	return CA_OK;
}
