/*
 * db.h - THE hub storage module. All SQL of the hub lives in db.c, behind
 * this interface, so that a PostgreSQL backend (for fleets that outgrow one
 * machine) can be written against the same functions.
 *
 * Backend: one SQLite file (DATA_DIR/hub.db; WAL, synchronous=FULL,
 * foreign keys, busy timeout, quick_check at open, forward migrations by
 * user_version), ONE connection guarded by a recursive mutex. Why one:
 * SQLite serialises writers anyway, so a connection per thread would only
 * add SQLITE_BUSY retries between our own threads; with one lock the order
 * of commits is the order of revisions, which is what the feed relies on.
 * Every call is short (no network, no waiting) while it holds the lock; the
 * feed's long-poll waits on a separate condition variable, not the lock.
 *
 * Transactions: hubdb_begin() takes the lock and starts BEGIN IMMEDIATE;
 * hubdb_commit()/hubdb_rollback() end it and release the lock. Functions
 * marked "in a transaction" must be called between them (asserted); the
 * others may be called either way (they take the lock themselves).
 *
 * Revisions: one global counter. hubdb_rev_next() hands out the next value
 * inside a transaction; once the transaction commits, the commit hook
 * (hubdb_on_commit: the HTTP layer's long-poll watcher) is told. Each
 * application row, processing record, pickup
 * and invoice row carries the revision of its last change; the feed lists
 * rows with rev > since for the accounts with a live binding to a device
 * (a login there within the binding life), by rev.
 *
 * Payments (schema version 2): pay_orders is the hub's (the merchant's)
 * view of each order. Until schema version 8 the file also held the books
 * of a payment simulator built into the hub; the providers are now real
 * services (payprov.h), ca-paysim in tests.
 *
 * E-invoices (schema version 3): each invoices row has a number given at
 * its first issue and kept; invoice_tokens are the opaque tokens of the
 * invoice page, one application each (api_invoice.c).
 *
 * Restocks (schema version 4): one row per restock of a kiosk's key
 * dispenser, as the kiosk reported it (POST /v1/records, op "restock"),
 * for staff (GET /v1/admin/restocks). A device event: no account, no
 * revision, not in the feed.
 *
 * Health (schema version 6): device_health holds each kiosk's latest
 * heartbeat, staff's pending requests to it (restart, log tail) and the
 * last log tail it sent (docs/fleet.md). Not in the feed.
 *
 * Staff (schema version 7, db_staff.c): accounts with roles and argon2id
 * hashes, the console's sessions and ca-hubctl's tokens (as SHA-256), failed
 * logins for the throttle, and the audit trail, append-only (triggers
 * refuse UPDATE and DELETE). Not in the feed.
 */
#ifndef HUB_DB_H
#define HUB_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/pay.h"
#include "core/sign.h"
#include "einvoice.h"

#define HUBDB_SCHEMA_VERSION 9
#define HUBDB_ERR_MAX 512
#define HUBDB_DEVICE_MAX SIGN_DEVICE_MAX /* device id: sign_device_id_ok */
#define HUBDB_KEY_MAX 64      /* idempotency key, bytes */
#define HUBDB_NONCE_LIFE_S 600 /* how long a nonce is remembered */
#define HUBDB_URL_MAX 200     /* code_url, bytes */
#define HUBDB_BANK_MAX 16     /* bank id, bytes */
#define HUBDB_INVOICE_NO_MAX 20 /* the platform's 20 digits (16 before version 9) */
#define HUBDB_BINDING_LIFE_S (30 * 86400) /* default life of a binding after a login */
#define HUBDB_INV_TOKEN_MAX 64  /* invoice page token or PDF key, bytes */

struct hubdb;

/* A provisioned kiosk. */
struct hubdb_device {
	char id[HUBDB_DEVICE_MAX + 1]; /* device id */
	char secret[65];               /* HMAC key, 64 hex (kept to verify signatures) */
	bool enabled;                  /* false after disable */
	int64_t created_s;             /* provisioned at, hub clock */
	int64_t last_seen_s;           /* last authenticated request, 0 = never */
};

