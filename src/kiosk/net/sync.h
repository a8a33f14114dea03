/*
 * sync.h - the kiosk's sync engine: a worker thread that drains the outbox
 * to the hub and pulls the hub's change feed into the local store.
 *
 * The UI thread never calls curl and never waits on the network: it writes
 * its changes to the store (with their outbox rows, store.h), calls
 * sync_wake() to push at once, and reads what the engine reports from a
 * small bounded queue (sync_poll, or sync_event_fd() in its event loop).
 * Offline, everything queues in the store and nothing blocks.
 *
 * The worker opens its own connection to the store file (one struct store
 * per thread). Per round it:
 *   1. pushes due outbox rows in outbox order, at most one row of an
 *      application per request, in batches (POST /v1/records), and applies
 *      each batch's results in one transaction: 200 -> sent (and the hub's
 *      snapshot kept and applied, store_outbox_sent), 400/403/404/409/422 ->
 *      parked with the hub's message, 429/5xx/network -> retried later with
 *      capped exponential backoff and full jitter, Retry-After honoured;
 *   2. pulls the change feed (GET /v1/feed, long-polling while nothing is
 *      due) and applies each batch with its cursor in one transaction; when
 *      the hub's store is another one (its epoch changed, or the cursor is
 *      past its head: a restore), it starts again from 0 (store_feed_reset).
 * Besides, at start and every [timeouts] heartbeat_s, it sends a heartbeat
 * (POST /v1/heartbeat: version, uptime, outbox depth, last sync, clock
 * skew, free disk, and the facts the app gives with sync_set_facts:
 * display, renderer, dispenser stock and faults, idle). The hub's answer
 * may ask for a restart of the app (status restart_asked: the app restarts
 * when idle) or for the log tail (sent at once, POST /v1/heartbeat/log).
 * docs/sync.md describes the rules in full, docs/fleet.md the heartbeat.
 */
#ifndef CA_SYNC_H
#define CA_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "kiosk/config/config.h"

/* Outbox rows per POST /v1/records (the API's limit). */
#define SYNC_BATCH_MAX 100
/* Bytes per POST body the engine aims under (the hub refuses over 1 MiB). */
#define SYNC_BODY_MAX (768 * 1024)
/* Events the queue holds; when full, the oldest is dropped (each event is a
 * complete status, so only the newest matters). */
#define SYNC_QUEUE_MAX 16
/* Room for the last error text. */
#define SYNC_ERR_MAX 256

/* How to run. The strings are copied by sync_start / sync_once. */
struct sync_opts {
	const char *db_path;         /* the store file; the engine opens its own connection */
	const struct config *cfg;    /* server url, ca_file, pin, timeouts, kiosk id, sync_interval_s */
	const char *secret;          /* the device secret text (never logged) */
	int batch;                   /* rows per request, 1..SYNC_BATCH_MAX; 0 = max */
	int backoff_base_ms;         /* first retry delay ceiling; 0 = 1000 */
	int backoff_cap_ms;          /* largest retry delay; 0 = 300000 (5 min) */
	int feed_wait_s;             /* long-poll hold, 0..25; -1 = min(25, sync_interval_s) */
	int feed_limit;              /* changes per feed request, 1..500; 0 = 500 */
	bool no_feed;                /* push only (benchmarks, tools) */
};

/* What the engine reports. Every event is a complete snapshot. */
struct sync_status {
	bool online;                 /* the last exchange with the hub succeeded */
	int pending;                 /* outbox rows waiting */
	int parked;                  /* outbox rows refused for good */
	int64_t last_success_ms;     /* Unix ms of the last successful exchange; 0 = never */
	int64_t last_attempt_ms;     /* Unix ms of the last exchange tried */
	char last_error[SYNC_ERR_MAX]; /* what failed last ("" after a success) */
	bool skew_known;             /* the hub's Date has been seen */
	int64_t skew_s;              /* hub clock minus kiosk clock, seconds */
	int64_t sent;                /* rows the hub acknowledged, since start */
	int64_t parked_now;          /* rows parked, since start */
	int64_t retried;             /* row attempts that failed and wait, since start */
	int64_t feed_cursor;         /* the change-feed cursor */
	int64_t feed_epoch;          /* the hub store's epoch the cursor belongs to; 0 none */
	int64_t feed_applied;        /* applications the feed changed, since start */
	int64_t feed_resets;         /* times the feed started again from 0 (the hub's
					store was restored or replaced), since start */
	int64_t beats;               /* heartbeats the hub took, since start */
	bool restart_asked;          /* the hub asked for a restart of the app (staff,
					ca-hubctl fleet restart); stays set */
};

