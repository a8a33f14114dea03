/*
 * ui.h - the kiosk's immediate-mode UI layer.
 *
 * The UI never draws. Each frame a screen function reads the app state and
 * calls widgets; each widget lays itself out, reads this frame's input, adds
 * draw commands to a list (draw.h) and records itself in a registry:
 *
 *	ui_begin(ui, now_ms);
 *	ui_screen_begin(ui, msg(MSG_ACT_SUBMIT), UI_SCREEN_FOOTER);
 *	ui_field(ui, "company", msg(MSG_F_COMPANY), buf, sizeof buf, hint, err, 0);
 *	ui_footer_begin(ui);
 *	if (ui_button(ui, msg(MSG_ACT_SUBMIT)))
 *		app_submit(app);
 *	ui_footer_end(ui);
 *	if (ui_end(ui))                      // true: the picture changed
 *		render_frame(r, ui_draw_list(ui));
 *
 * The renderer (render*.c) is the only code that talks to SDL; it also turns
 * SDL events into the ui_input_* calls below. Text is measured through
 * struct ui_metrics, which the renderer supplies (tests supply a fake).
 *
 * Scripts and tests find widgets in the registry of the last frame by their
 * visible label or by id (ui_find_label, ui_find_id) and tap their centre;
 * a disabled widget, or one under a dialog, is never tappable.
 *
 * Memory: struct ui is large (about 1 MiB, fixed caps, no allocation after
 * ui_new); everything a widget returns is borrowed until the next ui_begin.
 */
#ifndef CA_UI_H
#define CA_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "draw.h"
#include "theme.h"

/* Caps. */
#define UI_WIDGETS_MAX   320          /* registry entries per frame */
#define UI_ID_MAX        63           /* bytes of a widget id */
#define UI_LABEL_MAX     255          /* bytes of a label kept in the registry */
#define UI_VALUE_MAX     255          /* bytes of a field value kept in the registry */
#define UI_INPUT_TEXT_MAX 256         /* bytes of typed text between two frames */
#define UI_LAYOUT_DEPTH  8            /* nested layouts (screen, card, scroll...) */
#define UI_ROW_MAX       8            /* cells in one row */
#define UI_SCROLLS_MAX   8            /* scroll regions remembered */
#define UI_DIALOGS_MAX   4            /* dialog sizes remembered */
#define UI_QR_CACHE      2            /* QR symbols kept encoded */
#define UI_QR_DATA_MAX   1024         /* bytes of QR content */
#define UI_QR_MODULES_MAX 177         /* version 40 */
#define UI_LINES_MAX     64           /* lines of one wrapped text */
#define UI_TOAST_MAX     255          /* bytes of a toast */

/* Text measuring, supplied by the renderer (or a test). */
struct ui_metrics {
	void *ctx; /* passed through */
	/* Width in px of the len bytes of UTF-8 at s, in font at size px. */
	int (*text_width)(void *ctx, enum draw_font font, int size, const char *s, size_t len);
	/* Height in px of one line of font at size px (the text box height). */
	int (*line_height)(void *ctx, enum draw_font font, int size);
};

/* Widget options (flags). */
enum {
	UI_OPT_DISABLED  = 1 << 0, /* shown, not tappable */
	UI_OPT_SECONDARY = 1 << 1, /* button: outlined, for the lesser action */
	UI_OPT_DANGER    = 1 << 2, /* button: destructive */
	UI_OPT_DIGITS    = 1 << 3, /* field: digits only (the keyboard shows a digit pad) */
	UI_OPT_RADIO     = 1 << 4, /* choice: a vertical radio list, not segmented */
	UI_OPT_FIT       = 1 << 5, /* button: as wide as its label, not its cell */
};

/* ui_field results (flags). */
enum {
	UI_RES_CHANGE = 1 << 0, /* the value changed this frame */
	UI_RES_FOCUS  = 1 << 1, /* the field was tapped and has the focus now */
	UI_RES_SUBMIT = 1 << 2, /* Enter was pressed in it */
};

/* ui_screen_begin flags. */
enum {
	UI_SCREEN_BACK   = 1 << 0, /* a 返回 button in the top bar */
	UI_SCREEN_FOOTER = 1 << 1, /* reserve the bottom action bar */
};

/* Keys that do not type text. */
enum ui_key {
	UI_KEY_BACKSPACE = 1,
	UI_KEY_ENTER,
};

