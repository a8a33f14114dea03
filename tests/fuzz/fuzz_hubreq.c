/*
 * fuzz_hubreq.c - libFuzzer target: the hub's request handling, from the
 * bytes on the socket through libmicrohttpd into the router, the
 * authentication and every handler (docs/api.md).
 *
 * LLVMFuzzerInitialize() builds a hub in this process as main.c does, and
 * only through the public interface of http.h: a store and an admin token
 * in a temporary directory (under /dev/shm when there is one: no disk
 * syncs), dev mode, the virtual clock, the routes of main.c, plain HTTP on
 * 127.0.0.1 port 0. The payment threads are not started (the kiosk's GET
 * asks the provider itself). Both payment methods are answered by the
 * harness's own provider in memory (fz_provider: orders kept in a table, no
 * network), through the provider interface: the providers' protocols are
 * tested against ca-paysim elsewhere (test_wxpay, test_bankpay), here the
 * hub's handling of the kiosks' and staff's requests is. A feed long-poll is parked by the server and
 * ended by the harness's half-close (the server must answer or close it
 * within the harness's timeout, it never holds the connection). One
 * device (FZ_DEVICE) is provisioned with a known secret and has a live
 * session of account FZ_PHONE (identity(): again after an input disabled
 * the device). Then, through HTTP as a kiosk and staff would: application
 * FZ_APP_A approved with an open bank order, and FZ_APP_B approved, paid,
 * its invoice issued, an invoice page token and a PDF key (invoice_page():
 * new ones when inputs locked the token or the clock passed them); their
 * random numbers are what the placeholders below stand for.
 *
 * An input is one byte of flags, then the raw request:
 *
 *   flags & 3   0: as it is; 1: with a staff member's "Authorization: Bearer"
 *               (every role);
 *               2: signed as the device (X-CA-Device, -Timestamp on the
 *               hub's clock, -Nonce from a counter, -Signature over the
 *               request line's method and target and the bytes after the
 *               blank line); 3: signed and with the session's X-CA-Session
 *   flags & 4   with "Content-Length:" of the bytes after the blank line
 *
 * The headers go right after the request line, before the input's own.
 * Before that, "@@TRADE@@", "@@INVTOKEN@@" and "@@PDFKEY@@" become the
 * order number of FZ_APP_A, the invoice token and PDF key of FZ_APP_B.
 * Per input: connect, write it all, shutdown(SHUT_WR), read until the hub
 * closes (FZ_ANSWER_MS at most), wait until the hub is idle (settle()).
 *
 * Property: the hub never crashes, leaks or hangs: it closes the connection
 * the client half-closed within FZ_ANSWER_MS, after its answer if the
 * request was whole (a client that went away must not hold a socket in
 * CLOSE-WAIT until the idle limit); what it sends is a sequence of well-formed HTTP/1.x
 * responses (status line, header lines without control characters, one
 * Content-Length that the body matches); every response of the hub itself
 * (JSON or HTML) has Date and Cache-Control: no-store, its JSON parses, an
 * error (4xx, 5xx) is {"error": {"code", "message"}}, and no 500 comes
 * back (a handler that fails on input is a bug, not a retry).
 * FUZZ_HUBREQ_LOG=info|debug shows the hub's log (default: errors only).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/sign.h"
#include "hub/api.h"
#include "hub/auth.h"
#include "hub/hub.h"
#include "hub/http.h"
#include "hub/invoicing.h"
#include "hub/pay.h"
#include "hub/vclock.h"
#include "../fixture.h"

#define FZ_DEVICE "fuzz-kiosk"
#define FZ_SECRET "5ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e75ec12e7"
#define FZ_ADMIN "ad0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
#define FZ_SESSION "5e5510115e5510115e5510115e5510115e5510115e5510115e5510115e551011"
#define FZ_PHONE "13812345678"
#define FZ_APP_A "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8d90"
#define FZ_APP_B "7b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
#define FZ_COMPANY "江苏国泰新点软件有限公司"
#define FZ_ANSWER_MS 8000         /* the hub answers or closes within this (under
				     libFuzzer's -timeout=10 of tools/run-fuzz) */
#define FZ_ANSWER_MAX (8 << 20)   /* bytes of answer kept */
#define FZ_HEAD_MAX 1024          /* room for the headers the harness adds */
#define FZ_SETTLE_MS 1000         /* see settle() */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* Whole allocation stacks (the suppression below names a frame deep in
 * OpenSSL, which the fast unwinder does not reach). */
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

/* The one third-party leak of tests/lsan.supp the hub reaches: cairo's
 * CFF subsetter, 768 bytes per invoice PDF (see there); and OpenSSL's
 * per-thread error state (ERR_STATE, 904 bytes, made by ERR_set_mark at a
 * thread's first HMAC): it hangs from the server thread's thread-specific
 * data, which LeakSanitizer does not scan, while the thread lives (the
 * fuzzer never stops the server between inputs; ca-hub itself stops its
 * threads, and its sanitizer runs report no leak). */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcairo.so.2\nleak:ERR_set_mark\n";
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...);

