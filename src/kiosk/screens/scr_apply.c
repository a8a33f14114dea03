/*
 * scr_apply.c - the CA申请 screens: the application list with its status
 * tabs, the notice (告知书), the form in steps with 保存 and 提交信息, the
 * application details with 修改 / 删除申请 / 提交信息, and their dialogs
 * (APP_DLG_SUBMIT, APP_DLG_LEAVE_FORM over the form, APP_DLG_DELETE over
 * the details).
 *
 * Immediate mode (docs/ui.md): each scr_* function draws one screen from
 * struct app and the store; a tap changes struct app or writes to the store
 * and the frame runs again. Every text comes from the catalog
 * (src/core/msg_zh.def, section "scr_apply.c"). What may be done to an
 * application is decided by the status table alone (fsm_allowed): an action
 * it forbids is never drawn, not even disabled.
 *
 * The form edits a copy, a->form.rec; the store is written only by 保存 /
 * 修改保存 and 提交信息, and a store error leaves the copy on screen. Its
 * steps depend on the pickup method (邮寄信息 only for 邮寄取锁), so
 * form_steps() maps a step number to a step kind. The text fields are
 * described once, in text_fields[] (which buffer, how many characters,
 * which keyboard), and drawn and checked from that table; a field's widget
 * id is its JSON key (ca_field_key), so scripts `tap @company`.
 *
 * Start reading at scr_form(), then scr_apply_list() and scr_app_detail().
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/cst.h"
#include "core/fsm.h"
#include "core/mask.h"
#include "core/msg.h"
#include "core/uuid.h"
#include "core/valid.h"
#include "kiosk/app.h"
#include "kiosk/store/store.h"

/* Scroll view ids. */
#define NOTICE_VIEW "notice"
#define LIST_VIEW   "apps"
#define FORM_VIEW   "form"
#define DETAIL_VIEW "detail"

/* Where the hub serves the application-form template (申请表模板). */
#define TEMPLATE_PATH "/template/application-form"

/* List tabs: 全部, then one per application status (status + 1). */
#define TAB_ALL     0
#define TAB_N       (1 + CA_APP__N)
#define TAB_PENDING (1 + CA_APP_PENDING_REVIEW)

/* Room for one formatted line (detail line, error text, summary value). */
#define TEXT_LINE_MAX 512

/* Move a scroll view back to its top (clamped on its next frame). */
#define SCROLL_TOP (INT_MIN / 2)

/* ---- small shared pieces ---- */

