/*
 * upsign.c - bank gateway forms and their signatures (see upsign.h).
 *
 * Where to start reading: upsign_text(), what is signed; then
 * upsign_sign() and upsign_verify(). The RSA part is wxsign's
 * (SHA256withRSA, PKCS #1 v1.5, base64): only the message differs.
 */
#include "upsign.h"

#include <openssl/bn.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cst.h"
#include "core/pay.h"
#include "core/utf8.h"
#include "urlform.h"
#include "wxsign.h"

static ca_err why(ca_err e, char *err, size_t errlen, const char *text)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", text);
	return e;
}

void upform_init(struct upform *f)
{
	f->n = 0;
}

void upform_release(struct upform *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->f[i].val);
	f->n = 0;
}

static bool key_ok(const char *k)
{
	size_t n = strlen(k);

	return n >= 1 && n <= UPSIGN_KEY_MAX &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* The index key has or would have (sorted); *found whether it is there. */
static size_t find(const struct upform *f, const char *key, bool *found)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(f->f[mid].key, key);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

ca_err upform_set(struct upform *f, const char *key, const char *val)
{
	bool found;
	size_t i;
	char *v;

	if (!key_ok(key) || !val || strlen(val) > UPSIGN_VALUE_MAX)
		return CA_ERR_ARG;
	i = find(f, key, &found);
	if (!found && f->n == UPSIGN_FIELDS_MAX)
		return CA_ERR_TOO_LONG;
	v = strdup(val);
	if (!v)
		return CA_ERR_NOMEM;
	if (found) {
		free(f->f[i].val);
		f->f[i].val = v;
		return CA_OK;
	}
	memmove(&f->f[i + 1], &f->f[i], (f->n - i) * sizeof(f->f[0]));
	snprintf(f->f[i].key, sizeof(f->f[i].key), "%s", key);
	f->f[i].val = v;
	f->n++;
	return CA_OK;
}

ca_err upform_set_all(struct upform *f, const char *const (*kv)[2], size_t n)
{
	size_t i;
	ca_err e = CA_OK;

	for (i = 0; !e && i < n; i++)
		e = upform_set(f, kv[i][0], kv[i][1]);
	return e;
}

const char *upform_get(const struct upform *f, const char *key)
{
	bool found;
	size_t i = find(f, key, &found);

	return found ? f->f[i].val : NULL;
}

const char *upform_str(const struct upform *f, const char *key)
{
	const char *v = upform_get(f, key);

	return v ? v : "";
}

ca_err upform_parse(struct upform *f, const char *body, size_t len, char *err, size_t errlen)
{
	const char *p = body, *end = body + len;
	char key[UPSIGN_KEY_MAX + 2], *val = NULL;
	struct urlform_field w;
	size_t chars;
	ca_err e = CA_OK;

	upform_init(f);
	if (len > UPSIGN_FORM_MAX)
		return why(CA_ERR_ARG, err, errlen, "the form is too long");
	val = malloc(UPSIGN_VALUE_MAX + 2);
	if (!val)
		return CA_ERR_NOMEM;
	while (!e && urlform_next(&p, end, &w)) {
		if (!w.val || !urlform_decode(w.key, w.key_len, key, sizeof(key)) ||
		    !urlform_decode(w.val, w.val_len, val, UPSIGN_VALUE_MAX + 2) ||
		    !utf8_count(val, &chars)) {
			e = why(CA_ERR_ARG, err, errlen, "a field is not key=value, or is malformed, "
				"too long or not UTF-8");
			break;
		}
		if (upform_get(f, key)) {
			e = why(CA_ERR_ARG, err, errlen, "a field is given twice");
			break;
		}
		e = upform_set(f, key, val);
		if (e == CA_ERR_ARG)
			why(e, err, errlen, "a field's name or value is not allowed");
		else if (e == CA_ERR_TOO_LONG)
			e = why(CA_ERR_ARG, err, errlen, "the form has too many fields");
	}
	free(val);
	if (e)
		upform_release(f);
	return e;
}

/* Append s (n bytes) to the growing *buf, url-encoded when enc. */
static bool put(char **buf, size_t *len, size_t *cap, const char *s, size_t n, bool enc)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : 0;
		bool plain = !enc || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';

		if (*len + 4 > *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			char *p = realloc(*buf, nc);

			if (!p)
				return false;
			*buf = p;
			*cap = nc;
		}
		if (i == n)
			break; /* room for the NUL made */
		if (plain) {
			(*buf)[(*len)++] = (char)c;
		} else {
			(*buf)[(*len)++] = '%';
			(*buf)[(*len)++] = hex[c >> 4];
			(*buf)[(*len)++] = hex[c & 15];
		}
	}
	(*buf)[*len] = '\0';
	return true;
}

