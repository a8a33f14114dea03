/*
 * test_paysim.c - ca-paysim (tools/paysim, docs/paysim.md) as a real
 * process over real TLS on 127.0.0.1 with its real SQLite books; keys and
 * certificates made by the openssl command line; requests signed and
 * every answer's signature checked with src/hub/wxsign; notifications
 * taken by a small HTTPS receiver of the test's own (libmicrohttpd) that
 * checks their signature and decrypts them. It pins:
 *   - every refusal of the table in docs/paysim.md, with its status and code;
 *   - a create/query/close/refund round trip; a create repeated (same
 *     code_url) and with other content (OUT_TRADE_NO_USED); refunds
 *     idempotent by out_refund_no; the customer paying through /sim/pay and
 *     `ca-paysim pay` and refused (expired once the clock file moves,
 *     closed, paid);
 *   - notifications: the probe of a new notify_url (refused by a correct
 *     merchant, a merchant fault when taken), a payment's notification
 *     retried on the scaled schedule, its duplicate, given up after 15
 *     retries; notify_hold; kill -9 and a start again keep the books and
 *     deliver what was owed;
 *   - the bank gateway (/gateway/): every refusal of frontTransReq (a form
 *     that does not verify, a wrong field, an orderId used with other
 *     content, a payTimeout past), of /gateway/pay (a wrong token, past
 *     payTimeout, paid), of queryTrans and of backTransReq (respCode 11,
 *     30, 34, 12), each answer signed by the gateway; the browser's way
 *     with `ca-paysim pay` against a merchant page served by the test,
 *     whose signed back notification is retried on the scaled schedule;
 *     refunds idempotent by their orderId; bank_query_fail and
 *     bank_notify_hold; /sim/orders for a bank order; the gateway off
 *     without its options (404), and half of its options refused;
 *   - injected faults; every limit of tools/paysim reached, most of them
 *     from both sides: a body (declared and in chunks), the head, the
 *     target, every field's length (WeChat Pay's and the gateway's, the
 *     echo of a refused form's fields), connections, idle connections,
 *     the nonce cache, the books (orders of both kinds), refunds of a
 *     WeChat Pay order and of a bank payment, a delivery that gets no
 *     answer (5 s), a clock file of 33 bytes or no number, a PEM file
 *     over 256 KiB, every option's range and length; `ca-paysim pay`'s
 *     URL, a form's action, a page (64 KiB) and an answer (4 KiB), each
 *     refused saying why (exit 2, or 0 when paid already); SIGTERM ends it
 *     with exit 0.
 *
 * Not here: /sim/ answers loopback clients only, and every client of a
 * test is on loopback (the traffic must stay on 127.0.0.1 and ::1), so
 * that refusal (403 FORBIDDEN) is reached by no test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "hub/upsign.h"
#include "hub/wxsign.h"
#include "../support/membuf.h"
#include "../support/scratch.h"
#include "../support/tmpdir.h"

#define MCHID "1900000001"
#define APPID "wxd678efh567hg6787"
#define PLATFORM_ID "PUB_KEY_ID_0114232134912410000000000000000000"
#define SCALE 1000 /* the retry schedule in ms: 15, 15, 30, 180 ... */
#define PATHLEN 512

/* The keys and certificates of the whole run (the openssl CLI's). */
static const char keys_script[] =
	"set -e\n"
	"K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	"openssl req -x509 $K -keyout ca.key -out ca.pem -days 3 -subj /CN=paysim-test-ca\n"
	"openssl req $K -keyout srv.key -out srv.csr -subj /CN=127.0.0.1\n"
	"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > srv.ext\n"
	"openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem"
	" -days 3 -extfile srv.ext\n"
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout merchant.key -out merchant.pem"
	" -days 3 -subj /CN=1900000001\n"
	"openssl x509 -in merchant.pem -serial -noout | sed 's/^serial=//' > merchant.serial\n"
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 3"
	" -subj /CN=other\n"
	"openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out platform.key\n"
	"openssl pkey -in platform.key -pubout -out platform.pub\n"
	"head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' | head -c 32 > apiv3.key\n"
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout bmch.key -out bmch.pem -days 3"
	" -subj /CN=777290058110048 -set_serial 69026276696\n"
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout bgw.key -out bgw.pem -days 3"
	" -subj /CN=gateway -set_serial 69042905377\n";

#define BANK_MER "777290058110048"
#define BANK_MCH_CID "69026276696"
#define BANK_GW_CID "69042905377"

/* One simulator process. */
struct sim {
	char data[PATHLEN];   /* its --data */
	char log[PATHLEN];    /* its stderr */
	char clock[PATHLEN];  /* its --clock-file */
	char url[64];         /* https://127.0.0.1:PORT */
	int port;             /* where it listens */
	pid_t pid;            /* running, 0 when not */
	int64_t offset_ms;    /* what the clock file says */
	const char *extra[12]; /* more arguments (NULL-terminated) */
	int exit_status;      /* when it exited at start */
	bool bank;            /* with the bank gateway's options */
	char bank_paths[2][PATHLEN]; /* its merchant certificate, its own key */
};

/* One received notification. */
struct rec {
	int64_t mono_ms;         /* when it arrived */
	char path[64];           /* the notify_url's path */
	bool probe;              /* its signature was a probe */
	bool verified;           /* signature held and the resource decrypted */
	char id[64];             /* the body's id */
	char no[33];             /* the resource's out_trade_no */
	char state[16];          /* the resource's trade_state */
	int answered;            /* what the receiver answered */
};

#define RECS_MAX 512
#define POLICIES_MAX 64

/* The test's HTTPS receiver of notifications. */
static struct {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	struct rec recs[RECS_MAX];
	int nrecs;
	struct { char no[33]; int fail; } policy[POLICIES_MAX]; /* answer 500 this often first */
	int npolicies;
} rx = { .mu = PTHREAD_MUTEX_INITIALIZER };

static char dir[256];         /* the run's directory */
static char bin[PATHLEN];     /* build/ca-paysim */
static char *merchant_key, *platform_pub, *srv_cert, *srv_key, *other_key;
static char *bank_key, *bank_gw_cert; /* the bank merchant's key, the gateway's certificate */
static char apiv3[33];
static char serial[80];
static struct sim main_sim;
static int order_seq;
static char pay_err[PATHLEN]; /* the stderr of the last `ca-paysim pay` */

/* ---- files and processes ---- */

/* The sim's clock now (what the tests sign with). */
static int64_t sim_now_s(const struct sim *s)
{
	return (ca_wall_ms() + s->offset_ms) / 1000;
}

/* Move s's clock to offset ms. */
static void sim_clock(struct sim *s, int64_t offset_ms)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld\n", (long long)offset_ms);
	assert_int_equal(tmpdir_put(s->clock, text), 0);
	s->offset_ms = offset_ms;
}

struct resp {
	long status;
	char *body;
	json_t *j;
	char ts[32], nonce[80], sig[WXSIGN_SIG_MAX + 8], serial[80];
};

static size_t on_body(char *d, size_t sz, size_t m, void *ud)
{
	return membuf_add(ud, d, sz * m) ? 0 : sz * m;
}

static size_t on_header(char *d, size_t sz, size_t m, void *ud)
{
	static const struct { const char *name; size_t off, size; } kept[] = {
		{ "Wechatpay-Timestamp: ", offsetof(struct resp, ts), sizeof(((struct resp *)0)->ts) },
		{ "Wechatpay-Nonce: ", offsetof(struct resp, nonce), sizeof(((struct resp *)0)->nonce) },
		{ "Wechatpay-Signature: ", offsetof(struct resp, sig), sizeof(((struct resp *)0)->sig) },
		{ "Wechatpay-Serial: ", offsetof(struct resp, serial),
		  sizeof(((struct resp *)0)->serial) },
	};
	struct resp *r = ud;
	size_t n = sz * m, i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		size_t k = strlen(kept[i].name);
		char *to = (char *)r + kept[i].off;

		if (n > k && !strncasecmp(d, kept[i].name, k)) {
			snprintf(to, kept[i].size, "%.*s", (int)(n - k), d + k);
			to[strcspn(to, "\r\n")] = '\0';
		}
	}
	return n;
}

/* How a v3 request is signed. */
enum auth {
	AUTH_OK,           /* as the merchant signs */
	AUTH_NONE,         /* no Authorization */
	AUTH_GARBAGE,      /* malformed */
	AUTH_BAD_SIG,      /* the signature changed */
	AUTH_OTHER_KEY,    /* signed with another key */
	AUTH_OTHER_SERIAL, /* another serial_no */
	AUTH_OLD,          /* the time 6 minutes ago */
	AUTH_FUTURE,       /* the time 6 minutes ahead */
	AUTH_OTHER_MCHID,  /* another mchid in the header */
};

/* One request to s; nonce NULL: a fresh one; the body sent with its
 * length, or in chunks (no length declared). */
static void call_as(struct sim *s, enum auth how, const char *nonce, const char *method,
		    const char *target, const char *body, bool chunked, struct resp *r)
{
	char *url = malloc(strlen(s->url) + strlen(target) + 1), n[40], *msg = NULL, sig[WXSIGN_SIG_MAX], auth[1200], h[1300];
	int64_t ts = sim_now_s(s) + (how == AUTH_OLD ? -360 : how == AUTH_FUTURE ? 360 : 0);
	struct membuf b = { 0 };
	struct curl_slist *hl = NULL;
	CURL *cu = curl_easy_init();

	memset(r, 0, sizeof(*r));
	snprintf(n, sizeof(n), "%s", nonce ? nonce : "");
	if (!nonce)
		snprintf(n, sizeof(n), "N%08x%08x%08x", (unsigned)rand(), (unsigned)rand(),
			 (unsigned)ca_mono_us());
	assert_int_equal(wxsign_request_message(method, target, ts, n, body ? body : "", &msg), 0);
	assert_int_equal(wxsign_sign(how == AUTH_OTHER_KEY ? other_key : merchant_key, msg,
				     strlen(msg), sig, NULL, 0), 0);
	free(msg);
	if (how == AUTH_BAD_SIG)
		sig[10] = sig[10] == 'A' ? 'B' : 'A';
	assert_int_equal(wxsign_authorization(auth, sizeof(auth), how == AUTH_OTHER_MCHID
					      ? "1900000002" : MCHID, n, ts,
					      how == AUTH_OTHER_SERIAL ? "0A0B0C" : serial, sig), 0);
	if (how == AUTH_GARBAGE)
		snprintf(auth, sizeof(auth), WXSIGN_SCHEME " mchid=\"" MCHID "\",nonce_str=x");
	if (how != AUTH_NONE) {
		snprintf(h, sizeof(h), "Authorization: %s", auth);
		hl = curl_slist_append(hl, h);
	}
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Accept: application/json");
	hl = curl_slist_append(hl, "Expect:");
	if (chunked)
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	assert_non_null(url);
	sprintf(url, "%s%s", s->url, target);
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	if (body) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
		if (!chunked)
			curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	snprintf(h, sizeof(h), "%s/ca.pem", dir);
	curl_easy_setopt(cu, CURLOPT_CAINFO, h);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, r);
	if (curl_easy_perform(cu) == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = b.p ? b.p : strdup("");
	r->j = json_loads(r->body, 0, NULL);
	curl_slist_free_all(hl);
	curl_easy_cleanup(cu);
	free(url);
}

/* call_as with the body's length declared. */
static void call(struct sim *s, enum auth how, const char *nonce, const char *method,
		 const char *target, const char *body, struct resp *r)
{
	call_as(s, how, nonce, method, target, body, false, r);
}

/* Every answer is signed with the platform key (wxsign_check_answer). */
static void assert_signed(const struct sim *s, const struct resp *r)
{
	char err[WXSIGN_ERR_MAX] = "";
	ca_err e = wxsign_check_answer(r->ts[0] ? r->ts : NULL, r->nonce[0] ? r->nonce : NULL,
				       r->sig[0] ? r->sig : NULL, r->serial[0] ? r->serial : NULL,
				       r->body, PLATFORM_ID, platform_pub, sim_now_s(s), err,
				       sizeof(err));

	if (e)
		fail_msg("answer %ld %s: signature refused: %s", r->status, r->body, err);
}

static void resp_free(struct resp *r)
{
	free(r->body);
	json_decref(r->j);
	memset(r, 0, sizeof(*r));
}

/* A signed v3 call that must answer status (and code, unless NULL). */
static void expect(struct sim *s, enum auth how, const char *method, const char *target,
		   const char *body, long status, const char *code, struct resp *out)
{
	struct resp r;
	const char *got;

	call(s, how, NULL, method, target, body, &r);
	assert_signed(s, &r);
	got = json_string_value(json_object_get(r.j, "code"));
	if (r.status != status || (code && (!got || strcmp(got, code))))
		fail_msg("%s %s: %ld %s, expected %ld %s", method, target, r.status, r.body,
			 status, code ? code : "");
	if (out)
		*out = r;
	else
		resp_free(&r);
}

static const char *str(json_t *j, const char *path1, const char *path2)
{
	json_t *v = json_object_get(j, path1);

	if (path2)
		v = json_object_get(v, path2);
	return json_string_value(v) ? json_string_value(v) : "";
}

/* A fresh order number. */
static void order_no(char out[33], const char *tag)
{
	snprintf(out, 33, "T%s%d%05d", tag, (int)(getpid() % 1000), ++order_seq);
}

/* A create body: expire_s from the sim's now, notify path on the receiver. */
static char *create_body(const struct sim *s, const char *no, long total, int64_t expire_s,
			 const char *npath)
{
	char t[40], url[128];
	time_t e = (time_t)(sim_now_s(s) + expire_s + 8 * 3600);
	struct tm tm;
	json_t *j;
	char *out;

	gmtime_r(&e, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S+08:00", &tm);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", rx.port, npath);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:i, s:s}}", "appid", APPID, "mchid",
		      MCHID, "description", "证书办理 CA-2026", "out_trade_no", no,
		      "time_expire", t, "notify_url", url, "amount", "total", (int)total,
		      "currency", "CNY");
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

