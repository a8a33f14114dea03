/*
 * store.c - the kiosk's SQLite store (see store.h for the contract).
 *
 * Where to start reading: store_open() (pragmas, integrity check, forward
 * migrations), then change_write() - the one place a state change turns into
 * rows: domain row, history row and outbox row, always inside the caller's
 * BEGIN IMMEDIATE ... COMMIT (asserted). store_app_create/save/act only load, decide
 * (through fsm.h) and call it. The outbox functions at the end are single
 * statements each.
 *
 * Every statement is prepared per call (sqlite3_prepare_v3) and finalized
 * before the function returns; the statement count per operation is small
 * and this keeps the error paths trivial. Column text is copied out before
 * the next step, into bounded buffers.
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/sqlerr.h"
#include "common/sqlkit.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/utf8.h"
#include "core/uuid.h"

#define TAG "store"

/* How long a writer waits for another connection's lock. */
#define STORE_BUSY_MS 5000

struct store {
	sqlite3 *db;     /* the connection, owned */
	char *path;      /* file name, for messages, owned */
	char errmsg[256]; /* last SQLite error text; kept across ROLLBACK */
};

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
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

/* Record and log a failed SQLite call; returns the project error for rc. */
static ca_err db_fail(struct store *st, int rc, const char *what)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s", sqlite3_errmsg(st->db));
	log_warn(TAG, "%s: %s: %s (code %d)", st->path, what, st->errmsg, rc);
	return sqlerr_map(rc);
}

/* Prepare sql into *s; on failure *s is NULL and the error is recorded. */
static ca_err prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v3(st->db, sql, -1, 0, s, NULL);

	if (rc != SQLITE_OK) {
		*s = NULL;
		return db_fail(st, rc, "prepare");
	}
	return CA_OK;
}

/* Prepare sql and bind its parameters from fmt (sqlkit_bindv: 't' text,
 * 'i' int64_t, 'n' int, one letter a parameter); on failure *s is NULL
 * and the error is recorded under what. */
static ca_err prep_bind(struct store *st, const char *sql, sqlite3_stmt **s, const char *what,
			const char *fmt, ...)
{
	ca_err e = prep(st, sql, s);
	va_list ap;
	int rc;

	if (e)
		return e;
	va_start(ap, fmt);
	rc = sqlkit_bindv(*s, fmt, ap);
	va_end(ap);
	if (rc != SQLITE_OK) {
		e = db_fail(st, rc, what);
		sqlite3_finalize(*s);
		*s = NULL;
	}
	return e;
}

/* Run statements that return no rows. */
static ca_err exec(struct store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CA_OK : db_fail(st, rc, what);
}

/* Whether text fits a buffer of n bytes with its NUL. */
static bool fits(const char *s, size_t n)
{
	return s && strnlen(s, n) < n;
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

/* CA_ERR_SCHEMA, with the message, when ver is not a version we know. */
static ca_err schema_check(struct store *st, int ver, char *err, size_t errlen)
{
	if (ver >= 0 && ver <= STORE_SCHEMA_VERSION)
		return CA_OK;
	ca_errmsg(err, errlen,
		"%s: database schema version %d is not one this program knows "
		"(it writes version %d); it was made by a newer program",
		st->path, ver, STORE_SCHEMA_VERSION);
	log_error(TAG, "%s: schema version %d, this program knows up to %d",
		  st->path, ver, STORE_SCHEMA_VERSION);
	return CA_ERR_SCHEMA;
}

/* Bring the schema to STORE_SCHEMA_VERSION in one transaction. */
static ca_err migrate(struct store *st, char *err, size_t errlen)
{
	char buf[48];
	ca_err e = CA_OK;
	int rc, v, ver;

	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return open_fail(st, rc, "starting the migration", err, errlen);
	rc = sqlkit_pragma_text(st->db, "PRAGMA user_version", buf, sizeof(buf), STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		e = open_fail(st, rc, "reading the schema version", err, errlen);
		goto out;
	}
	/* Checked again under the lock: another program may have migrated. */
	ver = atoi(buf);
	e = schema_check(st, ver, err, errlen);
	if (e)
		goto out;
	for (v = ver; v < STORE_SCHEMA_VERSION; v++) {
		rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(buf, sizeof(buf), "migrating to version %d", v + 1);
			e = open_fail(st, rc, buf, err, errlen);
			goto out;
		}
	}
	if (ver < STORE_SCHEMA_VERSION) {
		snprintf(buf, sizeof(buf), "PRAGMA user_version = %d",
			 STORE_SCHEMA_VERSION);
		rc = sqlite3_exec(st->db, buf, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			e = open_fail(st, rc, "writing the schema version", err, errlen);
			goto out;
		}
		log_info(TAG, "%s: schema migrated from version %d to %d", st->path,
			 ver, STORE_SCHEMA_VERSION);
	} else {
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			e = open_fail(st, rc, "finishing the migration", err, errlen);
	}
out:
	if (e && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

/* Open the connection, check the file, set the pragmas, migrate. */
/*
 * Once per process, before SQLite's first use: no bulk page-cache block per
 * connection. SQLite otherwise carves its first pages out of one block it
 * never frees until the connection closes; a page dropped from the cache
 * (store_forget) would stay there, out of reach of the zeroing free
 * (zfree.c), with whatever rows it held. Each page is its own allocation.
 */
/* The connection's settings (store_open, store_forget). */
static void conn_config(sqlite3 *db)
{
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	/* No lookaside: SQLite keeps small values (a bound phone number, a
	 * column read) in its own slots of this connection and reuses them
	 * without freeing, out of reach of the zeroing free (zfree.c). Every
	 * allocation goes to malloc instead (docs/privacy.md). */
	sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0);
}

/* Per-connection pragmas (the journal mode, WAL, is the file's own).
 * secure_delete: whatever a delete frees (a draft deleted, an outbox row
 * sent, a purged order) is overwritten with zeros, not left in a free page
 * of the file; store_scrub() then empties the WAL. */
#define CONN_PRAGMAS \
	"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_config_once(void)
{
	int rc = sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);

	if (rc != SQLITE_OK)
		log_warn(TAG, "SQLite was in use before the store: page-cache blocks "
			 "stay bulk-allocated (%s)", sqlite3_errstr(rc));
}

ca_err store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	char buf[256];
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
	conn_config(st->db);
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		ca_errmsg(err, errlen, "%s: cannot open the database for writing "
			"(read-only file or directory)", path);
		log_error(TAG, "%s: read-only", path);
		e = CA_ERR_IO;
		goto out;
	}

	/* Read-only integrity check first: nothing is written to a bad file. */
	rc = sqlkit_pragma_text(st->db, "PRAGMA quick_check", buf, sizeof(buf), STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		e = open_fail(st, rc, "checking integrity", err, errlen);
		goto out;
	}
	if (strcmp(buf, "ok") != 0) {
		ca_errmsg(err, errlen, "%s: not a SQLite database or damaged (%s)",
			path, buf);
		log_error(TAG, "%s: integrity check failed: %s", path, buf);
		e = CA_ERR_CORRUPT;
		goto out;
	}
	/* A newer program's file is refused before anything is written to it. */
	rc = sqlkit_pragma_text(st->db, "PRAGMA user_version", buf, sizeof(buf), STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		e = open_fail(st, rc, "reading the schema version", err, errlen);
		goto out;
	}
	e = schema_check(st, atoi(buf), err, errlen);
	if (e)
		goto out;

	rc = sqlkit_pragma_text(st->db, "PRAGMA journal_mode = WAL",
					buf, sizeof(buf), STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		e = open_fail(st, rc, "setting WAL mode", err, errlen);
		goto out;
	}
	if (strcasecmp(buf, "wal") != 0) {
		ca_errmsg(err, errlen, "%s: cannot use write-ahead logging "
			"(journal mode stays \"%s\")", path, buf);
		log_error(TAG, "%s: journal mode %s, not wal", path, buf);
		e = CA_ERR_DB;
		goto out;
	}
	rc = sqlite3_exec(st->db, CONN_PRAGMAS, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlkit_pragma_text(st->db, "PRAGMA foreign_keys",
						buf, sizeof(buf), STORE_BUSY_MS);
	if (rc != SQLITE_OK) {
		e = open_fail(st, rc, "setting pragmas", err, errlen);
		goto out;
	}
	if (strcmp(buf, "1") != 0) {
		ca_errmsg(err, errlen, "%s: this SQLite cannot enforce foreign keys", path);
		e = CA_ERR_DB;
		goto out;
	}
	e = migrate(st, err, errlen);
out:
	if (e) {
		store_close(st);
		return e;
	}
	*out = st;
	return CA_OK;
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
	return exec(st, "BEGIN IMMEDIATE", "begin");
}

