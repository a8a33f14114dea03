/*
 * scr_main.c - the screens around the business: attract, login, home, the
 * idle warning, and maintenance mode.
 *
 * Login needs the hub at once (an SMS code, then the session token), so it
 * goes through the online worker (app_net_send) and shows its progress on
 * the buttons; every failure says what happened in plain Chinese. In demo
 * mode the hub sends its fixed code along and the screen shows it; a hub
 * in production never does.
 *
 * Maintenance mode: five taps within three seconds on the top-right corner
 * of the attract screen open the PIN pad ([kiosk] maint_pin; empty: never).
 * Start reading at scr_attract().
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/cst.h"
#include "core/log.h"
#include "core/mask.h"
#include "kiosk/app.h"
#include "kiosk/store/store.h"

/* Taps on the hidden corner that open the PIN pad, and within how long. */
#define MAINT_TAPS 5
#define MAINT_TAP_WINDOW_MS 3000
/* Wrong PINs before the PIN pad closes. */
#define MAINT_PIN_TRIES 3

/* ---- attract ---- */

/* Count taps on the top-right corner; true when they open maintenance. */
static bool maint_corner(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	int side = t->header_h;
	int64_t now = app_now_ms(a);

	if (!ui->in.released || ui->in.rx < ui->w - side || ui->in.ry >= side)
		return false;
	if (!a->maint_taps || now - a->maint_tap_ms > MAINT_TAP_WINDOW_MS) {
		a->maint_taps = 0;
		a->maint_tap_ms = now;
	}
	if (++a->maint_taps < MAINT_TAPS)
		return true; /* a corner tap, not a start */
	a->maint_taps = 0;
	if (!a->cfg->maint_pin[0]) {
		log_warn("kiosk", "maintenance mode asked for, but [kiosk] maint_pin is empty");
		return true;
	}
	a->maint = false;
	a->pin[0] = '\0';
	a->login.error = MSG_NONE;
	app_go(a, APP_SCREEN_MAINT);
	return true;
}

void scr_attract(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	struct draw_rect body;

	app_screen_begin(a, msg(MSG_UI_BRAND), UI_SCREEN_FOOTER);
	body = ui_remaining(ui);
	ui_space(ui, body.h / 5);
	ui_text(ui, msg(MSG_UI_BRAND), DRAW_FONT_BOLD, t->text_display, THEME_INK_PAGE,
		UI_ALIGN_CENTER);
	ui_text(ui, msg(MSG_UI_ATTRACT_LEAD), DRAW_FONT_REGULAR, t->text_title,
		THEME_INK_PAGE_MUTED, UI_ALIGN_CENTER);
	ui_space(ui, t->sp_xxl * 2);
	ui_card_begin(ui);
	ui_text(ui, msg(MSG_UI_ATTRACT_CALL), DRAW_FONT_BOLD, t->text_title, THEME_INK_LINK,
		UI_ALIGN_CENTER);
	ui_text(ui, msg(MSG_UI_ATTRACT_HINT), DRAW_FONT_REGULAR, t->text_body,
		THEME_INK_CARD_MUTED, UI_ALIGN_CENTER);
	ui_card_end(ui);
	ui_footer_begin(ui);
	if (ui_button_ex(ui, "start", msg(MSG_UI_START), 0))
		app_go(a, APP_SCREEN_LOGIN);
	ui_footer_end(ui);
	if (a->screen != APP_SCREEN_ATTRACT || maint_corner(a))
		return;
	/* A release anywhere else on this screen is a tap too. */
	if (ui->in.released && !ui->dragging)
		app_go(a, APP_SCREEN_LOGIN);
}

/* ---- login ---- */

/* Seconds until another code may be asked for (0: now). */
static int resend_wait_s(const struct app *a)
{
	int64_t left;

	if (!a->login.sms_sent_ms)
		return 0;
	left = a->login.sms_sent_ms + APP_SMS_RESEND_S * 1000 - app_now_ms(a);
	return left > 0 ? (int)((left + 999) / 1000) : 0;
}

/* What the login screen says when an SMS or login request failed for a
 * reason both share: limited (this kiosk's hourly budget: device_limit;
 * the request's own limit: limit), offline, or another hub error. */
