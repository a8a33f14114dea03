/*
 * scr_pay.c - the CA支付 screens: the payment list (未支付 / 已支付 /
 * 已办理), the choice of method and bank, the QR code with its 300 s
 * countdown, the result, the order details (payment record, processing
 * records, 确认签收, the on-site states) and the e-invoice QR.
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
#include <time.h>

#include "core/cst.h"
#include "core/log.h"
#include "kiosk/app.h"
#include "kiosk/store/store.h"

/* The banks of POST /v1/pay/orders (docs/api.md), in the hub's order. */
static const struct {
	const char *code;  /* the API's bank id; button id "bank.<code>" */
	enum msg_id name;  /* the bank's Chinese name */
} banks[] = {
	{ "icbc", MSG_UI_BANK_ICBC },   { "abc", MSG_UI_BANK_ABC },
	{ "boc", MSG_UI_BANK_BOC },     { "ccb", MSG_UI_BANK_CCB },
	{ "bocom", MSG_UI_BANK_BOCOM }, { "cmb", MSG_UI_BANK_CMB },
	{ "psbc", MSG_UI_BANK_PSBC },   { "citic", MSG_UI_BANK_CITIC },
	{ "cib", MSG_UI_BANK_CIB },     { "spdb", MSG_UI_BANK_SPDB },
};
#define NBANKS ((int)(sizeof(banks) / sizeof(banks[0])))

/* Processing records shown at most on the details screen. */
#define RECORDS_SHOWN 40

/* ---- small helpers ---- */

/* The application id in the cached list of the account, or NULL. */
static const struct ca_app *find_app(struct app *a, const char *id)
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
static bool load_sel(struct app *a, struct ca_app *out)
{
	const struct ca_app *r = find_app(a, a->sel_id);

	if (r) {
		*out = *r;
		return true;
	}
	return app_sel(a, out);
}

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

/* Width of the key column of a key/value row. */
static int key_w(struct ui *ui)
{
	return theme_px(ui_theme(ui), 220);
}

/* A key/value row on a card. */
static void kv_text(struct ui *ui, enum msg_id key, const char *value)
{
	const struct theme *t = ui_theme(ui);
	int widths[2] = { key_w(ui), 0 };

	ui_row(ui, 2, widths, 0);
	ui_text(ui, msg(key), DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED, UI_ALIGN_LEFT);
	ui_text(ui, value, DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD, UI_ALIGN_LEFT);
}

/* A key with a status pill. */
static void kv_pill(struct ui *ui, enum msg_id key, const char *value, enum ui_tone tone)
{
	const struct theme *t = ui_theme(ui);
	int widths[2] = { key_w(ui), 0 };

	ui_row(ui, 2, widths, 0);
	ui_text(ui, msg(key), DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED, UI_ALIGN_LEFT);
	ui_pill(ui, value, tone);
}

/* A key with an amount in large type. */
static void kv_amount(struct ui *ui, enum msg_id key, int64_t fen)
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
static void centred(struct ui *ui, const char *text, enum draw_font f, int size,
		    enum theme_ink_id ink)
{
	ui_text(ui, text, f, size, ink, UI_ALIGN_CENTER);
}

/* "新办 · 机构证书 · ¥600.00" */
static const char *order_line(const struct ca_app *r, char *buf, size_t n)
{
	char money[32];
	const char *sep = msg(MSG_UI_PAY_SEP);

	app_money(r->amount_fen, money, sizeof(money));
	snprintf(buf, n, "%s%s%s%s%s", msg(ca_business_msg(r->business)), sep,
		 msg(ca_cert_type_msg(r->cert_type)), sep, money);
	return buf;
}

/* The tone of a processing status. */
static enum ui_tone proc_tone(enum ca_proc_status p)
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
	if (r->pay_status == CA_PAY_UNPAID) {
		*tone = UI_TONE_WARNING;
		return msg(MSG_PAY_UNPAID);
	}
	*tone = proc_tone(proc_of(r));
	return msg(ca_proc_status_msg(proc_of(r)));
}

/* "2026-11-24 08:05" of Unix ms, in China time (as the hub writes times). */
static void fmt_time(int64_t ms, char *buf, size_t n)
{
	ca_cst_format(ms, "%Y-%m-%d %H:%M", buf, n);
}

/* An empty list: a card with 暂无记录 and what would appear here. */
static void empty_card(struct ui *ui, enum msg_id hint)
{
	const struct theme *t = ui_theme(ui);

	ui_card_begin(ui);
	ui_space(ui, t->sp_lg);
	centred(ui, msg(MSG_UI_EMPTY_LIST), DRAW_FONT_BOLD, t->text_body, THEME_INK_CARD);
	centred(ui, msg(hint), DRAW_FONT_REGULAR, t->text_caption, THEME_INK_CARD_MUTED);
	ui_card_end(ui);
}

