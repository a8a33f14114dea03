/*
 * api_fleet.c - the kiosks' health at the hub (docs/fleet.md).
 *
 * Kiosks (signed device requests):
 *   POST /v1/heartbeat      the kiosk's state; the answer carries staff's
 *                           requests (restart when idle, send the log tail)
 *   POST /v1/heartbeat/log  the log tail the answer asked for
 * Staff (admin token, ca-hubctl fleet):
 *   GET  /v1/admin/fleet            every kiosk, online or offline
 *   POST /v1/admin/fleet/ID/restart ask kiosk ID to restart its app
 *   POST /v1/admin/fleet/ID/logs    ask kiosk ID for its log tail
 *   GET  /v1/admin/fleet/ID/logs    the last log tail kiosk ID sent
 *
 * A heartbeat is checked member by member and stored as the hub rebuilds
 * it from the checked values (never the kiosk's text as it came), with
 * the hub's own measure of the clock skew. A kiosk is offline when no beat
 * came for more than FLEET_MISSED beats of its own interval; it needs
 * attention when it is enabled and offline, never seen, or its dispenser
 * reports a fault. The log tail
 * is masked again here (mask_scrub) whatever the kiosk did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/utf8.h"
#include "api.h"
#include "hub.h"
#include "vclock.h"

#define TAG "fleet"

/* Largest heartbeat body, bytes (413 beyond). */
#define FLEET_BEAT_MAX (8 * 1024)
/* Largest log tail: body bytes, lines, bytes of one line, text bytes. */
#define FLEET_LOG_BODY_MAX (32 * 1024)
#define FLEET_LOG_LINES_MAX 64
#define FLEET_LOG_LINE_MAX 512
#define FLEET_LOG_TEXT_MAX (16 * 1024)
/* Beats missed before a kiosk counts as offline. */
#define FLEET_MISSED 3
/* The heartbeat interval a kiosk may promise, seconds (its config's range). */
#define FLEET_INTERVAL_MIN 1
#define FLEET_INTERVAL_MAX 3600
/* Slots and faults of a dispenser in a beat. */
#define FLEET_SLOTS_MAX 8
#define FLEET_FAULTS_MAX 8

/* The dispenser faults a beat may name. */
static const char *const fault_names[] = {
	"jam", "door_open", "fault", "no_answer", "unconfirmed",
};

/* A short ASCII token: 1..max of letters, digits, '.', '_', '-', '+'. */
static bool token_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= max &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-+~") == n;
}

/* Member name of o as a whole number in lo..hi into *v; false otherwise. */
static bool int_in(json_t *o, const char *name, json_int_t lo, json_int_t hi, json_int_t *v)
{
	json_t *x = json_object_get(o, name);

	if (!json_is_integer(x))
		return false;
	*v = json_integer_value(x);
	return *v >= lo && *v <= hi;
}

/*
 * Check a heartbeat and build the copy the hub keeps. NULL with why set
 * (the member and what it must be) when anything is wrong.
 */
