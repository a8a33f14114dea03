/*
 * test_valid.c - validators: hand-picked valid and invalid vectors for every
 * validator, USCC and ID-number vectors judged by an independent oracle
 * (python3-stdnum, see tools/gen-vectors; directory in $CA_VECTORS), random
 * vectors with computed check characters and one character changed, and the
 * whole-application report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/valid.h"
#include "../fixture.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A value and what a validator says of it. */
struct vec {
	const char *in;     /* the value */
	enum msg_id want;   /* MSG_NONE: valid; else the message */
};

/* Fail unless fn (named what) says want of every vector in v[0..n). */
static void check(enum msg_id (*fn)(const char *), const char *what, const struct vec *v,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		enum msg_id got = fn(v[i].in);

		if (got != v[i].want)
			fail_msg("%s(\"%s\") is %s, want %s", what, v[i].in, msg_name(got),
				 msg_name(v[i].want));
	}
}

/* valid_ric as of FIXTURE_TODAY. */
static enum msg_id ric_today(const char *s)
{
	return valid_ric(s, FIXTURE_TODAY);
}

static void test_uscc_known_vectors(void **ctx)
{
	static const struct vec v[] = {
		{ "91350100M000100Y43", MSG_NONE },
		{ "91320582MA1MABCDEU", MSG_NONE },
		{ "91320582772456220N", MSG_NONE },
		/* GB 32100 allows letters in positions 1-2 (Y: other authorities). */
		{ "Y1320000MA12345675", MSG_NONE },

		{ "", MSG_V_REQUIRED },
		{ "91350100M000100Y4", MSG_V_USCC_LENGTH },
		{ "91350100M000100Y433", MSG_V_USCC_LENGTH },
		{ "91350100M000100Y42", MSG_V_USCC_CHECK },
		{ "91350100M000100I43", MSG_V_USCC_CHARS }, /* I */
		{ "91350100M0001O0Y43", MSG_V_USCC_CHARS }, /* O */
		{ "91350100m000100y43", MSG_V_USCC_CHARS }, /* lower case */
		{ "9135010０M000100Y4", MSG_V_USCC_CHARS },  /* full-width 0 */
		{ "91A50100M000100Y43", MSG_V_USCC_REGION },
	};

	(void)ctx;
	check(valid_uscc, "valid_uscc", v, N(v));
}

static void test_uscc_check_char(void **ctx)
{
	(void)ctx;
	assert_int_equal(valid_uscc_check_char("91350100M000100Y4"), '3');
	assert_int_equal(valid_uscc_check_char("91320582MA1MABCDE"), 'U');
	assert_int_equal(valid_uscc_check_char("91350100M00010OY4"), 0);
}

static void test_ric_known_vectors(void **ctx)
{
	static const struct vec v[] = {
		{ "11010519491231002X", MSG_NONE },
		{ "320582199003071232", MSG_NONE },
		{ "320102199003071239", MSG_NONE },

		{ "", MSG_V_REQUIRED },
		{ "32058219900307123", MSG_V_RIC_LENGTH },
		{ "11010519491231002x", MSG_V_RIC_CHARS },
		{ "1101051949123100XX", MSG_V_RIC_CHARS },
		{ "320582199003071231", MSG_V_RIC_CHECK },
		/* Birth dates: not a calendar date, before 1900, in the future. */
		{ "320582199002301232", MSG_V_RIC_DATE },
		{ "320582199013011232", MSG_V_RIC_DATE },
		{ "440524188001010014", MSG_V_RIC_DATE },
		{ "320582202611250000", MSG_V_RIC_DATE },
	};

	(void)ctx;
	check(ric_today, "valid_ric", v, N(v));
}

/* A birth date of today is fine, tomorrow is not, whatever the check char. */
static void test_ric_birth_date_bound_is_today(void **ctx)
{
	char id[19] = "32058220261124123";

	(void)ctx;
	id[17] = valid_ric_check_char(id);
	id[18] = '\0';
	assert_int_equal(valid_ric(id, 20261124), MSG_NONE);
	assert_int_equal(valid_ric(id, 20261123), MSG_V_RIC_DATE);
}

