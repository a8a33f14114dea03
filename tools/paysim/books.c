/*
 * books.c - the simulator's books in SQLite (see books.h).
 *
 * One connection, one lock: every public function takes b->mu, runs its
 * statements in one transaction and copies what it read before it
 * returns. Statements are prepared per call (the simulator is small).
 *
 * Where to start reading: books_pay() (a payment and the notification it
 * owes in one transaction), then books_notice_done() (the schedule).
 */
#include "books.h"
#include "books_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/sqlkit.h"
#include "core/log.h"
#include "core/uuid.h"
#include "wire.h"

#define TAG "books"
#define BOOKS_BUSY_MS 5000
#define CODE_TRIES 8 /* new codes tried when one is taken already */

static const char *const steps[] = {
	"CREATE TABLE orders ("
	" out_trade_no TEXT PRIMARY KEY, content TEXT NOT NULL, appid TEXT NOT NULL,"
	" mchid TEXT NOT NULL, description TEXT NOT NULL, notify_url TEXT NOT NULL,"
	" total INTEGER NOT NULL, expire_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
	" code TEXT NOT NULL UNIQUE, state TEXT NOT NULL DEFAULT 'NOTPAY',"
	" transaction_id TEXT NOT NULL DEFAULT '', openid TEXT NOT NULL DEFAULT '',"
	" success_ms INTEGER NOT NULL DEFAULT 0, closed_ms INTEGER NOT NULL DEFAULT 0,"
	" refunded INTEGER NOT NULL DEFAULT 0, refunds INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE refunds ("
	" out_refund_no TEXT PRIMARY KEY, refund_id TEXT NOT NULL UNIQUE,"
	" out_trade_no TEXT NOT NULL REFERENCES orders(out_trade_no),"
	" reason TEXT NOT NULL, notify_url TEXT NOT NULL, refund INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL);"
	"CREATE INDEX refunds_order ON refunds(out_trade_no);"
	"CREATE TABLE probed (url TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);"
	"CREATE TABLE notices ("
	" id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	" out_trade_no TEXT NOT NULL REFERENCES orders(out_trade_no),"
	" url TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'owed',"
	" attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL);"
	"CREATE INDEX notices_owed ON notices(state, next_ms);"
	"CREATE INDEX notices_order ON notices(out_trade_no);"
	"CREATE TABLE attempts ("
	" notice_id TEXT NOT NULL REFERENCES notices(id), n INTEGER NOT NULL,"
	" at_ms INTEGER NOT NULL, status INTEGER NOT NULL, error TEXT NOT NULL,"
	" PRIMARY KEY (notice_id, n));"
	"CREATE TABLE refusals (code TEXT PRIMARY KEY, n INTEGER NOT NULL);",
	/* 2: the bank gateway's orders (docs/paysim.md, The bank gateway):
	 * an order's common part in orders (kind 'bank': mchid the merId,
	 * notify_url the backUrl, total the txnAmt, expire_ms the
	 * payTimeout, transaction_id the queryId), the rest here. */
	"ALTER TABLE orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'wechat';"
	"CREATE TABLE bank_orders ("
	" order_id TEXT PRIMARY KEY REFERENCES orders(out_trade_no),"
	" txn_time TEXT NOT NULL, front_url TEXT NOT NULL, iss_ins_code TEXT NOT NULL,"
	" token TEXT NOT NULL DEFAULT '', trace_no TEXT NOT NULL DEFAULT '',"
	" trace_time TEXT NOT NULL DEFAULT '');",
};

static const struct sqlkit_schema schema = {
	steps, 2, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", BOOKS_BUSY_MS, TAG
};

static const struct sqlkit_log fail_log = { TAG, LOG_ERROR, false };

/* The columns order_row reads, in its order. */
#define ORDER_COLS "out_trade_no, appid, mchid, description, notify_url, total, expire_ms," \
	" created_ms, code, state, transaction_id, openid, success_ms, closed_ms, refunded," \
	" refunds, kind"

