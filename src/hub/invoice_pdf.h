/*
 * invoice_pdf.h - the e-invoice as a PDF file (cairo's PDF surface, the CJK
 * font through FreeType; cairo embeds the subset of glyphs used).
 *
 * The hub's invoice page (api_invoice.c) fills a struct invoice_doc and
 * hands it here; this module only lays out an A4 page. The font is loaded
 * once, at the first render, and kept until invoice_pdf_shutdown(); renders
 * are serialised by one mutex (an FT_Face is not thread-safe, and PDFs are
 * rare).
 */
#ifndef HUB_INVOICE_PDF_H
#define HUB_INVOICE_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* What the invoice says. Every text is UTF-8 and borrowed for the call. */
struct invoice_doc {
	const char *number;       /* invoice number */
	const char *date;         /* issue date as shown, e.g. "2026年11月24日" */
	const char *buyer;        /* 购买方名称: the company */
	const char *buyer_uscc;   /* its unified social credit code */
	const char *seller;       /* 销售方名称 */
	const char *seller_uscc;  /* "" when not configured */
	const char *item;         /* 项目名称 */
	const char *spec;         /* 规格型号: certificate type and business */
	const char *unit;         /* 单位: "把" (keys) */
	int quantity;             /* keys: main + sub */
	int64_t unit_fen;         /* price per key */
	int64_t amount_fen;       /* the total; unit_fen * quantity */
	const char *amount_upper; /* the total in Chinese capital numerals */
	const char *note;         /* 备注, e.g. the application id */
	const char *footer;       /* small print at the foot of the page */
};

/*
 * Render d as a one-page A4 PDF with the font at font_path (an OTF, TTF or
 * TTC file; from a collection the Simplified Chinese face is taken). *out
 * gets the bytes (malloc'd, caller frees), *len their count. CA_ERR_IO with
 * a message in err when the font cannot be loaded or cairo fails.
 */
ca_err invoice_pdf_render(const char *font_path, const struct invoice_doc *d, char **out,
			  size_t *len, char *err, size_t errlen);

/* Free the font and cairo's caches (at exit, after the server stopped). */
void invoice_pdf_shutdown(void);

#endif
