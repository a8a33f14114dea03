/*
 * test_config.c - config.h: defaults, every key, strict values, and every
 * kind of problem reported as "path:LINE: message", all of them at once.
 *
 * Each test writes a real file under $TMPDIR (else /tmp) and loads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk/config/config.h"
#include "../support/tmpdir.h"

/* A loaded test file: its path and the result of config_load. */
struct loaded {
	char path[256];           /* temporary file name */
	struct config c;          /* what was loaded */
	char err[CONFIG_ERR_MAX]; /* messages */
	ca_err rc;                /* config_load's result */
};

/* Write text (len bytes) to a fresh temporary file; name into path. */
static void write_file(char *path, size_t n, const char *text, size_t len)
{
	assert_int_equal(tmpdir_file(path, n, "test_config", text, len), 0);
}

/* Load text as a config file into *l, then remove the file. */
static ca_err load_n(struct loaded *l, const char *text, size_t len)
{
	memset(l, 0, sizeof(*l));
	write_file(l->path, sizeof(l->path), text, len);
	l->rc = config_load(&l->c, l->path, l->err, sizeof(l->err));
	unlink(l->path);
	return l->rc;
}

static ca_err load(struct loaded *l, const char *text)
{
	return load_n(l, text, strlen(text));
}

/* Number of message lines in err. */
static int err_lines(const char *err)
{
	int n = *err ? 1 : 0;

	for (; *err; err++)
		n += *err == '\n';
	return n;
}

/* Fail unless err has a line "path:line: ..." that contains needle. */
static void assert_err_at(const struct loaded *l, int line,
			  const char *needle)
{
	char prefix[300];
	const char *p = l->err;
	size_t plen;

	snprintf(prefix, sizeof(prefix), "%s:%d: ", l->path, line);
	plen = strlen(prefix);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len >= plen && memcmp(p, prefix, plen) == 0 &&
		    memmem(p, len, needle, strlen(needle)))
			return;
		p = eol ? eol + 1 : NULL;
	}
	fail_msg("no \"%s...%s\" in:\n%s", prefix, needle, l->err);
}

/* Load text (len bytes); expect exactly one message, on line. */
static void assert_one_err(const char *text, size_t len, int line,
			   const char *needle)
{
	struct loaded l;

	if (load_n(&l, text, len) != CA_ERR_CONFIG)
		fail_msg("accepted:\n%s", text);
	assert_err_at(&l, line, needle);
	if (err_lines(l.err) != 1)
		fail_msg("one bad line, %d messages:\n%s", err_lines(l.err),
			 l.err);
}

static void assert_one_err_s(const char *text, int line, const char *needle)
{
	assert_one_err(text, strlen(text), line, needle);
}

/* Load one line into section sect; expect exactly one error on line 2. */
static void assert_bad(const char *sect, const char *line, const char *needle)
{
	char text[2048];

	snprintf(text, sizeof(text), "[%s]\n%s\n", sect, line);
	assert_one_err_s(text, 2, needle);
}

/* Load one line into section sect; expect success. */
static void assert_good(const char *sect, const char *line, struct loaded *l)
{
	char text[2048];

	snprintf(text, sizeof(text), "[%s]\n%s\n", sect, line);
	if (load(l, text) != CA_OK)
		fail_msg("rejected: [%s] %s:\n%s", sect, line, l->err);
}

/* Each of the n config texts (a section header and one line) must be
 * refused with exactly one message, on line 2, holding needle. */
static void assert_bad_each(const char *needle, const char *const *texts, size_t n)
{
	for (; n > 0; n--, texts++)
		assert_one_err_s(*texts, 2, needle);
}

#define BAD_EACH(needle, texts) \
	assert_bad_each(needle, texts, sizeof(texts) / sizeof(texts[0]))

/* One line under one section that loads, and the field of struct config
 * it sets: to num (an int or enum field) or to str (a string field). */
struct sets_case {
	const char *sect; /* the section the line stands in */
	const char *line; /* the line */
	size_t off;       /* offsetof the field checked */
	size_t size;      /* sizeof that field */
	int num;          /* str NULL: the field's value */
	const char *str;  /* the string field's value, or NULL */
};

#define SETS(sect, line, field, v) \
	{ sect, line, offsetof(struct config, field), \
	  sizeof(((struct config *)0)->field), v, NULL }
#define SETS_STR(sect, line, field, v) \
	{ sect, line, offsetof(struct config, field), \
	  sizeof(((struct config *)0)->field), 0, v }

/* Load every row of the table c (n rows) and check its field, naming a
 * failing row. */
static void check_sets(const struct sets_case *c, size_t n)
{
	const char *field;
	struct loaded l;
	int v;

	for (; n > 0; n--, c++) {
		assert_good(c->sect, c->line, &l);
		field = (const char *)&l.c + c->off;
		if (c->str) {
			if (strcmp(field, c->str) != 0)
				fail_msg("[%s] %s: \"%s\", not \"%s\"", c->sect,
					 c->line, field, c->str);
			continue;
		}
		if (c->size != sizeof(v))
			fail_msg("[%s] %s: the field is not an int", c->sect, c->line);
		memcpy(&v, field, sizeof(v));
		if (v != c->num)
			fail_msg("[%s] %s: %d, not %d", c->sect, c->line, v, c->num);
	}
}