/* A failed SQLite call: logged, mapped. */
ca_err fail(struct books *b, int rc, const char *what)
{
	return sqlkit_fail(b->db, b->path, &fail_log, rc, what, NULL, 0);
}

/* Prepare sql and bind fmt's parameters (sqlkit_bindv). */
int prep(struct books *b, sqlite3_stmt **s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc = sqlite3_prepare_v2(b->db, sql, -1, s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	va_start(ap, fmt);
	rc = sqlkit_bindv(*s, fmt, ap);
	va_end(ap);
	return rc;
}

/* Run sql (parameters in ap) to its first row: SQLite's result code; the
 * row's first column into *v when v is not NULL (0 without a row). */
static int step_once(struct books *b, int64_t *v, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(b->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlkit_bindv(s, fmt, ap);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (v)
		*v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc;
}

/* One statement that returns no row. */
ca_err exec(struct books *b, const char *what, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = step_once(b, NULL, sql, fmt, ap);
	va_end(ap);
	return rc == SQLITE_DONE ? CA_OK : fail(b, rc, what);
}

/* Take the lock and begin; on failure the lock is given back. */
ca_err begin(struct books *b)
{
	ca_err e;

	pthread_mutex_lock(&b->mu);
	e = exec(b, "BEGIN", "BEGIN IMMEDIATE", "");
	if (e)
		pthread_mutex_unlock(&b->mu);
	return e;
}

/* Commit when e is CA_OK, else roll back; give the lock back. e, or the
 * commit's error. */
ca_err end(struct books *b, ca_err e)
{
	if (!e)
		e = exec(b, "COMMIT", "COMMIT", "");
	if (e)
		(void)exec(b, "ROLLBACK", "ROLLBACK", "");
	pthread_mutex_unlock(&b->mu);
	return e;
}

ca_err end_answer(struct books *b, ca_err e, ca_err answer)
{
	if (e != answer)
		return end(b, e);
	(void)end(b, CA_OK);
	return e;
}

/* The row of s (ORDER_COLS from column 0) into o. */
static bool order_row(sqlite3_stmt *s, struct book_order *o)
{
	memset(o, 0, sizeof(*o));
	o->total = sqlite3_column_int64(s, 5);
	o->expire_ms = sqlite3_column_int64(s, 6);
	o->created_ms = sqlite3_column_int64(s, 7);
	o->success_ms = sqlite3_column_int64(s, 12);
	o->closed_ms = sqlite3_column_int64(s, 13);
	o->refunded = sqlite3_column_int64(s, 14);
	o->refunds = sqlite3_column_int(s, 15);
	return sqlkit_col_copy(s, 0, o->out_trade_no, sizeof(o->out_trade_no)) &&
	       sqlkit_col_copy(s, 1, o->appid, sizeof(o->appid)) &&
	       sqlkit_col_copy(s, 2, o->mchid, sizeof(o->mchid)) &&
	       sqlkit_col_copy(s, 3, o->description, sizeof(o->description)) &&
	       sqlkit_col_copy(s, 4, o->notify_url, sizeof(o->notify_url)) &&
	       sqlkit_col_copy(s, 8, o->code, sizeof(o->code)) &&
	       sqlkit_col_copy(s, 9, o->state, sizeof(o->state)) &&
	       sqlkit_col_copy(s, 10, o->transaction_id, sizeof(o->transaction_id)) &&
	       sqlkit_col_copy(s, 11, o->openid, sizeof(o->openid)) &&
	       sqlkit_col_copy(s, 16, o->kind, sizeof(o->kind));
}

/* The order whose column col ("out_trade_no" or "code") is key into o
 * (inside a transaction). CA_ERR_NOT_FOUND. */
ca_err order_by(struct books *b, const char *col, const char *key, struct book_order *o)
{
	char sql[512];
	sqlite3_stmt *s = NULL;
	int rc;
	ca_err e = CA_ERR_NOT_FOUND;

	snprintf(sql, sizeof(sql), "SELECT " ORDER_COLS " FROM orders WHERE %s = ?", col);
	rc = prep(b, &s, sql, "t", key);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		e = order_row(s, o) ? CA_OK : fail(b, SQLITE_CORRUPT, "reading an order");
	else if (rc != SQLITE_DONE)
		e = fail(b, rc, "reading an order");
	sqlite3_finalize(s);
	return e;
}

/* One integer the query sql answers into *v. */
ca_err count(struct books *b, int64_t *v, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = step_once(b, v, sql, fmt, ap);
	va_end(ap);
	return rc == SQLITE_ROW ? CA_OK : fail(b, rc, "counting");
}

/* Owe a notification of kind about o to url, due at due_ms; its body
 * from fn (inside a transaction). */
ca_err owe(struct books *b, const char *kind, const struct book_order *o, const char *url,
		  const char *body, int64_t due_ms)
{
	char id[CA_UUID_LEN + 1];

	if (!body)
		return CA_ERR_NOMEM;
	if (uuid_v4(id))
		return CA_ERR_IO;
	return exec(b, "owing a notification", "INSERT INTO notices (id, kind, out_trade_no, url,"
		    " body, next_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)", "tttttii", id, kind,
		    o->out_trade_no, url, body, due_ms, due_ms);
}

ca_err books_open(const char *dir, int max_orders, struct books **out, char *err, size_t n)
{
	struct books *b = calloc(1, sizeof(*b));
	int rc;
	ca_err e;

	*out = NULL;
	if (!b)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	snprintf(b->path, sizeof(b->path), "%s/paysim.db", dir);
	b->max_orders = max_orders;
	pthread_mutex_init(&b->mu, NULL);
	rc = sqlite3_open_v2(b->path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		e = sqlkit_open_fail(b->db, b->path, rc, "opening", err, n);
		books_close(b);
		return e;
	}
	(void)chmod(b->path, 0600);
	sqlkit_conn_setup(b->db, BOOKS_BUSY_MS);
	e = sqlkit_setup(b->db, b->path, &schema, err, n);
	if (e) {
		books_close(b);
		return e;
	}
	*out = b;
	return CA_OK;
}

void books_close(struct books *b)
{
	if (!b)
		return;
	if (b->db && sqlite3_close(b->db) != SQLITE_OK)
		log_error(TAG, "%s: not closed cleanly: %s", b->path, sqlite3_errmsg(b->db));
	pthread_mutex_destroy(&b->mu);
	free(b);
}

ca_err books_create(struct books *b, struct book_order *o, const char *content,
		    books_body_fn body_fn, void *ctx, bool *created)
{
	sqlite3_stmt *s = NULL;
	int64_t n = 0, probed = 0;
	int rc, i;
	ca_err e = begin(b);

	*created = false;
	if (e)
		return e;
	rc = prep(b, &s, "SELECT content = ? FROM orders WHERE out_trade_no = ?", "tt", content,
		  o->out_trade_no);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		e = sqlite3_column_int(s, 0) ? order_by(b, "out_trade_no", o->out_trade_no, o)
		    : CA_ERR_CONFLICT;
		sqlite3_finalize(s);
		return end(b, e);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return end(b, fail(b, rc, "looking an order up"));
	e = count(b, &n, "SELECT count(*) FROM orders", "");
	if (!e && n >= b->max_orders)
		e = CA_ERR_TOO_LONG;
	snprintf(o->state, sizeof(o->state), "NOTPAY");
	for (i = 0; !e && i < CODE_TRIES; i++) {
		if (wire_random(o->code, BOOKS_CODE_LEN, false)) {
			e = CA_ERR_IO;
			break;
		}
		rc = prep(b, &s, "INSERT INTO orders (out_trade_no, content, appid, mchid,"
			  " description, notify_url, total, expire_ms, created_ms, code)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ttttttiiit", o->out_trade_no,
			  content, o->appid, o->mchid, o->description, o->notify_url, o->total,
			  o->expire_ms, o->created_ms, o->code);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_CONSTRAINT_UNIQUE)
			e = fail(b, rc, "adding an order");
	}
	if (!e && i == CODE_TRIES)
		e = fail(b, SQLITE_CONSTRAINT_UNIQUE, "finding a free code");
	if (!e)
		e = count(b, &probed, "SELECT count(*) FROM probed WHERE url = ?", "t",
			  o->notify_url);
	if (!e && !probed) {
		e = exec(b, "remembering a notify_url", "INSERT INTO probed (url, at_ms)"
			 " VALUES (?, ?)", "ti", o->notify_url, o->created_ms);
		if (!e) {
			char *body = body_fn(o, ctx);

			e = owe(b, "probe", o, o->notify_url, body, o->created_ms);
			free(body);
		}
	}
	*created = !e;
	return end(b, e);
}

ca_err books_order(struct books *b, const char *out_trade_no, struct book_order *o)
{
	ca_err e = begin(b);

	if (e)
		return e;
	e = order_by(b, "out_trade_no", out_trade_no, o);
	if (!e && strcmp(o->kind, "wechat"))
		e = CA_ERR_NOT_FOUND; /* a bank order: not WeChat Pay's */
	return end_answer(b, e, CA_ERR_NOT_FOUND);
}

ca_err books_close_order(struct books *b, const char *out_trade_no, int64_t now_ms)
{
	struct book_order o;
	ca_err e = begin(b);

	if (e)
		return e;
	e = order_by(b, "out_trade_no", out_trade_no, &o);
	if (!e && strcmp(o.kind, "wechat"))
		e = CA_ERR_NOT_FOUND;
	if (!e && o.success_ms)
		e = CA_ERR_FORBIDDEN;
	else if (!e && !strcmp(o.state, "NOTPAY"))
		e = exec(b, "closing an order", "UPDATE orders SET state = 'CLOSED', closed_ms = ?"
			 " WHERE out_trade_no = ?", "it", now_ms, out_trade_no);
	/* Not found, or paid: nothing was written. */
	return end_answer(b, e, e == CA_ERR_FORBIDDEN ? CA_ERR_FORBIDDEN : CA_ERR_NOT_FOUND);
}

ca_err books_pay(struct books *b, const char *code, int64_t now_ms, const char *transaction_id,
		 const char *openid, books_body_fn body_fn, void *ctx, struct book_order *o,
		 enum books_pay *res)
{
	char *body;
	ca_err e = begin(b);

	*res = BOOKS_PAY_UNKNOWN;
	if (e)
		return e;
	e = order_by(b, "code", code, o);
	if (!e && strcmp(o->kind, "wechat"))
		e = CA_ERR_NOT_FOUND; /* a bank order has no code_url */
	if (e) {
		(void)end(b, CA_OK);
		return e == CA_ERR_NOT_FOUND ? CA_OK : e;
	}
	if (!strcmp(o->state, "CLOSED"))
		*res = BOOKS_PAY_CLOSED;
	else if (o->success_ms)
		*res = BOOKS_PAY_PAID;
	else if (now_ms > o->expire_ms)
		*res = BOOKS_PAY_EXPIRED;
	else
		*res = BOOKS_PAY_OK;
	if (*res != BOOKS_PAY_OK)
		return end(b, CA_OK);
	e = exec(b, "paying an order", "UPDATE orders SET state = 'SUCCESS', transaction_id = ?,"
		 " openid = ?, success_ms = ? WHERE out_trade_no = ?", "ttit", transaction_id,
		 openid, now_ms, o->out_trade_no);
	if (!e)
		e = order_by(b, "out_trade_no", o->out_trade_no, o);
	if (!e) {
		body = body_fn(o, ctx);
		e = owe(b, "pay", o, o->notify_url, body, now_ms);
		free(body);
	}
	return end(b, e);
}

/* The refund of the row of s (out_refund_no, refund_id, out_trade_no,
 * reason, notify_url, refund, created_ms, transaction_id, total) into r. */
static bool refund_row(sqlite3_stmt *s, struct book_refund *r)
{
	memset(r, 0, sizeof(*r));
	r->refund = sqlite3_column_int64(s, 5);
	r->created_ms = sqlite3_column_int64(s, 6);
	r->total = sqlite3_column_int64(s, 8);
	return sqlkit_col_copy(s, 0, r->out_refund_no, sizeof(r->out_refund_no)) &&
	       sqlkit_col_copy(s, 1, r->refund_id, sizeof(r->refund_id)) &&
	       sqlkit_col_copy(s, 2, r->out_trade_no, sizeof(r->out_trade_no)) &&
	       sqlkit_col_copy(s, 3, r->reason, sizeof(r->reason)) &&
	       sqlkit_col_copy(s, 4, r->notify_url, sizeof(r->notify_url)) &&
	       sqlkit_col_copy(s, 7, r->transaction_id, sizeof(r->transaction_id));
}

/* The refund out_refund_no into r (in a transaction). CA_ERR_NOT_FOUND. */
static ca_err refund_by(struct books *b, const char *out_refund_no, struct book_refund *r)
{
	sqlite3_stmt *s = NULL;
	ca_err e = CA_ERR_NOT_FOUND;
	int rc = prep(b, &s, "SELECT r.out_refund_no, r.refund_id, r.out_trade_no, r.reason,"
		      " r.notify_url, r.refund, r.created_ms, o.transaction_id, o.total"
		      " FROM refunds r JOIN orders o USING (out_trade_no)"
		      " WHERE r.out_refund_no = ?", "t", out_refund_no);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		e = refund_row(s, r) ? CA_OK : fail(b, SQLITE_CORRUPT, "reading a refund");
	else if (rc != SQLITE_DONE)
		e = fail(b, rc, "reading a refund");
	sqlite3_finalize(s);
	return e;
}

ca_err books_refund(struct books *b, struct book_refund *r, const char *refund_id,
		    struct book_order *o, enum books_refund *res)
{
	struct book_refund old;
	ca_err e = begin(b);

	*res = BOOKS_REFUND_UNKNOWN;
	if (e)
		return e;
	e = order_by(b, "out_trade_no", r->out_trade_no, o);
	if (!e && strcmp(o->kind, "wechat"))
		e = CA_ERR_NOT_FOUND;
	if (e == CA_ERR_NOT_FOUND)
		return end(b, CA_OK);
	if (!e)
		e = refund_by(b, r->out_refund_no, &old);
	if (!e) {
		*res = strcmp(old.out_trade_no, r->out_trade_no) ? BOOKS_REFUND_OTHER
		       : BOOKS_REFUND_SAME;
		if (*res == BOOKS_REFUND_SAME)
			*r = old;
		return end(b, CA_OK);
	}
	if (e != CA_ERR_NOT_FOUND)
		return end(b, e);
	if (!o->success_ms)
		*res = BOOKS_REFUND_UNPAID;
	else if (r->total != o->total)
		*res = BOOKS_REFUND_TOTAL;
	else if (o->refunds >= PSIM_REFUNDS_PER_ORDER)
		*res = BOOKS_REFUND_TOO_MANY;
	else if (r->refund > o->total - o->refunded)
		*res = BOOKS_REFUND_TOO_MUCH;
	else
		*res = BOOKS_REFUND_NEW;
	if (*res != BOOKS_REFUND_NEW)
		return end(b, CA_OK);
	e = exec(b, "adding a refund", "INSERT INTO refunds (out_refund_no, refund_id,"
		 " out_trade_no, reason, notify_url, refund, created_ms)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?)", "tttttii", r->out_refund_no, refund_id,
		 r->out_trade_no, r->reason, r->notify_url, r->refund, r->created_ms);
	if (!e)
		e = exec(b, "refunding an order", "UPDATE orders SET state = 'REFUND',"
			 " refunded = refunded + ?, refunds = refunds + 1 WHERE out_trade_no = ?",
			 "it", r->refund, r->out_trade_no);
	if (!e)
		e = refund_by(b, r->out_refund_no, r);
	if (!e)
		e = order_by(b, "out_trade_no", r->out_trade_no, o);
	return end(b, e);
}

ca_err books_refund_get(struct books *b, const char *out_refund_no, struct book_refund *r)
{
	ca_err e = begin(b);

	if (e)
		return e;
	e = refund_by(b, out_refund_no, r);
	return end_answer(b, e, CA_ERR_NOT_FOUND);
}

void books_count_refusal(struct books *b, const char *code)
{
	if (begin(b))
		return;
	(void)end(b, exec(b, "counting a refusal", "INSERT INTO refusals (code, n) VALUES (?, 1)"
			  " ON CONFLICT (code) DO UPDATE SET n = n + 1", "t", code));
}

ca_err books_notice_due(struct books *b, int64_t now_ms, bool hold_wechat, bool hold_bank,
			struct book_notice *n, bool *found, int64_t *next_ms)
{
	sqlite3_stmt *s = NULL;
	int rc;
	ca_err e = begin(b);

	*found = false;
	*next_ms = INT64_MAX;
	memset(n, 0, sizeof(*n));
	if (e)
		return e;
	rc = prep(b, &s, "SELECT id, kind, out_trade_no, url, body, attempts, next_ms FROM notices"
		  " WHERE state = 'owed' AND (kind = 'bank' OR ? = 0) AND (kind <> 'bank' OR ? = 0)"
		  " ORDER BY next_ms LIMIT 1", "ii", (int64_t)hold_wechat, (int64_t)hold_bank);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*next_ms = sqlite3_column_int64(s, 6);
		if (*next_ms <= now_ms) {
			n->attempts = sqlite3_column_int(s, 5);
			n->body = strdup((const char *)sqlite3_column_text(s, 4));
			if (!n->body || !sqlkit_col_copy(s, 0, n->id, sizeof(n->id)) ||
			    !sqlkit_col_copy(s, 1, n->kind, sizeof(n->kind)) ||
			    !sqlkit_col_copy(s, 2, n->out_trade_no, sizeof(n->out_trade_no)) ||
			    !sqlkit_col_copy(s, 3, n->url, sizeof(n->url))) {
				e = n->body ? CA_ERR_CORRUPT : CA_ERR_NOMEM;
				free(n->body);
				n->body = NULL;
			} else {
				*found = true;
			}
		}
	} else if (rc != SQLITE_DONE) {
		e = fail(b, rc, "finding the next notification");
	}
	sqlite3_finalize(s);
	return end(b, e);
}

