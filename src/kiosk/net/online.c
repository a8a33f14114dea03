/*
 * online.c - the kiosk's interactive calls to the hub on a worker thread
 * (see online.h for the contract, docs/api.md for the endpoints).
 *
 * Where to start reading: worker_main() waits for the one request slot to
 * fill, takes the request out of it, and run() sends it: build() turns it
 * into a method, path, body and session header, http_request_hdr() does the
 * signed exchange, and the decode_*() functions check the answer strictly
 * (every documented member of the right type and range; members the hub
 * adds later are ignored, so an older kiosk keeps working). Back under the
 * lock, the result is kept only if no newer request was submitted
 * meanwhile, and the notify callback is called outside the lock.
 *
 * Threads: the UI thread calls online_submit / online_take / online_busy,
 * which only touch the slot and the result under the mutex and never wait
 * on the network. Only the worker uses the struct http. online_stop sets
 * the stop flag, which http's abort callback reports to curl (checked about
 * once a second at least), then joins the worker and wipes everything.
 *
 * Personal data: phone numbers reach log lines masked; SMS codes and
 * session tokens never do, and every copy this module holds is wiped with
 * explicit_bzero when it is no longer needed.
 */
#include "online.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/uuid.h"
#include "core/valid.h"
#include "common/wipe.h"
#include "common/worker.h"
#include "http.h"

#define TAG "online"

/* Room for a request path: "/v1/pay/orders/" + an out_trade_no. */
#define PATH_MAX_LEN 64
/* Room for "X-CA-Session: " + a token. */
#define SESSION_HDR_MAX (16 + ONLINE_TOKEN_MAX)

struct online {
	struct http *http;             /* the worker's client (owns the secret copy) */
	online_notify_fn notify;       /* called after a result is stored, may be NULL */
	void *notify_ctx;              /* its argument */
	struct worker w;               /* the thread; w.mu guards the slot and the result
					* below; w.stop is read by the abort callback */
	/* Under w.mu: */
	uint64_t seq;                  /* sequence number of the newest request */
	uint64_t done_seq;             /* newest sequence number that produced its result */
	bool pending;                  /* req holds a request the worker has not taken */
	struct online_req req;         /* the slot; wiped when taken */
	bool forget;                   /* online_forget was called: the worker drops its
				        * connection and stack when idle */
	bool have_result;              /* result holds the untaken result of seq */
	struct online_result result;   /* wiped when taken or superseded */
	/* The worker's own copies (worker thread only; wiped after use): */
	struct online_req w_req;       /* the request being sent */
	struct online_result w_res;    /* its result being filled */
};

static const char *const op_names[ONLINE_OP__N] = {
	[ONLINE_SMS] = "sms",
	[ONLINE_LOGIN] = "login",
	[ONLINE_PAY_CREATE] = "pay-create",
	[ONLINE_PAY_QUERY] = "pay-query",
	[ONLINE_INVOICE] = "invoice",
};

static const char *const outcome_names[] = {
	[ONLINE_OK] = "ok",
	[ONLINE_OFFLINE] = "offline",
	[ONLINE_REFUSED] = "refused",
	[ONLINE_FORBIDDEN] = "forbidden",
	[ONLINE_INVALID] = "invalid",
	[ONLINE_PHONE_REFUSED] = "phone refused",
	[ONLINE_LIMITED] = "limited",
	[ONLINE_SMS_UNAVAILABLE] = "sms unavailable",
	[ONLINE_HUB_ERROR] = "hub error",
};

/* http's abort callback: only a stop aborts (a newer submit lets the
 * request in flight finish; its result is dropped). */
static int should_abort(void *ctx)
{
	struct online *on = ctx;

	return atomic_load(&on->w.stop);
}

/* ---- building requests ---- */

/* Whether s is a session token we may put in a header: 1..ONLINE_TOKEN_MAX
 * lower-case hex digits. */
static bool token_ok(const char *s)
{
	size_t n = strnlen(s, ONLINE_TOKEN_MAX + 1);

	return n > 0 && n <= ONLINE_TOKEN_MAX && strspn(s, "0123456789abcdef") == n;
}

/* Whether the fixed-size string field s (size n) is NUL-terminated. */
static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/*
 * The method, path, JSON body (malloc'd, NULL for a GET) and session header
 * line ("" when none) of q. false, with msg set, when q cannot be sent as
 * given (a programming or input error: nothing goes to the hub).
 */
