/*
 * test_hub.c - ca-hub as a real process on loopback with real TLS
 * (tests/support/hubproc): the client verifies the hub (wrong CA, wrong host
 * name refused); signed requests are accepted and every kind of bad one is
 * 401 (bad signature, replayed nonce, stale timestamp on the virtual clock,
 * unknown and disabled device); the login flow with its limits; records are
 * idempotent (replay = same result, same key other body = 409), the hub's
 * copy decides (403) and validates (422 with fields); the records of one
 * request keep their own results (one refused does not undo the others); staff actions show in
 * the feed with reasons; the long-poll returns early on a change; a restart
 * keeps data and still refuses an old nonce. The application-form template
 * is an HTML page anyone can open, with every field of the form on it.
 * A version-3 store migrates to the current schema keeping its data. A kiosk's
 * restock record (op "restock", no application, no login) is checked (400
 * with the member named), kept once whatever the replays, and listed for
 * staff; the counter's pickup-code lookup finds the on-site orders waiting
 * for pickup with that code (never mail orders or collected ones) and
 * refuses a code that is not 6 digits.
 *
 * One hub serves the group (started in the group setup); tests run in the
 * order listed, and the ones that move the virtual clock come last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/msg.h"
#include "core/utf8.h"
#include "core/uuid.h"
#include "hub/db.h"
#include "../fixture.h"
#include "../support/hubcall.h"
#include "../support/sqlpeek.h"

static struct hubproc hub;
static int64_t clock_offset;   /* how far the hub's virtual clock was moved */

#define DEV "hall-01"
static struct hubcall_dev hall = { .id = DEV }; /* its secret made at the start */
#define PHONE "13812345678"

/* A signed request as device dev with key sec. */
static long sreq(const char *dev, const char *sec, const char *method, const char *target,
		 const char *body, struct hubproc_resp *r)
{
	struct hubproc_req q = { .device = dev, .secret = sec, .ts_offset = clock_offset };

	hubproc_request(&hub, &q, method, target, body, r);
	return r->status;
}

/* The group's hub (hubcall_group_setup starts it): the virtual clock, the
 * devices provisioned; it must exit 0 at SIGTERM. */
static struct hubcall_dev *const devs[] = { &hall };
static const struct hubcall_group group = {
	.hub = &hub, .opts = { .virtual_clock = true }, .devs = devs, .ndevs = 1,
	.check_exit = true,
};

/* Same, answer parsed; the body is freed. */
static json_t *sjson(const char *method, const char *target, const char *body, long *status)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts_offset = clock_offset };

	return hubcall_json(&hub, &q, method, target, body, status);
}

/* Log phone in on DEV; returns the session token (static). */
static const char *login(const char *phone)
{
	static char token[65];
	char body[128], out[256];
	long st;
	json_t *j;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	j = sjson("POST", "/v1/login/sms", body, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 300);
	json_decref(j);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "sms", "last", phone, (char *)NULL), 0);
	out[6] = '\0';
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%.6s\"}", phone, out);
	j = sjson("POST", "/v1/login", body, &st);
	assert_int_equal(st, 200);
	snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(j, "token")));
	assert_int_equal(strlen(token), 64);
	assert_string_equal(json_string_value(json_object_get(j, "account")), phone);
	json_decref(j);
	return token;
}

/* Ask for a login code for phone on DEV (200); the code the hub sent
 * (ca-hubctl sms last) into out, cut to its 6 digits. */
