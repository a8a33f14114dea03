/*
 * simauth.h - what every simulator of tools/ does the same way before it
 * acts on a request: a refusal said in one form (the HTTP status, the
 * protocol's code and an English message, for the answer and the log),
 * the nonces of the last SIM_NONCE_LIFE_MS remembered, so that a replay
 * is refused, and an injected fault (/sim/fault) taken.
 *
 * The nonce cache is bounded: when it holds its limit of live nonces a
 * new one is refused (the caller answers its protocol's "too many")
 * rather than a live nonce forgotten, so a replay is never taken.
 */
#ifndef SIMKIT_SIMAUTH_H
#define SIMKIT_SIMAUTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_NONCE_MAX 64 /* the longest nonce remembered whole */

/* Why a request is refused. */
struct sim_fail {
	int status;        /* 400, 401, 403, 404, 409, 413, 429, 500 ... */
	const char *code;  /* the protocol's code, "SIGN_ERROR", ... (static) */
	char message[240]; /* English, for the answer and the log */
};

/* Fill f and return false (the checks' "refuse" exit). */
bool sim_refuse(struct sim_fail *f, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Take one of the injected faults left in *left (NULL: none): whether
 * there was one. Thread-safe. */
bool sim_take_fault(atomic_int *left);

/* How a simulator's protocol words the refusal of a nonce. */
struct simnonce_words {
	const char *field;   /* where the nonce came: "nonce_str", "X-Tax-Nonce" */
	const char *window;  /* SIM_NONCE_LIFE_MS in words: "5 minutes", "300 s" */
	const char *who;     /* "simulator", "platform" */
	const char *seen;    /* the code of a replay (401) */
	const char *full;    /* the code of a full cache (429) */
};

struct simnonces;

/* A cache of at most cap nonces (NULL: no memory, or cap < 1); free with
 * simnonces_free (NULL is fine). Thread-safe. */
struct simnonces *simnonces_new(int cap);
void simnonces_free(struct simnonces *nc);

/* Take nonce (at most SIM_NONCE_MAX characters) seen at now_ms: true
 * when it was not seen in its life and is remembered now; else false,
 * with f filled as w says: 401 for a replay, 429 when the cache holds its
 * limit of live nonces. */
bool simnonces_take(struct simnonces *nc, const char *nonce, int64_t now_ms,
		    const struct simnonce_words *w, struct sim_fail *f);

/* How many live nonces it holds at now_ms. */
int simnonces_held(struct simnonces *nc, int64_t now_ms);

#endif
