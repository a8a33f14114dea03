/*
 * sync.c - the kiosk's sync engine (see sync.h for the contract and
 * docs/sync.md for the rules).
 *
 * Where to start reading: worker_main() is the loop of the worker thread:
 * push_round() drains the due outbox rows batch by batch, pull_feed() reads
 * the change feed (long-polling while nothing is due; feed.c reads each
 * answer), and wait_until() sleeps until the next due row, the end of a
 * backoff, a wake or a stop.
 * sync_once() runs the same two steps in the caller's thread.
 *
 * Failures are of two kinds. A whole request that fails (no connection, a
 * timeout, 5xx, 429, 401, an answer that is not the documented JSON) counts
 * one attempt on every row of the batch and closes a "gate": nothing is sent
 * before a backoff delay (capped, exponential in the number of failures in a
 * row, full jitter, at least Retry-After). A per-record result decides each
 * row on its own: sent, parked, or retried after its own backoff.
 *
 * Everything the worker learns goes into its struct sync_status and, when
 * it changed, into the bounded event queue the UI thread reads.
 */
#include "sync.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/uuid.h"
#include "common/wipe.h"
#include "common/worker.h"
#include "core/version.h"
#include "feed.h"
#include "http.h"
#include "kiosk/store/store.h"

#define TAG "sync"

/* Defaults of struct sync_opts. */
#define DEF_BACKOFF_BASE_MS 1000
#define DEF_BACKOFF_CAP_MS  300000
#define DEF_FEED_LIMIT      500
#define FEED_WAIT_MAX_S     25
/* Shortest retry delay: no retry loop spins. */
#define BACKOFF_FLOOR_MS    50
#define REBASE_SLACK_MS     60000 /* past the backoff cap, a row's time is a clock's jump */
/* How long to wait before opening the store again after a failure. */
#define REOPEN_MS           2000

/* Outcome of one step. */
enum step {
	STEP_OK,      /* done; nothing more to do now */
	STEP_FAIL,    /* the hub could not be reached or failed: gate closed */
	STEP_ABORT,   /* stop requested */
	STEP_WOKEN,   /* a wake cut a long-poll short */
};

/* The worker's state; lives in struct sync, or on sync_once's stack. */
struct engine {
	struct sync *s;              /* the thread's owner, NULL in sync_once */
	struct config cfg;           /* copy of the configuration */
	char *db_path;               /* owned */
	char *secret;                /* owned, wiped on release */
	int batch;                   /* rows per request */
	int base_ms, cap_ms;         /* backoff */
	int feed_wait_s;             /* long-poll hold */
	int feed_limit;              /* changes per request */
	bool no_feed;                /* push only */
	struct store *st;            /* the worker's own connection, or NULL */
	struct http *http;           /* the worker's client, or NULL */
	bool pushed;                 /* rows went to the hub since the last forget_copies */
	int streak;                  /* whole-request failures in a row */
	int64_t gate_ms;             /* no request before this time (Unix ms) */
	int solo;                    /* requests still to send one row each */
	uint64_t rng;                /* xorshift state for jitter */
	bool in_feed;                /* a feed request is running (wake aborts it) */
	int64_t started_mono_ms;     /* when the engine started (uptime) */
	int64_t beat_at_ms;          /* next heartbeat due (Unix ms); 0 = at once */
	char beat_err[SYNC_ERR_MAX + HTTP_ERR_MAX]; /* why the last heartbeat failed ("" = it went) */
	struct sync_status status;   /* what the worker knows */
};

struct sync {
	struct engine eng;           /* the worker's state (worker thread only) */
	struct worker w;             /* the thread; w.mu guards everything below;
				      * it waits on w.cv for wake or w.stop */
	pthread_cond_t ev_cv;        /* sync_wait waits: a new event */
	atomic_bool wake;            /* sync_wake was called */
	int efd;                     /* eventfd, readable while events are queued */
	struct sync_status q[SYNC_QUEUE_MAX]; /* ring of events */
	int qhead, qn;               /* oldest event, number queued */
	struct sync_status latest;   /* newest published status */
	bool published;              /* latest holds something */
	struct sync_facts facts;     /* the app's facts for the heartbeat */
};

static void beat_if_due(struct engine *e);

/* ---- time, randomness ---- */

static uint64_t rng_next(struct engine *e)
{
	uint64_t x = e->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	e->rng = x;
	return x;
}

/* Full-jitter backoff; see sync.h. */
int64_t sync_backoff_ms(int attempt, int base_ms, int cap_ms,
			int retry_after_s, uint64_t r)
{
	int64_t ceil_ms = base_ms > 0 ? base_ms : DEF_BACKOFF_BASE_MS;
	int64_t cap = cap_ms > 0 ? cap_ms : DEF_BACKOFF_CAP_MS;
	int64_t d;
	int i;

	for (i = 1; i < attempt && ceil_ms < cap; i++)
		ceil_ms *= 2;
	if (ceil_ms > cap)
		ceil_ms = cap;
	d = (int64_t)(r % (uint64_t)(ceil_ms + 1));
	if (d < BACKOFF_FLOOR_MS)
		d = BACKOFF_FLOOR_MS;
	if (retry_after_s >= 0 && d < (int64_t)retry_after_s * 1000)
		d = (int64_t)retry_after_s * 1000;
	return d;
}

/* ---- the event queue ---- */

static bool stopping(const struct engine *e)
{
	return e->s && atomic_load(&e->s->w.stop);
}

/* http's abort callback: stop always; a wake only during a feed request. */
static int should_abort(void *ctx)
{
	struct engine *e = ctx;

	if (!e->s)
		return 0;
	return atomic_load(&e->s->w.stop) || (e->in_feed && atomic_load(&e->s->wake));
}

