/* payhub.c - a payment test's hub and kiosk (see payhub.h). */
#include "payhub.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "scratch.h"
#include "../fixture.h"

static struct hubcall_dev *devs[1];
static struct hubcall_group group;

void payhub_group(struct payhub *p)
{
	devs[0] = &p->kiosk;
	group.hub = &p->hub;
	group.opts.virtual_clock = true;
	group.opts.wechatpay = true;
	group.devs = devs;
	group.ndevs = 1;
	group.check_exit = true;
	hubcall_group(&group);
}

const char *payhub_str(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

int64_t payhub_int(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

/* A request as the kiosk: its signature on the hub's clock. */
static struct hubproc_req kiosk_req(struct payhub *p, const char *session)
{
	struct hubproc_req q = { .device = p->kiosk.id, .secret = p->kiosk.secret,
				 .session = session, .ts_offset = p->clock_offset };

	return q;
}

json_t *payhub_kiosk(struct payhub *p, const char *session, const char *method,
		     const char *target, const char *body, long *status)
{
	struct hubproc_req q = kiosk_req(p, session);

	return hubcall_json(&p->hub, &q, method, target, body, status);
}

/* GET path + id, as the kiosk (session) or as staff (admin), which must
 * answer 200; the answer. */
static json_t *get_ok(struct payhub *p, const char *session, bool admin, const char *path,
		      const char *id)
{
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "%s%s", path, id);
	j = admin ? hubcall_admin(&p->hub, "GET", target, NULL, &st)
	    : payhub_kiosk(p, session, "GET", target, NULL, &st);
	if (st != 200)
		fail_msg("GET %s: %ld", target, st);
	return j;
}

void payhub_advance(struct payhub *p, int64_t s)
{
	assert_int_equal(hubcall_advance(&p->hub, s, &p->clock_offset), 0);
}

void payhub_align_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ca_sleep_ms(1000 - ts.tv_nsec / 1000000 + 5);
}

void payhub_fault(struct payhub *p, const char *body)
{
	assert_int_equal(hubcall_sim_fault(&p->hub, body), 0);
}

void payhub_hold_notices(struct payhub *p, bool hold)
{
	payhub_fault(p, hold ? "{\"notify_hold\":true}" : "{\"notify_hold\":false}");
}

char *payhub_file(struct payhub *p, const char *name)
{
	char *text = scratch_read(p->hub.dir, name);

	assert_non_null(text);
	return text;
}

void payhub_login(struct payhub *p, const char *phone, char token[65])
{
	struct hubproc_req q = kiosk_req(p, NULL);

	assert_int_equal(hubcall_login(&p->hub, &q, phone, token), 0);
}

void payhub_app(struct payhub *p, const char *phone, enum ca_pickup pickup, const char *status,
		struct ca_app *a)
{
	struct hubproc_req q = kiosk_req(p, NULL);
	char out[512];

	assert_int_equal(fixture_app_of(a, phone, pickup), CA_OK);
	assert_int_equal(hubcall_push_status(&p->hub, &q, a, "save"), 200);
	if (!strcmp(status, "draft"))
		return;
	assert_int_equal(hubcall_push_status(&p->hub, &q, a, "submit"), 200);
	if (!strcmp(status, "pending_review"))
		return;
	assert_string_equal(status, "approved");
	assert_int_equal(hubproc_ctl(&p->hub, out, sizeof(out), "approve", a->id, (char *)NULL),
			 0);
}

void payhub_approved(struct payhub *p, const char *phone, enum ca_pickup pickup,
		     struct ca_app *a)
{
	payhub_app(p, phone, pickup, "approved", a);
}

void payhub_customer(struct payhub *p, const char *phone, char token[65], struct ca_app *a)
{
	payhub_login(p, phone, token);
	payhub_approved(p, phone, CA_PICKUP_ONSITE, a);
}

json_t *payhub_create(struct payhub *p, const char *token, const char *app_id,
		      const char *method, const char *bank, long *status)
{
	char body[200];

	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"%s\"%s%s%s}", app_id, method,
		 bank ? ",\"bank\":\"" : "", bank ? bank : "", bank ? "\"" : "");
	return payhub_kiosk(p, token, "POST", "/v1/pay/orders", body, status);
}

