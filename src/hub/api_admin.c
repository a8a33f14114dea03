/*
 * api_admin.c - /v1/admin/ (staff and operators, through ca-hubctl) and the
 * unauthenticated GET /health.
 *
 * Every change to an application goes through api_apply() (the transition
 * table), gets a revision and so appears in the feed; side rows (pickup,
 * invoice, processing record) get revisions of their own. Every action is
 * logged with the staff name; phones in list output and logs are masked.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/utf8.h"
#include "core/uuid.h"
#include "api.h"
#include "hub.h"
#include "invoicing.h"
#include "pay.h"
#include "vclock.h"

#define TAG "admin"
#define LIST_MAX 500     /* applications of one page at most */
#define LIST_DEFAULT 50  /* ... and when the page does not say */
#define ORDERS_MAX 100 /* orders of one application in a show */

/* The string member name of obj, or def when absent/null; NULL when it is
 * there but not a string. */
static const char *opt_str(json_t *obj, const char *name, const char *def)
{
	json_t *v = json_object_get(obj, name);

	if (!v || json_is_null(v))
		return def;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Text of 1..max characters without control characters. */
static bool text_ok(const char *s, size_t max)
{
	size_t n;
	const unsigned char *p;

	if (!s || !utf8_count(s, &n) || n < 1 || n > max)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* An application id of the path for a message: itself when it is a UUID,
 * else words (the path may hold any bytes, and a message that is not
 * UTF-8 cannot go into the JSON error body). */
static const char *id_text(const char *id)
{
	return uuid_valid(id) ? id : "with that id";
}

/* GET /health: 200 when the store answers a read from its file, else 503
 * with Retry-After (the reason goes to the log, not to the caller). */
static void health(struct http_req *rq, struct http_resp *rs)
{
	char why[300];

	if (hubdb_ping(rq->hub->db, why, sizeof(why)) != CA_OK) {
		log_error(TAG, "health: store unavailable: %s", why[0] ? why : "read failed");
		http_error(rs, 503, "unavailable", "the store cannot be read; retry later");
		rs->retry_after = 10;
		return;
	}
	http_reply(rs, 200, json_pack("{s:s, s:I}", "status", "ok", "time",
				      (json_int_t)vclock_now_s()));
}

/* GET /v1/admin/server: what the server holds now (ca-hubctl server). */
static void server_stats(struct http_req *rq, struct http_resp *rs)
{
	struct http_stats st;

	http_get_stats(rq->hub->http, &st);
	http_reply(rs, 200, json_pack("{s:i, s:i, s:i, s:I, s:I}", "connections",
				      st.connections, "parked", st.parked, "max_connections",
				      st.max_connections, "cut", (json_int_t)st.cut, "woken",
				      (json_int_t)st.woken));
}

/* ---- applications ---- */

/* A page of the listing being built. */
struct list_ctx {
	json_t *arr;     /* the rows so far */
	int64_t last_ms; /* updated_ms of the last row (the next cursor) */
	char last_id[CA_UUID_LEN + 1]; /* its id */
};

static int list_one(const struct ca_app *a, void *ctx)
{
	struct list_ctx *l = ctx;
	char m[MASK_BUF];

	json_array_append_new(l->arr, json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
		"id", a->id, "company", a->company, "uscc", a->uscc,
		"account", mask_phone(a->account, m, sizeof(m)),
		"app_status", ca_app_status_id(a->app_status),
		"pay_status", ca_pay_status_id(a->pay_status),
		"proc_status", ca_proc_status_id(a->proc_status),
		"pickup", ca_pickup_id(a->pickup), "amount_fen", (json_int_t)a->amount_fen,
		"rev", (json_int_t)a->rev, "updated_ms", (json_int_t)a->updated_ms));
	l->last_ms = a->updated_ms;
	snprintf(l->last_id, sizeof(l->last_id), "%s", a->id);
	return 0;
}

/* Parse a listing cursor "MS:ID" (as the last page answered) into q. */
static bool cursor_parse(const char *c, struct hubdb_app_q *q, char *id, size_t idn)
{
	char *end;
	long long ms;

	ms = strtoll(c, &end, 10);
	if (end == c || *end != ':' || ms < 0 || !uuid_valid(end + 1))
		return false;
	snprintf(id, idn, "%s", end + 1);
	q->after_ms = ms;
	q->after_id = id;
	return true;
}

/* GET /v1/admin/apps?status=S&q=TEXT&after=CURSOR&limit=N: oldest change
 * first (what waits longest on top); "next" is the cursor of the page after
 * this one, null when this is the last. */
static void apps_list(struct http_req *rq, struct http_resp *rs)
{
	const char *st = http_query(rq, "status"), *text = http_query(rq, "q");
	const char *after = http_query(rq, "after"), *lim = http_query(rq, "limit");
	struct hubdb_app_q q = { .status = -1, .limit = LIST_DEFAULT };
	struct list_ctx l = { json_array(), 0, "" };
	char after_id[CA_UUID_LEN + 1], cur[64], *end;
	size_t n;

	if (st && *st && (q.status = ca_app_status_from_id(st)) < 0) {
		http_error(rs, 400, "bad_request", "status: one of draft, pending_review, "
			   "approved, rejected");
		goto fail;
	}
	if (lim && *lim && ((q.limit = (int)strtol(lim, &end, 10)) < 1 || q.limit > LIST_MAX ||
			    *end)) {
		http_error(rs, 400, "bad_request", "limit: 1..%d", LIST_MAX);
		goto fail;
	}
	if (after && *after && !cursor_parse(after, &q, after_id, sizeof(after_id))) {
		http_error(rs, 400, "bad_request", "after: the cursor a page answered as next");
		goto fail;
	}
	if (text && (!utf8_count(text, &n) || n > 100)) {
		http_error(rs, 400, "bad_request", "q: up to 100 characters of text");
		goto fail;
	}
	q.text = text;
	if (!l.arr || hubdb_app_page(rq->hub->db, &q, list_one, &l)) {
		api_store_error(rs);
		goto fail;
	}
	snprintf(cur, sizeof(cur), "%lld:%s", (long long)l.last_ms, l.last_id);
	http_reply(rs, 200, json_pack("{s:o, s:o}", "apps", l.arr, "next",
				      json_array_size(l.arr) == (size_t)q.limit
				      ? json_string(cur) : json_null()));
	return;
fail:
	json_decref(l.arr);
}

/* The payment orders of app_id, oldest first (at most ORDERS_MAX), as
 * staff and test harnesses need them: number, state, code_url. NULL on a
 * store error. */
static json_t *orders_json(struct hubdb *db, const char *app_id)
{
	char (*nos)[PAY_TRADE_NO_MAX + 1] = malloc(ORDERS_MAX * sizeof(*nos));
	struct hubdb_pay *p = malloc(sizeof(*p));
	json_t *arr = json_array();
	size_t n = 0, i;

	if (!nos || !p || !arr || hubdb_pay_list(db, HUBDB_PAY_OF_APP, app_id, 0, nos,
						 ORDERS_MAX, &n))
		goto fail;
	for (i = 0; i < n; i++) {
		if (hubdb_pay_get(db, nos[i], p))
			goto fail;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
			"out_trade_no", p->o.out_trade_no, "trade_state", pay_state_id(p->o.state),
			"method", pay_method_id(p->o.method), "amount_fen",
			(json_int_t)p->o.amount_fen, "expires_at", (json_int_t)p->o.expires_s,
			"code_url", p->code_url));
	}
	free(nos);
	free(p);
	return arr;
