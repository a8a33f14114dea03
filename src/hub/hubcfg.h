/*
 * hubcfg.h - the hub's INI configuration (read with inih, strictly).
 *
 *   [hub]    mode (dev|demo|production), listen, port, data_dir, cert, key,
 *            max_connections, per_address_connections, connection_timeout_s,
 *            request_timeout_s, threads
 *   [sms]    provider (dev|gateway; production refuses dev), demo_code (only
 *            with mode = demo), max_sends_per_hour (per phone); for the
 *            gateway (docs/hub.md, SMS gateway): url, access_key_id,
 *            secret_file, sign_name, template_id (all required), ca_file,
 *            timeout_ms
 *   [limits] device_sms_per_hour, device_logins_per_hour (each kiosk's
 *            hourly budget of code sends and of login tries)
 *   [sessions] binding_days (an account's binding to a kiosk ends this long
 *            after its last login there)
 *   [prices] BUSINESS.CERT_TYPE = fen per key, e.g. new.org = 30000; every
 *            combination of the glossary's business and certificate types
 *            must be there (so approval never lacks a price)
 *   [invoice] token_ttl_s, max_attempts, issue_on_payment (true|false),
 *            seller_name, seller_uscc, font (the CJK font of the PDF)
 *   [log]    level (error|warn|info|debug)
 *   [console] listen, port (the staff console's own listener, never the
 *            kiosks' port), cert, key (default: the hub's), idle_minutes,
 *            session_hours (a console session's idle and absolute life),
 *            token_days (a ca-hubctl token's life), account_failures,
 *            address_failures, failure_window_minutes (the login throttle)
 *   [pay]    wechat (sim | wechatpay_v3: who takes 微信支付; production
 *            refuses the simulator)
 *   [wechatpay] api_url, mchid, appid, merchant_serial, merchant_key,
 *            apiv3_key, public_key_id, public_key, notify_url, ca_file,
 *            timeout_ms (all but ca_file and timeout_ms needed when [pay]
 *            wechat = wechatpay_v3; src/hub/wxpay.h)
 *   [pay]    bank (sim | gateway: who takes 个人网银; production refuses
 *            the simulator)
 *   [bank]   gateway_url, mer_id, merchant_key, merchant_cert, gateway_cert,
 *            gateway_cert_id, notify_url, ca_file, timeout_ms (all but
 *            ca_file and timeout_ms needed when [pay] bank = gateway;
 *            src/hub/bankpay.h)
 *   [taxplat] url, app_id, secret_file, seller_tax_id, ca_file, timeout_ms
 *            (the tax platform that issues e-invoices, src/hub/taxplat.h;
 *            any of its keys given: all but ca_file and timeout_ms needed;
 *            none given: no platform, tax_url is "")
 *
 * As with the kiosk's config: unknown sections or keys, bad values, keys
 * given twice and malformed lines are all reported as "FILE:LINE: message",
 * every one of them, and the load fails. docs/hub.md lists the keys.
 */
#ifndef HUB_HUBCFG_H
#define HUB_HUBCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "core/log.h"

/* Room for the messages of one failed load. */
#define HUBCFG_ERR_MAX 4096
/* Longest path or address value, bytes. */
#define HUBCFG_PATH_MAX 255
/* Longest URL value, bytes. */
#define HUBCFG_URL_MAX 200
/* Longest seller name on an invoice, characters. */
#define HUBCFG_SELLER_MAX 60
#define HUBCFG_ISSUER_MAX 20   /* [invoice] issuer: characters (EINV_ISSUER_MAX bytes) */
/* Default hourly budgets of one kiosk: a busy hall serves a person every
 * two or three minutes, each asking for a code or two and typing it once
 * or twice; a kiosk far beyond that is being abused. */
#define HUBCFG_DEVICE_SMS_PER_HOUR 40
#define HUBCFG_DEVICE_LOGINS_PER_HOUR 60
/* The SMS gateway's names: sign name in characters, key and template ids
 * in bytes; the default wait for one answer. */
#define HUBCFG_SMS_SIGN_MAX 16
#define HUBCFG_SMS_ID_MAX 63
#define HUBCFG_SMS_TIMEOUT_MS 3000
/* The tax platform: its app id in bytes, the default wait for one answer. */
#define HUBCFG_TAX_APP_ID_MAX 64
#define HUBCFG_TAX_TIMEOUT_MS 10000
/* The default font of the invoice PDF (Debian's fonts-noto-cjk). */
#define HUBCFG_INVOICE_FONT "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

