/*
 * storefix.h - the kiosk store on a real file for tests: a fresh temporary
 * directory per test (cmocka setup and teardown), the store opened and
 * closed in it, a second raw SQLite connection to look at or change the
 * file behind the store's back, and a sample application with a fresh id.
 *
 * Where to start: storefix_setup() as a test's setup, storefix_open() in
 * the test, storefix_teardown() removes everything. Failures fail the test
 * (cmocka's fail_msg and asserts).
 */
#ifndef TEST_STOREFIX_H
#define TEST_STOREFIX_H

#include <jansson.h>
#include <limits.h>

#include "core/app.h"
#include "kiosk/store/store.h"
#include "tmpdir.h"

/* One test's directory and its store. */
struct storefix {
	struct tmpenv env; /* the directory and env.db = dir/kiosk.db (first: tmpenv_setup_size) */
	struct store *st;  /* the open store, or NULL */
};

/* cmocka setup: a new struct storefix in *state, with a fresh directory
 * under $TMPDIR (or /tmp); nothing is opened yet. -1 on failure. */
int storefix_setup(void **state);

/* cmocka teardown: close the store, remove the directory with every file
 * in it, free the struct. */
int storefix_teardown(void **state);

/* Open f->env.db as f->st (fails the test when it does not open). */
struct store *storefix_open(struct storefix *f);

/* Close f->st (if open) and set it to NULL. */
void storefix_close(struct storefix *f);

/* Close f->st and open f->env.db again (a restart of the program). */
struct store *storefix_reopen(struct storefix *f);

/* The integer the query sql answers on a second, raw connection to the
 * file db (-1 when no row). */
long long storefix_raw_int(const char *db, const char *sql);

/* Run sql on a second, raw connection to the file db (created if need
 * be); the test fails with SQLite's message when it fails. */
void storefix_raw_exec(const char *db, const char *sql);

/* The pending restock rows of st's outbox (the dispenser's maintenance
 * records), oldest first: their payloads parsed into out (at most max;
 * the caller json_decref()s them) and, when keys is not NULL, their
 * idempotency keys into keys; how many. Fails the test on a row that is
 * not a device row or whose payload does not parse. */
int storefix_restock_rows(struct store *st, json_t **out, int max,
			  char (*keys)[CA_UUID_LEN + 1]);

/* A valid draft (tests/fixture.h) with a fresh id. */
void storefix_app(struct ca_app *a);

#endif
