/*
 * pickup.h - on-site key pickup through the dispenser, off the UI thread.
 *
 * A worker thread owns the struct disp (dispenser.h) and its own connection
 * to the kiosk store. The UI hands it one request at a time (pickup_submit)
 * and takes the newest result (pickup_take) after the notify callback woke
 * its event loop - the shape of online.h. Dispenser calls block for up to
 * (retries + 1) * timeout_ms, so they never run on the UI thread.
 *
 * A pickup (PICKUP_DISPENSE) is, in this order:
 *   1. disp_status: the device answers, and its last_seq;
 *   2. store_intent_begin(app, slot, last_seq): refused unless the record
 *      allows collect and no other intent is pending; fsync'ed;
 *   3. disp_dispense(slot);
 *   4. DISP_OK: store_intent_collected (the record becomes done +
 *      collected, with its history and outbox row "collect", in one
 *      transaction). DISP_NO_ANSWER: the outcome is unknown; disp_status is
 *      read again and pickup_verdict() decides. Any other result:
 *      store_intent_failed (outbox row "dispense_fault"; the record stays
 *      ready_for_pickup).
 * Never collected without a confirmed dispense: the only path to collected
 * is DISP_OK, or a device status that shows the intent's dispense was
 * executed with result ok.
 *
 * A restock (PICKUP_RESTOCK, maintenance mode) is, in this order:
 *   1. disp_status: the slot's stock before (-1 when the device does not
 *      say);
 *   2. disp_restock(slot, count);
 *   3. store_restock_record: an outbox row "restock" for the hub, where
 *      staff see it (ca-hubctl restocks);
 *   4. disp_status again, for the screen.
 * A restock is refused while a pickup's outcome is unknown. When the
 * device took the restock but the record could not be written, the
 * outcome is still PICKUP_OK (the slot does hold count keys) with
 * recorded false, a message that says so, and an error line in the log;
 * restocking again (an absolute count: harmless) writes a new record.
 * A crash between 2 and 3 loses the record, not the restock.
 *
 * Recovery: a pending intent (a crash between 2 and 4, or a device that did
 * not answer after the command) is resolved from disp_status by the same
 * pickup_verdict(): at pickup_start, before every request, and every
 * retry_ms while one is pending. While the device cannot be reached the
 * intent stays pending (new pickups are refused, the order is not
 * collected) and the worker keeps retrying.
 *
 * Test hook: with CA_TEST_CRASH_AFTER_DISPENSE=1 in the environment the
 * process calls _exit(99) right after disp_dispense returns, before any
 * write: a real crash between the dispense and the write, used only by
 * tests/kiosk/test_pickup.
 */
#ifndef CA_PICKUP_H
#define CA_PICKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "kiosk/config/config.h"
#include "dispenser.h"
#include "kiosk/store/store.h"

/* What to do. */
enum pickup_op {
	PICKUP_STATUS,   /* read the device (maintenance mode: stock, faults) */
	PICKUP_RESTOCK,  /* slot now holds count keys (and a jam is cleared) */
	PICKUP_DISPENSE, /* collect application app_id from slot */
	PICKUP_RECOVER,  /* resolve a pending intent now, if any */
	PICKUP_OP__N
};

/* One request; copied by pickup_submit. */
struct pickup_req {
	enum pickup_op op;
	char app_id[CA_UUID_LEN + 1]; /* DISPENSE */
	int slot;                     /* DISPENSE, RESTOCK: 1-based */
	int count;                    /* RESTOCK: keys now in the slot */
};

/* How a request ended, in the terms the UI needs. */
enum pickup_outcome {
	PICKUP_OK,        /* STATUS/RESTOCK done (RESTOCK: see recorded);
			   * DISPENSE: collected (key out);
			   * RECOVER: nothing pending any more */
	PICKUP_FAILED,    /* DISPENSE: no key came out; fault recorded for the
			   * hub; the order stays ready_for_pickup */
	PICKUP_UNKNOWN,   /* DISPENSE/RECOVER: the device stopped answering
			   * after the command: the intent stays pending, the
			   * order is not collected; staff check the tray */
	PICKUP_REFUSED,   /* DISPENSE: not allowed (record not ready for pickup,
			   * another intent pending, bad slot or id);
			   * RESTOCK: count out of 0..STORE_STOCK_MAX; nothing
			   * was sent to the device */
	PICKUP_NO_DEVICE, /* the dispenser is not configured or does not answer;
			   * nothing was dispensed */
	PICKUP_ERROR,     /* the local store failed (see message) */
};

