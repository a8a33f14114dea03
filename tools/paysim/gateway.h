/*
 * gateway.h - ca-paysim's bank gateway, in the style of the UnionPay
 * online gateway 5.1.0 (web B2C consumption; docs/paysim.md, The bank
 * gateway): the customer's pages (frontTransReq.do, then the bank's page
 * and /gateway/pay, whose answer posts the signed result back to the
 * merchant's frontUrl), the server-to-server queryTrans.do and
 * backTransReq.do (refunds), and the signed back notification owed to
 * backUrl at each payment (delivered by notify.c). Every form is signed
 * and checked with src/hub/upsign.
 *
 * Off (every route 404) unless serve was given --bank-mer-id and the rest.
 */
#ifndef PSIM_GATEWAY_H
#define PSIM_GATEWAY_H

#include "books.h"
#include "server.h"

#define GATEWAY_ORDER_ID_MIN 8 /* orderId: 8..32 of [0-9A-Za-z] */
#define GATEWAY_BANK_MAX 16    /* issInsCode: 1..16 of [a-z] */
#define GATEWAY_FORM_TYPE "application/x-www-form-urlencoded;charset=UTF-8"

/* POST /gateway/api/frontTransReq.do: the customer's browser brings the
 * merchant's signed form; the answer is the bank's page. */
void gateway_front(struct srv_req *rq, struct srv_resp *rs);

/* POST /gateway/pay: the customer pays on the bank's page. */
void gateway_pay(struct srv_req *rq, struct srv_resp *rs);

/* POST /gateway/api/queryTrans.do: the merchant asks about an order. */
void gateway_query(struct srv_req *rq, struct srv_resp *rs);

/* POST /gateway/api/backTransReq.do: the merchant refunds (txnType 04). */
void gateway_back(struct srv_req *rq, struct srv_resp *rs);

/* The back notification of the paid order bo (a books_bank_body_fn, ctx
 * the struct psim): the signed form, url-encoded. */
char *gateway_notice_body(const struct bank_order *bo, void *ctx);

#endif
