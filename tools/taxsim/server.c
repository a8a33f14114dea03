/*
 * server.c - the platform's HTTPS server (see server.h): serve() gets
 * each whole request from simhttp (a thread per connection), dispatch()
 * routes and checks it, runs its handler and applies the injected faults,
 * finish() counts and logs it, answer() signs it.
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
#include "hub/taxplat.h"

#define TAG "http"
#define STALE_S 600   /* a "stale" fault signs the answer this long ago */
#define HOLD_STEP_MS 10

/* How an answer leaves: signed, or spoiled by an injected fault. */
enum sealing {
	SEAL_SIGNED,    /* as the platform signs */
	SEAL_NONE,      /* no signature: the request named no app of ours */
	SEAL_BAD,       /* /sim/fault bad_signature */
	SEAL_UNSIGNED,  /* /sim/fault unsigned */
	SEAL_STALE,     /* /sim/fault stale */
};

void srv_reply(struct srv_resp *rs, int status, json_t *body)
{
	free(rs->text);
	rs->text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	rs->status = rs->text ? status : 0;
	json_decref(body);
}

void srv_reply_text(struct srv_resp *rs, char *text)
{
	free(rs->text);
	rs->text = text;
	rs->status = text ? 200 : 0;
}

void srv_refuse(struct srv_resp *rs, const struct sim_fail *f)
{
	srv_reply(rs, f->status, json_pack("{s:s, s:s}", "code", f->code, "message", f->message));
	rs->code = f->code;
}

/* Hold an answer ms, or until the simulator stops. */
static void hold(struct tsim *ts, int ms)
{
	int64_t until = ca_mono_ms() + ms;

	while (!atomic_load(&ts->stopping) && ca_mono_ms() < until)
		ca_sleep_ms(HOLD_STEP_MS);
}

/* After an issuing handler answered 200: the faults that spoil its answer. */
static enum sealing after_faults(struct tsim *ts)
{
	if (sim_take_fault(&ts->hang)) {
		log_warn(TAG, "an injected fault: the answer is held %d ms",
			 atomic_load(&ts->hang_ms));
		hold(ts, atomic_load(&ts->hang_ms));
	}
	if (sim_take_fault(&ts->bad_signature))
		return SEAL_BAD;
	if (sim_take_fault(&ts->unsigned_answer))
		return SEAL_UNSIGNED;
	if (sim_take_fault(&ts->stale))
		return SEAL_STALE;
	return SEAL_SIGNED;
}

/* How the platform refuses a request it cannot route. */
static const struct simhttp_words words = { "BODY_TOO_LARGE", 414, "TARGET_TOO_LONG",
					    "NO_ENDPOINT" };

/* Route the whole request rq of ts and run its handler into rs; how its
 * answer leaves into *seal. */
