/* tmpdir.c - a test's own temporary directory (see tmpdir.h). */
#include "tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tmpdir_make(char *dir, size_t n, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	if ((size_t)snprintf(dir, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix) >= n) {
		fprintf(stderr, "tmpdir: name too long for %s\n", prefix);
		return -1;
	}
	if (!mkdtemp(dir)) {
		perror(dir);
		return -1;
	}
	return 0;
}

int tmpdir_file(char *path, size_t n, const char *prefix, const void *data, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	if ((size_t)snprintf(path, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix) >= n) {
		fprintf(stderr, "tmpdir: name too long for %s\n", prefix);
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (write(fd, data, len) != (ssize_t)len) {
		perror(path);
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd) == 0 ? 0 : -1;
}

int tmpdir_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF) {
		fprintf(stderr, "tmpdir: cannot write %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* nftw callback: remove one entry, children before their directory. */
static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int tmpdir_remove(const char *dir)
{
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "tmpdir: could not remove %s\n", dir);
		return -1;
	}
	return 0;
}

int tmpenv_setup_size(void **state, size_t size)
{
	struct tmpenv *e = calloc(1, size);

	if (!e || tmpdir_make(e->dir, sizeof(e->dir), program_invocation_short_name)) {
		free(e);
		return -1;
	}
	snprintf(e->db, sizeof(e->db), "%s/kiosk.db", e->dir);
	*state = e;
	return 0;
}

int tmpenv_setup(void **state)
{
	return tmpenv_setup_size(state, sizeof(struct tmpenv));
}

int tmpenv_teardown(void **state)
{
	struct tmpenv *e = *state;

	tmpdir_remove(e->dir);
	free(e);
	return 0;
}