static void test_calendar_dates(void **ctx)
{
	(void)ctx;
	assert_true(valid_date(20000229));
	assert_false(valid_date(19000229));
	assert_true(valid_date(20240229));
	assert_false(valid_date(20230229));
	assert_true(valid_date(19991231));
	assert_false(valid_date(19990431));
	assert_false(valid_date(19990100));
	assert_false(valid_date(18991231));
}

/* Read OUT/name and check every vector against validate(); at least
 * min_each valid and min_each invalid. */
static void check_oracle_file(const char *name, int is_ric, int min_each)
{
	const char *dir = getenv("CA_VECTORS");
	char path[512], line[128];
	int today = 0, good = 0, bad = 0, lineno = 0;
	FILE *f;

	if (!dir)
		fail_msg("CA_VECTORS is not set: run through `make test`");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char code[40];
		int want;
		enum msg_id got;

		lineno++;
		if (line[0] == '#') {
			sscanf(line, "# today %d", &today);
			continue;
		}
		if (sscanf(line, "%d %39s", &want, code) != 2)
			fail_msg("%s:%d: bad line", path, lineno);
		assert_true(today > 0);
		got = is_ric ? valid_ric(code, today) : valid_uscc(code);
		if ((got == MSG_NONE) != (want == 1))
			fail_msg("%s:%d: %s: oracle says %s, we say %s", path, lineno, code,
				 want ? "valid" : "invalid", msg_name(got));
		if (want)
			good++;
		else
			bad++;
	}
	fclose(f);
	print_message("%s: %d valid and %d invalid vectors agree with the oracle\n",
		      name, good, bad);
	assert_true(good >= min_each);
	assert_true(bad >= min_each);
}

static void test_uscc_agrees_with_independent_oracle(void **ctx)
{
	(void)ctx;
	check_oracle_file("uscc.txt", 0, 1000);
}

static void test_ric_agrees_with_independent_oracle(void **ctx)
{
	(void)ctx;
	check_oracle_file("ric.txt", 1, 1000);
}

/* Our own random bodies: computed check char valid, any single change not. */
static void test_random_uscc_and_ric_with_one_change(void **ctx)
{
	static const char ua[] = VALID_USCC_ALPHABET;
	unsigned seed = 12345;
	int i;

	(void)ctx;
	srand(seed);
	for (i = 0; i < 2000; i++) {
		char u[19], r[24], c;
		int k, pos;
		int ymd;

		for (k = 0; k < 17; k++)
			u[k] = (k >= 2 && k < 8) ? (char)('0' + rand() % 10) : ua[rand() % 31];
		u[17] = valid_uscc_check_char(u);
		u[18] = '\0';
		assert_int_equal(valid_uscc(u), MSG_NONE);
		pos = rand() % 18;
		do
			c = ua[rand() % 31];
		while (c == u[pos] || (pos >= 2 && pos < 8 && (c < '0' || c > '9')));
		u[pos] = c;
		assert_int_not_equal(valid_uscc(u), MSG_NONE);

		do
			ymd = (1900 + rand() % 126) * 10000 + (1 + rand() % 12) * 100 + 1 + rand() % 31;
		while (!valid_date(ymd) || ymd > FIXTURE_TODAY);
		snprintf(r, sizeof(r), "%06d%08d%03d", 110000 + rand() % 800000, ymd, rand() % 1000);
		r[17] = valid_ric_check_char(r);
		r[18] = '\0';
		assert_int_equal(valid_ric(r, FIXTURE_TODAY), MSG_NONE);
		pos = rand() % 18;
		do
			c = "0123456789X"[rand() % 11];
		while (c == r[pos] || (pos < 17 && c == 'X'));
		r[pos] = c;
		assert_int_not_equal(valid_ric(r, FIXTURE_TODAY), MSG_NONE);
	}
}

