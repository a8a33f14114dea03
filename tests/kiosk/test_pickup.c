/*
 * test_pickup.c - on-site pickup through the dispenser (src/kiosk/device/pickup.c)
 * on real SQLite files and real devices:
 *
 *   1. sim driver: a confirmed dispense collects the record exactly once
 *      (outbox "collect", stock - 1); jam, empty, door open, hardware fault
 *      and no answer each end failed with a "dispense_fault" row, the
 *      record still ready_for_pickup and the stock unchanged;
 *   2. the worker thread: status, restock, a pickup and a refused pickup
 *      through submit / take / notify (and pickup_health, the heartbeat's
 *      view: read at start, one key off after a confirmed dispense); a
 *      restock writes its record (outbox row "restock" with the stock
 *      before and after), a count out of range
 *      is refused before the device, and a record that cannot be written
 *      leaves the restock done and says so (recorded false);
 *   3. serial driver against build/dispenser-sim on a pty: one success,
 *      one jam, and a device that goes silent after the command (outcome
 *      unknown, intent kept) and is resolved once it answers again;
 *   4. crash recovery for real: a child process runs the worker with
 *      CA_TEST_CRASH_AFTER_DISPENSE=1 and dies (_exit 99) between the
 *      dispense and the write; the parent reopens store and device and the
 *      record becomes collected exactly once, the stock down by one. The
 *      reverse (intent written, the process dies before the command) ends
 *      failed with the stock unchanged. A device silent at start keeps the
 *      intent pending until the worker's retry reaches it;
 *   5. the real hub (build/ca-hub over TLS, tests/support/hubproc): the
 *      fault record syncs, staff see it as a processing record, the
 *      application state is unchanged, and a replay of the same key is
 *      not applied twice; then a successful pickup syncs as collected.
 *      A restock through the worker syncs with no login on the kiosk, and
 *      staff see it exactly once (GET /v1/admin/restocks, ca-hubctl
 *      restocks), also after the same record is sent again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "kiosk/device/dispenser.h"
#include "kiosk/device/pickup.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../fixture.h"
#include "../support/dispsim.h"
#include "../support/hubcall.h"
#include "../support/sqlpeek.h"
#include "../support/storefix.h"
#include "../support/tmpdir.h"

#define KIOSK_ID "hall-pick-01"

/* Copy src into dst (size n); fail the test when it does not fit. */
static void copy_to(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	assert_true(len < n);
	memcpy(dst, src, len + 1);
}

/* ---- per-test environment: a store and a sim dispenser in a temp dir ---- */

struct tenv {
	char dir[PATH_MAX];       /* mkdtemp */
	char db[PATH_MAX + 16];   /* dir/kiosk.db */
	struct config cfg;        /* sim driver, state file in dir */
	struct store *st;         /* open store or NULL */
	struct disp *d;           /* open dispenser or NULL */
	struct ca_app app;        /* a record ready for pickup */
	struct dispsim sp;        /* the serial tests' simulator; pid 0 otherwise */
};

static int env_setup(void **state)
{
	struct tenv *t = calloc(1, sizeof(*t));

	if (!t || tmpdir_make(t->dir, sizeof(t->dir), "pickup-test")) {
		free(t);
		return -1;
	}
	snprintf(t->db, sizeof(t->db), "%s/kiosk.db", t->dir);
	config_defaults(&t->cfg);
	snprintf(t->cfg.kiosk_id, sizeof(t->cfg.kiosk_id), "%s", KIOSK_ID);
	if (strlen(t->dir) >= sizeof(t->cfg.data_dir)) {
		rmdir(t->dir);
		free(t);
		return -1;
	}
	memcpy(t->cfg.data_dir, t->dir, strlen(t->dir) + 1);
	t->cfg.disp_driver = CONFIG_DISP_SIM;
	t->cfg.disp_slots = 2;
	t->cfg.disp_stock[0] = 5;
	t->cfg.disp_stock[1] = 3;
	*state = t;
	return 0;
}

static int env_teardown(void **state)
{
	struct tenv *t = *state;

	disp_close(t->d);
	store_close(t->st);
	tmpdir_remove(t->dir);
	free(t);
	return 0;
}

static void open_store(struct tenv *t)
{
	char err[STORE_ERR_MAX];

	if (store_open(t->db, &t->st, err, sizeof(err)) != CA_OK)
		fail_msg("store_open: %s", err);
}

static void open_disp(struct tenv *t)
{
	char err[256];

	if (disp_open(&t->cfg, &t->d, err, sizeof(err)) != CA_OK)
		fail_msg("disp_open: %s", err);
}

static void close_both(struct tenv *t)
{
	disp_close(t->d);
	t->d = NULL;
	store_close(t->st);
	t->st = NULL;
}

/* Create an on-site application of account and take it through the status
 * table to paid + ready_for_pickup, the way the hub's feed would. */
static void make_ready(struct store *st, struct ca_app *a, const char *account)
{
	static const enum ca_action steps[] = { CA_ACT_SUBMIT, CA_ACT_APPROVE, CA_ACT_PAY,
						CA_ACT_MARK_READY };
	size_t i;

	fixture_app(a);
	assert_int_equal(uuid_v4(a->id), CA_OK);
	snprintf(a->account, sizeof(a->account), "%s", account);
	a->amount_fen = 60000;
	assert_int_equal(store_app_create(st, a, 1000), CA_OK);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(store_app_act(st, a->id, steps[i], "请审核", FIXTURE_TODAY,
					       2000 + (int64_t)i, a, NULL), CA_OK);
	assert_int_equal(a->proc_status, CA_PROC_READY_FOR_PICKUP);
}

