/*
 * store_sync.c - the kiosk store's side of sync with the hub (schema
 * version 2, see store.h and docs/sync.md): the hub's snapshots kept in
 * remote_apps and applied by st_reconcile() when no local row waits, the
 * answer to a sent outbox row, the feed's cursor and epoch, a feed reset,
 * where a key waits (pickups), the e-invoices and a feed batch. Start with
 * st_reconcile(), then store_feed_apply().
 */
#include "store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/sqlkit.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/uuid.h"

/* Keep the hub's snapshot app unless a newer one (or a tombstone) is kept. */
static ca_err remote_put(struct store *st, const struct ca_app *app)
{
	static const char sql[] =
		"INSERT INTO remote_apps(id, rev, deleted, body) VALUES (?1, ?2, 0, ?3)"
		" ON CONFLICT(id) DO UPDATE SET rev = excluded.rev, body = excluded.body"
		" WHERE remote_apps.deleted = 0 AND excluded.rev > remote_apps.rev";
	char *body = NULL;
	ca_err e;

	if (!uuid_valid(app->id))
		return CA_ERR_ARG;
	e = codec_app_to_text(app, &body);
	if (!e)
		e = st_run(st, sql, "keep hub snapshot", "tit", app->id, (int64_t)app->rev, body);
	free(body);
	return e;
}

/* Tombstone application id: deleted here and acknowledged by the hub. */
static ca_err remote_tombstone(struct store *st, const char *id)
{
	static const char sql[] =
		"INSERT INTO remote_apps(id, rev, deleted, body) VALUES (?1, 0, 1, NULL)"
		" ON CONFLICT(id) DO UPDATE SET deleted = 1, body = NULL";

	return st_run(st, sql, "tombstone", "t", id);
}

/* Whether application id has a pending outbox row, into *yes. */
static ca_err has_pending(struct store *st, const char *id, bool *yes)
{
	int n = 1;
	ca_err e = store_outbox_app_pending(st, id, &n);

	*yes = e || n > 0;
	return e;
}

/* The kept snapshot of id into *app; *found false when there is none or it
 * is a tombstone. */
