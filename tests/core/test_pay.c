/*
 * test_pay.c - payment order rules (WeChat Pay v3 Native shape) and the
 * kiosk countdown: orders expire after 300 s on the hub clock and cannot be
 * paid after; a close never hides a payment; duplicates are refunded; the
 * countdown comes from the hub's clock, and "expired" is never shown before
 * the hub confirms the order unpaid after the expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/bank.h"
#include "core/pay.h"
#include "../support/idcheck.h"

#define APP "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90"
#define NOW INT64_C(1795000000) /* 2026-11-18T19:06:40+08:00 */

static void test_new_order_has_valid_number_and_300s_life(void **ctx)
{
	struct pay_order a, b;

	(void)ctx;
	assert_int_equal(pay_order_new(&a, APP, PAY_WECHAT, 30000, NOW * 1000), CA_OK);
	assert_int_equal(pay_order_new(&b, APP, PAY_WECHAT, 30000, NOW * 1000), CA_OK);
	assert_true(pay_trade_no_valid(a.out_trade_no));
	assert_int_equal(strlen(a.out_trade_no), 22);
	assert_memory_equal(a.out_trade_no, "CA20261118", 10);
	assert_string_not_equal(a.out_trade_no, b.out_trade_no);
	assert_int_equal(a.expires_s, NOW + 300);
	assert_int_equal(a.state, PAY_NOTPAY);
	assert_int_equal(pay_order_new(&a, APP, PAY_WECHAT, 0, NOW * 1000), CA_ERR_ARG);
	assert_int_equal(pay_order_new(&a, "not-an-id", PAY_WECHAT, 100, NOW * 1000), CA_ERR_ARG);
}

static void test_trade_no_charset_and_length(void **ctx)
{
	(void)ctx;
	assert_true(pay_trade_no_valid("abc_-|*123"));
	assert_false(pay_trade_no_valid("abc12"));                          /* 5 */
	assert_true(pay_trade_no_valid("abc123"));                          /* 6 */
	assert_true(pay_trade_no_valid("0123456789012345678901234567890A")); /* 32 */
	assert_false(pay_trade_no_valid("0123456789012345678901234567890AB"));
	assert_false(pay_trade_no_valid("abc 123"));
	assert_false(pay_trade_no_valid("订单123456"));
	assert_false(pay_trade_no_valid(NULL));
}

static void test_pay_before_expiry_succeeds_after_is_refused(void **ctx)
{
	struct pay_order o, before;

	(void)ctx;
	pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000);
	before = o;
	assert_int_equal(pay_order_pay(&o, NOW + 300), CA_ERR_FORBIDDEN);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(pay_order_pay(&o, NOW + 299), CA_OK);
	assert_int_equal(o.state, PAY_SUCCESS);
	assert_int_equal(o.paid_s, NOW + 299);
	/* Paying twice is refused: money is taken once. */
	assert_int_equal(pay_order_pay(&o, NOW + 299), CA_ERR_FORBIDDEN);
}

static void test_close_is_idempotent_and_never_hides_a_payment(void **ctx)
{
	struct pay_order o;

	(void)ctx;
	pay_order_new(&o, APP, PAY_BANK, 30000, NOW * 1000);
	assert_int_equal(pay_order_close(&o), CA_OK);
	assert_int_equal(o.state, PAY_CLOSED);
	assert_int_equal(pay_order_close(&o), CA_OK);
	assert_int_equal(pay_order_pay(&o, NOW + 1), CA_ERR_FORBIDDEN); /* closed: dead */

	/* Paid in the race with the close: the close reports it. */
	pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000);
	assert_int_equal(pay_order_pay(&o, NOW + 299), CA_OK);
	assert_int_equal(pay_order_close(&o), CA_ERR_CONFLICT);
	assert_int_equal(o.state, PAY_SUCCESS);
}

static void test_refund_only_of_a_paid_order(void **ctx)
{
	struct pay_order o;

	(void)ctx;
	pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000);
	assert_int_equal(pay_order_refund(&o), CA_ERR_FORBIDDEN);
	pay_order_pay(&o, NOW + 10);
	assert_int_equal(pay_order_refund(&o), CA_OK);
	assert_int_equal(o.state, PAY_REFUND);
	assert_int_equal(pay_order_refund(&o), CA_OK);
	assert_int_equal(pay_order_close(&o), CA_ERR_CONFLICT);
}

/* Reports merge forward only: a late or repeated report never undoes a
 * payment, and a closed order never becomes paid. */
static void test_state_merge_only_moves_forward(void **ctx)
{
	int from, to;

	(void)ctx;
	assert_true(pay_state_advances(PAY_NOTPAY, PAY_SUCCESS));
	assert_true(pay_state_advances(PAY_NOTPAY, PAY_CLOSED));
	assert_true(pay_state_advances(PAY_NOTPAY, PAY_REFUND));
	assert_true(pay_state_advances(PAY_SUCCESS, PAY_REFUND));
	assert_false(pay_state_advances(PAY_SUCCESS, PAY_CLOSED));
	assert_false(pay_state_advances(PAY_SUCCESS, PAY_NOTPAY));
	assert_false(pay_state_advances(PAY_CLOSED, PAY_SUCCESS));
	assert_false(pay_state_advances(PAY_REFUND, PAY_SUCCESS));
	for (from = 0; from < PAY__N; from++)
		for (to = 0; to < PAY__N; to++)
			if (pay_state_advances((enum pay_state)from, (enum pay_state)to))
				assert_false(pay_state_advances((enum pay_state)to,
								(enum pay_state)from));
}

