/*
 * db.c - the hub's SQLite store (see db.h for the contract and the choice
 * of one connection behind a mutex).
 *
 * Where to start reading: hubdb_open() (checks, pragmas, migrations), then
 * hubdb_begin/commit and hubdb_rev_next (revisions and the feed's wake-up),
 * then hubdb_feed(). Statements come from db_prep() and go back with db_done()
 * (a small cache of prepared statements, struct hubdb_stmt) before
 * returning, as in the kiosk store; column text is copied out at once.
 */
#include "db.h"
#include "db_int.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sqlerr.h"
#include "common/sqlkit.h"
#include "core/codec.h"
#include "core/cst.h"
#include "core/log.h"
#include "vclock.h"

#define HUBDB_BUSY_MS 5000

/*
 * The schema, one forward migration per version (index v takes v to v+1).
 * Never edit a shipped entry; append. Version 2 adds the payment tables
 * (the hub's orders, and the books of the provider simulator then built
 * into the hub); version 3 the invoice numbers and the invoice page's
 * tokens; version 4 the kiosks' restock records; version 5 the store's
 * epoch and the devices' budgets; version 6 the kiosks' health
 * (heartbeats); version 7 staff accounts, their sessions and the audit
 * trail; version 8 drops the simulator's books.
 *
 * applications.body is the codec JSON of the record (with its rev) and the
 * source of truth; account, device, app_status, rev, updated_ms are copies
 * for lookups. proc_records, pickups and invoices carry account and rev so
 * the feed needs no joins. secrets are kept in clear: the hub needs them to
 * verify HMACs (protect the data dir, mode 0700).
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta (k TEXT PRIMARY KEY NOT NULL, v INTEGER NOT NULL);"
	"INSERT INTO meta VALUES ('rev', 0);"
	"CREATE TABLE devices ("
	" id TEXT PRIMARY KEY NOT NULL, secret TEXT NOT NULL,"
	" enabled INTEGER NOT NULL DEFAULT 1, created_s INTEGER NOT NULL,"
	" last_seen_s INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE nonces ("
	" device TEXT NOT NULL REFERENCES devices(id), nonce TEXT NOT NULL,"
	" at_s INTEGER NOT NULL, PRIMARY KEY (device, nonce)) WITHOUT ROWID;"
	"CREATE INDEX nonces_by_age ON nonces(at_s);"
	"CREATE TABLE sms_codes ("
	" phone TEXT PRIMARY KEY NOT NULL, code TEXT NOT NULL,"
	" sent_s INTEGER NOT NULL, expires_s INTEGER NOT NULL,"
	" tries INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sms_sends (phone TEXT NOT NULL, at_s INTEGER NOT NULL);"
	"CREATE INDEX sms_sends_by_phone ON sms_sends(phone, at_s);"
	"CREATE TABLE sessions ("
	" token TEXT PRIMARY KEY NOT NULL, account TEXT NOT NULL,"
	" device TEXT NOT NULL, expires_s INTEGER NOT NULL);"
	"CREATE TABLE bindings ("
	" device TEXT NOT NULL REFERENCES devices(id), account TEXT NOT NULL,"
	" bound_s INTEGER NOT NULL, PRIMARY KEY (device, account)) WITHOUT ROWID;"
	"CREATE TABLE idempotency ("
	" device TEXT NOT NULL, key TEXT NOT NULL, req_hash TEXT NOT NULL,"
	" status INTEGER NOT NULL, result TEXT NOT NULL, at_ms INTEGER NOT NULL,"
	" PRIMARY KEY (device, key)) WITHOUT ROWID;"
	"CREATE TABLE applications ("
	" id TEXT PRIMARY KEY NOT NULL, account TEXT NOT NULL, device TEXT NOT NULL,"
	" app_status TEXT NOT NULL, rev INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	" body TEXT NOT NULL CHECK (json_valid(body)));"
	"CREATE INDEX applications_by_account ON applications(account, rev);"
	"CREATE INDEX applications_by_rev ON applications(rev);"
	"CREATE TABLE app_history ("
	" seq INTEGER PRIMARY KEY,"
	" app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" rev INTEGER NOT NULL, at_ms INTEGER NOT NULL, action TEXT NOT NULL,"
	" from_app TEXT NOT NULL, from_pay TEXT NOT NULL,"
	" from_proc TEXT NOT NULL, from_pickup TEXT NOT NULL,"
	" to_app TEXT NOT NULL, to_pay TEXT NOT NULL,"
	" to_proc TEXT NOT NULL, to_pickup TEXT NOT NULL,"
	" actor TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX app_history_by_app ON app_history(app_id, seq);"
	"CREATE TABLE proc_records ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" account TEXT NOT NULL, rev INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
	" body TEXT NOT NULL CHECK (json_valid(body)));"
	"CREATE INDEX proc_records_by_account ON proc_records(account, rev);"
	"CREATE INDEX proc_records_by_app ON proc_records(app_id, at_ms);"
	"CREATE TABLE pickups ("
	" app_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" account TEXT NOT NULL, kiosk TEXT NOT NULL, slot TEXT NOT NULL,"
	" rev INTEGER NOT NULL, at_ms INTEGER NOT NULL);"
	"CREATE INDEX pickups_by_account ON pickups(account, rev);"
	"CREATE TABLE invoices ("
	" app_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" account TEXT NOT NULL, rev INTEGER NOT NULL, issued_ms INTEGER NOT NULL);"
	"CREATE INDEX invoices_by_account ON invoices(account, rev);",
	/* 1 -> 2: payments. pay_orders.applied_rev is the revision that applied
	 * the payment to the application (0: not applied; with SUCCESS that is
	 * a duplicate payment owed a refund). No cascade from applications: a
	 * payment record is never deleted with anything. */
	"CREATE TABLE pay_orders ("
	" out_trade_no TEXT PRIMARY KEY NOT NULL,"
	" app_id TEXT NOT NULL REFERENCES applications(id),"
	" account TEXT NOT NULL, method TEXT NOT NULL, bank TEXT NOT NULL,"
	" amount_fen INTEGER NOT NULL CHECK (amount_fen > 0), code_url TEXT NOT NULL,"
	" created_s INTEGER NOT NULL, expires_s INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND')),"
	" paid_s INTEGER NOT NULL DEFAULT 0, applied_rev INTEGER NOT NULL DEFAULT 0,"
	" notifications INTEGER NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL);"
	"CREATE INDEX pay_orders_by_app ON pay_orders(app_id, created_s);"
	"CREATE INDEX pay_orders_by_state ON pay_orders(state, expires_s);"
	"CREATE TABLE paysim_orders ("
	" out_trade_no TEXT PRIMARY KEY NOT NULL, app_id TEXT NOT NULL,"
	" method TEXT NOT NULL, bank TEXT NOT NULL,"
	" amount_fen INTEGER NOT NULL CHECK (amount_fen > 0), code_url TEXT NOT NULL,"
	" created_s INTEGER NOT NULL, expires_s INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND')),"
	" paid_s INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE paysim_notices ("
	" seq INTEGER PRIMARY KEY,"
	" out_trade_no TEXT NOT NULL REFERENCES paysim_orders(out_trade_no),"
	" due_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	" delivered_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX paysim_notices_due ON paysim_notices(delivered_ms, due_ms);",
	/* 2 -> 3: e-invoices. Every invoice gets a stable number at its first
	 * issue (issue date in China time + a sequence; rows issued before
	 * this version get their rowid as the sequence). invoice_tokens are the
	 * opaque tokens of the invoice page (a kiosk's QR code): one
	 * application each, an expiry, wrong company names counted, and the
	 * short-lived key of the PDF link after a right one. */
	"ALTER TABLE invoices ADD COLUMN number TEXT NOT NULL DEFAULT '';"
	"UPDATE invoices SET number = strftime('%Y%m%d', issued_ms / 1000, 'unixepoch', '+8 hours')"
	" || printf('%08d', rowid);"
	"INSERT INTO meta VALUES ('invoice_seq', (SELECT coalesce(max(rowid), 0) FROM invoices));"
	"CREATE UNIQUE INDEX invoices_by_number ON invoices(number);"
	"CREATE TABLE invoice_tokens ("
	" token TEXT PRIMARY KEY NOT NULL,"
	" app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" created_s INTEGER NOT NULL, expires_s INTEGER NOT NULL,"
	" tries INTEGER NOT NULL DEFAULT 0, pdf_key TEXT NOT NULL DEFAULT '',"
	" pdf_expires_s INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX invoice_tokens_by_app ON invoice_tokens(app_id, expires_s);",
	/* 3 -> 4: restocks of the kiosks' key dispensers, as each kiosk
	 * reported them (op "restock"), for staff. (device, key) is unique as
	 * well as the idempotency row: a replay can never add a second row.
	 * The counts are stock_before/stock_after: BEFORE and AFTER are SQL
	 * keywords. */
	"CREATE TABLE restocks ("
	" seq INTEGER PRIMARY KEY,"
	" device TEXT NOT NULL REFERENCES devices(id),"
	" key TEXT NOT NULL,"
	" slot INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 64),"
	" stock_before INTEGER NOT NULL CHECK (stock_before BETWEEN -1 AND 9999),"
	" stock_after INTEGER NOT NULL CHECK (stock_after BETWEEN 0 AND 9999),"
	" at_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
	" UNIQUE (device, key));"
	"CREATE INDEX restocks_by_time ON restocks(at_ms, seq);"
	"CREATE INDEX restocks_by_device ON restocks(device, at_ms, seq);",
	/* 4 -> 5: a fleet's hub. meta 'epoch' is this store's instance id, a
	 * random positive 63-bit number made when the store is created (or
	 * migrated); the feed carries it so that a kiosk whose cursor belongs
	 * to another store (a restore, a new hub) starts again from zero.
	 * device_events counts what a device spent of its hourly budgets
	 * (kind 'sms': code sends; 'login': login tries). bindings.bound_s is
	 * from now on the account's last login on that kiosk (the binding
	 * expires a configured time after it). */
	"INSERT INTO meta VALUES ('epoch', 1 + (random() & 0x3fffffffffffffff));"
	"CREATE TABLE device_events ("
	" device TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('sms', 'login')),"
	" at_s INTEGER NOT NULL);"
	"CREATE INDEX device_events_by_device ON device_events(device, kind, at_s);"
	/* What a commit concerns (hubdb_devices_changed): the accounts of the
	 * feed's rows in a revision range, then the devices bound to them. */
	"CREATE INDEX proc_records_by_rev ON proc_records(rev);"
	"CREATE INDEX pickups_by_rev ON pickups(rev);"
	"CREATE INDEX invoices_by_rev ON invoices(rev);"
	"CREATE INDEX bindings_by_account ON bindings(account);",
	/* 5 -> 6: the kiosks' health (docs/fleet.md). One row per device: its
	 * latest heartbeat as the hub normalised it (beat, JSON), when it came
	 * (hub clock) and the interval the kiosk promised; staff's requests
	 * (restart, log tail: asked, then delivered in a heartbeat's answer)
	 * and the last log tail the kiosk sent. A row may exist before the
	 * first beat (a request made for a kiosk never seen): received_ms 0. */
	"CREATE TABLE device_health ("
	" device TEXT PRIMARY KEY NOT NULL REFERENCES devices(id),"
	" received_ms INTEGER NOT NULL DEFAULT 0,"
	" interval_s INTEGER NOT NULL DEFAULT 0,"
	" beat TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(beat)),"
	" restart_asked_ms INTEGER NOT NULL DEFAULT 0,"
	" restart_sent_ms INTEGER NOT NULL DEFAULT 0,"
	" log_asked_ms INTEGER NOT NULL DEFAULT 0,"
	" log_sent_ms INTEGER NOT NULL DEFAULT 0,"
	" log_ms INTEGER NOT NULL DEFAULT 0,"
	" log_text TEXT NOT NULL DEFAULT '') WITHOUT ROWID;",
	/* 6 -> 7: staff (docs/console.md). Accounts with roles (bits of enum
	 * staff_role) and an argon2id hash ('' = none set yet: no login);
	 * staff_sessions are the console's sessions and ca-hubctl's tokens,
	 * kept as the SHA-256 of the token; login_failures count failed
	 * logins per account and per address for the throttle. audit is the
	 * trail of every staff action, append-only: the triggers refuse any
	 * UPDATE or DELETE of it, whoever asks. */
	"CREATE TABLE staff ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" display TEXT NOT NULL,"
	" roles INTEGER NOT NULL CHECK (roles BETWEEN 0 AND 31),"
	" pw_hash TEXT NOT NULL DEFAULT '',"
	" disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	" created_ms INTEGER NOT NULL, changed_ms INTEGER NOT NULL,"
	" last_login_ms INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE staff_sessions ("
	" sid_hash TEXT PRIMARY KEY NOT NULL,"
	" staff TEXT NOT NULL REFERENCES staff(name),"
	" kind TEXT NOT NULL CHECK (kind IN ('console', 'token')),"
	" csrf TEXT NOT NULL DEFAULT '',"
	" addr TEXT NOT NULL DEFAULT '',"
	" created_ms INTEGER NOT NULL, seen_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX staff_sessions_by_staff ON staff_sessions(staff);"
	"CREATE TABLE login_failures (key TEXT NOT NULL, at_ms INTEGER NOT NULL);"
	"CREATE INDEX login_failures_by_key ON login_failures(key, at_ms);"
	"CREATE TABLE audit ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" at_ms INTEGER NOT NULL,"
	" staff TEXT NOT NULL, display TEXT NOT NULL, via TEXT NOT NULL,"
	" action TEXT NOT NULL, target TEXT NOT NULL,"
	" state_before TEXT NOT NULL, state_after TEXT NOT NULL,"
	" detail TEXT NOT NULL, addr TEXT NOT NULL);"
	"CREATE INDEX audit_by_staff ON audit(staff, seq);"
	"CREATE INDEX audit_by_target ON audit(target, seq);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
	/* 7 -> 8: the built-in payment simulator is gone (the providers are
	 * real services, ca-paysim in tests): its books go with it. The
	 * console's payments page lists orders newest first. */
	"DROP INDEX paysim_notices_due;"
	"DROP TABLE paysim_notices;"
	"DROP TABLE paysim_orders;"
	"CREATE INDEX pay_orders_by_created ON pay_orders(created_s);",
	/* 8 -> 9: e-invoices through the tax platform (einvoice.h). An
	 * application has at most a blue invoice and its red reversal, each a
	 * request to the platform under the hub's request_id: pending until
	 * the platform answers (tries, next_try_ms and error while it does
	 * not), then issued with the platform's number, amounts, the invoice
	 * as JSON (data) and its XML; failed when the platform refused it.
	 * The rows issued before keep their 16-digit numbers and no data (the
	 * page rebuilds them from the application, as before). */
	"CREATE TABLE invoices9 ("
	" app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('blue', 'red')),"
	" account TEXT NOT NULL, rev INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'issued', 'failed')),"
	" request_id TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
	" requested_ms INTEGER NOT NULL, issued_ms INTEGER NOT NULL DEFAULT 0,"
	" number TEXT NOT NULL DEFAULT '', original TEXT NOT NULL DEFAULT '',"
	" total_fen INTEGER NOT NULL DEFAULT 0, tax_fen INTEGER NOT NULL DEFAULT 0,"
	" data TEXT NOT NULL DEFAULT '', xml BLOB,"
	" tries INTEGER NOT NULL DEFAULT 0, next_try_ms INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (app_id, kind));"
	"INSERT INTO invoices9(app_id, kind, account, rev, state, request_id, requested_ms,"
	" issued_ms, number)"
	" SELECT app_id, 'blue', account, rev, 'issued', 'legacy-' || number, issued_ms,"
	" issued_ms, number FROM invoices;"
	"DROP TABLE invoices;"
	"ALTER TABLE invoices9 RENAME TO invoices;"
	"CREATE INDEX invoices_by_account ON invoices(account, rev);"
	"CREATE INDEX invoices_by_rev ON invoices(rev);"
	"CREATE UNIQUE INDEX invoices_by_number ON invoices(number) WHERE number != '';"
	"CREATE UNIQUE INDEX invoices_by_request ON invoices(request_id);"
	"CREATE INDEX invoices_due ON invoices(state, next_try_ms);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == HUBDB_SCHEMA_VERSION,
	       "one migration per schema version");