#define CHECK_SETS(rows) check_sets(rows, sizeof(rows) / sizeof(rows[0]))

/* Two well-formed public-key pins (sha256// + 44 base64 characters). */
#define PIN_A "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE="
#define PIN_B "sha256//t62CeU2tQiqkexU74Gxa2eg7fRbEgoChTociMee9wno="

static void test_config_defaults_are_the_documented_ones(void **state)
{
	struct config c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	assert_string_equal(c.kiosk_id, "kiosk-dev");
	assert_string_equal(c.data_dir, "/var/lib/ca-kiosk");
	assert_string_equal(c.server_url, "https://127.0.0.1:8443");
	assert_string_equal(c.ca_file, "");
	assert_string_equal(c.pin, "");
	assert_string_equal(c.secret_file, "");
	assert_int_equal(c.connect_timeout_ms, 3000);
	assert_int_equal(c.total_timeout_ms, 15000);
	assert_int_equal(c.screen_w, 1080);
	assert_int_equal(c.screen_h, 1920);
	assert_int_equal(c.orientation, CONFIG_PORTRAIT);
	assert_false(c.fullscreen);
	assert_string_equal(c.font,
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
	assert_int_equal(c.idle_warn_s, 60);
	assert_int_equal(c.idle_reset_s, 30);
	assert_int_equal(c.sync_interval_s, 10);
	assert_int_equal(c.heartbeat_s, 60);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.disp_driver, CONFIG_DISP_NONE);
	assert_string_equal(c.disp_device, "");
	assert_int_equal(c.disp_baud, 9600);
	assert_int_equal(c.disp_slots, 2);
	assert_int_equal(c.disp_stock[0], 10);
	assert_int_equal(c.disp_stock[CONFIG_DISP_SLOTS_MAX - 1], 10);
	assert_string_equal(c.disp_state_file, "");
	assert_int_equal(c.disp_timeout_ms, 1000);
	assert_int_equal(c.disp_retries, 2);
}

static void test_config_empty_file_gives_defaults(void **state)
{
	struct config d;
	struct loaded l;

	(void)state;
	config_defaults(&d);
	assert_int_equal(load(&l, ""), CA_OK);
	assert_memory_equal(&l.c, &d, sizeof(d));
	assert_string_equal(l.err, "");
}

static void test_config_comments_sections_only_give_defaults(void **state)
{
	struct config d;
	struct loaded l;

	(void)state;
	config_defaults(&d);
	assert_int_equal(load(&l, "; comment\n# another\n\n   \n[kiosk]\n"
				  "[server]\n[screen]\n[timeouts]\n[log]\n"
				  "[dispenser]\n"),
			 CA_OK);
	assert_memory_equal(&l.c, &d, sizeof(d));
}

static void test_config_every_key_is_parsed(void **state)
{
	struct loaded l;

	(void)state;
	assert_int_equal(load(&l,
		"[kiosk]\n"
		"id = hall-3_A\n"
		"data_dir = /var/lib/ca-kiosk\n"
		"secret_file = /etc/ca-kiosk/device.secret\n"
		"[server]\n"
		"url = https://hub.example.cn:9443/api\n"
		"ca_file = /etc/ca-kiosk/hub-ca.pem\n"
		"pin = " PIN_A "\n"
		"connect_timeout_ms = 2500\n"
		"total_timeout_ms = 20000\n"
		"[screen]\n"
		"width = 1280\n"
		"height = 2000\n"
		"orientation = portrait\n"
		"fullscreen = true\n"
		"font = /opt/fonts/wqy-microhei.ttc\n"
		"driver = kmsdrm\n"
		"renderer = opengles2\n"
		"rotate = 270\n"
		"[timeouts]\n"
		"idle_warn_s = 90\n"
		"idle_reset_s = 20\n"
		"sync_interval_s = 5\n"
		"[log]\n"
		"level = debug\n"
		"[dispenser]\n"
		"driver = serial\n"
		"device = /dev/ttyUSB0\n"
		"baud = 115200\n"
		"slots = 3\n"
		"stock = 20, 0,7\n"
		"state_file = /var/lib/ca-kiosk/disp.state\n"
		"timeout_ms = 1500\n"
		"retries = 4\n"), CA_OK);
	assert_string_equal(l.c.kiosk_id, "hall-3_A");
	assert_string_equal(l.c.data_dir, "/var/lib/ca-kiosk");
	assert_string_equal(l.c.server_url, "https://hub.example.cn:9443/api");
	assert_string_equal(l.c.ca_file, "/etc/ca-kiosk/hub-ca.pem");
	assert_string_equal(l.c.secret_file, "/etc/ca-kiosk/device.secret");
	assert_string_equal(l.c.pin, PIN_A);
	assert_int_equal(l.c.connect_timeout_ms, 2500);
	assert_int_equal(l.c.total_timeout_ms, 20000);
	assert_int_equal(l.c.screen_w, 1280);
	assert_int_equal(l.c.screen_h, 2000);
	assert_int_equal(l.c.orientation, CONFIG_PORTRAIT);
	assert_true(l.c.fullscreen);
	assert_string_equal(l.c.font, "/opt/fonts/wqy-microhei.ttc");
	assert_int_equal(l.c.video, CONFIG_VIDEO_KMSDRM);
	assert_int_equal(l.c.renderer, CONFIG_RENDERER_OPENGLES2);
	assert_int_equal(l.c.rotate, 270);
	assert_int_equal(l.c.idle_warn_s, 90);
	assert_int_equal(l.c.idle_reset_s, 20);
	assert_int_equal(l.c.sync_interval_s, 5);
	assert_int_equal(l.c.log_level, LOG_DEBUG);
	assert_int_equal(l.c.disp_driver, CONFIG_DISP_SERIAL);
	assert_string_equal(l.c.disp_device, "/dev/ttyUSB0");
	assert_int_equal(l.c.disp_baud, 115200);
	assert_int_equal(l.c.disp_slots, 3);
	assert_int_equal(l.c.disp_stock[0], 20);
	assert_int_equal(l.c.disp_stock[1], 0);
	assert_int_equal(l.c.disp_stock[2], 7);
	assert_string_equal(l.c.disp_state_file, "/var/lib/ca-kiosk/disp.state");
	assert_int_equal(l.c.disp_timeout_ms, 1500);
	assert_int_equal(l.c.disp_retries, 4);
}

