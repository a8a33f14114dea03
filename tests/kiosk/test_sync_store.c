/*
 * test_sync_store.c - the store's side of sync (schema version 2), on real
 * SQLite files: a version-1 file migrates forward with its data; the hub's
 * snapshot of an application lands only when the application has no
 * pending outbox row and the snapshot is newer; a row that is sent or
 * parked lets a held-back snapshot land; a feed batch and its cursor commit
 * together or not at all, and applying it twice changes nothing; a deleted
 * application stays deleted; a feed reset (the hub's store restored: a new
 * epoch) lets the new epoch's snapshots land, keeps queued local edits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/uuid.h"
#include "kiosk/store/store.h"
#include "../fixture.h"
#include "../support/storefix.h"

/* The outbox rows of the store, in order (at most 8). */
static int rows(struct store *st, struct store_outbox_item *it)
{
	int n = 0;

	assert_int_equal(store_outbox_next(st, INT64_MAX / 2, 8, it, &n), CA_OK);
	return n;
}

static int history_count_cb(const struct store_history *h, void *ctx)
{
	int *n = ctx;

	(void)h;
	(*n)++;
	return 0;
}

static int history_count(struct store *st, const char *id)
{
	int n = 0;

	assert_int_equal(store_history_each(st, id, history_count_cb, &n), CA_OK);
	return n;
}

/* The last history row's action into out. */
static int history_last_cb(const struct store_history *h, void *ctx)
{
	memcpy(ctx, h, sizeof(*h));
	return 0;
}

/* An app change for a feed batch. */
static void change_app(struct store_change *c, const struct ca_app *a)
{
	memset(c, 0, sizeof(*c));
	c->rev = a->rev;
	c->kind = STORE_CHANGE_APP;
	c->u.app = *a;
}

/* Apply a feed batch of the one application a with cursor next; how
 * many applications it changed. */
static int feed_one(struct store *st, const struct ca_app *a, int64_t next, int64_t now_ms)
{
	struct store_change ch;
	int applied = -1;

	change_app(&ch, a);
	assert_int_equal(store_feed_apply(st, &ch, 1, next, now_ms, &applied), CA_OK);
	return applied;
}

/* The schema version 1 exactly as it shipped (store.c, migrations[0]). */
static const char v1_schema[] =
	"CREATE TABLE applications ("
	" id TEXT PRIMARY KEY NOT NULL, account TEXT NOT NULL,"
	" app_status TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL,"
	" body TEXT NOT NULL CHECK (json_valid(body)));"
	"CREATE INDEX applications_by_account ON applications(account, created_ms DESC);"
	"CREATE TABLE app_history ("
	" seq INTEGER PRIMARY KEY,"
	" app_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,"
	" at_ms INTEGER NOT NULL, action TEXT NOT NULL,"
	" from_app TEXT NOT NULL, from_pay TEXT NOT NULL,"
	" from_proc TEXT NOT NULL, from_pickup TEXT NOT NULL,"
	" to_app TEXT NOT NULL, to_pay TEXT NOT NULL,"
	" to_proc TEXT NOT NULL, to_pickup TEXT NOT NULL,"
	" note TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX app_history_by_app ON app_history(app_id, seq);"
	"CREATE TABLE proc_records ("
	" id TEXT PRIMARY KEY NOT NULL, app_id TEXT NOT NULL,"
	" at_ms INTEGER NOT NULL, body TEXT NOT NULL CHECK (json_valid(body)));"
	"CREATE INDEX proc_records_by_app ON proc_records(app_id, at_ms);"
	"CREATE TABLE outbox ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, idem_key TEXT UNIQUE NOT NULL,"
	" app_id TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at_ms INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending', 'parked')),"
	" last_error TEXT, created_ms INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox(state, next_at_ms);"
	"CREATE INDEX outbox_by_app ON outbox(app_id, seq);"
	"PRAGMA user_version = 1;";

/* A version-1 file with an application and its outbox row opens as
 * version 2 with both intact and a zero cursor. */