/* Pointer events (mouse button 1 or the first finger). */
enum ui_pointer {
	UI_POINTER_DOWN,
	UI_POINTER_MOVE,
	UI_POINTER_UP,
	UI_POINTER_CANCEL, /* the press in progress ends: no tap, no drag (x, y unused) */
};

/* Status colours of pills, banners and rings. */
enum ui_tone {
	UI_TONE_NEUTRAL,
	UI_TONE_INFO,
	UI_TONE_SUCCESS,
	UI_TONE_WARNING,
	UI_TONE_DANGER,
};

/* Horizontal alignment of text. */
enum ui_align {
	UI_ALIGN_LEFT,
	UI_ALIGN_CENTER,
	UI_ALIGN_RIGHT,
};

/* What a registry entry is. */
enum ui_kind {
	UI_KIND_BUTTON,
	UI_KIND_FIELD,
	UI_KIND_OPTION, /* one option of a choice */
	UI_KIND_TAB,
	UI_KIND_ITEM,   /* list row */
	UI_KIND_TEXT,   /* label, heading, paragraph, caption, error, banner, toast */
	UI_KIND_QR,
	UI_KIND_OTHER,  /* spinner, ring, steps */
};

/* One widget of the last frame, as scripts and tests see it. */
struct ui_widget {
	char id[UI_ID_MAX + 1];          /* explicit id, or the label */
	char label[UI_LABEL_MAX + 1];    /* visible text ("" if none) */
	char value[UI_VALUE_MAX + 1];    /* field value / QR content ("" if none) */
	struct draw_rect rect;           /* on-screen part (clipped to its view) */
	uint8_t kind;                    /* enum ui_kind */
	uint8_t layer;                   /* 0 screen, 1 dialog, 2 toast */
	bool enabled;                    /* false: UI_OPT_DISABLED */
	bool visible;                    /* some of it is on screen (not scrolled away) */
	bool blocked;                    /* under an open dialog */
	bool focused;                    /* the focused field */
	bool selected;                   /* selected option / tab */
	unsigned opts;                   /* the UI_OPT_* it was given */
};

/* One line of wrapped text: bytes [off, off + len) of the text. */
struct ui_line {
	int off;   /* byte offset */
	int len;   /* bytes */
	int width; /* px */
};

/* ---- internals (read-only for callers; documented for the renderer and tests) ---- */

/* A layout frame: widgets take rows from top to bottom inside body. */
struct ui_layout {
	struct draw_rect body;  /* the area widgets fill */
	int y;                  /* next free y */
	int max_y;              /* lowest bottom edge used */
	int gap;                /* vertical gap after each widget */
	int row_n;              /* cells of the current row (0: no row) */
	int row_i;              /* next cell */
	int row_h;              /* row height (0: each widget's own) */
	int row_x[UI_ROW_MAX];  /* cell x */
	int row_w[UI_ROW_MAX];  /* cell widths */
	int row_bottom;         /* lowest bottom in the row so far */
	bool on_card;           /* text here sits on the card colour */
	int patch;              /* card/dialog background command to size at the end, -1 */
	int scroll;             /* index in scrolls[] when this is a scroll view, -1 */
	int dialog;             /* index in dialogs[] when this is a dialog, -1 */
	struct draw_rect clip_saved; /* clip to restore when popped */
};

/* A touch-scroll region, kept across frames by id. */
struct ui_scroll {
	uint32_t id;       /* hash of the region's id; 0 = free */
	double offset;     /* px scrolled from the top, 0 .. max */
	double velocity;   /* px/ms of offset, while flinging */
	int content_h;     /* content height of the last frame */
	int view_h;        /* viewport height of the last frame */
	int64_t last_ms;   /* time of the last update */
	int64_t move_ms;   /* time of the last finger move */
	int64_t used_frame; /* frame it was last used in */
};

/* A dialog's measured height, kept across frames to centre it. */
struct ui_dialog {
	uint32_t id; /* hash of the dialog id; 0 = free */
	int h;       /* card height of the last frame */
};

/* An encoded QR symbol. */
struct ui_qr {
	char data[UI_QR_DATA_MAX + 1];  /* content ("" = free) */
	int n;                          /* modules across; 0 when encoding failed */
	uint8_t mod[UI_QR_MODULES_MAX * UI_QR_MODULES_MAX]; /* 1 = dark */
	int64_t used_frame;             /* for replacement */
};

struct ui {
	struct theme theme;        /* the look, for this screen size */
	struct ui_metrics m;       /* text measuring */
	int w, h;                  /* logical screen size */
	int64_t now_ms;            /* this frame's time */
	int64_t frame;             /* frames begun */

