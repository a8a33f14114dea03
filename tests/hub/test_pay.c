/*
 * test_pay.c - payments in a real ca-hub (TLS on loopback, virtual clock)
 * whose providers are WeChat Pay API v3 and the bank gateway, both answered
 * by ca-paysim (docs/paysim.md) on the same clock: an order needs a session
 * and an approved, unpaid application; it dies 300 s later on the HUB's
 * clock (a poll or the sweep closes it, and the customer can no longer pay:
 * `ca-hubctl pay`, which pays at the simulator as a phone would, fails); a
 * payment at the last second whose notification comes after the close is
 * recorded (the close finds it), never lost; a replaced order cannot be
 * paid; duplicate notifications make one payment and one revision; a
 * second order paid for an application already paid is refunded; the
 * kiosk's GET reports SUCCESS with the application paid. When the provider
 * fails the close at the expiry (its fault injection), the hub queries it;
 * while that fails too, the kiosk is answered CHECKING (never NOTPAY or
 * expired), and the order ends SUCCESS or CLOSED once the provider
 * answers. A hub with its methods turned off ([pay] wechat = off, bank =
 * off) refuses their orders (503) and stores none.
 *
 * One hub serves the group. Every test uses its own phone (the SMS send
 * limit counts per phone) and moves the virtual clock forward only.
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
#include "../fixture.h"
#include "../support/hubcall.h"

static struct hubproc hub;
static int64_t clock_offset; /* how far the hub's virtual clock was moved */

#define DEV "hall-01"
static struct hubcall_dev hall = { .id = DEV }; /* its secret made at the start */
#define WAIT_MS 8000 /* longest wait for a background thread of the hub */

/* The group's hub (hubcall_group_setup starts it): the virtual clock, the
 * devices provisioned; it must exit 0 at SIGTERM. */
static struct hubcall_dev *const devs[] = { &hall };
static const struct hubcall_group group = {
	.hub = &hub, .opts = { .virtual_clock = true, .wechatpay = true }, .devs = devs,
	.ndevs = 1,
	.check_exit = true,
};

/* Sleep until just after the start of a second of the real clock. The
 * virtual clock's offset is whole seconds, so the hub's clock is then just
 * past a whole second too: an order made now and paid "at 299 s" (whole
 * seconds, as time_expire is) has most of a second of slack. */
static void align_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ca_sleep_ms(1000 - ts.tv_nsec / 1000000 + 5);
}

/* A request to the hub, signed as DEV (with session when not NULL) or as
 * staff (admin); the answer parsed (new reference, NULL if not JSON). */
static json_t *req(const char *session, bool admin, const char *method, const char *target,
		   const char *body, long *status)
{
	struct hubproc_req q = { .ts_offset = clock_offset, .session = session };

	if (admin) {
		q.bearer = hub.token;
	} else {
		q.device = DEV;
		q.secret = hall.secret;
	}
	return hubcall_json(&hub, &q, method, target, body, status);
}

static const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

static int64_t jint(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

/* Move the hub's clock forward. */
static void advance(int64_t s)
{
	assert_int_equal(hubcall_advance(&hub, s, &clock_offset), 0);
}

/* Log phone in on DEV; its session token into token. */
static void login(const char *phone, char token[65])
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts_offset = clock_offset };

	assert_int_equal(hubcall_login(&hub, &q, phone, token), 0);
}

/* Push one outbox record of app; assert its status. */
static void push(const struct ca_app *a, const char *op, int want)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts_offset = clock_offset };

	assert_int_equal(hubcall_push_status(&hub, &q, a, op), want);
}

/* A new application of phone, brought to status (draft, pending_review or
 * approved) by the kiosk and staff. */
static void make_app(struct ca_app *a, const char *phone, enum ca_pickup pickup,
		     const char *status)
{
	char out[512];

	assert_int_equal(fixture_app_of(a, phone, pickup), CA_OK);
	push(a, "save", 200);
	if (!strcmp(status, "draft"))
		return;
	push(a, "submit", 200);
	if (!strcmp(status, "pending_review"))
		return;
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", a->id, (char *)NULL), 0);
}

