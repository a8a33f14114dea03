/*
 * auth.c - device signatures, nonce replay store, admin token (see auth.h).
 *
 * Where to start reading: auth_device(). A request is first checked for
 * what needs no device (headers, formats, the timestamp's window); only
 * then is the device looked up. An unknown device, a disabled one and a
 * bad signature all get the one answer AUTH_DEVICE_REFUSED, so that an
 * outsider learns nothing about which device ids exist or are enabled; the
 * real reason goes to the hub's log, with the device id as sent.
 */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/filesave.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/sign.h"
#include "hub.h"
#include "vclock.h"

#define TAG "auth"
#define TOKEN_FILE "admin.token"
#define LOG_ID_MAX 40 /* bytes of a device id as sent that a log line quotes */

/* Refuse with reason (the answer's message too). */
static int refuse(struct http_req *rq, const char *why)
{
	rq->auth_fail = why;
	return -1;
}

/* The device id as sent, fit for a log line: at most LOG_ID_MAX bytes,
 * anything but printable ASCII as '?'. */
static const char *log_id(const char *dev, char out[LOG_ID_MAX + 1])
{
	size_t i;

	for (i = 0; dev[i] && i < LOG_ID_MAX; i++)
		out[i] = dev[i] > ' ' && dev[i] < 0x7f ? dev[i] : '?';
	out[i] = '\0';
	return out;
}

/* Refuse with the one answer of AUTH_DEVICE_REFUSED; log the real reason. */
static int refuse_device(struct http_req *rq, const char *dev, const char *reason)
{
	char id[LOG_ID_MAX + 1];

	log_warn(TAG, "device '%s' refused: %s", log_id(dev, id), reason);
	return refuse(rq, AUTH_DEVICE_REFUSED);
}

int auth_device(struct http_req *rq)
{
	/* An unknown device's request is checked against this key, so that it
	 * costs the hub what a known one's does. */
	static const char no_secret[SIGN_HEX_LEN + 1] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	const char *dev = http_header(rq, SIGN_H_DEVICE);
	const char *ts = http_header(rq, SIGN_H_TIMESTAMP);
	const char *nonce = http_header(rq, SIGN_H_NONCE);
	const char *sig = http_header(rq, SIGN_H_SIGNATURE);
	char want[SIGN_HEX_LEN + 1];
	struct hubdb_device d;
	int64_t t, now, skew;
	bool known;
	char *end;
	ca_err e;

	if (!dev || !ts || !nonce || !sig)
		return refuse(rq, "missing signature headers (X-CA-Device, X-CA-Timestamp, "
			      "X-CA-Nonce, X-CA-Signature)");
	if (!sign_device_id_ok(dev))
		return refuse(rq, "malformed device id");
	snprintf(rq->device, sizeof(rq->device), "%s", dev);
	errno = 0;
	t = strtoll(ts, &end, 10);
	if (!isdigit((unsigned char)ts[0]) || *end || errno)
		return refuse(rq, "malformed timestamp");
	now = vclock_now_s();
	skew = t > now ? t - now : now - t;
	if (skew > SIGN_SKEW_S)
		return refuse(rq, "stale timestamp: more than 300 s off the hub's clock "
			      "(see the Date header)");
	if (!sign_is_hex(nonce, SIGN_NONCE_LEN))
		return refuse(rq, "malformed nonce (32 lower-case hex digits)");
	if (!sign_is_hex(sig, SIGN_HEX_LEN))
		return refuse(rq, "malformed signature");
	e = hubdb_device_get(rq->hub->db, dev, &d);
	if (e && e != CA_ERR_NOT_FOUND) {
		rq->auth_fail = "store error";
		return -2;
	}
	known = !e;
	if (sign_request(known ? d.secret : no_secret, rq->method, rq->target, t, nonce,
			 rq->body, rq->body_len, want) != CA_OK)
		return refuse(rq, "request cannot be signed (target too long?)");
	if (!known)
		return refuse_device(rq, dev, "unknown device");
	if (!sign_equal(want, sig))
		return refuse_device(rq, dev, d.enabled ? "bad signature"
				     : "device disabled (and a bad signature)");
	if (!d.enabled)
		return refuse_device(rq, dev, "device disabled");
	/* Only a correctly signed nonce of an enabled device is remembered. */
	e = hubdb_nonce_use(rq->hub->db, dev, nonce, now);
	if (e == CA_ERR_CONFLICT)
		return refuse(rq, "replayed nonce");
	if (e) {
		rq->auth_fail = "store error";
		return -2;
	}
	/* Which software the kiosk runs (ca-kiosk/VERSION), capped. */
	log_debug(TAG, "device %s: %.80s", dev,
		  http_header(rq, "User-Agent") ? http_header(rq, "User-Agent") : "(no User-Agent)");
	return 0;
}

