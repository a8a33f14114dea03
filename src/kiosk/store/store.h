/*
 * store.h - the kiosk's local store: applications, their history, processing
 * records and the outbox, in one SQLite file.
 *
 * Reliability rules (docs/store.md, The transaction rule): WAL, synchronous=FULL, foreign keys on, a
 * busy timeout. Every state change writes the domain row, its history row and
 * its outbox row in ONE transaction, before the caller tells anyone it is
 * done; if any write fails, none of them is there. The schema is versioned
 * with PRAGMA user_version and migrated forward on open; a database from a
 * newer schema is refused, and a corrupt or unreadable file is reported with
 * its path, never a crash.
 *
 * The outbox is what the sync engine drains: each row carries an idempotency
 * key (UUID v4) that stays the same across retries, a JSON payload, the
 * number of attempts and the next attempt time. Rows of one application go
 * out in the order they were written (FIFO per application).
 *
 * Times are Unix milliseconds passed in by the caller (the kiosk's clock,
 * virtual in tests). One struct store is used by one thread at a time.
 */
#ifndef CA_STORE_H
#define CA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/invoice.h"

/* Room for an error message from store_open. */
#define STORE_ERR_MAX 512

/* Schema version this program writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 5

/* Largest outbox payload, in bytes (CA_ERR_TOO_LONG above it). */
#define STORE_PAYLOAD_MAX (64 * 1024)

/* Outbox last_error texts are cut to this many bytes (whole characters). */
#define STORE_ERROR_MAX 500

struct store;

/*
 * Open (creating if needed) the database at path and migrate it to the
 * current schema. On error *out is NULL and err (size errlen) says what
 * happened and names the file: CA_ERR_CORRUPT (not a database, truncated,
 * damaged), CA_ERR_SCHEMA (made by a newer program), CA_ERR_IO (cannot be
 * opened or created), CA_ERR_DB (other SQLite failures).
 */
ca_err store_open(const char *path, struct store **out, char *err,
		  size_t errlen);

/* Close the database; store_close(NULL) is fine. */
void store_close(struct store *st);

/* The last SQLite error text of st, for logs. Borrowed. */
const char *store_errmsg(const struct store *st);

/* Explicit transactions, for callers that group several writes (and for
 * store_outbox_enqueue). store_begin is BEGIN IMMEDIATE; a failed commit is
 * rolled back. The store_app_* functions open their own, so they must not be
 * called inside store_begin (they return CA_ERR_DB there). */
ca_err store_begin(struct store *st);
ca_err store_commit(struct store *st);
void store_rollback(struct store *st);

/*
 * Save a new draft: app must be in draft status (unpaid, no processing) with
 * an id (uuid_v4) and an account set, else CA_ERR_ARG. The record is
 * normalised (ca_app_normalize). Writes the application, a history row
 * ("create") and an outbox row of kind "save" in one transaction; sets
 * app->created_ms and updated_ms to now_ms. CA_ERR_CONFLICT when the id
 * exists; CA_ERR_INVALID when a field is over its limit or not UTF-8 (the
 * codec could not read it back). On error *app and the database are
 * unchanged.
 */
ca_err store_app_create(struct store *st, struct ca_app *app, int64_t now_ms);

/*
 * Save changes to the form fields of an existing application (修改保存).
 * Allowed where the status table allows CA_ACT_SAVE for the STORED record
 * (draft, rejected); the statuses and server fields of the stored record are
 * kept, only the form fields of app are taken (company .. mail_postcode),
 * then normalised. On success *app holds the record as stored.
 * CA_ERR_NOT_FOUND, CA_ERR_FORBIDDEN, CA_ERR_INVALID (as for create).
 */
ca_err store_app_save(struct store *st, struct ca_app *app, int64_t now_ms);

/*
 * Perform action a (submit, confirm_receipt, collect, ...) on application id
 * through fsm_apply, and write the new record, a history row and an outbox
 * row of kind fsm_action_id(a) in one transaction. arg, today and report as
 * for fsm_apply. For CA_ACT_DELETE the application and its history are
 * removed (the outbox row stays, carrying the record as it was). On success
 * *out (may be NULL) holds the record as stored (for delete: as it was).
 * CA_ERR_ARG for CA_ACT_SAVE (use store_app_save) and for the actions that
 * change nothing (CA_ACT_EDIT, CA_ACT_VIEW_DETAILS). On error nothing changed.
 */