static void test_config_boolean_spellings(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE",
					   "Yes" };
	static const char *const no[] = { "false", "no", "off", "0", "Off" };
	char line[64];
	struct loaded l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(line, sizeof(line), "fullscreen = %s", yes[i]);
		assert_good("screen", line, &l);
		assert_true(l.c.fullscreen);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(line, sizeof(line), "fullscreen = %s", no[i]);
		assert_good("screen", line, &l);
		assert_false(l.c.fullscreen);
	}
}

static void test_config_bad_boolean_is_reported(void **state)
{
	static const char *const bad[] = {
		"[screen]\nfullscreen = maybe\n",
		"[screen]\nfullscreen = 2\n",
		"[screen]\nfullscreen = \n",
		"[screen]\nfullscreen = truee\n",
	};

	(void)state;
	BAD_EACH("fullscreen", bad);
}

static void test_config_integer_must_be_whole_decimal(void **state)
{
	static const char *const bad[] = {
		"[server]\nconnect_timeout_ms = abc\n",
		"[server]\nconnect_timeout_ms = 3000ms\n",
		"[server]\nconnect_timeout_ms = 0x400\n",
		"[server]\nconnect_timeout_ms = 30 00\n",
		"[server]\nconnect_timeout_ms = 3000.5\n",
		"[server]\nconnect_timeout_ms = +3000\n",
		"[server]\nconnect_timeout_ms =\n",
		"[screen]\nwidth = -\n",
	};

	(void)state;
	BAD_EACH("not a whole number", bad);
}

static void test_config_integer_ranges_are_enforced(void **state)
{
	static const char *const bad[] = {
		"[server]\nconnect_timeout_ms = 99\n",
		"[server]\ntotal_timeout_ms = 120001\n",
		"[server]\nconnect_timeout_ms = 99999999999999999999999\n",
		"[screen]\nwidth = 319\n",
		"[screen]\nheight = 7681\n",
		"[screen]\nheight = -1920\n",
		"[timeouts]\nidle_warn_s = 9\n",
		"[timeouts]\nidle_reset_s = 3601\n",
		"[timeouts]\nsync_interval_s = 0\n",
	}, *const bad_heartbeat[] = {
		"[timeouts]\nheartbeat_s = 0\n",
		"[timeouts]\nheartbeat_s = 3601\n",
	};
	static const struct sets_case good[] = {
		SETS("server", "connect_timeout_ms = 100", connect_timeout_ms, 100),
		SETS("server", "total_timeout_ms = 120000", total_timeout_ms, 120000),
		SETS("timeouts", "idle_warn_s = 3600", idle_warn_s, 3600),
		SETS("timeouts", "sync_interval_s = 0001", sync_interval_s, 1),
		SETS("timeouts", "heartbeat_s = 1", heartbeat_s, 1),
		SETS("timeouts", "heartbeat_s = 3600", heartbeat_s, 3600),
	};

	(void)state;
	BAD_EACH("out of range", bad);
	BAD_EACH("out of range 1..3600", bad_heartbeat);
	CHECK_SETS(good);
}

static void test_config_enums_by_name(void **state)
{
	static const struct sets_case good[] = {
		SETS("log", "level = warn", log_level, LOG_WARN),
		SETS("log", "level = Error", log_level, LOG_ERROR),
	};

	(void)state;
	CHECK_SETS(good);
	assert_bad("log", "level = verbose", "level");
	assert_bad("log", "level = 3", "level");
	assert_bad("screen", "orientation = diagonal", "orientation");
	assert_bad("screen", "orientation = 1", "orientation");
}

/* [screen] driver and renderer: every name, any case, defaults auto;
 * anything else names the choices. */
