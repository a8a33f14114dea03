/*
 * test_wxpay.c - the hub's WeChat Pay API v3 provider (src/hub/wxpay.c)
 * against the provider simulator ca-paysim (docs/paysim.md), both real
 * processes with TLS on loopback, on one virtual clock:
 *
 *   - an order is created at the provider (a weixin:// code_url), the
 *     customer's phone pays it there, and the provider's encrypted,
 *     signed notification makes the application paid at the hub, with no
 *     poll from the kiosk;
 *   - notifications that are not the provider's are refused with an
 *     error status and {"code":"FAIL"}, so that a real provider would
 *     send them again: none at all, another key's signature, a probe
 *     (WECHATPAY/SIGNTEST/), a time 6 minutes off, another serial; a
 *     signed one whose resource was changed or is another merchant's is
 *     refused as unreadable; a genuine-looking SUCCESS for an order the
 *     provider says is unpaid changes nothing (a notification is a hint:
 *     the hub asks the provider);
 *   - finance's refund reaches the provider (the order becomes REFUND
 *     there);
 *   - a hub that does not trust the provider's key (another public key)
 *     believes none of its answers: no order is made (503).
 *
 * The test plays WeChat Pay where it must forge: it holds the simulator's
 * key files (hubproc made them), signs with wxsign and seals with the
 * APIv3 key as the provider does.
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
#include <time.h>

#include "core/clock.h"
#include "core/pay.h"
#include "hub/wxsign.h"
#include "../fixture.h"
#include "../support/hubcall.h"

static struct hubproc hub;
static int64_t clock_offset; /* how far the hub's (and the provider's) clock moved */

#define DEV "hall-01"
static struct hubcall_dev hall = { .id = DEV };
#define WAIT_MS 8000 /* longest wait for a notification */

static struct hubcall_dev *const devs[] = { &hall };
static const struct hubcall_group group = {
	.hub = &hub, .opts = { .virtual_clock = true, .wechatpay = true }, .devs = devs,
	.ndevs = 1, .check_exit = true,
};

static const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

/* A request as DEV (with session when not NULL); the answer parsed. */
static json_t *kiosk(const char *session, const char *method, const char *target,
		     const char *body, long *status)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .session = session,
				 .ts_offset = clock_offset };

	return hubcall_json(&hub, &q, method, target, body, status);
}

/* Move the hub's clock, and through its clock file the provider's. */
static void advance(int64_t s)
{
	assert_int_equal(hubcall_advance(&hub, s, &clock_offset), 0);
}

/* Sleep until just after the start of a second of the real clock (orders
 * expire at whole seconds: a payment "at 299 s" keeps most of a second). */
static void align_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ca_sleep_ms(1000 - ts.tv_nsec / 1000000 + 5);
}

/* POST /sim/fault with body: the provider fails or holds what it says. */
static void sim_fault(const char *body)
{
	struct hubproc_req q = { .paysim = true };
	long st;

	json_decref(hubcall_json(&hub, &q, "POST", "/sim/fault", body, &st));
	assert_int_equal(st, 200);
}

/* A staff request (the tester's token, every role). */
static json_t *staff(const char *method, const char *target, const char *body, long *status)
{
	struct hubproc_req q = { .bearer = hub.token };

	return hubcall_json(&hub, &q, method, target, body, status);
}

/* The whole of file DIR/name (the keys hubproc made), malloc'd. */
static char *hub_file(const char *name)
{
	char path[HUBPROC_PATH + 32];
	FILE *f;
	char *buf = calloc(1, 65536);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", hub.dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

/* Log phone in with an approved on-site application a; the session into token. */
static void customer(const char *phone, char token[65], struct ca_app *a)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts_offset = clock_offset };
	char out[512];

	assert_int_equal(hubcall_login(&hub, &q, phone, token), 0);
	assert_int_equal(fixture_app_of(a, phone, CA_PICKUP_ONSITE), CA_OK);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "save"), 200);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "submit"), 200);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", a->id, (char *)NULL), 0);
}