/* The current SMS code of one phone. */
struct hubdb_code {
	char code[7];      /* 6 digits */
	int64_t sent_s;    /* when it was sent */
	int64_t expires_s; /* last second it works */
	int tries;         /* wrong tries so far */
	bool used;         /* consumed by a login */
};

/* Open (creating, checking, migrating) the database at path. On failure a
 * message naming the file is in err. */
ca_err hubdb_open(const char *path, struct hubdb **out, char *err, size_t errlen);

/* Wake every waiter for good, then close. hubdb_close(NULL) is fine. */
void hubdb_close(struct hubdb *db);

/* ---- transactions and revisions ---- */
ca_err hubdb_begin(struct hubdb *db);
ca_err hubdb_commit(struct hubdb *db);   /* rolls back on failure; lock released */
void hubdb_rollback(struct hubdb *db);   /* lock released */

/* One savepoint inside the open transaction (not nested), so that one
 * record of a batch can be undone without the others: open it, then either
 * release it (keep its writes) or roll back to it (undo them, revisions
 * included). Both answer CA_ERR_DB when SQLite ended the whole transaction
 * on its own (I/O error, disk full): nothing of it is kept, and the caller
 * must hubdb_rollback() instead of committing. */
ca_err hubdb_savepoint(struct hubdb *db);
ca_err hubdb_savepoint_release(struct hubdb *db);
ca_err hubdb_savepoint_rollback(struct hubdb *db);
/* Whether the transaction of hubdb_begin() is still open (in one). */
bool hubdb_in_tx(struct hubdb *db);

/* The next revision (in a transaction). */
ca_err hubdb_rev_next(struct hubdb *db, int64_t *rev);

/* The last committed revision. */
int64_t hubdb_rev_current(struct hubdb *db);

/* Called after every commit that made revision rev, from the committing
 * thread with the store locked: it must only note the fact (the hub's
 * HTTP layer writes to an eventfd) and never call back into the store. */
typedef void (*hubdb_commit_fn)(void *ctx, int64_t rev);
void hubdb_on_commit(struct hubdb *db, hubdb_commit_fn fn, void *ctx);

/* Each device with a live binding to an account that has a feed row with a
 * revision in (after, upto], once (what a commit concerns: whose long-poll
 * to wake). */
typedef void (*hubdb_device_fn)(void *ctx, const char *device);
ca_err hubdb_devices_changed(struct hubdb *db, int64_t after, int64_t upto,
			     hubdb_device_fn fn, void *ctx);

/* ---- the store's epoch, health, backup ---- */

/* The store's epoch (meta 'epoch', schema version 5): a random positive
 * 63-bit id of this store instance, made when it was created (or migrated
 * to version 5) and renewed by a restore (ca-hubctl restore). Revisions are
 * comparable only within one epoch: the feed carries it, and a kiosk whose
 * cursor belongs to another epoch starts again from 0 (docs/sync.md). */
int64_t hubdb_epoch(struct hubdb *db);

/* Give the store a new random epoch, different from the old one, into
 * *epoch (not in a transaction). */
ca_err hubdb_epoch_renew(struct hubdb *db, int64_t *epoch);

/* A cheap read that really reaches the file (cached pages dropped first),
 * for GET /health; also fails when the file was removed or renamed under
 * the running hub. why (may be NULL) says what failed. */
ca_err hubdb_ping(struct hubdb *db, char *why, size_t whylen);

/* Copy the store file src_path into dst_path (a new or empty file) with
 * SQLite's online backup: the copy is the store as of one commit, taken
 * while a hub may be writing it. The copy is one self-contained file in
 * rollback-journal mode (no -wal, no -shm); it is closed (and synced) on
 * return. */
ca_err hubdb_backup(const char *src_path, const char *dst_path, char *err, size_t errlen);

/* ---- devices and nonces ---- */
ca_err hubdb_device_add(struct hubdb *db, const char *id, const char *secret, int64_t now_s);
ca_err hubdb_device_get(struct hubdb *db, const char *id, struct hubdb_device *out);
ca_err hubdb_device_disable(struct hubdb *db, const char *id);
/* A new JSON array of {id, enabled, created_at, last_seen}; caller owns. */
ca_err hubdb_device_list(struct hubdb *db, json_t **out);

