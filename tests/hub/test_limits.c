/*
 * test_limits.c - the hub's limits against a real ca-hub over TLS
 * (tests/support/hubproc), with its real store and log:
 *   - 40 parallel code sends for one phone (threads, each its own curl
 *     handle, each from its own kiosk; twenty rounds): exactly [sms] max_sends_per_hour succeed,
 *     every other one is 429 rate_limited with Retry-After, and the store
 *     holds exactly that many sends;
 *   - an unknown device, a disabled one and a bad signature get the same
 *     answer byte for byte, and the hub's log names each real reason;
 *   - each kiosk's hourly budget of code sends and of login tries ([limits]):
 *     the budget succeeds, one more is 429 device_limited with Retry-After
 *     until the oldest counted event leaves the hour, nothing is stored for
 *     the refused request, other kiosks are not affected, and an hour later
 *     (virtual clock) the kiosk may go on;
 *   - a production-mode hub (its codes sent through an SMS gateway,
 *     tools/smssim) refuses every simulator endpoint (clock, codes read
 *     back) with 404 saying so, while its normal endpoints work: a real
 *     order made there (login, records, approval, payment order) goes
 *     through WeChat Pay API v3 (ca-paysim), and the hub has no payment
 *     door of its own.
 *
 * One dev hub (virtual clock, small budgets) serves the group; the test
 * that moves its clock comes last. The production hub is its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/uuid.h"
#include "../fixture.h"
#include "../support/hubproc.h"
#include "../support/smsproc.h"

#define PHONE_MAX 5      /* [sms] max_sends_per_hour of the test hub */
#define DEV_SMS_MAX 6    /* [limits] device_sms_per_hour */
#define DEV_LOGIN_MAX 4  /* [limits] device_logins_per_hour */
#define PARALLEL 40      /* sends at once for one phone */
#define PARALLEL_ROUNDS 20 /* bursts, each for its own phone, each send from its own
			    * kiosk; four sets of kiosks take turns, so a kiosk
			    * sends at most 5 times, under DEV_SMS_MAX */
#define PARALLEL_SETS 4

static struct hubproc hub;
static struct hubproc prod;  /* the production-mode hub (its test only) */
static struct smsproc gw;    /* its SMS gateway */
static int64_t clock_offset; /* how far the hub's virtual clock was moved */

static int group_setup(void **state)
{
	struct hubproc_opts o = {
		.virtual_clock = true,
		/* Many workers, so that parallel sends really run at once. */
		.hub_ini = "per_address_connections = 100\nthreads = 40\n",
		.extra_ini = "[sms]\nmax_sends_per_hour = 5\n"
			     "[limits]\ndevice_sms_per_hour = 6\ndevice_logins_per_hour = 4\n",
	};

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread makes a handle */
	return hubproc_start(&hub, &o);
}

static int group_teardown(void **state)
{
	int st = hubproc_stop(&hub);

	(void)state;
	hubproc_cleanup(&hub);
	if (prod.dir[0]) /* its test failed half-way: never leave a hub running */
		hubproc_cleanup(&prod);
	if (smsproc_cleanup(&gw))
		st = -1;
	curl_global_cleanup();
	return st == 0 ? 0 : -1;
}

/* A signed request as dev with key sec on hp; the status. */
static long sreq_on(struct hubproc *hp, const char *dev, const char *sec, const char *method,
		    const char *target, const char *body, struct hubproc_resp *r)
{
	struct hubproc_req q = { .device = dev, .secret = sec, .ts_offset = clock_offset };

	hubproc_request(hp, &q, method, target, body, r);
	return r->status;
}

/* An admin request on hp (bearer NULL: none); the status. */
static long areq_on(struct hubproc *hp, const char *bearer, const char *method,
		    const char *target, const char *body, struct hubproc_resp *r)
{
	struct hubproc_req q = { .bearer = bearer };

	hubproc_request(hp, &q, method, target, body, r);
	return r->status;
}

