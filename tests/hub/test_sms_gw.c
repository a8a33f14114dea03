/*
 * test_sms_gw.c - login codes through the SMS gateway provider
 * (src/hub/sms_gw.c): a real production-mode ca-hub (tests/support/hubproc)
 * sending to a real gateway simulator, ca-smssim (tests/support/smsproc),
 * over loopback TLS:
 *   - a code is delivered as one message (the sign name, the template) and
 *     logs the person in;
 *   - each answer of the gateway is mapped: a number it refuses is 400
 *     phone_refused, its limit for a phone 429 rate_limited with its
 *     Retry-After (and the code sent before still works), a refusal of the
 *     hub's account or settings 503 sms_unavailable with the reason in the
 *     hub's log; none of them leaves a message;
 *   - "not accepted" answers (InternalError, ServiceUnavailable, Throttled)
 *     and a proxy's error page are tried again with the same request id, at
 *     most 3 tries; an answer over the cap is no answer;
 *   - an answer that does not come (the gateway took the message, then held
 *     its answer past [sms] timeout_ms, or closed the connection) is tried
 *     again with the same request id, and the phone gets exactly one
 *     message; a gateway that never answers costs 2 * timeout_ms at most
 *     (and the code "may still arrive"), unless a later answer for the same
 *     request id says it was not accepted;
 *   - a wrong secret, key id or template is refused by the gateway and told
 *     clearly in the hub's log; a secret file others may read, or too short,
 *     stops the hub at start;
 *   - production mode refuses the dev provider.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "../support/hubproc.h"
#include "../support/scratch.h"
#include "../support/smsproc.h"

#define TIMEOUT_MS 500 /* the hub's [sms] timeout_ms here: short, the gateway is on loopback */
#define LIMITS "[limits]\ndevice_sms_per_hour = 1000\ndevice_logins_per_hour = 1000\n"

static struct smsproc gw;
static struct hubproc hub;
static struct hubproc other; /* a hub with other settings, one test at a time */
static char secret[65]; /* device "kiosk-1" */

static int group_setup(void **state)
{
	struct smsproc_opts so = { .timeout_ms = TIMEOUT_MS,
				   .extra_sms = "max_sends_per_hour = 50\n" };
	struct hubproc_opts o = { .mode = "production", .extra_ini = LIMITS };

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (smsproc_start(&gw, &so))
		return -1;
	o.sms_ini = gw.ini;
	if (hubproc_start(&hub, &o))
		return -1;
	return hubproc_device_add(&hub, "kiosk-1", secret);
}

static int group_teardown(void **state)
{
	int st = hubproc_stop(&hub);

	(void)state;
	hubproc_cleanup(&hub);
	if (other.dir[0]) /* a test failed half-way: never leave a hub running */
		hubproc_cleanup(&other);
	if (smsproc_cleanup(&gw))
		st = -1;
	curl_global_cleanup();
	return st == 0 ? 0 : -1;
}

/* What the hub answered a request. */
struct answer {
	long status;      /* HTTP status */
	long retry_after; /* Retry-After, 0 when none */
	char code[64];    /* error.code, "" when none */
	char msg[256];    /* error.message */
	char token[80];   /* a login's token */
	int64_t ms;       /* how long the answer took */
};

/* The string member key of o, or "". */
static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* POST target with body to hp as kiosk-1 (secret sec); the answer into a. */
static void post(struct hubproc *hp, const char *sec, const char *target, const char *body,
		 struct answer *a)
{
	struct hubproc_req q = { .device = "kiosk-1", .secret = sec };
	struct hubproc_resp r;
	int64_t t0 = ca_mono_ms();
	json_t *j, *e;

	hubproc_request(hp, &q, "POST", target, body, &r);
	memset(a, 0, sizeof(*a));
	a->ms = ca_mono_ms() - t0;
	a->status = r.status;
	a->retry_after = r.retry_after;
	j = json_loads(r.body ? r.body : "", 0, NULL);
	e = json_object_get(j, "error");
	snprintf(a->code, sizeof(a->code), "%s", str_of(e, "code"));
	snprintf(a->msg, sizeof(a->msg), "%s", str_of(e, "message"));
	snprintf(a->token, sizeof(a->token), "%s", str_of(j, "token"));
	json_decref(j);
	free(r.body);
}