/* Log phone in (session into token) with an approved on-site application a. */
static void customer(const char *phone, char token[65], struct ca_app *a)
{
	login(phone, token);
	make_app(a, phone, CA_PICKUP_ONSITE, "approved");
}

/* POST /v1/pay/orders; the answer (new reference). */
static json_t *create(const char *token, const char *app_id, const char *method,
		      const char *bank, long *status)
{
	char body[200];

	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"%s\"%s%s%s}", app_id, method,
		 bank ? ",\"bank\":\"" : "", bank ? bank : "", bank ? "\"" : "");
	return req(token, false, "POST", "/v1/pay/orders", body, status);
}

/* A new WeChat order of app_id (must succeed); its number into no. */
static void new_order(const char *token, const char *app_id, char no[PAY_TRADE_NO_MAX + 1])
{
	long st;
	json_t *j = create(token, app_id, "wechat", NULL, &st);

	assert_int_equal(st, 200);
	assert_true(pay_trade_no_valid(jstr(j, "out_trade_no")));
	snprintf(no, PAY_TRADE_NO_MAX + 1, "%s", jstr(j, "out_trade_no"));
	json_decref(j);
}

/* GET path + id as req() says (must be 200); the answer (new reference). */
static json_t *get_ok(const char *session, bool admin, const char *path, const char *id)
{
	char target[80];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "%s%s", path, id);
	j = req(session, admin, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* The kiosk polls the order (must be 200); new reference. */
static json_t *poll_order(const char *token, const char *no)
{
	return get_ok(token, false, "/v1/pay/orders/", no);
}

/* The kiosk's poll of no says trade state and, when pay is not NULL, the
 * application's pay_status. */
static void poll_says(const char *token, const char *no, const char *state, const char *pay)
{
	json_t *j = poll_order(token, no);

	assert_string_equal(jstr(j, "trade_state"), state);
	if (pay)
		assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), pay);
	json_decref(j);
}

/* `ca-hubctl pay NO` (the phone pays at ca-paysim): its exit status. */
static int customer_pays(const char *no)
{
	char out[512];

	return hubproc_ctl(&hub, out, sizeof(out), "pay", no, (char *)NULL);
}

/* GET /v1/admin/pay/NO (staff view: the hub's order, the provider's query). */
static json_t *admin_order(const char *no)
{
	return get_ok(NULL, true, "/v1/admin/pay/", no);
}

/* Wait until the staff view of no has the order in state and at least
 * delivered notifications taken by the hub; the view. */
static json_t *wait_order(const char *no, const char *state, int delivered)
{
	int waited = 0;

	for (;;) {
		json_t *j = admin_order(no);

		if (!strcmp(jstr(json_object_get(j, "order"), "trade_state"), state) &&
		    jint(json_object_get(j, "order"), "notifications") >= delivered)
			return j;
		json_decref(j);
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
}

/* The staff view of an application; new reference. */
static json_t *admin_app(const char *id)
{
	return get_ok(NULL, true, "/v1/admin/apps/", id);
}

/* How many times the application's history says "pay". */
static int pay_count(const char *id)
{
	json_t *j = admin_app(id), *h;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(j, "history"), i, h)
		n += !strcmp(jstr(h, "action"), "pay");
	json_decref(j);
	return n;
}

/* j's "app" is paid and its processing status is proc. */
static void assert_app_paid(json_t *j, const char *proc)
{
	assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), "paid");
	assert_string_equal(jstr(json_object_get(j, "app"), "proc_status"), proc);
}

/* The provider (ca-paysim) fails its next closes and queries. */
static void fault(int closes, int queries)
{
	char body[80];

	snprintf(body, sizeof(body), "{\"close_fail\":%d,\"query_fail\":%d}", closes, queries);
	assert_int_equal(hubcall_sim_fault(&hub, body), 0);
}

