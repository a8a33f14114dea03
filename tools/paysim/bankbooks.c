/*
 * bankbooks.c - the bank gateway's orders and refunds in the simulator's
 * books (see books.h, "the bank gateway's orders"). Same rules as books.c:
 * one transaction under the books' lock per call, copies handed back.
 *
 * Where to start reading: books_bank_pay() (a payment, its token spent and
 * its back notification owed in one transaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "books.h"
#include "books_int.h"
#include "common/sqlkit.h"
#include "wire.h"

/* The bank part of order_id into bo (its o filled already). */
static ca_err bank_part(struct books *b, struct bank_order *bo)
{
	sqlite3_stmt *s = NULL;
	ca_err e = CA_ERR_NOT_FOUND;
	int rc = prep(b, &s, "SELECT txn_time, front_url, iss_ins_code, token, trace_no, trace_time"
		      " FROM bank_orders WHERE order_id = ?", "t", bo->o.out_trade_no);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		e = sqlkit_col_copy(s, 0, bo->txn_time, sizeof(bo->txn_time)) &&
		    sqlkit_col_copy(s, 1, bo->front_url, sizeof(bo->front_url)) &&
		    sqlkit_col_copy(s, 2, bo->iss_ins_code, sizeof(bo->iss_ins_code)) &&
		    sqlkit_col_copy(s, 3, bo->token, sizeof(bo->token)) &&
		    sqlkit_col_copy(s, 4, bo->trace_no, sizeof(bo->trace_no)) &&
		    sqlkit_col_copy(s, 5, bo->trace_time, sizeof(bo->trace_time))
		    ? CA_OK : fail(b, SQLITE_CORRUPT, "reading a bank order");
	else if (rc != SQLITE_DONE)
		e = fail(b, rc, "reading a bank order");
	sqlite3_finalize(s);
	return e;
}

/* The bank order order_id into bo (in a transaction). CA_ERR_NOT_FOUND. */
static ca_err bank_by(struct books *b, const char *order_id, struct bank_order *bo)
{
	ca_err e;

	memset(bo, 0, sizeof(*bo));
	e = order_by(b, "out_trade_no", order_id, &bo->o);
	if (!e && strcmp(bo->o.kind, "bank"))
		e = CA_ERR_NOT_FOUND;
	return e ? e : bank_part(b, bo);
}

ca_err books_bank_front(struct books *b, struct bank_order *bo, const char *content,
			const char *token)
{
	struct bank_order old;
	sqlite3_stmt *s = NULL;
	int64_t n = 0;
	int rc;
	ca_err e = begin(b);

	if (e)
		return e;
	rc = prep(b, &s, "SELECT content = ? AND kind = 'bank' FROM orders WHERE out_trade_no = ?",
		  "tt", content, bo->o.out_trade_no);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		e = sqlite3_column_int(s, 0) ? bank_by(b, bo->o.out_trade_no, &old)
		    : CA_ERR_CONFLICT;
		sqlite3_finalize(s);
		if (!e && !strcmp(old.o.state, "NOTPAY")) {
			e = exec(b, "renewing a token", "UPDATE bank_orders SET token = ?"
				 " WHERE order_id = ?", "tt", token, old.o.out_trade_no);
			snprintf(old.token, sizeof(old.token), "%s", token);
		}
		if (!e)
			*bo = old;
		return end_answer(b, e, CA_ERR_CONFLICT);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return end(b, fail(b, rc, "looking a bank order up"));
	e = count(b, &n, "SELECT count(*) FROM orders", "");
	if (!e && n >= b->max_orders)
		return end_answer(b, CA_ERR_TOO_LONG, CA_ERR_TOO_LONG);
	/* The code column is unique and WeChat's: a bank order takes one that
	 * no code_url can name (it starts with '-'). */
	snprintf(bo->o.code, sizeof(bo->o.code), "-%.6s", token);
	snprintf(bo->o.state, sizeof(bo->o.state), "NOTPAY");
	snprintf(bo->o.kind, sizeof(bo->o.kind), "bank");
	snprintf(bo->token, sizeof(bo->token), "%s", token);
	if (!e)
		e = exec(b, "adding a bank order", "INSERT INTO orders (out_trade_no, content, appid,"
			 " mchid, description, notify_url, total, expire_ms, created_ms, code, kind)"
			 " VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, 'bank')", "tttttiiit",
			 bo->o.out_trade_no, content, bo->o.mchid, bo->iss_ins_code,
			 bo->o.notify_url, bo->o.total, bo->o.expire_ms, bo->o.created_ms, bo->o.code);
	if (!e)
		e = exec(b, "adding a bank order", "INSERT INTO bank_orders (order_id, txn_time,"
			 " front_url, iss_ins_code, token) VALUES (?, ?, ?, ?, ?)", "ttttt",
			 bo->o.out_trade_no, bo->txn_time, bo->front_url, bo->iss_ins_code, token);
	return end(b, e);
}

ca_err books_bank_get(struct books *b, const char *order_id, struct bank_order *bo)
{
	ca_err e = begin(b);

	if (e)
		return e;
	e = bank_by(b, order_id, bo);
	return end_answer(b, e, CA_ERR_NOT_FOUND);
}

