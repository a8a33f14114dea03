/*
 * pickup.c - on-site key pickup through the dispenser on a worker thread
 * (see pickup.h for the contract, docs/dispenser.md for the device).
 *
 * Where to start reading: pickup_run() is one pickup - status, intent,
 * dispense, resolve - and pickup_recover() resolves an intent left pending
 * by a crash or a silent device; both decide with pickup_verdict(). The
 * worker (worker_main) owns the store connection and the struct disp: it
 * opens both, recovers, then serves one request at a time; while an intent
 * is pending or the dispenser could not be opened it wakes every retry_ms
 * to try again, and while idle with a device it reads the device's status
 * every HEALTH_REFRESH_MS, so the heartbeat's stock and faults stay fresh
 * (pickup_health). serve_restock() is a restock from maintenance mode and
 * its record for the hub.
 *
 * Threads: the UI thread calls pickup_submit / pickup_take / pickup_busy,
 * which only touch the slot and the result under the mutex. Only the
 * worker touches the store connection and the device.
 */
#include "pickup.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cst.h"
#include "core/log.h"
#include "core/uuid.h"
#include "common/wipe.h"
#include "common/worker.h"

#define TAG "pickup"

/* Default retry period of recovery and of reopening the dispenser. */
#define RETRY_MS_DEFAULT 30000

/* How often an idle worker reads the device's status for the heartbeat. */
#define HEALTH_REFRESH_MS 60000

/* Exit status of the crash test hook. */
#define CRASH_EXIT 99

struct pickup {
	struct config cfg;             /* copy of the kiosk config */
	char *db_path;                 /* the store file, owned */
	int retry_ms;                  /* recovery / reopen period */
	pickup_notify_fn notify;       /* called after a result is stored */
	void *notify_ctx;              /* its argument */
	pickup_clock_fn clock;         /* the kiosk's clock, may be NULL */
	void *clock_ctx;               /* its argument */
	struct worker w;               /* the thread; w.mu guards the slot and the result */
	/* Under w.mu: */
	uint64_t seq;                  /* number of the newest request */
	uint64_t done_seq;             /* newest number that produced a result */
	bool pending;                  /* req holds a request not yet taken */
	struct pickup_req req;         /* the slot */
	bool have_result;              /* result holds the untaken result of seq */
	struct pickup_result result;   /* the newest result */
	int health;                    /* 0 nothing read yet, 1 health_st holds the last
					* status read, -1 the last read got no answer */
	struct disp_status health_st;  /* the last status the worker read */
	bool health_unconfirmed;       /* a pickup's outcome is unknown (intent pending) */
	/* Worker thread only: */
	struct store *st;              /* its own store connection */
	struct disp *d;                /* the dispenser, NULL while not open */
	bool intent_left;              /* an intent is pending: retry recovery */
};

static const char *const outcome_names[] = {
	[PICKUP_OK] = "ok",
	[PICKUP_FAILED] = "failed",
	[PICKUP_UNKNOWN] = "unknown",
	[PICKUP_REFUSED] = "refused",
	[PICKUP_NO_DEVICE] = "no_device",
	[PICKUP_ERROR] = "error",
};

const char *pickup_outcome_name(enum pickup_outcome o)
{
	return (unsigned)o < sizeof(outcome_names) / sizeof(outcome_names[0])
		? outcome_names[o] : "unknown";
}

/* YYYYMMDD of Unix ms in China time (what fsm_apply calls today). */
static int today_of(int64_t ms)
{
	return ca_cst_day(ms);
}

/* The device executed the intent's dispense and a key came out. */
bool pickup_verdict(const struct store_intent *it, const struct disp_status *st)
{
	return st->last_seq != it->dev_last_seq && st->last_result == DISP_OK;
}

/* The test hook: a real crash between the dispense and the write. */
static void crash_hook(void)
{
	const char *v = getenv("CA_TEST_CRASH_AFTER_DISPENSE");

	if (v && strcmp(v, "1") == 0)
		_exit(CRASH_EXIT);
}

/*
 * Resolve intent it from the device status dst: collected when the verdict
 * says the key came out, else failed with result (when the device never
 * executed it: unmoved, e.g. "interrupted" or "no_answer") or the device's
 * last result. Fills res->outcome, disp, message.
 */
