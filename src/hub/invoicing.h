/*
 * invoicing.h - e-invoices through the tax platform (einvoice.h,
 * docs/hub.md, E-invoice).
 *
 * An invoice is owed in the transaction of what owes it: staff's
 * issue_invoice and a payment with [invoice] issue_on_payment owe the blue
 * one; a refund of an application with a blue invoice owes its red
 * reversal. Owing it only writes a pending row (hubdb_invoice_request); a
 * worker then asks the platform, never under a transaction, with the
 * row's request id, so a retry after a lost answer gets the same invoice
 * and never a second one. What the platform issues is stored with a new
 * revision, so the kiosk's feed carries it; a refusal is stored as failed
 * with the platform's reason (staff see it, and issue_invoice asks again);
 * no answer is tried again with a growing delay. A red reversal waits
 * until its blue invoice is issued.
 */
#ifndef HUB_INVOICING_H
#define HUB_INVOICING_H

#include "core/app.h"
#include "core/err.h"
#include "einvoice.h"

#define HUBINV_TICK_MS 500        /* how often the worker looks for owed invoices */
#define HUBINV_BATCH 16           /* invoices asked for in one look */
#define HUBINV_RETRY_FIRST_MS 2000 /* the first retry after no answer; doubles */
#define HUBINV_RETRY_MAX_MS 300000 /* and stops growing here */

struct hub;
struct hubinv;

/* The invoicing of hub, through the platform [taxplat] names (none when
 * it names none: owed invoices then wait, logged). CA_ERR_CONFIG (logged)
 * when the platform's secret cannot be read. No thread until started. */
ca_err hubinv_new(struct hub *hub, struct hubinv **out);

/* Start the worker. */
ca_err hubinv_start(struct hubinv *hi);

/* Stop and join the worker, then free. hubinv_free(NULL) is fine. */
void hubinv_free(struct hubinv *hi);

/* For in-process harnesses only: p (borrowed) answers in place of the
 * configured platform. */
void hubinv_use_provider(struct hubinv *hi, struct tax_provider *p);

/* In a store transaction: app's blue invoice is owed (at revision rev). */
ca_err hubinv_owe_blue(struct hub *hub, const struct ca_app *app, int64_t rev, int64_t now_ms);

/* In a store transaction: app was refunded for reason; when it has a blue
 * invoice (issued or owed), its red reversal is owed. CA_OK also when it
 * has none. */
ca_err hubinv_owe_red(struct hub *hub, const struct ca_app *app, const char *reason,
		      int64_t now_ms);

/* Ask the platform for what is owed now, in the caller's thread (the
 * worker does the same every HUBINV_TICK_MS). */
void hubinv_run(struct hubinv *hi);

#endif
