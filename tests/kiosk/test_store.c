/*
 * test_store.c - the kiosk store on real SQLite files, one fresh temporary
 * directory per test: records round-trip field for field; a state change and
 * its outbox row commit together or not at all (a real failure injected by a
 * trigger from a second connection, no hooks in the store); the status
 * rules hold through the store; the outbox is FIFO per application with
 * stable idempotency keys; the schema migrates forward, refuses a newer one,
 * and reports damaged files with their path instead of crashing; a restock
 * record is one outbox row of the device, in a transaction of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/uuid.h"
#include "core/valid.h"
#include "kiosk/store/store.h"
#include "../fixture.h"
#include "../support/storefix.h"

/* A valid USCC (GB 32100) and ID number (GB 11643), independent of the
 * fixture's; both are checked by the validators before use. */
#define USCC_FUZHOU "91350100M000100Y43"
#define RIC_BEIJING "11010519491231002X"

/* Rows of table whose column col equals id (ids are UUIDs: safe to paste). */
static long long rows_of(const char *db, const char *table, const char *col,
			 const char *id)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s = '%s'", table,
		 col, id);
	return storefix_raw_int(db, sql);
}

/* The outbox's pending count. */
static int pending_of(struct store *st)
{
	int pending = -1, parked = -1;

	assert_int_equal(store_outbox_depth(st, &pending, &parked), CA_OK);
	return pending;
}

/* A complete, valid mail-pickup application with a fresh id. */
static void make_app(struct ca_app *a, const char *account)
{
	fixture_app_mail(a);
	assert_int_equal(uuid_v4(a->id), CA_OK);
	strcpy(a->account, account);
	strcpy(a->kiosk_id, "fz-hall-03");
	strcpy(a->company, "福州市鼓楼区闽江建设工程有限公司");
	strcpy(a->uscc, USCC_FUZHOU);
	strcpy(a->legal_rep, "陈志明");
	strcpy(a->handler, "林晓燕");
	strcpy(a->handler_id, RIC_BEIJING);
	strcpy(a->mobile, "13905918866");
	strcpy(a->email, "xiaoyan.lin@minjiang-build.cn");
	a->business = CA_BIZ_RENEW;
	a->cert_type = CA_CERT_LEGAL_REP;
	a->sub_keys = 2;
	strcpy(a->mail_recipient, "林晓燕");
	strcpy(a->mail_phone, "0591-87654321");
	strcpy(a->mail_address, "福建省福州市鼓楼区五四路128号恒力城写字楼15层");
	strcpy(a->mail_postcode, "350003");
}

/* Every field of a and b is equal. */
static void assert_app_equal(const struct ca_app *a, const struct ca_app *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->account, b->account);
	assert_string_equal(a->kiosk_id, b->kiosk_id);
	assert_int_equal(a->app_status, b->app_status);
	assert_int_equal(a->pay_status, b->pay_status);
	assert_int_equal(a->proc_status, b->proc_status);
	assert_string_equal(a->company, b->company);
	assert_string_equal(a->uscc, b->uscc);
	assert_string_equal(a->legal_rep, b->legal_rep);
	assert_string_equal(a->handler, b->handler);
	assert_string_equal(a->handler_id, b->handler_id);
	assert_string_equal(a->mobile, b->mobile);
	assert_string_equal(a->email, b->email);
	assert_int_equal(a->business, b->business);
	assert_int_equal(a->cert_type, b->cert_type);
	assert_int_equal(a->sub_keys, b->sub_keys);
	assert_int_equal(a->pickup, b->pickup);
	assert_string_equal(a->mail_recipient, b->mail_recipient);
	assert_string_equal(a->mail_phone, b->mail_phone);
	assert_string_equal(a->mail_address, b->mail_address);
	assert_string_equal(a->mail_postcode, b->mail_postcode);
	assert_string_equal(a->comment, b->comment);
	assert_string_equal(a->reject_reason, b->reject_reason);
	assert_string_equal(a->tracking_no, b->tracking_no);
	assert_int_equal(a->amount_fen, b->amount_fen);
	assert_int_equal(a->rev, b->rev);
	assert_int_equal(a->created_ms, b->created_ms);
	assert_int_equal(a->updated_ms, b->updated_ms);
}

/* Collects the ids and statuses store_app_each hands out. */
struct seen {
	int n;                          /* calls so far */
	int stop_after;                 /* return non-zero at this count (0: never) */
	char id[8][CA_UUID_LEN + 1];    /* ids in call order */
};

/* store_app_each callback: note the id, stop when asked. */
static int collect_app(const struct ca_app *app, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8)
		strcpy(s->id[s->n], app->id);
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

/* ---- 1. round trip ---- */

static void test_round_trip_every_field_and_listing(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct ca_app a, got, edit, b, c, other;
	struct seen seen;

	make_app(&a, "13905918866");
	assert_int_equal(valid_uscc(a.uscc), MSG_NONE);
	assert_int_equal(valid_ric(a.handler_id, FIXTURE_TODAY), MSG_NONE);
	assert_int_equal(store_app_create(st, &a, 1795000001000), CA_OK);
	assert_int_equal(a.created_ms, 1795000001000);
	assert_int_equal(a.updated_ms, 1795000001000);
	assert_int_equal(store_app_get(st, a.id, &got), CA_OK);
	assert_app_equal(&got, &a);

	/* Save takes the form fields (normalised) and nothing else. */
	edit = got;
	strcpy(edit.company, "  福州市鼓楼区闽江建设集团有限公司\xE3\x80\x80");
	strcpy(edit.handler_id, "11010519491231002x");
	edit.pickup = CA_PICKUP_ONSITE;
	edit.sub_keys = 0;
	edit.app_status = CA_APP_APPROVED;   /* not a form field */
	edit.amount_fen = 1;                 /* server field */
	strcpy(edit.comment, "不应保存");     /* set at submit only */
	edit.created_ms = 5;
	assert_int_equal(store_app_save(st, &edit, 1795000002000), CA_OK);
	assert_string_equal(edit.company, "福州市鼓楼区闽江建设集团有限公司");
	assert_string_equal(edit.handler_id, RIC_BEIJING);
	assert_int_equal(edit.pickup, CA_PICKUP_ONSITE);
	assert_int_equal(edit.sub_keys, 0);
	assert_int_equal(edit.app_status, CA_APP_DRAFT);
	assert_int_equal(edit.amount_fen, 0);
	assert_string_equal(edit.comment, "");
	assert_int_equal(edit.created_ms, 1795000001000);
	assert_int_equal(edit.updated_ms, 1795000002000);
	assert_int_equal(store_app_get(st, a.id, &got), CA_OK);
	assert_app_equal(&got, &edit);

	/* Listing: newest first, by account, by status mask. */
	make_app(&b, "13905918866");
	make_app(&c, "13905918866");
	make_app(&other, "13600001111");
	assert_int_equal(store_app_create(st, &b, 1795000003000), CA_OK);
	assert_int_equal(store_app_create(st, &c, 1795000004000), CA_OK);
	assert_int_equal(store_app_create(st, &other, 1795000005000), CA_OK);
	assert_int_equal(store_app_act(st, b.id, CA_ACT_SUBMIT, "请尽快审核", FIXTURE_TODAY,
				       1795000006000, NULL, NULL), CA_OK);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_app_each(st, "13905918866", ~0u, collect_app, &seen), CA_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.id[0], c.id);
	assert_string_equal(seen.id[1], b.id);
	assert_string_equal(seen.id[2], a.id);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_app_each(st, "13905918866", 1u << CA_APP_DRAFT,
					collect_app, &seen), CA_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.id[0], c.id);
	assert_string_equal(seen.id[1], a.id);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_app_each(st, "13905918866",
					(1u << CA_APP_PENDING_REVIEW) | (1u << CA_APP_APPROVED),
					collect_app, &seen), CA_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.id[0], b.id);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_app_each(st, "13600001111", ~0u, collect_app, &seen), CA_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.id[0], other.id);

	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	assert_int_equal(store_app_each(st, "13905918866", ~0u, collect_app, &seen), CA_OK);
	assert_int_equal(seen.n, 1);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_app_each(st, "13000000000", ~0u, collect_app, &seen), CA_OK);
	assert_int_equal(seen.n, 0);
}

