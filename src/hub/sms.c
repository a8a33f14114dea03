/* sms.c - login codes, the choice of SMS provider and the development one. */
#include "sms.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mask.h"
#include "core/uuid.h"
#include "hubcfg.h"

/* The development provider: delivers nothing, the hub keeps the code. */
static ca_err dev_send(struct sms_provider *p, const char *phone, const char *code,
		       struct sms_outcome *out)
{
	char m[MASK_BUF];

	(void)p;
	(void)code;
	memset(out, 0, sizeof(*out));
	log_info("sms", "code for %s recorded (dev provider: not delivered)",
		 mask_phone(phone, m, sizeof(m)));
	return CA_OK;
}

ca_err sms_open(const struct hubcfg *c, struct sms_provider **out, char *err, size_t n)
{
	struct sms_provider *p;

	*out = NULL;
	if (!strcmp(c->sms_provider, "gateway"))
		return sms_gw_open(c, out, err, n);
	if (strcmp(c->sms_provider, "dev") != 0)
		return ca_fail(CA_ERR_CONFIG, err, n, "[sms] provider: no provider '%s'",
			       c->sms_provider);
	p = calloc(1, sizeof(*p));
	if (!p)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	p->name = "dev";
	p->records = true;
	p->send = dev_send;
	*out = p;
	return CA_OK;
}

void sms_free(struct sms_provider *p)
{
	if (!p)
		return;
	if (p->destroy)
		p->destroy(p);
	else
		free(p);
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