/* A failed call is logged as an error; a conflict is the caller's answer. */
static const struct sqlkit_log fail_log = { TAG, LOG_ERROR, true };

/* Log a failed call; the project error for rc. */
ca_err db_fail(struct hubdb *h, int rc, const char *what)
{
	return sqlkit_fail(h->db, h->path, &fail_log, rc, what, NULL, 0);
}

void db_lock(struct hubdb *h)
{
	pthread_mutex_lock(&h->lock);
}

void db_unlock(struct hubdb *h)
{
	pthread_mutex_unlock(&h->lock);
}

static uint32_t sql_hash(const char *sql)
{
	uint32_t x = 2166136261u;

	for (; *sql; sql++)
		x = (x ^ (unsigned char)*sql) * 16777619u;
	return x;
}

/* A statement for sql: the kept one when it is free, else a new one (kept
 * when there is room). SQLite's result code. */
static int stmt_get(struct hubdb *h, const char *sql, sqlite3_stmt **out)
{
	uint32_t x = sql_hash(sql);
	struct hubdb_stmt *slot = NULL;
	int i, rc;

	pthread_mutex_lock(&h->stmt_mu);
	for (i = 0; i < HUBDB_STMT_CACHE; i++) {
		struct hubdb_stmt *c = &h->stmts[i];

		if (!c->s) {
			if (!slot)
				slot = c;
			continue;
		}
		if (c->hash == x && !c->in_use && strcmp(c->sql, sql) == 0) {
			c->in_use = true;
			*out = c->s;
			pthread_mutex_unlock(&h->stmt_mu);
			return SQLITE_OK;
		}
	}
	if (slot) {
		slot->sql = strdup(sql);
		if (!slot->sql)
			slot = NULL;
	}
	rc = sqlite3_prepare_v3(h->db, sql, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, out,
				NULL);
	if (slot && rc == SQLITE_OK && *out) {
		slot->s = *out;
		slot->hash = x;
		slot->in_use = true;
	} else if (slot) {
		free(slot->sql);
		slot->sql = NULL;
	}
	pthread_mutex_unlock(&h->stmt_mu);
	return rc;
}

/* Give back a statement of db_prep(): reset a kept one, finalize any other.
 * db_done(h, NULL) is fine. */
void db_done(struct hubdb *h, sqlite3_stmt *s)
{
	int i;

	if (!s)
		return;
	pthread_mutex_lock(&h->stmt_mu);
	for (i = 0; i < HUBDB_STMT_CACHE; i++)
		if (h->stmts[i].s == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			h->stmts[i].in_use = false;
			pthread_mutex_unlock(&h->stmt_mu);
			return;
		}
	pthread_mutex_unlock(&h->stmt_mu);
	(sqlite3_finalize)(s);
}

/* Finalize every kept statement (before the connection closes). */
static void stmts_release(struct hubdb *h)
{
	int i;

	for (i = 0; i < HUBDB_STMT_CACHE; i++) {
		(sqlite3_finalize)(h->stmts[i].s);
		free(h->stmts[i].sql);
		memset(&h->stmts[i], 0, sizeof(h->stmts[i]));
	}
}


/*
 * Prepare sql and bind the parameters described by fmt, one letter each:
 * 't' text (const char *, NULL binds NULL), 'i' int64, 'n' int.
 */
ca_err db_prepv(struct hubdb *h, sqlite3_stmt **s, const char *sql, const char *fmt,
		    va_list ap)
{
	int rc;

	*s = NULL;
	rc = stmt_get(h, sql, s);
	if (rc != SQLITE_OK) {
		*s = NULL;
		return db_fail(h, rc, "prepare");
	}
	rc = sqlkit_bindv(*s, fmt, ap);
	if (rc != SQLITE_OK) {
		ca_err e = db_fail(h, rc, "bind");

		db_done(h, *s);
		*s = NULL;
		return e;
	}
	return CA_OK;
}

/* prepv with the parameters as arguments. */
ca_err db_prep(struct hubdb *h, sqlite3_stmt **s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	ca_err e;

	va_start(ap, fmt);
	e = db_prepv(h, s, sql, fmt, ap);
	va_end(ap);
	return e;
}

/* Step a statement that returns no rows, then finalize it. */
ca_err db_run(struct hubdb *h, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	ca_err e = rc == SQLITE_DONE ? CA_OK : db_fail(h, rc, what);

	db_done(h, s);
	return e;
}

/* A statement that returns no rows: prepared and bound as db_prep() does,
 * stepped and given back as db_run() does. */
ca_err db_run_sql(struct hubdb *h, const char *what, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	ca_err e;

	va_start(ap, fmt);
	e = db_prepv(h, &s, sql, fmt, ap);
	va_end(ap);
	return e ? e : db_run(h, s, what);
}

/* Parse text column col as JSON (a new reference, NULL on failure). */
json_t *db_col_json(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return t ? json_loadb(t, (size_t)sqlite3_column_bytes(s, col), JSON_REJECT_DUPLICATES,
			      NULL)
		 : NULL;
}

/* The rows of sql, its parameters bound from fmt as db_prep() does, as a
 * JSON array into *out, one value a row from row(); what names the read
 * in a failure. Under the lock. */
ca_err db_rows_json(struct hubdb *h, json_t **out, row_json_fn row, const char *what,
			const char *sql, const char *fmt, ...)
{
	json_t *arr = json_array(), *j;
	sqlite3_stmt *s;
	va_list ap;
	ca_err e;
	int rc;

	*out = NULL;
	if (!arr)
		return CA_ERR_NOMEM;
	db_lock(h);
	va_start(ap, fmt);
	e = db_prepv(h, &s, sql, fmt, ap);
	va_end(ap);
	if (!e) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			if ((j = row(s)))
				json_array_append_new(arr, j);
		if (rc != SQLITE_DONE)
			e = db_fail(h, rc, what);
		db_done(h, s);
	}
	db_unlock(h);
	if (e)
		json_decref(arr);
	else
		*out = arr;
	return e;
}

/* ---- open and close ---- */