ca_err books_notice_done(struct books *b, const struct book_notice *n, int64_t now_ms,
			 int status, const char *error, const int64_t *retry_ms, int nretry,
			 int64_t dup_ms)
{
	bool taken = status == 200 || status == 204;
	bool once = !strcmp(n->kind, "probe") || !strcmp(n->kind, "dup");
	const char *state = taken ? "taken" : once ? "refused" : "owed";
	int64_t next = now_ms;
	struct book_order o;
	ca_err e = begin(b);

	if (e)
		return e;
	if (!taken && !once) {
		if (n->attempts < nretry)
			next = now_ms + retry_ms[n->attempts];
		else
			state = "given_up";
	}
	e = exec(b, "recording a delivery", "INSERT INTO attempts (notice_id, n, at_ms, status,"
		 " error) VALUES (?, ?, ?, ?, ?)", "tiint", n->id, (int64_t)n->attempts + 1, now_ms,
		 status, error);
	if (!e)
		e = exec(b, "updating a notification", "UPDATE notices SET state = ?, attempts ="
			 " attempts + 1, next_ms = ? WHERE id = ?", "tit", state, next, n->id);
	if (!e && taken && !strcmp(n->kind, "pay")) {
		memset(&o, 0, sizeof(o));
		snprintf(o.out_trade_no, sizeof(o.out_trade_no), "%s", n->out_trade_no);
		e = owe(b, "dup", &o, n->url, n->body, now_ms + dup_ms);
	}
	return end(b, e);
}