static void test_migrates_a_version_1_file(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct ca_app a, got;
	char *body = NULL, sql[8192];
	int64_t cursor = -1;
	int n;

	storefix_app(&a);
	assert_int_equal(codec_app_to_text(&a, &body), CA_OK);
	storefix_raw_exec(t->env.db, v1_schema);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO applications VALUES ('%s', '%s', 'draft', 1, 1, '%s');"
		 "INSERT INTO outbox(idem_key, app_id, kind, payload, next_at_ms,"
		 " created_ms) VALUES ('0b5e6c1a-1111-4222-8333-944455556666', '%s',"
		 " 'save', '{\"op\":\"save\"}', 0, 1);", a.id, a.account, body, a.id);
	free(body);
	storefix_raw_exec(t->env.db, sql);
	assert_int_equal(storefix_raw_int(t->env.db, "PRAGMA user_version"), 1);

	storefix_open(t);
	/* Through version 2 (sync) to the current one (3: dispense intents,
	 * 4: pickups, 5: invoices). */
	assert_int_equal(storefix_raw_int(t->env.db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM sqlite_master WHERE"
				 " name IN ('sync_state', 'remote_apps', 'dispense_intents',"
				 " 'pickups', 'invoices')"), 5);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_string_equal(got.company, a.company);
	n = rows(t->st, it);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].key, "0b5e6c1a-1111-4222-8333-944455556666");
	store_outbox_items_release(it, n);
	assert_int_equal(store_feed_cursor(t->st, &cursor), CA_OK);
	assert_int_equal(cursor, 0);
	/* And a second open does nothing more. */
	storefix_reopen(t);
	assert_int_equal(storefix_raw_int(t->env.db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
}

/* A row sent while a later row of the same application is pending keeps the
 * hub's copy aside; the last row's answer lands, with its rev. */
static void test_sent_applies_hub_copy_only_when_nothing_pending(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct ca_app a, hub, got;
	int n;

	storefix_open(t);
	storefix_app(&a);
	assert_int_equal(store_app_create(t->st, &a, 1000), CA_OK);
	assert_int_equal(store_app_act(t->st, a.id, CA_ACT_SUBMIT, "请审核",
				       FIXTURE_TODAY, 2000, NULL, NULL), CA_OK);
	n = rows(t->st, it);
	assert_int_equal(n, 2);

	hub = a;
	hub.rev = 5;
	assert_int_equal(store_outbox_sent(t->st, it[0].seq, &hub, 3000), CA_OK);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.rev, 0); /* the submit is still pending */
	assert_int_equal(got.app_status, CA_APP_PENDING_REVIEW);

	hub.rev = 6;
	hub.app_status = CA_APP_PENDING_REVIEW;
	strcpy(hub.comment, "请审核");
	assert_int_equal(store_outbox_sent(t->st, it[1].seq, &hub, 4000), CA_OK);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.rev, 6);
	assert_int_equal(got.app_status, CA_APP_PENDING_REVIEW);
	/* Same state: no history row for it (create + submit only). */
	assert_int_equal(history_count(t->st, a.id), 2);
	store_outbox_items_release(it, n);
	assert_int_equal(store_outbox_sent(t->st, it[1].seq, &hub, 4000),
			 CA_ERR_NOT_FOUND);
}

/* The feed: newer snapshots land with a "hub" history row; the same batch
 * twice changes nothing; an older snapshot changes nothing; the cursor only
 * moves forward. */
static void test_feed_is_idempotent_and_newer_only(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct store_change ch[2];
	struct store_history last;
	struct ca_proc_record rec;
	struct ca_app a, hub, got;
	int64_t cursor;
	int n, applied, hist;

	storefix_open(t);
	storefix_app(&a);
	assert_int_equal(store_app_create(t->st, &a, 1000), CA_OK);
	n = rows(t->st, it);
	assert_int_equal(store_outbox_sent(t->st, it[0].seq, NULL, 1500), CA_OK);
	store_outbox_items_release(it, n);

	hub = a;
	hub.rev = 7;
	hub.app_status = CA_APP_REJECTED;
	strcpy(hub.reject_reason, "营业执照不清晰");
	change_app(&ch[0], &hub);
	memset(&ch[1], 0, sizeof(ch[1]));
	ch[1].rev = 8;
	ch[1].kind = STORE_CHANGE_RECORD;
	assert_int_equal(uuid_v4(ch[1].u.rec.id), CA_OK);
	strcpy(ch[1].u.rec.app_id, a.id);
	ch[1].u.rec.at_ms = 5000;
	strcpy(ch[1].u.rec.staff, "王审核");
	strcpy(ch[1].u.rec.text, "已电话联系");
	rec = ch[1].u.rec;

	assert_int_equal(store_feed_apply(t->st, ch, 2, 8, 6000, &applied), CA_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.app_status, CA_APP_REJECTED);
	assert_string_equal(got.reject_reason, "营业执照不清晰");
	assert_int_equal(got.rev, 7);
	hist = history_count(t->st, a.id);
	assert_int_equal(hist, 2);
	assert_int_equal(store_history_each(t->st, a.id, history_last_cb, &last), CA_OK);
	assert_string_equal(last.action_id, "hub");
	assert_int_equal(last.to.app, CA_APP_REJECTED);
	assert_string_equal(last.note, "营业执照不清晰");
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM proc_records"), 1);
	(void)rec;

	/* Again: nothing changes. */
	assert_int_equal(store_feed_apply(t->st, ch, 2, 8, 7000, &applied), CA_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(history_count(t->st, a.id), hist);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM proc_records"), 1);

	/* Older: nothing changes, the cursor stays. */
	hub.rev = 3;
	hub.app_status = CA_APP_PENDING_REVIEW;
	assert_int_equal(feed_one(t->st, &hub, 3, 8000), 0);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.app_status, CA_APP_REJECTED);
	assert_int_equal(store_feed_cursor(t->st, &cursor), CA_OK);
	assert_int_equal(cursor, 8);
}