/* ---- the harness's payment provider (payprov.h), in memory ---- */

#define FZ_ORDERS 64 /* orders the provider keeps (set-up and inputs) */

static struct {
	pthread_mutex_t mu;
	struct pay_order o[FZ_ORDERS];
	size_t n;
} fzp = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The provider's order no, or NULL. With fzp.mu held. */
static struct pay_order *fzp_find(const char *no)
{
	size_t i;

	for (i = 0; i < fzp.n; i++)
		if (!strcmp(fzp.o[i].out_trade_no, no))
			return &fzp.o[i];
	return NULL;
}

static ca_err fzp_create(struct pay_provider *p, const struct pay_order *o, const char *bank,
			 const char *base_url, char *code_url, size_t n)
{
	ca_err e = CA_OK;

	(void)p;
	pthread_mutex_lock(&fzp.mu);
	if (fzp.n == FZ_ORDERS) {
		e = CA_ERR_UNAVAILABLE; /* the hub answers 503: also a path to cover */
	} else {
		fzp.o[fzp.n] = *o;
		if (bank)
			snprintf(code_url, n, "%s/pay/bank/%s", base_url, o->out_trade_no);
		else
			snprintf(code_url, n, "weixin://wxpay/bizpayurl?pr=fz%05zu", fzp.n);
		fzp.n++;
	}
	pthread_mutex_unlock(&fzp.mu);
	return e;
}

static ca_err fzp_query(struct pay_provider *p, const char *no, struct pay_order *out)
{
	struct pay_order *o;

	(void)p;
	pthread_mutex_lock(&fzp.mu);
	o = fzp_find(no);
	if (o)
		*out = *o;
	pthread_mutex_unlock(&fzp.mu);
	return o ? CA_OK : CA_ERR_NOT_FOUND;
}

/* Close (to == PAY_CLOSED: ORDERPAID when paid) or refund (PAY_REFUND:
 * only a paid order) order no. */
static ca_err fzp_move(const char *no, enum pay_state to)
{
	struct pay_order *o;
	ca_err e = CA_OK;

	pthread_mutex_lock(&fzp.mu);
	o = fzp_find(no);
	if (!o)
		e = CA_ERR_NOT_FOUND;
	else if (to == PAY_CLOSED && o->state == PAY_SUCCESS)
		e = CA_ERR_CONFLICT;
	else if (to == PAY_REFUND && o->state != PAY_SUCCESS && o->state != PAY_REFUND)
		e = CA_ERR_FORBIDDEN;
	else if (o->state == PAY_NOTPAY || to == PAY_REFUND)
		o->state = to;
	pthread_mutex_unlock(&fzp.mu);
	return e;
}

static ca_err fzp_close(struct pay_provider *p, const char *no)
{
	(void)p;
	return fzp_move(no, PAY_CLOSED);
}

static ca_err fzp_refund(struct pay_provider *p, const char *no)
{
	(void)p;
	return fzp_move(no, PAY_REFUND);
}

static struct pay_provider fz_provider = {
	"fuzz", fzp_create, fzp_query, fzp_close, fzp_refund, "memory:",
};

/* ---- the harness's tax platform (einvoice.h), in memory ---- */

static int fzt_seq; /* numbers issued */

/* The invoice r asks for, as a platform would issue it (6 % or whatever
 * the line says; the amount before tax rounded half up). */
static ca_err fzt_issue(struct tax_provider *p, const struct einv_request *r,
			struct einvoice *out, char **xml, size_t *xml_len, char *why, size_t n)
{
	const struct einv_item_req *q = &r->items[0];
	struct einv_item *it = &out->items[0];
	int64_t per = 100 + q->rate_pct;

	(void)p;
	(void)why;
	(void)n;
	memset(out, 0, sizeof(*out));
	snprintf(out->number, sizeof(out->number), "26320%015d", ++fzt_seq);
	out->issued_s = vclock_now_s();
	snprintf(out->buyer_name, sizeof(out->buyer_name), "%s", r->buyer_name);
	snprintf(out->buyer_tax_id, sizeof(out->buyer_tax_id), "%s", r->buyer_tax_id);
	snprintf(out->seller_name, sizeof(out->seller_name), "模糊测试销售方");
	snprintf(out->seller_tax_id, sizeof(out->seller_tax_id), "91320582MA1MABCDEU");
	snprintf(it->name, sizeof(it->name), "%s", q->name);
	snprintf(it->spec, sizeof(it->spec), "%s", q->spec);
	snprintf(it->unit, sizeof(it->unit), "%s", q->unit);
	it->quantity = q->quantity;
	it->rate_pct = q->rate_pct;
	it->amount_fen = (q->total_fen * 200 + per) / (2 * per);
	it->tax_fen = q->total_fen - it->amount_fen;
	snprintf(it->unit_price, sizeof(it->unit_price), "1.00");
	out->nitems = 1;
	out->amount_fen = it->amount_fen;
	out->tax_fen = it->tax_fen;
	out->total_fen = q->total_fen;
	snprintf(out->remarks, sizeof(out->remarks), "%s", r->remarks);
	snprintf(out->issuer, sizeof(out->issuer), "%s", r->issuer);
	*xml = strdup("<Invoice/>");
	*xml_len = *xml ? strlen(*xml) : 0;
	return *xml ? CA_OK : CA_ERR_NOMEM;
}

