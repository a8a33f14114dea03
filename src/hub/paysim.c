/*
 * paysim.c - the built-in payment provider simulator (see paysim.h).
 *
 * Every change of a provider order is one store transaction that loads the
 * order, asks the rules of src/core/pay.h, and writes it back: so paying,
 * closing and refunding one order are serialised, exactly as the real
 * provider serialises them, and a payment and a close can never both win.
 * The delivery thread never holds the store while the hub handles a
 * notification.
 */
#include "paysim.h"

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
#include "core/log.h"
#include "core/uuid.h"
#include "vclock.h"

#define TAG "paysim"
#define NOTICE_BATCH 32

struct paysim {
	struct pay_provider prov; /* the interface; first, so the calls find us */
	struct hubdb *db;         /* the store holding our books, borrowed */
	pay_notify_fn notify;     /* where notifications go */
	void *ctx;                /* its argument */
	atomic_int fail_closes;   /* injected close failures left */
	atomic_int fail_queries;  /* injected query failures left */
	struct worker delivery;   /* the delivery thread, every PAYSIM_TICK_MS */
	bool started;             /* the thread runs */
};

static struct paysim *self(struct pay_provider *p)
{
	return (struct paysim *)p;
}

/* n random characters of [0-9A-Za-z] into out (NUL-terminated). */
static ca_err random_text(char *out, size_t n)
{
	static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[32];
	size_t i;

	if (n > sizeof(rnd))
		return CA_ERR_ARG;
	if (ca_random(rnd, n) != CA_OK)
		return CA_ERR_IO;
	for (i = 0; i < n; i++)
		out[i] = set[rnd[i] % (sizeof(set) - 1)];
	out[n] = '\0';
	return CA_OK;
}

static ca_err sim_create(struct pay_provider *p, const struct pay_order *o, const char *bank,
			 const char *base_url, char *code_url, size_t n)
{
	struct paysim *s = self(p);
	char pr[8];
	ca_err e;

	if (!pay_trade_no_valid(o->out_trade_no) || o->amount_fen <= 0 || o->state != PAY_NOTPAY)
		return CA_ERR_ARG;
	if (o->method == PAY_BANK) {
		if (!bank || !base_url ||
		    (size_t)snprintf(code_url, n, "%s/pay/bank/%s", base_url, o->out_trade_no) >= n)
			return CA_ERR_ARG;
	} else {
		e = random_text(pr, 7);
		if (e)
			return e;
		if ((size_t)snprintf(code_url, n, "weixin://wxpay/bizpayurl?pr=%s", pr) >= n)
			return CA_ERR_ARG;
	}
	e = hubdb_sim_add(s->db, o, o->method == PAY_BANK ? bank : "", code_url);
	if (!e)
		log_info(TAG, "order %s created: %lld fen, %s, expires at %lld", o->out_trade_no,
			 (long long)o->amount_fen, pay_method_id(o->method),
			 (long long)o->expires_s);
	return e;
}

/* Take one injected failure from *left, if any is left. */
static bool take_fault(atomic_int *left)
{
	int n = atomic_load(left);

	while (n > 0 && !atomic_compare_exchange_weak(left, &n, n - 1))
		;
	return n > 0;
}

static ca_err sim_query(struct pay_provider *p, const char *no, struct pay_order *out)
{
	if (take_fault(&self(p)->fail_queries)) {
		log_warn(TAG, "query of %s: SYSTEMERROR (injected)", no);
		return CA_ERR_IO;
	}
	return hubdb_sim_get(self(p)->db, no, out, NULL);
}

ca_err paysim_peek(struct paysim *s, const char *no, struct pay_order *out)
{
	return hubdb_sim_get(s->db, no, out, NULL);
}

/*
 * Load no, apply rule to it, store it when it changed; all in one
 * transaction. The rule's result is returned; *o gets the order.
 */
static ca_err with_order(struct paysim *s, const char *no, struct pay_order *o,
			 ca_err (*rule)(struct pay_order *o, int64_t now_s, void *arg), void *arg,
			 bool *changed)
{
	struct pay_order before;
	ca_err e, r;

	*changed = false;
	e = hubdb_begin(s->db);
	if (e)
		return e;
	e = hubdb_sim_get(s->db, no, o, NULL);
	if (e) {
		hubdb_rollback(s->db);
		return e;
	}
	before = *o;
	r = rule(o, vclock_now_s(), arg);
	if (r) {
		/* A rule that refuses changes nothing; keep nothing it wrote. */
		hubdb_rollback(s->db);
		return r;
	}
	if (before.state != o->state || before.paid_s != o->paid_s) {
		e = hubdb_sim_set(s->db, o);
		if (e) {
			hubdb_rollback(s->db);
			return e;
		}
		*changed = true;
	}
	return hubdb_commit(s->db);
}

static ca_err rule_close(struct pay_order *o, int64_t now_s, void *arg)
{
	(void)now_s;
	(void)arg;
	return pay_order_close(o);
}

static ca_err rule_refund(struct pay_order *o, int64_t now_s, void *arg)
{
	(void)now_s;
	(void)arg;
	return pay_order_refund(o);
}

