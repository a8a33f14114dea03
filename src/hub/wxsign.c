/*
 * wxsign.c - WeChat Pay API v3 signatures and notification decryption
 * with OpenSSL (see wxsign.h).
 *
 * Where to start reading: wxsign_check_answer(), what every answer and
 * notification of the provider passes before the hub believes it.
 */
#include "wxsign.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Say why in err; return e. */
static ca_err why(ca_err e, char *err, size_t errlen, const char *text)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", text);
	ERR_clear_error();
	return e;
}

/* The message lines joined by "\n", each ended by one. */
static ca_err join(char **out, const char *const *parts, int n)
{
	size_t len = 0, at = 0;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	*out = malloc(len + 1);
	if (!*out)
		return CA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		size_t k = strlen(parts[i]);

		memcpy(*out + at, parts[i], k);
		at += k;
		(*out)[at++] = '\n';
	}
	(*out)[at] = '\0';
	return CA_OK;
}

ca_err wxsign_request_message(const char *method, const char *target, int64_t ts,
			      const char *nonce, const char *body, char **out)
{
	char t[24];
	const char *parts[5];

	snprintf(t, sizeof(t), "%lld", (long long)ts);
	parts[0] = method;
	parts[1] = target;
	parts[2] = t;
	parts[3] = nonce;
	parts[4] = body ? body : "";
	return join(out, parts, 5);
}

ca_err wxsign_answer_message(const char *ts, const char *nonce, const char *body, char **out)
{
	const char *parts[3] = { ts, nonce, body ? body : "" };

	return join(out, parts, 3);
}

/* Base64 without line breaks of n bytes into out (size cap); false when it
 * does not fit. */
static bool b64_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
	if (4 * ((n + 2) / 3) + 1 > cap)
		return false;
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return true;
}

/* Decode base64 text (no line breaks) into a malloc'd buffer; its length
 * into *len. NULL when it is not base64. */
static unsigned char *b64_decode(const char *in, size_t *len)
{
	size_t n = strlen(in), pad = 0;
	unsigned char *out;
	int k;

	if (n == 0 || n % 4 || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789+/=") != n)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	k = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (k < 0) {
		free(out);
		return NULL;
	}
	if (in[n - 1] == '=')
		pad++;
	if (in[n - 2] == '=')
		pad++;
	*len = (size_t)k - pad; /* EVP_DecodeBlock counts the padding's zero bytes */
	return out;
}

/* The key in PEM text: a private key when private, else a public key or a
 * certificate's. NULL when none can be read. */
static EVP_PKEY *read_key(const char *pem, bool private)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = NULL;
	X509 *x;

	if (!b)
		return NULL;
	if (private) {
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	} else if ((k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) == NULL) {
		(void)BIO_reset(b);
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (x) {
			k = X509_get_pubkey(x);
			X509_free(x);
		}
	}
	BIO_free(b);
	if (k && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

ca_err wxsign_sign(const char *key_pem, const void *msg, size_t len,
		   char sig[WXSIGN_SIG_MAX], char *err, size_t errlen)
{
	EVP_PKEY *k = read_key(key_pem, true);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char raw[1024];
	size_t rawlen = sizeof(raw);
	ca_err e = CA_OK;

	if (!k || !md) {
		e = why(k ? CA_ERR_NOMEM : CA_ERR_ARG, err, errlen,
			"the merchant key is not an RSA private key in PEM");
		goto out;
	}
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(md, raw, &rawlen, msg, len) != 1 ||
	    !b64_encode(raw, rawlen, sig, WXSIGN_SIG_MAX))
		e = why(CA_ERR_ARG, err, errlen, "the message could not be signed");
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return e;
}

ca_err wxsign_verify(const char *pub_pem, const void *msg, size_t len, const char *sig_b64,
		     char *err, size_t errlen)
{
	EVP_PKEY *k = read_key(pub_pem, false);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	ca_err e = CA_OK;
	int rc;

	if (!k || !md) {
		e = why(k ? CA_ERR_NOMEM : CA_ERR_ARG, err, errlen,
			"the platform key is not an RSA public key or certificate in PEM");
		goto out;
	}
	raw = b64_decode(sig_b64, &rawlen);
	if (!raw) {
		e = why(CA_ERR_FORBIDDEN, err, errlen, "the signature is not base64");
		goto out;
	}
	rc = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1
	     ? EVP_DigestVerify(md, raw, rawlen, msg, len) : -1;
	if (rc != 1)
		e = why(CA_ERR_FORBIDDEN, err, errlen, "the signature does not match");
out:
	free(raw);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return e;
}

