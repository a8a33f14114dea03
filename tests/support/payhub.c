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
	struct hubproc_req q = { .paysim = true };
	long st;

	json_decref(hubcall_json(&p->hub, &q, "POST", "/sim/fault", body, &st));
	assert_int_equal(st, 200);
}

char *payhub_file(struct payhub *p, const char *name)
{
	char *text = scratch_read(p->hub.dir, name);

	assert_non_null(text);
	return text;
}

void payhub_approved(struct payhub *p, const char *phone, enum ca_pickup pickup,
		     struct ca_app *a)
{
	struct hubproc_req q = kiosk_req(p, NULL);
	char out[512];

	assert_int_equal(fixture_app_of(a, phone, pickup), CA_OK);
	assert_int_equal(hubcall_push_status(&p->hub, &q, a, "save"), 200);
	assert_int_equal(hubcall_push_status(&p->hub, &q, a, "submit"), 200);
	assert_int_equal(hubproc_ctl(&p->hub, out, sizeof(out), "approve", a->id, (char *)NULL),
			 0);
}

void payhub_customer(struct payhub *p, const char *phone, char token[65], struct ca_app *a)
{
	struct hubproc_req q = kiosk_req(p, NULL);

	assert_int_equal(hubcall_login(&p->hub, &q, phone, token), 0);
	payhub_approved(p, phone, CA_PICKUP_ONSITE, a);
}

/* The staff's view of application app_id (GET /v1/admin/apps/ID). */
static json_t *admin_app(struct payhub *p, const char *app_id)
{
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", app_id);
	j = hubcall_admin(&p->hub, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

char *payhub_pay_status(struct payhub *p, const char *app_id, char out[32])
{
	json_t *j = admin_app(p, app_id);

	snprintf(out, 32, "%s", payhub_str(json_object_get(j, "app"), "pay_status"));
	json_decref(j);
	return out;
}

int payhub_pay_count(struct payhub *p, const char *app_id)
{
	json_t *j = admin_app(p, app_id), *h;
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
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	j = payhub_kiosk(p, token, "GET", target, NULL, &st);
	assert_int_equal(st, 200);
	if (strcmp(payhub_str(j, "trade_state"), state))
		fail_msg("order %s is %s, want %s", no, payhub_str(j, "trade_state"), state);
	if (pay)
		assert_string_equal(payhub_str(json_object_get(j, "app"), "pay_status"), pay);
	json_decref(j);
}

const char *payhub_sim_state(struct payhub *p, const char *no, char out[16])
{
	struct hubproc_req q = { .paysim = true };
	char target[96];
	long st;
	json_t *j, *o;

	snprintf(target, sizeof(target), "/sim/orders/%s", no);
	j = hubcall_json(&p->hub, &q, "GET", target, NULL, &st);
	o = json_object_get(j, "order");
	snprintf(out, 16, "%s", st == 200 ? payhub_str(o ? o : j, "trade_state") : "(none)");
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

void payhub_wait_notified(struct payhub *p, const char *no, int n)
{
	char target[96];
	int waited = 0;
	long st;

	snprintf(target, sizeof(target), "/v1/admin/pay/%s", no);
	for (;;) {
		json_t *j = hubcall_admin(&p->hub, "GET", target, NULL, &st);
		int got = (int)json_integer_value(json_object_get(json_object_get(j, "order"),
								  "notifications"));

		json_decref(j);
		if (got >= n)
			return;
		payhub_wait_step(&waited);
	}
}
