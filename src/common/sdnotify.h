/*
 * sdnotify.h - the service manager's notification protocol (sd_notify(3)),
 * written here rather than linking libsystemd: it is one datagram to the
 * socket named by $NOTIFY_SOCKET, and the kiosk image then needs no
 * libsystemd at all.
 *
 * Not under systemd ($NOTIFY_SOCKET unset or empty) every call is a no-op
 * that succeeds, so the programs run the same from a shell. The socket is
 * a path, or an abstract address written with a leading '@'.
 *
 * The watchdog: systemd sets $WATCHDOG_USEC (and $WATCHDOG_PID) when the
 * unit has WatchdogSec=; the program must send WATCHDOG=1 more often than
 * that. sdnotify_watchdog_ms() gives the period to ping at (half of it),
 * sdnotify_watchdog_tick() pings when that period has passed.
 *
 * Not thread-safe for the tick (one thread owns the watchdog: the kiosk's
 * UI thread, the hub's main thread); sdnotify_send itself is.
 */
#ifndef CA_SDNOTIFY_H
#define CA_SDNOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* Room for an error message of this module. */
#define SDNOTIFY_ERR_MAX 256

/*
 * Send state (e.g. "READY=1", "WATCHDOG=1", "STATUS=...", lines joined by
 * '\n') to $NOTIFY_SOCKET. 0 when sent or when there is no socket; -1 with
 * err (size errlen; may be NULL) set when $NOTIFY_SOCKET is malformed or
 * the datagram cannot be sent.
 */
int sdnotify_send(const char *state, char *err, size_t errlen);

/*
 * The period to send WATCHDOG=1 at, in ms: half of $WATCHDOG_USEC; 0 when
 * there is no watchdog ($WATCHDOG_USEC unset, or $WATCHDOG_PID names
 * another process). -1 with err set when either variable is malformed
 * (not a positive decimal number).
 */
int64_t sdnotify_watchdog_ms(char *err, size_t errlen);

/*
 * Read the watchdog settings once (sdnotify_watchdog_ms), logging a
 * malformed variable under tag; later ticks use them. Returns the period
 * in ms, 0 for none.
 */
int64_t sdnotify_watchdog_init(const char *tag);

/* Send WATCHDOG=1 when the period has passed since the last ping (now_ms:
 * CLOCK_MONOTONIC in ms). A no-op without a watchdog. */
void sdnotify_watchdog_tick(int64_t now_ms);

#endif
