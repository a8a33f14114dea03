/*
 * browse.c - the phone's browser paying by 个人网银 (see browse.h).
 *
 * Where to start reading: browse_pay(), the three steps; form_of() reads a
 * page's form.
 */
#include "browse.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bodybuf.h"
#include "hub/upsign.h"

#define PAGE_MAX (64 * 1024)   /* the largest page read */
#define URL_MAX 1024

struct page {
	long status;             /* HTTP status, 0 when none */
	struct browse_body html; /* up to PAGE_MAX; html.p "" when empty */
};

size_t browse_gather(char *d, size_t s, size_t m, void *ud)
{
	struct browse_body *b = ud;
	ca_err e = bodybuf_append(&b->p, &b->n, d, s * m, b->cap);

	if (e == CA_ERR_TOO_LONG)
		b->too_big = true;
	return e ? 0 : s * m;
}

/* GET url (form NULL) or POST form to it; the answer into p. false with
 * the reason on stderr when nothing came back, or a page over PAGE_MAX. */
static bool fetch(const char *url, const struct upform *form, const char *ca, struct page *p)
{
	struct curl_slist *hl = NULL;
	char *body = NULL;
	CURLcode cc;
	CURL *cu = curl_easy_init();

	memset(p, 0, sizeof(*p));
	p->html.cap = PAGE_MAX;
	if (!cu || (form && upform_encode(form, &body))) {
		fprintf(stderr, "ca-paysim: out of memory\n");
		curl_easy_cleanup(cu);
		return false;
	}
	hl = curl_slist_append(hl, "Accept: text/html");
	if (form) {
		hl = curl_slist_append(hl, "Content-Type: application/x-www-form-urlencoded");
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(cu, CURLOPT_CAINFO, ca);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "Mozilla/5.0 (ca-paysim pay)");
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, browse_gather);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &p->html);
	cc = curl_easy_perform(cu);
	if (cc == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &p->status);
	else if (p->html.too_big)
		fprintf(stderr, "ca-paysim: %s: the page is over %d bytes: not read\n", url,
			PAGE_MAX);
	else
		fprintf(stderr, "ca-paysim: %s: %s\n", url, curl_easy_strerror(cc));
	curl_slist_free_all(hl);
	curl_easy_cleanup(cu);
	free(body);
	if (cc != CURLE_OK) {
		free(p->html.p); /* nothing to read: the caller frees nothing */
		p->html.p = NULL;
		return false;
	}
	if (!p->html.p)
		p->html.p = strdup("");
	return p->html.p != NULL;
}

/* The value of attribute name="..." in the tag that starts at tag and
 * ends at end, HTML-unescaped into out (n); false when absent or too long. */
static bool attr(const char *tag, const char *end, const char *name, char *out, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
		{ "&#39;", '\'' },
	};
	char key[40];
	const char *p, *q;
	size_t o = 0, i;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(tag, key);
	if (!p || p > end)
		return false;
	p += strlen(key);
	q = strchr(p, '"');
	if (!q || q > end)
		return false;
	while (p < q) {
		char c = *p++;

		if (c == '&') {
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
				if (!strncmp(p - 1, ents[i].ent, strlen(ents[i].ent)))
					break;
			if (i == sizeof(ents) / sizeof(ents[0]))
				return false;
			c = ents[i].c;
			p += strlen(ents[i].ent) - 1;
		}
		if (o + 1 >= n)
			return false;
		out[o++] = c;
	}
	out[o] = 0;
	return true;
}

/* The page's first POST form: its action into action (n), its hidden
 * inputs into f (initialised here). false when the page has none. */
static bool form_of(const char *html, char *action, size_t n, struct upform *f)
{
	const char *p = strstr(html, "<form method=\"post\""), *end, *stop;
	char name[UPSIGN_KEY_MAX + 1], *val = malloc(UPSIGN_VALUE_MAX + 1);

	upform_init(f);
	if (!p || !val || !(end = strchr(p, '>')) || !attr(p, end, "action", action, n) ||
	    !(stop = strstr(p, "</form>"))) {
		free(val);
		return false;
	}
	for (p = strstr(end, "<input "); p && p < stop; p = strstr(end, "<input ")) {
		end = strchr(p, '>');
		if (!end || !attr(p, end, "name", name, sizeof(name)) ||
		    !attr(p, end, "value", val, UPSIGN_VALUE_MAX + 1) || upform_set(f, name, val)) {
			upform_release(f);
			free(val);
			return false;
		}
	}
	free(val);
	return true;
}

