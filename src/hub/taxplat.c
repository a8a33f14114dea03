/*
 * taxplat.c - the tax platform's direct-connect interface as the hub's
 * tax provider (see taxplat.h; the wire contract is docs/taxsim.md).
 *
 * Where to start reading: call(), the one round trip (sign, send, check
 * the answer's signature), then tp_issue() and read_invoice(), which
 * believes nothing of an invoice it has not checked.
 */
#include "taxplat.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bodybuf.h"
#include "core/cst.h"
#include "core/log.h"
#include "core/pay.h"
#include "core/utf8.h"
#include "core/valid.h"
#include "core/version.h"
#include "secretfile.h"
#include "vclock.h"

#define TAG "taxplat"
#define TARGET_MAX 96                /* a request's path below the base */
#define PRICE_MAX 10                 /* digits before a unit price's point */
#define PRICE_DECIMALS 8             /* and after it, at most */
#define AMOUNT_MAX 1000000000000LL   /* fen: no line or invoice is larger */
#define QUANTITY_MAX 1000000000LL    /* no line has more */
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

struct taxplat {
	struct tax_provider prov;          /* first: the interface hands it back */
	const struct hubcfg *cfg;          /* [taxplat], borrowed (the hub's) */
	char base[HUBCFG_URL_MAX + 1];     /* the path of [taxplat] url ("" or "/x") */
	char secret[SIGN_SECRET_MAX + 1];  /* the app secret, wiped at free */
};

/* One answer: status, the X-Tax-* headers, the body. */
struct answer {
	long status;
	char app[HUBCFG_TAX_APP_ID_MAX + 1];
	char ts[24], nonce[72], sig[SIGN_HEX_LEN + 1];
	char *body;       /* NUL-terminated, "" when none */
	size_t len;       /* bytes in body */
	bool too_long;    /* past TAXPLAT_ANSWER_MAX */
};

/* ---- signing ---- */

ca_err taxplat_sign(const char *secret, const char *head, const char *subject, int64_t ts,
		    const char *nonce, const void *body, size_t len,
		    char out[SIGN_HEX_LEN + 1])
{
	size_t room = strlen(head) + strlen(subject) + strlen(nonce) + 32, n;
	char *msg;
	int pre;
	ca_err e;

	if (strpbrk(head, "\r\n") || strpbrk(subject, "\r\n") || strpbrk(nonce, "\r\n"))
		return CA_ERR_ARG;
	msg = malloc(room + len);
	if (!msg)
		return CA_ERR_NOMEM;
	pre = snprintf(msg, room, "%s\n%s\n%lld\n%s\n", head, subject, (long long)ts, nonce);
	n = (size_t)pre + len;
	if (len)
		memcpy(msg + pre, body, len);
	e = sign_hmac_hex(secret, strlen(secret), msg, n, out);
	explicit_bzero(msg, n);
	free(msg);
	return e;
}

/* ---- the platform ---- */

ca_err taxplat_new(const struct hubcfg *c, struct taxplat **out, char *err, size_t errlen)
{
	struct taxplat *t;
	const char *slash;
	ca_err e;

	*out = NULL;
	if (!c->tax_url[0])
		return ca_fail(CA_ERR_CONFIG, err, errlen, "[taxplat] url is not set");
	t = calloc(1, sizeof(*t));
	if (!t)
		return ca_fail(CA_ERR_NOMEM, err, errlen, "out of memory");
	t->cfg = c;
	slash = strchr(c->tax_url + strlen("https://"), '/');
	snprintf(t->base, sizeof(t->base), "%s", slash ? slash : "");
	e = secretfile_read("[taxplat] secret_file", c->tax_secret_file, TAXPLAT_SECRET_MIN,
			    SIGN_SECRET_MAX, t->secret, sizeof(t->secret), err, errlen);
	if (e) {
		taxplat_free(t);
		return e;
	}
	t->prov = *taxplat_provider(NULL);
	log_info(TAG, "tax platform %s, app %s, seller %s, %d ms a call", c->tax_url,
		 c->tax_app_id, c->tax_seller_id, c->tax_timeout_ms);
	*out = t;
	return CA_OK;
}

