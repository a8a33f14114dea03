/*
 * auth.h - who may call the hub.
 *
 * Kiosks sign every request (src/core/sign.h, docs/api.md): the device must
 * exist and be enabled, the timestamp be within SIGN_SKEW_S of the hub's
 * clock (the virtual one when enabled), the signature match, and the nonce
 * be new for that device. Nonces are kept in the store for
 * HUBDB_NONCE_LIFE_S (longer than the window, so a replay is caught either
 * way), which survives restarts. Staff tools use the admin bearer token
 * from DATA_DIR/admin.token, compared in constant time.
 */
#ifndef HUB_AUTH_H
#define HUB_AUTH_H

#include <stddef.h>

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

/* Check Authorization: Bearer against the hub's admin token. 0 or -1. */
int auth_admin(struct http_req *rq);

/* Read DATA_DIR/admin.token, or make one (32 random bytes as hex, mode
 * 0600, written to a temp file and renamed) when there is none. */
ca_err auth_token_init(const char *data_dir, char out[65], char *err, size_t errlen);

#endif