/* ---- 2. atomicity ---- */

#define TRIGGER_ON \
	"CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox" \
	" BEGIN SELECT RAISE(ABORT, 'injected'); END;"
#define TRIGGER_OFF "DROP TRIGGER fail_outbox;"

static void test_change_and_outbox_row_commit_together_or_not_at_all(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct ca_app a, b, got, edit;
	int depth;

	make_app(&a, "13905918866");
	make_app(&b, "13905918866");
	assert_int_equal(store_app_create(st, &a, 1000), CA_OK);
	depth = pending_of(st);
	assert_int_equal(depth, 1);

	storefix_raw_exec(t->env.db, TRIGGER_ON);

	/* create: no application, no history, no outbox row */
	got = b;
	assert_int_equal(store_app_create(st, &got, 2000), CA_ERR_DB);
	assert_int_equal(got.created_ms, b.created_ms); /* *app untouched too */
	assert_int_equal(rows_of(t->env.db, "applications", "id", b.id), 0);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", b.id), 0);
	assert_int_equal(store_app_get(st, b.id, &got), CA_ERR_NOT_FOUND);
	assert_int_equal(pending_of(st), depth);

	/* save: body unchanged, no history row */
	edit = a;
	strcpy(edit.company, "另一家公司");
	assert_int_equal(store_app_save(st, &edit, 2500), CA_ERR_DB);
	assert_int_equal(store_app_get(st, a.id, &got), CA_OK);
	assert_app_equal(&got, &a);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), 1);

	/* submit: status unchanged, no history row */
	assert_int_equal(store_app_act(st, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       3000, NULL, NULL), CA_ERR_DB);
	assert_int_equal(store_app_get(st, a.id, &got), CA_OK);
	assert_app_equal(&got, &a);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), 1);
	assert_int_equal(pending_of(st), depth);

	/* delete: the row and its history are still there */
	assert_int_equal(store_app_act(st, a.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY,
				       3500, NULL, NULL), CA_ERR_DB);
	assert_int_equal(rows_of(t->env.db, "applications", "id", a.id), 1);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), 1);
	assert_int_equal(pending_of(st), depth);

	storefix_raw_exec(t->env.db, TRIGGER_OFF);

	/* the same calls now succeed, each with its outbox row */
	assert_int_equal(store_app_create(st, &b, 4000), CA_OK);
	assert_int_equal(rows_of(t->env.db, "applications", "id", b.id), 1);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", b.id), 1);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", b.id), 1);
	assert_int_equal(pending_of(st), depth + 1);

	assert_int_equal(store_app_act(st, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       5000, &got, NULL), CA_OK);
	assert_int_equal(got.app_status, CA_APP_PENDING_REVIEW);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), 2);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", a.id), 2);
	assert_int_equal(pending_of(st), depth + 2);

	assert_int_equal(store_app_act(st, b.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY,
				       6000, NULL, NULL), CA_OK);
	assert_int_equal(rows_of(t->env.db, "applications", "id", b.id), 0);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", b.id), 0);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", b.id), 2); /* outlives it */
	assert_int_equal(pending_of(st), depth + 3);
}

/* ---- 3. status rules ---- */

static void test_status_rules_hold_through_the_store(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct valid_report rep;
	struct ca_app bad, good, got, edit;

	/* submit of an invalid draft: CA_ERR_INVALID, report, nothing changes */
	make_app(&bad, "13905918866");
	strcpy(bad.uscc, "91350100M000100Y44"); /* wrong check character */
	strcpy(bad.mobile, "1234");
	assert_int_equal(store_app_create(st, &bad, 1000), CA_OK);
	assert_int_equal(store_app_act(st, bad.id, CA_ACT_SUBMIT, "", FIXTURE_TODAY, 2000,
				       &got, &rep), CA_ERR_INVALID);
	assert_non_null(valid_report_find(&rep, CA_F_USCC));
	assert_non_null(valid_report_find(&rep, CA_F_MOBILE));
	assert_int_equal(store_app_get(st, bad.id, &got), CA_OK);
	assert_app_equal(&got, &bad);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", bad.id), 1);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", bad.id), 1);

	/* pending_review: no save, no delete */
	make_app(&good, "13905918866");
	assert_int_equal(store_app_create(st, &good, 3000), CA_OK);
	assert_int_equal(store_app_act(st, good.id, CA_ACT_SUBMIT, "材料齐全", FIXTURE_TODAY,
				       4000, &good, NULL), CA_OK);
	assert_int_equal(good.app_status, CA_APP_PENDING_REVIEW);
	assert_string_equal(good.comment, "材料齐全");
	edit = good;
	strcpy(edit.company, "改名后的公司");
	assert_int_equal(store_app_save(st, &edit, 5000), CA_ERR_FORBIDDEN);
	assert_int_equal(store_app_act(st, good.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY,
				       5000, NULL, NULL), CA_ERR_FORBIDDEN);
	assert_int_equal(store_app_get(st, good.id, &got), CA_OK);
	assert_app_equal(&got, &good);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", good.id), 2);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", good.id), 2);

	/* rejected: save allowed, delete not */
	assert_int_equal(store_app_act(st, good.id, CA_ACT_REJECT, "营业执照照片不清晰",
				       FIXTURE_TODAY, 6000, &good, NULL), CA_OK);
	assert_int_equal(good.app_status, CA_APP_REJECTED);
	assert_int_equal(store_app_act(st, good.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY,
				       6500, NULL, NULL), CA_ERR_FORBIDDEN);
	edit = good;
	strcpy(edit.company, "福州市鼓楼区闽江建设集团有限公司");
	assert_int_equal(store_app_save(st, &edit, 7000), CA_OK);
	assert_int_equal(edit.app_status, CA_APP_REJECTED);
	assert_string_equal(edit.reject_reason, "营业执照照片不清晰");

	/* approved: no delete, no save */
	assert_int_equal(store_app_act(st, good.id, CA_ACT_SUBMIT, NULL, FIXTURE_TODAY,
				       8000, NULL, NULL), CA_OK);
	assert_int_equal(store_app_act(st, good.id, CA_ACT_APPROVE, NULL, FIXTURE_TODAY,
				       9000, &got, NULL), CA_OK);
	assert_int_equal(got.app_status, CA_APP_APPROVED);
	assert_int_equal(store_app_act(st, good.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY,
				       9500, NULL, NULL), CA_ERR_FORBIDDEN);
	assert_int_equal(store_app_save(st, &got, 9500), CA_ERR_FORBIDDEN);

	/* unknown ids, duplicate ids, non-mutating actions */
	make_app(&edit, "13905918866");
	assert_int_equal(store_app_save(st, &edit, 1), CA_ERR_NOT_FOUND);
	assert_int_equal(store_app_act(st, edit.id, CA_ACT_SUBMIT, NULL, FIXTURE_TODAY, 1,
				       NULL, NULL), CA_ERR_NOT_FOUND);
	assert_int_equal(store_app_get(st, edit.id, &got), CA_ERR_NOT_FOUND);
	got = bad;
	assert_int_equal(store_app_create(st, &got, 1), CA_ERR_CONFLICT);
	assert_int_equal(store_app_act(st, bad.id, CA_ACT_EDIT, NULL, FIXTURE_TODAY, 1,
				       NULL, NULL), CA_ERR_ARG);
	got = good; /* create takes drafts only */
	uuid_v4(got.id);
	assert_int_equal(store_app_create(st, &got, 1), CA_ERR_ARG);
}

/* ---- 4. outbox ---- */

/* Enqueue one row for app_id in its own transaction. */
static int64_t put_row(struct store *st, const char *app_id, const char *kind,
		       int64_t now, char key[CA_UUID_LEN + 1])
{
	struct store_outbox_item it[16];
	int n, i;
	int64_t seq = -1;

	assert_int_equal(store_begin(st), CA_OK);
	assert_int_equal(store_outbox_enqueue(st, app_id, kind, "{}", now, key), CA_OK);
	assert_int_equal(store_commit(st), CA_OK);
	assert_true(uuid_valid(key));
	/* find its seq by key */
	assert_int_equal(store_outbox_next(st, now, 16, it, &n), CA_OK);
	for (i = 0; i < n; i++)
		if (!strcmp(it[i].key, key))
			seq = it[i].seq;
	store_outbox_items_release(it, n);
	assert_true(seq > 0);
	return seq;
}

