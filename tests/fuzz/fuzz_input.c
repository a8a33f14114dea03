/*
 * fuzz_input.c - libFuzzer target: everything a person can type, through
 * every validator, the normaliser and the masks. Property: never crashes,
 * never reads or writes out of bounds, masks never show more than they keep.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "core/mask.h"
#include "core/utf8.h"
#include "core/valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ca_app app;
	struct valid_report rep;
	char s[512], m[MASK_BUF], small[5];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1, chars;
	int arg;

	memcpy(s, data, n);
	s[n] = '\0';
	n = strlen(s); /* typed text has no NUL: stop at the first */
	valid_uscc(s);
	valid_ric(s, 20261124);
	valid_mobile(s);
	valid_phone(s);
	valid_email(s);
	valid_postcode(s);
	valid_text(s, 2, 100, &arg);
	utf8_count(s, &chars);
	mask_phone(s, m, sizeof(m));
	mask_id(s, m, sizeof(m));
	if (strcmp(m, "****") != 0) {
		/* Shown whole: only the first 4 and last 4; the rest are stars. */
		size_t i, len = strlen(m);

		if (len != n || len < 9)
			abort();
		for (i = 4; i < len - 4; i++)
			if (m[i] != '*')
				abort();
	}
	mask_text(s, m, sizeof(m));
	mask_text(s, small, sizeof(small));

	/* The same bytes as every text field of a record. */
	ca_app_init(&app);
	utf8_copy(app.company, sizeof(app.company), s, CA_COMPANY_MAX);
	memcpy(app.uscc, s, n < sizeof(app.uscc) ? n + 1 : sizeof(app.uscc));
	app.uscc[sizeof(app.uscc) - 1] = '\0';
	memcpy(app.handler_id, s, n < sizeof(app.handler_id) ? n + 1 : sizeof(app.handler_id));
	app.handler_id[sizeof(app.handler_id) - 1] = '\0';
	memcpy(app.mail_address, s, n + 1);
	app.pickup = (n & 1) ? CA_PICKUP_MAIL : CA_PICKUP_ONSITE;
	ca_app_normalize(&app);
	valid_app(&app, 20261124, &rep);
	if (rep.n < 0 || rep.n > CA_F__N)
		abort();
	return 0;
}
