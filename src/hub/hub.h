/*
 * hub.h - the state every part of the hub shares: configuration, store,
 * SMS provider, admin token. One instance lives in main.c for the life of
 * the process; handlers get it through their request (http.h).
 */
#ifndef HUB_HUB_H
#define HUB_HUB_H

#include <stdbool.h>

#include "db.h"
#include "hubcfg.h"
#include "sms.h"

struct hubpay;
struct hubinv;
struct http;

struct hub {
	struct hubcfg cfg;                /* the loaded configuration */
	struct hubdb *db;                 /* the store, owned by main */
	struct sms_provider *sms;         /* where login codes go, owned by main */
	char admin_token[65];             /* bearer token of /v1/admin/, 64 hex */
	bool virtual_clock;               /* --virtual-clock given */
	struct hubpay *pay;               /* payments (pay.h), owned by main */
	struct hubinv *inv;               /* e-invoices (invoicing.h), owned by main */
	struct http *http;                /* the server (its figures), owned by main */
};

#endif
