/*
 * api_staff.c - staff accounts, logging in and out, the audit trail
 * (docs/console.md, docs/api.md "Staff").
 *
 * Where to start reading: api_staff_login(), shared by ca-hubctl's
 * POST /v1/admin/login and the console's sign-in form. Then the account
 * routes, which only 管理员 (STAFF_ADMIN) may use; every change writes its
 * audit line in the same transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "api.h"
#include "auth.h"
#include "hub.h"
#include "staff.h"
#include "vclock.h"

#define TAG "staff"
#define AUDIT_PAGE_MAX 500 /* lines of one audit page at most */

/* The string member name of obj, or NULL when absent or not a string. */
static const char *str_of(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

/* The throttle's keys of a login: the account, the address. */
static void throttle_keys(const char *name, const char *addr, char kn[64], char ka[64])
{
	snprintf(kn, 64, "name:%.40s", name);
	snprintf(ka, 64, "addr:%.47s", addr);
}

/* A failed login: counted under both keys, and on the trail. */
static void login_failed(struct http_req *rq, const char *name, enum msg_id why)
{
	struct hubcfg *c = &rq->hub->cfg;
	int64_t now = vclock_now_ms(), keep = (int64_t)c->login_fail_window_min * 60000;
	char kn[64], ka[64];
	struct staff_who none = { 0 };

	throttle_keys(name, rq->addr, kn, ka);
	if (hubdb_login_failed(rq->hub->db, kn, now, keep) ||
	    hubdb_login_failed(rq->hub->db, ka, now, keep))
		log_error(TAG, "a failed login of %.40s could not be counted", name);
	/* Nobody is signed in: the trail names the account tried. */
	rq->who = none;
	api_audit(rq, "login_failed", name, "", "", msg(why));
	log_warn(TAG, "login of '%.40s' from %s failed: %s", name, rq->addr, msg_name(why));
}

void api_staff_login(struct http_req *rq, const char *name, const char *pw, bool console,
		     struct api_login *out)
{
	struct hubcfg *c = &rq->hub->cfg;
	int64_t window = (int64_t)c->login_fail_window_min * 60000;
	int64_t now = vclock_now_ms(), since = now - window, free_n = 0, free_a = 0;
	struct hubdb_staff *st = &out->st;
	char kn[64], ka[64];
	int nn = 0, na = 0;
	bool found, ok;
	ca_err e;

	memset(out, 0, sizeof(*out));
	if (!name || !pw || !staff_name_ok(name) || strlen(pw) > STAFF_PASSWORD_MAX) {
		/* Checked against the fixed hash all the same: no timing says
		 * which names are well-formed either. */
		staff_password_ok(NULL, pw ? pw : "");
		out->status = 401;
		return;
	}
	throttle_keys(name, rq->addr, kn, ka);
	if (hubdb_login_failures(rq->hub->db, kn, since, c->login_fail_account, &nn, &free_n) ||
	    hubdb_login_failures(rq->hub->db, ka, since, c->login_fail_address, &na, &free_a)) {
		out->status = 500;
		return;
	}
	if (nn >= c->login_fail_account || na >= c->login_fail_address) {
		/* Until enough of the counted failures have left the window. */
		int64_t free_at = free_n > free_a ? free_n : free_a;

		out->status = 429;
		out->retry_after_s = (int)((free_at + window - now + 999) / 1000);
		if (out->retry_after_s < 1)
			out->retry_after_s = 1;
		log_warn(TAG, "login of %s from %s refused: %d failures of the account, %d of "
			 "the address in %d min", name, rq->addr, nn, na, c->login_fail_window_min);
		return;
	}
	e = hubdb_staff_get(rq->hub->db, name, st);
	if (e && e != CA_ERR_NOT_FOUND) {
		out->status = 500;
		return;
	}
	found = !e && st->pw_hash[0];
	ok = staff_password_ok(found ? st->pw_hash : NULL, pw);
	if (!ok) {
		login_failed(rq, name, found ? MSG_CON_AUD_WRONG_PASSWORD : MSG_CON_AUD_NO_ACCOUNT);
		out->status = 401;
		return;
	}
	if (st->disabled) {
		login_failed(rq, name, MSG_CON_AUD_ACCOUNT_DISABLED);
		out->status = 403;
		return;
	}
	if (hubdb_login_forget(rq->hub->db, kn) || hubdb_staff_logged_in(rq->hub->db, name, now) ||
	    auth_session_open(rq, st, console, out->token, out->csrf, &out->expires_ms)) {
		out->status = 500;
		return;
	}
	snprintf(rq->who.name, sizeof(rq->who.name), "%s", st->name);
	snprintf(rq->who.display, sizeof(rq->who.display), "%s", st->display);
	rq->who.roles = st->roles;
	rq->who.via = console ? STAFF_VIA_CONSOLE : STAFF_VIA_TOKEN;
	api_audit(rq, "login", name, "", "", ""); /* how: the line's via */
	log_info(TAG, "%s logged in from %s (%s)", name, rq->addr, console ? "console" : "token");
	out->status = 200;
}

/* The roles of an account as a JSON array of ids. */
static json_t *roles_json(unsigned roles)
{
	json_t *a = json_array();
	unsigned bit;

	for (bit = 1; bit <= STAFF_ADMIN; bit <<= 1)
		if (roles & bit)
			json_array_append_new(a, json_string(staff_role_id(bit)));
	return a;
}

/* POST /v1/admin/login {"name", "password"}: a ca-hubctl token. */
static void login(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	struct api_login *l;

	if (!body)
		return;
	l = malloc(sizeof(*l));
	if (!l) {
		http_error(rs, 500, "internal", "out of memory");
		goto out;
	}
	api_staff_login(rq, str_of(body, "name"), str_of(body, "password"), false, l);
	switch (l->status) {
	case 200:
		http_reply(rs, 200, json_pack("{s:s, s:I, s:s, s:s, s:o}", "token", l->token,
					      "expires_ms", (json_int_t)l->expires_ms, "name",
					      l->st.name, "display", l->st.display, "roles",
					      roles_json(l->st.roles)));
		break;
	case 401:
		http_error(rs, 401, "unauthorized", "wrong name or password");
		break;
	case 403:
		http_error(rs, 403, "forbidden", "the account is disabled");
		break;
	case 429:
		http_error(rs, 429, "too_many", "too many failed logins: wait %d minutes",
			   (l->retry_after_s + 59) / 60);
		rs->retry_after = l->retry_after_s;
		break;
	default:
		api_store_error(rs);
	}
	memset(l, 0, sizeof(*l));
	free(l);
out:
	json_decref(body);
}

/* POST /v1/admin/logout: the token used ends (the host's token does not). */
static void logout(struct http_req *rq, struct http_resp *rs)
{
	if (rq->who.via == STAFF_VIA_HOST) {
		http_error(rs, 400, "bad_request", "the host's token does not log out");
		return;
	}
	if (hubdb_ssn_end(rq->hub->db, rq->who.sid_hash)) {
		api_store_error(rs);
		return;
	}
	api_audit(rq, "logout", rq->who.name, "", "", "");
	http_reply(rs, 200, json_pack("{s:b}", "ended", 1));
}

/* GET /v1/admin/whoami */
static void whoami(struct http_req *rq, struct http_resp *rs)
{
	http_reply(rs, 200, json_pack("{s:s, s:s, s:o}", "name", rq->who.name, "display",
				      rq->who.display, "roles", roles_json(rq->who.roles)));
}

/* GET /v1/admin/staff */
static void staff_list(struct http_req *rq, struct http_resp *rs)
{
	json_t *list, *x;
	size_t i;

	if (hubdb_staff_json(rq->hub->db, &list)) {
		api_store_error(rs);
		return;
	}
	json_array_foreach(list, i, x)
		json_object_set_new(x, "roles", roles_json((unsigned)json_integer_value(
			json_object_get(x, "roles"))));
	http_reply(rs, 200, json_pack("{s:o}", "staff", list));
}

/* The roles of a request body: an array of ids or a comma-separated
 * string. -1 when bad. */
static long roles_of(json_t *v)
{
	char buf[128] = "";
	size_t i, used = 0;
	json_t *x;

	if (json_is_string(v))
		return staff_roles_parse(json_string_value(v));
	if (!json_is_array(v))
		return -1;
	json_array_foreach(v, i, x) {
		int k = snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? "," : "",
				 json_is_string(x) ? json_string_value(x) : "?");

		if (k < 0 || (size_t)k >= sizeof(buf) - used)
			return -1;
		used += (size_t)k;
	}
	return staff_roles_parse(buf);
}

