/*
 * v3check.h - what a WeChat Pay API v3 request must be before the
 * simulator acts on it (docs/paysim.md, the table of refusals): its
 * Authorization (scheme, merchant, serial, time, signature, a fresh
 * nonce), and the fields of each body. Every check says why in a struct
 * sim_fail (simauth.h): the HTTP status, WeChat Pay's code and a message.
 *
 * The nonces of the last five minutes are kept in simauth's bounded
 * cache: when it holds its limit of live nonces, a new request is refused
 * (429 FREQUENCY_LIMITED) rather than an old nonce forgotten, so a replay
 * is never taken.
 */
#ifndef PSIM_V3CHECK_H
#define PSIM_V3CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "../simkit/simauth.h"
#include "books.h"
#include "psim.h"

/* The Authorization header of a request (NULL: none) against the merchant
 * of cfg, the request's method, target (as sent: path and query) and
 * body, on the clock's now_ms. The nonce is remembered once the signature
 * holds. false with f filled when refused. */
bool v3_authenticate(const struct psim_cfg *cfg, struct simnonces *nc, const char *method,
		     const char *target, const char *body, const char *authorization,
		     int64_t now_ms, struct sim_fail *f);

/* Whether s is an out_trade_no: 6..32 of [0-9A-Za-z_*-]. */
bool v3_trade_no_ok(const char *s);

/* POST /v3/pay/transactions/native's body into o (request fields and
 * created_ms = now_ms) and its canonical content (*content, malloc'd; the
 * caller frees it) for the repeat check. */
bool v3_create(const struct psim_cfg *cfg, const char *body, int64_t now_ms,
	       struct book_order *o, char **content, struct sim_fail *f);

/* A close's body: {"mchid"}, the merchant's. */
bool v3_close(const struct psim_cfg *cfg, const char *body, struct sim_fail *f);

/* A query's query string: mchid=, the merchant's. */
bool v3_query(const struct psim_cfg *cfg, const char *query, struct sim_fail *f);

/* POST /v3/refund/domestic/refunds's body into r (created_ms = now_ms). */
bool v3_refund(const char *body, int64_t now_ms, struct book_refund *r, struct sim_fail *f);

#endif
