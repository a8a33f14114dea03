/*
 * hubcfg.c - load the hub's INI file with inih, strictly (see hubcfg.h).
 *
 * inih pulls lines through hc_read_line(), which counts them (Debian's
 * libinih gives the handler no line number) and blanks lines it reports
 * itself (too long, NUL bytes). hc_handler() checks each key against the
 * table or the [prices] grammar; hc_finish() checks what spans keys. The
 * kiosk's src/kiosk/config/config.c follows the same rules; the two could share a
 * helper once both settle (noted for the lead).
 */
#include "hubcfg.h"
#include "sms.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/iniline.h"
#include "common/paths.h"
#include "core/utf8.h"
#include "core/valid.h"

/* Longest physical line, newline included. */
#define HC_LINE_MAX 1024
/* How much of a bad value a message quotes, in code points. */
#define HC_QUOTE_CHARS 40
/* Room for a quoted value: the code points, "..." and the NUL. */
#define HC_QUOTE_SIZE (4 * HC_QUOTE_CHARS + 4)
/* Highest price per key: one million yuan. */
#define HC_PRICE_MAX 100000000LL

/* State of one load. */
struct hc_ctx {
	struct hubcfg *c;  /* what is filled */
	const char *path;  /* file name for messages */
	FILE *f;           /* the open file */
	int lineno;        /* physical line last handed to inih */
	int read_errno;    /* read error, 0 if none */
	char *err;         /* caller's buffer */
	size_t errlen;     /* its size */
	size_t used;       /* bytes used */
	int nerr;          /* problems found */
	int dropped;       /* problems that did not fit */
	int seen[64];      /* line each key (index) was first set on */
	int price_seen[CA_BIZ__N][CA_CERT__N]; /* line of each price */
	int mode_line, code_line; /* where mode / demo_code were set */
	char unknown_sect[64]; /* last unknown section reported */
};

__attribute__((format(printf, 3, 4)))
static void hc_err(struct hc_ctx *x, int line, const char *fmt, ...)
{
	char text[400], one[700];
	va_list ap;
	size_t len;

	x->nerr++;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(one, sizeof(one), "%s:%d: %s", x->path, line, text);
	else
		snprintf(one, sizeof(one), "%s: %s", x->path, text);
	len = strlen(one);
	if (!x->err || x->used + len + 2 + 80 >= x->errlen) {
		x->dropped++;
		return;
	}
	if (x->used)
		x->err[x->used++] = '\n';
	memcpy(x->err + x->used, one, len + 1);
	x->used += len;
}

/* fgets-style reader for ini_parse_stream; see the file comment. */
static char *hc_read_line(char *str, int num, void *stream)
{
	struct hc_ctx *x = stream;

	switch (iniline_read(x->f, str, num)) {
	case INILINE_EOF:
		return NULL;
	case INILINE_READ_ERR:
		x->read_errno = errno ? errno : EIO;
		return NULL;
	case INILINE_TOO_LONG:
		hc_err(x, ++x->lineno, "line too long");
		return str;
	case INILINE_NUL:
		hc_err(x, ++x->lineno, "NUL byte in line");
		return str;
	case INILINE_OK:
		break;
	}
	x->lineno++;
	return str;
}

enum hc_kind { HC_MODE, HC_ADDR, HC_INT, HC_PATH, HC_PATH0, HC_PROVIDER, HC_CODE, HC_LEVEL,
	       HC_BOOL, HC_SELLER, HC_USCC };

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
	HC_N("limits", "device_sms_per_hour", device_sms_max, 1, 100000),
	HC_N("limits", "device_logins_per_hour", device_login_max, 1, 100000),
	HC_N("sessions", "binding_days", binding_days, 1, 3650),
	HC_N("invoice", "token_ttl_s", invoice_ttl_s, 300, 2592000),
	HC_N("invoice", "max_attempts", invoice_max_attempts, 1, 20),
	HC_S("invoice", "issue_on_payment", HC_BOOL, invoice_on_payment),
	HC_S("invoice", "seller_name", HC_SELLER, seller_name),
	HC_S("invoice", "seller_uscc", HC_USCC, seller_uscc),
	HC_S("invoice", "font", HC_PATH, invoice_font),
	HC_S("log", "level", HC_LEVEL, log_level),
};
#define HC_NKEYS (sizeof(hc_keys) / sizeof(hc_keys[0]))
_Static_assert(HC_NKEYS <= 64, "seen[] holds every key");

