/*
 * gateway.c - the bank gateway (see gateway.h, docs/paysim.md).
 *
 * Where to start reading: gateway_front() (what the merchant's form must
 * be), then gateway_pay() (a payment and what it owes) and the two
 * server-to-server endpoints. Refusals: a form that does not verify is
 * respCode 11, a field that is wrong 30, an orderId used before with
 * other content 12 (a page of the same codes for the browser); a query of
 * no paid order 34; a refund of more than was paid or of an unknown
 * queryId 12.
 */
#include "gateway.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bank.h"
#include "core/msg.h"
#include "hub/api.h"
#include "hub/upsign.h"
#include "notify.h"
#include "wire.h"

#define PAGE_TYPE "text/html; charset=utf-8"

/* ---- small pieces ---- */

/* Whether s is n1..n2 characters of set. */
static bool made_of(const char *s, size_t n1, size_t n2, const char *set)
{
	size_t n = strlen(s);

	return n >= n1 && n <= n2 && strspn(s, set) == n;
}

#define DIGITS "0123456789"
#define ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* An amount in fen: a positive integer without leading zeros, at most
 * PSIM_AMOUNT_MAX. -1 when it is not one. */
static int64_t amount_of(const char *s)
{
	int64_t v = 0;

	if (!made_of(s, 1, 10, DIGITS) || s[0] == '0')
		return -1;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	return v <= PSIM_AMOUNT_MAX ? v : -1;
}

/* An https:// URL the gateway will post to. */
static bool url_ok(const char *s)
{
	return !strncmp(s, "https://", 8) && strlen(s) > 8 && strlen(s) <= PSIM_URL_MAX &&
	       !strpbrk(s, " \"'<>\\`");
}

/* The issuing bank the simulator plays, by issInsCode (the hub's banks,
 * core/bank.h); another code is named as it is. */
static const char *bank_name(const char *code)
{
	const struct ca_bank *b = ca_bank_find(code);

	return b ? msg(b->name) : code;
}

/* A phone's page: plain, but its text large enough and its lines ("\n" in
 * a line breaks it) and button within the screen. */
static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>银联在线支付（模拟网关）</title>\n<style>body{font:17px/1.6 sans-serif;"
	"max-width:30em;margin:1em auto;padding:0 1em}h1{font-size:1.4em}"
	".line{white-space:pre-line;overflow-wrap:anywhere}"
	"button{width:100%;font-size:1.1em;padding:.6em 1em}.code{color:#a00}</style>\n"
	"</head>\n<body>\n";

/* Answer a page for the browser: status, a title and a line, a form to
 * action with the fields of form (NULL: none) and a button. */
static void page(struct srv_resp *rs, int status, const char *title, const char *line,
		 const char *action, const struct upform *form, const char *button)
{
	char *html = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&html, &len);

	if (!f) {
		rs->status = 0;
		return;
	}
	fputs(page_head, f);
	fputs("<h1>", f);
	api_html_text(f, title);
	fputs("</h1>\n<p class=\"line\">", f);
	api_html_text(f, line);
	fputs("</p>\n", f);
	if (action) {
		fputs("<form method=\"post\" action=\"", f);
		api_html_text(f, action);
		fputs("\">\n", f);
		for (i = 0; form && i < form->n; i++) {
			fputs("<input type=\"hidden\" name=\"", f);
			api_html_text(f, form->f[i].key);
			fputs("\" value=\"", f);
			api_html_text(f, form->f[i].val);
			fputs("\">\n", f);
		}
		fputs("<button type=\"submit\">", f);
		api_html_text(f, button);
		fputs("</button>\n</form>\n", f);
	}
	fputs("</body>\n</html>\n", f);
	if (fclose(f)) {
		free(html);
		rs->status = 0;
		return;
	}
	srv_reply_text(rs, status, html, PAGE_TYPE);
}

