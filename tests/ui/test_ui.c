/*
 * test_ui.c - the immediate-mode layer without a display: synthetic input
 * in, taps, focus, registry, scrolling and word wrap out. Text is measured
 * by a fake: a CJK character is `size` px wide, anything else size/2, a
 * line is size*3/2 high - so expected positions can be worked by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"
#include "ui/ui.h"

static int fake_width(void *ctx, enum draw_font font, int size, const char *s, size_t len)
{
	size_t i = 0;
	int w = 0;

	(void)ctx;
	(void)font;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			w += size / 2;
			i++;
		} else {
			w += size;
			i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		}
	}
	return w;
}

static int fake_height(void *ctx, enum draw_font font, int size)
{
	(void)ctx;
	(void)font;
	return size * 3 / 2;
}

static const struct ui_metrics fake = { NULL, fake_width, fake_height };

/* The screen under test: filled in by each test, run by frame(). */
struct screen {
	int taps_submit;          /* 提交信息 tapped */
	int taps_save;            /* 修改保存 tapped */
	bool submit_disabled;     /* show 提交信息 disabled */
	char company[64];         /* field values */
	char uscc[32];
	int items;                /* list rows in the scroll view (0: no list) */
	int row_tapped;           /* index of the tapped row, -1 none */
	bool dialog;              /* show a dialog */
	int dialog_ok;            /* its button tapped */
};

static int64_t now_ms;

static void screen_fn(struct ui *ui, struct screen *s)
{
	ui_screen_begin(ui, msg(MSG_UI_T_NEW_APP), UI_SCREEN_FOOTER);
	if (s->items > 0) {
		int i;

		ui_scroll_begin(ui, "list", 0);
		for (i = 0; i < s->items; i++) {
			char id[32], title[32];

			snprintf(id, sizeof(id), "row%d", i);
			snprintf(title, sizeof(title), "Row %d", i);
			if (ui_list_item(ui, id, title, NULL, NULL, UI_TONE_NEUTRAL))
				s->row_tapped = i;
		}
		ui_scroll_end(ui);
	} else {
		ui_field(ui, "company", msg(MSG_F_COMPANY), s->company, sizeof(s->company),
			 msg(MSG_UI_INPUT_HINT), NULL, 0);
		ui_field(ui, "uscc", msg(MSG_F_USCC), s->uscc, sizeof(s->uscc),
			 msg(MSG_UI_INPUT_HINT), NULL, UI_OPT_DIGITS);
	}
	ui_footer_begin(ui);
	ui_row(ui, 2, NULL, 0);
	if (ui_button_ex(ui, "save", msg(MSG_ACT_SAVE), UI_OPT_SECONDARY))
		s->taps_save++;
	if (ui_button_ex(ui, "submit", msg(MSG_ACT_SUBMIT),
			 s->submit_disabled ? UI_OPT_DISABLED : 0))
		s->taps_submit++;
	ui_footer_end(ui);
	if (s->dialog) {
		ui_dialog_begin(ui, "confirm", msg(MSG_ACT_SUBMIT));
		ui_paragraph(ui, msg(MSG_UI_COMMENT_PROMPT));
		if (ui_button_ex(ui, "ok", msg(MSG_UI_CONFIRM_SUBMIT), 0))
			s->dialog_ok++;
		ui_dialog_end(ui);
	}
}

/* Run frames until the layout is stable. */
static void frame(struct ui *ui, struct screen *s)
{
	int i;

	for (i = 0; i < 4; i++) {
		ui_begin(ui, now_ms);
		screen_fn(ui, s);
		ui_end(ui);
		if (!ui_rerun(ui))
			break;
	}
}

static void ptr(struct ui *ui, struct screen *s, enum ui_pointer ev, int x, int y)
{
	ui_input_pointer(ui, ev, x, y);
	frame(ui, s);
}

static void tap_xy(struct ui *ui, struct screen *s, int x, int y)
{
	ptr(ui, s, UI_POINTER_DOWN, x, y);
	now_ms += 50;
	ptr(ui, s, UI_POINTER_UP, x, y);
}

/* Tap the widget labelled label, as a script would; false if not tappable. */
static bool tap_label(struct ui *ui, struct screen *s, const char *label)
{
	const struct ui_widget *w = ui_find_label(ui, label);
	int x, y;

	if (!ui_tappable(w))
		return false;
	ui_widget_center(w, &x, &y);
	tap_xy(ui, s, x, y);
	return true;
}

