/*
 * sms.h - login codes and the pluggable SMS provider.
 *
 * A provider is a name and a send function. The only built-in one, "dev",
 * delivers nothing: it logs that a code went out (phone masked) and the hub
 * keeps the code in its store, where `ca-hubctl sms last PHONE` reads it.
 * A real gateway is one more struct sms_provider in sms.c (or its own file),
 * selected by [sms] provider. The fixed demo code is not a provider: it is a
 * value of the code generator that only [hub] mode = demo allows.
 */
#ifndef HUB_SMS_H
#define HUB_SMS_H

#include <stdbool.h>

#include "core/err.h"

#define SMS_CODE_LEN 6
#define SMS_CODE_LIFE_S 300   /* a code works this long */
#define SMS_MAX_TRIES 5       /* wrong tries that kill a code */
#define SMS_MAX_SENDS 5       /* sends per phone ... */
#define SMS_SEND_WINDOW_S 3600 /* ... in this window */

struct sms_provider {
	const char *name; /* as in [sms] provider */
	bool records;     /* codes may be read back by staff (development only) */
	/* Deliver code to phone. CA_OK once the gateway has taken it. */
	ca_err (*send)(const struct sms_provider *p, const char *phone, const char *code);
};

/* The provider called name, or NULL. */
const struct sms_provider *sms_provider_find(const char *name);

/* A fresh code: 6 decimal digits, uniform, from getrandom. */
ca_err sms_new_code(char out[SMS_CODE_LEN + 1]);

#endif
