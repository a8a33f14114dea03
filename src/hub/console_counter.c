/*
 * console_counter.c - the console's 窗口 area (STAFF_COUNTER): find the
 * orders of a 6-digit pickup code, see where each key is, and hand a key
 * over at the counter after reading the handler's ID card.
 *
 * Where to start reading: counter_page(), then hand_over_post(). The
 * lookup is api_pickup_code_find(), the same as GET
 * /v1/admin/pickup-code/NNNNNN; the hand-over is api_admin_act() with
 * CA_ACT_HAND_OVER, which checks the ID number against the application,
 * writes the clerk's processing record and the audit line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/uuid.h"
#include "core/valid.h"
#include "api.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"

/* The ID number field's size: 18 characters, room for a bad paste. */
#define IDNUM_BUF 64

/* Write where the key of order x is: at the counter, or in kiosk K slot S. */
static void key_where(struct page *p, json_t *x, bool at_counter)
{
	const char *kiosk = json_string_value(json_object_get(x, "kiosk"));
	const char *slot = json_string_value(json_object_get(x, "slot"));

	if (at_counter) {
		page_msg(p, MSG_CON_KEY_AT_COUNTER);
		return;
	}
	page_msg(p, MSG_CON_KEY_IN_KIOSK);
	page_raw(p, " <b>");
	page_text(p, kiosk ? kiosk : "");
	page_raw(p, "</b>");
	if (slot && *slot) {
		page_raw(p, " &middot; ");
		page_msg(p, MSG_CON_KEY_SLOT);
		page_raw(p, " <b>");
		page_text(p, slot);
		page_raw(p, "</b>");
	}
}

/* The hand-over form of order id (found by code). */
static void hand_over_form(struct page *p, const char *id, const char *code)
{
	char action[80];

	snprintf(action, sizeof(action), "/counter/%s/hand-over", id);
	page_form(p, action, "inline-form");
	page_raw(p, "<input type=\"hidden\" name=\"code\" value=\"");
	page_text(p, code);
	page_raw(p, "\"><label>");
	page_msg(p, MSG_CON_ID_READ);
	page_raw(p, "<input name=\"idnumber\" required maxlength=\"18\" autocomplete=\"off\" "
		 "spellcheck=\"false\"></label><button type=\"submit\">");
	page_msg(p, fsm_action_msg(CA_ACT_HAND_OVER));
	page_raw(p, "</button></form>");
}

/* One matching order: a row of the table. */
static void order_row(struct page *p, json_t *x, const char *code)
{
	const char *id = json_string_value(json_object_get(x, "id"));
	int pay = ca_pay_status_from_id(json_string_value(json_object_get(x, "pay_status")));
	int proc = ca_proc_status_from_id(json_string_value(json_object_get(x, "proc_status")));
	bool at_counter = proc == CA_PROC_ONSITE;

	if (!id || !uuid_valid(id) || pay < 0 || proc < 0)
		return;
	page_raw(p, "<tr><td class=\"keep\"><a href=\"/app/%s\">%.8s</a></td><td>", id, id);
	page_text(p, json_string_value(json_object_get(x, "company")));
	page_raw(p, "</td><td>");
	page_text(p, json_string_value(json_object_get(x, "handler")));
	page_raw(p, "</td><td class=\"keep\">");
	page_text(p, json_string_value(json_object_get(x, "account")));
	page_raw(p, "</td><td class=\"keep\">");
	page_msg(p, ca_pay_status_msg((enum ca_pay_status)pay));
	page_raw(p, " &middot; ");
	page_msg(p, ca_proc_status_msg((enum ca_proc_status)proc));
	page_raw(p, "</td><td class=\"keep\">");
	key_where(p, x, at_counter);
	page_raw(p, "</td><td>");
	if (at_counter) {
		hand_over_form(p, id, code);
	} else {
		page_raw(p, "<span class=\"muted\">");
		page_msg(p, MSG_CON_KEY_COLLECT_KIOSK);
		page_raw(p, "</span>");
	}
	page_raw(p, "</td></tr>\n");
}