/* Ask hp for a code for phone. */
static void ask_code(struct hubproc *hp, const char *sec, const char *phone, struct answer *a)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	post(hp, sec, "/v1/login/sms", body, a);
}

/* Log phone in on the group's hub with code; the status. */
static long log_in(const char *phone, const char *code)
{
	char body[96];
	struct answer a;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%s\"}", phone, code);
	post(&hub, secret, "/v1/login", body, &a);
	if (a.status == 200)
		assert_int_equal(strlen(a.token), 64);
	return a.status;
}

/* Fail unless the gateway saw `tries` requests for phone, all with one id,
 * and delivered `messages` messages to it. */
static void assert_gateway(const char *phone, int tries, int messages)
{
	char id[40];
	bool same;

	assert_int_equal(smsproc_requests(&gw, phone, id, &same), tries);
	assert_true(same);
	assert_int_equal(smsproc_messages(&gw, phone, NULL), messages);
}

static void test_code_delivered_and_logs_in(void **state)
{
	char code[7], target[SMSPROC_PATH + 32];
	struct answer a;
	json_t *j;
	const char *text;

	(void)state;
	ask_code(&hub, secret, "13800000001", &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(smsproc_messages(&gw, "13800000001", code), 1);
	assert_int_equal(strlen(code), 6);
	snprintf(target, sizeof(target), "/sim/messages?phone=%s", "13800000001");
	j = smsproc_get(&gw, target);
	text = json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"),
								 0), "text"));
	assert_non_null(text);
	assert_non_null(strstr(text, "【" SMSPROC_SIGN "】您的登录验证码为"));
	json_decref(j);
	assert_int_equal(log_in("13800000001", "000000") == 200 && strcmp(code, "000000"), 0);
	assert_int_equal(log_in("13800000001", code), 200);
	assert_true(scratch_has(hub.log, "gateway: message to 138****0001 accepted"));
	/* The simulator's record of deliveries holds it too. */
	snprintf(target, sizeof(target), "%s/messages.jsonl", gw.dir);
	assert_true(scratch_has(target, "\"phone\":\"13800000001\""));
	assert_false(scratch_has(hub.log, code)); /* the code is never logged */
}

