/*
 * auth.c - a request's signature, time and nonce (see auth.h).
 *
 * Where to start reading: auth_request(); the order of its checks is the
 * order of the refusals in docs/taxsim.md.
 */
#include "auth.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/taxplat.h"

#define NONCE_SET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* One nonce seen, and when. */
struct seen {
	int64_t at_ms;
	char text[TSIM_NONCE_MAX + 1];
};

/* The nonces of the window in the order they came: a ring, oldest at head. */
struct nonces {
	pthread_mutex_t mu;
	struct seen *ring;
	int cap, head, n;
};

bool tsim_refuse(struct tsim_fail *f, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	f->status = status;
	f->code = code;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return false;
}

struct nonces *nonces_new(int cap)
{
	struct nonces *nc = cap > 0 ? calloc(1, sizeof(*nc)) : NULL;

	if (nc && !(nc->ring = calloc((size_t)cap, sizeof(*nc->ring)))) {
		free(nc);
		return NULL;
	}
	if (nc) {
		nc->cap = cap;
		pthread_mutex_init(&nc->mu, NULL);
	}
	return nc;
}

void nonces_free(struct nonces *nc)
{
	if (!nc)
		return;
	pthread_mutex_destroy(&nc->mu);
	free(nc->ring);
	free(nc);
}

/* Forget the nonces older than the window (the lock held). */
static void expire(struct nonces *nc, int64_t now_ms)
{
	while (nc->n && now_ms - nc->ring[nc->head].at_ms >= TSIM_SKEW_S * 1000LL) {
		nc->head = (nc->head + 1) % nc->cap;
		nc->n--;
	}
}

int nonces_held(struct nonces *nc, int64_t now_ms)
{
	int n;

	pthread_mutex_lock(&nc->mu);
	expire(nc, now_ms);
	n = nc->n;
	pthread_mutex_unlock(&nc->mu);
	return n;
}

/* Take nonce at now_ms: false with f filled when it is live already or the
 * cache is full of live ones. */
static bool take_nonce(struct nonces *nc, const char *nonce, int64_t now_ms, struct tsim_fail *f)
{
	bool ok = true;
	int i;

	pthread_mutex_lock(&nc->mu);
	expire(nc, now_ms);
	for (i = 0; ok && i < nc->n; i++)
		if (!strcmp(nc->ring[(nc->head + i) % nc->cap].text, nonce))
			ok = tsim_refuse(f, 401, "NONCE_REPLAYED", "X-Tax-Nonce was used in the "
					 "last %d s (a replay)", TSIM_SKEW_S);
	if (ok && nc->n == nc->cap)
		ok = tsim_refuse(f, 429, "NONCE_CACHE_FULL", "%d requests in %d s: the platform's "
				 "nonce cache is full", nc->cap, TSIM_SKEW_S);
	if (ok) {
		struct seen *s = &nc->ring[(nc->head + nc->n) % nc->cap];

		s->at_ms = now_ms;
		snprintf(s->text, sizeof(s->text), "%s", nonce);
		nc->n++;
	}
	pthread_mutex_unlock(&nc->mu);
	return ok;
}

/* A decimal of at most 12 digits into *v. */
static bool decimal(const char *s, int64_t *v)
{
	size_t n = strspn(s, "0123456789");

	if (!n || n > 12 || s[n])
		return false;
	*v = strtoll(s, NULL, 10);
	return true;
}

bool auth_request(const struct tsim_cfg *cfg, struct nonces *nc, const struct auth_headers *h,
		  const char *method, const char *target, const char *body, size_t len,
		  int64_t now_ms, struct tsim_fail *f)
{
	char want[SIGN_HEX_LEN + 1];
	size_t nl = h->nonce ? strlen(h->nonce) : 0;
	int64_t ts;

	if (!h->app_id)
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", "no " TAXPLAT_H_APP);
	if (strcmp(h->app_id, cfg->app_id))
		return tsim_refuse(f, 401, "APP_ID_UNKNOWN", "no app %.64s here", h->app_id);
	if (!h->timestamp || !h->nonce || !h->signature)
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", "%s is missing", !h->timestamp
				   ? TAXPLAT_H_TIMESTAMP : !h->nonce ? TAXPLAT_H_NONCE
				   : TAXPLAT_H_SIGNATURE);
	if (!decimal(h->timestamp, &ts))
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", TAXPLAT_H_TIMESTAMP " is not "
				   "Unix seconds");
	if (nl < TSIM_NONCE_MIN || nl > TSIM_NONCE_MAX || strspn(h->nonce, NONCE_SET) != nl)
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", TAXPLAT_H_NONCE " must be %d to "
				   "%d of [0-9A-Za-z]", TSIM_NONCE_MIN, TSIM_NONCE_MAX);
	if (!sign_is_hex(h->signature, SIGN_HEX_LEN))
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", TAXPLAT_H_SIGNATURE " must be %d "
				   "lower-case hex digits", SIGN_HEX_LEN);
	if (ts * 1000 > now_ms + TSIM_SKEW_S * 1000LL || ts * 1000 < now_ms - TSIM_SKEW_S * 1000LL)
		return tsim_refuse(f, 401, "TIMESTAMP_EXPIRED", TAXPLAT_H_TIMESTAMP " is more "
				   "than %d s from the platform's clock", TSIM_SKEW_S);
	if (taxplat_sign(cfg->secret, method, target, ts, h->nonce, body, len, want))
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", "the request cannot be signed "
				   "(a newline in its target)");
	if (!sign_equal(want, h->signature))
		return tsim_refuse(f, 401, "SIGNATURE_INVALID", "the signature does not verify "
				   "with the app's secret");
	return take_nonce(nc, h->nonce, now_ms, f);
}
