/*
 * test_console_pages.c - the console's areas beyond 审核 (docs/console.md),
 * on a real ca-hub over TLS, signed in with the console's cookie like a
 * browser:
 *
 *   1. each area (/counter, /pay, /kiosks, /audit, /staff) answers 200 to
 *      a member with its role and 403 to one without it;
 *   2. the counter finds an on-site order (made through the kiosk API,
 *      approved and paid) by its pickup code; a hand-over with the wrong ID
 *      number is 422 with the catalog's reason and changes nothing, a form
 *      without its token is 403 and changes nothing, the right number
 *      collects the order with the clerk's processing record and an audit
 *      line hand_over with the states before and after;
 *   3. the payment orders list the order with its method, amount and
 *      state, and the state filter leaves it out when it does not match;
 *   4. the kiosks page lists the devices; its restart and disable buttons
 *      leave the request, disable the device and write the audit lines;
 *   5. the audit page shows the lines with the names, labels and links;
 *   6. the staff page adds an account that can then sign in; disabling it
 *      ends its open session at once (its next page is the sign-in page);
 *      an admin cannot disable itself nor drop its own admin role; data is
 *      escaped;
 *   7. the staff API (shared with the console) answers as before.
 *
 * One hub serves the group; the tests run in order (the later ones read
 * what the counter test made).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <sqlite3.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/app.h"
#include "core/fsm.h"
#include "core/msg.h"
#include "../fixture.h"
#include "../support/hubcall.h"
#include "../support/membuf.h"
#include "../support/sqlpeek.h"

static struct hubproc hub;

#define DEV "hall-01"
#define DEV2 "hall-02"
#define PHONE "13912345678"
#define HANDLER_ID "320582199003071232"   /* the fixture's handler */
#define OTHER_ID "11010519491231002X"     /* a valid number of someone else */
#define PASSWORD "pages-password-1"

static struct hubcall_dev hall = { .id = DEV }, hall2 = { .id = DEV2 };
static struct hubcall_dev *const devs[] = { &hall, &hall2 };
static const struct hubcall_group group = {
	.hub = &hub, .devs = devs, .ndevs = 2, .check_exit = true,
	.opts = { .wechatpay = true, .taxplat = true },
};

/* The on-site order the counter test made (the later tests read it). */
static char order_id[37];
static char order_no[40];

/* ---- a browser of the console ---- */

/* A signed-in console user: the session cookie and the form token. */
struct con {
	char cookie[160]; /* "__Host-ca-console=..." ("" before sign-in) */
	char csrf[65];    /* the form token of the last page read */
};

/* One answer of the console. */
struct page_resp {
	long status;        /* HTTP status */
	char location[256]; /* Location header, "" when none */
	char *body;         /* malloc'd, "" when none */
};

/* The header callback's state. */
struct hdrs {
	struct con *c;          /* takes a Set-Cookie */
	struct page_resp *r;    /* takes Location */
};

static size_t on_body(char *d, size_t s, size_t m, void *ud)
{
	return membuf_add(ud, d, s * m) ? 0 : s * m;
}

static size_t on_header(char *d, size_t s, size_t m, void *ud)
{
	struct hdrs *h = ud;
	size_t n = s * m;

	if (n > 10 && !strncasecmp(d, "Location: ", 10)) {
		snprintf(h->r->location, sizeof(h->r->location), "%.*s", (int)(n - 10), d + 10);
		h->r->location[strcspn(h->r->location, "\r\n")] = '\0';
	}
	if (n > 12 && !strncasecmp(d, "Set-Cookie: ", 12)) {
		snprintf(h->c->cookie, sizeof(h->c->cookie), "%.*s", (int)(n - 12), d + 12);
		h->c->cookie[strcspn(h->c->cookie, ";\r\n")] = '\0';
	}
	return n;
}

/* Keep the form token of body in c (when it has one). */
static void keep_csrf(struct con *c, const char *body)
{
	const char *k = "name=\"csrf\" value=\"", *p = body ? strstr(body, k) : NULL;

	if (p)
		snprintf(c->csrf, sizeof(c->csrf), "%.64s", p + strlen(k));
}

/* A request of c to the console (form: a urlencoded body, or NULL for a
 * GET); redirects are not followed. */
