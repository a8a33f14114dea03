/*
 * test_staff.c - named staff against a real ca-hub (tests/support/hubproc):
 * roles decide every staff route (the hub machine's own token is an
 * operator that provisions and manages accounts, never a reviewer); the
 * actor of a change is the token's account, with an audit line holding the
 * states before and after; the counter's hand-over checks the handler's ID
 * number; the console's cookie and form token; a disabled account's token
 * and session end at once, a new password ends the old ones; logins are
 * throttled per account and per address; tokens and console sessions
 * expire on the hub's (virtual) clock; the audit trail refuses UPDATE and
 * DELETE in the file itself; a route that names no role is refused when it
 * is registered; ca-hubctl keeps its token in a 0600 file and refuses one
 * on the command line.
 *
 * One hub serves the group; the tests that move the clock come last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/uuid.h"
#include "hub/http.h"
#include "../fixture.h"
#include "../support/hubcall.h"
#include "../support/sqlpeek.h"

static struct hubproc hub;
static int64_t clock_offset; /* how far the hub's virtual clock was moved */
static struct hubcall_dev hall = { .id = "hall-07" };

#define PHONE "13912345670"
#define REVIEWER "wang.li"
#define REVIEWER_PW "reviewer-pass-1"
#define CLERK "zhao.gang"
#define CLERK_PW "clerk-password-1"
#define COOKIE "__Host-ca-console="

/* The group's hub: the virtual clock, one kiosk, a login throttle small
 * enough to reach (3 failures of an account, 8 of an address, a minute). */
static struct hubcall_dev *const devs[] = { &hall };
static const struct hubcall_group group = {
	.hub = &hub, .devs = devs, .ndevs = 1, .check_exit = true,
	.opts = { .virtual_clock = true, .wechatpay = true,
		  .extra_ini = "[console]\naccount_failures = 3\naddress_failures = 8\n"
			       "failure_window_minutes = 1\n" },
};

/* A staff API request with bearer (NULL: none); the answer parsed. */
static json_t *api(const char *bearer, const char *method, const char *target,
		   const char *body, long *st)
{
	struct hubproc_req q = { .bearer = bearer };

	return hubcall_json(&hub, &q, method, target, body, st);
}

/* The status alone of api(). */
static long api_st(const char *bearer, const char *method, const char *target,
		   const char *body)
{
	long st;

	json_decref(api(bearer, method, target, body, &st));
	return st;
}

/* Add an account with the host's token (the hub machine's operator). */
static void staff_add(const char *name, const char *display, const char *roles,
		      const char *pw)
{
	char body[300];

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"display\":\"%s\",\"roles\":\"%s\","
		 "\"password\":\"%s\"}", name, display, roles, pw);
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff", body), 200);
}

/* POST /v1/admin/login; the token into tok when 200. The status. */
static long api_login(const char *name, const char *pw, char tok[65])
{
	char body[200];
	long st;
	json_t *j;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
	j = api(NULL, "POST", "/v1/admin/login", body, &st);
	if (st == 200)
		snprintf(tok, 65, "%s", json_string_value(json_object_get(j, "token")));
	json_decref(j);
	return st;
}

/* A console request with cookie (NULL: none) and form body (NULL: GET). */
static long con(const char *cookie, const char *method, const char *target, const char *form,
		struct hubproc_resp *r)
{
	struct hubproc_req q = { .console = true, .form = true, .cookie = cookie };

	hubproc_request(&hub, &q, method, target, form, r);
	return r->status;
}

/* Sign in to the console; "__Host-ca-console=TOKEN" into cookie when it
 * answered 303. The status. */
static long con_login(const char *name, const char *pw, char cookie[100])
{
	struct hubproc_resp r;
	char form[200];

	snprintf(form, sizeof(form), "name=%s&password=%s", name, pw);
	con(NULL, "POST", "/login", form, &r);
	free(r.body);
	if (r.status == 303) {
		assert_non_null(strstr(r.set_cookie, COOKIE));
		snprintf(cookie, 100, "%.*s", (int)strcspn(r.set_cookie, ";"), r.set_cookie);
	}
	return r.status;
}

/* The form token of a console page into out. */
static void csrf_of(const char *page, char out[65])
{
	const char *p = strstr(page, "name=\"csrf\" value=\"");

	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	snprintf(out, 65, "%.64s", p);
	assert_int_equal(strlen(out), 64);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* A new application of PHONE submitted from the kiosk (on-site pickup). */
static void submitted(struct ca_app *a)
{
	struct hubproc_req q = { .device = hall.id, .secret = hall.secret,
				 .ts_offset = clock_offset };
	static bool bound;
	char session[65];

	/* The kiosk pushes an account's records once it logged in there (once:
	 * a phone is sent 5 codes an hour). */
	if (!bound)
		assert_int_equal(hubcall_login(&hub, &q, PHONE, session), 0);
	bound = true;
	fixture_app(a);
	assert_int_equal(uuid_v4(a->id), CA_OK);
	snprintf(a->account, sizeof(a->account), "%s", PHONE);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "save"), 200);
	assert_int_equal(hubcall_push_status(&hub, &q, a, "submit"), 200);
}