/* One more approved application of phone (logged in already). */
static void make_more(struct ca_app *a, const char *phone)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts_offset = clock_offset };
	char out[512];

	assert_int_equal(fixture_app_of(a, phone, CA_PICKUP_MAIL), CA_OK);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "save"), 200);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "submit"), 200);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", a->id, (char *)NULL), 0);
}

/* A new WeChat order of app_id: its number and code_url. */
static void new_order(const char *token, const char *app_id, char no[PAY_TRADE_NO_MAX + 1],
		      char code_url[128])
{
	char body[120];
	long st;
	json_t *j;

	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"wechat\"}", app_id);
	j = kiosk(token, "POST", "/v1/pay/orders", body, &st);
	assert_int_equal(st, 200);
	snprintf(no, PAY_TRADE_NO_MAX + 1, "%s", jstr(j, "out_trade_no"));
	snprintf(code_url, 128, "%s", jstr(j, "code_url"));
	json_decref(j);
	assert_true(pay_trade_no_valid(no));
	assert_memory_equal(code_url, "weixin://wxpay/bizpayurl?pr=", 28);
}

/* The application's pay_status at the hub (staff view: no provider call). */
static char *pay_status(const char *app_id, char out[32])
{
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", app_id);
	j = staff("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	snprintf(out, 32, "%s", jstr(json_object_get(j, "app"), "pay_status"));
	json_decref(j);
	return out;
}

/* The simulator's books of order no (GET /sim/orders/NO). */
static json_t *sim_order(const char *no)
{
	struct hubproc_req q = { .paysim = true };
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/sim/orders/%s", no);
	j = hubcall_json(&hub, &q, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* The trade_state the simulator's books give order no. */
static const char *sim_state(const char *no, char out[16])
{
	json_t *j = sim_order(no);
	json_t *o = json_object_get(j, "order");

	snprintf(out, 16, "%s", jstr(o ? o : j, "trade_state"));
	json_decref(j);
	return out;
}

/* ---- a notification as WeChat Pay sends it, forged where the test says ---- */

struct forged {
	const char *sign_key;   /* file whose key signs: "wxp.key" is the provider's */
	const char *serial;     /* Wechatpay-Serial */
	const char *sig;        /* a signature to send as it is (NULL: sign) */
	int64_t ts_off;         /* seconds added to the hub's now */
	bool tamper;            /* change a byte of the ciphertext after sealing */
	const char *mchid;      /* in the resource */
	bool no_headers;        /* send none of the Wechatpay-* headers */
};

/* POST a TRANSACTION.SUCCESS notification for order no (amount fen) to
 * the hub's notify URL, made as f says; the status, the answer into *ans. */
static long notify(const char *no, int64_t fen, const struct forged *f, json_t **ans)
{
	char t[PAY_RFC3339_LEN + 1], sig[WXSIGN_SIG_MAX], ts[24], url[160], *cmd, *apiv3;
	char hdrs[WXSIGN_SIG_MAX + 300];
	char *key, *plain, *ct = NULL, *msg = NULL, *body, *out, path[HUBPROC_PATH + 32];
	int64_t now = time(NULL) + clock_offset + f->ts_off;
	json_t *tr, *n;
	FILE *p;
	long st = -1;

	pay_rfc3339(now, t);
	tr = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:I, s:I, s:s, s:s}}",
		       "appid", HUBPROC_APPID, "mchid", f->mchid ? f->mchid : HUBPROC_MCHID,
		       "out_trade_no", no, "transaction_id", "4200000000000000000000000001",
		       "trade_type", "NATIVE", "trade_state", "SUCCESS", "success_time", t,
		       "payer", "openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "amount", "total",
		       (json_int_t)fen, "payer_total", (json_int_t)fen, "currency", "CNY",
		       "payer_currency", "CNY");
	plain = json_dumps(tr, JSON_COMPACT);
	json_decref(tr);
	apiv3 = hub_file("apiv3.key");
	assert_int_equal(wxsign_encrypt(apiv3, 32, "a1b2c3d4e5f6", "transaction", plain,
					strlen(plain), &ct), CA_OK);
	free(apiv3);
	free(plain);
	if (f->tamper)
		ct[5] = ct[5] == 'A' ? 'B' : 'A';
	n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "id",
		      "EV-2018022511223320873", "create_time", t, "event_type",
		      "TRANSACTION.SUCCESS", "resource_type", "encrypt-resource", "summary",
		      "支付成功", "resource", "original_type", "transaction", "algorithm",
		      "AEAD_AES_256_GCM", "ciphertext", ct, "associated_data", "transaction",
		      "nonce", "a1b2c3d4e5f6");
	free(ct);
	body = json_dumps(n, JSON_COMPACT);
	json_decref(n);
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if (f->sig) {
		snprintf(sig, sizeof(sig), "%s", f->sig);
	} else {
		key = hub_file(f->sign_key);
		assert_int_equal(wxsign_answer_message(ts, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", body,
						       &msg), CA_OK);
		assert_int_equal(wxsign_sign(key, msg, strlen(msg), sig, NULL, 0), CA_OK);
		free(key);
		free(msg);
	}
	/* curl(1) sends it: the hub must not tell a test client from WeChat Pay. */
	snprintf(path, sizeof(path), "%s/notify.json", hub.dir);
	p = fopen(path, "w");
	assert_non_null(p);
	fputs(body, p);
	fclose(p);
	free(body);
	snprintf(url, sizeof(url), "%s/v1/pay/notify/wechatpay", hub.url);
	if (f->no_headers)
		hdrs[0] = 0;
	else
		snprintf(hdrs, sizeof(hdrs), "-H 'Wechatpay-Timestamp: %s' -H 'Wechatpay-Nonce: "
			 "5K8264ILTKCH16CQ2502SI8ZNMTM67VS' -H 'Wechatpay-Serial: %s' "
			 "-H 'Wechatpay-Signature: %s'", ts, f->serial ? f->serial : HUBPROC_WXPUB_ID,
			 sig);
	assert_true(asprintf(&cmd, "curl -sS --max-time 10 --cacert '%s' -o '%s/notify.out' "
			     "-w '%%{http_code}' -H 'Content-Type: application/json' %s "
			     "--data-binary @'%s' '%s'", hub.cacert, hub.dir, hdrs, path, url) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%ld", &st), 1);
	pclose(p);
	free(cmd);
	snprintf(path, sizeof(path), "notify.out");
	out = hub_file(path);
	*ans = json_loads(out, 0, NULL);
	free(out);
	return st;
}