	/* input since the previous frame */
	struct {
		int x, y;             /* pointer position */
		bool down;            /* pointer is down now */
		bool pressed;         /* went down since the last frame */
		bool released;        /* went up since the last frame */
		int px, py;           /* where it went down */
		int rx, ry;           /* where it went up */
		char text[UI_INPUT_TEXT_MAX]; /* typed UTF-8; \b = Backspace, \r = Enter */
		size_t text_len;      /* bytes in text */
		int wheel;            /* wheel px (positive: content moves up) */
	} in;

	uint32_t active;           /* widget holding the pointer; 0 none */
	uint32_t focus;            /* focused field; 0 none */
	bool consumed;             /* a widget took this frame's press */
	bool dragging;             /* the pointer became a scroll drag: no taps */
	int drag_scroll;           /* scrolls[] index being dragged, -1 */
	int drag_y;                /* last pointer y seen by the drag */
	int drag_start_y;          /* pointer y when the press began */

	int layer;                 /* layer commands go to */
	bool modal_prev;           /* a dialog was open last frame */
	bool modal_now;            /* a dialog is open this frame */
	struct draw_rect clip;     /* current clip */

	struct ui_layout layouts[UI_LAYOUT_DEPTH]; /* layout stack */
	int nlayouts;              /* depth */
	struct draw_rect footer;   /* bottom bar of the screen (h 0: none) */

	struct ui_scroll scrolls[UI_SCROLLS_MAX]; /* scroll state by id */
	struct ui_dialog dialogs[UI_DIALOGS_MAX]; /* dialog heights by id */
	struct ui_qr qr[UI_QR_CACHE];             /* encoded QR symbols */

	char toast[UI_TOAST_MAX + 1]; /* toast text ("" none) */
	int64_t toast_until;       /* when it goes */

	int dialog_reserve;        /* px at the bottom dialogs keep clear (this frame) */
	int64_t deadline;          /* earliest time a frame is wanted; INT64_MAX none */
	bool rerun;                /* a size learned this frame changes the layout */
	uint64_t hash;             /* this frame's command hash */
	uint64_t last_hash;        /* the hash of the last frame reported dirty */
	bool force;                /* next ui_end reports dirty regardless */

	struct draw_list dl;       /* this frame's commands */
	struct ui_widget widgets[UI_WIDGETS_MAX]; /* this frame's registry */
	int nwidgets;              /* entries used */
	int widgets_dropped;       /* entries that did not fit */
};

/* ---- lifecycle ---- */

/* A new context for a w x h screen measuring text with m; NULL if out of
 * memory. The caller owns it: ui_free(). */
struct ui *ui_new(int w, int h, const struct ui_metrics *m);
/* Free ui; ui_free(NULL) is fine. */
void ui_free(struct ui *ui);
/*
 * Forget everything the context keeps of past frames: the draw list and
 * its text, the widget registry, typed input, the QR symbols, scroll
 * offsets and dialog sizes, all zeroed (a person's data shows in them). The
 * toast stays (its texts come from the catalog, see ui_toast). The screen size, theme and metrics stay; the next frame is drawn
 * in full. For the end of a session (docs/privacy.md).
 */
void ui_forget(struct ui *ui);
/* Change the screen size (and the theme with it) for later frames. */
void ui_resize(struct ui *ui, int w, int h);

/* ---- input (between frames) ---- */

/* A pointer event at logical (x, y). */
void ui_input_pointer(struct ui *ui, enum ui_pointer ev, int x, int y);
/* Text typed into the focused field (UTF-8; control characters dropped). */
void ui_input_text(struct ui *ui, const char *utf8);
/* A non-text key. */
void ui_input_key(struct ui *ui, enum ui_key key);
/* Mouse wheel over the pointer, px (positive scrolls the content up). */
void ui_input_wheel(struct ui *ui, int dy);

/* ---- frames ---- */

/* Start a frame at time now_ms (monotonic or virtual; ms). */
void ui_begin(struct ui *ui, int64_t now_ms);
/*
 * Finish the frame. Returns true when its commands differ from the last
 * frame that returned true (so it must be drawn). When ui_rerun() is true
 * afterwards, run the frame again before drawing: a size learned in this
 * frame (dialog height, scroll extent) moves things.
 */