/* A message for a failure while opening. */
static ca_err open_fail(struct hubdb *h, int rc, const char *what, char *err, size_t errlen)
{
	return sqlkit_open_fail(h->db, h->path, rc, what, err, errlen);
}

/* A page cache of 32 MiB (SQLite's default is 2 MiB): the one connection
 * lives as long as the hub, and a fleet's applications, idempotency keys
 * and history outgrow 2 MiB within the first thousands of records; past it
 * every record of a batch re-reads its index pages from the file
 * (docs/bench-hub.md). The write-ahead log is checkpointed every 8192 pages
 * (32 MiB) instead of SQLite's 1000: a checkpoint writes each changed page
 * once, however often it changed since the last one, and the hot index
 * pages change with every record (a drain: about 13 % more records a
 * second). */
#define HUBDB_PRAGMAS                                                    \
	"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"           \
	" PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 8192;"

/* The schema and the file's settings, for sqlkit_setup(): the steps, the
 * version, the pragmas, no retry of a PRAGMA on BUSY, the log tag. */
static const struct sqlkit_schema schema = { migrations, HUBDB_SCHEMA_VERSION, HUBDB_PRAGMAS, 0,
					     TAG };

/* The integer the query sql answers (a meta row) into *v, while opening. */
static ca_err meta_read(struct hubdb *h, const char *sql, const char *what, int64_t *v,
			char *err, size_t errlen)
{
	char buf[32];
	int rc = sqlkit_pragma_text(h->db, sql, buf, sizeof(buf), 0);

	if (rc != SQLITE_OK)
		return open_fail(h, rc, what, err, errlen);
	*v = atoll(buf);
	return CA_OK;
}

ca_err hubdb_open(const char *path, struct hubdb **out, char *err, size_t errlen)
{
	pthread_mutexattr_t ma;
	struct hubdb *h;
	ca_err e = CA_OK;
	int rc;

	assert(path && out);
	*out = NULL;
	ca_errmsg(err, errlen, "%s", "");
	h = calloc(1, sizeof(*h));
	if (h)
		h->binding_life_s = HUBDB_BINDING_LIFE_S;
	if (!h || !(h->path = strdup(path))) {
		free(h);
		ca_errmsg(err, errlen, "%s: out of memory", path);
		return CA_ERR_NOMEM;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&h->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_mutex_init(&h->rev_mu, NULL);
	pthread_mutex_init(&h->stmt_mu, NULL);

	/* FULLMUTEX as well: belt and braces under our own lock. */
	rc = sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		e = open_fail(h, rc, "opening", err, errlen);
		goto out;
	}
	sqlkit_conn_setup(h->db, HUBDB_BUSY_MS);
	e = sqlkit_setup(h->db, path, &schema, err, errlen);
	if (!e)
		e = meta_read(h, "SELECT v FROM meta WHERE k = 'rev'", "reading the revision",
			      &h->committed_rev, err, errlen);
	if (!e)
		e = meta_read(h, "SELECT v FROM meta WHERE k = 'epoch'", "reading the epoch",
			      &h->epoch, err, errlen);
	if (!e && h->epoch <= 0) {
		ca_errmsg(err, errlen, "%s: the store has no epoch (meta 'epoch'); damaged?", path);
		e = CA_ERR_CORRUPT;
	}
out:
	if (e) {
		log_error(TAG, "%s", err && errlen ? err : path);
		hubdb_close(h);
	} else {
		*out = h;
	}
	return e;
}

void hubdb_close(struct hubdb *h)
{
	if (!h)
		return;
	stmts_release(h);
	if (h->db) {
		int rc = sqlite3_close(h->db);

		if (rc != SQLITE_OK)
			log_error(TAG, "%s: close: %s", h->path, sqlite3_errstr(rc));
	}
	pthread_mutex_destroy(&h->rev_mu);
	pthread_mutex_destroy(&h->stmt_mu);
	pthread_mutex_destroy(&h->lock);
	free(h->path);
	free(h);
}

/* ---- transactions and revisions ---- */

ca_err hubdb_begin(struct hubdb *h)
{
	int rc;

	db_lock(h);
	assert(h->depth == 0);
	rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ca_err e = db_fail(h, rc, "begin");

		db_unlock(h);
		return e;
	}
	h->depth = 1;
	h->tx_rev = 0;
	return CA_OK;
}

/* Publish rev as committed and tell the commit hook (the feed's
 * long-polls, http.c). */
static void publish(struct hubdb *h, int64_t rev)
{
	pthread_mutex_lock(&h->rev_mu);
	if (rev > h->committed_rev)
		h->committed_rev = rev;
	pthread_mutex_unlock(&h->rev_mu);
	if (h->on_commit)
		h->on_commit(h->on_commit_ctx, rev);
}

void hubdb_on_commit(struct hubdb *h, hubdb_commit_fn fn, void *ctx)
{
	db_lock(h);
	h->on_commit = fn;
	h->on_commit_ctx = ctx;
	db_unlock(h);
}

ca_err hubdb_devices_changed(struct hubdb *h, int64_t after, int64_t upto,
			     hubdb_device_fn fn, void *ctx)
{
	static const char sql[] =
		"WITH acc AS ("
		" SELECT account FROM applications WHERE rev > ?1 AND rev <= ?2"
		" UNION SELECT account FROM proc_records WHERE rev > ?1 AND rev <= ?2"
		" UNION SELECT account FROM pickups WHERE rev > ?1 AND rev <= ?2"
		" UNION SELECT account FROM invoices WHERE rev > ?1 AND rev <= ?2)"
		" SELECT DISTINCT device FROM bindings WHERE account IN acc"
		"  AND bound_s >= ?3 - ?4";
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	db_lock(h);
	e = db_prep(h, &s, sql, "iiii", after, upto, vclock_now_s(), h->binding_life_s);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *dev = (const char *)sqlite3_column_text(s, 0);

		if (dev)
			fn(ctx, dev);
	}
	if (rc != SQLITE_DONE)
		e = db_fail(h, rc, "devices changed");
	db_done(h, s);
out:
	db_unlock(h);
	return e;
}

ca_err hubdb_commit(struct hubdb *h)
{
	int rc;
	ca_err e = CA_OK;

	IN_TX(h);
	rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		e = db_fail(h, rc, "commit");
		if (!sqlite3_get_autocommit(h->db))
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	} else if (h->tx_rev) {
		publish(h, h->tx_rev);
	}
	h->depth = 0;
	h->tx_rev = 0;
	h->sp_open = false;
	db_unlock(h);
	return e;
}

void hubdb_rollback(struct hubdb *h)
{
	assert(h->depth == 1);
	if (!sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	h->depth = 0;
	h->tx_rev = 0;
	h->sp_open = false;
	db_unlock(h);
}

/*
 * One savepoint inside the open transaction (not nested): a record of a
 * batch is undone on its own while the others stay. A rollback also takes
 * back the revisions handed out since the savepoint (the counter's row is
 * rolled back with the rest), so tx_rev is restored: the commit publishes
 * exactly the last revision it made durable.
 */
ca_err hubdb_savepoint(struct hubdb *h)
{
	int rc;

	IN_TX(h);
	assert(!h->sp_open);
	rc = sqlite3_exec(h->db, "SAVEPOINT hubdb_sp", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(h, rc, "savepoint");
	h->sp_open = true;
	h->sp_rev = h->tx_rev;
	return CA_OK;
}

ca_err hubdb_savepoint_release(struct hubdb *h)
{
	int rc;

	assert(h->depth == 1 && h->sp_open);
	h->sp_open = false;
	if (sqlite3_get_autocommit(h->db))
		return CA_ERR_DB; /* SQLite ended the transaction itself */
	rc = sqlite3_exec(h->db, "RELEASE hubdb_sp", NULL, NULL, NULL);
	return rc == SQLITE_OK ? CA_OK : db_fail(h, rc, "release savepoint");
}

ca_err hubdb_savepoint_rollback(struct hubdb *h)
{
	int rc;

	assert(h->depth == 1 && h->sp_open);
	h->sp_open = false;
	h->tx_rev = h->sp_rev;
	if (sqlite3_get_autocommit(h->db))
		return CA_ERR_DB; /* SQLite ended the transaction itself */
	rc = sqlite3_exec(h->db, "ROLLBACK TO hubdb_sp", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h->db, "RELEASE hubdb_sp", NULL, NULL, NULL);
	return rc == SQLITE_OK ? CA_OK : db_fail(h, rc, "roll back to savepoint");
}

/* Whether the transaction begun by hubdb_begin is still open (SQLite ends
 * it on its own after some errors: I/O, disk full, out of memory). */
bool hubdb_in_tx(struct hubdb *h)
{
	assert(h->depth == 1);
	return !sqlite3_get_autocommit(h->db);
}

ca_err hubdb_rev_next(struct hubdb *h, int64_t *rev)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	IN_TX(h);
	e = db_prep(h, &s, "UPDATE meta SET v = v + 1 WHERE k = 'rev' RETURNING v", "");
	if (e)
		return e;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*rev = sqlite3_column_int64(s, 0);
		h->tx_rev = *rev;
		rc = sqlite3_step(s);
	}
	e = rc == SQLITE_DONE ? CA_OK : db_fail(h, rc, "next revision");
	db_done(h, s);
	return e;
}

int64_t hubdb_rev_current(struct hubdb *h)
{
	int64_t r;

	pthread_mutex_lock(&h->rev_mu);
	r = h->committed_rev;
	pthread_mutex_unlock(&h->rev_mu);
	return r;
}

/* ---- the store's epoch, health, backup ---- */

int64_t hubdb_epoch(struct hubdb *h)
{
	int64_t e;

	db_lock(h);
	e = h->epoch;
	db_unlock(h);
	return e;
}

ca_err hubdb_epoch_renew(struct hubdb *h, int64_t *epoch)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	db_lock(h);
	assert(h->depth == 0);
	/* A new random positive 63-bit id, never the old one. */
	e = db_prep(h, &s, "UPDATE meta SET v = 1 + (random() & 0x3fffffffffffffff)"
		 " WHERE k = 'epoch' RETURNING v", "");
	if (e)
		goto out;
	do {
		sqlite3_reset(s);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			int64_t v = sqlite3_column_int64(s, 0);

			rc = sqlite3_step(s);
			if (rc == SQLITE_DONE && v != h->epoch) {
				h->epoch = v;
				break;
			}
		}
	} while (rc == SQLITE_DONE);
	e = rc == SQLITE_DONE ? CA_OK : db_fail(h, rc, "renew the epoch");
	db_done(h, s);
	if (!e)
		*epoch = h->epoch;
out:
	db_unlock(h);
	return e;
}

ca_err hubdb_ping(struct hubdb *h, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	int moved = 0, rc;
	ca_err e = CA_OK;

	ca_errmsg(why, whylen, "%s", "");
	db_lock(h);
	if (sqlite3_file_control(h->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK &&
	    moved) {
		ca_errmsg(why, whylen, "%s was removed or renamed under the running hub", h->path);
		log_error(TAG, "%s", why ? why : "store file moved");
		e = CA_ERR_IO;
		goto out;
	}
	/* Drop the cached pages, so the read below really reads the file. */
	sqlite3_db_release_memory(h->db);
	e = db_prep(h, &s, "SELECT v FROM meta WHERE k = 'rev'", "");
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		e = db_fail(h, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "health read");
		ca_errmsg(why, whylen, "%s: %s", h->path, rc == SQLITE_DONE
			? "the revision counter is missing" : sqlite3_errstr(rc));
	}
out:
	db_done(h, s);
	db_unlock(h);
	return e;
}