ca_err wxsign_authorization(char *out, size_t n, const char *mchid, const char *nonce,
			    int64_t ts, const char *serial, const char *sig)
{
	int k = snprintf(out, n, WXSIGN_SCHEME " mchid=\"%s\",nonce_str=\"%s\",timestamp=\"%lld\","
			 "serial_no=\"%s\",signature=\"%s\"", mchid, nonce, (long long)ts, serial,
			 sig);

	return k < 0 || (size_t)k >= n ? CA_ERR_TOO_LONG : CA_OK;
}

/* Copy the value of one key="value" pair at *p into its field of a. */
static bool auth_field(struct wxsign_auth *a, const char *key, size_t keylen, const char *val,
		       size_t vallen, unsigned *seen)
{
	static const struct { const char *key; size_t off, size; } fields[] = {
		{ "mchid", offsetof(struct wxsign_auth, mchid), sizeof(a->mchid) },
		{ "nonce_str", offsetof(struct wxsign_auth, nonce), sizeof(a->nonce) },
		{ "serial_no", offsetof(struct wxsign_auth, serial), sizeof(a->serial) },
		{ "signature", offsetof(struct wxsign_auth, signature), sizeof(a->signature) },
		{ "timestamp", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].key) != keylen || memcmp(fields[i].key, key, keylen))
			continue;
		if (*seen & (1u << i) || !vallen)
			return false;
		*seen |= 1u << i;
		if (!fields[i].size) {
			char num[24], *end;

			if (vallen >= sizeof(num))
				return false;
			memcpy(num, val, vallen);
			num[vallen] = 0;
			a->timestamp = strtoll(num, &end, 10);
			return *end == 0 && num[0] >= '0' && num[0] <= '9';
		}
		if (vallen >= fields[i].size)
			return false;
		memcpy((char *)a + fields[i].off, val, vallen);
		((char *)a + fields[i].off)[vallen] = 0;
		return true;
	}
	return false;
}

ca_err wxsign_parse_authorization(const char *value, struct wxsign_auth *a, char *err,
				  size_t errlen)
{
	const char *p = value, *key, *val;
	unsigned seen = 0;
	size_t scheme = strlen(WXSIGN_SCHEME);

	memset(a, 0, sizeof(*a));
	if (!value || strncmp(value, WXSIGN_SCHEME " ", scheme + 1))
		return why(CA_ERR_ARG, err, errlen, "the scheme is not " WXSIGN_SCHEME);
	p += scheme + 1;
	for (;;) {
		key = p;
		while (*p >= 'a' && *p <= 'z') /* the keys: lower case and _ */
			p++;
		while (*p == '_' || (*p >= 'a' && *p <= 'z'))
			p++;
		if (p == key || p[0] != '=' || p[1] != '"')
			return why(CA_ERR_ARG, err, errlen, "a key=\"value\" pair is malformed");
		val = p + 2;
		p = strchr(val, '"');
		if (!p || !auth_field(a, key, (size_t)(val - 2 - key), val, (size_t)(p - val),
				       &seen))
			return why(CA_ERR_ARG, err, errlen,
				   "a pair is unknown, repeated, empty or too long");
		if (*++p == 0)
			break;
		if (*p++ != ',')
			return why(CA_ERR_ARG, err, errlen, "pairs are not separated by ','");
	}
	if (seen != 0x1f)
		return why(CA_ERR_ARG, err, errlen, "a pair of the five is missing");
	return CA_OK;
}

ca_err wxsign_check_answer(const char *ts, const char *nonce, const char *sig,
			   const char *serial, const char *body, const char *pub_serial,
			   const char *pub_pem, int64_t now_s, char *err, size_t errlen)
{
	char *msg = NULL, *end;
	long long t;
	ca_err e;

	if (!ts || !nonce || !sig || !serial)
		return why(CA_ERR_FORBIDDEN, err, errlen, "a Wechatpay-* header is missing");
	if (!strncmp(sig, WXSIGN_PROBE, strlen(WXSIGN_PROBE)))
		return why(CA_ERR_FORBIDDEN, err, errlen, "a signature probe (" WXSIGN_PROBE ")");
	t = strtoll(ts, &end, 10);
	if (!*ts || *end || t < now_s - WXSIGN_SKEW_S || t > now_s + WXSIGN_SKEW_S)
		return why(CA_ERR_FORBIDDEN, err, errlen,
			   "Wechatpay-Timestamp is more than 5 minutes off this clock");
	if (strcmp(serial, pub_serial) != 0)
		return why(CA_ERR_FORBIDDEN, err, errlen,
			   "Wechatpay-Serial is not the serial of the trusted platform key");
	e = wxsign_answer_message(ts, nonce, body, &msg);
	if (!e)
		e = wxsign_verify(pub_pem, msg, strlen(msg), sig, err, errlen);
	free(msg);
	return e;
}