ca_err store_app_act(struct store *st, const char *id, enum ca_action a,
		     const char *arg, int today, int64_t now_ms,
		     struct ca_app *out, struct valid_report *report);

/* Read application id into *app. CA_ERR_NOT_FOUND. */
ca_err store_app_get(struct store *st, const char *id, struct ca_app *app);

/*
 * Call fn for each application of account (newest first) whose application
 * status is in app_mask (bit 1u << status; ~0u for all). fn returns 0 to go
 * on, non-zero to stop. The record passed to fn is only valid during the
 * call. Returns CA_OK or a database error.
 */
typedef int (*store_app_fn)(const struct ca_app *app, void *ctx);
ca_err store_app_each(struct store *st, const char *account, unsigned app_mask,
		      store_app_fn fn, void *ctx);

/* One history row: a change of an application. The first row of every
 * application is its creation: action_id "create", action CA_ACT__N, and
 * from == to (the new draft's state). */
struct store_history {
	int64_t at_ms;                   /* when */
	enum ca_action action;           /* what; CA_ACT__N for "create" */
	char action_id[24];              /* "create" or fsm_action_id(action) */
	struct ca_state from;            /* state before */
	struct ca_state to;              /* state after */
	char note[CA_TEXT_BUF(CA_COMMENT_MAX)]; /* the action's text (comment, reason) */
};

/* Call fn for each history row of application id, oldest first.
 * CA_ERR_CORRUPT when a stored row cannot be read. */
typedef int (*store_history_fn)(const struct store_history *h, void *ctx);
ca_err store_history_each(struct store *st, const char *id,
			  store_history_fn fn, void *ctx);

/* Insert or replace a processing record (from the hub's feed). Its id and
 * app_id must be UUIDs (CA_ERR_ARG); CA_ERR_INVALID when the codec could not
 * read it back. No foreign key: it may arrive before its application. */
ca_err store_record_put(struct store *st, const struct ca_proc_record *rec);

/* Call fn for each processing record of application id, oldest first. */
typedef int (*store_record_fn)(const struct ca_proc_record *rec, void *ctx);
ca_err store_record_each(struct store *st, const char *app_id,
			 store_record_fn fn, void *ctx);

/* ---- outbox ---- */

/* Outbox row states. */
enum store_outbox_state {
	STORE_OUTBOX_PENDING, /* waiting to be sent (maybe after a failure) */
	STORE_OUTBOX_PARKED,  /* refused for good by the hub; kept for staff */
};

/* One outbox row, as handed to the sync engine. */
struct store_outbox_item {
	int64_t seq;                    /* position in the outbox (FIFO order) */
	char key[CA_UUID_LEN + 1];      /* idempotency key, same on every retry */
	char app_id[CA_UUID_LEN + 1];   /* the application it belongs to */
	char kind[24];                  /* "save", "submit", "delete", ... */
	char *payload;                  /* JSON text, owned by the item */
	int attempts;                   /* failed attempts so far */
	int64_t next_at_ms;             /* not before this time */
	int64_t created_ms;             /* when it was written */
};

/*
 * Add a row to the outbox inside the caller's open transaction (asserts
 * one is open). A fresh idempotency key is generated; *key_out (may be NULL)
 * receives it. The row is due at once. CA_ERR_TOO_LONG when app_id or kind
 * do not fit struct store_outbox_item or payload is over STORE_PAYLOAD_MAX.
 */
ca_err store_outbox_enqueue(struct store *st, const char *app_id,
			    const char *kind, const char *payload,
			    int64_t now_ms, char key_out[CA_UUID_LEN + 1]);

/*
 * The next due rows, at most max, in outbox order, into items; *n is set.
 * A row is due when it is pending, its next attempt time has come, and no
 * earlier pending row of the same application is waiting for a later time
 * (so an application's rows never overtake each other). Release the items
 * with store_outbox_items_release.
 */
ca_err store_outbox_next(struct store *st, int64_t now_ms, int max,
			 struct store_outbox_item *items, int *n);

