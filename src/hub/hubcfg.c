/*
 * hubcfg.c - load the hub's INI file with inih, strictly (see hubcfg.h).
 *
 * iniload_parse() (src/common/iniload.c, shared with the kiosk's loader)
 * runs inih over the file; its reader reports the lines inih must not see
 * (too long, NUL bytes, a '[' without ']', neither a comment nor "key =
 * value"). hc_handler() checks each key against the table or the [prices]
 * grammar; hc_finish() checks what spans keys, skipping keys already
 * reported as bad, so one bad line is one problem. Every problem is told by
 * iniload_err() alone; nothing here prints or logs.
 */
#include "hubcfg.h"
#include "bankpay.h"
#include "sms.h"
#include "wxpay.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/iniload.h"
#include "common/paths.h"
#include "core/utf8.h"
#include "core/valid.h"

/* Longest physical line, newline included. */
#define HC_LINE_MAX 1024
/* Highest price per key: one million yuan. */
#define HC_PRICE_MAX 100000000LL

/* State of one load. */
struct hc_ctx {
	struct iniload ini; /* position in the file, problems found */
	struct hubcfg *c;  /* what is filled */
	int seen[96];      /* line each key (index) was first set on */
	bool bad[96];      /* key (index) was set to a bad value */
	int price_seen[CA_BIZ__N][CA_CERT__N]; /* line of each price */
	int code_line;     /* where demo_code was set */
	int provider_line; /* where [sms] provider was set */
	char unknown_sect[64]; /* last unknown section reported */
};

enum hc_kind { HC_MODE, HC_ADDR, HC_INT, HC_PATH, HC_PATH0, HC_PROVIDER, HC_CODE, HC_LEVEL,
	       HC_BOOL, HC_SELLER, HC_USCC, HC_PAYPROV, HC_URL, HC_ID, HC_SMS_URL, HC_SMS_ID,
	       HC_SIGN };

/* One key of the fixed sections. */
struct hc_key {
	const char *section, *name; /* where */
	enum hc_kind kind;          /* how to check it */
	size_t off, size;           /* field offset, string buffer size */
	long min, max;              /* HC_INT range */
};

#define HC_S(sec, key, kind, f) { sec, key, kind, offsetof(struct hubcfg, f), \
				  sizeof(((struct hubcfg *)0)->f), 0, 0 }
#define HC_N(sec, key, f, lo, hi) { sec, key, HC_INT, offsetof(struct hubcfg, f), 0, lo, hi }

