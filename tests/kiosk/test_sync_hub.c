/*
 * test_sync_hub.c - the sync engine against the real hub (build/ca-hub over
 * TLS on a free loopback port, tests/support/hubproc):
 *
 *   1. end to end: a kiosk store enqueues applications, the engine delivers
 *      them, staff approve (and reject one) through the admin API, and the
 *      change feed brings the decisions back into the kiosk store;
 *   2. crash torture: ca-kiosk-sync is killed with SIGKILL at random moments
 *      while it drains, at least 50 times, and restarted; afterwards the hub
 *      holds exactly the committed records, each applied once;
 *   3. faults through tools/faultproxy (500, 503 + Retry-After, 429,
 *      garbage, truncated body, 1 byte/s, closed connection, dropped
 *      connection): the engine fails within its timeouts, backs off within
 *      its bounds (not before Retry-After), loses nothing, duplicates
 *      nothing;
 *   4. client-side security: a wrong CA, a certificate for another host
 *      name and a wrong public-key pin are refused; the right pin passes;
 *   5. a logout made while the hub is down (store_logout_queue, what the
 *      kiosk's session end calls) stays queued through failed attempts and
 *      a restart of the kiosk, reaches the hub once it is back, and the
 *      session is gone there (its token is refused);
 *   6. every request names the kiosk's version: the hub (at log level
 *      debug) sees User-Agent ca-kiosk/VERSION, VERSION what --version
 *      prints (src/core/version.c).
 *
 * Each test has its own device and account, so the feeds do not mix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/version.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/uuid.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../fixture.h"
#include "../support/hubcall.h"
#include "../support/hubkiosk.h"
#include "../support/tmpdir.h"

static struct hubproc hub;

/* ---- the kiosk side ---- */

/* One test kiosk: a device at the hub, an account logged in on it, a
 * store, a secret file and a config file for ca-kiosk-sync. */
struct kiosk {
	struct hubkiosk h;           /* its directory, device, store and config */
	char phone[12];              /* the account */
	char ids[1200][CA_UUID_LEN + 1]; /* applications enqueued */
	int n;                       /* how many */
};

/* Admin call; returns the parsed body (caller decrefs) and *status. */
static json_t *admin(const char *method, const char *target, const char *body,
		     long *status)
{
	return hubcall_admin(&hub, method, target, body, status);
}

/* A signed device call; returns the status. */
static long device_call(const struct kiosk *k, const char *method,
			const char *target, const char *body)
{
	struct hubproc_req q;
	struct hubproc_resp r;

	memset(&q, 0, sizeof(q));
	q.device = k->h.device;
	q.secret = k->h.secret;
	assert_int_equal(hubproc_request(&hub, &q, method, target, body, &r), 0);
	free(r.body);
	return r.status;
}

/* The group's hub (hubcall_group_setup starts it); log level debug: test 6
 * reads the User-Agent it logs. */
static const struct hubcall_group group = { .hub = &hub, .opts = { .log_level = "debug" } };

/* Ask for a login code for k's account; the body of POST /v1/login with
 * the code the hub sent (read through the admin API) into body. */
