/*
 * test_ime.c - pinyin input against the real googlepinyin engine and its
 * packaged dictionary: UTF-16 to UTF-8 conversion (surrogate pairs); the
 * candidates for common words; partial choices; backspace inside the
 * composition and in the field; paging; 中/英; digit pads refusing letters;
 * the field's maximum length; no learning between people; and the whole
 * company name 江苏国泰新点软件有限公司 typed through the keyboard model alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ime/ime.h"
#include "ime/keyboard.h"

#define COMPANY "江苏国泰新点软件有限公司"

static struct ime *ime; /* the engine is a singleton: one for the program */

static int group_setup(void **ctx)
{
	(void)ctx;
	return ime_open(&ime, NULL) == CA_OK ? 0 : -1;
}

static int group_teardown(void **ctx)
{
	(void)ctx;
	ime_close(ime);
	ime = NULL;
	return 0;
}

static int reset(void **ctx)
{
	(void)ctx;
	ime_reset(ime);
	return 0;
}

/* Index of candidate text among the first limit candidates, -1 if absent. */
static long find_cand(const char *text, size_t limit)
{
	char buf[IME_CAND_BYTES];
	size_t i;

	for (i = 0; i < limit && i < ime_cand_count(ime); i++) {
		assert_int_equal(ime_cand(ime, i, buf, sizeof(buf)), CA_OK);
		if (strcmp(buf, text) == 0)
			return (long)i;
	}
	return -1;
}

/* Press each character of keys as a key id on the keyboard shown. */
static unsigned press_all(struct kb *kb, const char *keys)
{
	unsigned r = 0;

	for (; *keys != '\0'; keys++)
		r |= kb_press(kb, (unsigned char)*keys);
	return r;
}

/* Look for text on the candidate bar, turning pages as a person would;
 * choose it. Fails the test when it is not there. */
static void choose_by_text(struct kb *kb, const char *text)
{
	size_t i;

	for (;;) {
		for (i = 0; i < kb_page_count(kb); i++) {
			if (strcmp(kb_page_cand(kb, i), text) == 0) {
				kb_choose(kb, kb_page_first(kb) + i);
				return;
			}
		}
		if (!kb_has_next_page(kb))
			fail_msg("candidate %s not offered for %s", text, kb_composition(kb));
		assert_int_equal(kb_press(kb, KB_K_PAGE_NEXT), KB_R_COMPOSE);
	}
}

/* ---- UTF-16 ---- */

static void test_utf16_to_utf8(void **ctx)
{
	static const uint16_t mixed[] = { 'A', 0x00E9, 0x6C5F, 0xD83D, 0xDE00, 0 };
	static const uint16_t lone_high[] = { 0xD83D, 'x' };
	static const uint16_t high_at_end[] = { 'a', 0xD83D };
	static const uint16_t lone_low[] = { 0xDE00, 0x82CF };
	static const uint16_t han_ext_b[] = { 0xD840, 0xDC00 }; /* U+20000 */
	char out[32];
	size_t n;

	(void)ctx;
	assert_int_equal(ime_utf16_to_utf8(mixed, 16, out, sizeof(out), &n), CA_OK);
	assert_string_equal(out, "A\xC3\xA9江\xF0\x9F\x98\x80");
	assert_int_equal(n, 1 + 2 + 3 + 4);
	assert_int_equal(ime_utf16_to_utf8(lone_high, 2, out, sizeof(out), NULL), CA_OK);
	assert_string_equal(out, "\xEF\xBF\xBDx");
	assert_int_equal(ime_utf16_to_utf8(high_at_end, 2, out, sizeof(out), NULL), CA_OK);
	assert_string_equal(out, "a\xEF\xBF\xBD");
	assert_int_equal(ime_utf16_to_utf8(lone_low, 2, out, sizeof(out), NULL), CA_OK);
	assert_string_equal(out, "\xEF\xBF\xBD苏");
	assert_int_equal(ime_utf16_to_utf8(han_ext_b, 2, out, sizeof(out), NULL), CA_OK);
	assert_string_equal(out, "\xF0\xA0\x80\x80");
	/* a pair cut by len is not joined with what lies beyond */
	assert_int_equal(ime_utf16_to_utf8(mixed, 4, out, sizeof(out), NULL), CA_OK);
	assert_string_equal(out, "A\xC3\xA9江\xEF\xBF\xBD");
	/* too small: whole characters only, always terminated */
	assert_int_equal(ime_utf16_to_utf8(mixed, 16, out, 7, &n), CA_ERR_TOO_LONG);
	assert_string_equal(out, "A\xC3\xA9江");
	assert_int_equal(n, 6);
	assert_int_equal(ime_utf16_to_utf8(mixed, 16, out, 1, &n), CA_ERR_TOO_LONG);
	assert_string_equal(out, "");
}

