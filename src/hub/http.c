/*
 * http.c - libmicrohttpd glue: per-request state, body collection with a
 * cap, routing, authentication, JSON responses, parked long-polls and the
 * guards against slow or greedy clients (see http.h).
 *
 * MHD runs in epoll mode with a small pool of worker threads; no thread
 * belongs to a connection. MHD calls, per request: uri_log() first, with
 * the target as sent (query included), where our struct req is made; then
 * on_request() once with the headers, once per body chunk, and once more at
 * the end, where the route runs; on_done() frees the struct.
 *
 * Where to start reading: on_request(), then park() and watch_main(). A
 * long-poll handler that has nothing to answer calls http_park(); the
 * request is suspended (MHD_suspend_connection) and put in a table hashed
 * by device. One watcher thread resumes parked requests: when a commit
 * concerns their device (the store's commit hook pokes an eventfd; the
 * watcher asks the store which devices the new revisions concern, so many
 * commits make one query), when their deadline passes, or when the client
 * goes away (the socket is in the watcher's epoll set with EPOLLRDHUP while
 * parked). A resumed request runs its handler again (MHD calls
 * on_request() once more), without authenticating again.
 *
 * The watcher also enforces the two clocks MHD lacks (struct conn, one per
 * TCP connection, from MHD's connection notifications): an idle connection
 * (no request line yet since accept or since the last answer) is cut after
 * the idle limit, and a request whose head and body have not all arrived
 * within the request deadline is cut, however slowly its bytes trickle in.
 * A connection whose client has shut down its side and left nothing
 * unread, while no request of it is being handled, is cut within two
 * sweeps (it can never send a request again). Cut = shutdown(2) of the
 * socket under conn_mu; MHD sees the end of the
 * stream and closes it itself (it notifies CLOSED before it closes the fd,
 * so the fd we shut down is never another connection's).
 */
#include "http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/utf8.h"
#include "auth.h"
#include "hub.h"
#include "urlform.h"
#include "vclock.h"

#define TAG "http"
#define PARK_BUCKETS 4096     /* hash buckets of parked requests (by device) */
#define PARK_TRIES 3          /* parks refused in a row before answering anyway */
#define RECENT 64             /* handled commit runs remembered (see park()) */
#define WATCH_EVENTS 256      /* epoll events taken per wait */
#define WATCH_TICK_MS 1000    /* longest sleep of the watcher */
#define STOP_DRAIN_MS 3000     /* longest wait for parked answers at a stop */
#define FD_RESERVE 256        /* open files kept for the store, logs, TLS files */
#define LOG_BURST 20          /* MHD messages logged per window ... */
#define LOG_WINDOW_MS 10000   /* ... of this length; the rest are counted */

/* Where a connection is, for the two clocks (see the top of the file). */
enum conn_state {
	CONN_IDLE,      /* accepted, or answered: waiting for a request line */
	CONN_RECEIVING, /* request line seen: head and body arriving */
	CONN_BUSY,      /* handled, parked or answering: not ours to cut */
	CONN_CUT,       /* shut down by the watcher; MHD will close it */
};

/* One TCP connection (MHD's socket context), in struct http's list. */
struct conn {
	int fd;                  /* its socket (owned by MHD) */
	enum conn_state state;   /* see above */
	int64_t since_ms;        /* when the state began (monotonic) */
	bool peer_gone;          /* the client shut down its side (seen once) */
	struct conn *prev, *next; /* in http.conns */
};

struct req;

/* One run of commits the watcher handled: revisions (from, to] and the
 * devices they concern. */
struct run {
	int64_t from, to;                 /* the revisions */
	char (*id)[HUBDB_DEVICE_MAX + 1]; /* the devices, owned (NULL: none) */
	size_t n;                         /* how many */
	bool all;                         /* concerned everyone (lookup failed) */
};

struct http {
	struct hub *hub;                          /* shared state */
	struct MHD_Daemon *d;                     /* the daemon, once started */
	struct http_route routes[HTTP_ROUTES_MAX]; /* the table */
	size_t nroutes;                           /* entries used */
	int port;                                 /* bound port */
	bool tls;                                 /* serving TLS (HSTS header) */
	int idle_ms;                              /* idle limit */
	int request_ms;                           /* head and body deadline */
	int max_connections;                      /* the limit in effect */
	const char *html_csp;                     /* CSP of HTML answers (http_opts) */
	http_refuse_fn refuse;                    /* console refusals (NULL: JSON) */

	pthread_mutex_t park_mu;                  /* guards the park table below */
	struct req *park[PARK_BUCKETS];           /* parked requests, by device hash */
	int nparked;                              /* how many */
	int64_t woken_rev;                        /* revisions up to here were handled */
	int64_t next_deadline_ms;                 /* earliest parked deadline (or later) */
	bool stopping;                            /* no more parking: answer at once */
	int draining;                             /* resumed for the stop, not yet answered */
	long long woken;                          /* resumed for a commit since start */
	struct run recent[RECENT];                /* the last runs handled, a ring */
	unsigned nrecent;                         /* runs ever handled (ring index) */

	pthread_mutex_t conn_mu;                  /* guards the list below */
	struct conn *conns;                       /* every open connection */
	int nconns;                               /* how many */
	long long ncut;                           /* cut by a clock since start */
	struct pollfd *poll;                      /* the watcher's poll array, owned */
	size_t npoll;                             /* its size */

	int epfd;                                 /* the watcher's epoll set, or -1 */
	int evfd;                                 /* commits and new deadlines poke it, or -1 */
	pthread_t watcher;                        /* the watcher thread */
	bool watching;                            /* it runs */
	bool quit;                                /* tell it to end (under park_mu) */

