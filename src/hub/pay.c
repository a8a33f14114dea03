/*
 * pay.c - the hub's payments (see pay.h for the rules, docs/hub.md for why).
 *
 * Where to start reading: record_paid() (the one place a payment reaches an
 * application), then accept() (merging any report of the provider),
 * close_order() (the race with the close), and the handlers at the end.
 *
 * Provider calls stand for network round trips: no store transaction is
 * held across one. Each merge is one short transaction that re-reads the
 * hub's row, so reports racing each other (a poll, a notification, the
 * sweep, a new order) are applied in some order, each idempotently.
 */
#include "pay.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/worker.h"
#include "core/clock.h"
#include "core/bank.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/pay.h"
#include "core/uuid.h"
#include "api.h"
#include "bankpay.h"
#include "hub.h"
#include "invoicing.h"
#include "payprov.h"
#include "vclock.h"
#include "wxpay.h"

#define TAG "pay"
#define SWEEP_BATCH 64
#define REFUND_SCAN 100 /* orders of one application looked at for its payment */
#define OPEN_MAX 16 /* open orders of one application closed at a new order */

struct hubpay {
	struct hub *hub;            /* shared state, borrowed */
	struct wxpay *wx;           /* WeChat Pay API v3, owned; NULL with [pay] wechat = off */
	struct bankpay *bank;       /* the bank gateway, owned; NULL with [pay] bank = off */
	struct pay_provider *prov[PAY_METHOD__N]; /* each method's provider; NULL: off */
	atomic_bool told_off[PAY_METHOD__N]; /* an order of an off method logged */
	pthread_mutex_t create_mu;  /* one order creation at a time */
	struct worker sweeper;      /* the sweep thread, every HUBPAY_SWEEP_MS */
	bool started;               /* the sweep thread runs */
};

/* The name of bank id (the page shows it), or NULL when it is none of
 * core/bank.h's. */
static const char *bank_name(const char *id)
{
	const struct ca_bank *b = ca_bank_find(id);

	return b ? msg(b->name) : NULL;
}

/* ---- merging what the provider reports ---- */

/* The provider of method m; NULL when the hub no longer takes that method
 * ([pay] changed to off with orders open): those orders wait until it is
 * back, nothing about them is guessed. Logged once per method, not at
 * every sweep. */
static struct pay_provider *prov_for(struct hubpay *hp, int m, const char *no)
{
	struct pay_provider *pv = (unsigned)m < PAY_METHOD__N ? hp->prov[m] : NULL;

	if (!pv && (unsigned)m < PAY_METHOD__N && !atomic_exchange(&hp->told_off[m], true))
		log_error(TAG, "order %s is paid by %s, which [pay] turns off: its orders "
			  "wait until that provider is configured again", no, pay_method_id(m));
	return pv;
}

/* The provider of order no (by its method in the hub's books); NULL when
 * the hub does not know the order or takes its method no more. */
static struct pay_provider *prov_of(struct hubpay *hp, const char *no)
{
	struct hubdb_pay p;

	if (hubdb_pay_get(hp->hub->db, no, &p))
		return NULL;
	return prov_for(hp, p.o.method, no);
}

static ca_err do_refund(struct hubpay *hp, const char *no);

/* Move the hub's order to state to, when that is forward (pay.h). */
static ca_err mark(struct hubpay *hp, const char *no, enum pay_state to)
{
	struct hubdb *db = hp->hub->db;
	struct hubdb_pay p;
	ca_err e = hubdb_begin(db);

	if (e)
		return e;
	e = hubdb_pay_get(db, no, &p);
	if (!e && pay_state_advances(p.o.state, to))
		e = hubdb_pay_set(db, no, to, p.o.paid_s, p.applied_rev, vclock_now_ms());
	if (e) {
		hubdb_rollback(db);
		return e;
	}
	return hubdb_commit(db);
}

/*
 * The provider says order no was paid at paid_s. In one transaction: if
 * the hub already applied it or refunded it, nothing; if the application
 * can still be paid, apply CA_ACT_PAY (a new revision: the feed carries
 * it) and record the order as applied; otherwise record the order as a
 * duplicate payment. Then, for a duplicate, refund it.
 */