/* The provider keeps its notifications owed (true) or sends them. */
static void hold_notices(bool hold)
{
	assert_int_equal(hubcall_sim_fault(&hub, hold ? "{\"notify_hold\":true}"
						      : "{\"notify_hold\":false}"), 0);
}

/* The trade_state in the provider's own books (not a query). */
static void sim_says(const char *no, const char *state)
{
	json_t *j = hubcall_sim_order(&hub, no), *o;

	assert_non_null(j);
	o = json_object_get(j, "order");
	assert_string_equal(jstr(o ? o : j, "trade_state"), state);
	json_decref(j);
}

/* After secs more seconds both notifications of the paid order no have
 * arrived, and the application id still has one payment. */
static void assert_late_notices_change_nothing(const char *no, const char *id, int secs)
{
	advance(secs);
	json_decref(wait_order(no, "SUCCESS", 2));
	assert_int_equal(pay_count(id), 1);
}

/* ---- tests ---- */

static void test_create_needs_session_and_approved_unpaid(void **state)
{
	struct ca_app draft, pending, ok;
	char token[65], other[65], no[PAY_TRADE_NO_MAX + 1], target[160], expect[160];
	const struct {
		const char *session; /* X-CA-Session */
		const char *id;      /* the application */
		const char *method;  /* the payment method asked for */
		long want;           /* the status */
	} refused[] = {
		{ NULL, ok.id, "wechat", 401 },
		{ "00000000000000000000000000000000000000000000000000000000000000aa", ok.id,
		  "wechat", 401 },
		{ token, draft.id, "wechat", 403 },
		{ token, pending.id, "wechat", 403 },
		{ other, ok.id, "wechat", 404 },
		{ token, ok.id, "alipay", 400 },
		{ token, ok.id, "bank", 400 },
	};
	int64_t parsed;
	size_t i;
	long st;
	json_t *j, *a, *o;

	(void)state;
	login("13700000001", token);
	login("13700000002", other);
	make_app(&draft, "13700000001", CA_PICKUP_ONSITE, "draft");
	make_app(&pending, "13700000001", CA_PICKUP_ONSITE, "pending_review");
	make_app(&ok, "13700000001", CA_PICKUP_ONSITE, "approved");

	/* No session, or a made-up one: 401. Not approved: 403. Another
	 * account's application: 404. No such method (or bank without one): 400. */
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		j = create(refused[i].session, refused[i].id, refused[i].method, NULL, &st);
		if (st != refused[i].want)
			fail_msg("refusal %zu (%s): %ld, want %ld", i, refused[i].method, st,
				 refused[i].want);
		json_decref(j);
	}

	/* Approved and unpaid: an order shaped like WeChat Pay Native. */
	j = create(token, ok.id, "wechat", NULL, &st);
	assert_int_equal(st, 200);
	snprintf(no, sizeof(no), "%s", jstr(j, "out_trade_no"));
	assert_true(pay_trade_no_valid(no));
	assert_memory_equal(jstr(j, "code_url"), "weixin://wxpay/bizpayurl?pr=", 28);
	assert_int_equal(strlen(jstr(j, "code_url")), 28 + 7);
	assert_int_equal(pay_parse_rfc3339(jstr(j, "time_expire"), &parsed), CA_OK);
	assert_int_equal(parsed, jint(j, "expires_at"));
	/* 300 s on the hub's clock (which the test moved). */
	assert_true(llabs((long long)(jint(j, "expires_at") - (time(NULL) + clock_offset + 300)))
		    <= 2);
	a = admin_app(ok.id);
	assert_true(jint(json_object_get(a, "app"), "amount_fen") > 0);
	assert_int_equal(jint(j, "amount_fen"), jint(json_object_get(a, "app"), "amount_fen"));
	json_decref(a);
	json_decref(j);
	/* Another account cannot read it. */
	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	j = req(other, false, "GET", target, NULL, &st);
	assert_int_equal(st, 404);
	json_decref(j);

	/* The bank method: a page on the hub, same life; it replaces the
	 * WeChat order, whose QR code is dead from now on. */
	j = create(token, ok.id, "bank", "icbc", &st);
	assert_int_equal(st, 200);
	snprintf(expect, sizeof(expect), "https://127.0.0.1:%d/pay/bank/%s", hub.port,
		 jstr(j, "out_trade_no"));
	assert_string_equal(jstr(j, "code_url"), expect);
	assert_string_equal(jstr(j, "bank"), "icbc");
	snprintf(target, sizeof(target), "/pay/bank/%s", jstr(j, "out_trade_no"));
	json_decref(j);
	j = req(NULL, false, "GET", target, NULL, &st); /* the page (test_bankpay reads it) */
	assert_int_equal(st, 200);
	json_decref(j);
	j = poll_order(token, no);
	assert_string_equal(jstr(j, "trade_state"), "CLOSED");
	assert_null(json_object_get(j, "code_url"));
	json_decref(j);
	assert_int_equal(customer_pays(no), 1);

	/* Staff see both orders, oldest first, each with its code_url (what
	 * tools/flowrun compares a screenshot's QR code with); a draft has none. */
	a = admin_app(ok.id);
	o = json_object_get(a, "orders");
	assert_int_equal(json_array_size(o), 2);
	assert_string_equal(jstr(json_array_get(o, 0), "out_trade_no"), no);
	assert_string_equal(jstr(json_array_get(o, 0), "trade_state"), "CLOSED");
	assert_string_equal(jstr(json_array_get(o, 0), "method"), "wechat");
	assert_memory_equal(jstr(json_array_get(o, 0), "code_url"),
			    "weixin://wxpay/bizpayurl?pr=", 28);
	assert_string_equal(jstr(json_array_get(o, 1), "method"), "bank");
	assert_string_equal(jstr(json_array_get(o, 1), "code_url"), expect);
	json_decref(a);
	a = admin_app(draft.id);
	assert_int_equal(json_array_size(json_object_get(a, "orders")), 0);
	json_decref(a);
}