static void sms_code(const char *phone, char out[256])
{
	char body[64];
	json_t *j;
	long st;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	j = sjson("POST", "/v1/login/sms", body, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	assert_int_equal(hubproc_ctl(&hub, out, 256, "sms", "last", phone, (char *)NULL), 0);
	out[6] = '\0';
}

/* A record of the outbox as JSON text (malloc'd). */
static char *record(const char *key, const char *op, const struct ca_app *app, const char *arg)
{
	json_t *r = json_pack("{s:s, s:s, s:I, s:o, s:s?}", "key", key, "op", op, "at_ms",
			      (json_int_t)1795000000000, "app", codec_app_encode(app), "arg", arg);
	char *t;

	if (!arg)
		json_object_set_new(r, "arg", json_null());
	t = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	return t;
}

/* Push one record; the single result (new reference). */
static json_t *push(const char *key, const char *op, const struct ca_app *app, const char *arg)
{
	char *rec = record(key, op, app, arg), *body;
	json_t *j, *res;
	long st;

	assert_non_null(rec);
	assert_true(asprintf(&body, "{\"records\":[%s]}", rec) > 0);
	j = sjson("POST", "/v1/records", body, &st);
	assert_int_equal(st, 200);
	res = json_incref(json_array_get(json_object_get(j, "results"), 0));
	assert_non_null(res);
	json_decref(j);
	free(rec);
	free(body);
	return res;
}

/* Fail unless a and b are the same JSON (compared as sorted text). */
static void assert_same_json(json_t *a, json_t *b)
{
	char *ta = json_dumps(a, JSON_SORT_KEYS), *tb = json_dumps(b, JSON_SORT_KEYS);

	assert_non_null(ta);
	assert_non_null(tb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

static int status_of(json_t *res)
{
	return (int)json_integer_value(json_object_get(res, "status"));
}

/* Push one record of app with a fresh key; it must answer status, and its
 * result's obj.member must be value. */
static void push_says(const char *op, const struct ca_app *app, const char *arg, int status,
		      const char *obj, const char *member, const char *value)
{
	char key[37];
	json_t *res;

	uuid_v4(key);
	res = push(key, op, app, arg);
	assert_int_equal(status_of(res), status);
	assert_string_equal(json_string_value(json_object_get(json_object_get(res, obj), member)),
			    value);
	json_decref(res);
}

/* Push one record of app with a fresh key and no arg; its status. */
static int push_fresh(const char *op, const struct ca_app *app)
{
	char key[37];
	json_t *res;
	int st;

	uuid_v4(key);
	res = push(key, op, app, NULL);
	st = status_of(res);
	json_decref(res);
	return st;
}

/* A fresh valid application of phone. */
static void new_app(struct ca_app *a, const char *phone, enum ca_pickup pickup)
{
	assert_int_equal(fixture_app_of(a, phone, pickup), CA_OK);
}

/* The feed from since (no wait); new reference. */
static json_t *feed(int64_t since)
{
	char target[80];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/feed?since=%lld", (long long)since);
	j = sjson("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* Every change since 0, following "more"; new reference. */
static json_t *feed_all(void)
{
	json_t *all = json_array(), *j;
	int64_t next = 0;

	do {
		j = feed(next);
		json_array_extend(all, json_object_get(j, "changes"));
		assert_true(json_integer_value(json_object_get(j, "next")) >= next);
		next = json_integer_value(json_object_get(j, "next"));
		if (!json_is_true(json_object_get(j, "more"))) {
			json_decref(j);
			break;
		}
		json_decref(j);
	} while (1);
	return all;
}

/* The latest "app" change of id in the feed; new reference. */
static json_t *feed_app(const char *id)
{
	json_t *j = feed_all(), *c, *found = NULL;
	int64_t last = 0;
	size_t i;

	json_array_foreach(j, i, c) {
		json_t *a = json_object_get(c, "app");

		/* Oldest first, strictly by revision. */
		assert_true(json_integer_value(json_object_get(c, "rev")) > last);
		last = json_integer_value(json_object_get(c, "rev"));
		if (a && !strcmp(json_string_value(json_object_get(a, "id")), id)) {
			json_decref(found);
			found = json_incref(a);
		}
	}
	json_decref(j);
	return found;
}

/* An admin GET (Bearer token); the answer parsed, its status into *status. */
static json_t *admin_get(const char *target, long *status)
{
	return hubcall_admin(&hub, "GET", target, NULL, status);
}

/* Push one record of op "restock" as device dev: member "restock" is the
 * JSON text restock (NULL: none). The single result (new reference). */
static json_t *push_restock(const char *dev, const char *sec, const char *key, int64_t at_ms,
			    const char *restock)
{
	struct hubproc_resp r;
	json_t *j, *res;
	char *body;

	assert_true(asprintf(&body, "{\"records\":[{\"key\":\"%s\",\"op\":\"restock\","
			     "\"at_ms\":%lld%s%s}]}", key, (long long)at_ms,
			     restock ? ",\"restock\":" : "", restock ? restock : "") > 0);
	assert_int_equal(sreq(dev, sec, "POST", "/v1/records", body, &r), 200);
	j = json_loads(r.body, 0, NULL);
	res = json_incref(json_array_get(json_object_get(j, "results"), 0));
	assert_non_null(res);
	json_decref(j);
	free(r.body);
	free(body);
	return res;
}

/* The GET /v1/feed that got first, sent again as DEV with the same
 * timestamp and nonce: 401, "replayed". */
static void assert_replay_refused(const struct hubproc_resp *first)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts = first->ts,
				 .nonce = first->nonce };
	struct hubproc_resp r;

	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "replayed"));
	free(r.body);
}

/* ---- tests ---- */

static void test_tls_and_signed_request_accepted(void **state)
{
	struct hubproc_resp r;

	(void)state;
	assert_int_equal(sreq(DEV, hall.secret, "GET", "/v1/feed?since=0", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"changes\""));
	assert_true(strlen(r.date) > 20); /* the hub's clock, for the kiosk */
	free(r.body);
	/* localhost is in the certificate too. */
	{
		struct hubproc_req q = { .device = DEV, .secret = hall.secret, .host = "localhost" };

		hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
		assert_int_equal(r.status, 200);
		free(r.body);
	}
}

/* GET /template/application-form: no authentication, UTF-8 HTML for a
 * phone, every form field's catalog label on it, no script; JSON errors
 * stay for other methods. */
static void test_form_template_page(void **state)
{
	static const char *const also[] = { "<!DOCTYPE html>", "name=\"viewport\"",
		"charset=\"utf-8\"", "新办", "续期", "变更", "补办", "机构证书", "法人证书",
		"个人证书", "现场取锁", "邮寄取锁", "法定代表人（签字）", "经办人（签字）",
		"单位公章", "</html>" };
	struct hubproc_req q = { 0 };
	struct hubproc_resp r;
	size_t i, n;
	int f;

	(void)state;
	hubproc_request(&hub, &q, "GET", "/template/application-form", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/html; charset=utf-8");
	assert_true(utf8_count(r.body, &n));
	for (f = CA_F_COMPANY; f <= CA_F_MAIL_POSTCODE; f++)
		if (!strstr(r.body, msg(ca_field_msg((enum ca_field)f))))
			fail_msg("field %s is not on the page", ca_field_key((enum ca_field)f));
	for (i = 0; i < sizeof(also) / sizeof(also[0]); i++)
		if (!strstr(r.body, also[i]))
			fail_msg("'%s' is not on the page", also[i]);
	assert_null(strstr(r.body, "<script"));
	free(r.body);

	hubproc_request(&hub, &q, "POST", "/template/application-form", "{}", &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.content_type, "application/json; charset=utf-8");
	free(r.body);
}

static void test_client_refuses_wrong_ca_and_host(void **state)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .cacert = hub.other_ca };
	struct hubproc_resp r;

	(void)state;
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 0);
	assert_int_not_equal(r.curl_code, 0);
	free(r.body);
	q.cacert = NULL;
	q.host = "wrong.example";
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 0);
	assert_int_not_equal(r.curl_code, 0);
	free(r.body);
}