/* The error code of an error body into out ("" when none); out. Thread-safe. */
static const char *err_code_of(const char *body, char out[64])
{
	json_t *j = json_loads(body, 0, NULL);
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));

	snprintf(out, 64, "%s", c ? c : "");
	json_decref(j);
	return out;
}

/* The same in a static buffer (the test thread only). */
static const char *err_code(const char *body)
{
	static char code[64];

	return err_code_of(body, code);
}

/* POST target with body as dev; status, Retry-After and error code. */
static long post_as(const char *dev, const char *sec, const char *target, const char *body,
		    long *retry, char code[64])
{
	struct hubproc_resp r;
	long st;

	st = sreq_on(&hub, dev, sec, "POST", target, body, &r);
	if (retry)
		*retry = r.retry_after;
	if (code)
		err_code_of(r.body, code);
	free(r.body);
	return st;
}

/* POST /v1/login/sms for phone as dev; status, Retry-After and code. */
static long send_code(const char *dev, const char *sec, const char *phone, long *retry,
		      char code[64])
{
	char body[64];

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	return post_as(dev, sec, "/v1/login/sms", body, retry, code);
}

/* POST /v1/login for phone with code as dev; status, Retry-After, code. */
static long try_login(const char *dev, const char *sec, const char *phone, const char *sms,
		      long *retry, char code[64])
{
	char body[96];

	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%s\"}", phone, sms);
	return post_as(dev, sec, "/v1/login", body, retry, code);
}

/* The code the dev SMS provider recorded for phone (ca-hubctl sms last);
 * -1 when there is none. */
static int last_code(const char *phone, char out[7])
{
	char buf[256];

	if (hubproc_ctl(&hub, buf, sizeof(buf), "sms", "last", phone, (char *)NULL) != 0)
		return -1;
	snprintf(out, 7, "%.6s", buf);
	return 0;
}

/* The first column of the first row a query on hp's store answers, as
 * text into out (size n; "" when no row). Read-only, while the hub runs:
 * WAL lets a reader in. */