static void test_expiry_closes_and_the_qr_is_dead(void **state)
{
	struct ca_app a;
	char token[65], no1[PAY_TRADE_NO_MAX + 1], no2[PAY_TRADE_NO_MAX + 1];
	json_t *j;

	(void)state;
	customer("13700000003", token, &a);
	/* Polled after the expiry (300 s from the next whole second after
	 * the order, pay_order_new): the poll closes it. */
	new_order(token, a.id, no1);
	advance(301);
	poll_says(token, no1, "CLOSED", "unpaid");
	assert_int_equal(customer_pays(no1), 1); /* refused, as the provider refuses it */
	/* Nobody polls: the sweep closes it. */
	new_order(token, a.id, no2);
	advance(301);
	j = wait_order(no2, "CLOSED", 0);
	assert_string_equal(jstr(json_object_get(j, "provider"), "trade_state"), "CLOSED");
	json_decref(j);
	assert_int_equal(customer_pays(no2), 1);
	j = admin_app(a.id);
	assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), "unpaid");
	json_decref(j);
}

/* Paid at 299 s; the notification is due 10 s later, after the expiry.
 * Whoever closes the order first (a poll, the sweep) meets ORDERPAID and
 * records the payment; the late notifications then change nothing. */
static void test_pay_at_the_last_second_is_never_lost(void **state)
{
	struct ca_app a, b;
	char token[65], no[PAY_TRADE_NO_MAX + 1];
	int64_t rev;
	json_t *j, *o;

	(void)state;
	customer("13700000004", token, &a);
	make_app(&b, "13700000004", CA_PICKUP_MAIL, "approved");

	/* The kiosk polls after the expiry; the provider's notifications are
	 * late (held). */
	align_second();
	new_order(token, a.id, no);
	advance(299);
	hold_notices(true);
	assert_int_equal(customer_pays(no), 0);
	advance(2);
	j = poll_order(token, no);
	assert_string_equal(jstr(j, "trade_state"), "SUCCESS");
	assert_app_paid(j, "onsite");
	json_decref(j);
	o = admin_order(no);
	assert_int_equal(jint(json_object_get(o, "order"), "notifications"), 0);
	rev = jint(json_object_get(o, "order"), "applied_rev");
	assert_true(rev > 0);
	json_decref(o);
	/* Both notifications arrive late: one payment, one revision. */
	hold_notices(false);
	advance(40);
	o = wait_order(no, "SUCCESS", 2);
	assert_int_equal(jint(json_object_get(o, "order"), "notifications"), 2);
	assert_int_equal(jint(json_object_get(o, "order"), "applied_rev"), rev);
	json_decref(o);
	j = admin_app(a.id);
	assert_int_equal(jint(json_object_get(j, "app"), "rev"), rev);
	json_decref(j);
	assert_int_equal(pay_count(a.id), 1);

	/* Nobody polls: the sweep meets ORDERPAID before any notification. */
	align_second();
	new_order(token, b.id, no);
	advance(299);
	hold_notices(true);
	assert_int_equal(customer_pays(no), 0);
	advance(2);
	o = wait_order(no, "SUCCESS", 0);
	assert_int_equal(jint(json_object_get(o, "order"), "notifications"), 0);
	assert_true(jint(json_object_get(o, "order"), "applied_rev") > 0);
	json_decref(o);
	j = admin_app(b.id);
	assert_app_paid(j, "processing");
	json_decref(j);
	hold_notices(false);
	assert_late_notices_change_nothing(no, b.id, 40);
}

