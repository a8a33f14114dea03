/*
 * test_health.c - the kiosks' health at the hub (docs/fleet.md), against
 * the real ca-hub over TLS (tests/support/hubproc) with real kiosk engines
 * and processes, heartbeats every second:
 *
 *   1. two kiosks beat: one an in-process sync engine with a dispenser's
 *      facts and a parked row, the other a ca-kiosk-sync process; the
 *      process is killed (SIGKILL); `ca-hubctl fleet` shows it offline
 *      only after 3 missed beats, first and marked '!', and the other
 *      online with its version, queue and stock; a jam then marks the
 *      online one too;
 *   2. a restart asked before the kiosk (the real ca-kiosk, a flow script)
 *      starts is delivered by its first heartbeat's answer while the
 *      script waits on the login screen, but the kiosk restarts (exit 75)
 *      only once it is back on the attract screen;
 *   3. the log tail round trip: `ca-hubctl fleet logs` asks, the engine
 *      sends its recent lines at the next beat; phones, ID numbers and
 *      credit codes arrive masked; at most SYNC_LOG_LINES lines;
 *   4. limits and bad input at the hub: heartbeat and log tail sizes,
 *      lines, the interval's bounds, unknown faults, too many slots, bad
 *      names, no signature, a tail nobody asked for, an unknown kiosk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/uuid.h"
#include "core/version.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../fixture.h"
#include "../support/hubcall.h"
#include "../support/hubkiosk.h"

static struct hubproc hub;

/* The group's hub (hubcall_group_setup starts it). */
static const struct hubcall_group group = { .hub = &hub };

static struct hubkiosk *kiosk_new(const char *device)
{
	static struct hubkiosk pool[6];
	static int used;
	const struct hubkiosk_opts o = { .total_timeout_ms = 5000, .heartbeat_s = 1,
					 .log_level = "info", .cfg_data_dir = true };

	assert_true(used < 6);
	assert_int_equal(hubkiosk_make(&pool[used], &hub, device, &o), 0);
	return &pool[used++];
}

/* Start the in-process engine of k. */
static struct sync *engine_start(const struct hubkiosk *k)
{
	struct sync_opts so = { .db_path = k->db, .cfg = &k->cfg, .secret = k->secret,
				.feed_wait_s = -1, .backoff_base_ms = 200,
				.backoff_cap_ms = 1000 };
	struct sync *s = NULL;

	assert_int_equal(sync_start(&so, &s), CA_OK);
	return s;
}

/* The fleet as JSON (ca-hubctl fleet --json). Caller decrefs. */
static json_t *fleet_json(void)
{
	static char out[1 << 16];
	json_t *j;

	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "--json", "fleet", (char *)NULL), 0);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	return j;
}

/* The row of device in a fleet answer (borrowed). */
static json_t *fleet_row(json_t *f, const char *device)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(f, "kiosks"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "id")), device))
			return x;
	fail_msg("%s not in the fleet", device);
	return NULL;
}

static const char *row_state(json_t *f, const char *device)
{
	return json_string_value(json_object_get(fleet_row(f, device), "state"));
}

/* The line of device in `ca-hubctl fleet` text (copied into line). */
static void fleet_line(const char *text, const char *device, char *line, size_t n)
{
	const char *p = text;
	size_t len;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 2 && !strncmp(p + 2, device, strlen(device)) &&
		    p[2 + strlen(device)] == ' ') {
			assert_true(len < n);
			memcpy(line, p, len);
			line[len] = '\0';
			return;
		}
		p = nl ? nl + 1 : NULL;
	}
	fail_msg("no line for %s in:\n%s", device, text);
}

/* Start ca-kiosk-sync --run on k; its pid. */
static pid_t spawn_sync(const struct hubkiosk *k)
{
	pid_t pid = hubkiosk_sync(k, &hub, true, "--run", (char *)NULL);

	assert_true(pid > 0);
	return pid;
}