fail:
	free(nos);
	free(p);
	json_decref(arr);
	return NULL;
}

static void app_show(struct http_req *rq, struct http_resp *rs)
{
	struct hubdb *db = rq->hub->db;
	struct ca_app *app = malloc(sizeof(*app));
	json_t *hist = NULL, *recs = NULL, *pickup = NULL, *invoice = NULL, *orders = NULL;
	char code[7];
	ca_err e;

	if (!app) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	e = hubdb_app_get(db, rq->param[0], app);
	if (e == CA_ERR_NOT_FOUND) {
		http_error(rs, 404, "not_found", "no application %s", id_text(rq->param[0]));
		goto out;
	}
	if (e || hubdb_history_json(db, app->id, &hist) || hubdb_record_json(db, app->id, &recs) ||
	    hubdb_side_json(db, app->id, &pickup, &invoice) ||
	    !(orders = orders_json(db, app->id))) {
		json_decref(hist);
		json_decref(recs);
		json_decref(pickup);
		json_decref(invoice);
		http_error(rs, 500, "internal", "store error");
		goto out;
	}
	/* The code the kiosk shows for an on-site order (ca_pickup_code), so
	 * the counter can match what the person holds up. */
	if (app->pickup == CA_PICKUP_ONSITE)
		ca_pickup_code(app->id, code);
	http_reply(rs, 200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "app",
				      codec_app_encode(app), "history", hist, "records", recs,
				      "pickup", pickup ? pickup : json_null(),
				      "invoices", invoice, "orders", orders,
				      "pickup_code", app->pickup == CA_PICKUP_ONSITE
				      ? json_string(code) : json_null()));
