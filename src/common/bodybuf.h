/*
 * bodybuf.h - the body of an HTTP answer as libcurl hands it over in pieces:
 * grown in one NUL-terminated buffer, up to a cap (the kiosk's
 * src/kiosk/net/http.c and ca-hubctl's src/hubctl/main.c).
 */
#ifndef CA_BODYBUF_H
#define CA_BODYBUF_H

#include <stddef.h>

#include "core/err.h"

/*
 * Append the n bytes at d to *buf (*len bytes and a NUL; NULL and 0 at
 * first; the caller frees it) unless *len + n would pass cap. CA_OK,
 * CA_ERR_TOO_LONG (nothing appended) or CA_ERR_NOMEM (nothing appended).
 */
ca_err bodybuf_append(char **buf, size_t *len, const void *d, size_t n, size_t cap);

#endif
