/*
 * sms.h - login codes and the pluggable SMS provider.
 *
 * A provider is a name, a send function and its own state, made from the
 * configuration by sms_open() as [sms] provider says:
 *
 *   dev      delivers nothing: it logs that a code went out (phone masked)
 *            and the hub keeps the code in its store, where `ca-hubctl sms
 *            last PHONE` reads it. Refused in production mode (hubcfg.c).
 *   gateway  an HTTPS SMS gateway (sms_gw.c; the wire format, its answers
 *            and the retry rule are in docs/hub.md, SMS gateway).
 *
 * The fixed demo code is not a provider: it is a value of the code
 * generator that only [hub] mode = demo allows.
 */
#ifndef HUB_SMS_H
#define HUB_SMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define SMS_CODE_LEN 6
#define SMS_CODE_LIFE_S 300   /* a code works this long */
#define SMS_MAX_TRIES 5       /* wrong tries that kill a code */
#define SMS_MAX_SENDS 5       /* sends per phone ... */
#define SMS_SEND_WINDOW_S 3600 /* ... in this window */
#define SMS_ERR_MAX 512       /* room for sms_open's message */

struct hubcfg;

/* What a failed send leaves behind, for the caller's answer. */
struct sms_outcome {
	bool maybe_sent;   /* no final answer came: the message may have gone out */
	int retry_after_s; /* CA_ERR_LIMITED: seconds until the gateway takes the
			    * phone again, 0 when it did not say */
};

struct sms_provider {
	const char *name; /* as in [sms] provider */
	bool records;     /* codes may be read back by staff (development only) */
	/*
	 * Deliver code to phone; bounded in time (a worker thread waits for
	 * it). CA_OK once the gateway has taken the message. Else:
	 * CA_ERR_INVALID     the gateway refuses the number itself
	 * CA_ERR_LIMITED     its limit for this phone (out->retry_after_s)
	 * CA_ERR_CONFIG      it refuses our account, key, signature, sign name
	 *                    or template: staff must act (logged as an error)
	 * CA_ERR_UNAVAILABLE down, busy, out of quota, or no answer in time
	 *                    (out->maybe_sent when a message may have left)
	 * out is zeroed first. Safe to call from many threads at once.
	 */
	ca_err (*send)(struct sms_provider *p, const char *phone, const char *code,
		       struct sms_outcome *out);
	/* Free the provider's state and the struct (may be NULL: free only). */
	void (*destroy)(struct sms_provider *p);
};

/*
 * The provider [sms] provider names, made from c (the gateway reads its
 * secret file now). CA_OK and *out (free with sms_free); CA_ERR_CONFIG or
 * CA_ERR_IO with a message in err (size n) that names the key or file.
 */
ca_err sms_open(const struct hubcfg *c, struct sms_provider **out, char *err, size_t n);

/* Free p (NULL is fine). */
void sms_free(struct sms_provider *p);

/* The gateway provider (sms_gw.c), for sms_open. */
ca_err sms_gw_open(const struct hubcfg *c, struct sms_provider **out, char *err, size_t n);

/* A fresh code: 6 decimal digits, uniform, from getrandom. */
ca_err sms_new_code(char out[SMS_CODE_LEN + 1]);

#endif