/* ---- account changes, shared by the routes here and the console ---- */

/* Commit an account change e (with its audit line) or roll it back; e or
 * the commit's error. */
static ca_err staff_close(struct http_req *rq, ca_err e)
{
	if (e == CA_OK && (e = hubdb_commit(rq->hub->db)) == CA_OK)
		return CA_OK;
	if (hubdb_in_tx(rq->hub->db))
		hubdb_rollback(rq->hub->db);
	return e;
}

ca_err api_staff_add(struct http_req *rq, const char *name, const char *display, long roles,
		     const char *pw, enum msg_id *why)
{
	struct hubdb_staff st = { 0 };
	char ids[64];
	ca_err e;

	*why = MSG_NONE;
	if (!staff_name_ok(name) || !staff_display_ok(display) || roles < 0)
		return CA_ERR_INVALID;
	if (pw && (*why = staff_password_check(pw, name)) != MSG_NONE)
		return CA_ERR_INVALID;
	snprintf(st.name, sizeof(st.name), "%s", name);
	snprintf(st.display, sizeof(st.display), "%s", display);
	st.roles = (unsigned)roles;
	st.created_ms = vclock_now_ms();
	if (pw && staff_hash_password(pw, st.pw_hash))
		return CA_ERR_NOMEM;
	staff_roles_ids(st.roles, ids, sizeof(ids));
	e = hubdb_begin(rq->hub->db);
	if (!e)
		e = hubdb_staff_add(rq->hub->db, &st);
	if (!e)
		e = api_audit(rq, "staff_add", name, "", ids, display);
	e = staff_close(rq, e);
	explicit_bzero(st.pw_hash, sizeof(st.pw_hash));
	if (!e)
		log_info(TAG, "staff %s (%s) added by %s", name, ids, rq->who.name);
	return e;
}

