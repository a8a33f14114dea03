/*
 * books.c - the platform's books in SQLite (see books.h).
 *
 * One connection, one lock: every public function takes b->mu, runs its
 * statements in one transaction and copies what it read before it
 * returns. Statements are prepared per call (the simulator is small).
 *
 * Where to start reading: books_issue().
 */
#include "books.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/sqlkit.h"
#include "core/cst.h"
#include "core/log.h"
#include "einv.h"

#define TAG "books"
#define BUSY_MS 5000

struct books {
	sqlite3 *db;
	char path[TSIM_PATH_MAX + 16];  /* DIR/taxsim.db, for messages */
	int max_invoices;
	pthread_mutex_t mu;             /* one call at a time */
};

static const char *const steps[] = {
	"CREATE TABLE invoices ("
	" number TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('blue', 'red')),"
	" original TEXT REFERENCES invoices(number),"
	" request_id TEXT NOT NULL UNIQUE, content TEXT NOT NULL,"
	" issued_ms INTEGER NOT NULL, answer TEXT NOT NULL,"
	" CHECK ((kind = 'red') = (original IS NOT NULL)));"
	/* A blue invoice is reversed once: at most one red names it. */
	"CREATE UNIQUE INDEX invoices_one_red ON invoices(original) WHERE original IS NOT NULL;"
	"CREATE TABLE sequences (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
	"CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);",
};

static const struct sqlkit_schema schema = {
	steps, 1, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", BUSY_MS, TAG
};

static const struct sqlkit_log fail_log = { TAG, LOG_ERROR, false };

#define INV_COLS "i.number, i.kind, ifnull(i.original, ''), i.request_id, i.issued_ms," \
	" i.content, i.answer, ifnull((SELECT r.number FROM invoices r" \
	" WHERE r.original = i.number), '')"

/* A failed SQLite call: logged, mapped. */
static ca_err fail(struct books *b, int rc, const char *what)
{
	return sqlkit_fail(b->db, b->path, &fail_log, rc, what, NULL, 0);
}

/* Prepare sql into *s and bind fmt's parameters (sqlkit_bindv). */
static int prep(struct books *b, sqlite3_stmt **s, const char *sql, const char *fmt, ...)
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

/* One statement that returns no row. */
static ca_err exec(struct books *b, const char *what, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc = sqlite3_prepare_v2(b->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		va_start(ap, fmt);
		rc = sqlkit_bindv(s, fmt, ap);
		va_end(ap);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? CA_OK : fail(b, rc, what);
}

/* Take the lock and begin; on failure the lock is given back. */
static ca_err begin(struct books *b)
{
	ca_err e;

	pthread_mutex_lock(&b->mu);
	e = exec(b, "BEGIN", "BEGIN IMMEDIATE", "");
	if (e)
		pthread_mutex_unlock(&b->mu);
	return e;
}

/* Commit when e is CA_OK, else roll back; give the lock back. */
static ca_err end(struct books *b, ca_err e)
{
	if (!e)
		e = exec(b, "COMMIT", "COMMIT", "");
	if (e)
		(void)exec(b, "ROLLBACK", "ROLLBACK", "");
	pthread_mutex_unlock(&b->mu);
	return e;
}

/* One integer the query sql answers into *v (0 when no row). */
static ca_err integer(struct books *b, int64_t *v, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc = sqlite3_prepare_v2(b->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		va_start(ap, fmt);
		rc = sqlkit_bindv(s, fmt, ap);
		va_end(ap);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CA_OK : fail(b, rc, "counting");
}

/* A malloc'd copy of column col of s. */
static char *col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return strdup(t ? (const char *)t : "");
}

void book_inv_release(struct book_inv *bi)
{
	free(bi->content);
	free(bi->answer);
	bi->content = bi->answer = NULL;
}

/* The invoice whose column col ("number", "request_id") is key into out.
 * CA_ERR_NOT_FOUND. */
static ca_err inv_by(struct books *b, const char *col, const char *key, struct book_inv *out)
{
	char sql[512];
	sqlite3_stmt *s = NULL;
	ca_err e = CA_ERR_NOT_FOUND;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(sql, sizeof(sql), "SELECT " INV_COLS " FROM invoices i WHERE i.%s = ?", col);
	rc = prep(b, &s, sql, "t", key);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->issued_ms = sqlite3_column_int64(s, 4);
		out->content = col_dup(s, 5);
		out->answer = col_dup(s, 6);
		e = sqlkit_col_copy(s, 0, out->number, sizeof(out->number)) &&
		    sqlkit_col_copy(s, 1, out->kind, sizeof(out->kind)) &&
		    sqlkit_col_copy(s, 2, out->original, sizeof(out->original)) &&
		    sqlkit_col_copy(s, 3, out->request_id, sizeof(out->request_id)) &&
		    sqlkit_col_copy(s, 7, out->reversed_by, sizeof(out->reversed_by)) &&
		    out->content && out->answer
		    ? CA_OK : fail(b, SQLITE_CORRUPT, "reading an invoice");
	} else if (rc != SQLITE_DONE) {
		e = fail(b, rc, "reading an invoice");
	}
	sqlite3_finalize(s);
	if (e)
		book_inv_release(out);
	return e;
}