/* An integer from one query on a raw second connection. */
static long long raw_int(const char *db, const char *sql)
{
	long long v = -1;

	assert_int_equal(sqlpeek_int(db, SQLITE_OPEN_READWRITE, sql, &v), 0);
	return v;
}

/* Run SQL on a raw second connection. */
static void raw_exec(const char *db, const char *sql)
{
	if (sqlpeek_exec(db, sql, NULL))
		fail_msg("raw sql %s", sql);
}

/* Outbox rows of app id of kind. */
static long long rows_of_kind(const char *db, const char *id, const char *kind)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE app_id = '%s'"
		 " AND kind = '%s'", id, kind);
	return raw_int(db, sql);
}

/* Processing status of app id as stored. */
static enum ca_proc_status proc_of(struct store *st, const char *id)
{
	struct ca_app a;

	assert_int_equal(store_app_get(st, id, &a), CA_OK);
	return a.proc_status;
}

/* t->app is in proc, with collects "collect" rows in the outbox. */
static void assert_app(struct tenv *t, enum ca_proc_status proc, long long collects)
{
	assert_int_equal(proc_of(t->st, t->app.id), proc);
	assert_int_equal(rows_of_kind(t->db, t->app.id, "collect"), collects);
}

static int stock_of(struct disp *d, int slot)
{
	struct disp_status s;

	assert_int_equal(disp_status(d, &s), CA_OK);
	return s.stock[slot - 1];
}

static bool intent_pending(struct store *st)
{
	struct store_intent it;
	bool found;

	assert_int_equal(store_intent_pending(st, &it, &found), CA_OK);
	return found;
}

/* ---- 1. sim driver ---- */

static void test_confirmed_dispense_collects_exactly_once(void **state)
{
	struct tenv *t = *state;
	struct pickup_result r;

	open_store(t);
	open_disp(t);
	make_ready(t->st, &t->app, "13812345678");
	memset(&r, 0, sizeof(r));
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_OK);
	assert_int_equal(r.disp, DISP_OK);
	assert_false(r.intent_pending);
	assert_app(t, CA_PROC_COLLECTED, 1);
	assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT), 0);
	assert_int_equal(stock_of(t->d, 1), 4);
	/* Collected: a second pickup is refused before the device is asked. */
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9100, FIXTURE_TODAY,
				    &r), PICKUP_REFUSED);
	assert_int_equal(r.disp, DISP__N);
	assert_int_equal(stock_of(t->d, 1), 4);
	assert_int_equal(rows_of_kind(t->db, t->app.id, "collect"), 1);
	assert_false(intent_pending(t->st));
}

static void test_each_fault_fails_with_a_fault_row_record_stays_ready(void **state)
{
	static const struct {
		enum disp_fault f;
		int slot;
		enum disp_result want;
	} cases[] = {
		{ DISP_FAULT_JAM, 1, DISP_JAM },
		{ DISP_FAULT_EMPTY, 2, DISP_EMPTY },
		{ DISP_FAULT_DOOR_OPEN, 1, DISP_DOOR_OPEN },
		{ DISP_FAULT_HW, 1, DISP_FAULT },
		{ DISP_FAULT_NO_ANSWER_DISPENSE, 1, DISP_NO_ANSWER },
	};
	struct tenv *t = *state;
	struct pickup_result r;
	size_t i;
	int s1, s2;

	open_store(t);
	open_disp(t);
	make_ready(t->st, &t->app, "13812345678");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s1 = stock_of(t->d, 1);
		s2 = stock_of(t->d, 2);
		assert_int_equal(disp_sim_inject(t->d, cases[i].f, cases[i].slot), CA_OK);
		memset(&r, 0, sizeof(r));
		assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, cases[i].slot,
					    9000 + (int64_t)i, FIXTURE_TODAY, &r), PICKUP_FAILED);
		assert_int_equal(r.disp, cases[i].want);
		assert_false(r.intent_pending);
		assert_int_equal(proc_of(t->st, t->app.id), CA_PROC_READY_FOR_PICKUP);
		assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT),
				 (long long)i + 1);
		assert_int_equal(rows_of_kind(t->db, t->app.id, "collect"), 0);
		assert_int_equal(disp_sim_inject(t->d, DISP_FAULT_CLEAR, 0), CA_OK);
		assert_int_equal(stock_of(t->d, 1), s1);
		assert_int_equal(stock_of(t->d, 2), s2);
	}
	/* The results recorded, in order. */
	assert_int_equal(raw_int(t->db, "SELECT count(*) FROM dispense_intents WHERE"
				 " state = 'failed' AND result IN ('jam', 'empty', 'door_open',"
				 " 'fault', 'no_answer')"), 5);
	/* After all that, a good dispense still works. */
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9900, FIXTURE_TODAY,
				    &r), PICKUP_OK);
	assert_int_equal(proc_of(t->st, t->app.id), CA_PROC_COLLECTED);
}

static void test_refusals_send_nothing(void **state)
{
	struct tenv *t = *state;
	struct pickup_result r;
	struct ca_app draft;

	open_store(t);
	open_disp(t);
	make_ready(t->st, &t->app, "13812345678");
	fixture_app(&draft);
	assert_int_equal(uuid_v4(draft.id), CA_OK);
	assert_int_equal(store_app_create(t->st, &draft, 1000), CA_OK);
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, draft.id, 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_REFUSED);
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 3, 9000, FIXTURE_TODAY,
				    &r), PICKUP_REFUSED);
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, "not-an-id", 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_REFUSED);
	assert_int_equal(pickup_run(t->st, NULL, KIOSK_ID, t->app.id, 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_NO_DEVICE);
	/* A device that does not answer the status is not sent the command. */
	assert_int_equal(disp_sim_inject(t->d, DISP_FAULT_NO_ANSWER, 0), CA_OK);
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_NO_DEVICE);
	assert_int_equal(r.disp, DISP__N);
	assert_int_equal(stock_of(t->d, 1), 5);
	assert_int_equal(raw_int(t->db, "SELECT count(*) FROM dispense_intents"), 0);
}

