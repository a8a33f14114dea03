/*
 * test_online.c - the interactive-call worker (src/kiosk/net/online.c) against
 * the real hub (build/ca-hub over TLS on a free loopback port,
 * tests/support/hubproc):
 *
 *   1. SMS on a demo-mode hub: the answer carries the demo code, and it logs
 *      in;
 *   2. SMS on a dev-mode hub: no demo code; a wrong code is ONLINE_REFUSED,
 *      the code ca-hubctl reads back gives a token and the account; a bad
 *      phone is ONLINE_INVALID, a sixth code in an hour ONLINE_LIMITED with
 *      Retry-After; log lines show the phone masked and never the code;
 *   3. payments: an order for an application not approved is
 *      ONLINE_FORBIDDEN; once approved, a WeChat order has a weixin:// code
 *      URL and expires 300 s after the hub's Date; the query says NOTPAY,
 *      and SUCCESS with the paid application after ca-hubctl pays it; a bad
 *      session is ONLINE_REFUSED, an unknown order ONLINE_INVALID;
 *   4. one slot: a request in flight finishes but its result is dropped, a
 *      request not yet started is replaced (it never reaches the hub), only
 *      the newest result is returned and notified;
 *   5. online_stop aborts a request hanging on a server that never answers
 *      within about a second;
 *   6. the hub gone (killed): ONLINE_OFFLINE within the timeouts;
 *   7. a hub whose per-kiosk budgets ([limits]) are spent: ONLINE_LIMITED
 *      with error_code "device_limited" for sends and for login tries, told
 *      apart from a phone's own limit ("rate_limited", test 2), which is
 *      what the login screen chooses its words by;
 *   8. a hub sending its codes through the SMS gateway simulator
 *      (ca-smssim, tests/support/smsproc): a number the gateway cannot
 *      deliver to is ONLINE_PHONE_REFUSED (400 phone_refused), not the
 *      format error ONLINE_INVALID (422 for a malformed number, still); the
 *      gateway out of quota, or failing all three tries, is
 *      ONLINE_SMS_UNAVAILABLE (503 sms_unavailable) with Retry-After, not a
 *      hub error; its limit for a phone stays ONLINE_LIMITED "rate_limited";
 *      once it works again the code is delivered and logs in.
 *
 * Each test has its own device and phone numbers (the hub limits SMS sends
 * per phone). Test 6 kills the shared hub, so it runs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/pay.h"
#include "core/uuid.h"
#include "kiosk/net/online.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../fixture.h"
#include "../support/hubproc.h"
#include "../support/smsproc.h"

static struct hubproc hub;  /* dev mode, shared */
static struct hubproc demo; /* a hub of its own: tests 1 (demo mode), 7 and 8 */
static struct smsproc gw;   /* the SMS gateway of test 8 */

/* ---- a kiosk: a provisioned device, its config, a running worker ---- */

struct kiosk {
	char device[33];            /* device id */
	char secret[65];            /* its secret */
	struct config cfg;          /* pointing at the hub */
	struct online *on;          /* the worker, or NULL */
	atomic_int notified;        /* notify calls */
};

static void on_notify(void *ctx)
{
	struct kiosk *k = ctx;

	atomic_fetch_add(&k->notified, 1);
}

/* Provision device on h and fill k's config for it (the worker is not
 * started: see start()). */
static void kiosk_init(struct kiosk *k, struct hubproc *h, const char *device)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->device, sizeof(k->device), "%s", device);
	assert_int_equal(hubproc_device_add(h, device, k->secret), 0);
	config_defaults(&k->cfg);
	snprintf(k->cfg.kiosk_id, sizeof(k->cfg.kiosk_id), "%s", device);
	snprintf(k->cfg.server_url, sizeof(k->cfg.server_url), "%s", h->url);
	assert_true(strlen(h->cacert) < sizeof(k->cfg.ca_file));
	memcpy(k->cfg.ca_file, h->cacert, strlen(h->cacert) + 1);
	k->cfg.connect_timeout_ms = 2000;
	k->cfg.total_timeout_ms = 8000;
	atomic_init(&k->notified, 0);
}