/* The orders of code, listed (the lookup's errors on the page). */
static void code_orders(struct page *p, const char *code, int *status)
{
	static const enum msg_id cols[] = { MSG_CON_APP_NO, MSG_F_COMPANY, MSG_F_HANDLER,
		MSG_CON_ACCOUNT, MSG_CON_STATE, MSG_CON_KEY_WHERE, MSG_CON_ACTIONS };
	json_t *orders = NULL, *x;
	char buf[160];
	bool more;
	size_t i;
	ca_err e = api_pickup_code_find(p->rq->hub, code, &orders, &more);

	if (e == CA_ERR_ARG) {
		page_error(p, msg(MSG_CON_CODE_BAD));
		*status = 422;
		return;
	}
	if (e) {
		*status = page_store_error(p);
		return;
	}
	if (!page_list_open(p, json_array_size(orders), MSG_CON_CODE_NONE, NULL, cols,
			    sizeof(cols) / sizeof(cols[0]))) {
		json_decref(orders);
		return;
	}
	json_array_foreach(orders, i, x)
		order_row(p, x, code);
	page_list_close(p, MSG_NONE);
	if (more)
		page_error(p, msg_format(buf, sizeof(buf), MSG_CON_CODE_MORE,
					 (int)json_array_size(orders)));
	json_decref(orders);
}

/* The counter page: the lookup form, and the orders of code when given;
 * notice text (an error when bad). */
static void counter_show(struct http_req *rq, struct http_resp *rs, const char *code,
			 int status, const char *notice, bool bad)
{
	struct page p;

	if (!page_open(&p, rq, MSG_CON_AREA_COUNTER, "/counter"))
		goto done;
	page_notice(&p, notice, bad);
	page_raw(&p, "<form method=\"get\" action=\"/counter\" class=\"search\" role=\"search\">"
		 "<label>");
	page_msg(&p, MSG_CON_CODE_INPUT);
	page_raw(&p, "<input name=\"code\" required maxlength=\"6\" inputmode=\"numeric\" "
		 "pattern=\"[0-9]{6}\" autocomplete=\"off\" autofocus value=\"");
	page_text(&p, code ? code : "");
	page_raw(&p, "\"></label><button type=\"submit\">");
	page_msg(&p, MSG_CON_CODE_FIND);
	page_raw(&p, "</button></form>\n");
	if (code)
		code_orders(&p, code, &status);
done:
	page_done(&p, rs, status);
}

/* GET /counter?code=NNNNNN[&done=hand_over] */
static void counter_page(struct http_req *rq, struct http_resp *rs)
{
	static const struct con_label done[] = { { "hand_over", MSG_CON_HANDED_OVER } };

	counter_show(rq, rs, con_query(rq, "code"), 200,
		     con_done_notice(rq, done, sizeof(done) / sizeof(done[0])), false);
}

/* POST /counter/ID/hand-over: idnumber (read from the card), code (the
 * lookup to show again when refused). */
static void hand_over_post(struct http_req *rq, struct http_resp *rs)
{
	char idnum[IDNUM_BUF], code[16], why[400];
	const char *n = http_form(rq, "idnumber", idnum, sizeof(idnum));
	const char *c = http_form(rq, "code", code, sizeof(code));
	struct valid_report rep = { 0 };
	struct ca_app *app;
	int status;
	ca_err e;

	if (c && !*c)
		c = NULL;
	if (!uuid_valid(rq->param[0]) || !n || !*n) {
		counter_show(rq, rs, c, 422, msg(MSG_CON_INVALID), true);
		return;
	}
	app = malloc(sizeof(*app));
	if (!app) {
		counter_show(rq, rs, c, 500, msg(MSG_CON_STORE_ERROR), true);
		return;
	}
	e = api_admin_act(rq, rq->param[0], CA_ACT_HAND_OVER, n, NULL, "", app, &rep);
	free(app);
	explicit_bzero(idnum, sizeof(idnum));
	if (!e) {
		http_redirect(rs, "/counter?done=hand_over");
		return;
	}
	if (e == CA_ERR_NOT_FOUND) {
		snprintf(why, sizeof(why), "%s", msg(MSG_CON_NO_SUCH_APP));
		status = 404;
	} else {
		status = con_refusal(e, &rep, why, sizeof(why));
	}
	counter_show(rq, rs, c, status, why, true);
}

const struct con_route con_counter_routes[] = {
	{ "GET", "/counter", counter_page, STAFF_COUNTER },
	{ "POST", "/counter/*/hand-over", hand_over_post, STAFF_COUNTER },
	{ NULL },
};
