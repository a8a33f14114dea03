/*
 * store.c - the kiosk's SQLite store (see store.h for the contract):
 * opening (the schema, its migrations and the checks through sqlkit),
 * closing, transactions, and the statement helpers the other files of the
 * store share (store_int.h lists the files).
 *
 * Where to start reading: store_open() (pragmas, integrity check, forward
 * migrations), then st_change_write() in store_change.c - the one place a
 * state change turns into rows: domain row, history row and outbox row,
 * always inside the caller's BEGIN IMMEDIATE ... COMMIT (asserted).
 * store_app_create/save/act (store_app.c) only load, decide (through
 * fsm.h) and call it.
 */
#include "store_int.h"

#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sqlkit.h"
#include "core/log.h"

/*
 * The schema, one forward migration per version: migrations[v] takes a
 * database from user_version v to v + 1. Never edit a shipped entry; append.
 *
 * applications.body is the whole record as codec JSON and the only source of
 * truth; account, app_status, created_ms and updated_ms are plain copies for
 * listing and filtering, written from the same struct in the same statement.
 * They are plain columns rather than GENERATED ones from json_extract() so
 * that the SQL does not depend on the codec's key names (the codec owns the
 * JSON shape) and a change there cannot break opening an old file.
 *
 * outbox.app_id has no foreign key on purpose: the row of a deleted draft
 * must outlive the application so the hub hears about the delete.
 * proc_records.app_id has none either: the hub's feed may bring a record
 * before (or without) its application.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE applications ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" account TEXT NOT NULL,"
	" app_status TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL,"
	" body TEXT NOT NULL CHECK (json_valid(body)));"
	"CREATE INDEX applications_by_account"
	" ON applications(account, created_ms DESC);"
	"CREATE TABLE app_history ("
	" seq INTEGER PRIMARY KEY,"
	" app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" at_ms INTEGER NOT NULL,"
	" action TEXT NOT NULL,"
	" from_app TEXT NOT NULL, from_pay TEXT NOT NULL,"
	" from_proc TEXT NOT NULL, from_pickup TEXT NOT NULL,"
	" to_app TEXT NOT NULL, to_pay TEXT NOT NULL,"
	" to_proc TEXT NOT NULL, to_pickup TEXT NOT NULL,"
	" note TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX app_history_by_app ON app_history(app_id, seq);"
	"CREATE TABLE proc_records ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" app_id TEXT NOT NULL,"
	" at_ms INTEGER NOT NULL,"
	" body TEXT NOT NULL CHECK (json_valid(body)));"
	"CREATE INDEX proc_records_by_app ON proc_records(app_id, at_ms);"
	"CREATE TABLE outbox ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" idem_key TEXT UNIQUE NOT NULL,"
	" app_id TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" payload TEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at_ms INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending', 'parked')),"
	" last_error TEXT,"
	" created_ms INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox(state, next_at_ms);"
	"CREATE INDEX outbox_by_app ON outbox(app_id, seq);",

	/* 1 -> 2: the sync engine's state. sync_state holds named integers
	 * (the change-feed cursor). remote_apps holds the newest snapshot of
	 * each application the hub has sent (feed or push result), applied to
	 * applications once the application has no pending outbox rows;
	 * deleted = 1 is the tombstone of an application deleted here and
	 * acknowledged by the hub (no later snapshot brings it back). */
	"CREATE TABLE sync_state ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" value INTEGER NOT NULL);"
	"CREATE TABLE remote_apps ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" rev INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
	" body TEXT CHECK (body IS NULL OR json_valid(body)));",

	/* 2 -> 3: on-site pickup through the dispenser. One row per dispense
	 * attempt, written BEFORE the command goes to the device, with the
	 * device's last_seq read just before; closed as collected or failed in
	 * the same transaction as the change or fault record it leads to. The
	 * partial unique index allows at most one pending intent: a pickup
	 * never starts while the outcome of another is unknown. */
	"CREATE TABLE dispense_intents ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" app_id TEXT NOT NULL,"
	" slot INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 64),"
	" dev_last_seq INTEGER NOT NULL CHECK (dev_last_seq BETWEEN 0 AND 255),"
	" state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending', 'collected', 'failed')),"
	" result TEXT,"
	" detail TEXT,"
	" created_ms INTEGER NOT NULL,"
	" resolved_ms INTEGER);"
	"CREATE UNIQUE INDEX dispense_one_pending ON dispense_intents(state)"
	" WHERE state = 'pending';"
	"CREATE INDEX dispense_by_app ON dispense_intents(app_id, seq);",

	/* 3 -> 4: where staff put an on-site key (the hub feed's "pickup"
	 * rows): the kiosk id and the slot label. The order details screen
	 * offers 领取CA锁 only at that kiosk, else a pickup code. */
	"CREATE TABLE pickups ("
	" app_id TEXT PRIMARY KEY NOT NULL,"
	" kiosk TEXT NOT NULL,"
	" slot TEXT NOT NULL,"
	" at_ms INTEGER NOT NULL);",

	/* 4 -> 5: the e-invoices of the hub feed's "invoice" rows, at most
	 * one blue and one red (红字发票) per application; a later row of the
	 * pair replaces the row (pending -> issued). NULL amounts: the hub did
	 * not send them (older hubs). No foreign key, as for pickups. */
	"CREATE TABLE invoices ("
	" app_id TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('blue', 'red')),"
	" state TEXT NOT NULL CHECK (state IN ('issued', 'pending', 'failed')),"
	" number TEXT NOT NULL,"
	" original TEXT NOT NULL,"
	" issued_ms INTEGER NOT NULL,"
	" total_fen INTEGER,"
	" tax_fen INTEGER,"
	" PRIMARY KEY (app_id, kind));",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