static void login_body(const struct kiosk *k, char body[128])
{
	char target[64];
	const char *code;
	json_t *j;
	long st;

	snprintf(body, 128, "{\"phone\":\"%s\"}", k->phone);
	assert_int_equal(device_call(k, "POST", "/v1/login/sms", body), 200);
	snprintf(target, sizeof(target), "/v1/admin/sms/%s", k->phone);
	j = admin("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	code = json_string_value(json_object_get(j, "code"));
	assert_non_null(code);
	snprintf(body, 128, "{\"phone\":\"%s\",\"code\":\"%s\"}", k->phone, code);
	json_decref(j);
}

/* Log the account in on the device (binds it, docs/api.md Login). */
static void login(const struct kiosk *k)
{
	char body[128];

	login_body(k, body);
	assert_int_equal(device_call(k, "POST", "/v1/login", body), 200);
}

/* Copy src into dst (size n); fail the test when it does not fit. */
static void copy_to(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	assert_true(len < n);
	memcpy(dst, src, len + 1);
}

/* A fresh kiosk named device, with account phone logged in. */
static struct kiosk *kiosk_new(const char *device, const char *phone)
{
	static struct kiosk pool[8]; /* static: a failed test leaks nothing */
	static int used;
	const struct hubkiosk_opts o = { .total_timeout_ms = 8000, .log_level = "error" };
	struct kiosk *k;

	assert_true(used < 8);
	k = &pool[used++];
	memset(k, 0, sizeof(*k));
	assert_int_equal(hubkiosk_make(&k->h, &hub, device, &o), 0);
	snprintf(k->phone, sizeof(k->phone), "%s", phone);
	login(k);
	return k;
}

/* Enqueue n applications: each a save, and a submit when submit. */
static void enqueue(struct kiosk *k, int n, bool submit)
{
	char err[STORE_ERR_MAX];
	struct store *st = NULL;
	struct ca_app a;
	int i;

	assert_true(k->n + n <= (int)(sizeof(k->ids) / sizeof(k->ids[0])));
	assert_int_equal(store_open(k->h.db, &st, err, sizeof(err)), CA_OK);
	for (i = 0; i < n; i++) {
		fixture_app(&a);
		assert_int_equal(uuid_v4(a.id), CA_OK);
		strcpy(a.account, k->phone);
		strcpy(a.kiosk_id, k->h.device);
		assert_int_equal(store_app_create(st, &a, 1795000000000 + i), CA_OK);
		if (submit)
			assert_int_equal(store_app_act(st, a.id, CA_ACT_SUBMIT, "请审核",
						       FIXTURE_TODAY, 1795000000500 + i,
						       NULL, NULL), CA_OK);
		strcpy(k->ids[k->n++], a.id);
	}
	store_close(st);
}

static void depth(const struct kiosk *k, int *pending, int *parked)
{
	char err[STORE_ERR_MAX];
	struct store *st = NULL;

	assert_int_equal(store_open(k->h.db, &st, err, sizeof(err)), CA_OK);
	assert_int_equal(store_outbox_depth(st, pending, parked), CA_OK);
	store_close(st);
}

static struct sync_opts opts_of(const struct kiosk *k)
{
	struct sync_opts o;

	memset(&o, 0, sizeof(o));
	o.db_path = k->h.db;
	o.cfg = &k->h.cfg;
	o.secret = k->h.secret;
	o.feed_wait_s = -1;
	return o;
}

/* Wait for an event that satisfies pred; the event into *st. */
static bool wait_for(struct sync *s, struct sync_status *st, int timeout_ms,
		     bool (*pred)(const struct sync_status *))
{
	int64_t end = ca_mono_ms() + timeout_ms;

	while (ca_mono_ms() < end)
		if (sync_wait(s, st, (int)(end - ca_mono_ms())) && pred(st))
			return true;
	return false;
}

static bool drained(const struct sync_status *s)
{
	return s->online && s->pending == 0;
}

static bool failed(const struct sync_status *s)
{
	return !s->online && s->last_error[0];
}

/*
 * Check that the hub holds each of k's applications exactly once, in
 * status want, with exactly hist history entries (each record applied
 * once), and no other application of k's account.
 */
static void hub_holds_exactly(const struct kiosk *k, const char *want, int hist)
{
	char target[128], masked[MASK_BUF];
	json_t *j, *apps;
	long st;
	size_t i;
	int mine = 0, c;

	for (c = 0; c < k->n; c++) {
		snprintf(target, sizeof(target), "/v1/admin/apps/%s", k->ids[c]);
		j = admin("GET", target, NULL, &st);
		if (st != 200)
			fail_msg("application %s not on the hub (%ld)", k->ids[c], st);
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(j, "app"), "app_status")), want);
		if ((int)json_array_size(json_object_get(j, "history")) != hist)
			fail_msg("application %s: %zu history entries, want %d",
				 k->ids[c], json_array_size(json_object_get(j, "history")),
				 hist);
		json_decref(j);
	}
	/* Every page of the listing, following its cursor. */
	mask_phone(k->phone, masked, sizeof(masked));
	snprintf(target, sizeof(target), "/v1/admin/apps?limit=500");
	for (;;) {
		json_t *next;

		j = admin("GET", target, NULL, &st);
		assert_int_equal(st, 200);
		apps = json_object_get(j, "apps");
		for (i = 0; i < json_array_size(apps); i++)
			if (strcmp(json_string_value(json_object_get(json_array_get(apps, i),
								     "account")), masked) == 0)
				mine++;
		next = json_object_get(j, "next");
		if (!json_is_string(next)) {
			json_decref(j);
			break;
		}
		snprintf(target, sizeof(target), "/v1/admin/apps?limit=500&after=%s",
			 json_string_value(next));
		json_decref(j);
	}
	assert_int_equal(mine, k->n);
}