static ca_err remote_get(struct store *st, const char *id, struct ca_app *app,
			 bool *found)
{
	ca_err e = st_app_select(st, "SELECT body FROM remote_apps WHERE id = ?1 AND deleted = 0",
				 "read hub snapshot", id, app);

	*found = e == CA_OK;
	return e == CA_ERR_NOT_FOUND ? CA_OK : e;
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

/* See store_int.h. */
ca_err st_reconcile(struct store *st, const char *app_id, int64_t now_ms,
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
	e = st_app_load(st, app_id, local);
	if (e && e != CA_ERR_NOT_FOUND)
		goto out;
	exists = e == CA_OK;
	e = CA_OK;
	if (exists && local->rev >= remote->rev)
		goto out;
	from = exists ? ca_state_of(local) : ca_state_of(remote);
	to = ca_state_of(remote);
	e = st_row_write(st, exists ? W_UPDATE : W_INSERT, remote);
	if (e)
		goto out;
	if (!exists || memcmp(&from, &to, sizeof(from)) != 0) {
		e = st_history_add(st, app_id, now_ms ? now_ms : remote->updated_ms,
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

/* store_outbox_sent inside the transaction. */
static ca_err sent_in_tx(struct store *st, int64_t seq, const struct ca_app *hub_app,
			 int64_t now_ms)
{
	char app_id[CA_UUID_LEN + 1], kind[24];
	ca_err e = st_outbox_row_app(st, seq, app_id, kind);

	if (!e)
		e = store_outbox_mark_sent(st, seq);
	if (e || !uuid_valid(app_id))
		return e;
	if (strcmp(kind, "delete") == 0)
		return remote_tombstone(st, app_id);
	if (hub_app && strcmp(hub_app->id, app_id) == 0)
		e = remote_put(st, hub_app);
	else if (hub_app)
		log_warn(TAG, "hub answered row %lld with another application, ignored",
			 (long long)seq);
	return e ? e : st_reconcile(st, app_id, now_ms, NULL);
}

/* The hub has row seq: remove it, keep and apply its answer, one transaction. */
ca_err store_outbox_sent(struct store *st, int64_t seq,
			 const struct ca_app *hub_app, int64_t now_ms)
{
	bool own;
	ca_err e = st_tx_open(st, &own);

	return e ? e : st_tx_close(st, own, sent_in_tx(st, seq, hub_app, now_ms));
}

/* Names in sync_state: the feed cursor, and the hub store's epoch it
 * belongs to (0 or absent: none known yet). */
#define FEED_CURSOR "feed_cursor"
#define FEED_EPOCH "feed_epoch"

/* The named integer of sync_state into *v (0 when absent). */
static ca_err state_get(struct store *st, const char *name, int64_t *v)
{
	sqlite3_stmt *s = NULL;
	ca_err e = st_row(st, &s, "SELECT value FROM sync_state WHERE name = ?1",
			  "read sync state", "t", name);

	*v = e ? 0 : sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return e == CA_ERR_NOT_FOUND ? CA_OK : e;
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

	return st_run(st, forward_only ? fwd : any, "write sync state", "ti", name, (int64_t)v);
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

/* One row of revs_forget's scan: the id. */
static ca_err id_row(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop)
{
	struct st_ids *l = ctx;
	const char *id = (const char *)sqlite3_column_text(s, 0);

	(void)st;
	(void)stop;
	if (!st_fits(id, CA_UUID_LEN + 1))
		return CA_ERR_SCHEMA;
	return st_ids_add(l, id);
}

/* Set the rev of every local application to 0 (in a transaction): after
 * a reset, any snapshot of the new epoch is newer. */
static ca_err revs_forget(struct store *st)
{
	struct ca_app *app = malloc(sizeof(*app));
	struct st_ids l = { NULL, 0, 0 };
	size_t i;
	ca_err e;

	if (!app)
		return CA_ERR_NOMEM;
	/* The ids first: the rows are rewritten after the scan, not during it. */
	e = st_each(st, "SELECT id FROM applications", "list applications", id_row, &l, "");
	for (i = 0; i < l.n && !e; i++) {
		e = st_app_load(st, l.ids[i], app);
		if (!e && app->rev != 0) {
			app->rev = 0;
			e = st_row_write(st, W_UPDATE, app);
		}
	}
	free(l.ids);
	free(app);
	return e;
}

ca_err store_feed_reset(struct store *st, int64_t epoch)
{
	bool own;
	ca_err e;

	if (epoch <= 0)
		return CA_ERR_ARG;
	e = st_tx_open(st, &own);
	if (e)
		return e;
	e = state_set(st, FEED_CURSOR, 0, false);
	if (!e)
		e = state_set(st, FEED_EPOCH, epoch, false);
	if (!e)
		e = st_exec(st, "DELETE FROM remote_apps WHERE deleted = 0", "forget hub snapshots");
	if (!e)
		e = revs_forget(st);
	e = st_tx_close(st, own, e);
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

	if (!uuid_valid(p->app_id))
		return CA_ERR_ARG;
	return st_run(st, sql, "write pickup", "ttti", p->app_id, p->kiosk, p->slot,
		      (int64_t)p->at_ms);
}

ca_err store_pickup_get(struct store *st, const char *app_id, struct store_pickup *out)
{
	static const char sql[] =
		"SELECT kiosk, slot, at_ms FROM pickups WHERE app_id = ?1";
	sqlite3_stmt *s = NULL;
	ca_err e;

	assert(st && out);
	memset(out, 0, sizeof(*out));
	if (!app_id || !uuid_valid(app_id))
		return CA_ERR_ARG;
	e = st_row(st, &s, sql, "read pickup", "t", app_id);
	if (!e) {
		snprintf(out->app_id, sizeof(out->app_id), "%s", app_id);
		if (!sqlkit_col_copy(s, 0, out->kiosk, sizeof(out->kiosk)) ||
		    !sqlkit_col_copy(s, 1, out->slot, sizeof(out->slot)))
			e = CA_ERR_SCHEMA;
		out->at_ms = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	return e;
}

/* Keep an e-invoice in place of the row of its application and kind (the
 * feed's newest wins: pending, then issued). */
static ca_err invoice_put(struct store *st, const struct ca_invoice *inv)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO invoices(app_id, kind, state, number, original,"
		" issued_ms, total_fen, tax_fen) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		" nullif(?7, ?9), nullif(?8, ?9))";

	if (!ca_invoice_check(inv, NULL, 0))
		return CA_ERR_ARG;
	return st_run(st, sql, "write invoice", "tttttiiii", inv->app_id,
		      ca_inv_kind_id(inv->kind), ca_inv_state_id(inv->state), inv->number,
		      inv->original, (int64_t)inv->issued_ms, (int64_t)inv->total_fen,
		      (int64_t)inv->tax_fen, (int64_t)CA_FEN_UNKNOWN);
}

/* The columns invoice_row reads, in its order. */
#define INVOICE_COLS "app_id, kind, state, number, original, issued_ms, total_fen, tax_fen"

/* The invoice of the row s (INVOICE_COLS) into *inv; false when the row
 * breaks the rules (a damaged file: never what invoice_put wrote). */
static bool invoice_row(sqlite3_stmt *s, struct ca_invoice *inv)
{
	int kind = ca_inv_kind_from_id((const char *)sqlite3_column_text(s, 1));
	int state = ca_inv_state_from_id((const char *)sqlite3_column_text(s, 2));

	memset(inv, 0, sizeof(*inv));
	if (kind < 0 || state < 0 || !sqlkit_col_copy(s, 0, inv->app_id, sizeof(inv->app_id)) ||
	    !sqlkit_col_copy(s, 3, inv->number, sizeof(inv->number)) ||
	    !sqlkit_col_copy(s, 4, inv->original, sizeof(inv->original)))
		return false;
	inv->kind = (enum ca_inv_kind)kind;
	inv->state = (enum ca_inv_state)state;
	inv->issued_ms = sqlite3_column_int64(s, 5);
	inv->total_fen = sqlite3_column_type(s, 6) == SQLITE_NULL ? CA_FEN_UNKNOWN
								  : sqlite3_column_int64(s, 6);
	inv->tax_fen = sqlite3_column_type(s, 7) == SQLITE_NULL ? CA_FEN_UNKNOWN
								: sqlite3_column_int64(s, 7);
	return ca_invoice_check(inv, NULL, 0);
}

ca_err store_invoice_get(struct store *st, const char *app_id, enum ca_inv_kind k,
			 struct ca_invoice *out)
{
	static const char sql[] =
		"SELECT " INVOICE_COLS " FROM invoices WHERE app_id = ?1 AND kind = ?2";
	sqlite3_stmt *s = NULL;
	ca_err e;

	assert(st && out);
	memset(out, 0, sizeof(*out));
	if (!app_id || !uuid_valid(app_id) || (unsigned)k >= CA_INV_KIND__N)
		return CA_ERR_ARG;
	e = st_row(st, &s, sql, "read invoice", "tt", app_id, ca_inv_kind_id(k));
	if (!e && !invoice_row(s, out)) {
		log_error(TAG, "%s: invoice of %s unreadable", st->path, app_id);
		e = CA_ERR_CORRUPT;
	}
	sqlite3_finalize(s);
	return e;
}

/* A walk of store_invoice_each: the caller's function. */
struct invoice_walk {
	store_invoice_fn fn; /* called for each good row */
	void *ctx;           /* its context */
};

/* One row of store_invoice_each. */
static ca_err invoice_each_row(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop)
{
	struct invoice_walk *w = ctx;
	struct ca_invoice inv;

	if (!invoice_row(s, &inv)) {
		st_log_skipped(st, s, "invoice of", "breaks the rules");
		return CA_OK;
	}
	*stop = w->fn(&inv, w->ctx) != 0;
	return CA_OK;
}

ca_err store_invoice_each(struct store *st, const char *account, store_invoice_fn fn,
			  void *ctx)
{
	static const char sql[] =
		"SELECT " INVOICE_COLS " FROM invoices WHERE app_id IN"
		" (SELECT id FROM applications WHERE account = ?1)"
		" ORDER BY app_id, kind = 'red'";
	struct invoice_walk w = { fn, ctx };

	assert(st && account && fn);
	return st_each(st, sql, "list invoices", invoice_each_row, &w, "t", account);
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
	e = st_tx_open(st, &own);
	if (e)
		return e;
	for (i = 0; i < n && !e; i++) {
		switch (ch[i].kind) {
		case STORE_CHANGE_APP:
			e = remote_put(st, &ch[i].u.app);
			if (!e)
				e = st_reconcile(st, ch[i].u.app.id, now_ms, &changed);
			if (!e && changed)
				count++;
			break;
		case STORE_CHANGE_RECORD:
			e = store_record_put(st, &ch[i].u.rec);
			break;
		case STORE_CHANGE_PICKUP:
			e = pickup_put(st, &ch[i].u.pickup);
			break;
		case STORE_CHANGE_INVOICE:
			e = invoice_put(st, &ch[i].u.inv);
			break;
		default:
			e = CA_ERR_ARG;
			break;
		}
	}
	if (!e)
		e = state_set(st, FEED_CURSOR, next, true);
	e = st_tx_close(st, own, e);
	if (!e && applied)
		*applied = count;
	return e;
}