static ca_err record_paid(struct hubpay *hp, const char *no, int64_t paid_s, const char *how)
{
	struct hub *hub = hp->hub;
	struct hubpay_work { struct ca_app app; struct hubdb_pay p; } *w;
	struct ca_state st;
	char actor[64];
	int64_t now = vclock_now_ms(), rev = 0;
	bool dup = false, changed = false;
	ca_err e;

	w = malloc(sizeof(*w));
	if (!w)
		return CA_ERR_NOMEM;
	e = hubdb_begin(hub->db);
	if (e)
		goto out;
	e = hubdb_pay_get(hub->db, no, &w->p);
	if (e)
		goto rollback;
	snprintf(actor, sizeof(actor), "provider:%s",
		 (unsigned)w->p.o.method < PAY_METHOD__N && hp->prov[w->p.o.method]
		 ? hp->prov[w->p.o.method]->name : "?");
	if (w->p.o.state == PAY_REFUND || (w->p.o.state == PAY_SUCCESS && w->p.applied_rev)) {
		hubdb_rollback(hub->db); /* known already: a repeat */
		goto out;
	}
	if (w->p.o.state == PAY_SUCCESS) {
		hubdb_rollback(hub->db); /* a duplicate whose refund is still due */
		dup = true;
		goto out;
	}
	if (w->p.o.state == PAY_CLOSED)
		log_error(TAG, "provider reports %s paid after it was closed: recording it", no);
	e = hubdb_app_get(hub->db, w->p.o.app_id, &w->app);
	if (e)
		goto rollback;
	st = ca_state_of(&w->app);
	if (fsm_allowed(&st, CA_ACT_PAY)) {
		e = api_apply(hub, &w->app, CA_ACT_PAY, no, actor, now, NULL, &rev);
		if (!e)
			e = hubdb_pay_set(hub->db, no, PAY_SUCCESS, paid_s, rev, now);
		/* [invoice] issue_on_payment: the e-invoice with the payment, in
		 * the same transaction (a revision of its own, as staff's). */
		if (!e && hub->cfg.invoice_on_payment) {
			int64_t inv_rev;

			e = api_apply(hub, &w->app, CA_ACT_ISSUE_INVOICE, NULL, "hub:issue_on_payment",
				      now, NULL, &inv_rev);
			if (!e)
				e = hubinv_owe_blue(hub, &w->app, inv_rev, now);
		}
	} else {
		/* Paid already (by another order): never take the money twice. */
		e = hubdb_pay_set(hub->db, no, PAY_SUCCESS, paid_s, 0, now);
		dup = true;
	}
	if (e)
		goto rollback;
	e = hubdb_commit(hub->db);
	if (e)
		goto out;
	changed = true;
	goto out;
rollback:
	hubdb_rollback(hub->db);
out:
	if (changed && !dup)
		log_info(TAG, "order %s paid (%s): application %s is paid, rev %lld", no, how,
			 w->p.o.app_id, (long long)rev);
	else if (changed)
		log_warn(TAG, "order %s paid (%s) but application %s was paid already: "
			 "refunding %lld fen", no, how, w->p.o.app_id, (long long)w->p.o.amount_fen);
	else if (e)
		log_error(TAG, "order %s paid (%s) but not recorded yet: %s; will retry", no, how,
			  ca_strerror(e));
	free(w);
	if (!e && dup)
		e = do_refund(hp, no);
	return e;
}

/* Refund payment no (a duplicate, or one staff refunded) through the
 * provider, then record it. */
static ca_err do_refund(struct hubpay *hp, const char *no)
{
	struct pay_provider *pv = prov_of(hp, no);
	ca_err e = pv ? pv->refund(pv, no) : CA_ERR_UNAVAILABLE;

	if (e) {
		log_error(TAG, "refund of %s failed: %s; the sweep retries", no, ca_strerror(e));
		return e;
	}
	e = mark(hp, no, PAY_REFUND);
	if (!e)
		log_warn(TAG, "order %s refunded", no);
	return e;
}

ca_err hubpay_refund(struct hubpay *hp, const char *no)
{
	return do_refund(hp, no);
}

ca_err hubpay_refund_due(struct hubpay *hp, const char *app_id, char no[PAY_TRADE_NO_MAX + 1])
{
	struct hubdb *db = hp->hub->db;
	char (*nos)[PAY_TRADE_NO_MAX + 1] = malloc(REFUND_SCAN * sizeof(*nos));
	struct hubdb_pay *p = malloc(sizeof(*p));
	size_t n = 0, i;
	ca_err e;

	if (!nos || !p) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	e = hubdb_pay_list(db, HUBDB_PAY_OF_APP, app_id, 0, nos, REFUND_SCAN, &n);
	for (i = 0; !e && i < n; i++) {
		e = hubdb_pay_get(db, nos[i], p);
		if (e || p->o.state != PAY_SUCCESS || !p->applied_rev)
			continue;
		e = hubdb_pay_set(db, nos[i], PAY_SUCCESS, p->o.paid_s, 0, vclock_now_ms());
		if (!e)
			snprintf(no, PAY_TRADE_NO_MAX + 1, "%s", nos[i]);
		goto out;
	}
	if (!e)
		e = CA_ERR_NOT_FOUND;
out:
	free(nos);
	free(p);
	return e;
}

