/*
 * test_hubcfg.c - the hub's configuration: the demo SMS code is refused
 * outside demo mode (a production hub can never accept a fixed code), every
 * price must be given, problems are reported at file:line, and prices are
 * integer fen per key; the [invoice] keys have their defaults (7-day
 * tokens, 5 attempts, no issue on payment) and are checked (range, true or
 * false, a real USCC, a seller name of 1..60 characters); the [limits]
 * keys (each kiosk's hourly budgets) have their defaults and are checked;
 * [sessions] binding_days is 30 by default, 1..3650; [sms]: production
 * refuses the dev provider (set or by default), the gateway needs its five
 * keys and each gateway key is checked at its line; [taxplat]: none by
 * default, any key given needs the four a platform cannot do without,
 * each key checked at its line and both ends of timeout_ms taken, the
 * seller the platform knows is the invoice's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8.h"
#include "hub/hubcfg.h"
#include "../fixture.h"
#include "../support/tmpdir.h"

static const char prices[] =
	"[prices]\n"
	"new.org = 30000\nnew.legal_rep = 30000\nnew.personal = 20000\n"
	"renew.org = 20000\nrenew.legal_rep = 20000\nrenew.personal = 15000\n"
	"change.org = 10000\nchange.legal_rep = 10000\nchange.personal = 10000\n"
	"reissue.org = 25000\nreissue.legal_rep = 25000\nreissue.personal = 20000\n";

/* A complete [pay] wechat and [wechatpay]. */
#define WX_OK_TEXT \
	"[pay]\nwechat = wechatpay_v3\n" \
	"[wechatpay]\nmchid = 1900000109\nappid = wxd678efh567hg6787\n" \
	"merchant_serial = 5157F09EFDC096DE15EBE81A47057A7232F1B8E1\n" \
	"merchant_key = /etc/ca-hub/wechatpay/apiclient_key.pem\n" \
	"apiv3_key = /etc/ca-hub/wechatpay/apiv3.key\n" \
	"public_key_id = PUB_KEY_ID_0119000001092026120400000000000001\n" \
	"public_key = /etc/ca-hub/wechatpay/pub_key.pem\n" \
	"notify_url = https://hub.example.cn/v1/pay/notify/wechatpay\n"

/* A complete [pay] bank and [bank]. */
#define BK_OK_TEXT \
	"[pay]\nbank = gateway\n" \
	"[bank]\ngateway_url = https://gateway.95516.com\nmer_id = 777290058110048\n" \
	"merchant_key = /etc/ca-hub/bank/acp_key.pem\n" \
	"merchant_cert = /etc/ca-hub/bank/acp_cert.pem\n" \
	"gateway_cert = /etc/ca-hub/bank/acp_verify.pem\ngateway_cert_id = 69042905377\n" \
	"notify_url = https://hub.example.cn/v1/pay/notify/bank\n"
static const char wx_ok[] = WX_OK_TEXT;
static const char bk_ok[] = BK_OK_TEXT;
/* What a production hub needs: both real providers. */
/* A complete [taxplat]. */
#define TAX_OK "[taxplat]\nurl = https://tax.example.cn/openapi\napp_id = tax_app_01\n" \
	"secret_file = /etc/ca-hub/taxplat.secret\nseller_tax_id = 91320582MA1MABCDEU\n"

static const char prod_ok[] = WX_OK_TEXT BK_OK_TEXT TAX_OK;
/* A gateway's [sms] section, complete. */
#define SMS_GW "[sms]\nprovider = gateway\nurl = https://sms.example.cn/v1/sms/send\n" \
	"access_key_id = LTAI-hub_01\nsecret_file = /etc/ca-hub/sms.secret\n" \
	"sign_name = 数字证书服务\ntemplate_id = SMS_100001\n"

/* Write text to a fresh temp file; path into buf. */
static void write_cfg(char *buf, size_t n, const char *text)
{
	assert_int_equal(tmpdir_file(buf, n, "hubcfg", text, strlen(text)), 0);
}

static ca_err load(const char *text, struct hubcfg *c, char *err, size_t errlen)
{
	char path[256];
	ca_err e;

	write_cfg(path, sizeof(path), text);
	e = hubcfg_load(c, path, err, errlen);
	unlink(path);
	return e;
}

/* Load head, the prices, then tail (either may be ""). */
static ca_err load_around(const char *head, const char *tail, struct hubcfg *c, char *err,
			  size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s%s", head, prices, tail);
	return load(text, c, err, errlen);
}