/* Tap the centre of the widget labelled label, which is listed but must
 * not be tappable (the caller checks that the tap did nothing). */
static void tap_untappable(struct ui *ui, struct screen *s, const char *label)
{
	const struct ui_widget *w = ui_find_label(ui, label);
	int x, y;

	assert_non_null(w);
	assert_false(ui_tappable(w));
	ui_widget_center(w, &x, &y);
	tap_xy(ui, s, x, y);
}

static struct ui *new_ui(int w, int h)
{
	struct ui *ui = ui_new(w, h, &fake);

	assert_non_null(ui);
	now_ms = 1000;
	return ui;
}

/* A tap is a press and a release inside; releasing outside is no tap. */
static void test_button_press_release_inside_only(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { 0 };
	const struct ui_widget *w;
	int x, y;

	(void)ctx;
	frame(ui, &s);
	w = ui_find_label(ui, msg(MSG_ACT_SUBMIT));
	assert_non_null(w);
	assert_true(w->rect.w >= 64 && w->rect.h >= 64);
	ui_widget_center(w, &x, &y);

	ptr(ui, &s, UI_POINTER_DOWN, x, y);
	assert_int_equal(s.taps_submit, 0); /* not on press */
	ptr(ui, &s, UI_POINTER_UP, x, y);
	assert_int_equal(s.taps_submit, 1);

	/* pressed inside, dragged off and released outside: nothing */
	ptr(ui, &s, UI_POINTER_DOWN, x, y);
	ptr(ui, &s, UI_POINTER_MOVE, x, y - 400);
	ptr(ui, &s, UI_POINTER_UP, x, y - 400);
	assert_int_equal(s.taps_submit, 1);

	/* pressed outside, released inside: nothing */
	ptr(ui, &s, UI_POINTER_DOWN, 5, 5);
	ptr(ui, &s, UI_POINTER_UP, x, y);
	assert_int_equal(s.taps_submit, 1);

	/* press and release within one frame still counts */
	ui_input_pointer(ui, UI_POINTER_DOWN, x, y);
	ui_input_pointer(ui, UI_POINTER_UP, x, y);
	frame(ui, &s);
	assert_int_equal(s.taps_submit, 2);
	assert_int_equal(s.taps_save, 0);
	ui_free(ui);
}

/* Scripts find widgets by visible label and by id; centres hit them. */
static void test_registry_by_label_and_id(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { 0 };
	const struct ui_widget *a, *b;

	(void)ctx;
	frame(ui, &s);
	a = ui_find_label(ui, msg(MSG_ACT_SAVE));
	b = ui_find_id(ui, "save");
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(a->kind, UI_KIND_BUTTON);
	assert_true(ui_tappable(a));
	assert_non_null(ui_find_id(ui, "company"));
	assert_string_equal(ui_find_id(ui, "company")->label, msg(MSG_F_COMPANY));
	assert_null(ui_find_label(ui, "不存在的按钮"));
	assert_null(ui_find_id(ui, "nope"));
	assert_true(ui_text_visible(ui, msg(MSG_UI_T_NEW_APP)));
	assert_false(ui_text_visible(ui, "不存在的文字"));

	assert_true(tap_label(ui, &s, msg(MSG_ACT_SAVE)));
	assert_int_equal(s.taps_save, 1);
	assert_int_equal(s.taps_submit, 0);
	ui_free(ui);
}

/* A disabled widget is listed but not tappable, and a tap on it does nothing. */
static void test_disabled_not_tappable(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { .submit_disabled = true };
	const struct ui_widget *w;

	(void)ctx;
	frame(ui, &s);
	w = ui_find_label(ui, msg(MSG_ACT_SUBMIT));
	assert_non_null(w);
	assert_false(w->enabled);
	assert_false(tap_label(ui, &s, msg(MSG_ACT_SUBMIT)));
	tap_untappable(ui, &s, msg(MSG_ACT_SUBMIT));
	assert_int_equal(s.taps_submit, 0);
	ui_free(ui);
}

