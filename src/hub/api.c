/* api.c - what the endpoints share: applying an action, error bodies. */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "hub.h"
#include "vclock.h"

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