/* Create an order; its code_url into code_url. */
static void create(struct sim *s, const char *no, long total, const char *npath,
		   char code_url[80])
{
	char *body = create_body(s, no, total, 300, npath);
	struct resp r;

	expect(s, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 200, NULL, &r);
	assert_true(!strncmp(str(r.j, "code_url", NULL), "weixin://wxpay/bizpayurl?pr=", 28));
	snprintf(code_url, 80, "%s", str(r.j, "code_url", NULL));
	resp_free(&r);
	free(body);
}

/* An unsigned /sim/ call. */
static void sim_call(struct sim *s, const char *method, const char *target, const char *body,
		     struct resp *r)
{
	call(s, AUTH_NONE, NULL, method, target, body, r);
}

/* The customer pays code_url; the /sim/pay status. */
static long pay(struct sim *s, const char *code_url, struct resp *out)
{
	char body[160];
	struct resp r;
	long st;

	snprintf(body, sizeof(body), "{\"code_url\": \"%s\"}", code_url);
	sim_call(s, "POST", "/sim/pay", body, &r);
	assert_signed(s, &r);
	st = r.status;
	if (out)
		*out = r;
	else
		resp_free(&r);
	return st;
}

/* Add the n options of opts ({ name, value } each) to argv at *at. */
static void argv_add(const char **argv, int *at, const char *const (*opts)[2], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		argv[(*at)++] = opts[i][0];
		argv[(*at)++] = opts[i][1];
	}
}

/* The simulators started and not reaped yet: killed at the end of the
 * run, so that a test failing half-way leaves none of its own running. */
static pid_t running[8];

/* Note pid as running (on), or as reaped. */
static void note_pid(pid_t pid, bool on)
{
	size_t i;

	for (i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		if (running[i] == (on ? 0 : pid)) {
			running[i] = on ? pid : 0;
			return;
		}
}

/* Start s (its data dir kept across starts); ready when /sim/state answers. */
static int sim_start(struct sim *s)
{
	char portfile[PATHLEN + 16], p[6][PATHLEN];
	const char *const opts[][2] = {
		{ "--data", s->data }, { "--cert", p[0] }, { "--key", p[1] },
		{ "--mchid", MCHID }, { "--appid", APPID }, { "--merchant-serial", serial },
		{ "--merchant-cert", p[2] }, { "--apiv3-key", p[3] }, { "--platform-key", p[4] },
		{ "--platform-id", PLATFORM_ID }, { "--notify-ca", p[5] },
		{ "--clock-file", s->clock },
	};
	const char *const bank[][2] = {
		{ "--bank-mer-id", BANK_MER }, { "--bank-merchant-cert", s->bank_paths[0] },
		{ "--bank-key", s->bank_paths[1] }, { "--bank-cert-id", BANK_GW_CID },
	};
	const char *argv[64];
	int n = 0, i;

	snprintf(portfile, sizeof(portfile), "%s/paysim.port", s->data);
	unlink(portfile);
	snprintf(p[0], PATHLEN, "%s/srv.pem", dir);
	snprintf(p[1], PATHLEN, "%s/srv.key", dir);
	snprintf(p[2], PATHLEN, "%s/merchant.pem", dir);
	snprintf(p[3], PATHLEN, "%s/apiv3.key", dir);
	snprintf(p[4], PATHLEN, "%s/platform.key", dir);
	snprintf(p[5], PATHLEN, "%s/ca.pem", dir);
	argv[n++] = bin;
	argv[n++] = "serve";
	argv_add(argv, &n, opts, sizeof(opts) / sizeof(opts[0]));
	if (s->bank)
		argv_add(argv, &n, bank, sizeof(bank) / sizeof(bank[0]));
	for (i = 0; s->extra[i]; i++)
		argv[n++] = s->extra[i];
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		close_range(3, ~0U, 0);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	if (s->pid > 0)
		note_pid(s->pid, true);
	for (i = 0; i < 300; i++) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;
			struct resp r;

			fclose(f);
			if (ok) {
				snprintf(s->url, sizeof(s->url), "https://127.0.0.1:%d", s->port);
				sim_call(s, "GET", "/sim/state", NULL, &r);
				ok = r.status == 200;
				resp_free(&r);
				if (ok)
					return 0;
			}
		}
		int st = 0;

		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			note_pid(s->pid, false);
			s->pid = 0;
			break;
		}
		ca_sleep_ms(50);
	}
	fprintf(stderr, "ca-paysim did not start; see %s\n", s->log);
	return -1;
}

/* SIGTERM; the exit status (-1: killed or a signal). */
static int sim_stop(struct sim *s)
{
	int st = 0, i;

	if (!s->pid)
		return -1;
	kill(s->pid, SIGTERM);
	for (i = 0; i < 400 && waitpid(s->pid, &st, WNOHANG) != s->pid; i++)
		ca_sleep_ms(50);
	if (i == 400) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	note_pid(s->pid, false);
	s->pid = 0;
	return i < 400 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void sim_kill(struct sim *s)
{
	if (!s->pid)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	note_pid(s->pid, false);
	s->pid = 0;
}

/* Set s's paths under dir/name. */
static void sim_init(struct sim *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->data, sizeof(s->data), "%s/%s", dir, name);
	snprintf(s->log, sizeof(s->log), "%s/%s.log", dir, name);
	snprintf(s->clock, sizeof(s->clock), "%s/%s.clock", dir, name);
	snprintf(s->bank_paths[0], PATHLEN, "%s/bmch.pem", dir);
	snprintf(s->bank_paths[1], PATHLEN, "%s/bgw.key", dir);
}

/* Whether s's log holds text. */
static bool log_has(const struct sim *s, const char *text)
{
	return scratch_has(s->log, text);
}

/* ---- the receiver ---- */

struct rxreq {
	char *body;
	size_t len;
};