/* A tap focuses a field; typed text goes only to the focused one. */
static void test_focus_moves_on_tap(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { 0 };

	(void)ctx;
	frame(ui, &s);
	assert_null(ui_focused(ui));
	ui_input_text(ui, "lost");
	frame(ui, &s);
	assert_string_equal(s.company, "");

	assert_true(tap_label(ui, &s, msg(MSG_F_COMPANY)));
	assert_non_null(ui_focused(ui));
	assert_string_equal(ui_focused(ui)->id, "company");
	ui_input_text(ui, "江苏国泰");
	frame(ui, &s);
	assert_string_equal(s.company, "江苏国泰");
	assert_true(ui_text_visible(ui, "江苏国泰"));

	assert_true(tap_label(ui, &s, msg(MSG_F_USCC)));
	assert_string_equal(ui_focused(ui)->id, "uscc");
	assert_true(ui_focused(ui)->opts & UI_OPT_DIGITS);
	ui_input_text(ui, "9132");
	ui_input_key(ui, UI_KEY_BACKSPACE);
	frame(ui, &s);
	assert_string_equal(s.uscc, "913");
	assert_string_equal(s.company, "江苏国泰");

	/* backspace removes a whole CJK character */
	assert_true(tap_label(ui, &s, msg(MSG_F_COMPANY)));
	ui_input_key(ui, UI_KEY_BACKSPACE);
	frame(ui, &s);
	assert_string_equal(s.company, "江苏国");
	ui_free(ui);
}

/* A field never takes more than fits, and never half a character. */
static void test_field_caps_whole_characters(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { 0 };
	size_t i;

	(void)ctx;
	frame(ui, &s);
	assert_true(tap_label(ui, &s, msg(MSG_F_USCC)));
	for (i = 0; i < 20; i++)
		ui_input_text(ui, "江");
	frame(ui, &s);
	/* uscc[32]: 10 three-byte characters fit with the NUL */
	assert_int_equal(strlen(s.uscc), 30);
	ui_free(ui);
}

/* While a dialog is open, the screen under it takes no taps. */
static void test_dialog_blocks_screen(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { .dialog = true };
	const struct ui_widget *w;

	(void)ctx;
	frame(ui, &s);
	w = ui_find_label(ui, msg(MSG_ACT_SAVE));
	assert_non_null(w);
	assert_true(w->blocked);
	tap_untappable(ui, &s, msg(MSG_ACT_SAVE));
	assert_int_equal(s.taps_save, 0);
	assert_true(tap_label(ui, &s, msg(MSG_UI_CONFIRM_SUBMIT)));
	assert_int_equal(s.dialog_ok, 1);
	ui_free(ui);
}

/* Drag scrolls, a fling decays to a stop, and the offset stays in range. */
static void test_scroll_inertia_decays_and_clamps(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { .items = 40, .row_tapped = -1 };
	struct ui_scroll *sc = NULL;
	double prev_v, max_off;
	int i, y, steps;

	(void)ctx;
	frame(ui, &s);
	for (i = 0; i < UI_SCROLLS_MAX; i++)
		if (ui->scrolls[i].id)
			sc = &ui->scrolls[i];
	assert_non_null(sc);
	assert_true(sc->content_h > sc->view_h);
	max_off = sc->content_h - sc->view_h;

	/* a slow drag up by 300 px moves the content with the finger */
	ptr(ui, &s, UI_POINTER_DOWN, 540, 1200);
	for (y = 1200; y >= 900; y -= 30) {
		now_ms += 16;
		ptr(ui, &s, UI_POINTER_MOVE, 540, y);
	}
	assert_true(fabs(sc->offset - 300) < 1);
	/* the drag did not tap the row under the finger */
	now_ms += 16;
	ptr(ui, &s, UI_POINTER_UP, 540, 900);
	assert_int_equal(s.row_tapped, -1);
	assert_true(sc->velocity > 0);
	assert_true(ui_next_deadline(ui) > 0);

	/* the fling slows down every frame and stops */
	prev_v = sc->velocity;
	for (steps = 0; steps < 1000 && sc->velocity != 0; steps++) {
		double before = sc->offset;

		now_ms += 16;
		frame(ui, &s);
		assert_true(sc->offset >= before);
		assert_true(sc->velocity <= prev_v);
		prev_v = sc->velocity;
	}
	assert_true(steps < 1000);
	assert_true(sc->offset > 300);
	assert_true(sc->offset <= max_off);
	assert_int_equal(ui_next_deadline(ui), -1);

	/* a hard fling far past the end is clamped to the end */
	ptr(ui, &s, UI_POINTER_DOWN, 540, 1650);
	for (y = 1650; y >= 250; y -= 200) {
		now_ms += 8;
		ptr(ui, &s, UI_POINTER_MOVE, 540, y);
	}
	now_ms += 8;
	ptr(ui, &s, UI_POINTER_UP, 540, 250);
	for (steps = 0; steps < 1000 && sc->velocity != 0; steps++) {
		now_ms += 16;
		frame(ui, &s);
	}
	assert_true(fabs(sc->offset - max_off) < 1e-6);

	/* and dragging down past the top stops at 0 */
	sc->offset = 100;
	ptr(ui, &s, UI_POINTER_DOWN, 540, 300);
	for (y = 300; y <= 1700; y += 100) {
		now_ms += 500; /* slow: no fling */
		ptr(ui, &s, UI_POINTER_MOVE, 540, y);
	}
	for (i = 0; i < 100; i++) {
		now_ms += 500;
		ptr(ui, &s, UI_POINTER_MOVE, 540, 1700);
	}
	now_ms += 500;
	ptr(ui, &s, UI_POINTER_UP, 540, 1700);
	assert_true(sc->offset == 0);

	/* a plain tap on a row still taps it */
	{
		const struct ui_widget *w = ui_find_id(ui, "row0");
		int x, yy;

		assert_non_null(w);
		ui_widget_center(w, &x, &yy);
		tap_xy(ui, &s, x, yy);
		assert_int_equal(s.row_tapped, 0);
	}
	ui_free(ui);
}

