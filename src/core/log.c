/*
 * log.c - levelled logging to stderr, one line per call.
 *
 * A line is formatted whole into a fixed buffer and handed to write(2) on
 * file descriptor 2 in one call, so lines from concurrent threads do not
 * interleave and no stdio buffer sits between a crash and the last line.
 * Lines are capped at LOG_LINE_MAX bytes; a longer text is cut on a UTF-8
 * boundary and ends in "...". Control characters in the text (a newline in
 * a value, say) become spaces or '?', so one call is always one line.
 *
 * The level is an atomic int: log_set_level from one thread and log_msg
 * from others need no lock.
 *
 * Under systemd stderr may be a stream to the journal. Then each line
 * starts with its syslog priority, "<3>" error, "<4>" warning, "<6>" info,
 * "<7>" debug (sd-daemon(3)), and carries no time stamp: the journal
 * stamps it. It is the journal when $JOURNAL_STREAM ("DEV:INODE") names
 * the device and inode of file descriptor 2 (systemd.exec(5)); checked at
 * every line, so a redirected stderr is plain again. The ring for
 * log_tail keeps the stamped form either way.
 */
#include "log.h"
#include "mask.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Longest line written, newline included. */
#define LOG_LINE_MAX 1024

/* What a cut line ends in, before the newline. */
#define LOG_CUT_MARK "..."

static atomic_int log_level_now = LOG_INFO;

static size_t log_utf8_cut_fwd(const char *s, size_t max);

/* The last lines written, for the kiosk's maintenance mode and the hub's
 * log request (log_tail); masked (mask_scrub) as they are kept. */
static struct {
	pthread_mutex_t mu;
	char line[LOG_TAIL_LINES][LOG_TAIL_LINE_MAX + 1];
	unsigned next;  /* slot of the next line */
	unsigned count; /* lines held */
} log_ring = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Keep len bytes of line (no newline) in the ring, cut on a code point. */
static void log_keep(const char *line, size_t len)
{
	size_t cut = len;

	if (cut > LOG_TAIL_LINE_MAX)
		cut = log_utf8_cut_fwd(line, LOG_TAIL_LINE_MAX);
	pthread_mutex_lock(&log_ring.mu);
	memcpy(log_ring.line[log_ring.next], line, cut);
	log_ring.line[log_ring.next][cut] = '\0';
	/* Lines are free of personal data by rule; the tail may leave the
	 * kiosk (the hub's log request), so mask anyway what looks like a
	 * phone, an ID number or a credit code. */
	mask_scrub(log_ring.line[log_ring.next]);
	log_ring.next = (log_ring.next + 1) % LOG_TAIL_LINES;
	if (log_ring.count < LOG_TAIL_LINES)
		log_ring.count++;
	pthread_mutex_unlock(&log_ring.mu);
}

size_t log_tail(char *buf, size_t n, unsigned max_lines)
{
	size_t used = 0;
	unsigned i, k;

	if (!n)
		return 0;
	buf[0] = '\0';
	pthread_mutex_lock(&log_ring.mu);
	k = max_lines < log_ring.count ? max_lines : log_ring.count;
	for (i = 0; i < k; i++) {
		unsigned slot = (log_ring.next + LOG_TAIL_LINES - k + i) % LOG_TAIL_LINES;
		int w = snprintf(buf + used, n - used, "%s%s", i ? "\n" : "",
				 log_ring.line[slot]);

		if (w < 0 || (size_t)w >= n - used) {
			used = strlen(buf);
			break;
		}
		used += (size_t)w;
	}
	pthread_mutex_unlock(&log_ring.mu);
	return used;
}

static const char log_letters[LOG__N] = {
	[LOG_ERROR] = 'E',
	[LOG_WARN] = 'W',
	[LOG_INFO] = 'I',
	[LOG_DEBUG] = 'D',
};

/* syslog priorities, for the journal (LOG_ERR, LOG_WARNING, LOG_INFO,
 * LOG_DEBUG of syslog.h, whose names clash with ours). */
static const char log_prio[LOG__N] = {
	[LOG_ERROR] = '3',
	[LOG_WARN] = '4',
	[LOG_INFO] = '6',
	[LOG_DEBUG] = '7',
};

static const char *const log_names[LOG__N] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

/* Set the most verbose level that is still written. */
void log_set_level(enum log_level level)
{
	assert(level >= LOG_ERROR && level < LOG__N);
	atomic_store(&log_level_now, (int)level);
}

