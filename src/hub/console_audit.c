/*
 * console_audit.c - the console's 审计 area (STAFF_ADMIN): the audit trail,
 * newest first, a page at a time, with a search by staff member, action,
 * target, free text and dates (China time).
 *
 * Where to start reading: audit_page(). The lines come from
 * hubdb_audit_json() (as GET /v1/admin/audit); each is written as a person
 * reads it: actions, states and roles by their catalog labels
 * (audit_action_msg(), state_text()), application ids as links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cst.h"
#include "core/fsm.h"
#include "core/utf8.h"
#include "core/uuid.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"

#define AUDIT_PAGE 100  /* lines a page shows */
#define FILTER_MAX 100  /* characters of a text filter at most */
#define DAY_MS (86400 * INT64_C(1000))

/* The actions of the trail that are not transitions (as api_audit()
 * writes them), with their labels. */
static const struct con_label other_actions[] = {
	{ "login", MSG_CON_AUD_LOGIN },
	{ "login_failed", MSG_CON_AUD_LOGIN_FAILED },
	{ "logout", MSG_CON_AUD_LOGOUT },
	{ "staff_add", MSG_CON_AUD_STAFF_ADD },
	{ "staff_disable", MSG_CON_AUD_STAFF_DISABLE },
	{ "staff_enable", MSG_CON_AUD_STAFF_ENABLE },
	{ "staff_password", MSG_CON_AUD_STAFF_PASSWORD },
	{ "staff_roles", MSG_CON_AUD_STAFF_ROLES },
	{ "device_add", MSG_CON_AUD_DEVICE_ADD },
	{ "device_disable", MSG_CON_AUD_DEVICE_DISABLE },
	{ "fleet_restart", MSG_CON_AUD_FLEET_RESTART },
	{ "fleet_logs", MSG_CON_AUD_FLEET_LOGS },
};
#define NOTHER (sizeof(other_actions) / sizeof(other_actions[0]))

/* The label of action id, MSG_NONE when it is none the console knows. */
static enum msg_id audit_action_msg(const char *id)
{
	int a = id ? fsm_action_from_id(id) : -1;

	if (a >= 0)
		return fsm_action_msg((enum ca_action)a);
	return con_label(other_actions, NOTHER, id, MSG_NONE);
}

/* Write a state of a line: "approved/paid/onsite" as the labels of each
 * part, "enabled"/"disabled", a list of role ids as their labels; any
 * other text as it is. */
static void state_text(struct page *p, const char *s)
{
	char part[3][32], roles[128];
	int app, pay, proc;
	long r;

	if (!s || !*s)
		return;
	if (sscanf(s, "%31[a-z_]/%31[a-z_]/%31[a-z_]", part[0], part[1], part[2]) == 3 &&
	    (app = ca_app_status_from_id(part[0])) >= 0 &&
	    (pay = ca_pay_status_from_id(part[1])) >= 0 &&
	    (proc = ca_proc_status_from_id(part[2])) >= 0) {
		page_msg(p, ca_app_status_msg((enum ca_app_status)app));
		page_raw(p, " &middot; ");
		page_msg(p, ca_pay_status_msg((enum ca_pay_status)pay));
		page_raw(p, " &middot; ");
		page_msg(p, ca_proc_status_msg((enum ca_proc_status)proc));
	} else if (!strcmp(s, "enabled")) {
		page_msg(p, MSG_CON_ENABLED);
	} else if (!strcmp(s, "disabled")) {
		page_msg(p, MSG_CON_DISABLED);
	} else if ((r = staff_roles_parse(s)) >= 0) {
		staff_roles_text((unsigned)r, roles, sizeof(roles));
		page_text(p, roles);
	} else {
		page_text(p, s);
	}
}

/* The label of how a line's member came: console, ca-hubctl, the host. */
static void via_text(struct page *p, const char *via)
{
	static const struct con_label vias[] = {
		{ "console", MSG_CON_VIA_CONSOLE },
		{ "ctl", MSG_CON_VIA_CTL },
		{ "host", MSG_CON_VIA_HOST },
	};
	enum msg_id m = con_label(vias, sizeof(vias) / sizeof(vias[0]), via, MSG_NONE);

	if (m != MSG_NONE)
		page_msg(p, m);
	else
		page_raw(p, "&mdash;");
}

