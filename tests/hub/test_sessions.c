/*
 * test_sessions.c - an account's reach from a kiosk ends (docs/hub.md,
 * Login; docs/api.md, POST /v1/logout), on a real ca-hub over TLS with the
 * virtual clock:
 *
 *   1. a binding lives [sessions] binding_days (default 30) after the
 *      account's LAST login on that kiosk: up to 30 days kiosk A still
 *      receives the account's changes and may push its records; one second
 *      past 30 days A's feed no longer carries them and A's push is refused
 *      with 403 binding_expired, while kiosk B, where the account logged in
 *      a day ago, still receives and pushes; a new login on A binds it
 *      again, and A's feed then brings the change it missed;
 *   2. POST /v1/logout ends the session at once (the token is refused
 *      afterwards); a second logout is harmless (200, ended false); another
 *      kiosk cannot end it; no header is 400;
 *   3. the queued form, a record of op "logout" in POST /v1/records (what a
 *      kiosk sends from its outbox), ends the session too, and its replay
 *      changes nothing.
 *
 * One hub serves the group; each test uses its own phones and devices and
 * moves the clock forward only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/uuid.h"
#include "../fixture.h"
#include "../support/hubcall.h"

#define DAY_S 86400

static struct hubproc hub;
static int64_t clock_offset; /* how far the hub's virtual clock was moved */

static struct hubcall_dev dev_a = { .id = "hall-a" }, dev_b = { .id = "hall-b" };
static struct hubcall_dev dev_c = { .id = "hall-c" }, dev_d = { .id = "hall-d" };

/* A request signed by d (with session when not NULL) or, d NULL, by staff;
 * the answer parsed (new reference, NULL if not JSON). */
static json_t *req(const struct hubcall_dev *d, const char *session, const char *method,
		   const char *target, const char *body, long *status)
{
	struct hubproc_req q = { .ts_offset = clock_offset, .session = session };

	if (d) {
		q.device = d->id;
		q.secret = d->secret;
	} else {
		q.bearer = hub.token;
	}
	return hubcall_json(&hub, &q, method, target, body, status);
}

/* The group's hub (hubcall_group_setup starts it): the virtual clock, the
 * devices provisioned; it must exit 0 at SIGTERM. */
static struct hubcall_dev *const devs[] = { &dev_a, &dev_b, &dev_c, &dev_d };
static const struct hubcall_group group = {
	.hub = &hub, .opts = { .virtual_clock = true }, .devs = devs, .ndevs = 4,
	.check_exit = true,
};

/* Move the hub's clock forward. */
static void advance(int64_t s)
{
	assert_int_equal(hubcall_advance(&hub, s, &clock_offset), 0);
}

/* Log phone in on d; its session token into token. */
static void login(const struct hubcall_dev *d, const char *phone, char token[65])
{
	struct hubproc_req q = { .device = d->id, .secret = d->secret, .ts_offset = clock_offset };

	assert_int_equal(hubcall_login(&hub, &q, phone, token), 0);
}

/* Push one record (op, app) from d; the per-record result (new reference). */
static json_t *push(const struct hubcall_dev *d, const struct ca_app *a, const char *op)
{
	struct hubproc_req q = { .device = d->id, .secret = d->secret, .ts_offset = clock_offset };
	json_t *res = hubcall_push(&hub, &q, a, op);

	assert_non_null(res);
	return res;
}

static int push_status(const struct hubcall_dev *d, const struct ca_app *a, const char *op)
{
	json_t *res = push(d, a, op);
	int st = (int)json_integer_value(json_object_get(res, "status"));

	json_decref(res);
	return st;
}

/* Read d's whole feed from *cursor on (moving it); count the changes that
 * are about application app_id (app, record, pickup or invoice). */