static const struct hc_key hc_keys[] = {
	HC_S("hub", "mode", HC_MODE, mode),
	HC_S("hub", "listen", HC_ADDR, listen),
	HC_N("hub", "port", port, 0, 65535),
	HC_S("hub", "data_dir", HC_PATH, data_dir),
	HC_S("hub", "cert", HC_PATH0, cert),
	HC_S("hub", "key", HC_PATH0, key),
	HC_N("hub", "max_connections", max_connections, 16, 1000000),
	HC_N("hub", "per_address_connections", per_address_connections, 1, 100000),
	HC_N("hub", "connection_timeout_s", connection_timeout_s, 5, 3600),
	HC_N("hub", "request_timeout_s", request_timeout_s, 5, 600),
	HC_N("hub", "threads", threads, 0, 64),
	HC_S("sms", "provider", HC_PROVIDER, sms_provider),
	HC_S("sms", "demo_code", HC_CODE, demo_code),
	HC_N("sms", "max_sends_per_hour", sms_max_sends, 1, 1000),
	HC_S("sms", "url", HC_SMS_URL, sms_url),
	HC_S("sms", "access_key_id", HC_SMS_ID, sms_key_id),
	HC_S("sms", "secret_file", HC_PATH, sms_secret_file),
	HC_S("sms", "sign_name", HC_SIGN, sms_sign_name),
	HC_S("sms", "template_id", HC_SMS_ID, sms_template_id),
	HC_S("sms", "ca_file", HC_PATH0, sms_ca_file),
	HC_N("sms", "timeout_ms", sms_timeout_ms, 100, 10000),
	HC_N("limits", "device_sms_per_hour", device_sms_max, 1, 100000),
	HC_N("limits", "device_logins_per_hour", device_login_max, 1, 100000),
	HC_N("sessions", "binding_days", binding_days, 1, 3650),
	HC_N("invoice", "token_ttl_s", invoice_ttl_s, 300, 2592000),
	HC_N("invoice", "max_attempts", invoice_max_attempts, 1, 20),
	HC_S("invoice", "issue_on_payment", HC_BOOL, invoice_on_payment),
	HC_S("invoice", "seller_name", HC_SELLER, seller_name),
	HC_S("invoice", "seller_uscc", HC_USCC, seller_uscc),
	HC_S("invoice", "font", HC_PATH, invoice_font),
	HC_N("invoice", "tax_rate", invoice_rate_pct, 0, 13),
	HC_S("invoice", "item", HC_SELLER, invoice_item),
	HC_S("invoice", "issuer", HC_SELLER, invoice_issuer),
	HC_S("log", "level", HC_LEVEL, log_level),
	HC_S("console", "listen", HC_ADDR, console_listen),
	HC_N("console", "port", console_port, 0, 65535),
	HC_S("console", "cert", HC_PATH0, console_cert),
	HC_S("console", "key", HC_PATH0, console_key),
	HC_N("console", "idle_minutes", console_idle_min, 5, 240),
	HC_N("console", "session_hours", console_session_h, 1, 24),
	HC_N("console", "token_days", staff_token_days, 1, 365),
	HC_N("console", "account_failures", login_fail_account, 3, 100),
	HC_N("console", "address_failures", login_fail_address, 5, 10000),
	HC_N("console", "failure_window_minutes", login_fail_window_min, 1, 1440),
	HC_S("pay", "wechat", HC_PAYPROV, pay_wechat),
	HC_S("wechatpay", "api_url", HC_URL, wx_api_url),
	HC_S("wechatpay", "mchid", HC_ID, wx_mchid),
	HC_S("wechatpay", "appid", HC_ID, wx_appid),
	HC_S("wechatpay", "merchant_serial", HC_ID, wx_serial),
	HC_S("wechatpay", "merchant_key", HC_PATH, wx_merchant_key),
	HC_S("wechatpay", "apiv3_key", HC_PATH, wx_apiv3_key),
	HC_S("wechatpay", "public_key_id", HC_ID, wx_public_key_id),
	HC_S("wechatpay", "public_key", HC_PATH, wx_public_key),
	HC_S("wechatpay", "notify_url", HC_URL, wx_notify_url),
	HC_S("wechatpay", "ca_file", HC_PATH0, wx_ca_file),
	HC_N("wechatpay", "timeout_ms", wx_timeout_ms, 1000, 60000),
	HC_S("pay", "bank", HC_PAYPROV, pay_bank),
	HC_S("bank", "gateway_url", HC_URL, bk_gateway_url),
	HC_S("bank", "mer_id", HC_ID, bk_mer_id),
	HC_S("bank", "merchant_key", HC_PATH, bk_merchant_key),
	HC_S("bank", "merchant_cert", HC_PATH, bk_merchant_cert),
	HC_S("bank", "gateway_cert", HC_PATH, bk_gateway_cert),
	HC_S("bank", "gateway_cert_id", HC_ID, bk_gateway_cert_id),
	HC_S("bank", "notify_url", HC_URL, bk_notify_url),
	HC_S("bank", "ca_file", HC_PATH0, bk_ca_file),
	HC_N("bank", "timeout_ms", bk_timeout_ms, 1000, 60000),
	HC_S("taxplat", "url", HC_URL, tax_url),
	HC_S("taxplat", "app_id", HC_ID, tax_app_id),
	HC_S("taxplat", "secret_file", HC_PATH, tax_secret_file),
	HC_S("taxplat", "seller_tax_id", HC_USCC, tax_seller_id),
	HC_S("taxplat", "ca_file", HC_PATH0, tax_ca_file),
	HC_N("taxplat", "timeout_ms", tax_timeout_ms, 100, 60000),
};

/* The [bank] keys [pay] bank = gateway cannot do without. */
static const char *const bk_needed[] = {
	"mer_id", "merchant_key", "merchant_cert", "gateway_cert", "gateway_cert_id",
	"notify_url",
};