ca_err hubdb_backup(const char *src_path, const char *dst_path, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc;

	ca_errmsg(err, errlen, "%s", "");
	/* Read-write without CREATE: a missing store is an error, not a new
	 * empty one; a reader of a WAL database may need to write its -shm. */
	rc = sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		ca_errmsg(err, errlen, "%s: cannot open the store: %s", src_path,
			src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_busy_timeout(src, HUBDB_BUSY_MS);
	rc = sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		ca_errmsg(err, errlen, "%s: cannot open: %s", dst_path,
			dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto out;
	}
	rc = sqlite3_exec(dst, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ca_errmsg(err, errlen, "%s: %s", dst_path, sqlite3_errmsg(dst));
		goto out;
	}
	/* One step over every page: one read transaction on the source, so the
	 * copy is the store as of one commit, whatever the hub writes meanwhile. */
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		rc = sqlite3_errcode(dst);
		ca_errmsg(err, errlen, "%s: cannot start the backup: %s", dst_path,
			sqlite3_errmsg(dst));
		goto out;
	}
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		ca_errmsg(err, errlen, "%s -> %s: backup failed: %s", src_path, dst_path,
			sqlite3_errstr(rc));
		goto out;
	}
	/* The pages say WAL, as the store's do; a backup is one self-contained
	 * file instead (readable where no -wal or -shm can be made). */
	rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ca_errmsg(err, errlen, "%s: %s", dst_path, sqlite3_errmsg(dst));
		goto out;
	}
out:
	if (dst && sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_OK) {
		ca_errmsg(err, errlen, "%s: cannot close: %s", dst_path, sqlite3_errmsg(dst));
		rc = SQLITE_IOERR;
	}
	sqlite3_close(src);
	if (rc == SQLITE_OK)
		return CA_OK;
	return sqlerr_map(rc) && sqlerr_map(rc) != CA_ERR_CONFLICT ? sqlerr_map(rc) : CA_ERR_DB;
}

/* ---- devices and nonces ---- */

ca_err hubdb_device_add(struct hubdb *h, const char *id, const char *secret, int64_t now_s)
{
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "add device",
		    "INSERT INTO devices(id, secret, enabled, created_s) VALUES (?1, ?2, 1, ?3)",
		    "tti", id, secret, now_s);
	db_unlock(h);
	return e;
}

ca_err hubdb_device_get(struct hubdb *h, const char *id, struct hubdb_device *out)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	db_lock(h);
	e = db_prep(h, &s, "SELECT id, secret, enabled, created_s, last_seen_s FROM devices"
		 " WHERE id = ?1", "t", id);
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		e = CA_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		e = db_fail(h, rc, "get device");
	else if (!sqlkit_col_copy(s, 0, out->id, sizeof(out->id)) ||
		 !sqlkit_col_copy(s, 1, out->secret, sizeof(out->secret)))
		e = CA_ERR_CORRUPT;
	else {
		out->enabled = sqlite3_column_int(s, 2) != 0;
		out->created_s = sqlite3_column_int64(s, 3);
		out->last_seen_s = sqlite3_column_int64(s, 4);
	}
	db_done(h, s);
out:
	db_unlock(h);
	return e;
}

ca_err hubdb_device_disable(struct hubdb *h, const char *id)
{
	sqlite3_stmt *s;
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "disable device", "UPDATE devices SET enabled = 0 WHERE id = ?1", "t", id);
	if (!e && sqlite3_changes(h->db) == 0)
		e = CA_ERR_NOT_FOUND;
	/* Its sessions end with it. */
	if (!e && !db_prep(h, &s, "DELETE FROM sessions WHERE device = ?1", "t", id))
		(void)db_run(h, s, "end sessions");
	db_unlock(h);
	return e;
}

/* A row of hubdb_device_list. */
static json_t *device_row(sqlite3_stmt *s)
{
	return json_pack("{s:s, s:b, s:I, s:I}",
			 "id", (const char *)sqlite3_column_text(s, 0),
			 "enabled", sqlite3_column_int(s, 1),
			 "created_at", (json_int_t)sqlite3_column_int64(s, 2),
			 "last_seen", (json_int_t)sqlite3_column_int64(s, 3));
}

ca_err hubdb_device_list(struct hubdb *h, json_t **out)
{
	return db_rows_json(h, out, device_row, "list devices",
			 "SELECT id, enabled, created_s, last_seen_s FROM devices ORDER BY id", "");
}

ca_err hubdb_nonce_use(struct hubdb *h, const char *device, const char *nonce, int64_t now_s)
{
	ca_err e;

	e = hubdb_begin(h);
	if (e)
		return e;
	e = db_run_sql(h, "forget nonces",
		    "DELETE FROM nonces WHERE at_s < ?1", "i", now_s - HUBDB_NONCE_LIFE_S);
	/* A nonce "from the future" (the clock went back) still counts as seen. */
	if (!e)
		e = db_run_sql(h, "remember nonce",
			    "INSERT INTO nonces(device, nonce, at_s) VALUES (?1, ?2, ?3)",
			    "tti", device, nonce, now_s);
	if (!e)
		e = db_run_sql(h, "device seen",
			    "UPDATE devices SET last_seen_s = ?2 WHERE id = ?1", "ti",
			    device, now_s);
	if (e) {
		hubdb_rollback(h);
		return e;
	}
	return hubdb_commit(h);
}

/* ---- SMS codes, sessions, bindings ---- */

ca_err db_window_count(struct hubdb *h, const char *count_sql, const char *nth_sql,
		       const char *key, const char *kind, int64_t since_s, int limit,
		       int *count, int64_t *free_at_s)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	*count = 0;
	*free_at_s = 0;
	e = db_prep(h, &s, count_sql, "tti", key, kind, since_s);
	if (e)
		return e;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(s, 0);
	else
		e = db_fail(h, rc, "count in window");
	db_done(h, s);
	if (e || *count < limit)
		return e;
	e = db_prep(h, &s, nth_sql, "ttin", key, kind, since_s, *count - limit);
	if (e)
		return e;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*free_at_s = sqlite3_column_int64(s, 0);
	else
		e = db_fail(h, rc, "oldest in window");
	db_done(h, s);
	return e;
}

ca_err hubdb_sms_sends(struct hubdb *h, const char *phone, int64_t since_s, int limit,
		       int *count, int64_t *free_at_s)
{
	IN_TX(h);
	/* sms_sends has no kind: ?2 is bound to '' and only checked for it. */
	return db_window_count(h, "SELECT count(*) FROM sms_sends WHERE phone = ?1 AND ?2 = ''"
			    " AND at_s > ?3",
			    "SELECT at_s FROM sms_sends WHERE phone = ?1 AND ?2 = '' AND at_s > ?3"
			    " ORDER BY at_s LIMIT 1 OFFSET ?4",
			    phone, "", since_s, limit, count, free_at_s);
}

ca_err hubdb_sms_send_add(struct hubdb *h, const char *phone, int64_t now_s)
{
	ca_err e;

	IN_TX(h);
	/* Sends older than a day are of no use to the hourly limit. */
	e = db_run_sql(h, "forget sends", "DELETE FROM sms_sends WHERE at_s < ?1", "i", now_s - 86400);
	if (!e)
		e = db_run_sql(h, "log send",
			    "INSERT INTO sms_sends(phone, at_s) VALUES (?1, ?2)", "ti",
			    phone, now_s);
	return e;
}

ca_err hubdb_sms_code_put(struct hubdb *h, const char *phone, const char *code,
			  int64_t now_s, int64_t expires_s)
{
	IN_TX(h);
	return db_run_sql(h, "store code",
			  "INSERT OR REPLACE INTO sms_codes(phone, code, sent_s, expires_s,"
			  " tries, used) VALUES (?1, ?2, ?3, ?4, 0, 0)", "ttii", phone, code,
			  now_s, expires_s);
}

/* The kind column of device_events for ev. */
static const char *event_kind(enum hubdb_event ev)
{
	assert(ev == HUBDB_EV_SMS || ev == HUBDB_EV_LOGIN);
	return ev == HUBDB_EV_SMS ? "sms" : "login";
}

ca_err hubdb_event_count(struct hubdb *h, const char *device, enum hubdb_event ev,
			 int64_t since_s, int limit, int *count, int64_t *free_at_s)
{
	IN_TX(h);
	return db_window_count(h, "SELECT count(*) FROM device_events WHERE device = ?1"
			    " AND kind = ?2 AND at_s > ?3",
			    "SELECT at_s FROM device_events WHERE device = ?1 AND kind = ?2"
			    " AND at_s > ?3 ORDER BY at_s LIMIT 1 OFFSET ?4",
			    device, event_kind(ev), since_s, limit, count, free_at_s);
}

ca_err hubdb_event_add(struct hubdb *h, const char *device, enum hubdb_event ev,
		       int64_t now_s, int64_t keep_after_s)
{
	ca_err e;

	IN_TX(h);
	/* Only this device's rows of this kind: the index finds them, and a
	 * device never holds more than one window's worth. */
	e = db_run_sql(h, "forget device events",
		    "DELETE FROM device_events WHERE device = ?1 AND kind = ?2"
		    " AND at_s <= ?3", "tti", device, event_kind(ev), keep_after_s);
	if (!e)
		e = db_run_sql(h, "count device event",
			    "INSERT INTO device_events(device, kind, at_s) VALUES (?1, ?2, ?3)",
			    "tti", device, event_kind(ev), now_s);
	return e;
}

ca_err hubdb_sms_code_get(struct hubdb *h, const char *phone, struct hubdb_code *out)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	db_lock(h);
	e = db_prep(h, &s, "SELECT code, sent_s, expires_s, tries, used FROM sms_codes"
		 " WHERE phone = ?1", "t", phone);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			e = CA_ERR_NOT_FOUND;
		else if (rc != SQLITE_ROW)
			e = db_fail(h, rc, "get code");
		else if (!sqlkit_col_copy(s, 0, out->code, sizeof(out->code)))
			e = CA_ERR_CORRUPT;
		else {
			out->sent_s = sqlite3_column_int64(s, 1);
			out->expires_s = sqlite3_column_int64(s, 2);
			out->tries = sqlite3_column_int(s, 3);
			out->used = sqlite3_column_int(s, 4) != 0;
		}
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_sms_code_update(struct hubdb *h, const char *phone, int tries, bool used)
{
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "update code",
		    "UPDATE sms_codes SET tries = ?2, used = ?3 WHERE phone = ?1", "tnn",
		    phone, tries, used ? 1 : 0);
	db_unlock(h);
	return e;
}

ca_err hubdb_session_put(struct hubdb *h, const char *token, const char *account,
			 const char *device, int64_t expires_s)
{
	ca_err e;

	IN_TX(h);
	e = db_run_sql(h, "forget sessions",
		    "DELETE FROM sessions WHERE expires_s < ?1", "i", expires_s - 86400);
	if (!e)
		e = db_run_sql(h, "store session",
			    "INSERT INTO sessions(token, account, device, expires_s)"
			    " VALUES (?1, ?2, ?3, ?4)", "ttti", token, account, device, expires_s);
	return e;
}

