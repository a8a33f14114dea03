/*
 * sqlkit.h - the SQLite helpers both stores use (the kiosk's
 * src/kiosk/store and the hub's src/hub/db.c): setting up a connection,
 * checking and migrating a file on open (sqlkit_setup: integrity, version,
 * WAL, pragmas, the user_version migrations over a table of steps), the
 * line logged and the error returned for a failed call (sqlkit_fail),
 * copying a text column into a fixed buffer, reading a PRAGMA's answer,
 * the message for a failure while opening, binding parameters through a
 * format string. The stores keep what is theirs (their schema, their
 * statements, the hub's statement cache and lock).
 *
 * Where to start reading: sqlkit_setup(), the open sequence both stores
 * share.
 */
#ifndef CA_SQLKIT_H
#define CA_SQLKIT_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/log.h"

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
 * (const char *; NULL binds NULL), 'i' int64_t, 'n' int, 'b' a blob (two
 * arguments: const void *, then its length as an int). SQLite's result
 * code (SQLITE_OK, or the first failing bind's). */
int sqlkit_bindv(sqlite3_stmt *s, const char *fmt, va_list ap);

/* How a store reports a failed SQLite call (sqlkit_fail). */
struct sqlkit_log {
	const char *tag;      /* the log's module tag ("store", "db") */
	enum log_level level; /* the level of the line */
	bool quiet_conflict;  /* no line for a unique or primary-key violation
			       * (an answer to the caller, not a fault) */
};

/* The project error for SQLite result rc of a failed call on db (never
 * CA_OK: CA_ERR_DB for a code that maps to none), the line
 * "PATH: WHAT: MESSAGE (code RC)" logged as how says, and the connection's
 * message copied into msg (size n) unless msg is NULL. */
ca_err sqlkit_fail(sqlite3 *db, const char *path, const struct sqlkit_log *how, int rc,
		   const char *what, char *msg, size_t n);

/* The settings both stores give a new connection: extended result codes,
 * a busy timeout of busy_ms, SQLITE_DBCONFIG_DEFENSIVE. */
void sqlkit_conn_setup(sqlite3 *db, int busy_ms);

/* A store's schema and the settings of its file (sqlkit_setup). */
struct sqlkit_schema {
	const char *const *steps; /* steps[v] takes user_version v to v + 1 */
	int version;              /* the version this program writes: the number of steps */
	const char *pragmas;      /* per-connection PRAGMAs, run once WAL is on;
				   * must include foreign_keys = ON */
	int busy_ms;              /* how long a PRAGMA is tried again on BUSY */
	const char *tag;          /* log tag for the line "schema migrated" */
};

/* CA_ERR_SCHEMA, with the message in err (size n), when ver is not a
 * version sc knows (negative, or newer than sc->version). */
ca_err sqlkit_version_check(const struct sqlkit_schema *sc, const char *path, int ver, char *err,
			    size_t n);

/*
 * Make the file open in db (named path in messages) ready to use, in this
 * order: PRAGMA quick_check (read only: nothing is written to a bad file);
 * the file's user_version is one sc knows (a newer program's file is
 * refused before anything is written to it); journal_mode = WAL (checked);
 * sc->pragmas (foreign keys checked on); then the forward migrations from
 * the file's version to sc->version in one BEGIN IMMEDIATE transaction,
 * with the version checked again under the lock and user_version written
 * when a step ran. The message in err (size n) on failure, not logged
 * (the caller logs it); one info line when the file was migrated.
 */
ca_err sqlkit_setup(sqlite3 *db, const char *path, const struct sqlkit_schema *sc, char *err,
		    size_t n);

#endif
