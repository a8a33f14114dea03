/*
 * books_int.h - what books.c shares with the other files of the books
 * (bankbooks.c): the struct (over simdb.h, whose statement and
 * transaction helpers both use) and the orders' helpers. Not for the
 * rest of the simulator, which goes through books.h.
 */
#ifndef PSIM_BOOKS_INT_H
#define PSIM_BOOKS_INT_H

#include <sqlite3.h>

#include "../simkit/simdb.h"
#include "books.h"

struct books {
	struct simdb sd;     /* DIR/paysim.db: the connection, its lock, --max-orders */
};

/* The same, but when e is answer (CA_ERR_NOT_FOUND: no such order, and
 * the like) it is the call's answer, not a failure: what the call did is
 * committed and e given back. */
ca_err end_answer(struct books *b, ca_err e, ca_err answer);

/* The order whose column col is key into o (any kind; in a transaction).
 * CA_ERR_NOT_FOUND. */
ca_err order_by(struct books *b, const char *col, const char *key, struct book_order *o);

/* Owe a notification of kind about o to url with body, due at due_ms. */
ca_err owe(struct books *b, const char *kind, const struct book_order *o, const char *url,
	   const char *body, int64_t due_ms);

/* A bank order o as /sim/orders shows it (bankbooks.c; in a transaction). */
json_t *bank_order_json(struct books *b, const struct book_order *o);

#endif
