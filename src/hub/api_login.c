/*
 * api_login.c - POST /v1/login/sms and POST /v1/login (docs/api.md, Login).
 *
 * Limits: a code is 6 digits from getrandom (or the demo code in demo
 * mode, which the answer then also carries as demo_code), lives
 * SMS_CODE_LIFE_S, dies after SMS_MAX_TRIES wrong tries;
 * [sms] max_sends_per_hour (default SMS_MAX_SENDS) sends per phone per
 * SMS_SEND_WINDOW_S (429 rate_limited + Retry-After). Each kiosk has an
 * hourly budget of sends and one of login tries ([limits], 429
 * device_limited + Retry-After). Every limit is checked and counted in the
 * same store transaction as the action it allows: parallel requests cannot
 * both take the last place. The send is counted before the provider is
 * asked; the new code becomes the phone's code only once the provider took
 * the message (or may have: no answer), so a code the gateway refused
 * never replaces one the person already has. The provider's refusals are
 * answered as send_failed() says (400 phone_refused, 429 rate_limited,
 * 503 sms_unavailable).
 * A login makes a 30-minute session and binds the account to the device
 * (or renews the binding: its life counts from the last login there).
 * POST /v1/logout ends a session of the signing device at once.
 * Phones are masked in every log line.
 *
 * Where to start reading: login_sms(), then login().
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/valid.h"
#include "api.h"
#include "hub.h"
#include "vclock.h"

#define TAG "login"
#define SESSION_LIFE_S 1800
#define BUDGET_WINDOW_S 3600 /* a device's budgets are per hour */

/* Seconds until the event at free_at_s leaves a window of window_s (at
 * least 1): what Retry-After says. */
static int wait_s(int64_t free_at_s, int64_t window_s, int64_t now)
{
	int64_t w = free_at_s + window_s - now;

	return w > 0 ? (int)(w < 86400 ? w : 86400) : 1;
}

/*
 * Check the device's hourly budget of ev (in the open transaction) and,
 * when there is room, count one event. false when the budget is spent (rs
 * set to 429 device_limited) or on a store error (rs set to 500); the
 * caller then rolls back.
 */
