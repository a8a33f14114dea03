/*
 * db_int.h - what the files of the hub's store share (db.c, db_staff.c):
 * the handle, the statement cache and the helpers every query uses. Not
 * for anything outside src/hub/db*.c: the rest of the hub sees db.h.
 *
 * A query: db_lock() (or an open transaction), db_prep() with its
 * parameters, sqlite3_step, copy the columns out, db_done(), db_unlock();
 * a statement without rows is one db_run_sql(); rows as a JSON array are
 * one db_rows_json(). A failure is logged by db_fail() and mapped to a
 * project error.
 */
#ifndef HUB_DB_INT_H
#define HUB_DB_INT_H

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "db.h"

#define TAG "db"

/*
 * A prepared statement kept for reuse. Preparing (parsing SQL, planning)
 * was about a quarter of the hub's CPU time on a batch of records: each
 * record runs about ten statements. A statement is handed out by db_prep() to
 * one user at a time (in_use) and given back by db_done(), which resets it;
 * a second user of the same SQL meanwhile gets a statement of its own.
 */
#define HUBDB_STMT_CACHE 96
struct hubdb_stmt {
	sqlite3_stmt *s;   /* owned; NULL = free slot */
	uint32_t hash;     /* FNV-1a of sql */
	char *sql;         /* the text it was prepared from, owned */
	bool in_use;       /* handed out, not given back yet */
};

struct hubdb {
	sqlite3 *db;              /* the one connection, owned */
	char *path;               /* file name for messages, owned */
	pthread_mutex_t lock;     /* recursive; held for a call or a whole transaction */
	int depth;                /* transaction nesting guard: 1 inside begin..commit */
	int64_t tx_rev;           /* highest revision handed out in the open transaction */
	bool sp_open;             /* a savepoint is open inside the transaction */
	int64_t sp_rev;           /* tx_rev when the savepoint was opened */
	pthread_mutex_t rev_mu;   /* guards committed_rev */
	int64_t committed_rev;    /* last committed revision */
	hubdb_commit_fn on_commit; /* called after each commit that made a revision */
	void *on_commit_ctx;      /* its argument */
	int64_t epoch;            /* meta 'epoch', read at open (renewed only by a restore) */
	int64_t binding_life_s;   /* a binding is live this long after its bound_s */
	pthread_mutex_t stmt_mu;  /* guards stmts (callers may not hold lock) */
	struct hubdb_stmt stmts[HUBDB_STMT_CACHE]; /* prepared statements kept for reuse */
};

/* Assert that the caller holds an open transaction. */
#define IN_TX(h) assert((h)->depth == 1 && !sqlite3_get_autocommit((h)->db))

/* Log a failed call (what failed, SQLite's message); the project error for rc. */
ca_err db_fail(struct hubdb *h, int rc, const char *what);

/* Take and release the store's (recursive) lock. */
void db_lock(struct hubdb *h);
void db_unlock(struct hubdb *h);

/*
 * Prepare sql (from the cache when it can) and bind the parameters
 * described by fmt, one letter each: 't' text (const char *, NULL binds
 * NULL), 'i' int64, 'n' int. On failure *s is NULL and the error logged.
 */
ca_err db_prepv(struct hubdb *h, sqlite3_stmt **s, const char *sql, const char *fmt,
		va_list ap);
ca_err db_prep(struct hubdb *h, sqlite3_stmt **s, const char *sql, const char *fmt, ...);

/* Give back a statement of db_prep(). db_done(h, NULL) is fine. */
void db_done(struct hubdb *h, sqlite3_stmt *s);

/* Step a statement that returns no rows, then give it back. */
ca_err db_run(struct hubdb *h, sqlite3_stmt *s, const char *what);

/* db_prep and db_run in one: a statement that returns no rows. */
ca_err db_run_sql(struct hubdb *h, const char *what, const char *sql, const char *fmt, ...);

/* Parse text column col as JSON (a new reference, NULL on failure). */
json_t *db_col_json(sqlite3_stmt *s, int col);

/*
 * How many rows one statement counts (?1 key, ?2 kind, ?3 since), and, when
 * they are limit or more, the time of the row whose leaving the window
 * brings them under limit: the (count - limit + 1)-th oldest, found by
 * nth_sql (the same rows ordered by time, ?4 the offset). The unit of the
 * times is the table's. Under the caller's lock.
 */
ca_err db_window_count(struct hubdb *h, const char *count_sql, const char *nth_sql,
		       const char *key, const char *kind, int64_t since_s, int limit,
		       int *count, int64_t *free_at_s);

/* One row of a db_rows_json() query as a JSON value (a new reference), or
 * NULL to leave the row out. */
typedef json_t *(*row_json_fn)(sqlite3_stmt *s);

/* The rows of sql, its parameters bound from fmt as db_prep() does, as a
 * JSON array into *out, one value a row from row(); what names the read
 * in a failure. Takes the lock. */
ca_err db_rows_json(struct hubdb *h, json_t **out, row_json_fn row, const char *what,
		    const char *sql, const char *fmt, ...);

/*
 * Every statement of db_prep() goes back with db_done(): finalizing a kept one
 * would leave a dangling pointer in the cache, handed out again later. So
 * that no later change (or merge) can, any sqlite3_finalize after this
 * header fails to build (db.c's cache itself calls (sqlite3_finalize)).
 */
#define sqlite3_finalize(s) use_done_not_sqlite3_finalize(s)

#endif
