/*
 * wxpay.c - WeChat Pay API v3 (Native) as the hub's payment provider (see
 * wxpay.h, docs/hub.md).
 *
 * Where to start reading: call(), the one round trip (sign, send, check the
 * answer's signature), then the four provider functions and
 * wxpay_notification().
 */
#include "wxpay.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/msg.h"
#include "core/uuid.h"
#include "provio.h"
#include "vclock.h"
#include "wxsign.h"

#define TAG "wechatpay"
#define APIV3_KEY_LEN 32
#define WXPAY_TARGET_MAX 160     /* a request's path and query */

struct wxpay {
	struct pay_provider prov;   /* first: the interface hands it back */
	const struct hubcfg *cfg;   /* [wechatpay], borrowed (the hub's) */
	char *merchant_key;         /* PEM, wiped at free */
	char *public_key;           /* WeChat Pay's key or certificate, PEM */
	char apiv3_key[APIV3_KEY_LEN]; /* the notification key, wiped at free */
};

/* One answer: status, the Wechatpay-* headers, the body. */
struct answer {
	long status;
	char ts[24], nonce[65], serial[65], sig[WXSIGN_SIG_MAX], request_id[80];
	char *body;  /* NUL-terminated, "" when none */
	size_t len;
};

/* ---- key files ---- */

ca_err wxpay_new(const struct hubcfg *c, struct wxpay **out, char *err, size_t errlen)
{
	struct wxpay *w = calloc(1, sizeof(*w));
	char sig[WXSIGN_SIG_MAX], *k = NULL;
	size_t len = 0;

	*out = NULL;
	if (!w)
		return ca_fail(CA_ERR_NOMEM, err, errlen, "out of memory");
	w->cfg = c;
	w->merchant_key = provio_private_key("wechatpay", "merchant_key", c->wx_merchant_key, sig,
					     err, errlen);
	if (!w->merchant_key)
		goto fail;
	w->public_key = provio_public_key("wechatpay", "public_key", c->wx_public_key, err, errlen);
	if (!w->public_key)
		goto fail;
	k = provio_read_file(c->wx_apiv3_key, APIV3_KEY_LEN + 1, &len, err, errlen);
	if (!k)
		goto fail;
	if (len != APIV3_KEY_LEN) {
		snprintf(err, errlen, "[wechatpay] apiv3_key %s: %zu bytes; the APIv3 key is "
			 "exactly 32", c->wx_apiv3_key, len);
		goto fail;
	}
	memcpy(w->apiv3_key, k, APIV3_KEY_LEN);
	explicit_bzero(k, len);
	free(k);
	w->prov = *wxpay_provider(NULL);
	w->prov.url = c->wx_api_url;
	*out = w;
	return CA_OK;
fail:
	if (k)
		explicit_bzero(k, len);
	free(k);
	wxpay_free(w);
	return CA_ERR_CONFIG;
}

void wxpay_free(struct wxpay *w)
{
	if (!w)
		return;
	provio_key_free(w->merchant_key);
	free(w->public_key);
	explicit_bzero(w->apiv3_key, sizeof(w->apiv3_key));
	free(w);
}

/* ---- one round trip ---- */

/* Copy header line d (len bytes) into out when it is "name: value". */
static void take_header(const char *d, size_t len, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name), v;

	if (len <= nl + 1 || strncasecmp(d, name, nl) || d[nl] != ':')
		return;
	d += nl + 1;
	len -= nl + 1;
	while (len && (*d == ' ' || *d == '\t'))
		d++, len--;
	while (len && (d[len - 1] == '\r' || d[len - 1] == '\n' || d[len - 1] == ' '))
		len--;
	v = len < n ? len : 0; /* a value too long for its field is no value */
	memcpy(out, d, v);
	out[v] = 0;
}

