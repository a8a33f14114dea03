/*
 * scr_invoice.c - the e-invoice screens: the list of paid orders with an
 * invoice (APP_SCREEN_INVOICE_LIST) and the invoice QR for the phone
 * (APP_SCREEN_INVOICE_QR), whose address the hub hands out on request
 * (online.h, ONLINE_INVOICE).
 *
 * Start reading at scr_invoice_qr().
 */
#include <stdio.h>
#include <string.h>

#include "kiosk/app.h"
#include "pay_parts.h"

/* Forget the invoice QR's request and address. */
static void invoice_forget(struct app *a)
{
	struct app_scr_invoice *inv = &a->scr.invoice;

	explicit_bzero(inv, sizeof(*inv));
	inv->error = MSG_NONE;
}

/* Show the invoice QR screen of application id and ask the hub for the
 * address of its page. */
static void invoice_start(struct app *a, const char *id)
{
	struct app_scr_invoice *inv = &a->scr.invoice;
	struct online_req req;

	invoice_forget(a);
	snprintf(inv->app_id, sizeof(inv->app_id), "%s", id);
	/* Go first: app_go forgets the request the app was waiting for. */
	app_go(a, APP_SCREEN_INVOICE_QR);
	if (!app_has_hub(a)) {
		inv->error = MSG_UI_INVOICE_NO_HUB;
		return;
	}
	if (!a->session.active) {
		inv->error = MSG_UI_INVOICE_ERR_SESSION;
		return;
	}
	memset(&req, 0, sizeof(req));
	req.op = ONLINE_INVOICE;
	snprintf(req.token, sizeof(req.token), "%s", a->session.token);
	snprintf(req.app_id, sizeof(req.app_id), "%s", id);
	app_net_send(a, &req);
	explicit_bzero(req.token, sizeof(req.token));
}

/* What a refused or failed invoice request means to the person. */
static enum msg_id invoice_error(enum online_outcome o)
{
	switch (o) {
	case ONLINE_OFFLINE: return MSG_UI_INVOICE_ERR_OFFLINE;
	case ONLINE_REFUSED: return MSG_UI_INVOICE_ERR_SESSION;
	case ONLINE_FORBIDDEN: return MSG_UI_INVOICE_ERR_NOT_ISSUED;
	case ONLINE_INVALID: return MSG_UI_INVOICE_ERR_GONE;
	default: return MSG_UI_INVOICE_ERR_HUB;
	}
}

/* Whether an order has an e-invoice to get: paid or done, not refunded. */
static bool invoiceable(const struct ca_app *r)
{
	return r->app_status == CA_APP_APPROVED &&
	       (r->pay_status == CA_PAY_PAID || r->pay_status == CA_PAY_DONE);
}