/* Remember nonce of device at now_s: CA_ERR_CONFLICT when it was used in
 * the last HUBDB_NONCE_LIFE_S seconds. Forgets older nonces and marks the
 * device seen. Durable (committed) before it returns. */
ca_err hubdb_nonce_use(struct hubdb *db, const char *device, const char *nonce, int64_t now_s);

/* ---- SMS codes, sessions, account bindings ---- */
/* How many codes were sent to phone after since_s (in a transaction: the
 * count and the send it allows are one step, so parallel sends cannot
 * both take the last place). When count >= limit, *free_at_s is the time of
 * the send whose leaving the window makes room for one more (else 0). */
ca_err hubdb_sms_sends(struct hubdb *db, const char *phone, int64_t since_s, int limit,
		       int *count, int64_t *free_at_s);
/* Record a send to phone at now_s (in a transaction, with the count that
 * allowed it); forgets sends older than a day. */
ca_err hubdb_sms_send_add(struct hubdb *db, const char *phone, int64_t now_s);
/* Make code the phone's current code, tries 0 (in a transaction). */
ca_err hubdb_sms_code_put(struct hubdb *db, const char *phone, const char *code,
			  int64_t now_s, int64_t expires_s);
/* The phone's current code; CA_ERR_NOT_FOUND when none was sent. */
ca_err hubdb_sms_code_get(struct hubdb *db, const char *phone, struct hubdb_code *out);
/* Count a wrong try, or mark the code used. */
ca_err hubdb_sms_code_update(struct hubdb *db, const char *phone, int tries, bool used);

/* A session (in a transaction, with the binding). */
ca_err hubdb_session_put(struct hubdb *db, const char *token, const char *account,
			 const char *device, int64_t expires_s);
/* The session's account and device; CA_ERR_NOT_FOUND when unknown. */
ca_err hubdb_session_get(struct hubdb *db, const char *token, char account[12],
			 char device[HUBDB_DEVICE_MAX + 1], int64_t *expires_s);

/* End the session token of device: *ended tells whether there was one
 * (a token of another device, an unknown or already ended one: false, and
 * nothing changes). Durable before it returns. */
ca_err hubdb_session_end(struct hubdb *db, const char *token, const char *device, bool *ended);

/*
 * Bindings. An account is bound to a device by a login there; bound_s is
 * its LAST login there. The binding is live while now_s - bound_s is at
 * most the binding life (hubdb_set_binding_life, [sessions] binding_days;
 * HUBDB_BINDING_LIFE_S until set). Only a live binding lets the device push
 * the account's records (hubdb_bound) and read its changes (hubdb_feed).
 * "A live session or a live binding" is the same thing: a session is made
 * in the login's transaction, which renews the binding, and lives 30
 * minutes, while a binding lives at least a day; so the checks read the
 * binding row alone (by its primary key), never the sessions table.
 */
enum hubdb_binding {
	HUBDB_BOUND_NEVER,   /* the account never logged in on the device */
	HUBDB_BOUND_EXPIRED, /* it did, but longer ago than the binding life */
	HUBDB_BOUND_LIVE,    /* a login there within the binding life */
};

/* Set the binding life in seconds (at least a day, longer than a session),
 * at start. */
void hubdb_set_binding_life(struct hubdb *db, int64_t seconds);

/* Bind account to device at now_s (in a transaction): a login. Sets
 * bound_s to now_s. A new binding, or one that had expired, gives the
 * account's rows fresh revisions, so a device whose cursor went past them
 * (or past changes it was not sent while expired) receives them in its
 * feed. */
ca_err hubdb_bind(struct hubdb *db, const char *device, const char *account, int64_t now_s);
/* The binding of account to device at now_s. */
enum hubdb_binding hubdb_binding_state(struct hubdb *db, const char *device, const char *account,
				       int64_t now_s);
/* Whether account's binding to device is live now (the hub's clock). */
bool hubdb_bound(struct hubdb *db, const char *device, const char *account);

/* ---- per-device hourly budgets (device_events) ---- */