/* Whether two statuses differ in anything but the attempt time. */
static bool status_differs(const struct sync_status *a,
			   const struct sync_status *b)
{
	struct sync_status x = *a, y = *b;

	x.last_attempt_ms = y.last_attempt_ms = 0;
	return memcmp(&x, &y, sizeof(x)) != 0;
}

/* Refresh the depth and cursor from the store, then queue the status if it
 * changed since the last event. */
static void publish(struct engine *e)
{
	struct sync *s = e->s;
	uint64_t one = 1;
	int i;

	if (e->st) {
		(void)store_outbox_depth(e->st, &e->status.pending, &e->status.parked);
		(void)store_feed_cursor(e->st, &e->status.feed_cursor);
		(void)store_feed_epoch(e->st, &e->status.feed_epoch);
	}
	if (!s)
		return;
	pthread_mutex_lock(&s->w.mu);
	if (!s->published || status_differs(&s->latest, &e->status)) {
		if (s->qn == SYNC_QUEUE_MAX) { /* drop the oldest */
			s->qhead = (s->qhead + 1) % SYNC_QUEUE_MAX;
			s->qn--;
		}
		i = (s->qhead + s->qn) % SYNC_QUEUE_MAX;
		s->q[i] = e->status;
		s->qn++;
		if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn(TAG, "eventfd write: %s", strerror(errno));
		pthread_cond_broadcast(&s->ev_cv);
	}
	s->latest = e->status;
	s->published = true;
	pthread_mutex_unlock(&s->w.mu);
}

/* Take one event; under s->w.mu. */
static bool pop_locked(struct sync *s, struct sync_status *out)
{
	uint64_t v;

	if (s->qn == 0)
		return false;
	*out = s->q[s->qhead];
	s->qhead = (s->qhead + 1) % SYNC_QUEUE_MAX;
	s->qn--;
	if (s->qn == 0 && read(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn(TAG, "eventfd read: %s", strerror(errno));
	return true;
}

bool sync_poll(struct sync *s, struct sync_status *out)
{
	bool got;

	pthread_mutex_lock(&s->w.mu);
	got = pop_locked(s, out);
	pthread_mutex_unlock(&s->w.mu);
	return got;
}

bool sync_wait(struct sync *s, struct sync_status *out, int timeout_ms)
{
	struct timespec ts = ca_mono_after(timeout_ms);
	bool got;

	pthread_mutex_lock(&s->w.mu);
	while (!(got = pop_locked(s, out)))
		if (pthread_cond_timedwait(&s->ev_cv, &s->w.mu, &ts) == ETIMEDOUT) {
			got = pop_locked(s, out);
			break;
		}
	pthread_mutex_unlock(&s->w.mu);
	return got;
}

void sync_status_get(struct sync *s, struct sync_status *out)
{
	pthread_mutex_lock(&s->w.mu);
	*out = s->latest;
	pthread_mutex_unlock(&s->w.mu);
}

int sync_event_fd(const struct sync *s)
{
	return s->efd;
}

/* Sleep until Unix time until_ms, a wake or a stop (worker only). */
static void wait_until(struct engine *e, int64_t until_ms)
{
	struct sync *s = e->s;
	struct timespec ts;

	if (!s)
		return;
	ts = ca_mono_after(until_ms - ca_wall_ms());
	pthread_mutex_lock(&s->w.mu);
	while (!atomic_load(&s->w.stop) && !atomic_load(&s->wake))
		if (pthread_cond_timedwait(&s->w.cv, &s->w.mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->w.mu);
}

/* ---- talking to the hub ---- */

/* Record the outcome of one exchange in the status. ok: the hub answered as
 * documented. what: the error text when not. */
static void note_exchange(struct engine *e, const struct http_resp *r, bool ok,
			  const char *what)
{
	int64_t now = ca_wall_ms();

	e->status.last_attempt_ms = now;
	if (r && r->date_s > 0) {
		e->status.skew_known = true;
		e->status.skew_s = r->date_s - now / 1000;
	}
	if (ok) {
		if (!e->status.online)
			log_info(TAG, "hub reachable");
		e->status.online = true;
		e->status.last_success_ms = now;
		e->status.last_error[0] = '\0';
		e->streak = 0;
		return;
	}
	if (e->status.online || strcmp(e->status.last_error, what) != 0)
		log_warn(TAG, "hub exchange failed: %s", what);
	e->status.online = false;
	snprintf(e->status.last_error, sizeof(e->status.last_error), "%s", what);
}

/* The text of a non-200 whole answer: status, and the hub's error code and
 * message when the body has them. */
static void answer_text(const struct http_resp *r, char *out, size_t n)
{
	json_t *root = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *err = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));

	if (code)
		snprintf(out, n, "hub answered %ld %s: %s", r->status, code,
			 msg ? msg : "");
	else
		snprintf(out, n, "hub answered %ld", r->status);
	json_decref(root);
}

/* A whole request failed: close the gate for a backoff delay (at least
 * retry_after_s when >= 0). Returns the delay. */
static int64_t close_gate(struct engine *e, int retry_after_s)
{
	int64_t d;

	e->streak++;
	d = sync_backoff_ms(e->streak, e->base_ms, e->cap_ms, retry_after_s,
			    rng_next(e));
	e->gate_ms = ca_wall_ms() + d;
	return d;
}

/* Whether a per-record (or single-row) status can never succeed. */
static bool status_final(long st)
{
	return st >= 400 && st < 500 && st != 401 && st != 408 && st != 425 &&
	       st != 429;
}

/* ---- pushing the outbox ---- */

/* Mark rows sel[0..n) failed until at_ms, in one transaction. */
static void fail_rows(struct engine *e, struct store_outbox_item **sel, int n,
		      int64_t at_ms, const char *why)
{
	ca_err err;
	int i;

	err = store_begin(e->st);
	for (i = 0; i < n && !err; i++) {
		err = store_outbox_mark_failed(e->st, sel[i]->seq, at_ms, why);
		if (err == CA_ERR_NOT_FOUND) /* taken by someone else: fine */
			err = CA_OK;
	}
	if (!err)
		err = store_commit(e->st);
	if (err) {
		store_rollback(e->st);
		log_error(TAG, "cannot record failed attempts: %s", ca_strerror(err));
		return;
	}
	e->status.retried += n;
}

/* The hub's message of a result object, as "403 forbidden: text". */
static void result_text(long st, const json_t *res, char *out, size_t n)
{
	const json_t *err = json_object_get(res, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));

	snprintf(out, n, "%ld %s: %s", st, code ? code : "error", msg ? msg : "");
}