/* "2026-11-24" (with_time: "2026-11-24 10:22") of Unix ms, China time. */
static char *fmt_date(int64_t unix_ms, bool with_time, char *buf, size_t n)
{
	return ca_cst_format(unix_ms, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", buf, n);
}

/* The company of rec, or the catalog's "not filled in" text. */
static const char *company_of(const struct ca_app *rec)
{
	return rec->company[0] ? rec->company : msg(MSG_UI_NO_COMPANY);
}

/* A label on the left and its value on the right (wrapped), on a card. */
static void kv(struct ui *ui, enum msg_id label, const char *value)
{
	const struct theme *t = ui_theme(ui);
	int w[2] = { theme_px(t, 288), 0 }; /* 统一社会信用代码 at caption size */

	ui_row(ui, 2, w, 0);
	ui_column_begin(ui); /* the smaller label on the value's first line */
	ui_space(ui, (t->text_body - t->text_caption) * 3 / 4);
	ui_text(ui, msg(label), DRAW_FONT_REGULAR, t->text_caption, THEME_INK_CARD_MUTED,
		UI_ALIGN_LEFT);
	ui_column_end(ui);
	ui_text(ui, value && *value ? value : msg(MSG_UI_NOT_FILLED), DRAW_FONT_REGULAR,
		t->text_body, THEME_INK_CARD, UI_ALIGN_LEFT);
}

/* kv with a number formatted by a catalog text ("%d 把"). */
static void kv_num(struct ui *ui, enum msg_id label, enum msg_id fmt, int v)
{
	char buf[64];

	kv(ui, label, msg_format(buf, sizeof(buf), fmt, v));
}

/* The parts of a record both the summary and the details show: who and
 * what, with ID number and phones masked (the screen is in a public hall). */
static void kv_company(struct ui *ui, const struct ca_app *r)
{
	kv(ui, MSG_F_COMPANY, r->company);
	kv(ui, MSG_F_USCC, r->uscc);
	kv(ui, MSG_F_LEGAL_REP, r->legal_rep);
}

static void kv_handler(struct ui *ui, const struct ca_app *r)
{
	char id[MASK_BUF], phone[MASK_BUF];

	kv(ui, MSG_F_HANDLER, r->handler);
	kv(ui, MSG_F_HANDLER_ID, r->handler_id[0] ? mask_id(r->handler_id, id, sizeof(id)) : "");
	kv(ui, MSG_F_MOBILE, r->mobile[0] ? mask_phone(r->mobile, phone, sizeof(phone)) : "");
	kv(ui, MSG_F_EMAIL, r->email);
}

static void kv_business(struct ui *ui, const struct ca_app *r)
{
	kv(ui, MSG_F_BUSINESS, msg(ca_business_msg(r->business)));
	kv(ui, MSG_F_CERT_TYPE, msg(ca_cert_type_msg(r->cert_type)));
	kv_num(ui, MSG_F_SUB_KEYS, MSG_UI_KEYS_N, r->sub_keys);
	kv(ui, MSG_F_PICKUP, msg(ca_pickup_msg(r->pickup)));
}

static void kv_mail(struct ui *ui, const struct ca_app *r)
{
	char phone[MASK_BUF];

	kv(ui, MSG_F_MAIL_RECIPIENT, r->mail_recipient);
	kv(ui, MSG_F_MAIL_PHONE,
	   r->mail_phone[0] ? mask_phone(r->mail_phone, phone, sizeof(phone)) : "");
	kv(ui, MSG_F_MAIL_ADDRESS, r->mail_address);
	kv(ui, MSG_F_MAIL_POSTCODE, r->mail_postcode);
}

/* ---- the form: steps and fields ---- */

enum step {
	STEP_COMPANY,  /* 单位信息 */
	STEP_HANDLER,  /* 经办人信息 */
	STEP_BUSINESS, /* 业务信息 */
	STEP_MAIL,     /* 邮寄信息 (邮寄取锁 only) */
	STEP_ATTACH,   /* 附件信息: materials, template QR, summary */
	STEP__N
};

static const enum msg_id step_names[STEP__N] = {
	[STEP_COMPANY] = MSG_UI_STEP_COMPANY,
	[STEP_HANDLER] = MSG_UI_STEP_HANDLER,
	[STEP_BUSINESS] = MSG_UI_STEP_BUSINESS,
	[STEP_MAIL] = MSG_UI_STEP_MAIL,
	[STEP_ATTACH] = MSG_UI_STEP_ATTACH,
};

/* The steps of rec's form, in order, into out; returns how many. */
static int form_steps(const struct ca_app *rec, enum step out[STEP__N])
{
	int n = 0;

	out[n++] = STEP_COMPANY;
	out[n++] = STEP_HANDLER;
	out[n++] = STEP_BUSINESS;
	if (rec->pickup == CA_PICKUP_MAIL)
		out[n++] = STEP_MAIL;
	out[n++] = STEP_ATTACH;
	return n;
}

/* The step a form field is filled in. */
static enum step step_of(enum ca_field f)
{
	if (f <= CA_F_LEGAL_REP)
		return STEP_COMPANY;
	if (f <= CA_F_EMAIL)
		return STEP_HANDLER;
	if (f <= CA_F_PICKUP)
		return STEP_BUSINESS;
	if (f <= CA_F_MAIL_POSTCODE)
		return STEP_MAIL;
	return STEP_ATTACH;
}

/* A text field of the form: its buffer in struct ca_app, how many
 * characters it takes, the keyboard it wants, and its caption. */
struct text_field {
	enum ca_field f;         /* the field; its widget id is ca_field_key(f) */
	size_t off;              /* offsetof(struct ca_app, buffer) */
	size_t size;             /* sizeof the buffer */
	size_t max_chars;        /* characters the keyboard accepts */
	enum kb_field_kind kind; /* keyboard layout and allowed keys */
	enum msg_id caption;     /* MSG_NONE: ca_field_msg(f) */
	bool pair;               /* landscape: side by side with the next one */
};

#define TF(f, member, max, kind, caption, pair)                                  \
	{ f, offsetof(struct ca_app, member), sizeof(((struct ca_app *)0)->member), \
	  max, kind, caption, pair }

/* In form order; each step's fields are consecutive. */
static const struct text_field text_fields[] = {
	TF(CA_F_COMPANY, company, CA_COMPANY_MAX, KB_FIELD_TEXT, MSG_NONE, true),
	TF(CA_F_USCC, uscc, 18, KB_FIELD_CODE, MSG_NONE, false),
	TF(CA_F_LEGAL_REP, legal_rep, CA_PERSON_MAX, KB_FIELD_TEXT, MSG_NONE, false),
	TF(CA_F_HANDLER, handler, CA_PERSON_MAX, KB_FIELD_TEXT, MSG_NONE, true),
	TF(CA_F_HANDLER_ID, handler_id, 18, KB_FIELD_ID, MSG_NONE, false),
	TF(CA_F_MOBILE, mobile, 11, KB_FIELD_DIGITS, MSG_NONE, true),
	TF(CA_F_EMAIL, email, CA_EMAIL_MAX, KB_FIELD_EMAIL, MSG_UI_F_EMAIL_OPT, false),
	TF(CA_F_MAIL_RECIPIENT, mail_recipient, CA_PERSON_MAX, KB_FIELD_TEXT, MSG_NONE, true),
	TF(CA_F_MAIL_PHONE, mail_phone, 20, KB_FIELD_PHONE, MSG_NONE, false),
	TF(CA_F_MAIL_ADDRESS, mail_address, CA_ADDRESS_MAX, KB_FIELD_TEXT, MSG_NONE, false),
	TF(CA_F_MAIL_POSTCODE, mail_postcode, 6, KB_FIELD_DIGITS, MSG_UI_F_POSTCODE_OPT, false),
};

#define N_TEXT_FIELDS (sizeof(text_fields) / sizeof(text_fields[0]))

/* Validate the form as the store would keep it (normalised) into
 * a->form.rep; returns the failing fields of step s (STEP__N: of all). */
static int form_validate(struct app *a, enum step s)
{
	struct ca_app tmp = a->form.rec;
	int i, n = 0;

	ca_app_normalize(&tmp);
	valid_app(&tmp, app_today(a), &a->form.rep);
	for (i = 0; i < a->form.rep.n; i++)
		if (s == STEP__N || step_of(a->form.rep.err[i].field) == s)
			n++;
	return n;
}

/* The error to show at field f (NULL: none), in buf. */
static const char *field_error(const struct app *a, enum ca_field f, char *buf, size_t n)
{
	const struct valid_error *e;

	if (!a->form.show_errors)
		return NULL;
	e = valid_report_find(&a->form.rep, f);
	return e ? valid_error_text(e, buf, n) : NULL;
}

/* Forget the form and everything typed into it (personal data). */
static void form_wipe(struct app *a)
{
	memset(&a->form, 0, sizeof(a->form));
	memset(a->comment, 0, sizeof(a->comment));
	a->scr.apply.form_err = MSG_NONE;
	a->scr.apply.revealed[0] = '\0';
}

/* Go to step (1-based) of the form, from its top, errors hidden. */
static void form_move(struct app *a, int step)
{
	a->form.step = step;
	a->form.show_errors = false;
	a->scr.apply.form_err = MSG_NONE;
	app_kb_close(a);
	ui_scroll_by(a->ui, FORM_VIEW, SCROLL_TOP);
	a->changed = true;
}

/* After a failed check: show the step of the first failing field (the
 * report is in form order) with every error of it at its field. */
static void form_show_errors(struct app *a)
{
	enum step steps[STEP__N];
	int n = form_steps(&a->form.rec, steps), i;
	enum step first = a->form.rep.n ? step_of(a->form.rep.err[0].field) : STEP_COMPANY;

	for (i = 0; i < n; i++)
		if (steps[i] == first)
			form_move(a, i + 1);
	a->form.show_errors = true;
	app_toast(a, MSG_UI_FIX_ERRORS);
}

/* Where 返回 of the form goes: the list for a new application, the
 * details for an edited one (a->back_to, set when the form was opened). */
static void form_exit(struct app *a)
{
	enum app_screen to = a->back_to == APP_SCREEN_APP_DETAIL && a->form.existing ?
			     APP_SCREEN_APP_DETAIL : APP_SCREEN_APPLY_LIST;

	if (to == APP_SCREEN_APP_DETAIL)
		snprintf(a->sel_id, sizeof(a->sel_id), "%s", a->form.rec.id);
	form_wipe(a);
	app_go(a, to);
}

/* 返回 / 取消: ask first when something typed is not saved. */
static void form_leave(struct app *a)
{
	if (!a->form.dirty) {
		form_exit(a);
		return;
	}
	app_kb_close(a);
	app_dialog(a, APP_DLG_LEAVE_FORM);
	a->changed = true;
}

/* The banner text for a store error while saving. */
static enum msg_id save_error(ca_err e)
{
	switch (e) {
	case CA_ERR_FORBIDDEN: return MSG_UI_ERR_SAVE_FORBIDDEN;
	case CA_ERR_NOT_FOUND: return MSG_UI_ERR_SAVE_GONE;
	case CA_ERR_INVALID:
	case CA_ERR_TOO_LONG: return MSG_UI_ERR_SAVE_INVALID;
	default: return MSG_UI_ERR_STORE;
	}
}

/*
 * Write the form to the store: a new draft (fresh id, this account, this
 * kiosk) or the changes to an existing one. True when stored; on failure
 * the form stays as it is and the banner says what happened.
 */
static bool form_save(struct app *a)
{
	struct ca_app *r = &a->form.rec;
	ca_err e;

	if (!a->form.existing) {
		e = uuid_v4(r->id);
		if (e == CA_OK) {
			snprintf(r->account, sizeof(r->account), "%s", a->session.phone);
			snprintf(r->kiosk_id, sizeof(r->kiosk_id), "%s", a->cfg->kiosk_id);
			e = store_app_create(a->st, r, app_unix_ms(a));
		}
	} else {
		e = store_app_save(a->st, r, app_unix_ms(a));
	}
	a->changed = true;
	if (e != CA_OK) {
		a->scr.apply.form_err = save_error(e);
		return false;
	}
	a->form.existing = true;
	a->form.dirty = false;
	a->scr.apply.form_err = MSG_NONE;
	app_apps_dirty(a);
	app_sync_now(a);
	return true;
}

/* 保存 / 修改保存. */
static void form_save_tap(struct app *a)
{
	if (form_save(a))
		app_toast(a, a->form.rec.app_status == CA_APP_DRAFT ? MSG_UI_SAVED_DRAFT :
			  MSG_UI_SAVED);
}

/* 下一步: only when the fields of this step are good. */
static void form_next(struct app *a, enum step s)
{
	if (form_validate(a, s) > 0) {
		a->form.show_errors = true;
		a->scr.apply.form_err = MSG_NONE;
		app_toast(a, MSG_UI_FIX_ERRORS);
		a->changed = true;
		return;
	}
	form_move(a, a->form.step + 1);
}

/* 提交信息 on the last step: check everything, save, then ask for 意见. */
static void form_submit_tap(struct app *a)
{
	if (form_validate(a, STEP__N) > 0) {
		form_show_errors(a);
		return;
	}
	if ((!a->form.existing || a->form.dirty) && !form_save(a))
		return;
	memset(a->comment, 0, sizeof(a->comment));
	app_dialog(a, APP_DLG_SUBMIT);
	a->changed = true;
}

/* 确认提交: the submit action with the comment, in the store. */
static void submit_confirm(struct app *a)
{
	struct valid_report rep = { 0 };
	ca_err e = store_app_act(a->st, a->form.rec.id, CA_ACT_SUBMIT, a->comment, app_today(a),
				 app_unix_ms(a), NULL, &rep);

	a->changed = true;
	app_kb_close(a);
	if (e == CA_OK) {
		app_apps_dirty(a);
		app_sync_now(a);
		app_toast(a, app_offline(a) ? MSG_UI_SUBMITTED_OFFLINE : MSG_UI_SUBMITTED);
		a->apply_tab = TAB_PENDING;
		form_wipe(a);
		app_go(a, APP_SCREEN_APPLY_LIST);
		return;
	}
	if (e == CA_ERR_INVALID) {
		a->form.rep = rep;
		if (valid_report_find(&rep, CA_F_COMMENT) && rep.n == 1) {
			a->form.show_errors = true; /* at the comment, in the dialog */
			return;
		}
		app_dialog(a, APP_DLG_NONE);
		form_show_errors(a);
		return;
	}
	a->scr.apply.form_err = e == CA_ERR_FORBIDDEN ? MSG_UI_ERR_CANNOT_SUBMIT :
				e == CA_ERR_NOT_FOUND ? MSG_UI_ERR_SAVE_GONE : MSG_UI_ERR_STORE;
	app_dialog(a, APP_DLG_NONE);
}

/*
 * The keyboard covers the lower part of the screen: scroll the field it
 * edits into the view above it, once, on the first frame that is laid out
 * with the keyboard open. top is the field's top, h its height.
 */
static void reveal_field(struct app *a, const char *id, int top, int h, struct draw_rect view)
{
	const struct theme *t = ui_theme(a->ui);
	int margin = view.h >= h + 2 * t->sp_md ? t->sp_md : 0, d = 0;

	if (!a->kb_field[0] || strcmp(id, a->kb_field) ||
	    !strcmp(a->scr.apply.revealed, a->kb_field))
		return;
	/* A view lower than the field shows its bottom: the box typed in. */
	if (top + h > view.y + view.h - margin)
		d = top + h - (view.y + view.h - margin);
	else if (top < view.y + margin)
		d = top - view.y - margin;
	if (d) {
		ui_scroll_by(a->ui, FORM_VIEW, d);
		a->changed = true;
	}
	snprintf(a->scr.apply.revealed, sizeof(a->scr.apply.revealed), "%s", a->kb_field);
}

/* The text fields of step s (landscape: in pairs where the table says).
 * kb_laid_out: the view was laid out with the keyboard open. */
static void draw_text_fields(struct app *a, enum step s, struct draw_rect view, bool kb_laid_out)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	bool wide = ui_is_landscape(ui);
	size_t i;

	for (i = 0; i < N_TEXT_FIELDS; i++) {
		const struct text_field *tf = &text_fields[i];
		const char *key = ca_field_key(tf->f);
		char err[TEXT_LINE_MAX];
		int top, res;

		if (step_of(tf->f) != s)
			continue;
		if (wide && tf->pair && i + 1 < N_TEXT_FIELDS && step_of(text_fields[i + 1].f) == s)
			ui_row(ui, 2, NULL, 0);
		top = ui_remaining(ui).y; /* a row's second cell: the row's top too */
		res = app_field(a, key, tf->caption ? tf->caption : ca_field_msg(tf->f),
				(char *)&a->form.rec + tf->off, tf->size, tf->max_chars, tf->kind,
				field_error(a, tf->f, err, sizeof(err)));
		if (res & UI_RES_CHANGE) {
			a->form.dirty = true;
			a->changed |= a->form.show_errors; /* check it again */
		}
		if (kb_laid_out)
			reveal_field(a, key, top, 2 * t->text_body + t->field_h, view);
	}
}