/* The application id as the hub shows it to staff (new reference). */
static json_t *show(const char *id)
{
	char target[80];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", id);
	j = api(hub.token, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* The statuses of application id, "app/pay/proc". */
static const char *state_of(const char *id)
{
	static char out[80];
	json_t *j = show(id), *a = json_object_get(j, "app");

	snprintf(out, sizeof(out), "%s/%s/%s",
		 json_string_value(json_object_get(a, "app_status")),
		 json_string_value(json_object_get(a, "pay_status")),
		 json_string_value(json_object_get(a, "proc_status")));
	json_decref(j);
	return out;
}

/* Pay application id (approved) through the simulator, as the customer,
 * and wait until the hub knows. */
static void paid(const char *id)
{
	struct hubproc_req q = { .device = hall.id, .secret = hall.secret,
				 .ts_offset = clock_offset };
	char session[65];

	assert_int_equal(hubcall_login(&hub, &q, PHONE, session), 0);
	q.session = session;
	assert_int_equal(hubcall_pay(&hub, &q, id), 0);
	assert_non_null(strstr(state_of(id), "approved/paid/"));
}

/* A submitted application in *a, approved by the reviewer signed in with
 * token rev; the path of its staff actions in target. */
static void approved(const char *rev, struct ca_app *a, char *target, size_t n)
{
	submitted(a);
	snprintf(target, n, "/v1/admin/apps/%s/act", a->id);
	assert_int_equal(api_st(rev, "POST", target, "{\"op\":\"approve\"}"), 200);
}

/* Staff action op on application id by the member of token, which needs
 * the text arg: without it 422 and the state still from; with it done,
 * the state to. */
static void act_with_arg(const char *token, const char *id, const char *op, const char *arg,
			 const char *from, const char *to)
{
	char target[120], body[300];

	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", id);
	snprintf(body, sizeof(body), "{\"op\":\"%s\"}", op);
	assert_int_equal(api_st(token, "POST", target, body), 422);
	assert_string_equal(state_of(id), from);
	snprintf(body, sizeof(body), "{\"op\":\"%s\",\"arg\":\"%s\"}", op, arg);
	assert_int_equal(api_st(token, "POST", target, body), 200);
	assert_string_equal(state_of(id), to);
}

/* The newest audit line whose action and target are these (new
 * reference), NULL when none. */
static json_t *audit_line(const char *action, const char *target)
{
	char q[200];
	long st;
	json_t *j, *line;

	snprintf(q, sizeof(q), "/v1/admin/audit?action=%s&target=%s&limit=1", action, target);
	j = api(hub.token, "GET", q, NULL, &st);
	assert_int_equal(st, 200);
	line = json_incref(json_array_get(json_object_get(j, "audit"), 0));
	json_decref(j);
	return line;
}


/* ---- the tests ---- */

/* The host's token manages accounts and devices and nothing else; each
 * role reaches its routes and no others. */
static void test_roles_decide_every_staff_route(void **state)
{
	char rev[65], clerk[65];
	struct ca_app a;
	char target[120], body[80];

	(void)state;
	staff_add(REVIEWER, "王丽", "review", REVIEWER_PW);
	staff_add(CLERK, "赵刚", "counter", CLERK_PW);
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, rev), 200);
	assert_int_equal(api_login(CLERK, CLERK_PW, clerk), 200);
	submitted(&a);
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", a.id);
	snprintf(body, sizeof(body), "{\"op\":\"approve\"}");

	/* The host: accounts, devices, the server; no review. */
	assert_int_equal(api_st(hub.host_token, "GET", "/v1/admin/staff", NULL), 200);
	assert_int_equal(api_st(hub.host_token, "GET", "/v1/admin/devices", NULL), 200);
	assert_int_equal(api_st(hub.host_token, "GET", "/v1/admin/apps", NULL), 403);
	assert_int_equal(api_st(hub.host_token, "POST", target, body), 403);
	/* A reviewer: applications, not devices, staff, the counter or the trail. */
	assert_int_equal(api_st(rev, "GET", "/v1/admin/apps", NULL), 200);
	assert_int_equal(api_st(rev, "GET", "/v1/admin/devices", NULL), 403);
	assert_int_equal(api_st(rev, "POST", "/v1/admin/devices", "{\"id\":\"x-1\"}"), 403);
	assert_int_equal(api_st(rev, "GET", "/v1/admin/staff", NULL), 403);
	assert_int_equal(api_st(rev, "GET", "/v1/admin/audit", NULL), 403);
	assert_int_equal(api_st(rev, "GET", "/v1/admin/pickup-code/123456", NULL), 403);
	/* A clerk sees applications but may not approve one. */
	assert_int_equal(api_st(clerk, "GET", "/v1/admin/apps", NULL), 200);
	assert_int_equal(api_st(clerk, "POST", target, body), 403);
	assert_string_equal(state_of(a.id), "pending_review/unpaid/none");
	/* No token, a made-up one: 401. */
	assert_int_equal(api_st(NULL, "GET", "/v1/admin/apps", NULL), 401);
	assert_int_equal(api_st("00000000000000000000000000000000000000000000000000000000000000ab",
				"GET", "/v1/admin/apps", NULL), 401);
	/* The reviewer approves: the history names her, the trail has the line. */
	assert_int_equal(api_st(rev, "POST", target, body), 200);
	{
		json_t *j = show(a.id), *h = json_object_get(j, "history");
		json_t *last = json_array_get(h, json_array_size(h) - 1);
		json_t *line = audit_line("approve", a.id);

		assert_string_equal(jstr(last, "actor"), "staff:王丽");
		assert_non_null(line);
		assert_string_equal(jstr(line, "staff"), REVIEWER);
		assert_string_equal(jstr(line, "display"), "王丽");
		assert_string_equal(jstr(line, "via"), "ctl");
		assert_string_equal(jstr(line, "before"), "pending_review/unpaid/none");
		assert_string_equal(jstr(line, "after"), "approved/unpaid/none");
		json_decref(line);
		json_decref(j);
	}
	/* Who am I. */
	{
		long st;
		json_t *j = api(rev, "GET", "/v1/admin/whoami", NULL, &st);

		assert_int_equal(st, 200);
		assert_string_equal(jstr(j, "name"), REVIEWER);
		assert_string_equal(json_string_value(json_array_get(json_object_get(j, "roles"), 0)),
				    "review");
		json_decref(j);
	}
}