static enum msg_id login_error(const struct online_result *r, enum msg_id device_limit,
			       enum msg_id limit)
{
	switch (r->outcome) {
	case ONLINE_LIMITED:
		return !strcmp(r->error_code, "device_limited") ? device_limit : limit;
	case ONLINE_OFFLINE:
		return MSG_UI_E_LOGIN_OFFLINE;
	default:
		return MSG_UI_E_HUB;
	}
}

/* The answers of the hub to the SMS and login requests. */
static void login_results(struct app *a)
{
	struct online_result r;

	if (app_net_take(a, ONLINE_SMS, &r)) {
		switch (r.outcome) {
		case ONLINE_OK:
			a->login.sms_sent_ms = app_now_ms(a);
			snprintf(a->login.demo_code, sizeof(a->login.demo_code), "%s", r.demo_code);
			a->login.error = MSG_NONE;
			app_toast(a, MSG_UI_CODE_SENT);
			break;
		case ONLINE_INVALID: /* the hub finds the number malformed */
			a->login.phone_err = MSG_V_MOBILE;
			break;
		case ONLINE_PHONE_REFUSED: /* well formed, but no SMS reaches it */
			a->login.phone_err = MSG_UI_E_PHONE_REFUSED;
			break;
		case ONLINE_SMS_UNAVAILABLE: /* the gateway fails, not the person */
			a->login.error = MSG_UI_E_SMS_UNAVAILABLE;
			break;
		default: /* limited: this kiosk's hourly budget, or the phone's */
			a->login.error = login_error(&r, MSG_UI_E_DEVICE_SMS_LIMIT,
						     MSG_UI_E_SMS_LIMIT);
			break;
		}
		a->changed = true;
	}
	if (app_net_take(a, ONLINE_LOGIN, &r)) {
		switch (r.outcome) {
		case ONLINE_OK:
			a->session.active = true;
			snprintf(a->session.phone, sizeof(a->session.phone), "%s", r.account);
			snprintf(a->session.token, sizeof(a->session.token), "%s", r.token);
			a->session.token_expires_s = r.token_expires_s;
			explicit_bzero(&a->login, sizeof(a->login));
			ui_toast(a->ui, "", 0); /* "code sent" is old news now */
			app_go(a, APP_SCREEN_HOME);
			break;
		case ONLINE_REFUSED:
			a->login.error = MSG_UI_E_CODE_WRONG;
			break;
		default: /* limited: this kiosk's budget, or the code's wrong tries */
			a->login.error = login_error(&r, MSG_UI_E_DEVICE_LOGIN_LIMIT,
						     MSG_UI_E_CODE_LIMIT);
			break;
		}
		explicit_bzero(&r, sizeof(r));
		a->changed = true;
	}
}

/* Check the typed phone (its error under the field), clearing the form's
 * error; whether it may be sent. */
static bool phone_ok(struct app *a)
{
	a->login.phone_err = valid_mobile(a->login.phone);
	a->login.error = MSG_NONE;
	return a->login.phone_err == MSG_NONE;
}

static void send_sms(struct app *a)
{
	struct online_req q = { .op = ONLINE_SMS };

	if (!phone_ok(a))
		return;
	snprintf(q.phone, sizeof(q.phone), "%s", a->login.phone);
	app_net_send(a, &q);
}

static void send_login(struct app *a)
{
	struct online_req q = { .op = ONLINE_LOGIN };

	if (!phone_ok(a))
		return;
	if (strlen(a->login.code) != 6 || strspn(a->login.code, "0123456789") != 6) {
		a->login.error = MSG_UI_E_CODE_FORMAT;
		return;
	}
	snprintf(q.phone, sizeof(q.phone), "%s", a->login.phone);
	snprintf(q.code, sizeof(q.code), "%s", a->login.code);
	app_net_send(a, &q);
	explicit_bzero(&q, sizeof(q));
}

