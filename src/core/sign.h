/*
 * sign.h - request signing between kiosks and the hub (HMAC-SHA256).
 *
 * Every kiosk request carries four headers:
 *
 *   X-CA-Device:    the device id ("hall-01")
 *   X-CA-Timestamp: Unix seconds, decimal
 *   X-CA-Nonce:     32 lower-case hex digits (16 random bytes), never reused
 *   X-CA-Signature: 64 lower-case hex digits, HMAC-SHA256 with the device
 *                   secret (its ASCII text as the key) over the string
 *
 *     "CA1-HMAC-SHA256\n" METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n"
 *     hex(SHA-256(body))
 *
 * METHOD is upper case; PATH is the request target as sent, query included
 * ("/v1/feed?since=42"); the body hash of an empty body is that of "".
 * docs/api.md works one example through by hand. The hub refuses a
 * timestamp more than SIGN_SKEW_S off its clock, a nonce seen before, a bad
 * signature, and an unknown or disabled device.
 */
#ifndef CA_SIGN_H
#define CA_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SIGN_SCHEME   "CA1-HMAC-SHA256"
#define SIGN_SKEW_S   300  /* allowed clock difference, seconds */
#define SIGN_NONCE_LEN 32  /* hex digits */
#define SIGN_HEX_LEN  64   /* hex digits of a SHA-256 or HMAC-SHA256 */
#define SIGN_SECRET_MAX 128 /* longest device secret, bytes */
#define SIGN_DEVICE_MAX 32  /* longest device id, bytes */

/* Header names. */
#define SIGN_H_DEVICE    "X-CA-Device"
#define SIGN_H_TIMESTAMP "X-CA-Timestamp"
#define SIGN_H_NONCE     "X-CA-Nonce"
#define SIGN_H_SIGNATURE "X-CA-Signature"

/* hex(SHA-256(data)) into out. */
void sign_sha256_hex(const void *data, size_t len, char out[SIGN_HEX_LEN + 1]);

/* hex(HMAC-SHA256(key, msg)) into out: the one keyed hash of the project
 * (sign_request's, and the SMS gateway's request signature, src/hub/sms_gw.c).
 * CA_ERR_ARG when key is empty or over SIGN_SECRET_MAX bytes. */
ca_err sign_hmac_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
		     char out[SIGN_HEX_LEN + 1]);

/* A fresh nonce (16 bytes from getrandom) as hex. CA_ERR_IO on failure. */
ca_err sign_nonce(char out[SIGN_NONCE_LEN + 1]);

/* Whether id is a device id: 1 to SIGN_DEVICE_MAX of A-Z a-z 0-9 _ -
 * (the kiosk's [kiosk] id, the hub's devices, the X-CA-Device header). */
bool sign_device_id_ok(const char *id);

/* A fresh device secret: 32 random bytes as 64 hex digits. */
ca_err sign_new_secret(char out[SIGN_HEX_LEN + 1]);

/* n random bytes (getrandom) as 2n lower-case hex digits into out (2n + 1
 * bytes), for tokens and keys. CA_ERR_ARG for n over 32, CA_ERR_IO. */
ca_err sign_random_hex(size_t n, char *out);

/*
 * The signature of one request into out. secret is the device secret;
 * method, path, nonce NUL-terminated; body may be NULL when body_len is 0.
 * CA_ERR_ARG when a part is missing, too long or has a newline.
 */
ca_err sign_request(const char *secret, const char *method, const char *path,
		    int64_t timestamp, const char *nonce, const void *body,
		    size_t body_len, char out[SIGN_HEX_LEN + 1]);

/* Compare two NUL-terminated strings in time independent of where they
 * differ (for signatures and tokens). 1 when equal. */
int sign_equal(const char *a, const char *b);

/* Whether s is exactly n lower-case hex digits. */
int sign_is_hex(const char *s, size_t n);

#endif