	pthread_mutex_t log_mu;                   /* guards the MHD log limiter */
	int64_t log_window_ms;                    /* start of the current window */
	int log_count;                            /* messages in it */
	long long log_dropped;                    /* not logged in it */
};

/* Per-request state, from uri_log() to on_done(). */
struct req {
	struct http *h;     /* the server */
	char *target;       /* as sent, owned */
	bool started;       /* headers seen */
	bool too_large;     /* body went over the cap */
	char *body;         /* collected body, owned, NUL-terminated */
	size_t len, cap;    /* bytes used and allocated */
	int64_t t0_ms;      /* monotonic start, for the log line */
	/* A parked request (http_park): what its handler needs to run again. */
	const struct http_route *route;          /* its route */
	char device[HUBDB_DEVICE_MAX + 1];       /* the authenticated device */
	struct MHD_Connection *conn;             /* to resume */
	int fd;                                  /* watched for the client leaving, or -1 */
	bool parked;                             /* in the table, suspended */
	bool draining;                           /* counted in http.draining */
	enum http_wake wake;                     /* why it was resumed */
	int64_t deadline_ms;                     /* when to resume it anyway */
	unsigned bucket;                         /* its hash bucket */
	struct req *pprev, *pnext;               /* in the bucket */
};

/* The epoll tag of the eventfd (parked requests are tagged by their req). */
static char evfd_tag;

struct http *http_new(struct hub *hub)
{
	struct http *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->hub = hub;
	h->epfd = -1;
	h->evfd = -1;
	pthread_mutex_init(&h->park_mu, NULL);
	pthread_mutex_init(&h->conn_mu, NULL);
	pthread_mutex_init(&h->log_mu, NULL);
	return h;
}

ca_err http_add_routes(struct http *h, const struct http_route *r, size_t n)
{
	size_t i;

	assert(!h->d);
	if (h->nroutes + n > HTTP_ROUTES_MAX)
		return CA_ERR_TOO_LONG;
	/* A staff route that names no role would be open to every role: a
	 * forgotten field must not grant anything. */
	for (i = 0; i < n; i++)
		if ((r[i].auth == HTTP_AUTH_STAFF || r[i].auth == HTTP_AUTH_CONSOLE) && !r[i].roles)
			return CA_ERR_INVALID;
	memcpy(h->routes + h->nroutes, r, n * sizeof(*r));
	h->nroutes += n;
	return CA_OK;
}

void http_set_refuse(struct http *h, http_refuse_fn fn)
{
	h->refuse = fn;
}

/* Match path against pattern; the '*' segments go to rq->param (pointing
 * into buf, a writable copy of path). */
static bool match(const char *pattern, char *buf, struct http_req *rq)
{
	const char *p = pattern;
	char *s = buf;

	rq->nparam = 0;
	while (*p && *s) {
		if (*p == '*') {
			char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);

			if (!len || rq->nparam == HTTP_PARAMS_MAX)
				return false;
			rq->param[rq->nparam++] = s;
			p++;
			s += len;
			if (*s) {
				if (*p != '/')
					return false;
				*s++ = '\0';
				p++;
			}
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return !*p && !*s;
}

/* Forget a download body set before. */
static void drop_file(struct http_resp *rs)
{
	free(rs->file);
	rs->file = NULL;
	rs->file_len = 0;
	rs->file_type = NULL;
}

void http_reply(struct http_resp *rs, int status, json_t *body)
{
	json_decref(rs->body);
	free(rs->html);
	rs->html = NULL;
	drop_file(rs);
	rs->status = status;
	rs->body = body;
}

void http_reply_html(struct http_resp *rs, int status, char *html)
{
	json_decref(rs->body);
	rs->body = NULL;
	free(rs->html);
	drop_file(rs);
	rs->status = status;
	rs->html = html;
	if (!html)
		http_error(rs, 500, "internal", "out of memory");
}

void http_reply_file(struct http_resp *rs, int status, char *data, size_t len,
		     const char *ctype, const char *name)
{
	json_decref(rs->body);
	rs->body = NULL;
	free(rs->html);
	rs->html = NULL;
	drop_file(rs);
	if (!data) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	assert(!name ||
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
	       == strlen(name));
	rs->status = status;
	rs->file = data;
	rs->file_len = len;
	rs->file_type = ctype;
	snprintf(rs->file_name, sizeof(rs->file_name), "%s", name ? name : "");
}

void http_redirect(struct http_resp *rs, const char *target)
{
	http_reply(rs, 303, NULL);
	snprintf(rs->location, sizeof(rs->location), "%s", target);
	rs->html = strdup("");
	if (!rs->html)
		http_error(rs, 500, "internal", "out of memory");
}

const char *http_form(const struct http_req *rq, const char *name, char *out, size_t n)
{
	const char *p = rq->body, *end = rq->body + rq->body_len;
	struct urlform_field f;
	size_t nl = strlen(name), cnt;

	while (urlform_next(&p, end, &f)) {
		if (f.val && f.key_len == nl && memcmp(f.key, name, nl) == 0) {
			if (!urlform_decode(f.val, f.val_len, out, n) || !utf8_count(out, &cnt))
				return NULL;
			return out;
		}
	}
	return NULL;
}

void http_error(struct http_resp *rs, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply(rs, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

int http_status_of(ca_err e, const char **code)
{
	static const struct { ca_err e; int status; const char *code; } map[] = {
		{ CA_ERR_ARG, 400, "bad_request" },
		{ CA_ERR_CODEC, 400, "bad_request" },
		{ CA_ERR_FORBIDDEN, 403, "forbidden" },
		{ CA_ERR_NOT_FOUND, 404, "not_found" },
		{ CA_ERR_CONFLICT, 409, "conflict" },
		{ CA_ERR_TOO_LONG, 413, "too_large" },
		{ CA_ERR_INVALID, 422, "invalid" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].e == e) {
			*code = map[i].code;
			return map[i].status;
		}
	*code = "internal";
	return 500;
}

const char *http_header(const struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *http_json_body(const struct http_req *rq, struct http_resp *rs)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		http_error(rs, 400, "bad_request", "body is not JSON: %s (at byte %d)", je.text,
			   je.position);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		http_error(rs, 400, "bad_request", "body must be a JSON object");
		return NULL;
	}
	return j;
}

/* The connection's state for the clocks, from MHD's socket context. */
static void conn_set(struct http *h, struct MHD_Connection *c, enum conn_state st)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;

	if (!k)
		return;
	pthread_mutex_lock(&h->conn_mu);
	if (k->state != CONN_CUT) {
		k->state = st;
		k->since_ms = ca_mono_ms();
		k->peer_gone = false;
	}
	pthread_mutex_unlock(&h->conn_mu);
}

/* MHD's connection notifications: track every TCP connection. */
static void on_conn(void *cls, struct MHD_Connection *c, void **socket_context,
		    enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		k = calloc(1, sizeof(*k));
		if (!k)
			return; /* untracked: MHD's own idle timeout still applies */
		k->fd = ci ? ci->connect_fd : -1;
		k->state = CONN_IDLE;
		k->since_ms = ca_mono_ms();
		pthread_mutex_lock(&h->conn_mu);
		k->next = h->conns;
		if (h->conns)
			h->conns->prev = k;
		h->conns = k;
		h->nconns++;
		pthread_mutex_unlock(&h->conn_mu);
		*socket_context = k;
		return;
	}
	if (!k)
		return;
	/* CLOSED: MHD closes the fd only after this returns. */
	pthread_mutex_lock(&h->conn_mu);
	if (k->prev)
		k->prev->next = k->next;
	else
		h->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	h->nconns--;
	pthread_mutex_unlock(&h->conn_mu);
	free(k);
	*socket_context = NULL;
}

