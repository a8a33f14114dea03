/* app.c - defaults, normalisation and the names of the application record. */
#include "app.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const app_ids[CA_APP__N] = {
	"draft", "pending_review", "approved", "rejected",
};
static const char *const pay_ids[CA_PAY__N] = {
	"unpaid", "paid", "done", "refunded",
};
static const char *const proc_ids[CA_PROC__N] = {
	"none", "processing", "shipped", "received",
	"onsite", "ready_for_pickup", "collected",
};
static const char *const biz_ids[CA_BIZ__N] = {
	"new", "renew", "change", "reissue",
};
static const char *const cert_ids[CA_CERT__N] = {
	"org", "legal_rep", "personal",
};
static const char *const pickup_ids[CA_PICKUP__N] = {
	"pickup_onsite", "pickup_mail",
};

static const enum msg_id app_msgs[CA_APP__N] = {
	MSG_APP_DRAFT, MSG_APP_PENDING_REVIEW, MSG_APP_APPROVED, MSG_APP_REJECTED,
};
static const enum msg_id pay_msgs[CA_PAY__N] = {
	MSG_PAY_UNPAID, MSG_PAY_PAID, MSG_PAY_DONE, MSG_PAY_REFUNDED,
};
static const enum msg_id proc_msgs[CA_PROC__N] = {
	MSG_PROC_NONE, MSG_PROC_PROCESSING, MSG_PROC_SHIPPED, MSG_PROC_RECEIVED,
	MSG_PROC_ONSITE, MSG_PROC_READY_FOR_PICKUP, MSG_PROC_COLLECTED,
};
static const enum msg_id biz_msgs[CA_BIZ__N] = {
	MSG_BIZ_NEW, MSG_BIZ_RENEW, MSG_BIZ_CHANGE, MSG_BIZ_REISSUE,
};
static const enum msg_id cert_msgs[CA_CERT__N] = {
	MSG_CERT_ORG, MSG_CERT_LEGAL_REP, MSG_CERT_PERSONAL,
};
static const enum msg_id pickup_msgs[CA_PICKUP__N] = {
	MSG_PICKUP_ONSITE, MSG_PICKUP_MAIL,
};

/* Where a text field lives in struct ca_app; 0 for a choice or a number
 * (offset 0 is the id, never a form field). */
#define TEXT(f) offsetof(struct ca_app, f)

static const struct {
	const char *key;   /* JSON key */
	enum msg_id label; /* form label */
	size_t text;       /* the text's offset in struct ca_app, 0: not text */
} fields[CA_F__N] = {
	[CA_F_COMPANY] = {"company", MSG_F_COMPANY, TEXT(company)},
	[CA_F_USCC] = {"uscc", MSG_F_USCC, TEXT(uscc)},
	[CA_F_LEGAL_REP] = {"legal_rep", MSG_F_LEGAL_REP, TEXT(legal_rep)},
	[CA_F_HANDLER] = {"handler", MSG_F_HANDLER, TEXT(handler)},
	[CA_F_HANDLER_ID] = {"handler_id", MSG_F_HANDLER_ID, TEXT(handler_id)},
	[CA_F_MOBILE] = {"mobile", MSG_F_MOBILE, TEXT(mobile)},
	[CA_F_EMAIL] = {"email", MSG_F_EMAIL, TEXT(email)},
	[CA_F_BUSINESS] = {"business", MSG_F_BUSINESS, 0},
	[CA_F_CERT_TYPE] = {"cert_type", MSG_F_CERT_TYPE, 0},
	[CA_F_SUB_KEYS] = {"sub_keys", MSG_F_SUB_KEYS, 0},
	[CA_F_PICKUP] = {"pickup", MSG_F_PICKUP, 0},
	[CA_F_MAIL_RECIPIENT] = {"mail_recipient", MSG_F_MAIL_RECIPIENT, TEXT(mail_recipient)},
	[CA_F_MAIL_PHONE] = {"mail_phone", MSG_F_MAIL_PHONE, TEXT(mail_phone)},
	[CA_F_MAIL_ADDRESS] = {"mail_address", MSG_F_MAIL_ADDRESS, TEXT(mail_address)},
	[CA_F_MAIL_POSTCODE] = {"mail_postcode", MSG_F_MAIL_POSTCODE, TEXT(mail_postcode)},
	[CA_F_COMMENT] = {"comment", MSG_F_COMMENT, TEXT(comment)},
	[CA_F_REJECT_REASON] = {"reject_reason", MSG_F_REJECT_REASON, TEXT(reject_reason)},
	[CA_F_TRACKING_NO] = {"tracking_no", MSG_F_TRACKING_NO, TEXT(tracking_no)},
};