/* One application of an account that never logged in on k: the hub parks it. */
static void enqueue_unbound(const struct hubkiosk *k)
{
	char err[STORE_ERR_MAX];
	struct store *st = NULL;
	struct ca_app a;

	assert_int_equal(store_open(k->db, &st, err, sizeof(err)), CA_OK);
	fixture_app(&a);
	assert_int_equal(uuid_v4(a.id), CA_OK);
	strcpy(a.account, "13900009999");
	snprintf(a.kiosk_id, sizeof(a.kiosk_id), "%s", k->device);
	assert_int_equal(store_app_create(st, &a, 1795000000000), CA_OK);
	store_close(st);
}

/* ---- 1. online, offline, stock, faults ---- */

static void test_fleet_shows_the_stopped_kiosk_offline_and_the_other_online(void **state)
{
	struct hubkiosk *a = kiosk_new("hall-a"), *b = kiosk_new("hall-b");
	struct sync_facts f;
	struct sync *sa;
	static char text[1 << 16];
	char line[1024], want[256], buf[64];
	json_t *j, *row;
	int64_t t0, killed_ms, last_b;
	pid_t pid;
	int st;

	(void)state;
	enqueue_unbound(a);
	sa = engine_start(a);
	memset(&f, 0, sizeof(f));
	snprintf(f.video, sizeof(f.video), "offscreen");
	snprintf(f.renderer, sizeof(f.renderer), "software");
	f.disp = SYNC_DISP_KNOWN;
	f.nslots = 2;
	f.stock[0] = 3;
	f.stock[1] = 9;
	f.idle = true;
	sync_set_facts(sa, &f);
	pid = spawn_sync(b);

	/* Both beat and are online; a's parked row reached its beat. */
	t0 = ca_mono_ms();
	for (;;) {
		j = fleet_json();
		row = fleet_row(j, "hall-a");
		if (!strcmp(row_state(j, "hall-a"), "online") &&
		    !strcmp(row_state(j, "hall-b"), "online") &&
		    json_integer_value(json_object_get(json_object_get(json_object_get(row, "beat"),
				       "outbox"), "parked")) == 1)
			break;
		json_decref(j);
		assert_true(ca_mono_ms() - t0 < 10000);
		ca_sleep_ms(200);
	}
	json_decref(j);

	/* b stops for real. */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	killed_ms = ca_mono_ms();
	j = fleet_json();
	last_b = json_integer_value(json_object_get(fleet_row(j, "hall-b"), "received_ms"));
	json_decref(j);
	for (;;) {
		j = fleet_json();
		if (!strcmp(row_state(j, "hall-b"), "offline"))
			break;
		json_decref(j);
		assert_true(ca_mono_ms() - killed_ms < 10000);
		ca_sleep_ms(200);
	}
	/* Not before 3 missed beats of its 1 s interval. */
	assert_true(json_integer_value(json_object_get(j, "now_ms")) - last_b > 3000);
	assert_string_equal(row_state(j, "hall-a"), "online");
	json_decref(j);

	assert_int_equal(hubproc_ctl(&hub, text, sizeof(text), "fleet", (char *)NULL), 0);
	fprintf(stderr, "%s", text);
	/* The offline kiosk stands out: marked, and before the online one. */
	fleet_line(text, "hall-b", line, sizeof(line));
	assert_true(line[0] == '!');
	assert_non_null(strstr(line, msg(MSG_FLEET_OFFLINE)));
	assert_non_null(strstr(line, "none/none")); /* ca-kiosk-sync has no screen */
	assert_true(strstr(text, "! hall-b") < strstr(text, "  hall-a"));
	fleet_line(text, "hall-a", line, sizeof(line));
	assert_true(line[0] == ' ');
	assert_non_null(strstr(line, msg(MSG_FLEET_ONLINE)));
	snprintf(want, sizeof(want), "%s %s", msg(MSG_FLEET_VERSION), ca_version());
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, msg_format(buf, sizeof(buf), MSG_FLEET_PENDING, 0)));
	assert_non_null(strstr(line, msg_format(buf, sizeof(buf), MSG_FLEET_PARKED, 1)));
	snprintf(want, sizeof(want), "%s 3,9", msg(MSG_FLEET_STOCK));
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "offscreen/software"));
	assert_non_null(strstr(line, msg(MSG_FLEET_NO_FAULT)));

	/* A jam makes the online kiosk stand out too, with its fault. */
	f.faults = SYNC_FAULT_JAM;
	sync_set_facts(sa, &f);
	t0 = ca_mono_ms();
	for (;;) {
		assert_int_equal(hubproc_ctl(&hub, text, sizeof(text), "fleet", (char *)NULL), 0);
		fleet_line(text, "hall-a", line, sizeof(line));
		if (line[0] == '!')
			break;
		assert_true(ca_mono_ms() - t0 < 5000);
		ca_sleep_ms(200);
	}
	assert_non_null(strstr(line, msg(MSG_UI_MAINT_DISP_JAM)));
	assert_non_null(strstr(line, msg(MSG_FLEET_ONLINE)));
	sync_stop(sa);
}