void taxplat_free(struct taxplat *t)
{
	if (!t)
		return;
	explicit_bzero(t->secret, sizeof(t->secret));
	free(t);
}

/* ---- one round trip ---- */

static size_t on_body(char *d, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;

	if (bodybuf_append(&a->body, &a->len, d, size * n, TAXPLAT_ANSWER_MAX)) {
		a->too_long = true;
		return 0;
	}
	return size * n;
}

/* Copy header line d (len bytes) into out when it is "name: value"; a
 * value too long for out is no value. */
static void take_header(const char *d, size_t len, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);

	if (len <= nl + 1 || strncasecmp(d, name, nl) || d[nl] != ':')
		return;
	d += nl + 1;
	len -= nl + 1;
	while (len && (*d == ' ' || *d == '\t'))
		d++, len--;
	while (len && (d[len - 1] == '\r' || d[len - 1] == '\n' || d[len - 1] == ' '))
		len--;
	if (len >= n)
		len = 0;
	memcpy(out, d, len);
	out[len] = '\0';
}

static size_t on_header(char *d, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;

	take_header(d, len, TAXPLAT_H_APP, a->app, sizeof(a->app));
	take_header(d, len, TAXPLAT_H_TIMESTAMP, a->ts, sizeof(a->ts));
	take_header(d, len, TAXPLAT_H_NONCE, a->nonce, sizeof(a->nonce));
	take_header(d, len, TAXPLAT_H_SIGNATURE, a->sig, sizeof(a->sig));
	return len;
}

/* Whether a is the platform's answer to the request that carried nonce:
 * signed with the app secret, for this app, within TAXPLAT_SKEW_S. */
static ca_err check_answer(const struct taxplat *t, const struct answer *a, const char *nonce,
			   char *err, size_t errlen)
{
	char want[SIGN_HEX_LEN + 1], status[8], *end;
	long long ts;

	if (!a->sig[0] || !a->ts[0] || !a->nonce[0])
		return ca_fail(CA_ERR_IO, err, errlen, "unsigned");
	if (strcmp(a->app, t->cfg->tax_app_id))
		return ca_fail(CA_ERR_IO, err, errlen, "for another app");
	ts = strtoll(a->ts, &end, 10);
	if (*end || end == a->ts || ts - vclock_now_s() > TAXPLAT_SKEW_S ||
	    vclock_now_s() - ts > TAXPLAT_SKEW_S)
		return ca_fail(CA_ERR_IO, err, errlen, "its time %s is more than %d s from ours",
			       a->ts, TAXPLAT_SKEW_S);
	snprintf(status, sizeof(status), "%03ld", a->status);
	if (taxplat_sign(t->secret, status, nonce, ts, a->nonce, a->body, a->len, want) ||
	    !sign_is_hex(a->sig, SIGN_HEX_LEN) || !sign_equal(a->sig, want))
		return ca_fail(CA_ERR_IO, err, errlen, "the signature does not verify");
	return CA_OK;
}

/* The four signature headers of a request into *hs (appended). */
static ca_err sign_headers(const struct taxplat *t, const char *method, const char *target,
			   const char *body, const char *nonce, struct curl_slist **hs)
{
	char sig[SIGN_HEX_LEN + 1], h[160];
	int64_t ts = vclock_now_s();
	struct curl_slist *l = *hs;
	ca_err e;

	e = taxplat_sign(t->secret, method, target, ts, nonce, body, body ? strlen(body) : 0,
			 sig);
	if (e)
		return e;
	snprintf(h, sizeof(h), TAXPLAT_H_APP ": %s", t->cfg->tax_app_id);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), TAXPLAT_H_TIMESTAMP ": %lld", (long long)ts);
	l = l ? curl_slist_append(l, h) : NULL;
	snprintf(h, sizeof(h), TAXPLAT_H_NONCE ": %s", nonce);
	l = l ? curl_slist_append(l, h) : NULL;
	snprintf(h, sizeof(h), TAXPLAT_H_SIGNATURE ": %s", sig);
	l = l ? curl_slist_append(l, h) : NULL;
	if (!l)
		return CA_ERR_NOMEM;
	*hs = l;
	return CA_OK;
}