/* ---- tests ---- */

static void test_paid_at_the_provider_and_told_by_its_notification(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], code_url[128], ps[32], st[16], want[160];
	struct hubproc_resp r;
	int waited = 0;

	(void)state;
	customer("13600000001", token, &a);
	new_order(token, a.id, no, code_url);
	assert_string_equal(sim_state(no, st), "NOTPAY");
	assert_int_equal(hubproc_customer_pay(&hub, code_url, &r), 200);
	free(r.body);
	/* No poll from the kiosk: the notification alone tells the hub. */
	while (strcmp(pay_status(a.id, ps), "paid")) {
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
	snprintf(want, sizeof(want), "notification TRANSACTION.SUCCESS for %s: SUCCESS", no);
	assert_true(hubcall_log_has(&hub, want));
	assert_string_equal(sim_state(no, st), "SUCCESS");
	/* Paid once: the phone cannot pay the same QR again. */
	assert_int_equal(hubproc_customer_pay(&hub, code_url, NULL), 403);
}

static void test_notifications_not_from_the_provider_are_refused(void **state)
{
	static const struct {
		const char *what;    /* the case */
		struct forged f;     /* how the notification is made */
		long want;           /* the hub's status */
	} cases[] = {
		{ "no headers", { .sign_key = "wxp.key", .no_headers = true }, 401 },
		{ "the merchant's key, not WeChat Pay's", { .sign_key = "mch.key" }, 401 },
		{ "a signature probe", { .sig = "WECHATPAY/SIGNTEST/dGVzdA==" }, 401 },
		{ "six minutes old", { .sign_key = "wxp.key", .ts_off = -360 }, 401 },
		{ "six minutes ahead", { .sign_key = "wxp.key", .ts_off = 360 }, 401 },
		{ "another serial", { .sign_key = "wxp.key", .serial = "PUB_KEY_ID_0000000000000" }, 401 },
		{ "a changed ciphertext", { .sign_key = "wxp.key", .tamper = true }, 400 },
		{ "another merchant", { .sign_key = "wxp.key", .mchid = "1230000109" }, 400 },
	};
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], code_url[128], ps[32], st[16];
	json_t *ans;
	size_t i;
	long got;

	(void)state;
	customer("13600000002", token, &a);
	new_order(token, a.id, no, code_url);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = notify(no, 30000, &cases[i].f, &ans);
		if (got != cases[i].want)
			fail_msg("%s: status %ld, want %ld", cases[i].what, got, cases[i].want);
		/* The body a provider reads to retry. */
		assert_string_equal(jstr(ans, "code"), "FAIL");
		assert_true(strlen(jstr(ans, "message")) > 0);
		json_decref(ans);
	}
	/* Well made, but the provider says the order is unpaid: taken (204)
	 * and nothing changes. */
	{
		struct forged ok = { .sign_key = "wxp.key" };

		assert_int_equal(notify(no, 30000, &ok, &ans), 204);
		json_decref(ans);
	}
	assert_string_equal(pay_status(a.id, ps), "unpaid");
	assert_string_equal(sim_state(no, st), "NOTPAY");
}

