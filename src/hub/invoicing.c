/*
 * invoicing.c - e-invoices through the tax platform (see invoicing.h).
 *
 * Where to start reading: hubinv_owe_blue() (what an action writes), then
 * settle() (what the worker does with one owed invoice).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/worker.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/utf8.h"
#include "hub.h"
#include "invoicing.h"
#include "taxplat.h"
#include "vclock.h"

#define TAG "invoice"

struct hubinv {
	struct hub *hub;               /* borrowed */
	struct taxplat *tp;            /* the configured platform, owned; NULL: none */
	struct tax_provider *prov;     /* who answers; NULL: nobody */
	pthread_mutex_t run_mu;        /* one hubinv_run at a time */
	struct worker w;
	bool started;
	bool told_none;                /* "no platform" logged once */
};

ca_err hubinv_new(struct hub *hub, struct hubinv **out)
{
	struct hubinv *hi = calloc(1, sizeof(*hi));
	char err[TAXPLAT_ERR_MAX];

	*out = NULL;
	if (!hi)
		return CA_ERR_NOMEM;
	hi->hub = hub;
	if (hub->cfg.tax_url[0]) {
		if (taxplat_new(&hub->cfg, &hi->tp, err, sizeof(err))) {
			log_error(TAG, "%s", err);
			free(hi);
			return CA_ERR_CONFIG;
		}
		hi->prov = taxplat_provider(hi->tp);
		log_info(TAG, "e-invoices through the tax platform at %s", hub->cfg.tax_url);
	} else {
		log_warn(TAG, "no [taxplat]: owed e-invoices wait until a tax platform is "
			 "configured");
	}
	pthread_mutex_init(&hi->run_mu, NULL);
	*out = hi;
	return CA_OK;
}

static void tick(void *arg)
{
	hubinv_run(arg);
}

ca_err hubinv_start(struct hubinv *hi)
{
	if (hi->started)
		return CA_OK;
	if (worker_every(&hi->w, HUBINV_TICK_MS, tick, hi) != 0)
		return CA_ERR_NOMEM;
	hi->started = true;
	return CA_OK;
}

void hubinv_free(struct hubinv *hi)
{
	if (!hi)
		return;
	if (hi->started)
		worker_stop(&hi->w);
	taxplat_free(hi->tp);
	pthread_mutex_destroy(&hi->run_mu);
	free(hi);
}

void hubinv_use_provider(struct hubinv *hi, struct tax_provider *p)
{
	hi->prov = p;
}

/* ---- owing ---- */

/* The request id of app's invoice kind: the same for every try. */
static void request_id(const char *app_id, enum einv_kind kind,
		       char out[EINV_REQUEST_ID_MAX + 1])
{
	snprintf(out, EINV_REQUEST_ID_MAX + 1, "%s-%.36s", kind == EINV_RED ? "R" : "B", app_id);
}

ca_err hubinv_owe_blue(struct hub *hub, const struct ca_app *app, int64_t rev, int64_t now_ms)
{
	char id[EINV_REQUEST_ID_MAX + 1];

	request_id(app->id, EINV_BLUE, id);
	return hubdb_invoice_request(hub->db, app->id, app->account, EINV_BLUE, id, NULL, rev,
				     now_ms);
}

ca_err hubinv_owe_red(struct hub *hub, const struct ca_app *app, const char *reason,
		      int64_t now_ms)
{
	struct hubdb_invoice blue;
	char id[EINV_REQUEST_ID_MAX + 1];
	int64_t rev;
	ca_err e = hubdb_invoice_get(hub->db, app->id, EINV_BLUE, &blue);

	if (e == CA_ERR_NOT_FOUND || (!e && blue.state == HUBDB_INV_FAILED))
		return CA_OK; /* nothing was invoiced: nothing to reverse */
	if (!e)
		e = hubdb_rev_next(hub->db, &rev);
	if (e)
		return e;
	request_id(app->id, EINV_RED, id);
	return hubdb_invoice_request(hub->db, app->id, app->account, EINV_RED, id, reason, rev,
				     now_ms);
}

/* ---- asking the platform ---- */

/* The blue invoice app is owed under request id rid, as the platform is
 * asked for it. */
static void blue_request(const struct hubcfg *c, const struct ca_app *app, const char *rid,
			 struct einv_request *r)
{
	struct einv_item_req *it = &r->items[0];

	memset(r, 0, sizeof(*r));
	snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
	/* 100 characters fit unless they take 4 bytes each: then cut at one */
	utf8_copy(r->buyer_name, sizeof(r->buyer_name), app->company, CA_COMPANY_MAX);
	snprintf(r->buyer_tax_id, sizeof(r->buyer_tax_id), "%s", app->uscc);
	snprintf(it->name, sizeof(it->name), "%s", c->invoice_item);
	snprintf(it->spec, sizeof(it->spec), "%s（%s）", msg(ca_cert_type_msg(app->cert_type)),
		 msg(ca_business_msg(app->business)));
	snprintf(it->unit, sizeof(it->unit), "个");
	it->quantity = 1 + app->sub_keys;
	it->total_fen = app->amount_fen;
	it->rate_pct = c->invoice_rate_pct;
	r->nitems = 1;
	snprintf(r->remarks, sizeof(r->remarks), "申请编号：%s", app->id);
	utf8_copy(r->issuer, sizeof(r->issuer), c->invoice_issuer, HUBCFG_ISSUER_MAX);
}

