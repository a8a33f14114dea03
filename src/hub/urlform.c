/* urlform.c - form bodies read back (see urlform.h). */
#include "urlform.h"

#include <string.h>

bool urlform_next(const char **p, const char *end, struct urlform_field *f)
{
	const char *amp, *stop, *eq;

	if (*p >= end)
		return false;
	amp = memchr(*p, '&', (size_t)(end - *p));
	stop = amp ? amp : end;
	eq = memchr(*p, '=', (size_t)(stop - *p));
	f->key = *p;
	f->key_len = (size_t)((eq ? eq : stop) - *p);
	f->val = eq ? eq + 1 : NULL;
	f->val_len = eq ? (size_t)(stop - eq - 1) : 0;
	*p = amp ? amp + 1 : end;
	return true;
}

/* The value of hex digit c, or -1. */
static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool urlform_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return false;
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		}
		if (c == 0 || o + 1 >= cap)
			return false; /* no NUL inside a C string; no room */
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}
