/*
 * simhttp.h - the simulators' HTTPS server on libmicrohttpd, the plumbing
 * every simulator of tools/ shares below its protocol: listening as the
 * shared options say (sim_opts), a request's target as sent and its body
 * gathered up to a bound (a declared length over it refused before a
 * byte is read), the route of a request in a table (or the refusal of a
 * body too large, a target too long, no endpoint), whether a client is on
 * this machine, and one answer queued with its headers. What a request
 * must be, how an answer is signed and what is counted stay the
 * simulator's: its serve function gets each whole request.
 *
 * Where to start reading: struct simhttp_req, then simhttp_start().
 */
#ifndef SIMKIT_SIMHTTP_H
#define SIMKIT_SIMHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "simauth.h"
#include "simrun.h"

struct MHD_Connection;

/* One whole request as the simulator's serve function sees it. */
struct simhttp_req {
	const char *method;   /* "GET", "POST" */
	const char *target;   /* path and query as sent */
	const char *body;     /* gathered, NUL-terminated; "" when none */
	size_t len;           /* bytes in body (more than strlen: a NUL in it) */
	bool too_large;       /* the body is over the bound: not gathered */
	int64_t t0_ms;        /* monotonic, when it came (for the log line) */
	struct MHD_Connection *conn; /* simhttp's: for the functions below */
	int queued;           /* simhttp's: what queueing the answer gave */
};

/* How a simulator serves. */
struct simhttp_serve {
	size_t body_max;      /* a longer body is too_large */
	bool per_connection;  /* a thread per connection (else one thread) */
	/* The whole request rq: answer it with simhttp_answer (no answer:
	 * the connection is closed). */
	void (*fn)(void *arg, struct simhttp_req *rq);
	void *arg;            /* fn's */
};

/* One endpoint; a simulator's route struct begins with it. */
struct simhttp_route {
	const char *method;   /* exact */
	const char *pattern;  /* the path; one '*' matches one segment */
};

struct simhttp;

/* Listen as o says (its address, port, certificate, key and limits,
 * SIM_HEAD_MAX of memory a connection) and serve as sv says. CA_OK with
 * *out, or the reason in err (size n). */
ca_err simhttp_start(const struct sim_opts *o, const struct simhttp_serve *sv,
		     struct simhttp **out, char *err, size_t n);

/* The port it listens on. */
int simhttp_port(const struct simhttp *h);

/* Stop listening, end every connection, free (NULL is fine). */
void simhttp_stop(struct simhttp *h);

/* The value of header name of rq, NULL when it has none. */
const char *simhttp_header(const struct simhttp_req *rq, const char *name);

/* Whether the client of rq is on this machine (127.0.0.0/8, ::1). */
bool simhttp_loopback(const struct simhttp_req *rq);

/* How a simulator's protocol refuses what simhttp_route finds wrong. */
struct simhttp_words {
	const char *too_large;    /* the code of a body over the bound (413) */
	int long_status;          /* the status of a target over SIM_TARGET_MAX */
	const char *too_long;     /* and its code */
	const char *no_endpoint;  /* the code of a method and path no route has (404) */
};

/* The route of rq: the first of the n routes of table (each size bytes,
 * beginning with a struct simhttp_route) for its method whose pattern
 * matches its path; the '*' segment into param and *seg pointed at it
 * (NULL when the pattern has none). NULL with f filled as w says when the
 * body is too large, the target too long or no route matches. */
const void *simhttp_route(const struct simhttp_req *rq, const void *table, size_t n,
			  size_t size, const struct simhttp_words *w,
			  char param[SIM_TARGET_MAX + 1], const char **seg, struct sim_fail *f);

/* Queue the answer to rq: status, text (malloc'd, taken; NULL: out of
 * memory, no answer) and the headers of hdrs, name and value by turns,
 * NULL after the last. */
void simhttp_answer(struct simhttp_req *rq, int status, char *text, const char *const *hdrs);

#endif