ca_err hubdb_session_get(struct hubdb *h, const char *token, char account[12],
			 char device[HUBDB_DEVICE_MAX + 1], int64_t *expires_s)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	db_lock(h);
	e = db_prep(h, &s, "SELECT account, device, expires_s FROM sessions WHERE token = ?1", "t",
		 token);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			e = CA_ERR_NOT_FOUND;
		else if (rc != SQLITE_ROW)
			e = db_fail(h, rc, "get session");
		else if (!sqlkit_col_copy(s, 0, account, 12) ||
			 !sqlkit_col_copy(s, 1, device, HUBDB_DEVICE_MAX + 1))
			e = CA_ERR_CORRUPT;
		else
			*expires_s = sqlite3_column_int64(s, 2);
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_session_end(struct hubdb *h, const char *token, const char *device, bool *ended)
{
	ca_err e;

	*ended = false;
	db_lock(h);
	e = db_run_sql(h, "end session",
		    "DELETE FROM sessions WHERE token = ?1 AND device = ?2", "tt", token,
		    device);
	if (!e)
		*ended = sqlite3_changes(h->db) > 0;
	db_unlock(h);
	return e;
}

void hubdb_set_binding_life(struct hubdb *h, int64_t seconds)
{
	assert(seconds >= 86400); /* > a session's life: see db.h, Bindings */
	db_lock(h);
	h->binding_life_s = seconds;
	db_unlock(h);
}

/* Give every row of account a fresh revision (in a transaction). */
static ca_err rerev_account(struct hubdb *h, const char *account)
{
	static const char *const tables[] = { "proc_records", "pickups", "invoices" };
	sqlite3_stmt *s = NULL;
	struct ca_app *app;
	char (*ids)[CA_UUID_LEN + 1] = NULL;
	size_t n = 0, cap = 0, i;
	ca_err e;
	int rc;
	int64_t rev;

	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	/* Applications: the body carries the rev, so load, set, store. */
	e = db_prep(h, &s, "SELECT id FROM applications WHERE account = ?1 ORDER BY rev", "t",
		 account);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			void *p = realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*ids));

			if (!p) {
				e = CA_ERR_NOMEM;
				break;
			}
			ids = p;
		}
		if (!sqlkit_col_copy(s, 0, ids[n], sizeof(ids[n]))) {
			e = CA_ERR_CORRUPT;
			break;
		}
		n++;
	}
	if (!e && rc != SQLITE_DONE)
		e = db_fail(h, rc, "list account");
	db_done(h, s);
	for (i = 0; !e && i < n; i++) {
		e = hubdb_app_get(h, ids[i], app);
		if (!e)
			e = hubdb_rev_next(h, &rev);
		if (!e) {
			app->rev = rev;
			e = hubdb_app_put(h, app);
		}
	}
	/* The other rows: one fresh revision each, in their current order. */
	for (i = 0; !e && i < sizeof(tables) / sizeof(tables[0]); i++) {
		int64_t *rowids = NULL;
		size_t m = 0, mcap = 0, k;
		char sql[160];

		snprintf(sql, sizeof(sql), "SELECT rowid FROM %s WHERE account = ?1 ORDER BY rev",
			 tables[i]);
		e = db_prep(h, &s, sql, "t", account);
		if (e)
			break;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (m == mcap) {
				void *p = realloc(rowids, (mcap = mcap ? 2 * mcap : 16) *
						  sizeof(*rowids));

				if (!p) {
					e = CA_ERR_NOMEM;
					break;
				}
				rowids = p;
			}
			rowids[m++] = sqlite3_column_int64(s, 0);
		}
		if (!e && rc != SQLITE_DONE)
			e = db_fail(h, rc, "list account rows");
		db_done(h, s);
		snprintf(sql, sizeof(sql), "UPDATE %s SET rev = ?1 WHERE rowid = ?2", tables[i]);
		for (k = 0; !e && k < m; k++) {
			e = hubdb_rev_next(h, &rev);
			if (!e)
				e = db_run_sql(h, "renumber", sql, "ii", rev, rowids[k]);
		}
		free(rowids);
	}
out:
	free(ids);
	free(app);
	return e;
}

ca_err hubdb_bind(struct hubdb *h, const char *device, const char *account, int64_t now_s)
{
	sqlite3_stmt *s;
	enum hubdb_binding was;
	ca_err e;

	IN_TX(h);
	was = hubdb_binding_state(h, device, account, now_s);
	e = db_prep(h, &s, "INSERT INTO bindings(device, account, bound_s) VALUES (?1, ?2, ?3)"
		 " ON CONFLICT DO UPDATE SET bound_s = max(bound_s, excluded.bound_s)", "tti",
		 device, account, now_s);
	if (e)
		return e;
	e = db_run(h, s, "bind");
	/* A new binding, or one that had expired: the device's cursor has
	 * gone past the account's rows (or changes it was not sent), so they
	 * get fresh revisions and reach it again. */
	if (!e && was != HUBDB_BOUND_LIVE)
		e = rerev_account(h, account);
	return e;
}

enum hubdb_binding hubdb_binding_state(struct hubdb *h, const char *device, const char *account,
				       int64_t now_s)
{
	sqlite3_stmt *s;
	enum hubdb_binding st = HUBDB_BOUND_NEVER;

	db_lock(h);
	if (!db_prep(h, &s, "SELECT bound_s >= ?3 - ?4 FROM bindings WHERE device = ?1 AND account = ?2",
		  "ttii", device, account, now_s, h->binding_life_s)) {
		if (sqlite3_step(s) == SQLITE_ROW)
			st = sqlite3_column_int(s, 0) ? HUBDB_BOUND_LIVE : HUBDB_BOUND_EXPIRED;
		db_done(h, s);
	}
	db_unlock(h);
	return st;
}

bool hubdb_bound(struct hubdb *h, const char *device, const char *account)
{
	return hubdb_binding_state(h, device, account, vclock_now_s()) == HUBDB_BOUND_LIVE;
}

/* ---- idempotency ---- */

ca_err hubdb_idem_get(struct hubdb *h, const char *device, const char *key, char hash[65],
		      int *status, char **result)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	*result = NULL;
	db_lock(h);
	e = db_prep(h, &s, "SELECT req_hash, status, result FROM idempotency"
		 " WHERE device = ?1 AND key = ?2", "tt", device, key);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			e = CA_ERR_NOT_FOUND;
		else if (rc != SQLITE_ROW)
			e = db_fail(h, rc, "get idempotency");
		else if (!sqlkit_col_copy(s, 0, hash, 65))
			e = CA_ERR_CORRUPT;
		else {
			*status = sqlite3_column_int(s, 1);
			*result = strdup((const char *)sqlite3_column_text(s, 2));
			if (!*result)
				e = CA_ERR_NOMEM;
		}
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_idem_put(struct hubdb *h, const char *device, const char *key, const char *hash,
		      int status, const char *result, int64_t now_ms)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "INSERT INTO idempotency(device, key, req_hash, status, result, at_ms)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "tttnti", device, key, hash, status,
		 result, now_ms);
	return e ? e : db_run(h, s, "store idempotency");
}

/* ---- applications ---- */

