/*
 * test_keyboard.c - the keyboard model without the pinyin engine (ime
 * NULL): every layout's geometry is sound and every caption comes from the
 * catalog; field kinds pick their layout and refuse what they cannot take;
 * shift; symbols; backspace deletes whole UTF-8 characters; the maximum
 * length counts characters and the buffer size is never overrun.
 * Pinyin through the keyboard is pinned in test_ime.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/msg.h"
#include "ime/keyboard.h"

static unsigned press_all(struct kb *kb, const char *keys)
{
	unsigned r = 0;

	for (; *keys != '\0'; keys++)
		r |= kb_press(kb, (unsigned char)*keys);
	return r;
}

static bool has_key(enum kb_layout l, int32_t id)
{
	size_t n, i;
	int cols, rows;
	const struct kb_key *k = kb_layout_keys(l, &n, &cols, &rows);

	for (i = 0; i < n; i++)
		if (k[i].id == id)
			return true;
	return false;
}

/* Keys lie inside the grid, do not overlap, have unique ids and a caption
 * (from the catalog for function keys); letter layouts have all 26 letters,
 * digit pads all ten digits; every layout has 删除 and 确定. */
static void test_layout_geometry(void **ctx)
{
	struct kb kb;
	int l;

	(void)ctx;
	kb_init(&kb, NULL);
	for (l = 0; l < KB_LAYOUT__N; l++) {
		static char cell[8][32];
		const struct kb_key *k;
		size_t n, i, j;
		int cols, rows, x, y;
		char c;

		k = kb_layout_keys((enum kb_layout)l, &n, &cols, &rows);
		assert_true(n > 10 && cols <= 32 && rows <= 8);
		memset(cell, 0, sizeof(cell));
		for (i = 0; i < n; i++) {
			assert_true(k[i].w >= 2 && k[i].h >= 1);
			assert_true(k[i].x >= 0 && k[i].y >= 0);
			assert_true(k[i].x + k[i].w <= cols && k[i].y + k[i].h <= rows);
			for (y = k[i].y; y < k[i].y + k[i].h; y++)
				for (x = k[i].x; x < k[i].x + k[i].w; x++) {
					assert_int_equal(cell[y][x], 0);
					cell[y][x] = 1;
				}
			for (j = 0; j < i; j++)
				assert_true(k[j].id != k[i].id);
			if (k[i].id >= KB_K_BACKSPACE) {
				assert_null(k[i].text);
				assert_true(k[i].caption != MSG_NONE);
			} else {
				assert_non_null(k[i].text);
			}
			assert_true(kb_caption(&kb, &k[i])[0] != '\0');
		}
		assert_true(has_key((enum kb_layout)l, KB_K_BACKSPACE));
		assert_true(has_key((enum kb_layout)l, KB_K_ENTER));
		for (c = '0'; c <= '9'; c++)
			assert_true(has_key((enum kb_layout)l, c));
		if (l == KB_LAYOUT_PINYIN || l == KB_LAYOUT_LATIN)
			for (c = 'a'; c <= 'z'; c++)
				assert_true(has_key((enum kb_layout)l, c));
	}
	assert_true(has_key(KB_LAYOUT_PINYIN, '\''));
	assert_true(has_key(KB_LAYOUT_LATIN, KB_K_SHIFT));
	assert_false(has_key(KB_LAYOUT_DIGITS, 'x'));
	assert_false(has_key(KB_LAYOUT_DIGITS, '-'));
	assert_true(has_key(KB_LAYOUT_DIGITS_X, 'x'));
	assert_true(has_key(KB_LAYOUT_DIGITS_DASH, '-'));
	assert_false(has_key(KB_LAYOUT_DIGITS_X, 'a'));
}

static void test_captions_come_from_the_catalog(void **ctx)
{
	char f[8] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 7, KB_FIELD_TEXT);
	assert_string_equal(kb_caption(&kb, kb_find(&kb, KB_K_BACKSPACE)), msg(MSG_KB_BACKSPACE));
	assert_string_equal(msg(MSG_KB_BACKSPACE), "删除");
	assert_string_equal(kb_caption(&kb, kb_find(&kb, KB_K_SPACE)), "空格");
	assert_string_equal(kb_caption(&kb, kb_find(&kb, KB_K_ENTER)), "确定");
	assert_string_equal(kb_caption(&kb, kb_find(&kb, KB_K_LANG)), "英");
	assert_string_equal(kb_caption(&kb, kb_find(&kb, 'a')), "a");
	assert_string_equal(msg(MSG_KB_PAGE_PREV), "上一页");
	assert_string_equal(msg(MSG_KB_PAGE_NEXT), "下一页");
}

