/*
 * bankpay.c - the bank gateway (UnionPay 5.1.0 style) as the hub's
 * provider for 个人网银 (see bankpay.h, docs/hub.md).
 *
 * Where to start reading: call(), the one round trip (sign, post, check
 * the answer's signature), then ask() (queryTrans) and the four provider
 * functions; bankpay_page() is what the customer's phone opens.
 */
#include "bankpay.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cst.h"
#include "core/log.h"
#include "core/msg.h"
#include "api.h"
#include "provio.h"
#include "upsign.h"
#include "vclock.h"
#include "wxsign.h"

#define TAG "bankpay"
#define URL_MAX (HUBCFG_URL_MAX + 64)

struct bankpay {
	struct pay_provider prov;  /* first: the interface hands it back */
	const struct hubcfg *cfg;  /* [bank], borrowed (the hub's) */
	struct hubdb *db;          /* the hub's orders (their times), borrowed */
	char *merchant_key;        /* PEM, wiped at free */
	char *gateway_cert;        /* the gateway's certificate or public key, PEM */
	char cert_id[UPSIGN_CERT_ID_MAX + 1]; /* the merchant's certId */
};

/* What the gateway said about an order (ask()). */
struct asked {
	enum pay_state state;   /* SUCCESS, NOTPAY or CLOSED */
	char query_id[40];      /* the payment's queryId, once paid */
	int64_t amount_fen;     /* txnAmt, once paid */
	int64_t paid_s;         /* when paid */
};

/* ---- files and times ---- */

/* The payment time of an answer: traceTime (MMDDhhmmss) in the year of
 * txnTime (the next year when that would be before txnTime). 0 when it
 * cannot be read. */
/* txnAmt: 1 to 12 digits of fen; -1 for anything else (a sign, a space,
 * trailing junk, or nothing: strtoll would read "12abc" as 12). */
static int64_t fen_of(const char *s)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 12)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i ? v : -1;
}

static int64_t paid_at(const char *txn_time, const char *trace_time)
{
	char t[UPSIGN_TIME_LEN + 1];
	int64_t when = 0, made = 0;
	int year, k;

	if (upsign_parse_time(txn_time, &made) || strlen(trace_time) != UPSIGN_TIME_LEN - 4 ||
	    sscanf(txn_time, "%4d", &year) != 1)
		return 0;
	for (k = 0; k < 2; k++) {
		snprintf(t, sizeof(t), "%04d%s", year + k, trace_time);
		if (upsign_parse_time(t, &when))
			return 0;
		if (when >= made - 86400) /* else: paid in the next year */
			return when;
	}
	return when;
}

/* ---- one round trip ---- */

/* A new form f of the fields every request has (certId among them),
 * then the n of kv. */
static ca_err request(struct bankpay *b, const char *const (*kv)[2], size_t n,
		      struct upform *f)
{
	const char *const base[][2] = {
		{ "version", UPSIGN_VERSION }, { "encoding", UPSIGN_ENCODING },
		{ "signMethod", UPSIGN_SIGN_METHOD }, { "certId", b->cert_id },
		{ "merId", b->cfg->bk_mer_id }, { "accessType", "0" },
	};
	ca_err e;

	upform_init(f);
	e = upform_set_all(f, base, sizeof(base) / sizeof(base[0]));
	if (!e)
		e = upform_set_all(f, kv, n);
	if (e)
		upform_release(f);
	return e;
}

/*
 * Sign req and POST it to path at the gateway; the answer, checked, into
 * *ans (initialised here; the caller releases it). CA_ERR_IO when nothing
 * came back, the status is not 200, or the answer is not the gateway's
 * (the reason in err).
 */
