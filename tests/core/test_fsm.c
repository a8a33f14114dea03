/*
 * test_fsm.c - the status table: every (state, action) pair against rules
 * written independently from docs/domain.md; allowed actions succeed and lead to
 * the right state, forbidden ones fail with CA_ERR_FORBIDDEN and change
 * nothing; what each action needs (reason, tracking number, a valid form,
 * a price) is enforced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/fsm.h"
#include "../fixture.h"

/* The rules of docs/domain.md, written as plain logic, not as a table. */
static bool expect_allowed(struct ca_state s, enum ca_action a)
{
	bool editable = s.app == CA_APP_DRAFT || s.app == CA_APP_REJECTED;
	bool approved = s.app == CA_APP_APPROVED;
	bool paid = approved && s.pay == CA_PAY_PAID;
	bool paid_or_done = approved && (s.pay == CA_PAY_PAID || s.pay == CA_PAY_DONE);
	bool mail = s.pickup == CA_PICKUP_MAIL;

	switch (a) {
	case CA_ACT_SAVE:
	case CA_ACT_EDIT:
	case CA_ACT_SUBMIT:
		return editable;
	case CA_ACT_DELETE:
		return s.app == CA_APP_DRAFT;
	case CA_ACT_APPROVE:
	case CA_ACT_REJECT:
		return s.app == CA_APP_PENDING_REVIEW;
	case CA_ACT_PAY:
		return approved && s.pay == CA_PAY_UNPAID && s.proc == CA_PROC_NONE;
	case CA_ACT_ADD_RECORD:
	case CA_ACT_ISSUE_INVOICE:
		return paid_or_done;
	case CA_ACT_VIEW_DETAILS:
		return paid_or_done || (approved && s.pay == CA_PAY_REFUNDED);
	case CA_ACT_REFUND:
		return paid && (s.proc == CA_PROC_PROCESSING || s.proc == CA_PROC_ONSITE);
	case CA_ACT_SHIP:
		return paid && mail && s.proc == CA_PROC_PROCESSING;
	case CA_ACT_CONFIRM_RECEIPT:
		return paid && mail && s.proc == CA_PROC_SHIPPED;
	case CA_ACT_MARK_READY:
		return paid && !mail && s.proc == CA_PROC_ONSITE;
	case CA_ACT_COLLECT:
		return paid && !mail && s.proc == CA_PROC_READY_FOR_PICKUP;
	case CA_ACT_HAND_OVER:
		return paid && !mail && s.proc == CA_PROC_ONSITE;
	default:
		return false;
	}
}

/* The state after an allowed action, from the same rules. */
static struct ca_state expect_next(struct ca_state s, enum ca_action a)
{
	switch (a) {
	case CA_ACT_SUBMIT:
		s.app = CA_APP_PENDING_REVIEW;
		break;
	case CA_ACT_APPROVE:
		s.app = CA_APP_APPROVED;
		s.pay = CA_PAY_UNPAID;
		s.proc = CA_PROC_NONE;
		break;
	case CA_ACT_REJECT:
		s.app = CA_APP_REJECTED;
		break;
	case CA_ACT_PAY:
		s.pay = CA_PAY_PAID;
		s.proc = s.pickup == CA_PICKUP_MAIL ? CA_PROC_PROCESSING : CA_PROC_ONSITE;
		break;
	case CA_ACT_SHIP:
		s.proc = CA_PROC_SHIPPED;
		break;
	case CA_ACT_CONFIRM_RECEIPT:
		s.pay = CA_PAY_DONE;
		s.proc = CA_PROC_RECEIVED;
		break;
	case CA_ACT_MARK_READY:
		s.proc = CA_PROC_READY_FOR_PICKUP;
		break;
	case CA_ACT_COLLECT:
	case CA_ACT_HAND_OVER:
		s.pay = CA_PAY_DONE;
		s.proc = CA_PROC_COLLECTED;
		break;
	case CA_ACT_REFUND:
		s.pay = CA_PAY_REFUNDED;
		s.proc = CA_PROC_NONE;
		break;
	default:
		break;
	}
	return s;
}

/* The text an action needs to succeed. */
static const char *good_arg(enum ca_action a)
{
	switch (a) {
	case CA_ACT_SUBMIT:
		return "请尽快审核";
	case CA_ACT_REJECT:
		return "营业执照副本不清晰，请重新上传";
	case CA_ACT_SHIP:
		return "SF1234567890123";
	case CA_ACT_HAND_OVER:
		return "320582199003071232"; /* the fixture's handler */
	case CA_ACT_REFUND:
		return "客户要求取消办理";
	default:
		return NULL;
	}
}