/* Without the engine a text field still works, in Latin letters. */
static void test_text_field_without_engine(void **ctx)
{
	char f[32] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	assert_int_equal(kb_press(&kb, 'a'), KB_R_REFUSED); /* nothing focused */
	kb_focus(&kb, f, sizeof(f), 20, KB_FIELD_TEXT);
	assert_false(kb_zh(&kb));
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_LATIN);
	assert_false(kb_enabled(&kb, kb_find(&kb, KB_K_LANG)));
	assert_int_equal(kb_press(&kb, KB_K_LANG), KB_R_REFUSED);
	assert_int_equal(press_all(&kb, "ab"), KB_R_TEXT);
	assert_int_equal(kb_press(&kb, KB_K_SPACE), KB_R_TEXT);
	assert_string_equal(f, "ab ");
	assert_int_equal(kb_cand_total(&kb), 0);
	assert_string_equal(kb_composition(&kb), "");
	kb_blur(&kb);
	assert_int_equal(kb_press(&kb, 'a'), KB_R_REFUSED);
	assert_string_equal(f, "ab ");
}

static void test_shift_once_lock_off(void **ctx)
{
	char f[32] = "";
	struct kb kb;
	const struct kb_key *shift;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 30, KB_FIELD_TEXT);
	shift = kb_find(&kb, KB_K_SHIFT);
	assert_false(kb_active(&kb, shift));
	assert_int_equal(kb_press(&kb, KB_K_SHIFT), KB_R_LAYOUT);
	assert_true(kb_active(&kb, shift));
	assert_int_equal(kb_press(&kb, 'a'), KB_R_TEXT | KB_R_LAYOUT); /* back to lower */
	kb_press(&kb, 'b');
	kb_press(&kb, KB_K_SHIFT);
	kb_press(&kb, KB_K_SHIFT); /* locked */
	press_all(&kb, "cd");
	assert_string_equal(kb_caption(&kb, kb_find(&kb, 'e')), "E");
	kb_press(&kb, KB_K_SHIFT); /* off */
	kb_press(&kb, 'e');
	assert_string_equal(f, "AbCDe");
	assert_false(kb_active(&kb, shift));
}

static void test_code_field_capitals_no_chinese(void **ctx)
{
	char f[20] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 18, KB_FIELD_CODE);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_LATIN);
	assert_int_equal(press_all(&kb, "91320582ma1mabcdeu"), KB_R_TEXT);
	assert_string_equal(f, "91320582MA1MABCDEU");
	assert_int_equal(kb_press(&kb, 'a'), KB_R_REFUSED | KB_R_FULL);
	assert_int_equal(kb_press(&kb, KB_K_SPACE), KB_R_REFUSED);
	kb_press(&kb, KB_K_SYMBOLS);
	assert_int_equal(kb_press(&kb, 0xFF08), KB_R_REFUSED); /* （ */
	assert_false(kb_enabled(&kb, kb_find(&kb, 0xFF08)));
	assert_true(kb_enabled(&kb, kb_find(&kb, '-')));
}

static void test_email_field(void **ctx)
{
	char f[64] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 60, KB_FIELD_EMAIL);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_LATIN);
	assert_int_equal(kb_press(&kb, KB_K_SHIFT), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, KB_K_SPACE), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, KB_K_LANG), KB_R_REFUSED);
	press_all(&kb, "li");
	assert_int_equal(kb_press(&kb, KB_K_SYMBOLS), KB_R_LAYOUT);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_SYMBOLS);
	press_all(&kb, ".");
	assert_int_equal(kb_press(&kb, 'n'), KB_R_REFUSED); /* no letters on 符号 */
	kb_press(&kb, KB_K_LETTERS);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_LATIN);
	press_all(&kb, "na");
	kb_press(&kb, KB_K_SYMBOLS);
	press_all(&kb, "_01");
	kb_press(&kb, KB_K_LETTERS);
	press_all(&kb, "@example.com"); /* @ and . sit beside the space bar */
	assert_string_equal(f, "li.na_01@example.com");
	assert_int_equal(kb_press(&kb, KB_K_ENTER), KB_R_DONE);
}

