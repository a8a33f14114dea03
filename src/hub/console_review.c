/*
 * console_review.c - the console's 审核 area: the queue of applications,
 * oldest waiting first, with the counts per status and a search; and one
 * application with every field, its history and processing records, and
 * the actions the transition table and the staff member's roles allow.
 *
 * Where to start reading: app_page(), then act_post(). A form offers an
 * action only when fsm_allowed() says the record's state allows it and the
 * member has its role; the hub checks both again when the form comes
 * (api_admin_act), since a page may be old.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/cst.h"
#include "core/fsm.h"
#include "core/mask.h"
#include "core/utf8.h"
#include "core/uuid.h"
#include "core/valid.h"
#include "api.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"
#include "vclock.h"

#define QUEUE_PAGE 50 /* applications a queue page shows */

/* A queue page being listed. */
struct queue {
	struct page *p;          /* where */
	int n;                   /* rows so far */
	int64_t now_ms;          /* for the waiting time */
	int64_t last_ms;         /* the cursor of the next page: updated_ms ... */
	char last_id[CA_UUID_LEN + 1]; /* ... and id of the last row */
};

/* Write how long since ms, in days, hours or minutes. */
static void waited(struct page *p, int64_t now_ms, int64_t ms)
{
	int64_t min = (now_ms - ms) / 60000;
	char buf[64];

	if (min < 0)
		min = 0;
	if (min >= 2 * 1440)
		page_text(p, msg_format(buf, sizeof(buf), MSG_CON_WAIT_DAYS, (int)(min / 1440)));
	else if (min >= 60)
		page_text(p, msg_format(buf, sizeof(buf), MSG_CON_WAIT_HOURS, (int)(min / 60)));
	else
		page_text(p, msg_format(buf, sizeof(buf), MSG_CON_WAIT_MINUTES, (int)min));
}

static int queue_row(const struct ca_app *a, void *ctx)
{
	struct queue *q = ctx;
	struct page *p = q->p;
	char m[MASK_BUF];

	page_raw(p, "<tr class=\"row-link\" data-href=\"/app/%s\"><td><a href=\"/app/%s\">%.8s</a>"
		 "</td><td>", a->id, a->id, a->id);
	page_text(p, a->company);
	page_raw(p, "</td><td>");
	page_text(p, a->uscc);
	page_raw(p, "</td><td>");
	page_text(p, a->handler);
	page_raw(p, "</td><td>");
	page_text(p, mask_phone(a->account, m, sizeof(m)));
	page_raw(p, "</td><td>");
	page_state(p, a);
	page_raw(p, "</td><td>");
	waited(p, q->now_ms, a->updated_ms);
	page_raw(p, "</td><td>");
	page_time(p, a->updated_ms);
	page_raw(p, "</td></tr>\n");
	q->n++;
	q->last_ms = a->updated_ms;
	snprintf(q->last_id, sizeof(q->last_id), "%s", a->id);
	return 0;
}

/* Write a link to the queue with status st (-1: all) and text q, marked
 * when it is the one shown, with its count. */
static void count_link(struct page *p, int st, int shown, const char *text, enum msg_id name,
		       int n)
{
	page_raw(p, "<a href=\"/review?status=%s", st < 0 ? "all" :
		 ca_app_status_id((enum ca_app_status)st));
	if (text) {
		page_raw(p, "&amp;q=");
		page_text(p, text);
	}
	page_raw(p, "\"%s>", st == shown ? " class=\"here\"" : "");
	page_msg(p, name);
	page_raw(p, "<b>%d</b></a>", n);
}

/* Count applications per status (and matching text). */
static int count_one(const struct ca_app *a, void *ctx)
{
	int *counts = ctx;

	if ((unsigned)a->app_status < CA_APP__N)
		counts[a->app_status]++;
	return 0;
}