static void con_req(struct con *c, const char *method, const char *path, const char *form,
		    struct page_resp *r)
{
	char url[512];
	struct membuf b = { 0 };
	struct hdrs h = { c, r };
	CURL *cu = curl_easy_init();

	memset(r, 0, sizeof(*r));
	assert_non_null(cu);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", hub.console_port, path);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_CAINFO, hub.cacert);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, 30L);
	if (c->cookie[0])
		curl_easy_setopt(cu, CURLOPT_COOKIE, c->cookie);
	if (form) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	}
	assert_int_equal(curl_easy_perform(cu), CURLE_OK);
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(cu);
	r->body = b.p ? b.p : strdup("");
	keep_csrf(c, r->body);
}

/* GET path as c; its status, the body into r. */
static long con_get(struct con *c, const char *path, struct page_resp *r)
{
	con_req(c, "GET", path, NULL, r);
	return r->status;
}

/* POST the form fields (urlencoded, without the token) to path as c,
 * with the form token of c's last page when csrf. */
static long con_post(struct con *c, const char *path, const char *fields, bool csrf,
		     struct page_resp *r)
{
	char form[1024];

	snprintf(form, sizeof(form), "%s%s%s", fields, csrf ? "&csrf=" : "", csrf ? c->csrf : "");
	con_req(c, "POST", path, form, r);
	return r->status;
}

/* Sign in as name; then read the page it leads to, for the form token. */
static void sign_in(struct con *c, const char *name, const char *pw)
{
	struct page_resp r;
	char form[256], first[256];

	memset(c, 0, sizeof(*c));
	snprintf(form, sizeof(form), "name=%s&password=%s", name, pw);
	con_req(c, "POST", "/login", form, &r);
	assert_int_equal(r.status, 303);
	free(r.body);
	assert_true(strlen(c->cookie) > 20);
	snprintf(first, sizeof(first), "%s", r.location);
	assert_int_equal(con_get(c, first, &r), 200);
	free(r.body);
	assert_int_equal(strlen(c->csrf), 64);
}

/* Whether body has s. */
static bool has(const struct page_resp *r, const char *s)
{
	return strstr(r->body, s) != NULL;
}

/* ---- the hub's side ---- */

/* Add an account with roles (a JSON array text) as the host; 200. */
static void add_staff(const char *name, const char *display, const char *roles)
{
	struct hubproc_req q = { .bearer = hub.host_token };
	char body[256];
	long st;
	json_t *j;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"display\":\"%s\",\"roles\":%s,"
		 "\"password\":\"%s\"}", name, display, roles, PASSWORD);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff", body, &st);
	assert_int_equal(st, 200);
	json_decref(j);
}