static ca_err fzt_reverse(struct tax_provider *p, const char *request_id, const char *original,
			  const char *reason, struct einvoice *out, char **xml, size_t *xml_len,
			  char *why, size_t n)
{
	(void)p;
	(void)request_id;
	(void)original;
	(void)reason;
	(void)out;
	(void)xml;
	(void)xml_len;
	snprintf(why, n, "the harness reverses nothing");
	return CA_ERR_FORBIDDEN;
}

static struct tax_provider fz_tax = { "fuzz", fzt_issue, fzt_reverse };

/* The customer pays order no at the provider (set-up). */
static void fzp_pay(const char *no)
{
	struct pay_order *o;

	pthread_mutex_lock(&fzp.mu);
	o = fzp_find(no);
	if (o && o->state == PAY_NOTPAY) {
		o->state = PAY_SUCCESS;
		o->paid_s = vclock_now_s();
	}
	pthread_mutex_unlock(&fzp.mu);
	if (!o)
		die("set-up: the provider has no order %s", no);
}

/* The hub under test and what the harness knows of it. */
static struct hub hub;
static struct http *server;
static int port;
static unsigned long long nonce_seq;     /* X-CA-Nonce of the next signed request */
static char trade_a[PAY_TRADE_NO_MAX + 1]; /* @@TRADE@@ */
static char inv_token[HUBDB_INV_TOKEN_MAX + 1]; /* @@INVTOKEN@@ */
static char pdf_key[HUBDB_INV_TOKEN_MAX + 1];   /* @@PDFKEY@@ */
static char data_dir[256];               /* the hub's, temporary */
/* The staff member's token the inputs' Bearer carries (setup_world). */
static char staff_token[65];
static char device_id[HUBDB_DEVICE_MAX + 1]; /* the device that signs: FZ_DEVICE[-N] */
static int device_gen;                   /* N: how many were disabled by inputs */
static bool invoice_gone;                /* the hub refused a new invoice token */
static int idle_threads;                 /* threads of the process with the hub idle,
					    0 until the first input */

/* One answer read from the hub. */
struct answer {
	char *buf;    /* bytes, NUL-terminated, owned */
	size_t len;   /* bytes read */
};

/* Remove the hub's temporary directory (at exit, or before an abort). */
static void remove_dir(void)
{
	static const char *const names[] = { "hub.db", "hub.db-wal", "hub.db-shm", "admin.token" };
	char path[512];
	size_t i;

	if (!data_dir[0])
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", data_dir, names[i]);
		unlink(path);
	}
	rmdir(data_dir);
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_hubreq: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	remove_dir();
	abort();
}

/* ---- building the request ---- */