/* Store what the platform said of row: issued (inv, xml) or refused (why),
 * each with a new revision for the feed. */
static ca_err store(struct hubinv *hi, const struct hubdb_invoice *row, ca_err said,
		    const struct einvoice *inv, const char *xml, size_t xml_len, const char *why)
{
	struct hubdb *db = hi->hub->db;
	json_t *j = said ? NULL : einvoice_json(inv);
	char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int64_t rev;
	ca_err e;

	json_decref(j);
	if (!said && !data)
		return CA_ERR_NOMEM;
	e = hubdb_begin(db);
	if (!e)
		e = hubdb_rev_next(db, &rev);
	if (!e && !said)
		e = hubdb_invoice_issued(db, row->app_id, row->kind, inv, data, xml, xml_len, rev);
	else if (!e)
		e = hubdb_invoice_failed(db, row->app_id, row->kind, why, rev);
	e = e ? (hubdb_rollback(db), e) : hubdb_commit(db);
	free(data);
	return e;
}

/* Ask the platform for one owed invoice and store the answer. */
static void settle(struct hubinv *hi, const struct hubdb_invoice *row)
{
	struct hub *hub = hi->hub;
	struct {
		struct ca_app app;
		struct einv_request req;
		struct einvoice inv;
		struct hubdb_invoice blue;
	} *w = malloc(sizeof(*w));
	char why[TAXPLAT_ERR_MAX] = "", *xml = NULL;
	size_t xml_len = 0;
	int64_t delay;
	ca_err e;

	if (!w)
		return;
	e = hubdb_app_get(hub->db, row->app_id, &w->app);
	if (e)
		goto out; /* gone with its application, or the store failing: later */
	if (row->kind == EINV_RED) {
		e = hubdb_invoice_get(hub->db, row->app_id, EINV_BLUE, &w->blue);
		if (e || w->blue.state == HUBDB_INV_PENDING)
			goto out; /* the blue one first */
		if (w->blue.state == HUBDB_INV_FAILED) {
			(void)store(hi, row, CA_ERR_FORBIDDEN, NULL, NULL, 0,
				    "the blue invoice was never issued");
			goto out;
		}
		e = hi->prov->reverse(hi->prov, row->request_id, w->blue.number, row->reason,
				      &w->inv, &xml, &xml_len, why, sizeof(why));
	} else {
		blue_request(&hub->cfg, &w->app, row->request_id, &w->req);
		e = hi->prov->issue(hi->prov, &w->req, &w->inv, &xml, &xml_len, why, sizeof(why));
	}
	if (!e || e == CA_ERR_FORBIDDEN || e == CA_ERR_CONFLICT) {
		ca_err s = store(hi, row, e, &w->inv, xml, xml_len, why[0] ? why : ca_strerror(e));

		if (s)
			log_error(TAG, "%s invoice of %s: answered but not stored (%s); asked "
				  "again later", row->kind == EINV_RED ? "red" : "blue", row->app_id,
				  ca_strerror(s));
		else if (!e)
			log_info(TAG, "%s invoice %s of %s issued", row->kind == EINV_RED ? "red"
				 : "blue", w->inv.number, row->app_id);
		else
			log_warn(TAG, "%s invoice of %s refused by the platform: %s",
				 row->kind == EINV_RED ? "red" : "blue", row->app_id, why);
		goto out;
	}
	delay = (int64_t)HUBINV_RETRY_FIRST_MS << (row->tries < 8 ? row->tries : 8);
	if (delay > HUBINV_RETRY_MAX_MS)
		delay = HUBINV_RETRY_MAX_MS;
	log_warn(TAG, "%s invoice of %s: no answer from the platform (%s); again in %lld ms",
		 row->kind == EINV_RED ? "red" : "blue", row->app_id, why[0] ? why : ca_strerror(e),
		 (long long)delay);
	(void)hubdb_invoice_retry(hub->db, row->app_id, row->kind, row->tries + 1,
				  vclock_now_ms() + delay, why[0] ? why : ca_strerror(e));
out:
	free(xml);
	free(w);
}

void hubinv_run(struct hubinv *hi)
{
	struct hubdb_invoice *due = malloc(HUBINV_BATCH * sizeof(*due));
	size_t n = 0, i;

	if (!due)
		return;
	pthread_mutex_lock(&hi->run_mu);
	if (!hubdb_invoice_due(hi->hub->db, vclock_now_ms(), due, HUBINV_BATCH, &n) && n) {
		if (!hi->prov) {
			if (!hi->told_none)
				log_error(TAG, "%zu e-invoice(s) owed, but no [taxplat] is configured",
					  n);
			hi->told_none = true;
		} else {
			for (i = 0; i < n; i++)
				settle(hi, &due[i]);
		}
	}
	pthread_mutex_unlock(&hi->run_mu);
	free(due);
}