bool ui_end(struct ui *ui);
/* See ui_end. */
bool ui_rerun(const struct ui *ui);
/* Make the next ui_end report a change (e.g. the window was exposed). */
void ui_invalidate(struct ui *ui);
/* This frame's commands. Borrowed until the next ui_begin. */
const struct draw_list *ui_draw_list(const struct ui *ui);
/* When the next frame is wanted (ms, same clock as ui_begin), or -1 when
 * nothing animates: the loop sleeps on events until then. */
int64_t ui_next_deadline(const struct ui *ui);
/* Ask for a frame at time t_ms (e.g. the next countdown second). */
void ui_wake_at(struct ui *ui, int64_t t_ms);
/* The theme in use. Borrowed. */
const struct theme *ui_theme(const struct ui *ui);

/* ---- focus ---- */

/* Focus the field with id (NULL: none). */
void ui_set_focus(struct ui *ui, const char *id);
/* The focused field of the last frame, or NULL. Borrowed. */
const struct ui_widget *ui_focused(const struct ui *ui);

/* ---- registry (of the last finished frame) ---- */

/* The best widget whose visible label is exactly label: tappable ones
 * first, then the topmost layer, then the last drawn. NULL if none. */
const struct ui_widget *ui_find_label(const struct ui *ui, const char *label);
/* The widget with this id (preferring a tappable one), or NULL. */
const struct ui_widget *ui_find_id(const struct ui *ui, const char *id);
/* Enabled, on screen, not under a dialog, and a kind that takes taps. */
bool ui_tappable(const struct ui_widget *w);
/* Whether text occurs in the label or value of any visible widget. */
bool ui_text_visible(const struct ui *ui, const char *text);
/* The centre of w, where a script taps. */
void ui_widget_center(const struct ui_widget *w, int *x, int *y);
/* All entries of the last frame; *n gets their count. Borrowed. */
const struct ui_widget *ui_widgets(const struct ui *ui, int *n);

/* ---- layout ---- */

/* Background, top bar with title (and 返回 with UI_SCREEN_BACK), and the
 * body column. Returns true when 返回 was tapped. */
bool ui_screen_begin(struct ui *ui, const char *title, unsigned flags);
/* Start / end placing widgets in the bottom action bar (UI_SCREEN_FOOTER). */
void ui_footer_begin(struct ui *ui);
void ui_footer_end(struct ui *ui);
/*
 * The next n widgets go side by side. widths[i] > 0 is px, 0 shares what is
 * left equally; widths NULL: all equal. h > 0 fixes the row height.
 */
void ui_row(struct ui *ui, int n, const int *widths, int h);
/* Vertical space of px. */
void ui_space(struct ui *ui, int px);
/* Take the next cell of height h (the full width, or a row cell). */
struct draw_rect ui_next(struct ui *ui, int h);
/* The rectangle still free in the current layout (for ui_scroll_begin). */
struct draw_rect ui_remaining(const struct ui *ui);
/* A nested column in the next cell (of a row, or the full width): widgets
 * stack inside it until ui_column_end, which takes the cell's height. */
void ui_column_begin(struct ui *ui);
void ui_column_end(struct ui *ui);
/* A white card with padding; widgets inside until ui_card_end. */
void ui_card_begin(struct ui *ui);
void ui_card_end(struct ui *ui);
/* A touch-scroll view of height h (0: the rest of the layout). Drag with
 * inertia, clamped to the content; widgets inside until ui_scroll_end. */
void ui_scroll_begin(struct ui *ui, const char *id, int h);
void ui_scroll_end(struct ui *ui);
/* Move the scroll view id by px on its next frame (positive: the content
 * moves up, as a page-down button does); clamped to the content then. No
 * effect on a view not drawn yet. */
void ui_scroll_by(struct ui *ui, const char *id, int px);
/* Whether the scroll view id shows the end of its content (or all of it),
 * as of its last ui_scroll_end. False for a view not drawn yet. */
bool ui_scroll_at_end(const struct ui *ui, const char *id);
/* Whether the screen is wider than tall (for two-column screens). */
bool ui_is_landscape(const struct ui *ui);

/* ---- widgets ---- */

/* A primary button; true when tapped (pressed and released inside). */
bool ui_button(struct ui *ui, const char *label);
/* A button with an id (NULL: the label) and UI_OPT_* flags. */
bool ui_button_ex(struct ui *ui, const char *id, const char *label, unsigned opts);
/* A button at the absolute rectangle r (keyboard keys, grids that are not
 * rows): as ui_button_ex otherwise. */
bool ui_key(struct ui *ui, const char *id, const char *label, struct draw_rect r, unsigned opts);
/* A plain panel at r in the page colour with a top rule (the keyboard's
 * background); widgets drawn after it lie on top. */