void ca_app_init(struct ca_app *app)
{
	memset(app, 0, sizeof(*app));
	app->app_status = CA_APP_DRAFT;
	app->pay_status = CA_PAY_UNPAID;
	app->proc_status = CA_PROC_NONE;
	app->business = CA_BIZ_NEW;
	app->cert_type = CA_CERT_ORG;
	app->sub_keys = 0;
	app->pickup = CA_PICKUP_ONSITE;
}

void ca_app_copy_form(struct ca_app *dst, const struct ca_app *src)
{
	memcpy(dst->company, src->company, sizeof(dst->company));
	memcpy(dst->uscc, src->uscc, sizeof(dst->uscc));
	memcpy(dst->legal_rep, src->legal_rep, sizeof(dst->legal_rep));
	memcpy(dst->handler, src->handler, sizeof(dst->handler));
	memcpy(dst->handler_id, src->handler_id, sizeof(dst->handler_id));
	memcpy(dst->mobile, src->mobile, sizeof(dst->mobile));
	memcpy(dst->email, src->email, sizeof(dst->email));
	dst->business = src->business;
	dst->cert_type = src->cert_type;
	dst->sub_keys = src->sub_keys;
	dst->pickup = src->pickup;
	memcpy(dst->mail_recipient, src->mail_recipient, sizeof(dst->mail_recipient));
	memcpy(dst->mail_phone, src->mail_phone, sizeof(dst->mail_phone));
	memcpy(dst->mail_address, src->mail_address, sizeof(dst->mail_address));
	memcpy(dst->mail_postcode, src->mail_postcode, sizeof(dst->mail_postcode));
}