/* provio's header callback: the headers of the answer a that call() keeps. */
static void on_header(const char *d, size_t len, void *arg)
{
	struct answer *a = arg;

	take_header(d, len, "Wechatpay-Timestamp", a->ts, sizeof(a->ts));
	take_header(d, len, "Wechatpay-Nonce", a->nonce, sizeof(a->nonce));
	take_header(d, len, "Wechatpay-Serial", a->serial, sizeof(a->serial));
	take_header(d, len, "Wechatpay-Signature", a->sig, sizeof(a->sig));
	take_header(d, len, "Request-ID", a->request_id, sizeof(a->request_id));
}

/* 32 random hex digits. */
static ca_err new_nonce(char out[33])
{
	unsigned char r[16];
	int i;

	if (ca_random(r, sizeof(r)))
		return CA_ERR_IO;
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02X", r[i]);
	return CA_OK;
}

/*
 * METHOD target (path and query) with body (NULL for none) to the
 * provider, signed; the answer into *a, its signature checked. CA_OK
 * whatever the status, once the answer is the provider's; CA_ERR_IO when
 * nothing came back or what came back is not signed by the provider (the
 * reason in err). The caller frees a->body after CA_OK.
 */
static ca_err call(struct wxpay *w, const char *method, const char *target, const char *body,
		   struct answer *a, char *err, size_t errlen)
{
	const struct hubcfg *c = w->cfg;
	char nonce[33], sig[WXSIGN_SIG_MAX], auth[1024], url[HUBCFG_URL_MAX + WXPAY_TARGET_MAX];
	char h_auth[sizeof(auth) + 32], why[96], *msg = NULL;
	const char *headers[] = { h_auth, "Accept: application/json",
				  body ? "Content-Type: application/json" : NULL, NULL };
	struct provio_req q = {
		.method = method, .url = url, .headers = headers, .body = body,
		.timeout_ms = c->wx_timeout_ms, .ca_file = c->wx_ca_file,
		.answer_max = WXPAY_ANSWER_MAX, .on_header = on_header, .arg = a,
	};
	struct provio_answer got;
	int64_t ts = vclock_now_s();
	ca_err e;

	memset(a, 0, sizeof(*a));
	if (new_nonce(nonce))
		return CA_ERR_IO;
	e = wxsign_request_message(method, target, ts, nonce, body ? body : "", &msg);
	if (!e)
		e = wxsign_sign(w->merchant_key, msg, strlen(msg), sig, err, errlen);
	free(msg);
	if (!e)
		e = wxsign_authorization(auth, sizeof(auth), c->wx_mchid, nonce, ts, c->wx_serial,
					 sig);
	if (e)
		return e;
	snprintf(url, sizeof(url), "%s%s", c->wx_api_url, target);
	snprintf(h_auth, sizeof(h_auth), "Authorization: %s", auth);
	e = provio_call(&q, &got, why, sizeof(why));
	if (e == CA_ERR_IO)
		snprintf(err, errlen, "%s %s: %s", method, target, why);
	if (e)
		return e;
	a->status = got.status;
	a->body = got.body;
	a->len = got.len;
	e = wxsign_check_answer(a->ts[0] ? a->ts : NULL, a->nonce[0] ? a->nonce : NULL,
				a->sig[0] ? a->sig : NULL, a->serial[0] ? a->serial : NULL,
				a->body, c->wx_public_key_id, w->public_key, vclock_now_s(), err,
				errlen);
	if (e) {
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s %s: status %ld, answer not trusted: %s", method, target,
			 a->status, why);
		free(a->body); /* no answer: the callers free only what they read */
		a->body = NULL;
		return CA_ERR_IO;
	}
	return CA_OK;
}

/* POST the JSON req (its reference taken) to target, as call(). */
static ca_err post_json(struct wxpay *w, const char *target, json_t *req, struct answer *a,
			char *err, size_t errlen)
{
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	ca_err e;

	json_decref(req);
	if (!body)
		return ca_fail(CA_ERR_NOMEM, err, errlen, "out of memory");
	e = call(w, "POST", target, body, a, err, errlen);
	free(body);
	return e;
}