static void start(struct kiosk *k)
{
	struct online_opts o;

	memset(&o, 0, sizeof(o));
	o.cfg = &k->cfg;
	o.secret = k->secret;
	o.notify = on_notify;
	o.notify_ctx = k;
	assert_int_equal(online_start(&o, &k->on), CA_OK);
	assert_non_null(k->on);
}

static void stop(struct kiosk *k)
{
	online_stop(k->on);
	k->on = NULL;
}

/* Wait up to timeout_ms for a result; fail the test when none comes. */
static void wait_result(struct kiosk *k, struct online_result *res, int timeout_ms)
{
	int64_t end = ca_mono_ms() + timeout_ms;

	while (!online_take(k->on, res)) {
		if (ca_mono_ms() > end)
			fail_msg("no result within %d ms", timeout_ms);
		ca_sleep_ms(5);
	}
}

/* Submit q, wait for its result (and check it is q's). */
static void call(struct kiosk *k, const struct online_req *q, struct online_result *res)
{
	uint64_t seq = online_submit(k->on, q);

	assert_true(seq > 0);
	wait_result(k, res, 15000);
	assert_int_equal(res->seq, seq);
	assert_int_equal(res->op, q->op);
	assert_false(online_busy(k->on));
	assert_false(online_take(k->on, res)); /* returned once */
}

/* The fields of one request to the worker (NULL: left empty). */
struct ask {
	const char *phone;  /* SMS, LOGIN */
	const char *code;   /* LOGIN */
	const char *token;  /* PAY_*, INVOICE */
	const char *app_id; /* PAY_CREATE, INVOICE */
	const char *no;     /* PAY_QUERY: out_trade_no */
};

/* Send op with the fields of f (a WeChat order for PAY_CREATE) and wait
 * for its result. */
static void ask(struct kiosk *k, enum online_op op, const struct ask *f,
		struct online_result *res)
{
	struct online_req q;

	memset(&q, 0, sizeof(q));
	q.op = op;
	snprintf(q.phone, sizeof(q.phone), "%s", f->phone ? f->phone : "");
	snprintf(q.code, sizeof(q.code), "%s", f->code ? f->code : "");
	snprintf(q.token, sizeof(q.token), "%s", f->token ? f->token : "");
	snprintf(q.app_id, sizeof(q.app_id), "%s", f->app_id ? f->app_id : "");
	snprintf(q.out_trade_no, sizeof(q.out_trade_no), "%s", f->no ? f->no : "");
	if (op == ONLINE_PAY_CREATE)
		q.method = PAY_WECHAT;
	call(k, &q, res);
}

static void sms(struct kiosk *k, const char *phone, struct online_result *res)
{
	ask(k, ONLINE_SMS, &(struct ask){ .phone = phone }, res);
}

static void login(struct kiosk *k, const char *phone, const char *code,
		  struct online_result *res)
{
	ask(k, ONLINE_LOGIN, &(struct ask){ .phone = phone, .code = code }, res);
}

/* The last code the dev hub sent to phone (ca-hubctl sms last). */
static void last_code(struct hubproc *h, const char *phone, char code[8])
{
	char out[256];

	assert_int_equal(hubproc_ctl(h, out, sizeof(out), "sms", "last", phone, (char *)NULL), 0);
	assert_int_equal(sscanf(out, "%7[0-9]", code), 1);
	assert_int_equal(strlen(code), 6);
}