/* ---- 2. the worker thread ---- */

/* A notify callback that counts and signals. */
struct waker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls;
};

static void wake(void *ctx)
{
	struct waker *w = ctx;

	pthread_mutex_lock(&w->mu);
	w->calls++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Submit q and wait (10 s) for its result. */
static void run_req(struct pickup *p, const struct pickup_req *q, struct pickup_result *r)
{
	uint64_t seq = pickup_submit(p, q);
	int64_t end = ca_mono_ms() + 10000;

	while (!pickup_take(p, r)) {
		if (ca_mono_ms() > end)
			fail_msg("no result for request %llu", (unsigned long long)seq);
		ca_sleep_ms(10);
	}
	assert_int_equal(r->seq, seq);
	assert_false(pickup_busy(p));
}

static void test_worker_status_restock_pickup_and_refusal(void **state)
{
	struct tenv *t = *state;
	struct waker w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	struct pickup_opts o;
	struct pickup_req q;
	struct pickup_result r;
	struct pickup *p = NULL;
	struct disp_status ds;
	bool answered, unconfirmed;
	int64_t end;

	open_store(t);
	make_ready(t->st, &t->app, "13812345678");
	memset(&o, 0, sizeof(o));
	o.cfg = &t->cfg;
	o.db_path = t->db;
	o.notify = wake;
	o.notify_ctx = &w;
	assert_int_equal(pickup_start(&o, &p), CA_OK);
	/* The worker reads the device once at start, for the heartbeat. */
	end = ca_mono_ms() + 10000;
	while (!pickup_health(p, &ds, &answered, &unconfirmed) && ca_mono_ms() < end)
		ca_sleep_ms(10);
	assert_true(answered);
	assert_int_equal(ds.stock[0], 5);

	memset(&q, 0, sizeof(q));
	q.op = PICKUP_STATUS;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_true(r.have_status);
	assert_int_equal(r.status.nslots, 2);
	assert_int_equal(r.status.stock[0], 5);

	q.op = PICKUP_RESTOCK;
	q.slot = 2;
	q.count = 9;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_int_equal(r.status.stock[1], 9);

	q.op = PICKUP_DISPENSE;
	q.slot = 2;
	memcpy(q.app_id, t->app.id, sizeof(q.app_id));
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_int_equal(r.disp, DISP_OK);
	assert_int_equal(r.status.stock[1], 9); /* the status read before */
	/* The heartbeat's view counts the key that came out. */
	assert_true(pickup_health(p, &ds, &answered, &unconfirmed));
	assert_true(answered);
	assert_false(unconfirmed);
	assert_int_equal(ds.nslots, 2);
	assert_int_equal(ds.stock[0], 5);
	assert_int_equal(ds.stock[1], 8);
	run_req(p, &q, &r); /* the same again: collected already */
	assert_int_equal(r.outcome, PICKUP_REFUSED);
	pickup_stop(p);

	pthread_mutex_lock(&w.mu);
	assert_true(w.calls >= 4);
	pthread_mutex_unlock(&w.mu);
	assert_app(t, CA_PROC_COLLECTED, 1);
	open_disp(t);
	assert_int_equal(stock_of(t->d, 2), 8);
}

/* The kiosk's clock in tests: a fixed time. */
static int64_t fixed_clock(void *ctx)
{
	return *(const int64_t *)ctx;
}

/* Start the worker on t's store and config; on the clock *now when now is
 * not NULL (else the real one). */
static struct pickup *worker_start(struct tenv *t, int64_t *now)
{
	struct pickup_opts o;
	struct pickup *p = NULL;

	memset(&o, 0, sizeof(o));
	o.cfg = &t->cfg;
	o.db_path = t->db;
	if (now) {
		o.clock = fixed_clock;
		o.clock_ctx = now;
	}
	assert_int_equal(pickup_start(&o, &p), CA_OK);
	return p;
}

/* Refill slot to count through the worker p: the request into *q (for the
 * caller to vary and send again), the result into r. */
static void restock(struct pickup *p, struct pickup_req *q, int slot, int count,
		    struct pickup_result *r)
{
	memset(q, 0, sizeof(*q));
	q->op = PICKUP_RESTOCK;
	q->slot = slot;
	q->count = count;
	run_req(p, q, r);
}

/* Member name of a restock payload's "restock" object, as an integer. */
static long long restock_int(json_t *payload, const char *name)
{
	json_t *v = json_object_get(json_object_get(payload, "restock"), name);

	assert_true(json_is_integer(v));
	return (long long)json_integer_value(v);
}

static void test_worker_restock_is_recorded_with_before_and_after(void **state)
{
	struct tenv *t = *state;
	int64_t now = 1795000000000;
	struct pickup_req q;
	struct pickup_result r;
	struct pickup *p = NULL;
	json_t *rows[4];
	int i;

	open_store(t);
	p = worker_start(t, &now);

	/* Slot 2 holds 3 (the config's first stock): refilled to 9. */
	restock(p, &q, 2, 9, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_true(r.recorded);
	assert_int_equal(r.status.stock[1], 9);
	assert_int_equal(storefix_restock_rows(t->st, rows, 4, NULL), 1);
	assert_string_equal(json_string_value(json_object_get(rows[0], "op")), "restock");
	assert_int_equal(json_integer_value(json_object_get(rows[0], "at_ms")), now);
	assert_null(json_object_get(rows[0], "app"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(rows[0], "restock"),
							       "kiosk")), KIOSK_ID);
	assert_int_equal(restock_int(rows[0], "slot"), 2);
	assert_int_equal(restock_int(rows[0], "before"), 3);
	assert_int_equal(restock_int(rows[0], "after"), 9);
	json_decref(rows[0]);

	/* A count the record cannot carry: refused, the device not asked. */
	q.count = 10000;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_REFUSED);
	assert_false(r.recorded);
	assert_int_equal(storefix_restock_rows(t->st, rows, 4, NULL), 1);
	json_decref(rows[0]);

	/* The record cannot be written: the slot is restocked all the same,
	 * and the result says it was not recorded. */
	raw_exec(t->db, "CREATE TRIGGER no_restock BEFORE INSERT ON outbox"
		 " WHEN NEW.kind = 'restock' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	q.slot = 1;
	q.count = 7;
	now += 1000;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_false(r.recorded);
	assert_true(r.have_status);
	assert_int_equal(r.status.stock[0], 7);
	assert_non_null(strstr(r.message, "NOT recorded"));
	assert_int_equal(storefix_restock_rows(t->st, rows, 4, NULL), 1);
	json_decref(rows[0]);
	raw_exec(t->db, "DROP TRIGGER no_restock;");

	/* Restocking again (same absolute count) records it. */
	now += 1000;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_true(r.recorded);
	pickup_stop(p);
	assert_int_equal(storefix_restock_rows(t->st, rows, 4, NULL), 2);
	assert_int_equal(restock_int(rows[1], "slot"), 1);
	assert_int_equal(restock_int(rows[1], "before"), 7);
	assert_int_equal(restock_int(rows[1], "after"), 7);
	assert_int_equal(json_integer_value(json_object_get(rows[1], "at_ms")), now);
	for (i = 0; i < 2; i++)
		json_decref(rows[i]);
}

/* ---- 3. serial driver against build/dispenser-sim ---- */

/* The simulator with slots 2, stock 5,3 (tests/support/dispsim.h). */
static void sim_spawn(struct dispsim *sp)
{
	if (dispsim_start(sp, 2, "5,3") != 0)
		fail_msg("dispenser-sim did not start");
}

/* Point t's config at the simulator's pty (fast timeouts). */
static void serial_config(struct tenv *t, const struct dispsim *sp)
{
	t->cfg.disp_driver = CONFIG_DISP_SERIAL;
	snprintf(t->cfg.disp_device, sizeof(t->cfg.disp_device), "%s", sp->pty);
	t->cfg.disp_baud = 115200;
	t->cfg.disp_timeout_ms = 300;
	t->cfg.disp_retries = 1;
}

/* Per-test setup of the serial tests: the environment, the simulator
 * started (t->sp), t's config pointed at it, store and dispenser open,
 * t->app ready for pickup. */
static int serial_setup(void **state)
{
	struct tenv *t;

	if (env_setup(state))
		return -1;
	t = *state;
	sim_spawn(&t->sp);
	serial_config(t, &t->sp);
	open_store(t);
	open_disp(t);
	make_ready(t->st, &t->app, "13812345678");
	return 0;
}

/* Close the dispenser and the store, stop the simulator, then the rest. */
static int serial_teardown(void **state)
{
	struct tenv *t = *state;

	close_both(t);
	dispsim_stop(&t->sp);
	return env_teardown(state);
}

/* The simulator answers again ("clear"): recovery (at 9200) resolves the
 * pending dispense as done; its result into r. */
static void cleared_then_recovered(struct tenv *t, struct dispsim *sp, struct pickup_result *r)
{
	assert_int_equal(dispsim_ctl(sp, "clear", NULL, 0), 0);
	assert_int_equal(pickup_recover(t->st, t->d, KIOSK_ID, 9200, FIXTURE_TODAY, r), PICKUP_OK);
	assert_int_equal(r->disp, DISP_OK);
}

static void test_serial_success_and_jam(void **state)
{
	struct tenv *t = *state;
	struct pickup_result r;
	struct ca_app b;

	make_ready(t->st, &b, "13812345678");

	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_OK);
	assert_int_equal(dispsim_dispensed(&t->sp), 1);
	assert_app(t, CA_PROC_COLLECTED, 1);

	assert_int_equal(dispsim_ctl(&t->sp, "jam", NULL, 0), 0);
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, b.id, 1, 9100, FIXTURE_TODAY, &r),
			 PICKUP_FAILED);
	assert_int_equal(r.disp, DISP_JAM);
	assert_int_equal(dispsim_dispensed(&t->sp), 1);
	assert_int_equal(proc_of(t->st, b.id), CA_PROC_READY_FOR_PICKUP);
	assert_int_equal(rows_of_kind(t->db, b.id, STORE_KIND_DISPENSE_FAULT), 1);
	assert_int_equal(stock_of(t->d, 1), 4);
}