/* Growable byte buffer of the request as sent. */
struct buf {
	char *p;      /* bytes, owned */
	size_t len;   /* used */
	size_t cap;   /* allocated */
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			die("out of memory");
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* data with each placeholder replaced by its value (into out). */
static void substitute(const uint8_t *data, size_t size, struct buf *out)
{
	static const struct { const char *name; const char *value; } ph[] = {
		{ "@@TRADE@@", trade_a },
		{ "@@INVTOKEN@@", inv_token },
		{ "@@PDFKEY@@", pdf_key },
	};
	size_t i = 0, k;

	while (i < size) {
		const uint8_t *at = memchr(data + i, '@', size - i);

		if (!at) {
			buf_add(out, data + i, size - i);
			return;
		}
		buf_add(out, data + i, (size_t)(at - (data + i)));
		i = (size_t)(at - data);
		for (k = 0; k < sizeof(ph) / sizeof(ph[0]); k++) {
			size_t n = strlen(ph[k].name);

			if (size - i >= n && memcmp(data + i, ph[k].name, n) == 0) {
				buf_add(out, ph[k].value, strlen(ph[k].value));
				i += n;
				break;
			}
		}
		if (k == sizeof(ph) / sizeof(ph[0]))
			buf_add(out, data + i++, 1);
	}
}

/*
 * The request to send for flags and raw (see the file comment) into out.
 * raw is the request after substitution; method and target come from its
 * first line, the body is what follows the first blank line.
 */
static void build(unsigned flags, const struct buf *raw, struct buf *out)
{
	const char *p = raw->p ? raw->p : "", *nl, *sp, *t, *end, *body = "";
	char method[32], *target = NULL, head[FZ_HEAD_MAX], sig[SIGN_HEX_LEN + 1];
	char nonce[SIGN_NONCE_LEN + 1];
	size_t len = raw->len, line, hlen = 0, blen = 0;
	int64_t ts;

	nl = memchr(p, '\n', len);
	line = nl ? (size_t)(nl - p) + 1 : len;
	end = memmem(p, len, "\r\n\r\n", 4);
	if (end) {
		body = end + 4;
	} else if ((end = memmem(p, len, "\n\n", 2)) != NULL) {
		body = end + 2;
	}
	if (end)
		blen = len - (size_t)(body - p);
	head[0] = '\0';
	if ((flags & 3) == 1)
		hlen += (size_t)snprintf(head + hlen, sizeof(head) - hlen,
					 "Authorization: Bearer %s\r\n",
					 staff_token[0] ? staff_token : hub.admin_token);
	if ((flags & 3) >= 2) {
		/* METHOD SP TARGET [SP VERSION] on the first line. */
		sp = memchr(p, ' ', line);
		t = sp ? sp + 1 : NULL;
		if (sp && (size_t)(sp - p) < sizeof(method)) {
			size_t tl = strcspn(t, " \r\n");

			memcpy(method, p, (size_t)(sp - p));
			method[sp - p] = '\0';
			target = strndup(t, tl);
		}
		snprintf(nonce, sizeof(nonce), "%032llx", ++nonce_seq);
		ts = vclock_now_s();
		if (target && sign_request(FZ_SECRET, method, target, ts, nonce, body, blen, sig) ==
			       CA_OK)
			hlen += (size_t)snprintf(head + hlen, sizeof(head) - hlen,
						 "X-CA-Device: %s\r\nX-CA-Timestamp: %lld\r\n"
						 "X-CA-Nonce: %s\r\nX-CA-Signature: %s\r\n",
						 device_id, (long long)ts, nonce, sig);
		free(target);
	}
	if ((flags & 3) == 3)
		hlen += (size_t)snprintf(head + hlen, sizeof(head) - hlen,
					 "X-CA-Session: %s\r\n", FZ_SESSION);
	if (flags & 4)
		hlen += (size_t)snprintf(head + hlen, sizeof(head) - hlen,
					 "Content-Length: %zu\r\n", blen);
	buf_add(out, p, line);
	if (!nl && hlen) {
		/* One line only: make it a whole head with ours. */
		buf_add(out, "\r\n", 2);
		buf_add(out, head, hlen);
		buf_add(out, "\r\n", 2);
		return;
	}
	buf_add(out, head, hlen);
	buf_add(out, p + line, len - line);
}

/* ---- talking to the hub ---- */

/* Send req on a new connection, half-close, read until the hub closes. */
static void exchange(const char *req, size_t len, struct answer *a)
{
	struct sockaddr_in sa;
	int64_t deadline;
	size_t off = 0, cap = 65536;
	int fd;

	a->buf = malloc(cap);
	a->len = 0;
	if (!a->buf)
		die("out of memory");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	deadline = ca_mono_ms() + FZ_ANSWER_MS;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		/* libFuzzer's timer (SIGALRM) may interrupt it: the connection
		 * goes on, its outcome comes with writability. */
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int soerr = errno;
		socklen_t sl = sizeof(soerr);

		if (errno == EINTR) {
			while (poll(&pfd, 1, FZ_ANSWER_MS) < 0 && errno == EINTR)
				;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
				soerr = errno;
		}
		if (soerr)
			die("connect to the hub: %s", strerror(soerr));
	}
	/* The hub may answer and close before it has read everything (413):
	 * a failed write ends the sending, the answer is still read. */
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - ca_mono_ms();
		ssize_t n;

		int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0 && a->len)
			die("the hub answered (%zu bytes) but did not close the connection, "
			    "half-closed by the client, within %d ms; answer:\n%.*s\nrequest:\n%.*s",
			    a->len, FZ_ANSWER_MS, (int)(a->len > 2000 ? 2000 : a->len), a->buf,
			    (int)(len > 2000 ? 2000 : len), req);
		if (pr == 0)
			die("no answer and no close within %d ms; request:\n%.*s", FZ_ANSWER_MS,
			    (int)(len > 2000 ? 2000 : len), req);
		if (a->len + 1 >= cap) {
			if (cap >= FZ_ANSWER_MAX)
				die("answer over %d bytes", FZ_ANSWER_MAX);
			cap *= 2;
			a->buf = realloc(a->buf, cap);
			if (!a->buf)
				die("out of memory");
		}
		n = read(fd, a->buf + a->len, cap - a->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* close, or a reset after an early answer */
		a->len += (size_t)n;
	}
	a->buf[a->len] = '\0';
	close(fd);
}