/* The [taxplat] keys a tax platform cannot do without. */
static const char *const tax_needed[] = { "url", "app_id", "secret_file", "seller_tax_id" };

/* The [wechatpay] keys [pay] wechat = wechatpay_v3 cannot do without. */
static const char *const wx_needed[] = {
	"mchid", "appid", "merchant_serial", "merchant_key", "apiv3_key", "public_key_id",
	"public_key", "notify_url",
};
#define HC_NKEYS (sizeof(hc_keys) / sizeof(hc_keys[0]))
_Static_assert(HC_NKEYS <= 96, "seen[] holds every key");

/* Check and store one fixed key. Returns false when the value was bad
 * (reported). */
static bool hc_set(struct hc_ctx *x, const struct hc_key *k, const char *v)
{
	char *field = (char *)x->c + k->off, q[INILOAD_QUOTE_SIZE];
	unsigned char addr[16];
	long long n;
	int lvl;

	switch (k->kind) {
	case HC_MODE:
		if (!strcasecmp(v, "dev"))
			x->c->mode = HUB_MODE_DEV;
		else if (!strcasecmp(v, "demo"))
			x->c->mode = HUB_MODE_DEMO;
		else if (!strcasecmp(v, "production"))
			x->c->mode = HUB_MODE_PRODUCTION;
		else
			return iniload_bad(&x->ini,
				"[hub] mode: '%s' is not dev, demo or production",
				iniload_quote(v, q, sizeof(q)));
		return true;
	case HC_ADDR:
		if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1)
			return iniload_bad(&x->ini,
				"[%s] listen: '%s' is not an IPv4 or IPv6 address", k->section,
				iniload_quote(v, q, sizeof(q)));
		break;
	case HC_INT:
		if (iniload_long(v, &n) != 0)
			return iniload_bad(&x->ini,
				"[%s] %s: '%s' is not a whole number", k->section,
				k->name, iniload_quote(v, q, sizeof(q)));
		if (n < k->min || n > k->max)
			return iniload_bad(&x->ini,
				"[%s] %s: %s is out of range %ld..%ld", k->section,
				k->name, iniload_quote(v, q, sizeof(q)), k->min, k->max);
		*(int *)(void *)field = (int)n;
		return true;
	case HC_PATH:
	case HC_PATH0:
		if (!*v && k->kind == HC_PATH)
			return iniload_bad(&x->ini,
				"[%s] %s: must not be empty", k->section, k->name);
		if (iniload_has_ctl(v, false))
			return iniload_bad(&x->ini,
				"[%s] %s: control character in value", k->section,
				k->name);
		break;
	case HC_PROVIDER:
		if (strcmp(v, "dev") != 0 && strcmp(v, "gateway") != 0)
			return iniload_bad(&x->ini,
				"[sms] provider: '%s' is not a provider this hub has "
				"(dev, gateway)", iniload_quote(v, q, sizeof(q)));
		x->provider_line = x->ini.lineno;
		break;
	case HC_PAYPROV:
		if (!strcmp(k->name, "bank") ? strcmp(v, "off") && strcmp(v, "gateway")
		    : strcmp(v, "off") && strcmp(v, "wechatpay_v3"))
			return iniload_bad(&x->ini,
				"[pay] %s: '%s' is not off or %s", k->name,
				iniload_quote(v, q, sizeof(q)), !strcmp(k->name, "bank")
				? "gateway" : "wechatpay_v3");
		break;
	case HC_URL:
		/* https only (a payment's data never goes in clear), no query
		 * or fragment (notify_url must not have one; api_url is a base). */
		if (strncmp(v, "https://", 8) || strlen(v) < 9 || strpbrk(v, "?#\"' <>\\") ||
		    iniload_has_ctl(v, false))
			return iniload_bad(&x->ini,
				"[%s] %s: '%s' is not an https:// URL without query or spaces",
				k->section, k->name, iniload_quote(v, q, sizeof(q)));
		if ((!strcmp(k->name, "api_url") || !strcmp(k->name, "gateway_url") ||
		     !strcmp(k->section, "taxplat")) && v[strlen(v) - 1] == '/')
			return iniload_bad(&x->ini,
				"[%s] %s: no '/' at the end (paths are added to it)", k->section,
				k->name);
		break;
	case HC_ID:
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789_") != strlen(v) ||
		    (!strcmp(k->name, "mchid") && strspn(v, "0123456789") != strlen(v)) ||
		    (!strcmp(k->name, "gateway_cert_id") && strspn(v, "0123456789") != strlen(v)) ||
		    (!strcmp(k->name, "mer_id") && (strlen(v) != 15 ||
						    strspn(v, "0123456789") != 15)))
			return iniload_bad(&x->ini,
				"[%s] %s: '%s' must be %s", k->section, k->name,
				iniload_quote(v, q, sizeof(q)), !strcmp(k->name, "mer_id")
				? "15 digits" : !strcmp(k->name, "mchid") ||
				!strcmp(k->name, "gateway_cert_id") ? "digits"
				: "letters, digits and '_'");
		break;
	case HC_SMS_URL:
		/* TLS only: the request carries a code and the key's signature. */
		if (strncmp(v, "https://", 8) != 0 || !v[8] || v[8] == '/' ||
		    iniload_has_ctl(v, true))
			return iniload_bad(&x->ini,
				"[sms] url: '%s' is not an https:// address (e.g. "
				"https://sms.example.cn/v1/sms/send)",
				iniload_quote(v, q, sizeof(q)));
		break;
	case HC_SMS_ID:
		if (!*v || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789_-.") != strlen(v))
			return iniload_bad(&x->ini,
				"[sms] %s: '%s' must be letters, digits, '_', '-' or '.'",
				k->name, iniload_quote(v, q, sizeof(q)));
		break;
	case HC_SIGN: {
		size_t chars;

		if (!utf8_count(v, &chars) || iniload_has_ctl(v, false) || chars < 2 ||
		    chars > HUBCFG_SMS_SIGN_MAX)
			return iniload_bad(&x->ini,
				"[sms] sign_name: 2..%d characters of UTF-8 text (the "
				"signature registered with the gateway, e.g. 数字证书服务)",
				HUBCFG_SMS_SIGN_MAX);
		break;
	}
	case HC_CODE:
		if (strlen(v) != 6 || strspn(v, "0123456789") != 6)
			return iniload_bad(&x->ini, "[sms] demo_code: '%s' must be 6 digits",
				iniload_quote(v, q, sizeof(q)));
		x->code_line = x->ini.lineno;
		break;
	case HC_LEVEL:
		lvl = log_level_from_name(v);
		if (lvl < 0)
			return iniload_bad(&x->ini,
				"[log] level: '%s' is not error, warn, info or debug",
				iniload_quote(v, q, sizeof(q)));
		x->c->log_level = (enum log_level)lvl;
		return true;
	case HC_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return iniload_bad(&x->ini,
				"[%s] %s: '%s' is not true or false", k->section,
				k->name, iniload_quote(v, q, sizeof(q)));
		*(bool *)(void *)field = v[0] == 't';
		return true;
	case HC_SELLER: {
		size_t chars;

		if (!utf8_count(v, &chars) || iniload_has_ctl(v, false) || chars < 1 ||
		    chars > HUBCFG_SELLER_MAX)
			return iniload_bad(&x->ini,
				"[invoice] %s: 1..%d characters of UTF-8 text", k->name,
				HUBCFG_SELLER_MAX);
		break;
	}
	case HC_USCC:
		/* The invoice's may be left empty; the platform's taxpayer not. */
		if ((*v || !strcmp(k->section, "taxplat")) && valid_uscc(v) != MSG_NONE)
			return iniload_bad(&x->ini,
				"[%s] %s: '%s' is not a unified social credit code (18 "
				"characters, check character last)", k->section, k->name,
				iniload_quote(v, q, sizeof(q)));
		break;
	}
	if (strlen(v) >= k->size)
		return iniload_bad(&x->ini,
			"[%s] %s: value too long (at most %zu bytes)", k->section,
			k->name, k->size - 1);
	memcpy(field, v, strlen(v) + 1);
	return true;
}