static void test_pay_after_the_close_is_refused(void **state)
{
	struct ca_app a;
	char token[65], old[PAY_TRADE_NO_MAX + 1], cur[PAY_TRADE_NO_MAX + 1];

	(void)state;
	customer("13700000005", token, &a);
	/* Closed as replaced (before its expiry): dead. */
	new_order(token, a.id, old);
	new_order(token, a.id, cur);
	assert_int_equal(customer_pays(old), 1);
	/* Closed at expiry (at most 301 s): dead too, even though the poll
	 * came late. */
	advance(301);
	poll_says(token, cur, "CLOSED", NULL);
	assert_int_equal(customer_pays(cur), 1);
	assert_int_equal(pay_count(a.id), 0);
	/* An unknown order is not the provider's. */
	assert_int_equal(customer_pays("CA20990101XXXXXXXXXXXX"), 1);
}

/* The provider notifies twice; nobody polls. One payment, one revision;
 * then the kiosk's GET reports SUCCESS with the application paid. */
static void test_duplicate_notifications_make_one_payment(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1];
	int64_t rev;
	long st;
	json_t *j, *o;

	(void)state;
	customer("13700000006", token, &a);
	new_order(token, a.id, no);
	advance(5);
	assert_int_equal(customer_pays(no), 0);
	assert_int_equal(customer_pays(no), 1); /* the customer cannot pay twice */
	advance(31);
	o = wait_order(no, "SUCCESS", 2);
	assert_int_equal(jint(json_object_get(o, "order"), "notifications"), 2);
	rev = jint(json_object_get(o, "order"), "applied_rev");
	assert_true(rev > 0);
	json_decref(o);
	assert_int_equal(pay_count(a.id), 1);

	j = poll_order(token, no);
	assert_string_equal(jstr(j, "trade_state"), "SUCCESS");
	assert_true(strlen(jstr(j, "success_time")) == PAY_RFC3339_LEN);
	assert_app_paid(j, "onsite");
	assert_int_equal(jint(json_object_get(j, "app"), "rev"), rev);
	json_decref(j);
	/* Paid: no new order. */
	j = create(token, a.id, "wechat", NULL, &st);
	assert_int_equal(st, 403);
	json_decref(j);
}

/* The provider fails the close of the first order, so a second one is made
 * while the first is still payable; the customer pays both. The first
 * payment is applied, the second refunded: never taken twice. */