/* What a device spends of a budget. */
enum hubdb_event {
	HUBDB_EV_SMS,   /* a login code sent at its request */
	HUBDB_EV_LOGIN, /* a login try (a code checked, right or wrong) */
};

/* How many ev events device had after since_s (in a transaction, with the
 * action it allows); *free_at_s as hubdb_sms_sends. */
ca_err hubdb_event_count(struct hubdb *db, const char *device, enum hubdb_event ev,
			 int64_t since_s, int limit, int *count, int64_t *free_at_s);
/* Count one ev event of device at now_s (in a transaction), forgetting the
 * device's ev events at or before keep_after_s: a device keeps at most one
 * window of rows per kind. */
ca_err hubdb_event_add(struct hubdb *db, const char *device, enum hubdb_event ev,
		       int64_t now_s, int64_t keep_after_s);

/* ---- idempotency ---- */
/* The stored result of (device, key): request hash, HTTP status, result
 * JSON text (malloc'd, caller frees). CA_ERR_NOT_FOUND when new. */
ca_err hubdb_idem_get(struct hubdb *db, const char *device, const char *key,
		      char hash[65], int *status, char **result);
/* Store it (in a transaction). */
ca_err hubdb_idem_put(struct hubdb *db, const char *device, const char *key,
		      const char *hash, int status, const char *result, int64_t now_ms);

/* ---- applications, history, processing records, side rows ---- */
ca_err hubdb_app_get(struct hubdb *db, const char *id, struct ca_app *out);
/* Insert or replace app (in a transaction); app->rev must be set. */
ca_err hubdb_app_put(struct hubdb *db, const struct ca_app *app);
/* Remove app and its history (in a transaction). */
ca_err hubdb_app_delete(struct hubdb *db, const char *id);

typedef int (*hubdb_app_fn)(const struct ca_app *app, void *ctx);
/* Walk applications, newest change first; status < 0 for all. Return
 * non-zero from fn to stop. At most limit rows; limit < 0: all of them
 * (the store's lock is held for the whole walk). */
ca_err hubdb_app_each(struct hubdb *db, int status, int limit, hubdb_app_fn fn, void *ctx);

/* A page of applications for staff: oldest change first, after the cursor
 * (after_ms, after_id: the last row of the page before; 0 and "" for the
 * first). */
struct hubdb_app_q {
	int status;             /* an enum ca_app_status, or -1 for all */
	const char *text;       /* part of the company name, or a whole USCC, phone or
				 * id, or an id's start; NULL or "" for all */
	int64_t after_ms;       /* cursor: updated_ms of the last row seen */
	const char *after_id;   /* cursor: its id ("" for none) */
	int limit;              /* at most this many */
};

ca_err hubdb_app_page(struct hubdb *db, const struct hubdb_app_q *q, hubdb_app_fn fn, void *ctx);

/* One history row (in a transaction). actor: "device:ID" or "staff:NAME". */
ca_err hubdb_history_add(struct hubdb *db, const char *app_id, int64_t rev, int64_t at_ms,
			 enum ca_action action, const struct ca_state *from,
			 const struct ca_state *to, const char *actor, const char *note);
/* The history as a new JSON array (oldest first). */
ca_err hubdb_history_json(struct hubdb *db, const char *app_id, json_t **out);

/* A processing record of account's application (in a transaction). */
ca_err hubdb_record_add(struct hubdb *db, const struct ca_proc_record *rec,
			const char *account, int64_t rev);
/* The records of app_id as a new JSON array of codec records. */
ca_err hubdb_record_json(struct hubdb *db, const char *app_id, json_t **out);

/* Ready for pickup at kiosk (slot may be "") (in a transaction). */
ca_err hubdb_pickup_put(struct hubdb *db, const char *app_id, const char *account,
			const char *kiosk, const char *slot, int64_t rev, int64_t at_ms);
/* The pickup object of app_id and its invoices as an array (blue first),
 * each as the feed carries it (new references; pickup NULL when none). */
ca_err hubdb_side_json(struct hubdb *db, const char *app_id, json_t **pickup, json_t **invoices);

