/*
 * sqlkit.h - the SQLite helpers both stores use (the kiosk's
 * src/kiosk/store/store.c and the hub's src/hub/db.c): copying a text column
 * into a fixed buffer, reading a PRAGMA's answer, the message for a
 * failure while opening, binding parameters through a format string. The
 * stores keep what is theirs (their error record, their logging, the
 * hub's statement cache).
 */
#ifndef CA_SQLKIT_H
#define CA_SQLKIT_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Copy text column col of s into dst (size n); NULL reads as "". false
 * when the text does not fit (never cut silently). */
bool sqlkit_col_copy(sqlite3_stmt *s, int col, char *dst, size_t n);

/* Run the PRAGMA sql on db and copy the first column of its first row
 * into out (size n; "" when no row), cut to fit (PRAGMA answers are
 * ASCII). While another connection creates the file or switches it to
 * WAL, SQLite may answer BUSY without calling the busy handler: the PRAGMA
 * is tried again every 5 ms for up to busy_ms. SQLite's result code. */
int sqlkit_pragma_text(sqlite3 *db, const char *sql, char *out, size_t n, int busy_ms);

/* The project error and the message (err, size n) for SQLite result rc
 * while opening path (what: the step, e.g. "setting WAL"); db may be NULL
 * when it never opened. A damaged file, an I/O failure (with the system's
 * errno when SQLite has one), a lock held by another process, or the
 * step that failed. Never CA_ERR_CONFLICT: CA_ERR_DB then. */
ca_err sqlkit_open_fail(sqlite3 *db, const char *path, int rc, const char *what, char *err,
			size_t n);

/* Bind the parameters of s from ap, one letter of fmt each: 't' text
 * (const char *; NULL binds NULL), 'i' int64_t, 'n' int. SQLite's result
 * code (SQLITE_OK, or the first failing bind's). */
int sqlkit_bindv(sqlite3_stmt *s, const char *fmt, va_list ap);

#endif
