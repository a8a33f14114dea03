/*
 * test_wxsign.c - WeChat Pay API v3 cryptography (src/hub/wxsign.c):
 *   - the notification of WeChat Pay's official Go SDK (wechatpay-go,
 *     core/notify/notify_test.go: its platform certificate, headers, body
 *     and APIv3 key) verifies and decrypts to the plaintext that test
 *     expects; a changed byte of the body, the signature or the ciphertext
 *     is refused;
 *   - against the openssl command line: what we sign, `openssl dgst
 *     -sha256 -verify` accepts; what it signs, we accept;
 *   - the answer checks: a probe signature, a time 5 minutes and a second
 *     off, another serial, a missing header; the Authorization header's
 *     exact form; AEAD round trips with a 32-byte key, a wrong nonce, data
 *     or key refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/wxsign.h"
#include "../support/scratch.h"
#include "../support/tmpdir.h"

/* wechatpay-go core/notify/notify_test.go, TestHandler_ParseNotifyRequest. */
static const char sdk_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNV\n"
	"BAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQg\n"
	"Q29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQsw\n"
	"CQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZh\n"
	"dWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
	"2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXag\n"
	"HQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOm\n"
	"DeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B83\n"
	"4uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGf\n"
	"y8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtk\n"
	"aSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZ\n"
	"umNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0T\n"
	"BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh\n"
	"0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2\n"
	"kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/\n"
	"fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe\n"
	"2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmq\n"
	"cTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==\n"
	"-----END CERTIFICATE-----\n";
#define SDK_SERIAL "D7CE59D1F522D701"
#define SDK_TS "1624523846"
#define SDK_NONCE "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"
#define SDK_SIG "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXF" \
	"lbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1I" \
	"BLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY4" \
	"06ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q=="
#define SDK_CIPHER "YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt" \
	"tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR" \
	"7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ=="
static const char sdk_body[] =
	"{\"id\":\"3119dfba-e649-5eec-ab1e-3412bc4d2e17\","
	"\"create_time\":\"2021-06-24T16:37:26+08:00\","
	"\"resource_type\":\"encrypt-resource\","
	"\"event_type\":\"PAYSCORE.USER_OPEN_SERVICE\","
	"\"summary\":\"签约成功\","
	"\"resource\":{\"original_type\":\"payscore\",\"algorithm\":\"AEAD_AES_256_GCM\","
	"\"ciphertext\":\"" SDK_CIPHER "\",\"associated_data\":\"payscore\","
	"\"nonce\":\"Kj7QIyUiYx1q\"}}";
static const char sdk_plain[] =
	"{\"mchid\":\"1234567890\",\"appid\":\"054aa7d7a2a54ab5898df65bd96f001c\","
	"\"create_time\":\"2020-06-30T12:12:00+08:00\","
	"\"out_contract_code\":\"21640bdbd08e473e828f3206a2741c6e\"}";

/* The SDK's notification: the signature over its headers and body holds;
 * any change is refused; the resource decrypts to its plaintext. */
static void test_the_go_sdk_notification_verifies_and_decrypts(void **state)
{
	char err[WXSIGN_ERR_MAX], body[sizeof(sdk_body)], sig[] = SDK_SIG, cipher[] = SDK_CIPHER;
	char *plain = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846, err, sizeof(err)),
			 CA_OK);
	memcpy(body, sdk_body, sizeof(body));
	body[10] ^= 1;
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, body,
					     SDK_SERIAL, sdk_cert, 1624523846, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	sig[20] = sig[20] == 'A' ? 'B' : 'A';
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, sig, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_non_null(strstr(err, "does not match"));
	/* Its APIv3 key is 16 bytes: the SDK's AES then is AES-128-GCM. */
	assert_int_equal(wxsign_decrypt("testMchAPIv3Key0", 16, "Kj7QIyUiYx1q", "payscore",
					SDK_CIPHER, &plain, &len, err, sizeof(err)), CA_OK);
	assert_string_equal(plain, sdk_plain);
	assert_int_equal(len, strlen(sdk_plain));
	free(plain);
	cipher[30] = cipher[30] == 'A' ? 'B' : 'A';
	assert_int_equal(wxsign_decrypt("testMchAPIv3Key0", 16, "Kj7QIyUiYx1q", "payscore",
					cipher, &plain, &len, err, sizeof(err)), CA_ERR_FORBIDDEN);
	assert_null(plain);
	assert_int_equal(wxsign_decrypt("testMchAPIv3Key0", 16, "Kj7QIyUiYx1q", "payscorf",
					SDK_CIPHER, &plain, &len, err, sizeof(err)), CA_ERR_FORBIDDEN);
}

