/*
 * test_bankpay.c - the hub's bank gateway provider for 个人网银
 * (src/hub/bankpay.c) against the gateway of ca-paysim (docs/paysim.md,
 * The bank gateway), both real processes with TLS on loopback, on one
 * virtual clock:
 *
 *   - the customer's browser: the QR code is the hub's page, HTML in
 *     Chinese (the bank, the amount, the time left) with the signed form
 *     to the gateway and a CSP without scripts; the browser posts it, pays
 *     on the bank's page, and never comes back: the gateway's back
 *     notification alone makes the application paid; `ca-paysim pay` with
 *     the page's URL does all of it, coming back to frontUrl too;
 *   - back notifications that are not the gateway's are refused with an
 *     error status so that a gateway sends them again: none signed, the
 *     merchant's key, a field changed after signing, another merchant; a
 *     genuine one for an order the gateway says is unpaid changes nothing
 *     (a notification is a hint: the hub asks the gateway);
 *   - payTimeout: a payment after it is refused by the gateway, and the
 *     hub's order is CLOSED at expiry; a payment at 299 s whose
 *     notification is held is found by the expiry's query and recorded,
 *     once;
 *   - finance's refund reaches the gateway; a second payment of a paid
 *     application is refunded there.
 *
 * Where the test plays the gateway (forgeries) it signs with the key files
 * hubproc made, with src/hub/upsign.
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
#include "hub/upsign.h"
#include "../fixture.h"
#include "../support/hubcall.h"

static struct hubproc hub;
static int64_t clock_offset; /* how far the hub's (and the gateway's) clock moved */

#define DEV "hall-01"
static struct hubcall_dev hall = { .id = DEV };
#define WAIT_MS 8000

static struct hubcall_dev *const devs[] = { &hall };
static const struct hubcall_group group = {
	.hub = &hub, .opts = { .virtual_clock = true, .wechatpay = true }, .devs = devs,
	.ndevs = 1, .check_exit = true,
};

static const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

static json_t *kiosk(const char *session, const char *method, const char *target,
		     const char *body, long *status)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .session = session,
				 .ts_offset = clock_offset };

	return hubcall_json(&hub, &q, method, target, body, status);
}

static void advance(int64_t s)
{
	assert_int_equal(hubcall_advance(&hub, s, &clock_offset), 0);
}

static void align_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ca_sleep_ms(1000 - ts.tv_nsec / 1000000 + 5);
}

static void sim_fault(const char *body)
{
	struct hubproc_req q = { .paysim = true };
	long st;

	json_decref(hubcall_json(&hub, &q, "POST", "/sim/fault", body, &st));
	assert_int_equal(st, 200);
}

static json_t *staff(const char *method, const char *target, const char *body, long *status)
{
	struct hubproc_req q = { .bearer = hub.token };

	return hubcall_json(&hub, &q, method, target, body, status);
}

static char *hub_file(const char *name)
{
	char path[HUBPROC_PATH + 32];
	FILE *f;
	char *buf = calloc(1, 65536);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", hub.dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void customer(const char *phone, char token[65], struct ca_app *a)
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret, .ts_offset = clock_offset };
	char out[512];

	assert_int_equal(hubcall_login(&hub, &q, phone, token), 0);
	assert_int_equal(fixture_app_of(a, phone, CA_PICKUP_ONSITE), CA_OK);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "save"), 200);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "submit"), 200);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", a->id, (char *)NULL), 0);
}

/* A new 个人网银 order (招商银行) of app_id: its number and code_url. */
static void new_order(const char *token, const char *app_id, char no[PAY_TRADE_NO_MAX + 1],
		      char code_url[160])
{
	char body[160], want[160];
	long st;
	json_t *j;

	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"bank\",\"bank\":\"cmb\"}",
		 app_id);
	j = kiosk(token, "POST", "/v1/pay/orders", body, &st);
	assert_int_equal(st, 200);
	snprintf(no, PAY_TRADE_NO_MAX + 1, "%s", jstr(j, "out_trade_no"));
	snprintf(code_url, 160, "%s", jstr(j, "code_url"));
	json_decref(j);
	snprintf(want, sizeof(want), "%s/pay/bank/%s", hub.url, no);
	assert_string_equal(code_url, want);
}

