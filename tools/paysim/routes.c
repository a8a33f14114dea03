/*
 * routes.c - the simulator's endpoints (docs/paysim.md): WeChat Pay's v3
 * Native payment (create, query, close, refund, refund query), signed and
 * checked by server.c before they run; and the simulator's own /sim/
 * endpoints (the customer pays, faults, the books, the counters).
 *
 * Where to start reading: the table srv_routes[] at the end.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "books.h"
#include "gateway.h"
#include "notify.h"
#include "server.h"
#include "v3check.h"
#include "wire.h"

#define CODE_URL_PREFIX "weixin://wxpay/bizpayurl?pr="
#define FAULT_MAX 100

/* A refusal in one line: status, code, message. */
static void refuse(struct srv_resp *rs, int status, const char *code, const char *message)
{
	struct v3_fail f;

	v3_refuse(&f, status, code, "%s", message);
	srv_refuse(rs, &f);
}

/* A request about the order its path names (a query, a close): the
 * path's out_trade_no is one (else 400), and the rest of the request
 * (what: its query string, its body) passes check. false when refused. */
static bool order_request(struct srv_req *rq, struct srv_resp *rs,
			  bool (*check)(const struct psim_cfg *, const char *, struct v3_fail *),
			  const char *what)
{
	struct v3_fail f;

	if (!v3_trade_no_ok(rq->param)) {
		refuse(rs, 400, "PARAM_ERROR", "out_trade_no must be 6 to 32 of [0-9A-Za-z_*-]");
		return false;
	}
	if (check(rq->ps->cfg, what, &f))
		return true;
	srv_refuse(rs, &f);
	return false;
}

