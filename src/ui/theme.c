/*
 * theme.c - the kiosk's look in numbers: a calm light palette (blue primary,
 * neutral greys), an 8 px spacing grid and a type scale that starts at 32 px.
 * Design values are for a 1080 px short side; theme_init() scales them.
 */
#include "theme.h"

#include <string.h>

/* A colour from 0xRRGGBB, opaque. */
static struct draw_color rgb(unsigned v)
{
	struct draw_color c = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v, 255 };
	return c;
}

/* Set ink id to fg on bg. */
static void ink(struct theme *t, enum theme_ink_id id, const char *name,
		unsigned fg, unsigned bg)
{
	t->ink[id].name = name;
	t->ink[id].fg = rgb(fg);
	t->ink[id].bg = rgb(bg);
}

int theme_px(const struct theme *t, int design_px)
{
	float v = (float)design_px * t->scale;

	return (int)(v + 0.5f);
}

void theme_init(struct theme *t, int w, int h)
{
	int short_side = w < h ? w : h;

	memset(t, 0, sizeof(*t));
	t->screen_w = w;
	t->screen_h = h;
	t->scale = short_side > 0 ? (float)short_side / 1080.0f : 1.0f;

	/* Surfaces. */
	t->page = rgb(0xF2F4F7);
	t->card = rgb(0xFFFFFF);
	t->border = rgb(0xE1E5EB);
	t->field_border = rgb(0x848E9F);
	t->focus = rgb(0x1D4ED8);
	t->track = rgb(0xE4E7EC);
	t->scrim = (struct draw_color){ 16, 24, 40, 140 };
	t->qr_ink = rgb(0x000000);
	t->qr_paper = rgb(0xFFFFFF);

	/* Inks: every text colour with the background it is drawn on. */
	ink(t, THEME_INK_PAGE, "page", 0x1D2129, 0xF2F4F7);
	ink(t, THEME_INK_PAGE_MUTED, "page-muted", 0x4E5969, 0xF2F4F7);
	ink(t, THEME_INK_CARD, "card", 0x1D2129, 0xFFFFFF);
	ink(t, THEME_INK_CARD_MUTED, "card-muted", 0x4E5969, 0xFFFFFF);
	ink(t, THEME_INK_PLACEHOLDER, "placeholder", 0x667085, 0xFFFFFF);
	ink(t, THEME_INK_ERROR, "error", 0xB42318, 0xF2F4F7);
	ink(t, THEME_INK_ERROR_CARD, "error-card", 0xB42318, 0xFFFFFF);
	ink(t, THEME_INK_HEADER, "header", 0xFFFFFF, 0x0B3A82);
	ink(t, THEME_INK_PRIMARY, "primary", 0xFFFFFF, 0x1D4ED8);
	ink(t, THEME_INK_PRIMARY_DOWN, "primary-down", 0xFFFFFF, 0x1E3A8A);
	ink(t, THEME_INK_SECONDARY, "secondary", 0x1D4ED8, 0xFFFFFF);
	ink(t, THEME_INK_SECONDARY_DOWN, "secondary-down", 0x1D4ED8, 0xEFF4FF);
	ink(t, THEME_INK_DANGER, "danger", 0xFFFFFF, 0xB42318);
	ink(t, THEME_INK_DISABLED, "disabled", 0x5D6673, 0xE4E7EC);
	ink(t, THEME_INK_PRESSED, "pressed", 0x1D2129, 0xEFF4FF);
	ink(t, THEME_INK_PRESSED_MUTED, "pressed-muted", 0x4E5969, 0xEFF4FF);
	ink(t, THEME_INK_CHOICE, "choice", 0x344054, 0xFFFFFF);
	ink(t, THEME_INK_CHOICE_ON, "choice-on", 0xFFFFFF, 0x1D4ED8);
	ink(t, THEME_INK_BANNER, "banner", 0x7A2E0E, 0xFEF0C7);
	ink(t, THEME_INK_TOAST, "toast", 0xFFFFFF, 0x1D2129);
	ink(t, THEME_INK_PILL_NEUTRAL, "pill-neutral", 0x344054, 0xEEF0F3);
	ink(t, THEME_INK_PILL_INFO, "pill-info", 0x1D3FA8, 0xE0EAFF);
	ink(t, THEME_INK_PILL_SUCCESS, "pill-success", 0x085D3A, 0xDCFAE6);
	ink(t, THEME_INK_PILL_WARNING, "pill-warning", 0x93370D, 0xFEF0C7);
	ink(t, THEME_INK_PILL_DANGER, "pill-danger", 0x912018, 0xFEE4E2);
	ink(t, THEME_INK_LINK, "link", 0x1D4ED8, 0xFFFFFF);
	ink(t, THEME_INK_URGENT, "urgent", 0xB54708, 0xFFFFFF);

	/* Type scale: nothing a person must read is under 32 px. */
	t->text_caption = theme_px(t, 32);
	t->text_body = theme_px(t, 36);
	t->text_field = theme_px(t, 40);
	t->text_button = theme_px(t, 40);
	t->text_title = theme_px(t, 56);
	t->text_display = theme_px(t, 88);
	t->line_gap = theme_px(t, 14);

	/* 8 px grid. */
	t->sp_xs = theme_px(t, 8);
	t->sp_sm = theme_px(t, 16);
	t->sp_md = theme_px(t, 24);
	t->sp_lg = theme_px(t, 32);
	t->sp_xl = theme_px(t, 48);
	t->sp_xxl = theme_px(t, 64);

	t->touch_min = theme_px(t, 64);
	t->button_h = theme_px(t, 112);
	t->field_h = theme_px(t, 112);
	t->tab_h = theme_px(t, 96);
	t->item_h = theme_px(t, 168);
	t->header_h = theme_px(t, 120);
	t->footer_h = theme_px(t, 176);
	t->banner_h = theme_px(t, 96);
	t->radius = theme_px(t, 24);
	t->radius_sm = theme_px(t, 16);
	t->border_w = theme_px(t, 2) > 0 ? theme_px(t, 2) : 1;
	t->focus_w = theme_px(t, 4) > 0 ? theme_px(t, 4) : 1;
	t->margin = theme_px(t, 64);
	t->column_max = theme_px(t, 1280);
	t->dialog_w = theme_px(t, 880);
	/* 6 cm on a 21.5" 1920x1080 panel (0.248 mm pixel pitch) is 242 px;
	 * round up to a comfortable 248 for a phone held at about 40 cm. */
	t->qr_min = theme_px(t, 248);
	t->qr_default = theme_px(t, 520);
	t->ring_default = theme_px(t, 320);
}
