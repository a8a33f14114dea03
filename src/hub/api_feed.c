/*
 * api_feed.c - GET /v1/feed?since=REV&limit=N&wait=S&epoch=E (docs/api.md,
 * Change feed; docs/hub.md says how the long-poll works).
 *
 * With wait and nothing for this device past since, the request is parked
 * (http_park: no thread is held) until a commit concerning one of this
 * device's accounts, S seconds, the client leaving or the hub stopping;
 * then this handler runs again, queries again, and answers what is there
 * (or parks again when the wake-up was for a change it cannot see).
 *
 * Epoch: every answer carries the store's epoch and head revision. A
 * request whose epoch (the one the kiosk's cursor belongs to) is not the
 * store's, or whose since is past the head (a restored store), is answered
 * at once with "reset": true and next 0: the kiosk starts again from 0
 * (docs/api.md, docs/sync.md). Checked before the query, never parked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "api.h"
#include "hub.h"

#define FEED_LIMIT_DEFAULT 100
#define FEED_LIMIT_MAX 500
#define FEED_WAIT_MAX 25

/* A whole non-negative decimal number of the query, or def when absent.
 * -1 when malformed or above max. */
static long long query_num(const struct http_req *rq, const char *name, long long def,
			   long long max)
{
	const char *v = http_query(rq, name);
	char *end;
	long long n;

	if (!v)
		return def;
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end || errno || n > max)
		return -1;
	return n;
}

static void feed(struct http_req *rq, struct http_resp *rs)
{
	struct hubdb *db = rq->hub->db;
	long long since = query_num(rq, "since", 0, INT64_MAX);
	long long limit = query_num(rq, "limit", FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX);
	long long wait = query_num(rq, "wait", 0, FEED_WAIT_MAX);
	long long epoch = query_num(rq, "epoch", 0, INT64_MAX);
	int64_t next, seen, deadline, head = hubdb_rev_current(db), mine = hubdb_epoch(db);
	json_t *changes = NULL;
	bool more, last;

	if (since < 0 || limit < 1 || wait < 0 || epoch < 0) {
		http_error(rs, 400, "bad_request", "since >= 0, epoch >= 0, limit 1..%d and wait "
			   "0..%d must be whole numbers", FEED_LIMIT_MAX, FEED_WAIT_MAX);
		return;
	}
	if ((epoch && epoch != mine) || since > head) {
		log_info("feed", "device %s: cursor %lld of epoch %lld does not fit this store "
			 "(epoch %lld, head %lld): reset", rq->device, since, epoch,
			 (long long)mine, (long long)head);
		http_reply(rs, 200, json_pack("{s:[], s:i, s:b, s:b, s:I, s:I}", "changes", "next",
					      0, "more", true, "reset", true, "epoch",
					      (json_int_t)mine, "head", (json_int_t)head));
		return;
	}
	deadline = rq->wake == HTTP_WAKE_NONE ? ca_mono_ms() + wait * 1000
					      : rq->park_deadline_ms;
	/* Answer whatever is there when time is up, the client is gone or
	 * the hub stops; park again only after a change or the first look. */
	last = wait == 0 || rq->wake == HTTP_WAKE_TIMEOUT || rq->wake == HTTP_WAKE_GONE ||
	       rq->wake == HTTP_WAKE_STOP || ca_mono_ms() >= deadline;
	/* The revision before the query: a commit after it wakes us. */
	seen = hubdb_rev_current(db);
	if (hubdb_feed(db, rq->device, since, (int)limit, &changes, &next, &more)) {
		api_store_error(rs);
		return;
	}
	if (json_array_size(changes) == 0 && !last) {
		json_decref(changes);
		http_park(rs, seen, deadline);
		return;
	}
	http_reply(rs, 200, json_pack("{s:o, s:I, s:b, s:I, s:I}", "changes", changes, "next",
				      (json_int_t)next, "more", more, "epoch", (json_int_t)mine,
				      "head", (json_int_t)hubdb_rev_current(db)));
}

static const struct http_route routes[] = {
	{ "GET", "/v1/feed", HTTP_AUTH_DEVICE, feed, 0 },
};

ca_err api_feed_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