ca_err books_open(const char *dir, int max_invoices, struct books **out, char *err, size_t n)
{
	struct books *b = calloc(1, sizeof(*b));
	int rc;
	ca_err e;

	*out = NULL;
	if (!b)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	snprintf(b->path, sizeof(b->path), "%s/taxsim.db", dir);
	b->max_invoices = max_invoices;
	pthread_mutex_init(&b->mu, NULL);
	rc = sqlite3_open_v2(b->path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		e = sqlkit_open_fail(b->db, b->path, rc, "opening", err, n);
		books_close(b);
		return e;
	}
	(void)chmod(b->path, 0600);
	sqlkit_conn_setup(b->db, BUSY_MS);
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
	sqlite3_close(b->db);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* The next sequence number of the year of now_ms (China time) into *seq,
 * the year into *year. */
static ca_err next_seq(struct books *b, int64_t now_ms, int *year, int64_t *seq)
{
	sqlite3_stmt *s = NULL;
	struct tm tm;
	int rc;

	ca_cst_tm(now_ms / 1000, &tm);
	*year = tm.tm_year + 1900;
	rc = prep(b, &s, "INSERT INTO sequences (year, last) VALUES (?, 1) ON CONFLICT (year)"
		  " DO UPDATE SET last = last + 1 RETURNING last", "n", *year);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? CA_OK : fail(b, rc, "taking a sequence number");
}

/* Whether rq may be issued now (in the transaction): *res BOOKS_NEW when
 * so, else why not; the blue invoice's answer into *orig for a reversal. */
static ca_err may_issue(struct books *b, const struct book_request *rq, struct book_inv *out,
			struct book_inv *orig, enum books_res *res)
{
	int64_t n;
	ca_err e = inv_by(b, "request_id", rq->request_id, out);

	if (e != CA_ERR_NOT_FOUND) {
		if (!e)
			*res = strcmp(out->content, rq->content) ? BOOKS_CONFLICT : BOOKS_SAME;
		return e;
	}
	if (rq->original) {
		e = inv_by(b, "number", rq->original, orig);
		if (e)
			*res = BOOKS_NO_ORIGINAL;
		else if (strcmp(orig->kind, "blue"))
			*res = BOOKS_NOT_BLUE;
		else if (orig->reversed_by[0])
			*res = BOOKS_REVERSED;
		if (e || *res != BOOKS_NEW)
			return e == CA_ERR_NOT_FOUND ? CA_OK : e;
	}
	e = integer(b, &n, "SELECT count(*) FROM invoices", "");
	if (!e && n >= b->max_invoices)
		*res = BOOKS_FULL;
	return e;
}

ca_err books_issue(struct books *b, const struct book_request *rq, books_make_fn make,
		   void *ctx, struct book_inv *out, enum books_res *res)
{
	struct book_inv orig = { 0 };
	char number[EINV_NUMBER_LEN + 1], *answer = NULL;
	int64_t seq = 0;
	int year = 0;
	ca_err e;

	*res = BOOKS_NEW;
	memset(out, 0, sizeof(*out));
	e = begin(b);
	if (e)
		return e;
	e = may_issue(b, rq, out, &orig, res);
	if (!e && *res == BOOKS_NEW)
		e = next_seq(b, rq->now_ms, &year, &seq);
	if (!e && *res == BOOKS_NEW && seq > TSIM_SEQ_MAX)
		*res = BOOKS_FULL;
	if (!e && *res == BOOKS_NEW) {
		einv_number(year, rq->province, rq->channel, seq, number);
		answer = make(number, rq->original ? orig.answer : NULL, ctx);
		e = answer ? exec(b, "booking an invoice", "INSERT INTO invoices (number, kind,"
				  " original, request_id, content, issued_ms, answer) VALUES"
				  " (?, ?, ?, ?, ?, ?, ?)", "tttttit", number,
				  rq->original ? "red" : "blue", rq->original, rq->request_id,
				  rq->content, rq->now_ms, answer)
			   : CA_ERR_NOMEM;
	}
	if (*res != BOOKS_NEW && *res != BOOKS_SAME)
		book_inv_release(out);
	if (!e && *res == BOOKS_NEW)
		e = end(b, CA_OK);
	else
		(void)end(b, e ? e : CA_ERR_ARG); /* a refusal: nothing to keep */
	book_inv_release(&orig);
	free(answer);
	if (!e && *res == BOOKS_NEW)
		e = books_get(b, number, out);
	return e;
}

ca_err books_get(struct books *b, const char *number, struct book_inv *out)
{
	ca_err e;

	pthread_mutex_lock(&b->mu);
	e = inv_by(b, "number", number, out);
	pthread_mutex_unlock(&b->mu);
	return e;
}

void books_count(struct books *b, const char *name)
{
	pthread_mutex_lock(&b->mu);
	(void)exec(b, "counting", "INSERT INTO counters (name, n) VALUES (?, 1) ON CONFLICT"
		   " (name) DO UPDATE SET n = n + 1", "t", name);
	pthread_mutex_unlock(&b->mu);
}

/* Every row of sql (a text and an integer) as a member of *obj, the
 * name's prefix skipped. */
static ca_err rows_into(struct books *b, json_t *obj, const char *sql, size_t prefix)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(b->db, sql, -1, &s, NULL);

	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (name && strlen(name) >= prefix &&
		    json_object_set_new(obj, name + prefix,
					json_integer(sqlite3_column_int64(s, 1))))
			rc = SQLITE_NOMEM;
		else
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? CA_OK : fail(b, rc, "reading the counters");
}

