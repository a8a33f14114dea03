/*
 * test_pay.c - payments in a real ca-hub (TLS on loopback, virtual clock)
 * whose providers are WeChat Pay API v3 and the bank gateway, both answered
 * by ca-paysim (docs/paysim.md) on the same clock: an order needs a session
 * and an approved, unpaid application; it dies 300 s later on the HUB's
 * clock (a poll or the sweep closes it, at the provider too, and the
 * customer can no longer pay: `ca-hubctl pay`, which pays at the simulator
 * as a phone would, fails); a payment at the last second whose
 * notification comes after the close is recorded (the close finds it),
 * never lost; a replaced order cannot be paid; duplicate notifications
 * make one payment and one revision; a second order paid for an
 * application already paid is refunded; the kiosk's GET reports SUCCESS
 * with the application paid. When the provider fails the close at the
 * expiry (its fault injection), the hub queries it; while that fails too,
 * the kiosk is answered CHECKING (never NOTPAY or expired), and the order
 * ends SUCCESS or CLOSED once the provider answers. A hub with its methods
 * turned off ([pay] wechat = off, bank = off) refuses their orders (503)
 * and stores none.
 *
 * These rules are pinned here only, over WeChat Pay's real protocol
 * (test_wxpay does not repeat them; test_bankpay pins the bank gateway's
 * own side of the expiry). The hub, its kiosk, the customer and the
 * staff's views are tests/support/payhub's.
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
#include "../support/payhub.h"

#define DEV "hall-01"

/* The group's hub (virtual clock, ca-paysim beside it) and its kiosk; it
 * must exit 0 at SIGTERM. */
static struct payhub ph = { .kiosk = { .id = DEV } };
static struct hubproc *const hub = &ph.hub;

/* j's "app" is paid and its processing status is proc. */
static void assert_app_paid(json_t *j, const char *proc)
{
	assert_string_equal(payhub_str(json_object_get(j, "app"), "pay_status"), "paid");
	assert_string_equal(payhub_str(json_object_get(j, "app"), "proc_status"), proc);
}

/* The provider (ca-paysim) fails its next closes and queries. */
static void fault(int closes, int queries)
{
	char body[80];

	snprintf(body, sizeof(body), "{\"close_fail\":%d,\"query_fail\":%d}", closes, queries);
	payhub_fault(&ph, body);
}

/* The trade_state in the provider's own books (not a query). */
static void sim_says(const char *no, const char *state)
{
	char s[16];

	assert_string_equal(payhub_sim_state(&ph, no, s), state);
}

/* The order's member key in the staff's view j. */
static int64_t order_int(json_t *j, const char *key)
{
	return payhub_int(json_object_get(j, "order"), key);
}

/* After secs more seconds both notifications of the paid order no have
 * arrived, and the application id still has one payment. */