/* The first call for a request: MHD hands us the raw target. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http *h = cls;
	struct req *r = calloc(1, sizeof(*r));

	conn_set(h, c, CONN_RECEIVING);
	if (!r)
		return NULL;
	r->h = h;
	r->fd = -1;
	r->target = strdup(uri ? uri : "/");
	r->t0_ms = ca_mono_ms();
	if (!r->target) {
		free(r);
		return NULL;
	}
	return r;
}

static void unlink_locked(struct http *h, struct req *r);

/* After an answer: a client that has shut down its side cannot send
 * another request, so its connection is shut down now. libmicrohttpd's
 * edge-triggered epoll does not always see an end of stream that came
 * with the request (it would keep the socket in CLOSE-WAIT until the idle
 * limit). The answer is already in the socket's send queue: shutdown(2)
 * sends it before the FIN. */
static void close_if_peer_left(struct http *h, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;
	struct pollfd p;

	if (!k || k->fd < 0)
		return;
	p.fd = k->fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, 0) != 1 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return;
	pthread_mutex_lock(&h->conn_mu);
	k->state = CONN_CUT;
	(void)shutdown(k->fd, SHUT_RDWR);
	pthread_mutex_unlock(&h->conn_mu);
}

/* Free the request state when MHD is done with the request. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct req *r = *con_cls;

	conn_set(h, c, CONN_IDLE);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		close_if_peer_left(h, c);
	if (r) {
		if (r->parked || r->draining) {
			pthread_mutex_lock(&h->park_mu);
			if (r->parked) /* only at a stop that did not resume it */
				unlink_locked(h, r);
			if (r->draining)
				h->draining--;
			pthread_mutex_unlock(&h->park_mu);
		}
		free(r->target);
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

/* Append a body chunk (the cap is checked by the caller). */
static bool body_add(struct req *r, const char *data, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->body, cap);
		if (!p)
			return false;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return true;
}

