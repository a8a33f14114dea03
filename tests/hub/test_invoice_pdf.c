/*
 * test_invoice_pdf.c - the 数电票 PDF (src/hub/invoice_pdf.c) read back
 * the way a buyer's software reads it: pdftotext -bbox gives every word
 * with its box, and each must lie inside the cell of the page's layout
 * (invoice_pdf_layout) whose text it belongs to; a cell's words together
 * hold its whole text (nothing cut off, nothing from elsewhere); no two
 * cells, and no two words of different cells, overlap; no cell leaves the
 * page or covers the QR code. That for a normal invoice and one with the
 * longest valid values (100-character buyer and seller names, four items
 * with the longest name, spec and unit, 600 bytes of remarks, amounts of
 * ¥99999999.99), blue and red, where no text may fall below its floor size;
 * and for values past every limit (wide Latin letters filling the byte
 * caps, malformed UTF-8), which must still stay inside their cells. The QR
 * code, rendered by pdftoppm and read by zbarimg, holds the verification
 * text. A red invoice shows its negative amounts, 负 in the capitals and
 * the number it reverses in its remarks.
 *
 * CA_INVOICE_OUT=DIR keeps the PDFs and a PNG of each page at 100 dpi
 * there (to look at); otherwise they go to a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/money.h"
#include "core/utf8.h"
#include "hub/hubcfg.h"
#include "hub/invoice_pdf.h"
#include "../support/tmpdir.h"

#define EPS 0.01  /* points: how far a word may stray (rounding of pdftotext's output) */
#define WORDS_MAX 2000
#define QR_BLUE "01,32,,26320000000000000123,600.00,20261124,,"

static char dir[PATH_MAX];                /* where the files go */
static bool keep;                         /* CA_INVOICE_OUT given: leave them */
static const char *font = HUBCFG_INVOICE_FONT;
static struct invoice_layout *lay;        /* the layout of the page under test */

/* A word as pdftotext -bbox reports it. */
struct word {
	double x0, y0, x1, y1;
	char text[INVOICE_CELL_TEXT_MAX];
};

static struct word words[WORDS_MAX];
static int nwords;

/* ---- invoices to render ---- */

/* out (size n) filled with text repeated, cut at max_chars whole characters
 * and n - 1 bytes. */
static void repeat(char *out, size_t n, const char *text, size_t max_chars)
{
	char buf[4096] = "";
	size_t at = 0, k = strlen(text);

	while (at + k < sizeof(buf)) {
		memcpy(buf + at, text, k);
		at += k;
	}
	buf[at] = '\0';
	utf8_copy(out, n, buf, max_chars);
}

/* Item i of inv at a tax-inclusive total, rate 6 %: the amount before tax
 * rounded half up, the tax the rest. */
static void item_total(struct einv_item *it, int64_t total)
{
	int64_t mag = total < 0 ? -total : total;
	int64_t amount = (mag * 200 + 106) / 212;

	it->rate_pct = 6;
	it->amount_fen = total < 0 ? -amount : amount;
	it->tax_fen = total - it->amount_fen;
}

/* A blue or red invoice as the hub sells: one item, two keys, ¥600.00. */
static void sample_normal(struct einvoice *inv, enum einv_kind kind)
{
	int sign = kind == EINV_RED ? -1 : 1;
	struct einv_item *it = &inv->items[0];

	memset(inv, 0, sizeof(*inv));
	inv->kind = kind;
	snprintf(inv->number, sizeof(inv->number), "%s",
		 kind == EINV_RED ? "26320000000000000457" : "26320000000000000123");
	if (kind == EINV_RED)
		snprintf(inv->original, sizeof(inv->original), "26320000000000000123");
	inv->issued_s = 1795500000; /* 2026-11-24 in China */
	snprintf(inv->buyer_name, sizeof(inv->buyer_name), "江苏国泰新点软件有限公司");
	snprintf(inv->buyer_tax_id, sizeof(inv->buyer_tax_id), "91320582MA1MABCDEU");
	snprintf(inv->seller_name, sizeof(inv->seller_name), "江苏省数字证书认证中心有限公司");
	snprintf(inv->seller_tax_id, sizeof(inv->seller_tax_id), "91320000134758127X");
	inv->nitems = 1;
	snprintf(it->name, sizeof(it->name), "*信息技术服务*CA数字证书服务费");
	snprintf(it->spec, sizeof(it->spec), "机构证书（新办）");
	snprintf(it->unit, sizeof(it->unit), "把");
	it->quantity = 2 * sign;
	snprintf(it->unit_price, sizeof(it->unit_price), "283.01886792");
	item_total(it, 60000 * sign);
	inv->amount_fen = it->amount_fen;
	inv->tax_fen = it->tax_fen;
	inv->total_fen = 60000 * sign;
	snprintf(inv->remarks, sizeof(inv->remarks), "%s",
		 kind == EINV_RED ? "退款：申请编号 0f8e2a51-7c3d-4b9e-a1f2-5d6c7b8a9e01"
				  : "申请编号：0f8e2a51-7c3d-4b9e-a1f2-5d6c7b8a9e01");
	snprintf(inv->issuer, sizeof(inv->issuer), "王芳");
}