/* Commit; on failure the transaction is rolled back. */
ca_err store_commit(struct store *st)
{
	ca_err e = exec(st, "COMMIT", "commit");

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

/* ---- applications ---- */

/* Load application id from the database into *app. */
static ca_err app_load(struct store *st, const char *id, struct ca_app *app)
{
	static const char sql[] = "SELECT body FROM applications WHERE id = ?1";
	char cerr[CODEC_ERR_MAX];
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep_bind(st, sql, &s, "load application", "t", id);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		e = CA_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "load application");
		goto out;
	}
	e = codec_app_from_text((const char *)sqlite3_column_text(s, 0),
				(size_t)sqlite3_column_bytes(s, 0), app, cerr, sizeof(cerr));
	if (e) {
		log_error(TAG, "%s: application %s: stored record unreadable: %s",
			  st->path, id, cerr);
		e = CA_ERR_CORRUPT;
	}
out:
	sqlite3_finalize(s);
	return e;
}

/* The text an action carries into history and outbox (what fsm_apply
 * stored), or NULL. Taken from the record, never from raw input. */
static const char *act_text(const struct ca_app *app, enum ca_action a)
{
	switch (a) {
	case CA_ACT_SUBMIT:
		return app->comment;
	case CA_ACT_REJECT:
		return app->reject_reason;
	case CA_ACT_SHIP:
		return app->tracking_no;
	default:
		return NULL;
	}
}

/* The outbox payload {"op", "app", "arg", "at_ms"} into *out (malloc'd). */
static ca_err payload_make(const char *op, const struct ca_app *app,
			   const char *arg, int64_t at_ms, char **out)
{
	json_t *o = json_object();
	json_t *a = codec_app_encode(app);
	json_t *g = arg ? json_string(arg) : json_null();
	ca_err e = CA_OK;
	int bad;

	*out = NULL;
	if (!o || !a || !g) {
		/* json_string refuses text that is not UTF-8 */
		e = (o && a && arg) ? CA_ERR_INVALID : CA_ERR_NOMEM;
		goto out;
	}
	/* set_new takes the value's reference whether or not it succeeds */
	bad = json_object_set_new(o, "op", json_string(op));
	bad |= json_object_set_new(o, "app", a);
	bad |= json_object_set_new(o, "arg", g);
	bad |= json_object_set_new(o, "at_ms", json_integer((json_int_t)at_ms));
	a = g = NULL;
	if (bad) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	*out = json_dumps(o, JSON_COMPACT);
	if (!*out)
		e = CA_ERR_NOMEM;
out:
	json_decref(a);
	json_decref(g);
	json_decref(o);
	return e;
}

/* What change_write() does to the domain row. */
enum write_mode { W_INSERT, W_UPDATE, W_DELETE };

/* Write app's domain row (or delete it), for change_write(). */
static ca_err row_write(struct store *st, enum write_mode mode,
			const struct ca_app *app)
{
	static const char ins[] =
		"INSERT INTO applications(id, account, app_status, created_ms,"
		" updated_ms, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char upd[] =
		"UPDATE applications SET account = ?2, app_status = ?3,"
		" created_ms = ?4, updated_ms = ?5, body = ?6 WHERE id = ?1";
	static const char del[] = "DELETE FROM applications WHERE id = ?1";
	char cerr[CODEC_ERR_MAX], *body = NULL;
	struct ca_app *check = NULL;
	sqlite3_stmt *s = NULL;
	const char *what;
	ca_err e;
	int rc;

	if (mode == W_DELETE) {
		e = prep_bind(st, del, &s, "delete application", "t", app->id);
		if (e)
			goto out;
		if ((rc = sqlite3_step(s)) != SQLITE_DONE)
			e = db_fail(st, rc, "delete application");
		else if (sqlite3_changes(st->db) != 1)
			e = CA_ERR_NOT_FOUND;
		goto out;
	}

	/* Never write a body the codec would refuse to read back. */
	e = codec_app_to_text(app, &body);
	if (e)
		goto out;
	check = malloc(sizeof(*check));
	if (!check) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	e = codec_app_from_text(body, strlen(body), check, cerr, sizeof(cerr));
	if (e) {
		log_warn(TAG, "application %s not stored: %s", app->id, cerr);
		e = CA_ERR_INVALID;
		goto out;
	}
	what = mode == W_INSERT ? "insert application" : "update application";
	e = prep_bind(st, mode == W_INSERT ? ins : upd, &s, what, "tttiit", app->id, app->account,
		      ca_app_status_id(app->app_status), (int64_t)app->created_ms,
		      (int64_t)app->updated_ms, body);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		e = db_fail(st, rc, what);
		goto out;
	}
	if (sqlite3_changes(st->db) != 1)
		e = CA_ERR_NOT_FOUND;
out:
	sqlite3_finalize(s);
	free(check);
	free(body);
	return e;
}

/* Append one history row. */
static ca_err history_add(struct store *st, const char *app_id, int64_t at_ms,
			  const char *action, const struct ca_state *from,
			  const struct ca_state *to, const char *note)
{
	static const char sql[] =
		"INSERT INTO app_history(app_id, at_ms, action, from_app, from_pay,"
		" from_proc, from_pickup, to_app, to_pay, to_proc, to_pickup, note)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep_bind(st, sql, &s, "insert history", "titttttttttt", app_id, (int64_t)at_ms,
		      action, ca_app_status_id(from->app), ca_pay_status_id(from->pay),
		      ca_proc_status_id(from->proc), ca_pickup_id(from->pickup),
		      ca_app_status_id(to->app), ca_pay_status_id(to->pay),
		      ca_proc_status_id(to->proc), ca_pickup_id(to->pickup), note ? note : "");
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		e = db_fail(st, rc, "insert history");
out:
	sqlite3_finalize(s);
	return e;
}

/*
 * The rows of one state change, inside the caller's transaction: the domain
 * row (insert, update or delete), a history row (not for delete: it goes
 * with the application) and the outbox row of kind op. from is the state
 * before; app is the record after (before, for delete).
 */
static ca_err change_write(struct store *st, enum write_mode mode,
			   const char *op, const struct ca_state *from,
			   const struct ca_app *app, const char *arg,
			   int64_t now_ms)
{
	struct ca_state to = ca_state_of(app);
	char *payload = NULL;
	ca_err e;

	/* Never outside a transaction: the three rows are one change, and a
	 * crash between them must leave none. */
	assert(!sqlite3_get_autocommit(st->db));
	e = row_write(st, mode, app);
	if (!e && mode != W_DELETE)
		e = history_add(st, app->id, now_ms,
				mode == W_INSERT ? "create" : op, from, &to, arg);
	if (!e)
		e = payload_make(op, app, arg, now_ms, &payload);
	if (!e)
		e = store_outbox_enqueue(st, app->id, op, payload, now_ms, NULL);
	free(payload);
	return e;
}

/* One info line per committed change, for the operator's log. The account
 * is a phone number: masked, like every personal field that reaches a log. */
static void log_change(const char *op, const struct ca_state *from,
		       const struct ca_app *app)
{
	/* The application by its id only: the kiosk's log names no person
	 * (docs/privacy.md). */
	log_info(TAG, "%s %s: %s/%s/%s -> %s/%s/%s", op, app->id,
		 ca_app_status_id(from->app), ca_pay_status_id(from->pay),
		 ca_proc_status_id(from->proc), ca_app_status_id(app->app_status),
		 ca_pay_status_id(app->pay_status), ca_proc_status_id(app->proc_status));
}

/* Insert a new draft with its history and outbox rows. */
ca_err store_app_create(struct store *st, struct ca_app *app, int64_t now_ms)
{
	struct ca_app *a = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;

	if (!uuid_valid(app->id) || !app->account[0] ||
	    app->app_status != CA_APP_DRAFT || app->pay_status != CA_PAY_UNPAID ||
	    app->proc_status != CA_PROC_NONE)
		return CA_ERR_ARG;
	a = malloc(sizeof(*a));
	if (!a)
		return CA_ERR_NOMEM;
	*a = *app;
	ca_app_normalize(a);
	a->created_ms = now_ms;
	a->updated_ms = now_ms;
	from = ca_state_of(a);

	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = change_write(st, W_INSERT, fsm_action_id(CA_ACT_SAVE), &from, a, NULL,
			 now_ms);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	log_change("create", &from, a);
	*app = *a;
out:
	if (e && began)
		store_rollback(st);
	free(a);
	return e;
}