void ui_panel(struct ui *ui, struct draw_rect r);
/* Width in px of text in font at size. */
int ui_text_width(const struct ui *ui, enum draw_font font, int size, const char *s);

/* Height of one line of text in font at size px (the renderer's measure). */
int ui_line_height(const struct ui *ui, enum draw_font font, int size);
/*
 * A text field: caption above, the value (or the placeholder when empty)
 * with a caret when focused, error text under it (NULL or "": none). Typed
 * text goes into buf (size bufsz, NUL-terminated, whole UTF-8 characters
 * only). Returns UI_RES_* flags.
 */
int ui_field(struct ui *ui, const char *id, const char *caption, char *buf, size_t bufsz,
	     const char *placeholder, const char *error, unsigned opts);
/* A choice of n options (segmented, or a radio list with UI_OPT_RADIO),
 * with a caption (NULL: none). *sel is the selected index (-1 none);
 * true when the user changed it. Option i has the id "ID.i". */
bool ui_choice(struct ui *ui, const char *id, const char *caption,
	       const char *const *options, int n, int *sel, unsigned opts);
/* Status tabs: labels with optional counts (NULL: none). True on change.
 * Tab i has the id "ID.i" and its label without the count. */
bool ui_tabs(struct ui *ui, const char *id, const char *const *labels,
	     const int *counts, int n, int *sel);
/* A list row: title, detail line (may be NULL), a status pill (may be
 * NULL). True when tapped (not when the tap was a scroll drag). */
bool ui_list_item(struct ui *ui, const char *id, const char *title, const char *detail,
		  const char *status, enum ui_tone tone);
/* Text: a heading (bold, title size), a paragraph (wrapped), a single line
 * label, and small print (caption size, muted). All wrap to the cell. */
void ui_heading(struct ui *ui, const char *text);
void ui_paragraph(struct ui *ui, const char *text);
void ui_label(struct ui *ui, const char *text);
void ui_caption(struct ui *ui, const char *text);
/* Wrapped text in the given font, size and ink, aligned. */
void ui_text(struct ui *ui, const char *text, enum draw_font font, int size,
	     enum theme_ink_id ink, enum ui_align align);
/* A full-width strip at the top of the body (e.g. offline), tone colours. */
void ui_banner(struct ui *ui, const char *text, enum ui_tone tone);
/* A status pill, alone on its row (list rows draw their own). */
void ui_pill(struct ui *ui, const char *text, enum ui_tone tone);
/* "第 N 步 / 共 M 步" with a progress bar; names[current-1] shown if given. */
void ui_steps(struct ui *ui, int current, int total, const char *const *names);
/* An animated spinner with a caption (NULL: none); asks for frames. */
void ui_spinner(struct ui *ui, const char *caption);
/* A countdown ring (arc of remaining/total) with mm:ss in the middle;
 * diameter 0: theme default. The last minute is drawn in the urgent ink. */
void ui_countdown(struct ui *ui, const char *id, int remaining_s, int total_s, int diameter);
/*
 * A QR code of data: 4-module quiet zone on white, an integer number of px
 * per module, at least theme.qr_min px across the symbol; size is the
 * wanted outer size (0: theme default). Returns 0, or -1 when data cannot
 * be encoded (a message is shown instead).
 */
int ui_qr(struct ui *ui, const char *id, const char *data, int size);
/* Open a modal dialog (call every frame it is open, after the screen);
 * widgets until ui_dialog_end go on the dialog card. Other widgets are not
 * tappable while it is open. */
void ui_dialog_begin(struct ui *ui, const char *id, const char *title);
void ui_dialog_end(struct ui *ui);
/* Keep px at the bottom of the screen clear of dialogs opened after this
 * call in this frame (e.g. for an on-screen keyboard). */
void ui_dialog_reserve(struct ui *ui, int px);
/* Show text in a toast for ms from now (replaces any toast). Catalog texts
 * only, never a person's data: a toast outlives ui_forget. */
void ui_toast(struct ui *ui, const char *text, int ms);

/* ---- text ---- */

/*
 * Break text into lines no wider than max_w: between any two CJK
 * characters, at spaces, never inside a Latin word (unless the word alone is
 * too wide), at '\n'; closing punctuation never starts a line, opening
 * punctuation never ends one. Returns the number of lines (<= max).
 */
int ui_wrap(const struct ui *ui, enum draw_font font, int size, const char *text,
	    int max_w, struct ui_line *lines, int max);

#endif
