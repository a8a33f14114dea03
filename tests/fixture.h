/*
 * fixture.h - shared test data: a complete, valid application.
 * Header-only so each test program stays one file.
 */
#ifndef CA_TEST_FIXTURE_H
#define CA_TEST_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/uuid.h"

/* The date tests treat as today (YYYYMMDD). */
#define FIXTURE_TODAY 20261124

/* Fill app with a valid on-site application (draft). */
static inline void fixture_app(struct ca_app *app)
{
	ca_app_init(app);
	strcpy(app->id, "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90");
	strcpy(app->account, "13812345678");
	strcpy(app->kiosk_id, "hall-01");
	strcpy(app->company, "江苏国泰新点软件有限公司");
	strcpy(app->uscc, "91320582MA1MABCDEU");
	strcpy(app->legal_rep, "王建国");
	strcpy(app->handler, "李娜");
	strcpy(app->handler_id, "320582199003071232");
	strcpy(app->mobile, "13812345678");
	strcpy(app->email, "lina@example.com");
	app->business = CA_BIZ_NEW;
	app->cert_type = CA_CERT_ORG;
	app->sub_keys = 1;
	app->pickup = CA_PICKUP_ONSITE;
	app->created_ms = 1795000000000;
	app->updated_ms = 1795000000000;
}

/* Same, with mail pickup and a complete address. */
static inline void fixture_app_mail(struct ca_app *app)
{
	fixture_app(app);
	app->pickup = CA_PICKUP_MAIL;
	strcpy(app->mail_recipient, "张伟");
	strcpy(app->mail_phone, "0512-58188000");
	strcpy(app->mail_address, "江苏省苏州市张家港市经济开发区国泰北路1号");
	strcpy(app->mail_postcode, "215600");
}

/* A fresh one of account: on-site or mail (as pickup says), a new id. */
static inline ca_err fixture_app_of(struct ca_app *app, const char *account,
				    enum ca_pickup pickup)
{
	if (pickup == CA_PICKUP_MAIL)
		fixture_app_mail(app);
	else
		fixture_app(app);
	snprintf(app->account, sizeof(app->account), "%s", account);
	return uuid_v4(app->id);
}

#endif