static bool build(const struct online_req *q, const char **method, char *path,
		  char **body, char *session, char *msg, size_t msglen)
{
	json_t *j = NULL;

	*body = NULL;
	session[0] = '\0';
	if ((unsigned)q->op >= ONLINE_OP__N) {
		snprintf(msg, msglen, "unknown request %d", (int)q->op);
		return false;
	}
	if (!terminated(q->phone, sizeof(q->phone)) || !terminated(q->code, sizeof(q->code)) ||
	    !terminated(q->token, sizeof(q->token)) || !terminated(q->app_id, sizeof(q->app_id)) ||
	    !terminated(q->bank, sizeof(q->bank)) ||
	    !terminated(q->out_trade_no, sizeof(q->out_trade_no))) {
		snprintf(msg, msglen, "a request field is not terminated");
		return false;
	}
	if (q->op == ONLINE_PAY_CREATE || q->op == ONLINE_PAY_QUERY || q->op == ONLINE_INVOICE) {
		if (!token_ok(q->token)) {
			snprintf(msg, msglen, "no valid session token");
			return false;
		}
		snprintf(session, SESSION_HDR_MAX, "X-CA-Session: %s", q->token);
	}
	switch (q->op) {
	case ONLINE_SMS:
		*method = "POST";
		snprintf(path, PATH_MAX_LEN, "/v1/login/sms");
		j = json_pack("{s:s}", "phone", q->phone);
		break;
	case ONLINE_LOGIN:
		*method = "POST";
		snprintf(path, PATH_MAX_LEN, "/v1/login");
		j = json_pack("{s:s, s:s}", "phone", q->phone, "code", q->code);
		break;
	case ONLINE_PAY_CREATE:
		if (!uuid_valid(q->app_id) || (unsigned)q->method >= PAY_METHOD__N ||
		    (q->method == PAY_BANK && !q->bank[0])) {
			snprintf(msg, msglen, "pay order: a valid app_id and method (and bank) "
				 "are required");
			return false;
		}
		*method = "POST";
		snprintf(path, PATH_MAX_LEN, "/v1/pay/orders");
		if (q->method == PAY_BANK)
			j = json_pack("{s:s, s:s, s:s}", "app_id", q->app_id, "method",
				      pay_method_id(q->method), "bank", q->bank);
		else
			j = json_pack("{s:s, s:s}", "app_id", q->app_id, "method",
				      pay_method_id(q->method));
		break;
	case ONLINE_PAY_QUERY:
		if (!pay_trade_no_valid(q->out_trade_no)) {
			snprintf(msg, msglen, "pay query: not an out_trade_no");
			return false;
		}
		*method = "GET";
		snprintf(path, PATH_MAX_LEN, "/v1/pay/orders/%s", q->out_trade_no);
		return true;
	case ONLINE_INVOICE:
		if (!uuid_valid(q->app_id)) {
			snprintf(msg, msglen, "invoice: not an application id");
			return false;
		}
		*method = "POST";
		snprintf(path, PATH_MAX_LEN, "/v1/invoices/%s/token", q->app_id);
		j = json_object(); /* no arguments: an empty object */
		break;
	default:
		break;
	}
	if (!j) {
		/* json_pack refuses text that is not UTF-8. */
		snprintf(msg, msglen, "the request text is not valid UTF-8");
		return false;
	}
	*body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!*body) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	return true;
}

/* ---- decoding answers ---- */

/*
 * The string member key of obj into out (size n). Absent: "" and true
 * unless required. false when it is there but not a string, holds a NUL or
 * does not fit.
 */
static bool get_str(const json_t *obj, const char *key, bool required, char *out, size_t n)
{
	const json_t *v = json_object_get(obj, key);
	size_t len;

	out[0] = '\0';
	if (!v)
		return !required;
	if (!json_is_string(v))
		return false;
	len = json_string_length(v);
	if (len >= n || strlen(json_string_value(v)) != len)
		return false;
	memcpy(out, json_string_value(v), len + 1);
	return true;
}