static const char *hdr(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* What GET /bankpage/ answers (the merchant's page) and POST /sim/pay (a
 * provider's answer to `ca-paysim pay --sim` pointed here). */
static char rx_page[70 * 1024];
/* What the merchant's /bankbig/ answers: a page one byte over what
 * `ca-paysim pay` reads (64 KiB). */
static char rx_big[64 * 1024 + 1];

/* Keep r, answered ok, or 500 while a policy for its order still fails
 * it (when policies apply at all); the answer. */
static int rx_record(struct rec *r, int ok, bool apply)
{
	int i, answer = ok;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; apply && answer == ok && i < rx.npolicies; i++)
		if (!strcmp(rx.policy[i].no, r->no) && rx.policy[i].fail) {
			if (rx.policy[i].fail > 0)
				rx.policy[i].fail--;
			answer = 500;
		}
	r->answered = answer;
	if (rx.nrecs < RECS_MAX)
		rx.recs[rx.nrecs++] = *r;
	pthread_mutex_unlock(&rx.mu);
	return answer;
}

/* A bank back notification (/bankback/) or the browser's return
 * (/bankfront/): the form must verify with the gateway's certificate. */
static int rx_bank(const char *url, const char *body)
{
	struct rec r = { .mono_ms = ca_mono_ms() };
	struct upform f;
	char err[UPSIGN_ERR_MAX];
	int answer = 401;

	snprintf(r.path, sizeof(r.path), "%s", url);
	if (!upform_parse(&f, body, strlen(body), err, sizeof(err)) &&
	    !upsign_verify(&f, BANK_GW_CID, bank_gw_cert, err, sizeof(err)) &&
	    !strcmp(upform_str(&f, "merId"), BANK_MER)) {
		r.verified = true;
		answer = 200;
		snprintf(r.no, sizeof(r.no), "%s", upform_str(&f, "orderId"));
		snprintf(r.state, sizeof(r.state), "%s", upform_str(&f, "respCode"));
		snprintf(r.id, sizeof(r.id), "%s", upform_str(&f, "queryId"));
	}
	upform_release(&f);
	/* The failure policies are the back notification's. */
	return rx_record(&r, answer, answer == 200 && !strncmp(url, "/bankback/", 10));
}

/* Check, decrypt and record one notification; what to answer. */
static int rx_take(struct MHD_Connection *c, const char *url, const char *body)
{
	struct rec r = { .mono_ms = ca_mono_ms() };
	const char *sig = hdr(c, "Wechatpay-Signature");
	char err[WXSIGN_ERR_MAX], *plain = NULL;
	json_t *j = json_loads(body, 0, NULL), *res = json_object_get(j, "resource"), *p = NULL;
	size_t len = 0;
	int answer;

	snprintf(r.path, sizeof(r.path), "%s", url);
	r.probe = sig && !strncmp(sig, WXSIGN_PROBE, strlen(WXSIGN_PROBE));
	snprintf(r.id, sizeof(r.id), "%s", str(j, "id", NULL));
	if (!wxsign_check_answer(hdr(c, "Wechatpay-Timestamp"), hdr(c, "Wechatpay-Nonce"), sig,
				 hdr(c, "Wechatpay-Serial"), body, PLATFORM_ID, platform_pub,
				 sim_now_s(&main_sim), err, sizeof(err)) &&
	    !strcmp(str(j, "event_type", NULL), "TRANSACTION.SUCCESS") &&
	    !wxsign_decrypt(apiv3, 32, str(res, "nonce", NULL), str(res, "associated_data", NULL),
			    str(res, "ciphertext", NULL), &plain, &len, err, sizeof(err)) &&
	    (p = json_loads(plain, 0, NULL))) {
		r.verified = true;
		snprintf(r.no, sizeof(r.no), "%s", str(p, "out_trade_no", NULL));
		snprintf(r.state, sizeof(r.state), "%s", str(p, "trade_state", NULL));
	}
	/* A careless merchant (/lax/) takes anything. */
	answer = !r.verified && strncmp(url, "/lax/", 5) ? 401 : 204;
	answer = rx_record(&r, answer, answer == 204);
	json_decref(j);
	json_decref(p);
	free(plain);
	return answer;
}

static enum MHD_Result rx_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct rxreq *q = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int answer;

	(void)cls;
	(void)method;
	(void)version;
	if (!q) {
		*con_cls = calloc(1, sizeof(struct rxreq));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		char *b = realloc(q->body, q->len + *upload_size + 1);

		if (!b)
			return MHD_NO;
		memcpy(b + q->len, upload, *upload_size);
		q->body = b;
		q->len += *upload_size;
		q->body[q->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strncmp(url, "/bankpage/", 10) || !strcmp(url, "/sim/pay")) {
		resp = MHD_create_response_from_buffer(strlen(rx_page), rx_page,
						       MHD_RESPMEM_MUST_COPY);
		MHD_add_response_header(resp, "Content-Type", url[1] == 'b'
					? "text/html; charset=utf-8" : "application/json");
		ret = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (!strncmp(url, "/bank", 5))
		answer = rx_bank(url, q->body ? q->body : "");
	else
		answer = rx_take(c, url, q->body ? q->body : "");
	if (!strncmp(url, "/bankbig/", 9) && answer == 200)
		resp = MHD_create_response_from_buffer(sizeof(rx_big), rx_big,
						       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, (unsigned)answer, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void rx_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct rxreq *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q)
		free(q->body);
	free(q);
	*con_cls = NULL;
}

/* Answer 500 to the first fail deliveries about no (-1: always). */
static void rx_policy(const char *no, int fail)
{
	pthread_mutex_lock(&rx.mu);
	snprintf(rx.policy[rx.npolicies].no, 33, "%s", no);
	rx.policy[rx.npolicies++].fail = fail;
	pthread_mutex_unlock(&rx.mu);
}

/* The records of order no (verified ones) or of path (any), into out; how many. */
static int rx_find(const char *no, const char *path, struct rec *out, int max)
{
	int i, n = 0;

	pthread_mutex_lock(&rx.mu);
	for (i = 0; i < rx.nrecs && n < max; i++)
		if ((no && !strcmp(rx.recs[i].no, no) && !rx.recs[i].probe) ||
		    (path && !strcmp(rx.recs[i].path, path)))
			out[n++] = rx.recs[i];
	pthread_mutex_unlock(&rx.mu);
	return n;
}

/* Wait up to ms for at least want records of no / path. */
static int rx_wait(const char *no, const char *path, struct rec *out, int max, int want,
		   int ms)
{
	int64_t end = ca_mono_ms() + ms;
	int n;

	while ((n = rx_find(no, path, out, max)) < want && ca_mono_ms() < end)
		ca_sleep_ms(10);
	return n;
}

/* ---- setup ---- */

static int group_setup(void **state)
{
	char exe[400], *s;
	ssize_t n;
	int i;

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srand((unsigned)getpid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (i = 0; i < 3; i++) { /* BUILD/tests/tools/test_paysim -> BUILD */
		s = strrchr(exe, '/');
		if (!s)
			return -1;
		*s = '\0';
	}
	snprintf(bin, sizeof(bin), "%s/ca-paysim", exe);
	if (tmpdir_make(dir, sizeof(dir), "paysim") || scratch_sh(dir, keys_script)) {
		fprintf(stderr, "openssl could not make the keys\n");
		return -1;
	}
	snprintf(pay_err, sizeof(pay_err), "%s/pay.err", dir);
	merchant_key = scratch_read(dir, "merchant.key");
	bank_key = scratch_read(dir, "bmch.key");
	bank_gw_cert = scratch_read(dir, "bgw.pem");
	if (!bank_key || !bank_gw_cert)
		return -1;
	other_key = scratch_read(dir, "other.key");
	platform_pub = scratch_read(dir, "platform.pub");
	srv_cert = scratch_read(dir, "srv.pem");
	srv_key = scratch_read(dir, "srv.key");
	s = scratch_read(dir, "merchant.serial");
	if (!merchant_key || !other_key || !platform_pub || !srv_cert || !srv_key || !s)
		return -1;
	snprintf(serial, sizeof(serial), "%.*s", (int)strcspn(s, "\r\n"), s);
	free(s);
	s = scratch_read(dir, "apiv3.key");
	if (!s || strlen(s) != 32)
		return -1;
	memcpy(apiv3, s, 33);
	free(s);
	memset(rx_big, ' ', sizeof(rx_big));
	rx.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL,
				rx_request, NULL, MHD_OPTION_HTTPS_MEM_CERT, srv_cert,
				MHD_OPTION_HTTPS_MEM_KEY, srv_key, MHD_OPTION_NOTIFY_COMPLETED,
				rx_done, NULL, MHD_OPTION_END);
	if (!rx.d)
		return -1;
	rx.port = MHD_get_daemon_info(rx.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	sim_init(&main_sim, "main");
	main_sim.extra[0] = "--time-scale";
	main_sim.extra[1] = "1000";
	main_sim.bank = true;
	return sim_start(&main_sim);
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	if (main_sim.pid && sim_stop(&main_sim) != 0)
		fprintf(stderr, "ca-paysim did not stop cleanly\n");
	for (i = 0; i < sizeof(running) / sizeof(running[0]); i++)
		if (running[i]) {
			fprintf(stderr, "ca-paysim %d left running by a failed test: killed\n",
				(int)running[i]);
			kill(running[i], SIGKILL);
			waitpid(running[i], NULL, 0);
		}
	if (rx.d)
		MHD_stop_daemon(rx.d);
	free(merchant_key);
	free(bank_key);
	free(bank_gw_cert);
	free(other_key);
	free(platform_pub);
	free(srv_cert);
	free(srv_key);
	if (!getenv("PAYSIM_KEEP"))
		tmpdir_remove(dir);
	curl_global_cleanup();
	return 0;
}

/* ---- the tests ---- */

/* The count of refusals with code in /sim/state. */
static long refused(struct sim *s, const char *code)
{
	struct resp r;
	long n;

	sim_call(s, "GET", "/sim/state", NULL, &r);
	assert_int_equal(r.status, 200);
	n = (long)json_integer_value(json_object_get(json_object_get(r.j, "refused"), code));
	resp_free(&r);
	return n;
}

/* body (JSON) with field (a "a.b" path) set to v (taken; NULL: removed);
 * malloc'd. */
static char *body_with(const char *body, const char *field, json_t *v)
{
	char key[64], *dot, *out;
	json_t *j = json_loads(body, 0, NULL), *where = j;

	assert_non_null(j);
	snprintf(key, sizeof(key), "%s", field);
	if ((dot = strchr(key, '.'))) {
		*dot = '\0';
		where = json_object_get(j, key);
		memmove(key, dot + 1, strlen(dot + 1) + 1);
	}
	if (v)
		json_object_set_new(where, key, v);
	else
		json_object_del(where, key);
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

/* A create body for a fresh order with field (a "a.b" path) set to the JSON
 * text value ("-": removed). */
static char *mutated(const char *field, const char *value)
{
	char no[33], *body, *out;
	json_t *v = NULL;

	order_no(no, "R");
	body = create_body(&main_sim, no, 100, 300, "/n/refusals");
	if (strcmp(value, "-")) {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
	}
	out = body_with(body, field, v);
	free(body);
	return out;
}

/* Each refusal of docs/paysim.md's table: its status, its code, counted. */
static void test_every_refusal_has_its_status_and_code(void **state)
{
	static const struct {
		const char *what;
		enum auth how;
		const char *method, *target;
		const char *body;          /* NULL: a create body with field = value */
		const char *field, *value; /* the change ("-": removed) */
		long status;
		const char *code;
	} rows[] = {
#define NATIVE "POST", "/v3/pay/transactions/native"
#define Q "/v3/pay/transactions/out-trade-no/"
		{ "no Authorization", AUTH_NONE, NATIVE, NULL, "appid", "\"" APPID "\"", 401, "SIGN_ERROR" },
		{ "a malformed one", AUTH_GARBAGE, NATIVE, NULL, "appid", "\"" APPID "\"", 401, "SIGN_ERROR" },
		{ "a bad signature", AUTH_BAD_SIG, NATIVE, NULL, "appid", "\"" APPID "\"", 401, "SIGN_ERROR" },
		{ "another key", AUTH_OTHER_KEY, NATIVE, NULL, "appid", "\"" APPID "\"", 401, "SIGN_ERROR" },
		{ "another serial_no", AUTH_OTHER_SERIAL, NATIVE, NULL, "appid", "\"" APPID "\"", 401,
		  "SIGN_ERROR" },
		{ "6 minutes old", AUTH_OLD, NATIVE, NULL, "appid", "\"" APPID "\"", 401, "SIGN_ERROR" },
		{ "6 minutes ahead", AUTH_FUTURE, NATIVE, NULL, "appid", "\"" APPID "\"", 401, "SIGN_ERROR" },
		{ "another mchid (header)", AUTH_OTHER_MCHID, NATIVE, NULL, "appid", "\"" APPID "\"", 400,
		  "MCH_NOT_EXISTS" },
		{ "another mchid (body)", AUTH_OK, NATIVE, NULL, "mchid", "\"1900000002\"", 400,
		  "MCH_NOT_EXISTS" },
		{ "another appid", AUTH_OK, NATIVE, NULL, "appid", "\"wx0000000000000000\"", 400,
		  "APPID_MCHID_NOT_MATCH" },
		{ "not JSON", AUTH_OK, NATIVE, "{\"appid\":", NULL, NULL, 400, "PARAM_ERROR" },
		{ "an array", AUTH_OK, NATIVE, "[]", NULL, NULL, 400, "PARAM_ERROR" },
		{ "an empty body", AUTH_OK, NATIVE, "", NULL, NULL, 400, "PARAM_ERROR" },
		{ "no description", AUTH_OK, NATIVE, NULL, "description", "-", 400, "PARAM_ERROR" },
		{ "a number as description", AUTH_OK, NATIVE, NULL, "description", "5", 400, "PARAM_ERROR" },
		{ "description of 128", AUTH_OK, NATIVE, NULL, "description",
		  "\"1234567890123456789012345678901234567890123456789012345678901234"
		  "5678901234567890123456789012345678901234567890123456789012345678\"", 400,
		  "PARAM_ERROR" },
		{ "out_trade_no of 5", AUTH_OK, NATIVE, NULL, "out_trade_no", "\"AB123\"", 400,
		  "PARAM_ERROR" },
		{ "out_trade_no of 33", AUTH_OK, NATIVE, NULL, "out_trade_no",
		  "\"123456789012345678901234567890123\"", 400, "PARAM_ERROR" },
		{ "out_trade_no with a dot", AUTH_OK, NATIVE, NULL, "out_trade_no", "\"AB.12345\"", 400,
		  "PARAM_ERROR" },
		{ "no out_trade_no", AUTH_OK, NATIVE, NULL, "out_trade_no", "-", 400, "PARAM_ERROR" },
		{ "amount 0", AUTH_OK, NATIVE, NULL, "amount.total", "0", 400, "PARAM_ERROR" },
		{ "amount -1", AUTH_OK, NATIVE, NULL, "amount.total", "-1", 400, "PARAM_ERROR" },
		{ "amount 1.5", AUTH_OK, NATIVE, NULL, "amount.total", "1.5", 400, "PARAM_ERROR" },
		{ "amount as text", AUTH_OK, NATIVE, NULL, "amount.total", "\"100\"", 400, "PARAM_ERROR" },
		{ "amount over int32", AUTH_OK, NATIVE, NULL, "amount.total", "2147483648", 400,
		  "PARAM_ERROR" },
		{ "no amount", AUTH_OK, NATIVE, NULL, "amount", "-", 400, "PARAM_ERROR" },
		{ "currency USD", AUTH_OK, NATIVE, NULL, "amount.currency", "\"USD\"", 400, "PARAM_ERROR" },
		{ "notify_url http", AUTH_OK, NATIVE, NULL, "notify_url", "\"http://127.0.0.1/n\"", 400,
		  "PARAM_ERROR" },
		{ "notify_url with a query", AUTH_OK, NATIVE, NULL, "notify_url",
		  "\"https://127.0.0.1/n?a=1\"", 400, "PARAM_ERROR" },
		{ "time_expire not RFC 3339", AUTH_OK, NATIVE, NULL, "time_expire", "\"tomorrow\"", 400,
		  "PARAM_ERROR" },
		{ "time_expire 30 February", AUTH_OK, NATIVE, NULL, "time_expire",
		  "\"2099-02-30T10:00:00+08:00\"", 400, "PARAM_ERROR" },
		{ "time_expire in the past", AUTH_OK, NATIVE, NULL, "time_expire",
		  "\"2020-01-01T10:00:00+08:00\"", 400, "PARAM_ERROR" },
		{ "query of no order", AUTH_OK, "GET", Q "NOSUCH00001?mchid=" MCHID, NULL, NULL, NULL, 404,
		  "ORDER_NOT_EXIST" },
		{ "query without mchid", AUTH_OK, "GET", Q "NOSUCH00001", NULL, NULL, NULL, 400,
		  "PARAM_ERROR" },
		{ "query of another mchid", AUTH_OK, "GET", Q "NOSUCH00001?mchid=1900000002", NULL, NULL,
		  NULL, 400, "MCH_NOT_EXISTS" },
		{ "query of a bad number", AUTH_OK, "GET", Q "A.B?mchid=" MCHID, NULL, NULL, NULL, 400,
		  "PARAM_ERROR" },
		{ "close of no order", AUTH_OK, "POST", Q "NOSUCH00001/close", "{\"mchid\":\"" MCHID "\"}",
		  NULL, NULL, 404, "ORDER_NOT_EXIST" },
		{ "close for another mchid", AUTH_OK, "POST", Q "NOSUCH00001/close",
		  "{\"mchid\":\"1900000002\"}", NULL, NULL, 400, "MCH_NOT_EXISTS" },
		{ "refund of no order", AUTH_OK, "POST", "/v3/refund/domestic/refunds",
		  "{\"out_trade_no\":\"NOSUCH00001\",\"out_refund_no\":\"R1\",\"amount\":{\"refund\":1,"
		  "\"total\":1,\"currency\":\"CNY\"}}", NULL, NULL, 404, "ORDER_NOT_EXIST" },
		{ "refund without currency", AUTH_OK, "POST", "/v3/refund/domestic/refunds",
		  "{\"out_trade_no\":\"NOSUCH00001\",\"out_refund_no\":\"R1\",\"amount\":{\"refund\":1,"
		  "\"total\":1}}", NULL, NULL, 400, "PARAM_ERROR" },
		{ "refund query of none", AUTH_OK, "GET", "/v3/refund/domestic/refunds/NOSUCH", NULL, NULL,
		  NULL, 404, "RESOURCE_NOT_EXISTS" },
		{ "no such endpoint", AUTH_OK, "GET", "/v3/certificates", NULL, NULL, NULL, 404,
		  "NOT_FOUND" },
#undef NATIVE
#undef Q
	};
	static const char *const codes[] = { "SIGN_ERROR", "MCH_NOT_EXISTS", "APPID_MCHID_NOT_MATCH",
					     "PARAM_ERROR", "ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS" };
	long before[6], want[6] = { 0 };
	size_t i, k;

	(void)state;
	for (k = 0; k < 6; k++)
		before[k] = refused(&main_sim, codes[k]);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *body = rows[i].body ? strdup(rows[i].body)
			     : rows[i].field ? mutated(rows[i].field, rows[i].value) : NULL;
		struct resp r;

		call(&main_sim, rows[i].how, NULL, rows[i].method, rows[i].target, body, &r);
		assert_signed(&main_sim, &r);
		if (r.status != rows[i].status || strcmp(str(r.j, "code", NULL), rows[i].code) ||
		    !*str(r.j, "message", NULL))
			fail_msg("row %zu (%s): %ld %s, expected %ld %s", i, rows[i].what, r.status,
				 r.body, rows[i].status, rows[i].code);
		for (k = 0; k < 6; k++)
			want[k] += !strcmp(codes[k], rows[i].code);
		resp_free(&r);
		free(body);
	}
	for (k = 0; k < 6; k++)
		if (refused(&main_sim, codes[k]) - before[k] != want[k])
			fail_msg("%s counted %ld times, expected %ld", codes[k],
				 refused(&main_sim, codes[k]) - before[k], want[k]);
}

/* A description of 127 characters (Chinese: 381 bytes) is taken. */
static void test_the_longest_description_is_taken(void **state)
{
	char value[600] = "\"", *body;
	int i;

	(void)state;
	for (i = 0; i < 127; i++)
		strcat(value, "证");
	strcat(value, "\"");
	body = mutated("description", value);
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 200, NULL, NULL);
	free(body);
}

/* head followed by unit until it is n characters long (head is ASCII);
 * malloc'd. */
static char *long_text(const char *head, const char *unit, size_t n)
{
	size_t i, len = strlen(head) + (n - strlen(head)) * strlen(unit);
	char *t = malloc(len + 1);

	assert_non_null(t);
	strcpy(t, head);
	for (i = strlen(head); i < n; i++)
		strcat(t, unit);
	return t;
}

/* Each field's limit, both sides: a value of the longest length passes
 * the length check (taken, or refused by the next check), one character
 * more is 400 PARAM_ERROR naming the limit. Of a creation: appid, mchid,
 * out_trade_no (32), notify_url (255), time_expire (40), currency (8); of
 * a refund: out_refund_no (64), reason (80 Chinese characters), its
 * notify_url (255). */
static void test_every_field_limit(void **state)
{
	static const struct {
		bool refund;          /* a field of a refund (else of a creation) */
		const char *field;    /* its path ("a.b": member b of a) */
		const char *head;     /* the value's start ("#": a fresh number, "@": the
				       * receiver's https://127.0.0.1:PORT/n/limits/) */
		const char *unit;     /* repeated after head up to the limit */
		size_t n;             /* the limit, in characters */
		long status;          /* the answer at the limit */
		const char *code;     /* its code (NULL: taken, 200) */
		const char *past;     /* what the message one character past it says */
	} rows[] = {
		{ false, "appid", "wx", "a", 32, 400, "APPID_MCHID_NOT_MATCH", "appid must be 1 to 32" },
		{ false, "mchid", "1", "9", 32, 400, "MCH_NOT_EXISTS", "mchid must be 1 to 32" },
		{ false, "out_trade_no", "#", "0", 32, 200, NULL, "out_trade_no must be 1 to 32" },
		{ false, "notify_url", "@", "a", 255, 200, NULL, "notify_url must be 1 to 255" },
		{ false, "time_expire", "", "1", 40, 400, "PARAM_ERROR", "time_expire must be 1 to 40" },
		{ false, "amount.currency", "", "C", 8, 400, "PARAM_ERROR",
		  "currency must be 1 to 8" },
		{ true, "out_refund_no", "#", "0", 64, 200, NULL, "out_refund_no must be 1 to 64" },
		{ true, "reason", "", "退", 80, 200, NULL, "reason must be 1 to 80" },
		{ true, "notify_url", "@", "a", 255, 200, NULL, "notify_url must be 1 to 255" },
	};
	char no[33], code[80], head[80];
	size_t i, extra;

	(void)state;
	order_no(no, "FL");
	create(&main_sim, no, 1000, "/n/limits", code);
	assert_int_equal(pay(&main_sim, code, NULL), 200);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (extra = 0; extra < 2; extra++) {
			char rno[40], fresh[33], *value, *base, *body;
			struct resp r;
			const char *want;

			order_no(fresh, "FV");
			snprintf(rno, sizeof(rno), "RF-%s", fresh);
			if (!strcmp(rows[i].head, "#"))
				snprintf(head, sizeof(head), "%s", fresh);
			else if (!strcmp(rows[i].head, "@"))
				snprintf(head, sizeof(head), "https://127.0.0.1:%d/n/limits/",
					 rx.port);
			else
				snprintf(head, sizeof(head), "%s", rows[i].head);
			value = long_text(head, rows[i].unit, rows[i].n + extra);
			if (rows[i].refund) {
				json_t *j = json_pack("{s:s, s:s, s:{s:i, s:i, s:s}}",
						      "out_trade_no", no, "out_refund_no", rno,
						      "amount", "refund", 1, "total", 1000,
						      "currency", "CNY");

				base = json_dumps(j, JSON_COMPACT);
				json_decref(j);
			} else {
				base = create_body(&main_sim, fresh, 100, 300, "/n/limits");
			}
			body = body_with(base, rows[i].field, json_string(value));
			call(&main_sim, AUTH_OK, NULL, "POST", rows[i].refund
			     ? "/v3/refund/domestic/refunds" : "/v3/pay/transactions/native", body,
			     &r);
			assert_signed(&main_sim, &r);
			want = extra ? "PARAM_ERROR" : rows[i].code;
			if (r.status != (extra ? 400 : rows[i].status) ||
			    strcmp(str(r.j, "code", NULL), want ? want : "") ||
			    (extra && !strstr(str(r.j, "message", NULL), rows[i].past)) ||
			    (!extra && strstr(str(r.j, "message", NULL), "characters")))
				fail_msg("%s of %zu: %ld %s", rows[i].field, rows[i].n + extra,
					 r.status, r.body);
			resp_free(&r);
			free(body);
			free(base);
			free(value);
		}
	}
}

/* create, the same again, other content, query, pay, close refused, refunds
 * (idempotent, too much, another total), query REFUND; a second order
 * closed twice; every answer signed. */
static void test_round_trip(void **state)
{
	char no[33], no2[33], code[80], target[200], *body, *other;
	struct resp r;

	(void)state;
	order_no(no, "A");
	/* The same body twice (its time_expire the same instant, whatever the
	 * clock did between). */
	body = create_body(&main_sim, no, 30000, 300, "/n/round");
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 200, NULL, &r);
	snprintf(code, sizeof(code), "%s", str(r.j, "code_url", NULL));
	assert_true(!strncmp(code, "weixin://wxpay/bizpayurl?pr=", 28));
	resp_free(&r);
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 200, NULL, &r);
	assert_string_equal(str(r.j, "code_url", NULL), code);
	resp_free(&r);
	other = create_body(&main_sim, no, 30001, 300, "/n/round");
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", other, 400,
	       "OUT_TRADE_NO_USED", NULL);
	free(other);
	other = create_body(&main_sim, no, 30000, 300, "/n/other-url");
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", other, 400,
	       "OUT_TRADE_NO_USED", NULL);
	free(other);
	free(body);

	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "trade_state", NULL), "NOTPAY");
	assert_string_equal(str(r.j, "trade_type", NULL), "NATIVE");
	assert_string_equal(str(r.j, "out_trade_no", NULL), no);
	assert_string_equal(str(r.j, "appid", NULL), APPID);
	assert_null(json_object_get(r.j, "transaction_id"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.j, "amount"),
							    "total")), 30000);
	resp_free(&r);

	assert_int_equal(pay(&main_sim, code, &r), 200);
	assert_string_equal(str(r.j, "out_trade_no", NULL), no);
	assert_int_equal(json_integer_value(json_object_get(r.j, "amount_fen")), 30000);
	resp_free(&r);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "trade_state", NULL), "SUCCESS");
	assert_int_equal(strlen(str(r.j, "transaction_id", NULL)), 28);
	assert_true(strstr(str(r.j, "success_time", NULL), "+08:00") != NULL);
	assert_true(*str(r.j, "payer", "openid"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.j, "amount"),
							    "payer_total")), 30000);
	resp_free(&r);

	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s/close", no);
	expect(&main_sim, AUTH_OK, "POST", target, "{\"mchid\":\"" MCHID "\"}", 400, "ORDERPAID",
	       NULL);

	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF-%s\","
		 "\"reason\":\"退款\",\"amount\":{\"refund\":10000,\"total\":30000,"
		 "\"currency\":\"CNY\"}}", no, no);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 200, NULL, &r);
	assert_string_equal(str(r.j, "status", NULL), "SUCCESS");
	assert_string_equal(str(r.j, "out_trade_no", NULL), no);
	snprintf(code, sizeof(code), "%s", str(r.j, "refund_id", NULL));
	assert_true(code[0]);
	resp_free(&r);
	/* The same out_refund_no again: the same refund, no second one. */
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 200, NULL, &r);
	assert_string_equal(str(r.j, "refund_id", NULL), code);
	resp_free(&r);
	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF2-%s\","
		 "\"amount\":{\"refund\":20001,\"total\":30000,\"currency\":\"CNY\"}}", no, no);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 400, "NOT_ENOUGH",
	       NULL);
	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF2-%s\","
		 "\"amount\":{\"refund\":100,\"total\":29999,\"currency\":\"CNY\"}}", no, no);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 400, "PARAM_ERROR",
	       NULL);
	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF2-%s\","
		 "\"amount\":{\"refund\":20000,\"total\":30000,\"currency\":\"CNY\"}}", no, no);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 200, NULL, NULL);
	snprintf(target, sizeof(target), "/v3/refund/domestic/refunds/RF-%s", no);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "refund_id", NULL), code);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.j, "amount"),
							    "refund")), 10000);
	resp_free(&r);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "trade_state", NULL), "REFUND");
	resp_free(&r);

	/* A second order: closed, closed again, CLOSED; never paid: no refund. */
	order_no(no2, "B");
	create(&main_sim, no2, 500, "/n/round", code);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s/close", no2);
	expect(&main_sim, AUTH_OK, "POST", target, "{\"mchid\":\"" MCHID "\"}", 204, NULL, &r);
	assert_string_equal(r.body, "");
	resp_free(&r);
	expect(&main_sim, AUTH_OK, "POST", target, "{\"mchid\":\"" MCHID "\"}", 204, NULL, NULL);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no2);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "trade_state", NULL), "CLOSED");
	resp_free(&r);
	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF-%s\","
		 "\"amount\":{\"refund\":1,\"total\":500,\"currency\":\"CNY\"}}", no2, no2);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 400,
	       "INVALID_REQUEST", NULL);
	/* The first order's out_refund_no for the second order. */
	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF-%s\","
		 "\"amount\":{\"refund\":1,\"total\":500,\"currency\":\"CNY\"}}", no2, no);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 400,
	       "INVALID_REQUEST", NULL);
}

