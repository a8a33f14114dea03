/*
 * scr_order.c - the order details (APP_SCREEN_ORDER_DETAIL): whom the
 * order is for, the payment record with where its e-invoice stands, the
 * processing records, 确认签收 (APP_DLG_RECEIPT), and for a key ready for
 * on-site pickup either 领取CA锁 (the key is in this kiosk's dispenser:
 * the pickup worker dispenses it) or the pickup code for the counter.
 *
 * Start reading at scr_order_detail(); the pickup's state machine is
 * pk_poll / pk_start / pk_card.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "kiosk/app.h"
#include "kiosk/store/store.h"
#include "pay_parts.h"

/* Processing records shown at most on the details screen. */
#define RECORDS_SHOWN 40

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
			 msg(pay_bank_name(p->bank)));
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
	enum ui_tone tone = r->pay_status == CA_PAY_UNPAID ? UI_TONE_WARNING
			  : r->pay_status == CA_PAY_REFUNDED ? UI_TONE_NEUTRAL : UI_TONE_SUCCESS;
	enum msg_id inv;

	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_ORDER_PAYMENT));
	pay_kv_amount(ui, MSG_UI_PAY_PAID_AMOUNT, r->amount_fen);
	pay_kv_pill(ui, MSG_UI_ORDER_PAY_STATUS, msg(ca_pay_status_msg(r->pay_status)), tone);
	if (paid_method(a, r->id, how, sizeof(how))) {
		pay_kv_text(ui, MSG_UI_PAY_METHOD, how);
		pay_kv_text(ui, MSG_UI_ORDER_NO, a->pay.order.out_trade_no);
	}
	/* Where its e-invoice stands (开票中, 等待开具, ...): the 电子发票
	 * list has the numbers and the QR. */
	inv = pay_invoice_state(r, app_invoice(a, r->id, CA_INV_BLUE),
				app_invoice(a, r->id, CA_INV_RED), &tone);
	if (inv != MSG_NONE)
		pay_kv_pill(ui, MSG_UI_T_INVOICE, msg(inv), tone);
	if (app_queued(a, r->id)) {
		pay_kv_pill(ui, MSG_UI_ORDER_SYNC, msg(MSG_UI_ORDER_QUEUED), UI_TONE_WARNING);
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
	pay_kv_text(ui, MSG_F_PICKUP, msg(ca_pickup_msg(r->pickup)));
	if (r->pay_status == CA_PAY_REFUNDED) {
		/* Given back before the key went out: nothing more happens. */
		pay_kv_pill(ui, MSG_UI_ORDER_PROC_STATUS, msg(MSG_PAY_REFUNDED), UI_TONE_NEUTRAL);
		ui_paragraph(ui, msg(MSG_UI_ORDER_REFUNDED));
		ui_card_end(ui);
		return;
	}
	pay_kv_pill(ui, MSG_UI_ORDER_PROC_STATUS, msg(ca_proc_status_msg(p)), pay_proc_tone(p));
	if ((p == CA_PROC_SHIPPED || p == CA_PROC_RECEIVED) && r->tracking_no[0])
		pay_kv_text(ui, MSG_F_TRACKING_NO, r->tracking_no);
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
	pay_fmt_time(rec->at_ms, when, sizeof(when));
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
		pay_kv_text(ui, MSG_F_TRACKING_NO, r->tracking_no);
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
 * code for the counter. The state (a->scr.pickup, app.h) is about one
 * application in one session; it starts over when another one is opened
 * or the session ends.
 */
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
	struct app_scr_pickup *pk = &a->scr.pickup;
	struct pickup_result res;

	/* A late answer after the screen gave up still says what happened. */
	if (pk->state != APP_PK_BUSY && pk->state != APP_PK_UNKNOWN)
		return;
	if (!app_disp_take(a, PICKUP_DISPENSE, &res)) {
		if (pk->state == APP_PK_BUSY && app_now_ms(a) >= pk->give_up_ms) {
			log_error("kiosk", "no answer from the pickup worker for %s in "
				  "%lld ms; shown as unknown", pk->app_id,
				  (long long)pk_wait_max_ms(a));
			pk->state = APP_PK_UNKNOWN;
		}
		return;
	}
	if (strcmp(res.app_id, pk->app_id) != 0 && res.app_id[0])
		return;
	switch (res.outcome) {
	case PICKUP_OK:
		pk->state = APP_PK_DONE;
		break;
	case PICKUP_FAILED:
		pk->state = APP_PK_FAILED;
		snprintf(pk->result, sizeof(pk->result), "%s", disp_result_name(res.disp));
		break;
	case PICKUP_UNKNOWN:
		pk->state = APP_PK_UNKNOWN;
		break;
	default:
		pk->state = APP_PK_REFUSED;
		break;
	}
	app_apps_dirty(a);
	app_sync_now(a); /* collect or the fault record goes to the hub */
}