/* A number the gateway refuses: 400, nothing sent, a clear log line. */
static void test_refused_number_is_400(void **state)
{
	struct answer a;

	(void)state;
	/* 154 is no mainland segment: the hub's format check lets it through,
	 * the gateway refuses it. */
	ask_code(&hub, secret, "15400000001", &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(a.code, "phone_refused");
	assert_gateway("15400000001", 1, 0);
	assert_true(scratch_has(hub.log, "InvalidPhone: the gateway cannot deliver to this number"));
}

/* The gateway's own limit for one phone: 429 with its Retry-After; the
 * code delivered before stays the phone's code. */
static void test_gateway_limit_is_429_and_keeps_the_code(void **state)
{
	char code[7];
	struct answer a;

	(void)state;
	ask_code(&hub, secret, "13800000002", &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(smsproc_messages(&gw, "13800000002", code), 1);
	ask_code(&hub, secret, "13800000002", &a);
	assert_int_equal(a.status, 429);
	assert_string_equal(a.code, "rate_limited");
	assert_non_null(strstr(a.msg, "SMS gateway"));
	assert_true(a.retry_after >= 55 && a.retry_after <= 61);
	assert_int_equal(smsproc_messages(&gw, "13800000002", NULL), 1);
	assert_int_equal(log_in("13800000002", code), 200);
}

/* Refusals that no retry mends: each 503 sms_unavailable, one try, no
 * message, and the hub's log says what to do. */
static void test_final_refusals_are_503_and_logged(void **state)
{
	static const struct { const char *code, *log; } cases[] = {
		{ "QuotaExceeded", "quota or balance is used up" },
		{ "TemplateNotFound", "[sms] template_id is not a template approved" },
		{ "SignNameNotFound", "[sms] sign_name is not a signature approved" },
		{ "InvalidAccessKey", "[sms] access_key_id is unknown to the gateway" },
		{ "SignatureMismatch", "[sms] secret_file does not hold the secret" },
		{ "TimestampExpired", "check the hub's clock" },
		{ "BadRequest", "cannot read our request" },
		{ "IdempotencyConflict", "another message under this request id" },
	};
	char fault[128], phone[12];
	struct answer a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(phone, sizeof(phone), "139000001%02zu", i);
		snprintf(fault, sizeof(fault), "{\"code\":\"%s\"}", cases[i].code);
		assert_int_equal(smsproc_fault(&gw, fault), 0);
		ask_code(&hub, secret, phone, &a);
		if (a.status != 503 || strcmp(a.code, "sms_unavailable") != 0)
			fail_msg("%s: %ld %s", cases[i].code, a.status, a.code);
		assert_true(a.retry_after > 0);
		assert_gateway(phone, 1, 0);
		if (!scratch_has(hub.log, cases[i].log))
			fail_msg("%s: no \"%s\" in %s", cases[i].code, cases[i].log, hub.log);
	}
}

/* "Not accepted" once: tried again with the same request id, one message;
 * three times: the tries are spent, 503, no message. */
static void test_not_accepted_is_tried_again_up_to_three_times(void **state)
{
	static const char *const faults[] = {
		"\"code\":\"InternalError\"", "\"code\":\"ServiceUnavailable\"",
		"\"code\":\"Throttled\"", "\"status\":502", "\"status\":200,\"pad\":9000",
	};
	char fault[128], phone[12], code[7];
	struct answer a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		snprintf(phone, sizeof(phone), "137000001%02zu", i);
		snprintf(fault, sizeof(fault), "{%s}", faults[i]);
		assert_int_equal(smsproc_fault(&gw, fault), 0);
		ask_code(&hub, secret, phone, &a);
		if (a.status != 200)
			fail_msg("%s: %ld %s", fault, a.status, a.code);
		assert_gateway(phone, 2, 1);
		assert_int_equal(smsproc_messages(&gw, phone, code), 1);
		assert_int_equal(log_in(phone, code), 200);
		/* Three tries at most: shown with the first kind (each kind is
		 * retried above; the bound is the same code path). */
		if (i > 0)
			continue;
		snprintf(phone, sizeof(phone), "137000002%02zu", i);
		snprintf(fault, sizeof(fault), "{%s,\"times\":3}", faults[i]);
		assert_int_equal(smsproc_fault(&gw, fault), 0);
		ask_code(&hub, secret, phone, &a);
		assert_int_equal(a.status, 503);
		assert_string_equal(a.code, "sms_unavailable");
		assert_gateway(phone, 3, 0);
	}
	assert_true(scratch_has(hub.log, "not delivered after 3 tries"));
}

/* The gateway took the message but its answer did not come (held past the
 * timeout, or the connection closed): the same request id again, the
 * first answer back, one message, and the code works. */
static void test_no_answer_is_tried_again_with_the_same_id(void **state)
{
	static const char *const faults[] = {
		"{\"accept\":true,\"delay_ms\":1500}", "{\"accept\":true,\"drop\":true}",
	};
	char phone[12], code[7], target[64];
	struct answer a;
	json_t *j, *list;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		snprintf(phone, sizeof(phone), "136000001%02zu", i);
		assert_int_equal(smsproc_fault(&gw, faults[i]), 0);
		ask_code(&hub, secret, phone, &a);
		if (a.status != 200)
			fail_msg("%s: %ld %s", faults[i], a.status, a.code);
		assert_gateway(phone, 2, 1);
		snprintf(target, sizeof(target), "/sim/requests?phone=%s", phone);
		j = smsproc_get(&gw, target);
		list = json_object_get(j, "requests");
		assert_false(json_is_true(json_object_get(json_array_get(list, 0), "replay")));
		assert_true(json_is_true(json_object_get(json_array_get(list, 1), "replay")));
		json_decref(j);
		assert_int_equal(smsproc_messages(&gw, phone, code), 1);
		assert_int_equal(log_in(phone, code), 200);
	}
}

