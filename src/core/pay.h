/*
 * pay.h - payment orders shaped like WeChat Pay v3 Native (docs/api.md, Payments), and
 * the kiosk's countdown. Pure logic: the hub's simulator and its payment
 * API keep orders in their store and call these to decide what may happen.
 *
 * An order is created with a code_url and a time_expire 300 s ahead on the
 * HUB's clock. Until then the customer can pay it (NOTPAY -> SUCCESS); at
 * expiry it is closed (NOTPAY -> CLOSED) and can no longer be paid. A close
 * of an order that was paid in the meantime fails with CA_ERR_CONFLICT (the
 * provider's ORDERPAID): the caller must then record the payment, never drop
 * it. A second paid order for an application already paid is refunded
 * (SUCCESS -> REFUND), so nobody pays twice.
 *
 * The kiosk derives its countdown from the hub's expiry and the hub's Date
 * header, measured with its own monotonic clock: never from its wall clock.
 */
#ifndef CA_PAY_H
#define CA_PAY_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "err.h"

#define PAY_ORDER_LIFE_S 300   /* seconds a QR code can be paid */
#define PAY_TRADE_NO_MAX 32    /* out_trade_no: 6..32 of [0-9A-Za-z_-|*] */
#define PAY_RFC3339_LEN 25     /* "2026-11-24T08:05:00+08:00" */

/* The provider's trade_state values we model. */
enum pay_state {
	PAY_NOTPAY,  /* open, not paid (not final) */
	PAY_SUCCESS, /* paid */
	PAY_CLOSED,  /* closed unpaid: expired or replaced */
	PAY_REFUND,  /* paid, then refunded (a duplicate payment) */
	PAY__N
};

enum pay_method {
	PAY_WECHAT, /* 微信支付: code_url is a weixin:// URL for the QR */
	PAY_BANK,   /* 个人网银: a bank page URL for the phone, same life */
	PAY_METHOD__N
};

/* One order as the provider keeps it. */
struct pay_order {
	char out_trade_no[PAY_TRADE_NO_MAX + 1]; /* merchant order number */
	char app_id[CA_UUID_LEN + 1];            /* the application paid for */
	enum pay_method method;                  /* how */
	int64_t amount_fen;                      /* amount, > 0 */
	int64_t created_s;                       /* hub clock, Unix s */
	int64_t expires_s;                       /* time_expire, Unix s */
	enum pay_state state;                    /* trade_state */
	int64_t paid_s;                          /* when paid, 0 if not */
};

/* "NOTPAY", "SUCCESS", "CLOSED", "REFUND"; and back (-1 if unknown). */
const char *pay_state_id(enum pay_state s);
int pay_state_from_id(const char *id);
/* "wechat", "bank"; and back (-1 if unknown). */
const char *pay_method_id(enum pay_method m);
int pay_method_from_id(const char *id);

/* Whether s is a valid out_trade_no (6..32 of [0-9A-Za-z_-|*]). */
bool pay_trade_no_valid(const char *s);

/*
 * A new open order for app_id at hub time now_ms: a fresh out_trade_no
 * ("CA" + YYYYMMDD of the hub clock in China time + 12 random capitals and
 * digits), created_s the second now_ms is in, expiry the next whole second
 * at or after now_ms + PAY_ORDER_LIFE_S: expiries are whole seconds
 * (time_expire) and the person always gets the full window, never 299.x s.
 * CA_ERR_ARG for a non-positive amount or a bad app id.
 */
ca_err pay_order_new(struct pay_order *o, const char *app_id,
		     enum pay_method method, int64_t amount_fen, int64_t now_ms);

/* Whether the order can no longer be paid at now_s (expiry reached). */
bool pay_order_expired(const struct pay_order *o, int64_t now_s);

/* The customer pays at now_s: NOTPAY and before expiry -> SUCCESS.
 * CA_ERR_FORBIDDEN when expired or not open (nothing changes). */
ca_err pay_order_pay(struct pay_order *o, int64_t now_s);