/* ---- e-invoices and the tokens of the invoice page ---- */

enum hubdb_inv_state {
	HUBDB_INV_PENDING, /* asked of the tax platform, no answer yet */
	HUBDB_INV_ISSUED,  /* the platform issued it */
	HUBDB_INV_FAILED,  /* the platform refused it (error says why) */
};

/* An invoice of an application: its blue one, or the red reversal. */
struct hubdb_invoice {
	char app_id[CA_UUID_LEN + 1];           /* the application invoiced */
	char account[12];                       /* its account */
	enum einv_kind kind;                    /* blue, or red */
	enum hubdb_inv_state state;
	char request_id[EINV_REQUEST_ID_MAX + 1]; /* the hub's, sent to the platform */
	char reason[EINV_REMARKS_MAX + 1];      /* red: why (the refund's reason) */
	char number[HUBDB_INVOICE_NO_MAX + 1];  /* "" until issued */
	char original[HUBDB_INVOICE_NO_MAX + 1]; /* red: the blue number */
	int64_t requested_ms, issued_ms;        /* hub clock */
	int64_t total_fen, tax_fen;             /* 价税合计 and 税额 (negative when red) */
	int tries;                              /* platform calls that got no answer */
	int64_t next_try_ms;                    /* a pending one is due at */
	char error[200];                        /* the last failure, "" none */
	int64_t rev;
};

/* A token of the invoice page (the kiosk's invoice QR code). */
struct hubdb_inv_token {
	char token[HUBDB_INV_TOKEN_MAX + 1];    /* opaque, random, the page's URL */
	char app_id[CA_UUID_LEN + 1];           /* the one application it opens */
	int64_t created_s;                      /* made at, hub clock */
	int64_t expires_s;                      /* dead from this second on */
	int tries;                              /* wrong company names so far */
	char pdf_key[HUBDB_INV_TOKEN_MAX + 1];  /* key of the PDF link, "" none yet */
	int64_t pdf_expires_s;                  /* the PDF link dies at this second */
};

/*
 * Ask for the invoice kind of app_id (in a transaction, at revision rev):
 * a new row pending under request_id (reason: a red one's), due at once.
 * Asked again: a failed one is pending again (same request id, tries
 * cleared); a pending or issued one only takes the new revision.
 */
ca_err hubdb_invoice_request(struct hubdb *db, const char *app_id, const char *account,
			     enum einv_kind kind, const char *request_id, const char *reason,
			     int64_t rev, int64_t now_ms);
/* The invoice kind of app_id; CA_ERR_NOT_FOUND when none was asked for. */
ca_err hubdb_invoice_get(struct hubdb *db, const char *app_id, enum einv_kind kind,
			 struct hubdb_invoice *out);
/* Up to max pending invoices due at now_ms (oldest request first) into
 * out; *n how many. */
ca_err hubdb_invoice_due(struct hubdb *db, int64_t now_ms, struct hubdb_invoice *out,
			 size_t max, size_t *n);
/* The platform issued it (in a transaction, at revision rev): its number,
 * original, time and amounts from inv, the invoice as JSON (data) and its
 * XML (xml_len bytes). CA_ERR_CONFLICT when it is not pending. */
ca_err hubdb_invoice_issued(struct hubdb *db, const char *app_id, enum einv_kind kind,
			    const struct einvoice *inv, const char *data, const char *xml,
			    size_t xml_len, int64_t rev);
/* The platform did not answer: try again at next_try_ms (no revision). */
ca_err hubdb_invoice_retry(struct hubdb *db, const char *app_id, enum einv_kind kind,
			   int tries, int64_t next_try_ms, const char *error);
/* The platform refused it (in a transaction, at revision rev). */
ca_err hubdb_invoice_failed(struct hubdb *db, const char *app_id, enum einv_kind kind,
			    const char *error, int64_t rev);
/* The issued invoice's JSON (*data) and XML (*xml, *xml_len), malloc'd;
 * *data is "" for an invoice issued before version 9. */
ca_err hubdb_invoice_files(struct hubdb *db, const char *app_id, enum einv_kind kind,
			   char **data, char **xml, size_t *xml_len);
