/*
 * notify.c - the delivery thread (see notify.h).
 *
 * Where to start reading: run(), the thread's loop, then deliver().
 */
#include "notify.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../simkit/simclock.h"
#include "common/worker.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "hub/wxsign.h"
#include "wire.h"

#define TAG "notify"
#define LOOK_MS 100      /* the longest sleep: the clock file may move meanwhile */
#define BACKOFF_MS 1000  /* after the books failed */

const int notify_retry_s[NOTIFY_RETRIES] = {
	15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600
};

struct notifier {
	struct psim *ps;        /* the simulator */
	struct worker w;        /* the thread */
	atomic_bool kicked;     /* notifier_kick since the last look */
	int64_t retry_ms[NOTIFY_RETRIES]; /* the schedule, scaled */
	int64_t dup_ms;         /* NOTIFY_DUP_S, scaled */
};

char *notify_body(const struct book_order *o, void *ctx)
{
	struct psim *ps = ctx;
	char id[CA_UUID_LEN + 1], nonce[13], t[WIRE_TIME_MAX], *plain = NULL, *sealed = NULL;
	char *out = NULL;
	json_t *res = wire_order(o), *j = NULL;

	if (!res || uuid_v4(id) || wire_random(nonce, 12, false))
		goto out;
	plain = json_dumps(res, JSON_COMPACT);
	if (!plain || wxsign_encrypt((const char *)ps->cfg->apiv3_key, 32, nonce, "transaction",
				     plain, strlen(plain), &sealed))
		goto out;
	wire_time(o->success_ms ? o->success_ms : o->created_ms, t);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "id", id,
		      "create_time", t, "event_type", "TRANSACTION.SUCCESS",
		      "resource_type", "encrypt-resource", "summary", "支付成功",
		      "resource", "algorithm", "AEAD_AES_256_GCM", "original_type", "transaction",
		      "associated_data", "transaction", "nonce", nonce, "ciphertext", sealed);
	out = j ? json_dumps(j, JSON_COMPACT) : NULL;
out:
	json_decref(res);
	json_decref(j);
	free(plain);
	free(sealed);
	return out;
}

/* libcurl: the merchant's answer body is not kept. */
static size_t discard(char *d, size_t s, size_t m, void *ud)
{
	(void)d;
	(void)ud;
	return s * m;
}

/* libcurl: a stop cuts a delivery short. */
static int progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct notifier *nt = ud;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return atomic_load(&nt->w.stop) ? 1 : 0;
}

/* The signature of a delivery of n: the platform key's, or a probe's. */
static bool sign(struct notifier *nt, const struct book_notice *n, const char *ts,
		 const char *nonce, char sig[WXSIGN_SIG_MAX])
{
	char *msg = NULL, tail[65];
	bool ok;

	if (!strcmp(n->kind, "probe")) {
		if (wire_random(tail, 64, false))
			return false;
		snprintf(sig, WXSIGN_SIG_MAX, "%s%s", WXSIGN_PROBE, tail);
		return true;
	}
	ok = !wxsign_answer_message(ts, nonce, n->body, &msg) &&
	     !wxsign_sign(nt->ps->cfg->platform_key_pem, msg, strlen(msg), sig, NULL, 0);
	free(msg);
	return ok;
}

/* POST body with headers hl (taken) to url; the merchant's status (0:
 * none) and why into err. */
