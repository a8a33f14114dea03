/* sdnotify.c - see sdnotify.h. */
#include "sdnotify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"

/* The watchdog period chosen by sdnotify_watchdog_init, and the last ping. */
static int64_t wd_period_ms;
static int64_t wd_last_ms = -1;

/* Set err (size errlen, may be NULL) to a formatted message; returns -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int sdnotify_send(const char *state, char *err, size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	size_t n, len;
	ssize_t w;
	int fd, ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 || n >= sizeof(sa.sun_path))
		return fail(err, errlen, "NOTIFY_SOCKET '%s' is not an absolute path "
			    "or an @abstract name that fits a socket address", path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: no NUL at the end either */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			    (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, "cannot make a socket for %s: %s", path,
			    strerror(errno));
	len = strlen(state);
	do
		w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != len)
		ret = fail(err, errlen, "cannot notify %s: %s", path,
			   w < 0 ? strerror(errno) : "short send");
	close(fd);
	return ret;
}

/* Parse a positive decimal number; false when s is not one. */
static bool parse_pos(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out > 0;
}

int64_t sdnotify_watchdog_ms(char *err, size_t errlen)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long u, p;

	if (err && errlen)
		err[0] = '\0';
	if (!us)
		return 0;
	if (!parse_pos(us, &u) || u > 1000000ULL * 86400 * 365)
		return fail(err, errlen, "WATCHDOG_USEC '%s' is not a positive number of "
			    "microseconds", us);
	if (pid) {
		if (!parse_pos(pid, &p))
			return fail(err, errlen, "WATCHDOG_PID '%s' is not a process id", pid);
		if (p != (unsigned long long)getpid())
			return 0; /* meant for another process (our parent's) */
	}
	/* Half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms. */
	return u >= 2000 ? (int64_t)(u / 2000) : 1;
}

int64_t sdnotify_watchdog_init(const char *tag)
{
	char err[SDNOTIFY_ERR_MAX];
	int64_t ms = sdnotify_watchdog_ms(err, sizeof(err));

	if (ms < 0) {
		log_error(tag, "%s; no watchdog pings: the service manager will "
			  "restart this process", err);
		ms = 0;
	} else if (ms > 0) {
		log_info(tag, "watchdog: pinging every %lld ms", (long long)ms);
	}
	wd_period_ms = ms;
	wd_last_ms = -1;
	return ms;
}

void sdnotify_watchdog_tick(int64_t now_ms)
{
	char err[SDNOTIFY_ERR_MAX];

	if (wd_period_ms <= 0)
		return;
	if (wd_last_ms >= 0 && now_ms - wd_last_ms < wd_period_ms)
		return;
	wd_last_ms = now_ms;
	if (sdnotify_send("WATCHDOG=1", err, sizeof(err)) != 0)
		log_warn("sdnotify", "%s", err);
}
