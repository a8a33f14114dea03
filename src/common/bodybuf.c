/* bodybuf.c - an HTTP body grown piece by piece (see bodybuf.h). */
#include "bodybuf.h"

#include <stdlib.h>
#include <string.h>

ca_err bodybuf_append(char **buf, size_t *len, const void *d, size_t n, size_t cap)
{
	char *p;

	if (*len + n > cap)
		return CA_ERR_TOO_LONG;
	p = realloc(*buf, *len + n + 1);
	if (!p)
		return CA_ERR_NOMEM;
	memcpy(p + *len, d, n);
	*buf = p;
	*len += n;
	p[*len] = '\0';
	return CA_OK;
}
