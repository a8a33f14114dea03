/*
 * test_wxpay.c - the hub's WeChat Pay API v3 provider (src/hub/wxpay.c)
 * against the provider simulator ca-paysim (docs/paysim.md), both real
 * processes with TLS on loopback, on one virtual clock:
 *
 *   - an order is created at the provider (a weixin:// code_url), the
 *     customer's phone pays it there, and the provider's encrypted,
 *     signed notification makes the application paid at the hub, with no
 *     poll from the kiosk;
 *   - notifications that are not the provider's are refused with an
 *     error status and {"code":"FAIL"}, so that a real provider would
 *     send them again: none at all, another key's signature, a probe
 *     (WECHATPAY/SIGNTEST/), a time 6 minutes off, another serial; a
 *     signed one whose resource was changed or is another merchant's is
 *     refused as unreadable; a genuine-looking SUCCESS for an order the
 *     provider says is unpaid changes nothing (a notification is a hint:
 *     the hub asks the provider);
 *   - finance's refund reaches the provider (the order becomes REFUND
 *     there);
 *   - a hub that does not trust the provider's key (another public key)
 *     believes none of its answers: no order is made (503).
 *
 * The payment rules (expiry closing the order at the provider, a payment
 * at the last second found by the close, a provider failing close and
 * query, a second payment refunded) are test_pay's, whose hub pays
 * through this provider and ca-paysim too: they are not repeated here.
 *
 * The test plays WeChat Pay where it must forge: it holds the simulator's
 * key files (hubproc made them), signs with wxsign and seals with the
 * APIv3 key as the provider does.
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

#include "core/pay.h"
#include "hub/wxsign.h"
#include "../support/payhub.h"
#include "../support/scratch.h"

#define DEV "hall-01"

static struct payhub ph = { .kiosk = { .id = DEV } };
static struct hubproc *const hub = &ph.hub;

/* ---- a notification as WeChat Pay sends it, forged where the test says ---- */

struct forged {
	const char *sign_key;   /* file whose key signs: "wxp.key" is the provider's */
	const char *serial;     /* Wechatpay-Serial */
	const char *sig;        /* a signature to send as it is (NULL: sign) */
	int64_t ts_off;         /* seconds added to the hub's now */
	bool tamper;            /* change a byte of the ciphertext after sealing */
	const char *mchid;      /* in the resource */
	bool no_headers;        /* send none of the Wechatpay-* headers */
};

/* POST a TRANSACTION.SUCCESS notification for order no (amount fen) to
 * the hub's notify URL, made as f says; the status, the answer into *ans. */
