/*
 * ui_pages.c - the gallery pages (see ui_pages.h): each is a screen as the
 * kiosk will show it, built only from the widgets of src/ui/ui.h, so the
 * gallery shows both the widgets and how they compose, in portrait and in
 * landscape from the same code.
 */
#include "ui_pages.h"

#include <stdio.h>
#include <string.h>

#include "core/msg.h"

/* Sample applications for the list (data, not product text). */
static const struct {
	const char *company;
	const char *date;
	enum msg_id cert, biz, status;
	enum ui_tone tone;
} apps[] = {
	{ "江苏国泰新点软件有限公司", "2026-11-24", MSG_CERT_ORG, MSG_BIZ_NEW, MSG_APP_DRAFT, UI_TONE_NEUTRAL },
	{ "苏州工业园区数据科技有限公司", "2026-11-22", MSG_CERT_ORG, MSG_BIZ_RENEW, MSG_APP_PENDING_REVIEW, UI_TONE_INFO },
	{ "张家港市保税区国际贸易有限公司", "2026-11-18", MSG_CERT_LEGAL_REP, MSG_BIZ_NEW, MSG_APP_APPROVED, UI_TONE_SUCCESS },
	{ "南京市政建设工程有限公司", "2026-11-15", MSG_CERT_ORG, MSG_BIZ_CHANGE, MSG_APP_REJECTED, UI_TONE_DANGER },
	{ "常熟市建筑安装工程有限公司", "2026-11-02", MSG_CERT_ORG, MSG_BIZ_REISSUE, MSG_APP_APPROVED, UI_TONE_SUCCESS },
	{ "无锡新区智能装备有限公司", "2026-10-28", MSG_CERT_PERSONAL, MSG_BIZ_NEW, MSG_APP_DRAFT, UI_TONE_NEUTRAL },
	{ "昆山市城市照明工程有限公司", "2026-10-20", MSG_CERT_ORG, MSG_BIZ_RENEW, MSG_APP_PENDING_REVIEW, UI_TONE_INFO },
};

/* A sample notice (our own words; the product text goes into the catalog). */
static const char notice[] =
	"一、本告知书适用于在自助终端办理 CA 数字证书（含 USB Key 介质）的新办、续期、变更和补办业务。"
	"申请单位应保证所填信息真实、准确、完整，并对提交的材料负责。\n"
	"二、数字证书是单位在电子招投标等活动中的身份凭证，请妥善保管 CA 锁和密码，不得转借他人使用。"
	"如遗失，请及时申请补办。\n"
	"三、申请提交后由工作人员审核，审核结果会在申请列表中显示；审核不通过时，可根据原因修改后重新提交。\n"
	"四、费用以支付页面显示的金额为准，支付成功后开始办理。取锁方式可选现场取锁或邮寄取锁。\n"
	"五、本终端不会保存您的身份证件影像；页面闲置一段时间后会自动清除已填写的信息。";

void ui_pages_init(struct ui_pages *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->company, sizeof(p->company), "%s", "江苏国泰新点软件有限公司");
	snprintf(p->uscc, sizeof(p->uscc), "%s", "91320582MA1MABCDE0");
	p->business = 0;
	p->pickup = 0;
	p->tab = 0;
	p->remaining_s = 287;
}

const char *ui_pages_name(int i)
{
	static const char *const names[UI_PAGE__N] = {
		"form", "list", "pay", "dialog", "notice", "wait",
	};

	return i >= 0 && i < UI_PAGE__N ? names[i] : "?";
}