/* A gateway that holds every answer: the hub gives up after 2 *
 * timeout_ms (two tries), answers 503 saying the code may still arrive. */
static void test_total_time_is_bounded(void **state)
{
	struct answer a;

	(void)state;
	assert_int_equal(smsproc_fault(&gw, "{\"code\":\"InternalError\",\"delay_ms\":4000,"
				       "\"times\":3}"), 0);
	ask_code(&hub, secret, "13500000001", &a);
	assert_int_equal(a.status, 503);
	assert_string_equal(a.code, "sms_unavailable");
	assert_non_null(strstr(a.msg, "may still arrive"));
	assert_true(a.ms >= 2 * TIMEOUT_MS - 100);
	assert_true(a.ms < 2 * TIMEOUT_MS + 1000);
	assert_gateway("13500000001", 2, 0);
	assert_int_equal(smsproc_fault(&gw, "{\"clear\":true}"), 0);

	/* No answer first, then the gateway's "not accepted" for the same
	 * request id: that answer settles it, nothing may arrive. */
	assert_int_equal(smsproc_fault(&gw, "{\"code\":\"InternalError\",\"delay_ms\":1500}"), 0);
	assert_int_equal(smsproc_fault(&gw, "{\"code\":\"InternalError\",\"times\":2}"), 0);
	ask_code(&hub, secret, "13500000002", &a);
	assert_int_equal(a.status, 503);
	assert_null(strstr(a.msg, "may still arrive"));
	assert_gateway("13500000002", 3, 0);
}

/* A production hub with [sms] sms_ini: its answer to a code for phone into
 * a, a copy of its log at log (size n); the hub stopped and removed. */
static void other_hub(const char *sms_ini, const char *phone, struct answer *a, char *log,
		      size_t n)
{
	struct hubproc_opts o = { .mode = "production", .extra_ini = LIMITS,
				  .sms_ini = sms_ini };
	char sec[65], cmd[3 * HUBPROC_PATH];

	assert_int_equal(hubproc_start(&other, &o), 0);
	assert_int_equal(hubproc_device_add(&other, "kiosk-1", sec), 0);
	ask_code(&other, sec, phone, a);
	assert_int_equal(hubproc_stop(&other), 0);
	snprintf(log, n, "%s/hub-%s.log", gw.dir, phone);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", other.log, log);
	assert_int_equal(system(cmd), 0);
	hubproc_cleanup(&other);
	memset(&other, 0, sizeof(other));
}

/* A wrong secret, key id or template: the gateway refuses (nothing sent),
 * the kiosk gets 503, the hub's log says which setting is wrong. */
static void test_wrong_settings_refused_by_the_gateway(void **state)
{
	static const struct { const char *from, *to, *phone, *log; } cases[] = {
		{ "hub.secret", "wrong.secret", "13300000001",
		  "HTTP 401 SignatureMismatch: the gateway finds another signature" },
		{ "access_key_id = " SMSPROC_KEY_ID, "access_key_id = LTAI-other", "13300000002",
		  "[sms] access_key_id is unknown to the gateway" },
		{ "template_id = " SMSPROC_TEMPLATE, "template_id = SMS_NONE", "13300000003",
		  "[sms] template_id is not a template approved" },
		{ "sign_name = " SMSPROC_SIGN, "sign_name = 别的签名", "13300000004",
		  "[sms] sign_name is not a signature approved" },
	};
	char ini[2560], wrong[HUBPROC_PATH + 16], log[HUBPROC_PATH];
	struct answer a;
	size_t i;
	FILE *f;

	(void)state;
	snprintf(wrong, sizeof(wrong), "%s/wrong.secret", gw.dir);
	f = fopen(wrong, "w");
	assert_non_null(f);
	fputs("0000000000000000000000000000000000000000\n", f);
	fclose(f);
	chmod(wrong, 0600);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(gw.ini, cases[i].from);

		assert_non_null(at);
		snprintf(ini, sizeof(ini), "%.*s%s%s", (int)(at - gw.ini), gw.ini, cases[i].to,
			 at + strlen(cases[i].from));
		other_hub(ini, cases[i].phone, &a, log, sizeof(log));
		if (a.status != 503 || strcmp(a.code, "sms_unavailable") != 0)
			fail_msg("%s: %ld %s", cases[i].to, a.status, a.code);
		assert_non_null(strstr(a.msg, "account settings"));
		assert_int_equal(smsproc_messages(&gw, cases[i].phone, NULL), 0);
		if (!scratch_has(log, cases[i].log))
			fail_msg("%s: no \"%s\" in the hub's log", cases[i].to, cases[i].log);
	}
	assert_true(scratch_has(log, "refused (request "));
}