/* The error code of a failed answer ("" when none can be read). */
static void answer_code(const struct answer *a, char *code, size_t n)
{
	json_t *j = json_loads(a->body, 0, NULL);

	snprintf(code, n, "%s", json_string_value(json_object_get(j, "code")) ?
		 json_string_value(json_object_get(j, "code")) : "");
	json_decref(j);
}

/* Log a failed call (the reason in err) and give e back. */
static ca_err failed(const char *what, const char *no, ca_err e, const char *err)
{
	log_warn(TAG, "%s %s: %s", what, no, err);
	return e;
}

/* Log an answer with an unexpected status; CA_ERR_IO. */
static ca_err unexpected(const char *what, const char *no, const struct answer *a)
{
	char code[64];

	answer_code(a, code, sizeof(code));
	log_warn(TAG, "%s %s: status %ld %s (Request-ID %s)", what, no, a->status,
		 code[0] ? code : "without a code", a->request_id[0] ? a->request_id : "none");
	return CA_ERR_IO;
}

/* ---- reading an order ---- */

/* The trade_state of WeChat Pay in the hub's four states: -1 unknown. */
static int state_of(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "SUCCESS"))
		return PAY_SUCCESS;
	if (!strcmp(s, "REFUND"))
		return PAY_REFUND;
	if (!strcmp(s, "NOTPAY") || !strcmp(s, "USERPAYING"))
		return PAY_NOTPAY;
	if (!strcmp(s, "CLOSED") || !strcmp(s, "REVOKED") || !strcmp(s, "PAYERROR"))
		return PAY_CLOSED;
	return -1;
}

/* A transaction object (a query's answer, a notification's resource) into
 * *o: it must be this merchant's, and no. CA_ERR_ARG with err. */
static ca_err read_transaction(struct wxpay *w, json_t *j, const char *no, struct pay_order *o,
			       char *err, size_t errlen)
{
	const char *mchid = json_string_value(json_object_get(j, "mchid"));
	const char *appid = json_string_value(json_object_get(j, "appid"));
	const char *got = json_string_value(json_object_get(j, "out_trade_no"));
	const char *paid = json_string_value(json_object_get(j, "success_time"));
	json_t *total = json_object_get(json_object_get(j, "amount"), "total");
	int st = state_of(json_string_value(json_object_get(j, "trade_state")));

	memset(o, 0, sizeof(*o));
	if (!mchid || strcmp(mchid, w->cfg->wx_mchid) || !appid || strcmp(appid, w->cfg->wx_appid)) {
		snprintf(err, errlen, "the transaction is another merchant's (mchid %s, appid %s)",
			 mchid ? mchid : "missing", appid ? appid : "missing");
		return CA_ERR_ARG;
	}
	if (!got || !pay_trade_no_valid(got) || (no && strcmp(got, no))) {
		snprintf(err, errlen, "the transaction is not order %s", no ? no : "(valid)");
		return CA_ERR_ARG;
	}
	if (st < 0 || !json_is_integer(total) || json_integer_value(total) <= 0) {
		snprintf(err, errlen, "order %s: trade_state or amount.total unreadable", got);
		return CA_ERR_ARG;
	}
	snprintf(o->out_trade_no, sizeof(o->out_trade_no), "%s", got);
	o->method = PAY_WECHAT;
	o->state = (enum pay_state)st;
	o->amount_fen = json_integer_value(total);
	if ((st == PAY_SUCCESS || st == PAY_REFUND) &&
	    (!paid || pay_parse_rfc3339(paid, &o->paid_s) || o->paid_s <= 0)) {
		snprintf(err, errlen, "order %s: paid without a readable success_time", got);
		return CA_ERR_ARG;
	}
	return CA_OK;
}

/* ---- the provider interface ---- */

