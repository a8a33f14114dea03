/*
 * routes.c - the platform's endpoints (docs/taxsim.md): issuing a blue
 * invoice, reversing one with a red invoice, reading one back, signed and
 * checked by server.c before they run; and the simulator's own /sim/
 * endpoints (faults, the books of an invoice, the counters).
 *
 * Where to start reading: the table srv_routes[] at the end.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "books.h"
#include "core/log.h"
#include "einv.h"
#include "server.h"

#define TAG "taxsim"
#define FAULT_MAX 100
#define HANG_MS_MAX 60000

/* What an issuing request hands books_issue's make(). */
struct making {
	const struct tsim_cfg *cfg;
	const struct einv_request *blue;  /* a blue invoice's request, else NULL */
	const char *request_id;           /* a red one's */
	const char *reason;               /* a red one's */
	int64_t issued_s;                 /* now */
};

/* books_make_fn: the answer of the invoice about to get number. */
static char *make(const char *number, const char *original, void *ctx)
{
	const struct making *m = ctx;
	struct einvoice inv, blue;

	if (m->blue) {
		einv_make_blue(m->cfg, m->blue, number, m->issued_s, &inv);
		return einv_answer(&inv, m->blue->request_id);
	}
	if (!original || !einv_from_answer(original, &blue)) {
		log_error(TAG, "the books' answer of the invoice to reverse cannot be read");
		return NULL;
	}
	einv_make_red(&blue, number, m->issued_s, m->reason, &inv);
	return einv_answer(&inv, m->request_id);
}

/* Answer what books_issue did (the invoice in bi when it was issued). */
static void issued(struct srv_req *rq, struct srv_resp *rs, enum books_res res,
		   struct book_inv *bi)
{
	static const struct {
		int status;
		const char *code, *message;
	} refusals[] = {
		[BOOKS_CONFLICT] = { 409, "REQUEST_CONFLICT", "request_id was used before for "
				     "other content" },
		[BOOKS_NO_ORIGINAL] = { 404, "INVOICE_NOT_FOUND", "no invoice has this number" },
		[BOOKS_NOT_BLUE] = { 403, "NOT_REVERSIBLE", "a red invoice cannot be reversed" },
		[BOOKS_REVERSED] = { 403, "ALREADY_REVERSED", "the invoice is reversed already" },
		[BOOKS_FULL] = { 403, "BOOKS_FULL", "the platform's books are full "
				 "(--max-invoices)" },
	};
	struct tsim_fail f;

	if (res == BOOKS_NEW || res == BOOKS_SAME) {
		if (res == BOOKS_SAME)
			books_count(rq->ts->books, "repeats");
		log_info(TAG, "%s invoice %s (request %s)%s", bi->kind, bi->number, bi->request_id,
			 res == BOOKS_SAME ? ": the same request again" : "");
		srv_reply_text(rs, bi->answer);
		bi->answer = NULL;
		return;
	}
	tsim_refuse(&f, refusals[res].status, refusals[res].code, "%s", refusals[res].message);
	srv_refuse(rs, &f);
}

