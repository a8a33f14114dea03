/*
 * console_staff.c - the console's 人员 area (STAFF_ADMIN): the staff
 * accounts with their roles, state and last login; a form to add an
 * account, and per account forms to set a new password, change the roles,
 * and disable or enable it.
 *
 * Where to start reading: staff_page(), then add_post(). Every change is
 * one of the functions of the staff API (api_staff_add(), api_staff_able(),
 * api_staff_password(), api_staff_roles() in api_staff.c), which check the
 * input, refuse an admin disabling itself or dropping its own admin role,
 * end a disabled account's sessions at once and write the audit line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"

/* The notices of a change done, by its ?done= word. */
static const struct con_label notices[] = {
	{ "add", MSG_CON_STAFF_ADDED },
	{ "disable", MSG_CON_STAFF_DISABLED_OK },
	{ "enable", MSG_CON_STAFF_ENABLED_OK },
	{ "password", MSG_CON_STAFF_PASSWORD_OK },
	{ "roles", MSG_CON_STAFF_ROLES_OK },
};

/* The role checkboxes of a form, those of roles ticked. */
static void role_boxes(struct page *p, unsigned roles)
{
	unsigned bit;

	page_raw(p, "<fieldset class=\"roles\"><legend>");
	page_msg(p, MSG_CON_ROLES);
	page_raw(p, "</legend>");
	for (bit = 1; bit <= STAFF_ADMIN; bit <<= 1) {
		page_raw(p, "<label class=\"check\"><input type=\"checkbox\" name=\"r_%s\" "
			 "value=\"1\"%s>", staff_role_id(bit), roles & bit ? " checked" : "");
		page_msg(p, staff_role_msg(bit));
		page_raw(p, "</label>");
	}
	page_raw(p, "</fieldset>");
}

/* The roles ticked in the posted form; -1 when none. */
static long form_roles(struct http_req *rq)
{
	char name[24], v[8];
	unsigned bit, roles = 0;

	for (bit = 1; bit <= STAFF_ADMIN; bit <<= 1) {
		snprintf(name, sizeof(name), "r_%s", staff_role_id(bit));
		if (http_form(rq, name, v, sizeof(v)))
			roles |= bit;
	}
	return roles ? (long)roles : -1;
}

/* The forms of account x (a row of hubdb_staff_json): roles, password,
 * disable or enable. */
static void account_forms(struct page *p, json_t *x, const char *name)
{
	char action[80];
	bool disabled = json_is_true(json_object_get(x, "disabled"));
	bool self = !strcmp(name, p->rq->who.name);

	page_raw(p, "<details><summary>");
	page_msg(p, MSG_CON_MANAGE);
	page_raw(p, "</summary>");
	snprintf(action, sizeof(action), "/staff/%s/roles", name);
	page_form(p, action, "card");
	role_boxes(p, (unsigned)json_integer_value(json_object_get(x, "roles")));
	page_raw(p, "<button type=\"submit\">");
	page_msg(p, MSG_CON_SET_ROLES);
	page_raw(p, "</button></form>");
	snprintf(action, sizeof(action), "/staff/%s/password", name);
	page_form(p, action, "card");
	page_raw(p, "<label>");
	page_msg(p, MSG_CON_NEW_PASSWORD);
	page_raw(p, "<input type=\"password\" name=\"password\" required minlength=\"%d\" "
		 "maxlength=\"%d\" autocomplete=\"new-password\"></label><button type=\"submit\">",
		 STAFF_PASSWORD_MIN, STAFF_PASSWORD_MAX);
	page_msg(p, MSG_CON_SET_PASSWORD);
	page_raw(p, "</button></form>");
	if (!self && disabled) {
		snprintf(action, sizeof(action), "/staff/%s/enable", name);
		page_button_form(p, action, "inline-form", "quiet", MSG_NONE, MSG_CON_ENABLE);
	} else if (!self) {
		snprintf(action, sizeof(action), "/staff/%s/disable", name);
		page_button_form(p, action, "inline-form", "danger", MSG_CON_CONFIRM_DISABLE_STAFF,
				 MSG_CON_DISABLE);
	}
	page_raw(p, "</details>");
}