/* A pending local change is never overwritten; the held-back snapshot lands
 * when the row is sent (or parked). An application made on another kiosk
 * arrives whole, with a "create" history row. */
static void test_pending_rows_hold_the_feed_back(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct ca_app a, b, hub, got;
	int n;

	storefix_open(t);
	storefix_app(&a);
	assert_int_equal(store_app_create(t->st, &a, 1000), CA_OK);
	n = rows(t->st, it);
	assert_int_equal(n, 1);

	hub = a;
	hub.rev = 4;
	hub.app_status = CA_APP_PENDING_REVIEW;
	assert_int_equal(feed_one(t->st, &hub, 4, 2000), 0);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.app_status, CA_APP_DRAFT);
	assert_int_equal(got.rev, 0);

	/* Parked: the hub's state stands, the row stays for maintenance. */
	assert_int_equal(store_outbox_park(t->st, it[0].seq, "422 invalid: uscc"), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.app_status, CA_APP_PENDING_REVIEW);
	assert_int_equal(got.rev, 4);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM outbox WHERE state = 'parked'"), 1);

	/* Another kiosk's application. */
	storefix_app(&b);
	b.rev = 9;
	b.app_status = CA_APP_APPROVED;
	b.amount_fen = 30000;
	assert_int_equal(feed_one(t->st, &b, 9, 3000), 1);
	assert_int_equal(store_app_get(t->st, b.id, &got), CA_OK);
	assert_int_equal(got.app_status, CA_APP_APPROVED);
	assert_int_equal(got.amount_fen, 30000);
	assert_int_equal(history_count(t->st, b.id), 1);
}

/* A batch is all or nothing: a bad change rolls back the ones before it and
 * the cursor. */
static void test_feed_batch_is_one_transaction(void **state)
{
	struct storefix *t = *state;
	struct store_change ch[2];
	struct ca_app b, got;
	int64_t cursor;
	int applied = -1;

	storefix_open(t);
	storefix_app(&b);
	b.rev = 2;
	change_app(&ch[0], &b);
	memset(&ch[1], 0, sizeof(ch[1]));
	ch[1].rev = 3;
	ch[1].kind = STORE_CHANGE_RECORD;
	strcpy(ch[1].u.rec.id, "not-a-uuid");
	strcpy(ch[1].u.rec.app_id, b.id);
	assert_int_equal(store_feed_apply(t->st, ch, 2, 3, 1000, &applied), CA_ERR_ARG);
	assert_int_equal(applied, 0);
	assert_int_equal(store_app_get(t->st, b.id, &got), CA_ERR_NOT_FOUND);
	assert_int_equal(store_feed_cursor(t->st, &cursor), CA_OK);
	assert_int_equal(cursor, 0);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM remote_apps"), 0);
}

/* Deleted here and acknowledged: no snapshot brings it back. */
static void test_deleted_application_stays_deleted(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct ca_app a, hub, got;
	int n, i;

	storefix_open(t);
	storefix_app(&a);
	assert_int_equal(store_app_create(t->st, &a, 1000), CA_OK);
	assert_int_equal(store_app_act(t->st, a.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY,
				       2000, NULL, NULL), CA_OK);
	hub = a;
	hub.rev = 2;
	assert_int_equal(feed_one(t->st, &hub, 2, 2500), 0);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_ERR_NOT_FOUND);
	n = rows(t->st, it);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_int_equal(store_outbox_sent(t->st, it[i].seq, &hub, 3000), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_ERR_NOT_FOUND);
	hub.rev = 12;
	(void)feed_one(t->st, &hub, 12, 4000); /* asserts CA_OK */
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_ERR_NOT_FOUND);
}