/* ---- 2. restart only when idle ---- */

static void test_restart_is_delivered_at_once_and_honoured_when_idle(void **state)
{
	struct hubkiosk *k = kiosk_new("hall-r");
	char bin[HUBPROC_PATH + 32], script[PATH_MAX + 32], out_path[PATH_MAX + 32];
	static char out[1 << 17], ctl[4096];
	json_t *j, *row;
	int64_t start_ms;
	FILE *f;
	size_t n;
	pid_t pid;
	int st;

	(void)state;
	/* Asked before the kiosk starts: its first heartbeat brings it. */
	assert_int_equal(hubproc_ctl(&hub, ctl, sizeof(ctl), "fleet", "restart", "hall-r",
				     (char *)NULL), 0);
	assert_non_null(strstr(ctl, msg(MSG_FLEET_RESTART_ASKED)));
	snprintf(script, sizeof(script), "%s/busy-then-idle.flow", k->dir);
	f = fopen(script, "w");
	assert_non_null(f);
	/* Line 1 leaves the attract screen; the request arrives meanwhile and
	 * must wait; line 5 is back home, where the kiosk restarts. */
	fprintf(f, "tap \"开始办理\"\nwait 4s\nexpect \"获取验证码\"\ntap \"返回\"\nwait 10s\n"
		"expect \"never reached\"\n");
	fclose(f);
	snprintf(out_path, sizeof(out_path), "%s/kiosk.out", k->dir);
	snprintf(bin, sizeof(bin), "%s/ca-kiosk", hub.bin_dir);
	start_ms = ca_wall_ms();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen(out_path, "w", stderr) || dup2(2, 1) < 0)
			_exit(126);
		setenv("SDL_VIDEODRIVER", "offscreen", 1);
		execl(bin, bin, "--config", k->cfg_path, "--headless", "--script", script,
		      (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	f = fopen(out_path, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 75)
		fail_msg("ca-kiosk ended with %d; its output:\n%s", st, out);
	/* Delivered while busy (logged by the engine), honoured at line 5. */
	assert_non_null(strstr(out, "the hub asks for a restart"));
	assert_non_null(strstr(out, ":5: `wait 10s`: restarting"));
	assert_true(strstr(out, "the hub asks for a restart") < strstr(out, "restarting: the hub"));
	j = fleet_json();
	row = fleet_row(j, "hall-r");
	assert_int_equal(json_integer_value(json_object_get(row, "restart_asked_ms")), 0);
	/* It was delivered while the script waited on the login screen. */
	assert_true(json_integer_value(json_object_get(row, "restart_sent_ms")) > start_ms);
	assert_true(json_integer_value(json_object_get(row, "restart_sent_ms")) < start_ms + 4000);
	json_decref(j);
}

/* ---- 3. log tail ---- */

static void test_log_tail_round_trip_is_masked_and_capped(void **state)
{
	struct hubkiosk *k = kiosk_new("hall-l");
	static char out[1 << 16];
	struct sync *s;
	int i, lines = 0;
	char *p;

	(void)state;
	for (i = 0; i < SYNC_LOG_LINES + 10; i++)
		log_error("test", "filler line %d", i);
	/* Lines are not supposed to hold these; if one slips through, it
	 * must not leave the kiosk as it is. */
	log_error("test", "called 13812345678 about 32010219900307123X of 91320500MA1W8XYZ3X");
	s = engine_start(k);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "fleet", "logs", "hall-l",
				     "--wait", "15", (char *)NULL), 0);
	sync_stop(s);
	fprintf(stderr, "%s", out);
	assert_non_null(strstr(out, msg(MSG_FLEET_LOGS_HEAD)));
	assert_null(strstr(out, "13812345678"));
	assert_null(strstr(out, "32010219900307123X"));
	assert_null(strstr(out, "91320500MA1W8XYZ3X"));
	assert_non_null(strstr(out, "138****5678"));
	assert_non_null(strstr(out, "3201**********123X"));
	assert_non_null(strstr(out, "9132**********YZ3X"));
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, SYNC_LOG_LINES + 1); /* + the heading */
	/* --wait 0 shows the stored tail again without asking. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "fleet", "logs", "hall-l",
				     "--wait", "0", (char *)NULL), 0);
	assert_non_null(strstr(out, "138****5678"));
}

/* ---- 4. limits and bad input ---- */