/* Log phone in (dev hub) through the worker; the token into token. */
static void login_dev(struct kiosk *k, const char *phone, char token[ONLINE_TOKEN_MAX + 1])
{
	struct online_result res;
	char code[8];

	sms(k, phone, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	last_code(&hub, phone, code);
	login(k, phone, code, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	memcpy(token, res.token, ONLINE_TOKEN_MAX + 1);
}

/* ---- 1. demo mode ---- */

/* Start the second hub (demo) with ho and a running kiosk device k on it. */
static void demo_kiosk(struct kiosk *k, const struct hubproc_opts *ho, const char *device)
{
	assert_int_equal(hubproc_start(&demo, ho), 0);
	kiosk_init(k, &demo, device);
	start(k);
}

static void test_demo_hub_sends_its_code_and_it_logs_in(void **state)
{
	struct hubproc_opts ho = { .demo_code = "123456" };
	struct online_result res;
	struct kiosk k;

	(void)state;
	demo_kiosk(&k, &ho, "online-demo");
	sms(&k, "13800001001", &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.demo_code, "123456");
	login(&k, "13800001001", res.demo_code, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_string_equal(res.account, "13800001001");
	assert_int_equal(strlen(res.token), ONLINE_TOKEN_MAX);
	assert_int_equal(atomic_load(&k.notified), 2);
	stop(&k);
	hubproc_cleanup(&demo);
	memset(&demo, 0, sizeof(demo));
}

/* ---- 2. dev mode: SMS and login ---- */

/* Read the file at path into buf (size n). */
static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got;

	assert_non_null(f);
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
}

static void test_dev_hub_no_demo_code_wrong_code_refused_login(void **state)
{
	static char logbuf[16384];
	const char *phone = "13800002002";
	char code[8], wrong[8], logpath[HUBPROC_PATH + 16], m[MASK_BUF];
	struct online_result res;
	struct kiosk k;
	int saved, fd, i;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	kiosk_init(&k, &hub, "online-dev");
	start(&k);

	/* Capture our stderr to check what the log lines hold. */
	snprintf(logpath, sizeof(logpath), "%s/online-dev.log", hub.dir);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	log_set_level(LOG_DEBUG);

	sms(&k, phone, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.demo_code, "");
	assert_true(res.hub_date_s >= now - 5 && res.hub_date_s <= now + 5);
	assert_true(res.local_at_ms > 0 && res.local_at_ms <= ca_mono_ms());
	assert_int_equal(res.retry_after_s, -1);
	last_code(&hub, phone, code);

	/* A wrong code: 401. */
	memcpy(wrong, code, sizeof(wrong));
	wrong[5] = wrong[5] == '9' ? '0' : (char)(wrong[5] + 1);
	login(&k, phone, wrong, &res);
	assert_int_equal(res.outcome, ONLINE_REFUSED);
	assert_int_equal(res.status, 401);
	assert_string_equal(res.token, "");
	assert_non_null(strstr(res.message, "unauthorized"));

	/* The right one. */
	login(&k, phone, code, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(strlen(res.token), ONLINE_TOKEN_MAX);
	assert_string_equal(res.account, phone);
	assert_true(res.token_expires_s - res.hub_date_s >= 1799 &&
		    res.token_expires_s - res.hub_date_s <= 1801);

	/* Not a mainland mobile number: 422. */
	sms(&k, "12345", &res);
	assert_int_equal(res.outcome, ONLINE_INVALID);
	assert_int_equal(res.status, 422);

	/* Five codes an hour to one phone, then 429 with Retry-After. */
	for (i = 0; i < 5; i++) {
		sms(&k, "13800002099", &res);
		assert_int_equal(res.outcome, ONLINE_OK);
	}
	sms(&k, "13800002099", &res);
	assert_int_equal(res.outcome, ONLINE_LIMITED);
	assert_int_equal(res.status, 429);
	assert_true(res.retry_after_s > 0);
	assert_string_equal(res.error_code, "rate_limited");

	log_set_level(LOG_ERROR);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	slurp(logpath, logbuf, sizeof(logbuf));
	/* The log names no account, not even masked (docs/privacy.md). */
	assert_non_null(strstr(logbuf, "login"));
	assert_null(strstr(logbuf, mask_phone(phone, m, sizeof(m))));
	assert_null(strstr(logbuf, phone));
	assert_null(strstr(logbuf, code));
	assert_null(strstr(logbuf, wrong));
	assert_int_equal(atomic_load(&k.notified), 10);
	stop(&k);
}

/* ---- 3. payments ---- */

/* A submitted application of account phone, pushed to the hub by the sync
 * engine (sync_once) from a fresh kiosk store; its id into id. */
static void push_application(struct kiosk *k, const char *phone, char id[CA_UUID_LEN + 1])
{
	char dir[HUBPROC_PATH + 64], db[HUBPROC_PATH + 96], err[STORE_ERR_MAX];
	struct sync_status st;
	struct sync_opts o;
	struct store *s = NULL;
	struct ca_app a;

	snprintf(dir, sizeof(dir), "%s/kiosk-%s", hub.dir, k->device);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(db, sizeof(db), "%s/kiosk.db", dir);
	assert_int_equal(store_open(db, &s, err, sizeof(err)), CA_OK);
	fixture_app(&a);
	assert_int_equal(uuid_v4(a.id), CA_OK);
	strcpy(a.account, phone);
	strcpy(a.kiosk_id, k->device);
	assert_int_equal(store_app_create(s, &a, 1795000000000), CA_OK);
	assert_int_equal(store_app_act(s, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       1795000000500, NULL, NULL), CA_OK);
	store_close(s);
	memcpy(id, a.id, CA_UUID_LEN + 1);

	memset(&o, 0, sizeof(o));
	o.db_path = db;
	o.cfg = &k->cfg;
	o.secret = k->secret;
	o.feed_wait_s = -1;
	assert_int_equal(sync_once(&o, 10000, &st), CA_OK);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.parked, 0);
}

static void pay_create(struct kiosk *k, const char *token, const char *app_id,
		       struct online_result *res)
{
	ask(k, ONLINE_PAY_CREATE, &(struct ask){ .token = token, .app_id = app_id }, res);
}

/* POST /v1/invoices/APP/token through the worker. */
static void invoice_url(struct kiosk *k, const char *token, const char *app_id,
			struct online_result *res)
{
	ask(k, ONLINE_INVOICE, &(struct ask){ .token = token, .app_id = app_id }, res);
}

static void pay_query(struct kiosk *k, const char *token, const char *no,
		      struct online_result *res)
{
	ask(k, ONLINE_PAY_QUERY, &(struct ask){ .token = token, .no = no }, res);
}

static void test_pay_forbidden_then_order_query_pay_success(void **state)
{
	const char *phone = "13800003003";
	char token[ONLINE_TOKEN_MAX + 1], id[CA_UUID_LEN + 1], out[1024];
	char no[PAY_TRADE_NO_MAX + 1], url[ONLINE_URL_MAX + 1];
	struct online_result res;
	struct kiosk k;
	int64_t left;

	(void)state;
	kiosk_init(&k, &hub, "online-pay");
	start(&k);
	login_dev(&k, phone, token); /* also binds the account to the device */
	push_application(&k, phone, id);

	/* Pending review: not payable. */
	pay_create(&k, token, id, &res);
	assert_int_equal(res.outcome, ONLINE_FORBIDDEN);
	assert_int_equal(res.status, 403);
	assert_non_null(strstr(res.message, "forbidden"));

	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", id, (char *)NULL), 0);
	pay_create(&k, token, id, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(res.order.state, PAY_NOTPAY);
	assert_int_equal(res.order.method, PAY_WECHAT);
	assert_true(res.order.amount_fen > 0);
	assert_true(pay_trade_no_valid(res.order.out_trade_no));
	assert_true(strncmp(res.order.code_url, "weixin://", 9) == 0);
	assert_false(res.order.has_app);
	assert_true(res.hub_date_s > 0);
	assert_true(res.order.expires_at_s - res.hub_date_s >= 299 &&
		    res.order.expires_at_s - res.hub_date_s <= 301);
	/* The hub's ms clock, in the second of its Date header (or the next:
	 * the header is written after the body). */
	assert_true(res.hub_now_ms / 1000 >= res.hub_date_s - 1 &&
		    res.hub_now_ms / 1000 <= res.hub_date_s);
	/* The countdown the payment screen shows (online.h): the expiry is
	 * rounded up, so a fresh order has the full window, 05:00. */
	left = pay_remaining_ms(res.order.expires_at_s, res.hub_now_ms, res.local_at_ms,
				ca_mono_ms());
	assert_true(left > 299000 && left <= 300000);
	{
		char t[6];

		pay_countdown_text(left, t);
		assert_string_equal(t, "05:00");
	}
	snprintf(no, sizeof(no), "%s", res.order.out_trade_no);
	snprintf(url, sizeof(url), "%s", res.order.code_url);

	pay_query(&k, token, no, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(res.order.state, PAY_NOTPAY);
	assert_string_equal(res.order.out_trade_no, no);
	assert_string_equal(res.order.code_url, url);
	assert_true(res.order.has_app);
	assert_string_equal(res.order.app.id, id);
	assert_int_equal(res.order.app.app_status, CA_APP_APPROVED);
	assert_int_equal(res.order.app.pay_status, CA_PAY_UNPAID);

	/* The customer pays (the hub's simulator). */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "pay", no, (char *)NULL), 0);
	pay_query(&k, token, no, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(res.order.state, PAY_SUCCESS);
	assert_string_equal(res.order.code_url, "");
	assert_true(res.order.has_app);
	assert_int_equal(res.order.app.pay_status, CA_PAY_PAID);
	assert_true(res.order.app.rev > 0);

	/* Paid now: no new order. */
	pay_create(&k, token, id, &res);
	assert_int_equal(res.outcome, ONLINE_FORBIDDEN);

	/* The e-invoice QR: refused until staff issue it, then the page's URL
	 * (the same one when asked again). */
	invoice_url(&k, token, id, &res);
	assert_int_equal(res.outcome, ONLINE_FORBIDDEN);
	assert_string_equal(res.invoice_url, "");
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "invoice", id, (char *)NULL), 0);
	{
		/* The tax platform issues it within moments. */
		int waited = 0;

		for (;;) {
			invoice_url(&k, token, id, &res);
			if (res.outcome == ONLINE_OK || waited >= 8000)
				break;
			ca_sleep_ms(100);
			waited += 100;
		}
	}
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_true(strncmp(res.invoice_url, "https://", 8) == 0);
	assert_non_null(strstr(res.invoice_url, "/invoice/"));
	assert_null(strstr(res.invoice_url, id)); /* a token, not the application id */
	assert_true(res.invoice_expires_s > res.hub_date_s);
	assert_int_equal(strlen(res.invoice_no), 20); /* the tax platform's number */
	snprintf(url, sizeof(url), "%s", res.invoice_url);
	invoice_url(&k, token, id, &res);
	assert_string_equal(res.invoice_url, url);
	invoice_url(&k, token, "00000000-0000-4000-8000-000000000000", &res);
	assert_int_equal(res.outcome, ONLINE_INVALID);
	assert_int_equal(res.status, 404);

	/* A session the hub does not know: 401. */
	pay_query(&k, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", no,
		  &res);
	assert_int_equal(res.outcome, ONLINE_REFUSED);
	assert_int_equal(res.status, 401);
	assert_false(res.order.has_app);

	/* No such order: 404. */
	pay_query(&k, token, "CA20261124NOSUCHORDER1", &res);
	assert_int_equal(res.outcome, ONLINE_INVALID);
	assert_int_equal(res.status, 404);

	/* Not sent at all: no session token. */
	pay_query(&k, "", no, &res);
	assert_int_equal(res.outcome, ONLINE_INVALID);
	assert_int_equal(res.status, 0);
	stop(&k);
}

/* ---- 4. one slot: replaced, dropped, newest only ---- */

/*
 * A TCP relay to the hub that can hold new connections: while held, an
 * accepted connection is not forwarded (the kiosk's request waits, in
 * flight); released, bytes go both ways untouched (TLS end to end with the
 * real hub).
 */
struct relay {
	int lfd;                 /* listening socket */
	int port;                /* its port */
	int upstream;            /* the hub's port */
	atomic_bool hold;        /* do not connect upstream yet */
	atomic_bool quit;        /* end the thread */
	atomic_int accepted;     /* connections accepted */
	pthread_t thread;
};

/* Write all of buf to fd; false on error. */
static bool write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= w;
	}
	return true;
}