/* The outbox rows due at now (asked for at most max) are the n rows
 * want, in that order. */
static void assert_due(struct store *st, int64_t now, int max, const int64_t *want, int n)
{
	struct store_outbox_item it[8];
	int got, i;

	assert_true(max <= 8);
	assert_int_equal(store_outbox_next(st, now, max, it, &got), CA_OK);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_int_equal(it[i].seq, want[i]);
	store_outbox_items_release(it, got);
}

static void test_outbox_fifo_per_app_retries_and_parking(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_outbox_item it[8];
	char ka1[CA_UUID_LEN + 1], ka2[CA_UUID_LEN + 1], ka3[CA_UUID_LEN + 1];
	char kb1[CA_UUID_LEN + 1], big_kind[64];
	char app_a[CA_UUID_LEN + 1], app_b[CA_UUID_LEN + 1];
	int64_t a1, a2, a3, b1;
	int n, pending, parked;
	char *big;

	uuid_v4(app_a);
	uuid_v4(app_b);
	a1 = put_row(st, app_a, "save", 1000, ka1);
	b1 = put_row(st, app_b, "save", 1000, kb1);
	a2 = put_row(st, app_a, "submit", 1000, ka2);
	a3 = put_row(st, app_a, "save", 1000, ka3);
	assert_true(a1 < b1 && b1 < a2 && a2 < a3);

	/* all due, in outbox order */
	assert_int_equal(store_outbox_next(st, 1000, 8, it, &n), CA_OK);
	assert_int_equal(n, 4);
	assert_int_equal(it[0].seq, a1);
	assert_string_equal(it[0].key, ka1);
	assert_string_equal(it[0].app_id, app_a);
	assert_string_equal(it[0].kind, "save");
	assert_string_equal(it[0].payload, "{}");
	assert_int_equal(it[0].attempts, 0);
	assert_int_equal(it[0].created_ms, 1000);
	assert_int_equal(it[1].seq, b1);
	assert_int_equal(it[2].seq, a2);
	assert_string_equal(it[2].kind, "submit");
	assert_int_equal(it[3].seq, a3);
	store_outbox_items_release(it, n);

	/* max is respected */
	assert_due(st, 1000, 2, (const int64_t[]){ a1, b1 }, 2);
	assert_due(st, 1000, 0, NULL, 0);

	/* a1 fails: it and the later rows of app A wait; app B does not */
	assert_int_equal(store_outbox_mark_failed(st, a1, 5000, "connect timeout"), CA_OK);
	assert_due(st, 1000, 8, (const int64_t[]){ b1 }, 1);
	assert_due(st, 4999, 8, (const int64_t[]){ b1 }, 1);

	/* at next_at the row is back, same key, one attempt counted */
	assert_int_equal(store_outbox_next(st, 5000, 8, it, &n), CA_OK);
	assert_int_equal(n, 4);
	assert_int_equal(it[0].seq, a1);
	assert_string_equal(it[0].key, ka1);
	assert_int_equal(it[0].attempts, 1);
	assert_int_equal(it[0].next_at_ms, 5000);
	store_outbox_items_release(it, n);

	assert_int_equal(store_outbox_mark_failed(st, a1, 6000, "HTTP 503"), CA_OK);
	assert_int_equal(store_outbox_mark_failed(st, a1, 7000, "HTTP 503"), CA_OK);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM outbox WHERE"
				 " last_error = 'HTTP 503'"), 1);
	assert_int_equal(store_outbox_next(st, 7000, 8, it, &n), CA_OK);
	assert_int_equal(it[0].seq, a1);
	assert_string_equal(it[0].key, ka1);
	assert_int_equal(it[0].attempts, 3);
	store_outbox_items_release(it, n);

	/* sent rows leave; parked rows leave the queue but are counted */
	assert_int_equal(store_outbox_depth(st, &pending, &parked), CA_OK);
	assert_int_equal(pending, 4);
	assert_int_equal(parked, 0);
	assert_int_equal(store_outbox_mark_sent(st, a1), CA_OK);
	assert_int_equal(store_outbox_mark_sent(st, a1), CA_ERR_NOT_FOUND);
	assert_int_equal(store_outbox_park(st, a2, "HTTP 422: 统一社会信用代码已存在"), CA_OK);
	assert_int_equal(store_outbox_depth(st, &pending, &parked), CA_OK);
	assert_int_equal(pending, 2);
	assert_int_equal(parked, 1);
	assert_int_equal(store_outbox_mark_failed(st, a2, 9000, "x"), CA_ERR_NOT_FOUND);

	/* a parked row does not block the application's later rows */
	assert_int_equal(store_outbox_mark_failed(st, b1, 99000, "timeout"), CA_OK);
	assert_int_equal(store_outbox_next(st, 8000, 8, it, &n), CA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].seq, a3);
	assert_string_equal(it[0].key, ka3);
	store_outbox_items_release(it, n);

	/* unknown rows and caps */
	assert_int_equal(store_outbox_mark_sent(st, 424242), CA_ERR_NOT_FOUND);
	assert_int_equal(store_outbox_mark_failed(st, 424242, 1, "x"), CA_ERR_NOT_FOUND);
	assert_int_equal(store_outbox_park(st, 424242, "x"), CA_ERR_NOT_FOUND);
	big = malloc(STORE_PAYLOAD_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', STORE_PAYLOAD_MAX + 1);
	big[STORE_PAYLOAD_MAX + 1] = '\0';
	memset(big_kind, 'k', sizeof(big_kind) - 1);
	big_kind[sizeof(big_kind) - 1] = '\0';
	assert_int_equal(store_begin(st), CA_OK);
	assert_int_equal(store_outbox_enqueue(st, app_a, "save", big, 1, NULL),
			 CA_ERR_TOO_LONG);
	assert_int_equal(store_outbox_enqueue(st, app_a, big_kind, "{}", 1, NULL),
			 CA_ERR_TOO_LONG);
	store_rollback(st);
	free(big);
	assert_int_equal(pending_of(st), 2);
}

/* The outbox rows the store writes carry op, the record and the argument. */
static void test_outbox_payload_carries_op_record_and_arg(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_outbox_item it[8];
	struct ca_app a, d;
	json_t *j[3];
	int n, i;

	make_app(&a, "13905918866");
	make_app(&d, "13905918866");
	assert_int_equal(store_app_create(st, &a, 1000), CA_OK);
	assert_int_equal(store_app_act(st, a.id, CA_ACT_SUBMIT, "请审核，谢谢", FIXTURE_TODAY,
				       2000, NULL, NULL), CA_OK);
	assert_int_equal(store_app_create(st, &d, 3000), CA_OK);
	assert_int_equal(store_app_act(st, d.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY, 4000,
				       NULL, NULL), CA_OK);
	assert_int_equal(store_outbox_next(st, 4000, 8, it, &n), CA_OK);
	assert_int_equal(n, 4);
	for (i = 0; i < 3; i++) {
		/* rows 0, 1 of a; row 3 (delete) of d */
		j[i] = json_loads(it[i == 2 ? 3 : i].payload, 0, NULL);
		assert_non_null(j[i]);
	}
	assert_string_equal(it[0].kind, "save");
	assert_string_equal(json_string_value(json_object_get(j[0], "op")), "save");
	assert_true(json_is_null(json_object_get(j[0], "arg")));
	assert_int_equal(json_integer_value(json_object_get(j[0], "at_ms")), 1000);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j[0], "app"),
							      "id")), a.id);
	assert_string_equal(it[1].kind, "submit");
	assert_string_equal(json_string_value(json_object_get(j[1], "op")), "submit");
	assert_string_equal(json_string_value(json_object_get(j[1], "arg")), "请审核，谢谢");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j[1], "app"),
							      "comment")), "请审核，谢谢");
	assert_string_equal(it[3].kind, "delete");
	assert_string_equal(it[3].app_id, d.id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j[2], "app"),
							      "company")), d.company);
	for (i = 0; i < 3; i++)
		json_decref(j[i]);
	store_outbox_items_release(it, n);
}