static int post(struct notifier *nt, const char *url, const char *body, struct curl_slist *hl,
		char *err, size_t errlen, bool *aborted)
{
	const struct psim_cfg *cfg = nt->ps->cfg;
	long status = 0;
	CURLcode rc;
	CURL *cu = curl_easy_init();

	if (!cu) {
		curl_slist_free_all(hl);
		snprintf(err, errlen, "libcurl could not start");
		return 0;
	}
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "Mozilla/4.0");
	if (cfg->notify_ca[0])
		curl_easy_setopt(cu, CURLOPT_CAINFO, cfg->notify_ca);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)PSIM_NOTIFY_TIMEOUT_MS);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(cu, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(cu, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(cu, CURLOPT_XFERINFODATA, nt);
	rc = curl_easy_perform(cu);
	if (rc == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	*aborted = rc == CURLE_ABORTED_BY_CALLBACK;
	curl_slist_free_all(hl);
	curl_easy_cleanup(cu);
	return (int)status;
}

/* The bank gateway's back notification n: its body is the signed form,
 * made at the payment (gateway.c), sent as it is. */
static int deliver_form(struct notifier *nt, const struct book_notice *n, char *err,
			size_t errlen, bool *aborted)
{
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/"
						  "x-www-form-urlencoded;charset=UTF-8");

	return post(nt, n->url, n->body, hl, err, errlen, aborted);
}

/* POST n to its url; the merchant's status (0: none) and why into err. */
static int deliver(struct notifier *nt, const struct book_notice *n, char *err, size_t errlen,
		   bool *aborted)
{
	const struct psim_cfg *cfg = nt->ps->cfg;
	char ts[24], nonce[33], rid[33], sig[WXSIGN_SIG_MAX], h[6][WXSIGN_SIG_MAX + 40];
	struct curl_slist *hl = NULL;
	int i;

	*aborted = false;
	err[0] = '\0';
	if (!strcmp(n->kind, "bank"))
		return deliver_form(nt, n, err, errlen, aborted);
	snprintf(ts, sizeof(ts), "%lld", (long long)(simclock_now_ms() / 1000));
	if (wire_random(nonce, 32, false) || wire_random(rid, 32, false) ||
	    !sign(nt, n, ts, nonce, sig)) {
		snprintf(err, errlen, "the notification could not be signed");
		return 0;
	}
	snprintf(h[0], sizeof(h[0]), "Wechatpay-Timestamp: %s", ts);
	snprintf(h[1], sizeof(h[1]), "Wechatpay-Nonce: %s", nonce);
	snprintf(h[2], sizeof(h[2]), "Wechatpay-Signature: %s", sig);
	snprintf(h[3], sizeof(h[3]), "Wechatpay-Serial: %s", cfg->platform_id);
	snprintf(h[4], sizeof(h[4]), "Wechatpay-Signature-Type: %s", WXSIGN_SCHEME);
	snprintf(h[5], sizeof(h[5]), "Request-ID: %s", rid);
	for (i = 0; i < 6; i++)
		hl = curl_slist_append(hl, h[i]);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	return post(nt, n->url, n->body, hl, err, errlen, aborted);
}

/* Send what is due; how long to wait before looking again. */
static int64_t look(struct notifier *nt)
{
	struct book_notice n;
	char err[CURL_ERROR_SIZE];
	int64_t now = simclock_now_ms(), next = INT64_MAX;
	bool found = false, aborted;
	int status;

	if (books_notice_due(nt->ps->books, now, atomic_load(&nt->ps->notify_hold),
			     atomic_load(&nt->ps->bank_notify_hold), &n, &found, &next))
		return BACKOFF_MS;
	if (!found)
		return next - now < LOOK_MS ? (next - now > 0 ? next - now : 0) : LOOK_MS;
	status = deliver(nt, &n, err, sizeof(err), &aborted);
	if (!aborted) {
		log_msg(status == 200 || status == 204 ? LOG_INFO : LOG_WARN, TAG,
			"%s of %s, attempt %d -> %d%s%s", n.kind, n.out_trade_no, n.attempts + 1,
			status, err[0] ? " " : "", err);
		if (books_notice_done(nt->ps->books, &n, simclock_now_ms(), status, err,
				      nt->retry_ms, NOTIFY_RETRIES, nt->dup_ms)) {
			free(n.body);
			return BACKOFF_MS;
		}
	}
	free(n.body);
	return 0;
}

static void *run(void *arg)
{
	struct notifier *nt = arg;
	struct timespec dl;
	int64_t wait_ms;

	while (!atomic_load(&nt->w.stop)) {
		wait_ms = look(nt);
		if (!wait_ms)
			continue;
		pthread_mutex_lock(&nt->w.mu);
		dl = ca_mono_after(wait_ms);
		while (!atomic_load(&nt->w.stop) && !atomic_load(&nt->kicked) &&
		       pthread_cond_timedwait(&nt->w.cv, &nt->w.mu, &dl) == 0)
			;
		atomic_store(&nt->kicked, false);
		pthread_mutex_unlock(&nt->w.mu);
	}
	return NULL;
}

ca_err notifier_start(struct psim *ps, struct notifier **out, char *err, size_t n)
{
	struct notifier *nt = calloc(1, sizeof(*nt));
	int i, rc;

	*out = NULL;
	if (!nt)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	nt->ps = ps;
	for (i = 0; i < NOTIFY_RETRIES; i++)
		nt->retry_ms[i] = (int64_t)notify_retry_s[i] * 1000 / ps->cfg->time_scale;
	nt->dup_ms = (int64_t)NOTIFY_DUP_S * 1000 / ps->cfg->time_scale;
	atomic_init(&nt->kicked, false);
	rc = worker_start(&nt->w, run, nt);
	if (rc) {
		free(nt);
		return ca_fail(CA_ERR_IO, err, n, "the delivery thread could not start (%d)", rc);
	}
	*out = nt;
	return CA_OK;
}

void notifier_kick(struct notifier *nt)
{
	worker_raise(&nt->w, &nt->kicked);
}

void notifier_stop(struct notifier *nt)
{
	if (!nt)
		return;
	worker_stop(&nt->w);
	free(nt);
}
