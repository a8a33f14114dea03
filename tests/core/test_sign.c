/*
 * test_sign.c - request signatures: the worked example of docs/api.md, and
 * that every signed part (method, path, timestamp, nonce, body, secret)
 * changes the signature; bad parts are refused; the device-id rule; the
 * plain HMAC against RFC 4231's vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/sign.h"

#define SECRET "8d3b1f0e9c2a4d6b8e0f1a3c5e7b9d2f"
#define NONCE "0123456789abcdef0123456789abcdef"
#define BODY "{\"phone\":\"13812345678\"}"

static void sig(const char *secret, const char *method, const char *path, int64_t ts,
		const char *nonce, const char *body, char out[SIGN_HEX_LEN + 1])
{
	assert_int_equal(sign_request(secret, method, path, ts, nonce, body,
				      body ? strlen(body) : 0, out), CA_OK);
}

static void test_worked_example_of_the_docs(void **ctx)
{
	char out[SIGN_HEX_LEN + 1], h[SIGN_HEX_LEN + 1];

	(void)ctx;
	sign_sha256_hex(BODY, strlen(BODY), h);
	assert_string_equal(h, "5f765c5fbbfa513338e9139ea1fea0d3e55f18760423ddd2c829cca62a51414f");
	sig(SECRET, "POST", "/v1/login/sms", 1795000000, NONCE, BODY, out);
	assert_string_equal(out, "b14df6d2010e58a6ad6995c122ebc4a6933516157ccb474061bf77730423cf21");
	/* The empty body hashes as "". */
	sign_sha256_hex(NULL, 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_every_part_is_covered(void **ctx)
{
	char base[SIGN_HEX_LEN + 1], o[SIGN_HEX_LEN + 1];

	(void)ctx;
	sig(SECRET, "POST", "/v1/login/sms", 1795000000, NONCE, BODY, base);
	sig(SECRET "0", "POST", "/v1/login/sms", 1795000000, NONCE, BODY, o);
	assert_string_not_equal(o, base);
	sig(SECRET, "PUT", "/v1/login/sms", 1795000000, NONCE, BODY, o);
	assert_string_not_equal(o, base);
	sig(SECRET, "POST", "/v1/login/sms?x=1", 1795000000, NONCE, BODY, o);
	assert_string_not_equal(o, base);
	sig(SECRET, "POST", "/v1/login/sms", 1795000001, NONCE, BODY, o);
	assert_string_not_equal(o, base);
	sig(SECRET, "POST", "/v1/login/sms", 1795000000, "1123456789abcdef0123456789abcdef", BODY, o);
	assert_string_not_equal(o, base);
	sig(SECRET, "POST", "/v1/login/sms", 1795000000, NONCE, "{\"phone\":\"13812345679\"}", o);
	assert_string_not_equal(o, base);
	sig(SECRET, "POST", "/v1/login/sms", 1795000000, NONCE, BODY, o);
	assert_string_equal(o, base);
}

static void test_bad_parts_are_refused(void **ctx)
{
	char o[SIGN_HEX_LEN + 1];

	(void)ctx;
	assert_int_equal(sign_request("", "GET", "/", 1, NONCE, NULL, 0, o), CA_ERR_ARG);
	assert_int_equal(sign_request(SECRET, "GET", "/a\nb", 1, NONCE, NULL, 0, o), CA_ERR_ARG);
	assert_int_equal(sign_request(SECRET, NULL, "/", 1, NONCE, NULL, 0, o), CA_ERR_ARG);
	assert_int_equal(sign_request(SECRET, "GET", "/", -1, NONCE, NULL, 0, o), CA_ERR_ARG);
	assert_int_equal(sign_request(SECRET, "GET", "/", 1, NONCE, NULL, 5, o), CA_ERR_ARG);
	assert_string_equal(o, "");
}

static void test_nonces_secrets_and_compare(void **ctx)
{
	char a[SIGN_NONCE_LEN + 1], b[SIGN_NONCE_LEN + 1], s[SIGN_HEX_LEN + 1];

	(void)ctx;
	assert_int_equal(sign_nonce(a), CA_OK);
	assert_int_equal(sign_nonce(b), CA_OK);
	assert_true(sign_is_hex(a, SIGN_NONCE_LEN));
	assert_string_not_equal(a, b);
	assert_int_equal(sign_new_secret(s), CA_OK);
	assert_true(sign_is_hex(s, SIGN_HEX_LEN));
	/* Tokens and keys of other lengths (the invoice's 20 and 16 bytes). */
	assert_int_equal(sign_random_hex(20, s), CA_OK);
	assert_true(sign_is_hex(s, 40));
	assert_int_equal(sign_random_hex(33, s), CA_ERR_ARG);
	assert_false(sign_is_hex("ABCDEF", 6));
	assert_false(sign_is_hex("abc", 4));
	assert_true(sign_equal("abc", "abc"));
	assert_false(sign_equal("abc", "abd"));
	assert_false(sign_equal("abc", "abcd"));
	assert_false(sign_equal("", "a"));
}

/* The one device-id rule: 1 to 32 of A-Z a-z 0-9 _ -, nothing else (not
 * a locale's letters, not '.', '+', '~' or a space). */
static void test_device_id_rule(void **ctx)
{
	static const char *good[] = { "a", "hall-01", "demo-kiosk-01", "A_b-9",
				      "0123456789abcdef0123456789ABCDEF" };
	static const char *bad[] = { "", "hall 01", "hall.01", "hall+01", "hall~01",
				     "hall/01", "k\xc3\xa9", "0123456789abcdef0123456789ABCDEFx",
				     "a\n" };
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(sign_device_id_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sign_device_id_ok(bad[i]));
	assert_false(sign_device_id_ok(NULL));
}

/* RFC 4231, test cases 1 and 2 (HMAC-SHA-256), and the keys refused. */
static void test_hmac_matches_rfc4231(void **ctx)
{
	unsigned char key1[20];
	char out[SIGN_HEX_LEN + 1];

	(void)ctx;
	memset(key1, 0x0b, sizeof(key1));
	assert_int_equal(sign_hmac_hex(key1, sizeof(key1), "Hi There", 8, out), CA_OK);
	assert_string_equal(out,
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(sign_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, out),
			 CA_OK);
	assert_string_equal(out,
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(sign_hmac_hex("", 0, "x", 1, out), CA_ERR_ARG);
	assert_string_equal(out, "");
	assert_int_equal(sign_hmac_hex("k", 1, NULL, 1, out), CA_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_example_of_the_docs),
		cmocka_unit_test(test_every_part_is_covered),
		cmocka_unit_test(test_bad_parts_are_refused),
		cmocka_unit_test(test_nonces_secrets_and_compare),
		cmocka_unit_test(test_device_id_rule),
		cmocka_unit_test(test_hmac_matches_rfc4231),
	};

	return cmocka_run_group_tests_name("core/sign", tests, NULL, NULL);
}