/* Save the form fields of app onto the stored record (修改保存). */
ca_err store_app_save(struct store *st, struct ca_app *app, int64_t now_ms)
{
	struct ca_app *cur = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;

	if (!uuid_valid(app->id))
		return CA_ERR_ARG;
	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = app_load(st, app->id, cur);
	if (e)
		goto out;
	from = ca_state_of(cur);
	if (!fsm_allowed(&from, CA_ACT_SAVE)) {
		e = CA_ERR_FORBIDDEN;
		goto out;
	}
	ca_app_copy_form(cur, app);
	ca_app_normalize(cur);
	cur->updated_ms = now_ms;
	e = change_write(st, W_UPDATE, fsm_action_id(CA_ACT_SAVE), &from, cur,
			 NULL, now_ms);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	log_change(fsm_action_id(CA_ACT_SAVE), &from, cur);
	*app = *cur;
out:
	if (e && began)
		store_rollback(st);
	free(cur);
	return e;
}

/*
 * Load application id, apply action a through the status table and write
 * the change (domain row, history, outbox row), inside the caller's
 * transaction. *cur gets the record after the change (for delete: as it
 * was), *from the state before. Shared by store_app_act and
 * store_intent_collected, so a collect is the same rows either way.
 */
static ca_err act_in_tx(struct store *st, const char *id, enum ca_action a,
			const char *arg, int today, int64_t now_ms,
			struct ca_app *cur, struct ca_state *from,
			struct valid_report *report)
{
	struct ca_app *before = NULL;
	ca_err e;

	before = malloc(sizeof(*before));
	if (!before)
		return CA_ERR_NOMEM;
	e = app_load(st, id, cur);
	if (e)
		goto out;
	*before = *cur;
	*from = ca_state_of(cur);
	e = fsm_apply(cur, a, arg, today, report);
	if (e)
		goto out;
	if (a == CA_ACT_DELETE) {
		*cur = *before;
		e = change_write(st, W_DELETE, fsm_action_id(a), from, cur, NULL,
				 now_ms);
	} else {
		cur->updated_ms = now_ms;
		e = change_write(st, W_UPDATE, fsm_action_id(a), from, cur,
				 act_text(cur, a), now_ms);
	}
out:
	free(before);
	return e;
}

/* Apply action a to the stored record through the status table. */
ca_err store_app_act(struct store *st, const char *id, enum ca_action a,
		     const char *arg, int today, int64_t now_ms,
		     struct ca_app *out, struct valid_report *report)
{
	struct ca_app *cur = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;

	if (report)
		report->n = 0;
	/* Save has its own entry point; edit and view_details change nothing. */
	if (!id || (unsigned)a >= CA_ACT__N || a == CA_ACT_SAVE || a == CA_ACT_EDIT ||
	    a == CA_ACT_VIEW_DETAILS)
		return CA_ERR_ARG;
	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = act_in_tx(st, id, a, arg, today, now_ms, cur, &from, report);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	if (a == CA_ACT_DELETE)
		store_scrub(st); /* the draft's old pages leave the WAL */
	log_change(fsm_action_id(a), &from, cur);
	if (out)
		*out = *cur;
out:
	if (e && began)
		store_rollback(st);
	free(cur);
	return e;
}

/* Read one application. */
ca_err store_app_get(struct store *st, const char *id, struct ca_app *app)
{
	return app_load(st, id, app);
}