out:
	free(app);
}

/* The role each staff action of the transition table needs. */
static unsigned act_role(enum ca_action a)
{
	switch (a) {
	case CA_ACT_APPROVE:
	case CA_ACT_REJECT:
		return STAFF_REVIEW;
	case CA_ACT_SHIP:
	case CA_ACT_MARK_READY:
	case CA_ACT_HAND_OVER:
		return STAFF_COUNTER;
	case CA_ACT_ISSUE_INVOICE:
	case CA_ACT_REFUND:
		return STAFF_FINANCE;
	default:
		return 0;
	}
}

/* Begin a change of application id: the store's transaction open and the
 * row read into app. CA_OK with the transaction open; otherwise none is. */
static ca_err change_open(struct hub *hub, const char *id, struct ca_app *app)
{
	ca_err e = hubdb_begin(hub->db);

	if (e)
		return e;
	e = hubdb_app_get(hub->db, id, app);
	if (e)
		hubdb_rollback(hub->db);
	return e;
}

/* End a change begun by change_open: commit when e is CA_OK, else roll
 * back. The result of the whole. */
static ca_err change_close(struct hub *hub, ca_err e)
{
	if (e) {
		hubdb_rollback(hub->db);
		return e;
	}
	return hubdb_commit(hub->db);
}

/* A new processing record in rec: of application app_id, made now by the
 * staff member of rq, saying text. CA_ERR_IO when no id could be made. */
static ca_err proc_record_new(struct http_req *rq, const char *app_id, int64_t now,
			      const char *text, struct ca_proc_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	if (uuid_v4(rec->id))
		return CA_ERR_IO;
	snprintf(rec->app_id, sizeof(rec->app_id), "%.36s", app_id);
	rec->at_ms = now;
	snprintf(rec->staff, sizeof(rec->staff), "%s", rq->who.display);
	snprintf(rec->text, sizeof(rec->text), "%s", text);
	return CA_OK;
}

ca_err api_admin_act(struct http_req *rq, const char *id, enum ca_action a, const char *arg,
		     const char *kiosk, const char *slot, struct ca_app *app,
		     struct valid_report *rep)
{
	struct hub *hub = rq->hub;
	struct ca_proc_record rec;
	char actor[300], before[64], after[64], refund_no[PAY_TRADE_NO_MAX + 1] = "";
	int64_t now = vclock_now_ms(), rev = 0, rev2;
	struct ca_state from, to;
	ca_err e;

	rep->n = 0;
	if (!(rq->who.roles & act_role(a)))
		return CA_ERR_ARG;
	api_actor(rq, actor, sizeof(actor));
	e = change_open(hub, id, app);
	if (e)
		return e;
	from = ca_state_of(app);
	e = api_apply(hub, app, a, arg, actor, now, rep, &rev);
	if (!e && a == CA_ACT_MARK_READY && !(e = hubdb_rev_next(hub->db, &rev2)))
		e = hubdb_pickup_put(hub->db, app->id, app->account, kiosk, slot, rev2, now);
	/* An invoice is owed; the tax platform is asked after the commit. */
	if (!e && a == CA_ACT_ISSUE_INVOICE)
		e = hubinv_owe_blue(hub, app, rev, now);
	/* A refund: the payment is owed back (given back after the commit),
	 * and an invoice issued for it is reversed with a red one. */
	if (!e && a == CA_ACT_REFUND)
		e = hubpay_refund_due(hub->pay, app->id, refund_no);
	if (!e && a == CA_ACT_REFUND)
		e = hubinv_owe_red(hub, app, arg, now);
	if (!e && (a == CA_ACT_HAND_OVER || a == CA_ACT_REFUND)) {
		char text[sizeof(rec.text)];

		if (a == CA_ACT_HAND_OVER)
			snprintf(text, sizeof(text), "%s", msg(MSG_HAND_OVER_RECORD));
		else
			snprintf(text, sizeof(text), "%s%s", msg(MSG_REFUND_RECORD), arg);
		e = proc_record_new(rq, app->id, now, text, &rec);
		if (!e && !(e = hubdb_rev_next(hub->db, &rev2)))
			e = hubdb_record_add(hub->db, &rec, app->account, rev2);
	}
	if (!e) {
		to = ca_state_of(app);
		api_state_text(&from, before);
		api_state_text(&to, after);
		/* The ID number read at the counter is not written to the trail. */
		e = api_audit(rq, fsm_action_id(a), app->id, before, after,
			      a == CA_ACT_HAND_OVER ? "" : arg);
	}
	e = change_close(hub, e);
	/* The provider is asked only once the refund is recorded; when it
	 * fails the sweep asks again (the order stays owed back). */
	if (!e && a == CA_ACT_REFUND)
		(void)hubpay_refund(hub->pay, refund_no);
	if (e)
		log_info(TAG, "%s of %s by %s refused: %s", fsm_action_id(a), id_text(id),
			 rq->who.name, ca_strerror(e));
	else
		log_info(TAG, "%s of %s by %s (rev %lld)", fsm_action_id(a), app->id,
			 rq->who.name, (long long)rev);
	return e;
}