/* One [prices] line: BUSINESS.CERT_TYPE = fen. */
static void hc_price(struct hc_ctx *x, const char *name, const char *v)
{
	char biz[32], q[INILOAD_QUOTE_SIZE];
	const char *dot = strchr(name, '.');
	long long n;
	int b, t;

	if (!dot || (size_t)(dot - name) >= sizeof(biz)) {
		iniload_bad(&x->ini, "[prices] '%s': keys are BUSINESS.CERT_TYPE, "
			"e.g. new.org", iniload_quote(name, q, sizeof(q)));
		return;
	}
	memcpy(biz, name, (size_t)(dot - name));
	biz[dot - name] = '\0';
	b = ca_business_from_id(biz);
	t = ca_cert_type_from_id(dot + 1);
	if (b < 0 || t < 0) {
		iniload_bad(&x->ini, "[prices] '%s': unknown %s (business: new renew "
			"change reissue; certificate: org legal_rep personal)",
			iniload_quote(name, q, sizeof(q)),
			b < 0 ? "business type" : "certificate type");
		return;
	}
	if (x->price_seen[b][t]) {
		iniload_bad(&x->ini, "[prices] %s is set again (first on line %d)", name,
			x->price_seen[b][t]);
		return;
	}
	x->price_seen[b][t] = x->ini.lineno;
	if (iniload_long(v, &n) != 0 || n < 1 || n > HC_PRICE_MAX) {
		iniload_bad(&x->ini, "[prices] %s: '%s' must be whole fen, 1..%lld",
			name, iniload_quote(v, q, sizeof(q)), HC_PRICE_MAX);
		return;
	}
	x->c->price_fen[b][t] = n;
}

