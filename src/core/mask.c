/*
 * mask.c - masking of personal data before it reaches a log line.
 *
 * Every mask is built in a MASK_BUF scratch buffer from the few characters
 * it shows, then copied to the caller's buffer, cut on a code point when
 * that is smaller. Whatever is not a well-formed value is masked entirely:
 *
 *   - phone and ID numbers are printable ASCII (0x20..0x7e); any other
 *     byte, fewer characters than the mask keeps, or more than a mask could
 *     hold (MASK_BUF - 1) gives "****";
 *   - free text must be well-formed UTF-8, else "****"; text of 3 code points
 *     or fewer would be shown whole by "first 3 + ****", so it also becomes
 *     "****" (only the empty string stays "").
 *
 * NULL input is treated as the empty string.
 */
#include "mask.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "utf8.h"

/* What an unusable or too short input becomes. */
#define MASK_ALL "****"

/* Characters of free text that are shown. */
#define MASK_TEXT_KEEP 3

/* Copy the finished mask src into out (size n), cutting on a code point. */
static char *mask_put(const char *src, char *out, size_t n)
{
	assert(out || n == 0);
	if (n == 0)
		return out;
	utf8_copy(out, n, src, (size_t)-1);
	return out;
}

/* True when s (length len) is printable ASCII and not longer than a mask. */
static bool mask_plain(const char *s, size_t len)
{
	size_t i;

	if (len > MASK_BUF - 1)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/*
 * Mask an ASCII number: keep the first `first` and the last `last`
 * characters, one '*' for each one between; inputs shorter than min_len or
 * not plain (see mask_plain) become MASK_ALL.
 */
static char *mask_keep_ends(const char *s, size_t first, size_t last,
			    size_t min_len, char *out, size_t n)
{
	char buf[MASK_BUF];
	size_t len = s ? strlen(s) : 0;

	if (len < min_len || !mask_plain(s, len))
		return mask_put(MASK_ALL, out, n);
	/* len <= MASK_BUF - 1 here, so the result fits buf. */
	memcpy(buf, s, first);
	memset(buf + first, '*', len - first - last);
	memcpy(buf + len - last, s + len - last, last);
	buf[len] = '\0';
	return mask_put(buf, out, n);
}

/* Mobile or phone number: 138****5678. */
char *mask_phone(const char *phone, char *out, size_t n)
{
	return mask_keep_ends(phone, 3, 4, 8, out, n);
}

/* ID number: 3201**********123X. */
char *mask_id(const char *id, char *out, size_t n)
{
	return mask_keep_ends(id, 4, 4, 9, out, n);
}

/* Names, addresses: the first 3 code points and "****". */
char *mask_text(const char *text, char *out, size_t n)
{
	char buf[MASK_BUF];
	size_t chars, len;

	if (!text || !*text)
		return mask_put("", out, n);
	if (!utf8_count(text, &chars) || chars <= MASK_TEXT_KEEP)
		return mask_put(MASK_ALL, out, n);
	/* 3 code points take at most 12 bytes: room for "****" after. */
	len = utf8_copy(buf, sizeof(buf), text, MASK_TEXT_KEEP);
	memcpy(buf + len, MASK_ALL, sizeof(MASK_ALL));
	return mask_put(buf, out, n);
}

/* Whether c may be part of a phone, ID or credit code (ASCII letter or digit). */
static bool scrub_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * Mask, in place, every run of ASCII letters and digits that could be a
 * phone, an ID number or a credit code: a run of 11 or more characters
 * with at least 6 digits (a phone is 11 digits, an ID number 15 or 18
 * characters, a USCC 18 with its 6-digit region code). Its middle becomes '*', so the length and the
 * UTF-8 around it stay as they were: 11 characters keep the first 3 and
 * the last 4 (as mask_phone), longer runs the first 4 and last 4 (as
 * mask_id). Runs with fewer digits (words, names) are left alone; a long
 * hex group of an id may be masked too: privacy first. Returns the runs
 * masked.
 */
int mask_scrub(char *s)
{
	size_t i = 0, b, len, digits, k, keep_head;
	int n = 0;

	if (!s)
		return 0;
	while (s[i]) {
		if (!scrub_alnum(s[i])) {
			i++;
			continue;
		}
		b = i;
		digits = 0;
		while (scrub_alnum(s[i])) {
			if (s[i] >= '0' && s[i] <= '9')
				digits++;
			i++;
		}
		len = i - b;
		if (len < 11 || digits < 6)
			continue;
		keep_head = len == 11 ? 3 : 4;
		for (k = b + keep_head; k < i - 4; k++)
			s[k] = '*';
		n++;
	}
	return n;
}
