/*
 * books.h - the platform's books in SQLite (DIR/taxsim.db, WAL): every
 * invoice issued with the request that made it and the answer it was
 * given, the sequence of numbers of each year, and counters (refusals by
 * code, repeated requests). A restart keeps all of it: the sequence goes
 * on where it was.
 *
 * Every call is one transaction under the books' own lock, so two
 * requests with one request id, or two reversals of one invoice, are
 * serialised and only one of them issues. A request that is refused
 * leaves nothing behind. Text read back is malloc'd for the caller.
 */
#ifndef TSIM_BOOKS_H
#define TSIM_BOOKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "hub/einvoice.h"
#include "tsim.h"

/* One invoice as the books hold it. */
struct book_inv {
	char number[EINV_NUMBER_LEN + 1];
	char kind[8];                           /* "blue", "red" */
	char original[EINV_NUMBER_LEN + 1];     /* a red one's blue, else "" */
	char request_id[EINV_REQUEST_ID_MAX + 1];
	char reversed_by[EINV_NUMBER_LEN + 1];  /* a blue one's red, else "" */
	int64_t issued_ms;                      /* on the platform's clock */
	char *content;                          /* the request's canonical text (owned) */
	char *answer;                           /* the answer's body as given (owned) */
};

/* Free what b owns (not b). */
void book_inv_release(struct book_inv *b);

/* What books_issue did. */
enum books_res {
	BOOKS_NEW,         /* issued now: out is the new invoice */
	BOOKS_SAME,        /* the request id was issued before with this content: out is it */
	BOOKS_CONFLICT,    /* the request id was issued before with other content */
	BOOKS_NO_ORIGINAL, /* a reversal of a number the books do not hold */
	BOOKS_NOT_BLUE,    /* a reversal of a red invoice */
	BOOKS_REVERSED,    /* a reversal of a blue invoice reversed already */
	BOOKS_FULL,        /* max_invoices in the books */
};

/* Make the answer of the invoice about to get number (malloc'd JSON text;
 * NULL: no memory): routes.c's, handed through. original is the blue
 * invoice's own answer for a reversal, NULL for a blue invoice. */
typedef char *(*books_make_fn)(const char *number, const char *original, void *ctx);

/* What to issue. */
struct book_request {
	const char *request_id;  /* the request's id */
	const char *content;     /* its canonical text */
	const char *original;    /* a reversal: the blue number; NULL for blue */
	int64_t now_ms;          /* the platform's clock */
	int province, channel;   /* the number's digits 3-5 */
};

/* Open or create DIR/taxsim.db. CA_OK, or the reason in err (size n). */
ca_err books_open(const char *dir, int max_invoices, struct books **out, char *err, size_t n);

/* Close (NULL is fine). */
void books_close(struct books *b);

/*
 * Issue rq in one transaction: a known request id answers BOOKS_SAME or
 * BOOKS_CONFLICT; a reversal's original must be a blue invoice not yet
 * reversed; then the books must have room; then the year's next sequence
 * number (China time of now_ms) makes the number, make() the answer, and
 * both are booked. What happened into *res, the invoice (new or the
 * earlier one) into out when *res is BOOKS_NEW or BOOKS_SAME.
 */
ca_err books_issue(struct books *b, const struct book_request *rq, books_make_fn make,
		   void *ctx, struct book_inv *out, enum books_res *res);

/* The invoice number into out. CA_ERR_NOT_FOUND. */
ca_err books_get(struct books *b, const char *number, struct book_inv *out);

/* Count one more of counter name ("refused:CODE", "repeats"). */
void books_count(struct books *b, const char *name);

/* /sim/state's books: {"invoices": {"blue", "red"}, "sequences": {"YY": last},
 * "refused": {CODE: n}, "repeats": n} (a new object). */
ca_err books_state(struct books *b, json_t **out);

#endif
