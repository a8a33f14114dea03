/*
 * test_utf8.c - character counting and cutting: well-formed text of every
 * sequence length counts right; every kind of malformed sequence is refused;
 * a cut never splits a character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/utf8.h"
#include "core/uuid.h"

static void test_counts_code_points(void **ctx)
{
	size_t n;

	(void)ctx;
	assert_true(utf8_count("", &n));
	assert_int_equal(n, 0);
	assert_true(utf8_count("abc", &n));
	assert_int_equal(n, 3);
	assert_true(utf8_count("江苏", &n));
	assert_int_equal(n, 2);
	assert_true(utf8_count("é江😀a", &n)); /* 2, 3, 4 and 1 byte sequences */
	assert_int_equal(n, 4);
	assert_true(utf8_count_n("江苏", 3, &n));
	assert_int_equal(n, 1);
}

static void test_malformed_sequences_are_refused(void **ctx)
{
	static const char *bad[] = {
		"\x80",             /* lone continuation */
		"\xC0\xAF",         /* overlong '/' */
		"\xC1\xBF",         /* overlong */
		"\xE0\x80\xAF",     /* overlong 3-byte */
		"\xF0\x80\x80\xAF", /* overlong 4-byte */
		"\xED\xA0\x80",     /* surrogate U+D800 */
		"\xF4\x90\x80\x80", /* above U+10FFFF */
		"\xF5\x80\x80\x80", /* invalid lead */
		"\xFF",
		"\xE6\xB1",         /* cut short */
		"a\xE6\xB1\x9F\xE6", /* cut short at the end */
		"\xE6\x41\x9F",     /* bad continuation */
	};
	size_t i, n;

	(void)ctx;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (utf8_count(bad[i], &n))
			fail_msg("accepted malformed sequence #%zu", i);
	/* Cutting a well-formed string mid-character is malformed too. */
	assert_false(utf8_count_n("江", 2, &n));
}

static void test_copy_never_splits_a_character(void **ctx)
{
	char buf[8];

	(void)ctx;
	assert_int_equal(utf8_copy(buf, sizeof(buf), "江苏国泰", 10), 6);
	assert_string_equal(buf, "江苏"); /* a third would need 9 bytes + NUL */
	assert_int_equal(utf8_copy(buf, sizeof(buf), "江苏国泰", 1), 3);
	assert_string_equal(buf, "江");
	assert_int_equal(utf8_copy(buf, sizeof(buf), "abcdefghij", 100), 7);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(utf8_copy(buf, sizeof(buf), "ab\xFF", 100), 2);
	assert_string_equal(buf, "ab");
}

static void test_uuid_v4_is_well_formed_and_distinct(void **ctx)
{
	char a[CA_UUID_LEN + 1], b[CA_UUID_LEN + 1];

	(void)ctx;
	assert_int_equal(uuid_v4(a), CA_OK);
	assert_int_equal(uuid_v4(b), CA_OK);
	assert_true(uuid_valid(a));
	assert_true(uuid_valid(b));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');               /* version */
	assert_non_null(strchr("89ab", a[19]));      /* variant */
	assert_false(uuid_valid("3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d9"));
	assert_false(uuid_valid("3f6c1a2e+8b4d-4c1e-9a7f-2d5e6b7c8d90"));
	assert_false(uuid_valid("3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d9g"));
	assert_false(uuid_valid(NULL));
}

static void test_decode_gives_code_points(void **ctx)
{
	uint32_t cp;

	(void)ctx;
	assert_int_equal(utf8_decode("a", 1, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(utf8_decode("\xC3\xA9", 2, &cp), 2); /* é */
	assert_int_equal(cp, 0xE9);
	assert_int_equal(utf8_decode("江苏", 6, &cp), 3);
	assert_int_equal(cp, 0x6C5F);
	assert_int_equal(utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4); /* 😀 */
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(utf8_decode("江", 2, &cp), 0); /* cut by len */
	assert_int_equal(utf8_decode("\xED\xA0\x80", 3, &cp), 0); /* surrogate */
	assert_int_equal(utf8_decode("\x80", 1, &cp), 0);
	assert_int_equal(utf8_decode("", 0, &cp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_code_points),
		cmocka_unit_test(test_malformed_sequences_are_refused),
		cmocka_unit_test(test_copy_never_splits_a_character),
		cmocka_unit_test(test_decode_gives_code_points),
		cmocka_unit_test(test_uuid_v4_is_well_formed_and_distinct),
	};

	return cmocka_run_group_tests_name("core/utf8", tests, NULL, NULL);
}
