/*
 * uuid.h - random (version 4) UUIDs from getrandom(2), for record ids and
 * idempotency keys.
 */
#ifndef CA_UUID_H
#define CA_UUID_H

#include "app.h"
#include "err.h"

/* Write a new lower-case UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx")
 * into out. CA_ERR_IO when the kernel gives no randomness. */
ca_err uuid_v4(char out[CA_UUID_LEN + 1]);

/* Whether s is a well-formed UUID text (36 chars, hex and dashes). */
int uuid_valid(const char *s);

#endif