static ca_err call(struct bankpay *b, const char *path, struct upform *req, struct upform *ans,
		   char *err, size_t errlen)
{
	const struct hubcfg *c = b->cfg;
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded;charset=UTF-8", NULL,
	};
	char url[URL_MAX], why[UPSIGN_ERR_MAX];
	struct provio_answer a = { 0 };
	struct provio_req q = {
		.method = "POST", .url = url, .headers = headers, .timeout_ms = c->bk_timeout_ms,
		.ca_file = c->bk_ca_file, .answer_max = BANKPAY_ANSWER_MAX,
	};
	char *body = NULL;
	ca_err e;

	upform_init(ans);
	e = upsign_sign(req, b->merchant_key, err, errlen);
	if (!e)
		e = upform_encode(req, &body);
	if (e)
		return e;
	snprintf(url, sizeof(url), "%s%s", c->bk_gateway_url, path);
	q.body = body;
	e = provio_call(&q, &a, why, sizeof(why));
	free(body);
	if (!e && a.status != 200) {
		snprintf(why, sizeof(why), "status %ld", a.status);
		e = CA_ERR_IO;
	}
	if (e) {
		if (e == CA_ERR_IO)
			snprintf(err, errlen, "%s: %s", path, why);
		free(a.body);
		return e;
	}
	e = upform_parse(ans, a.body, a.len, why, sizeof(why));
	if (!e)
		e = upsign_verify(ans, c->bk_gateway_cert_id, b->gateway_cert, why, sizeof(why));
	if (!e && strcmp(upform_str(ans, "merId"), c->bk_mer_id)) {
		snprintf(why, sizeof(why), "the answer is about merchant '%.20s'",
			 upform_str(ans, "merId"));
		e = CA_ERR_FORBIDDEN;
	}
	free(a.body);
	if (e) {
		snprintf(err, errlen, "%s: answer not trusted: %s", path, why);
		upform_release(ans);
		return CA_ERR_IO;
	}
	return CA_OK;
}

/* The request of kv's n fields, signed and posted to path; the answer,
 * checked, into *ans (as call()). A failure is logged: "what no: why". */
static ca_err post_form(struct bankpay *b, const char *what, const char *no, const char *path,
			const char *const (*kv)[2], size_t n, struct upform *ans)
{
	char err[BANKPAY_ERR_MAX];
	struct upform req;
	ca_err e = request(b, kv, n, &req);

	if (!e) {
		e = call(b, path, &req, ans, err, sizeof(err));
		upform_release(&req);
	}
	if (e)
		log_warn(TAG, "%s %s: %s", what, no, e == CA_ERR_IO ? err : ca_strerror(e));
	return e;
}

/* ---- the provider ---- */

static ca_err bk_create(struct pay_provider *p, const struct pay_order *o, const char *bank,
			const char *base_url, char *code_url, size_t n)
{
	int k;

	(void)p;
	if (o->method != PAY_BANK || !bank || !pay_trade_no_valid(o->out_trade_no))
		return CA_ERR_ARG;
	/* The page is the hub's; the gateway hears of the order when the
	 * customer's browser posts the page's form. */
	k = snprintf(code_url, n, "%s/pay/bank/%s", base_url, o->out_trade_no);
	return k < 0 || (size_t)k >= n ? CA_ERR_TOO_LONG : CA_OK;
}

/* queryTrans of order no: what the gateway says, into *a. */
static ca_err ask(struct bankpay *b, const char *no, struct asked *a)
{
	char t[UPSIGN_TIME_LEN + 1];
	const char *const kv[][2] = {
		{ "txnType", "00" }, { "txnSubType", "00" }, { "bizType", "000000" },
		{ "orderId", no }, { "txnTime", t },
	};
	struct hubdb_pay hp;
	struct upform ans;
	const char *code;
	ca_err e;

	memset(a, 0, sizeof(*a));
	if (!pay_trade_no_valid(no))
		return CA_ERR_ARG;
	e = hubdb_pay_get(b->db, no, &hp);
	if (e)
		return e;
	upsign_time(hp.o.created_s, t);
	e = post_form(b, "query", no, "/gateway/api/queryTrans.do", kv,
		      sizeof(kv) / sizeof(kv[0]), &ans);
	if (e)
		return e;
	code = upform_str(&ans, "respCode");
	if (!strcmp(code, "00") && strcmp(upform_str(&ans, "orderId"), no)) {
		log_warn(TAG, "query %s: the answer is about order '%.32s'", no,
			 upform_str(&ans, "orderId"));
		e = CA_ERR_IO;
	} else if (!strcmp(code, "00") && !strcmp(upform_str(&ans, "origRespCode"), "00")) {
		a->state = PAY_SUCCESS;
		snprintf(a->query_id, sizeof(a->query_id), "%s", upform_str(&ans, "queryId"));
		a->amount_fen = fen_of(upform_str(&ans, "txnAmt"));
		a->paid_s = paid_at(t, upform_str(&ans, "traceTime"));
		if (!a->query_id[0] || a->amount_fen <= 0 || !a->paid_s) {
			log_warn(TAG, "query %s: paid, but queryId, txnAmt or traceTime unreadable",
				 no);
			e = CA_ERR_IO;
		}
	} else if (!strcmp(code, "34") || !strcmp(code, "00")) {
		/* Not paid. After payTimeout the gateway takes no payment: final. */
		a->state = vclock_now_s() >= hp.o.expires_s + BANKPAY_CLOSE_MARGIN_S ? PAY_CLOSED
			   : PAY_NOTPAY;
	} else {
		log_warn(TAG, "query %s: respCode %.8s %.80s", no, code, upform_str(&ans, "respMsg"));
		e = CA_ERR_IO;
	}
	upform_release(&ans);
	return e;
}

