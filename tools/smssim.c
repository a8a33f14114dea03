/*
 * smssim.c - ca-smssim, an SMS gateway for the tests: the other side of the
 * hub's gateway provider (src/hub/sms_gw.c), written from the wire format
 * of docs/hub.md (SMS gateway) as a real gateway would check it.
 *
 * HTTPS on 127.0.0.1 (libmicrohttpd, a thread per connection). POST
 * /v1/sms/send is checked in this order, each failure answered with the
 * gateway's code: the four X-Sms-* headers (BadRequest), the key id
 * (InvalidAccessKey), the timestamp within --skew seconds (TimestampExpired),
 * the HMAC-SHA256 signature (SignatureMismatch), the nonce not seen before
 * (NonceReused), the JSON body (BadRequest); a request id seen before gets
 * its first answer again, byte for byte (IdempotencyConflict when the body
 * differs), and no second message; then an injected fault, if any; the sign
 * name and template registered (SignNameNotFound, TemplateNotFound), the
 * template's parameters exactly, the phone (InvalidPhone: 11 digits of an
 * allocated mainland segment), the quota (QuotaExceeded) and the per-phone
 * limit (RateLimited, with retry_after). A message that passes is
 * "delivered": kept in memory and appended to --messages as a JSON line.
 *
 * For the tests, unauthenticated (loopback only):
 *   GET  /sim/messages[?phone=P]  the delivered messages, oldest first
 *   GET  /sim/requests[?phone=P]  every send request with a readable body
 *                                 and what it was answered
 *   POST /sim/fault {"code", "status", "times", "delay_ms", "accept", "drop"}
 *        the next `times` (default 1) sends that pass the signature checks:
 *        answered with `code` and not taken (no message, the answer not
 *        kept under the request id); or with `status` and a body that is not
 *        JSON (a proxy's error page, "pad" bytes longer); or, with "accept": true, delivered as
 *        usual; then held `delay_ms` before the answer, or, with "drop":
 *        true, the connection closed without one. {"clear": true} forgets
 *        the faults queued.
 *
 * The port is written to --port-file once it listens. SIGTERM or SIGINT
 * stops it. A template names each of its parameters once. The hashes are
 * the core's (sign_sha256_hex, sign_hmac_hex: tests/core/test_sign pins
 * them to RFC 4231), the signed text is written here from docs/hub.md.
 * Where to start reading: on_send().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sign.h"

#define SEND_PATH "/v1/sms/send"
#define SCHEME "SMS1-HMAC-SHA256"
#define BODY_MAX 8192       /* longest request body */
#define RING 4096           /* nonces, answers, sends, messages, requests kept */
#define FAULTS 32           /* faults queued at most */
#define NAMES 8             /* sign names and templates registered at most */
#define PARAM_MAX 32        /* longest template parameter, bytes */

/* One registered template: its id and text with ${name} parameters. */
struct tmpl {
	char id[64];    /* template id */
	char text[256]; /* its text */
};

/* A fault queued by POST /sim/fault. */
struct fault {
	int times;       /* sends it still applies to */
	char code[40];   /* gateway code to answer, "" = none */
	int status;      /* HTTP status (with no code: a body that is not JSON) */
	int delay_ms;    /* hold the answer this long */
	bool accept;     /* deliver as usual first */
	bool drop;       /* close the connection without an answer */
	int pad;         /* with status and no code: bytes of filler in the page */
};

/* An answer kept under its request id. */
struct kept {
	char id[40];           /* request id */
	char body_hash[65];    /* hex SHA-256 of the request body */
	int status;            /* HTTP status answered */
	char answer[512];      /* the answer body */
};

/* One delivered message. */
struct msg {
	char phone[12];        /* to */
	char request_id[40];   /* the hub's request id */
	char message_id[24];   /* ours */
	char text[512];        /* sign name and the filled template */
	long long at_ms;       /* when */
};

/* One send request seen (its body readable). */
struct seen {
	char request_id[40];   /* as sent */
	char phone[16];        /* as sent, cut */
	char code[40];         /* what it was answered */
	bool replay;           /* the answer was one kept under the id */
};

