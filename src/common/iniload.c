/*
 * iniload.c - the shared part of the strict INI loaders (see iniload.h).
 *
 * inih pulls physical lines through iniload_read_line(), which counts them
 * (Debian's libinih gives the handler no line number) and checks each
 * line's shape before inih sees it: an over-long line, a NUL byte, a '['
 * without ']', a line that is neither a comment nor "key = value", and (when
 * the loader names its sections) an unknown [section] are reported there,
 * and all but the last are handed to inih as an empty line, so inih finds
 * nothing to refuse and both count the same lines.
 *
 * Nothing here calls inih: iniload_parse (iniload.h, inline) does, in the
 * loaders, which link it; the common library is also linked by programs
 * without inih (the UI, the IME).
 */
#include "iniload.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "iniline.h"

/* Bytes kept free at the end of the caller's buffer for the final
 * "N more problems" line. */
#define INILOAD_ERR_RESERVE 96

void iniload_err(struct iniload *x, int line, const char *fmt, ...)
{
	char text[512], one[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(one, sizeof(one), "%s:%d: %s", x->path, line, text);
	else
		snprintf(one, sizeof(one), "%s: %s", x->path, text);
	msglist_add(&x->errs, one);
}

bool iniload_bad(struct iniload *x, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	iniload_err(x, x->lineno, "%s", text);
	return false;
}

ca_err iniload_result(struct iniload *x)
{
	if (!x->errs.n)
		return CA_OK;
	msglist_finish(&x->errs, x->path);
	return CA_ERR_CONFIG;
}

const char *iniload_quote(const char *v, char *q, size_t n)
{
	size_t len, i;

	assert(n > 4);
	len = utf8_copy(q, n - 3, v, INILOAD_QUOTE_CHARS);
	for (i = 0; i < len; i++)
		if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
			q[i] = '?';
	if (v[len] != '\0')
		memcpy(q + len, "...", 4);
	return q;
}

int iniload_long(const char *v, long long *out)
{
	char *end;
	long long n;

	if (!(isdigit((unsigned char)v[0]) || (v[0] == '-' && isdigit((unsigned char)v[1]))))
		return EINVAL;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0')
		return EINVAL;
	if (errno == ERANGE)
		return ERANGE;
	*out = n;
	return 0;
}

bool iniload_has_ctl(const char *v, bool no_space)
{
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch < 0x20 || ch == 0x7f || (no_space && ch == ' '))
			return true;
	}
	return false;
}

bool iniload_section_known(const struct iniload *x, const char *name)
{
	const char *const *s;

	for (s = x->sections; s && *s; s++)
		if (strcmp(name, *s) == 0)
			return true;
	return false;
}

/* Where inih's scan for one of chars stops: at one of them, at an inline
 * comment (';' after white space), or at the end of s. */
static const char *iniload_scan(const char *s, const char *chars)
{
	bool was_space = false;

	for (; *s; s++) {
		if (strchr(chars, *s) || (was_space && *s == ';'))
			break;
		was_space = isspace((unsigned char)*s) != 0;
	}
	return s;
}

/* A section header s ("[...", ']' found at end): reported when x names its
 * sections and this is not one of them. */
static void iniload_check_section(struct iniload *x, const char *s, const char *end)
{
	char sect[64], q[INILOAD_QUOTE_SIZE];
	size_t len = (size_t)(end - (s + 1));

	if (!x->sections)
		return;
	if (len >= sizeof(sect))
		len = sizeof(sect) - 1;
	memcpy(sect, s + 1, len);
	sect[len] = '\0';
	if ((size_t)(end - (s + 1)) < sizeof(sect) && iniload_section_known(x, sect))
		return;
	iniload_err(x, x->lineno, "unknown section [%s]", iniload_quote(sect, q, sizeof(q)));
}

/*
 * Check the shape of the physical line s (NUL-terminated, may end in '\n').
 * Returns false after reporting a problem: the line must not reach inih.
 * An unknown section header is reported but still handed on, so that the
 * keys below it are known to be in it.
 */
static bool iniload_check_line(struct iniload *x, const char *s)
{
	const char *end;

	if (x->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* UTF-8 BOM; inih skips it as well */
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return true;
	if (*s == '[') {
		end = iniload_scan(s + 1, "]");
		if (*end != ']') {
			iniload_err(x, x->lineno, "section header without ']'");
			return false;
		}
		iniload_check_section(x, s, end);
		return true;
	}
	end = iniload_scan(s, "=:");
	if (*end != '=' && *end != ':') {
		iniload_err(x, x->lineno, "expected 'key = value', a [section] or a comment");
		return false;
	}
	return true;
}

char *iniload_read_line(char *str, int num, void *stream)
{
	struct iniload *x = stream;

	switch (iniline_read(x->f, str, num)) {
	case INILINE_EOF:
		return NULL;
	case INILINE_READ_ERR:
		x->read_errno = errno ? errno : EIO;
		return NULL;
	case INILINE_TOO_LONG:
		iniload_err(x, ++x->lineno, "line too long (more than %d bytes)", num - 2);
		return str;
	case INILINE_NUL:
		iniload_err(x, ++x->lineno, "NUL byte in line");
		return str;
	case INILINE_OK:
		break;
	}
	x->lineno++;
	if (!iniload_check_line(x, str)) {
		str[0] = '\n';
		str[1] = '\0';
	}
	return str;
}

ca_err iniload_open(struct iniload *x, const char *path, const char *const *sections,
		   char *err, size_t errlen)
{
	assert(x && path);
	memset(x, 0, sizeof(*x));
	x->path = path;
	x->sections = sections;
	msglist_init(&x->errs, err, errlen, INILOAD_ERR_RESERVE);
	x->f = fopen(path, "r");
	if (!x->f) {
		if (x->errs.size)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return CA_ERR_IO;
	}
	return CA_OK;
}

ca_err iniload_close(struct iniload *x, int rc)
{
	char *err = x->errs.buf;
	size_t errlen = x->errs.size;
	ca_err ret = CA_OK;

	if (x->read_errno) {
		if (errlen)
			snprintf(err, errlen, "%s: read error: %s", x->path, strerror(x->read_errno));
		ret = CA_ERR_IO;
	} else if (rc < 0) {
		if (errlen)
			snprintf(err, errlen, "%s: inih could not parse (%d)", x->path, rc);
		ret = CA_ERR_IO;
	} else if (rc > 0) {
		/* A line inih refused that the reader let through. */
		iniload_err(x, rc, "line not understood");
	}
	fclose(x->f);
	x->f = NULL;
	return ret;
}
