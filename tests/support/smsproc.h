/*
 * smsproc.h - a real SMS gateway for the hub's tests: ca-smssim
 * (tools/smssim.c) started on a free loopback port with TLS, its
 * certificate from a throw-away CA (hubproc_certs), its key's secret in a
 * file, ready once it has written its port file. smsproc_ini() is the
 * [sms] section that points a hub at it (hubproc_opts.sms_ini).
 *
 * The binary is found as hubproc finds ca-hub (next to the test program's
 * build directory, or in $CA_HUB_BIN_DIR). Its log goes to DIR/smssim.log.
 * Functions return 0 on success, -1 on failure (with a line on stderr).
 */
#ifndef TEST_SMSPROC_H
#define TEST_SMSPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SMSPROC_PATH 512
#define SMSPROC_KEY_ID "LTAI-test-hub"
#define SMSPROC_SIGN "数字证书服务"
#define SMSPROC_TEMPLATE "SMS_LOGIN_01"

struct smsproc {
	char dir[SMSPROC_PATH - 64];  /* temp dir holding everything below */
	char cacert[SMSPROC_PATH];    /* CA of the simulator's certificate */
	char secret[SMSPROC_PATH];    /* the key's secret, as the simulator knows it */
	char hub_secret[SMSPROC_PATH]; /* the secret file the hub is given */
	char log[SMSPROC_PATH];       /* the simulator's stderr */
	char url[96];                 /* https://127.0.0.1:PORT/v1/sms/send */
	char ini[2048];               /* the [sms] lines for a hub (smsproc_ini) */
	int port;                     /* its port */
	pid_t pid;                    /* running simulator, 0 when none */
};

struct smsproc_opts {
	const char *phone_limit;  /* --phone-limit N/S; NULL: the simulator's 1/60 */
	long quota;               /* > 0: --quota (messages in all) */
	int timeout_ms;           /* the hub's [sms] timeout_ms; 0: its default */
	const char *hub_secret;   /* what the hub's secret file holds; NULL: the
				   * simulator's secret (else: a wrong secret) */
	const char *extra_sms;    /* more [sms] lines for the hub (e.g. max_sends_per_hour) */
};

/* Make the directory and files and start the simulator; fill sp->ini. */
int smsproc_start(struct smsproc *sp, const struct smsproc_opts *o);
/* SIGTERM and wait; remove the directory. Its exit status (0 when none
 * ran), -1 when it died of a signal. */
int smsproc_cleanup(struct smsproc *sp);

/* GET target (e.g. "/sim/messages?phone=13800000001") of the simulator;
 * the answer's parsed JSON (json_t *, the caller decrefs) or NULL. */
void *smsproc_get(struct smsproc *sp, const char *target);
/* POST /sim/fault with the JSON text fault; 0 when it was queued. */
int smsproc_fault(struct smsproc *sp, const char *fault);
/* How many messages the simulator delivered to phone; -1 on failure. The
 * code of the last into code (size 7, "" when none) when code is not NULL. */
int smsproc_messages(struct smsproc *sp, const char *phone, char *code);
/* How many send requests the simulator saw for phone, and into id (size
 * 40) the request id of the first; -1 on failure. With same_id: whether
 * every one carried that id. */
int smsproc_requests(struct smsproc *sp, const char *phone, char *id, bool *same_id);

#endif