/* The counter hands the key over only against the handler's ID number:
 * a wrong one changes nothing; the right one collects the order, with the
 * clerk's processing record and an audit line without the number. */
static void test_hand_over_checks_the_id_number(void **state)
{
	char rev[65], clerk[65], target[120];
	struct ca_app a;
	json_t *j, *line, *recs;

	(void)state;
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, rev), 200);
	assert_int_equal(api_login(CLERK, CLERK_PW, clerk), 200);
	approved(rev, &a, target, sizeof(target));
	/* Not before it is paid. */
	assert_int_equal(api_st(clerk, "POST", target,
				"{\"op\":\"hand_over\",\"arg\":\"320582199003071232\"}"), 403);
	paid(a.id);
	/* A reviewer may not; a wrong number is 422 and changes nothing. */
	assert_int_equal(api_st(rev, "POST", target,
				"{\"op\":\"hand_over\",\"arg\":\"320582199003071232\"}"), 403);
	assert_int_equal(api_st(clerk, "POST", target,
				"{\"op\":\"hand_over\",\"arg\":\"110105194912310021\"}"), 422);
	act_with_arg(clerk, a.id, "hand_over", "320582199003071232", "approved/paid/onsite",
		     "approved/done/collected");
	j = show(a.id);
	recs = json_object_get(j, "records");
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(jstr(json_array_get(recs, 0), "staff"), "赵刚");
	assert_non_null(strstr(jstr(json_array_get(recs, 0), "text"), "窗口交付"));
	json_decref(j);
	line = audit_line("hand_over", a.id);
	assert_non_null(line);
	assert_string_equal(jstr(line, "staff"), CLERK);
	assert_string_equal(jstr(line, "before"), "approved/paid/onsite");
	assert_string_equal(jstr(line, "after"), "approved/done/collected");
	{
		char *text = json_dumps(line, 0);

		assert_non_null(text);
		assert_null(strstr(text, "320582199003071232"));
		free(text);
	}
	json_decref(line);
	/* Once collected, never again. */
	assert_int_equal(api_st(clerk, "POST", target,
				"{\"op\":\"hand_over\",\"arg\":\"320582199003071232\"}"), 403);
}

/* Finance refunds a paid order before its key went out: the reason is
 * required and becomes a processing record; the application is refunded,
 * the provider gives the money back, the trail has the line. Nobody else
 * may, and never once the key is out. */
