/* simdb.c - the simulators' SQLite books (see simdb.h). */
#include "simdb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/log.h"

#define TAG "books"

static const struct sqlkit_log fail_log = { TAG, LOG_ERROR, false };

ca_err simdb_new(size_t size, const char *dir, const char *file,
		 const struct sqlkit_schema *sc, int limit, void **out, char *err, size_t n)
{
	struct simdb *d = calloc(1, size);
	int rc;
	ca_err e;

	*out = NULL;
	if (!d)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	snprintf(d->path, sizeof(d->path), "%s/%s", dir, file);
	d->limit = limit;
	rc = sqlite3_open_v2(d->path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		e = sqlkit_open_fail(d->db, d->path, rc, "opening", err, n);
		sqlite3_close(d->db);
		free(d);
		return e;
	}
	(void)chmod(d->path, 0600);
	sqlkit_conn_setup(d->db, sc->busy_ms);
	e = sqlkit_setup(d->db, d->path, sc, err, n);
	if (e) {
		sqlite3_close(d->db);
		free(d);
		return e;
	}
	pthread_mutex_init(&d->mu, NULL);
	*out = d;
	return CA_OK;
}

void simdb_free(struct simdb *d)
{
	if (!d)
		return;
	if (sqlite3_close(d->db) != SQLITE_OK)
		log_error(TAG, "%s: not closed cleanly: %s", d->path, sqlite3_errmsg(d->db));
	pthread_mutex_destroy(&d->mu);
	free(d);
}

ca_err simdb_fail(struct simdb *d, int rc, const char *what)
{
	return sqlkit_fail(d->db, d->path, &fail_log, rc, what, NULL, 0);
}

/* Prepare sql into *s and bind the parameters in ap. */
static int prepv(struct simdb *d, sqlite3_stmt **s, const char *sql, const char *fmt,
		 va_list ap)
{
	int rc = sqlite3_prepare_v2(d->db, sql, -1, s, NULL);

	return rc == SQLITE_OK ? sqlkit_bindv(*s, fmt, ap) : rc;
}

int simdb_prep(struct simdb *d, sqlite3_stmt **s, const char *sql, const char *fmt, ...)
{
	int rc = sqlite3_prepare_v2(d->db, sql, -1, s, NULL);
	va_list ap;

	if (rc == SQLITE_OK) {
		va_start(ap, fmt);
		rc = sqlkit_bindv(*s, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Run sql (parameters in ap) to its first row: SQLite's result code; the
 * row's first column into *v when v is not NULL (0 without a row). */
static int step_once(struct simdb *d, int64_t *v, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *s = NULL;
	int rc = prepv(d, &s, sql, fmt, ap);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (v)
		*v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc;
}

ca_err simdb_exec(struct simdb *d, const char *what, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = step_once(d, NULL, sql, fmt, ap);
	va_end(ap);
	return rc == SQLITE_DONE ? CA_OK : simdb_fail(d, rc, what);
}

ca_err simdb_int(struct simdb *d, int64_t *v, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = step_once(d, v, sql, fmt, ap);
	va_end(ap);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CA_OK : simdb_fail(d, rc, "counting");
}

ca_err simdb_begin(struct simdb *d)
{
	ca_err e;

	pthread_mutex_lock(&d->mu);
	e = simdb_exec(d, "BEGIN", "BEGIN IMMEDIATE", "");
	if (e)
		pthread_mutex_unlock(&d->mu);
	return e;
}

ca_err simdb_end(struct simdb *d, ca_err e)
{
	if (!e)
		e = simdb_exec(d, "COMMIT", "COMMIT", "");
	if (e)
		(void)simdb_exec(d, "ROLLBACK", "ROLLBACK", "");
	pthread_mutex_unlock(&d->mu);
	return e;
}