/* The schema and the file's settings, for sqlkit_setup(): the steps, the
 * version, the pragmas, how long a PRAGMA waits on BUSY, the log tag. */
static const struct sqlkit_schema schema = { migrations, STORE_SCHEMA_VERSION, ST_CONN_PRAGMAS,
					     STORE_BUSY_MS, TAG };

/* A failed call is logged as a warning, a conflict too. */
static const struct sqlkit_log fail_log = { TAG, LOG_WARN, false };

ca_err st_fail(struct store *st, int rc, const char *what)
{
	return sqlkit_fail(st->db, st->path, &fail_log, rc, what, st->errmsg,
			   sizeof(st->errmsg));
}

ca_err st_prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v3(st->db, sql, -1, 0, s, NULL);

	if (rc != SQLITE_OK) {
		*s = NULL;
		return st_fail(st, rc, "prepare");
	}
	return CA_OK;
}

/* st_prep_bind with the parameters in ap. */
static ca_err prep_bindv(struct store *st, const char *sql, sqlite3_stmt **s, const char *what,
			 const char *fmt, va_list ap)
{
	ca_err e = st_prep(st, sql, s);
	int rc;

	if (e)
		return e;
	rc = sqlkit_bindv(*s, fmt, ap);
	if (rc != SQLITE_OK) {
		e = st_fail(st, rc, what);
		sqlite3_finalize(*s);
		*s = NULL;
	}
	return e;
}

ca_err st_prep_bind(struct store *st, const char *sql, sqlite3_stmt **s, const char *what,
		    const char *fmt, ...)
{
	va_list ap;
	ca_err e;

	va_start(ap, fmt);
	e = prep_bindv(st, sql, s, what, fmt, ap);
	va_end(ap);
	return e;
}

ca_err st_run(struct store *st, const char *sql, const char *what, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	ca_err e;
	int rc;

	va_start(ap, fmt);
	e = prep_bindv(st, sql, &s, what, fmt, ap);
	va_end(ap);
	if (!e && (rc = sqlite3_step(s)) != SQLITE_DONE)
		e = st_fail(st, rc, what);
	sqlite3_finalize(s);
	return e;
}

ca_err st_row(struct store *st, sqlite3_stmt **s, const char *sql, const char *what,
	      const char *fmt, ...)
{
	va_list ap;
	ca_err e;
	int rc;

	va_start(ap, fmt);
	e = prep_bindv(st, sql, s, what, fmt, ap);
	va_end(ap);
	if (e)
		return e;
	rc = sqlite3_step(*s);
	if (rc == SQLITE_ROW)
		return CA_OK;
	return rc == SQLITE_DONE ? CA_ERR_NOT_FOUND : st_fail(st, rc, what);
}

ca_err st_each(struct store *st, const char *sql, const char *what, st_row_fn row, void *ctx,
	       const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	bool stop = false;
	va_list ap;
	ca_err e;
	int rc = SQLITE_DONE;

	va_start(ap, fmt);
	e = prep_bindv(st, sql, &s, what, fmt, ap);
	va_end(ap);
	while (!e && !stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		e = row(st, s, ctx, &stop);
	if (!e && !stop && rc != SQLITE_DONE)
		e = st_fail(st, rc, what);
	sqlite3_finalize(s);
	return e;
}

void st_log_skipped(struct store *st, sqlite3_stmt *s, const char *what, const char *cerr)
{
	char id[CA_UUID_LEN + 1];

	if (!sqlkit_col_copy(s, 0, id, sizeof(id)))
		snprintf(id, sizeof(id), "?");
	log_error(TAG, "%s: %s %s unreadable, skipped: %s", st->path, what, id, cerr);
}

ca_err st_exec(struct store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CA_OK : st_fail(st, rc, what);
}

bool st_fits(const char *s, size_t n)
{
	return s && strnlen(s, n) < n;
}

ca_err st_ids_add(struct st_ids *l, const char *id)
{
	if (l->n == l->cap) {
		size_t more = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->ids, more * sizeof(*l->ids));

		if (!p)
			return CA_ERR_NOMEM;
		l->ids = p;
		l->cap = more;
	}
	snprintf(l->ids[l->n++], sizeof(*l->ids), "%s", id);
	return CA_OK;
}