static void test_finance_refunds_before_the_key_is_out(void **state)
{
	char rev[65], fin[65], clerk[65], target[120], pay_target[120];
	struct ca_app a;
	json_t *j, *recs, *line;
	long st;
	int waited = 0;

	(void)state;
	staff_add("qian.fang", "钱芳", "finance", "finance-pass-1");
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, rev), 200);
	assert_int_equal(api_login("qian.fang", "finance-pass-1", fin), 200);
	assert_int_equal(api_login(CLERK, CLERK_PW, clerk), 200);
	approved(rev, &a, target, sizeof(target));
	/* Not before it is paid. */
	assert_int_equal(api_st(fin, "POST", target, "{\"op\":\"refund\",\"arg\":\"x\"}"),
			 403);
	paid(a.id);
	assert_int_equal(api_st(rev, "POST", target,
				"{\"op\":\"refund\",\"arg\":\"客户要求取消\"}"), 403);
	act_with_arg(fin, a.id, "refund", "客户要求取消办理", "approved/paid/onsite",
		     "approved/refunded/none");
	/* The provider gave it back: the order is REFUND at the hub. */
	j = show(a.id);
	snprintf(pay_target, sizeof(pay_target), "/v1/admin/pay/%s",
		 jstr(json_array_get(json_object_get(j, "orders"), 0), "out_trade_no"));
	recs = json_object_get(j, "records");
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(jstr(json_array_get(recs, 0), "staff"), "钱芳");
	assert_string_equal(jstr(json_array_get(recs, 0), "text"), "已退款，原因：客户要求取消办理");
	json_decref(j);
	for (;;) {
		json_t *o;
		bool done;

		j = api(fin, "GET", pay_target, NULL, &st);
		assert_int_equal(st, 200);
		o = json_object_get(j, "order");
		done = !strcmp(jstr(o, "trade_state"), "REFUND");
		json_decref(j);
		if (done)
			break;
		assert_true(waited < 8000);
		ca_sleep_ms(50);
		waited += 50;
	}
	line = audit_line("refund", a.id);
	assert_non_null(line);
	assert_string_equal(jstr(line, "staff"), "qian.fang");
	assert_string_equal(jstr(line, "before"), "approved/paid/onsite");
	assert_string_equal(jstr(line, "after"), "approved/refunded/none");
	json_decref(line);
	/* Final: no second refund, no hand-over, no invoice. */
	assert_int_equal(api_st(fin, "POST", target,
				"{\"op\":\"refund\",\"arg\":\"again\"}"), 403);
	assert_int_equal(api_st(clerk, "POST", target,
				"{\"op\":\"hand_over\",\"arg\":\"320582199003071232\"}"), 403);
	assert_int_equal(api_st(fin, "POST", target, "{\"op\":\"issue_invoice\"}"), 403);
}

/* The console's ship form names the courier before the tracking number
 * (what the kiosk shows as 快递单号); without a courier it is refused. */
static void test_console_ship_names_the_courier(void **state)
{
	char rev[65], cookie[100], csrf[65], target[120], form[200];
	struct hubproc_resp r;
	struct ca_app a;
	json_t *j;

	(void)state;
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, rev), 200);
	submitted(&a); /* the kiosk logged in (once) */
	/* A mail order this time. */
	fixture_app_mail(&a);
	assert_int_equal(uuid_v4(a.id), CA_OK);
	snprintf(a.account, sizeof(a.account), "%s", PHONE);
	{
		struct hubproc_req q = { .device = hall.id, .secret = hall.secret,
					 .ts_offset = clock_offset };

		assert_int_equal(hubcall_push_status(&hub, &q, &a, "save"), 200);
		assert_int_equal(hubcall_push_status(&hub, &q, &a, "submit"), 200);
	}
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", a.id);
	assert_int_equal(api_st(rev, "POST", target, "{\"op\":\"approve\"}"), 200);
	paid(a.id);
	assert_string_equal(state_of(a.id), "approved/paid/processing");
	assert_int_equal(con_login(HUBPROC_STAFF, HUBPROC_STAFF_PASSWORD, cookie), 303);
	snprintf(target, sizeof(target), "/app/%s", a.id);
	assert_int_equal(con(cookie, "GET", target, NULL, &r), 200);
	assert_non_null(strstr(r.body, "<select name=\"courier\""));
	assert_non_null(strstr(r.body, "顺丰速运"));
	csrf_of(r.body, csrf);
	free(r.body);
	snprintf(target, sizeof(target), "/app/%s/act", a.id);
	snprintf(form, sizeof(form), "csrf=%s&op=ship&arg=SF1234567890", csrf);
	assert_int_equal(con(cookie, "POST", target, form, &r), 422);
	free(r.body);
	assert_string_equal(state_of(a.id), "approved/paid/processing");
	snprintf(form, sizeof(form), "csrf=%s&op=ship&courier=0&arg=SF1234567890", csrf);
	assert_int_equal(con(cookie, "POST", target, form, &r), 303);
	free(r.body);
	assert_string_equal(state_of(a.id), "approved/paid/shipped");
	j = show(a.id);
	assert_string_equal(jstr(json_object_get(j, "app"), "tracking_no"), "顺丰速运 SF1234567890");
	json_decref(j);
}

/* The console's cookie: __Host-, Secure, HttpOnly, SameSite=Strict; its
 * pages only on its own port; no session goes to the sign-in page; a post
 * without the session's form token is refused before anything happens. */
