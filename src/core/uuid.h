/*
 * uuid.h - random (version 4) UUIDs from getrandom(2), for record ids and
 * idempotency keys; and the one place that reads the kernel's random
 * source (tokens, nonces, order numbers, codes).
 */
#ifndef CA_UUID_H
#define CA_UUID_H

#include "app.h"
#include "err.h"

/* Fill buf with n random bytes from the kernel (getrandom, retried on
 * EINTR and short reads). CA_ERR_IO when it gives none. */
ca_err ca_random(void *buf, size_t n);

/* Write a new lower-case UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx")
 * into out. CA_ERR_IO when the kernel gives no randomness. */
ca_err uuid_v4(char out[CA_UUID_LEN + 1]);

/* Whether s is a well-formed UUID text (36 chars, hex and dashes). */
int uuid_valid(const char *s);

#endif
