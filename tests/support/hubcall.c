/* hubcall.c - the repeated calls of the tests against a real hub (see
 * hubcall.h). */
#include "hubcall.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/uuid.h"

int hubcall_start(struct hubproc *hp, const struct hubproc_opts *o,
		  struct hubcall_dev *const *devs, int n)
{
	int i;

	if (hubproc_start(hp, o))
		return -1;
	for (i = 0; i < n; i++)
		if (hubproc_device_add(hp, devs[i]->id, devs[i]->secret))
			return -1;
	return 0;
}

int hubcall_finish(struct hubproc *hp)
{
	int st = hubproc_stop(hp);

	hubproc_cleanup(hp);
	if (st != 0)
		fprintf(stderr, "ca-hub exited with %d at SIGTERM\n", st);
	return st == 0 ? 0 : -1;
}

/* The group of hubcall_group. */
static const struct hubcall_group *group;

void hubcall_group(const struct hubcall_group *g)
{
	group = g;
}

int hubcall_group_setup(void **state)
{
	(void)state;
	if (!group) {
		fprintf(stderr, "hubcall: no hubcall_group before the group setup\n");
		return -1;
	}
	return hubcall_start(group->hub, &group->opts, group->devs, group->ndevs);
}

int hubcall_group_teardown(void **state)
{
	(void)state;
	if (!group)
		return -1;
	if (group->check_exit)
		return hubcall_finish(group->hub);
	hubproc_cleanup(group->hub);
	return 0;
}

json_t *hubcall_json(struct hubproc *hp, const struct hubproc_req *q, const char *method,
		     const char *target, const char *body, long *status)
{
	struct hubproc_resp r;
	json_t *j;

	if (hubproc_request(hp, q, method, target, body, &r))
		fprintf(stderr, "hubcall: %s %s: no answer (curl %d)\n", method, target,
			r.curl_code);
	*status = r.status;
	j = json_loads(r.body ? r.body : "", 0, NULL);
	free(r.body);
	return j;
}

json_t *hubcall_admin(struct hubproc *hp, const char *method, const char *target,
		      const char *body, long *status)
{
	struct hubproc_req q = { .bearer = hp->token };

	return hubcall_json(hp, &q, method, target, body, status);
}

/* POST target with body as q says; 0 when the answer is 200 (its JSON into
 * *out when out, new reference). */
static int post_ok(struct hubproc *hp, const struct hubproc_req *q, const char *target,
		   const char *body, json_t **out)
{
	long st;
	json_t *j = hubcall_json(hp, q, "POST", target, body, &st);

	if (st != 200) {
		fprintf(stderr, "hubcall: POST %s: %ld\n", target, st);
		json_decref(j);
		return -1;
	}
	if (out)
		*out = j;
	else
		json_decref(j);
	return 0;
}

int hubcall_login(struct hubproc *hp, const struct hubproc_req *q, const char *phone,
		  char token[65])
{
	char body[128], out[256];
	const char *t;
	json_t *j;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	if (post_ok(hp, q, "/v1/login/sms", body, NULL))
		return -1;
	if (hubproc_ctl(hp, out, sizeof(out), "sms", "last", phone, (char *)NULL)) {
		fprintf(stderr, "hubcall: ca-hubctl sms last %s failed\n", phone);
		return -1;
	}
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%.6s\"}", phone, out);
	if (post_ok(hp, q, "/v1/login", body, &j))
		return -1;
	t = json_string_value(json_object_get(j, "token"));
	snprintf(token, 65, "%s", t ? t : "");
	json_decref(j);
	if (strlen(token) != 64) {
		fprintf(stderr, "hubcall: login of %s: token '%s'\n", phone, token);
		return -1;
	}
	return 0;
}