static void test_serial_silent_after_command_then_resolved(void **state)
{
	struct tenv *t = *state;
	struct disp_status ds;
	struct pickup_result r;

	/* pickup_run's steps up to the command, by hand, so that the device
	 * can go silent between the status and the dispense: it executes the
	 * dispense but every answer is lost (the dispense's, its retry's, the
	 * status questions after it). The outcome is unknown. */
	assert_int_equal(disp_status(t->d, &ds), CA_OK);
	assert_int_equal(store_intent_begin(t->st, t->app.id, 1, ds.last_seq, 9000, NULL), CA_OK);
	assert_int_equal(dispsim_ctl(&t->sp, "lose 100", NULL, 0), 0);
	assert_int_equal(disp_dispense(t->d, 1, NULL, 0), DISP_NO_ANSWER);
	assert_int_equal(dispsim_dispensed(&t->sp), 1);
	assert_app(t, CA_PROC_READY_FOR_PICKUP, 0);
	assert_true(intent_pending(t->st));
	/* Still silent: recovery keeps it pending, collects nothing. */
	assert_int_equal(pickup_recover(t->st, t->d, KIOSK_ID, 9100, FIXTURE_TODAY, &r),
			 PICKUP_UNKNOWN);
	assert_true(intent_pending(t->st));
	/* Answers again: the device's status shows the key came out. */
	cleared_then_recovered(t, &t->sp, &r);
	assert_false(intent_pending(t->st));
	assert_app(t, CA_PROC_COLLECTED, 1);
	assert_int_equal(dispsim_dispensed(&t->sp), 1);
}