/*
 * METHOD path (below the base) with body (NULL: none) to the platform,
 * signed; the answer into *a, its signature checked. CA_OK whatever the
 * status once the answer is the platform's; CA_ERR_UNAVAILABLE when none
 * came (no connection, the time ran out); CA_ERR_IO when what came is not
 * the platform's. The reason in err; the caller frees a->body.
 */
static ca_err call(struct taxplat *t, const char *method, const char *path, const char *body,
		   struct answer *a, char *err, size_t errlen)
{
	const struct hubcfg *c = t->cfg;
	char target[HUBCFG_URL_MAX + TARGET_MAX], url[2 * HUBCFG_URL_MAX + TARGET_MAX];
	char nonce[SIGN_NONCE_LEN + 1], ua[64], why[TAXPLAT_ERR_MAX];
	struct curl_slist *hs = NULL;
	CURL *cu = NULL;
	CURLcode rc;
	ca_err e;

	memset(a, 0, sizeof(*a));
	snprintf(target, sizeof(target), "%s%s", t->base, path);
	snprintf(url, sizeof(url), "%s%s", c->tax_url, path);
	snprintf(ua, sizeof(ua), "ca-hub/%s", ca_version());
	if (sign_nonce(nonce))
		return ca_fail(CA_ERR_UNAVAILABLE, err, errlen, "no randomness for a nonce");
	hs = curl_slist_append(hs, "Accept: application/json");
	hs = hs ? curl_slist_append(hs, "Expect:") : NULL;
	if (hs && body)
		hs = curl_slist_append(hs, "Content-Type: application/json; charset=utf-8");
	e = hs ? sign_headers(t, method, target, body, nonce, &hs) : CA_ERR_NOMEM;
	cu = e ? NULL : curl_easy_init();
	if (!cu) {
		curl_slist_free_all(hs);
		return ca_fail(e ? e : CA_ERR_NOMEM, err, errlen, "cannot make the request");
	}
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, (long)c->tax_timeout_ms);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)c->tax_timeout_ms);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (c->tax_ca_file[0])
		curl_easy_setopt(cu, CURLOPT_CAINFO, c->tax_ca_file);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, a);
	rc = curl_easy_perform(cu);
	if (rc == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &a->status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(cu);
	if (rc != CURLE_OK && a->too_long)
		return ca_fail(CA_ERR_IO, err, errlen, "%s %s: the answer is over %d bytes", method,
			       target, TAXPLAT_ANSWER_MAX);
	if (rc != CURLE_OK)
		return ca_fail(CA_ERR_UNAVAILABLE, err, errlen, "%s %s: no answer: %s", method,
			       target, curl_easy_strerror(rc));
	if (!a->body && !(a->body = strdup("")))
		return ca_fail(CA_ERR_NOMEM, err, errlen, "out of memory");
	if (check_answer(t, a, nonce, why, sizeof(why)))
		return ca_fail(CA_ERR_IO, err, errlen, "%s %s: status %ld, answer not trusted: %s",
			       method, target, a->status, why);
	return CA_OK;
}

/* ---- refusals ---- */

/* What the platform's refusal codes mean for the caller (docs/taxsim.md). */
static const struct {
	const char *code;
	ca_err err;
} refusals[] = {
	{ "REQUEST_CONFLICT", CA_ERR_CONFLICT },
	{ "SELLER_MISMATCH", CA_ERR_FORBIDDEN },
	{ "BUYER_TAX_ID_INVALID", CA_ERR_FORBIDDEN },
	{ "AMOUNT_INVALID", CA_ERR_FORBIDDEN },
	{ "TAX_RATE_INVALID", CA_ERR_FORBIDDEN },
	{ "PARAM_INVALID", CA_ERR_FORBIDDEN },
	{ "INVOICE_NOT_FOUND", CA_ERR_FORBIDDEN },
	{ "ALREADY_REVERSED", CA_ERR_FORBIDDEN },
	{ "NOT_REVERSIBLE", CA_ERR_FORBIDDEN },
	{ "BOOKS_FULL", CA_ERR_FORBIDDEN },
};