/* A segmented choice over catalog labels for field f; true on change. */
static bool form_choice(struct app *a, enum ca_field f, const enum msg_id *labels, int n,
			int *sel)
{
	const char *opts[8];
	int i;

	for (i = 0; i < n && i < 8; i++)
		opts[i] = msg(labels[i]);
	if (!ui_choice(a->ui, ca_field_key(f), msg(ca_field_msg(f)), opts, i, sel, 0))
		return false;
	a->form.dirty = true;
	a->changed = true;
	return true;
}

/* 业务类型 and 证书类型. */
static void business_choices(struct app *a)
{
	static const enum msg_id biz[CA_BIZ__N] = {
		MSG_BIZ_NEW, MSG_BIZ_RENEW, MSG_BIZ_CHANGE, MSG_BIZ_REISSUE,
	};
	static const enum msg_id cert[CA_CERT__N] = {
		MSG_CERT_ORG, MSG_CERT_LEGAL_REP, MSG_CERT_PERSONAL,
	};
	struct ca_app *r = &a->form.rec;
	int v = (int)r->business;

	if (form_choice(a, CA_F_BUSINESS, biz, CA_BIZ__N, &v))
		r->business = (enum ca_business)v;
	v = (int)r->cert_type;
	if (form_choice(a, CA_F_CERT_TYPE, cert, CA_CERT__N, &v))
		r->cert_type = (enum ca_cert_type)v;
}