/* Every (state, action) pair: 4*4*7*2 states x every action. */
static void test_every_state_action_pair_follows_the_rules(void **ctx)
{
	int app, pay, proc, pickup, a, allowed = 0, forbidden = 0;

	(void)ctx;
	for (app = 0; app < CA_APP__N; app++)
	for (pay = 0; pay < CA_PAY__N; pay++)
	for (proc = 0; proc < CA_PROC__N; proc++)
	for (pickup = 0; pickup < CA_PICKUP__N; pickup++)
	for (a = 0; a < CA_ACT__N; a++) {
		struct ca_app rec, before;
		struct ca_state s, next;
		struct valid_report rep;
		bool want;
		ca_err err;

		fixture_app_mail(&rec);
		rec.pickup = (enum ca_pickup)pickup;
		rec.app_status = (enum ca_app_status)app;
		rec.pay_status = (enum ca_pay_status)pay;
		rec.proc_status = (enum ca_proc_status)proc;
		rec.amount_fen = 30000;
		s = ca_state_of(&rec);
		want = expect_allowed(s, (enum ca_action)a);
		before = rec;

		assert_int_equal(fsm_allowed(&s, (enum ca_action)a), want);
		err = fsm_apply(&rec, (enum ca_action)a, good_arg((enum ca_action)a),
				FIXTURE_TODAY, &rep);
		if (want) {
			struct ca_state exp = expect_next(s, (enum ca_action)a);

			allowed++;
			assert_int_equal(err, CA_OK);
			next = ca_state_of(&rec);
			assert_int_equal(next.app, exp.app);
			assert_int_equal(next.pay, exp.pay);
			assert_int_equal(next.proc, exp.proc);
			assert_int_equal(next.pickup, s.pickup);
		} else {
			forbidden++;
			assert_int_equal(err, CA_ERR_FORBIDDEN);
			assert_memory_equal(&rec, &before, sizeof(rec));
			assert_int_equal(fsm_next(&s, (enum ca_action)a, &next),
					 CA_ERR_FORBIDDEN);
		}
	}
	/* Both outcomes were exercised in quantity. */
	assert_true(allowed > 50);
	assert_true(forbidden > 1000);
}

/* The rules the seed states in words, pinned one by one. */
static void test_edit_and_delete_rules_of_the_seed(void **ctx)
{
	struct ca_state s = {CA_APP_DRAFT, CA_PAY_UNPAID, CA_PROC_NONE, CA_PICKUP_ONSITE};

	(void)ctx;
	assert_true(fsm_allowed(&s, CA_ACT_EDIT));
	assert_true(fsm_allowed(&s, CA_ACT_DELETE));
	s.app = CA_APP_REJECTED;
	assert_true(fsm_allowed(&s, CA_ACT_EDIT));
	assert_false(fsm_allowed(&s, CA_ACT_DELETE));
	s.app = CA_APP_PENDING_REVIEW;
	assert_false(fsm_allowed(&s, CA_ACT_EDIT));
	assert_false(fsm_allowed(&s, CA_ACT_SAVE));
	assert_false(fsm_allowed(&s, CA_ACT_DELETE));
	s.app = CA_APP_APPROVED;
	assert_false(fsm_allowed(&s, CA_ACT_EDIT));
	assert_false(fsm_allowed(&s, CA_ACT_SAVE));
	assert_false(fsm_allowed(&s, CA_ACT_DELETE));
	assert_true(fsm_allowed(&s, CA_ACT_PAY));
}

/* Out-of-range statuses (a corrupt record) allow nothing. */
static void test_out_of_range_state_allows_nothing(void **ctx)
{
	struct ca_state s = {CA_APP__N, CA_PAY_UNPAID, CA_PROC_NONE, CA_PICKUP_ONSITE};
	int a;

	(void)ctx;
	for (a = 0; a < CA_ACT__N; a++)
		assert_false(fsm_allowed(&s, (enum ca_action)a));
	s.app = CA_APP_DRAFT;
	s.pickup = (enum ca_pickup)7;
	for (a = 0; a < CA_ACT__N; a++)
		assert_false(fsm_allowed(&s, (enum ca_action)a));
}