/* Fail unless err holds every text of the NULL-terminated want. */
static void assert_err_has(const char *err, const char *const *want)
{
	for (; *want; want++)
		if (!strstr(err, *want))
			fail_msg("no \"%s\" in:\n%s", *want, err);
}

static void test_demo_code_refused_outside_demo_mode(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("[hub]\nmode = production\n[sms]\ndemo_code = 123456\n", "",
				     &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":4: [sms] demo_code is only allowed with [hub] mode = demo"));
	assert_int_equal(load_around("[hub]\nmode = dev\n[sms]\ndemo_code = 123456\n", "", &c,
				     err, sizeof(err)), CA_ERR_CONFIG);
	assert_int_equal(load_around("[hub]\nmode = demo\n[sms]\ndemo_code = 123456\n", "", &c,
				     err, sizeof(err)), CA_OK);
	assert_string_equal(c.demo_code, "123456");
	assert_int_equal(c.mode, HUB_MODE_DEMO);
}

static void test_every_price_required_and_bad_lines_reported(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load("[hub]\nmode = production\ncolour = blue\n[prices]\nnew.org = 12.5\n",
			      &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":3:"));            /* unknown key, with its line */
	assert_non_null(strstr(err, ":5:"));            /* non-integer price */
	assert_non_null(strstr(err, "reissue.personal is missing"));
}

static void test_price_is_integer_fen_per_key(void **ctx)
{
	char err[4096];
	struct hubcfg c;
	struct ca_app a;

	(void)ctx;
	assert_int_equal(load_around("[hub]\nmode = production\n" SMS_GW, prod_ok, &c, err,
				     sizeof(err)),
			 CA_OK);
	fixture_app(&a);
	a.business = CA_BIZ_RENEW;
	a.cert_type = CA_CERT_PERSONAL;
	a.sub_keys = 2;
	assert_int_equal(hubcfg_price(&c, &a), 15000 * 3);
	a.business = CA_BIZ_NEW;
	a.cert_type = CA_CERT_ORG;
	a.sub_keys = 0;
	assert_int_equal(hubcfg_price(&c, &a), 30000);
}

/* What the bad [invoice] section below is told, line by line. */
static const char *const invoice_errors[] = {
	":15: [invoice] token_ttl_s: 10 is out of range",
	":16: [invoice] max_attempts",
	":17: [invoice] issue_on_payment: 'yes' is not true or false",
	":18: [invoice] seller_uscc",
	":19: [invoice] seller_name",
	":20: [invoice] font: must not be empty",
	NULL,
};

static void assert_one_err(const char *text, int line, const char *needle);