/* Bad value v quoted for a message into q (size n): at most HC_QUOTE_CHARS
 * whole code points, cut before the first byte that is not UTF-8 (so the
 * message stays UTF-8 whatever the file holds), controls as '?', "..."
 * when cut. */
static const char *hc_quote(const char *v, char *q, size_t n)
{
	size_t len, i;

	assert(n > 4);
	len = utf8_copy(q, n - 3, v, HC_QUOTE_CHARS);
	for (i = 0; i < len; i++)
		if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
			q[i] = '?';
	if (v[len] != '\0')
		memcpy(q + len, "...", 4);
	return q;
}

/* Parse a whole decimal integer. */
static bool hc_long(const char *v, long long *out)
{
	char *end;

	if (!(isdigit((unsigned char)v[0]) || (v[0] == '-' && isdigit((unsigned char)v[1]))))
		return false;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return *end == '\0' && errno == 0;
}

static bool hc_has_ctl(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return true;
	return false;
}

/* Check and store one fixed key. */
static void hc_set(struct hc_ctx *x, const struct hc_key *k, const char *v)
{
	char *field = (char *)x->c + k->off, q[HC_QUOTE_SIZE];
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
			hc_err(x, x->lineno, "[hub] mode: '%s' is not dev, demo or production",
			       hc_quote(v, q, sizeof(q)));
		x->mode_line = x->lineno;
		return;
	case HC_ADDR:
		if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1) {
			hc_err(x, x->lineno, "[hub] listen: '%s' is not an IPv4 or IPv6 address",
			       hc_quote(v, q, sizeof(q)));
			return;
		}
		break;
	case HC_INT:
		if (!hc_long(v, &n)) {
			hc_err(x, x->lineno, "[%s] %s: '%s' is not a whole number",
			       k->section, k->name, hc_quote(v, q, sizeof(q)));
			return;
		}
		if (n < k->min || n > k->max) {
			hc_err(x, x->lineno, "[%s] %s: %s is out of range %ld..%ld",
			       k->section, k->name, hc_quote(v, q, sizeof(q)), k->min, k->max);
			return;
		}
		*(int *)(void *)field = (int)n;
		return;
	case HC_PATH:
	case HC_PATH0:
		if (!*v && k->kind == HC_PATH) {
			hc_err(x, x->lineno, "[%s] %s: must not be empty", k->section, k->name);
			return;
		}
		if (hc_has_ctl(v)) {
			hc_err(x, x->lineno, "[%s] %s: control character in value",
			       k->section, k->name);
			return;
		}
		break;
	case HC_PROVIDER:
		if (strcmp(v, "dev") != 0) {
			hc_err(x, x->lineno, "[sms] provider: '%s' is not a provider this hub "
			       "has (dev)", hc_quote(v, q, sizeof(q)));
			return;
		}
		break;
	case HC_CODE:
		if (strlen(v) != 6 || strspn(v, "0123456789") != 6) {
			hc_err(x, x->lineno, "[sms] demo_code: '%s' must be 6 digits",
			       hc_quote(v, q, sizeof(q)));
			return;
		}
		x->code_line = x->lineno;
		break;
	case HC_LEVEL:
		lvl = log_level_from_name(v);
		if (lvl < 0) {
			hc_err(x, x->lineno, "[log] level: '%s' is not error, warn, info or debug",
			       hc_quote(v, q, sizeof(q)));
			return;
		}
		x->c->log_level = (enum log_level)lvl;
		return;
	case HC_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "false"))
			*(bool *)(void *)field = v[0] == 't';
		else
			hc_err(x, x->lineno, "[%s] %s: '%s' is not true or false", k->section,
			       k->name, hc_quote(v, q, sizeof(q)));
		return;
	case HC_SELLER: {
		size_t chars;

		if (!utf8_count(v, &chars) || hc_has_ctl(v) || chars < 1 ||
		    chars > HUBCFG_SELLER_MAX) {
			hc_err(x, x->lineno, "[invoice] seller_name: 1..%d characters of UTF-8 "
			       "text", HUBCFG_SELLER_MAX);
			return;
		}
		break;
	}
	case HC_USCC:
		if (*v && valid_uscc(v) != MSG_NONE) {
			hc_err(x, x->lineno, "[invoice] seller_uscc: '%s' is not a unified social "
			       "credit code (18 characters, check character last)",
			       hc_quote(v, q, sizeof(q)));
			return;
		}
		break;
	}
	if (strlen(v) >= k->size) {
		hc_err(x, x->lineno, "[%s] %s: value too long (at most %zu bytes)",
		       k->section, k->name, k->size - 1);
		return;
	}
	memcpy(field, v, strlen(v) + 1);
}