static void test_submit_of_invalid_form_fails_and_changes_nothing(void **ctx)
{
	struct ca_app rec, before;
	struct valid_report rep;

	(void)ctx;
	fixture_app(&rec);
	rec.uscc[17] = rec.uscc[17] == '0' ? '1' : '0'; /* break the check char */
	rec.mobile[0] = '\0';
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY, &rep),
			 CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(rep.n, 2);
	assert_non_null(valid_report_find(&rep, CA_F_USCC));
	assert_non_null(valid_report_find(&rep, CA_F_MOBILE));
}

static void test_submit_reports_form_and_overlong_comment_together(void **ctx)
{
	struct ca_app rec, before;
	struct valid_report rep;
	char comment[CA_COMMENT_MAX * 3 + 8] = "";
	int i;

	(void)ctx;
	for (i = 0; i < CA_COMMENT_MAX + 1; i++)
		strcat(comment, "意");
	fixture_app(&rec);
	rec.company[0] = '\0';
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_SUBMIT, comment, FIXTURE_TODAY, &rep),
			 CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(rep.n, 2);
	assert_int_equal(valid_report_find(&rep, CA_F_COMMENT)->msg, MSG_V_TOO_LONG);
	assert_int_equal(valid_report_find(&rep, CA_F_COMMENT)->arg, CA_COMMENT_MAX);
}

static void test_submit_stores_comment_and_clears_old_reason(void **ctx)
{
	struct ca_app rec;

	(void)ctx;
	fixture_app(&rec);
	rec.app_status = CA_APP_REJECTED;
	strcpy(rec.reject_reason, "材料不全");
	assert_int_equal(fsm_apply(&rec, CA_ACT_SUBMIT, "已补充材料", FIXTURE_TODAY, NULL), CA_OK);
	assert_int_equal(rec.app_status, CA_APP_PENDING_REVIEW);
	assert_string_equal(rec.comment, "已补充材料");
	assert_string_equal(rec.reject_reason, "");
	/* The comment is optional. */
	fixture_app(&rec);
	assert_int_equal(fsm_apply(&rec, CA_ACT_SUBMIT, NULL, FIXTURE_TODAY, NULL), CA_OK);
	assert_string_equal(rec.comment, "");
}

static void test_reject_requires_a_reason(void **ctx)
{
	struct ca_app rec, before;
	struct valid_report rep;

	(void)ctx;
	fixture_app(&rec);
	rec.app_status = CA_APP_PENDING_REVIEW;
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_REJECT, NULL, FIXTURE_TODAY, &rep), CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(rep.err[0].field, CA_F_REJECT_REASON);
	assert_int_equal(rep.err[0].msg, MSG_V_REQUIRED);
	assert_int_equal(fsm_apply(&rec, CA_ACT_REJECT, "", FIXTURE_TODAY, &rep), CA_ERR_INVALID);
	assert_int_equal(fsm_apply(&rec, CA_ACT_REJECT, "证件号码与姓名不符", FIXTURE_TODAY, &rep), CA_OK);
	assert_int_equal(rec.app_status, CA_APP_REJECTED);
	assert_string_equal(rec.reject_reason, "证件号码与姓名不符");
}

static void test_ship_requires_tracking_number(void **ctx)
{
	struct ca_app rec, before;

	(void)ctx;
	fixture_app_mail(&rec);
	rec.app_status = CA_APP_APPROVED;
	rec.pay_status = CA_PAY_PAID;
	rec.proc_status = CA_PROC_PROCESSING;
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_SHIP, "", FIXTURE_TODAY, NULL), CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(fsm_apply(&rec, CA_ACT_SHIP, "SF10086", FIXTURE_TODAY, NULL), CA_OK);
	assert_string_equal(rec.tracking_no, "SF10086");
}

static void test_pay_requires_a_price(void **ctx)
{
	struct ca_app rec, before;

	(void)ctx;
	fixture_app(&rec);
	rec.app_status = CA_APP_APPROVED;
	rec.amount_fen = 0;
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_PAY, NULL, FIXTURE_TODAY, NULL), CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
}