ca_err api_staff_able(struct http_req *rq, const char *name, bool disable)
{
	ca_err e;

	if (!staff_name_ok(name))
		return CA_ERR_NOT_FOUND;
	if (disable && strcmp(name, rq->who.name) == 0)
		return CA_ERR_FORBIDDEN;
	e = hubdb_begin(rq->hub->db);
	if (!e)
		e = hubdb_staff_set_disabled(rq->hub->db, name, disable, vclock_now_ms());
	if (!e && disable)
		e = hubdb_ssn_end_all(rq->hub->db, name);
	if (!e)
		e = api_audit(rq, disable ? "staff_disable" : "staff_enable", name,
			      disable ? "enabled" : "disabled", disable ? "disabled" : "enabled", "");
	e = staff_close(rq, e);
	if (!e)
		log_info(TAG, "staff %s %s by %s", name, disable ? "disabled" : "enabled",
			 rq->who.name);
	return e;
}

ca_err api_staff_password(struct http_req *rq, const char *name, const char *pw,
			  enum msg_id *why)
{
	char hash[STAFF_HASH_MAX];
	ca_err e;

	*why = MSG_NONE;
	if (!staff_name_ok(name))
		return CA_ERR_NOT_FOUND;
	if ((*why = staff_password_check(pw, name)) != MSG_NONE)
		return CA_ERR_INVALID;
	if (staff_hash_password(pw, hash))
		return CA_ERR_NOMEM;
	e = hubdb_begin(rq->hub->db);
	if (!e)
		e = hubdb_staff_set_password(rq->hub->db, name, hash, vclock_now_ms());
	if (!e)
		e = hubdb_ssn_end_all(rq->hub->db, name);
	if (!e)
		e = api_audit(rq, "staff_password", name, "", "", "");
	e = staff_close(rq, e);
	explicit_bzero(hash, sizeof(hash));
	if (!e)
		log_info(TAG, "password of %s set by %s", name, rq->who.name);
	return e;
}