/* A nonce taken once is refused the second time, even with a good signature. */
static void test_a_replayed_nonce_is_refused(void **state)
{
	const char *target = "/v3/pay/transactions/out-trade-no/NOSUCH00002?mchid=" MCHID;
	char nonce[40];
	struct resp r;

	(void)state;
	snprintf(nonce, sizeof(nonce), "replay%08x%08x", (unsigned)rand(), (unsigned)getpid());
	call(&main_sim, AUTH_OK, nonce, "GET", target, NULL, &r);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	call(&main_sim, AUTH_OK, nonce, "GET", target, NULL, &r);
	assert_signed(&main_sim, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(str(r.j, "code", NULL), "SIGN_ERROR");
	resp_free(&r);
}

/* Run `ca-paysim pay`; its stdout into out, its stderr into the file
 * pay_err, its exit status. */
static int pay_cli(const char *sim_url, const char *code_url, char *out, size_t n)
{
	char ca[PATHLEN + 16];
	int p[2], st = 0;
	ssize_t k;
	size_t got = 0;
	pid_t pid;

	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int err = open(pay_err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(p[1], 1);
		dup2(err, 2); /* its usage and connection errors are expected */
		close(p[0]);
		execl(bin, bin, "pay", "--sim", sim_url, "--ca", ca, code_url, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < n && (k = read(p[0], out + got, n - 1 - got)) > 0)
		got += (size_t)k;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The customer: pays with `ca-paysim pay` (exit 0), is refused a paid
 * order, a closed one, an expired one once the clock file moves past
 * time_expire (exit 1, and the order stays NOTPAY), an unknown code;
 * a usage error and no simulator are exit 2. A time_expire in the past
 * on the moved clock is refused. */
static void test_the_customer_pays_and_is_refused(void **state)
{
	char no[33], code[80], code2[80], code3[80], out[512], target[160], *body;
	struct resp r;

	(void)state;
	order_no(no, "P");
	create(&main_sim, no, 1234, "/n/pay", code);
	assert_int_equal(pay_cli(main_sim.url, code, out, sizeof(out)), 0);
	assert_true(!strncmp(out, "paid ", 5) && strstr(out, no) && strstr(out, " SUCCESS ") &&
		    strstr(out, " 1234"));
	assert_int_equal(pay_cli(main_sim.url, code, out, sizeof(out)), 1);
	assert_true(strstr(out, "ORDERPAID") != NULL);
	assert_int_equal(pay(&main_sim, code, &r), 403);
	assert_string_equal(str(r.j, "code", NULL), "ORDERPAID");
	resp_free(&r);

	order_no(no, "Q");
	create(&main_sim, no, 100, "/n/pay", code2);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s/close", no);
	expect(&main_sim, AUTH_OK, "POST", target, "{\"mchid\":\"" MCHID "\"}", 204, NULL, NULL);
	assert_int_equal(pay(&main_sim, code2, &r), 403);
	assert_string_equal(str(r.j, "code", NULL), "ORDERCLOSED");
	resp_free(&r);

	/* Expiry: 300 s to live; the clock file moves 301 s on. */
	order_no(no, "X");
	create(&main_sim, no, 100, "/n/pay", code3);
	sim_clock(&main_sim, main_sim.offset_ms + 301000);
	assert_int_equal(pay_cli(main_sim.url, code3, out, sizeof(out)), 1);
	assert_true(strstr(out, "refused ORDER_EXPIRED") != NULL);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "trade_state", NULL), "NOTPAY");
	resp_free(&r);
	/* A time_expire 10 s ahead of the system clock is 291 s in the past now. */
	order_no(no, "Y");
	body = create_body(&main_sim, no, 100, -291, "/n/pay");
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 400, "PARAM_ERROR",
	       &r);
	assert_true(strstr(str(r.j, "message", NULL), "past") != NULL);
	resp_free(&r);
	free(body);

	assert_int_equal(pay(&main_sim, "weixin://wxpay/bizpayurl?pr=zzzzzzz", &r), 404);
	assert_string_equal(str(r.j, "code", NULL), "ORDER_NOT_EXIST");
	resp_free(&r);
	sim_call(&main_sim, "POST", "/sim/pay", "{\"code\": 1}", &r);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_int_equal(pay_cli("https://127.0.0.1:1", code3, out, sizeof(out)), 2);
	assert_int_equal(pay_cli(main_sim.url, NULL, out, sizeof(out)), 2);
}

/* A notification: the new notify_url's probe (refused by the receiver), the
 * payment's refused 3 times and retried after 15, 15, 30 ms (SCALE 1000),
 * taken, and its duplicate 30 ms later; every one signed by the platform
 * key, its resource the order's query JSON; the books record each attempt. */
static void test_notifications_retry_on_the_scaled_schedule(void **state)
{
	static const int gaps[] = { 15, 15, 30, 30 };
	struct rec recs[16], probes[4];
	char no[33], code[80], path[64], target[80];
	struct resp r;
	json_t *ns;
	int n, i;
	size_t k;

	(void)state;
	order_no(no, "N");
	snprintf(path, sizeof(path), "/n/%s", no);
	rx_policy(no, 3);
	create(&main_sim, no, 2500, path, code);
	assert_int_equal(rx_wait(NULL, path, probes, 4, 1, 3000), 1);
	assert_true(probes[0].probe);
	assert_int_equal(probes[0].answered, 401);
	assert_int_equal(pay(&main_sim, code, NULL), 200);
	n = rx_wait(no, NULL, recs, 16, 5, 5000);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_true(recs[i].verified);
		assert_string_equal(recs[i].state, "SUCCESS");
		assert_string_equal(recs[i].id, recs[0].id); /* one notification, sent again */
		assert_int_equal(recs[i].answered, i < 3 ? 500 : 204);
	}
	for (i = 1; i < n; i++) {
		int64_t gap = recs[i].mono_ms - recs[i - 1].mono_ms;

		if (gap < gaps[i - 1] - 2 || gap > gaps[i - 1] + 400)
			fail_msg("delivery %d came %lld ms after the one before, expected %d", i,
				 (long long)gap, gaps[i - 1]);
	}
	ca_sleep_ms(300);
	assert_int_equal(rx_find(no, NULL, recs, 16), 5); /* nothing more */
	assert_int_equal(rx_find(NULL, path, recs, 16), 6); /* the probe and the five */

	snprintf(target, sizeof(target), "/sim/orders/%s", no);
	sim_call(&main_sim, "GET", target, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str(r.j, "trade_state", NULL), "SUCCESS");
	ns = json_object_get(r.j, "notifications");
	assert_int_equal(json_array_size(ns), 3);
	assert_string_equal(str(json_array_get(ns, 0), "kind", NULL), "probe");
	assert_string_equal(str(json_array_get(ns, 0), "state", NULL), "refused");
	assert_string_equal(str(json_array_get(ns, 1), "kind", NULL), "pay");
	assert_string_equal(str(json_array_get(ns, 1), "state", NULL), "taken");
	assert_string_equal(str(json_array_get(ns, 2), "kind", NULL), "dup");
	assert_string_equal(str(json_array_get(ns, 2), "state", NULL), "taken");
	for (k = 0; k < 4; k++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(
			json_array_get(ns, 1), "deliveries"), k), "status")), k < 3 ? 500 : 204);
	resp_free(&r);
	/* A second order to the same url: no second probe. */
	order_no(no, "M");
	create(&main_sim, no, 100, path, code);
	ca_sleep_ms(200);
	n = rx_find(NULL, path, recs, 16);
	for (i = 1; i < n; i++)
		assert_false(recs[i].probe);
}

