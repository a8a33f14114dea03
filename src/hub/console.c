/*
 * console.c - the staff console's frame, sign-in and sign-out, its refusal
 * page, its style sheet and script (see console.h, docs/console.md).
 *
 * Where to start reading: console_register() (the routes of this file and
 * of each area), then sign_in(). The areas' pages are in console_*.c and
 * build on the page functions here (console_int.h).
 */
#include "console.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/cst.h"
#include "core/log.h"
#include "api.h"
#include "auth.h"
#include "console_int.h"
#include "hub.h"
#include "staff.h"
#include "vclock.h"

#define TAG "console"

/* One area of the console: its page, its name, the roles it is for, and
 * its routes (in its file). */
static const struct area {
	const char *path;               /* its first page */
	enum msg_id name;               /* in the navigation */
	unsigned roles;                 /* who sees it */
	const struct con_route *routes; /* its pages and forms */
} areas[] = {
	{ "/review", MSG_CON_AREA_REVIEW, STAFF_CASEWORK, con_review_routes },
	{ "/counter", MSG_CON_AREA_COUNTER, STAFF_COUNTER, con_counter_routes },
	{ "/pay", MSG_CON_AREA_PAY, STAFF_FINANCE, con_pay_routes },
	{ "/kiosks", MSG_CON_AREA_KIOSKS, STAFF_OPS, con_fleet_routes },
	{ "/audit", MSG_CON_AREA_AUDIT, STAFF_ADMIN, con_audit_routes },
	{ "/staff", MSG_CON_AREA_STAFF, STAFF_ADMIN, con_staff_routes },
};
#define NAREAS (sizeof(areas) / sizeof(areas[0]))

/* The first page of the first area roles reach; NULL when none does. */
static const char *first_area(unsigned roles)
{
	size_t i;

	for (i = 0; i < NAREAS; i++)
		if (roles & areas[i].roles)
			return areas[i].path;
	return NULL;
}

/* ---- building pages ---- */

void page_text(struct page *p, const char *s)
{
	api_html_text(p->f, s ? s : "");
}

void page_msg(struct page *p, enum msg_id m)
{
	page_text(p, msg(m));
}