void scr_invoice_list(struct app *a)
{
	struct ui *ui = a->ui;
	const struct ca_app *apps;
	int n, i, row = 0;

	invoice_forget(a);
	if (app_screen_begin(a, msg(MSG_UI_T_INVOICE), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_HOME);
		return;
	}
	apps = app_apps(a, &n);
	for (i = 0; i < n; i++)
		if (invoiceable(&apps[i]))
			row++;
	if (row == 0) {
		pay_empty_card(ui, MSG_UI_INVOICE_EMPTY);
	} else {
		ui_caption(ui, msg(MSG_UI_INVOICE_HINT));
		ui_scroll_begin(ui, "invoice-list", 0);
		for (i = 0, row = 0; i < n; i++) {
			const struct ca_app *r = &apps[i];
			char id[UI_ID_MAX + 1], detail[256];

			if (!invoiceable(r))
				continue;
			snprintf(id, sizeof(id), "invoice.%d", row++);
			if (ui_list_item(ui, id, r->company,
					 pay_order_line(r, detail, sizeof(detail)),
					 msg(ca_pay_status_msg(r->pay_status)), UI_TONE_SUCCESS)) {
				snprintf(a->sel_id, sizeof(a->sel_id), "%s", r->id);
				ui_scroll_end(ui);
				invoice_start(a, r->id);
				return;
			}
		}
		ui_scroll_end(ui);
	}
	if (pay_footer_one(ui, "home", MSG_UI_BACK_HOME, UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_HOME);
}

/* Whom the invoice is for, and its amount. */
static void invoice_head(struct ui *ui, const struct ca_app *r)
{
	ui_label(ui, r->company);
	pay_kv_amount(ui, MSG_UI_INVOICE_AMOUNT, r->amount_fen);
}

/* What to do with the phone. */
static void invoice_steps(struct ui *ui)
{
	const struct theme *t = ui_theme(ui);

	ui_text(ui, msg(MSG_UI_INVOICE_SCAN), DRAW_FONT_BOLD, t->text_button, THEME_INK_CARD,
		UI_ALIGN_LEFT);
	ui_paragraph(ui, msg(MSG_UI_INVOICE_STEPS));
}

/* No QR code: why, and the way on (retry, log in again, back). */
static void invoice_fail(struct app *a, const struct ca_app *r)
{
	struct app_scr_invoice *inv = &a->scr.invoice;
	struct ui *ui = a->ui;
	enum msg_id e = inv->error;

	ui_card_begin(ui);
	invoice_head(ui, r);
	ui_heading(ui, msg(MSG_UI_INVOICE_ERR_TITLE));
	ui_banner(ui, msg(e), e == MSG_UI_INVOICE_ERR_NOT_ISSUED ? UI_TONE_INFO : UI_TONE_WARNING);
	ui_card_end(ui);
	ui_footer_begin(ui);
	if (ui_button_ex(ui, "home", msg(MSG_UI_BACK_HOME), UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_HOME);
	else if (e == MSG_UI_INVOICE_ERR_SESSION) {
		if (ui_button_ex(ui, "relogin", msg(MSG_UI_RELOGIN), 0))
			app_end_session(a);
	} else if (e == MSG_UI_INVOICE_ERR_OFFLINE || e == MSG_UI_INVOICE_ERR_HUB) {
		if (ui_button_ex(ui, "retry", msg(MSG_UI_RETRY), 0))
			invoice_start(a, r->id);
	}
	ui_footer_end(ui);
}

void scr_invoice_qr(struct app *a)
{
	struct app_scr_invoice *inv = &a->scr.invoice;
	struct ui *ui = a->ui;
	struct online_result res;
	struct ca_app r;
	int size;

	if (!pay_sel_screen(a, MSG_UI_INVOICE_T_QR, APP_SCREEN_INVOICE_LIST,
			    APP_SCREEN_INVOICE_LIST, &r))
		return;
	if (strcmp(inv->app_id, r.id) != 0) {
		invoice_start(a, r.id); /* came here another way: ask now */
		return;
	}
	if (app_net_take(a, ONLINE_INVOICE, &res)) {
		if (res.outcome == ONLINE_OK)
			snprintf(inv->url, sizeof(inv->url), "%s", res.invoice_url);
		else
			inv->error = invoice_error(res.outcome);
		explicit_bzero(&res, sizeof(res));
	}
	if (!inv->url[0] && inv->error == MSG_NONE && !app_net_busy(a))
		inv->error = MSG_UI_INVOICE_ERR_OFFLINE; /* the request is gone */
	if (inv->error != MSG_NONE) {
		invoice_fail(a, &r);
		return;
	}
	size = pay_qr_fit(ui, 620);
	ui_card_begin(ui);
	if (!inv->url[0]) {
		invoice_head(ui, &r);
		pay_qr_wait_panel(ui, MSG_UI_INVOICE_WAIT, size);
	} else if (ui_is_landscape(ui)) {
		ui_row(ui, 2, NULL, 0);
		ui_qr(ui, "invoice-qr", inv->url, size);
		ui_column_begin(ui);
		invoice_head(ui, &r);
		invoice_steps(ui);
		ui_column_end(ui);
	} else {
		invoice_head(ui, &r);
		ui_qr(ui, "invoice-qr", inv->url, size);
		invoice_steps(ui);
	}
	ui_card_end(ui);
	if (pay_footer_one(ui, "done", MSG_UI_DONE, 0))
		app_go(a, APP_SCREEN_HOME);
}