static void test_config_screen_driver_and_renderer(void **state)
{
	static const struct { const char *v; int want; } drivers[] = {
		{ "auto", CONFIG_VIDEO_AUTO }, { "KMSDRM", CONFIG_VIDEO_KMSDRM },
		{ "wayland", CONFIG_VIDEO_WAYLAND }, { "X11", CONFIG_VIDEO_X11 },
	}, renderers[] = {
		{ "Auto", CONFIG_RENDERER_AUTO }, { "software", CONFIG_RENDERER_SOFTWARE },
		{ "OpenGLES2", CONFIG_RENDERER_OPENGLES2 }, { "opengl", CONFIG_RENDERER_OPENGL },
	};
	struct loaded l;
	char line[64];
	size_t i;

	(void)state;
	assert_good("screen", "", &l);
	assert_int_equal(l.c.video, CONFIG_VIDEO_AUTO);
	assert_int_equal(l.c.renderer, CONFIG_RENDERER_AUTO);
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(line, sizeof(line), "driver = %s", drivers[i].v);
		assert_good("screen", line, &l);
		assert_int_equal(l.c.video, drivers[i].want);
		snprintf(line, sizeof(line), "renderer = %s", renderers[i].v);
		assert_good("screen", line, &l);
		assert_int_equal(l.c.renderer, renderers[i].want);
	}
	assert_bad("screen", "driver = fbdev",
		   "[screen] driver: 'fbdev' is not auto, kmsdrm, wayland or x11");
	assert_bad("screen", "driver = ", "driver");
	assert_bad("screen", "driver = x11 wayland", "driver");
	assert_bad("screen", "renderer = vulkan",
		   "[screen] renderer: 'vulkan' is not auto, software, opengles2 or opengl");
	assert_bad("screen", "renderer = gl", "renderer");
}

/* [screen] rotate: the four right angles only. */
static void test_config_screen_rotate(void **state)
{
	static const int ok[] = { 0, 90, 180, 270 };
	struct loaded l;
	char line[32];
	size_t i;

	(void)state;
	assert_good("screen", "", &l);
	assert_int_equal(l.c.rotate, 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "rotate = %d", ok[i]);
		assert_good("screen", line, &l);
		assert_int_equal(l.c.rotate, ok[i]);
	}
	/* Portrait UI on a landscape panel: the UI size stays what it was. */
	assert_good("screen", "rotate = 90", &l);
	assert_int_equal(l.c.screen_w, 1080);
	assert_int_equal(l.c.screen_h, 1920);
	assert_bad("screen", "rotate = 45",
		   "[screen] rotate: '45' is not 0, 90, 180 or 270 (degrees, clockwise)");
	assert_bad("screen", "rotate = 360", "not 0, 90, 180 or 270");
	assert_bad("screen", "rotate = -90", "not 0, 90, 180 or 270");
	assert_bad("screen", "rotate = 90deg", "not 0, 90, 180 or 270");
	assert_bad("screen", "rotate = ", "not 0, 90, 180 or 270");
}

static void test_config_kiosk_id_charset_and_length(void **state)
{
	static const char *const bad[] = {
		"[kiosk]\nid = abcdefghijklmnopqrstuvwxyz0123456\n",
		"[kiosk]\nid =\n",
		"[kiosk]\nid = hall 3\n",
		"[kiosk]\nid = hall/3\n",
		"[kiosk]\nid = 大厅3\n",
		"[kiosk]\nid = hall.3\n",
	};
	struct loaded l;

	(void)state;
	assert_good("kiosk", "id = abcdefghijklmnopqrstuvwxyz012345", &l);
	assert_string_equal(l.c.kiosk_id, "abcdefghijklmnopqrstuvwxyz012345");
	BAD_EACH("id", bad);
}

static void test_config_url_rules(void **state)
{
	static const char *const good[] = {
		"https://hub.example.cn",
		"https://hub.example.cn:8443/api/v1",
		"https://10.0.0.5:443",
		"https://[2001:db8::1]:8443/",
		"http://127.0.0.1:8080",
		"http://localhost:8080/x",
		"http://[::1]:8080",
		"http://LOCALHOST",
	};
	static const char *const bad[] = {
		"hub.example.cn",
		"ftp://hub.example.cn",
		"HTTPS://hub.example.cn",
		"http://hub.example.cn",
		"http://10.0.0.5",
		"http://127.0.0.1.example.com/",
		"http://localhost@evil.example.com/",
		"https://user:pw@hub.example.cn/",
		"https://",
		"https:///path",
		"https://hub.example.cn:0",
		"https://hub.example.cn:65536",
		"https://hub.example.cn:http",
		"https://hub example.cn",
		"https://[::1",
	};
	char line[300];
	struct loaded l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "url = %s", good[i]);
		assert_good("server", line, &l);
		assert_string_equal(l.c.server_url, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "url = %s", bad[i]);
		assert_bad("server", line, "url");
	}
}

static void test_config_empty_required_paths_are_errors(void **state)
{
	struct loaded l;

	(void)state;
	assert_bad("kiosk", "data_dir =", "must not be empty");
	assert_bad("screen", "font =", "must not be empty");
	assert_bad("server", "url =", "url");
	/* ca_file may be empty: the system's CA store. */
	assert_good("server", "ca_file =", &l);
	assert_string_equal(l.c.ca_file, "");
}