/* Everything, behind one mutex. */
static struct {
	pthread_mutex_t mu;
	const char *key_id;            /* --key-id */
	char secret[256];              /* --secret-file's line */
	const char *sign_names[NAMES]; /* --sign-name */
	int n_sign;
	struct tmpl tmpls[NAMES];      /* --template ID=TEXT */
	int n_tmpl;
	int skew_s;                    /* --skew */
	int phone_limit, phone_window_s; /* --phone-limit N/S */
	long quota;                    /* --quota, -1 = none */
	FILE *messages_file;           /* --messages, NULL = memory only */
	char nonces[RING][33];         /* nonces seen ... */
	long long nonce_at[RING];      /* ... and their timestamps */
	unsigned n_nonces;
	struct kept kept[RING];
	unsigned n_kept;
	char send_phone[RING][12];     /* per-phone limit: sends ... */
	long long send_at[RING];       /* ... and their times, ms */
	unsigned n_sends;
	struct msg msgs[RING];
	unsigned n_msgs;
	struct seen seen[RING];
	unsigned n_seen;
	struct fault faults[FAULTS];
	int n_faults;
	long delivered;                /* messages in all (the quota) */
} S = { .mu = PTHREAD_MUTEX_INITIALIZER, .skew_s = 300, .phone_limit = 1,
	.phone_window_s = 60, .quota = -1 };

/* A request's body as it arrives. */
struct upload {
	char body[BODY_MAX + 1];
	size_t len;
	bool over;
};

/* Queue a JSON answer (takes j) with status; MHD_YES/NO as MHD wants. */
static enum MHD_Result reply_text(struct MHD_Connection *c, int status, const char *text,
				  const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	enum MHD_Result ret = s ? reply_text(c, status, s, "application/json") : MHD_NO;

	free(s);
	json_decref(j);
	return ret;
}

/* The HTTP status of each gateway code. */
static int code_status(const char *code)
{
	static const struct { const char *code; int status; } t[] = {
		{ "OK", 200 }, { "BadRequest", 400 }, { "InvalidPhone", 400 },
		{ "TemplateNotFound", 400 }, { "SignNameNotFound", 400 },
		{ "InvalidAccessKey", 401 }, { "SignatureMismatch", 401 },
		{ "TimestampExpired", 401 }, { "NonceReused", 401 }, { "QuotaExceeded", 403 },
		{ "IdempotencyConflict", 409 }, { "RateLimited", 429 }, { "Throttled", 429 },
		{ "InternalError", 500 }, { "ServiceUnavailable", 503 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].code, code))
			return t[i].status;
	return 0;
}

/* A gateway answer body: request id, code, message (and more members). */
static json_t *answer(const char *id, const char *code, const char *message)
{
	return json_pack("{s:s, s:s, s:s}", "request_id", id ? id : "", "code", code,
			 "message", message);
}

/* Whether phone is a mainland mobile number of an allocated segment. */
static bool phone_ok(const char *p)
{
	static const char *const segments[] = {
		"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
		"145", "147", "149", "150", "151", "152", "153", "155", "156", "157",
		"158", "159", "162", "165", "166", "167", "170", "171", "172", "173",
		"175", "176", "177", "178", "180", "181", "182", "183", "184", "185",
		"186", "187", "188", "189", "190", "191", "192", "193", "195", "196",
		"197", "198", "199",
	};
	size_t i;

	if (strlen(p) != 11 || strspn(p, "0123456789") != 11)
		return false;
	for (i = 0; i < sizeof(segments) / sizeof(segments[0]); i++)
		if (!strncmp(p, segments[i], 3))
			return true;
	return false;
}

/* Fill template t's ${name}s from params into out; false when a parameter
 * is missing, not a short string, or one is given that t has not. */
