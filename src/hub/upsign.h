/*
 * upsign.h - the forms of the bank gateway (UnionPay online gateway style,
 * version 5.1.0) and their signatures, as both sides speak them: the hub's
 * provider "unionpay_gateway" (bankpay.c) and the gateway in ca-paysim
 * (tools/paysim/gateway.c). docs/paysim.md, The bank gateway.
 *
 *   - A form is a set of key=value fields (application/x-www-form-urlencoded
 *     on the wire), each key at most once.
 *   - The signed text: every field with a non-empty value except
 *     "signature", sorted by key (bytes), joined as "k1=v1&k2=v2" (values as
 *     they are, not URL-encoded).
 *   - signature = base64(SHA256withRSA(hex(SHA-256(text)))): the 64
 *     lowercase hex digits are what the RSA key signs.
 *   - signMethod=01, version=5.1.0, encoding=UTF-8; certId names the key:
 *     the decimal serial of the signer's certificate.
 *
 * Every function checks its input and says what is wrong in err.
 */
#ifndef HUB_UPSIGN_H
#define HUB_UPSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define UPSIGN_VERSION "5.1.0"
#define UPSIGN_ENCODING "UTF-8"
#define UPSIGN_SIGN_METHOD "01"
#define UPSIGN_FIELDS_MAX 48        /* fields of one form */
#define UPSIGN_KEY_MAX 32           /* bytes of a key */
#define UPSIGN_VALUE_MAX 1024       /* bytes of a value (decoded) */
#define UPSIGN_FORM_MAX (32 * 1024) /* bytes of an encoded form */
#define UPSIGN_CERT_ID_MAX 48       /* a decimal serial (up to 20 bytes) */
#define UPSIGN_ERR_MAX 200          /* room for a message */
#define UPSIGN_TIME_LEN 14          /* a time: "YYYYMMDDhhmmss" */

/* One field; the value is malloc'd. */
struct upfield {
	char key[UPSIGN_KEY_MAX + 1]; /* [A-Za-z0-9_] */
	char *val;                    /* UTF-8, owned */
};

/* A form: its fields kept sorted by key. Invariant: keys unique. */
struct upform {
	size_t n;                                /* fields held */
	struct upfield f[UPSIGN_FIELDS_MAX];     /* sorted by key (strcmp) */
};

/* An empty form (no allocation). */
void upform_init(struct upform *f);

/* Free the values; the form is empty again. */
void upform_release(struct upform *f);

/* Set key to val (a copy; replaces an earlier value). CA_ERR_ARG for a key
 * that is not 1..UPSIGN_KEY_MAX of [A-Za-z0-9_] or a value over
 * UPSIGN_VALUE_MAX; CA_ERR_TOO_LONG when the form is full. */
ca_err upform_set(struct upform *f, const char *key, const char *val);

/* Set the n fields of kv ({ key, value } each) in turn, as upform_set
 * does; the first error stops them and is returned. */
ca_err upform_set_all(struct upform *f, const char *const (*kv)[2], size_t n);

/* The value of key (borrowed), NULL when absent. */
const char *upform_get(const struct upform *f, const char *key);

/* The value of key, "" when absent (borrowed). */
const char *upform_str(const struct upform *f, const char *key);

/* A form body (len bytes, url-encoded) into f (initialised here). Refused
 * (CA_ERR_ARG, reason in err; f left empty): over UPSIGN_FORM_MAX, a bad
 * %-escape, a NUL, invalid UTF-8, a key twice, a bad key or value, too
 * many fields. */
ca_err upform_parse(struct upform *f, const char *body, size_t len, char *err, size_t errlen);

/* f url-encoded ("k=v&..." in key order, every field), malloc'd into *out. */
ca_err upform_encode(const struct upform *f, char **out);

/* The signed text of f (see above), malloc'd into *out. */
ca_err upsign_text(const struct upform *f, char **out);

/* Sign f with the RSA private key key_pem: sets "signature" (the other
 * fields, certId and signMethod included, must be set first). */
ca_err upsign_sign(struct upform *f, const char *key_pem, char *err, size_t errlen);

/* Check f as signed by the key cert_id names, whose certificate or public
 * key is pub_pem: version, encoding and signMethod as above, certId equal
 * to cert_id, a signature that verifies. CA_OK; CA_ERR_FORBIDDEN with the
 * reason; CA_ERR_ARG for a key that cannot be read. */
ca_err upsign_verify(const struct upform *f, const char *cert_id, const char *pub_pem,
		     char *err, size_t errlen);

/* Unix seconds t as the gateway's forms write a time (txnTime,
 * payTimeout): YYYYMMDDhhmmss in China time. */
void upsign_time(int64_t t, char out[UPSIGN_TIME_LEN + 1]);

/* Such a time back into Unix seconds. CA_ERR_ARG when s is not 14 digits
 * of a time the calendar has. */
ca_err upsign_parse_time(const char *s, int64_t *t);

/* The decimal serial number of the certificate in cert_pem (its certId).
 * CA_ERR_ARG when it is no certificate. */
ca_err upsign_cert_id(const char *cert_pem, char out[UPSIGN_CERT_ID_MAX + 1], char *err,
		      size_t errlen);

#endif