/* [server] pin: empty, or sha256// pins for CURLOPT_PINNEDPUBLICKEY. */
static void test_config_pin_rules(void **state)
{
	static const struct sets_case good[] = {
		SETS_STR("server", "pin =", pin, ""),
		SETS_STR("server", "pin = " PIN_A ";" PIN_B, pin, PIN_A ";" PIN_B),
		/* secret_file may be empty (then the kiosk does not sync). */
		SETS_STR("kiosk", "secret_file =", secret_file, ""),
	};
	static const char *const not_pins[] = {
		"[server]\npin = /etc/hub.pub\n",
		"[server]\npin = " PIN_A ";\n",
	}, *const bad_base64[] = {
		"[server]\npin = sha256//short=\n",
		"[server]\npin = " PIN_A "x\n",
		"[server]\npin = sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvR!wE=\n",
	};

	(void)state;
	CHECK_SETS(good);
	BAD_EACH("sha256//", not_pins);
	BAD_EACH("44 base64", bad_base64);
}

static void test_config_maint_pin_rules(void **state)
{
	static const struct sets_case good[] = {
		SETS_STR("kiosk", "maint_pin =", maint_pin, ""),
		SETS_STR("kiosk", "maint_pin = 2468", maint_pin, "2468"),
		SETS_STR("kiosk", "maint_pin = 12345678", maint_pin, "12345678"),
	};
	static const char *const bad[] = {
		"[kiosk]\nmaint_pin = 123\n",
		"[kiosk]\nmaint_pin = 123456789\n",
		"[kiosk]\nmaint_pin = 12a4\n",
	};

	(void)state;
	CHECK_SETS(good);
	BAD_EACH("4 to 8 digits", bad);
}

static void test_config_overlong_string_is_error_not_truncated(void **state)
{
	char text[CONFIG_PATH_MAX + 64], path[CONFIG_PATH_MAX + 2];
	struct loaded l;

	(void)state;
	/* 255 bytes: the most that fits. */
	memset(path, 'd', sizeof(path));
	path[0] = '/';
	path[CONFIG_PATH_MAX] = '\0';
	snprintf(text, sizeof(text), "[kiosk]\ndata_dir = %s\n", path);
	assert_int_equal(load(&l, text), CA_OK);
	assert_int_equal(strlen(l.c.data_dir), CONFIG_PATH_MAX);
	assert_string_equal(l.c.data_dir, path);

	/* 256 bytes: an error, and the default stays, not a cut value. */
	path[CONFIG_PATH_MAX] = 'd';
	path[CONFIG_PATH_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "[screen]\nfont = %s\n", path);
	assert_int_equal(load(&l, text), CA_ERR_CONFIG);
	assert_err_at(&l, 2, "too long");
	assert_string_equal(l.c.font,
		"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");

	snprintf(text, sizeof(text), "[server]\n\nurl = https://%s\n", path);
	assert_int_equal(load(&l, text), CA_ERR_CONFIG);
	assert_err_at(&l, 3, "too long");
	assert_string_equal(l.c.server_url, "https://127.0.0.1:8443");
}

static void test_config_unknown_section_reported_once(void **state)
{
	struct loaded l;

	(void)state;
	assert_int_equal(load(&l, "[kiosk]\nid = a\n\n[display]\nwidth = 5\n"
				  "height = 6\n"), CA_ERR_CONFIG);
	assert_err_at(&l, 4, "unknown section [display]");
	assert_int_equal(err_lines(l.err), 1);
	assert_string_equal(l.c.kiosk_id, "a");

	/* A header with no keys under it is reported too. */
	assert_one_err_s("[Kiosk]\n", 1, "unknown section [Kiosk]");
}

static void test_config_unknown_key_reported_with_line(void **state)
{
	(void)state;
	assert_one_err_s("[kiosk]\nid = a\n[screen]\nwidht = 1080\n", 4,
			 "unknown key 'widht' in [screen]");
	/* A key of another section is unknown here. */
	assert_bad("screen", "level = info", "unknown key 'level'");
}

static void test_config_key_outside_any_section(void **state)
{
	(void)state;
	assert_one_err_s("id = a\n[kiosk]\n", 1, "outside any [section]");
}

static void test_config_malformed_lines_reported(void **state)
{
	struct loaded l;

	(void)state;
	assert_int_equal(load(&l, "[kiosk\nid = a\njust words\n[server]\n"),
			 CA_ERR_CONFIG);
	assert_err_at(&l, 1, "without ']'");
	/* the broken header opened no section */
	assert_err_at(&l, 2, "outside any [section]");
	assert_err_at(&l, 3, "expected 'key = value'");
	assert_int_equal(err_lines(l.err), 3);
	/* Continuation lines are not a thing here. */
	assert_one_err_s("[kiosk]\nid = a\n  b\n", 3, "expected 'key = value'");
}