static int connect_upstream(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *relay_main(void *arg)
{
	enum { PAIRS = 4 };
	struct relay *r = arg;
	int cl[PAIRS], up[PAIRS], i, n;
	struct pollfd p[1 + 2 * PAIRS];
	int who[1 + 2 * PAIRS];
	char buf[16384];

	for (i = 0; i < PAIRS; i++)
		cl[i] = up[i] = -1;
	while (!atomic_load(&r->quit)) {
		for (i = 0; i < PAIRS; i++)
			if (cl[i] >= 0 && up[i] < 0 && !atomic_load(&r->hold))
				up[i] = connect_upstream(r->upstream);
		n = 0;
		p[n].fd = r->lfd;
		p[n].events = POLLIN;
		who[n++] = -1;
		for (i = 0; i < PAIRS; i++) {
			if (cl[i] < 0 || up[i] < 0)
				continue; /* held: the client's bytes wait in the kernel */
			p[n].fd = cl[i];
			p[n].events = POLLIN;
			who[n++] = i;
			p[n].fd = up[i];
			p[n].events = POLLIN;
			who[n++] = PAIRS + i;
		}
		if (poll(p, (nfds_t)n, 20) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; fd >= 0 && i < PAIRS && cl[i] >= 0; i++)
				;
			if (fd >= 0 && i < PAIRS) {
				cl[i] = fd;
				atomic_fetch_add(&r->accepted, 1);
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (i = 1; i < n; i++) {
			int pair = who[i] % PAIRS;
			int from = who[i] < PAIRS ? cl[pair] : up[pair];
			int to = who[i] < PAIRS ? up[pair] : cl[pair];
			ssize_t got;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)) || cl[pair] < 0)
				continue;
			got = read(from, buf, sizeof(buf));
			if (got > 0 && write_all(to, buf, got))
				continue;
			close(cl[pair]);
			close(up[pair]);
			cl[pair] = up[pair] = -1;
		}
	}
	for (i = 0; i < PAIRS; i++) {
		if (cl[i] >= 0)
			close(cl[i]);
		if (up[i] >= 0)
			close(up[i]);
	}
	return NULL;
}

