/* sqlpeek.c - a test's own look into an SQLite file (see sqlpeek.h). */
#include "sqlpeek.h"

#include <sqlite3.h>
#include <stdio.h>

/* Open path with flags and prepare sql on it; *db and *s set, or -1 (both
 * left closed). */
static int open_prepared(const char *path, int flags, const char *sql, sqlite3 **db,
			 sqlite3_stmt **s)
{
	*db = NULL;
	*s = NULL;
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlpeek: cannot open %s: %s\n", path, sqlite3_errmsg(*db));
		sqlite3_close(*db);
		return -1;
	}
	sqlite3_busy_timeout(*db, 5000);
	if (sqlite3_prepare_v2(*db, sql, -1, s, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlpeek: %s: %s\n", sql, sqlite3_errmsg(*db));
		sqlite3_close(*db);
		return -1;
	}
	return 0;
}

int sqlpeek_int(const char *path, int flags, const char *sql, long long *v)
{
	sqlite3 *db;
	sqlite3_stmt *s;

	if (open_prepared(path, flags, sql, &db, &s))
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return 0;
}

int sqlpeek_text(const char *path, int flags, const char *sql, char *out, size_t n)
{
	sqlite3 *db;
	sqlite3_stmt *s;

	if (open_prepared(path, flags, sql, &db, &s))
		return -1;
	out[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return 0;
}

int sqlpeek_exec(const char *path, const char *sql, int *changes)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlpeek: cannot open %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sqlpeek: %s: %s\n", sql, msg ? msg : "?");
		rc = -1;
	}
	if (changes)
		*changes = sqlite3_changes(db);
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc;
}
