/*
 * app.h - the application record (CA申请) and its processing records (办理记录).
 *
 * Pure data: no SDL, no curl, no sqlite. A record is a plain struct of
 * fixed-size, NUL-terminated UTF-8 buffers, so it can be copied by value and
 * never owns memory. Length limits are counted in characters (code points);
 * each buffer holds its limit at 4 bytes a character. Amounts are integer fen.
 *
 * Status identifiers (docs/domain.md, Statuses) are what the codec, the
 * database and the hub use; the Chinese labels come from the catalog.
 *
 * Start reading at struct ca_app, then fsm.h (what may happen to it),
 * valid.h (what a complete one looks like) and codec.h (how it travels).
 */
#ifndef CA_APP_H
#define CA_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

/* Character limits of the text fields. */
#define CA_COMPANY_MAX   100 /* 单位名称 */
#define CA_PERSON_MAX    50  /* names of people */
#define CA_EMAIL_MAX     254
#define CA_ADDRESS_MAX   200
#define CA_COMMENT_MAX   200 /* 意见, 不通过原因, processing record text */
#define CA_TRACKING_MAX  40
#define CA_KIOSK_ID_MAX  32
#define CA_SUB_KEYS_MAX  9   /* 副锁: 0..9 besides the one 主锁 */
#define CA_UUID_LEN      36  /* 8-4-4-4-12 hex */

/* Timestamps (Unix ms) and revisions: non-negative, below year 5000. */
#define CA_TIME_MAX INT64_C(95617584000000)
/* Amounts: at most 100 million yuan, in fen (either sign where negative
 * amounts exist: a red-letter invoice's). */
#define CA_AMOUNT_MAX INT64_C(10000000000)

/* Buffer size for a text of at most n characters. */
#define CA_TEXT_BUF(n) (4 * (n) + 1)

/* Application status: where the form is in review. */
enum ca_app_status {
	CA_APP_DRAFT,          /* 编辑中: saved, not submitted */
	CA_APP_PENDING_REVIEW, /* 待审核 */
	CA_APP_APPROVED,       /* 审核通过 */
	CA_APP_REJECTED,       /* 审核不通过, with a reason */
	CA_APP__N
};

/* Payment status: meaningful once approved; every record starts unpaid. */
enum ca_pay_status {
	CA_PAY_UNPAID, /* 未支付 */
	CA_PAY_PAID,   /* 已支付 */
	CA_PAY_DONE,   /* 已办理: key received or collected */
	CA_PAY_REFUNDED, /* 已退款: staff refunded it before the key went out */
	CA_PAY__N
};

/* Processing status: the key's way to the customer, after payment. */
enum ca_proc_status {
	CA_PROC_NONE,             /* not paid yet, nothing to process */
	CA_PROC_PROCESSING,       /* 办理中 (mail pickup) */
	CA_PROC_SHIPPED,          /* 已发货, with a tracking number */
	CA_PROC_RECEIVED,         /* 已签收 */
	CA_PROC_ONSITE,           /* 现场办理 (on-site pickup) */
	CA_PROC_READY_FOR_PICKUP, /* 待领取 */
	CA_PROC_COLLECTED,        /* 已领取 */
	CA_PROC__N
};

enum ca_business {
	CA_BIZ_NEW,     /* 新办 */
	CA_BIZ_RENEW,   /* 续期 */
	CA_BIZ_CHANGE,  /* 变更 */
	CA_BIZ_REISSUE, /* 补办 */
	CA_BIZ__N
};

enum ca_cert_type {
	CA_CERT_ORG,       /* 机构证书 */
	CA_CERT_LEGAL_REP, /* 法人证书 */
	CA_CERT_PERSONAL,  /* 个人证书 */
	CA_CERT__N
};

enum ca_pickup {
	CA_PICKUP_ONSITE, /* 现场取锁 */
	CA_PICKUP_MAIL,   /* 邮寄取锁: recipient, phone, address required */
	CA_PICKUP__N
};

/* The form fields, in form order; used to place errors at their field. */
enum ca_field {
	CA_F_COMPANY,
	CA_F_USCC,
	CA_F_LEGAL_REP,
	CA_F_HANDLER,
	CA_F_HANDLER_ID,
	CA_F_MOBILE,
	CA_F_EMAIL,
	CA_F_BUSINESS,
	CA_F_CERT_TYPE,
	CA_F_SUB_KEYS,
	CA_F_PICKUP,
	CA_F_MAIL_RECIPIENT,
	CA_F_MAIL_PHONE,
	CA_F_MAIL_ADDRESS,
	CA_F_MAIL_POSTCODE,
	CA_F_COMMENT,
	CA_F_REJECT_REASON,
	CA_F_TRACKING_NO,
	CA_F__N
};

/* One CA application with its review, payment and processing state. */
struct ca_app {
	char id[CA_UUID_LEN + 1];        /* record id, made by the kiosk (UUID v4) */
	char account[12];                /* owner: the login phone number */
	char kiosk_id[CA_KIOSK_ID_MAX + 1]; /* kiosk the record was made on */
	enum ca_app_status app_status;   /* review state */
	enum ca_pay_status pay_status;   /* payment state */
	enum ca_proc_status proc_status; /* key processing state */