/* The integer member key of obj, which must be there and > 0. */
static bool get_pos_int(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

/* Whether s is one or more decimal digits. */
static bool digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Set the malformed-answer message naming what; returns false. */
static bool malformed(struct online_result *res, const char *what)
{
	snprintf(res->message, sizeof(res->message), "malformed answer: %s", what);
	return false;
}

/* POST /v1/login/sms: {"expires_in", "demo_code" (demo mode only)}. */
static bool decode_sms(const json_t *root, struct online_result *res)
{
	int64_t expires_in;

	if (!get_pos_int(root, "expires_in", &expires_in))
		return malformed(res, "expires_in");
	if (!get_str(root, "demo_code", false, res->demo_code, sizeof(res->demo_code)) ||
	    (res->demo_code[0] && !digits(res->demo_code)))
		return malformed(res, "demo_code");
	return true;
}

/* POST /v1/login: {"token", "expires_at", "account"}. */
static bool decode_login(const json_t *root, struct online_result *res)
{
	if (!get_str(root, "token", true, res->token, sizeof(res->token)) ||
	    strlen(res->token) != ONLINE_TOKEN_MAX || !token_ok(res->token))
		return malformed(res, "token");
	if (!get_pos_int(root, "expires_at", &res->token_expires_s))
		return malformed(res, "expires_at");
	if (!get_str(root, "account", true, res->account, sizeof(res->account)) ||
	    valid_mobile(res->account) != MSG_NONE)
		return malformed(res, "account");
	return true;
}

/* An order (docs/api.md, Payments), with "app" when it is there (always on
 * a query). It must be the order asked for. */
static bool decode_order(const struct online_req *q, const json_t *root,
			 struct online_result *res)
{
	struct online_order *o = &res->order;
	char text[ONLINE_URL_MAX + 1], app_id[CA_UUID_LEN + 1], cerr[CODEC_ERR_MAX];
	const json_t *japp;
	int64_t t;
	int v;

	if (!get_str(root, "out_trade_no", true, o->out_trade_no, sizeof(o->out_trade_no)) ||
	    !pay_trade_no_valid(o->out_trade_no) ||
	    (q->op == ONLINE_PAY_QUERY && strcmp(o->out_trade_no, q->out_trade_no) != 0))
		return malformed(res, "out_trade_no");
	if (!get_str(root, "trade_state", true, text, sizeof(text)))
		return malformed(res, "trade_state");
	/* CHECKING: the hub holds the order open and cannot yet say how it
	 * ended (core/pay.h, PAY_CHECKING_ID). */
	o->checking = q->op == ONLINE_PAY_QUERY && !strcmp(text, PAY_CHECKING_ID);
	if (o->checking)
		v = PAY_NOTPAY;
	else if ((v = pay_state_from_id(text)) < 0)
		return malformed(res, "trade_state");
	o->state = (enum pay_state)v;
	if (!get_str(root, "method", true, text, sizeof(text)) ||
	    (v = pay_method_from_id(text)) < 0 ||
	    (q->op == ONLINE_PAY_CREATE && v != (int)q->method))
		return malformed(res, "method");
	o->method = (enum pay_method)v;
	if (!get_pos_int(root, "amount_fen", &o->amount_fen))
		return malformed(res, "amount_fen");
	if (!get_pos_int(root, "expires_at", &o->expires_at_s))
		return malformed(res, "expires_at");
	/* Optional (a hub before it sent none): the Date header serves. */
	if (json_object_get(root, "now_ms") && !get_pos_int(root, "now_ms", &res->hub_now_ms))
		return malformed(res, "now_ms");
	if (!get_str(root, "time_expire", true, text, sizeof(text)) ||
	    pay_parse_rfc3339(text, &t) || t != o->expires_at_s)
		return malformed(res, "time_expire");
	if (!get_str(root, "app_id", true, app_id, sizeof(app_id)) || !uuid_valid(app_id) ||
	    (q->op == ONLINE_PAY_CREATE && strcmp(app_id, q->app_id) != 0))
		return malformed(res, "app_id");
	if (!get_str(root, "bank", false, text, sizeof(text)))
		return malformed(res, "bank");
	if (!get_str(root, "success_time", false, text, sizeof(text)))
		return malformed(res, "success_time");
	/* code_url: the QR code's content, only while the order is open and
	 * payable (not while the hub is checking it). */
	if (!get_str(root, "code_url", o->state == PAY_NOTPAY && !o->checking, text,
		     sizeof(text)))
		return malformed(res, "code_url");
	if (o->state == PAY_NOTPAY && !o->checking) {
		size_t i, n = strlen(text);

		for (i = 0; i < n; i++)
			if ((unsigned char)text[i] <= ' ' || (unsigned char)text[i] >= 0x7f)
				break;
		if (n == 0 || i < n)
			return malformed(res, "code_url");
		memcpy(o->code_url, text, n + 1);
	}
	japp = json_object_get(root, "app");
	if (!japp && q->op == ONLINE_PAY_QUERY)
		return malformed(res, "app");
	if (japp) {
		if (codec_app_decode(japp, &o->app, cerr, sizeof(cerr)) != CA_OK) {
			snprintf(res->message, sizeof(res->message), "malformed answer: app: %s",
				 cerr);
			return false;
		}
		if (strcmp(o->app.id, app_id) != 0)
			return malformed(res, "app.id");
		o->has_app = true;
	}
	return true;
}

/* Whether s is an address a phone can open from a QR code: https:// or
 * http://, then printable ASCII without spaces. */
static bool url_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return n > 8;
}