/* Set rs to the API's answer for a refused staff change of id. */
static void change_refused(struct http_req *rq, struct http_resp *rs, ca_err e,
			   enum ca_action a, const struct ca_app *app,
			   const struct valid_report *rep)
{
	if (e == CA_ERR_ARG)
		http_error(rs, 403, "forbidden", "%s needs the role %s", fsm_action_id(a),
			   staff_role_id(act_role(a)));
	else if (e == CA_ERR_NOT_FOUND)
		http_error(rs, 404, "not_found", "no application %s", id_text(rq->param[0]));
	else if (e == CA_ERR_FORBIDDEN || e == CA_ERR_INVALID)
		api_fail(rs, e, a, app, rep);
	else
		api_store_error(rs);
}

/* POST /v1/admin/apps/ID/act {"op", "arg", "kiosk", "slot"}: the staff
 * member is the token's. */
static void app_act(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	const char *op, *arg, *kiosk, *slot;
	struct valid_report rep = { 0 };
	struct ca_app *app = NULL;
	ca_err e;
	int a;

	if (!body)
		return;
	op = opt_str(body, "op", NULL);
	arg = opt_str(body, "arg", NULL);
	kiosk = opt_str(body, "kiosk", NULL);
	slot = opt_str(body, "slot", "");
	a = op ? fsm_action_from_id(op) : -1;
	if (a < 0 || !act_role((enum ca_action)a)) {
		http_error(rs, 400, "bad_request", "op: approve, reject, ship, mark_ready, "
			   "hand_over, issue_invoice or refund");
		goto out;
	}
	if (!arg && json_object_get(body, "arg") && !json_is_null(json_object_get(body, "arg"))) {
		http_error(rs, 400, "bad_request", "arg must be text");
		goto out;
	}
	if (a == CA_ACT_MARK_READY &&
	    (!kiosk || !text_ok(kiosk, CA_KIOSK_ID_MAX) || !slot || strlen(slot) > 16)) {
		http_error(rs, 400, "bad_request", "mark_ready needs kiosk (1..%d characters) "
			   "and an optional slot (up to 16)", CA_KIOSK_ID_MAX);
		goto out;
	}
	app = malloc(sizeof(*app));
	if (!app) {
		api_store_error(rs);
		goto out;
	}
	e = api_admin_act(rq, rq->param[0], (enum ca_action)a, arg, kiosk, slot, app, &rep);
	if (e)
		change_refused(rq, rs, e, (enum ca_action)a, app, &rep);
	else
		http_reply(rs, 200, json_pack("{s:o}", "app", codec_app_encode(app)));
out:
	free(app);
	json_decref(body);
}

ca_err api_admin_record(struct http_req *rq, const char *id, const char *text,
			struct ca_proc_record *rec, int64_t *rev_out)
{
	struct hub *hub = rq->hub;
	struct ca_app *app;
	char actor[300];
	int64_t now = vclock_now_ms(), rev = 0;
	ca_err e;