static ca_err bk_query(struct pay_provider *p, const char *no, struct pay_order *out)
{
	struct bankpay *b = (struct bankpay *)p;
	struct asked a;
	ca_err e = ask(b, no, &a);

	if (e)
		return e;
	memset(out, 0, sizeof(*out));
	snprintf(out->out_trade_no, sizeof(out->out_trade_no), "%s", no);
	out->method = PAY_BANK;
	out->state = a.state;
	out->amount_fen = a.amount_fen;
	out->paid_s = a.paid_s;
	return CA_OK;
}

static ca_err bk_close(struct pay_provider *p, const char *no)
{
	struct asked a;
	ca_err e = ask((struct bankpay *)p, no, &a);

	if (e)
		return e;
	if (a.state == PAY_SUCCESS)
		return CA_ERR_CONFLICT;
	if (a.state == PAY_CLOSED)
		return CA_OK;
	log_info(TAG, "order %s: the gateway has no close; it stays open until %d s past "
		 "payTimeout", no, BANKPAY_CLOSE_MARGIN_S);
	return CA_ERR_IO;
}

static ca_err bk_refund(struct pay_provider *p, const char *no)
{
	struct bankpay *b = (struct bankpay *)p;
	char rno[PAY_TRADE_NO_MAX + 2], amt[24], t[UPSIGN_TIME_LEN + 1];
	struct asked a;
	const char *const kv[][2] = {
		{ "txnType", "04" }, { "txnSubType", "00" }, { "bizType", "000201" },
		{ "channelType", "07" }, { "orderId", rno }, { "origQryId", a.query_id },
		{ "txnAmt", amt }, { "txnTime", t }, { "backUrl", b->cfg->bk_notify_url },
	};
	struct upform ans;
	const char *code;
	ca_err e = ask(b, no, &a);

	if (e)
		return e;
	if (a.state != PAY_SUCCESS)
		return CA_ERR_FORBIDDEN;
	snprintf(rno, sizeof(rno), "R%s", no); /* the same on every retry */
	snprintf(amt, sizeof(amt), "%lld", (long long)a.amount_fen);
	upsign_time(vclock_now_s(), t);
	e = post_form(b, "refund", no, "/gateway/api/backTransReq.do", kv,
		      sizeof(kv) / sizeof(kv[0]), &ans);
	if (e)
		return e;
	code = upform_str(&ans, "respCode");
	if (!strcmp(code, "00")) {
		log_info(TAG, "refund %s of %s (%s fen): accepted, queryId %.24s", rno, no, amt,
			 upform_str(&ans, "queryId"));
	} else {
		log_warn(TAG, "refund %s of %s: respCode %.8s %.80s", rno, no, code,
			 upform_str(&ans, "respMsg"));
		e = !strcmp(code, "12") ? CA_ERR_FORBIDDEN : CA_ERR_IO;
	}
	upform_release(&ans);
	return e;
}

struct pay_provider *bankpay_provider(struct bankpay *b)
{
	return &b->prov;
}

ca_err bankpay_new(const struct hubcfg *c, struct hubdb *db, struct bankpay **out, char *err,
		   size_t errlen)
{
	static const struct pay_provider table = {
		"unionpay_gateway", bk_create, bk_query, bk_close, bk_refund, NULL,
	};
	struct bankpay *b = calloc(1, sizeof(*b));
	char sig[WXSIGN_SIG_MAX], *cert = NULL;

	*out = NULL;
	if (!b)
		return ca_fail(CA_ERR_NOMEM, err, errlen, "out of memory");
	b->prov = table;
	b->prov.url = c->bk_gateway_url;
	b->cfg = c;
	b->db = db;
	b->merchant_key = provio_private_key("bank", "merchant_key", c->bk_merchant_key, sig, err,
					     errlen);
	if (!b->merchant_key)
		goto fail;
	cert = provio_read_file(c->bk_merchant_cert, PROVIO_KEY_MAX, NULL, err, errlen);
	if (!cert)
		goto fail;
	if (upsign_cert_id(cert, b->cert_id, err, errlen) ||
	    wxsign_verify(cert, "x", 1, sig, err, errlen) != CA_OK) {
		snprintf(err, errlen, "[bank] merchant_cert %s: not the certificate of "
			 "merchant_key in PEM", c->bk_merchant_cert);
		goto fail;
	}
	free(cert);
	cert = NULL;
	b->gateway_cert = provio_public_key("bank", "gateway_cert", c->bk_gateway_cert, err,
					    errlen);
	if (!b->gateway_cert)
		goto fail;
	*out = b;
	return CA_OK;
fail:
	free(cert);
	bankpay_free(b);
	return CA_ERR_CONFIG;
}