/* POST /v1/invoices/ID/token: {"url", "expires_at", "invoice_no", "app_id"}. */
static bool decode_invoice(const struct online_req *q, const json_t *root,
			   struct online_result *res)
{
	char app_id[CA_UUID_LEN + 1];

	if (!get_str(root, "url", true, res->invoice_url, sizeof(res->invoice_url)) ||
	    !url_ok(res->invoice_url))
		return malformed(res, "url");
	if (!get_pos_int(root, "expires_at", &res->invoice_expires_s))
		return malformed(res, "expires_at");
	if (!get_str(root, "invoice_no", false, res->invoice_no, sizeof(res->invoice_no)))
		return malformed(res, "invoice_no");
	if (!get_str(root, "app_id", false, app_id, sizeof(app_id)) ||
	    (app_id[0] && strcmp(app_id, q->app_id) != 0))
		return malformed(res, "app_id");
	return true;
}

/*
 * The hub's answer as an outcome (online.h): its status, and the error's
 * code (error_text) where one status covers answers the person must act on
 * differently: the SMS gateway's refusal of a well-formed number is no
 * format error (400), its failure no fault of the hub (503). Statuses the
 * API does not name: another 4xx is a refusal of the input, anything else
 * a hub error.
 */
static enum online_outcome outcome_of(long status, const char *code)
{
	switch (status) {
	case 200:
		return ONLINE_OK;
	case 400:
		return !strcmp(code, "phone_refused") ? ONLINE_PHONE_REFUSED : ONLINE_INVALID;
	case 401:
		return ONLINE_REFUSED;
	case 403:
		return ONLINE_FORBIDDEN;
	case 429:
		return ONLINE_LIMITED;
	case 503:
		return !strcmp(code, "sms_unavailable") ? ONLINE_SMS_UNAVAILABLE
							: ONLINE_HUB_ERROR;
	default:
		return status >= 400 && status < 500 ? ONLINE_INVALID : ONLINE_HUB_ERROR;
	}
}

/* The message of an error answer into res: status, and the hub's code and
 * message when the body has them; the code alone into res->error_code. */
static void error_text(const struct http_resp *r, struct online_result *res)
{
	json_t *root = json_loadb(r->body, r->len, 0, NULL);
	const json_t *err = json_object_get(root, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));

	if (code) {
		snprintf(res->message, sizeof(res->message), "hub answered %ld %s: %s",
			 r->status, code, msg ? msg : "");
		if (strlen(code) < sizeof(res->error_code))
			memcpy(res->error_code, code, strlen(code) + 1);
	} else {
		snprintf(res->message, sizeof(res->message), "hub answered %ld", r->status);
	}
	json_decref(root);
}

/* Decode the 200 answer r to q into res; false (message set) when it is
 * not the documented JSON. */
static bool decode(const struct online_req *q, const struct http_resp *r,
		   struct online_result *res)
{
	json_error_t jerr;
	json_t *root = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	bool ok;

	if (!json_is_object(root)) {
		json_decref(root);
		return malformed(res, "not a JSON object");
	}
	switch (q->op) {
	case ONLINE_SMS:
		ok = decode_sms(root, res);
		break;
	case ONLINE_LOGIN:
		ok = decode_login(root, res);
		break;
	case ONLINE_INVOICE:
		ok = decode_invoice(q, root, res);
		break;
	default:
		ok = decode_order(q, root, res);
		break;
	}
	json_decref(root);
	return ok;
}

/* ---- one request ---- */