static bool device_budget(struct http_req *rq, struct http_resp *rs, enum hubdb_event ev,
			  int64_t now)
{
	struct hub *hub = rq->hub;
	int limit = ev == HUBDB_EV_SMS ? hub->cfg.device_sms_max : hub->cfg.device_login_max;
	const char *what = ev == HUBDB_EV_SMS ? "code sends" : "login tries";
	int64_t free_at;
	int n;

	if (hubdb_event_count(hub->db, rq->device, ev, now - BUDGET_WINDOW_S, limit, &n,
			      &free_at)) {
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	if (n >= limit) {
		log_warn(TAG, "device %s refused: its budget of %d %s per hour is spent",
			 rq->device, limit, what);
		http_error(rs, 429, "device_limited", "this kiosk is over its budget of %d %s "
			   "per hour", limit, what);
		rs->retry_after = wait_s(free_at, BUDGET_WINDOW_S, now);
		return false;
	}
	if (hubdb_event_add(hub->db, rq->device, ev, now, now - BUDGET_WINDOW_S)) {
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	return true;
}

/* The "phone" member of body, checked; NULL (rs set) when bad. */
static const char *get_phone(json_t *body, struct http_resp *rs)
{
	json_t *p = json_object_get(body, "phone");
	const char *s;
	char text[200];
	struct valid_error ve = { .field = CA_F_MOBILE };

	if (!json_is_string(p)) {
		http_error(rs, 400, "bad_request", "phone: a string is required");
		return NULL;
	}
	s = json_string_value(p);
	ve.msg = valid_mobile(s);
	if (ve.msg != MSG_NONE) {
		valid_error_text(&ve, text, sizeof(text));
		http_reply(rs, 422, json_pack("{s:{s:s, s:s, s:[{s:s, s:s}]}}", "error", "code",
					      "invalid", "message", "not a mainland mobile number",
					      "fields", "field", "phone", "message", text));
		return NULL;
	}
	return s;
}

/*
 * Check the phone's and the device's limits and count the send, in one
 * transaction; false (rs set) when refused or on a store error. The time
 * is read once the transaction holds the store, so that every send counted
 * before it is older (Retry-After never exceeds the window).
 */
static bool take_send(struct http_req *rq, struct http_resp *rs, const char *phone,
		      const char *m)
{
	struct hub *hub = rq->hub;
	int64_t free_at, now;
	int count;

	if (hubdb_begin(hub->db)) {
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	now = vclock_now_s();
	if (hubdb_sms_sends(hub->db, phone, now - SMS_SEND_WINDOW_S, hub->cfg.sms_max_sends,
			    &count, &free_at)) {
		http_error(rs, 500, "internal", "store error");
		goto rollback;
	}
	if (count >= hub->cfg.sms_max_sends) {
		log_warn(TAG, "send limit reached for %s (device %s)", m, rq->device);
		http_error(rs, 429, "rate_limited", "at most %d codes per hour to one phone",
			   hub->cfg.sms_max_sends);
		rs->retry_after = wait_s(free_at, SMS_SEND_WINDOW_S, now);
		goto rollback;
	}
	if (!device_budget(rq, rs, HUBDB_EV_SMS, now))
		goto rollback;
	if (hubdb_sms_send_add(hub->db, phone, now)) {
		http_error(rs, 500, "internal", "store error");
		goto rollback;
	}
	if (hubdb_commit(hub->db)) {
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	return true;
rollback:
	hubdb_rollback(hub->db);
	return false;
}

/* Make code the phone's current code, living SMS_CODE_LIFE_S from now;
 * false (rs set to 500) on a store error. */
static bool put_code(struct http_req *rq, struct http_resp *rs, const char *phone,
		     const char *code)
{
	struct hub *hub = rq->hub;
	int64_t now;

	if (hubdb_begin(hub->db)) {
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	now = vclock_now_s();
	if (hubdb_sms_code_put(hub->db, phone, code, now, now + SMS_CODE_LIFE_S)) {
		hubdb_rollback(hub->db);
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	if (hubdb_commit(hub->db)) {
		http_error(rs, 500, "internal", "store error");
		return false;
	}
	return true;
}

/* The answer to the kiosk when the provider did not take the message (e,
 * as sms.h says; the provider has logged why). */
static void send_failed(struct http_resp *rs, ca_err e, const struct sms_outcome *o)
{
	switch (e) {
	case CA_ERR_INVALID:
		http_error(rs, 400, "phone_refused", "the SMS gateway cannot deliver to this "
			   "number");
		break;
	case CA_ERR_LIMITED:
		http_error(rs, 429, "rate_limited", "the SMS gateway sends no more codes to "
			   "this phone for now");
		rs->retry_after = o->retry_after_s > 0 ? o->retry_after_s : 60;
		break;
	case CA_ERR_CONFIG:
		http_error(rs, 503, "sms_unavailable", "the SMS gateway refuses the hub's "
			   "account settings; staff must act (see the hub's log)");
		rs->retry_after = 300;
		break;
	default:
		http_error(rs, 503, "sms_unavailable", "the SMS gateway failed; try again%s",
			   o->maybe_sent ? " (the code sent may still arrive)" : "");
		rs->retry_after = 30;
		break;
	}
}

static void login_sms(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	json_t *body = http_json_body(rq, rs);
	const char *phone;
	char code[SMS_CODE_LEN + 1], m[MASK_BUF];
	bool demo = hub->cfg.mode == HUB_MODE_DEMO && hub->cfg.demo_code[0];
	struct sms_outcome so;
	json_t *reply;
	ca_err e;

	if (!body)
		return;
	phone = get_phone(body, rs);
	if (!phone)
		goto out;
	mask_phone(phone, m, sizeof(m));
	if (demo)
		memcpy(code, hub->cfg.demo_code, sizeof(code));
	else if (sms_new_code(code)) {
		http_error(rs, 500, "internal", "no randomness");
		goto out;
	}
	if (!take_send(rq, rs, phone, m))
		goto out;
	/* The send counts even when the gateway fails: a failing gateway must
	 * not become a way round the limits. */
	e = hub->sms->send(hub->sms, phone, code, &so);
	if ((!e || so.maybe_sent) && !put_code(rq, rs, phone, code))
		goto out;
	if (e) {
		log_warn(TAG, "no code for %s by device %s: SMS provider %s: %s%s", m, rq->device,
			 hub->sms->name, ca_strerror(e), so.maybe_sent ?
			 " (it may still arrive; the code is kept)" : "");
		send_failed(rs, e, &so);
		goto out;
	}
	log_info(TAG, "code sent to %s by device %s", m, rq->device);
	/* A demo hub tells the kiosk its fixed code, so the login screen can
	 * show it; dev and production hubs never put a code in an answer. */
	reply = demo ? json_pack("{s:i, s:s}", "expires_in", SMS_CODE_LIFE_S, "demo_code", code)
		     : json_pack("{s:i}", "expires_in", SMS_CODE_LIFE_S);
	http_reply(rs, 200, reply);
out:
	explicit_bzero(code, sizeof(code));
	json_decref(body);
}

static void login(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	json_t *body = http_json_body(rq, rs), *jc;
	struct hubdb_code c;
	const char *phone, *code;
	char token[SIGN_HEX_LEN + 1], m[MASK_BUF];
	int64_t now;
	ca_err e;

	if (!body)
		return;
	phone = get_phone(body, rs);
	if (!phone)
		goto out;
	jc = json_object_get(body, "code");
	if (!json_is_string(jc)) {
		http_error(rs, 400, "bad_request", "code: a string is required");
		goto out;
	}
	code = json_string_value(jc);
	mask_phone(phone, m, sizeof(m));
	/* Check and consume the code under one transaction: two logins with
	 * the same code cannot both win, and every try is counted, against the
	 * code (wrong ones) and against the device's budget (all of them). A
	 * refusal commits: the try it counted stays counted. */
	if (hubdb_begin(hub->db)) {
		http_error(rs, 500, "internal", "store error");
		goto out;
	}
	now = vclock_now_s(); /* in the transaction: see take_send() */
	if (!device_budget(rq, rs, HUBDB_EV_LOGIN, now)) {
		hubdb_rollback(hub->db);
		goto out;
	}
	e = hubdb_sms_code_get(hub->db, phone, &c);
	if (e == CA_ERR_NOT_FOUND || (!e && c.used)) {
		log_warn(TAG, "login for %s: no code outstanding", m);
		http_error(rs, 401, "unauthorized", "no code was sent to this phone; ask for one");
		goto refused;
	}
	if (e)
		goto fail;
	if (c.tries >= SMS_MAX_TRIES) {
		log_warn(TAG, "login for %s: code locked after %d wrong tries", m, c.tries);
		http_error(rs, 429, "rate_limited", "too many wrong codes; ask for a new code");
		rs->retry_after = 60;
		goto refused;
	}
	if (now > c.expires_s) {
		log_warn(TAG, "login for %s: code expired", m);
		http_error(rs, 401, "unauthorized", "the code has expired; ask for a new one");
		goto refused;
	}
	if (!sign_equal(code, c.code)) {
		if (hubdb_sms_code_update(hub->db, phone, c.tries + 1, false))
			goto fail;
		log_warn(TAG, "login for %s: wrong code (try %d of %d)", m, c.tries + 1,
			 SMS_MAX_TRIES);
		http_error(rs, 401, "unauthorized", "wrong code%s",
			   c.tries + 1 >= SMS_MAX_TRIES ? "; the code is now void" : "");
		goto refused;
	}
	if (sign_new_secret(token))
		goto fail;
	e = hubdb_sms_code_update(hub->db, phone, c.tries, true);
	if (!e)
		e = hubdb_session_put(hub->db, token, phone, rq->device, now + SESSION_LIFE_S);
	if (!e)
		e = hubdb_bind(hub->db, rq->device, phone, now);
	if (e)
		goto fail;
	if (hubdb_commit(hub->db))
		goto fail_committed;
	log_info(TAG, "%s logged in on device %s", m, rq->device);
	http_reply(rs, 200, json_pack("{s:s, s:I, s:s}", "token", token, "expires_at",
				      (json_int_t)(now + SESSION_LIFE_S), "account", phone));
	goto out;
refused:
	/* rs holds the refusal; it stands only once the counted try is stored. */
	if (hubdb_commit(hub->db))
		goto fail_committed;
	goto out;
fail:
	hubdb_rollback(hub->db);
fail_committed:
	http_error(rs, 500, "internal", "store error; retry later");
out:
	explicit_bzero(token, sizeof(token));
	json_decref(body);
}

/* End the session of X-CA-Session at once. Harmless twice: an unknown or
 * already ended token (or one of another device, which is left alone)
 * answers 200 as well, with "ended": false. */
static void logout(struct http_req *rq, struct http_resp *rs)
{
	const char *tok = http_header(rq, "X-CA-Session");
	bool ended;

	if (!tok || !sign_is_hex(tok, SIGN_HEX_LEN)) {
		http_error(rs, 400, "bad_request",
			   "X-CA-Session: the session token (64 lower-case hex digits) is required");
		return;
	}
	if (hubdb_session_end(rq->hub->db, tok, rq->device, &ended)) {
		api_store_error(rs);
		return;
	}
	log_info(TAG, "logout on device %s: %s", rq->device,
		 ended ? "session ended" : "no such session (ended before)");
	http_reply(rs, 200, json_pack("{s:b}", "ended", ended));
}

static const struct http_route routes[] = {
	{ "POST", "/v1/login/sms", HTTP_AUTH_DEVICE, login_sms, 0 },
	{ "POST", "/v1/login", HTTP_AUTH_DEVICE, login, 0 },
	{ "POST", "/v1/logout", HTTP_AUTH_DEVICE, logout, 0 },
};

ca_err api_login_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