/* A merchant that takes a probe is a merchant fault in /sim/state. */
static void test_a_probe_taken_is_a_merchant_fault(void **state)
{
	char no[33], code[80], path[64];
	struct rec recs[4];
	struct resp r;
	long faults;

	(void)state;
	sim_call(&main_sim, "GET", "/sim/state", NULL, &r);
	faults = (long)json_integer_value(json_object_get(r.j, "merchant_faults"));
	resp_free(&r);
	order_no(no, "L");
	snprintf(path, sizeof(path), "/lax/%s", no);
	create(&main_sim, no, 100, path, code);
	assert_int_equal(rx_wait(NULL, path, recs, 4, 1, 3000), 1);
	assert_true(recs[0].probe);
	assert_int_equal(recs[0].answered, 204);
	ca_sleep_ms(100);
	sim_call(&main_sim, "GET", "/sim/state", NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.j, "merchant_faults")), faults + 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.j, "probes"),
							    "taken_by_merchant")), faults + 1);
	resp_free(&r);
}

/* /sim/fault: the next K creations, M queries, N closes, R refunds fail
 * with 500 SYSTEM_ERROR, then work; out of range and unknown names 400. */
static void test_injected_faults(void **state)
{
	char no[33], code[80], target[160], *body;
	struct resp r;

	(void)state;
	sim_call(&main_sim, "POST", "/sim/fault", "{\"create_fail\": 1, \"query_fail\": 2,"
		 " \"close_fail\": 1, \"refund_fail\": 1}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.j, "query_fail")), 2);
	resp_free(&r);
	order_no(no, "F");
	body = create_body(&main_sim, no, 100, 300, "/n/fault");
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 500, "SYSTEM_ERROR",
	       NULL);
	expect(&main_sim, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 200, NULL, &r);
	snprintf(code, sizeof(code), "%s", str(r.j, "code_url", NULL));
	resp_free(&r);
	free(body);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 500, "SYSTEM_ERROR", NULL);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 500, "SYSTEM_ERROR", NULL);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, NULL);
	assert_int_equal(pay(&main_sim, code, NULL), 200);
	snprintf(target, sizeof(target), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"RF-%s\","
		 "\"amount\":{\"refund\":1,\"total\":100,\"currency\":\"CNY\"}}", no, no);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 500,
	       "SYSTEM_ERROR", NULL);
	expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", target, 200, NULL, NULL);
	order_no(no, "G");
	create(&main_sim, no, 100, "/n/fault", code);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s/close", no);
	expect(&main_sim, AUTH_OK, "POST", target, "{\"mchid\":\"" MCHID "\"}", 500, "SYSTEM_ERROR",
	       NULL);
	expect(&main_sim, AUTH_OK, "POST", target, "{\"mchid\":\"" MCHID "\"}", 204, NULL, NULL);
	{
		static const char *const bad[] = {
			"{\"close_fail\": 101}", "{\"close_fail\": -1}", "{\"query_fail\": \"2\"}",
			"{\"notify_hold\": 1}", "{\"closefail\": 1}", "[]", "{",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			sim_call(&main_sim, "POST", "/sim/fault", bad[i], &r);
			if (r.status != 400 || strcmp(str(r.j, "code", NULL), "PARAM_ERROR"))
				fail_msg("/sim/fault %s: %ld %s", bad[i], r.status, r.body);
			resp_free(&r);
		}
	}
	sim_call(&main_sim, "POST", "/sim/fault", "{\"close_fail\": 100}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	sim_call(&main_sim, "POST", "/sim/fault", "{\"close_fail\": 0}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.j, "close_fail")), 0);
	resp_free(&r);
}

/* 50 refunds of one order are taken, the 51st is refused. */
static void test_at_most_50_refunds_an_order(void **state)
{
	char no[33], code[80], body[300];
	int i;

	(void)state;
	order_no(no, "S");
	create(&main_sim, no, 100, "/n/refunds", code);
	assert_int_equal(pay(&main_sim, code, NULL), 200);
	for (i = 0; i <= 50; i++) {
		snprintf(body, sizeof(body), "{\"out_trade_no\":\"%s\",\"out_refund_no\":\"R%d-%s\","
			 "\"amount\":{\"refund\":1,\"total\":100,\"currency\":\"CNY\"}}", no, i, no);
		expect(&main_sim, AUTH_OK, "POST", "/v3/refund/domestic/refunds", body,
		       i < 50 ? 200 : 403, i < 50 ? NULL : "RULE_LIMIT", NULL);
	}
}

/* A body of 64 KiB reaches the checks; one byte more is 413, whether its
 * length is declared (refused before it is read) or it comes in chunks; a
 * target of 1024 bytes reaches the checks, one of 1025 is 400; a head over
 * 32 KiB is refused by the server. */
static void test_body_and_head_limits(void **state)
{
	char *body = malloc(65536 + 2);
	struct resp r;
	int chunked;

	(void)state;
	assert_non_null(body);
	memset(body, ' ', 65537);
	memcpy(body, "{\"a\":1}", 7);
	for (chunked = 0; chunked < 2; chunked++) {
		body[65536] = '\0';
		call_as(&main_sim, AUTH_OK, NULL, "POST", "/v3/pay/transactions/native", body,
			chunked, &r);
		assert_signed(&main_sim, &r);
		if (r.status != 400 || !strstr(str(r.j, "message", NULL), "mchid"))
			fail_msg("64 KiB%s: %ld %s", chunked ? " in chunks" : "", r.status, r.body);
		resp_free(&r);
		body[65536] = ' ';
		body[65537] = '\0';
		call_as(&main_sim, AUTH_OK, NULL, "POST", "/v3/pay/transactions/native", body,
			chunked, &r);
		assert_signed(&main_sim, &r);
		if (r.status != 413 || strcmp(str(r.j, "code", NULL), "PARAM_ERROR"))
			fail_msg("64 KiB + 1%s: %ld %s", chunked ? " in chunks" : "", r.status,
				 r.body);
		resp_free(&r);
	}
	free(body);
	{
		/* A head over the server's memory for a connection. */
		char *target = malloc(40000);

		assert_non_null(target);
		strcpy(target, "/v3/pay/transactions/out-trade-no/");
		memset(target + strlen(target), 'a', 39000);
		target[39034] = '\0';
		call(&main_sim, AUTH_NONE, NULL, "GET", target, NULL, &r);
		assert_int_equal(r.status, 414); /* libmicrohttpd's own answer */
		resp_free(&r);
		/* Long, but within the head: our own checks, up to 1024 bytes
		 * (then the out_trade_no is wrong), 400 past them. */
		target[1024] = '\0';
		call(&main_sim, AUTH_OK, NULL, "GET", target, NULL, &r);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(str(r.j, "message", NULL), "out_trade_no must be"));
		resp_free(&r);
		target[1024] = 'a';
		target[1025] = '\0';
		call(&main_sim, AUTH_OK, NULL, "GET", target, NULL, &r);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(str(r.j, "message", NULL), "over 1024"));
		resp_free(&r);
		free(target);
	}
}

