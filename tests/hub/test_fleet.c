/*
 * test_fleet.c - ca-hub as a fleet and hostile clients use it: a real hub
 * process over real TLS on loopback (tests/support/hubproc), many clients
 * from many loopback source addresses (127.0.0.0/8 is all loopback).
 *
 * - Hundreds of signed feed long-polls are parked without a thread each
 *   (the hub's thread count stays small), /health still answers, a change
 *   for one device's account wakes that device's polls and no other's, and
 *   polls whose clients went away leave no socket behind (CLOSE-WAIT).
 * - One address gets at most per_address_connections connections; the rest
 *   are refused at once while /health and a signed push from elsewhere
 *   still answer.
 * - A request whose head trickles in (a header line a second) is cut at
 *   the request deadline; a request line trickled a byte a second is cut at
 *   the idle limit (each byte would reset a plain idle timer).
 * - A client that half-closes after its request is closed at once.
 * - A hub whose open-file limit is low serves what fits and says so.
 * - SIGTERM with parked polls: every poll is answered, the hub exits 0.
 *
 * The hub is configured small (per address 40, request deadline 5 s, idle
 * limit 6 s) so that each limit is reached within seconds. Bounds on time
 * are generous: they tell a deadline from no deadline, not speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/codec.h"
#include "core/sign.h"
#include "core/uuid.h"
#include "../fixture.h"
#include "../support/hubproc.h"

#define PER_ADDRESS 40
#define POLLS 150            /* per device */
#define POLL_ADDRS 10        /* source addresses the polls are spread over */

static struct hubproc hub;
static char sec_a[65], sec_b[65];

#define DEV_A "fleet-a"
#define DEV_B "fleet-b"
#define PHONE_A "13900000001"
#define PHONE_B "13900000002"

/* A signed request; the answer's status (body freed unless out). */
static long sreq(const char *dev, const char *sec, const char *method, const char *target,
		 const char *body, char **out)
{
	struct hubproc_req q = { .device = dev, .secret = sec };
	struct hubproc_resp r;

	hubproc_request(&hub, &q, method, target, body, &r);
	if (out)
		*out = r.body;
	else
		free(r.body);
	return r.status;
}

/* Log phone in on dev (binds the account to the device). */
static void login(const char *dev, const char *sec, const char *phone)
{
	char body[128], out[256];

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
	assert_int_equal(sreq(dev, sec, "POST", "/v1/login/sms", body, NULL), 200);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "sms", "last", phone, (char *)NULL),
			 0);
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%.6s\"}", phone, out);
	assert_int_equal(sreq(dev, sec, "POST", "/v1/login", body, NULL), 200);
}

/* Save a fresh application of phone from dev: a change in the feed of the
 * devices bound to phone. Its id into id. */
static void save_app(const char *dev, const char *sec, const char *phone, char id[37])
{
	struct ca_app a;
	char key[37], *body, *out = NULL;
	json_t *r;

	fixture_app(&a);
	assert_int_equal(uuid_v4(a.id), CA_OK);
	snprintf(a.account, sizeof(a.account), "%s", phone);
	uuid_v4(key);
	r = json_pack("{s:[{s:s, s:s, s:I, s:o, s:n}]}", "records", "key", key, "op", "save",
		      "at_ms", (json_int_t)1795000000000, "app", codec_app_encode(&a), "arg");
	body = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	assert_int_equal(sreq(dev, sec, "POST", "/v1/records", body, &out), 200);
	assert_non_null(strstr(out, "\"status\":200"));
	free(out);
	free(body);
	memcpy(id, a.id, 37);
}

/* The feed's head for dev (no wait). */
static long long feed_head(const char *dev, const char *sec)
{
	char *out = NULL, target[64];
	long long next = 0;
	json_t *j;

	for (;;) {
		snprintf(target, sizeof(target), "/v1/feed?since=%lld&limit=500", next);
		assert_int_equal(sreq(dev, sec, "GET", target, NULL, &out), 200);
		j = json_loads(out, 0, NULL);
		free(out);
		assert_non_null(j);
		next = json_integer_value(json_object_get(j, "next"));
		if (!json_is_true(json_object_get(j, "more"))) {
			json_decref(j);
			return next;
		}
		json_decref(j);
	}
}