enum hub_mode {
	HUB_MODE_DEV,        /* development: dev SMS provider, virtual clock allowed */
	HUB_MODE_DEMO,       /* demo: as dev, plus the fixed SMS code */
	HUB_MODE_PRODUCTION, /* no fixed code, no virtual clock, no plain HTTP, no
			      * simulator endpoints (api_add_sim_routes) */
};

struct hubcfg {
	enum hub_mode mode;                     /* [hub] mode */
	char listen[64];                        /* [hub] listen: IPv4 or IPv6 literal */
	int port;                               /* [hub] port: 0 = any free port */
	char data_dir[HUBCFG_PATH_MAX + 1];     /* [hub] data_dir: hub.db, admin.token */
	char cert[HUBCFG_PATH_MAX + 1];         /* [hub] cert: server certificate chain (PEM) */
	char key[HUBCFG_PATH_MAX + 1];          /* [hub] key: its private key (PEM) */
	int max_connections;                    /* [hub] max_connections: in all */
	int per_address_connections;            /* [hub] per_address_connections */
	int connection_timeout_s;               /* [hub] connection_timeout_s: idle limit */
	int request_timeout_s;                  /* [hub] request_timeout_s: head+body deadline */
	int threads;                            /* [hub] threads: workers, 0 = 2 per CPU */
	char sms_provider[16];                  /* [sms] provider */
	char demo_code[7];                      /* [sms] demo_code, "" = none */
	int sms_max_sends;                      /* [sms] max_sends_per_hour, per phone */
	char sms_url[HUBCFG_PATH_MAX + 1];      /* [sms] url: the gateway's send address
						   (https://) */
	char sms_key_id[HUBCFG_SMS_ID_MAX + 1]; /* [sms] access_key_id */
	char sms_secret_file[HUBCFG_PATH_MAX + 1]; /* [sms] secret_file: the key's secret */
	char sms_sign_name[4 * HUBCFG_SMS_SIGN_MAX + 1]; /* [sms] sign_name (UTF-8) */
	char sms_template_id[HUBCFG_SMS_ID_MAX + 1]; /* [sms] template_id */
	char sms_ca_file[HUBCFG_PATH_MAX + 1];  /* [sms] ca_file: "" = the system's CAs */
	int sms_timeout_ms;                     /* [sms] timeout_ms: one answer's wait */
	int device_sms_max;                     /* [limits] device_sms_per_hour */
	int device_login_max;                   /* [limits] device_logins_per_hour */
	int binding_days;                       /* [sessions] binding_days: life of a binding
						   after the account's last login there */
	int64_t price_fen[CA_BIZ__N][CA_CERT__N]; /* [prices], fen per key */
	int invoice_ttl_s;                      /* [invoice] token_ttl_s: life of a QR token */
	int invoice_max_attempts;               /* [invoice] max_attempts: wrong names per token */
	bool invoice_on_payment;                /* [invoice] issue_on_payment */
	char seller_name[4 * HUBCFG_SELLER_MAX + 1]; /* [invoice] seller_name (UTF-8) */
	char seller_uscc[19];                   /* [invoice] seller_uscc, "" = not shown */
	char invoice_font[HUBCFG_PATH_MAX + 1]; /* [invoice] font: OTF/TTF/TTC with CJK */
	int invoice_rate_pct;                   /* [invoice] tax_rate: VAT in percent */
	char invoice_item[4 * HUBCFG_SELLER_MAX + 1]; /* [invoice] item: 项目名称 with its
						   tax category, "*信息技术服务*..." */
	char invoice_issuer[4 * HUBCFG_SELLER_MAX + 1]; /* [invoice] issuer: 开票人 */
	enum log_level log_level;               /* [log] level */
	char console_listen[64];                /* [console] listen: IPv4 or IPv6 literal */
	int console_port;                       /* [console] port: 0 = any free port */
	char console_cert[HUBCFG_PATH_MAX + 1]; /* [console] cert: "" = the hub's */
	char console_key[HUBCFG_PATH_MAX + 1];  /* [console] key: "" = the hub's */
	int console_idle_min;                   /* [console] idle_minutes: a session unused
						   this long ends */
	int console_session_h;                  /* [console] session_hours: and ends anyway */
	int staff_token_days;                   /* [console] token_days: life of a ca-hubctl token */
	int login_fail_account;                 /* [console] account_failures: failed logins of
						   one account per window before it waits */
	int login_fail_address;                 /* [console] address_failures: the same per
						   client address */
	int login_fail_window_min;              /* [console] failure_window_minutes */
	char pay_wechat[16];                    /* [pay] wechat: the provider of 微信支付,
						   "off" (refused) or "wechatpay_v3" */
	char wx_api_url[HUBCFG_URL_MAX + 1];    /* [wechatpay] api_url: https://host[:port] */
	char wx_mchid[33];                      /* [wechatpay] mchid: merchant id, digits */
	char wx_appid[33];                      /* [wechatpay] appid */
	char wx_serial[65];                     /* [wechatpay] merchant_serial: the merchant
						   certificate's serial number (hex) */
	char wx_merchant_key[HUBCFG_PATH_MAX + 1]; /* [wechatpay] merchant_key: RSA key PEM */
	char wx_apiv3_key[HUBCFG_PATH_MAX + 1]; /* [wechatpay] apiv3_key: file of 32 bytes */
	char wx_public_key_id[65];              /* [wechatpay] public_key_id: PUB_KEY_ID_...,
						   or the platform certificate's serial */
	char wx_public_key[HUBCFG_PATH_MAX + 1]; /* [wechatpay] public_key: its PEM (a public
						    key or the platform certificate) */
	char wx_notify_url[HUBCFG_URL_MAX + 1]; /* [wechatpay] notify_url: https, no query,
						   path WXPAY_NOTIFY_PATH */
	char wx_ca_file[HUBCFG_PATH_MAX + 1];   /* [wechatpay] ca_file: "" = the system's CAs */
	int wx_timeout_ms;                      /* [wechatpay] timeout_ms: one round trip */
	char pay_bank[16];                      /* [pay] bank: the provider of 个人网银,
						   "off" (refused) or "gateway" */
	char bk_gateway_url[HUBCFG_URL_MAX + 1]; /* [bank] gateway_url: https://host[:port],
						    the paths /gateway/api/... added */
	char bk_mer_id[16];                     /* [bank] mer_id: 15 digits */
	char bk_merchant_key[HUBCFG_PATH_MAX + 1]; /* [bank] merchant_key: RSA key PEM */
	char bk_merchant_cert[HUBCFG_PATH_MAX + 1]; /* [bank] merchant_cert: its certificate
						       (its decimal serial is the certId) */
	char bk_gateway_cert[HUBCFG_PATH_MAX + 1]; /* [bank] gateway_cert: the gateway's
						      certificate or public key, PEM */
	char bk_gateway_cert_id[49];            /* [bank] gateway_cert_id: the certId the
						   gateway signs with (decimal) */
	char bk_notify_url[HUBCFG_URL_MAX + 1]; /* [bank] notify_url: https, no query, path
						   BANKPAY_NOTIFY_PATH (the backUrl) */
	char bk_ca_file[HUBCFG_PATH_MAX + 1];   /* [bank] ca_file: "" = the system's CAs */
	int bk_timeout_ms;                      /* [bank] timeout_ms: one round trip */
	char tax_url[HUBCFG_URL_MAX + 1];       /* [taxplat] url: https://host[:port][/base],
						   the paths /v1/invoices... added; "" = no
						   tax platform configured */
	char tax_app_id[HUBCFG_TAX_APP_ID_MAX + 1]; /* [taxplat] app_id: the taxpayer's app */
	char tax_secret_file[HUBCFG_PATH_MAX + 1]; /* [taxplat] secret_file: the app secret */
	char tax_seller_id[19];                 /* [taxplat] seller_tax_id: the taxpayer's
						   USCC, as registered with the platform */
	char tax_ca_file[HUBCFG_PATH_MAX + 1];  /* [taxplat] ca_file: "" = the system's CAs */
	int tax_timeout_ms;                     /* [taxplat] timeout_ms: one round trip */
};

/* Fill c with the defaults (prices all 0: a file must give them). */
void hubcfg_defaults(struct hubcfg *c);

/*
 * Defaults, then the file at path. CA_OK; CA_ERR_CONFIG with one
 * "path:line: message" line per problem in err; CA_ERR_IO when the file
 * cannot be read.
 */
ca_err hubcfg_load(struct hubcfg *c, const char *path, char *err, size_t errlen);

/* The price of app in fen: per key price * (1 + sub_keys). */
int64_t hubcfg_price(const struct hubcfg *c, const struct ca_app *app);

/* "dev", "demo", "production". */
const char *hubcfg_mode_name(enum hub_mode m);

#endif