static void test_second_payment_of_a_paid_app_is_refunded(void **state)
{
	struct ca_app a;
	char token[65], first[PAY_TRADE_NO_MAX + 1], second[PAY_TRADE_NO_MAX + 1];
	json_t *j;

	(void)state;
	customer("13700000007", token, &a);
	new_order(token, a.id, first);
	fault(1, 0);
	new_order(token, a.id, second);
	assert_int_equal(customer_pays(first), 0);
	assert_int_equal(customer_pays(second), 0);
	poll_says(token, first, "SUCCESS", "paid");
	poll_says(token, second, "REFUND", "paid");
	j = admin_order(second);
	assert_string_equal(jstr(json_object_get(j, "provider"), "trade_state"), "REFUND");
	assert_int_equal(jint(json_object_get(j, "order"), "applied_rev"), 0);
	json_decref(j);
	/* The late notifications of both change nothing. */
	advance(40);
	json_decref(wait_order(first, "SUCCESS", 2));
	json_decref(wait_order(second, "REFUND", 2));
	assert_int_equal(pay_count(a.id), 1);
}

/* Paid at 295 s; at the expiry the provider fails the close but answers
 * the query: the hub asks it at once and the order is SUCCESS, not NOTPAY
 * or expired. */
static void test_failed_close_asks_the_provider(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1];

	(void)state;
	customer("13700000008", token, &a);
	align_second();
	new_order(token, a.id, no);
	advance(295);
	hold_notices(true); /* the hub learns it from the query only */
	assert_int_equal(customer_pays(no), 0);
	fault(100, 0);
	advance(10);
	poll_says(token, no, "SUCCESS", "paid");
	fault(0, 0);
	hold_notices(false);
	assert_int_equal(pay_count(a.id), 1);
}

/* Paid at 295 s; at the expiry the provider fails the close and does not
 * answer queries either: the kiosk is told CHECKING (no code_url, the
 * application not paid yet), never NOTPAY; the first notification is
 * refused (the hub cannot check it) and comes again. Once the provider
 * answers, the sweep finds the payment (nobody polls) and the order is
 * SUCCESS with the application paid; the late notifications change
 * nothing. */
static void test_pay_at_295_with_the_close_failing_is_checking_then_paid(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1];
	json_t *j, *o;

	(void)state;
	customer("13700000009", token, &a);
	align_second();
	new_order(token, a.id, no);
	advance(295);
	fault(100, 100); /* the provider's notification comes, the hub cannot check it */
	assert_int_equal(customer_pays(no), 0);
	advance(10); /* past the expiry */
	j = poll_order(token, no);
	assert_string_equal(jstr(j, "trade_state"), "CHECKING");
	assert_null(json_object_get(j, "code_url"));
	assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), "unpaid");
	json_decref(j);
	/* The sweep keeps trying; still unknown while the provider is down. */
	ca_sleep_ms(3 * 500 + 100);
	poll_says(token, no, "CHECKING", NULL);
	o = admin_order(no);
	assert_string_equal(jstr(json_object_get(o, "order"), "trade_state"), "CHECKING");
	assert_true(strlen(jstr(json_object_get(o, "provider"), "error")) > 0);
	assert_int_equal(jint(json_object_get(o, "order"), "applied_rev"), 0);
	json_decref(o);
	sim_says(no, "SUCCESS"); /* what the provider's books hold meanwhile */

	fault(0, 0);
	o = wait_order(no, "SUCCESS", 0);
	assert_true(jint(json_object_get(o, "order"), "applied_rev") > 0);
	json_decref(o);
	j = poll_order(token, no);
	assert_string_equal(jstr(j, "trade_state"), "SUCCESS");
	assert_app_paid(j, "onsite");
	json_decref(j);
	/* The refused notification and the duplicate both arrive later. */
	assert_late_notices_change_nothing(no, a.id, 60);
}

/* Not paid; the provider fails the close at the expiry but answers the
 * query (NOTPAY): only a close makes it final, so the kiosk is told
 * CHECKING and no new order of the application is made meanwhile (409).
 * When the close gets through (the sweep), CLOSED; then a new order. */