/* The fields joined "k=v&..." (url-encoded when enc); signed_only: the
 * signed text's fields (non-empty, no signature). */
static ca_err join(const struct upform *f, bool enc, bool signed_only, char **out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, i;
	bool first = true, ok = put(&buf, &len, &cap, "", 0, false);

	for (i = 0; ok && i < f->n; i++) {
		if (signed_only && (!f->f[i].val[0] || !strcmp(f->f[i].key, "signature")))
			continue;
		ok = (first || put(&buf, &len, &cap, "&", 1, false)) &&
		     put(&buf, &len, &cap, f->f[i].key, strlen(f->f[i].key), enc) &&
		     put(&buf, &len, &cap, "=", 1, false) &&
		     put(&buf, &len, &cap, f->f[i].val, strlen(f->f[i].val), enc);
		first = false;
	}
	if (!ok) {
		free(buf);
		*out = NULL;
		return CA_ERR_NOMEM;
	}
	*out = buf;
	return CA_OK;
}

ca_err upform_encode(const struct upform *f, char **out)
{
	return join(f, true, false, out);
}

ca_err upsign_text(const struct upform *f, char **out)
{
	return join(f, false, true, out);
}

/* hex(SHA-256(text of f)) into hex. */
static ca_err digest_hex(const struct upform *f, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0, i;
	char *text = NULL;
	ca_err e = upsign_text(f, &text);

	if (e)
		return e;
	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		free(text);
		ERR_clear_error();
		return CA_ERR_NOMEM;
	}
	free(text);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return CA_OK;
}

ca_err upsign_sign(struct upform *f, const char *key_pem, char *err, size_t errlen)
{
	char hex[65], sig[WXSIGN_SIG_MAX];
	ca_err e = digest_hex(f, hex);

	if (!e)
		e = wxsign_sign(key_pem, hex, 64, sig, err, errlen);
	return e ? e : upform_set(f, "signature", sig);
}

ca_err upsign_verify(const struct upform *f, const char *cert_id, const char *pub_pem,
		     char *err, size_t errlen)
{
	const char *sig = upform_get(f, "signature");
	char hex[65];
	ca_err e;

	if (strcmp(upform_str(f, "version"), UPSIGN_VERSION) ||
	    strcmp(upform_str(f, "encoding"), UPSIGN_ENCODING) ||
	    strcmp(upform_str(f, "signMethod"), UPSIGN_SIGN_METHOD))
		return why(CA_ERR_FORBIDDEN, err, errlen, "version, encoding or signMethod is not "
			   UPSIGN_VERSION ", " UPSIGN_ENCODING ", " UPSIGN_SIGN_METHOD);
	if (strcmp(upform_str(f, "certId"), cert_id))
		return why(CA_ERR_FORBIDDEN, err, errlen, "certId is not the signer's");
	if (!sig || !*sig)
		return why(CA_ERR_FORBIDDEN, err, errlen, "the form is not signed");
	e = digest_hex(f, hex);
	if (e)
		return e;
	return wxsign_verify(pub_pem, hex, 64, sig, err, errlen);
}

void upsign_time(int64_t t, char out[UPSIGN_TIME_LEN + 1])
{
	ca_cst_format(t * 1000, "%Y%m%d%H%M%S", out, UPSIGN_TIME_LEN + 1);
}

ca_err upsign_parse_time(const char *s, int64_t *t)
{
	char text[PAY_RFC3339_LEN + 1];

	if (strlen(s) != UPSIGN_TIME_LEN || strspn(s, "0123456789") != UPSIGN_TIME_LEN)
		return CA_ERR_ARG;
	snprintf(text, sizeof(text), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s+08:00", s, s + 4, s + 6,
		 s + 8, s + 10, s + 12);
	return pay_parse_rfc3339(text, t);
}

ca_err upsign_cert_id(const char *cert_pem, char out[UPSIGN_CERT_ID_MAX + 1], char *err,
		      size_t errlen)
{
	BIO *b = BIO_new_mem_buf(cert_pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIGNUM *bn = x ? ASN1_INTEGER_to_BN(X509_get_serialNumber(x), NULL) : NULL;
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	ca_err e = CA_OK;

	if (!dec || strlen(dec) > UPSIGN_CERT_ID_MAX || dec[0] == '-')
		e = why(CA_ERR_ARG, err, errlen, "not a certificate in PEM (or its serial is "
			"unusable)");
	else
		snprintf(out, UPSIGN_CERT_ID_MAX + 1, "%s", dec);
	OPENSSL_free(dec);
	BN_free(bn);
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return e;
}
