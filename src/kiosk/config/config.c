/*
 * config.c - load the kiosk's INI file with inih, strictly.
 *
 * How a file is read: iniload_parse() (src/common/iniload.c, shared with
 * the hub's loader) runs inih over it; its reader reports the lines inih must
 * not see (too long, NUL bytes, a '[' without ']', neither a comment nor
 * "key = value") and unknown [sections] (cfg_sections[]). inih then calls
 * cfg_handler() for each key; the handler finds the key in cfg_keys[] and
 * validates the value. After the parse, cfg_finish() runs the checks that
 * span keys (timeouts, screen shape, dispenser); it skips a key already
 * reported as bad, so one bad line is one problem.
 *
 * Every problem is one "path:LINE: message" line, told by iniload_err()
 * alone (all of them, up to the caller's buffer; the last line counts what
 * did not fit), and the load fails with CA_ERR_CONFIG. Good values are kept
 * even then. Nothing here prints or logs: the caller shows the buffer.
 *
 * Rules that are not obvious from config.h (docs/config.md says the same):
 *   - section and key names are case-sensitive; booleans and enum values
 *     are not; a key given twice is an error (the first value stays);
 *   - "key = value ; comment" has an inline comment (';' after a space);
 *   - [dispenser] stock is a list ("10, 10, 5") with exactly `slots`
 *     values when it is set; driver = serial needs a device;
 *   - width and height that are not set follow the orientation: portrait
 *     1080x1920, landscape 1920x1080; a shape that contradicts the
 *     orientation (landscape narrower than tall, portrait wider than tall)
 *     is an error.
 */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/iniload.h"
#include "common/paths.h"
#include "core/sign.h"
#include "core/utf8.h"

/* Longest physical line accepted, newline included. Room for a key, a
 * CONFIG_PATH_MAX value and a comment. */
#define CFG_LINE_MAX 1024

/* Default screen sizes by orientation. */
#define CFG_PORTRAIT_W 1080
#define CFG_PORTRAIT_H 1920

/* Kinds of values, each with its own parser and checks. */
enum cfg_kind {
	CFG_ID,     /* kiosk id: [A-Za-z0-9_-]{1,32} */
	CFG_PATH,   /* non-empty path */
	CFG_PATH0,  /* path, may be empty */
	CFG_URL,    /* hub URL */
	CFG_INT,    /* integer in [min, max] */
	CFG_BOOL,   /* true/false yes/no on/off 1/0 */
	CFG_ORIENT, /* portrait | landscape */
	CFG_LEVEL,  /* error | warn | info | debug */
	CFG_PIN,    /* "" or sha256//BASE64[;sha256//BASE64...] */
	CFG_DIGITS, /* "" or 4..8 digits (maintenance PIN) */
	CFG_DRIVER, /* none | sim | serial */
	CFG_BAUD,   /* one of cfg_bauds[] */
	CFG_STOCK,  /* 1..CONFIG_DISP_SLOTS_MAX counts 0..CFG_STOCK_MAX, by ',' */
	CFG_VIDEO,  /* auto | kmsdrm | wayland | x11 */
	CFG_RENDERER, /* auto | software | opengles2 | opengl */
	CFG_ROTATE, /* 0 | 90 | 180 | 270 */
};

/* Serial line rates the dispenser driver can set. */
static const int cfg_bauds[] = {
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
};

/* Most keys a dispenser slot holds. */
#define CFG_STOCK_MAX 9999
/* Keys per slot the simulator starts with when [dispenser] stock is unset. */
#define CFG_STOCK_DEFAULT 10

