/* utf8.c - strict UTF-8 decoding, enough to count and cut text. */
#include "utf8.h"

#include <string.h>

/* Length of the well-formed sequence at s (at most len bytes), 0 if bad;
 * its code point into *out. */
static size_t seq_decode(const unsigned char *s, size_t len, uint32_t *out)
{
	unsigned c = s[0];
	uint32_t cp;
	size_t n, i;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0; /* overlong */
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0; /* surrogate */
	if (cp > 0x10FFFF)
		return 0;
	*out = cp;
	return n;
}

static size_t seq_len(const unsigned char *s, size_t len)
{
	uint32_t cp;

	return seq_decode(s, len, &cp);
}

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	*cp = 0;
	return len > 0 ? seq_decode((const unsigned char *)s, len, cp) : 0;
}

bool utf8_count_n(const char *s, size_t len, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0;

	while (i < len) {
		size_t n = seq_len(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
		count++;
	}
	*chars = count;
	return true;
}

bool utf8_count(const char *s, size_t *chars)
{
	return utf8_count_n(s, strlen(s), chars);
}

size_t utf8_copy(char *dst, size_t n, const char *src, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len = strlen(src), i = 0, chars = 0;

	while (i < len && chars < max_chars) {
		size_t k = seq_len(p + i, len - i);

		if (k == 0 || i + k >= n)
			break;
		i += k;
		chars++;
	}
	memcpy(dst, src, i);
	dst[i] = '\0';
	return i;
}