/* List the applications of account, newest first, filtered by status. */
ca_err store_app_each(struct store *st, const char *account, unsigned app_mask,
		      store_app_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, app_status, body FROM applications WHERE account = ?1"
		" ORDER BY created_ms DESC, rowid DESC";
	char cerr[CODEC_ERR_MAX], id[CA_UUID_LEN + 1];
	struct ca_app *app = NULL;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc, status;

	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	e = prep_bind(st, sql, &s, "list applications", "t", account);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		status = ca_app_status_from_id((const char *)sqlite3_column_text(s, 1));
		if (status >= 0 && status < 32 && !(app_mask & (1u << status)))
			continue;
		if (codec_app_from_text((const char *)sqlite3_column_text(s, 2),
					(size_t)sqlite3_column_bytes(s, 2), app, cerr,
					sizeof(cerr)) != CA_OK) {
			/* One damaged row must not hide the others: skip it. */
			if (!sqlkit_col_copy(s, 0, id, sizeof(id)))
				snprintf(id, sizeof(id), "?");
			log_error(TAG, "%s: application %s unreadable, skipped: %s",
				  st->path, id, cerr);
			continue;
		}
		if (!(app_mask & (1u << app->app_status)))
			continue;
		if (fn(app, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(st, rc, "list applications");
out:
	sqlite3_finalize(s);
	free(app);
	return e;
}

/* Read a history row's state (4 identifier columns from col). */
static bool state_cols(sqlite3_stmt *s, int col, struct ca_state *out)
{
	int a = ca_app_status_from_id((const char *)sqlite3_column_text(s, col));
	int p = ca_pay_status_from_id((const char *)sqlite3_column_text(s, col + 1));
	int r = ca_proc_status_from_id((const char *)sqlite3_column_text(s, col + 2));
	int k = ca_pickup_from_id((const char *)sqlite3_column_text(s, col + 3));

	if (a < 0 || p < 0 || r < 0 || k < 0)
		return false;
	out->app = (enum ca_app_status)a;
	out->pay = (enum ca_pay_status)p;
	out->proc = (enum ca_proc_status)r;
	out->pickup = (enum ca_pickup)k;
	return true;
}

/* Walk the history of one application, oldest first. */
ca_err store_history_each(struct store *st, const char *id,
			  store_history_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT at_ms, action, from_app, from_pay, from_proc, from_pickup,"
		" to_app, to_pay, to_proc, to_pickup, note FROM app_history"
		" WHERE app_id = ?1 ORDER BY seq";
	struct store_history *h = NULL;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc, act;

	h = malloc(sizeof(*h));
	if (!h)
		return CA_ERR_NOMEM;
	e = prep_bind(st, sql, &s, "read history", "t", id);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(h, 0, sizeof(*h));
		h->at_ms = sqlite3_column_int64(s, 0);
		if (!sqlkit_col_copy(s, 1, h->action_id, sizeof(h->action_id)) ||
		    !state_cols(s, 2, &h->from) || !state_cols(s, 6, &h->to) ||
		    !sqlkit_col_copy(s, 10, h->note, sizeof(h->note))) {
			log_error(TAG, "%s: history of %s: unreadable row", st->path, id);
			e = CA_ERR_CORRUPT;
			goto out;
		}
		act = fsm_action_from_id(h->action_id);
		h->action = act >= 0 ? (enum ca_action)act : CA_ACT__N;
		if (fn(h, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(st, rc, "read history");
out:
	sqlite3_finalize(s);
	free(h);
	return e;
}

/* ---- processing records ---- */

/* Insert or replace one processing record. */
ca_err store_record_put(struct store *st, const struct ca_proc_record *rec)
{
	static const char sql[] =
		"INSERT INTO proc_records(id, app_id, at_ms, body)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
		" app_id = excluded.app_id, at_ms = excluded.at_ms,"
		" body = excluded.body";
	char cerr[CODEC_ERR_MAX], *body = NULL;
	struct ca_proc_record check;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	if (!uuid_valid(rec->id) || !uuid_valid(rec->app_id))
		return CA_ERR_ARG;
	e = codec_record_to_text(rec, &body);
	if (e)
		goto out;
	e = codec_record_from_text(body, strlen(body), &check, cerr, sizeof(cerr));
	if (e) {
		log_warn(TAG, "processing record %s not stored: %s", rec->id, cerr);
		e = CA_ERR_INVALID;
		goto out;
	}
	e = prep_bind(st, sql, &s, "put processing record", "ttit", rec->id, rec->app_id,
		      (int64_t)rec->at_ms, body);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		e = db_fail(st, rc, "put processing record");
out:
	sqlite3_finalize(s);
	free(body);
	return e;
}

/* Walk the processing records of one application, oldest first. */
ca_err store_record_each(struct store *st, const char *app_id,
			 store_record_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, body FROM proc_records WHERE app_id = ?1"
		" ORDER BY at_ms, id";
	char cerr[CODEC_ERR_MAX], id[CA_UUID_LEN + 1];
	struct ca_proc_record rec;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep_bind(st, sql, &s, "read processing records", "t", app_id);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (codec_record_from_text((const char *)sqlite3_column_text(s, 1),
					   (size_t)sqlite3_column_bytes(s, 1), &rec,
					   cerr, sizeof(cerr)) != CA_OK) {
			if (!sqlkit_col_copy(s, 0, id, sizeof(id)))
				snprintf(id, sizeof(id), "?");
			log_error(TAG, "%s: processing record %s unreadable, skipped: %s",
				  st->path, id, cerr);
			continue;
		}
		if (fn(&rec, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(st, rc, "read processing records");
out:
	sqlite3_finalize(s);
	return e;
}

/* ---- outbox ---- */

/* Add one row to the outbox, inside the caller's transaction. */
ca_err store_outbox_enqueue(struct store *st, const char *app_id,
			    const char *kind, const char *payload,
			    int64_t now_ms, char key_out[CA_UUID_LEN + 1])
{
	static const char sql[] =
		"INSERT INTO outbox(idem_key, app_id, kind, payload, attempts,"
		" next_at_ms, state, created_ms)"
		" VALUES (?1, ?2, ?3, ?4, 0, ?5, 'pending', ?5)";
	char key[CA_UUID_LEN + 1];
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	/* The outbox row must commit or fail with the change it reports. */
	assert(sqlite3_get_autocommit(st->db) == 0);
	if (sqlite3_get_autocommit(st->db)) /* NDEBUG builds: refuse, never write alone */
		return CA_ERR_ARG;
	if (!app_id || !app_id[0] || !kind || !kind[0] || !payload)
		return CA_ERR_ARG;
	if (!fits(app_id, sizeof(((struct store_outbox_item *)0)->app_id)) ||
	    !fits(kind, sizeof(((struct store_outbox_item *)0)->kind)) ||
	    strnlen(payload, STORE_PAYLOAD_MAX + 1) > STORE_PAYLOAD_MAX)
		return CA_ERR_TOO_LONG;
	e = uuid_v4(key);
	if (e)
		return e;
	e = prep_bind(st, sql, &s, "enqueue outbox row", "tttti", key, app_id, kind, payload,
		      (int64_t)now_ms);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		e = db_fail(st, rc, "enqueue outbox row");
		goto out;
	}
	if (key_out)
		memcpy(key_out, key, sizeof(key));
out:
	sqlite3_finalize(s);
	return e;
}

/* Copy one outbox row from s into *it. */
static ca_err item_read(sqlite3_stmt *s, struct store_outbox_item *it)
{
	const char *p = (const char *)sqlite3_column_text(s, 4);
	size_t len = (size_t)sqlite3_column_bytes(s, 4);

	memset(it, 0, sizeof(*it));
	it->seq = sqlite3_column_int64(s, 0);
	if (!sqlkit_col_copy(s, 1, it->key, sizeof(it->key)) ||
	    !sqlkit_col_copy(s, 2, it->app_id, sizeof(it->app_id)) ||
	    !sqlkit_col_copy(s, 3, it->kind, sizeof(it->kind)) || !p ||
	    len > STORE_PAYLOAD_MAX)
		return CA_ERR_CORRUPT;
	it->payload = malloc(len + 1);
	if (!it->payload)
		return CA_ERR_NOMEM;
	memcpy(it->payload, p, len);
	it->payload[len] = '\0';
	it->attempts = sqlite3_column_int(s, 5);
	it->next_at_ms = sqlite3_column_int64(s, 6);
	it->created_ms = sqlite3_column_int64(s, 7);
	return CA_OK;
}

/* The next due rows, FIFO per application. */
ca_err store_outbox_next(struct store *st, int64_t now_ms, int max,
			 struct store_outbox_item *items, int *n)
{
	static const char sql[] =
		"SELECT seq, idem_key, app_id, kind, payload, attempts, next_at_ms,"
		" created_ms FROM outbox AS o"
		" WHERE o.state = 'pending' AND o.next_at_ms <= ?1"
		" AND NOT EXISTS (SELECT 1 FROM outbox AS p"
		"  WHERE p.app_id = o.app_id AND p.seq < o.seq"
		"  AND p.state = 'pending' AND p.next_at_ms > ?1)"
		" ORDER BY o.seq LIMIT ?2";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc, got = 0;

	assert(n && (items || max <= 0));
	*n = 0;
	if (max <= 0)
		return CA_OK;
	e = prep_bind(st, sql, &s, "read outbox", "in", (int64_t)now_ms, (int)max);
	if (e)
		goto out;
	while (got < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		e = item_read(s, &items[got]);
		if (e) {
			free(items[got].payload);
			items[got].payload = NULL;
			if (e == CA_ERR_CORRUPT)
				log_error(TAG, "%s: outbox row %lld unreadable", st->path,
					  (long long)sqlite3_column_int64(s, 0));
			goto out;
		}
		got++;
	}
	if (got < max && rc != SQLITE_DONE)
		e = db_fail(st, rc, "read outbox");
out:
	sqlite3_finalize(s);
	if (e) {
		store_outbox_items_release(items, got);
		got = 0;
	}
	*n = got;
	return e;
}

/* Free the payloads handed out by store_outbox_next. */
void store_outbox_items_release(struct store_outbox_item *items, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(items[i].payload);
		items[i].payload = NULL;
	}
}

/* Run one UPDATE/DELETE on outbox row seq; CA_ERR_NOT_FOUND when no row
 * changed. Text parameter 2 is error, cut to STORE_ERROR_MAX bytes. */
static ca_err outbox_update(struct store *st, const char *sql, int64_t seq,
			    int64_t next_at_ms, const char *error,
			    const char *what)
{
	char msg[STORE_ERROR_MAX + 1];
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	utf8_copy(msg, sizeof(msg), error ? error : "", sizeof(msg));
	e = prep(st, sql, &s);
	if (e)
		goto out;
	/* ?2 (error) and ?3 (next_at_ms) only where the statement has them. */
	if ((rc = sqlite3_bind_int64(s, 1, seq)) != SQLITE_OK ||
	    (sqlite3_bind_parameter_count(s) >= 2 &&
	     (rc = sqlite3_bind_text(s, 2, msg, -1, SQLITE_STATIC)) != SQLITE_OK) ||
	    (sqlite3_bind_parameter_count(s) >= 3 &&
	     (rc = sqlite3_bind_int64(s, 3, next_at_ms)) != SQLITE_OK) ||
	    (rc = sqlite3_step(s)) != SQLITE_DONE) {
		e = db_fail(st, rc, what);
		goto out;
	}
	if (sqlite3_changes(st->db) == 0)
		e = CA_ERR_NOT_FOUND;
out:
	sqlite3_finalize(s);
	return e;
}

/* The hub has it: remove the row. */
ca_err store_outbox_mark_sent(struct store *st, int64_t seq)
{
	return outbox_update(st, "DELETE FROM outbox WHERE seq = ?1", seq, 0, NULL,
			     "outbox mark sent");
}

/* Count a failed attempt and set the next attempt time; key unchanged. */
ca_err store_outbox_mark_failed(struct store *st, int64_t seq,
				int64_t next_at_ms, const char *error)
{
	return outbox_update(st,
			     "UPDATE outbox SET attempts = attempts + 1,"
			     " last_error = ?2, next_at_ms = ?3"
			     " WHERE seq = ?1 AND state = 'pending'",
			     seq, next_at_ms, error, "outbox mark failed");
}

/* Open a transaction unless the caller has one; *own says which. */
static ca_err tx_open(struct store *st, bool *own)
{
	*own = sqlite3_get_autocommit(st->db) != 0;
	return *own ? store_begin(st) : CA_OK;
}

/* Finish what tx_open started: commit on success, roll back on e. In the
 * caller's transaction nothing happens (the caller decides). */
static ca_err tx_close(struct store *st, bool own, ca_err e)
{
	if (!own)
		return e;
	if (e) {
		store_rollback(st);
		return e;
	}
	return store_commit(st);
}

static ca_err reconcile(struct store *st, const char *app_id, int64_t now_ms,
			bool *changed);

/* The app_id of outbox row seq (and its kind, if kind is not NULL). */
static ca_err outbox_row_app(struct store *st, int64_t seq,
			     char app_id[CA_UUID_LEN + 1], char kind[24])
{
	static const char sql[] = "SELECT app_id, kind FROM outbox WHERE seq = ?1";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep_bind(st, sql, &s, "read outbox row", "i", (int64_t)seq);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		e = CA_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "read outbox row");
		goto out;
	}
	if (!sqlkit_col_copy(s, 0, app_id, CA_UUID_LEN + 1) ||
	    (kind && !sqlkit_col_copy(s, 1, kind, 24)))
		e = CA_ERR_CORRUPT;
out:
	sqlite3_finalize(s);
	return e;
}

/* Refused for good: park the row with the hub's message, then let the hub's
 * snapshot of the application stand if nothing else of it is pending. */
ca_err store_outbox_park(struct store *st, int64_t seq, const char *error)
{
	char app_id[CA_UUID_LEN + 1];
	bool own;
	ca_err e;

	e = tx_open(st, &own);
	if (e)
		return e;
	e = outbox_row_app(st, seq, app_id, NULL);
	if (!e)
		e = outbox_update(st,
				  "UPDATE outbox SET state = 'parked', last_error = ?2"
				  " WHERE seq = ?1",
				  seq, 0, error, "outbox park");
	if (!e && uuid_valid(app_id))
		e = reconcile(st, app_id, 0, NULL);
	return tx_close(st, own, e);
}

/* How many rows wait, and how many are parked. */
ca_err store_outbox_depth(struct store *st, int *pending, int *parked)
{
	static const char sql[] =
		"SELECT coalesce(sum(state = 'pending'), 0),"
		" coalesce(sum(state = 'parked'), 0) FROM outbox";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep(st, sql, &s);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "outbox depth");
		goto out;
	}
	if (pending)
		*pending = sqlite3_column_int(s, 0);
	if (parked)
		*parked = sqlite3_column_int(s, 1);
out:
	sqlite3_finalize(s);
	return e;
}