static long notify(const char *no, int64_t fen, const struct forged *f, json_t **ans)
{
	char t[PAY_RFC3339_LEN + 1], sig[WXSIGN_SIG_MAX], ts[24], code[8], *cmd, *apiv3;
	char hdrs[WXSIGN_SIG_MAX + 300];
	char *key, *plain, *ct = NULL, *msg = NULL, *body, *out;
	int64_t now = time(NULL) + ph.clock_offset + f->ts_off;
	json_t *tr, *n;

	pay_rfc3339(now, t);
	tr = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:I, s:I, s:s, s:s}}",
		       "appid", HUBPROC_APPID, "mchid", f->mchid ? f->mchid : HUBPROC_MCHID,
		       "out_trade_no", no, "transaction_id", "4200000000000000000000000001",
		       "trade_type", "NATIVE", "trade_state", "SUCCESS", "success_time", t,
		       "payer", "openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "amount", "total",
		       (json_int_t)fen, "payer_total", (json_int_t)fen, "currency", "CNY",
		       "payer_currency", "CNY");
	plain = json_dumps(tr, JSON_COMPACT);
	json_decref(tr);
	apiv3 = payhub_file(&ph, "apiv3.key");
	assert_int_equal(wxsign_encrypt(apiv3, 32, "a1b2c3d4e5f6", "transaction", plain,
					strlen(plain), &ct), CA_OK);
	free(apiv3);
	free(plain);
	if (f->tamper)
		ct[5] = ct[5] == 'A' ? 'B' : 'A';
	n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "id",
		      "EV-2018022511223320873", "create_time", t, "event_type",
		      "TRANSACTION.SUCCESS", "resource_type", "encrypt-resource", "summary",
		      "支付成功", "resource", "original_type", "transaction", "algorithm",
		      "AEAD_AES_256_GCM", "ciphertext", ct, "associated_data", "transaction",
		      "nonce", "a1b2c3d4e5f6");
	free(ct);
	body = json_dumps(n, JSON_COMPACT);
	json_decref(n);
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if (f->sig) {
		snprintf(sig, sizeof(sig), "%s", f->sig);
	} else {
		key = payhub_file(&ph, f->sign_key);
		assert_int_equal(wxsign_answer_message(ts, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", body,
						       &msg), CA_OK);
		assert_int_equal(wxsign_sign(key, msg, strlen(msg), sig, NULL, 0), CA_OK);
		free(key);
		free(msg);
	}
	/* curl(1) sends it: the hub must not tell a test client from WeChat Pay. */
	assert_int_equal(scratch_write(hub->dir, "notify.json", body), 0);
	free(body);
	if (f->no_headers)
		hdrs[0] = 0;
	else
		snprintf(hdrs, sizeof(hdrs), "-H 'Wechatpay-Timestamp: %s' -H 'Wechatpay-Nonce: "
			 "5K8264ILTKCH16CQ2502SI8ZNMTM67VS' -H 'Wechatpay-Serial: %s' "
			 "-H 'Wechatpay-Signature: %s'", ts, f->serial ? f->serial : HUBPROC_WXPUB_ID,
			 sig);
	assert_true(asprintf(&cmd, "cd '%s' && curl -sS --max-time 10 --cacert '%s' "
			     "-o notify.out -w '%%{http_code}' -H 'Content-Type: application/json' "
			     "%s --data-binary @notify.json '%s/v1/pay/notify/wechatpay'", hub->dir,
			     hub->cacert, hdrs, hub->url) > 0);
	assert_int_equal(scratch_cmd(cmd, code, sizeof(code)), 0);
	free(cmd);
	out = payhub_file(&ph, "notify.out");
	*ans = json_loads(out, 0, NULL);
	free(out);
	return atol(code);
}

/* ---- tests ---- */

static void test_paid_at_the_provider_and_told_by_its_notification(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], code_url[128], st[16], want[160];
	struct hubproc_resp r;

	(void)state;
	payhub_customer(&ph, "13600000001", token, &a);
	payhub_new_order(&ph, token, a.id, no, code_url);
	assert_string_equal(payhub_sim_state(&ph, no, st), "NOTPAY");
	assert_int_equal(hubproc_customer_pay(hub, code_url, &r), 200);
	free(r.body);
	/* No poll from the kiosk: the notification alone tells the hub. */
	payhub_wait_paid(&ph, a.id);
	snprintf(want, sizeof(want), "notification TRANSACTION.SUCCESS for %s: SUCCESS", no);
	assert_true(hubcall_log_has(hub, want));
	assert_string_equal(payhub_sim_state(&ph, no, st), "SUCCESS");
	/* Paid once: the phone cannot pay the same QR again. */
	assert_int_equal(hubproc_customer_pay(hub, code_url, NULL), 403);
}

