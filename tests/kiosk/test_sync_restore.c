/*
 * test_sync_restore.c - a kiosk keeps in sync across a restore of the hub's
 * store: the real ca-hub over TLS (tests/support/hubproc), the kiosk's sync
 * engine thread on a real store file, ca-hubctl backup and restore.
 *
 * The kiosk syncs; a backup is taken; staff change more and the kiosk sees
 * it (its cursor moves past the backup's head); the hub is stopped, the
 * backup restored (a new epoch), the hub started again, and staff make new
 * changes whose revisions are numbered again from the backup's head, below
 * the kiosk's cursor. The kiosk must start again from 0 and catch up: every
 * change after the restore arrives (an approval and a rejection), what the
 * restored hub still has stays as it was (the first approval), and what the
 * restore took back (an approval after the backup) is shown as the hub has
 * it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "kiosk/store/store.h"
#include "kiosk/net/sync.h"
#include "../fixture.h"
#include "../support/hubcall.h"

#define DEV "restore-01"
#define PHONE "13800000301"
#define NAPPS 4

static struct hubproc hub;

/* A request to the hub: admin (bearer) when secret is NULL, else signed
 * as DEV. The parsed body (caller decrefs; may be NULL), *status. */
static json_t *call(const char *secret, const char *method, const char *target,
		    const char *body, long *status)
{
	struct hubproc_req q;
	struct hubproc_resp r;
	json_t *j;

	memset(&q, 0, sizeof(q));
	if (secret) {
		q.device = DEV;
		q.secret = secret;
	} else {
		q.bearer = hub.token;
	}
	assert_int_equal(hubproc_request(&hub, &q, method, target, body, &r), 0);
	*status = r.status;
	j = json_loads(r.body, 0, NULL);
	free(r.body);
	return j;
}

/* The group's hub (hubcall_group_setup starts it). */
static const struct hubcall_group group = { .hub = &hub };

/* Staff: POST /v1/admin/apps/ID/WHAT with body. */
static void staff(const char *id, const char *what, const char *body)
{
	char target[128];
	long st;

	snprintf(target, sizeof(target), "/v1/admin/apps/%s/%s", id, what);
	json_decref(call(NULL, "POST", target, body, &st));
	assert_int_equal(st, 200);
}

/* Log PHONE in on DEV: binds the account, so the feed carries it. */
static void login(const char *secret)
{
	char body[128];
	json_t *j;
	long st;

	snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", PHONE);
	json_decref(call(secret, "POST", "/v1/login/sms", body, &st));
	assert_int_equal(st, 200);
	j = call(NULL, "GET", "/v1/admin/sms/" PHONE, NULL, &st);
	assert_int_equal(st, 200);
	snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"code\":\"%s\"}", PHONE,
		 json_string_value(json_object_get(j, "code")));
	json_decref(j);
	json_decref(call(secret, "POST", "/v1/login", body, &st));
	assert_int_equal(st, 200);
}

/* The kiosk: its store file, config and engine. */
struct kiosk {
	char db[PATH_MAX];             /* the store file */
	char secret[65];               /* the device secret */
	struct config cfg;             /* server url (changes with the hub's port) */
	struct sync *s;                /* the running engine, or NULL */
	char ids[NAPPS][CA_UUID_LEN + 1]; /* its applications */
};

static void engine_start(struct kiosk *k)
{
	struct sync_opts o;

	snprintf(k->cfg.server_url, sizeof(k->cfg.server_url), "%s", hub.url);
	memset(&o, 0, sizeof(o));
	o.db_path = k->db;
	o.cfg = &k->cfg;
	o.secret = k->secret;
	o.feed_wait_s = 2;
	o.backoff_base_ms = 100;
	o.backoff_cap_ms = 500;
	assert_int_equal(sync_start(&o, &k->s), CA_OK);
	sync_wake(k->s);
}

/* The application's state in the kiosk's store. */
static void kiosk_app(const struct kiosk *k, int i, struct ca_app *a)
{
	char err[STORE_ERR_MAX];
	struct store *st = NULL;

	assert_int_equal(store_open(k->db, &st, err, sizeof(err)), CA_OK);
	assert_int_equal(store_app_get(st, k->ids[i], a), CA_OK);
	store_close(st);
}

