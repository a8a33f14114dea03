/*
 * invoice_pdf.c - the 数电票 on one PDF page (see invoice_pdf.h).
 *
 * Where to start reading: page_build() lays the page out top to bottom as
 * cells (a rectangle, a text, a style) and remembers where the frame's
 * lines go; cell_fit() finds the size and the line breaks that keep a text
 * inside its cell; page_draw() draws the frame, the QR code and every
 * cell. invoice_pdf_render() and invoice_pdf_layout() run the same code on
 * a PDF surface, the first keeping the PDF, the second the cells.
 *
 * Units are PDF points, origin at the top left. Text goes through
 * cairo_show_text with the FT font face: no shaping and no kerning, so a
 * line is exactly as wide as the sum of its characters' advances, and on a
 * PDF surface (metrics not hinted) an advance is proportional to the size.
 * A line's box is the font's ascent above the baseline and its descent
 * below (what pdftotext reports as a word's box); lines are stacked box on
 * box.
 */
#include "invoice_pdf.h"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <pthread.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cst.h"
#include "core/log.h"
#include "core/money.h"
#include "core/sign.h"
#include "core/utf8.h"

#define TAG "invoice"

/* ---- the font ---- */

/* The loaded font; guarded by font_mu, which also serialises renders. */
static pthread_mutex_t font_mu = PTHREAD_MUTEX_INITIALIZER;
static FT_Library ft_lib;          /* FreeType, once loaded */
static FT_Face ft_face;            /* the face in use */
static cairo_font_face_t *cr_face; /* cairo's wrapper of ft_face */
static char font_loaded[256];      /* the path it came from */

/* Load the font at path (the SC face of a collection); under font_mu. */
static bool font_load(const char *path, char *err, size_t errlen)
{
	FT_Face probe;
	FT_Long i, n, pick = 0;

	if (cr_face && !strcmp(font_loaded, path))
		return true;
	if (cr_face) { /* another path: not expected in one run, but be correct */
		cairo_font_face_destroy(cr_face);
		cr_face = NULL;
		FT_Done_Face(ft_face);
		ft_face = NULL;
	}
	if (!ft_lib && FT_Init_FreeType(&ft_lib)) {
		snprintf(err, errlen, "FreeType does not start");
		return false;
	}
	if (FT_New_Face(ft_lib, path, -1, &probe)) {
		snprintf(err, errlen, "%s: not a font file FreeType can read", path);
		return false;
	}
	n = probe->num_faces;
	FT_Done_Face(probe);
	/* In Noto Sans CJK's collection the faces are JP, KR, SC, TC, HK:
	 * take the Simplified Chinese one by name. */
	for (i = 0; i < n && n > 1; i++) {
		if (FT_New_Face(ft_lib, path, i, &probe))
			continue;
		if (probe->family_name && strstr(probe->family_name, " SC"))
			pick = i;
		FT_Done_Face(probe);
		if (pick == i && i > 0)
			break;
	}
	if (FT_New_Face(ft_lib, path, pick, &ft_face)) {
		snprintf(err, errlen, "%s: face %ld cannot be loaded", path, (long)pick);
		ft_face = NULL;
		return false;
	}
	cr_face = cairo_ft_font_face_create_for_ft_face(ft_face, 0);
	if (cairo_font_face_status(cr_face) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo cannot use %s", path);
		cairo_font_face_destroy(cr_face);
		cr_face = NULL;
		FT_Done_Face(ft_face);
		ft_face = NULL;
		return false;
	}
	snprintf(font_loaded, sizeof(font_loaded), "%s", path);
	return true;
}

void invoice_pdf_shutdown(void)
{
	pthread_mutex_lock(&font_mu);
	if (cr_face) {
		cairo_font_face_destroy(cr_face);
		cr_face = NULL;
	}
	cairo_debug_reset_static_data(); /* drops cairo's font caches */
	if (ft_face) {
		FT_Done_Face(ft_face);
		ft_face = NULL;
	}
	if (ft_lib) {
		FT_Done_FreeType(ft_lib);
		ft_lib = NULL;
	}
	font_loaded[0] = '\0';
	pthread_mutex_unlock(&font_mu);
}

/* ---- the page's geometry ---- */

#define PAGE_W INVOICE_PAGE_W
#define PAGE_H INVOICE_PAGE_H
#define FRAME_L 36.0                 /* the frame's left edge */
#define FRAME_R (PAGE_W - 36.0)      /* and its right edge */
#define FRAME_W (FRAME_R - FRAME_L)
#define QR_X 36.0                    /* the QR code's square, quiet zone included */
#define QR_Y 20.0
#define QR_W 84.0
#define QR_QUIET 4                   /* modules of quiet zone around the code */
#define Y_PARTIES 112.0              /* the frame's top: buyer and seller */
#define H_PARTIES 96.0
#define CAP_W 22.0                   /* a section's vertical caption column */
#define H_HEAD 20.0                  /* the items' head row */
#define H_SUM 20.0                   /* 合计 */
#define H_TOTAL 26.0                 /* 价税合计 */
#define H_REMARKS 72.0               /* 备注 */
#define Y_BOTTOM (PAGE_H - 50.0)     /* the frame's bottom */
#define PAD_X 4.0                    /* a cell's text keeps this far from its sides */
#define PAD_Y 2.0                    /* and from its top and bottom */

