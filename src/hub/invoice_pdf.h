/*
 * invoice_pdf.h - the fully digital e-invoice (数电票) as a PDF file: one
 * A4 landscape page laid out as the tax platform's 电子发票（普通发票）,
 * drawn with cairo's PDF surface and the CJK font through FreeType (cairo
 * embeds the subset of glyphs used, so pdftotext reads the text back).
 *
 * The page is a list of cells, each a rectangle with its text: captions
 * (购买方信息, 项目名称, 合计...) and values alike. Every text is fitted to
 * its cell: wrapped by character (CJK-aware, whole UTF-8 sequences, Latin
 * words kept whole where they fit) and, when the wrapped lines do not fit,
 * set smaller, down to a floor that the longest valid values never pass.
 * invoice_pdf_layout() hands the cells out, so a test can check every word
 * of the PDF against the cell it belongs to.
 *
 * The font is loaded once, at the first render, and kept until
 * invoice_pdf_shutdown(); renders are serialised by one mutex (an FT_Face
 * is not thread-safe, and PDFs are rare).
 */
#ifndef HUB_INVOICE_PDF_H
#define HUB_INVOICE_PDF_H

#include <stddef.h>

#include "core/err.h"
#include "einvoice.h"

/* The page, in PDF points (1/72 in), origin at the top left: A4 landscape. */
#define INVOICE_PAGE_W 841.89
#define INVOICE_PAGE_H 595.28

#define INVOICE_CELLS_MAX 96      /* cells of one page, at most */
#define INVOICE_CELL_ID_MAX 24    /* bytes of a cell's id, NUL included */
#define INVOICE_CELL_TEXT_MAX 800 /* bytes of a cell's text, NUL included */
#define INVOICE_QR_MAX 96         /* bytes of the QR code's text, NUL included */

/* One text box of the page as it was drawn. */
struct invoice_cell {
	char id[INVOICE_CELL_ID_MAX];     /* what it holds: "buyer.name", "item2.tax" */
	double x, y, w, h;                /* where its text may go (points, top left) */
	double size;                      /* the font size the text was set in */
	double floor;                     /* the smallest size valid values may take */
	int lines;                        /* lines the text took */
	char text[INVOICE_CELL_TEXT_MAX]; /* the text as written (valid UTF-8) */
};

/* The page: its cells and the QR code's square. */
struct invoice_layout {
	struct invoice_cell cell[INVOICE_CELLS_MAX];
	int n;                    /* cells used */
	double qr_x, qr_y, qr_w;  /* the QR code: its square with the quiet zone */
	char qr[INVOICE_QR_MAX];  /* the QR code's text (invoice_pdf_qr_text) */
};

/*
 * Render inv (blue or red) as a one-page PDF with the font at font_path
 * (an OTF, TTF or TTC file; from a collection the Simplified Chinese face
 * is taken). *out gets the bytes (malloc'd, caller frees), *len their
 * count. CA_ERR_ARG when inv is not one the page can show (no items, more
 * than EINV_ITEMS_MAX); CA_ERR_IO with a message in err when the font
 * cannot be loaded, the QR code cannot be made or cairo fails.
 */
ca_err invoice_pdf_render(const char *font_path, const struct einvoice *inv, char **out,
			  size_t *len, char *err, size_t errlen);

/*
 * The page invoice_pdf_render() draws for inv, as cells, into *lay (the
 * caller's; about 80 KiB, so not on a small stack). The same layout code
 * and the same font measure it; no PDF is kept. For tests and debugging.
 */
ca_err invoice_pdf_layout(const char *font_path, const struct einvoice *inv,
			  struct invoice_layout *lay, char *err, size_t errlen);

/*
 * The text of inv's QR code into out (size n, INVOICE_QR_MAX suffices), in
 * the tax platform's verification format for a 数电票:
 *   01,32,,NUMBER,AMOUNT,YYYYMMDD,,CHECK
 * 01 the format's version, 32 电子发票（普通发票）, no invoice code (a 数电票
 * has none), the 20-digit number, 价税合计 in yuan with two decimals
 * (negative on a red invoice), the date of issue in China time, no check
 * code, and CHECK: four upper-case hex digits, the first of the SHA-256 of
 * all that comes before it (the platform's own value there is not
 * published; what a verifier takes is number, date and amount).
 */
void invoice_pdf_qr_text(const struct einvoice *inv, char *out, size_t n);

/* Free the font and cairo's caches (at exit, after the server stopped). */
void invoice_pdf_shutdown(void);

#endif
