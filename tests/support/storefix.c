/*
 * storefix.c - the kiosk store on a real file for tests (see storefix.h).
 */
#include "storefix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <string.h>

#include "core/uuid.h"
#include "../fixture.h"

int storefix_setup(void **state)
{
	return tmpenv_setup_size(state, sizeof(struct storefix));
}

int storefix_teardown(void **state)
{
	struct storefix *f = *state;

	store_close(f->st);
	return tmpenv_teardown(state);
}

struct store *storefix_open(struct storefix *f)
{
	char err[STORE_ERR_MAX];
	ca_err e = store_open(f->env.db, &f->st, err, sizeof(err));

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

int storefix_restock_rows(struct store *st, json_t **out, int max,
			  char (*keys)[CA_UUID_LEN + 1])
{
	struct store_outbox_item items[16];
	int n, i, k = 0;

	assert_int_equal(store_outbox_next(st, INT64_MAX, 16, items, &n), CA_OK);
	for (i = 0; i < n && k < max; i++) {
		if (strcmp(items[i].kind, STORE_KIND_RESTOCK) != 0)
			continue;
		assert_string_equal(items[i].app_id, STORE_DEVICE_ROWS);
		out[k] = json_loads(items[i].payload, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(out[k]);
		if (keys)
			memcpy(keys[k], items[i].key, CA_UUID_LEN + 1);
		k++;
	}
	store_outbox_items_release(items, n);
	return k;
}

void storefix_app(struct ca_app *a)
{
	fixture_app(a);
	assert_int_equal(uuid_v4(a->id), CA_OK);
}