/* Our signatures and the openssl command line's are the same thing. */
static void test_signatures_agree_with_the_openssl_command_line(void **state)
{
	char dir[256], sig[WXSIGN_SIG_MAX], err[WXSIGN_ERR_MAX], line[WXSIGN_SIG_MAX + 2];
	char *key, *pub, *theirs, *msg = NULL;

	(void)state;
	assert_int_equal(tmpdir_make(dir, sizeof(dir), "wxsign"), 0);
	assert_int_equal(scratch_sh(dir, "openssl genpkey -algorithm RSA -pkeyopt "
				    "rsa_keygen_bits:2048 -out key.pem && "
				    "openssl pkey -in key.pem -pubout -out pub.pem"), 0);
	key = scratch_read(dir, "key.pem");
	pub = scratch_read(dir, "pub.pem");
	assert_non_null(key);
	assert_non_null(pub);
	assert_int_equal(wxsign_request_message("POST", "/v3/pay/transactions/native",
						1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242",
						"{\"appid\":\"wxd678efh567hg6787\"}", &msg), CA_OK);
	assert_string_equal(msg, "POST\n/v3/pay/transactions/native\n1554208460\n"
			    "593BEC0C930BF1AFEB40B4A08C8FB242\n{\"appid\":\"wxd678efh567hg6787\"}\n");
	assert_int_equal(scratch_write(dir, "msg.txt", msg), 0);
	/* Ours, checked by openssl. */
	assert_int_equal(wxsign_sign(key, msg, strlen(msg), sig, err, sizeof(err)), CA_OK);
	snprintf(line, sizeof(line), "%s\n", sig);
	assert_int_equal(scratch_write(dir, "ours.b64", line), 0);
	assert_int_equal(scratch_sh(dir, "openssl base64 -d -A -in ours.b64 -out ours.bin && "
				    "openssl dgst -sha256 -verify pub.pem -signature ours.bin "
				    "msg.txt"), 0);
	/* openssl's, checked by us; and the same bytes (PKCS #1 v1.5 is
	 * deterministic). */
	assert_int_equal(scratch_sh(dir, "openssl dgst -sha256 -sign key.pem -out theirs.bin "
				    "msg.txt && openssl base64 -A -in theirs.bin -out theirs.b64"),
			 0);
	theirs = scratch_read(dir, "theirs.b64");
	assert_non_null(theirs);
	theirs[strcspn(theirs, "\r\n")] = '\0';
	assert_int_equal(wxsign_verify(pub, msg, strlen(msg), theirs, err, sizeof(err)), CA_OK);
	assert_string_equal(theirs, sig);
	/* Another message: refused. */
	assert_int_equal(wxsign_verify(pub, "POST\n", 5, theirs, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	/* Not a private key; not base64. */
	assert_int_equal(wxsign_sign(pub, msg, strlen(msg), sig, err, sizeof(err)), CA_ERR_ARG);
	assert_int_equal(wxsign_verify(pub, msg, strlen(msg), "not base64!", err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	free(msg);
	free(key);
	free(pub);
	free(theirs);
	assert_int_equal(tmpdir_remove(dir), 0);
}

/* What an answer must be before the hub believes it. */
static void test_answers_are_checked_as_the_merchant_must(void **state)
{
	char err[WXSIGN_ERR_MAX], auth[600];

	(void)state;
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, WXSIGN_PROBE "ABCDEF", SDK_SERIAL,
					     sdk_body, SDK_SERIAL, sdk_cert, 1624523846, err,
					     sizeof(err)), CA_ERR_FORBIDDEN);
	assert_non_null(strstr(err, "probe"));
	/* 300 s off either way is fine, 301 s is not. */
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846 + 300, err,
					     sizeof(err)), CA_OK);
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846 - 300, err,
					     sizeof(err)), CA_OK);
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846 + 301, err,
					     sizeof(err)), CA_ERR_FORBIDDEN);
	assert_non_null(strstr(err, "5 minutes"));
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846 - 301, err,
					     sizeof(err)), CA_ERR_FORBIDDEN);
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, "5157F09EFDC096DE15EBE81A47057A72",
					     sdk_body, SDK_SERIAL, sdk_cert, 1624523846, err,
					     sizeof(err)), CA_ERR_FORBIDDEN);
	assert_non_null(strstr(err, "Serial"));
	assert_int_equal(wxsign_check_answer(NULL, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, sdk_cert, 1624523846, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_int_equal(wxsign_check_answer("16245238x6", SDK_NONCE, SDK_SIG, SDK_SERIAL,
					     sdk_body, SDK_SERIAL, sdk_cert, 1624523846, err,
					     sizeof(err)), CA_ERR_FORBIDDEN);
	assert_int_equal(wxsign_check_answer(SDK_TS, SDK_NONCE, SDK_SIG, SDK_SERIAL, sdk_body,
					     SDK_SERIAL, "not a key", 1624523846, err,
					     sizeof(err)), CA_ERR_ARG);
	/* The Authorization header, to the byte. */
	assert_int_equal(wxsign_authorization(auth, sizeof(auth), "1900009191",
					      "593BEC0C930BF1AFEB40B4A08C8FB242", 1554208460,
					      "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", "c2lnbg=="),
			 CA_OK);
	assert_string_equal(auth, "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\","
			    "nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",timestamp=\"1554208460\","
			    "serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\","
			    "signature=\"c2lnbg==\"");
	assert_int_equal(wxsign_authorization(auth, 40, "1900009191", "n", 1, "s", "x"),
			 CA_ERR_TOO_LONG);
}

/* The header the provider takes apart: what wxsign_authorization writes
 * comes back whole; a missing, repeated, unknown or empty pair, another
 * scheme or a bad number is refused. */
static void test_the_authorization_header_parses_back(void **state)
{
	static const char *const bad[] = {
		"WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"1\",serial_no=\"s\"",
		"WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\",nonce_str=\"n\",timestamp=\"1\","
		"serial_no=\"s\",signature=\"x\"",
		"WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"1\",serial_no=\"s\","
		"signature=\"x\",extra=\"y\"",
		"WECHATPAY2-SHA256-RSA2048 mchid=\"\",nonce_str=\"n\",timestamp=\"1\",serial_no=\"s\","
		"signature=\"x\"",
		"WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"1x\",serial_no=\"s\","
		"signature=\"x\"",
		"WECHATPAY2-SHA256-RSA2048 mchid=\"1\" nonce_str=\"n\",timestamp=\"1\",serial_no=\"s\","
		"signature=\"x\"",
		"Bearer mchid=\"1\",nonce_str=\"n\",timestamp=\"1\",serial_no=\"s\",signature=\"x\"",
		"WECHATPAY2-SHA256-RSA2048 mchid=\"1,nonce_str=\"n\"",
	};
	struct wxsign_auth a;
	char auth[1024], err[WXSIGN_ERR_MAX];
	size_t i;

	(void)state;
	assert_int_equal(wxsign_authorization(auth, sizeof(auth), "1900009191",
					      "593BEC0C930BF1AFEB40B4A08C8FB242", 1554208460,
					      "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", "c2lnbg=="),
			 CA_OK);
	assert_int_equal(wxsign_parse_authorization(auth, &a, err, sizeof(err)), CA_OK);
	assert_string_equal(a.mchid, "1900009191");
	assert_string_equal(a.nonce, "593BEC0C930BF1AFEB40B4A08C8FB242");
	assert_string_equal(a.serial, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
	assert_string_equal(a.signature, "c2lnbg==");
	assert_int_equal(a.timestamp, 1554208460);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(wxsign_parse_authorization(bad[i], &a, err, sizeof(err)),
				 CA_ERR_ARG);
		assert_true(err[0] != 0);
	}
	assert_int_equal(wxsign_parse_authorization(NULL, &a, err, sizeof(err)), CA_ERR_ARG);
}

/* AEAD_AES_256_GCM both ways with a 32-byte APIv3 key. */
static void test_notification_resources_seal_and_open(void **state)
{
	static const char key[] = "0123456789abcdef0123456789abcdef";
	static const char plain[] = "{\"out_trade_no\":\"CA20261205ABCDEF123456\","
		"\"trade_state\":\"SUCCESS\",\"amount\":{\"total\":30000}}";
	char err[WXSIGN_ERR_MAX], *sealed = NULL, *opened = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(wxsign_encrypt(key, 32, "fdasflkja484", "transaction", plain,
					strlen(plain), &sealed), CA_OK);
	assert_int_equal(wxsign_decrypt(key, 32, "fdasflkja484", "transaction", sealed, &opened,
					&len, err, sizeof(err)), CA_OK);
	assert_string_equal(opened, plain);
	free(opened);
	assert_int_equal(wxsign_decrypt(key, 32, "fdasflkja485", "transaction", sealed, &opened,
					&len, err, sizeof(err)), CA_ERR_FORBIDDEN);
	assert_int_equal(wxsign_decrypt(key, 32, "fdasflkja484", "refund", sealed, &opened,
					&len, err, sizeof(err)), CA_ERR_FORBIDDEN);
	assert_int_equal(wxsign_decrypt("1123456789abcdef0123456789abcdef", 32, "fdasflkja484",
					"transaction", sealed, &opened, &len, err, sizeof(err)),
			 CA_ERR_FORBIDDEN);
	assert_int_equal(wxsign_decrypt(key, 31, "fdasflkja484", "transaction", sealed, &opened,
					&len, err, sizeof(err)), CA_ERR_ARG);
	assert_int_equal(wxsign_decrypt(key, 32, "fdasflkja484", "transaction", "AAAA", &opened,
					&len, err, sizeof(err)), CA_ERR_ARG);
	free(sealed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_go_sdk_notification_verifies_and_decrypts),
		cmocka_unit_test(test_signatures_agree_with_the_openssl_command_line),
		cmocka_unit_test(test_answers_are_checked_as_the_merchant_must),
		cmocka_unit_test(test_notification_resources_seal_and_open),
		cmocka_unit_test(test_the_authorization_header_parses_back),
	};

	return cmocka_run_group_tests_name("wxsign", tests, NULL, NULL);
}