static void test_bad_requests_are_401(void **state)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret };
	struct hubproc_resp r;
	char other[65], out[64];

	(void)state;
	/* Bad signature: signed with another key. */
	q.secret = "0000000000000000000000000000000000000000000000000000000000000000";
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "\"unauthorized\""));
	free(r.body);
	/* Replayed nonce: the same request twice. */
	q.secret = hall.secret;
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_replay_refused(&r);
	free(r.body);
	/* Stale timestamp, both ways. */
	q.nonce = NULL;
	q.ts = (int64_t)time(NULL) - 301;
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "stale"));
	free(r.body);
	q.ts = (int64_t)time(NULL) + 400;
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 401);
	free(r.body);
	/* Unknown device. */
	assert_int_equal(sreq("hall-99", hall.secret, "GET", "/v1/feed", NULL, &r), 401);
	/* The answer never says which device ids exist (test_limits.c compares
	 * it with the disabled and bad-signature answers). */
	assert_non_null(strstr(r.body, "device authentication failed"));
	assert_null(strstr(r.body, "unknown"));
	free(r.body);
	/* Disabled device: fine before, 401 after. */
	assert_int_equal(hubproc_device_add(&hub, "hall-02", other), 0);
	assert_int_equal(sreq("hall-02", other, "GET", "/v1/feed", NULL, &r), 200);
	free(r.body);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "device", "disable", "hall-02",
				     (char *)NULL), 0);
	assert_int_equal(sreq("hall-02", other, "GET", "/v1/feed", NULL, &r), 401);
	assert_non_null(strstr(r.body, "device authentication failed"));
	assert_null(strstr(r.body, "disabled"));
	free(r.body);
	/* A device id provisioned twice is refused. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "device", "add", "hall-02",
				     (char *)NULL), 1);
	/* Admin API without the token. */
	q.device = NULL;
	hubproc_request(&hub, &q, "GET", "/v1/admin/devices", NULL, &r);
	assert_int_equal(r.status, 401);
	free(r.body);
	q.bearer = "00";
	hubproc_request(&hub, &q, "GET", "/v1/admin/devices", NULL, &r);
	assert_int_equal(r.status, 401);
	free(r.body);
	q.bearer = hub.token;
	hubproc_request(&hub, &q, "GET", "/v1/admin/devices", NULL, &r);
	assert_int_equal(r.status, 200);
	free(r.body);
}

static void test_login_flow_and_limits(void **state)
{
	char out[256];
	long st;
	json_t *j;
	int i;

	(void)state;
	login(PHONE);
	/* Not a mobile number: 422 naming the field. */
	j = sjson("POST", "/v1/login/sms", "{\"phone\":\"12345\"}", &st);
	assert_int_equal(st, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(j, "error"), "fields"), 0), "field")), "phone");
	json_decref(j);
	/* A code works once. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "sms", "last", PHONE, (char *)NULL), 0);
	j = sjson("POST", "/v1/login", "{\"phone\":\"" PHONE "\",\"code\":\"000000\"}", &st);
	assert_int_equal(st, 401);
	json_decref(j);
	/* Five wrong tries kill a code: then 429 even with the right one. */
	sms_code("13900000001", out);
	for (i = 0; i < 5; i++) {
		char body[80];

		snprintf(body, sizeof(body), "{\"phone\":\"13900000001\",\"code\":\"%06d\"}",
			 (atoi(out) + 1 + i) % 1000000);
		j = sjson("POST", "/v1/login", body, &st);
		assert_int_equal(st, 401);
		json_decref(j);
	}
	{
		char body[80];
		struct hubproc_resp r;

		snprintf(body, sizeof(body), "{\"phone\":\"13900000001\",\"code\":\"%.6s\"}", out);
		assert_int_equal(sreq(DEV, hall.secret, "POST", "/v1/login", body, &r), 429);
		assert_true(r.retry_after > 0);
		free(r.body);
	}
	/* Five sends an hour; the sixth is 429 with Retry-After. */
	for (i = 0; i < 5; i++) {
		j = sjson("POST", "/v1/login/sms", "{\"phone\":\"13900000002\"}", &st);
		assert_int_equal(st, 200);
		json_decref(j);
	}
	{
		struct hubproc_resp r;

		assert_int_equal(sreq(DEV, hall.secret, "POST", "/v1/login/sms",
				      "{\"phone\":\"13900000002\"}", &r), 429);
		assert_true(r.retry_after > 3000 && r.retry_after <= 3601);
		assert_non_null(strstr(r.body, "rate_limited"));
		free(r.body);
	}
	/* Malformed bodies are 400. */
	j = sjson("POST", "/v1/login/sms", "{\"phone\":", &st);
	assert_int_equal(st, 400);
	json_decref(j);
}

