/*
 * bankpay.h - the payment provider "unionpay_gateway" for 个人网银: a bank
 * card gateway in the style of the UnionPay online gateway 5.1.0 (web B2C
 * consumption), as a merchant speaks it (docs/hub.md, Payments; the
 * gateway's side is docs/paysim.md, The bank gateway). The forms and their
 * signatures are upsign.h's.
 *
 * The hub's order rules (pay.h) see it through struct pay_provider:
 *
 *   create  no remote call: the QR code is the hub's page BASE/pay/bank/NO,
 *           whose signed form (bankpay_page) the customer's browser posts to
 *           the gateway's frontTransReq.do.
 *   query   queryTrans.do: respCode 00 with origRespCode 00 is SUCCESS;
 *           34 (no such paid order) is NOTPAY, or CLOSED once the hub's
 *           clock is BANKPAY_CLOSE_MARGIN_S past payTimeout (the gateway
 *           takes no payment after payTimeout, so 34 is then final).
 *   close   the gateway has no close: a query. SUCCESS is CA_ERR_CONFLICT
 *           (paid in the race); CLOSED as above is CA_OK; NOTPAY before
 *           then is CA_ERR_IO: the order stays open, outcome unknown, and
 *           the sweep asks again.
 *   refund  a query (for the payment's queryId and amount), then
 *           backTransReq.do txnType 04 of the whole amount with the refund
 *           orderId "R" + out_trade_no, the same on every retry, so that a
 *           retry never refunds twice.
 *
 * Every request is signed with the merchant key under its certId (the
 * merchant certificate's decimal serial); every answer is believed only
 * when it verifies with the gateway's certificate under gateway_cert_id
 * and is about this merchant and order. An answer that does not is no
 * answer (CA_ERR_IO). Calls take at most [bank] timeout_ms.
 */
#ifndef HUB_BANKPAY_H
#define HUB_BANKPAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/pay.h"
#include "db.h"
#include "hubcfg.h"
#include "payprov.h"

/* Where the back notification arrives (the path of [bank] notify_url). */
#define BANKPAY_NOTIFY_PATH "/v1/pay/notify/bank"
/* How far past payTimeout the hub's clock must be before a "no such paid
 * order" is final: room for a payment posted at the last instant and for
 * the two clocks' difference. */
#define BANKPAY_CLOSE_MARGIN_S 2
#define BANKPAY_ANSWER_MAX (64 * 1024) /* the largest answer read from the gateway */
#define BANKPAY_ERR_MAX 256            /* room for a reason */

struct bankpay;

/* The provider configured in c's [bank] section, reading orders' times
 * from db: reads and checks the key files (an RSA merchant key, its
 * certificate, the gateway's certificate or public key). CA_ERR_CONFIG
 * with the reason in err. */
ca_err bankpay_new(const struct hubcfg *c, struct hubdb *db, struct bankpay **out, char *err,
		   size_t errlen);

/* Its provider interface (borrowed, lives as long as b). */
struct pay_provider *bankpay_provider(struct bankpay *b);

/* Free it (the key wiped). bankpay_free(NULL) is fine. */
void bankpay_free(struct bankpay *b);

/*
 * The page GET /pay/bank/NO answers for order p (the hub's view) at now_s,
 * whose trade_state for the kiosk is state, in Simplified Chinese from the
 * catalog: the bank (bank_name), the amount, the time left, and while the
 * order can be paid the signed form to the gateway (frontUrl: page_url).
 * malloc'd into *html.
 */
ca_err bankpay_page(struct bankpay *b, const struct hubdb_pay *p, const char *bank_name,
		    const char *state, const char *page_url, int64_t now_s, char **html);

/*
 * A form from the gateway as it arrived (body, len bytes): the back
 * notification, or the result the browser brings back to frontUrl.
 * Checked (the gateway's certId and signature, this merchant, respCode
 * 00) and read: *o gets the order's number, SUCCESS, payment time and
 * amount. CA_ERR_FORBIDDEN when it is not the gateway's; CA_ERR_ARG when
 * it is signed but cannot be read or is not a payment of this merchant.
 * The reason in err.
 */
ca_err bankpay_notification(struct bankpay *b, const char *body, size_t len,
			    struct pay_order *o, char *err, size_t errlen);

#endif