/* An error page for the browser: respCode code (a refusal, counted). */
static void error_page(struct srv_resp *rs, int status, const char *code, const char *counted,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void error_page(struct srv_resp *rs, int status, const char *code, const char *counted,
		       const char *fmt, ...)
{
	char why[256], line[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "错误码 %s：%s", code, why);
	page(rs, status, "支付未完成", line, NULL, NULL, NULL);
	rs->code = counted;
}

/* A new form f of the gateway's fields (those every answer and
 * notification starts with), then the n of kv, signed with its key. */
static ca_err signed_form(const struct psim_cfg *c, const char *const (*kv)[2], size_t n,
			  struct upform *f)
{
	const char *const base[][2] = {
		{ "version", UPSIGN_VERSION }, { "encoding", UPSIGN_ENCODING },
		{ "signMethod", UPSIGN_SIGN_METHOD }, { "certId", c->bank_cert_id },
		{ "merId", c->bank_mer_id },
	};
	ca_err e;

	upform_init(f);
	e = upform_set_all(f, base, sizeof(base) / sizeof(base[0]));
	if (!e)
		e = upform_set_all(f, kv, n);
	if (!e)
		e = upsign_sign(f, c->bank_key_pem, NULL, 0);
	if (e)
		upform_release(f);
	return e;
}

/* Answer the signed form of kv's n fields url-encoded (200). */
static void signed_answer(struct psim *ps, struct srv_resp *rs, const char *const (*kv)[2],
			  size_t n)
{
	struct upform f;
	char *body = NULL;

	if (signed_form(ps->cfg, kv, n, &f)) {
		rs->status = 0;
		return;
	}
	if (upform_encode(&f, &body))
		rs->status = 0;
	else
		srv_reply_text(rs, 200, body, GATEWAY_FORM_TYPE);
	upform_release(&f);
}

/* A signed server-to-server refusal: respCode code, respMsg why, with the
 * request's txnType, txnSubType, bizType, accessType, orderId and txnTime
 * echoed (those it has, of 64 bytes at most). */
static void refuse_form(struct psim *ps, struct srv_resp *rs, const struct upform *req,
			const char *code, const char *counted, const char *why)
{
	static const char *const echo[] = { "txnType", "txnSubType", "bizType", "accessType",
					    "orderId", "txnTime" };
	const char *kv[2 + sizeof(echo) / sizeof(echo[0])][2] = {
		{ "respCode", code }, { "respMsg", why },
	};
	size_t i, n = 2;

	for (i = 0; req && i < sizeof(echo) / sizeof(echo[0]); i++)
		if (upform_get(req, echo[i]) && strlen(upform_str(req, echo[i])) <= 64) {
			kv[n][0] = echo[i];
			kv[n++][1] = upform_str(req, echo[i]);
		}
	signed_answer(ps, rs, (const char *const (*)[2])kv, n);
	rs->code = counted;
}

/* The first field of the merchant's request f that is wrong: one of must
 * (n fields and the values they must hold), merId (this merchant's) or
 * orderId; NULL when none is. */
static const char *first_bad(const struct psim_cfg *c, const struct upform *f,
			     const char *const (*must)[2], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(upform_str(f, must[i][0]), must[i][1]))
			return must[i][0];
	if (strcmp(upform_str(f, "merId"), c->bank_mer_id))
		return "merId";
	if (!made_of(upform_str(f, "orderId"), GATEWAY_ORDER_ID_MIN, PSIM_ID_MAX, ALNUM))
		return "orderId";
	return NULL;
}

/* Refuse the merchant's request f (signed, server to server) for its
 * field bad: respCode 30. */
static void refuse_field(struct psim *ps, struct srv_resp *rs, const struct upform *f,
			 const char *bad)
{
	char why[96];

	snprintf(why, sizeof(why), "field %s is missing or wrong", bad);
	refuse_form(ps, rs, f, "30", "BANK_FORMAT", why);
}

/* Whether the gateway is on; else the 404 of an unknown endpoint. */
static bool gateway_on(struct srv_req *rq, struct srv_resp *rs)
{
	struct sim_fail f;

	if (rq->ps->cfg->bank_mer_id[0])
		return true;
	sim_refuse(&f, 404, "NOT_FOUND", "the bank gateway is off (no --bank-mer-id)");
	srv_refuse(rs, &f);
	return false;
}

/* The body of rq into f: a form the merchant signed. false when rq is
 * answered already: the gateway is off, or the body is not a form (respCode
 * 30) or not signed by the merchant's key under its certId (11), answered
 * with a page for the browser or a signed form server to server (f is
 * released then). */
static bool merchant_form(struct srv_req *rq, struct srv_resp *rs, bool browser,
			  struct upform *f)
{
	const struct psim_cfg *c = rq->ps->cfg;
	char err[UPSIGN_ERR_MAX];
	bool parsed = false;
	ca_err e;