/*
 * The device's controller dies right after the motor ran (the sim's
 * "hang"): pickup_run gets no answer to the dispense nor to the status
 * after it. The outcome is unknown: not collected, the intent stays
 * pending, and ONE fault record "unconfirmed" is queued for staff. When
 * the device answers again, recovery collects (the key did come out).
 */
static void test_unknown_outcome_tells_staff_then_recovery_collects(void **state)
{
	struct tenv *t = *state;
	struct pickup_result r;
	char sql[256];

	assert_int_equal(dispsim_ctl(&t->sp, "hang", NULL, 0), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9000, FIXTURE_TODAY,
				    &r), PICKUP_UNKNOWN);
	assert_true(r.intent_pending);
	assert_int_equal(dispsim_dispensed(&t->sp), 1);
	assert_true(intent_pending(t->st));
	assert_app(t, CA_PROC_READY_FOR_PICKUP, 0);
	assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE app_id = '%s' AND"
		 " json_extract(payload, '$.fault.result') = 'unconfirmed' AND"
		 " json_extract(payload, '$.fault.slot') = 1", t->app.id);
	assert_int_equal(raw_int(t->db, sql), 1);
	/* Recovery while still silent adds no second record. */
	assert_int_equal(pickup_recover(t->st, t->d, KIOSK_ID, 9100, FIXTURE_TODAY, &r),
			 PICKUP_UNKNOWN);
	assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT), 1);
	cleared_then_recovered(t, &t->sp, &r);
	assert_false(intent_pending(t->st));
	assert_app(t, CA_PROC_COLLECTED, 1);
	assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT), 1);
	assert_int_equal(dispsim_dispensed(&t->sp), 1);
}

/* ---- 4. crash recovery for real ---- */

/* Child: run the worker with the crash hook and ask for one pickup. Never
 * returns: the hook exits 99 (anything else is a failure code). */
static void child_pickup_and_crash(struct tenv *t, const char *app_id)
{
	struct pickup_opts o;
	struct pickup_req q;
	struct pickup_result r;
	struct pickup *p = NULL;
	int i;

	setenv("CA_TEST_CRASH_AFTER_DISPENSE", "1", 1);
	memset(&o, 0, sizeof(o));
	o.cfg = &t->cfg;
	o.db_path = t->db;
	if (pickup_start(&o, &p) != CA_OK)
		_exit(2);
	memset(&q, 0, sizeof(q));
	q.op = PICKUP_DISPENSE;
	q.slot = 1;
	snprintf(q.app_id, sizeof(q.app_id), "%s", app_id);
	pickup_submit(p, &q);
	for (i = 0; i < 1000; i++) {
		if (pickup_take(p, &r))
			_exit(3); /* a result means the hook did not fire */
		ca_sleep_ms(10);
	}
	_exit(4);
}

static int wait_child(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_crash_between_dispense_and_write_collects_once(void **state)
{
	struct tenv *t = *state;
	struct pickup_req q;
	struct pickup_result r;
	struct pickup *p = NULL;
	pid_t pid;

	open_store(t);
	make_ready(t->st, &t->app, "13812345678");
	close_both(t); /* the child opens its own */

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_pickup_and_crash(t, t->app.id);
	assert_int_equal(wait_child(pid), 99);

	/* What the crash left: the key is out (sim state), the intent pending,
	 * the record not yet collected. */
	open_store(t);
	open_disp(t);
	assert_true(intent_pending(t->st));
	assert_int_equal(stock_of(t->d, 1), 4);
	assert_app(t, CA_PROC_READY_FOR_PICKUP, 0);
	close_both(t);

	/* Restart: the worker resolves it at start, from the device's status. */
	p = worker_start(t, NULL);
	memset(&q, 0, sizeof(q));
	q.op = PICKUP_STATUS;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_false(r.intent_pending);
	assert_int_equal(r.status.stock[0], 4);
	/* And a recover request finds nothing more to do. */
	q.op = PICKUP_RECOVER;
	run_req(p, &q, &r);
	assert_int_equal(r.outcome, PICKUP_OK);
	pickup_stop(p);

	open_store(t);
	open_disp(t);
	assert_false(intent_pending(t->st));
	assert_app(t, CA_PROC_COLLECTED, 1);
	assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT), 0);
	assert_int_equal(stock_of(t->d, 1), 4);
	assert_int_equal(raw_int(t->db, "SELECT count(*) FROM dispense_intents WHERE"
				 " state = 'collected'"), 1);
	/* Recovering again changes nothing. */
	assert_int_equal(pickup_recover(t->st, t->d, KIOSK_ID, 9900, FIXTURE_TODAY, &r),
			 PICKUP_OK);
	assert_int_equal(rows_of_kind(t->db, t->app.id, "collect"), 1);
}