static void test_records_idempotent_and_checked(void **state)
{
	struct ca_app a, b;
	json_t *r1, *r2, *res;
	char key[37];

	(void)state;
	login(PHONE);
	new_app(&a, PHONE, CA_PICKUP_ONSITE);
	uuid_v4(key);
	r1 = push(key, "save", &a, NULL);
	assert_int_equal(status_of(r1), 200);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r1, "app"),
							       "app_status")), "draft");
	assert_true(json_integer_value(json_object_get(json_object_get(r1, "app"), "rev")) > 0);
	/* Replay: the very same result, nothing new. */
	r2 = push(key, "save", &a, NULL);
	assert_same_json(r1, r2);
	json_decref(r2);
	/* Same key, another body: 409. */
	b = a;
	snprintf(b.company, sizeof(b.company), "%s", "另一家公司有限公司");
	r2 = push(key, "save", &b, NULL);
	assert_int_equal(status_of(r2), 409);
	json_decref(r2);
	/* Submit: pending review; then a save is forbidden (403), delete too. */
	push_says("submit", &a, "请审核", 200, "app", "app_status", "pending_review");
	push_says("save", &b, NULL, 403, "error", "code", "forbidden");
	assert_int_equal(push_fresh("delete", &a), 403);
	json_decref(r1);

	/* Invalid form: saved as a draft, submit is 422 with every field. */
	new_app(&b, PHONE, CA_PICKUP_MAIL);
	snprintf(b.uscc, sizeof(b.uscc), "%s", "91320582MA1MABCDE0");
	b.mail_address[0] = '\0';
	assert_int_equal(push_fresh("save", &b), 200);
	uuid_v4(key);
	res = push(key, "submit", &b, NULL);
	assert_int_equal(status_of(res), 422);
	{
		json_t *f = json_object_get(json_object_get(res, "error"), "fields");
		char *t = json_dumps(f, 0);

		assert_true(json_array_size(f) >= 2);
		assert_non_null(strstr(t, "\"uscc\""));
		assert_non_null(strstr(t, "\"mail_address\""));
		free(t);
	}
	json_decref(res);
	/* A draft can be deleted. */
	assert_int_equal(push_fresh("delete", &b), 200);
	/* An account that never logged in here: 404. Unknown op: 400. */
	new_app(&b, "13700000000", CA_PICKUP_ONSITE);
	assert_int_equal(push_fresh("save", &b), 404);
	assert_int_equal(push_fresh("approve", &a), 400);
}

/*
 * One request of several records is one transaction on the hub, but every
 * record keeps its own result and its own idempotency: a refused record
 * (403, 404, 400) does not undo the others, a later record sees an earlier
 * one of the same request, a key repeated inside the request is a replay,
 * and the whole request sent again answers the same results and changes
 * nothing.
 */
#define BATCH_PHONE "13912340011"

static void test_records_batch_keeps_per_record_results(void **state)
{
	struct ca_app a, c, ghost;
	char ka[37], ks[37], kf[37], kg[37], kc[37], *ra, *rs, *rf, *rg, *rc, *body;
	json_t *j, *j2, *res, *fa, *fc;
	int64_t rev_a, rev_s, rev_c;
	long st;

	(void)state;
	/* An account of its own: PHONE's SMS sends per hour are counted. */
	login(BATCH_PHONE);
	new_app(&a, BATCH_PHONE, CA_PICKUP_ONSITE);
	new_app(&c, BATCH_PHONE, CA_PICKUP_ONSITE);
	new_app(&ghost, BATCH_PHONE, CA_PICKUP_ONSITE);
	uuid_v4(ka);
	uuid_v4(ks);
	uuid_v4(kf);
	uuid_v4(kg);
	uuid_v4(kc);
	ra = record(ka, "save", &a, NULL);     /* 200: a new draft */
	rs = record(ks, "submit", &a, "请审核"); /* 200: sees the save above */
	rf = record(kf, "save", &a, NULL);     /* 403: pending review now */
	rg = record(kg, "submit", &ghost, NULL); /* 404: no such application */
	rc = record(kc, "save", &c, NULL);     /* 200 */
	assert_true(asprintf(&body, "{\"records\":[%s,%s,%s,%s,{\"key\":\"x\"},%s,%s]}", ra, rs,
			     rf, rg, rc, ra) > 0);
	j = sjson("POST", "/v1/records", body, &st);
	assert_int_equal(st, 200);
	res = json_object_get(j, "results");
	assert_int_equal(json_array_size(res), 7);
	assert_int_equal(status_of(json_array_get(res, 0)), 200);
	assert_int_equal(status_of(json_array_get(res, 1)), 200);
	assert_int_equal(status_of(json_array_get(res, 2)), 403);
	assert_int_equal(status_of(json_array_get(res, 3)), 404);
	assert_int_equal(status_of(json_array_get(res, 4)), 400);
	assert_int_equal(status_of(json_array_get(res, 5)), 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 1), "key")), ks);
	/* The repeated key answers the first result again. */
	assert_same_json(json_array_get(res, 0), json_array_get(res, 6));
	rev_a = json_integer_value(json_object_get(json_object_get(json_array_get(res, 0), "app"),
						   "rev"));
	rev_s = json_integer_value(json_object_get(json_object_get(json_array_get(res, 1), "app"),
						   "rev"));
	rev_c = json_integer_value(json_object_get(json_object_get(json_array_get(res, 5), "app"),
						   "rev"));
	assert_true(rev_a > 0 && rev_s > rev_a && rev_c > rev_s);
	/* What the feed holds is what the results said. */
	fa = feed_app(a.id);
	fc = feed_app(c.id);
	assert_non_null(fa);
	assert_non_null(fc);
	assert_string_equal(json_string_value(json_object_get(fa, "app_status")), "pending_review");
	assert_int_equal(json_integer_value(json_object_get(fa, "rev")), rev_s);
	assert_int_equal(json_integer_value(json_object_get(fc, "rev")), rev_c);
	assert_null(feed_app(ghost.id));
	/* The same request again: the same results (the 400 is not stored,
	 * and is the same 400 again), and no new revision anywhere. */
	j2 = sjson("POST", "/v1/records", body, &st);
	assert_int_equal(st, 200);
	assert_same_json(res, json_object_get(j2, "results"));
	json_decref(fc);
	fc = feed_app(c.id);
	assert_int_equal(json_integer_value(json_object_get(fc, "rev")), rev_c);
	json_decref(fa);
	json_decref(fc);
	json_decref(j);
	json_decref(j2);
	free(body);
	free(ra);
	free(rs);
	free(rf);
	free(rg);
	free(rc);
}

/* Submit a fresh application of phone (logged in on DEV); its id into id. */
static void submitted_of(const char *phone, char id[37], enum ca_pickup pickup)
{
	struct ca_app a;

	new_app(&a, phone, pickup);
	assert_int_equal(push_fresh("save", &a), 200);
	assert_int_equal(push_fresh("submit", &a), 200);
	memcpy(id, a.id, 37);
}