/* Close the order: NOTPAY -> CLOSED; CLOSED stays CLOSED (idempotent).
 * CA_ERR_CONFLICT when it was paid (SUCCESS or REFUND): record it. */
ca_err pay_order_close(struct pay_order *o);

/* Refund a paid order (a duplicate payment): SUCCESS -> REFUND; REFUND
 * stays. CA_ERR_FORBIDDEN when it was never paid. */
ca_err pay_order_refund(struct pay_order *o);

/*
 * Whether a party that last knew state from may move to state to when the
 * provider reports it: NOTPAY -> SUCCESS, CLOSED or REFUND; SUCCESS ->
 * REFUND; nothing else (final states never go back, and a closed order is
 * never paid). The hub merges every report (query, close, notification)
 * through this, so reports arriving late or out of order change nothing.
 */
bool pay_state_advances(enum pay_state from, enum pay_state to);

/* time_expire text for Unix seconds t, in China time: out gets
 * "YYYY-MM-DDThh:mm:ss+08:00". */
void pay_rfc3339(int64_t t, char out[PAY_RFC3339_LEN + 1]);

/* Parse an RFC 3339 time with a numeric offset or Z into *t (Unix s):
 * fractions of a second are dropped, a leap second (:60) is the second
 * after :59. CA_ERR_ARG when it is not one, a day the calendar does not
 * have (2026-02-29) included. The one reader of these times: the hub's
 * providers and ca-paysim (tools/paysim/wire.c) read them with it. */
ca_err pay_parse_rfc3339(const char *s, int64_t *t);

/* ---- kiosk side ---- */

/*
 * Milliseconds left to pay: expires_s on the hub's clock; hub_ms is the
 * hub's time of the response about the order (its "now_ms", or its Date
 * header * 1000), received when the kiosk's MONOTONIC clock read
 * local_at_ms; local_now_ms is that clock now. Never negative, never more
 * than PAY_ORDER_LIFE_S (an expiry rounded up to a whole second shows
 * 05:00, not 05:01).
 */
int64_t pay_remaining_ms(int64_t expires_s, int64_t hub_ms,
			 int64_t local_at_ms, int64_t local_now_ms);

/* "mm:ss" of the remaining time, rounded up to whole seconds (so a fresh
 * order shows 05:00, and 00:00 only when nothing is left). */
void pay_countdown_text(int64_t remaining_ms, char out[6]);

/*
 * The hub's answer about an order (docs/api.md) is its trade_state, or
 * PAY_CHECKING_ID while the outcome is unknown: the order is past its
 * expiry and the provider has not yet confirmed it closed or paid (a close
 * failed, or the query after it did). Not a provider state and never
 * stored: it is computed from the order and the clock (pay_order_checking).
 * The hub keeps closing and asking; the answer ends as SUCCESS or CLOSED.
 */
#define PAY_CHECKING_ID "CHECKING"

/* Whether the hub answers PAY_CHECKING_ID for o at now_s: o is still
 * NOTPAY in the hub's view and its expiry is reached. */
bool pay_order_checking(const struct pay_order *o, int64_t now_s);

/* What the payment screen shows. */
enum pay_view {
	PAY_VIEW_WAITING,  /* QR live, countdown running */
	PAY_VIEW_CHECKING, /* outcome unknown: no QR, no countdown, no 重新生成 */
	PAY_VIEW_PAID,     /* paid: success screen */
	PAY_VIEW_EXPIRED,  /* QR covered, 重新生成 offered */
};

/*
 * The view from the last state the hub reported, whether the hub said
 * "checking" (PAY_CHECKING_ID), and the time left. "Expired" is shown only
 * when the hub says CLOSED (final and unpaid): an open order whose time is
 * up, or one the hub is still checking, shows "checking" and is asked
 * again, so an order paid at the last second never shows as expired.
 */
enum pay_view pay_view_of(enum pay_state last, bool checking, int64_t remaining_ms);

#endif
