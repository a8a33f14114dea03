/*
 * mask.h - masking of personal data for log lines.
 *
 *   mask_phone("13812345678")        -> "138****5678"
 *   mask_id("32010219900307123X")    -> "3201**********123X"
 *   mask_text("江苏省苏州市张家港市...") -> "江苏省****"  (addresses, names)
 *
 * Every function writes a NUL-terminated result into out (size n) and returns
 * out; it never copies more of the input than the mask shows, whatever the
 * input's length or content (short or malformed input is masked entirely).
 */
#ifndef CA_MASK_H
#define CA_MASK_H

#include <stddef.h>

/* Buffer size that fits every mask_* result. */
#define MASK_BUF 32

/* Keep the first 3 and last 4 characters, hide the rest with '*'. Input
 * shorter than 8 characters becomes "****". */
char *mask_phone(const char *phone, char *out, size_t n);

/* Keep the first 4 and last 4 characters of an ID number, a '*' for each
 * hidden one (18 chars -> 10 stars). Shorter than 9 becomes "****". */
char *mask_id(const char *id, char *out, size_t n);

/* Free text (names, addresses): keep the first 3 characters (code points)
 * and append "****". Empty input gives "". */
char *mask_text(const char *text, char *out, size_t n);

/* Mask in place every run of 11 or more ASCII letters and digits with at
 * least 6 digits (phones, ID numbers, credit codes) in the text s: its
 * middle becomes '*' (11: first 3 and last 4 kept; longer: first 4 and
 * last 4), the length stays. For log lines that leave the process (the
 * kiosk's log tail for the hub). Returns how many runs were masked. */
int mask_scrub(char *s);

#endif