/* Submit a fresh application of PHONE; its id into id. */
static void submitted(char id[37], enum ca_pickup pickup)
{
	submitted_of(PHONE, id, pickup);
}

static void test_staff_actions_show_in_feed(void **state)
{
	char id1[37], id2[37], out[4096];
	json_t *a;

	(void)state;
	login(PHONE);
	submitted(id1, CA_PICKUP_MAIL);
	submitted(id2, CA_PICKUP_ONSITE);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", id1, (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "reject", id2, "--reason",
				     "营业执照照片不清晰", (char *)NULL), 0);
	a = feed_app(id1);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "app_status")), "approved");
	/* new/org at 30000 fen per key, one main + one sub key */
	assert_int_equal(json_integer_value(json_object_get(a, "amount_fen")), 60000);
	json_decref(a);
	a = feed_app(id2);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "app_status")), "rejected");
	assert_string_equal(json_string_value(json_object_get(a, "reject_reason")),
			    "营业执照照片不清晰");
	json_decref(a);
	/* Forbidden for staff too: approve twice, ship before payment. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", id1, (char *)NULL), 1);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ship", id1, "--tracking", "SF1",
				     (char *)NULL), 1);
	/* Reject needs a reason; unknown ids are refused. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "reject", id1, (char *)NULL), 2);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve",
				     "00000000-0000-4000-8000-000000000000", (char *)NULL), 1);
	/* list and show work. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "list", "--status", "approved",
				     (char *)NULL), 0);
	assert_non_null(strstr(out, id1));
	assert_null(strstr(out, PHONE)); /* masked */
	/* show speaks Chinese: the labels, the reason, the history's action
	 * and who did it (the token's staff member, not a name given). */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "show", id2, (char *)NULL), 0);
	assert_non_null(strstr(out, "不通过原因：营业执照照片不清晰"));
	assert_non_null(strstr(out, "单位名称："));
	assert_non_null(strstr(out, "处理历史："));
	assert_non_null(strstr(out, "审核不通过"));
	assert_non_null(strstr(out, "staff:" HUBPROC_STAFF_DISPLAY));
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "--json", "show", id2, (char *)NULL),
			 0);
	assert_non_null(strstr(out, "\"reject\""));
}

/* Long-poll in a thread. */
struct poll_arg {
	char target[96];
	long status;
	int64_t took_ms;
	char *body;
};

static void *poller(void *p)
{
	struct poll_arg *pa = p;
	struct hubproc_resp r;
	int64_t t0 = ca_mono_ms();

	pa->status = sreq(DEV, hall.secret, "GET", pa->target, NULL, &r);
	pa->took_ms = ca_mono_ms() - t0;
	pa->body = r.body;
	return NULL;
}

static void test_feed_long_poll_returns_on_change(void **state)
{
	struct poll_arg pa = { 0 };
	char id[37], out[256];
	json_t *j;
	int64_t next, t0;
	pthread_t th;

	(void)state;
	login(PHONE);
	submitted(id, CA_PICKUP_ONSITE);
	j = feed(0);
	while (json_is_true(json_object_get(j, "more"))) {
		next = json_integer_value(json_object_get(j, "next"));
		json_decref(j);
		j = feed(next);
	}
	next = json_integer_value(json_object_get(j, "next"));
	json_decref(j);
	/* Nothing new: wait=1 answers empty after about a second. */
	snprintf(pa.target, sizeof(pa.target), "/v1/feed?since=%lld&wait=1", (long long)next);
	t0 = ca_mono_ms();
	poller(&pa);
	assert_int_equal(pa.status, 200);
	assert_true(ca_mono_ms() - t0 >= 900);
	j = json_loads(pa.body, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "next")), next);
	json_decref(j);
	free(pa.body);
	/* wait=20, and a change after 300 ms: it returns long before 20 s. */
	snprintf(pa.target, sizeof(pa.target), "/v1/feed?since=%lld&wait=20", (long long)next);
	assert_int_equal(pthread_create(&th, NULL, poller, &pa), 0);
	nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", id, (char *)NULL), 0);
	pthread_join(th, NULL);
	assert_int_equal(pa.status, 200);
	assert_true(pa.took_ms < 5000);
	assert_non_null(strstr(pa.body, id));
	assert_non_null(strstr(pa.body, "approved"));
	free(pa.body);
	/* Out-of-range wait is refused. */
	j = sjson("GET", "/v1/feed?wait=26", NULL, &(long){ 0 });
	json_decref(j);
}

/* Stand in for the payments module (not in this hub yet): mark app id paid
 * in the stopped hub's store, the way a payment will. */
static void mark_paid_offline(const char *id, const char *proc)
{
	char path[HUBPROC_PATH + 16], *sql;
	int changed = 0;

	snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
	assert_true(asprintf(&sql, "UPDATE applications SET body = json_set(body,"
			     " '$.pay_status', 'paid', '$.proc_status', '%s') WHERE id = '%s'",
			     proc, id) > 0);
	assert_int_equal(sqlpeek_exec(path, sql, &changed), 0);
	assert_int_equal(changed, 1);
	free(sql);
}