/* GET /v1/admin/apps/ID as tester; the answer (new reference). */
static json_t *app_show(const char *id)
{
	char target[80];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", id);
	j = hubcall_admin(&hub, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

/* The status member name ("proc_status", ...) of application id. */
static void app_status(const char *id, const char *name, char out[32])
{
	json_t *j = app_show(id);

	snprintf(out, 32, "%s", json_string_value(json_object_get(json_object_get(j, "app"),
								   name)));
	json_decref(j);
}

/* The audit lines of query q (GET /v1/admin/audit?q) as tester. */
static json_t *audit(const char *query)
{
	char target[256];
	long st;
	json_t *j, *rows;

	snprintf(target, sizeof(target), "/v1/admin/audit?%s", query);
	j = hubcall_admin(&hub, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	rows = json_incref(json_object_get(j, "audit"));
	json_decref(j);
	return rows;
}

/* The console sessions and tokens of account name in the hub's store. */
static long long sessions_of(const char *name)
{
	char path[HUBPROC_PATH + 16], sql[128];
	long long n = -1;

	snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM staff_sessions WHERE staff = '%s'", name);
	assert_int_equal(sqlpeek_int(path, SQLITE_OPEN_READONLY, sql, &n), 0);
	return n;
}

/* Make an on-site order, approved and paid: its id and order number. */
static void make_onsite_order(char id[37], char no[40])
{
	struct hubproc_req q = { .device = DEV, .secret = hall.secret };
	char token[65], body[200], target[120], st_text[32];
	struct ca_app a;
	long st;
	json_t *j;
	int i;

	assert_int_equal(hubcall_login(&hub, &q, PHONE, token), 0);
	assert_int_equal(fixture_app_of(&a, PHONE, CA_PICKUP_ONSITE), CA_OK);
	assert_string_equal(a.handler_id, HANDLER_ID);
	assert_int_equal(hubcall_push_status(&hub, &q, &a, "save"), 200);
	assert_int_equal(hubcall_push_status(&hub, &q, &a, "submit"), 200);
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", a.id);
	j = hubcall_admin(&hub, "POST", target, "{\"op\":\"approve\"}", &st);
	assert_int_equal(st, 200);
	json_decref(j);
	q.session = token;
	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"wechat\"}", a.id);
	j = hubcall_json(&hub, &q, "POST", "/v1/pay/orders", body, &st);
	assert_int_equal(st, 200);
	snprintf(no, 40, "%s", json_string_value(json_object_get(j, "out_trade_no")));
	/* The customer's phone pays its QR code at the provider. */
	assert_int_equal(hubproc_customer_pay(&hub, json_string_value(json_object_get(j,
				"code_url")), NULL), 200);
	json_decref(j);
	/* The kiosk's poll makes the hub ask the provider. */
	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	for (i = 0; i < 100; i++) {
		json_decref(hubcall_json(&hub, &q, "GET", target, NULL, &st));
		app_status(a.id, "pay_status", st_text);
		if (!strcmp(st_text, "paid"))
			break;
		usleep(100 * 1000);
	}
	assert_string_equal(st_text, "paid");
	app_status(a.id, "proc_status", st_text);
	assert_string_equal(st_text, "onsite");
	memcpy(id, a.id, 37);
}

/* ---- tests ---- */

/* Each area: 200 for its role, 403 for a member without it. */
static void test_areas_answer_for_their_roles_only(void **state)
{
	static const struct {
		const char *path;  /* the area */
		const char *who;   /* a member with its role */
	} areas[] = {
		{ "/counter", "clerk" }, { "/pay", "cashier" }, { "/kiosks", "operator" },
		{ "/audit", "boss" }, { "/staff", "boss" },
	};
	struct con with, without;
	struct page_resp r;
	size_t i;

	(void)state;
	add_staff("clerk", "王窗口", "[\"counter\"]");
	add_staff("cashier", "李财务", "[\"finance\"]");
	add_staff("operator", "赵运维", "[\"ops\"]");
	add_staff("boss", "钱管理", "[\"admin\"]");
	add_staff("reader", "孙审核", "[\"review\"]");
	sign_in(&without, "reader", PASSWORD);
	for (i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
		sign_in(&with, areas[i].who, PASSWORD);
		assert_int_equal(con_get(&with, areas[i].path, &r), 200);
		assert_true(has(&r, "<!DOCTYPE html>"));
		assert_true(has(&r, "</html>"));
		assert_true(has(&r, "aria-current=\"page\""));
		free(r.body);
		assert_int_equal(con_get(&without, areas[i].path, &r), 403);
		assert_true(has(&r, msg(MSG_CON_NOT_YOURS)));
		free(r.body);
	}
	/* Without a session: the sign-in page. */
	memset(&without, 0, sizeof(without));
	assert_int_equal(con_get(&without, "/staff", &r), 303);
	assert_string_equal(r.location, "/login");
	free(r.body);
}

static void test_counter_finds_and_hands_over(void **state)
{
	struct con c;
	struct page_resp r;
	char code[7], path[160], form[128], st_text[32];
	json_t *j, *recs, *x, *lines;
	size_t i;
	bool found = false;

	(void)state;
	make_onsite_order(order_id, order_no);
	ca_pickup_code(order_id, code);
	sign_in(&c, "clerk", PASSWORD);

	/* The lookup by code: the order at the counter, with the form. */
	snprintf(path, sizeof(path), "/counter?code=%s", code);
	assert_int_equal(con_get(&c, path, &r), 200);
	assert_true(has(&r, order_id));
	assert_true(has(&r, "江苏国泰新点软件有限公司"));
	assert_true(has(&r, "139****5678"));
	assert_false(has(&r, PHONE));
	assert_true(has(&r, msg(MSG_CON_KEY_AT_COUNTER)));
	assert_true(has(&r, "name=\"idnumber\""));
	free(r.body);
	/* A code that is not 6 digits: said on the page. */
	assert_int_equal(con_get(&c, "/counter?code=12ab", &r), 422);
	assert_true(has(&r, msg(MSG_CON_CODE_BAD)));
	free(r.body);
	assert_int_equal(con_get(&c, path, &r), 200);
	free(r.body);

	/* The wrong ID number: 422, the reason, nothing changed. */
	snprintf(path, sizeof(path), "/counter/%s/hand-over", order_id);
	snprintf(form, sizeof(form), "idnumber=%s&code=%s", OTHER_ID, code);
	assert_int_equal(con_post(&c, path, form, true, &r), 422);
	assert_true(has(&r, msg(MSG_V_RIC_NOT_HANDLER)));
	assert_true(has(&r, order_id)); /* the lookup shown again */
	free(r.body);
	app_status(order_id, "proc_status", st_text);
	assert_string_equal(st_text, "onsite");

	/* The right number without the form token: 403, nothing changed. */
	snprintf(form, sizeof(form), "idnumber=%s&code=%s", HANDLER_ID, code);
	assert_int_equal(con_post(&c, path, form, false, &r), 403);
	free(r.body);
	app_status(order_id, "proc_status", st_text);
	assert_string_equal(st_text, "onsite");

	/* A member without the counter role: 403, nothing changed. */
	{
		struct con other;

		sign_in(&other, "reader", PASSWORD);
		assert_int_equal(con_post(&other, path, form, true, &r), 403);
		free(r.body);
		app_status(order_id, "proc_status", st_text);
		assert_string_equal(st_text, "onsite");
	}

	/* The right number: 303 to the counter with the notice. */
	assert_int_equal(con_post(&c, path, form, true, &r), 303);
	assert_string_equal(r.location, "/counter?done=hand_over");
	free(r.body);
	assert_int_equal(con_get(&c, "/counter?done=hand_over", &r), 200);
	assert_true(has(&r, msg(MSG_CON_HANDED_OVER)));
	free(r.body);

	/* Collected, with the clerk's record and the audit line. */
	j = app_show(order_id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "app"),
							       "proc_status")), "collected");
	recs = json_object_get(j, "records");
	json_array_foreach(recs, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "staff")), "王窗口"))
			found = true;
	assert_true(found);
	json_decref(j);
	snprintf(path, sizeof(path), "action=hand_over&target=%s", order_id);
	lines = audit(path);
	assert_int_equal(json_array_size(lines), 1);
	x = json_array_get(lines, 0);
	assert_string_equal(json_string_value(json_object_get(x, "staff")), "clerk");
	assert_string_equal(json_string_value(json_object_get(x, "via")), "console");
	assert_string_equal(json_string_value(json_object_get(x, "before")),
			    "approved/paid/onsite");
	assert_non_null(strstr(json_string_value(json_object_get(x, "after")), "/collected"));
	/* The ID number read at the counter is not on the trail. */
	{
		char *text = json_dumps(x, 0);

		assert_non_null(text);
		assert_null(strstr(text, HANDLER_ID));
		free(text);
	}
	json_decref(lines);

	/* The code finds it no longer. */
	snprintf(path, sizeof(path), "/counter?code=%s", code);
	assert_int_equal(con_get(&c, path, &r), 200);
	assert_false(has(&r, order_id));
	assert_true(has(&r, msg(MSG_CON_CODE_NONE)));
	free(r.body);
}