static enum pickup_outcome resolve(struct store *st, const struct store_intent *it,
				   const struct disp_status *dst, const char *unmoved,
				   const char *kiosk_id, int64_t now_ms, int today,
				   struct pickup_result *res)
{
	char detail[DISP_TEXT_MAX + 64];
	const char *result;
	ca_err e;

	if (pickup_verdict(it, dst)) {
		snprintf(detail, sizeof(detail), "slot %d: dispensed (device seq %u -> %u, "
			 "last result ok)", it->slot, it->dev_last_seq, dst->last_seq);
		e = store_intent_collected(st, it->seq, detail, today, now_ms, NULL);
		res->disp = DISP_OK;
		if (e) {
			snprintf(res->message, sizeof(res->message),
				 "key dispensed but not recorded: %s", ca_strerror(e));
			res->intent_pending = true;
			return res->outcome = PICKUP_ERROR;
		}
		snprintf(res->message, sizeof(res->message), "%s", detail);
		res->intent_pending = false;
		return res->outcome = PICKUP_OK;
	}
	if (dst->last_seq == it->dev_last_seq) {
		result = unmoved;
		res->disp = DISP_NO_ANSWER;
		snprintf(detail, sizeof(detail), "slot %d: not executed by the device "
			 "(device seq still %u)", it->slot, dst->last_seq);
	} else {
		res->disp = dst->last_result;
		result = disp_result_name(dst->last_result);
		snprintf(detail, sizeof(detail), "slot %d: %s (device seq %u -> %u)",
			 it->slot, result, it->dev_last_seq, dst->last_seq);
	}
	e = store_intent_failed(st, it->seq, result, detail, kiosk_id, now_ms);
	if (e) {
		snprintf(res->message, sizeof(res->message), "fault not recorded: %s",
			 ca_strerror(e));
		res->intent_pending = true;
		return res->outcome = PICKUP_ERROR;
	}
	snprintf(res->message, sizeof(res->message), "%s: %s", result, detail);
	res->intent_pending = false;
	return res->outcome = PICKUP_FAILED;
}

/* Resolve a pending intent from the device's status. */
enum pickup_outcome pickup_recover(struct store *st, struct disp *d,
				   const char *kiosk_id, int64_t now_ms,
				   int today, struct pickup_result *res)
{
	struct store_intent it;
	struct disp_status dst;
	enum pickup_outcome o;
	bool found;
	ca_err e;

	res->disp = DISP__N;
	e = store_intent_pending(st, &it, &found);
	if (e) {
		snprintf(res->message, sizeof(res->message), "store: %s", ca_strerror(e));
		return res->outcome = PICKUP_ERROR;
	}
	if (!found) {
		res->intent_pending = false;
		return res->outcome = PICKUP_OK;
	}
	memcpy(res->app_id, it.app_id, sizeof(res->app_id));
	res->slot = it.slot;
	res->intent_pending = true;
	if (!d || disp_status(d, &dst) != CA_OK) {
		snprintf(res->message, sizeof(res->message),
			 "intent %lld for %s unresolved: %s", (long long)it.seq, it.app_id,
			 d ? dst.text : "no dispenser");
		log_warn(TAG, "%s", res->message);
		return res->outcome = PICKUP_UNKNOWN;
	}
	res->status = dst;
	res->have_status = true;
	o = resolve(st, &it, &dst, "interrupted", kiosk_id, now_ms, today, res);
	log_info(TAG, "recovered intent %lld for %s: %s (%s)", (long long)it.seq,
		 it.app_id, o == PICKUP_OK ? "collected" : pickup_outcome_name(o),
		 res->message);
	/* PICKUP_FAILED here means "resolved as failed": nothing is pending. */
	return o == PICKUP_FAILED ? (res->outcome = PICKUP_OK) : o;
}

/* One pickup: status, intent, dispense, resolve. */
enum pickup_outcome pickup_run(struct store *st, struct disp *d,
			       const char *kiosk_id, const char *app_id,
			       int slot, int64_t now_ms, int today,
			       struct pickup_result *res)
{
	char detail[DISP_TEXT_MAX];
	struct store_intent it;
	struct disp_status dst;
	enum disp_result r;
	ca_err e;

