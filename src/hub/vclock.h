/*
 * vclock.h - the hub's clock: the system clock plus an offset that tests and
 * demos advance (ca-hub --virtual-clock, POST /v1/admin/clock).
 *
 * Every time the hub decides on (signature timestamps, nonce life, SMS code
 * life, sessions, the Date header) comes from here, so that expiry paths are
 * tested without waiting. The offset only grows; it lives in memory (a
 * restart returns to the system clock), and in a file for other processes
 * when shared (vclock_share). Thread-safe.
 */
#ifndef HUB_VCLOCK_H
#define HUB_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* Allow vclock_advance (off by default: production hubs keep real time). */
void vclock_enable(bool on);
bool vclock_enabled(void);

/* Now on the hub's clock, Unix seconds and Unix milliseconds. */
int64_t vclock_now_s(void);
int64_t vclock_now_ms(void);

/* Move the clock forward by seconds (0 < seconds <= 10 years). Returns
 * false when the clock is not virtual or the step is out of range. */
bool vclock_advance(int64_t seconds);

/* Keep the offset (milliseconds, decimal) in the file at path as well,
 * written now and at every advance, durably: other processes of a test
 * (the payment provider simulator, docs/paysim.md) read it to share the
 * hub's clock. NULL stops it. CA_ERR_IO when the file cannot be written. */
ca_err vclock_share(const char *path);

/* Today on the hub's clock as YYYYMMDD in local time (for validators). */
int vclock_today(void);

#endif
