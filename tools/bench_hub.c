/*
 * bench_hub.c - `make bench-hub`: a fleet of simulated kiosks against one
 * real ca-hub over loopback TLS (the method and the figures are
 * in docs/bench-hub.md).
 *
 * Where to start reading: main() runs the scenarios in order; fleet_run()
 * is the event loop (libcurl's multi interface on epoll, one thread) that
 * drives every simulated kiosk; hostile_main() is the second thread, the
 * slow clients of scenario 2 (raw OpenSSL, no libcurl).
 *
 * Setup: the hub is started as tests/support/hubproc does (throw-away CA,
 * TLS, data dir in a temp directory on the real disk), with the hub's own
 * default max_connections unless --max-connections says otherwise. Every
 * kiosk is its own device, provisioned through the admin API (bearer token)
 * over one keep-alive connection. The pushing kiosks log an account in each
 * (dev SMS provider: the code is read back through the admin API).
 *
 * Kiosks live in halls of 4; each hall has its own loopback source address
 * (127.1.x.y, CURLOPT_INTERFACE "host!..."), so a per-address limit on the
 * hub sees a fleet, not one client. /health is sampled from 127.3.0.1, the
 * drain kiosk uses 127.4.0.1, setup calls 127.5.0.1, and the hostile
 * clients 127.2.0.1 (unfinished requests) and 127.2.0.2 (header trickle).
 *
 * Scenarios (each prints a table):
 *   1. N kiosks hold a feed long-poll each (GET /v1/feed?...&wait=25,
 *      polled again when answered) while P of them push one signed record
 *      at a time, steadily;
 *   2. the same while one address holds H unfinished requests (TLS done,
 *      half a request head sent) and another trickles one header line every
 *      20 s on T connections;
 *   3. R queued records drained by one kiosk, batches of 100 records (at
 *      most one per application, as the sync engine sends them), one request
 *      after the other over one connection.
 *
 * Every figure is measured here, none is asserted: the exit status is 0
 * when the benchmark could run (hub started, devices provisioned), whatever
 * the hub answered; errors are counted by kind and printed.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/sign.h"
#include "core/uuid.h"
#include "../tests/fixture.h"
#include "../tests/support/hubproc.h"
#include "../tests/support/membuf.h"

#define FEED_WAIT_S     25     /* the engine's longest long-poll hold */
#define HALL_KIOSKS     4      /* kiosks per hall (per source address) */
#define HEALTH_EVERY_MS 100    /* /health sampling period */
#define BODY_CAP        (1 << 20) /* largest answer kept */
#define ERR_KINDS       64     /* distinct error kinds counted per phase */
#define BATCH_MAX       100    /* records per request (docs/api.md) */
#define HEALTH_MAX      64     /* /health samples in flight (5 s at 100 ms: 50) */

/* ---- options ---- */

struct opts {
	int kiosks;           /* simulated kiosks holding a long-poll */
	int pushers;          /* of them, how many push records */
	int seconds;          /* length of scenarios 1 and 2, each */
	int ramp_s;           /* kiosks start evenly over this many seconds */
	int push_every_ms;    /* a pusher's pause between two pushes (±50 %) */
	int holders;          /* scenario 2: unfinished requests from one address */
	int tricklers;        /* scenario 2: connections trickling headers */
	int trickle_s;        /* seconds between two trickled header lines */
	int drain;            /* scenario 3: records drained by one kiosk */
	int max_conn;         /* hub's max_connections; -1 = the hub's default */
	bool fleet;           /* run scenarios 1 and 2 */
	bool do_drain;        /* run scenario 3 */
};

/* ---- small helpers ---- */

/* A uniform random number in [0, 1) (benchmark jitter, not secrets). */
static double frand(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}

/* A growable list of latencies in milliseconds. */
struct lat {
	double *v;   /* samples, owned */
	size_t n;    /* used */
	size_t cap;  /* allocated */
};

static void lat_add(struct lat *l, double ms)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		double *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of l, nearest rank; NAN when empty. */
static double lat_q(struct lat *l, double q)
{
	size_t i;

	if (!l->n)
		return NAN;
	qsort(l->v, l->n, sizeof(double), cmp_double);
	i = (size_t)ceil(q * (double)l->n);
	return l->v[i ? i - 1 : 0];
}

static void lat_release(struct lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* "p50 X ms, p99 Y ms, max Z ms (n)" or "no answer" into buf. */
static const char *lat_text(struct lat *l, char *buf, size_t n)
{
	if (!l->n)
		snprintf(buf, n, "no answer");
	else
		snprintf(buf, n, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu)", lat_q(l, 0.5),
			 lat_q(l, 0.99), lat_q(l, 1.0), l->n);
	return buf;
}

/* ---- the hub process and the machine, from /proc ---- */

/* CPU time of a process (utime + stime) in seconds; -1 when unreadable. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A "Name:   N kB" line of a /proc file, in kB; -1 when absent. */
static long proc_kb(pid_t pid, const char *file, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Open file descriptors of a process; -1 when unreadable. */
static int proc_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Busy and total jiffies of the whole machine (all cores) from /proc/stat. */
static void machine_jiffies(double *busy, double *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		*total = (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]);
		*busy = *total - (double)(v[3] + v[4]);
	}
	fclose(f);
}

/* The first three fields of /proc/loadavg and a newline (static buffer). */
static const char *loadavg(void)
{
	static char buf[64];
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;

	if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		a = b = c = -1;
	if (f)
		fclose(f);
	snprintf(buf, sizeof(buf), "%.2f %.2f %.2f\n", a, b, c);
	return buf;
}

/* This process's CPU time (all threads), seconds. */
static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- statistics of one phase ---- */

struct errkind {
	char what[96]; /* "feed: Couldn't connect to server" */
	long n;        /* how many */
};

struct phase {
	const char *name;       /* table title */
	int64_t t0_ms, t1_ms;   /* monotonic start and end */
	double hub_cpu0, hub_cpu1, self_cpu0, self_cpu1;
	double mbusy0, mtotal0, mbusy1, mtotal1;
	long rss_kb, pss_kb, threads, fds; /* the hub at the end */
	long rss_max_kb;        /* largest VmRSS seen (sampled each second) */
	int held_min, held_max; /* long-polls held, sampled each second */
	double held_sum;        /* for the mean */
	int held_samples;
	long feed_answers, feed_changes;
	long push_sent, push_ok, records_ok, records_bad;
	long health_ok, health_bad;
	struct lat push_lat, health_lat;
	struct errkind err[ERR_KINDS];
	int nerr;
};

static void count_err(struct phase *ph, const char *what)
{
	int i;

	for (i = 0; i < ph->nerr; i++)
		if (!strcmp(ph->err[i].what, what)) {
			ph->err[i].n++;
			return;
		}
	if (ph->nerr == ERR_KINDS)
		i = ERR_KINDS - 1; /* the last slot collects the rest */
	else
		snprintf(ph->err[ph->nerr++].what, sizeof(ph->err[0].what), "%s", what);
	ph->err[i].n++;
}