/* One button alone in the action bar. */
static bool footer_one(struct ui *ui, const char *id, enum msg_id label, unsigned opts)
{
	bool hit;

	ui_footer_begin(ui);
	hit = ui_button_ex(ui, id, msg(label), opts);
	ui_footer_end(ui);
	return hit;
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

		if (r->app_status != CA_APP_APPROVED || (int)r->pay_status != tab)
			continue;
		snprintf(id, sizeof(id), "pay.%d", row++);
		pill = pay_pill(r, &tone);
		if (ui_list_item(ui, id, r->company, order_line(r, detail, sizeof(detail)), pill,
				 tone)) {
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
		if (apps[i].app_status == CA_APP_APPROVED && (unsigned)apps[i].pay_status < 3)
			counts[apps[i].pay_status]++;
	if (a->pay_tab < 0 || a->pay_tab > 2)
		a->pay_tab = 0;
	ui_tabs(ui, "pay-tab", labels, counts, 3, &a->pay_tab);
	if (counts[a->pay_tab] == 0) {
		empty_card(ui, empty[a->pay_tab]);
	} else {
		ui_caption(ui, msg(hints[a->pay_tab]));
		if (pay_rows(a, apps, n, a->pay_tab))
			return;
	}
	if (footer_one(ui, "home", MSG_UI_BACK_HOME, UI_OPT_SECONDARY))
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
	kv_text(ui, MSG_F_BUSINESS, msg(ca_business_msg(r->business)));
	kv_text(ui, MSG_F_CERT_TYPE, msg(ca_cert_type_msg(r->cert_type)));
	kv_text(ui, MSG_UI_PAY_KEYS_LABEL, msg_format(keys, sizeof(keys), MSG_UI_PAY_KEYS,
						       r->sub_keys));
	kv_text(ui, MSG_F_PICKUP, msg(ca_pickup_msg(r->pickup)));
	kv_amount(ui, MSG_UI_PAY_AMOUNT, r->amount_fen);
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

	if (app_screen_begin(a, msg(MSG_UI_PAY_T_METHOD), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
	if (!load_sel(a, &r)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
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
	if (footer_one(ui, "cancel", MSG_UI_CANCEL, UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_PAY_LIST);
}

/* ---- bank ---- */

/* The banks as a grid of buttons (2 columns, 3 in landscape). */
static void bank_grid(struct app *a, const char *app_id)
{
	struct ui *ui = a->ui;
	int cols = ui_is_landscape(ui) ? 3 : 2, i;

	ui_scroll_begin(ui, "banks", 0);
	for (i = 0; i < NBANKS; i++) {
		char id[UI_ID_MAX + 1];

		if (i % cols == 0)
			ui_row(ui, cols, NULL, 0);
		snprintf(id, sizeof(id), "bank.%s", banks[i].code);
		if (ui_button_ex(ui, id, msg(banks[i].name), UI_OPT_SECONDARY)) {
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

	if (app_screen_begin(a, msg(MSG_UI_PAY_T_BANK), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_PAY_METHOD);
		return;
	}
	if (!load_sel(a, &r)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
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
	if (footer_one(ui, "cancel", MSG_UI_PAY_CANCEL, UI_OPT_SECONDARY))
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
	a->pay.bank = m == PAY_BANK && bank >= 0 && bank < NBANKS ? bank : -1;
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
			snprintf(req.bank, sizeof(req.bank), "%s", banks[a->pay.bank].code);
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

/* A QR's size (and that of the panel standing in for it): as large as the
 * body leaves room for, up to 600 px (520 beside the text when wide);
 * below it in portrait go other px (design) of text. Call before the card. */
static int qr_fit(struct ui *ui, int other)
{
	const struct theme *t = ui_theme(ui);
	bool wide = ui_is_landscape(ui);
	int room = ui_remaining(ui).h - 2 * t->sp_xl - (wide ? 0 : theme_px(t, other));
	int want = theme_px(t, wide ? 520 : 600);

	return room < want ? room : want;
}

/* A panel h px tall with its content roughly centred (est: its height). */
static int panel_begin(struct ui *ui, int h, int est)
{
	int top;

	ui_column_begin(ui);
	top = ui_remaining(ui).y;
	if (h > est)
		ui_next(ui, (h - est) / 2 - ui_theme(ui)->sp_lg);
	return top;
}

static void panel_end(struct ui *ui, int top, int h)
{
	int y = ui_remaining(ui).y;

	if (top + h > y)
		ui_next(ui, top + h - y);
	ui_column_end(ui);
}

/* A spinner with a caption where the QR goes. */
static void qr_wait_panel(struct ui *ui, enum msg_id text, int h)
{
	const struct theme *t = ui_theme(ui);
	int top = panel_begin(ui, h, theme_px(t, 96) + t->text_body * 2);

	ui_spinner(ui, msg(text));
	panel_end(ui, top, h);
}

/* The outcome is unknown: a spinner and "do not pay again"; when the hub
 * says CHECKING (the provider has not answered; it may take a while), also
 * why to wait. Nothing scannable, no countdown, no 重新生成. */
static void qr_checking_panel(struct ui *ui, bool hub_checking, int h)
{
	const struct theme *t = ui_theme(ui);
	int top = panel_begin(ui, h, theme_px(t, 96) + t->text_body * 2 +
			      (hub_checking ? t->sp_lg + t->text_caption * 3 : 0));

	ui_spinner(ui, msg(MSG_UI_PAY_CHECKING));
	if (hub_checking) {
		ui_space(ui, t->sp_lg);
		centred(ui, msg(MSG_UI_PAY_CHECKING_HINT), DRAW_FONT_REGULAR, t->text_caption,
			THEME_INK_CARD_MUTED);
	}
	panel_end(ui, top, h);
}

/* The QR is dead: nothing scannable, 重新生成 in its place. */
static void qr_expired_panel(struct app *a, int h)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	int top = panel_begin(ui, h, t->text_title * 3 / 2 + t->text_caption * 3 / 2 +
			      t->button_h + 2 * t->sp_lg);
	bool regen;

	centred(ui, msg(MSG_UI_PAY_EXPIRED), DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	centred(ui, msg(MSG_UI_PAY_EXPIRED_HINT), DRAW_FONT_REGULAR, t->text_caption,
		THEME_INK_CARD_MUTED);
	centre_begin(ui, theme_px(t, 360));
	regen = ui_button_ex(ui, "regen", msg(MSG_UI_PAY_REGEN), 0);
	centre_end(ui);
	panel_end(ui, top, h);
	if (regen)
		scr_pay_start(a, a->pay.app_id, a->pay.method, a->pay.bank);
}

/* The QR itself, or what stands in its place. */
static void qr_area(struct app *a, enum pay_view v, int size)
{
	if (!a->pay.have_order)
		qr_wait_panel(a->ui, MSG_UI_PAY_CREATING, size);
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
	const struct ca_app *r = find_app(a, a->pay.app_id);
	bool live = a->pay.have_order && v == PAY_VIEW_WAITING;

	if (r)
		centred(ui, r->company, DRAW_FONT_REGULAR, t->text_caption, THEME_INK_CARD_MUTED);
	if (a->pay.method == PAY_BANK && a->pay.bank >= 0)
		centred(ui, msg(banks[a->pay.bank].name), DRAW_FONT_BOLD, t->text_title,
			THEME_INK_LINK);
	if (live)
		centred(ui, msg(a->pay.method == PAY_BANK ? MSG_UI_PAY_SCAN_BANK :
				MSG_UI_SCAN_WECHAT), DRAW_FONT_BOLD,
			ui_is_landscape(ui) ? t->text_body : t->text_button, THEME_INK_CARD);
}

/* The amount, beside the countdown ring while the QR is live. */
static void qr_info(struct app *a, enum pay_view v, int64_t left)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	const struct ca_app *r = find_app(a, a->pay.app_id);
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
	centred(ui, msg(MSG_UI_PAY_AMOUNT), DRAW_FONT_REGULAR, t->text_caption,
		THEME_INK_CARD_MUTED);
	centred(ui, money, DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	if (!ring) {
		if (v == PAY_VIEW_CHECKING && a->pay.error == MSG_UI_PAY_QUERY_RETRY)
			ui_banner(ui, msg(MSG_UI_PAY_QUERY_RETRY), UI_TONE_WARNING);
		return;
	}
	ui_column_end(ui);
	ui_column_begin(ui);
	ui_countdown(ui, "countdown", (int)((left + 999) / 1000), PAY_ORDER_LIFE_S,
		     theme_px(t, ui_is_landscape(ui) ? 200 : 240));
	centred(ui, msg(MSG_UI_PAY_TIME_LEFT), DRAW_FONT_REGULAR, t->text_caption,
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
	int size = qr_fit(ui, 700);
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
	    footer_one(ui, v == PAY_VIEW_CHECKING ? "to-list" : "cancel",
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

	centred(ui, msg(MSG_UI_PAY_OK_MARK), DRAW_FONT_BOLD, theme_px(t, 128),
		THEME_INK_PILL_SUCCESS);
	centred(ui, msg(MSG_UI_PAY_SUCCESS), DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	centred(ui, money, DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD);
	if (r)
		centred(ui, r->company, DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD_MUTED);
}

/* The new statuses and what happens next. */
static void result_status(struct ui *ui, const struct ca_app *r)
{
	bool mail = r && r->pickup == CA_PICKUP_MAIL;

	kv_pill(ui, MSG_UI_ORDER_PAY_STATUS, msg(MSG_PAY_PAID), UI_TONE_SUCCESS);
	if (r)
		kv_pill(ui, MSG_UI_ORDER_PROC_STATUS, msg(ca_proc_status_msg(proc_of(r))),
			proc_tone(proc_of(r)));
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
	r = find_app(a, a->pay.app_id);
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

/* ---- order details ---- */

/* 微信支付, or 个人网银（中国工商银行）, when this session paid id. */
static const char *paid_method(const struct app *a, const char *id, char *buf, size_t n)
{
	const struct app_pay *p = &a->pay;

	if (!p->have_order || strcmp(p->app_id, id) ||
	    (p->order.state != PAY_SUCCESS && p->order.state != PAY_REFUND))
		return NULL;
	if (p->method == PAY_BANK && p->bank >= 0)
		snprintf(buf, n, "%s%s%s", msg(MSG_UI_BANK_PAY), msg(MSG_UI_PAY_SEP),
			 msg(banks[p->bank].name));
	else
		snprintf(buf, n, "%s", msg(p->method == PAY_BANK ? MSG_UI_BANK_PAY :
					    MSG_UI_WECHAT_PAY));
	return buf;
}

/* Whom the order is for and what was bought, above the cards. */
static void order_head(struct ui *ui, const struct ca_app *r)
{
	char keys[64], line[256];

	msg_format(keys, sizeof(keys), MSG_UI_PAY_KEYS, r->sub_keys);
	snprintf(line, sizeof(line), "%s%s%s%s%s", msg(ca_business_msg(r->business)),
		 msg(MSG_UI_PAY_SEP), msg(ca_cert_type_msg(r->cert_type)), msg(MSG_UI_PAY_SEP),
		 keys);
	ui_heading(ui, r->company);
	ui_caption(ui, line);
}

/* The payment record. */
static void payment_card(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;
	char how[128];
	enum ui_tone tone = r->pay_status == CA_PAY_UNPAID ? UI_TONE_WARNING : UI_TONE_SUCCESS;

	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_ORDER_PAYMENT));
	kv_amount(ui, MSG_UI_PAY_PAID_AMOUNT, r->amount_fen);
	kv_pill(ui, MSG_UI_ORDER_PAY_STATUS, msg(ca_pay_status_msg(r->pay_status)), tone);
	if (paid_method(a, r->id, how, sizeof(how))) {
		kv_text(ui, MSG_UI_PAY_METHOD, how);
		kv_text(ui, MSG_UI_ORDER_NO, a->pay.order.out_trade_no);
	}
	if (app_queued(a, r->id)) {
		kv_pill(ui, MSG_UI_ORDER_SYNC, msg(MSG_UI_ORDER_QUEUED), UI_TONE_WARNING);
		ui_caption(ui, msg(MSG_UI_ORDER_QUEUED_HINT));
	}
	ui_card_end(ui);
}

/* What the processing status means for the person. */
static enum msg_id proc_info(enum ca_proc_status p)
{
	switch (p) {
	case CA_PROC_SHIPPED: return MSG_UI_PROC_INFO_SHIPPED;
	case CA_PROC_RECEIVED: return MSG_UI_PROC_INFO_RECEIVED;
	case CA_PROC_ONSITE: return MSG_UI_PROC_INFO_ONSITE;
	case CA_PROC_READY_FOR_PICKUP: return MSG_UI_PROC_INFO_READY;
	case CA_PROC_COLLECTED: return MSG_UI_PROC_INFO_COLLECTED;
	case CA_PROC_PROCESSING: return MSG_UI_PROC_INFO_PROCESSING;
	default: return MSG_NONE;
	}
}

/* Pickup method, processing status, tracking number, what happens next
 * (unless the key waits in this kiosk's dispenser: the pickup card says). */
static void progress_card(struct ui *ui, const struct ca_app *r, bool here)
{
	enum ca_proc_status p = r->proc_status;

	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_ORDER_PROGRESS));
	kv_text(ui, MSG_F_PICKUP, msg(ca_pickup_msg(r->pickup)));
	kv_pill(ui, MSG_UI_ORDER_PROC_STATUS, msg(ca_proc_status_msg(p)), proc_tone(p));
	if ((p == CA_PROC_SHIPPED || p == CA_PROC_RECEIVED) && r->tracking_no[0])
		kv_text(ui, MSG_F_TRACKING_NO, r->tracking_no);
	if (proc_info(p) != MSG_NONE && !(here && p == CA_PROC_READY_FOR_PICKUP))
		ui_paragraph(ui, msg(proc_info(p)));
	ui_card_end(ui);
}

struct records_ctx {
	struct ui *ui; /* where to draw */
	int n;         /* records drawn */
};

/* One processing record: when and who, then what. */
static int draw_record(const struct ca_proc_record *rec, void *p)
{
	struct records_ctx *c = p;
	char when[32], line[256];

	if (c->n >= RECORDS_SHOWN)
		return 1;
	if (c->n > 0)
		ui_space(c->ui, ui_theme(c->ui)->sp_sm);
	fmt_time(rec->at_ms, when, sizeof(when));
	snprintf(line, sizeof(line), "%s%s%s", when, msg(MSG_UI_PAY_SEP), rec->staff);
	ui_caption(c->ui, line);
	ui_paragraph(c->ui, rec->text);
	c->n++;
	return 0;
}

/* 办理记录, oldest first, or 暂无办理记录. */
static void records_card(struct app *a, const char *id)
{
	struct records_ctx c = { a->ui, 0 };

	ui_card_begin(a->ui);
	ui_label(a->ui, msg(MSG_UI_ORDER_RECORDS));
	store_record_each(a->st, id, draw_record, &c);
	if (c.n == 0)
		ui_caption(a->ui, msg(MSG_UI_ORDER_NO_RECORDS));
	ui_card_end(a->ui);
}

/* The 确认签收 dialog; writes the receipt through the store and the outbox. */
static void receipt_dialog(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;
	bool ok;

	ui_dialog_begin(ui, "receipt", msg(MSG_ACT_CONFIRM_RECEIPT));
	ui_paragraph(ui, msg(MSG_UI_RECEIPT_ASK));
	if (r->tracking_no[0])
		kv_text(ui, MSG_F_TRACKING_NO, r->tracking_no);
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "receipt-cancel", msg(MSG_UI_CANCEL), UI_OPT_SECONDARY)) {
		app_dialog(a, APP_DLG_NONE);
	} else if (ui_button_ex(ui, "receipt-ok", msg(MSG_ACT_CONFIRM_RECEIPT), 0)) {
		ok = store_app_act(a->st, r->id, CA_ACT_CONFIRM_RECEIPT, NULL, app_today(a),
				   app_unix_ms(a), NULL, NULL) == CA_OK;
		app_dialog(a, APP_DLG_NONE);
		if (ok) {
			app_apps_dirty(a);
			app_sync_now(a);
		}
		app_toast(a, ok ? MSG_UI_RECEIPT_DONE : MSG_UI_RECEIPT_FAILED);
	}
	ui_dialog_end(ui);
}

/* ---- on-site pickup (the order details of a ready key) ----
 *
 * A ready_for_pickup order whose key staff put into THIS kiosk's dispenser
 * (the hub's pickup row names this kiosk and a slot this dispenser has,
 * ca_pickup_slot) gets 领取CA锁: the pickup worker dispenses and the
 * store, not the screen, says whether the order is collected. Any other
 * ready order (no dispenser, another kiosk, the counter, a slot label this
 * kiosk cannot map, ca_pickup_slot) and a failed dispense show the pickup
 * code for the counter. The state is about one application in one
 * session; it starts over when another one is opened or the session ends.
 */
enum pk_state {
	PK_IDLE,     /* nothing asked yet */
	PK_BUSY,     /* the worker is dispensing */
	PK_DONE,     /* the device confirmed the key */
	PK_FAILED,   /* no key came out (fault text) */
	PK_UNKNOWN,  /* the device stopped answering: staff check */
	PK_REFUSED,  /* not sent (no device, refused, store error) */
};

static struct {
	char app_id[CA_UUID_LEN + 1]; /* the application it is about, "" none */
	enum pk_state state;          /* how far */
	char result[24];              /* PK_FAILED: the device's result name */
	int64_t give_up_ms;           /* PK_BUSY: app time to stop waiting */
	unsigned session_no;          /* the session it belongs to */
	bool looked;                  /* slot and pending below are read */
	unsigned gen;                 /* the app's store_gen they were read at */
	int slot;                     /* pk_here: the key's slot here, 0 none */
	bool pending;                 /* pk_intent_for: an outcome is pending */
} pk;

/*
 * How long the screen waits for the worker's answer before it says the
 * outcome is unknown: a pickup is at most four device exchanges (recovery's
 * status, status, dispense, status), each bounded by (retries + 1) *
 * timeout_ms, plus a margin for the store. Past that something is wrong
 * with the worker; the screen must not spin for ever with no way out.
 */
static int64_t pk_wait_max_ms(const struct app *a)
{
	return 4 * (int64_t)(a->cfg->disp_retries + 1) * a->cfg->disp_timeout_ms + 10000;
}

/* The slot r's key waits in at this kiosk, or 0 (not ready here). */
static int pk_here(struct app *a, const struct ca_app *r)
{
	struct store_pickup p;
	struct ca_state s = ca_state_of(r);

	if (!a->disp || r->proc_status != CA_PROC_READY_FOR_PICKUP ||
	    !fsm_allowed(&s, CA_ACT_COLLECT))
		return 0;
	if (store_pickup_get(a->st, r->id, &p) != CA_OK)
		return 0;
	if (strcmp(p.kiosk, a->cfg->kiosk_id) != 0)
		return 0;
	return ca_pickup_slot(p.slot, a->cfg->disp_slots);
}

/* Whether the store holds a pending dispense intent for application id:
 * its outcome is unknown until recovery, so no second dispense is offered,
 * whatever this screen remembers (another session, a restarted kiosk). */
static bool pk_intent_for(struct app *a, const char *id)
{
	struct store_intent it;
	bool found = false;

	if (!a->disp || store_intent_pending(a->st, &it, &found) != CA_OK)
		return false;
	return found && strcmp(it.app_id, id) == 0;
}

/* Take the worker's answer to our dispense, if it came. */
static void pk_poll(struct app *a)
{
	struct pickup_result res;

	/* A late answer after the screen gave up still says what happened. */
	if (pk.state != PK_BUSY && pk.state != PK_UNKNOWN)
		return;
	if (!app_disp_take(a, PICKUP_DISPENSE, &res)) {
		if (pk.state == PK_BUSY && app_now_ms(a) >= pk.give_up_ms) {
			log_error("kiosk", "no answer from the pickup worker for %s in "
				  "%lld ms; shown as unknown", pk.app_id,
				  (long long)pk_wait_max_ms(a));
			pk.state = PK_UNKNOWN;
		}
		return;
	}
	if (strcmp(res.app_id, pk.app_id) != 0 && res.app_id[0])
		return;
	switch (res.outcome) {
	case PICKUP_OK:
		pk.state = PK_DONE;
		break;
	case PICKUP_FAILED:
		pk.state = PK_FAILED;
		snprintf(pk.result, sizeof(pk.result), "%s", disp_result_name(res.disp));
		break;
	case PICKUP_UNKNOWN:
		pk.state = PK_UNKNOWN;
		break;
	default:
		pk.state = PK_REFUSED;
		break;
	}
	app_apps_dirty(a);
	app_sync_now(a); /* collect or the fault record goes to the hub */
}

/* 领取CA锁 was tapped: hand the dispense to the worker. */
static void pk_start(struct app *a, const struct ca_app *r, int slot)
{
	struct pickup_req req = { .op = PICKUP_DISPENSE, .slot = slot };

	snprintf(req.app_id, sizeof(req.app_id), "%s", r->id);
	pk.state = PK_BUSY;
	pk.result[0] = '\0';
	pk.give_up_ms = app_now_ms(a) + pk_wait_max_ms(a);
	app_disp_send(a, &req);
}

/* The pickup code and its QR for the counter. */
static void pk_code_card(struct ui *ui, const struct ca_app *r)
{
	const struct theme *t = ui_theme(ui);
	char code[7];

	/* The smallest scannable symbol plus its quiet zone (4 modules a side
	 * of a 21..25-module symbol: at most 8/21 more). */
	int qr = t->qr_min * 29 / 21 + 1;
	int widths[2] = { qr, 0 };

	ca_pickup_code(r->id, code);
	ui_card_begin(ui);
	if (ui_is_landscape(ui)) {
		/* A half-width column: label and digits on one line, then the
		 * QR, so that both are in view without a scroll (label, digits
		 * and QR on lines of their own pushed the QR below the fold;
		 * beside the QR the digits wrapped); the hint below. */
		char line[64];

		snprintf(line, sizeof(line), "%s  %s", msg(MSG_UI_PICKUP_CODE), code);
		centred(ui, line, DRAW_FONT_BOLD, theme_px(t, 56), THEME_INK_CARD);
		ui_qr(ui, "pickup-qr", code, qr);
		ui_paragraph(ui, msg(MSG_UI_PICKUP_CODE_HINT));
		ui_card_end(ui);
		return;
	}
	ui_row(ui, 2, widths, 0);
	ui_qr(ui, "pickup-qr", code, qr);
	ui_column_begin(ui);
	ui_label(ui, msg(MSG_UI_PICKUP_CODE));
	ui_text(ui, code, DRAW_FONT_BOLD, theme_px(t, 64), THEME_INK_CARD, UI_ALIGN_LEFT);
	ui_paragraph(ui, msg(MSG_UI_PICKUP_CODE_HINT));
	ui_column_end(ui);
	ui_card_end(ui);
}

/* What the pickup card says, by state; the code when the counter is next. */
static void pk_card(struct app *a, const struct ca_app *r, int slot)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);

	if (pk.state == PK_DONE) {
		ui_card_begin(ui);
		centred(ui, msg(MSG_UI_PICKUP_DONE), DRAW_FONT_BOLD, t->text_title,
			THEME_INK_CARD);
		ui_paragraph(ui, msg(MSG_UI_PICKUP_DONE_HINT));
		ui_card_end(ui);
		return;
	}
	if (pk.state == PK_BUSY) {
		ui_card_begin(ui);
		ui_spinner(ui, msg(MSG_UI_PICKUP_BUSY));
		ui_card_end(ui);
		return;
	}
	if (r->proc_status != CA_PROC_READY_FOR_PICKUP)
		return; /* collected meanwhile (recovery), or not ready */
	if (pk.state == PK_UNKNOWN) {
		/* The code lets the counter find the order the person asks about. */
		ui_banner(ui, msg(MSG_UI_PICKUP_UNKNOWN), UI_TONE_WARNING);
		pk_code_card(ui, r);
		return;
	}
	if (pk.state == PK_FAILED)
		ui_banner(ui, msg(ca_disp_fault_msg(pk.result)), UI_TONE_DANGER);
	else if (pk.state == PK_REFUSED)
		ui_banner(ui, msg(MSG_UI_PICKUP_REFUSED), UI_TONE_WARNING);
	if (slot && pk.state == PK_IDLE) {
		ui_card_begin(ui);
		ui_label(ui, msg(MSG_UI_PICKUP_T));
		ui_paragraph(ui, msg(MSG_UI_PICKUP_HERE));
		ui_card_end(ui);
		return;
	}
	pk_code_card(ui, r);
}

void scr_order_detail(struct app *a)
{
	struct ui *ui = a->ui;
	struct ca_app r;
	struct ca_state s;
	bool receipt, busy;
	int slot;

	pk_poll(a);
	busy = pk.state == PK_BUSY;
	/* While a key is on its way nothing leaves this screen. */
	if (app_screen_begin(a, msg(MSG_UI_ORDER_T_DETAIL),
			     busy ? UI_SCREEN_FOOTER : UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
	if (!app_sel(a, &r)) {
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
	if (strcmp(pk.app_id, r.id) != 0 || pk.session_no != a->session_no) {
		/* Another order, or another visit: start over (a pickup's
		 * outcome is in the store; this is only what was said). */
		memset(&pk, 0, sizeof(pk));
		snprintf(pk.app_id, sizeof(pk.app_id), "%s", r.id);
		pk.session_no = a->session_no;
	}
	/* Where the key is and whether an outcome is pending: read from the
	 * store when the order opens, and again only when the store changed
	 * (store_gen), not every frame (the spinner draws many). */
	if (!pk.looked || pk.gen != a->store_gen) {
		pk.slot = pk_here(a, &r);
		pk.pending = pk_intent_for(a, r.id);
		pk.gen = a->store_gen;
		pk.looked = true;
	}
	if (pk.state == PK_IDLE && pk.pending)
		pk.state = PK_UNKNOWN;
	s = ca_state_of(&r);
	receipt = fsm_allowed(&s, CA_ACT_CONFIRM_RECEIPT);
	slot = pk.slot;
	ui_scroll_begin(ui, "order", 0);
	order_head(ui, &r);
	/* The pickup card (领取CA锁, its outcome, the pickup code) first in
	 * view: above the cards in portrait, at the top right in landscape. */
	if (r.pickup == CA_PICKUP_ONSITE && !ui_is_landscape(ui))
		pk_card(a, &r, slot);
	if (ui_is_landscape(ui)) { /* where the key is, first in view */
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		progress_card(ui, &r, slot != 0);
		ui_column_end(ui);
		ui_column_begin(ui);
		if (r.pickup == CA_PICKUP_ONSITE)
			pk_card(a, &r, slot);
		payment_card(a, &r);
		ui_column_end(ui);
		records_card(a, r.id);
	} else if (r.pickup == CA_PICKUP_ONSITE && r.pay_status != CA_PAY_UNPAID) {
		/* Paid and on site: where the key is and what happened to it
		 * come before the payment, which is settled. */
		progress_card(ui, &r, slot != 0);
		records_card(a, r.id);
		payment_card(a, &r);
	} else {
		payment_card(a, &r);
		progress_card(ui, &r, slot != 0);
		records_card(a, r.id);
	}
	ui_scroll_end(ui);
	ui_footer_begin(ui);
	if (busy) {
		ui_footer_end(ui);
		return;
	}
	if (slot && pk.state == PK_IDLE) {
		ui_row(ui, 2, NULL, 0);
		if (ui_button_ex(ui, "to-list", msg(MSG_UI_PAY_TO_LIST), UI_OPT_SECONDARY)) {
			ui_footer_end(ui);
			app_go(a, APP_SCREEN_PAY_LIST);
		} else {
			if (ui_button_ex(ui, "pickup", msg(MSG_UI_PICKUP_TAKE), 0))
				pk_start(a, &r, slot);
			ui_footer_end(ui);
		}
		return;
	}
	if (receipt)
		ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "to-list", msg(MSG_UI_PAY_TO_LIST), UI_OPT_SECONDARY)) {
		ui_footer_end(ui);
		app_go(a, APP_SCREEN_PAY_LIST);
		return;
	}
	if (receipt && ui_button_ex(ui, "confirm-receipt", msg(MSG_ACT_CONFIRM_RECEIPT), 0))
		app_dialog(a, APP_DLG_RECEIPT);
	ui_footer_end(ui);
	if (a->dialog == APP_DLG_RECEIPT) {
		if (receipt)
			receipt_dialog(a, &r);
		else
			app_dialog(a, APP_DLG_NONE); /* the status moved on meanwhile */
	}
}

/* ---- e-invoice ---- */

/*
 * The invoice QR screen's request and answer (UI thread only). The QR
 * code is the address of the hub's invoice page, an opaque token the hub
 * hands out for this application (online.h, ONLINE_INVOICE); the kiosk
 * shows a spinner until it comes, and a message when the hub cannot be
 * reached or refuses (no invoice issued yet, session over). Wiped when
 * the list shows again and when the session is gone.
 */
static struct {
	char app_id[CA_UUID_LEN + 1];   /* the application asked for, "" none */
	char url[ONLINE_URL_MAX + 1];   /* its page's address, "" until it came */
	enum msg_id error;              /* why there is none; MSG_NONE */
} inv;

/* Forget the invoice QR's request and address. */
static void invoice_forget(void)
{
	explicit_bzero(&inv, sizeof(inv));
	inv.error = MSG_NONE;
}

void scr_pay_forget(void)
{
	invoice_forget();
	explicit_bzero(&pk, sizeof(pk));
}

/* Show the invoice QR screen of application id and ask the hub for the
 * address of its page. */
static void invoice_start(struct app *a, const char *id)
{
	struct online_req req;

	invoice_forget();
	snprintf(inv.app_id, sizeof(inv.app_id), "%s", id);
	/* Go first: app_go forgets the request the app was waiting for. */
	app_go(a, APP_SCREEN_INVOICE_QR);
	if (!app_has_hub(a)) {
		inv.error = MSG_UI_INVOICE_NO_HUB;
		return;
	}
	if (!a->session.active) {
		inv.error = MSG_UI_INVOICE_ERR_SESSION;
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

void scr_invoice_list(struct app *a)
{
	struct ui *ui = a->ui;
	const struct ca_app *apps;
	int n, i, row = 0;

	invoice_forget();
	if (app_screen_begin(a, msg(MSG_UI_T_INVOICE), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_HOME);
		return;
	}
	apps = app_apps(a, &n);
	for (i = 0; i < n; i++)
		if (apps[i].app_status == CA_APP_APPROVED && apps[i].pay_status != CA_PAY_UNPAID)
			row++;
	if (row == 0) {
		empty_card(ui, MSG_UI_INVOICE_EMPTY);
	} else {
		ui_caption(ui, msg(MSG_UI_INVOICE_HINT));
		ui_scroll_begin(ui, "invoice-list", 0);
		for (i = 0, row = 0; i < n; i++) {
			const struct ca_app *r = &apps[i];
			char id[UI_ID_MAX + 1], detail[256];

			if (r->app_status != CA_APP_APPROVED || r->pay_status == CA_PAY_UNPAID)
				continue;
			snprintf(id, sizeof(id), "invoice.%d", row++);
			if (ui_list_item(ui, id, r->company, order_line(r, detail, sizeof(detail)),
					 msg(ca_pay_status_msg(r->pay_status)), UI_TONE_SUCCESS)) {
				snprintf(a->sel_id, sizeof(a->sel_id), "%s", r->id);
				ui_scroll_end(ui);
				invoice_start(a, r->id);
				return;
			}
		}
		ui_scroll_end(ui);
	}
	if (footer_one(ui, "home", MSG_UI_BACK_HOME, UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_HOME);
}

/* Whom the invoice is for, and its amount. */
static void invoice_head(struct ui *ui, const struct ca_app *r)
{
	ui_label(ui, r->company);
	kv_amount(ui, MSG_UI_INVOICE_AMOUNT, r->amount_fen);
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
	struct ui *ui = a->ui;
	enum msg_id e = inv.error;

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
	struct ui *ui = a->ui;
	struct online_result res;
	struct ca_app r;
	int size;

	if (app_screen_begin(a, msg(MSG_UI_INVOICE_T_QR), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_INVOICE_LIST);
		return;
	}
	if (!load_sel(a, &r)) {
		app_go(a, APP_SCREEN_INVOICE_LIST);
		return;
	}
	if (strcmp(inv.app_id, r.id) != 0) {
		invoice_start(a, r.id); /* came here another way: ask now */
		return;
	}
	if (app_net_take(a, ONLINE_INVOICE, &res)) {
		if (res.outcome == ONLINE_OK)
			snprintf(inv.url, sizeof(inv.url), "%s", res.invoice_url);
		else
			inv.error = invoice_error(res.outcome);
		explicit_bzero(&res, sizeof(res));
	}
	if (!inv.url[0] && inv.error == MSG_NONE && !app_net_busy(a))
		inv.error = MSG_UI_INVOICE_ERR_OFFLINE; /* the request is gone */
	if (inv.error != MSG_NONE) {
		invoice_fail(a, &r);
		return;
	}
	size = qr_fit(ui, 620);
	ui_card_begin(ui);
	if (!inv.url[0]) {
		invoice_head(ui, &r);
		qr_wait_panel(ui, MSG_UI_INVOICE_WAIT, size);
	} else if (ui_is_landscape(ui)) {
		ui_row(ui, 2, NULL, 0);
		ui_qr(ui, "invoice-qr", inv.url, size);
		ui_column_begin(ui);
		invoice_head(ui, &r);
		invoice_steps(ui);
		ui_column_end(ui);
	} else {
		invoice_head(ui, &r);
		ui_qr(ui, "invoice-qr", inv.url, size);
		invoice_steps(ui);
	}
	ui_card_end(ui);
	if (footer_one(ui, "done", MSG_UI_DONE, 0))
		app_go(a, APP_SCREEN_HOME);
}