/* Index of section.name in hc_keys[], HC_NKEYS when it is not there. */
static size_t hc_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < HC_NKEYS; i++)
		if (!strcmp(hc_keys[i].section, section) && !strcmp(hc_keys[i].name, name))
			break;
	return i;
}

/* inih callback: one key. Always goes on; problems are collected. */
static int hc_handler(void *user, const char *section, const char *name, const char *value)
{
	struct hc_ctx *x = user;
	char q[INILOAD_QUOTE_SIZE];
	size_t i;

	if (!section[0]) {
		iniload_bad(&x->ini,
			"key '%s' is outside any [section]", iniload_quote(name, q, sizeof(q)));
		return 1;
	}
	if (!strcmp(section, "prices")) {
		hc_price(x, name, value);
		return 1;
	}
	if (strcmp(section, "hub") && strcmp(section, "sms") && strcmp(section, "log") &&
	    strcmp(section, "invoice") && strcmp(section, "limits") &&
	    strcmp(section, "sessions") && strcmp(section, "console") &&
	    strcmp(section, "pay") && strcmp(section, "wechatpay") && strcmp(section, "bank") &&
	    strcmp(section, "taxplat")) {
		if (strcmp(x->unknown_sect, section) != 0) {
			snprintf(x->unknown_sect, sizeof(x->unknown_sect), "%s", section);
			iniload_bad(&x->ini,
				"unknown section [%s]", iniload_quote(section, q, sizeof(q)));
		}
		return 1;
	}
	i = hc_find(section, name);
	if (i == HC_NKEYS) {
		iniload_bad(&x->ini,
			"unknown key '%s' in [%s]", iniload_quote(name, q, sizeof(q)), section);
		return 1;
	}
	if (x->seen[i]) {
		iniload_bad(&x->ini, "[%s] %s is set again (first on line %d)", section, name,
			x->seen[i]);
		return 1;
	}
	x->seen[i] = x->ini.lineno;
	x->bad[i] = !hc_set(x, &hc_keys[i], value);
	return 1;
}

/* Whether section.name was set to a bad value (already reported). */
static bool hc_was_bad(const struct hc_ctx *x, const char *section, const char *name)
{
	size_t i = hc_find(section, name);

	assert(i < HC_NKEYS);
	return x->bad[i];
}

/* A payment method's provider, as [pay] names it and its section
 * configures it. */