void scr_login(struct app *a)
{
	struct ui *ui = a->ui;
	bool busy = app_net_busy(a), kb = app_kb_open(a);
	int wait_s = resend_wait_s(a);
	char label[64], demo[64];
	static const int code_row[2] = { 0, 0 };

	login_results(a);
	if (a->screen != APP_SCREEN_LOGIN)
		return;
	if (app_screen_begin(a, msg(MSG_UI_T_LOGIN), UI_SCREEN_BACK | (kb ? 0 : UI_SCREEN_FOOTER))) {
		app_end_session(a);
		return;
	}
	if (!app_has_hub(a)) {
		ui_banner(ui, msg(MSG_UI_E_NO_HUB), UI_TONE_DANGER);
		ui_footer_begin(ui);
		if (ui_button_ex(ui, "home", msg(MSG_UI_BACK_HOME), 0))
			app_end_session(a);
		ui_footer_end(ui);
		return;
	}
	ui_card_begin(ui);
	ui_paragraph(ui, msg(MSG_UI_LOGIN_LEAD));
	app_field(a, "phone", MSG_F_MOBILE, a->login.phone, sizeof(a->login.phone), 11,
		  KB_FIELD_DIGITS, a->login.phone_err != MSG_NONE ? msg(a->login.phone_err) : NULL);
	ui_row(ui, 2, code_row, 0);
	app_field(a, "code", MSG_UI_F_CODE, a->login.code, sizeof(a->login.code), 6,
		  KB_FIELD_DIGITS, NULL);
	ui_column_begin(ui);
	ui_space(ui, ui_theme(ui)->text_body + ui_theme(ui)->sp_xs);
	if (busy && a->net_op == ONLINE_SMS)
		snprintf(label, sizeof(label), "%s", msg(MSG_UI_SENDING));
	else if (wait_s > 0)
		msg_format(label, sizeof(label), MSG_UI_RESEND_IN, wait_s);
	else
		snprintf(label, sizeof(label), "%s", msg(MSG_UI_GET_CODE));
	if (ui_button_ex(ui, "get-code", label,
			 UI_OPT_SECONDARY | (busy || wait_s > 0 ? UI_OPT_DISABLED : 0u)))
		send_sms(a);
	ui_column_end(ui);
	if (a->login.error != MSG_NONE)
		ui_banner(ui, msg(a->login.error), UI_TONE_DANGER);
	ui_card_end(ui);
	/* Below the card, so nothing a finger aims at moves when it comes. */
	if (a->login.demo_code[0]) {
		snprintf(demo, sizeof(demo), "%s %s", msg(MSG_UI_DEMO_CODE), a->login.demo_code);
		ui_banner(ui, demo, UI_TONE_INFO);
	}
	if (wait_s > 0)
		ui_wake_at(ui, a->login.sms_sent_ms + (int64_t)(APP_SMS_RESEND_S - wait_s + 1) * 1000);
	if (kb) {
		app_keyboard(a);
		return;
	}
	ui_footer_begin(ui);
	if (ui_button_ex(ui, "login", busy && a->net_op == ONLINE_LOGIN ? msg(MSG_UI_LOGGING_IN)
									: msg(MSG_UI_LOGIN),
			 busy ? UI_OPT_DISABLED : 0u))
		send_login(a);
	ui_footer_end(ui);
}

/* ---- home ---- */

/* An entry of the home screen with a badge of count in tone (badge_fmt;
 * none when count is 0); true when tapped. */
static bool home_item(struct ui *ui, const char *id, enum msg_id title, enum msg_id desc,
		      enum msg_id badge_fmt, int count, enum ui_tone tone)
{
	char badge[48];

	if (count)
		msg_format(badge, sizeof(badge), badge_fmt, count);
	return ui_list_item(ui, id, msg(title), msg(desc), count ? badge : NULL, tone);
}