/* rq->who for account st through a session of kind via. */
static void who_set(struct http_req *rq, const struct hubdb_staff *st, enum staff_via via)
{
	struct staff_who *w = &rq->who;

	snprintf(w->name, sizeof(w->name), "%s", st->name);
	snprintf(w->display, sizeof(w->display), "%s", st->display);
	w->roles = st->roles;
	w->via = via;
	snprintf(w->addr, sizeof(w->addr), "%s", rq->addr);
}

/* Check the session or token whose secret is token (64 hex), of the kind
 * console says; fill rq->who. 0, -1 (refused) or 1 (store). */
static int session_check(struct http_req *rq, const char *token, bool console)
{
	struct hubcfg *cfg = &rq->hub->cfg;
	struct hubdb_staff st;
	struct hubdb_ssn x;
	char hash[65];
	int64_t now = vclock_now_ms();
	ca_err e;

	staff_token_hash(token, hash);
	e = hubdb_ssn_get(rq->hub->db, hash, &x, &st);
	if (e == CA_ERR_NOT_FOUND || (!e && x.console != console))
		return refuse(rq, console ? "not signed in, or the session has ended"
				  : "unknown or ended token: log in again (ca-hubctl login NAME)");
	if (e)
		return 1;
	if (st.disabled) {
		log_warn(TAG, "staff %s refused: the account is disabled", st.name);
		return refuse(rq, "the account is disabled");
	}
	if (now >= x.expires_ms ||
	    (console && now - x.seen_ms > (int64_t)cfg->console_idle_min * 60000)) {
		hubdb_ssn_end(rq->hub->db, hash);
		return refuse(rq, console ? "the session has expired: sign in again"
				  : "the token has expired: log in again (ca-hubctl login NAME)");
	}
	/* The idle clock of a console session moves at most once a minute: not
	 * a write for every page. */
	if (console && now - x.seen_ms >= 60000 && hubdb_ssn_seen(rq->hub->db, hash, now))
		return 1;
	who_set(rq, &st, console ? STAFF_VIA_CONSOLE : STAFF_VIA_TOKEN);
	snprintf(rq->who.sid_hash, sizeof(rq->who.sid_hash), "%s", hash);
	snprintf(rq->who.csrf, sizeof(rq->who.csrf), "%s", x.csrf);
	return 0;
}

int auth_staff(struct http_req *rq)
{
	const char *a = http_header(rq, "Authorization");
	struct hubdb_staff host = { .name = STAFF_HOST_NAME, .roles = STAFF_HOST_ROLES };

	if (!a || strncmp(a, "Bearer ", 7) != 0)
		return refuse(rq, "missing token (Authorization: Bearer ...): log in first "
			      "(ca-hubctl login NAME)");
	if (sign_equal(a + 7, rq->hub->admin_token)) {
		snprintf(host.display, sizeof(host.display), "%s", msg(MSG_STAFF_HOST));
		who_set(rq, &host, STAFF_VIA_HOST);
		return 0;
	}
	if (!sign_is_hex(a + 7, SIGN_HEX_LEN))
		return refuse(rq, "unknown or ended token: log in again (ca-hubctl login NAME)");
	return session_check(rq, a + 7, false);
}

