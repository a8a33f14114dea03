/*
 * ui.c - the immediate-mode UI layer: input in, draw commands and a widget
 * registry out. No SDL here (see ui.h for the model, render.c for pixels).
 *
 * Where to start reading: ui_begin() / ui_end() (one frame), interact()
 * (how a widget decides it was tapped), ui_next() (layout), then the
 * widgets in the order of ui.h. Text wrapping is ui_wrap() at the end.
 *
 * Input rules, in one place:
 *  - a widget becomes "active" when the pointer goes down inside it (and
 *    nothing on top took the press); it is tapped when the pointer comes up
 *    inside it while still active. Released outside: nothing.
 *  - a press inside a scroll view that moves more than a slop distance turns
 *    into a drag: the active widget is dropped, so a drag never taps.
 *  - while a dialog was open in the previous frame, widgets of the screen
 *    layer take no input.
 */
#include "ui.h"

#include <math.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"

/* Time constant of the fling slow-down, ms (about iOS's feel). */
#define FLING_TAU_MS   325.0
/* Slowest fling that keeps moving, px/ms. */
#define FLING_MIN_V    0.02
/* Animation frame period while something moves, ms. */
#define ANIM_MS        16
/* Spinner frame period, ms (it only shows while waiting). */
#define SPIN_MS        33

/* ---- small helpers ---- */