/* ---- 5. migration and reopen ---- */

/* store_record_each callback: note the id. */
static int collect_record(const struct ca_proc_record *rec, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8)
		strcpy(s->id[s->n], rec->id);
	s->n++;
	return 0;
}

/* The file is at the current schema with every table. */
static void check_migrated(struct storefix *t)
{
	assert_int_equal(storefix_raw_int(t->env.db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM sqlite_schema WHERE"
				 " name IN ('applications', 'app_history',"
				 " 'proc_records', 'outbox')"), 4);
}

static void test_migrates_empty_and_missing_files_and_reopen_keeps_all(void **state)
{
	struct storefix *t = *state;
	struct ca_proc_record r1, r2;
	struct ca_app a, got;
	struct seen seen;
	int fd, pending, parked;

	/* a 0-byte file */
	fd = open(t->env.db, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	storefix_open(t);
	check_migrated(t);
	storefix_close(t);
	unlink(t->env.db);

	/* a path that does not exist yet */
	storefix_open(t);
	check_migrated(t);

	make_app(&a, "13905918866");
	assert_int_equal(store_app_create(t->st, &a, 1000), CA_OK);
	assert_int_equal(store_app_act(t->st, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       2000, &a, NULL), CA_OK);
	memset(&r1, 0, sizeof(r1));
	uuid_v4(r1.id);
	strcpy(r1.app_id, a.id);
	r1.at_ms = 3000;
	strcpy(r1.staff, "审核员郑丽");
	strcpy(r1.text, "已受理，正在制作证书");
	r2 = r1;
	uuid_v4(r2.id);
	r2.at_ms = 2500;
	strcpy(r2.text, "资料核对完毕");
	assert_int_equal(store_record_put(t->st, &r1), CA_OK);
	assert_int_equal(store_record_put(t->st, &r2), CA_OK);
	strcpy(r1.text, "已受理，证书制作中"); /* replace */
	assert_int_equal(store_record_put(t->st, &r1), CA_OK);

	/* close, reopen: every record is there */
	storefix_reopen(t);
	check_migrated(t);
	assert_int_equal(store_app_get(t->st, a.id, &got), CA_OK);
	assert_app_equal(&got, &a);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_record_each(t->st, a.id, collect_record, &seen), CA_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.id[0], r2.id);
	assert_string_equal(seen.id[1], r1.id);
	assert_int_equal(store_outbox_depth(t->st, &pending, &parked), CA_OK);
	assert_int_equal(pending, 2);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), 2);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM proc_records WHERE"
				 " json_extract(body, '$.text') = '已受理，证书制作中'"), 1);
}

/* journal_mode is WAL on disk, checked through a raw connection. */
static void test_open_sets_wal_mode(void **state)
{
	struct storefix *t = *state;
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;

	storefix_open(t);
	assert_int_equal(sqlite3_open_v2(t->env.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(h);
}

/* ---- 6. newer schema ---- */

static void test_newer_schema_is_refused_naming_the_file(void **state)
{
	struct storefix *t = *state;
	char err[STORE_ERR_MAX], v[16];
	struct store *st = (struct store *)1;

	storefix_raw_exec(t->env.db, "CREATE TABLE future(x); PRAGMA user_version = 7;");
	assert_int_equal(store_open(t->env.db, &st, err, sizeof(err)), CA_ERR_SCHEMA);
	assert_null(st);
	assert_non_null(strstr(err, t->env.db));
	snprintf(v, sizeof(v), "%d", 7);
	assert_non_null(strstr(err, v));
	snprintf(v, sizeof(v), "%d", STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, v));
	/* untouched: same version, same tables, not even switched to WAL */
	assert_int_equal(storefix_raw_int(t->env.db, "PRAGMA user_version"), 7);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM pragma_journal_mode"
				 " WHERE journal_mode = 'wal'"), 0);
}

/* ---- 7. damaged files ---- */

/* Write len bytes of buf to path. */
static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Copy the file src to dst. */
static void copy_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	char buf[4096];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* Overwrite len bytes of path at offset with buf. */
static void damage_file(const char *path, long offset, const void *buf, size_t len)
{
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, offset, SEEK_SET), 0);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* store_open fails with want, or (for damage) with CORRUPT; err names path. */
static void expect_open_fails(const char *path, ca_err want)
{
	char err[STORE_ERR_MAX];
	struct store *st = NULL;
	ca_err e = store_open(path, &st, err, sizeof(err));

	assert_null(st);
	if (e != want)
		fail_msg("store_open(%s) = %s, want %s: %s", path, ca_strerror(e),
			 ca_strerror(want), err);
	if (!strstr(err, path))
		fail_msg("message does not name the file: %s", err);
}

static void test_garbage_truncated_and_unreachable_files_are_reported(void **state)
{
	struct storefix *t = *state;
	static const char text[] =
		"[kiosk]\nid = fz-hall-03\n这不是数据库文件。\n";
	unsigned char noise[8192];
	char path[PATH_MAX + 64];
	struct ca_app a;
	struct stat sb;
	int i;

	/* random bytes */
	assert_int_equal(getrandom(noise, sizeof(noise), 0), (ssize_t)sizeof(noise));
	snprintf(path, sizeof(path), "%s/noise.db", t->env.dir);
	write_file(path, noise, sizeof(noise));
	expect_open_fails(path, CA_ERR_CORRUPT);

	/* a text file */
	snprintf(path, sizeof(path), "%s/config.db", t->env.dir);
	write_file(path, text, sizeof(text) - 1);
	expect_open_fails(path, CA_ERR_CORRUPT);

	/* a real database with many pages, truncated to a third, and to 60 bytes */
	storefix_open(t);
	for (i = 0; i < 120; i++) {
		make_app(&a, "13905918866");
		assert_int_equal(store_app_create(t->st, &a, 1000 + i), CA_OK);
	}
	storefix_close(t);
	assert_int_equal(stat(t->env.db, &sb), 0);
	assert_true(sb.st_size > 40 * 4096);

	/* pages in the middle overwritten: header and schema still fine, so
	 * only the integrity check at open can tell */
	snprintf(path, sizeof(path), "%s/damaged.db", t->env.dir);
	copy_file(t->env.db, path);
	damage_file(path, 20 * 4096, noise, sizeof(noise)); /* 2 pages */
	expect_open_fails(path, CA_ERR_CORRUPT);

	assert_int_equal(truncate(t->env.db, sb.st_size / 3), 0);
	expect_open_fails(t->env.db, CA_ERR_CORRUPT);
	assert_int_equal(truncate(t->env.db, 60), 0);
	expect_open_fails(t->env.db, CA_ERR_CORRUPT);

	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/no-such-dir/kiosk.db", t->env.dir);
	expect_open_fails(path, CA_ERR_IO);
	/* a directory where the file should be */
	snprintf(path, sizeof(path), "%s/adir", t->env.dir);
	assert_int_equal(mkdir(path, 0700), 0);
	expect_open_fails(path, CA_ERR_IO);
	rmdir(path);
}

/* ---- 8. history ---- */

struct hist {
	int n;                          /* rows seen */
	struct store_history h[8];      /* copies */
};

/* store_history_each callback: keep a copy. */
static int collect_hist(const struct store_history *h, void *ctx)
{
	struct hist *s = ctx;

	if (s->n < 8)
		s->h[s->n] = *h;
	s->n++;
	return 0;
}