static void test_digit_pads(void **ctx)
{
	char code[8] = "", phone[16] = "", id[20] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, code, sizeof(code), 6, KB_FIELD_DIGITS);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_DIGITS);
	assert_int_equal(kb_press(&kb, 'a'), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, '-'), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, KB_K_SYMBOLS), KB_R_REFUSED);
	assert_int_equal(press_all(&kb, "2150001"), KB_R_TEXT | KB_R_REFUSED | KB_R_FULL);
	assert_string_equal(code, "215000");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_string_equal(code, "21500");

	kb_focus(&kb, phone, sizeof(phone), 13, KB_FIELD_PHONE);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_DIGITS_DASH);
	press_all(&kb, "0512-12345678");
	assert_string_equal(phone, "0512-12345678");
	assert_int_equal(kb_press(&kb, 'x'), KB_R_REFUSED); /* no X on this pad */

	kb_focus(&kb, id, sizeof(id), 18, KB_FIELD_ID);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_DIGITS_X);
	assert_int_equal(kb_press(&kb, 'y'), KB_R_REFUSED);
	press_all(&kb, "32058219900307123x");
	assert_string_equal(id, "32058219900307123X");
	assert_int_equal(kb_press(&kb, KB_K_ENTER), KB_R_DONE);
	/* the previous field kept its text */
	assert_string_equal(phone, "0512-12345678");
}

static void test_backspace_deletes_whole_characters(void **ctx)
{
	char f[32] = "a\xC3\xA9江\xF0\x9F\x98\x80"; /* 1, 2, 3, 4 bytes */
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 20, KB_FIELD_TEXT);
	assert_int_equal(kb_press(&kb, KB_K_BACKSPACE), KB_R_TEXT);
	assert_string_equal(f, "a\xC3\xA9江");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_string_equal(f, "a\xC3\xA9");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_string_equal(f, "a");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_string_equal(f, "");
	assert_int_equal(kb_press(&kb, KB_K_BACKSPACE), 0);
}

/* Maximum length counts characters; the buffer size is a second, byte cap. */
static void test_max_length_and_buffer_size(void **ctx)
{
	char f[32] = "江苏国泰", small[6] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 6, KB_FIELD_TEXT);
	assert_int_equal(press_all(&kb, "ab"), KB_R_TEXT);
	assert_int_equal(kb_press(&kb, 'c'), KB_R_REFUSED | KB_R_FULL);
	assert_string_equal(f, "江苏国泰ab");
	kb_press(&kb, KB_K_SYMBOLS);
	kb_press(&kb, KB_K_BACKSPACE);
	assert_int_equal(kb_press(&kb, 0xFF08), KB_R_TEXT); /* （ */
	assert_string_equal(f, "江苏国泰a（");

	kb_focus(&kb, small, sizeof(small), 10, KB_FIELD_TEXT);
	kb_press(&kb, KB_K_SYMBOLS);
	assert_int_equal(kb_press(&kb, 0xFF08), KB_R_TEXT);
	assert_int_equal(kb_press(&kb, 0xFF09), KB_R_REFUSED | KB_R_FULL); /* 3 + 3 + NUL > 6 bytes */
	assert_int_equal(press_all(&kb, "12"), KB_R_TEXT);
	assert_int_equal(kb_press(&kb, '3'), KB_R_REFUSED | KB_R_FULL);
	assert_string_equal(small, "（12");
}

static void test_reset_forgets_the_field(void **ctx)
{
	char f[16] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, NULL);
	kb_focus(&kb, f, sizeof(f), 11, KB_FIELD_DIGITS);
	press_all(&kb, "138");
	kb_reset(&kb);
	assert_int_equal(kb_press(&kb, '1'), KB_R_REFUSED);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_LATIN);
	assert_string_equal(f, "138"); /* the UI clears its own fields */
	kb_set_page_size(&kb, 0);
	assert_int_equal(kb.page_size, 1);
	kb_set_page_size(&kb, 1000);
	assert_int_equal(kb.page_size, KB_PAGE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_geometry),
		cmocka_unit_test(test_captions_come_from_the_catalog),
		cmocka_unit_test(test_text_field_without_engine),
		cmocka_unit_test(test_shift_once_lock_off),
		cmocka_unit_test(test_code_field_capitals_no_chinese),
		cmocka_unit_test(test_email_field),
		cmocka_unit_test(test_digit_pads),
		cmocka_unit_test(test_backspace_deletes_whole_characters),
		cmocka_unit_test(test_max_length_and_buffer_size),
		cmocka_unit_test(test_reset_forgets_the_field),
	};

	return cmocka_run_group_tests_name("ui/keyboard", tests, NULL, NULL);
}