	if (!(rq->who.roles & (STAFF_REVIEW | STAFF_COUNTER)) || !text_ok(text, CA_COMMENT_MAX))
		return CA_ERR_ARG;
	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	api_actor(rq, actor, sizeof(actor));
	e = proc_record_new(rq, id, now, text, rec);
	if (!e)
		e = change_open(hub, id, app);
	if (e)
		goto out;
	e = api_apply(hub, app, CA_ACT_ADD_RECORD, text, actor, now, NULL, &rev);
	if (!e)
		e = hubdb_record_add(hub->db, rec, app->account, rev);
	if (!e)
		e = api_audit(rq, fsm_action_id(CA_ACT_ADD_RECORD), app->id, "", "", text);
	e = change_close(hub, e);
	if (!e) {
		log_info(TAG, "processing record %s on %s by %s (rev %lld)", rec->id, app->id,
			 rq->who.name, (long long)rev);
		*rev_out = rev;
	}
out:
	free(app);
	return e;
}

/* POST /v1/admin/apps/ID/records {"text"} */
static void app_record(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	struct ca_proc_record rec;
	int64_t rev;
	ca_err e;

	if (!body)
		return;
	e = api_admin_record(rq, rq->param[0], opt_str(body, "text", NULL), &rec, &rev);
	if (e == CA_ERR_ARG)
		http_error(rs, 400, "bad_request", "text (1..%d characters) is required",
			   CA_COMMENT_MAX);
	else if (e == CA_ERR_NOT_FOUND)
		http_error(rs, 404, "not_found", "no application %s", id_text(rq->param[0]));
	else if (e == CA_ERR_FORBIDDEN)
		api_fail(rs, e, CA_ACT_ADD_RECORD, NULL, NULL);
	else if (e)
		api_store_error(rs);
	else
		http_reply(rs, 200, json_pack("{s:o, s:I}", "record", codec_record_encode(&rec),
					      "rev", (json_int_t)rev));
	json_decref(body);
}

/* ---- devices ---- */

static void device_add(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	const char *id;
	char secret[SIGN_HEX_LEN + 1];
	ca_err e;

	if (!body)
		return;
	id = opt_str(body, "id", NULL);
	if (!sign_device_id_ok(id)) {
		http_error(rs, 400, "bad_request", "id: 1 to 32 of A-Z a-z 0-9 _ -");
		goto out;
	}
	if (sign_new_secret(secret)) {
		http_error(rs, 500, "internal", "no randomness");
		goto out;
	}
	e = hubdb_begin(rq->hub->db);
	if (!e) {
		e = hubdb_device_add(rq->hub->db, id, secret, vclock_now_s());
		if (!e)
			e = api_audit(rq, "device_add", id, "", "enabled", "");
		e = e ? (hubdb_rollback(rq->hub->db), e) : hubdb_commit(rq->hub->db);
	}
	if (e == CA_ERR_CONFLICT) {
		http_error(rs, 409, "conflict", "device %s exists", id);
		goto out;
	}
	if (e) {
		http_error(rs, 500, "internal", "store error");
		goto out;
	}
	log_info(TAG, "device %s provisioned", id);
	http_reply(rs, 200, json_pack("{s:s, s:s}", "id", id, "secret", secret));
out:
	json_decref(body);
}

static void device_list(struct http_req *rq, struct http_resp *rs)
{
	json_t *list;

	if (hubdb_device_list(rq->hub->db, &list)) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	http_reply(rs, 200, json_pack("{s:o}", "devices", list));
}

ca_err api_device_disable(struct http_req *rq, const char *id)
{
	ca_err e = hubdb_begin(rq->hub->db);

	if (!e) {
		e = hubdb_device_disable(rq->hub->db, id);
		if (!e)
			e = api_audit(rq, "device_disable", id, "enabled", "disabled", "");
		e = e ? (hubdb_rollback(rq->hub->db), e) : hubdb_commit(rq->hub->db);
	}
	if (!e)
		log_info(TAG, "device %s disabled", id);
	return e;
}

static void device_disable(struct http_req *rq, struct http_resp *rs)
{
	ca_err e = api_device_disable(rq, rq->param[0]);

	if (e == CA_ERR_NOT_FOUND) {
		http_error(rs, 404, "not_found", "no device %s",
			   sign_device_id_ok(rq->param[0]) ? rq->param[0] : "with that id");
		return;
	}
	if (e) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	http_reply(rs, 200, json_pack("{s:s, s:b}", "id", rq->param[0], "enabled", 0));
}

/* ---- restocks and pickup codes (the service counter) ---- */