/* One account: a row of the table. */
static void account_row(struct page *p, json_t *x)
{
	const char *name = json_string_value(json_object_get(x, "name"));
	char roles[128];

	if (!name || !staff_name_ok(name))
		return;
	staff_roles_text((unsigned)json_integer_value(json_object_get(x, "roles")), roles,
			 sizeof(roles));
	page_raw(p, "<tr%s><td class=\"mono keep\">", json_is_true(json_object_get(x, "disabled")) ?
		 " class=\"off\"" : "");
	page_text(p, name);
	page_raw(p, "</td><td class=\"keep\">");
	page_text(p, json_string_value(json_object_get(x, "display")));
	page_raw(p, "</td><td>");
	page_text(p, roles);
	page_raw(p, "</td><td>");
	page_msg(p, json_is_true(json_object_get(x, "disabled")) ? MSG_CON_DISABLED :
		 MSG_CON_ENABLED);
	if (!json_is_true(json_object_get(x, "password_set"))) {
		page_raw(p, "<br><small class=\"warn\">");
		page_msg(p, MSG_CON_NO_PASSWORD);
		page_raw(p, "</small>");
	}
	page_raw(p, "</td><td>");
	page_time(p, json_integer_value(json_object_get(x, "last_login_ms")));
	page_raw(p, "</td><td>");
	account_forms(p, x, name);
	page_raw(p, "</td></tr>\n");
}

/* The form to add an account, filled with name and display (after a
 * refusal) and roles ticked. */
static void add_form(struct page *p, const char *name, const char *display, unsigned roles)
{
	page_raw(p, "<h2>");
	page_msg(p, MSG_CON_STAFF_ADD);
	page_raw(p, "</h2>\n");
	page_form(p, "/staff", "card");
	page_raw(p, "<label>");
	page_msg(p, MSG_CON_NAME);
	page_raw(p, "<input name=\"name\" required maxlength=\"%d\" autocapitalize=\"none\" "
		 "autocomplete=\"off\" pattern=\"[a-z][a-z0-9._\\-]{1,31}\" value=\"",
		 STAFF_NAME_MAX);
	page_text(p, name ? name : "");
	page_raw(p, "\"></label><label>");
	page_msg(p, MSG_CON_DISPLAY);
	page_raw(p, "<input name=\"display\" required maxlength=\"%d\" value=\"",
		 STAFF_DISPLAY_MAX);
	page_text(p, display ? display : "");
	page_raw(p, "\"></label>");
	role_boxes(p, roles);
	page_raw(p, "<label>");
	page_msg(p, MSG_CON_FIRST_PASSWORD);
	page_raw(p, "<input type=\"password\" name=\"password\" required minlength=\"%d\" "
		 "maxlength=\"%d\" autocomplete=\"new-password\"></label><button type=\"submit\">",
		 STAFF_PASSWORD_MIN, STAFF_PASSWORD_MAX);
	page_msg(p, MSG_CON_STAFF_ADD);
	page_raw(p, "</button></form>\n");
}

/* The staff page with notice text (an error when bad); the add form
 * filled with name, display and roles. */
static void staff_show(struct http_req *rq, struct http_resp *rs, int status,
		       const char *notice, bool bad, const char *name, const char *display,
		       unsigned roles)
{
	static const enum msg_id cols[] = { MSG_CON_NAME, MSG_CON_DISPLAY, MSG_CON_ROLES,
		MSG_CON_STATE, MSG_CON_LAST_LOGIN, MSG_CON_MANAGE };
	json_t *list = NULL, *x;
	struct page p;
	size_t i;

	if (!page_open(&p, rq, MSG_CON_AREA_STAFF, "/staff"))
		goto done;
	page_notice(&p, notice, bad);
	if (hubdb_staff_json(rq->hub->db, &list)) {
		status = page_store_error(&p);
		goto done;
	}
	page_raw(&p, "<div class=\"scroll\">");
	page_table(&p, NULL, cols, sizeof(cols) / sizeof(cols[0]));
	json_array_foreach(list, i, x)
		account_row(&p, x);
	page_raw(&p, "</tbody></table></div>\n");
	add_form(&p, name, display, roles);
done:
	json_decref(list);
	page_done(&p, rs, status);
}

/* GET /staff[?done=WORD] */
static void staff_page(struct http_req *rq, struct http_resp *rs)
{
	staff_show(rq, rs, 200, con_done_notice(rq, notices, sizeof(notices) / sizeof(notices[0])),
		   false, NULL, NULL, 0);
}