/* Store a new token (in a transaction); drops the application's tokens
 * that expired by t->created_s. */
ca_err hubdb_inv_token_add(struct hubdb *db, const struct hubdb_inv_token *t);
/* The application's token that lives longest, if it expires no sooner than
 * min_expires_s and has fewer than tries_max wrong tries; else NOT_FOUND. */
ca_err hubdb_inv_token_live(struct hubdb *db, const char *app_id, int64_t min_expires_s,
			    int tries_max, struct hubdb_inv_token *out);
/* The token; CA_ERR_NOT_FOUND when unknown. */
ca_err hubdb_inv_token_get(struct hubdb *db, const char *token, struct hubdb_inv_token *out);
/* Set its wrong tries and PDF key (in a transaction). */
ca_err hubdb_inv_token_set(struct hubdb *db, const char *token, int tries, const char *pdf_key,
			   int64_t pdf_expires_s);

/* ---- restocks of kiosks' dispensers ---- */

#define HUBDB_RESTOCK_LIST_MAX 200 /* rows one listing returns at most */

/* One restock as a kiosk reported it. */
struct hubdb_restock {
	char device[HUBDB_DEVICE_MAX + 1]; /* the kiosk that signed the record */
	char key[HUBDB_KEY_MAX + 1];       /* the record's idempotency key */
	int slot;                          /* 1..64 */
	int before;                        /* keys before, -1 = unknown; ..9999 */
	int after;                         /* keys after, 0..9999 */
	int64_t at_ms;                     /* when, the kiosk's clock */
	int64_t received_ms;               /* when the hub stored it, hub clock */
};

/* Store r (in a transaction). CA_ERR_CONFLICT when (device, key) is
 * there already (the idempotency table answers replays before this). */
ca_err hubdb_restock_add(struct hubdb *db, const struct hubdb_restock *r);
/* The restocks of device (NULL: of every kiosk), newest first (kiosk
 * time, then arrival), at most limit: a new JSON array of {"kiosk", "slot",
 * "before", "after", "at_ms", "received_ms", "key"}. */
ca_err hubdb_restock_json(struct hubdb *db, const char *device, int limit, json_t **out);

/* ---- the change feed ---- */
/* Changes for the accounts with a live binding to device (now, on the hub's
 * clock) with rev > since, oldest first,
 * at most limit: a new JSON array of {rev, kind, <kind>: {...}}; *next is
 * the last rev listed (since when none), *more whether more are waiting. */
ca_err hubdb_feed(struct hubdb *db, const char *device, int64_t since, int limit,
		  json_t **changes, int64_t *next, bool *more);

/* ---- payments: the hub's orders ---- */

/* One payment order as the hub (the merchant) knows it. */
struct hubdb_pay {
	struct pay_order o;               /* number, app, method, amount, times; o.state is
					     the last trade_state the hub accepted */
	char account[12];                 /* the application's account */
	char bank[HUBDB_BANK_MAX + 1];    /* bank id for method bank, "" otherwise */
	char code_url[HUBDB_URL_MAX + 1]; /* what the kiosk shows as a QR code */
	int64_t applied_rev;              /* revision that applied the payment to the
					     application; 0 = not applied (with SUCCESS:
					     a payment owed back: a duplicate, or one
					     staff refunded) */
	int notifications;                /* provider notifications received */
	int64_t updated_ms;               /* last change, hub clock */
};

/* Which orders hubdb_pay_list() lists. */
enum hubdb_pay_sel {
	HUBDB_PAY_OPEN_OF_APP, /* NOTPAY orders of app_id */
	HUBDB_PAY_EXPIRED,     /* NOTPAY orders with expires_s <= now_s */
	HUBDB_PAY_REFUND_DUE,  /* SUCCESS orders not applied: duplicates and staff
				* refunds, to refund */
	HUBDB_PAY_OF_APP,      /* every order of app_id, oldest first */
};

