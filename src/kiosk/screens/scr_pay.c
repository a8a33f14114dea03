/*
 * scr_pay.c - the CA支付 screens: the payment list (未支付 / 已支付 /
 * 已办理), the choice of method and bank, the QR code with its 300 s
 * countdown and the result. The order details (payment record, processing
 * records, 确认签收, the on-site states) are in scr_order.c, the e-invoice
 * screens in scr_invoice.c; the pieces they share in pay_parts.c.
 *
 * Start reading at scr_pay_qr: it is the only screen with a life of its
 * own. scr_pay_start asks the hub for an order (online.h) and shows it;
 * each frame takes the worker's answers (qr_created, qr_queried), asks
 * again every APP_PAY_POLL_MS, at once when the sync engine reported (the
 * hub's feed pushes a payment) and once at the expiry (qr_poll), and lets
 * pay_view_of (core/pay.h) decide between the live QR, "checking", "paid"
 * and "expired". "Checking" (the time is up and the hub has not said
 * CLOSED, or the hub says CHECKING: a close failed at the provider) shows
 * a spinner and 正在确认支付结果，请勿重复付款: no QR, no countdown, no
 * 重新生成; the screen keeps asking until the hub says SUCCESS or CLOSED.
 * The countdown comes from the hub's expiry and Date header
 * measured on the app's clock, so a script's `advance 60s` moves it. The
 * screen asks for a frame at the next whole second and at the next query,
 * nothing more: a ticking QR page costs one small frame a second.
 *
 * "Expired" is shown only when the hub says CLOSED; an order paid at the
 * last second goes to 支付成功, never to 已过期.
 *
 * The other screens read struct app and the store and emit widgets; they
 * run only when something happens (a tap, a sync report).
 */
#include <stdio.h>
#include <string.h>

#include "core/bank.h"
#include "kiosk/app.h"
#include "pay_parts.h"


/* The next widget goes in a centred cell w px wide; centre_end after it. */
static void centre_begin(struct ui *ui, int w)
{
	int widths[3] = { 0, w, 0 };

	ui_row(ui, 3, widths, 0);
	ui_next(ui, 0);
}

static void centre_end(struct ui *ui)
{
	ui_next(ui, 0);
}

/* The processing status a paid application is in, also before the hub's
 * snapshot arrived: 办理中 for mail pickup, 现场办理 on site. */
static enum ca_proc_status proc_of(const struct ca_app *r)
{
	if (r->proc_status != CA_PROC_NONE)
		return r->proc_status;
	return r->pickup == CA_PICKUP_MAIL ? CA_PROC_PROCESSING : CA_PROC_ONSITE;
}

/* The pill of a row in the payment list: 未支付, else how far the key is. */
static const char *pay_pill(const struct ca_app *r, enum ui_tone *tone)
{
	if (r->pay_status == CA_PAY_UNPAID || r->pay_status == CA_PAY_REFUNDED) {
		*tone = r->pay_status == CA_PAY_UNPAID ? UI_TONE_WARNING : UI_TONE_NEUTRAL;
		return msg(ca_pay_status_msg(r->pay_status));
	}
	*tone = pay_proc_tone(proc_of(r));
	return msg(ca_proc_status_msg(proc_of(r)));
}

/* ---- payment list ---- */

/* The rows of tab (a payment status) in a scroll view; true when one was
 * tapped (the screen changed). */