/* The longest valid values: 100-character names, four items each with
 * the longest name, spec and unit, 600 bytes of remarks, ¥99999999.99 in
 * all, 20-character issuer. */
static void sample_longest(struct einvoice *inv, enum einv_kind kind)
{
	static const int64_t totals[EINV_ITEMS_MAX] = { 2499999999, 2499999999, 2499999999,
							2500000002 };
	int sign = kind == EINV_RED ? -1 : 1, i;

	sample_normal(inv, kind);
	repeat(inv->buyer_name, sizeof(inv->buyer_name),
	       "中国建设银行股份有限公司江苏省分行营业部（集团）新城区支行", 100);
	repeat(inv->seller_name, sizeof(inv->seller_name),
	       "江苏省数字证书认证中心有限公司苏州分公司（高新技术产业开发区）", 100);
	inv->nitems = EINV_ITEMS_MAX;
	inv->amount_fen = inv->tax_fen = 0;
	for (i = 0; i < EINV_ITEMS_MAX; i++) {
		struct einv_item *it = &inv->items[i];

		repeat(it->name, sizeof(it->name),
		       "*信息技术服务*CA数字证书服务费（机构证书新办含主锁副锁）", 1000);
		repeat(it->spec, sizeof(it->spec), "机构证书（新办）双证书国密SM2", 1000);
		repeat(it->unit, sizeof(it->unit), "把（含介质）", 1000);
		it->quantity = 99999999LL * sign;
		snprintf(it->unit_price, sizeof(it->unit_price), "23.584905660377358490566");
		item_total(it, totals[i] * sign);
		inv->amount_fen += it->amount_fen;
		inv->tax_fen += it->tax_fen;
	}
	inv->total_fen = 9999999999LL * sign;
	repeat(inv->remarks, sizeof(inv->remarks),
	       "申请编号：0f8e2a51-7c3d-4b9e-a1f2-5d6c7b8a9e01；购买方地址：江苏省苏州市"
	       "高新区科技城锦峰路８号；开户行：中国建设银行苏州高新支行；", 1000);
	repeat(inv->issuer, sizeof(inv->issuer), "欧阳", 20);
}

/* Past every limit: the byte caps filled with wide Latin letters, which
 * no validator lets through in such numbers, and malformed UTF-8. */
static void sample_overlong(struct einvoice *inv)
{
	int i;

	sample_longest(inv, EINV_BLUE);
	repeat(inv->buyer_name, sizeof(inv->buyer_name), "WM", 1000);
	repeat(inv->seller_name, sizeof(inv->seller_name), "MW", 1000);
	memcpy(inv->seller_name + 10, "\xe6\xb1W\x80", 4); /* a cut sequence, a stray byte */
	for (i = 0; i < EINV_ITEMS_MAX; i++) {
		repeat(inv->items[i].name, sizeof(inv->items[i].name), "W", 1000);
		repeat(inv->items[i].spec, sizeof(inv->items[i].spec), "M", 1000);
		repeat(inv->items[i].unit, sizeof(inv->items[i].unit), "W", 1000);
		repeat(inv->items[i].unit_price, sizeof(inv->items[i].unit_price), "8", 1000);
	}
	repeat(inv->remarks, sizeof(inv->remarks), "WWWWWWWW ", 1000);
	repeat(inv->issuer, sizeof(inv->issuer), "W", 1000);
	repeat(inv->buyer_tax_id, sizeof(inv->buyer_tax_id), "W", 1000);
}

