/*
 * test_sync_engine.c - the sync engine without a hub: the backoff stays in
 * its bounds and honours Retry-After; offline, rows stay queued (attempts
 * counted, nothing lost), the UI queue says offline, and nothing blocks;
 * sync_stop interrupts a request that hangs (a real loopback socket that
 * accepts and never answers) within about a second; rows a clock that went
 * back scheduled a day ahead are tried now; the device secret file is read
 * strictly.
 *
 * The tests against the real hub are in test_sync_hub.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../fixture.h"
#include "../support/sqlpeek.h"
#include "../support/tmpdir.h"

#define SECRET "8d3b1f0e9c2a4d6b8e0f1a3c5e7b9d2f"

static void fill_store(const char *db, int n)
{
	char err[STORE_ERR_MAX];
	struct store *st = NULL;
	struct ca_app a;
	int i;

	assert_int_equal(store_open(db, &st, err, sizeof(err)), CA_OK);
	for (i = 0; i < n; i++) {
		fixture_app(&a);
		assert_int_equal(uuid_v4(a.id), CA_OK);
		assert_int_equal(store_app_create(st, &a, 1000 + i), CA_OK);
	}
	store_close(st);
}

/* Sum of attempts and count of pending rows. */
static void outbox_counts(const char *db, int *pending, int *attempts)
{
	struct store_outbox_item it[64];
	char err[STORE_ERR_MAX];
	struct store *st = NULL;
	int n, i;

	assert_int_equal(store_open(db, &st, err, sizeof(err)), CA_OK);
	assert_int_equal(store_outbox_depth(st, pending, NULL), CA_OK);
	assert_int_equal(store_outbox_next(st, INT64_MAX / 2, 64, it, &n), CA_OK);
	*attempts = 0;
	for (i = 0; i < n; i++)
		*attempts += it[i].attempts;
	store_outbox_items_release(it, n);
	store_close(st);
}

/* A loopback port nobody listens on. */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* A loopback socket that accepts connections (the kernel does) and never
 * says a word. */
static int silent_listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void kiosk_config(struct config *c, int port, int connect_ms, int total_ms)
{
	config_defaults(c);
	snprintf(c->server_url, sizeof(c->server_url), "https://127.0.0.1:%d", port);
	snprintf(c->kiosk_id, sizeof(c->kiosk_id), "hall-test");
	c->connect_timeout_ms = connect_ms;
	c->total_timeout_ms = total_ms;
	c->sync_interval_s = 1;
}

/* Full jitter within [50 ms, min(cap, base * 2^(n-1))]; Retry-After is a
 * floor; the cap holds for any attempt number. */
static void test_backoff_stays_in_bounds(void **state)
{
	uint64_t r = 88172645463325252ull;
	int64_t d, ceil_ms, seen_max = 0;
	int n, i;

	(void)state;
	for (n = 1; n <= 40; n++) {
		ceil_ms = 1000;
		for (i = 1; i < n && ceil_ms < 300000; i++)
			ceil_ms *= 2;
		if (ceil_ms > 300000)
			ceil_ms = 300000;
		for (i = 0; i < 500; i++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			d = sync_backoff_ms(n, 1000, 300000, -1, r);
			assert_true(d >= 50);
			assert_true(d <= ceil_ms);
			if (n == 40 && d > seen_max)
				seen_max = d;
		}
	}
	assert_true(seen_max > 150000); /* jitter spreads over the range */
	assert_int_equal(sync_backoff_ms(1, 1000, 300000, 7, 0), 7000);
	assert_true(sync_backoff_ms(1, 1000, 300000, 0, 12345) <= 1000);
	assert_int_equal(sync_backoff_ms(1, 1000, 300000, -1, 0), 50);
}

/* Hub down: the UI hears "offline" quickly, rows stay with attempts
 * counted, wake tries again at once, and stop is prompt. */
/* Options of an engine on store db whose hub is a closed port: backoff
 * 1 s, cap 2 s, no feed long-poll. */
static void offline_opts(struct sync_opts *o, struct config *cfg, const char *db)
{
	kiosk_config(cfg, closed_port(), 500, 2000);
	memset(o, 0, sizeof(*o));
	o->db_path = db;
	o->cfg = cfg;
	o->secret = SECRET;
	o->backoff_base_ms = 1000;
	o->backoff_cap_ms = 2000;
	o->feed_wait_s = -1;
}

static void test_offline_everything_queues_nothing_blocks(void **state)
{
	struct tmpenv *t = *state;
	struct sync_status st;
	struct sync_opts o;
	struct config cfg;
	struct sync *s = NULL;
	struct pollfd pfd;
	int pending, attempts, attempts2;
	int64_t t0;
	bool offline = false;

	fill_store(t->db, 5);
	offline_opts(&o, &cfg, t->db);
	t0 = ca_mono_ms();
	assert_int_equal(sync_start(&o, &s), CA_OK);
	assert_true(ca_mono_ms() - t0 < 200); /* starting never waits on the network */

	pfd.fd = sync_event_fd(s);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	while (ca_mono_ms() - t0 < 5000 && !offline)
		if (sync_wait(s, &st, 500) && !st.online && st.last_error[0])
			offline = true;
	assert_true(offline);
	assert_int_equal(st.pending, 5);
	assert_non_null(strstr(st.last_error, "cannot reach the hub"));
	usleep(1500 * 1000);
	outbox_counts(t->db, &pending, &attempts);
	assert_int_equal(pending, 5);
	assert_true(attempts >= 5);      /* at least one attempt each */
	assert_true(attempts <= 5 * 8); /* and backing off, not spinning */

	/* A new local change and a wake: it is tried at once, gate or not. */
	o.backoff_base_ms = 0;
	fill_store(t->db, 1);
	sync_wake(s);
	usleep(400 * 1000);
	outbox_counts(t->db, &pending, &attempts2);
	assert_int_equal(pending, 6);
	assert_true(attempts2 > attempts);

	t0 = ca_mono_ms();
	sync_stop(s);
	assert_true(ca_mono_ms() - t0 < 1500);
}

