/*
 * store_outbox.c - the outbox of the kiosk store (see store.h): rows
 * queued with the change they report, read FIFO per application by the
 * sync engine, marked failed, sent or parked. Start with
 * store_outbox_enqueue(), then store_outbox_next().
 */
#include "store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/sqlkit.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/uuid.h"

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
	ca_err e;

	/* The outbox row must commit or fail with the change it reports. */
	assert(sqlite3_get_autocommit(st->db) == 0);
	if (sqlite3_get_autocommit(st->db)) /* NDEBUG builds: refuse, never write alone */
		return CA_ERR_ARG;
	if (!app_id || !app_id[0] || !kind || !kind[0] || !payload)
		return CA_ERR_ARG;
	if (!st_fits(app_id, sizeof(((struct store_outbox_item *)0)->app_id)) ||
	    !st_fits(kind, sizeof(((struct store_outbox_item *)0)->kind)) ||
	    strnlen(payload, STORE_PAYLOAD_MAX + 1) > STORE_PAYLOAD_MAX)
		return CA_ERR_TOO_LONG;
	e = uuid_v4(key);
	if (e)
		return e;
	e = st_run(st, sql, "enqueue outbox row", "tttti", key, app_id, kind, payload,
		   (int64_t)now_ms);
	if (!e && key_out)
		memcpy(key_out, key, sizeof(key));
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
	e = st_prep_bind(st, sql, &s, "read outbox", "in", (int64_t)now_ms, (int)max);
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
		e = st_fail(st, rc, "read outbox");
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
 * changed. The statement's parameters are ?1 seq, then, as far as fmt
 * goes ("i", "it" or "iti"), ?2 error (cut to STORE_ERROR_MAX bytes) and
 * ?3 next_at_ms. */
static ca_err outbox_update(struct store *st, const char *sql, const char *fmt, int64_t seq,
			    const char *error, int64_t next_at_ms, const char *what)
{
	char msg[STORE_ERROR_MAX + 1];
	ca_err e;

	utf8_copy(msg, sizeof(msg), error ? error : "", sizeof(msg));
	e = st_run(st, sql, what, fmt, seq, msg, next_at_ms);
	if (!e && sqlite3_changes(st->db) == 0)
		e = CA_ERR_NOT_FOUND;
	return e;
}

/* The hub has it: remove the row. */
ca_err store_outbox_mark_sent(struct store *st, int64_t seq)
{
	return outbox_update(st, "DELETE FROM outbox WHERE seq = ?1", "i", seq, NULL, 0,
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
			     "iti", seq, error, next_at_ms, "outbox mark failed");
}

/* The app_id of outbox row seq (and its kind, if kind is not NULL). */
ca_err st_outbox_row_app(struct store *st, int64_t seq, char app_id[CA_UUID_LEN + 1],
			 char kind[24])
{
	sqlite3_stmt *s = NULL;
	ca_err e = st_row(st, &s, "SELECT app_id, kind FROM outbox WHERE seq = ?1",
			  "read outbox row", "i", (int64_t)seq);

	if (!e && (!sqlkit_col_copy(s, 0, app_id, CA_UUID_LEN + 1) ||
		   (kind && !sqlkit_col_copy(s, 1, kind, 24))))
		e = CA_ERR_CORRUPT;
	sqlite3_finalize(s);
	return e;
}

/* store_outbox_park inside the transaction: the row parked, then the
 * hub's snapshot of its application applied if nothing else waits. */
static ca_err park_in_tx(struct store *st, int64_t seq, const char *error)
{
	char app_id[CA_UUID_LEN + 1];
	ca_err e = st_outbox_row_app(st, seq, app_id, NULL);

	if (!e)
		e = outbox_update(st,
				  "UPDATE outbox SET state = 'parked', last_error = ?2"
				  " WHERE seq = ?1",
				  "it", seq, error, 0, "outbox park");
	if (!e && uuid_valid(app_id))
		e = st_reconcile(st, app_id, 0, NULL);
	return e;
}

/* Refused for good: park the row with the hub's message, then let the hub's
 * snapshot of the application stand if nothing else of it is pending. */
ca_err store_outbox_park(struct store *st, int64_t seq, const char *error)
{
	bool own;
	ca_err e = st_tx_open(st, &own);

	return e ? e : st_tx_close(st, own, park_in_tx(st, seq, error));
}

/* How many rows wait, and how many are parked. */
ca_err store_outbox_depth(struct store *st, int *pending, int *parked)
{
	static const char sql[] =
		"SELECT coalesce(sum(state = 'pending'), 0),"
		" coalesce(sum(state = 'parked'), 0) FROM outbox";
	sqlite3_stmt *s = NULL;
	ca_err e = st_row(st, &s, sql, "outbox depth", "");

	if (!e && pending)
		*pending = sqlite3_column_int(s, 0);
	if (!e && parked)
		*parked = sqlite3_column_int(s, 1);
	sqlite3_finalize(s);
	return e;
}

/* Pending outbox rows of one application. */
ca_err store_outbox_app_pending(struct store *st, const char *app_id, int *n)
{
	static const char sql[] =
		"SELECT count(*) FROM outbox WHERE app_id = ?1 AND state = 'pending'";
	sqlite3_stmt *s = NULL;
	ca_err e = st_row(st, &s, sql, "outbox rows of an application", "t", app_id);

	*n = e ? 0 : sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return e;
}

/* The earliest next attempt time of a pending row. */
ca_err store_outbox_next_at(struct store *st, int64_t *at_ms)
{
	static const char sql[] =
		"SELECT min(next_at_ms) FROM outbox WHERE state = 'pending'";
	sqlite3_stmt *s = NULL;
	ca_err e = st_row(st, &s, sql, "outbox next time", "");

	*at_ms = e || sqlite3_column_type(s, 0) == SQLITE_NULL ? INT64_MAX
							       : sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return e;
}

ca_err store_outbox_rebase(struct store *st, int64_t now_ms, int64_t horizon_ms, int *moved)
{
	ca_err e = st_run(st, "UPDATE outbox SET next_at_ms = ?1"
			  " WHERE state = 'pending' AND next_at_ms > ?1 + ?2", "outbox rebase", "ii",
			  now_ms, horizon_ms);

	*moved = e ? 0 : sqlite3_changes(st->db);
	return e;
}

/* The row in a transaction of its own. */
ca_err st_enqueue_alone(struct store *st, const char *app_id, const char *kind,
			const char *payload, int64_t now_ms, char key_out[CA_UUID_LEN + 1])
{
	ca_err e = store_begin(st);

	if (e)
		return e;
	e = store_outbox_enqueue(st, app_id, kind, payload, now_ms, key_out);
	return st_tx_close(st, true, e);
}