void scr_home(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	const struct ca_app *apps;
	int n, i, unpaid = 0, rejected = 0, pending = 0;
	char hello[64], masked[16], queued[96];

	if (app_screen_begin(a, msg(MSG_UI_T_HOME), UI_SCREEN_FOOTER))
		return;
	apps = app_apps(a, &n);
	for (i = 0; i < n; i++) {
		unpaid += apps[i].app_status == CA_APP_APPROVED && apps[i].pay_status == CA_PAY_UNPAID;
		rejected += apps[i].app_status == CA_APP_REJECTED;
	}
	snprintf(hello, sizeof(hello), "%s%s", msg(MSG_UI_HELLO),
		 mask_phone(a->session.phone, masked, sizeof(masked)));
	ui_text(ui, hello, DRAW_FONT_BOLD, t->text_title, THEME_INK_PAGE, UI_ALIGN_LEFT);
	/* The person's own rows: the kiosk's (restocks) and an earlier
	 * person's logout are none of theirs. */
	pending = a->queued_rows;
	if (pending > 0) {
		msg_format(queued, sizeof(queued), MSG_UI_SYNC_PENDING, pending);
		ui_banner(ui, queued, UI_TONE_INFO);
	}
	ui_space(ui, t->sp_md);
	if (home_item(ui, "apply", MSG_UI_T_APPLY, MSG_UI_HOME_APPLY_D, MSG_UI_N_REJECTED, rejected,
		      UI_TONE_DANGER)) {
		a->apply_tab = 0;
		app_go(a, APP_SCREEN_APPLY_LIST);
	}
	if (home_item(ui, "pay", MSG_UI_T_PAY, MSG_UI_HOME_PAY_D, MSG_UI_N_UNPAID, unpaid,
		      UI_TONE_WARNING)) {
		a->pay_tab = 0;
		app_go(a, APP_SCREEN_PAY_LIST);
	}
	if (ui_list_item(ui, "invoice", msg(MSG_UI_T_INVOICE), msg(MSG_UI_HOME_INVOICE_D), NULL,
			 UI_TONE_NEUTRAL))
		app_go(a, APP_SCREEN_INVOICE_LIST);
	ui_footer_begin(ui);
	if (ui_button_ex(ui, "logout", msg(MSG_UI_LOGOUT), UI_OPT_SECONDARY)) {
		app_end_session(a);
		app_toast(a, MSG_UI_LOGGED_OUT);
	}
	ui_footer_end(ui);
}

/* ---- the idle warning ---- */

void scr_idle(struct app *a, int remaining_s, int total_s)
{
	struct ui *ui = a->ui;

	ui_dialog_begin(ui, "idle", msg(MSG_UI_IDLE_T));
	ui_paragraph(ui, msg(MSG_UI_IDLE_B));
	ui_countdown(ui, "idle-countdown", remaining_s, total_s, 0);
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "idle-end", msg(MSG_UI_IDLE_END), UI_OPT_SECONDARY))
		app_end_session(a);
	if (ui_button_ex(ui, "idle-continue", msg(MSG_UI_IDLE_CONTINUE), 0)) {
		a->last_input_ms = app_now_ms(a);
		a->changed = true;
	}
	ui_dialog_end(ui);
}

/* ---- maintenance mode ---- */

/* The PIN pad; true once the PIN was right. */
static void maint_pin(struct app *a)
{
	struct ui *ui = a->ui;
	bool kb = app_kb_open(a);

	ui_card_begin(ui);
	ui_paragraph(ui, msg(MSG_UI_MAINT_PIN_LEAD));
	app_field(a, "pin", MSG_UI_MAINT_PIN, a->pin, sizeof(a->pin), 8, KB_FIELD_DIGITS,
		  a->login.error != MSG_NONE ? msg(a->login.error) : NULL);
	ui_card_end(ui);
	if (kb) {
		app_keyboard(a);
		return;
	}
	ui_footer_begin(ui);
	if (ui_button_ex(ui, "unlock", msg(MSG_UI_MAINT_UNLOCK), 0)) {
		if (!strcmp(a->pin, a->cfg->maint_pin)) {
			a->maint = true;
			a->maint_taps = 0;
			a->login.error = MSG_NONE;
			log_info("kiosk", "maintenance mode opened");
		} else if (++a->maint_taps >= MAINT_PIN_TRIES) {
			log_warn("kiosk", "maintenance PIN wrong %d times", MAINT_PIN_TRIES);
			app_end_session(a);
		} else {
			a->login.error = MSG_UI_MAINT_PIN_WRONG;
			log_warn("kiosk", "maintenance PIN wrong");
		}
		explicit_bzero(a->pin, sizeof(a->pin));
		a->changed = true;
	}
	ui_footer_end(ui);
}

/* One "label: value" line of the maintenance page. */
static void info(struct ui *ui, enum msg_id label, const char *value)
{
	static const int cols[2] = { 0, 0 };

	ui_row(ui, 2, cols, 0);
	ui_label(ui, msg(label));
	ui_label(ui, value);
}

