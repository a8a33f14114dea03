/*
 * tmpdir.h - a test's own temporary directory: made fresh under $TMPDIR
 * (else /tmp), removed with everything in it at the end.
 *
 * Functions return 0 on success, -1 on failure (with a line on stderr);
 * no test framework inside, callers assert.
 */
#ifndef TEST_TMPDIR_H
#define TEST_TMPDIR_H

#include <stddef.h>

/* Make $TMPDIR/PREFIX-XXXXXX (mkdtemp, mode 0700); its path into dir (size n). */
int tmpdir_make(char *dir, size_t n, const char *prefix);

/* Remove dir and everything below it (links are removed, not followed). */
int tmpdir_remove(const char *dir);

#endif