static void test_crash_before_the_command_fails_stock_unchanged(void **state)
{
	struct tenv *t = *state;
	struct disp_status ds;
	struct pickup_result r;
	pid_t pid;

	open_store(t);
	make_ready(t->st, &t->app, "13812345678");
	close_both(t);

	/* Child: the steps up to the intent, then death before the dispense. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st = NULL;
		struct disp *d = NULL;
		char err[STORE_ERR_MAX];

		if (store_open(t->db, &st, err, sizeof(err)) ||
		    disp_open(&t->cfg, &d, err, sizeof(err)) || disp_status(d, &ds) ||
		    store_intent_begin(st, t->app.id, 1, ds.last_seq, 9000, NULL))
			_exit(2);
		_exit(98);
	}
	assert_int_equal(wait_child(pid), 98);

	open_store(t);
	open_disp(t);
	assert_true(intent_pending(t->st));
	assert_int_equal(pickup_recover(t->st, t->d, KIOSK_ID, 9500, FIXTURE_TODAY, &r),
			 PICKUP_OK);
	assert_int_not_equal(r.disp, DISP_OK);
	assert_false(intent_pending(t->st));
	assert_app(t, CA_PROC_READY_FOR_PICKUP, 0);
	assert_int_equal(rows_of_kind(t->db, t->app.id, STORE_KIND_DISPENSE_FAULT), 1);
	assert_int_equal(raw_int(t->db, "SELECT count(*) FROM dispense_intents WHERE"
				 " state = 'failed' AND result = 'interrupted'"), 1);
	assert_int_equal(stock_of(t->d, 1), 5);
	/* The order can be collected by a new attempt. */
	assert_int_equal(pickup_run(t->st, t->d, KIOSK_ID, t->app.id, 1, 9600, FIXTURE_TODAY,
				    &r), PICKUP_OK);
	assert_int_equal(stock_of(t->d, 1), 4);
}

static void test_device_silent_at_start_is_retried(void **state)
{
	struct tenv *t = *state;
	struct store_intent it;
	struct disp_status ds;
	struct pickup_opts o;
	struct pickup *p = NULL;
	struct pickup_result r;
	char detail[DISP_TEXT_MAX];
	int64_t end;

	open_store(t);
	open_disp(t);
	make_ready(t->st, &t->app, "13812345678");
	/* A dispense that happened, its write lost (as after a crash). */
	assert_int_equal(disp_status(t->d, &ds), CA_OK);
	assert_int_equal(store_intent_begin(t->st, t->app.id, 2, ds.last_seq, 9000, &it), CA_OK);
	assert_int_equal(disp_dispense(t->d, 2, detail, sizeof(detail)), DISP_OK);
	/* Silent to the first question after the restart. */
	assert_int_equal(disp_sim_inject(t->d, DISP_FAULT_NO_ANSWER, 0), CA_OK);
	assert_int_equal(pickup_recover(t->st, t->d, KIOSK_ID, 9100, FIXTURE_TODAY, &r),
			 PICKUP_UNKNOWN);
	assert_true(intent_pending(t->st));
	assert_int_equal(proc_of(t->st, t->app.id), CA_PROC_READY_FOR_PICKUP);
	/* Again silent for the worker's start; its retry (200 ms) gets it. */
	assert_int_equal(disp_sim_inject(t->d, DISP_FAULT_NO_ANSWER, 0), CA_OK);
	close_both(t);
	memset(&o, 0, sizeof(o));
	o.cfg = &t->cfg;
	o.db_path = t->db;
	o.retry_ms = 200;
	assert_int_equal(pickup_start(&o, &p), CA_OK);
	open_store(t);
	end = ca_mono_ms() + 10000;
	while (intent_pending(t->st) && ca_mono_ms() < end)
		ca_sleep_ms(50);
	pickup_stop(p);
	assert_false(intent_pending(t->st));
	assert_app(t, CA_PROC_COLLECTED, 1);
	open_disp(t);
	assert_int_equal(stock_of(t->d, 2), 2);
}

/* ---- 5. the real hub ---- */

static struct hubproc hub;

#define HUB_DEV "pick-hub-01"
#define HUB_PHONE "13800000551"

static json_t *admin(const char *method, const char *target, const char *body, long *status)
{
	return hubcall_admin(&hub, method, target, body, status);
}

/* A signed device call; the parsed answer into *out (may be NULL). */
static long device_call(const char *secret, const char *method, const char *target,
			const char *body, json_t **out)
{
	struct hubproc_req q;
	struct hubproc_resp r;

	memset(&q, 0, sizeof(q));
	q.device = HUB_DEV;
	q.secret = secret;
	assert_int_equal(hubproc_request(&hub, &q, method, target, body, &r), 0);
	if (out)
		*out = json_loads(r.body ? r.body : "", 0, NULL);
	free(r.body);
	return r.status;
}

static void hub_login(const char *secret)
{
	char body[128], target[64];
	const char *code;
	json_t *j;
	long st;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", HUB_PHONE);
	assert_int_equal(device_call(secret, "POST", "/v1/login/sms", body, NULL), 200);
	snprintf(target, sizeof(target), "/v1/admin/sms/%s", HUB_PHONE);
	j = admin("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	code = json_string_value(json_object_get(j, "code"));
	assert_non_null(code);
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%s\"}", HUB_PHONE, code);
	json_decref(j);
	assert_int_equal(device_call(secret, "POST", "/v1/login", body, NULL), 200);
}

/* Run the sync engine until the outbox is empty and online (20 s). */
static void sync_drain(struct tenv *t, const char *secret)
{
	struct sync_status s;
	struct sync_opts o;
	struct sync *sy = NULL;
	int64_t end = ca_mono_ms() + 20000;
	bool ok = false;

	snprintf(t->cfg.server_url, sizeof(t->cfg.server_url), "%s", hub.url);
	memset(&o, 0, sizeof(o));
	o.db_path = t->db;
	o.cfg = &t->cfg;
	o.secret = secret;
	o.feed_wait_s = -1;
	assert_int_equal(sync_start(&o, &sy), CA_OK);
	while (!ok && ca_mono_ms() < end)
		if (sync_wait(sy, &s, (int)(end - ca_mono_ms())) && s.online && s.pending == 0)
			ok = true;
	sync_stop(sy);
	assert_true(ok);
}