/* One [prices] line: BUSINESS.CERT_TYPE = fen. */
static void hc_price(struct hc_ctx *x, const char *name, const char *v)
{
	char biz[32], q[HC_QUOTE_SIZE];
	const char *dot = strchr(name, '.');
	long long n;
	int b, t;

	if (!dot || (size_t)(dot - name) >= sizeof(biz)) {
		hc_err(x, x->lineno, "[prices] '%s': keys are BUSINESS.CERT_TYPE, "
		       "e.g. new.org", hc_quote(name, q, sizeof(q)));
		return;
	}
	memcpy(biz, name, (size_t)(dot - name));
	biz[dot - name] = '\0';
	b = ca_business_from_id(biz);
	t = ca_cert_type_from_id(dot + 1);
	if (b < 0 || t < 0) {
		hc_err(x, x->lineno, "[prices] '%s': unknown %s (business: new renew "
		       "change reissue; certificate: org legal_rep personal)",
		       hc_quote(name, q, sizeof(q)), b < 0 ? "business type" : "certificate type");
		return;
	}
	if (x->price_seen[b][t]) {
		hc_err(x, x->lineno, "[prices] %s is set again (first on line %d)", name,
		       x->price_seen[b][t]);
		return;
	}
	x->price_seen[b][t] = x->lineno;
	if (!hc_long(v, &n) || n < 1 || n > HC_PRICE_MAX) {
		hc_err(x, x->lineno, "[prices] %s: '%s' must be whole fen, 1..%lld",
		       name, hc_quote(v, q, sizeof(q)), HC_PRICE_MAX);
		return;
	}
	x->c->price_fen[b][t] = n;
}

/* inih callback: one key. Always goes on; problems are collected. */
static int hc_handler(void *user, const char *section, const char *name, const char *value)
{
	struct hc_ctx *x = user;
	char q[HC_QUOTE_SIZE];
	size_t i;

	if (!section[0]) {
		hc_err(x, x->lineno, "key '%s' is outside any [section]", hc_quote(name, q, sizeof(q)));
		return 1;
	}
	if (!strcmp(section, "prices")) {
		hc_price(x, name, value);
		return 1;
	}
	if (strcmp(section, "hub") && strcmp(section, "sms") && strcmp(section, "log") &&
	    strcmp(section, "invoice") && strcmp(section, "limits") &&
	    strcmp(section, "sessions")) {
		if (strcmp(x->unknown_sect, section) != 0) {
			snprintf(x->unknown_sect, sizeof(x->unknown_sect), "%s", section);
			hc_err(x, x->lineno, "unknown section [%s]", hc_quote(section, q, sizeof(q)));
		}
		return 1;
	}
	for (i = 0; i < HC_NKEYS; i++)
		if (!strcmp(hc_keys[i].section, section) && !strcmp(hc_keys[i].name, name))
			break;
	if (i == HC_NKEYS) {
		hc_err(x, x->lineno, "unknown key '%s' in [%s]", hc_quote(name, q, sizeof(q)), section);
		return 1;
	}
	if (x->seen[i]) {
		hc_err(x, x->lineno, "[%s] %s is set again (first on line %d)", section, name,
		       x->seen[i]);
		return 1;
	}
	x->seen[i] = x->lineno;
	hc_set(x, &hc_keys[i], value);
	return 1;
}