static void test_finance_refund_reaches_the_provider(void **state)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret };
	struct ca_app a;
	char token[65], target[96], no[PAY_TRADE_NO_MAX + 1] = "", st_s[16];
	long st;
	json_t *j, *o;
	size_t i;
	int waited = 0;

	(void)state;
	customer("13600000003", token, &a);
	q.session = token;
	assert_int_equal(hubcall_pay(&hub, &q, a.id), 0);
	snprintf(target, sizeof(target), "/v1/admin/apps/%s", a.id);
	j = staff("GET", target, NULL, &st);
	json_array_foreach(json_object_get(j, "orders"), i, o)
		if (!strcmp(jstr(o, "trade_state"), "SUCCESS"))
			snprintf(no, sizeof(no), "%s", jstr(o, "out_trade_no"));
	json_decref(j);
	assert_true(pay_trade_no_valid(no));
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", a.id);
	json_decref(staff("POST", target, "{\"op\":\"refund\",\"arg\":\"客户要求取消\"}", &st));
	assert_int_equal(st, 200);
	while (strcmp(sim_state(no, st_s), "REFUND")) {
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
}

static void test_a_hub_that_does_not_trust_the_key_makes_no_order(void **state)
{
	char token[65], body[120], cmd[HUBPROC_PATH * 2 + 128];
	struct ca_app a;
	long st;

	(void)state;
	customer("13600000004", token, &a);
	/* Another key where WeChat Pay's public key should be: every answer
	 * fails its check, so none is believed. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && cp wxp.pub wxp.pub.real && openssl genpkey "
		 "-algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout "
		 "> wxp.pub", hub.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(hubproc_restart(&hub), 0);
	clock_offset = 0; /* a restarted hub is back on the system clock */
	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"wechat\"}", a.id);
	json_decref(kiosk(token, "POST", "/v1/pay/orders", body, &st));
	assert_int_equal(st, 503);
	assert_true(hubcall_log_has(&hub, "answer not trusted: the signature does not match"));
	snprintf(cmd, sizeof(cmd), "cd '%s' && mv wxp.pub.real wxp.pub", hub.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(hubproc_restart(&hub), 0);
	json_decref(kiosk(token, "POST", "/v1/pay/orders", body, &st));
	assert_int_equal(st, 200);
}

/* The kiosk's poll of no says state; the application's pay_status pay. */
static void poll_says(const char *token, const char *no, const char *state, const char *pay)
{
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	j = kiosk(token, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(jstr(j, "trade_state"), state);
	if (pay)
		assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), pay);
	json_decref(j);
}

/* How many times the application's history says "pay". */
static int pay_count(const char *id)
{
	char target[96];
	long st;
	json_t *j, *h;
	size_t i;
	int n = 0;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", id);
	j = staff("GET", target, NULL, &st);
	json_array_foreach(json_object_get(j, "history"), i, h)
		n += !strcmp(jstr(h, "action"), "pay");
	json_decref(j);
	return n;
}