/* 领取CA锁 was tapped: hand the dispense to the worker. */
static void pk_start(struct app *a, const struct ca_app *r, int slot)
{
	struct app_scr_pickup *pk = &a->scr.pickup;
	struct pickup_req req = { .op = PICKUP_DISPENSE, .slot = slot };

	snprintf(req.app_id, sizeof(req.app_id), "%s", r->id);
	pk->state = APP_PK_BUSY;
	pk->result[0] = '\0';
	pk->give_up_ms = app_now_ms(a) + pk_wait_max_ms(a);
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
		pay_centred(ui, line, DRAW_FONT_BOLD, theme_px(t, 56), THEME_INK_CARD);
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
	struct app_scr_pickup *pk = &a->scr.pickup;
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);

	if (pk->state == APP_PK_DONE) {
		ui_card_begin(ui);
		pay_centred(ui, msg(MSG_UI_PICKUP_DONE), DRAW_FONT_BOLD, t->text_title,
			THEME_INK_CARD);
		ui_paragraph(ui, msg(MSG_UI_PICKUP_DONE_HINT));
		ui_card_end(ui);
		return;
	}
	if (pk->state == APP_PK_BUSY) {
		ui_card_begin(ui);
		ui_spinner(ui, msg(MSG_UI_PICKUP_BUSY));
		ui_card_end(ui);
		return;
	}
	if (r->proc_status != CA_PROC_READY_FOR_PICKUP)
		return; /* collected meanwhile (recovery), or not ready */
	if (pk->state == APP_PK_UNKNOWN) {
		/* The code lets the counter find the order the person asks about. */
		ui_banner(ui, msg(MSG_UI_PICKUP_UNKNOWN), UI_TONE_WARNING);
		pk_code_card(ui, r);
		return;
	}
	if (pk->state == APP_PK_FAILED)
		ui_banner(ui, msg(ca_disp_fault_msg(pk->result)), UI_TONE_DANGER);
	else if (pk->state == APP_PK_REFUSED)
		ui_banner(ui, msg(MSG_UI_PICKUP_REFUSED), UI_TONE_WARNING);
	if (slot && pk->state == APP_PK_IDLE) {
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
	struct app_scr_pickup *pk = &a->scr.pickup;
	struct ui *ui = a->ui;
	struct ca_app r;
	struct ca_state s;
	bool receipt, busy;
	int slot;

	pk_poll(a);
	busy = pk->state == APP_PK_BUSY;
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
	if (strcmp(pk->app_id, r.id) != 0 || pk->session_no != a->session_no) {
		/* Another order, or another visit: start over (a pickup's
		 * outcome is in the store; this is only what was said). */
		memset(pk, 0, sizeof(*pk));
		snprintf(pk->app_id, sizeof(pk->app_id), "%s", r.id);
		pk->session_no = a->session_no;
	}
	/* Where the key is and whether an outcome is pending: read from the
	 * store when the order opens, and again only when the store changed
	 * (store_gen), not every frame (the spinner draws many). */
	if (!pk->looked || pk->gen != a->store_gen) {
		pk->slot = pk_here(a, &r);
		pk->pending = pk_intent_for(a, r.id);
		pk->gen = a->store_gen;
		pk->looked = true;
	}
	if (pk->state == APP_PK_IDLE && pk->pending)
		pk->state = APP_PK_UNKNOWN;
	s = ca_state_of(&r);
	receipt = fsm_allowed(&s, CA_ACT_CONFIRM_RECEIPT);
	slot = pk->slot;
	ui_scroll_begin(ui, "order", 0);
	order_head(ui, &r);
	/* The pickup card (领取CA锁, its outcome, the pickup code) first in
	 * view: above the cards in portrait, at the top right in landscape. */
	/* A refunded order has no key to collect. */
	if (r.pay_status == CA_PAY_REFUNDED)
		slot = 0;
	if (r.pickup == CA_PICKUP_ONSITE && r.pay_status != CA_PAY_REFUNDED && !ui_is_landscape(ui))
		pk_card(a, &r, slot);
	if (ui_is_landscape(ui)) { /* where the key is, first in view */
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		progress_card(ui, &r, slot != 0);
		ui_column_end(ui);
		ui_column_begin(ui);
		if (r.pickup == CA_PICKUP_ONSITE && r.pay_status != CA_PAY_REFUNDED)
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
	if (slot && pk->state == APP_PK_IDLE) {
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

