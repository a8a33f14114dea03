/*
 * api.h - the hub's endpoints (docs/api.md) and what they share.
 *
 * Each api_*.c registers its routes with http_add_routes(); main.c calls
 * every *_register function before the server starts. The payments module
 * declares its api_pay_register() in pay.h.
 *
 * api_apply() is the one place an application changes through the
 * transition table, for kiosks (api_records.c) and staff (api_admin.c)
 * alike: load, fsm_apply, price at approval, new revision, row, history.
 */
#ifndef HUB_API_H
#define HUB_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/app.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/msg.h"
#include "core/valid.h"
#include "http.h"
#include "hubcfg.h"

struct hub;

ca_err api_login_register(struct http *h);
ca_err api_records_register(struct http *h);
ca_err api_feed_register(struct http *h);
/* mode: production leaves out the simulator's routes (api_add_sim_routes). */
ca_err api_admin_register(struct http *h, enum hub_mode mode);
/* GET /template/application-form: HTML for a phone (api_pages.c). */
ca_err api_pages_register(struct http *h);
/* E-invoices: the kiosk's token endpoint, the invoice page and its PDF
 * (api_invoice.c). */
ca_err api_invoice_register(struct http *h);
/* The kiosks' heartbeats, their log tails and the fleet view for staff
 * (api_fleet.c, docs/fleet.md). */
ca_err api_fleet_register(struct http *h);

/* Most routes one api_add_sim_routes call takes. */
#define API_SIM_ROUTES_MAX 8

/*
 * Add routes that only a simulator has: the customer paying, the
 * provider's faults, the virtual clock, login codes read back. As given in
 * dev and demo mode; in production mode the handlers are not registered at
 * all, and each method and pattern answers 404 not_found saying that it
 * belongs to the simulators (the same authentication is asked first).
 */
ca_err api_add_sim_routes(struct http *h, enum hub_mode mode, const struct http_route *r,
			  size_t n);

/* Room for api_base_url's answer. */
#define API_BASE_URL_MAX 128

/* The account of the request's X-CA-Session, which must belong to the
 * signing device and be alive; false (rs set to 401) otherwise. */
bool api_session_account(struct http_req *rq, struct http_resp *rs, char account[12]);

/* "https://HOST" as the kiosk reached the hub (its Host header when it is
 * a plain host[:port]; else the configured listen address and port), for
 * the addresses of pages the hub serves (bank page, invoice page). */
void api_base_url(struct http_req *rq, char *out, size_t n);

/* Write s to f with the five HTML-special characters escaped. */
void api_html_text(FILE *f, const char *s);

/*
 * Apply action a with arg to *app (loaded by the caller inside the open
 * transaction): fsm_apply on the hub's copy, amount_fen from the price
 * table on approve, a new revision, the row (unless the action leaves the
 * record as it was: add_record, issue_invoice), and a history row by actor.
 * *rev gets the revision. On error nothing is written and *app is as it
 * was; CA_ERR_FORBIDDEN / CA_ERR_INVALID (with report) as fsm_apply.
 */
ca_err api_apply(struct hub *hub, struct ca_app *app, enum ca_action a, const char *arg,
		 const char *actor, int64_t now_ms, struct valid_report *report, int64_t *rev);

/* Set rs to the error for e on app (403 names the action and status; 422
 * lists every failing field of report). */
void api_fail(struct http_resp *rs, ca_err e, enum ca_action a, const struct ca_app *app,
	      const struct valid_report *report);

/* The statuses of s as text, "approved/paid/onsite", into out. */
void api_state_text(const struct ca_state *s, char out[64]);

/* Append a line for rq's staff member (rq->who) to the audit trail: what
 * (an fsm action id, "staff_add", ...), on which target, the state before
 * and after ("" where none) and the argument. Inside the change's own
 * transaction when it has one: if the line cannot be written the change is
 * not committed either. */
ca_err api_audit(struct http_req *rq, const char *action, const char *target,
		 const char *before, const char *after, const char *detail);

/* "staff:" and the display name of rq's staff member: the actor written
 * into an application's history. */
void api_actor(const struct http_req *rq, char *out, size_t n);

/* Staff accounts, login, the audit trail (api_staff.c). */
ca_err api_staff_register(struct http *h);

/* The outcome of api_staff_login. */
struct api_login {
	int status;              /* 200, 401 (wrong), 403 (disabled), 429 (wait), 500 */
	int retry_after_s;       /* with 429 */
	char token[65];          /* with 200: the session's or token's secret */
	char csrf[65];           /* with 200 and console: the form token */
	int64_t expires_ms;      /* with 200 */
	struct hubdb_staff st;   /* with 200: the account */
};

