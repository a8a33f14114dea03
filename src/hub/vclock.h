/*
 * vclock.h - the hub's clock: the system clock plus an offset that tests and
 * demos advance (ca-hub --virtual-clock, POST /v1/admin/clock).
 *
 * Every time the hub decides on (signature timestamps, nonce life, SMS code
 * life, sessions, the Date header) comes from here, so that expiry paths are
 * tested without waiting. The offset only grows; it lives in memory (a
 * restart returns to the system clock). Thread-safe (one atomic).
 */
#ifndef HUB_VCLOCK_H
#define HUB_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Allow vclock_advance (off by default: production hubs keep real time). */
void vclock_enable(bool on);
bool vclock_enabled(void);

/* Now on the hub's clock, Unix seconds and Unix milliseconds. */
int64_t vclock_now_s(void);
int64_t vclock_now_ms(void);

/* Move the clock forward by seconds (0 < seconds <= 10 years). Returns
 * false when the clock is not virtual or the step is out of range. */
bool vclock_advance(int64_t seconds);

/* Today on the hub's clock as YYYYMMDD in local time (for validators). */
int vclock_today(void);

#endif
