/*
 * test_app.c - the record's defaults, normalisation of typed input, the
 * glossary identifiers, the message catalog, and a field's value as staff
 * read it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/cst.h"
#include "core/err.h"
#include "core/msg.h"
#include "../fixture.h"
#include "../support/idcheck.h"

static void test_init_gives_fresh_draft_defaults(void **ctx)
{
	struct ca_app a;

	(void)ctx;
	memset(&a, 0x5A, sizeof(a));
	ca_app_init(&a);
	assert_int_equal(a.app_status, CA_APP_DRAFT);
	assert_int_equal(a.pay_status, CA_PAY_UNPAID);
	assert_int_equal(a.proc_status, CA_PROC_NONE);
	assert_int_equal(a.pickup, CA_PICKUP_ONSITE);
	assert_int_equal(a.business, CA_BIZ_NEW);
	assert_int_equal(a.cert_type, CA_CERT_ORG);
	assert_int_equal(a.sub_keys, 0);
	assert_int_equal(a.amount_fen, 0);
	assert_string_equal(a.company, "");
	assert_string_equal(a.mail_address, "");
}

static void test_normalize_trims_and_uppercases(void **ctx)
{
	struct ca_app a;
	/* Each field after ca_app_normalize. */
	const struct {
		const char *field; /* in a */
		const char *text;  /* what it must hold */
	} want[] = {
		{ a.company, "江苏国泰新点软件有限公司" },
		{ a.uscc, "91350100M000100Y43" },
		{ a.handler_id, "11010519491231002X" },
		{ a.mobile, "13812345678" },
		{ a.mail_address, "" },
		{ a.legal_rep, "王 建国" }, /* inner space kept */
	};
	size_t i;

	(void)ctx;
	ca_app_init(&a);
	strcpy(a.company, "\xE3\x80\x80 江苏国泰新点软件有限公司 \t");
	strcpy(a.uscc, "91350100m000100y43"); /* fills the buffer */
	strcpy(a.handler_id, "11010519491231002x");
	strcpy(a.mobile, "13812345678 ");
	strcpy(a.mail_address, "   ");
	strcpy(a.legal_rep, "王 建国");
	ca_app_normalize(&a);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(want[i].field, want[i].text);
}

/* A save takes the form fields only: identity, statuses, the comment and
 * the server's fields stay as they were. */
static void test_copy_form_takes_only_form_fields(void **ctx)
{
	struct ca_app dst, src;

	(void)ctx;
	ca_app_init(&dst);
	strcpy(dst.id, "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90");
	strcpy(dst.account, "13812345678");
	dst.app_status = CA_APP_REJECTED;
	strcpy(dst.reject_reason, "材料不全");
	dst.amount_fen = 100;
	dst.rev = 7;
	memset(&src, 0, sizeof(src));
	strcpy(src.id, "00000000-0000-4000-8000-000000000000");
	strcpy(src.account, "13900000000");
	src.app_status = CA_APP_APPROVED;
	src.amount_fen = 999;
	strcpy(src.company, "新公司");
	strcpy(src.mail_address, "新地址");
	src.pickup = CA_PICKUP_MAIL;
	src.sub_keys = 3;
	ca_app_copy_form(&dst, &src);
	assert_string_equal(dst.company, "新公司");
	assert_string_equal(dst.mail_address, "新地址");
	assert_int_equal(dst.pickup, CA_PICKUP_MAIL);
	assert_int_equal(dst.sub_keys, 3);
	assert_string_equal(dst.id, "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90");
	assert_string_equal(dst.account, "13812345678");
	assert_int_equal(dst.app_status, CA_APP_REJECTED);
	assert_string_equal(dst.reject_reason, "材料不全");
	assert_int_equal(dst.amount_fen, 100);
	assert_int_equal(dst.rev, 7);
}

static void test_glossary_identifiers_round_trip(void **ctx)
{
	(void)ctx;
	assert_ids_round_trip(enum ca_app_status, CA_APP__N, ca_app_status_id, ca_app_status_from_id);
	assert_ids_round_trip(enum ca_pay_status, CA_PAY__N, ca_pay_status_id, ca_pay_status_from_id);
	assert_ids_round_trip(enum ca_proc_status, CA_PROC__N, ca_proc_status_id, ca_proc_status_from_id);
	assert_ids_round_trip(enum ca_business, CA_BIZ__N, ca_business_id, ca_business_from_id);
	assert_ids_round_trip(enum ca_cert_type, CA_CERT__N, ca_cert_type_id, ca_cert_type_from_id);
	assert_ids_round_trip(enum ca_pickup, CA_PICKUP__N, ca_pickup_id, ca_pickup_from_id);
	/* The statuses of docs/domain.md. */
	assert_string_equal(ca_app_status_id(CA_APP_PENDING_REVIEW), "pending_review");
	assert_string_equal(ca_proc_status_id(CA_PROC_READY_FOR_PICKUP), "ready_for_pickup");
	assert_string_equal(ca_pickup_id(CA_PICKUP_MAIL), "pickup_mail");
	assert_int_equal(ca_app_status_from_id("Draft"), -1);
	assert_int_equal(ca_app_status_from_id(NULL), -1);
	assert_string_equal(ca_app_status_id((enum ca_app_status)99), "?");
}