/* A signed answer other than 200 as an error, its code and message in why. */
static ca_err refused(const struct answer *a, const char *what, char *why, size_t n)
{
	json_t *j = json_loadb(a->body, a->len, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "code"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	ca_err e = CA_ERR_UNAVAILABLE;
	size_t i;

	for (i = 0; code && a->status >= 400 && a->status < 500 &&
		    i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (!strcmp(code, refusals[i].code))
			e = refusals[i].err;
	snprintf(why, n, "%s: status %ld %.40s: %.160s", what, a->status, code ? code : "(no code)",
		 msg ? msg : "");
	/* A refused signature, time or nonce is this hub's fault (the secret,
	 * the app id, the clock): an error in the log, worth asking again. */
	log_msg(e == CA_ERR_UNAVAILABLE ? LOG_ERROR : LOG_WARN, TAG, "%s", why);
	json_decref(j);
	return e;
}

/* ---- reading an invoice: trust nothing that is not checked ---- */

/* A string member name of j: valid UTF-8 without control characters, of
 * min..size-1 bytes, copied into dst. */
static bool text(json_t *j, const char *name, size_t min, char *dst, size_t size)
{
	json_t *v = json_object_get(j, name);
	const char *s = json_string_value(v);
	size_t len = s ? strlen(s) : 0, chars, i;

	if (!s || len != json_string_length(v) || len < min || len >= size ||
	    !utf8_count(s, &chars))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	memcpy(dst, s, len + 1);
	return true;
}

/* An integer member name of j into *v, |*v| <= max. */
static bool integer(json_t *j, const char *name, int64_t max, int64_t *v)
{
	json_t *m = json_object_get(j, name);

	if (!json_is_integer(m) || json_integer_value(m) > max || json_integer_value(m) < -max)
		return false;
	*v = (int64_t)json_integer_value(m);
	return true;
}

/* Whether s is an invoice number: 20 digits. */
static bool number_ok(const char *s)
{
	return strlen(s) == EINV_NUMBER_LEN && strspn(s, "0123456789") == EINV_NUMBER_LEN;
}

/* Whether rate is one of the platform's rates. */
static bool rate_ok(int64_t rate)
{
	return rate == 0 || rate == 1 || rate == 3 || rate == 5 || rate == 6 || rate == 9 ||
	       rate == 13;
}

/* A unit price's text into 1e-8 yuan; false when it is not a decimal of
 * at most PRICE_MAX digits, a point and 1..PRICE_DECIMALS digits. */
static bool price_units(const char *s, int64_t *units)
{
	size_t whole = strspn(s, "0123456789"), frac = 0, i;
	int64_t v = 0;

	if (!whole || whole > PRICE_MAX || (whole > 1 && s[0] == '0'))
		return false;
	if (s[whole] == '.') {
		frac = strspn(s + whole + 1, "0123456789");
		if (!frac || frac > PRICE_DECIMALS)
			return false;
	}
	if (s[whole + (frac ? frac + 1 : 0)])
		return false;
	for (i = 0; i < whole; i++)
		v = v * 10 + (s[i] - '0');
	for (i = 0; i < PRICE_DECIMALS; i++)
		v = v * 10 + (i < frac ? s[whole + 1 + i] - '0' : 0);
	*units = v;
	return true;
}

/* One line's numbers agree with the platform's rules: amount + tax is the
 * line's total, the amount is total * 100 / (100 + rate) to the fen, the
 * unit price is amount / quantity to 1e-8 yuan; all of one sign (sign 1:
 * blue, -1: red). */
static bool line_adds_up(const struct einv_item *it, int sign)
{
	int64_t q = it->quantity * sign, amount = it->amount_fen * sign, tax = it->tax_fen * sign;
	int64_t total = amount + tax, units, want;

	if (q < 1 || amount < 1 || tax < 0 || !rate_ok(it->rate_pct))
		return false;
	if (llabs(amount * (100 + it->rate_pct) - total * 100) > 100 + it->rate_pct)
		return false;
	if (!price_units(it->unit_price, &units))
		return false;
	want = (amount * 1000000 * 2 + q) / (2 * q); /* half up */
	return llabs(units - want) <= 1;
}

/* Line i of the answer (object j) into it; for a blue invoice it must be
 * the line asked for (rq; NULL for a red one). */
static bool read_item(json_t *j, const struct einv_item_req *rq, int sign, struct einv_item *it)
{
	int64_t rate;

	memset(it, 0, sizeof(*it));
	if (!json_is_object(j) || !text(j, "name", 1, it->name, sizeof(it->name)) ||
	    !text(j, "spec", 0, it->spec, sizeof(it->spec)) ||
	    !text(j, "unit", 0, it->unit, sizeof(it->unit)) ||
	    !text(j, "unit_price", 1, it->unit_price, sizeof(it->unit_price)) ||
	    !integer(j, "quantity", QUANTITY_MAX, &it->quantity) ||
	    !integer(j, "amount_fen", AMOUNT_MAX, &it->amount_fen) ||
	    !integer(j, "tax_fen", AMOUNT_MAX, &it->tax_fen) || !integer(j, "tax_rate", 100, &rate))
		return false;
	it->rate_pct = (int)rate;
	if (!line_adds_up(it, sign))
		return false;
	return !rq || (!strcmp(it->name, rq->name) && !strcmp(it->spec, rq->spec) &&
		       !strcmp(it->unit, rq->unit) && it->quantity == rq->quantity &&
		       it->rate_pct == rq->rate_pct &&
		       it->amount_fen + it->tax_fen == rq->total_fen);
}

/* The lines of the answer into inv; the totals add up. */
static bool read_items(json_t *j, const struct einv_request *rq, int sign, struct einvoice *inv)
{
	json_t *items = json_object_get(j, "items");
	int64_t amount = 0, tax = 0;
	size_t i;

	if (!json_is_array(items) || json_array_size(items) < 1 ||
	    json_array_size(items) > EINV_ITEMS_MAX ||
	    (rq && json_array_size(items) != (size_t)rq->nitems))
		return false;
	inv->nitems = (int)json_array_size(items);
	for (i = 0; i < json_array_size(items); i++) {
		if (!read_item(json_array_get(items, i), rq ? &rq->items[i] : NULL, sign,
			       &inv->items[i]))
			return false;
		amount += inv->items[i].amount_fen;
		tax += inv->items[i].tax_fen;
	}
	return integer(j, "amount_fen", AMOUNT_MAX, &inv->amount_fen) &&
	       integer(j, "tax_fen", AMOUNT_MAX, &inv->tax_fen) &&
	       integer(j, "total_fen", AMOUNT_MAX, &inv->total_fen) && inv->amount_fen == amount &&
	       inv->tax_fen == tax && inv->total_fen == amount + tax;
}

/* What an invoice answer must be: its kind, request id, original (red),
 * the request (blue; NULL for red). */
struct expect {
	enum einv_kind kind;
	const char *request_id;
	const char *original;               /* red: the blue number; blue: NULL */
	const struct einv_request *req;     /* blue: what was asked */
};

/* The parties, dates and texts of the answer (object j) into inv. false
 * with the field at fault in *bad. */
static bool read_head(const struct taxplat *t, json_t *j, const struct expect *x,
		      struct einvoice *inv, const char **bad)
{
	char kind[8], rid[EINV_REQUEST_ID_MAX + 1], at[40], yy[12];
	struct tm tm;

	*bad = "kind";
	if (!text(j, "kind", 3, kind, sizeof(kind)) ||
	    strcmp(kind, x->kind == EINV_BLUE ? "blue" : "red"))
		return false;
	inv->kind = x->kind;
	*bad = "request_id";
	if (!text(j, "request_id", 1, rid, sizeof(rid)) || strcmp(rid, x->request_id))
		return false;
	*bad = "issued_at";
	if (!text(j, "issued_at", 20, at, sizeof(at)) || pay_parse_rfc3339(at, &inv->issued_s) ||
	    inv->issued_s <= 0)
		return false;
	*bad = "number";
	ca_cst_tm(inv->issued_s, &tm);
	snprintf(yy, sizeof(yy), "%02d", (tm.tm_year + 1900) % 100);
	if (!text(j, "number", EINV_NUMBER_LEN, inv->number, sizeof(inv->number)) ||
	    !number_ok(inv->number) || memcmp(inv->number, yy, 2))
		return false;
	*bad = "original";
	if (!text(j, "original", 0, inv->original, sizeof(inv->original)) ||
	    (x->original ? strcmp(inv->original, x->original) : inv->original[0] != '\0') ||
	    !strcmp(inv->original, inv->number))
		return false;
	*bad = "seller";
	if (!text(j, "seller_name", 1, inv->seller_name, sizeof(inv->seller_name)) ||
	    !text(j, "seller_tax_id", 1, inv->seller_tax_id, sizeof(inv->seller_tax_id)) ||
	    strcmp(inv->seller_tax_id, t->cfg->tax_seller_id))
		return false;
	*bad = "buyer";
	if (!text(j, "buyer_name", 1, inv->buyer_name, sizeof(inv->buyer_name)) ||
	    !text(j, "buyer_tax_id", 1, inv->buyer_tax_id, sizeof(inv->buyer_tax_id)) ||
	    valid_uscc(inv->buyer_tax_id) != MSG_NONE ||
	    (x->req && (strcmp(inv->buyer_name, x->req->buyer_name) ||
			strcmp(inv->buyer_tax_id, x->req->buyer_tax_id))))
		return false;
	*bad = "remarks or issuer";
	if (!text(j, "remarks", 0, inv->remarks, sizeof(inv->remarks)) ||
	    !text(j, "issuer", 1, inv->issuer, sizeof(inv->issuer)) ||
	    (x->req && (strcmp(inv->remarks, x->req->remarks) ||
			strcmp(inv->issuer, x->req->issuer))) ||
	    (x->original && !strstr(inv->remarks, x->original)))
		return false;
	return true;
}

/* The XML of the answer (member xml of j), the invoice's: malloc'd into *xml. */
static bool read_xml(json_t *j, const struct einvoice *inv, char **xml, size_t *len)
{
	json_t *v = json_object_get(j, "xml");
	const char *s = json_string_value(v);
	char tag[64];
	size_t chars;

	snprintf(tag, sizeof(tag), "<InvoiceNumber>%s</InvoiceNumber>", inv->number);
	if (!s || strlen(s) != json_string_length(v) || strncmp(s, XML_HEAD, strlen(XML_HEAD)) ||
	    !strstr(s, tag) || !utf8_count(s, &chars))
		return false;
	*len = strlen(s);
	*xml = malloc(*len + 1);
	if (!*xml)
		return false;
	memcpy(*xml, s, *len + 1);
	return true;
}

/* The body of a 200 answer into *out and *xml, checked against x. */
static ca_err read_invoice(const struct taxplat *t, const struct answer *a,
			   const struct expect *x, struct einvoice *out, char **xml,
			   size_t *xml_len, char *why, size_t n)
{
	json_t *j = json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL);
	json_t *inv = json_object_get(j, "invoice");
	const char *bad = "the body";
	bool ok;

	memset(out, 0, sizeof(*out));
	ok = json_is_object(inv) && read_head(t, inv, x, out, &bad);
	if (ok) {
		bad = "items or totals";
		ok = read_items(inv, x->req, x->kind == EINV_BLUE ? 1 : -1, out);
	}
	if (ok) {
		bad = "xml";
		ok = read_xml(j, out, xml, xml_len);
	}
	json_decref(j);
	if (ok)
		return CA_OK;
	snprintf(why, n, "request %s: the platform's invoice is not what was asked for (%s)",
		 x->request_id, bad);
	log_error(TAG, "%s", why);
	memset(out, 0, sizeof(*out));
	return CA_ERR_IO;
}

/* ---- the provider interface ---- */

/* Whether id is a request id: 1..EINV_REQUEST_ID_MAX of [0-9A-Za-z_-]. */
static bool request_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n && n <= EINV_REQUEST_ID_MAX &&
	       strspn(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") == n;
}

/* The body of a blue invoice's request (malloc'd JSON), NULL: no memory. */
static char *issue_body(const struct taxplat *t, const struct einv_request *rq)
{
	json_t *items = json_array(), *j;
	char *s;
	int i;

	for (i = 0; items && i < rq->nitems; i++) {
		const struct einv_item_req *it = &rq->items[i];

		if (json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:I, s:I, s:i}",
				"name", it->name, "spec", it->spec, "unit", it->unit, "quantity",
				(json_int_t)it->quantity, "total_fen", (json_int_t)it->total_fen,
				"tax_rate", it->rate_pct)))
			break;
	}
	j = items && i == rq->nitems
	    ? json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "request_id", rq->request_id,
			"seller_tax_id", t->cfg->tax_seller_id, "buyer_name", rq->buyer_name,
			"buyer_tax_id", rq->buyer_tax_id, "items", items, "remarks", rq->remarks,
			"issuer", rq->issuer)
	    : NULL;
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(items);
	json_decref(j);
	return s;
}

