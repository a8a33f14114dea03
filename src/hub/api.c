/* api.c - what the endpoints share: applying an action, error bodies, the
 * simulator routes that production mode refuses. */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "hub.h"
#include "vclock.h"

#define API_HOST_MAX 100 /* longest Host header taken as it is */

ca_err api_apply(struct hub *hub, struct ca_app *app, enum ca_action a, const char *arg,
		 const char *actor, int64_t now_ms, struct valid_report *report, int64_t *rev)
{
	struct ca_app *next;
	struct ca_state from = ca_state_of(app), to;
	ca_err e;

	next = malloc(sizeof(*next));
	if (!next)
		return CA_ERR_NOMEM;
	*next = *app;
	e = fsm_apply(next, a, arg, vclock_today(), report);
	if (e)
		goto out;
	if (a == CA_ACT_APPROVE) {
		next->amount_fen = hubcfg_price(&hub->cfg, next);
		if (next->amount_fen <= 0) {
			log_error("api", "no price for %s/%s", ca_business_id(next->business),
				  ca_cert_type_id(next->cert_type));
			e = CA_ERR_INVALID;
			goto out;
		}
	}
	e = hubdb_rev_next(hub->db, rev);
	if (e)
		goto out;
	to = ca_state_of(next);
	if (a != CA_ACT_ADD_RECORD && a != CA_ACT_ISSUE_INVOICE) {
		next->rev = *rev;
		next->updated_ms = now_ms;
		e = hubdb_app_put(hub->db, next);
		if (e)
			goto out;
	}
	e = hubdb_history_add(hub->db, next->id, *rev, now_ms, a, &from, &to, actor,
			      arg ? arg : "");
	if (!e)
		*app = *next;
out:
	free(next);
	return e;
}

void api_state_text(const struct ca_state *s, char out[64])
{
	snprintf(out, 64, "%s/%s/%s", ca_app_status_id(s->app), ca_pay_status_id(s->pay),
		 ca_proc_status_id(s->proc));
}

ca_err api_audit(struct http_req *rq, const char *action, const char *target,
		 const char *before, const char *after, const char *detail)
{
	static const char *const via[] = { "", "host", "ctl", "console" };
	struct hubdb_audit a = {
		.at_ms = vclock_now_ms(),
		.staff = rq->who.name,
		.display = rq->who.display,
		.via = via[rq->who.via],
		.action = action,
		.target = target ? target : "",
		.before = before ? before : "",
		.after = after ? after : "",
		.detail = detail ? detail : "",
		.addr = rq->addr,
	};
	ca_err e = hubdb_audit_add(rq->hub->db, &a);

	if (e)
		log_error("api", "audit line of %s on %s by %s not written: %s", action, a.target,
			  a.staff, ca_strerror(e));
	return e;
}

void api_actor(const struct http_req *rq, char *out, size_t n)
{
	snprintf(out, n, "staff:%s", rq->who.display);
}

void api_store_error(struct http_resp *rs)
{
	http_error(rs, 500, "internal", "store error; retry later");
	rs->retry_after = 5;
}

json_t *api_error_json(ca_err e, enum ca_action a, const struct ca_app *app,
		       const struct valid_report *report, int *status)
{
	const char *code;
	char msg[300];
	json_t *err, *fields;
	int i;

	*status = http_status_of(e, &code);
	if (e == CA_ERR_FORBIDDEN && app)
		snprintf(msg, sizeof(msg), "%s is not allowed in status %s/%s/%s",
			 fsm_action_id(a), ca_app_status_id(app->app_status),
			 ca_pay_status_id(app->pay_status), ca_proc_status_id(app->proc_status));
	else if (e == CA_ERR_INVALID)
		snprintf(msg, sizeof(msg), "%s: the record or its argument is not valid",
			 fsm_action_id(a));
	else
		snprintf(msg, sizeof(msg), "%s failed: %s", fsm_action_id(a), ca_strerror(e));
	err = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (err && e == CA_ERR_INVALID && report) {
		fields = json_array();
		for (i = 0; i < report->n; i++) {
			char text[400];

			valid_error_text(&report->err[i], text, sizeof(text));
			json_array_append_new(fields, json_pack("{s:s, s:s}", "field",
				ca_field_key(report->err[i].field), "message", text));
		}
		json_object_set_new(err, "fields", fields);
	}
	return json_pack("{s:o}", "error", err);
}

void api_fail(struct http_resp *rs, ca_err e, enum ca_action a, const struct ca_app *app,
	      const struct valid_report *report)
{
	int status;
	json_t *body = api_error_json(e, a, app, report, &status);

	http_reply(rs, status, body);
}

/* The account of the request's X-CA-Session, which must belong to the
 * signing device and be alive; false (rs set to 401) otherwise. */
bool api_session_account(struct http_req *rq, struct http_resp *rs, char account[12])
{
	const char *tok = http_header(rq, "X-CA-Session");
	char device[HUBDB_DEVICE_MAX + 1];
	int64_t expires;
	ca_err e;

	if (!tok || strlen(tok) != 64) {
		rq->auth_fail = "no session";
		http_error(rs, 401, "unauthorized", "X-CA-Session is required: log in first");
		return false;
	}
	e = hubdb_session_get(rq->hub->db, tok, account, device, &expires);
	if (e == CA_ERR_NOT_FOUND || (!e && strcmp(device, rq->device) != 0)) {
		rq->auth_fail = "unknown session";
		http_error(rs, 401, "unauthorized", "unknown session: log in again");
		return false;
	}
	if (e) {
		api_store_error(rs);
		return false;
	}
	if (expires < vclock_now_s()) {
		rq->auth_fail = "session expired";
		http_error(rs, 401, "unauthorized", "the session has expired: log in again");
		return false;
	}
	return true;
}

/* The hub's URL as the kiosk reached it, for pages the hub serves. */
void api_base_url(struct http_req *rq, char *out, size_t n)
{
	const char *host = http_header(rq, "Host");
	size_t len = host ? strlen(host) : 0;

	if (!len || len > API_HOST_MAX ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != len)
		snprintf(out, n, "https://%s%s%s:%d", strchr(rq->hub->cfg.listen, ':') ? "[" : "",
			 rq->hub->cfg.listen, strchr(rq->hub->cfg.listen, ':') ? "]" : "",
			 rq->hub->cfg.port);
	else
		snprintf(out, n, "https://%s", host);
}

void api_html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* What a production hub answers on a simulator's route. */
static void sim_off(struct http_req *rq, struct http_resp *rs)
{
	http_error(rs, 404, "not_found", "%s on this address belongs to the simulators "
		   "(development and tests); this hub runs in production mode", rq->method);
}

ca_err api_add_sim_routes(struct http *h, enum hub_mode mode, const struct http_route *r,
			  size_t n)
{
	struct http_route off[API_SIM_ROUTES_MAX];
	size_t i;

	if (mode != HUB_MODE_PRODUCTION)
		return http_add_routes(h, r, n);
	if (n > API_SIM_ROUTES_MAX)
		return CA_ERR_TOO_LONG;
	for (i = 0; i < n; i++) {
		off[i] = r[i];
		off[i].fn = sim_off;
	}
	return http_add_routes(h, off, n);
}