/* Free the payloads of n items. */
void store_outbox_items_release(struct store_outbox_item *items, int n);

/* The hub has the row: remove it. CA_ERR_NOT_FOUND when there is no seq. */
ca_err store_outbox_mark_sent(struct store *st, int64_t seq);

/* Sending failed and may succeed later: count the attempt, keep the key,
 * try again not before next_at_ms; error is kept for maintenance mode.
 * CA_ERR_NOT_FOUND when seq is not a pending row. */
ca_err store_outbox_mark_failed(struct store *st, int64_t seq,
				int64_t next_at_ms, const char *error);

/* The hub refused the row for good (a 4xx that can never succeed): keep it,
 * parked with the hub's message, out of the queue; then, in the same
 * transaction, apply the hub's kept snapshot of the application if this was
 * its last pending row (see "sync with the hub" below). CA_ERR_NOT_FOUND. */
ca_err store_outbox_park(struct store *st, int64_t seq, const char *error);

/* Number of pending and parked rows. */
ca_err store_outbox_depth(struct store *st, int *pending, int *parked);

/* Number of pending rows of application app_id into *n (the UI marks
 * the application "not yet synced" while it is > 0). */
ca_err store_outbox_app_pending(struct store *st, const char *app_id, int *n);

/* The earliest next attempt time of a pending row into *at_ms, INT64_MAX
 * when there is none (the sync engine sleeps until then). */
ca_err store_outbox_next_at(struct store *st, int64_t *at_ms);

/*
 * Make every pending row due at now_ms whose next attempt is later than
 * now_ms + horizon_ms: no retry is ever put off that far, so such a row was
 * scheduled by a clock that has since gone back (corrected by NTP, or a
 * kiosk that followed another clock), and would otherwise wait out the
 * difference, hours or days. *moved gets how many rows.
 */
ca_err store_outbox_rebase(struct store *st, int64_t now_ms, int64_t horizon_ms, int *moved);

/* ---- sync with the hub (schema version 2) ----
 *
 * The hub is the authority on an application's state. Every snapshot of an
 * application it sends (in the change feed, or as the result of a pushed
 * row) is kept in the store's remote table if its rev is newer than the one
 * kept there. It is applied to the application the kiosk shows ("the local
 * application") when, and only when:
 *   - the application has no PENDING outbox row (a local change the hub has
 *     not seen yet is never overwritten; parked rows do not count: the hub
 *     refused them for good, so its state stands), and
 *   - its rev is newer than the local application's rev (or there is no
 *     local application: one made on another kiosk of the same account).
 * Applying replaces the whole record (statuses, reason, amount, tracking
 * number, rev) and writes a history row "hub" when the state changed. It is
 * re-checked whenever a row of the application is sent or parked, so a
 * snapshot held back by a pending row lands as soon as the row is done.
 * An application deleted here and acknowledged by the hub gets a tombstone:
 * no later snapshot brings it back.
 *
 * The functions below work inside the caller's transaction (store_begin,
 * for a whole batch at one fsync) or, outside one, in their own. */

/* The hub acknowledged outbox row seq (status 200): remove it and, in the
 * same transaction, keep hub_app (the application as the hub stored it,
 * with its rev; may be NULL) and apply it by the rule above. For a row of
 * kind "delete" the application is tombstoned instead. CA_ERR_NOT_FOUND
 * when there is no row seq. */
ca_err store_outbox_sent(struct store *st, int64_t seq,
			 const struct ca_app *hub_app, int64_t now_ms);

/* The change-feed cursor: the hub revision up to which the feed has been
 * applied (0 at first). */
ca_err store_feed_cursor(struct store *st, int64_t *cursor);

/* The epoch of the hub store the cursor belongs to (the feed's "epoch";
 * 0 while none is known). Revisions of two epochs cannot be compared. */
ca_err store_feed_epoch(struct store *st, int64_t *epoch);