/* GET /v1/admin/restocks[?kiosk=K]: newest first. */
static void restocks_list(struct http_req *rq, struct http_resp *rs)
{
	const char *kiosk = http_query(rq, "kiosk");
	json_t *list;

	if (kiosk && !*kiosk)
		kiosk = NULL;
	if (kiosk && !sign_device_id_ok(kiosk)) {
		http_error(rs, 400, "bad_request", "kiosk: 1 to 32 of A-Z a-z 0-9 _ -");
		return;
	}
	if (hubdb_restock_json(rq->hub->db, kiosk, HUBDB_RESTOCK_LIST_MAX, &list)) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	http_reply(rs, 200, json_pack("{s:o}", "restocks", list));
}

/* Orders one pickup-code lookup lists at most (codes are not unique, but
 * more than a handful on one code would take a million open orders). */
#define CODE_MATCH_MAX 50

/* A pickup-code lookup in progress. */
struct code_ctx {
	const char *code;  /* the 6 digits asked for */
	json_t *arr;       /* the matches so far */
	bool more;         /* CODE_MATCH_MAX reached: the list is cut */
};

/* hubdb_app_each callback: keep an on-site order not yet collected whose
 * pickup code is the one asked for. */
static int code_one(const struct ca_app *a, void *ctx)
{
	struct code_ctx *c = ctx;
	char code[7], m[MASK_BUF];

	if (a->pickup != CA_PICKUP_ONSITE || a->pay_status != CA_PAY_PAID ||
	    (a->proc_status != CA_PROC_ONSITE && a->proc_status != CA_PROC_READY_FOR_PICKUP))
		return 0;
	ca_pickup_code(a->id, code);
	if (strcmp(code, c->code) != 0)
		return 0;
	if (json_array_size(c->arr) == CODE_MATCH_MAX) {
		c->more = true;
		return 1;
	}
	json_array_append_new(c->arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:n}",
		"id", a->id, "company", a->company, "handler", a->handler,
		"account", mask_phone(a->account, m, sizeof(m)),
		"proc_status", ca_proc_status_id(a->proc_status),
		"pay_status", ca_pay_status_id(a->pay_status), "kiosk", "slot"));
	return 0;
}

/* Set each match's kiosk and slot from its pickup row (mark_ready), when
 * staff put the key somewhere. */
static ca_err code_places(struct hubdb *db, json_t *arr)
{
	json_t *x, *pickup, *invoice;
	size_t i;

	json_array_foreach(arr, i, x) {
		if (hubdb_side_json(db, json_string_value(json_object_get(x, "id")), &pickup,
				    &invoice))
			return CA_ERR_DB;
		json_decref(invoice);
		if (!pickup)
			continue;
		json_object_set(x, "kiosk", json_object_get(pickup, "kiosk"));
		json_object_set(x, "slot", json_object_get(pickup, "slot"));
		json_decref(pickup);
	}
	return CA_OK;
}

/*
 * The orders whose pickup code (ca_pickup_code) is code, for the service
 * counter. The code is a hash of the id, not an index, so this scans every
 * approved application and keeps the on-site ones that are paid and not
 * yet collected (status onsite or ready_for_pickup). A full scan under the
 * store's lock: fine for the thousands of orders of a service hall; a hub
 * with far more would store the code in a column with an index instead.
 */
ca_err api_pickup_code_find(struct hub *hub, const char *code, json_t **orders, bool *more)
{
	struct code_ctx c = { code, NULL, false };
	size_t i;

	*orders = NULL;
	*more = false;
	for (i = 0; code && code[i]; i++)
		if (code[i] < '0' || code[i] > '9')
			break;
	if (!code || i != 6 || code[i])
		return CA_ERR_ARG;
	c.arr = json_array();
	if (!c.arr)
		return CA_ERR_NOMEM;
	if (hubdb_app_each(hub->db, CA_APP_APPROVED, -1, code_one, &c) ||
	    code_places(hub->db, c.arr)) {
		json_decref(c.arr);
		return CA_ERR_DB;
	}
	log_info(TAG, "pickup code lookup: %zu order(s)", json_array_size(c.arr));
	*orders = c.arr;
	*more = c.more;
	return CA_OK;
}