	if (!gateway_on(rq, rs))
		return false;
	e = upform_parse(f, rq->body, strlen(rq->body), err, sizeof(err));
	if (!e) {
		parsed = true;
		e = upsign_verify(f, c->bank_merchant_cert_id, c->bank_merchant_pem, err,
				  sizeof(err));
	}
	if (!e)
		return true;
	if (browser)
		error_page(rs, parsed ? 403 : 400, parsed ? "11" : "30", parsed ? "BANK_SIGNATURE"
			   : "BANK_FORMAT", "%s", err);
	else
		refuse_form(rq->ps, rs, parsed ? f : NULL, parsed ? "11" : "30", parsed
			    ? "BANK_SIGNATURE" : "BANK_FORMAT", err);
	upform_release(f);
	return false;
}

/* ---- the customer's way ---- */

/* The signed result of the paid order bo: the back notification's form,
 * which the result page also posts to frontUrl. */
static ca_err result_form(const struct psim_cfg *c, const struct bank_order *bo,
			  struct upform *f)
{
	char amt[24];
	const char *const kv[][2] = {
		{ "orderId", bo->o.out_trade_no }, { "txnTime", bo->txn_time },
		{ "txnAmt", amt }, { "settleAmt", amt }, { "currencyCode", "156" },
		{ "txnType", "01" }, { "txnSubType", "01" }, { "bizType", "000201" },
		{ "accessType", "0" }, { "queryId", bo->o.transaction_id }, { "respCode", "00" },
		{ "respMsg", "success" }, { "traceNo", bo->trace_no },
		{ "traceTime", bo->trace_time },
	};

	snprintf(amt, sizeof(amt), "%lld", (long long)bo->o.total);
	return signed_form(c, kv, sizeof(kv) / sizeof(kv[0]), f);
}

char *gateway_notice_body(const struct bank_order *bo, void *ctx)
{
	struct psim *ps = ctx;
	struct upform f;
	char *body = NULL;

	if (result_form(ps->cfg, bo, &f))
		return NULL;
	if (upform_encode(&f, &body))
		body = NULL;
	upform_release(&f);
	return body;
}

void gateway_front(struct srv_req *rq, struct srv_resp *rs)
{
	static const char *const must[][2] = {
		{ "txnType", "01" }, { "txnSubType", "01" }, { "bizType", "000201" },
		{ "channelType", "07" }, { "accessType", "0" }, { "currencyCode", "156" },
	};
	const struct psim_cfg *c = rq->ps->cfg;
	struct bank_order bo;
	struct upform f, pf;
	char token[33], line[400], t[WIRE_TIME_MAX], *content = NULL;
	const char *bad;
	int64_t txn_ms = 0;
	ca_err e;

	if (!merchant_form(rq, rs, true, &f))
		return;
	memset(&bo, 0, sizeof(bo));
	bad = first_bad(c, &f, must, sizeof(must) / sizeof(must[0]));
	if (!bad && !wire_parse_compact(upform_str(&f, "txnTime"), &txn_ms))
		bad = "txnTime";
	if (!bad && (bo.o.total = amount_of(upform_str(&f, "txnAmt"))) < 0)
		bad = "txnAmt";
	if (!bad && !url_ok(upform_str(&f, "frontUrl")))
		bad = "frontUrl";
	if (!bad && !url_ok(upform_str(&f, "backUrl")))
		bad = "backUrl";
	if (!bad && !wire_parse_compact(upform_str(&f, "payTimeout"), &bo.o.expire_ms))
		bad = "payTimeout";
	if (!bad && !made_of(upform_str(&f, "issInsCode"), 1, GATEWAY_BANK_MAX,
			     "abcdefghijklmnopqrstuvwxyz"))
		bad = "issInsCode";
	if (bad) {
		error_page(rs, 400, "30", "BANK_FORMAT", "字段 %s 缺失或格式不正确", bad);
		goto out;
	}
	if (bo.o.expire_ms <= rq->now_ms) {
		error_page(rs, 403, "31", "BANK_TIMEOUT", "订单已超过支付时限 payTimeout");
		goto out;
	}
	snprintf(bo.o.out_trade_no, sizeof(bo.o.out_trade_no), "%s", upform_str(&f, "orderId"));
	snprintf(bo.o.mchid, sizeof(bo.o.mchid), "%s", c->bank_mer_id);
	snprintf(bo.o.notify_url, sizeof(bo.o.notify_url), "%s", upform_str(&f, "backUrl"));
	snprintf(bo.txn_time, sizeof(bo.txn_time), "%s", upform_str(&f, "txnTime"));
	snprintf(bo.front_url, sizeof(bo.front_url), "%s", upform_str(&f, "frontUrl"));
	snprintf(bo.iss_ins_code, sizeof(bo.iss_ins_code), "%s", upform_str(&f, "issInsCode"));
	bo.o.created_ms = rq->now_ms;
	/* What a repeat must match: everything signed but the signature. */
	if (upsign_text(&f, &content) || wire_random(token, 32, false)) {
		free(content);
		goto out;
	}
	e = books_bank_front(rq->ps->books, &bo, content, token);
	free(content);
	if (e == CA_ERR_CONFLICT) {
		error_page(rs, 400, "12", "BANK_ORDER_USED", "订单号 orderId 已用于其他内容的交易");
		goto out;
	}
	if (e == CA_ERR_TOO_LONG) {
		error_page(rs, 403, "30", "BANK_BOOKS_FULL", "模拟网关的账簿已满 (--max-orders)");
		goto out;
	}
	if (e)
		goto out;
	if (strcmp(bo.o.state, "NOTPAY")) {
		error_page(rs, 403, "12", "BANK_PAID", "该订单已支付");
		goto out;
	}
	wire_time(bo.o.expire_ms, t);
	snprintf(line, sizeof(line), "商户号 %s\n订单号 %s\n金额 %lld.%02lld 元\n"
		 "请在 %.10s %.8s 前完成支付", bo.o.mchid, bo.o.out_trade_no,
		 (long long)(bo.o.total / 100), (long long)(bo.o.total % 100), t, t + 11);
	upform_init(&pf);
	if (!upform_set(&pf, "orderId", bo.o.out_trade_no) &&
	    !upform_set(&pf, "merId", bo.o.mchid) && !upform_set(&pf, "token", bo.token)) {
		char title[80];

		snprintf(title, sizeof(title), "%s 网上支付（模拟）", bank_name(bo.iss_ins_code));
		page(rs, 200, title, line, "/gateway/pay", &pf, "确认付款");
	}
	upform_release(&pf);
out:
	upform_release(&f);
}