	char company[CA_TEXT_BUF(CA_COMPANY_MAX)];       /* 单位名称 */
	char uscc[19];                                  /* 统一社会信用代码 */
	char legal_rep[CA_TEXT_BUF(CA_PERSON_MAX)];      /* 法定代表人 */
	char handler[CA_TEXT_BUF(CA_PERSON_MAX)];        /* 经办人 */
	char handler_id[19];                            /* 经办人身份证号 */
	char mobile[12];                                /* 手机号 */
	char email[CA_EMAIL_MAX + 1];                   /* ASCII only */
	enum ca_business business;                      /* 业务类型 */
	enum ca_cert_type cert_type;                    /* 证书类型 */
	int sub_keys;                                   /* 副锁 count, 0..CA_SUB_KEYS_MAX */
	enum ca_pickup pickup;                          /* 取锁方式 */
	char mail_recipient[CA_TEXT_BUF(CA_PERSON_MAX)]; /* 收件人 (mail only) */
	char mail_phone[21];                            /* mobile or landline (mail only) */
	char mail_address[CA_TEXT_BUF(CA_ADDRESS_MAX)];  /* 邮寄地址 (mail only) */
	char mail_postcode[7];                          /* 6 digits, optional */

	char comment[CA_TEXT_BUF(CA_COMMENT_MAX)];       /* 意见 given at submit */
	char reject_reason[CA_TEXT_BUF(CA_COMMENT_MAX)]; /* staff's reason, when rejected */
	char tracking_no[CA_TEXT_BUF(CA_TRACKING_MAX)];  /* when shipped */
	int64_t amount_fen;                             /* price in fen, set at approval */
	int64_t rev;                                    /* server revision; 0 = not yet on the hub */
	int64_t created_ms;                             /* Unix ms, kiosk clock */
	int64_t updated_ms;                             /* Unix ms of the last change */
};

/* One processing record (办理记录) staff add to a paid order. */
struct ca_proc_record {
	char id[CA_UUID_LEN + 1];                  /* record id (UUID) */
	char app_id[CA_UUID_LEN + 1];              /* the application it belongs to */
	int64_t at_ms;                             /* when, Unix ms */
	char staff[CA_TEXT_BUF(CA_PERSON_MAX)];     /* who added it */
	char text[CA_TEXT_BUF(CA_COMMENT_MAX)];     /* what was done */
};

/* Zero the record and set the defaults of a fresh draft (one main key,
 * no sub keys, on-site pickup, new business, organisation certificate). */
void ca_app_init(struct ca_app *app);

/* Copy the form fields a person fills in (company .. mail_postcode) of src
 * onto dst, leaving dst's identity, statuses and server fields alone: what
 * a save (修改保存) may change, on the kiosk and on the hub alike. */
void ca_app_copy_form(struct ca_app *dst, const struct ca_app *src);

/* Canonical form of what a person typed: trims surrounding spaces of every
 * text field, upper-cases the USCC and the ID number's 'x'. */
void ca_app_normalize(struct ca_app *app);

/* Glossary identifiers ("draft", "pickup_mail", ...), and back.
 * The *_from_id functions return -1 for an unknown identifier. */
const char *ca_app_status_id(enum ca_app_status s);
const char *ca_pay_status_id(enum ca_pay_status s);
const char *ca_proc_status_id(enum ca_proc_status s);
const char *ca_business_id(enum ca_business b);
const char *ca_cert_type_id(enum ca_cert_type c);
const char *ca_pickup_id(enum ca_pickup p);
int ca_app_status_from_id(const char *id);
int ca_pay_status_from_id(const char *id);
int ca_proc_status_from_id(const char *id);
int ca_business_from_id(const char *id);
int ca_cert_type_from_id(const char *id);
int ca_pickup_from_id(const char *id);

/* The tab of the kiosk's payment list an order of pay status s is under:
 * 0 未支付, 1 已支付, 2 已办理 (done, and refunded: both finished). */
int ca_pay_tab(enum ca_pay_status s);

/* Chinese labels from the catalog. */
enum msg_id ca_app_status_msg(enum ca_app_status s);
enum msg_id ca_pay_status_msg(enum ca_pay_status s);
enum msg_id ca_proc_status_msg(enum ca_proc_status s);
enum msg_id ca_business_msg(enum ca_business b);
enum msg_id ca_cert_type_msg(enum ca_cert_type c);
enum msg_id ca_pickup_msg(enum ca_pickup p);

/* The catalog text of a failed dispense by its result name ("jam",
 * "empty", "door_open", "no_answer", "interrupted", "unconfirmed"; anything else: a device
 * fault), for the kiosk screen and the hub's processing record. */
enum msg_id ca_disp_fault_msg(const char *result);

/* The pickup code of an application for the counter: 6 digits derived
 * from its id (FNV-1a of the id, mod 10^6), the same on every kiosk and
 * every run. out gets "000000".."999999". Not a secret: the counter
 * checks the ID card as well. */
void ca_pickup_code(const char *app_id, char out[7]);

/* The dispenser slot for the hub's slot label (ca-hubctl ready --slot) on
 * a dispenser with nslots slots: a decimal number 1..nslots is that slot;
 * "" is slot 1 when nslots is 1; anything else is 0, "not from this
 * dispenser" (docs/dispenser.md, "Slot labels"). Never a guess: a wrong
 * slot hands out someone else's key. */
int ca_pickup_slot(const char *label, int nslots);

/* Field metadata: the JSON key ("company") and the catalog label. */
const char *ca_field_key(enum ca_field f);
enum msg_id ca_field_msg(enum ca_field f);

/* The value of field f of a as a person reads it: the text as stored, a
 * choice as its catalog label, the sub-key count as a number (written into
 * buf, size n). Borrowed from a, the catalog or buf; "" for no field. */
const char *ca_field_value(const struct ca_app *a, enum ca_field f, char *buf, size_t n);

#endif