/* Why a change was refused, by the staff API's answer. */
static const struct {
	ca_err e;        /* the answer */
	int status;      /* the page's status */
	enum msg_id msg; /* the notice */
} refusals[] = {
	{ .e = CA_ERR_INVALID, .status = 422, .msg = MSG_CON_STAFF_BAD },
	{ .e = CA_ERR_FORBIDDEN, .status = 403, .msg = MSG_CON_STAFF_SELF },
	{ .e = CA_ERR_NOT_FOUND, .status = 404, .msg = MSG_CON_STAFF_NO_SUCH },
	{ .e = CA_ERR_CONFLICT, .status = 409, .msg = MSG_CON_STAFF_TAKEN },
	{ .e = CA_ERR_NOMEM, .status = 503, .msg = MSG_CON_STAFF_BUSY },
};

/* The page again for a refused change e (why: a password's reason). */
static void refused(struct http_req *rq, struct http_resp *rs, ca_err e, enum msg_id why,
		    const char *name, const char *display, long roles)
{
	enum msg_id m = MSG_CON_STORE_ERROR;
	int status = 500;
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (e == refusals[i].e) {
			m = refusals[i].msg;
			status = refusals[i].status;
		}
	if (e == CA_ERR_INVALID && why != MSG_NONE)
		m = why;
	staff_show(rq, rs, status, msg(m), true, name, display, roles > 0 ? (unsigned)roles : 0);
}

/* The answer to a change of an account: done, the page saying so
 * (done_url); refused with e, the page again saying why (why: a
 * password's reason). */
static void answer(struct http_req *rq, struct http_resp *rs, ca_err e, enum msg_id why,
		   const char *done_url)
{
	if (e)
		refused(rq, rs, e, why, NULL, NULL, 0);
	else
		http_redirect(rs, done_url);
}

/* POST /staff: name, display, r_ROLE..., password. */
static void add_post(struct http_req *rq, struct http_resp *rs)
{
	char name[STAFF_NAME_MAX + 8], display[STAFF_DISPLAY_BUF + 8];
	char pw[2 * STAFF_PASSWORD_MAX]; /* room to say a password is too long */
	const char *n = http_form(rq, "name", name, sizeof(name));
	const char *d = http_form(rq, "display", display, sizeof(display));
	const char *w = http_form(rq, "password", pw, sizeof(pw));
	long roles = form_roles(rq);
	enum msg_id why;
	ca_err e;

	/* The console always sets a first password: an account without one
	 * cannot sign in. */
	e = api_staff_add(rq, n, d, roles, w ? w : "", &why);
	explicit_bzero(pw, sizeof(pw));
	if (e)
		refused(rq, rs, e, why, n, d, roles);
	else
		http_redirect(rs, "/staff?done=add");
}

/* POST /staff/NAME/disable and /enable. */
static void able_post(struct http_req *rq, struct http_resp *rs, bool disable)
{
	answer(rq, rs, api_staff_able(rq, rq->param[0], disable), MSG_NONE,
	       disable ? "/staff?done=disable" : "/staff?done=enable");
}

static void disable_post(struct http_req *rq, struct http_resp *rs)
{
	able_post(rq, rs, true);
}

static void enable_post(struct http_req *rq, struct http_resp *rs)
{
	able_post(rq, rs, false);
}

/* POST /staff/NAME/password: password. */
static void password_post(struct http_req *rq, struct http_resp *rs)
{
	char pw[2 * STAFF_PASSWORD_MAX]; /* room to say a password is too long */
	const char *w = http_form(rq, "password", pw, sizeof(pw));
	enum msg_id why;
	ca_err e = api_staff_password(rq, rq->param[0], w, &why);

	explicit_bzero(pw, sizeof(pw));
	answer(rq, rs, e, why, "/staff?done=password");
}

/* POST /staff/NAME/roles: r_ROLE... */
static void roles_post(struct http_req *rq, struct http_resp *rs)
{
	answer(rq, rs, api_staff_roles(rq, rq->param[0], form_roles(rq)), MSG_NONE,
	       "/staff?done=roles");
}

const struct con_route con_staff_routes[] = {
	{ "GET", "/staff", staff_page, STAFF_ADMIN },
	{ "POST", "/staff", add_post, STAFF_ADMIN },
	{ "POST", "/staff/*/disable", disable_post, STAFF_ADMIN },
	{ "POST", "/staff/*/enable", enable_post, STAFF_ADMIN },
	{ "POST", "/staff/*/password", password_post, STAFF_ADMIN },
	{ "POST", "/staff/*/roles", roles_post, STAFF_ADMIN },
	{ NULL },
};