/* The attempts of notification id as a new JSON array. */
static ca_err attempts_json(struct books *b, const char *id, json_t *arr)
{
	char t[WIRE_TIME_MAX];
	sqlite3_stmt *s = NULL;
	int rc = prep(b, &s, "SELECT n, at_ms, status, error FROM attempts WHERE notice_id = ?"
		      " ORDER BY n", "t", id);

	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		wire_time(sqlite3_column_int64(s, 1), t);
		json_array_append_new(arr, json_pack("{s:i, s:s, s:I, s:i, s:s}",
						     "n", sqlite3_column_int(s, 0), "at", t,
						     "at_ms", (json_int_t)sqlite3_column_int64(s, 1),
						     "status", sqlite3_column_int(s, 2),
						     "error", (const char *)sqlite3_column_text(s, 3)));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? CA_OK : fail(b, rc, "reading attempts");
}

/* The refunds and notifications of order no into j (in a transaction). */
static ca_err order_extras(struct books *b, const char *no, json_t *j)
{
	json_t *refunds = json_array(), *notices = json_array();
	sqlite3_stmt *s = NULL;
	struct book_refund r;
	int rc;
	ca_err e = CA_OK;

	json_object_set_new(j, "refunds", refunds);
	json_object_set_new(j, "notifications", notices);
	rc = prep(b, &s, "SELECT r.out_refund_no, r.refund_id, r.out_trade_no, r.reason,"
		  " r.notify_url, r.refund, r.created_ms, o.transaction_id, o.total"
		  " FROM refunds r JOIN orders o USING (out_trade_no)"
		  " WHERE r.out_trade_no = ? ORDER BY r.created_ms, r.rowid", "t", no);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (refund_row(s, &r))
			json_array_append_new(refunds, wire_refund(&r));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(b, rc, "reading refunds");
	rc = prep(b, &s, "SELECT id, kind, url, state, attempts, next_ms, created_ms FROM notices"
		  " WHERE out_trade_no = ? ORDER BY created_ms, rowid", "t", no);
	while (!e && rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *att = json_array();
		const char *id = (const char *)sqlite3_column_text(s, 0);

		json_array_append_new(notices, json_pack(
			"{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:o}", "id", id,
			"kind", (const char *)sqlite3_column_text(s, 1),
			"url", (const char *)sqlite3_column_text(s, 2),
			"state", (const char *)sqlite3_column_text(s, 3),
			"attempts", sqlite3_column_int(s, 4),
			"next_ms", (json_int_t)sqlite3_column_int64(s, 5),
			"created_ms", (json_int_t)sqlite3_column_int64(s, 6), "deliveries", att));
		e = attempts_json(b, id, att);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return e ? e : rc == SQLITE_DONE ? CA_OK : fail(b, rc, "reading notifications");
}

ca_err books_order_books(struct books *b, const char *out_trade_no, json_t **out)
{
	struct book_order o;
	char t[WIRE_TIME_MAX];
	json_t *j = NULL;
	ca_err e = begin(b);

	*out = NULL;
	if (e)
		return e;
	e = order_by(b, "out_trade_no", out_trade_no, &o);
	if (!e) {
		j = strcmp(o.kind, "bank") ? wire_order(&o) : bank_order_json(b, &o);
		wire_time(o.created_ms, t);
		json_object_set_new(j, "create_time", json_string(t));
		wire_time(o.expire_ms, t);
		json_object_set_new(j, "time_expire", json_string(t));
		json_object_set_new(j, "expire_ms", json_integer(o.expire_ms));
		if (!strcmp(o.kind, "wechat"))
			json_object_set_new(j, "code_url", json_sprintf(
				"weixin://wxpay/bizpayurl?pr=%s", o.code));
		json_object_set_new(j, "kind", json_string(o.kind));
		json_object_set_new(j, "description", json_string(o.description));
		json_object_set_new(j, "notify_url", json_string(o.notify_url));
		json_object_set_new(j, "refunded", json_integer(o.refunded));
		if (o.closed_ms) {
			wire_time(o.closed_ms, t);
			json_object_set_new(j, "closed_time", json_string(t));
		}
		e = order_extras(b, out_trade_no, j);
	}
	if (e) {
		json_decref(j);
		j = NULL;
	}
	e = end_answer(b, e, CA_ERR_NOT_FOUND);
	*out = e ? NULL : j;
	if (e)
		json_decref(j);
	return e;
}

/* The counters of books_state, each "name" = the integer of its query. */
static const struct {
	const char *group, *name, *sql;
} counters[] = {
	{ "books", "orders", "SELECT count(*) FROM orders" },
	{ "books", "paid", "SELECT count(*) FROM orders WHERE success_ms > 0" },
	{ "books", "closed", "SELECT count(*) FROM orders WHERE state = 'CLOSED'" },
	{ "books", "refunds", "SELECT count(*) FROM refunds" },
	{ "notifications", "sent", "SELECT count(*) FROM attempts a JOIN notices n"
	  " ON n.id = a.notice_id WHERE n.kind <> 'probe'" },
	{ "notifications", "taken", "SELECT count(*) FROM attempts a JOIN notices n"
	  " ON n.id = a.notice_id WHERE n.kind <> 'probe' AND a.status IN (200, 204)" },
	{ "notifications", "refused", "SELECT count(*) FROM attempts a JOIN notices n"
	  " ON n.id = a.notice_id WHERE n.kind <> 'probe' AND a.status NOT IN (200, 204)" },
	{ "notifications", "duplicates_sent", "SELECT count(*) FROM attempts a JOIN notices n"
	  " ON n.id = a.notice_id WHERE n.kind = 'dup'" },
	{ "notifications", "owed", "SELECT count(*) FROM notices WHERE state = 'owed'"
	  " AND kind <> 'probe'" },
	{ "notifications", "given_up", "SELECT count(*) FROM notices WHERE state = 'given_up'" },
	{ "probes", "sent", "SELECT count(*) FROM notices WHERE kind = 'probe' AND attempts > 0" },
	{ "probes", "refused", "SELECT count(*) FROM notices WHERE kind = 'probe'"
	  " AND state = 'refused'" },
	{ "probes", "taken_by_merchant", "SELECT count(*) FROM notices WHERE kind = 'probe'"
	  " AND state = 'taken'" },
};

ca_err books_state(struct books *b, json_t **out)
{
	json_t *j = json_object(), *refused = json_object();
	sqlite3_stmt *s = NULL;
	int64_t v;
	size_t i;
	int rc;
	ca_err e = begin(b);

	*out = NULL;
	if (e || !j || !refused) {
		json_decref(j);
		json_decref(refused);
		return e ? e : (end(b, CA_OK), CA_ERR_NOMEM);
	}
	json_object_set_new(j, "refused", refused);
	for (i = 0; !e && i < sizeof(counters) / sizeof(counters[0]); i++) {
		json_t *g = json_object_get(j, counters[i].group);

		if (!g) {
			g = json_object();
			json_object_set_new(j, counters[i].group, g);
		}
		e = count(b, &v, counters[i].sql, "");
		json_object_set_new(g, counters[i].name, json_integer(v));
	}
	rc = e ? SQLITE_DONE : prep(b, &s, "SELECT code, n FROM refusals ORDER BY code", "");
	while (!e && rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_object_set_new(refused, (const char *)sqlite3_column_text(s, 0),
				    json_integer(sqlite3_column_int64(s, 1)));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (!e && rc != SQLITE_DONE)
		e = fail(b, rc, "reading refusals");
	if (!e)
		json_object_set_new(j, "merchant_faults", json_integer(json_integer_value(
			json_object_get(json_object_get(j, "probes"), "taken_by_merchant"))));
	e = end(b, e);
	if (e)
		json_decref(j);
	else
		*out = j;
	return e;
}