static void test_mobile_and_phone(void **ctx)
{
	static const struct vec mobile[] = {
		{ "13812345678", MSG_NONE },
		{ "19912345678", MSG_NONE },
		{ "", MSG_V_REQUIRED },
		{ "12812345678", MSG_V_MOBILE },
		{ "1381234567", MSG_V_MOBILE },
		{ "138123456789", MSG_V_MOBILE },
		{ "1381234567a", MSG_V_MOBILE },
		{ "+8613812345678", MSG_V_MOBILE },
	}, phone[] = {
		{ "13812345678", MSG_NONE },
		{ "0512-58188000", MSG_NONE },
		{ "051258188000", MSG_NONE },
		{ "010-12345678", MSG_NONE },
		{ "0512-58188000-123", MSG_NONE },
		{ "", MSG_V_REQUIRED },
		{ "58188000", MSG_V_PHONE },
		{ "0512-581880", MSG_V_PHONE },
		{ "05-58188000", MSG_V_PHONE },
		{ "0512-58188000-", MSG_V_PHONE },
		{ "0512 58188000", MSG_V_PHONE },
		{ "12812345678", MSG_V_PHONE },
	};

	(void)ctx;
	check(valid_mobile, "valid_mobile", mobile, N(mobile));
	check(valid_phone, "valid_phone", phone, N(phone));
}

static void test_email(void **ctx)
{
	static const char *good[] = {
		"a@b.cn", "li.na@example.com", "x+tag@mail.example.com.cn",
		"first_last-1@sub-domain.example.org",
	};
	static const char *bad[] = {
		"plain", "@example.com", "a@", "a@b", "a@@b.cn", "a@b@c.cn",
		".a@b.cn", "a.@b.cn", "a..b@c.cn", "a@-b.cn", "a@b-.cn",
		"a@b..cn", "a@b.c", "a@b.c1", "a b@c.cn", "李@b.cn", "a@例子.cn",
	};
	char longest[300];
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(valid_email(good[i]), MSG_NONE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid_email(bad[i]) != MSG_V_EMAIL)
			fail_msg("accepted bad e-mail '%s'", bad[i]);
	assert_int_equal(valid_email(""), MSG_V_REQUIRED);
	/* Local part over 64 characters. */
	memset(longest, 'a', 65);
	strcpy(longest + 65, "@b.cn");
	assert_int_equal(valid_email(longest), MSG_V_EMAIL);
}

static void test_postcode(void **ctx)
{
	static const struct vec v[] = {
		{ "215600", MSG_NONE },
		{ "", MSG_V_REQUIRED },
		{ "21560", MSG_V_POSTCODE },
		{ "2156001", MSG_V_POSTCODE },
		{ "21560a", MSG_V_POSTCODE },
	};

	(void)ctx;
	check(valid_postcode, "valid_postcode", v, N(v));
}

/* Limits count characters, not bytes. */
static void test_text_limits_count_characters(void **ctx)
{
	char s[CA_TEXT_BUF(CA_COMPANY_MAX + 1)] = "";
	int i, arg;

	(void)ctx;
	for (i = 0; i < CA_COMPANY_MAX; i++)
		strcat(s, "江");
	assert_int_equal(strlen(s), 3 * CA_COMPANY_MAX);
	assert_int_equal(valid_text(s, 2, CA_COMPANY_MAX, &arg), MSG_NONE);
	strcat(s, "苏");
	assert_int_equal(valid_text(s, 2, CA_COMPANY_MAX, &arg), MSG_V_TOO_LONG);
	assert_int_equal(arg, CA_COMPANY_MAX);
	assert_int_equal(valid_text("王", 2, 50, &arg), MSG_V_TOO_SHORT);
	assert_int_equal(arg, 2);
	assert_int_equal(valid_text("", 2, 50, &arg), MSG_V_REQUIRED);
	assert_int_equal(valid_text("", 0, 50, &arg), MSG_NONE);
	assert_int_equal(valid_text("\xE6\xB1", 0, 50, &arg), MSG_V_BAD_TEXT);   /* cut short */
	assert_int_equal(valid_text("a\tb", 0, 50, &arg), MSG_V_BAD_TEXT);        /* control */
	assert_int_equal(valid_text("\xC0\xAF", 0, 50, &arg), MSG_V_BAD_TEXT);    /* overlong */
}

static void test_valid_application_passes(void **ctx)
{
	struct ca_app a;
	struct valid_report r;

	(void)ctx;
	fixture_app(&a);
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), 0);
	fixture_app_mail(&a);
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), 0);
	a.email[0] = '\0'; /* optional */
	a.mail_postcode[0] = '\0'; /* optional */
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), 0);
}

