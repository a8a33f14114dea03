/*
 * v3check.c - the checks of a v3 request (see v3check.h).
 *
 * Where to start reading: v3_authenticate(), the order of its checks is
 * the order of the refusals in docs/paysim.md.
 */
#include "v3check.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "hub/wxsign.h"
#include "wire.h"

/* How WeChat Pay refuses a nonce. */
static const struct simnonce_words nonce_words = {
	"nonce_str", "5 minutes", "simulator", "SIGN_ERROR", "FREQUENCY_LIMITED"
};

bool v3_authenticate(const struct psim_cfg *cfg, struct simnonces *nc, const char *method,
		     const char *target, const char *body, const char *authorization,
		     int64_t now_ms, struct sim_fail *f)
{
	struct wxsign_auth a;
	char why[WXSIGN_ERR_MAX], *msg = NULL;
	ca_err e;

	if (!authorization)
		return sim_refuse(f, 401, "SIGN_ERROR", "no Authorization header");
	if (wxsign_parse_authorization(authorization, &a, why, sizeof(why)))
		return sim_refuse(f, 401, "SIGN_ERROR", "Authorization: %s", why);
	if (strcmp(a.mchid, cfg->mchid))
		return sim_refuse(f, 400, "MCH_NOT_EXISTS", "mchid %s is not a merchant here",
				  a.mchid);
	if (strcasecmp(a.serial, cfg->merchant_serial))
		return sim_refuse(f, 401, "SIGN_ERROR", "serial_no is not the merchant "
				  "certificate's serial");
	if (a.timestamp > (now_ms + PSIM_SKEW_MS) / 1000 ||
	    a.timestamp < (now_ms - PSIM_SKEW_MS) / 1000)
		return sim_refuse(f, 401, "SIGN_ERROR", "timestamp is more than 5 minutes off");
	e = wxsign_request_message(method, target, a.timestamp, a.nonce, body, &msg);
	if (!e)
		e = wxsign_verify(cfg->merchant_pem, msg, strlen(msg), a.signature, why,
				  sizeof(why));
	free(msg);
	if (e)
		return sim_refuse(f, 401, "SIGN_ERROR", "signature: %s",
				  e == CA_ERR_NOMEM ? "out of memory" : why);
	return simnonces_take(nc, a.nonce, now_ms, &nonce_words, f);
}

bool v3_trade_no_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 6 && n <= PSIM_ID_MAX &&
	       strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_*-") == n;
}

/* The JSON object of body; false with f filled when it is not one. */
static bool object_of(const char *body, json_t **j, struct sim_fail *f)
{
	json_error_t je;

	*j = json_loads(body, JSON_REJECT_DUPLICATES, &je);
	if (*j && json_is_object(*j))
		return true;
	json_decref(*j);
	*j = NULL;
	return sim_refuse(f, 400, "PARAM_ERROR", "the body is not a JSON object%s%s",
			  body[0] ? ": " : "", body[0] ? je.text : "");
}

/* The string member name of j, of 1..max_chars characters, no NUL, into
 * *out (borrowed). Absent: *out NULL, fine when optional. */
static bool text(json_t *j, const char *name, size_t max_chars, bool optional,
		 const char **out, struct sim_fail *f)
{
	json_t *v = json_object_get(j, name);
	size_t chars = 0;

	*out = NULL;
	if (!v && optional)
		return true;
	if (!v)
		return sim_refuse(f, 400, "PARAM_ERROR", "%s is missing", name);
	if (!json_is_string(v))
		return sim_refuse(f, 400, "PARAM_ERROR", "%s is not a string", name);
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v) || !utf8_count(*out, &chars) || !chars ||
	    chars > max_chars)
		return sim_refuse(f, 400, "PARAM_ERROR", "%s must be 1 to %zu characters", name,
				  max_chars);
	return true;
}

/* The integer member name of j in 1..PSIM_AMOUNT_MAX into *out. */
static bool amount(json_t *j, const char *name, int64_t *out, struct sim_fail *f)
{
	json_t *v = json_object_get(j, name);

	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > PSIM_AMOUNT_MAX)
		return sim_refuse(f, 400, "PARAM_ERROR", "amount.%s must be a positive integer "
				  "(fen) up to %lld", name, PSIM_AMOUNT_MAX);
	*out = (int64_t)json_integer_value(v);
	return true;
}

/* currency (optional when optional) is CNY. */
static bool currency(json_t *amt, bool optional, struct sim_fail *f)
{
	const char *c;

	if (!text(amt, "currency", 8, optional, &c, f))
		return false;
	if (c && strcmp(c, "CNY"))
		return sim_refuse(f, 400, "PARAM_ERROR", "amount.currency must be CNY");
	return true;
}

