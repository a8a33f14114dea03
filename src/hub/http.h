/*
 * http.h - the hub's HTTP(S) server (libmicrohttpd) and its route table.
 *
 * Each API file registers its routes (api_login_register(), ...) before
 * http_start(); later modules (payments: src/hub/pay*.c) add theirs the
 * same way, with one line in main.c. A route is a method, a path pattern
 * whose "*" segments match one non-empty segment each (handed to the
 * handler in req->param[]), the authentication it needs, and a handler.
 *
 * The server: TLS (cert and key PEM in memory) unless plain HTTP was asked
 * for on a loopback address; event-driven (libmicrohttpd's epoll mode with
 * a small pool of worker threads), so no thread waits for a client: a
 * handler must not block for long, and a long-poll parks its request
 * (http_park) instead of waiting, holding no thread. Connections are
 * limited per source address and in all (the open-file limit is raised to
 * fit); a request's head and body must arrive within a deadline, and an
 * idle connection is closed after the idle limit, however slowly a client
 * trickles bytes. Bodies up to HTTP_BODY_MAX (413 beyond); every response
 * is JSON with Date (hub clock), Cache-Control: no-store, HSTS on TLS, and
 * Retry-After where set; errors use the body of docs/api.md. The
 * exceptions: pages for a person's phone (http_reply_html) are HTML, and a
 * download (http_reply_file: the invoice PDF) is its own type; neither may
 * be framed by another page. The request target is taken as sent (query
 * included) for signatures.
 */
#ifndef HUB_HTTP_H
#define HUB_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db.h"
#include "staff.h"

#define HTTP_BODY_MAX (1024 * 1024)
#define HTTP_PARAMS_MAX 4
#define HTTP_TARGET_MAX 2048
#define HTTP_ROUTES_MAX 64

struct hub;
struct http;
struct MHD_Connection;

enum http_auth {
	HTTP_AUTH_NONE,    /* anyone (health check, login) */
	HTTP_AUTH_DEVICE,  /* a signed kiosk request (auth.h) */
	HTTP_AUTH_STAFF,   /* Authorization: Bearer <a staff token or the host's token> */
	HTTP_AUTH_CONSOLE, /* the console's session cookie; a POST also its form token */
};

/* Why a parked request's handler runs again (http_park). */
enum http_wake {
	HTTP_WAKE_NONE,    /* the first call: nothing parked yet */
	HTTP_WAKE_CHANGE,  /* a commit concerning this device (or maybe one) */
	HTTP_WAKE_TIMEOUT, /* the deadline passed */
	HTTP_WAKE_GONE,    /* the client closed or sent more: answer at once */
	HTTP_WAKE_STOP,    /* the hub stops, or it could not park: answer at once */
};

/* One request as handlers see it. Everything is borrowed for the call. */
struct http_req {
	struct hub *hub;                   /* shared state */
	struct MHD_Connection *conn;       /* for headers and query arguments */
	const char *method;                /* "GET", "POST" */
	const char *target;                /* as sent: path and query */
	const char *path;                  /* path only */
	const char *body;                  /* NUL-terminated; "" when none */
	size_t body_len;                   /* bytes of body */
	const char *param[HTTP_PARAMS_MAX]; /* the "*" segments of the pattern */
	int nparam;                        /* how many */
	char device[HUBDB_DEVICE_MAX + 1]; /* the authenticated device ("" for staff) */
	struct staff_who who;              /* the authenticated staff member (staff routes) */
	char addr[STAFF_ADDR_MAX + 1];     /* the client's address as text */
	const char *auth_fail;             /* why auth refused, for the log line */
	enum http_wake wake;               /* NONE, or why a parked request runs again */
	int64_t park_deadline_ms;          /* the deadline it was parked with (0: none) */
};

/* What a handler answers: a status and a JSON body (owned), or, for the
 * few pages a phone opens (api_pages.c), an HTML text instead. */
struct http_resp {
	int status;        /* HTTP status */
	json_t *body;      /* response body, owned; NULL gives {} */
	char *html;        /* when set: this UTF-8 HTML is the body, owned */
	char *file;        /* when set: these bytes are the body (a download), owned */
	size_t file_len;   /* bytes of file */
	const char *file_type;  /* its Content-Type (static text) */
	char file_name[64];     /* Content-Disposition: attachment; filename= (ASCII) */
	int retry_after;   /* seconds for Retry-After, 0 = none */
	char cookie[200];  /* when set: a Set-Cookie header */
	char location[HTTP_TARGET_MAX + 1]; /* when set: a Location header (redirects) */
	bool park;         /* http_park was called: no answer yet */
	int64_t park_seen; /* the store revision the handler's query saw */
	int64_t park_deadline_ms; /* monotonic ms at which to run it again anyway */
};

typedef void (*http_handler)(struct http_req *rq, struct http_resp *rs);