static void kiosk_free(struct kiosk *k)
{
	(void)k; /* from a static pool */
}

/* ---- 1. end to end ---- */

static void test_end_to_end_push_approve_feed_back(void **state)
{
	struct kiosk *k = kiosk_new("e2e-01", "13800000101");
	struct sync_status st;
	struct sync_opts o = opts_of(k);
	struct sync *s = NULL;
	char target[128], err[STORE_ERR_MAX];
	struct store *db = NULL;
	struct ca_app a;
	int i, approved = 0, rejected = 0, tries;
	long code;
	json_t *j;

	(void)state;
	enqueue(k, 20, true);
	assert_int_equal(sync_start(&o, &s), CA_OK);
	sync_wake(s);
	assert_true(wait_for(s, &st, 20000, drained));
	assert_int_equal(st.parked, 0);
	assert_true(st.sent >= 40);
	assert_true(st.skew_known);
	assert_true(st.skew_s > -5 && st.skew_s < 5);
	hub_holds_exactly(k, "pending_review", 2);

	/* Staff decide: approve all but the last, reject that one. */
	for (i = 0; i < k->n; i++) {
		snprintf(target, sizeof(target), "/v1/admin/apps/%s/act", k->ids[i]);
		j = admin("POST", target, i < k->n - 1
			  ? "{\"op\":\"approve\",\"staff\":\"审核员甲\"}"
			  : "{\"op\":\"reject\",\"arg\":\"营业执照照片不清晰\","
			    "\"staff\":\"审核员甲\"}", &code);
		assert_int_equal(code, 200);
		json_decref(j);
	}
	/* The feed brings every decision back (the long-poll wakes on them). */
	for (tries = 0; tries < 150; tries++) {
		approved = rejected = 0;
		assert_int_equal(store_open(k->h.db, &db, err, sizeof(err)), CA_OK);
		for (i = 0; i < k->n; i++) {
			assert_int_equal(store_app_get(db, k->ids[i], &a), CA_OK);
			approved += a.app_status == CA_APP_APPROVED;
			if (a.app_status == CA_APP_REJECTED) {
				rejected++;
				assert_string_equal(a.reject_reason, "营业执照照片不清晰");
			}
		}
		store_close(db);
		if (approved == k->n - 1 && rejected == 1)
			break;
		usleep(100 * 1000);
	}
	assert_int_equal(approved, k->n - 1);
	assert_int_equal(rejected, 1);
	assert_int_equal(store_open(k->h.db, &db, err, sizeof(err)), CA_OK);
	assert_int_equal(store_app_get(db, k->ids[0], &a), CA_OK);
	assert_true(a.rev > 0);
	assert_true(a.amount_fen > 0);
	store_close(db);
	sync_stop(s);
	kiosk_free(k);
}