static void assert_late_notices_change_nothing(const char *no, const char *id, int secs)
{
	payhub_advance(&ph, secs);
	json_decref(payhub_wait_order(&ph, no, "SUCCESS", 2));
	assert_int_equal(payhub_pay_count(&ph, id), 1);
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
	payhub_login(&ph, "13700000001", token);
	payhub_login(&ph, "13700000002", other);
	payhub_app(&ph, "13700000001", CA_PICKUP_ONSITE, "draft", &draft);
	payhub_app(&ph, "13700000001", CA_PICKUP_ONSITE, "pending_review", &pending);
	payhub_app(&ph, "13700000001", CA_PICKUP_ONSITE, "approved", &ok);

	/* No session, or a made-up one: 401. Not approved: 403. Another
	 * account's application: 404. No such method (or bank without one): 400. */
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		j = payhub_create(&ph, refused[i].session, refused[i].id, refused[i].method, NULL,
				  &st);
		if (st != refused[i].want)
			fail_msg("refusal %zu (%s): %ld, want %ld", i, refused[i].method, st,
				 refused[i].want);
		json_decref(j);
	}

	/* Approved and unpaid: an order shaped like WeChat Pay Native. */
	j = payhub_create(&ph, token, ok.id, "wechat", NULL, &st);
	assert_int_equal(st, 200);
	snprintf(no, sizeof(no), "%s", payhub_str(j, "out_trade_no"));
	assert_true(pay_trade_no_valid(no));
	assert_memory_equal(payhub_str(j, "code_url"), "weixin://wxpay/bizpayurl?pr=", 28);
	assert_int_equal(strlen(payhub_str(j, "code_url")), 28 + 7);
	assert_int_equal(pay_parse_rfc3339(payhub_str(j, "time_expire"), &parsed), CA_OK);
	assert_int_equal(parsed, payhub_int(j, "expires_at"));
	/* 300 s on the hub's clock (which the test moved). */
	assert_true(llabs((long long)(payhub_int(j, "expires_at") -
				      (time(NULL) + ph.clock_offset + 300))) <= 2);
	a = payhub_admin_app(&ph, ok.id);
	assert_true(payhub_int(json_object_get(a, "app"), "amount_fen") > 0);
	assert_int_equal(payhub_int(j, "amount_fen"),
			 payhub_int(json_object_get(a, "app"), "amount_fen"));
	json_decref(a);
	json_decref(j);
	/* Another account cannot read it. */
	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	j = payhub_kiosk(&ph, other, "GET", target, NULL, &st);
	assert_int_equal(st, 404);
	json_decref(j);

	/* The bank method: a page on the hub, same life; it replaces the
	 * WeChat order, whose QR code is dead from now on. */
	j = payhub_create(&ph, token, ok.id, "bank", "icbc", &st);
	assert_int_equal(st, 200);
	snprintf(expect, sizeof(expect), "https://127.0.0.1:%d/pay/bank/%s", hub->port,
		 payhub_str(j, "out_trade_no"));
	assert_string_equal(payhub_str(j, "code_url"), expect);
	assert_string_equal(payhub_str(j, "bank"), "icbc");
	snprintf(target, sizeof(target), "/pay/bank/%s", payhub_str(j, "out_trade_no"));
	json_decref(j);
	/* The page (test_bankpay reads it). */
	j = payhub_kiosk(&ph, NULL, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	json_decref(j);
	j = payhub_poll(&ph, token, no);
	assert_string_equal(payhub_str(j, "trade_state"), "CLOSED");
	assert_null(json_object_get(j, "code_url"));
	json_decref(j);
	assert_int_equal(payhub_customer_pays(&ph, no), 1);

	/* Staff see both orders, oldest first, each with its code_url (what
	 * tools/flowrun compares a screenshot's QR code with); a draft has none. */
	a = payhub_admin_app(&ph, ok.id);
	o = json_object_get(a, "orders");
	assert_int_equal(json_array_size(o), 2);
	assert_string_equal(payhub_str(json_array_get(o, 0), "out_trade_no"), no);
	assert_string_equal(payhub_str(json_array_get(o, 0), "trade_state"), "CLOSED");
	assert_string_equal(payhub_str(json_array_get(o, 0), "method"), "wechat");
	assert_memory_equal(payhub_str(json_array_get(o, 0), "code_url"),
			    "weixin://wxpay/bizpayurl?pr=", 28);
	assert_string_equal(payhub_str(json_array_get(o, 1), "method"), "bank");
	assert_string_equal(payhub_str(json_array_get(o, 1), "code_url"), expect);
	json_decref(a);
	a = payhub_admin_app(&ph, draft.id);
	assert_int_equal(json_array_size(json_object_get(a, "orders")), 0);
	json_decref(a);
}