static void test_pay_lists_orders_by_state(void **state)
{
	struct con c;
	struct page_resp r;
	char link[80];

	(void)state;
	assert_true(order_no[0]);
	sign_in(&c, "cashier", PASSWORD);
	assert_int_equal(con_get(&c, "/pay", &r), 200);
	assert_true(has(&r, order_no));
	snprintf(link, sizeof(link), "href=\"/app/%s\"", order_id);
	assert_true(has(&r, link));
	assert_true(has(&r, msg(MSG_CON_PAY_WECHAT)));
	assert_true(has(&r, msg(MSG_CON_PAY_SUCCESS)));
	assert_true(has(&r, ".00 "));
	free(r.body);
	assert_int_equal(con_get(&c, "/pay?state=SUCCESS", &r), 200);
	assert_true(has(&r, order_no));
	free(r.body);
	assert_int_equal(con_get(&c, "/pay?state=NOTPAY", &r), 200);
	assert_false(has(&r, order_no));
	assert_true(has(&r, msg(MSG_CON_PAY_NONE)));
	free(r.body);
	/* The cursor of the next page: orders created before its second, or
	 * in it with a smaller number. */
	{
		char path[HUBPROC_PATH + 16], sql[160], target[120];
		long long created = 0;

		snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
		snprintf(sql, sizeof(sql), "SELECT created_s FROM pay_orders WHERE out_trade_no"
			 " = '%s'", order_no);
		assert_int_equal(sqlpeek_int(path, SQLITE_OPEN_READONLY, sql, &created), 0);
		assert_true(created > 0);
		snprintf(target, sizeof(target), "/pay?before=%lld:%s", created, order_no);
		assert_int_equal(con_get(&c, target, &r), 200);
		assert_false(has(&r, order_no));
		free(r.body);
		snprintf(target, sizeof(target), "/pay?before=%lld:%sZ", created, order_no);
		assert_int_equal(con_get(&c, target, &r), 200);
		assert_true(has(&r, order_no));
		free(r.body);
		snprintf(target, sizeof(target), "/pay?state=SUCCESS&before=%lld:%s", created + 1,
			 order_no);
		assert_int_equal(con_get(&c, target, &r), 200);
		assert_true(has(&r, order_no));
		free(r.body);
	}
}