static void test_unpaid_order_whose_close_fails_is_checking_then_closed(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], again[PAY_TRADE_NO_MAX + 1];
	long st;
	json_t *j;

	(void)state;
	customer("13700000010", token, &a);
	new_order(token, a.id, no);
	fault(100, 0);
	advance(301);
	j = poll_order(token, no);
	assert_string_equal(jstr(j, "trade_state"), "CHECKING");
	assert_null(json_object_get(j, "code_url"));
	json_decref(j);
	j = create(token, a.id, "wechat", NULL, &st);
	assert_int_equal(st, 409);
	json_decref(j);
	assert_int_equal(customer_pays(no), 1); /* the provider refuses: expired */

	fault(0, 0);
	json_decref(wait_order(no, "CLOSED", 0));
	poll_says(token, no, "CLOSED", "unpaid");
	new_order(token, a.id, again);
	assert_string_not_equal(again, no);
	assert_int_equal(pay_count(a.id), 0);
}

/* A hub whose [pay] leaves both methods off (the default): an order by
 * either is refused, 503 method_unavailable, and nothing is stored; the
 * hub says so in its log at the start. */
static void test_a_method_turned_off_is_refused(void **state)
{
	static struct hubproc off;
	static struct hubcall_dev d = { .id = "hall-02" };
	struct hubcall_dev *const ds[] = { &d };
	struct hubproc_req q = { .device = "hall-02" };
	const char *const methods[] = { "{\"method\":\"wechat\"", "{\"method\":\"bank\","
					"\"bank\":\"icbc\"" };
	char token[65], body[200], out[512];
	struct ca_app a;
	size_t i;
	long st;
	json_t *j;

	(void)state;
	assert_int_equal(hubcall_start(&off, NULL, ds, 1), 0);
	q.secret = d.secret;
	assert_true(hubcall_log_has(&off, "[pay] wechat = off"));
	assert_true(hubcall_log_has(&off, "[pay] bank = off"));
	assert_int_equal(hubcall_login(&off, &q, "13700000011", token), 0);
	q.session = token;
	assert_int_equal(fixture_app_of(&a, "13700000011", CA_PICKUP_ONSITE), CA_OK);
	assert_int_equal(hubcall_push_status(&off, &q, &a, "save"), 200);
	assert_int_equal(hubcall_push_status(&off, &q, &a, "submit"), 200);
	assert_int_equal(hubproc_ctl(&off, out, sizeof(out), "approve", a.id, (char *)NULL), 0);
	for (i = 0; i < 2; i++) {
		snprintf(body, sizeof(body), "%s,\"app_id\":\"%s\"}", methods[i], a.id);
		j = hubcall_json(&off, &q, "POST", "/v1/pay/orders", body, &st);
		assert_int_equal(st, 503);
		assert_string_equal(jstr(json_object_get(j, "error"), "code"), "method_unavailable");
		json_decref(j);
	}
	q.session = NULL;
	q.device = NULL;
	q.bearer = off.token;
	snprintf(body, sizeof(body), "/v1/admin/apps/%s", a.id);
	j = hubcall_json(&off, &q, "GET", body, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "orders")), 0);
	assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), "unpaid");
	json_decref(j);
	assert_int_equal(hubcall_finish(&off), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_needs_session_and_approved_unpaid),
		cmocka_unit_test(test_expiry_closes_and_the_qr_is_dead),
		cmocka_unit_test(test_pay_at_the_last_second_is_never_lost),
		cmocka_unit_test(test_pay_after_the_close_is_refused),
		cmocka_unit_test(test_duplicate_notifications_make_one_payment),
		cmocka_unit_test(test_second_payment_of_a_paid_app_is_refunded),
		cmocka_unit_test(test_failed_close_asks_the_provider),
		cmocka_unit_test(test_pay_at_295_with_the_close_failing_is_checking_then_paid),
		cmocka_unit_test(test_unpaid_order_whose_close_fails_is_checking_then_closed),
		cmocka_unit_test(test_a_method_turned_off_is_refused),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("hub/pay", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
