/*
 * console_fleet.c - the console's 自助机 area (STAFF_OPS): every device with
 * whether it is enabled, its last contact and the health its heartbeats
 * report (docs/fleet.md), the kiosks needing attention first; a button to
 * ask a kiosk to restart and one to disable a device.
 *
 * Where to start reading: fleet_page(). The health rows and their order
 * come from api_fleet_view() (the same as GET /v1/admin/fleet), the last
 * contact from hubdb_device_list(); the buttons call api_fleet_ask() and
 * api_device_disable(), the functions of the staff API, which write the
 * audit line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sign.h"
#include "api.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"
#include "vclock.h"

/* Write the last contact of device id: its last signed request (list is
 * hubdb_device_list's answer), else its last heartbeat. */
static void last_contact(struct page *p, json_t *list, const char *id, json_int_t beat_ms)
{
	const char *did;
	json_t *d;
	size_t i;
	json_int_t s = 0;

	json_array_foreach(list, i, d)
		if ((did = json_string_value(json_object_get(d, "id"))) && !strcmp(did, id))
			s = json_integer_value(json_object_get(d, "last_seen"));
	page_time(p, s * 1000 > beat_ms ? s * 1000 : beat_ms);
}

/* The label of a dispenser fault a heartbeat names (api_fleet.c). */
static enum msg_id fault_msg(const char *f)
{
	static const struct con_label faults[] = {
		{ "jam", MSG_CON_FAULT_JAM },
		{ "door_open", MSG_CON_FAULT_DOOR },
		{ "no_answer", MSG_CON_FAULT_NO_ANSWER },
		{ "unconfirmed", MSG_CON_FAULT_UNCONFIRMED },
	};

	return con_label(faults, sizeof(faults) / sizeof(faults[0]), f, MSG_CON_FAULT_OTHER);
}

/* Write the health of kiosk row k: online/offline/never, faults. */
static void health(struct page *p, json_t *k)
{
	const char *st = json_string_value(json_object_get(k, "state"));
	json_t *f;
	size_t i;

	if (json_is_true(json_object_get(k, "attention"))) {
		page_raw(p, "<span class=\"tag bad\">");
		page_msg(p, MSG_CON_ATTENTION);
		page_raw(p, "</span> ");
	}
	page_msg(p, st && !strcmp(st, "online") ? MSG_CON_ONLINE : st && !strcmp(st, "offline")
		 ? MSG_CON_OFFLINE : MSG_CON_NEVER);
	json_array_foreach(json_object_get(k, "faults"), i, f) {
		page_raw(p, "<br><span class=\"warn\">");
		page_msg(p, fault_msg(json_string_value(f)));
		page_raw(p, "</span>");
	}
	if (json_integer_value(json_object_get(k, "restart_asked_ms")) >
	    json_integer_value(json_object_get(k, "restart_sent_ms"))) {
		page_raw(p, "<br><small class=\"muted\">");
		page_msg(p, MSG_CON_RESTART_PENDING);
		page_raw(p, "</small>");
	}
}

/* Write the dispenser's stock per slot, "—" when unknown. */
static void stock(struct page *p, json_t *beat)
{
	json_t *d = json_object_get(beat, "dispenser"), *x;
	size_t i;

	if (!json_is_object(d)) {
		page_raw(p, "<span class=\"muted\">");
		page_msg(p, json_object_size(beat) ? MSG_CON_NO_DISPENSER : MSG_CON_NONE_YET);
		page_raw(p, "</span>");
		return;
	}
	json_array_foreach(json_object_get(d, "slots"), i, x) {
		json_int_t n = json_integer_value(x);

		if (n < 0)
			page_raw(p, "%s%zu: ?", i ? " &middot; " : "", i + 1);
		else
			page_raw(p, "%s%zu: %lld", i ? " &middot; " : "", i + 1, (long long)n);
	}
}

/* The buttons of kiosk id (enabled or not). */
static void kiosk_forms(struct page *p, const char *id, bool enabled)
{
	char action[80];

	if (!enabled || !sign_device_id_ok(id))
		return;
	page_raw(p, "<div class=\"buttons\">");
	snprintf(action, sizeof(action), "/kiosks/%s/restart", id);
	page_button_form(p, action, "inline-form", "quiet", MSG_NONE, MSG_CON_ASK_RESTART);
	snprintf(action, sizeof(action), "/kiosks/%s/disable", id);
	page_button_form(p, action, "inline-form", "danger", MSG_CON_CONFIRM_DISABLE_DEVICE,
			 MSG_CON_DISABLE_DEVICE);
	page_raw(p, "</div>");
}