/* Rows whose next try was set by a clock a day ahead (the clock then went
 * back): the engine tries them now, not in a day; nothing is lost. */
static void test_rows_scheduled_by_a_clock_gone_back_are_tried(void **state)
{
	struct tmpenv *t = *state;
	char sql[128];
	struct sync_opts o;
	struct config cfg;
	struct sync *s = NULL;
	int pending, attempts, waited = 0;

	fill_store(t->db, 3);
	snprintf(sql, sizeof(sql), "UPDATE outbox SET next_at_ms = %lld",
		 (long long)(ca_wall_ms() + 86400000));
	assert_int_equal(sqlpeek_exec(t->db, sql, NULL), 0);
	offline_opts(&o, &cfg, t->db);
	assert_int_equal(sync_start(&o, &s), CA_OK);
	do {
		usleep(200 * 1000);
		waited += 200;
		outbox_counts(t->db, &pending, &attempts);
	} while (attempts == 0 && waited < 5000);
	sync_stop(s);
	assert_int_equal(pending, 3);
	assert_true(attempts >= 3); /* each tried (the hub is down: still queued) */
}

/* A hub that accepts and never answers: stop interrupts the hanging
 * request (curl's progress callback) well before any timeout. */
static void test_stop_interrupts_a_hanging_request(void **state)
{
	struct tmpenv *t = *state;
	struct sync_opts o;
	struct config cfg;
	struct sync *s = NULL;
	int64_t t0, took;
	int port, lfd;

	fill_store(t->db, 1);
	lfd = silent_listener(&port);
	kiosk_config(&cfg, port, 20000, 30000);
	memset(&o, 0, sizeof(o));
	o.db_path = t->db;
	o.cfg = &cfg;
	o.secret = SECRET;
	o.feed_wait_s = -1;
	assert_int_equal(sync_start(&o, &s), CA_OK);
	usleep(700 * 1000); /* the push is now stuck in the TLS handshake */
	t0 = ca_mono_ms();
	sync_stop(s);
	took = ca_mono_ms() - t0;
	close(lfd);
	assert_true(took < 2500);
	{
		int pending, attempts;

		outbox_counts(t->db, &pending, &attempts);
		assert_int_equal(pending, 1); /* an interrupted push loses nothing */
	}
}

/* The secret file: hex text with white space around it; the rest refused
 * with the file named and the secret never echoed. */
static void test_secret_file_is_read_strictly(void **state)
{
	struct tmpenv *t = *state;
	char path[PATH_MAX + 16], out[200], err[512];

	snprintf(path, sizeof(path), "%s/secret", t->dir);
	assert_int_equal(tmpdir_put(path, "  " SECRET "\n"), 0);
	chmod(path, 0600);
	assert_int_equal(sync_load_secret(path, out, sizeof(out), err, sizeof(err)), CA_OK);
	assert_string_equal(out, SECRET);

	assert_int_equal(tmpdir_put(path, "not hex at all, " SECRET "\n"), 0);
	assert_int_equal(sync_load_secret(path, out, sizeof(out), err, sizeof(err)),
			 CA_ERR_CONFIG);
	assert_non_null(strstr(err, path));
	assert_null(strstr(err, SECRET));
	assert_string_equal(out, "");

	assert_int_equal(tmpdir_put(path, ""), 0);
	assert_int_equal(sync_load_secret(path, out, sizeof(out), err, sizeof(err)),
			 CA_ERR_CONFIG);
	unlink(path);
	assert_int_equal(sync_load_secret(path, out, sizeof(out), err, sizeof(err)),
			 CA_ERR_IO);
	assert_int_equal(sync_load_secret("", out, sizeof(out), err, sizeof(err)),
			 CA_ERR_CONFIG);
}

/* sync_start refuses missing options. */
static void test_start_needs_its_options(void **state)
{
	struct sync_opts o;
	struct config cfg;
	struct sync *s = NULL;

	(void)state;
	config_defaults(&cfg);
	memset(&o, 0, sizeof(o));
	o.cfg = &cfg;
	o.secret = SECRET;
	assert_int_equal(sync_start(&o, &s), CA_ERR_ARG);
	assert_null(s);
	o.db_path = "/tmp/x.db";
	o.secret = "";
	assert_int_equal(sync_start(&o, &s), CA_ERR_ARG);
	sync_stop(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpenv_setup, tmpenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_backoff_stays_in_bounds),
		T(test_offline_everything_queues_nothing_blocks),
		T(test_rows_scheduled_by_a_clock_gone_back_are_tried),
		T(test_stop_interrupts_a_hanging_request),
		T(test_secret_file_is_read_strictly),
		T(test_start_needs_its_options),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests_name("kiosk/sync_engine", tests, NULL, NULL);
}