static void test_rfc3339_round_trip(void **ctx)
{
	char buf[PAY_RFC3339_LEN + 1];
	int64_t t;

	(void)ctx;
	pay_rfc3339(NOW + 300, buf);
	assert_string_equal(buf, "2026-11-18T19:11:40+08:00");
	assert_int_equal(pay_parse_rfc3339(buf, &t), CA_OK);
	assert_int_equal(t, NOW + 300);
	assert_int_equal(pay_parse_rfc3339("2026-11-18T11:11:40Z", &t), CA_OK);
	assert_int_equal(t, NOW + 300);
	assert_int_equal(pay_parse_rfc3339("2026-11-18T11:11:40.250Z", &t), CA_OK);
	assert_int_equal(t, NOW + 300);
	assert_int_equal(pay_parse_rfc3339("2026-11-18T06:11:40-05:00", &t), CA_OK);
	assert_int_equal(t, NOW + 300);
	assert_int_equal(pay_parse_rfc3339("1970-01-01T00:00:00Z", &t), CA_OK);
	assert_int_equal(t, 0);
	assert_int_equal(pay_parse_rfc3339("2026-11-18 13:51:40Z", &t), CA_ERR_ARG);
	assert_int_equal(pay_parse_rfc3339("2026-13-18T13:51:40Z", &t), CA_ERR_ARG);
	/* Only days the calendar has. */
	assert_int_equal(pay_parse_rfc3339("2026-04-31T00:00:00Z", &t), CA_ERR_ARG);
	assert_int_equal(pay_parse_rfc3339("2026-02-29T00:00:00Z", &t), CA_ERR_ARG);
	assert_int_equal(pay_parse_rfc3339("2100-02-29T00:00:00Z", &t), CA_ERR_ARG);
	assert_int_equal(pay_parse_rfc3339("2028-02-29T00:00:00Z", &t), CA_OK);
	assert_int_equal(pay_parse_rfc3339("2000-02-29T00:00:00Z", &t), CA_OK);
	assert_int_equal(t, 951782400);
	assert_int_equal(pay_parse_rfc3339("2026-11-18T13:51:40", &t), CA_ERR_ARG);
	assert_int_equal(pay_parse_rfc3339("2026-11-18T13:51:40+0800", &t), CA_ERR_ARG);
	assert_int_equal(pay_parse_rfc3339(NULL, &t), CA_ERR_ARG);
}

/* The countdown follows the hub's clock, whatever the kiosk's wall clock
 * says: only the monotonic time since the hub's Date counts. */
static void test_countdown_from_hub_clock(void **ctx)
{
	char t[6];
	int64_t mono0 = 5000000; /* any monotonic reading */
	int64_t left;

	(void)ctx;
	/* Order made at hub time NOW, answer received at mono0. */
	left = pay_remaining_ms(NOW + 300, NOW * 1000, mono0, mono0);
	pay_countdown_text(left, t);
	assert_string_equal(t, "05:00");
	left = pay_remaining_ms(NOW + 300, NOW * 1000, mono0, mono0 + 60000);
	pay_countdown_text(left, t);
	assert_string_equal(t, "04:00");
	left = pay_remaining_ms(NOW + 300, NOW * 1000, mono0, mono0 + 60001);
	pay_countdown_text(left, t);
	assert_string_equal(t, "04:00"); /* rounds up: 3:59.999 shows 04:00 */
	left = pay_remaining_ms(NOW + 300, NOW * 1000, mono0, mono0 + 299001);
	pay_countdown_text(left, t);
	assert_string_equal(t, "00:01");
	left = pay_remaining_ms(NOW + 300, NOW * 1000, mono0, mono0 + 300000);
	assert_int_equal(left, 0);
	pay_countdown_text(left, t);
	assert_string_equal(t, "00:00");
	assert_int_equal(pay_remaining_ms(NOW + 300, NOW * 1000, mono0, mono0 + 900000), 0);
	/* The response arrived late (hub Date 2 s after creation): 2 s less. */
	assert_int_equal(pay_remaining_ms(NOW + 300, (NOW + 2) * 1000, mono0, mono0), 298000);
	/* With the hub's ms: 0.4 s into the second, 299.6 s are left. An
	 * order made at NOW - 0.6 s has its expiry rounded up to NOW + 300
	 * (300.6 s away): shown as the full window, 05:00, not more; a second
	 * later it still shows 05:00 (299.6 s, rounded up). */
	assert_int_equal(pay_remaining_ms(NOW + 300, NOW * 1000 + 400, mono0, mono0), 299600);
	assert_int_equal(pay_remaining_ms(NOW + 300, NOW * 1000 - 600, mono0, mono0), 300000);
	pay_countdown_text(pay_remaining_ms(NOW + 300, NOW * 1000 - 600, mono0, mono0 + 999), t);
	assert_string_equal(t, "05:00");
}