ca_err api_staff_roles(struct http_req *rq, const char *name, long roles)
{
	struct hubdb_staff old;
	char was[64], now_ids[64];
	ca_err e;

	if (!staff_name_ok(name) || roles < 0)
		return CA_ERR_INVALID;
	if (strcmp(name, rq->who.name) == 0 && !(roles & STAFF_ADMIN))
		return CA_ERR_FORBIDDEN;
	e = hubdb_begin(rq->hub->db);
	if (!e)
		e = hubdb_staff_get(rq->hub->db, name, &old);
	if (!e)
		e = hubdb_staff_set_roles(rq->hub->db, name, (unsigned)roles, vclock_now_ms());
	if (!e) {
		staff_roles_ids(old.roles, was, sizeof(was));
		staff_roles_ids((unsigned)roles, now_ids, sizeof(now_ids));
		e = api_audit(rq, "staff_roles", name, was, now_ids, "");
	}
	return staff_close(rq, e);
}

/* ---- the account routes ---- */

/* Set rs to the answer of a refused account change e of name: 404 for an
 * unknown account, 409 for a name taken, 503 when the password could not
 * be hashed, 500 for the store (the 400s are the caller's). */
static void staff_refused(struct http_resp *rs, ca_err e, const char *name)
{
	if (e == CA_ERR_NOT_FOUND && staff_name_ok(name))
		http_error(rs, 404, "not_found", "no staff account %s", name);
	else if (e == CA_ERR_NOT_FOUND)
		http_error(rs, 404, "not_found", "no staff account with that name");
	else if (e == CA_ERR_CONFLICT)
		http_error(rs, 409, "conflict", "the name %s is taken", name);
	else if (e == CA_ERR_NOMEM)
		http_error(rs, 503, "unavailable", "the password could not be hashed; retry");
	else
		api_store_error(rs);
}

/* POST /v1/admin/staff {"name", "display", "roles", "password"?} */
static void staff_add(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	const char *name, *display, *pw;
	enum msg_id why;
	long roles;
	ca_err e;

	if (!body)
		return;
	name = str_of(body, "name");
	display = str_of(body, "display");
	pw = str_of(body, "password");
	roles = roles_of(json_object_get(body, "roles"));
	e = api_staff_add(rq, name, display, roles, pw, &why);
	if (e == CA_ERR_INVALID && why != MSG_NONE)
		http_error(rs, 400, "bad_request", "password: %s", msg(why));
	else if (e == CA_ERR_INVALID)
		http_error(rs, 400, "bad_request", "name: 2..%d of a-z 0-9 . _ - starting with a "
			   "letter (not %s); display: 1..%d characters; roles: review, counter, "
			   "finance, ops, admin or all", STAFF_NAME_MAX, STAFF_HOST_NAME,
			   STAFF_DISPLAY_MAX);
	else if (e)
		staff_refused(rs, e, name);
	else
		http_reply(rs, 200, json_pack("{s:s, s:s, s:o, s:b}", "name", name, "display",
					      display, "roles", roles_json((unsigned)roles),
					      "password_set", pw != NULL));
	json_decref(body);
}

/* POST /v1/admin/staff/NAME/disable, .../enable: a disabled account's
 * sessions and tokens end at once. */
static void staff_able(struct http_req *rq, struct http_resp *rs, bool disable)
{
	const char *name = rq->param[0];
	ca_err e = api_staff_able(rq, name, disable);

	if (e == CA_ERR_FORBIDDEN)
		http_error(rs, 400, "bad_request", "an account cannot disable itself");
	else if (e)
		staff_refused(rs, e, name);
	else
		http_reply(rs, 200, json_pack("{s:s, s:b}", "name", name, "disabled", disable));
}

static void staff_disable(struct http_req *rq, struct http_resp *rs)
{
	staff_able(rq, rs, true);
}

static void staff_enable(struct http_req *rq, struct http_resp *rs)
{
	staff_able(rq, rs, false);
}

/* POST /v1/admin/staff/NAME/password {"password"}: the account's sessions
 * and tokens end (it logs in again with the new one). */
static void staff_passwd(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	const char *name = rq->param[0];
	enum msg_id why;
	ca_err e;

	if (!body)
		return;
	e = api_staff_password(rq, name, str_of(body, "password"), &why);
	if (e == CA_ERR_INVALID)
		http_error(rs, 400, "bad_request", "password: %s", msg(why));
	else if (e)
		staff_refused(rs, e, name);
	else
		http_reply(rs, 200, json_pack("{s:s, s:b}", "name", name, "password_set", 1));
	json_decref(body);
}