static bool fill(const struct tmpl *t, json_t *params, char *out, size_t n)
{
	const char *s = t->text;
	size_t used = 0, names = 0, len;
	json_t *v;

	while (*s) {
		const char *end;
		char name[32];

		if (s[0] == '$' && s[1] == '{' && (end = strchr(s, '}')) &&
		    (size_t)(end - s - 2) < sizeof(name)) {
			memcpy(name, s + 2, (size_t)(end - s - 2));
			name[end - s - 2] = '\0';
			v = json_object_get(params, name);
			if (!json_is_string(v) || json_string_length(v) > PARAM_MAX ||
			    !json_string_length(v))
				return false;
			len = json_string_length(v);
			if (used + len >= n)
				return false;
			memcpy(out + used, json_string_value(v), len);
			used += len;
			names++;
			s = end + 1;
			continue;
		}
		if (used + 1 >= n)
			return false;
		out[used++] = *s++;
	}
	out[used] = '\0';
	return json_object_size(params) == names;
}

/* Remember what request id was answered (in the lock). */
static void note_seen(const char *id, const char *phone, const char *code, bool replay)
{
	struct seen *x = &S.seen[S.n_seen++ % RING];

	snprintf(x->request_id, sizeof(x->request_id), "%s", id ? id : "");
	snprintf(x->phone, sizeof(x->phone), "%s", phone ? phone : "");
	snprintf(x->code, sizeof(x->code), "%s", code);
	x->replay = replay;
}

/* Keep an answer under its request id (in the lock). */
static void keep(const char *id, const char *hash, int status, json_t *a)
{
	struct kept *k = &S.kept[S.n_kept++ % RING];
	char *s = json_dumps(a, JSON_COMPACT);

	snprintf(k->id, sizeof(k->id), "%s", id);
	snprintf(k->body_hash, sizeof(k->body_hash), "%s", hash);
	k->status = status;
	snprintf(k->answer, sizeof(k->answer), "%s", s ? s : "{}");
	free(s);
}

/* The sends to phone within the window and the oldest one's time (lock). */
static int sends_to(const char *phone, long long now, long long *oldest)
{
	unsigned i, n = S.n_sends < RING ? S.n_sends : RING;
	int count = 0;

	*oldest = now;
	for (i = 0; i < n; i++)
		if (!strcmp(S.send_phone[i], phone) &&
		    S.send_at[i] > now - S.phone_window_s * 1000LL) {
			count++;
			if (S.send_at[i] < *oldest)
				*oldest = S.send_at[i];
		}
	return count;
}

/* The checks after the signature, for a request not seen before (in the
 * lock): the answer (and its status) into *a; delivered when OK. */
static int process(const char *id, json_t *req, json_t **a)
{
	const char *phone = json_string_value(json_object_get(req, "phone"));
	const char *sign = json_string_value(json_object_get(req, "sign_name"));
	const char *tid = json_string_value(json_object_get(req, "template_id"));
	json_t *params = json_object_get(req, "template_params");
	const struct tmpl *t = NULL;
	char text[400];
	long long now = ca_wall_ms(), oldest;
	struct msg *m;
	int i;
	bool sign_ok = false;

	for (i = 0; i < S.n_sign; i++)
		sign_ok |= !strcmp(S.sign_names[i], sign);
	if (!sign_ok) {
		*a = answer(id, "SignNameNotFound", "the sign name is not registered");
		return 400;
	}
	for (i = 0; i < S.n_tmpl; i++)
		if (!strcmp(S.tmpls[i].id, tid))
			t = &S.tmpls[i];
	if (!t) {
		*a = answer(id, "TemplateNotFound", "the template is not registered");
		return 400;
	}
	if (!fill(t, params, text, sizeof(text))) {
		*a = answer(id, "BadRequest", "template_params do not match the template");
		return 400;
	}
	if (!phone_ok(phone)) {
		*a = answer(id, "InvalidPhone", "not a mainland mobile number in service");
		return 400;
	}
	if (S.quota >= 0 && S.delivered >= S.quota) {
		*a = answer(id, "QuotaExceeded", "the account's quota is used up");
		return 403;
	}
	if (sends_to(phone, now, &oldest) >= S.phone_limit) {
		*a = answer(id, "RateLimited", "too many messages to this phone");
		json_object_set_new(*a, "retry_after", json_integer(
			(oldest + S.phone_window_s * 1000LL - now) / 1000 + 1));
		return 429;
	}
	snprintf(S.send_phone[S.n_sends % RING], 12, "%s", phone);
	S.send_at[S.n_sends++ % RING] = now;
	m = &S.msgs[S.n_msgs % RING];
	memset(m, 0, sizeof(*m));
	snprintf(m->phone, sizeof(m->phone), "%s", phone);
	snprintf(m->request_id, sizeof(m->request_id), "%s", id);
	snprintf(m->message_id, sizeof(m->message_id), "SIM%08u", S.n_msgs + 1);
	snprintf(m->text, sizeof(m->text), "【%s】%s", sign, text);
	m->at_ms = now;
	S.n_msgs++;
	S.delivered++;
	if (S.messages_file) {
		json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:I}", "phone", m->phone,
					 "request_id", m->request_id, "message_id",
					 m->message_id, "text", m->text, "at_ms",
					 (json_int_t)m->at_ms);

		json_dumpf(line, S.messages_file, JSON_COMPACT);
		fputc('\n', S.messages_file);
		fflush(S.messages_file);
		fsync(fileno(S.messages_file));
		json_decref(line);
	}
	*a = answer(id, "OK", "OK");
	json_object_set_new(*a, "message_id", json_string(m->message_id));
	return 200;
}

