/*
 * log.h - levelled logging to stderr.
 *
 * One line per call: "2026-11-24T07:45:00.123Z W store: text"; when stderr
 * is the journal, "<4>W store: text" (the syslog priority, no time stamp;
 * log.c says how that is told). Personal data
 * (phones, ID numbers, addresses) must go through the mask_* helpers of
 * mask.h before it reaches a log line.
 */
#ifndef CA_LOG_H
#define CA_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
	LOG__N
};

/* Lines above level are dropped. The default is LOG_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* "error", "warn", "info", "debug" -> level; -1 when unknown. */
int log_level_from_name(const char *name);

/* Lines log_tail keeps, and the bytes kept of each. */
#define LOG_TAIL_LINES 40
#define LOG_TAIL_LINE_MAX 240

/*
 * The last max_lines lines written (at most LOG_TAIL_LINES, each cut to
 * LOG_TAIL_LINE_MAX bytes), oldest first, joined by '\n', into buf (size
 * n, NUL-terminated). Returns the bytes written. Thread-safe. Personal
 * data never reaches the log unmasked, so the tail may be shown; the ring
 * masks again what looks like a phone, an ID number or a credit code
 * (mask_scrub) before it keeps a line, since the tail may go to the hub.
 */
size_t log_tail(char *buf, size_t n, unsigned max_lines);

/* Whether stderr is the journal now ($JOURNAL_STREAM names fd 2). */
bool log_to_journal(void);

/* Write one line for module (a short tag such as "store"). */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)

#endif
