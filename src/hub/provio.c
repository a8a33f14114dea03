/*
 * provio.c - the payment providers' key files and HTTPS round trips (see
 * provio.h). The only file of the providers that includes libcurl.
 */
#include "provio.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bodybuf.h"
#include "core/version.h"

char *provio_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max + 1, f) : 0;
	if (!buf || ferror(f) || n > max) {
		snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : ferror(f)
			 ? "read error" : "too large");
		if (buf)
			explicit_bzero(buf, max + 1);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char *provio_private_key(const char *section, const char *name, const char *path,
			 char sig[WXSIGN_SIG_MAX], char *err, size_t errlen)
{
	char *pem = provio_read_file(path, PROVIO_KEY_MAX, NULL, err, errlen);

	if (pem && wxsign_sign(pem, "x", 1, sig, err, errlen)) {
		snprintf(err, errlen, "[%s] %s %s: not an RSA private key in PEM", section, name,
			 path);
		provio_key_free(pem);
		return NULL;
	}
	return pem;
}

char *provio_public_key(const char *section, const char *name, const char *path, char *err,
			size_t errlen)
{
	char *pem = provio_read_file(path, PROVIO_KEY_MAX, NULL, err, errlen);

	/* Any signature will do: only a key that cannot be read is CA_ERR_ARG. */
	if (pem && wxsign_verify(pem, "x", 1, "AAAA", err, errlen) == CA_ERR_ARG) {
		snprintf(err, errlen, "[%s] %s %s: not an RSA public key or certificate in PEM",
			 section, name, path);
		free(pem);
		return NULL;
	}
	return pem;
}

void provio_key_free(char *pem)
{
	if (pem)
		explicit_bzero(pem, strlen(pem));
	free(pem);
}

/* A transfer's state for libcurl's callbacks. */
struct transfer {
	const struct provio_req *q;
	char *body;    /* the answer so far */
	size_t len;
	bool too_long; /* it passed q->answer_max: the transfer was ended */
};

static size_t on_body(char *d, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;

	if (bodybuf_append(&t->body, &t->len, d, size * n, t->q->answer_max)) {
		t->too_long = true;
		return 0;
	}
	return size * n;
}

static size_t on_header(char *d, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;

	t->q->on_header(d, size * n, t->q->arg);
	return size * n;
}

ca_err provio_call(const struct provio_req *q, struct provio_answer *a, char *err,
		   size_t errlen)
{
	struct transfer t = { q, NULL, 0, false };
	struct curl_slist *hs = NULL, *more;
	char ua[64];
	CURLcode rc;
	CURL *cu;
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; q->headers && q->headers[i]; i++) {
		more = curl_slist_append(hs, q->headers[i]);
		if (!more) {
			curl_slist_free_all(hs);
			return CA_ERR_NOMEM;
		}
		hs = more;
	}
	cu = curl_easy_init();
	if (!cu) {
		curl_slist_free_all(hs);
		return CA_ERR_NOMEM;
	}
	snprintf(ua, sizeof(ua), "ca-hub/%s", ca_version());
	curl_easy_setopt(cu, CURLOPT_URL, q->url);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, q->timeout_ms);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, q->timeout_ms);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
	}
	if (q->ca_file[0])
		curl_easy_setopt(cu, CURLOPT_CAINFO, q->ca_file);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &t);
	if (q->on_header) {
		curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(cu, CURLOPT_HEADERDATA, &t);
	}
	rc = curl_easy_perform(cu);
	if (rc == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &a->status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(cu);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", t.too_long ? "the answer is too long"
			 : curl_easy_strerror(rc));
		free(t.body);
		return CA_ERR_IO;
	}
	a->body = t.body ? t.body : strdup("");
	if (!a->body)
		return CA_ERR_NOMEM;
	a->len = t.len;
	return CA_OK;
}