/* ---- the engine wrapper ---- */

static void test_jiangsu_gives_jiangsu_first(void **ctx)
{
	long at;

	(void)ctx;
	assert_int_equal(ime_input(ime, "jiangsu"), CA_OK);
	assert_true(ime_composing(ime));
	assert_string_equal(ime_letters(ime), "jiangsu");
	assert_string_equal(ime_composition(ime), "jiang su");
	at = find_cand("江苏", 3);
	assert_true(at >= 0 && at < 3);
	assert_true(ime_cand_count(ime) > 10);
}

static void test_common_words_on_the_first_page(void **ctx)
{
	static const struct { const char *py, *hz; } words[] = {
		{ "gongsi", "公司" }, { "youxian", "有限" }, { "ruanjian", "软件" },
		{ "guotai", "国泰" }, { "nanjing", "南京" }, { "suzhou", "苏州" },
		{ "shouji", "手机" }, { "dizhi", "地址" }, { "zhongguo", "中国" },
		{ "keji", "科技" }, { "xi'an", "西安" },
	};
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ime_reset(ime);
		assert_int_equal(ime_input(ime, words[i].py), CA_OK);
		if (find_cand(words[i].hz, 5) < 0)
			fail_msg("%s not among the first 5 for %s", words[i].hz, words[i].py);
	}
	assert_string_equal(ime_composition(ime), "xi'an");
}

static void test_partial_choice_leaves_the_rest(void **ctx)
{
	char buf[IME_CAND_BYTES];
	long at;

	(void)ctx;
	assert_int_equal(ime_input(ime, "jiangsuguotai"), CA_OK);
	assert_string_equal(ime_composition(ime), "jiang su guo tai");
	at = find_cand("江苏", 5);
	assert_true(at > 0); /* 0 is the whole sentence */
	assert_int_equal(ime_choose(ime, (size_t)at), CA_OK);
	assert_string_equal(ime_committed(ime), "");
	assert_true(ime_composing(ime));
	assert_string_equal(ime_composition(ime), "江苏guo tai");
	/* candidate 0 now covers what is left, without the fixed part */
	assert_int_equal(ime_cand(ime, 0, buf, sizeof(buf)), CA_OK);
	assert_string_equal(buf, "国泰");
	assert_int_equal(ime_choose(ime, 0), CA_OK);
	assert_string_equal(ime_committed(ime), "江苏国泰");
	assert_false(ime_composing(ime));
	assert_int_equal(ime_cand_count(ime), 0);
	assert_string_equal(ime_composition(ime), "");
	assert_int_equal(ime_choose(ime, 0), CA_ERR_ARG);
}

static void test_backspace_steps_back_one_key(void **ctx)
{
	(void)ctx;
	assert_int_equal(ime_input(ime, "jiangsug"), CA_OK);
	assert_int_equal(ime_choose(ime, (size_t)find_cand("江苏", 5)), CA_OK);
	assert_string_equal(ime_composition(ime), "江苏g");
	/* the last unfixed letter goes, and with it the choice of 江苏 */
	assert_int_equal(ime_backspace(ime), CA_OK);
	assert_string_equal(ime_composition(ime), "jiang su");
	assert_string_equal(ime_letters(ime), "jiangsu");
	assert_int_equal(find_cand("江苏", 3), 0);
	assert_int_equal(ime_backspace(ime), CA_OK);
	assert_string_equal(ime_letters(ime), "jiangs");
	while (ime_composing(ime))
		assert_int_equal(ime_backspace(ime), CA_OK);
	assert_int_equal(ime_cand_count(ime), 0);
	assert_int_equal(ime_backspace(ime), CA_ERR_ARG);
}

