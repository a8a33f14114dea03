/*
 * iniload.h - what the kiosk's and the hub's strict INI loaders share
 * (src/kiosk/config/config.c, src/hub/hubcfg.c): the one place a problem is
 * reported, the line reader that checks each line's shape before inih sees
 * it, and the quoting and number parsing of values.
 *
 * Start at iniload_parse(): it opens the file, runs inih over it through
 * the reader, and hands each key to the loader's handler; the loader then
 * runs its checks across keys and ends with iniload_result(). Every problem
 * is one "path:LINE: message" (or "path: message") line in the caller's
 * buffer, added by iniload_err() alone: a loader never prints, logs or
 * returns a problem any other way.
 */
#ifndef CA_INILOAD_H
#define CA_INILOAD_H

#include <ini.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "core/msglist.h"

/* How much of a bad value a message quotes, in code points. */
#define INILOAD_QUOTE_CHARS 40
/* Room for a quoted value: the code points, "..." and the NUL. */
#define INILOAD_QUOTE_SIZE (4 * INILOAD_QUOTE_CHARS + 4)

/* inih's key callback, as ini.h declares ini_handler: 1 to go on. */
typedef int (*iniload_handler)(void *user, const char *section, const char *name,
			       const char *value);

/* State of one load: the reader's position and the problem list. */
struct iniload {
	const char *path;            /* file name, for messages */
	const char *const *sections; /* known sections, NULL-terminated; NULL: any
				      * header passes (the loader judges them) */
	FILE *f;                     /* the open file */
	int lineno;                  /* physical line last handed to inih */
	int read_errno;              /* errno of a read error, 0 if none */
	struct msglist errs;         /* problems, in the caller's buffer */
};

/* Record one problem at line (0: no line). The only way a problem is told. */
__attribute__((format(printf, 3, 4)))
void iniload_err(struct iniload *x, int line, const char *fmt, ...);

/* Record a problem at the line inih is at (x->lineno). Returns false: a
 * loader's value check ends with "return iniload_bad(...)". */
__attribute__((format(printf, 2, 3)))
bool iniload_bad(struct iniload *x, const char *fmt, ...);

/* Open path for a parse into x (filled here; sections as in struct iniload),
 * problems to err (size errlen, emptied first). CA_OK, or CA_ERR_IO with
 * err naming the file. */
ca_err iniload_open(struct iniload *x, const char *path, const char *const *sections,
		   char *err, size_t errlen);

/* The fgets-style reader to give ini_parse_stream with x as its stream: one
 * physical line per call, shape checked (see iniload.c). */
char *iniload_read_line(char *str, int num, void *stream);

/* After ini_parse_stream returned rc: close the file. CA_OK when it was read
 * (problems or not: see iniload_result), CA_ERR_IO when it was not. */
ca_err iniload_close(struct iniload *x, int rc);

/*
 * Parse the file at path with inih (lines of at most line_max bytes, no
 * multi-line values, every line read), calling handler(user, ...) for each
 * key; problems go to err (size errlen, emptied first). CA_OK when the file
 * was read (problems or not: see iniload_result), CA_ERR_IO when it could
 * not be (err says why).
 *
 * Inline, so that only the loaders (which link inih) call inih. inih's line
 * length and multi-line mode are process-wide settings in Debian's build;
 * they are set for this parse and restored, so it is not safe beside another
 * inih parse in a second thread (each program loads its config once).
 */
static inline ca_err iniload_parse(struct iniload *x, const char *path,
				   const char *const *sections, int line_max, char *err,
				   size_t errlen, iniload_handler handler, void *user)
{
	int saved_max_line, rc;
	bool saved_multiline, saved_stop;
	ca_err e = iniload_open(x, path, sections, err, errlen);

	if (e)
		return e;
	saved_max_line = ini_max_line;
	saved_multiline = ini_allow_multiline;
	saved_stop = ini_stop_on_first_error;
	ini_max_line = line_max;
	ini_allow_multiline = false;
	ini_stop_on_first_error = false;
	rc = ini_parse_stream(iniload_read_line, x, handler, user);
	ini_max_line = saved_max_line;
	ini_allow_multiline = saved_multiline;
	ini_stop_on_first_error = saved_stop;
	return iniload_close(x, rc);
}

/* After the loader's own checks: CA_ERR_CONFIG when a problem was found
 * (the last line of err counts those that did not fit), else CA_OK. */
ca_err iniload_result(struct iniload *x);

/* True when name is one of x->sections. */
bool iniload_section_known(const struct iniload *x, const char *name);

/* Bad value v quoted for a message into q (size n >= 5): at most
 * INILOAD_QUOTE_CHARS whole code points, cut before the first byte that is
 * not UTF-8, controls as '?', "..." when cut. Returns q. */
const char *iniload_quote(const char *v, char *q, size_t n);

/* Parse a decimal integer that is the whole of v. Returns 0, or ERANGE
 * (too big), or EINVAL (not an integer). */
int iniload_long(const char *v, long long *out);

/* True when v has a control byte (or DEL) or, with no_space, a space. */
bool iniload_has_ctl(const char *v, bool no_space);

#endif