/* Store a new order. CA_ERR_CONFLICT when the number exists. */
ca_err hubdb_pay_add(struct hubdb *db, const struct hubdb_pay *p);
/* The order out_trade_no; CA_ERR_NOT_FOUND when unknown. */
ca_err hubdb_pay_get(struct hubdb *db, const char *out_trade_no, struct hubdb_pay *out);
/* Set state, paid_s and applied_rev of an order (in a transaction). */
ca_err hubdb_pay_set(struct hubdb *db, const char *out_trade_no, enum pay_state state,
		     int64_t paid_s, int64_t applied_rev, int64_t now_ms);
/* Count one notification received for the order. */
ca_err hubdb_pay_notified(struct hubdb *db, const char *out_trade_no);
/* Up to max order numbers selected by sel into nos; *n how many. */
ca_err hubdb_pay_list(struct hubdb *db, enum hubdb_pay_sel sel, const char *app_id,
		      int64_t now_s, char (*nos)[PAY_TRADE_NO_MAX + 1], size_t max, size_t *n);

/* A page of the orders for staff (hubdb_pay_page): newest first. */
struct hubdb_pay_q {
	int state;              /* enum pay_state to list, -1 for every state */
	int64_t before_s;       /* 0, or the cursor (the last row of the page before): orders
				   created before this second, or in it ... */
	const char *before_no;  /* ... with a smaller out_trade_no (NULL with before_s 0) */
	int limit;              /* at most this many (out has room for them) */
};

/* The orders q selects into out (room for q->limit), newest first (created_s,
 * then out_trade_no, both descending); *n how many. */
ca_err hubdb_pay_page(struct hubdb *db, const struct hubdb_pay_q *q, struct hubdb_pay *out,
		      size_t *n);

/* ---- kiosks' health (heartbeats, docs/fleet.md) ---- */

/* What staff may ask a kiosk through its next heartbeat's answer. */
enum hubdb_ask {
	HUBDB_ASK_RESTART, /* restart the app when idle */
	HUBDB_ASK_LOG,     /* send the recent log tail */
};

/* Keep beat (normalised JSON text) as device's latest heartbeat, received
 * at now_ms with its interval; in the same transaction take the requests
 * staff left for it (each is delivered once: *restart, *send_log). */
ca_err hubdb_health_beat(struct hubdb *db, const char *device, int64_t now_ms, int interval_s,
			 const char *beat, bool *restart, bool *send_log);
/* Leave a request for device (CA_ERR_NOT_FOUND: no such device). */
ca_err hubdb_health_ask(struct hubdb *db, const char *device, enum hubdb_ask what,
			int64_t now_ms);
/* Keep text as device's log tail; CA_ERR_CONFLICT when none was asked for
 * (delivered and not yet answered). */
ca_err hubdb_health_log_put(struct hubdb *db, const char *device, int64_t now_ms,
			    const char *text);
/* Every device (device NULL) or one, by id, with its health row:
 * [{"id", "enabled", "received_ms" (0: never), "interval_s", "beat",
 * "restart_asked_ms", "restart_sent_ms", "log_asked_ms", "log_sent_ms",
 * "log_ms", "log_text"}]. Caller owns *out. */
ca_err hubdb_health_json(struct hubdb *db, const char *device, json_t **out);

/* ---- staff (db_staff.c, docs/console.md) ---- */

/* A staff account. */
struct hubdb_staff {
	char name[33];          /* login name (staff_name_ok) */
	char display[81];       /* the person's name, UTF-8 */
	unsigned roles;         /* enum staff_role bits (src/hub/staff.h) */
	char pw_hash[128];      /* argon2id string; "" = no password set (no login) */
	bool disabled;          /* no login, no session */
	int64_t created_ms;     /* made at, hub clock */
	int64_t changed_ms;     /* last change of password, roles or state */
	int64_t last_login_ms;  /* last login, 0 = never */
};

/* A console session or a ca-hubctl token. */
struct hubdb_ssn {
	char sid_hash[65];      /* SHA-256 (hex) of the token; the token itself is never kept */
	char staff[33];         /* whose */
	bool console;           /* a console session (else a ca-hubctl token) */
	char csrf[65];          /* the console's form token ("" for a token) */
	char addr[48];          /* the address it was opened from */
	int64_t created_ms;     /* opened at */
	int64_t seen_ms;        /* last request */
	int64_t expires_ms;     /* absolute end */
};

