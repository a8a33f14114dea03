/*
 * server.c - the simulator's HTTPS server (see server.h): serve() gets
 * each whole request from simhttp, dispatch() routes and checks it and
 * runs its handler, finish() counts and logs it, answer() signs it.
 *
 * Where to start reading: dispatch(), then answer().
 */
#include "server.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../simkit/simclock.h"
#include "books.h"
#include "core/clock.h"
#include "core/log.h"
#include "hub/wxsign.h"
#include "wire.h"

#define TAG "http"

void srv_reply(struct srv_resp *rs, int status, json_t *body)
{
	free(rs->text);
	rs->text = NULL;
	json_decref(rs->body);
	rs->status = status;
	rs->body = body;
}

void srv_reply_text(struct srv_resp *rs, int status, char *text, const char *ctype)
{
	srv_reply(rs, status, NULL);
	rs->text = text;
	rs->ctype = ctype;
	if (!text)
		rs->status = 0; /* out of memory: the dispatcher answers 500 */
}

void srv_refuse(struct srv_resp *rs, const struct sim_fail *f)
{
	srv_reply(rs, f->status, json_pack("{s:s, s:s}", "code", f->code, "message",
					   f->message));
	rs->code = f->code;
}

/* Take one of the injected failures of f, when any is left. */
static bool take_fault(struct psim *ps, enum srv_fault f)
{
	atomic_int *left = f == SRV_FAULT_CREATE ? &ps->fail_create
			   : f == SRV_FAULT_QUERY ? &ps->fail_query
			   : f == SRV_FAULT_CLOSE ? &ps->fail_close
			   : f == SRV_FAULT_REFUND ? &ps->fail_refund
			   : f == SRV_FAULT_BANK_QUERY ? &ps->fail_bank_query : NULL;

	return sim_take_fault(left);
}

/* How WeChat Pay refuses a request it cannot route. */
static const struct simhttp_words words = { "PARAM_ERROR", 400, "PARAM_ERROR", "NOT_FOUND" };

/* Route the whole request rq of ps and run its handler into rs. */
static void dispatch(struct psim *ps, struct simhttp_req *rq, struct srv_resp *rs,
		     const char **pattern)
{
	char param[SIM_TARGET_MAX + 1];
	const char *q = strchr(rq->target, '?');
	struct srv_req hq = { ps, rq->method, rq->target, q ? q + 1 : "", rq->body, NULL,
			      simclock_now_ms() };
	const struct srv_route *rt = NULL;
	struct sim_fail f;

	if (!rq->too_large && strlen(rq->body) != rq->len)
		sim_refuse(&f, 400, "PARAM_ERROR", "the body holds a NUL byte");
	else
		rt = simhttp_route(rq, srv_routes, srv_nroutes, sizeof(srv_routes[0]), &words,
				   param, &hq.param, &f);
	*pattern = rt ? rt->at.pattern : "(none)";
	if (!rt) {
		srv_refuse(rs, &f);
		return;
	}
	if (rt->kind == SRV_V3 &&
	    !v3_authenticate(ps->cfg, ps->nonces, rq->method, rq->target, rq->body,
			     simhttp_header(rq, "Authorization"), hq.now_ms, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	if (rt->kind == SRV_SIM && !simhttp_loopback(rq)) {
		sim_refuse(&f, 403, "FORBIDDEN", "/sim/ answers on loopback only");
		srv_refuse(rs, &f);
		return;
	}
	if (take_fault(ps, rt->fault)) {
		sim_refuse(&f, 500, "SYSTEM_ERROR", "an injected fault (/sim/fault)");
		srv_refuse(rs, &f);
		return;
	}
	rt->fn(&hq, rs);
	if (!rs->status) {
		sim_refuse(&f, 500, "SYSTEM_ERROR", "the simulator failed (see its log)");
		srv_refuse(rs, &f);
	}
}

/* Answer rq with rs, signed: Request-ID and, unless it is the bank
 * gateway's form or page (rs->ctype), the Wechatpay-* headers. */
static void answer(const struct psim_cfg *cfg, struct simhttp_req *rq, struct srv_resp *rs)
{
	char *text = rs->text ? rs->text : rs->body ? json_dumps(rs->body, JSON_COMPACT)
		     : strdup("");
	char ts[24], nonce[33], rid[33], sig[WXSIGN_SIG_MAX], *msg = NULL;
	const char *page[] = { "Content-Type", rs->ctype, "Request-ID", rid, NULL };
	const char *v3[] = {
		"Content-Type", "application/json; charset=utf-8", "Request-ID", rid, "Wechatpay-Timestamp", ts, "Wechatpay-Nonce", nonce,
		"Wechatpay-Serial", cfg->platform_id, "Wechatpay-Signature", sig,
		"Wechatpay-Signature-Type", WXSIGN_SCHEME, NULL,
	};

	rs->text = NULL; /* text is this function's now */
	if (!text || wire_random(nonce, 32, false) || wire_random(rid, 32, false)) {
		free(text);
		return;
	}
	if (rs->ctype) {
		simhttp_answer(rq, rs->status, text, page);
		return;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)(simclock_now_ms() / 1000));
	if (wxsign_answer_message(ts, nonce, text, &msg) ||
	    wxsign_sign(cfg->platform_key_pem, msg, strlen(msg), sig, NULL, 0)) {
		log_error(TAG, "an answer could not be signed");
		free(msg);
		free(text);
		return;
	}
	free(msg);
	simhttp_answer(rq, rs->status, text, rs->body ? v3 : v3 + 2); /* JSON, or none */
}

/* Answer rs, count and log a refusal, free rs. */
static void finish(struct psim *ps, struct simhttp_req *rq, const char *pattern,
		   struct srv_resp *rs)
{
	if (rs->code) {
		json_t *m = json_object_get(rs->body, "message");

		books_count_refusal(ps->books, rs->code);
		log_msg(rs->status >= 500 ? LOG_ERROR : LOG_WARN, TAG, "%s %s -> %d %s: %s",
			rq->method, pattern, rs->status, rs->code, m ? json_string_value(m) : "");
	} else {
		log_info(TAG, "%s %s -> %d %lldms", rq->method, pattern, rs->status,
			 (long long)(ca_mono_ms() - rq->t0_ms));
	}
	answer(ps->cfg, rq, rs);
	json_decref(rs->body);
	rs->body = NULL;
	free(rs->text);
	rs->text = NULL;
}

/* simhttp's serve function: one whole request. */
static void serve(void *arg, struct simhttp_req *rq)
{
	struct srv_resp rs = { 0 };
	const char *pattern;

	dispatch(arg, rq, &rs, &pattern);
	finish(arg, rq, pattern, &rs);
}

ca_err server_start(struct psim *ps, struct simhttp **out, char *err, size_t n)
{
	const struct simhttp_serve sv = { SIM_BODY_MAX, false, serve, ps };

	return simhttp_start(&ps->cfg->o, &sv, out, err, n);
}
