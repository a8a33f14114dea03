/*
 * pay_parts.c - pieces the payment screens share (scr_pay.c, scr_order.c,
 * scr_invoice.c; declared in pay_parts.h): finding the selected
 * application, key/value rows on a card, the order line, the tone of a
 * processing status, times in China time, an empty list, a lone footer
 * button, the QR's size and where an order's e-invoice stands.
 */
#include "pay_parts.h"

#include <stdio.h>
#include <string.h>

#include "core/cst.h"

/* The application id in the cached list of the account, or NULL. */
const struct ca_app *pay_find_app(struct app *a, const char *id)
{
	int i, n;
	const struct ca_app *apps = app_apps(a, &n);

	for (i = 0; i < n; i++)
		if (!strcmp(apps[i].id, id))
			return &apps[i];
	return NULL;
}

/* The selected application into *out: from the cache, else from the
 * store (false, and a toast, when it is gone). */
static bool pay_load_sel(struct app *a, struct ca_app *out)
{
	const struct ca_app *r = pay_find_app(a, a->sel_id);

	if (r) {
		*out = *r;
		return true;
	}
	return app_sel(a, out);
}

/* Width of the key column of a key/value row. */
static int key_w(struct ui *ui)
{
	return theme_px(ui_theme(ui), 220);
}

/* A key/value row on a card. */
void pay_kv_text(struct ui *ui, enum msg_id key, const char *value)
{
	const struct theme *t = ui_theme(ui);
	int widths[2] = { key_w(ui), 0 };

	ui_row(ui, 2, widths, 0);
	ui_text(ui, msg(key), DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED, UI_ALIGN_LEFT);
	ui_text(ui, value, DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD, UI_ALIGN_LEFT);
}

/* A key with a status pill. */
void pay_kv_pill(struct ui *ui, enum msg_id key, const char *value, enum ui_tone tone)
{
	const struct theme *t = ui_theme(ui);
	int widths[2] = { key_w(ui), 0 };

	ui_row(ui, 2, widths, 0);
	ui_text(ui, msg(key), DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED, UI_ALIGN_LEFT);
	ui_pill(ui, value, tone);
}

/* A key with an amount in large type. */
void pay_kv_amount(struct ui *ui, enum msg_id key, int64_t fen)
{
	const struct theme *t = ui_theme(ui);
	int widths[2] = { key_w(ui), 0 };
	char money[32];

	app_money(fen, money, sizeof(money));
	ui_row(ui, 2, widths, 0);
	ui_column_begin(ui); /* the key on the figure's middle */
	ui_space(ui, (t->text_title - t->text_body) * 2 / 3);
	ui_text(ui, msg(key), DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED, UI_ALIGN_LEFT);
	ui_column_end(ui);
	ui_text(ui, money, DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD, UI_ALIGN_LEFT);
}

/* Centred text on a card. */
void pay_centred(struct ui *ui, const char *text, enum draw_font f, int size,
		 enum theme_ink_id ink)
{
	ui_text(ui, text, f, size, ink, UI_ALIGN_CENTER);
}

/* "新办 · 机构证书 · ¥600.00" */
const char *pay_order_line(const struct ca_app *r, char *buf, size_t n)
{
	char money[32];
	const char *sep = msg(MSG_UI_PAY_SEP);

	app_money(r->amount_fen, money, sizeof(money));
	snprintf(buf, n, "%s%s%s%s%s", msg(ca_business_msg(r->business)), sep,
		 msg(ca_cert_type_msg(r->cert_type)), sep, money);
	return buf;
}

/* The tone of a processing status. */
enum ui_tone pay_proc_tone(enum ca_proc_status p)
{
	switch (p) {
	case CA_PROC_READY_FOR_PICKUP:
	case CA_PROC_RECEIVED:
	case CA_PROC_COLLECTED:
		return UI_TONE_SUCCESS;
	case CA_PROC_NONE:
		return UI_TONE_NEUTRAL;
	default:
		return UI_TONE_INFO;
	}
}

/* "2026-11-24 08:05" of Unix ms, in China time (as the hub writes times). */
void pay_fmt_time(int64_t ms, char *buf, size_t n)
{
	ca_cst_format(ms, "%Y-%m-%d %H:%M", buf, n);
}