/* A listening loopback socket on a free port; its port into *port. */
static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void relay_start(struct relay *r, int upstream)
{
	memset(r, 0, sizeof(*r));
	r->lfd = listen_any(&r->port);
	r->upstream = upstream;
	atomic_init(&r->hold, true);
	atomic_init(&r->quit, false);
	atomic_init(&r->accepted, 0);
	assert_int_equal(pthread_create(&r->thread, NULL, relay_main, r), 0);
}

static void relay_stop(struct relay *r)
{
	atomic_store(&r->quit, true);
	pthread_join(r->thread, NULL);
	close(r->lfd);
}

static void test_newer_submit_replaces_and_drops_older(void **state)
{
	const char *p1 = "13800004001", *p2 = "13800004002", *p3 = "13800004003";
	struct online_req q;
	struct online_result res;
	struct relay r;
	struct kiosk k;
	uint64_t s1, s2, s3;
	char out[256], code[8];
	int64_t end;

	(void)state;
	kiosk_init(&k, &hub, "online-slot");
	relay_start(&r, hub.port);
	snprintf(k.cfg.server_url, sizeof(k.cfg.server_url), "https://127.0.0.1:%d", r.port);
	start(&k);
	assert_false(online_busy(k.on));
	assert_false(online_take(k.on, &res));

	/* Request 1 is taken by the worker and hangs in the relay. */
	memset(&q, 0, sizeof(q));
	q.op = ONLINE_SMS;
	snprintf(q.phone, sizeof(q.phone), "%s", p1);
	s1 = online_submit(k.on, &q);
	end = ca_mono_ms() + 5000;
	while (atomic_load(&r.accepted) == 0 && ca_mono_ms() < end)
		ca_sleep_ms(5);
	assert_int_equal(atomic_load(&r.accepted), 1);

	/* Request 2 waits in the slot; request 3 replaces it. */
	snprintf(q.phone, sizeof(q.phone), "%s", p2);
	s2 = online_submit(k.on, &q);
	snprintf(q.phone, sizeof(q.phone), "%s", p3);
	s3 = online_submit(k.on, &q);
	assert_true(s1 < s2 && s2 < s3);
	assert_true(online_busy(k.on));
	ca_sleep_ms(100);
	assert_false(online_take(k.on, &res));

	/* Let it through: 1 finishes (dropped), 3 runs; 2 never does. */
	atomic_store(&r.hold, false);
	wait_result(&k, &res, 15000);
	assert_int_equal(res.seq, s3);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_false(online_busy(k.on));
	ca_sleep_ms(100);
	assert_false(online_take(k.on, &res));
	assert_int_equal(atomic_load(&k.notified), 1);
	last_code(&hub, p1, code); /* request 1 did reach the hub */
	last_code(&hub, p3, code);
	assert_int_not_equal(hubproc_ctl(&hub, out, sizeof(out), "sms", "last", p2,
					 (char *)NULL), 0);
	stop(&k);
	relay_stop(&r);
}