static int group_setup(void **state)
{
	struct hubproc_opts o = {
		.hub_ini = "per_address_connections = 40\nrequest_timeout_s = 5\n"
			   "connection_timeout_s = 6\nthreads = 2\n",
	};

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (hubproc_start(&hub, &o) || hubproc_device_add(&hub, DEV_A, sec_a) ||
	    hubproc_device_add(&hub, DEV_B, sec_b))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (!getenv("KEEP"))
		hubproc_cleanup(&hub);
	curl_global_cleanup();
	return 0;
}

/* ---- many clients at once (curl multi) ---- */

/* One long-poll. */
struct poll {
	CURL *cu;                 /* its handle */
	struct curl_slist *hl;    /* its signed headers */
	char *body;               /* what came back, malloc'd */
	size_t len;               /* bytes of body */
	long status;              /* HTTP status, 0 until done */
	int curl_code;            /* CURLcode when done */
	bool done;                /* finished (either way) */
};

static size_t poll_body(char *d, size_t s, size_t m, void *ud)
{
	struct poll *p = ud;
	char *n = realloc(p->body, p->len + s * m + 1);

	if (!n)
		return 0;
	memcpy(n + p->len, d, s * m);
	p->len += s * m;
	n[p->len] = '\0';
	p->body = n;
	return s * m;
}

/* Set p up as a signed GET of target by dev from source address src. */
static void poll_init(struct poll *p, const char *dev, const char *sec, const char *target,
		      const char *src)
{
	char url[256], h[4][160], sig[SIGN_HEX_LEN + 1], nonce[SIGN_NONCE_LEN + 1], ifc[64];
	int64_t ts = (int64_t)time(NULL);
	int i;

	memset(p, 0, sizeof(*p));
	sign_nonce(nonce);
	sign_request(sec, "GET", target, ts, nonce, "", 0, sig);
	snprintf(h[0], sizeof(h[0]), "X-CA-Device: %s", dev);
	snprintf(h[1], sizeof(h[1]), "X-CA-Timestamp: %lld", (long long)ts);
	snprintf(h[2], sizeof(h[2]), "X-CA-Nonce: %s", nonce);
	snprintf(h[3], sizeof(h[3]), "X-CA-Signature: %s", sig);
	for (i = 0; i < 4; i++)
		p->hl = curl_slist_append(p->hl, h[i]);
	snprintf(url, sizeof(url), "%s%s", hub.url, target);
	snprintf(ifc, sizeof(ifc), "host!%s", src);
	p->cu = curl_easy_init();
	assert_non_null(p->cu);
	curl_easy_setopt(p->cu, CURLOPT_URL, url);
	curl_easy_setopt(p->cu, CURLOPT_HTTPHEADER, p->hl);
	curl_easy_setopt(p->cu, CURLOPT_INTERFACE, ifc);
	curl_easy_setopt(p->cu, CURLOPT_CAINFO, hub.cacert);
	curl_easy_setopt(p->cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->cu, CURLOPT_TIMEOUT_MS, 40000L);
	curl_easy_setopt(p->cu, CURLOPT_WRITEFUNCTION, poll_body);
	curl_easy_setopt(p->cu, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->cu, CURLOPT_PRIVATE, p);
}

static void poll_free(struct poll *p)
{
	if (p->cu)
		curl_easy_cleanup(p->cu);
	curl_slist_free_all(p->hl);
	free(p->body);
	memset(p, 0, sizeof(*p));
}

/* Drive m for up to ms; note finished polls. Returns how many finished. */
static int multi_run(CURLM *m, long ms)
{
	int64_t end = ca_mono_ms() + ms;
	int running, finished = 0, left;
	CURLMsg *msg;

	do {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct poll *p;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
			p->done = true;
			p->curl_code = (int)msg->data.result;
			curl_easy_getinfo(p->cu, CURLINFO_RESPONSE_CODE, &p->status);
			finished++;
		}
		curl_multi_poll(m, NULL, 0, 50, NULL);
	} while (ca_mono_ms() < end);
	return finished;
}

/* Sockets of the hub's port in TCP state st (hex, as /proc/net/tcp writes
 * it: "01" ESTABLISHED, "08" CLOSE_WAIT), on the hub's side. */