/* Merge the provider's view o of an order into the hub's. */
static ca_err accept(struct hubpay *hp, const struct pay_order *o, const char *how)
{
	switch (o->state) {
	case PAY_SUCCESS:
		return record_paid(hp, o->out_trade_no, o->paid_s, how);
	case PAY_REFUND: {
		/* Only a duplicate is ever refunded, and the hub marked it paid
		 * before asking: finish that; anything else is only logged. */
		struct hubdb_pay p;
		ca_err e = hubdb_pay_get(hp->hub->db, o->out_trade_no, &p);

		if (!e && p.o.state == PAY_NOTPAY)
			log_error(TAG, "provider reports %s refunded, the hub never saw it paid",
				  o->out_trade_no);
		return e ? e : mark(hp, o->out_trade_no, PAY_REFUND);
	}
	case PAY_CLOSED:
		return mark(hp, o->out_trade_no, PAY_CLOSED);
	default:
		return CA_OK;
	}
}

/*
 * Close order no at the provider (expired, or replaced by a new order).
 * ORDERPAID means the customer paid in the race with the close: the
 * payment is recorded, never lost. A close that fails leaves the outcome
 * unknown (the customer may have paid at the last second): the provider
 * is asked at once, and what it says is merged. Until the close or the
 * query gets through, an expired order stays NOTPAY in the hub's view,
 * which the kiosk is told as "checking" (pay_order_checking), never as
 * expired; the sweep retries both. CA_OK only when the order is final.
 */
static ca_err close_order(struct hubpay *hp, const char *no, const char *why)
{
	struct pay_order o;
	struct pay_provider *pv = prov_of(hp, no);
	ca_err e, q;

	if (!pv)
		return CA_ERR_UNAVAILABLE;
	e = pv->close(pv, no);

	if (!e || e == CA_ERR_NOT_FOUND) {
		e = mark(hp, no, PAY_CLOSED);
		if (!e)
			log_info(TAG, "order %s closed (%s)", no, why);
		return e;
	}
	if (e == CA_ERR_CONFLICT)
		log_warn(TAG, "order %s was paid in the race with its close (%s)", no, why);
	else
		log_warn(TAG, "close of %s (%s) failed: %s; asking the provider", no, why,
			 ca_strerror(e));
	q = pv->query(pv, no, &o);
	if (q) {
		log_warn(TAG, "query of %s failed too: %s; outcome unknown, will retry", no,
			 ca_strerror(q));
		return q;
	}
	q = accept(hp, &o, e == CA_ERR_CONFLICT ? "found at the close" : "found after a failed close");
	if (q)
		return q;
	/* Still NOTPAY at the provider: only a close makes it final. */
	return o.state == PAY_NOTPAY ? e : CA_OK;
}

/* Bring the hub's view of no up to date at now_s: close it when expired,
 * otherwise ask the provider; retry a refund that is due. */
static ca_err refresh(struct hubpay *hp, const char *no, int64_t now_s)
{
	struct pay_provider *pv;
	struct hubdb_pay p;
	struct pay_order o;
	ca_err e = hubdb_pay_get(hp->hub->db, no, &p);

	if (e)
		return e;
	if (p.o.state == PAY_SUCCESS && !p.applied_rev)
		return do_refund(hp, no);
	if (p.o.state != PAY_NOTPAY)
		return CA_OK;
	if (pay_order_expired(&p.o, now_s))
		return close_order(hp, no, "expired");
	pv = prov_for(hp, p.o.method, no);
	e = pv ? pv->query(pv, no, &o) : CA_ERR_UNAVAILABLE;
	return e ? e : accept(hp, &o, "found by a query");
}

/* A provider's notification (checked by its provider first): a hint,
 * confirmed by a query. */