static void page_form(struct ui *ui, struct ui_pages *p)
{
	const char *steps[5] = {
		msg(MSG_UI_STEP_NOTICE), msg(MSG_UI_STEP_COMPANY), msg(MSG_UI_STEP_HANDLER),
		msg(MSG_F_PICKUP), msg(MSG_UI_STEP_ATTACH),
	};
	const char *biz[4] = {
		msg(MSG_BIZ_NEW), msg(MSG_BIZ_RENEW), msg(MSG_BIZ_CHANGE), msg(MSG_BIZ_REISSUE),
	};
	bool wide = ui_is_landscape(ui);

	ui_screen_begin(ui, msg(MSG_UI_T_NEW_APP), UI_SCREEN_BACK | UI_SCREEN_FOOTER);
	ui_steps(ui, 2, 5, steps);
	ui_scroll_begin(ui, "form", 0);
	ui_card_begin(ui);
	if (wide)
		ui_row(ui, 2, NULL, 0);
	ui_field(ui, "company", msg(MSG_F_COMPANY), p->company, sizeof(p->company),
		 msg(MSG_UI_INPUT_HINT), NULL, 0);
	ui_field(ui, "uscc", msg(MSG_F_USCC), p->uscc, sizeof(p->uscc), msg(MSG_UI_INPUT_HINT),
		 msg(MSG_V_USCC_CHECK), 0);
	if (wide)
		ui_row(ui, 2, NULL, 0);
	ui_field(ui, "legal_rep", msg(MSG_F_LEGAL_REP), p->legal_rep, sizeof(p->legal_rep),
		 msg(MSG_UI_INPUT_HINT), NULL, 0);
	ui_choice(ui, "business", msg(MSG_F_BUSINESS), biz, 4, &p->business, 0);
	ui_card_end(ui);
	ui_scroll_end(ui);
	ui_footer_begin(ui);
	ui_row(ui, 2, NULL, 0);
	ui_button_ex(ui, "save", msg(MSG_ACT_SAVE), UI_OPT_SECONDARY);
	ui_button_ex(ui, "submit", msg(MSG_ACT_SUBMIT), 0);
	ui_footer_end(ui);
}

static void list_body(struct ui *ui, struct ui_pages *p)
{
	const char *tabs[4] = {
		msg(MSG_APP_DRAFT), msg(MSG_APP_PENDING_REVIEW), msg(MSG_APP_APPROVED),
		msg(MSG_APP_REJECTED),
	};
	static const int counts[4] = { 2, 2, 2, 1 };
	size_t i;

	ui_screen_begin(ui, msg(MSG_UI_T_APPLY), UI_SCREEN_BACK | UI_SCREEN_FOOTER);
	ui_banner(ui, msg(MSG_UI_OFFLINE), UI_TONE_WARNING);
	ui_tabs(ui, "status", tabs, counts, 4, &p->tab);
	ui_scroll_begin(ui, "apps", 0);
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		char id[16], detail[160];

		snprintf(id, sizeof(id), "app%zu", i);
		snprintf(detail, sizeof(detail), "%s  ·  %s  ·  %s", apps[i].date, msg(apps[i].cert),
			 msg(apps[i].biz));
		ui_list_item(ui, id, apps[i].company, detail, msg(apps[i].status), apps[i].tone);
	}
	ui_scroll_end(ui);
	ui_footer_begin(ui);
	ui_button_ex(ui, "new", msg(MSG_UI_T_NEW_APP), 0);
	ui_footer_end(ui);
}

static void page_pay(struct ui *ui, struct ui_pages *p)
{
	bool wide = ui_is_landscape(ui);
	const struct theme *t = ui_theme(ui);

	ui_screen_begin(ui, msg(MSG_UI_WECHAT_PAY), UI_SCREEN_BACK | UI_SCREEN_FOOTER);
	ui_card_begin(ui);
	if (wide) {
		ui_row(ui, 2, NULL, 0);
		ui_column_begin(ui);
		ui_qr(ui, "pay.qr", UI_PAGES_QR, theme_px(t, 520));
		ui_column_end(ui);
		ui_column_begin(ui);
		ui_space(ui, t->sp_xl);
		ui_text(ui, msg(MSG_UI_SCAN_WECHAT), DRAW_FONT_BOLD, t->text_body, THEME_INK_CARD,
			UI_ALIGN_CENTER);
		ui_countdown(ui, "pay.countdown", p->remaining_s, 300, 0);
		ui_text(ui, msg(MSG_UI_PAY_TIME_LEFT), DRAW_FONT_REGULAR, t->text_caption,
			THEME_INK_CARD_MUTED, UI_ALIGN_CENTER);
		ui_column_end(ui);
	} else {
		ui_text(ui, msg(MSG_UI_SCAN_WECHAT), DRAW_FONT_BOLD, t->text_body, THEME_INK_CARD,
			UI_ALIGN_CENTER);
		ui_qr(ui, "pay.qr", UI_PAGES_QR, theme_px(t, 600));
		ui_countdown(ui, "pay.countdown", p->remaining_s, 300, 0);
		ui_text(ui, msg(MSG_UI_PAY_TIME_LEFT), DRAW_FONT_REGULAR, t->text_caption,
			THEME_INK_CARD_MUTED, UI_ALIGN_CENTER);
	}
	ui_card_end(ui);
	ui_footer_begin(ui);
	ui_button_ex(ui, "cancel", msg(MSG_UI_CANCEL), UI_OPT_SECONDARY);
	ui_footer_end(ui);
}