/* A TCP connection to s's port, or -1. */
static int tcp_connect(const struct sim *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The limits on a simulator of their own: the nonce cache (8), the orders
 * (3), the connections (4), an idle connection (1 s), a payment's
 * notification given up after 15 retries (time scale 1000000), a clock
 * file of 32 bytes, of 33 and one that holds no number. */
static void test_limits(void **state)
{
	struct sim s;
	char code[80], *body, *first = NULL, nums[5][33], target[120];
	struct rec recs[32];
	struct resp r;
	int i, fds[4];

	(void)state;
	sim_init(&s, "limits");
	s.extra[0] = "--nonce-cache";
	s.extra[1] = "8";
	s.extra[2] = "--max-orders";
	s.extra[3] = "3";
	s.extra[4] = "--max-connections";
	s.extra[5] = "4";
	s.extra[6] = "--idle-timeout";
	s.extra[7] = "1";
	s.extra[8] = "--time-scale";
	s.extra[9] = "1000000";
	assert_int_equal(sim_start(&s), 0);

	/* Nonces: 8 in five minutes, the 9th refused, all of them forgotten 5 minutes on. */
	for (i = 0; i < 9; i++)
		expect(&s, AUTH_OK, "GET", "/v3/pay/transactions/out-trade-no/NOSUCH00001?mchid="
		       MCHID, NULL, i < 8 ? 404 : 429, i < 8 ? "ORDER_NOT_EXIST" : "FREQUENCY_LIMITED",
		       NULL);
	sim_clock(&s, 300000);
	expect(&s, AUTH_OK, "GET", "/v3/pay/transactions/out-trade-no/NOSUCH00001?mchid=" MCHID,
	       NULL, 404, "ORDER_NOT_EXIST", NULL);

	/* Orders: 3, the 4th refused, a repeat of one (the same body: its
	 * time_expire too) still answered. */
	for (i = 0; i < 4; i++) {
		order_no(nums[i], "O");
		body = create_body(&s, nums[i], 100, 300, "/n/limits");
		expect(&s, AUTH_OK, "POST", "/v3/pay/transactions/native", body, i < 3 ? 200 : 403,
		       i < 3 ? NULL : "RULE_LIMIT", &r);
		if (i == 0)
			snprintf(code, sizeof(code), "%s", str(r.j, "code_url", NULL));
		resp_free(&r);
		if (i == 0)
			first = body;
		else
			free(body);
	}
	expect(&s, AUTH_OK, "POST", "/v3/pay/transactions/native", first, 200, NULL, &r);
	assert_string_equal(str(r.j, "code_url", NULL), code);
	resp_free(&r);
	free(first);

	/* Given up: the receiver refuses the first order's notification always. */
	rx_policy(nums[0], -1);
	assert_int_equal(pay(&s, code, NULL), 200);
	assert_int_equal(rx_wait(nums[0], NULL, recs, 32, 16, 5000), 16);
	ca_sleep_ms(300);
	assert_int_equal(rx_find(nums[0], NULL, recs, 32), 16);
	snprintf(target, sizeof(target), "/sim/orders/%s", nums[0]);
	sim_call(&s, "GET", target, NULL, &r);
	assert_string_equal(str(json_array_get(json_object_get(r.j, "notifications"), 1), "state",
				NULL), "given_up");
	resp_free(&r);

	/* Connections: 4 held open, a fifth client is not served; served again after. */
	for (i = 0; i < 4; i++)
		assert_true((fds[i] = tcp_connect(&s)) >= 0);
	ca_sleep_ms(100);
	{
		CURL *cu = curl_easy_init();
		char ca[PATHLEN + 16], url[120];
		long st = 0;

		snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
		snprintf(url, sizeof(url), "%s/sim/state", s.url);
		curl_easy_setopt(cu, CURLOPT_URL, url);
		curl_easy_setopt(cu, CURLOPT_CAINFO, ca);
		curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 700L);
		curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
		{
			struct membuf b = { 0 };

			curl_easy_setopt(cu, CURLOPT_WRITEDATA, &b);
			if (curl_easy_perform(cu) == CURLE_OK)
				curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &st);
			free(b.p);
		}
		curl_easy_cleanup(cu);
		assert_int_equal(st, 0);
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	ca_sleep_ms(100);
	sim_call(&s, "GET", "/sim/state", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	/* An idle connection is closed after about a second. */
	{
		int fd = tcp_connect(&s);
		int64_t t0 = ca_mono_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;

		assert_true(fd >= 0);
		/* A TLS alert, then the end. */
		while (poll(&p, 1, 4000) == 1 && read(fd, &c, 1) == 1)
			;
		assert_true(ca_mono_ms() - t0 >= 900 && ca_mono_ms() - t0 < 3500);
		close(fd);
	}

	/* The clock file: 32 bytes of offset (and a newline) are read; 33
	 * bytes, or a file that holds no number, leave the last offset, said
	 * once. */
	assert_int_equal(tmpdir_put(s.clock, "00000000000000000000000000600000\n"), 0);
	s.offset_ms = 600000;
	for (i = 0; i < 3; i++) {
		if (i == 1)
			assert_int_equal(tmpdir_put(s.clock, "000000000000000000000000000900000"),
					 0);
		if (i == 2)
			assert_int_equal(tmpdir_put(s.clock, "soon\n"), 0);
		sim_call(&s, "GET", "/sim/state", NULL, &r);
		assert_signed(&s, &r); /* its Wechatpay-Timestamp 600 s ahead */
		assert_true(atoll(r.ts) >= (ca_wall_ms() + 590000) / 1000);
		assert_true(atoll(r.ts) <= (ca_wall_ms() + 610000) / 1000);
		resp_free(&r);
		assert_true(log_has(&s, "holds no offset") == (i > 0));
	}
	assert_int_equal(sim_stop(&s), 0);
	assert_true(log_has(&s, "stopped"));
}

/* notify_hold keeps a notification owed; kill -9 and a start again: the
 * books hold every order (the same create answers the same code_url, a
 * paid order is SUCCESS) and the owed notification is delivered. A second
 * simulator on the same directory is refused. SIGTERM: exit 0. */
static void test_restart_keeps_books_and_resumes_notifications(void **state)
{
	char no[33], code[80], *body, target[160];
	struct rec recs[8];
	struct sim twin;
	struct resp r;

	(void)state;
	sim_call(&main_sim, "POST", "/sim/fault", "{\"notify_hold\": true}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	order_no(no, "K");
	create(&main_sim, no, 700, "/n/restart", code);
	assert_int_equal(pay(&main_sim, code, NULL), 200);
	ca_sleep_ms(300);
	assert_int_equal(rx_find(no, NULL, recs, 8), 0);
	sim_call(&main_sim, "GET", "/sim/state", NULL, &r);
	assert_true(json_integer_value(json_object_get(json_object_get(r.j, "notifications"),
						       "owed")) >= 1);
	resp_free(&r);

	twin = main_sim;
	twin.pid = 0;
	snprintf(twin.log, sizeof(twin.log), "%s/twin.log", dir);
	assert_int_equal(sim_start(&twin), -1);
	assert_int_equal(twin.exit_status, 1);
	assert_true(log_has(&twin, "another ca-paysim serves this directory"));

	sim_kill(&main_sim);
	assert_int_equal(sim_start(&main_sim), 0);
	assert_true(rx_wait(no, NULL, recs, 8, 1, 3000) >= 1);
	assert_true(recs[0].verified);
	body = create_body(&main_sim, no, 700, 300, "/n/restart");
	/* time_expire moved with the clock: other content now. */
	free(body);
	snprintf(target, sizeof(target), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no);
	expect(&main_sim, AUTH_OK, "GET", target, NULL, 200, NULL, &r);
	assert_string_equal(str(r.j, "trade_state", NULL), "SUCCESS");
	resp_free(&r);
	assert_int_equal(pay(&main_sim, code, NULL), 403);
	assert_int_equal(sim_stop(&main_sim), 0);
	assert_true(log_has(&main_sim, "stopped"));
}


/* ---- the bank gateway ---- */

/* now + off_s on s's clock as the gateway writes times (China time). */
static void compact(const struct sim *s, int64_t off_s, char out[15])
{
	time_t t = (time_t)(sim_now_s(s) + off_s + 8 * 3600);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

/* A form of the bank merchant's, unsigned: the fields every request has,
 * then the n of kv. */
static void bank_form(struct upform *f, const char *const (*kv)[2], size_t n)
{
	static const char *const base[][2] = {
		{ "version", "5.1.0" }, { "encoding", "UTF-8" }, { "signMethod", "01" },
		{ "accessType", "0" }, { "merId", BANK_MER }, { "certId", BANK_MCH_CID },
	};

	upform_init(f);
	assert_int_equal(upform_set_all(f, base, sizeof(base) / sizeof(base[0])), CA_OK);
	assert_int_equal(upform_set_all(f, kv, n), CA_OK);
}

/* A consumption request for order no (amount fen, payTimeout ttl_s
 * ahead), unsigned; the merchant's pages on the receiver under
 * /bankfront/ and /bankback/. */
static void bank_request(const struct sim *s, struct upform *f, const char *no, const char *amt,
			 int64_t ttl_s)
{
	char t[15], pt[15], front[128], back[128];
	const char *const kv[][2] = {
		{ "txnType", "01" }, { "txnSubType", "01" }, { "bizType", "000201" },
		{ "channelType", "07" }, { "orderId", no }, { "txnAmt", amt },
		{ "currencyCode", "156" }, { "issInsCode", "icbc" }, { "txnTime", t },
		{ "payTimeout", pt }, { "frontUrl", front }, { "backUrl", back },
	};

	compact(s, 0, t);
	compact(s, ttl_s, pt);
	snprintf(front, sizeof(front), "https://127.0.0.1:%d/bankfront/%s", rx.port, no);
	snprintf(back, sizeof(back), "https://127.0.0.1:%d/bankback/%s", rx.port, no);
	bank_form(f, kv, sizeof(kv) / sizeof(kv[0]));
}

/* The merchant's page (what the receiver's /bankpage/ answers): a form
 * posting f, signed here with the merchant's key, to action (NULL: the
 * main simulator's frontTransReq.do), padded with spaces to size bytes
 * (0: as it comes). */
static void merchant_page(struct upform *f, const char *action, size_t size)
{
	static const char tail[] = "</body></html>";
	FILE *m = fmemopen(rx_page, sizeof(rx_page), "w");
	size_t i;
	long at;

	assert_non_null(m);
	assert_int_equal(upsign_sign(f, bank_key, NULL, 0), CA_OK);
	fputs("<!DOCTYPE html><html><body><form method=\"post\" action=\"", m);
	if (action)
		fputs(action, m);
	else
		fprintf(m, "%s/gateway/api/frontTransReq.do", main_sim.url);
	fputs("\">\n", m);
	for (i = 0; i < f->n; i++)
		fprintf(m, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n", f->f[i].key,
			f->f[i].val);
	fputs("<button type=\"submit\">去银行付款</button></form>", m);
	for (at = ftell(m); size && at < (long)(size - strlen(tail)); at++)
		fputc(' ', m);
	fputs(tail, m);
	assert_int_equal(fclose(m), 0);
	if (size)
		assert_int_equal(strlen(rx_page), size);
}

/* Sign f with key (the merchant's unless told) and POST it to path at s. */
static void gw_post(struct sim *s, const char *path, struct upform *f, const char *key,
		    struct resp *r)
{
	char *body = NULL;

	assert_int_equal(upsign_sign(f, key ? key : bank_key, NULL, 0), CA_OK);
	assert_int_equal(upform_encode(f, &body), CA_OK);
	sim_call(s, "POST", path, body, r);
	free(body);
}

/* A server-to-server answer: signed by the gateway; its fields into a. */
static void gw_answer(const struct resp *r, struct upform *a)
{
	char err[UPSIGN_ERR_MAX];

	if (r->status != 200 || upform_parse(a, r->body, strlen(r->body), err, sizeof(err)))
		fail_msg("answer %ld: %s", r->status, r->body);
	if (upsign_verify(a, BANK_GW_CID, bank_gw_cert, err, sizeof(err)))
		fail_msg("the gateway's answer does not verify: %s (%s)", err, r->body);
}

/* The browser's first step: frontTransReq with f at s; the page's status,
 * and the token of its form (when it has one) into token. */
static long gw_front(struct sim *s, struct upform *f, const char *key, char token[33],
		     char *page, size_t n)
{
	struct resp r;
	const char *t;
	long st;

	gw_post(s, "/gateway/api/frontTransReq.do", f, key, &r);
	st = r.status;
	if (token) {
		t = strstr(r.body, "name=\"token\" value=\"");
		snprintf(token, 33, "%.32s", t ? t + strlen("name=\"token\" value=\"") : "");
	}
	if (page)
		snprintf(page, n, "%s", r.body);
	resp_free(&r);
	return st;
}

/* POST /gateway/pay for no with token at s; the status, the page into page. */
static long gw_pay(struct sim *s, const char *no, const char *token, char *page, size_t n)
{
	char body[160];
	struct resp r;
	long st;

	snprintf(body, sizeof(body), "orderId=%s&merId=" BANK_MER "&token=%s", no, token);
	sim_call(s, "POST", "/gateway/pay", body, &r);
	st = r.status;
	if (page)
		snprintf(page, n, "%s", r.body);
	resp_free(&r);
	return st;
}

/* f signed with key (the merchant's unless told) and posted to path; the
 * gateway's answer, checked, into a. */
static void gw_ask(const char *path, struct upform *f, const char *key, struct upform *a)
{
	struct resp r;

	gw_post(&main_sim, path, f, key, &r);
	gw_answer(&r, a);
	resp_free(&r);
}

/* The merchant's form of kv's n fields (after those every request has)
 * posted to path; the gateway's answer, checked, into a. */
static void gw_ask_with(const char *path, const char *const (*kv)[2], size_t n,
			struct upform *a)
{
	struct upform f;

	bank_form(&f, kv, n);
	gw_ask(path, &f, NULL, a);
	upform_release(&f);
}

/* queryTrans of no (txnTime t); the answer's fields into a. */
static void gw_query(const char *no, const char *t, struct upform *a)
{
	const char *const kv[][2] = {
		{ "txnType", "00" }, { "txnSubType", "00" }, { "bizType", "000000" },
		{ "orderId", no }, { "txnTime", t },
	};

	gw_ask_with("/gateway/api/queryTrans.do", kv, sizeof(kv) / sizeof(kv[0]), a);
}

/* backTransReq: refund amt of the payment qid as refund orderId rno. */
static void gw_refund(const char *rno, const char *qid, const char *amt, struct upform *a)
{
	char t[15], url[128];
	const char *const kv[][2] = {
		{ "txnType", "04" }, { "txnSubType", "00" }, { "bizType", "000201" },
		{ "channelType", "07" }, { "orderId", rno }, { "origQryId", qid },
		{ "txnAmt", amt }, { "txnTime", t }, { "backUrl", url },
	};

	compact(&main_sim, 0, t);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/bankback/refund", rx.port);
	gw_ask_with("/gateway/api/backTransReq.do", kv, sizeof(kv) / sizeof(kv[0]), a);
}

/* Every refusal of the browser's two steps: status, respCode on the page,
 * counted; the same request again is the same page; a payment past
 * payTimeout, with another token, or twice is refused. */
static void test_gateway_front_refusals(void **state)
{
	static const struct {
		const char *what, *key, *val; /* a field set to val ("-": removed) after signing
					       * when key starts with '!', else before */
		long status;
		const char *code;
	} rows[] = {
		{ "a changed amount", "!txnAmt", "1", 403, "11" },
		{ "no signature", "!signature", "-", 403, "11" },
		{ "another certId", "certId", "1234", 403, "11" },
		{ "another version", "version", "5.0.0", 403, "11" },
		{ "signMethod 11", "signMethod", "11", 403, "11" },
		{ "txnType 02", "txnType", "02", 400, "30" },
		{ "another merId", "merId", "777290058110049", 400, "30" },
		{ "a 7-character orderId", "orderId", "ABCDEF1", 400, "30" },
		{ "an orderId with '_'", "orderId", "ABCDEF_12", 400, "30" },
		{ "txnTime not a time", "txnTime", "20261332000000", 400, "30" },
		{ "txnAmt 0", "txnAmt", "0", 400, "30" },
		{ "txnAmt 0100", "txnAmt", "0100", 400, "30" },
		{ "txnAmt over 2^31-1", "txnAmt", "2147483648", 400, "30" },
		{ "frontUrl http://", "frontUrl", "http://127.0.0.1/x", 400, "30" },
		{ "no backUrl", "backUrl", "-", 400, "30" },
		{ "currencyCode 840", "currencyCode", "840", 400, "30" },
		{ "issInsCode ICBC", "issInsCode", "ICBC", 400, "30" },
		{ "an issInsCode of 17", "issInsCode", "abcdefghijklmnopq", 400, "30" },
		{ "a 33-character orderId", "orderId", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", 400,
		  "30" },
		{ "channelType 08", "channelType", "08", 400, "30" },
	};
	char no[33], token[33], token2[33], page[4096], pt[15];
	struct upform f;
	struct resp r;
	size_t i;
	long st;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		order_no(no, "GR");
		bank_request(&main_sim, &f, no, "100", 300);
		if (rows[i].key[0] != '!')
			assert_int_equal(upform_set(&f, rows[i].key, !strcmp(rows[i].val, "-") ? ""
						    : rows[i].val), CA_OK);
		assert_int_equal(upsign_sign(&f, bank_key, NULL, 0), CA_OK);
		if (rows[i].key[0] == '!')
			assert_int_equal(upform_set(&f, rows[i].key + 1, !strcmp(rows[i].val, "-")
						    ? "" : rows[i].val), CA_OK);
		{
			char *body = NULL;

			assert_int_equal(upform_encode(&f, &body), CA_OK);
			sim_call(&main_sim, "POST", "/gateway/api/frontTransReq.do", body, &r);
			free(body);
		}
		if (r.status != rows[i].status || !strstr(r.body, rows[i].code) ||
		    !strstr(r.body, "错误码"))
			fail_msg("%s: %ld %s, want %ld and respCode %s", rows[i].what, r.status,
				 r.body, rows[i].status, rows[i].code);
		resp_free(&r);
		upform_release(&f);
	}
	/* At the limits: an orderId of 32, an issInsCode of 16 and a frontUrl
	 * of 255 bytes are a page; a frontUrl of 256 is 30. */
	for (i = 255; i <= 256; i++) {
		char oid[33], url[300];

		order_no(no, "GL");
		memset(oid, '0', 32);
		oid[32] = '\0';
		memcpy(oid, no, strlen(no));
		bank_request(&main_sim, &f, oid, "100", 300);
		snprintf(url, sizeof(url), "https://127.0.0.1:%d/bankfront/%s", rx.port, oid);
		memset(url + strlen(url), 'x', i - strlen(url));
		url[i] = '\0';
		assert_int_equal(upform_set(&f, "frontUrl", url), CA_OK);
		assert_int_equal(upform_set(&f, "issInsCode", "abcdefghijklmnop"), CA_OK);
		st = gw_front(&main_sim, &f, NULL, NULL, page, sizeof(page));
		if (st != (i == 255 ? 200 : 400) || (i == 256 && !strstr(page, "错误码 30")))
			fail_msg("a frontUrl of %zu bytes: %ld %s", i, st, page);
		upform_release(&f);
	}
	/* Another key's signature. */
	order_no(no, "GK");
	bank_request(&main_sim, &f, no, "100", 300);
	assert_int_equal(gw_front(&main_sim, &f, other_key, NULL, page, sizeof(page)), 403);
	assert_non_null(strstr(page, "错误码 11"));
	upform_release(&f);
	/* payTimeout past (or now) on the gateway's clock. */
	order_no(no, "GT");
	bank_request(&main_sim, &f, no, "100", 0);
	assert_int_equal(gw_front(&main_sim, &f, NULL, NULL, page, sizeof(page)), 403);
	assert_non_null(strstr(page, "错误码 31"));
	upform_release(&f);

	/* The same request again: the bank's page again, with a new token;
	 * other content under the orderId: 12. */
	order_no(no, "GS");
	bank_request(&main_sim, &f, no, "2500", 300);
	assert_int_equal(gw_front(&main_sim, &f, NULL, token, page, sizeof(page)), 200);
	assert_non_null(strstr(page, "action=\"/gateway/pay\""));
	assert_non_null(strstr(page, "25.00 元"));
	assert_int_equal(gw_front(&main_sim, &f, NULL, token2, NULL, 0), 200);
	assert_string_not_equal(token, token2);
	assert_int_equal(upform_set(&f, "txnAmt", "2501"), CA_OK);
	assert_int_equal(gw_front(&main_sim, &f, NULL, NULL, page, sizeof(page)), 400);
	assert_non_null(strstr(page, "错误码 12"));
	/* /gateway/pay: the old token is spent, a made-up one unknown; the new
	 * one pays (the page posts the signed result to frontUrl); again: 12. */
	assert_int_equal(gw_pay(&main_sim, no, token, page, sizeof(page)), 404);
	assert_non_null(strstr(page, "错误码 34"));
	assert_int_equal(gw_pay(&main_sim, no, "0123456789abcdef0123456789ABCDEF", NULL, 0), 404);
	assert_int_equal(gw_pay(&main_sim, no, "short", page, sizeof(page)), 400);
	assert_int_equal(gw_pay(&main_sim, no, token2, page, sizeof(page)), 200);
	assert_non_null(strstr(page, "/bankfront/"));
	assert_non_null(strstr(page, "name=\"respCode\" value=\"00\""));
	assert_int_equal(gw_pay(&main_sim, no, token2, page, sizeof(page)), 403);
	assert_non_null(strstr(page, "错误码 12"));
	upform_release(&f);

	/* Past payTimeout between the two steps: 31, and the order unpaid. */
	order_no(no, "GE");
	bank_request(&main_sim, &f, no, "100", 300);
	assert_int_equal(gw_front(&main_sim, &f, NULL, token, NULL, 0), 200);
	compact(&main_sim, 300, pt);
	sim_clock(&main_sim, main_sim.offset_ms + 300000);
	assert_int_equal(gw_pay(&main_sim, no, token, page, sizeof(page)), 403);
	assert_non_null(strstr(page, "错误码 31"));
	{
		struct upform a;

		gw_query(no, upform_str(&f, "txnTime"), &a);
		assert_string_equal(upform_str(&a, "respCode"), "34");
		upform_release(&a);
	}
	upform_release(&f);
	assert_true(refused(&main_sim, "BANK_SIGNATURE") >= 6);
	assert_true(refused(&main_sim, "BANK_FORMAT") >= 16);
	assert_true(refused(&main_sim, "BANK_TIMEOUT") >= 2);
}

/* queryTrans and backTransReq: 11 for a form that does not verify, 30 for
 * a wrong field, 34 for no paid order (none, unpaid, another txnTime),
 * 00/00 once paid; a refusal echoes fields of 64 bytes at most; refunds
 * 00, the same refund orderId again the same refund, more than was paid
 * or an unknown queryId 12, an origQryId over 32 digits 30;
 * bank_query_fail. */
static void test_gateway_query_and_refund(void **state)
{
	char no[33], token[33], qid[32], rqid[32];
	struct upform f, a, q;
	struct resp r;

	(void)state;
	order_no(no, "GQ");
	bank_request(&main_sim, &f, no, "3000", 300);
	gw_query(no, upform_str(&f, "txnTime"), &a);
	assert_string_equal(upform_str(&a, "respCode"), "34"); /* unknown */
	upform_release(&a);
	assert_int_equal(gw_front(&main_sim, &f, NULL, token, NULL, 0), 200);
	gw_query(no, upform_str(&f, "txnTime"), &a);
	assert_string_equal(upform_str(&a, "respCode"), "34"); /* unpaid */
	upform_release(&a);
	assert_int_equal(gw_pay(&main_sim, no, token, NULL, 0), 200);
	gw_query(no, upform_str(&f, "txnTime"), &a);
	assert_string_equal(upform_str(&a, "respCode"), "00");
	assert_string_equal(upform_str(&a, "origRespCode"), "00");
	assert_string_equal(upform_str(&a, "txnAmt"), "3000");
	assert_string_equal(upform_str(&a, "orderId"), no);
	assert_int_equal(strlen(upform_str(&a, "queryId")), 21);
	snprintf(qid, sizeof(qid), "%s", upform_str(&a, "queryId"));
	upform_release(&a);
	gw_query(no, "20200101000000", &a);
	assert_string_equal(upform_str(&a, "respCode"), "34"); /* another txnTime */
	upform_release(&a);
	/* A query signed with another key, and one with a wrong field (no
	 * txnSubType, bizType, txnTime). */
	{
		const char *const kv[][2] = { { "txnType", "00" }, { "orderId", no } };

		bank_form(&q, kv, sizeof(kv) / sizeof(kv[0]));
	}
	gw_ask("/gateway/api/queryTrans.do", &q, other_key, &a);
	assert_string_equal(upform_str(&a, "respCode"), "11");
	upform_release(&a);
	gw_ask("/gateway/api/queryTrans.do", &q, NULL, &a);
	assert_string_equal(upform_str(&a, "respCode"), "30");
	upform_release(&a);
	sim_call(&main_sim, "POST", "/gateway/api/queryTrans.do", "a=%zz", &r);
	gw_answer(&r, &a);
	assert_string_equal(upform_str(&a, "respCode"), "30");
	upform_release(&a);
	resp_free(&r);
	upform_release(&q);
	/* bank_query_fail: the next query fails (500), then they work. */
	sim_call(&main_sim, "POST", "/sim/fault", "{\"bank_query_fail\": 1}", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	{
		char *body = NULL;

		upform_init(&q);
		assert_int_equal(upform_set(&q, "x", "1"), CA_OK);
		assert_int_equal(upform_encode(&q, &body), CA_OK);
		sim_call(&main_sim, "POST", "/gateway/api/queryTrans.do", body, &r);
		assert_int_equal(r.status, 500);
		resp_free(&r);
		free(body);
		upform_release(&q);
	}
	gw_query(no, upform_str(&f, "txnTime"), &a);
	assert_string_equal(upform_str(&a, "respCode"), "00");
	upform_release(&a);

	/* A refusal echoes the request's fields of 64 bytes at most: an
	 * orderId of 64 (too long for one: 30) comes back, one of 65 does not. */
	{
		char oid[66], t[15];
		const char *const kv[][2] = {
			{ "txnType", "00" }, { "txnSubType", "00" }, { "bizType", "000000" },
			{ "orderId", oid }, { "txnTime", t },
		};
		size_t k;

		compact(&main_sim, 0, t);
		for (k = 64; k <= 65; k++) {
			memset(oid, 'A', k);
			oid[k] = '\0';
			gw_ask_with("/gateway/api/queryTrans.do", kv, sizeof(kv) / sizeof(kv[0]),
				    &a);
			assert_string_equal(upform_str(&a, "respCode"), "30");
			assert_true(!upform_get(&a, "orderId") == (k == 65));
			upform_release(&a);
		}
	}

	/* Refunds. */
	gw_refund("R" "X0000001", "999999999999999999999", "100", &a);
	assert_string_equal(upform_str(&a, "respCode"), "12"); /* unknown queryId */
	upform_release(&a);
	/* origQryId: 32 digits are read (no such payment: 12), 33 are 30. */
	gw_refund("R" "X0000002", "12345678901234567890123456789012", "100", &a);
	assert_string_equal(upform_str(&a, "respCode"), "12");
	upform_release(&a);
	gw_refund("R" "X0000003", "123456789012345678901234567890123", "100", &a);
	assert_string_equal(upform_str(&a, "respCode"), "30");
	upform_release(&a);
	{
		char rno[40];

		snprintf(rno, sizeof(rno), "R%s", no);
		gw_refund(rno, qid, "3001", &a);
		assert_string_equal(upform_str(&a, "respCode"), "12"); /* too much */
		upform_release(&a);
		gw_refund(rno, qid, "3000", &a);
		assert_string_equal(upform_str(&a, "respCode"), "00");
		assert_string_equal(upform_str(&a, "origQryId"), qid);
		snprintf(rqid, sizeof(rqid), "%s", upform_str(&a, "queryId"));
		upform_release(&a);
		gw_refund(rno, qid, "3000", &a); /* a retry: the same refund */
		assert_string_equal(upform_str(&a, "respCode"), "00");
		assert_string_equal(upform_str(&a, "queryId"), rqid);
		upform_release(&a);
		gw_refund(rno, qid, "2999", &a); /* the orderId with other content */
		assert_string_equal(upform_str(&a, "respCode"), "12");
		upform_release(&a);
		snprintf(rno, sizeof(rno), "S%s", no);
		gw_refund(rno, qid, "1", &a); /* nothing is left */
		assert_string_equal(upform_str(&a, "respCode"), "12");
		upform_release(&a);
	}
	/* The books: one refund of 3000, state REFUND. */
	{
		char target[80];

		snprintf(target, sizeof(target), "/sim/orders/%s", no);
		sim_call(&main_sim, "GET", target, NULL, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(str(r.j, "kind", NULL), "bank");
		assert_string_equal(str(r.j, "trade_state", NULL), "REFUND");
		assert_string_equal(str(r.j, "queryId", NULL), qid);
		assert_int_equal(json_array_size(json_object_get(r.j, "refunds")), 1);
		resp_free(&r);
	}
	upform_release(&f);
}

/* The browser's way: `ca-paysim pay` opens the merchant's page (served by
 * the receiver), posts its form to the gateway, pays, and posts the signed
 * result to frontUrl; the back notification is refused twice and retried
 * after 15 and 15 ms (SCALE 1000), then taken; held while
 * bank_notify_hold; a second pay of the page is refused (exit 1). */
static void test_gateway_browser_way_and_notification(void **state)
{
	char no[33], url[160], out[512], *body;
	struct rec recs[16];
	struct upform f;
	struct resp r;
	size_t i;
	int n;

	(void)state;
	order_no(no, "GB");
	rx_policy(no, 2);
	sim_call(&main_sim, "POST", "/sim/fault", "{\"bank_notify_hold\": true}", &r);
	assert_true(json_is_true(json_object_get(r.j, "bank_notify_hold")));
	resp_free(&r);
	bank_request(&main_sim, &f, no, "12345", 300);
	merchant_page(&f, NULL, 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/bankpage/%s", rx.port, no);
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 0);
	if (strncmp(out, "paid ", 5) || !strstr(out, no) || !strstr(out, " 12345"))
		fail_msg("ca-paysim pay said: %s", out);
	/* The browser came back to frontUrl with the signed result. */
	snprintf(url, sizeof(url), "/bankfront/%s", no);
	assert_int_equal(rx_wait(NULL, url, recs, 16, 1, 3000), 1);
	assert_true(recs[0].verified);
	assert_string_equal(recs[0].state, "00");
	/* Held: nothing at backUrl yet. */
	ca_sleep_ms(200);
	snprintf(url, sizeof(url), "/bankback/%s", no);
	assert_int_equal(rx_find(NULL, url, recs, 16), 0);
	sim_call(&main_sim, "POST", "/sim/fault", "{\"bank_notify_hold\": false}", &r);
	resp_free(&r);
	n = rx_wait(NULL, url, recs, 16, 3, 5000);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		assert_true(recs[i].verified);
		assert_int_equal(recs[i].answered, i < 2 ? 500 : 200);
	}
	assert_true(recs[2].mono_ms - recs[1].mono_ms >= 13);
	ca_sleep_ms(200);
	assert_int_equal(rx_find(NULL, url, recs, 16), 3); /* no duplicate for the bank */
	/* The page's form again: the order is paid (12), exit 1. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/bankpage/%s", rx.port, no);
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "refused 12"));
	/* A page without a form, and no page at all. */
	snprintf(rx_page, sizeof(rx_page), "<p data-state=\"CLOSED\">已关闭</p>");
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "refused ORDERCLOSED"));
	assert_int_equal(pay_cli(main_sim.url, "https://127.0.0.1:1/pay/bank/X", out, sizeof(out)),
			 2);
	/* /sim/orders shows the bank order and its notification's attempts. */
	snprintf(url, sizeof(url), "/sim/orders/%s", no);
	sim_call(&main_sim, "GET", url, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(str(r.j, "trade_state", NULL), "SUCCESS");
	assert_string_equal(str(r.j, "txnAmt", NULL), "");
	assert_int_equal(json_integer_value(json_object_get(r.j, "txnAmt")), 12345);
	assert_string_equal(str(json_array_get(json_object_get(r.j, "notifications"), 0), "kind",
				NULL), "bank");
	assert_string_equal(str(json_array_get(json_object_get(r.j, "notifications"), 0), "state",
				NULL), "taken");
	resp_free(&r);
	/* A WeChat query of the bank order: not WeChat Pay's. */
	snprintf(url, sizeof(url), "/v3/pay/transactions/out-trade-no/%s?mchid=" MCHID, no);
	expect(&main_sim, AUTH_OK, "GET", url, NULL, 404, "ORDER_NOT_EXIST", NULL);
	upform_release(&f);
	(void)body;
}

/* A bank order no of amt fen at s, paid in the browser's two steps; its
 * request (for its txnTime) into f, the payment's queryId into qid. */
static void bank_paid(struct sim *s, struct upform *f, const char *no, const char *amt,
		      char qid[32])
{
	char token[33];
	struct upform a;

	bank_request(s, f, no, amt, 300);
	assert_int_equal(gw_front(s, f, NULL, token, NULL, 0), 200);
	assert_int_equal(gw_pay(s, no, token, NULL, 0), 200);
	if (qid) {
		gw_query(no, upform_str(f, "txnTime"), &a);
		assert_string_equal(upform_str(&a, "respCode"), "00");
		snprintf(qid, 32, "%s", upform_str(&a, "queryId"));
		upform_release(&a);
	}
}

/* 50 refunds of one bank payment are taken, the 51st is 12 (counted
 * BANK_REFUND), though the payment is not spent. */
static void test_at_most_50_refunds_a_bank_payment(void **state)
{
	char no[33], qid[32], rno[40];
	struct upform f, a;
	long before = refused(&main_sim, "BANK_REFUND");
	int i;

	(void)state;
	order_no(no, "GR");
	bank_paid(&main_sim, &f, no, "100", qid);
	for (i = 0; i <= 50; i++) {
		snprintf(rno, sizeof(rno), "R%02d%s", i, no);
		gw_refund(rno, qid, "1", &a);
		if (strcmp(upform_str(&a, "respCode"), i < 50 ? "00" : "12"))
			fail_msg("refund %d: respCode %s (%s)", i + 1, upform_str(&a, "respCode"),
				 upform_str(&a, "respMsg"));
		upform_release(&a);
	}
	assert_int_equal(refused(&main_sim, "BANK_REFUND"), before + 1);
	upform_release(&f);
}

/* A socket listening on 127.0.0.1 that never answers: its fd, its port
 * into *port. */
static int silent_listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The next connection to listener fd within ms (kept open, unanswered);
 * -1 when none came. */
static int next_connection(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 ? accept(fd, NULL, NULL) : -1;
}

/* On a simulator of their own (--max-orders 2, --time-scale 1000): a
 * WeChat Pay order and a bank order fill the books, shared by both kinds:
 * a new order of either is refused (403 RULE_LIMIT; a page of 错误码 30,
 * counted BANK_BOOKS_FULL), while the bank order's form again is still
 * answered as its own (paid: 12). Its back notification goes to a
 * merchant that takes the connection and never answers: after 5 s the
 * delivery is a failure (status 0, a timeout, in the books) and it is
 * sent again; SIGTERM cuts that second delivery short (exit 0). */
static void test_gateway_limits_and_a_silent_merchant(void **state)
{
	char no[33], bno[33], code[80], back[128], page[4096], *body;
	int lfd, port, c1, c2;
	struct upform f, g;
	struct resp r;
	struct sim s;
	json_t *d;
	int64_t t0;

	(void)state;
	sim_init(&s, "banklimits");
	s.bank = true;
	s.extra[0] = "--max-orders";
	s.extra[1] = "2";
	s.extra[2] = "--time-scale";
	s.extra[3] = "1000";
	assert_int_equal(sim_start(&s), 0);
	lfd = silent_listener(&port);

	order_no(no, "LW");
	create(&s, no, 100, "/n/banklimits", code);
	order_no(bno, "LB");
	bank_request(&s, &f, bno, "100", 300);
	snprintf(back, sizeof(back), "https://127.0.0.1:%d/silent/%s", port, bno);
	assert_int_equal(upform_set(&f, "backUrl", back), CA_OK);
	{
		char token[33];

		assert_int_equal(gw_front(&s, &f, NULL, token, NULL, 0), 200);
		assert_int_equal(gw_pay(&s, bno, token, NULL, 0), 200);
	}
	t0 = ca_mono_ms();

	/* Full, whatever the kind. */
	order_no(no, "LX");
	body = create_body(&s, no, 100, 300, "/n/banklimits");
	expect(&s, AUTH_OK, "POST", "/v3/pay/transactions/native", body, 403, "RULE_LIMIT", NULL);
	free(body);
	order_no(no, "LY");
	bank_request(&s, &g, no, "100", 300);
	assert_int_equal(gw_front(&s, &g, NULL, NULL, page, sizeof(page)), 403);
	assert_non_null(strstr(page, "错误码 30"));
	upform_release(&g);
	assert_int_equal(refused(&s, "BANK_BOOKS_FULL"), 1);
	assert_int_equal(gw_front(&s, &f, NULL, NULL, page, sizeof(page)), 403);
	assert_non_null(strstr(page, "错误码 12"));
	upform_release(&f);

	/* The silent merchant: the first delivery, 5 s of nothing, the second. */
	c1 = next_connection(lfd, 3000);
	assert_true(c1 >= 0);
	c2 = next_connection(lfd, 12000);
	assert_true(c2 >= 0);
	if (ca_mono_ms() - t0 < 5000 || ca_mono_ms() - t0 > 10000)
		fail_msg("the second delivery came %lld ms after the payment, expected 5 s",
			 (long long)(ca_mono_ms() - t0));
	snprintf(back, sizeof(back), "/sim/orders/%s", bno);
	sim_call(&s, "GET", back, NULL, &r);
	assert_int_equal(r.status, 200);
	d = json_array_get(json_object_get(json_array_get(json_object_get(r.j, "notifications"),
							  0), "deliveries"), 0);
	assert_int_equal(json_integer_value(json_object_get(d, "status")), 0);
	assert_non_null(strstr(str(d, "error", NULL), "Timeout"));
	resp_free(&r);
	assert_int_equal(sim_stop(&s), 0);
	close(c1);
	close(c2);
	close(lfd);
}

/* `ca-paysim pay` at its limits (the reason on stderr each time): a URL of
 * 1024 bytes, or a form's action that makes one or is one, is exit 2; the
 * browser reads a page of 64 KiB (and pays) and refuses one byte more
 * (exit 2), or, once paid, a frontUrl answering more (exit 0: paid all
 * the same); the phone reads an answer of 4 KiB from --sim and refuses
 * one byte more (exit 2); a --sim over 1024 bytes is a usage error (exit
 * 2). */
static void test_the_customer_at_the_limits(void **state)
{
	char no[33], url[1100], rx_url[64], out[512], *sim;
	struct upform f;
	int n;

	(void)state;
	snprintf(rx_url, sizeof(rx_url), "https://127.0.0.1:%d", rx.port);
	n = snprintf(url, sizeof(url), "%s/bankpage/", rx_url);
	memset(url + n, 'a', 1024 - n);
	url[1024] = '\0';
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 2);
	assert_true(scratch_has(pay_err, "the URL is too long"));

	/* A form's action on the page's host whose URL would be too long; an
	 * action of 1024 bytes itself, not read as one. */
	order_no(no, "CA");
	bank_request(&main_sim, &f, no, "100", 300);
	n = snprintf(url, sizeof(url), "/");
	memset(url + n, 'a', 1024 - strlen(rx_url) - n);
	url[1024 - strlen(rx_url)] = '\0';
	merchant_page(&f, url, 0);
	snprintf(url, sizeof(url), "%s/bankpage/%s", rx_url, no);
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 2);
	assert_true(scratch_has(pay_err, "a form's action is too long"));
	n = snprintf(url, sizeof(url), "%s/", main_sim.url);
	memset(url + n, 'a', 1024 - n);
	url[1024] = '\0';
	merchant_page(&f, url, 0);
	snprintf(url, sizeof(url), "%s/bankpage/%s", rx_url, no);
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 2);
	assert_true(scratch_has(pay_err, "without a form"));
	upform_release(&f);

	/* Pages: 64 KiB read, one byte more refused, not paid. */
	for (n = 0; n < 2; n++) {
		order_no(no, "CP");
		bank_request(&main_sim, &f, no, "100", 300);
		merchant_page(&f, NULL, 65536 + n);
		snprintf(url, sizeof(url), "%s/bankpage/%s", rx_url, no);
		if (pay_cli(main_sim.url, url, out, sizeof(out)) != (n ? 2 : 0) ||
		    (!n && strncmp(out, "paid ", 5)) ||
		    (n && !scratch_has(pay_err, "the page is over 65536 bytes")))
			fail_msg("a page of %d bytes: %s", 65536 + n, out);
		upform_release(&f);
	}
	/* Paid, then the merchant's frontUrl answers 64 KiB + 1. */
	order_no(no, "CF");
	bank_request(&main_sim, &f, no, "100", 300);
	snprintf(url, sizeof(url), "%s/bankbig/%s", rx_url, no);
	assert_int_equal(upform_set(&f, "frontUrl", url), CA_OK);
	merchant_page(&f, NULL, 0);
	snprintf(url, sizeof(url), "%s/bankpage/%s", rx_url, no);
	assert_int_equal(pay_cli(main_sim.url, url, out, sizeof(out)), 0);
	assert_true(!strncmp(out, "paid ", 5) && strstr(out, no));
	assert_true(scratch_has(pay_err, "the page is over 65536 bytes"));
	upform_release(&f);

	/* The phone's answer from --sim (here the receiver): 4 KiB read, one
	 * byte more refused. */
	for (n = 0; n < 2; n++) {
		int k = snprintf(rx_page, sizeof(rx_page), "{\"out_trade_no\":\"TBIG0001\","
				 "\"trade_state\":\"SUCCESS\",\"success_time\":"
				 "\"2026-01-02T03:04:05+08:00\",\"amount_fen\":1,\"pad\":\"");

		memset(rx_page + k, ' ', 4096 + n - k - 2);
		strcpy(rx_page + 4096 + n - 2, "\"}");
		assert_int_equal(strlen(rx_page), 4096 + n);
		if (pay_cli(rx_url, "weixin://wxpay/bizpayurl?pr=abcdefg", out, sizeof(out)) !=
		    (n ? 2 : 0) || (!n && strncmp(out, "paid TBIG0001 SUCCESS ", 22)) ||
		    (n && !scratch_has(pay_err, "the answer is over 4096 bytes")))
			fail_msg("an answer of %d bytes: %s", 4096 + n, out);
	}
	sim = calloc(1, 1026);
	assert_non_null(sim);
	n = snprintf(sim, 1026, "%s/", main_sim.url);
	memset(sim + n, 'a', 1025 - n);
	assert_int_equal(pay_cli(sim, "weixin://wxpay/bizpayurl?pr=abcdefg", out, sizeof(out)), 2);
	assert_true(scratch_has(pay_err, "usage: ca-paysim"));
	free(sim);
}

