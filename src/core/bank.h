/*
 * bank.h - the banks of the 个人网银 payment method (docs/api.md, POST
 * /v1/pay/orders): the API's bank id and its Chinese name in the catalog.
 * The kiosk's buttons, the hub's bank page and the gateway simulator all
 * name a bank from here.
 */
#ifndef CORE_BANK_H
#define CORE_BANK_H

#include <stddef.h>

#include "msg.h"

/* One bank: the id the API takes ("icbc"), its name. */
struct ca_bank {
	const char *id;
	enum msg_id name;
};

/* The banks, in the order the kiosk offers them. */
extern const struct ca_bank ca_banks[];
extern const size_t ca_nbanks;

/* The bank with id, or NULL when there is none (id may be NULL). */
const struct ca_bank *ca_bank_find(const char *id);

#endif