/*
 * Apply the results of one 200 answer to rows sel[0..n), in one
 * transaction. False when the answer is not the documented shape (then
 * nothing was written).
 */
static bool apply_results(struct engine *e, struct store_outbox_item **sel,
			  int n, const struct http_resp *r, char *why, size_t whylen)
{
	json_t *root, *results;
	struct ca_app *app = NULL;
	char cerr[CODEC_ERR_MAX], text[STORE_ERROR_MAX + 1];
	int64_t now = ca_wall_ms();
	int i, nsent = 0, nparked = 0, nretry = 0;
	ca_err err = CA_OK;
	bool ok = false;

	root = json_loadb(r->body, r->len, 0, NULL);
	results = json_object_get(root, "results");
	if (!json_is_array(results) || json_array_size(results) != (size_t)n) {
		snprintf(why, whylen, "bad answer from hub: %s",
			 root ? "results do not match the records sent"
			      : "not JSON");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *res = json_array_get(results, (size_t)i);
		const char *key = json_string_value(json_object_get(res, "key"));
		json_t *st = json_object_get(res, "status");

		if (!key || strcmp(key, sel[i]->key) != 0 || !json_is_integer(st)) {
			snprintf(why, whylen, "bad answer from hub: result %d "
				 "does not match its record", i);
			goto out;
		}
	}
	app = malloc(sizeof(*app));
	if (!app) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	err = store_begin(e->st);
	for (i = 0; i < n && !err; i++) {
		json_t *res = json_array_get(results, (size_t)i);
		long st = (long)json_integer_value(json_object_get(res, "status"));
		json_t *ja = json_object_get(res, "app");
		bool have = false;

		if (st >= 200 && st < 300) {
			if (json_is_object(ja)) {
				have = codec_app_decode(ja, app, cerr, sizeof(cerr)) == CA_OK;
				if (!have)
					log_warn(TAG, "hub's copy of %s unreadable: %s",
						 sel[i]->app_id, cerr);
			}
			err = store_outbox_sent(e->st, sel[i]->seq, have ? app : NULL,
						now);
			nsent++;
		} else if (status_final(st)) {
			result_text(st, res, text, sizeof(text));
			err = store_outbox_park(e->st, sel[i]->seq, text);
			log_warn(TAG, "row %" PRId64 " (%s of %s) parked: hub answered %ld",
				 sel[i]->seq, sel[i]->kind, sel[i]->app_id, st);
			nparked++;
		} else {
			result_text(st, res, text, sizeof(text));
			err = store_outbox_mark_failed(
				e->st, sel[i]->seq,
				now + sync_backoff_ms(sel[i]->attempts + 1, e->base_ms,
						      e->cap_ms, -1, rng_next(e)),
				text);
			nretry++;
		}
		if (err == CA_ERR_NOT_FOUND) /* gone meanwhile: nothing to do */
			err = CA_OK;
	}
	if (!err)
		err = store_commit(e->st);
	if (err) {
		store_rollback(e->st);
		snprintf(why, whylen, "local store: %s", ca_strerror(err));
		log_error(TAG, "cannot record the hub's results: %s (%s)",
			  ca_strerror(err), store_errmsg(e->st));
		goto out;
	}
	e->status.sent += nsent;
	e->status.parked_now += nparked;
	e->status.retried += nretry;
	ok = true;
out:
	free(app);
	json_decref(root);
	return ok;
}

/* Append len bytes of s to the growing buffer *buf (size *cap, used *len). */
static bool buf_add(char **buf, size_t *cap, size_t *used, const char *s,
		    size_t len)
{
	if (*used + len + 1 > *cap) {
		size_t ncap = (*cap ? *cap : 4096);
		char *p;

		while (*used + len + 1 > ncap)
			ncap *= 2;
		p = realloc(*buf, ncap);
		if (!p)
			return false;
		*buf = p;
		*cap = ncap;
	}
	memcpy(*buf + *used, s, len);
	*used += len;
	(*buf)[*used] = '\0';
	return true;
}

/* Whether an outbox payload is a JSON object we can send; parks it (for
 * good: it can never succeed) when not. */
static bool payload_ok(struct engine *e, const struct store_outbox_item *it)
{
	json_t *j = json_loads(it->payload, JSON_REJECT_DUPLICATES, NULL);
	bool ok = json_is_object(j) && json_object_size(j) > 0;

	json_decref(j);
	if (!ok) {
		log_error(TAG, "outbox row %" PRId64 " has an unreadable payload; parked",
			  it->seq);
		if (store_outbox_park(e->st, it->seq, "unreadable outbox payload") == CA_OK)
			e->status.parked_now++;
	}
	return ok;
}

/* Rows waiting for a time no backoff could have set (later than the cap
 * plus REBASE_SLACK_MS): the clock went back since they were scheduled.
 * They are due now, said once in the log. */