static int feed_count(const struct hubcall_dev *d, int64_t *cursor, const char *app_id)
{
	char target[96];
	int n = 0;
	bool more;

	do {
		json_t *j, *c;
		size_t i;
		long st;

		snprintf(target, sizeof(target), "/v1/feed?since=%lld", (long long)*cursor);
		j = req(d, NULL, "GET", target, NULL, &st);
		assert_int_equal(st, 200);
		json_array_foreach(json_object_get(j, "changes"), i, c) {
			const char *kind = json_string_value(json_object_get(c, "kind"));
			json_t *o = json_object_get(c, kind);
			const char *id = json_string_value(json_object_get(o, "id"));
			const char *aid = json_string_value(json_object_get(o, "app_id"));

			if (!strcmp(kind, "app") ? id && !strcmp(id, app_id)
						 : aid && !strcmp(aid, app_id))
				n++;
		}
		*cursor = json_integer_value(json_object_get(j, "next"));
		more = json_is_true(json_object_get(j, "more"));
		json_decref(j);
	} while (more);
	return n;
}

/* 1. The binding ends 30 days after the last login on that kiosk. */
static void test_binding_expires_30_days_after_last_login_on_that_kiosk(void **state)
{
	const char *phone = "13800110001", *other = "13800110004";
	char tok[65];
	struct ca_app a, b, c;
	int64_t cur_a = 0, cur_b = 0;
	json_t *res;

	(void)state;
	/* On A: login and a draft. */
	login(&dev_a, phone, tok);
	fixture_app(&a);
	assert_int_equal(uuid_v4(a.id), CA_OK);
	snprintf(a.account, sizeof(a.account), "%s", phone);
	assert_int_equal(push_status(&dev_a, &a, "save"), 200);
	assert_int_equal(feed_count(&dev_a, &cur_a, a.id), 1);

	/* 29 days later the account logs in on B (and never again on A);
	 * another account logs in on A. */
	advance(29 * DAY_S);
	login(&dev_b, phone, tok);
	login(&dev_a, other, tok);
	assert_int_equal(feed_count(&dev_b, &cur_b, a.id), 1); /* B catches up */

	/* Just under 30 days after the login on A: still A's. A change made
	 * on B reaches A, and A may push. */
	advance(DAY_S - 10);
	snprintf(a.company, sizeof(a.company), "%s", "江苏乙号科技有限公司");
	assert_int_equal(push_status(&dev_b, &a, "save"), 200);
	assert_int_equal(feed_count(&dev_a, &cur_a, a.id), 1);
	assert_int_equal(feed_count(&dev_b, &cur_b, a.id), 1);
	assert_int_equal(push_status(&dev_a, &a, "save"), 200);
	assert_int_equal(feed_count(&dev_b, &cur_b, a.id), 1);

	/* 30 days and a second (and more) since the last login on A. */
	advance(11);
	snprintf(a.company, sizeof(a.company), "%s", "江苏丙号科技有限公司");
	assert_int_equal(push_status(&dev_b, &a, "save"), 200);
	assert_int_equal(feed_count(&dev_a, &cur_a, a.id), 0);
	assert_int_equal(feed_count(&dev_b, &cur_b, a.id), 1);
	res = push(&dev_a, &a, "save");
	assert_int_equal(json_integer_value(json_object_get(res, "status")), 403);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(res, "error"), "code")), "binding_expired");
	assert_non_null(strstr(json_string_value(json_object_get(
				       json_object_get(res, "error"), "message")), "log in here again"));
	json_decref(res);
	/* A new draft of the account from A is refused too; from B it is
	 * taken. */
	fixture_app(&b);
	assert_int_equal(uuid_v4(b.id), CA_OK);
	snprintf(b.account, sizeof(b.account), "%s", phone);
	assert_int_equal(push_status(&dev_a, &b, "save"), 403);
	assert_int_equal(push_status(&dev_b, &b, "save"), 200);
	assert_int_equal(feed_count(&dev_a, &cur_a, b.id), 0);
	/* The other account's change moves A's cursor past all of that. */
	fixture_app(&c);
	assert_int_equal(uuid_v4(c.id), CA_OK);
	snprintf(c.account, sizeof(c.account), "%s", other);
	assert_int_equal(push_status(&dev_a, &c, "save"), 200);
	assert_int_equal(feed_count(&dev_a, &cur_a, c.id), 1);

	/* A new login on A binds it again: what it missed arrives, and it
	 * may push again. */
	login(&dev_a, phone, tok);
	{
		int64_t from = cur_a;

		assert_int_equal(feed_count(&dev_a, &cur_a, a.id), 1);
		cur_a = from;
		assert_int_equal(feed_count(&dev_a, &cur_a, b.id), 1);
	}
	assert_int_equal(push_status(&dev_a, &a, "save"), 200);
}