/* Wait (20 s) until the kiosk shows statuses want[]; fail with what it
 * shows. */
static void wait_kiosk(const struct kiosk *k, const enum ca_app_status want[NAPPS])
{
	int64_t end = ca_mono_ms() + 20000;
	struct ca_app a;
	int i, ok;

	do {
		ok = 1;
		for (i = 0; i < NAPPS && ok; i++) {
			kiosk_app(k, i, &a);
			ok = a.app_status == want[i];
		}
		if (ok)
			return;
		usleep(100 * 1000);
	} while (ca_mono_ms() < end);
	for (i = 0; i < NAPPS; i++) {
		kiosk_app(k, i, &a);
		fprintf(stderr, "app %d: %s (want %s), rev %lld\n", i,
			ca_app_status_id(a.app_status), ca_app_status_id(want[i]),
			(long long)a.rev);
	}
	fail_msg("the kiosk did not catch up");
}

/* Wait (20 s) until the engine has delivered every outbox row. */
static void wait_drained(const struct kiosk *k)
{
	int64_t end = ca_mono_ms() + 20000;
	struct sync_status st;

	do {
		if (sync_wait(k->s, &st, 200) && st.online && st.pending == 0)
			return;
	} while (ca_mono_ms() < end);
	fail_msg("the outbox was not drained: %s", st.last_error);
}

/* Wait (20 s) until the engine reports its feed cursor at rev: the store
 * shows a page's rows before the engine publishes the cursor it reached. */
static void wait_cursor(const struct kiosk *k, int64_t rev)
{
	int64_t end = ca_mono_ms() + 20000;
	struct sync_status st;

	do {
		sync_status_get(k->s, &st);
		if (st.feed_cursor == rev)
			return;
		usleep(50 * 1000);
	} while (ca_mono_ms() < end);
	fail_msg("the kiosk's feed cursor stayed at %lld, not %lld", (long long)st.feed_cursor,
		 (long long)rev);
}

/* The hub's head revision (GET /v1/feed as DEV). */
static int64_t hub_head(const struct kiosk *k, int64_t *epoch)
{
	json_t *j;
	long st;
	int64_t head;

	j = call(k->secret, "GET", "/v1/feed?since=0", NULL, &st);
	assert_int_equal(st, 200);
	head = (int64_t)json_integer_value(json_object_get(j, "head"));
	*epoch = (int64_t)json_integer_value(json_object_get(j, "epoch"));
	json_decref(j);
	return head;
}