static void store_text(struct hubproc *hp, const char *sql, char *out, size_t n)
{
	char path[HUBPROC_PATH + 16];
	sqlite3 *db;
	sqlite3_stmt *s;

	snprintf(path, sizeof(path), "%s/hub.db", hp->data_dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	out[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* One integer a query on the test hub's store answers. */
static long long store_count(const char *sql)
{
	char out[32];

	store_text(&hub, sql, out, sizeof(out));
	return out[0] ? atoll(out) : -1;
}

/* ---- 40 parallel sends for one phone ---- */

struct sender {
	pthread_barrier_t *go; /* all start together */
	const char *dev;       /* the kiosk it signs as */
	const char *secret;    /* its key */
	const char *phone;     /* the one phone of the round */
	long status;           /* the answer */
	long retry;            /* its Retry-After */
	char code[64];         /* its error code */
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	pthread_barrier_wait(s->go);
	s->status = send_code(s->dev, s->secret, s->phone, &s->retry, s->code);
	return NULL;
}

/* One round: PARALLEL sends for phone at once, one from each kiosk. */
static void parallel_round(char (*ids)[16], char (*secrets)[65], const char *phone)
{
	struct sender s[PARALLEL];
	pthread_t th[PARALLEL];
	pthread_barrier_t go;
	char sql[160];
	int i, ok = 0, limited = 0;

	assert_int_equal(pthread_barrier_init(&go, NULL, PARALLEL), 0);
	for (i = 0; i < PARALLEL; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].go = &go;
		s[i].dev = ids[i];
		s[i].secret = secrets[i];
		s[i].phone = phone;
		assert_int_equal(pthread_create(&th[i], NULL, sender_main, &s[i]), 0);
	}
	for (i = 0; i < PARALLEL; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < PARALLEL; i++) {
		if (s[i].status == 200) {
			ok++;
			continue;
		}
		assert_int_equal(s[i].status, 429);
		assert_string_equal(s[i].code, "rate_limited");
		assert_true(s[i].retry >= 1 && s[i].retry <= 3600);
		limited++;
	}
	assert_int_equal(ok, PHONE_MAX);
	assert_int_equal(limited, PARALLEL - PHONE_MAX);
	/* The store agrees: as many sends as codes went out. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sms_sends WHERE phone = '%s'", phone);
	assert_int_equal(store_count(sql), PHONE_MAX);
}

/* A race lives in a short window: the rounds give it several chances. */
static void test_parallel_sends_for_one_phone_take_exactly_the_limit(void **state)
{
	static char ids[PARALLEL_SETS * PARALLEL][16], secrets[PARALLEL_SETS * PARALLEL][65];
	char phone[16];
	int i, set;

	(void)state;
	for (i = 0; i < PARALLEL_SETS * PARALLEL; i++) {
		snprintf(ids[i], sizeof(ids[i]), "par-%03d", i);
		assert_int_equal(hubproc_device_add(&hub, ids[i], secrets[i]), 0);
	}
	for (i = 0; i < PARALLEL_ROUNDS; i++) {
		set = (i % PARALLEL_SETS) * PARALLEL;
		snprintf(phone, sizeof(phone), "137000000%02d", i);
		parallel_round(ids + set, secrets + set, phone);
	}
	/* Only the sends that went out were counted against the kiosks. */
	assert_int_equal(store_count("SELECT count(*) FROM device_events WHERE kind = 'sms'"
				     " AND device LIKE 'par-%'"), PHONE_MAX * PARALLEL_ROUNDS);
}

/* ---- unknown, disabled, bad signature: one answer ---- */

/* Whether the hub's log has a line holding both a and b. */
static bool log_has(const char *a, const char *b)
{
	FILE *f = fopen(hub.log, "r");
	char line[2048];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, a) && strstr(line, b);
	fclose(f);
	return found;
}

/* Whether the hub's log holds s anywhere. */
static bool log_holds(const char *s)
{
	return log_has(s, s);
}

static void test_unknown_disabled_and_bad_signature_answer_alike(void **state)
{
	static const char wrong[] =
		"1111111111111111111111111111111111111111111111111111111111111111";
	char off[65], sig[65], out[128];
	struct hubproc_resp unknown, disabled, badsig, r1, r2;
	struct hubproc_req q = { 0 };

	(void)state;
	assert_int_equal(hubproc_device_add(&hub, "kiosk-off", off), 0);
	assert_int_equal(hubproc_device_add(&hub, "kiosk-sig", sig), 0);
	assert_int_equal(sreq_on(&hub, "kiosk-off", off, "GET", "/v1/feed", NULL, &r1), 200);
	free(r1.body);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "device", "disable", "kiosk-off",
				     (char *)NULL), 0);

	assert_int_equal(sreq_on(&hub, "ghost-1", wrong, "GET", "/v1/feed", NULL, &unknown), 401);
	assert_int_equal(sreq_on(&hub, "kiosk-off", off, "GET", "/v1/feed", NULL, &disabled), 401);
	assert_int_equal(sreq_on(&hub, "kiosk-sig", wrong, "GET", "/v1/feed", NULL, &badsig), 401);
	assert_true(unknown.body_len > 0);
	assert_int_equal(unknown.body_len, disabled.body_len);
	assert_int_equal(unknown.body_len, badsig.body_len);
	assert_memory_equal(unknown.body, disabled.body, unknown.body_len);
	assert_memory_equal(unknown.body, badsig.body, unknown.body_len);
	assert_string_equal(err_code(unknown.body), "unauthorized");
	free(unknown.body);
	free(disabled.body);
	free(badsig.body);

	/* The log says which, with the device id as sent, and no secret. */
	assert_true(log_has("'ghost-1'", "unknown device"));
	assert_true(log_has("'kiosk-off'", "device disabled"));
	assert_true(log_has("'kiosk-sig'", "bad signature"));
	assert_false(log_holds(off));
	assert_false(log_holds(sig));
	assert_false(log_holds(wrong));

	/* What is checked before the device is looked up (here a stale
	 * timestamp) reads the same for a device that exists and one that
	 * does not. */
	q.device = "ghost-2";
	q.secret = wrong;
	q.ts = 1000000000;
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r1);
	q.device = "kiosk-sig";
	q.secret = sig;
	hubproc_request(&hub, &q, "GET", "/v1/feed", NULL, &r2);
	assert_int_equal(r1.status, 401);
	assert_int_equal(r2.status, 401);
	assert_string_equal(r1.body, r2.body);
	assert_non_null(strstr(r1.body, "stale"));
	free(r1.body);
	free(r2.body);
}

