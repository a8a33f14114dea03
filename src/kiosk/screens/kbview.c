/*
 * kbview.c - the on-screen keyboard on the screen: fields that open it,
 * and the panel at the bottom with the candidate bar and the keys.
 *
 * The model (src/ime/keyboard.c) decides what a key does to the focused
 * field's buffer; this file lays the keys of the layout shown out from
 * their grid rectangles, draws them as ui_key buttons and hands taps to
 * kb_press / kb_choose. Every key is a widget with an id, so flow scripts
 * press them through the same input path as a finger:
 *   kb.<character>   a character key ("kb.a", "kb.1", "kb.@", "kb.'")
 *   kb.backspace kb.space kb.enter kb.shift kb.lang kb.symbols kb.letters
 *   kb.cand.<i>      candidate i of the page shown (0-based)
 *   kb.prev kb.next  candidate pages
 *   kb.hide          收起: close the keyboard
 *
 * The panel has one height for every layout (app_kb_height), so a screen
 * shrinks its content view by that much while the keyboard is open.
 * Start reading at app_keyboard().
 */
#include <stdio.h>
#include <string.h>

#include "kiosk/app.h"

/* Rows of key units in the tallest layout (the letter layouts). */
#define KB_ROWS 5
/* Candidates on one page of the bar, by orientation. */
#define KB_PAGE_PORTRAIT 5
#define KB_PAGE_LANDSCAPE 8

/* Sizes of the panel, from the theme. */
struct kb_metrics {
	int key_h;    /* height of one key row */
	int gap;      /* between keys */
	int bar_h;    /* candidate bar */
	int strip_h;  /* composition line above the bar */
	int pad;      /* panel padding */
	int max_w;    /* widest the key area gets */
};

static struct kb_metrics metrics(const struct app *a)
{
	const struct theme *t = ui_theme(a->ui);
	struct kb_metrics m;

	/* Landscape has little height to spare: smaller keys there. */
	m.key_h = theme_px(t, ui_is_landscape(a->ui) ? 76 : 100);
	if (m.key_h < t->touch_min)
		m.key_h = t->touch_min;
	m.gap = t->sp_xs > 4 ? t->sp_xs : 4;
	m.bar_h = m.key_h;
	/* The composition is drawn as a key label (bold, text_button): the
	 * strip holds one such line. */
	m.strip_h = ui_line_height(a->ui, DRAW_FONT_BOLD, t->text_button) + t->sp_xs;
	m.pad = t->sp_sm;
	m.max_w = theme_px(t, 1400);
	return m;
}

int app_kb_height(const struct app *a)
{
	struct kb_metrics m = metrics(a);

	return m.pad * 2 + m.strip_h + m.bar_h + m.gap + KB_ROWS * (m.key_h + m.gap);
}

bool app_kb_open(const struct app *a)
{
	return a->kb_field[0] != '\0';
}

void app_kb_close(struct app *a)
{
	if (!a->kb_field[0])
		return;
	kb_blur(&a->kb);
	a->kb_field[0] = '\0';
	if (a->ui)
		ui_set_focus(a->ui, NULL);
	a->changed = true;
}

int app_field(struct app *a, const char *id, enum msg_id caption, char *buf, size_t size,
	      size_t max_chars, enum kb_field_kind kind, const char *error)
{
	unsigned opts = kind == KB_FIELD_DIGITS || kind == KB_FIELD_PHONE || kind == KB_FIELD_ID
				? UI_OPT_DIGITS : 0u;
	int res = ui_field(a->ui, id, msg(caption), buf, size, msg(MSG_UI_INPUT_HINT), error, opts);

	/* The on-screen keys edit the focused field's buffer through the
	 * keyboard model, not through ui_field: their edits are reported here,
	 * as typed text is, so that a screen sees the change (the form's
	 * unsaved-changes question). */
	if (a->kb_edited && a->kb.text == buf) {
		a->kb_edited = false;
		res |= UI_RES_CHANGE;
	}
	if (res & UI_RES_FOCUS) {
		kb_focus(&a->kb, buf, size, max_chars, kind);
		snprintf(a->kb_field, sizeof(a->kb_field), "%s", id);
		a->changed = true;
	}
	if (res & UI_RES_SUBMIT)
		app_kb_close(a);
	return res;
}

void app_dialog_begin(struct app *a, const char *id, const char *title)
{
	if (app_kb_open(a))
		ui_dialog_reserve(a->ui, app_kb_height(a));
	ui_dialog_begin(a->ui, id, title);
}

/* The widget id of key k into out. */
static void key_id(const struct kb_key *k, char *out, size_t n)
{
	static const struct {
		int32_t id;
		const char *name;
	} fn[] = {
		{ KB_K_BACKSPACE, "backspace" }, { KB_K_SPACE, "space" },
		{ KB_K_ENTER, "enter" },         { KB_K_SHIFT, "shift" },
		{ KB_K_LANG, "lang" },           { KB_K_SYMBOLS, "symbols" },
		{ KB_K_LETTERS, "letters" },
	};
	uint32_t c = (uint32_t)k->id;
	char u[5];
	size_t i;

	for (i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		if (fn[i].id == k->id) {
			snprintf(out, n, "kb.%s", fn[i].name);
			return;
		}
	}
	/* The key's code point as UTF-8 (keys are in the BMP). */
	if (c < 0x80) {
		u[0] = (char)c;
		u[1] = '\0';
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		u[2] = '\0';
	} else {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		u[3] = '\0';
	}
	snprintf(out, n, "kb.%s", u);
}