static void test_restart_keeps_data_and_refuses_old_nonce(void **state)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret };
	struct hubproc_resp r;
	char mail[37], onsite[37], out[4096];
	json_t *a, *j;

	(void)state;
	login(PHONE);
	submitted(mail, CA_PICKUP_MAIL);
	submitted(onsite, CA_PICKUP_ONSITE);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", mail, (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", onsite, (char *)NULL), 0);
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 200);
	free(r.body);

	assert_int_equal(hubproc_stop(&hub), 0); /* clean exit at SIGTERM */
	mark_paid_offline(mail, "processing");
	mark_paid_offline(onsite, "onsite");
	assert_int_equal(hubproc_restart(&hub), 0);

	/* The old request again: its nonce is remembered across the restart. */
	assert_replay_refused(&r);
	/* Data kept. */
	a = feed_app(mail);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "app_status")), "approved");
	json_decref(a);
	/* Now the paid orders go on: ship, record, ready, invoice - all in the feed. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ship", mail, "--tracking",
				     "SF1234567890", (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "record", mail, "--text",
				     "证书已制作完成", (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "invoice", mail, (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ready", onsite, "--kiosk", DEV,
				     "--slot", "A3", (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ready", mail, "--kiosk", DEV,
				     (char *)NULL), 1); /* mail pickup: forbidden */
	a = feed_app(mail);
	assert_string_equal(json_string_value(json_object_get(a, "proc_status")), "shipped");
	assert_string_equal(json_string_value(json_object_get(a, "tracking_no")), "SF1234567890");
	json_decref(a);
	a = feed_app(onsite);
	assert_string_equal(json_string_value(json_object_get(a, "proc_status")),
			    "ready_for_pickup");
	json_decref(a);
	j = feed_all();
	{
		static const char *const in_feed[] = {
			"\"kind\":\"record\"", "证书已制作完成", "\"kind\":\"pickup\"",
			"\"slot\":\"A3\"", "\"kind\":\"invoice\"",
		};
		char *t = json_dumps(j, JSON_COMPACT);
		size_t i;

		for (i = 0; i < sizeof(in_feed) / sizeof(in_feed[0]); i++)
			if (!strstr(t, in_feed[i]))
				fail_msg("no %s in the feed: %s", in_feed[i], t);
		free(t);
	}
	json_decref(j);
	/* The user confirms receipt through the outbox. */
	{
		struct ca_app app;
		char key[37];
		json_t *res;

		new_app(&app, PHONE, CA_PICKUP_MAIL);
		memcpy(app.id, mail, 37);
		uuid_v4(key);
		res = push(key, "confirm_receipt", &app, NULL);
		assert_int_equal(status_of(res), 200);
		assert_string_equal(json_string_value(json_object_get(json_object_get(res, "app"),
								       "pay_status")), "done");
		json_decref(res);
	}
}

/* One integer from SQL on the hub's file (the hub stopped or running). */
static long long hub_db_int(const char *sql)
{
	char path[HUBPROC_PATH + 16];
	long long n = -1;

	snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
	assert_int_equal(sqlpeek_int(path, SQLITE_OPEN_READONLY, sql, &n), 0);
	return n;
}

/* A file of schema version 3 (before restocks, with the simulator's books)
 * is migrated to the current version at start and keeps what it held. */
static void test_schema_3_file_migrates_to_current(void **state)
{
	char path[HUBPROC_PATH + 16];
	long long apps;

	(void)state;
	assert_int_equal(hubproc_stop(&hub), 0);
	apps = hub_db_int("SELECT count(*) FROM applications");
	assert_true(apps > 0);
	assert_int_equal(hub_db_int("PRAGMA user_version"), HUBDB_SCHEMA_VERSION);
	/* Back to what a version-3 hub wrote. */
	snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
	assert_int_equal(sqlpeek_exec(path, "DROP TABLE audit; DROP TABLE login_failures; "
				      "DROP TABLE staff_sessions; DROP TABLE staff; "
				      "DROP TABLE device_health; "
				      "DROP TABLE restocks; DROP TABLE device_events; "
				      "DELETE FROM meta WHERE k = 'epoch'; "
				      "DROP INDEX proc_records_by_rev; DROP INDEX pickups_by_rev; "
				      "DROP INDEX invoices_by_rev; DROP INDEX bindings_by_account; "
				      "DROP INDEX pay_orders_by_created; "
				      "CREATE TABLE paysim_orders (out_trade_no TEXT); "
				      "CREATE TABLE paysim_notices (out_trade_no TEXT, "
				      "delivered_ms INTEGER, due_ms INTEGER); "
				      "CREATE INDEX paysim_notices_due ON "
				      "paysim_notices(delivered_ms, due_ms); "
				      "PRAGMA user_version = 3;", NULL), 0);
	assert_int_equal(hub_db_int("SELECT count(*) FROM sqlite_master WHERE name = 'restocks'"),
			 0);
	assert_int_equal(hubproc_restart(&hub), 0);
	assert_int_equal(hub_db_int("PRAGMA user_version"), HUBDB_SCHEMA_VERSION);
	assert_true(hub_db_int("SELECT v FROM meta WHERE k = 'epoch'") > 0);
	assert_int_equal(hub_db_int("SELECT count(*) FROM sqlite_master WHERE name = "
				    "'device_events'"), 1);
	assert_int_equal(hub_db_int("SELECT count(*) FROM sqlite_master WHERE name = 'restocks'"),
			 1);
	/* Version 8: the simulator's books once built into the hub are gone. */
	assert_int_equal(hub_db_int("SELECT count(*) FROM sqlite_master WHERE name LIKE "
				    "'paysim%'"), 0);
	assert_int_equal(hub_db_int("SELECT count(*) FROM sqlite_master WHERE name = "
				    "'pay_orders_by_created'"), 1);
	assert_int_equal(hub_db_int("SELECT count(*) FROM applications"), apps);
}

#define RDEV "hall-restock"