/*
 * Start the feed again from 0 for the hub store epoch (> 0): the hub's
 * store was restored or replaced (docs/sync.md, "Epochs"). In ONE
 * transaction: cursor 0 and epoch remembered; the kept hub snapshots are
 * forgotten (tombstones stay: a delete acknowledged stays deleted) and
 * every local application's rev becomes 0, because revisions of the old
 * epoch say nothing about the new one. Re-reading the feed then applies
 * each application's snapshot of the new epoch by the usual rule, so one
 * with a pending outbox row keeps its local edit. Nothing is deleted.
 */
ca_err store_feed_reset(struct store *st, int64_t epoch);

/* Kinds of feed changes the kiosk knows. */
enum store_change_kind {
	STORE_CHANGE_APP,    /* an application's full current state */
	STORE_CHANGE_RECORD, /* a processing record */
	STORE_CHANGE_PICKUP, /* where an on-site key waits (schema version 4) */
	STORE_CHANGE_INVOICE, /* an e-invoice, blue or red (schema version 5) */
};

/* Where staff put an application's key for pickup (the hub's "pickup" side
 * row: ca-hubctl ready APP --kiosk K --slot S). */
struct store_pickup {
	char app_id[CA_UUID_LEN + 1];  /* the application */
	char kiosk[33];                /* the kiosk id it waits at ("" = counter) */
	char slot[17];                 /* the hub's slot label, free text, "" none */
	int64_t at_ms;                 /* when staff marked it ready (hub clock) */
};

/* One decoded change of the hub's feed. */
struct store_change {
	int64_t rev;                   /* the hub's revision of the change */
	enum store_change_kind kind;   /* which member is set */
	union {
		struct ca_app app;         /* STORE_CHANGE_APP */
		struct ca_proc_record rec; /* STORE_CHANGE_RECORD */
		struct store_pickup pickup; /* STORE_CHANGE_PICKUP */
		struct ca_invoice inv;     /* STORE_CHANGE_INVOICE */
	} u;
};

/*
 * Apply one feed batch (n changes, oldest first) and move the cursor to
 * next, in ONE transaction: all of it or nothing. Applications by the rule
 * above, processing records by store_record_put, pickups and invoices
 * replacing the row of their application (and kind). Idempotent: applying
 * the same batch again changes nothing. The cursor never moves backwards.
 * *applied (may be NULL) counts the applications that changed on screen.
 * CA_ERR_ARG (nothing applied) for a change that breaks its rules: the
 * caller skips such rows before (ca_invoice_check for an invoice).
 */
ca_err store_feed_apply(struct store *st, const struct store_change *ch, int n,
			int64_t next, int64_t now_ms, int *applied);

/* Where application app_id waits for pickup, from the hub's feed (the
 * newest row wins). CA_ERR_NOT_FOUND when the hub sent none. */
ca_err store_pickup_get(struct store *st, const char *app_id, struct store_pickup *out);

/* The e-invoice of kind k of application app_id, as the hub's feed last
 * sent it (schema version 5). CA_ERR_NOT_FOUND when it sent none;
 * CA_ERR_CORRUPT when the stored row breaks the rules. */
ca_err store_invoice_get(struct store *st, const char *app_id, enum ca_inv_kind k,
			 struct ca_invoice *out);

/* Call fn for each e-invoice of the applications of account, by
 * application and kind (blue first); fn returns non-zero to stop. The
 * invoice is only valid during the call. A row that breaks the rules is
 * logged and skipped. */
typedef int (*store_invoice_fn)(const struct ca_invoice *inv, void *ctx);
ca_err store_invoice_each(struct store *st, const char *account, store_invoice_fn fn,
			  void *ctx);

/* ---- on-site pickup: dispense intents (schema version 3) ----
 *
 * A key leaves the dispenser only between store_intent_begin and one of the
 * two resolve calls. The intent is written (and fsync'ed) BEFORE the command
 * goes to the device, with the device's last_seq read just before
 * (docs/dispenser.md, "Recovery"), so a crash between the dispense and the
 * write is resolved on restart from the device's status. Invariants:
 *   - at most one intent is pending (a unique partial index);
 *   - an application becomes collected only through store_intent_collected,
 *     i.e. only after the device confirmed the key, and the intent is
 *     closed in the same transaction as the collect's rows;
 *   - a failed dispense closes the intent together with an outbox row of
 *     kind STORE_KIND_DISPENSE_FAULT and leaves the application as it was
 *     (ready_for_pickup).
 */

