/*
 * test_sqlkit.c - the SQLite helpers both stores use (src/common/sqlkit.c):
 * a text column copies when it fits with its NUL and is refused, never
 * cut, when it does not, NULL reading as ""; parameters bind from a
 * format string (text, NULL, int64, int); a PRAGMA's answer is read; a
 * file that is not a database gets the "damaged" message and
 * CA_ERR_CORRUPT, a step's failure names the step, and a unique
 * violation while opening is CA_ERR_DB, not a conflict; sqlkit_setup
 * migrates a new file through every step in one transaction, leaves an
 * up-to-date one alone, refuses a newer one, and rolls a failing step
 * back whole; sqlkit_fail maps a unique violation to a conflict and keeps
 * the connection's message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sqlkit.h"

static int bind(sqlite3_stmt *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sqlkit_bindv(s, fmt, ap);
	va_end(ap);
	return rc;
}

static void test_bind_and_copy_columns(void **state)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char out[6], pr[32];

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT ?1, ?2, ?3, ?4", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(bind(s, "ttin", "12345", (const char *)NULL, (int64_t)1 << 40, 7), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_true(sqlkit_col_copy(s, 0, out, sizeof(out))); /* 5 + NUL fits in 6 */
	assert_string_equal(out, "12345");
	assert_false(sqlkit_col_copy(s, 0, out, 5));         /* refused, not cut */
	assert_true(sqlkit_col_copy(s, 1, out, sizeof(out))); /* NULL reads as "" */
	assert_string_equal(out, "");
	assert_int_equal(sqlite3_column_int64(s, 2), (int64_t)1 << 40);
	assert_int_equal(sqlite3_column_int(s, 3), 7);
	sqlite3_finalize(s);
	assert_int_equal(sqlkit_pragma_text(db, "PRAGMA user_version", pr, sizeof(pr), 0), SQLITE_OK);
	assert_string_equal(pr, "0");
	sqlite3_close(db);
}

static void test_open_failures_say_what(void **state)
{
	char path[] = "/tmp/sqlkit-XXXXXX", err[256];
	sqlite3 *db = NULL;
	char pr[32];
	int fd = mkstemp(path), rc;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not a database, not at all....", 38), 38);
	close(fd);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK); /* lazily: fails on use */
	rc = sqlkit_pragma_text(db, "PRAGMA user_version", pr, sizeof(pr), 0);
	assert_int_not_equal(rc, SQLITE_OK);
	assert_int_equal(sqlkit_open_fail(db, path, rc, "reading the version", err, sizeof(err)),
			 CA_ERR_CORRUPT);
	assert_non_null(strstr(err, "not a SQLite database or damaged"));
	assert_non_null(strstr(err, path));
	assert_int_equal(sqlkit_open_fail(NULL, path, SQLITE_ERROR, "setting WAL", err, sizeof(err)),
			 CA_ERR_DB);
	assert_non_null(strstr(err, "while setting WAL"));
	assert_int_equal(sqlkit_open_fail(NULL, path, SQLITE_CONSTRAINT_UNIQUE, "migrating", err,
					  sizeof(err)), CA_ERR_DB);
	assert_int_equal(sqlkit_open_fail(NULL, path, SQLITE_BUSY, "opening", err, sizeof(err)),
			 CA_ERR_DB);
	assert_non_null(strstr(err, "locked by another process"));
	sqlite3_close(db);
	unlink(path);
}

/* An integer from one query on db (-1 when no row). */
static long long one_int(sqlite3 *db, const char *sql)
{
	char out[32];

	assert_int_equal(sqlkit_pragma_text(db, sql, out, sizeof(out), 0), SQLITE_OK);
	return out[0] ? atoll(out) : -1;
}

static void test_setup_migrates_refuses_and_rolls_back(void **state)
{
	static const char *const steps[] = {
		"CREATE TABLE a (x INTEGER PRIMARY KEY);",
		"CREATE TABLE b (y INTEGER);",
	};
	static const char *const bad_steps[] = {
		"CREATE TABLE a (x INTEGER PRIMARY KEY);",
		"CREATE TABLE a (y INTEGER);", /* exists: fails */
	};
	struct sqlkit_schema sc = { steps, 2, "PRAGMA foreign_keys = ON;", 0, "test" };
	const struct sqlkit_log how = { "test", LOG_WARN, true };
	char path[] = "/tmp/sqlkit-XXXXXX", err[256], wal[64], shm[64];
	sqlite3 *db = NULL;
	int fd = mkstemp(path), rc;

	(void)state;
	assert_true(fd >= 0);
	close(fd); /* empty: SQLite makes it a database */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);

	/* A failing step: nothing of the migration stays. */
	sc.steps = bad_steps;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlkit_conn_setup(db, 1000);
	assert_int_equal(sqlkit_setup(db, path, &sc, err, sizeof(err)), CA_ERR_DB);
	assert_non_null(strstr(err, "migrating to version 2"));
	assert_int_equal(one_int(db, "PRAGMA user_version"), 0);
	assert_int_equal(one_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'a'"), 0);

	/* Every step, then the version. */
	sc.steps = steps;
	assert_int_equal(sqlkit_setup(db, path, &sc, err, sizeof(err)), CA_OK);
	assert_int_equal(one_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(one_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 2);
	assert_int_equal(one_int(db, "PRAGMA foreign_keys"), 1);
	/* Up to date: nothing to do. */
	assert_int_equal(sqlkit_setup(db, path, &sc, err, sizeof(err)), CA_OK);
	assert_int_equal(one_int(db, "PRAGMA user_version"), 2);

	/* A conflict is the caller's answer, with the connection's message. */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO a VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	rc = sqlite3_exec(db, "INSERT INTO a VALUES (1)", NULL, NULL, NULL);
	assert_int_equal(sqlkit_fail(db, path, &how, rc, "insert", err, sizeof(err)),
			 CA_ERR_CONFLICT);
	assert_non_null(strstr(err, "UNIQUE"));

	/* A newer program's file is refused. */
	sc.version = 1;
	assert_int_equal(sqlkit_setup(db, path, &sc, err, sizeof(err)), CA_ERR_SCHEMA);
	assert_non_null(strstr(err, "schema version 2 is not one this program knows"));
	sqlite3_close(db);
	unlink(path);
	unlink(wal);
	unlink(shm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_and_copy_columns),
		cmocka_unit_test(test_open_failures_say_what),
		cmocka_unit_test(test_setup_migrates_refuses_and_rolls_back),
	};

	return cmocka_run_group_tests_name("common/sqlkit", tests, NULL, NULL);
}