/* Index of each key in cfg_keys[], for the checks that span keys. */
enum cfg_key_id {
	K_ID,
	K_DATA_DIR,
	K_SECRET_FILE,
	K_MAINT_PIN,
	K_URL,
	K_CA_FILE,
	K_PIN,
	K_CONNECT,
	K_TOTAL,
	K_WIDTH,
	K_HEIGHT,
	K_ORIENT,
	K_FULLSCREEN,
	K_FONT,
	K_VIDEO,
	K_RENDERER,
	K_ROTATE,
	K_IDLE_WARN,
	K_IDLE_RESET,
	K_SYNC,
	K_BEAT,
	K_LEVEL,
	K_DISP_DRIVER,
	K_DISP_DEVICE,
	K_DISP_BAUD,
	K_DISP_SLOTS,
	K_DISP_STOCK,
	K_DISP_STATE,
	K_DISP_TIMEOUT,
	K_DISP_RETRIES,
	K_PURGE_DAYS,
	K_CORE_DUMPS,
	K__N
};

/* One known key: where it lives, what it holds. */
struct cfg_key {
	const char *section;  /* section name, without brackets */
	const char *name;     /* key name */
	enum cfg_kind kind;   /* how to parse and check the value */
	size_t off;           /* offset of the field in struct config */
	size_t size;          /* size of a string field (buffer) */
	long min, max;        /* range of a CFG_INT */
};

#define CFG_STR(id, sec, key, kind, field) \
	[id] = { sec, key, kind, offsetof(struct config, field), \
		 sizeof(((struct config *)0)->field), 0, 0 }
#define CFG_NUM(id, sec, key, kind, field, lo, hi) \
	[id] = { sec, key, kind, offsetof(struct config, field), 0, lo, hi }

static const struct cfg_key cfg_keys[K__N] = {
	CFG_STR(K_ID, "kiosk", "id", CFG_ID, kiosk_id),
	CFG_STR(K_DATA_DIR, "kiosk", "data_dir", CFG_PATH, data_dir),
	CFG_STR(K_SECRET_FILE, "kiosk", "secret_file", CFG_PATH0, secret_file),
	CFG_STR(K_MAINT_PIN, "kiosk", "maint_pin", CFG_DIGITS, maint_pin),
	CFG_STR(K_URL, "server", "url", CFG_URL, server_url),
	CFG_STR(K_CA_FILE, "server", "ca_file", CFG_PATH0, ca_file),
	CFG_STR(K_PIN, "server", "pin", CFG_PIN, pin),
	CFG_NUM(K_CONNECT, "server", "connect_timeout_ms", CFG_INT,
		connect_timeout_ms, 100, 120000),
	CFG_NUM(K_TOTAL, "server", "total_timeout_ms", CFG_INT,
		total_timeout_ms, 100, 120000),
	CFG_NUM(K_WIDTH, "screen", "width", CFG_INT, screen_w, 320, 7680),
	CFG_NUM(K_HEIGHT, "screen", "height", CFG_INT, screen_h, 320, 7680),
	CFG_NUM(K_ORIENT, "screen", "orientation", CFG_ORIENT, orientation,
		0, 0),
	CFG_NUM(K_FULLSCREEN, "screen", "fullscreen", CFG_BOOL, fullscreen,
		0, 0),
	CFG_STR(K_FONT, "screen", "font", CFG_PATH, font),
	CFG_NUM(K_VIDEO, "screen", "driver", CFG_VIDEO, video, 0, 0),
	CFG_NUM(K_RENDERER, "screen", "renderer", CFG_RENDERER, renderer, 0, 0),
	CFG_NUM(K_ROTATE, "screen", "rotate", CFG_ROTATE, rotate, 0, 0),
	CFG_NUM(K_IDLE_WARN, "timeouts", "idle_warn_s", CFG_INT, idle_warn_s,
		10, 3600),
	CFG_NUM(K_IDLE_RESET, "timeouts", "idle_reset_s", CFG_INT,
		idle_reset_s, 10, 3600),
	CFG_NUM(K_SYNC, "timeouts", "sync_interval_s", CFG_INT,
		sync_interval_s, 1, 3600),
	CFG_NUM(K_BEAT, "timeouts", "heartbeat_s", CFG_INT, heartbeat_s,
		CONFIG_HEARTBEAT_MIN_S, CONFIG_HEARTBEAT_MAX_S),
	CFG_NUM(K_LEVEL, "log", "level", CFG_LEVEL, log_level, 0, 0),
	CFG_NUM(K_DISP_DRIVER, "dispenser", "driver", CFG_DRIVER, disp_driver,
		0, 0),
	CFG_STR(K_DISP_DEVICE, "dispenser", "device", CFG_PATH0, disp_device),
	CFG_NUM(K_DISP_BAUD, "dispenser", "baud", CFG_BAUD, disp_baud, 0, 0),
	CFG_NUM(K_DISP_SLOTS, "dispenser", "slots", CFG_INT, disp_slots, 1,
		CONFIG_DISP_SLOTS_MAX),
	CFG_NUM(K_DISP_STOCK, "dispenser", "stock", CFG_STOCK, disp_stock, 0,
		CFG_STOCK_MAX),
	CFG_STR(K_DISP_STATE, "dispenser", "state_file", CFG_PATH0,
		disp_state_file),
	CFG_NUM(K_DISP_TIMEOUT, "dispenser", "timeout_ms", CFG_INT,
		disp_timeout_ms, 20, 60000),
	CFG_NUM(K_DISP_RETRIES, "dispenser", "retries", CFG_INT, disp_retries,
		0, 10),
	CFG_NUM(K_PURGE_DAYS, "privacy", "purge_days", CFG_INT, purge_days, 1,
		3650),
	CFG_NUM(K_CORE_DUMPS, "privacy", "core_dumps", CFG_BOOL, core_dumps, 0, 0),
};

