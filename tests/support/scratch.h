/*
 * scratch.h - what a test does with the files of its own directory (a
 * tmpdir.h one, or a hub's): a shell script run there, a file written or
 * read back whole, a command's output, whether a log holds a line. Said
 * once for the tests of the payment providers, the signatures and the SMS
 * gateway, which each wrote them again.
 *
 * No test framework inside: functions return -1 or NULL on failure (with
 * a line on stderr where the reason is not obvious), callers assert.
 */
#ifndef TEST_SCRATCH_H
#define TEST_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>

/* The most scratch_read reads of a file. */
#define SCRATCH_READ_MAX 65535

/* Run script with /bin/sh -c in dir, its output dropped. 0 when it exits
 * 0, else -1. */
int scratch_sh(const char *dir, const char *script);

/* Run cmd with /bin/sh -c; what it writes to stdout into out (at most
 * n - 1 bytes, NUL-terminated). Its exit status, or -1 when it did not
 * run or did not exit. */
int scratch_cmd(const char *cmd, char *out, size_t n);

/* The text of dir/name, at most SCRATCH_READ_MAX bytes, NUL-terminated
 * and malloc'd (the caller frees it). NULL when it cannot be read. */
char *scratch_read(const char *dir, const char *name);

/* Write text to dir/name, replacing what it held (tmpdir_put). */
int scratch_write(const char *dir, const char *name, const char *text);

/* Whether a line of the file at path holds text (false when there is no
 * such file). */
bool scratch_has(const char *path, const char *text);

#endif