/* An order made in the middle of a second expires at the next whole second
 * + 300: the person gets at least the full 300 s, and the expiry stays a
 * whole second (time_expire). */
static void test_expiry_rounds_up_to_a_whole_second(void **ctx)
{
	struct pay_order o;

	(void)ctx;
	assert_int_equal(pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000 + 1), CA_OK);
	assert_int_equal(o.created_s, NOW);
	assert_int_equal(o.expires_s, NOW + 301);
	assert_int_equal(pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000 + 999), CA_OK);
	assert_int_equal(o.expires_s, NOW + 301);
	assert_int_equal(pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000), CA_OK);
	assert_int_equal(o.expires_s, NOW + 300);
}

static void test_expired_is_shown_only_when_the_hub_says_closed(void **ctx)
{
	struct pay_order o;

	(void)ctx;
	assert_int_equal(pay_view_of(PAY_NOTPAY, false, 1000), PAY_VIEW_WAITING);
	assert_int_equal(pay_view_of(PAY_NOTPAY, false, 0), PAY_VIEW_CHECKING);
	/* Open after the expiry, or the hub still checking: the outcome is
	 * unknown (a close failed), never "expired"; only CLOSED is. */
	assert_int_equal(pay_view_of(PAY_NOTPAY, true, 0), PAY_VIEW_CHECKING);
	assert_int_equal(pay_view_of(PAY_NOTPAY, true, 5000), PAY_VIEW_CHECKING);
	assert_int_equal(pay_order_new(&o, APP, PAY_WECHAT, 30000, NOW * 1000), CA_OK);
	assert_false(pay_order_checking(&o, NOW + 299));
	assert_true(pay_order_checking(&o, NOW + 300));
	o.state = PAY_CLOSED;
	assert_false(pay_order_checking(&o, NOW + 300));
	o.state = PAY_SUCCESS;
	assert_false(pay_order_checking(&o, NOW + 300));
	/* Paid at the last second: never "expired", whatever the clock says. */
	assert_int_equal(pay_view_of(PAY_SUCCESS, true, 0), PAY_VIEW_PAID);
	assert_int_equal(pay_view_of(PAY_SUCCESS, false, 0), PAY_VIEW_PAID);
	assert_int_equal(pay_view_of(PAY_REFUND, true, 0), PAY_VIEW_PAID);
	assert_int_equal(pay_view_of(PAY_CLOSED, false, 5000), PAY_VIEW_EXPIRED);
}

static void test_state_and_method_names(void **ctx)
{
	(void)ctx;
	assert_ids_round_trip(enum pay_state, PAY__N, pay_state_id, pay_state_from_id);
	assert_ids_round_trip(enum pay_method, PAY_METHOD__N, pay_method_id, pay_method_from_id);
	assert_string_equal(pay_state_id(PAY_NOTPAY), "NOTPAY");
	assert_int_equal(pay_state_from_id("PAYERROR"), -1);
	assert_int_equal(pay_method_from_id("alipay"), -1);
}

/* The banks of 个人网银, named once (core/bank.h): each id found, with a
 * name of its own in the catalog; no other id, nor none. */
static void test_banks_each_named_once(void **state)
{
	size_t i, j;

	(void)state;
	assert_int_equal(ca_nbanks, 10);
	for (i = 0; i < ca_nbanks; i++) {
		assert_ptr_equal(ca_bank_find(ca_banks[i].id), &ca_banks[i]);
		assert_true(strlen(msg(ca_banks[i].name)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(msg(ca_banks[i].name), msg(ca_banks[j].name));
	}
	assert_string_equal(msg(ca_bank_find("spdb")->name), "上海浦东发展银行");
	assert_string_equal(msg(ca_bank_find("cmb")->name), "招商银行");
	assert_null(ca_bank_find("alipay"));
	assert_null(ca_bank_find("ICBC"));
	assert_null(ca_bank_find(""));
	assert_null(ca_bank_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_order_has_valid_number_and_300s_life),
		cmocka_unit_test(test_trade_no_charset_and_length),
		cmocka_unit_test(test_pay_before_expiry_succeeds_after_is_refused),
		cmocka_unit_test(test_close_is_idempotent_and_never_hides_a_payment),
		cmocka_unit_test(test_refund_only_of_a_paid_order),
		cmocka_unit_test(test_state_merge_only_moves_forward),
		cmocka_unit_test(test_rfc3339_round_trip),
		cmocka_unit_test(test_countdown_from_hub_clock),
		cmocka_unit_test(test_expiry_rounds_up_to_a_whole_second),
		cmocka_unit_test(test_expired_is_shown_only_when_the_hub_says_closed),
		cmocka_unit_test(test_state_and_method_names),
		cmocka_unit_test(test_banks_each_named_once),
	};

	return cmocka_run_group_tests_name("core/pay", tests, NULL, NULL);
}
