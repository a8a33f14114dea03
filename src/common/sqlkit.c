/*
 * sqlkit.c - the SQLite helpers both stores use (see sqlkit.h).
 */
#include "sqlkit.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sqlerr.h"

bool sqlkit_col_copy(sqlite3_stmt *s, int col, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t len = t ? (size_t)sqlite3_column_bytes(s, col) : 0;

	if (len >= n)
		return false;
	memcpy(dst, t ? (const char *)t : "", len);
	dst[len] = '\0';
	return true;
}

/* One try of sqlkit_pragma_text. */
static int pragma_once(sqlite3 *db, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(db, sql, -1, 0, &s, NULL);

	out[0] = '\0';
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(s, 0);

			snprintf(out, n, "%s", t ? t : "");
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

int sqlkit_pragma_text(sqlite3 *db, const char *sql, char *out, size_t n, int busy_ms)
{
	const struct timespec pause = { 0, 5 * 1000 * 1000 };
	int rc, waited_ms = 0;

	while (((rc = pragma_once(db, sql, out, n)) & 0xFF) == SQLITE_BUSY && waited_ms < busy_ms) {
		nanosleep(&pause, NULL);
		waited_ms += 5;
	}
	return rc;
}

ca_err sqlkit_open_fail(sqlite3 *db, const char *path, int rc, const char *what, char *err,
			size_t n)
{
	const char *detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int sys = db ? sqlite3_system_errno(db) : 0;
	ca_err e = sqlerr_map(rc);

	switch (e) {
	case CA_ERR_CORRUPT:
		ca_errmsg(err, n, "%s: not a SQLite database or damaged (%s)", path, detail);
		break;
	case CA_ERR_IO:
		if (sys)
			ca_errmsg(err, n, "%s: cannot open or write the database (%s: %s)", path,
				  detail, strerror(sys));
		else
			ca_errmsg(err, n, "%s: cannot open or write the database (%s)", path,
				  detail);
		break;
	default:
		if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED)
			ca_errmsg(err, n, "%s: database is locked by another process (%s)", path,
				  detail);
		else
			ca_errmsg(err, n, "%s: database error while %s (%s)", path, what, detail);
		break;
	}
	return e == CA_OK || e == CA_ERR_CONFLICT ? CA_ERR_DB : e;
}

int sqlkit_bindv(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK, i;

	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 't':
			rc = sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1,
					       SQLITE_TRANSIENT);
			break;
		case 'i':
			rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
			break;
		case 'n':
			rc = sqlite3_bind_int(s, i + 1, va_arg(ap, int));
			break;
		default:
			assert(!"bad bind letter");
			rc = SQLITE_MISUSE;
		}
	}
	return rc;
}
