/*
 * http.c - libmicrohttpd glue: per-request state, body collection with a
 * cap, routing, authentication, JSON responses (see http.h).
 *
 * MHD calls, per request: uri_log() first, with the target as sent (query
 * included), where our struct req is made; then on_request() once with the
 * headers, once per body chunk, and once more at the end, where the route
 * runs; on_done() frees the struct. Thread per connection: a handler may
 * block (the feed waits on the store's condition variable).
 */
#include "http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../core/log.h"
#include "auth.h"
#include "hub.h"
#include "vclock.h"

#define TAG "http"

struct http {
	struct hub *hub;                          /* shared state */
	struct MHD_Daemon *d;                     /* the daemon, once started */
	struct http_route routes[HTTP_ROUTES_MAX]; /* the table */
	size_t nroutes;                           /* entries used */
	int port;                                 /* bound port */
};

/* Per-request state, from uri_log() to on_done(). */
struct req {
	char *target;       /* as sent, owned */
	bool started;       /* headers seen */
	bool too_large;     /* body went over the cap */
	char *body;         /* collected body, owned, NUL-terminated */
	size_t len, cap;    /* bytes used and allocated */
	int64_t t0_ms;      /* monotonic start, for the log line */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct http *http_new(struct hub *hub)
{
	struct http *h = calloc(1, sizeof(*h));

	if (h)
		h->hub = hub;
	return h;
}

ca_err http_add_routes(struct http *h, const struct http_route *r, size_t n)
{
	assert(!h->d);
	if (h->nroutes + n > HTTP_ROUTES_MAX)
		return CA_ERR_TOO_LONG;
	memcpy(h->routes + h->nroutes, r, n * sizeof(*r));
	h->nroutes += n;
	return CA_OK;
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
	assert(strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
	       == strlen(name));
	rs->status = status;
	rs->file = data;
	rs->file_len = len;
	rs->file_type = ctype;
	snprintf(rs->file_name, sizeof(rs->file_name), "%s", name);
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

/* The first call for a request: MHD hands us the raw target. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = calloc(1, sizeof(*r));

	(void)cls;
	(void)c;
	if (!r)
		return NULL;
	r->target = strdup(uri ? uri : "/");
	r->t0_ms = mono_ms();
	if (!r->target) {
		free(r);
		return NULL;
	}
	return r;
}

/* Free the request state when MHD is done with the request. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
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
static enum MHD_Result respond(struct MHD_Connection *c, struct http_resp *rs)
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
		text = rs->body ? json_dumps(rs->body, JSON_COMPACT) : strdup("{}");
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
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", rs->file_name);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rs->file_type);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	} else if (html) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/html; charset=utf-8");
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'none'; style-src 'unsafe-inline'");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	} else {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json; charset=utf-8");
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	/* Page addresses carry secrets (the invoice token, the PDF key):
	 * never hand them to another site. */
	if (file || html)
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (rs->retry_after > 0) {
		snprintf(num, sizeof(num), "%d", rs->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	ret = MHD_queue_response(c, (unsigned)rs->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Find the route, authenticate, run it. */
static void dispatch(struct http *h, struct http_req *rq, struct http_resp *rs,
		     const struct http_route **hit)
{
	char buf[HTTP_TARGET_MAX + 1];
	bool path_known = false;
	size_t i;
	int a;

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
		if (path_known)
			http_error(rs, 405, "bad_request", "method %s is not allowed here",
				   rq->method);
		else
			http_error(rs, 404, "not_found", "no such endpoint");
		return;
	}
	a = (*hit)->auth == HTTP_AUTH_DEVICE ? auth_device(rq)
	  : (*hit)->auth == HTTP_AUTH_ADMIN  ? auth_admin(rq) : 0;
	if (a == -1) {
		http_error(rs, 401, "unauthorized", "%s", rq->auth_fail);
		return;
	}
	if (a) {
		http_error(rs, 500, "internal", "the hub could not check the request; retry later");
		rs->retry_after = 5;
		return;
	}
	/* The params point into buf, which lives until the handler returns. */
	(*hit)->fn(rq, rs);
	if (!rs->status)
		http_error(rs, 500, "internal", "no response");
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
	const char *q;

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
			http_error(&rs, 413, "too_large", "body over %d bytes", HTTP_BODY_MAX);
			ret = respond(c, &rs);
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

	memset(&rq, 0, sizeof(rq));
	rq.hub = h->hub;
	rq.conn = c;
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
		dispatch(h, &rq, &rs, &hit);

	/* The pattern, not the path: paths may hold a phone number. */
	if (rs.status == 401)
		log_warn(TAG, "%s %s -> 401 device=%s: %s", method, hit ? hit->pattern : "?",
			 rq.device[0] ? rq.device : "-", rq.auth_fail ? rq.auth_fail : "");
	else
		log_msg(rs.status >= 500 ? LOG_ERROR : LOG_INFO, TAG, "%s %s -> %d%s%s %lldms",
			method, hit ? hit->pattern : "(no route)", rs.status,
			rq.device[0] ? " device=" : "", rq.device,
			(long long)(mono_ms() - r->t0_ms));
	ret = respond(c, &rs);
	json_decref(rs.body);
	free(rs.html);
	free(rs.file);
	return ret;
}

/* MHD's own error messages go to our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warn("mhd", "%s", buf);
}

ca_err http_start(struct http *h, const struct http_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG | MHD_USE_ITC;
	const union MHD_DaemonInfo *info;

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
	}
	if (o->tls)
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_connections,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->timeout_s,
			MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
			MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
			MHD_OPTION_HTTPS_MEM_CERT, o->cert_pem,
			MHD_OPTION_HTTPS_MEM_KEY, o->key_pem,
			MHD_OPTION_HTTPS_PRIORITIES,
			"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
			MHD_OPTION_END);
	else
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_connections,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->timeout_s,
			MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
			MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
			MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot listen on %s port %d (address in use, or a bad "
			 "certificate or key; see the log above)", o->listen, o->port);
		return CA_ERR_IO;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	return CA_OK;
}

int http_port(const struct http *h)
{
	return h->port;
}

void http_quiesce(struct http *h)
{
	if (h && h->d)
		(void)MHD_quiesce_daemon(h->d);
}

void http_free(struct http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	free(h);
}