/* Sizes: what a text prefers, and the floor the longest valid values
 * reach (tests/hub/test_invoice_pdf.c renders them). */
#define SIZE_TITLE 22.0
#define SIZE_TEXT 10.0
#define SIZE_ITEM 9.0
#define FLOOR_TEXT 6.5
#define FLOOR_ITEM 6.0
#define SIZE_MIN 2.0  /* past the floor, only text no validator lets through */
#define SIZE_STEP 0.25

/* The items' columns, left to right: their widths add up to FRAME_W. */
enum col { C_NAME, C_SPEC, C_UNIT, C_QTY, C_PRICE, C_AMOUNT, C_RATE, C_TAX, C__N };
static const double col_w[C__N] = { 196, 124, 46, 70, 88, 90, 66, FRAME_W - 680 };
static const char *const col_head[C__N] = { "项目名称", "规格型号", "单　位", "数　量",
					    "单　价", "金　额", "税率/征收率", "税　额" };
static const char *const col_id[C__N] = { "name", "spec", "unit", "qty",
					  "price", "amount", "rate", "tax" };

enum align { AL_LEFT, AL_CENTRE, AL_RIGHT };

#define ST_CAPTION 0x1 /* printed caption: the frame's ink (else the text's) */
#define ST_TOP 0x2     /* first line at the top (else centred vertically) */
#define ST_FIGURE 0x4  /* figures: smaller on one line before wrapping */
#define ST_BREAKS 0x8  /* a '\n' in the text starts a new line (备注) */

/* How a cell's text is set. */
struct style {
	double base;      /* the size it prefers */
	double floor;     /* the smallest size valid values take */
	enum align align; /* of each line */
	unsigned flags;   /* ST_* */
};

static const struct style s_title = { SIZE_TITLE, 14, AL_CENTRE, ST_CAPTION };
static const struct style s_caption = { SIZE_TEXT, FLOOR_TEXT, AL_LEFT, ST_CAPTION };
static const struct style s_caption_c = { SIZE_TEXT, FLOOR_TEXT, AL_CENTRE, ST_CAPTION };
static const struct style s_value = { SIZE_TEXT, FLOOR_TEXT, AL_LEFT, 0 };
static const struct style s_name = { SIZE_TEXT, FLOOR_TEXT, AL_LEFT, ST_TOP };
static const struct style s_figure_r = { SIZE_TEXT, FLOOR_TEXT, AL_RIGHT, ST_FIGURE };
static const struct style s_remarks = { SIZE_TEXT, FLOOR_TEXT, AL_LEFT, ST_TOP | ST_BREAKS };
static const struct style s_item = { SIZE_ITEM, FLOOR_ITEM, AL_LEFT, ST_TOP };
static const struct style s_item_c = { SIZE_ITEM, FLOOR_ITEM, AL_CENTRE, ST_TOP };
static const struct style s_item_fig = { SIZE_ITEM, FLOOR_ITEM, AL_RIGHT, ST_TOP | ST_FIGURE };

/* ---- text: characters, breaks, fitting ---- */

#define LINES_MAX 200

/* A cell's text as characters, with their advances at size 1. */
struct chars {
	int n;                                /* characters */
	int off[INVOICE_CELL_TEXT_MAX + 1];   /* byte offset of each; off[n] the end */
	uint32_t cp[INVOICE_CELL_TEXT_MAX];   /* its code point */
	double adv[INVOICE_CELL_TEXT_MAX];    /* its advance at size 1 */
};

/* A text fitted to a cell: the size and where the lines begin and end. */
struct fitted {
	double size;              /* font size */
	double asc, lh;           /* ascent and line height at that size */
	int n;                    /* lines */
	int from[LINES_MAX];      /* first character of each line */
	int to[LINES_MAX];        /* one past its last */
	double width[LINES_MAX];  /* its width */
	bool fits;                /* inside the cell (else set at SIZE_MIN anyway) */
};

/* Everything one page needs; on the heap (the scratch is large). */
struct page {
	cairo_t *cr;
	struct invoice_layout *lay;
	struct style st[INVOICE_CELLS_MAX];  /* each cell's style */
	struct chars ch;                     /* scratch: the cell being fitted */
	struct fitted fit;                   /* scratch: its fit */
	double asc1, desc1;                  /* the font's ascent and descent at size 1 */
	const struct einvoice *inv;
	/* where the frame's horizontal rules go */
	double y_head, y_items, y_total, y_remarks;
	int below_floor;                     /* cells set smaller than their floor */
};