/* One issuing call (blue or red): body to path, the invoice checked
 * against x into out, its XML into *xml. */
static ca_err issuing_call(struct taxplat *t, const char *path, const char *body,
			   const struct expect *x, struct einvoice *out, char **xml,
			   size_t *xml_len, char *why, size_t whylen)
{
	struct answer a;
	ca_err e;

	e = call(t, "POST", path, body, &a, why, whylen);
	if (e) {
		log_warn(TAG, "request %s: %s", x->request_id, why);
	} else if (a.status != 200) {
		e = refused(&a, x->request_id, why, whylen);
	} else {
		e = read_invoice(t, &a, x, out, xml, xml_len, why, whylen);
		if (!e)
			log_info(TAG, "request %s: %s invoice %s, total %lld fen", x->request_id,
				 x->kind == EINV_BLUE ? "blue" : "red", out->number,
				 (long long)out->total_fen);
	}
	free(a.body);
	return e;
}

static ca_err tp_issue(struct tax_provider *p, const struct einv_request *req,
		       struct einvoice *out, char **xml, size_t *xml_len, char *why, size_t whylen)
{
	struct taxplat *t = (struct taxplat *)p;
	struct expect x = { EINV_BLUE, req->request_id, NULL, req };
	char *body;
	ca_err e;

