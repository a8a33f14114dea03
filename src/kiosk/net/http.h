/*
 * http.h - a small signed-request client for the hub (libcurl, one easy
 * handle).
 *
 * Every request carries the four X-CA-* headers of docs/api.md, signed with
 * sign_request() over the request target as sent (a path prefix of the base
 * URL included). TLS is verified against the configured CA file (or the
 * system store), host name included; an optional public-key pin is checked
 * too. Each request has a connect timeout, a total timeout and a low-speed
 * limit, so no call can hang; an abort callback (checked by curl's progress
 * callback, at least about once a second) lets another thread stop a call
 * promptly.
 *
 * One struct http belongs to one thread at a time (it owns a curl easy
 * handle and reuses its connection). The device secret is kept in memory
 * only and wiped on http_free; it is never logged.
 */
#ifndef CA_HTTP_H
#define CA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Largest response body accepted, bytes (the call fails above it). */
#define HTTP_BODY_MAX (8 * 1024 * 1024)

/* Room for a transport error text. */
#define HTTP_ERR_MAX 256

/* Return non-zero to abort the request in progress. */
typedef int (*http_abort_fn)(void *ctx);

/* How to reach and authenticate to the hub. Strings are copied. */
struct http_opts {
	const char *base_url;      /* "https://host:port[/prefix]", no trailing '/' needed */
	const char *ca_file;       /* PEM CA bundle; NULL or "" = system store */
	const char *pin;           /* CURLOPT_PINNEDPUBLICKEY value; NULL or "" = none */
	const char *device_id;     /* X-CA-Device */
	const char *secret;        /* device secret (HMAC key text) */
	int connect_timeout_ms;    /* connection phase, TLS handshake included */
	int total_timeout_ms;      /* whole request (a long-poll adds its wait) */
	int low_speed_bytes;       /* abort below this many bytes/s ... */
	int low_speed_s;           /* ... for this many seconds (0: derived) */
	http_abort_fn abort_fn;    /* may be NULL */
	void *abort_ctx;           /* passed to abort_fn */
};

/* One answer. status 0 means no HTTP answer arrived (see error). */
struct http_resp {
	long status;               /* HTTP status, 0 on transport failure */
	char *body;                /* response body, NUL-terminated, owned */
	size_t len;                /* its length */
	int retry_after_s;         /* Retry-After in seconds, -1 when absent */
	int64_t date_s;            /* the hub's Date header (Unix s), 0 when absent */
	bool aborted;              /* abort_fn stopped it */
	bool timed_out;            /* a timeout or the low-speed limit stopped it */
	char error[HTTP_ERR_MAX];  /* transport error text, "" when an answer came */
};

struct http;

/* A client for opts. CA_ERR_ARG when base_url, device_id or secret is
 * missing or the secret is too long; CA_ERR_NOMEM. */
ca_err http_new(const struct http_opts *opts, struct http **out);

/* Free the client (wipes the secret); http_free(NULL) is fine. */
void http_free(struct http *h);

/*
 * Close the connection and drop everything the curl handle kept of past
 * requests (TLS session and buffers, headers, the last answer), keeping the
 * configuration: the next request connects afresh. For the end of a
 * person's session (docs/privacy.md). CA_ERR_NOMEM when a new handle cannot
 * be made (requests then fail with CA_ERR_NOMEM until one can).
 */
ca_err http_forget(struct http *h);

/*
 * Send method path (path and query, starting with '/') with body (may be
 * NULL when body_len is 0) and wait for the answer, at most the total
 * timeout plus extra_ms (for a long-poll's hold). CA_OK when an HTTP answer
 * arrived, whatever its status; CA_ERR_IO when none did (resp->error says
 * why, resp->aborted / timed_out say which); CA_ERR_TOO_LONG when the
 * answer was over HTTP_BODY_MAX. Release resp with http_resp_release.
 */
ca_err http_request(struct http *h, const char *method, const char *path,
		    const char *body, size_t body_len, int extra_ms,
		    struct http_resp *resp);

/*
 * The same with extra request headers: headers is NULL or a NULL-terminated
 * list of "Name: value" lines (such as "X-CA-Session: TOKEN"); they are
 * sent as given and are not part of the signature. CA_ERR_ARG when a line
 * has no "Name:" or holds a CR or LF.
 */
ca_err http_request_hdr(struct http *h, const char *method, const char *path,
			const char *const *headers, const char *body,
			size_t body_len, int extra_ms, struct http_resp *resp);

/* Free the body of resp. */
void http_resp_release(struct http_resp *resp);

/* Load libcurl (dlopen: it is not linked, see http.c) and run the
 * project's one curl_global_init; safe to call many times, from any
 * thread (once). http_new calls it, and fails with CA_ERR_IO when libcurl
 * could not be loaded (logged once). */
void http_global_init(void);

#endif
