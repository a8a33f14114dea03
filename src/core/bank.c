/*
 * bank.c - the banks of the 个人网银 payment method (see bank.h).
 */
#include <string.h>

#include "bank.h"

const struct ca_bank ca_banks[] = {
	{ "icbc", MSG_UI_BANK_ICBC },   { "abc", MSG_UI_BANK_ABC },
	{ "boc", MSG_UI_BANK_BOC },     { "ccb", MSG_UI_BANK_CCB },
	{ "bocom", MSG_UI_BANK_BOCOM }, { "cmb", MSG_UI_BANK_CMB },
	{ "psbc", MSG_UI_BANK_PSBC },   { "citic", MSG_UI_BANK_CITIC },
	{ "cib", MSG_UI_BANK_CIB },     { "spdb", MSG_UI_BANK_SPDB },
};
const size_t ca_nbanks = sizeof(ca_banks) / sizeof(ca_banks[0]);

const struct ca_bank *ca_bank_find(const char *id)
{
	size_t i;

	for (i = 0; id && i < ca_nbanks; i++)
		if (!strcmp(ca_banks[i].id, id))
			return &ca_banks[i];
	return NULL;
}
