/*
 * invoice_pdf.c - lay out the e-invoice on an A4 PDF page (see
 * invoice_pdf.h).
 *
 * Where to start reading: invoice_pdf_render() (font, surface, page,
 * finish); the page is drawn top to bottom by draw_page(). Units are PDF
 * points (1/72 in); A4 is 595.28 x 841.89. Text goes through cairo's
 * cairo_show_text with an FT font face, so cairo's PDF backend embeds a
 * subset of the CJK font with a ToUnicode map (pdftotext reads it back).
 */
#include "invoice_pdf.h"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A4_W 595.28
#define A4_H 841.89
#define MARGIN 48.0

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

/* cairo's write callback: append to a memory stream. */
static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int n)
{
	return fwrite(data, 1, n, closure) == n ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* ---- drawing helpers ---- */

enum align { LEFT, CENTRE, RIGHT };

/* Text at baseline y, aligned on x, at size pt. */
static void text(cairo_t *cr, double x, double y, double size, enum align a, const char *s)
{
	cairo_text_extents_t ex;

	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &ex);
	if (a == CENTRE)
		x -= ex.x_advance / 2;
	else if (a == RIGHT)
		x -= ex.x_advance;
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

static void line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
}

/* The invoice's two inks: red for the frame and the captions, near-black
 * for what is filled in. */
static void ink_frame(cairo_t *cr)
{
	cairo_set_source_rgb(cr, 0.55, 0.12, 0.10);
}

static void ink_text(cairo_t *cr)
{
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
}

/* A framed box, in the frame ink. */
static void box(cairo_t *cr, double x, double y, double w, double h)
{
	ink_frame(cr);
	cairo_rectangle(cr, x, y, w, h);
	cairo_stroke(cr);
}