void payhub_new_order(struct payhub *p, const char *token, const char *app_id,
		      char no[PAY_TRADE_NO_MAX + 1], char code_url[128])
{
	long st;
	json_t *j = payhub_create(p, token, app_id, "wechat", NULL, &st);

	assert_int_equal(st, 200);
	snprintf(no, PAY_TRADE_NO_MAX + 1, "%s", payhub_str(j, "out_trade_no"));
	assert_true(pay_trade_no_valid(no));
	assert_memory_equal(payhub_str(j, "code_url"), "weixin://wxpay/bizpayurl?pr=", 28);
	if (code_url)
		snprintf(code_url, 128, "%s", payhub_str(j, "code_url"));
	json_decref(j);
}

json_t *payhub_poll(struct payhub *p, const char *token, const char *no)
{
	return get_ok(p, token, false, "/v1/pay/orders/", no);
}

int payhub_customer_pays(struct payhub *p, const char *no)
{
	char out[512];

	return hubproc_ctl(&p->hub, out, sizeof(out), "pay", no, (char *)NULL);
}

json_t *payhub_admin_app(struct payhub *p, const char *app_id)
{
	return get_ok(p, NULL, true, "/v1/admin/apps/", app_id);
}

json_t *payhub_admin_order(struct payhub *p, const char *no)
{
	return get_ok(p, NULL, true, "/v1/admin/pay/", no);
}

char *payhub_pay_status(struct payhub *p, const char *app_id, char out[32])
{
	json_t *j = payhub_admin_app(p, app_id);

	snprintf(out, 32, "%s", payhub_str(json_object_get(j, "app"), "pay_status"));
	json_decref(j);
	return out;
}

int payhub_pay_count(struct payhub *p, const char *app_id)
{
	json_t *j = payhub_admin_app(p, app_id), *h;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(j, "history"), i, h)
		n += !strcmp(payhub_str(h, "action"), "pay");
	json_decref(j);
	return n;
}

void payhub_poll_says(struct payhub *p, const char *token, const char *no, const char *state,
		      const char *pay)
{
	json_t *j = payhub_poll(p, token, no);

	if (strcmp(payhub_str(j, "trade_state"), state))
		fail_msg("order %s is %s, want %s", no, payhub_str(j, "trade_state"), state);
	if (pay)
		assert_string_equal(payhub_str(json_object_get(j, "app"), "pay_status"), pay);
	json_decref(j);
}

const char *payhub_sim_state(struct payhub *p, const char *no, char out[16])
{
	json_t *j = hubcall_sim_order(&p->hub, no), *o = json_object_get(j, "order");

	/* A WeChat order's books hold it under "order"; a bank order's are it. */
	snprintf(out, 16, "%s", j ? payhub_str(o ? o : j, "trade_state") : "(none)");
	json_decref(j);
	return out;
}

void payhub_paid_once(struct payhub *p, const char *token, const char *no, const char *app_id,
		      const char *release)
{
	payhub_poll_says(p, token, no, "SUCCESS", "paid");
	assert_int_equal(payhub_pay_count(p, app_id), 1);
	payhub_fault(p, release);
	payhub_wait_notified(p, no, 1);
	assert_int_equal(payhub_pay_count(p, app_id), 1);
}

void payhub_wait_step(int *waited_ms)
{
	assert_true(*waited_ms < PAYHUB_WAIT_MS);
	ca_sleep_ms(50);
	*waited_ms += 50;
}

void payhub_wait_paid(struct payhub *p, const char *app_id)
{
	char ps[32];
	int waited = 0;

	while (strcmp(payhub_pay_status(p, app_id, ps), "paid"))
		payhub_wait_step(&waited);
}

json_t *payhub_wait_order(struct payhub *p, const char *no, const char *state, int n)
{
	int waited = 0;

	for (;;) {
		json_t *j = payhub_admin_order(p, no), *o = json_object_get(j, "order");

		if ((!state || !strcmp(payhub_str(o, "trade_state"), state)) &&
		    payhub_int(o, "notifications") >= n)
			return j;
		json_decref(j);
		payhub_wait_step(&waited);
	}
}

void payhub_wait_notified(struct payhub *p, const char *no, int n)
{
	json_decref(payhub_wait_order(p, no, NULL, n));
}