static void clock_went_back(struct engine *e)
{
	int64_t now = ca_wall_ms(), at;
	int moved = 0;

	if (store_outbox_next_at(e->st, &at) || at == INT64_MAX ||
	    at <= now + e->cap_ms + REBASE_SLACK_MS)
		return;
	if (store_outbox_rebase(e->st, now, e->cap_ms + REBASE_SLACK_MS, &moved) == CA_OK &&
	    moved > 0)
		log_warn(TAG, "%d outbox row(s) waited for a time %lld s ahead: the clock went "
			 "back; they are due now", moved, (long long)((at - now) / 1000));
}

/*
 * Send one batch of due rows. *done is set when nothing was due. STEP_OK
 * when the hub answered the batch (whatever each record's result),
 * STEP_FAIL when the whole request failed, STEP_ABORT on stop.
 */
static enum step push_batch(struct engine *e, bool *done)
{
	struct store_outbox_item items[SYNC_BATCH_MAX * 2];
	struct store_outbox_item *sel[SYNC_BATCH_MAX];
	struct http_resp r;
	char why[SYNC_ERR_MAX + HTTP_ERR_MAX], head[64];
	char *body = NULL;
	size_t cap = 0, used = 0;
	int i, j, n = 0, nsel = 0, want;
	enum step ret = STEP_OK;
	int64_t delay;
	ca_err err;

	*done = false;
	memset(&r, 0, sizeof(r));
	want = e->solo > 0 ? 1 : e->batch;
	clock_went_back(e);
	/* Twice the batch: room to skip second rows of an application. */
	err = store_outbox_next(e->st, ca_wall_ms(), want * 2, items, &n);
	if (err) {
		note_exchange(e, NULL, false, "local store: cannot read the outbox");
		e->gate_ms = ca_wall_ms() + REOPEN_MS;
		return STEP_FAIL;
	}
	if (n == 0) {
		*done = true;
		return STEP_OK;
	}
	/* At most one row of an application per request: if it fails, the
	 * later ones must not reach the hub before it (FIFO per application). */
	if (!buf_add(&body, &cap, &used, "{\"records\":[", 12))
		goto nomem;
	for (i = 0; i < n && nsel < want; i++) {
		size_t plen = strlen(items[i].payload);

		for (j = 0; j < nsel; j++)
			if (strcmp(sel[j]->app_id, items[i].app_id) == 0)
				break;
		if (j < nsel)
			continue;
		if (nsel > 0 && used + plen + 64 > SYNC_BODY_MAX)
			break;
		if (!payload_ok(e, &items[i]))
			continue;
		snprintf(head, sizeof(head), "%s{\"key\":\"%s\",", nsel ? "," : "",
			 items[i].key);
		if (!buf_add(&body, &cap, &used, head, strlen(head)) ||
		    !buf_add(&body, &cap, &used, items[i].payload + 1, plen - 1))
			goto nomem;
		sel[nsel++] = &items[i];
	}
	if (!buf_add(&body, &cap, &used, "]}", 2))
		goto nomem;
	if (nsel == 0) /* only unreadable rows: parked; look again */
		goto out;

	e->pushed = true;
	err = http_request(e->http, "POST", "/v1/records", body, used, 0, &r);
	if (r.aborted || stopping(e)) {
		ret = STEP_ABORT;
		goto out;
	}
	if (err) {
		snprintf(why, sizeof(why), "cannot reach the hub: %s", r.error);
		note_exchange(e, &r, false, why);
		delay = close_gate(e, -1);
		fail_rows(e, sel, nsel, ca_wall_ms() + delay, why);
		ret = STEP_FAIL;
		goto out;
	}
	if (r.status == 200) {
		if (apply_results(e, sel, nsel, &r, why, sizeof(why))) {
			note_exchange(e, &r, true, NULL);
			if (e->solo > 0)
				e->solo--;
			goto out;
		}
		note_exchange(e, &r, false, why);
		delay = close_gate(e, -1);
		fail_rows(e, sel, nsel, ca_wall_ms() + delay, why);
		ret = STEP_FAIL;
		goto out;
	}
	answer_text(&r, why, sizeof(why));
	if ((r.status == 400 || r.status == 413) && nsel > 1) {
		/* One row spoils the batch: send them one by one to find it. */
		e->solo = nsel;
		note_exchange(e, &r, false, why);
		goto out;
	}
	if ((r.status == 400 || r.status == 413) && nsel == 1) {
		/* The single row itself is refused for good (its body). */
		note_exchange(e, &r, true, NULL);
		if (store_outbox_park(e->st, sel[0]->seq, why) == CA_OK)
			e->status.parked_now++;
		if (e->solo > 0)
			e->solo--;
		goto out;
	}
	if (r.status == 401)
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "%s", e->status.skew_known &&
			 (e->status.skew_s > 240 || e->status.skew_s < -240)
			 ? " (the kiosk clock is off; check the time)" : "");
	note_exchange(e, &r, false, why);
	delay = close_gate(e, (r.status == 429 || r.status == 503)
			   ? r.retry_after_s : -1);
	fail_rows(e, sel, nsel, ca_wall_ms() + delay, why);
	ret = STEP_FAIL;
	goto out;
nomem:
	note_exchange(e, NULL, false, "out of memory");
	e->gate_ms = ca_wall_ms() + REOPEN_MS;
	ret = STEP_FAIL;
out:
	http_resp_release(&r);
	store_outbox_items_release(items, n);
	free(body);
	return ret;
}

/* Send batches until nothing is due or a request fails. */
static enum step push_round(struct engine *e)
{
	enum step r;
	bool done = false;

	while (!done) {
		if (stopping(e))
			return STEP_ABORT;
		r = push_batch(e, &done);
		publish(e);
		if (r != STEP_OK)
			return r;
		beat_if_due(e); /* a long drain keeps the beat's period */
	}
	return STEP_OK;
}

/* ---- pulling the feed ---- */

/*
 * The hub's store is another one than the cursor's (pg: a reset answer, or
 * an epoch other than known): start again from 0 in its epoch. *refetch
 * says whether pg's changes must be dropped and the feed read again from
 * 0; they may stay only when they were read from 0 already. STEP_OK or
 * STEP_FAIL.
 */