static void test_kiosk_catches_up_after_restore(void **state)
{
	static const enum ca_app_status synced[NAPPS] = {
		CA_APP_APPROVED, CA_APP_PENDING_REVIEW, CA_APP_PENDING_REVIEW,
		CA_APP_PENDING_REVIEW };
	static const enum ca_app_status after_backup[NAPPS] = {
		CA_APP_APPROVED, CA_APP_APPROVED, CA_APP_PENDING_REVIEW, CA_APP_APPROVED };
	static const enum ca_app_status after_restore[NAPPS] = {
		CA_APP_APPROVED, CA_APP_REJECTED, CA_APP_APPROVED, CA_APP_PENDING_REVIEW };
	static struct kiosk kk;
	struct kiosk *k = &kk;
	char backup[HUBPROC_PATH + 32], out[2048], err[STORE_ERR_MAX];
	struct sync_status st;
	struct store *db = NULL;
	struct ca_app a;
	int64_t head_b, epoch_b, epoch_r, head, cursor;
	int i;

	(void)state;
	memset(k, 0, sizeof(*k));
	snprintf(k->db, sizeof(k->db), "%s/kiosk.db", hub.dir);
	assert_int_equal(hubproc_device_add(&hub, DEV, k->secret), 0);
	login(k->secret);
	config_defaults(&k->cfg);
	snprintf(k->cfg.kiosk_id, sizeof(k->cfg.kiosk_id), "%s", DEV);
	assert_true(strlen(hub.cacert) < sizeof(k->cfg.ca_file));
	memcpy(k->cfg.ca_file, hub.cacert, strlen(hub.cacert) + 1);
	k->cfg.connect_timeout_ms = 2000;
	k->cfg.total_timeout_ms = 8000;

	/* The kiosk submits four applications; staff approve the first. */
	assert_int_equal(store_open(k->db, &db, err, sizeof(err)), CA_OK);
	for (i = 0; i < NAPPS; i++) {
		fixture_app(&a);
		assert_int_equal(uuid_v4(a.id), CA_OK);
		strcpy(a.account, PHONE);
		strcpy(a.kiosk_id, DEV);
		assert_int_equal(store_app_create(db, &a, 1795000000000 + i), CA_OK);
		assert_int_equal(store_app_act(db, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
					       1795000000500 + i, NULL, NULL), CA_OK);
		strcpy(k->ids[i], a.id);
	}
	store_close(db);
	engine_start(k);
	wait_drained(k);
	staff(k->ids[0], "act", "{\"op\":\"approve\",\"staff\":\"审核员甲\"}");
	wait_kiosk(k, synced);

	/* The backup; then changes the kiosk sees, past the backup's head. */
	head_b = hub_head(k, &epoch_b);
	snprintf(backup, sizeof(backup), "%s/hub-backup.db", hub.dir);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "backup", backup, (char *)NULL), 0);
	staff(k->ids[1], "act", "{\"op\":\"approve\",\"staff\":\"审核员甲\"}");
	staff(k->ids[3], "act", "{\"op\":\"approve\",\"staff\":\"审核员甲\"}");
	wait_kiosk(k, after_backup);
	cursor = hub_head(k, &epoch_r);
	assert_true(cursor > head_b);
	wait_cursor(k, cursor);
	sync_status_get(k->s, &st);
	assert_int_equal(st.feed_epoch, epoch_b);

	/* The hub goes down, the backup comes back (new epoch), the hub starts
	 * again on another port (the kiosk is pointed at it). */
	sync_stop(k->s);
	k->s = NULL;
	assert_int_equal(hubproc_stop(&hub), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "restore", backup, (char *)NULL), 0);
	assert_int_equal(hubproc_restart(&hub), 0);
	assert_int_equal(hub_head(k, &epoch_r), head_b);
	assert_int_not_equal(epoch_r, epoch_b);

	/* New changes, numbered again from the backup's head: as many as the
	 * restore took back, so the hub's head reaches the kiosk's cursor (a
	 * cursor past the head alone would give the restore away). */
	staff(k->ids[2], "act", "{\"op\":\"approve\",\"staff\":\"审核员乙\"}");
	staff(k->ids[1], "act", "{\"op\":\"reject\",\"arg\":\"法定代表人姓名有误\","
	      "\"staff\":\"审核员乙\"}");
	head = hub_head(k, &epoch_r);
	assert_int_equal(head, cursor); /* without the epoch the kiosk would miss both */

	engine_start(k);
	wait_kiosk(k, after_restore);
	wait_cursor(k, head);
	sync_status_get(k->s, &st);
	assert_int_equal(st.feed_epoch, epoch_r);
	assert_true(st.feed_resets >= 1);
	/* What the restored hub still had is as it was: app 0's approval. */
	kiosk_app(k, 0, &a);
	assert_int_equal(a.app_status, CA_APP_APPROVED);
	assert_true(a.amount_fen > 0);
	kiosk_app(k, 1, &a);
	assert_string_equal(a.reject_reason, "法定代表人姓名有误");
	kiosk_app(k, 2, &a);
	assert_int_equal(a.reject_reason[0], '\0');
	/* What the restore took back (app 3's approval) shows as the hub has it. */
	kiosk_app(k, 3, &a);
	assert_int_equal(a.app_status, CA_APP_PENDING_REVIEW);
	sync_stop(k->s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kiosk_catches_up_after_restore),
	};

	log_set_level(LOG_ERROR);
	hubcall_group(&group);
	return cmocka_run_group_tests_name("kiosk/sync_restore", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
