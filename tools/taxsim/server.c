/*
 * server.c - the platform's HTTPS server (see server.h).
 *
 * MHD calls, per request: uri_log() first with the target as sent (the
 * query included, as the signature covers it), where struct sreq is made;
 * then on_request() once with the headers, once per piece of the body and
 * once at its end, where dispatch() runs; on_done() frees the struct.
 * Each connection has a thread of its own.
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

#include "../paysim/simclock.h"
#include "books.h"
#include "core/clock.h"
#include "core/log.h"
#include "hub/taxplat.h"

#define TAG "http"
#define STALE_S 600   /* a "stale" fault signs the answer this long ago */
#define HOLD_STEP_MS 10

struct server {
	struct tsim *ts;
	struct MHD_Daemon *d;
	int port;
};

/* One request, from uri_log() to on_done(). */
struct sreq {
	char *target;      /* as sent, owned */
	bool started;      /* the headers were seen */
	bool too_large;    /* the body went past TSIM_BODY_MAX */
	char *body;        /* gathered, NUL-terminated, owned */
	size_t len;        /* bytes in body */
	int64_t t0_ms;     /* monotonic start, for the log line */
};

/* How an answer leaves: signed, or spoiled by an injected fault. */
enum sealing {
	SEAL_SIGNED,    /* as the platform signs */
	SEAL_NONE,      /* no signature: the request named no app of ours */
	SEAL_BAD,       /* /sim/fault bad_signature */
	SEAL_UNSIGNED,  /* /sim/fault unsigned */
	SEAL_STALE,     /* /sim/fault stale */
};

void srv_reply(struct srv_resp *rs, int status, json_t *body)
{
	free(rs->text);
	rs->text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	rs->status = rs->text ? status : 0;
	json_decref(body);
}

void srv_reply_text(struct srv_resp *rs, char *text)
{
	free(rs->text);
	rs->text = text;
	rs->status = text ? 200 : 0;
}