static void page_dialog(struct ui *ui, struct ui_pages *p)
{
	list_body(ui, p);
	ui_dialog_begin(ui, "submit", msg(MSG_ACT_SUBMIT));
	ui_field(ui, "comment", msg(MSG_UI_COMMENT_PROMPT), p->comment, sizeof(p->comment),
		 msg(MSG_UI_INPUT_HINT), NULL, 0);
	ui_row(ui, 2, NULL, 0);
	ui_button_ex(ui, "dlg.cancel", msg(MSG_UI_CANCEL), UI_OPT_SECONDARY);
	ui_button_ex(ui, "dlg.ok", msg(MSG_UI_CONFIRM_SUBMIT), 0);
	ui_dialog_end(ui);
}

static void page_notice(struct ui *ui, struct ui_pages *p)
{
	(void)p;
	ui_screen_begin(ui, msg(MSG_UI_T_NOTICE), UI_SCREEN_BACK | UI_SCREEN_FOOTER);
	ui_caption(ui, msg(MSG_UI_SCROLL_TO_END));
	ui_scroll_begin(ui, "notice", 0);
	ui_card_begin(ui);
	ui_heading(ui, msg(MSG_UI_T_NOTICE));
	ui_paragraph(ui, notice);
	ui_card_end(ui);
	ui_scroll_end(ui);
	ui_footer_begin(ui);
	ui_button_ex(ui, "agree", msg(MSG_UI_AGREE), UI_OPT_DISABLED);
	ui_footer_end(ui);
}

static void page_wait(struct ui *ui, struct ui_pages *p)
{
	const char *methods[2] = { msg(MSG_UI_WECHAT_PAY), msg(MSG_UI_BANK_PAY) };

	ui_screen_begin(ui, msg(MSG_UI_T_PAY), UI_SCREEN_BACK | UI_SCREEN_FOOTER);
	ui_card_begin(ui);
	ui_label(ui, apps[2].company);
	ui_pill(ui, msg(MSG_PAY_UNPAID), UI_TONE_WARNING);
	ui_choice(ui, "method", msg(MSG_UI_PAY_METHOD), methods, 2, &p->pickup, UI_OPT_RADIO);
	ui_card_end(ui);
	ui_spinner(ui, msg(MSG_UI_WAIT));
	if (!p->toast_at) {
		p->toast_at = ui->now_ms;
		ui_toast(ui, msg(MSG_UI_SAVED), 3000);
	}
	ui_footer_begin(ui);
	ui_row(ui, 3, NULL, 0);
	ui_button_ex(ui, "delete", msg(MSG_ACT_DELETE), UI_OPT_DANGER);
	ui_button_ex(ui, "edit", msg(MSG_ACT_EDIT), UI_OPT_SECONDARY);
	ui_button_ex(ui, "pay", msg(MSG_ACT_PAY), 0);
	ui_footer_end(ui);
}

void ui_pages_draw(struct ui *ui, struct ui_pages *p)
{
	switch (p->page) {
	case UI_PAGE_FORM: page_form(ui, p); break;
	case UI_PAGE_LIST: list_body(ui, p); break;
	case UI_PAGE_PAY: page_pay(ui, p); break;
	case UI_PAGE_DIALOG: page_dialog(ui, p); break;
	case UI_PAGE_NOTICE: page_notice(ui, p); break;
	default: page_wait(ui, p); break;
	}
}