static void test_expiry_closes_and_the_qr_is_dead(void **state)
{
	struct ca_app a;
	char token[65], no1[PAY_TRADE_NO_MAX + 1], no2[PAY_TRADE_NO_MAX + 1];
	json_t *j;

	(void)state;
	payhub_customer(&ph, "13700000003", token, &a);
	/* Polled after the expiry (300 s from the next whole second after
	 * the order, pay_order_new): the poll closes it. */
	payhub_new_order(&ph, token, a.id, no1, NULL);
	payhub_advance(&ph, 301);
	payhub_poll_says(&ph, token, no1, "CLOSED", "unpaid");
	/* Closed at the provider too: the customer is refused there. */
	sim_says(no1, "CLOSED");
	assert_int_equal(payhub_customer_pays(&ph, no1), 1);
	/* Nobody polls: the sweep closes it. */
	payhub_new_order(&ph, token, a.id, no2, NULL);
	payhub_advance(&ph, 301);
	j = payhub_wait_order(&ph, no2, "CLOSED", 0);
	assert_string_equal(payhub_str(json_object_get(j, "provider"), "trade_state"), "CLOSED");
	json_decref(j);
	assert_int_equal(payhub_customer_pays(&ph, no2), 1);
	j = payhub_admin_app(&ph, a.id);
	assert_string_equal(payhub_str(json_object_get(j, "app"), "pay_status"), "unpaid");
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
	payhub_customer(&ph, "13700000004", token, &a);
	payhub_app(&ph, "13700000004", CA_PICKUP_MAIL, "approved", &b);

	/* The kiosk polls after the expiry; the provider's notifications are
	 * late (held). */
	payhub_align_second();
	payhub_new_order(&ph, token, a.id, no, NULL);
	payhub_advance(&ph, 299);
	payhub_hold_notices(&ph, true);
	assert_int_equal(payhub_customer_pays(&ph, no), 0);
	payhub_advance(&ph, 2);
	j = payhub_poll(&ph, token, no);
	assert_string_equal(payhub_str(j, "trade_state"), "SUCCESS");
	assert_app_paid(j, "onsite");
	json_decref(j);
	o = payhub_admin_order(&ph, no);
	assert_int_equal(order_int(o, "notifications"), 0);
	rev = order_int(o, "applied_rev");
	assert_true(rev > 0);
	json_decref(o);
	/* Both notifications arrive late: one payment, one revision. */
	payhub_hold_notices(&ph, false);
	payhub_advance(&ph, 40);
	o = payhub_wait_order(&ph, no, "SUCCESS", 2);
	assert_int_equal(order_int(o, "notifications"), 2);
	assert_int_equal(order_int(o, "applied_rev"), rev);
	json_decref(o);
	j = payhub_admin_app(&ph, a.id);
	assert_int_equal(payhub_int(json_object_get(j, "app"), "rev"), rev);
	json_decref(j);
	assert_int_equal(payhub_pay_count(&ph, a.id), 1);

	/* Nobody polls: the sweep meets ORDERPAID before any notification. */
	payhub_align_second();
	payhub_new_order(&ph, token, b.id, no, NULL);
	payhub_advance(&ph, 299);
	payhub_hold_notices(&ph, true);
	assert_int_equal(payhub_customer_pays(&ph, no), 0);
	payhub_advance(&ph, 2);
	o = payhub_wait_order(&ph, no, "SUCCESS", 0);
	assert_int_equal(order_int(o, "notifications"), 0);
	assert_true(order_int(o, "applied_rev") > 0);
	json_decref(o);
	j = payhub_admin_app(&ph, b.id);
	assert_app_paid(j, "processing");
	json_decref(j);
	payhub_hold_notices(&ph, false);
	assert_late_notices_change_nothing(no, b.id, 40);
}