static bool pay_rows(struct app *a, const struct ca_app *apps, int n, int tab)
{
	struct ui *ui = a->ui;
	int i, row = 0;

	ui_scroll_begin(ui, "pay-list", 0);
	for (i = 0; i < n; i++) {
		const struct ca_app *r = &apps[i];
		char id[UI_ID_MAX + 1], detail[256];
		const char *pill;
		enum ui_tone tone;

		if (r->app_status != CA_APP_APPROVED || ca_pay_tab(r->pay_status) != tab)
			continue;
		snprintf(id, sizeof(id), "pay.%d", row++);
		pill = pay_pill(r, &tone);
		if (ui_list_item(ui, id, r->company, pay_order_line(r, detail, sizeof(detail)),
				 pill, tone)) {
			snprintf(a->sel_id, sizeof(a->sel_id), "%s", r->id);
			ui_scroll_end(ui);
			app_go(a, tab == CA_PAY_UNPAID ? APP_SCREEN_PAY_METHOD : APP_SCREEN_ORDER_DETAIL);
			return true;
		}
	}
	ui_scroll_end(ui);
	return false;
}

void scr_pay_list(struct app *a)
{
	static const enum msg_id hints[3] = { MSG_UI_PAY_HINT_UNPAID, MSG_UI_PAY_HINT_PAID,
					      MSG_UI_PAY_HINT_DONE };
	static const enum msg_id empty[3] = { MSG_UI_PAY_EMPTY_UNPAID, MSG_UI_PAY_EMPTY_PAID,
					      MSG_UI_PAY_EMPTY_DONE };
	struct ui *ui = a->ui;
	const char *labels[3] = { msg(MSG_PAY_UNPAID), msg(MSG_PAY_PAID), msg(MSG_PAY_DONE) };
	int counts[3] = { 0, 0, 0 }, n, i;
	const struct ca_app *apps;

	if (app_screen_begin(a, msg(MSG_UI_T_PAY), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_HOME);
		return;
	}
	apps = app_apps(a, &n);
	for (i = 0; i < n; i++)
		if (apps[i].app_status == CA_APP_APPROVED && (unsigned)apps[i].pay_status < CA_PAY__N)
			counts[ca_pay_tab(apps[i].pay_status)]++;
	if (a->pay_tab < 0 || a->pay_tab > 2)
		a->pay_tab = 0;
	ui_tabs(ui, "pay-tab", labels, counts, 3, &a->pay_tab);
	if (counts[a->pay_tab] == 0) {
		pay_empty_card(ui, empty[a->pay_tab]);
	} else {
		ui_caption(ui, msg(hints[a->pay_tab]));
		if (pay_rows(a, apps, n, a->pay_tab))
			return;
	}
	if (pay_footer_one(ui, "home", MSG_UI_BACK_HOME, UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_HOME);
}

/* ---- method ---- */

/* The order summary card: company, business, certificate, keys, pickup,
 * amount. */
static void order_card(struct ui *ui, const struct ca_app *r)
{
	char keys[64];

	ui_card_begin(ui);
	if (ui_is_landscape(ui))
		ui_label(ui, r->company);
	else
		ui_heading(ui, r->company);
	pay_kv_text(ui, MSG_F_BUSINESS, msg(ca_business_msg(r->business)));
	pay_kv_text(ui, MSG_F_CERT_TYPE, msg(ca_cert_type_msg(r->cert_type)));
	pay_kv_text(ui, MSG_UI_PAY_KEYS_LABEL, msg_format(keys, sizeof(keys), MSG_UI_PAY_KEYS,
						       r->sub_keys));
	pay_kv_text(ui, MSG_F_PICKUP, msg(ca_pickup_msg(r->pickup)));
	pay_kv_amount(ui, MSG_UI_PAY_AMOUNT, r->amount_fen);
	ui_card_end(ui);
}

/* The two methods, or why there is no choice. */
static void method_choices(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;
	struct ca_state s = ca_state_of(r);

	if (!app_has_hub(a)) {
		ui_banner(ui, msg(MSG_UI_PAY_NO_HUB), UI_TONE_WARNING);
		return;
	}
	if (!fsm_allowed(&s, CA_ACT_PAY)) { /* paid meanwhile (e.g. on another kiosk) */
		ui_paragraph(ui, msg(MSG_UI_PAY_NOT_PAYABLE));
		if (ui_button_ex(ui, "details", msg(MSG_ACT_VIEW_DETAILS), 0))
			app_go(a, APP_SCREEN_ORDER_DETAIL);
		return;
	}
	if (app_offline(a))
		ui_banner(ui, msg(MSG_UI_PAY_OFFLINE), UI_TONE_WARNING);
	ui_label(ui, msg(MSG_UI_PAY_CHOOSE));
	if (ui_list_item(ui, "wechat", msg(MSG_UI_WECHAT_PAY), msg(MSG_UI_PAY_WECHAT_HINT), NULL,
			 UI_TONE_NEUTRAL))
		scr_pay_start(a, r->id, PAY_WECHAT, -1);
	else if (ui_list_item(ui, "bank", msg(MSG_UI_BANK_PAY), msg(MSG_UI_PAY_BANK_HINT), NULL,
			      UI_TONE_NEUTRAL))
		app_go(a, APP_SCREEN_PAY_BANK);
}

void scr_pay_method(struct app *a)
{
	struct ui *ui = a->ui;
	bool wide = ui_is_landscape(ui);
	struct ca_app r;

	if (!pay_sel_screen(a, MSG_UI_PAY_T_METHOD, APP_SCREEN_PAY_LIST, APP_SCREEN_PAY_LIST, &r))
		return;
	ui_scroll_begin(ui, "method", 0);
	if (wide) {
		int widths[2] = { theme_px(ui_theme(ui), 700), 0 };

		ui_row(ui, 2, widths, 0);
		ui_column_begin(ui);
	}
	order_card(ui, &r);
	if (wide) {
		ui_column_end(ui);
		ui_column_begin(ui);
	}
	method_choices(a, &r);
	if (wide)
		ui_column_end(ui);
	ui_scroll_end(ui);
	if (a->screen != APP_SCREEN_PAY_METHOD)
		return;
	if (pay_footer_one(ui, "cancel", MSG_UI_CANCEL, UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_PAY_LIST);
}

/* ---- bank ---- */

/* The banks as a grid of buttons (2 columns, 3 in landscape). */
static void bank_grid(struct app *a, const char *app_id)
{
	struct ui *ui = a->ui;
	int cols = ui_is_landscape(ui) ? 3 : 2, i;

	ui_scroll_begin(ui, "banks", 0);
	for (i = 0; i < (int)ca_nbanks; i++) {
		char id[UI_ID_MAX + 1];

		if (i % cols == 0)
			ui_row(ui, cols, NULL, 0);
		snprintf(id, sizeof(id), "bank.%s", ca_banks[i].id);
		if (ui_button_ex(ui, id, msg(ca_banks[i].name), UI_OPT_SECONDARY)) {
			ui_scroll_end(ui);
			scr_pay_start(a, app_id, PAY_BANK, i);
			return;
		}
	}
	for (; i % cols; i++) /* close the last row */
		ui_next(ui, 0);
	ui_scroll_end(ui);
}

void scr_pay_bank(struct app *a)
{
	struct ui *ui = a->ui;
	struct ca_app r;
	char line[512], money[32];

	if (!pay_sel_screen(a, MSG_UI_PAY_T_BANK, APP_SCREEN_PAY_METHOD, APP_SCREEN_PAY_LIST, &r))
		return;
	app_money(r.amount_fen, money, sizeof(money));
	snprintf(line, sizeof(line), "%s%s%s", r.company, msg(MSG_UI_PAY_SEP), money);
	ui_label(ui, line);
	if (!app_has_hub(a)) {
		ui_banner(ui, msg(MSG_UI_PAY_NO_HUB), UI_TONE_WARNING);
	} else {
		if (app_offline(a))
			ui_banner(ui, msg(MSG_UI_PAY_OFFLINE), UI_TONE_WARNING);
		ui_caption(ui, msg(MSG_UI_BANK_HOW));
		bank_grid(a, r.id);
		if (a->screen != APP_SCREEN_PAY_BANK)
			return;
	}
	if (pay_footer_one(ui, "cancel", MSG_UI_PAY_CANCEL, UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_PAY_LIST);
}

/* ---- starting a payment ---- */

void scr_pay_start(struct app *a, const char *id, enum pay_method m, int bank)
{
	struct online_req req;
	char app_id[CA_UUID_LEN + 1];

	snprintf(app_id, sizeof(app_id), "%s", id); /* id may point into a->pay */
	memset(&a->pay, 0, sizeof(a->pay));
	snprintf(a->pay.app_id, sizeof(a->pay.app_id), "%s", app_id);
	a->pay.method = m;
	a->pay.bank = m == PAY_BANK && bank >= 0 && bank < (int)ca_nbanks ? bank : -1;
	a->pay.error = MSG_NONE;
	if (!app_has_hub(a))
		a->pay.error = MSG_UI_PAY_NO_HUB;
	else if (!a->session.active)
		a->pay.error = MSG_UI_PAY_ERR_SESSION;
	else if (m == PAY_BANK && a->pay.bank < 0)
		a->pay.error = MSG_UI_PAY_ERR_INVALID;
	/* Go first: app_go forgets the request the app was waiting for. */
	app_go(a, APP_SCREEN_PAY_QR);
	if (a->pay.error == MSG_NONE) {
		memset(&req, 0, sizeof(req));
		req.op = ONLINE_PAY_CREATE;
		req.method = m;
		snprintf(req.token, sizeof(req.token), "%s", a->session.token);
		snprintf(req.app_id, sizeof(req.app_id), "%s", app_id);
		if (m == PAY_BANK)
			snprintf(req.bank, sizeof(req.bank), "%s", ca_banks[a->pay.bank].id);
		app_net_send(a, &req);
		explicit_bzero(req.token, sizeof(req.token));
	}
}

/* ---- the QR page: state ---- */

/* Milliseconds left to pay at app time now. */
static int64_t qr_left(const struct app *a, int64_t now)
{
	return pay_remaining_ms(a->pay.order.expires_at_s, a->pay.hub_ms, a->pay.local_at_ms,
				now);
}

/* Whether error e replaces the QR (else it is a note under it). */
static bool qr_fatal(enum msg_id e)
{
	return e != MSG_NONE && e != MSG_UI_PAY_QUERY_RETRY;
}

/* The next query: APP_PAY_POLL_MS from now, or at the expiry if sooner. */
static void qr_schedule(struct app *a, int64_t now)
{
	int64_t left = qr_left(a, now), next = now + APP_PAY_POLL_MS;

	if (left > 0 && now + left < next)
		next = now + left;
	a->pay.next_poll_ms = next;
}

/* Ask the hub how the order stands. */
static void qr_send_query(struct app *a, int64_t now)
{
	struct online_req req;

	memset(&req, 0, sizeof(req));
	req.op = ONLINE_PAY_QUERY;
	snprintf(req.token, sizeof(req.token), "%s", a->session.token);
	snprintf(req.out_trade_no, sizeof(req.out_trade_no), "%s", a->pay.order.out_trade_no);
	app_net_send(a, &req);
	explicit_bzero(req.token, sizeof(req.token));
	a->pay.store_gen = a->store_gen;
	qr_schedule(a, now);
}

/* What a failed order request means to the person. */
static enum msg_id create_error(enum online_outcome o)
{
	switch (o) {
	case ONLINE_OFFLINE: return MSG_UI_PAY_ERR_OFFLINE;
	case ONLINE_REFUSED: return MSG_UI_PAY_ERR_SESSION;
	case ONLINE_FORBIDDEN: return MSG_UI_PAY_ERR_PAID;
	case ONLINE_INVALID: return MSG_UI_PAY_ERR_INVALID;
	case ONLINE_LIMITED: return MSG_UI_PAY_ERR_LIMITED;
	default: return MSG_UI_PAY_ERR_HUB;
	}
}

/* The answer to POST /v1/pay/orders. */
static void qr_created(struct app *a, const struct online_result *res, int64_t now)
{
	struct app_pay *p = &a->pay;

	if (res->outcome != ONLINE_OK) {
		/* 409: an earlier order of this application is being checked
		 * (docs/api.md): no new QR until its outcome is known. */
		p->error = res->status == 409 ? MSG_UI_PAY_ERR_CHECKING : create_error(res->outcome);
		if (res->outcome == ONLINE_FORBIDDEN)
			app_sync_now(a); /* fetch the paid status from the feed */
		return;
	}
	p->order = res->order;
	p->have_order = true;
	/* The countdown runs from the hub's time of the answer (its now_ms,
	 * else its Date; absent: assume a fresh order), measured on the app's
	 * clock from the moment it came. */
	p->hub_ms = res->hub_now_ms > 0 ? res->hub_now_ms
		    : res->hub_date_s > 0 ? res->hub_date_s * 1000
		    : (res->order.expires_at_s - PAY_ORDER_LIFE_S) * 1000;
	p->local_at_ms = res->local_at_ms > 0 ? res->local_at_ms + a->clock_offset_ms : now;
	p->error = MSG_NONE;
	qr_schedule(a, now);
}

/* The answer to GET /v1/pay/orders/NO; true when the screen changed. */
static bool qr_queried(struct app *a, const struct online_result *res, int64_t now)
{
	struct app_pay *p = &a->pay;
	enum pay_state s = res->order.state;

	if (res->outcome != ONLINE_OK) {
		if (res->outcome == ONLINE_REFUSED)
			p->error = MSG_UI_PAY_ERR_SESSION;
		else if (res->outcome == ONLINE_INVALID)
			p->error = MSG_UI_PAY_ERR_ORDER;
		else
			p->error = MSG_UI_PAY_QUERY_RETRY;
		if (res->retry_after_s > 0 && p->next_poll_ms < now + res->retry_after_s * 1000LL)
			p->next_poll_ms = now + res->retry_after_s * 1000LL;
		return false;
	}
	if (!p->have_order || strcmp(res->order.out_trade_no, p->order.out_trade_no))
		return false; /* about an order replaced since */
	if (pay_state_advances(p->order.state, s))
		p->order.state = s;
	p->order.checking = p->order.state == PAY_NOTPAY && res->order.checking;
	p->error = MSG_NONE;
	if (p->order.state != PAY_SUCCESS && p->order.state != PAY_REFUND)
		return false;
	if (res->order.has_app)
		app_apply_hub(a, &res->order.app);
	app_apps_dirty(a);
	app_go(a, APP_SCREEN_PAY_RESULT);
	return true;
}

/* Ask again when it is time, or at once when the sync engine reported
 * (the feed brings the application as the hub changed it: paid), while
 * the order may still change. */
static void qr_poll(struct app *a, int64_t now)
{
	if (a->pay.order.state != PAY_NOTPAY || qr_fatal(a->pay.error) || app_net_busy(a))
		return;
	if (now >= a->pay.next_poll_ms || a->store_gen != a->pay.store_gen)
		qr_send_query(a, now);
}

/* Frames: at the next whole second of the countdown and the next query. */
static void qr_wake(struct app *a, int64_t now, int64_t left)
{
	if (left > 0)
		ui_wake_at(a->ui, now + (left - 1) % 1000 + 1);
	if (a->pay.order.state == PAY_NOTPAY && !app_net_busy(a))
		ui_wake_at(a->ui, a->pay.next_poll_ms);
}

/* ---- the QR page: drawing ---- */

/* The outcome is unknown: a spinner and "do not pay again"; when the hub
 * says CHECKING (the provider has not answered; it may take a while), also
 * why to wait. Nothing scannable, no countdown, no 重新生成. */
static void qr_checking_panel(struct ui *ui, bool hub_checking, int h)
{
	const struct theme *t = ui_theme(ui);
	int top = pay_panel_begin(ui, h, theme_px(t, 96) + t->text_body * 2 +
			      (hub_checking ? t->sp_lg + t->text_caption * 3 : 0));

	ui_spinner(ui, msg(MSG_UI_PAY_CHECKING));
	if (hub_checking) {
		ui_space(ui, t->sp_lg);
		pay_centred(ui, msg(MSG_UI_PAY_CHECKING_HINT), DRAW_FONT_REGULAR, t->text_caption,
			THEME_INK_CARD_MUTED);
	}
	pay_panel_end(ui, top, h);
}

/* The QR is dead: nothing scannable, 重新生成 in its place. */
static void qr_expired_panel(struct app *a, int h)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	int top = pay_panel_begin(ui, h, t->text_title * 3 / 2 + t->text_caption * 3 / 2 +
			      t->button_h + 2 * t->sp_lg);
	bool regen;

	pay_centred(ui, msg(MSG_UI_PAY_EXPIRED), DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	pay_centred(ui, msg(MSG_UI_PAY_EXPIRED_HINT), DRAW_FONT_REGULAR, t->text_caption,
		THEME_INK_CARD_MUTED);
	centre_begin(ui, theme_px(t, 360));
	regen = ui_button_ex(ui, "regen", msg(MSG_UI_PAY_REGEN), 0);
	centre_end(ui);
	pay_panel_end(ui, top, h);
	if (regen)
		scr_pay_start(a, a->pay.app_id, a->pay.method, a->pay.bank);
}

/* The QR itself, or what stands in its place. */
static void qr_area(struct app *a, enum pay_view v, int size)
{
	if (!a->pay.have_order)
		pay_qr_wait_panel(a->ui, MSG_UI_PAY_CREATING, size);
	else if (v == PAY_VIEW_WAITING)
		ui_qr(a->ui, "pay-qr", a->pay.order.code_url, size);
	else if (v == PAY_VIEW_EXPIRED)
		qr_expired_panel(a, size);
	else
		qr_checking_panel(a->ui, a->pay.order.checking, size);
}

/* Whom it is for, the bank, and (while the QR is live) what to do with
 * the phone. */
static void qr_head(struct app *a, enum pay_view v)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	const struct ca_app *r = pay_find_app(a, a->pay.app_id);
	bool live = a->pay.have_order && v == PAY_VIEW_WAITING;

	if (r)
		pay_centred(ui, r->company, DRAW_FONT_REGULAR, t->text_caption,
			    THEME_INK_CARD_MUTED);
	if (a->pay.method == PAY_BANK && a->pay.bank >= 0)
		pay_centred(ui, msg(ca_banks[a->pay.bank].name), DRAW_FONT_BOLD, t->text_title,
			THEME_INK_LINK);
	if (live)
		pay_centred(ui, msg(a->pay.method == PAY_BANK ? MSG_UI_PAY_SCAN_BANK :
				MSG_UI_SCAN_WECHAT), DRAW_FONT_BOLD,
			ui_is_landscape(ui) ? t->text_body : t->text_button, THEME_INK_CARD);
}

/* The amount, beside the countdown ring while the QR is live. */
static void qr_info(struct app *a, enum pay_view v, int64_t left)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	const struct ca_app *r = pay_find_app(a, a->pay.app_id);
	bool ring = a->pay.have_order && v == PAY_VIEW_WAITING;
	char money[32] = "";

	if (a->pay.have_order)
		app_money(a->pay.order.amount_fen, money, sizeof(money));
	else if (r)
		app_money(r->amount_fen, money, sizeof(money));
	if (ring) {
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		ui_space(ui, theme_px(t, 64));
	}
	pay_centred(ui, msg(MSG_UI_PAY_AMOUNT), DRAW_FONT_REGULAR, t->text_caption,
		THEME_INK_CARD_MUTED);
	pay_centred(ui, money, DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	if (!ring) {
		if (v == PAY_VIEW_CHECKING && a->pay.error == MSG_UI_PAY_QUERY_RETRY)
			ui_banner(ui, msg(MSG_UI_PAY_QUERY_RETRY), UI_TONE_WARNING);
		return;
	}
	ui_column_end(ui);
	ui_column_begin(ui);
	ui_countdown(ui, "countdown", (int)((left + 999) / 1000), PAY_ORDER_LIFE_S,
		     theme_px(t, ui_is_landscape(ui) ? 200 : 240));
	pay_centred(ui, msg(MSG_UI_PAY_TIME_LEFT), DRAW_FONT_REGULAR, t->text_caption,
		THEME_INK_CARD_MUTED);
	ui_column_end(ui);
	if (a->pay.error == MSG_UI_PAY_QUERY_RETRY)
		ui_banner(ui, msg(MSG_UI_PAY_QUERY_RETRY), UI_TONE_WARNING);
}

/* The page: whom for, QR, amount and countdown; QR beside the rest when
 * wide. */
static void qr_page(struct app *a, enum pay_view v, int64_t left)
{
	struct ui *ui = a->ui;
	int size = pay_qr_fit(ui, 700);
	enum app_screen here = a->screen;

	ui_card_begin(ui);
	if (ui_is_landscape(ui)) {
		int widths[2] = { size + ui_theme(ui)->sp_lg, 0 };

		ui_row(ui, 2, widths, 0);
		ui_column_begin(ui);
		qr_area(a, v, size);
		ui_column_end(ui);
		ui_column_begin(ui);
		qr_head(a, v);
		qr_info(a, v, left);
		ui_column_end(ui);
	} else {
		qr_head(a, v);
		qr_area(a, v, size);
		qr_info(a, v, left);
	}
	ui_card_end(ui);
	/* While checking, nothing is cancelled: the person may leave, the
	 * hub settles the order either way. */
	if (a->screen == here &&
	    pay_footer_one(ui, v == PAY_VIEW_CHECKING ? "to-list" : "cancel",
		       v == PAY_VIEW_CHECKING ? MSG_UI_PAY_TO_LIST : MSG_UI_PAY_CANCEL,
		       UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_PAY_LIST);
}

/* No QR: what went wrong and what to do about it. */
static void qr_error(struct app *a)
{
	struct ui *ui = a->ui;
	enum msg_id e = a->pay.error;
	bool paid = e == MSG_UI_PAY_ERR_PAID, to_list = paid || e == MSG_UI_PAY_ERR_INVALID ||
		    e == MSG_UI_PAY_NO_HUB;

	ui_card_begin(ui);
	ui_heading(ui, msg(paid ? MSG_PAY_PAID : MSG_UI_PAY_ERR_TITLE));
	ui_paragraph(ui, msg(e));
	ui_card_end(ui);
	ui_footer_begin(ui);
	if (to_list) {
		if (ui_button_ex(ui, "to-list", msg(MSG_UI_PAY_TO_LIST), 0))
			app_go(a, APP_SCREEN_PAY_LIST);
		ui_footer_end(ui);
		return;
	}
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "cancel", msg(MSG_UI_PAY_CANCEL), UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_PAY_LIST);
	else if (e == MSG_UI_PAY_ERR_SESSION) {
		if (ui_button_ex(ui, "relogin", msg(MSG_UI_RELOGIN), 0))
			app_end_session(a);
	} else if (e == MSG_UI_PAY_ERR_ORDER) {
		if (ui_button_ex(ui, "regen", msg(MSG_UI_PAY_REGEN), 0))
			scr_pay_start(a, a->pay.app_id, a->pay.method, a->pay.bank);
	} else if (ui_button_ex(ui, "retry", msg(MSG_UI_RETRY), 0)) {
		scr_pay_start(a, a->pay.app_id, a->pay.method, a->pay.bank);
	}
	ui_footer_end(ui);
}

void scr_pay_qr(struct app *a)
{
	struct online_result res;
	int64_t now = app_now_ms(a), left = 0;
	enum pay_view v = PAY_VIEW_WAITING;
	const char *title = msg(a->pay.method == PAY_BANK ? MSG_UI_BANK_PAY : MSG_UI_WECHAT_PAY);

	if (app_screen_begin(a, title, UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
	if (app_net_take(a, ONLINE_PAY_CREATE, &res))
		qr_created(a, &res, now);
	if (app_net_take(a, ONLINE_PAY_QUERY, &res) && qr_queried(a, &res, now))
		return;
	if (!a->pay.have_order && a->pay.error == MSG_NONE && !app_net_busy(a))
		a->pay.error = MSG_UI_PAY_ERR_OFFLINE; /* the request is gone */
	if (qr_fatal(a->pay.error)) {
		qr_error(a);
		return;
	}
	if (a->pay.have_order) {
		left = qr_left(a, now);
		v = pay_view_of(a->pay.order.state, a->pay.order.checking, left);
		qr_poll(a, now);
		qr_wake(a, now, left);
	}
	qr_page(a, v, left);
}

/* ---- result ---- */

/* The success mark, 支付成功, the amount and whom it was for. */
static void result_head(struct ui *ui, const struct ca_app *r, const char *money)
{
	const struct theme *t = ui_theme(ui);

	pay_centred(ui, msg(MSG_UI_PAY_OK_MARK), DRAW_FONT_BOLD, theme_px(t, 128),
		THEME_INK_PILL_SUCCESS);
	pay_centred(ui, msg(MSG_UI_PAY_SUCCESS), DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	pay_centred(ui, money, DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	if (r)
		pay_centred(ui, r->company, DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED);
}

/* The new statuses and what happens next. */
static void result_status(struct ui *ui, const struct ca_app *r)
{
	bool mail = r && r->pickup == CA_PICKUP_MAIL;

	pay_kv_pill(ui, MSG_UI_ORDER_PAY_STATUS, msg(MSG_PAY_PAID), UI_TONE_SUCCESS);
	if (r)
		pay_kv_pill(ui, MSG_UI_ORDER_PROC_STATUS, msg(ca_proc_status_msg(proc_of(r))),
			pay_proc_tone(proc_of(r)));
	ui_paragraph(ui, msg(mail ? MSG_UI_PAY_NEXT_MAIL : MSG_UI_PAY_NEXT_ONSITE));
}

void scr_pay_result(struct app *a)
{
	struct ui *ui = a->ui;
	const struct ca_app *r;
	char money[32] = "";

	if (app_screen_begin(a, msg(MSG_UI_PAY_T_RESULT), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
	r = pay_find_app(a, a->pay.app_id);
	app_money(a->pay.have_order ? a->pay.order.amount_fen : r ? r->amount_fen : 0, money,
		  sizeof(money));
	ui_card_begin(ui);
	if (ui_is_landscape(ui)) {
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		result_head(ui, r, money);
		ui_column_end(ui);
		ui_column_begin(ui);
		ui_space(ui, ui_theme(ui)->sp_xl);
		result_status(ui, r);
		ui_column_end(ui);
	} else {
		result_head(ui, r, money);
		ui_space(ui, ui_theme(ui)->sp_md);
		result_status(ui, r);
	}
	ui_card_end(ui);
	ui_footer_begin(ui);
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "home", msg(MSG_UI_BACK_HOME), UI_OPT_SECONDARY)) {
		app_go(a, APP_SCREEN_HOME);
	} else if (ui_button_ex(ui, "details", msg(MSG_ACT_VIEW_DETAILS), 0)) {
		snprintf(a->sel_id, sizeof(a->sel_id), "%s", a->pay.app_id);
		app_go(a, APP_SCREEN_ORDER_DETAIL);
	}
	ui_footer_end(ui);
}

enum msg_id pay_bank_name(int bank)
{
	return bank >= 0 && bank < (int)ca_nbanks ? ca_banks[bank].name : MSG_NONE;
}