static enum step feed_restart(struct engine *e, const struct http_resp *r,
			      const struct feed_page *pg, int64_t since, int64_t known,
			      bool *refetch)
{
	char why[SYNC_ERR_MAX];
	ca_err err;

	*refetch = pg->reset || since != 0;
	if (pg->reset && since == 0 && pg->epoch == known) {
		/* A hub that resets a cursor already at 0 of its own epoch would
		 * make the engine spin: a bad answer. */
		note_exchange(e, r, false, "bad feed answer from hub: reset of cursor 0");
		close_gate(e, -1);
		return STEP_FAIL;
	}
	err = store_feed_reset(e->st, pg->epoch);
	if (err) {
		snprintf(why, sizeof(why), "local store: cannot reset the feed cursor (%s)",
			 ca_strerror(err));
		note_exchange(e, r, false, why);
		close_gate(e, -1);
		return STEP_FAIL;
	}
	if (known != 0 || since != 0) {
		log_warn(TAG, "the hub's store changed (epoch %lld, cursor %lld of epoch %lld%s): "
			 "reading its feed again from the start", (long long)pg->epoch,
			 (long long)since, (long long)known,
			 pg->reset ? "; the hub asked" : "");
		e->status.feed_resets++;
	}
	return STEP_OK;
}

/* Pull feed pages until the hub says there is no more; the first request
 * holds up to wait_s seconds when nothing is newer. *got counts changes. */
static enum step pull_feed(struct engine *e, int wait_s, int *got)
{
	struct store_change *ch = NULL;
	struct feed_page pg;
	struct http_resp r;
	char path[192], ep[40], why[SYNC_ERR_MAX + HTTP_ERR_MAX];
	int64_t since, known;
	enum step ret = STEP_OK;
	int applied, max = e->feed_limit, resets = 0;
	bool more = true, refetch;
	ca_err err;

	*got = 0;
	memset(&r, 0, sizeof(r));
	ch = malloc(sizeof(*ch) * (size_t)max);
	if (!ch)
		return STEP_FAIL;
	while (more) {
		if (stopping(e)) {
			ret = STEP_ABORT;
			break;
		}
		beat_if_due(e); /* between pages of a long catch-up */
		err = store_feed_cursor(e->st, &since);
		if (!err)
			err = store_feed_epoch(e->st, &known);
		if (err) {
			note_exchange(e, NULL, false, "local store: cannot read the feed cursor");
			e->gate_ms = ca_wall_ms() + REOPEN_MS;
			ret = STEP_FAIL;
			break;
		}
		/* The epoch the cursor belongs to goes with it: the hub answers
		 * "reset" when it is not its own. */
		ep[0] = '\0';
		if (known)
			snprintf(ep, sizeof(ep), "&epoch=%lld", (long long)known);
		if (wait_s > 0)
			snprintf(path, sizeof(path), "/v1/feed?since=%lld&limit=%d&wait=%d%s",
				 (long long)since, e->feed_limit, wait_s, ep);
		else
			snprintf(path, sizeof(path), "/v1/feed?since=%lld&limit=%d%s",
				 (long long)since, e->feed_limit, ep);
		e->in_feed = true;
		err = http_request(e->http, "GET", path, NULL, 0, wait_s * 1000, &r);
		e->in_feed = false;
		if (r.aborted || stopping(e)) {
			ret = stopping(e) ? STEP_ABORT : STEP_WOKEN;
			break;
		}
		if (err) {
			snprintf(why, sizeof(why), "cannot reach the hub: %s", r.error);
			note_exchange(e, &r, false, why);
			close_gate(e, -1);
			ret = STEP_FAIL;
			break;
		}
		if (r.status != 200) {
			answer_text(&r, why, sizeof(why));
			note_exchange(e, &r, false, why);
			close_gate(e, (r.status == 429 || r.status == 503)
				   ? r.retry_after_s : -1);
			ret = STEP_FAIL;
			break;
		}
		if (!feed_decode(r.body, r.len, since, ch, max, &pg, why, sizeof(why))) {
			note_exchange(e, &r, false, why);
			close_gate(e, -1);
			ret = STEP_FAIL;
			break;
		}
		if (pg.reset || (pg.epoch && pg.epoch != known)) {
			if (++resets > 2) {
				/* Two stores answering in turn (a misconfigured proxy
				 * in front of two hubs): never spin between them. */
				note_exchange(e, &r, false, "the hub's store changes between "
					      "requests (epoch); retrying later");
				close_gate(e, -1);
				ret = STEP_FAIL;
				break;
			}
			ret = feed_restart(e, &r, &pg, since, known, &refetch);
			if (ret != STEP_OK)
				break;
			if (refetch) {
				note_exchange(e, &r, true, NULL);
				wait_s = 0;
				http_resp_release(&r);
				publish(e);
				continue;
			}
		}
		err = store_feed_apply(e->st, ch, pg.n, pg.next, ca_wall_ms(), &applied);
		if (err) {
			snprintf(why, sizeof(why), "local store: cannot apply the feed (%s)",
				 ca_strerror(err));
			note_exchange(e, &r, false, why);
			close_gate(e, -1);
			ret = STEP_FAIL;
			break;
		}
		note_exchange(e, &r, true, NULL);
		e->status.feed_applied += applied;
		*got += pg.n;
		more = pg.more;
		if (pg.n == 0 && pg.next == since)
			more = false; /* nothing new, whatever "more" said */
		wait_s = 0;
		http_resp_release(&r);
		publish(e);
	}
	http_resp_release(&r);
	free(ch);
	publish(e);
	return ret;
}

/* ---- the heartbeat (docs/fleet.md) ---- */