/*
 * src into dst (size n) as text cairo can show: malformed UTF-8 becomes
 * U+FFFD, control characters a space ('\n' kept when keep_nl), and only
 * whole sequences are copied.
 */
static void text_clean(char *dst, size_t n, const char *src, bool keep_nl)
{
	const char *s = src;
	size_t o = 0;

	while (*s) {
		uint32_t cp;
		size_t k = utf8_decode(s, strnlen(s, 4), &cp);
		const char *put = s;
		size_t len = k;

		if (k == 0) {
			put = "\xef\xbf\xbd";
			len = 3;
			k = 1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			put = keep_nl && cp == '\n' ? "\n" : " ";
			len = 1;
		}
		if (o + len + 1 > n)
			break;
		memcpy(dst + o, put, len);
		o += len;
		s += k;
	}
	dst[o] = '\0';
}

/* Whether the character may sit beside a line break on either side: the
 * CJK scripts, their punctuation and the full-width forms. */
static bool is_wide(uint32_t c)
{
	return c >= 0x2e80;
}

/* Characters a line may not begin with, and ones it may not end with. */
static const char closers[] = "、。，．：；！？）］｝〉》」』】〕〗’”％…,.;:!?)]}%";
static const char openers[] = "（［｛〈《「『【〔〖‘“([{";

/* Whether code point c is one of the characters of set (UTF-8). */
static bool in_set(const char *set, uint32_t c)
{
	const char *s = set;

	while (*s) {
		uint32_t d;
		size_t k = utf8_decode(s, strnlen(s, 4), &d);

		if (k == 0)
			return false;
		if (d == c)
			return true;
		s += k;
	}
	return false;
}

/* Whether a line may break before character i (i > 0). */
static bool can_break(const struct chars *c, int i)
{
	uint32_t a = c->cp[i - 1], b = c->cp[i];

	if (a == ' ' || b == ' ')
		return true;
	if (in_set(closers, b) || in_set(openers, a))
		return false;
	return is_wide(a) || is_wide(b);
}

/* The characters of text and their advances at size 1 into pg->ch. */
static void chars_measure(struct page *pg, const char *text)
{
	struct chars *c = &pg->ch;
	char one[8];
	int at = 0;

	cairo_set_font_size(pg->cr, 100);
	c->n = 0;
	while (text[at] && c->n < INVOICE_CELL_TEXT_MAX) {
		cairo_text_extents_t ex;
		uint32_t cp;
		size_t k = utf8_decode(text + at, strnlen(text + at, 4), &cp);

		if (k == 0) /* text_clean() let nothing malformed through */
			k = 1;
		memcpy(one, text + at, k);
		one[k] = '\0';
		c->off[c->n] = at;
		c->cp[c->n] = cp;
		if (cp == '\n') {
			c->adv[c->n] = 0;
		} else {
			cairo_text_extents(pg->cr, one, &ex);
			c->adv[c->n] = ex.x_advance / 100;
		}
		c->n++;
		at += (int)k;
	}
	c->off[c->n] = at;
}

/*
 * Break pg->ch into lines no wider than w at size s (greedy: at the last
 * break opportunity that fits, else between any two characters), into
 * pg->fit. false when it takes more than LINES_MAX lines.
 */
static bool wrap(struct page *pg, double w, double s, bool breaks)
{
	const struct chars *c = &pg->ch;
	struct fitted *f = &pg->fit;
	int i = 0;

	f->n = 0;
	while (i < c->n) {
		int start, j, brk = -1, end, next;
		double x = 0;

		while (i < c->n && c->cp[i] == ' ')
			i++;
		if (i >= c->n)
			break;
		start = i;
		for (j = start; j < c->n; j++) {
			if (breaks && c->cp[j] == '\n')
				break;
			if (j > start && can_break(c, j))
				brk = j;
			if (j > start && x + c->adv[j] * s > w)
				break;
			x += c->adv[j] * s;
		}
		if (j >= c->n || (breaks && c->cp[j] == '\n')) {
			end = j;
			next = j < c->n ? j + 1 : j;
		} else if (brk > start) {
			end = next = brk;
		} else {
			end = next = j;
		}
		while (end > start && c->cp[end - 1] == ' ')
			end--;
		if (f->n == LINES_MAX)
			return false;
		f->from[f->n] = start;
		f->to[f->n] = end;
		for (x = 0, j = start; j < end; j++)
			x += c->adv[j] * s;
		f->width[f->n] = x;
		f->n++;
		i = next;
	}
	return true;
}