static ca_err wx_create(struct pay_provider *p, const struct pay_order *o, const char *bank,
			const char *base_url, char *code_url, size_t n)
{
	struct wxpay *w = (struct wxpay *)p;
	const struct hubcfg *c = w->cfg;
	char t[PAY_RFC3339_LEN + 1], err[WXPAY_ERR_MAX];
	const char *url;
	struct answer a;
	json_t *req, *ans = NULL;
	ca_err e;

	(void)base_url;
	if (bank || o->method != PAY_WECHAT)
		return CA_ERR_ARG; /* the bank method is another provider's */
	pay_rfc3339(o->expires_s, t);
	req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:s}}", "appid", c->wx_appid,
			"mchid", c->wx_mchid, "description", msg(MSG_PAY_DESCRIPTION),
			"out_trade_no", o->out_trade_no, "time_expire", t, "notify_url",
			c->wx_notify_url, "amount", "total", (json_int_t)o->amount_fen,
			"currency", "CNY");
	e = post_json(w, "/v3/pay/transactions/native", req, &a, err, sizeof(err));
	if (e)
		return failed("create", o->out_trade_no, e, err);
	if (a.status != 200) {
		e = unexpected("create", o->out_trade_no, &a);
		goto out;
	}
	ans = json_loads(a.body, 0, NULL);
	url = json_string_value(json_object_get(ans, "code_url"));
	if (!url || strncmp(url, "weixin://", 9) || strlen(url) >= n ||
	    strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/?=&._-%")
	    != strlen(url)) {
		log_warn(TAG, "create %s: the answer has no usable code_url", o->out_trade_no);
		e = CA_ERR_IO;
		goto out;
	}
	snprintf(code_url, n, "%s", url);
out:
	json_decref(ans);
	free(a.body);
	return e;
}

static ca_err wx_query(struct pay_provider *p, const char *no, struct pay_order *out)
{
	struct wxpay *w = (struct wxpay *)p;
	char target[WXPAY_TARGET_MAX], err[WXPAY_ERR_MAX], code[64];
	struct answer a;
	json_t *j;
	ca_err e;

	if (!pay_trade_no_valid(no))
		return CA_ERR_ARG;
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=%s", no,
		 w->cfg->wx_mchid);
	e = call(w, "GET", target, NULL, &a, err, sizeof(err));
	if (e)
		return failed("query", no, e, err);
	if (a.status == 404) {
		answer_code(&a, code, sizeof(code));
		e = !strcmp(code, "ORDER_NOT_EXIST") || !strcmp(code, "ORDERNOTEXIST")
		    ? CA_ERR_NOT_FOUND : unexpected("query", no, &a);
	} else if (a.status != 200) {
		e = unexpected("query", no, &a);
	} else {
		j = json_loads(a.body, 0, NULL);
		e = read_transaction(w, j, no, out, err, sizeof(err));
		json_decref(j);
		if (e)
			e = failed("query", no, CA_ERR_IO, err);
	}
	free(a.body);
	return e;
}

static ca_err wx_close(struct pay_provider *p, const char *no)
{
	struct wxpay *w = (struct wxpay *)p;
	char target[WXPAY_TARGET_MAX], err[WXPAY_ERR_MAX], body[96], code[64];
	struct answer a;
	ca_err e;

	if (!pay_trade_no_valid(no))
		return CA_ERR_ARG;
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s/close", no);
	snprintf(body, sizeof(body), "{\"mchid\":\"%s\"}", w->cfg->wx_mchid);
	e = call(w, "POST", target, body, &a, err, sizeof(err));
	if (e)
		return failed("close", no, e, err);
	answer_code(&a, code, sizeof(code));
	if (a.status == 204 || a.status == 200)
		e = CA_OK;
	else if (!strcmp(code, "ORDERPAID"))
		e = CA_ERR_CONFLICT;
	else if (a.status == 404 && !strcmp(code, "ORDER_NOT_EXIST"))
		e = CA_ERR_NOT_FOUND;
	else
		e = unexpected("close", no, &a);
	free(a.body);
	return e;
}