/* POST /v3/pay/transactions/native */
static void v3_create_order(struct srv_req *rq, struct srv_resp *rs)
{
	struct book_order o;
	struct v3_fail f;
	char *content = NULL;
	bool created = false;
	ca_err e;

	if (!v3_create(rq->ps->cfg, rq->body, rq->now_ms, &o, &content, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	e = books_create(rq->ps->books, &o, content, notify_body, rq->ps, &created);
	free(content);
	if (e == CA_ERR_CONFLICT)
		refuse(rs, 400, "OUT_TRADE_NO_USED", "out_trade_no was used before with other "
		       "content");
	else if (e == CA_ERR_TOO_LONG)
		refuse(rs, 403, "RULE_LIMIT", "the simulator's books are full (--max-orders)");
	else if (!e)
		srv_reply(rs, 200, json_pack("{s:s+}", "code_url", CODE_URL_PREFIX, o.code));
	if (!e && created)
		notifier_kick(rq->ps->notifier);
}

/* GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid= */
static void v3_query_order(struct srv_req *rq, struct srv_resp *rs)
{
	struct book_order o;
	ca_err e;

	if (!order_request(rq, rs, v3_query, rq->query))
		return;
	e = books_order(rq->ps->books, rq->param, &o);
	if (e == CA_ERR_NOT_FOUND)
		refuse(rs, 404, "ORDER_NOT_EXIST", "no such order");
	else if (!e)
		srv_reply(rs, 200, wire_order(&o));
}

/* POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close */
static void v3_close_order(struct srv_req *rq, struct srv_resp *rs)
{
	ca_err e;

	if (!order_request(rq, rs, v3_close, rq->body))
		return;
	e = books_close_order(rq->ps->books, rq->param, rq->now_ms);
	if (e == CA_ERR_NOT_FOUND)
		refuse(rs, 404, "ORDER_NOT_EXIST", "no such order");
	else if (e == CA_ERR_FORBIDDEN)
		refuse(rs, 400, "ORDERPAID", "the order is paid: it cannot be closed");
	else if (!e)
		srv_reply(rs, 204, NULL);
}

/* POST /v3/refund/domestic/refunds */
static void v3_refund_order(struct srv_req *rq, struct srv_resp *rs)
{
	static const struct {
		int status;
		const char *code, *message;
	} answers[] = {
		[BOOKS_REFUND_UNKNOWN] = { 404, "ORDER_NOT_EXIST", "no such order" },
		[BOOKS_REFUND_OTHER] = { 400, "INVALID_REQUEST", "out_refund_no was used for "
					 "another order" },
		[BOOKS_REFUND_UNPAID] = { 400, "INVALID_REQUEST", "the order was never paid" },
		[BOOKS_REFUND_TOTAL] = { 400, "PARAM_ERROR", "amount.total is not the order's "
					 "total" },
		[BOOKS_REFUND_TOO_MUCH] = { 400, "NOT_ENOUGH", "more than is left of the "
					    "payment" },
		[BOOKS_REFUND_TOO_MANY] = { 403, "RULE_LIMIT", "the order has had 50 refunds" },
	};
	struct book_refund r;
	struct book_order o;
	enum books_refund res;
	struct v3_fail f;
	char id[PSIM_ID_MAX + 1];

	if (!v3_refund(rq->body, rq->now_ms, &r, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	id[0] = '5';
	id[1] = '0';
	if (wire_random(id + 2, 27, true) ||
	    books_refund(rq->ps->books, &r, id, &o, &res))
		return;
	if (res == BOOKS_REFUND_NEW || res == BOOKS_REFUND_SAME)
		srv_reply(rs, 200, wire_refund(&r));
	else
		refuse(rs, answers[res].status, answers[res].code, answers[res].message);
}

/* GET /v3/refund/domestic/refunds/{out_refund_no} */
static void v3_refund_query(struct srv_req *rq, struct srv_resp *rs)
{
	struct book_refund r;
	ca_err e = books_refund_get(rq->ps->books, rq->param, &r);

	if (e == CA_ERR_NOT_FOUND)
		refuse(rs, 404, "RESOURCE_NOT_EXISTS", "no such refund");
	else if (!e)
		srv_reply(rs, 200, wire_refund(&r));
}

/* POST /sim/pay {"code_url"}: the customer pays. */
static void sim_pay(struct srv_req *rq, struct srv_resp *rs)
{
	static const struct {
		const char *code, *message;
	} refusals[] = {
		[BOOKS_PAY_CLOSED] = { "ORDERCLOSED", "the order is closed" },
		[BOOKS_PAY_PAID] = { "ORDERPAID", "the order is paid already" },
		[BOOKS_PAY_EXPIRED] = { "ORDER_EXPIRED", "the order is past its time_expire" },
	};
	json_t *j = json_loads(rq->body, JSON_REJECT_DUPLICATES, NULL);
	const char *url = json_string_value(json_object_get(j, "code_url"));
	char txid[29], openid[29], t[WIRE_TIME_MAX];
	size_t plen = strlen(CODE_URL_PREFIX);
	struct book_order o;
	enum books_pay res;

	if (!url) {
		refuse(rs, 400, "PARAM_ERROR", "the body must be {\"code_url\": \"...\"}");
	} else if (strncmp(url, CODE_URL_PREFIX, plen) || strlen(url + plen) != BOOKS_CODE_LEN) {
		refuse(rs, 404, "ORDER_NOT_EXIST", "no order has this code_url");
	} else if (!wire_random(txid + 4, 24, true) && !wire_random(openid + 1, 27, false)) {
		memcpy(txid, "4200", 4);
		openid[0] = 'o';
		if (books_pay(rq->ps->books, url + plen, rq->now_ms, txid, openid, notify_body,
			      rq->ps, &o, &res)) {
			json_decref(j);
			return;
		}
		if (res == BOOKS_PAY_UNKNOWN) {
			refuse(rs, 404, "ORDER_NOT_EXIST", "no order has this code_url");
		} else if (res != BOOKS_PAY_OK) {
			refuse(rs, 403, refusals[res].code, refusals[res].message);
		} else {
			wire_time(o.success_ms, t);
			srv_reply(rs, 200, json_pack("{s:s, s:s, s:s, s:I}", "out_trade_no",
						     o.out_trade_no, "trade_state", "SUCCESS",
						     "success_time", t, "amount_fen",
						     (json_int_t)o.total));
			notifier_kick(rq->ps->notifier);
		}
	}
	json_decref(j);
}

/* The faults now, as /sim/fault and /sim/state show them. */
static json_t *faults(struct psim *ps)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:b, s:i, s:b}", "create_fail",
			 atomic_load(&ps->fail_create), "query_fail", atomic_load(&ps->fail_query),
			 "close_fail", atomic_load(&ps->fail_close), "refund_fail",
			 atomic_load(&ps->fail_refund), "notify_hold", atomic_load(&ps->notify_hold),
			 "bank_query_fail", atomic_load(&ps->fail_bank_query), "bank_notify_hold",
			 atomic_load(&ps->bank_notify_hold));
}

/* POST /sim/fault {"close_fail": N, ...}: checked whole, then applied. */
static void sim_fault(struct srv_req *rq, struct srv_resp *rs)
{
	static const char *const names[] = { "create_fail", "query_fail", "close_fail",
					     "refund_fail", "bank_query_fail" };
	struct psim *ps = rq->ps;
	atomic_int *counts[] = { &ps->fail_create, &ps->fail_query, &ps->fail_close,
				 &ps->fail_refund, &ps->fail_bank_query };
	json_t *j = json_loads(rq->body, JSON_REJECT_DUPLICATES, NULL), *v;
	const char *key;
	size_t i;

	if (!json_is_object(j)) {
		refuse(rs, 400, "PARAM_ERROR", "the body is not a JSON object");
		json_decref(j);
		return;
	}
	json_object_foreach(j, key, v) {
		for (i = 0; i < 5 && strcmp(key, names[i]); i++)
			;
		if (i < 5 ? !json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > FAULT_MAX
			  : (strcmp(key, "notify_hold") && strcmp(key, "bank_notify_hold")) ||
			    !json_is_boolean(v)) {
			refuse(rs, 400, "PARAM_ERROR", "the faults are create_fail, query_fail, "
			       "close_fail, refund_fail, bank_query_fail (0..100), notify_hold and "
			       "bank_notify_hold (true, false)");
			json_decref(j);
			return;
		}
	}
	for (i = 0; i < 5; i++)
		if ((v = json_object_get(j, names[i])))
			atomic_store(counts[i], (int)json_integer_value(v));
	if ((v = json_object_get(j, "notify_hold")))
		atomic_store(&ps->notify_hold, json_is_true(v));
	if ((v = json_object_get(j, "bank_notify_hold")))
		atomic_store(&ps->bank_notify_hold, json_is_true(v));
	notifier_kick(ps->notifier);
	json_decref(j);
	srv_reply(rs, 200, faults(ps));
}

/* GET /sim/orders/{out_trade_no} */
static void sim_order(struct srv_req *rq, struct srv_resp *rs)
{
	json_t *j = NULL;
	ca_err e = books_order_books(rq->ps->books, rq->param, &j);

	if (e == CA_ERR_NOT_FOUND)
		refuse(rs, 404, "ORDER_NOT_EXIST", "no such order");
	else if (!e)
		srv_reply(rs, 200, j);
}

/* GET /sim/state */
static void sim_state(struct srv_req *rq, struct srv_resp *rs)
{
	json_t *j = NULL;

	if (!books_state(rq->ps->books, &j)) {
		json_object_set_new(j, "faults", faults(rq->ps));
		srv_reply(rs, 200, j);
	}
}

const struct srv_route srv_routes[] = {
	{ "POST", "/v3/pay/transactions/native", SRV_V3, SRV_FAULT_CREATE, v3_create_order },
	{ "GET", "/v3/pay/transactions/out-trade-no/*", SRV_V3, SRV_FAULT_QUERY, v3_query_order },
	{ "POST", "/v3/pay/transactions/out-trade-no/*/close", SRV_V3, SRV_FAULT_CLOSE,
	  v3_close_order },
	{ "POST", "/v3/refund/domestic/refunds", SRV_V3, SRV_FAULT_REFUND, v3_refund_order },
	{ "GET", "/v3/refund/domestic/refunds/*", SRV_V3, SRV_FAULT_NONE, v3_refund_query },
	{ "POST", "/gateway/api/frontTransReq.do", SRV_GATEWAY, SRV_FAULT_NONE, gateway_front },
	{ "POST", "/gateway/pay", SRV_GATEWAY, SRV_FAULT_NONE, gateway_pay },
	{ "POST", "/gateway/api/queryTrans.do", SRV_GATEWAY, SRV_FAULT_BANK_QUERY, gateway_query },
	{ "POST", "/gateway/api/backTransReq.do", SRV_GATEWAY, SRV_FAULT_NONE, gateway_back },
	{ "POST", "/sim/pay", SRV_SIM, SRV_FAULT_NONE, sim_pay },
	{ "POST", "/sim/fault", SRV_SIM, SRV_FAULT_NONE, sim_fault },
	{ "GET", "/sim/orders/*", SRV_SIM, SRV_FAULT_NONE, sim_order },
	{ "GET", "/sim/state", SRV_SIM, SRV_FAULT_NONE, sim_state },
};
const size_t srv_nroutes = sizeof(srv_routes) / sizeof(srv_routes[0]);