static void count_errf(struct phase *ph, const char *kind, const char *what)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%s: %s", kind, what);
	count_err(ph, buf);
}

/* ---- simulated kiosks ---- */

enum req_kind { REQ_FEED, REQ_PUSH, REQ_HEALTH };

/* One request slot on its own easy handle (a kiosk's feed or push). */
struct req {
	CURL *h;                   /* easy handle, owned; NULL when not made yet */
	struct curl_slist *hdr;    /* request headers of the request in flight */
	char *body;                /* request body in flight, owned */
	struct membuf resp;        /* answer body, owned */
	enum req_kind kind;        /* what it is for */
	struct kiosk *k;           /* its kiosk; NULL for /health */
	bool busy;                 /* in the multi handle */
	bool held;                 /* request sent (connection up), no answer yet */
	bool sent;                 /* the connection was up and the request went out */
	int64_t t0_us;             /* when it was started */
	int64_t due_ms;            /* next start (monotonic); 0 = never */
	int fails;                 /* failures in a row (backoff) */
};

/* One simulated kiosk: a provisioned device with its own secret. */
struct kiosk {
	char id[24];               /* device id */
	char secret[65];           /* its HMAC key */
	char iface[40];            /* "host!127.1.x.y": its hall's address */
	char phone[16];            /* account logged in on it (pushers) */
	int64_t cursor;            /* feed cursor */
	struct req feed;           /* the long-poll */
	struct req push;           /* pushes (pushers only) */
	bool pusher;               /* pushes records */
	char app_id[CA_UUID_LEN + 1]; /* application of the pending record */
	char key[CA_UUID_LEN + 1];    /* idempotency key of the pending record */
	bool submit_next;          /* the pending record is the submit of app_id */
	bool record_due;           /* a record waits to be (re)sent */
};

/* The event loop's state (one thread). */
struct fleet {
	struct hubproc *hp;
	const struct opts *o;
	CURLM *m;                  /* the multi handle */
	int ep;                    /* epoll fd */
	int64_t timer_ms;          /* curl's timer, monotonic ms; -1 = none */
	struct kiosk *k;           /* o->kiosks kiosks */
	struct phase *ph;          /* where results go now */
	int64_t next_health_ms;    /* next /health sample */
	struct req *health[HEALTH_MAX]; /* /health samples in flight, owned */
	int nhealth;               /* how many */
};

static size_t on_body(char *d, size_t s, size_t m, void *ud)
{
	struct req *q = ud;
	size_t n = s * m;

	if (q->resp.n + n > BODY_CAP || membuf_add(&q->resp, d, n))
		return 0;
	return n;
}

/* Called by libcurl when the connection is up and the request goes out:
 * from then until the answer the long-poll is held by the hub. */
static int on_prereq(void *ud, char *ip, char *lip, int rport, int lport)
{
	struct req *q = ud;

	(void)ip;
	(void)lip;
	(void)rport;
	(void)lport;
	q->sent = true;
	if (q->kind == REQ_FEED)
		q->held = true;
	return CURL_PREREQFUNC_OK;
}

/* Headers for a request signed by kiosk k (or none when k is NULL). */
static struct curl_slist *sign_headers(const struct kiosk *k, const char *method,
				       const char *target, const char *body)
{
	char h[200], sig[SIGN_HEX_LEN + 1], nonce[SIGN_NONCE_LEN + 1];
	struct curl_slist *l = NULL;
	int64_t ts = (int64_t)time(NULL);

	if (k) {
		sign_nonce(nonce);
		sign_request(k->secret, method, target, ts, nonce, body,
			     body ? strlen(body) : 0, sig);
		snprintf(h, sizeof(h), "X-CA-Device: %s", k->id);
		l = curl_slist_append(l, h);
		snprintf(h, sizeof(h), "X-CA-Timestamp: %lld", (long long)ts);
		l = curl_slist_append(l, h);
		snprintf(h, sizeof(h), "X-CA-Nonce: %s", nonce);
		l = curl_slist_append(l, h);
		snprintf(h, sizeof(h), "X-CA-Signature: %s", sig);
		l = curl_slist_append(l, h);
	}
	l = curl_slist_append(l, "Content-Type: application/json");
	l = curl_slist_append(l, "Expect:");
	return l;
}

/* The options every bench request shares: URL, TLS verified against the
 * hub's CA (host name included), source address, timeouts. */
static void common_opts(CURL *h, struct hubproc *hp, const char *target, const char *iface,
			long timeout_ms)
{
	char url[256];

	snprintf(url, sizeof(url), "%s%s", hp->url, target);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, hp->cacert);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
}