/* An application's page lists its e-invoices: owed (开具中) until the tax
 * platform issues it, then issued with its number and 价税合计. */
static void test_app_page_lists_its_invoices(void **state)
{
	struct con c;
	struct page_resp r;
	char path[80], target[96], number[24] = "";
	long st;
	int waited = 0;
	json_t *j;

	(void)state;
	assert_true(order_id[0]);
	snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", order_id);
	json_decref(hubcall_admin(&hub, "POST", target, "{\"op\":\"issue_invoice\"}", &st));
	assert_int_equal(st, 200);
	snprintf(target, sizeof(target), "/v1/admin/apps/%s", order_id);
	while (!number[0]) {
		j = hubcall_admin(&hub, "GET", target, NULL, &st);
		if (!strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j,
			"invoices"), 0), "state")) ?: "", "issued"))
			snprintf(number, sizeof(number), "%s", json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "invoices"), 0), "number")));
		json_decref(j);
		assert_true(waited < 8000);
		usleep(50 * 1000);
		waited += 50;
	}
	sign_in(&c, "cashier", PASSWORD);
	snprintf(path, sizeof(path), "/app/%s", order_id);
	assert_int_equal(con_get(&c, path, &r), 200);
	assert_true(has(&r, msg(MSG_CON_INVOICES)));
	assert_true(has(&r, msg(MSG_CON_INV_BLUE)));
	assert_true(has(&r, msg(MSG_CON_INV_ISSUED)));
	assert_true(has(&r, number));
	assert_false(has(&r, msg(MSG_CON_INV_RED)));
	free(r.body);
}

