/*
 * http.c - signed requests to the hub over one libcurl easy handle (see
 * http.h for the contract).
 *
 * Where to start reading: http_request() sets the per-request options
 * (User-Agent: ca-kiosk/VERSION on every request), builds the four
 * signature headers, runs curl_easy_perform and turns the
 * outcome into a struct http_resp. The callbacks above it collect the body
 * (capped), pick Retry-After and Date out of the headers, and ask the
 * owner's abort function whether to stop.
 */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/bodybuf.h"
#include "core/log.h"
#include "core/sign.h"
#include "core/version.h"

#define TAG "http"

/* Retry-After values above this are cut to it, seconds. */
#define HTTP_RETRY_AFTER_MAX 3600

struct http {
	CURL *curl;                 /* the easy handle, owned */
	char *url_base;             /* base URL without a trailing '/', owned */
	char *path_prefix;          /* its path part ("" or "/api"), owned */
	char *ca_file;              /* owned, may be NULL */
	char *pin;                  /* owned, may be NULL */
	char *device_id;            /* owned */
	char secret[SIGN_SECRET_MAX + 1]; /* device secret; wiped on free */
	int connect_timeout_ms;     /* per request */
	int total_timeout_ms;       /* per request, before extra */
	int low_speed_bytes;        /* low-speed limit, bytes/s */
	int low_speed_s;            /* ... over this many seconds */
	http_abort_fn abort_fn;     /* may be NULL */
	void *abort_ctx;            /* its argument */
	struct http_resp *cur;      /* the response being filled */
	bool too_long;              /* the body went over HTTP_BODY_MAX */
};

/*
 * libcurl is loaded when the first client is made, not linked: its
 * library and the 24 it pulls in (TLS, IDN, HTTP/2, LDAP, Kerberos, ...)
 * cost about 4 ms of dynamic linking before main(), which the kiosk's
 * first frame would wait for (docs/bench-kiosk.md). The first client is
 * made after that frame. The calls go through this table; the Debian
 * package depends on libcurl4 by name (debian/control).
 */
#define HTTP_CURL_SONAME "libcurl.so.4"
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_getdate) *getdate;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} lc;
static bool lc_ok;             /* lc is complete and curl_global_init passed */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
	void *so = dlopen(HTTP_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;
	CURLcode rc;

	if (!so) {
		log_error(TAG, "cannot load %s: %s; no requests to the hub", HTTP_CURL_SONAME,
			  dlerror());
		return;
	}
#define HTTP_SYM(field, name) \
	do { \
		if (!missing && !(*(void **)&lc.field = dlsym(so, name))) \
			missing = name; \
	} while (0)
	HTTP_SYM(global_init, "curl_global_init");
	HTTP_SYM(easy_init, "curl_easy_init");
	HTTP_SYM(easy_cleanup, "curl_easy_cleanup");
	HTTP_SYM(easy_reset, "curl_easy_reset");
	HTTP_SYM(easy_setopt, "curl_easy_setopt");
	HTTP_SYM(easy_perform, "curl_easy_perform");
	HTTP_SYM(easy_getinfo, "curl_easy_getinfo");
	HTTP_SYM(easy_strerror, "curl_easy_strerror");
	HTTP_SYM(getdate, "curl_getdate");
	HTTP_SYM(slist_append, "curl_slist_append");
	HTTP_SYM(slist_free_all, "curl_slist_free_all");
#undef HTTP_SYM
	if (missing) {
		log_error(TAG, "%s has no %s; no requests to the hub", HTTP_CURL_SONAME, missing);
		return; /* the library stays loaded: cheaper than unloading it */
	}
	rc = lc.global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		log_error(TAG, "curl_global_init: %s", lc.easy_strerror(rc));
		return;
	}
	lc_ok = true;
}

/* Load libcurl and run curl_global_init, once per process. */
void http_global_init(void)
{
	pthread_once(&global_once, global_init_once);
}