ca_err hubdb_app_get(struct hubdb *h, const char *id, struct ca_app *out)
{
	char cerr[CODEC_ERR_MAX];
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	db_lock(h);
	e = db_prep(h, &s, "SELECT body FROM applications WHERE id = ?1", "t", id);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			e = CA_ERR_NOT_FOUND;
		else if (rc != SQLITE_ROW)
			e = db_fail(h, rc, "get application");
		else if (codec_app_from_text((const char *)sqlite3_column_text(s, 0),
					     (size_t)sqlite3_column_bytes(s, 0), out, cerr,
					     sizeof(cerr)) != CA_OK) {
			log_error(TAG, "%s: application %s unreadable: %s", h->path, id, cerr);
			e = CA_ERR_CORRUPT;
		}
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_app_put(struct hubdb *h, const struct ca_app *app)
{
	char cerr[CODEC_ERR_MAX], *body = NULL;
	struct ca_app *check;
	ca_err e;

	IN_TX(h);
	check = malloc(sizeof(*check));
	if (!check)
		return CA_ERR_NOMEM;
	e = codec_app_to_text(app, &body);
	/* Only what reads back is written: never a row nobody can load. */
	if (!e && codec_app_from_text(body, strlen(body), check, cerr, sizeof(cerr)) != CA_OK) {
		log_warn(TAG, "application %s not stored: %s", app->id, cerr);
		e = CA_ERR_INVALID;
	}
	if (!e)
		e = db_run_sql(h, "put application",
			    "INSERT INTO applications(id, account, device, app_status, rev,"
			    " updated_ms, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			    " ON CONFLICT(id) DO UPDATE SET account = excluded.account,"
			    " device = excluded.device, app_status = excluded.app_status,"
			    " rev = excluded.rev, updated_ms = excluded.updated_ms,"
			    " body = excluded.body", "ttttiit", app->id, app->account,
			    app->kiosk_id, ca_app_status_id(app->app_status), app->rev,
			    app->updated_ms, body);
	free(body);
	free(check);
	return e;
}

ca_err hubdb_app_delete(struct hubdb *h, const char *id)
{
	ca_err e;

	IN_TX(h);
	e = db_run_sql(h, "delete application", "DELETE FROM applications WHERE id = ?1", "t", id);
	if (!e && sqlite3_changes(h->db) == 0)
		e = CA_ERR_NOT_FOUND;
	return e;
}

/* Run fn on each application row of the prepared statement s (body in
 * column 0) until fn answers non-zero; unreadable rows are logged and
 * skipped. Gives s back. Under the lock. */
static ca_err app_rows(struct hubdb *h, sqlite3_stmt *s, hubdb_app_fn fn, void *ctx)
{
	char cerr[CODEC_ERR_MAX];
	struct ca_app *app = malloc(sizeof(*app));
	ca_err e = CA_OK;
	int rc;

	if (!app) {
		db_done(h, s);
		return CA_ERR_NOMEM;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (codec_app_from_text((const char *)sqlite3_column_text(s, 0),
					(size_t)sqlite3_column_bytes(s, 0), app, cerr,
					sizeof(cerr)) != CA_OK) {
			log_error(TAG, "%s: unreadable application skipped: %s", h->path, cerr);
			continue;
		}
		if (fn(app, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(h, rc, "list applications");
	db_done(h, s);
	free(app);
	return e;
}

ca_err hubdb_app_each(struct hubdb *h, int status, int limit, hubdb_app_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	ca_err e;

	db_lock(h);
	if (status >= 0)
		e = db_prep(h, &s, "SELECT body FROM applications WHERE app_status = ?1"
			 " ORDER BY rev DESC LIMIT ?2", "tn",
			 ca_app_status_id((enum ca_app_status)status), limit);
	else
		e = db_prep(h, &s, "SELECT body FROM applications ORDER BY rev DESC LIMIT ?1", "n",
			 limit);
	if (!e)
		e = app_rows(h, s, fn, ctx);
	db_unlock(h);
	return e;
}

ca_err hubdb_app_page(struct hubdb *h, const struct hubdb_app_q *q, hubdb_app_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	ca_err e;

	db_lock(h);
	/* Oldest change first: what waits longest is on top. The text is a
	 * part of the company's name, or a whole USCC, phone or application
	 * id, or the start of an id (as a kiosk shows it). A scan: fine for a
	 * hall's thousands of applications. */
	e = db_prep(h, &s, "SELECT body FROM applications"
		    " WHERE (?1 IS NULL OR app_status = ?1)"
		    " AND (?2 IS NULL OR instr(json_extract(body, '$.company'), ?2) > 0"
		    "  OR json_extract(body, '$.uscc') = upper(?2) OR account = ?2"
		    "  OR substr(id, 1, length(?2)) = lower(?2))"
		    " AND (updated_ms > ?3 OR (updated_ms = ?3 AND id > ?4))"
		    " ORDER BY updated_ms, id LIMIT ?5", "ttitn",
		    q->status >= 0 ? ca_app_status_id((enum ca_app_status)q->status) : NULL,
		    q->text && *q->text ? q->text : NULL, q->after_ms,
		    q->after_id ? q->after_id : "", q->limit);
	if (!e)
		e = app_rows(h, s, fn, ctx);
	db_unlock(h);
	return e;
}

ca_err hubdb_history_add(struct hubdb *h, const char *app_id, int64_t rev, int64_t at_ms,
			 enum ca_action action, const struct ca_state *from,
			 const struct ca_state *to, const char *actor, const char *note)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "INSERT INTO app_history(app_id, rev, at_ms, action, from_app, from_pay,"
		 " from_proc, from_pickup, to_app, to_pay, to_proc, to_pickup, actor, note)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
		 "tiittttttttttt", app_id, rev, at_ms,
		 action == CA_ACT__N ? "create" : fsm_action_id(action),
		 ca_app_status_id(from->app), ca_pay_status_id(from->pay),
		 ca_proc_status_id(from->proc), ca_pickup_id(from->pickup),
		 ca_app_status_id(to->app), ca_pay_status_id(to->pay),
		 ca_proc_status_id(to->proc), ca_pickup_id(to->pickup), actor,
		 note ? note : "");
	return e ? e : db_run(h, s, "add history");
}

/* A row of hubdb_history_json. */
static json_t *history_row(sqlite3_stmt *s)
{
#define T(i) ((const char *)sqlite3_column_text(s, i))
	return json_pack("{s:I, s:I, s:s, s:[sss], s:[sss], s:s, s:s}",
			 "rev", (json_int_t)sqlite3_column_int64(s, 0),
			 "at_ms", (json_int_t)sqlite3_column_int64(s, 1), "action", T(2),
			 "from", T(3), T(4), T(5), "to", T(6), T(7), T(8),
			 "actor", T(9), "note", T(10));
#undef T
}

ca_err hubdb_history_json(struct hubdb *h, const char *app_id, json_t **out)
{
	return db_rows_json(h, out, history_row, "read history",
			 "SELECT rev, at_ms, action, from_app, from_pay, from_proc, to_app,"
			 " to_pay, to_proc, actor, note FROM app_history WHERE app_id = ?1"
			 " ORDER BY seq", "t", app_id);
}

ca_err hubdb_record_add(struct hubdb *h, const struct ca_proc_record *rec,
			const char *account, int64_t rev)
{
	char *body = NULL;
	ca_err e;

	IN_TX(h);
	e = codec_record_to_text(rec, &body);
	if (!e)
		e = db_run_sql(h, "add processing record",
			    "INSERT INTO proc_records(id, app_id, account, rev, at_ms, body)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "tttiit", rec->id, rec->app_id,
			    account, rev, rec->at_ms, body);
	free(body);
	return e;
}

/* A row of hubdb_record_json: the record's body (left out if unreadable). */
static json_t *record_row(sqlite3_stmt *s)
{
	return db_col_json(s, 0);
}

ca_err hubdb_record_json(struct hubdb *h, const char *app_id, json_t **out)
{
	return db_rows_json(h, out, record_row, "read records",
			 "SELECT body FROM proc_records WHERE app_id = ?1 ORDER BY at_ms, rev",
			 "t", app_id);
}

ca_err hubdb_pickup_put(struct hubdb *h, const char *app_id, const char *account,
			const char *kiosk, const char *slot, int64_t rev, int64_t at_ms)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "INSERT OR REPLACE INTO pickups(app_id, account, kiosk, slot, rev, at_ms)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "ttttii", app_id, account, kiosk,
		 slot ? slot : "", rev, at_ms);
	return e ? e : db_run(h, s, "put pickup");
}

static const char *inv_kind_id(enum einv_kind k)
{
	return k == EINV_RED ? "red" : "blue";
}

static const char *const inv_state_ids[] = { "pending", "issued", "failed" };

ca_err hubdb_invoice_request(struct hubdb *h, const char *app_id, const char *account,
			     enum einv_kind kind, const char *request_id, const char *reason,
			     int64_t rev, int64_t now_ms)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "INSERT INTO invoices(app_id, kind, account, rev, state, request_id,"
		 " reason, requested_ms) VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7)"
		 " ON CONFLICT(app_id, kind) DO UPDATE SET rev = excluded.rev,"
		 " state = CASE state WHEN 'failed' THEN 'pending' ELSE state END,"
		 " tries = CASE state WHEN 'failed' THEN 0 ELSE tries END,"
		 " next_try_ms = CASE state WHEN 'failed' THEN 0 ELSE next_try_ms END",
		 "tttitti", app_id, inv_kind_id(kind), account, rev, request_id,
		 reason ? reason : "", now_ms);
	return e ? e : db_run(h, s, "request invoice");
}

#define INV_COLS "app_id, account, kind, state, request_id, reason, number, original," \
	" requested_ms, issued_ms, total_fen, tax_fen, tries, next_try_ms, error, rev"

/* Read INV_COLS of s into *o. */
static bool inv_cols(sqlite3_stmt *s, struct hubdb_invoice *o)
{
	const char *kind = (const char *)sqlite3_column_text(s, 2);
	const char *state = (const char *)sqlite3_column_text(s, 3);
	int i;

	memset(o, 0, sizeof(*o));
	if (!kind || !state)
		return false;
	o->kind = !strcmp(kind, "red") ? EINV_RED : EINV_BLUE;
	for (i = 0; i < 3 && strcmp(state, inv_state_ids[i]); i++)
		;
	if (i == 3)
		return false;
	o->state = (enum hubdb_inv_state)i;
	o->requested_ms = sqlite3_column_int64(s, 8);
	o->issued_ms = sqlite3_column_int64(s, 9);
	o->total_fen = sqlite3_column_int64(s, 10);
	o->tax_fen = sqlite3_column_int64(s, 11);
	o->tries = sqlite3_column_int(s, 12);
	o->next_try_ms = sqlite3_column_int64(s, 13);
	o->rev = sqlite3_column_int64(s, 15);
	return sqlkit_col_copy(s, 0, o->app_id, sizeof(o->app_id)) &&
	       sqlkit_col_copy(s, 1, o->account, sizeof(o->account)) &&
	       sqlkit_col_copy(s, 4, o->request_id, sizeof(o->request_id)) &&
	       sqlkit_col_copy(s, 5, o->reason, sizeof(o->reason)) &&
	       sqlkit_col_copy(s, 6, o->number, sizeof(o->number)) &&
	       sqlkit_col_copy(s, 7, o->original, sizeof(o->original)) &&
	       sqlkit_col_copy(s, 14, o->error, sizeof(o->error));
}

ca_err hubdb_invoice_get(struct hubdb *h, const char *app_id, enum einv_kind kind,
			 struct hubdb_invoice *out)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	db_lock(h);
	e = db_prep(h, &s, "SELECT " INV_COLS " FROM invoices WHERE app_id = ?1 AND kind = ?2",
		 "tt", app_id, inv_kind_id(kind));
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		e = inv_cols(s, out) ? CA_OK : CA_ERR_CORRUPT;
	else
		e = rc == SQLITE_DONE ? CA_ERR_NOT_FOUND : db_fail(h, rc, "read invoice");
	db_done(h, s);
out:
	db_unlock(h);
	return e;
}

ca_err hubdb_invoice_due(struct hubdb *h, int64_t now_ms, struct hubdb_invoice *out,
			 size_t max, size_t *n)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc = SQLITE_DONE;

	*n = 0;
	db_lock(h);
	e = db_prep(h, &s, "SELECT " INV_COLS " FROM invoices WHERE state = 'pending'"
		 " AND next_try_ms <= ?1 ORDER BY requested_ms, kind LIMIT ?2", "in", now_ms,
		 (int)(max > 1000 ? 1000 : max));
	if (!e) {
		while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (!inv_cols(s, &out[*n])) {
				e = CA_ERR_CORRUPT;
				break;
			}
			(*n)++;
		}
		if (!e && *n < max && rc != SQLITE_DONE)
			e = db_fail(h, rc, "list invoices due");
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_invoice_issued(struct hubdb *h, const char *app_id, enum einv_kind kind,
			    const struct einvoice *inv, const char *data, const char *xml,
			    size_t xml_len, int64_t rev)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "UPDATE invoices SET state = 'issued', number = ?3, original = ?4,"
		 " issued_ms = ?5, total_fen = ?6, tax_fen = ?7, data = ?8, xml = ?9, rev = ?10,"
		 " error = '' WHERE app_id = ?1 AND kind = ?2 AND state = 'pending'",
		 "ttttiiitbi", app_id, inv_kind_id(kind), inv->number, inv->original,
		 inv->issued_s * 1000, inv->total_fen, inv->tax_fen, data, xml, (int)xml_len, rev);
	if (e)
		return e;
	e = db_run(h, s, "store issued invoice");
	if (!e && sqlite3_changes(h->db) == 0)
		e = CA_ERR_CONFLICT;
	return e;
}

ca_err hubdb_invoice_retry(struct hubdb *h, const char *app_id, enum einv_kind kind, int tries,
			   int64_t next_try_ms, const char *error)
{
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "note invoice retry",
		    "UPDATE invoices SET tries = ?3, next_try_ms = ?4, error = ?5"
		    " WHERE app_id = ?1 AND kind = ?2 AND state = 'pending'", "ttnit", app_id,
		    inv_kind_id(kind), tries, next_try_ms, error);
	db_unlock(h);
	return e;
}

ca_err hubdb_invoice_failed(struct hubdb *h, const char *app_id, enum einv_kind kind,
			    const char *error, int64_t rev)
{
	ca_err e;

	IN_TX(h);
	e = db_run_sql(h, "note invoice refused",
		    "UPDATE invoices SET state = 'failed', error = ?3, rev = ?4"
		    " WHERE app_id = ?1 AND kind = ?2 AND state = 'pending'", "ttti", app_id,
		    inv_kind_id(kind), error, rev);
	if (!e && sqlite3_changes(h->db) == 0)
		e = CA_ERR_CONFLICT;
	return e;
}