/* Pay, and owe the notifications in the same transaction. */
static ca_err rule_pay(struct pay_order *o, int64_t now_s, void *arg)
{
	struct paysim *s = arg;
	int64_t now_ms = vclock_now_ms();
	ca_err e = pay_order_pay(o, now_s);

	if (!e)
		e = hubdb_sim_notice_add(s->db, o->out_trade_no,
					 now_ms + PAYSIM_NOTIFY_FIRST_S * 1000);
	if (!e)
		e = hubdb_sim_notice_add(s->db, o->out_trade_no,
					 now_ms + PAYSIM_NOTIFY_AGAIN_S * 1000);
	return e;
}

static ca_err sim_close(struct pay_provider *p, const char *no)
{
	struct paysim *s = self(p);
	struct pay_order o;
	bool changed;
	ca_err e;

	if (take_fault(&s->fail_closes)) {
		log_warn(TAG, "close of %s: SYSTEMERROR (injected)", no);
		return CA_ERR_IO;
	}
	e = with_order(s, no, &o, rule_close, NULL, &changed);
	if (e == CA_ERR_CONFLICT)
		log_info(TAG, "close of %s refused: ORDERPAID", no);
	else if (!e && changed)
		log_info(TAG, "order %s closed", no);
	return e;
}

static ca_err sim_refund(struct pay_provider *p, const char *no)
{
	struct paysim *s = self(p);
	struct pay_order o;
	bool changed;
	ca_err e = with_order(s, no, &o, rule_refund, NULL, &changed);

	if (!e && changed)
		log_info(TAG, "order %s refunded: %lld fen back to the customer", no,
			 (long long)o.amount_fen);
	return e;
}

ca_err paysim_customer_pay(struct paysim *s, const char *no, int64_t now_s, struct pay_order *o)
{
	bool changed;
	ca_err e;

	(void)now_s; /* the rule reads the hub clock inside the transaction */
	e = with_order(s, no, o, rule_pay, s, &changed);
	if (!e)
		log_info(TAG, "order %s paid by the customer (%lld fen)", no,
			 (long long)o->amount_fen);
	return e;
}

void paysim_fail_closes(struct paysim *s, int n)
{
	atomic_store(&s->fail_closes, n > 0 ? n : 0);
}

void paysim_fail_queries(struct paysim *s, int n)
{
	atomic_store(&s->fail_queries, n > 0 ? n : 0);
}

/* Deliver what is due now. */
static void deliver_due(void *arg)
{
	struct paysim *s = arg;
	struct hubdb_notice due[NOTICE_BATCH];
	struct pay_order o;
	size_t n = 0, i;
	int64_t now = vclock_now_ms();

	if (hubdb_sim_notice_due(s->db, now, due, NOTICE_BATCH, &n))
		return;
	for (i = 0; i < n; i++) {
		int tries = due[i].attempts + 1;
		ca_err e = hubdb_sim_get(s->db, due[i].out_trade_no, &o, NULL);

		if (!e)
			e = s->notify(s->ctx, &o);
		now = vclock_now_ms();
		if (!e) {
			log_info(TAG, "notification %lld of %s (%s) delivered",
				 (long long)due[i].seq, o.out_trade_no, pay_state_id(o.state));
			(void)hubdb_sim_notice_mark(s->db, due[i].seq, due[i].attempts, now, now);
		} else if (tries >= PAYSIM_NOTIFY_TRIES) {
			log_error(TAG, "notification %lld of %s refused %d times: given up",
				  (long long)due[i].seq, due[i].out_trade_no, tries);
			(void)hubdb_sim_notice_mark(s->db, due[i].seq, tries, now, -1);
		} else {
			log_warn(TAG, "notification %lld of %s refused (%s): again in %d s",
				 (long long)due[i].seq, due[i].out_trade_no, ca_strerror(e),
				 PAYSIM_NOTIFY_RETRY_S * tries);
			(void)hubdb_sim_notice_mark(s->db, due[i].seq, tries,
						    now + (int64_t)PAYSIM_NOTIFY_RETRY_S * 1000 * tries,
						    0);
		}
	}
}

struct paysim *paysim_new(struct hubdb *db, pay_notify_fn fn, void *ctx)
{
	struct paysim *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->prov.name = "paysim";
	s->prov.create = sim_create;
	s->prov.query = sim_query;
	s->prov.close = sim_close;
	s->prov.refund = sim_refund;
	s->db = db;
	s->notify = fn;
	s->ctx = ctx;
	atomic_init(&s->fail_closes, 0);
	atomic_init(&s->fail_queries, 0);
	return s;
}

struct pay_provider *paysim_provider(struct paysim *s)
{
	return &s->prov;
}

ca_err paysim_start(struct paysim *s)
{
	if (s->started)
		return CA_OK;
	if (worker_every(&s->delivery, PAYSIM_TICK_MS, deliver_due, s) != 0)
		return CA_ERR_NOMEM;
	s->started = true;
	return CA_OK;
}

void paysim_free(struct paysim *s)
{
	if (!s)
		return;
	if (s->started)
		worker_stop(&s->delivery);
	free(s);
}
