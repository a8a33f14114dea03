/*
 * sqlkit.c - the SQLite helpers both stores use (see sqlkit.h). Where to
 * start reading: sqlkit_setup(), then migrate().
 */
#include "sqlkit.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
		case 'b': {
			const void *p = va_arg(ap, const void *);
			int len = va_arg(ap, int);

			rc = sqlite3_bind_blob(s, i + 1, p, len, SQLITE_TRANSIENT);
			break;
		}
		default:
			assert(!"bad bind letter");
			rc = SQLITE_MISUSE;
		}
	}
	return rc;
}

ca_err sqlkit_fail(sqlite3 *db, const char *path, const struct sqlkit_log *how, int rc,
		   const char *what, char *msg, size_t n)
{
	ca_err e = sqlerr_map(rc);

	if (msg && n)
		snprintf(msg, n, "%s", sqlite3_errmsg(db));
	if (e != CA_ERR_CONFLICT || !how->quiet_conflict)
		log_msg(how->level, how->tag, "%s: %s: %s (code %d)", path, what,
			sqlite3_errmsg(db), rc);
	return e ? e : CA_ERR_DB;
}

void sqlkit_conn_setup(sqlite3 *db, int busy_ms)
{
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_ms);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
}

ca_err sqlkit_version_check(const struct sqlkit_schema *sc, const char *path, int ver, char *err,
			    size_t n)
{
	if (ver >= 0 && ver <= sc->version)
		return CA_OK;
	ca_errmsg(err, n,
		  "%s: database schema version %d is not one this program knows "
		  "(it writes version %d); it was made by a newer program",
		  path, ver, sc->version);
	return CA_ERR_SCHEMA;
}

/* The file's user_version into *ver. */
static ca_err version_read(sqlite3 *db, const char *path, const struct sqlkit_schema *sc,
			   int *ver, char *err, size_t n)
{
	char buf[48];
	int rc = sqlkit_pragma_text(db, "PRAGMA user_version", buf, sizeof(buf), sc->busy_ms);

	if (rc != SQLITE_OK)
		return sqlkit_open_fail(db, path, rc, "reading the schema version", err, n);
	*ver = atoi(buf);
	return CA_OK;
}

/* The steps from the file's version to ours, and the new user_version, in
 * the transaction migrate() opened. */
static ca_err migrate_steps(sqlite3 *db, const char *path, const struct sqlkit_schema *sc,
			    int ver, char *err, size_t n)
{
	char buf[48];
	int rc, v;

	for (v = ver; v < sc->version; v++) {
		rc = sqlite3_exec(db, sc->steps[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(buf, sizeof(buf), "migrating to version %d", v + 1);
			return sqlkit_open_fail(db, path, rc, buf, err, n);
		}
	}
	if (ver == sc->version)
		return CA_OK;
	snprintf(buf, sizeof(buf), "PRAGMA user_version = %d", sc->version);
	rc = sqlite3_exec(db, buf, NULL, NULL, NULL);
	return rc == SQLITE_OK ? CA_OK
			       : sqlkit_open_fail(db, path, rc, "writing the schema version", err, n);
}

/* Bring the schema to sc->version in one transaction. */
static ca_err migrate(sqlite3 *db, const char *path, const struct sqlkit_schema *sc, char *err,
		      size_t n)
{
	ca_err e;
	int rc, ver = 0;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sqlkit_open_fail(db, path, rc, "starting the migration", err, n);
	/* Checked again under the lock: another program may have migrated. */
	e = version_read(db, path, sc, &ver, err, n);
	if (!e)
		e = sqlkit_version_check(sc, path, ver, err, n);
	if (!e)
		e = migrate_steps(db, path, sc, ver, err, n);
	if (!e) {
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			e = sqlkit_open_fail(db, path, rc, "finishing the migration", err, n);
	}
	if (e && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (!e && ver < sc->version)
		log_info(sc->tag, "%s: schema migrated from version %d to %d", path, ver,
			 sc->version);
	return e;
}

/* The answer of the PRAGMA sql into buf (size bn); what names the step in
 * the message when it fails. */
static ca_err pragma_read(sqlite3 *db, const char *path, const struct sqlkit_schema *sc,
			  const char *sql, const char *what, char *buf, size_t bn, char *err,
			  size_t n)
{
	int rc = sqlkit_pragma_text(db, sql, buf, bn, sc->busy_ms);

	return rc == SQLITE_OK ? CA_OK : sqlkit_open_fail(db, path, rc, what, err, n);
}

/* The checks before anything is written: integrity, then the version. */
static ca_err file_check(sqlite3 *db, const char *path, const struct sqlkit_schema *sc,
			 char *err, size_t n)
{
	char buf[256];
	ca_err e;
	int ver = 0;

	e = pragma_read(db, path, sc, "PRAGMA quick_check", "checking integrity", buf,
			sizeof(buf), err, n);
	if (e)
		return e;
	if (strcmp(buf, "ok") != 0) {
		ca_errmsg(err, n, "%s: not a SQLite database or damaged (%s)", path, buf);
		return CA_ERR_CORRUPT;
	}
	e = version_read(db, path, sc, &ver, err, n);
	return e ? e : sqlkit_version_check(sc, path, ver, err, n);
}

ca_err sqlkit_setup(sqlite3 *db, const char *path, const struct sqlkit_schema *sc, char *err,
		    size_t n)
{
	char buf[256];
	ca_err e;
	int rc;

	e = file_check(db, path, sc, err, n);
	if (!e)
		e = pragma_read(db, path, sc, "PRAGMA journal_mode = WAL", "setting WAL mode", buf,
				sizeof(buf), err, n);
	if (e)
		return e;
	if (strcasecmp(buf, "wal") != 0) {
		ca_errmsg(err, n, "%s: cannot use write-ahead logging (journal mode stays \"%s\")",
			  path, buf);
		return CA_ERR_DB;
	}
	rc = sqlite3_exec(db, sc->pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sqlkit_open_fail(db, path, rc, "setting pragmas", err, n);
	e = pragma_read(db, path, sc, "PRAGMA foreign_keys", "setting pragmas", buf, sizeof(buf),
			err, n);
	if (e)
		return e;
	if (strcmp(buf, "1") != 0) {
		ca_errmsg(err, n, "%s: this SQLite cannot enforce foreign keys", path);
		return CA_ERR_DB;
	}
	return migrate(db, path, sc, err, n);
}
