/* sms.c - login codes and the built-in development SMS provider. */
#include "sms.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/mask.h"
#include "core/uuid.h"

/* The development provider: delivers nothing, the hub keeps the code. */
static ca_err dev_send(const struct sms_provider *p, const char *phone, const char *code)
{
	char m[MASK_BUF];

	(void)p;
	(void)code;
	log_info("sms", "code for %s recorded (dev provider: not delivered)",
		 mask_phone(phone, m, sizeof(m)));
	return CA_OK;
}

static const struct sms_provider providers[] = {
	{ "dev", true, dev_send },
};

const struct sms_provider *sms_provider_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (!strcmp(providers[i].name, name))
			return &providers[i];
	return NULL;
}

ca_err sms_new_code(char out[SMS_CODE_LEN + 1])
{
	uint32_t v;

	/* Rejection sampling: uniform over 000000..999999. */
	do {
		if (ca_random(&v, sizeof(v)) != CA_OK)
			return CA_ERR_IO;
	} while (v >= 4294000000u); /* 4294 * 10^6: a multiple of 10^6 */
	snprintf(out, SMS_CODE_LEN + 1, "%06u", (unsigned)(v % 1000000u));
	return CA_OK;
}