/* Unix ms as China time "YYYY-MM-DD HH:MM:SS" into buf, or "无". */
static const char *when(int64_t ms, char *buf, size_t n)
{
	if (ms <= 0)
		return msg(MSG_UI_M_NONE);
	return ca_cst_format(ms, "%Y-%m-%d %H:%M:%S", buf, n);
}


/* Ask the worker for the dispenser's status. */
static void maint_disp_ask(struct app *a)
{
	struct app_scr_maint *md = &a->scr.maint;
	struct pickup_req req = { .op = PICKUP_STATUS };

	md->asked = true;
	app_disp_send(a, &req);
}

/* Take the worker's answers. */
static void maint_disp_poll(struct app *a)
{
	struct app_scr_maint *md = &a->scr.maint;
	struct pickup_result res;

	if (app_disp_take(a, PICKUP_RESTOCK, &res)) {
		if (res.outcome == PICKUP_OK)
			md->restock = res.recorded ? MSG_UI_MAINT_RESTOCK_OK
						  : MSG_UI_MAINT_RESTOCK_UNRECORDED;
		else if (res.intent_pending)
			md->restock = MSG_UI_MAINT_RESTOCK_PENDING;
		else
			md->restock = MSG_UI_MAINT_RESTOCK_FAIL;
		log_info("kiosk", "maintenance: restock slot %d: %s (%s)", res.slot,
			 pickup_outcome_name(res.outcome), res.message);
		if (res.recorded)
			app_sync_now(a); /* the record goes to the hub now */
		maint_disp_ask(a); /* show the new stock */
	} else if (app_disp_take(a, PICKUP_STATUS, &res)) {
		md->have = res.have_status && res.outcome == PICKUP_OK;
		md->no_answer = !md->have;
		md->pending = res.intent_pending;
		if (md->have)
			md->st = res.status;
	}
}

/* The dispenser's lines on the maintenance card. */
static void maint_disp(struct app *a)
{
	struct app_scr_maint *md = &a->scr.maint;
	struct ui *ui = a->ui;
	char line[128], faults[96];
	int i, want;

	if (!a->disp) {
		info(ui, MSG_UI_M_DISPENSER, msg(MSG_UI_M_NO_DISPENSER));
		return;
	}
	if (!md->asked)
		maint_disp_ask(a);
	maint_disp_poll(a);
	if (!md->have) {
		info(ui, MSG_UI_M_DISPENSER, msg(md->no_answer ? MSG_UI_MAINT_DISP_NO_ANSWER
							       : MSG_UI_MAINT_DISP_WAIT));
	} else {
		faults[0] = '\0';
		if (md->st.jam)
			snprintf(faults + strlen(faults), sizeof(faults) - strlen(faults), "%s%s",
				 faults[0] ? "、" : "", msg(MSG_UI_MAINT_DISP_JAM));
		if (md->st.door_open)
			snprintf(faults + strlen(faults), sizeof(faults) - strlen(faults), "%s%s",
				 faults[0] ? "、" : "", msg(MSG_UI_MAINT_DISP_DOOR));
		if (md->st.fault)
			snprintf(faults + strlen(faults), sizeof(faults) - strlen(faults), "%s%s",
				 faults[0] ? "、" : "", msg(MSG_UI_MAINT_DISP_HW));
		if (faults[0])
			snprintf(line, sizeof(line), "%s%s", msg(MSG_UI_MAINT_DISP_FAULTS), faults);
		else
			snprintf(line, sizeof(line), "%s", msg(MSG_UI_MAINT_DISP_OK));
		info(ui, MSG_UI_M_DISPENSER, line);
	}
	if (md->pending)
		ui_banner(ui, msg(MSG_UI_MAINT_DISP_PENDING), UI_TONE_WARNING);
	for (i = 0; md->have && i < md->st.nslots && i < CONFIG_DISP_SLOTS_MAX; i++) {
		char id[16], label[64];
		static const int cols[2] = { 0, 0 };

		want = a->cfg->disp_stock[i];
		char left[48];

		msg_format(line, sizeof(line), MSG_UI_MAINT_DISP_SLOT, i + 1);
		msg_format(left, sizeof(left), MSG_UI_MAINT_DISP_LEFT, md->st.stock[i]);
		strncat(line, left, sizeof(line) - strlen(line) - 1);
		msg_format(label, sizeof(label), MSG_UI_MAINT_RESTOCK, want);
		snprintf(id, sizeof(id), "restock-%d", i + 1);
		ui_row(ui, 2, cols, 0);
		ui_label(ui, line);
		if (ui_button_ex(ui, id, label, UI_OPT_SECONDARY |
				 (app_disp_busy(a) ? UI_OPT_DISABLED : 0u))) {
			struct pickup_req req = { .op = PICKUP_RESTOCK, .slot = i + 1,
						  .count = want };

			md->restock = MSG_NONE;
			app_disp_send(a, &req);
		}
	}
	if (md->restock != MSG_NONE)
		ui_caption(ui, msg(md->restock));
	if (ui_button_ex(ui, "disp-refresh", msg(MSG_UI_MAINT_DISP_REFRESH),
			 UI_OPT_SECONDARY | (app_disp_busy(a) ? UI_OPT_DISABLED : 0u)))
		maint_disp_ask(a);
}