/* strdup that keeps NULL and "" as NULL. */
static char *dup_opt(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* A new client; see http.h. */
ca_err http_new(const struct http_opts *o, struct http **out)
{
	struct http *h;
	const char *auth, *slash;
	size_t len;

	*out = NULL;
	if (!o->base_url || !o->device_id || !*o->device_id || !o->secret ||
	    !*o->secret || strlen(o->secret) > SIGN_SECRET_MAX)
		return CA_ERR_ARG;
	http_global_init();
	if (!lc_ok)
		return CA_ERR_IO; /* logged once by global_init_once */
	h = calloc(1, sizeof(*h));
	if (!h)
		return CA_ERR_NOMEM;
	len = strlen(o->base_url);
	while (len > 0 && o->base_url[len - 1] == '/')
		len--;
	h->url_base = strndup(o->base_url, len);
	auth = h->url_base ? strstr(h->url_base, "://") : NULL;
	slash = auth ? strchr(auth + 3, '/') : NULL;
	h->path_prefix = strdup(slash ? slash : "");
	h->device_id = strdup(o->device_id);
	h->ca_file = dup_opt(o->ca_file);
	h->pin = dup_opt(o->pin);
	h->curl = lc.easy_init();
	if (!h->url_base || !h->path_prefix || !h->device_id || !h->curl ||
	    (o->ca_file && *o->ca_file && !h->ca_file) ||
	    (o->pin && *o->pin && !h->pin)) {
		http_free(h);
		return CA_ERR_NOMEM;
	}
	snprintf(h->secret, sizeof(h->secret), "%s", o->secret);
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3000;
	h->total_timeout_ms = o->total_timeout_ms > 0 ? o->total_timeout_ms : 15000;
	if (h->total_timeout_ms < h->connect_timeout_ms)
		h->total_timeout_ms = h->connect_timeout_ms;
	h->low_speed_bytes = o->low_speed_bytes > 0 ? o->low_speed_bytes : 64;
	/* Without a setting: a third of the total timeout, 2..30 s. The hub
	 * may think for a while before the first byte, so not shorter. */
	h->low_speed_s = o->low_speed_s > 0 ? o->low_speed_s
					    : h->total_timeout_ms / 3000;
	if (h->low_speed_s < 2)
		h->low_speed_s = 2;
	if (o->low_speed_s <= 0 && h->low_speed_s > 30)
		h->low_speed_s = 30;
	h->abort_fn = o->abort_fn;
	h->abort_ctx = o->abort_ctx;
	*out = h;
	return CA_OK;
}

/* Free everything, wiping the secret first. */
void http_free(struct http *h)
{
	if (!h)
		return;
	explicit_bzero(h->secret, sizeof(h->secret));
	if (h->curl)
		lc.easy_cleanup(h->curl);
	free(h->url_base);
	free(h->path_prefix);
	free(h->ca_file);
	free(h->pin);
	free(h->device_id);
	free(h);
}

ca_err http_forget(struct http *h)
{
	if (h->curl)
		lc.easy_cleanup(h->curl); /* its blocks are zeroed as freed (zfree.c) */
	h->curl = lc.easy_init();
	return h->curl ? CA_OK : CA_ERR_NOMEM;
}

/* Free the body of a response. */
void http_resp_release(struct http_resp *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* Collect the body, refusing more than HTTP_BODY_MAX. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct http *h = user;
	struct http_resp *r = h->cur;
	size_t n = size * nmemb;
	ca_err e = bodybuf_append(&r->body, &r->len, data, n, HTTP_BODY_MAX);

	if (e == CA_ERR_TOO_LONG)
		h->too_long = true;
	return e ? 0 : n; /* 0: curl fails the transfer with CURLE_WRITE_ERROR */
}

/* Whether header line (len bytes) is "name:"; *val is set past the colon
 * and blanks. */
static bool header_is(const char *line, size_t len, const char *name,
		      const char **val)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	*val = line + n + 1;
	while (*val < line + len && (**val == ' ' || **val == '\t'))
		(*val)++;
	return true;
}