/* POST /v1/admin/staff/NAME/roles {"roles"} */
static void staff_roles(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs);
	const char *name = rq->param[0];
	long roles;
	ca_err e;

	if (!body)
		return;
	roles = roles_of(json_object_get(body, "roles"));
	e = api_staff_roles(rq, name, roles);
	if (e == CA_ERR_INVALID)
		http_error(rs, 400, "bad_request", "roles: review, counter, finance, ops, admin or "
			   "all, for an account's name");
	else if (e == CA_ERR_FORBIDDEN)
		http_error(rs, 400, "bad_request", "an account cannot take away its own admin role");
	else if (e)
		staff_refused(rs, e, name);
	else
		http_reply(rs, 200, json_pack("{s:s, s:o}", "name", name, "roles",
					      roles_json((unsigned)roles)));
	json_decref(body);
}

/* A whole number of query parameter name, def when absent; false when it
 * is there but not a whole number in lo..hi. */
static bool query_num(struct http_req *rq, const char *name, long long lo, long long hi,
		      long long def, long long *out)
{
	const char *v = http_query(rq, name);
	char *end;

	*out = def;
	if (!v || !*v)
		return true;
	*out = strtoll(v, &end, 10);
	return !*end && *out >= lo && *out <= hi;
}

/* A text query parameter, NULL when absent or empty. */
static const char *query_text(struct http_req *rq, const char *name)
{
	const char *v = http_query(rq, name);

	return v && *v ? v : NULL;
}

/* GET /v1/admin/audit?staff=&action=&target=&q=&before=SEQ&from=MS&to=MS&limit=N:
 * newest first; "next" is the cursor of the page after (null at the end). */
static void audit_list(struct http_req *rq, struct http_resp *rs)
{
	struct hubdb_audit_q q = { 0 };
	long long before, from, to, limit;
	json_t *rows, *last;

	if (!query_num(rq, "before", 0, INT64_MAX, 0, &before) ||
	    !query_num(rq, "from", 0, INT64_MAX, 0, &from) ||
	    !query_num(rq, "to", 0, INT64_MAX, 0, &to) ||
	    !query_num(rq, "limit", 1, AUDIT_PAGE_MAX, 100, &limit)) {
		http_error(rs, 400, "bad_request", "before, from, to: whole numbers; limit 1..%d",
			   AUDIT_PAGE_MAX);
		return;
	}
	q.staff = query_text(rq, "staff");
	q.action = query_text(rq, "action");
	q.target = query_text(rq, "target");
	q.text = query_text(rq, "q");
	q.before_seq = before;
	q.from_ms = from;
	q.to_ms = to;
	q.limit = (int)limit;
	if (hubdb_audit_json(rq->hub->db, &q, &rows)) {
		api_store_error(rs);
		return;
	}
	last = json_array_get(rows, json_array_size(rows) - 1);
	http_reply(rs, 200, json_pack("{s:o, s:o}", "audit", rows, "next",
				      json_array_size(rows) == (size_t)limit && last
				      ? json_copy(json_object_get(last, "seq")) : json_null()));
}

static const struct http_route routes[] = {
	{ "POST", "/v1/admin/login", HTTP_AUTH_NONE, login, 0 },
	{ "POST", "/v1/admin/logout", HTTP_AUTH_STAFF, logout, STAFF_ANY },
	{ "GET", "/v1/admin/whoami", HTTP_AUTH_STAFF, whoami, STAFF_ANY },
	{ "GET", "/v1/admin/staff", HTTP_AUTH_STAFF, staff_list, STAFF_ADMIN },
	{ "POST", "/v1/admin/staff", HTTP_AUTH_STAFF, staff_add, STAFF_ADMIN },
	{ "POST", "/v1/admin/staff/*/disable", HTTP_AUTH_STAFF, staff_disable, STAFF_ADMIN },
	{ "POST", "/v1/admin/staff/*/enable", HTTP_AUTH_STAFF, staff_enable, STAFF_ADMIN },
	{ "POST", "/v1/admin/staff/*/password", HTTP_AUTH_STAFF, staff_passwd, STAFF_ADMIN },
	{ "POST", "/v1/admin/staff/*/roles", HTTP_AUTH_STAFF, staff_roles, STAFF_ADMIN },
	{ "GET", "/v1/admin/audit", HTTP_AUTH_STAFF, audit_list, STAFF_ADMIN },
};

ca_err api_staff_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