/* Remove ASCII and full-width (U+3000) spaces at both ends, in place. */
static void trim(char *s)
{
	size_t len = strlen(s), start = 0;

	for (;;) {
		if (start < len && (s[start] == ' ' || s[start] == '\t')) {
			start++;
		} else if (len - start >= 3 && !memcmp(s + start, "\xE3\x80\x80", 3)) {
			start += 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (len > start && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
			len--;
		} else if (len - start >= 3 && !memcmp(s + len - 3, "\xE3\x80\x80", 3)) {
			len -= 3;
		} else {
			break;
		}
	}
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
}

static void upper_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

void ca_app_normalize(struct ca_app *app)
{
	char *texts[] = {
		app->company, app->uscc, app->legal_rep, app->handler,
		app->handler_id, app->mobile, app->email, app->mail_recipient,
		app->mail_phone, app->mail_address, app->mail_postcode,
		app->comment, app->reject_reason, app->tracking_no,
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		trim(texts[i]);
	upper_ascii(app->uscc);
	upper_ascii(app->handler_id);
}

#define NAME_FN(fn, type, table, n)                                       \
	const char *fn(type v)                                            \
	{                                                                 \
		return ((unsigned)v < (n)) ? table[v] : "?";              \
	}
#define FROM_FN(fn, table, n)                                             \
	int fn(const char *id)                                            \
	{                                                                 \
		int i;                                                    \
		for (i = 0; id && i < (int)(n); i++)                      \
			if (!strcmp(table[i], id))                        \
				return i;                                 \
		return -1;                                                \
	}
#define MSG_FN(fn, type, table, n)                                        \
	enum msg_id fn(type v)                                            \
	{                                                                 \
		return ((unsigned)v < (n)) ? table[v] : MSG_NONE;         \
	}

NAME_FN(ca_app_status_id, enum ca_app_status, app_ids, CA_APP__N)
NAME_FN(ca_pay_status_id, enum ca_pay_status, pay_ids, CA_PAY__N)
NAME_FN(ca_proc_status_id, enum ca_proc_status, proc_ids, CA_PROC__N)
NAME_FN(ca_business_id, enum ca_business, biz_ids, CA_BIZ__N)
NAME_FN(ca_cert_type_id, enum ca_cert_type, cert_ids, CA_CERT__N)
NAME_FN(ca_pickup_id, enum ca_pickup, pickup_ids, CA_PICKUP__N)
FROM_FN(ca_app_status_from_id, app_ids, CA_APP__N)
FROM_FN(ca_pay_status_from_id, pay_ids, CA_PAY__N)
FROM_FN(ca_proc_status_from_id, proc_ids, CA_PROC__N)
FROM_FN(ca_business_from_id, biz_ids, CA_BIZ__N)
FROM_FN(ca_cert_type_from_id, cert_ids, CA_CERT__N)
FROM_FN(ca_pickup_from_id, pickup_ids, CA_PICKUP__N)
MSG_FN(ca_app_status_msg, enum ca_app_status, app_msgs, CA_APP__N)
MSG_FN(ca_pay_status_msg, enum ca_pay_status, pay_msgs, CA_PAY__N)
MSG_FN(ca_proc_status_msg, enum ca_proc_status, proc_msgs, CA_PROC__N)
MSG_FN(ca_business_msg, enum ca_business, biz_msgs, CA_BIZ__N)
MSG_FN(ca_cert_type_msg, enum ca_cert_type, cert_msgs, CA_CERT__N)
MSG_FN(ca_pickup_msg, enum ca_pickup, pickup_msgs, CA_PICKUP__N)

/* Text of a failed dispense; unknown names read as a device fault. */
enum msg_id ca_disp_fault_msg(const char *result)
{
	static const struct {
		const char *name;
		enum msg_id msg;
	} t[] = {
		{ "empty", MSG_DISP_FAULT_EMPTY },
		{ "jam", MSG_DISP_FAULT_JAM },
		{ "door_open", MSG_DISP_FAULT_DOOR },
		{ "no_answer", MSG_DISP_FAULT_NO_ANSWER },
		{ "interrupted", MSG_DISP_FAULT_INTERRUPTED },
		{ "unconfirmed", MSG_DISP_FAULT_UNCONFIRMED },
	};
	size_t i;

	for (i = 0; result && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(result, t[i].name) == 0)
			return t[i].msg;
	return MSG_DISP_FAULT_OTHER;
}

void ca_pickup_code(const char *app_id, char out[7])
{
	uint32_t h = 2166136261u;
	const unsigned char *c;

	for (c = (const unsigned char *)(app_id ? app_id : ""); *c; c++) {
		h ^= *c;
		h *= 16777619u;
	}
	snprintf(out, 7, "%06u", (unsigned)(h % 1000000u));
}

int ca_pickup_slot(const char *label, int nslots)
{
	const char *c;
	int n = 0;

	if (!label || nslots < 1)
		return 0;
	if (!label[0])
		return nslots == 1 ? 1 : 0;
	for (c = label; *c; c++) {
		if (*c < '0' || *c > '9' || n > nslots)
			return 0;
		n = n * 10 + (*c - '0');
	}
	return n >= 1 && n <= nslots ? n : 0;
}

const char *ca_field_key(enum ca_field f)
{
	return ((unsigned)f < CA_F__N) ? fields[f].key : "?";
}

enum msg_id ca_field_msg(enum ca_field f)
{
	return ((unsigned)f < CA_F__N) ? fields[f].label : MSG_NONE;
}

const char *ca_field_value(const struct ca_app *a, enum ca_field f, char *buf, size_t n)
{
	if ((unsigned)f >= CA_F__N)
		return "";
	if (fields[f].text)
		return (const char *)a + fields[f].text;
	switch (f) {
	case CA_F_BUSINESS: return msg(ca_business_msg(a->business));
	case CA_F_CERT_TYPE: return msg(ca_cert_type_msg(a->cert_type));
	case CA_F_PICKUP: return msg(ca_pickup_msg(a->pickup));
	default:
		snprintf(buf, n, "%d", a->sub_keys);
		return buf;
	}
}

int ca_pay_tab(enum ca_pay_status s)
{
	return s == CA_PAY_REFUNDED ? CA_PAY_DONE : (int)s;
}