static const char *const cfg_sections[] = {
	"kiosk", "server", "screen", "timeouts", "log", "dispenser", "privacy", NULL,
};

/* State of one config_load: the shared reader and problem list, and what
 * the checks across keys need. */
struct cfg_ctx {
	struct iniload ini;      /* position in the file, problems found */
	struct config *c;        /* what is being filled */
	int seen[K__N];          /* line where each key was first set, 0 = never */
	bool bad[K__N];          /* key was set to a bad value */
	int stock_n;             /* values in [dispenser] stock, when set */
};

/* Parse a boolean word into *out; false when v is not one. */
static bool cfg_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* True when port (len bytes) is a decimal port 1..65535. */
static bool cfg_port_ok(const char *port, size_t len)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)port[i]))
			return false;
		n = n * 10 + (unsigned long)(port[i] - '0');
	}
	return n >= 1 && n <= 65535;
}

/*
 * Check a hub URL: "https://host[:port][/path]", or "http://" to a loopback
 * host only. No user info ('@'), no white space. NULL when fine, else why.
 */
static const char *cfg_url_problem(const char *v)
{
	const char *auth, *end, *host_end;
	size_t host_len;
	bool tls;

	if (strncmp(v, "https://", 8) == 0) {
		tls = true;
		auth = v + 8;
	} else if (strncmp(v, "http://", 7) == 0) {
		tls = false;
		auth = v + 7;
	} else {
		return "must start with https:// (or http:// for a loopback "
		       "hub)";
	}
	if (iniload_has_ctl(v, true))
		return "must not contain spaces or control characters";
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return "must not contain user info ('@')";
	if (*auth == '[') {
		host_end = memchr(auth, ']', (size_t)(end - auth));
		if (!host_end || host_end == auth + 1)
			return "has a bad [IPv6] host";
		host_end++;
	} else {
		host_end = auth;
		while (host_end < end && (isalnum((unsigned char)*host_end) ||
					  *host_end == '.' || *host_end == '-'))
			host_end++;
	}
	host_len = (size_t)(host_end - auth);
	if (host_len == 0)
		return "has no host";
	if (host_end < end) {
		if (*host_end != ':' ||
		    !cfg_port_ok(host_end + 1, (size_t)(end - host_end - 1)))
			return "has a bad host or port";
	}
	if (!tls) {
		static const char *const loop[] = {
			"127.0.0.1", "localhost", "[::1]",
		};
		size_t i;

		for (i = 0; i < sizeof(loop) / sizeof(loop[0]); i++)
			if (host_len == strlen(loop[i]) &&
			    strncasecmp(auth, loop[i], host_len) == 0)
				return NULL;
		return "may use http:// only for 127.0.0.1, localhost or "
		       "[::1]; use https://";
	}
	return NULL;
}