/* Wait until the hub has received n notifications of order no. */
static void wait_notified(const char *no, int n)
{
	char target[96];
	int waited = 0;
	long st;

	snprintf(target, sizeof(target), "/v1/admin/pay/%s", no);
	for (;;) {
		json_t *j = staff("GET", target, NULL, &st);
		int got = (int)json_integer_value(json_object_get(json_object_get(j, "order"),
								  "notifications"));

		json_decref(j);
		if (got >= n)
			return;
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
}

/* The rules of docs/hub.md with the real protocol. Expiry closes the
 * order at the provider and its QR is dead there; a payment at 299 s
 * whose notification is held is found by the close (ORDERPAID) and
 * recorded, the late notification changes nothing; a provider failing
 * close and query leaves the kiosk CHECKING, then SUCCESS once it
 * answers; a second payment of a paid application is refunded at the
 * provider. */
static void test_the_payment_rules_hold_with_the_real_protocol(void **state)
{
	struct ca_app a, b, c;
	char token[65], no[PAY_TRADE_NO_MAX + 1], url[128], no2[PAY_TRADE_NO_MAX + 1];
	char url2[128], s[16];

	(void)state;
	customer("13600000005", token, &a);
	make_more(&b, "13600000005");
	make_more(&c, "13600000005");
	/* Expired: the poll closes it at the provider; the phone is refused. */
	new_order(token, a.id, no, url);
	advance(301);
	poll_says(token, no, "CLOSED", "unpaid");
	assert_string_equal(sim_state(no, s), "CLOSED");
	assert_int_equal(hubproc_customer_pay(&hub, url, NULL), 403);

	/* Paid at 299 s, its notification held: the close meets ORDERPAID. */
	sim_fault("{\"notify_hold\":true}");
	align_second();
	new_order(token, a.id, no, url);
	advance(299);
	assert_int_equal(hubproc_customer_pay(&hub, url, NULL), 200);
	advance(2);
	poll_says(token, no, "SUCCESS", "paid");
	assert_int_equal(pay_count(a.id), 1);
	sim_fault("{\"notify_hold\":false}");
	wait_notified(no, 1);
	assert_int_equal(pay_count(a.id), 1);

	/* Paid at 295 s; close and query fail at the expiry: CHECKING, never
	 * expired; then the provider answers and the sweep finds it. */
	align_second();
	new_order(token, b.id, no, url);
	advance(295);
	sim_fault("{\"notify_hold\":true}");
	assert_int_equal(hubproc_customer_pay(&hub, url, NULL), 200);
	sim_fault("{\"close_fail\":100,\"query_fail\":100}");
	advance(10);
	poll_says(token, no, "CHECKING", "unpaid");
	sim_fault("{\"close_fail\":0,\"query_fail\":0,\"notify_hold\":false}");
	{
		int waited = 0;
		char ps[32];

		while (strcmp(pay_status(b.id, ps), "paid")) {
			assert_true(waited < WAIT_MS);
			ca_sleep_ms(50);
			waited += 50;
		}
	}
	poll_says(token, no, "SUCCESS", "paid");

	/* A close that fails lets a second order be made; both are paid:
	 * the second is refunded at the provider. */
	new_order(token, c.id, no, url);
	sim_fault("{\"close_fail\":1}");
	new_order(token, c.id, no2, url2);
	assert_int_equal(hubproc_customer_pay(&hub, url, NULL), 200);
	assert_int_equal(hubproc_customer_pay(&hub, url2, NULL), 200);
	poll_says(token, no, "SUCCESS", "paid");
	poll_says(token, no2, "REFUND", "paid");
	assert_string_equal(sim_state(no2, s), "REFUND");
	assert_int_equal(pay_count(c.id), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paid_at_the_provider_and_told_by_its_notification),
		cmocka_unit_test(test_notifications_not_from_the_provider_are_refused),
		cmocka_unit_test(test_finance_refund_reaches_the_provider),
		cmocka_unit_test(test_the_payment_rules_hold_with_the_real_protocol),
		/* Last: it restarts the hub, whose clock then starts again. */
		cmocka_unit_test(test_a_hub_that_does_not_trust_the_key_makes_no_order),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("hub/wxpay", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