/* Threads of this process now (field 20 of /proc/self/stat), -1 unknown. */
static int threads_now(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), i;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	for (i = 2; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

/*
 * Wait (FZ_SETTLE_MS at most) until the hub runs no more threads than when
 * it was idle: a server with a thread per connection frees that thread's
 * state (OpenSSL's error queue, ...) as the thread ends, just after the
 * close the harness saw, and LeakSanitizer would take what it holds in
 * the meantime for a leak. A server with a fixed pool returns at once.
 */
static void settle(void)
{
	int64_t until = ca_mono_ms() + FZ_SETTLE_MS;

	while (threads_now() > idle_threads && ca_mono_ms() < until)
		usleep(200);
}

/* ---- checking what came back ---- */

/* One parsed response of an answer. */
struct resp {
	int status;          /* status code */
	const char *body;    /* into the answer */
	size_t body_len;     /* bytes of body */
	bool json, html;     /* the hub's own Content-Types */
	bool date, no_store; /* Date, Cache-Control: no-store */
};

__attribute__((noreturn))
static void bad_answer(const struct answer *a, size_t at, const char *why)
{
	die("malformed answer at byte %zu: %s\n%.*s", at, why,
	    (int)(a->len > 4000 ? 4000 : a->len), a->buf);
}

/* Whether [s, s + n) is a header field name (an RFC 9110 token). */
static bool is_token(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("!#$%&'*+-.^_`|~", s[i]) && !(s[i] >= '0' && s[i] <= '9') &&
		    !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
			return false;
	return true;
}

/* Parse the response at a->buf + *at into r and move *at past it. */
static void parse_response(const struct answer *a, size_t *at, struct resp *r)
{
	const char *p = a->buf + *at, *end = a->buf + a->len, *eol, *colon, *v;
	size_t rest, clen = 0;
	int ncl = 0;

	memset(r, 0, sizeof(r[0]));
	if ((size_t)(end - p) < 13 || (memcmp(p, "HTTP/1.1 ", 9) != 0 &&
				       memcmp(p, "HTTP/1.0 ", 9) != 0))
		bad_answer(a, *at, "no HTTP/1.x status line");
	if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' ||
	    p[11] > '9' || p[12] != ' ')
		bad_answer(a, *at, "bad status code");
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	for (;;) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			bad_answer(a, (size_t)(p - a->buf), "head not ended by CRLF CRLF");
		if (eol == p)
			break;
		if (p != a->buf + *at) {
			/* A header line: token ":" value without controls. */
			colon = memchr(p, ':', (size_t)(eol - p));
			if (!colon || !is_token(p, (size_t)(colon - p)))
				bad_answer(a, (size_t)(p - a->buf), "bad header name");
			for (v = colon + 1; v < eol; v++)
				if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
					bad_answer(a, (size_t)(v - a->buf), "control in header");
			v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
#define IS(name) ((size_t)(colon - p) == strlen(name) && !strncasecmp(p, name, strlen(name)))
			if (IS("Content-Length")) {
				char *e;

				ncl++;
				clen = (size_t)strtoull(v, &e, 10);
				if (e == v || e != eol)
					bad_answer(a, (size_t)(v - a->buf), "bad Content-Length");
			} else if (IS("Transfer-Encoding")) {
				bad_answer(a, (size_t)(p - a->buf), "the hub never sends chunks");
			} else if (IS("Content-Type")) {
				r->json = !strncmp(v, "application/json", 16);
				r->html = !strncmp(v, "text/html", 9);
			} else if (IS("Date")) {
				r->date = true;
			} else if (IS("Cache-Control")) {
				r->no_store = (size_t)(eol - v) == 8 && !memcmp(v, "no-store", 8);
			}
#undef IS
		}
		p = eol + 2;
	}
	p += 2;
	rest = (size_t)(end - p);
	if (ncl > 1)
		bad_answer(a, *at, "Content-Length twice");
	if (!ncl) {
		/* Only MHD's own answers end at the close. */
		clen = rest;
	} else if (clen > rest || (clen && rest >= 7 && !memcmp(p, "HTTP/1.", 7))) {
		/* Nothing or the next response after the head: the answer to HEAD. */
		if (rest && memcmp(p, "HTTP/1.", rest < 7 ? rest : 7) != 0)
			bad_answer(a, (size_t)(p - a->buf), "body shorter than Content-Length");
		clen = 0;
	}
	r->body = p;
	r->body_len = clen;
	*at = (size_t)(p - a->buf) + clen;
}

/* Abort unless the answer is zero or more well-formed responses. */
static void check_answer(const struct answer *a)
{
	size_t at = 0;
	struct resp r;

	while (at < a->len) {
		parse_response(a, &at, &r);
		if (!r.json && !r.html)
			continue; /* libmicrohttpd's own (400, 413, 431, 505, ...) */
		if (!r.date || !r.no_store)
			bad_answer(a, at, "a hub response without Date or Cache-Control: no-store");
		if (r.status == 500)
			bad_answer(a, at, "500 from the hub");
		if (r.json && r.body_len) {
			json_error_t je;
			json_t *j = json_loadb(r.body, r.body_len, 0, &je), *e;

			if (!json_is_object(j))
				bad_answer(a, at, "body is not a JSON object");
			e = json_object_get(j, "error");
			if (r.status >= 400 &&
			    (!json_is_string(json_object_get(e, "code")) ||
			     !json_is_string(json_object_get(e, "message"))))
				bad_answer(a, at, "error without error.code and error.message");
			json_decref(j);
		}
	}
}

