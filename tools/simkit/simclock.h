/*
 * simclock.h - the simulator's clock: the system clock plus the offset in
 * milliseconds written in --clock-file (a decimal number, at most 31
 * bytes and a newline; a missing file is 0), read at every call, so that
 * a hub on a virtual clock moves the provider's with its own. A file that
 * cannot be read as a number keeps the last good offset (one warning each
 * time it turns bad). Thread-safe.
 */
#ifndef SIMKIT_SIMCLOCK_H
#define SIMKIT_SIMCLOCK_H

#include <stdint.h>

/* Take the offset from file from now on (NULL or "": none). */
void simclock_init(const char *file);

/* Now, Unix milliseconds, on the simulator's clock. */
int64_t simclock_now_ms(void);

#endif
