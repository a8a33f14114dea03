/*
 * tsim.h - ca-taxsim, the tax platform's direct-connect interface for
 * fully digital e-invoices (数电票) as a process of its own
 * (docs/taxsim.md): the configuration and state every part of it shares,
 * and its limits.
 *
 * The parts: main.c (the command line, start and stop), server.c (HTTPS
 * with libmicrohttpd, a thread per connection: one request from its bytes
 * to its signed answer, the injected faults), auth.c (a request's
 * signature, time, nonce), einv.c (what an invoice request must be, the
 * tax, the number, the invoice as JSON and as XML), books.c (the SQLite
 * books: invoices, requests, sequences, counters), routes.c (the
 * endpoints, /v1/ and /sim/); and, from tools/simkit (shared with
 * ca-paysim): the shared options and the run's frame (simrun.h), the
 * HTTPS plumbing (simhttp.h), refusals and the nonce cache (simauth.h),
 * the SQLite books' helpers (simdb.h), the clock (simclock.h,
 * --clock-file).
 *
 * Where to start reading: main.c (serve()), then server.c (dispatch()),
 * then routes.c (issue_blue()).
 */
#ifndef TSIM_H
#define TSIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../simkit/simrun.h"
#include "core/sign.h"
#include "hub/einvoice.h"

#define TSIM_SKEW_S (SIM_NONCE_LIFE_MS / 1000) /* a request's time at most this far off */
#define TSIM_APP_ID_MAX 64          /* the taxpayer's app id */
#define TSIM_SELLER_CHARS 100       /* the seller's registered name, in characters */

/* Defaults of the limits the command line may change (the shared ones: simrun.h). */
#define TSIM_MAX_INVOICES 100000    /* invoices in the books, blue and red */
#define TSIM_PROVINCE 32            /* the number's province: Jiangsu */
#define TSIM_CHANNEL 2              /* the number's channel digit */

/* What ca-taxsim was told (main.c fills it; read-only after). */
struct tsim_cfg {
	struct sim_opts o;                   /* DIR (taxsim.db, .port, .lock), HTTPS, limits */
	char app_id[TSIM_APP_ID_MAX + 1];    /* the taxpayer's app */
	char secret[SIGN_SECRET_MAX + 1];    /* its app secret (wiped at the end) */
	char seller_tax_id[19];              /* the taxpayer's USCC */
	char seller_name[EINV_NAME_MAX + 1]; /* its registered name (UTF-8) */
	int province;                        /* 10..99: digits 3-4 of a number */
	int channel;                         /* 0..9: digit 5 */
	int max_invoices;                    /* TSIM_MAX_INVOICES unless told */
};

struct books;
struct simnonces;

/* The running simulator: what the connection threads share. */
struct tsim {
	const struct tsim_cfg *cfg;   /* borrowed from main */
	struct books *books;          /* the SQLite books (thread-safe) */
	struct simnonces *nonces;     /* the replay cache (thread-safe) */
	atomic_bool stopping;         /* set at SIGTERM: held answers go at once */
	/* /sim/fault: issuing requests (blue or red) left to ... */
	atomic_int fail;              /* ... refuse with 500 SYSTEM_ERROR, nothing issued */
	atomic_int hang;              /* ... issue, then hold the answer hang_ms */
	atomic_int hang_ms;           /* how long a held answer is held */
	atomic_int bad_signature;     /* ... issue, then answer with a wrong signature */
	atomic_int unsigned_answer;   /* ... issue, then answer without a signature */
	atomic_int stale;             /* ... issue, then answer signed 10 minutes ago */
};

#endif
