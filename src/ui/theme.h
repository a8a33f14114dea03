/*
 * theme.h - colours, spacing and the type scale: the one place that says how
 * the kiosk looks.
 *
 * Text colours come in "inks": a foreground paired with the background it
 * is drawn on. Widgets take both halves of an ink, never a loose text colour,
 * so the list of inks is the complete list of text/background pairs on
 * screen, and tests/ui/test_theme checks every one for WCAG contrast
 * (>= 4.5:1). Sizes are design values for a 1080 px short side, scaled by
 * theme_init() to the screen; the same rules lay out portrait 1080x1920 and
 * landscape 1920x1080 (see docs/ui.md, "Layout rules").
 */
#ifndef CA_THEME_H
#define CA_THEME_H

#include <stddef.h>

#include "draw.h"

/* Every text/background pair the widgets use. */
enum theme_ink_id {
	THEME_INK_PAGE,          /* body text on the page background */
	THEME_INK_PAGE_MUTED,    /* secondary text on the page background */
	THEME_INK_CARD,          /* body text on cards, fields, dialogs */
	THEME_INK_CARD_MUTED,    /* secondary text on cards */
	THEME_INK_PLACEHOLDER,   /* empty-field hint on the field background */
	THEME_INK_ERROR,         /* field error text on the page background */
	THEME_INK_ERROR_CARD,    /* field error text on a card */
	THEME_INK_HEADER,        /* brand text on the top bar */
	THEME_INK_PRIMARY,       /* primary button */
	THEME_INK_PRIMARY_DOWN,  /* primary button while pressed */
	THEME_INK_SECONDARY,     /* secondary (outlined) button */
	THEME_INK_SECONDARY_DOWN, /* secondary button while pressed */
	THEME_INK_DANGER,        /* destructive button */
	THEME_INK_DISABLED,      /* any disabled button */
	THEME_INK_PRESSED,       /* list row text while pressed */
	THEME_INK_PRESSED_MUTED, /* list row secondary text while pressed */
	THEME_INK_CHOICE,        /* an unselected option of a choice / tab */
	THEME_INK_CHOICE_ON,     /* the selected option */
	THEME_INK_BANNER,        /* offline banner */
	THEME_INK_TOAST,         /* toast */
	THEME_INK_PILL_NEUTRAL,  /* status pills */
	THEME_INK_PILL_INFO,
	THEME_INK_PILL_SUCCESS,
	THEME_INK_PILL_WARNING,
	THEME_INK_PILL_DANGER,
	THEME_INK_LINK,          /* accent text (step names, countdown) on cards */
	THEME_INK_URGENT,        /* countdown text in its last minute, on cards */
	THEME_INK__N
};

/* A text colour and the background it sits on. */
struct theme_ink {
	const char *name;      /* for test messages: "primary" */
	struct draw_color fg;  /* text */
	struct draw_color bg;  /* what it is drawn on */
};

/*
 * The theme for one screen size. All lengths in logical px, already scaled.
 * Invariant: every text size >= 32 * scale and touch >= 64 * scale.
 */
struct theme {
	float scale;          /* min(screen w, h) / 1080 */
	int screen_w;         /* logical screen width */
	int screen_h;         /* logical screen height */

	struct theme_ink ink[THEME_INK__N]; /* text/background pairs */
	struct draw_color page;    /* page background */
	struct draw_color card;    /* card / dialog / field background */
	struct draw_color border;  /* card and divider lines */
	struct draw_color field_border; /* idle field outline (>= 3:1 on white) */
	struct draw_color focus;   /* focused field outline, active step, arcs */
	struct draw_color track;   /* ring and progress tracks */
	struct draw_color scrim;   /* dim layer behind a dialog (with alpha) */
	struct draw_color qr_ink;  /* QR dark modules */
	struct draw_color qr_paper; /* QR light modules and quiet zone */

	/* type scale, px */
	int text_caption;     /* small print, step label */
	int text_body;        /* body text (>= 32) */
	int text_field;       /* field values */
	int text_button;      /* button labels */
	int text_title;       /* screen and dialog titles */
	int text_display;     /* countdown digits */
	int line_gap;         /* extra px between wrapped lines */

	/* spacing, px */
	int sp_xs, sp_sm, sp_md, sp_lg, sp_xl, sp_xxl;

	/* component sizes, px */
	int touch_min;        /* smallest touch target */
	int button_h;         /* button height */
	int field_h;          /* text field box height */
	int tab_h;            /* tab / segmented option height */
	int item_h;           /* list row minimum height */
	int header_h;         /* top bar */
	int footer_h;         /* bottom action bar */
	int banner_h;         /* offline banner */
	int radius;           /* cards, dialogs */
	int radius_sm;        /* buttons, fields, pills */
	int border_w;         /* outline width */
	int focus_w;          /* focused outline width */
	int margin;           /* screen edge to content column */
	int column_max;       /* widest content column */
	int dialog_w;         /* dialog card width (at most) */
	int qr_min;           /* smallest QR symbol (no quiet zone), px: ~6 cm */
	int qr_default;       /* QR view size incl. quiet zone when not given */
	int ring_default;     /* countdown ring diameter when not given */
};

/* Fill t for a screen of w x h logical px (either orientation). */
void theme_init(struct theme *t, int w, int h);

/* Scale a design value (for a 1080 px short side) to t's screen. */
int theme_px(const struct theme *t, int design_px);

#endif