static void test_chinese_labels_come_from_the_catalog(void **ctx)
{
	(void)ctx;
	assert_string_equal(msg(ca_app_status_msg(CA_APP_DRAFT)), "编辑中");
	assert_string_equal(msg(ca_app_status_msg(CA_APP_REJECTED)), "审核不通过");
	assert_string_equal(msg(ca_pay_status_msg(CA_PAY_DONE)), "已办理");
	assert_string_equal(msg(ca_proc_status_msg(CA_PROC_ONSITE)), "现场办理");
	assert_string_equal(msg(ca_pickup_msg(CA_PICKUP_MAIL)), "邮寄取锁");
	assert_string_equal(msg(ca_field_msg(CA_F_USCC)), "统一社会信用代码");
	assert_string_equal(ca_field_key(CA_F_MAIL_POSTCODE), "mail_postcode");
}

/* Every catalog entry but MSG_NONE has text; every field has a label. */
static void test_catalog_is_complete(void **ctx)
{
	int i;

	(void)ctx;
	assert_string_equal(msg(MSG_NONE), "");
	for (i = 1; i < MSG__N; i++)
		if (strlen(msg((enum msg_id)i)) == 0)
			fail_msg("%s has no text", msg_name((enum msg_id)i));
	for (i = 0; i < CA_F__N; i++)
		assert_true(strlen(msg(ca_field_msg((enum ca_field)i))) > 0);
	assert_string_equal(msg((enum msg_id)MSG__N), "");
	assert_string_equal(msg_name(MSG_V_EMAIL), "MSG_V_EMAIL");
}

/* A failed dispense's text by result name; unknown names read as a fault. */
static void test_dispense_fault_texts(void **ctx)
{
	static const struct {
		const char *result; /* the dispense result's name */
		enum msg_id want;   /* the text it reads as */
	} v[] = {
		{ "jam", MSG_DISP_FAULT_JAM },
		{ "empty", MSG_DISP_FAULT_EMPTY },
		{ "door_open", MSG_DISP_FAULT_DOOR },
		{ "no_answer", MSG_DISP_FAULT_NO_ANSWER },
		{ "interrupted", MSG_DISP_FAULT_INTERRUPTED },
		{ "fault", MSG_DISP_FAULT_OTHER },
		{ "melted", MSG_DISP_FAULT_OTHER },
		{ NULL, MSG_DISP_FAULT_OTHER },
	};
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (ca_disp_fault_msg(v[i].result) != v[i].want)
			fail_msg("ca_disp_fault_msg(%s) is %s, want %s",
				 v[i].result ? v[i].result : "NULL",
				 msg_name(ca_disp_fault_msg(v[i].result)), msg_name(v[i].want));
	assert_non_null(strstr(msg(MSG_DISP_FAULT_JAM), "卡锁"));
	assert_non_null(strstr(msg(MSG_DISP_FAULT_JAM), "服务窗口"));
}

/* The pickup code is 6 digits, the same for the same id, and (for these
 * two) different for another. */
static void test_pickup_code_is_stable(void **ctx)
{
	char a[7], b[7], c[7];
	size_t i;

	(void)ctx;
	ca_pickup_code("c6688273-bc4f-4ea7-b215-f70550020e5b", a);
	ca_pickup_code("c6688273-bc4f-4ea7-b215-f70550020e5b", b);
	ca_pickup_code("06e526be-fcd3-4758-9499-705c77bb615b", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 6);
	for (i = 0; i < 6; i++)
		assert_true(a[i] >= '0' && a[i] <= '9');
}

/* Slot labels: a number in range is that slot, "" only on a one-slot box,
 * anything else is no slot (never a guess). */
static void test_pickup_slot_labels(void **ctx)
{
	(void)ctx;
	assert_int_equal(ca_pickup_slot("1", 2), 1);
	assert_int_equal(ca_pickup_slot("2", 2), 2);
	assert_int_equal(ca_pickup_slot("8", 8), 8);
	assert_int_equal(ca_pickup_slot("3", 2), 0);
	assert_int_equal(ca_pickup_slot("0", 2), 0);
	assert_int_equal(ca_pickup_slot("A3", 8), 0);
	assert_int_equal(ca_pickup_slot("1a", 8), 0);
	assert_int_equal(ca_pickup_slot("-1", 8), 0);
	assert_int_equal(ca_pickup_slot("99999999999999999999", 8), 0);
	assert_int_equal(ca_pickup_slot("", 1), 1);
	assert_int_equal(ca_pickup_slot("", 2), 0);
	assert_int_equal(ca_pickup_slot(NULL, 2), 0);
	assert_int_equal(ca_pickup_slot("1", 0), 0);
}

/* What staff read for each field: the stored text, a choice's label, the
 * sub-key count; every field has a label. */