void bankpay_free(struct bankpay *b)
{
	if (!b)
		return;
	provio_key_free(b->merchant_key);
	free(b->gateway_cert);
	free(b);
}

/* ---- the page and what comes back ---- */

/* The signed consumption request of order p (frontUrl page_url). */
static ca_err page_form(struct bankpay *b, const struct hubdb_pay *p, const char *page_url,
			struct upform *f)
{
	char t[UPSIGN_TIME_LEN + 1], timeout[UPSIGN_TIME_LEN + 1], amt[24];
	const char *const kv[][2] = {
		{ "txnType", "01" }, { "txnSubType", "01" }, { "bizType", "000201" },
		{ "channelType", "07" }, { "orderId", p->o.out_trade_no }, { "txnTime", t },
		{ "txnAmt", amt }, { "currencyCode", "156" }, { "frontUrl", page_url },
		{ "backUrl", b->cfg->bk_notify_url }, { "payTimeout", timeout },
		{ "issInsCode", p->bank },
	};
	ca_err e;

	upsign_time(p->o.created_s, t);
	upsign_time(p->o.expires_s, timeout);
	snprintf(amt, sizeof(amt), "%lld", (long long)p->o.amount_fen);
	e = request(b, kv, sizeof(kv) / sizeof(kv[0]), f);
	if (e)
		return e;
	e = upsign_sign(f, b->merchant_key, NULL, 0);
	if (e)
		upform_release(f);
	return e;
}

/* For a phone held upright (360 px and up): the labels on one line each
 * (a value wraps rather than squeezing them), the state's line coloured as
 * it is (green once paid), a button a thumb hits, the order's number in
 * small print at the foot. */