/* ---- 2. crash torture ---- */

/* Start ca-kiosk-sync --drain on k; returns its pid. */
static pid_t spawn_sync(const struct kiosk *k, const char *batch)
{
	pid_t pid = hubkiosk_sync(&k->h, &hub, false, "--drain", "--no-feed", "--batch", batch,
				  "--backoff-base-ms", "100", "--backoff-cap-ms", "500",
				  "--timeout-ms", "60000", (char *)NULL);

	assert_true(pid > 0);
	return pid;
}

static void test_crash_torture_kill_9_while_draining(void **state)
{
	struct kiosk *k = kiosk_new("crash-01", "13800000202");
	int kills = 0, effective = 0, rounds = 0, before, after, parked, status;
	unsigned seed = (unsigned)time(NULL), delay_us = 20000;
	pid_t pid;

	(void)state;
	fprintf(stderr, "crash torture: seed %u\n", seed);
	srand(seed);
	enqueue(k, 150, true);
	while (effective < 50 && rounds < 400) {
		rounds++;
		depth(k, &before, &parked);
		if (before == 0) { /* drained already: give it more to do */
			enqueue(k, 50, true);
			depth(k, &before, &parked);
		}
		pid = spawn_sync(k, rand() % 2 ? "1" : "4");
		usleep((useconds_t)(delay_us / 2 + (unsigned)rand() % delay_us));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			kills++;
		depth(k, &after, &parked);
		assert_int_equal(parked, 0);
		if (WIFSIGNALED(status) && after < before && after > 0)
			effective++; /* killed in the middle of draining */
		/* Aim the kills at the drain, whatever the start-up costs (a
		 * sanitizer build starts slower): later when it did nothing,
		 * sooner when it finished. */
		if (after == before && delay_us < 2000000)
			delay_us += delay_us / 4;
		else if (after == 0 && delay_us > 4000)
			delay_us -= delay_us / 3;
	}
	fprintf(stderr, "crash torture: %d kills, %d in the middle of a drain, "
		"%d applications\n", kills, effective, k->n);
	assert_true(effective >= 50);

	/* Let it finish, then count. */
	pid = spawn_sync(k, "50");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	depth(k, &after, &parked);
	assert_int_equal(after, 0);
	assert_int_equal(parked, 0);
	hub_holds_exactly(k, "pending_review", 2);
	kiosk_free(k);
}

/* ---- 3. faults through the proxy ---- */

/* A running faultproxy. */
struct proxy {
	pid_t pid;                   /* the proxy */
	int port;                    /* where it listens */
	char control[PATH_MAX + 16]; /* its mode file */
};

static void proxy_mode(struct proxy *p, const char *mode)
{
	char tmp[PATH_MAX + 32], line[64];

	snprintf(tmp, sizeof(tmp), "%s.tmp", p->control);
	snprintf(line, sizeof(line), "%s\n", mode);
	assert_int_equal(tmpdir_put(tmp, line), 0);
	assert_int_equal(rename(tmp, p->control), 0);
}