/* POST /v1/invoices */
static void issue_blue(struct srv_req *rq, struct srv_resp *rs)
{
	const struct tsim_cfg *cfg = rq->ts->cfg;
	struct einv_request req;
	struct making m = { cfg, &req, NULL, NULL, rq->now_ms / 1000 };
	struct book_request br = { req.request_id, NULL, NULL, rq->now_ms, cfg->province,
				   cfg->channel };
	struct book_inv bi = { 0 };
	enum books_res res;
	struct tsim_fail f;
	char *content = NULL;

	if (!einv_parse_blue(cfg, rq->body, &req, &content, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	br.content = content;
	if (!books_issue(rq->ts->books, &br, make, &m, &bi, &res))
		issued(rq, rs, res, &bi);
	book_inv_release(&bi);
	free(content);
}

/* Whether the path's number is one: 20 digits; else 400. */
static bool number_param(struct srv_req *rq, struct srv_resp *rs)
{
	struct tsim_fail f;

	if (strlen(rq->param) == EINV_NUMBER_LEN &&
	    strspn(rq->param, "0123456789") == EINV_NUMBER_LEN)
		return true;
	tsim_refuse(&f, 400, "PARAM_INVALID", "an invoice number is 20 digits");
	srv_refuse(rs, &f);
	return false;
}

/* POST /v1/invoices/{number}/red */
static void issue_red(struct srv_req *rq, struct srv_resp *rs)
{
	const struct tsim_cfg *cfg = rq->ts->cfg;
	char id[EINV_REQUEST_ID_MAX + 1], reason[TSIM_REASON_CHARS * 4 + 1], *content = NULL;
	struct making m = { cfg, NULL, id, reason, rq->now_ms / 1000 };
	struct book_request br = { id, NULL, rq->param, rq->now_ms, cfg->province, cfg->channel };
	struct book_inv bi = { 0 };
	enum books_res res;
	struct tsim_fail f;

	if (!number_param(rq, rs))
		return;
	if (!einv_parse_red(rq->param, rq->body, id, reason, &content, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	br.content = content;
	if (!books_issue(rq->ts->books, &br, make, &m, &bi, &res))
		issued(rq, rs, res, &bi);
	book_inv_release(&bi);
	free(content);
}

/* GET /v1/invoices/{number} */
static void get_invoice(struct srv_req *rq, struct srv_resp *rs)
{
	struct book_inv bi = { 0 };
	struct tsim_fail f;
	ca_err e;

	if (!number_param(rq, rs))
		return;
	e = books_get(rq->ts->books, rq->param, &bi);
	if (e == CA_ERR_NOT_FOUND) {
		tsim_refuse(&f, 404, "INVOICE_NOT_FOUND", "no invoice has this number");
		srv_refuse(rs, &f);
	} else if (!e) {
		srv_reply_text(rs, bi.answer);
		bi.answer = NULL;
	}
	book_inv_release(&bi);
}

/* The faults now, as /sim/fault and /sim/state show them. */
static json_t *faults(struct tsim *ts)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "fail", atomic_load(&ts->fail),
			 "hang", atomic_load(&ts->hang), "hang_ms", atomic_load(&ts->hang_ms),
			 "bad_signature", atomic_load(&ts->bad_signature), "unsigned",
			 atomic_load(&ts->unsigned_answer), "stale", atomic_load(&ts->stale));
}

/* POST /sim/fault {"fail": N, ...}: checked whole, then applied. */
static void sim_fault(struct srv_req *rq, struct srv_resp *rs)
{
	static const char *const names[] = { "fail", "hang", "bad_signature", "unsigned", "stale",
					     "hang_ms" };
	struct tsim *ts = rq->ts;
	atomic_int *counts[] = { &ts->fail, &ts->hang, &ts->bad_signature, &ts->unsigned_answer,
				 &ts->stale, &ts->hang_ms };
	json_t *j = json_loads(rq->body, JSON_REJECT_DUPLICATES, NULL), *v;
	struct tsim_fail f;
	const char *key;
	size_t i, n = sizeof(names) / sizeof(names[0]);

	json_object_foreach(j, key, v) {
		for (i = 0; i < n && strcmp(key, names[i]); i++)
			;
		if (i == n || !json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (i == n - 1 ? HANG_MS_MAX : FAULT_MAX))
			break;
	}
	if (!json_is_object(j) || key) {
		tsim_refuse(&f, 400, "PARAM_INVALID", "the faults are fail, hang, bad_signature, "
			    "unsigned, stale (0..%d issuing requests) and hang_ms (0..%d)",
			    FAULT_MAX, HANG_MS_MAX);
		srv_refuse(rs, &f);
		json_decref(j);
		return;
	}
	for (i = 0; i < n; i++)
		if ((v = json_object_get(j, names[i])))
			atomic_store(counts[i], (int)json_integer_value(v));
	json_decref(j);
	srv_reply(rs, 200, faults(ts));
}

/* GET /sim/invoices/{number}: the books of one invoice. */
static void sim_invoice(struct srv_req *rq, struct srv_resp *rs)
{
	struct book_inv bi = { 0 };
	struct tsim_fail f;
	ca_err e = books_get(rq->ts->books, rq->param, &bi);

	if (e == CA_ERR_NOT_FOUND) {
		tsim_refuse(&f, 404, "INVOICE_NOT_FOUND", "no invoice has this number");
		srv_refuse(rs, &f);
	} else if (!e) {
		srv_reply(rs, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "number",
					     bi.number, "kind", bi.kind, "original", bi.original,
					     "request_id", bi.request_id, "reversed_by",
					     bi.reversed_by, "issued_ms", (json_int_t)bi.issued_ms,
					     "request", json_loads(bi.content, 0, NULL), "answer",
					     json_loads(bi.answer, 0, NULL)));
	}
	book_inv_release(&bi);
}

/* GET /sim/state */
static void sim_state(struct srv_req *rq, struct srv_resp *rs)
{
	json_t *j = NULL;

	if (!books_state(rq->ts->books, &j)) {
		json_object_set_new(j, "faults", faults(rq->ts));
		json_object_set_new(j, "nonces", json_integer(nonces_held(rq->ts->nonces,
									   rq->now_ms)));
		srv_reply(rs, 200, j);
	}
}

const struct srv_route srv_routes[] = {
	{ "POST", "/v1/invoices", SRV_API, true, issue_blue },
	{ "POST", "/v1/invoices/*/red", SRV_API, true, issue_red },
	{ "GET", "/v1/invoices/*", SRV_API, false, get_invoice },
	{ "POST", "/sim/fault", SRV_SIM, false, sim_fault },
	{ "GET", "/sim/invoices/*", SRV_SIM, false, sim_invoice },
	{ "GET", "/sim/state", SRV_SIM, false, sim_state },
};
const size_t srv_nroutes = sizeof(srv_routes) / sizeof(srv_routes[0]);