void srv_refuse(struct srv_resp *rs, const struct tsim_fail *f)
{
	srv_reply(rs, f->status, json_pack("{s:s, s:s}", "code", f->code, "message", f->message));
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

/* Take one of the faults left in *left, when any is. */
static bool take(atomic_int *left)
{
	int n = atomic_load(left);

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
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Hold an answer ms, or until the simulator stops. */
static void hold(struct tsim *ts, int ms)
{
	int64_t until = ca_mono_ms() + ms;

	while (!atomic_load(&ts->stopping) && ca_mono_ms() < until)
		ca_sleep_ms(HOLD_STEP_MS);
}

/* After an issuing handler answered 200: the faults that spoil its answer. */
static enum sealing after_faults(struct tsim *ts)
{
	if (take(&ts->hang)) {
		log_warn(TAG, "an injected fault: the answer is held %d ms",
			 atomic_load(&ts->hang_ms));
		hold(ts, atomic_load(&ts->hang_ms));
	}
	if (take(&ts->bad_signature))
		return SEAL_BAD;
	if (take(&ts->unsigned_answer))
		return SEAL_UNSIGNED;
	if (take(&ts->stale))
		return SEAL_STALE;
	return SEAL_SIGNED;
}

/* Route the whole request r and run its handler into rs; how its answer
 * leaves into *seal. */
static void dispatch(struct server *s, struct MHD_Connection *c, const char *method,
		     struct sreq *r, struct srv_resp *rs, const char **pattern, enum sealing *seal)
{
	char path[TSIM_TARGET_MAX + 1], param[TSIM_TARGET_MAX + 1];
	const char *q = strchr(r->target, '?');
	const char *app = header(c, TAXPLAT_H_APP);
	struct auth_headers h = { app, header(c, TAXPLAT_H_TIMESTAMP), header(c, TAXPLAT_H_NONCE),
				  header(c, TAXPLAT_H_SIGNATURE) };
	struct srv_req rq = { s->ts, method, r->target, r->body ? r->body : "", NULL,
			      simclock_now_ms() };
	const struct srv_route *rt = NULL;
	struct tsim_fail f;
	size_t i;

	*pattern = "(none)";
	*seal = app && !strcmp(app, s->ts->cfg->app_id) ? SEAL_SIGNED : SEAL_NONE;
	if (r->too_large) {
		tsim_refuse(&f, 413, "BODY_TOO_LARGE", "the body is over %d bytes", TSIM_BODY_MAX);
		srv_refuse(rs, &f);
		return;
	}
	if (strlen(r->target) > TSIM_TARGET_MAX) {
		tsim_refuse(&f, 414, "TARGET_TOO_LONG", "the target is over %d bytes",
			    TSIM_TARGET_MAX);
		srv_refuse(rs, &f);
		return;
	}
	snprintf(path, sizeof(path), "%.*s", (int)(q ? (size_t)(q - r->target)
						    : strlen(r->target)), r->target);
	for (i = 0; i < srv_nroutes && !rt; i++)
		if (!strcmp(srv_routes[i].method, method) &&
		    match(srv_routes[i].pattern, path, param, sizeof(param)))
			rt = &srv_routes[i];
	if (!rt) {
		tsim_refuse(&f, 404, "NO_ENDPOINT", "no endpoint %s %.200s", method, path);
		srv_refuse(rs, &f);
		return;
	}
	*pattern = rt->pattern;
	rq.param = strchr(rt->pattern, '*') ? param : NULL;
	if (rt->kind == SRV_SIM) {
		*seal = SEAL_SIGNED;
		if (!loopback(c)) {
			tsim_refuse(&f, 403, "LOOPBACK_ONLY", "/sim/ answers on loopback only");
			srv_refuse(rs, &f);
			return;
		}
	} else if (!auth_request(s->ts->cfg, s->ts->nonces, &h, method, r->target, rq.body,
				 r->len, rq.now_ms, &f)) {
		srv_refuse(rs, &f);
		return;
	}
	if (r->body && strlen(r->body) != r->len) {
		tsim_refuse(&f, 400, "PARAM_INVALID", "the body holds a NUL byte");
		srv_refuse(rs, &f);
		return;
	}
	if (rt->issuing && take(&s->ts->fail)) {
		tsim_refuse(&f, 500, "SYSTEM_ERROR", "an injected fault (/sim/fault): nothing was "
			    "issued");
		srv_refuse(rs, &f);
		return;
	}
	rt->fn(&rq, rs);
	if (!rs->status) {
		tsim_refuse(&f, 500, "SYSTEM_ERROR", "the platform failed (see its log)");
		srv_refuse(rs, &f);
	} else if (rt->issuing && rs->status == 200) {
		enum sealing spoil = after_faults(s->ts);

		if (spoil != SEAL_SIGNED)
			*seal = spoil;
	}
}

/* Queue rs on c, sealed as seal says; subject is the request's nonce. */
static enum MHD_Result answer(struct server *s, struct MHD_Connection *c, struct srv_resp *rs,
			      enum sealing seal, const char *subject)
{
	const struct tsim_cfg *cfg = s->ts->cfg;
	char *text = rs->text ? rs->text : strdup("");
	char ts[24], nonce[SIGN_NONCE_LEN + 1], sig[SIGN_HEX_LEN + 1], status[8];
	int64_t t = simclock_now_ms() / 1000 - (seal == SEAL_STALE ? STALE_S : 0);
	struct MHD_Response *resp;
	enum MHD_Result ret;

	rs->text = NULL; /* text is this function's now */
	if (!text)
		return MHD_NO;
	snprintf(ts, sizeof(ts), "%lld", (long long)t);
	snprintf(status, sizeof(status), "%03d", rs->status);
	if (seal != SEAL_NONE && seal != SEAL_UNSIGNED &&
	    (sign_nonce(nonce) || taxplat_sign(cfg->secret, status, subject ? subject : "", t,
					       nonce, text, strlen(text), sig)))
		seal = SEAL_NONE; /* a nonce too long to sign with: no signature */
	if (seal == SEAL_BAD)
		sig[7] = sig[7] == '0' ? '1' : '0';
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	MHD_add_response_header(resp, TAXPLAT_H_APP, cfg->app_id);
	if (seal != SEAL_NONE && seal != SEAL_UNSIGNED) {
		MHD_add_response_header(resp, TAXPLAT_H_TIMESTAMP, ts);
		MHD_add_response_header(resp, TAXPLAT_H_NONCE, nonce);
		MHD_add_response_header(resp, TAXPLAT_H_SIGNATURE, sig);
	}
	ret = MHD_queue_response(c, (unsigned)rs->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answer rs, count and log a refusal, free rs. */
static enum MHD_Result finish(struct server *s, struct MHD_Connection *c, const char *method,
			      const char *pattern, struct sreq *r, struct srv_resp *rs,
			      enum sealing seal)
{
	char name[64];
	enum MHD_Result ret;

	if (rs->code) {
		snprintf(name, sizeof(name), "refused:%s", rs->code);
		books_count(s->ts->books, name);
		log_msg(rs->status >= 500 ? LOG_ERROR : LOG_WARN, TAG, "%s %s -> %d %s", method,
			pattern, rs->status, rs->code);
	} else {
		log_info(TAG, "%s %s -> %d %lldms%s", method, pattern, rs->status,
			 (long long)(ca_mono_ms() - r->t0_ms), seal == SEAL_SIGNED ? ""
			 : " (an injected fault spoils its signature)");
	}
	ret = answer(s, c, rs, seal, header(c, TAXPLAT_H_NONCE));
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
	enum sealing seal;
	const char *pattern;

	(void)url;
	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);

		r->started = true;
		if (cl && strtoull(cl, NULL, 10) > TSIM_BODY_MAX) {
			/* Refused before a byte of it is read. */
			r->too_large = true;
			dispatch(s, c, method, r, &rs, &pattern, &seal);
			return finish(s, c, method, pattern, r, &rs, seal);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->too_large || r->len + *upload_size > TSIM_BODY_MAX) {
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
	dispatch(s, c, method, r, &rs, &pattern, &seal);
	return finish(s, c, method, pattern, r, &rs, seal);
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

ca_err server_start(struct tsim *ts, struct server **out, char *err, size_t n)
{
	const struct tsim_cfg *cfg = ts->cfg;
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_TLS | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (!s)
		return ca_fail(CA_ERR_NOMEM, err, n, "out of memory");
	s->ts = ts;
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
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)TSIM_HEAD_MAX,
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