ca_err books_bank_pay(struct books *b, const char *order_id, const char *token, int64_t now_ms,
		      const char *query_id, const char *trace_no, const char *trace_time,
		      books_bank_body_fn body_fn, void *ctx, struct bank_order *bo,
		      enum books_pay *res)
{
	char *body;
	ca_err e = begin(b);

	*res = BOOKS_PAY_UNKNOWN;
	if (e)
		return e;
	e = bank_by(b, order_id, bo);
	if (e || (!bo->o.success_ms && (!bo->token[0] || strcmp(bo->token, token)))) {
		(void)end(b, CA_OK);
		return e == CA_ERR_NOT_FOUND ? CA_OK : e;
	}
	if (bo->o.success_ms)
		*res = BOOKS_PAY_PAID;
	else if (now_ms >= bo->o.expire_ms)
		*res = BOOKS_PAY_EXPIRED;
	else
		*res = BOOKS_PAY_OK;
	if (*res != BOOKS_PAY_OK)
		return end(b, CA_OK);
	e = exec(b, "paying a bank order", "UPDATE orders SET state = 'SUCCESS', transaction_id = ?,"
		 " success_ms = ? WHERE out_trade_no = ?", "tit", query_id, now_ms, order_id);
	if (!e)
		e = exec(b, "paying a bank order", "UPDATE bank_orders SET token = '', trace_no = ?,"
			 " trace_time = ? WHERE order_id = ?", "ttt", trace_no, trace_time, order_id);
	if (!e)
		e = bank_by(b, order_id, bo);
	if (!e) {
		body = body_fn(bo, ctx);
		e = owe(b, "bank", &bo->o, bo->o.notify_url, body, now_ms);
		free(body);
	}
	return end(b, e);
}

ca_err books_bank_refund(struct books *b, struct book_refund *r, enum books_refund *res)
{
	struct book_order o;
	sqlite3_stmt *s = NULL;
	char old_no[PSIM_ID_MAX + 1] = "";
	int64_t old_amount = 0;
	int rc;
	ca_err e = begin(b);

	*res = BOOKS_REFUND_UNKNOWN;
	if (e)
		return e;
	e = order_by(b, "transaction_id", r->transaction_id, &o);
	if (!e && (strcmp(o.kind, "bank") || !r->transaction_id[0]))
		e = CA_ERR_NOT_FOUND;
	if (e) {
		(void)end(b, CA_OK);
		return e == CA_ERR_NOT_FOUND ? CA_OK : e;
	}
	rc = prep(b, &s, "SELECT out_trade_no, refund, refund_id, created_ms FROM refunds"
		  " WHERE out_refund_no = ?", "t", r->out_refund_no);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		old_amount = sqlite3_column_int64(s, 1);
		if (!sqlkit_col_copy(s, 0, old_no, sizeof(old_no)) ||
		    !sqlkit_col_copy(s, 2, r->refund_id, sizeof(r->refund_id)))
			rc = SQLITE_CORRUPT;
		r->created_ms = sqlite3_column_int64(s, 3);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return end(b, fail(b, rc, "reading a refund"));
	snprintf(r->out_trade_no, sizeof(r->out_trade_no), "%s", o.out_trade_no);
	r->total = o.total;
	if (rc == SQLITE_ROW) {
		*res = !strcmp(old_no, o.out_trade_no) && old_amount == r->refund
		       ? BOOKS_REFUND_SAME : BOOKS_REFUND_OTHER;
		return end(b, CA_OK);
	}
	if (o.refunds >= PSIM_REFUNDS_PER_ORDER)
		*res = BOOKS_REFUND_TOO_MANY;
	else if (r->refund > o.total - o.refunded)
		*res = BOOKS_REFUND_TOO_MUCH;
	else
		*res = BOOKS_REFUND_NEW;
	if (*res != BOOKS_REFUND_NEW)
		return end(b, CA_OK);
	e = exec(b, "adding a refund", "INSERT INTO refunds (out_refund_no, refund_id,"
		 " out_trade_no, reason, notify_url, refund, created_ms)"
		 " VALUES (?, ?, ?, '', ?, ?, ?)", "ttttii", r->out_refund_no, r->refund_id,
		 o.out_trade_no, r->notify_url, r->refund, r->created_ms);
	if (!e)
		e = exec(b, "refunding an order", "UPDATE orders SET state = 'REFUND',"
			 " refunded = refunded + ?, refunds = refunds + 1 WHERE out_trade_no = ?",
			 "it", r->refund, o.out_trade_no);
	return end(b, e);
}

json_t *bank_order_json(struct books *b, const struct book_order *o)
{
	struct bank_order bo;
	char t[WIRE_TIME_MAX];
	json_t *j;

	memset(&bo, 0, sizeof(bo));
	bo.o = *o;
	if (bank_part(b, &bo))
		return NULL;
	wire_time(o->expire_ms, t);
	j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "orderId",
		      o->out_trade_no, "merId", o->mchid, "trade_state", o->state, "txnTime",
		      bo.txn_time, "txnAmt", (json_int_t)o->total, "payTimeout", t, "issInsCode",
		      bo.iss_ins_code, "frontUrl", bo.front_url, "backUrl", o->notify_url,
		      "queryId", o->transaction_id, "traceNo", bo.trace_no);
	if (j && o->success_ms) {
		wire_time(o->success_ms, t);
		json_object_set_new(j, "success_time", json_string(t));
		json_object_set_new(j, "traceTime", json_string(bo.trace_time));
	}
	return j;
}
