/*
 * taxproc.h - a real tax platform for tests: ca-taxsim (tools/taxsim,
 * docs/taxsim.md) started on a free loopback port with TLS, its
 * certificate from a throw-away CA (hubproc_certs), the app secret in a
 * file, its clock file in its directory, ready once it has written its
 * port file; requests signed the way docs/taxsim.md says, written here
 * afresh (not with the hub's taxplat_sign), so that a test signing with
 * them checks both sides; answers checked the same way. taxproc_ini() is
 * the [taxplat] section that points a hub at it.
 *
 * The binary is found as hubproc finds ca-hub (next to the test program's
 * build directory, or in $CA_HUB_BIN_DIR). Its log goes to DIR/taxsim.log.
 * Functions return 0 on success, -1 on failure (with a line on stderr).
 */
#ifndef TEST_TAXPROC_H
#define TEST_TAXPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TAXPROC_PATH 512
#define TAXPROC_APP_ID "tax_app_01"
#define TAXPROC_SECRET "5f0c2b9e7a41d8c3-tax-app-secret"
#define TAXPROC_SELLER_ID "91320582MA1MABCDEU"
#define TAXPROC_SELLER "苏州数字认证服务有限公司"

struct taxproc {
	char dir[TAXPROC_PATH - 64];   /* temp dir holding everything below */
	char data[TAXPROC_PATH];       /* its --data (kept across launches) */
	char cacert[TAXPROC_PATH];     /* CA of its certificate */
	char secret[TAXPROC_PATH];     /* the app secret, as the platform knows it */
	char clock[TAXPROC_PATH];      /* its --clock-file */
	char log[TAXPROC_PATH];        /* its stderr */
	char bin[TAXPROC_PATH];        /* ca-taxsim */
	char url[64];                  /* https://127.0.0.1:PORT */
	int port;                      /* its port */
	pid_t pid;                     /* running, 0 when not */
	int exit_status;               /* a launch that failed: its exit status, else -1 */
	int64_t offset_ms;             /* what the clock file says */
	const char *extra[24];         /* more arguments of the next launch (NULL-ended) */
};

/* Make the directory, certificates and secret, and launch; the clock file
 * is tp->clock when the caller set it (a hub's), else one of its own. */
int taxproc_start(struct taxproc *tp);
/* Launch (again) on the same directory with tp->extra; ready once it
 * wrote its port. -1 (tp->exit_status set) when it exited instead. */
int taxproc_launch(struct taxproc *tp);
/* SIGTERM and wait: its exit status, -1 when it died otherwise. */
int taxproc_stop(struct taxproc *tp);
/* SIGKILL and wait. */
void taxproc_kill(struct taxproc *tp);
/* Stop (when running) and remove the directory. */
void taxproc_cleanup(struct taxproc *tp);
/* Move its clock to offset_ms past the system's (the clock file). */
int taxproc_clock(struct taxproc *tp, int64_t offset_ms);
/* Whether its log holds text. */
bool taxproc_log_has(const struct taxproc *tp, const char *text);
/* The [taxplat] lines that point a hub at it, into out (size n): its
 * url, app id, a secret file holding hub_secret (NULL: the app's) made in
 * its directory, the seller, its CA, and timeout_ms when > 0. */
int taxproc_ini(struct taxproc *tp, const char *hub_secret, int timeout_ms, char *out, size_t n);

/* Which headers a request leaves out (taxproc_req.omit). */
#define TAXPROC_NO_APP 1u
#define TAXPROC_NO_TIME 2u
#define TAXPROC_NO_NONCE 4u
#define TAXPROC_NO_SIG 8u

/* One request to the platform, and how it is signed. */
struct taxproc_req {
	const char *method;    /* "GET", "POST" */
	const char *target;    /* path and query */
	const char *body;      /* NULL: none */
	const char *app_id;    /* NULL: TAXPROC_APP_ID */
	const char *secret;    /* NULL: TAXPROC_SECRET */
	const char *nonce;     /* NULL: a fresh one */
	int64_t skew_s;        /* added to the timestamp */
	unsigned omit;         /* TAXPROC_NO_* */
	bool flip;             /* one hex digit of the signature changed */
	bool upper;            /* the signature in capitals */
	bool expect;           /* send "Expect: 100-continue": the body waits for the
				* platform's go (an early refusal arrives whole) */
};

/* An answer. */
struct taxproc_ans {
	long status;            /* 0: no answer */
	char *body;             /* malloc'd, NUL-terminated ("" when none) */
	size_t len;             /* bytes in body */
	void *j;                /* its JSON (json_t *), or NULL */
	char req_nonce[80];     /* the request's nonce */
	char app[80], ts[32], nonce[80], sig[80]; /* its X-Tax-* headers, "" when missing */
};

/* Send q; the answer into a (free with taxproc_ans_free). 0 when one came. */
int taxproc_call(struct taxproc *tp, const struct taxproc_req *q, struct taxproc_ans *a);
/* Whether a carries the platform's signature (the app secret, the
 * request's nonce, its time within 300 s of the platform's clock). */
bool taxproc_signed(const struct taxproc *tp, const struct taxproc_ans *a);
void taxproc_ans_free(struct taxproc_ans *a);

/* A /sim/ call (unsigned): its JSON (json_t *, the caller decrefs) when
 * it answered 200, else NULL; the status into *status when not NULL. */
void *taxproc_sim(struct taxproc *tp, const char *method, const char *target,
		  const char *body, long *status);

#endif
