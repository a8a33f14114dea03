/*
 * test_money.c - amounts as an invoice writes them: capital numerals by
 * the rules for bills (零 for a run of zeros between digits, wherever a
 * group or the 元 falls; 整 only after 元; 壹拾 for a leading ten; 负 for a
 * red invoice's negative amounts), the range and the buffer checked; the
 * figures with two decimals and a sign.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/money.h"

/* money_upper(fen) must be want. */
static void upper_is(int64_t fen, const char *want)
{
	char out[MONEY_UPPER_MAX];

	if (money_upper(fen, out, sizeof(out)) != CA_OK)
		fail_msg("money_upper(%lld) failed", (long long)fen);
	if (strcmp(out, want) != 0)
		fail_msg("money_upper(%lld) = %s, want %s", (long long)fen, out, want);
}

static void test_zero_and_small_amounts(void **ctx)
{
	(void)ctx;
	upper_is(0, "零元整");
	upper_is(1, "壹分");
	upper_is(5, "伍分");
	upper_is(50, "伍角");
	upper_is(55, "伍角伍分");
	upper_is(100, "壹元整");
	upper_is(105, "壹元零伍分");
	upper_is(150, "壹元伍角");
}

static void test_tens_and_the_brief_s_values(void **ctx)
{
	(void)ctx;
	upper_is(1000, "壹拾元整");           /* 10: a leading ten says 壹 */
	upper_is(1005, "壹拾元零伍分");       /* 10.05: 角 zero, 分 not: 零 */
	upper_is(1050, "壹拾元零伍角");       /* 10.50: 元 place zero: one 零 */
	upper_is(1500, "壹拾伍元整");
	upper_is(10000000, "壹拾万元整");     /* 100000.00: trailing zeros say nothing */
	upper_is(100110, "壹仟零壹元壹角");   /* 1001.10 */
	upper_is(60000, "陆佰元整");
	upper_is(999999999, "玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分");
	upper_is(9999999999, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分");
}

/* One 零 for a run of zeros between two written digits. */
static void test_zero_rules(void **ctx)
{
	(void)ctx;
	upper_is(140950, "壹仟肆佰零玖元伍角");        /* 1409.50 */
	upper_is(600714, "陆仟零柒元壹角肆分");        /* 6007.14: several zeros, one 零 */
	upper_is(168032, "壹仟陆佰捌拾元零叁角贰分");  /* 1680.32: 元 place zero */
	upper_is(1640902, "壹万陆仟肆佰零玖元零贰分"); /* 16409.02 */
	upper_is(32504, "叁佰贰拾伍元零肆分");         /* 325.04 */
	upper_is(10700053, "壹拾万零柒仟元零伍角叁分"); /* 107000.53: both runs */
	upper_is(10010000, "壹拾万零壹佰元整");        /* 100100 */
	upper_is(10100000, "壹拾万零壹仟元整");        /* 101000: 万 place zero */
	upper_is(10000000100, "壹亿零壹元整");         /* an empty 万 group: no name */
	upper_is(10001000000, "壹亿零壹万元整");
	upper_is(101000, "壹仟零壹拾元整");
	upper_is(100000005, "壹佰万元零伍分");
}

static void test_large_amounts_and_groups(void **ctx)
{
	(void)ctx;
	upper_is(10000000000, "壹亿元整");
	upper_is(100000000000000, "壹万亿元整");
	upper_is(123450000000000, "壹万贰仟叁佰肆拾伍亿元整");
	upper_is(100010000000000, "壹万零壹亿元整");
	upper_is(100000001000000, "壹万亿零壹万元整");
	upper_is(MONEY_FEN_MAX, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万"
				"玖仟玖佰玖拾玖元玖角玖分");
}

static void test_negatives(void **ctx)
{
	(void)ctx;
	upper_is(-60000, "负陆佰元整");
	upper_is(-5, "负伍分");
	upper_is(-1005, "负壹拾元零伍分");
	upper_is(-9999999999, "负玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分");
	upper_is(-MONEY_FEN_MAX, "负玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万"
				 "玖仟玖佰玖拾玖元玖角玖分");
}

static void test_range_and_buffer(void **ctx)
{
	char out[MONEY_UPPER_MAX], small[10];

	(void)ctx;
	assert_int_equal(money_upper(MONEY_FEN_MAX + 1, out, sizeof(out)), CA_ERR_ARG);
	assert_string_equal(out, "");
	assert_int_equal(money_upper(INT64_MIN, out, sizeof(out)), CA_ERR_ARG);
	assert_int_equal(money_upper(INT64_MAX, out, sizeof(out)), CA_ERR_ARG);
	/* 陆佰元整 is 12 bytes: 10 do not hold it, and nothing half is left */
	assert_int_equal(money_upper(60000, small, sizeof(small)), CA_ERR_TOO_LONG);
	assert_string_equal(small, "");
	assert_int_equal(money_upper(60000, small, 0), CA_ERR_TOO_LONG);
	assert_int_equal(money_upper(-MONEY_FEN_MAX, out, sizeof(out)), CA_OK);
	assert_true(strlen(out) < MONEY_UPPER_MAX);
}

static void test_figures(void **ctx)
{
	char out[MONEY_FIGURES_MAX], small[5];

	(void)ctx;
	assert_string_equal(money_figures(0, out, sizeof(out)), "0.00");
	assert_string_equal(money_figures(5, out, sizeof(out)), "0.05");
	assert_string_equal(money_figures(60000, out, sizeof(out)), "600.00");
	assert_string_equal(money_figures(-60000, out, sizeof(out)), "-600.00");
	assert_string_equal(money_figures(-5, out, sizeof(out)), "-0.05");
	assert_string_equal(money_figures(9999999999, out, sizeof(out)), "99999999.99");
	assert_string_equal(money_figures(INT64_MIN, out, sizeof(out)), "-92233720368547758.08");
	assert_string_equal(money_figures(60000, small, sizeof(small)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_and_small_amounts),
		cmocka_unit_test(test_tens_and_the_brief_s_values),
		cmocka_unit_test(test_zero_rules),
		cmocka_unit_test(test_large_amounts_and_groups),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_range_and_buffer),
		cmocka_unit_test(test_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
