/*
 * sqlpeek.h - a test's own look into an SQLite file behind the program's
 * back (a second connection, 5 s busy timeout): one value a query answers,
 * or statements run as they are. For checking what a store holds and for
 * planting what a test needs (a trigger, an older schema).
 *
 * Functions return 0 on success, -1 on failure (with a line on stderr);
 * no test framework inside, callers assert.
 */
#ifndef TEST_SQLPEEK_H
#define TEST_SQLPEEK_H

#include <stddef.h>

/* Open path with flags (SQLITE_OPEN_READONLY or SQLITE_OPEN_READWRITE, with
 * SQLITE_OPEN_URI for a "file:...?mode=ro" name), run sql and put the first
 * column of its first row into *v; *v is left as it was when there is no
 * row. -1 when the file does not open or sql does not prepare. */
int sqlpeek_int(const char *path, int flags, const char *sql, long long *v);

/* The same, the value as text into out (size n; "" when there is no row or
 * it is NULL). */
int sqlpeek_text(const char *path, int flags, const char *sql, char *out, size_t n);

/* Open path read-write and run sql (one or more statements); the rows the
 * last statement changed into *changes (may be NULL). -1 when it does not
 * open or a statement fails (sqlite's message on stderr). */
int sqlpeek_exec(const char *path, const char *sql, int *changes);

#endif
