/*
 * simhttp.c - the simulators' HTTPS server (see simhttp.h).
 *
 * MHD calls, per request: uri_log() first with the target as sent (the
 * query included, as the simulators' signatures cover it), where struct
 * sreq is made; then on_request() once with the headers, once per piece
 * of the body and once at its end, where the simulator's serve function
 * runs; on_done() frees the struct.
 */
#include "simhttp.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/netaddr.h"
#include "core/clock.h"
#include "core/log.h"

#define TAG "http"

struct simhttp {
	struct simhttp_serve sv;  /* how to serve */
	struct MHD_Daemon *d;     /* the daemon */
	int port;                 /* bound */
};

/* One request, from uri_log() to on_done(). */
struct sreq {
	struct simhttp_req rq;  /* what serve sees */
	char *target;           /* as sent, owned */
	bool started;           /* the headers were seen */
	char *body;             /* gathered, NUL-terminated, owned */
};

const char *simhttp_header(const struct simhttp_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

bool simhttp_loopback(const struct simhttp_req *rq)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (sa && sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr)
			>> 24) == 127;
	if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* The path of target (before any '?') into path (size n, cut to fit). */
static void path_of(const char *target, char *path, size_t n)
{
	const char *q = strchr(target, '?');

	snprintf(path, n, "%.*s", (int)(q ? (size_t)(q - target) : strlen(target)), target);
}

/* Whether pattern matches path; its '*' segment copied into param. */
static bool match(const char *pattern, const char *path, char *param, size_t n)
{
	const char *star = strchr(pattern, '*');
	size_t pre, post, plen = strlen(path), seg;

	if (!star)
		return !strcmp(pattern, path);
	pre = (size_t)(star - pattern);
	post = strlen(star + 1);
	if (plen <= pre + post || strncmp(path, pattern, pre) ||
	    strcmp(path + plen - post, star + 1))
		return false;
	seg = plen - pre - post;
	if (seg >= n || memchr(path + pre, '/', seg))
		return false;
	memcpy(param, path + pre, seg);
	param[seg] = '\0';
	return true;
}

const void *simhttp_route(const struct simhttp_req *rq, const void *table, size_t n,
			  size_t size, const struct simhttp_words *w,
			  char param[SIM_TARGET_MAX + 1], const char **seg, struct sim_fail *f)
{
	char path[SIM_TARGET_MAX + 1];
	size_t i;

	*seg = NULL;
	if (rq->too_large) {
		sim_refuse(f, 413, w->too_large, "the body is over %d bytes", SIM_BODY_MAX);
		return NULL;
	}
	if (strlen(rq->target) > SIM_TARGET_MAX) {
		sim_refuse(f, w->long_status, w->too_long, "the target is over %d bytes",
			   SIM_TARGET_MAX);
		return NULL;
	}
	path_of(rq->target, path, sizeof(path));
	for (i = 0; i < n; i++) {
		const void *at = (const char *)table + i * size;
		const struct simhttp_route *rt = at;

		if (!strcmp(rt->method, rq->method) &&
		    match(rt->pattern, path, param, SIM_TARGET_MAX + 1)) {
			*seg = strchr(rt->pattern, '*') ? param : NULL;
			return at;
		}
	}
	sim_refuse(f, 404, w->no_endpoint, "no endpoint %s %.200s", rq->method, path);
	return NULL;
}

void simhttp_answer(struct simhttp_req *rq, int status, char *text, const char *const *hdrs)
{
	struct MHD_Response *resp;
	size_t i;

	rq->queued = MHD_NO;
	if (!text)
		return;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return;
	}
	for (i = 0; hdrs && hdrs[i]; i += 2)
		MHD_add_response_header(resp, hdrs[i], hdrs[i + 1]);
	rq->queued = MHD_queue_response(rq->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

/* Hand the whole request r to the simulator: what it queued. */
static enum MHD_Result serve(struct simhttp *h, struct MHD_Connection *c, const char *method,
			     struct sreq *r)
{
	r->rq.method = method;
	r->rq.target = r->target;
	r->rq.body = r->body ? r->body : "";
	r->rq.conn = c;
	r->rq.queued = MHD_NO;
	h->sv.fn(h->sv.arg, &r->rq);
	return r->rq.queued == MHD_YES ? MHD_YES : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct simhttp *h = cls;
	struct sreq *r = *con_cls;

	(void)url;
	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);

		r->started = true;
		if (cl && strtoull(cl, NULL, 10) > h->sv.body_max) {
			/* Refused before a byte of it is read. */
			r->rq.too_large = true;
			return serve(h, c, method, r);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->rq.too_large || r->rq.len + *upload_size > h->sv.body_max) {
			r->rq.too_large = true;
		} else {
			char *p = realloc(r->body, r->rq.len + *upload_size + 1);

			if (!p)
				return MHD_NO;
			memcpy(p + r->rq.len, upload, *upload_size);
			r->body = p;
			r->rq.len += *upload_size;
			r->body[r->rq.len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return serve(h, c, method, r);
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct sreq *r = calloc(1, sizeof(*r));

	(void)cls;
	(void)c;
	if (r && !(r->target = strdup(uri))) {
		free(r);
		return NULL;
	}
	if (r)
		r->rq.t0_ms = ca_mono_ms();
	return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct sreq *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		free(r->target);
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

/* MHD's own messages (a bad handshake, the connection limit) to the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[300];
	size_t n;

	(void)cls;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(buf, sizeof(buf), fmt, ap);
#pragma GCC diagnostic pop
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warn(TAG, "libmicrohttpd: %s", buf);
}

ca_err simhttp_start(const struct sim_opts *o, const struct simhttp_serve *sv,
		     struct simhttp **out, char *err, size_t n)
{
	struct simhttp *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG |
			     (sv->per_connection ? MHD_USE_THREAD_PER_CONNECTION : MHD_USE_EPOLL);
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!h)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	h->sv = *sv;
	if (netaddr_listen(o->listen, o->port, &ss) < 0) {
		free(h);
		return ca_fail(CA_ERR_ARG, err, n, "--listen %s is not an IP address", o->listen);
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_HTTPS_MEM_CERT, o->cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, o->key_pem,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SIM_HEAD_MAX,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
		MHD_OPTION_END);
	if (!h->d) {
		free(h);
		return ca_fail(CA_ERR_IO, err, n, "cannot listen on %s port %d (in use, or a bad "
			       "certificate or key)", o->listen, o->port);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	*out = h;
	return CA_OK;
}

int simhttp_port(const struct simhttp *h)
{
	return h->port;
}

void simhttp_stop(struct simhttp *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
