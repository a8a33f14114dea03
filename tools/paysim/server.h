/*
 * server.h - the simulator's HTTPS server (libmicrohttpd through
 * simhttp.h, one internal thread): a request's body gathered up to
 * SIM_BODY_MAX (413 past it), its route found, a v3 request authenticated
 * and its injected fault applied before its handler runs, every answer
 * signed with the platform key (Request-ID and the Wechatpay-* headers),
 * every refusal counted in the books and logged. The endpoints themselves
 * are routes.c's.
 */
#ifndef PSIM_SERVER_H
#define PSIM_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../simkit/simhttp.h"
#include "core/err.h"
#include "psim.h"
#include "v3check.h"

/* One request as a handler sees it (all borrowed for the call). */
struct srv_req {
	struct psim *ps;     /* the simulator */
	const char *method;  /* "GET", "POST" */
	const char *target;  /* path and query as sent */
	const char *query;   /* after '?' ("" when none) */
	const char *body;    /* NUL-terminated, "" when none */
	const char *param;   /* the route's '*' segment, or NULL */
	int64_t now_ms;      /* the simulator's clock when it arrived */
};

/* A handler's answer. */
struct srv_resp {
	int status;       /* HTTP status */
	json_t *body;     /* owned; NULL: no body (204) */
	char *text;       /* instead of body: this text (a form, a page), owned */
	const char *ctype; /* text's Content-Type (static) */
	const char *code; /* a refusal's code, for the books' counters (static) */
};

/* Answer status with body (the reference is taken). */
void srv_reply(struct srv_resp *rs, int status, json_t *body);

/* Answer status with text (taken; malloc'd) of type ctype: the gateway's
 * forms and pages, which carry no WeChat Pay signature headers. */
void srv_reply_text(struct srv_resp *rs, int status, char *text, const char *ctype);

/* Answer a refusal: status and {"code", "message"}. */
void srv_refuse(struct srv_resp *rs, const struct sim_fail *f);

/* Which injected fault a route takes (/sim/fault). */
enum srv_fault {
	SRV_FAULT_NONE,
	SRV_FAULT_CREATE,
	SRV_FAULT_QUERY,
	SRV_FAULT_CLOSE,
	SRV_FAULT_REFUND,
	SRV_FAULT_BANK_QUERY,
};

/* Who may call a route, and how it is checked. */
enum srv_kind {
	SRV_SIM,     /* /sim/: loopback only, no signature */
	SRV_V3,      /* WeChat Pay v3: the Authorization checked first */
	SRV_GATEWAY, /* the bank gateway: anyone (a phone's browser); its handler
		      * checks the form's signature */
};

/* One endpoint. */
struct srv_route {
	struct simhttp_route at; /* method and path */
	enum srv_kind kind;  /* how it is called */
	enum srv_fault fault; /* what /sim/fault may make it fail */
	void (*fn)(struct srv_req *rq, struct srv_resp *rs); /* the handler */
};

/* routes.c's table and its length. */
extern const struct srv_route srv_routes[];
extern const size_t srv_nroutes;

/* Listen as ps->cfg says and serve (simhttp_port, simhttp_stop). CA_OK
 * with *out, or the reason in err. */
ca_err server_start(struct psim *ps, struct simhttp **out, char *err, size_t n);

#endif