static ca_err on_notify(struct hubpay *hp, const struct pay_order *n)
{
	struct pay_provider *pv;
	struct hubdb_pay p;
	struct pay_order o;
	ca_err e = hubdb_pay_notified(hp->hub->db, n->out_trade_no);

	if (e == CA_ERR_NOT_FOUND) {
		log_warn(TAG, "notification for unknown order %s acknowledged", n->out_trade_no);
		return CA_OK;
	}
	if (!e)
		e = hubdb_pay_get(hp->hub->db, n->out_trade_no, &p);
	if (e)
		return e;
	if (p.o.state == PAY_REFUND || (p.o.state == PAY_SUCCESS && p.applied_rev) ||
	    (p.o.state == PAY_CLOSED && n->state == PAY_CLOSED)) {
		log_info(TAG, "notification for %s (%s): known already", n->out_trade_no,
			 pay_state_id(n->state));
		return CA_OK;
	}
	pv = prov_for(hp, p.o.method, n->out_trade_no);
	e = pv ? pv->query(pv, n->out_trade_no, &o) : CA_ERR_UNAVAILABLE;
	return e ? e : accept(hp, &o, "notified");
}

/* ---- the sweep ---- */

static void sweep(void *arg)
{
	struct hubpay *hp = arg;
	char (*nos)[PAY_TRADE_NO_MAX + 1] = malloc(SWEEP_BATCH * sizeof(*nos));
	size_t n = 0, i;

	if (!nos)
		return;
	if (!hubdb_pay_list(hp->hub->db, HUBDB_PAY_EXPIRED, NULL, vclock_now_s(), nos,
			    SWEEP_BATCH, &n))
		for (i = 0; i < n; i++)
			(void)close_order(hp, nos[i], "expired, sweep");
	if (!hubdb_pay_list(hp->hub->db, HUBDB_PAY_REFUND_DUE, NULL, 0, nos, SWEEP_BATCH, &n))
		for (i = 0; i < n; i++)
			(void)do_refund(hp, nos[i]);
	free(nos);
}

ca_err hubpay_new(struct hub *hub, struct hubpay **out)
{
	struct hubpay *hp = calloc(1, sizeof(*hp));
	char err[WXPAY_ERR_MAX > BANKPAY_ERR_MAX ? WXPAY_ERR_MAX : BANKPAY_ERR_MAX];

	*out = NULL;
	if (!hp)
		return CA_ERR_NOMEM;
	hp->hub = hub;
	if (!strcmp(hub->cfg.pay_bank, "gateway")) {
		if (bankpay_new(&hub->cfg, hub->db, &hp->bank, err, sizeof(err)))
			goto bad;
		hp->prov[PAY_BANK] = bankpay_provider(hp->bank);
		log_info(TAG, "个人网银 through the bank gateway at %s, merchant %s",
			 hub->cfg.bk_gateway_url, hub->cfg.bk_mer_id);
	} else {
		log_warn(TAG, "[pay] bank = off: orders paid through 个人网银 are refused");
	}
	if (!strcmp(hub->cfg.pay_wechat, "wechatpay_v3")) {
		if (wxpay_new(&hub->cfg, &hp->wx, err, sizeof(err)))
			goto bad;
		hp->prov[PAY_WECHAT] = wxpay_provider(hp->wx);
		log_info(TAG, "微信支付 through WeChat Pay API v3 at %s, merchant %s",
			 hub->cfg.wx_api_url, hub->cfg.wx_mchid);
	} else {
		log_warn(TAG, "[pay] wechat = off: orders paid through 微信支付 are refused");
	}
	pthread_mutex_init(&hp->create_mu, NULL);
	*out = hp;
	return CA_OK;
bad:
	log_error(TAG, "%s", err);
	bankpay_free(hp->bank);
	free(hp);
	return CA_ERR_CONFIG;
}

ca_err hubpay_start(struct hubpay *hp)
{
	if (!hp->started) {
		if (worker_every(&hp->sweeper, HUBPAY_SWEEP_MS, sweep, hp) != 0)
			return CA_ERR_NOMEM;
		hp->started = true;
	}
	return CA_OK;
}

void hubpay_use_provider(struct hubpay *hp, enum pay_method m, struct pay_provider *p)
{
	if ((unsigned)m < PAY_METHOD__N)
		hp->prov[m] = p;
}

void hubpay_free(struct hubpay *hp)
{
	if (!hp)
		return;
	if (hp->started)
		worker_stop(&hp->sweeper);
	wxpay_free(hp->wx);
	bankpay_free(hp->bank);
	pthread_mutex_destroy(&hp->create_mu);
	free(hp);
}

/* ---- the kiosk's endpoints ---- */


/* The trade_state the kiosk is told at now_s: the hub's, or CHECKING
 * while an expired order is neither confirmed closed nor paid (pay.h). */