/* The AES-GCM cipher for a key of keylen bytes, NULL for another length. */
static const EVP_CIPHER *gcm_of(size_t keylen)
{
	return keylen == 32 ? EVP_aes_256_gcm() : keylen == 24 ? EVP_aes_192_gcm()
	     : keylen == 16 ? EVP_aes_128_gcm() : NULL;
}

/* Set x up to seal (enc) or open with key (keylen bytes), the nonce as its
 * IV and aad as its associated data. false when the key or nonce cannot
 * be used. */
static bool gcm_begin(EVP_CIPHER_CTX *x, bool enc, const char *key, size_t keylen,
		      const char *nonce, const char *aad)
{
	const EVP_CIPHER *c = gcm_of(keylen);
	const char *data = aad ? aad : "";
	int n;

	return c && nonce && *nonce &&
	       EVP_CipherInit_ex(x, c, NULL, NULL, NULL, enc) == 1 &&
	       EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, (int)strlen(nonce), NULL) == 1 &&
	       EVP_CipherInit_ex(x, NULL, NULL, (const unsigned char *)key,
				 (const unsigned char *)nonce, enc) == 1 &&
	       EVP_CipherUpdate(x, NULL, &n, (const unsigned char *)data, (int)strlen(data)) == 1;
}

ca_err wxsign_decrypt(const char *key, size_t keylen, const char *nonce, const char *aad,
		      const char *ciphertext_b64, char **out, size_t *len, char *err,
		      size_t errlen)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	unsigned char *raw = NULL, *plain = NULL;
	size_t rawlen = 0;
	int n = 0, fin = 0;
	ca_err e = CA_OK;

	*out = NULL;
	if (!x)
		return CA_ERR_NOMEM;
	if (!gcm_begin(x, false, key, keylen, nonce, aad)) {
		e = why(CA_ERR_ARG, err, errlen, "the key is not 32 bytes, or no nonce");
		goto out;
	}
	raw = b64_decode(ciphertext_b64, &rawlen);
	if (!raw || rawlen < WXSIGN_TAG_LEN) {
		e = why(CA_ERR_ARG, err, errlen, "the ciphertext is not base64 with a tag");
		goto out;
	}
	rawlen -= WXSIGN_TAG_LEN; /* the tag is the last 16 bytes */
	plain = malloc(rawlen + 1);
	if (!plain) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	if (EVP_CipherUpdate(x, plain, &n, raw, (int)rawlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, WXSIGN_TAG_LEN, raw + rawlen) != 1 ||
	    EVP_CipherFinal_ex(x, plain + n, &fin) != 1) {
		free(plain); /* nothing of a forged resource leaves */
		e = why(CA_ERR_FORBIDDEN, err, errlen,
			"the resource does not decrypt: its tag does not match");
		goto out;
	}
	plain[n + fin] = '\0';
	*len = (size_t)(n + fin);
	*out = (char *)plain;
out:
	EVP_CIPHER_CTX_free(x);
	free(raw);
	return e;
}

ca_err wxsign_encrypt(const char *key, size_t keylen, const char *nonce, const char *aad,
		      const void *plain, size_t len, char **out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	unsigned char *raw = malloc(len + WXSIGN_TAG_LEN);
	size_t total;
	int n = 0, fin = 0;
	ca_err e = CA_ERR_NOMEM;

	*out = NULL;
	if (x && raw && !gcm_begin(x, true, key, keylen, nonce, aad))
		e = CA_ERR_ARG;
	else if (x && raw && EVP_CipherUpdate(x, raw, &n, plain, (int)len) == 1 &&
		 EVP_CipherFinal_ex(x, raw + n, &fin) == 1 &&
		 EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, WXSIGN_TAG_LEN, raw + n + fin) == 1) {
		/* The sealed bytes with the tag after them, as base64. */
		total = (size_t)(n + fin) + WXSIGN_TAG_LEN;
		*out = malloc(4 * ((total + 2) / 3) + 1);
		if (*out && b64_encode(raw, total, *out, 4 * ((total + 2) / 3) + 1))
			e = CA_OK;
	}
	ERR_clear_error();
	EVP_CIPHER_CTX_free(x);
	free(raw);
	return e;
}