void scr_maint(struct app *a)
{
	struct app_scr_maint *md = &a->scr.maint;
	struct ui *ui = a->ui;
	const struct sync_status *s = &a->sync_st;
	int pending = 0, parked = 0;
	char buf[64], buf2[64], tail[LOG_TAIL_LINES * (LOG_TAIL_LINE_MAX + 1)];

	if (app_screen_begin(a, msg(MSG_UI_T_MAINT), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_end_session(a);
		return;
	}
	if (!a->maint) {
		memset(md, 0, sizeof(*md));
		md->restock = MSG_NONE;
		maint_pin(a);
		return;
	}
	app_outbox_depth(a, &pending, &parked);
	ui_scroll_begin(ui, "maint", 0);
	ui_card_begin(ui);
	info(ui, MSG_UI_M_KIOSK, a->cfg->kiosk_id);
	info(ui, MSG_UI_M_SERVER, a->cfg->server_url);
	info(ui, MSG_UI_M_NET, !a->sync ? msg(MSG_UI_M_NO_HUB)
			       : !a->sync_seen || !s->last_attempt_ms ? msg(MSG_UI_M_UNKNOWN)
			       : s->online ? msg(MSG_UI_M_ONLINE) : msg(MSG_UI_M_OFFLINE));
	info(ui, MSG_UI_M_QUEUE, msg_format(buf, sizeof(buf), MSG_UI_M_COUNT, pending));
	info(ui, MSG_UI_M_PARKED, msg_format(buf2, sizeof(buf2), MSG_UI_M_COUNT, parked));
	info(ui, MSG_UI_M_LAST_SYNC, when(s->last_success_ms, buf, sizeof(buf)));
	info(ui, MSG_UI_M_LAST_ERROR, s->last_error[0] ? s->last_error : msg(MSG_UI_M_NONE));
	if (s->skew_known) {
		snprintf(buf2, sizeof(buf2), "%lld", (long long)s->skew_s);
		info(ui, MSG_UI_M_SKEW, buf2);
	}
	ui_card_end(ui);
	ui_card_begin(ui);
	maint_disp(a);
	ui_card_end(ui);
	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_M_LOG));
	log_tail(tail, sizeof(tail), 12);
	ui_text(ui, tail[0] ? tail : msg(MSG_UI_M_NONE), DRAW_FONT_REGULAR,
		ui_theme(ui)->text_caption, THEME_INK_CARD_MUTED, UI_ALIGN_LEFT);
	ui_card_end(ui);
	ui_scroll_end(ui);
	ui_footer_begin(ui);
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "maint-sync", msg(MSG_UI_MAINT_SYNC),
			 UI_OPT_SECONDARY | (a->sync ? 0u : UI_OPT_DISABLED)))
		app_sync_now(a);
	if (ui_button_ex(ui, "maint-exit", msg(MSG_UI_MAINT_EXIT), 0)) {
		log_info("kiosk", "maintenance mode closed");
		app_end_session(a);
	}
	ui_footer_end(ui);
	/* The figures change without a touch: look again each second. */
	ui_wake_at(ui, app_now_ms(a) + 1000);
}
