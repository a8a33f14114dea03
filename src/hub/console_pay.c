/*
 * console_pay.c - the console's 支付 area (STAFF_FINANCE): the hub's payment
 * orders (pay_orders), newest first, a page at a time, filtered by state.
 * Read only: refunds are not made here.
 *
 * Where to start reading: pay_page(). The rows come from hubdb_pay_page();
 * the cursor of the next page is the last row's "created_s:out_trade_no".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pay.h"
#include "core/uuid.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"

#define PAY_PAGE 50 /* orders a page shows */

/* The catalog label of an order's state. */
static enum msg_id state_msg(enum pay_state s)
{
	switch (s) {
	case PAY_NOTPAY:
		return MSG_CON_PAY_NOTPAY;
	case PAY_SUCCESS:
		return MSG_CON_PAY_SUCCESS;
	case PAY_CLOSED:
		return MSG_CON_PAY_CLOSED;
	case PAY_REFUND:
		return MSG_CON_PAY_REFUND;
	default:
		return MSG_NONE;
	}
}

/* The catalog label of a method. */
static enum msg_id method_msg(enum pay_method m)
{
	return m == PAY_BANK ? MSG_CON_PAY_BANK : MSG_CON_PAY_WECHAT;
}

/* A link to the list of state st (-1: every state), marked when shown. */
static void state_link(struct page *p, int st, int shown, enum msg_id name)
{
	page_raw(p, "<a href=\"/pay?state=%s\"%s>", st < 0 ? "all" :
		 pay_state_id((enum pay_state)st), st == shown ?
		 " class=\"here\" aria-current=\"true\"" : "");
	page_msg(p, name);
	page_raw(p, "</a>");
}

/* One order: a row of the table. */
static void order_row(struct page *p, const struct hubdb_pay *o)
{
	page_raw(p, "<tr><td class=\"mono keep\">");
	page_text(p, o->o.out_trade_no);
	page_raw(p, "</td><td class=\"keep\">");
	if (uuid_valid(o->o.app_id))
		page_raw(p, "<a href=\"/app/%s\">%.8s</a>", o->o.app_id, o->o.app_id);
	else
		page_text(p, o->o.app_id);
	page_raw(p, "</td><td class=\"keep\">");
	page_msg(p, method_msg(o->o.method));
	page_raw(p, "</td><td class=\"num\">");
	page_yuan(p, o->o.amount_fen);
	page_raw(p, "</td><td class=\"keep\">");
	page_msg(p, state_msg(o->o.state));
	if (o->o.state == PAY_SUCCESS && o->applied_rev == 0) {
		page_raw(p, "<br><small class=\"warn\">");
		page_msg(p, MSG_CON_PAY_DUPLICATE);
		page_raw(p, "</small>");
	}
	page_raw(p, "</td><td>");
	page_time(p, o->o.created_s * 1000);
	page_raw(p, "</td><td>");
	page_time(p, o->o.paid_s * 1000);
	page_raw(p, "</td></tr>\n");
}

/* The list's query from the request: ?state= (every state when absent or
 * "all") and the cursor ?before=CREATED_S:OUT_TRADE_NO (its number kept
 * in before_no). */
static void pay_query(struct http_req *rq, struct hubdb_pay_q *q,
		      char before_no[PAY_TRADE_NO_MAX + 1])
{
	const char *st = con_query(rq, "state"), *before = con_query(rq, "before");
	char *end;

	if (st && strcmp(st, "all") != 0)
		q->state = pay_state_from_id(st);
	if (before) {
		long long s = strtoll(before, &end, 10);

		if (end != before && *end == ':' && s > 0 && pay_trade_no_valid(end + 1)) {
			snprintf(before_no, PAY_TRADE_NO_MAX + 1, "%s", end + 1);
			q->before_s = s;
			q->before_no = before_no;
		}
	}
}

/* The links to each state's list, and the orders of the request's query
 * (rows: room for PAY_PAGE) with the link to the next page; the status. */
static int pay_list(struct page *p, struct hubdb_pay *rows)
{
	static const enum msg_id cols[] = { MSG_CON_PAY_NO, MSG_CON_APP_NO, MSG_CON_PAY_METHOD,
		MSG_CON_AMOUNT, MSG_CON_STATE, MSG_CON_PAY_CREATED, MSG_CON_PAY_PAID };
	struct hubdb_pay_q q = { .state = -1, .limit = PAY_PAGE };
	char before_no[PAY_TRADE_NO_MAX + 1], next[PAY_TRADE_NO_MAX + 64];
	size_t n = 0, i;

	pay_query(p->rq, &q, before_no);
	page_raw(p, "<div class=\"counts\">");
	state_link(p, -1, q.state, MSG_CON_ALL);
	state_link(p, PAY_NOTPAY, q.state, MSG_CON_PAY_NOTPAY);
	state_link(p, PAY_SUCCESS, q.state, MSG_CON_PAY_SUCCESS);
	state_link(p, PAY_CLOSED, q.state, MSG_CON_PAY_CLOSED);
	state_link(p, PAY_REFUND, q.state, MSG_CON_PAY_REFUND);
	page_raw(p, "</div>\n");
	if (hubdb_pay_page(p->rq->hub->db, &q, rows, &n))
		return page_store_error(p);
	if (!page_list_open(p, n, MSG_CON_PAY_NONE, NULL, cols, sizeof(cols) / sizeof(cols[0])))
		return 200;
	for (i = 0; i < n; i++)
		order_row(p, &rows[i]);
	page_list_close(p, MSG_CON_CHINA_TIME);
	if (n == PAY_PAGE) {
		/* out_trade_no is [0-9A-Za-z_-|*]: safe in a query as it is. */
		snprintf(next, sizeof(next), "/pay?state=%s&before=%lld:%s",
			 q.state < 0 ? "all" : pay_state_id((enum pay_state)q.state),
			 (long long)rows[n - 1].o.created_s, rows[n - 1].o.out_trade_no);
		page_next_link(p, next);
	}
	return 200;
}

/* GET /pay?state=S&before=CREATED_S:OUT_TRADE_NO */
static void pay_page(struct http_req *rq, struct http_resp *rs)
{
	struct hubdb_pay *rows = calloc(PAY_PAGE, sizeof(*rows));
	struct page p;
	int status = 200;

	if (page_open(&p, rq, MSG_CON_AREA_PAY, "/pay"))
		status = rows ? pay_list(&p, rows) : page_store_error(&p);
	free(rows);
	page_done(&p, rs, status);
}

const struct con_route con_pay_routes[] = {
	{ "GET", "/pay", pay_page, STAFF_FINANCE },
	{ NULL },
};