/* Whether the nonce was seen (and remember it when not; in the lock). A
 * full ring of nonces still within the window is refused as Throttled. */
static int nonce_use(const char *nonce, long long ts)
{
	unsigned i, n = S.n_nonces < RING ? S.n_nonces : RING;

	for (i = 0; i < n; i++)
		if (!strcmp(S.nonces[i], nonce))
			return 1;
	i = S.n_nonces % RING;
	if (S.n_nonces >= RING && S.nonce_at[i] > ca_wall_ms() / 1000 - 2 * S.skew_s)
		return 2;
	snprintf(S.nonces[i], sizeof(S.nonces[i]), "%s", nonce);
	S.nonce_at[i] = ts;
	S.n_nonces++;
	return 0;
}

/* POST /v1/sms/send. */
static enum MHD_Result on_send(struct MHD_Connection *c, const struct upload *u)
{
	const char *kid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sms-Key-Id");
	const char *tss = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sms-Timestamp");
	const char *nonce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sms-Nonce");
	const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sms-Signature");
	char hash[SIGN_HEX_LEN + 1], want[SIGN_HEX_LEN + 1], canon[512], idbuf[40], *end;
	const char *id = NULL, *phone = NULL;
	struct fault f = { 0 };
	json_t *req = NULL, *a = NULL;
	long long ts;
	unsigned i, n;
	int status, nr;

	if (u->over)
		return reply_json(c, 400, answer(NULL, "BadRequest", "body over 8 KiB"));
	if (!kid || !tss || !nonce || !sig)
		return reply_json(c, 400, answer(NULL, "BadRequest", "X-Sms-Key-Id, "
			"X-Sms-Timestamp, X-Sms-Nonce and X-Sms-Signature are required"));
	if (strcmp(kid, S.key_id) != 0)
		return reply_json(c, 401, answer(NULL, "InvalidAccessKey", "unknown key id"));
	errno = 0;
	ts = strtoll(tss, &end, 10);
	if (errno || *end || end == tss || llabs(ts - ca_wall_ms() / 1000) > S.skew_s)
		return reply_json(c, 401, answer(NULL, "TimestampExpired",
						 "timestamp missing or out of the window"));
	if (!sign_is_hex(nonce, 32) || !sign_is_hex(sig, SIGN_HEX_LEN))
		return reply_json(c, 400, answer(NULL, "BadRequest",
			"the nonce is 32 and the signature 64 lower-case hex digits"));
	sign_sha256_hex(u->body, u->len, hash);
	snprintf(canon, sizeof(canon), "%s\nPOST\n%s\n%lld\n%s\n%s", SCHEME, SEND_PATH, ts,
		 nonce, hash);
	if (sign_hmac_hex(S.secret, strlen(S.secret), canon, strlen(canon), want) ||
	    !sign_equal(want, sig))
		return reply_json(c, 401, answer(NULL, "SignatureMismatch",
						 "the signature does not match"));
	pthread_mutex_lock(&S.mu);
	nr = nonce_use(nonce, ts);
	pthread_mutex_unlock(&S.mu);
	if (nr == 1)
		return reply_json(c, 401, answer(NULL, "NonceReused", "the nonce was used"));
	if (nr == 2)
		return reply_json(c, 429, answer(NULL, "Throttled", "too many requests"));

