/*
 * server.h - the platform's HTTPS server (libmicrohttpd, a thread per
 * connection, so that an answer held by an injected fault holds no other
 * client): a request's body gathered up to TSIM_BODY_MAX (413 past it),
 * its route found, a /v1/ request authenticated (auth.h) and an injected
 * fault applied around its handler, every answer signed with the app
 * secret when the request named the taxpayer's app, every refusal counted
 * in the books and logged. The endpoints themselves are routes.c's.
 */
#ifndef TSIM_SERVER_H
#define TSIM_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/err.h"
#include "tsim.h"

/* One request as a handler sees it (all borrowed for the call). */
struct srv_req {
	struct tsim *ts;     /* the simulator */
	const char *method;  /* "GET", "POST" */
	const char *target;  /* path and query as sent */
	const char *body;    /* NUL-terminated, "" when none */
	const char *param;   /* the route's '*' segment, or NULL */
	int64_t now_ms;      /* the platform's clock when it arrived */
};

/* A handler's answer. */
struct srv_resp {
	int status;        /* HTTP status; 0: the handler failed (500) */
	char *text;        /* the JSON body (malloc'd, owned) */
	const char *code;  /* a refusal's code, for the counters (static) */
};

/* Answer status with the JSON object body (the reference is taken). */
void srv_reply(struct srv_resp *rs, int status, json_t *body);

/* Answer 200 with text, JSON already (malloc'd, taken). */
void srv_reply_text(struct srv_resp *rs, char *text);

/* Answer a refusal: its status and {"code", "message"}. */
void srv_refuse(struct srv_resp *rs, const struct tsim_fail *f);

/* Who may call a route, and how it is checked. */
enum srv_kind {
	SRV_SIM, /* /sim/: loopback only, no signature */
	SRV_API, /* /v1/: signed by the taxpayer's app (auth.h) */
};

/* One endpoint. */
struct srv_route {
	const char *method;  /* exact */
	const char *pattern; /* the path; one '*' matches one segment */
	enum srv_kind kind;  /* how it is called */
	bool issuing;        /* it issues an invoice: /sim/fault's faults apply */
	void (*fn)(struct srv_req *rq, struct srv_resp *rs); /* the handler */
};

/* routes.c's table and its length. */
extern const struct srv_route srv_routes[];
extern const size_t srv_nroutes;

struct server;

/* Listen as ts->cfg says and serve. CA_OK with *out, or the reason in err. */
ca_err server_start(struct tsim *ts, struct server **out, char *err, size_t n);

/* The port it listens on. */
int server_port(const struct server *s);

/* Stop listening, end every connection, free (NULL is fine). */
void server_stop(struct server *s);

#endif
