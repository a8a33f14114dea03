/*
 * sms_gw.c - the "gateway" SMS provider: one HTTPS POST per message to an
 * SMS gateway of the Aliyun / Tencent Cloud kind (docs/hub.md, SMS gateway,
 * has the wire format and every answer).
 *
 * A send is one message with one request id (a UUID the gateway keeps as an
 * idempotency key): every try of it carries the same body, so a try that
 * reaches a gateway which already took the message gets the first answer
 * back, and the phone one message. A try is made again only when the
 * message certainly was not taken (no connection, or an answer that says
 * "not accepted": InternalError, ServiceUnavailable, Throttled) or when no
 * answer came (a timeout after the request went out: the same id makes it
 * harmless). At most GW_TRIES tries and 2 * [sms] timeout_ms in all: a
 * worker thread of the server waits for the send.
 *
 * Each try is signed afresh (timestamp, nonce) with HMAC-SHA256 over
 *
 *   "SMS1-HMAC-SHA256\n" "POST\n" PATH "\n" TIMESTAMP "\n" NONCE "\n"
 *   hex(SHA-256(body))
 *
 * keyed with the secret of [sms] secret_file. Log lines are English, the
 * phone masked; the code is never logged.
 *
 * Where to start reading: gw_send().
 */
#include "sms.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/uuid.h"
#include "core/version.h"
#include "hubcfg.h"
#include "secretfile.h"

#define TAG "sms"
#define GW_SCHEME "SMS1-HMAC-SHA256"
#define GW_TRIES 3          /* tries of one message at most */
#define GW_BACKOFF_MS 250   /* wait before try n+1: n times this */
#define GW_MIN_TRY_MS 50    /* a try needs at least this much time left */
#define GW_ANSWER_MAX 8192  /* longest answer body read */
#define GW_BODY_MAX 1024    /* longest request body */
#define GW_SECRET_MIN 16    /* shortest secret accepted, bytes */

/* What the gateway's answer means for the send. */
enum gw_next {
	GW_FINAL, /* the answer stands: the message was taken, or never will be */
	GW_RETRY, /* not accepted this time: another try may be taken */
};

/* One code of the gateway's answers. */
struct gw_code {
	const char *code;  /* the answer's "code" */
	ca_err err;        /* what send returns */
	enum gw_next next; /* whether to try again */
	const char *means; /* for the log */
};

static const struct gw_code gw_codes[] = {
	{ "OK", CA_OK, GW_FINAL, "accepted" },
	{ "InvalidPhone", CA_ERR_INVALID, GW_FINAL,
	  "the gateway cannot deliver to this number" },
	{ "RateLimited", CA_ERR_LIMITED, GW_FINAL,
	  "the gateway's limit of messages to this phone is reached" },
	{ "Throttled", CA_ERR_UNAVAILABLE, GW_RETRY,
	  "too many requests of this account just now; not accepted" },
	{ "QuotaExceeded", CA_ERR_UNAVAILABLE, GW_FINAL,
	  "the account's SMS quota or balance is used up: top it up with the provider" },
	{ "TemplateNotFound", CA_ERR_CONFIG, GW_FINAL,
	  "[sms] template_id is not a template approved for this account" },
	{ "SignNameNotFound", CA_ERR_CONFIG, GW_FINAL,
	  "[sms] sign_name is not a signature approved for this account" },
	{ "InvalidAccessKey", CA_ERR_CONFIG, GW_FINAL,
	  "[sms] access_key_id is unknown to the gateway or disabled" },
	{ "SignatureMismatch", CA_ERR_CONFIG, GW_FINAL,
	  "the gateway finds another signature: [sms] secret_file does not hold the "
	  "secret of access_key_id" },
	{ "TimestampExpired", CA_ERR_CONFIG, GW_FINAL,
	  "the gateway finds our timestamp too far from its clock: check the hub's clock" },
	{ "NonceReused", CA_ERR_UNAVAILABLE, GW_RETRY,
	  "the gateway saw this try's nonce before; not accepted" },
	{ "BadRequest", CA_ERR_UNAVAILABLE, GW_FINAL,
	  "the gateway cannot read our request (a fault of the hub: report it)" },
	{ "IdempotencyConflict", CA_ERR_UNAVAILABLE, GW_FINAL,
	  "the gateway holds another message under this request id" },
	{ "InternalError", CA_ERR_UNAVAILABLE, GW_RETRY,
	  "the gateway failed inside; not accepted" },
	{ "ServiceUnavailable", CA_ERR_UNAVAILABLE, GW_RETRY,
	  "the gateway is not taking messages for now; not accepted" },
};