	req = json_loadb(u->body, u->len, JSON_REJECT_DUPLICATES, NULL);
	id = json_string_value(json_object_get(req, "request_id"));
	phone = json_string_value(json_object_get(req, "phone"));
	if (!json_is_object(req) || json_object_size(req) != 5 || !id || strlen(id) != 36 ||
	    !phone || !json_is_string(json_object_get(req, "sign_name")) ||
	    !json_is_string(json_object_get(req, "template_id")) ||
	    !json_is_object(json_object_get(req, "template_params"))) {
		json_decref(req);
		return reply_json(c, 400, answer(NULL, "BadRequest", "the body must be {request_id "
			"(a UUID), phone, sign_name, template_id, template_params} and no more"));
	}
	snprintf(idbuf, sizeof(idbuf), "%s", id); /* it outlives req */
	id = idbuf;
	pthread_mutex_lock(&S.mu);
	n = S.n_kept < RING ? S.n_kept : RING;
	for (i = 0; i < n; i++)
		if (!strcmp(S.kept[i].id, id))
			break;
	if (i < n) {
		struct kept k = S.kept[i];
		bool same = !strcmp(k.body_hash, hash);

		note_seen(id, phone, same ? "replay" : "IdempotencyConflict", same);
		pthread_mutex_unlock(&S.mu);
		json_decref(req);
		if (!same)
			return reply_json(c, 409, answer(id, "IdempotencyConflict",
				"another message was sent under this request id"));
		return reply_text(c, k.status, k.answer, "application/json");
	}
	if (S.n_faults) {
		f = S.faults[0];
		if (--S.faults[0].times <= 0) {
			memmove(&S.faults[0], &S.faults[1], sizeof(S.faults[0]) *
				(size_t)(S.n_faults - 1));
			S.n_faults--;
		}
	}
	if (f.times && !f.accept) {
		note_seen(id, phone, f.code[0] ? f.code : "fault", false);
		pthread_mutex_unlock(&S.mu);
		json_decref(req);
		if (f.delay_ms)
			usleep((useconds_t)f.delay_ms * 1000);
		if (f.drop)
			return MHD_NO;
		if (!f.code[0]) {
			char *page = calloc(1, (size_t)f.pad + 64);
			enum MHD_Result ret;

			if (!page)
				return MHD_NO;
			snprintf(page, 64, "<html><body>%d</body></html>", f.status);
			memset(page + strlen(page), ' ', (size_t)f.pad);
			ret = reply_text(c, f.status ? f.status : 502, page, "text/html");
			free(page);
			return ret;
		}
		return reply_json(c, f.status ? f.status : code_status(f.code),
				  answer(id, f.code, "injected fault"));
	}
	status = process(id, req, &a);
	keep(id, hash, status, a);
	note_seen(id, phone, json_string_value(json_object_get(a, "code")), false);
	pthread_mutex_unlock(&S.mu);
	json_decref(req);
	if (f.times && f.delay_ms)
		usleep((useconds_t)f.delay_ms * 1000);
	if (f.times && f.drop) {
		json_decref(a);
		return MHD_NO;
	}
	return reply_json(c, status, a);
}