static const char *answer_state(const struct hubdb_pay *p, int64_t now_s)
{
	return pay_order_checking(&p->o, now_s) ? PAY_CHECKING_ID : pay_state_id(p->o.state);
}

/* The order as the kiosk sees it; app may be NULL. New reference. */
static json_t *order_json(const struct hubdb_pay *p, const struct ca_app *app)
{
	char t[PAY_RFC3339_LEN + 1];
	int64_t now_ms = vclock_now_ms();
	bool checking = pay_order_checking(&p->o, now_ms / 1000);
	json_t *j;

	pay_rfc3339(p->o.expires_s, t);
	j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "out_trade_no", p->o.out_trade_no,
		      "trade_state", answer_state(p, now_ms / 1000), "method", pay_method_id(p->o.method),
		      "amount_fen", (json_int_t)p->o.amount_fen, "time_expire", t, "expires_at",
		      (json_int_t)p->o.expires_s, "app_id", p->o.app_id);
	if (!j)
		return NULL;
	/* The hub's time to the ms, for the kiosk's countdown (the Date
	 * header has whole seconds only). */
	json_object_set_new(j, "now_ms", json_integer((json_int_t)now_ms));
	if (p->bank[0])
		json_object_set_new(j, "bank", json_string(p->bank));
	if (p->o.state == PAY_NOTPAY && !checking) /* the QR is dead once expired */
		json_object_set_new(j, "code_url", json_string(p->code_url));
	if (p->o.paid_s) {
		pay_rfc3339(p->o.paid_s, t);
		json_object_set_new(j, "success_time", json_string(t));
	}
	if (app)
		json_object_set_new(j, "app", codec_app_encode(app));
	return j;
}