/* Mark app id paid (on site) in the stopped hub's store, as a payment does. */
static void hub_mark_paid_offline(const char *id)
{
	char path[HUBPROC_PATH + 16], sql[256];
	int changed = 0;

	snprintf(path, sizeof(path), "%s/hub.db", hub.data_dir);
	snprintf(sql, sizeof(sql), "UPDATE applications SET body = json_set(body,"
		 " '$.pay_status', 'paid', '$.proc_status', 'onsite') WHERE id = '%s'", id);
	assert_int_equal(sqlpeek_exec(path, sql, &changed), 0);
	assert_int_equal(changed, 1);
}

/* The hub's view of application id: {app, history, records, ...}. */
static json_t *hub_show(const char *id)
{
	char target[128];
	json_t *j;
	long st;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s", id);
	j = admin("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

static const char *hub_str(json_t *show, const char *key)
{
	return json_string_value(json_object_get(json_object_get(show, "app"), key));
}

/* t's config: the kiosk HUB_DEV of the test hub (its CA, short timeouts). */
static void hub_config(struct tenv *t)
{
	snprintf(t->cfg.kiosk_id, sizeof(t->cfg.kiosk_id), "%s", HUB_DEV);
	copy_to(t->cfg.ca_file, sizeof(t->cfg.ca_file), hub.cacert);
	t->cfg.connect_timeout_ms = 2000;
	t->cfg.total_timeout_ms = 8000;
	t->cfg.sync_interval_s = 1;
}

static void test_hub_takes_the_fault_once_then_the_collect(void **state)
{
	struct tenv *t = *state;
	struct store_outbox_item items[8];
	char secret[65], out[4096], body[70000], key[CA_UUID_LEN + 1];
	struct pickup_result r;
	json_t *show, *recs, *res, *bad;
	char *text;
	int n, i, k = -1;
	int64_t end;
	long st;

	assert_int_equal(hubproc_device_add(&hub, HUB_DEV, secret), 0);
	hub_login(secret);
	hub_config(t);

	/* An on-site application made on the kiosk and submitted. */
	open_store(t);
	fixture_app(&t->app);
	assert_int_equal(uuid_v4(t->app.id), CA_OK);
	snprintf(t->app.account, sizeof(t->app.account), "%s", HUB_PHONE);
	snprintf(t->app.kiosk_id, sizeof(t->app.kiosk_id), "%s", HUB_DEV);
	assert_int_equal(store_app_create(t->st, &t->app, 1795000000000), CA_OK);
	assert_int_equal(store_app_act(t->st, t->app.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       1795000000500, NULL, NULL), CA_OK);
	sync_drain(t, secret);
	/* Staff approve; it is paid; staff mark it ready at this kiosk. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "approve", t->app.id, (char *)NULL), 0);
	assert_int_equal(hubproc_stop(&hub), 0);
	hub_mark_paid_offline(t->app.id);
	assert_int_equal(hubproc_restart(&hub), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "ready", t->app.id, "--kiosk",
				     HUB_DEV, "--slot", "1", (char *)NULL), 0);
	/* The feed brings "ready for pickup" to the kiosk. */
	end = ca_mono_ms() + 20000;
	while (proc_of(t->st, t->app.id) != CA_PROC_READY_FOR_PICKUP && ca_mono_ms() < end)
		sync_drain(t, secret);
	assert_int_equal(proc_of(t->st, t->app.id), CA_PROC_READY_FOR_PICKUP);

	/* A jam: the fault record goes to the hub. */
	open_disp(t);
	assert_int_equal(disp_sim_inject(t->d, DISP_FAULT_JAM, 0), CA_OK);
	assert_int_equal(pickup_run(t->st, t->d, HUB_DEV, t->app.id, 1, 1795000100000,
				    FIXTURE_TODAY, &r), PICKUP_FAILED);
	/* Keep the row as sent, for the replay below. */
	assert_int_equal(store_outbox_next(t->st, INT64_MAX, 8, items, &n), CA_OK);
	for (i = 0; i < n; i++)
		if (strcmp(items[i].kind, STORE_KIND_DISPENSE_FAULT) == 0)
			k = i;
	assert_true(k >= 0);
	memcpy(key, items[k].key, sizeof(key));
	snprintf(body, sizeof(body), "{\"records\":[{\"key\":\"%s\",%s]}", key,
		 items[k].payload + 1);
	bad = json_loads(items[k].payload, 0, NULL);
	assert_non_null(bad);
	store_outbox_items_release(items, n);
	sync_drain(t, secret);

	show = hub_show(t->app.id);
	assert_string_equal(hub_str(show, "proc_status"), "ready_for_pickup");
	assert_string_equal(hub_str(show, "pay_status"), "paid");
	recs = json_object_get(show, "records");
	assert_int_equal(json_array_size(recs), 1);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(recs, 0),
								  "text")), "卡锁"));
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(recs, 0),
								  "staff")), HUB_DEV));
	json_decref(show);

	/* The same record again (a retry after a lost answer): the first
	 * result, nothing applied twice. */
	assert_int_equal(device_call(secret, "POST", "/v1/records", body, &res), 200);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(res, "results"), 0), "status")), 200);
	json_decref(res);
	show = hub_show(t->app.id);
	assert_int_equal(json_array_size(json_object_get(show, "records")), 1);
	json_decref(show);
	/* A fault record the hub cannot read is refused for good (400). */
	json_object_set_new(bad, "key", json_string("bad-fault-1"));
	json_object_set_new(bad, "fault", json_pack("{s:i, s:s}", "slot", 0, "result", "melted"));
	bad = json_pack("{s:[o]}", "records", bad); /* takes the record's reference */
	text = json_dumps(bad, JSON_COMPACT);
	json_decref(bad);
	assert_non_null(text);
	assert_int_equal(device_call(secret, "POST", "/v1/records", text, &res), 200);
	free(text);
	st = (long)json_integer_value(json_object_get(
		json_array_get(json_object_get(res, "results"), 0), "status"));
	assert_int_equal(st, 400);
	json_decref(res);

	/* The jam cleared; a good dispense; the hub hears "collect". */
	assert_int_equal(disp_restock(t->d, 1, 5, NULL, 0), CA_OK);
	assert_int_equal(pickup_run(t->st, t->d, HUB_DEV, t->app.id, 1, 1795000200000,
				    FIXTURE_TODAY, &r), PICKUP_OK);
	sync_drain(t, secret);
	show = hub_show(t->app.id);
	assert_string_equal(hub_str(show, "proc_status"), "collected");
	assert_string_equal(hub_str(show, "pay_status"), "done");
	assert_int_equal(json_array_size(json_object_get(show, "records")), 1);
	json_decref(show);
}