/* Start faultproxy in front of the hub with certificate cert/key. */
static void proxy_start(struct proxy *p, const char *cert, const char *key,
			const char *name)
{
	char bin[HUBPROC_PATH + 32], up[16], line[128];
	int fds[2];
	FILE *f;

	snprintf(bin, sizeof(bin), "%s/faultproxy", hub.bin_dir);
	snprintf(p->control, sizeof(p->control), "%s/proxy-%s.mode", hub.dir, name);
	proxy_mode(p, "pass");
	snprintf(up, sizeof(up), "%d", hub.port);
	assert_int_equal(pipe(fds), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execl(bin, bin, "--upstream-port", up, "--upstream-tls", "--cert", cert,
		      "--key", key, "--control", p->control, "--retry-after", "2",
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(sscanf(line, "faultproxy listening on 127.0.0.1:%d", &p->port), 1);
}

static void proxy_stop(struct proxy *p)
{
	kill(p->pid, SIGTERM);
	waitpid(p->pid, NULL, 0);
}

static void test_faults_back_off_lose_nothing_duplicate_nothing(void **state)
{
	static const char *const modes[] = {
		"500", "503", "429", "garbage", "truncate", "slow", "close", "drop",
	};
	struct kiosk *k = kiosk_new("fault-01", "13800000303");
	char cert[HUBPROC_PATH + 16], key[HUBPROC_PATH + 16];
	struct sync_status st;
	struct sync_opts o;
	struct proxy p;
	struct sync *s = NULL;
	int64_t t0, t_fail, t_done;
	size_t m;

	(void)state;
	snprintf(cert, sizeof(cert), "%s/srv.pem", hub.dir);
	snprintf(key, sizeof(key), "%s/srv.key", hub.dir);
	proxy_start(&p, cert, key, "faults");
	snprintf(k->h.cfg.server_url, sizeof(k->h.cfg.server_url), "https://127.0.0.1:%d",
		 p.port);
	k->h.cfg.connect_timeout_ms = 1000;
	k->h.cfg.total_timeout_ms = 3000;
	o = opts_of(k);
	o.backoff_base_ms = 200;
	o.backoff_cap_ms = 1000;
	o.feed_wait_s = 1;
	assert_int_equal(sync_start(&o, &s), CA_OK);

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		proxy_mode(&p, modes[m]);
		enqueue(k, 2, true);
		t0 = ca_mono_ms();
		sync_wake(s);
		if (!wait_for(s, &st, 3000 + 4000, failed))
			fail_msg("%s: the engine did not notice the fault", modes[m]);
		t_fail = ca_mono_ms();
		/* Never past its timeouts: total 3 s (the low-speed window is
		 * shorter), plus scheduling slack. */
		if (t_fail - t0 > 3000 + 2500)
			fail_msg("%s: took %lld ms to give up", modes[m],
				 (long long)(t_fail - t0));
		proxy_mode(&p, "pass");
		if (!wait_for(s, &st, 15000, drained))
			fail_msg("%s: not drained after the fault (%s)", modes[m],
				 st.last_error);
		t_done = ca_mono_ms();
		if (!strcmp(modes[m], "503") || !strcmp(modes[m], "429")) {
			/* Retry-After: 2 is a floor. */
			if (t_done - t_fail < 1500)
				fail_msg("%s: retried after %lld ms, before Retry-After",
					 modes[m], (long long)(t_done - t_fail));
		}
		/* Backoff cap 1 s (or Retry-After 2 s), a request, slack. */
		if (t_done - t_fail > 2000 + 5000)
			fail_msg("%s: %lld ms to recover", modes[m],
				 (long long)(t_done - t_fail));
		assert_int_equal(st.parked, 0);
	}
	sync_stop(s);
	proxy_stop(&p);
	hub_holds_exactly(k, "pending_review", 2);
	kiosk_free(k);
}

/* ---- 4. security from the client side ---- */

/* Run sync_once for k with cfg changes; returns its result, status in *st. */
static ca_err once(const struct kiosk *k, const struct config *cfg,
		   struct sync_status *st)
{
	struct sync_opts o = opts_of(k);
	ca_err e;

	o.cfg = cfg;
	o.backoff_base_ms = 50; /* refused rows are due again soon */
	o.backoff_cap_ms = 100;
	e = sync_once(&o, 10000, st);
	usleep(150 * 1000);
	return e;
}

/* Run a shell command in hub.dir; fail the test when it fails. */
static void sh(const char *cmd)
{
	char full[4096];

	snprintf(full, sizeof(full), "cd '%s' && { %s; } >/dev/null 2>&1", hub.dir, cmd);
	if (system(full) != 0)
		fail_msg("command failed: %s", cmd);
}

static void read_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(out, (int)n, f));
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
}