/* "1234.50" of fen (no sign: amounts are positive). */
static void yuan(int64_t fen, char *buf, size_t n)
{
	snprintf(buf, n, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

/* The party box: a vertical caption, then name and USCC. */
static void party(cairo_t *cr, double x, double y, double w, double h, const char *caption,
		  const char *name, const char *uscc)
{
	double cap_w = 26;
	const char *p = caption;
	double cy = y + 22;
	char ch[8];

	cairo_rectangle(cr, x, y, w, h);
	cairo_stroke(cr);
	line(cr, x + cap_w, y, x + cap_w, y + h);
	/* The caption one character a line (UTF-8: 3 bytes per CJK char). */
	while (*p) {
		size_t k = ((unsigned char)*p >= 0xe0) ? 3 : 1;

		memcpy(ch, p, k);
		ch[k] = '\0';
		text(cr, x + cap_w / 2, cy, 11, CENTRE, ch);
		cy += 16;
		p += k;
	}
	text(cr, x + cap_w + 8, y + 28, 10, LEFT, "名称：");
	text(cr, x + cap_w + 8, y + 48, 11, LEFT, name);
	text(cr, x + cap_w + 8, y + 72, 10, LEFT, "统一社会信用代码/纳税人识别号：");
	text(cr, x + cap_w + 8, y + 90, 11, LEFT, uscc && *uscc ? uscc : "—");
}

/* The page, top to bottom. */
static void draw_page(cairo_t *cr, const struct invoice_doc *d)
{
	const double l = MARGIN, r = A4_W - MARGIN, w = r - l;
	/* The item table's column edges (left) and the right edge. */
	const double col[] = { l, l + 160, l + 265, l + 300, l + 340, l + 410, r };
	static const char *const heads[] = { "项目名称", "规格型号", "单位", "数量",
					     "单价（元）", "金额（元）" };
	char unit[32], amount[32], qty[16], total[48];
	double y, ty;
	int i;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	ink_frame(cr);
	cairo_set_line_width(cr, 0.8);

	text(cr, A4_W / 2, 78, 22, CENTRE, "电子发票（普通发票）");
	line(cr, A4_W / 2 - 110, 88, A4_W / 2 + 110, 88);
	line(cr, A4_W / 2 - 110, 91, A4_W / 2 + 110, 91);

	ink_text(cr);
	text(cr, r - 150, 112, 10, LEFT, "发票号码：");
	text(cr, r - 100, 112, 10, LEFT, d->number);
	text(cr, r - 150, 128, 10, LEFT, "开票日期：");
	text(cr, r - 100, 128, 10, LEFT, d->date);

	/* Buyer and seller. */
	y = 142;
	ink_frame(cr);
	party(cr, l, y, w / 2, 104, "购买方信息", d->buyer, d->buyer_uscc);
	party(cr, l + w / 2, y, w / 2, 104, "销售方信息", d->seller, d->seller_uscc);

	/* The item table: head, one row, total. */
	y += 104;
	cairo_rectangle(cr, l, y, w, 150);
	cairo_stroke(cr);
	for (i = 0; i < 6; i++)
		text(cr, (col[i] + col[i + 1]) / 2, y + 18, 10, CENTRE, heads[i]);
	line(cr, l, y + 26, r, y + 26);
	ty = y + 48;
	ink_text(cr);
	yuan(d->unit_fen, unit, sizeof(unit));
	yuan(d->amount_fen, amount, sizeof(amount));
	snprintf(qty, sizeof(qty), "%d", d->quantity);
	text(cr, col[0] + 6, ty, 10, LEFT, d->item);
	text(cr, col[1] + 6, ty, 9, LEFT, d->spec);
	text(cr, (col[2] + col[3]) / 2, ty, 10, CENTRE, d->unit);
	text(cr, col[4] - 6, ty, 10, RIGHT, qty);
	text(cr, col[5] - 6, ty, 10, RIGHT, unit);
	text(cr, col[6] - 6, ty, 10, RIGHT, amount);
	ink_frame(cr);
	line(cr, l, y + 124, r, y + 124);
	text(cr, (col[0] + col[1]) / 2, y + 142, 10, CENTRE, "合　　计");
	ink_text(cr);
	snprintf(total, sizeof(total), "¥%s", amount);
	text(cr, col[6] - 6, y + 142, 10, RIGHT, total);

	/* Total in words and figures. */
	y += 150;
	box(cr, l, y, w, 32);
	text(cr, l + 8, y + 21, 10, LEFT, "价税合计（大写）");
	ink_text(cr);
	text(cr, l + 100, y + 21, 11, LEFT, d->amount_upper);
	ink_frame(cr);
	text(cr, r - 130, y + 21, 10, LEFT, "（小写）");
	ink_text(cr);
	text(cr, r - 8, y + 21, 11, RIGHT, total);

	/* Note. */
	y += 32;
	box(cr, l, y, w, 48);
	text(cr, l + 8, y + 20, 10, LEFT, "备注");
	ink_text(cr);
	text(cr, l + 48, y + 20, 9, LEFT, d->note);

	y += 48;
	cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
	text(cr, l, y + 24, 8.5, LEFT, d->footer);
}

ca_err invoice_pdf_render(const char *font_path, const struct invoice_doc *d, char **out,
			  size_t *len, char *err, size_t errlen)
{
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	ca_err e = CA_OK;

	*out = NULL;
	*len = 0;
	f = open_memstream(&buf, &n);
	if (!f)
		return CA_ERR_NOMEM;
	pthread_mutex_lock(&font_mu);
	if (!font_load(font_path, err, errlen)) {
		e = CA_ERR_IO;
		goto out;
	}
	surf = cairo_pdf_surface_create_for_stream(write_mem, f, A4_W, A4_H);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "电子发票");
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "ca-hub");
	cr = cairo_create(surf);
	cairo_set_font_face(cr, cr_face);
	draw_page(cr, d);
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "cairo: %s",
			 cairo_status_to_string(cairo_surface_status(surf)));
		e = CA_ERR_IO;
	}
	cairo_surface_destroy(surf);
out:
	pthread_mutex_unlock(&font_mu);
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