static void test_pay_after_the_close_is_refused(void **state)
{
	struct ca_app a;
	char token[65], old[PAY_TRADE_NO_MAX + 1], cur[PAY_TRADE_NO_MAX + 1];

	(void)state;
	payhub_customer(&ph, "13700000005", token, &a);
	/* Closed as replaced (before its expiry): dead. */
	payhub_new_order(&ph, token, a.id, old, NULL);
	payhub_new_order(&ph, token, a.id, cur, NULL);
	assert_int_equal(payhub_customer_pays(&ph, old), 1);
	/* Closed at expiry (at most 301 s): dead too, even though the poll
	 * came late. */
	payhub_advance(&ph, 301);
	payhub_poll_says(&ph, token, cur, "CLOSED", NULL);
	assert_int_equal(payhub_customer_pays(&ph, cur), 1);
	assert_int_equal(payhub_pay_count(&ph, a.id), 0);
	/* An unknown order is not the provider's. */
	assert_int_equal(payhub_customer_pays(&ph, "CA20990101XXXXXXXXXXXX"), 1);
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
	payhub_customer(&ph, "13700000006", token, &a);
	payhub_new_order(&ph, token, a.id, no, NULL);
	payhub_advance(&ph, 5);
	assert_int_equal(payhub_customer_pays(&ph, no), 0);
	assert_int_equal(payhub_customer_pays(&ph, no), 1); /* the customer cannot pay twice */
	payhub_advance(&ph, 31);
	o = payhub_wait_order(&ph, no, "SUCCESS", 2);
	assert_int_equal(order_int(o, "notifications"), 2);
	rev = order_int(o, "applied_rev");
	assert_true(rev > 0);
	json_decref(o);
	assert_int_equal(payhub_pay_count(&ph, a.id), 1);

	j = payhub_poll(&ph, token, no);
	assert_string_equal(payhub_str(j, "trade_state"), "SUCCESS");
	assert_true(strlen(payhub_str(j, "success_time")) == PAY_RFC3339_LEN);
	assert_app_paid(j, "onsite");
	assert_int_equal(payhub_int(json_object_get(j, "app"), "rev"), rev);
	json_decref(j);
	/* Paid: no new order. */
	j = payhub_create(&ph, token, a.id, "wechat", NULL, &st);
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
	payhub_customer(&ph, "13700000007", token, &a);
	payhub_new_order(&ph, token, a.id, first, NULL);
	fault(1, 0);
	payhub_new_order(&ph, token, a.id, second, NULL);
	assert_int_equal(payhub_customer_pays(&ph, first), 0);
	assert_int_equal(payhub_customer_pays(&ph, second), 0);
	payhub_poll_says(&ph, token, first, "SUCCESS", "paid");
	payhub_poll_says(&ph, token, second, "REFUND", "paid");
	j = payhub_admin_order(&ph, second);
	assert_string_equal(payhub_str(json_object_get(j, "provider"), "trade_state"), "REFUND");
	assert_int_equal(order_int(j, "applied_rev"), 0);
	json_decref(j);
	/* The late notifications of both change nothing. */
	payhub_advance(&ph, 40);
	json_decref(payhub_wait_order(&ph, first, "SUCCESS", 2));
	json_decref(payhub_wait_order(&ph, second, "REFUND", 2));
	assert_int_equal(payhub_pay_count(&ph, a.id), 1);
}

/* Paid at 295 s; at the expiry the provider fails the close but answers
 * the query: the hub asks it at once and the order is SUCCESS, not NOTPAY
 * or expired. */
static void test_failed_close_asks_the_provider(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1];

	(void)state;
	payhub_customer(&ph, "13700000008", token, &a);
	payhub_align_second();
	payhub_new_order(&ph, token, a.id, no, NULL);
	payhub_advance(&ph, 295);
	payhub_hold_notices(&ph, true); /* the hub learns it from the query only */
	assert_int_equal(payhub_customer_pays(&ph, no), 0);
	fault(100, 0);
	payhub_advance(&ph, 10);
	payhub_poll_says(&ph, token, no, "SUCCESS", "paid");
	fault(0, 0);
	payhub_hold_notices(&ph, false);
	assert_int_equal(payhub_pay_count(&ph, a.id), 1);
}

/* Paid at 295 s; at the expiry the provider fails the close and does not
 * answer queries either: the kiosk is told CHECKING (no code_url, the
 * application not paid yet), never NOTPAY; the first notification is
 * refused (the hub cannot check it) and comes again. Once the provider
 * answers (its notifications held meanwhile), the sweep alone finds the
 * payment (nobody polls) and the order is SUCCESS with the application
 * paid; the late notifications change nothing. */