static void test_restock_records_checked_kept_once_and_listed(void **state)
{
	static const char *const bad[] = {
		NULL,                                               /* no member */
		"\"slot 2\"",                                       /* not an object */
		"{\"slot\":0,\"before\":1,\"after\":10}",
		"{\"slot\":65,\"before\":1,\"after\":10}",
		"{\"slot\":\"2\",\"before\":1,\"after\":10}",
		"{\"slot\":2,\"before\":-2,\"after\":10}",
		"{\"slot\":2,\"before\":10000,\"after\":10}",
		"{\"slot\":2,\"after\":10}",
		"{\"slot\":2,\"before\":1,\"after\":-1}",
		"{\"slot\":2,\"before\":1,\"after\":10000}",
		"{\"slot\":2,\"before\":1,\"after\":1.5}",
		"{\"kiosk\":7,\"slot\":2,\"before\":1,\"after\":10}",
		"{\"kiosk\":\"" DEV "\",\"slot\":2,\"before\":1,\"after\":10}",
	};
	char rsec[65], k1[37], k2[37], key[37], out[4096];
	json_t *r1, *r2, *j, *list, *x;
	size_t i;
	long st;

	(void)state;
	/* A kiosk nobody has logged in on: a restock is the device's own. */
	assert_int_equal(hubproc_device_add(&hub, RDEV, rsec), 0);
	uuid_v4(k1);
	r1 = push_restock(RDEV, rsec, k1, 1795000000000,
			  "{\"kiosk\":\"" RDEV "\",\"slot\":2,\"before\":1,\"after\":10}");
	assert_int_equal(status_of(r1), 200);
	assert_string_equal(json_string_value(json_object_get(r1, "key")), k1);
	assert_null(json_object_get(r1, "app"));
	assert_null(json_object_get(r1, "error"));
	/* Replay: the same result, no second row. */
	r2 = push_restock(RDEV, rsec, k1, 1795000000000,
			  "{\"kiosk\":\"" RDEV "\",\"slot\":2,\"before\":1,\"after\":10}");
	assert_same_json(r1, r2);
	json_decref(r1);
	json_decref(r2);
	assert_int_equal(hub_db_int("SELECT count(*) FROM restocks"), 1);
	/* Same key, another restock: 409, nothing kept. */
	r2 = push_restock(RDEV, rsec, k1, 1795000000000,
			  "{\"kiosk\":\"" RDEV "\",\"slot\":2,\"before\":1,\"after\":11}");
	assert_int_equal(status_of(r2), 409);
	json_decref(r2);
	/* The edges: no kiosk, before unknown (-1), an empty slot 64. */
	uuid_v4(k2);
	r2 = push_restock(RDEV, rsec, k2, 1795000060000,
			  "{\"slot\":64,\"before\":-1,\"after\":0}");
	assert_int_equal(status_of(r2), 200);
	json_decref(r2);
	/* Each malformed restock: 400 naming what is wrong; nothing kept. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *msg;

		uuid_v4(key);
		r2 = push_restock(RDEV, rsec, key, 1795000000000, bad[i]);
		msg = json_string_value(json_object_get(json_object_get(r2, "error"), "message"));
		if (status_of(r2) != 400 || !msg || !strstr(msg, "restock"))
			fail_msg("restock %s: status %d, %s", bad[i] ? bad[i] : "(none)",
				 status_of(r2), msg ? msg : "no message");
		json_decref(r2);
	}
	assert_int_equal(hub_db_int("SELECT count(*) FROM restocks"), 2);
	/* Every other op still needs its application. */
	j = sjson("POST", "/v1/records", "{\"records\":[{\"key\":\"no-app-1\",\"op\":"
		  "\"save\",\"at_ms\":1795000000000}]}", &st);
	assert_int_equal(st, 200);
	x = json_array_get(json_object_get(j, "results"), 0);
	assert_int_equal(status_of(x), 400);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(x, "error"),
								  "message")), "app"));
	json_decref(j);

	/* Staff's list: newest first (kiosk time), only this kiosk's. */
	j = admin_get("/v1/admin/restocks?kiosk=" RDEV, &st);
	assert_int_equal(st, 200);
	list = json_object_get(j, "restocks");
	assert_int_equal(json_array_size(list), 2);
	x = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(x, "key")), k2);
	assert_int_equal(json_integer_value(json_object_get(x, "slot")), 64);
	assert_int_equal(json_integer_value(json_object_get(x, "before")), -1);
	assert_int_equal(json_integer_value(json_object_get(x, "after")), 0);
	x = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(x, "key")), k1);
	assert_string_equal(json_string_value(json_object_get(x, "kiosk")), RDEV);
	assert_int_equal(json_integer_value(json_object_get(x, "slot")), 2);
	assert_int_equal(json_integer_value(json_object_get(x, "before")), 1);
	assert_int_equal(json_integer_value(json_object_get(x, "after")), 10);
	assert_int_equal(json_integer_value(json_object_get(x, "at_ms")), 1795000000000);
	assert_true(json_integer_value(json_object_get(x, "received_ms")) > 0);
	json_decref(j);
	j = admin_get("/v1/admin/restocks?kiosk=" DEV, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "restocks")), 0);
	json_decref(j);
	j = admin_get("/v1/admin/restocks?kiosk=bad!id", &st);
	assert_int_equal(st, 400);
	json_decref(j);
	/* Not an application change: nothing in the kiosk's feed. */
	{
		struct hubproc_resp r;

		assert_int_equal(sreq(RDEV, rsec, "GET", "/v1/feed", NULL, &r), 200);
		j = json_loads(r.body, 0, NULL);
		free(r.body);
		assert_int_equal(json_array_size(json_object_get(j, "changes")), 0);
		json_decref(j);
	}
	/* And through the CLI, one line each. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "restocks", (char *)NULL), 0);
	assert_non_null(strstr(out, RDEV));
	assert_non_null(strstr(out, "1 → 10"));
	assert_non_null(strstr(out, "? → 0"));
}

/* Whether the orders of a pickup-code answer hold application id; the
 * order's object (borrowed) or NULL. */
static json_t *code_order(json_t *answer, const char *id)
{
	return hubcall_find_id(answer, "orders", id);
}

/* GET /v1/admin/pickup-code/<the code of id>; new reference. */
static json_t *code_lookup(const char *id, char code[7])
{
	char target[64];
	json_t *j;
	long st;

	ca_pickup_code(id, code);
	snprintf(target, sizeof(target), "/v1/admin/pickup-code/%s", code);
	j = admin_get(target, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(j, "code")), code);
	return j;
}