/* Add an account (its name must be new: CA_ERR_CONFLICT otherwise). */
ca_err hubdb_staff_add(struct hubdb *db, const struct hubdb_staff *st);
/* Read an account; CA_ERR_NOT_FOUND. */
ca_err hubdb_staff_get(struct hubdb *db, const char *name, struct hubdb_staff *out);
/* Change one thing of an account (changed_ms = now); CA_ERR_NOT_FOUND. */
ca_err hubdb_staff_set_password(struct hubdb *db, const char *name, const char *pw_hash,
				int64_t now_ms);
ca_err hubdb_staff_set_roles(struct hubdb *db, const char *name, unsigned roles,
			     int64_t now_ms);
ca_err hubdb_staff_set_disabled(struct hubdb *db, const char *name, bool disabled,
				int64_t now_ms);
/* Note a successful login. */
ca_err hubdb_staff_logged_in(struct hubdb *db, const char *name, int64_t now_ms);
/* Every account (no hashes), enabled first, by name. */
ca_err hubdb_staff_json(struct hubdb *db, json_t **out);

/* Add a session or token (expired ones are removed first). */
ca_err hubdb_ssn_add(struct hubdb *db, const struct hubdb_ssn *x);
/* The session of sid_hash and its account; CA_ERR_NOT_FOUND. The caller
 * checks expiry, idleness and the account's state. */
ca_err hubdb_ssn_get(struct hubdb *db, const char *sid_hash, struct hubdb_ssn *x,
		     struct hubdb_staff *st);
/* Note a request of the session. */
ca_err hubdb_ssn_seen(struct hubdb *db, const char *sid_hash, int64_t now_ms);
/* End one session; end every session and token of an account. */
ca_err hubdb_ssn_end(struct hubdb *db, const char *sid_hash);
ca_err hubdb_ssn_end_all(struct hubdb *db, const char *name);

/* Failed logins under key ("name:NAME", "addr:ADDR") after since_ms into
 * *n; when they are limit or more, *free_at_ms is the time of the one
 * whose leaving the window brings them under limit. */
ca_err hubdb_login_failures(struct hubdb *db, const char *key, int64_t since_ms, int limit,
			    int *n, int64_t *free_at_ms);
/* Count a failed login under key (failures older than keep_ms go). */
ca_err hubdb_login_failed(struct hubdb *db, const char *key, int64_t now_ms, int64_t keep_ms);
/* Forget the failures under key (after a successful login). */
ca_err hubdb_login_forget(struct hubdb *db, const char *key);

/* One line of the audit trail. Text fields are UTF-8; "" where nothing. */
struct hubdb_audit {
	int64_t at_ms;          /* when (hub clock) */
	const char *staff;      /* login name ("host" for the machine's token) */
	const char *display;    /* the person's name */
	const char *via;        /* "console", "ctl" or "host" */
	const char *action;     /* what: an fsm action id, "staff_add", "login", ... */
	const char *target;     /* on what: an application id, a login name, a device */
	const char *before;     /* the state before ("pending_review/unpaid/none"), or "" */
	const char *after;      /* the state after, or "" */
	const char *detail;     /* the argument: a reason, a tracking number, roles */
	const char *addr;       /* the caller's address */
};

/* Append a line (inside the transaction of the change it records, when
 * there is one, so the two commit together). */
ca_err hubdb_audit_add(struct hubdb *db, const struct hubdb_audit *a);

/* A search of the audit trail: every filter off when NULL (0). */
struct hubdb_audit_q {
	const char *staff;      /* this login name */
	const char *action;     /* this action */
	const char *target;     /* this target */
	const char *text;       /* this text anywhere in name, action, target, detail */
	int64_t before_seq;     /* lines older than this one (the cursor of the next page) */
	int64_t from_ms;        /* at or after */
	int64_t to_ms;          /* before (0: no end) */
	int limit;              /* at most this many, newest first */
};

ca_err hubdb_audit_json(struct hubdb *db, const struct hubdb_audit_q *q, json_t **out);

#endif
