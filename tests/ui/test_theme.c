/*
 * test_theme.c - the look meets docs/ui.md, Theme: every text/background pair the
 * theme defines has a WCAG 2.x contrast ratio of at least 4.5:1 (computed
 * here from the sRGB values, independently of the theme code); text is at
 * least 32 px and touch targets at least 64 px, in portrait and landscape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "ui/theme.h"

/* WCAG relative luminance of an sRGB colour. */
static double luminance(struct draw_color c)
{
	double ch[3] = { c.r / 255.0, c.g / 255.0, c.b / 255.0 };
	int i;

	for (i = 0; i < 3; i++)
		ch[i] = ch[i] <= 0.04045 ? ch[i] / 12.92 : pow((ch[i] + 0.055) / 1.055, 2.4);
	return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

static double contrast(struct draw_color a, struct draw_color b)
{
	double la = luminance(a), lb = luminance(b);

	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

/* The formula itself, on known values: black/white 21:1, equal 1:1. */
static void test_contrast_formula(void **ctx)
{
	struct draw_color k = { 0, 0, 0, 255 }, w = { 255, 255, 255, 255 };
	struct draw_color g = { 0x76, 0x76, 0x76, 255 }; /* the classic 4.54:1 grey */

	(void)ctx;
	assert_true(fabs(contrast(k, w) - 21.0) < 1e-9);
	assert_true(fabs(contrast(w, w) - 1.0) < 1e-9);
	assert_true(contrast(g, w) > 4.5 && contrast(g, w) < 4.6);
}

/* Every ink: opaque, named, and at least 4.5:1. */
static void test_every_ink_has_contrast(void **ctx)
{
	struct theme t;
	int i, bad = 0;

	(void)ctx;
	theme_init(&t, 1080, 1920);
	for (i = 0; i < THEME_INK__N; i++) {
		const struct theme_ink *k = &t.ink[i];
		double c;

		assert_non_null(k->name);
		assert_int_equal(k->fg.a, 255);
		assert_int_equal(k->bg.a, 255);
		c = contrast(k->fg, k->bg);
		printf("    ink %-16s %5.2f:1\n", k->name, c);
		if (c < 4.5) {
			printf("    FAIL: ink %s is %.2f:1, under 4.5:1\n", k->name, c);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* inks used on the page or on cards sit on those exact colours */
	assert_memory_equal(&t.ink[THEME_INK_PAGE].bg, &t.page, sizeof(t.page));
	assert_memory_equal(&t.ink[THEME_INK_CARD].bg, &t.card, sizeof(t.card));
	assert_memory_equal(&t.ink[THEME_INK_ERROR].bg, &t.page, sizeof(t.page));
	assert_memory_equal(&t.ink[THEME_INK_ERROR_CARD].bg, &t.card, sizeof(t.card));
	/* outlines of fields are visible (WCAG 1.4.11: 3:1 for components) */
	assert_true(contrast(t.field_border, t.card) >= 3.0);
	assert_true(contrast(t.focus, t.card) >= 3.0);
	/* QR: black on white */
	assert_true(contrast(t.qr_ink, t.qr_paper) >= 15.0);
}

/* Sizes in both orientations, and for a smaller panel too. */
static void test_sizes_hold_in_both_orientations(void **ctx)
{
	static const int sz[][2] = { { 1080, 1920 }, { 1920, 1080 }, { 1200, 1920 } };
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		struct theme t;

		theme_init(&t, sz[i][0], sz[i][1]);
		assert_true(t.text_caption >= 32);
		assert_true(t.text_body >= 32);
		assert_true(t.text_field >= t.text_body);
		assert_true(t.button_h >= 64 && t.field_h >= 64 && t.tab_h >= 64 && t.item_h >= 64);
		assert_true(t.touch_min >= 64);
		/* the QR symbol is at least ~6 cm on a 21.5" panel (0.248 mm/px) */
		assert_true(t.qr_min * 0.248 >= 60.0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contrast_formula),
		cmocka_unit_test(test_every_ink_has_contrast),
		cmocka_unit_test(test_sizes_hold_in_both_orientations),
	};

	return cmocka_run_group_tests_name("ui theme", tests, NULL, NULL);
}
