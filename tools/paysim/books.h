/*
 * books.h - the simulator's books in SQLite (DIR/paysim.db, WAL): orders,
 * refunds, the notifications owed and every delivery attempt, the
 * notify_urls already probed, and the refusals counted by code. A restart
 * keeps all of it; owed notifications are sent again from where they were.
 *
 * Every call is one transaction under the books' own lock, so a payment
 * and a close of one order are serialised and can never both win. Times
 * are Unix ms on the simulator's clock (simclock.h), given by the caller.
 * Text read back is copied into the structs below (the caller owns them).
 */
#ifndef PSIM_BOOKS_H
#define PSIM_BOOKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "psim.h"

#define BOOKS_CODE_LEN 7 /* the pr= part of a code_url */

/* One order, as created and as it is now. */
struct book_order {
	char out_trade_no[PSIM_ID_MAX + 1];        /* the merchant's number */
	char appid[PSIM_ID_MAX + 1];               /* as created */
	char mchid[PSIM_ID_MAX + 1];               /* as created */
	char description[PSIM_DESC_CHARS * 4 + 1]; /* UTF-8 */
	char notify_url[PSIM_URL_MAX + 1];         /* where notifications go */
	int64_t total;                             /* fen */
	int64_t expire_ms;                         /* time_expire */
	int64_t created_ms;                        /* when it was created */
	char code[BOOKS_CODE_LEN + 1];             /* the pr= of its code_url */
	char state[8];                             /* NOTPAY, SUCCESS, CLOSED, REFUND */
	char transaction_id[PSIM_ID_MAX + 1];      /* once paid, else "" */
	char openid[PSIM_ID_MAX + 1];              /* the payer, once paid */
	int64_t success_ms;                        /* when paid, else 0 */
	int64_t closed_ms;                         /* when closed, else 0 */
	int64_t refunded;                          /* fen refunded so far */
	int refunds;                               /* refunds so far */
	char kind[8];                              /* "wechat", or "bank" (gateway.c) */
};

/* One refund. */
struct book_refund {
	char out_refund_no[PSIM_REFUND_NO_MAX + 1]; /* the merchant's number */
	char refund_id[PSIM_ID_MAX + 1];           /* ours */
	char out_trade_no[PSIM_ID_MAX + 1];        /* the order */
	char transaction_id[PSIM_ID_MAX + 1];      /* the order's payment */
	char reason[PSIM_REASON_CHARS * 4 + 1];    /* "" when none */
	char notify_url[PSIM_URL_MAX + 1];         /* "" when none */
	int64_t refund;                            /* fen */
	int64_t total;                             /* the order's total, fen */
	int64_t created_ms;                        /* when it was made (and succeeded) */
};

/* What books_pay found. */
enum books_pay {
	BOOKS_PAY_OK,      /* paid now */
	BOOKS_PAY_UNKNOWN, /* no order has this code */
	BOOKS_PAY_CLOSED,  /* closed */
	BOOKS_PAY_PAID,    /* paid already (or refunded) */
	BOOKS_PAY_EXPIRED, /* past its time_expire */
};

/* What books_refund found. */
enum books_refund {
	BOOKS_REFUND_NEW,      /* refunded now */
	BOOKS_REFUND_SAME,     /* this out_refund_no was refunded before: that refund */
	BOOKS_REFUND_UNKNOWN,  /* no such order */
	BOOKS_REFUND_OTHER,    /* the out_refund_no belongs to another order */
	BOOKS_REFUND_UNPAID,   /* the order was never paid */
	BOOKS_REFUND_TOTAL,    /* amount.total is not the order's total */
	BOOKS_REFUND_TOO_MUCH, /* more than is left of the payment */
	BOOKS_REFUND_TOO_MANY, /* PSIM_REFUNDS_PER_ORDER refunds already */
};

/* A notification to deliver (books_notice_due). */
struct book_notice {
	char id[40];                        /* our id (the body's "id") */
	char kind[8];                       /* "pay", "dup" (a duplicate), "probe", or "bank"
					     * (the gateway's back notification: a form) */
	char out_trade_no[PSIM_ID_MAX + 1]; /* its order */
	char url[PSIM_URL_MAX + 1];         /* where it goes */
	char *body;                         /* the JSON body, malloc'd (caller frees) */
	int attempts;                       /* made before this one */
};

/* Make the body of a notification about order o (malloc'd JSON text; NULL
 * when out of memory): notify.c's, handed through so that books holds no
 * cryptography. */
typedef char *(*books_body_fn)(const struct book_order *o, void *ctx);

/* Open or create DIR/paysim.db. CA_OK, or the reason in err (size n). */
ca_err books_open(const char *dir, int max_orders, struct books **out, char *err, size_t n);

/* Close (NULL is fine). */
void books_close(struct books *b);

/*
 * Create o (its request fields and created_ms filled; content, its
 * canonical text, compared with a repeat's). A new order gets a code, is
 * NOTPAY, and a probe of its notify_url is owed when the url is new (body
 * from body_fn). The same out_trade_no with the same content: CA_OK with
 * the stored order in o, *created false. Other content: CA_ERR_CONFLICT.
 * max_orders in the books already: CA_ERR_TOO_LONG.
 */
ca_err books_create(struct books *b, struct book_order *o, const char *content,
		    books_body_fn body_fn, void *ctx, bool *created);

/* The order out_trade_no into o. CA_ERR_NOT_FOUND. */
ca_err books_order(struct books *b, const char *out_trade_no, struct book_order *o);

/* Close the order (a closed one: CA_OK again). CA_ERR_NOT_FOUND;
 * CA_ERR_FORBIDDEN when it was paid. */
