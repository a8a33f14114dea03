/*
 * online.h - the kiosk's interactive calls to the hub, off the UI thread.
 *
 * Some things a person does need the hub at once and cannot queue in the
 * outbox: asking for an SMS code, logging in, creating a payment order,
 * asking whether it was paid, and asking for the address of an invoice
 * page (the e-invoice QR code). The UI thread never calls curl: it hands one
 * request to this worker (online_submit) and shows a spinner; the worker
 * sends it with its own signed client (http.h: verified TLS, connect and
 * total timeouts, abort on stop) and leaves the decoded answer for the UI to
 * take (online_take), then calls the notify callback so an event loop
 * sleeping on events wakes up.
 *
 * One request at a time: a new submit replaces a request that has not
 * started yet; a request in flight finishes, but its result is dropped when
 * a newer one was submitted (each request has a sequence number). Results
 * never block the UI: online_take never waits.
 *
 * docs/api.md describes the endpoints: POST /v1/login/sms, POST /v1/login,
 * POST /v1/pay/orders, GET /v1/pay/orders/NO, POST /v1/invoices/ID/token.
 * An error answer is told apart by its status and, where the status alone
 * does not say what the person must do, by the hub's error code (the SMS
 * gateway's refusals: phone_refused, sms_unavailable). A 200 answer is
 * checked strictly (every documented member there, of its type and range,
 * the order the one asked for, the application through codec_app_decode);
 * members the hub adds later are ignored.
 *
 * Payment countdown: show pay_remaining_ms(order.expires_at_s, hub ms,
 * local_at_ms, now) (core/pay.h), with now read from CLOCK_MONOTONIC in ms,
 * taking the hub's ms (hub_now_ms, else hub_date_s * 1000) and local_at_ms
 * from the PAY_CREATE result; never the kiosk's wall clock.
 */
#ifndef CA_ONLINE_H
#define CA_ONLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/err.h"
#include "core/pay.h"
#include "kiosk/config/config.h"

/* Room for a session token (64 hex) and for a code_url or invoice URL. */
#define ONLINE_TOKEN_MAX 64
#define ONLINE_URL_MAX   1024
#define ONLINE_MSG_MAX   256

/* What to ask. */
enum online_op {
	ONLINE_SMS,        /* POST /v1/login/sms {phone} */
	ONLINE_LOGIN,      /* POST /v1/login {phone, code} */
	ONLINE_PAY_CREATE, /* POST /v1/pay/orders {app_id, method[, bank]} (session) */
	ONLINE_PAY_QUERY,  /* GET /v1/pay/orders/NO (session) */
	ONLINE_INVOICE,    /* POST /v1/invoices/APP_ID/token (session) */
	ONLINE_OP__N
};

/* One request. Strings are copied by online_submit. */
struct online_req {
	enum online_op op;
	char phone[12];                      /* SMS, LOGIN */
	char code[8];                        /* LOGIN: the SMS code */
	char token[ONLINE_TOKEN_MAX + 1];    /* PAY_*: the session token */
	char app_id[CA_UUID_LEN + 1];        /* PAY_CREATE, INVOICE */
	enum pay_method method;              /* PAY_CREATE */
	char bank[16];                       /* PAY_CREATE with PAY_BANK: "icbc", ... */
	char out_trade_no[PAY_TRADE_NO_MAX + 1]; /* PAY_QUERY */
};

/* How a request ended, in the terms the UI needs to choose its words. */
enum online_outcome {
	ONLINE_OK,          /* 200 and a well-formed answer */
	ONLINE_OFFLINE,     /* no answer: network down, timeout, TLS failure */
	ONLINE_REFUSED,     /* 401: wrong or expired code / session */
	ONLINE_FORBIDDEN,   /* 403: not allowed now (e.g. already paid; no invoice
			     * issued yet) */
	ONLINE_INVALID,     /* 400/404/422: the hub refused the input (also any other
			     * 4xx but 401/403/429; and, with status 0, a request
			     * not sent because it cannot be: no valid session
			     * token, a bad app_id, method or out_trade_no); not
			     * 400 phone_refused */
	ONLINE_PHONE_REFUSED, /* 400 phone_refused (SMS): the number is well formed,
			     * but the hub's SMS gateway cannot deliver to it */
	ONLINE_LIMITED,     /* 429: too many tries; retry_after_s says when */
	ONLINE_SMS_UNAVAILABLE, /* 503 sms_unavailable (SMS): the hub's SMS gateway
			     * failed, did not answer, or refuses the hub's account;
			     * retry_after_s says when to try again */
	ONLINE_HUB_ERROR,   /* 5xx (but 503 sms_unavailable), or an answer that could
			     * not be decoded (also any other status, and an answer
			     * over HTTP_BODY_MAX) */
};