ca_err books_state(struct books *b, json_t **out)
{
	json_t *j = json_pack("{s:{}, s:{}, s:{}, s:I}", "invoices", "sequences", "refused",
			      "repeats", (json_int_t)0);
	int64_t repeats = 0;
	ca_err e;

	*out = NULL;
	if (!j)
		return CA_ERR_NOMEM;
	pthread_mutex_lock(&b->mu);
	e = rows_into(b, json_object_get(j, "invoices"), "SELECT kind, count(*) FROM invoices"
		      " GROUP BY kind", 0);
	if (!e)
		e = rows_into(b, json_object_get(j, "sequences"), "SELECT printf('%02d', year %"
			      " 100), last FROM sequences", 0);
	if (!e)
		e = rows_into(b, json_object_get(j, "refused"), "SELECT name, n FROM counters"
			      " WHERE name LIKE 'refused:%'", strlen("refused:"));
	if (!e)
		e = integer(b, &repeats, "SELECT n FROM counters WHERE name = 'repeats'", "");
	pthread_mutex_unlock(&b->mu);
	if (!e)
		e = json_object_set_new(j, "repeats", json_integer(repeats)) ? CA_ERR_NOMEM : CA_OK;
	if (e) {
		json_decref(j);
		return e;
	}
	*out = j;
	return CA_OK;
}