static json_t *beat_check(json_t *in, int64_t now_ms, int *interval, char *why, size_t n)
{
	json_int_t iv, up, at, pend, park, last, skew = 0, disk, k;
	json_t *out = NULL, *o, *x, *slots, *faults, *skew_j;
	const char *ver, *video, *ren;
	size_t i;

	ver = json_string_value(json_object_get(in, "version"));
	if (!token_ok(ver, 64)) {
		snprintf(why, n, "version: 1 to 64 of A-Z a-z 0-9 . _ - + ~ is required");
		return NULL;
	}
	if (!int_in(in, "interval_s", FLEET_INTERVAL_MIN, FLEET_INTERVAL_MAX, &iv)) {
		snprintf(why, n, "interval_s: a whole number %d..%d is required",
			 FLEET_INTERVAL_MIN, FLEET_INTERVAL_MAX);
		return NULL;
	}
	if (!int_in(in, "uptime_s", 0, INT64_C(1) << 40, &up) ||
	    !int_in(in, "at_ms", 1, INT64_C(1) << 50, &at)) {
		snprintf(why, n, "uptime_s and at_ms: whole numbers >= 0 are required");
		return NULL;
	}
	o = json_object_get(in, "outbox");
	if (!int_in(o, "pending", 0, 100000000, &pend) ||
	    !int_in(o, "parked", 0, 100000000, &park)) {
		snprintf(why, n, "outbox: {\"pending\", \"parked\"} whole numbers >= 0 are required");
		return NULL;
	}
	if (!int_in(in, "last_sync_ms", 0, INT64_C(1) << 50, &last)) {
		snprintf(why, n, "last_sync_ms: a whole number >= 0 is required (0: never)");
		return NULL;
	}
	skew_j = json_object_get(in, "skew_s");
	if (skew_j && !json_is_null(skew_j) &&
	    !int_in(in, "skew_s", -(INT64_C(1) << 40), INT64_C(1) << 40, &skew)) {
		snprintf(why, n, "skew_s: a whole number or null is required");
		return NULL;
	}
	if (!int_in(in, "disk_free_mb", -1, INT64_C(1) << 40, &disk)) {
		snprintf(why, n, "disk_free_mb: a whole number >= -1 is required (-1: unknown)");
		return NULL;
	}
	o = json_object_get(in, "display");
	video = json_string_value(json_object_get(o, "video"));
	ren = json_string_value(json_object_get(o, "renderer"));
	if (!token_ok(video, 32) || !token_ok(ren, 32)) {
		snprintf(why, n, "display: {\"video\", \"renderer\"} of 1 to 32 of A-Z a-z 0-9 "
			 ". _ - + are required");
		return NULL;
	}
	if (!json_is_boolean(json_object_get(in, "idle"))) {
		snprintf(why, n, "idle: true or false is required");
		return NULL;
	}
	out = json_pack("{s:s, s:I, s:I, s:I, s:{s:I, s:I}, s:I, s:I, s:I, s:{s:s, s:s}, s:b}",
			"version", ver, "interval_s", iv, "uptime_s", up, "at_ms", at,
			"outbox", "pending", pend, "parked", park, "last_sync_ms", last,
			"skew_hub_s", (json_int_t)(now_ms / 1000 - at / 1000),
			"disk_free_mb", disk, "display", "video", video, "renderer", ren,
			"idle", json_is_true(json_object_get(in, "idle")));
	if (!out) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	json_object_set_new(out, "skew_s", skew_j && !json_is_null(skew_j)
			    ? json_integer(skew) : json_null());
	json_object_set_new(out, "restart_pending",
			    json_boolean(json_is_true(json_object_get(in, "restart_pending"))));
	/* The dispenser: null (none), or its stock per slot and its faults. */
	o = json_object_get(in, "dispenser");
	if (!o || json_is_null(o)) {
		json_object_set_new(out, "dispenser", json_null());
		goto done;
	}
	slots = json_object_get(o, "slots");
	faults = json_object_get(o, "faults");
	if (!json_is_object(o) || !json_is_array(slots) ||
	    json_array_size(slots) > FLEET_SLOTS_MAX || !json_is_array(faults) ||
	    json_array_size(faults) > FLEET_FAULTS_MAX) {
		snprintf(why, n, "dispenser: null or {\"slots\": [up to %d counts], \"faults\": "
			 "[up to %d names]} is required", FLEET_SLOTS_MAX, FLEET_FAULTS_MAX);
		goto bad;
	}
	json_array_foreach(slots, i, x) {
		k = json_is_integer(x) ? json_integer_value(x) : -2;
		if (k < -1 || k > 9999) {
			snprintf(why, n, "dispenser.slots[%zu]: a whole number -1..9999 is "
				 "required (-1: unknown)", i);
			goto bad;
		}
	}
	json_array_foreach(faults, i, x) {
		const char *f = json_string_value(x);
		size_t j;

		for (j = 0; f && j < sizeof(fault_names) / sizeof(fault_names[0]); j++)
			if (!strcmp(f, fault_names[j]))
				break;
		if (!f || j == sizeof(fault_names) / sizeof(fault_names[0])) {
			snprintf(why, n, "dispenser.faults[%zu]: one of jam, door_open, fault, "
				 "no_answer, unconfirmed is required", i);
			goto bad;
		}
	}
	json_object_set_new(out, "dispenser", json_pack("{s:O, s:O}", "slots", slots,
							"faults", faults));
done:
	*interval = (int)iv;
	return out;
bad:
	json_decref(out);
	return NULL;
}