/* One result. */
struct pickup_result {
	uint64_t seq;                   /* the number pickup_submit returned */
	enum pickup_op op;
	enum pickup_outcome outcome;
	enum disp_result disp;          /* DISPENSE: the device's answer
					 * (DISP__N when nothing was sent) */
	char app_id[CA_UUID_LEN + 1];   /* DISPENSE, RECOVER: the application */
	int slot;                       /* DISPENSE, RESTOCK */
	bool have_status;               /* status below is the device's */
	struct disp_status status;      /* the last status read */
	bool intent_pending;            /* an intent is still pending after it */
	bool recorded;                  /* RESTOCK: the record for the hub was
					 * written (false with PICKUP_OK: the
					 * slot was restocked but staff will
					 * not hear of it; message says so) */
	char message[2 * DISP_TEXT_MAX];  /* English, for the log / maintenance */
};

/* Called on the worker thread after a result is stored; thread-safe, quick. */
typedef void (*pickup_notify_fn)(void *ctx);
/* The kiosk's clock in Unix ms (virtual in flow tests); called on the worker. */
typedef int64_t (*pickup_clock_fn)(void *ctx);

struct pickup_opts {
	const struct config *cfg;   /* [dispenser] keys, kiosk id, data_dir (borrowed
				     * until pickup_stop) */
	const char *db_path;        /* the kiosk store (copied) */
	int retry_ms;               /* recovery / reopen retry period; 0 = 30000 */
	pickup_notify_fn notify;    /* may be NULL */
	void *notify_ctx;
	pickup_clock_fn clock;      /* may be NULL: CLOCK_REALTIME */
	void *clock_ctx;
};

struct pickup;

/*
 * Start the worker: it opens the store and the dispenser and resolves a
 * pending intent before it takes the first request. CA_ERR_ARG (missing
 * cfg/db_path), CA_ERR_NOMEM. A dispenser that cannot be opened is not an
 * error here: requests then end PICKUP_NO_DEVICE and the open is retried.
 */
ca_err pickup_start(const struct pickup_opts *o, struct pickup **out);

/* Stop: a request in flight finishes first (a dispense is never cut in
 * half), then the thread is joined and everything closed.
 * pickup_stop(NULL) is fine. */
void pickup_stop(struct pickup *p);

/* Hand over a request; returns its number (> 0). Never blocks on the device.
 * A request not yet started is replaced by a newer one. */
uint64_t pickup_submit(struct pickup *p, const struct pickup_req *req);

/* The result of the newest request, once; false while there is none. The
 * store stays the truth: a pickup result superseded by a newer request is
 * dropped, but its rows are written. */
bool pickup_take(struct pickup *p, struct pickup_result *out);

/* Whether the newest request has not produced its result yet. */
bool pickup_busy(struct pickup *p);

/* What the worker last learnt of the device, for the heartbeat (it reads
 * the status at start, at every request and every minute while idle):
 * false while it has read nothing yet. Else *answered says whether the last read
 * got an answer (then *st is that status), *unconfirmed whether a pickup's
 * outcome is still unknown. Never touches the device; thread-safe. */
bool pickup_health(struct pickup *p, struct disp_status *st, bool *answered,
		   bool *unconfirmed);

/* ---- the steps, on the caller's thread (the worker uses these; tests and
 * tools may call them directly with their own store and device) ---- */

/* Whether the device executed the intent's dispense with a key out: its
 * last_seq moved on from the intent's and its last_result is ok. (The
 * worker resolves a pending intent before it sends anything else to the
 * device, so "moved on" can only be this dispense.) */
bool pickup_verdict(const struct store_intent *it, const struct disp_status *st);

/* One pickup, steps 1-4 above. kiosk_id goes into a fault record (may be
 * NULL); today as for fsm_apply. Fills *res (op, outcome, disp, message). */
enum pickup_outcome pickup_run(struct store *st, struct disp *d,
			       const char *kiosk_id, const char *app_id,
			       int slot, int64_t now_ms, int today,
			       struct pickup_result *res);

/* Resolve the pending intent, if any, from the device's status. PICKUP_OK
 * when none is left pending (res->disp tells what it was resolved as:
 * DISP_OK collected, else failed), PICKUP_UNKNOWN when the device did not
 * answer (still pending), PICKUP_ERROR for the store. */
enum pickup_outcome pickup_recover(struct store *st, struct disp *d,
				   const char *kiosk_id, int64_t now_ms,
				   int today, struct pickup_result *res);

/* Stable lower-case name of an outcome ("ok", "failed", ...). */
const char *pickup_outcome_name(enum pickup_outcome o);

#endif
