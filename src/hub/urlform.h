/*
 * urlform.h - the text of an application/x-www-form-urlencoded body, read
 * back: its fields one by one, and each key or value decoded. One reader
 * for the hub's own form posts (http_form, http.c) and the bank gateway's
 * forms (upform_parse, upsign.c).
 */
#ifndef HUB_URLFORM_H
#define HUB_URLFORM_H

#include <stdbool.h>
#include <stddef.h>

/* One field as it stands in the body, not decoded yet. */
struct urlform_field {
	const char *key; /* the bytes before '=' (or the whole field) */
	size_t key_len;
	const char *val; /* the bytes after '='; NULL when the field has none */
	size_t val_len;
};

/* The field at *p (the body runs to end) into f, and *p past it and its
 * '&'. false when *p is at the end. An empty field ("a=1&&b=2") is one
 * with an empty key and no value. */
bool urlform_next(const char **p, const char *end, struct urlform_field *f);

/* Decode the n bytes at s ('+' a space, %XX a byte) into out (size cap,
 * NUL-terminated). false when it does not fit, a %XX is malformed or a
 * byte would be NUL. */
bool urlform_decode(const char *s, size_t n, char *out, size_t cap);

#endif
