/* membuf.c - bytes gathered in a growing heap block (see membuf.h). */
#include "membuf.h"

#include <stdlib.h>
#include <string.h>

int membuf_add(struct membuf *b, const void *d, size_t n)
{
	char *q = realloc(b->p, b->n + n + 1);

	if (!q)
		return -1;
	b->p = q;
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}