/* Pending outbox rows of one application. */
ca_err store_outbox_app_pending(struct store *st, const char *app_id, int *n)
{
	static const char sql[] =
		"SELECT count(*) FROM outbox WHERE app_id = ?1 AND state = 'pending'";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	*n = 0;
	e = prep(st, sql, &s);
	if (e)
		goto out;
	sqlite3_bind_text(s, 1, app_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "outbox rows of an application");
		goto out;
	}
	*n = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return e;
}

/* The earliest next attempt time of a pending row. */
ca_err store_outbox_next_at(struct store *st, int64_t *at_ms)
{
	static const char sql[] =
		"SELECT min(next_at_ms) FROM outbox WHERE state = 'pending'";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	*at_ms = INT64_MAX;
	e = prep(st, sql, &s);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "outbox next time");
		goto out;
	}
	if (sqlite3_column_type(s, 0) != SQLITE_NULL)
		*at_ms = sqlite3_column_int64(s, 0);
out:
	sqlite3_finalize(s);
	return e;
}

/* ---- sync with the hub ---- */

/* Keep the hub's snapshot app unless a newer one (or a tombstone) is kept. */
static ca_err remote_put(struct store *st, const struct ca_app *app)
{
	static const char sql[] =
		"INSERT INTO remote_apps(id, rev, deleted, body) VALUES (?1, ?2, 0, ?3)"
		" ON CONFLICT(id) DO UPDATE SET rev = excluded.rev, body = excluded.body"
		" WHERE remote_apps.deleted = 0 AND excluded.rev > remote_apps.rev";
	char *body = NULL;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	if (!uuid_valid(app->id))
		return CA_ERR_ARG;
	e = codec_app_to_text(app, &body);
	if (e)
		goto out;
	e = prep_bind(st, sql, &s, "keep hub snapshot", "tit", app->id, (int64_t)app->rev, body);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		e = db_fail(st, rc, "keep hub snapshot");
out:
	sqlite3_finalize(s);
	free(body);
	return e;
}

/* Tombstone application id: deleted here and acknowledged by the hub. */
static ca_err remote_tombstone(struct store *st, const char *id)
{
	static const char sql[] =
		"INSERT INTO remote_apps(id, rev, deleted, body) VALUES (?1, 0, 1, NULL)"
		" ON CONFLICT(id) DO UPDATE SET deleted = 1, body = NULL";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep_bind(st, sql, &s, "tombstone", "t", id);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		e = db_fail(st, rc, "tombstone");
out:
	sqlite3_finalize(s);
	return e;
}

/* Whether application id has a pending outbox row, into *yes. */
static ca_err has_pending(struct store *st, const char *id, bool *yes)
{
	static const char sql[] =
		"SELECT EXISTS (SELECT 1 FROM outbox WHERE app_id = ?1"
		" AND state = 'pending')";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	*yes = true;
	e = prep(st, sql, &s);
	if (e)
		goto out;
	if ((rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_step(s)) != SQLITE_ROW) {
		e = db_fail(st, rc, "pending rows");
		goto out;
	}
	*yes = sqlite3_column_int(s, 0) != 0;
out:
	sqlite3_finalize(s);
	return e;
}

/* The kept snapshot of id into *app; *found false when there is none or it
 * is a tombstone. */
static ca_err remote_get(struct store *st, const char *id, struct ca_app *app,
			 bool *found)
{
	static const char sql[] =
		"SELECT body FROM remote_apps WHERE id = ?1 AND deleted = 0";
	char cerr[CODEC_ERR_MAX];
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	*found = false;
	e = prep_bind(st, sql, &s, "read hub snapshot", "t", id);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		goto out;
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "read hub snapshot");
		goto out;
	}
	if (codec_app_from_text((const char *)sqlite3_column_text(s, 0),
				(size_t)sqlite3_column_bytes(s, 0), app, cerr,
				sizeof(cerr)) != CA_OK) {
		log_error(TAG, "%s: hub snapshot of %s unreadable: %s", st->path, id,
			  cerr);
		e = CA_ERR_CORRUPT;
		goto out;
	}
	*found = true;
out:
	sqlite3_finalize(s);
	return e;
}

/* The note of a history row "hub": what the new state carries. */
static const char *hub_note(const struct ca_app *app)
{
	if (app->app_status == CA_APP_REJECTED)
		return app->reject_reason;
	if (app->proc_status == CA_PROC_SHIPPED)
		return app->tracking_no;
	return "";
}

/*
 * Apply the kept hub snapshot of app_id to the local application when the
 * rule of store.h allows it (no pending row, newer rev). Inside the
 * caller's transaction. *changed (may be NULL) says whether it did.
 */
static ca_err reconcile(struct store *st, const char *app_id, int64_t now_ms,
			bool *changed)
{
	struct ca_app *remote = NULL, *local = NULL;
	struct ca_state from, to;
	bool found, pending, exists;
	ca_err e;

	if (changed)
		*changed = false;
	remote = malloc(sizeof(*remote));
	local = malloc(sizeof(*local));
	if (!remote || !local) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	/* The cheap check first: most calls end here while rows wait. */
	e = has_pending(st, app_id, &pending);
	if (e || pending)
		goto out;
	e = remote_get(st, app_id, remote, &found);
	if (e || !found)
		goto out;
	e = app_load(st, app_id, local);
	if (e && e != CA_ERR_NOT_FOUND)
		goto out;
	exists = e == CA_OK;
	e = CA_OK;
	if (exists && local->rev >= remote->rev)
		goto out;
	from = exists ? ca_state_of(local) : ca_state_of(remote);
	to = ca_state_of(remote);
	e = row_write(st, exists ? W_UPDATE : W_INSERT, remote);
	if (e)
		goto out;
	if (!exists || memcmp(&from, &to, sizeof(from)) != 0) {
		e = history_add(st, app_id, now_ms ? now_ms : remote->updated_ms,
				exists ? "hub" : "create", &from, &to,
				hub_note(remote));
		if (e)
			goto out;
	}
	if (changed)
		*changed = true;
	log_debug(TAG, "hub rev %lld of %s applied: %s/%s/%s", (long long)remote->rev,
		  app_id, ca_app_status_id(to.app), ca_pay_status_id(to.pay),
		  ca_proc_status_id(to.proc));
out:
	free(remote);
	free(local);
	return e;
}

/* The hub has row seq: remove it, keep and apply its answer, one transaction. */
ca_err store_outbox_sent(struct store *st, int64_t seq,
			 const struct ca_app *hub_app, int64_t now_ms)
{
	char app_id[CA_UUID_LEN + 1], kind[24];
	bool own;
	ca_err e;

	e = tx_open(st, &own);
	if (e)
		return e;
	e = outbox_row_app(st, seq, app_id, kind);
	if (!e)
		e = store_outbox_mark_sent(st, seq);
	if (e || !uuid_valid(app_id))
		goto out;
	if (strcmp(kind, "delete") == 0) {
		e = remote_tombstone(st, app_id);
		goto out;
	}
	if (hub_app && strcmp(hub_app->id, app_id) == 0)
		e = remote_put(st, hub_app);
	else if (hub_app)
		log_warn(TAG, "hub answered row %lld with another application, ignored",
			 (long long)seq);
	if (!e)
		e = reconcile(st, app_id, now_ms, NULL);
out:
	return tx_close(st, own, e);
}