/*
 * Check a public-key pin list for CURLOPT_PINNEDPUBLICKEY: empty, or one to
 * eight "sha256//" + 44 base64 characters (a SHA-256 of the server's
 * SubjectPublicKeyInfo), separated by ';'. NULL when fine, else why.
 */
static const char *cfg_pin_problem(const char *v)
{
	static const char pfx[] = "sha256//";
	const size_t plen = sizeof(pfx) - 1;
	int n = 0;
	size_t i;

	if (!*v)
		return NULL;
	for (;;) {
		if (strncmp(v, pfx, plen) != 0)
			return "must be sha256//BASE64 pins separated by ';'";
		v += plen;
		for (i = 0; i < 44; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '+' &&
			    v[i] != '/' && !(i == 43 && v[i] == '='))
				return "has a pin that is not 44 base64 characters";
		v += 44;
		if (++n > 8)
			return "has more than 8 pins";
		if (*v == '\0')
			return NULL;
		if (*v != ';')
			return "has a pin that is not 44 base64 characters";
		v++;
	}
}

/*
 * Parse a stock list "N[, N...]" into out (at most CONFIG_DISP_SLOTS_MAX
 * counts, each 0..CFG_STOCK_MAX); the number of values into *n. NULL when
 * fine, else why.
 */
static const char *cfg_stock_problem(const char *v, int *out, int *n)
{
	long val;
	int k = 0;

	for (;;) {
		char *end;

		while (*v == ' ' || *v == '\t')
			v++;
		if (!isdigit((unsigned char)*v))
			return "must be a comma-separated list of whole numbers";
		errno = 0;
		val = strtol(v, &end, 10);
		if (errno == ERANGE || val > CFG_STOCK_MAX)
			return "has a count over 9999";
		if (k == CONFIG_DISP_SLOTS_MAX)
			return "has more than 8 values";
		out[k++] = (int)val;
		v = end;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			break;
		if (*v != ',')
			return "must be a comma-separated list of whole numbers";
		v++;
	}
	*n = k;
	return NULL;
}

/* The names of an enum kind's values, in the order of its enum (counting
 * from 0), NULL-terminated. */
static const char *const *cfg_names(enum cfg_kind kind)
{
	static const char *const orients[] = { "portrait", "landscape", NULL };
	static const char *const videos[] = { "auto", "kmsdrm", "wayland", "x11", NULL };
	static const char *const renderers[] = {
		"auto", "software", "opengles2", "opengl", NULL,
	};
	static const char *const drivers[] = { "none", "sim", "serial", NULL };

	switch (kind) {
	case CFG_ORIENT:
		return orients;
	case CFG_VIDEO:
		return videos;
	case CFG_RENDERER:
		return renderers;
	default:
		return drivers;
	}
}

_Static_assert(sizeof(enum config_orientation) == sizeof(int) &&
	       sizeof(enum config_video) == sizeof(int) &&
	       sizeof(enum config_renderer) == sizeof(int) &&
	       sizeof(enum config_disp_driver) == sizeof(int),
	       "cfg_set stores the enum kinds as int");

/* "a, b or c" of names into buf (size n). Returns buf. */
static const char *cfg_name_list(const char *const *names, char *buf, size_t n)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i] && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s",
					 i == 0 ? "" : names[i + 1] ? ", " : " or ",
					 names[i]);
	return buf;
}

/* Validate value v for key k and store it in x->c; report what is wrong.
 * Returns true when the value was good. */