ca_err hubdb_invoice_files(struct hubdb *h, const char *app_id, enum einv_kind kind,
			   char **data, char **xml, size_t *xml_len)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	*data = *xml = NULL;
	*xml_len = 0;
	db_lock(h);
	e = db_prep(h, &s, "SELECT data, xml FROM invoices WHERE app_id = ?1 AND kind = ?2"
		 " AND state = 'issued'", "tt", app_id, inv_kind_id(kind));
	if (e)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_bytes(s, 1);
		const void *x = sqlite3_column_blob(s, 1);

		*data = strdup(sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0)
			       : "");
		*xml = malloc((size_t)n + 1);
		if (!*data || !*xml) {
			e = CA_ERR_NOMEM;
		} else {
			if (n)
				memcpy(*xml, x, (size_t)n);
			(*xml)[n] = '\0';
			*xml_len = (size_t)n;
		}
	} else {
		e = rc == SQLITE_DONE ? CA_ERR_NOT_FOUND : db_fail(h, rc, "read invoice files");
	}
	db_done(h, s);
	if (e) {
		free(*data);
		free(*xml);
		*data = *xml = NULL;
	}
out:
	db_unlock(h);
	return e;
}

ca_err hubdb_inv_token_add(struct hubdb *h, const struct hubdb_inv_token *t)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_run_sql(h, "drop expired invoice tokens",
		    "DELETE FROM invoice_tokens WHERE app_id = ?1 AND expires_s <= ?2", "ti",
		    t->app_id, t->created_s);
	if (!e)
		e = db_prep(h, &s, "INSERT INTO invoice_tokens(token, app_id, created_s, expires_s)"
			 " VALUES (?1, ?2, ?3, ?4)", "ttii", t->token, t->app_id, t->created_s,
			 t->expires_s);
	return e ? e : db_run(h, s, "add invoice token");
}

/* One invoice_tokens row from s (columns in INV_TOKEN_COLS order). */
#define INV_TOKEN_COLS "token, app_id, created_s, expires_s, tries, pdf_key, pdf_expires_s"
static bool inv_token_row(sqlite3_stmt *s, struct hubdb_inv_token *t)
{
	t->created_s = sqlite3_column_int64(s, 2);
	t->expires_s = sqlite3_column_int64(s, 3);
	t->tries = sqlite3_column_int(s, 4);
	t->pdf_expires_s = sqlite3_column_int64(s, 6);
	return sqlkit_col_copy(s, 0, t->token, sizeof(t->token)) &&
	       sqlkit_col_copy(s, 1, t->app_id, sizeof(t->app_id)) &&
	       sqlkit_col_copy(s, 5, t->pdf_key, sizeof(t->pdf_key));
}

/* The one row of sql with its binds into *t; CA_ERR_NOT_FOUND when none. */
static ca_err inv_token_one(struct hubdb *h, struct hubdb_inv_token *t, sqlite3_stmt *s)
{
	ca_err e = CA_OK;
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		e = inv_token_row(s, t) ? CA_OK : CA_ERR_DB;
	else
		e = rc == SQLITE_DONE ? CA_ERR_NOT_FOUND : db_fail(h, rc, "read invoice token");
	db_done(h, s);
	return e;
}

ca_err hubdb_inv_token_live(struct hubdb *h, const char *app_id, int64_t min_expires_s,
			    int tries_max, struct hubdb_inv_token *out)
{
	sqlite3_stmt *s;
	ca_err e;

	memset(out, 0, sizeof(*out));
	db_lock(h);
	e = db_prep(h, &s, "SELECT " INV_TOKEN_COLS " FROM invoice_tokens"
		 " WHERE app_id = ?1 AND expires_s >= ?2 AND tries < ?3"
		 " ORDER BY expires_s DESC LIMIT 1", "tin", app_id, min_expires_s, tries_max);
	if (!e)
		e = inv_token_one(h, out, s);
	db_unlock(h);
	return e;
}

ca_err hubdb_inv_token_get(struct hubdb *h, const char *token, struct hubdb_inv_token *out)
{
	sqlite3_stmt *s;
	ca_err e;

	memset(out, 0, sizeof(*out));
	db_lock(h);
	e = db_prep(h, &s, "SELECT " INV_TOKEN_COLS " FROM invoice_tokens WHERE token = ?1", "t",
		 token);
	if (!e)
		e = inv_token_one(h, out, s);
	db_unlock(h);
	return e;
}

ca_err hubdb_inv_token_set(struct hubdb *h, const char *token, int tries, const char *pdf_key,
			   int64_t pdf_expires_s)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "UPDATE invoice_tokens SET tries = ?2, pdf_key = ?3, pdf_expires_s = ?4"
		 " WHERE token = ?1", "tnti", token, tries, pdf_key, pdf_expires_s);
	return e ? e : db_run(h, s, "update invoice token");
}

/* ---- restocks ---- */

ca_err hubdb_restock_add(struct hubdb *h, const struct hubdb_restock *r)
{
	sqlite3_stmt *s;
	ca_err e;

	IN_TX(h);
	e = db_prep(h, &s, "INSERT INTO restocks(device, key, slot, stock_before, stock_after,"
		 " at_ms, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "ttnnnii",
		 r->device, r->key, r->slot, r->before, r->after, r->at_ms, r->received_ms);
	return e ? e : db_run(h, s, "add restock");
}

/* A row of hubdb_restock_json. */
static json_t *restock_row(sqlite3_stmt *s)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:I, s:I, s:s}",
			 "kiosk", (const char *)sqlite3_column_text(s, 0),
			 "slot", sqlite3_column_int(s, 1),
			 "before", sqlite3_column_int(s, 2),
			 "after", sqlite3_column_int(s, 3),
			 "at_ms", (json_int_t)sqlite3_column_int64(s, 4),
			 "received_ms", (json_int_t)sqlite3_column_int64(s, 5),
			 "key", (const char *)sqlite3_column_text(s, 6));
}

ca_err hubdb_restock_json(struct hubdb *h, const char *device, int limit, json_t **out)
{
	/* ?1 IS NULL: every kiosk. */
	return db_rows_json(h, out, restock_row, "list restocks",
			 "SELECT device, slot, stock_before, stock_after, at_ms, received_ms, key"
			 " FROM restocks WHERE ?1 IS NULL OR device = ?1"
			 " ORDER BY at_ms DESC, seq DESC LIMIT ?2", "tn", device, limit);
}

/* The JSON objects of the side tables, as the feed shows them. */
#define PICKUP_JSON "json_object('app_id', app_id, 'kiosk', kiosk, 'slot', slot, 'at_ms', at_ms)"
#define INVOICE_JSON "json_object('app_id', app_id, 'kind', kind, 'state', state," \
	" 'number', number, 'issued_ms', issued_ms, 'original', original," \
	" 'total_fen', total_fen, 'tax_fen', tax_fen)"

/* The first column of the one row of sql (bound to app_id) as JSON, or NULL. */
static ca_err one_json(struct hubdb *h, const char *sql, const char *app_id, json_t **out)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	*out = NULL;
	e = db_prep(h, &s, sql, "t", app_id);
	if (e)
		return e;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = db_col_json(s, 0);
	else if (rc != SQLITE_DONE)
		e = db_fail(h, rc, "read side row");
	db_done(h, s);
	return e;
}

ca_err hubdb_side_json(struct hubdb *h, const char *app_id, json_t **pickup, json_t **invoices)
{
	ca_err e;

	db_lock(h);
	e = one_json(h, "SELECT " PICKUP_JSON " FROM pickups WHERE app_id = ?1", app_id, pickup);
	if (!e)
		e = one_json(h, "SELECT json_group_array(json(" INVOICE_JSON ")) FROM"
			     " (SELECT * FROM invoices WHERE app_id = ?1 ORDER BY kind)", app_id,
			     invoices);
	db_unlock(h);
	if (e) {
		json_decref(*pickup);
		*pickup = NULL;
	}
	return e;
}

/* ---- the feed ---- */

ca_err hubdb_feed(struct hubdb *h, const char *device, int64_t since, int limit,
		  json_t **changes, int64_t *next, bool *more)
{
	static const char sql[] =
		"WITH acc AS (SELECT account FROM bindings WHERE device = ?1 AND bound_s >= ?4 - ?5)"
		" SELECT rev, 'app', body FROM applications"
		"  WHERE rev > ?2 AND account IN acc"
		" UNION ALL SELECT rev, 'record', body FROM proc_records"
		"  WHERE rev > ?2 AND account IN acc"
		" UNION ALL SELECT rev, 'pickup', " PICKUP_JSON " FROM pickups"
		"  WHERE rev > ?2 AND account IN acc"
		" UNION ALL SELECT rev, 'invoice', " INVOICE_JSON " FROM invoices"
		"  WHERE rev > ?2 AND account IN acc"
		" ORDER BY 1 LIMIT ?3";
	sqlite3_stmt *s;
	json_t *arr = json_array(), *j;
	ca_err e;
	int rc, n = 0;

	*changes = NULL;
	*next = since;
	*more = false;
	if (!arr)
		return CA_ERR_NOMEM;
	db_lock(h);
	e = db_prep(h, &s, sql, "tinii", device, since, limit + 1, vclock_now_s(), h->binding_life_s);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 1);

		if (n == limit) {
			*more = true;
			break;
		}
		*next = sqlite3_column_int64(s, 0);
		n++;
		j = db_col_json(s, 2);
		if (!j) {
			log_error(TAG, "%s: feed row %lld unreadable, skipped", h->path,
				  (long long)*next);
			continue;
		}
		json_array_append_new(arr, json_pack("{s:I, s:s, s:o}", "rev", (json_int_t)*next,
						     "kind", kind, kind, j));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(h, rc, "read feed");
	db_done(h, s);
out:
	db_unlock(h);
	if (e)
		json_decref(arr);
	else
		*changes = arr;
	return e;
}

/* ---- payments ---- */

/* The columns both order tables share, in this order. */
#define ORDER_COLS "out_trade_no, app_id, method, amount_fen, created_s, expires_s, state," \
		   " paid_s, bank, code_url"

/* Read ORDER_COLS at column 0.. of s into o, bank and url (either may be
 * NULL). false when a value is out of range. */
static bool order_cols(sqlite3_stmt *s, struct pay_order *o, char *bank, char *url)
{
	int m = pay_method_from_id((const char *)sqlite3_column_text(s, 2));
	int st = pay_state_from_id((const char *)sqlite3_column_text(s, 6));

	memset(o, 0, sizeof(*o));
	if (m < 0 || st < 0 || !sqlkit_col_copy(s, 0, o->out_trade_no, sizeof(o->out_trade_no)) ||
	    !sqlkit_col_copy(s, 1, o->app_id, sizeof(o->app_id)) ||
	    (bank && !sqlkit_col_copy(s, 8, bank, HUBDB_BANK_MAX + 1)) ||
	    (url && !sqlkit_col_copy(s, 9, url, HUBDB_URL_MAX + 1)))
		return false;
	o->method = (enum pay_method)m;
	o->amount_fen = sqlite3_column_int64(s, 3);
	o->created_s = sqlite3_column_int64(s, 4);
	o->expires_s = sqlite3_column_int64(s, 5);
	o->state = (enum pay_state)st;
	o->paid_s = sqlite3_column_int64(s, 7);
	return true;
}