/* Press key id through the model; keep the frame consistent. */
static void press(struct app *a, int32_t id)
{
	unsigned r = kb_press(&a->kb, id);

	a->changed = true;
	if (r & KB_R_TEXT)
		a->kb_edited = true;
	if (r & KB_R_DONE)
		app_kb_close(a);
}

/* The composition line and the candidate bar in [x, x + w) from y. */
static void candidate_bar(struct app *a, const struct kb_metrics *m, int x, int y, int w)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	size_t i, n = kb_page_count(&a->kb);
	const char *comp = kb_composition(&a->kb);
	int nav_w = ui_text_width(ui, DRAW_FONT_BOLD, t->text_button, msg(MSG_KB_PAGE_NEXT)) +
		    2 * t->sp_md;
	int hide_w = ui_text_width(ui, DRAW_FONT_BOLD, t->text_button, msg(MSG_KB_HIDE)) +
		     2 * t->sp_md;
	int cx = x, avail, cw;
	struct draw_rect r;
	char id[40];

	/* The letters being composed, muted, on their own line. */
	r = (struct draw_rect){ x, y, w, m->strip_h };
	if (*comp)
		ui_key(ui, "kb.composition", comp, r, UI_OPT_DISABLED | UI_OPT_SECONDARY);
	y += m->strip_h;

	if (n == 0) {
		/* No candidates: the bar offers to put the keyboard away. */
		if (ui_key(ui, "kb.hide", msg(MSG_KB_HIDE),
			   (struct draw_rect){ x + w - hide_w, y, hide_w, m->bar_h },
			   UI_OPT_SECONDARY))
			app_kb_close(a);
		return;
	}
	avail = w - 2 * (nav_w + m->gap);
	cw = (avail - (int)(n - 1) * m->gap) / (int)n;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "kb.cand.%zu", i);
		r = (struct draw_rect){ cx, y, cw, m->bar_h };
		if (ui_key(ui, id, kb_page_cand(&a->kb, i), r, UI_OPT_SECONDARY)) {
			if (kb_choose(&a->kb, kb_page_first(&a->kb) + i) & KB_R_TEXT)
				a->kb_edited = true;
			a->changed = true;
		}
		cx += cw + m->gap;
	}
	cx = x + w - 2 * nav_w - m->gap;
	if (ui_key(ui, "kb.prev", msg(MSG_KB_PAGE_PREV), (struct draw_rect){ cx, y, nav_w, m->bar_h },
		   UI_OPT_SECONDARY | (kb_has_prev_page(&a->kb) ? 0u : UI_OPT_DISABLED)))
		press(a, KB_K_PAGE_PREV);
	if (ui_key(ui, "kb.next", msg(MSG_KB_PAGE_NEXT),
		   (struct draw_rect){ cx + nav_w + m->gap, y, nav_w, m->bar_h },
		   UI_OPT_SECONDARY | (kb_has_next_page(&a->kb) ? 0u : UI_OPT_DISABLED)))
		press(a, KB_K_PAGE_NEXT);
}

void app_keyboard(struct app *a)
{
	struct ui *ui = a->ui;
	const struct theme *t = ui_theme(ui);
	struct kb_metrics m = metrics(a);
	int h = app_kb_height(a), cols, rows, w, x0, y0, unit_w, row_h;
	size_t i, n;
	const struct kb_key *keys;
	struct draw_rect panel = { 0, ui->h - h, ui->w, h };

	if (!app_kb_open(a))
		return;
	kb_set_page_size(&a->kb, ui_is_landscape(ui) ? KB_PAGE_LANDSCAPE : KB_PAGE_PORTRAIT);
	ui_dialog_reserve(ui, h); /* toasts and later dialogs stay above the keys */
	ui_panel(ui, panel);
	w = ui->w - 2 * t->margin / 2;
	if (w > m.max_w)
		w = m.max_w;
	x0 = (ui->w - w) / 2;
	y0 = panel.y + m.pad;
	candidate_bar(a, &m, x0, y0, w);
	if (!app_kb_open(a))
		return; /* 收起 */
	y0 += m.strip_h + m.bar_h + m.gap;

	keys = kb_keys(&a->kb, &n);
	kb_grid(&a->kb, &cols, &rows);
	row_h = (KB_ROWS * (m.key_h + m.gap)) / rows;
	unit_w = (w + m.gap) / cols;
	if (rows < KB_ROWS && unit_w > row_h * 9 / 10) {
		/* A digit pad: keys a little wider than tall, centred. */
		unit_w = row_h * 9 / 10;
		x0 = (ui->w - unit_w * cols) / 2;
	}
	for (i = 0; i < n; i++) {
		const struct kb_key *k = &keys[i];
		struct draw_rect r = { x0 + k->x * unit_w, y0 + k->y * row_h,
				       k->w * unit_w - m.gap, k->h * row_h - m.gap };
		unsigned opts = UI_OPT_SECONDARY;
		char id[UI_ID_MAX + 1];

		if (!kb_enabled(&a->kb, k))
			opts |= UI_OPT_DISABLED;
		if (k->id == KB_K_ENTER || kb_active(&a->kb, k))
			opts &= ~(unsigned)UI_OPT_SECONDARY;
		key_id(k, id, sizeof(id));
		if (ui_key(ui, id, kb_caption(&a->kb, k), r, opts)) {
			press(a, k->id);
			if (!app_kb_open(a))
				return;
		}
	}
}
