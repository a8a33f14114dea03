/*
 * scr_invoice.c - the e-invoice screens: the list (APP_SCREEN_INVOICE_LIST)
 * of the invoices the hub's feed brought (the store's, app_invoice), one
 * card an order: the blue invoice with its number, date and total, the
 * red-letter one that reverses it after a refund, and paid orders still
 * waiting for theirs (开票中, 等待开具); and the invoice QR for the phone
 * (APP_SCREEN_INVOICE_QR), whose address the hub hands out on request
 * (online.h, ONLINE_INVOICE).
 *
 * Start reading at scr_invoice_list(), then scr_invoice_qr().
 */
#include <stdio.h>
#include <string.h>

#include "core/cst.h"
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

/* What an invoice that is not issued says, by kind and state. */
static enum msg_id unissued_hint(const struct ca_invoice *inv)
{
	bool red = inv && inv->kind == CA_INV_RED;

	if (!inv)
		return MSG_UI_INVOICE_WAITING_HINT;
	if (inv->state == CA_INV_FAILED)
		return red ? MSG_UI_INVOICE_RED_FAILED_HINT : MSG_UI_INVOICE_FAILED_HINT;
	return red ? MSG_UI_INVOICE_RED_PENDING_HINT : MSG_UI_INVOICE_PENDING_HINT;
}

/* The total of inv: as the hub sent it, else (an older hub's row) the
 * order's amount, negative for a red invoice. */
static int64_t invoice_total(const struct ca_app *r, const struct ca_invoice *inv)
{
	if (inv->total_fen != CA_FEN_UNKNOWN)
		return inv->total_fen;
	return inv->kind == CA_INV_RED ? -r->amount_fen : r->amount_fen;
}

/* A key and its value on a card: text, or a pill when tone >= 0. */
struct kv {
	enum msg_id key;
	const char *value;
	int tone; /* enum ui_tone of a pill, -1 for text */
};

static void kv_draw(struct ui *ui, const struct kv *k)
{
	if (k->tone < 0)
		pay_kv_text(ui, k->key, k->value);
	else
		pay_kv_pill(ui, k->key, k->value, (enum ui_tone)k->tone);
}

/* n key/value items: one a line in portrait; in landscape two a line, the
 * left one of each pair wide enough for an invoice number, so that the
 * card fits the screen's height and no number breaks. */
static void kv_lines(struct ui *ui, const struct kv *kv, int n)
{
	int widths[2] = { 0, theme_px(ui_theme(ui), 460) }, i;

	for (i = 0; i < n; i++) {
		if (!ui_is_landscape(ui)) {
			kv_draw(ui, &kv[i]);
			continue;
		}
		ui_row(ui, 2, widths, 0);
		ui_column_begin(ui);
		kv_draw(ui, &kv[i]);
		ui_column_end(ui);
		ui_column_begin(ui);
		if (++i < n)
			kv_draw(ui, &kv[i]);
		ui_column_end(ui);
	}
}

/* Number, date and total of an issued invoice, with the blue one's state
 * (state) or the number a red one reverses. */
static void invoice_rows(struct ui *ui, const struct ca_app *r, const struct ca_invoice *inv,
			 const struct kv *state)
{
	char no[64], orig[64], date[32], money[32];
	struct kv k_no = { MSG_UI_INVOICE_NO, pay_invoice_no(inv->number, no, sizeof(no)), -1 };
	struct kv k_date = { MSG_UI_INVOICE_DATE, date, -1 };
	struct kv k_total = { MSG_UI_INVOICE_TOTAL, money, -1 };
	struct kv k_orig = { MSG_UI_INVOICE_ORIGINAL,
			     pay_invoice_no(inv->original, orig, sizeof(orig)), -1 };
	struct kv list[5];
	int n = 0;

	ca_cst_format(inv->issued_ms, "%Y-%m-%d", date, sizeof(date));
	app_money(invoice_total(r, inv), money, sizeof(money));
	if (ui_is_landscape(ui)) { /* the numbers on the left */
		list[n++] = k_no;
		list[n++] = state ? *state : k_date;
		list[n++] = state ? k_total : k_orig;
		list[n++] = state ? k_date : k_total;
	} else {
		if (state)
			list[n++] = *state;
		list[n++] = k_no;
		list[n++] = k_date;
		list[n++] = k_total;
		if (!state)
			list[n++] = k_orig;
	}
	kv_lines(ui, list, n);
}

/* The blue invoice's part of an order's card: its state (red: the
 * reversal, if any) with its rows, or what the person waits for. */
static void blue_part(struct ui *ui, const struct ca_app *r, const struct ca_invoice *blue,
		      const struct ca_invoice *red)
{
	enum ui_tone tone;
	struct kv state = { MSG_UI_INVOICE_STATE, msg(pay_invoice_state(r, blue, red, &tone)), 0 };
	char line[256];

	state.tone = (int)tone;
	if (blue && blue->state == CA_INV_ISSUED) {
		invoice_rows(ui, r, blue, &state);
		return;
	}
	ui_caption(ui, pay_order_line(r, line, sizeof(line)));
	kv_draw(ui, &state);
	ui_paragraph(ui, msg(unissued_hint(blue)));
}

/* The red invoice's part, under the blue one it reverses. */
static void red_part(struct ui *ui, const struct ca_app *r, const struct ca_invoice *red)
{
	ui_pill(ui, msg(MSG_UI_INVOICE_RED), UI_TONE_DANGER);
	if (red->state == CA_INV_ISSUED) {
		invoice_rows(ui, r, red, NULL);
		ui_paragraph(ui, msg(MSG_UI_INVOICE_RED_NOTE));
	} else {
		ui_paragraph(ui, msg(unissued_hint(red)));
	}
}