ca_err books_close_order(struct books *b, const char *out_trade_no, int64_t now_ms);

/* The customer pays the order whose code_url ends in code: when it is
 * NOTPAY and not past its time_expire, it becomes SUCCESS with
 * transaction_id, openid and now_ms, and a TRANSACTION.SUCCESS
 * notification (body from body_fn) is owed at once. What happened into
 * *res, the order (as it is now) into o. */
ca_err books_pay(struct books *b, const char *code, int64_t now_ms, const char *transaction_id,
		 const char *openid, books_body_fn body_fn, void *ctx, struct book_order *o,
		 enum books_pay *res);

/* Refund r (out_refund_no, out_trade_no, reason, notify_url, refund,
 * total and created_ms filled): a new refund gets r->refund_id from
 * refund_id; the order's state becomes REFUND. The refund (new or the
 * earlier one) into r, the order into o, what happened into *res. */
ca_err books_refund(struct books *b, struct book_refund *r, const char *refund_id,
		    struct book_order *o, enum books_refund *res);

/* The refund out_refund_no into r. CA_ERR_NOT_FOUND. */
ca_err books_refund_get(struct books *b, const char *out_refund_no, struct book_refund *r);

/* Count one refusal answered with code. */
void books_count_refusal(struct books *b, const char *code);

/* The owed notification due first (leaving out WeChat Pay's when
 * hold_wechat, the bank gateway's when hold_bank): when it is due at now_ms,
 * into n (*found true); else *found false and, when one is owed, its time
 * into *next_ms (else INT64_MAX). */
ca_err books_notice_due(struct books *b, int64_t now_ms, bool hold_wechat, bool hold_bank,
			struct book_notice *n, bool *found, int64_t *next_ms);

/*
 * Record one delivery of n made at now_ms: the merchant's HTTP status
 * (0: none) and error ("" when it answered). A 200 or 204 takes it (a
 * payment's notification then owes its duplicate, dup_ms later); a probe
 * and a duplicate are sent once; a payment's notification that failed is
 * due again retry_ms[attempt] later, given up after nretry retries.
 */
ca_err books_notice_done(struct books *b, const struct book_notice *n, int64_t now_ms,
			 int status, const char *error, const int64_t *retry_ms, int nretry,
			 int64_t dup_ms);

/* ---- the bank gateway's orders (bankbooks.c; gateway.c) ---- */

/* One order of the bank gateway (kind "bank"): its common part in o
 * (out_trade_no the orderId, mchid the merId, notify_url the backUrl,
 * total the txnAmt, expire_ms the payTimeout, transaction_id the queryId
 * once paid), the rest here. */
struct bank_order {
	struct book_order o;               /* the common part */
	char txn_time[15];                 /* YYYYMMDDhhmmss, China time */
	char front_url[PSIM_URL_MAX + 1];  /* where the customer's browser goes back */
	char iss_ins_code[17];             /* the bank */
	char token[33];                    /* /gateway/pay's one-time token, "" when none */
	char trace_no[7];                  /* once paid */
	char trace_time[11];               /* MMDDhhmmss, once paid */
};

/* The back notification of a paid order (a signed form, malloc'd; NULL
 * when out of memory): gateway.c's, handed through. */
typedef char *(*books_bank_body_fn)(const struct bank_order *bo, void *ctx);

/*
 * frontTransReq: order bo (its request fields and o.created_ms filled;
 * content its signed text) with the one-time token. A new order is NOTPAY;
 * the same orderId with the same content: CA_OK with the stored order in
 * bo and, while it is NOTPAY, the new token; other content (or a WeChat
 * order's number): CA_ERR_CONFLICT; the books full: CA_ERR_TOO_LONG.
 */
ca_err books_bank_front(struct books *b, struct bank_order *bo, const char *content,
			const char *token);

/* The bank order order_id into bo. CA_ERR_NOT_FOUND (a WeChat order too). */
ca_err books_bank_get(struct books *b, const char *order_id, struct bank_order *bo);

/*
 * /gateway/pay: the customer pays order_id with token at now_ms. When the
 * token is the order's, the order NOTPAY and now_ms before its payTimeout,
 * it becomes SUCCESS with query_id, trace_no and trace_time, the token is
 * spent, and its back notification (body_fn) is owed at once. *res:
 * BOOKS_PAY_UNKNOWN (no such order, or not its token), _PAID, _EXPIRED,
 * _OK; bo the order as it is now.
 */
ca_err books_bank_pay(struct books *b, const char *order_id, const char *token, int64_t now_ms,
		      const char *query_id, const char *trace_no, const char *trace_time,
		      books_bank_body_fn body_fn, void *ctx, struct bank_order *bo,
		      enum books_pay *res);

/*
 * backTransReq (refund): r->out_refund_no (the refund's orderId),
 * r->transaction_id (origQryId), r->refund (txnAmt), r->notify_url,
 * r->created_ms and r->refund_id (the refund's new queryId) filled. *res:
 * BOOKS_REFUND_UNKNOWN (no payment has that queryId), _SAME (this refund
 * orderId was taken before for the same payment and amount: r is that
 * refund), _OTHER (it was taken for something else), _TOO_MUCH, _NEW.
 */
ca_err books_bank_refund(struct books *b, struct book_refund *r, enum books_refund *res);

/* /sim/orders/NO: the order, its refunds, its notifications with every
 * attempt (a new JSON object; NULL when unknown). CA_ERR_NOT_FOUND. */
ca_err books_order_books(struct books *b, const char *out_trade_no, json_t **out);

/* /sim/state: the counters (a new JSON object). */
ca_err books_state(struct books *b, json_t **out);

#endif