static long beat(const struct hubkiosk *k, const char *target, const char *body, char *msgout,
		 size_t n)
{
	struct hubproc_req q;
	struct hubproc_resp r;

	memset(&q, 0, sizeof(q));
	q.device = k->device;
	q.secret = k->secret;
	assert_int_equal(hubproc_request(&hub, &q, "POST", target, body, &r), 0);
	if (msgout)
		snprintf(msgout, n, "%s", r.body ? r.body : "");
	free(r.body);
	return r.status;
}

/* A heartbeat body with member overrides: "interval_s":N etc. */
static void beat_body(char *out, size_t n, int interval, const char *version, const char *slots,
		      const char *faults, const char *video)
{
	snprintf(out, n, "{\"version\":\"%s\",\"interval_s\":%d,\"uptime_s\":5,"
		 "\"at_ms\":1795000000000,\"outbox\":{\"pending\":0,\"parked\":0},"
		 "\"last_sync_ms\":0,\"skew_s\":null,\"disk_free_mb\":100,"
		 "\"display\":{\"video\":\"%s\",\"renderer\":\"software\"},"
		 "\"dispenser\":{\"slots\":%s,\"faults\":%s},\"idle\":true}",
		 version, interval, video, slots, faults);
}

static void test_limits_and_bad_input_are_refused_with_a_clear_error(void **state)
{
	struct hubkiosk *k = kiosk_new("hall-x");
	static char body[64 * 1024], m[4096], v64[65], v65[66], v33[34], line513[514];
	/* A heartbeat and what the hub answers: the status and, for a
	 * refusal, a text of its message (NULL: not checked). */
	const struct {
		int interval;        /* interval_s */
		const char *version; /* version */
		const char *slots;   /* dispenser.slots (JSON) */
		const char *faults;  /* dispenser.faults (JSON) */
		const char *video;   /* display.video */
		long want;           /* the status */
		const char *says;    /* in the message */
	} beats[] = {
		/* The interval's bounds. */
		{ 0, "1.0", "[1]", "[]", "x11", 400, "interval_s: a whole number 1..3600" },
		{ 3601, "1.0", "[1]", "[]", "x11", 400, NULL },
		{ 3600, "1.0", "[1]", "[]", "x11", 200, NULL },
		{ 1, "1.0", "[1]", "[]", "x11", 200, NULL },
		/* Names: 64 characters of version pass, 65 do not; 32 of a display. */
		{ 60, v64, "[1]", "[]", "x11", 200, NULL },
		{ 60, v65, "[1]", "[]", "x11", 400, "version" },
		{ 60, "1.0 beta", "[1]", "[]", "x11", 400, NULL },
		{ 60, "1.0", "[1]", "[]", v33, 400, "display" },
		/* Slots and faults: 8 slots pass, 9 do not; unknown or too many faults. */
		{ 60, "1.0", "[1,2,3,4,5,6,7,8]", "[]", "x11", 200, NULL },
		{ 60, "1.0", "[1,2,3,4,5,6,7,8,9]", "[]", "x11", 400, "dispenser" },
		{ 60, "1.0", "[10000]", "[]", "x11", 400, "dispenser.slots[0]" },
		{ 60, "1.0", "[1]", "[\"melted\"]", "x11", 400, "dispenser.faults[0]" },
		{ 60, "1.0", "[1]",
		  "[\"jam\",\"jam\",\"jam\",\"jam\",\"jam\",\"jam\",\"jam\",\"jam\",\"jam\"]", "x11",
		  400, NULL },
	};
	struct hubproc_req q;
	struct hubproc_resp r;
	size_t i, used;

	(void)state;
	memset(v64, 'v', 64);
	memset(v65, 'v', 65);
	memset(v33, 'x', 33);
	memset(line513, 'a', 513);
	for (i = 0; i < sizeof(beats) / sizeof(beats[0]); i++) {
		long st;

		beat_body(body, sizeof(body), beats[i].interval, beats[i].version, beats[i].slots,
			  beats[i].faults, beats[i].video);
		st = beat(k, "/v1/heartbeat", body, m, sizeof(m));
		if (st != beats[i].want || (beats[i].says && !strstr(m, beats[i].says)))
			fail_msg("beat %zu: %ld (%s), want %ld %s", i, st, m, beats[i].want,
				 beats[i].says ? beats[i].says : "");
	}
	/* The other members' ranges. */
	{
		static const char *const bad[][2] = {
			{ "uptime_s", "-1" }, { "at_ms", "0" }, { "last_sync_ms", "-5" },
			{ "disk_free_mb", "-2" }, { "skew_s", "\"x\"" }, { "idle", "1" },
			{ "outbox", "{\"pending\":100000001,\"parked\":0}" },
			{ "outbox", "{\"pending\":0,\"parked\":-1}" },
			{ "dispenser", "{\"slots\":[1]}" }, { "display", "{\"video\":\"x11\"}" },
		};
		json_t *jb;
		char *t;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* A good beat with one member replaced. */
			beat_body(body, sizeof(body), 60, "1.0", "[1]", "[]", "x11");
			jb = json_loads(body, 0, NULL);
			assert_non_null(jb);
			json_object_set_new(jb, bad[i][0], json_loads(bad[i][1], JSON_DECODE_ANY,
								      NULL));
			t = json_dumps(jb, JSON_COMPACT);
			json_decref(jb);
			if (beat(k, "/v1/heartbeat", t, m, sizeof(m)) != 400 ||
			    !strstr(m, bad[i][0]))
				fail_msg("not refused for %s: %s -> %s", bad[i][0], t, m);
			free(t);
		}
	}
	/* Not JSON, not an object, a member missing. */
	assert_int_equal(beat(k, "/v1/heartbeat", "{\"version\":", m, sizeof(m)), 400);
	assert_int_equal(beat(k, "/v1/heartbeat", "[]", m, sizeof(m)), 400);
	assert_int_equal(beat(k, "/v1/heartbeat", "{\"version\":\"1\",\"interval_s\":60}", m,
			      sizeof(m)), 400);
	/* A heartbeat over 8 KiB. */
	beat_body(body, sizeof(body), 60, "1.0", "[1]", "[]", "x11");
	used = strlen(body) - 1;
	used += (size_t)snprintf(body + used, sizeof(body) - used, ",\"pad\":\"");
	for (i = 0; i < 8200; i++)
		body[used++] = 'p';
	snprintf(body + used, sizeof(body) - used, "\"}");
	assert_int_equal(beat(k, "/v1/heartbeat", body, m, sizeof(m)), 413);
	assert_non_null(strstr(m, "too_large"));
	/* No signature. */
	memset(&q, 0, sizeof(q));
	beat_body(body, sizeof(body), 60, "1.0", "[1]", "[]", "x11");
	assert_int_equal(hubproc_request(&hub, &q, "POST", "/v1/heartbeat", body, &r), 0);
	assert_int_equal(r.status, 401);
	free(r.body);

	/* A log tail nobody asked for. */
	assert_int_equal(beat(k, "/v1/heartbeat/log", "{\"lines\":[\"x\"]}", m, sizeof(m)), 409);
	/* Asked (staff), delivered (a beat's answer): the limits. */
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "logs", "hall-x", "--wait",
				     "0", (char *)NULL), 0);
	{
		struct hubproc_req aq;
		struct hubproc_resp ar;

		memset(&aq, 0, sizeof(aq));
		aq.bearer = hub.token;
		assert_int_equal(hubproc_request(&hub, &aq, "POST", "/v1/admin/fleet/hall-x/logs",
						 NULL, &ar), 0);
		assert_int_equal(ar.status, 200);
		free(ar.body);
	}
	beat_body(body, sizeof(body), 60, "1.0", "[1]", "[]", "x11");
	assert_int_equal(beat(k, "/v1/heartbeat", body, m, sizeof(m)), 200);
	assert_non_null(strstr(m, "\"send_log\":true"));
	/* 65 lines; a line of 513 bytes; a control character; 17 KiB of text;
	 * a body over 32 KiB; not an array. */
	used = (size_t)snprintf(body, sizeof(body), "{\"lines\":[");
	for (i = 0; i < 65; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used, "%s\"l\"", i ? "," : "");
	snprintf(body + used, sizeof(body) - used, "]}");
	assert_int_equal(beat(k, "/v1/heartbeat/log", body, m, sizeof(m)), 413);
	assert_non_null(strstr(m, "64 lines"));
	snprintf(body, sizeof(body), "{\"lines\":[\"%s\"]}", line513);
	assert_int_equal(beat(k, "/v1/heartbeat/log", body, m, sizeof(m)), 400);
	assert_non_null(strstr(m, "512 bytes"));
	assert_int_equal(beat(k, "/v1/heartbeat/log", "{\"lines\":[\"a\\u0001b\"]}", m,
			      sizeof(m)), 400);
	used = (size_t)snprintf(body, sizeof(body), "{\"lines\":[");
	line513[500] = '\0';
	for (i = 0; i < 34; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used, "%s\"%s\"",
					 i ? "," : "", line513);
	snprintf(body + used, sizeof(body) - used, "]}");
	assert_int_equal(beat(k, "/v1/heartbeat/log", body, m, sizeof(m)), 413);
	assert_non_null(strstr(m, "bytes of text"));
	used = (size_t)snprintf(body, sizeof(body), "{\"lines\":[\"a\"],\"pad\":\"");
	for (i = 0; i < 33 * 1024; i++)
		body[used++] = 'p';
	snprintf(body + used, sizeof(body) - used, "\"}");
	assert_int_equal(beat(k, "/v1/heartbeat/log", body, m, sizeof(m)), 413);
	assert_int_equal(beat(k, "/v1/heartbeat/log", "{\"lines\":\"x\"}", m, sizeof(m)), 400);
	/* Nothing of the refused tails was kept; a good one is, once. */
	assert_int_equal(beat(k, "/v1/heartbeat/log", "{\"lines\":[\"ok 13812345678\"]}", m,
			      sizeof(m)), 200);
	assert_int_equal(beat(k, "/v1/heartbeat/log", "{\"lines\":[\"again\"]}", m, sizeof(m)),
			 409);
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "logs", "hall-x", "--wait",
				     "0", (char *)NULL), 0);
	assert_non_null(strstr(m, "ok 138****5678")); /* the hub masks too */

	/* Staff: an unknown kiosk, a bad id. */
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "restart", "no-such",
				     (char *)NULL), 1);
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "logs", "no-such", "--wait",
				     "0", (char *)NULL), 1);
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "logs", "hall-x", "--wait",
				     "-1", (char *)NULL), 2);
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "logs", "hall-x", "--wait",
				     "3601", (char *)NULL), 2);
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", "restart", (char *)NULL), 2);

	/* The last good beat stands (the refused ones kept nothing): its
	 * clock, far from the hub's, shows as a skew. */
	assert_int_equal(hubproc_ctl(&hub, m, sizeof(m), "fleet", (char *)NULL), 0);
	{
		char line[1024];

		fleet_line(m, "hall-x", line, sizeof(line));
		assert_non_null(strstr(line, "时钟偏差"));
		assert_non_null(strstr(line, "库存 1  ")); /* the last beat taken */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fleet_shows_the_stopped_kiosk_offline_and_the_other_online),
		cmocka_unit_test(test_restart_is_delivered_at_once_and_honoured_when_idle),
		cmocka_unit_test(test_log_tail_round_trip_is_masked_and_capped),
		cmocka_unit_test(test_limits_and_bad_input_are_refused_with_a_clear_error),
	};

	log_set_level(LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	hubcall_group(&group);
	return cmocka_run_group_tests(tests, hubcall_group_setup, hubcall_group_teardown);
}
