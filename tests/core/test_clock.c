/*
 * test_clock.c - the clocks (src/core/clock.h): the wall clock is Unix
 * time in ms; a deadline ms ahead is that far ahead on the monotonic clock
 * with its nanoseconds normalised, never in the past; a sleep lasts at
 * least as long as asked (only lower bounds: no timing that could flake).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "core/clock.h"

static void test_wall_clock_is_unix_ms(void **ctx)
{
	int64_t before = (int64_t)time(NULL) * 1000, w = ca_wall_ms();

	(void)ctx;
	assert_true(w >= before && w < before + 2000);
}

static int64_t ts_ms(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_deadline_is_that_far_ahead(void **ctx)
{
	static const int64_t ahead[] = { 0, 1, 999, 1000, 1001, 1500, 86400000 };
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(ahead) / sizeof(ahead[0]); i++) {
		int64_t t0 = ca_mono_ms();
		struct timespec d = ca_mono_after(ahead[i]);
		int64_t t1 = ca_mono_ms();

		assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
		assert_true(ts_ms(d) >= t0 + ahead[i] && ts_ms(d) <= t1 + ahead[i]);
	}
	/* A deadline in the past is now. */
	{
		int64_t t0 = ca_mono_ms();
		struct timespec d = ca_mono_after(-5000);

		assert_true(ts_ms(d) >= t0 && ts_ms(d) <= ca_mono_ms());
	}
	assert_true(ca_mono_us() / 1000 >= ca_mono_ms() - 1);
}

static void test_sleep_lasts_at_least_as_asked(void **ctx)
{
	int64_t t0;

	(void)ctx;
	t0 = ca_mono_ms();
	ca_sleep_ms(30);
	assert_true(ca_mono_ms() - t0 >= 30);
	t0 = ca_mono_ms();
	ca_sleep_ms(0);
	ca_sleep_ms(-10);
	assert_true(ca_mono_ms() - t0 < 1000); /* no sleep, whatever the machine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wall_clock_is_unix_ms),
		cmocka_unit_test(test_deadline_is_that_far_ahead),
		cmocka_unit_test(test_sleep_lasts_at_least_as_asked),
	};

	return cmocka_run_group_tests_name("core/clock", tests, NULL, NULL);
}
