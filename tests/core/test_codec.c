/*
 * test_codec.c - JSON codec: exact round trips both ways, and every class
 * of malformed input rejected with a message that names the problem; the
 * feed's invoice rows in both their forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "../fixture.h"

/* A record with every field set to something non-default. */
static void full_app(struct ca_app *a)
{
	fixture_app_mail(a);
	a->app_status = CA_APP_APPROVED;
	a->pay_status = CA_PAY_PAID;
	a->proc_status = CA_PROC_SHIPPED;
	a->business = CA_BIZ_REISSUE;
	a->cert_type = CA_CERT_LEGAL_REP;
	a->sub_keys = CA_SUB_KEYS_MAX;
	strcpy(a->comment, "请尽快审核，谢谢 \"引号\" \\ 反斜杠 😀");
	strcpy(a->reject_reason, "");
	strcpy(a->tracking_no, "SF1234567890");
	a->amount_fen = 30000;
	a->rev = 42;
	a->updated_ms = 1795000123456;
}

static void test_app_round_trip_is_exact(void **ctx)
{
	struct ca_app a, b;
	char *t1, *t2, err[CODEC_ERR_MAX];

	(void)ctx;
	full_app(&a);
	assert_int_equal(codec_app_to_text(&a, &t1), CA_OK);
	assert_int_equal(codec_app_from_text(t1, strlen(t1), &b, err, sizeof(err)), CA_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(codec_app_to_text(&b, &t2), CA_OK);
	assert_string_equal(t1, t2);
	/* Identifiers on the wire are the glossary's. */
	assert_non_null(strstr(t1, "\"app_status\":\"approved\""));
	assert_non_null(strstr(t1, "\"pickup\":\"pickup_mail\""));
	assert_non_null(strstr(t1, "\"proc_status\":\"shipped\""));
	assert_non_null(strstr(t1, "\"amount_fen\":30000"));
	free(t1);
	free(t2);
}

/* Every status and choice value survives the trip. */
static void test_every_enum_value_round_trips(void **ctx)
{
	struct ca_app a, b;
	char *t, err[CODEC_ERR_MAX];
	int i;

	(void)ctx;
	for (i = 0; i < CA_PROC__N; i++) {
		full_app(&a);
		a.proc_status = (enum ca_proc_status)i;
		a.app_status = (enum ca_app_status)(i % CA_APP__N);
		a.pay_status = (enum ca_pay_status)(i % CA_PAY__N);
		a.business = (enum ca_business)(i % CA_BIZ__N);
		a.cert_type = (enum ca_cert_type)(i % CA_CERT__N);
		a.pickup = (enum ca_pickup)(i % CA_PICKUP__N);
		assert_int_equal(codec_app_to_text(&a, &t), CA_OK);
		assert_int_equal(codec_app_from_text(t, strlen(t), &b, err, sizeof(err)), CA_OK);
		assert_memory_equal(&a, &b, sizeof(a));
		free(t);
	}
}

/* Text of the full record with key's value replaced by raw JSON (or the
 * key removed when raw is NULL, or an extra key added when key is new). */
static char *edited(const char *key, const char *raw)
{
	struct ca_app a;
	json_t *obj, *v;
	char *out;

	full_app(&a);
	obj = codec_app_encode(&a);
	assert_non_null(obj);
	if (!raw) {
		json_object_del(obj, key);
	} else {
		v = json_loads(raw, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		json_object_set_new(obj, key, v);
	}
	out = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return out;
}

/* Decoding text must fail with CA_ERR_CODEC and a message containing want. */
static void expect_reject(const char *text, const char *want)
{
	struct ca_app a;
	char err[CODEC_ERR_MAX];
	ca_err e = codec_app_from_text(text, strlen(text), &a, err, sizeof(err));

	if (e != CA_ERR_CODEC)
		fail_msg("accepted: %.200s", text);
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void test_every_missing_field_is_rejected(void **ctx)
{
	struct ca_app a;
	json_t *obj;
	const char *key;
	json_t *v;
	int n = 0;

	(void)ctx;
	full_app(&a);
	obj = codec_app_encode(&a);
	json_object_foreach(obj, key, v) {
		char *t = edited(key, NULL), want[64];

		snprintf(want, sizeof(want), "missing field '%s'", key);
		expect_reject(t, want);
		free(t);
		n++;
	}
	json_decref(obj);
	assert_int_equal(n, 28);
}

static void test_wrong_types_are_rejected(void **ctx)
{
	struct ca_app a;
	json_t *obj, *v;
	const char *key;

	(void)ctx;
	full_app(&a);
	obj = codec_app_encode(&a);
	/* Every field given a value of the wrong JSON type. */
	json_object_foreach(obj, key, v) {
		char *t, want[64];

		t = edited(key, json_is_string(v) ? "17" : "\"17\"");
		snprintf(want, sizeof(want), "field '%s': expected", key);
		expect_reject(t, want);
		free(t);
		t = edited(key, "null");
		expect_reject(t, want);
		free(t);
	}
	json_decref(obj);
	{
		char *t = edited("amount_fen", "300.5");

		expect_reject(t, "field 'amount_fen': expected an integer");
		free(t);
		t = edited("sub_keys", "true");
		expect_reject(t, "field 'sub_keys': expected an integer");
		free(t);
	}
}

static void test_unknown_values_and_fields_are_rejected(void **ctx)
{
	static const struct {
		const char *key, *raw, *want;
	} cases[] = {
		{"app_status", "\"archived\"", "field 'app_status': unknown value 'archived'"},
		{"pay_status", "\"chargeback\"", "field 'pay_status': unknown value"},
		{"proc_status", "\"lost\"", "field 'proc_status': unknown value"},
		{"business", "\"\"", "field 'business': unknown value"},
		{"pickup", "\"drone\"", "field 'pickup': unknown value"},
		{"cert_type", "\"Org\"", "field 'cert_type': unknown value"},
		{"sub_keys", "10", "field 'sub_keys': 10 out of range"},
		{"sub_keys", "-1", "field 'sub_keys': -1 out of range"},
		{"amount_fen", "-1", "field 'amount_fen': -1 out of range"},
		{"created_ms", "-5", "field 'created_ms': -5 out of range"},
		{"id", "\"not-a-uuid\"", "field 'id': not a UUID"},
		{"favourite_colour", "\"blue\"", "unknown field 'favourite_colour'"},
	};
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = edited(cases[i].key, cases[i].raw);

		expect_reject(t, cases[i].want);
		free(t);
	}
}

/* Over-long text, in characters and in bytes, for every text field. */
static void test_overlong_strings_are_rejected(void **ctx)
{
	static const struct {
		const char *key;
		int max;
	} f[] = {
		{"company", CA_COMPANY_MAX}, {"legal_rep", CA_PERSON_MAX},
		{"handler", CA_PERSON_MAX}, {"mail_recipient", CA_PERSON_MAX},
		{"mail_address", CA_ADDRESS_MAX}, {"comment", CA_COMMENT_MAX},
		{"reject_reason", CA_COMMENT_MAX}, {"tracking_no", CA_TRACKING_MAX},
		{"email", CA_EMAIL_MAX}, {"uscc", 18}, {"handler_id", 18},
		{"mobile", 11}, {"account", 11}, {"mail_postcode", 6},
		{"mail_phone", 20}, {"kiosk_id", CA_KIOSK_ID_MAX},
	};
	size_t i;
	int k;

	(void)ctx;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		char raw[2000], want[80], *t;

		/* max+1 ASCII characters */
		raw[0] = '"';
		for (k = 0; k <= f[i].max; k++)
			raw[1 + k] = 'a';
		strcpy(raw + 2 + f[i].max, "\"");
		t = edited(f[i].key, raw);
		snprintf(want, sizeof(want), "field '%s': longer than %d characters", f[i].key, f[i].max);
		expect_reject(t, want);
		free(t);
		/* exactly max characters is fine */
		raw[1 + f[i].max] = '"';
		raw[2 + f[i].max] = '\0';
		t = edited(f[i].key, raw);
		{
			struct ca_app a;
			char err[CODEC_ERR_MAX];

			if (codec_app_from_text(t, strlen(t), &a, err, sizeof(err)) != CA_OK)
				fail_msg("%s of %d chars refused: %s", f[i].key, f[i].max, err);
		}
		free(t);
	}
	/* 11 Chinese characters fit the character count of "mobile" but not
	 * its 11-byte buffer. */
	{
		char *t = edited("mobile", "\"一二三四五六七八九十壹\"");

		expect_reject(t, "field 'mobile': longer than 11 bytes");
		free(t);
	}
}

static void test_malformed_json_is_rejected(void **ctx)
{
	struct ca_app a;
	char err[CODEC_ERR_MAX], *t;
	const char *p;

	(void)ctx;
	expect_reject("", "not JSON");
	expect_reject("{", "not JSON");
	expect_reject("[1,2,3]", "expected a JSON object");
	expect_reject("\"text\"", "not JSON");
	expect_reject("{\"id\":\"\xff\"}", "not JSON");            /* invalid UTF-8 */
	expect_reject("{\"id\":\"a\\u0000b\"}", "not JSON");        /* NUL escape */
	expect_reject("{\"id\":\"\\ud800\"}", "not JSON");          /* lone surrogate */
	/* A duplicated key is refused, not silently resolved. */
	t = edited("company", "\"甲\"");
	p = strstr(t, "\"company\"");
	assert_non_null(p);
	{
		char dup[8192];

		snprintf(dup, sizeof(dup), "{\"company\":\"乙\",%s", t + 1);
		expect_reject(dup, "duplicate");
	}
	free(t);
	/* Truncated record. */
	t = edited("company", "\"甲\"");
	assert_int_equal(codec_app_from_text(t, strlen(t) / 2, &a, err, sizeof(err)), CA_ERR_CODEC);
	assert_true(strlen(err) > 0);
	free(t);
	/* Over the size cap. */
	{
		size_t n = 70 * 1024;
		char *big = malloc(n + 1);

		assert_non_null(big);
		memset(big, ' ', n);
		big[n] = '\0';
		big[0] = '{';
		big[n - 1] = '}';
		assert_int_equal(codec_app_from_text(big, n, &a, err, sizeof(err)), CA_ERR_CODEC);
		assert_non_null(strstr(err, "limit"));
		free(big);
	}
	/* A zero-size error buffer is allowed. */
	assert_int_equal(codec_app_from_text("{", 1, &a, NULL, 0), CA_ERR_CODEC);
}

static void test_encoding_invalid_utf8_fails_cleanly(void **ctx)
{
	struct ca_app a;
	char *t = (char *)1;

	(void)ctx;
	fixture_app(&a);
	strcpy(a.company, "bad \xff byte");
	assert_int_equal(codec_app_to_text(&a, &t), CA_ERR_CODEC);
	assert_null(t);
}

static void test_processing_record_round_trip_and_rejects(void **ctx)
{
	struct ca_proc_record r, s;
	char *t1, *t2, err[CODEC_ERR_MAX];

	(void)ctx;
	memset(&r, 0, sizeof(r));
	strcpy(r.id, "0b9d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4");
	strcpy(r.app_id, "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90");
	r.at_ms = 1795000999000;
	strcpy(r.staff, "审核员 陈");
	strcpy(r.text, "证书已写入CA锁，已交快递");
	assert_int_equal(codec_record_to_text(&r, &t1), CA_OK);
	assert_int_equal(codec_record_from_text(t1, strlen(t1), &s, err, sizeof(err)), CA_OK);
	assert_memory_equal(&r, &s, sizeof(r));
	assert_int_equal(codec_record_to_text(&s, &t2), CA_OK);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);

	assert_int_equal(codec_record_from_text("{\"id\":1}", 8, &s, err, sizeof(err)), CA_ERR_CODEC);
	assert_non_null(strstr(err, "field 'id'"));
	{
		const char *t = "{\"id\":\"0b9d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4\","
				"\"app_id\":\"3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90\","
				"\"at_ms\":1,\"staff\":\"x\"}";

		assert_int_equal(codec_record_from_text(t, strlen(t), &s, err, sizeof(err)), CA_ERR_CODEC);
		assert_string_equal(err, "missing field 'text'");
	}
}