/* A log line for the end of q: phones masked, codes and tokens never. */
static void log_done(const struct online_req *q, const struct online_result *res,
		     int64_t ms)
{
	char who[CA_UUID_LEN + 32];
	enum log_level lvl = res->outcome == ONLINE_OFFLINE || res->outcome == ONLINE_HUB_ERROR ||
			     res->outcome == ONLINE_SMS_UNAVAILABLE ? LOG_WARN : LOG_INFO;

	/* No account, not even masked: the kiosk's log names no person
	 * (docs/privacy.md); the hub's log has the account. */
	switch (q->op) {
	case ONLINE_SMS:
	case ONLINE_LOGIN:
		snprintf(who, sizeof(who), "(account not logged)");
		break;
	case ONLINE_PAY_CREATE:
	case ONLINE_INVOICE:
		snprintf(who, sizeof(who), "for application %.36s", q->app_id);
		break;
	case ONLINE_PAY_QUERY:
		snprintf(who, sizeof(who), "of order %.32s", q->out_trade_no);
		break;
	default:
		who[0] = '\0';
		break;
	}
	log_msg(lvl, TAG, "%s %s: %s (status %ld, %lld ms)%s%s",
		(unsigned)q->op < ONLINE_OP__N ? op_names[q->op] : "?", who,
		outcome_names[res->outcome], res->status, (long long)ms,
		res->message[0] ? ": " : "", res->message);
}

/* Send q and fill res (its seq is the caller's business). */
static void run(struct online *on, const struct online_req *q, struct online_result *res)
{
	char path[PATH_MAX_LEN], session[SESSION_HDR_MAX];
	const char *headers[2] = { NULL, NULL };
	const char *method = "GET";
	struct http_resp r;
	char *body = NULL;
	int64_t t0 = ca_mono_ms();
	ca_err e;

	memset(res, 0, sizeof(*res));
	res->op = q->op;
	res->retry_after_s = -1;
	if (!build(q, &method, path, &body, session, res->message, sizeof(res->message))) {
		res->outcome = ONLINE_INVALID;
		res->local_at_ms = ca_mono_ms();
		goto out;
	}
	if (session[0])
		headers[0] = session;
	e = http_request_hdr(on->http, method, path, headers, body, body ? strlen(body) : 0, 0,
			     &r);
	res->local_at_ms = ca_mono_ms();
	res->status = r.status;
	res->retry_after_s = r.retry_after_s;
	res->hub_date_s = r.date_s;
	if (e == CA_ERR_IO) {
		res->outcome = ONLINE_OFFLINE;
		snprintf(res->message, sizeof(res->message), "no answer: %.200s", r.error);
	} else if (e) {
		/* Too long an answer, or no memory: the hub's answer is unusable. */
		res->outcome = ONLINE_HUB_ERROR;
		snprintf(res->message, sizeof(res->message), "%s",
			 r.error[0] ? r.error : ca_strerror(e));
	} else {
		if (r.status != 200)
			error_text(&r, res);
		res->outcome = outcome_of(r.status, res->error_code);
		if (res->outcome == ONLINE_OK && !decode(q, &r, res))
			res->outcome = ONLINE_HUB_ERROR;
		/* A malformed answer must not leave half a result behind. */
		if (res->outcome != ONLINE_OK) {
			explicit_bzero(res->token, sizeof(res->token));
			res->demo_code[0] = '\0';
			res->account[0] = '\0';
			res->token_expires_s = 0;
			memset(&res->order, 0, sizeof(res->order));
			res->invoice_url[0] = '\0';
			res->invoice_expires_s = 0;
			res->invoice_no[0] = '\0';
		}
	}
	if (r.body)
		explicit_bzero(r.body, r.len); /* a login answer holds a token */
	http_resp_release(&r);
out:
	log_done(q, res, res->local_at_ms - t0);
	if (body) {
		explicit_bzero(body, strlen(body)); /* a login body holds the code */
		free(body);
	}
	explicit_bzero(session, sizeof(session));
}

/* ---- the worker ---- */

