/*
 * staff.h - the people who work the hub: named accounts with roles, their
 * passwords (argon2id) and tokens, and who a staff request is.
 *
 * An account has a login name (what is typed), a display name (the person's
 * name, written into history, processing records and the audit trail) and
 * roles. Each route of the staff API and each page of the console names
 * the roles that may use it (http.h, struct http_route). A request proves
 * its account one of three ways (enum staff_via): a ca-hubctl token from
 * POST /v1/admin/login, a console session cookie, or the hub machine's own
 * token (DATA_DIR/admin.token), which is the built-in account "host" with
 * the roles of the machine's operator only: staff accounts and devices,
 * never review, counter or finance. docs/console.md has the whole model.
 *
 * Tokens and session ids are 32 random bytes (64 hex); the store keeps only
 * their SHA-256, so a copy of hub.db opens no session.
 */
#ifndef HUB_STAFF_H
#define HUB_STAFF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/msg.h"

/* The roles, one bit each. */
enum staff_role {
	STAFF_REVIEW = 1u << 0,  /* 审核员: approve, reject, processing records */
	STAFF_COUNTER = 1u << 1, /* 窗口: pickup codes, hand-over, ship, ready at a kiosk */
	STAFF_FINANCE = 1u << 2, /* 财务: payments, refunds, invoices */
	STAFF_OPS = 1u << 3,     /* 运维: devices, the fleet, the server */
	STAFF_ADMIN = 1u << 4,   /* 管理员: staff accounts, the audit trail */
};
#define STAFF_ROLES_N 5
#define STAFF_ROLES_ALL 0x1fu
/* Who works on applications (the list, one application, its actions). */
#define STAFF_CASEWORK (STAFF_REVIEW | STAFF_COUNTER | STAFF_FINANCE)
/* A route any signed-in staff member may use (what it shows is the same
 * for every role: the simulators' customer actions, logout). */
#define STAFF_ANY (1u << 31)

/* The roles of the hub machine's own token (DATA_DIR/admin.token). */
#define STAFF_HOST_ROLES (STAFF_ADMIN | STAFF_OPS)
/* The login name of that built-in account (no account may take it). */
#define STAFF_HOST_NAME "host"

#define STAFF_NAME_MAX 32     /* login name: [a-z][a-z0-9._-]{1,31} */
#define STAFF_DISPLAY_MAX 20  /* display name, characters (UTF-8) */
#define STAFF_DISPLAY_BUF (4 * STAFF_DISPLAY_MAX + 1)
#define STAFF_PASSWORD_MIN 10 /* characters (bytes of ASCII; a Chinese character counts 1) */
#define STAFF_PASSWORD_MAX 128 /* bytes */
#define STAFF_HASH_MAX 128    /* the argon2id string, bytes (libsodium's crypto_pwhash_STRBYTES) */
#define STAFF_ADDR_MAX 47     /* a caller's address as text (IPv6 fits) */

/* How a request proved who it is. */
enum staff_via {
	STAFF_VIA_NONE,    /* not a staff request */
	STAFF_VIA_HOST,    /* the hub machine's token */
	STAFF_VIA_TOKEN,   /* a ca-hubctl token */
	STAFF_VIA_CONSOLE, /* a console session cookie */
};

/* Who a staff request is (filled by the authentication). */
struct staff_who {
	char name[STAFF_NAME_MAX + 1];     /* login name */
	char display[STAFF_DISPLAY_BUF];   /* display name */
	unsigned roles;                    /* enum staff_role bits */
	enum staff_via via;                /* how it was proven */
	char sid_hash[65];                 /* the session's or token's SHA-256 (hex), "" for host */
	char csrf[65];                     /* the console session's form token, "" otherwise */
	char addr[STAFF_ADDR_MAX + 1];     /* the caller's address */
};

/* Whether s is a valid login name (and not the reserved "host"). */
bool staff_name_ok(const char *s);

/* Whether s is a display name: 1..STAFF_DISPLAY_MAX characters of UTF-8
 * text without control characters. */
bool staff_display_ok(const char *s);

/* Why password pw cannot be used (a catalog message), MSG_NONE when it can:
 * STAFF_PASSWORD_MIN..STAFF_PASSWORD_MAX, valid UTF-8, no control
 * characters, not the login name. */
enum msg_id staff_password_check(const char *pw, const char *name);

/* The bits of a comma-separated list of role ids ("review,counter"; also
 * "all"). -1 for an empty list or an unknown word. */
long staff_roles_parse(const char *list);

/* The id ("review") and the catalog label (审核员) of one role bit. */
const char *staff_role_id(unsigned bit);
enum msg_id staff_role_msg(unsigned bit);

/* The labels of roles, joined by "、" into out ("审核员、窗口"; "无" when none). */
void staff_roles_text(unsigned roles, char *out, size_t n);

/* The ids of roles, joined by "," into out ("review,counter"). */
void staff_roles_ids(unsigned roles, char *out, size_t n);

/*
 * The argon2id string of password pw into out (libsodium, the interactive
 * limits: 2 passes over 64 MiB). One hash at a time in the whole process
 * (a mutex), so that logins arriving together cost 64 MiB, not 64 MiB
 * each. CA_ERR_NOMEM when the memory cannot be had.
 */
ca_err staff_hash_password(const char *pw, char out[STAFF_HASH_MAX]);

/* Whether pw matches hash (a string of staff_hash_password). With hash
 * NULL (no such account) it checks against a fixed hash all the same and
 * answers false, so that the time does not tell whether a name exists. */
bool staff_password_ok(const char *hash, const char *pw);

/* A new token (64 lower-case hex) and its SHA-256 (hex), what the store
 * keeps. CA_ERR_IO without randomness. */
ca_err staff_token_new(char token[65], char hash[65]);

/* The SHA-256 (hex) of token. */
void staff_token_hash(const char *token, char hash[65]);

#endif
