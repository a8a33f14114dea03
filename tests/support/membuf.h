/*
 * membuf.h - bytes gathered in a growing heap block, kept NUL-terminated:
 * what a libcurl write callback of the tests and benchmarks fills.
 */
#ifndef TEST_MEMBUF_H
#define TEST_MEMBUF_H

#include <stddef.h>

/* A block and how much of it is used. Zeroed: empty, nothing allocated. */
struct membuf {
	char *p;  /* malloc'd, p[n] == '\0'; NULL until the first add */
	size_t n; /* bytes held, the NUL not counted */
};

/* Append n bytes of d. 0, or -1 when out of memory (b unchanged). */
int membuf_add(struct membuf *b, const void *d, size_t n);

#endif