/* ---- reading the PDF back ---- */

/* Run cmd; its output into out (size n). */
static void run(const char *cmd, char *out, size_t n)
{
	FILE *f = popen(cmd, "r");
	size_t k;

	assert_non_null(f);
	k = fread(out, 1, n - 1, f);
	out[k] = '\0';
	if (pclose(f) != 0)
		fail_msg("%s failed", cmd);
}

/* The value of attribute name="..." in the tag at p. */
static double attr(const char *p, const char *name)
{
	char key[32];
	const char *q;

	snprintf(key, sizeof(key), " %s=\"", name);
	q = strstr(p, key);
	assert_non_null(q);
	return strtod(q + strlen(key), NULL);
}

/* HTML's &amp; &lt; &gt; &quot; &apos; undone, in place. */
static void unescape(char *s)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
					      { "&quot;", "\"" }, { "&apos;", "'" } };
	char *r = s, *w = s;
	size_t i;

	while (*r) {
		for (i = 0; i < sizeof(ent) / sizeof(ent[0]); i++) {
			size_t k = strlen(ent[i][0]);

			if (!strncmp(r, ent[i][0], k)) {
				*w++ = ent[i][1][0];
				r += k;
				break;
			}
		}
		if (i == sizeof(ent) / sizeof(ent[0]))
			*w++ = *r++;
	}
	*w = '\0';
}

/* The words of pdf with their boxes, into words[]. */
static void read_words(const char *pdf)
{
	static char html[1 << 20];
	char cmd[PATH_MAX + 64];
	const char *p = html;

	snprintf(cmd, sizeof(cmd), "pdftotext -bbox -enc UTF-8 '%s' -", pdf);
	run(cmd, html, sizeof(html));
	nwords = 0;
	while ((p = strstr(p, "<word ")) != NULL) {
		struct word *w = &words[nwords];
		const char *t = strchr(p, '>'), *e;

		assert_true(nwords < WORDS_MAX);
		assert_non_null(t);
		e = strstr(t, "</word>");
		assert_non_null(e);
		w->x0 = attr(p, "xMin");
		w->y0 = attr(p, "yMin");
		w->x1 = attr(p, "xMax");
		w->y1 = attr(p, "yMax");
		assert_true((size_t)(e - t - 1) < sizeof(w->text));
		snprintf(w->text, sizeof(w->text), "%.*s", (int)(e - t - 1), t + 1);
		unescape(w->text);
		nwords++;
		p = e;
	}
}