/* Checks that span keys. */
static void hc_finish(struct hc_ctx *x)
{
	struct hubcfg *c = x->c;
	int b, t;

	for (b = 0; b < CA_BIZ__N; b++)
		for (t = 0; t < CA_CERT__N; t++)
			if (!x->price_seen[b][t])
				hc_err(x, 0, "[prices] %s.%s is missing (every business and "
				       "certificate type needs a price per key, in fen)",
				       ca_business_id((enum ca_business)b),
				       ca_cert_type_id((enum ca_cert_type)t));
	if (c->demo_code[0] && c->mode != HUB_MODE_DEMO)
		hc_err(x, x->code_line, "[sms] demo_code is only allowed with [hub] mode = demo "
		       "(mode is %s)", hubcfg_mode_name(c->mode));
	if ((!c->cert[0]) != (!c->key[0]))
		hc_err(x, 0, "[hub] cert and key go together: give both or neither");
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
	c->invoice_ttl_s = 7 * 24 * 3600;
	c->invoice_max_attempts = 5;
	c->invoice_on_payment = false;
	/* Shown as the seller until an operator sets [invoice] seller_name. */
	snprintf(c->seller_name, sizeof(c->seller_name), "数字证书自助服务中心");
	snprintf(c->invoice_font, sizeof(c->invoice_font), "%s", HUBCFG_INVOICE_FONT);
	c->log_level = LOG_INFO;
}

ca_err hubcfg_load(struct hubcfg *c, const char *path, char *err, size_t errlen)
{
	struct hc_ctx *x;
	int saved_max, rc;
	bool saved_multi, saved_stop;
	ca_err ret = CA_OK;

	assert(c && path);
	hubcfg_defaults(c);
	if (err && errlen)
		err[0] = '\0';
	x = calloc(1, sizeof(*x));
	if (!x)
		return CA_ERR_NOMEM;
	x->c = c;
	x->path = path;
	x->err = err;
	x->errlen = err ? errlen : 0;
	x->f = fopen(path, "r");
	if (!x->f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		ret = CA_ERR_IO;
		goto out;
	}
	saved_max = ini_max_line;
	saved_multi = ini_allow_multiline;
	saved_stop = ini_stop_on_first_error;
	ini_max_line = HC_LINE_MAX;
	ini_allow_multiline = false;
	ini_stop_on_first_error = false;
	rc = ini_parse_stream(hc_read_line, x, hc_handler, x);
	ini_max_line = saved_max;
	ini_allow_multiline = saved_multi;
	ini_stop_on_first_error = saved_stop;
	if (x->read_errno || rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: read error: %s", path,
				 strerror(x->read_errno ? x->read_errno : EIO));
		ret = CA_ERR_IO;
		goto out;
	}
	if (rc > 0)
		hc_err(x, rc, "expected 'key = value', a [section] or a comment");
	hc_finish(x);
	if (x->nerr) {
		if (x->dropped && err && errlen > x->used)
			snprintf(err + x->used, errlen - x->used, "%s%s: %d more problems not shown",
				 x->used ? "\n" : "", path, x->dropped);
		ret = CA_ERR_CONFIG;
	}
out:
	if (x->f)
		fclose(x->f);
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