/* The string member name of line x ("" when absent). */
static const char *str(json_t *x, const char *name)
{
	const char *s = json_string_value(json_object_get(x, name));

	return s ? s : "";
}

/* One line of the trail: a row of the table. */
static void line_row(struct page *p, json_t *x)
{
	const char *action = str(x, "action"), *target = str(x, "target");
	enum msg_id am = audit_action_msg(action);

	page_raw(p, "<tr><td class=\"nowrap\">");
	page_time(p, json_integer_value(json_object_get(x, "at_ms")));
	page_raw(p, "</td><td class=\"keep\">");
	if (*str(x, "staff")) {
		page_text(p, str(x, "display"));
		page_raw(p, " <small class=\"muted\">");
		page_text(p, str(x, "staff"));
		page_raw(p, "</small>");
	} else {
		page_raw(p, "&mdash;"); /* a failed login: nobody was signed in */
	}
	page_raw(p, "</td><td class=\"keep\">");
	via_text(p, str(x, "via"));
	page_raw(p, "</td><td class=\"keep\">");
	if (am != MSG_NONE)
		page_msg(p, am);
	else
		page_text(p, action);
	page_raw(p, "</td><td class=\"keep\">");
	if (uuid_valid(target))
		page_raw(p, "<a href=\"/app/%s\">%.8s</a>", target, target);
	else
		page_text(p, target);
	page_raw(p, "</td><td class=\"keep\">");
	state_text(p, str(x, "before"));
	page_raw(p, "</td><td class=\"keep\">");
	state_text(p, str(x, "after"));
	page_raw(p, "</td><td>");
	page_text(p, str(x, "detail"));
	page_raw(p, "</td><td class=\"mono keep\">");
	page_text(p, str(x, "addr"));
	page_raw(p, "</td></tr>\n");
}

/* The start of China date s ("2026-12-05") in unix ms into *ms; false when
 * s is not such a date. */
static bool day_start(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int y, m, d, used = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 || s[used] ||
	    y < 2000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ms = ((int64_t)t - CA_CST_OFFSET_S) * 1000;
	/* 2026-02-30 would have become March 2: not a date. */
	return ca_cst_day(*ms) == y * 10000 + m * 100 + d;
}

/* A text filter of the query: valid UTF-8 of 1..FILTER_MAX characters,
 * NULL otherwise. */
static const char *filter(struct http_req *rq, const char *name)
{
	const char *v = con_query(rq, name);
	size_t n;

	return v && utf8_count(v, &n) && n <= FILTER_MAX ? v : NULL;
}

/* A text input of the search form. */
static void text_input(struct page *p, enum msg_id label, const char *name, const char *v,
		       const char *type)
{
	page_raw(p, "<label>");
	page_msg(p, label);
	page_raw(p, "<input type=\"%s\" name=\"%s\" maxlength=\"%d\" value=\"", type, name,
		 FILTER_MAX);
	page_text(p, v ? v : "");
	page_raw(p, "\"></label>");
}

/* The action choice of the search form, action selected. */
static void action_select(struct page *p, const char *action)
{
	size_t i;
	int a;

	page_raw(p, "<label>");
	page_msg(p, MSG_CON_WHAT);
	page_raw(p, "<select name=\"action\"><option value=\"\">");
	page_msg(p, MSG_CON_AUDIT_ANY);
	page_raw(p, "</option>");
	for (a = 0; a < CA_ACT__N; a++) {
		if (fsm_actor((enum ca_action)a) != CA_BY_STAFF)
			continue;
		page_raw(p, "<option value=\"%s\"%s>", fsm_action_id((enum ca_action)a),
			 action && !strcmp(action, fsm_action_id((enum ca_action)a)) ?
			 " selected" : "");
		page_msg(p, fsm_action_msg((enum ca_action)a));
		page_raw(p, "</option>");
	}
	for (i = 0; i < NOTHER; i++) {
		page_raw(p, "<option value=\"%s\"%s>", other_actions[i].id,
			 action && !strcmp(action, other_actions[i].id) ? " selected" : "");
		page_msg(p, other_actions[i].msg);
		page_raw(p, "</option>");
	}
	page_raw(p, "</select></label>");
}