static void test_impossible_keys_are_refused(void **ctx)
{
	int i;

	(void)ctx;
	assert_int_equal(ime_key(ime, 'v'), CA_ERR_INVALID);    /* no syllable starts so */
	assert_int_equal(ime_key(ime, '\''), CA_ERR_ARG);       /* nothing to separate */
	assert_int_equal(ime_key(ime, '1'), CA_ERR_ARG);
	assert_false(ime_composing(ime));
	assert_int_equal(ime_input(ime, "jiang"), CA_OK);
	assert_int_equal(ime_key(ime, 'v'), CA_ERR_INVALID);
	assert_string_equal(ime_letters(ime), "jiang");
	assert_int_equal(find_cand("将", 5) >= 0, 1); /* engine state intact */
	assert_int_equal(ime_key(ime, '\''), CA_OK);
	assert_int_equal(ime_key(ime, '\''), CA_ERR_ARG);
	assert_int_equal(ime_key(ime, 'S'), CA_OK);               /* folded */
	assert_string_equal(ime_letters(ime), "jiang's");
	/* caps: letters, syllables, bare initials (see ime.h) */
	ime_reset(ime);
	assert_int_equal(ime_input(ime, "zhuangshuangchuangzhuangshuangzh"), CA_OK);
	assert_int_equal(strlen(ime_letters(ime)), IME_MAX_LETTERS);
	assert_int_equal(ime_key(ime, 'i'), CA_ERR_TOO_LONG);
	assert_true(ime_cand_count(ime) > 0);
	ime_reset(ime);
	for (i = 0; i < IME_MAX_SYLLABLES; i++)
		assert_int_equal(ime_key(ime, 'a'), CA_OK);
	assert_int_equal(ime_key(ime, 'a'), CA_ERR_TOO_LONG);
	ime_reset(ime);
	for (i = 0; i < IME_MAX_INITIALS; i++)
		assert_int_equal(ime_key(ime, 'z'), CA_OK);
	assert_int_equal(ime_key(ime, 'z'), CA_ERR_TOO_LONG);
	assert_int_equal(ime_key(ime, 'h'), CA_ERR_TOO_LONG);
	assert_int_equal(ime_key(ime, 'a'), CA_OK); /* completes "za" */
	assert_int_equal(ime_key(ime, 'z'), CA_OK);
}

/* The engine asserts (and so aborts the kiosk) on long runs of bare
 * initials and on a spelling that decodes to no syllable after a choice;
 * the wrapper refuses those keys instead (IME_MAX_SYLLABLES, ime_key()). */
static void test_engine_is_kept_from_aborting(void **ctx)
{
	static const char *const runs[] = { "z", "s", "c", "d", "zh", "sh", "ch", "a", "z'" };
	static const char keys[] = "zscdhfyjqlmnaeiouzszscc'''";
	char buf[IME_CAND_BYTES];
	uint32_t seed = 12345;
	size_t r, i, k;

	(void)ctx;
	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		ime_reset(ime);
		for (i = 0; i < IME_MAX_LETTERS; i++)
			(void)ime_input(ime, runs[r]);
		assert_true(ime_cand_count(ime) > 0);
		assert_int_equal(ime_cand(ime, 0, buf, sizeof(buf)), CA_OK);
	}
	/* "fi" decodes, yet has no syllable: refused, also after a choice */
	ime_reset(ime);
	assert_int_equal(ime_input(ime, "zyztff"), CA_OK);
	assert_int_equal(ime_choose(ime, 3), CA_OK);
	assert_int_equal(ime_key(ime, 'i'), CA_ERR_INVALID);
	assert_int_equal(ime_key(ime, 'a'), CA_OK);
	assert_true(ime_cand_count(ime) > 0);
	/* a seeded random walk over the dangerous keys, with choices and
	 * backspaces (fuzz_keyboard does more of this) */
	for (r = 0; r < 300; r++) {
		ime_reset(ime);
		for (k = 0; k < 60; k++) {
			seed = seed * 1103515245u + 12345u;
			(void)ime_key(ime, keys[(seed >> 16) % (sizeof(keys) - 1)]);
			if ((seed >> 8) % 29 == 0 && ime_cand_count(ime) > 1)
				(void)ime_choose(ime, 1 + (seed >> 4) % (ime_cand_count(ime) - 1));
			if ((seed >> 12) % 13 == 0)
				(void)ime_backspace(ime);
		}
	}
}

/* A kiosk serves one person after another: nothing chosen may change what
 * the next person is offered. */
