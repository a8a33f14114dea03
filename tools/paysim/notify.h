/*
 * notify.h - the delivery thread: it sends each owed notification of the
 * books when it is due on the simulator's clock (HTTPS POST with libcurl,
 * the CA of --notify-ca, PSIM_NOTIFY_TIMEOUT_MS), signed with the platform
 * key (a probe with a WXSIGN_PROBE signature), and records the merchant's
 * answer; the books decide what is owed next (books_notice_done) on
 * WeChat Pay's retry schedule divided by --time-scale. While /sim/fault's
 * notify_hold is on, nothing is sent. A stop aborts a delivery under way
 * without recording it: it stays owed for the next start.
 */
#ifndef PSIM_NOTIFY_H
#define PSIM_NOTIFY_H

#include "books.h"
#include "core/err.h"
#include "psim.h"

/* WeChat Pay's pauses after each failed delivery, in seconds. */
#define NOTIFY_RETRIES 15
extern const int notify_retry_s[NOTIFY_RETRIES];
#define NOTIFY_DUP_S 30 /* a success is delivered again this much later */

/* Start the thread on ps. CA_OK with *out, or the reason in err. */
ca_err notifier_start(struct psim *ps, struct notifier **out, char *err, size_t n);

/* Something new may be owed: look now. */
void notifier_kick(struct notifier *nt);

/* Stop the thread (a delivery under way is cut short) and free (NULL is fine). */
void notifier_stop(struct notifier *nt);

/* The body of a TRANSACTION.SUCCESS notification about o (its resource:
 * the query's JSON, sealed with the APIv3 key): a books_body_fn, ctx the
 * struct psim. */
char *notify_body(const struct book_order *o, void *ctx);

#endif