static void test_console_cookie_and_form_token(void **state)
{
	char cookie[100], csrf[65], form[200], target[120];
	struct hubproc_resp r;
	struct ca_app a;

	(void)state;
	submitted(&a);
	assert_int_equal(con_login(REVIEWER, REVIEWER_PW, cookie), 303);
	con(NULL, "POST", "/login", "name=" REVIEWER "&password=" REVIEWER_PW, &r);
	assert_non_null(strstr(r.set_cookie, "; Path=/; Secure; HttpOnly; SameSite=Strict"));
	assert_string_equal(r.location, "/review");
	free(r.body);
	/* Pages: the sign-in page without a session; the queue with one. */
	assert_int_equal(con(NULL, "GET", "/review", NULL, &r), 303);
	assert_string_equal(r.location, "/login");
	free(r.body);
	assert_int_equal(con(cookie, "GET", "/review", NULL, &r), 200);
	assert_non_null(strstr(r.csp, "script-src 'self'"));
	assert_non_null(strstr(r.csp, "frame-ancestors 'none'"));
	free(r.body);
	/* Not on the kiosks' port, and the API not on the console's. */
	{
		struct hubproc_req q = { .cookie = cookie };

		hubproc_request(&hub, &q, "GET", "/review", NULL, &r);
		assert_int_equal(r.status, 404);
		free(r.body);
	}
	assert_int_equal(con(NULL, "GET", "/v1/admin/apps", NULL, &r), 404);
	free(r.body);
	/* The application's page carries the form token. */
	snprintf(target, sizeof(target), "/app/%s", a.id);
	assert_int_equal(con(cookie, "GET", target, NULL, &r), 200);
	csrf_of(r.body, csrf);
	assert_non_null(strstr(r.body, "审核通过"));
	free(r.body);
	snprintf(target, sizeof(target), "/app/%s/act", a.id);
	assert_int_equal(con(cookie, "POST", target, "op=approve", &r), 403);
	free(r.body);
	assert_int_equal(con(cookie, "POST", target,
			     "op=approve&csrf=00000000000000000000000000000000000000000000000000000000"
			     "0000000a", &r), 403);
	free(r.body);
	assert_string_equal(state_of(a.id), "pending_review/unpaid/none");
	/* Another session's token does not do either. */
	{
		char other[100], other_csrf[65];

		assert_int_equal(con_login(REVIEWER, REVIEWER_PW, other), 303);
		assert_int_equal(con(other, "GET", "/review", NULL, &r), 200);
		csrf_of(r.body, other_csrf);
		free(r.body);
		snprintf(form, sizeof(form), "op=approve&csrf=%s", other_csrf);
		assert_int_equal(con(cookie, "POST", target, form, &r), 403);
		free(r.body);
	}
	snprintf(form, sizeof(form), "op=approve&csrf=%s", csrf);
	assert_int_equal(con(cookie, "POST", target, form, &r), 303);
	free(r.body);
	assert_string_equal(state_of(a.id), "approved/unpaid/none");
	{
		json_t *line = audit_line("approve", a.id);

		assert_string_equal(jstr(line, "via"), "console");
		json_decref(line);
	}
	/* Signing out ends the session. */
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(con(cookie, "POST", "/logout", form, &r), 303);
	assert_non_null(strstr(r.set_cookie, "Max-Age=0"));
	free(r.body);
	assert_int_equal(con(cookie, "GET", "/review", NULL, &r), 303);
	free(r.body);
}

/* A member without the role gets 403 pages; a reviewer is kept out of the
 * counter's, finance's and the administrators' areas. */
static void test_console_refuses_other_roles(void **state)
{
	static const char *const not_hers[] = { "/counter", "/pay", "/kiosks", "/audit", "/staff" };
	struct hubproc_resp r;
	char cookie[100];
	size_t i;

	(void)state;
	assert_int_equal(con_login(REVIEWER, REVIEWER_PW, cookie), 303);
	for (i = 0; i < sizeof(not_hers) / sizeof(not_hers[0]); i++) {
		long st = con(cookie, "GET", not_hers[i], NULL, &r);

		/* 403 for an area she lacks the role of; 404 only for one that
		 * does not exist yet must not pass as a refusal. */
		if (st != 403)
			fail_msg("%s answered %ld to a reviewer", not_hers[i], st);
		free(r.body);
	}
	/* Nor does the host's token open the console. */
	assert_int_equal(con(NULL, "GET", "/staff", NULL, &r), 303);
	free(r.body);
}

/* Disabling an account ends its tokens and sessions at once; a new
 * password ends the old ones and the old password. */