static void test_config_each_bad_line_reported_once(void **state)
{
	static const char nul[] = "[kiosk]\nid = a\0b\nmaint_pin = 1234\n";
	char text[2048];

	(void)state;
	/* A bad value is not blamed again by the checks across keys. */
	assert_one_err_s("[screen]\norientation = sideways\nwidth = 2000\n", 2,
			 "orientation: 'sideways'");
	assert_one_err_s("[dispenser]\nslots = 99\nstock = 1, 2, 3\n", 2,
			 "slots: 99 is out of range");
	assert_one_err_s("[dispenser]\ndriver = serial\ndevice = /dev/tty\x01\n",
			 3, "device: control character");
	assert_one_err_s("[server]\nconnect_timeout_ms = 5000\n"
			 "total_timeout_ms = 50\n", 3, "total_timeout_ms: 50");
	/* A line the reader refuses is not refused again by inih. */
	assert_one_err_s("[kiosk]\nid = a\n[server\n", 3, "without ']'");
	assert_one_err_s("[kiosk]\nid = a\njust words\n", 3,
			 "expected 'key = value'");
	assert_one_err(nul, sizeof(nul) - 1, 2, "NUL byte");
	memset(text, 'x', sizeof(text));
	memcpy(text, "[kiosk]\nid = ", 13);
	text[sizeof(text) - 1] = '\n';
	assert_one_err(text, sizeof(text), 2, "line too long");
	/* An unknown section once, at its header, not at each key. */
	assert_one_err_s("[kiosk]\n[display]\nwidth = 5\nheight = 6\n", 2,
			 "unknown section [display]");
}

static void test_config_duplicate_key_is_error_first_value_kept(void **state)
{
	struct loaded l;

	(void)state;
	assert_int_equal(load(&l, "[kiosk]\nid = first\n[server]\n[kiosk]\n"
				  "id = second\n"), CA_ERR_CONFIG);
	assert_err_at(&l, 5, "set again (first on line 2)");
	assert_string_equal(l.c.kiosk_id, "first");
}

static void test_config_all_problems_reported_good_values_kept(void **state)
{
	struct loaded l;

	(void)state;
	assert_int_equal(load(&l,
		"[kiosk]\n"                      /* 1 */
		"id = bad id\n"                  /* 2 */
		"data_dir = var/ok\n"            /* 3 */
		"[server]\n"                     /* 4 */
		"url = http://hub.example.cn\n"  /* 5 */
		"connect_timeout_ms = 50\n"      /* 6 */
		"color = red\n"                  /* 7 */
		"[screen]\n"                     /* 8 */
		"fullscreen = sometimes\n"       /* 9 */
		"width = 1200\n"                 /* 10 */
		"[sound]\n"                      /* 11 */
		"volume = 11\n"                  /* 12 */
		"[timeouts]\n"                   /* 13 */
		"idle_warn_s = 5\n"              /* 14 */
		"[log]\n"                        /* 15 */
		"level = loud\n"),               /* 16 */
		CA_ERR_CONFIG);
	assert_err_at(&l, 2, "id");
	assert_err_at(&l, 5, "url");
	assert_err_at(&l, 6, "connect_timeout_ms");
	assert_err_at(&l, 7, "unknown key 'color'");
	assert_err_at(&l, 9, "fullscreen");
	assert_err_at(&l, 11, "unknown section [sound]");
	assert_err_at(&l, 14, "idle_warn_s");
	assert_err_at(&l, 16, "level");
	assert_int_equal(err_lines(l.err), 8);
	/* the good ones were applied */
	assert_string_equal(l.c.data_dir, "var/ok");
	assert_int_equal(l.c.screen_w, 1200);
	/* the bad ones left the defaults */
	assert_string_equal(l.c.kiosk_id, "kiosk-dev");
	assert_int_equal(l.c.connect_timeout_ms, 3000);
	assert_int_equal(l.c.log_level, LOG_INFO);
}

static void test_config_many_problems_capped_and_counted(void **state)
{
	size_t i, len = 0, cap = 600 * 24;
	char *text = malloc(cap);
	struct loaded l;
	const char *last;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "[kiosk]\n");
	for (i = 0; i < 600; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"nosuch%zu = 1\n", i);
	assert_int_equal(load_n(&l, text, len), CA_ERR_CONFIG);
	assert_true(strlen(l.err) < sizeof(l.err));
	assert_err_at(&l, 2, "unknown key 'nosuch0'");
	last = strrchr(l.err, '\n');
	assert_non_null(last);
	assert_non_null(strstr(last, "more problems not shown"));
	/* the shown ones plus the counted ones are all 600 */
	assert_int_equal(err_lines(l.err) - 1 + atoi(strchr(last, ' ') + 1),
			 600);
	free(text);
}

static void test_config_small_error_buffer_not_overrun(void **state)
{
	char path[256], err[48 + 8];
	struct config c;
	static const char text[] = "[kiosk]\nid = ???\nx = 1\ny = 2\n";

	(void)state;
	write_file(path, sizeof(path), text, sizeof(text) - 1);
	memset(err, '#', sizeof(err));
	assert_int_equal(config_load(&c, path, err, 48), CA_ERR_CONFIG);
	assert_true(strlen(err) < 48);
	assert_memory_equal(err + 48, "########", 8);
	assert_int_equal(config_load(&c, path, NULL, 0), CA_ERR_CONFIG);
	unlink(path);
}

static void test_config_missing_file_is_io_error_naming_it(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/dir/kiosk.ini", err,
				     sizeof(err)), CA_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent/dir/kiosk.ini"));
	assert_string_equal(c.kiosk_id, "kiosk-dev");
	/* A directory cannot be read as a file either. */
	assert_int_equal(config_load(&c, "/tmp", err, sizeof(err)), CA_ERR_IO);
	assert_non_null(strstr(err, "/tmp"));
}