/* POST /v1/pay/orders {"app_id", "method", "bank"} */
static void order_create(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	struct hubpay *hp = hub->pay;
	json_t *body = http_json_body(rq, rs), *jid, *jm, *jb;
	char account[12], base[API_BASE_URL_MAX];
	char (*open)[PAY_TRADE_NO_MAX + 1] = NULL;
	struct { struct ca_app app; struct hubdb_pay p; } *w = NULL;
	struct ca_state st;
	size_t nopen = 0, i;
	int method;
	ca_err e;
	bool locked = false;

	if (!body)
		return;
	if (!api_session_account(rq, rs, account))
		goto out;
	jid = json_object_get(body, "app_id");
	jm = json_object_get(body, "method");
	jb = json_object_get(body, "bank");
	method = pay_method_from_id(json_string_value(jm));
	if (!json_is_string(jid) || !uuid_valid(json_string_value(jid)) || method < 0) {
		http_error(rs, 400, "bad_request", "app_id (a UUID) and method (wechat or bank) "
			   "are required");
		goto out;
	}
	if (method == PAY_BANK && !bank_name(json_string_value(jb))) {
		http_error(rs, 400, "bad_request", "bank: one of icbc, abc, boc, ccb, bocom, cmb, "
			   "psbc, citic, cib, spdb");
		goto out;
	}
	if (!hp->prov[method]) {
		http_error(rs, 503, "method_unavailable", "this hub does not take %s ([pay] %s = "
			   "off)", pay_method_id(method), pay_method_id(method));
		goto out;
	}
	w = calloc(1, sizeof(*w));
	open = malloc(OPEN_MAX * sizeof(*open));
	if (!w || !open) {
		http_error(rs, 500, "internal", "out of memory");
		goto out;
	}
	/* One creation at a time: two requests for one application must not
	 * both leave an order open. */
	pthread_mutex_lock(&hp->create_mu);
	locked = true;
	e = hubdb_app_get(hub->db, json_string_value(jid), &w->app);
	if (e == CA_ERR_NOT_FOUND || (!e && strcmp(w->app.account, account) != 0)) {
		http_error(rs, 404, "not_found", "no such application for this account");
		goto out;
	}
	if (e)
		goto store_error;
	/* The open orders of the application die first (the user asked for a
	 * new QR code); one paid in the meantime is recorded by the close. A
	 * close the provider fails is left to the sweep: the user is not kept
	 * waiting, and should both orders get paid, the second is refunded.
	 * But an order past its expiry whose outcome is still unknown (the
	 * kiosk shows "checking") may have been paid at the last second: no
	 * new order until the provider says which (409, try again later). */
	if (hubdb_pay_list(hub->db, HUBDB_PAY_OPEN_OF_APP, w->app.id, 0, open, OPEN_MAX, &nopen))
		goto store_error;
	for (i = 0; i < nopen; i++) {
		(void)close_order(hp, open[i], "replaced by a new order");
		if (hubdb_pay_get(hub->db, open[i], &w->p))
			goto store_error;
		if (pay_order_checking(&w->p.o, vclock_now_s())) {
			http_error(rs, 409, "conflict", "order %s of this application expired and "
				   "its outcome is not confirmed yet (the provider did not answer); "
				   "try again later", open[i]);
			rs->retry_after = 5;
			goto out;
		}
	}
	memset(&w->p, 0, sizeof(w->p)); /* the new order starts empty */
	if (nopen && hubdb_app_get(hub->db, w->app.id, &w->app))
		goto store_error;
	st = ca_state_of(&w->app);
	if (!fsm_allowed(&st, CA_ACT_PAY)) {
		http_error(rs, 403, "forbidden", "pay is not allowed in status %s/%s/%s: only an "
			   "approved, unpaid application can be paid",
			   ca_app_status_id(st.app), ca_pay_status_id(st.pay),
			   ca_proc_status_id(st.proc));
		goto out;
	}
	e = pay_order_new(&w->p.o, w->app.id, (enum pay_method)method, w->app.amount_fen,
			  vclock_now_ms());
	if (e) {
		http_error(rs, e == CA_ERR_ARG ? 403 : 500, e == CA_ERR_ARG ? "forbidden" : "internal",
			   "cannot make an order: %s", ca_strerror(e));
		goto out;
	}
	memcpy(w->p.account, account, sizeof(w->p.account));
	if (method == PAY_BANK)
		snprintf(w->p.bank, sizeof(w->p.bank), "%s", json_string_value(jb));
	api_base_url(rq, base, sizeof(base));
	e = hp->prov[method]->create(hp->prov[method], &w->p.o,
				     method == PAY_BANK ? w->p.bank : NULL, base, w->p.code_url,
				     sizeof(w->p.code_url));
	if (e) {
		log_error(TAG, "provider %s refused a new order: %s", hp->prov[method]->name,
			  ca_strerror(e));
		http_error(rs, 503, "unavailable", "the payment provider is not answering; try "
			   "again");
		rs->retry_after = 5;
		goto out;
	}
	w->p.updated_ms = vclock_now_ms();
	e = hubdb_pay_add(hub->db, &w->p);
	if (e) {
		/* Nobody has seen its code_url: close it at the provider. */
		(void)hp->prov[method]->close(hp->prov[method], w->p.o.out_trade_no);
		goto store_error;
	}
	log_info(TAG, "order %s for application %s: %lld fen by %s, device %s",
		 w->p.o.out_trade_no, w->app.id, (long long)w->p.o.amount_fen,
		 pay_method_id(w->p.o.method), rq->device);
	http_reply(rs, 200, order_json(&w->p, NULL));
	goto out;
store_error:
	api_store_error(rs);
out:
	if (locked)
		pthread_mutex_unlock(&hp->create_mu);
	free(open);
	free(w);
	json_decref(body);
}

/* GET /v1/pay/orders/OUT_TRADE_NO */
static void order_get(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	struct { struct ca_app app; struct hubdb_pay p; } *w = NULL;
	const char *no = rq->param[0];
	char account[12];
	ca_err e;

	if (!api_session_account(rq, rs, account))
		return;
	if (!pay_trade_no_valid(no)) {
		http_error(rs, 400, "bad_request", "not an out_trade_no");
		return;
	}
	w = malloc(sizeof(*w));
	if (!w) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	e = hubdb_pay_get(hub->db, no, &w->p);
	if (e == CA_ERR_NOT_FOUND || (!e && strcmp(w->p.account, account) != 0)) {
		http_error(rs, 404, "not_found", "no such order for this account");
		goto out;
	}
	/* No final state yet: ask the provider (or close at expiry). A
	 * provider failure still answers with what the hub knows. */
	if (!e)
		(void)refresh(hub->pay, no, vclock_now_s());
	if (!e)
		e = hubdb_pay_get(hub->db, no, &w->p);
	if (!e)
		e = hubdb_app_get(hub->db, w->p.o.app_id, &w->app);
	if (e) {
		api_store_error(rs);
		goto out;
	}
	http_reply(rs, 200, order_json(&w->p, &w->app));
out:
	free(w);
}

/* The page of bank order p for the customer's phone (the gateway
 * provider): HTML in Chinese with the signed form while it can be paid. */