/* ---- 5. stop while a request hangs ---- */

static void test_stop_aborts_a_hanging_request(void **state)
{
	struct online_opts o;
	struct online_req q;
	struct online *bad = NULL;
	struct kiosk k;
	int lfd, port;
	int64_t t0, took;

	(void)state;
	kiosk_init(&k, &hub, "online-hang");
	/* Missing pieces are refused. */
	memset(&o, 0, sizeof(o));
	o.cfg = &k.cfg;
	assert_int_equal(online_start(&o, &bad), CA_ERR_ARG);
	assert_null(bad);
	online_stop(NULL);

	/* A server that accepts the connection (the kernel does) and never
	 * says a word: the TLS handshake hangs. */
	lfd = listen_any(&port);
	snprintf(k.cfg.server_url, sizeof(k.cfg.server_url), "https://127.0.0.1:%d", port);
	k.cfg.connect_timeout_ms = 10000;
	k.cfg.total_timeout_ms = 20000;
	start(&k);
	memset(&q, 0, sizeof(q));
	q.op = ONLINE_SMS;
	snprintf(q.phone, sizeof(q.phone), "13800005005");
	online_submit(k.on, &q);
	ca_sleep_ms(300);
	assert_true(online_busy(k.on));
	t0 = ca_mono_ms();
	stop(&k);
	took = ca_mono_ms() - t0;
	fprintf(stderr, "online_stop with a hanging request: %lld ms\n", (long long)took);
	assert_true(took < 2000);
	assert_int_equal(atomic_load(&k.notified), 0);
	close(lfd);
}