/* 副锁数量 as [−] N 把 [+] (ids sub_keys.minus, sub_keys.plus), 0 to
 * CA_SUB_KEYS_MAX, and the total of keys under it. */
static void sub_keys_stepper(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	struct ca_app *r = &a->form.rec;
	int w[3] = { t->button_h * 3 / 2, 0, t->button_h * 3 / 2 }, delta = 0;
	char buf[64];

	ui_text(ui, msg(MSG_F_SUB_KEYS), DRAW_FONT_REGULAR, t->text_body, THEME_INK_CARD,
		UI_ALIGN_LEFT);
	ui_row(ui, 3, w, t->button_h);
	if (ui_button_ex(ui, "sub_keys.minus", "−", /* minus sign: a symbol, not text */
			 UI_OPT_SECONDARY | (r->sub_keys <= 0 ? UI_OPT_DISABLED : 0u)))
		delta = -1;
	ui_column_begin(ui);
	ui_space(ui, (t->button_h - t->text_title * 3 / 2) / 2);
	ui_text(ui, msg_format(buf, sizeof(buf), MSG_UI_KEYS_N, r->sub_keys), DRAW_FONT_BOLD,
		t->text_title, THEME_INK_CARD, UI_ALIGN_CENTER);
	ui_column_end(ui);
	if (ui_button_ex(ui, "sub_keys.plus", "+",
			 UI_OPT_SECONDARY |
			 (r->sub_keys >= CA_SUB_KEYS_MAX ? UI_OPT_DISABLED : 0u)))
		delta = 1;
	if (delta) {
		r->sub_keys += delta;
		a->form.dirty = true;
		a->changed = true;
	}
	snprintf(a->form.sub_keys, sizeof(a->form.sub_keys), "%d", r->sub_keys);
	ui_label(ui, msg_format(buf, sizeof(buf), MSG_UI_KEYS_TOTAL, 1 + r->sub_keys));
}

/* 取锁方式, and (hint) what it means. */
static void pickup_choice(struct app *a, bool hint)
{
	static const enum msg_id pickup[CA_PICKUP__N] = { MSG_PICKUP_ONSITE, MSG_PICKUP_MAIL };
	struct ca_app *r = &a->form.rec;
	int v = (int)r->pickup;

	if (form_choice(a, CA_F_PICKUP, pickup, CA_PICKUP__N, &v))
		r->pickup = (enum ca_pickup)v;
	if (hint)
		ui_caption(a->ui, msg(r->pickup == CA_PICKUP_MAIL ? MSG_UI_PICKUP_MAIL_HINT :
				      MSG_UI_PICKUP_ONSITE_HINT));
}

/* Step 3: business type, certificate type, sub keys, pickup method. In
 * landscape two cards side by side fit the view without scrolling; the
 * hints need the room portrait has. */
static void step_business(struct app *a)
{
	struct ui *ui = a->ui;

	if (ui_is_landscape(ui)) {
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		ui_card_begin(ui);
		business_choices(a);
		ui_card_end(ui);
		ui_column_end(ui);
		ui_column_begin(ui);
		ui_card_begin(ui);
		sub_keys_stepper(a);
		pickup_choice(a, false);
		ui_card_end(ui);
		ui_column_end(ui);
		return;
	}
	ui_card_begin(ui);
	business_choices(a);
	ui_card_end(ui);
	ui_card_begin(ui);
	sub_keys_stepper(a);
	ui_caption(ui, msg(MSG_UI_SUB_KEYS_HINT));
	ui_card_end(ui);
	ui_card_begin(ui);
	pickup_choice(a, true);
	ui_card_end(ui);
}

/* The template's address on the hub, for the QR code. */
static const char *template_url(const struct app *a, char *buf, size_t n)
{
	const char *base = a->cfg->server_url;
	size_t len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	snprintf(buf, n, "%.*s%s", (int)len, base, TEMPLATE_PATH);
	return buf;
}

/* The application-form template as a QR code for the phone. */
static void template_card(struct app *a, bool titled, int qr_size)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	char url[CONFIG_PATH_MAX + sizeof(TEMPLATE_PATH) + 1];

	ui_card_begin(ui);
	if (titled)
		ui_label(ui, msg(MSG_UI_TEMPLATE_T));
	ui_qr(ui, "template-qr", template_url(a, url, sizeof(url)), qr_size);
	ui_text(ui, msg(MSG_UI_TEMPLATE_SCAN), DRAW_FONT_BOLD, t->text_body, THEME_INK_CARD,
		UI_ALIGN_CENTER);
	ui_card_end(ui);
}

/* What to bring, and to whom. */
static void materials_card(struct ui *ui)
{
	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_ATTACH_MATERIALS_T));
	ui_paragraph(ui, msg(MSG_UI_ATTACH_MATERIALS));
	ui_caption(ui, msg(MSG_UI_ATTACH_HANDIN));
	ui_card_end(ui);
}