static char *pay_status(const char *app_id, char out[32])
{
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", app_id);
	j = staff("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	snprintf(out, 32, "%s", jstr(json_object_get(j, "app"), "pay_status"));
	json_decref(j);
	return out;
}

static void wait_paid(const char *app_id)
{
	char ps[32];
	int waited = 0;

	while (strcmp(pay_status(app_id, ps), "paid")) {
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
}

/* The gateway's books of no. */
static const char *sim_state(const char *no, char out[16])
{
	struct hubproc_req q = { .paysim = true };
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/sim/orders/%s", no);
	j = hubcall_json(&hub, &q, "GET", target, NULL, &st);
	snprintf(out, 16, "%s", st == 200 ? jstr(j, "trade_state") : "(none)");
	json_decref(j);
	return out;
}

static void poll_says(const char *token, const char *no, const char *state, const char *pay)
{
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	j = kiosk(token, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	if (strcmp(jstr(j, "trade_state"), state))
		fail_msg("order %s is %s, want %s", no, jstr(j, "trade_state"), state);
	if (pay)
		assert_string_equal(jstr(json_object_get(j, "app"), "pay_status"), pay);
	json_decref(j);
}

static int pay_count(const char *id)
{
	char target[96];
	long st;
	json_t *j, *h;
	size_t i;
	int n = 0;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", id);
	j = staff("GET", target, NULL, &st);
	json_array_foreach(json_object_get(j, "history"), i, h)
		n += !strcmp(jstr(h, "action"), "pay");
	json_decref(j);
	return n;
}

static void wait_notified(const char *no, int n)
{
	char target[96];
	int waited = 0;
	long st;

	snprintf(target, sizeof(target), "/v1/admin/pay/%s", no);
	for (;;) {
		json_t *j = staff("GET", target, NULL, &st);
		int got = (int)json_integer_value(json_object_get(json_object_get(j, "order"),
								  "notifications"));

		json_decref(j);
		if (got >= n)
			return;
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
}

/* ---- the browser ---- */

/* GET the hub's page of no (as a phone: no credentials); its HTML. */
static char *page(const char *no, long *status, char csp[160])
{
	struct hubproc_req q = { 0 };
	struct hubproc_resp r;
	char target[96];

	snprintf(target, sizeof(target), "/pay/bank/%s", no);
	hubproc_request(&hub, &q, "GET", target, NULL, &r);
	*status = r.status;
	if (csp)
		snprintf(csp, 160, "%s", r.csp);
	if (r.status == 200)
		assert_non_null(strstr(r.content_type, "text/html"));
	return r.body;
}

/* The hidden inputs of html's form into f; its action into action. */
static void form_of(const char *html, struct upform *f, char action[256])
{
	const char *p = strstr(html, "<form method=\"post\" action=\"");

	assert_non_null(p);
	p += strlen("<form method=\"post\" action=\"");
	snprintf(action, 256, "%.*s", (int)strcspn(p, "\""), p);
	upform_init(f);
	while ((p = strstr(p, "<input type=\"hidden\" name=\""))) {
		char key[40], val[2048];
		const char *v;

		p += strlen("<input type=\"hidden\" name=\"");
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(p, "\""), p);
		v = strstr(p, "value=\"");
		assert_non_null(v);
		v += strlen("value=\"");
		snprintf(val, sizeof(val), "%.*s", (int)strcspn(v, "\""), v);
		assert_int_equal(upform_set(f, key, val), CA_OK);
	}
}

/* POST form f to the gateway's path; the answer's status and body. */
static long to_gateway(const char *path, const struct upform *f, char **body)
{
	struct hubproc_req q = { .paysim = true, .form = true };
	struct hubproc_resp r;
	char *text = NULL;

	assert_int_equal(upform_encode(f, &text), CA_OK);
	hubproc_request(&hub, &q, "POST", path, text, &r);
	free(text);
	*body = r.body;
	return r.status;
}

/* The phone: opens the hub's page of no and posts its form to the gateway;
 * the bank's page's token into token. */
static void open_bank_page(const char *no, char token[33])
{
	char action[256], want[128], *html, *bank;
	struct upform f;
	const char *t;
	long st;

	html = page(no, &st, NULL);
	assert_int_equal(st, 200);
	form_of(html, &f, action);
	free(html);
	snprintf(want, sizeof(want), "https://127.0.0.1:%d/gateway/api/frontTransReq.do",
		 hub.paysim_port);
	assert_string_equal(action, want);
	assert_int_equal(to_gateway("/gateway/api/frontTransReq.do", &f, &bank), 200);
	upform_release(&f);
	t = strstr(bank, "name=\"token\" value=\"");
	assert_non_null(t);
	snprintf(token, 33, "%.32s", t + strlen("name=\"token\" value=\""));
	free(bank);
}

/* The phone pays on the bank's page; the gateway's status. */
static long bank_pays(const char *no, const char *token)
{
	struct upform f;
	char *body;
	long st;

	upform_init(&f);
	assert_int_equal(upform_set(&f, "orderId", no), CA_OK);
	assert_int_equal(upform_set(&f, "merId", HUBPROC_BANK_MER), CA_OK);
	assert_int_equal(upform_set(&f, "token", token), CA_OK);
	st = to_gateway("/gateway/pay", &f, &body);
	free(body);
	upform_release(&f);
	return st;
}

/* `ca-paysim pay` with url; its exit status, its output into out. */
static int pay_cli(const char *url, char *out, size_t n)
{
	char cmd[3 * HUBPROC_PATH + 256];
	FILE *p;
	size_t got;

	snprintf(cmd, sizeof(cmd), "'%s/ca-paysim' pay --sim https://127.0.0.1:%d --ca '%s' '%s' "
		 "2>/dev/null", hub.bin_dir, hub.paysim_port, hub.cacert, url);
	p = popen(cmd, "r");
	assert_non_null(p);
	got = fread(out, 1, n - 1, p);
	out[got] = 0;
	return WEXITSTATUS(pclose(p));
}

/* ---- tests ---- */

/* The page; the browser that never comes back; the back notification
 * alone makes the application paid. */
static void test_the_back_notification_alone_makes_it_paid(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], url[160], tk[33], csp[160], s[16];
	char want[256], *html;
	long st;

	(void)state;
	customer("13700000001", token, &a);
	new_order(token, a.id, no, url);
	html = page(no, &st, csp);
	assert_int_equal(st, 200);
	/* Chinese from the catalog, the bank, the amount, the time left. */
	assert_non_null(strstr(html, "个人网银支付"));
	assert_non_null(strstr(html, "招商银行"));
	assert_non_null(strstr(html, "应付金额"));
	assert_non_null(strstr(html, "剩余支付时间"));
	assert_non_null(strstr(html, "05:00"));
	assert_non_null(strstr(html, "前往银行付款"));
	assert_non_null(strstr(html, "data-state=\"NOTPAY\""));
	assert_null(strstr(html, "<script"));
	snprintf(want, sizeof(want), "name=\"frontUrl\" value=\"%s\"", url);
	assert_non_null(strstr(html, want));
	assert_non_null(strstr(html, "name=\"issInsCode\" value=\"cmb\""));
	assert_non_null(strstr(html, "name=\"certId\" value=\"" HUBPROC_BANK_MCH_CID "\""));
	/* No script may run; the form may post elsewhere (form-action is not
	 * governed by default-src). */
	assert_non_null(strstr(csp, "default-src 'none'"));
	assert_null(strstr(csp, "form-action"));
	free(html);
	open_bank_page(no, tk);
	assert_string_equal(sim_state(no, s), "NOTPAY");
	assert_int_equal(bank_pays(no, tk), 200);
	/* The browser is closed here: no return to frontUrl, no kiosk poll. */
	wait_paid(a.id);
	snprintf(want, sizeof(want), "notification for %s: paid", no);
	assert_true(hubcall_log_has(&hub, want));
	assert_int_equal(pay_count(a.id), 1);
	/* Paid: the page says so and offers no form. */
	html = page(no, &st, NULL);
	assert_non_null(strstr(html, "data-state=\"SUCCESS\""));
	assert_non_null(strstr(html, "支付成功"));
	assert_null(strstr(html, "<form"));
	free(html);
}

/* `ca-paysim pay` with the QR code's URL: the whole browser path. */
static void test_the_phone_browser_pays_end_to_end(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], url[160], out[512];

	(void)state;
	customer("13700000002", token, &a);
	new_order(token, a.id, no, url);
	assert_int_equal(pay_cli(url, out, sizeof(out)), 0);
	if (strncmp(out, "paid ", 5) || !strstr(out, no))
		fail_msg("ca-paysim pay said: %s", out);
	wait_paid(a.id);
	poll_says(token, no, "SUCCESS", "paid");
	/* Paid already: the page offers nothing (exit 1). */
	assert_int_equal(pay_cli(url, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "refused ORDERPAID"));
}

/* A back notification as the gateway would send one for no, made as told. */
static long notify(const char *no, const char *key_file, const char *cert_id,
		   const char *mer_id, const char *tamper, const char *amount)
{
	struct hubproc_req q = { .form = true };
	struct hubproc_resp r;
	struct upform f;
	char t[15], *key = hub_file(key_file), *body = NULL;
	time_t now = time(NULL) + (time_t)clock_offset + 8 * 3600;
	struct tm tm;
	const char *const kv[][2] = {
		{ "version", "5.1.0" }, { "encoding", "UTF-8" }, { "signMethod", "01" },
		{ "certId", cert_id }, { "merId", mer_id }, { "orderId", no }, { "txnAmt", amount },
		{ "settleAmt", amount }, { "currencyCode", "156" }, { "txnType", "01" },
		{ "txnSubType", "01" }, { "bizType", "000201" }, { "accessType", "0" },
		{ "queryId", "123456789012345678901" }, { "respCode", "00" },
		{ "respMsg", "success" }, { "traceNo", "123456" },
	};
	size_t i;

	gmtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y%m%d%H%M%S", &tm);
	upform_init(&f);
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		assert_int_equal(upform_set(&f, kv[i][0], kv[i][1]), CA_OK);
	assert_int_equal(upform_set(&f, "txnTime", t), CA_OK);
	assert_int_equal(upform_set(&f, "traceTime", t + 4), CA_OK);
	if (key_file[0])
		assert_int_equal(upsign_sign(&f, key, NULL, 0), CA_OK);
	if (tamper)
		assert_int_equal(upform_set(&f, "txnAmt", tamper), CA_OK);
	assert_int_equal(upform_encode(&f, &body), CA_OK);
	hubproc_request(&hub, &q, "POST", "/v1/pay/notify/bank", body, &r);
	free(r.body);
	free(body);
	free(key);
	upform_release(&f);
	return r.status;
}

static void test_forged_notifications_are_refused(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], url[160], ps[32], s[16];
	struct hubproc_req q = { .form = true };
	struct hubproc_resp r;

	(void)state;
	customer("13700000003", token, &a);
	new_order(token, a.id, no, url);
	/* Not signed at all; the merchant's own key; a field changed after
	 * signing; the gateway's key under another certId. */
	assert_int_equal(notify(no, "", HUBPROC_BANK_GW_CID, HUBPROC_BANK_MER, NULL, "30000"), 401);
	assert_int_equal(notify(no, "bmch.key", HUBPROC_BANK_GW_CID, HUBPROC_BANK_MER, NULL,
				"30000"), 401);
	assert_int_equal(notify(no, "bgw.key", HUBPROC_BANK_GW_CID, HUBPROC_BANK_MER, "1",
				"30000"), 401);
	assert_int_equal(notify(no, "bgw.key", HUBPROC_BANK_MCH_CID, HUBPROC_BANK_MER, NULL,
				"30000"), 401);
	/* Signed by the gateway, but another merchant's: unreadable here. */
	assert_int_equal(notify(no, "bgw.key", HUBPROC_BANK_GW_CID, "777290058110049", NULL,
				"30000"), 400);
	/* Not a form. */
	hubproc_request(&hub, &q, "POST", "/v1/pay/notify/bank", "a=%zz", &r);
	assert_int_equal(r.status, 401);
	free(r.body);
	/* The gateway's, well made, but the gateway says the order is unpaid:
	 * taken (200), nothing changes. */
	assert_int_equal(notify(no, "bgw.key", HUBPROC_BANK_GW_CID, HUBPROC_BANK_MER, NULL,
				"30000"), 200);
	assert_string_equal(pay_status(a.id, ps), "unpaid");
	assert_string_equal(sim_state(no, s), "(none)"); /* the browser never came */
	poll_says(token, no, "NOTPAY", "unpaid");
}