struct hc_payprov {
	const char *method;        /* the [pay] key: "wechat", "bank" */
	const char *provider;      /* its real provider's value */
	const char *section;       /* the provider's section */
	const char *method_name;   /* how the message names the method */
	const char *const *needed; /* the section's keys it cannot do without */
	size_t nneeded;
	const char *notify_path;   /* where this hub takes its notifications */
	const char *notify_what;   /* whose notifications, for the message */
};

/* [pay] METHOD and its provider's section together: the real provider has
 * every key it needs, its notify_url ends at the hub's notification path,
 * and a production hub takes the method. */
static void hc_finish_payprov(struct hc_ctx *x, const struct hc_payprov *p, const char *value,
			      const char *notify_url)
{
	const char *path;
	size_t i;

	if (hc_was_bad(x, "pay", p->method))
		return;
	if (strcmp(value, p->provider)) {
		if (x->c->mode == HUB_MODE_PRODUCTION && !hc_was_bad(x, "hub", "mode"))
			iniload_err(&x->ini, x->seen[hc_find("pay", p->method)],
				    "[pay] %s = off%s: a production hub takes %s, set %s = %s and "
				    "its [%s] keys", p->method,
				    x->seen[hc_find("pay", p->method)] ? "" : " (by default)",
				    p->method_name, p->method, p->provider, p->section);
		return;
	}
	for (i = 0; i < p->nneeded; i++)
		if (!x->seen[hc_find(p->section, p->needed[i])])
			iniload_err(&x->ini, 0, "[%s] %s is needed with [pay] %s = %s", p->section,
				    p->needed[i], p->method, p->provider);
	path = strchr(notify_url + 8, '/');
	if (notify_url[0] && !hc_was_bad(x, p->section, "notify_url") &&
	    (!path || strcmp(path, p->notify_path)))
		iniload_err(&x->ini, x->seen[hc_find(p->section, "notify_url")],
			    "[%s] notify_url: its path must be %s (where this hub takes %s)",
			    p->section, p->notify_path, p->notify_what);
}

/* [pay] wechat with [wechatpay], [pay] bank with [bank]. */
static void hc_finish_pay(struct hc_ctx *x)
{
	static const struct hc_payprov wx = {
		"wechat", "wechatpay_v3", "wechatpay", "微信支付", wx_needed,
		sizeof(wx_needed) / sizeof(wx_needed[0]), WXPAY_NOTIFY_PATH, "notifications",
	};
	static const struct hc_payprov bk = {
		"bank", "gateway", "bank", "个人网银", bk_needed,
		sizeof(bk_needed) / sizeof(bk_needed[0]), BANKPAY_NOTIFY_PATH,
		"the gateway's notifications",
	};

	hc_finish_payprov(x, &wx, x->c->pay_wechat, x->c->wx_notify_url);
	hc_finish_payprov(x, &bk, x->c->pay_bank, x->c->bk_notify_url);
}

/* [sms]: a production hub delivers its codes (never the dev provider), and
 * the gateway has every key it needs. Told at the provider's line (0 when
 * it was left at its default). */
static void hc_finish_sms(struct hc_ctx *x)
{
	static const char *const need[] = { "url", "access_key_id", "secret_file",
					    "sign_name", "template_id" };
	struct hubcfg *c = x->c;
	size_t i;

	if (hc_was_bad(x, "sms", "provider"))
		return;
	if (!strcmp(c->sms_provider, "dev")) {
		if (c->mode == HUB_MODE_PRODUCTION && !hc_was_bad(x, "hub", "mode"))
			iniload_err(&x->ini, x->provider_line, "[sms] provider%s is dev, which "
				    "delivers no SMS: not allowed with [hub] mode = production "
				    "(set provider = gateway and its keys, docs/hub.md)",
				    x->provider_line ? "" : " (by default)");
		return;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!x->seen[hc_find("sms", need[i])])
			iniload_err(&x->ini, x->provider_line, "[sms] provider = gateway needs "
				    "%s", need[i]);
}

/* [taxplat]: a platform once any of its keys is given, then with every key
 * it needs (a production hub must have one); the seller it issues as is the
 * invoice's seller when both are set. */