/* What was entered, to check before 提交信息. */
static void summary_card(struct ui *ui, const struct ca_app *r)
{
	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_SUMMARY_T));
	kv_company(ui, r);
	kv_handler(ui, r);
	kv_business(ui, r);
	if (r->pickup == CA_PICKUP_MAIL)
		kv_mail(ui, r);
	ui_caption(ui, msg(MSG_UI_SUMMARY_HINT));
	ui_card_end(ui);
}

/* Last step: what to bring, the template as a QR for the phone, and a
 * summary of what was entered. In landscape the QR and the materials sit
 * side by side in the first view (the QR at a size that still scans). */
static void step_attach(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);

	if (ui_is_landscape(ui)) {
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		template_card(a, false, theme_px(t, 340));
		ui_column_end(ui);
		ui_column_begin(ui);
		materials_card(ui);
		ui_column_end(ui);
	} else {
		materials_card(ui);
		template_card(a, true, theme_px(t, 440));
	}
	summary_card(ui, &a->form.rec);
}

/* One step's content inside the form's scroll view. */
static void form_step(struct app *a, enum step s, struct draw_rect view, bool kb_laid_out)
{
	static const enum msg_id hints[STEP__N] = {
		[STEP_COMPANY] = MSG_UI_FORM_COMPANY_HINT,
		[STEP_HANDLER] = MSG_UI_FORM_HANDLER_HINT,
		[STEP_MAIL] = MSG_UI_FORM_MAIL_HINT,
	};
	struct ui *ui = a->ui;

	switch (s) {
	case STEP_BUSINESS:
		step_business(a);
		break;
	case STEP_ATTACH:
		step_attach(a);
		break;
	default:
		ui_card_begin(ui);
		ui_caption(ui, msg(hints[s]));
		draw_text_fields(a, s, view, kb_laid_out);
		ui_card_end(ui);
		/* Room to scroll the last field above the keyboard. */
		if (kb_laid_out)
			ui_space(ui, ui_theme(ui)->sp_xl);
		break;
	}
}

/* [上一步 | 取消] [保存 | 修改保存] [下一步 | 提交信息]. */
static void form_footer(struct app *a, int n, enum step s)
{
	struct ui *ui = a->ui;
	bool last = a->form.step >= n;

	ui_footer_begin(ui);
	ui_row(ui, 3, NULL, 0);
	if (a->form.step <= 1) {
		if (ui_button_ex(ui, "cancel", msg(MSG_UI_CANCEL), UI_OPT_SECONDARY))
			form_leave(a);
	} else if (ui_button_ex(ui, "prev", msg(MSG_UI_PREV), UI_OPT_SECONDARY)) {
		form_move(a, a->form.step - 1);
	}
	if (ui_button_ex(ui, "save", msg(last ? MSG_ACT_SAVE : MSG_UI_SAVE), UI_OPT_SECONDARY))
		form_save_tap(a);
	if (last) {
		if (ui_button_ex(ui, "submit", msg(MSG_ACT_SUBMIT), 0))
			form_submit_tap(a);
	} else if (ui_button_ex(ui, "next", msg(MSG_UI_NEXT), 0)) {
		form_next(a, s);
	}
	ui_footer_end(ui);
}

/* 提交信息: an optional comment, then 确认提交. While the keyboard is open
 * where the room above it is low (landscape), the dialog is the field
 * alone: its title and buttons come back with 确定 / 收起. */
static void dlg_submit(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	bool compact = app_kb_open(a) && ui->h - app_kb_height(a) < 4 * t->button_h;
	char err[TEXT_LINE_MAX];

	app_dialog_begin(a, "dlg-submit", compact ? NULL : msg(MSG_ACT_SUBMIT));
	app_field(a, ca_field_key(CA_F_COMMENT), MSG_UI_COMMENT_PROMPT, a->comment,
		  sizeof(a->comment), CA_COMMENT_MAX, KB_FIELD_TEXT,
		  field_error(a, CA_F_COMMENT, err, sizeof(err)));
	if (!compact) {
		ui_caption(ui, msg(MSG_UI_COMMENT_NOTE));
		ui_row(ui, 2, NULL, 0);
		if (ui_button_ex(ui, "cancel-submit", msg(MSG_UI_CANCEL), UI_OPT_SECONDARY)) {
			app_kb_close(a);
			app_dialog(a, APP_DLG_NONE);
			a->changed = true;
		}
		if (ui_button_ex(ui, "confirm-submit", msg(MSG_UI_CONFIRM_SUBMIT), 0))
			submit_confirm(a);
	}
	app_keyboard(a); /* on the dialog's layer, for the comment */
	ui_dialog_end(ui);
}

/* Leaving with unsaved changes: 放弃修改 or 继续填写. */
static void dlg_leave(struct app *a)
{
	struct ui *ui = a->ui;

	ui_dialog_begin(ui, "dlg-leave", msg(MSG_UI_LEAVE_T));
	ui_paragraph(ui, msg(MSG_UI_LEAVE_ASK));
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "discard", msg(MSG_UI_DISCARD), UI_OPT_DANGER)) {
		form_exit(a);
	} else if (ui_button_ex(ui, "keep-editing", msg(MSG_UI_KEEP_EDITING), 0)) {
		app_dialog(a, APP_DLG_NONE);
		a->changed = true;
	}
	ui_dialog_end(ui);
}

/*
 * The form: steps on top, the step's content in a scroll view, the
 * actions in the footer. While the keyboard edits a form field the footer
 * gives way to it and the view ends above it; the keyboard comes last,
 * then the dialogs (the submit dialog draws the keyboard on its own layer
 * for its comment).
 */