/* Two new applications a and b (created at 1000 and 1100): their two
 * outbox rows into it (release them); 2. */
static int two_rows(struct storefix *t, struct ca_app *a, struct ca_app *b,
		    struct store_outbox_item *it)
{
	int n;

	storefix_app(a);
	storefix_app(b);
	assert_int_equal(store_app_create(t->st, a, 1000), CA_OK);
	assert_int_equal(store_app_create(t->st, b, 1100), CA_OK);
	n = rows(t->st, it);
	assert_int_equal(n, 2);
	return n;
}

/* Results of a whole batch in one caller's transaction, and the next due
 * time. */
static void test_batch_results_in_one_transaction(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct ca_app a, b;
	int64_t at;
	int n, pending, parked;

	storefix_open(t);
	assert_int_equal(store_outbox_next_at(t->st, &at), CA_OK);
	assert_true(at == INT64_MAX);
	n = two_rows(t, &a, &b, it);
	assert_int_equal(store_begin(t->st), CA_OK);
	assert_int_equal(store_outbox_sent(t->st, it[0].seq, NULL, 2000), CA_OK);
	assert_int_equal(store_outbox_mark_failed(t->st, it[1].seq, 9000, "503"), CA_OK);
	store_rollback(t->st); /* nothing of it stays */
	assert_int_equal(store_outbox_depth(t->st, &pending, &parked), CA_OK);
	assert_int_equal(pending, 2);
	assert_int_equal(store_begin(t->st), CA_OK);
	assert_int_equal(store_outbox_sent(t->st, it[0].seq, NULL, 2000), CA_OK);
	assert_int_equal(store_outbox_mark_failed(t->st, it[1].seq, 9000, "503"), CA_OK);
	assert_int_equal(store_commit(t->st), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_outbox_depth(t->st, &pending, &parked), CA_OK);
	assert_int_equal(pending, 1);
	assert_int_equal(store_outbox_next_at(t->st, &at), CA_OK);
	assert_int_equal(at, 9000);
}

/* Rows scheduled by a clock that has since gone back (a retry set for
 * "now + backoff" on a clock a day ahead) are made due; rows within the
 * horizon keep their time, sent and parked rows are not touched. */
static void test_rows_of_a_clock_gone_back_are_due_again(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct ca_app a, b;
	int64_t at;
	int n, moved;

	storefix_open(t);
	n = two_rows(t, &a, &b, it);
	/* a: retried a day "later" by a clock a day ahead; b: in 4 minutes. */
	assert_int_equal(store_outbox_mark_failed(t->st, it[0].seq, 86400000 + 5000, "503"), CA_OK);
	assert_int_equal(store_outbox_mark_failed(t->st, it[1].seq, 240000 + 5000, "503"), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_outbox_rebase(t->st, 5000, 360000, &moved), CA_OK);
	assert_int_equal(moved, 1);
	n = 0;
	assert_int_equal(store_outbox_next(t->st, 5000, 8, it, &n), CA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].app_id, a.id);
	store_outbox_items_release(it, n);
	assert_int_equal(store_outbox_next_at(t->st, &at), CA_OK);
	assert_int_equal(at, 5000);
	/* Nothing beyond the horizon any more: nothing moves. */
	assert_int_equal(store_outbox_rebase(t->st, 5000, 360000, &moved), CA_OK);
	assert_int_equal(moved, 0);
}

/* A sent application A with the hub's snapshot of revision rev applied. */
static void sent_with_hub(struct storefix *t, struct ca_app *a, int64_t rev,
			  enum ca_app_status status)
{
	struct store_outbox_item it[8];
	struct ca_app hub;
	int n;

	storefix_app(a);
	assert_int_equal(store_app_create(t->st, a, 1000), CA_OK);
	n = rows(t->st, it);
	assert_true(n >= 1);
	assert_string_equal(it[n - 1].app_id, a->id); /* its row is the newest */
	hub = *a;
	hub.rev = rev;
	hub.app_status = status;
	assert_int_equal(store_outbox_sent(t->st, it[n - 1].seq, &hub, 1500), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_app_get(t->st, a->id, a), CA_OK);
	assert_int_equal(a->rev, rev);
}

/* The hub's store was restored (another epoch, revisions numbered again):
 * the reset forgets the old revisions, so the new epoch's older-numbered
 * snapshots land; a local edit still queued in the outbox is kept; a
 * deleted application stays deleted; re-applying changes nothing. */