static void test_history_records_each_change_in_order(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct hist *hs = calloc(1, sizeof(*hs));
	struct ca_app a;

	assert_non_null(hs);
	make_app(&a, "13905918866");
	assert_int_equal(store_app_create(st, &a, 1000), CA_OK);
	a.pickup = CA_PICKUP_ONSITE;
	assert_int_equal(store_app_save(st, &a, 2000), CA_OK);
	assert_int_equal(store_app_act(st, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       3000, NULL, NULL), CA_OK);
	assert_int_equal(store_history_each(st, a.id, collect_hist, hs), CA_OK);
	assert_int_equal(hs->n, 3);

	assert_int_equal(hs->h[0].at_ms, 1000);
	assert_string_equal(hs->h[0].action_id, "create");
	assert_int_equal(hs->h[0].action, CA_ACT__N);
	assert_int_equal(hs->h[0].from.app, CA_APP_DRAFT);
	assert_int_equal(hs->h[0].to.app, CA_APP_DRAFT);
	assert_int_equal(hs->h[0].to.pickup, CA_PICKUP_MAIL);

	assert_int_equal(hs->h[1].at_ms, 2000);
	assert_int_equal(hs->h[1].action, CA_ACT_SAVE);
	assert_string_equal(hs->h[1].action_id, "save");
	assert_int_equal(hs->h[1].from.pickup, CA_PICKUP_MAIL);
	assert_int_equal(hs->h[1].to.pickup, CA_PICKUP_ONSITE);
	assert_int_equal(hs->h[1].to.app, CA_APP_DRAFT);

	assert_int_equal(hs->h[2].at_ms, 3000);
	assert_int_equal(hs->h[2].action, CA_ACT_SUBMIT);
	assert_int_equal(hs->h[2].from.app, CA_APP_DRAFT);
	assert_int_equal(hs->h[2].to.app, CA_APP_PENDING_REVIEW);
	assert_int_equal(hs->h[2].to.pay, CA_PAY_UNPAID);
	assert_int_equal(hs->h[2].to.proc, CA_PROC_NONE);
	assert_string_equal(hs->h[2].note, "请审核");

	/* a deleted draft takes its history with it */
	make_app(&a, "13905918866");
	assert_int_equal(store_app_create(st, &a, 4000), CA_OK);
	assert_int_equal(store_app_act(st, a.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY, 5000,
				       NULL, NULL), CA_OK);
	memset(hs, 0, sizeof(*hs));
	assert_int_equal(store_history_each(st, a.id, collect_hist, hs), CA_OK);
	assert_int_equal(hs->n, 0);
	free(hs);
}

/* Change log lines name the record and mask the account; no personal
 * field of the form reaches the log. */
static void test_change_log_lines_name_no_person(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	char path[PATH_MAX + 16], buf[8192];
	struct ca_app a;
	int saved, fd;
	ssize_t n;

	make_app(&a, "13905918866");
	snprintf(path, sizeof(path), "%s/stderr.txt", t->env.dir);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	log_set_level(LOG_INFO);
	assert_int_equal(store_app_create(st, &a, 1000), CA_OK);
	assert_int_equal(store_app_act(st, a.id, CA_ACT_SUBMIT, "请审核", FIXTURE_TODAY,
				       2000, NULL, NULL), CA_OK);
	log_set_level(LOG_WARN);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "create "));
	assert_non_null(strstr(buf, a.id));
	assert_non_null(strstr(buf, "draft/unpaid/none -> pending_review/unpaid/none"));
	/* The account is not named, not even masked (docs/privacy.md). */
	assert_null(strstr(buf, "139****8866"));
	assert_null(strstr(buf, "account"));
	assert_null(strstr(buf, "13905918866"));
	assert_null(strstr(buf, a.handler_id));
	assert_null(strstr(buf, a.mail_address));
	assert_null(strstr(buf, a.handler));
}

/* Every test gets its own directory. */

/* ---- 10. dispense intents (on-site pickup) ---- */

/* Create an on-site application and take it to paid + ready_for_pickup
 * through the status table (the staff and provider steps the hub does). */
static void make_ready(struct store *st, struct ca_app *a)
{
	static const enum ca_action steps[] = { CA_ACT_SUBMIT, CA_ACT_APPROVE, CA_ACT_PAY,
						CA_ACT_MARK_READY };
	size_t i;

	make_app(a, "13905918866");
	a->pickup = CA_PICKUP_ONSITE;
	a->mail_recipient[0] = a->mail_phone[0] = a->mail_address[0] = '\0';
	a->mail_postcode[0] = '\0';
	a->amount_fen = 30000; /* the hub's price, set at approval */
	assert_int_equal(store_app_create(st, a, 1000), CA_OK);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(store_app_act(st, a->id, steps[i], "请审核", FIXTURE_TODAY,
					       2000 + (int64_t)i, a, NULL), CA_OK);
	assert_int_equal(a->proc_status, CA_PROC_READY_FOR_PICKUP);
}

/* Outbox rows of application id of kind (raw count). */
static long long outbox_kind(const char *db, const char *id, const char *kind)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE app_id = '%s'"
		 " AND kind = '%s'", id, kind);
	return storefix_raw_int(db, sql);
}

static void test_intent_begin_refused_unless_ready_and_while_pending(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_intent it, got;
	struct ca_app a, b, draft;
	bool found = true;

	make_ready(st, &a);
	make_ready(st, &b);
	make_app(&draft, "13905918866");
	assert_int_equal(store_app_create(st, &draft, 1000), CA_OK);

	assert_int_equal(store_intent_pending(st, &got, &found), CA_OK);
	assert_false(found);
	/* Not ready for pickup: a draft, an unknown id, bad arguments. */
	assert_int_equal(store_intent_begin(st, draft.id, 1, 0, 5000, NULL), CA_ERR_FORBIDDEN);
	assert_int_equal(store_intent_begin(st, "00000000-0000-4000-8000-000000000000", 1, 0,
					    5000, NULL), CA_ERR_NOT_FOUND);
	assert_int_equal(store_intent_begin(st, a.id, 0, 0, 5000, NULL), CA_ERR_ARG);
	assert_int_equal(store_intent_begin(st, a.id, 1, 256, 5000, NULL), CA_ERR_ARG);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM dispense_intents"), 0);

	assert_int_equal(store_intent_begin(st, a.id, 2, 17, 5000, &it), CA_OK);
	assert_int_equal(store_intent_pending(st, &got, &found), CA_OK);
	assert_true(found);
	assert_int_equal(got.seq, it.seq);
	assert_string_equal(got.app_id, a.id);
	assert_int_equal(got.slot, 2);
	assert_int_equal(got.dev_last_seq, 17);
	assert_int_equal(got.created_ms, 5000);
	/* While one is pending: no other, not even for the same record. */
	assert_int_equal(store_intent_begin(st, b.id, 1, 17, 5001, NULL), CA_ERR_CONFLICT);
	assert_int_equal(store_intent_begin(st, a.id, 2, 17, 5001, NULL), CA_ERR_CONFLICT);
	/* Nothing about the application changed by the intent itself. */
	assert_int_equal(store_app_get(st, a.id, &a), CA_OK);
	assert_int_equal(a.proc_status, CA_PROC_READY_FOR_PICKUP);
	/* Exactly one pending row on disk; the unique index refuses a second
	 * one even from a raw connection. */
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM dispense_intents"
				 " WHERE state = 'pending'"), 1);
	{
		sqlite3 *h = NULL;

		assert_int_equal(sqlite3_open(t->env.db, &h), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(h, "INSERT INTO dispense_intents(app_id, slot,"
						  " dev_last_seq, created_ms) VALUES ('x', 1, 0, 1)",
						  NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
}

static void test_intent_collected_is_one_transaction_and_survives_reopen(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_intent it, got;
	struct ca_app a, out;
	long long hist, rows;
	bool found;

	make_ready(st, &a);
	assert_int_equal(store_intent_begin(st, a.id, 1, 3, 6000, &it), CA_OK);
	hist = rows_of(t->env.db, "app_history", "app_id", a.id);
	rows = rows_of(t->env.db, "outbox", "app_id", a.id);

	/* A failure inside the transaction (the outbox refuses the row): the
	 * intent stays pending and the record is not collected. */
	storefix_raw_exec(t->env.db, "CREATE TRIGGER no_collect BEFORE INSERT ON outbox"
		 " WHEN NEW.kind = 'collect' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	assert_int_not_equal(store_intent_collected(st, it.seq, "slot 1: dispensed", FIXTURE_TODAY,
						    7000, NULL), CA_OK);
	assert_int_equal(store_intent_pending(st, &got, &found), CA_OK);
	assert_true(found);
	assert_int_equal(store_app_get(st, a.id, &out), CA_OK);
	assert_int_equal(out.proc_status, CA_PROC_READY_FOR_PICKUP);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), hist);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", a.id), rows);
	storefix_raw_exec(t->env.db, "DROP TRIGGER no_collect;");

	assert_int_equal(store_intent_collected(st, it.seq, "slot 1: dispensed, 4 left",
						FIXTURE_TODAY, 7000, &out), CA_OK);
	assert_int_equal(out.pay_status, CA_PAY_DONE);
	assert_int_equal(out.proc_status, CA_PROC_COLLECTED);
	/* Exactly once: resolving again finds nothing pending. */
	assert_int_equal(store_intent_collected(st, it.seq, "again", FIXTURE_TODAY, 7001, NULL),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(store_intent_failed(st, it.seq, "jam", "again", "k1", 7001),
			 CA_ERR_NOT_FOUND);

	st = storefix_reopen(t);
	assert_int_equal(store_app_get(st, a.id, &out), CA_OK);
	assert_int_equal(out.proc_status, CA_PROC_COLLECTED);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), hist + 1);
	assert_int_equal(outbox_kind(t->env.db, a.id, "collect"), 1);
	assert_int_equal(outbox_kind(t->env.db, a.id, STORE_KIND_DISPENSE_FAULT), 0);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM dispense_intents WHERE"
				 " state = 'collected' AND result = 'ok'"
				 " AND detail = 'slot 1: dispensed, 4 left' AND resolved_ms = 7000"), 1);
	assert_int_equal(store_intent_pending(st, &got, &found), CA_OK);
	assert_false(found);
	/* A collected record allows no new intent. */
	assert_int_equal(store_intent_begin(st, a.id, 1, 4, 8000, NULL), CA_ERR_FORBIDDEN);
}