/* action made absolute against the page at base (an action that starts
 * with '/' is on base's host); false when it does not fit n. */
static bool resolve(const char *base, const char *action, char *out, size_t n)
{
	const char *host = strstr(base, "://"), *path = host ? strchr(host + 3, '/') : NULL;
	size_t keep = action[0] != '/' ? 0 : path ? (size_t)(path - base) : strlen(base);

	if (keep + strlen(action) >= n)
		return false;
	memcpy(out, base, keep);
	memcpy(out + keep, action, strlen(action) + 1);
	return true;
}

/* A refusal as a page says it: the gateway's "错误码 XX：why", or the
 * merchant's page's data-state. Printed; 1 (a 4xx) or 2. */
static int refused(const char *where, const struct page *pg)
{
	const char *c = strstr(pg->html.p, "错误码 "), *s = strstr(pg->html.p, "data-state=\"");

	if (c) {
		const char *end = strstr(c, "</p>");

		c += strlen("错误码 ");
		printf("refused %.*s\n", end ? (int)(end - c) : 40, c);
	} else if (s) {
		s += strlen("data-state=\"");
		printf("refused %s: the merchant's page offers no payment (%.*s)\n",
		       !strncmp(s, "SUCCESS", 7) || !strncmp(s, "REFUND", 6) ? "ORDERPAID"
		       : !strncmp(s, "CLOSED", 6) ? "ORDERCLOSED" : "ORDER_EXPIRED",
		       (int)strcspn(s, "\""), s);
	} else if (pg->status == 404) {
		printf("refused ORDER_NOT_EXIST: %s answered 404\n", where);
	} else {
		fprintf(stderr, "ca-paysim: %s answered %ld without a form\n", where, pg->status);
		return 2;
	}
	return pg->status >= 400 && pg->status < 500 ? 1 : pg->status == 200 ? 1 : 2;
}

int browse_pay(const char *url, const char *ca)
{
	char action[URL_MAX], next[URL_MAX], at[URL_MAX];
	struct upform f;
	struct page pg;
	int step, rc = 2;

	if (strlen(url) >= URL_MAX) {
		fprintf(stderr, "ca-paysim: the URL is too long\n");
		return 2;
	}
	snprintf(at, sizeof(at), "%s", url);
	if (!fetch(at, NULL, ca, &pg))
		return 2;
	/* 1: the merchant's page's form to the gateway; 2: the bank's page's
	 * form (/gateway/pay); 3: the signed result back to frontUrl. */
	for (step = 1; step <= 3; step++) {
		if (pg.status != 200 || !form_of(pg.html.p, action, sizeof(action), &f)) {
			rc = refused(at, &pg);
			free(pg.html.p);
			return rc;
		}
		free(pg.html.p);
		if (!resolve(at, action, next, sizeof(next))) {
			fprintf(stderr, "ca-paysim: a form's action is too long\n");
			upform_release(&f);
			return 2;
		}
		memcpy(at, next, sizeof(at));
		if (step == 3)
			printf("paid %s SUCCESS %s %s\n", upform_str(&f, "orderId"),
			       upform_str(&f, "queryId"), upform_str(&f, "txnAmt"));
		if (!fetch(at, &f, ca, &pg)) {
			upform_release(&f);
			/* Paid all the same: the merchant learns it from the
			 * back notification. */
			return step == 3 ? 0 : 2;
		}
		upform_release(&f);
	}
	if (pg.status != 200)
		fprintf(stderr, "ca-paysim: the merchant's frontUrl %s answered %ld (paid all the "
			"same: the back notification tells it)\n", at, pg.status);
	free(pg.html.p);
	return 0;
}