/* ui_scroll_by pages a view (clamped at the end); ui_scroll_at_end tells
 * when its end is on screen (the notice's 同意 waits for it). */
static void test_scroll_by_and_at_end(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { .items = 40 };
	int i;

	(void)ctx;
	assert_false(ui_scroll_at_end(ui, "list")); /* never drawn */
	frame(ui, &s);
	assert_false(ui_scroll_at_end(ui, "list"));
	for (i = 0; i < 100 && !ui_scroll_at_end(ui, "list"); i++) {
		ui_scroll_by(ui, "list", 600);
		frame(ui, &s);
	}
	assert_true(i > 1 && i < 100);
	assert_true(ui_scroll_at_end(ui, "list"));
	ui_scroll_by(ui, "list", 100000); /* past the end: clamped */
	frame(ui, &s);
	assert_true(ui_scroll_at_end(ui, "list"));
	ui_scroll_by(ui, "list", -100000);
	frame(ui, &s);
	assert_false(ui_scroll_at_end(ui, "list"));
	ui_free(ui);
}

/* Rows scrolled out of the view are not visible and not tappable. */
static void test_scrolled_away_not_tappable(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { .items = 40, .row_tapped = -1 };
	const struct ui_widget *w;

	(void)ctx;
	frame(ui, &s);
	w = ui_find_id(ui, "row39");
	assert_non_null(w);
	assert_false(w->visible);
	assert_false(ui_tappable(w));
	assert_true(ui_tappable(ui_find_id(ui, "row0")));
	ui_free(ui);
}

