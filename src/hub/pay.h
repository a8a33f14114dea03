/*
 * pay.h (hub) - payments: the kiosk's endpoints (POST /v1/pay/orders, GET
 * /v1/pay/orders/OUT_TRADE_NO), the providers' notifications, the bank
 * page, the staff's view (GET /v1/admin/pay/OUT_TRADE_NO), and the
 * merchant-side rules that keep every payment and never take one twice
 * (docs/api.md, docs/hub.md).
 *
 * Each method has the provider [pay] names (payprov.h: WeChat Pay API v3,
 * the bank gateway) or none ("off": its orders are refused, 503). The hub
 * keeps its own view of each order (pay_orders, db.h) and learns the
 * provider's by querying it, by closing it at expiry and by
 * notifications. Every report is merged into the hub's view in one store
 * transaction, forward only (pay_state_advances):
 *
 *   - SUCCESS: if the application can still be paid, CA_ACT_PAY is applied
 *     to it in the same transaction as the order (a revision, so the feed
 *     carries it); otherwise the order is a duplicate payment, marked so
 *     durably, then refunded through the provider.
 *   - a close that the provider refuses as ORDERPAID means the customer
 *     paid in the race with the close: the payment is recorded as above.
 *   - a notification is only a hint: the hub queries the provider before
 *     it believes one, and a repeated one changes nothing.
 *   - a close that fails is followed by a query. While neither gets
 *     through (or the provider still says NOTPAY), an expired order stays
 *     NOTPAY here and the kiosk is answered CHECKING (pay_order_checking,
 *     core/pay.h): outcome unknown, never "expired"; no new order of its
 *     application is made meanwhile; the sweep keeps trying.
 *
 * Orders past time_expire are closed when a kiosk polls them, when a new
 * order of the same application is made, and by a sweep thread every
 * HUBPAY_SWEEP_MS, which also retries closes and queries that failed and
 * refunds that failed.
 */
#ifndef HUB_PAY_H
#define HUB_PAY_H

#include "core/err.h"
#include "core/pay.h"
#include "http.h"
#include "hubcfg.h"
#include "payprov.h"

#define HUBPAY_SWEEP_MS 500 /* real time between sweeps */

struct hub;
struct hubpay;

/* The payments module of hub, with the providers [pay] names (their key
 * files read and checked: CA_ERR_CONFIG, logged, when they are not). No
 * thread runs until hubpay_start(). */
ca_err hubpay_new(struct hub *hub, struct hubpay **out);

/* Start the sweep thread. */
ca_err hubpay_start(struct hubpay *hp);

/* Stop and join the threads, then free. Before the store closes.
 * hubpay_free(NULL) is fine. */
void hubpay_free(struct hubpay *hp);

/* For in-process harnesses (the fuzzer) only: p (borrowed, outliving hp)
 * becomes the provider of method m, in place of what [pay] configured.
 * Call before any request. */
void hubpay_use_provider(struct hubpay *hp, enum pay_method m, struct pay_provider *p);

/*
 * The paid order of application app_id, in the caller's open transaction,
 * is marked owed back (applied_rev 0, as a duplicate is): its number into
 * no. CA_ERR_NOT_FOUND when the application has no applied payment. After
 * the commit, hubpay_refund() gives the money back; if that fails the
 * sweep does it (docs/hub.md, Payments).
 */
ca_err hubpay_refund_due(struct hubpay *hp, const char *app_id, char no[PAY_TRADE_NO_MAX + 1]);

/* Refund order no (owed back) through the provider and record it. */
ca_err hubpay_refund(struct hubpay *hp, const char *no);

/* Register the payment routes (kiosk, admin, bank page); in production
 * mode without the simulated customer and faults (api_add_sim_routes). */
ca_err api_pay_register(struct http *h, enum hub_mode mode);

#endif