static void test_choices_are_not_learnt(void **ctx)
{
	char before[10][IME_CAND_BYTES], after[10][IME_CAND_BYTES];
	size_t nb, na, i;
	int round;

	(void)ctx;
	assert_int_equal(ime_input(ime, "xindian"), CA_OK);
	assert_int_equal(ime_cand_page(ime, 0, 10, before, &nb), CA_OK);
	assert_int_equal(nb, 10);
	assert_string_equal(before[0], "新店");
	for (round = 0; round < 5; round++) {
		ime_reset(ime);
		assert_int_equal(ime_input(ime, "xindian"), CA_OK);
		assert_int_equal(ime_choose(ime, (size_t)find_cand("新", 5)), CA_OK);
		assert_int_equal(ime_choose(ime, (size_t)find_cand("点", 5)), CA_OK);
		assert_string_equal(ime_committed(ime), "新点");
	}
	ime_reset(ime);
	assert_int_equal(ime_input(ime, "xindian"), CA_OK);
	assert_int_equal(ime_cand_page(ime, 0, 10, after, &na), CA_OK);
	assert_int_equal(na, nb);
	for (i = 0; i < nb; i++)
		assert_string_equal(after[i], before[i]);
}

static void test_reset_clears_everything(void **ctx)
{
	(void)ctx;
	assert_int_equal(ime_input(ime, "gongsi"), CA_OK);
	assert_int_equal(ime_choose(ime, 0), CA_OK);
	assert_string_equal(ime_committed(ime), "公司");
	assert_int_equal(ime_input(ime, "you"), CA_OK);
	assert_string_equal(ime_committed(ime), "");
	ime_reset(ime);
	assert_false(ime_composing(ime));
	assert_string_equal(ime_letters(ime), "");
	assert_string_equal(ime_composition(ime), "");
	assert_int_equal(ime_cand_count(ime), 0);
}

/* ---- through the keyboard model ---- */

/* Word by word, as the issue suggests: jiangsu, guotai, xindian (新 and 点
 * one at a time: the dictionary says 新店), ruanjian, youxian, gongsi. */
static void test_company_name_word_by_word(void **ctx)
{
	static const struct { const char *keys; const char *choose[2]; } steps[] = {
		{ "jiangsu", { "江苏", NULL } },
		{ "guotai", { "国泰", NULL } },
		{ "xindian", { "新", "点" } },
		{ "ruanjian", { "软件", NULL } },
		{ "youxian", { "有限", NULL } },
		{ "gongsi", { "公司", NULL } },
	};
	char field[4 * 100 + 1];
	struct kb kb;
	size_t i, j;

	(void)ctx;
	kb_init(&kb, ime);
	field[0] = '\0';
	kb_focus(&kb, field, sizeof(field), 100, KB_FIELD_TEXT);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_PINYIN);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t before = strlen(field);

		assert_int_equal(press_all(&kb, steps[i].keys), KB_R_COMPOSE);
		assert_int_equal(strlen(field), before); /* composing, not committed */
		for (j = 0; j < 2 && steps[i].choose[j] != NULL; j++)
			choose_by_text(&kb, steps[i].choose[j]);
		assert_string_equal(kb_composition(&kb), "");
	}
	assert_string_equal(field, COMPANY);
	assert_int_equal(kb_press(&kb, KB_K_ENTER), KB_R_DONE);
	assert_string_equal(field, COMPANY);
	kb_blur(&kb);
}

/* The short way, every choice on the first page: 41 letter keys, 2 spaces
 * and 2 taps on the candidate bar. */
static void test_company_name_fast(void **ctx)
{
	char field[4 * 100 + 1] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, ime);
	kb_focus(&kb, field, sizeof(field), 100, KB_FIELD_TEXT);
	press_all(&kb, "jiangsuguotai");
	assert_string_equal(kb_page_cand(&kb, 0), "江苏国泰");
	assert_int_equal(kb_press(&kb, KB_K_SPACE), KB_R_COMPOSE | KB_R_TEXT);
	assert_string_equal(field, "江苏国泰");
	press_all(&kb, "xindian");
	assert_string_equal(kb_page_cand(&kb, 1), "新");
	assert_int_equal(kb_choose(&kb, 1), KB_R_COMPOSE);
	assert_string_equal(kb_composition(&kb), "新dian");
	assert_string_equal(kb_page_cand(&kb, 0), "点");
	assert_int_equal(kb_choose(&kb, 0), KB_R_COMPOSE | KB_R_TEXT);
	press_all(&kb, "ruanjianyouxiangongsi");
	assert_string_equal(kb_page_cand(&kb, 0), "软件有限公司");
	kb_press(&kb, KB_K_SPACE);
	assert_string_equal(field, COMPANY);
	kb_blur(&kb);
}