static void test_disable_and_password_end_sessions(void **state)
{
	char tok[65], cookie[100];
	struct hubproc_resp r;

	(void)state;
	staff_add("li.na", "李娜", "review", "first-pass-01");
	assert_int_equal(api_login("li.na", "first-pass-01", tok), 200);
	assert_int_equal(con_login("li.na", "first-pass-01", cookie), 303);
	assert_int_equal(api_st(tok, "GET", "/v1/admin/apps", NULL), 200);
	assert_int_equal(con(cookie, "GET", "/review", NULL, &r), 200);
	free(r.body);
	/* A new password: the old token, session and password stop. */
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff/li.na/password",
				"{\"password\":\"second-pass-02\"}"), 200);
	assert_int_equal(api_st(tok, "GET", "/v1/admin/apps", NULL), 401);
	assert_int_equal(con(cookie, "GET", "/review", NULL, &r), 303);
	free(r.body);
	assert_int_equal(api_login("li.na", "first-pass-01", tok), 401);
	assert_int_equal(api_login("li.na", "second-pass-02", tok), 200);
	assert_int_equal(con_login("li.na", "second-pass-02", cookie), 303);
	/* Disabled: both end now, and no new login. */
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff/li.na/disable", NULL),
			 200);
	assert_int_equal(api_st(tok, "GET", "/v1/admin/apps", NULL), 401);
	assert_int_equal(con(cookie, "GET", "/review", NULL, &r), 303);
	assert_string_equal(r.location, "/login");
	free(r.body);
	assert_int_equal(api_login("li.na", "second-pass-02", tok), 403);
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff/li.na/enable", NULL),
			 200);
	assert_int_equal(api_login("li.na", "second-pass-02", tok), 200);
	/* Bad accounts are refused with the reason. */
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff",
				"{\"name\":\"host\",\"display\":\"x\",\"roles\":\"all\"}"), 400);
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff",
				"{\"name\":\"li.na\",\"display\":\"x\",\"roles\":\"review\"}"), 409);
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff",
				"{\"name\":\"ok.name\",\"display\":\"x\",\"roles\":\"boss\"}"), 400);
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff",
				"{\"name\":\"ok.name\",\"display\":\"x\",\"roles\":\"review\","
				"\"password\":\"short\"}"), 400);
	assert_int_equal(api_st(hub.host_token, "POST", "/v1/admin/staff/nobody/disable", NULL),
			 404);
}

/* The application listing: the longest waiting first, a page at a time
 * through the cursor it answers, searched by company, USCC, phone or id. */
static void test_listing_pages_oldest_first_and_searches(void **state)
{
	char target[200], *ids[3];
	struct ca_app a[3];
	json_t *j, *apps;
	long st;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		submitted(&a[i]);
		ids[i] = a[i].id;
	}
	/* Everything pending, oldest change first; ours are the newest 3. */
	j = api(hub.token, "GET", "/v1/admin/apps?status=pending_review&limit=500", NULL, &st);
	assert_int_equal(st, 200);
	apps = json_object_get(j, "apps");
	assert_true(json_array_size(apps) >= 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(jstr(json_array_get(apps, json_array_size(apps) - 3 + i), "id"),
				    ids[i]);
	for (i = 1; i < (int)json_array_size(apps); i++)
		assert_true(json_integer_value(json_object_get(json_array_get(apps, i - 1),
				"updated_ms")) <= json_integer_value(json_object_get(
				json_array_get(apps, i), "updated_ms")));
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);
	/* Pages of one: each cursor leads to the next, none twice. */
	{
		int seen = 0, mine = 0;

		snprintf(target, sizeof(target), "/v1/admin/apps?status=pending_review&limit=1");
		for (;;) {
			json_t *next;

			j = api(hub.token, "GET", target, NULL, &st);
			assert_int_equal(st, 200);
			assert_true(json_array_size(json_object_get(j, "apps")) <= 1);
			for (i = 0; i < 3 && json_array_size(json_object_get(j, "apps")); i++)
				mine += !strcmp(jstr(json_array_get(json_object_get(j, "apps"), 0),
						     "id"), ids[i]);
			seen += (int)json_array_size(json_object_get(j, "apps"));
			next = json_object_get(j, "next");
			if (!json_is_string(next)) {
				json_decref(j);
				break;
			}
			snprintf(target, sizeof(target),
				 "/v1/admin/apps?status=pending_review&limit=1&after=%s",
				 json_string_value(next));
			json_decref(j);
			assert_true(seen < 1000);
		}
		assert_int_equal(mine, 3);
	}
	/* Search: part of the company (国泰新点), the id's start, the phone. */
	snprintf(target, sizeof(target), "/v1/admin/apps?q=%%E5%%9B%%BD%%E6%%B3%%B0%%E6%%96%%B0"
		 "%%E7%%82%%B9&limit=500");
	j = api(hub.token, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(hubcall_find_id(j, "apps", ids[0]));
	json_decref(j);
	snprintf(target, sizeof(target), "/v1/admin/apps?q=%.8s", ids[2]);
	j = api(hub.token, "GET", target, NULL, &st);
	assert_int_equal(json_array_size(json_object_get(j, "apps")), 1);
	assert_non_null(hubcall_find_id(j, "apps", ids[2]));
	json_decref(j);
	j = api(hub.token, "GET", "/v1/admin/apps?q=" PHONE "&limit=500", NULL, &st);
	assert_non_null(hubcall_find_id(j, "apps", ids[1]));
	json_decref(j);
	j = api(hub.token, "GET", "/v1/admin/apps?q=13000000000", NULL, &st);
	assert_int_equal(json_array_size(json_object_get(j, "apps")), 0);
	json_decref(j);
	/* Bad cursors and limits are refused. */
	assert_int_equal(api_st(hub.token, "GET", "/v1/admin/apps?after=12:not-an-id", NULL), 400);
	assert_int_equal(api_st(hub.token, "GET", "/v1/admin/apps?limit=501", NULL), 400);
	assert_int_equal(api_st(hub.token, "GET", "/v1/admin/apps?limit=0", NULL), 400);
}