static void test_config_landscape_default_size(void **state)
{
	struct loaded l;

	(void)state;
	assert_good("screen", "orientation = landscape", &l);
	assert_int_equal(l.c.orientation, CONFIG_LANDSCAPE);
	assert_int_equal(l.c.screen_w, 1920);
	assert_int_equal(l.c.screen_h, 1080);

	assert_good("screen", "orientation = portrait", &l);
	assert_int_equal(l.c.screen_w, 1080);
	assert_int_equal(l.c.screen_h, 1920);

	/* Explicit sizes are kept; an unset one follows the orientation. */
	assert_int_equal(load(&l, "[screen]\nwidth = 2560\nheight = 1440\n"
				  "orientation = landscape\n"), CA_OK);
	assert_int_equal(l.c.screen_w, 2560);
	assert_int_equal(l.c.screen_h, 1440);
	assert_int_equal(load(&l, "[screen]\norientation = landscape\n"
				  "width = 1366\n"), CA_OK);
	assert_int_equal(l.c.screen_w, 1366);
	assert_int_equal(l.c.screen_h, 1080);
}

static void test_config_shape_contradicting_orientation(void **state)
{
	(void)state;
	assert_one_err_s("[screen]\norientation = landscape\nwidth = 1080\nheight = 1920\n",
			 4, "does not fit orientation landscape");
	assert_one_err_s("[screen]\nwidth = 1920\nheight = 1080\n", 3,
			 "does not fit orientation portrait");
}

static void test_config_total_timeout_below_connect(void **state)
{
	(void)state;
	assert_one_err_s("[server]\ntotal_timeout_ms = 2000\n", 2,
			 "less than connect_timeout_ms");
}

static void test_config_long_line_reported_numbers_stay_right(void **state)
{
	size_t cap = 4096, len;
	char *text = malloc(cap);
	struct loaded l;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "[kiosk]\n; ");
	memset(text + len, 'x', 2000);
	len += 2000;
	len += (size_t)snprintf(text + len, cap - len,
				"\nid = ok-1\n[screen]\nwidth = huge\n");
	assert_int_equal(load_n(&l, text, len), CA_ERR_CONFIG);
	assert_err_at(&l, 2, "line too long");
	assert_err_at(&l, 5, "width");
	assert_int_equal(err_lines(l.err), 2);
	assert_string_equal(l.c.kiosk_id, "ok-1");
	free(text);
}

static void test_config_crlf_bom_and_inline_comments(void **state)
{
	static const char text[] =
		"\xEF\xBB\xBF[kiosk]\r\n"
		"id = hall-7 ; the east hall\r\n"
		"data_dir = var/a;b\r\n"
		"[screen]\r\n"
		"width = wide\r\n";
	struct loaded l;

	(void)state;
	assert_int_equal(load_n(&l, text, sizeof(text) - 1), CA_ERR_CONFIG);
	assert_string_equal(l.c.kiosk_id, "hall-7");
	assert_string_equal(l.c.data_dir, "var/a;b");
	assert_err_at(&l, 5, "width");
	assert_int_equal(err_lines(l.err), 1);
}

static void test_config_nul_byte_and_control_chars(void **state)
{
	static const char text[] = "[kiosk]\nid = a\0b\ndata_dir = x\x01y\n";
	struct loaded l;

	(void)state;
	assert_int_equal(load_n(&l, text, sizeof(text) - 1), CA_ERR_CONFIG);
	assert_err_at(&l, 2, "NUL byte");
	assert_err_at(&l, 3, "control character");
	assert_string_equal(l.c.kiosk_id, "kiosk-dev");
	assert_string_equal(l.c.data_dir, "/var/lib/ca-kiosk");
}

static void test_config_privacy_purge_days(void **state)
{
	struct loaded l;

	(void)state;
	assert_good("privacy", "purge_days = 7", &l);
	assert_int_equal(l.c.purge_days, 7);
	assert_good("privacy", "", &l);
	assert_int_equal(l.c.purge_days, 30);
	assert_bad("privacy", "purge_days = 0", "out of range 1..3650");
	assert_bad("privacy", "purge_days = 3651", "out of range");
	assert_bad("privacy", "keep_days = 3", "unknown key");
}

static void test_config_dispenser_driver_and_baud(void **state)
{
	static const struct sets_case good[] = {
		SETS("dispenser", "driver = sim", disp_driver, CONFIG_DISP_SIM),
		SETS("dispenser", "driver = NONE", disp_driver, CONFIG_DISP_NONE),
		SETS("dispenser", "baud = 19200", disp_baud, 19200),
	};
	static const char *const bad_driver[] = {
		"[dispenser]\ndriver = usb\n",
		"[dispenser]\ndriver =\n",
	}, *const bad_baud[] = {
		"[dispenser]\nbaud = 9601\n",
		"[dispenser]\nbaud = fast\n",
		"[dispenser]\nbaud = 0x2580\n",
	};

	(void)state;
	CHECK_SETS(good);
	BAD_EACH("not none, sim or serial", bad_driver);
	BAD_EACH("is not one of 1200", bad_baud);
}