static bool cfg_set(struct cfg_ctx *x, const struct cfg_key *k, const char *v)
{
	char *field = (char *)x->c + k->off;
	char q[INILOAD_QUOTE_SIZE];
	size_t len = strlen(v);
	const char *why;
	long long n;
	bool b;
	int lvl, rc;

	switch (k->kind) {
	case CFG_ID:
		if (!sign_device_id_ok(v))
			return iniload_bad(&x->ini, "[%s] %s: '%s' must be 1 to 32 of "
				"A-Z a-z 0-9 _ -", k->section, k->name,
				iniload_quote(v, q, sizeof(q)));
		break;
	case CFG_DIGITS:
		if ((len != 0 && (len < 4 || len >= k->size)) ||
		    strspn(v, "0123456789") != len)
			return iniload_bad(&x->ini, "[%s] %s: must be empty or 4 to "
				"%zu digits", k->section, k->name, k->size - 1);
		break;
	case CFG_PATH:
	case CFG_PATH0:
	case CFG_URL:
	case CFG_PIN:
		if (len == 0 && k->kind != CFG_PATH0 && k->kind != CFG_PIN)
			return iniload_bad(&x->ini, "[%s] %s: must not be empty",
				k->section, k->name);
		if (len >= k->size)
			return iniload_bad(&x->ini, "[%s] %s: value too long (%zu "
				"bytes, at most %zu)", k->section, k->name,
				len, k->size - 1);
		if (k->kind == CFG_PIN && (why = cfg_pin_problem(v)))
			return iniload_bad(&x->ini, "[%s] %s: '%s' %s", k->section,
				k->name, iniload_quote(v, q, sizeof(q)), why);
		if (k->kind == CFG_URL && (why = cfg_url_problem(v)))
			return iniload_bad(&x->ini, "[%s] %s: '%s' %s", k->section,
				k->name, iniload_quote(v, q, sizeof(q)), why);
		if (iniload_has_ctl(v, false))
			return iniload_bad(&x->ini, "[%s] %s: control character in "
				"value", k->section, k->name);
		break;
	case CFG_INT:
		rc = iniload_long(v, &n);
		if (rc == EINVAL)
			return iniload_bad(&x->ini, "[%s] %s: '%s' is not a whole "
				"number", k->section, k->name,
				iniload_quote(v, q, sizeof(q)));
		if (rc == ERANGE || n < k->min || n > k->max)
			return iniload_bad(&x->ini, "[%s] %s: %s is out of range "
				"%ld..%ld", k->section, k->name,
				iniload_quote(v, q, sizeof(q)), k->min, k->max);
		*(int *)(void *)field = (int)n;
		return true;
	case CFG_BOOL:
		if (!cfg_parse_bool(v, &b))
			return iniload_bad(&x->ini, "[%s] %s: '%s' is not true/false,"
				" yes/no, on/off or 1/0", k->section, k->name,
				iniload_quote(v, q, sizeof(q)));
		*(bool *)(void *)field = b;
		return true;
	case CFG_ORIENT:
	case CFG_VIDEO:
	case CFG_RENDERER:
	case CFG_DRIVER: {
		const char *const *names = cfg_names(k->kind);
		char list[64];
		int i;

		for (i = 0; names[i]; i++)
			if (strcasecmp(v, names[i]) == 0)
				break;
		if (!names[i])
			return iniload_bad(&x->ini, "[%s] %s: '%s' is not %s",
				k->section, k->name, iniload_quote(v, q, sizeof(q)),
				cfg_name_list(names, list, sizeof(list)));
		*(int *)(void *)field = i; /* the enums count from 0, as the names */
		return true;
	}
	case CFG_ROTATE:
		rc = iniload_long(v, &n);
		if (rc != 0 || (n != 0 && n != 90 && n != 180 && n != 270))
			return iniload_bad(&x->ini, "[%s] %s: '%s' is not 0, 90, 180 or 270 "
				"(degrees, clockwise)", k->section, k->name,
				iniload_quote(v, q, sizeof(q)));
		*(int *)(void *)field = (int)n;
		return true;
	case CFG_LEVEL:
		lvl = log_level_from_name(v);
		if (lvl < 0)
			return iniload_bad(&x->ini, "[%s] %s: '%s' is not error, warn,"
				" info or debug", k->section, k->name,
				iniload_quote(v, q, sizeof(q)));
		*(enum log_level *)(void *)field = (enum log_level)lvl;
		return true;
	case CFG_BAUD: {
		size_t i;

		rc = iniload_long(v, &n);
		for (i = 0; rc == 0 && i < sizeof(cfg_bauds) /
		     sizeof(cfg_bauds[0]); i++)
			if (n == cfg_bauds[i]) {
				*(int *)(void *)field = (int)n;
				return true;
			}
		return iniload_bad(&x->ini, "[%s] %s: '%s' is not one of 1200, 2400, "
			"4800, 9600, 19200, 38400, 57600, 115200", k->section,
			k->name, iniload_quote(v, q, sizeof(q)));
	}
	case CFG_STOCK: {
		int vals[CONFIG_DISP_SLOTS_MAX], cnt = 0;

		why = cfg_stock_problem(v, vals, &cnt);
		if (why)
			return iniload_bad(&x->ini, "[%s] %s: '%s' %s", k->section,
				k->name, iniload_quote(v, q, sizeof(q)), why);
		memcpy(field, vals, (size_t)cnt * sizeof(int));
		x->stock_n = cnt;
		return true;
	}
	}
	/* The string kinds end up here, checked: copy with the NUL. */
	memcpy(field, v, len + 1);
	return true;
}