static void dispatch(struct tsim *ts, struct simhttp_req *rq, struct srv_resp *rs,
		     const char **pattern, enum sealing *seal)
{
	char param[SIM_TARGET_MAX + 1];
	const char *app = simhttp_header(rq, TAXPLAT_H_APP);
	struct auth_headers h = { app, simhttp_header(rq, TAXPLAT_H_TIMESTAMP),
				  simhttp_header(rq, TAXPLAT_H_NONCE),
				  simhttp_header(rq, TAXPLAT_H_SIGNATURE) };
	struct srv_req hq = { ts, rq->method, rq->target, rq->body, NULL, simclock_now_ms() };
	const struct srv_route *rt;
	struct sim_fail f;

	*seal = app && !strcmp(app, ts->cfg->app_id) ? SEAL_SIGNED : SEAL_NONE;
	rt = simhttp_route(rq, srv_routes, srv_nroutes, sizeof(srv_routes[0]), &words, param,
			   &hq.param, &f);
	*pattern = rt ? rt->at.pattern : "(none)";
	if (!rt) {
		srv_refuse(rs, &f);
		return;
	}
	if (rt->kind == SRV_SIM) {
		*seal = SEAL_SIGNED;
		if (!simhttp_loopback(rq)) {
			sim_refuse(&f, 403, "LOOPBACK_ONLY", "/sim/ answers on loopback only");
			srv_refuse(rs, &f);
			return;
		}
	} else if (!auth_request(ts->cfg, ts->nonces, &h, rq->method, rq->target, rq->body,
				 rq->len, hq.now_ms, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	if (strlen(rq->body) != rq->len) {
		sim_refuse(&f, 400, "PARAM_INVALID", "the body holds a NUL byte");
		srv_refuse(rs, &f);
		return;
	}
	if (rt->issuing && sim_take_fault(&ts->fail)) {
		sim_refuse(&f, 500, "SYSTEM_ERROR", "an injected fault (/sim/fault): nothing was "
			   "issued");
		srv_refuse(rs, &f);
		return;
	}
	rt->fn(&hq, rs);
	if (!rs->status) {
		sim_refuse(&f, 500, "SYSTEM_ERROR", "the platform failed (see its log)");
		srv_refuse(rs, &f);
	} else if (rt->issuing && rs->status == 200) {
		enum sealing spoil = after_faults(ts);

		if (spoil != SEAL_SIGNED)
			*seal = spoil;
	}
}

/* Answer rq with rs, sealed as seal says; its subject is the request's
 * nonce. */
static void answer(const struct tsim_cfg *cfg, struct simhttp_req *rq, struct srv_resp *rs,
		   enum sealing seal)
{
	const char *subject = simhttp_header(rq, TAXPLAT_H_NONCE);
	char *text = rs->text ? rs->text : strdup("");
	char ts[24], nonce[SIGN_NONCE_LEN + 1], sig[SIGN_HEX_LEN + 1], status[8];
	int64_t t = simclock_now_ms() / 1000 - (seal == SEAL_STALE ? STALE_S : 0);
	const char *hdrs[] = {
		"Content-Type", "application/json; charset=utf-8", TAXPLAT_H_APP, cfg->app_id,
		TAXPLAT_H_TIMESTAMP, ts, TAXPLAT_H_NONCE, nonce, TAXPLAT_H_SIGNATURE, sig, NULL,
	};

	rs->text = NULL; /* text is this function's now */
	if (!text)
		return;
	snprintf(ts, sizeof(ts), "%lld", (long long)t);
	snprintf(status, sizeof(status), "%03d", rs->status);
	if (seal != SEAL_NONE && seal != SEAL_UNSIGNED &&
	    (sign_nonce(nonce) || taxplat_sign(cfg->secret, status, subject ? subject : "", t,
					       nonce, text, strlen(text), sig)))
		seal = SEAL_NONE; /* a nonce too long to sign with: no signature */
	if (seal == SEAL_BAD)
		sig[7] = sig[7] == '0' ? '1' : '0';
	if (seal == SEAL_NONE || seal == SEAL_UNSIGNED)
		hdrs[4] = NULL; /* the app, no signature */
	simhttp_answer(rq, rs->status, text, hdrs);
}

/* Answer rs, count and log a refusal, free rs. */
static void finish(struct tsim *ts, struct simhttp_req *rq, const char *pattern,
		   struct srv_resp *rs, enum sealing seal)
{
	char name[64];

	if (rs->code) {
		snprintf(name, sizeof(name), "refused:%s", rs->code);
		books_count(ts->books, name);
		log_msg(rs->status >= 500 ? LOG_ERROR : LOG_WARN, TAG, "%s %s -> %d %s", rq->method,
			pattern, rs->status, rs->code);
	} else {
		log_info(TAG, "%s %s -> %d %lldms%s", rq->method, pattern, rs->status,
			 (long long)(ca_mono_ms() - rq->t0_ms), seal == SEAL_SIGNED ? ""
			 : " (an injected fault spoils its signature)");
	}
	answer(ts->cfg, rq, rs, seal);
	free(rs->text);
	rs->text = NULL;
}

/* simhttp's serve function: one whole request. */
static void serve(void *arg, struct simhttp_req *rq)
{
	struct srv_resp rs = { 0 };
	enum sealing seal;
	const char *pattern;

	dispatch(arg, rq, &rs, &pattern, &seal);
	finish(arg, rq, pattern, &rs, seal);
}

ca_err server_start(struct tsim *ts, struct simhttp **out, char *err, size_t n)
{
	const struct simhttp_serve sv = { SIM_BODY_MAX, true, serve, ts };

	return simhttp_start(&ts->cfg->o, &sv, out, err, n);
}