/* The trail is append-only in the file itself, and lists who did what. */
static void test_audit_trail_is_append_only(void **state)
{
	char path[HUBPROC_PATH + 16];
	long long before = -1, after = -1;
	long st;
	json_t *j;

	(void)state;
	snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
	assert_int_equal(sqlpeek_int(path, SQLITE_OPEN_READONLY, "SELECT count(*) FROM audit",
				     &before), 0);
	assert_true(before > 5);
	assert_int_not_equal(sqlpeek_exec(path, "UPDATE audit SET staff = 'nobody'", NULL), 0);
	assert_int_not_equal(sqlpeek_exec(path, "DELETE FROM audit", NULL), 0);
	assert_int_equal(sqlpeek_int(path, SQLITE_OPEN_READONLY,
				     "SELECT count(*) FROM audit WHERE staff = 'nobody'", &after), 0);
	assert_int_equal(after, 0);
	assert_int_equal(sqlpeek_int(path, SQLITE_OPEN_READONLY, "SELECT count(*) FROM audit",
				     &after), 0);
	assert_true(after >= before);
	/* Searchable: by account, by text; newest first; a cursor. */
	j = api(hub.token, "GET", "/v1/admin/audit?staff=" CLERK, NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_array_size(json_object_get(j, "audit")) >= 2);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "audit"), 0), "staff"), CLERK);
	json_decref(j);
	j = api(hub.token, "GET", "/v1/admin/audit?limit=2", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "audit")), 2);
	assert_true(json_integer_value(json_object_get(j, "next")) > 0);
	json_decref(j);
	assert_int_equal(api_st(hub.token, "GET", "/v1/admin/audit?limit=0", NULL), 400);
}

/* Every staff route names its roles: one that names none is refused when
 * it is added, so a forgotten field never opens a route to every role. */
static void test_route_without_roles_is_refused(void **state)
{
	static const struct http_route open_route[] = {
		{ "GET", "/v1/admin/x", HTTP_AUTH_STAFF, NULL, 0 },
	};
	static const struct http_route console_route[] = {
		{ "GET", "/x", HTTP_AUTH_CONSOLE, NULL, 0 },
	};
	static const struct http_route named[] = {
		{ "GET", "/v1/admin/x", HTTP_AUTH_STAFF, NULL, STAFF_OPS },
	};
	struct http *h = http_new(NULL);

	(void)state;
	assert_non_null(h);
	assert_int_equal(http_add_routes(h, open_route, 1), CA_ERR_INVALID);
	assert_int_equal(http_add_routes(h, console_route, 1), CA_ERR_INVALID);
	assert_int_equal(http_add_routes(h, named, 1), CA_OK);
	http_free(h);
}

/* ca-hubctl: the token in a 0600 file after login, used by the commands;
 * never on the command line. */
static void test_hubctl_login_keeps_token_in_a_private_file(void **state)
{
	char cmd[8192], tf[HUBPROC_PATH + 32], out[512];
	struct stat sb;
	FILE *p;
	size_t n;

	(void)state;
	snprintf(tf, sizeof(tf), "%s/ctl/sub/token", hub.dir);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '" CLERK_PW "' | env -u CA_HUBCTL_TOKEN "
		 "'%s/ca-hubctl' --hub '%s' --cacert '%s' --token-file '%s' login " CLERK
		 " 2>&1 && env -u CA_HUBCTL_TOKEN '%s/ca-hubctl' --hub '%s' --cacert '%s' "
		 "--token-file '%s' whoami 2>&1", hub.bin_dir, hub.url, hub.cacert, tf, hub.bin_dir,
		 hub.url, hub.cacert, tf);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "logged in as 赵刚"));
	assert_non_null(strstr(out, "赵刚 (" CLERK "): 窗口"));
	assert_int_equal(stat(tf, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(tf, sizeof(tf), "%s/ctl/sub", hub.dir);
	assert_int_equal(stat(tf, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* A wrong password: refused, exit 1; a token on the command line: usage. */
	snprintf(cmd, sizeof(cmd), "printf 'wrong-password\\n' | '%s/ca-hubctl' --hub '%s' "
		 "--cacert '%s' --token-file '%s/ctl/t2' login " CLERK " >/dev/null 2>&1",
		 hub.bin_dir, hub.url, hub.cacert, hub.dir);
	assert_int_equal(WEXITSTATUS(system(cmd)), 1);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "--token", hub.token, "list",
				     (char *)NULL), 2);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "--staff", "x", "list",
				     (char *)NULL), 2);
}