/* inih's callback: one key of the current section. Always returns 1 (go
 * on); problems are collected in the context instead. */
static int cfg_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct cfg_ctx *x = user;
	char q[INILOAD_QUOTE_SIZE];
	int i;

	if (section[0] == '\0') {
		iniload_err(&x->ini, x->ini.lineno, "key '%s' is outside any [section]",
			iniload_quote(name, q, sizeof(q)));
		return 1;
	}
	if (!iniload_section_known(&x->ini, section))
		return 1; /* reported once, at the section header */
	for (i = 0; i < K__N; i++)
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0)
			break;
	if (i == K__N) {
		iniload_err(&x->ini, x->ini.lineno, "unknown key '%s' in [%s]",
			iniload_quote(name, q, sizeof(q)), section);
		return 1;
	}
	if (x->seen[i]) {
		iniload_err(&x->ini, x->ini.lineno, "[%s] %s is set again (first on line %d)",
			section, name, x->seen[i]);
		return 1;
	}
	x->seen[i] = x->ini.lineno;
	x->bad[i] = !cfg_set(x, &cfg_keys[i], value);
	return 1;
}

/* Line to blame for a problem between keys a and b: the later one set. */
static int cfg_blame(const struct cfg_ctx *x, int a, int b)
{
	return x->seen[a] > x->seen[b] ? x->seen[a] : x->seen[b];
}