int auth_console(struct http_req *rq)
{
	const char *c = http_header(rq, "Cookie"), *p;
	char token[SIGN_HEX_LEN + 1];
	size_t klen = strlen(AUTH_COOKIE);

	/* Cookie: a=b; __Host-ca-console=<64 hex>; ... */
	for (p = c; p && *p; p += strcspn(p, ";"), p += *p == ';') {
		p += strspn(p, " ");
		if (strncmp(p, AUTH_COOKIE, klen) == 0 && p[klen] == '=') {
			snprintf(token, sizeof(token), "%.*s", SIGN_HEX_LEN, p + klen + 1);
			if (strcspn(p + klen + 1, "; ") != SIGN_HEX_LEN ||
			    !sign_is_hex(token, SIGN_HEX_LEN))
				break;
			return session_check(rq, token, true);
		}
	}
	return refuse(rq, "not signed in");
}

bool auth_console_form(struct http_req *rq)
{
	char csrf[SIGN_HEX_LEN + 1];

	if (!http_form(rq, "csrf", csrf, sizeof(csrf)) || !rq->who.csrf[0] ||
	    !sign_equal(csrf, rq->who.csrf)) {
		rq->auth_fail = "the form's token is missing or stale: reload the page";
		return false;
	}
	return true;
}

ca_err auth_session_open(struct http_req *rq, const struct hubdb_staff *st, bool console,
			 char token[65], char csrf[65], int64_t *expires_ms)
{
	struct hubcfg *cfg = &rq->hub->cfg;
	struct hubdb_ssn x;
	char unused[65];
	int64_t now = vclock_now_ms();
	ca_err e;

	memset(&x, 0, sizeof(x));
	if (staff_token_new(token, x.sid_hash) ||
	    (console && staff_token_new(csrf, unused)))
		return CA_ERR_IO;
	snprintf(x.staff, sizeof(x.staff), "%s", st->name);
	x.console = console;
	if (console)
		snprintf(x.csrf, sizeof(x.csrf), "%s", csrf);
	snprintf(x.addr, sizeof(x.addr), "%s", rq->addr);
	x.created_ms = now;
	x.seen_ms = now;
	x.expires_ms = now + (console ? (int64_t)cfg->console_session_h * 3600000
			      : (int64_t)cfg->staff_token_days * 86400000);
	e = hubdb_ssn_add(rq->hub->db, &x);
	if (!e)
		*expires_ms = x.expires_ms;
	return e;
}

ca_err auth_token_init(const char *data_dir, char out[65], char *err, size_t errlen)
{
	char path[512], buf[80];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", data_dir, TOKEN_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat sb;

		n = read(fd, buf, sizeof(buf) - 1);
		if (fstat(fd, &sb) == 0 && (sb.st_mode & 077))
			log_warn(TAG, "%s is readable by others (mode %03o); chmod 600 it",
				 path, (unsigned)(sb.st_mode & 0777));
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		if (!sign_is_hex(buf, SIGN_HEX_LEN)) {
			snprintf(err, errlen, "%s: not an admin token (64 lower-case hex digits); "
				 "remove it to make a new one", path);
			return CA_ERR_CONFIG;
		}
		memcpy(out, buf, SIGN_HEX_LEN + 1);
		return CA_OK;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return CA_ERR_IO;
	}
	if (sign_new_secret(out) != CA_OK) {
		snprintf(err, errlen, "no randomness for the admin token");
		return CA_ERR_IO;
	}
	snprintf(buf, sizeof(buf), "%s\n", out);
	if (file_save(path, buf, strlen(buf), 0600, err, errlen) != CA_OK)
		return CA_ERR_IO;
	log_info(TAG, "new admin token written to %s (mode 0600)", path);
	return CA_OK;
}
