/*
 * cst.c - China Standard Time (see cst.h): gmtime_r of the instant moved
 * by the fixed offset, so neither TZ nor the tz database is consulted.
 */
#include "cst.h"

#include <stdio.h>

void ca_cst_tm(int64_t unix_s, struct tm *tm)
{
	time_t t = (time_t)(unix_s + CA_CST_OFFSET_S);

	if (!gmtime_r(&t, tm)) {
		/* Only for years beyond int: the epoch instead of garbage. */
		t = 0;
		gmtime_r(&t, tm);
	}
}

int ca_cst_day(int64_t unix_ms)
{
	struct tm tm;

	ca_cst_tm(unix_ms / 1000, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

char *ca_cst_format(int64_t unix_ms, const char *fmt, char *buf, size_t n)
{
	struct tm tm;

	if (n == 0)
		return buf;
	if (unix_ms <= 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	ca_cst_tm(unix_ms / 1000, &tm);
	/* fmt is checked where it is written: cst.h gives ca_cst_format the
	 * strftime format attribute. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "-");
#pragma GCC diagnostic pop
	return buf;
}