static void hc_finish_tax(struct hc_ctx *x)
{
	struct hubcfg *c = x->c;
	bool any = false;
	size_t i;

	for (i = 0; i < HC_NKEYS; i++)
		if (!strcmp(hc_keys[i].section, "taxplat") && x->seen[i])
			any = true;
	if (!any) {
		if (c->mode == HUB_MODE_PRODUCTION && !hc_was_bad(x, "hub", "mode"))
			iniload_err(&x->ini, 0, "[taxplat] is needed: a production hub issues its "
				    "e-invoices through the tax platform (url, app_id, "
				    "secret_file, seller_tax_id)");
		return;
	}
	for (i = 0; i < sizeof(tax_needed) / sizeof(tax_needed[0]); i++)
		if (!x->seen[hc_find("taxplat", tax_needed[i])])
			iniload_err(&x->ini, 0, "[taxplat] %s is needed with a tax platform "
				    "(any [taxplat] key given)", tax_needed[i]);
	if (c->seller_uscc[0] && c->tax_seller_id[0] && strcmp(c->seller_uscc, c->tax_seller_id) &&
	    !hc_was_bad(x, "invoice", "seller_uscc") && !hc_was_bad(x, "taxplat", "seller_tax_id"))
		iniload_err(&x->ini, x->seen[hc_find("taxplat", "seller_tax_id")],
			    "[taxplat] seller_tax_id %s is not [invoice] seller_uscc %s: the "
			    "platform issues as the taxpayer the invoices name", c->tax_seller_id,
			    c->seller_uscc);
}

/* Checks that span keys; a key reported as bad is not blamed again. */
static void hc_finish(struct hc_ctx *x)
{
	struct hubcfg *c = x->c;
	int b, t;

	/* The VAT rates an invoice may carry (and the 0 of an exempt seller). */
	{
		size_t chars = 0;

		/* 开票人 on a 数电票 is a person's name or a short title. */
		if (utf8_count(c->invoice_issuer, &chars) && chars > HUBCFG_ISSUER_MAX &&
		    !hc_was_bad(x, "invoice", "issuer"))
			iniload_err(&x->ini, x->seen[hc_find("invoice", "issuer")],
				    "[invoice] issuer: %zu characters, at most %d", chars,
				    HUBCFG_ISSUER_MAX);
	}
	if (c->invoice_rate_pct != 0 && c->invoice_rate_pct != 1 && c->invoice_rate_pct != 3 &&
	    c->invoice_rate_pct != 5 && c->invoice_rate_pct != 6 && c->invoice_rate_pct != 9 &&
	    c->invoice_rate_pct != 13 && !hc_was_bad(x, "invoice", "tax_rate"))
		iniload_err(&x->ini, x->seen[hc_find("invoice", "tax_rate")],
			    "[invoice] tax_rate: %d is not a VAT rate (0, 1, 3, 5, 6, 9 or 13)",
			    c->invoice_rate_pct);
	for (b = 0; b < CA_BIZ__N; b++)
		for (t = 0; t < CA_CERT__N; t++)
			if (!x->price_seen[b][t])
				iniload_err(&x->ini, 0, "[prices] %s.%s is missing (every business "
					    "and certificate type needs a price per key, in fen)",
					    ca_business_id((enum ca_business)b),
					    ca_cert_type_id((enum ca_cert_type)t));
	if (c->demo_code[0] && c->mode != HUB_MODE_DEMO && !hc_was_bad(x, "hub", "mode"))
		iniload_err(&x->ini, x->code_line, "[sms] demo_code is only allowed with [hub] "
			    "mode = demo (mode is %s)", hubcfg_mode_name(c->mode));
	hc_finish_sms(x);
	if ((!c->cert[0]) != (!c->key[0]) && !hc_was_bad(x, "hub", "cert") &&
	    !hc_was_bad(x, "hub", "key"))
		iniload_err(&x->ini, 0, "[hub] cert and key go together: give both or neither");
	if ((!c->console_cert[0]) != (!c->console_key[0]) && !hc_was_bad(x, "console", "cert") &&
	    !hc_was_bad(x, "console", "key"))
		iniload_err(&x->ini, 0, "[console] cert and key go together: give both or neither "
			    "(neither: the hub's own)");
	if (c->console_port && c->console_port == c->port && !strcmp(c->console_listen, c->listen)
	    && !hc_was_bad(x, "console", "port"))
		iniload_err(&x->ini, 0, "[console] port %d is the port the kiosks use: the console "
			    "needs a listener of its own", c->port);
	hc_finish_pay(x);
	hc_finish_tax(x);
}