/* ---- each kiosk's hourly budgets ---- */

static char sms_secret[65], sms_other[65], login_secret[65], login_other[65];

static void test_device_sms_budget_is_exact(void **state)
{
	char phone[16], code[64], c[7];
	long retry;
	int i;

	(void)state;
	assert_int_equal(hubproc_device_add(&hub, "kiosk-s", sms_secret), 0);
	assert_int_equal(hubproc_device_add(&hub, "kiosk-t", sms_other), 0);
	for (i = 1; i <= DEV_SMS_MAX; i++) {
		snprintf(phone, sizeof(phone), "136000000%02d", i);
		assert_int_equal(send_code("kiosk-s", sms_secret, phone, NULL, NULL), 200);
	}
	/* One more, to a phone that had none: the kiosk's budget says no. */
	assert_int_equal(send_code("kiosk-s", sms_secret, "13600000099", &retry, code), 429);
	assert_string_equal(code, "device_limited");
	assert_true(retry >= 3590 && retry <= 3600);
	/* Nothing was stored for it: no code, no send, no event. */
	assert_int_equal(last_code("13600000099", c), -1);
	assert_int_equal(store_count("SELECT count(*) FROM sms_sends WHERE phone = '13600000099'"),
			 0);
	assert_int_equal(store_count("SELECT count(*) FROM device_events WHERE device = 'kiosk-s'"
				     " AND kind = 'sms'"), DEV_SMS_MAX);
	/* Another kiosk has its own budget. */
	assert_int_equal(send_code("kiosk-t", sms_other, "13600000099", NULL, NULL), 200);
	/* Login tries are a budget of their own. */
	assert_int_equal(try_login("kiosk-s", sms_secret, "13600000097", "000000", NULL, code),
			 401);
}

static void test_device_login_budget_is_exact(void **state)
{
	char code[64], c1[7], c2[7], wrong[16];
	long retry;
	int i;

	(void)state;
	assert_int_equal(hubproc_device_add(&hub, "kiosk-l", login_secret), 0);
	assert_int_equal(hubproc_device_add(&hub, "kiosk-m", login_other), 0);
	assert_int_equal(send_code("kiosk-l", login_secret, "13500000001", NULL, NULL), 200);
	assert_int_equal(last_code("13500000001", c1), 0);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(c1) + 1) % 1000000);
	/* DEV_LOGIN_MAX tries: wrong ones (401), then the right code (200). */
	for (i = 0; i < DEV_LOGIN_MAX - 1; i++)
		assert_int_equal(try_login("kiosk-l", login_secret, "13500000001", wrong, NULL,
					   code), 401);
	assert_int_equal(try_login("kiosk-l", login_secret, "13500000001", c1, NULL, NULL), 200);
	/* One more: refused even with a right code, which stays good. */
	assert_int_equal(send_code("kiosk-m", login_other, "13500000002", NULL, NULL), 200);
	assert_int_equal(last_code("13500000002", c2), 0);
	assert_int_equal(try_login("kiosk-l", login_secret, "13500000002", c2, &retry, code), 429);
	assert_string_equal(code, "device_limited");
	assert_true(retry >= 3590 && retry <= 3600);
	assert_int_equal(store_count("SELECT count(*) FROM device_events WHERE device = 'kiosk-l'"
				     " AND kind = 'login'"), DEV_LOGIN_MAX);
	assert_int_equal(store_count("SELECT tries + used FROM sms_codes"
				     " WHERE phone = '13500000002'"), 0);
	/* Another kiosk has its own budget: the code still works there. */
	assert_int_equal(try_login("kiosk-m", login_other, "13500000002", c2, NULL, NULL), 200);
	/* Sends are a budget of their own. */
	assert_int_equal(send_code("kiosk-l", login_secret, "13500000003", NULL, NULL), 200);
}