/* The dispenser's faults as names for the hub. */
static json_t *fault_list(unsigned f)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ SYNC_FAULT_JAM, "jam" }, { SYNC_FAULT_DOOR, "door_open" },
		{ SYNC_FAULT_HW, "fault" }, { SYNC_FAULT_NO_ANSWER, "no_answer" },
		{ SYNC_FAULT_UNCONFIRMED, "unconfirmed" },
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

/* Free space of the data directory in MiB, -1 when it cannot be read. */
static json_int_t disk_free_mb(const char *dir)
{
	struct statvfs v;

	if (statvfs(dir, &v) != 0)
		return -1;
	return (json_int_t)((unsigned long long)v.f_bavail * v.f_frsize / (1024 * 1024));
}

/* The heartbeat's body (a new object). */
static json_t *beat_body(struct engine *e, const struct sync_facts *f)
{
	json_t *b, *d = json_null();
	int pending = 0, parked = 0, i;

	if (e->st)
		(void)store_outbox_depth(e->st, &pending, &parked);
	if (f->disp != SYNC_DISP_NONE) {
		json_t *slots = json_array();

		for (i = 0; i < f->nslots && i < CONFIG_DISP_SLOTS_MAX; i++)
			json_array_append_new(slots, json_integer(
				f->disp == SYNC_DISP_KNOWN ? f->stock[i] : -1));
		d = json_pack("{s:o, s:o}", "slots", slots, "faults", fault_list(f->faults));
	}
	b = json_pack("{s:s, s:i, s:I, s:I, s:{s:i, s:i}, s:I, s:I, s:{s:s, s:s}, s:o, "
		      "s:b, s:b}",
		      "version", ca_version(), "interval_s", e->cfg.heartbeat_s,
		      "uptime_s", (json_int_t)((ca_mono_ms() - e->started_mono_ms) / 1000),
		      "at_ms", (json_int_t)ca_wall_ms(),
		      "outbox", "pending", pending, "parked", parked,
		      "last_sync_ms", (json_int_t)e->status.last_success_ms,
		      "disk_free_mb", disk_free_mb(e->cfg.data_dir),
		      "display", "video", f->video, "renderer", f->renderer,
		      "dispenser", d, "idle", f->idle, "restart_pending",
		      e->status.restart_asked);
	if (b)
		json_object_set_new(b, "skew_s", e->status.skew_known
				    ? json_integer(e->status.skew_s) : json_null());
	return b;
}

/* Note why a heartbeat failed, logging it once until it changes. */
static void beat_failed(struct engine *e, const char *why)
{
	if (strcmp(e->beat_err, why) != 0)
		log_warn(TAG, "heartbeat failed: %s", why);
	snprintf(e->beat_err, sizeof(e->beat_err), "%s", why);
}

/* POST /v1/heartbeat/log: the recent log lines (masked), as the hub asked. */
static void send_log_tail(struct engine *e)
{
	char *tail, *p, *nl, why[SYNC_ERR_MAX + HTTP_ERR_MAX];
	size_t cap = (size_t)SYNC_LOG_LINES * (LOG_TAIL_LINE_MAX + 1) + 1;
	json_t *lines = json_array(), *b;
	struct http_resp r;
	char *text = NULL;

	memset(&r, 0, sizeof(r));
	tail = malloc(cap);
	if (!tail || !lines)
		goto out;
	log_tail(tail, cap, SYNC_LOG_LINES);
	for (p = tail; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		mask_scrub(p); /* the ring masked it; mask again before it leaves */
		json_array_append_new(lines, json_string(p));
		if (!nl)
			break;
	}
	b = json_pack("{s:O}", "lines", lines);
	text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (!text)
		goto out;
	if (http_request(e->http, "POST", "/v1/heartbeat/log", text, strlen(text), 0, &r)) {
		snprintf(why, sizeof(why), "log tail not sent: %s", r.error);
		beat_failed(e, why);
	} else if (r.status != 200) {
		answer_text(&r, why, sizeof(why));
		log_warn(TAG, "log tail refused: %s", why);
	} else {
		log_info(TAG, "log tail sent to the hub (%zu lines)", json_array_size(lines));
	}
out:
	http_resp_release(&r);
	free(text);
	free(tail);
	json_decref(lines);
}

/* Send the heartbeat when it is due; act on the hub's answer. */
static void beat_if_due(struct engine *e)
{
	struct sync_facts f;
	struct http_resp r;
	char *text = NULL, why[SYNC_ERR_MAX + HTTP_ERR_MAX];
	json_t *b, *ans = NULL;
	int64_t now = ca_wall_ms();

	if (!e->s || now < e->beat_at_ms)
		return;
	e->beat_at_ms = now + (int64_t)e->cfg.heartbeat_s * 1000;
	pthread_mutex_lock(&e->s->w.mu);
	f = e->s->facts;
	pthread_mutex_unlock(&e->s->w.mu);
	memset(&r, 0, sizeof(r));
	b = beat_body(e, &f);
	text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	if (!text)
		return;
	if (http_request(e->http, "POST", "/v1/heartbeat", text, strlen(text), 0, &r)) {
		snprintf(why, sizeof(why), "cannot reach the hub: %s", r.error);
		beat_failed(e, why);
		goto out;
	}
	if (r.date_s > 0) {
		e->status.skew_known = true;
		e->status.skew_s = r.date_s - ca_wall_ms() / 1000;
	}
	if (r.status != 200) {
		answer_text(&r, why, sizeof(why));
		beat_failed(e, why);
		goto out;
	}
	ans = json_loadb(r.body, r.len, 0, NULL);
	if (!json_is_object(ans)) {
		beat_failed(e, "bad heartbeat answer from hub: not JSON");
		goto out;
	}
	if (e->beat_err[0])
		log_info(TAG, "heartbeat taken by the hub again");
	e->beat_err[0] = '\0';
	e->status.beats++;
	if (json_is_true(json_object_get(ans, "restart")) && !e->status.restart_asked) {
		log_warn(TAG, "the hub asks for a restart of the app (staff); it restarts "
			 "when the kiosk is idle");
		e->status.restart_asked = true;
	}
	if (json_is_true(json_object_get(ans, "send_log")))
		send_log_tail(e);
	publish(e);
out:
	json_decref(ans);
	http_resp_release(&r);
	free(text);
}

