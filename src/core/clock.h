/*
 * clock.h - the clocks, once: monotonic milliseconds for intervals and
 * deadlines, wall-clock Unix milliseconds for what is stored or sent, an
 * absolute deadline for pthread_cond_timedwait, and a sleep that survives
 * signals. Every module and test takes its time from here.
 */
#ifndef CA_CLOCK_H
#define CA_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC (never jumps; its zero is arbitrary). */
int64_t ca_mono_ms(void);

/* Microseconds of CLOCK_MONOTONIC (benchmarks). */
int64_t ca_mono_us(void);

/* Unix time in milliseconds (CLOCK_REALTIME: may jump when the clock is
 * set; never for intervals). */
int64_t ca_wall_ms(void);

/* CLOCK_MONOTONIC ms from now (a negative ms: now) as an absolute time,
 * for pthread_cond_timedwait on a condition variable whose clock was set
 * to CLOCK_MONOTONIC (pthread_condattr_setclock). */
struct timespec ca_mono_after(int64_t ms);

/* Sleep ms milliseconds (none when ms <= 0), resumed after a signal. */
void ca_sleep_ms(int64_t ms);

#endif
