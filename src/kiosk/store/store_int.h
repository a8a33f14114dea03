/*
 * store_int.h - what the files of the kiosk store share, behind the one
 * public header store.h: the struct store, the statement helpers
 * (store.c), the change writer (store_change.c) and the hub reconcile
 * (store_sync.c). Nothing outside src/kiosk/store includes it.
 *
 * The files: store.c (opening, schema, transactions, statement helpers),
 * store_change.c (an application's rows: load, domain row, history,
 * outbox row of a change), store_app.c (applications, history and
 * processing records), store_outbox.c (the outbox), store_sync.c (hub
 * snapshots, feed cursor and epoch, pickups), store_pickup.c (dispense
 * intents and restocks), store_privacy.c (logout, scrub, forget, purge).
 *
 * Every statement is prepared per call (sqlite3_prepare_v3) and finalized
 * before the function returns; the statement count per operation is small
 * and this keeps the error paths trivial. Column text is copied out before
 * the next step, into bounded buffers.
 */
#ifndef CA_STORE_INT_H
#define CA_STORE_INT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "store.h"

#define TAG "store"

/* How long a writer waits for another connection's lock. */
#define STORE_BUSY_MS 5000

/* Per-connection pragmas (the journal mode, WAL, is the file's own).
 * secure_delete: whatever a delete frees (a draft deleted, an outbox row
 * sent, a purged order) is overwritten with zeros, not left in a free page
 * of the file; store_scrub() then empties the WAL. */
#define ST_CONN_PRAGMAS \
	"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"

struct store {
	sqlite3 *db;      /* the connection, owned */
	char *path;       /* file name, for messages, owned */
	char errmsg[256]; /* last SQLite error text; kept across ROLLBACK */
};

/* ---- statement helpers (store.c) ---- */

/* Record and log a failed SQLite call; returns the project error for rc. */
ca_err st_fail(struct store *st, int rc, const char *what);

/* Prepare sql into *s; on failure *s is NULL and the error is recorded. */
ca_err st_prep(struct store *st, const char *sql, sqlite3_stmt **s);

/* Prepare sql and bind its parameters from fmt (sqlkit_bindv: 't' text,
 * 'i' int64_t, 'n' int, one letter a parameter); on failure *s is NULL
 * and the error is recorded under what. */
ca_err st_prep_bind(struct store *st, const char *sql, sqlite3_stmt **s, const char *what,
		    const char *fmt, ...);

/* Run one statement that returns no rows, its parameters bound from fmt
 * as st_prep_bind does; a failure is recorded under what. */
ca_err st_run(struct store *st, const char *sql, const char *what, const char *fmt, ...);

/* Prepare sql, bind from fmt as st_prep_bind does and step to the first
 * row: CA_OK with *s on that row, CA_ERR_NOT_FOUND when there is none, or
 * the recorded failure. The caller finalizes *s in every case (NULL after
 * a failed prepare or bind). */
ca_err st_row(struct store *st, sqlite3_stmt **s, const char *sql, const char *what,
	      const char *fmt, ...);

/* What st_each calls on each row of s: CA_OK to go on (or, with *stop
 * set, to end the walk there), else the error that ends it. */
typedef ca_err (*st_row_fn)(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop);

/* Walk the rows of sql, its parameters bound from fmt as st_prep_bind
 * does, calling row on each: CA_OK at the end or a stop, row's error, or
 * the recorded failure of a step (what names the walk). */
ca_err st_each(struct store *st, const char *sql, const char *what, st_row_fn row, void *ctx,
	       const char *fmt, ...);

/* Log a row skipped because its record is unreadable (cerr, the codec's
 * message): "PATH: WHAT ID unreadable, skipped", its id in column 0. */
void st_log_skipped(struct store *st, sqlite3_stmt *s, const char *what, const char *cerr);

/* Run statements that return no rows, without parameters. */
ca_err st_exec(struct store *st, const char *sql, const char *what);

/* Whether text fits a buffer of n bytes with its NUL. */
bool st_fits(const char *s, size_t n);

/* A growing list of application ids (a scan's result, rewritten after it). */
struct st_ids {
	char (*ids)[CA_UUID_LEN + 1]; /* the ids, malloc'd; free() it */
	size_t n;                     /* how many */
	size_t cap;                   /* room for how many */
};