static void test_hub_shows_a_restock_once(void **state)
{
	struct tenv *t = *state;
	int64_t now = 1795000300000;
	char secret[65], out[4096], body[8192], key[1][CA_UUID_LEN + 1], target[96];
	struct pickup_req q;
	struct pickup_result r;
	struct pickup *p = NULL;
	json_t *rows[2], *j, *list, *x, *res;
	char *text;
	int parked = -1;
	long st;

	/* A kiosk nobody has logged in on: a restock needs no account. */
	assert_int_equal(hubproc_device_add(&hub, HUB_DEV, secret), 0);
	hub_config(t);

	open_store(t);
	p = worker_start(t, &now);
	restock(p, &q, 2, 9, &r);
	pickup_stop(p);
	assert_int_equal(r.outcome, PICKUP_OK);
	assert_true(r.recorded);
	/* Keep the record as sent, for the replay below. */
	assert_int_equal(storefix_restock_rows(t->st, rows, 1, key), 1);
	text = json_dumps(rows[0], JSON_COMPACT);
	assert_non_null(text);
	snprintf(body, sizeof(body), "{\"records\":[{\"key\":\"%s\",%s]}", key[0], text + 1);
	free(text);
	json_decref(rows[0]);

	sync_drain(t, secret);
	assert_int_equal(store_outbox_depth(t->st, NULL, &parked), CA_OK);
	assert_int_equal(parked, 0);

	snprintf(target, sizeof(target), "/v1/admin/restocks?kiosk=%s", HUB_DEV);
	j = admin("GET", target, NULL, &st);
	assert_int_equal(st, 200);
	list = json_object_get(j, "restocks");
	assert_int_equal(json_array_size(list), 1);
	x = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(x, "kiosk")), HUB_DEV);
	assert_string_equal(json_string_value(json_object_get(x, "key")), key[0]);
	assert_int_equal(json_integer_value(json_object_get(x, "slot")), 2);
	assert_int_equal(json_integer_value(json_object_get(x, "before")), 3);
	assert_int_equal(json_integer_value(json_object_get(x, "after")), 9);
	assert_int_equal(json_integer_value(json_object_get(x, "at_ms")), now);
	json_decref(j);

	/* The same record again (a retry after a lost answer): 200, the first
	 * result, and still one restock. */
	assert_int_equal(device_call(secret, "POST", "/v1/records", body, &res), 200);
	x = json_array_get(json_object_get(res, "results"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "status")), 200);
	assert_string_equal(json_string_value(json_object_get(x, "key")), key[0]);
	json_decref(res);
	j = admin("GET", "/v1/admin/restocks", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "restocks")), 1);
	json_decref(j);
	/* Staff's view through the CLI: one line, 3 -> 9 keys in slot 2. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "restocks", "--kiosk", HUB_DEV,
				     (char *)NULL), 0);
	assert_non_null(strstr(out, HUB_DEV));
	assert_non_null(strstr(out, "3 → 9"));
	assert_null(strstr(strstr(out, HUB_DEV) + 1, HUB_DEV)); /* exactly once */
}

static int hub_setup(void **state)
{
	struct hubproc_opts o;

	if (env_setup(state))
		return -1;
	memset(&o, 0, sizeof(o));
	return hubproc_start(&hub, &o);
}

static int hub_teardown(void **state)
{
	hubproc_cleanup(&hub);
	return env_teardown(state);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)
#define S(fn) cmocka_unit_test_setup_teardown(fn, serial_setup, serial_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_confirmed_dispense_collects_exactly_once),
		T(test_each_fault_fails_with_a_fault_row_record_stays_ready),
		T(test_refusals_send_nothing),
		T(test_worker_status_restock_pickup_and_refusal),
		T(test_worker_restock_is_recorded_with_before_and_after),
		S(test_serial_success_and_jam),
		S(test_serial_silent_after_command_then_resolved),
		S(test_unknown_outcome_tells_staff_then_recovery_collects),
		T(test_crash_between_dispense_and_write_collects_once),
		T(test_crash_before_the_command_fails_stock_unchanged),
		T(test_device_silent_at_start_is_retried),
		cmocka_unit_test_setup_teardown(test_hub_takes_the_fault_once_then_the_collect,
						hub_setup, hub_teardown),
		cmocka_unit_test_setup_teardown(test_hub_shows_a_restock_once, hub_setup,
						hub_teardown),
	};

	log_set_level(LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("kiosk/pickup", tests, NULL, NULL);
}