/* Whether the lines of pg->fit fit a box w x h. */
static bool fits(const struct page *pg, double w, double h)
{
	const struct fitted *f = &pg->fit;
	int i;

	if (f->n * f->lh > h + 1e-6)
		return false;
	for (i = 0; i < f->n; i++)
		if (f->width[i] > w + 1e-6)
			return false;
	return true;
}

/* Set pg->fit's size and line metrics to s. */
static void fit_size(struct page *pg, double s)
{
	pg->fit.size = s;
	pg->fit.asc = pg->asc1 * s;
	pg->fit.lh = (pg->asc1 + pg->desc1) * s;
}

/*
 * Fit text into a box w x h with style st, into pg->fit: the largest size
 * from st->base down, in steps of SIZE_STEP, at which the wrapped text
 * fits (figures first try one line, down to the floor). Past the floor
 * only text longer than any valid value goes; at SIZE_MIN it is set as it
 * falls (fits false).
 */
static void text_fit(struct page *pg, const char *text, double w, double h,
		     const struct style *st)
{
	struct fitted *f = &pg->fit;
	bool breaks = st->flags & ST_BREAKS;
	double s;
	int i;

	chars_measure(pg, text);
	f->fits = true;
	if (st->flags & ST_FIGURE) {
		for (s = st->base; s >= st->floor - 1e-9; s -= SIZE_STEP) {
			fit_size(pg, s);
			f->n = pg->ch.n > 0;
			f->from[0] = 0;
			f->to[0] = pg->ch.n;
			for (f->width[0] = 0, i = 0; i < pg->ch.n; i++)
				f->width[0] += pg->ch.adv[i] * s;
			if (fits(pg, w, h))
				return;
		}
	}
	for (s = st->base; s >= SIZE_MIN - 1e-9; s -= SIZE_STEP) {
		fit_size(pg, s);
		if (wrap(pg, w, s, breaks) && fits(pg, w, h))
			return;
	}
	f->fits = false;
	fit_size(pg, SIZE_MIN);
	if (!wrap(pg, w, SIZE_MIN, breaks))
		f->n = LINES_MAX;
}

/* ---- the layout: cells ---- */

/*
 * A cell over the box (x, y, w, h) holding text in style st; its text
 * area is the box less the padding. id is printf-like.
 */
__attribute__((format(printf, 8, 9)))
static int cell(struct page *pg, double x, double y, double w, double h,
		const struct style *st, const char *text, const char *idfmt, ...)
{
	struct invoice_layout *lay = pg->lay;
	struct invoice_cell *c;
	va_list ap;

	if (lay->n >= INVOICE_CELLS_MAX) {
		log_error(TAG, "more than %d cells on the page", INVOICE_CELLS_MAX);
		return -1;
	}
	c = &lay->cell[lay->n];
	memset(c, 0, sizeof(*c));
	va_start(ap, idfmt);
	vsnprintf(c->id, sizeof(c->id), idfmt, ap);
	va_end(ap);
	c->x = x + PAD_X;
	c->y = y + PAD_Y;
	c->w = w - 2 * PAD_X;
	c->h = h - 2 * PAD_Y;
	c->floor = st->floor;
	text_clean(c->text, sizeof(c->text), text ? text : "", st->flags & ST_BREAKS);
	pg->st[lay->n] = *st;
	return lay->n++;
}

/* The height text needs at style st's preferred size in a box w wide,
 * padding included (one line at least). */
static double need_height(struct page *pg, const char *text, double w, const struct style *st)
{
	char clean[INVOICE_CELL_TEXT_MAX];
	int n;

	text_clean(clean, sizeof(clean), text, false);
	chars_measure(pg, clean);
	fit_size(pg, st->base);
	n = wrap(pg, w - 2 * PAD_X, st->base, false) ? pg->fit.n : LINES_MAX;
	return (n > 1 ? n : 1) * pg->fit.lh + 2 * PAD_Y + 0.5;
}