static void test_intent_failed_writes_only_the_fault_row(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_outbox_item items[16];
	struct store_intent it;
	struct ca_app a, out;
	long long hist;
	json_t *j, *f;
	int n, i, k = -1;

	make_ready(st, &a);
	hist = rows_of(t->env.db, "app_history", "app_id", a.id);
	assert_int_equal(store_intent_begin(st, a.id, 2, 9, 6000, &it), CA_OK);
	assert_int_equal(store_intent_failed(st, it.seq, "", "x", "k1", 7000), CA_ERR_ARG);
	assert_int_equal(store_intent_failed(st, it.seq, "jam", "slot 2: jam", "hall-07", 7000),
			 CA_OK);

	st = storefix_reopen(t);
	/* The record is untouched: same state, no history row. */
	assert_int_equal(store_app_get(st, a.id, &out), CA_OK);
	assert_int_equal(out.pay_status, CA_PAY_PAID);
	assert_int_equal(out.proc_status, CA_PROC_READY_FOR_PICKUP);
	assert_int_equal(rows_of(t->env.db, "app_history", "app_id", a.id), hist);
	assert_int_equal(outbox_kind(t->env.db, a.id, "collect"), 0);
	assert_int_equal(outbox_kind(t->env.db, a.id, STORE_KIND_DISPENSE_FAULT), 1);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM dispense_intents WHERE"
				 " state = 'failed' AND result = 'jam'"), 1);
	/* The fault row's payload. */
	assert_int_equal(store_outbox_next(st, 7000, 16, items, &n), CA_OK);
	for (i = 0; i < n; i++)
		if (strcmp(items[i].kind, STORE_KIND_DISPENSE_FAULT) == 0)
			k = i;
	assert_true(k >= 0);
	j = json_loads(items[k].payload, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "op")), "dispense_fault");
	assert_string_equal(json_string_value(json_object_get(j, "arg")), "jam");
	assert_int_equal(json_integer_value(json_object_get(j, "at_ms")), 7000);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "app"), "id")),
			    a.id);
	f = json_object_get(j, "fault");
	assert_string_equal(json_string_value(json_object_get(f, "kiosk")), "hall-07");
	assert_int_equal(json_integer_value(json_object_get(f, "slot")), 2);
	assert_string_equal(json_string_value(json_object_get(f, "result")), "jam");
	assert_string_equal(json_string_value(json_object_get(f, "detail")), "slot 2: jam");
	json_decref(j);
	store_outbox_items_release(items, n);
	/* Still ready: a new attempt may begin. */
	assert_int_equal(store_intent_begin(st, a.id, 1, 10, 8000, NULL), CA_OK);
}

/* ---- 12. restock records (the dispenser, maintenance mode) ---- */

static void test_restock_record_is_one_outbox_row_in_its_own_transaction(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	char key[CA_UUID_LEN + 1], keys[4][CA_UUID_LEN + 1];
	struct store_outbox_item items[4];
	json_t *j[4], *r;
	int n;

	/* Out of range: refused, nothing written. */
	assert_int_equal(store_restock_record(st, "hall-07", 0, 3, 10, 7000, NULL), CA_ERR_ARG);
	assert_int_equal(store_restock_record(st, "hall-07", 65, 3, 10, 7000, NULL), CA_ERR_ARG);
	assert_int_equal(store_restock_record(st, "hall-07", 1, -2, 10, 7000, NULL), CA_ERR_ARG);
	assert_int_equal(store_restock_record(st, "hall-07", 1, 10000, 10, 7000, NULL),
			 CA_ERR_ARG);
	assert_int_equal(store_restock_record(st, "hall-07", 1, 3, -1, 7000, NULL), CA_ERR_ARG);
	assert_int_equal(store_restock_record(st, "hall-07", 1, 3, 10000, 7000, NULL),
			 CA_ERR_ARG);
	assert_int_equal(store_restock_record(st, "a-kiosk-id-that-is-far-too-long-for-one",
					      1, 3, 10, 7000, NULL), CA_ERR_ARG);
	/* Inside the caller's transaction: refused (it opens its own), and the
	 * caller's rollback leaves nothing. */
	assert_int_equal(store_begin(st), CA_OK);
	assert_int_not_equal(store_restock_record(st, "hall-07", 1, 3, 10, 7000, NULL), CA_OK);
	store_rollback(st);
	/* A failure inside its transaction (the outbox refuses the row). */
	storefix_raw_exec(t->env.db, "CREATE TRIGGER no_restock BEFORE INSERT ON outbox"
		 " WHEN NEW.kind = 'restock' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	assert_int_not_equal(store_restock_record(st, "hall-07", 1, 3, 10, 7000, NULL), CA_OK);
	storefix_raw_exec(t->env.db, "DROP TRIGGER no_restock;");
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM outbox"), 0);

	/* Written and committed: another connection sees the row. */
	assert_int_equal(store_restock_record(st, "hall-07", 2, 3, 10, 7000, key), CA_OK);
	assert_int_equal(store_restock_record(st, NULL, 1, -1, 0, 7100, NULL), CA_OK);
	assert_int_equal(rows_of(t->env.db, "outbox", "app_id", STORE_DEVICE_ROWS), 2);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM outbox WHERE kind = 'restock'"
				 " AND app_id = 'kiosk' AND state = 'pending'"), 2);
	assert_int_equal(pending_of(st), 2);

	/* The payloads, in order: no "app", the counts, the kiosk when known. */
	assert_int_equal(storefix_restock_rows(st, j, 4, keys), 2);
	assert_string_equal(keys[0], key);
	assert_string_equal(json_string_value(json_object_get(j[0], "op")), "restock");
	assert_int_equal(json_integer_value(json_object_get(j[0], "at_ms")), 7000);
	assert_null(json_object_get(j[0], "app"));
	r = json_object_get(j[0], "restock");
	assert_string_equal(json_string_value(json_object_get(r, "kiosk")), "hall-07");
	assert_int_equal(json_integer_value(json_object_get(r, "slot")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "before")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "after")), 10);
	assert_int_equal(json_object_size(r), 4);
	r = json_object_get(j[1], "restock");
	assert_null(json_object_get(r, "kiosk"));
	assert_int_equal(json_integer_value(json_object_get(r, "before")), -1);
	assert_int_equal(json_integer_value(json_object_get(r, "after")), 0);
	json_decref(j[0]);
	json_decref(j[1]);

	/* The hub's 200 without "app" removes the row and touches no
	 * application; a refusal parks the other. */
	assert_int_equal(store_outbox_next(st, INT64_MAX, 4, items, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].key, key);
	assert_int_equal(store_outbox_sent(st, items[0].seq, NULL, 8000), CA_OK);
	assert_int_equal(store_outbox_park(st, items[1].seq, "400 bad_request: test"), CA_OK);
	store_outbox_items_release(items, n);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM outbox WHERE state = 'parked'"),
			 1);
	assert_int_equal(pending_of(st), 0);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM remote_apps"), 0);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM applications"), 0);
}