/* GET /v1/admin/pickup-code/NNNNNN: api_pickup_code_find. */
static void pickup_code(struct http_req *rq, struct http_resp *rs)
{
	const char *code = rq->param[0];
	json_t *orders;
	bool more;
	ca_err e = api_pickup_code_find(rq->hub, code, &orders, &more);

	if (e == CA_ERR_ARG)
		http_error(rs, 400, "bad_request", "a pickup code is exactly 6 digits");
	else if (e)
		http_error(rs, 500, "internal", "store error");
	else
		http_reply(rs, 200, json_pack("{s:s, s:o, s:b}", "code", code, "orders", orders,
					      "more", more));
}

/* ---- SMS, clock ---- */

static void sms_last(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	struct hubdb_code c;
	ca_err e;

	if (!hub->sms->records) {
		http_error(rs, 404, "not_found", "the SMS provider does not keep codes for staff");
		return;
	}
	if (valid_mobile(rq->param[0]) != MSG_NONE) {
		http_error(rs, 400, "bad_request", "not a mainland mobile number");
		return;
	}
	e = hubdb_sms_code_get(hub->db, rq->param[0], &c);
	if (e == CA_ERR_NOT_FOUND) {
		http_error(rs, 404, "not_found", "no code was sent to this phone");
		return;
	}
	if (e) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	http_reply(rs, 200, json_pack("{s:s, s:s, s:I, s:I, s:i, s:b}", "phone", rq->param[0],
				      "code", c.code, "sent_at", (json_int_t)c.sent_s,
				      "expires_at", (json_int_t)c.expires_s, "tries", c.tries,
				      "used", c.used));
}

static void clock_advance(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs), *s;

	if (!body)
		return;
	s = json_object_get(body, "advance_s");
	if (!json_is_integer(s) || json_integer_value(s) <= 0) {
		http_error(rs, 400, "bad_request", "advance_s: a positive whole number of seconds");
	} else if (!vclock_enabled()) {
		http_error(rs, 403, "forbidden", "the hub runs on the system clock (start it "
			   "with --virtual-clock)");
	} else if (!vclock_advance(json_integer_value(s))) {
		http_error(rs, 400, "bad_request", "advance_s: at most ten years at a time");
	} else {
		log_info(TAG, "virtual clock advanced by %lld s", (long long)json_integer_value(s));
		http_reply(rs, 200, json_pack("{s:I, s:b}", "now", (json_int_t)vclock_now_s(),
					      "virtual", 1));
	}
	json_decref(body);
}

static const struct http_route routes[] = {
	{ "GET", "/health", HTTP_AUTH_NONE, health, 0 },
	{ "GET", "/v1/admin/apps", HTTP_AUTH_STAFF, apps_list, STAFF_CASEWORK },
	{ "GET", "/v1/admin/apps/*", HTTP_AUTH_STAFF, app_show, STAFF_CASEWORK },
	{ "POST", "/v1/admin/apps/*/act", HTTP_AUTH_STAFF, app_act, STAFF_CASEWORK },
	{ "POST", "/v1/admin/apps/*/records", HTTP_AUTH_STAFF, app_record, STAFF_REVIEW | STAFF_COUNTER },
	{ "POST", "/v1/admin/devices", HTTP_AUTH_STAFF, device_add, STAFF_OPS },
	{ "GET", "/v1/admin/devices", HTTP_AUTH_STAFF, device_list, STAFF_OPS },
	{ "POST", "/v1/admin/devices/*/disable", HTTP_AUTH_STAFF, device_disable, STAFF_OPS },
	{ "GET", "/v1/admin/restocks", HTTP_AUTH_STAFF, restocks_list, STAFF_OPS | STAFF_COUNTER },
	{ "GET", "/v1/admin/server", HTTP_AUTH_STAFF, server_stats, STAFF_OPS },
	{ "GET", "/v1/admin/pickup-code/*", HTTP_AUTH_STAFF, pickup_code, STAFF_COUNTER },
};

/* Development and test tools: never on a production hub. */
static const struct http_route sim_routes[] = {
	{ "GET", "/v1/admin/sms/*", HTTP_AUTH_STAFF, sms_last, STAFF_ANY },
	{ "POST", "/v1/admin/clock", HTTP_AUTH_STAFF, clock_advance, STAFF_ANY },
};

ca_err api_admin_register(struct http *h, enum hub_mode mode)
{
	ca_err e = http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));

	return e ? e : api_add_sim_routes(h, mode, sim_routes,
					  sizeof(sim_routes) / sizeof(sim_routes[0]));
}