/* Last: moves the virtual clock. An hour later both spent budgets are
 * whole again, and the old rows are gone from the store. */
static void test_budgets_come_back_after_an_hour(void **state)
{
	struct hubproc_resp r;
	char code[64], c[7];

	(void)state;
	assert_int_equal(areq_on(&hub, hub.token, "POST", "/v1/admin/clock",
				 "{\"advance_s\":3600}", &r), 200);
	free(r.body);
	clock_offset += 3600;
	assert_int_equal(send_code("kiosk-s", sms_secret, "13600000098", NULL, code), 200);
	assert_int_equal(store_count("SELECT count(*) FROM device_events WHERE device = 'kiosk-s'"
				     " AND kind = 'sms'"), 1);
	assert_int_equal(last_code("13600000098", c), 0);
	assert_int_equal(try_login("kiosk-l", login_secret, "13600000098", c, NULL, code), 200);
	assert_int_equal(store_count("SELECT count(*) FROM device_events WHERE device = 'kiosk-l'"
				     " AND kind = 'login'"), 1);
}

/* ---- production mode ---- */

/* On production hub hp, as device dev: log phone in (the code read from
 * the gateway's messages: a production hub never shows it), push a new application,
 * have staff approve it, and open a WeChat order; its number into no. */
static void prod_order(struct hubproc *hp, const char *dev, const char *sec, const char *phone,
		       char no[64])
{
	char body[160], code[16], token[65], key[CA_UUID_LEN + 1], out[512];
	const char *ops[] = { "save", "submit" };
	struct hubproc_req q = { .device = dev, .secret = sec };
	struct hubproc_resp r;
	struct ca_app a;
	json_t *j;
	char *text;
	size_t i;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	assert_int_equal(sreq_on(hp, dev, sec, "POST", "/v1/login/sms", body, &r), 200);
	assert_null(strstr(r.body, "demo_code"));
	free(r.body);
	assert_int_equal(smsproc_messages(&gw, phone, code), 1);
	assert_int_equal(strlen(code), 6);
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%s\"}", phone, code);
	assert_int_equal(sreq_on(hp, dev, sec, "POST", "/v1/login", body, &r), 200);
	j = json_loads(r.body, 0, NULL);
	snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(j, "token")));
	json_decref(j);
	free(r.body);

	fixture_app(&a);
	assert_int_equal(uuid_v4(a.id), CA_OK);
	snprintf(a.account, sizeof(a.account), "%s", phone);
	for (i = 0; i < 2; i++) {
		assert_int_equal(uuid_v4(key), CA_OK);
		j = json_pack("{s:[{s:s, s:s, s:I, s:o, s:n}]}", "records", "key", key, "op",
			      ops[i], "at_ms", (json_int_t)1795000000000, "app",
			      codec_app_encode(&a), "arg");
		text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		assert_int_equal(sreq_on(hp, dev, sec, "POST", "/v1/records", text, &r), 200);
		assert_non_null(strstr(r.body, "\"status\":200"));
		free(r.body);
		free(text);
	}
	assert_int_equal(hubproc_ctl(hp, out, sizeof(out), "approve", a.id, (char *)NULL), 0);
	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"wechat\"}", a.id);
	q.session = token;
	hubproc_request(hp, &q, "POST", "/v1/pay/orders", body, &r);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	snprintf(no, 64, "%s", json_string_value(json_object_get(j, "out_trade_no")));
	json_decref(j);
	free(r.body);
	assert_true(strlen(no) >= 6);
}