static void test_kiosks_restart_and_disable(void **state)
{
	struct con c;
	struct page_resp r;
	json_t *j, *k, *lines;
	long st;

	(void)state;
	/* DEV reports its health: a jammed dispenser; DEV2 never did. */
	{
		struct hubproc_req q = { .device = DEV, .secret = hall.secret };

		j = hubcall_json(&hub, &q, "POST", "/v1/heartbeat", "{\"version\":\"2.1.0-rc1\","
				 "\"interval_s\":60,\"uptime_s\":5,\"at_ms\":1795000000000,"
				 "\"outbox\":{\"pending\":4,\"parked\":1},\"last_sync_ms\":0,"
				 "\"skew_s\":null,\"disk_free_mb\":100,\"display\":{\"video\":"
				 "\"x11\",\"renderer\":\"software\"},\"dispenser\":{\"slots\":"
				 "[3,-1],\"faults\":[\"jam\"]},\"idle\":true}", &st);
		assert_int_equal(st, 200);
		json_decref(j);
	}
	sign_in(&c, "operator", PASSWORD);
	assert_int_equal(con_get(&c, "/kiosks", &r), 200);
	assert_true(has(&r, DEV));
	assert_true(has(&r, DEV2));
	assert_true(has(&r, "/kiosks/" DEV2 "/disable"));
	assert_true(has(&r, "2.1.0-rc1"));
	assert_true(has(&r, msg(MSG_CON_FAULT_JAM)));
	assert_true(has(&r, "4 / 1"));
	assert_true(has(&r, "1: 3 &middot; 2: ?"));
	/* Both need attention (a fault; never seen): listed first, marked. */
	assert_true(has(&r, "<tr class=\"attention\"><td class=\"mono keep\">" DEV "<"));
	free(r.body);
	assert_int_equal(con_post(&c, "/kiosks/" DEV "/restart", "", true, &r), 303);
	assert_string_equal(r.location, "/kiosks?done=restart");
	free(r.body);
	j = hubcall_admin(&hub, "GET", "/v1/admin/fleet", NULL, &st);
	assert_int_equal(st, 200);
	k = hubcall_find_id(j, "kiosks", DEV);
	assert_non_null(k);
	assert_true(json_integer_value(json_object_get(k, "restart_asked_ms")) > 0);
	json_decref(j);
	assert_int_equal(con_post(&c, "/kiosks/" DEV2 "/disable", "", true, &r), 303);
	assert_string_equal(r.location, "/kiosks?done=disable");
	free(r.body);
	assert_int_equal(con_get(&c, "/kiosks?done=disable", &r), 200);
	assert_true(has(&r, msg(MSG_CON_DEVICE_DISABLED_OK)));
	assert_false(has(&r, "/kiosks/" DEV2 "/disable"));
	free(r.body);
	j = hubcall_admin(&hub, "GET", "/v1/admin/devices", NULL, &st);
	assert_int_equal(st, 200);
	assert_false(json_is_true(json_object_get(hubcall_find_id(j, "devices", DEV2), "enabled")));
	json_decref(j);
	lines = audit("action=device_disable&staff=operator");
	assert_int_equal(json_array_size(lines), 1);
	json_decref(lines);
	lines = audit("action=fleet_restart&staff=operator");
	assert_int_equal(json_array_size(lines), 1);
	json_decref(lines);
	/* An unknown device: 404 on the page. */
	assert_int_equal(con_post(&c, "/kiosks/no-such/disable", "", true, &r), 404);
	assert_true(has(&r, msg(MSG_CON_NO_DEVICE)));
	free(r.body);
}

static void test_audit_page_shows_names_and_labels(void **state)
{
	struct con c;
	struct page_resp r;
	char path[160], link[80];

	(void)state;
	assert_true(order_id[0]);
	sign_in(&c, "boss", PASSWORD);
	snprintf(path, sizeof(path), "/audit?target=%s", order_id);
	assert_int_equal(con_get(&c, path, &r), 200);
	assert_true(has(&r, "王窗口"));
	assert_true(has(&r, ">clerk<"));
	assert_true(has(&r, msg(MSG_ACT_HAND_OVER)));
	assert_true(has(&r, msg(MSG_PROC_ONSITE)));
	assert_true(has(&r, msg(MSG_PROC_COLLECTED)));
	assert_true(has(&r, msg(MSG_CON_VIA_CONSOLE)));
	assert_true(has(&r, msg(MSG_ACT_APPROVE)));
	snprintf(link, sizeof(link), "href=\"/app/%s\"", order_id);
	assert_true(has(&r, link));
	free(r.body);
	/* The next page's cursor: the lines older than the hand-over. */
	{
		json_t *lines;
		long long seq;

		snprintf(path, sizeof(path), "action=hand_over&target=%s", order_id);
		lines = audit(path);
		seq = json_integer_value(json_object_get(json_array_get(lines, 0), "seq"));
		json_decref(lines);
		assert_true(seq > 0);
		snprintf(path, sizeof(path), "/audit?target=%s&before=%lld", order_id, seq);
		assert_int_equal(con_get(&c, path, &r), 200);
		assert_false(has(&r, msg(MSG_PROC_COLLECTED)));
		assert_true(has(&r, msg(MSG_APP_PENDING_REVIEW)));
		free(r.body);
	}
	/* By action: the other labels. */
	assert_int_equal(con_get(&c, "/audit?action=device_disable", &r), 200);
	assert_true(has(&r, msg(MSG_CON_AUD_DEVICE_DISABLE)));
	assert_true(has(&r, "赵运维"));
	assert_true(has(&r, DEV2));
	assert_false(has(&r, "王窗口"));
	free(r.body);
	assert_int_equal(con_get(&c, "/audit?action=staff_add", &r), 200);
	assert_true(has(&r, msg(MSG_CON_AUD_STAFF_ADD)));
	assert_true(has(&r, msg(MSG_ROLE_FINANCE)));
	assert_true(has(&r, msg(MSG_CON_VIA_HOST)));
	free(r.body);
	/* A date range in China time: today holds everything, 2020 nothing. */
	assert_int_equal(con_get(&c, "/audit?from=2020-01-01&to=2020-01-02", &r), 200);
	assert_true(has(&r, msg(MSG_CON_AUDIT_EMPTY)));
	free(r.body);
	assert_int_equal(con_get(&c, "/audit?from=2020-02-30", &r), 422);
	assert_true(has(&r, msg(MSG_CON_AUDIT_BAD_DATE)));
	free(r.body);
}