	res->op = PICKUP_DISPENSE;
	res->disp = DISP__N;
	res->slot = slot;
	snprintf(res->app_id, sizeof(res->app_id), "%s", app_id ? app_id : "");
	if (!app_id || !uuid_valid(app_id)) {
		snprintf(res->message, sizeof(res->message), "not an application id");
		return res->outcome = PICKUP_REFUSED;
	}
	if (!d) {
		snprintf(res->message, sizeof(res->message), "no dispenser");
		return res->outcome = PICKUP_NO_DEVICE;
	}
	/* An earlier outcome first: nothing else goes to the device while one
	 * is unknown (the verdict relies on it). */
	if (pickup_recover(st, d, kiosk_id, now_ms, today, res) != PICKUP_OK) {
		enum pickup_outcome o = res->outcome;

		res->op = PICKUP_DISPENSE;
		res->disp = DISP__N;
		res->slot = slot;
		snprintf(res->app_id, sizeof(res->app_id), "%s", app_id);
		return res->outcome = o == PICKUP_UNKNOWN ? PICKUP_NO_DEVICE : o;
	}
	res->disp = DISP__N;
	res->slot = slot;
	snprintf(res->app_id, sizeof(res->app_id), "%s", app_id);
	if (disp_status(d, &dst) != CA_OK) {
		snprintf(res->message, sizeof(res->message), "%s", dst.text);
		return res->outcome = PICKUP_NO_DEVICE;
	}
	res->status = dst;
	res->have_status = true;
	if (slot < 1 || slot > dst.nslots) {
		snprintf(res->message, sizeof(res->message), "no slot %d", slot);
		return res->outcome = PICKUP_REFUSED;
	}
	e = store_intent_begin(st, app_id, slot, dst.last_seq, now_ms, &it);
	if (e) {
		snprintf(res->message, sizeof(res->message), "intent refused: %s",
			 ca_strerror(e));
		return res->outcome = (e == CA_ERR_FORBIDDEN || e == CA_ERR_CONFLICT ||
				       e == CA_ERR_NOT_FOUND || e == CA_ERR_ARG)
			? PICKUP_REFUSED : PICKUP_ERROR;
	}
	res->intent_pending = true;

	r = disp_dispense(d, slot, detail, sizeof(detail));
	crash_hook();
	res->disp = r;
	log_info(TAG, "dispense for %s: %s (%s)", app_id, disp_result_name(r), detail);

	if (r == DISP_OK) {
		e = store_intent_collected(st, it.seq, detail, today, now_ms, NULL);
		if (e) {
			/* The key is out: the intent stays pending and recovery
			 * records the collect from the device's status. */
			snprintf(res->message, sizeof(res->message),
				 "key dispensed but not recorded yet: %s", ca_strerror(e));
			return res->outcome = PICKUP_ERROR;
		}
		res->intent_pending = false;
		snprintf(res->message, sizeof(res->message), "%s", detail);
		return res->outcome = PICKUP_OK;
	}
	if (r == DISP_NO_ANSWER) {
		/* Unknown: ask the device what it did with our request. */
		if (disp_status(d, &dst) != CA_OK) {
			snprintf(res->message, sizeof(res->message),
				 "no answer after the dispense; outcome unknown (%s)", dst.text);
			log_error(TAG, "dispense for %s: %s; intent %lld stays pending",
				  app_id, res->message, (long long)it.seq);
			/* Staff hear of it now, not only when the device
			 * answers again (the person may be at the counter). */
			e = store_intent_unconfirmed(st, it.seq, detail, kiosk_id, now_ms);
			if (e)
				log_error(TAG, "intent %lld: the unconfirmed record was not "
					  "queued: %s", (long long)it.seq, ca_strerror(e));
			return res->outcome = PICKUP_UNKNOWN;
		}
		res->status = dst;
		return resolve(st, &it, &dst, "no_answer", kiosk_id, now_ms, today, res);
	}
	e = store_intent_failed(st, it.seq, disp_result_name(r), detail, kiosk_id, now_ms);
	if (e) {
		snprintf(res->message, sizeof(res->message), "fault not recorded: %s",
			 ca_strerror(e));
		return res->outcome = PICKUP_ERROR;
	}
	res->intent_pending = false;
	snprintf(res->message, sizeof(res->message), "%s", detail);
	return res->outcome = PICKUP_FAILED;
}

/* ---- the worker ---- */

/* The kiosk's time now. */
static int64_t now_of(struct pickup *p)
{
	return p->clock ? p->clock(p->clock_ctx) : ca_wall_ms();
}