/*
 * Several processes opening the same new file at once (the kiosk, its sync
 * engine, a tool) all succeed: whoever comes second waits for the first to
 * create the file and switch it to WAL instead of failing with "database
 * is locked" (SQLite answers some of those BUSY without calling the busy
 * handler). 40 rounds of 6 processes on a fresh file each.
 */
static void test_concurrent_opens_of_a_new_file_all_succeed(void **state)
{
	struct storefix *t = *state;
	char path[PATH_MAX + 32];
	int round, i, failed = 0;

	for (round = 0; round < 40; round++) {
		snprintf(path, sizeof(path), "%s/race-%d.db", t->env.dir, round);
		for (i = 0; i < 6; i++) {
			pid_t pid = fork();

			assert_true(pid >= 0);
			if (pid == 0) {
				struct store *st = NULL;
				char err[STORE_ERR_MAX];

				if (store_open(path, &st, err, sizeof(err)) != CA_OK) {
					fprintf(stderr, "open %s: %s\n", path, err);
					_exit(1);
				}
				store_close(st);
				_exit(0);
			}
		}
		for (i = 0; i < 6; i++) {
			int status = 0;

			assert_true(wait(&status) > 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* ---- 13. purging finished orders ---- */

#define DAY_MS (86400LL * 1000)
#define T0_MS 1795000000000LL /* when the old orders changed last */

/* Rows of any table of db where any column contains needle. */
static long long rows_containing(const char *db, const char *needle)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *t = NULL, *c = NULL, *q = NULL;
	long long n = 0;
	char sql[4096], info[128], like[128];

	snprintf(like, sizeof(like), "%%%s%%", needle);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'table'"
					    " AND name NOT LIKE 'sqlite_%'", -1, &t, NULL),
			 SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(t, 0);
		size_t used;

		/* SELECT count(*) FROM table WHERE 0 OR col1 LIKE ?1 OR ... */
		used = (size_t)snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\" WHERE 0",
					table);
		snprintf(info, sizeof(info), "PRAGMA table_info(\"%s\")", table);
		assert_int_equal(sqlite3_prepare_v2(h, info, -1, &c, NULL), SQLITE_OK);
		while (sqlite3_step(c) == SQLITE_ROW && used < sizeof(sql))
			used += (size_t)snprintf(sql + used, sizeof(sql) - used,
						 " OR CAST(\"%s\" AS TEXT) LIKE ?1",
						 (const char *)sqlite3_column_text(c, 1));
		sqlite3_finalize(c);
		assert_true(used < sizeof(sql));
		assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_bind_text(q, 1, like, -1, SQLITE_STATIC), SQLITE_OK);
		if (sqlite3_step(q) == SQLITE_ROW)
			n += sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_finalize(t);
	sqlite3_close(h);
	return n;
}

/* Whether the bytes of file path contain needle. */
static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;
	bool yes = false;
	size_t nl = strlen(needle);

	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (long i = 0; !yes && i + (long)nl <= len; i++)
		yes = memcmp(buf + i, needle, nl) == 0;
	free(buf);
	return yes;
}