/* ---- 6. the hub gone ---- */

static void test_hub_killed_offline_within_timeouts(void **state)
{
	struct online_result res;
	struct kiosk k;
	int64_t t0, took;

	(void)state;
	kiosk_init(&k, &hub, "online-gone");
	k.cfg.connect_timeout_ms = 1000;
	k.cfg.total_timeout_ms = 3000;
	start(&k);
	sms(&k, "13800006006", &res);
	assert_int_equal(res.outcome, ONLINE_OK);

	hubproc_kill(&hub);
	t0 = ca_mono_ms();
	sms(&k, "13800006006", &res);
	took = ca_mono_ms() - t0;
	assert_int_equal(res.outcome, ONLINE_OFFLINE);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.hub_date_s, 0);
	assert_non_null(strstr(res.message, "no answer"));
	assert_true(took < 3000 + 1000);
	stop(&k);
}

static int group_setup(void **state)
{
	struct hubproc_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.wechatpay = true; /* the customer pays at ca-paysim (ca-hubctl pay) */
	o.taxplat = true;   /* the invoices come from ca-taxsim */
	signal(SIGPIPE, SIG_IGN);
	return hubproc_start(&hub, &o);
}

static int group_teardown(void **state)
{
	(void)state;
	hubproc_cleanup(&demo); /* when test 1 failed half-way */
	hubproc_cleanup(&hub);
	smsproc_cleanup(&gw);
	return 0;
}

/* ---- 7. this kiosk's budgets ---- */