static int hub_sockets(const char *st)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512], local[64], remote[64], state[8], want[16];
	int n = 0;

	assert_non_null(f);
	snprintf(want, sizeof(want), ":%04X", hub.port);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %63s %63s %7s", local, remote, state) == 3 &&
		    strstr(local, want) && strlen(strstr(local, want)) == 5 &&
		    strcmp(state, st) == 0)
			n++;
	fclose(f);
	return n;
}

/* The hub process's thread count. */
static int hub_threads(void)
{
	char path[64], line[256];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)hub.pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* GET /health from 127.0.0.1: its status. */
static long health(void)
{
	struct hubproc_req q = { .timeout_ms = 5000 };
	struct hubproc_resp r;

	hubproc_request(&hub, &q, "GET", "/health", NULL, &r);
	free(r.body);
	return r.status;
}

/* One figure of GET /v1/admin/server. */
static long long server_stat(const char *name)
{
	struct hubproc_req q = { .bearer = hub.token };
	struct hubproc_resp r;
	long long v;
	json_t *j;

	hubproc_request(&hub, &q, "GET", "/v1/admin/server", NULL, &r);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	free(r.body);
	assert_non_null(j);
	assert_true(json_is_integer(json_object_get(j, name)));
	v = json_integer_value(json_object_get(j, name));
	json_decref(j);
	return v;
}

static void test_parked_polls_hold_no_thread_and_wake_only_their_device(void **state)
{
	static struct poll pa[POLLS], pb[POLLS];
	char target[80], src[32], id[37];
	long long head_a, head_b, woken;
	int i, est, threads, done_a = 0, done_b = 0;
	CURLM *m = curl_multi_init();

	(void)state;
	login(DEV_A, sec_a, PHONE_A);
	login(DEV_B, sec_b, PHONE_B);
	head_a = feed_head(DEV_A, sec_a);
	head_b = feed_head(DEV_B, sec_b);
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	for (i = 0; i < POLLS; i++) {
		snprintf(src, sizeof(src), "127.0.1.%d", 1 + i % POLL_ADDRS);
		snprintf(target, sizeof(target), "/v1/feed?since=%lld&wait=25", head_a);
		poll_init(&pa[i], DEV_A, sec_a, target, src);
		curl_multi_add_handle(m, pa[i].cu);
		snprintf(src, sizeof(src), "127.0.2.%d", 1 + i % POLL_ADDRS);
		snprintf(target, sizeof(target), "/v1/feed?since=%lld&wait=25", head_b);
		poll_init(&pb[i], DEV_B, sec_b, target, src);
		curl_multi_add_handle(m, pb[i].cu);
	}
	/* All of them connect and are parked (a sanitizer build on a busy
	 * machine takes its time: up to 30 s). */
	for (i = 0; i < 30 && server_stat("parked") < 2 * POLLS; i++)
		assert_int_equal(multi_run(m, 1000), 0);
	est = hub_sockets("01");
	threads = hub_threads();
	fprintf(stderr, "# %d polls: %d connections established, %d hub threads\n",
		2 * POLLS, est, threads);
	assert_true(est >= 2 * POLLS);
	/* A thread per connection would be 300 and more. */
	assert_true(threads > 0 && threads < 24);
	assert_int_equal(health(), 200);
	assert_int_equal(server_stat("parked"), 2 * POLLS);

	/* A change for A's account: A's polls answer it, B's stay parked and
	 * are not even run again (the hub wakes only what a commit concerns). */
	woken = server_stat("woken");
	save_app(DEV_A, sec_a, PHONE_A, id);
	for (i = 0; i < 100 && done_a < POLLS; i++)
		done_a += multi_run(m, 100);
	for (i = 0; i < POLLS; i++) {
		if (pa[i].done) {
			assert_int_equal(pa[i].curl_code, CURLE_OK);
			assert_int_equal(pa[i].status, 200);
			assert_non_null(strstr(pa[i].body, id));
		}
		done_b += pb[i].done;
	}
	assert_int_equal(done_a, POLLS);
	assert_int_equal(done_b, 0);
	assert_int_equal(server_stat("woken") - woken, POLLS);
	assert_int_equal(server_stat("parked"), POLLS);

	/* B's clients go away: the hub lets go of their sockets at once. */
	for (i = 0; i < POLLS; i++) {
		curl_multi_remove_handle(m, pa[i].cu);
		poll_free(&pa[i]);
		curl_multi_remove_handle(m, pb[i].cu);
		poll_free(&pb[i]);
	}
	curl_multi_cleanup(m);
	for (i = 0; i < 50 && (hub_sockets("08") || hub_sockets("01")); i++)
		ca_sleep_ms(100);
	fprintf(stderr, "# after the clients left: %d established, %d close-wait (%d ms)\n",
		hub_sockets("01"), hub_sockets("08"), i * 100);
	assert_int_equal(hub_sockets("08"), 0);
	assert_int_equal(hub_sockets("01"), 0);
	assert_int_equal(server_stat("parked"), 0);
	assert_int_equal(health(), 200);
}

