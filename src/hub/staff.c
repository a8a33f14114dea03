/*
 * staff.c - staff names, roles, passwords and tokens (see staff.h).
 *
 * Passwords: libsodium's crypto_pwhash_str_alg with argon2id and the
 * interactive limits, serialised by one mutex (memory is the cost that
 * matters on a hub: 64 MiB a hash). Tokens: 32 bytes from the system's
 * random source, kept as their SHA-256.
 */
#include "staff.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/sign.h"
#include "core/utf8.h"

#define TAG "staff"

_Static_assert(crypto_pwhash_STRBYTES <= STAFF_HASH_MAX, "room for an argon2id string");

static pthread_mutex_t hash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = -1;

/* The fixed hash an unknown name is checked against (made once). */
static char dummy_hash[STAFF_HASH_MAX];

static const struct {
	unsigned bit;      /* the role */
	const char *id;    /* its id in the CLI and the store */
	enum msg_id label; /* its name for people */
} roles[STAFF_ROLES_N] = {
	{ STAFF_REVIEW, "review", MSG_ROLE_REVIEW },
	{ STAFF_COUNTER, "counter", MSG_ROLE_COUNTER },
	{ STAFF_FINANCE, "finance", MSG_ROLE_FINANCE },
	{ STAFF_OPS, "ops", MSG_ROLE_OPS },
	{ STAFF_ADMIN, "admin", MSG_ROLE_ADMIN },
};

static void init(void)
{
	init_rc = sodium_init() < 0 ? -1 : 0;
	if (init_rc == 0 &&
	    crypto_pwhash_str_alg(dummy_hash, "no account has this password", 28,
				  crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		init_rc = -1;
	if (init_rc)
		log_error(TAG, "libsodium could not start (or hash): no staff can log in");
}

bool staff_name_ok(const char *s)
{
	size_t n;

	if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	n = strlen(s);
	if (n < 2 || n > STAFF_NAME_MAX || strcmp(s, STAFF_HOST_NAME) == 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Whether s is UTF-8 text without control characters, and how many
 * characters it has. */
static bool text_chars(const char *s, size_t *n)
{
	const unsigned char *p;

	if (!s || !utf8_count(s, n))
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

bool staff_display_ok(const char *s)
{
	size_t n;

	return text_chars(s, &n) && n >= 1 && n <= STAFF_DISPLAY_MAX;
}

enum msg_id staff_password_check(const char *pw, const char *name)
{
	size_t n;

	if (!pw || !text_chars(pw, &n))
		return MSG_STAFF_PW_BAD_TEXT;
	if (n < STAFF_PASSWORD_MIN)
		return MSG_STAFF_PW_SHORT;
	if (strlen(pw) > STAFF_PASSWORD_MAX)
		return MSG_STAFF_PW_LONG;
	if (name && strcmp(pw, name) == 0)
		return MSG_STAFF_PW_IS_NAME;
	return MSG_NONE;
}

long staff_roles_parse(const char *list)
{
	char word[16];
	unsigned bits = 0;
	const char *p = list;
	size_t len;
	int i;

	if (!list || !*list)
		return -1;
	while (*p) {
		len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(word))
			return -1;
		memcpy(word, p, len);
		word[len] = '\0';
		if (strcmp(word, "all") == 0) {
			bits |= STAFF_ROLES_ALL;
		} else {
			for (i = 0; i < STAFF_ROLES_N && strcmp(roles[i].id, word) != 0; i++)
				;
			if (i == STAFF_ROLES_N)
				return -1;
			bits |= roles[i].bit;
		}
		p += len;
		if (*p == ',' && !*++p)
			return -1;
	}
	return (long)bits;
}

const char *staff_role_id(unsigned bit)
{
	int i;

	for (i = 0; i < STAFF_ROLES_N; i++)
		if (roles[i].bit == bit)
			return roles[i].id;
	return "?";
}

enum msg_id staff_role_msg(unsigned bit)
{
	int i;

	for (i = 0; i < STAFF_ROLES_N; i++)
		if (roles[i].bit == bit)
			return roles[i].label;
	return MSG_NONE;
}

/* The roles' words (ids or labels) joined by sep into out. */
static void roles_join(unsigned r, bool ids, const char *sep, char *out, size_t n)
{
	size_t used = 0;
	int i, k;

	if (n)
		out[0] = '\0';
	for (i = 0; i < STAFF_ROLES_N; i++) {
		if (!(r & roles[i].bit))
			continue;
		k = snprintf(out + used, n - used, "%s%s", used ? sep : "",
			     ids ? roles[i].id : msg(roles[i].label));
		if (k < 0 || (size_t)k >= n - used)
			return;
		used += (size_t)k;
	}
	if (!used && !ids)
		snprintf(out, n, "%s", msg(MSG_ROLE_NONE));
}

void staff_roles_text(unsigned r, char *out, size_t n)
{
	roles_join(r, false, "、", out, n);
}

void staff_roles_ids(unsigned r, char *out, size_t n)
{
	roles_join(r, true, ",", out, n);
}

ca_err staff_hash_password(const char *pw, char out[STAFF_HASH_MAX])
{
	int rc;

	pthread_once(&init_once, init);
	if (init_rc)
		return CA_ERR_IO;
	pthread_mutex_lock(&hash_mu);
	rc = crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				   crypto_pwhash_MEMLIMIT_INTERACTIVE,
				   crypto_pwhash_ALG_ARGON2ID13);
	pthread_mutex_unlock(&hash_mu);
	return rc == 0 ? CA_OK : CA_ERR_NOMEM;
}

bool staff_password_ok(const char *hash, const char *pw)
{
	int rc;

	pthread_once(&init_once, init);
	if (init_rc || !pw)
		return false;
	pthread_mutex_lock(&hash_mu);
	rc = crypto_pwhash_str_verify(hash ? hash : dummy_hash, pw, strlen(pw));
	pthread_mutex_unlock(&hash_mu);
	return hash && rc == 0;
}

ca_err staff_token_new(char token[65], char hash[65])
{
	if (sign_new_secret(token) != CA_OK)
		return CA_ERR_IO;
	staff_token_hash(token, hash);
	return CA_OK;
}

void staff_token_hash(const char *token, char hash[65])
{
	sign_sha256_hex(token, strlen(token), hash);
}