struct http_route {
	const char *method;  /* "GET" or "POST" */
	const char *pattern; /* "/v1/admin/apps/x/act" with x written as "*" */
	enum http_auth auth; /* what the caller must prove */
	http_handler fn;     /* the handler */
	unsigned roles;      /* staff and console routes: the roles that may (any of
			      * these bits; STAFF_ANY for every staff member) */
};

/* How a server answers a console request it refuses before the handler
 * (no session: status 401; a role missing: 403; a form without its token:
 * 403): an HTML page, where the API answers JSON. */
typedef void (*http_refuse_fn)(struct http_req *rq, struct http_resp *rs, int status,
			       const char *why);

/* Listening options. */
struct http_opts {
	const char *listen;      /* IPv4 or IPv6 literal */
	int port;                /* 0 = any free port */
	bool tls;                /* false only for --insecure-http on loopback */
	const char *cert_pem;    /* PEM text, with tls */
	const char *key_pem;     /* PEM text, with tls */
	int max_connections;     /* connection limit in all (lowered to fit the open-file limit) */
	int per_address;         /* connection limit per source address */
	int timeout_s;           /* idle limit: from accept or the last answer to the next request line */
	int request_timeout_s;   /* deadline for a request's whole head and body */
	int threads;             /* worker threads; 0 = two per CPU (2..32) */
	const char *html_csp;    /* Content-Security-Policy of HTML answers; NULL: no
				  * scripts, inline styles (the pages for phones) */
};

/* What the server holds now (for /health and the log). */
struct http_stats {
	int connections;         /* open connections */
	int parked;              /* long-polls parked */
	int max_connections;     /* the limit in effect */
	long long cut;           /* connections cut for a deadline since start */
	long long woken;         /* parked requests run again for a commit since start */
};

/* A server with an empty route table. */
struct http *http_new(struct hub *hub);

/* Add n routes (before http_start). CA_ERR_TOO_LONG when the table is full;
 * CA_ERR_INVALID for a staff or console route that names no roles. */
ca_err http_add_routes(struct http *h, const struct http_route *routes, size_t n);

/* The answer to a console request refused before its handler. */
void http_set_refuse(struct http *h, http_refuse_fn fn);

/* Start listening. On failure a message is in err. */
ca_err http_start(struct http *h, const struct http_opts *o, char *err, size_t errlen);

/* The port it listens on (after http_start). */
int http_port(const struct http *h);

/* The figures of struct http_stats. */
void http_get_stats(struct http *h, struct http_stats *out);

/* Stop (joins every connection thread) and free. http_free(NULL) is fine. */
void http_free(struct http *h);

/* ---- for handlers ---- */
const char *http_header(const struct http_req *rq, const char *name);
const char *http_query(const struct http_req *rq, const char *name);

/* Answer later: park the request (no thread is held) until a commit that
 * may concern rq->device comes after revision seen, deadline_ms (monotonic)
 * passes, the client goes away, or the hub stops; then the same handler
 * runs again with rq->wake saying why and rq->park_deadline_ms set. It may
 * park again (a wake-up may be spurious) or answer. Only for device routes. */
void http_park(struct http_resp *rs, int64_t seen, int64_t deadline_ms);
/* (deadline_ms is of ca_mono_ms, src/core/clock.h.) */


/* Set rs to status with body (stolen). */
void http_reply(struct http_resp *rs, int status, json_t *body);

/* Set rs to status with an HTML page (stolen; malloc'd, NUL-terminated),
 * served as text/html; charset=utf-8 with a CSP that allows no scripts. */
void http_reply_html(struct http_resp *rs, int status, char *html);

/* Set rs to status with a download: len bytes of data (stolen, malloc'd)
 * of type ctype (static), sent as an attachment named name ([A-Za-z0-9._-]),
 * or, with name NULL, as the resource itself (a style sheet, a script). */
void http_reply_file(struct http_resp *rs, int status, char *data, size_t len,
		     const char *ctype, const char *name);

/* Set rs to a 303 See Other to target (a path of this server). */
void http_redirect(struct http_resp *rs, const char *target);

/* The value of field name in the request's form body
 * (application/x-www-form-urlencoded), decoded into out (size n); NULL when
 * it is not there, not valid UTF-8 or longer than n - 1 bytes. */
const char *http_form(const struct http_req *rq, const char *name, char *out, size_t n);

/* Set rs to the error body of docs/api.md. code e.g. "forbidden". */
void http_error(struct http_resp *rs, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The status and code of a project error (CA_ERR_FORBIDDEN -> 403 ...). */
int http_status_of(ca_err e, const char **code);

/* Parse the request body as a JSON object; on failure rs is set to 400
 * and NULL is returned. Caller owns the result. */
json_t *http_json_body(const struct http_req *rq, struct http_resp *rs);

#endif
