/*
 * test_upsign.c - the bank gateway's forms and signatures (src/hub/upsign.c),
 * used by the hub's provider and by ca-paysim's gateway alike:
 *   - sign, then verify: it holds; a changed field, an added field, another
 *     certId, another key, another version or signMethod are refused;
 *   - the signed text: sorted by key, empty fields and "signature" left out
 *     (so an empty field added after signing still verifies), values as
 *     they are (not URL-encoded);
 *   - against the openssl command line: our signature is openssl's
 *     `dgst -sha256 -sign` over the hex digest, and what openssl signs we
 *     accept; certId is the certificate's serial in decimal;
 *   - forms: encode then parse gives the same fields ('+', '&', '=',
 *     Chinese); a key given twice, a bad %-escape, a NUL, a value over
 *     the limit, too many fields, an over-long body are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/upsign.h"
#include "../support/scratch.h"
#include "../support/tmpdir.h"

static char dir[256];
static char *key_pem, *cert_pem, *other_key;

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, sizeof(dir), "upsign") ||
	    scratch_sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
		       "-out cert.pem -days 3 -subj /CN=777290058110048 -set_serial 69026276696 && "
		       "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem"))
		return -1;
	key_pem = scratch_read(dir, "key.pem");
	cert_pem = scratch_read(dir, "cert.pem");
	other_key = scratch_read(dir, "other.pem");
	return key_pem && cert_pem && other_key ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(key_pem);
	free(cert_pem);
	free(other_key);
	tmpdir_remove(dir);
	return 0;
}

/* A consumption request as the hub's page holds it, unsigned. */
static void request(struct upform *f)
{
	static const char *const kv[][2] = {
		{ "version", "5.1.0" }, { "encoding", "UTF-8" }, { "signMethod", "01" },
		{ "txnType", "01" }, { "txnSubType", "01" }, { "bizType", "000201" },
		{ "channelType", "07" }, { "accessType", "0" }, { "merId", "777290058110048" },
		{ "orderId", "CA20261204ABCDEF123456" }, { "txnTime", "20261204103000" },
		{ "txnAmt", "30000" }, { "currencyCode", "156" },
		{ "frontUrl", "https://hub.example/pay/bank/CA20261204ABCDEF123456" },
		{ "backUrl", "https://hub.example/v1/pay/notify/bank" },
		{ "payTimeout", "20261204103500" }, { "issInsCode", "icbc" },
		{ "certId", "69026276696" },
	};

	upform_init(f);
	assert_int_equal(upform_set_all(f, kv, sizeof(kv) / sizeof(kv[0])), CA_OK);
}