#define CODE_PHONE "13812340002"

static void test_pickup_code_finds_open_onsite_orders(void **state)
{
	static const char *const bad[] = { "12345", "1234567", "12345a", "abcdef", "-12345" };
	char ready[37], onsite[37], mail[37], done[37], code[7], out[4096];
	char target[64];
	struct ca_app app;
	json_t *j, *x;
	size_t i;
	long st;

	(void)state;
	/* Its own phone: PHONE has used up its login codes for the hour. */
	login(CODE_PHONE);
	submitted_of(CODE_PHONE, ready, CA_PICKUP_ONSITE);
	submitted_of(CODE_PHONE, onsite, CA_PICKUP_ONSITE);
	submitted_of(CODE_PHONE, mail, CA_PICKUP_MAIL);
	submitted_of(CODE_PHONE, done, CA_PICKUP_ONSITE);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", ready, (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", onsite, (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", mail, (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", done, (char *)NULL), 0);
	assert_int_equal(hubproc_stop(&hub), 0);
	mark_paid_offline(ready, "onsite");
	mark_paid_offline(onsite, "onsite");
	mark_paid_offline(mail, "processing");
	mark_paid_offline(done, "onsite");
	assert_int_equal(hubproc_restart(&hub), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ready", ready, "--kiosk", DEV,
				     "--slot", "2", (char *)NULL), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ready", done, "--kiosk", DEV,
				     (char *)NULL), 0);
	/* done: collected at the kiosk. */
	new_app(&app, CODE_PHONE, CA_PICKUP_ONSITE);
	memcpy(app.id, done, 37);
	assert_int_equal(push_fresh("collect", &app), 200);

	/* Ready for pickup at a kiosk: found, with where it waits. */
	j = code_lookup(ready, code);
	x = code_order(j, ready);
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "company")),
			    "江苏国泰新点软件有限公司");
	assert_string_equal(json_string_value(json_object_get(x, "handler")), "李娜");
	assert_string_equal(json_string_value(json_object_get(x, "proc_status")),
			    "ready_for_pickup");
	assert_string_equal(json_string_value(json_object_get(x, "kiosk")), DEV);
	assert_string_equal(json_string_value(json_object_get(x, "slot")), "2");
	assert_null(strstr(json_string_value(json_object_get(x, "account")), CODE_PHONE));
	assert_non_null(strstr(json_string_value(json_object_get(x, "account")), "****"));
	json_decref(j);
	/* Paid on site, not ready yet: found, nowhere to collect it yet. */
	j = code_lookup(onsite, code);
	x = code_order(j, onsite);
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "proc_status")), "onsite");
	assert_true(json_is_null(json_object_get(x, "kiosk")));
	json_decref(j);
	/* A mail order and a collected one: never listed (their codes match
	 * no other open order here). */
	j = code_lookup(mail, code);
	assert_null(code_order(j, mail));
	assert_int_equal(json_array_size(json_object_get(j, "orders")), 0);
	json_decref(j);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "pickup-code", code, (char *)NULL), 0);
	assert_non_null(strstr(out, "no order with this code"));
	j = code_lookup(done, code);
	assert_null(code_order(j, done));
	json_decref(j);
	/* Not 6 digits: 400 (and the CLI refuses it itself). */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(target, sizeof(target), "/v1/admin/pickup-code/%s", bad[i]);
		j = admin_get(target, &st);
		if (st != 400)
			fail_msg("pickup code %s: status %ld", bad[i], st);
		json_decref(j);
	}
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "pickup-code", "12345",
				     (char *)NULL), 2);
	/* The CLI's table: the order, and the reminder to check the person. */
	ca_pickup_code(ready, code);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "pickup-code", code, (char *)NULL), 0);
	assert_non_null(strstr(out, ready));
	assert_non_null(strstr(out, "江苏国泰新点软件有限公司"));
	assert_non_null(strstr(out, "ID card"));
}

/* Moves the virtual clock: keep these last. */
static void test_virtual_clock_stale_and_code_expiry(void **state)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret };
	struct hubproc_resp r;
	char out[256], body[80];
	json_t *j;
	long st;

	(void)state;
	sms_code("13900000003", out);
	assert_int_equal(hubproc_ctl(&hub, NULL, 0, "clock", "advance", "400", (char *)NULL), 0);
	/* A kiosk on real time is now 400 s off the hub: stale. */
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "stale"));
	free(r.body);
	clock_offset = 400;
	/* On the hub's time it is fine, and the code has expired (300 s life). */
	snprintf(body, sizeof(body), "{\"phone\":\"13900000003\",\"code\":\"%.6s\"}", out);
	j = sjson("POST", "/v1/login", body, &st);
	assert_int_equal(st, 401);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "error"),
								  "message")), "expired"));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_and_signed_request_accepted),
		cmocka_unit_test(test_client_refuses_wrong_ca_and_host),
		cmocka_unit_test(test_form_template_page),
		cmocka_unit_test(test_bad_requests_are_401),
		cmocka_unit_test(test_login_flow_and_limits),
		cmocka_unit_test(test_records_idempotent_and_checked),
		cmocka_unit_test(test_records_batch_keeps_per_record_results),
		cmocka_unit_test(test_staff_actions_show_in_feed),
		cmocka_unit_test(test_feed_long_poll_returns_on_change),
		cmocka_unit_test(test_restart_keeps_data_and_refuses_old_nonce),
		cmocka_unit_test(test_schema_3_file_migrates_to_current),
		cmocka_unit_test(test_restock_records_checked_kept_once_and_listed),
		cmocka_unit_test(test_pickup_code_finds_open_onsite_orders),
		cmocka_unit_test(test_virtual_clock_stale_and_code_expiry),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("hub", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