ca_err hubdb_pay_add(struct hubdb *h, const struct hubdb_pay *p)
{
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "add payment order",
		    "INSERT INTO pay_orders(" ORDER_COLS ", account, applied_rev,"
		    " notifications, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		    " ?11, ?12, ?13, ?14)", "tttiiitittti" "ni",
		    p->o.out_trade_no, p->o.app_id, pay_method_id(p->o.method), p->o.amount_fen,
		    p->o.created_s, p->o.expires_s, pay_state_id(p->o.state), p->o.paid_s, p->bank,
		    p->code_url, p->account, p->applied_rev, p->notifications, p->updated_ms);
	db_unlock(h);
	return e;
}

/* The columns of a hub order read by pay_cols(), in its order. */
#define PAY_COLS ORDER_COLS ", account, applied_rev, notifications, updated_ms"

/* A row of PAY_COLS into out; false when a value is out of range. */
static bool pay_cols(sqlite3_stmt *s, struct hubdb_pay *out)
{
	memset(out, 0, sizeof(*out));
	if (!order_cols(s, &out->o, out->bank, out->code_url) ||
	    !sqlkit_col_copy(s, 10, out->account, sizeof(out->account)))
		return false;
	out->applied_rev = sqlite3_column_int64(s, 11);
	out->notifications = sqlite3_column_int(s, 12);
	out->updated_ms = sqlite3_column_int64(s, 13);
	return true;
}

ca_err hubdb_pay_get(struct hubdb *h, const char *no, struct hubdb_pay *out)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	db_lock(h);
	e = db_prep(h, &s, "SELECT " PAY_COLS " FROM pay_orders WHERE out_trade_no = ?1", "t", no);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			e = CA_ERR_NOT_FOUND;
		else if (rc != SQLITE_ROW)
			e = db_fail(h, rc, "get payment order");
		else if (!pay_cols(s, out))
			e = CA_ERR_CORRUPT;
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_pay_page(struct hubdb *h, const struct hubdb_pay_q *q, struct hubdb_pay *out,
		      size_t *n)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc = SQLITE_DONE;
	size_t max = q->limit > 0 ? (size_t)q->limit : 0;

	*n = 0;
	db_lock(h);
	/* Newest first; the cursor is the last row's (created_s, out_trade_no). */
	e = db_prep(h, &s, "SELECT " PAY_COLS " FROM pay_orders"
		    " WHERE (?1 IS NULL OR state = ?1)"
		    " AND (?2 = 0 OR created_s < ?2 OR (created_s = ?2 AND out_trade_no < ?3))"
		    " ORDER BY created_s DESC, out_trade_no DESC LIMIT ?4", "titn",
		    q->state >= 0 ? pay_state_id((enum pay_state)q->state) : NULL, q->before_s,
		    q->before_no ? q->before_no : "", (int)max);
	if (!e) {
		while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (!pay_cols(s, &out[*n])) {
				e = CA_ERR_CORRUPT;
				break;
			}
			(*n)++;
		}
		if (!e && *n < max && rc != SQLITE_DONE)
			e = db_fail(h, rc, "list payment orders");
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_pay_set(struct hubdb *h, const char *no, enum pay_state state, int64_t paid_s,
		     int64_t applied_rev, int64_t now_ms)
{
	ca_err e;

	IN_TX(h);
	e = db_run_sql(h, "update payment order",
		    "UPDATE pay_orders SET state = ?2, paid_s = ?3, applied_rev = ?4,"
		    " updated_ms = ?5 WHERE out_trade_no = ?1", "ttiii", no, pay_state_id(state),
		    paid_s, applied_rev, now_ms);
	if (!e && sqlite3_changes(h->db) == 0)
		e = CA_ERR_NOT_FOUND;
	return e;
}

ca_err hubdb_pay_notified(struct hubdb *h, const char *no)
{
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "count notification",
		    "UPDATE pay_orders SET notifications = notifications + 1"
		    " WHERE out_trade_no = ?1", "t", no);
	if (!e && sqlite3_changes(h->db) == 0)
		e = CA_ERR_NOT_FOUND;
	db_unlock(h);
	return e;
}

ca_err hubdb_pay_list(struct hubdb *h, enum hubdb_pay_sel sel, const char *app_id,
		      int64_t now_s, char (*nos)[PAY_TRADE_NO_MAX + 1], size_t max, size_t *n)
{
	static const char *const sql[] = {
		[HUBDB_PAY_OPEN_OF_APP] = "SELECT out_trade_no FROM pay_orders WHERE app_id = ?1"
			" AND state = 'NOTPAY' AND ?2 = ?2 ORDER BY created_s LIMIT ?3",
		[HUBDB_PAY_EXPIRED] = "SELECT out_trade_no FROM pay_orders WHERE ?1 IS NULL"
			" AND state = 'NOTPAY' AND expires_s <= ?2 ORDER BY expires_s LIMIT ?3",
		[HUBDB_PAY_REFUND_DUE] = "SELECT out_trade_no FROM pay_orders WHERE ?1 IS NULL"
			" AND ?2 = ?2 AND state = 'SUCCESS' AND applied_rev = 0"
			" ORDER BY updated_ms LIMIT ?3",
		[HUBDB_PAY_OF_APP] = "SELECT out_trade_no FROM pay_orders WHERE app_id = ?1"
			" AND ?2 = ?2 ORDER BY created_s, rowid LIMIT ?3",
	};
	sqlite3_stmt *s;
	ca_err e;
	int rc = SQLITE_DONE;

	*n = 0;
	assert((unsigned)sel < sizeof(sql) / sizeof(sql[0]));
	db_lock(h);
	e = db_prep(h, &s, sql[sel], "tin",
		 sel == HUBDB_PAY_OPEN_OF_APP || sel == HUBDB_PAY_OF_APP ? app_id : NULL, now_s,
		 (int)(max > 100000 ? 100000 : max));
	if (!e) {
		while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (!sqlkit_col_copy(s, 0, nos[*n], PAY_TRADE_NO_MAX + 1)) {
				e = CA_ERR_CORRUPT;
				break;
			}
			(*n)++;
		}
		if (!e && *n < max && rc != SQLITE_DONE)
			e = db_fail(h, rc, "list payment orders");
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

/* ---- kiosks' health (heartbeats, docs/fleet.md) ---- */

ca_err hubdb_health_beat(struct hubdb *h, const char *device, int64_t now_ms, int interval_s,
			 const char *beat, bool *restart, bool *send_log)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	*restart = *send_log = false;
	e = hubdb_begin(h);
	if (e)
		return e;
	e = db_run_sql(h, "store heartbeat",
		    "INSERT INTO device_health(device, received_ms, interval_s, beat)"
		    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(device) DO UPDATE SET"
		    " received_ms = ?2, interval_s = ?3, beat = ?4", "tint",
		    device, now_ms, interval_s, beat);
	if (!e)
		e = db_prep(h, &s, "SELECT restart_asked_ms, log_asked_ms FROM device_health"
			 " WHERE device = ?1", "t", device);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*restart = sqlite3_column_int64(s, 0) > 0;
			*send_log = sqlite3_column_int64(s, 1) > 0;
		} else {
			e = db_fail(h, rc, "read health requests");
		}
		db_done(h, s);
	}
	/* Delivered with this answer: a request is handed out once. */
	if (!e && (*restart || *send_log)) {
		e = db_run_sql(h, "deliver health requests",
			    "UPDATE device_health SET"
			    " restart_sent_ms = CASE WHEN restart_asked_ms > 0 THEN ?2"
			    "  ELSE restart_sent_ms END,"
			    " restart_asked_ms = 0,"
			    " log_sent_ms = CASE WHEN log_asked_ms > 0 THEN ?2 ELSE log_sent_ms END,"
			    " log_asked_ms = 0 WHERE device = ?1", "ti", device, now_ms);
	}
	if (e) {
		hubdb_rollback(h);
		*restart = *send_log = false;
		return e;
	}
	return hubdb_commit(h);
}

ca_err hubdb_health_ask(struct hubdb *h, const char *device, enum hubdb_ask what,
			int64_t now_ms)
{
	struct hubdb_device d;
	ca_err e;

	e = hubdb_device_get(h, device, &d);
	explicit_bzero(&d, sizeof(d)); /* only its existence was needed */
	if (e)
		return e;
	db_lock(h);
	e = db_run_sql(h, "store health request",
		    what == HUBDB_ASK_RESTART
		    ? "INSERT INTO device_health(device, restart_asked_ms) VALUES (?1, ?2)"
		      " ON CONFLICT(device) DO UPDATE SET restart_asked_ms = ?2"
		    : "INSERT INTO device_health(device, log_asked_ms) VALUES (?1, ?2)"
		      " ON CONFLICT(device) DO UPDATE SET log_asked_ms = ?2",
		    "ti", device, now_ms);
	db_unlock(h);
	return e;
}

ca_err hubdb_health_log_put(struct hubdb *h, const char *device, int64_t now_ms,
			    const char *text)
{
	sqlite3_stmt *s;
	ca_err e;

	db_lock(h);
	/* Only a tail that was asked for and not yet answered is taken. */
	e = db_prep(h, &s, "UPDATE device_health SET log_ms = ?2, log_text = ?3"
		 " WHERE device = ?1 AND log_sent_ms > log_ms", "tit", device, now_ms, text);
	if (!e) {
		e = db_run(h, s, "store log tail");
		if (!e && sqlite3_changes(h->db) == 0)
			e = CA_ERR_CONFLICT;
	}
	db_unlock(h);
	return e;
}

/* A row of hubdb_health_json. */
static json_t *health_row(sqlite3_stmt *s)
{
	json_t *beat = db_col_json(s, 4);

	return json_pack("{s:s, s:b, s:I, s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:s}",
			 "id", (const char *)sqlite3_column_text(s, 0),
			 "enabled", sqlite3_column_int(s, 1),
			 "received_ms", (json_int_t)sqlite3_column_int64(s, 2),
			 "interval_s", sqlite3_column_int(s, 3),
			 "beat", beat ? beat : json_object(),
			 "restart_asked_ms", (json_int_t)sqlite3_column_int64(s, 5),
			 "restart_sent_ms", (json_int_t)sqlite3_column_int64(s, 6),
			 "log_asked_ms", (json_int_t)sqlite3_column_int64(s, 7),
			 "log_sent_ms", (json_int_t)sqlite3_column_int64(s, 8),
			 "log_ms", (json_int_t)sqlite3_column_int64(s, 9),
			 "log_text", (const char *)sqlite3_column_text(s, 10));
}

ca_err hubdb_health_json(struct hubdb *h, const char *device, json_t **out)
{
	/* ?1 IS NULL: every device. */
	return db_rows_json(h, out, health_row, "list health",
			 "SELECT d.id, d.enabled, coalesce(x.received_ms, 0),"
			 " coalesce(x.interval_s, 0), coalesce(x.beat, '{}'),"
			 " coalesce(x.restart_asked_ms, 0), coalesce(x.restart_sent_ms, 0),"
			 " coalesce(x.log_asked_ms, 0), coalesce(x.log_sent_ms, 0),"
			 " coalesce(x.log_ms, 0), coalesce(x.log_text, '')"
			 " FROM devices d LEFT JOIN device_health x ON x.device = d.id"
			 " WHERE ?1 IS NULL OR d.id = ?1 ORDER BY d.id", "t", device);
}