/* payTimeout: the gateway refuses a payment after it; the hub's order is
 * CLOSED at expiry and its page offers nothing. */
static void test_a_payment_after_pay_timeout_is_refused(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], url[160], tk[33], out[512], *html;
	long st;

	(void)state;
	customer("13700000004", token, &a);
	new_order(token, a.id, no, url);
	open_bank_page(no, tk);
	advance(301);
	assert_int_equal(bank_pays(no, tk), 403);
	/* Within BANKPAY_CLOSE_MARGIN_S the outcome is not final yet. */
	poll_says(token, no, "CHECKING", "unpaid");
	advance(3);
	poll_says(token, no, "CLOSED", "unpaid");
	html = page(no, &st, NULL);
	assert_non_null(strstr(html, "data-state=\"CLOSED\""));
	assert_null(strstr(html, "<form"));
	free(html);
	assert_int_equal(pay_cli(url, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "refused ORDERCLOSED"));
}

/* Paid at 299 s, its notification held: the expiry's query finds it. */
static void test_a_payment_at_299_s_is_found_at_expiry(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], url[160], tk[33];

	(void)state;
	customer("13700000005", token, &a);
	sim_fault("{\"bank_notify_hold\":true}");
	align_second();
	new_order(token, a.id, no, url);
	open_bank_page(no, tk);
	advance(299);
	assert_int_equal(bank_pays(no, tk), 200);
	advance(4);
	/* The sweep or this poll closes it: the query says paid. */
	poll_says(token, no, "SUCCESS", "paid");
	assert_int_equal(pay_count(a.id), 1);
	sim_fault("{\"bank_notify_hold\":false}");
	wait_notified(no, 1);
	assert_int_equal(pay_count(a.id), 1);
}