/* The earlier of a and the next heartbeat (worker only). */
static int64_t until_beat(const struct engine *e, int64_t a)
{
	return e->s && e->beat_at_ms < a ? e->beat_at_ms : a;
}

void sync_set_facts(struct sync *s, const struct sync_facts *f)
{
	if (!s || !f)
		return;
	pthread_mutex_lock(&s->w.mu);
	s->facts = *f;
	s->facts.video[SYNC_NAME_MAX - 1] = '\0';
	s->facts.renderer[SYNC_NAME_MAX - 1] = '\0';
	if (s->facts.nslots < 0 || s->facts.nslots > CONFIG_DISP_SLOTS_MAX)
		s->facts.nslots = 0;
	pthread_mutex_unlock(&s->w.mu);
}

/* ---- set-up ---- */

/* Fill e from opts (copies); CA_ERR_ARG / CA_ERR_NOMEM. */
static ca_err engine_init(struct engine *e, const struct sync_opts *o)
{
	memset(e, 0, sizeof(*e));
	if (!o || !o->db_path || !o->cfg || !o->secret || !*o->secret)
		return CA_ERR_ARG;
	e->cfg = *o->cfg;
	e->db_path = strdup(o->db_path);
	e->secret = strdup(o->secret);
	if (!e->db_path || !e->secret)
		return CA_ERR_NOMEM;
	e->batch = o->batch > 0 && o->batch <= SYNC_BATCH_MAX ? o->batch : SYNC_BATCH_MAX;
	e->base_ms = o->backoff_base_ms > 0 ? o->backoff_base_ms : DEF_BACKOFF_BASE_MS;
	e->cap_ms = o->backoff_cap_ms > 0 ? o->backoff_cap_ms : DEF_BACKOFF_CAP_MS;
	if (e->cap_ms < e->base_ms)
		e->cap_ms = e->base_ms;
	if (o->feed_wait_s < 0)
		e->feed_wait_s = e->cfg.sync_interval_s < FEED_WAIT_MAX_S
				 ? e->cfg.sync_interval_s : FEED_WAIT_MAX_S;
	else
		e->feed_wait_s = o->feed_wait_s < FEED_WAIT_MAX_S ? o->feed_wait_s
								  : FEED_WAIT_MAX_S;
	e->feed_limit = o->feed_limit > 0 && o->feed_limit <= DEF_FEED_LIMIT
			? o->feed_limit : DEF_FEED_LIMIT;
	e->no_feed = o->no_feed;
	e->started_mono_ms = ca_mono_ms();
	if (e->cfg.heartbeat_s < CONFIG_HEARTBEAT_MIN_S ||
	    e->cfg.heartbeat_s > CONFIG_HEARTBEAT_MAX_S)
		e->cfg.heartbeat_s = 60; /* a config made by hand, not config_load */
	if (getrandom(&e->rng, sizeof(e->rng), 0) != sizeof(e->rng) || !e->rng)
		e->rng = (uint64_t)ca_wall_ms() | 1;
	return CA_OK;
}

/* Open the store and the client if they are not open. */
static ca_err engine_open(struct engine *e)
{
	struct http_opts ho;
	char err[STORE_ERR_MAX];
	ca_err rc;

	if (!e->st) {
		rc = store_open(e->db_path, &e->st, err, sizeof(err));
		if (rc) {
			note_exchange(e, NULL, false, err);
			return rc;
		}
	}
	if (!e->http) {
		memset(&ho, 0, sizeof(ho));
		ho.base_url = e->cfg.server_url;
		ho.ca_file = e->cfg.ca_file;
		ho.pin = e->cfg.pin;
		ho.device_id = e->cfg.kiosk_id;
		ho.secret = e->secret;
		ho.connect_timeout_ms = e->cfg.connect_timeout_ms;
		ho.total_timeout_ms = e->cfg.total_timeout_ms;
		ho.abort_fn = should_abort;
		ho.abort_ctx = e;
		rc = http_new(&ho, &e->http);
		if (rc) {
			note_exchange(e, NULL, false, "cannot set up the HTTP client");
			return rc;
		}
	}
	return CA_OK;
}

/* Close and free what the engine holds. */
static void engine_release(struct engine *e)
{
	http_free(e->http);
	e->http = NULL;
	store_close(e->st);
	e->st = NULL;
	free(e->db_path);
	e->db_path = NULL;
	if (e->secret) {
		explicit_bzero(e->secret, strlen(e->secret));
		free(e->secret);
		e->secret = NULL;
	}
}

/* ---- the worker ---- */

/*
 * After rows went to the hub (a person's saved application, a logout's
 * session token): the connection that carried them is closed (its TLS
 * buffers and the answer go), the pages this connection read are dropped,
 * and the thread's stack below here is emptied (docs/privacy.md). The
 * next request connects afresh: one TLS handshake per round that pushed.
 */
static void forget_copies(struct engine *e)
{
	e->pushed = false;
	if (e->http && http_forget(e->http) != CA_OK)
		log_error(TAG, "no memory for a new connection to the hub");
	if (e->st)
		store_forget(e->st);
	wipe_stack();
}