/* Build and add request q of kiosk k (feed or push), or a /health sample. */
static void req_start(struct fleet *fl, struct req *q)
{
	char target[128];
	const char *method = "GET", *iface;
	struct kiosk *k = q->k;
	long timeout_ms = 10000;

	if (!q->h)
		q->h = curl_easy_init();
	else
		curl_easy_reset(q->h);
	curl_slist_free_all(q->hdr);
	q->hdr = NULL;
	free(q->resp.p);
	q->resp.p = NULL;
	q->resp.n = 0;
	iface = k ? k->iface : "host!127.3.0.1";
	if (q->kind == REQ_FEED) {
		snprintf(target, sizeof(target), "/v1/feed?since=%lld&limit=500&wait=%d",
			 (long long)k->cursor, FEED_WAIT_S);
		timeout_ms = (FEED_WAIT_S + 10) * 1000L;
	} else if (q->kind == REQ_PUSH) {
		snprintf(target, sizeof(target), "/v1/records");
		method = "POST";
	} else {
		snprintf(target, sizeof(target), "/health");
		timeout_ms = 5000;
		/* A monitor opens a connection of its own each time. */
		curl_easy_setopt(q->h, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(q->h, CURLOPT_FORBID_REUSE, 1L);
	}
	q->hdr = sign_headers(q->kind == REQ_HEALTH ? NULL : k, method, target,
			      q->kind == REQ_PUSH ? q->body : NULL);
	common_opts(q->h, fl->hp, target, iface, timeout_ms);
	curl_easy_setopt(q->h, CURLOPT_HTTPHEADER, q->hdr);
	if (q->kind == REQ_PUSH) {
		curl_easy_setopt(q->h, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(q->h, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
	}
	curl_easy_setopt(q->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(q->h, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(q->h, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(q->h, CURLOPT_PREREQDATA, q);
	curl_easy_setopt(q->h, CURLOPT_PRIVATE, q);
	q->busy = true;
	q->held = false;
	q->sent = false;
	q->t0_us = ca_mono_us();
	if (q->kind == REQ_PUSH)
		fl->ph->push_sent++;
	curl_multi_add_handle(fl->m, q->h);
}

/* The sync engine's backoff: full jitter, base 1 s, cap 5 min, >= 50 ms. */
static int64_t backoff_ms(int n)
{
	double cap = 1000.0 * pow(2.0, n > 20 ? 19 : n - 1);

	if (cap > 300000.0)
		cap = 300000.0;
	cap *= frand();
	return cap < 50 ? 50 : (int64_t)cap;
}

/* The body of the pending record of pusher k (save of a new application,
 * then its submit). */
static char *record_body(struct kiosk *k)
{
	struct ca_app a;
	json_t *rec, *all;
	char *s;

	if (!k->record_due) {
		k->submit_next = !k->submit_next && k->app_id[0];
		if (!k->submit_next)
			uuid_v4(k->app_id);
		uuid_v4(k->key);
		k->record_due = true;
	}
	fixture_app(&a);
	memcpy(a.id, k->app_id, sizeof(a.id));
	snprintf(a.account, sizeof(a.account), "%.11s", k->phone);
	snprintf(a.kiosk_id, sizeof(a.kiosk_id), "%s", k->id);
	rec = json_pack("{s:s, s:s, s:I, s:o, s:s?}", "key", k->key, "op",
			k->submit_next ? "submit" : "save", "at_ms", (json_int_t)ca_wall_ms(), "app",
			codec_app_encode(&a), "arg", k->submit_next ? "请审核" : NULL);
	all = json_pack("{s:[o]}", "records", rec);
	s = all ? json_dumps(all, JSON_COMPACT) : NULL;
	json_decref(all);
	return s;
}

/* An answer (or a failure) of request q. */
static void req_done(struct fleet *fl, struct req *q, CURLcode cc)
{
	struct phase *ph = fl->ph;
	struct kiosk *k = q->k;
	int64_t now = ca_mono_ms();
	double ms = (double)(ca_mono_us() - q->t0_us) / 1000.0;
	const char *kind = q->kind == REQ_FEED ? "feed" : q->kind == REQ_PUSH ? "push" : "health";
	long status = 0;
	char what[64];
	json_t *j = NULL;
	bool ok;

	curl_multi_remove_handle(fl->m, q->h);
	q->busy = false;
	q->held = false;
	if (cc == CURLE_OK)
		curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &status);
	ok = cc == CURLE_OK && status == 200;
	if (cc == CURLE_OPERATION_TIMEDOUT)
		count_errf(ph, kind, q->sent ? "timeout waiting for the answer"
				     : "timeout before the request went out (TCP + TLS)");
	else if (cc != CURLE_OK)
		count_errf(ph, kind, curl_easy_strerror(cc));
	else if (status != 200) {
		snprintf(what, sizeof(what), "HTTP %ld", status);
		count_errf(ph, kind, what);
	}
	if (ok && q->kind != REQ_HEALTH) {
		j = json_loads(q->resp.p ? q->resp.p : "", 0, NULL);
		if (!j) {
			count_errf(ph, kind, "answer not JSON");
			ok = false;
		}
	}
	switch (q->kind) {
	case REQ_HEALTH:
		if (ok) {
			ph->health_ok++;
			lat_add(&ph->health_lat, ms);
		} else {
			ph->health_bad++;
		}
		break;
	case REQ_FEED:
		if (ok) {
			size_t n = json_array_size(json_object_get(j, "changes"));

			ph->feed_answers++;
			ph->feed_changes += (long)n;
			if (json_is_integer(json_object_get(j, "next")))
				k->cursor = json_integer_value(json_object_get(j, "next"));
			q->fails = 0;
			/* As the engine: an early empty answer never makes it spin. */
			q->due_ms = n == 0 && ms < 1000 ? now + 1000 : now;
		} else {
			q->due_ms = now + backoff_ms(++q->fails);
		}
		break;
	case REQ_PUSH:
		if (ok) {
			json_t *r = json_array_get(json_object_get(j, "results"), 0);
			json_int_t st = json_integer_value(json_object_get(r, "status"));

			ph->push_ok++;
			lat_add(&ph->push_lat, ms);
			if (st == 200) {
				ph->records_ok++;
				k->record_due = false;
			} else {
				ph->records_bad++;
				snprintf(what, sizeof(what), "record status %lld", (long long)st);
				count_errf(ph, kind, what);
				if (st < 500 && st != 429 && st != 401)
					k->record_due = false; /* parked, as the engine would */
			}
			q->fails = 0;
			q->due_ms = now + (int64_t)(fl->o->push_every_ms * (0.5 + frand()));
		} else {
			q->due_ms = now + backoff_ms(++q->fails);
		}
		break;
	}
	json_decref(j);
	if (q->kind == REQ_HEALTH) {
		int i;

		for (i = 0; i < fl->nhealth; i++)
			if (fl->health[i] == q) {
				fl->health[i] = fl->health[--fl->nhealth];
				break;
			}
		curl_easy_cleanup(q->h);
		curl_slist_free_all(q->hdr);
		free(q->resp.p);
		free(q);
	}
}

/* libcurl's socket callback: keep epoll in step with what it waits for. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sockp)
{
	struct fleet *fl = ud;
	struct epoll_event ev;

	(void)e;
	(void)sockp;
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = s;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(fl->ep, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(fl->ep, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT)
		epoll_ctl(fl->ep, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *ud)
{
	struct fleet *fl = ud;

	(void)m;
	fl->timer_ms = timeout_ms < 0 ? -1 : ca_mono_ms() + timeout_ms;
	return 0;
}

static void drain_done(struct fleet *fl)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(fl->m, &left)))
		if (msg->msg == CURLMSG_DONE) {
			struct req *q = NULL;

			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
			req_done(fl, q, msg->data.result);
		}
}

/* Held long-polls, counted by the prereq callback's flag. */
static int count_held(struct fleet *fl)
{
	int i, n = 0;

	for (i = 0; i < fl->o->kiosks; i++)
		n += fl->k[i].feed.held;
	return n;
}

/* Start what is due: kiosks' polls and pushes, /health samples. */
static void start_due(struct fleet *fl, int64_t now, bool pushing)
{
	int i;

	for (i = 0; i < fl->o->kiosks; i++) {
		struct kiosk *k = &fl->k[i];

		if (!k->feed.busy && k->feed.due_ms && k->feed.due_ms <= now)
			req_start(fl, &k->feed);
		if (pushing && k->pusher && !k->push.busy && k->push.due_ms &&
		    k->push.due_ms <= now) {
			free(k->push.body);
			k->push.body = record_body(k);
			if (k->push.body)
				req_start(fl, &k->push);
		}
	}
	if (now >= fl->next_health_ms) {
		struct req *q = fl->nhealth < HEALTH_MAX ? calloc(1, sizeof(*q)) : NULL;

		fl->next_health_ms += HEALTH_EVERY_MS;
		if (q) {
			q->kind = REQ_HEALTH;
			fl->health[fl->nhealth++] = q;
			req_start(fl, q);
		} else {
			fl->ph->health_bad++;
			count_err(fl->ph, "health: not sent (64 samples still waiting)");
		}
	}
}

/* Sample the hub and the held long-polls (once a second). */
static void sample(struct fleet *fl)
{
	struct phase *ph = fl->ph;
	long rss = proc_kb(fl->hp->pid, "status", "VmRSS");
	int held = count_held(fl);

	if (rss > ph->rss_max_kb)
		ph->rss_max_kb = rss;
	if (!ph->held_samples || held < ph->held_min)
		ph->held_min = held;
	if (held > ph->held_max)
		ph->held_max = held;
	ph->held_sum += held;
	ph->held_samples++;
}

static void phase_begin(struct fleet *fl, struct phase *ph, const char *name)
{
	memset(ph, 0, sizeof(*ph));
	ph->name = name;
	ph->t0_ms = ca_mono_ms();
	ph->hub_cpu0 = proc_cpu_s(fl->hp->pid);
	ph->self_cpu0 = self_cpu_s();
	machine_jiffies(&ph->mbusy0, &ph->mtotal0);
	fl->ph = ph;
}

static void phase_end(struct fleet *fl, struct phase *ph)
{
	pid_t pid = fl->hp->pid;

	ph->t1_ms = ca_mono_ms();
	ph->hub_cpu1 = proc_cpu_s(pid);
	ph->self_cpu1 = self_cpu_s();
	machine_jiffies(&ph->mbusy1, &ph->mtotal1);
	ph->rss_kb = proc_kb(pid, "status", "VmRSS");
	ph->pss_kb = proc_kb(pid, "smaps_rollup", "Pss");
	ph->threads = proc_kb(pid, "status", "Threads");
	ph->fds = proc_fds(pid);
}

/* Run the event loop for ms milliseconds into phase ph. */
static void fleet_run(struct fleet *fl, int64_t ms, bool pushing)
{
	struct epoll_event ev[256];
	int64_t end = ca_mono_ms() + ms, next_scan = 0, next_sample = ca_mono_ms() + 1000;
	int running, n, i;

	fl->next_health_ms = ca_mono_ms();
	for (;;) {
		int64_t now = ca_mono_ms(), wait;

		if (now >= end)
			break;
		if (now >= next_scan) {
			start_due(fl, now, pushing);
			next_scan = now + 10;
		}
		if (now >= next_sample) {
			sample(fl);
			next_sample += 1000;
		}
		wait = next_scan - now;
		if (fl->timer_ms >= 0 && fl->timer_ms - now < wait)
			wait = fl->timer_ms - now;
		if (wait < 0)
			wait = 0;
		n = epoll_wait(fl->ep, ev, 256, (int)wait);
		for (i = 0; i < n; i++) {
			int f = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
				(ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				(ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

			curl_multi_socket_action(fl->m, ev[i].data.fd, f, &running);
		}
		if (fl->timer_ms >= 0 && ca_mono_ms() >= fl->timer_ms) {
			fl->timer_ms = -1;
			curl_multi_socket_action(fl->m, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		drain_done(fl);
	}
}

/* ---- scenario 2's hostile clients (a thread of their own, raw OpenSSL) ---- */

/* One hostile connection. */
struct hconn {
	int fd;           /* socket; -1 when closed */
	SSL *ssl;         /* its TLS session */
	int64_t opened_ms;/* when the handshake completed */
	int64_t next_ms;  /* trickle: next header line */
	int lines;        /* trickle: lines sent */
};

struct hostile {
	pthread_t t;
	atomic_bool stop;
	int port;
	int holders, tricklers, trickle_s;
	SSL_CTX *ctx;
	struct hconn *hold, *trick;
	/* results, read after the join */
	long hold_tries, hold_ok, hold_failed, hold_cut, hold_held_max;
	long trick_tries, trick_ok, trick_failed, trick_cut, trick_lines;
	double trick_life_max_s, hold_life_max_s;
	long hold_now, trick_now;
};

/* Connect from src to the hub and complete a TLS handshake; 0 when done. */
static int hostile_open(struct hostile *hs, const char *src, struct hconn *c)
{
	struct sockaddr_in a;
	struct timeval tv = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	c->fd = -1;
	c->ssl = NULL;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, src, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	a.sin_port = htons((uint16_t)hs->port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	c->ssl = SSL_new(hs->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, fd) || SSL_connect(c->ssl) != 1)
		goto fail;
	c->fd = fd;
	c->opened_ms = ca_mono_ms();
	return 0;
fail:
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
	close(fd);
	return -1;
}

static void hostile_close(struct hconn *c)
{
	if (c->fd < 0)
		return;
	SSL_free(c->ssl);
	close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

/* Open c from src and send the first len bytes of head; counted in *ok,
 * or (closed again) in *failed. Whether it is open. */
static bool hostile_begin(struct hostile *hs, const char *src, struct hconn *c,
			  const char *head, size_t len, long *ok, long *failed)
{
	if (hostile_open(hs, src, c) != 0 || SSL_write(c->ssl, head, (int)len) <= 0) {
		hostile_close(c);
		(*failed)++;
		return false;
	}
	(*ok)++;
	return true;
}

/* Whether the hub closed (or answered) c; reads what is there. */
static bool hostile_cut(struct hconn *c)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	char buf[512];

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	/* Readable: an answer (408, 400...) or the end; either way it is over. */
	(void)SSL_read(c->ssl, buf, sizeof(buf));
	ERR_clear_error();
	return true;
}

static void *hostile_main(void *ud)
{
	struct hostile *hs = ud;
	static const char half_head[] =
		"GET /v1/feed?since=0&wait=25 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ";
	static const char trick_head[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	int i;

	while (!atomic_load(&hs->stop)) {
		int64_t t0 = ca_mono_ms(), th, now;
		int opened = 0;
		long held = 0, trick = 0;

		/* Opening stops for this round after 0.4 s (tricklers) and
		 * 0.6 s (holders): a handshake the hub does not take waits up
		 * to 1 s, and closes must still be noticed and trickled lines
		 * still go out. */
		for (i = 0; i < hs->tricklers && !atomic_load(&hs->stop) &&
		     ca_mono_ms() - t0 < 400; i++) {
			struct hconn *c = &hs->trick[i];

			if (c->fd >= 0)
				continue;
			hs->trick_tries++;
			if (!hostile_begin(hs, "127.2.0.2", c, trick_head, sizeof(trick_head) - 1,
					   &hs->trick_ok, &hs->trick_failed))
				continue;
			c->lines = 0;
			c->next_ms = ca_mono_ms() + hs->trickle_s * 1000L;
		}
		/* Keep H unfinished requests open: reopen what the hub cut, at
		 * most 50 new handshakes a round. */
		th = ca_mono_ms();
		for (i = 0; i < hs->holders && opened < 50 && !atomic_load(&hs->stop) &&
		     ca_mono_ms() - th < 600; i++) {
			struct hconn *c = &hs->hold[i];

			if (c->fd >= 0)
				continue;
			hs->hold_tries++;
			opened++;
			hostile_begin(hs, "127.2.0.1", c, half_head, sizeof(half_head) - 1,
				      &hs->hold_ok, &hs->hold_failed);
		}
		now = ca_mono_ms();
		for (i = 0; i < hs->holders; i++) {
			struct hconn *c = &hs->hold[i];

			if (c->fd < 0)
				continue;
			if (hostile_cut(c)) {
				double life = (double)(now - c->opened_ms) / 1000.0;

				if (life > hs->hold_life_max_s)
					hs->hold_life_max_s = life;
				hs->hold_cut++;
				hostile_close(c);
				continue;
			}
			held++;
		}
		for (i = 0; i < hs->tricklers; i++) {
			struct hconn *c = &hs->trick[i];
			double life;

			if (c->fd < 0)
				continue;
			life = (double)(now - c->opened_ms) / 1000.0;
			if (life > hs->trick_life_max_s)
				hs->trick_life_max_s = life;
			if (hostile_cut(c)) {
				hs->trick_cut++;
				hostile_close(c);
				continue;
			}
			if (now >= c->next_ms) {
				char line[64];
				int len = snprintf(line, sizeof(line), "X-Trickle-%d: %d\r\n",
						   c->lines, c->lines);

				if (SSL_write(c->ssl, line, len) <= 0) {
					ERR_clear_error();
					hs->trick_cut++;
					hostile_close(c);
					continue;
				}
				c->lines++;
				hs->trick_lines++;
				c->next_ms = now + hs->trickle_s * 1000L;
			}
			trick++;
		}
		hs->hold_now = held;
		hs->trick_now = trick;
		if (held > hs->hold_held_max)
			hs->hold_held_max = held;
		now = ca_mono_ms();
		if (now - t0 < 200)
			usleep((useconds_t)(200 - (now - t0)) * 1000);
	}
	return NULL;
}

static int hostile_start(struct hostile *hs, struct hubproc *hp, const struct opts *o)
{
	int i;

	memset(hs, 0, sizeof(*hs));
	hs->port = hp->port;
	hs->holders = o->holders;
	hs->tricklers = o->tricklers;
	hs->trickle_s = o->trickle_s;
	hs->ctx = SSL_CTX_new(TLS_client_method());
	hs->hold = calloc((size_t)o->holders + 1, sizeof(*hs->hold));
	hs->trick = calloc((size_t)o->tricklers + 1, sizeof(*hs->trick));
	if (!hs->ctx || !hs->hold || !hs->trick)
		return -1;
	/* Verified like a kiosk would, although nothing here depends on it. */
	SSL_CTX_load_verify_locations(hs->ctx, hp->cacert, NULL);
	SSL_CTX_set_verify(hs->ctx, SSL_VERIFY_PEER, NULL);
	for (i = 0; i < o->holders; i++)
		hs->hold[i].fd = -1;
	for (i = 0; i < o->tricklers; i++)
		hs->trick[i].fd = -1;
	atomic_init(&hs->stop, false);
	return pthread_create(&hs->t, NULL, hostile_main, hs) == 0 ? 0 : -1;
}

static void hostile_stop(struct hostile *hs)
{
	int i;

	atomic_store(&hs->stop, true);
	pthread_join(hs->t, NULL);
	for (i = 0; i < hs->holders; i++)
		hostile_close(&hs->hold[i]);
	for (i = 0; i < hs->tricklers; i++)
		hostile_close(&hs->trick[i]);
	free(hs->hold);
	free(hs->trick);
	SSL_CTX_free(hs->ctx);
}

/* ---- setup: provisioning and logins over one keep-alive connection ---- */

/* One blocking call on the setup handle h (keep-alive); status or 0. */
static long setup_call(CURL *h, struct hubproc *hp, const struct kiosk *k,
		       const char *method, const char *target, const char *body,
		       const char *iface, json_t **out)
{
	struct req q;
	struct curl_slist *hdr;
	char auth[120];
	long status = 0;

	memset(&q, 0, sizeof(q));
	curl_easy_reset(h);
	hdr = sign_headers(k, method, target, body);
	if (!k) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", hp->token);
		hdr = curl_slist_append(hdr, auth);
	}
	common_opts(h, hp, target, iface, 30000);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &q);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (out)
		*out = json_loads(q.resp.p ? q.resp.p : "", 0, NULL);
	free(q.resp.p);
	curl_slist_free_all(hdr);
	return status;
}

/* Provision device k->id through the admin API; its secret into k. */
static int provision(CURL *h, struct hubproc *hp, struct kiosk *k)
{
	char body[80];
	json_t *j = NULL;
	const char *sec;
	int rc = -1;

	snprintf(body, sizeof(body), "{\"id\":\"%s\"}", k->id);
	if (setup_call(h, hp, NULL, "POST", "/v1/admin/devices", body, "host!127.5.0.1", &j) ==
	    200 && (sec = json_string_value(json_object_get(j, "secret")))) {
		snprintf(k->secret, sizeof(k->secret), "%s", sec);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* Log k->phone in on kiosk k (dev SMS provider; the code read back by the
 * admin API), so k may push that account's records. */
static int login(CURL *h, struct hubproc *hp, struct kiosk *k)
{
	char body[96], target[64];
	const char *code;
	json_t *j = NULL;
	long st;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", k->phone);
	if (setup_call(h, hp, k, "POST", "/v1/login/sms", body, "host!127.5.0.1", NULL) != 200)
		return -1;
	snprintf(target, sizeof(target), "/v1/admin/sms/%s", k->phone);
	if (setup_call(h, hp, NULL, "GET", target, NULL, "host!127.5.0.1", &j) != 200) {
		json_decref(j);
		return -1;
	}
	code = json_string_value(json_object_get(j, "code"));
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%s\"}", k->phone,
		 code ? code : "");
	json_decref(j);
	st = setup_call(h, hp, k, "POST", "/v1/login", body, "host!127.5.0.1", NULL);
	return st == 200 ? 0 : -1;
}

/* ---- printing ---- */

static void print_phase(struct phase *ph, const struct opts *o, const struct hostile *hs)
{
	double s = (double)(ph->t1_ms - ph->t0_ms) / 1000.0;
	double mt = ph->mtotal1 - ph->mtotal0;
	char b1[128];
	int i;

	printf("\n%s (%.0f s)\n", ph->name, s);
	printf("  %-34s %d kiosks, %d halls (source addresses), %d pushing\n", "fleet",
	       o->kiosks, (o->kiosks + HALL_KIOSKS - 1) / HALL_KIOSKS, o->pushers);
	printf("  %-34s min %d, mean %.0f, max %d of %d\n", "long-polls held (sampled 1/s)",
	       ph->held_min, ph->held_samples ? ph->held_sum / ph->held_samples : 0.0,
	       ph->held_max, o->kiosks);
	printf("  %-34s %ld (%ld changes)\n", "feed answers", ph->feed_answers,
	       ph->feed_changes);
	printf("  %-34s %ld started, %ld answered; records 200: %ld = %.1f records/s; "
	       "other: %ld\n", "pushes (1 record each)", ph->push_sent, ph->push_ok,
	       ph->records_ok, (double)ph->records_ok / s, ph->records_bad);
	printf("  %-34s %s\n", "push latency", lat_text(&ph->push_lat, b1, sizeof(b1)));
	printf("  %-34s %ld ok, %ld failed; %s\n", "GET /health every 100 ms", ph->health_ok,
	       ph->health_bad, lat_text(&ph->health_lat, b1, sizeof(b1)));
	printf("  %-34s %.1f %% of a core; VmRSS %.1f MiB (max %.1f), PSS %.1f MiB; "
	       "%ld threads, %ld fds\n", "hub", 100.0 * (ph->hub_cpu1 - ph->hub_cpu0) / s,
	       (double)ph->rss_kb / 1024.0, (double)ph->rss_max_kb / 1024.0,
	       (double)ph->pss_kb / 1024.0, ph->threads, ph->fds);
	printf("  %-34s %.1f %% of a core (shares the 2 cores with the hub)\n",
	       "generator (this process)", 100.0 * (ph->self_cpu1 - ph->self_cpu0) / s);
	if (mt > 0)
		printf("  %-34s %.0f %% busy of %ld cores (every process on the machine); "
		       "load average %s", "machine", 100.0 * (ph->mbusy1 - ph->mbusy0) / mt,
		       sysconf(_SC_NPROCESSORS_ONLN), loadavg());
	if (hs) {
		printf("  %-34s %ld handshakes tried, %ld done, %ld failed; held at the end "
		       "%ld (max %ld); cut by the hub %ld (longest life %.0f s)\n",
		       "unfinished requests (127.2.0.1)", hs->hold_tries, hs->hold_ok,
		       hs->hold_failed, hs->hold_now, hs->hold_held_max, hs->hold_cut,
		       hs->hold_life_max_s);
		printf("  %-34s %ld tried, %ld open, %ld failed; open at the end %ld; %ld "
		       "lines sent; cut by the hub %ld (oldest %.0f s)\n",
		       "header trickle (127.2.0.2)", hs->trick_tries, hs->trick_ok,
		       hs->trick_failed, hs->trick_now, hs->trick_lines, hs->trick_cut,
		       hs->trick_life_max_s);
	}
	printf("  errors by kind:%s\n", ph->nerr ? "" : " none");
	for (i = 0; i < ph->nerr; i++)
		printf("    %-60s %ld\n", ph->err[i].what, ph->err[i].n);
	fflush(stdout);
}

/* ---- scenarios ---- */

/* Wait until /health answers again (the hub may still hold connections
 * of a finished phase); milliseconds it took, -1 after limit_ms. */
static int64_t wait_health(struct hubproc *hp, int64_t limit_ms)
{
	int64_t t0 = ca_mono_ms();
	CURL *h = curl_easy_init();
	long st = 0;

	while (h && ca_mono_ms() - t0 < limit_ms) {
		curl_easy_reset(h);
		common_opts(h, hp, "/health", "host!127.3.0.2", 2000);
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		{
			struct req q;

			memset(&q, 0, sizeof(q));
			curl_easy_setopt(h, CURLOPT_WRITEDATA, &q);
			if (curl_easy_perform(h) == CURLE_OK)
				curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
			free(q.resp.p);
		}
		if (st == 200)
			break;
		usleep(200000);
	}
	curl_easy_cleanup(h);
	return st == 200 ? ca_mono_ms() - t0 : -1;
}

/* Scenarios 1 and 2. */
static int run_fleet(struct hubproc *hp, const struct opts *o)
{
	struct fleet fl;
	static struct phase ramp, p1, p2; /* large (error tables); released below */
	struct hostile hs;
	CURL *setup;
	int64_t t0, now;
	int i, halls, ret = -1;
	char title[160];

	memset(&fl, 0, sizeof(fl));
	fl.hp = hp;
	fl.o = o;
	fl.timer_ms = -1;
	fl.k = calloc((size_t)o->kiosks, sizeof(*fl.k));
	setup = curl_easy_init();
	if (!fl.k || !setup)
		goto out;
	halls = (o->kiosks + HALL_KIOSKS - 1) / HALL_KIOSKS;
	t0 = ca_mono_ms();
	for (i = 0; i < o->kiosks; i++) {
		struct kiosk *k = &fl.k[i];
		int hall = i / HALL_KIOSKS;

		snprintf(k->id, sizeof(k->id), "bench-%05d", i);
		snprintf(k->iface, sizeof(k->iface), "host!127.1.%d.%d", hall / 250,
			 hall % 250 + 1);
		k->feed.kind = REQ_FEED;
		k->feed.k = k;
		k->push.kind = REQ_PUSH;
		k->push.k = k;
		/* Pushers spread over the halls, one every kiosks/pushers. */
		k->pusher = o->pushers > 0 && i % (o->kiosks / o->pushers) == 0 &&
			    i / (o->kiosks / o->pushers) < o->pushers;
		if (provision(setup, hp, k) != 0) {
			fprintf(stderr, "bench-hub: cannot provision %s\n", k->id);
			goto out;
		}
	}
	now = ca_mono_ms();
	printf("setup: %d devices provisioned through the admin API over one keep-alive "
	       "connection in %.1f s (%.0f/s)\n", o->kiosks, (double)(now - t0) / 1000.0,
	       o->kiosks * 1000.0 / (double)(now - t0 + 1));
	t0 = now;
	for (i = 0; i < o->kiosks; i++) {
		struct kiosk *k = &fl.k[i];

		if (!k->pusher)
			continue;
		snprintf(k->phone, sizeof(k->phone), "139%08d", i % 100000000);
		if (login(setup, hp, k) != 0) {
			fprintf(stderr, "bench-hub: cannot log %s in on %s\n", k->phone, k->id);
			goto out;
		}
	}
	printf("setup: %d accounts logged in (SMS code + login) in %.1f s; %d halls, "
	       "127.1.0.1 .. 127.1.%d.%d\n", o->pushers, (double)(ca_mono_ms() - t0) / 1000.0,
	       halls, (halls - 1) / 250, (halls - 1) % 250 + 1);
	curl_easy_cleanup(setup);
	setup = NULL;

	fl.m = curl_multi_init();
	fl.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!fl.m || fl.ep < 0)
		goto out;
	curl_multi_setopt(fl.m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(fl.m, CURLMOPT_SOCKETDATA, &fl);
	curl_multi_setopt(fl.m, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(fl.m, CURLMOPT_TIMERDATA, &fl);
	curl_multi_setopt(fl.m, CURLMOPT_MAXCONNECTS, (long)o->kiosks + o->pushers + 64);

	/* Kiosks come up evenly over the ramp; pushers start after it. */
	t0 = ca_mono_ms();
	for (i = 0; i < o->kiosks; i++) {
		fl.k[i].feed.due_ms = t0 + 1 + (int64_t)o->ramp_s * 1000 * i / o->kiosks;
		if (fl.k[i].pusher)
			fl.k[i].push.due_ms = t0 + (int64_t)o->ramp_s * 1000 +
					      (int64_t)(o->push_every_ms * frand());
	}
	snprintf(title, sizeof(title), "ramp-up: %d kiosks connect over %d s, then 5 s more",
		 o->kiosks, o->ramp_s);
	phase_begin(&fl, &ramp, title);
	fleet_run(&fl, (int64_t)o->ramp_s * 1000 + 5000, true);
	phase_end(&fl, &ramp);
	print_phase(&ramp, o, NULL);

	snprintf(title, sizeof(title), "scenario 1: %d kiosks holding a feed long-poll, %d "
		 "pushing one record every %d ms (+-50 %%)", o->kiosks, o->pushers,
		 o->push_every_ms);
	phase_begin(&fl, &p1, title);
	fleet_run(&fl, (int64_t)o->seconds * 1000, true);
	phase_end(&fl, &p1);
	print_phase(&p1, o, NULL);

	snprintf(title, sizeof(title), "scenario 2: the same, while 127.2.0.1 holds %d "
		 "unfinished requests and 127.2.0.2 trickles a header line every %d s on %d "
		 "connections", o->holders, o->trickle_s, o->tricklers);
	if (hostile_start(&hs, hp, o) != 0)
		goto out;
	phase_begin(&fl, &p2, title);
	fleet_run(&fl, (int64_t)o->seconds * 1000, true);
	phase_end(&fl, &p2);
	hostile_stop(&hs);
	print_phase(&p2, o, &hs);
	ret = 0;
out:
	if (fl.m) {
		for (i = 0; i < o->kiosks; i++) {
			struct req *qs[2] = { &fl.k[i].feed, &fl.k[i].push };
			int j;

			for (j = 0; j < 2; j++) {
				if (qs[j]->busy)
					curl_multi_remove_handle(fl.m, qs[j]->h);
				if (qs[j]->h)
					curl_easy_cleanup(qs[j]->h);
				curl_slist_free_all(qs[j]->hdr);
				free(qs[j]->body);
				free(qs[j]->resp.p);
			}
		}
		for (i = 0; i < fl.nhealth; i++) {
			struct req *q = fl.health[i];

			curl_multi_remove_handle(fl.m, q->h);
			curl_easy_cleanup(q->h);
			curl_slist_free_all(q->hdr);
			free(q->resp.p);
			free(q);
		}
		curl_multi_cleanup(fl.m);
	}
	if (fl.ep > 0)
		close(fl.ep);
	if (setup)
		curl_easy_cleanup(setup);
	free(fl.k);
	lat_release(&ramp.push_lat);
	lat_release(&ramp.health_lat);
	lat_release(&p1.push_lat);
	lat_release(&p1.health_lat);
	lat_release(&p2.push_lat);
	lat_release(&p2.health_lat);
	return ret;
}

/* Scenario 3: one kiosk drains n queued records, 100 a request. */
static int run_drain(struct hubproc *hp, int n)
{
	struct kiosk k;
	struct lat lat = { 0 };
	CURL *h = curl_easy_init();
	char **bodies = NULL, b1[128];
	int batches = (n + BATCH_MAX - 1) / BATCH_MAX, b, i, apps = (n + 1) / 2;
	long bad = 0, whole_bad = 0, ok = 0;
	double cpu0, cpu1, self0, self1, mb0, mt0, mb1, mt1;
	int64_t t0, t1;
	char (*ids)[CA_UUID_LEN + 1] = calloc((size_t)apps, sizeof(*ids));

	memset(&k, 0, sizeof(k));
	snprintf(k.id, sizeof(k.id), "bench-drain");
	snprintf(k.phone, sizeof(k.phone), "13700000000");
	bodies = calloc((size_t)batches, sizeof(*bodies));
	if (!h || !ids || !bodies || provision(h, hp, &k) != 0 || login(h, hp, &k) != 0) {
		fprintf(stderr, "bench-hub: cannot set up the drain kiosk\n");
		free(bodies);
		free(ids);
		if (h)
			curl_easy_cleanup(h);
		return -1;
	}
	/* As the outbox holds them: a save and a submit per application; as
	 * the engine sends them: at most one record per application a
	 * request, so the saves of 100 applications, then their submits. */
	for (i = 0; i < apps; i++)
		uuid_v4(ids[i]);
	for (b = 0; b < batches; b++) {
		json_t *recs = json_array(), *all;
		bool submit = b % 2 == 1;
		int first = (b / 2) * BATCH_MAX;

		for (i = first; i < first + BATCH_MAX && i < apps && b * BATCH_MAX +
		     (i - first) < n; i++) {
			struct ca_app a;
			char key[CA_UUID_LEN + 1];

			fixture_app(&a);
			memcpy(a.id, ids[i], sizeof(a.id));
			snprintf(a.account, sizeof(a.account), "%.11s", k.phone);
			snprintf(a.kiosk_id, sizeof(a.kiosk_id), "%s", k.id);
			uuid_v4(key);
			json_array_append_new(recs, json_pack("{s:s, s:s, s:I, s:o, s:s?}", "key",
							      key, "op", submit ? "submit" : "save", "at_ms",
							      (json_int_t)ca_wall_ms(), "app",
							      codec_app_encode(&a), "arg",
							      submit ? "请审核" : NULL));
		}
		all = json_pack("{s:o}", "records", recs);
		bodies[b] = json_dumps(all, JSON_COMPACT);
		json_decref(all);
	}
	cpu0 = proc_cpu_s(hp->pid);
	self0 = self_cpu_s();
	machine_jiffies(&mb0, &mt0);
	t0 = ca_mono_ms();
	for (b = 0; b < batches; b++) {
		json_t *j = NULL, *r;
		int64_t q0 = ca_mono_us();
		long st = setup_call(h, hp, &k, "POST", "/v1/records", bodies[b],
				     "host!127.4.0.1", &j);
		size_t x;

		lat_add(&lat, (double)(ca_mono_us() - q0) / 1000.0);
		if (st != 200) {
			whole_bad++;
		} else {
			json_array_foreach(json_object_get(j, "results"), x, r) {
				if (json_integer_value(json_object_get(r, "status")) == 200)
					ok++;
				else
					bad++;
			}
		}
		json_decref(j);
	}
	t1 = ca_mono_ms();
	cpu1 = proc_cpu_s(hp->pid);
	self1 = self_cpu_s();
	machine_jiffies(&mb1, &mt1);
	printf("\nscenario 3: %d queued records drained by one kiosk (127.4.0.1), %d "
	       "requests of up to %d records over one keep-alive connection\n", n, batches,
	       BATCH_MAX);
	printf("  %-34s %.2f s: %.0f records/s\n", "drain", (double)(t1 - t0) / 1000.0,
	       (double)ok * 1000.0 / (double)(t1 - t0 + 1));
	printf("  %-34s %ld records 200, %ld refused, %ld requests failed whole\n", "results",
	       ok, bad, whole_bad);
	printf("  %-34s %s\n", "request latency (100 records)",
	       lat_text(&lat, b1, sizeof(b1)));
	printf("  %-34s %.1f %% of a core, %.0f us a record (%.0f records/s if it had a "
	       "core to itself and no fsync to wait for); generator %.1f %% of a core\n",
	       "hub CPU", 100.0 * (cpu1 - cpu0) * 1000.0 / (double)(t1 - t0 + 1),
	       ok ? (cpu1 - cpu0) * 1e6 / (double)ok : 0.0,
	       cpu1 > cpu0 ? (double)ok / (cpu1 - cpu0) : 0.0,
	       100.0 * (self1 - self0) * 1000.0 / (double)(t1 - t0 + 1));
	if (mt1 > mt0)
		printf("  %-34s %.0f %% busy of %ld cores (every process on the machine); "
		       "load average %s", "machine", 100.0 * (mb1 - mb0) / (mt1 - mt0),
		       sysconf(_SC_NPROCESSORS_ONLN), loadavg());
	fflush(stdout);
	for (b = 0; b < batches; b++)
		free(bodies[b]);
	free(bodies);
	free(ids);
	lat_release(&lat);
	curl_easy_cleanup(h);
	return 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-hub [--quick] [--kiosks N] [--pushers P] [--seconds S]\n"
		"                 [--ramp S] [--push-every MS] [--holders H] [--tricklers T]\n"
		"                 [--trickle-every S] [--drain R] [--max-connections C]\n"
		"                 [--only fleet|drain]\n"
		"  defaults: 5000 kiosks, 200 pushing one record every 1000 ms, 45 s per\n"
		"  scenario, 10 s ramp, 1000 unfinished requests, 20 tricklers (a line\n"
		"  every 20 s), 10000 records drained; the hub's own max_connections.\n"
		"  --quick: 200 kiosks, 20 pushing, 10 s, 2 s ramp, 100 unfinished,\n"
		"  5 tricklers, 2000 records. $CA_HUB_BIN_DIR picks another ca-hub.\n");
}

/* The whole-number options: --NAME VALUE within lo..hi, into a field. */
static const struct int_opt {
	const char *name; /* the option */
	int lo, hi;       /* the values accepted */
	size_t off;       /* offsetof(struct opts, the field) */
} int_opts[] = {
	{ "--kiosks", 1, 15000, offsetof(struct opts, kiosks) },
	{ "--pushers", 0, 15000, offsetof(struct opts, pushers) },
	{ "--seconds", 1, 600, offsetof(struct opts, seconds) },
	{ "--ramp", 0, 600, offsetof(struct opts, ramp_s) },
	{ "--push-every", 1, 600000, offsetof(struct opts, push_every_ms) },
	{ "--holders", 0, 5000, offsetof(struct opts, holders) },
	{ "--tricklers", 0, 1000, offsetof(struct opts, tricklers) },
	{ "--trickle-every", 1, 600, offsetof(struct opts, trickle_s) },
	{ "--drain", 0, 100000, offsetof(struct opts, drain) },
	{ "--max-connections", 1, 1000000, offsetof(struct opts, max_conn) },
};

/* argv[*i] as one of int_opts: its value (the next argument, *i moved on)
 * into o. 1 when it is none of them, -1 when its value is missing or out
 * of range, 0 when taken. */
static int int_arg(int argc, char **argv, int *i, struct opts *o)
{
	const struct int_opt *io = NULL;
	char *end;
	size_t k;
	long x;

	for (k = 0; k < sizeof(int_opts) / sizeof(int_opts[0]) && !io; k++)
		if (!strcmp(argv[*i], int_opts[k].name))
			io = &int_opts[k];
	if (!io)
		return 1;
	if (*i + 1 >= argc)
		return -1;
	x = strtol(argv[++*i], &end, 10);
	if (*end || x < io->lo || x > io->hi)
		return -1;
	*(int *)((char *)o + io->off) = (int)x;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 5000, 200, 45, 10, 1000, 1000, 20, 20, 10000, -1, true, true };
	struct hubproc hp;
	struct hubproc_opts ho;
	char hub_ini[64];
	struct rlimit rl;
	char exe[HUBPROC_PATH];
	ssize_t n;
	int i, ret = 1;
	int64_t free_ms;
	long hub_fds0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int bad = 0;

		if (!strcmp(a, "--quick")) {
			o.kiosks = 200;
			o.pushers = 20;
			o.seconds = 10;
			o.ramp_s = 2;
			o.holders = 100;
			o.tricklers = 5;
			o.drain = 2000;
		} else if (!strcmp(a, "--only") && i + 1 < argc) {
			a = argv[++i];
			o.fleet = !strcmp(a, "fleet");
			o.do_drain = !strcmp(a, "drain");
			bad = !o.fleet && !o.do_drain;
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else
			bad = int_arg(argc, argv, &i, &o) != 0;
		if (bad) {
			usage(stderr);
			return 2;
		}
	}
	if (o.pushers > o.kiosks)
		o.pushers = o.kiosks;
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && !getenv("CA_HUB_BIN_DIR")) {
		exe[n] = '\0';
		setenv("CA_HUB_BIN_DIR", dirname(exe), 1);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;

	/* The hub starts with a soft open-file limit of 1024, systemd's
	 * default for a service: whatever it needs above that it must raise
	 * itself (its /proc limits are printed). The generator then takes its
	 * hard limit. */
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max > 1024) {
		struct rlimit low = { 1024, rl.rlim_max };

		setrlimit(RLIMIT_NOFILE, &low);
	}
	memset(&ho, 0, sizeof(ho));
	if (o.max_conn >= 0) {
		snprintf(hub_ini, sizeof(hub_ini), "max_connections = %d\n", o.max_conn);
		ho.hub_ini = hub_ini;
	}
	if (hubproc_start(&hp, &ho) != 0) {
		fprintf(stderr, "bench-hub: the hub did not start\n");
		return 1;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	printf("bench-hub: ca-hub pid %d (%s/ca-hub) on %s, data dir %s; max_connections "
	       "%s; generator open-file limit %llu; %ld cores\n", (int)hp.pid, hp.bin_dir,
	       hp.url, hp.data_dir, o.max_conn < 0 ? "the hub's default" : "--max-connections",
	       (unsigned long long)rl.rlim_cur, sysconf(_SC_NPROCESSORS_ONLN));
	{
		char line[256], path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/limits", (int)hp.pid);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "Max open files", 14))
				printf("bench-hub: the hub (started with a soft limit of 1024): "
				       "%s", line);
		if (f)
			fclose(f);
	}
	fflush(stdout);
	hub_fds0 = proc_fds(hp.pid);
	if (o.fleet && run_fleet(&hp, &o) != 0)
		goto out;
	if (o.fleet) {
		free_ms = wait_health(&hp, 90000);
		if (free_ms < 0)
			printf("\nafter the fleet went away: /health still not answering after "
			       "90 s\n");
		else
			printf("\nafter the fleet went away: /health answered again after %.1f s\n",
			       (double)free_ms / 1000.0);
	}
	if (o.fleet) {
		/* Connections the hub still serves for clients that left (a
		 * thread each today) would wake at every commit of the drain;
		 * wait, bounded, until they are gone. */
		int64_t t0 = ca_mono_ms();
		long fds = proc_fds(hp.pid);

		while (fds > hub_fds0 + 4 && ca_mono_ms() - t0 < 60000) {
			usleep(250000);
			fds = proc_fds(hp.pid);
		}
		printf("after the fleet went away: the hub's open files back to %ld (%ld at the "
		       "start) after %.1f s\n", fds, hub_fds0, (double)(ca_mono_ms() - t0) / 1000.0);
	}
	if (o.do_drain && o.drain > 0 && run_drain(&hp, o.drain) != 0)
		goto out;
	ret = 0;
out:
	hubproc_cleanup(&hp);
	curl_global_cleanup();
	return ret;
}