void gateway_pay(struct srv_req *rq, struct srv_resp *rs)
{
	static const struct { const char *code, *counted, *why; int status; } refusals[] = {
		[BOOKS_PAY_UNKNOWN] = { "34", "BANK_NO_ORDER", "支付页面已失效或订单不存在", 404 },
		[BOOKS_PAY_CLOSED] = { "31", "BANK_TIMEOUT", "订单已关闭", 403 },
		[BOOKS_PAY_PAID] = { "12", "BANK_PAID", "该订单已支付", 403 },
		[BOOKS_PAY_EXPIRED] = { "31", "BANK_TIMEOUT", "订单已超过支付时限 payTimeout", 403 },
	};
	struct upform f, res;
	struct bank_order bo;
	char err[UPSIGN_ERR_MAX], qid[22], trace[7], ttime[15];
	enum books_pay r;

	if (!gateway_on(rq, rs))
		return;
	if (upform_parse(&f, rq->body, strlen(rq->body), err, sizeof(err))) {
		error_page(rs, 400, "30", "BANK_FORMAT", "%s", err);
		return;
	}
	if (strcmp(upform_str(&f, "merId"), rq->ps->cfg->bank_mer_id) ||
	    !made_of(upform_str(&f, "token"), 32, 32, ALNUM)) {
		error_page(rs, 400, "30", "BANK_FORMAT", "merId 或 token 不正确");
		goto out;
	}
	wire_compact(rq->now_ms, ttime);
	if (wire_random(qid, 21, true) || wire_random(trace, 6, true) ||
	    books_bank_pay(rq->ps->books, upform_str(&f, "orderId"), upform_str(&f, "token"),
			   rq->now_ms, qid, trace, ttime + 4, gateway_notice_body, rq->ps, &bo, &r))
		goto out;
	if (r != BOOKS_PAY_OK) {
		error_page(rs, refusals[r].status, refusals[r].code, refusals[r].counted, "%s",
			   refusals[r].why);
		goto out;
	}
	notifier_kick(rq->ps->notifier);
	if (!result_form(rq->ps->cfg, &bo, &res)) {
		page(rs, 200, "支付成功", "请点击下面的按钮返回商户页面。", bo.front_url, &res,
		     "返回商户");
		upform_release(&res);
	}
out:
	upform_release(&f);
}

/* ---- server to server ---- */