/* Wrap: any two CJK characters may break; Latin words stay whole. */
static void test_wrap_mixed_cjk_latin(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct ui_line l[16];
	char buf[256];
	int n;

	(void)ctx;
	/* size 20: CJK 20 px, Latin 10 px. 100 px = 5 CJK characters. */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "江苏国泰新点软件有限公司", 100, l, 16);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].len, 15);
	assert_int_equal(l[0].width, 100);
	assert_int_equal(l[2].len, 6);

	/* "请访问 example.com 查看" : the Latin word moves down whole */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "请访问example.com查看", 120, l, 16);
	assert_int_equal(n, 3);
	snprintf(buf, sizeof(buf), "%.*s", l[1].len, "请访问example.com查看" + l[1].off);
	assert_string_equal(buf, "example.com"); /* 110 px: moved down whole */

	/* Latin words break at spaces; the space is dropped */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "hello world again", 100, l, 16);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].len, 5);
	assert_int_equal(l[1].len, 5);
	snprintf(buf, sizeof(buf), "%.*s", l[1].len, "hello world again" + l[1].off);
	assert_string_equal(buf, "world");

	/* a word longer than the line is cut, never lost */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "abcdefghijklmnop", 100, l, 16);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].len, 10);
	assert_int_equal(l[1].len, 6);

	/* closing punctuation does not start a line: it hangs */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "一二三四五，六七", 100, l, 16);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].len, 18); /* 五 and ， together */
	/* an opening bracket goes down with what follows it */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "一二三四《五》", 100, l, 16);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].len, 12);
	snprintf(buf, sizeof(buf), "%.*s", l[1].len, "一二三四《五》" + l[1].off);
	assert_string_equal(buf, "《五》");

	/* newlines break; an empty text has no lines */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "甲\n乙", 1000, l, 16);
	assert_int_equal(n, 2);
	assert_int_equal(ui_wrap(ui, DRAW_FONT_REGULAR, 20, "", 100, l, 16), 0);
	/* mixed: "CA证书 USB Key" at 60 px */
	n = ui_wrap(ui, DRAW_FONT_REGULAR, 20, "CA证书 USB Key", 60, l, 16);
	assert_int_equal(n, 3);
	snprintf(buf, sizeof(buf), "%.*s", l[0].len, "CA证书 USB Key" + l[0].off);
	assert_string_equal(buf, "CA证书");
	ui_free(ui);
}

/* A changed picture reports dirty; an unchanged one does not. */
static void test_redraw_only_on_change(void **ctx)
{
	struct ui *ui = new_ui(1080, 1920);
	struct screen s = { 0 };

	(void)ctx;
	ui_begin(ui, now_ms);
	screen_fn(ui, &s);
	assert_true(ui_end(ui));
	ui_begin(ui, now_ms);
	screen_fn(ui, &s);
	assert_false(ui_end(ui));
	strcpy(s.company, "新");
	ui_begin(ui, now_ms);
	screen_fn(ui, &s);
	assert_true(ui_end(ui));
	/* nothing animates: the loop may sleep until an event */
	assert_int_equal(ui_next_deadline(ui), -1);
	ui_free(ui);
}

/* Portrait and landscape: one column rule, touch targets >= 64 px. */
static void test_layout_both_orientations(void **ctx)
{
	static const int sizes[2][2] = { { 1080, 1920 }, { 1920, 1080 } };
	int i;

	(void)ctx;
	for (i = 0; i < 2; i++) {
		struct ui *ui = new_ui(sizes[i][0], sizes[i][1]);
		struct screen s = { 0 };
		const struct ui_widget *f, *b;
		int n, k;
		const struct ui_widget *all;

		frame(ui, &s);
		f = ui_find_id(ui, "company");
		b = ui_find_id(ui, "submit");
		assert_non_null(f);
		assert_non_null(b);
		/* the column is centred and never wider than column_max */
		assert_true(f->rect.w <= ui_theme(ui)->column_max);
		assert_true(abs(f->rect.x - (sizes[i][0] - f->rect.x - f->rect.w)) <= 1);
		/* inside the screen */
		assert_true(b->rect.y + b->rect.h <= sizes[i][1]);
		all = ui_widgets(ui, &n);
		for (k = 0; k < n; k++)
			if (ui_tappable(&all[k]))
				assert_true(all[k].rect.w >= 64 && all[k].rect.h >= 64);
		assert_true(ui_theme(ui)->text_body >= 32);
		assert_true(ui_theme(ui)->text_caption >= 32);
		ui_free(ui);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_button_press_release_inside_only),
		cmocka_unit_test(test_registry_by_label_and_id),
		cmocka_unit_test(test_disabled_not_tappable),
		cmocka_unit_test(test_focus_moves_on_tap),
		cmocka_unit_test(test_field_caps_whole_characters),
		cmocka_unit_test(test_dialog_blocks_screen),
		cmocka_unit_test(test_scroll_inertia_decays_and_clamps),
		cmocka_unit_test(test_scroll_by_and_at_end),
		cmocka_unit_test(test_scrolled_away_not_tappable),
		cmocka_unit_test(test_wrap_mixed_cjk_latin),
		cmocka_unit_test(test_redraw_only_on_change),
		cmocka_unit_test(test_layout_both_orientations),
	};

	return cmocka_run_group_tests_name("ui", tests, NULL, NULL);
}
