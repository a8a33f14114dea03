/*
 * store_privacy.c - what the kiosk store does for privacy (docs/privacy.md):
 * the logout row for the hub, emptying the WAL (store_scrub), a fresh
 * connection in place of the old one (store_forget), and purging finished
 * orders (store_purge_finished). Start with store_purge_finished().
 */
#include "store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/sign.h"

/* ---- logout ---- */

ca_err store_logout_queue(struct store *st, const char *token, int64_t now_ms,
			  char key_out[CA_UUID_LEN + 1])
{
	char *payload = NULL;
	ca_err e;

	assert(st);
	if (!token || strlen(token) != SIGN_HEX_LEN || !sign_is_hex(token, SIGN_HEX_LEN))
		return CA_ERR_ARG;
	e = st_json_text(json_pack("{s:s, s:I, s:s}", "op", STORE_KIND_LOGOUT, "at_ms",
				   (json_int_t)now_ms, "session", token), &payload);
	if (e)
		return e;
	e = st_enqueue_alone(st, STORE_SESSION_ROWS, STORE_KIND_LOGOUT, payload, now_ms, key_out);
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
		st_conn_config(db);
		rc = sqlite3_exec(db, ST_CONN_PRAGMAS, NULL, NULL, NULL);
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
		"DELETE FROM invoices WHERE app_id = ?1",
		"DELETE FROM dispense_intents WHERE app_id = ?1 AND state <> 'pending'",
		"DELETE FROM outbox WHERE app_id = ?1 AND state = 'parked'",
	};
	size_t i;
	ca_err e = CA_OK;

	for (i = 0; !e && i < sizeof(sql) / sizeof(sql[0]); i++)
		e = st_run(st, sql[i], "purge", "t", id);
	return e;
}

/* A walk of purge_scan: the ids of the orders to purge. */
struct purge_walk {
	struct ca_app *app; /* the record of the row, scratch */
	struct st_ids l;    /* the ids found */
};

/* One row of purge_scan: id, body. */
static ca_err purge_row(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop)
{
	struct purge_walk *w = ctx;
	char cerr[CODEC_ERR_MAX];

	(void)stop;
	if (codec_app_from_text((const char *)sqlite3_column_text(s, 1),
				(size_t)sqlite3_column_bytes(s, 1), w->app, cerr,
				sizeof(cerr)) != CA_OK) {
		log_error(TAG, "%s: an application is unreadable, not purged: %s", st->path,
			  cerr);
		return CA_OK;
	}
	if (w->app->pay_status != CA_PAY_DONE && w->app->pay_status != CA_PAY_REFUNDED)
		return CA_OK;
	return st_ids_add(&w->l, w->app->id);
}

/* The finished orders last changed before before_ms, with no pending
 * outbox row, into w. */
static ca_err purge_scan(struct store *st, int64_t before_ms, struct purge_walk *w)
{
	static const char sql[] =
		"SELECT id, body FROM applications WHERE updated_ms < ?1"
		" AND id NOT IN (SELECT app_id FROM outbox WHERE state = 'pending')";

	return st_each(st, sql, "purge", purge_row, w, "i", (int64_t)before_ms);
}

ca_err store_purge_finished(struct store *st, int64_t before_ms, int *purged)
{
	struct purge_walk w = { malloc(sizeof(struct ca_app)), { NULL, 0, 0 } };
	size_t i;
	ca_err e;

	assert(st);
	if (purged)
		*purged = 0;
	if (!w.app)
		return CA_ERR_NOMEM;
	/* What is deleted is overwritten, not left in free pages: the store
	 * runs with secure_delete on (store_open). */
	e = store_begin(st);
	if (e)
		goto out;
	e = purge_scan(st, before_ms, &w);
	for (i = 0; !e && i < w.l.n; i++)
		e = purge_one(st, w.l.ids[i]);
	e = st_tx_close(st, true, e);
	if (!e && w.l.n > 0) {
		store_scrub(st);
		log_info(TAG, "purged the personal data of %zu finished order(s)", w.l.n);
	}
	if (!e && purged)
		*purged = (int)w.l.n;
out:
	explicit_bzero(w.app, sizeof(*w.app));
	free(w.app);
	free(w.l.ids);
	return e;
}