static void test_field_values_as_a_person_reads_them(void **ctx)
{
	struct ca_app a;
	char buf[32];
	int f;

	(void)ctx;
	fixture_app(&a);
	snprintf(a.mail_address, sizeof(a.mail_address), "江苏省苏州市干将西路 1 号");
	snprintf(a.tracking_no, sizeof(a.tracking_no), "SF1234567890");
	a.sub_keys = 3;
	a.pickup = CA_PICKUP_MAIL;
	assert_string_equal(ca_field_value(&a, CA_F_COMPANY, buf, sizeof(buf)), a.company);
	assert_string_equal(ca_field_value(&a, CA_F_HANDLER_ID, buf, sizeof(buf)), a.handler_id);
	assert_string_equal(ca_field_value(&a, CA_F_MAIL_ADDRESS, buf, sizeof(buf)),
			    "江苏省苏州市干将西路 1 号");
	assert_string_equal(ca_field_value(&a, CA_F_TRACKING_NO, buf, sizeof(buf)), "SF1234567890");
	assert_string_equal(ca_field_value(&a, CA_F_PICKUP, buf, sizeof(buf)), "邮寄取锁");
	assert_string_equal(ca_field_value(&a, CA_F_BUSINESS, buf, sizeof(buf)),
			    msg(ca_business_msg(a.business)));
	assert_string_equal(ca_field_value(&a, CA_F_CERT_TYPE, buf, sizeof(buf)),
			    msg(ca_cert_type_msg(a.cert_type)));
	assert_string_equal(ca_field_value(&a, CA_F_SUB_KEYS, buf, sizeof(buf)), "3");
	assert_string_equal(ca_field_value(&a, CA_F__N, buf, sizeof(buf)), "");
	for (f = 0; f < CA_F__N; f++)
		assert_true(strlen(msg(ca_field_msg((enum ca_field)f))) > 0);
}

static void test_msg_format_fills_the_number(void **ctx)
{
	char buf[64];

	(void)ctx;
	assert_string_equal(msg_format(buf, sizeof(buf), MSG_V_TOO_LONG, 100), "内容太长，最多 100 个字");
	assert_string_equal(msg_format(buf, sizeof(buf), MSG_V_MOBILE, 7), msg(MSG_V_MOBILE));
	/* Truncation keeps a terminated string. */
	msg_format(buf, 5, MSG_V_TOO_LONG, 100);
	assert_true(strlen(buf) < 5);
}

static void test_error_descriptions(void **ctx)
{
	int i;

	(void)ctx;
	for (i = 0; i < CA_ERR__N; i++)
		assert_true(strlen(ca_strerror((ca_err)i)) > 0);
	assert_string_equal(ca_strerror(CA_OK), "ok");
	assert_string_equal(ca_strerror((ca_err)1000), "unknown error");
}

/* China time does not depend on the machine's TZ: the same instants give
 * the same dates and clock times under UTC, New York and Shanghai; the day
 * turns at 16:00 UTC; a leap day; "-" for no time or no room. */
static void test_cst_is_utc_plus_8_whatever_tz(void **state)
{
	static const char *const zones[] = { "UTC", "America/New_York", "Asia/Shanghai" };
	char buf[32], small[4];
	struct tm tm;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		setenv("TZ", zones[i], 1);
		tzset();
		assert_int_equal(ca_cst_day(INT64_C(1795535999) * 1000), 20261124);
		assert_int_equal(ca_cst_day(INT64_C(1795536000) * 1000), 20261125);
		assert_string_equal(ca_cst_format(INT64_C(1795537800) * 1000 + 999,
						  "%Y-%m-%d %H:%M:%S", buf, sizeof(buf)),
				    "2026-11-25 00:30:00");
		assert_int_equal(ca_cst_day(INT64_C(1798732800) * 1000), 20270101);
		ca_cst_tm(INT64_C(1709136000), &tm); /* 2024-02-28 16:00 UTC */
		assert_int_equal(tm.tm_mon + 1, 2);
		assert_int_equal(tm.tm_mday, 29);
		assert_int_equal(tm.tm_hour, 0);
	}
	assert_string_equal(ca_cst_format(0, "%Y", buf, sizeof(buf)), "-");
	assert_string_equal(ca_cst_format(INT64_C(1795537800) * 1000, "%Y-%m-%d", small,
					  sizeof(small)), "-");
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_gives_fresh_draft_defaults),
		cmocka_unit_test(test_cst_is_utc_plus_8_whatever_tz),
		cmocka_unit_test(test_normalize_trims_and_uppercases),
		cmocka_unit_test(test_copy_form_takes_only_form_fields),
		cmocka_unit_test(test_glossary_identifiers_round_trip),
		cmocka_unit_test(test_chinese_labels_come_from_the_catalog),
		cmocka_unit_test(test_catalog_is_complete),
		cmocka_unit_test(test_dispense_fault_texts),
		cmocka_unit_test(test_pickup_code_is_stable),
		cmocka_unit_test(test_pickup_slot_labels),
		cmocka_unit_test(test_field_values_as_a_person_reads_them),
		cmocka_unit_test(test_msg_format_fills_the_number),
		cmocka_unit_test(test_error_descriptions),
	};

	return cmocka_run_group_tests_name("core/app", tests, NULL, NULL);
}