/* Open the store and the dispenser if they are not open yet. */
static void worker_open(struct pickup *p)
{
	char err[STORE_ERR_MAX];
	ca_err e;

	if (!p->st) {
		e = store_open(p->db_path, &p->st, err, sizeof(err));
		if (e)
			log_error(TAG, "store: %s", err);
	}
	if (!p->d && p->cfg.disp_driver != CONFIG_DISP_NONE) {
		e = disp_open(&p->cfg, &p->d, err, sizeof(err));
		if (e)
			log_error(TAG, "dispenser: %s", err);
	}
}

/* Try to resolve a pending intent; remember whether one is left. */
static void worker_recover(struct pickup *p, struct pickup_result *res)
{
	int64_t now = now_of(p);

	if (!p->st)
		return;
	memset(res, 0, sizeof(*res));
	res->op = PICKUP_RECOVER;
	(void)pickup_recover(p->st, p->d, p->cfg.kiosk_id, now, today_of(now), res);
	p->intent_left = res->intent_pending;
}

/* Read the device's status into res (STATUS, and the end of RESTOCK). */
static void serve_status(struct pickup *p, struct pickup_result *res)
{
	if (disp_status(p->d, &res->status) != CA_OK) {
		snprintf(res->message, sizeof(res->message), "%s", res->status.text);
		res->outcome = PICKUP_NO_DEVICE;
		return;
	}
	res->have_status = true;
	res->intent_pending = p->intent_left;
	snprintf(res->message, sizeof(res->message), "%s", res->status.text);
	res->outcome = PICKUP_OK;
}

/* The stock of slot before a restock, for its record: -1 when the device
 * does not answer or reports a count the record cannot carry. */
static int stock_before(struct pickup *p, int slot)
{
	struct disp_status st;

	if (disp_status(p->d, &st) != CA_OK || slot < 1 || slot > st.nslots ||
	    st.stock[slot - 1] < 0 || st.stock[slot - 1] > STORE_STOCK_MAX)
		return -1;
	return st.stock[slot - 1];
}

/*
 * Restock q->slot to q->count, record it for the hub, read the status.
 * The record is written only after the device confirmed the restock (a
 * record of a restock that did not happen would mislead staff); when it
 * cannot be written, the restock still stands and the result says so.
 */
static void serve_restock(struct pickup *p, const struct pickup_req *q,
			  struct pickup_result *res)
{
	char err[DISP_TEXT_MAX], key[CA_UUID_LEN + 1];
	int before;
	ca_err e;

	if (q->count < 0 || q->count > STORE_STOCK_MAX) {
		snprintf(res->message, sizeof(res->message), "restock: %d keys is not "
			 "0..%d", q->count, STORE_STOCK_MAX);
		res->outcome = PICKUP_REFUSED;
		return;
	}
	before = stock_before(p, q->slot);
	if (disp_restock(p->d, q->slot, q->count, err, sizeof(err)) != CA_OK) {
		snprintf(res->message, sizeof(res->message), "restock: %s", err);
		log_warn(TAG, "restock of slot %d to %d failed: %s", q->slot, q->count, err);
		res->outcome = PICKUP_NO_DEVICE;
		return;
	}
	e = store_restock_record(p->st, p->cfg.kiosk_id, q->slot, before, q->count,
				 now_of(p), key);
	res->recorded = e == CA_OK;
	if (res->recorded)
		log_info(TAG, "restock: slot %d: %d -> %d keys, recorded (outbox key %s)",
			 q->slot, before, q->count, key);
	else
		log_error(TAG, "restock: slot %d now holds %d keys, but the record for "
			  "staff could not be written: %s (%s)", q->slot, q->count,
			  ca_strerror(e), store_errmsg(p->st));
	serve_status(p, res);
	if (res->outcome == PICKUP_NO_DEVICE) {
		/* The restock itself was confirmed: it stands, only the
		 * stock shown afterwards is missing (the screen asks again). */
		res->outcome = PICKUP_OK;
		res->have_status = false;
	}
	if (!res->recorded)
		snprintf(res->message, sizeof(res->message), "slot %d restocked to %d keys, "
			 "but NOT recorded for staff (%s); restock again to record it",
			 q->slot, q->count, ca_strerror(e));
}

