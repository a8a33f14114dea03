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
 * endpoints, /v1/ and /sim/). The clock is ca-paysim's
 * (tools/paysim/simclock.c, --clock-file).
 *
 * Where to start reading: main.c (serve()), then server.c (dispatch()),
 * then routes.c (issue_blue()).
 */
#ifndef TSIM_H
#define TSIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/sign.h"
#include "hub/einvoice.h"

#define TSIM_PATH_MAX 1024
#define TSIM_BODY_MAX (64 * 1024)   /* a request body over this: 413 */
#define TSIM_HEAD_MAX (32 * 1024)   /* MHD's memory per connection (head and buffers) */
#define TSIM_TARGET_MAX 1024        /* a longer request target: 414 */
#define TSIM_SKEW_S 300             /* a request's time at most this far off; nonce life */
#define TSIM_APP_ID_MAX 64          /* the taxpayer's app id */
#define TSIM_SELLER_CHARS 100       /* the seller's registered name, in characters */

/* Defaults of the limits the command line may change. */
#define TSIM_MAX_CONNECTIONS 64     /* open connections at once */
#define TSIM_IDLE_TIMEOUT_S 15      /* a connection idle this long is closed */
#define TSIM_NONCES 10000           /* nonces remembered (each TSIM_SKEW_S) */
#define TSIM_MAX_INVOICES 100000    /* invoices in the books, blue and red */
#define TSIM_PROVINCE 32            /* the number's province: Jiangsu */
#define TSIM_CHANNEL 2              /* the number's channel digit */

/* What ca-taxsim was told (main.c fills it; read-only after). */
struct tsim_cfg {
	char data_dir[TSIM_PATH_MAX];        /* DIR: taxsim.db, taxsim.port, taxsim.lock */
	char *cert_pem;                      /* the HTTPS certificate (PEM text, owned) */
	char *key_pem;                       /* its key (PEM text, owned) */
	char listen[64];                     /* IP address to listen on */
	int port;                            /* 0: any free port */
	char app_id[TSIM_APP_ID_MAX + 1];    /* the taxpayer's app */
	char secret[SIGN_SECRET_MAX + 1];    /* its app secret (wiped at the end) */
	char seller_tax_id[19];              /* the taxpayer's USCC */
	char seller_name[EINV_NAME_MAX + 1]; /* its registered name (UTF-8) */
	int province;                        /* 10..99: digits 3-4 of a number */
	int channel;                         /* 0..9: digit 5 */
	char clock_file[TSIM_PATH_MAX];      /* the shared clock's offset ("": none) */
	int max_connections;                 /* TSIM_MAX_CONNECTIONS unless told */
	int idle_timeout_s;                  /* TSIM_IDLE_TIMEOUT_S unless told */
	int nonces;                          /* TSIM_NONCES unless told */
	int max_invoices;                    /* TSIM_MAX_INVOICES unless told */
};

struct books;
struct nonces;

/* The running simulator: what the connection threads share. */
struct tsim {
	const struct tsim_cfg *cfg;   /* borrowed from main */
	struct books *books;          /* the SQLite books (thread-safe) */
	struct nonces *nonces;        /* the replay cache (thread-safe) */
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