/* ---- setting the hub up ---- */

/* One request during set-up: flags as an input's; the answer's body parsed
 * (new reference) after its status was checked to be want. want 0: any
 * status, NULL unless it is 200. */
__attribute__((format(printf, 3, 4)))
static json_t *setup_call(unsigned flags, int want, const char *fmt, ...)
{
	struct buf raw = { 0 }, req = { 0 };
	struct answer a;
	struct resp r;
	size_t at = 0;
	char *text;
	va_list ap;
	json_t *j;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	buf_add(&raw, text, (size_t)n);
	build(flags | 4, &raw, &req);
	exchange(req.p, req.len, &a);
	check_answer(&a);
	parse_response(&a, &at, &r);
	if (want && r.status != want)
		die("set-up: %d, not %d, for\n%s\n%s", r.status, want, text, a.buf);
	j = r.status == 200 ? json_loadb(r.body, r.body_len, 0, NULL) : NULL;
	free(a.buf);
	free(text);
	free(raw.p);
	free(req.p);
	return j || !want ? j : json_object();
}

#define HOST "Host: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n"

/* Push op of app as device (flags 2): the record's result must be 200. */
static void setup_push(const struct ca_app *app, const char *key, const char *op)
{
	json_t *rec = json_pack("{s:s, s:s, s:I, s:o, s:n}", "key", key, "op", op, "at_ms",
				(json_int_t)1795000000000, "app", codec_app_encode(app), "arg");
	char *text = json_dumps(rec, JSON_COMPACT);
	json_t *j = setup_call(2, 200, "POST /v1/records HTTP/1.1\r\n" HOST "{\"records\":[%s]}",
			       text);
	json_t *res = json_array_get(json_object_get(j, "results"), 0);

	if (json_integer_value(json_object_get(res, "status")) != 200)
		die("set-up: %s of %s: %s", op, app->id, json_dumps(res, 0));
	json_decref(j);
	json_decref(rec);
	free(text);
}

/*
 * Make sure the device signs and the session lives (first: make them). An
 * input may have disabled the device (POST /v1/admin/devices/ID/disable):
 * then a new one, FZ_DEVICE-N, takes its place with the same secret, the
 * session and the binding of FZ_PHONE.
 */
static void identity(bool first)
{
	struct hubdb_device d;
	char account[12], dev[HUBDB_DEVICE_MAX + 1];
	int64_t now = vclock_now_s(), expires;
	ca_err e;

	if (!first) {
		e = hubdb_device_get(hub.db, device_id, &d);
		if (e == CA_OK && d.enabled &&
		    hubdb_session_get(hub.db, FZ_SESSION, account, dev, &expires) == CA_OK &&
		    !strcmp(dev, device_id) && expires > now + 3600)
			return;
		/* The next FZ_DEVICE-N that no input has added. */
		while (e == CA_OK && !d.enabled) {
			snprintf(device_id, sizeof(device_id), "%s-%d", FZ_DEVICE, ++device_gen);
			if (hubdb_device_get(hub.db, device_id, &d) == CA_OK)
				d.enabled = false;
		}
	}
	e = hubdb_device_get(hub.db, device_id, &d);
	if (e == CA_ERR_NOT_FOUND)
		e = hubdb_device_add(hub.db, device_id, FZ_SECRET, now);
	if (e || hubdb_begin(hub.db))
		die("cannot provision device %s", device_id);
	if (hubdb_session_put(hub.db, FZ_SESSION, FZ_PHONE, device_id, INT64_MAX / 4) ||
	    hubdb_bind(hub.db, device_id, FZ_PHONE, now) || hubdb_commit(hub.db))
		die("cannot make the session of %s", device_id);
}

/* An approved application of FZ_PHONE with id. */
static void setup_approved(const char *id, const char *key)
{
	struct ca_app app;
	char k[64];

	fixture_app(&app);
	snprintf(app.id, sizeof(app.id), "%s", id);
	snprintf(app.account, sizeof(app.account), "%s", FZ_PHONE);
	snprintf(k, sizeof(k), "%s-save", key);
	setup_push(&app, k, "save");
	snprintf(k, sizeof(k), "%s-submit", key);
	setup_push(&app, k, "submit");
	json_decref(setup_call(1, 200, "POST /v1/admin/apps/%s/act HTTP/1.1\r\n" HOST
			       "{\"op\":\"approve\",\"staff\":\"fuzz\"}", id));
}