/* A payment order as the hub reports it. */
struct online_order {
	char out_trade_no[PAY_TRADE_NO_MAX + 1];
	enum pay_state state;          /* trade_state; NOTPAY when CHECKING */
	bool checking;                 /* trade_state CHECKING: past the expiry, outcome
				        * unknown until the hub says SUCCESS or CLOSED */
	enum pay_method method;
	int64_t amount_fen;
	int64_t expires_at_s;          /* hub clock, Unix s */
	char code_url[ONLINE_URL_MAX + 1]; /* "" unless NOTPAY */
	bool has_app;                  /* PAY_QUERY: the application as stored */
	struct ca_app app;             /* valid when has_app (with rev) */
};

/* One result. Members of another op, or of an outcome other than
 * ONLINE_OK, are zero ("" for text). */
struct online_result {
	uint64_t seq;                  /* the number online_submit returned */
	enum online_op op;
	enum online_outcome outcome;
	long status;                   /* HTTP status, 0 when none arrived */
	int retry_after_s;             /* Retry-After, -1 absent */
	int64_t hub_date_s;            /* the hub's Date header, 0 absent */
	int64_t hub_now_ms;            /* PAY_*: the order's "now_ms", 0 absent */
	int64_t local_at_ms;           /* CLOCK_MONOTONIC ms when the answer came (or the
				        * request failed) */
	char message[ONLINE_MSG_MAX];  /* the hub's or transport's message (English, logs) */
	char error_code[32];           /* the hub's error code, e.g. "rate_limited" (a
				        * phone's limit) or "device_limited" (this kiosk's
				        * hourly budget); "" when none */
	/* SMS */
	char demo_code[8];             /* the hub's demo code when it is in demo mode, else "" */
	/* LOGIN */
	char token[ONLINE_TOKEN_MAX + 1];
	int64_t token_expires_s;
	char account[12];
	/* PAY_* */
	struct online_order order;
	/* INVOICE: the invoice page's address for the QR code */
	char invoice_url[ONLINE_URL_MAX + 1];
	int64_t invoice_expires_s;     /* the address dies then (hub clock, Unix s) */
	char invoice_no[24];           /* the invoice number, "" when not sent */
};

/* Called on the worker thread after a result is ready (e.g. to wake an
 * event loop); must be thread-safe and quick. */
typedef void (*online_notify_fn)(void *ctx);

struct online_opts {
	const struct config *cfg;      /* server url, ca_file, pin, timeouts, kiosk id */
	const char *secret;            /* the device secret (copied, wiped on stop) */
	online_notify_fn notify;       /* may be NULL */
	void *notify_ctx;
};

struct online;

/* Start the worker. CA_ERR_ARG (missing cfg or secret), CA_ERR_NOMEM. */
ca_err online_start(const struct online_opts *o, struct online **out);

/* Stop it (a request in flight is aborted within about a second) and free
 * everything, wiping the secret, tokens and codes it held; no notify call
 * comes after it returns. online_stop(NULL) is fine. */
void online_stop(struct online *on);

/* Hand over a request; returns its sequence number (> 0). Never blocks on
 * the network. */
uint64_t online_submit(struct online *on, const struct online_req *req);

/* Take the result of the newest request, if it is there; false otherwise.
 * Results of older requests are never returned. A result is returned once;
 * the worker's copy is wiped. */
bool online_take(struct online *on, struct online_result *out);

/* Whether the newest request has not produced its result yet. */
bool online_busy(struct online *on);

/*
 * Forget the person: a request not yet sent and a result not yet taken are
 * wiped, a request in flight has its result dropped, and the worker, as
 * soon as it is idle, closes its connection to the hub (http_forget: the
 * TLS buffers and the last answer go) and empties its stack (wipe_stack).
 * Never blocks on the network. For the end of a session (docs/privacy.md).
 */
void online_forget(struct online *on);

#endif