/* GET /sim/messages and /sim/requests. */
static enum MHD_Result on_list(struct MHD_Connection *c, bool messages)
{
	const char *phone = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "phone");
	json_t *list = json_array();
	unsigned i, n, first;

	pthread_mutex_lock(&S.mu);
	n = messages ? S.n_msgs : S.n_seen;
	first = n > RING ? n - RING : 0;
	for (i = first; i < n; i++) {
		if (messages) {
			const struct msg *m = &S.msgs[i % RING];

			if (!phone || !strcmp(phone, m->phone))
				json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I}",
					"phone", m->phone, "request_id", m->request_id,
					"message_id", m->message_id, "text", m->text, "at_ms",
					(json_int_t)m->at_ms));
		} else {
			const struct seen *x = &S.seen[i % RING];

			if (!phone || !strcmp(phone, x->phone))
				json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b}",
					"request_id", x->request_id, "phone", x->phone, "code",
					x->code, "replay", x->replay));
		}
	}
	pthread_mutex_unlock(&S.mu);
	return reply_json(c, 200, json_pack("{s:o}", messages ? "messages" : "requests", list));
}

/* POST /sim/fault. */
static enum MHD_Result on_fault(struct MHD_Connection *c, const struct upload *u)
{
	json_t *j = json_loadb(u->body, u->len, 0, NULL);
	struct fault f = { .times = 1 };
	const char *code = json_string_value(json_object_get(j, "code"));
	int queued;

	if (!json_is_object(j) || u->over) {
		json_decref(j);
		return reply_json(c, 400, json_pack("{s:s}", "error", "a JSON object"));
	}
	pthread_mutex_lock(&S.mu);
	if (json_is_true(json_object_get(j, "clear"))) {
		S.n_faults = 0;
	} else {
		if (json_is_integer(json_object_get(j, "times")))
			f.times = (int)json_integer_value(json_object_get(j, "times"));
		f.status = (int)json_integer_value(json_object_get(j, "status"));
		f.delay_ms = (int)json_integer_value(json_object_get(j, "delay_ms"));
		f.accept = json_is_true(json_object_get(j, "accept"));
		f.drop = json_is_true(json_object_get(j, "drop"));
		f.pad = (int)json_integer_value(json_object_get(j, "pad"));
		snprintf(f.code, sizeof(f.code), "%s", code ? code : "");
		if ((f.code[0] && !code_status(f.code)) || f.times < 1 || f.delay_ms < 0 ||
		    f.delay_ms > 60000 || f.pad < 0 || f.pad > 1000000 ||
		    (f.accept && f.code[0]) || S.n_faults == FAULTS ||
		    (!f.accept && !f.code[0] && !f.status && !f.drop && !f.delay_ms)) {
			pthread_mutex_unlock(&S.mu);
			json_decref(j);
			return reply_json(c, 400, json_pack("{s:s}", "error", "not a fault this "
				"simulator knows (see tools/smssim.c)"));
		}
		S.faults[S.n_faults++] = f;
	}
	queued = S.n_faults;
	pthread_mutex_unlock(&S.mu);
	json_decref(j);
	return reply_json(c, 200, json_pack("{s:i}", "queued", queued));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *data, size_t *data_len, void **state)
{
	struct upload *u = *state;

	(void)cls;
	(void)version;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return MHD_NO;
		*state = u;
		return MHD_YES;
	}
	if (*data_len) {
		if (*data_len > BODY_MAX - u->len)
			u->over = true;
		else {
			memcpy(u->body + u->len, data, *data_len);
			u->len += *data_len;
		}
		*data_len = 0;
		return MHD_YES;
	}
	if (!strcmp(method, "POST") && !strcmp(url, SEND_PATH))
		return on_send(c, u);
	if (!strcmp(method, "GET") && !strcmp(url, "/sim/messages"))
		return on_list(c, true);
	if (!strcmp(method, "GET") && !strcmp(url, "/sim/requests"))
		return on_list(c, false);
	if (!strcmp(method, "POST") && !strcmp(url, "/sim/fault"))
		return on_fault(c, u);
	return reply_json(c, 404, answer(NULL, "BadRequest", "no such endpoint"));
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*state);
	*state = NULL;
}

