/*
 * wxpay.h - the payment provider "wechatpay_v3": WeChat Pay API v3, Native
 * payment, as a merchant speaks it (docs/hub.md, Payments; the provider's
 * side is docs/paysim.md).
 *
 * The hub's order rules (pay.h) see it through struct pay_provider:
 *
 *   create  POST /v3/pay/transactions/native: appid, mchid, description,
 *           out_trade_no, time_expire (+08:00), notify_url, amount in fen;
 *           code_url from the answer.
 *   query   GET /v3/pay/transactions/out-trade-no/NO?mchid=MCHID.
 *   close   POST /v3/pay/transactions/out-trade-no/NO/close: 204; ORDERPAID
 *           is CA_ERR_CONFLICT (paid in the race with the close).
 *   refund  POST /v3/refund/domestic/refunds, the whole amount, with the same
 *           out_refund_no ("R" + out_trade_no) on every retry, so that a retry
 *           never refunds twice.
 *
 * Every request is signed with the merchant key (wxsign.h); every answer
 * is believed only when its Wechatpay-* headers verify with WeChat Pay's
 * public key within WXSIGN_SKEW_S of the hub's clock. An answer that does
 * not verify is no answer (CA_ERR_IO): the outcome stays unknown and the
 * hub asks again, it never acts on it. Calls block for at most the
 * configured timeout; callers hold no store transaction across one.
 *
 * Notifications (POST to notify_url) are checked and opened by
 * wxpay_notification(); pay.c answers them.
 */
#ifndef HUB_WXPAY_H
#define HUB_WXPAY_H

#include <stddef.h>

#include "core/err.h"
#include "core/pay.h"
#include "hubcfg.h"
#include "payprov.h"

/* Where notifications arrive (the path of [wechatpay] notify_url). */
#define WXPAY_NOTIFY_PATH "/v1/pay/notify/wechatpay"
#define WXPAY_ANSWER_MAX (256 * 1024) /* the largest answer read from the provider */
#define WXPAY_ERR_MAX 256            /* room for a reason */

struct wxpay;

/* The provider configured in c's [wechatpay] section: reads and checks the
 * key files (an RSA merchant key, a 32-byte APIv3 key, WeChat Pay's RSA
 * public key or platform certificate). CA_ERR_CONFIG with the reason in
 * err. */
ca_err wxpay_new(const struct hubcfg *c, struct wxpay **out, char *err, size_t errlen);

/* Its provider interface (borrowed, lives as long as w). */
struct pay_provider *wxpay_provider(struct wxpay *w);

/* Free it (the key material wiped). wxpay_free(NULL) is fine. */
void wxpay_free(struct wxpay *w);

/*
 * A notification as it arrived: the Wechatpay-Timestamp, -Nonce,
 * -Signature and -Serial headers (NULL when missing) and the body. Checked
 * (wxsign_check_answer: time, serial, probe, signature), its resource
 * opened (AEAD_AES_256_GCM with the APIv3 key) and read: *o gets the
 * order's number, state, payment time and amount. CA_ERR_FORBIDDEN when it
 * is not the provider's (a probe included); CA_ERR_ARG when it is signed
 * but cannot be read or is about another merchant. The reason in err.
 */
ca_err wxpay_notification(struct wxpay *w, const char *ts, const char *nonce,
			  const char *sig, const char *serial, const char *body,
			  struct pay_order *o, char *err, size_t errlen);

#endif
