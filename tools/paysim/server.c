/*
 * server.c - the simulator's HTTPS server (see server.h).
 *
 * MHD calls, per request: uri_log() first with the target as sent (the
 * query included, as the v3 signature covers it), where struct sreq is
 * made; then on_request() once with the headers, once per piece of the
 * body and once at its end, where dispatch() runs; on_done() frees the
 * struct.
 *
 * Where to start reading: dispatch(), then answer().
 */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "books.h"
#include "core/clock.h"
#include "core/log.h"
#include "hub/wxsign.h"
#include "simclock.h"
#include "wire.h"

#define TAG "http"

struct server {
	struct psim *ps;         /* the simulator */
	struct MHD_Daemon *d;    /* the daemon */
	int port;                /* bound */
};

/* One request, from uri_log() to on_done(). */
struct sreq {
	char *target;      /* as sent, owned */
	bool started;      /* the headers were seen */
	bool too_large;    /* the body went past PSIM_BODY_MAX */
	char *body;        /* gathered, NUL-terminated, owned */
	size_t len;        /* bytes in body */
	int64_t t0_ms;     /* monotonic start, for the log line */
};

void srv_reply(struct srv_resp *rs, int status, json_t *body)
{
	free(rs->text);
	rs->text = NULL;
	json_decref(rs->body);
	rs->status = status;
	rs->body = body;
}

void srv_reply_text(struct srv_resp *rs, int status, char *text, const char *ctype)
{
	srv_reply(rs, status, NULL);
	rs->text = text;
	rs->ctype = ctype;
	if (!text)
		rs->status = 0; /* out of memory: the dispatcher answers 500 */
}

void srv_refuse(struct srv_resp *rs, const struct v3_fail *f)
{
	srv_reply(rs, f->status, json_pack("{s:s, s:s}", "code", f->code, "message",
					   f->message));
	rs->code = f->code;
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

/* Take one of the injected failures of f, when any is left. */
static bool take_fault(struct psim *ps, enum srv_fault f)
{
	atomic_int *left = f == SRV_FAULT_CREATE ? &ps->fail_create
			   : f == SRV_FAULT_QUERY ? &ps->fail_query
			   : f == SRV_FAULT_CLOSE ? &ps->fail_close
			   : f == SRV_FAULT_REFUND ? &ps->fail_refund
			   : f == SRV_FAULT_BANK_QUERY ? &ps->fail_bank_query : NULL;
	int n;

	if (!left)
		return false;
	n = atomic_load(left);
	while (n > 0 && !atomic_compare_exchange_weak(left, &n, n - 1))
		;
	return n > 0;
}

/* Whether the client of c is on this machine (127.0.0.0/8, ::1). */
static bool loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (sa && sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr)
			>> 24) == 127;
	if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* Route the whole request r and run its handler into rs. */
static void dispatch(struct server *s, struct MHD_Connection *c, const char *method,
		     struct sreq *r, struct srv_resp *rs, const char **pattern)
{
	char path[PSIM_TARGET_MAX + 1], param[PSIM_TARGET_MAX + 1];
	const char *q = strchr(r->target, '?');
	struct srv_req rq = { s->ps, method, r->target, q ? q + 1 : "", r->body ? r->body : "",
			      NULL, simclock_now_ms() };
	struct v3_fail f;
	size_t i;