static void test_staff_page_adds_disables_and_escapes(void **state)
{
	struct con boss, fresh;
	struct page_resp r;
	json_t *lines;

	(void)state;
	sign_in(&boss, "boss", PASSWORD);
	/* A display name with markup in it: escaped wherever it shows. */
	assert_int_equal(con_post(&boss, "/staff", "name=newbie&display=%3Ci%3EX%26Y&r_review=1"
				  "&r_counter=1&password=" PASSWORD, true, &r), 303);
	assert_string_equal(r.location, "/staff?done=add");
	free(r.body);
	assert_int_equal(con_get(&boss, "/staff?done=add", &r), 200);
	assert_true(has(&r, msg(MSG_CON_STAFF_ADDED)));
	assert_true(has(&r, "&lt;i&gt;X&amp;Y"));
	assert_false(has(&r, "<i>X"));
	free(r.body);
	/* The name is taken now: 409 on the page. */
	assert_int_equal(con_post(&boss, "/staff", "name=newbie&display=x&r_review=1&password="
				  PASSWORD, true, &r), 409);
	assert_true(has(&r, msg(MSG_CON_STAFF_TAKEN)));
	free(r.body);
	/* A short password, no roles: 422 with the reasons. */
	assert_int_equal(con_post(&boss, "/staff", "name=other&display=x&r_review=1&password=short",
				  true, &r), 422);
	assert_true(has(&r, msg(MSG_STAFF_PW_SHORT)));
	free(r.body);
	assert_int_equal(con_post(&boss, "/staff", "name=other&display=x&password=" PASSWORD,
				  true, &r), 422);
	assert_true(has(&r, msg(MSG_CON_STAFF_BAD)));
	free(r.body);

	/* The new account signs in and works. */
	sign_in(&fresh, "newbie", PASSWORD);
	assert_int_equal(con_get(&fresh, "/counter", &r), 200);
	free(r.body);
	/* Disabled: its session ends at once (gone from the store, too). */
	assert_int_equal(sessions_of("newbie"), 1);
	assert_int_equal(con_post(&boss, "/staff/newbie/disable", "", true, &r), 303);
	assert_string_equal(r.location, "/staff?done=disable");
	free(r.body);
	assert_int_equal(sessions_of("newbie"), 0);
	assert_int_equal(con_get(&fresh, "/counter", &r), 303);
	assert_string_equal(r.location, "/login");
	free(r.body);
	/* And it cannot sign in again until enabled. */
	{
		struct con again = { 0 };

		con_req(&again, "POST", "/login", "name=newbie&password=" PASSWORD, &r);
		assert_int_equal(r.status, 403);
		free(r.body);
	}
	assert_int_equal(con_post(&boss, "/staff/newbie/enable", "", true, &r), 303);
	free(r.body);
	sign_in(&fresh, "newbie", PASSWORD);
	/* Roles and password as the form sets them. */
	assert_int_equal(con_post(&boss, "/staff/newbie/roles", "r_finance=1", true, &r), 303);
	free(r.body);
	assert_int_equal(con_get(&fresh, "/pay", &r), 200);
	free(r.body);
	assert_int_equal(con_get(&fresh, "/counter", &r), 403);
	free(r.body);
	assert_int_equal(con_post(&boss, "/staff/newbie/password", "password=another-pass-2", true,
				  &r), 303);
	free(r.body);
	assert_int_equal(con_get(&fresh, "/pay", &r), 303); /* its session ended */
	free(r.body);
	sign_in(&fresh, "newbie", "another-pass-2");

	/* The admin cannot disable itself nor drop its own admin role. */
	assert_int_equal(con_post(&boss, "/staff/boss/disable", "", true, &r), 403);
	assert_true(has(&r, msg(MSG_CON_STAFF_SELF)));
	free(r.body);
	assert_int_equal(con_post(&boss, "/staff/boss/roles", "r_review=1", true, &r), 403);
	free(r.body);
	assert_int_equal(con_get(&boss, "/staff", &r), 200);
	assert_false(has(&r, "/staff/boss/disable"));
	free(r.body);
	/* Unknown account: 404. */
	assert_int_equal(con_post(&boss, "/staff/nobody/disable", "", true, &r), 404);
	free(r.body);
	/* A change without the form token: 403, nothing changed. */
	assert_int_equal(con_post(&boss, "/staff/newbie/disable", "", false, &r), 403);
	free(r.body);
	assert_int_equal(con_get(&fresh, "/pay", &r), 200);
	free(r.body);

	/* The trail: each change by boss, through the console. */
	lines = audit("staff=boss&target=newbie");
	/* add, disable, enable, roles, password; nothing of the refusals */
	assert_int_equal(json_array_size(lines), 5);
	json_decref(lines);
	/* The audit page escapes the name too: as the detail of staff_add,
	 * as the member of its logins. */
	assert_int_equal(con_get(&boss, "/audit?action=staff_add&target=newbie", &r), 200);
	assert_true(has(&r, "&lt;i&gt;X&amp;Y"));
	assert_false(has(&r, "<i>X"));
	free(r.body);
	assert_int_equal(con_get(&boss, "/audit?action=login&staff=newbie", &r), 200);
	assert_true(has(&r, "&lt;i&gt;X&amp;Y <small class=\"muted\">newbie</small>"));
	assert_false(has(&r, "<i>X"));
	free(r.body);
}

