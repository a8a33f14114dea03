/*
 * tmpdir.h - a test's own temporary directory: made fresh under $TMPDIR
 * (else /tmp), removed with everything in it at the end.
 *
 * Functions return 0 on success, -1 on failure (with a line on stderr);
 * no test framework inside, callers assert.
 */
#ifndef TEST_TMPDIR_H
#define TEST_TMPDIR_H

#include <limits.h>
#include <stddef.h>

/* Make $TMPDIR/PREFIX-XXXXXX (mkdtemp, mode 0700); its path into dir (size n). */
int tmpdir_make(char *dir, size_t n, const char *prefix);

/* Remove dir and everything below it (links are removed, not followed). */
int tmpdir_remove(const char *dir);

/* A fresh file $TMPDIR/PREFIX-XXXXXX (mkstemp, mode 0600) holding the len
 * bytes of data; its path into path (size n). */
int tmpdir_file(char *path, size_t n, const char *prefix, const void *data, size_t len);

/* Write text to path, replacing what it held. */
int tmpdir_put(const char *path, const char *text);

/* A per-test directory with the path of a store in it: the state of
 * tmpenv_setup and tmpenv_teardown, a cmocka per-test setup and teardown. */
struct tmpenv {
	char dir[PATH_MAX];     /* $TMPDIR/PROGRAM-XXXXXX */
	char db[PATH_MAX + 16]; /* dir/kiosk.db (not created here) */
};

/* *state = a new struct tmpenv with its directory made. */
int tmpenv_setup(void **state);

/* The same for a larger struct that begins with a struct tmpenv (size
 * bytes, the rest zeroed), such as struct storefix; tmpenv_teardown
 * frees it too. */
int tmpenv_setup_size(void **state, size_t size);

/* Remove the directory of the struct tmpenv *state and free it. */
int tmpenv_teardown(void **state);

#endif