/* POST /v1/heartbeat: keep the beat; answer staff's requests. */
static void heartbeat(struct http_req *rq, struct http_resp *rs)
{
	int64_t now = vclock_now_ms();
	json_t *in, *beat;
	char why[300], *text;
	bool restart, send_log;
	int interval = 0;
	ca_err e;

	if (rq->body_len > FLEET_BEAT_MAX) {
		http_error(rs, 413, "too_large", "a heartbeat is at most %d bytes", FLEET_BEAT_MAX);
		return;
	}
	in = http_json_body(rq, rs);
	if (!in)
		return;
	beat = beat_check(in, now, &interval, why, sizeof(why));
	json_decref(in);
	if (!beat) {
		log_warn(TAG, "heartbeat of %s refused: %s", rq->device, why);
		http_error(rs, 400, "bad_request", "%s", why);
		return;
	}
	text = json_dumps(beat, JSON_COMPACT);
	json_decref(beat);
	if (!text) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	e = hubdb_health_beat(rq->hub->db, rq->device, now, interval, text, &restart, &send_log);
	free(text);
	if (e) {
		api_store_error(rs);
		return;
	}
	if (restart)
		log_info(TAG, "restart request delivered to %s", rq->device);
	if (send_log)
		log_info(TAG, "log tail request delivered to %s", rq->device);
	http_reply(rs, 200, json_pack("{s:I, s:b, s:b}", "time", (json_int_t)(now / 1000),
				      "restart", restart, "send_log", send_log));
}

/* POST /v1/heartbeat/log: the log tail a heartbeat's answer asked for. */
static void heartbeat_log(struct http_req *rq, struct http_resp *rs)
{
	json_t *in, *lines, *x;
	char *text = NULL;
	size_t i, used = 0, len;
	ca_err e;

	if (rq->body_len > FLEET_LOG_BODY_MAX) {
		http_error(rs, 413, "too_large", "a log tail is at most %d bytes of body",
			   FLEET_LOG_BODY_MAX);
		return;
	}
	in = http_json_body(rq, rs);
	if (!in)
		return;
	lines = json_object_get(in, "lines");
	if (!json_is_array(lines)) {
		http_error(rs, 400, "bad_request", "lines: an array of strings is required");
		goto out;
	}
	if (json_array_size(lines) > FLEET_LOG_LINES_MAX) {
		http_error(rs, 413, "too_large", "a log tail is at most %d lines",
			   FLEET_LOG_LINES_MAX);
		goto out;
	}
	text = malloc(FLEET_LOG_TEXT_MAX + 1);
	if (!text) {
		http_error(rs, 500, "internal", "out of memory");
		goto out;
	}
	text[0] = '\0';
	json_array_foreach(lines, i, x) {
		const char *l = json_string_value(x);
		const unsigned char *p;
		size_t cp;

		len = l ? strlen(l) : 0;
		if (!l || len > FLEET_LOG_LINE_MAX || !utf8_count(l, &cp)) {
			http_error(rs, 400, "bad_request", "lines[%zu]: UTF-8 text of at most %d "
				   "bytes is required", i, FLEET_LOG_LINE_MAX);
			goto out;
		}
		for (p = (const unsigned char *)l; *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				http_error(rs, 400, "bad_request", "lines[%zu]: control "
					   "characters are not allowed", i);
				goto out;
			}
		if (used + len + 1 > FLEET_LOG_TEXT_MAX) {
			http_error(rs, 413, "too_large", "a log tail is at most %d bytes of text",
				   FLEET_LOG_TEXT_MAX);
			goto out;
		}
		memcpy(text + used, l, len);
		used += len;
		text[used++] = '\n';
		text[used] = '\0';
	}
	/* The kiosk masks its lines; the hub does not rely on it. */
	mask_scrub(text);
	e = hubdb_health_log_put(rq->hub->db, rq->device, vclock_now_ms(), text);
	if (e == CA_ERR_CONFLICT) {
		http_error(rs, 409, "conflict", "no log tail was asked of this kiosk");
		goto out;
	}
	if (e) {
		api_store_error(rs);
		goto out;
	}
	log_info(TAG, "log tail of %s received: %zu lines, %zu bytes", rq->device,
		 json_array_size(lines), used);
	http_reply(rs, 200, json_pack("{s:i}", "lines", (int)json_array_size(lines)));
out:
	free(text);
	json_decref(in);
}

