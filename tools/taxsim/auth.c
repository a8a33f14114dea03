/*
 * auth.c - a request's signature, time and nonce (see auth.h).
 *
 * Where to start reading: auth_request(); the order of its checks is the
 * order of the refusals in docs/taxsim.md.
 */
#include "auth.h"

#include <stdlib.h>
#include <string.h>

#include "hub/taxplat.h"

#define NONCE_SET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* How the platform refuses a nonce. */
static const struct simnonce_words nonce_words = {
	TAXPLAT_H_NONCE, "300 s", "platform", "NONCE_REPLAYED", "NONCE_CACHE_FULL"
};

/* A decimal of at most 12 digits into *v. */
static bool decimal(const char *s, int64_t *v)
{
	size_t n = strspn(s, "0123456789");

	if (!n || n > 12 || s[n])
		return false;
	*v = strtoll(s, NULL, 10);
	return true;
}

bool auth_request(const struct tsim_cfg *cfg, struct simnonces *nc, const struct auth_headers *h,
		  const char *method, const char *target, const char *body, size_t len,
		  int64_t now_ms, struct sim_fail *f)
{
	char want[SIGN_HEX_LEN + 1];
	size_t nl = h->nonce ? strlen(h->nonce) : 0;
	int64_t ts;

	if (!h->app_id)
		return sim_refuse(f, 401, "SIGNATURE_INVALID", "no " TAXPLAT_H_APP);
	if (strcmp(h->app_id, cfg->app_id))
		return sim_refuse(f, 401, "APP_ID_UNKNOWN", "no app %.64s here", h->app_id);
	if (!h->timestamp || !h->nonce || !h->signature)
		return sim_refuse(f, 401, "SIGNATURE_INVALID", "%s is missing", !h->timestamp
				  ? TAXPLAT_H_TIMESTAMP : !h->nonce ? TAXPLAT_H_NONCE
				  : TAXPLAT_H_SIGNATURE);
	if (!decimal(h->timestamp, &ts))
		return sim_refuse(f, 401, "SIGNATURE_INVALID", TAXPLAT_H_TIMESTAMP " is not "
				  "Unix seconds");
	if (nl < TSIM_NONCE_MIN || nl > TSIM_NONCE_MAX || strspn(h->nonce, NONCE_SET) != nl)
		return sim_refuse(f, 401, "SIGNATURE_INVALID", TAXPLAT_H_NONCE " must be %d to "
				  "%d of [0-9A-Za-z]", TSIM_NONCE_MIN, TSIM_NONCE_MAX);
	if (!sign_is_hex(h->signature, SIGN_HEX_LEN))
		return sim_refuse(f, 401, "SIGNATURE_INVALID", TAXPLAT_H_SIGNATURE " must be %d "
				  "lower-case hex digits", SIGN_HEX_LEN);
	if (ts * 1000 > now_ms + TSIM_SKEW_S * 1000LL || ts * 1000 < now_ms - TSIM_SKEW_S * 1000LL)
		return sim_refuse(f, 401, "TIMESTAMP_EXPIRED", TAXPLAT_H_TIMESTAMP " is more "
				  "than %d s from the platform's clock", TSIM_SKEW_S);
	if (taxplat_sign(cfg->secret, method, target, ts, h->nonce, body, len, want))
		return sim_refuse(f, 401, "SIGNATURE_INVALID", "the request cannot be signed "
				  "(a newline in its target)");
	if (!sign_equal(want, h->signature))
		return sim_refuse(f, 401, "SIGNATURE_INVALID", "the signature does not verify "
				  "with the app's secret");
	return simnonces_take(nc, h->nonce, now_ms, &nonce_words, f);
}