/* Finance refunds; a second payment of one application is refunded. */
static void test_refunds_reach_the_gateway(void **state)
{
	struct ca_app a;
	char token[65], no[PAY_TRADE_NO_MAX + 1], no2[PAY_TRADE_NO_MAX + 1], url[160], url2[160];
	char tk[33], tk2[33], target[96], s[16], out[512];
	long st;
	int waited = 0;

	(void)state;
	customer("13700000006", token, &a);
	/* Two open orders: the gateway cannot close the first, so both pages
	 * take a payment; the second payment is refunded there. */
	new_order(token, a.id, no, url);
	open_bank_page(no, tk);
	new_order(token, a.id, no2, url2);
	open_bank_page(no2, tk2);
	assert_int_equal(bank_pays(no, tk), 200);
	assert_int_equal(bank_pays(no2, tk2), 200);
	wait_paid(a.id);
	while (strcmp(sim_state(no, s), "REFUND") && strcmp(sim_state(no2, s), "REFUND")) {
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
	assert_int_equal(pay_count(a.id), 1);
	{
		char s1[16], s2[16];

		sim_state(no, s1);
		sim_state(no2, s2);
		/* Exactly one of the two was given back. */
		assert_true(!strcmp(s1, "REFUND") != !strcmp(s2, "REFUND"));
	}
	/* Finance refunds the application: the kept payment goes back too. */
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", a.id);
	json_decref(staff("POST", target, "{\"op\":\"refund\",\"arg\":\"客户要求取消\"}", &st));
	assert_int_equal(st, 200);
	waited = 0;
	while (strcmp(sim_state(no, s), "REFUND") || strcmp(sim_state(no2, s), "REFUND")) {
		assert_true(waited < WAIT_MS);
		ca_sleep_ms(50);
		waited += 50;
	}
	assert_true(hubcall_log_has(&hub, "refund R"));
	(void)out;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_back_notification_alone_makes_it_paid),
		cmocka_unit_test(test_the_phone_browser_pays_end_to_end),
		cmocka_unit_test(test_forged_notifications_are_refused),
		cmocka_unit_test(test_a_payment_after_pay_timeout_is_refused),
		cmocka_unit_test(test_a_payment_at_299_s_is_found_at_expiry),
		cmocka_unit_test(test_refunds_reach_the_gateway),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("hub/bankpay", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