/* Queue rs as the response. */
static enum MHD_Result respond(struct http *h, struct MHD_Connection *c, struct http_resp *rs)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char date[64], num[32], disp[128], *text;
	bool html = true, file = rs->file != NULL;
	time_t now = (time_t)vclock_now_s();
	struct tm tm;
	size_t len = 0;

	if (file) {
		text = rs->file; /* handed to MHD below */
		len = rs->file_len;
		rs->file = NULL;
		html = false;
	} else if (rs->html) {
		text = rs->html; /* handed to MHD below */
		rs->html = NULL;
	} else {
		/* 204: no body at all. */
		text = rs->status == 204 ? strdup("") : rs->body ? json_dumps(rs->body,
			JSON_COMPACT) : strdup("{}");
		html = false;
	}
	if (!text) {
		text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		rs->status = 500;
		if (!text)
			return MHD_NO;
	}
	if (!file)
		len = strlen(text);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	gmtime_r(&now, &tm);
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_DATE, date);
	if (file) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rs->file_type);
		if (rs->file_name[0]) {
			snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", rs->file_name);
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
		}
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'none'; frame-ancestors 'none'");
	} else if (html) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/html; charset=utf-8");
		MHD_add_response_header(resp, "Content-Security-Policy", h->html_csp ? h->html_csp
					: "default-src 'none'; style-src 'unsafe-inline'; "
					  "frame-ancestors 'none'");
	} else {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json; charset=utf-8");
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	/* Page addresses carry secrets (the invoice token, the PDF key):
	 * never hand them to another site. */
	if (file || html) {
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
		/* Never inside another site's frame (a page that overlays
		 * ours could make a person type the company name for it). */
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (h->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (rs->retry_after > 0) {
		snprintf(num, sizeof(num), "%d", rs->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (rs->cookie[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, rs->cookie);
	if (rs->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rs->location);
	ret = MHD_queue_response(c, (unsigned)rs->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answer a request refused before its handler: the console's page, or
 * the API's JSON error. */
static void refuse(struct http *h, struct http_req *rq, struct http_resp *rs,
		   enum http_auth auth, int status, const char *why)
{
	if (auth == HTTP_AUTH_CONSOLE && h->refuse)
		h->refuse(rq, rs, status, why);
	else
		http_error(rs, status, status == 401 ? "unauthorized" : "forbidden", "%s", why);
}

/* Find the route, authenticate, run it. A resumed request (r->route set)
 * runs its route again, without a second authentication (its nonce is
 * spent; the device was proven when it came). */
static void dispatch(struct http *h, struct req *r, struct http_req *rq, struct http_resp *rs,
		     const struct http_route **hit)
{
	char buf[HTTP_TARGET_MAX + 1];
	bool path_known = false;
	size_t i;
	int a;

	if (r->route) {
		*hit = r->route;
		snprintf(buf, sizeof(buf), "%s", rq->path);
		if (!match(r->route->pattern, buf, rq))
			assert(!"a parked request's path no longer matches its route");
		snprintf(rq->device, sizeof(rq->device), "%s", r->device);
		rq->wake = r->wake;
		rq->park_deadline_ms = r->deadline_ms;
		r->route->fn(rq, rs);
		if (!rs->status && !rs->park)
			http_error(rs, 500, "internal", "no response");
		return;
	}
	for (i = 0; i < h->nroutes; i++) {
		snprintf(buf, sizeof(buf), "%s", rq->path);
		if (!match(h->routes[i].pattern, buf, rq))
			continue;
		path_known = true;
		if (strcmp(h->routes[i].method, rq->method) != 0)
			continue;
		*hit = &h->routes[i];
		break;
	}
	if (!*hit) {
		size_t n;

		/* The method is quoted only when it is UTF-8 (a JSON string). */
		if (path_known && utf8_count(rq->method, &n) && n <= 16)
			http_error(rs, 405, "bad_request", "method %s is not allowed here",
				   rq->method);
		else if (path_known)
			http_error(rs, 405, "bad_request", "this method is not allowed here");
		else
			http_error(rs, 404, "not_found", "no such endpoint");
		return;
	}
	a = (*hit)->auth == HTTP_AUTH_DEVICE  ? auth_device(rq)
	  : (*hit)->auth == HTTP_AUTH_STAFF   ? auth_staff(rq)
	  : (*hit)->auth == HTTP_AUTH_CONSOLE ? auth_console(rq) : 0;
	if (a == -1) {
		refuse(h, rq, rs, (*hit)->auth, 401, rq->auth_fail);
		return;
	}
	if (a) {
		http_error(rs, 500, "internal", "the hub could not check the request; retry later");
		rs->retry_after = 5;
		return;
	}
	if (((*hit)->auth == HTTP_AUTH_STAFF || (*hit)->auth == HTTP_AUTH_CONSOLE) &&
	    !((*hit)->roles & STAFF_ANY) && !(rq->who.roles & (*hit)->roles)) {
		char need[80];

		staff_roles_ids((*hit)->roles, need, sizeof(need));
		log_warn(TAG, "%s %s refused to %s: needs a role of %s", rq->method,
			 (*hit)->pattern, rq->who.name, need);
		refuse(h, rq, rs, (*hit)->auth, 403, "this needs a role the account does not have");
		return;
	}
	/* Every form the console posts carries the session's form token. */
	if ((*hit)->auth == HTTP_AUTH_CONSOLE && strcmp(rq->method, "GET") != 0 &&
	    !auth_console_form(rq)) {
		log_warn(TAG, "%s %s refused to %s: %s", rq->method, (*hit)->pattern,
			 rq->who.name, rq->auth_fail);
		refuse(h, rq, rs, (*hit)->auth, 403, rq->auth_fail);
		return;
	}
	/* The params point into buf, which lives until the handler returns. */
	(*hit)->fn(rq, rs);
	if (rs->park && (*hit)->auth != HTTP_AUTH_DEVICE) {
		assert(!"only device routes may park");
		rs->park = false;
	}
	if (!rs->status && !rs->park)
		http_error(rs, 500, "internal", "no response");
}

/* ---- parked requests ---- */

void http_park(struct http_resp *rs, int64_t seen, int64_t deadline_ms)
{
	rs->park = true;
	rs->park_seen = seen;
	rs->park_deadline_ms = deadline_ms;
}

/* FNV-1a of the device id. */
static unsigned bucket_of(const char *device)
{
	uint32_t x = 2166136261u;

	while (*device)
		x = (x ^ (unsigned char)*device++) * 16777619u;
	return x % PARK_BUCKETS;
}

/* Poke the watcher (a commit, an earlier deadline, a stop). */
static void poke(struct http *h)
{
	uint64_t one = 1;

	if (h->evfd >= 0 && write(h->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn(TAG, "cannot wake the watcher: %s", strerror(errno));
}

/* The store's commit hook (db.h): note it, nothing more. */
static void on_commit(void *ctx, int64_t rev)
{
	(void)rev;
	poke(ctx);
}

/* Take r out of the table (park_mu held). */
static void unlink_locked(struct http *h, struct req *r)
{
	if (r->pprev)
		r->pprev->pnext = r->pnext;
	else
		h->park[r->bucket] = r->pnext;
	if (r->pnext)
		r->pnext->pprev = r->pprev;
	r->pprev = r->pnext = NULL;
	h->nparked--;
	if (r->fd >= 0)
		(void)epoll_ctl(h->epfd, EPOLL_CTL_DEL, r->fd, NULL);
	r->parked = false;
}

/* Take r out of the table and let MHD run it again (park_mu held). The
 * socket leaves the epoll set before the resume: once resumed, MHD may
 * close it and the number may be reused. */
static void unpark_locked(struct http *h, struct req *r, enum http_wake why)
{
	unlink_locked(h, r);
	r->wake = why;
	MHD_resume_connection(r->conn);
}

/* Whether a commit after revision seen that the watcher has already
 * handled concerned device (park_mu held). The recent runs answer it when
 * they reach back to seen; when they do not, assume so (the handler then
 * queries again). Without this, under a steady stream of commits most
 * parks would be refused and re-queried for nothing. */
static bool missed(const struct http *h, const char *device, int64_t seen)
{
	unsigned k, lim = h->nrecent < RECENT ? h->nrecent : RECENT;
	int64_t covered = h->woken_rev;
	size_t i;

	for (k = 0; k < lim && covered > seen; k++) {
		const struct run *u = &h->recent[(h->nrecent - 1 - k) % RECENT];

		if (u->to != covered)
			return true; /* a gap: cannot tell */
		if (u->all)
			return true;
		for (i = 0; i < u->n; i++)
			if (strcmp(u->id[i], device) == 0)
				return true;
		covered = u->from;
	}
	return covered > seen;
}

/* Park r (rs->park set by its handler). false when it cannot be parked;
 * then *why says what to tell the handler when it runs again at once. */
static bool park(struct http *h, struct req *r, struct MHD_Connection *c,
		 const struct http_resp *rs, enum http_wake *why)
{
	const union MHD_ConnectionInfo *ci;
	struct epoll_event ev;

	pthread_mutex_lock(&h->park_mu);
	if (h->stopping || h->epfd < 0) {
		pthread_mutex_unlock(&h->park_mu);
		*why = HTTP_WAKE_STOP;
		return false;
	}
	/* The watcher has handled commits after the handler's query: one
	 * of them may have concerned this device and found it not parked. */
	if (rs->park_seen < h->woken_rev && missed(h, r->device, rs->park_seen)) {
		pthread_mutex_unlock(&h->park_mu);
		*why = HTTP_WAKE_CHANGE;
		return false;
	}
	r->conn = c; /* route and device: set by the caller */
	r->deadline_ms = rs->park_deadline_ms;
	r->bucket = bucket_of(r->device);
	r->wake = HTTP_WAKE_NONE;
	MHD_suspend_connection(c);
	r->parked = true;
	r->pprev = NULL;
	r->pnext = h->park[r->bucket];
	if (r->pnext)
		r->pnext->pprev = r;
	h->park[r->bucket] = r;
	h->nparked++;
	if (r->fd < 0) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		r->fd = ci ? ci->connect_fd : -1;
	}
	if (r->fd >= 0) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
		ev.data.ptr = r;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, r->fd, &ev) != 0)
			r->fd = -1; /* not watched: the deadline still ends it */
	}
	if (r->deadline_ms < h->next_deadline_ms) {
		h->next_deadline_ms = r->deadline_ms;
		poke(h);
	}
	pthread_mutex_unlock(&h->park_mu);
	return true;
}

/* Devices a run of commits concerns, collected by the watcher. */
struct devset {
	char (*id)[HUBDB_DEVICE_MAX + 1]; /* the ids, owned */
	size_t n, cap;                    /* used and allocated */
	bool overflow;                    /* out of memory: wake everyone */
};

static void devset_add(void *ctx, const char *device)
{
	struct devset *d = ctx;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		void *p = realloc(d->id, cap * sizeof(*d->id));

		if (!p) {
			d->overflow = true;
			return;
		}
		d->id = p;
		d->cap = cap;
	}
	snprintf(d->id[d->n++], sizeof(*d->id), "%s", device);
}

/* Note the run (from, to] with its devices in the ring (park_mu held). */
static void remember(struct http *h, const struct devset *d, int64_t from, int64_t to)
{
	struct run *u = &h->recent[h->nrecent++ % RECENT];

	free(u->id);
	memset(u, 0, sizeof(*u));
	u->from = from;
	u->to = to;
	u->all = d->overflow;
	if (!u->all && d->n) {
		u->id = malloc(d->n * sizeof(*u->id));
		if (u->id) {
			memcpy(u->id, d->id, d->n * sizeof(*u->id));
			u->n = d->n;
		} else {
			u->all = true;
		}
	}
}

/* Resume every parked request of the devices in d (all when d
 * overflowed), then note rev as handled. */
static void wake_devices(struct http *h, const struct devset *d, int64_t rev)
{
	struct req *r, *next;
	size_t i, b;

	pthread_mutex_lock(&h->park_mu);
	if (d->overflow) {
		for (b = 0; b < PARK_BUCKETS; b++)
			for (r = h->park[b]; r; r = next) {
				next = r->pnext;
				unpark_locked(h, r, HTTP_WAKE_CHANGE);
				h->woken++;
			}
	} else {
		for (i = 0; i < d->n; i++)
			for (r = h->park[bucket_of(d->id[i])]; r; r = next) {
				next = r->pnext;
				if (strcmp(r->device, d->id[i]) == 0) {
					unpark_locked(h, r, HTTP_WAKE_CHANGE);
					h->woken++;
				}
			}
	}
	if (rev > h->woken_rev) {
		remember(h, d, h->woken_rev, rev);
		h->woken_rev = rev;
	}
	pthread_mutex_unlock(&h->park_mu);
}

/* Resume the parked requests whose deadline has come; note the next one. */
static void wake_deadlines(struct http *h, int64_t now)
{
	struct req *r, *next;
	int64_t soonest = INT64_MAX;
	size_t b;

	pthread_mutex_lock(&h->park_mu);
	if (now >= h->next_deadline_ms) {
		for (b = 0; b < PARK_BUCKETS; b++)
			for (r = h->park[b]; r; r = next) {
				next = r->pnext;
				if (r->deadline_ms <= now)
					unpark_locked(h, r, HTTP_WAKE_TIMEOUT);
				else if (r->deadline_ms < soonest)
					soonest = r->deadline_ms;
			}
		h->next_deadline_ms = soonest;
	}
	pthread_mutex_unlock(&h->park_mu);
}

/* Shut down the idle or receiving connections whose client has shut down
 * its side (conn_mu held): they can never complete a request, and
 * libmicrohttpd's edge-triggered epoll may not see an end of stream that
 * came together with the last bytes. One poll(2) for all of them. */
static int reap_gone(struct http *h)
{
	struct conn *k;
	size_t n = 0, i;
	int cut = 0;

	if (h->npoll < (size_t)h->nconns) {
		struct pollfd *p = realloc(h->poll, (size_t)h->nconns * sizeof(*p));

		if (!p)
			return 0;
		h->poll = p;
		h->npoll = (size_t)h->nconns;
	}
	for (k = h->conns; k && n < h->npoll; k = k->next)
		if (k->fd >= 0 && (k->state == CONN_IDLE || k->state == CONN_RECEIVING)) {
			h->poll[n].fd = k->fd;
			h->poll[n].events = POLLRDHUP;
			h->poll[n].revents = 0;
			n++;
		}
	if (!n || poll(h->poll, n, 0) <= 0)
		return 0;
	for (k = h->conns, i = 0; k && i < n; k = k->next) {
		if (k->fd < 0 || (k->state != CONN_IDLE && k->state != CONN_RECEIVING))
			continue;
		int unread = 0;

		if (!(h->poll[i++].revents & (POLLRDHUP | POLLHUP | POLLERR)))
			continue;
		/* Bytes still unread may complete a request: not gone yet. */
		if (ioctl(k->fd, FIONREAD, &unread) == 0 && unread > 0)
			continue;
		/* Seen at two sweeps in a row (a second apart): libmicrohttpd
		 * has had its time to handle what it read. */
		if (!k->peer_gone) {
			k->peer_gone = true;
			continue;
		}
		k->state = CONN_CUT;
		(void)shutdown(k->fd, SHUT_RDWR);
		cut++;
	}
	return cut;
}

/* Cut connections over the idle limit or the request deadline, and those
 * whose client has gone. */
static void reap(struct http *h, int64_t now)
{
	struct conn *k;
	int idle = 0, slow = 0;

	pthread_mutex_lock(&h->conn_mu);
	(void)reap_gone(h);
	for (k = h->conns; k; k = k->next) {
		bool over = (k->state == CONN_IDLE && now - k->since_ms > h->idle_ms) ||
			    (k->state == CONN_RECEIVING && now - k->since_ms > h->request_ms);

		if (!over || k->fd < 0)
			continue;
		if (k->state == CONN_IDLE)
			idle++;
		else
			slow++;
		k->state = CONN_CUT;
		(void)shutdown(k->fd, SHUT_RDWR);
	}
	h->ncut += idle + slow;
	pthread_mutex_unlock(&h->conn_mu);
	/* One line per sweep, never one per connection: a flood of slow
	 * clients must not flood the log. */
	if (idle || slow)
		log_warn(TAG, "cut %d connection(s) idle over %d s and %d whose request did "
			 "not arrive within %d s", idle, h->idle_ms / 1000, slow,
			 h->request_ms / 1000);
}

/* The watcher thread: commits, deadlines, clients leaving, the clocks. */
static void *watch_main(void *arg)
{
	struct http *h = arg;
	struct epoll_event ev[WATCH_EVENTS];
	struct devset d = { 0 };
	int64_t next_reap = ca_mono_ms() + WATCH_TICK_MS, now, wait, rev, done;
	uint64_t cnt;
	int n, i;

	for (;;) {
		pthread_mutex_lock(&h->park_mu);
		if (h->quit) {
			pthread_mutex_unlock(&h->park_mu);
			break;
		}
		now = ca_mono_ms();
		wait = h->next_deadline_ms - now;
		done = h->woken_rev;
		pthread_mutex_unlock(&h->park_mu);
		if (wait > next_reap - now)
			wait = next_reap - now;
		if (wait < 0)
			wait = 0;
		n = epoll_wait(h->epfd, ev, WATCH_EVENTS, (int)wait);
		for (i = 0; i < n; i++) {
			struct req *r = ev[i].data.ptr;

			if (ev[i].data.ptr == &evfd_tag) {
				if (read(h->evfd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
					log_warn(TAG, "eventfd: %s", strerror(errno));
				continue;
			}
			pthread_mutex_lock(&h->park_mu);
			/* One-shot: it fired once; r is still parked unless a
			 * commit or a deadline resumed it meanwhile. */
			if (r->parked)
				unpark_locked(h, r, HTTP_WAKE_GONE);
			pthread_mutex_unlock(&h->park_mu);
		}
		rev = hubdb_rev_current(h->hub->db);
		if (rev > done) {
			d.n = 0;
			d.overflow = false;
			if (hubdb_devices_changed(h->hub->db, done, rev, devset_add, &d))
				d.overflow = true; /* could not ask: wake everyone */
			wake_devices(h, &d, rev);
		}
		now = ca_mono_ms();
		wake_deadlines(h, now);
		if (now >= next_reap) {
			reap(h, now);
			next_reap = now + WATCH_TICK_MS;
		}
	}
	free(d.id);
	return NULL;
}

/* Stop parking and answer every parked request now; wait (a little) until
 * their answers have gone out, so a stop never leaves a kiosk without one. */
static void unpark_all(struct http *h)
{
	struct req *r, *next;
	size_t b;
	int i;

	pthread_mutex_lock(&h->park_mu);
	h->stopping = true;
	for (b = 0; b < PARK_BUCKETS; b++)
		for (r = h->park[b]; r; r = next) {
			next = r->pnext;
			r->draining = true;
			h->draining++;
			unpark_locked(h, r, HTTP_WAKE_STOP);
		}
	pthread_mutex_unlock(&h->park_mu);
	for (i = 0; i < STOP_DRAIN_MS / 10; i++) {
		pthread_mutex_lock(&h->park_mu);
		b = (size_t)h->draining;
		pthread_mutex_unlock(&h->park_mu);
		if (!b)
			break;
		nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
	}
}

/* ---- the access handler ---- */

/* The client's address of connection c as text into out ("?" unknown). */
static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, n, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http *h = cls;
	struct req *r = *con_cls;
	struct http_resp rs = { 0 };
	struct http_req rq;
	const struct http_route *hit = NULL;
	char path[HTTP_TARGET_MAX + 1];
	enum MHD_Result ret;
	enum http_wake why;
	const char *q;
	int tries;

	(void)url;
	(void)version;
	if (!r)
		return MHD_NO; /* out of memory in uri_log */
	if (!r->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);

		r->started = true;
		/* A declared body over the cap is refused before it is read. */
		if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_MAX) {
			conn_set(h, c, CONN_BUSY);
			http_error(&rs, 413, "too_large", "body over %d bytes", HTTP_BODY_MAX);
			ret = respond(h, c, &rs);
			json_decref(rs.body);
			free(rs.file);
			return ret;
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->too_large || r->len + *upload_data_size > HTTP_BODY_MAX)
			r->too_large = true;
		else if (!body_add(r, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The whole request is here: the deadline no longer applies. */
	if (!r->route)
		conn_set(h, c, CONN_BUSY);

	memset(&rq, 0, sizeof(rq));
	rq.hub = h->hub;
	rq.conn = c;
	client_addr(c, rq.addr, sizeof(rq.addr));
	rq.method = method;
	rq.target = r->target;
	q = strchr(r->target, '?');
	snprintf(path, sizeof(path), "%.*s",
		 (int)(q ? (size_t)(q - r->target) : strlen(r->target)), r->target);
	rq.path = path;
	rq.body = r->body ? r->body : "";
	rq.body_len = r->len;
	if (r->too_large)
		http_error(&rs, 413, "too_large", "body over %d bytes", HTTP_BODY_MAX);
	else if (strlen(r->target) > HTTP_TARGET_MAX)
		http_error(&rs, 400, "bad_request", "request target too long");
	else
		dispatch(h, r, &rq, &rs, &hit);

	/* A long-poll with nothing to say yet: park it. When it cannot be
	 * parked, its handler runs again at once with the reason. */
	for (tries = 0; rs.park; tries++) {
		if (!r->route) {
			r->route = hit;
			snprintf(r->device, sizeof(r->device), "%s", rq.device);
		}
		if (tries < PARK_TRIES && park(h, r, c, &rs, &why))
			return MHD_YES;
		if (tries >= PARK_TRIES)
			why = HTTP_WAKE_STOP;
		r->wake = why;
		r->deadline_ms = rs.park_deadline_ms;
		memset(&rs, 0, sizeof(rs));
		dispatch(h, r, &rq, &rs, &hit);
	}

	/* The pattern, not the path: paths may hold a phone number. */
	if (rs.status == 401)
		log_warn(TAG, "%s %s -> 401 device=%s: %s", method, hit ? hit->pattern : "?",
			 rq.device[0] ? rq.device : "-", rq.auth_fail ? rq.auth_fail : "");
	else
		log_msg(rs.status >= 500 ? LOG_ERROR : LOG_INFO, TAG, "%s %s -> %d%s%s %lldms",
			method, hit ? hit->pattern : "(no route)", rs.status,
			rq.device[0] ? " device=" : "", rq.device,
			(long long)(ca_mono_ms() - r->t0_ms));
	ret = respond(h, c, &rs);
	json_decref(rs.body);
	free(rs.html);
	free(rs.file);
	return ret;
}

/* MHD's own error messages go to our log, at most LOG_BURST per window:
 * a client that opens connections beyond the limits makes MHD say so each
 * time, and must not fill the disk. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http *h = cls;
	char buf[512];
	int64_t now = ca_mono_ms();
	long long dropped = 0;
	bool say;
	size_t n;

	pthread_mutex_lock(&h->log_mu);
	if (now - h->log_window_ms >= LOG_WINDOW_MS) {
		dropped = h->log_dropped;
		h->log_dropped = 0;
		h->log_count = 0;
		h->log_window_ms = now;
	}
	say = h->log_count++ < LOG_BURST;
	if (!say)
		h->log_dropped++;
	pthread_mutex_unlock(&h->log_mu);
	if (dropped)
		log_warn("mhd", "%lld more messages in the last %d s not logged", dropped,
			 LOG_WINDOW_MS / 1000);
	if (!say)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warn("mhd", "%s", buf);
}

/* Raise the open-file limit to fit want connections; the connections it
 * allows (want, or fewer when the hard limit is lower). */
static int fit_open_files(int want)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)want + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need
										 : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		int fit = rl.rlim_cur > FD_RESERVE + 16 ? (int)(rl.rlim_cur - FD_RESERVE) : 16;

		log_warn(TAG, "the open-file limit (%llu) allows %d connections, not the %d "
			 "configured: raise LimitNOFILE", (unsigned long long)rl.rlim_cur, fit,
			 want);
		return fit;
	}
	return want;
}

/* The watcher's epoll set and eventfd, and the thread. */
static ca_err watch_start(struct http *h, char *err, size_t errlen)
{
	struct epoll_event ev;

	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->epfd < 0 || h->evfd < 0) {
		snprintf(err, errlen, "cannot make the long-poll watcher: %s", strerror(errno));
		return CA_ERR_IO;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &evfd_tag;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->evfd, &ev) != 0) {
		snprintf(err, errlen, "cannot watch the eventfd: %s", strerror(errno));
		return CA_ERR_IO;
	}
	h->woken_rev = hubdb_rev_current(h->hub->db);
	h->next_deadline_ms = INT64_MAX;
	hubdb_on_commit(h->hub->db, on_commit, h);
	if (pthread_create(&h->watcher, NULL, watch_main, h) != 0) {
		hubdb_on_commit(h->hub->db, NULL, NULL);
		snprintf(err, errlen, "cannot start the long-poll watcher thread");
		return CA_ERR_IO;
	}
	h->watching = true;
	return CA_OK;
}

ca_err http_start(struct http *h, const struct http_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			     MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int threads = o->threads > 0 ? (unsigned)o->threads
				: (unsigned)(ncpu > 1 ? (ncpu > 16 ? 32 : 2 * ncpu) : 2);
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->key_pem },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0,
		  (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
		{ MHD_OPTION_END, 0, NULL },
	};
	ca_err e;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, o->listen, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, o->listen, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)o->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "listen address '%s' is not an IP address", o->listen);
		return CA_ERR_ARG;
	}
	if (o->tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd was built without TLS");
			return CA_ERR_ARG;
		}
		flags |= MHD_USE_TLS;
	} else {
		tls_opts[0].option = MHD_OPTION_END;
	}
	h->tls = o->tls;
	h->html_csp = o->html_csp;
	h->idle_ms = o->timeout_s * 1000;
	h->request_ms = o->request_timeout_s * 1000;
	h->max_connections = fit_open_files(o->max_connections);
	e = watch_start(h, err, errlen);
	if (e)
		return e;
	/* MHD's own idle timeout stays as a backstop (a stalled send). */
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)h->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)o->per_address,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->timeout_s,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)4096,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
		MHD_OPTION_NOTIFY_CONNECTION, on_conn, h,
		MHD_OPTION_ARRAY, tls_opts,
		MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot listen on %s port %d (address in use, or a bad "
			 "certificate or key; see the log above)", o->listen, o->port);
		return CA_ERR_IO;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	log_info(TAG, "%u worker threads, at most %d connections (%d per address), idle "
		 "limit %d s, request deadline %d s", threads, h->max_connections, o->per_address,
		 o->timeout_s, o->request_timeout_s);
	return CA_OK;
}

