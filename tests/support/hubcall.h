/*
 * hubcall.h - what the tests against a real hub (hubproc.h) do again and
 * again, said once: a hub started with its devices for a cmocka group and
 * stopped at the end (a bad exit reported), a request whose JSON answer is
 * parsed, the SMS login of a phone, the virtual clock moved forward, the
 * hub's log searched, the body of a one-record push.
 *
 * Start with hubcall_json. Functions return 0 on success, -1 on failure
 * (with a line on stderr); no test framework inside, callers assert.
 */
#ifndef TEST_HUBCALL_H
#define TEST_HUBCALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "hubproc.h"

/* A device a test provisions: its id and the secret the hub made for it. */
struct hubcall_dev {
	const char *id;  /* device id (X-CA-Device) */
	char secret[65]; /* its key, filled by hubcall_start */
};

/* Start hp with options o (NULL: defaults) and provision the n devices
 * devs point to (their secrets filled). */
int hubcall_start(struct hubproc *hp, const struct hubproc_opts *o,
		  struct hubcall_dev *const *devs, int n);

/* The hub a cmocka group of tests runs against: main fills one, hands it
 * to hubcall_group and names hubcall_group_setup and hubcall_group_teardown
 * in cmocka_run_group_tests (whose group setup takes no argument). */
struct hubcall_group {
	struct hubproc *hub;             /* the test's hub */
	struct hubproc_opts opts;        /* how it is started */
	struct hubcall_dev *const *devs; /* the devices provisioned at the start */
	int ndevs;                       /* how many devs holds */
	bool check_exit;                 /* teardown fails unless it exits 0 at SIGTERM */
};

/* The group the two functions below start and stop (g must outlive the
 * run: main's own variable does). */
void hubcall_group(const struct hubcall_group *g);

/* cmocka group setup: hubcall_start of the group's hub and devices. */
int hubcall_group_setup(void **state);

/* cmocka group teardown: hubcall_finish with check_exit, otherwise stop
 * it whatever its exit and remove its directory (0). */
int hubcall_group_teardown(void **state);

/* Stop hp (SIGTERM) and remove its directory. 0 when the hub exited 0;
 * otherwise a line on stderr and -1. */
int hubcall_finish(struct hubproc *hp);

/* One request (q as hubproc_request takes it); the HTTP status into
 * *status (0 when the request failed) and the answer parsed (new
 * reference, NULL when it is not JSON). */
json_t *hubcall_json(struct hubproc *hp, const struct hubproc_req *q, const char *method,
		     const char *target, const char *body, long *status);

/* The same as staff (Bearer: the hub's admin token). */
json_t *hubcall_admin(struct hubproc *hp, const char *method, const char *target,
		      const char *body, long *status);

/* Log phone in with the device (and ts_offset) of q: POST /v1/login/sms, the
 * code read back through ca-hubctl sms last, POST /v1/login; both 200 and a
 * token of 64 characters, which goes into token. */
int hubcall_login(struct hubproc *hp, const struct hubproc_req *q, const char *phone,
		  char token[65]);

/* The customer pays application app_id (approved) by WeChat: an order
 * made as the kiosk of q with q's X-CA-Session, paid at ca-paysim as the
 * customer's phone pays (hp started with hubproc_opts.wechatpay), then
 * asked as the kiosk asks until the hub says SUCCESS (at most 8 s). 0, or
 * -1 with a line on stderr. */
int hubcall_pay(struct hubproc *hp, const struct hubproc_req *q, const char *app_id);

/* POST /sim/fault with body at hp's ca-paysim (docs/paysim.md): the
 * provider fails or holds what body says. 0, or -1 with a line on stderr. */
int hubcall_sim_fault(struct hubproc *hp, const char *body);

/* GET /sim/orders/NO at hp's ca-paysim: the simulator's books of the
 * order (new reference); NULL when it does not answer 200. */
json_t *hubcall_sim_order(struct hubproc *hp, const char *out_trade_no);

/* Move hp's virtual clock s seconds forward (ca-hubctl clock advance);
 * *offset grows by s (what the test adds to its timestamps). */
int hubcall_advance(struct hubproc *hp, int64_t s, int64_t *offset);

/* Whether a line of hp's log contains text (false when there is no log). */
bool hubcall_log_has(const struct hubproc *hp, const char *text);

/* The body of POST /v1/records with one record of app: a fresh key, op,
 * at_ms 1795000000000, arg null. malloc'd; NULL when out of memory. */
char *hubcall_record_body(const struct ca_app *app, const char *op);

/* Push that record as q says; the record's result (new reference), NULL
 * when POST /v1/records itself did not answer 200. */
json_t *hubcall_push(struct hubproc *hp, const struct hubproc_req *q, const struct ca_app *app,
		     const char *op);

/* The same; the record's status, or -1. */
int hubcall_push_status(struct hubproc *hp, const struct hubproc_req *q,
			const struct ca_app *app, const char *op);

/* The element of the array member arr of j whose "id" is id; NULL when none. */
json_t *hubcall_find_id(json_t *j, const char *arr, const char *id);

#endif