/* Names in sync_state: the feed cursor, and the hub store's epoch it
 * belongs to (0 or absent: none known yet). */
#define FEED_CURSOR "feed_cursor"
#define FEED_EPOCH "feed_epoch"

/* The named integer of sync_state into *v (0 when absent). */
static ca_err state_get(struct store *st, const char *name, int64_t *v)
{
	static const char sql[] = "SELECT value FROM sync_state WHERE name = ?1";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	*v = 0;
	e = prep_bind(st, sql, &s, "read sync state", "t", name);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		e = db_fail(st, rc, "read sync state");
out:
	sqlite3_finalize(s);
	return e;
}

/* Set the named integer of sync_state to v: forward or back, or with
 * forward_only never back (the feed cursor while it is applied). */
static ca_err state_set(struct store *st, const char *name, int64_t v, bool forward_only)
{
	static const char any[] =
		"INSERT INTO sync_state(name, value) VALUES (?1, ?2)"
		" ON CONFLICT(name) DO UPDATE SET value = excluded.value";
	static const char fwd[] =
		"INSERT INTO sync_state(name, value) VALUES (?1, ?2)"
		" ON CONFLICT(name) DO UPDATE SET value = excluded.value"
		" WHERE excluded.value > sync_state.value";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = prep_bind(st, forward_only ? fwd : any, &s, "write sync state", "ti", name,
		      (int64_t)v);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		e = db_fail(st, rc, "write sync state");
out:
	sqlite3_finalize(s);
	return e;
}

/* The change-feed cursor. */
ca_err store_feed_cursor(struct store *st, int64_t *cursor)
{
	return state_get(st, FEED_CURSOR, cursor);
}

ca_err store_feed_epoch(struct store *st, int64_t *epoch)
{
	return state_get(st, FEED_EPOCH, epoch);
}

/* Set the rev of every local application to 0 (in a transaction): after
 * a reset, any snapshot of the new epoch is newer. */
static ca_err revs_forget(struct store *st)
{
	static const char sql[] = "SELECT id FROM applications";
	char (*ids)[CA_UUID_LEN + 1] = NULL, (*more)[CA_UUID_LEN + 1];
	struct ca_app *app = malloc(sizeof(*app));
	sqlite3_stmt *s = NULL;
	size_t n = 0, cap = 0, i;
	ca_err e;
	int rc;

	if (!app)
		return CA_ERR_NOMEM;
	e = prep(st, sql, &s);
	if (e)
		goto out;
	/* The ids first: the rows are rewritten after the scan, not during it. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			more = realloc(ids, cap * sizeof(*ids));
			if (!more) {
				e = CA_ERR_NOMEM;
				goto out;
			}
			ids = more;
		}
		if (!sqlkit_col_copy(s, 0, ids[n], sizeof(ids[n]))) {
			e = CA_ERR_SCHEMA;
			goto out;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		e = db_fail(st, rc, "list applications");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	for (i = 0; i < n && !e; i++) {
		e = app_load(st, ids[i], app);
		if (!e && app->rev != 0) {
			app->rev = 0;
			e = row_write(st, W_UPDATE, app);
		}
	}
out:
	sqlite3_finalize(s);
	free(ids);
	free(app);
	return e;
}

ca_err store_feed_reset(struct store *st, int64_t epoch)
{
	bool own;
	ca_err e;

	if (epoch <= 0)
		return CA_ERR_ARG;
	e = tx_open(st, &own);
	if (e)
		return e;
	e = state_set(st, FEED_CURSOR, 0, false);
	if (!e)
		e = state_set(st, FEED_EPOCH, epoch, false);
	if (!e)
		e = exec(st, "DELETE FROM remote_apps WHERE deleted = 0", "forget hub snapshots");
	if (!e)
		e = revs_forget(st);
	e = tx_close(st, own, e);
	if (!e)
		log_info(TAG, "%s: feed cursor reset to 0 for the hub store epoch %lld",
			 st->path, (long long)epoch);
	return e;
}

/* Keep where an application's key waits (the newest row wins). */
static ca_err pickup_put(struct store *st, const struct store_pickup *p)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO pickups(app_id, kiosk, slot, at_ms)"
		" VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	if (!uuid_valid(p->app_id))
		return CA_ERR_ARG;
	e = prep_bind(st, sql, &s, "write pickup", "ttti", p->app_id, p->kiosk, p->slot,
		      (int64_t)p->at_ms);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		e = db_fail(st, rc, "write pickup");
out:
	sqlite3_finalize(s);
	return e;
}

ca_err store_pickup_get(struct store *st, const char *app_id, struct store_pickup *out)
{
	static const char sql[] =
		"SELECT kiosk, slot, at_ms FROM pickups WHERE app_id = ?1";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	assert(st && out);
	memset(out, 0, sizeof(*out));
	if (!app_id || !uuid_valid(app_id))
		return CA_ERR_ARG;
	e = prep_bind(st, sql, &s, "read pickup", "t", app_id);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		e = CA_ERR_NOT_FOUND;
	} else if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "read pickup");
	} else {
		snprintf(out->app_id, sizeof(out->app_id), "%s", app_id);
		if (!sqlkit_col_copy(s, 0, out->kiosk, sizeof(out->kiosk)) ||
		    !sqlkit_col_copy(s, 1, out->slot, sizeof(out->slot)))
			e = CA_ERR_SCHEMA;
		out->at_ms = sqlite3_column_int64(s, 2);
	}
out:
	sqlite3_finalize(s);
	return e;
}

/* One feed batch and its cursor, in one transaction. */
ca_err store_feed_apply(struct store *st, const struct store_change *ch, int n,
			int64_t next, int64_t now_ms, int *applied)
{
	bool own, changed;
	ca_err e;
	int i, count = 0;

	if (applied)
		*applied = 0;
	if (n < 0 || (n > 0 && !ch))
		return CA_ERR_ARG;
	e = tx_open(st, &own);
	if (e)
		return e;
	for (i = 0; i < n && !e; i++) {
		switch (ch[i].kind) {
		case STORE_CHANGE_APP:
			e = remote_put(st, &ch[i].u.app);
			if (!e)
				e = reconcile(st, ch[i].u.app.id, now_ms, &changed);
			if (!e && changed)
				count++;
			break;
		case STORE_CHANGE_RECORD:
			e = store_record_put(st, &ch[i].u.rec);
			break;
		case STORE_CHANGE_PICKUP:
			e = pickup_put(st, &ch[i].u.pickup);
			break;
		default:
			e = CA_ERR_ARG;
			break;
		}
	}
	if (!e)
		e = state_set(st, FEED_CURSOR, next, true);
	e = tx_close(st, own, e);
	if (!e && applied)
		*applied = count;
	return e;
}

/* ---- dispense intents (schema version 3) ---- */

/* Whether slot and a device seq are in the ranges the table accepts. */
static bool intent_args_ok(int slot, unsigned dev_last_seq)
{
	return slot >= 1 && slot <= STORE_SLOT_MAX && dev_last_seq <= 255;
}

/* The pending intent into *it; *found false when there is none. */
static ca_err intent_get(struct store *st, struct store_intent *it, bool *found)
{
	static const char sql[] =
		"SELECT seq, app_id, slot, dev_last_seq, created_ms"
		" FROM dispense_intents WHERE state = 'pending'";
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	*found = false;
	memset(it, 0, sizeof(*it));
	e = prep(st, sql, &s);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		goto out;
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "read dispense intent");
		goto out;
	}
	it->seq = sqlite3_column_int64(s, 0);
	if (!sqlkit_col_copy(s, 1, it->app_id, sizeof(it->app_id))) {
		e = CA_ERR_CORRUPT;
		goto out;
	}
	it->slot = sqlite3_column_int(s, 2);
	it->dev_last_seq = (unsigned)sqlite3_column_int(s, 3);
	it->created_ms = sqlite3_column_int64(s, 4);
	*found = true;
out:
	sqlite3_finalize(s);
	return e;
}