/* Without --bank-mer-id and the rest, /gateway/ is 404. */
static void test_gateway_is_off_without_its_options(void **state)
{
	struct sim s;
	struct resp r;

	(void)state;
	sim_init(&s, "nobank");
	assert_int_equal(sim_start(&s), 0);
	sim_call(&s, "POST", "/gateway/api/queryTrans.do", "a=1", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(str(r.j, "code", NULL), "NOT_FOUND");
	resp_free(&r);
	assert_int_equal(sim_stop(&s), 0);
}

/* serve refuses to start (exit 2, saying why) with an APIv3 key that is
 * not 32 bytes, a platform key that is no private key, a PEM file over
 * 256 KiB, a missing option, a value longer than its option takes, each
 * limit out of its range at either end, half of the bank's options. */
static void test_serve_refuses_bad_options(void **state)
{
	static const struct {
		const char *opt, *value, *says;
	} rows[] = {
		{ "--apiv3-key", "short.key", "not 32" },
		{ "--platform-key", "platform.pub", "--platform-key" },
		{ "--mchid", "", "serve needs" },
		{ "--cert", "big.pem", "over 262144 bytes" },
		{ "--mchid", "123456789012345678901234567890123", "--mchid is over 32 bytes" },
		{ "--listen", "0000000000000000000000000000000000000000000000000000000000000000",
		  "--listen is over 63 bytes" },
		{ "--port", "65536", "out of range" },
		{ "--time-scale", "0", "out of range" },
		{ "--time-scale", "1000001", "out of range" },
		{ "--max-connections", "0", "out of range" },
		{ "--max-connections", "100000", "out of range" },
		{ "--idle-timeout", "0", "out of range" },
		{ "--idle-timeout", "3601", "out of range" },
		{ "--nonce-cache", "0", "out of range" },
		{ "--nonce-cache", "10000001", "out of range" },
		{ "--max-orders", "0", "out of range" },
		{ "--max-orders", "10000001", "out of range" },
		{ "--bank-mer-id", "12345", "not 15 digits" },
		{ "--bank-cert-id", "12a", "not a decimal serial" },
		{ "--bank-cert-id", "1234567890123456789012345678901234567890123456789",
		  "not a decimal serial" },
		{ "--bank-mer-id", "777290058110048", "needs all of" },
	};
	char path[PATHLEN + 32];
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/short.key", dir);
	assert_int_equal(tmpdir_put(path, "0123456789abcdef0123456789abcde"), 0);
	{
		/* The server's certificate, then spaces up to one byte past 256 KiB. */
		char *big = calloc(1, 262145 + 1);

		assert_non_null(big);
		snprintf(big, 262146, "%s", srv_cert);
		memset(big + strlen(big), ' ', 262145 - strlen(big));
		snprintf(path, sizeof(path), "%s/big.pem", dir);
		assert_int_equal(tmpdir_put(path, big), 0);
		free(big);
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sim s;
		char value[PATHLEN + 32];

		sim_init(&s, "bad");
		snprintf(value, sizeof(value), "%s%s%s", strchr(rows[i].value, '.') ? dir : "",
			 strchr(rows[i].value, '.') ? "/" : "", rows[i].value);
		s.extra[0] = rows[i].opt;
		s.extra[1] = value;
		assert_int_equal(sim_start(&s), -1);
		assert_int_equal(s.exit_status, 2);
		if (!log_has(&s, rows[i].says))
			fail_msg("%s %s: the log does not say '%s'", rows[i].opt, value, rows[i].says);
		unlink(s.log);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_refusal_has_its_status_and_code),
		cmocka_unit_test(test_the_longest_description_is_taken),
		cmocka_unit_test(test_every_field_limit),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_a_replayed_nonce_is_refused),
		cmocka_unit_test(test_notifications_retry_on_the_scaled_schedule),
		cmocka_unit_test(test_a_probe_taken_is_a_merchant_fault),
		cmocka_unit_test(test_injected_faults),
		cmocka_unit_test(test_at_most_50_refunds_an_order),
		cmocka_unit_test(test_body_and_head_limits),
		cmocka_unit_test(test_the_customer_pays_and_is_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_gateway_front_refusals),
		cmocka_unit_test(test_gateway_query_and_refund),
		cmocka_unit_test(test_gateway_browser_way_and_notification),
		cmocka_unit_test(test_at_most_50_refunds_a_bank_payment),
		cmocka_unit_test(test_gateway_limits_and_a_silent_merchant),
		cmocka_unit_test(test_the_customer_at_the_limits),
		cmocka_unit_test(test_gateway_is_off_without_its_options),
		cmocka_unit_test(test_serve_refuses_bad_options),
		cmocka_unit_test(test_restart_keeps_books_and_resumes_notifications),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