static void test_wrong_ca_wrong_host_and_pins(void **state)
{
	struct kiosk *k = kiosk_new("sec-01", "13800000404");
	char cert[HUBPROC_PATH + 16], key[HUBPROC_PATH + 16], pinf[HUBPROC_PATH + 16];
	char pin[128], target[128];
	struct sync_status st;
	struct config cfg;
	struct proxy p;
	int pending, parked;
	json_t *j;
	long code;

	(void)state;
	enqueue(k, 2, false);

	/* A CA that did not sign the hub's certificate. */
	cfg = k->h.cfg;
	copy_to(cfg.ca_file, sizeof(cfg.ca_file), hub.other_ca);
	assert_int_equal(once(k, &cfg, &st), CA_ERR_IO);
	assert_false(st.online);
	assert_non_null(strstr(st.last_error, "cannot reach the hub"));
	depth(k, &pending, &parked);
	assert_int_equal(pending, 2);

	/* A certificate from the right CA for another host name. */
	sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	   " -keyout wrong.key -out wrong.csr -subj /CN=wrong.example &&"
	   " printf 'subjectAltName=DNS:wrong.example\\n' > wrong.ext &&"
	   " openssl x509 -req -in wrong.csr -CA ca.pem -CAkey ca.key"
	   " -CAcreateserial -out wrong.pem -days 2 -extfile wrong.ext");
	snprintf(cert, sizeof(cert), "%s/wrong.pem", hub.dir);
	snprintf(key, sizeof(key), "%s/wrong.key", hub.dir);
	proxy_start(&p, cert, key, "wronghost");
	cfg = k->h.cfg;
	snprintf(cfg.server_url, sizeof(cfg.server_url), "https://127.0.0.1:%d", p.port);
	assert_int_equal(once(k, &cfg, &st), CA_ERR_IO);
	assert_false(st.online);
	proxy_stop(&p);
	depth(k, &pending, &parked);
	assert_int_equal(pending, 2);
	/* Nothing reached the hub. */
	snprintf(target, sizeof(target), "/v1/admin/apps/%s", k->ids[0]);
	j = admin("GET", target, NULL, &code);
	assert_int_equal(code, 404);
	json_decref(j);

	/* A wrong pin is refused, the hub's own key's pin passes. */
	cfg = k->h.cfg;
	snprintf(cfg.pin, sizeof(cfg.pin),
		 "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=");
	assert_int_equal(once(k, &cfg, &st), CA_ERR_IO);
	depth(k, &pending, &parked);
	assert_int_equal(pending, 2);
	sh("openssl x509 -in srv.pem -pubkey -noout | openssl pkey -pubin -outform der"
	   " | openssl dgst -sha256 -binary | base64 > srv.pin");
	snprintf(pinf, sizeof(pinf), "%s/srv.pin", hub.dir);
	read_line(pinf, pin, sizeof(pin));
	snprintf(cfg.pin, sizeof(cfg.pin), "sha256//%s", pin);
	assert_int_equal(once(k, &cfg, &st), CA_OK);
	assert_true(st.online);
	depth(k, &pending, &parked);
	assert_int_equal(pending, 0);
	hub_holds_exactly(k, "draft", 1);
	kiosk_free(k);
}

/* ---- 5. a logout queued while the hub is down ---- */

/* Log k's account in again; the session token into token. */
static void login_token(const struct kiosk *k, char token[65])
{
	struct hubproc_req q = { .device = k->h.device, .secret = k->h.secret };
	char body[128];
	long st;
	json_t *j;

	login_body(k, body);
	j = hubcall_json(&hub, &q, "POST", "/v1/login", body, &st);
	assert_int_equal(st, 200);
	copy_to(token, 65, json_string_value(json_object_get(j, "token")));
	json_decref(j);
}