/* Outbox kind (and op) of a failed dispense. Payload: the usual {"op",
 * "app", "arg" (the result name), "at_ms"} plus "fault": {"kiosk", "slot",
 * "result", "detail"}. */
#define STORE_KIND_DISPENSE_FAULT "dispense_fault"
/* Result name of a fault record whose outcome is not known yet. */
#define STORE_FAULT_UNCONFIRMED "unconfirmed"

/* Highest slot number an intent accepts (the HAL has fewer). */
#define STORE_SLOT_MAX 64

/* A dispense intent. */
struct store_intent {
	int64_t seq;                   /* row id, the handle for the resolve calls */
	char app_id[CA_UUID_LEN + 1];  /* the application being collected */
	int slot;                      /* dispenser slot, 1-based */
	unsigned dev_last_seq;         /* device's last_seq read before the command */
	int64_t created_ms;            /* when it was written */
};

/*
 * Record that a key is about to be dispensed from slot for application
 * app_id, the device having reported dev_last_seq (0..255) just before.
 * Refused with CA_ERR_FORBIDDEN unless the status table allows
 * CA_ACT_COLLECT on the stored record (paid + ready_for_pickup, on site),
 * CA_ERR_CONFLICT while another intent is pending, CA_ERR_NOT_FOUND for no
 * such application, CA_ERR_ARG for a bad id, slot or seq. Own transaction
 * (must not be called inside store_begin). *out (may be NULL) gets the
 * intent.
 */
ca_err store_intent_begin(struct store *st, const char *app_id, int slot,
			  unsigned dev_last_seq, int64_t now_ms,
			  struct store_intent *out);

/* The pending intent into *it and *found true, or *found false. */
ca_err store_intent_pending(struct store *st, struct store_intent *it,
			    bool *found);

/*
 * The device confirmed the key of intent seq: in ONE transaction close the
 * intent (result "ok", detail kept) and apply CA_ACT_COLLECT to its
 * application exactly as store_app_act does (record, history row, outbox
 * row "collect"). today as for fsm_apply. *out (may be NULL) gets the
 * record as stored. CA_ERR_NOT_FOUND when seq is not a pending intent
 * (already resolved: nothing is written twice); CA_ERR_FORBIDDEN when the
 * record no longer allows collect (the intent then stays pending). Own
 * transaction.
 */
ca_err store_intent_collected(struct store *st, int64_t seq, const char *detail,
			      int today, int64_t now_ms, struct ca_app *out);

/*
 * No key came out for intent seq: in ONE transaction close it (result, e.g.
 * "jam", up to 23 bytes; detail, cut to STORE_ERROR_MAX bytes) and queue an
 * outbox row of kind STORE_KIND_DISPENSE_FAULT for the hub (kiosk_id may be
 * NULL). The application is unchanged. CA_ERR_NOT_FOUND when seq is not
 * pending; CA_ERR_ARG for an empty or long result. Own transaction.
 */
ca_err store_intent_failed(struct store *st, int64_t seq, const char *result,
			   const char *detail, const char *kiosk_id,
			   int64_t now_ms);

/*
 * The pending intent seq has an unknown outcome (the device stopped
 * answering after the command): queue a fault record with result
 * STORE_FAULT_UNCONFIRMED so staff learn of it and check the tray, and
 * leave the intent pending (recovery still decides: collected or failed).
 * CA_ERR_CONFLICT when seq is not the pending intent. Own transaction.
 */
ca_err store_intent_unconfirmed(struct store *st, int64_t seq, const char *detail,
				const char *kiosk_id, int64_t now_ms);

/* ---- restocks of the dispenser (no schema change) ----
 *
 * Staff refill a slot from maintenance mode (pickup.h, PICKUP_RESTOCK);
 * the hub keeps a record of every restock for staff (docs/api.md,
 * "restock"). The kiosk keeps no table of its own: the outbox row is the
 * local record until the hub has it, and the device itself holds the
 * current stock (disp_status).
 *
 * A restock is about the device, not an application, so its row carries
 * the pseudo application id STORE_DEVICE_ROWS: not a UUID, so sending or
 * parking the row never touches an application (store_outbox_sent and
 * store_outbox_park reconcile only UUIDs), and FIFO per application keeps
 * the device's rows in the order they were written.
 */