void scr_form(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	bool kb = app_kb_open(a) && a->dialog == APP_DLG_NONE; /* for a form field */
	enum step steps[STEP__N];
	const char *names[STEP__N];
	int n = form_steps(&a->form.rec, steps), i;
	struct draw_rect view;
	bool compact;

	if (!kb)
		a->scr.apply.revealed[0] = '\0';
	if (a->form.step < 1)
		a->form.step = 1;
	if (a->form.step > n)
		a->form.step = n;
	if (a->form.show_errors)
		form_validate(a, STEP__N); /* errors go away as they are fixed */

	if (app_screen_begin(a, msg(a->form.existing && a->back_to == APP_SCREEN_APP_DETAIL ?
				    MSG_UI_T_EDIT_APP : MSG_UI_T_NEW_APP),
			     UI_SCREEN_BACK | (kb ? 0u : (unsigned)UI_SCREEN_FOOTER)) &&
	    a->dialog == APP_DLG_NONE)
		form_leave(a);
	if (a->screen != APP_SCREEN_FORM)
		return;
	for (i = 0; i < n; i++)
		names[i] = msg(step_names[steps[i]]);
	/* Typing where the view above the keyboard is low (landscape): the
	 * field gets the room of the steps. */
	compact = kb && ui->h - app_kb_height(a) - ui_remaining(ui).y < 3 * t->field_h;
	if (compact)
		ui_space(ui, t->sp_sm - t->sp_xl);
	else
		ui_steps(ui, a->form.step, n, names);
	if (a->scr.apply.form_err != MSG_NONE)
		ui_banner(ui, msg(a->scr.apply.form_err), UI_TONE_DANGER);

	view = ui_remaining(ui);
	if (kb)
		view.h = ui->h - app_kb_height(a) - t->sp_sm - view.y;
	if (view.h < t->touch_min)
		view.h = t->touch_min;
	if (view.h != a->scr.apply.form_view_h) {
		/* The keyboard came or went: run the frame again, so the view
		 * is clamped to its new height before the next touch lands. */
		a->scr.apply.form_view_h = view.h;
		a->changed = true;
	}
	ui_scroll_begin(ui, FORM_VIEW, view.h);
	form_step(a, steps[a->form.step - 1], view, kb);
	ui_scroll_end(ui);

	if (!kb)
		form_footer(a, n, steps[a->form.step - 1]);
	if (kb)
		app_keyboard(a);
	if (a->dialog == APP_DLG_SUBMIT)
		dlg_submit(a);
	else if (a->dialog == APP_DLG_LEAVE_FORM)
		dlg_leave(a);
}

/* Open the form on a stored application: to edit it, or (at_end) at its
 * last step so that 提交信息 goes through the checks. */
static void form_open_existing(struct app *a, const char *id_in, bool at_end)
{
	char id[CA_UUID_LEN + 1];
	struct ca_app rec;
	struct ca_state st;
	enum step steps[STEP__N];

	snprintf(id, sizeof(id), "%s", id_in); /* id_in may live in a->form */
	if (store_app_get(a->st, id, &rec) != CA_OK || strcmp(rec.account, a->session.phone)) {
		app_toast(a, MSG_UI_ERR_GONE);
		app_apps_dirty(a);
		return;
	}
	st = ca_state_of(&rec);
	if (!fsm_allowed(&st, CA_ACT_EDIT)) {
		app_toast(a, MSG_UI_ERR_CANNOT_EDIT);
		app_apps_dirty(a);
		return;
	}
	form_wipe(a);
	a->form.rec = rec;
	a->form.existing = true;
	a->form.step = at_end ? form_steps(&rec, steps) : 1;
	snprintf(a->form.sub_keys, sizeof(a->form.sub_keys), "%d", rec.sub_keys);
	snprintf(a->sel_id, sizeof(a->sel_id), "%s", id);
	a->back_to = APP_SCREEN_APP_DETAIL;
	ui_scroll_by(a->ui, FORM_VIEW, SCROLL_TOP);
	app_go(a, APP_SCREEN_FORM);
}

void scr_form_open_new(struct app *a)
{
	form_wipe(a);
	ca_app_init(&a->form.rec);
	a->form.step = 1;
	snprintf(a->form.sub_keys, sizeof(a->form.sub_keys), "%d", a->form.rec.sub_keys);
	a->back_to = APP_SCREEN_APPLY_LIST;
	ui_scroll_by(a->ui, FORM_VIEW, SCROLL_TOP);
	app_go(a, APP_SCREEN_FORM);
}

void scr_form_open_edit(struct app *a, const char *id)
{
	form_open_existing(a, id, false);
}

/* ---- the notice ---- */

/* Sections of the notice: title and body. */
static const enum msg_id notice_sections[][2] = {
	{ MSG_UI_NOTICE_S1_T, MSG_UI_NOTICE_S1_B },
	{ MSG_UI_NOTICE_S2_T, MSG_UI_NOTICE_S2_B },
	{ MSG_UI_NOTICE_S3_T, MSG_UI_NOTICE_S3_B },
	{ MSG_UI_NOTICE_S4_T, MSG_UI_NOTICE_S4_B },
	{ MSG_UI_NOTICE_S5_T, MSG_UI_NOTICE_S5_B },
	{ MSG_UI_NOTICE_S6_T, MSG_UI_NOTICE_S6_B },
};

/* The notice in a scroll view. 同意 stays disabled until the end of the
 * text has been on screen; 向下翻页 pages through it for people who do not
 * drag, and for scripts. */
void scr_notice(struct app *a)
{
	struct ui *ui = a->ui;
	struct draw_rect view;
	size_t i;
	bool at_end;

	if (app_screen_begin(a, msg(MSG_UI_T_NOTICE), UI_SCREEN_BACK | UI_SCREEN_FOOTER))
		app_go(a, APP_SCREEN_APPLY_LIST);
	if (a->notice_end_seen)
		ui_banner(ui, msg(MSG_UI_NOTICE_READ), UI_TONE_SUCCESS);
	else
		ui_banner(ui, msg(MSG_UI_SCROLL_TO_END), UI_TONE_INFO);
	view = ui_remaining(ui);
	ui_scroll_begin(ui, NOTICE_VIEW, 0);
	ui_card_begin(ui);
	ui_paragraph(ui, msg(MSG_UI_NOTICE_INTRO));
	for (i = 0; i < sizeof(notice_sections) / sizeof(notice_sections[0]); i++) {
		ui_label(ui, msg(notice_sections[i][0]));
		ui_paragraph(ui, msg(notice_sections[i][1]));
	}
	ui_text(ui, msg(MSG_UI_NOTICE_END), DRAW_FONT_REGULAR, ui_theme(ui)->text_caption,
		THEME_INK_CARD_MUTED, UI_ALIGN_CENTER);
	ui_card_end(ui);
	ui_scroll_end(ui);
	at_end = ui_scroll_at_end(ui, NOTICE_VIEW);
	if (at_end && !a->notice_end_seen) {
		a->notice_end_seen = true;
		a->changed = true; /* the banner and 同意 change */
	}

	ui_footer_begin(ui);
	ui_row(ui, 3, NULL, 0);
	if (ui_button_ex(ui, "disagree", msg(MSG_UI_DISAGREE), UI_OPT_SECONDARY))
		app_go(a, APP_SCREEN_APPLY_LIST);
	/* A page is most of the view, so a line of context stays in sight. */
	if (ui_button_ex(ui, "pagedown", msg(MSG_UI_PAGE_DOWN),
			 UI_OPT_SECONDARY | (at_end ? UI_OPT_DISABLED : 0u))) {
		ui_scroll_by(ui, NOTICE_VIEW, view.h * 4 / 5);
		a->changed = true;
	}
	if (ui_button_ex(ui, "agree", msg(MSG_UI_AGREE),
			 a->notice_end_seen ? 0u : UI_OPT_DISABLED))
		scr_form_open_new(a);
	ui_footer_end(ui);
}