/* Room for a display or renderer name in the facts. */
#define SYNC_NAME_MAX 32
/* Lines of the log tail sent to the hub (at most LOG_TAIL_LINES). */
#define SYNC_LOG_LINES 40

/* What the dispenser part of the facts holds. */
enum sync_disp {
	SYNC_DISP_NONE,    /* no dispenser configured (or a process without one) */
	SYNC_DISP_UNKNOWN, /* configured, its status not read yet */
	SYNC_DISP_KNOWN,   /* nslots, stock and faults below are the device's */
};

/* Dispenser faults (bits of struct sync_facts.faults). */
#define SYNC_FAULT_JAM         0x01u /* jammed */
#define SYNC_FAULT_DOOR        0x02u /* service door open */
#define SYNC_FAULT_HW          0x04u /* hardware fault */
#define SYNC_FAULT_NO_ANSWER   0x08u /* the device did not answer */
#define SYNC_FAULT_UNCONFIRMED 0x10u /* a pickup's outcome is still unknown */

/* What the app knows and the engine does not, for the heartbeat. Without
 * sync_set_facts (ca-kiosk-sync): display and renderer "none", no
 * dispenser, idle. */
struct sync_facts {
	char video[SYNC_NAME_MAX];    /* SDL video driver ("x11", "kmsdrm"), "none" */
	char renderer[SYNC_NAME_MAX]; /* SDL renderer ("software", "opengl"), "none" */
	enum sync_disp disp;          /* which of the dispenser fields hold */
	int nslots;                   /* slots, 0..CONFIG_DISP_SLOTS_MAX */
	int stock[CONFIG_DISP_SLOTS_MAX]; /* keys per slot (index 0 = slot 1) */
	unsigned faults;              /* SYNC_FAULT_* bits */
	bool idle;                    /* the attract screen, nobody's session */
};

struct sync;

/* Start the worker thread. CA_ERR_ARG when a required option is missing
 * (db_path, cfg, secret); CA_ERR_NOMEM. The store is opened by the worker:
 * if that fails the worker reports it (last_error) and tries again later. */
ca_err sync_start(const struct sync_opts *opts, struct sync **out);

/* Hand the engine the app's facts for the next heartbeats (copied; cheap,
 * never blocks for long: call it when they change). */
void sync_set_facts(struct sync *s, const struct sync_facts *f);

/* Push now: a local change was just committed. Cuts a waiting long-poll
 * short. Never blocks. */
void sync_wake(struct sync *s);

/* Stop the worker (interrupting a request or wait within about a second),
 * join it and free everything. sync_stop(NULL) is fine. */
void sync_stop(struct sync *s);

/* A file descriptor (eventfd) that is readable while events are queued,
 * for the UI's poll loop. Owned by s. */
int sync_event_fd(const struct sync *s);

/* Take the oldest queued event into *out; false when the queue is empty.
 * Never blocks. */
bool sync_poll(struct sync *s, struct sync_status *out);

/* Like sync_poll, but wait up to timeout_ms for an event (tests, tools). */
bool sync_wait(struct sync *s, struct sync_status *out, int timeout_ms);

/* The newest status, whether or not it was taken from the queue. */
void sync_status_get(struct sync *s, struct sync_status *out);

/*
 * Run rounds in the calling thread until the outbox has nothing due and
 * the feed has nothing more, or a round fails (network, hub), or max_ms
 * pass. For tools (ca-kiosk-sync --once) and tests. *st (may be NULL)
 * gets the final status. CA_OK when the last round succeeded; CA_ERR_IO
 * when it could not reach the hub or the hub failed.
 */
ca_err sync_once(const struct sync_opts *opts, int max_ms,
		 struct sync_status *st);

/*
 * Read the device secret from path ([kiosk] secret_file) into out (size n):
 * hex text, surrounding white space ignored, 16..SIGN_SECRET_MAX
 * characters. A file readable by group or others is accepted with a
 * warning. CA_ERR_IO (cannot read), CA_ERR_CONFIG (empty, not hex, too
 * long), with a message naming the file (never the secret) in err.
 */
ca_err sync_load_secret(const char *path, char *out, size_t n, char *err,
			size_t errlen);

/* The delay before retry number attempt (1, 2, ...) with full jitter:
 * uniform in [0, min(cap, base * 2^(attempt-1))], at least 50 ms, and at
 * least retry_after_s seconds when that is >= 0. r is a random 64-bit
 * value. Exposed for tests. */
int64_t sync_backoff_ms(int attempt, int base_ms, int cap_ms,
			int retry_after_s, uint64_t r);

#endif
