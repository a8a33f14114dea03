/*
 * payhub.h - a payment test's hub: a real ca-hub with ca-paysim beside it
 * (hubproc_opts.wechatpay) on one virtual clock, and the kiosk customers
 * pay at; what the hub's payment tests (test_pay, test_wxpay,
 * test_bankpay) do with them again and again, said once: the kiosk's
 * requests (login, applications, orders, polls), the customer paying with
 * `ca-hubctl pay`, the clock moved, the staff's view of an application and
 * of an order, an order's state in the simulator's books, its faults and
 * held notifications, the waits for a payment or a notification.
 *
 * Where to start: payhub_group() in main, then payhub_customer(). Other
 * staff requests are hubcall_admin's. Failures fail the test (cmocka's
 * asserts).
 */
#ifndef TEST_PAYHUB_H
#define TEST_PAYHUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/pay.h"
#include "hubcall.h"

#define PAYHUB_WAIT_MS 8000 /* the longest wait for a payment or a notification */

/* The hub, the kiosk, the clock. */
struct payhub {
	struct hubproc hub;       /* the hub, ca-paysim beside it */
	struct hubcall_dev kiosk; /* the kiosk customers pay at (its id: the test's) */
	int64_t clock_offset;     /* how far the hub's (and the simulator's) clock moved */
};

/* Hand p to hubcall_group: its hub started with a virtual clock and
 * ca-paysim, its kiosk provisioned (name hubcall_group_setup and
 * hubcall_group_teardown in cmocka_run_group_tests; p outlives the run). */
void payhub_group(struct payhub *p);

/* The string member key of j; "" when there is none. */
const char *payhub_str(json_t *j, const char *key);

/* The integer member key of j; 0 when there is none. */
int64_t payhub_int(json_t *j, const char *key);

/* A request as the kiosk, with X-CA-Session session when not NULL, on the
 * hub's clock; the HTTP status into *status, the answer parsed. */
json_t *payhub_kiosk(struct payhub *p, const char *session, const char *method,
		     const char *target, const char *body, long *status);

/* Move the hub's clock, and through its clock file the simulator's. */
void payhub_advance(struct payhub *p, int64_t s);

/* Sleep until just after the start of a second of the real clock (orders
 * expire at whole seconds: a payment "at 299 s" keeps most of a second). */
void payhub_align_second(void);

/* POST /sim/fault with body: the simulator fails or holds what it says. */
void payhub_fault(struct payhub *p, const char *body);

/* The simulator keeps WeChat Pay's notifications owed, unsent (hold), or
 * sends them again. */
void payhub_hold_notices(struct payhub *p, bool hold);

/* The whole of file name in the hub's directory (the keys hubproc made),
 * malloc'd. */
char *payhub_file(struct payhub *p, const char *name);

/* Log phone in at the kiosk; its session token into token. */
void payhub_login(struct payhub *p, const char *phone, char token[65]);

/* A new application a of phone (logged in already), its key picked up as
 * pickup says, brought to status by the kiosk and staff: "draft" (saved),
 * "pending_review" (submitted) or "approved". */
void payhub_app(struct payhub *p, const char *phone, enum ca_pickup pickup, const char *status,
		struct ca_app *a);

/* payhub_app(p, phone, pickup, "approved", a). */
void payhub_approved(struct payhub *p, const char *phone, enum ca_pickup pickup,
		     struct ca_app *a);

/* Log phone in (its session into token) with a new approved on-site
 * application a. */
void payhub_customer(struct payhub *p, const char *phone, char token[65], struct ca_app *a);

/* POST /v1/pay/orders as the kiosk with session token (NULL: none) for
 * application app_id by method ("wechat", "bank", ...; bank: the bank's id,
 * NULL for none); the status into *status, the answer parsed. */
json_t *payhub_create(struct payhub *p, const char *token, const char *app_id,
		      const char *method, const char *bank, long *status);

/* A new WeChat order of app_id (it must be made): its number into no, its
 * weixin:// code_url into code_url unless NULL. */
void payhub_new_order(struct payhub *p, const char *token, const char *app_id,
		      char no[PAY_TRADE_NO_MAX + 1], char code_url[128]);

/* The kiosk's poll of order no (session token), which must answer 200. */
json_t *payhub_poll(struct payhub *p, const char *token, const char *no);

/* The customer pays order no with `ca-hubctl pay` (ca-paysim pay at the
 * provider, as a phone): its exit status (0 paid, 1 refused). */
int payhub_customer_pays(struct payhub *p, const char *no);

/* The staff's view of application app_id (GET /v1/admin/apps/ID: the
 * application, its history, its orders), which must answer 200. */
json_t *payhub_admin_app(struct payhub *p, const char *app_id);

/* The staff's view of order no (GET /v1/admin/pay/NO: the hub's order and
 * the provider's answer to a query), which must answer 200. */
json_t *payhub_admin_order(struct payhub *p, const char *no);

/* The application's pay_status at the hub (the staff's view: no call to
 * the provider) into out. */
char *payhub_pay_status(struct payhub *p, const char *app_id, char out[32]);

/* How many times the application's history says "pay". */
int payhub_pay_count(struct payhub *p, const char *app_id);

/* The kiosk's poll of order no (session token) says state, and the
 * application's pay_status is pay unless pay is NULL. */
void payhub_poll_says(struct payhub *p, const char *token, const char *no, const char *state,
		      const char *pay);

/* The trade_state the simulator's books give order no into out; "(none)"
 * when they have no such order. */
const char *payhub_sim_state(struct payhub *p, const char *no, char out[16]);

/* Order no of application app_id was paid while the simulator held its
 * notification: the kiosk's poll (session token) says SUCCESS and paid,
 * the history holds one payment; then the simulator lets the notification
 * go (release: a /sim/fault body), the hub receives it, and the history
 * still holds one payment. */
void payhub_paid_once(struct payhub *p, const char *token, const char *no, const char *app_id,
		      const char *release);

/* One step of a wait: fails the test once *waited_ms has passed
 * PAYHUB_WAIT_MS, else sleeps 50 ms and counts them. */
void payhub_wait_step(int *waited_ms);

/* Wait until the application is paid at the hub. */
void payhub_wait_paid(struct payhub *p, const char *app_id);

/* Wait until the staff's view of order no has it in state (NULL: any)
 * with at least n notifications received by the hub; that view. */
json_t *payhub_wait_order(struct payhub *p, const char *no, const char *state, int n);

/* Wait until the hub has received n notifications of order no. */
void payhub_wait_notified(struct payhub *p, const char *no, int n);

#endif