/* ---- the application list ---- */

/* Whether rec belongs on list tab tab. */
static bool tab_has(int tab, const struct ca_app *rec)
{
	return tab == TAB_ALL || (int)rec->app_status == tab - 1;
}

/* One application as a list row; a tap opens its details. Rows outside
 * the view only take their place (a list may hold APP_APPS_MAX rows). */
static void list_row(struct app *a, const struct ca_app *r, int i, struct draw_rect view)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	char id[24], detail[TEXT_LINE_MAX], date[32];
	const char *status;
	enum ui_tone tone = UI_TONE_NEUTRAL;
	int y = ui_remaining(ui).y;
	bool queued;

	if (y + t->item_h < view.y || y > view.y + view.h) {
		ui_next(ui, t->item_h);
		return;
	}
	status = app_status_text(r, &tone);
	queued = app_queued(a, r->id);
	snprintf(id, sizeof(id), "app.%d", i);
	/* 待同步 first: a long line is cut at its end. */
	snprintf(detail, sizeof(detail), "%s%s%s·%s·%s", queued ? msg(MSG_UI_QUEUED) : "",
		 queued ? "·" : "", msg(ca_business_msg(r->business)),
		 msg(ca_cert_type_msg(r->cert_type)),
		 fmt_date(r->updated_ms, false, date, sizeof(date)));
	if (ui_list_item(ui, id, company_of(r), detail, status, tone)) {
		snprintf(a->sel_id, sizeof(a->sel_id), "%s", r->id);
		ui_scroll_by(ui, DETAIL_VIEW, SCROLL_TOP);
		app_go(a, APP_SCREEN_APP_DETAIL);
	}
}

/* Nothing on this tab: say so, and where to start. */
static void list_empty(struct ui *ui)
{
	const struct theme *t = ui_theme(ui);

	ui_card_begin(ui);
	ui_space(ui, t->sp_xl);
	ui_text(ui, msg(MSG_UI_EMPTY_LIST), DRAW_FONT_BOLD, t->text_body, THEME_INK_CARD,
		UI_ALIGN_CENTER);
	ui_text(ui, msg(MSG_UI_APPLY_EMPTY_HINT), DRAW_FONT_REGULAR, t->text_body,
		THEME_INK_CARD_MUTED, UI_ALIGN_CENTER);
	ui_space(ui, t->sp_xl);
	ui_card_end(ui);
}

/*
 * The account's applications under status tabs with counts. Five tabs
 * with count pills are wider than the portrait column (1112 px of 952), so
 * in portrait the tabs go without pills and a line under them gives the
 * count of the chosen tab.
 */
void scr_apply_list(struct app *a)
{
	struct ui *ui = a->ui;
	const struct ca_app *apps;
	const char *tabs[TAB_N];
	int counts[TAB_N] = { 0 }, n, i, shown = 0;
	bool wide = ui_is_landscape(ui);
	struct draw_rect view;

	apps = app_apps(a, &n);
	for (i = 0; i < n; i++) {
		counts[TAB_ALL]++;
		if ((unsigned)apps[i].app_status < CA_APP__N)
			counts[1 + apps[i].app_status]++;
	}
	if (a->apply_tab < 0 || a->apply_tab >= TAB_N)
		a->apply_tab = TAB_ALL;

	if (app_screen_begin(a, msg(MSG_UI_T_APPLY), UI_SCREEN_BACK | UI_SCREEN_FOOTER))
		app_go(a, APP_SCREEN_HOME);
	tabs[TAB_ALL] = msg(MSG_UI_TAB_ALL);
	for (i = 0; i < CA_APP__N; i++)
		tabs[1 + i] = msg(ca_app_status_msg((enum ca_app_status)i));
	if (ui_tabs(ui, "tab", tabs, wide ? counts : NULL, TAB_N, &a->apply_tab)) {
		ui_scroll_by(ui, LIST_VIEW, SCROLL_TOP);
		a->changed = true;
	}
	if (!wide) {
		char buf[64];

		ui_caption(ui, msg_format(buf, sizeof(buf), MSG_UI_APPS_COUNT,
					  counts[a->apply_tab]));
	}

	view = ui_remaining(ui);
	ui_scroll_begin(ui, LIST_VIEW, 0);
	for (i = 0; i < n; i++)
		if (tab_has(a->apply_tab, &apps[i]))
			list_row(a, &apps[i], shown++, view);
	if (!shown)
		list_empty(ui);
	ui_scroll_end(ui);

	ui_footer_begin(ui);
	if (ui_button_ex(ui, "new", msg(MSG_UI_T_NEW_APP), 0)) {
		a->notice_end_seen = false; /* the notice is read from its top */
		ui_scroll_by(ui, NOTICE_VIEW, SCROLL_TOP);
		app_go(a, APP_SCREEN_NOTICE);
	}
	ui_footer_end(ui);
}

/* ---- application details ---- */

/* Company, then its status pill and when it last changed on one line. */
static void detail_head(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	enum ui_tone tone = UI_TONE_NEUTRAL;
	const char *status = app_status_text(r, &tone);
	char date[32], line[96];
	int w[2] = { ui_text_width(ui, DRAW_FONT_REGULAR, t->text_caption, status) +
		     2 * t->sp_md, 0 };

	ui_card_begin(ui);
	ui_heading(ui, company_of(r));
	snprintf(line, sizeof(line), "%s %s", msg(MSG_UI_UPDATED_AT),
		 fmt_date(r->updated_ms, true, date, sizeof(date)));
	ui_row(ui, 2, w, 0);
	ui_pill(ui, status, tone);
	ui_caption(ui, line);
	ui_card_end(ui);
}

/* What the status means for the person, the reason of a rejection, and
 * the 待同步 note while a change has not reached the hub. */