static void bank_page_html(struct hubpay *hp, struct http_resp *rs, int status,
			   const struct hubdb_pay *p)
{
	int64_t now_s = vclock_now_s();
	char *html = NULL;
	ca_err e = bankpay_page(hp->bank, p, bank_name(p->bank) ? bank_name(p->bank) : p->bank,
				answer_state(p, now_s), p->code_url, now_s, &html);

	if (e)
		http_error(rs, 500, "internal", "the page could not be made: %s", ca_strerror(e));
	else
		http_reply_html(rs, status, html);
}

/* GET /pay/bank/OUT_TRADE_NO: the bank page (no secrets, no personal
 * data; the number itself is the capability): HTML holding the signed form
 * to the gateway. 503 when the hub takes 个人网银 no more. */
static void bank_page(struct http_req *rq, struct http_resp *rs)
{
	struct hubdb_pay p;
	const char *no = rq->param[0];
	ca_err e = pay_trade_no_valid(no) ? hubdb_pay_get(rq->hub->db, no, &p) : CA_ERR_NOT_FOUND;

	if (!e && p.o.method != PAY_BANK)
		e = CA_ERR_NOT_FOUND;
	if (e) {
		http_error(rs, e == CA_ERR_NOT_FOUND ? 404 : 500,
			   e == CA_ERR_NOT_FOUND ? "not_found" : "internal", "no such bank payment");
		return;
	}
	if (!rq->hub->pay->bank) {
		http_error(rs, 503, "method_unavailable", "this hub takes 个人网银 no more ([pay] "
			   "bank = off)");
		return;
	}
	/* No final state yet: ask the gateway (or close at expiry). */
	if (p.o.state == PAY_NOTPAY && !refresh(rq->hub->pay, no, vclock_now_s()))
		(void)hubdb_pay_get(rq->hub->db, no, &p);
	bank_page_html(rq->hub->pay, rs, 200, &p);
}

/* ---- staff ---- */

/* GET /v1/admin/pay/OUT_TRADE_NO: the hub's view, the provider's, and the
 * notifications owed (for staff and tests). */
static void admin_show(struct http_req *rq, struct http_resp *rs)
{
	struct hubpay *hp = rq->hub->pay;
	const char *no = rq->param[0];
	struct pay_provider *pv;
	struct hubdb_pay p;
	struct pay_order o;
	json_t *hubj, *provj;
	ca_err e = pay_trade_no_valid(no) ? hubdb_pay_get(rq->hub->db, no, &p) : CA_ERR_NOT_FOUND;

	if (e) {
		http_error(rs, e == CA_ERR_NOT_FOUND ? 404 : 500,
			   e == CA_ERR_NOT_FOUND ? "not_found" : "internal", "no order %s",
			   pay_trade_no_valid(no) ? no : "with that number");
		return;
	}
	/* The provider is asked now; its failure is part of the answer. */
	pv = prov_for(hp, p.o.method, no);
	e = pv ? pv->query(pv, no, &o) : CA_ERR_UNAVAILABLE;
	if (!pv)
		provj = json_pack("{s:n, s:s}", "name", "error", "the hub takes this method no more");
	else if (e)
		provj = json_pack("{s:s, s:s, s:s}", "name", pv->name, "url", pv->url, "error",
				  ca_strerror(e));
	else
		provj = json_pack("{s:s, s:s, s:s, s:I}", "name", pv->name, "url", pv->url,
				  "trade_state", pay_state_id(o.state), "paid_at", (json_int_t)o.paid_s);
	hubj = order_json(&p, NULL);
	json_object_set_new(hubj, "applied_rev", json_integer(p.applied_rev));
	json_object_set_new(hubj, "notifications", json_integer(p.notifications));
	json_object_set_new(hubj, "code_url", json_string(p.code_url));
	http_reply(rs, 200, json_pack("{s:o, s:o}", "order", hubj, "provider", provj));
}

/* The provider's answer to a notification it must send again. */
static void notify_fail(struct http_resp *rs, int status, const char *why)
{
	http_reply(rs, status, json_pack("{s:s, s:s}", "code", "FAIL", "message", why));
}

/*
 * Every provider's notification ends here: checked is what its provider's
 * check said of it (CA_ERR_FORBIDDEN: not the provider's; another error:
 * unreadable, why in err), o the order it reports. A checked one is merged
 * as any report (on_notify: known already, or confirmed by a query). The
 * answer: ok_status when recorded; 401, 400 or 500 with
 * {"code":"FAIL","message"} otherwise, so that the provider sends it again.
 */