static void *worker_main(void *arg)
{
	struct online *on = arg;
	uint64_t seq;
	bool stored;

	pthread_mutex_lock(&on->w.mu);
	for (;;) {
		while (!atomic_load(&on->w.stop) && !on->pending && !on->forget)
			pthread_cond_wait(&on->w.cv, &on->w.mu);
		if (atomic_load(&on->w.stop))
			break;
		if (on->forget) {
			on->forget = false;
			pthread_mutex_unlock(&on->w.mu);
			if (http_forget(on->http) != CA_OK)
				log_error(TAG, "no memory for a new connection to the hub");
			wipe_stack();
			pthread_mutex_lock(&on->w.mu);
			continue;
		}
		on->w_req = on->req;
		explicit_bzero(&on->req, sizeof(on->req));
		on->pending = false;
		seq = on->seq;
		pthread_mutex_unlock(&on->w.mu);

		run(on, &on->w_req, &on->w_res);
		on->w_res.seq = seq;
		explicit_bzero(&on->w_req, sizeof(on->w_req));

		pthread_mutex_lock(&on->w.mu);
		stored = seq == on->seq && !atomic_load(&on->w.stop);
		if (stored) {
			on->result = on->w_res;
			on->have_result = true;
			on->done_seq = seq;
		}
		explicit_bzero(&on->w_res, sizeof(on->w_res));
		/* What the request and its answer left on this thread's stack
		 * (the body built, the answer decoded) goes now. */
		pthread_mutex_unlock(&on->w.mu);
		wipe_stack();
		pthread_mutex_lock(&on->w.mu);
		if (stored && on->notify) {
			pthread_mutex_unlock(&on->w.mu);
			on->notify(on->notify_ctx);
			pthread_mutex_lock(&on->w.mu);
		}
	}
	pthread_mutex_unlock(&on->w.mu);
	return NULL;
}

ca_err online_start(const struct online_opts *o, struct online **out)
{
	struct http_opts ho;
	struct online *on;
	ca_err e;
	int rc;

	assert(out);
	*out = NULL;
	if (!o || !o->cfg || !o->secret || !*o->secret || !o->cfg->server_url[0])
		return CA_ERR_ARG;
	on = calloc(1, sizeof(*on));
	if (!on)
		return CA_ERR_NOMEM;
	memset(&ho, 0, sizeof(ho));
	ho.base_url = o->cfg->server_url;
	ho.ca_file = o->cfg->ca_file;
	ho.pin = o->cfg->pin;
	ho.device_id = o->cfg->kiosk_id;
	ho.secret = o->secret; /* http copies it and wipes its copy on http_free */
	ho.connect_timeout_ms = o->cfg->connect_timeout_ms;
	ho.total_timeout_ms = o->cfg->total_timeout_ms;
	ho.abort_fn = should_abort;
	ho.abort_ctx = on;
	e = http_new(&ho, &on->http);
	if (e) {
		free(on);
		return e;
	}
	on->notify = o->notify;
	on->notify_ctx = o->notify_ctx;
	rc = worker_start(&on->w, worker_main, on);
	if (rc) {
		log_error(TAG, "cannot start the worker: %s", strerror(rc));
		http_free(on->http);
		free(on);
		return CA_ERR_NOMEM;
	}
	*out = on;
	return CA_OK;
}

void online_stop(struct online *on)
{
	if (!on)
		return;
	worker_stop(&on->w);
	http_free(on->http); /* wipes the secret */
	explicit_bzero(on, sizeof(*on)); /* tokens and codes in the slot and results */
	free(on);
}

uint64_t online_submit(struct online *on, const struct online_req *req)
{
	uint64_t seq;

	assert(on && req);
	pthread_mutex_lock(&on->w.mu);
	seq = ++on->seq;
	on->req = *req;
	on->pending = true;
	if (on->have_result) { /* an older result is never returned now */
		explicit_bzero(&on->result, sizeof(on->result));
		on->have_result = false;
	}
	pthread_cond_signal(&on->w.cv);
	pthread_mutex_unlock(&on->w.mu);
	return seq;
}

bool online_take(struct online *on, struct online_result *out)
{
	bool got;

	assert(on && out);
	pthread_mutex_lock(&on->w.mu);
	got = on->have_result; /* always the newest: a submit drops an older one */
	if (got) {
		*out = on->result;
		explicit_bzero(&on->result, sizeof(on->result));
		on->have_result = false;
	}
	pthread_mutex_unlock(&on->w.mu);
	return got;
}

void online_forget(struct online *on)
{
	if (!on)
		return;
	pthread_mutex_lock(&on->w.mu);
	explicit_bzero(&on->req, sizeof(on->req));
	on->pending = false;
	explicit_bzero(&on->result, sizeof(on->result));
	on->have_result = false;
	/* A request in flight finishes, but its result has no taker. */
	on->done_seq = ++on->seq;
	on->forget = true;
	pthread_cond_signal(&on->w.cv);
	pthread_mutex_unlock(&on->w.mu);
}

bool online_busy(struct online *on)
{
	bool busy;

	assert(on);
	pthread_mutex_lock(&on->w.mu);
	busy = on->done_seq != on->seq;
	pthread_mutex_unlock(&on->w.mu);
	return busy;
}