int http_port(const struct http *h)
{
	return h->port;
}

void http_get_stats(struct http *h, struct http_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&h->conn_mu);
	out->connections = h->nconns;
	out->cut = h->ncut;
	pthread_mutex_unlock(&h->conn_mu);
	pthread_mutex_lock(&h->park_mu);
	out->parked = h->nparked;
	out->woken = h->woken;
	pthread_mutex_unlock(&h->park_mu);
	out->max_connections = h->max_connections;
}

void http_free(struct http *h)
{
	size_t i;

	if (!h)
		return;
	/* MHD refuses to stop with a suspended connection: none may stay.
	 * No MHD_quiesce_daemon before the stop: with a pool of epoll threads
	 * its removal of the listening socket from each thread's epoll set
	 * races the thread's own (libmicrohttpd 0.9.75 then aborts: "Failed
	 * to remove listen FD from epoll set", seen at SIGTERM in the tests),
	 * and MHD_stop_daemon closes the listening socket itself. */
	unpark_all(h);
	if (h->d)
		MHD_stop_daemon(h->d);
	if (h->watching) {
		hubdb_on_commit(h->hub->db, NULL, NULL);
		pthread_mutex_lock(&h->park_mu);
		h->quit = true;
		pthread_mutex_unlock(&h->park_mu);
		poke(h);
		pthread_join(h->watcher, NULL);
	}
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->evfd >= 0)
		close(h->evfd);
	for (i = 0; i < RECENT; i++)
		free(h->recent[i].id);
	free(h->poll);
	pthread_mutex_destroy(&h->park_mu);
	pthread_mutex_destroy(&h->conn_mu);
	pthread_mutex_destroy(&h->log_mu);
	free(h);
}