/* The provider: the interface first, then what every send needs. */
struct gw {
	struct sms_provider p;                  /* the interface (sms.h) */
	char url[HUBCFG_PATH_MAX + 1];          /* [sms] url */
	char path[HUBCFG_PATH_MAX + 1];         /* url's path (and query): what is signed */
	char key_id[HUBCFG_SMS_ID_MAX + 1];     /* [sms] access_key_id */
	char secret[SIGN_SECRET_MAX + 1];       /* the secret of [sms] secret_file */
	char sign_name[4 * HUBCFG_SMS_SIGN_MAX + 1]; /* [sms] sign_name */
	char template_id[HUBCFG_SMS_ID_MAX + 1]; /* [sms] template_id */
	char ca_file[HUBCFG_PATH_MAX + 1];      /* [sms] ca_file, "" = the system's */
	int timeout_ms;                         /* [sms] timeout_ms: one try's limit */
};

/* One try's answer as read. */
struct gw_answer {
	char body[GW_ANSWER_MAX + 1]; /* the answer's body, NUL-terminated */
	size_t len;                   /* bytes in body */
	bool over;                    /* the body was longer than GW_ANSWER_MAX */
};

/* libcurl's write callback: keep the answer's body up to its cap. */
static size_t gw_keep(char *data, size_t size, size_t nmemb, void *user)
{
	struct gw_answer *a = user;
	size_t n = size * nmemb;

	if (n > GW_ANSWER_MAX - a->len) {
		a->over = true;
		return 0; /* libcurl ends the transfer */
	}
	memcpy(a->body + a->len, data, n);
	a->len += n;
	a->body[a->len] = '\0';
	return n;
}

/* The code table's row for code, or NULL. */
static const struct gw_code *gw_code_find(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(gw_codes) / sizeof(gw_codes[0]); i++)
		if (!strcmp(gw_codes[i].code, code))
			return &gw_codes[i];
	return NULL;
}

/* The four signature headers of one try over body into *list (appended). */
static ca_err gw_sign(const struct gw *g, const char *body, struct curl_slist **list)
{
	char canon[HUBCFG_PATH_MAX + 256], nonce[SIGN_NONCE_LEN + 1];
	char body_hex[SIGN_HEX_LEN + 1], sig[SIGN_HEX_LEN + 1], h[HUBCFG_SMS_ID_MAX + 64];
	long long ts = (long long)(ca_wall_ms() / 1000);
	struct curl_slist *l = *list;
	int n;

	if (sign_nonce(nonce))
		return CA_ERR_IO;
	sign_sha256_hex(body, strlen(body), body_hex);
	n = snprintf(canon, sizeof(canon), "%s\nPOST\n%s\n%lld\n%s\n%s", GW_SCHEME, g->path, ts,
		     nonce, body_hex);
	if (n < 0 || (size_t)n >= sizeof(canon) ||
	    sign_hmac_hex(g->secret, strlen(g->secret), canon, (size_t)n, sig))
		return CA_ERR_ARG;
	snprintf(h, sizeof(h), "X-Sms-Key-Id: %s", g->key_id);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), "X-Sms-Timestamp: %lld", ts);
	l = l ? curl_slist_append(l, h) : NULL;
	snprintf(h, sizeof(h), "X-Sms-Nonce: %s", nonce);
	l = l ? curl_slist_append(l, h) : NULL;
	snprintf(h, sizeof(h), "X-Sms-Signature: %s", sig);
	l = l ? curl_slist_append(l, h) : NULL;
	explicit_bzero(canon, sizeof(canon));
	if (!l)
		return CA_ERR_NOMEM;
	*list = l;
	return CA_OK;
}

/* The result of one try. */
struct gw_try {
	ca_err err;       /* what send would return after this try */
	bool retry;       /* another try may be taken */
	bool maybe_sent;  /* no final answer: the message may have gone out */
	bool answered;    /* the gateway answered with a code of gw_codes[] */
	int retry_after;  /* RateLimited: the gateway's retry_after, s */
	char why[256];    /* for the log */
};