static void test_invoice_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("[hub]\nmode = dev\n", "", &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.invoice_ttl_s, 7 * 24 * 3600);
	assert_int_equal(c.invoice_max_attempts, 5);
	assert_false(c.invoice_on_payment);
	assert_string_equal(c.seller_uscc, "");
	assert_true(c.seller_name[0] != '\0');
	assert_string_equal(c.invoice_font, HUBCFG_INVOICE_FONT);

	assert_int_equal(load_around("", "[invoice]\ntoken_ttl_s = 3600\nmax_attempts = 3\n"
				     "issue_on_payment = true\nseller_name = 苏州数字认证服务有限公司\n"
				     "seller_uscc = 91320582MA1MABCDEU\n", &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.invoice_ttl_s, 3600);
	assert_int_equal(c.invoice_max_attempts, 3);
	assert_true(c.invoice_on_payment);
	assert_string_equal(c.seller_name, "苏州数字认证服务有限公司");
	assert_string_equal(c.seller_uscc, "91320582MA1MABCDEU");

	assert_int_equal(load_around("", "[invoice]\ntoken_ttl_s = 10\nmax_attempts = 0\n"
				     "issue_on_payment = yes\nseller_uscc = 91320582MA1MABCDEX\n"
				     "seller_name =\nfont =\n", &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_err_has(err, invoice_errors);
	/* What the tax platform is asked to print: the rate, the item, the
	 * issuer. The rate is a VAT rate (both ends of the range, and 7 in it
	 * but no rate); the texts 1..60 characters. */
	assert_int_equal(c.invoice_rate_pct, 6);
	assert_string_equal(c.invoice_item, "*信息技术服务*CA数字证书服务费");
	assert_string_equal(c.invoice_issuer, "自助服务中心");
	assert_int_equal(load_around("", "[invoice]\ntax_rate = 13\nitem = *现代服务*证书服务\n"
				     "issuer = 王丽\n", &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.invoice_rate_pct, 13);
	assert_string_equal(c.invoice_item, "*现代服务*证书服务");
	assert_string_equal(c.invoice_issuer, "王丽");
	assert_int_equal(load_around("", "[invoice]\ntax_rate = 0\n", &c, err, sizeof(err)),
			 CA_OK);
	assert_one_err("[invoice]\ntax_rate = 14\n", 15, "[invoice] tax_rate: 14 is out of range "
		       "0..13");
	assert_one_err("[invoice]\ntax_rate = 7\n", 15, "[invoice] tax_rate: 7 is not a VAT rate");
	assert_one_err("[invoice]\nitem =\n", 15, "[invoice] item: 1..60 characters");
	assert_one_err("[invoice]\nissuer =\n", 15, "[invoice] issuer: 1..60 characters");
	assert_int_equal(load_around("", "[invoice]\nissuer = 一二三四五六七八九十一二三四五六七八九十\n",
				     &c, err, sizeof(err)), CA_OK);
	assert_one_err("[invoice]\nissuer = 一二三四五六七八九十一二三四五六七八九十一\n", 15,
		       "[invoice] issuer: 21 characters, at most 20");
}

/* What the bad [console] section below is told, line by line. */
static const char *const console_errors[] = {
	":15: [console] listen: 'everywhere' is not an IPv4 or IPv6 address",
	":16: [console] port: 70000 is out of range 0..65535",
	":17: [console] idle_minutes: 4 is out of range 5..240",
	":18: [console] session_hours: 25 is out of range 1..24",
	":19: [console] token_days: 0 is out of range 1..365",
	":20: [console] account_failures: 2 is out of range 3..100",
	":21: [console] address_failures: 10001 is out of range 5..10000",
	":22: [console] failure_window_minutes: 1441 is out of range 1..1440",
	"[console] cert and key go together",
	NULL,
};

/* The staff console's keys (docs/console.md): defaults, both ends of each
 * range, every bad value at its line, a certificate without its key, and
 * never the kiosks' port on the kiosks' address. */
static void test_console_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("", "", &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.console_listen, "127.0.0.1");
	assert_int_equal(c.console_port, 8444);
	assert_string_equal(c.console_cert, "");
	assert_int_equal(c.console_idle_min, 30);
	assert_int_equal(c.console_session_h, 12);
	assert_int_equal(c.staff_token_days, 30);
	assert_int_equal(c.login_fail_account, 5);
	assert_int_equal(c.login_fail_address, 30);
	assert_int_equal(c.login_fail_window_min, 15);
	/* The low ends, then the high ends, are allowed. */
	assert_int_equal(load_around("", "[console]\nlisten = ::1\nport = 0\nidle_minutes = 5\n"
				     "session_hours = 1\ntoken_days = 1\naccount_failures = 3\n"
				     "address_failures = 5\nfailure_window_minutes = 1\n", &c, err,
				     sizeof(err)), CA_OK);
	assert_string_equal(c.console_listen, "::1");
	assert_int_equal(c.console_idle_min, 5);
	assert_int_equal(c.login_fail_address, 5);
	assert_int_equal(load_around("", "[console]\nport = 65535\nidle_minutes = 240\n"
				     "session_hours = 24\ntoken_days = 365\naccount_failures = 100\n"
				     "address_failures = 10000\nfailure_window_minutes = 1440\n"
				     "cert = /etc/ca-hub/console.pem\nkey = /etc/ca-hub/console.key\n",
				     &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.staff_token_days, 365);
	assert_int_equal(c.login_fail_window_min, 1440);
	assert_string_equal(c.console_key, "/etc/ca-hub/console.key");
	/* One past each end, every one reported at its line. */
	assert_int_equal(load_around("", "[console]\nlisten = everywhere\nport = 70000\n"
				     "idle_minutes = 4\nsession_hours = 25\ntoken_days = 0\n"
				     "account_failures = 2\naddress_failures = 10001\n"
				     "failure_window_minutes = 1441\ncert = /etc/ca-hub/console.pem\n",
				     &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_err_has(err, console_errors);
	/* Not the kiosks' listener; another address or port is fine. */
	assert_int_equal(load_around("[hub]\nport = 9000\n", "[console]\nport = 9000\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[console] port 9000 is the port the kiosks use"));
	assert_int_equal(load_around("[hub]\nport = 9000\n", "[console]\nport = 9000\n"
				     "listen = 127.0.0.2\n", &c, err, sizeof(err)), CA_OK);
}

/* What the bad [wechatpay] section below is told, line by line. */
static const char *const wx_errors[] = {
	":17: [wechatpay] api_url: 'http://127.0.0.1:9' is not an https:// URL",
	":18: [wechatpay] mchid: '19000x' must be digits",
	":19: [wechatpay] appid: 'wx-1' must be letters, digits and '_'",
	":20: [wechatpay] notify_url: 'https://hub.example.cn/v1/pay/notify/wec...' is not",
	":21: [wechatpay] timeout_ms: 999 is out of range 1000..60000",
	":22: unknown key 'secret' in [wechatpay]",
	"[wechatpay] merchant_key is needed with [pay] wechat = wechatpay_v3",
	"[wechatpay] public_key is needed with [pay] wechat = wechatpay_v3",
	NULL,
};

/* [pay] wechat is off by default, which production refuses;
 * wechatpay_v3 needs its keys, each checked at its line; the notify_url
 * must reach this hub's notification path. */
static void test_pay_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("", "", &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.pay_wechat, "off");
	assert_string_equal(c.wx_api_url, "https://api.mch.weixin.qq.com");
	assert_int_equal(c.wx_timeout_ms, 10000);
	assert_int_equal(load_around("[hub]\nmode = production\n", "", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[pay] wechat = off (by default): a production hub takes "
			       "微信支付"));
	assert_int_equal(load_around("[hub]\nmode = production\n", "[pay]\nwechat = off\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":17: [pay] wechat = off: a production hub"));
	assert_int_equal(load_around("", wx_ok, &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.pay_wechat, "wechatpay_v3");
	assert_string_equal(c.wx_mchid, "1900000109");
	assert_string_equal(c.wx_public_key_id, "PUB_KEY_ID_0119000001092026120400000000000001");
	assert_int_equal(load_around("", "[pay]\nwechat = alipay\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":15: [pay] wechat: 'alipay' is not off or wechatpay_v3"));
	assert_int_equal(load_around("", "[pay]\nwechat = wechatpay_v3\n[wechatpay]\n"
				     "api_url = http://127.0.0.1:9\nmchid = 19000x\nappid = wx-1\n"
				     "notify_url = https://hub.example.cn/v1/pay/notify/wechatpay?x=1\n"
				     "timeout_ms = 999\nsecret = x\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_err_has(err, wx_errors);
	/* Both ends of timeout_ms; an api_url ending in '/'; a notify_url
	 * elsewhere than the hub's notification path. */
	assert_int_equal(load_around("", "[pay]\nwechat = wechatpay_v3\n[wechatpay]\n"
				     "timeout_ms = 60000\n", &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_null(strstr(err, "timeout_ms"));
	assert_int_equal(load_around("", "[wechatpay]\napi_url = https://api.mch.weixin.qq.com/\n"
				     "timeout_ms = 1000\n", &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":15: [wechatpay] api_url: no '/' at the end"));
	assert_null(strstr(err, "timeout_ms"));
	{
		char text[2048];

		snprintf(text, sizeof(text), "%s", wx_ok);
		memcpy(strstr(text, "/v1/pay/notify/wechatpay"), "/v1/pay/notify/wxpay/...", 24);
		assert_int_equal(load_around("", text, &c, err, sizeof(err)), CA_ERR_CONFIG);
		assert_non_null(strstr(err, ":24: [wechatpay] notify_url: its path must be "
				       "/v1/pay/notify/wechatpay"));
	}
}

/* What the bad [bank] section below is told, line by line. */
static const char *const bk_errors[] = {
	":15: [pay] bank: 'unionpay' is not off or gateway",
	":17: [bank] gateway_url: 'http://127.0.0.1:9' is not an https:// URL",
	":18: [bank] mer_id: '77729005811004' must be 15 digits",
	":19: [bank] gateway_cert_id: '0x1F' must be digits",
	":21: [bank] timeout_ms: 60001 is out of range 1000..60000",
	":22: [bank] merchant_key: must not be empty",
	":23: unknown key 'cert_id' in [bank]",
	NULL,
};

/* [pay] bank is off by default, which production refuses; the
 * gateway needs its keys, each checked at its line; the notify_url must
 * reach this hub's notification path; a production hub needs both real
 * providers. */
static void test_bank_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("", "", &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.pay_bank, "off");
	assert_string_equal(c.bk_gateway_url, "https://gateway.95516.com");
	assert_int_equal(c.bk_timeout_ms, 10000);
	assert_int_equal(load_around("", bk_ok, &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.pay_bank, "gateway");
	assert_string_equal(c.bk_mer_id, "777290058110048");
	assert_string_equal(c.bk_gateway_cert_id, "69042905377");
	assert_string_equal(c.bk_notify_url, "https://hub.example.cn/v1/pay/notify/bank");
	/* Production: WeChat Pay alone is not enough. */
	assert_int_equal(load_around("[hub]\nmode = production\n", wx_ok, &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[pay] bank = off (by default): a production hub takes "
			       "个人网银"));
	assert_int_equal(load_around("[hub]\nmode = production\n" SMS_GW, prod_ok, &c, err,
				     sizeof(err)), CA_OK);
	assert_int_equal(load_around("", "[pay]\nbank = unionpay\n[bank]\n"
				     "gateway_url = http://127.0.0.1:9\nmer_id = 77729005811004\n"
				     "gateway_cert_id = 0x1F\n"
				     "notify_url = https://hub.example.cn/v1/pay/notify/wechatpay\n"
				     "timeout_ms = 60001\nmerchant_key = \ncert_id = 1\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
	assert_err_has(err, bk_errors);
	/* The gateway without its keys: each named; timeout_ms at both ends;
	 * a gateway_url ending in '/'. */
	assert_int_equal(load_around("", "[pay]\nbank = gateway\n[bank]\ntimeout_ms = 1000\n",
				     &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[bank] mer_id is needed with [pay] bank = gateway"));
	assert_non_null(strstr(err, "[bank] gateway_cert_id is needed"));
	assert_non_null(strstr(err, "[bank] notify_url is needed"));
	assert_null(strstr(err, "timeout_ms"));
	assert_int_equal(load_around("", "[bank]\ngateway_url = https://gateway.95516.com/\n"
				     "timeout_ms = 60000\n", &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":15: [bank] gateway_url: no '/' at the end"));
	assert_null(strstr(err, "timeout_ms"));
	{
		char text[2048];

		snprintf(text, sizeof(text), "%s", bk_ok);
		memcpy(strstr(text, "/v1/pay/notify/bank"), "/v1/pay/notify/wxpa", 19);
		assert_int_equal(load_around("", text, &c, err, sizeof(err)), CA_ERR_CONFIG);
		assert_non_null(strstr(err, ":23: [bank] notify_url: its path must be "
				       "/v1/pay/notify/bank"));
	}
}

/* What the bad [limits] section below is told, line by line. */
static const char *const limits_errors[] = {
	":15: [limits] device_sms_per_hour: 0 is out of range",
	":16: [limits] device_logins_per_hour: 'many' is not a whole",
	":17: unknown key 'per_address' in [limits]",
	NULL,
};

static void test_limits_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("[hub]\nmode = production\n" SMS_GW, prod_ok, &c, err,
				     sizeof(err)),
			 CA_OK);
	assert_int_equal(c.device_sms_max, HUBCFG_DEVICE_SMS_PER_HOUR);
	assert_int_equal(c.device_login_max, HUBCFG_DEVICE_LOGINS_PER_HOUR);
	assert_int_equal(c.sms_max_sends, 5);

	assert_int_equal(load_around("", "[limits]\ndevice_sms_per_hour = 7\n"
				     "device_logins_per_hour = 9\n", &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.device_sms_max, 7);
	assert_int_equal(c.device_login_max, 9);

	assert_int_equal(load_around("", "[limits]\ndevice_sms_per_hour = 0\n"
				     "device_logins_per_hour = many\nper_address = 3\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
	assert_err_has(err, limits_errors);
}

static void test_binding_days_default_and_range(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("[hub]\nmode = dev\n", "", &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.binding_days, 30);
	assert_int_equal(load_around("", "[sessions]\nbinding_days = 7\n", &c, err, sizeof(err)),
			 CA_OK);
	assert_int_equal(c.binding_days, 7);
	assert_int_equal(load_around("", "[sessions]\nbinding_days = 0\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":15: [sessions] binding_days: 0 is out of range"));
	assert_int_equal(load_around("", "[sessions]\nbinding_days = 3651\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
}

static void test_bad_value_quoted_by_whole_characters(void **ctx)
{
	char text[4096], err[4096], want[256];
	struct hubcfg c;
	size_t chars, i;

	(void)ctx;
	/* 41 characters of 3 bytes: the old 40-byte cut split the 14th. */
	snprintf(text, sizeof(text), "%s[log]\nlevel = ", prices);
	for (i = 0; i < 41; i++)
		strcat(text, "信");
	strcat(text, "\n");
	assert_int_equal(load(text, &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_true(utf8_count(err, &chars));
	want[0] = '\0';
	strcat(want, "[log] level: '");
	for (i = 0; i < 40; i++)
		strcat(want, "信");
	strcat(want, "...' is not error");
	assert_non_null(strstr(err, want));

	/* A byte that is not UTF-8 ends the quote. */
	assert_int_equal(load_around("", "[log]\nlevel = ab\xff\xfe\x1b[2Jcd\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
	assert_true(utf8_count(err, &chars));
	assert_non_null(strstr(err, "[log] level: 'ab...' is not error"));
	/* Control characters become '?'. */
	assert_int_equal(load_around("", "[log]\nlevel = a\x1b[2Jb\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[log] level: 'a?[2Jb' is not error"));
}

/* Load prices plus text; expect exactly one message, naming the file and
 * line (0: the file only). */
static void assert_one_err(const char *text, int line, const char *needle)
{
	char full[4096], err[4096], want[32];
	const char *p;
	struct hubcfg c;
	int lines = 1;

	snprintf(full, sizeof(full), "%s%s", prices, text);
	assert_int_equal(load(full, &c, err, sizeof(err)), CA_ERR_CONFIG);
	for (p = err; *p; p++)
		lines += *p == '\n';
	if (lines != 1)
		fail_msg("one bad line, %d messages:\n%s", lines, err);
	snprintf(want, sizeof(want), line ? ":%d: " : ": ", line);
	if (!strstr(err, "hubcfg-") || !strstr(err, want) || !strstr(err, needle))
		fail_msg("want \"%s...%s\", got:\n%s", want, needle, err);
}

static void test_each_bad_line_reported_once(void **ctx)
{
	char text[2048];

	(void)ctx;
	/* A bad value is not blamed again by the checks across keys (the
	 * prices take lines 1-13). */
	assert_one_err("[hub]\nmode = demox\n[sms]\ndemo_code = 123456\n", 15,
		       "[hub] mode: 'demox'");
	assert_one_err("[hub]\ncert = /c\x01\nkey = /k\n", 15, "cert: control character");
	assert_one_err("[hub]\ncert = /c\nkey = /k\x01\n", 16, "key: control character");
	/* Lines inih would refuse: each at its own line, in order, once. */
	assert_one_err("[hub]\njust words\nport = 1\n", 15, "expected 'key = value'");
	assert_one_err("[hub]\nport = 1\n[sms\n", 16, "without ']'");
	memset(text, 'x', sizeof(text));
	memcpy(text, "[hub]\nlisten = ", 15);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	assert_one_err(text, 15, "line too long");
	/* Two malformed lines: both told (inih alone told the first only). */
	{
		char err[4096];
		struct hubcfg c;

		snprintf(text, sizeof(text), "%s[hub]\nwords\nmore words\n", prices);
		assert_int_equal(load(text, &c, err, sizeof(err)), CA_ERR_CONFIG);
		assert_non_null(strstr(err, ":15: expected"));
		assert_non_null(strstr(err, ":16: expected"));
	}
}

static void test_production_refuses_the_dev_sms_provider(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	/* Set on line 17 (the prices take 1-13), or left at its default. */
	assert_int_equal(load_around("", "[hub]\nmode = production\n[sms]\nprovider = dev\n", &c,
				     err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":17: [sms] provider is dev, which delivers no SMS: not "
			       "allowed with [hub] mode = production"));
	assert_int_equal(load_around("[hub]\nmode = production\n", "", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[sms] provider (by default) is dev"));
	/* A bad mode is not blamed again; dev and demo keep the dev provider. */
	assert_one_err("[hub]\nmode = prod\n", 15, "[hub] mode: 'prod'");
	assert_int_equal(load_around("[hub]\nmode = dev\n", "", &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.sms_provider, "dev");
	assert_int_equal(load_around("[hub]\nmode = demo\n", "", &c, err, sizeof(err)), CA_OK);
	/* Production with the gateway. */
	assert_int_equal(load_around("[hub]\nmode = production\n" SMS_GW, prod_ok, &c, err,
				     sizeof(err)), CA_OK);
	assert_string_equal(c.sms_provider, "gateway");
}

/* What the bad gateway keys below are told, line by line. */
static const char *const gateway_errors[] = {
	":16: [sms] url: 'http://sms.example.cn/send' is not an https:// address",
	":17: [sms] access_key_id: 'key id' must be letters",
	":18: [sms] secret_file: must not be empty",
	":19: [sms] sign_name: 2..16 characters",
	":20: [sms] template_id: 'SMS/1' must be letters",
	":21: [sms] timeout_ms: 99 is out of range 100..10000",
	":22: [sms] ca_file: control character",
	NULL,
};

static void test_gateway_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("", SMS_GW, &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.sms_url, "https://sms.example.cn/v1/sms/send");
	assert_string_equal(c.sms_key_id, "LTAI-hub_01");
	assert_string_equal(c.sms_secret_file, "/etc/ca-hub/sms.secret");
	assert_string_equal(c.sms_sign_name, "数字证书服务");
	assert_string_equal(c.sms_template_id, "SMS_100001");
	assert_string_equal(c.sms_ca_file, "");
	assert_int_equal(c.sms_timeout_ms, HUBCFG_SMS_TIMEOUT_MS);
	assert_int_equal(load_around("", SMS_GW "timeout_ms = 10000\nca_file = /etc/ssl/gw.pem\n",
				     &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.sms_timeout_ms, 10000);
	assert_string_equal(c.sms_ca_file, "/etc/ssl/gw.pem");
	assert_int_equal(load_around("", SMS_GW "timeout_ms = 100\n", &c, err, sizeof(err)),
			 CA_OK);

	/* Each key missing is named at the provider's line (15). */
	assert_int_equal(load_around("", "[sms]\nprovider = gateway\nsign_name = 数字证书服务\n",
				     &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":15: [sms] provider = gateway needs url"));
	assert_non_null(strstr(err, ":15: [sms] provider = gateway needs access_key_id"));
	assert_non_null(strstr(err, ":15: [sms] provider = gateway needs secret_file"));
	assert_non_null(strstr(err, ":15: [sms] provider = gateway needs template_id"));
	assert_null(strstr(err, "needs sign_name"));
	assert_one_err("[sms]\nprovider = sms.aliyun\n", 15, "'sms.aliyun' is not a provider "
		       "this hub has (dev, gateway)");

	/* Every bad value at its line, and not blamed again as missing. */
	assert_int_equal(load_around("", "[sms]\nprovider = gateway\n"
				     "url = http://sms.example.cn/send\naccess_key_id = key id\n"
				     "secret_file =\nsign_name = 证\ntemplate_id = SMS/1\n"
				     "timeout_ms = 99\nca_file = /a\x01\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_err_has(err, gateway_errors);
	assert_null(strstr(err, "needs"));
	assert_one_err("[sms]\nsign_name = 一二三四五六七八九十一二三四五六七\n", 15,
		       "[sms] sign_name: 2..16 characters");
	assert_one_err("[sms]\nurl = https:///send\n", 15, "is not an https:// address");
}

/* What the bad [taxplat] section below is told, line by line. */
static const char *const tax_errors[] = {
	":15: [taxplat] url: 'http://tax.example.cn' is not an https:// URL",
	":16: [taxplat] app_id: 'tax-app' must be letters, digits and '_'",
	":17: [taxplat] secret_file: must not be empty",
	":18: [taxplat] seller_tax_id: '91320582MA1MABCDEX' is not a unified social credit code",
	":19: [taxplat] ca_file: control character",
	":20: [taxplat] timeout_ms: 99 is out of range 100..60000",
	":21: unknown key 'secret' in [taxplat]",
	NULL,
};

/* [taxplat]: no platform unless a key is given; then url, app_id,
 * secret_file and seller_tax_id are needed; each key is checked at its
 * line; timeout_ms 100..60000; the platform's seller is the invoice's. */
static void test_taxplat_keys_defaults_and_checks(void **ctx)
{
	char err[4096];
	struct hubcfg c;

	(void)ctx;
	assert_int_equal(load_around("", "", &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.tax_url, "");
	/* A production hub issues through a platform. */
	assert_int_equal(load_around("[hub]\nmode = production\n" SMS_GW, WX_OK_TEXT BK_OK_TEXT,
				     &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[taxplat] is needed: a production hub issues"));
	assert_int_equal(c.tax_timeout_ms, HUBCFG_TAX_TIMEOUT_MS);
	assert_int_equal(c.tax_timeout_ms, 10000);
	assert_int_equal(load_around("", TAX_OK, &c, err, sizeof(err)), CA_OK);
	assert_string_equal(c.tax_url, "https://tax.example.cn/openapi");
	assert_string_equal(c.tax_app_id, "tax_app_01");
	assert_string_equal(c.tax_secret_file, "/etc/ca-hub/taxplat.secret");
	assert_string_equal(c.tax_seller_id, "91320582MA1MABCDEU");
	assert_string_equal(c.tax_ca_file, "");
	/* Both ends of timeout_ms; a CA file. */
	assert_int_equal(load_around("", TAX_OK "timeout_ms = 100\nca_file = /etc/ssl/tax.pem\n",
				     &c, err, sizeof(err)), CA_OK);
	assert_int_equal(c.tax_timeout_ms, 100);
	assert_string_equal(c.tax_ca_file, "/etc/ssl/tax.pem");
	assert_int_equal(load_around("", TAX_OK "timeout_ms = 60000\n", &c, err, sizeof(err)),
			 CA_OK);
	assert_int_equal(c.tax_timeout_ms, 60000);
	assert_one_err(TAX_OK "timeout_ms = 60001\n", 19, "[taxplat] timeout_ms: 60001 is out of "
		       "range 100..60000");
	/* Any key alone: the others a platform needs are named. */
	assert_int_equal(load_around("", "[taxplat]\ntimeout_ms = 5000\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[taxplat] url is needed with a tax platform"));
	assert_non_null(strstr(err, "[taxplat] app_id is needed"));
	assert_non_null(strstr(err, "[taxplat] secret_file is needed"));
	assert_non_null(strstr(err, "[taxplat] seller_tax_id is needed"));
	assert_int_equal(load_around("", "[taxplat]\nca_file = /etc/ssl/tax.pem\n", &c, err,
				     sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[taxplat] url is needed"));
	/* Every bad value at its line, and not blamed again as missing. */
	assert_int_equal(load_around("", "[taxplat]\nurl = http://tax.example.cn\n"
				     "app_id = tax-app\nsecret_file =\n"
				     "seller_tax_id = 91320582MA1MABCDEX\nca_file = /a\x01\n"
				     "timeout_ms = 99\nsecret = x\n", &c, err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_err_has(err, tax_errors);
	assert_null(strstr(err, "needed"));
	/* The url: no '/' at the end, no query; the seller never empty. */
	assert_one_err("[taxplat]\nurl = https://tax.example.cn/\napp_id = a\n"
		       "secret_file = /s\nseller_tax_id = 91320582MA1MABCDEU\n", 15,
		       "[taxplat] url: no '/' at the end");
	assert_one_err("[taxplat]\nurl = https://tax.example.cn/?v=1\napp_id = a\n"
		       "secret_file = /s\nseller_tax_id = 91320582MA1MABCDEU\n", 15,
		       "is not an https:// URL without query");
	assert_one_err("[taxplat]\nurl = https://tax.example.cn\napp_id = a\n"
		       "secret_file = /s\nseller_tax_id =\n", 18,
		       "[taxplat] seller_tax_id: '' is not a unified social credit code");
	/* The seller the platform issues as is the one the invoices name. */
	assert_int_equal(load_around("", "[invoice]\nseller_uscc = 91350100M000100Y43\n" TAX_OK,
				     &c, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, ":20: [taxplat] seller_tax_id 91320582MA1MABCDEU is not "
			       "[invoice] seller_uscc 91350100M000100Y43"));
	assert_int_equal(load_around("", "[invoice]\nseller_uscc = 91320582MA1MABCDEU\n" TAX_OK,
				     &c, err, sizeof(err)), CA_OK);
	/* A production hub may go with or without one (the invoices are wired
	 * to it elsewhere). */
	assert_int_equal(load_around("[hub]\nmode = production\n" SMS_GW, prod_ok, &c, err,
				     sizeof(err)), CA_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_code_refused_outside_demo_mode),
		cmocka_unit_test(test_every_price_required_and_bad_lines_reported),
		cmocka_unit_test(test_price_is_integer_fen_per_key),
		cmocka_unit_test(test_invoice_keys_defaults_and_checks),
		cmocka_unit_test(test_limits_keys_defaults_and_checks),
		cmocka_unit_test(test_console_keys_defaults_and_checks),
		cmocka_unit_test(test_binding_days_default_and_range),
		cmocka_unit_test(test_pay_keys_defaults_and_checks),
		cmocka_unit_test(test_bank_keys_defaults_and_checks),
		cmocka_unit_test(test_bad_value_quoted_by_whole_characters),
		cmocka_unit_test(test_each_bad_line_reported_once),
		cmocka_unit_test(test_production_refuses_the_dev_sms_provider),
		cmocka_unit_test(test_gateway_keys_defaults_and_checks),
		cmocka_unit_test(test_taxplat_keys_defaults_and_checks),
	};

	return cmocka_run_group_tests_name("hub/hubcfg", tests, NULL, NULL);
}