/* Pick Retry-After and Date out of the response headers. A new status line
 * (after a redirect or a 100 Continue) resets them. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	struct http *h = user;
	struct http_resp *r = h->cur;
	size_t n = size * nmemb, vlen;
	const char *v;
	char buf[128];
	char *end;
	long secs;
	time_t t;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		r->retry_after_s = -1;
		r->date_s = 0;
		return n;
	}
	if (header_is(data, n, "Retry-After", &v) ||
	    header_is(data, n, "Date", &v)) {
		vlen = (size_t)(data + n - v);
		while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
				    v[vlen - 1] == ' '))
			vlen--;
		if (vlen == 0 || vlen >= sizeof(buf))
			return n;
		memcpy(buf, v, vlen);
		buf[vlen] = '\0';
		if (tolower((unsigned char)data[0]) == 'd') {
			t = lc.getdate(buf, NULL);
			if (t > 0)
				r->date_s = (int64_t)t;
			return n;
		}
		/* Retry-After: delay-seconds or an HTTP date. */
		secs = strtol(buf, &end, 10);
		if (end != buf && *end == '\0' && secs >= 0) {
			r->retry_after_s = (int)(secs > HTTP_RETRY_AFTER_MAX
						 ? HTTP_RETRY_AFTER_MAX : secs);
		} else if ((t = lc.getdate(buf, NULL)) > 0) {
			secs = (long)(t - time(NULL));
			r->retry_after_s = (int)(secs < 0 ? 0 : secs > HTTP_RETRY_AFTER_MAX
						 ? HTTP_RETRY_AFTER_MAX : secs);
		}
	}
	return n;
}

/* Curl's progress callback: ask the owner whether to stop. */
static int on_progress(void *user, curl_off_t dlt, curl_off_t dln,
		       curl_off_t ult, curl_off_t uln)
{
	struct http *h = user;

	(void)dlt;
	(void)dln;
	(void)ult;
	(void)uln;
	if (h->abort_fn && h->abort_fn(h->abort_ctx)) {
		h->cur->aborted = true;
		return 1;
	}
	return 0;
}

/* Append "name: value" to *list; false when out of memory. */
static bool add_header(struct curl_slist **list, const char *name,
		       const char *value)
{
	char line[256];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	l = lc.slist_append(*list, line);
	if (!l)
		return false;
	*list = l;
	return true;
}

/* Whether line is "Name: value" with a token name and no CR or LF. */
static bool header_line_ok(const char *line)
{
	size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789-_");

	return n > 0 && line[n] == ':' && !strpbrk(line, "\r\n");
}

/* One signed request; see http.h. */
ca_err http_request(struct http *h, const char *method, const char *path,
		    const char *body, size_t body_len, int extra_ms,
		    struct http_resp *r)
{
	return http_request_hdr(h, method, path, NULL, body, body_len, extra_ms, r);
}