/* A call that needs a live session (an unknown order): 404 while the
 * session lives, 401 once it is gone. */
static long session_probe(const struct kiosk *k, const char *token)
{
	struct hubproc_req q;
	struct hubproc_resp r;

	memset(&q, 0, sizeof(q));
	q.device = k->h.device;
	q.secret = k->h.secret;
	q.session = token;
	assert_int_equal(hubproc_request(&hub, &q, "GET", "/v1/pay/orders/CA20990101AAAAAAAAAAAA",
					 NULL, &r), 0);
	free(r.body);
	return r.status;
}

static void test_logout_queued_offline_reaches_the_hub_after_restart(void **state)
{
	struct kiosk *k = kiosk_new("logout-01", "13800000501");
	char token[65], err[STORE_ERR_MAX];
	struct store *st = NULL;
	struct sync_status ss;
	int pending, parked;

	(void)state;
	login_token(k, token);
	assert_int_equal(session_probe(k, token), 404);
	enqueue(k, 1, false); /* an application row beside it */

	/* The hub goes away; the person logs out (the kiosk forgets the
	 * token in memory and queues the logout). */
	assert_int_equal(hubproc_stop(&hub), 0);
	assert_int_equal(store_open(k->h.db, &st, err, sizeof(err)), CA_OK);
	assert_int_equal(store_logout_queue(st, token, 1795000100000, NULL), CA_OK);
	assert_int_equal(store_logout_queue(st, "not-a-token", 1795000100000, NULL), CA_ERR_ARG);
	store_close(st);
	assert_int_not_equal(once(k, &k->h.cfg, &ss), CA_OK);
	assert_false(ss.online);
	assert_int_not_equal(once(k, &k->h.cfg, &ss), CA_OK);
	depth(k, &pending, &parked);
	assert_int_equal(pending, 2);
	assert_int_equal(parked, 0);

	/* The hub comes back (another port: the kiosk is restarted with the
	 * new address; its store is the same file). */
	assert_int_equal(hubproc_restart(&hub), 0);
	copy_to(k->h.cfg.server_url, sizeof(k->h.cfg.server_url), hub.url);
	assert_int_equal(session_probe(k, token), 404); /* still alive there */
	assert_int_equal(once(k, &k->h.cfg, &ss), CA_OK);
	depth(k, &pending, &parked);
	assert_int_equal(pending, 0);
	assert_int_equal(parked, 0);
	assert_int_equal(session_probe(k, token), 401);
	hub_holds_exactly(k, "draft", 1);
	kiosk_free(k);
}

static void test_the_hub_sees_the_kiosk_version_in_the_user_agent(void **state)
{
	struct kiosk *k = kiosk_new("ua-01", "13800000406");
	struct sync_status st;
	char want[128], *log;
	FILE *f;
	long n;

	(void)state;
	enqueue(k, 1, false);
	assert_int_equal(once(k, &k->h.cfg, &st), CA_OK);
	snprintf(want, sizeof(want), "device ua-01: ca-kiosk/%s", ca_version());
	f = fopen(hub.log, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	log = calloc(1, (size_t)n + 1);
	assert_non_null(log);
	assert_int_equal(fread(log, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (!strstr(log, want))
		fail_msg("the hub's log has no '%s'", want);
	free(log);
	kiosk_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_to_end_push_approve_feed_back),
		cmocka_unit_test(test_crash_torture_kill_9_while_draining),
		cmocka_unit_test(test_faults_back_off_lose_nothing_duplicate_nothing),
		cmocka_unit_test(test_wrong_ca_wrong_host_and_pins),
		cmocka_unit_test(test_logout_queued_offline_reaches_the_hub_after_restart),
		cmocka_unit_test(test_the_hub_sees_the_kiosk_version_in_the_user_agent),
	};

	log_set_level(LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	hubcall_group(&group);
	return cmocka_run_group_tests_name("kiosk/sync_hub", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