static ca_err wx_refund(struct pay_provider *p, const char *no)
{
	struct wxpay *w = (struct wxpay *)p;
	char err[WXPAY_ERR_MAX], refund_no[PAY_TRADE_NO_MAX + 2], code[64];
	const char *status;
	struct pay_order o;
	struct answer a;
	json_t *req, *ans;
	ca_err e;

	/* The amount to give back is what the provider says was paid. */
	e = wx_query(p, no, &o);
	if (e)
		return e;
	if (o.state == PAY_NOTPAY || o.state == PAY_CLOSED)
		return CA_ERR_FORBIDDEN;
	snprintf(refund_no, sizeof(refund_no), "R%s", no); /* the same on every retry */
	req = json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:s}}", "out_trade_no", no,
			"out_refund_no", refund_no, "reason", msg(MSG_PAY_REFUND_REASON),
			"amount", "refund", (json_int_t)o.amount_fen, "total",
			(json_int_t)o.amount_fen, "currency", "CNY");
	e = post_json(w, "/v3/refund/domestic/refunds", req, &a, err, sizeof(err));
	if (e)
		return failed("refund", no, e, err);
	if (a.status == 200) {
		ans = json_loads(a.body, 0, NULL);
		status = json_string_value(json_object_get(ans, "status"));
		/* PROCESSING: taken, the money is on its way back. */
		e = status && (!strcmp(status, "SUCCESS") || !strcmp(status, "PROCESSING"))
		    ? CA_OK : unexpected("refund", no, &a);
		if (!e)
			log_info(TAG, "refund %s of %s: %s", refund_no, no, status);
		json_decref(ans);
	} else {
		answer_code(&a, code, sizeof(code));
		e = !strcmp(code, "INVALID_REQUEST") ? CA_ERR_FORBIDDEN
		    : unexpected("refund", no, &a);
	}
	free(a.body);
	return e;
}

struct pay_provider *wxpay_provider(struct wxpay *w)
{
	static const struct pay_provider table = {
		"wechatpay_v3", wx_create, wx_query, wx_close, wx_refund, NULL,
	};

	return w ? &w->prov : (struct pay_provider *)&table;
}

/* ---- notifications ---- */

ca_err wxpay_notification(struct wxpay *w, const char *ts, const char *nonce,
			  const char *sig, const char *serial, const char *body,
			  struct pay_order *o, char *err, size_t errlen)
{
	json_t *j = NULL, *r, *t = NULL;
	const char *alg, *rn, *aad, *ct, *event;
	char *plain = NULL;
	size_t len;
	ca_err e;

	e = wxsign_check_answer(ts, nonce, sig, serial, body, w->cfg->wx_public_key_id,
				w->public_key, vclock_now_s(), err, errlen);
	if (e)
		return e == CA_ERR_ARG ? CA_ERR_FORBIDDEN : e;
	j = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	r = json_object_get(j, "resource");
	alg = json_string_value(json_object_get(r, "algorithm"));
	rn = json_string_value(json_object_get(r, "nonce"));
	aad = json_string_value(json_object_get(r, "associated_data"));
	ct = json_string_value(json_object_get(r, "ciphertext"));
	event = json_string_value(json_object_get(j, "event_type"));
	if (!alg || strcmp(alg, "AEAD_AES_256_GCM") || !rn || !ct || !event) {
		snprintf(err, errlen, "the notification has no AEAD_AES_256_GCM resource");
		e = CA_ERR_ARG;
		goto out;
	}
	e = wxsign_decrypt(w->apiv3_key, APIV3_KEY_LEN, rn, aad ? aad : "", ct, &plain, &len,
			   err, errlen);
	if (e) {
		e = CA_ERR_ARG;
		goto out;
	}
	t = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL);
	e = t ? read_transaction(w, t, NULL, o, err, errlen) : CA_ERR_ARG;
	if (!t)
		snprintf(err, errlen, "the resource is not JSON");
	if (!e)
		log_info(TAG, "notification %s for %s: %s", event, o->out_trade_no,
			 pay_state_id(o->state));
out:
	if (plain)
		explicit_bzero(plain, len);
	free(plain);
	json_decref(t);
	json_decref(j);
	return e;
}