static void test_config_dispenser_serial_needs_device(void **state)
{
	struct loaded l;

	(void)state;
	assert_one_err_s("[dispenser]\ndriver = serial\n", 2, "driver = serial needs a device");
	assert_int_equal(load(&l, "[dispenser]\ndevice = /dev/ttyS0\n"
				  "driver = serial\n"), CA_OK);
	/* A device without the serial driver is harmless. */
	assert_good("dispenser", "device = /dev/ttyS1", &l);
	assert_int_equal(l.c.disp_driver, CONFIG_DISP_NONE);
}

static void test_config_dispenser_slots_and_stock(void **state)
{
	static const char *const not_listed[] = {
		"[dispenser]\nstock = 5,,5\n",
		"[dispenser]\nstock = 5,-1\n",
		"[dispenser]\nstock = 5,x\n",
		"[dispenser]\nstock = 5,\n",
	};
	struct loaded l;

	(void)state;
	assert_int_equal(load(&l, "[dispenser]\nslots = 1\nstock = 9999\n"),
			 CA_OK);
	assert_int_equal(l.c.disp_stock[0], 9999);
	assert_int_equal(load(&l, "[dispenser]\nslots = 8\n"), CA_OK);
	assert_int_equal(l.c.disp_stock[7], 10);
	assert_bad("dispenser", "slots = 0", "out of range 1..8");
	assert_bad("dispenser", "slots = 9", "out of range 1..8");
	/* default slots is 2: one value does not fit it */
	assert_bad("dispenser", "stock = 5", "stock has 1 value but slots is 2");
	BAD_EACH("comma-separated", not_listed);
	assert_bad("dispenser", "stock = 5,10000", "over 9999");
	assert_bad("dispenser", "stock = 1,1,1,1,1,1,1,1,1", "more than 8");
	assert_one_err_s("[dispenser]\nstock = 1,2,3\nslots = 2\n", 3,
			 "stock has 3 values but slots is 2");
}

static void test_config_dispenser_timeouts_ranges(void **state)
{
	struct loaded l;

	(void)state;
	assert_good("dispenser", "timeout_ms = 20", &l);
	assert_int_equal(l.c.disp_timeout_ms, 20);
	assert_bad("dispenser", "timeout_ms = 19", "out of range 20..60000");
	assert_bad("dispenser", "timeout_ms = 60001", "out of range");
	assert_good("dispenser", "retries = 0", &l);
	assert_int_equal(l.c.disp_retries, 0);
	assert_bad("dispenser", "retries = 11", "out of range 0..10");
	assert_bad("dispenser", "retries = -1", "out of range");
	assert_bad("dispenser", "colour = red", "unknown key 'colour'");
	assert_good("dispenser", "state_file =", &l);
	assert_string_equal(l.c.disp_state_file, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_are_the_documented_ones),
		cmocka_unit_test(test_config_empty_file_gives_defaults),
		cmocka_unit_test(
			test_config_comments_sections_only_give_defaults),
		cmocka_unit_test(test_config_every_key_is_parsed),
		cmocka_unit_test(test_config_boolean_spellings),
		cmocka_unit_test(test_config_bad_boolean_is_reported),
		cmocka_unit_test(test_config_integer_must_be_whole_decimal),
		cmocka_unit_test(test_config_integer_ranges_are_enforced),
		cmocka_unit_test(test_config_enums_by_name),
		cmocka_unit_test(test_config_screen_driver_and_renderer),
		cmocka_unit_test(test_config_screen_rotate),
		cmocka_unit_test(test_config_kiosk_id_charset_and_length),
		cmocka_unit_test(test_config_url_rules),
		cmocka_unit_test(test_config_empty_required_paths_are_errors),
		cmocka_unit_test(test_config_pin_rules),
		cmocka_unit_test(test_config_maint_pin_rules),
		cmocka_unit_test(
			test_config_overlong_string_is_error_not_truncated),
		cmocka_unit_test(test_config_unknown_section_reported_once),
		cmocka_unit_test(test_config_unknown_key_reported_with_line),
		cmocka_unit_test(test_config_key_outside_any_section),
		cmocka_unit_test(test_config_malformed_lines_reported),
		cmocka_unit_test(test_config_each_bad_line_reported_once),
		cmocka_unit_test(
			test_config_duplicate_key_is_error_first_value_kept),
		cmocka_unit_test(
			test_config_all_problems_reported_good_values_kept),
		cmocka_unit_test(test_config_many_problems_capped_and_counted),
		cmocka_unit_test(test_config_small_error_buffer_not_overrun),
		cmocka_unit_test(
			test_config_missing_file_is_io_error_naming_it),
		cmocka_unit_test(test_config_landscape_default_size),
		cmocka_unit_test(test_config_shape_contradicting_orientation),
		cmocka_unit_test(test_config_total_timeout_below_connect),
		cmocka_unit_test(
			test_config_long_line_reported_numbers_stay_right),
		cmocka_unit_test(test_config_crlf_bom_and_inline_comments),
		cmocka_unit_test(test_config_nul_byte_and_control_chars),
		cmocka_unit_test(test_config_privacy_purge_days),
		cmocka_unit_test(test_config_dispenser_driver_and_baud),
		cmocka_unit_test(test_config_dispenser_serial_needs_device),
		cmocka_unit_test(test_config_dispenser_slots_and_stock),
		cmocka_unit_test(test_config_dispenser_timeouts_ranges),
	};

	return cmocka_run_group_tests_name("kiosk/config", tests, NULL, NULL);
}