	*xml = NULL;
	*xml_len = 0;
	memset(out, 0, sizeof(*out));
	if (!request_id_ok(req->request_id) || req->nitems < 1 || req->nitems > EINV_ITEMS_MAX)
		return ca_fail(CA_ERR_ARG, why, whylen, "not an invoice to ask for (request id, "
			       "1..%d lines)", EINV_ITEMS_MAX);
	body = issue_body(t, req);
	if (!body)
		return ca_fail(CA_ERR_NOMEM, why, whylen, "out of memory");
	e = issuing_call(t, "/v1/invoices", body, &x, out, xml, xml_len, why, whylen);
	free(body);
	return e;
}

static ca_err tp_reverse(struct tax_provider *p, const char *request_id, const char *original,
			 const char *reason, struct einvoice *out, char **xml, size_t *xml_len,
			 char *why, size_t whylen)
{
	struct taxplat *t = (struct taxplat *)p;
	struct expect x = { EINV_RED, request_id, original, NULL };
	char path[TARGET_MAX], *body;
	json_t *j;
	ca_err e;

	*xml = NULL;
	*xml_len = 0;
	memset(out, 0, sizeof(*out));
	if (!request_id_ok(request_id) || !number_ok(original) || !reason || !*reason)
		return ca_fail(CA_ERR_ARG, why, whylen, "not a reversal to ask for (request id, "
			       "a 20-digit number, a reason)");
	snprintf(path, sizeof(path), "/v1/invoices/%s/red", original);
	j = json_pack("{s:s, s:s}", "request_id", request_id, "reason", reason);
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body)
		return ca_fail(CA_ERR_NOMEM, why, whylen, "out of memory");
	e = issuing_call(t, path, body, &x, out, xml, xml_len, why, whylen);
	free(body);
	return e;
}

struct tax_provider *taxplat_provider(struct taxplat *t)
{
	static const struct tax_provider table = { "taxplat", tp_issue, tp_reverse };

	return t ? &t->prov : (struct tax_provider *)&table;
}
