/*
 * ui_pages.h - the widget gallery's pages: one frame of every widget, laid
 * out as the kiosk's screens will be. Used by tools/ui_gallery.c (PNGs and
 * the benchmark) and tests/ui/test_render.c. Company names, dates and the
 * notice paragraph are sample data, not product text; everything else comes
 * from the catalog.
 */
#ifndef CA_UI_PAGES_H
#define CA_UI_PAGES_H

#include "ui/ui.h"

/* State the pages keep between frames (field values, choices, tabs). */
struct ui_pages {
	char company[128];   /* 单位名称 */
	char uscc[32];       /* 统一社会信用代码 */
	char legal_rep[64];  /* 法定代表人 */
	char comment[256];   /* 意见 */
	int business;        /* segmented choice */
	int pickup;          /* radio choice */
	int tab;             /* status tab */
	int remaining_s;     /* countdown */
	int page;            /* which page draws */
	int64_t toast_at;    /* frame time the toast was raised (0: not yet) */
};

/* The QR content the pay page shows (tests decode it back). */
#define UI_PAGES_QR "weixin://wxpay/bizpayurl?pr=Kx7Hq2Za9"

enum {
	UI_PAGE_FORM,    /* steps, fields (focus, error, placeholder), segmented choice, footer */
	UI_PAGE_LIST,    /* offline banner, status tabs, list rows with pills, scroll */
	UI_PAGE_PAY,     /* QR, countdown ring, captions */
	UI_PAGE_DIALOG,  /* modal dialog over a list, with a field and buttons */
	UI_PAGE_NOTICE,  /* heading, wrapped paragraph in a scroll view, radio, disabled button */
	UI_PAGE_WAIT,    /* spinner, toast, danger and secondary buttons */
	UI_PAGE__N
};

/* Fill p with the sample state. */
void ui_pages_init(struct ui_pages *p);

/* Short name of page i for file names ("form"). */
const char *ui_pages_name(int i);

/* Emit page p->page into ui (between ui_begin and ui_end). */
void ui_pages_draw(struct ui *ui, struct ui_pages *p);

#endif