/* After the parse: sizes that follow the orientation, checks across keys. */
static void cfg_finish(struct cfg_ctx *x)
{
	struct config *c = x->c;
	bool land = c->orientation == CONFIG_LANDSCAPE;

	/* An unset (or bad) dimension takes the orientation's default. */
	if (!x->seen[K_WIDTH] || x->bad[K_WIDTH])
		c->screen_w = land ? CFG_PORTRAIT_H : CFG_PORTRAIT_W;
	if (!x->seen[K_HEIGHT] || x->bad[K_HEIGHT])
		c->screen_h = land ? CFG_PORTRAIT_W : CFG_PORTRAIT_H;

	if (!x->bad[K_WIDTH] && !x->bad[K_HEIGHT] && !x->bad[K_ORIENT] &&
	    (land ? c->screen_w < c->screen_h : c->screen_w > c->screen_h))
		iniload_err(&x->ini, cfg_blame(x, K_ORIENT, x->seen[K_WIDTH] >
				     x->seen[K_HEIGHT] ? K_WIDTH : K_HEIGHT),
			"[screen] %dx%d does not fit orientation %s (%s)",
			c->screen_w, c->screen_h, land ? "landscape" : "portrait",
			land ? "width must be at least the height"
			     : "height must be at least the width");

	if (!x->bad[K_CONNECT] && !x->bad[K_TOTAL] &&
	    c->total_timeout_ms < c->connect_timeout_ms)
		iniload_err(&x->ini, cfg_blame(x, K_CONNECT, K_TOTAL),
			"[server] total_timeout_ms (%d) is less than "
			"connect_timeout_ms (%d)", c->total_timeout_ms,
			c->connect_timeout_ms);

	if (c->disp_driver == CONFIG_DISP_SERIAL && !x->bad[K_DISP_DEVICE] &&
	    c->disp_device[0] == '\0')
		iniload_err(&x->ini, cfg_blame(x, K_DISP_DRIVER, K_DISP_DEVICE),
			"[dispenser] driver = serial needs a device (e.g. "
			"/dev/ttyUSB0)");
	if (x->seen[K_DISP_STOCK] && !x->bad[K_DISP_STOCK] &&
	    !x->bad[K_DISP_SLOTS] && x->stock_n != c->disp_slots)
		iniload_err(&x->ini, cfg_blame(x, K_DISP_STOCK, K_DISP_SLOTS),
			"[dispenser] stock has %d value%s but slots is %d",
			x->stock_n, x->stock_n == 1 ? "" : "s", c->disp_slots);
}

/* The defaults of every key; the state directory is the installed one. */
void config_defaults(struct config *c)
{
	int i;

	assert(c);
	memset(c, 0, sizeof(*c));
	snprintf(c->kiosk_id, sizeof(c->kiosk_id), "%s", "kiosk-dev");
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", PATHS_KIOSK_STATE);
	snprintf(c->server_url, sizeof(c->server_url), "%s",
		 "https://127.0.0.1:8443");
	c->ca_file[0] = '\0';
	c->connect_timeout_ms = 3000;
	c->total_timeout_ms = 15000;
	c->screen_w = CFG_PORTRAIT_W;
	c->screen_h = CFG_PORTRAIT_H;
	c->orientation = CONFIG_PORTRAIT;
	c->fullscreen = false;
	snprintf(c->font, sizeof(c->font), "%s",
		 "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
	c->video = CONFIG_VIDEO_AUTO;
	c->renderer = CONFIG_RENDERER_AUTO;
	c->rotate = 0;
	c->idle_warn_s = 60;
	c->idle_reset_s = 30;
	c->sync_interval_s = 10;
	c->heartbeat_s = 60;
	c->purge_days = 30;
	c->log_level = LOG_INFO;
	c->disp_driver = CONFIG_DISP_NONE;
	c->disp_baud = 9600;
	c->disp_slots = 2;
	for (i = 0; i < CONFIG_DISP_SLOTS_MAX; i++)
		c->disp_stock[i] = CFG_STOCK_DEFAULT;
	c->disp_timeout_ms = 1000;
	c->disp_retries = 2;
}

/* Defaults, then the file at path on top; see config.h. */
ca_err config_load(struct config *c, const char *path, char *err,
		   size_t errlen)
{
	struct cfg_ctx x;
	ca_err ret;

	assert(c && path);
	config_defaults(c);
	memset(&x, 0, sizeof(x));
	x.c = c;
	ret = iniload_parse(&x.ini, path, cfg_sections, CFG_LINE_MAX, err, errlen,
			    cfg_handler, &x);
	if (ret != CA_OK)
		return ret;
	cfg_finish(&x);
	return iniload_result(&x.ini);
}