/* A new order of id (method as JSON members); its number into no. */
static void setup_order(const char *id, const char *method, char no[PAY_TRADE_NO_MAX + 1])
{
	json_t *j = setup_call(3, 200, "POST /v1/pay/orders HTTP/1.1\r\n" HOST
			       "{\"app_id\":\"%s\",%s}", id, method);
	const char *s = json_string_value(json_object_get(j, "out_trade_no"));

	if (!s || strlen(s) > PAY_TRADE_NO_MAX)
		die("set-up: no out_trade_no");
	snprintf(no, PAY_TRADE_NO_MAX + 1, "%s", s);
	json_decref(j);
}

/*
 * Make sure @@INVTOKEN@@ and @@PDFKEY@@ open FZ_APP_B's invoice page and
 * PDF (first: make them): inputs lock the token with wrong company names,
 * and the clock moves past its life or the PDF link's. Then a new token
 * (POST /v1/invoices/ID/token) and the right name make a new PDF key, as a
 * person would. False when the hub refused (an input changed too much).
 */
static bool invoice_page(bool first)
{
	struct hubdb_inv_token t;
	const char *url, *tok;
	int64_t now = vclock_now_s();
	json_t *j;

	if (!first && hubdb_inv_token_get(hub.db, inv_token, &t) == CA_OK &&
	    t.tries < hub.cfg.invoice_max_attempts && t.expires_s > now + 60 && t.pdf_key[0] &&
	    t.pdf_expires_s > now + 60)
		return true;
	j = setup_call(3, first ? 200 : 0, "POST /v1/invoices/%s/token HTTP/1.1\r\n" HOST,
		       FZ_APP_B);
	url = json_string_value(json_object_get(j, "url"));
	tok = url ? strstr(url, "/invoice/") : NULL;
	if (!tok || strlen(tok + 9) > HUBDB_INV_TOKEN_MAX) {
		json_decref(j);
		return false;
	}
	snprintf(inv_token, sizeof(inv_token), "%s", tok + 9);
	json_decref(j);
	/* The right company name opens the preview and makes the PDF key. */
	json_decref(setup_call(0, first ? 200 : 0, "POST /invoice/%s HTTP/1.1\r\n"
			       "Host: 127.0.0.1\r\n"
			       "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
			       "company=%%E6%%B1%%9F%%E8%%8B%%8F%%E5%%9B%%BD%%E6%%B3%%B0%%E6%%96"
			       "%%B0%%E7%%82%%B9%%E8%%BD%%AF%%E4%%BB%%B6%%E6%%9C%%89%%E9%%99%%90"
			       "%%E5%%85%%AC%%E5%%8F%%B8", inv_token));
	if (hubdb_inv_token_get(hub.db, inv_token, &t) || !t.pdf_key[0])
		return false;
	snprintf(pdf_key, sizeof(pdf_key), "%s", t.pdf_key);
	return true;
}

/* The hub's world for the inputs (see the file comment). */
static void setup_world(void)
{
	char trade_b[PAY_TRADE_NO_MAX + 1];
	json_t *j;

	/* A staff member with every role, made with the host's token; from
	 * here on the inputs' Bearer (flags 1) is this member's token. */
	json_decref(setup_call(1, 200, "POST /v1/admin/staff HTTP/1.1\r\n" HOST
			       "{\"name\":\"fuzz\",\"display\":\"模糊测试\",\"roles\":\"all\","
			       "\"password\":\"fuzz-password-1\"}"));
	j = setup_call(0, 200, "POST /v1/admin/login HTTP/1.1\r\n" HOST
		       "{\"name\":\"fuzz\",\"password\":\"fuzz-password-1\"}");
	if (!json_is_string(json_object_get(j, "token")))
		die("set-up: no staff token");
	snprintf(staff_token, sizeof(staff_token), "%s",
		 json_string_value(json_object_get(j, "token")));
	json_decref(j);
	snprintf(device_id, sizeof(device_id), "%s", FZ_DEVICE);
	identity(true);

	setup_approved(FZ_APP_A, "a");
	setup_order(FZ_APP_A, "\"method\":\"bank\",\"bank\":\"icbc\"", trade_a);

	setup_approved(FZ_APP_B, "b");
	setup_order(FZ_APP_B, "\"method\":\"wechat\"", trade_b);
	fzp_pay(trade_b);
	json_decref(setup_call(3, 200, "GET /v1/pay/orders/%s HTTP/1.1\r\n" HOST, trade_b));
	json_decref(setup_call(1, 200, "POST /v1/admin/apps/%s/act HTTP/1.1\r\n" HOST
			       "{\"op\":\"issue_invoice\",\"staff\":\"fuzz\"}", FZ_APP_B));
	hubinv_run(hub.inv); /* the platform issues it */
	if (!invoice_page(true))
		die("set-up: no invoice token or PDF key");
}

/*
 * Remove the directories under tmp that runs of this fuzzer left when they
 * ended without exit handlers (a crash, a leak report, a signal): their
 * names carry the pid, and that process is gone.
 */