/* One signed request with extra headers; see http.h. */
ca_err http_request_hdr(struct http *h, const char *method, const char *path,
			const char *const *headers, const char *body,
			size_t body_len, int extra_ms, struct http_resp *r)
{
	char nonce[SIGN_NONCE_LEN + 1], sig[SIGN_HEX_LEN + 1], ts[24];
	char errbuf[CURL_ERROR_SIZE], ua[80];
	char *url = NULL, *target = NULL;
	struct curl_slist *hdr = NULL;
	int64_t now = (int64_t)time(NULL);
	bool post = strcmp(method, "GET") != 0;
	CURL *c = h->curl ? h->curl : (h->curl = lc.easy_init());
	size_t ulen, tlen;
	CURLcode cc;
	ca_err e = CA_OK;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	/* Every request names the kiosk's version (curl copies the string). */
	snprintf(ua, sizeof(ua), "ca-kiosk/%s", ca_version());
	h->cur = r;
	h->too_long = false;
	if (!c) {
		e = CA_ERR_NOMEM;
		h->cur = NULL;
		return e;
	}
	if (!path || path[0] != '/' || (body_len && !body)) {
		e = CA_ERR_ARG;
		goto out;
	}
	for (i = 0; headers && headers[i]; i++)
		if (!header_line_ok(headers[i])) {
			e = CA_ERR_ARG;
			goto out;
		}
	ulen = strlen(h->url_base) + strlen(path) + 1;
	tlen = strlen(h->path_prefix) + strlen(path) + 1;
	url = malloc(ulen);
	target = malloc(tlen);
	if (!url || !target) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	snprintf(url, ulen, "%s%s", h->url_base, path);
	snprintf(target, tlen, "%s%s", h->path_prefix, path);
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	e = sign_nonce(nonce);
	if (!e)
		e = sign_request(h->secret, method, target, now, nonce, body,
				 body_len, sig);
	if (e)
		goto out;
	if (!add_header(&hdr, SIGN_H_DEVICE, h->device_id) ||
	    !add_header(&hdr, SIGN_H_TIMESTAMP, ts) ||
	    !add_header(&hdr, SIGN_H_NONCE, nonce) ||
	    !add_header(&hdr, SIGN_H_SIGNATURE, sig) ||
	    !add_header(&hdr, "Accept", "application/json") ||
	    (post && !add_header(&hdr, "Content-Type", "application/json")) ||
	    !(hdr = lc.slist_append(hdr, "Expect:"))) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	for (i = 0; headers && headers[i]; i++) {
		struct curl_slist *l = lc.slist_append(hdr, headers[i]);

		if (!l) {
			e = CA_ERR_NOMEM;
			goto out;
		}
		hdr = l;
	}

	lc.easy_reset(c);
	errbuf[0] = '\0';
	lc.easy_setopt(c, CURLOPT_URL, url);
	lc.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	lc.easy_setopt(c, CURLOPT_USERAGENT, ua);
	lc.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	lc.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)h->connect_timeout_ms);
	lc.easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 (long)h->total_timeout_ms + (extra_ms > 0 ? extra_ms : 0));
	lc.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)h->low_speed_bytes);
	lc.easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
			 (long)h->low_speed_s + (extra_ms > 0 ? extra_ms / 1000 + 1 : 0));
	lc.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	lc.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file)
		lc.easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	if (h->pin)
		lc.easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin);
	lc.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	lc.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	lc.easy_setopt(c, CURLOPT_WRITEDATA, h);
	lc.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	lc.easy_setopt(c, CURLOPT_HEADERDATA, h);
	lc.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	lc.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	lc.easy_setopt(c, CURLOPT_XFERINFODATA, h);
	if (post) {
		lc.easy_setopt(c, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "POST") ? method : NULL);
		lc.easy_setopt(c, CURLOPT_POST, 1L);
		lc.easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		lc.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else {
		lc.easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}

	cc = lc.easy_perform(c);
	if (cc == CURLE_OK) {
		lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		if (!r->body) {
			r->body = strdup("");
			if (!r->body) {
				e = CA_ERR_NOMEM;
				goto out;
			}
		}
		goto out;
	}
	r->status = 0;
	http_resp_release(r);
	r->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
	if (h->too_long) {
		snprintf(r->error, sizeof(r->error), "answer over %d bytes",
			 HTTP_BODY_MAX);
		e = CA_ERR_TOO_LONG;
		goto out;
	}
	snprintf(r->error, sizeof(r->error), "%s%s%s", lc.easy_strerror(cc),
		 errbuf[0] ? ": " : "", errbuf);
	e = CA_ERR_IO;
out:
	/* The handle keeps pointers to hdr and errbuf until the next reset. */
	lc.easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	lc.easy_setopt(c, CURLOPT_ERRORBUFFER, (char *)NULL);
	lc.slist_free_all(hdr);
	explicit_bzero(sig, sizeof(sig));
	free(url);
	free(target);
	h->cur = NULL;
	return e;
}
