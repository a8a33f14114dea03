/*
 * cst.h - China Standard Time: UTC+8, no daylight saving.
 *
 * The product serves one country. Every date and clock time a person or
 * staff see (lists, details, the maintenance screen, invoices, payment
 * expiries) and every "today" of the rules (fsm_apply's date checks) is
 * China Standard Time, whatever the machine's TZ: a kiosk image or a
 * server container often runs on UTC, which would show times 8 hours
 * early and yesterday's date until 08:00. Storage and the wire stay Unix
 * ms (UTC).
 */
#ifndef CA_CST_H
#define CA_CST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Seconds east of UTC. */
#define CA_CST_OFFSET_S (8 * 3600)

/* unix_s broken down in China Standard Time (tm_isdst 0). */
void ca_cst_tm(int64_t unix_s, struct tm *tm);

/* The China date of unix_ms as YYYYMMDD (what fsm_apply calls today). */
int ca_cst_day(int64_t unix_ms);

/* unix_ms formatted with strftime's fmt in China time into buf (size n);
 * "-" when unix_ms <= 0 or it does not fit. Returns buf. */
__attribute__((format(strftime, 2, 0)))
char *ca_cst_format(int64_t unix_ms, const char *fmt, char *buf, size_t n);

#endif