/* Read the gateway's answer (status, body) into t. */
static void gw_read_answer(long status, const struct gw_answer *a, struct gw_try *t)
{
	json_t *j = a->over ? NULL : json_loadb(a->body, a->len, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "code"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	const char *mid = json_string_value(json_object_get(j, "message_id"));
	json_t *ra = json_object_get(j, "retry_after");
	const struct gw_code *c = code ? gw_code_find(code) : NULL;

	if (c) {
		t->answered = true;
		t->err = c->err;
		t->retry = c->next == GW_RETRY;
		if (json_is_integer(ra) && json_integer_value(ra) > 0 &&
		    json_integer_value(ra) <= 86400)
			t->retry_after = (int)json_integer_value(ra);
		snprintf(t->why, sizeof(t->why), "HTTP %ld %.40s%s%.24s: %s%s%.60s%s", status,
			 c->code, mid ? " " : "", mid ? mid : "", c->means, msg ? " (\"" : "",
			 msg ? msg : "", msg ? "\")" : "");
	} else if (status >= 400 && status < 500) {
		/* Refused, for a reason this hub does not know: not taken. */
		t->err = CA_ERR_UNAVAILABLE;
		snprintf(t->why, sizeof(t->why), "HTTP %ld, unknown answer code '%.40s'", status,
			 code ? code : "");
	} else {
		/* 2xx or 5xx without a code this hub knows (a proxy's error page):
		 * whether the gateway took the message is unknown. */
		t->err = CA_ERR_UNAVAILABLE;
		t->retry = true;
		t->maybe_sent = true;
		snprintf(t->why, sizeof(t->why), "HTTP %ld, %s", status, a->over ?
			 "answer too long" : code ? "unknown answer code" : "no answer code");
	}
	json_decref(j);
}

/* One signed POST of body within ms; its result into t. */
static void gw_try(const struct gw *g, CURL *c, const char *body, long ms, struct gw_try *t)
{
	struct curl_slist *hdr = NULL;
	struct gw_answer *a = calloc(1, sizeof(*a));
	long status = 0, sent = 0;
	CURLcode rc;

	memset(t, 0, sizeof(*t));
	t->err = CA_ERR_UNAVAILABLE;
	hdr = curl_slist_append(NULL, "Content-Type: application/json");
	hdr = hdr ? curl_slist_append(hdr, "Expect:") : NULL; /* no 100-continue round */
	if (!a || !hdr || gw_sign(g, body, &hdr)) {
		snprintf(t->why, sizeof(t->why), "cannot make the request (memory or randomness)");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent);
	if (rc == CURLE_OK) {
		gw_read_answer(status, a, t);
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
		   rc == CURLE_SSL_CERTPROBLEM) {
		t->err = CA_ERR_CONFIG;
		snprintf(t->why, sizeof(t->why), "the gateway's certificate is not trusted (%s; "
			 "[sms] ca_file?)", curl_easy_strerror(rc));
	} else if (rc == CURLE_WRITE_ERROR && a->over) {
		gw_read_answer(status, a, t);
	} else {
		/* No answer. Nothing went out when libcurl sent no byte of the
		 * request (no connection, no TLS); else the gateway may have
		 * taken it: the next try with the same request id tells. */
		t->retry = true;
		t->maybe_sent = sent > 0;
		snprintf(t->why, sizeof(t->why), "no answer: %s (%s)", curl_easy_strerror(rc),
			 sent > 0 ? "the request went out" : "nothing was sent");
	}
out:
	curl_slist_free_all(hdr);
	free(a);
}

/* The request body of one message into out (size n). */
static ca_err gw_body(const struct gw *g, const char *request_id, const char *phone,
		      const char *code, char *out, size_t n)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "request_id", request_id,
			      "phone", phone, "sign_name", g->sign_name, "template_id",
			      g->template_id, "template_params", "code", code);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	ca_err e = CA_OK;

	json_decref(j);
	if (!s)
		return CA_ERR_NOMEM;
	if (strlen(s) >= n)
		e = CA_ERR_TOO_LONG;
	else
		memcpy(out, s, strlen(s) + 1);
	explicit_bzero(s, strlen(s));
	free(s);
	return e;
}

/* The send of sms.h: tries until an answer stands, the tries are spent
 * or the time is up (see the top of the file). */
static ca_err gw_send(struct sms_provider *p, const char *phone, const char *code,
		      struct sms_outcome *out)
{
	struct gw *g = (struct gw *)p;
	char id[CA_UUID_LEN + 1], body[GW_BODY_MAX], m[MASK_BUF], ua[64];
	int64_t deadline = ca_mono_ms() + 2 * (int64_t)g->timeout_ms, left;
	struct gw_try t = { .err = CA_ERR_UNAVAILABLE, .why = "no time for a try" };
	CURL *c = NULL;
	bool maybe = false;
	int n = 0;

