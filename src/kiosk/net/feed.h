/*
 * feed.h - one answer of the hub's change feed (GET /v1/feed, docs/api.md,
 * Change feed) read into the store's changes, for the sync engine
 * (sync.c), which applies them with store_feed_apply.
 *
 * Each change is read by the decoder of its kind (app, record, pickup,
 * invoice) and checked as strictly as its kind's rules say; a change that
 * breaks them, and a kind this kiosk does not know, is logged and skipped,
 * so one bad row never holds up the others nor fails the batch. Only an
 * answer that is not the documented shape fails as a whole.
 */
#ifndef CA_KIOSK_FEED_H
#define CA_KIOSK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/store/store.h"

/* What a feed answer says besides its changes. */
struct feed_page {
	int n;          /* changes decoded into the caller's array */
	int64_t next;   /* the cursor after this page */
	bool more;      /* more changes are waiting */
	int64_t epoch;  /* the hub store's epoch; 0 when the hub sent none */
	bool reset;     /* the hub says: start again from 0 in this epoch */
	int skipped;    /* changes left out: unreadable, or of a kind not known */
};

/*
 * Read the len bytes of body (the answer to a request with since) into ch
 * (room for max changes, oldest first) and *pg. A page with more changes
 * than max is cut there, and pg->next is the revision of the last one
 * read. A "reset" answer carries no changes. False, with why (size
 * whylen) saying what is wrong, when the answer is not the documented
 * shape (not JSON, no changes or next, next before since, a bad epoch).
 */
bool feed_decode(const char *body, size_t len, int64_t since, struct store_change *ch,
		 int max, struct feed_page *pg, char *why, size_t whylen);

#endif