/* Serve request q into *res. */
static void serve(struct pickup *p, const struct pickup_req *q, struct pickup_result *res)
{
	int64_t now;

	worker_open(p);
	memset(res, 0, sizeof(*res));
	res->op = q->op;
	res->disp = DISP__N;
	res->slot = q->slot;
	if (!p->st) {
		snprintf(res->message, sizeof(res->message), "the local store cannot be opened");
		res->outcome = PICKUP_ERROR;
		return;
	}
	switch (q->op) {
	case PICKUP_DISPENSE:
		now = now_of(p);
		(void)pickup_run(p->st, p->d, p->cfg.kiosk_id, q->app_id, q->slot, now,
				 today_of(now), res);
		p->intent_left = res->intent_pending;
		return;
	case PICKUP_RECOVER:
		worker_recover(p, res);
		return;
	case PICKUP_STATUS:
	case PICKUP_RESTOCK:
		break;
	default:
		snprintf(res->message, sizeof(res->message), "unknown request %d", (int)q->op);
		res->outcome = PICKUP_REFUSED;
		return;
	}
	/* Status and restock: a pending intent is resolved first, so a
	 * restock never hides what the device did with it. */
	if (p->intent_left) {
		worker_recover(p, res);
		res->op = q->op;
		res->slot = q->slot;
	}
	if (!p->d) {
		snprintf(res->message, sizeof(res->message), "no dispenser");
		res->outcome = PICKUP_NO_DEVICE;
		return;
	}
	if (p->intent_left && q->op == PICKUP_RESTOCK) {
		snprintf(res->message, sizeof(res->message),
			 "a pickup's outcome is still unknown; restock later");
		res->intent_pending = true;
		res->outcome = PICKUP_NO_DEVICE;
		return;
	}
	if (q->op == PICKUP_RESTOCK)
		serve_restock(p, q, res);
	else
		serve_status(p, res);
}

/* Keep what res says of the device for pickup_health (worker thread). */
static void note_health(struct pickup *p, const struct pickup_result *res)
{
	pthread_mutex_lock(&p->w.mu);
	if (res->have_status) {
		p->health = 1;
		p->health_st = res->status;
		/* A dispense's status was read before the key came out. */
		if (res->op == PICKUP_DISPENSE && res->disp == DISP_OK && res->slot >= 1 &&
		    res->slot <= p->health_st.nslots && p->health_st.stock[res->slot - 1] > 0)
			p->health_st.stock[res->slot - 1]--;
	} else if (res->outcome == PICKUP_NO_DEVICE && p->d) {
		p->health = -1;
	}
	p->health_unconfirmed = p->intent_left;
	pthread_mutex_unlock(&p->w.mu);
}

bool pickup_health(struct pickup *p, struct disp_status *st, bool *answered,
		   bool *unconfirmed)
{
	bool known;

	pthread_mutex_lock(&p->w.mu);
	known = p->health != 0;
	*answered = p->health > 0;
	*unconfirmed = p->health_unconfirmed;
	if (p->health > 0)
		*st = p->health_st;
	pthread_mutex_unlock(&p->w.mu);
	return known;
}

/* Refresh the heartbeat's view of the device (pickup_health), when there is
 * one; res is scratch. Worker thread, outside p->w.mu. */
static void note_device(struct pickup *p, struct pickup_result *res)
{
	if (!p->d)
		return;
	memset(res, 0, sizeof(*res));
	serve_status(p, res);
	note_health(p, res);
}