static void test_backspace_composition_then_field(void **ctx)
{
	char field[64] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, ime);
	kb_focus(&kb, field, sizeof(field), 20, KB_FIELD_TEXT);
	press_all(&kb, "gongsi");
	kb_press(&kb, KB_K_SPACE);
	press_all(&kb, "you");
	assert_string_equal(field, "公司");
	/* while composing, backspace edits the letters, not the field */
	assert_int_equal(kb_press(&kb, KB_K_BACKSPACE), KB_R_COMPOSE);
	assert_string_equal(kb_composition(&kb), "yo");
	assert_string_equal(field, "公司");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_int_equal(kb_press(&kb, KB_K_BACKSPACE), KB_R_COMPOSE);
	assert_string_equal(kb_composition(&kb), "");
	assert_int_equal(kb_cand_total(&kb), 0);
	/* then it deletes whole characters from the field */
	assert_int_equal(kb_press(&kb, KB_K_BACKSPACE), KB_R_TEXT);
	assert_string_equal(field, "公");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_string_equal(field, "");
	assert_int_equal(kb_press(&kb, KB_K_BACKSPACE), 0);
	kb_blur(&kb);
}

static void test_candidate_paging(void **ctx)
{
	char field[64] = "", first[IME_CAND_BYTES], seen[IME_CAND_BYTES];
	struct kb kb;
	size_t total, pages = 1;

	(void)ctx;
	kb_init(&kb, ime);
	kb_focus(&kb, field, sizeof(field), 20, KB_FIELD_TEXT);
	kb_set_page_size(&kb, 5);
	press_all(&kb, "shi");
	total = kb_cand_total(&kb);
	assert_true(total > 15);
	assert_int_equal(kb_page_count(&kb), 5);
	assert_false(kb_has_prev_page(&kb));
	assert_true(kb_has_next_page(&kb));
	assert_int_equal(kb_press(&kb, KB_K_PAGE_PREV), 0);
	strcpy(first, kb_page_cand(&kb, 0));
	assert_int_equal(kb_press(&kb, KB_K_PAGE_NEXT), KB_R_COMPOSE);
	assert_int_equal(kb_page_first(&kb), 5);
	assert_true(kb_has_prev_page(&kb));
	/* the page shows candidates 5..9 of the engine */
	assert_int_equal(ime_cand(ime, 7, seen, sizeof(seen)), CA_OK);
	assert_string_equal(kb_page_cand(&kb, 2), seen);
	/* choosing on page two uses the absolute index */
	kb_choose(&kb, kb_page_first(&kb) + 2);
	assert_string_equal(field, seen);
	/* walk to the last page and back */
	press_all(&kb, "shi");
	while (kb_has_next_page(&kb)) {
		assert_int_equal(kb_press(&kb, KB_K_PAGE_NEXT), KB_R_COMPOSE);
		pages++;
	}
	assert_int_equal(pages, (total + 4) / 5);
	assert_int_equal(kb_page_count(&kb), total - kb_page_first(&kb));
	assert_int_equal(kb_press(&kb, KB_K_PAGE_NEXT), 0);
	while (kb_has_prev_page(&kb))
		kb_press(&kb, KB_K_PAGE_PREV);
	assert_string_equal(kb_page_cand(&kb, 0), first);
	/* a new letter starts again at page one */
	kb_press(&kb, KB_K_PAGE_NEXT);
	kb_press(&kb, 'j');
	assert_int_equal(kb_page_first(&kb), 0);
	kb_blur(&kb);
}

static void test_zh_en_switch(void **ctx)
{
	char field[64] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, ime);
	kb_focus(&kb, field, sizeof(field), 30, KB_FIELD_TEXT);
	assert_true(kb_zh(&kb));
	assert_string_equal(kb_caption(&kb, kb_find(&kb, KB_K_LANG)), "中");
	/* switching while composing commits the letters as typed */
	press_all(&kb, "abc");
	assert_int_equal(kb_press(&kb, KB_K_LANG), KB_R_LAYOUT | KB_R_COMPOSE | KB_R_TEXT);
	assert_string_equal(field, "abc");
	assert_false(kb_zh(&kb));
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_LATIN);
	assert_string_equal(kb_caption(&kb, kb_find(&kb, KB_K_LANG)), "英");
	/* 英: letters go straight into the field, shift for one capital */
	kb_press(&kb, KB_K_SHIFT);
	assert_string_equal(kb_caption(&kb, kb_find(&kb, 'q')), "Q");
	press_all(&kb, "ca");
	kb_press(&kb, KB_K_SPACE);
	assert_string_equal(field, "abcCa ");
	assert_string_equal(kb_composition(&kb), "");
	/* and back */
	kb_press(&kb, KB_K_LANG);
	press_all(&kb, "suzhou");
	kb_press(&kb, KB_K_SPACE);
	assert_string_equal(field, "abcCa 苏州");
	/* 确定 while composing commits the letters; then it means done */
	press_all(&kb, "ok");
	assert_int_equal(kb_press(&kb, KB_K_ENTER), KB_R_COMPOSE | KB_R_TEXT);
	assert_string_equal(field, "abcCa 苏州ok");
	assert_int_equal(kb_press(&kb, KB_K_ENTER), KB_R_DONE);
	/* punctuation after pinyin commits the best candidate first */
	press_all(&kb, "nanjing");
	kb_press(&kb, 0xFF0C);
	assert_string_equal(field, "abcCa 苏州ok南京，");
	kb_blur(&kb);
}