/* GET /v1/pay/orders/NOPE with token on d: 401 when the session is not
 * alive, 404 (no such order) when it is. */
static long probe_session(const struct hubcall_dev *d, const char *token)
{
	long st;

	json_decref(req(d, token, "GET", "/v1/pay/orders/CA20990101AAAAAAAAAAAA", NULL, &st));
	return st;
}

/* 2. POST /v1/logout ends the session at once; twice is harmless. */
static void test_logout_ends_session_token_refused_and_twice_is_harmless(void **state)
{
	/* A logout of dev_c's session, and what follows. */
	const struct {
		const struct hubcall_dev *from; /* the kiosk that asks */
		bool ended;                     /* "ended" in the answer */
		long probe;                     /* probe_session on dev_c after it */
	} steps[] = {
		{ &dev_d, false, 404 },
		{ &dev_c, true, 401 },
		{ &dev_c, false, 401 },
	};
	char tok[65];
	size_t i;
	json_t *j;
	long st;

	(void)state;
	login(&dev_c, "13800110002", tok);
	assert_int_equal(probe_session(&dev_c, tok), 404);

	/* Another kiosk cannot end it; its own ends it; a second time is
	 * harmless. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		j = req(steps[i].from, tok, "POST", "/v1/logout", NULL, &st);
		assert_int_equal(st, 200);
		assert_true(json_is_boolean(json_object_get(j, "ended")));
		assert_int_equal(json_is_true(json_object_get(j, "ended")), steps[i].ended);
		json_decref(j);
		assert_int_equal(probe_session(&dev_c, tok), steps[i].probe);
	}

	j = req(&dev_c, NULL, "POST", "/v1/logout", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(j);
}

/* POST /v1/records with body from dev_d (must be 200); the first record's
 * status. */
static int records_status(const char *body)
{
	long st;
	json_t *j = req(&dev_d, NULL, "POST", "/v1/records", body, &st);
	int res;

	assert_int_equal(st, 200);
	res = (int)json_integer_value(json_object_get(
		json_array_get(json_object_get(j, "results"), 0), "status"));
	json_decref(j);
	return res;
}

/* 3. op "logout" in POST /v1/records, as a kiosk's outbox sends it. */
static void test_logout_record_ends_session_and_replay_changes_nothing(void **state)
{
	char tok[65], tok2[65], key[CA_UUID_LEN + 1], body[400];

	(void)state;
	login(&dev_d, "13800110003", tok);
	assert_int_equal(probe_session(&dev_d, tok), 404);
	assert_int_equal(uuid_v4(key), CA_OK);
	snprintf(body, sizeof(body), "{\"records\":[{\"key\":\"%s\",\"op\":\"logout\","
		 "\"at_ms\":1795000000000,\"session\":\"%s\"}]}", key, tok);
	assert_int_equal(records_status(body), 200);
	assert_int_equal(probe_session(&dev_d, tok), 401);

	/* The person logs in again; a replay of the old row leaves the new
	 * session alone (it names the old token). */
	login(&dev_d, "13800110003", tok2);
	assert_int_equal(records_status(body), 200);
	assert_int_equal(probe_session(&dev_d, tok2), 404);

	/* A malformed token is refused for good (400). */
	assert_int_equal(uuid_v4(key), CA_OK);
	snprintf(body, sizeof(body), "{\"records\":[{\"key\":\"%s\",\"op\":\"logout\","
		 "\"at_ms\":1795000000000,\"session\":\"nope\"}]}", key);
	assert_int_equal(records_status(body), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binding_expires_30_days_after_last_login_on_that_kiosk),
		cmocka_unit_test(test_logout_ends_session_token_refused_and_twice_is_harmless),
		cmocka_unit_test(test_logout_record_ends_session_and_replay_changes_nothing),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests(tests, hubcall_group_setup, hubcall_group_teardown);
}