static void *worker_main(void *arg)
{
	struct pickup *p = arg;
	struct pickup_result *res;
	struct pickup_req q;
	struct timespec until, fresh;
	uint64_t seq;
	bool stored, retry, refresh;

	res = calloc(1, sizeof(*res));
	if (!res) {
		log_error(TAG, "out of memory; the pickup worker stops");
		return NULL;
	}
	worker_open(p);
	worker_recover(p, res);
	note_device(p, res); /* the first status, for the heartbeat */

	pthread_mutex_lock(&p->w.mu);
	for (;;) {
		retry = refresh = false;
		until = ca_mono_after(p->retry_ms);
		fresh = ca_mono_after(HEALTH_REFRESH_MS);
		while (!atomic_load(&p->w.stop) && !p->pending) {
			bool need = p->intent_left || !p->st ||
				    (!p->d && p->cfg.disp_driver != CONFIG_DISP_NONE);

			if (!need && !p->d) {
				pthread_cond_wait(&p->w.cv, &p->w.mu);
				continue;
			}
			if (!need) { /* idle with a device: read it now and then */
				if (pthread_cond_timedwait(&p->w.cv, &p->w.mu, &fresh) == ETIMEDOUT) {
					refresh = true;
					break;
				}
				continue;
			}
			if (pthread_cond_timedwait(&p->w.cv, &p->w.mu, &until) == ETIMEDOUT) {
				retry = true;
				break;
			}
		}
		if (atomic_load(&p->w.stop))
			break;
		if (retry || refresh) {
			pthread_mutex_unlock(&p->w.mu);
			worker_open(p);
			if (retry)
				worker_recover(p, res);
			note_device(p, res);
			pthread_mutex_lock(&p->w.mu);
			continue;
		}
		q = p->req;
		p->pending = false;
		seq = p->seq;
		pthread_mutex_unlock(&p->w.mu);

		serve(p, &q, res);
		res->seq = seq;
		note_health(p, res);
		log_info(TAG, "request %llu (%d): %s: %s", (unsigned long long)seq, (int)q.op,
			 pickup_outcome_name(res->outcome), res->message);
		/* The application a dispense or a recovery read leaves this
		 * thread's stack and its store connection (docs/privacy.md);
		 * a status or a restock reads nobody's data. */
		if (q.op == PICKUP_DISPENSE || q.op == PICKUP_RECOVER) {
			if (p->st)
				store_forget(p->st);
			wipe_stack();
		}

		pthread_mutex_lock(&p->w.mu);
		stored = seq == p->seq && !atomic_load(&p->w.stop);
		if (stored) {
			p->result = *res;
			p->have_result = true;
			p->done_seq = seq;
		}
		if (stored && p->notify) {
			pthread_mutex_unlock(&p->w.mu);
			p->notify(p->notify_ctx);
			pthread_mutex_lock(&p->w.mu);
		}
	}
	pthread_mutex_unlock(&p->w.mu);
	free(res);
	return NULL;
}

ca_err pickup_start(const struct pickup_opts *o, struct pickup **out)
{
	struct pickup *p;
	int rc;

	assert(out);
	*out = NULL;
	if (!o || !o->cfg || !o->db_path || !o->db_path[0])
		return CA_ERR_ARG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return CA_ERR_NOMEM;
	p->cfg = *o->cfg;
	p->db_path = strdup(o->db_path);
	if (!p->db_path) {
		free(p);
		return CA_ERR_NOMEM;
	}
	p->retry_ms = o->retry_ms > 0 ? o->retry_ms : RETRY_MS_DEFAULT;
	p->notify = o->notify;
	p->notify_ctx = o->notify_ctx;
	p->clock = o->clock;
	p->clock_ctx = o->clock_ctx;
	rc = worker_start(&p->w, worker_main, p);
	if (rc) {
		log_error(TAG, "cannot start the worker: %s", strerror(rc));
		free(p->db_path);
		free(p);
		return CA_ERR_NOMEM;
	}
	*out = p;
	return CA_OK;
}

void pickup_stop(struct pickup *p)
{
	if (!p)
		return;
	worker_stop(&p->w);
	disp_close(p->d);
	store_close(p->st);
	free(p->db_path);
	free(p);
}

uint64_t pickup_submit(struct pickup *p, const struct pickup_req *req)
{
	uint64_t seq;

	assert(p && req);
	pthread_mutex_lock(&p->w.mu);
	seq = ++p->seq;
	p->req = *req;
	p->req.app_id[sizeof(p->req.app_id) - 1] = '\0';
	p->pending = true;
	p->have_result = false; /* an older result is never returned now */
	pthread_cond_signal(&p->w.cv);
	pthread_mutex_unlock(&p->w.mu);
	return seq;
}

bool pickup_take(struct pickup *p, struct pickup_result *out)
{
	bool got;

	assert(p && out);
	pthread_mutex_lock(&p->w.mu);
	got = p->have_result;
	if (got) {
		*out = p->result;
		p->have_result = false;
	}
	pthread_mutex_unlock(&p->w.mu);
	return got;
}

bool pickup_busy(struct pickup *p)
{
	bool busy;

	assert(p);
	pthread_mutex_lock(&p->w.mu);
	busy = p->done_seq != p->seq;
	pthread_mutex_unlock(&p->w.mu);
	return busy;
}