/* The pending intent, if any. */
ca_err store_intent_pending(struct store *st, struct store_intent *it,
			    bool *found)
{
	assert(st && it && found);
	return intent_get(st, it, found);
}

/* Record that a key is about to be dispensed for app_id. */
ca_err store_intent_begin(struct store *st, const char *app_id, int slot,
			  unsigned dev_last_seq, int64_t now_ms,
			  struct store_intent *out)
{
	static const char sql[] =
		"INSERT INTO dispense_intents(app_id, slot, dev_last_seq, state,"
		" created_ms) VALUES (?1, ?2, ?3, 'pending', ?4)";
	struct store_intent cur;
	struct ca_app *app = NULL;
	struct ca_state from;
	sqlite3_stmt *s = NULL;
	bool began = false, found;
	ca_err e;
	int rc;

	if (!app_id || !uuid_valid(app_id) || !intent_args_ok(slot, dev_last_seq))
		return CA_ERR_ARG;
	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = intent_get(st, &cur, &found);
	if (!e && found) {
		log_warn(TAG, "dispense for %s refused: intent %lld for %s is pending",
			 app_id, (long long)cur.seq, cur.app_id);
		e = CA_ERR_CONFLICT;
	}
	if (!e)
		e = app_load(st, app_id, app);
	if (e)
		goto out;
	from = ca_state_of(app);
	if (!fsm_allowed(&from, CA_ACT_COLLECT)) {
		e = CA_ERR_FORBIDDEN;
		goto out;
	}
	e = prep_bind(st, sql, &s, "begin dispense intent", "tnni", app_id, (int)slot,
		      (int)dev_last_seq, (int64_t)now_ms);
	if (e)
		goto out;
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		e = db_fail(st, rc, "begin dispense intent");
		goto out;
	}
	if (out) {
		memset(out, 0, sizeof(*out));
		out->seq = sqlite3_last_insert_rowid(st->db);
		memcpy(out->app_id, app_id, CA_UUID_LEN + 1);
		out->slot = slot;
		out->dev_last_seq = dev_last_seq;
		out->created_ms = now_ms;
	}
	sqlite3_finalize(s);
	s = NULL;
	e = store_commit(st);
	began = false;
	if (!e)
		log_info(TAG, "dispense intent for %s: slot %d, device seq %u", app_id,
			 slot, dev_last_seq);
out:
	sqlite3_finalize(s);
	if (e && began)
		store_rollback(st);
	free(app);
	return e;
}

/* Close pending intent seq as state with result and detail, inside the
 * caller's transaction; CA_ERR_NOT_FOUND when seq is not pending. The
 * intent's app_id and slot into app_id / *slot. */
static ca_err intent_close(struct store *st, int64_t seq, const char *state,
			   const char *result, const char *detail, int64_t now_ms,
			   char app_id[CA_UUID_LEN + 1], int *slot)
{
	static const char sql[] =
		"UPDATE dispense_intents SET state = ?2, result = ?3, detail = ?4,"
		" resolved_ms = ?5 WHERE seq = ?1 AND state = 'pending'"
		" RETURNING app_id, slot";
	char d[STORE_ERROR_MAX + 1];
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	utf8_copy(d, sizeof(d), detail ? detail : "", sizeof(d));
	e = prep_bind(st, sql, &s, "close dispense intent", "ittti", (int64_t)seq, state, result,
		      d, (int64_t)now_ms);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		e = CA_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		e = db_fail(st, rc, "close dispense intent");
		goto out;
	}
	if (!sqlkit_col_copy(s, 0, app_id, CA_UUID_LEN + 1)) {
		e = CA_ERR_CORRUPT;
		goto out;
	}
	*slot = sqlite3_column_int(s, 1);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		e = db_fail(st, rc, "close dispense intent");
out:
	sqlite3_finalize(s);
	return e;
}

/* The device confirmed the key: close the intent and collect, one
 * transaction. */
ca_err store_intent_collected(struct store *st, int64_t seq, const char *detail,
			      int today, int64_t now_ms, struct ca_app *out)
{
	char app_id[CA_UUID_LEN + 1];
	struct ca_app *cur = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;
	int slot = 0;

	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = intent_close(st, seq, "collected", "ok", detail, now_ms, app_id, &slot);
	if (!e)
		e = act_in_tx(st, app_id, CA_ACT_COLLECT, NULL, today, now_ms, cur,
			      &from, NULL);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	log_change(fsm_action_id(CA_ACT_COLLECT), &from, cur);
	log_info(TAG, "dispense intent %lld: %s collected from slot %d", (long long)seq,
		 app_id, slot);
	if (out)
		*out = *cur;
out:
	if (e && began) {
		store_rollback(st);
		log_error(TAG, "dispense intent %lld: cannot record the collect: %s",
			  (long long)seq, ca_strerror(e));
	}
	free(cur);
	return e;
}

/* The fault record's payload: the usual {"op", "app", "arg", "at_ms"} with
 * "fault": {"kiosk", "slot", "result", "detail"}, into *out (malloc'd). */
static ca_err fault_payload(const struct ca_app *app, const char *kiosk_id,
			    int slot, const char *result, const char *detail,
			    int64_t at_ms, char **out)
{
	char *base = NULL;
	json_t *o = NULL, *f;
	ca_err e;

	*out = NULL;
	e = payload_make(STORE_KIND_DISPENSE_FAULT, app, result, at_ms, &base);
	if (e)
		return e;
	o = json_loads(base, 0, NULL);
	f = json_pack("{s:s, s:i, s:s, s:s}", "kiosk", kiosk_id ? kiosk_id : "",
		      "slot", slot, "result", result, "detail", detail ? detail : "");
	if (!o || !f || json_object_set_new(o, "fault", f)) {
		e = (o && !f) ? CA_ERR_INVALID : CA_ERR_NOMEM;
		if (!o)
			json_decref(f);
		goto out;
	}
	*out = json_dumps(o, JSON_COMPACT);
	if (!*out)
		e = CA_ERR_NOMEM;
out:
	json_decref(o);
	free(base);
	return e;
}

/* Outcome unknown: queue a fault record "unconfirmed" for the pending
 * intent seq, which stays pending; the application is not touched. */
ca_err store_intent_unconfirmed(struct store *st, int64_t seq, const char *detail,
				const char *kiosk_id, int64_t now_ms)
{
	char d[STORE_ERROR_MAX + 1], *payload = NULL;
	struct store_intent it;
	struct ca_app *app = NULL;
	bool found = false, began = false;
	ca_err e;

	utf8_copy(d, sizeof(d), detail ? detail : "", sizeof(d));
	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = store_intent_pending(st, &it, &found);
	if (!e && (!found || it.seq != seq))
		e = CA_ERR_CONFLICT;
	if (!e)
		e = app_load(st, it.app_id, app);
	if (!e)
		e = fault_payload(app, kiosk_id, it.slot, STORE_FAULT_UNCONFIRMED, d, now_ms,
				  &payload);
	if (!e)
		e = store_outbox_enqueue(st, it.app_id, STORE_KIND_DISPENSE_FAULT, payload,
					 now_ms, NULL);
	if (!e) {
		e = store_commit(st);
		began = false;
	}
	if (!e)
		log_warn(TAG, "dispense intent %lld: outcome of %s from slot %d unknown; "
			 "staff told (%s)", (long long)seq, it.app_id, it.slot, d);
out:
	if (e && began)
		store_rollback(st);
	free(payload);
	free(app);
	return e;
}

/* No key came out: close the intent and queue the fault record, one
 * transaction; the application is not touched. */
ca_err store_intent_failed(struct store *st, int64_t seq, const char *result,
			   const char *detail, const char *kiosk_id,
			   int64_t now_ms)
{
	char app_id[CA_UUID_LEN + 1], d[STORE_ERROR_MAX + 1], *payload = NULL;
	struct ca_app *app = NULL;
	bool began = false;
	ca_err e;
	int slot = 0;

	app_id[0] = '\0';
	if (!result || !result[0] || strlen(result) > 23)
		return CA_ERR_ARG;
	utf8_copy(d, sizeof(d), detail ? detail : "", sizeof(d));
	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = intent_close(st, seq, "failed", result, d, now_ms, app_id, &slot);
	if (!e)
		e = app_load(st, app_id, app);
	if (e == CA_ERR_NOT_FOUND && app_id[0]) {
		/* The application is gone (cannot happen while it waits for
		 * pickup); close the intent anyway, nothing to report it on. */
		log_error(TAG, "dispense intent %lld: application %s not found",
			  (long long)seq, app_id);
		e = store_commit(st);
		began = false;
		goto out;
	}
	if (!e)
		e = fault_payload(app, kiosk_id, slot, result, d, now_ms, &payload);
	if (!e)
		e = store_outbox_enqueue(st, app_id, STORE_KIND_DISPENSE_FAULT, payload,
					 now_ms, NULL);
	if (!e) {
		e = store_commit(st); /* rolls back itself on failure */
		began = false;
	}
	if (!e)
		log_warn(TAG, "dispense intent %lld: %s not collected from slot %d: %s (%s)",
			 (long long)seq, app_id, slot, result, d);
out:
	if (e && began)
		store_rollback(st);
	free(payload);
	free(app);
	return e;
}

