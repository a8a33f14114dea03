/*
 * utf8.h - UTF-8 helpers for length limits that count characters, not bytes.
 */
#ifndef CA_UTF8_H
#define CA_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Count the code points of the NUL-terminated string s into *chars.
 * Returns false when s is not well-formed UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences); *chars is then undefined.
 */
bool utf8_count(const char *s, size_t *chars);

/* Same for the first len bytes of s (which need not be NUL-terminated). */
bool utf8_count_n(const char *s, size_t len, size_t *chars);

/* The code point of the sequence at s (at most len bytes) into *cp;
 * returns its length in bytes, 0 when it is malformed (as utf8_count
 * judges) or len is 0. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Copy at most max_chars whole code points of src into dst (size n, n > 0),
 * never splitting a sequence. Returns the number of bytes written. */
size_t utf8_copy(char *dst, size_t n, const char *src, size_t max_chars);

#endif