/* Log name in with password pw from rq's address, for the console (a
 * session) or for ca-hubctl (a token): the throttle per account and per
 * address, the argon2id check, the audit line (login or login_failed). */
void api_staff_login(struct http_req *rq, const char *name, const char *pw, bool console,
		     struct api_login *out);

/*
 * Staff action a (approve, reject, ship, mark_ready, hand_over,
 * issue_invoice) with arg on application id as rq's staff member: the
 * transition, what the action adds (the pickup row at kiosk and slot, the
 * invoice, the clerk's processing record) and the audit line, in one
 * transaction (api_admin.c). CA_OK with *app the record after;
 * CA_ERR_ARG when the member's roles do not allow a; CA_ERR_NOT_FOUND;
 * CA_ERR_FORBIDDEN (the status does not allow it; *app is the record);
 * CA_ERR_INVALID with rep; a store error. Nothing is written unless CA_OK.
 */
ca_err api_admin_act(struct http_req *rq, const char *id, enum ca_action a, const char *arg,
		     const char *kiosk, const char *slot, struct ca_app *app,
		     struct valid_report *rep);

/* Add processing record text to application id as rq's staff member, with
 * its audit line. CA_OK with *rec and *rev filled; CA_ERR_ARG when the
 * roles do not allow it or text is not 1..CA_COMMENT_MAX characters;
 * CA_ERR_NOT_FOUND; CA_ERR_FORBIDDEN; a store error. */
ca_err api_admin_record(struct http_req *rq, const char *id, const char *text,
			struct ca_proc_record *rec, int64_t *rev);

/* The orders open at the counter whose pickup code is code (6 digits):
 * paid on-site orders at the counter (onsite) or in a kiosk
 * (ready_for_pickup), as a new JSON array of {"id", "company", "handler",
 * "account" (masked), "proc_status", "pay_status", "kiosk", "slot"} into
 * *orders; *more when the list was cut. CA_ERR_ARG for a code that is not
 * 6 digits; a store error (api_admin.c). */
ca_err api_pickup_code_find(struct hub *hub, const char *code, json_t **orders, bool *more);

/* Disable device id as rq's staff member, with its audit line (api_admin.c).
 * CA_ERR_NOT_FOUND; a store error. */
ca_err api_device_disable(struct http_req *rq, const char *id);

/* The fleet view at now_ms (api_fleet.c): every kiosk with its health row,
 * "state" (online, offline, never), "attention" and "faults", those that
 * need attention first, as a new JSON array into *kiosks. A store error. */
ca_err api_fleet_view(struct hub *hub, int64_t now_ms, json_t **kiosks);

/* Leave request what for kiosk device (delivered with its next heartbeat's
 * answer) as rq's staff member at now_ms, with its audit line
 * (api_fleet.c). CA_ERR_ARG for a malformed id; CA_ERR_NOT_FOUND; a store
 * error. */
ca_err api_fleet_ask(struct http_req *rq, const char *device, enum hubdb_ask what,
		     int64_t now_ms);

/*
 * Staff account changes as rq's staff member (an admin), each with its
 * audit line in one transaction (api_staff.c), for the JSON routes and the
 * console alike. roles: enum staff_role bits, -1 for a list that was bad.
 * CA_ERR_INVALID for a bad name, display name or roles, or a password that
 * cannot be used (then *why is its catalog reason, else MSG_NONE);
 * CA_ERR_FORBIDDEN when an admin would disable itself or take away its
 * own admin role; CA_ERR_NOT_FOUND (also for a malformed name where the
 * account must exist); CA_ERR_CONFLICT for a name taken; CA_ERR_NOMEM when
 * the password could not be hashed; a store error. Disabling an account
 * or setting its password ends its sessions and tokens at once.
 */
ca_err api_staff_add(struct http_req *rq, const char *name, const char *display, long roles,
		     const char *pw, enum msg_id *why);
ca_err api_staff_able(struct http_req *rq, const char *name, bool disable);
ca_err api_staff_password(struct http_req *rq, const char *name, const char *pw,
			  enum msg_id *why);
ca_err api_staff_roles(struct http_req *rq, const char *name, long roles);

/* Set rs to the answer when the store failed: 500, retry in 5 s. */
void api_store_error(struct http_resp *rs);

/* The error body api_fail makes, as a new JSON object, with its status. */
json_t *api_error_json(ca_err e, enum ca_action a, const struct ca_app *app,
		       const struct valid_report *report, int *status);

#endif
