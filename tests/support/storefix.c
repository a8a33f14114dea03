/*
 * storefix.c - the kiosk store on a real file for tests (see storefix.h).
 */
#include "storefix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/uuid.h"
#include "../fixture.h"

int storefix_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct storefix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/store-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/kiosk.db", f->dir);
	*state = f;
	return 0;
}

int storefix_teardown(void **state)
{
	struct storefix *f = *state;
	char p[PATH_MAX + 256];
	struct dirent *d;
	DIR *dir;

	store_close(f->st);
	dir = opendir(f->dir);
	while (dir && (d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, d->d_name);
		unlink(p);
	}
	if (dir)
		closedir(dir);
	rmdir(f->dir);
	free(f);
	return 0;
}

struct store *storefix_open(struct storefix *f)
{
	char err[STORE_ERR_MAX];
	ca_err e = store_open(f->db, &f->st, err, sizeof(err));

	if (e)
		fail_msg("store_open: %s: %s", ca_strerror(e), err);
	return f->st;
}

void storefix_close(struct storefix *f)
{
	store_close(f->st);
	f->st = NULL;
}

struct store *storefix_reopen(struct storefix *f)
{
	storefix_close(f);
	return storefix_open(f);
}

long long storefix_raw_int(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

void storefix_raw_exec(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
					 NULL), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("raw sql %s: %s", sql, msg ? msg : "?");
	sqlite3_close(h);
}

void storefix_app(struct ca_app *a)
{
	fixture_app(a);
	assert_int_equal(uuid_v4(a->id), CA_OK);
}
