/*
 * auth.h - what a request to the platform must carry before it is read
 * (docs/taxsim.md, Signing): X-Tax-App-Id naming the taxpayer's app,
 * X-Tax-Timestamp within TSIM_SKEW_S of the platform's clock, a nonce not
 * seen in that window, and X-Tax-Signature, the app secret's HMAC over
 * the request (taxplat_sign). Every refusal says why in a struct
 * tsim_fail: the HTTP status, the platform's code and a message.
 *
 * The nonces of the window are kept in a bounded cache: when it holds its
 * limit of live nonces a new request is refused (429 NONCE_CACHE_FULL)
 * rather than a live nonce forgotten, so a replay is never taken.
 */
#ifndef TSIM_AUTH_H
#define TSIM_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsim.h"

#define TSIM_NONCE_MIN 16 /* a nonce's length in characters ... */
#define TSIM_NONCE_MAX 64 /* ... [0-9A-Za-z] */

/* Why a request is refused. */
struct tsim_fail {
	int status;        /* 400, 401, 403, 404, 409, 413, 429, 500 */
	const char *code;  /* "SIGNATURE_INVALID", ... (static) */
	char message[240]; /* English, for the answer and the log */
};

/* Fill f and return false (the checks' "refuse" exit). */
bool tsim_refuse(struct tsim_fail *f, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The four headers of a request as they came (NULL: missing). */
struct auth_headers {
	const char *app_id, *timestamp, *nonce, *signature;
};

/* A cache of at most cap nonces (NULL: no memory); free with nonces_free. */
struct nonces *nonces_new(int cap);
void nonces_free(struct nonces *nc);

/* How many live nonces it holds at now_ms. */
int nonces_held(struct nonces *nc, int64_t now_ms);

/* Whether request (method, target as sent, body of len bytes) carries the
 * app's valid signature at now_ms; its nonce remembered once the
 * signature holds. false with f filled. */
bool auth_request(const struct tsim_cfg *cfg, struct nonces *nc, const struct auth_headers *h,
		  const char *method, const char *target, const char *body, size_t len,
		  int64_t now_ms, struct tsim_fail *f);

#endif