void page_raw(struct page *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

void page_time(struct page *p, int64_t unix_ms)
{
	char buf[32];

	if (unix_ms <= 0)
		page_raw(p, "&mdash;");
	else
		page_text(p, ca_cst_format(unix_ms, "%Y-%m-%d %H:%M", buf, sizeof(buf)));
}

void page_yuan(struct page *p, int64_t fen)
{
	page_raw(p, "%lld.%02lld ", (long long)(fen / 100), (long long)(fen % 100));
	page_msg(p, MSG_CON_YUAN);
}

void page_form(struct page *p, const char *action, const char *cls)
{
	page_raw(p, "<form method=\"post\" action=\"");
	page_text(p, action);
	page_raw(p, "\"%s%s%s><input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		 cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "", p->rq->who.csrf);
}

void page_error(struct page *p, const char *text)
{
	page_raw(p, "<p class=\"notice bad\" role=\"alert\">");
	page_text(p, text);
	page_raw(p, "</p>\n");
}

void page_ok(struct page *p, const char *text)
{
	page_raw(p, "<p class=\"notice good\" role=\"status\">");
	page_text(p, text);
	page_raw(p, "</p>\n");
}

int page_store_error(struct page *p)
{
	page_error(p, msg(MSG_CON_STORE_ERROR));
	return 500;
}

void page_notice(struct page *p, const char *text, bool bad)
{
	if (text && bad)
		page_error(p, text);
	else if (text)
		page_ok(p, text);
}

void page_muted(struct page *p, enum msg_id m)
{
	page_raw(p, "<p class=\"muted\">");
	page_msg(p, m);
	page_raw(p, "</p>\n");
}

void page_table(struct page *p, const char *cls, const enum msg_id *cols, size_t n)
{
	size_t i;

	page_raw(p, "<table%s%s%s><thead><tr>", cls ? " class=\"" : "", cls ? cls : "",
		 cls ? "\"" : "");
	for (i = 0; i < n; i++) {
		page_raw(p, "<th>");
		page_msg(p, cols[i]);
		page_raw(p, "</th>");
	}
	page_raw(p, "</tr></thead><tbody>\n");
}

bool page_list_open(struct page *p, size_t nrows, enum msg_id none, const char *cls,
		    const enum msg_id *cols, size_t ncols)
{
	if (!nrows) {
		page_muted(p, none);
		return false;
	}
	page_raw(p, "<div class=\"scroll\">");
	page_table(p, cls, cols, ncols);
	return true;
}

void page_list_close(struct page *p, enum msg_id note)
{
	page_raw(p, "</tbody></table></div>\n");
	if (note != MSG_NONE)
		page_muted(p, note);
}

void page_button_form(struct page *p, const char *action, const char *cls,
		      const char *btn_cls, enum msg_id confirm, enum msg_id label)
{
	page_form(p, action, cls);
	page_raw(p, "<button type=\"submit\"%s%s%s", btn_cls ? " class=\"" : "",
		 btn_cls ? btn_cls : "", btn_cls ? "\"" : "");
	if (confirm != MSG_NONE) {
		page_raw(p, " data-confirm=\"");
		page_msg(p, confirm);
		page_raw(p, "\"");
	}
	page_raw(p, ">");
	page_msg(p, label);
	page_raw(p, "</button></form>");
}

void page_next_link(struct page *p, const char *href)
{
	page_raw(p, "<p class=\"pager\"><a href=\"");
	page_text(p, href);
	page_raw(p, "\">");
	page_msg(p, MSG_CON_NEXT_PAGE);
	page_raw(p, "</a></p>\n");
}

void page_next_form(struct page *p, const char *action, const char *const *names,
		    const char *const *values, size_t n)
{
	size_t i;

	page_raw(p, "<form method=\"get\" action=\"");
	page_text(p, action);
	page_raw(p, "\" class=\"pager\">");
	for (i = 0; i < n; i++) {
		if (!values[i])
			continue;
		page_raw(p, "<input type=\"hidden\" name=\"");
		page_text(p, names[i]);
		page_raw(p, "\" value=\"");
		page_text(p, values[i]);
		page_raw(p, "\">");
	}
	page_raw(p, "<button type=\"submit\" class=\"quiet\">");
	page_msg(p, MSG_CON_NEXT_PAGE);
	page_raw(p, "</button></form>\n");
}

void page_state(struct page *p, const struct ca_app *a)
{
	page_msg(p, ca_app_status_msg(a->app_status));
	if (a->app_status != CA_APP_APPROVED)
		return;
	page_raw(p, " &middot; ");
	page_msg(p, ca_pay_status_msg(a->pay_status));
	if (a->proc_status != CA_PROC_NONE) {
		page_raw(p, " &middot; ");
		page_msg(p, ca_proc_status_msg(a->proc_status));
	}
}

const char *con_query(struct http_req *rq, const char *name)
{
	const char *v = http_query(rq, name);

	return v && *v ? v : NULL;
}

enum msg_id con_label(const struct con_label *labels, size_t n, const char *id,
		      enum msg_id dflt)
{
	size_t i;

	for (i = 0; id && i < n; i++)
		if (!strcmp(id, labels[i].id))
			return labels[i].msg;
	return dflt;
}

const char *con_done_notice(struct http_req *rq, const struct con_label *done, size_t n)
{
	enum msg_id m = con_label(done, n, con_query(rq, "done"), MSG_NONE);

	return m != MSG_NONE ? msg(m) : NULL;
}

int con_refusal(ca_err e, const struct valid_report *rep, char *out, size_t n)
{
	char v[300];

	if (e == CA_ERR_ARG) {
		snprintf(out, n, "%s", msg(MSG_CON_NOT_YOURS));
		return 403;
	}
	if (e == CA_ERR_FORBIDDEN) {
		snprintf(out, n, "%s", msg(MSG_CON_STATE_CHANGED));
		return 409;
	}
	if (e == CA_ERR_INVALID && rep && rep->n)
		snprintf(out, n, "%s：%s", msg(ca_field_msg(rep->err[0].field)),
			 valid_error_text(&rep->err[0], v, sizeof(v)));
	else if (e == CA_ERR_INVALID)
		snprintf(out, n, "%s", msg(MSG_CON_INVALID));
	else
		snprintf(out, n, "%s", msg(MSG_CON_STORE_ERROR));
	return e == CA_ERR_INVALID ? 422 : 500;
}

/* The head of every page, up to the main part. */
static void frame_head(struct page *p, enum msg_id title)
{
	page_raw(p, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		 "<title>");
	page_msg(p, title);
	page_raw(p, " &middot; ");
	page_msg(p, MSG_CON_TITLE);
	page_raw(p, "</title>\n<link rel=\"stylesheet\" href=\"/static/console.css\">\n"
		 "<script src=\"/static/console.js\" defer></script>\n</head>\n<body>\n");
}

bool page_open(struct page *p, struct http_req *rq, enum msg_id title, const char *area)
{
	char roles[128];
	size_t i;

	memset(p, 0, sizeof(*p));
	p->rq = rq;
	p->f = open_memstream(&p->html, &p->len);
	if (!p->f)
		return false;
	frame_head(p, title);
	page_raw(p, "<header class=\"top\"><span class=\"brand\">");
	page_msg(p, MSG_CON_TITLE);
	page_raw(p, "</span><nav>");
	for (i = 0; i < NAREAS; i++) {
		if (!(rq->who.roles & areas[i].roles))
			continue;
		page_raw(p, "<a href=\"%s\"%s>", areas[i].path,
			 area && !strcmp(area, areas[i].path) ? " class=\"here\" aria-current=\"page\""
			 : "");
		page_msg(p, areas[i].name);
		page_raw(p, "</a>");
	}
	page_raw(p, "</nav><span class=\"who\">");
	page_text(p, rq->who.display);
	staff_roles_text(rq->who.roles, roles, sizeof(roles));
	page_raw(p, " <small>");
	page_text(p, roles);
	page_raw(p, "</small></span>");
	page_button_form(p, "/logout", "inline", "link", MSG_NONE, MSG_CON_SIGN_OUT);
	page_raw(p, "</header>\n<main>\n<h1>");
	page_msg(p, title);
	page_raw(p, "</h1>\n");
	return true;
}

void page_done(struct page *p, struct http_resp *rs, int status)
{
	if (!p->f) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	page_raw(p, "</main>\n</body>\n</html>\n");
	if (fclose(p->f) != 0) {
		free(p->html);
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	p->f = NULL;
	http_reply_html(rs, status, p->html);
	p->html = NULL;
}

/* ---- signing in and out ---- */

/* The sign-in page, with an error when there is one. */
static void sign_in_page(struct http_req *rq, struct http_resp *rs, int status,
			 const char *error, const char *name)
{
	struct page p = { .rq = rq };

	p.f = open_memstream(&p.html, &p.len);
	if (!p.f) {
		page_done(&p, rs, status);
		return;
	}
	frame_head(&p, MSG_CON_SIGN_IN);
	page_raw(&p, "<main class=\"narrow\">\n<h1>");
	page_msg(&p, MSG_CON_TITLE);
	page_raw(&p, "</h1>\n");
	if (error)
		page_error(&p, error);
	page_raw(&p, "<form method=\"post\" action=\"/login\" class=\"card\">\n<label>");
	page_msg(&p, MSG_CON_NAME);
	page_raw(&p, "<input name=\"name\" autocomplete=\"username\" autocapitalize=\"none\" "
		 "required maxlength=\"%d\" value=\"", STAFF_NAME_MAX);
	page_text(&p, name ? name : "");
	page_raw(&p, "\"></label>\n<label>");
	page_msg(&p, MSG_CON_PASSWORD);
	page_raw(&p, "<input name=\"password\" type=\"password\" autocomplete=\"current-password\" "
		 "required maxlength=\"%d\"></label>\n<button type=\"submit\">", STAFF_PASSWORD_MAX);
	page_msg(&p, MSG_CON_SIGN_IN);
	page_raw(&p, "</button>\n</form>\n");
	page_done(&p, rs, status);
}

/* GET /login */
static void login_get(struct http_req *rq, struct http_resp *rs)
{
	sign_in_page(rq, rs, 200, NULL, NULL);
}

/* POST /login: name and password; a session cookie and the first page. */
static void login_post(struct http_req *rq, struct http_resp *rs)
{
	char name[STAFF_NAME_MAX + 8], pw[STAFF_PASSWORD_MAX + 8], why[160];
	const char *n = http_form(rq, "name", name, sizeof(name));
	const char *w = http_form(rq, "password", pw, sizeof(pw));
	struct api_login *l = malloc(sizeof(*l));
	const char *first;

	if (!l) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	api_staff_login(rq, n, w, true, l);
	explicit_bzero(pw, sizeof(pw));
	switch (l->status) {
	case 200:
		snprintf(rs->cookie, sizeof(rs->cookie), "%s=%s; Path=/; Secure; HttpOnly; "
			 "SameSite=Strict; Max-Age=%d", AUTH_COOKIE, l->token,
			 rq->hub->cfg.console_session_h * 3600);
		first = first_area(l->st.roles);
		http_redirect(rs, first ? first : "/none");
		/* http_redirect keeps the cookie: it sets only status and Location. */
		break;
	case 429:
		msg_format(why, sizeof(why), MSG_CON_SIGN_IN_WAIT, (l->retry_after_s + 59) / 60);
		sign_in_page(rq, rs, 429, why, n);
		rs->retry_after = l->retry_after_s;
		break;
	case 403:
		sign_in_page(rq, rs, 403, msg(MSG_CON_SIGN_IN_DISABLED), n);
		break;
	case 401:
		sign_in_page(rq, rs, 401, msg(MSG_CON_SIGN_IN_WRONG), n);
		break;
	default:
		sign_in_page(rq, rs, 500, msg(MSG_CON_STORE_ERROR), n);
	}
	memset(l, 0, sizeof(*l));
	free(l);
}

/* POST /logout: the session ends; the cookie is cleared. */
static void logout_post(struct http_req *rq, struct http_resp *rs)
{
	if (hubdb_ssn_end(rq->hub->db, rq->who.sid_hash) == CA_OK)
		api_audit(rq, "logout", rq->who.name, "", "", "");
	snprintf(rs->cookie, sizeof(rs->cookie), "%s=; Path=/; Secure; HttpOnly; "
		 "SameSite=Strict; Max-Age=0", AUTH_COOKIE);
	http_redirect(rs, "/login");
}

/* GET /: the first area the staff member's roles reach. */
static void home(struct http_req *rq, struct http_resp *rs)
{
	const char *first = first_area(rq->who.roles);

	if (first) {
		http_redirect(rs, first);
		return;
	}
	{
		struct page p;

		if (page_open(&p, rq, MSG_CON_TITLE, NULL))
			page_error(&p, msg(MSG_CON_NO_ROLE));
		page_done(&p, rs, 200);
	}
}

/* A request refused before its handler (http.c): no session goes to the
 * sign-in page (a GET comes back to where it was going), a missing role
 * or form token is a 403 page. */
static void refuse(struct http_req *rq, struct http_resp *rs, int status, const char *why)
{
	struct page p;

	if (status == 401) {
		if (strcmp(rq->method, "GET") == 0)
			http_redirect(rs, "/login");
		else
			sign_in_page(rq, rs, 401, msg(MSG_CON_SIGNED_OUT), NULL);
		return;
	}
	log_info(TAG, "%s %s refused to %s: %s", rq->method, rq->path, rq->who.name, why);
	if (page_open(&p, rq, MSG_CON_FORBIDDEN, NULL))
		page_error(&p, msg(strstr(why, "token") ? MSG_CON_STALE_FORM : MSG_CON_NOT_YOURS));
	page_done(&p, rs, status);
}

/* ---- the style sheet and the script ---- */

/* Plain and large enough for a 10-inch tablet; one column below 900 px. */
static const char css[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:16px/1.5 \"Noto Sans CJK SC\",\"Noto Sans SC\",sans-serif;"
	"color:#1a1a1a;background:#f4f5f7}\n"
	".top{display:flex;flex-wrap:wrap;align-items:center;gap:.5em 1.2em;padding:.5em 1em;"
	"background:#123c69;color:#fff}\n"
	".top .brand{font-weight:bold;font-size:1.1em}\n"
	".top nav{display:flex;flex-wrap:wrap;gap:.2em;flex:1}\n"
	".top nav a{color:#fff;text-decoration:none;padding:.45em .9em;border-radius:.3em}\n"
	".top nav a.here,.top nav a:hover{background:#2d6199}\n"
	".top .who small{opacity:.8}\n"
	".top form.inline{display:inline}\n"
	"button.link{background:none;border:1px solid #fff;color:#fff;padding:.3em .8em}\n"
	"main{max-width:1300px;margin:0 auto;padding:1em}\n"
	"main.narrow{max-width:26em;margin-top:4em}\n"
	"h1{font-size:1.35em;margin:.3em 0 .7em}\n"
	"h2{font-size:1.1em;margin:1.2em 0 .5em}\n"
	".card{background:#fff;border:1px solid #d6d9de;border-radius:.4em;padding:1em;"
	"margin-bottom:1em}\n"
	"label{display:block;margin:.5em 0}\n"
	"input,select,textarea,button{font:inherit}\n"
	"input,select,textarea{display:block;width:100%;max-width:32em;padding:.45em;"
	"border:1px solid #9aa1aa;border-radius:.3em;background:#fff}\n"
	"textarea{min-height:4.5em}\n"
	"button{padding:.5em 1.3em;border:0;border-radius:.3em;background:#1f6fbf;color:#fff;"
	"cursor:pointer;min-height:2.6em}\n"
	"button.danger{background:#b3261e}\n"
	"button.quiet{background:#5f6b7a}\n"
	"table{width:100%;border-collapse:collapse;background:#fff}\n"
	"th,td{text-align:left;padding:.5em .6em;border-bottom:1px solid #e1e4e8;"
	"vertical-align:top;overflow-wrap:anywhere}\n"
	"th{background:#eef1f5;font-weight:600;white-space:nowrap}\n"
	"table.fields th{width:11em}\n"
	"tr.row-link{cursor:pointer}\n"
	"tr.row-link:hover{background:#f0f6ff}\n"
	".counts{display:flex;flex-wrap:wrap;gap:.5em;margin-bottom:1em}\n"
	".counts a{background:#fff;border:1px solid #d6d9de;border-radius:.3em;padding:.4em .9em;"
	"text-decoration:none;color:inherit}\n"
	".counts a.here{border-color:#1f6fbf;box-shadow:inset 0 -3px #1f6fbf}\n"
	".counts b{font-size:1.2em;margin-left:.4em}\n"
	".search{display:flex;flex-wrap:wrap;gap:.5em;align-items:end;margin-bottom:1em}\n"
	".search input{width:22em}\n"
	".notice{padding:.7em 1em;border-radius:.3em;margin:.5em 0 1em}\n"
	".notice.bad{background:#fdecea;border:1px solid #e0a39d;color:#7d1a12}\n"
	".notice.good{background:#e8f5e9;border:1px solid #9fd0a4;color:#1d5b24}\n"
	".cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1em}\n"
	".muted{color:#5f6b7a}\n"
	".pager{margin:1em 0}\n"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
	".mono{font-family:\"Noto Sans Mono\",monospace;font-size:.92em}\n"
	".num{text-align:right;white-space:nowrap}\n"
	".nowrap{white-space:nowrap}\n"
	"td.keep{word-break:keep-all;overflow-wrap:normal}\n"
	".warn{color:#8a4b00}\n"
	".tag{display:inline-block;padding:0 .4em;border-radius:.25em;font-size:.85em}\n"
	".tag.bad{background:#fdecea;color:#7d1a12;border:1px solid #e0a39d}\n"
	"tr.attention td:first-child{box-shadow:inset 4px 0 #b3261e}\n"
	"tr.off{color:#5f6b7a}\n"
	"form.inline-form{display:inline-block;margin:0 .4em .4em 0}\n"
	"form.inline-form label{margin:0 0 .3em}\n"
	".buttons{display:flex;flex-wrap:wrap;gap:.3em}\n"
	"fieldset.roles{border:0;padding:0;margin:.5em 0}\n"
	"fieldset.roles legend{padding:0;margin-bottom:.2em}\n"
	"label.check{display:inline-flex;align-items:center;gap:.3em;margin:.2em 1em .2em 0;"
	"min-height:2.2em}\n"
	"label.check input{display:inline;width:1.2em;height:1.2em}\n"
	"details summary{cursor:pointer;color:#1f6fbf;min-height:2.2em;line-height:2.2em}\n"
	"details .card{margin:.5em 0}\n"
	".filters input,.filters select{width:13em}\n"
	"table.audit td{font-size:.94em}\n"
	"@media (max-width:900px){.cols{grid-template-columns:1fr}"
	"table.fields th{width:8em}}\n";

/* A little help where it helps: rows of a list open their page, and a
 * form whose button says data-confirm asks first. */
static const char js[] =
	"'use strict';\n"
	"document.addEventListener('click', function (ev) {\n"
	"  var tr = ev.target.closest('tr[data-href]');\n"
	"  if (tr && !ev.target.closest('a,button,input')) location.href = tr.dataset.href;\n"
	"});\n"
	"document.addEventListener('submit', function (ev) {\n"
	"  var b = ev.submitter;\n"
	"  if (b && b.dataset.confirm && !confirm(b.dataset.confirm)) ev.preventDefault();\n"
	"});\n";

/* A static text of this file as the resource itself. */
static void serve(struct http_resp *rs, const char *text, size_t len, const char *type)
{
	char *copy = malloc(len);

	if (copy)
		memcpy(copy, text, len);
	http_reply_file(rs, 200, copy, len, type, NULL);
}

static void style(struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	serve(rs, css, sizeof(css) - 1, "text/css; charset=utf-8");
}

static void script(struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	serve(rs, js, sizeof(js) - 1, "text/javascript; charset=utf-8");
}

static const struct http_route routes[] = {
	{ "GET", "/login", HTTP_AUTH_NONE, login_get, 0 },
	{ "POST", "/login", HTTP_AUTH_NONE, login_post, 0 },
	{ "POST", "/logout", HTTP_AUTH_CONSOLE, logout_post, STAFF_ANY },
	{ "GET", "/", HTTP_AUTH_CONSOLE, home, STAFF_ANY },
	{ "GET", "/static/console.css", HTTP_AUTH_NONE, style, 0 },
	{ "GET", "/static/console.js", HTTP_AUTH_NONE, script, 0 },
};

/* Add an area's routes (up to the row without a method), each a console
 * route. */
static ca_err area_register(struct http *h, const struct con_route *cr)
{
	struct http_route r = { .auth = HTTP_AUTH_CONSOLE };
	ca_err e = CA_OK;

	for (; !e && cr->method; cr++) {
		r.method = cr->method;
		r.pattern = cr->pattern;
		r.fn = cr->fn;
		r.roles = cr->roles;
		e = http_add_routes(h, &r, 1);
	}
	return e;
}

ca_err console_register(struct http *h)
{
	ca_err e = http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
	size_t i;

	for (i = 0; !e && i < NAREAS; i++)
		e = area_register(h, areas[i].routes);
	http_set_refuse(h, refuse);
	return e;
}