/* A notify_url: https://, a host, no query or fragment, no spaces. */
static bool url_ok(const char *u, struct sim_fail *f)
{
	size_t i;

	if (strncmp(u, "https://", 8) || !u[8] || u[8] == '/' || strlen(u) > PSIM_URL_MAX)
		return sim_refuse(f, 400, "PARAM_ERROR", "notify_url must be an https:// URL of at "
				  "most %d bytes", PSIM_URL_MAX);
	for (i = 0; u[i]; i++)
		if (u[i] == '?' || u[i] == '#' || (unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			return sim_refuse(f, 400, "PARAM_ERROR", "notify_url must carry no query, "
					  "fragment or spaces");
	return true;
}

/* The merchant's own mchid in j. */
static bool mchid_ok(const struct psim_cfg *cfg, json_t *j, struct sim_fail *f)
{
	const char *m;

	if (!text(j, "mchid", PSIM_ID_MAX, false, &m, f))
		return false;
	if (strcmp(m, cfg->mchid))
		return sim_refuse(f, 400, "MCH_NOT_EXISTS", "mchid %s is not a merchant here", m);
	return true;
}

bool v3_create(const struct psim_cfg *cfg, const char *body, int64_t now_ms,
	       struct book_order *o, char **content, struct sim_fail *f)
{
	const char *appid, *desc, *no, *expire, *url;
	json_t *j, *amt, *canon;
	bool ok;

	*content = NULL;
	memset(o, 0, sizeof(*o));
	if (!object_of(body, &j, f))
		return false;
	ok = mchid_ok(cfg, j, f) && text(j, "appid", PSIM_ID_MAX, false, &appid, f);
	if (ok && strcmp(appid, cfg->appid))
		ok = sim_refuse(f, 400, "APPID_MCHID_NOT_MATCH", "appid %s is not the merchant's",
				appid);
	ok = ok && text(j, "description", PSIM_DESC_CHARS, false, &desc, f) &&
	     text(j, "out_trade_no", PSIM_ID_MAX, false, &no, f) &&
	     text(j, "time_expire", 40, false, &expire, f) &&
	     text(j, "notify_url", PSIM_URL_MAX, false, &url, f);
	if (ok && !v3_trade_no_ok(no))
		ok = sim_refuse(f, 400, "PARAM_ERROR", "out_trade_no must be 6 to 32 of "
				"[0-9A-Za-z_*-]");
	if (ok && !wire_parse_time(expire, &o->expire_ms))
		ok = sim_refuse(f, 400, "PARAM_ERROR", "time_expire is not an RFC 3339 time");
	if (ok && o->expire_ms <= now_ms)
		ok = sim_refuse(f, 400, "PARAM_ERROR", "time_expire is in the past");
	ok = ok && url_ok(url, f);
	amt = json_object_get(j, "amount");
	if (ok && !json_is_object(amt))
		ok = sim_refuse(f, 400, "PARAM_ERROR", "amount is missing or not an object");
	ok = ok && amount(amt, "total", &o->total, f) && currency(amt, true, f);
	if (ok) {
		snprintf(o->out_trade_no, sizeof(o->out_trade_no), "%s", no);
		snprintf(o->appid, sizeof(o->appid), "%s", appid);
		snprintf(o->mchid, sizeof(o->mchid), "%s", cfg->mchid);
		snprintf(o->description, sizeof(o->description), "%s", desc);
		snprintf(o->notify_url, sizeof(o->notify_url), "%s", url);
		o->created_ms = now_ms;
		/* What makes two creations the same: every field, the time as an instant. */
		canon = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "appid", appid, "mchid",
				  cfg->mchid, "description", desc, "time_expire",
				  (json_int_t)o->expire_ms, "notify_url", url, "total",
				  (json_int_t)o->total);
		*content = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(canon);
		if (!*content)
			ok = sim_refuse(f, 500, "SYSTEM_ERROR", "out of memory");
	}
	json_decref(j);
	return ok;
}

bool v3_close(const struct psim_cfg *cfg, const char *body, struct sim_fail *f)
{
	json_t *j;
	bool ok;

	if (!object_of(body, &j, f))
		return false;
	ok = mchid_ok(cfg, j, f);
	json_decref(j);
	return ok;
}

bool v3_query(const struct psim_cfg *cfg, const char *query, struct sim_fail *f)
{
	const char *p = query;
	size_t n = strlen(cfg->mchid);

	while (p && *p) {
		if (!strncmp(p, "mchid=", 6)) {
			p += 6;
			if (strncmp(p, cfg->mchid, n) || (p[n] && p[n] != '&'))
				return sim_refuse(f, 400, "MCH_NOT_EXISTS", "mchid is not a merchant "
						  "here");
			return true;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return sim_refuse(f, 400, "PARAM_ERROR", "the query must name mchid");
}

bool v3_refund(const char *body, int64_t now_ms, struct book_refund *r, struct sim_fail *f)
{
	const char *no, *rno, *reason, *url;
	json_t *j, *amt;
	bool ok;

	memset(r, 0, sizeof(*r));
	if (!object_of(body, &j, f))
		return false;
	ok = text(j, "out_trade_no", PSIM_ID_MAX, false, &no, f) &&
	     text(j, "out_refund_no", PSIM_REFUND_NO_MAX, false, &rno, f) &&
	     text(j, "reason", PSIM_REASON_CHARS, true, &reason, f) &&
	     text(j, "notify_url", PSIM_URL_MAX, true, &url, f);
	if (ok && !v3_trade_no_ok(no))
		ok = sim_refuse(f, 400, "PARAM_ERROR", "out_trade_no must be 6 to 32 of "
				"[0-9A-Za-z_*-]");
	if (ok && strspn(rno, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "_-|*@") != strlen(rno))
		ok = sim_refuse(f, 400, "PARAM_ERROR", "out_refund_no must be 1 to 64 of "
				"[0-9A-Za-z_-|*@]");
	ok = ok && (!url || url_ok(url, f));
	amt = json_object_get(j, "amount");
	if (ok && !json_is_object(amt))
		ok = sim_refuse(f, 400, "PARAM_ERROR", "amount is missing or not an object");
	ok = ok && amount(amt, "refund", &r->refund, f) && amount(amt, "total", &r->total, f) &&
	     currency(amt, false, f);
	if (ok) {
		snprintf(r->out_trade_no, sizeof(r->out_trade_no), "%s", no);
		snprintf(r->out_refund_no, sizeof(r->out_refund_no), "%s", rno);
		snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
		snprintf(r->notify_url, sizeof(r->notify_url), "%s", url ? url : "");
		r->created_ms = now_ms;
	}
	json_decref(j);
	return ok;
}