int hubcall_pay(struct hubproc *hp, const struct hubproc_req *q, const char *app_id)
{
	char body[120], target[80], no[40] = "", code_url[256] = "";
	int waited = 0;
	long st;
	json_t *j;

	snprintf(body, sizeof(body), "{\"app_id\":\"%s\",\"method\":\"wechat\"}", app_id);
	j = hubcall_json(hp, q, "POST", "/v1/pay/orders", body, &st);
	if (st == 200 && json_is_string(json_object_get(j, "out_trade_no")))
		snprintf(no, sizeof(no), "%s", json_string_value(json_object_get(j, "out_trade_no")));
	if (st == 200 && json_is_string(json_object_get(j, "code_url")))
		snprintf(code_url, sizeof(code_url), "%s",
			 json_string_value(json_object_get(j, "code_url")));
	json_decref(j);
	if (!no[0]) {
		fprintf(stderr, "hubcall_pay: no order for %s (%ld)%s\n", app_id, st,
			hp->wechatpay ? "" : ": the hub takes no payment without "
			"hubproc_opts.wechatpay");
		return -1;
	}
	/* The customer's phone pays the QR at the provider (ca-paysim). */
	st = hubproc_customer_pay(hp, code_url, NULL);
	if (st != 200) {
		fprintf(stderr, "hubcall_pay: the provider refused to pay %s (%ld)\n", no, st);
		return -1;
	}
	snprintf(target, sizeof(target), "/v1/pay/orders/%s", no);
	for (;;) {
		bool paid;

		j = hubcall_json(hp, q, "GET", target, NULL, &st);
		paid = st == 200 && json_is_string(json_object_get(j, "trade_state")) &&
		       !strcmp(json_string_value(json_object_get(j, "trade_state")), "SUCCESS");
		json_decref(j);
		if (paid)
			return 0;
		if (st != 200 || waited >= 8000) {
			fprintf(stderr, "hubcall_pay: %s not paid at the hub after %d ms (%ld)\n", no,
				waited, st);
			return -1;
		}
		ca_sleep_ms(50);
		waited += 50;
	}
}

int hubcall_sim_fault(struct hubproc *hp, const char *body)
{
	struct hubproc_req q = { .paysim = true };
	long st;

	json_decref(hubcall_json(hp, &q, "POST", "/sim/fault", body, &st));
	if (st != 200)
		fprintf(stderr, "hubcall: POST /sim/fault %s: %ld\n", body, st);
	return st == 200 ? 0 : -1;
}

json_t *hubcall_sim_order(struct hubproc *hp, const char *out_trade_no)
{
	struct hubproc_req q = { .paysim = true };
	char target[96];
	long st;
	json_t *j;

	snprintf(target, sizeof(target), "/sim/orders/%s", out_trade_no);
	j = hubcall_json(hp, &q, "GET", target, NULL, &st);
	if (st != 200) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int hubcall_advance(struct hubproc *hp, int64_t s, int64_t *offset)
{
	char n[32], out[128];

	snprintf(n, sizeof(n), "%" PRId64, s);
	if (hubproc_ctl(hp, out, sizeof(out), "clock", "advance", n, (char *)NULL)) {
		fprintf(stderr, "hubcall: ca-hubctl clock advance %s failed\n", n);
		return -1;
	}
	*offset += s;
	return 0;
}

bool hubcall_log_has(const struct hubproc *hp, const char *text)
{
	FILE *f = fopen(hp->log, "r");
	char line[2048];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

char *hubcall_record_body(const struct ca_app *app, const char *op)
{
	char key[CA_UUID_LEN + 1], *text;
	json_t *r;

	if (uuid_v4(key) != CA_OK)
		return NULL;
	r = json_pack("{s:[{s:s, s:s, s:I, s:o, s:n}]}", "records", "key", key, "op", op, "at_ms",
		      (json_int_t)1795000000000, "app", codec_app_encode(app), "arg");
	text = r ? json_dumps(r, JSON_COMPACT) : NULL;
	json_decref(r);
	return text;
}

json_t *hubcall_push(struct hubproc *hp, const struct hubproc_req *q, const struct ca_app *app,
		     const char *op)
{
	char *body = hubcall_record_body(app, op);
	json_t *j = NULL, *res = NULL;

	if (body && !post_ok(hp, q, "/v1/records", body, &j)) {
		res = json_incref(json_array_get(json_object_get(j, "results"), 0));
		json_decref(j);
	}
	free(body);
	return res;
}

int hubcall_push_status(struct hubproc *hp, const struct hubproc_req *q,
			const struct ca_app *app, const char *op)
{
	json_t *res = hubcall_push(hp, q, app, op);
	int st = res ? (int)json_integer_value(json_object_get(res, "status")) : -1;

	json_decref(res);
	return st;
}

json_t *hubcall_find_id(json_t *j, const char *arr, const char *id)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(j, arr), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "id")), id))
			return x;
	return NULL;
}