/* ---- raw TLS clients (curl CONNECT_ONLY) ---- */

/* A TLS connection from src, nothing sent, within timeout_ms; NULL when
 * the hub refused it or did not take it in time. */
static CURL *raw_open_within(const char *src, long timeout_ms)
{
	CURL *cu = curl_easy_init();
	char ifc[64];

	assert_non_null(cu);
	snprintf(ifc, sizeof(ifc), "host!%s", src);
	curl_easy_setopt(cu, CURLOPT_URL, hub.url);
	curl_easy_setopt(cu, CURLOPT_INTERFACE, ifc);
	curl_easy_setopt(cu, CURLOPT_CAINFO, hub.cacert);
	curl_easy_setopt(cu, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if (curl_easy_perform(cu) != CURLE_OK) {
		curl_easy_cleanup(cu);
		return NULL;
	}
	return cu;
}

static CURL *raw_open(const char *src)
{
	return raw_open_within(src, 5000);
}

/* Send text; false when the connection is gone. */
static bool raw_send(CURL *cu, const char *text)
{
	size_t n = strlen(text), sent;

	while (n) {
		CURLcode rc = curl_easy_send(cu, text, n, &sent);

		if (rc == CURLE_AGAIN) {
			ca_sleep_ms(10);
			continue;
		}
		if (rc != CURLE_OK)
			return false;
		text += sent;
		n -= sent;
	}
	return true;
}

/* Whether the hub has closed the connection (EOF or error on read). */
static bool raw_closed(CURL *cu)
{
	char buf[512];
	size_t n;
	CURLcode rc = curl_easy_recv(cu, buf, sizeof(buf), &n);

	if (rc == CURLE_AGAIN)
		return false;
	return rc != CURLE_OK || n == 0;
}

static void test_one_address_is_capped_and_others_still_served(void **state)
{
	static CURL *c[3 * PER_ADDRESS];
	char id[37];
	int i, open = 0, alive = 0;

	(void)state;
	for (i = 0; i < 3 * PER_ADDRESS; i++) {
		c[i] = raw_open("127.0.3.1");
		if (c[i] && raw_send(c[i], "GET /health HTTP/1.1\r\nHost: x\r\n"))
			open++;
	}
	ca_sleep_ms(300);
	for (i = 0; i < 3 * PER_ADDRESS; i++)
		alive += c[i] && !raw_closed(c[i]);
	fprintf(stderr, "# one address: %d of %d connections taken, %d held\n", open,
		3 * PER_ADDRESS, alive);
	assert_int_equal(alive, PER_ADDRESS);
	/* Everyone else is still served, reads and signed writes. */
	assert_int_equal(health(), 200);
	login(DEV_A, sec_a, PHONE_A);
	save_app(DEV_A, sec_a, PHONE_A, id);
	for (i = 0; i < 3 * PER_ADDRESS; i++)
		if (c[i])
			curl_easy_cleanup(c[i]);
}

static void test_trickled_head_is_cut_at_the_request_deadline(void **state)
{
	CURL *cu = raw_open("127.0.4.1");
	int64_t t0;
	int i;

	(void)state;
	assert_non_null(cu);
	t0 = ca_mono_ms();
	assert_true(raw_send(cu, "GET /health HTTP/1.1\r\nHost: x\r\n"));
	/* A header line a second: never idle, never complete. */
	for (i = 0; i < 30 && !raw_closed(cu); i++) {
		ca_sleep_ms(1000);
		if (!raw_send(cu, "X-Slow: 1\r\n"))
			break;
	}
	fprintf(stderr, "# trickled head cut after %lld ms\n", (long long)(ca_mono_ms() - t0));
	assert_true(ca_mono_ms() - t0 >= 4000);  /* the deadline (5 s), not before */
	assert_true(ca_mono_ms() - t0 < 15000);  /* long before the 30 s it would trickle */
	curl_easy_cleanup(cu);
	/* A whole head at once is answered, on the same address. */
	cu = raw_open("127.0.4.1");
	assert_non_null(cu);
	assert_true(raw_send(cu, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
	ca_sleep_ms(500);
	{
		char buf[256] = "";
		size_t n = 0;

		assert_int_equal(curl_easy_recv(cu, buf, sizeof(buf) - 1, &n), CURLE_OK);
		assert_true(n > 12);
		assert_memory_equal(buf, "HTTP/1.1 200", 12);
	}
	curl_easy_cleanup(cu);
}

static void test_trickled_request_line_is_cut_at_the_idle_limit(void **state)
{
	static const char line[] = "GET /health-and-more-and-more-and-more-and-more";
	CURL *cu = raw_open("127.0.5.1");
	int64_t t0 = ca_mono_ms();
	char one[2] = "";
	size_t i;

	(void)state;
	assert_non_null(cu);
	/* A byte a second: a plain idle timer would be reset each time. */
	for (i = 0; i < sizeof(line) - 1 && !raw_closed(cu); i++) {
		one[0] = line[i];
		if (!raw_send(cu, one))
			break;
		ca_sleep_ms(1000);
	}
	fprintf(stderr, "# trickled request line cut after %lld ms\n",
		(long long)(ca_mono_ms() - t0));
	assert_true(ca_mono_ms() - t0 >= 5000);  /* the idle limit (6 s), not before */
	assert_true(ca_mono_ms() - t0 < 20000);
	curl_easy_cleanup(cu);
}

/* A second hub, one worker, max_connections 1000 but an open-file limit of
 * 300: it takes 300 - 256 = 44 connections, says so in its log, and no
 * more, whatever the addresses (the next ones wait in the listen queue and
 * time out); when one closes, the next is taken. */
static void test_open_file_ceiling_caps_total_connections(void **state)
{
	struct hubproc_opts o = {
		.hub_ini = "max_connections = 1000\nper_address_connections = 1000\nthreads = 1\n",
		.nofile = 300,
	};
	struct hubproc small, saved = hub;
	static CURL *c[50];
	char src[32], cmd[HUBPROC_PATH + 64];
	int i, taken = 0;

	(void)state;
	assert_int_equal(hubproc_start(&small, &o), 0);
	hub = small; /* raw_open() and health() talk to `hub` */
	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "127.0.8.%d", 1 + i % 20);
		c[i] = raw_open_within(src, 1000);
		taken += c[i] != NULL;
	}
	fprintf(stderr, "# open-file limit 300: %d of 50 connections taken\n", taken);
	hub = saved;
	assert_int_equal(taken, 44);
	curl_easy_cleanup(c[0]);
	c[0] = NULL;
	hub = small;
	assert_int_equal(health(), 200);
	hub = saved;
	for (i = 0; i < 50; i++)
		if (c[i])
			curl_easy_cleanup(c[i]);
	snprintf(cmd, sizeof(cmd), "grep -q 'open-file limit (300) allows 44 connections' %s",
		 small.log);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(hubproc_stop(&small), 0);
	hubproc_cleanup(&small);
}

/* A client that sends its whole request and then shuts down its side
 * (shutdown(SHUT_WR) without TLS's close_notify) never holds a socket: the
 * hub closes at once, after its answer when it had the answer ready before
 * it read the end of the stream (libmicrohttpd closes a TLS connection at
 * a premature end of stream without answering: both are fine, waiting is
 * not), never leaving it in CLOSE-WAIT until the idle limit or the poll's
 * 25 s. Over TLS: a plain GET, and a signed feed long-poll (parked first,
 * then ended by the half-close). The plain-HTTP case, where the answer
 * always comes, is in fuzz_hubreq's seeds. */
static void test_half_closed_client_is_closed_at_once(void **state)
{
	char sig[SIGN_HEX_LEN + 1], nonce[SIGN_NONCE_LEN + 1], req[1024], target[80];
	long long head = feed_head(DEV_B, sec_b);
	int64_t ts = (int64_t)time(NULL), t0;
	int round;

	(void)state;
	snprintf(target, sizeof(target), "/v1/feed?since=%lld&wait=25", head);
	sign_nonce(nonce);
	sign_request(sec_b, "GET", target, ts, nonce, "", 0, sig);
	for (round = 0; round < 2; round++) {
		CURL *cu = raw_open("127.0.9.1");
		curl_socket_t fd = CURL_SOCKET_BAD;
		char buf[4096], got[8192] = "";
		size_t n, len = 0;
		CURLcode rc;

		assert_non_null(cu);
		if (round == 0)
			snprintf(req, sizeof(req), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
		else
			snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
				 "X-CA-Device: %s\r\nX-CA-Timestamp: %lld\r\nX-CA-Nonce: %s\r\n"
				 "X-CA-Signature: %s\r\n\r\n", target, DEV_B, (long long)ts, nonce,
				 sig);
		assert_true(raw_send(cu, req));
		if (round == 1) /* let it park first */
			for (n = 0; n < 50 && server_stat("parked") < 1; n++)
				ca_sleep_ms(100);
		assert_int_equal(curl_easy_getinfo(cu, CURLINFO_ACTIVESOCKET, &fd), CURLE_OK);
		t0 = ca_mono_ms();
		assert_int_equal(shutdown(fd, SHUT_WR), 0);
		for (;;) {
			rc = curl_easy_recv(cu, buf, sizeof(buf), &n);
			if (rc == CURLE_AGAIN) {
				if (ca_mono_ms() - t0 > 15000)
					break;
				ca_sleep_ms(10);
				continue;
			}
			if (rc != CURLE_OK || n == 0)
				break;
			if (len + n < sizeof(got)) {
				memcpy(got + len, buf, n);
				len += n;
			}
		}
		fprintf(stderr, "# half-closed %s: %s, closed after %lld ms\n",
			round ? "long-poll" : "GET /health", len ? "answered" : "not answered",
			(long long)(ca_mono_ms() - t0));
		assert_true(ca_mono_ms() - t0 < 5000); /* the idle limit is 6 s, the wait 25 s */
		if (len)
			assert_memory_equal(got, "HTTP/1.1 200", 12);
		curl_easy_cleanup(cu);
	}
	assert_int_equal(server_stat("parked"), 0);
	for (round = 0; round < 20 && hub_sockets("08"); round++)
		ca_sleep_ms(100);
	assert_int_equal(hub_sockets("08"), 0);
}

/* Runs last: stops the hub. */
static void test_stop_answers_every_parked_poll(void **state)
{
	static struct poll p[50];
	char target[80], src[32];
	long long head = feed_head(DEV_B, sec_b);
	int i, done = 0;
	CURLM *m = curl_multi_init();

	(void)state;
	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "127.0.6.%d", 1 + i % 5);
		snprintf(target, sizeof(target), "/v1/feed?since=%lld&wait=25", head);
		poll_init(&p[i], DEV_B, sec_b, target, src);
		curl_multi_add_handle(m, p[i].cu);
	}
	for (i = 0; i < 30 && server_stat("parked") < 50; i++)
		assert_int_equal(multi_run(m, 1000), 0);
	assert_int_equal(server_stat("parked"), 50);
	kill(hub.pid, SIGTERM);
	for (i = 0; i < 100 && done < 50; i++)
		done += multi_run(m, 100);
	assert_int_equal(done, 50);
	for (i = 0; i < 50; i++) {
		assert_int_equal(p[i].status, 200);
		assert_non_null(strstr(p[i].body, "\"changes\":[]"));
		curl_multi_remove_handle(m, p[i].cu);
		poll_free(&p[i]);
	}
	curl_multi_cleanup(m);
	assert_int_equal(hubproc_stop(&hub), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parked_polls_hold_no_thread_and_wake_only_their_device),
		cmocka_unit_test(test_one_address_is_capped_and_others_still_served),
		cmocka_unit_test(test_trickled_head_is_cut_at_the_request_deadline),
		cmocka_unit_test(test_trickled_request_line_is_cut_at_the_idle_limit),
		cmocka_unit_test(test_half_closed_client_is_closed_at_once),
		cmocka_unit_test(test_open_file_ceiling_caps_total_connections),
		cmocka_unit_test(test_stop_answers_every_parked_poll),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