void hubcfg_defaults(struct hubcfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = HUB_MODE_DEV;
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8443;
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", PATHS_HUB_STATE);
	c->max_connections = 20000;
	c->per_address_connections = 64;
	c->connection_timeout_s = 60;
	c->request_timeout_s = 20;
	c->threads = 0;
	c->sms_max_sends = SMS_MAX_SENDS;
	c->device_sms_max = HUBCFG_DEVICE_SMS_PER_HOUR;
	c->device_login_max = HUBCFG_DEVICE_LOGINS_PER_HOUR;
	c->binding_days = 30;
	snprintf(c->sms_provider, sizeof(c->sms_provider), "dev");
	c->sms_timeout_ms = HUBCFG_SMS_TIMEOUT_MS;
	c->invoice_ttl_s = 7 * 24 * 3600;
	c->invoice_max_attempts = 5;
	c->invoice_on_payment = false;
	/* Shown as the seller until an operator sets [invoice] seller_name. */
	snprintf(c->seller_name, sizeof(c->seller_name), "数字证书自助服务中心");
	snprintf(c->invoice_font, sizeof(c->invoice_font), "%s", HUBCFG_INVOICE_FONT);
	/* 信息技术服务 at 6 %: the rate of a general VAT payer for the service. */
	c->invoice_rate_pct = 6;
	snprintf(c->invoice_item, sizeof(c->invoice_item), "*信息技术服务*CA数字证书服务费");
	snprintf(c->invoice_issuer, sizeof(c->invoice_issuer), "自助服务中心");
	c->log_level = LOG_INFO;
	snprintf(c->console_listen, sizeof(c->console_listen), "127.0.0.1");
	c->console_port = 8444;
	c->console_idle_min = 30;
	c->console_session_h = 12;
	c->staff_token_days = 30;
	c->login_fail_account = 5;
	c->login_fail_address = 30;
	c->login_fail_window_min = 15;
	snprintf(c->pay_wechat, sizeof(c->pay_wechat), "off");
	snprintf(c->wx_api_url, sizeof(c->wx_api_url), "https://api.mch.weixin.qq.com");
	c->wx_timeout_ms = 10000;
	snprintf(c->pay_bank, sizeof(c->pay_bank), "off");
	snprintf(c->bk_gateway_url, sizeof(c->bk_gateway_url), "https://gateway.95516.com");
	c->bk_timeout_ms = 10000;
	c->tax_timeout_ms = HUBCFG_TAX_TIMEOUT_MS;
}

ca_err hubcfg_load(struct hubcfg *c, const char *path, char *err, size_t errlen)
{
	struct hc_ctx *x;
	ca_err ret;

	assert(c && path);
	hubcfg_defaults(c);
	if (err && errlen)
		err[0] = '\0';
	x = calloc(1, sizeof(*x));
	if (!x)
		return CA_ERR_NOMEM;
	x->c = c;
	/* No section list: an unknown section is reported at its first key. */
	ret = iniload_parse(&x->ini, path, NULL, HC_LINE_MAX, err, errlen, hc_handler, x);
	if (ret == CA_OK) {
		hc_finish(x);
		ret = iniload_result(&x->ini);
	}
	free(x);
	return ret;
}

int64_t hubcfg_price(const struct hubcfg *c, const struct ca_app *app)
{
	if ((unsigned)app->business >= CA_BIZ__N || (unsigned)app->cert_type >= CA_CERT__N ||
	    app->sub_keys < 0 || app->sub_keys > CA_SUB_KEYS_MAX)
		return 0;
	return c->price_fen[app->business][app->cert_type] * (1 + app->sub_keys);
}

const char *hubcfg_mode_name(enum hub_mode m)
{
	switch (m) {
	case HUB_MODE_DEMO:
		return "demo";
	case HUB_MODE_PRODUCTION:
		return "production";
	default:
		return "dev";
	}
}