/* FNV-1a of a string; never 0 (0 means "no widget"). */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h ? h : 1;
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static bool inside(struct draw_rect r, int x, int y)
{
	return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static struct draw_rect intersect(struct draw_rect a, struct draw_rect b)
{
	struct draw_rect r;
	int x2 = imin(a.x + a.w, b.x + b.w), y2 = imin(a.y + a.h, b.y + b.h);

	r.x = imax(a.x, b.x);
	r.y = imax(a.y, b.y);
	r.w = imax(0, x2 - r.x);
	r.h = imax(0, y2 - r.y);
	return r;
}

static struct draw_rect rect(int x, int y, int w, int h)
{
	struct draw_rect r = { x, y, w, h };
	return r;
}

/* Copy at most cap-1 bytes of s into dst without splitting a UTF-8 character. */
static void copy_utf8(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

static int text_w(const struct ui *ui, enum draw_font f, int size, const char *s, size_t len)
{
	return len ? ui->m.text_width(ui->m.ctx, f, size, s, len) : 0;
}

static int line_h(const struct ui *ui, enum draw_font f, int size)
{
	return ui->m.line_height(ui->m.ctx, f, size);
}

static const struct theme_ink *ink(const struct ui *ui, enum theme_ink_id id)
{
	return &ui->theme.ink[id];
}

/* ---- draw commands ---- */

/* A zeroed command on the current layer, or NULL when the list is full. */
static struct draw_cmd *push(struct ui *ui, enum draw_op op)
{
	struct draw_cmd *c;

	if (ui->dl.n >= DRAW_CMDS_MAX) {
		ui->dl.overflow++;
		return NULL;
	}
	c = &ui->dl.cmds[ui->dl.n++];
	memset(c, 0, sizeof(*c));
	c->op = (uint8_t)op;
	c->layer = (uint8_t)ui->layer;
	return c;
}

static void fill(struct ui *ui, struct draw_rect r, struct draw_color col)
{
	struct draw_cmd *c;

	if (r.w <= 0 || r.h <= 0 || !(c = push(ui, DRAW_RECT)))
		return;
	c->rect = r;
	c->color = col;
}

/* A rounded fill; returns its command index (for patching) or -1. */
static int rfill(struct ui *ui, struct draw_rect r, int radius, struct draw_color col)
{
	struct draw_cmd *c = push(ui, DRAW_RRECT);

	if (!c)
		return -1;
	c->rect = r;
	c->color = col;
	c->u.radius = radius;
	return ui->dl.n - 1;
}

/* A rounded box with an outline of width bw (drawn as two fills). */
static void rbox(struct ui *ui, struct draw_rect r, int radius, struct draw_color bg,
		 struct draw_color line, int bw)
{
	if (bw > 0) {
		rfill(ui, r, radius, line);
		r = rect(r.x + bw, r.y + bw, r.w - 2 * bw, r.h - 2 * bw);
		radius = imax(0, radius - bw);
	}
	rfill(ui, r, radius, bg);
}

/* One line of text with its top-left at (x, y). */
static void text_at(struct ui *ui, int x, int y, enum draw_font f, int size,
		    struct draw_color col, const char *s, size_t len)
{
	struct draw_cmd *c;

	if (len == 0)
		return;
	if (ui->dl.text_len + len + 1 > DRAW_TEXT_MAX) {
		ui->dl.overflow++;
		return;
	}
	if (!(c = push(ui, DRAW_TEXT)))
		return;
	c->rect = rect(x, y, text_w(ui, f, size, s, len), line_h(ui, f, size));
	c->color = col;
	c->u.text.font = (uint8_t)f;
	c->u.text.size = (uint16_t)size;
	c->u.text.off = ui->dl.text_len;
	c->u.text.len = (uint32_t)len;
	memcpy(ui->dl.text + ui->dl.text_len, s, len);
	ui->dl.text[ui->dl.text_len + len] = '\0';
	ui->dl.text_len += (uint32_t)len + 1;
}

/* One line of text centred in r (vertically, and horizontally if center). */
static void text_in(struct ui *ui, struct draw_rect r, enum draw_font f, int size,
		    struct draw_color col, const char *s, enum ui_align align)
{
	size_t len = strlen(s);
	int w = text_w(ui, f, size, s, len), h = line_h(ui, f, size);
	int x = r.x;

	if (align == UI_ALIGN_CENTER)
		x = r.x + (r.w - w) / 2;
	else if (align == UI_ALIGN_RIGHT)
		x = r.x + r.w - w;
	text_at(ui, x, r.y + (r.h - h) / 2, f, size, col, s, len);
}

static void arc(struct ui *ui, struct draw_rect box, int thickness, int start, int sweep,
		bool caps, struct draw_color col)
{
	struct draw_cmd *c = push(ui, DRAW_ARC);

	if (!c)
		return;
	c->rect = box;
	c->color = col;
	c->u.arc.thickness = (int16_t)thickness;
	c->u.arc.start = (int16_t)start;
	c->u.arc.sweep = (int16_t)sweep;
	c->u.arc.round_caps = caps;
}

/* A straight stroke from (x1, y1) to (x2, y2) with round ends. */
static void line(struct ui *ui, int x1, int y1, int x2, int y2, int thickness,
		 struct draw_color col)
{
	struct draw_cmd *c = push(ui, DRAW_LINE);

	if (!c)
		return;
	c->rect = rect(x1, y1, x2, y2);
	c->color = col;
	c->u.arc.thickness = (int16_t)thickness;
	c->u.arc.round_caps = 1;
}

/* Set the clip of the current layer to r (emits only on change). */
static void set_clip(struct ui *ui, struct draw_rect r)
{
	struct draw_cmd *c;

	if (!memcmp(&r, &ui->clip, sizeof(r)))
		return;
	ui->clip = r;
	if ((c = push(ui, DRAW_CLIP)))
		c->rect = r;
}

static struct draw_rect screen_rect(const struct ui *ui)
{
	return rect(0, 0, ui->w, ui->h);
}

/* ---- registry ---- */

/* Record a widget of this frame; returns it (or NULL when full). */
static struct ui_widget *reg(struct ui *ui, const char *id, const char *label,
			     enum ui_kind kind, struct draw_rect r, unsigned opts)
{
	struct ui_widget *w;

	if (ui->nwidgets >= UI_WIDGETS_MAX) {
		ui->widgets_dropped++;
		return NULL;
	}
	w = &ui->widgets[ui->nwidgets++];
	memset(w, 0, sizeof(*w));
	copy_utf8(w->id, sizeof(w->id), id ? id : label);
	copy_utf8(w->label, sizeof(w->label), label);
	w->kind = (uint8_t)kind;
	w->layer = (uint8_t)ui->layer;
	w->rect = intersect(r, ui->clip);
	w->visible = w->rect.w > 0 && w->rect.h > 0;
	w->enabled = !(opts & UI_OPT_DISABLED);
	w->opts = opts;
	return w;
}

bool ui_tappable(const struct ui_widget *w)
{
	return w && w->enabled && w->visible && !w->blocked && w->kind != UI_KIND_TEXT &&
	       w->kind != UI_KIND_OTHER && w->kind != UI_KIND_QR && w->layer < 2;
}

/* Better match for a script: tappable, then higher layer, then later. */
static const struct ui_widget *better(const struct ui_widget *best, const struct ui_widget *w)
{
	if (!best)
		return w;
	if (ui_tappable(w) != ui_tappable(best))
		return ui_tappable(w) ? w : best;
	if (w->visible != best->visible)
		return w->visible ? w : best;
	if (w->layer != best->layer)
		return w->layer > best->layer ? w : best;
	return w;
}

/* The best (see better) widget whose id (by_id) or label is key, or NULL. */
static const struct ui_widget *find_best(const struct ui *ui, const char *key, bool by_id)
{
	const struct ui_widget *best = NULL;
	int i;

	for (i = 0; i < ui->nwidgets; i++)
		if (!strcmp(by_id ? ui->widgets[i].id : ui->widgets[i].label, key))
			best = better(best, &ui->widgets[i]);
	return best;
}

const struct ui_widget *ui_find_label(const struct ui *ui, const char *label)
{
	return find_best(ui, label, false);
}

const struct ui_widget *ui_find_id(const struct ui *ui, const char *id)
{
	return find_best(ui, id, true);
}

bool ui_text_visible(const struct ui *ui, const char *text)
{
	int i;

	for (i = 0; i < ui->nwidgets; i++) {
		const struct ui_widget *w = &ui->widgets[i];

		if (!w->visible)
			continue;
		if (strstr(w->label, text) || (w->kind == UI_KIND_FIELD && strstr(w->value, text)))
			return true;
	}
	return false;
}

void ui_widget_center(const struct ui_widget *w, int *x, int *y)
{
	*x = w->rect.x + w->rect.w / 2;
	*y = w->rect.y + w->rect.h / 2;
}

const struct ui_widget *ui_widgets(const struct ui *ui, int *n)
{
	*n = ui->nwidgets;
	return ui->widgets;
}

const struct ui_widget *ui_focused(const struct ui *ui)
{
	int i;

	for (i = 0; i < ui->nwidgets; i++)
		if (ui->widgets[i].focused)
			return &ui->widgets[i];
	return NULL;
}

void ui_set_focus(struct ui *ui, const char *id)
{
	ui->focus = id ? hash_str(id) : 0;
	ui->force = true;
}

/* ---- input ---- */

void ui_input_pointer(struct ui *ui, enum ui_pointer ev, int x, int y)
{
	if (ev != UI_POINTER_CANCEL) {
		ui->in.x = x;
		ui->in.y = y;
	}
	if (ev == UI_POINTER_DOWN) {
		ui->in.down = true;
		ui->in.pressed = true;
		ui->in.px = x;
		ui->in.py = y;
	} else if (ev == UI_POINTER_UP) {
		ui->in.down = false;
		ui->in.released = true;
		ui->in.rx = x;
		ui->in.ry = y;
	} else if (ev == UI_POINTER_CANCEL) {
		/* Its release was lost: nothing is tapped, a drag stops. */
		ui->in.down = false;
		ui->in.pressed = false;
		ui->in.released = false;
		ui->active = 0;
		ui->dragging = false;
		ui->drag_scroll = -1;
	}
}

void ui_input_text(struct ui *ui, const char *utf8)
{
	for (; *utf8; utf8++) {
		if ((uint8_t)*utf8 < 0x20 || *utf8 == 0x7F)
			continue;
		if (ui->in.text_len + 1 >= sizeof(ui->in.text))
			break;
		ui->in.text[ui->in.text_len++] = *utf8;
	}
	ui->in.text[ui->in.text_len] = '\0';
}

void ui_input_key(struct ui *ui, enum ui_key key)
{
	/* Keys travel in the text stream as \b and \r, so that the order of
	 * typing and deleting is kept. */
	if (ui->in.text_len + 1 >= sizeof(ui->in.text))
		return;
	if (key == UI_KEY_BACKSPACE)
		ui->in.text[ui->in.text_len++] = '\b';
	else if (key == UI_KEY_ENTER)
		ui->in.text[ui->in.text_len++] = '\r';
	ui->in.text[ui->in.text_len] = '\0';
}

void ui_input_wheel(struct ui *ui, int dy)
{
	ui->in.wheel += dy;
}

/* Does widget id (at r, on the current layer) take a tap? *down: shown pressed. */
static bool interact(struct ui *ui, uint32_t id, struct draw_rect r, bool enabled, bool *down)
{
	struct draw_rect vis = intersect(r, ui->clip);
	bool blocked = ui->layer == 0 && ui->modal_prev;

	*down = false;
	if (!enabled || blocked)
		return false;
	if (ui->in.pressed && !ui->consumed && inside(vis, ui->in.px, ui->in.py)) {
		ui->active = id;
		ui->consumed = true;
	}
	if (ui->active != id || ui->dragging)
		return false;
	*down = ui->in.down && inside(vis, ui->in.x, ui->in.y);
	return ui->in.released && inside(vis, ui->in.rx, ui->in.ry);
}

/* ---- lifecycle and frames ---- */

struct ui *ui_new(int w, int h, const struct ui_metrics *m)
{
	struct ui *ui = calloc(1, sizeof(*ui));

	if (!ui)
		return NULL;
	ui->m = *m;
	ui->drag_scroll = -1;
	ui->last_hash = 0;
	ui->force = true;
	ui_resize(ui, w, h);
	return ui;
}

void ui_free(struct ui *ui)
{
	free(ui); /* zeroed as it is freed in the kiosk (zfree.c) */
}

void ui_forget(struct ui *ui)
{
	struct theme theme = ui->theme;
	struct ui_metrics m = ui->m;
	int w = ui->w, h = ui->h, x = ui->in.x, y = ui->in.y;
	int64_t now_ms = ui->now_ms, frame = ui->frame, toast_until = ui->toast_until;
	char toast[UI_TOAST_MAX + 1];

	/* A toast is a catalog text (ui_toast's callers), never a person's
	 * data: the one that says 已退出 outlives the session it reports. */
	memcpy(toast, ui->toast, sizeof(toast));
	explicit_bzero(ui, sizeof(*ui));
	memcpy(ui->toast, toast, sizeof(toast));
	ui->toast_until = toast_until;
	ui->theme = theme;
	ui->m = m;
	ui->w = w;
	ui->h = h;
	ui->in.x = x;
	ui->in.y = y;
	ui->now_ms = now_ms;
	ui->frame = frame;
	ui->drag_scroll = -1;
	ui->deadline = INT64_MAX;
	ui->force = true;
}

void ui_resize(struct ui *ui, int w, int h)
{
	ui->w = w;
	ui->h = h;
	theme_init(&ui->theme, w, h);
	ui->force = true;
}

const struct theme *ui_theme(const struct ui *ui)
{
	return &ui->theme;
}

bool ui_is_landscape(const struct ui *ui)
{
	return ui->w > ui->h;
}

/* Push a layout frame over body. */
static struct ui_layout *push_layout(struct ui *ui, struct draw_rect body, bool on_card, int gap)
{
	struct ui_layout *l;

	if (ui->nlayouts >= UI_LAYOUT_DEPTH) {
		/* Programmer error (nesting too deep): keep drawing into the top. */
		fprintf(stderr, "%s:%d: ui layout stack full\n", __FILE__, __LINE__);
		return &ui->layouts[ui->nlayouts - 1];
	}
	l = &ui->layouts[ui->nlayouts++];
	memset(l, 0, sizeof(*l));
	l->body = body;
	l->y = body.y;
	l->max_y = body.y;
	l->gap = gap;
	l->on_card = on_card;
	l->patch = -1;
	l->scroll = -1;
	l->dialog = -1;
	l->clip_saved = ui->clip;
	return l;
}

static struct ui_layout *top(struct ui *ui)
{
	return &ui->layouts[ui->nlayouts - 1];
}

static void pop_layout(struct ui *ui)
{
	if (ui->nlayouts > 1)
		ui->nlayouts--;
}

void ui_begin(struct ui *ui, int64_t now_ms)
{
	const struct theme *t = &ui->theme;

	ui->now_ms = now_ms;
	ui->frame++;
	ui->dl.n = 0;
	ui->dl.text_len = 0;
	ui->dl.bits_len = 0;
	ui->dl.overflow = 0;
	ui->nwidgets = 0;
	ui->widgets_dropped = 0;
	ui->consumed = false;
	ui->layer = 0;
	ui->modal_prev = ui->modal_now;
	ui->modal_now = false;
	ui->clip = screen_rect(ui);
	ui->deadline = INT64_MAX;
	ui->rerun = false;
	ui->footer = rect(0, 0, 0, 0);
	ui->dialog_reserve = 0;
	ui->nlayouts = 0;
	push_layout(ui, rect(t->margin, t->margin, ui->w - 2 * t->margin, ui->h - 2 * t->margin),
		    false, t->sp_lg);
}

/* Draw the toast, if one is due, on the top layer. */
static void draw_toast(struct ui *ui)
{
	const struct theme *t = &ui->theme;
	const struct theme_ink *k = ink(ui, THEME_INK_TOAST);
	struct ui_line lines[4];
	int n, i, lh, w = 0, h, x, y, maxw, bottom;

	if (!ui->toast[0])
		return;
	if (ui->now_ms >= ui->toast_until) {
		ui->toast[0] = '\0';
		return;
	}
	ui_wake_at(ui, ui->toast_until);
	ui->layer = 2;
	ui->clip = screen_rect(ui);
	maxw = imin(ui->w - 2 * t->margin, t->dialog_w) - 2 * t->sp_xl;
	n = ui_wrap(ui, DRAW_FONT_REGULAR, t->text_body, ui->toast, maxw, lines, 4);
	lh = line_h(ui, DRAW_FONT_REGULAR, t->text_body);
	for (i = 0; i < n; i++)
		w = imax(w, lines[i].width);
	w += 2 * t->sp_xl;
	h = n * lh + 2 * t->sp_md;
	bottom = ui->footer.h ? ui->footer.y : ui->h;
	bottom = imin(bottom, ui->h - ui->dialog_reserve); /* above a keyboard */
	x = (ui->w - w) / 2;
	y = bottom - t->sp_xl - h;
	rfill(ui, rect(x, y, w, h), imin(h / 2, t->radius * 2), k->bg);
	for (i = 0; i < n; i++) {
		const char *s = ui->toast + lines[i].off;
		text_at(ui, x + (w - lines[i].width) / 2, y + t->sp_md + i * lh,
			DRAW_FONT_REGULAR, t->text_body, k->fg, s, (size_t)lines[i].len);
	}
	reg(ui, "toast", ui->toast, UI_KIND_TEXT, rect(x, y, w, h), 0);
	ui->layer = 0;
}

bool ui_end(struct ui *ui)
{
	uint64_t h = DRAW_HASH_SEED;
	bool focus_seen = false, dirty;
	int i;

	draw_toast(ui);

	for (i = 0; i < ui->nwidgets; i++) {
		struct ui_widget *w = &ui->widgets[i];

		w->blocked = ui->modal_now && w->layer == 0;
		if (w->focused)
			focus_seen = true;
	}
	/* A focused field that is no longer on screen loses the focus. */
	if (!focus_seen && ui->focus) {
		ui->focus = 0;
		ui->rerun = true;
	}

	/* The input of this frame is used up. */
	if (ui->in.released) {
		ui->active = 0;
		ui->dragging = false;
		ui->drag_scroll = -1;
	}
	ui->in.pressed = false;
	ui->in.released = false;
	ui->in.text_len = 0;
	ui->in.text[0] = '\0';
	ui->in.wheel = 0;
	if (ui->modal_now != ui->modal_prev)
		ui->rerun = true;

	h = draw_hash(h, ui->dl.cmds, (size_t)ui->dl.n * sizeof(ui->dl.cmds[0]));
	h = draw_hash(h, ui->dl.text, ui->dl.text_len);
	h = draw_hash(h, ui->dl.bits, ui->dl.bits_len);
	ui->hash = h;
	dirty = ui->force || h != ui->last_hash;
	if (dirty)
		ui->last_hash = h;
	ui->force = false;
	return dirty;
}

bool ui_rerun(const struct ui *ui)
{
	return ui->rerun;
}

void ui_invalidate(struct ui *ui)
{
	ui->force = true;
}

const struct draw_list *ui_draw_list(const struct ui *ui)
{
	return &ui->dl;
}

int64_t ui_next_deadline(const struct ui *ui)
{
	return ui->deadline == INT64_MAX ? -1 : ui->deadline;
}

void ui_wake_at(struct ui *ui, int64_t t_ms)
{
	if (t_ms < ui->deadline)
		ui->deadline = t_ms;
}

/* ---- layout ---- */

/* Width of the cell ui_next will give. */
static int next_w(struct ui *ui)
{
	struct ui_layout *l = top(ui);

	return l->row_n > 0 ? l->row_w[l->row_i] : l->body.w;
}

struct draw_rect ui_next(struct ui *ui, int h)
{
	struct ui_layout *l = top(ui);
	struct draw_rect r;

	if (l->row_n > 0) {
		int i = l->row_i++;

		r = rect(l->row_x[i], l->y, l->row_w[i], l->row_h ? l->row_h : h);
		l->row_bottom = imax(l->row_bottom, r.y + r.h);
		if (l->row_i >= l->row_n) {
			l->row_n = 0;
			l->max_y = imax(l->max_y, l->row_bottom);
			l->y = l->row_bottom + l->gap;
		}
		return r;
	}
	r = rect(l->body.x, l->y, l->body.w, h);
	l->y += h + l->gap;
	l->max_y = imax(l->max_y, r.y + h);
	return r;
}

void ui_row(struct ui *ui, int n, const int *widths, int h)
{
	struct ui_layout *l = top(ui);
	int gap = ui->theme.sp_md, fixed = 0, shares = 0, i, x, left, share;

	if (n < 1)
		return;
	if (n > UI_ROW_MAX)
		n = UI_ROW_MAX;
	for (i = 0; i < n; i++) {
		if (widths && widths[i] > 0)
			fixed += widths[i];
		else
			shares++;
	}
	left = l->body.w - fixed - gap * (n - 1);
	share = shares ? imax(0, left) / shares : 0;
	x = l->body.x;
	for (i = 0; i < n; i++) {
		int w = widths && widths[i] > 0 ? widths[i] : share;

		/* The last shared cell takes the rounding remainder. */
		if (i == n - 1 && !(widths && widths[i] > 0))
			w = l->body.x + l->body.w - x;
		l->row_x[i] = x;
		l->row_w[i] = w;
		x += w + gap;
	}
	l->row_n = n;
	l->row_i = 0;
	l->row_h = h;
	l->row_bottom = l->y;
}

void ui_space(struct ui *ui, int px)
{
	top(ui)->y += px;
}

struct draw_rect ui_remaining(const struct ui *ui)
{
	const struct ui_layout *l = &ui->layouts[ui->nlayouts - 1];

	return rect(l->body.x, l->y, l->body.w, imax(0, l->body.y + l->body.h - l->y));
}

/* The content column for this screen: one rule for both orientations. */
static struct draw_rect column(const struct ui *ui, int y, int bottom)
{
	const struct theme *t = &ui->theme;
	int w = imin(ui->w - 2 * t->margin, t->column_max);

	return rect((ui->w - w) / 2, y, w, imax(0, bottom - y));
}

bool ui_screen_begin(struct ui *ui, const char *title, unsigned flags)
{
	const struct theme *t = &ui->theme;
	const struct theme_ink *hk = ink(ui, THEME_INK_HEADER);
	struct draw_rect bar = rect(0, 0, ui->w, t->header_h);
	int bottom = ui->h;
	bool back = false;

	fill(ui, screen_rect(ui), t->page);
	fill(ui, bar, hk->bg);
	text_in(ui, bar, DRAW_FONT_BOLD, t->text_title * 6 / 7, hk->fg, title, UI_ALIGN_CENTER);
	reg(ui, "title", title, UI_KIND_TEXT, bar, 0);
	if (flags & UI_SCREEN_BACK) {
		const char *label = msg(MSG_UI_BACK);
		int pad = t->sp_md, chev = t->text_title / 4;
		int lw = text_w(ui, DRAW_FONT_REGULAR, t->text_body, label, strlen(label));
		struct draw_rect b = rect(t->margin / 2, (t->header_h - t->touch_min - t->sp_sm) / 2,
					  lw + 2 * pad + chev * 2 + t->sp_sm, t->touch_min + t->sp_sm);
		bool down;

		back = interact(ui, hash_str("back"), b, true, &down);
		if (down)
			rfill(ui, b, t->radius_sm, ink(ui, THEME_INK_PRIMARY_DOWN)->bg);
		/* "<" as two rounded strokes. */
		{
			int cx = b.x + pad, cy = b.y + b.h / 2, th = imax(3, t->border_w * 2);

			line(ui, cx + chev, cy - chev, cx, cy, th, hk->fg);
			line(ui, cx, cy, cx + chev, cy + chev, th, hk->fg);
		}
		text_in(ui, rect(b.x + pad + chev * 2 + t->sp_sm, b.y, lw, b.h), DRAW_FONT_REGULAR,
			t->text_body, hk->fg, label, UI_ALIGN_LEFT);
		reg(ui, "back", label, UI_KIND_BUTTON, b, 0);
	}
	if (flags & UI_SCREEN_FOOTER) {
		ui->footer = rect(0, ui->h - t->footer_h, ui->w, t->footer_h);
		fill(ui, ui->footer, t->card);
		fill(ui, rect(0, ui->footer.y, ui->w, t->border_w), t->border);
		bottom = ui->footer.y;
	}
	ui->nlayouts = 0;
	push_layout(ui, column(ui, t->header_h + t->sp_xl, bottom - t->sp_xl), false, t->sp_lg);
	return back;
}

void ui_footer_begin(struct ui *ui)
{
	const struct theme *t = &ui->theme;
	struct draw_rect c;

	if (!ui->footer.h)
		ui->footer = rect(0, ui->h - t->footer_h, ui->w, t->footer_h);
	c = column(ui, ui->footer.y + (ui->footer.h - t->button_h) / 2,
		   ui->footer.y + (ui->footer.h + t->button_h) / 2);
	push_layout(ui, c, true, 0);
}

void ui_footer_end(struct ui *ui)
{
	pop_layout(ui);
}

void ui_column_begin(struct ui *ui)
{
	struct ui_layout *p = top(ui);
	int x = p->row_n > 0 ? p->row_x[p->row_i] : p->body.x, w = next_w(ui);

	push_layout(ui, rect(x, p->y, w, imax(0, p->body.y + p->body.h - p->y)), p->on_card,
		    p->gap);
}

void ui_column_end(struct ui *ui)
{
	struct ui_layout *l = top(ui);
	int h = l->max_y - l->body.y;

	pop_layout(ui);
	ui_next(ui, h);
}

void ui_card_begin(struct ui *ui)
{
	const struct theme *t = &ui->theme;
	struct ui_layout *p = top(ui), *l;
	int pad = t->sp_xl;
	int idx = rfill(ui, rect(p->body.x, p->y, p->body.w, 0), t->radius, t->card);

	l = push_layout(ui, rect(p->body.x + pad, p->y + pad, p->body.w - 2 * pad,
				 imax(0, p->body.y + p->body.h - p->y - 2 * pad)),
			true, t->sp_lg);
	l->patch = idx;
}

void ui_card_end(struct ui *ui)
{
	struct ui_layout *l = top(ui);
	int pad = ui->theme.sp_xl, h = l->max_y - l->body.y + 2 * pad;

	if (l->patch >= 0)
		ui->dl.cmds[l->patch].rect.h = h;
	pop_layout(ui);
	ui_next(ui, h);
}

/* The scroll state for id (allocating the least recently used slot). */
static int scroll_slot(struct ui *ui, uint32_t id)
{
	int i, lru = 0;

	for (i = 0; i < UI_SCROLLS_MAX; i++) {
		if (ui->scrolls[i].id == id)
			return i;
		if (ui->scrolls[i].used_frame < ui->scrolls[lru].used_frame)
			lru = i;
	}
	memset(&ui->scrolls[lru], 0, sizeof(ui->scrolls[lru]));
	ui->scrolls[lru].id = id;
	ui->scrolls[lru].last_ms = ui->now_ms;
	return lru;
}

void ui_scroll_begin(struct ui *ui, const char *id, int h)
{
	struct ui_layout *p = top(ui), *l;
	struct draw_rect view = ui_next(ui, h > 0 ? h : ui_remaining(ui).h);
	int idx = scroll_slot(ui, hash_str(id));
	struct ui_scroll *s = &ui->scrolls[idx];
	bool blocked = ui->layer == 0 && ui->modal_prev;
	int slop = ui->theme.sp_sm;
	double maxoff, dt;
	bool on_card = p->on_card;

	s->used_frame = ui->frame;
	s->view_h = view.h;
	/* The limit of this frame's view: a view that just got shorter (a
	 * keyboard opened) must not keep last frame's limit for a frame. */
	maxoff = imax(0, s->content_h - s->view_h);
	dt = (double)(ui->now_ms - s->last_ms);
	if (dt < 0)
		dt = 0;

	if (!blocked && ui->in.wheel && inside(view, ui->in.x, ui->in.y)) {
		s->offset += ui->in.wheel;
		s->velocity = 0;
	}
	if (!blocked && ui->in.pressed && inside(intersect(view, ui->clip), ui->in.px, ui->in.py)) {
		ui->drag_scroll = idx;
		ui->drag_start_y = ui->in.py;
		ui->drag_y = ui->in.py;
		s->velocity = 0; /* a touch catches a fling */
		s->move_ms = ui->now_ms;
	}
	if (ui->drag_scroll == idx && (ui->in.down || ui->in.released)) {
		int y = ui->in.released ? ui->in.ry : ui->in.y;

		if (!ui->dragging && abs(y - ui->drag_start_y) > slop) {
			ui->dragging = true;
			ui->active = 0;
		}
		if (ui->dragging && y != ui->drag_y) {
			double mdt = (double)(ui->now_ms - s->move_ms), inst;

			if (mdt < 1)
				mdt = 1;
			inst = -(double)(y - ui->drag_y) / mdt;
			s->velocity = mdt > 100 ? inst : 0.6 * inst + 0.4 * s->velocity;
			s->offset -= y - ui->drag_y;
			s->move_ms = ui->now_ms;
			ui->drag_y = y;
		}
		if (ui->in.released && ui->now_ms - s->move_ms > 80)
			s->velocity = 0; /* the finger stopped before lifting */
		if (!ui->dragging && ui->in.released)
			s->velocity = 0;
	} else if (s->velocity != 0) {
		s->offset += s->velocity * dt;
		s->velocity *= exp(-dt / FLING_TAU_MS);
		if (fabs(s->velocity) < FLING_MIN_V)
			s->velocity = 0;
	}
	if (s->offset < 0) {
		s->offset = 0;
		s->velocity = 0;
	}
	if (s->offset > maxoff) {
		s->offset = maxoff;
		s->velocity = 0;
	}
	if (s->velocity != 0)
		ui_wake_at(ui, ui->now_ms + ANIM_MS);
	s->last_ms = ui->now_ms;

	l = push_layout(ui, rect(view.x, view.y - (int)lround(s->offset), view.w, 1 << 20),
			on_card, p->gap);
	l->scroll = idx;
	l->clip_saved = ui->clip;
	/* Content is clipped to the view; ui_scroll_end reads the view back
	 * from the clip. */
	set_clip(ui, intersect(view, ui->clip));
}

void ui_scroll_end(struct ui *ui)
{
	struct ui_layout *l = top(ui);
	struct ui_scroll *s;
	struct draw_rect view = ui->clip;
	int content;

	if (l->scroll < 0)
		return;
	s = &ui->scrolls[l->scroll];
	content = l->max_y - l->body.y;
	if (content != s->content_h) {
		s->content_h = content;
		ui->rerun = true;
	}
	/* A thin position bar while the content is taller than the view. */
	if (content > view.h && view.h > 0) {
		const struct theme *t = &ui->theme;
		int bw = imax(4, t->sp_xs * 3 / 4);
		int th = imax(t->touch_min, view.h * view.h / content);
		int range = imax(1, content - view.h);
		int ty = view.y + (int)((double)(view.h - th) * s->offset / range);

		/* In the margin right of the column, outside the content. */
		set_clip(ui, l->clip_saved);
		rfill(ui, rect(view.x + view.w + t->sp_sm, ty, bw, th), bw / 2, t->field_border);
	}
	set_clip(ui, l->clip_saved);
	pop_layout(ui);
}

/* The scrolls[] index of id, or -1 when it has no state. */
static int scroll_find(const struct ui *ui, const char *id)
{
	uint32_t h = hash_str(id);
	int i;

	for (i = 0; i < UI_SCROLLS_MAX; i++)
		if (ui->scrolls[i].id == h)
			return i;
	return -1;
}

void ui_scroll_by(struct ui *ui, const char *id, int px)
{
	int i = scroll_find(ui, id);

	if (i < 0)
		return;
	ui->scrolls[i].offset += px; /* ui_scroll_begin clamps it */
	ui->scrolls[i].velocity = 0;
	ui_invalidate(ui);
}

bool ui_scroll_at_end(const struct ui *ui, const char *id)
{
	int i = scroll_find(ui, id);
	const struct ui_scroll *s;

	if (i < 0)
		return false;
	s = &ui->scrolls[i];
	if (s->content_h <= 0 || s->view_h <= 0)
		return false;
	return s->offset + 1.0 >= (double)(s->content_h - s->view_h);
}

/* ---- widgets ---- */

bool ui_button(struct ui *ui, const char *label)
{
	return ui_button_ex(ui, NULL, label, 0);
}

/* A button at r: the body of ui_button_ex and ui_key. */
static bool button_at(struct ui *ui, const char *id, const char *label, struct draw_rect r,
		      unsigned opts, int text_size)
{
	const struct theme *t = &ui->theme;
	bool enabled = !(opts & UI_OPT_DISABLED), down, hit;
	enum theme_ink_id ki;
	const struct theme_ink *k;

	hit = interact(ui, hash_str(id ? id : label), r, enabled, &down);
	if (!enabled)
		ki = THEME_INK_DISABLED;
	else if (opts & UI_OPT_DANGER)
		ki = THEME_INK_DANGER;
	else if (opts & UI_OPT_SECONDARY)
		ki = down ? THEME_INK_SECONDARY_DOWN : THEME_INK_SECONDARY;
	else
		ki = down ? THEME_INK_PRIMARY_DOWN : THEME_INK_PRIMARY;
	k = ink(ui, ki);
	if (ki == THEME_INK_SECONDARY || ki == THEME_INK_SECONDARY_DOWN)
		rbox(ui, r, t->radius_sm, k->bg, t->focus, t->border_w);
	else if (ki == THEME_INK_DANGER && down)
		rbox(ui, r, t->radius_sm, k->bg, ink(ui, THEME_INK_PRIMARY_DOWN)->bg, t->focus_w);
	else
		rfill(ui, r, t->radius_sm, k->bg);
	text_in(ui, r, DRAW_FONT_BOLD, text_size, k->fg, label, UI_ALIGN_CENTER);
	reg(ui, id, label, UI_KIND_BUTTON, r, opts);
	return hit;
}

bool ui_button_ex(struct ui *ui, const char *id, const char *label, unsigned opts)
{
	const struct theme *t = &ui->theme;
	struct draw_rect r = ui_next(ui, t->button_h);

	if (opts & UI_OPT_FIT) {
		int w = text_w(ui, DRAW_FONT_BOLD, t->text_button, label, strlen(label)) + 2 * t->sp_xl;

		r.w = imin(r.w, imax(w, 3 * t->touch_min));
	}
	return button_at(ui, id, label, r, opts, t->text_button);
}

bool ui_key(struct ui *ui, const char *id, const char *label, struct draw_rect r, unsigned opts)
{
	return button_at(ui, id, label, r, opts, ui->theme.text_button);
}

void ui_panel(struct ui *ui, struct draw_rect r)
{
	const struct theme *t = &ui->theme;

	fill(ui, r, t->page);
	fill(ui, rect(r.x, r.y, r.w, t->border_w), t->border);
}

int ui_text_width(const struct ui *ui, enum draw_font font, int size, const char *s)
{
	return text_w(ui, font, size, s, strlen(s));
}

int ui_line_height(const struct ui *ui, enum draw_font font, int size)
{
	return line_h(ui, font, size);
}

/* Remove the last UTF-8 character of buf. */
static bool erase_last(char *buf)
{
	size_t n = strlen(buf);

	if (!n)
		return false;
	while (n > 0 && ((uint8_t)buf[n - 1] & 0xC0) == 0x80)
		n--;
	if (n > 0)
		n--;
	buf[n] = '\0';
	return true;
}

/* Append whole characters of s to buf (size cap) while they fit. */
static bool append_utf8(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf), i = 0;
	bool changed = false;

	while (s[i]) {
		size_t clen = 1;
		uint8_t c = (uint8_t)s[i];

		if (c >= 0xF0)
			clen = 4;
		else if (c >= 0xE0)
			clen = 3;
		else if (c >= 0xC0)
			clen = 2;
		if (strnlen(s + i, clen) < clen || n + clen + 1 > cap)
			break;
		memcpy(buf + n, s + i, clen);
		n += clen;
		i += clen;
		changed = true;
	}
	buf[n] = '\0';
	return changed;
}

/* Whether line starts a paragraph (follows a '\n'): it gets extra space. */
static bool new_paragraph(const char *s, const struct ui_line *line)
{
	return line->off > 0 && s[line->off - 1] == '\n';
}

/* Height of wrapped text in font/size over width w. */
static int wrapped_h(const struct ui *ui, enum draw_font f, int size, const char *s, int w,
		     struct ui_line *lines, int *n)
{
	int i, h;

	*n = ui_wrap(ui, f, size, s, w, lines, UI_LINES_MAX);
	if (*n == 0)
		return 0;
	h = *n * line_h(ui, f, size) + (*n - 1) * ui->theme.line_gap;
	for (i = 1; i < *n; i++)
		if (new_paragraph(s, &lines[i]))
			h += ui->theme.sp_md;
	return h;
}

/* Draw lines of s (from ui_wrap) from (x, y) in a box of width w. */
static void draw_lines(struct ui *ui, const char *s, const struct ui_line *lines, int n,
		       int x, int y, int w, enum draw_font f, int size, struct draw_color col,
		       enum ui_align align)
{
	int lh = line_h(ui, f, size) + ui->theme.line_gap, i;

	for (i = 0; i < n; i++) {
		int lx = x;

		if (i > 0 && new_paragraph(s, &lines[i]))
			y += ui->theme.sp_md;

		if (align == UI_ALIGN_CENTER)
			lx = x + (w - lines[i].width) / 2;
		else if (align == UI_ALIGN_RIGHT)
			lx = x + w - lines[i].width;
		text_at(ui, lx, y + i * lh, f, size, col, s + lines[i].off, (size_t)lines[i].len);
	}
}

int ui_field(struct ui *ui, const char *id, const char *caption, char *buf, size_t bufsz,
	     const char *placeholder, const char *error, unsigned opts)
{
	const struct theme *t = &ui->theme;
	bool on_card = top(ui)->on_card, enabled = !(opts & UI_OPT_DISABLED), down, focused;
	const struct theme_ink *cap_k = ink(ui, on_card ? THEME_INK_CARD : THEME_INK_PAGE);
	const struct theme_ink *err_k = ink(ui, on_card ? THEME_INK_ERROR_CARD : THEME_INK_ERROR);
	const struct theme_ink *val_k = ink(ui, THEME_INK_CARD);
	const struct theme_ink *ph_k = ink(ui, THEME_INK_PLACEHOLDER);
	struct ui_line elines[UI_LINES_MAX];
	int cap_h = 0, err_h = 0, en = 0, res = 0, pad = t->sp_md, lh, vw, tx, inner_w;
	uint32_t hid = hash_str(id);
	struct draw_rect r, box, inner, saved;
	struct ui_widget *w;
	bool has_error = error && *error;
	const char *shown;
	size_t shown_len;

	if (caption && *caption)
		cap_h = line_h(ui, DRAW_FONT_REGULAR, t->text_body) + t->sp_xs;
	if (has_error)
		err_h = t->sp_xs + wrapped_h(ui, DRAW_FONT_REGULAR, t->text_caption, error,
					     next_w(ui), elines, &en);
	r = ui_next(ui, cap_h + t->field_h + err_h);
	box = rect(r.x, r.y + cap_h, r.w, t->field_h);

	if (interact(ui, hid, box, enabled, &down)) {
		if (ui->focus != hid) {
			res |= UI_RES_FOCUS;
			ui->rerun = true; /* fields drawn before this one showed the old focus */
		}
		ui->focus = hid;
	}
	focused = enabled && ui->focus == hid;
	if (focused && buf && bufsz > 0 && ui->in.text_len) {
		/* Typed text and keys, in the order they came. */
		const char *in = ui->in.text;

		while (*in) {
			size_t seg = strcspn(in, "\b\r");
			char chunk[UI_INPUT_TEXT_MAX];

			if (seg) {
				memcpy(chunk, in, seg);
				chunk[seg] = '\0';
				if (append_utf8(buf, bufsz, chunk))
					res |= UI_RES_CHANGE;
				in += seg;
			} else if (*in == '\b') {
				if (erase_last(buf))
					res |= UI_RES_CHANGE;
				in++;
			} else {
				res |= UI_RES_SUBMIT;
				in++;
			}
		}
		ui->in.text_len = 0;
		ui->in.text[0] = '\0';
	}

	if (cap_h)
		text_at(ui, r.x, r.y, DRAW_FONT_REGULAR, t->text_body, cap_k->fg, caption,
			strlen(caption));
	if (!enabled)
		rbox(ui, box, t->radius_sm, ink(ui, THEME_INK_DISABLED)->bg, t->border, t->border_w);
	else if (focused)
		rbox(ui, box, t->radius_sm, val_k->bg, t->focus, t->focus_w);
	else
		rbox(ui, box, t->radius_sm, val_k->bg, has_error ? err_k->fg : t->field_border,
		     has_error ? t->focus_w : t->border_w);

	lh = line_h(ui, DRAW_FONT_REGULAR, t->text_field);
	inner = rect(box.x + pad, box.y, box.w - 2 * pad, box.h);
	inner_w = inner.w - t->focus_w;
	shown = buf && *buf ? buf : (placeholder ? placeholder : "");
	shown_len = strlen(shown);
	vw = text_w(ui, DRAW_FONT_REGULAR, t->text_field, shown, shown_len);
	tx = inner.x;
	if (buf && *buf && vw > inner_w)
		tx = inner.x + inner_w - vw; /* keep the end (and the caret) in view */
	saved = ui->clip;
	set_clip(ui, intersect(inner, saved));
	text_at(ui, tx, box.y + (box.h - lh) / 2, DRAW_FONT_REGULAR, t->text_field,
		buf && *buf ? (enabled ? val_k->fg : ink(ui, THEME_INK_DISABLED)->fg) : ph_k->fg,
		shown, shown_len);
	if (focused) {
		int ch = lh * 3 / 4, cx = buf && *buf ? tx + vw + 2 : inner.x;

		fill(ui, rect(cx, box.y + (box.h - ch) / 2, imax(3, t->border_w + 1), ch), t->focus);
	}
	set_clip(ui, saved);
	if (has_error) {
		draw_lines(ui, error, elines, en, r.x, box.y + box.h + t->sp_xs, r.w,
			   DRAW_FONT_REGULAR, t->text_caption, err_k->fg, UI_ALIGN_LEFT);
		reg(ui, NULL, error, UI_KIND_TEXT,
		    rect(r.x, box.y + box.h, r.w, err_h), 0);
	}
	w = reg(ui, id, caption && *caption ? caption : (placeholder ? placeholder : ""),
		UI_KIND_FIELD, box, opts);
	if (w) {
		w->focused = focused;
		copy_utf8(w->value, sizeof(w->value), buf);
	}
	return res;
}

/* "id.i" into out. */
static void sub_id(char *out, size_t n, const char *id, int i)
{
	snprintf(out, n, "%.*s.%d", (int)(n > 12 ? n - 12 : 1), id, i);
}

bool ui_choice(struct ui *ui, const char *id, const char *caption,
	       const char *const *options, int n, int *sel, unsigned opts)
{
	const struct theme *t = &ui->theme;
	bool on_card = top(ui)->on_card, changed = false, radio = opts & UI_OPT_RADIO;
	bool enabled = !(opts & UI_OPT_DISABLED);
	const struct theme_ink *cap_k = ink(ui, on_card ? THEME_INK_CARD : THEME_INK_PAGE);
	int cap_h = 0, i, hgt;
	struct draw_rect r;

	if (n <= 0)
		return false;
	if (caption && *caption)
		cap_h = line_h(ui, DRAW_FONT_REGULAR, t->text_body) + t->sp_xs;
	hgt = radio ? n * t->tab_h + (n - 1) * t->sp_sm : t->tab_h;
	r = ui_next(ui, cap_h + hgt);
	if (cap_h) {
		text_at(ui, r.x, r.y, DRAW_FONT_REGULAR, t->text_body, cap_k->fg, caption,
			strlen(caption));
		reg(ui, NULL, caption, UI_KIND_TEXT, rect(r.x, r.y, r.w, cap_h), 0);
	}
	for (i = 0; i < n; i++) {
		char oid[UI_ID_MAX + 1];
		struct draw_rect o;
		bool on = *sel == i, down;
		const struct theme_ink *k;
		struct ui_widget *w;

		if (radio) {
			o = rect(r.x, r.y + cap_h + i * (t->tab_h + t->sp_sm), r.w, t->tab_h);
		} else {
			int ow = (r.w - (n - 1) * t->sp_sm) / n;

			o = rect(r.x + i * (ow + t->sp_sm), r.y + cap_h, ow, t->tab_h);
			if (i == n - 1)
				o.w = r.x + r.w - o.x;
		}
		sub_id(oid, sizeof(oid), id, i);
		if (interact(ui, hash_str(oid), o, enabled, &down) && *sel != i) {
			*sel = i;
			on = true;
			changed = true;
		}
		if (radio) {
			int d = t->text_body, cx = o.x + t->sp_lg, cy = o.y + (o.h - d) / 2;

			k = ink(ui, THEME_INK_CHOICE);
			rbox(ui, o, t->radius_sm, down ? t->track : k->bg,
			     on ? t->focus : t->field_border, on ? t->focus_w : t->border_w);
			arc(ui, rect(cx, cy, d, d), t->focus_w, 0, 360, false,
			    on ? t->focus : t->field_border);
			if (on)
				rfill(ui, rect(cx + d / 4, cy + d / 4, d - d / 2, d - d / 2), d / 4,
				      t->focus);
			text_in(ui, rect(cx + d + t->sp_md, o.y, o.w - d - 2 * t->sp_lg, o.h),
				on ? DRAW_FONT_BOLD : DRAW_FONT_REGULAR, t->text_body,
				enabled ? k->fg : ink(ui, THEME_INK_DISABLED)->fg, options[i],
				UI_ALIGN_LEFT);
		} else {
			k = ink(ui, on ? THEME_INK_CHOICE_ON : THEME_INK_CHOICE);
			if (!enabled)
				k = ink(ui, THEME_INK_DISABLED);
			if (on)
				rfill(ui, o, t->radius_sm, down ? ink(ui, THEME_INK_PRIMARY_DOWN)->bg : k->bg);
			else
				rbox(ui, o, t->radius_sm, down ? t->track : k->bg, t->field_border,
				     t->border_w);
			text_in(ui, o, on ? DRAW_FONT_BOLD : DRAW_FONT_REGULAR, t->text_body, k->fg,
				options[i], UI_ALIGN_CENTER);
		}
		w = reg(ui, oid, options[i], UI_KIND_OPTION, o, opts);
		if (w)
			w->selected = on;
	}
	return changed;
}

/* Natural width of a tab: bold label, count pill (count < 0: none), padding. */
static int tab_natural(const struct ui *ui, const char *label, int count)
{
	const struct theme *t = &ui->theme;
	int w = text_w(ui, DRAW_FONT_BOLD, t->text_body, label, strlen(label)) + 2 * t->sp_sm;

	if (count >= 0) {
		char num[16];
		int ph = line_h(ui, DRAW_FONT_BOLD, t->text_caption);

		snprintf(num, sizeof(num), "%d", count);
		w += t->sp_sm + imax(ph, text_w(ui, DRAW_FONT_BOLD, t->text_caption, num,
						strlen(num)) + 2 * t->sp_sm);
	}
	return w;
}

bool ui_tabs(struct ui *ui, const char *id, const char *const *labels,
	     const int *counts, int n, int *sel)
{
	const struct theme *t = &ui->theme;
	struct draw_rect r = ui_next(ui, t->tab_h);
	bool changed = false;
	int i, tw, spare, tab_x[UI_ROW_MAX * 2 + 1];

	if (n <= 0)
		return false;
	/* Each tab as wide as its label and count, the spare width shared
	 * equally, so long labels (审核不通过) keep their room. */
	{
		int need = 0, nat[UI_ROW_MAX * 2];

		for (i = 0; i < n && i < UI_ROW_MAX * 2; i++) {
			nat[i] = tab_natural(ui, labels[i], counts ? counts[i] : -1);
			need += nat[i];
		}
		spare = imax(0, r.w - need) / n;
		for (i = 0, tw = r.x; i < n && i < UI_ROW_MAX * 2; i++) {
			tab_x[i] = tw;
			tw += nat[i] + spare;
		}
		tab_x[i] = r.x + r.w;
		n = i;
	}
	rfill(ui, r, t->radius_sm, t->card);
	for (i = 0; i < n; i++) {
		struct draw_rect o = rect(tab_x[i], r.y, tab_x[i + 1] - tab_x[i], r.h);
		char oid[UI_ID_MAX + 1], num[16] = "";
		bool on = *sel == i, down;
		const struct theme_ink *k = ink(ui, on ? THEME_INK_LINK : THEME_INK_CARD_MUTED);
		const struct theme_ink *pk = ink(ui, on ? THEME_INK_PILL_INFO : THEME_INK_PILL_NEUTRAL);
		enum draw_font f = on ? DRAW_FONT_BOLD : DRAW_FONT_REGULAR;
		int lw = text_w(ui, f, t->text_body, labels[i], strlen(labels[i]));
		int nw = 0, pw = 0, ph = 0, x;
		struct ui_widget *w;

		sub_id(oid, sizeof(oid), id, i);
		if (interact(ui, hash_str(oid), o, true, &down) && *sel != i) {
			*sel = i;
			on = true;
			changed = true;
		}
		if (down)
			rfill(ui, rect(o.x + t->sp_xs, o.y + t->sp_xs, o.w - 2 * t->sp_xs,
				       o.h - 2 * t->sp_xs), t->radius_sm, t->page);
		if (counts) {
			snprintf(num, sizeof(num), "%d", counts[i]);
			nw = text_w(ui, DRAW_FONT_BOLD, t->text_caption, num, strlen(num));
			ph = line_h(ui, DRAW_FONT_BOLD, t->text_caption);
			pw = imax(ph, nw + 2 * t->sp_sm);
		}
		x = o.x + (o.w - lw - (pw ? pw + t->sp_sm : 0)) / 2;
		text_in(ui, rect(x, o.y, lw, o.h), f, t->text_body, k->fg, labels[i], UI_ALIGN_LEFT);
		if (pw) {
			struct draw_rect p = rect(x + lw + t->sp_sm, o.y + (o.h - ph) / 2, pw, ph);

			rfill(ui, p, ph / 2, pk->bg);
			text_in(ui, p, DRAW_FONT_BOLD, t->text_caption, pk->fg, num, UI_ALIGN_CENTER);
		}
		if (on) /* under the label and its count */
			rfill(ui, rect(x, o.y + o.h - t->sp_xs, lw + (pw ? pw + t->sp_sm : 0), t->sp_xs),
			      t->sp_xs / 2, t->focus);
		w = reg(ui, oid, labels[i], UI_KIND_TAB, o, 0);
		if (w)
			w->selected = on;
	}
	return changed;
}

/* Width and height of a pill for text. */
static void pill_size(const struct ui *ui, const char *text, int *w, int *h)
{
	const struct theme *t = &ui->theme;

	*w = text_w(ui, DRAW_FONT_REGULAR, t->text_caption, text, strlen(text)) + 2 * t->sp_md;
	*h = line_h(ui, DRAW_FONT_REGULAR, t->text_caption) + t->sp_xs;
}

static enum theme_ink_id tone_ink(enum ui_tone tone)
{
	switch (tone) {
	case UI_TONE_INFO: return THEME_INK_PILL_INFO;
	case UI_TONE_SUCCESS: return THEME_INK_PILL_SUCCESS;
	case UI_TONE_WARNING: return THEME_INK_PILL_WARNING;
	case UI_TONE_DANGER: return THEME_INK_PILL_DANGER;
	default: return THEME_INK_PILL_NEUTRAL;
	}
}

static void pill_at(struct ui *ui, int x, int y, const char *text, enum ui_tone tone)
{
	const struct theme_ink *k = ink(ui, tone_ink(tone));
	int w, h;

	pill_size(ui, text, &w, &h);
	rfill(ui, rect(x, y, w, h), h / 2, k->bg);
	text_in(ui, rect(x, y, w, h), DRAW_FONT_REGULAR, ui->theme.text_caption, k->fg, text,
		UI_ALIGN_CENTER);
	reg(ui, NULL, text, UI_KIND_TEXT, rect(x, y, w, h), 0);
}

void ui_pill(struct ui *ui, const char *text, enum ui_tone tone)
{
	int w, h;
	struct draw_rect r;

	pill_size(ui, text, &w, &h);
	r = ui_next(ui, h);
	pill_at(ui, r.x, r.y, text, tone);
}

bool ui_list_item(struct ui *ui, const char *id, const char *title, const char *detail,
		  const char *status, enum ui_tone tone)
{
	const struct theme *t = &ui->theme;
	struct draw_rect r = ui_next(ui, t->item_h);
	bool down, hit = interact(ui, hash_str(id), r, true, &down);
	const struct theme_ink *k = ink(ui, down ? THEME_INK_PRESSED : THEME_INK_CARD);
	const struct theme_ink *mk = ink(ui, down ? THEME_INK_PRESSED_MUTED : THEME_INK_CARD_MUTED);
	int pad = t->sp_xl, th = line_h(ui, DRAW_FONT_BOLD, t->text_body);
	int dh = detail ? line_h(ui, DRAW_FONT_REGULAR, t->text_caption) : 0;
	int chev = t->sp_sm, right = r.x + r.w - pad, pw = 0, ph = 0, ty;
	struct draw_rect saved = ui->clip, textbox;

	rfill(ui, r, t->radius, k->bg);
	/* ">" as two rounded strokes */
	{
		int cx = right - chev, cy = r.y + r.h / 2, sw = imax(3, t->border_w * 2);

		line(ui, cx - chev / 2, cy - chev, cx + chev / 2, cy, sw, mk->fg);
		line(ui, cx + chev / 2, cy, cx - chev / 2, cy + chev, sw, mk->fg);
	}
	right -= 2 * chev + t->sp_lg;
	if (status && *status) {
		pill_size(ui, status, &pw, &ph);
		pill_at(ui, right - pw, r.y + (r.h - ph) / 2, status, tone);
		right -= pw + t->sp_lg;
	}
	ty = r.y + (r.h - th - (dh ? dh + t->sp_xs : 0)) / 2;
	textbox = rect(r.x + pad, r.y, imax(0, right - r.x - pad), r.h);
	set_clip(ui, intersect(textbox, saved));
	text_at(ui, r.x + pad, ty, DRAW_FONT_BOLD, t->text_body, k->fg, title, strlen(title));
	if (detail)
		text_at(ui, r.x + pad, ty + th + t->sp_xs, DRAW_FONT_REGULAR, t->text_caption,
			mk->fg, detail, strlen(detail));
	set_clip(ui, saved);
	reg(ui, id, title, UI_KIND_ITEM, r, 0);
	if (detail)
		reg(ui, NULL, detail, UI_KIND_TEXT, r, 0);
	return hit;
}

void ui_text(struct ui *ui, const char *text, enum draw_font font, int size,
	     enum theme_ink_id ki, enum ui_align align)
{
	struct ui_line lines[UI_LINES_MAX];
	int n, h, w = next_w(ui);
	struct draw_rect r;

	h = wrapped_h(ui, font, size, text, w, lines, &n);
	r = ui_next(ui, h);
	draw_lines(ui, text, lines, n, r.x, r.y, r.w, font, size, ink(ui, ki)->fg, align);
	reg(ui, NULL, text, UI_KIND_TEXT, r, 0);
}

/* Left-aligned text in the ink of what it stands on (a card or the page). */
static void plain_text(struct ui *ui, const char *text, enum draw_font font, int size)
{
	ui_text(ui, text, font, size, top(ui)->on_card ? THEME_INK_CARD : THEME_INK_PAGE,
		UI_ALIGN_LEFT);
}

void ui_heading(struct ui *ui, const char *text)
{
	plain_text(ui, text, DRAW_FONT_BOLD, ui->theme.text_title);
}

void ui_paragraph(struct ui *ui, const char *text)
{
	plain_text(ui, text, DRAW_FONT_REGULAR, ui->theme.text_body);
}

void ui_label(struct ui *ui, const char *text)
{
	plain_text(ui, text, DRAW_FONT_BOLD, ui->theme.text_body);
}

void ui_caption(struct ui *ui, const char *text)
{
	ui_text(ui, text, DRAW_FONT_REGULAR, ui->theme.text_caption,
		top(ui)->on_card ? THEME_INK_CARD_MUTED : THEME_INK_PAGE_MUTED, UI_ALIGN_LEFT);
}

void ui_banner(struct ui *ui, const char *text, enum ui_tone tone)
{
	const struct theme *t = &ui->theme;
	enum theme_ink_id ki = tone == UI_TONE_WARNING ? THEME_INK_BANNER : tone_ink(tone);
	const struct theme_ink *k = ink(ui, ki);
	struct ui_layout *l = top(ui);
	struct ui_line lines[UI_LINES_MAX];
	int d = t->text_body, n, th, h, x, maxw;
	bool strip = ui->nlayouts == 1 && l->y == l->body.y && l->body.y > t->header_h;
	struct draw_rect r;

	maxw = (strip ? imin(ui->w - 2 * t->margin, t->column_max) : l->body.w) -
	       d - 3 * t->sp_md;
	th = wrapped_h(ui, DRAW_FONT_REGULAR, t->text_body, text, maxw, lines, &n);
	h = imax(t->banner_h, th + 2 * t->sp_md);
	if (strip) {
		/* First thing under the top bar: a full-width strip. */
		r = rect(0, t->header_h, ui->w, h);
		fill(ui, r, k->bg);
		l->y = r.y + h + t->sp_xl;
		l->max_y = imax(l->max_y, r.y + h);
		x = column(ui, 0, 0).x;
	} else {
		r = ui_next(ui, h);
		rfill(ui, r, t->radius_sm, k->bg);
		x = r.x + t->sp_md;
	}
	/* An exclamation mark in a ring. */
	arc(ui, rect(x, r.y + (h - d) / 2, d, d), imax(3, t->border_w + 1), 0, 360, false, k->fg);
	text_in(ui, rect(x, r.y + (h - d) / 2, d, d), DRAW_FONT_BOLD, t->text_caption * 3 / 4 > 0 ?
		t->text_caption * 3 / 4 : 1, k->fg, "!", UI_ALIGN_CENTER);
	draw_lines(ui, text, lines, n, x + d + t->sp_md, r.y + (h - th) / 2, maxw,
		   DRAW_FONT_REGULAR, t->text_body, k->fg, UI_ALIGN_LEFT);
	reg(ui, "banner", text, UI_KIND_TEXT, r, 0);
}

void ui_steps(struct ui *ui, int current, int total, const char *const *names)
{
	const struct theme *t = &ui->theme;
	bool on_card = top(ui)->on_card;
	const struct theme_ink *k = ink(ui, on_card ? THEME_INK_CARD : THEME_INK_PAGE);
	const struct theme_ink *mk = ink(ui, on_card ? THEME_INK_CARD_MUTED : THEME_INK_PAGE_MUTED);
	char a[64], b[64], step[128];
	int lh = line_h(ui, DRAW_FONT_BOLD, t->text_body), bar = t->sp_xs, gap = t->sp_xs, i;
	int sw, segw;
	struct draw_rect r;

	if (total < 1)
		return;
	msg_format(a, sizeof(a), MSG_UI_STEP_N, current);
	msg_format(b, sizeof(b), MSG_UI_STEP_OF, total);
	snprintf(step, sizeof(step), "%s%s", a, b);
	r = ui_next(ui, lh + t->sp_sm + bar);
	sw = text_w(ui, DRAW_FONT_REGULAR, t->text_caption, step, strlen(step));
	if (names && current >= 1 && current <= total && names[current - 1]) {
		const char *nm = names[current - 1];

		text_in(ui, rect(r.x, r.y, r.w - sw - t->sp_md, lh), DRAW_FONT_BOLD, t->text_body,
			k->fg, nm, UI_ALIGN_LEFT);
		reg(ui, NULL, nm, UI_KIND_TEXT, rect(r.x, r.y, r.w - sw, lh), 0);
		text_in(ui, rect(r.x, r.y, r.w, lh), DRAW_FONT_REGULAR, t->text_caption, mk->fg,
			step, UI_ALIGN_RIGHT);
	} else {
		text_in(ui, rect(r.x, r.y, r.w, lh), DRAW_FONT_REGULAR, t->text_caption, mk->fg,
			step, UI_ALIGN_LEFT);
	}
	segw = (r.w - (total - 1) * gap) / total;
	for (i = 0; i < total; i++) {
		int x = r.x + i * (segw + gap), w = i == total - 1 ? r.x + r.w - x : segw;

		rfill(ui, rect(x, r.y + lh + t->sp_sm, w, bar), bar / 2,
		      i < current ? t->focus : t->track);
	}
	reg(ui, "steps", step, UI_KIND_TEXT, r, 0);
}

void ui_spinner(struct ui *ui, const char *caption)
{
	const struct theme *t = &ui->theme;
	int d = theme_px(t, 96), th = theme_px(t, 10), lh = 0, start;
	struct draw_rect r, c;

	if (caption && *caption)
		lh = line_h(ui, DRAW_FONT_REGULAR, t->text_body) + t->sp_md;
	r = ui_next(ui, d + lh);
	c = rect(r.x + (r.w - d) / 2, r.y, d, d);
	start = (int)((ui->now_ms * 360 / 1000) % 360); /* one turn a second */
	arc(ui, c, th, 0, 360, false, t->track);
	arc(ui, c, th, start, 100, true, t->focus);
	if (lh) {
		text_in(ui, rect(r.x, r.y + d + t->sp_md, r.w, lh - t->sp_md), DRAW_FONT_REGULAR,
			t->text_body, ink(ui, top(ui)->on_card ? THEME_INK_CARD_MUTED :
					   THEME_INK_PAGE_MUTED)->fg, caption, UI_ALIGN_CENTER);
		reg(ui, NULL, caption, UI_KIND_TEXT, r, 0);
	}
	reg(ui, "spinner", "", UI_KIND_OTHER, c, 0);
	ui_wake_at(ui, ui->now_ms + SPIN_MS);
}

void ui_countdown(struct ui *ui, const char *id, int remaining_s, int total_s, int diameter)
{
	const struct theme *t = &ui->theme;
	bool on_card = top(ui)->on_card, urgent;
	int d = diameter > 0 ? diameter : t->ring_default, th = theme_px(t, 20), sweep;
	struct draw_rect r, c;
	char mmss[16];
	enum theme_ink_id ki;

	if (remaining_s < 0)
		remaining_s = 0;
	if (total_s <= 0)
		total_s = 1;
	if (remaining_s > total_s)
		remaining_s = total_s;
	urgent = remaining_s <= 60;
	r = ui_next(ui, d);
	c = rect(r.x + (r.w - d) / 2, r.y, d, d);
	sweep = (int)((long)remaining_s * 360 / total_s);
	if (remaining_s > 0 && sweep < 2)
		sweep = 2;
	arc(ui, c, th, 0, 360, false, t->track);
	if (sweep > 0)
		arc(ui, c, th, 0, sweep, sweep < 360, urgent ? ink(ui, THEME_INK_URGENT)->fg : t->focus);
	snprintf(mmss, sizeof(mmss), "%02d:%02d", remaining_s / 60, remaining_s % 60);
	if (urgent)
		ki = on_card ? THEME_INK_URGENT : THEME_INK_ERROR;
	else
		ki = on_card ? THEME_INK_CARD : THEME_INK_PAGE;
	text_in(ui, c, DRAW_FONT_BOLD, imin(t->text_display, d / 4), ink(ui, ki)->fg, mmss,
		UI_ALIGN_CENTER);
	reg(ui, id, mmss, UI_KIND_TEXT, c, 0);
}

/* The encoded symbol for data (cached), or NULL when it cannot be encoded. */
static const struct ui_qr *qr_get(struct ui *ui, const char *data)
{
	int i, lru = 0, x, y;
	struct ui_qr *q;
	QRcode *code;

	for (i = 0; i < UI_QR_CACHE; i++) {
		if (ui->qr[i].data[0] && !strcmp(ui->qr[i].data, data)) {
			ui->qr[i].used_frame = ui->frame;
			return ui->qr[i].n ? &ui->qr[i] : NULL;
		}
		if (ui->qr[i].used_frame < ui->qr[lru].used_frame)
			lru = i;
	}
	q = &ui->qr[lru];
	memset(q->data, 0, sizeof(q->data));
	q->n = 0;
	q->used_frame = ui->frame;
	if (strlen(data) > UI_QR_DATA_MAX)
		return NULL;
	strcpy(q->data, data);
	code = QRcode_encodeString(data, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code)
		return NULL;
	if (code->width > 0 && code->width <= UI_QR_MODULES_MAX) {
		q->n = code->width;
		for (y = 0; y < q->n; y++)
			for (x = 0; x < q->n; x++)
				q->mod[y * q->n + x] = code->data[y * q->n + x] & 1;
	}
	QRcode_free(code);
	return q->n ? q : NULL;
}

int ui_qr(struct ui *ui, const char *id, const char *data, int size)
{
	const struct theme *t = &ui->theme;
	const struct ui_qr *q = data && *data ? qr_get(ui, data) : NULL;
	int quiet = 4, n, k, total, x, y;
	struct draw_rect r;
	struct draw_cmd *c;
	struct ui_widget *w;
	uint8_t *bits;

	if (size <= 0)
		size = t->qr_default;
	if (!q) {
		r = ui_next(ui, t->button_h);
		rbox(ui, r, t->radius_sm, t->card, t->border, t->border_w);
		text_in(ui, r, DRAW_FONT_REGULAR, t->text_body, ink(ui, THEME_INK_CARD_MUTED)->fg,
			msg(MSG_UI_QR_FAILED), UI_ALIGN_CENTER);
		reg(ui, id, msg(MSG_UI_QR_FAILED), UI_KIND_TEXT, r, 0);
		return -1;
	}
	n = q->n + 2 * quiet;
	/* Integer px per module: as large as size allows, never smaller than
	 * theme.qr_min across the symbol itself. */
	k = imax(size / n, (t->qr_min + q->n - 1) / q->n);
	if (k < 1)
		k = 1;
	total = n * k;
	r = ui_next(ui, total);
	x = r.x + (r.w - total) / 2;
	y = r.y;
	if ((size_t)ui->dl.bits_len + (size_t)n * (size_t)n > DRAW_BITS_MAX ||
	    !(c = push(ui, DRAW_BITMAP))) {
		ui->dl.overflow++;
		return -1;
	}
	bits = ui->dl.bits + ui->dl.bits_len;
	memset(bits, 0, (size_t)n * (size_t)n);
	for (int my = 0; my < q->n; my++)
		memcpy(bits + (size_t)(my + quiet) * (size_t)n + (size_t)quiet,
		       q->mod + (size_t)my * (size_t)q->n, (size_t)q->n);
	c->rect = rect(x, y, total, total);
	c->color = t->qr_ink;
	c->u.bitmap.off = ui->dl.bits_len;
	c->u.bitmap.w = (uint16_t)n;
	c->u.bitmap.h = (uint16_t)n;
	c->u.bitmap.scale = (uint16_t)k;
	c->u.bitmap.bg = t->qr_paper;
	ui->dl.bits_len += (uint32_t)(n * n);
	w = reg(ui, id, "", UI_KIND_QR, c->rect, 0);
	if (w)
		copy_utf8(w->value, sizeof(w->value), data);
	return 0;
}

/* The remembered height slot for a dialog id. */
static int dialog_slot(struct ui *ui, uint32_t id)
{
	int i, free_i = -1;

	for (i = 0; i < UI_DIALOGS_MAX; i++) {
		if (ui->dialogs[i].id == id)
			return i;
		if (free_i < 0 && ui->dialogs[i].id == 0)
			free_i = i;
	}
	if (free_i < 0)
		free_i = (int)(id % UI_DIALOGS_MAX);
	ui->dialogs[free_i].id = id;
	ui->dialogs[free_i].h = 0;
	return free_i;
}

void ui_dialog_begin(struct ui *ui, const char *id, const char *title)
{
	const struct theme *t = &ui->theme;
	int idx = dialog_slot(ui, hash_str(id)), w, h, x, y, pad = t->sp_xl, patch;
	struct ui_layout *l;

	ui->modal_now = true;
	ui->layer = 1;
	ui->clip = screen_rect(ui);
	{
		struct draw_cmd *c = push(ui, DRAW_CLIP);

		if (c)
			c->rect = ui->clip;
	}
	fill(ui, screen_rect(ui), t->scrim);
	w = imin(t->dialog_w, ui->w - 2 * t->margin);
	h = ui->dialogs[idx].h > 0 ? ui->dialogs[idx].h : ui->h / 3;
	x = (ui->w - w) / 2;
	y = imax(t->margin, (ui->h - ui->dialog_reserve - h) / 2);
	patch = rfill(ui, rect(x, y, w, h), t->radius, t->card);
	l = push_layout(ui, rect(x + pad, y + pad, w - 2 * pad, ui->h), true, t->sp_lg);
	l->patch = patch;
	l->dialog = idx;
	if (title && *title)
		ui_text(ui, title, DRAW_FONT_BOLD, t->text_title, THEME_INK_CARD, UI_ALIGN_LEFT);
}

void ui_dialog_end(struct ui *ui)
{
	struct ui_layout *l = top(ui);
	int h;

	if (l->dialog < 0)
		return;
	h = l->max_y - l->body.y + 2 * ui->theme.sp_xl;
	if (l->patch >= 0)
		ui->dl.cmds[l->patch].rect.h = h;
	if (ui->dialogs[l->dialog].h != h) {
		ui->dialogs[l->dialog].h = h;
		ui->rerun = true;
	}
	pop_layout(ui);
	/* Back to the screen layer; its clip is what it was. */
	ui->layer = 0;
	ui->clip = screen_rect(ui);
}

void ui_dialog_reserve(struct ui *ui, int px)
{
	ui->dialog_reserve = imax(0, px);
}

void ui_toast(struct ui *ui, const char *text, int ms)
{
	copy_utf8(ui->toast, sizeof(ui->toast), text);
	ui->toast_until = ui->now_ms + ms;
	ui->force = true;
}

/* ---- text wrapping ---- */

/* Decode one UTF-8 character at s; *len its bytes (1 for a bad byte). */
static uint32_t decode(const char *s, int *len)
{
	const uint8_t *b = (const uint8_t *)s;
	uint32_t cp;
	int n, i;

	if (b[0] < 0x80) {
		*len = 1;
		return b[0];
	}
	if (b[0] >= 0xF0 && b[0] < 0xF8) {
		n = 4;
		cp = b[0] & 0x07;
	} else if (b[0] >= 0xE0) {
		n = 3;
		cp = b[0] & 0x0F;
	} else if (b[0] >= 0xC0) {
		n = 2;
		cp = b[0] & 0x1F;
	} else {
		*len = 1;
		return 0xFFFD;
	}
	for (i = 1; i < n; i++) {
		if ((b[i] & 0xC0) != 0x80) {
			*len = 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (b[i] & 0x3F);
	}
	*len = n;
	return cp;
}

/* Characters that break on both sides: CJK, full-width forms, CJK punctuation. */
static bool is_cjk(uint32_t cp)
{
	return cp >= 0x2E80 || cp == 0x2014 || cp == 0x2026 || (cp >= 0x2018 && cp <= 0x201F);
}

/* Punctuation that must not begin a line. */
static bool no_start(uint32_t cp)
{
	static const uint32_t set[] = {
		0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF1F, 0xFF01, 0xFF09, 0x300D,
		0x300F, 0x300B, 0x3009, 0x3011, 0x3015, 0x201D, 0x2019, 0x2026, 0xFF0E,
		0x00B7, 0x30FB, 0xFF5E,
	};
	size_t i;

	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		if (set[i] == cp)
			return true;
	return false;
}

/* Punctuation that must not end a line. */
static bool no_end(uint32_t cp)
{
	return cp == 0xFF08 || cp == 0x300A || cp == 0x300C || cp == 0x300E || cp == 0x3010 ||
	       cp == 0x3014 || cp == 0x201C || cp == 0x2018 || cp == 0x3008;
}

/* ui_wrap's work: its arguments, the lines so far and the line being
 * filled. */
struct wrap {
	const struct ui *ui;      /* measures */
	enum draw_font f;         /* the font ... */
	int size;                 /* ... at this size, px */
	const char *text;         /* what is wrapped */
	struct ui_line *lines;    /* the lines ... */
	int max;                  /* ... room for this many */
	int n;                    /* lines so far */
	int off;                  /* where the line being filled starts */
	int w;                    /* its width so far, px */
	bool has;                 /* it holds a unit */
	int prev_off;             /* where its last unit starts; -1: none to carry */
	bool prev_noend;          /* that unit must not end a line */
};

/* Add line [wr->off, end) (trailing spaces dropped) to the lines; false
 * when they are full. */
static bool emit_line(struct wrap *wr, int end)
{
	int off = wr->off;

	if (wr->n >= wr->max)
		return false;
	while (end > off && wr->text[end - 1] == ' ')
		end--;
	wr->lines[wr->n].off = off;
	wr->lines[wr->n].len = end - off;
	wr->lines[wr->n].width = text_w(wr->ui, wr->f, wr->size, wr->text + off,
					(size_t)(end - off));
	wr->n++;
	return wr->n < wr->max;
}

/* End the line being filled at end and start an empty one at next; false
 * when the lines are full. */
static bool new_line(struct wrap *wr, int end, int next)
{
	if (!emit_line(wr, end))
		return false;
	wr->off = next;
	wr->w = 0;
	wr->has = false;
	wr->prev_off = -1;
	return true;
}

int ui_wrap(const struct ui *ui, enum draw_font f, int size, const char *text,
	    int max_w, struct ui_line *lines, int max)
{
	struct wrap wr = { ui, f, size, text, lines, max, 0, 0, 0, false, -1, false };
	int pos = 0;

	if (!text || max <= 0)
		return 0;
	while (text[pos]) {
		int clen, end, uw;
		uint32_t cp = decode(text + pos, &clen);
		bool cjk;

		if (cp == '\n') {
			if (!new_line(&wr, pos, pos + 1))
				return wr.n;
			pos++;
			continue;
		}
		if (cp == ' ' || cp == '\t') {
			uw = text_w(ui, f, size, text + pos, (size_t)clen);
			if (wr.has && wr.w + uw > max_w) {
				/* Break at the space; it is dropped. */
				if (!new_line(&wr, pos, pos + clen))
					return wr.n;
				pos += clen;
				continue;
			}
			wr.w += uw;
			pos += clen;
			wr.prev_off = -1; /* a space is a break point: nothing to carry */
			wr.prev_noend = false;
			continue;
		}
		cjk = is_cjk(cp);
		end = pos + clen;
		if (!cjk) {
			/* A Latin word: up to the next space, CJK character or newline. */
			while (text[end]) {
				int l2;
				uint32_t c2 = decode(text + end, &l2);

				if (c2 == ' ' || c2 == '\t' || c2 == '\n' || is_cjk(c2))
					break;
				end += l2;
			}
		}
		uw = text_w(ui, f, size, text + pos, (size_t)(end - pos));
		if (!wr.has || wr.w + uw <= max_w || (cjk && no_start(cp))) {
			if (!wr.has && !cjk && uw > max_w) {
				/* A word wider than the line: cut it where it fills. */
				int cut = pos, l2;

				decode(text + cut, &l2);
				cut += l2; /* at least one character */
				while (cut < end) {
					decode(text + cut, &l2);
					if (text_w(ui, f, size, text + pos, (size_t)(cut + l2 - pos)) > max_w)
						break;
					cut += l2;
				}
				if (!new_line(&wr, cut, cut))
					return wr.n;
				pos = cut;
				continue;
			}
			wr.w += uw;
			wr.has = true;
			wr.prev_off = pos;
			wr.prev_noend = cjk && no_end(cp);
			pos = end;
			continue;
		}
		/* Break before this unit; an opening bracket goes down with it. */
		{
			int brk = pos;

			if (wr.prev_noend && wr.prev_off > wr.off)
				brk = wr.prev_off;
			if (!new_line(&wr, brk, brk))
				return wr.n;
			wr.w = brk < pos ? text_w(ui, f, size, text + brk, (size_t)(pos - brk)) : 0;
			wr.has = brk < pos;
			wr.prev_noend = false;
		}
	}
	if (wr.has || pos > wr.off)
		emit_line(&wr, pos);
	return wr.n;
}