/* An empty list: a card with 暂无记录 and what would appear here. */
void pay_empty_card(struct ui *ui, enum msg_id hint)
{
	const struct theme *t = ui_theme(ui);

	ui_card_begin(ui);
	ui_space(ui, t->sp_lg);
	pay_centred(ui, msg(MSG_UI_EMPTY_LIST), DRAW_FONT_BOLD, t->text_body, THEME_INK_CARD);
	pay_centred(ui, msg(hint), DRAW_FONT_REGULAR, t->text_caption, THEME_INK_CARD_MUTED);
	ui_card_end(ui);
}

/* One button alone in the action bar. */
bool pay_footer_one(struct ui *ui, const char *id, enum msg_id label, unsigned opts)
{
	bool hit;

	ui_footer_begin(ui);
	hit = ui_button_ex(ui, id, msg(label), opts);
	ui_footer_end(ui);
	return hit;
}

/* A QR's size (and that of the panel standing in for it): as large as the
 * body leaves room for, up to 600 px (520 beside the text when wide);
 * below it in portrait go other px (design) of text. Call before the card. */
int pay_qr_fit(struct ui *ui, int other)
{
	const struct theme *t = ui_theme(ui);
	bool wide = ui_is_landscape(ui);
	int room = ui_remaining(ui).h - 2 * t->sp_xl - (wide ? 0 : theme_px(t, other));
	int want = theme_px(t, wide ? 520 : 600);

	return room < want ? room : want;
}

/* A panel h px tall with its content roughly centred (est: its height). */
int pay_panel_begin(struct ui *ui, int h, int est)
{
	int top;

	ui_column_begin(ui);
	top = ui_remaining(ui).y;
	if (h > est)
		ui_next(ui, (h - est) / 2 - ui_theme(ui)->sp_lg);
	return top;
}

void pay_panel_end(struct ui *ui, int top, int h)
{
	int y = ui_remaining(ui).y;

	if (top + h > y)
		ui_next(ui, top + h - y);
	ui_column_end(ui);
}

/* A spinner with a caption where the QR goes. */
void pay_qr_wait_panel(struct ui *ui, enum msg_id text, int h)
{
	const struct theme *t = ui_theme(ui);
	int top = pay_panel_begin(ui, h, theme_px(t, 96) + t->text_body * 2);

	ui_spinner(ui, msg(text));
	pay_panel_end(ui, top, h);
}

bool pay_sel_screen(struct app *a, enum msg_id title, enum app_screen back,
		    enum app_screen gone, struct ca_app *r)
{
	if (app_screen_begin(a, msg(title), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, back);
		return false;
	}
	if (!pay_load_sel(a, r)) {
		app_go(a, gone);
		return false;
	}
	return true;
}

const char *pay_invoice_no(const char *number, char *buf, size_t n)
{
	size_t i, o = 0;

	for (i = 0; number[i] && o + 2 < n; i++) {
		if (i > 0 && i % 4 == 0)
			buf[o++] = ' ';
		buf[o++] = number[i];
	}
	if (n > 0)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

bool pay_invoiceable(const struct ca_app *r)
{
	return r->app_status == CA_APP_APPROVED &&
	       (r->pay_status == CA_PAY_PAID || r->pay_status == CA_PAY_DONE);
}

enum msg_id pay_invoice_state(const struct ca_app *r, const struct ca_invoice *blue,
			      const struct ca_invoice *red, enum ui_tone *tone)
{
	*tone = UI_TONE_INFO;
	if (red && red->state == CA_INV_ISSUED) {
		*tone = UI_TONE_NEUTRAL;
		return MSG_UI_INVOICE_REVERSED;
	}
	if (!blue) {
		if (!pay_invoiceable(r))
			return MSG_NONE;
		return MSG_UI_INVOICE_WAITING;
	}
	switch (blue->state) {
	case CA_INV_ISSUED:
		*tone = UI_TONE_SUCCESS;
		return MSG_UI_INVOICE_ISSUED;
	case CA_INV_FAILED:
		*tone = UI_TONE_DANGER;
		return MSG_UI_INVOICE_FAILED;
	default:
		return MSG_UI_INVOICE_PENDING;
	}
}