/* The faults a kiosk row shows: its dispenser's (a new array). */
static json_t *row_faults(json_t *beat)
{
	json_t *d = json_object_get(beat, "dispenser");
	json_t *f = json_array();

	if (json_is_array(json_object_get(d, "faults")))
		json_array_extend(f, json_object_get(d, "faults"));
	return f;
}

/* Make one row of the fleet from the store's: state, and the log text out. */
static void fleet_row(json_t *r, int64_t now)
{
	json_int_t seen = json_integer_value(json_object_get(r, "received_ms"));
	json_int_t iv = json_integer_value(json_object_get(r, "interval_s"));
	json_t *faults = row_faults(json_object_get(r, "beat"));
	const char *state;

	if (seen <= 0)
		state = "never";
	else if (now - seen > (int64_t)FLEET_MISSED * iv * 1000)
		state = "offline";
	else
		state = "online";
	json_object_set_new(r, "state", json_string(state));
	/* A disabled kiosk is out of service on purpose: not flagged. */
	json_object_set_new(r, "attention", json_boolean(
		json_is_true(json_object_get(r, "enabled")) &&
		(strcmp(state, "online") != 0 || json_array_size(faults) > 0)));
	json_object_set_new(r, "faults", faults);
	json_object_del(r, "log_text");
}

ca_err api_fleet_view(struct hub *hub, int64_t now_ms, json_t **kiosks)
{
	json_t *rows, *out, *x;
	size_t i;
	int pass;

	*kiosks = NULL;
	if (hubdb_health_json(hub->db, NULL, &rows))
		return CA_ERR_DB;
	out = json_array();
	json_array_foreach(rows, i, x)
		fleet_row(x, now_ms);
	for (pass = 0; pass < 2; pass++)
		json_array_foreach(rows, i, x)
			if (json_is_true(json_object_get(x, "attention")) == (pass == 0))
				json_array_append(out, x);
	json_decref(rows);
	*kiosks = out;
	return CA_OK;
}

/* GET /v1/admin/fleet: every kiosk; those that need attention first. */
static void fleet_list(struct http_req *rq, struct http_resp *rs)
{
	int64_t now = vclock_now_ms();
	json_t *out;

	if (api_fleet_view(rq->hub, now, &out)) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	http_reply(rs, 200, json_pack("{s:I, s:i, s:o}", "now_ms", (json_int_t)now, "missed",
				      FLEET_MISSED, "kiosks", out));
}