/* An empty mail-pickup form reports every required field, in form order. */
static void test_every_failing_field_is_reported(void **ctx)
{
	static const enum ca_field want[] = {
		CA_F_COMPANY, CA_F_USCC, CA_F_LEGAL_REP, CA_F_HANDLER,
		CA_F_HANDLER_ID, CA_F_MOBILE, CA_F_MAIL_RECIPIENT,
		CA_F_MAIL_PHONE, CA_F_MAIL_ADDRESS,
	};
	struct ca_app a;
	struct valid_report r;
	size_t i;

	(void)ctx;
	ca_app_init(&a);
	a.pickup = CA_PICKUP_MAIL;
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), (int)(sizeof(want) / sizeof(want[0])));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(r.err[i].field, want[i]);
		assert_int_equal(r.err[i].msg, MSG_V_REQUIRED);
	}
}

/* Mail fields are required only for mail pickup: ignored on site. */
static void test_mail_fields_only_for_mail_pickup(void **ctx)
{
	struct ca_app a;
	struct valid_report r;

	(void)ctx;
	fixture_app(&a);
	strcpy(a.mail_phone, "not a phone");
	strcpy(a.mail_postcode, "x");
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), 0);
	a.pickup = CA_PICKUP_MAIL;
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), 4);
	assert_int_equal(valid_report_find(&r, CA_F_MAIL_RECIPIENT)->msg, MSG_V_REQUIRED);
	assert_int_equal(valid_report_find(&r, CA_F_MAIL_PHONE)->msg, MSG_V_PHONE);
	assert_int_equal(valid_report_find(&r, CA_F_MAIL_ADDRESS)->msg, MSG_V_REQUIRED);
	assert_int_equal(valid_report_find(&r, CA_F_MAIL_POSTCODE)->msg, MSG_V_POSTCODE);
}

static void test_format_and_choice_errors_with_messages(void **ctx)
{
	struct ca_app a;
	struct valid_report r;
	char buf[128];

	(void)ctx;
	fixture_app(&a);
	strcpy(a.uscc, "91350100M000100Y42");
	strcpy(a.handler_id, "320582199003071231");
	strcpy(a.mobile, "02812345678");
	strcpy(a.email, "lina@");
	a.sub_keys = 10;
	a.business = (enum ca_business)9;
	assert_int_equal(valid_app(&a, FIXTURE_TODAY, &r), 6);
	assert_int_equal(valid_report_find(&r, CA_F_USCC)->msg, MSG_V_USCC_CHECK);
	assert_int_equal(valid_report_find(&r, CA_F_HANDLER_ID)->msg, MSG_V_RIC_CHECK);
	assert_int_equal(valid_report_find(&r, CA_F_MOBILE)->msg, MSG_V_MOBILE);
	assert_int_equal(valid_report_find(&r, CA_F_EMAIL)->msg, MSG_V_EMAIL);
	assert_int_equal(valid_report_find(&r, CA_F_BUSINESS)->msg, MSG_V_CHOICE);
	assert_string_equal(valid_error_text(valid_report_find(&r, CA_F_SUB_KEYS), buf, sizeof(buf)),
			    "副锁数量应在 0 至 9 之间");
	assert_null(valid_report_find(&r, CA_F_COMPANY));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uscc_known_vectors),
		cmocka_unit_test(test_uscc_check_char),
		cmocka_unit_test(test_ric_known_vectors),
		cmocka_unit_test(test_ric_birth_date_bound_is_today),
		cmocka_unit_test(test_calendar_dates),
		cmocka_unit_test(test_uscc_agrees_with_independent_oracle),
		cmocka_unit_test(test_ric_agrees_with_independent_oracle),
		cmocka_unit_test(test_random_uscc_and_ric_with_one_change),
		cmocka_unit_test(test_mobile_and_phone),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_postcode),
		cmocka_unit_test(test_text_limits_count_characters),
		cmocka_unit_test(test_valid_application_passes),
		cmocka_unit_test(test_every_failing_field_is_reported),
		cmocka_unit_test(test_mail_fields_only_for_mail_pickup),
		cmocka_unit_test(test_format_and_choice_errors_with_messages),
	};

	return cmocka_run_group_tests_name("core/valid", tests, NULL, NULL);
}