static void test_digit_pads_refuse_letters(void **ctx)
{
	char phone[16] = "", id[24] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, ime);
	kb_focus(&kb, phone, sizeof(phone), 11, KB_FIELD_DIGITS);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_DIGITS);
	assert_false(kb_zh(&kb));
	assert_int_equal(kb_press(&kb, 'a'), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, 'x'), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, KB_K_LANG), KB_R_REFUSED);
	assert_int_equal(kb_press(&kb, KB_K_SPACE), KB_R_REFUSED);
	assert_int_equal(press_all(&kb, "138123456789"), KB_R_TEXT | KB_R_REFUSED | KB_R_FULL);
	assert_string_equal(phone, "13812345678");
	assert_string_equal(kb_composition(&kb), "");

	kb_focus(&kb, id, sizeof(id), 18, KB_FIELD_ID);
	assert_int_equal(kb_layout_shown(&kb), KB_LAYOUT_DIGITS_X);
	press_all(&kb, "32058219900307123x");
	assert_string_equal(id, "32058219900307123X");
	assert_int_equal(kb_press(&kb, 'j'), KB_R_REFUSED);
	kb_blur(&kb);
}

static void test_max_length_in_characters(void **ctx)
{
	char field[64] = "";
	struct kb kb;

	(void)ctx;
	kb_init(&kb, ime);
	kb_focus(&kb, field, sizeof(field), 5, KB_FIELD_TEXT);
	press_all(&kb, "jiangsuguotai");
	kb_press(&kb, KB_K_SPACE);
	assert_string_equal(field, "江苏国泰");
	/* four of five used: a two-character word is cut to fit */
	press_all(&kb, "gongsi");
	assert_int_equal(kb_press(&kb, KB_K_SPACE), KB_R_COMPOSE | KB_R_TEXT | KB_R_FULL);
	assert_string_equal(field, "江苏国泰公");
	/* full: no new composition starts */
	assert_int_equal(kb_press(&kb, 's'), KB_R_REFUSED | KB_R_FULL);
	assert_string_equal(kb_composition(&kb), "");
	kb_press(&kb, KB_K_BACKSPACE);
	assert_string_equal(field, "江苏国泰");
	assert_int_equal(kb_press(&kb, 's'), KB_R_COMPOSE);
	kb_blur(&kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf16_to_utf8),
		cmocka_unit_test_setup(test_jiangsu_gives_jiangsu_first, reset),
		cmocka_unit_test_setup(test_common_words_on_the_first_page, reset),
		cmocka_unit_test_setup(test_partial_choice_leaves_the_rest, reset),
		cmocka_unit_test_setup(test_backspace_steps_back_one_key, reset),
		cmocka_unit_test_setup(test_impossible_keys_are_refused, reset),
		cmocka_unit_test_setup(test_engine_is_kept_from_aborting, reset),
		cmocka_unit_test_setup(test_choices_are_not_learnt, reset),
		cmocka_unit_test_setup(test_reset_clears_everything, reset),
		cmocka_unit_test_setup(test_company_name_word_by_word, reset),
		cmocka_unit_test_setup(test_company_name_fast, reset),
		cmocka_unit_test_setup(test_backspace_composition_then_field, reset),
		cmocka_unit_test_setup(test_candidate_paging, reset),
		cmocka_unit_test_setup(test_zh_en_switch, reset),
		cmocka_unit_test_setup(test_digit_pads_refuse_letters, reset),
		cmocka_unit_test_setup(test_max_length_in_characters, reset),
	};

	return cmocka_run_group_tests_name("ui/ime", tests, group_setup, group_teardown);
}