/* A simulator endpoint on a production hub: 404 saying why. */
static void assert_sim_refused(struct hubproc *hp, const char *method, const char *target,
			       const char *body)
{
	struct hubproc_resp r;

	assert_int_equal(areq_on(hp, hp->token, method, target, body, &r), 404);
	assert_string_equal(err_code(r.body), "not_found");
	assert_non_null(strstr(r.body, "production mode"));
	free(r.body);
	/* Staff authentication is still asked first. */
	assert_int_equal(areq_on(hp, NULL, method, target, body, &r), 401);
	free(r.body);
}

static void test_production_refuses_every_simulator_endpoint(void **state)
{
	struct hubproc_opts o = { .mode = "production" };
	struct hubproc_resp r;
	char secret[65], no[64], target[128];
	json_t *j;

	(void)state;
	assert_int_equal(smsproc_start(&gw, NULL), 0);
	o.sms_ini = gw.ini;
	assert_int_equal(hubproc_start(&prod, &o), 0);
	assert_sim_refused(&prod, "POST", "/v1/admin/clock", "{\"advance_s\":60}");
	assert_sim_refused(&prod, "GET", "/v1/admin/sms/13800000001", NULL);

	/* The normal endpoints work. */
	assert_int_equal(areq_on(&prod, NULL, "GET", "/health", NULL, &r), 200);
	free(r.body);
	assert_int_equal(hubproc_device_add(&prod, "prod-1", secret), 0);
	assert_int_equal(areq_on(&prod, prod.token, "GET", "/v1/admin/devices", NULL, &r), 200);
	assert_non_null(strstr(r.body, "prod-1"));
	free(r.body);
	assert_int_equal(sreq_on(&prod, "prod-1", secret, "GET", "/v1/feed", NULL, &r), 200);
	free(r.body);
	assert_int_equal(sreq_on(&prod, "prod-1", secret, "POST", "/v1/login/sms",
				 "{\"phone\":\"13800000001\"}", &r), 200);
	assert_null(strstr(r.body, "demo_code"));
	free(r.body);
	assert_int_equal(smsproc_messages(&gw, "13800000001", NULL), 1);
	/* A real order: login, records, approval and payment orders work,
	 * through WeChat Pay API v3 (the hub has no payment door of its own:
	 * no POST on an order), and staff's view asks the provider. */
	prod_order(&prod, "prod-1", secret, "13800000002", no);
	snprintf(target, sizeof(target), "/v1/admin/pay/%s", no);
	assert_int_equal(areq_on(&prod, prod.token, "POST", target, NULL, &r), 405);
	free(r.body);
	assert_int_equal(areq_on(&prod, prod.token, "GET", target, NULL, &r), 200);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "provider"),
							       "name")), "wechatpay_v3");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "provider"),
							       "trade_state")), "NOTPAY");
	json_decref(j);
	free(r.body);
	assert_int_equal(hubproc_stop(&prod), 0);
	hubproc_cleanup(&prod);
	memset(&prod, 0, sizeof(prod));

	/* The same endpoints do work on the dev hub. */
	assert_int_equal(areq_on(&hub, hub.token, "GET", "/v1/admin/sms/13600000001", NULL, &r),
			 200);
	free(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_sends_for_one_phone_take_exactly_the_limit),
		cmocka_unit_test(test_unknown_disabled_and_bad_signature_answer_alike),
		cmocka_unit_test(test_device_sms_budget_is_exact),
		cmocka_unit_test(test_device_login_budget_is_exact),
		cmocka_unit_test(test_production_refuses_every_simulator_endpoint),
		cmocka_unit_test(test_budgets_come_back_after_an_hour),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