static void remove_stale(const char *tmp)
{
	char saved[sizeof(data_dir)];
	struct dirent *de;
	DIR *d = opendir(tmp);
	int pid;

	if (!d)
		return;
	memcpy(saved, data_dir, sizeof(saved));
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "fuzz-hubreq-%d-", &pid) != 1 || pid <= 0 ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(data_dir, sizeof(data_dir), "%s/%s", tmp, de->d_name);
		remove_dir();
	}
	closedir(d);
	memcpy(data_dir, saved, sizeof(saved));
}

/* Make dir (a fresh temporary directory) and write the admin token. */
static void setup_dir(char *dir, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	struct stat sb;
	char path[512];
	FILE *f;

	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
		tmp = "/dev/shm";
	if (!tmp || !*tmp)
		tmp = "/tmp";
	remove_stale(tmp);
	snprintf(dir, n, "%s/fuzz-hubreq-%d-XXXXXX", tmp, (int)getpid());
	if (!mkdtemp(dir))
		die("mkdtemp %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/admin.token", dir);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", FZ_ADMIN) < 0 || fclose(f) != 0)
		die("%s: cannot write", path);
	chmod(path, 0600);
}

/* Stop the hub and remove its directory at exit. */
static void cleanup(void)
{
	http_free(server);
	server = NULL;
	hubpay_free(hub.pay);
	hubinv_free(hub.inv);
	hub.inv = NULL;
	hub.pay = NULL;
	hubdb_close(hub.db);
	hub.db = NULL;
	sms_free(hub.sms);
	hub.sms = NULL;
	remove_dir();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *lvl = getenv("FUZZ_HUBREQ_LOG");
	char err[HUBCFG_ERR_MAX], path[512];
	struct http_opts ho;
	int b, t;

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_set_level(lvl && log_level_from_name(lvl) >= 0 ?
		      (enum log_level)log_level_from_name(lvl) : LOG_ERROR);
	setup_dir(data_dir, sizeof(data_dir));
	atexit(cleanup);

	hubcfg_defaults(&hub.cfg);
	hub.cfg.mode = HUB_MODE_DEV;
	hub.cfg.port = 0;
	snprintf(hub.cfg.data_dir, sizeof(hub.cfg.data_dir), "%s", data_dir);
	for (b = 0; b < CA_BIZ__N; b++)
		for (t = 0; t < CA_CERT__N; t++)
			hub.cfg.price_fen[b][t] = 30000;
	hub.virtual_clock = true;
	vclock_enable(true);
	if (sms_open(&hub.cfg, &hub.sms, err, sizeof(err)) ||
	    auth_token_init(data_dir, hub.admin_token, err, sizeof(err)))
		die("set-up: %s", err);
	if (strcmp(hub.admin_token, FZ_ADMIN) != 0)
		die("the admin token is not the one written");
	snprintf(path, sizeof(path), "%s/hub.db", data_dir);
	if (hubdb_open(path, &hub.db, err, sizeof(err)))
		die("%s", err);
	server = http_new(&hub);
	hub.http = server;
	if (!server || hubpay_new(&hub, &hub.pay) || hubinv_new(&hub, &hub.inv))
		die("cannot set up payments and invoices");
	hubinv_use_provider(hub.inv, &fz_tax);
	hubpay_use_provider(hub.pay, PAY_WECHAT, &fz_provider);
	hubpay_use_provider(hub.pay, PAY_BANK, &fz_provider);
	if (api_admin_register(server, hub.cfg.mode) ||
	    api_login_register(server) || api_records_register(server) ||
	    api_feed_register(server) || api_pay_register(server, hub.cfg.mode) ||
	    api_pages_register(server) || api_invoice_register(server) ||
	    api_fleet_register(server) || api_staff_register(server))
		die("cannot set up the routes");
	memset(&ho, 0, sizeof(ho));
	ho.listen = "127.0.0.1";
	ho.port = 0;
	ho.tls = false;
	ho.max_connections = hub.cfg.max_connections;
	ho.per_address = hub.cfg.per_address_connections;
	ho.timeout_s = hub.cfg.connection_timeout_s;
	ho.request_timeout_s = hub.cfg.request_timeout_s;
	/* One server thread: inputs replay the same way every time. */
	ho.threads = 1;
	if (http_start(server, &ho, err, sizeof(err)))
		die("%s", err);
	port = http_port(server);
	idle_threads = threads_now();
	setup_world();
	settle();
	idle_threads = 0; /* measured again at the first input */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf raw = { 0 }, req = { 0 };
	struct answer a;

	/* libFuzzer starts its own thread (the RSS limit's) after the set-up,
	 * which ended with the hub idle. */
	if (!idle_threads)
		idle_threads = threads_now();
	if (size < 1)
		return 0;
	substitute(data + 1, size - 1, &raw);
	build(data[0], &raw, &req);
	exchange(req.p ? req.p : "", req.len, &a);
	settle();
	check_answer(&a);
	identity(false);
	if (!invoice_gone && !invoice_page(false))
		invoice_gone = true; /* the inputs keep the last token and key */
	free(a.buf);
	free(raw.p);
	free(req.p);
	return 0;
}