/* Percent-encode s for a query value into out. */
static void url_enc(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* GET /review?status=S&q=TEXT&after=CURSOR */
static void queue_page(struct http_req *rq, struct http_resp *rs)
{
	static const enum msg_id cols[] = { MSG_CON_APP_NO, MSG_F_COMPANY, MSG_F_USCC,
		MSG_F_HANDLER, MSG_CON_ACCOUNT, MSG_CON_STATE, MSG_CON_WAITED, MSG_CON_UPDATED };
	const char *st = con_query(rq, "status"), *text = con_query(rq, "q");
	const char *after = con_query(rq, "after");
	struct hubdb_app_q q = { .status = CA_APP_PENDING_REVIEW, .limit = QUEUE_PAGE };
	struct hubdb_app_q all = { .status = -1, .limit = 1000000 };
	int counts[CA_APP__N] = { 0 }, total = 0, i;
	char after_id[CA_UUID_LEN + 1], enc[400], next[520], *end;
	struct queue qu = { 0 };
	struct page p;
	size_t nch;

	if (!page_open(&p, rq, MSG_CON_AREA_REVIEW, "/review"))
		goto done;
	if (st && !strcmp(st, "all"))
		q.status = -1;
	else if (st && (q.status = ca_app_status_from_id(st)) < 0)
		q.status = CA_APP_PENDING_REVIEW;
	if (text && (!utf8_count(text, &nch) || nch > 100))
		text = NULL;
	q.text = all.text = text;
	if (after) {
		long long ms = strtoll(after, &end, 10);

		if (end != after && *end == ':' && uuid_valid(end + 1)) {
			snprintf(after_id, sizeof(after_id), "%s", end + 1);
			q.after_ms = ms;
			q.after_id = after_id;
		}
	}
	if (hubdb_app_page(rq->hub->db, &all, count_one, counts)) {
		page_error(&p, msg(MSG_CON_STORE_ERROR));
		goto done;
	}
	for (i = 0; i < CA_APP__N; i++)
		total += counts[i];
	page_raw(&p, "<div class=\"counts\">");
	count_link(&p, CA_APP_PENDING_REVIEW, q.status, text, MSG_APP_PENDING_REVIEW,
		   counts[CA_APP_PENDING_REVIEW]);
	count_link(&p, CA_APP_APPROVED, q.status, text, MSG_APP_APPROVED, counts[CA_APP_APPROVED]);
	count_link(&p, CA_APP_REJECTED, q.status, text, MSG_APP_REJECTED, counts[CA_APP_REJECTED]);
	count_link(&p, CA_APP_DRAFT, q.status, text, MSG_APP_DRAFT, counts[CA_APP_DRAFT]);
	count_link(&p, -1, q.status, text, MSG_CON_ALL, total);
	page_raw(&p, "</div>\n<form method=\"get\" action=\"/review\" class=\"search\" role=\"search\">"
		 "<input type=\"hidden\" name=\"status\" value=\"%s\"><label>",
		 q.status < 0 ? "all" : ca_app_status_id((enum ca_app_status)q.status));
	page_msg(&p, MSG_CON_SEARCH_HINT);
	page_raw(&p, "<input name=\"q\" maxlength=\"100\" value=\"");
	page_text(&p, text ? text : "");
	page_raw(&p, "\"></label><button type=\"submit\">");
	page_msg(&p, MSG_CON_SEARCH);
	page_raw(&p, "</button></form>\n");
	page_table(&p, NULL, cols, sizeof(cols) / sizeof(cols[0]));
	qu.p = &p;
	qu.now_ms = vclock_now_ms();
	if (hubdb_app_page(rq->hub->db, &q, queue_row, &qu)) {
		page_raw(&p, "</tbody></table>");
		page_error(&p, msg(MSG_CON_STORE_ERROR));
		goto done;
	}
	page_raw(&p, "</tbody></table>\n");
	if (!qu.n)
		page_muted(&p, MSG_CON_QUEUE_EMPTY);
	if (qu.n == QUEUE_PAGE) {
		if (text)
			url_enc(text, enc, sizeof(enc));
		snprintf(next, sizeof(next), "/review?status=%s&after=%lld:%s%s%s",
			 q.status < 0 ? "all" : ca_app_status_id((enum ca_app_status)q.status),
			 (long long)qu.last_ms, qu.last_id, text ? "&q=" : "", text ? enc : "");
		page_next_link(&p, next);
	}
done:
	page_done(&p, rs, 200);
}

/* ---- one application ---- */

/* Write who made a change as a person reads it: a staff member by name,
 * a kiosk by its id, the hub itself. */
static void actor_text(struct page *p, const char *actor)
{
	if (!strncmp(actor, "staff:", 6)) {
		page_text(p, actor + 6);
	} else if (!strncmp(actor, "device:", 7)) {
		page_msg(p, MSG_CON_BY_KIOSK);
		page_raw(p, " ");
		page_text(p, actor + 7);
	} else if (!strncmp(actor, "hub:", 4)) {
		page_msg(p, MSG_CON_BY_HUB);
	} else {
		page_text(p, actor);
	}
}

/* Write a table of the JSON array rows with the columns keys (their
 * headers heads); members named *_ms are times, "action" an action's
 * label, "actor" who (actor_text). */
static void json_table(struct page *p, json_t *rows, const char *const *keys,
		       const enum msg_id *heads, int ncol)
{
	json_t *r, *v;
	size_t i;
	int c, a;

	page_table(p, NULL, heads, (size_t)ncol);
	json_array_foreach(rows, i, r) {
		page_raw(p, "<tr>");
		for (c = 0; c < ncol; c++) {
			v = json_object_get(r, keys[c]);
			page_raw(p, "<td>");
			if (strstr(keys[c], "_ms") && json_is_integer(v))
				page_time(p, json_integer_value(v));
			else if (!strcmp(keys[c], "action") && json_is_string(v) &&
				 (a = fsm_action_from_id(json_string_value(v))) >= 0)
				page_msg(p, fsm_action_msg((enum ca_action)a));
			else if (!strcmp(keys[c], "action") && json_is_string(v))
				page_msg(p, MSG_CON_CREATED);
			else if (!strcmp(keys[c], "actor") && json_is_string(v))
				actor_text(p, json_string_value(v));
			else if (json_is_string(v))
				page_text(p, json_string_value(v));
			page_raw(p, "</td>");
		}
		page_raw(p, "</tr>\n");
	}
	page_raw(p, "</tbody></table>\n");
}

/* The application's e-invoices (hubdb_side_json's array): kind, state
 * (a refusal with the platform's reason), number, time, 价税合计. */
static void invoice_table(struct page *p, struct hubdb *db, const char *id, json_t *rows)
{
	static const enum msg_id heads[] = { MSG_CON_INV_KIND, MSG_CON_INV_STATE,
					     MSG_CON_INV_NUMBER, MSG_CON_WHEN, MSG_CON_INV_TOTAL };
	struct hubdb_invoice row;
	const char *kind, *state;
	json_t *r;
	size_t i;

	page_raw(p, "<h2>");
	page_msg(p, MSG_CON_INVOICES);
	page_raw(p, "</h2>\n");
	page_table(p, NULL, heads, sizeof(heads) / sizeof(heads[0]));
	json_array_foreach(rows, i, r) {
		kind = json_string_value(json_object_get(r, "kind"));
		state = json_string_value(json_object_get(r, "state"));
		if (!kind || !state)
			continue;
		page_raw(p, "<tr><td>");
		page_msg(p, strcmp(kind, "red") ? MSG_CON_INV_BLUE : MSG_CON_INV_RED);
		page_raw(p, "</td><td>");
		if (!strcmp(state, "issued")) {
			page_msg(p, MSG_CON_INV_ISSUED);
		} else if (!strcmp(state, "pending")) {
			page_msg(p, MSG_CON_INV_PENDING);
		} else {
			page_msg(p, MSG_CON_INV_FAILED);
			if (!hubdb_invoice_get(db, id, strcmp(kind, "red") ? EINV_BLUE : EINV_RED,
					       &row))
				page_text(p, row.error);
		}
		page_raw(p, "</td><td>");
		page_text(p, json_string_value(json_object_get(r, "number")) ?
			  json_string_value(json_object_get(r, "number")) : "");
		page_raw(p, "</td><td>");
		if (json_integer_value(json_object_get(r, "issued_ms")) > 0)
			page_time(p, json_integer_value(json_object_get(r, "issued_ms")));
		page_raw(p, "</td><td>");
		if (!strcmp(state, "issued"))
			page_yuan(p, json_integer_value(json_object_get(r, "total_fen")));
		page_raw(p, "</td></tr>\n");
	}
	page_raw(p, "</tbody></table>\n");
}

/* The couriers the ship form offers; the one chosen goes before the
 * tracking number in the record's 快递单号 (both as the kiosk shows them). */
static const enum msg_id couriers[] = {
	MSG_CON_COURIER_SF, MSG_CON_COURIER_EMS, MSG_CON_COURIER_JD, MSG_CON_COURIER_YTO,
	MSG_CON_COURIER_ZTO, MSG_CON_COURIER_YUNDA, MSG_CON_COURIER_STO,
};
#define NCOURIERS ((int)(sizeof(couriers) / sizeof(couriers[0])))

/* One action form: a button, and a text input when the action takes one. */
static void act_form(struct page *p, const struct ca_app *a, enum ca_action act,
		     enum msg_id input, int maxlen, const char *cls)
{
	char action[64];

	snprintf(action, sizeof(action), "/app/%s/act", a->id);
	page_form(p, action, "card");
	page_raw(p, "<input type=\"hidden\" name=\"op\" value=\"%s\">", fsm_action_id(act));
	if (act == CA_ACT_SHIP) {
		int i;

		page_raw(p, "<label>");
		page_msg(p, MSG_CON_COURIER);
		page_raw(p, "<select name=\"courier\" required>");
		for (i = 0; i < NCOURIERS; i++) {
			page_raw(p, "<option value=\"%d\">", i);
			page_msg(p, couriers[i]);
			page_raw(p, "</option>");
		}
		page_raw(p, "</select></label>");
	}
	if (input != MSG_NONE) {
		page_raw(p, "<label>");
		page_msg(p, input);
		if (maxlen > 200)
			page_raw(p, "<textarea name=\"arg\" required maxlength=\"%d\"></textarea>",
				 maxlen);
		else
			page_raw(p, "<input name=\"arg\" required maxlength=\"%d\" "
				 "autocomplete=\"off\">", maxlen);
		page_raw(p, "</label>");
	}
	if (act == CA_ACT_MARK_READY) {
		page_raw(p, "<label>");
		page_msg(p, MSG_CON_KIOSK);
		page_raw(p, "<input name=\"kiosk\" required maxlength=\"%d\"></label><label>",
			 CA_KIOSK_ID_MAX);
		page_msg(p, MSG_CON_SLOT);
		page_raw(p, "<input name=\"slot\" maxlength=\"16\"></label>");
	}
	page_raw(p, "<button type=\"submit\" name=\"do\" value=\"%s\"%s%s%s", fsm_action_id(act),
		 cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	if (act == CA_ACT_REFUND) { /* money leaves: asked once more */
		page_raw(p, " data-confirm=\"");
		page_msg(p, MSG_CON_CONFIRM_REFUND);
		page_raw(p, "\"");
	}
	page_raw(p, ">");
	page_msg(p, fsm_action_msg(act));
	page_raw(p, "</button></form>\n");
}

/* The actions the record's state and the member's roles allow. */
static void act_forms(struct page *p, const struct ca_app *a)
{
	struct ca_state s = ca_state_of(a);
	unsigned r = p->rq->who.roles;
	char action[64];
	int n = 0;

#define MAY(act, role) (fsm_allowed(&s, act) && (r & (role)))
	page_raw(p, "<h2>");
	page_msg(p, MSG_CON_ACTIONS);
	page_raw(p, "</h2>\n");
	if (MAY(CA_ACT_APPROVE, STAFF_REVIEW) && ++n)
		act_form(p, a, CA_ACT_APPROVE, MSG_NONE, 0, NULL);
	if (MAY(CA_ACT_REJECT, STAFF_REVIEW) && ++n)
		act_form(p, a, CA_ACT_REJECT, MSG_F_REJECT_REASON, CA_COMMENT_MAX + 1, "danger");
	if (MAY(CA_ACT_SHIP, STAFF_COUNTER) && ++n)
		act_form(p, a, CA_ACT_SHIP, MSG_F_TRACKING_NO, CA_TRACKING_MAX, NULL);
	if (MAY(CA_ACT_MARK_READY, STAFF_COUNTER) && ++n)
		act_form(p, a, CA_ACT_MARK_READY, MSG_NONE, 0, NULL);
	if (MAY(CA_ACT_HAND_OVER, STAFF_COUNTER) && ++n)
		act_form(p, a, CA_ACT_HAND_OVER, MSG_CON_ID_READ, 18, NULL);
	if (MAY(CA_ACT_ISSUE_INVOICE, STAFF_FINANCE) && ++n)
		act_form(p, a, CA_ACT_ISSUE_INVOICE, MSG_NONE, 0, NULL);
	if (MAY(CA_ACT_REFUND, STAFF_FINANCE) && ++n)
		act_form(p, a, CA_ACT_REFUND, MSG_CON_REFUND_REASON, CA_COMMENT_MAX + 1, "danger");
	if (MAY(CA_ACT_ADD_RECORD, STAFF_REVIEW | STAFF_COUNTER) && ++n) {
		snprintf(action, sizeof(action), "/app/%s/record", a->id);
		page_form(p, action, "card");
		page_raw(p, "<label>");
		page_msg(p, MSG_CON_RECORD_TEXT);
		page_raw(p, "<textarea name=\"text\" required maxlength=\"%d\"></textarea></label>"
			 "<button type=\"submit\" class=\"quiet\">", CA_COMMENT_MAX * 4);
		page_msg(p, MSG_ACT_ADD_RECORD);
		page_raw(p, "</button></form>\n");
	}
#undef MAY
	if (!n)
		page_muted(p, MSG_CON_NO_ACTION);
}

/* One row of the fields table: the label, the value (escaped). */
static void field_row(struct page *p, enum msg_id label, const char *value)
{
	page_raw(p, "<tr><th>");
	page_msg(p, label);
	page_raw(p, "</th><td>");
	page_text(p, value);
	page_raw(p, "</td></tr>\n");
}

/* The application page of id, with notice text (an error when bad). */
static void app_page(struct http_req *rq, struct http_resp *rs, const char *id, int status,
		     const char *notice, bool bad)
{
	static const char *const hist_keys[] = { "at_ms", "action", "actor", "note" };
	static const enum msg_id hist_heads[] = { MSG_CON_WHEN, MSG_CON_WHAT, MSG_CON_WHO,
						  MSG_CON_DETAIL };
	static const char *const rec_keys[] = { "at_ms", "staff", "text" };
	static const enum msg_id rec_heads[] = { MSG_CON_WHEN, MSG_CON_WHO, MSG_CON_DETAIL };
	struct hubdb *db = rq->hub->db;
	struct ca_app *a = malloc(sizeof(*a));
	json_t *hist = NULL, *recs = NULL, *pickup = NULL, *invoice = NULL;
	char buf[32], code[7], masked[MASK_BUF];
	struct page p;
	ca_err e;
	int f;

	if (!page_open(&p, rq, MSG_CON_APP, "/review") || !a)
		goto done;
	e = uuid_valid(id) ? hubdb_app_get(db, id, a) : CA_ERR_NOT_FOUND;
	if (e == CA_ERR_NOT_FOUND) {
		page_error(&p, msg(MSG_CON_NO_SUCH_APP));
		status = 404;
		goto done;
	}
	if (e || hubdb_history_json(db, id, &hist) || hubdb_record_json(db, id, &recs) ||
	    hubdb_side_json(db, id, &pickup, &invoice)) {
		status = page_store_error(&p);
		goto done;
	}
	page_notice(&p, notice, bad);
	page_raw(&p, "<p class=\"state\"><b>");
	page_state(&p, a);
	page_raw(&p, "</b>");
	if (a->amount_fen > 0) {
		page_raw(&p, " &middot; ");
		page_yuan(&p, a->amount_fen);
	}
	if (a->pickup == CA_PICKUP_ONSITE && a->app_status == CA_APP_APPROVED) {
		ca_pickup_code(a->id, code);
		page_raw(&p, " &middot; ");
		page_msg(&p, MSG_CON_PICKUP_CODE);
		page_raw(&p, " <b>%s</b>", code);
	}
	page_raw(&p, "</p>\n<div class=\"cols\"><div>\n<table class=\"fields\">");
	field_row(&p, MSG_CON_APP_NO, a->id);
	for (f = 0; f < CA_F__N; f++) {
		const char *v = ca_field_value(a, (enum ca_field)f, buf, sizeof(buf));

		if (!*v && (f == CA_F_REJECT_REASON || f == CA_F_TRACKING_NO ||
			    (f >= CA_F_MAIL_RECIPIENT && f <= CA_F_MAIL_POSTCODE)))
			continue;
		/* The counter checks the ID card against the number the hub
		 * holds: a clerk sees only its ends, never a number to copy. */
		if (f == CA_F_HANDLER_ID && !(rq->who.roles & STAFF_REVIEW))
			v = mask_id(v, masked, sizeof(masked));
		field_row(&p, ca_field_msg((enum ca_field)f), v);
	}
	field_row(&p, MSG_CON_CREATED_AT, ca_cst_format(a->created_ms, "%Y-%m-%d %H:%M", buf,
							sizeof(buf)));
	field_row(&p, MSG_CON_UPDATED, ca_cst_format(a->updated_ms, "%Y-%m-%d %H:%M", buf,
						     sizeof(buf)));
	field_row(&p, MSG_CON_KIOSK, a->kiosk_id);
	page_raw(&p, "</table>\n</div><div>\n");
	act_forms(&p, a);
	page_raw(&p, "</div></div>\n<h2>");
	page_msg(&p, MSG_CON_HISTORY);
	page_raw(&p, "</h2>\n");
	json_table(&p, hist, hist_keys, hist_heads, 4);
	page_raw(&p, "<h2>");
	page_msg(&p, MSG_CON_RECORDS);
	page_raw(&p, "</h2>\n");
	if (json_array_size(recs))
		json_table(&p, recs, rec_keys, rec_heads, 3);
	else
		page_muted(&p, MSG_CON_NONE_YET);
	if (json_array_size(invoice))
		invoice_table(&p, db, id, invoice);
done:
	json_decref(hist);
	json_decref(recs);
	json_decref(pickup);
	json_decref(invoice);
	free(a);
	page_done(&p, rs, status);
}

/* GET /app/ID[?done=OP] */
static void app_get(struct http_req *rq, struct http_resp *rs)
{
	const char *done = con_query(rq, "done");
	int a = done ? fsm_action_from_id(done) : -1;
	char text[200];

	if (a >= 0)
		snprintf(text, sizeof(text), "%s%s", msg(MSG_CON_DONE), msg(fsm_action_msg(
			 (enum ca_action)a)));
	app_page(rq, rs, rq->param[0], 200, a >= 0 ? text : NULL, false);
}

/* POST /app/ID/act: op, arg, kiosk, slot. */
static void act_post(struct http_req *rq, struct http_resp *rs)
{
	char op[32], arg[4 * CA_COMMENT_MAX + 8], kiosk[4 * CA_KIOSK_ID_MAX + 8], slot[24];
	char target[80], why[400];
	struct valid_report rep = { 0 };
	struct ca_app *app = malloc(sizeof(*app));
	const char *o = http_form(rq, "op", op, sizeof(op));
	const char *g = http_form(rq, "arg", arg, sizeof(arg));
	const char *k = http_form(rq, "kiosk", kiosk, sizeof(kiosk));
	const char *s = http_form(rq, "slot", slot, sizeof(slot));
	int a = o ? fsm_action_from_id(o) : -1;
	ca_err e;

	if (!app || !uuid_valid(rq->param[0]) || a < 0 || fsm_actor((enum ca_action)a) !=
	    CA_BY_STAFF || a == CA_ACT_ADD_RECORD) {
		free(app);
		app_page(rq, rs, rq->param[0], 400, msg(MSG_CON_INVALID), true);
		return;
	}
	if (a == CA_ACT_SHIP) {
		char cbuf[8], joined[sizeof(arg)];
		const char *c = http_form(rq, "courier", cbuf, sizeof(cbuf));
		int ci = c ? atoi(c) : -1;

		/* "顺丰速运 SF1234567890": the courier, then the number. */
		if (!c || ci < 0 || ci >= NCOURIERS || !g) {
			free(app);
			app_page(rq, rs, rq->param[0], 422, msg(MSG_CON_COURIER_NEEDED), true);
			return;
		}
		snprintf(joined, sizeof(joined), "%s %s", msg(couriers[ci]), g);
		snprintf(arg, sizeof(arg), "%s", joined);
	}
	if (a == CA_ACT_MARK_READY && (!k || !*k)) {
		free(app);
		app_page(rq, rs, rq->param[0], 422, msg(MSG_CON_KIOSK_NEEDED), true);
		return;
	}
	e = api_admin_act(rq, rq->param[0], (enum ca_action)a, g, k, s ? s : "", app, &rep);
	free(app);
	if (e) {
		int status = con_refusal(e, &rep, why, sizeof(why));

		app_page(rq, rs, rq->param[0], status, why, true);
		return;
	}
	snprintf(target, sizeof(target), "/app/%s?done=%s", rq->param[0], fsm_action_id(a));
	http_redirect(rs, target);
}

/* POST /app/ID/record: text. */
static void record_post(struct http_req *rq, struct http_resp *rs)
{
	char text[4 * CA_COMMENT_MAX + 8], target[80], why[400];
	const char *t = http_form(rq, "text", text, sizeof(text));
	struct ca_proc_record rec;
	int64_t rev;
	ca_err e;

	if (!uuid_valid(rq->param[0])) {
		app_page(rq, rs, rq->param[0], 404, NULL, false);
		return;
	}
	e = api_admin_record(rq, rq->param[0], t, &rec, &rev);
	if (e) {
		if (e == CA_ERR_ARG && (rq->who.roles & (STAFF_REVIEW | STAFF_COUNTER)))
			snprintf(why, sizeof(why), "%s", msg(MSG_CON_RECORD_NEEDED));
		else
			con_refusal(e, NULL, why, sizeof(why));
		app_page(rq, rs, rq->param[0], e == CA_ERR_FORBIDDEN ? 409 : e == CA_ERR_ARG ?
			 422 : 500, why, true);
		return;
	}
	snprintf(target, sizeof(target), "/app/%s?done=add_record", rq->param[0]);
	http_redirect(rs, target);
}

const struct con_route con_review_routes[] = {
	{ "GET", "/review", queue_page, STAFF_CASEWORK },
	{ "GET", "/app/*", app_get, STAFF_CASEWORK },
	{ "POST", "/app/*/act", act_post, STAFF_CASEWORK },
	{ "POST", "/app/*/record", record_post, STAFF_REVIEW | STAFF_COUNTER },
	{ NULL },
};