/* ---- restocks of the dispenser ---- */

/* The restock payload {"op", "at_ms", "restock": {...}} into *out
 * (malloc'd). */
static ca_err restock_payload(const char *kiosk_id, int slot, int before, int after,
			      int64_t at_ms, char **out)
{
	json_t *o, *r;

	*out = NULL;
	r = json_pack("{s:i, s:i, s:i}", "slot", slot, "before", before, "after", after);
	if (r && kiosk_id && kiosk_id[0] &&
	    json_object_set_new(r, "kiosk", json_string(kiosk_id))) {
		json_decref(r);
		return CA_ERR_INVALID; /* json_string refused it: not UTF-8 */
	}
	/* "o" takes r's reference, also when it fails */
	o = r ? json_pack("{s:s, s:I, s:o}", "op", STORE_KIND_RESTOCK, "at_ms",
			  (json_int_t)at_ms, "restock", r) : NULL;
	if (o)
		*out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return *out ? CA_OK : CA_ERR_NOMEM;
}

/* A restock and its outbox row, one transaction. */
ca_err store_restock_record(struct store *st, const char *kiosk_id, int slot,
			    int before, int after, int64_t now_ms,
			    char key_out[CA_UUID_LEN + 1])
{
	char *payload = NULL;
	bool began = false;
	ca_err e;

	assert(st);
	if (slot < 1 || slot > STORE_SLOT_MAX || before < -1 || before > STORE_STOCK_MAX ||
	    after < 0 || after > STORE_STOCK_MAX ||
	    (kiosk_id && !fits(kiosk_id, CA_KIOSK_ID_MAX + 1)))
		return CA_ERR_ARG;
	e = restock_payload(kiosk_id, slot, before, after, now_ms, &payload);
	if (e)
		return e;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = store_outbox_enqueue(st, STORE_DEVICE_ROWS, STORE_KIND_RESTOCK, payload, now_ms,
				 key_out);
	if (!e) {
		e = store_commit(st); /* rolls back itself on failure */
		began = false;
	}
	if (!e)
		log_info(TAG, "restock of slot %d: %d -> %d keys, queued for the hub", slot,
			 before, after);
out:
	if (e && began)
		store_rollback(st);
	free(payload);
	return e;
}

/* ---- logout ---- */

ca_err store_logout_queue(struct store *st, const char *token, int64_t now_ms,
			  char key_out[CA_UUID_LEN + 1])
{
	char *payload = NULL;
	json_t *o;
	ca_err e;

	assert(st);
	if (!token || strlen(token) != SIGN_HEX_LEN || !sign_is_hex(token, SIGN_HEX_LEN))
		return CA_ERR_ARG;
	o = json_pack("{s:s, s:I, s:s}", "op", STORE_KIND_LOGOUT, "at_ms", (json_int_t)now_ms,
		      "session", token);
	if (o)
		payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!payload)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (!e) {
		e = store_outbox_enqueue(st, STORE_SESSION_ROWS, STORE_KIND_LOGOUT, payload, now_ms,
					 key_out);
		if (e)
			store_rollback(st);
		else
			e = store_commit(st); /* rolls back itself on failure */
	}
	if (!e)
		log_info(TAG, "logout queued for the hub");
	explicit_bzero(payload, strlen(payload));
	free(payload);
	return e;
}

/* ---- privacy: purging finished orders ---- */


void store_scrub(struct store *st)
{
	int rc;

	/* TRUNCATE: every frame into the file, then the WAL file cut to
	 * nothing. Best effort: another connection's open read (the sync
	 * engine's) may keep it; the next scrub or checkpoint then does it. */
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK)
		log_warn(TAG, "%s: write-ahead log not emptied: %s", st->path,
			 sqlite3_errstr(rc));
}

void store_forget(struct store *st)
{
	sqlite3 *db = NULL;
	int rc;

	/* A new connection in place of the old one: closing it frees (and so
	 * zeroes, zfree.c) everything SQLite kept for it, which dropping the
	 * page cache alone does not reach: the b-tree's scratch page, where
	 * the last row inserted or changed was built, stays allocated for the
	 * connection's life. A millisecond or two; no integrity check or
	 * migration (the file was checked when the store opened). */
	rc = sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		conn_config(db);
		rc = sqlite3_exec(db, CONN_PRAGMAS, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_close(st->db); /* SQLITE_BUSY: a statement is open */
	if (rc != SQLITE_OK) {
		log_warn(TAG, "%s: connection not renewed (%s); its page cache is "
			 "dropped instead", st->path, sqlite3_errstr(rc));
		sqlite3_close(db);
		sqlite3_db_release_memory(st->db);
		return;
	}
	st->db = db;
}

/* Delete application id and every row about it but pending outbox rows
 * (inside the caller's transaction). */
static ca_err purge_one(struct store *st, const char *id)
{
	static const char *const sql[] = {
		"DELETE FROM app_history WHERE app_id = ?1",
		"DELETE FROM applications WHERE id = ?1",
		"DELETE FROM proc_records WHERE app_id = ?1",
		"DELETE FROM remote_apps WHERE id = ?1",
		"DELETE FROM pickups WHERE app_id = ?1",
		"DELETE FROM dispense_intents WHERE app_id = ?1 AND state <> 'pending'",
		"DELETE FROM outbox WHERE app_id = ?1 AND state = 'parked'",
	};
	sqlite3_stmt *s = NULL;
	size_t i;
	ca_err e = CA_OK;
	int rc;

	for (i = 0; !e && i < sizeof(sql) / sizeof(sql[0]); i++) {
		e = prep(st, sql[i], &s);
		if (e)
			break;
		rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			e = db_fail(st, rc, "purge");
		sqlite3_finalize(s);
	}
	return e;
}

ca_err store_purge_finished(struct store *st, int64_t before_ms, int *purged)
{
	static const char sql[] =
		"SELECT id, body FROM applications WHERE updated_ms < ?1"
		" AND id NOT IN (SELECT app_id FROM outbox WHERE state = 'pending')";
	char cerr[CODEC_ERR_MAX], (*ids)[CA_UUID_LEN + 1] = NULL;
	struct ca_app *app;
	sqlite3_stmt *s = NULL;
	size_t n = 0, cap = 0, i;
	bool began = false;
	ca_err e;
	int rc;

	assert(st);
	if (purged)
		*purged = 0;
	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	/* What is deleted is overwritten, not left in free pages: the store
	 * runs with secure_delete on (store_open). */
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = prep_bind(st, sql, &s, "purge", "i", (int64_t)before_ms);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (codec_app_from_text((const char *)sqlite3_column_text(s, 1),
					(size_t)sqlite3_column_bytes(s, 1), app, cerr,
					sizeof(cerr)) != CA_OK) {
			log_error(TAG, "%s: an application is unreadable, not purged: %s",
				  st->path, cerr);
			continue;
		}
		if (app->pay_status != CA_PAY_DONE)
			continue;
		if (n == cap) {
			void *p = realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*ids));

			if (!p) {
				e = CA_ERR_NOMEM;
				break;
			}
			ids = p;
		}
		memcpy(ids[n++], app->id, sizeof(ids[0]));
	}
	if (!e && rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(st, rc, "purge");
	sqlite3_finalize(s);
	s = NULL;
	for (i = 0; !e && i < n; i++)
		e = purge_one(st, ids[i]);
	if (!e) {
		began = false;
		e = store_commit(st); /* rolls back itself on failure */
	}
	if (!e && n > 0) {
		store_scrub(st);
		log_info(TAG, "purged the personal data of %zu finished order(s)", n);
	}
	if (!e && purged)
		*purged = (int)n;
out:
	sqlite3_finalize(s);
	if (began)
		store_rollback(st);
	if (app)
		explicit_bzero(app, sizeof(*app));
	free(app);
	free(ids);
	return e;
}
