/*
 * payprov.h - the payment provider interface (docs/hub.md, Payments).
 *
 * A provider is a small table of functions, one per payment method the
 * hub is configured with ([pay] in hub.ini): WeChat Pay API v3 (wxpay.h)
 * and the bank gateway (bankpay.h). Create an order (it answers the
 * code_url), query it, close it, refund it. Every call is a round trip to
 * the provider over HTTPS: callers never hold a store transaction across
 * one. What the provider decides comes back through query and, on its own
 * schedule, through notifications the provider POSTs to the hub (pay.c):
 * LATE and MORE THAN ONCE, as real providers deliver them. The receiver is
 * idempotent and answers an error to have one delivered again.
 *
 * The providers speak to real services; tests and the demo point them at
 * ca-paysim (tools/paysim, docs/paysim.md), a separate process that checks
 * every byte as the real ones do.
 */
#ifndef HUB_PAYPROV_H
#define HUB_PAYPROV_H

#include <stddef.h>

#include "core/err.h"
#include "core/pay.h"

/* A payment provider. Calls are thread-safe. */
struct pay_provider {
	const char *name; /* for logs and the history's actor, e.g. "wechatpay_v3" */
	/* Register order o (NOTPAY; number, amount, expiry decided by the
	 * merchant). bank: the bank id for PAY_BANK, else NULL. base_url: the
	 * hub's URL for pages it serves. code_url (size n) gets the URL. */
	ca_err (*create)(struct pay_provider *p, const struct pay_order *o, const char *bank,
			 const char *base_url, char *code_url, size_t n);
	/* The order as the provider knows it. CA_ERR_NOT_FOUND when unknown. */
	ca_err (*query)(struct pay_provider *p, const char *out_trade_no, struct pay_order *out);
	/* Close an unpaid order (idempotent). CA_ERR_CONFLICT: it was paid
	 * (ORDERPAID); CA_ERR_NOT_FOUND; CA_ERR_IO: the provider failed. */
	ca_err (*close)(struct pay_provider *p, const char *out_trade_no);
	/* Refund a paid order in full (idempotent). CA_ERR_FORBIDDEN when it
	 * was never paid. */
	ca_err (*refund)(struct pay_provider *p, const char *out_trade_no);
	const char *url; /* where it answers ([wechatpay] api_url, [bank] gateway_url) */
};

#endif
