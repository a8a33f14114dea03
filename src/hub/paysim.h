/*
 * paysim.h - the payment provider interface, and the built-in simulator
 * shaped like WeChat Pay v3 Native (docs/api.md, Payments).
 *
 * A provider is a small table of functions (one backend now, a real
 * WeChat Pay or bank gateway later): create an order (it answers the
 * code_url), query it, close it, refund it. Every call stands for a round
 * trip to the provider: callers never hold a store transaction across one.
 * What the provider decides comes back through query and, on its own
 * schedule, through notifications delivered to the function given when the
 * provider was made: LATE and MORE THAN ONCE, as real providers deliver
 * them. The receiver must be idempotent and may answer an error, in which
 * case the notification is delivered again later.
 *
 * The simulator keeps its own books (the paysim_* tables behind db.h) and
 * applies the order rules of src/core/pay.h: the customer can pay until
 * time_expire on the HUB's clock (the virtual one when enabled), a close
 * of a paid order fails with CA_ERR_CONFLICT (ORDERPAID), a refund needs a
 * paid order. When the customer pays (paysim_customer_pay, i.e. `ca-hubctl
 * pay`), it owes the hub two notifications: one PAYSIM_NOTIFY_FIRST_S
 * seconds later and a duplicate PAYSIM_NOTIFY_AGAIN_S seconds later, both
 * on the hub clock; a delivery the hub refuses is retried with a growing
 * delay, PAYSIM_NOTIFY_TRIES times at most. A delivery thread sends what is
 * due, looking every PAYSIM_TICK_MS of real time.
 *
 * code_url: "weixin://wxpay/bizpayurl?pr=<7 random>" for WeChat; for the
 * bank method BASE/pay/bank/OUT_TRADE_NO, BASE being the hub's own URL.
 */
#ifndef HUB_PAYSIM_H
#define HUB_PAYSIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/pay.h"
#include "db.h"
#include "payprov.h"

#define PAYSIM_NOTIFY_FIRST_S 10 /* first notification after the payment */
#define PAYSIM_NOTIFY_AGAIN_S 30 /* the duplicate */
#define PAYSIM_NOTIFY_RETRY_S 15 /* a refused delivery: again after attempts x this */
#define PAYSIM_NOTIFY_TRIES 8    /* refused deliveries before the provider gives up */
#define PAYSIM_TICK_MS 100       /* how often the delivery thread looks */

/* Receives a notification: the order as the provider knows it (borrowed
 * for the call). CA_OK acknowledges it; anything else asks for a retry. */
typedef ca_err (*pay_notify_fn)(void *ctx, const struct pay_order *o);

struct paysim;

/* A simulator keeping its books in db, notifying fn(ctx, ...). No thread
 * runs until paysim_start(). NULL when out of memory. */
struct paysim *paysim_new(struct hubdb *db, pay_notify_fn fn, void *ctx);

/* Its provider interface (borrowed, lives as long as s). */
struct pay_provider *paysim_provider(struct paysim *s);

/* Start the delivery thread. */
ca_err paysim_start(struct paysim *s);

/* Stop and join the delivery thread, then free. paysim_free(NULL) is fine. */
void paysim_free(struct paysim *s);

/*
 * The customer pays out_trade_no at now_s (hub clock): NOTPAY and before
 * time_expire -> SUCCESS, and the notifications are owed. *o gets the
 * order as it is afterwards (also on CA_ERR_FORBIDDEN, so the caller can
 * say why: expired, closed, already paid). CA_ERR_NOT_FOUND when unknown.
 */
ca_err paysim_customer_pay(struct paysim *s, const char *out_trade_no, int64_t now_s,
			   struct pay_order *o);

/* Fault injection for tests: the next n close calls fail with CA_ERR_IO
 * (the provider's SYSTEMERROR). */
void paysim_fail_closes(struct paysim *s, int n);

/* The same for the next n query calls (the provider not answering). */
void paysim_fail_queries(struct paysim *s, int n);

/* The order in the simulator's own books, past any injected fault (for
 * the staff's view; not a provider call). CA_ERR_NOT_FOUND when unknown. */
ca_err paysim_peek(struct paysim *s, const char *out_trade_no, struct pay_order *out);

#endif