void gateway_query(struct srv_req *rq, struct srv_resp *rs)
{
	static const char *const must[][2] = {
		{ "txnType", "00" }, { "txnSubType", "00" }, { "bizType", "000000" },
		{ "accessType", "0" },
	};
	struct psim *ps = rq->ps;
	struct bank_order bo;
	struct upform f;
	char amt[24];
	const char *bad;
	int64_t ms;
	ca_err e;

	if (!merchant_form(rq, rs, false, &f))
		return;
	bad = first_bad(ps->cfg, &f, must, sizeof(must) / sizeof(must[0]));
	if (!bad && !wire_parse_compact(upform_str(&f, "txnTime"), &ms))
		bad = "txnTime";
	if (bad) {
		refuse_field(ps, rs, &f, bad);
		goto out;
	}
	e = books_bank_get(ps->books, upform_str(&f, "orderId"), &bo);
	if (e && e != CA_ERR_NOT_FOUND)
		goto out;
	if (e || !bo.o.success_ms || strcmp(bo.txn_time, upform_str(&f, "txnTime"))) {
		/* Not counted: "not paid" is an answer, not a refusal. */
		refuse_form(ps, rs, &f, "34", NULL, "no such paid order");
		goto out;
	}
	snprintf(amt, sizeof(amt), "%lld", (long long)bo.o.total);
	{
		const char *const kv[][2] = {
			{ "txnType", "00" }, { "txnSubType", "00" }, { "bizType", "000000" },
			{ "accessType", "0" }, { "orderId", bo.o.out_trade_no },
			{ "txnTime", bo.txn_time }, { "respCode", "00" }, { "respMsg", "success" },
			{ "origRespCode", "00" }, { "origRespMsg", "success" },
			{ "queryId", bo.o.transaction_id }, { "txnAmt", amt }, { "settleAmt", amt },
			{ "currencyCode", "156" }, { "traceNo", bo.trace_no },
			{ "traceTime", bo.trace_time },
		};

		signed_answer(ps, rs, kv, sizeof(kv) / sizeof(kv[0]));
	}
out:
	upform_release(&f);
}

void gateway_back(struct srv_req *rq, struct srv_resp *rs)
{
	static const char *const must[][2] = {
		{ "txnType", "04" }, { "txnSubType", "00" }, { "bizType", "000201" },
		{ "accessType", "0" }, { "channelType", "07" },
	};
	struct psim *ps = rq->ps;
	struct book_refund r;
	enum books_refund res;
	struct upform f;
	const char *bad;
	int64_t ms;

	if (!merchant_form(rq, rs, false, &f))
		return;
	memset(&r, 0, sizeof(r));
	bad = first_bad(ps->cfg, &f, must, sizeof(must) / sizeof(must[0]));
	if (!bad && !made_of(upform_str(&f, "origQryId"), 1, PSIM_ID_MAX, DIGITS))
		bad = "origQryId";
	if (!bad && (r.refund = amount_of(upform_str(&f, "txnAmt"))) < 0)
		bad = "txnAmt";
	if (!bad && !wire_parse_compact(upform_str(&f, "txnTime"), &ms))
		bad = "txnTime";
	if (!bad && !url_ok(upform_str(&f, "backUrl")))
		bad = "backUrl";
	if (bad) {
		refuse_field(ps, rs, &f, bad);
		goto out;
	}
	snprintf(r.out_refund_no, sizeof(r.out_refund_no), "%s", upform_str(&f, "orderId"));
	snprintf(r.transaction_id, sizeof(r.transaction_id), "%s", upform_str(&f, "origQryId"));
	snprintf(r.notify_url, sizeof(r.notify_url), "%s", upform_str(&f, "backUrl"));
	r.created_ms = rq->now_ms;
	if (wire_random(r.refund_id, 21, true) || books_bank_refund(ps->books, &r, &res))
		goto out;
	if (res != BOOKS_REFUND_NEW && res != BOOKS_REFUND_SAME) {
		refuse_form(ps, rs, &f, "12", "BANK_REFUND", res == BOOKS_REFUND_UNKNOWN
			    ? "no payment has this origQryId" : res == BOOKS_REFUND_OTHER
			    ? "this refund orderId was used for another refund"
			    : res == BOOKS_REFUND_TOO_MANY ? "the payment has had 50 refunds"
			    : "more than is left of the payment");
		goto out;
	}
	{
		const char *const kv[][2] = {
			{ "txnType", "04" }, { "txnSubType", "00" }, { "bizType", "000201" },
			{ "accessType", "0" }, { "orderId", r.out_refund_no },
			{ "txnTime", upform_str(&f, "txnTime") }, { "origQryId", r.transaction_id },
			{ "txnAmt", upform_str(&f, "txnAmt") }, { "queryId", r.refund_id },
			{ "respCode", "00" }, { "respMsg", "success" },
		};

		signed_answer(ps, rs, kv, sizeof(kv) / sizeof(kv[0]));
	}
out:
	upform_release(&f);
}