static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<style>body{margin:0 auto;max-width:30em;padding:1em;font:18px/1.6 sans-serif;"
	"color:#111}h1{font-size:1.4em}dl{display:grid;grid-template-columns:auto 1fr;"
	"gap:.3em 1em;align-items:baseline}dt{color:#555;white-space:nowrap}"
	"dd{margin:0;min-width:0;overflow-wrap:anywhere}.amount{font-size:1.5em;font-weight:bold}"
	".state{padding:.6em 1em;border-radius:.4em;background:#eef4fb;text-wrap:pretty}"
	".state[data-state=SUCCESS]{background:#e3f4e8;color:#0b5a2a;font-weight:bold}"
	".state[data-state=CLOSED],.state[data-state=REFUND]{background:#f1f1f1}"
	"button{width:100%;font-size:1.2em;padding:.7em;margin-top:1em;border:0;border-radius:.4em;"
	"background:#c8102e;color:#fff}.ref{margin-top:1.5em;font-size:.9em;color:#555}</style>\n";

/* One "label: value" row. */
static void row(FILE *f, enum msg_id label, const char *value, const char *cls)
{
	fputs("<dt>", f);
	api_html_text(f, msg(label));
	fprintf(f, "</dt><dd%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	api_html_text(f, value);
	fputs("</dd>\n", f);
}

ca_err bankpay_page(struct bankpay *b, const struct hubdb_pay *p, const char *bank_name,
		    const char *state, const char *page_url, int64_t now_s, char **html)
{
	char amount[32], left[6], deadline[32];
	struct upform form;
	bool payable = !strcmp(state, "NOTPAY") && now_s < p->o.expires_s;
	size_t len = 0, i;
	FILE *f;
	ca_err e = CA_OK;

	*html = NULL;
	if (payable) {
		e = page_form(b, p, page_url, &form);
		if (e)
			return e;
	}
	f = open_memstream(html, &len);
	if (!f) {
		if (payable)
			upform_release(&form);
		return CA_ERR_NOMEM;
	}
	snprintf(amount, sizeof(amount), "¥%lld.%02lld", (long long)(p->o.amount_fen / 100),
		 (long long)(p->o.amount_fen % 100));
	pay_countdown_text(payable ? pay_remaining_ms(p->o.expires_s, vclock_now_ms(), 0, 0) : 0,
			   left);
	ca_cst_format(p->o.expires_s * 1000, "%H:%M:%S", deadline, sizeof(deadline));
	fputs(page_head, f);
	fputs("<title>", f);
	api_html_text(f, msg(MSG_BANKPAGE_TITLE));
	fputs("</title>\n</head>\n<body>\n<h1>", f);
	api_html_text(f, msg(MSG_BANKPAGE_TITLE));
	fputs("</h1>\n<dl>\n", f);
	row(f, MSG_BANKPAGE_PAYEE, msg(MSG_PAY_DESCRIPTION), NULL);
	row(f, MSG_BANKPAGE_BANK, bank_name, NULL);
	/* Once paid, what was paid: not "payable". */
	row(f, !strcmp(state, "SUCCESS") || !strcmp(state, "REFUND") ? MSG_BANKPAGE_PAID_AMOUNT
	       : MSG_UI_PAY_AMOUNT, amount, "amount");
	if (payable) {
		row(f, MSG_UI_PAY_TIME_LEFT, left, NULL);
		row(f, MSG_BANKPAGE_DEADLINE, deadline, NULL);
	}
	fputs("</dl>\n", f);
	fputs("<p class=\"state\" data-state=\"", f);
	api_html_text(f, state);
	fputs("\">", f);
	api_html_text(f, msg(payable ? MSG_BANKPAGE_HOW : !strcmp(state, "SUCCESS")
			     ? MSG_BANKPAGE_PAID : !strcmp(state, "REFUND") ? MSG_BANKPAGE_REFUNDED
			     : !strcmp(state, "CLOSED") ? MSG_BANKPAGE_CLOSED : MSG_UI_PAY_CHECKING));
	fputs("</p>\n", f);
	if (payable) {
		/* A plain form: the page's CSP allows no script; form-action is not
		 * governed by default-src, so the post to the gateway is allowed. */
		fputs("<form method=\"post\" action=\"", f);
		api_html_text(f, b->cfg->bk_gateway_url);
		fputs("/gateway/api/frontTransReq.do\">\n", f);
		for (i = 0; i < form.n; i++) {
			fputs("<input type=\"hidden\" name=\"", f);
			api_html_text(f, form.f[i].key);
			fputs("\" value=\"", f);
			api_html_text(f, form.f[i].val);
			fputs("\">\n", f);
		}
		fputs("<button type=\"submit\">", f);
		api_html_text(f, msg(MSG_BANKPAGE_GO));
		fputs("</button>\n</form>\n", f);
		upform_release(&form);
	}
	/* The order's number for staff, at the foot: as a row it would wrap. */
	fputs("<p class=\"ref\">", f);
	api_html_text(f, msg(MSG_BANKPAGE_ORDER));
	fputc(' ', f);
	api_html_text(f, p->o.out_trade_no);
	fputs("</p>\n</body>\n</html>\n", f);
	if (fclose(f)) {
		free(*html);
		*html = NULL;
		return CA_ERR_NOMEM;
	}
	return CA_OK;
}

ca_err bankpay_notification(struct bankpay *b, const char *body, size_t len,
			    struct pay_order *o, char *err, size_t errlen)
{
	const struct hubcfg *c = b->cfg;
	struct upform f;
	const char *no;
	ca_err e;

	memset(o, 0, sizeof(*o));
	e = upform_parse(&f, body, len, err, errlen);
	if (e)
		return e == CA_ERR_NOMEM ? e : CA_ERR_FORBIDDEN;
	e = upsign_verify(&f, c->bk_gateway_cert_id, b->gateway_cert, err, errlen);
	if (e) {
		upform_release(&f);
		return CA_ERR_FORBIDDEN;
	}
	no = upform_str(&f, "orderId");
	if (strcmp(upform_str(&f, "merId"), c->bk_mer_id)) {
		snprintf(err, errlen, "the notification is another merchant's (merId %.20s)",
			 upform_str(&f, "merId"));
		e = CA_ERR_ARG;
	} else if (!pay_trade_no_valid(no) || strcmp(upform_str(&f, "respCode"), "00") ||
		   strcmp(upform_str(&f, "txnType"), "01")) {
		snprintf(err, errlen, "the notification is not a payment of an order of this hub");
		e = CA_ERR_ARG;
	} else {
		snprintf(o->out_trade_no, sizeof(o->out_trade_no), "%s", no);
		o->method = PAY_BANK;
		o->state = PAY_SUCCESS;
		o->amount_fen = fen_of(upform_str(&f, "txnAmt"));
		o->paid_s = paid_at(upform_str(&f, "txnTime"), upform_str(&f, "traceTime"));
		if (o->amount_fen <= 0 || !o->paid_s) {
			snprintf(err, errlen, "the payment of %s has no readable txnAmt or time", no);
			e = CA_ERR_ARG;
		} else {
			log_info(TAG, "notification for %s: paid, queryId %.24s", no,
				 upform_str(&f, "queryId"));
		}
	}
	upform_release(&f);
	return e;
}
