/*
 * api_login.c - POST /v1/login/sms and POST /v1/login (docs/api.md, Login).
 *
 * Limits: a code is 6 digits from getrandom (or the demo code in demo
 * mode, which the answer then also carries as demo_code), lives
 * SMS_CODE_LIFE_S, dies after SMS_MAX_TRIES wrong tries;
 * [sms] max_sends_per_hour (default SMS_MAX_SENDS) sends per phone per
 * SMS_SEND_WINDOW_S (429 + Retry-After).
 * A login makes a 30-minute session and binds the account to the device
 * (or renews the binding: its life counts from the last login there).
 * POST /v1/logout ends a session of the signing device at once.
 * Phones are masked in every log line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/log.h"
#include "../core/mask.h"
#include "../core/sign.h"
#include "../core/valid.h"
#include "api.h"
#include "hub.h"
#include "vclock.h"

#define TAG "login"
#define SESSION_LIFE_S 1800

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

static void login_sms(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	json_t *body = http_json_body(rq, rs);
	const char *phone;
	char code[SMS_CODE_LEN + 1], m[MASK_BUF];
	int64_t now = vclock_now_s(), oldest;
	bool demo = hub->cfg.mode == HUB_MODE_DEMO && hub->cfg.demo_code[0];
	json_t *reply;
	int count;

	if (!body)
		return;
	phone = get_phone(body, rs);
	if (!phone)
		goto out;
	mask_phone(phone, m, sizeof(m));
	if (hubdb_sms_sends(hub->db, phone, now - SMS_SEND_WINDOW_S, &count, &oldest)) {
		http_error(rs, 500, "internal", "store error");
		goto out;
	}
	if (count >= hub->cfg.sms_max_sends) {
		int64_t wait = oldest + SMS_SEND_WINDOW_S - now + 1;

		log_warn(TAG, "send limit reached for %s", m);
		http_error(rs, 429, "rate_limited", "at most %d codes per hour to one phone",
			   hub->cfg.sms_max_sends);
		rs->retry_after = (int)(wait > 0 ? wait : 1);
		goto out;
	}
	if (demo)
		memcpy(code, hub->cfg.demo_code, sizeof(code));
	else if (sms_new_code(code)) {
		http_error(rs, 500, "internal", "no randomness");
		goto out;
	}
	if (hubdb_sms_code_put(hub->db, phone, code, now, now + SMS_CODE_LIFE_S)) {
		http_error(rs, 500, "internal", "store error");
		goto out;
	}
	if (hub->sms->send(hub->sms, phone, code)) {
		log_error(TAG, "SMS provider %s failed for %s", hub->sms->name, m);
		http_error(rs, 503, "unavailable", "the SMS gateway failed; try again");
		rs->retry_after = 30;
		goto out;
	}
	log_info(TAG, "code sent to %s by device %s", m, rq->device);
	/* A demo hub tells the kiosk its fixed code, so the login screen can
	 * show it; dev and production hubs never put a code in an answer. */
	reply = demo ? json_pack("{s:i, s:s}", "expires_in", SMS_CODE_LIFE_S, "demo_code", code)
		     : json_pack("{s:i}", "expires_in", SMS_CODE_LIFE_S);
	http_reply(rs, 200, reply);
out:
	json_decref(body);
}

static void login(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	json_t *body = http_json_body(rq, rs), *jc;
	struct hubdb_code c;
	const char *phone, *code;
	char token[SIGN_HEX_LEN + 1], m[MASK_BUF];
	int64_t now = vclock_now_s();
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
	 * the same code cannot both win, and every wrong try is counted. */
	if (hubdb_begin(hub->db)) {
		http_error(rs, 500, "internal", "store error");
		goto out;
	}
	e = hubdb_sms_code_get(hub->db, phone, &c);
	if (e == CA_ERR_NOT_FOUND || (!e && c.used)) {
		log_warn(TAG, "login for %s: no code outstanding", m);
		http_error(rs, 401, "unauthorized", "no code was sent to this phone; ask for one");
		goto rollback;
	}
	if (e)
		goto fail;
	if (c.tries >= SMS_MAX_TRIES) {
		log_warn(TAG, "login for %s: code locked after %d wrong tries", m, c.tries);
		http_error(rs, 429, "rate_limited", "too many wrong codes; ask for a new code");
		rs->retry_after = 60;
		goto rollback;
	}
	if (now > c.expires_s) {
		log_warn(TAG, "login for %s: code expired", m);
		http_error(rs, 401, "unauthorized", "the code has expired; ask for a new one");
		goto rollback;
	}
	if (!sign_equal(code, c.code)) {
		if (hubdb_sms_code_update(hub->db, phone, c.tries + 1, false))
			goto fail;
		if (hubdb_commit(hub->db))
			goto fail_committed;
		log_warn(TAG, "login for %s: wrong code (try %d of %d)", m, c.tries + 1,
			 SMS_MAX_TRIES);
		http_error(rs, 401, "unauthorized", "wrong code%s",
			   c.tries + 1 >= SMS_MAX_TRIES ? "; the code is now void" : "");
		goto out;
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
fail:
	hubdb_rollback(hub->db);
fail_committed:
	http_error(rs, 500, "internal", "store error; retry later");
	goto out;
rollback:
	hubdb_rollback(hub->db);
out:
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
		http_error(rs, 500, "internal", "store error; retry later");
		rs->retry_after = 5;
		return;
	}
	log_info(TAG, "logout on device %s: %s", rq->device,
		 ended ? "session ended" : "no such session (ended before)");
	http_reply(rs, 200, json_pack("{s:b}", "ended", ended));
}

static const struct http_route routes[] = {
	{ "POST", "/v1/login/sms", HTTP_AUTH_DEVICE, login_sms },
	{ "POST", "/v1/login", HTTP_AUTH_DEVICE, login },
	{ "POST", "/v1/logout", HTTP_AUTH_DEVICE, logout },
};

ca_err api_login_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
