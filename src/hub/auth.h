/*
 * auth.h - who may call the hub.
 *
 * Kiosks sign every request (src/core/sign.h, docs/api.md): the device must
 * exist and be enabled, the timestamp be within SIGN_SKEW_S of the hub's
 * clock (the virtual one when enabled), the signature match, and the nonce
 * be new for that device. Nonces are kept in the store for
 * HUBDB_NONCE_LIFE_S (longer than the window, so a replay is caught either
 * way), which survives restarts.
 *
 * Staff (staff.h, docs/console.md): ca-hubctl sends a bearer token of its
 * own from POST /v1/admin/login, or the hub machine's token from
 * DATA_DIR/admin.token (compared in constant time), which is the built-in
 * account "host" with roles STAFF_HOST_ROLES. The console sends its session
 * cookie (AUTH_COOKIE), and with every form the session's form token. A
 * token or session is refused when unknown, ended, past its life, idle too
 * long (console), or when its account is disabled.
 */
#ifndef HUB_AUTH_H
#define HUB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http.h"

/* The one message of a refusal for an unknown device, a disabled one or a
 * bad signature: the answer never says which (the log does). */
#define AUTH_DEVICE_REFUSED "device authentication failed: the device id, its secret and " \
	"the signature do not match an enabled device"

/* Check the four signature headers of rq. 0 and rq->device set when the
 * request is good; -1 with rq->auth_fail saying why (the answer's message,
 * logged by http.c). For an unknown or disabled device or a bad signature
 * that is AUTH_DEVICE_REFUSED, and auth.c logs the real reason. */
int auth_device(struct http_req *rq);

/* The console's session cookie: __Host- so that only this host over TLS
 * sets it, for every path. */
#define AUTH_COOKIE "__Host-ca-console"

/* Check Authorization: Bearer: the host's token or a live ca-hubctl token;
 * rq->who filled. 0; -1 refused (rq->auth_fail says why); 1 the store failed. */
int auth_staff(struct http_req *rq);

/* Check the console's session cookie as auth_staff does; rq->who filled
 * (with the form token). 0, -1 or 1. */
int auth_console(struct http_req *rq);

/* Whether the request's form carries the session's form token ("csrf");
 * false with rq->auth_fail set otherwise. */
bool auth_console_form(struct http_req *rq);

/* A new session or token for account st, opened from rq's address: the
 * token into token (what the client keeps), the form token into csrf
 * (console only). CA_ERR_IO without randomness. */
ca_err auth_session_open(struct http_req *rq, const struct hubdb_staff *st, bool console,
			 char token[65], char csrf[65], int64_t *expires_ms);

/* Read DATA_DIR/admin.token, or make one (32 random bytes as hex, mode
 * 0600, written to a temp file and renamed) when there is none. */
ca_err auth_token_init(const char *data_dir, char out[65], char *err, size_t errlen);

#endif