ca_err api_fleet_ask(struct http_req *rq, const char *device, enum hubdb_ask what,
		     int64_t now_ms)
{
	ca_err e;

	if (!sign_device_id_ok(device))
		return CA_ERR_ARG;
	e = hubdb_begin(rq->hub->db);
	if (!e) {
		e = hubdb_health_ask(rq->hub->db, device, what, now_ms);
		if (!e)
			e = api_audit(rq, what == HUBDB_ASK_RESTART ? "fleet_restart" : "fleet_logs",
				      device, "", "", "");
		e = e ? (hubdb_rollback(rq->hub->db), e) : hubdb_commit(rq->hub->db);
	}
	if (!e)
		log_info(TAG, "%s asked of %s by %s", what == HUBDB_ASK_RESTART ? "restart" :
			 "log tail", device, rq->who.name);
	return e;
}

/* POST /v1/admin/fleet/ID/restart and /logs: leave the request. */
static void fleet_ask(struct http_req *rq, struct http_resp *rs, enum hubdb_ask what)
{
	int64_t now = vclock_now_ms();
	ca_err e = api_fleet_ask(rq, rq->param[0], what, now);

	if (e == CA_ERR_ARG) {
		http_error(rs, 400, "bad_request", "not a device id");
		return;
	}
	if (e == CA_ERR_NOT_FOUND) {
		http_error(rs, 404, "not_found", "no device %s", rq->param[0]);
		return;
	}
	if (e) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	http_reply(rs, 200, json_pack("{s:s, s:s, s:I}", "device", rq->param[0], "asked",
				      what == HUBDB_ASK_RESTART ? "restart" : "logs",
				      "asked_ms", (json_int_t)now));
}

static void fleet_restart(struct http_req *rq, struct http_resp *rs)
{
	fleet_ask(rq, rs, HUBDB_ASK_RESTART);
}

static void fleet_logs_ask(struct http_req *rq, struct http_resp *rs)
{
	fleet_ask(rq, rs, HUBDB_ASK_LOG);
}

/* GET /v1/admin/fleet/ID/logs: the last tail the kiosk sent. */
static void fleet_logs_get(struct http_req *rq, struct http_resp *rs)
{
	json_t *rows, *r, *lines;
	const char *t;

	if (!sign_device_id_ok(rq->param[0])) {
		http_error(rs, 400, "bad_request", "not a device id");
		return;
	}
	if (hubdb_health_json(rq->hub->db, rq->param[0], &rows)) {
		http_error(rs, 500, "internal", "store error");
		return;
	}
	r = json_array_get(rows, 0);
	if (!r) {
		json_decref(rows);
		http_error(rs, 404, "not_found", "no device %s", rq->param[0]);
		return;
	}
	lines = json_array();
	t = json_string_value(json_object_get(r, "log_text"));
	while (t && *t) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);

		json_array_append_new(lines, json_stringn(t, len));
		t += len + (nl ? 1 : 0);
	}
	http_reply(rs, 200, json_pack("{s:s, s:O, s:O, s:O, s:o}", "device", rq->param[0],
				      "asked_ms", json_object_get(r, "log_asked_ms"),
				      "sent_ms", json_object_get(r, "log_sent_ms"),
				      "log_ms", json_object_get(r, "log_ms"), "lines", lines));
	json_decref(rows);
}

static const struct http_route routes[] = {
	{ "POST", "/v1/heartbeat", HTTP_AUTH_DEVICE, heartbeat, 0 },
	{ "POST", "/v1/heartbeat/log", HTTP_AUTH_DEVICE, heartbeat_log, 0 },
	{ "GET", "/v1/admin/fleet", HTTP_AUTH_STAFF, fleet_list, STAFF_OPS },
	{ "POST", "/v1/admin/fleet/*/restart", HTTP_AUTH_STAFF, fleet_restart, STAFF_OPS },
	{ "POST", "/v1/admin/fleet/*/logs", HTTP_AUTH_STAFF, fleet_logs_ask, STAFF_OPS },
	{ "GET", "/v1/admin/fleet/*/logs", HTTP_AUTH_STAFF, fleet_logs_get, STAFF_OPS },
};

ca_err api_fleet_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
