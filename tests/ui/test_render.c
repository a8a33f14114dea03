/*
 * test_render.c - the renderer, headless on SDL's offscreen driver: a
 * gallery frame becomes a PNG of the screen's size; the second frame draws
 * its text from the cache; the QR in the PNG decodes (zbarimg) to what was
 * encoded; widths measured through SDL_ttf make CJK wider than Latin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/ui/render.h"
#include "../../src/ui/ui.h"
#include "../../tools/ui_pages.h"

static char dir[] = "/tmp/ca-test-render-XXXXXX";

/* Width and height from a PNG's IHDR chunk; false if not a PNG. */
static bool png_size(const char *path, unsigned *w, unsigned *h)
{
	unsigned char b[24];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n != sizeof(b) || memcmp(b, "\x89PNG\r\n\x1a\n", 8) || memcmp(b + 12, "IHDR", 4))
		return false;
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
	return true;
}

static void frame(struct ui *ui, struct ui_pages *p)
{
	int i;

	for (i = 0; i < 4; i++) {
		ui_begin(ui, 1000000);
		ui_pages_draw(ui, p);
		ui_end(ui);
		if (!ui_rerun(ui))
			break;
	}
}

static void run(int w, int h, int page, const char *name, bool decode_qr)
{
	struct render_opts o = { .w = w, .h = h, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render_stats a, b;
	struct render *r = NULL;
	struct ui_metrics m;
	struct ui *ui;
	struct ui_pages p;
	char err[256] = "", path[256];
	unsigned pw, ph;

	assert_int_equal(render_open(&r, &o, err, sizeof(err)), CA_OK);
	m = render_metrics(r);
	ui = ui_new(w, h, &m);
	assert_non_null(ui);
	ui_pages_init(&p);
	p.page = page;
	frame(ui, &p);
	assert_int_equal(ui_draw_list(ui)->overflow, 0);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(render_screenshot(r, ui_draw_list(ui), path), CA_OK);
	assert_true(png_size(path, &pw, &ph));
	assert_int_equal(pw, (unsigned)w);
	assert_int_equal(ph, (unsigned)h);

	/* The same frame again: every text from the cache. */
	render_get_stats(r, &a);
	assert_true(a.text_misses > 0);
	assert_int_equal(render_frame(r, ui_draw_list(ui)), CA_OK);
	render_get_stats(r, &b);
	assert_int_equal(b.text_misses, a.text_misses);
	assert_true(b.text_hits > a.text_hits);
	assert_true(b.text_entries > 0);

	if (decode_qr) {
		char cmd[512], got[512] = "";
		FILE *z;

		if (access("/usr/bin/zbarimg", X_OK) != 0) {
			printf("    (zbarimg missing: QR decode skipped)\n");
		} else {
			snprintf(cmd, sizeof(cmd), "/usr/bin/zbarimg --raw -q '%s' 2>/dev/null", path);
			z = popen(cmd, "r");
			assert_non_null(z);
			if (!fgets(got, sizeof(got), z))
				got[0] = '\0';
			pclose(z);
			got[strcspn(got, "\n")] = '\0';
			assert_string_equal(got, UI_PAGES_QR);
		}
	}
	unlink(path);
	ui_free(ui);
	render_free(r);
}

/* Portrait form page: PNG of 1080x1920, cache hits on the second frame. */
static void test_form_portrait_png(void **ctx)
{
	(void)ctx;
	run(1080, 1920, UI_PAGE_FORM, "form.png", false);
}

/* Payment page in both orientations: the QR scans from the screenshot. */
static void test_pay_qr_decodes(void **ctx)
{
	(void)ctx;
	run(1080, 1920, UI_PAGE_PAY, "pay-portrait.png", true);
	run(1920, 1080, UI_PAGE_PAY, "pay-landscape.png", true);
}

/* Real metrics: a CJK character is about 1 em, a Latin letter about half. */
static void test_measure_with_the_real_font(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS, .font_index = -1 };
	struct render *r = NULL;
	struct ui_metrics m;
	char err[256];
	int cjk, latin, lh;

	(void)ctx;
	assert_int_equal(render_open(&r, &o, err, sizeof(err)), CA_OK);
	m = render_metrics(r);
	cjk = m.text_width(m.ctx, DRAW_FONT_REGULAR, 36, "江苏", 6);
	latin = m.text_width(m.ctx, DRAW_FONT_REGULAR, 36, "ab", 2);
	lh = m.line_height(m.ctx, DRAW_FONT_REGULAR, 36);
	assert_in_range(cjk, 68, 76);
	assert_in_range(latin, 30, 50);
	assert_in_range(lh, 40, 60);
	render_free(r);
}

/* A missing font file is an error that names the file, not a crash. */
static void test_missing_font_reported(void **ctx)
{
	struct render_opts o = { .w = 1080, .h = 1920, .mode = RENDER_HEADLESS,
				 .font_regular = "/nonexistent/font.ttc", .font_index = -1 };
	struct render *r = NULL;
	char err[256] = "";

	(void)ctx;
	assert_int_not_equal(render_open(&r, &o, err, sizeof(err)), CA_OK);
	assert_null(r);
	assert_non_null(strstr(err, "/nonexistent/font.ttc"));
}

static int setup(void **ctx)
{
	(void)ctx;
	/* Headless: no display is needed (and none is used if present). */
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	setenv("SDL_AUDIODRIVER", "dummy", 1);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **ctx)
{
	(void)ctx;
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_portrait_png),
		cmocka_unit_test(test_pay_qr_decodes),
		cmocka_unit_test(test_measure_with_the_real_font),
		cmocka_unit_test(test_missing_font_reported),
	};

	return cmocka_run_group_tests_name("ui render", tests, setup, teardown);
}