static void test_notifications_not_from_the_provider_are_refused(void **state)
{
	static const struct {
		const char *what;    /* the case */
		struct forged f;     /* how the notification is made */
		long want;           /* the hub's status */
	} cases[] = {
		{ "no headers", { .sign_key = "wxp.key", .no_headers = true }, 401 },
		{ "the merchant's key, not WeChat Pay's", { .sign_key = "mch.key" }, 401 },
		{ "a signature probe", { .sig = "WECHATPAY/SIGNTEST/dGVzdA==" }, 401 },
		{ "six minutes old", { .sign_key = "wxp.key", .ts_off = -360 }, 401 },
		{ "six minutes ahead", { .sign_key = "wxp.key", .ts_off = 360 }, 401 },
		{ "another serial", { .sign_key = "wxp.key", .serial = "PUB_KEY_ID_0000000000000" }, 401 },
		{ "a changed ciphertext", { .sign_key = "wxp.key", .tamper = true }, 400 },
		{ "another merchant", { .sign_key = "wxp.key", .mchid = "1230000109" }, 400 },
	};
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], code_url[128], ps[32], st[16];
	json_t *ans;
	size_t i;
	long got;

	(void)state;
	payhub_customer(&ph, "13600000002", token, &a);
	payhub_new_order(&ph, token, a.id, no, code_url);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = notify(no, 30000, &cases[i].f, &ans);
		if (got != cases[i].want)
			fail_msg("%s: status %ld, want %ld", cases[i].what, got, cases[i].want);
		/* The body a provider reads to retry. */
		assert_string_equal(payhub_str(ans, "code"), "FAIL");
		assert_true(strlen(payhub_str(ans, "message")) > 0);
		json_decref(ans);
	}
	/* Well made, but the provider says the order is unpaid: taken (204)
	 * and nothing changes. */
	{
		struct forged ok = { .sign_key = "wxp.key" };

		assert_int_equal(notify(no, 30000, &ok, &ans), 204);
		json_decref(ans);
	}
	assert_string_equal(payhub_pay_status(&ph, a.id, ps), "unpaid");
	assert_string_equal(payhub_sim_state(&ph, no, st), "NOTPAY");
}

static void test_finance_refund_reaches_the_provider(void **state)
{
	struct hubproc_req q = { .device = DEV, .secret = ph.kiosk.secret };
	struct ca_app a;
	char token[65], target[96], no[PAY_TRADE_NO_MAX + 1] = "", st_s[16];
	long st;
	json_t *j, *o;
	size_t i;
	int waited = 0;

	(void)state;
	payhub_customer(&ph, "13600000003", token, &a);
	q.session = token;
	assert_int_equal(hubcall_pay(hub, &q, a.id), 0);
	j = payhub_admin_app(&ph, a.id);
	json_array_foreach(json_object_get(j, "orders"), i, o)
		if (!strcmp(payhub_str(o, "trade_state"), "SUCCESS"))
			snprintf(no, sizeof(no), "%s", payhub_str(o, "out_trade_no"));
	json_decref(j);
	assert_true(pay_trade_no_valid(no));
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", a.id);
	json_decref(hubcall_admin(hub, "POST", target,
				  "{\"op\":\"refund\",\"arg\":\"客户要求取消\"}", &st));
	assert_int_equal(st, 200);
	while (strcmp(payhub_sim_state(&ph, no, st_s), "REFUND"))
		payhub_wait_step(&waited);
}

static void test_a_hub_that_does_not_trust_the_key_makes_no_order(void **state)
{
	char token[65], cmd[HUBPROC_PATH * 2 + 128];
	struct ca_app a;
	long st;

	(void)state;
	payhub_customer(&ph, "13600000004", token, &a);
	/* Another key where WeChat Pay's public key should be: every answer
	 * fails its check, so none is believed. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && cp wxp.pub wxp.pub.real && openssl genpkey "
		 "-algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout "
		 "> wxp.pub", hub->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(hubproc_restart(hub), 0);
	ph.clock_offset = 0; /* a restarted hub is back on the system clock */
	json_decref(payhub_create(&ph, token, a.id, "wechat", NULL, &st));
	assert_int_equal(st, 503);
	assert_true(hubcall_log_has(hub, "answer not trusted: the signature does not match"));
	snprintf(cmd, sizeof(cmd), "cd '%s' && mv wxp.pub.real wxp.pub", hub->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(hubproc_restart(hub), 0);
	json_decref(payhub_create(&ph, token, a.id, "wechat", NULL, &st));
	assert_int_equal(st, 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paid_at_the_provider_and_told_by_its_notification),
		cmocka_unit_test(test_notifications_not_from_the_provider_are_refused),
		cmocka_unit_test(test_finance_refund_reaches_the_provider),
		/* Last: it restarts the hub, whose clock then starts again. */
		cmocka_unit_test(test_a_hub_that_does_not_trust_the_key_makes_no_order),
	};

	payhub_group(&ph);
	return cmocka_run_group_tests_name("hub/wxpay", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