static void detail_note(struct app *a, const struct ca_app *r, bool queued)
{
	struct ui *ui = a->ui;

	switch (r->app_status) {
	case CA_APP_DRAFT:
		ui_banner(ui, msg(MSG_UI_NOTE_DRAFT), UI_TONE_INFO);
		break;
	case CA_APP_PENDING_REVIEW:
		ui_banner(ui, msg(MSG_UI_NOTE_PENDING), UI_TONE_INFO);
		break;
	case CA_APP_APPROVED:
		if (r->pay_status == CA_PAY_REFUNDED)
			ui_banner(ui, msg(MSG_UI_NOTE_REFUNDED), UI_TONE_NEUTRAL);
		else
			ui_banner(ui, msg(r->pay_status == CA_PAY_UNPAID ? MSG_UI_NOTE_APPROVED :
					  MSG_UI_NOTE_PAID), UI_TONE_SUCCESS);
		break;
	case CA_APP_REJECTED:
		ui_banner(ui, msg(MSG_UI_NOTE_REJECTED), UI_TONE_DANGER);
		ui_card_begin(ui);
		ui_label(ui, msg(MSG_F_REJECT_REASON));
		ui_paragraph(ui, r->reject_reason[0] ? r->reject_reason : msg(MSG_UI_NO_REASON));
		ui_card_end(ui);
		break;
	default:
		break;
	}
	if (queued)
		ui_banner(ui, msg(MSG_UI_NOTE_QUEUED), UI_TONE_WARNING);
}

/* One titled card of fields. */
static void detail_card(struct ui *ui, enum msg_id title, const struct ca_app *r,
			void (*rows)(struct ui *, const struct ca_app *))
{
	ui_card_begin(ui);
	ui_label(ui, msg(title));
	rows(ui, r);
	ui_card_end(ui);
}

/* The form's fields by section, and the 意见 given at submit. */
static void detail_fields(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;

	detail_card(ui, MSG_UI_STEP_COMPANY, r, kv_company);
	detail_card(ui, MSG_UI_STEP_HANDLER, r, kv_handler);
	ui_card_begin(ui);
	ui_label(ui, msg(MSG_UI_STEP_BUSINESS));
	kv_business(ui, r);
	if (r->comment[0])
		kv(ui, MSG_F_COMMENT, r->comment);
	ui_card_end(ui);
	if (r->pickup == CA_PICKUP_MAIL)
		detail_card(ui, MSG_UI_STEP_MAIL, r, kv_mail);
}

/* 确认删除: remove the draft from the store (and, through the outbox,
 * from the hub). */
static void delete_confirm(struct app *a, const char *id_in)
{
	char id[CA_UUID_LEN + 1];
	ca_err e;

	snprintf(id, sizeof(id), "%s", id_in);
	e = store_app_act(a->st, id, CA_ACT_DELETE, NULL, app_today(a), app_unix_ms(a), NULL,
			  NULL);
	app_apps_dirty(a);
	app_dialog(a, APP_DLG_NONE);
	a->changed = true;
	switch (e) {
	case CA_OK:
		app_sync_now(a);
		app_toast(a, MSG_UI_DELETED);
		a->sel_id[0] = '\0';
		app_go(a, APP_SCREEN_APPLY_LIST);
		break;
	case CA_ERR_FORBIDDEN:
		app_toast(a, MSG_UI_ERR_CANNOT_DELETE);
		break;
	case CA_ERR_NOT_FOUND:
		app_toast(a, MSG_UI_ERR_GONE);
		app_go(a, APP_SCREEN_APPLY_LIST);
		break;
	default:
		app_toast(a, MSG_UI_ERR_ACT);
		break;
	}
}

/* 删除申请? with the company, 取消 / 确认删除. */
static void dlg_delete(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;

	ui_dialog_begin(ui, "dlg-delete", msg(MSG_ACT_DELETE));
	ui_paragraph(ui, msg(MSG_UI_DELETE_ASK));
	ui_label(ui, company_of(r));
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "cancel-delete", msg(MSG_UI_CANCEL), UI_OPT_SECONDARY)) {
		app_dialog(a, APP_DLG_NONE);
		a->changed = true;
	} else if (ui_button_ex(ui, "confirm-delete", msg(MSG_UI_CONFIRM_DELETE), UI_OPT_DANGER)) {
		delete_confirm(a, r->id);
	}
	ui_dialog_end(ui);
}

/* The actions the status table allows, side by side; an approved one
 * leads to CA支付; with none, back to the list. */
static void detail_footer(struct app *a, const struct ca_app *r)
{
	struct ui *ui = a->ui;
	struct ca_state st = ca_state_of(r);
	bool del = fsm_allowed(&st, CA_ACT_DELETE), edit = fsm_allowed(&st, CA_ACT_EDIT);
	bool sub = fsm_allowed(&st, CA_ACT_SUBMIT);
	int n = (int)del + (int)edit + (int)sub;

	ui_footer_begin(ui);
	if (n > 0) {
		ui_row(ui, n, NULL, 0);
		if (del && ui_button_ex(ui, "delete", msg(MSG_ACT_DELETE), UI_OPT_DANGER)) {
			app_dialog(a, APP_DLG_DELETE);
			a->changed = true;
		}
		if (edit && ui_button_ex(ui, "edit", msg(MSG_ACT_EDIT), UI_OPT_SECONDARY))
			form_open_existing(a, r->id, false);
		if (sub && ui_button_ex(ui, "submit", msg(MSG_ACT_SUBMIT), 0))
			form_open_existing(a, r->id, true);
	} else if (r->app_status == CA_APP_APPROVED) {
		if (ui_button_ex(ui, "go-pay", msg(MSG_UI_GO_PAY), 0)) {
			a->pay_tab = ca_pay_tab(r->pay_status); /* 未支付 / 已支付 / 已办理 */
			app_go(a, APP_SCREEN_PAY_LIST);
		}
	} else if (ui_button_ex(ui, "back-list", msg(MSG_UI_BACK_LIST), UI_OPT_SECONDARY)) {
		app_go(a, APP_SCREEN_APPLY_LIST);
	}
	ui_footer_end(ui);
}

/* One application: head, what its status means, its fields, the actions
 * it allows, and the delete dialog. */
void scr_app_detail(struct app *a)
{
	struct ui *ui = a->ui;
	struct ca_app rec;
	bool queued;

	if (app_screen_begin(a, msg(MSG_UI_T_APP_DETAIL), UI_SCREEN_BACK | UI_SCREEN_FOOTER)) {
		app_go(a, APP_SCREEN_APPLY_LIST);
		return;
	}
	if (!app_sel(a, &rec)) {
		app_go(a, APP_SCREEN_APPLY_LIST);
		return;
	}
	queued = app_queued(a, rec.id);
	/* One column in both orientations: a value (an 18-character code) needs
	 * the full width beside its label. */
	ui_scroll_begin(ui, DETAIL_VIEW, 0);
	detail_head(a, &rec);
	detail_note(a, &rec, queued);
	detail_fields(a, &rec);
	ui_scroll_end(ui);
	detail_footer(a, &rec);
	if (a->dialog == APP_DLG_DELETE)
		dlg_delete(a, &rec);
}