/* The two whole journeys of the seed, mail and on site. */
static void test_mail_and_onsite_journeys(void **ctx)
{
	static const enum ca_action mail[] = {
		CA_ACT_SAVE, CA_ACT_SUBMIT, CA_ACT_REJECT, CA_ACT_EDIT, CA_ACT_SAVE,
		CA_ACT_SUBMIT, CA_ACT_APPROVE, CA_ACT_PAY, CA_ACT_ADD_RECORD,
		CA_ACT_SHIP, CA_ACT_CONFIRM_RECEIPT, CA_ACT_ISSUE_INVOICE,
		CA_ACT_VIEW_DETAILS,
	};
	static const enum ca_action onsite[] = {
		CA_ACT_SUBMIT, CA_ACT_APPROVE, CA_ACT_PAY, CA_ACT_MARK_READY,
		CA_ACT_COLLECT, CA_ACT_VIEW_DETAILS,
	};
	struct ca_app rec;
	size_t i;

	(void)ctx;
	fixture_app_mail(&rec);
	rec.amount_fen = 30000;
	for (i = 0; i < sizeof(mail) / sizeof(mail[0]); i++)
		assert_int_equal(fsm_apply(&rec, mail[i], good_arg(mail[i]), FIXTURE_TODAY, NULL), CA_OK);
	assert_int_equal(rec.pay_status, CA_PAY_DONE);
	assert_int_equal(rec.proc_status, CA_PROC_RECEIVED);

	fixture_app(&rec);
	rec.amount_fen = 30000;
	for (i = 0; i < sizeof(onsite) / sizeof(onsite[0]); i++)
		assert_int_equal(fsm_apply(&rec, onsite[i], good_arg(onsite[i]), FIXTURE_TODAY, NULL), CA_OK);
	assert_int_equal(rec.pay_status, CA_PAY_DONE);
	assert_int_equal(rec.proc_status, CA_PROC_COLLECTED);
	/* No receipt confirmation on site, no collecting by mail. */
	{
		struct ca_state s = ca_state_of(&rec);

		assert_false(fsm_allowed(&s, CA_ACT_CONFIRM_RECEIPT));
	}
}

/* The counter hands the key over only to the application's handler: the
 * ID number read from the card must be the stored one (x as X); a wrong,
 * missing or malformed one changes nothing. Only while the key waits at
 * the counter: not once it is in a kiosk, not by mail. */
static void test_hand_over_checks_the_handler_id_number(void **ctx)
{
	struct ca_app rec, before;
	struct valid_report rep;
	struct ca_state s;

	(void)ctx;
	fixture_app(&rec);
	strcpy(rec.handler_id, "11010519491231002X");
	rec.app_status = CA_APP_APPROVED;
	rec.pay_status = CA_PAY_PAID;
	rec.proc_status = CA_PROC_ONSITE;
	rec.amount_fen = 30000;
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_HAND_OVER, "110105194912310021", FIXTURE_TODAY,
				   &rep), CA_ERR_INVALID);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.err[0].field, CA_F_HANDLER_ID);
	assert_int_equal(rep.err[0].msg, MSG_V_RIC_NOT_HANDLER);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(fsm_apply(&rec, CA_ACT_HAND_OVER, NULL, FIXTURE_TODAY, &rep),
			 CA_ERR_INVALID);
	assert_int_equal(rep.err[0].msg, MSG_V_REQUIRED);
	assert_int_equal(fsm_apply(&rec, CA_ACT_HAND_OVER, "11010519491231002", FIXTURE_TODAY,
				   &rep), CA_ERR_INVALID);
	assert_int_equal(fsm_apply(&rec, CA_ACT_HAND_OVER, "11010519491231002XX", FIXTURE_TODAY,
				   &rep), CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(fsm_apply(&rec, CA_ACT_HAND_OVER, "11010519491231002x", FIXTURE_TODAY,
				   &rep), CA_OK);
	assert_int_equal(rec.pay_status, CA_PAY_DONE);
	assert_int_equal(rec.proc_status, CA_PROC_COLLECTED);
	s = ca_state_of(&rec);
	assert_false(fsm_allowed(&s, CA_ACT_HAND_OVER));
	assert_false(fsm_allowed(&s, CA_ACT_COLLECT));
	s.pay = CA_PAY_PAID;
	s.proc = CA_PROC_READY_FOR_PICKUP;
	assert_false(fsm_allowed(&s, CA_ACT_HAND_OVER));
	s.proc = CA_PROC_ONSITE;
	assert_true(fsm_allowed(&s, CA_ACT_HAND_OVER));
	s.pickup = CA_PICKUP_MAIL;
	assert_false(fsm_allowed(&s, CA_ACT_HAND_OVER));
	assert_int_equal(fsm_actor(CA_ACT_HAND_OVER), CA_BY_STAFF);
	assert_string_equal(fsm_action_id(CA_ACT_HAND_OVER), "hand_over");
}

/* A refund needs its reason, and only before the key went out: not once
 * shipped, put into a kiosk or collected. A refunded order is final. */