/* Outbox kind (and op) of a restock. Payload: {"op": "restock", "at_ms",
 * "restock": {"kiosk" (left out when unknown), "slot", "before", "after"}},
 * without "app". */
#define STORE_KIND_RESTOCK "restock"

/* The outbox app_id of rows about the kiosk itself (restocks). */
#define STORE_DEVICE_ROWS "kiosk"

/* Largest key count of a slot a restock record carries (the config's
 * [dispenser] stock cap, and the hub's). */
#define STORE_STOCK_MAX 9999

/*
 * Record that slot (1..STORE_SLOT_MAX) went from before keys (-1 when the
 * device did not say; else 0..STORE_STOCK_MAX) to after keys
 * (0..STORE_STOCK_MAX) at now_ms: ONE transaction with one outbox row of
 * kind STORE_KIND_RESTOCK. kiosk_id may be NULL or "" (then the payload
 * has no "kiosk"). *key_out (may be NULL) gets the row's idempotency key.
 * CA_ERR_ARG for a value out of range or a kiosk id over CA_KIOSK_ID_MAX;
 * CA_ERR_DB when called inside store_begin (it opens its own); on error
 * nothing is written.
 */
ca_err store_restock_record(struct store *st, const char *kiosk_id, int slot,
			    int before, int after, int64_t now_ms,
			    char key_out[CA_UUID_LEN + 1]);

/* ---- logout: ending the hub session (no schema change) ----
 *
 * When the person logs out (退出登录) or the idle reset ends the session,
 * the kiosk forgets the token in memory at once and queues the logout here,
 * so the hub ends the session when the network allows, also after a
 * restart (docs/api.md, op "logout"). The row carries the pseudo
 * application id STORE_SESSION_ROWS (not a UUID: sending or parking it
 * never touches an application) and the token in its payload until the
 * hub has it.
 */

/* Outbox kind (and op) of a logout. Payload: {"op": "logout", "at_ms",
 * "session": TOKEN}, without "app". */
#define STORE_KIND_LOGOUT "logout"

/* The outbox app_id of logout rows. */
#define STORE_SESSION_ROWS "session"

/* Queue the logout of session token (64 lower-case hex digits, else
 * CA_ERR_ARG) at now_ms: one outbox row, its own transaction. *key_out
 * (may be NULL) gets its idempotency key. CA_ERR_DB inside store_begin. */
ca_err store_logout_queue(struct store *st, const char *token, int64_t now_ms,
			  char key_out[CA_UUID_LEN + 1]);

/* ---- privacy: purging finished orders (no schema change) ----
 *
 * An order is finished when its payment status is done (已办理: the mailed
 * key was received, or the on-site key collected; the core has no other
 * final state). The kiosk keeps no personal data of an order finished
 * before a cut-off ([privacy] purge_days): store_purge_finished deletes the
 * application with its history, processing records, pickup row, invoices,
 * kept hub snapshot, resolved dispense intents and parked outbox rows, in
 * one transaction. An application that still has a PENDING outbox row is left
 * whole (the hub has not heard of it yet), and pending rows are never
 * touched. A later change from the hub (or a new login that re-sends the
 * account's rows) may bring the application back; it is purged again.
 */

/* Purge the applications finished (pay status done) whose last change
 * (updated_ms) is before before_ms; *purged (may be NULL) counts them.
 * Unreadable rows are logged and left. CA_ERR_DB inside store_begin. */
ca_err store_purge_finished(struct store *st, int64_t before_ms, int *purged);

/* Empty the write-ahead log into the file (a TRUNCATE checkpoint): the
 * frames of pages as they were before a delete leave the disk. The store
 * runs with secure_delete on, so what a delete freed is zeros in the file;
 * called after deleting a draft, after a purge and when a person's session
 * ends (app.c). Best effort; a failure is logged. */
void store_scrub(struct store *st);

/* Drop this connection's page cache (the pages a person's screens read), so
 * that no copy of them stays in memory; they are read from the file again
 * when needed. For the end of a session (app_forget, docs/privacy.md). */
void store_forget(struct store *st);

#endif