/* The JSON routes over the same functions answer as they did. */
static void test_staff_api_answers_unchanged(void **state)
{
	struct hubproc_req q = { .bearer = hub.token };
	long st;
	json_t *j;

	(void)state;
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff", "{\"name\":\"api1\",\"display\":"
			 "\"接口\",\"roles\":\"review\"}", &st);
	assert_int_equal(st, 200);
	assert_false(json_is_true(json_object_get(j, "password_set")));
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff", "{\"name\":\"api1\",\"display\":"
			 "\"接口\",\"roles\":\"review\"}", &st);
	assert_int_equal(st, 409);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff", "{\"name\":\"Bad\",\"display\":"
			 "\"x\",\"roles\":\"review\"}", &st);
	assert_int_equal(st, 400);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff/api1/password",
			 "{\"password\":\"short\"}", &st);
	assert_int_equal(st, 400);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "error"),
								  "message")),
			       msg(MSG_STAFF_PW_SHORT)));
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff/nobody/disable", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff/" HUBPROC_STAFF "/disable", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff/" HUBPROC_STAFF "/roles",
			 "{\"roles\":\"review\"}", &st);
	assert_int_equal(st, 400);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff/api1/roles",
			 "{\"roles\":[\"ops\",\"finance\"]}", &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "roles")), 2);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/staff/api1/disable", NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(j, "disabled")));
	json_decref(j);
	j = hubcall_json(&hub, &q, "GET", "/v1/admin/pickup-code/12345x", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/devices/nope/disable", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(j);
	j = hubcall_json(&hub, &q, "POST", "/v1/admin/fleet/bad%20id/restart", NULL, &st);
	assert_int_equal(st, 400);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_areas_answer_for_their_roles_only),
		cmocka_unit_test(test_counter_finds_and_hands_over),
		cmocka_unit_test(test_pay_lists_orders_by_state),
		cmocka_unit_test(test_app_page_lists_its_invoices),
		cmocka_unit_test(test_kiosks_restart_and_disable),
		cmocka_unit_test(test_audit_page_shows_names_and_labels),
		cmocka_unit_test(test_staff_page_adds_disables_and_escapes),
		cmocka_unit_test(test_staff_api_answers_unchanged),
	};

	hubcall_group(&group);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, hubcall_group_setup, hubcall_group_teardown);
}