/* s without white space (ASCII, U+3000), into out (size n). */
static void squeeze(const char *s, char *out, size_t n)
{
	size_t o = 0;

	while (*s && o + 4 < n) {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			s++;
		} else if (!strncmp(s, "\xe3\x80\x80", 3)) {
			s += 3;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

/* Whether rectangles a and b share an area (touching edges do not). */
static bool overlap(double ax0, double ay0, double ax1, double ay1, double bx0, double by0,
		    double bx1, double by1)
{
	return ax0 < bx1 - EPS && bx0 < ax1 - EPS && ay0 < by1 - EPS && by0 < ay1 - EPS;
}

/* Whether word w lies inside cell c. */
static bool inside(const struct word *w, const struct invoice_cell *c)
{
	return w->x0 >= c->x - EPS && w->y0 >= c->y - EPS && w->x1 <= c->x + c->w + EPS &&
	       w->y1 <= c->y + c->h + EPS;
}

/* The cell whose rectangle holds the centre of w, or -1. */
static int cell_of(const struct word *w)
{
	double cx = (w->x0 + w->x1) / 2, cy = (w->y0 + w->y1) / 2;
	int k;

	for (k = 0; k < lay->n; k++) {
		const struct invoice_cell *c = &lay->cell[k];

		if (cx >= c->x && cx <= c->x + c->w && cy >= c->y && cy <= c->y + c->h)
			return k;
	}
	return -1;
}

/* The layout's cell named id. */
static const struct invoice_cell *cell_named(const char *id)
{
	int k;

	for (k = 0; k < lay->n; k++)
		if (!strcmp(lay->cell[k].id, id))
			return &lay->cell[k];
	fail_msg("no cell %s", id);
	return NULL;
}

/* ---- the checks ---- */

/* The cells: on the page, off the QR code, apart from each other. */
static void check_cells(const char *name)
{
	int a, b;

	for (a = 0; a < lay->n; a++) {
		const struct invoice_cell *c = &lay->cell[a];

		if (c->x < 0 || c->y < 0 || c->x + c->w > INVOICE_PAGE_W ||
		    c->y + c->h > INVOICE_PAGE_H || c->w <= 0 || c->h <= 0)
			fail_msg("%s: cell %s (%.1f %.1f %.1f %.1f) is not on the page", name, c->id,
				 c->x, c->y, c->w, c->h);
		if (overlap(c->x, c->y, c->x + c->w, c->y + c->h, lay->qr_x, lay->qr_y,
			    lay->qr_x + lay->qr_w, lay->qr_y + lay->qr_w))
			fail_msg("%s: cell %s covers the QR code", name, c->id);
		for (b = a + 1; b < lay->n; b++) {
			const struct invoice_cell *d = &lay->cell[b];

			if (overlap(c->x, c->y, c->x + c->w, c->y + c->h, d->x, d->y, d->x + d->w,
				    d->y + d->h))
				fail_msg("%s: cells %s and %s overlap", name, c->id, d->id);
		}
	}
}

/*
 * Every word inside the cell it belongs to and part of its text; each
 * cell's words hold its whole text; words of different cells apart.
 */
static void check_words(const char *name, bool valid)
{
	static char want[INVOICE_CELLS_MAX][INVOICE_CELL_TEXT_MAX];
	static size_t got[INVOICE_CELLS_MAX];
	int owner[WORDS_MAX], i, j, k;
	char text[INVOICE_CELL_TEXT_MAX];

	for (k = 0; k < lay->n; k++) {
		squeeze(lay->cell[k].text, want[k], sizeof(want[k]));
		got[k] = 0;
		if (valid && lay->cell[k].size < lay->cell[k].floor - 1e-9)
			fail_msg("%s: cell %s set at %.2f pt, below its floor %.2f", name,
				 lay->cell[k].id, lay->cell[k].size, lay->cell[k].floor);
	}
	for (i = 0; i < nwords; i++) {
		const struct word *w = &words[i];
		const struct invoice_cell *c;

		squeeze(w->text, text, sizeof(text));
		k = owner[i] = cell_of(w);
		if (k < 0)
			fail_msg("%s: word \"%s\" (%.2f %.2f - %.2f %.2f) is in no cell", name,
				 w->text, w->x0, w->y0, w->x1, w->y1);
		c = &lay->cell[k];
		if (!inside(w, c))
			fail_msg("%s: word \"%s\" (%.2f %.2f - %.2f %.2f) leaves cell %s "
				 "(%.2f %.2f - %.2f %.2f)", name, w->text, w->x0, w->y0, w->x1,
				 w->y1, c->id, c->x, c->y, c->x + c->w, c->y + c->h);
		if (!strstr(want[k], text))
			fail_msg("%s: word \"%s\" in cell %s is not its text \"%s\"", name, text,
				 c->id, c->text);
		got[k] += strlen(text);
	}
	for (k = 0; k < lay->n; k++)
		if (got[k] != strlen(want[k]))
			fail_msg("%s: cell %s shows %zu of the %zu bytes of \"%s\"", name,
				 lay->cell[k].id, got[k], strlen(want[k]), lay->cell[k].text);
	for (i = 0; i < nwords; i++)
		for (j = i + 1; j < nwords; j++)
			if (owner[i] != owner[j] &&
			    overlap(words[i].x0, words[i].y0, words[i].x1, words[i].y1,
				    words[j].x0, words[j].y0, words[j].x1, words[j].y1))
				fail_msg("%s: words \"%s\" (%s) and \"%s\" (%s) overlap", name,
					 words[i].text, lay->cell[owner[i]].id, words[j].text,
					 lay->cell[owner[j]].id);
}

/* The QR code as a phone reads it: the page at 200 dpi through zbarimg. */
static void check_qr(const char *pdf, const char *name)
{
	char cmd[4 * PATH_MAX], out[256], png[PATH_MAX + 32];

	snprintf(png, sizeof(png), "%s/%s-qr", dir, name);
	snprintf(cmd, sizeof(cmd), "pdftoppm -png -r 200 -singlefile '%s' '%s' && "
		 "zbarimg -q --raw '%s.png' 2>/dev/null", pdf, png, png);
	run(cmd, out, sizeof(out));
	out[strcspn(out, "\n")] = '\0';
	assert_string_equal(out, lay->qr);
	snprintf(png + strlen(png), sizeof(png) - strlen(png), ".png");
	remove(png);
}

/* Render inv as NAME.pdf (and NAME.png to look at when kept); lay it out;
 * read the words back; check them all. */
static void check_page(const struct einvoice *inv, const char *name, bool valid)
{
	char pdf[PATH_MAX + 32], err[300], cmd[4 * PATH_MAX];
	char *bytes = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(invoice_pdf_layout(font, inv, lay, err, sizeof(err)), CA_OK);
	assert_true(lay->n > 40);
	if (invoice_pdf_render(font, inv, &bytes, &len, err, sizeof(err)) != CA_OK)
		fail_msg("%s: %s", name, err);
	assert_true(len > 1000 && !memcmp(bytes, "%PDF-", 5));
	snprintf(pdf, sizeof(pdf), "%s/%s.pdf", dir, name);
	f = fopen(pdf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(bytes);
	if (keep) {
		snprintf(cmd, sizeof(cmd), "pdftoppm -png -r 100 -singlefile '%s' '%s/%s'", pdf,
			 dir, name);
		assert_int_equal(system(cmd), 0);
	}
	read_words(pdf);
	assert_true(nwords > 40);
	check_cells(name);
	check_words(name, valid);
	check_qr(pdf, name);
}

/* ---- the tests ---- */

static void test_normal_blue(void **state)
{
	struct einvoice inv;
	int k;

	(void)state;
	sample_normal(&inv, EINV_BLUE);
	check_page(&inv, "normal-blue", true);
	assert_string_equal(cell_named("title")->text, "电子发票（普通发票）");
	assert_string_equal(cell_named("number")->text, "26320000000000000123");
	assert_string_equal(cell_named("date")->text, "2026年11月24日");
	assert_string_equal(cell_named("buyer.name")->text, "江苏国泰新点软件有限公司");
	assert_string_equal(cell_named("buyer.id")->text, "91320582MA1MABCDEU");
	assert_string_equal(cell_named("item1.amount")->text, "566.04");
	assert_string_equal(cell_named("item1.rate")->text, "6%");
	assert_string_equal(cell_named("item1.tax")->text, "33.96");
	assert_string_equal(cell_named("sum.amount")->text, "¥566.04");
	assert_string_equal(cell_named("sum.tax")->text, "¥33.96");
	assert_string_equal(cell_named("total.upper")->text, "陆佰元整");
	assert_string_equal(cell_named("total.figures")->text, "¥600.00");
	assert_string_equal(cell_named("issuer")->text, "王芳");
	/* the verification text, then four hex digits of a check value */
	assert_int_equal(strlen(lay->qr), strlen(QR_BLUE) + 4);
	assert_memory_equal(lay->qr, QR_BLUE, strlen(QR_BLUE));
	assert_int_equal(strspn(lay->qr + strlen(QR_BLUE), "0123456789ABCDEF"), 4);
	/* normal values, and every caption, are set at the size they prefer
	 * (22 pt the title, 9 pt the items, 10 pt the rest), on one line */
	for (k = 0; k < lay->n; k++) {
		const struct invoice_cell *c = &lay->cell[k];
		double want = !strcmp(c->id, "title") ? 22 : !strncmp(c->id, "item", 4) ? 9 : 10;

		if (c->size != want)
			fail_msg("cell %s set at %.2f pt, not %.0f", c->id, c->size, want);
		if (c->lines > 1 && strcmp(c->id, "buyer") && strcmp(c->id, "seller") &&
		    strcmp(c->id, "remarks_label"))
			fail_msg("cell %s takes %d lines", c->id, c->lines);
	}
}

static void test_normal_red(void **state)
{
	struct einvoice inv;

	(void)state;
	sample_normal(&inv, EINV_RED);
	check_page(&inv, "normal-red", true);
	assert_string_equal(cell_named("item1.qty")->text, "-2");
	assert_string_equal(cell_named("item1.amount")->text, "-566.04");
	assert_string_equal(cell_named("item1.tax")->text, "-33.96");
	assert_string_equal(cell_named("sum.amount")->text, "¥-566.04");
	assert_string_equal(cell_named("total.upper")->text, "负陆佰元整");
	assert_string_equal(cell_named("total.figures")->text, "¥-600.00");
	assert_non_null(strstr(cell_named("remarks")->text,
			       "被红冲蓝字数电发票号码：26320000000000000123"));
	assert_non_null(strstr(cell_named("remarks")->text, "退款"));
	assert_non_null(strstr(lay->qr, ",-600.00,"));
}

static void test_longest_blue(void **state)
{
	struct einvoice inv;
	size_t chars;

	(void)state;
	sample_longest(&inv, EINV_BLUE);
	assert_true(utf8_count(inv.buyer_name, &chars) && chars == 100);
	assert_true(utf8_count(inv.seller_name, &chars) && chars == 100);
	assert_true(strlen(inv.items[0].name) > EINV_ITEM_NAME_MAX - 3);
	assert_true(strlen(inv.remarks) > EINV_REMARKS_MAX - 3);
	check_page(&inv, "longest-blue", true);
	assert_true(cell_named("buyer.name")->lines > 1);
	assert_string_equal(cell_named("total.figures")->text, "¥99999999.99");
	assert_string_equal(cell_named("total.upper")->text,
			    "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分");
}

static void test_longest_red(void **state)
{
	struct einvoice inv;

	(void)state;
	sample_longest(&inv, EINV_RED);
	check_page(&inv, "longest-red", true);
	assert_string_equal(cell_named("total.figures")->text, "¥-99999999.99");
	assert_non_null(strstr(cell_named("remarks")->text, "被红冲蓝字数电发票号码："));
}

/* Past every limit the text is set smaller than the floor, but it stays
 * in its cell, whole, and malformed bytes become U+FFFD. */
static void test_overlong_stays_inside(void **state)
{
	struct einvoice inv;

	(void)state;
	sample_overlong(&inv);
	check_page(&inv, "overlong", false);
	assert_non_null(strstr(cell_named("seller.name")->text, "\xef\xbf\xbd"));
	assert_true(cell_named("item1.name")->size < cell_named("item1.name")->floor);
}

static void test_refuses_what_it_cannot_show(void **state)
{
	struct einvoice inv;
	char *bytes = (char *)"x", err[200];
	size_t len = 1;

	(void)state;
	sample_normal(&inv, EINV_BLUE);
	inv.nitems = 0;
	assert_int_equal(invoice_pdf_render(font, &inv, &bytes, &len, err, sizeof(err)),
			 CA_ERR_ARG);
	assert_null(bytes);
	inv.nitems = EINV_ITEMS_MAX + 1;
	assert_int_equal(invoice_pdf_layout(font, &inv, lay, err, sizeof(err)), CA_ERR_ARG);
	sample_normal(&inv, EINV_BLUE);
	inv.total_fen = INT64_MIN;
	assert_int_equal(invoice_pdf_render(font, &inv, &bytes, &len, err, sizeof(err)),
			 CA_ERR_ARG);
	assert_int_equal(invoice_pdf_render("/nonexistent.ttf", &inv, &bytes, &len, err,
					    sizeof(err)), CA_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent.ttf"));
}

static int setup(void **state)
{
	const char *out = getenv("CA_INVOICE_OUT");

	(void)state;
	lay = malloc(sizeof(*lay));
	if (!lay)
		return -1;
	if (out && *out) {
		keep = true;
		snprintf(dir, sizeof(dir), "%s", out);
		mkdir(dir, 0755);
		return 0;
	}
	return tmpdir_make(dir, sizeof(dir), "test_invoice_pdf");
}

static int teardown(void **state)
{
	(void)state;
	free(lay);
	invoice_pdf_shutdown();
	return keep ? 0 : tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_blue),
		cmocka_unit_test(test_normal_red),
		cmocka_unit_test(test_longest_blue),
		cmocka_unit_test(test_longest_red),
		cmocka_unit_test(test_overlong_stays_inside),
		cmocka_unit_test(test_refuses_what_it_cannot_show),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
