/*
 * books_int.h - what books.c shares with the other files of the books
 * (bankbooks.c): the struct, the transaction and statement helpers. Not
 * for the rest of the simulator, which goes through books.h.
 */
#ifndef PSIM_BOOKS_INT_H
#define PSIM_BOOKS_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "books.h"

struct books {
	sqlite3 *db;         /* the connection */
	char path[PSIM_PATH_MAX + 16]; /* DIR/paysim.db, for messages */
	int max_orders;      /* the most orders the books take */
	pthread_mutex_t mu;  /* one call at a time */
};

/* A failed SQLite call (rc) while doing what: logged, mapped. */
ca_err fail(struct books *b, int rc, const char *what);

/* Prepare sql into *s and bind fmt's parameters (sqlkit_bindv). */
int prep(struct books *b, sqlite3_stmt **s, const char *sql, const char *fmt, ...);

/* One statement that returns no row. */
ca_err exec(struct books *b, const char *what, const char *sql, const char *fmt, ...);

/* Take the lock and begin; on failure the lock is given back. */
ca_err begin(struct books *b);

/* Commit when e is CA_OK, else roll back; give the lock back. */
ca_err end(struct books *b, ca_err e);

/* The same, but when e is answer (CA_ERR_NOT_FOUND: no such order, and
 * the like) it is the call's answer, not a failure: what the call did is
 * committed and e given back. */
ca_err end_answer(struct books *b, ca_err e, ca_err answer);

/* The order whose column col is key into o (any kind; in a transaction).
 * CA_ERR_NOT_FOUND. */
ca_err order_by(struct books *b, const char *col, const char *key, struct book_order *o);

/* One integer the query sql answers into *v. */
ca_err count(struct books *b, int64_t *v, const char *sql, const char *fmt, ...);

/* Owe a notification of kind about o to url with body, due at due_ms. */
ca_err owe(struct books *b, const char *kind, const struct book_order *o, const char *url,
	   const char *body, int64_t due_ms);

/* A bank order o as /sim/orders shows it (bankbooks.c; in a transaction). */
json_t *bank_order_json(struct books *b, const struct book_order *o);

#endif