static void test_refund_needs_a_reason_and_the_key_not_out(void **ctx)
{
	struct ca_app rec, before;
	struct valid_report rep;
	struct ca_state s;

	(void)ctx;
	fixture_app_mail(&rec);
	rec.app_status = CA_APP_APPROVED;
	rec.pay_status = CA_PAY_PAID;
	rec.proc_status = CA_PROC_PROCESSING;
	rec.amount_fen = 30000;
	before = rec;
	assert_int_equal(fsm_apply(&rec, CA_ACT_REFUND, NULL, FIXTURE_TODAY, &rep),
			 CA_ERR_INVALID);
	assert_int_equal(rep.err[0].msg, MSG_V_REQUIRED);
	assert_int_equal(fsm_apply(&rec, CA_ACT_REFUND, "", FIXTURE_TODAY, &rep), CA_ERR_INVALID);
	assert_memory_equal(&rec, &before, sizeof(rec));
	assert_int_equal(fsm_apply(&rec, CA_ACT_REFUND, "客户要求取消办理", FIXTURE_TODAY, &rep),
			 CA_OK);
	assert_int_equal(rec.pay_status, CA_PAY_REFUNDED);
	assert_int_equal(rec.proc_status, CA_PROC_NONE);
	s = ca_state_of(&rec);
	assert_false(fsm_allowed(&s, CA_ACT_REFUND));
	assert_false(fsm_allowed(&s, CA_ACT_PAY));
	assert_false(fsm_allowed(&s, CA_ACT_ISSUE_INVOICE));
	assert_true(fsm_allowed(&s, CA_ACT_VIEW_DETAILS));
	s.pay = CA_PAY_PAID;
	s.proc = CA_PROC_SHIPPED;
	assert_false(fsm_allowed(&s, CA_ACT_REFUND));
	s.pickup = CA_PICKUP_ONSITE;
	s.proc = CA_PROC_READY_FOR_PICKUP;
	assert_false(fsm_allowed(&s, CA_ACT_REFUND));
	s.proc = CA_PROC_ONSITE;
	assert_true(fsm_allowed(&s, CA_ACT_REFUND));
	assert_int_equal(fsm_actor(CA_ACT_REFUND), CA_BY_STAFF);
	assert_int_equal(ca_pay_tab(CA_PAY_REFUNDED), 2);
	assert_int_equal(ca_pay_tab(CA_PAY_PAID), 1);
}

static void test_action_names_and_actors(void **ctx)
{
	int a;

	(void)ctx;
	for (a = 0; a < CA_ACT__N; a++) {
		assert_int_equal(fsm_action_from_id(fsm_action_id((enum ca_action)a)), a);
		assert_true(strlen(msg(fsm_action_msg((enum ca_action)a))) > 0);
	}
	assert_int_equal(fsm_action_from_id("launch"), -1);
	assert_int_equal(fsm_action_from_id(NULL), -1);
	assert_string_equal(fsm_action_id(CA_ACT_CONFIRM_RECEIPT), "confirm_receipt");
	assert_string_equal(msg(fsm_action_msg(CA_ACT_SUBMIT)), "提交信息");
	assert_int_equal(fsm_actor(CA_ACT_APPROVE), CA_BY_STAFF);
	assert_int_equal(fsm_actor(CA_ACT_SUBMIT), CA_BY_USER);
	assert_int_equal(fsm_actor(CA_ACT_PAY), CA_BY_PROVIDER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_action_pair_follows_the_rules),
		cmocka_unit_test(test_edit_and_delete_rules_of_the_seed),
		cmocka_unit_test(test_out_of_range_state_allows_nothing),
		cmocka_unit_test(test_submit_of_invalid_form_fails_and_changes_nothing),
		cmocka_unit_test(test_submit_reports_form_and_overlong_comment_together),
		cmocka_unit_test(test_submit_stores_comment_and_clears_old_reason),
		cmocka_unit_test(test_reject_requires_a_reason),
		cmocka_unit_test(test_hand_over_checks_the_handler_id_number),
		cmocka_unit_test(test_refund_needs_a_reason_and_the_key_not_out),
		cmocka_unit_test(test_ship_requires_tracking_number),
		cmocka_unit_test(test_pay_requires_a_price),
		cmocka_unit_test(test_mail_and_onsite_journeys),
		cmocka_unit_test(test_action_names_and_actors),
	};

	return cmocka_run_group_tests_name("core/fsm", tests, NULL, NULL);
}