/* In landscape: the company beside the button, on the button's middle;
 * true when the button was tapped. */
static bool card_head_wide(struct ui *ui, const struct ca_app *r, const char *button_id)
{
	const struct theme *t = ui_theme(ui);
	int widths[2] = { 0, theme_px(t, 400) };
	int lh = ui_line_height(ui, DRAW_FONT_BOLD, t->text_body);

	ui_row(ui, 2, widths, 0);
	ui_column_begin(ui);
	if (t->button_h > lh)
		ui_space(ui, (t->button_h - lh) / 2);
	ui_label(ui, r->company);
	ui_column_end(ui);
	return ui_button_ex(ui, button_id, msg(MSG_UI_INVOICE_T_QR), 0);
}

/*
 * One order's card: whom it is for, its blue invoice (or why there is
 * none yet), the red one that reverses it under it (NULL: none), and
 * 扫码获取发票 once one is issued (id button_id, NULL: none). True when
 * that was tapped. In landscape the button stands beside the company's
 * name, first in view.
 */
static bool invoice_card(struct ui *ui, const struct ca_app *r, const struct ca_invoice *blue,
			 const struct ca_invoice *red, const char *button_id)
{
	bool land = ui_is_landscape(ui), hit = false;
	/* A refunded order without a blue invoice waits for none. */
	bool has_blue = blue || pay_invoiceable(r);

	ui_card_begin(ui);
	if (land && button_id)
		hit = card_head_wide(ui, r, button_id);
	else
		ui_label(ui, r->company);
	if (has_blue)
		blue_part(ui, r, blue, red);
	if (red && has_blue)
		ui_space(ui, ui_theme(ui)->sp_sm);
	if (red)
		red_part(ui, r, red);
	if (button_id && !land)
		hit = ui_button_ex(ui, button_id, msg(MSG_UI_INVOICE_T_QR), 0);
	ui_card_end(ui);
	return hit;
}

/* Whether order r has a card on the list: an invoice from the hub (blue,
 * red; NULL: none), or paid and waiting for one. */
static bool listed(const struct ca_app *r, const struct ca_invoice *blue,
		   const struct ca_invoice *red)
{
	return blue || red || pay_invoiceable(r);
}

void scr_invoice_list(struct app *a)
{
	struct ui *ui = a->ui;
	const struct ca_app *apps;
	int n, i, row = 0, cards = 0;

	invoice_forget(a);
	if (app_screen_begin(a, msg(MSG_UI_T_INVOICE), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_HOME);
		return;
	}
	apps = app_apps(a, &n);
	for (i = 0; i < n; i++)
		if (listed(&apps[i], app_invoice(a, apps[i].id, CA_INV_BLUE),
			   app_invoice(a, apps[i].id, CA_INV_RED)))
			cards++;
	if (cards == 0) {
		pay_empty_card(ui, MSG_UI_INVOICE_EMPTY);
	} else {
		ui_caption(ui, msg(MSG_UI_INVOICE_HINT));
		ui_scroll_begin(ui, "invoice-list", 0);
		for (i = 0; i < n; i++) {
			const struct ca_app *r = &apps[i];
			const struct ca_invoice *blue = app_invoice(a, r->id, CA_INV_BLUE);
			const struct ca_invoice *red = app_invoice(a, r->id, CA_INV_RED);
			char id[UI_ID_MAX + 1];
			/* An issued invoice, blue or red, to fetch by QR. */
			bool get = (blue && blue->state == CA_INV_ISSUED) ||
				   (red && red->state == CA_INV_ISSUED);

			if (!listed(r, blue, red))
				continue;
			if (get)
				snprintf(id, sizeof(id), "invoice.%d", row++);
			if (invoice_card(ui, r, blue, red, get ? id : NULL)) {
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

/* Whom the invoice is for, its number (once the store has it) and its
 * amount. */
static void invoice_head(struct app *a, const struct ca_app *r)
{
	const struct ca_invoice *blue = app_invoice(a, r->id, CA_INV_BLUE);
	bool issued = blue && blue->state == CA_INV_ISSUED;
	const struct theme *t = ui_theme(a->ui);
	char no[64], line[96];

	ui_label(a->ui, r->company);
	pay_invoice_no(issued ? blue->number : "", no, sizeof(no));
	if (issued && ui_is_landscape(a->ui)) {
		/* Beside the QR a key column leaves a 20-digit number too
		 * little room: key and number on one line. */
		snprintf(line, sizeof(line), "%s  %s", msg(MSG_UI_INVOICE_NO), no);
		ui_text(a->ui, line, DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD, UI_ALIGN_LEFT);
	} else if (issued) {
		pay_kv_text(a->ui, MSG_UI_INVOICE_NO, no);
	}
	pay_kv_amount(a->ui, MSG_UI_INVOICE_AMOUNT, issued ? invoice_total(r, blue) : r->amount_fen);
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
	invoice_head(a, r);
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
		invoice_head(a, &r);
		pay_qr_wait_panel(ui, MSG_UI_INVOICE_WAIT, size);
	} else if (ui_is_landscape(ui)) {
		/* The QR's cell as wide as the QR: the text beside it gets the
		 * rest, so that the number and the steps keep to their lines. */
		int widths[2] = { size, 0 };

		ui_row(ui, 2, widths, 0);
		ui_qr(ui, "invoice-qr", inv->url, size);
		ui_column_begin(ui);
		invoice_head(a, &r);
		invoice_steps(ui);
		ui_column_end(ui);
	} else {
		invoice_head(a, &r);
		ui_qr(ui, "invoice-qr", inv->url, size);
		invoice_steps(ui);
	}
	ui_card_end(ui);
	if (pay_footer_one(ui, "done", MSG_UI_DONE, 0))
		app_go(a, APP_SCREEN_HOME);
}
