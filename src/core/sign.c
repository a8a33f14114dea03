/* sign.c - HMAC-SHA256 request signatures (OpenSSL), nonces and secrets. */
#include "sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

bool sign_device_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n >= 1 && n <= SIGN_DEVICE_MAX &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Longest method and path that may be signed. */
#define SIGN_METHOD_MAX 16
#define SIGN_PATH_MAX 2048

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0x0F];
	}
	out[2 * n] = '\0';
}

void sign_sha256_hex(const void *data, size_t len, char out[SIGN_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL);
	to_hex(md, 32, out);
}

ca_err sign_random_hex(size_t n, char *out)
{
	unsigned char b[32];
	ca_err e;

	if (n > sizeof(b))
		return CA_ERR_ARG;
	e = ca_random(b, n);
	if (!e)
		to_hex(b, n, out);
	explicit_bzero(b, sizeof(b));
	return e;
}

ca_err sign_nonce(char out[SIGN_NONCE_LEN + 1])
{
	return sign_random_hex(SIGN_NONCE_LEN / 2, out);
}

ca_err sign_new_secret(char out[SIGN_HEX_LEN + 1])
{
	return sign_random_hex(SIGN_HEX_LEN / 2, out);
}

/* A part of the string to sign must be present, short, and one line. */
static int part_ok(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	return n > 0 && n <= max && !strpbrk(s, "\r\n");
}

ca_err sign_hmac_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
		     char out[SIGN_HEX_LEN + 1])
{
	unsigned char mac[32];
	unsigned int maclen = 0;

	out[0] = '\0';
	if (!key || key_len == 0 || key_len > SIGN_SECRET_MAX || (!msg && msg_len > 0))
		return CA_ERR_ARG;
	if (!HMAC(EVP_sha256(), key, (int)key_len, msg ? msg : "", msg_len, mac, &maclen) ||
	    maclen != sizeof(mac))
		return CA_ERR_ARG;
	to_hex(mac, sizeof(mac), out);
	return CA_OK;
}

ca_err sign_request(const char *secret, const char *method, const char *path,
		    int64_t timestamp, const char *nonce, const void *body,
		    size_t body_len, char out[SIGN_HEX_LEN + 1])
{
	char msg[SIGN_PATH_MAX + 256], body_hex[SIGN_HEX_LEN + 1];
	int n;

	out[0] = '\0';
	if (!part_ok(secret, SIGN_SECRET_MAX) || !part_ok(method, SIGN_METHOD_MAX) ||
	    !part_ok(path, SIGN_PATH_MAX) || !part_ok(nonce, SIGN_NONCE_LEN) ||
	    (!body && body_len > 0) || timestamp < 0)
		return CA_ERR_ARG;
	sign_sha256_hex(body, body_len, body_hex);
	n = snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%lld\n%s\n%s", SIGN_SCHEME, method,
		     path, (long long)timestamp, nonce, body_hex);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return CA_ERR_ARG;
	return sign_hmac_hex(secret, strlen(secret), msg, (size_t)n, out);
}

int sign_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = (unsigned char)(la != lb);

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int sign_is_hex(const char *s, size_t n)
{
	size_t i;

	if (!s || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