/* "2026年11月24日" of Unix seconds s, in China time. */
static void date_text(int64_t s, char *out, size_t n)
{
	struct tm tm;

	ca_cst_tm(s, &tm);
	snprintf(out, n, "%04d年%02d月%02d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void invoice_pdf_qr_text(const struct einvoice *inv, char *out, size_t n)
{
	char amount[MONEY_FIGURES_MAX], hash[SIGN_HEX_LEN + 1];
	struct tm tm;
	int k, i;

	ca_cst_tm(inv->issued_s, &tm);
	money_figures(inv->total_fen, amount, sizeof(amount));
	k = snprintf(out, n, "01,32,,%s,%s,%04d%02d%02d,,", inv->number, amount,
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (k < 0 || (size_t)k + 5 > n) {
		if (n > 0)
			out[0] = '\0';
		return;
	}
	sign_sha256_hex(out, (size_t)k, hash);
	for (i = 0; i < 4; i++)
		out[k + i] = (char)(hash[i] >= 'a' ? hash[i] - 32 : hash[i]);
	out[k + 4] = '\0';
}

/* A section's caption written downwards in its own column (购买方信息). */
static void caption_column(struct page *pg, double x, double y, double h, const char *text,
			   const char *id)
{
	cell(pg, x, y, CAP_W, h, &s_caption_c, text, "%s", id);
}

/* One party (buyer or seller): its box from x, w wide, below y. */
static void party(struct page *pg, const char *who, const char *caption, double x, double w,
		  const char *name, const char *tax_id)
{
	const double y = Y_PARTIES, cx = x + CAP_W + 2, right = x + w - 2;
	const double label_w = 40, id_label_w = 166;

	caption_column(pg, x, y, H_PARTIES, caption, who);
	cell(pg, cx, y + 4, label_w, 20, &s_caption, "名称：", "%s.name_label", who);
	cell(pg, cx + label_w, y + 4, right - cx - label_w, 64, &s_name, name, "%s.name", who);
	cell(pg, cx, y + 70, id_label_w, 22, &s_caption, "统一社会信用代码/纳税人识别号：",
	     "%s.id_label", who);
	cell(pg, cx + id_label_w, y + 70, right - cx - id_label_w, 22, &s_value, tax_id,
	     "%s.id", who);
}

/*
 * The heights of the item rows in an area h high: each row what its text
 * needs at the preferred size; when together they need more than h, the
 * rows that need less than an even share keep their need and the others
 * share what is left evenly (their text is then set smaller).
 */
static void item_rows(struct page *pg, double h, double *row_h)
{
	const struct einvoice *inv = pg->inv;
	double need[EINV_ITEMS_MAX], left = h, sum = 0;
	bool fixed[EINV_ITEMS_MAX] = { false };
	int i, open = inv->nitems, changed = 1;

	for (i = 0; i < inv->nitems; i++) {
		const struct einv_item *it = &inv->items[i];
		double a = need_height(pg, it->name, col_w[C_NAME], &s_item);
		double b = need_height(pg, it->spec, col_w[C_SPEC], &s_item);
		double c = need_height(pg, it->unit, col_w[C_UNIT], &s_item);

		need[i] = a > b ? a : b;
		need[i] = need[i] > c ? need[i] : c;
		sum += need[i];
	}
	if (sum <= h) {
		memcpy(row_h, need, sizeof(need[0]) * (size_t)inv->nitems);
		return;
	}
	while (changed && open > 0) {
		changed = 0;
		for (i = 0; i < inv->nitems; i++) {
			if (!fixed[i] && need[i] <= left / open) {
				fixed[i] = true;
				row_h[i] = need[i];
				left -= need[i];
				open--;
				changed = 1;
			}
		}
	}
	for (i = 0; i < inv->nitems; i++)
		if (!fixed[i])
			row_h[i] = left / open;
}

/* The items: the head row, a row for each item, the 合计 row. */
static void items(struct page *pg, double y_top, double y_end)
{
	const struct einvoice *inv = pg->inv;
	double x[C__N + 1], row_h[EINV_ITEMS_MAX], y, y_sum = y_end - H_SUM;
	char buf[C__N][64], fig[MONEY_FIGURES_MAX], sum[MONEY_FIGURES_MAX + 4];
	int i, k;

	x[0] = FRAME_L;
	for (k = 0; k < C__N; k++)
		x[k + 1] = x[k] + col_w[k];
	for (k = 0; k < C__N; k++)
		cell(pg, x[k], y_top, col_w[k], H_HEAD, &s_caption_c, col_head[k], "head.%s",
		     col_id[k]);
	y = pg->y_items = y_top + H_HEAD;
	item_rows(pg, y_sum - y, row_h);
	for (i = 0; i < inv->nitems; i++) {
		const struct einv_item *it = &inv->items[i];
		const char *text[C__N];
		static const struct style *const st[C__N] = {
			&s_item, &s_item, &s_item_c, &s_item_fig,
			&s_item_fig, &s_item_fig, &s_item_c, &s_item_fig,
		};

		snprintf(buf[C_QTY], sizeof(buf[0]), "%lld", (long long)it->quantity);
		money_figures(it->amount_fen, buf[C_AMOUNT], sizeof(buf[0]));
		snprintf(buf[C_RATE], sizeof(buf[0]), "%d%%", it->rate_pct);
		money_figures(it->tax_fen, buf[C_TAX], sizeof(buf[0]));
		text[C_NAME] = it->name;
		text[C_SPEC] = it->spec;
		text[C_UNIT] = it->unit;
		text[C_QTY] = buf[C_QTY];
		text[C_PRICE] = it->unit_price;
		text[C_AMOUNT] = buf[C_AMOUNT];
		text[C_RATE] = buf[C_RATE];
		text[C_TAX] = buf[C_TAX];
		for (k = 0; k < C__N; k++)
			cell(pg, x[k], y, col_w[k], row_h[i], st[k], text[k], "item%d.%s", i + 1,
			     col_id[k]);
		y += row_h[i];
	}
	cell(pg, x[C_NAME], y_sum, col_w[C_NAME], H_SUM, &s_caption_c, "合　　计", "sum.label");
	snprintf(sum, sizeof(sum), "¥%s", money_figures(inv->amount_fen, fig, sizeof(fig)));
	cell(pg, x[C_AMOUNT], y_sum, col_w[C_AMOUNT], H_SUM, &s_figure_r, sum, "sum.amount");
	snprintf(sum, sizeof(sum), "¥%s", money_figures(inv->tax_fen, fig, sizeof(fig)));
	cell(pg, x[C_TAX], y_sum, col_w[C_TAX], H_SUM, &s_figure_r, sum, "sum.tax");
}

/* The remarks as shown: a red invoice names the blue one it reverses
 * first, unless the platform's remarks already do. */
static void remarks_text(const struct einvoice *inv, char *out, size_t n)
{
	if (inv->kind == EINV_RED && inv->original[0] && !strstr(inv->remarks, inv->original))
		snprintf(out, n, "被红冲蓝字数电发票号码：%s%s%s", inv->original,
			 inv->remarks[0] ? "\n" : "", inv->remarks);
	else
		snprintf(out, n, "%s", inv->remarks);
}

/* The whole page as cells, top to bottom. */
static int page_build(struct page *pg)
{
	const struct einvoice *inv = pg->inv;
	const double half = FRAME_W / 2, mid = PAGE_W / 2;
	const double rx = FRAME_R - 226; /* number and date, at the top right */
	char date[40], upper[MONEY_UPPER_MAX], fig[MONEY_FIGURES_MAX], total[MONEY_FIGURES_MAX + 4];
	char remarks[INVOICE_CELL_TEXT_MAX];
	double y;

	if (money_upper(inv->total_fen, upper, sizeof(upper)) != CA_OK)
		return -1;
	snprintf(total, sizeof(total), "¥%s", money_figures(inv->total_fen, fig, sizeof(fig)));
	date_text(inv->issued_s, date, sizeof(date));
	invoice_pdf_qr_text(inv, pg->lay->qr, sizeof(pg->lay->qr));
	pg->lay->qr_x = QR_X;
	pg->lay->qr_y = QR_Y;
	pg->lay->qr_w = QR_W;

	/* The head: QR code (drawn apart), title, number and date. */
	cell(pg, mid - 130, 28, 260, 36, &s_title, "电子发票（普通发票）", "title");
	cell(pg, rx, 34, 62, 20, &s_caption, "发票号码：", "number_label");
	cell(pg, rx + 62, 34, 164, 20, &s_value, inv->number, "number");
	cell(pg, rx, 56, 62, 20, &s_caption, "开票日期：", "date_label");
	cell(pg, rx + 62, 56, 164, 20, &s_value, date, "date");

	party(pg, "buyer", "购买方信息", FRAME_L, half, inv->buyer_name, inv->buyer_tax_id);
	party(pg, "seller", "销售方信息", FRAME_L + half, half, inv->seller_name,
	      inv->seller_tax_id);

	pg->y_head = Y_PARTIES + H_PARTIES;
	pg->y_remarks = Y_BOTTOM - H_REMARKS;
	pg->y_total = pg->y_remarks - H_TOTAL;
	items(pg, pg->y_head, pg->y_total);

	y = pg->y_total;
	cell(pg, FRAME_L, y, 128, H_TOTAL, &s_caption_c, "价税合计（大写）", "total.label");
	cell(pg, FRAME_L + 132, y, 22, H_TOTAL, &s_value, "⊗", "total.mark");
	cell(pg, FRAME_L + 154, y, 380, H_TOTAL, &s_value, upper, "total.upper");
	cell(pg, FRAME_R - 226, y, 56, H_TOTAL, &s_caption, "（小写）", "total.figures_label");
	cell(pg, FRAME_R - 170, y, 170, H_TOTAL, &s_value, total, "total.figures");

	remarks_text(inv, remarks, sizeof(remarks));
	caption_column(pg, FRAME_L, pg->y_remarks, H_REMARKS, "备注", "remarks_label");
	cell(pg, FRAME_L + CAP_W + 2, pg->y_remarks, FRAME_W - CAP_W - 2, H_REMARKS, &s_remarks,
	     remarks, "remarks");

	cell(pg, FRAME_L, Y_BOTTOM + 6, 52, 20, &s_caption, "开票人：", "issuer_label");
	cell(pg, FRAME_L + 52, Y_BOTTOM + 6, 240, 20, &s_value, inv->issuer, "issuer");
	return 0;
}

/* ---- drawing ---- */

/* The invoice's two inks: a brownish red for the frame and the captions,
 * near-black for what is filled in. */
static void ink_frame(cairo_t *cr)
{
	cairo_set_source_rgb(cr, 0.55, 0.12, 0.10);
}

static void ink_text(cairo_t *cr)
{
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
}

static void line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
}

/* The frame: the outer box and the rules between its sections. */
static void frame_draw(struct page *pg)
{
	cairo_t *cr = pg->cr;
	const double half = FRAME_L + FRAME_W / 2, mid = PAGE_W / 2;

	ink_frame(cr);
	cairo_set_line_width(cr, 0.5);
	line(cr, mid - 124, 66, mid + 124, 66); /* the title's double rule */
	line(cr, mid - 124, 69, mid + 124, 69);
	cairo_set_line_width(cr, 0.9);
	cairo_rectangle(cr, FRAME_L, Y_PARTIES, FRAME_W, Y_BOTTOM - Y_PARTIES);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 0.6);
	line(cr, half, Y_PARTIES, half, pg->y_head);
	line(cr, FRAME_L + CAP_W, Y_PARTIES, FRAME_L + CAP_W, pg->y_head);
	line(cr, half + CAP_W, Y_PARTIES, half + CAP_W, pg->y_head);
	line(cr, FRAME_L, pg->y_head, FRAME_R, pg->y_head);
	line(cr, FRAME_L, pg->y_total, FRAME_R, pg->y_total);
	line(cr, FRAME_L + 130, pg->y_total, FRAME_L + 130, pg->y_remarks);
	line(cr, FRAME_L, pg->y_remarks, FRAME_R, pg->y_remarks);
	line(cr, FRAME_L + CAP_W, pg->y_remarks, FRAME_L + CAP_W, Y_BOTTOM);
	/* a hairline under the head row and between items */
	cairo_set_line_width(cr, 0.3);
	line(cr, FRAME_L, pg->y_items, FRAME_R, pg->y_items);
}

/* The QR code of lay->qr: dark modules as rectangles, a run of them in a
 * row as one, filled at once. false when it cannot be made. */
static bool qr_draw(struct page *pg)
{
	const struct invoice_layout *lay = pg->lay;
	QRcode *q = QRcode_encodeString(lay->qr, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double m, x0, y0;
	int r, c;

	if (!q)
		return false;
	m = lay->qr_w / (q->width + 2 * QR_QUIET);
	x0 = lay->qr_x + QR_QUIET * m;
	y0 = lay->qr_y + QR_QUIET * m;
	for (r = 0; r < q->width; r++) {
		for (c = 0; c < q->width;) {
			int run = 0;

			while (c + run < q->width && (q->data[r * q->width + c + run] & 1))
				run++;
			if (run)
				cairo_rectangle(pg->cr, x0 + c * m, y0 + r * m, run * m, m);
			c += run ? run : 1;
		}
	}
	cairo_set_source_rgb(pg->cr, 0, 0, 0);
	cairo_fill(pg->cr);
	QRcode_free(q);
	return true;
}

/* Cell k: fit its text, draw each line, record the size and lines. */
static void cell_draw(struct page *pg, int k)
{
	struct invoice_cell *c = &pg->lay->cell[k];
	const struct style *st = &pg->st[k];
	struct fitted *f = &pg->fit;
	char buf[INVOICE_CELL_TEXT_MAX];
	double top;
	int i;

	text_fit(pg, c->text, c->w, c->h, st);
	c->size = f->size;
	c->lines = f->n;
	if (f->size < st->floor - 1e-9 || !f->fits)
		pg->below_floor++;
	if (f->n == 0)
		return;
	if (st->flags & ST_TOP) {
		/* Set smaller than it prefers, the first line keeps the baseline
		 * the preferred size has (a row's texts stay on one line) while
		 * there is room below. */
		double shift = pg->asc1 * st->base - f->asc, room = c->h - f->n * f->lh;

		top = c->y + (room <= 0 ? 0 : shift < room ? shift : room);
	} else {
		top = c->y + (c->h - f->n * f->lh) / 2;
	}
	if (st->flags & ST_CAPTION)
		ink_frame(pg->cr);
	else
		ink_text(pg->cr);
	cairo_save(pg->cr);
	if (!f->fits) { /* text no validator lets through: cut at the cell */
		cairo_rectangle(pg->cr, c->x, c->y, c->w, c->h);
		cairo_clip(pg->cr);
	}
	cairo_set_font_size(pg->cr, f->size);
	for (i = 0; i < f->n; i++) {
		int a = pg->ch.off[f->from[i]], b = pg->ch.off[f->to[i]];
		double x = c->x;

		if (b <= a)
			continue;
		memcpy(buf, c->text + a, (size_t)(b - a));
		buf[b - a] = '\0';
		if (st->align == AL_CENTRE)
			x += (c->w - f->width[i]) / 2;
		else if (st->align == AL_RIGHT)
			x += c->w - f->width[i];
		cairo_move_to(pg->cr, x, top + i * f->lh + f->asc);
		cairo_show_text(pg->cr, buf);
	}
	cairo_restore(pg->cr);
}

/* Lay the page out and draw it on cr. */
static ca_err page_draw(struct page *pg, char *err, size_t errlen)
{
	cairo_font_extents_t fe;
	int k;

	cairo_set_font_size(pg->cr, 100);
	cairo_font_extents(pg->cr, &fe);
	pg->asc1 = fe.ascent / 100;
	pg->desc1 = fe.descent / 100;
	if (page_build(pg) != 0) {
		snprintf(err, errlen, "invoice %s: amount out of range", pg->inv->number);
		return CA_ERR_ARG;
	}
	cairo_set_source_rgb(pg->cr, 1, 1, 1);
	cairo_paint(pg->cr);
	frame_draw(pg);
	if (!qr_draw(pg)) {
		snprintf(err, errlen, "invoice %s: no QR code for \"%s\"", pg->inv->number,
			 pg->lay->qr);
		return CA_ERR_IO;
	}
	for (k = 0; k < pg->lay->n; k++)
		cell_draw(pg, k);
	if (pg->below_floor)
		log_warn(TAG, "invoice %s: %d text(s) set below their floor size",
			 pg->inv->number, pg->below_floor);
	return CA_OK;
}

/* cairo's write callback: append to a memory stream (NULL: discard). */
static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int n)
{
	if (!closure)
		return CAIRO_STATUS_SUCCESS;
	return fwrite(data, 1, n, closure) == n ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Render inv into f (NULL: nowhere), its cells into *lay. */
static ca_err render(const char *font_path, const struct einvoice *inv, FILE *f,
		     struct invoice_layout *lay, char *err, size_t errlen)
{
	cairo_surface_t *surf;
	struct page *pg;
	char title[64];
	ca_err e;

	if (inv->nitems < 1 || inv->nitems > EINV_ITEMS_MAX) {
		snprintf(err, errlen, "invoice %s: %d items", inv->number, inv->nitems);
		return CA_ERR_ARG;
	}
	pg = calloc(1, sizeof(*pg));
	if (!pg) {
		snprintf(err, errlen, "out of memory");
		return CA_ERR_NOMEM;
	}
	memset(lay, 0, sizeof(*lay));
	pg->lay = lay;
	pg->inv = inv;
	pthread_mutex_lock(&font_mu);
	if (!font_load(font_path, err, errlen)) {
		e = CA_ERR_IO;
		goto out;
	}
	surf = cairo_pdf_surface_create_for_stream(write_mem, f, PAGE_W, PAGE_H);
	snprintf(title, sizeof(title), "电子发票 %s", inv->number);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "ca-hub");
	pg->cr = cairo_create(surf);
	cairo_set_font_face(pg->cr, cr_face);
	e = page_draw(pg, err, errlen);
	cairo_show_page(pg->cr);
	if (!e && cairo_status(pg->cr) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo: %s", cairo_status_to_string(cairo_status(pg->cr)));
		e = CA_ERR_IO;
	}
	cairo_destroy(pg->cr);
	cairo_surface_finish(surf);
	if (!e && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo: %s",
			 cairo_status_to_string(cairo_surface_status(surf)));
		e = CA_ERR_IO;
	}
	cairo_surface_destroy(surf);
out:
	pthread_mutex_unlock(&font_mu);
	free(pg);
	return e;
}

ca_err invoice_pdf_render(const char *font_path, const struct einvoice *inv, char **out,
			  size_t *len, char *err, size_t errlen)
{
	struct invoice_layout *lay = malloc(sizeof(*lay));
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	ca_err e;

	*out = NULL;
	*len = 0;
	if (!lay)
		return CA_ERR_NOMEM;
	f = open_memstream(&buf, &n);
	if (!f) {
		free(lay);
		return CA_ERR_NOMEM;
	}
	e = render(font_path, inv, f, lay, err, errlen);
	free(lay);
	if (fclose(f) != 0 && !e) {
		snprintf(err, errlen, "out of memory");
		e = CA_ERR_NOMEM;
	}
	if (e) {
		free(buf);
		return e;
	}
	*out = buf;
	*len = n;
	return CA_OK;
}

ca_err invoice_pdf_layout(const char *font_path, const struct einvoice *inv,
			  struct invoice_layout *lay, char *err, size_t errlen)
{
	return render(font_path, inv, NULL, lay, err, errlen);
}
