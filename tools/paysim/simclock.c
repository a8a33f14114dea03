/* simclock.c - the simulator's clock (see simclock.h). */
#include "simclock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

#define TAG "clock"
#define CLOCK_TEXT_MAX 32 /* the offset's text, a newline after it aside */

static char clock_path[1024];
static atomic_llong last_offset;  /* the last good offset, ms */
static atomic_bool bad;           /* the file is unreadable now (warned once) */

void simclock_init(const char *file)
{
	snprintf(clock_path, sizeof(clock_path), "%s", file ? file : "");
	atomic_store(&last_offset, 0);
	atomic_store(&bad, false);
}

/* The offset in the file into *ms; false when it is there but no number. */
static bool read_offset(long long *ms)
{
	char text[CLOCK_TEXT_MAX + 2], *end;
	ssize_t n;
	int fd = open(clock_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*ms = 0;
		return errno == ENOENT;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0 || n > CLOCK_TEXT_MAX + 1)
		return false;
	text[n] = '\0';
	if (text[n - 1] == '\n')
		text[--n] = '\0';
	if (n > CLOCK_TEXT_MAX) /* 33 bytes without a newline */
		return false;
	errno = 0;
	*ms = strtoll(text, &end, 10);
	return n > 0 && *end == '\0' && errno == 0 && (text[0] == '-' || (text[0] >= '0' &&
								       text[0] <= '9'));
}

int64_t simclock_now_ms(void)
{
	long long ms;

	if (!clock_path[0])
		return ca_wall_ms();
	if (read_offset(&ms)) {
		atomic_store(&last_offset, ms);
		atomic_store(&bad, false);
	} else if (!atomic_exchange(&bad, true)) {
		log_warn(TAG, "%s holds no offset in ms: keeping %lld", clock_path,
			 (long long)atomic_load(&last_offset));
	}
	return ca_wall_ms() + (int64_t)atomic_load(&last_offset);
}
