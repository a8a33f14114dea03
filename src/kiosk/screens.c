/*
 * screens.c - what each screen of the kiosk shows, one function a screen.
 *
 * Immediate mode (docs/ui.md): each frame the current screen's function
 * reads struct app and emits widgets; a tap calls app_go or changes the
 * state. Every text comes from the catalog (src/core/msg_zh.def).
 * Start reading at app_screen() at the bottom.
 */
#include <limits.h>

#include "../core/msg.h"
#include "app.h"

/* The notice's scroll view id. */
#define NOTICE_VIEW "notice"

/* Sections of the notice: title and body. */
static const enum msg_id notice_sections[][2] = {
	{ MSG_UI_NOTICE_S1_T, MSG_UI_NOTICE_S1_B },
	{ MSG_UI_NOTICE_S2_T, MSG_UI_NOTICE_S2_B },
	{ MSG_UI_NOTICE_S3_T, MSG_UI_NOTICE_S3_B },
	{ MSG_UI_NOTICE_S4_T, MSG_UI_NOTICE_S4_B },
	{ MSG_UI_NOTICE_S5_T, MSG_UI_NOTICE_S5_B },
	{ MSG_UI_NOTICE_S6_T, MSG_UI_NOTICE_S6_B },
};

/* Idle: the product, what it does, and a calm invitation. A tap anywhere
 * starts (the 开始办理 button is the visible target). */
static void screen_attract(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	struct draw_rect body;

	ui_screen_begin(ui, msg(MSG_UI_BRAND), UI_SCREEN_FOOTER);
	body = ui_remaining(ui);
	ui_space(ui, body.h / 4);
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
		app_go(a, APP_SCREEN_NOTICE);
	ui_footer_end(ui);
	/* A release anywhere on this screen is a tap too (the input of the
	 * frame is read-only here; see struct ui in ui.h). */
	if (a->screen == APP_SCREEN_ATTRACT && ui->in.released && !ui->dragging)
		app_go(a, APP_SCREEN_NOTICE);
}

/* The notice in a scroll view. 同意 stays disabled until the end of the
 * text has been on screen; 向下翻页 pages through it for people who do not
 * drag, and scripts. */
static void screen_notice(struct app *a)
{
	struct ui *ui = a->ui;
	struct draw_rect view;
	size_t i;
	bool at_end;

	if (ui_screen_begin(ui, msg(MSG_UI_T_NOTICE), UI_SCREEN_BACK | UI_SCREEN_FOOTER))
		app_go(a, APP_SCREEN_ATTRACT);
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
		app_go(a, APP_SCREEN_ATTRACT);
	/* A page is most of the view, so a line of context stays in sight. */
	if (ui_button_ex(ui, "pagedown", msg(MSG_UI_PAGE_DOWN),
			 UI_OPT_SECONDARY | (at_end ? UI_OPT_DISABLED : 0u))) {
		ui_scroll_by(ui, NOTICE_VIEW, view.h * 4 / 5);
		a->changed = true;
	}
	if (ui_button_ex(ui, "agree", msg(MSG_UI_AGREE),
			 a->notice_end_seen ? 0u : UI_OPT_DISABLED))
		app_go(a, APP_SCREEN_FORM_LATER);
	ui_footer_end(ui);
}

/* After 同意: the form is not in this version, and the screen says so. */
static void screen_form_later(struct app *a)
{
	struct ui *ui = a->ui;

	if (ui_screen_begin(ui, msg(MSG_UI_T_FORM), UI_SCREEN_BACK | UI_SCREEN_FOOTER))
		app_go(a, APP_SCREEN_NOTICE);
	ui_card_begin(ui);
	ui_heading(ui, msg(MSG_UI_FORM_LATER));
	ui_paragraph(ui, msg(MSG_UI_FORM_LATER_DETAIL));
	ui_card_end(ui);
	ui_footer_begin(ui);
	if (ui_button_ex(ui, "home", msg(MSG_UI_BACK_HOME), 0))
		app_go(a, APP_SCREEN_ATTRACT);
	ui_footer_end(ui);
}

void app_go(struct app *a, enum app_screen s)
{
	if (s == APP_SCREEN_NOTICE && a->screen == APP_SCREEN_ATTRACT) {
		/* A new visit reads the notice from the top. */
		a->notice_end_seen = false;
		ui_scroll_by(a->ui, NOTICE_VIEW, INT_MIN / 2);
	}
	a->screen = s;
	a->changed = true;
}

/* Dispatch by screen. */
void app_screen(struct app *a)
{
	static void (*const screens[APP_SCREEN__N])(struct app *) = {
		[APP_SCREEN_ATTRACT] = screen_attract,
		[APP_SCREEN_NOTICE] = screen_notice,
		[APP_SCREEN_FORM_LATER] = screen_form_later,
	};

	screens[a->screen](a);
}