static void test_feed_reset_for_a_restored_hub(void **state)
{
	struct storefix *t = *state;
	struct store_outbox_item it[8];
	struct store_change ch[3];
	struct ca_app a, c, d, hub, got;
	int64_t cursor, epoch;
	int n, applied;

	storefix_open(t);
	/* Epoch 111: A approved at rev 50, C saved at rev 30 then edited here
	 * (pending), D deleted and acknowledged; cursor 50. */
	sent_with_hub(t, &a, 50, CA_APP_APPROVED);
	sent_with_hub(t, &c, 30, CA_APP_DRAFT);
	strcpy(c.company, "本地改过的公司名称有限公司");
	assert_int_equal(store_app_save(t->st, &c, 2000), CA_OK);
	sent_with_hub(t, &d, 31, CA_APP_DRAFT);
	assert_int_equal(store_app_act(t->st, d.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY, 2100,
				       NULL, NULL), CA_OK);
	n = rows(t->st, it);
	assert_int_equal(n, 2); /* C's save, D's delete */
	assert_string_equal(it[1].app_id, d.id);
	assert_int_equal(store_outbox_sent(t->st, it[1].seq, NULL, 2200), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_feed_reset(t->st, 111), CA_OK);
	assert_int_equal(store_feed_apply(t->st, NULL, 0, 50, 2300, &applied), CA_OK);

	assert_int_equal(store_feed_reset(t->st, 0), CA_ERR_ARG);
	assert_int_equal(store_feed_reset(t->st, 222), CA_OK);
	assert_int_equal(store_feed_cursor(t->st, &cursor), CA_OK);
	assert_int_equal(cursor, 0);
	assert_int_equal(store_feed_epoch(t->st, &epoch), CA_OK);
	assert_int_equal(epoch, 222);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.rev, 0);
	assert_int_equal(got.app_status, CA_APP_APPROVED); /* nothing shown changed yet */
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM remote_apps WHERE deleted = 0"), 0);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM remote_apps WHERE deleted = 1"), 1);

	/* The restored hub's feed from 0: lower revisions, older states. */
	hub = a;
	hub.rev = 5;
	hub.app_status = CA_APP_PENDING_REVIEW;
	change_app(&ch[0], &hub);
	hub = c;
	strcpy(hub.company, "江苏国泰新点软件有限公司");
	hub.rev = 6;
	change_app(&ch[1], &hub);
	hub = d;
	hub.rev = 7;
	change_app(&ch[2], &hub);
	assert_int_equal(store_feed_apply(t->st, ch, 3, 7, 3000, &applied), CA_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_int_equal(got.app_status, CA_APP_PENDING_REVIEW);
	assert_int_equal(got.rev, 5);
	assert_int_equal(store_app_get(t->st, c.id, &got), CA_OK);
	assert_string_equal(got.company, "本地改过的公司名称有限公司");
	assert_int_equal(store_app_get(t->st, d.id, &got), CA_ERR_NOT_FOUND);
	assert_int_equal(store_feed_cursor(t->st, &cursor), CA_OK);
	assert_int_equal(cursor, 7);

	/* Again: nothing changes. */
	assert_int_equal(store_feed_apply(t->st, ch, 3, 7, 3100, &applied), CA_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_app_get(t->st, c.id, &got), CA_OK);
	assert_string_equal(got.company, "本地改过的公司名称有限公司");

	/* The edit goes out; the hub's answer (with it) lands. */
	n = rows(t->st, it);
	assert_int_equal(n, 1);
	hub = c;
	hub.rev = 8;
	assert_int_equal(store_outbox_sent(t->st, it[0].seq, &hub, 3200), CA_OK);
	store_outbox_items_release(it, n);
	assert_int_equal(store_app_get(t->st, c.id, &got), CA_OK);
	assert_int_equal(got.rev, 8);
	assert_string_equal(got.company, "本地改过的公司名称有限公司");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, storefix_setup, storefix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migrates_a_version_1_file),
		T(test_sent_applies_hub_copy_only_when_nothing_pending),
		T(test_feed_is_idempotent_and_newer_only),
		T(test_pending_rows_hold_the_feed_back),
		T(test_feed_batch_is_one_transaction),
		T(test_deleted_application_stays_deleted),
		T(test_batch_results_in_one_transaction),
		T(test_rows_of_a_clock_gone_back_are_due_again),
		T(test_feed_reset_for_a_restored_hub),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests_name("kiosk/sync_store", tests, NULL, NULL);
}