/* The current level. */
enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level_now);
}

/* Level by name, case-insensitive; -1 when name is NULL or unknown. */
int log_level_from_name(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < LOG__N; i++)
		if (strcasecmp(name, log_names[i]) == 0)
			return i;
	return -1;
}

/* Write "2026-11-24T07:45:00.123Z " (25 bytes) to buf (size n >= 26);
 * returns the length written. */
static size_t log_stamp(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	int len;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    !gmtime_r(&ts.tv_sec, &tm)) {
		memset(&tm, 0, sizeof(tm));
		ts.tv_nsec = 0;
	}
	len = snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ",
		       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		       tm.tm_hour, tm.tm_min, tm.tm_sec,
		       (int)(ts.tv_nsec / 1000000));
	if (len < 0)
		return 0;
	return (size_t)len < n ? (size_t)len : n - 1;
}

/* Whether stderr is the journal: $JOURNAL_STREAM is "DEV:INODE" of fd 2.
 * A malformed value is said once, on stderr, and taken as "not". */
bool log_to_journal(void)
{
	static atomic_bool warned;
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int used = 0;

	if (!js || !*js)
		return false;
	if (sscanf(js, "%llu:%llu%n", &dev, &ino, &used) != 2 || js[used] != '\0') {
		if (!atomic_exchange(&warned, true)) {
			static const char msg[] = "log: JOURNAL_STREAM is not DEV:INODE; "
						  "plain log lines\n";

			if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
				return false;
		}
		return false;
	}
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* Replace control bytes in s[0..len) so the text stays on one line. */
static void log_flatten(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r' || c == '\t')
			s[i] = ' ';
		else if (c < 0x20 || c == 0x7f)
			s[i] = '?';
	}
}

/* Largest cut <= len that does not fall inside a UTF-8 sequence of s. */
static size_t log_utf8_cut(const char *s, size_t len)
{
	size_t back = 0;

	/* Step back over continuation bytes (at most 3) to a lead byte. */
	while (back < 3 && back < len &&
	       ((unsigned char)s[len - back] & 0xC0) == 0x80)
		back++;
	if (back < len && ((unsigned char)s[len - back] & 0xC0) == 0x80)
		return len; /* not UTF-8 here anyway; cut where asked */
	return len - back;
}

/* The longest prefix of s no longer than max bytes that ends on a code
 * point boundary. */
static size_t log_utf8_cut_fwd(const char *s, size_t max)
{
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Format and write one line, if level passes the filter. */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	char line[LOG_LINE_MAX + 1]; /* + the NUL of snprintf */
	size_t len, head, room, off, stamp, start;
	int saved_errno = errno;
	int n;
	va_list ap;

	assert(level >= LOG_ERROR && level < LOG__N);
	assert(fmt);
	if ((int)level > atomic_load(&log_level_now))
		goto out;

	len = stamp = log_stamp(line, sizeof(line));
	n = snprintf(line + len, sizeof(line) - len, "%c %s: ",
		     log_letters[level], module ? module : "-");
	if (n < 0)
		goto out;
	len += (size_t)n;
	if (len > LOG_LINE_MAX - sizeof(LOG_CUT_MARK))
		len = LOG_LINE_MAX - sizeof(LOG_CUT_MARK); /* absurd module */
	head = len;

	/* Room for the text: the whole line but the newline. */
	room = LOG_LINE_MAX - 1 - head;
	va_start(ap, fmt);
	n = vsnprintf(line + head, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n <= room) {
		len = head + (size_t)n;
	} else {
		/* Cut: keep what fits before the marker, on a code point. */
		size_t keep = room - (sizeof(LOG_CUT_MARK) - 1);

		keep = log_utf8_cut(line + head, keep);
		memcpy(line + head + keep, LOG_CUT_MARK, sizeof(LOG_CUT_MARK) - 1);
		len = head + keep + sizeof(LOG_CUT_MARK) - 1;
	}
	log_flatten(line + head, len - head);
	log_keep(line, len);
	line[len++] = '\n';

	/* To the journal: "<P>" in place of the stamp's last three bytes
	 * (the stamp is at least 25 long), so the line stays one buffer. */
	start = 0;
	if (stamp >= 3 && log_to_journal()) {
		start = stamp - 3;
		line[start] = '<';
		line[start + 1] = log_prio[level];
		line[start + 2] = '>';
	}

	/* One write keeps the line whole; loop only on a short write. */
	off = start;
	while (off < len) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
out:
	errno = saved_errno;
}