/* Send (mark sent) every pending outbox row. */
static void drain_outbox(struct store *st)
{
	struct store_outbox_item items[32];
	int n, i;

	do {
		assert_int_equal(store_outbox_next(st, INT64_MAX, 32, items, &n), CA_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(store_outbox_mark_sent(st, items[i].seq), CA_OK);
		store_outbox_items_release(items, n);
	} while (n > 0);
}

/* Another person's mail order: no field shared with make_app's. */
static void make_other(struct ca_app *a, const char *account)
{
	make_app(a, account);
	strcpy(a->company, "江苏国泰新点软件有限公司");
	strcpy(a->uscc, "91320582MA1MABCDEU");
	strcpy(a->legal_rep, "王建国");
	strcpy(a->handler, "李娜");
	strcpy(a->handler_id, "320582199003071232");
	strcpy(a->mobile, account);
	strcpy(a->email, "lina@example.com");
	strcpy(a->mail_recipient, "张伟");
	strcpy(a->mail_phone, "0512-58188000");
	strcpy(a->mail_address, "江苏省苏州市张家港市经济开发区国泰北路1号");
}

/* Take a's mail order from draft to received at at_ms (the last change);
 * stop before confirm_receipt when !received. */
static void mail_order(struct store *st, struct ca_app *a, int64_t at_ms, bool received)
{
	static const enum ca_action steps[] = { CA_ACT_SUBMIT, CA_ACT_APPROVE, CA_ACT_PAY,
						CA_ACT_SHIP, CA_ACT_CONFIRM_RECEIPT };
	static const char *const args[] = { "请审核", NULL, NULL, "SF1234567890", NULL };
	size_t i, n = received ? 5 : 3;

	a->amount_fen = 30000;
	assert_int_equal(store_app_create(st, a, at_ms - 5000), CA_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(store_app_act(st, a->id, steps[i], args[i], FIXTURE_TODAY,
					       at_ms - 4 + (int64_t)i, a, NULL), CA_OK);
}

/* An issued blue e-invoice of application id from the hub's feed, at rev. */
static void put_invoice(struct store *st, const char *id, const char *number, int64_t rev)
{
	struct store_change ch;

	memset(&ch, 0, sizeof(ch));
	ch.rev = rev;
	ch.kind = STORE_CHANGE_INVOICE;
	snprintf(ch.u.inv.app_id, sizeof(ch.u.inv.app_id), "%s", id);
	ch.u.inv.kind = CA_INV_BLUE;
	ch.u.inv.state = CA_INV_ISSUED;
	snprintf(ch.u.inv.number, sizeof(ch.u.inv.number), "%s", number);
	ch.u.inv.issued_ms = T0_MS;
	ch.u.inv.total_fen = 30000;
	ch.u.inv.tax_fen = 1698;
	assert_int_equal(store_feed_apply(st, &ch, 1, rev, T0_MS, NULL), CA_OK);
}

static void test_purge_removes_old_finished_orders_and_keeps_the_rest(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct ca_app old_mail, old_onsite, recent, unfinished, queued, got;
	struct ca_proc_record rec;
	struct store_change ch;
	struct store_intent it;
	struct store_outbox_item items[8];
	char parked_row_key[CA_UUID_LEN + 1];
	int n, purged = -1, pending, parked;

	/* Person 1 (make_app's 林晓燕, 13905918866, 11010519491231002X): a
	 * mail order received and an on-site order collected at T0, with a
	 * processing record, the hub's pickup row, e-invoices, a parked row. */
	make_app(&old_mail, "13905918866");
	mail_order(st, &old_mail, T0_MS, true);
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(uuid_v4(rec.id), CA_OK);
	memcpy(rec.app_id, old_mail.id, sizeof(rec.app_id));
	rec.at_ms = T0_MS;
	strcpy(rec.staff, "审核员张三");
	strcpy(rec.text, "已寄出，收件人林晓燕");
	assert_int_equal(store_record_put(st, &rec), CA_OK);
	make_ready(st, &old_onsite);
	memset(&ch, 0, sizeof(ch));
	ch.rev = 7;
	ch.kind = STORE_CHANGE_PICKUP;
	memcpy(ch.u.pickup.app_id, old_onsite.id, sizeof(ch.u.pickup.app_id));
	strcpy(ch.u.pickup.kiosk, "fz-hall-03");
	strcpy(ch.u.pickup.slot, "A1");
	assert_int_equal(store_feed_apply(st, &ch, 1, 7, T0_MS, NULL), CA_OK);
	/* Its e-invoice, and that of the mail order (schema 5). */
	put_invoice(st, old_onsite.id, "26350000000000000071", 8);
	put_invoice(st, old_mail.id, "2026112400000072", 9);
	assert_int_equal(store_intent_begin(st, old_onsite.id, 1, 3, T0_MS - 2, &it), CA_OK);
	assert_int_equal(store_intent_collected(st, it.seq, "slot 1: dispensed", FIXTURE_TODAY,
						T0_MS, &old_onsite), CA_OK);
	assert_int_equal(old_onsite.pay_status, CA_PAY_DONE);
	/* The first row of the old mail order was refused by the hub: parked. */
	assert_int_equal(store_outbox_next(st, INT64_MAX, 8, items, &n), CA_OK);
	assert_true(n >= 1);
	assert_string_equal(items[0].app_id, old_mail.id);
	memcpy(parked_row_key, items[0].key, sizeof(parked_row_key));
	assert_int_equal(store_outbox_park(st, items[0].seq, "409 conflict: test"), CA_OK);
	store_outbox_items_release(items, n);
	drain_outbox(st);
	assert_int_equal(rows_of(t->env.db, "outbox", "idem_key", parked_row_key), 1);

	/* Person 2 (李娜): finished 25 days after T0 (recent), one paid and
	 * not received (unfinished), one received at T0 whose last row has
	 * not reached the hub (queued). */
	make_other(&recent, "13812345678");
	mail_order(st, &recent, T0_MS + 25 * DAY_MS, true);
	put_invoice(st, recent.id, "26320000000000000073", 10);
	make_other(&unfinished, "13812345678");
	mail_order(st, &unfinished, T0_MS, false);
	drain_outbox(st);
	make_other(&queued, "13812345678");
	mail_order(st, &queued, T0_MS, true);
	assert_int_equal(store_outbox_app_pending(st, queued.id, &n), CA_OK);
	assert_true(n > 0);
	assert_int_equal(store_outbox_depth(st, &pending, &parked), CA_OK);
	assert_int_equal(parked, 1);

	/* Before: person 1's data is in the store. */
	assert_true(rows_containing(t->env.db, "林晓燕") > 0);
	assert_true(rows_containing(t->env.db, "11010519491231002X") > 0);
	assert_true(rows_containing(t->env.db, "13905918866") > 0);

	/* 31 days after T0 with purge_days 30. */
	assert_int_equal(store_purge_finished(st, T0_MS + 31 * DAY_MS - 30 * DAY_MS, &purged),
			 CA_OK);
	assert_int_equal(purged, 2);
	assert_int_equal(store_app_get(st, old_mail.id, &got), CA_ERR_NOT_FOUND);
	assert_int_equal(store_app_get(st, old_onsite.id, &got), CA_ERR_NOT_FOUND);
	assert_int_equal(rows_containing(t->env.db, "林晓燕"), 0);
	assert_int_equal(rows_containing(t->env.db, "11010519491231002X"), 0);
	assert_int_equal(rows_containing(t->env.db, "13905918866"), 0);
	assert_int_equal(rows_containing(t->env.db, "闽江建设"), 0);
	assert_int_equal(rows_containing(t->env.db, old_mail.id), 0);
	assert_int_equal(rows_containing(t->env.db, old_onsite.id), 0);
	assert_int_equal(rows_containing(t->env.db, "26350000000000000071"), 0);
	assert_int_equal(rows_containing(t->env.db, "2026112400000072"), 0);

	/* The rest stays whole, queued rows included. */
	assert_int_equal(store_app_get(st, recent.id, &got), CA_OK);
	assert_int_equal(store_app_get(st, unfinished.id, &got), CA_OK);
	assert_int_equal(store_app_get(st, queued.id, &got), CA_OK);
	assert_int_equal(got.pay_status, CA_PAY_DONE);
	assert_int_equal(store_outbox_app_pending(st, queued.id, &pending), CA_OK);
	assert_int_equal(pending, n);
	assert_true(rows_of(t->env.db, "app_history", "app_id", recent.id) > 0);
	assert_int_equal(rows_of(t->env.db, "invoices", "app_id", recent.id), 1);
	assert_int_equal(store_outbox_depth(st, &pending, &parked), CA_OK);
	assert_int_equal(parked, 0);

	/* Idempotent; and nothing is left in the file's bytes either. */
	assert_int_equal(store_purge_finished(st, T0_MS + DAY_MS, &purged), CA_OK);
	assert_int_equal(purged, 0);
	storefix_close(t);
	assert_false(file_contains(t->env.db, "11010519491231002X"));
	assert_false(file_contains(t->env.db, "13905918866"));
	assert_true(file_contains(t->env.db, "320582199003071232"));
}

/* A draft deleted and its outbox rows sent leave nothing readable on disk:
 * secure_delete zeroes what the deletes freed in the file, and the scrub
 * after the delete empties the WAL (whose frames held the pages as they
 * were). The raw bytes of kiosk.db and kiosk.db-wal are read while the
 * store is still open, as a thief of the disk of a running kiosk would;
 * the unrelated order stays readable (the scan does find what is there). */
static void test_deleted_draft_leaves_no_readable_bytes(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct ca_app draft, kept;
	char wal[sizeof(t->env.db) + 8];
	const char *const secrets[] = { "440304198512031231", "13900001111", "擦除测试科技有限公司" };
	size_t i;

	snprintf(wal, sizeof(wal), "%s-wal", t->env.db);
	make_app(&draft, "13900001111");
	strcpy(draft.company, secrets[2]);
	strcpy(draft.handler_id, secrets[0]);
	strcpy(draft.mobile, secrets[1]);
	make_other(&kept, "13800002222");
	assert_int_equal(store_app_create(st, &draft, 1000), CA_OK);
	assert_int_equal(store_app_create(st, &kept, 1001), CA_OK);
	drain_outbox(st);
	/* Checkpointed once: the draft's pages are in the file as well. */
	store_scrub(st);
	assert_true(file_contains(t->env.db, secrets[0]));
	assert_int_equal(store_app_act(st, draft.id, CA_ACT_DELETE, NULL, FIXTURE_TODAY, 2000,
				       NULL, NULL), CA_OK);
	drain_outbox(st); /* the delete's row (it carries the record) is sent */
	store_scrub(st);  /* as app_end_session does when the person leaves */
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (file_contains(t->env.db, secrets[i]) || file_contains(wal, secrets[i]))
			fail_msg("'%s' is still readable on disk after the delete", secrets[i]);
	}
	assert_true(file_contains(t->env.db, "320582199003071232")); /* the kept order */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, storefix_setup, storefix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip_every_field_and_listing),
		T(test_change_and_outbox_row_commit_together_or_not_at_all),
		T(test_status_rules_hold_through_the_store),
		T(test_outbox_fifo_per_app_retries_and_parking),
		T(test_outbox_payload_carries_op_record_and_arg),
		T(test_migrates_empty_and_missing_files_and_reopen_keeps_all),
		T(test_open_sets_wal_mode),
		T(test_newer_schema_is_refused_naming_the_file),
		T(test_garbage_truncated_and_unreachable_files_are_reported),
		T(test_history_records_each_change_in_order),
		T(test_change_log_lines_name_no_person),
		T(test_intent_begin_refused_unless_ready_and_while_pending),
		T(test_intent_collected_is_one_transaction_and_survives_reopen),
		T(test_intent_failed_writes_only_the_fault_row),
		T(test_concurrent_opens_of_a_new_file_all_succeed),
		T(test_restock_record_is_one_outbox_row_in_its_own_transaction),
		T(test_purge_removes_old_finished_orders_and_keeps_the_rest),
		T(test_deleted_draft_leaves_no_readable_bytes),
	};

	/* The failure tests log on purpose; keep the warnings, drop info. */
	log_set_level(LOG_WARN);
	return cmocka_run_group_tests_name("kiosk/store", tests, NULL, NULL);
}
