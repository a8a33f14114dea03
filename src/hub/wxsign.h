/*
 * wxsign.h - the cryptography of WeChat Pay API v3, as a merchant speaks it
 * (the first piece of issue 16: the provider itself comes later).
 *
 *   - Requests: SHA256withRSA (PKCS #1 v1.5) with the merchant's key over
 *     "METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n", base64, sent as
 *     Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",
 *     timestamp="..",serial_no="..",signature="..".
 *   - Answers and notifications: SHA256withRSA with WeChat Pay's key over
 *     "TIMESTAMP\nNONCE\nBODY\n" from the Wechatpay-Timestamp, -Nonce,
 *     -Signature and -Serial headers; refused when the time is more than
 *     WXSIGN_SKEW_S off, the serial is not the key's, or the signature is a
 *     probe (it starts with WXSIGN_PROBE).
 *   - Notification resources: AEAD_AES_256_GCM with the APIv3 key, the
 *     resource's nonce and associated data; the tag is the last 16 bytes of
 *     the (base64) ciphertext.
 *
 * Keys are PEM text (an RSA private key, a public key or a certificate).
 * Every function checks its input and says what is wrong in err.
 */
#ifndef HUB_WXSIGN_H
#define HUB_WXSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define WXSIGN_SCHEME "WECHATPAY2-SHA256-RSA2048"
#define WXSIGN_SKEW_S 300                 /* an answer's time at most this far off */
#define WXSIGN_PROBE "WECHATPAY/SIGNTEST/" /* the start of a probe signature */
#define WXSIGN_SIG_MAX 512                /* a base64 RSA-2048..4096 signature, with room */
#define WXSIGN_ERR_MAX 200                /* room for a message */
#define WXSIGN_TAG_LEN 16                 /* the AES-GCM tag */

/* The message a request signs: "METHOD\nTARGET\nTS\nNONCE\nBODY\n" (body may
 * be ""), malloc'd into *out. CA_ERR_NOMEM. */
ca_err wxsign_request_message(const char *method, const char *target, int64_t ts,
			      const char *nonce, const char *body, char **out);

/* The message an answer or notification is verified over:
 * "TS\nNONCE\nBODY\n", malloc'd into *out. */
ca_err wxsign_answer_message(const char *ts, const char *nonce, const char *body,
			     char **out);

/* SHA256withRSA of msg (len bytes) with the private key key_pem, base64
 * into sig (WXSIGN_SIG_MAX). CA_ERR_ARG for a key that is not an RSA
 * private key. */
ca_err wxsign_sign(const char *key_pem, const void *msg, size_t len,
		   char sig[WXSIGN_SIG_MAX], char *err, size_t errlen);

/* Whether sig_b64 is a SHA256withRSA signature of msg by the public key in
 * pub_pem (a public key or a certificate). CA_OK; CA_ERR_FORBIDDEN when it
 * is not; CA_ERR_ARG for a key or signature that cannot be read. */
ca_err wxsign_verify(const char *pub_pem, const void *msg, size_t len, const char *sig_b64,
		     char *err, size_t errlen);

/* The Authorization header value of a request. CA_ERR_TOO_LONG when it
 * does not fit n. */
ca_err wxsign_authorization(char *out, size_t n, const char *mchid, const char *nonce,
			    int64_t ts, const char *serial, const char *sig);

/* An Authorization header taken apart (what the provider checks). */
struct wxsign_auth {
	char mchid[33];                /* merchant id */
	char nonce[65];                /* nonce_str */
	char serial[65];               /* serial_no: the merchant certificate's serial */
	char signature[WXSIGN_SIG_MAX]; /* base64 */
	long long timestamp;           /* Unix seconds */
};

/* Parse value, the header's value, into a: the scheme, then the five
 * key="value" pairs, each exactly once, in any order, nothing else.
 * CA_ERR_ARG with the reason in err. */
ca_err wxsign_parse_authorization(const char *value, struct wxsign_auth *a, char *err,
				  size_t errlen);

/*
 * Check an answer or notification from WeChat Pay: the four headers' values
 * (any NULL: refused), the body, the serial and public key the merchant
 * trusts, and the merchant's clock now_s. CA_OK; CA_ERR_FORBIDDEN with the
 * reason in err (a probe, the time off, another serial, a bad signature);
 * CA_ERR_ARG for an unreadable key.
 */
ca_err wxsign_check_answer(const char *ts, const char *nonce, const char *sig,
			   const char *serial, const char *body, const char *pub_serial,
			   const char *pub_pem, int64_t now_s, char *err, size_t errlen);

/*
 * AEAD_AES_256_GCM of a notification resource: key (32 bytes: the APIv3
 * key; 16 and 24 select AES-128 and -192, which only test vectors use),
 * nonce and associated data as text, ciphertext as base64 with the tag at
 * its end. The plaintext (NUL-terminated) malloc'd into *out, its length in
 * *len. CA_ERR_FORBIDDEN when the tag does not match (a changed
 * ciphertext, nonce, data or key); CA_ERR_ARG for a bad key or base64.
 */
ca_err wxsign_decrypt(const char *key, size_t keylen, const char *nonce, const char *aad,
		      const char *ciphertext_b64, char **out, size_t *len, char *err,
		      size_t errlen);

/* The opposite, for the provider simulator: plaintext (len bytes) sealed
 * with key, nonce and aad, base64 with the tag, malloc'd into *out. */
ca_err wxsign_encrypt(const char *key, size_t keylen, const char *nonce, const char *aad,
		      const void *plain, size_t len, char **out);

#endif