/* GET /audit?staff=&action=&target=&q=&from=DATE&to=DATE&before=SEQ */
static void audit_page(struct http_req *rq, struct http_resp *rs)
{
	static const enum msg_id cols[] = { MSG_CON_WHEN, MSG_CON_WHO, MSG_CON_VIA, MSG_CON_WHAT,
		MSG_CON_AUDIT_TARGET, MSG_CON_BEFORE, MSG_CON_AFTER, MSG_CON_DETAIL,
		MSG_CON_ADDR };
	/* The search's parameters, as the next page's form sends them again. */
	static const char *const names[] = { "staff", "action", "target", "q", "from", "to",
					     "before" };
	const char *from = filter(rq, "from"), *to = filter(rq, "to");
	const char *before = con_query(rq, "before");
	struct hubdb_audit_q q = { .limit = AUDIT_PAGE };
	json_t *rows = NULL, *x, *last;
	struct page p;
	int status = 200;
	char seq[24], *end;
	size_t i;

	if (!page_open(&p, rq, MSG_CON_AREA_AUDIT, "/audit"))
		goto done;
	q.staff = filter(rq, "staff");
	q.action = filter(rq, "action");
	q.target = filter(rq, "target");
	q.text = filter(rq, "q");
	if (before) {
		long long b = strtoll(before, &end, 10);

		if (end != before && !*end && b > 0)
			q.before_seq = b;
	}
	if ((from && !day_start(from, &q.from_ms)) || (to && !day_start(to, &q.to_ms))) {
		page_error(&p, msg(MSG_CON_AUDIT_BAD_DATE));
		status = 422;
		q.from_ms = q.to_ms = 0;
		from = to = NULL;
	}
	if (q.to_ms)
		q.to_ms += DAY_MS; /* the end date is included */
	page_raw(&p, "<form method=\"get\" action=\"/audit\" class=\"search filters\" "
		 "role=\"search\">");
	text_input(&p, MSG_CON_AUDIT_STAFF, "staff", q.staff, "text");
	action_select(&p, q.action);
	text_input(&p, MSG_CON_AUDIT_TARGET, "target", q.target, "text");
	text_input(&p, MSG_CON_AUDIT_TEXT, "q", q.text, "search");
	text_input(&p, MSG_CON_AUDIT_FROM, "from", from, "date");
	text_input(&p, MSG_CON_AUDIT_TO, "to", to, "date");
	page_raw(&p, "<button type=\"submit\">");
	page_msg(&p, MSG_CON_SEARCH);
	page_raw(&p, "</button></form>\n");
	if (hubdb_audit_json(rq->hub->db, &q, &rows)) {
		status = page_store_error(&p);
		goto done;
	}
	if (!page_list_open(&p, json_array_size(rows), MSG_CON_AUDIT_EMPTY, "audit", cols,
			    sizeof(cols) / sizeof(cols[0])))
		goto done;
	json_array_foreach(rows, i, x)
		line_row(&p, x);
	page_list_close(&p, MSG_CON_CHINA_TIME);
	last = json_array_get(rows, json_array_size(rows) - 1);
	if (json_array_size(rows) == AUDIT_PAGE && last) {
		/* The next page: the same search, older than the last line. */
		const char *const values[] = { q.staff, q.action, q.target, q.text, from, to,
					       seq };

		snprintf(seq, sizeof(seq), "%lld",
			 (long long)json_integer_value(json_object_get(last, "seq")));
		page_next_form(&p, "/audit", names, values, sizeof(names) / sizeof(names[0]));
	}
done:
	json_decref(rows);
	page_done(&p, rs, status);
}

const struct con_route con_audit_routes[] = {
	{ "GET", "/audit", audit_page, STAFF_ADMIN },
	{ NULL },
};