static void test_device_budget_told_apart_from_phone_limit(void **state)
{
	struct hubproc_opts ho = {
		.extra_ini = "[limits]\ndevice_sms_per_hour = 1\ndevice_logins_per_hour = 1\n",
	};
	struct online_result res;
	struct kiosk k;
	char code[8];

	(void)state;
	demo_kiosk(&k, &ho, "online-budget");
	sms(&k, "13800007001", &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_string_equal(res.error_code, "");
	/* A second send, to another phone: this kiosk's budget is spent. */
	sms(&k, "13800007002", &res);
	assert_int_equal(res.outcome, ONLINE_LIMITED);
	assert_string_equal(res.error_code, "device_limited");
	assert_true(res.retry_after_s > 3500 && res.retry_after_s <= 3600);
	/* One login try, then the budget of tries is spent too. */
	last_code(&demo, "13800007001", code);
	code[5] = code[5] == '9' ? '0' : (char)(code[5] + 1);
	login(&k, "13800007001", code, &res);
	assert_int_equal(res.outcome, ONLINE_REFUSED);
	assert_string_equal(res.error_code, "unauthorized");
	last_code(&demo, "13800007001", code);
	login(&k, "13800007001", code, &res);
	assert_int_equal(res.outcome, ONLINE_LIMITED);
	assert_string_equal(res.error_code, "device_limited");
	assert_string_equal(res.token, "");
	stop(&k);
	hubproc_cleanup(&demo);
	memset(&demo, 0, sizeof(demo));
}

/* ---- 8. the SMS gateway's refusals ---- */

static void test_gateway_refusals_told_apart(void **state)
{
	struct smsproc_opts so = { .timeout_ms = 500 };
	struct hubproc_opts ho = { 0 };
	struct online_result res;
	struct kiosk k;
	char code[7];

	(void)state;
	assert_int_equal(smsproc_start(&gw, &so), 0);
	ho.sms_ini = gw.ini;
	demo_kiosk(&k, &ho, "online-gateway");

	/* 154 is no mainland segment: well formed for the kiosk and the hub,
	 * refused by the gateway. */
	sms(&k, "15400008001", &res);
	assert_int_equal(res.outcome, ONLINE_PHONE_REFUSED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.error_code, "phone_refused");
	assert_int_equal(smsproc_messages(&gw, "15400008001", NULL), 0);
	/* A malformed number is still the hub's format refusal. */
	sms(&k, "10000008001", &res);
	assert_int_equal(res.outcome, ONLINE_INVALID);
	assert_int_equal(res.status, 422);
	assert_string_equal(res.error_code, "invalid");

	/* The gateway refuses the hub's account (out of quota). */
	assert_int_equal(smsproc_fault(&gw, "{\"code\":\"QuotaExceeded\"}"), 0);
	sms(&k, "13800008002", &res);
	assert_int_equal(res.outcome, ONLINE_SMS_UNAVAILABLE);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.error_code, "sms_unavailable");
	assert_true(res.retry_after_s > 0);
	/* The gateway fails every try of a send. */
	assert_int_equal(smsproc_fault(&gw, "{\"code\":\"ServiceUnavailable\",\"times\":3}"),
			 0);
	sms(&k, "13800008002", &res);
	assert_int_equal(res.outcome, ONLINE_SMS_UNAVAILABLE);
	assert_string_equal(res.error_code, "sms_unavailable");
	assert_int_equal(smsproc_messages(&gw, "13800008002", NULL), 0);

	/* It works again: the code comes and logs in; a second one within the
	 * gateway's minute for the phone is its limit, as before. */
	sms(&k, "13800008002", &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_int_equal(smsproc_messages(&gw, "13800008002", code), 1);
	sms(&k, "13800008002", &res);
	assert_int_equal(res.outcome, ONLINE_LIMITED);
	assert_string_equal(res.error_code, "rate_limited");
	login(&k, "13800008002", code, &res);
	assert_int_equal(res.outcome, ONLINE_OK);
	assert_string_equal(res.account, "13800008002");

	stop(&k);
	hubproc_cleanup(&demo);
	memset(&demo, 0, sizeof(demo));
	assert_int_equal(smsproc_cleanup(&gw), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_hub_sends_its_code_and_it_logs_in),
		cmocka_unit_test(test_dev_hub_no_demo_code_wrong_code_refused_login),
		cmocka_unit_test(test_pay_forbidden_then_order_query_pay_success),
		cmocka_unit_test(test_newer_submit_replaces_and_drops_older),
		cmocka_unit_test(test_stop_aborts_a_hanging_request),
		cmocka_unit_test(test_hub_killed_offline_within_timeouts),
		cmocka_unit_test(test_device_budget_told_apart_from_phone_limit),
		cmocka_unit_test(test_gateway_refusals_told_apart),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests_name("kiosk/online", tests, group_setup, group_teardown);
}