static void *worker_main(void *arg)
{
	struct sync *s = arg;
	struct engine *e = &s->eng;
	int64_t now, due, period_ms, start;
	enum step r;
	int wait_s, got;

	period_ms = (int64_t)(e->feed_wait_s > 0 ? e->feed_wait_s
				 : e->cfg.sync_interval_s) * 1000;
	while (!atomic_load(&s->w.stop)) {
		if (engine_open(e)) {
			publish(e);
			wait_until(e, ca_wall_ms() + REOPEN_MS);
			atomic_store(&s->wake, false);
			continue;
		}
		beat_if_due(e);
		if (atomic_load(&s->w.stop))
			break;
		if (atomic_exchange(&s->wake, false))
			e->gate_ms = 0; /* a fresh local change: try at once */
		now = ca_wall_ms();
		if (now < e->gate_ms) { /* backing off after a failure */
			publish(e);
			wait_until(e, until_beat(e, e->gate_ms));
			continue;
		}
		r = push_round(e);
		if (e->pushed)
			forget_copies(e);
		if (r == STEP_ABORT)
			break;
		if (r == STEP_FAIL)
			continue;
		if (store_outbox_next_at(e->st, &due))
			due = INT64_MAX;
		if (e->no_feed) {
			wait_until(e, until_beat(e, due < ca_wall_ms() + period_ms
						  ? due : ca_wall_ms() + period_ms));
			continue;
		}
		now = ca_wall_ms();
		due = until_beat(e, due); /* the long-poll ends in time for the beat */
		wait_s = due <= now ? 0 : (int)((due - now) / 1000);
		if (wait_s > e->feed_wait_s)
			wait_s = e->feed_wait_s;
		if (atomic_load(&s->wake))
			wait_s = 0;
		start = now;
		r = pull_feed(e, wait_s, &got);
		wipe_stack(); /* the answer was decoded here; it is in the store now */
		if (r == STEP_ABORT)
			break;
		if (r != STEP_OK || got > 0)
			continue;
		/* Nothing new: sleep out the rest of the poll period (a hub that
		 * long-polled has used it up already), or until a row is due. */
		if (store_outbox_next_at(e->st, &due))
			due = INT64_MAX;
		wait_until(e, until_beat(e, due < start + period_ms ? due : start + period_ms));
	}
	publish(e);
	engine_release(e);
	return NULL;
}

ca_err sync_start(const struct sync_opts *opts, struct sync **out)
{
	struct sync *s;
	ca_err e;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CA_ERR_NOMEM;
	s->efd = -1;
	e = engine_init(&s->eng, opts);
	if (e) {
		engine_release(&s->eng);
		free(s);
		return e;
	}
	s->eng.s = s;
	/* Until the app says otherwise (ca-kiosk-sync never does): no screen,
	 * no dispenser, idle. */
	snprintf(s->facts.video, sizeof(s->facts.video), "none");
	snprintf(s->facts.renderer, sizeof(s->facts.renderer), "none");
	s->facts.idle = true;
	http_global_init();
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	worker_cond_init(&s->ev_cv);
	atomic_init(&s->wake, false);
	rc = s->efd < 0 ? errno : worker_start(&s->w, worker_main, s);
	if (rc) {
		log_error(TAG, "cannot start the sync worker: %s", strerror(rc));
		if (s->efd >= 0)
			close(s->efd);
		pthread_cond_destroy(&s->ev_cv);
		engine_release(&s->eng);
		free(s);
		return CA_ERR_IO;
	}
	*out = s;
	return CA_OK;
}

void sync_wake(struct sync *s)
{
	if (!s)
		return;
	worker_raise(&s->w, &s->wake);
}

void sync_stop(struct sync *s)
{
	if (!s)
		return;
	worker_stop(&s->w);
	close(s->efd);
	pthread_cond_destroy(&s->ev_cv);
	free(s);
}

/* Push everything due, then read the feed, in the caller's thread. */
ca_err sync_once(const struct sync_opts *opts, int max_ms,
		 struct sync_status *st)
{
	struct engine e;
	int64_t until = ca_mono_ms() + (max_ms > 0 ? max_ms : 60000);
	enum step r = STEP_FAIL;
	ca_err err;
	int got;

	err = engine_init(&e, opts);
	if (!err)
		err = engine_open(&e);
	if (err)
		goto out;
	do {
		r = push_round(&e);
		if (r == STEP_OK && !e.no_feed)
			r = pull_feed(&e, 0, &got);
		else
			got = 0;
	} while (r == STEP_OK && got > 0 && ca_mono_ms() < until);
	publish(&e);
	err = r == STEP_OK ? CA_OK : CA_ERR_IO;
out:
	if (st)
		*st = e.status;
	engine_release(&e);
	return err;
}

/* Read the device secret file; see sync.h. */
ca_err sync_load_secret(const char *path, char *out, size_t n, char *err,
			size_t errlen)
{
	char buf[SIGN_SECRET_MAX + 64];
	struct stat sb;
	size_t len, i, b = 0;
	FILE *f;
	ca_err e = CA_OK;

	if (n)
		out[0] = '\0';
	if (!path || !*path) {
		snprintf(err, errlen, "no [kiosk] secret_file configured");
		return CA_ERR_CONFIG;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return CA_ERR_IO;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
		log_warn(TAG, "%s: readable by group or others; chmod 600 it", path);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		e = CA_ERR_IO;
		goto out;
	}
	buf[len] = '\0';
	while (b < len && (buf[b] == ' ' || buf[b] == '\t' || buf[b] == '\n' ||
			   buf[b] == '\r'))
		b++;
	while (len > b && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
			   buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	len -= b;
	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF", buf[b + i]) || !buf[b + i])
			break;
	if (len < 16 || len > SIGN_SECRET_MAX || i < len || len >= n) {
		snprintf(err, errlen, "%s: the device secret must be 16 to %d hex "
			 "digits", path, SIGN_SECRET_MAX);
		e = CA_ERR_CONFIG;
		goto out;
	}
	memcpy(out, buf + b, len);
	out[len] = '\0';
out:
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
	return e;
}