/* ca-hub --check with config text; its exit status, its stderr into out. */
static int hub_check(const char *text, char *out, size_t n)
{
	char cmd[3 * HUBPROC_PATH];

	assert_int_equal(scratch_write(gw.dir, "check.ini", text), 0);
	snprintf(cmd, sizeof(cmd), "%s/ca-hub --check --config %s/check.ini 2>&1", hub.bin_dir,
		 gw.dir);
	return scratch_cmd(cmd, out, n);
}

/* Production refuses the dev provider; a secret file others may read, or
 * one too short, stops the hub at start with a message naming it. */
static void test_start_refusals(void **state)
{
	char text[4096], out[4096], dir[HUBPROC_PATH + 16];
	static const char prices[] =
		"[prices]\nnew.org = 1\nnew.legal_rep = 1\nnew.personal = 1\nrenew.org = 1\n"
		"renew.legal_rep = 1\nrenew.personal = 1\nchange.org = 1\nchange.legal_rep = 1\n"
		"change.personal = 1\nreissue.org = 1\nreissue.legal_rep = 1\n"
		"reissue.personal = 1\n";
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/check-data", gw.dir);
	snprintf(text, sizeof(text), "[hub]\nmode = production\ndata_dir = %s\n"
		 "[sms]\nprovider = dev\n%s", dir, prices);
	assert_int_equal(hub_check(text, out, sizeof(out)), 2);
	assert_non_null(strstr(out, ":5: [sms] provider is dev, which delivers no SMS: not "
			       "allowed with [hub] mode = production"));

	/* The secret's checks hold in every mode (dev here: a production hub
	 * would also need its [wechatpay] keys, which this test has none of). */
	snprintf(text, sizeof(text), "[hub]\nmode = dev\ndata_dir = %s\n"
		 "cert = %s/srv.pem\nkey = %s/srv.key\n[sms]\n%s%s", dir, gw.dir, gw.dir, gw.ini,
		 prices);
	assert_int_equal(hub_check(text, out, sizeof(out)), 0);
	chmod(gw.hub_secret, 0644);
	assert_int_equal(hub_check(text, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "others may read it (mode 644)"));
	chmod(gw.hub_secret, 0600);
	f = fopen(gw.hub_secret, "w");
	fputs("short-secret\n", f);
	fclose(f);
	assert_int_equal(hub_check(text, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "must hold the secret alone, 16 to 128"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_delivered_and_logs_in),
		cmocka_unit_test(test_refused_number_is_400),
		cmocka_unit_test(test_gateway_limit_is_429_and_keeps_the_code),
		cmocka_unit_test(test_final_refusals_are_503_and_logged),
		cmocka_unit_test(test_not_accepted_is_tried_again_up_to_three_times),
		cmocka_unit_test(test_no_answer_is_tried_again_with_the_same_id),
		cmocka_unit_test(test_total_time_is_bounded),
		cmocka_unit_test(test_wrong_settings_refused_by_the_gateway),
		/* Last: it spoils the group hub's secret file. */
		cmocka_unit_test(test_start_refusals),
	};

	return cmocka_run_group_tests_name("hub/sms_gw", tests, group_setup, group_teardown);
}