	memset(out, 0, sizeof(*out));
	mask_phone(phone, m, sizeof(m));
	if (uuid_v4(id) || gw_body(g, id, phone, code, body, sizeof(body))) {
		log_error(TAG, "gateway: cannot make the message for %s", m);
		return CA_ERR_UNAVAILABLE;
	}
	c = curl_easy_init();
	if (!c) {
		log_error(TAG, "gateway: curl_easy_init failed");
		goto out;
	}
	snprintf(ua, sizeof(ua), "ca-hub/%s", ca_version());
	curl_easy_setopt(c, CURLOPT_URL, g->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gw_keep);
	if (g->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, g->ca_file);
	while (n < GW_TRIES) {
		left = deadline - ca_mono_ms();
		if (left < GW_MIN_TRY_MS)
			break;
		n++;
		gw_try(g, c, body, (long)(left < g->timeout_ms ? left : g->timeout_ms), &t);
		/* A try without an answer may have delivered the message; a later
		 * answer of the gateway's for the same request id settles it. */
		if (t.maybe_sent)
			maybe = true;
		else if (t.answered)
			maybe = false;
		if (!t.retry)
			break;
		log_warn(TAG, "gateway: try %d of %d for %s (request %s): %s", n, GW_TRIES, m, id,
			 t.why);
		left = deadline - ca_mono_ms();
		if (n < GW_TRIES && left > GW_BACKOFF_MS * n + GW_MIN_TRY_MS)
			ca_sleep_ms(GW_BACKOFF_MS * n);
	}
	if (t.err == CA_OK)
		log_info(TAG, "gateway: message to %s accepted (request %s, try %d): %s", m, id, n,
			 t.why);
	else if (!t.retry)
		log_msg(t.err == CA_ERR_INVALID || t.err == CA_ERR_LIMITED ? LOG_WARN : LOG_ERROR,
			TAG, "gateway: message to %s refused (request %s, try %d): %s", m, id, n,
			t.why);
	else
		log_error(TAG, "gateway: message to %s not delivered after %d tries in %d ms "
			  "(request %s)%s: %s", m, n, 2 * g->timeout_ms, id,
			  maybe ? "; it may still arrive" : "", t.why);
out:
	curl_easy_cleanup(c);
	explicit_bzero(body, sizeof(body));
	out->maybe_sent = t.err != CA_OK && maybe;
	out->retry_after_s = t.retry_after;
	return t.err;
}

static void gw_destroy(struct sms_provider *p)
{
	struct gw *g = (struct gw *)p;

	explicit_bzero(g->secret, sizeof(g->secret));
	free(g);
}

ca_err sms_gw_open(const struct hubcfg *c, struct sms_provider **out, char *err, size_t n)
{
	struct gw *g = calloc(1, sizeof(*g));
	const char *slash;
	ca_err e;

	*out = NULL;
	if (!g)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	g->p.name = "gateway";
	g->p.send = gw_send;
	g->p.destroy = gw_destroy;
	snprintf(g->url, sizeof(g->url), "%s", c->sms_url);
	slash = strchr(c->sms_url + strlen("https://"), '/');
	snprintf(g->path, sizeof(g->path), "%s", slash ? slash : "/");
	snprintf(g->key_id, sizeof(g->key_id), "%s", c->sms_key_id);
	snprintf(g->sign_name, sizeof(g->sign_name), "%s", c->sms_sign_name);
	snprintf(g->template_id, sizeof(g->template_id), "%s", c->sms_template_id);
	snprintf(g->ca_file, sizeof(g->ca_file), "%s", c->sms_ca_file);
	g->timeout_ms = c->sms_timeout_ms;
	e = secretfile_read("[sms] secret_file", c->sms_secret_file, GW_SECRET_MIN,
			    SIGN_SECRET_MAX, g->secret, sizeof(g->secret), err, n);
	if (e) {
		gw_destroy(&g->p);
		return e;
	}
	log_info(TAG, "gateway %s, key %s, template %s, %d ms a try (%d tries in %d ms at most)",
		 g->url, g->key_id, g->template_id, g->timeout_ms, GW_TRIES, 2 * g->timeout_ms);
	*out = &g->p;
	return CA_OK;
}