/* The whole of a small file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = f ? calloc(1, 65537) : NULL;
	size_t n = buf ? fread(buf, 1, 65536, f) : 0;

	if (f)
		fclose(f);
	if (buf && (n == 0 || n == 65536)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ca-smssim --cert PEM --key PEM --key-id ID --secret-file FILE\n"
		"                 --sign-name NAME... --template ID=TEXT... [--port N]\n"
		"                 [--port-file FILE] [--messages FILE] [--phone-limit N/S]\n"
		"                 [--quota N] [--skew S]\n"
		"An SMS gateway for the tests on 127.0.0.1 (tools/smssim.c, docs/hub.md).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", 1, NULL, 'c' }, { "key", 1, NULL, 'k' }, { "key-id", 1, NULL, 'i' },
		{ "secret-file", 1, NULL, 's' }, { "sign-name", 1, NULL, 'n' },
		{ "template", 1, NULL, 't' }, { "port", 1, NULL, 'p' },
		{ "port-file", 1, NULL, 'f' }, { "messages", 1, NULL, 'm' },
		{ "phone-limit", 1, NULL, 'l' }, { "quota", 1, NULL, 'q' },
		{ "skew", 1, NULL, 'w' }, { NULL, 0, NULL, 0 },
	};
	const char *cert_path = NULL, *key_path = NULL, *secret_path = NULL, *port_file = NULL;
	char *cert = NULL, *key = NULL, *eq, tmp[1100];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	sigset_t sigs;
	int o, port = 0, sig;
	FILE *f;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': cert_path = optarg; break;
		case 'k': key_path = optarg; break;
		case 'i': S.key_id = optarg; break;
		case 's': secret_path = optarg; break;
		case 'n':
			if (S.n_sign == NAMES)
				return usage(), 2;
			S.sign_names[S.n_sign++] = optarg;
			break;
		case 't':
			eq = strchr(optarg, '=');
			if (!eq || S.n_tmpl == NAMES || (size_t)(eq - optarg) >= sizeof(S.tmpls[0].id))
				return usage(), 2;
			memcpy(S.tmpls[S.n_tmpl].id, optarg, (size_t)(eq - optarg));
			snprintf(S.tmpls[S.n_tmpl++].text, sizeof(S.tmpls[0].text), "%s", eq + 1);
			break;
		case 'p': port = atoi(optarg); break;
		case 'f': port_file = optarg; break;
		case 'm':
			S.messages_file = fopen(optarg, "a");
			if (!S.messages_file)
				return perror(optarg), 2;
			break;
		case 'l':
			if (sscanf(optarg, "%d/%d", &S.phone_limit, &S.phone_window_s) != 2 ||
			    S.phone_limit < 1 || S.phone_window_s < 1)
				return usage(), 2;
			break;
		case 'q': S.quota = atol(optarg); break;
		case 'w': S.skew_s = atoi(optarg); break;
		default: return usage(), 2;
		}
	}
	if (!cert_path || !key_path || !S.key_id || !secret_path || !S.n_sign || !S.n_tmpl ||
	    port < 0 || port > 65535) {
		usage();
		return 2;
	}
	cert = slurp(cert_path);
	key = slurp(key_path);
	f = fopen(secret_path, "r");
	if (!cert || !key || !f || !fgets(S.secret, sizeof(S.secret), f)) {
		fprintf(stderr, "ca-smssim: cannot read the certificate, key or secret\n");
		return 2;
	}
	fclose(f);
	S.secret[strcspn(S.secret, "\r\n")] = '\0';

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ca-smssim: cannot listen on 127.0.0.1:%d\n", port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : port;
	if (port_file) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 ||
		    rename(tmp, port_file) != 0) {
			fprintf(stderr, "ca-smssim: cannot write %s\n", port_file);
			MHD_stop_daemon(d);
			return 1;
		}
	}
	fprintf(stderr, "ca-smssim: listening on 127.0.0.1:%d\n", port);
	while (sigwait(&sigs, &sig) != 0)
		;
	MHD_stop_daemon(d);
	if (S.messages_file)
		fclose(S.messages_file);
	free(cert);
	free(key);
	return 0;
}