static void test_pay_at_295_with_the_close_failing_is_checking_then_paid(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1];
	json_t *j, *o;

	(void)state;
	payhub_customer(&ph, "13700000009", token, &a);
	payhub_align_second();
	payhub_new_order(&ph, token, a.id, no, NULL);
	payhub_advance(&ph, 295);
	fault(100, 100); /* the provider's notification comes, the hub cannot check it */
	assert_int_equal(payhub_customer_pays(&ph, no), 0);
	payhub_advance(&ph, 10); /* past the expiry */
	j = payhub_poll(&ph, token, no);
	assert_string_equal(payhub_str(j, "trade_state"), "CHECKING");
	assert_null(json_object_get(j, "code_url"));
	assert_string_equal(payhub_str(json_object_get(j, "app"), "pay_status"), "unpaid");
	json_decref(j);
	/* The sweep keeps trying; still unknown while the provider is down.
	 * Its notifications are held from now on, so that once it answers only
	 * the sweep can find the payment. */
	payhub_hold_notices(&ph, true);
	ca_sleep_ms(3 * 500 + 100);
	payhub_poll_says(&ph, token, no, "CHECKING", NULL);
	o = payhub_admin_order(&ph, no);
	assert_string_equal(payhub_str(json_object_get(o, "order"), "trade_state"), "CHECKING");
	assert_true(strlen(payhub_str(json_object_get(o, "provider"), "error")) > 0);
	assert_int_equal(order_int(o, "applied_rev"), 0);
	json_decref(o);
	sim_says(no, "SUCCESS"); /* what the provider's books hold meanwhile */

	fault(0, 0);
	o = payhub_wait_order(&ph, no, "SUCCESS", 0);
	assert_true(order_int(o, "applied_rev") > 0);
	json_decref(o);
	j = payhub_poll(&ph, token, no);
	assert_string_equal(payhub_str(j, "trade_state"), "SUCCESS");
	assert_app_paid(j, "onsite");
	json_decref(j);
	/* The refused notification and the duplicate both arrive later. */
	payhub_hold_notices(&ph, false);
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
	payhub_customer(&ph, "13700000010", token, &a);
	payhub_new_order(&ph, token, a.id, no, NULL);
	fault(100, 0);
	payhub_advance(&ph, 301);
	j = payhub_poll(&ph, token, no);
	assert_string_equal(payhub_str(j, "trade_state"), "CHECKING");
	assert_null(json_object_get(j, "code_url"));
	json_decref(j);
	j = payhub_create(&ph, token, a.id, "wechat", NULL, &st);
	assert_int_equal(st, 409);
	json_decref(j);
	assert_int_equal(payhub_customer_pays(&ph, no), 1); /* the provider refuses: expired */

	fault(0, 0);
	json_decref(payhub_wait_order(&ph, no, "CLOSED", 0));
	payhub_poll_says(&ph, token, no, "CLOSED", "unpaid");
	payhub_new_order(&ph, token, a.id, again, NULL);
	assert_string_not_equal(again, no);
	assert_int_equal(payhub_pay_count(&ph, a.id), 0);
}

/* A hub whose [pay] leaves both methods off (the default): an order by
 * either is refused, 503 method_unavailable, and nothing is stored; the
 * hub says so in its log at the start. */
static void test_a_method_turned_off_is_refused(void **state)
{
	static struct payhub off = { .kiosk = { .id = "hall-02" } };
	struct hubcall_dev *const ds[] = { &off.kiosk };
	static const char *const methods[][2] = { { "wechat", NULL }, { "bank", "icbc" } };
	char token[65];
	struct ca_app a;
	size_t i;
	long st;
	json_t *j;

	(void)state;
	assert_int_equal(hubcall_start(&off.hub, NULL, ds, 1), 0);
	assert_true(hubcall_log_has(&off.hub, "[pay] wechat = off"));
	assert_true(hubcall_log_has(&off.hub, "[pay] bank = off"));
	payhub_customer(&off, "13700000011", token, &a);
	for (i = 0; i < 2; i++) {
		j = payhub_create(&off, token, a.id, methods[i][0], methods[i][1], &st);
		assert_int_equal(st, 503);
		assert_string_equal(payhub_str(json_object_get(j, "error"), "code"),
				    "method_unavailable");
		json_decref(j);
	}
	j = payhub_admin_app(&off, a.id);
	assert_int_equal(json_array_size(json_object_get(j, "orders")), 0);
	assert_string_equal(payhub_str(json_object_get(j, "app"), "pay_status"), "unpaid");
	json_decref(j);
	assert_int_equal(hubcall_finish(&off.hub), 0);
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

	payhub_group(&ph);
	return cmocka_run_group_tests_name("hub/pay", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