/* Round trip, and every change refused. */
static void test_sign_and_verify(void **state)
{
	struct upform f;
	char err[UPSIGN_ERR_MAX], *text;

	(void)state;
	request(&f);
	assert_int_equal(upsign_sign(&f, key_pem, err, sizeof(err)), CA_OK);
	assert_true(strlen(upform_str(&f, "signature")) > 300);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)), CA_OK);
	/* An empty field is not signed: adding one changes nothing. */
	assert_int_equal(upform_set(&f, "reqReserved", ""), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)), CA_OK);
	assert_int_equal(upsign_text(&f, &text), CA_OK);
	assert_null(strstr(text, "reqReserved"));
	assert_null(strstr(text, "signature"));
	assert_non_null(strstr(text, "accessType=0&backUrl=https://hub.example/v1/pay/notify/bank&"
			       "bizType=000201&certId=69026276696&channelType=07&"));
	free(text);
	/* A changed amount, an added field, another certId, version, method. */
	assert_int_equal(upform_set(&f, "txnAmt", "1"), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_int_equal(upform_set(&f, "txnAmt", "30000"), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)), CA_OK);
	assert_int_equal(upform_set(&f, "reqReserved", "x"), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_int_equal(upform_set(&f, "reqReserved", ""), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276697", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_non_null(strstr(err, "certId"));
	assert_int_equal(upform_set(&f, "version", "5.0.0"), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_int_equal(upform_set(&f, "version", "5.1.0"), CA_OK);
	assert_int_equal(upform_set(&f, "signMethod", "11"), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_int_equal(upform_set(&f, "signMethod", "01"), CA_OK);
	/* Another key's signature. */
	assert_int_equal(upsign_sign(&f, other_key, err, sizeof(err)), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	/* No signature at all. */
	assert_int_equal(upform_set(&f, "signature", ""), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	upform_release(&f);
}

/* Ours is openssl's, and openssl's is ours; certId is the decimal serial. */
static void test_agrees_with_the_openssl_command_line(void **state)
{
	struct upform f;
	char err[UPSIGN_ERR_MAX], id[UPSIGN_CERT_ID_MAX + 1], *text, *theirs;

	(void)state;
	assert_int_equal(upsign_cert_id(cert_pem, id, err, sizeof(err)), CA_OK);
	assert_string_equal(id, "69026276696");
	assert_int_equal(upsign_cert_id(key_pem, id, err, sizeof(err)), CA_ERR_ARG);
	request(&f);
	assert_int_equal(upsign_sign(&f, key_pem, err, sizeof(err)), CA_OK);
	assert_int_equal(upsign_text(&f, &text), CA_OK);
	assert_int_equal(scratch_write(dir, "text.txt", text), 0);
	free(text);
	assert_int_equal(scratch_write(dir, "ours.b64", upform_str(&f, "signature")), 0);
	/* The RSA key signs the 64 hex digits of SHA-256(text). */
	assert_int_equal(scratch_sh(dir, "printf '%s' \"$(openssl dgst -sha256 -r text.txt | "
				    "cut -c1-64)\" > hex.txt && "
				    "openssl base64 -d -A -in ours.b64 -out ours.bin && "
				    "openssl x509 -in cert.pem -pubkey -noout > pub.pem && "
				    "openssl dgst -sha256 -verify pub.pem -signature ours.bin hex.txt"),
			 0);
	assert_int_equal(scratch_sh(dir, "openssl dgst -sha256 -sign key.pem -out theirs.bin "
				    "hex.txt && openssl base64 -A -in theirs.bin -out theirs.b64"), 0);
	theirs = scratch_read(dir, "theirs.b64");
	assert_non_null(theirs);
	theirs[strcspn(theirs, "\r\n")] = 0;
	/* PKCS #1 v1.5 is deterministic: the same bytes. */
	assert_string_equal(theirs, upform_str(&f, "signature"));
	assert_int_equal(upform_set(&f, "signature", theirs), CA_OK);
	assert_int_equal(upsign_verify(&f, "69026276696", cert_pem, err, sizeof(err)), CA_OK);
	free(theirs);
	upform_release(&f);
}

/* Encode and parse are each other's inverse; bad forms are refused. */
static void test_forms(void **state)
{
	struct upform f, g;
	char err[UPSIGN_ERR_MAX], *body, *big;
	size_t i;

	(void)state;
	upform_init(&f);
	assert_int_equal(upform_set(&f, "b", "x+y&z=1 %"), CA_OK);
	assert_int_equal(upform_set(&f, "a", "中国工商银行"), CA_OK);
	assert_int_equal(upform_set(&f, "signature", "ab+/cd=="), CA_OK);
	assert_int_equal(upform_encode(&f, &body), CA_OK);
	assert_string_equal(body, "a=%E4%B8%AD%E5%9B%BD%E5%B7%A5%E5%95%86%E9%93%B6%E8%A1%8C&"
			    "b=x%2By%26z%3D1%20%25&signature=ab%2B%2Fcd%3D%3D");
	assert_int_equal(upform_parse(&g, body, strlen(body), err, sizeof(err)), CA_OK);
	assert_int_equal(g.n, 3);
	assert_string_equal(upform_str(&g, "a"), "中国工商银行");
	assert_string_equal(upform_str(&g, "b"), "x+y&z=1 %");
	assert_string_equal(upform_str(&g, "signature"), "ab+/cd==");
	assert_null(upform_get(&g, "c"));
	upform_release(&g);
	free(body);
	/* '+' is a space; an empty form is no field. */
	assert_int_equal(upform_parse(&g, "k=a+b", 5, err, sizeof(err)), CA_OK);
	assert_string_equal(upform_str(&g, "k"), "a b");
	upform_release(&g);
	assert_int_equal(upform_parse(&g, "", 0, err, sizeof(err)), CA_OK);
	assert_int_equal(g.n, 0);
	{
		static const char *const bad[] = {
			"a=1&a=2", "a=%zz", "a=%4", "a=%00", "a", "=1", "a-b=1", "a=%ff%fe",
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (upform_parse(&g, bad[i], strlen(bad[i]), err, sizeof(err)) != CA_ERR_ARG)
				fail_msg("'%s' was taken", bad[i]);
	}
	/* The limits: a value of UPSIGN_VALUE_MAX bytes, not one more; the
	 * most fields; the longest body. */
	big = malloc(UPSIGN_FORM_MAX + 2);
	assert_non_null(big);
	memset(big, 'v', UPSIGN_FORM_MAX + 1);
	memcpy(big, "k=", 2);
	big[2 + UPSIGN_VALUE_MAX] = 0;
	assert_int_equal(upform_parse(&g, big, strlen(big), err, sizeof(err)), CA_OK);
	upform_release(&g);
	big[2 + UPSIGN_VALUE_MAX] = 'v';
	big[3 + UPSIGN_VALUE_MAX] = 0;
	assert_int_equal(upform_parse(&g, big, strlen(big), err, sizeof(err)), CA_ERR_ARG);
	assert_int_equal(upform_parse(&g, big, UPSIGN_FORM_MAX + 1, err, sizeof(err)), CA_ERR_ARG);
	assert_non_null(strstr(err, "too long"));
	big[0] = 0;
	for (i = 0; i <= UPSIGN_FIELDS_MAX; i++)
		snprintf(big + strlen(big), 16, "%sk%zu=1", i ? "&" : "", i);
	assert_int_equal(upform_parse(&g, big, strlen(big), err, sizeof(err)), CA_ERR_ARG);
	assert_non_null(strstr(err, "too many"));
	*strrchr(big, '&') = 0;
	assert_int_equal(upform_parse(&g, big, strlen(big), err, sizeof(err)), CA_OK);
	assert_int_equal(g.n, UPSIGN_FIELDS_MAX);
	assert_int_equal(upform_set(&g, "zz", "1"), CA_ERR_TOO_LONG);
	upform_release(&g);
	free(big);
	assert_int_equal(upform_set(&f, "", "1"), CA_ERR_ARG);
	assert_int_equal(upform_set(&f, "a b", "1"), CA_ERR_ARG);
	upform_release(&f);
}

/* The forms' times: China time, 14 digits, both ways; only days the
 * calendar has. */
static void test_times(void **state)
{
	static const char *const bad[] = {
		"2026113009050", "202611300905001", "2026113009050x", "20260230090500",
		"20261130250500", "",
	};
	char t[UPSIGN_TIME_LEN + 1];
	int64_t s;
	size_t i;

	(void)state;
	upsign_time(1796000700, t); /* 2026-11-30T01:05:00Z */
	assert_string_equal(t, "20261130090500");
	assert_int_equal(upsign_parse_time(t, &s), CA_OK);
	assert_int_equal(s, 1796000700);
	assert_int_equal(upsign_parse_time("20280229000000", &s), CA_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (upsign_parse_time(bad[i], &s) != CA_ERR_ARG)
			fail_msg("'%s' was taken", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_and_verify),
		cmocka_unit_test(test_agrees_with_the_openssl_command_line),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests_name("hub/upsign", tests, setup, teardown);
}