/* Decode the JSON text of an invoice row into *inv (what the feed holds
 * under "invoice"). */
static ca_err invoice_from(const char *text, struct ca_invoice *inv, char *err, size_t n)
{
	json_t *j = json_loads(text, 0, NULL);
	ca_err e;

	assert_non_null(j);
	e = codec_invoice_decode(j, inv, err, n);
	json_decref(j);
	return e;
}

/* Invoice rows (the feed's kind "invoice"): the whole form round-trips in
 * every kind and state; the form of hubs before the tax platform reads as
 * a blue invoice, issued, amounts unknown; null amounts and a total of 0
 * are unknown too,
 * members a newer hub may add are ignored. (Each rule broken, through the
 * feed: tests/kiosk/test_feed.c.) */
static void test_invoice_rows_both_forms(void **ctx)
{
	struct ca_invoice a, b;
	char err[CODEC_ERR_MAX];
	json_t *j;
	int k, st;

	(void)ctx;
	for (k = 0; k < CA_INV_KIND__N; k++) {
		for (st = 0; st < CA_INV_STATE__N; st++) {
			memset(&a, 0, sizeof(a));
			strcpy(a.app_id, "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90");
			a.kind = (enum ca_inv_kind)k;
			a.state = (enum ca_inv_state)st;
			if (a.state == CA_INV_ISSUED) {
				strcpy(a.number, "26320000000000012345");
				a.issued_ms = 1795000100000;
			}
			if (a.kind == CA_INV_RED)
				strcpy(a.original, "2026112400000004");
			a.total_fen = a.kind == CA_INV_RED ? -60000 : 60000;
			a.tax_fen = st == CA_INV_FAILED ? CA_FEN_UNKNOWN
				  : a.kind == CA_INV_RED ? -3396 : 3396;
			assert_true(ca_invoice_check(&a, err, sizeof(err)));
			j = codec_invoice_encode(&a);
			assert_non_null(j);
			assert_string_equal(json_string_value(json_object_get(j, "kind")),
					    ca_inv_kind_id(a.kind));
			assert_int_equal(json_object_get(j, "tax_fen") != NULL,
					 a.tax_fen != CA_FEN_UNKNOWN);
			assert_int_equal(codec_invoice_decode(j, &b, err, sizeof(err)), CA_OK);
			assert_memory_equal(&a, &b, sizeof(a));
			json_decref(j);
		}
	}

	assert_int_equal(invoice_from("{\"app_id\":\"3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90\","
				      "\"issued_ms\":1795000100000,\"number\":\"2026112400000004\"}",
				      &a, err, sizeof(err)), CA_OK);
	assert_int_equal(a.kind, CA_INV_BLUE);
	assert_int_equal(a.state, CA_INV_ISSUED);
	assert_string_equal(a.number, "2026112400000004");
	assert_string_equal(a.original, "");
	assert_true(a.total_fen == CA_FEN_UNKNOWN && a.tax_fen == CA_FEN_UNKNOWN);

	assert_int_equal(invoice_from("{\"app_id\":\"3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90\","
				      "\"issued_ms\":0,\"number\":\"\",\"kind\":\"red\","
				      "\"original\":\"2026112400000004\",\"state\":\"pending\","
				      "\"total_fen\":null,\"tax_fen\":null,\"xml\":{\"a\":1}}",
				      &a, err, sizeof(err)), CA_OK);
	assert_int_equal(a.kind, CA_INV_RED);
	assert_int_equal(a.state, CA_INV_PENDING);
	assert_true(a.total_fen == CA_FEN_UNKNOWN && a.tax_fen == CA_FEN_UNKNOWN);

	/* A total of 0 is a hub's "no amounts". */
	assert_int_equal(invoice_from("{\"app_id\":\"3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90\","
				      "\"issued_ms\":1,\"number\":\"2026112400000004\","
				      "\"total_fen\":0,\"tax_fen\":0}", &a, err, sizeof(err)), CA_OK);
	assert_true(a.total_fen == CA_FEN_UNKNOWN && a.tax_fen == CA_FEN_UNKNOWN);

	/* A refused row leaves nothing of itself behind. */
	assert_int_equal(invoice_from("{\"app_id\":\"3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90\","
				      "\"issued_ms\":1,\"number\":\"26320000000000012345\","
				      "\"total_fen\":-1}", &a, err, sizeof(err)), CA_ERR_CODEC);
	assert_non_null(strstr(err, "total_fen"));
	assert_string_equal(a.app_id, "");
	assert_string_equal(a.number, "");

	assert_true(ca_invoice_number_valid("2026112400000004"));
	assert_true(ca_invoice_number_valid("26320000000000012345"));
	assert_false(ca_invoice_number_valid(""));
	assert_false(ca_invoice_number_valid("263200000000000123"));
	assert_false(ca_invoice_number_valid("2632000000000001234 "));
	assert_false(ca_invoice_number_valid("-632000000000001234"));
	assert_false(ca_invoice_number_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_app_round_trip_is_exact),
		cmocka_unit_test(test_every_enum_value_round_trips),
		cmocka_unit_test(test_every_missing_field_is_rejected),
		cmocka_unit_test(test_wrong_types_are_rejected),
		cmocka_unit_test(test_unknown_values_and_fields_are_rejected),
		cmocka_unit_test(test_overlong_strings_are_rejected),
		cmocka_unit_test(test_malformed_json_is_rejected),
		cmocka_unit_test(test_encoding_invalid_utf8_fails_cleanly),
		cmocka_unit_test(test_processing_record_round_trip_and_rejects),
		cmocka_unit_test(test_invoice_rows_both_forms),
	};

	return cmocka_run_group_tests_name("core/codec", tests, NULL, NULL);
}