static ca_err notification(struct http_req *rq, struct http_resp *rs, const char *provider,
			   ca_err checked, const struct pay_order *o, const char *err,
			   int ok_status)
{
	ca_err e = checked;

	if (e) {
		log_warn(TAG, "%s notification from %s refused: %s", provider, rq->addr, err);
		notify_fail(rs, e == CA_ERR_FORBIDDEN ? 401 : 400, err);
		return e;
	}
	e = on_notify(rq->hub->pay, o);
	if (e)
		notify_fail(rs, 500, "not recorded yet; send it again");
	else
		http_reply(rs, ok_status, NULL);
	return e;
}

/* POST /v1/pay/notify/bank: the bank gateway's back notification (a form,
 * bankpay.h). 200 when recorded (the gateway's "taken"). */
static void notify_bank(struct http_req *rq, struct http_resp *rs)
{
	struct hubpay *hp = rq->hub->pay;
	char err[BANKPAY_ERR_MAX] = "";
	struct pay_order o;

	if (!hp->bank) {
		notify_fail(rs, 404, "this hub does not take bank gateway notifications");
		return;
	}
	(void)notification(rq, rs, "bank gateway", bankpay_notification(hp->bank, rq->body,
			   rq->body_len, &o, err, sizeof(err)), &o, err, 200);
}

/* POST /pay/bank/OUT_TRADE_NO: the customer's browser back from the
 * gateway (frontUrl) with the signed result: merged as a notification
 * when it is the gateway's, then the page as it is now. */
static void bank_return(struct http_req *rq, struct http_resp *rs)
{
	struct hubpay *hp = rq->hub->pay;
	char err[BANKPAY_ERR_MAX] = "";
	const char *no = rq->param[0];
	struct pay_order o;
	struct hubdb_pay p;
	ca_err e;

	if (!hp->bank || !pay_trade_no_valid(no) || hubdb_pay_get(rq->hub->db, no, &p) ||
	    p.o.method != PAY_BANK) {
		http_error(rs, 404, "not_found", "no such bank payment");
		return;
	}
	e = bankpay_notification(hp->bank, rq->body, rq->body_len, &o, err, sizeof(err));
	if (!e && strcmp(o.out_trade_no, no))
		e = CA_ERR_ARG;
	if (e)
		log_warn(TAG, "the browser's return to %s from %s not taken: %s", no, rq->addr,
			 err[0] ? err : "another order's result");
	else
		(void)on_notify(hp, &o);
	if (!hubdb_pay_get(rq->hub->db, no, &p))
		bank_page_html(hp, rs, e ? 400 : 200, &p);
	else
		api_store_error(rs);
}

/*
 * POST /v1/pay/notify/wechatpay: WeChat Pay's notification. Believed only
 * once its signature verifies and its resource opens (wxpay.h); then
 * merged as any notification is (on_notify: known already, or checked by
 * a query). 204 when recorded; otherwise an error status with
 * {"code":"FAIL","message"} so that the provider delivers it again.
 */
static void notify_wechat(struct http_req *rq, struct http_resp *rs)
{
	struct hubpay *hp = rq->hub->pay;
	char err[WXPAY_ERR_MAX];
	struct pay_order o;
	ca_err e;

	if (!hp->wx) {
		notify_fail(rs, 404, "this hub does not take WeChat Pay v3 notifications");
		return;
	}
	e = wxpay_notification(hp->wx, http_header(rq, "Wechatpay-Timestamp"),
			       http_header(rq, "Wechatpay-Nonce"),
			       http_header(rq, "Wechatpay-Signature"),
			       http_header(rq, "Wechatpay-Serial"), rq->body, &o, err, sizeof(err));
	(void)notification(rq, rs, "WeChat Pay", e, &o, err, 204);
}

static const struct http_route routes[] = {
	{ "POST", "/v1/pay/orders", HTTP_AUTH_DEVICE, order_create, 0 },
	{ "POST", WXPAY_NOTIFY_PATH, HTTP_AUTH_NONE, notify_wechat, 0 },
	{ "POST", BANKPAY_NOTIFY_PATH, HTTP_AUTH_NONE, notify_bank, 0 },
	{ "POST", "/pay/bank/*", HTTP_AUTH_NONE, bank_return, 0 },
	{ "GET", "/v1/pay/orders/*", HTTP_AUTH_DEVICE, order_get, 0 },
	{ "GET", "/v1/admin/pay/*", HTTP_AUTH_STAFF, admin_show, STAFF_FINANCE },
	{ "GET", "/pay/bank/*", HTTP_AUTH_NONE, bank_page, 0 },
};

ca_err api_pay_register(struct http *h, enum hub_mode mode)
{
	(void)mode;
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