/* Three wrong passwords of an account, then even the right one waits;
 * eight failures from one address stop every name from it; a minute
 * later (the window) both may try again. */
static void test_logins_are_throttled(void **state)
{
	char tok[65];
	int i;

	(void)state;
	/* Older failures (the tests above) leave the window first. */
	assert_int_equal(hubcall_advance(&hub, 61, &clock_offset), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(api_login(CLERK, "not-the-password", tok), 401);
	assert_int_equal(api_login(CLERK, CLERK_PW, tok), 429);
	{
		/* Retry-After: when the oldest counted failure leaves the minute. */
		struct hubproc_req q = { 0 };
		struct hubproc_resp r;

		hubproc_request(&hub, &q, "POST", "/v1/admin/login", "{\"name\":\"" CLERK
				"\",\"password\":\"" CLERK_PW "\"}", &r);
		free(r.body);
		assert_int_equal(r.status, 429);
		assert_true(r.retry_after >= 1 && r.retry_after <= 60);
	}
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, tok), 200); /* another account */
	assert_int_equal(hubcall_advance(&hub, 61, &clock_offset), 0);
	assert_int_equal(api_login(CLERK, CLERK_PW, tok), 200);
	/* The address: failures under many names. */
	assert_int_equal(hubcall_advance(&hub, 61, &clock_offset), 0);
	for (i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "nobody.%d", i);
		assert_int_equal(api_login(name, "whatever-pass", tok), 401);
	}
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, tok), 429);
	{
		char cookie[100];

		assert_int_equal(con_login(REVIEWER, REVIEWER_PW, cookie), 429);
	}
	assert_int_equal(hubcall_advance(&hub, 61, &clock_offset), 0);
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, tok), 200);
	/* Each failure is on the trail with the name tried. */
	{
		json_t *line = audit_line("login_failed", "nobody.7");

		assert_non_null(line);
		assert_string_equal(jstr(line, "staff"), "");
		assert_string_equal(jstr(line, "detail"), "没有这个账号，或账号未设置密码");
		json_decref(line);
	}
}

/* The status of the queue page for cookie, s seconds of the hub's clock
 * later. */
static long review_after(const char *cookie, int64_t s)
{
	struct hubproc_resp r;

	assert_int_equal(hubcall_advance(&hub, s, &clock_offset), 0);
	con(cookie, "GET", "/review", NULL, &r);
	free(r.body);
	return r.status;
}

/* A console session ends after 30 idle minutes and after 12 hours in any
 * case; a ca-hubctl token after its days (the tests' hub: 365). */
static void test_sessions_and_tokens_expire_on_the_clock(void **state)
{
	char cookie[100], tok[65];
	int i;

	(void)state;
	assert_int_equal(con_login(REVIEWER, REVIEWER_PW, cookie), 303);
	assert_int_equal(review_after(cookie, 29 * 60), 200);
	assert_int_equal(review_after(cookie, 31 * 60), 303);
	/* Used every 20 minutes, it still ends at 12 hours. */
	assert_int_equal(con_login(REVIEWER, REVIEWER_PW, cookie), 303);
	for (i = 0; i < 35; i++)
		assert_int_equal(review_after(cookie, 20 * 60), 200);
	assert_int_equal(review_after(cookie, 20 * 60), 303);
	assert_int_equal(api_login(REVIEWER, REVIEWER_PW, tok), 200);
	assert_int_equal(hubcall_advance(&hub, 364 * 86400, &clock_offset), 0);
	assert_int_equal(api_st(tok, "GET", "/v1/admin/apps", NULL), 200);
	assert_int_equal(hubcall_advance(&hub, 2 * 86400, &clock_offset), 0);
	assert_int_equal(api_st(tok, "GET", "/v1/admin/apps", NULL), 401);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_decide_every_staff_route),
		cmocka_unit_test(test_hand_over_checks_the_id_number),
		cmocka_unit_test(test_finance_refunds_before_the_key_is_out),
		cmocka_unit_test(test_console_cookie_and_form_token),
		cmocka_unit_test(test_console_ship_names_the_courier),
		cmocka_unit_test(test_console_refuses_other_roles),
		cmocka_unit_test(test_disable_and_password_end_sessions),
		cmocka_unit_test(test_listing_pages_oldest_first_and_searches),
		cmocka_unit_test(test_audit_trail_is_append_only),
		cmocka_unit_test(test_route_without_roles_is_refused),
		cmocka_unit_test(test_hubctl_login_keeps_token_in_a_private_file),
		cmocka_unit_test(test_logins_are_throttled),
		cmocka_unit_test(test_sessions_and_tokens_expire_on_the_clock),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("staff", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