	*pattern = "(none)";
	if (r->too_large) {
		v3_refuse(&f, 413, "PARAM_ERROR", "the body is over %d bytes", PSIM_BODY_MAX);
		srv_refuse(rs, &f);
		return;
	}
	if (strlen(r->target) > PSIM_TARGET_MAX || (r->body && strlen(r->body) != r->len)) {
		v3_refuse(&f, 400, "PARAM_ERROR", "the target is over %d bytes or the body holds "
			  "a NUL", PSIM_TARGET_MAX);
		srv_refuse(rs, &f);
		return;
	}
	snprintf(path, sizeof(path), "%.*s", (int)(q ? (size_t)(q - r->target)
						    : strlen(r->target)), r->target);
	for (i = 0; i < srv_nroutes; i++)
		if (!strcmp(srv_routes[i].method, method) &&
		    match(srv_routes[i].pattern, path, param, sizeof(param)))
			break;
	if (i == srv_nroutes) {
		v3_refuse(&f, 404, "NOT_FOUND", "no endpoint %s %s", method, path);
		srv_refuse(rs, &f);
		return;
	}
	*pattern = srv_routes[i].pattern;
	rq.param = strchr(srv_routes[i].pattern, '*') ? param : NULL;
	if (srv_routes[i].kind == SRV_V3 &&
	    !v3_authenticate(s->ps->cfg, s->ps->nonces, method, r->target, rq.body,
			     MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
			     rq.now_ms, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	if (srv_routes[i].kind == SRV_SIM && !loopback(c)) {
		v3_refuse(&f, 403, "FORBIDDEN", "/sim/ answers on loopback only");
		srv_refuse(rs, &f);
		return;
	}
	if (take_fault(s->ps, srv_routes[i].fault)) {
		v3_refuse(&f, 500, "SYSTEM_ERROR", "an injected fault (/sim/fault)");
		srv_refuse(rs, &f);
		return;
	}
	srv_routes[i].fn(&rq, rs);
	if (!rs->status) {
		v3_refuse(&f, 500, "SYSTEM_ERROR", "the simulator failed (see its log)");
		srv_refuse(rs, &f);
	}
}

/* Queue rs, signed, on c. */
static enum MHD_Result answer(struct server *s, struct MHD_Connection *c, struct srv_resp *rs)
{
	const struct psim_cfg *cfg = s->ps->cfg;
	char *text = rs->text ? rs->text : rs->body ? json_dumps(rs->body, JSON_COMPACT)
		     : strdup("");
	char ts[24], nonce[33], rid[33], sig[WXSIGN_SIG_MAX], *msg = NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	rs->text = NULL; /* text is this function's now */
	if (!text || wire_random(nonce, 32, false) || wire_random(rid, 32, false)) {
		free(text);
		return MHD_NO;
	}
	if (rs->ctype) {
		/* The bank gateway's form or page: no WeChat Pay headers. */
		resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(text);
			return MHD_NO;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rs->ctype);
		MHD_add_response_header(resp, "Request-ID", rid);
		ret = MHD_queue_response(c, (unsigned)rs->status, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)(simclock_now_ms() / 1000));
	if (wxsign_answer_message(ts, nonce, text, &msg) ||
	    wxsign_sign(cfg->platform_key_pem, msg, strlen(msg), sig, NULL, 0)) {
		log_error(TAG, "an answer could not be signed");
		free(msg);
		free(text);
		return MHD_NO;
	}
	free(msg);
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	if (rs->body)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json; charset=utf-8");
	MHD_add_response_header(resp, "Request-ID", rid);
	MHD_add_response_header(resp, "Wechatpay-Timestamp", ts);
	MHD_add_response_header(resp, "Wechatpay-Nonce", nonce);
	MHD_add_response_header(resp, "Wechatpay-Serial", cfg->platform_id);
	MHD_add_response_header(resp, "Wechatpay-Signature", sig);
	MHD_add_response_header(resp, "Wechatpay-Signature-Type", WXSIGN_SCHEME);
	ret = MHD_queue_response(c, (unsigned)rs->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answer rs, count and log a refusal, free rs. */
static enum MHD_Result finish(struct server *s, struct MHD_Connection *c, const char *method,
			      const char *pattern, struct sreq *r, struct srv_resp *rs)
{
	enum MHD_Result ret;

	if (rs->code) {
		json_t *m = json_object_get(rs->body, "message");

		books_count_refusal(s->ps->books, rs->code);
		log_msg(rs->status >= 500 ? LOG_ERROR : LOG_WARN, TAG, "%s %s -> %d %s: %s",
			method, pattern, rs->status, rs->code, m ? json_string_value(m) : "");
	} else {
		log_info(TAG, "%s %s -> %d %lldms", method, pattern, rs->status,
			 (long long)(ca_mono_ms() - r->t0_ms));
	}
	ret = answer(s, c, rs);
	json_decref(rs->body);
	rs->body = NULL;
	free(rs->text);
	rs->text = NULL;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct sreq *r = *con_cls;
	struct srv_resp rs = { 0 };
	const char *pattern;

	(void)url;
	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);

		r->started = true;
		if (cl && strtoull(cl, NULL, 10) > PSIM_BODY_MAX) {
			/* Refused before a byte of it is read. */
			r->too_large = true;
			dispatch(s, c, method, r, &rs, &pattern);
			return finish(s, c, method, pattern, r, &rs);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->too_large || r->len + *upload_size > PSIM_BODY_MAX) {
			r->too_large = true;
		} else {
			char *p = realloc(r->body, r->len + *upload_size + 1);

			if (!p)
				return MHD_NO;
			memcpy(p + r->len, upload, *upload_size);
			r->body = p;
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	dispatch(s, c, method, r, &rs, &pattern);
	return finish(s, c, method, pattern, r, &rs);
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
		r->t0_ms = ca_mono_ms();
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

ca_err server_start(struct psim *ps, struct server **out, char *err, size_t n)
{
	const struct psim_cfg *cfg = ps->cfg;
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS |
			     MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!s)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	s->ps = ps;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, cfg->listen, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)cfg->port);
	} else if (inet_pton(AF_INET6, cfg->listen, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		free(s);
		return ca_fail(CA_ERR_ARG, err, n, "--listen %s is not an IP address", cfg->listen);
	}
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_HTTPS_MEM_CERT, cfg->cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, cfg->key_pem,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)PSIM_HEAD_MAX,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
		MHD_OPTION_END);
	if (!s->d) {
		free(s);
		return ca_fail(CA_ERR_IO, err, n, "cannot listen on %s port %d (in use, or a bad "
			       "certificate or key)", cfg->listen, cfg->port);
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : cfg->port;
	*out = s;
	return CA_OK;
}

int server_port(const struct server *s)
{
	return s->port;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