/* One kiosk of the fleet view: a row of the table. */
static void kiosk_row(struct page *p, json_t *k, json_t *devices)
{
	const char *id = json_string_value(json_object_get(k, "id"));
	json_t *beat = json_object_get(k, "beat"), *ob = json_object_get(beat, "outbox");
	bool enabled = json_is_true(json_object_get(k, "enabled"));

	if (!id)
		return;
	page_raw(p, "<tr%s><td class=\"mono keep\">",
		 json_is_true(json_object_get(k, "attention")) ? " class=\"attention\"" : "");
	page_text(p, id);
	page_raw(p, "</td><td>");
	page_msg(p, enabled ? MSG_CON_ENABLED : MSG_CON_DISABLED);
	page_raw(p, "</td><td>");
	health(p, k);
	page_raw(p, "</td><td>");
	last_contact(p, devices, id, json_integer_value(json_object_get(k, "received_ms")));
	page_raw(p, "</td><td>");
	page_text(p, json_string_value(json_object_get(beat, "version")));
	page_raw(p, "</td><td class=\"num\">");
	if (json_is_object(ob))
		page_raw(p, "%lld / %lld",
			 (long long)json_integer_value(json_object_get(ob, "pending")),
			 (long long)json_integer_value(json_object_get(ob, "parked")));
	page_raw(p, "</td><td>");
	stock(p, beat);
	page_raw(p, "</td><td>");
	kiosk_forms(p, id, enabled);
	page_raw(p, "</td></tr>\n");
}

/* The fleet page with notice text (an error when bad). */
static void fleet_show(struct http_req *rq, struct http_resp *rs, int status,
		       const char *notice, bool bad)
{
	static const enum msg_id cols[] = { MSG_CON_KIOSK, MSG_CON_DEVICE_STATE, MSG_CON_HEALTH,
		MSG_CON_LAST_CONTACT, MSG_CON_VERSION, MSG_CON_OUTBOX, MSG_CON_STOCK,
		MSG_CON_ACTIONS };
	json_t *kiosks = NULL, *devices = NULL, *k;
	struct page p;
	size_t i;

	if (!page_open(&p, rq, MSG_CON_AREA_KIOSKS, "/kiosks"))
		goto done;
	page_notice(&p, notice, bad);
	if (api_fleet_view(rq->hub, vclock_now_ms(), &kiosks) ||
	    hubdb_device_list(rq->hub->db, &devices)) {
		status = page_store_error(&p);
		goto done;
	}
	if (!page_list_open(&p, json_array_size(kiosks), MSG_CON_FLEET_EMPTY, NULL, cols,
			    sizeof(cols) / sizeof(cols[0])))
		goto done;
	json_array_foreach(kiosks, i, k)
		kiosk_row(&p, k, devices);
	page_list_close(&p, MSG_CON_CHINA_TIME);
done:
	json_decref(kiosks);
	json_decref(devices);
	page_done(&p, rs, status);
}

/* GET /kiosks[?done=restart|disable] */
static void fleet_page(struct http_req *rq, struct http_resp *rs)
{
	static const struct con_label done[] = {
		{ "restart", MSG_CON_RESTART_ASKED },
		{ "disable", MSG_CON_DEVICE_DISABLED_OK },
	};

	fleet_show(rq, rs, 200, con_done_notice(rq, done, sizeof(done) / sizeof(done[0])),
		   false);
}

/* The answer to a change: done, the page saying so (done_url); refused
 * with e, the page again saying why. */
static void answer(struct http_req *rq, struct http_resp *rs, ca_err e, const char *done_url)
{
	if (!e)
		http_redirect(rs, done_url);
	else if (e == CA_ERR_NOT_FOUND || e == CA_ERR_ARG)
		fleet_show(rq, rs, 404, msg(MSG_CON_NO_DEVICE), true);
	else
		fleet_show(rq, rs, 500, msg(MSG_CON_STORE_ERROR), true);
}

/* POST /kiosks/ID/restart */
static void restart_post(struct http_req *rq, struct http_resp *rs)
{
	answer(rq, rs, api_fleet_ask(rq, rq->param[0], HUBDB_ASK_RESTART, vclock_now_ms()),
	       "/kiosks?done=restart");
}

/* POST /kiosks/ID/disable */
static void disable_post(struct http_req *rq, struct http_resp *rs)
{
	answer(rq, rs, sign_device_id_ok(rq->param[0]) ? api_device_disable(rq, rq->param[0])
	       : CA_ERR_NOT_FOUND, "/kiosks?done=disable");
}

const struct con_route con_fleet_routes[] = {
	{ "GET", "/kiosks", fleet_page, STAFF_OPS },
	{ "POST", "/kiosks/*/restart", restart_post, STAFF_OPS },
	{ "POST", "/kiosks/*/disable", disable_post, STAFF_OPS },
	{ NULL },
};