/* Append id (a UUID's text) to l. CA_ERR_NOMEM leaves l as it was. */
ca_err st_ids_add(struct st_ids *l, const char *id);

/* Open a transaction unless the caller has one; *own says which. */
ca_err st_tx_open(struct store *st, bool *own);

/* Finish what st_tx_open started: commit on success, roll back on e. In
 * the caller's transaction nothing happens (the caller decides). */
ca_err st_tx_close(struct store *st, bool own, ca_err e);

/* The connection's settings (store_open, store_forget). */
void st_conn_config(sqlite3 *db);

/* ---- an application's rows (store_change.c) ---- */

/* What st_change_write() does to the domain row. */
enum write_mode { W_INSERT, W_UPDATE, W_DELETE };

/* The record in the first column of the row sql selects for ?1 = id into
 * *app: CA_ERR_NOT_FOUND without a row, CA_ERR_CORRUPT (logged, what
 * names the read) when the codec refuses it. */
ca_err st_app_select(struct store *st, const char *sql, const char *what, const char *id,
		     struct ca_app *app);

/* Load application id from the database into *app. */
ca_err st_app_load(struct store *st, const char *id, struct ca_app *app);

/* The outbox payload {"op", "app", "arg", "at_ms"} into *out (malloc'd). */
ca_err st_payload_make(const char *op, const struct ca_app *app, const char *arg,
		       int64_t at_ms, char **out);

/* The same payload as a JSON object into *out (the caller's reference),
 * for a payload that adds members (the dispense fault's "fault"). */
ca_err st_payload_obj(const char *op, const struct ca_app *app, const char *arg,
		      int64_t at_ms, json_t **out);

/* The compact text of o into *out (malloc'd): CA_ERR_NOMEM when o is NULL
 * or json_dumps fails. Takes o's reference. */
ca_err st_json_text(json_t *o, char **out);

/* Write app's domain row (or delete it), for st_change_write(). */
ca_err st_row_write(struct store *st, enum write_mode mode, const struct ca_app *app);

/* Append one history row. */
ca_err st_history_add(struct store *st, const char *app_id, int64_t at_ms, const char *action,
		      const struct ca_state *from, const struct ca_state *to, const char *note);

/*
 * The rows of one state change, inside the caller's transaction: the domain
 * row (insert, update or delete), a history row (not for delete: it goes
 * with the application) and the outbox row of kind op. from is the state
 * before; app is the record after (before, for delete).
 */
ca_err st_change_write(struct store *st, enum write_mode mode, const char *op,
		       const struct ca_state *from, const struct ca_app *app, const char *arg,
		       int64_t now_ms);

/* One info line per committed change, for the operator's log. */
void st_log_change(const char *op, const struct ca_state *from, const struct ca_app *app);

/*
 * Load application id, apply action a through the status table and write
 * the change (domain row, history, outbox row), inside the caller's
 * transaction. *cur gets the record after the change (for delete: as it
 * was), *from the state before. Shared by store_app_act and
 * store_intent_collected, so a collect is the same rows either way.
 */
ca_err st_act_in_tx(struct store *st, const char *id, enum ca_action a, const char *arg,
		    int today, int64_t now_ms, struct ca_app *cur, struct ca_state *from,
		    struct valid_report *report);

/* ---- the outbox (store_outbox.c) ---- */

/* store_outbox_enqueue in a transaction of its own (a row that reports
 * no change of an application: restock, logout). */
ca_err st_enqueue_alone(struct store *st, const char *app_id, const char *kind,
			const char *payload, int64_t now_ms, char key_out[CA_UUID_LEN + 1]);

/* The app_id of outbox row seq (and its kind, if kind is not NULL). */
ca_err st_outbox_row_app(struct store *st, int64_t seq, char app_id[CA_UUID_LEN + 1],
			 char kind[24]);

/* ---- the hub's snapshots (store_sync.c) ---- */

/*
 * Apply the kept hub snapshot of app_id to the local application when the
 * rule of store.h allows it (no pending row, newer rev). Inside the
 * caller's transaction. *changed (may be NULL) says whether it did.
 */
ca_err st_reconcile(struct store *st, const char *app_id, int64_t now_ms, bool *changed);

#endif