ca_err st_tx_open(struct store *st, bool *own)
{
	*own = sqlite3_get_autocommit(st->db) != 0;
	return *own ? store_begin(st) : CA_OK;
}

ca_err st_tx_close(struct store *st, bool own, ca_err e)
{
	if (!own)
		return e;
	if (e) {
		store_rollback(st);
		return e;
	}
	return store_commit(st);
}

/* ---- open, close, transactions ---- */

/* The message and error for a SQLite failure while opening (logged). */
static ca_err open_fail(struct store *st, int rc, const char *what, char *err,
			size_t errlen)
{
	ca_err e = sqlkit_open_fail(st->db, st->path, rc, what, err, errlen);

	log_error(TAG, "%s", err && errlen ? err : what);
	return e;
}

void st_conn_config(sqlite3 *db)
{
	sqlkit_conn_setup(db, STORE_BUSY_MS);
	/* No lookaside: SQLite keeps small values (a bound phone number, a
	 * column read) in its own slots of this connection and reuses them
	 * without freeing, out of reach of the zeroing free (zfree.c). Every
	 * allocation goes to malloc instead (docs/privacy.md). */
	sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0);
}

/*
 * Once per process, before SQLite's first use: no bulk page-cache block per
 * connection. SQLite otherwise carves its first pages out of one block it
 * never frees until the connection closes; a page dropped from the cache
 * (store_forget) would stay there, out of reach of the zeroing free
 * (zfree.c), with whatever rows it held. Each page is its own allocation.
 */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_config_once(void)
{
	int rc = sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);

	if (rc != SQLITE_OK)
		log_warn(TAG, "SQLite was in use before the store: page-cache blocks "
			 "stay bulk-allocated (%s)", sqlite3_errstr(rc));
}

/* Close the connection (checkpointing the WAL) and free st. */
void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db) {
		int rc = sqlite3_close(st->db);

		if (rc != SQLITE_OK) /* a statement left open: a bug here */
			log_error(TAG, "%s: close: %s", st->path, sqlite3_errstr(rc));
	}
	free(st->path);
	free(st);
}

/* Open the connection, check the file, set the pragmas, migrate. */
ca_err store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	ca_err e = CA_OK;
	int rc, fd;

	assert(path && out);
	*out = NULL;
	pthread_once(&sqlite_once, sqlite_config_once);
	ca_errmsg(err, errlen, "%s", "");
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		ca_errmsg(err, errlen, "%s: out of memory", path);
		e = CA_ERR_NOMEM;
		goto out;
	}
	/* A new store is made private (0600) whatever the umask; SQLite gives
	 * its -wal and -shm the same mode. A file that does not exist yet is
	 * open in no connection, so this open and close drop no lock. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			     NULL);
	if (rc != SQLITE_OK) {
		e = open_fail(st, rc, "opening", err, errlen);
		if (e == CA_ERR_DB) /* CANTOPEN and friends are I/O, the rest too */
			e = CA_ERR_IO;
		goto out;
	}
	st_conn_config(st->db);
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		ca_errmsg(err, errlen, "%s: cannot open the database for writing "
			"(read-only file or directory)", path);
		log_error(TAG, "%s: read-only", path);
		e = CA_ERR_IO;
		goto out;
	}
	/* Integrity and version first (nothing is written to a bad or newer
	 * file), then WAL, the pragmas and the migrations. */
	e = sqlkit_setup(st->db, path, &schema, err, errlen);
	if (e)
		log_error(TAG, "%s", err && errlen ? err : path);
out:
	if (e)
		store_close(st);
	else
		*out = st;
	return e;
}

/* The last recorded SQLite error, else the connection's own. */
const char *store_errmsg(const struct store *st)
{
	if (st->errmsg[0])
		return st->errmsg;
	return sqlite3_errmsg(st->db);
}

/* Start a write transaction now (not at the first write), so a busy
 * database is noticed before anything is decided. */
ca_err store_begin(struct store *st)
{
	return st_exec(st, "BEGIN IMMEDIATE", "begin");
}

/* Commit; on failure the transaction is rolled back. */
ca_err store_commit(struct store *st)
{
	ca_err e = st_exec(st, "COMMIT", "commit");

	if (e)
		store_rollback(st);
	return e;
}

/* Roll back the open transaction, if any (SQLite may have done it already
 * after an I/O or full-disk error). */
void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

