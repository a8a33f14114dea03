/*
 * test_feed.c - answers of the hub's change feed, crafted as JSON the way
 * the hub sends them, read by feed_decode (src/kiosk/net/feed.c) and
 * applied by store_feed_apply to a real store file: the invoice rows in
 * the form of today's hub ({"app_id", "issued_ms", "number"}: a blue
 * invoice, issued, amounts unknown) and in the whole form (kind, state,
 * original, amounts; a total of 0 is no amounts, and a red invoice not
 * issued yet may not name the blue one); a pending invoice that a later
 * revision issues replaces its row; a red-letter invoice after the blue one
 * it reverses; bad rows of every kind skipped, logged, and the good rows of
 * the same page applied with the cursor; the page's shape refused as a
 * whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/uuid.h"
#include "kiosk/net/feed.h"
#include "kiosk/store/store.h"
#include "../fixture.h"
#include "../support/storefix.h"

#define BLUE16 "2026112400000004"
#define BLUE20 "26320000000000012345"
#define RED20 "26320000000000012399"

/* A paid application of the fixture's account, as the hub sends it. */
static json_t *paid_app(struct ca_app *a, int64_t rev)
{
	storefix_app(a);
	a->app_status = CA_APP_APPROVED;
	a->pay_status = CA_PAY_PAID;
	a->proc_status = CA_PROC_ONSITE;
	a->amount_fen = 60000;
	a->rev = rev;
	return codec_app_encode(a);
}

/* A change of the feed: {"rev", "kind", KIND: v} (takes v). */
static json_t *change(int64_t rev, const char *kind, json_t *v)
{
	json_t *c = json_pack("{s:I, s:s}", "rev", (json_int_t)rev, "kind", kind);

	assert_non_null(c);
	if (v)
		json_object_set_new(c, kind, v);
	return c;
}

/* An invoice member from JSON text (the forms the hub writes). */
static json_t *jtext(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	if (!j)
		fail_msg("bad JSON in the test: %s: %s", text, je.text);
	return j;
}

/* An invoice change of the feed in the whole form, every member as the
 * hub writes them. */
static json_t *whole(int64_t rev, const char *id, const char *kind, const char *state,
		     const char *number, const char *original, int64_t issued_ms, int64_t total,
		     int64_t tax)
{
	return change(rev, "invoice",
		      json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "app_id", id, "kind",
				kind, "state", state, "number", number, "original", original,
				"issued_ms", (json_int_t)issued_ms, "total_fen", (json_int_t)total,
				"tax_fen", (json_int_t)tax));
}

/* Read the feed page {"changes": changes, "next": next} (takes changes)
 * into ch, apply it, and return how many changes were decoded; *skipped
 * gets how many were left out. */
static int apply_page(struct store *st, json_t *changes, int64_t next, struct store_change *ch,
		      int max, int *skipped)
{
	json_t *page = json_pack("{s:o, s:I, s:b, s:I, s:I}", "changes", changes, "next",
				 (json_int_t)next, "more", 0, "epoch", (json_int_t)77, "head",
				 (json_int_t)next);
	char *body = json_dumps(page, JSON_COMPACT), why[256] = "";
	struct feed_page pg;
	int64_t cursor = -1;

	assert_non_null(body);
	json_decref(page);
	if (!feed_decode(body, strlen(body), 0, ch, max, &pg, why, sizeof(why)))
		fail_msg("page refused: %s", why);
	free(body);
	assert_int_equal(pg.next, next);
	assert_int_equal(pg.epoch, 77);
	assert_int_equal(store_feed_apply(st, ch, pg.n, pg.next, 1795000000000, NULL), CA_OK);
	assert_int_equal(store_feed_cursor(st, &cursor), CA_OK);
	assert_int_equal(cursor, next);
	if (skipped)
		*skipped = pg.skipped;
	return pg.n;
}

/* The invoices of the fixture's account, in store_invoice_each's order. */
struct inv_list {
	struct ca_invoice v[8];
	int n;
};

static int collect(const struct ca_invoice *inv, void *ctx)
{
	struct inv_list *l = ctx;

	if (l->n < 8)
		l->v[l->n++] = *inv;
	return 0;
}

static struct inv_list invoices_of(struct store *st, const char *account)
{
	struct inv_list l;

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_invoice_each(st, account, collect, &l), CA_OK);
	return l;
}

/* Today's hub: {"app_id", "issued_ms", "number"} is a blue invoice,
 * issued, its amounts unknown. */
static void test_old_invoice_rows_are_blue_and_issued(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_change ch[4];
	struct ca_invoice inv;
	struct ca_app a;
	json_t *changes = json_array();
	char row[256];
	int skipped = -1;

	json_array_append_new(changes, change(41, "app", paid_app(&a, 41)));
	snprintf(row, sizeof(row), "{\"app_id\":\"%s\",\"issued_ms\":1795000100000,"
		 "\"number\":\"" BLUE16 "\"}", a.id);
	json_array_append_new(changes, change(42, "invoice", jtext(row)));
	assert_int_equal(apply_page(st, changes, 42, ch, 4, &skipped), 2);
	assert_int_equal(skipped, 0);

	assert_int_equal(store_invoice_get(st, a.id, CA_INV_BLUE, &inv), CA_OK);
	assert_string_equal(inv.app_id, a.id);
	assert_int_equal(inv.kind, CA_INV_BLUE);
	assert_int_equal(inv.state, CA_INV_ISSUED);
	assert_string_equal(inv.number, BLUE16);
	assert_string_equal(inv.original, "");
	assert_int_equal(inv.issued_ms, 1795000100000);
	assert_true(inv.total_fen == CA_FEN_UNKNOWN);
	assert_true(inv.tax_fen == CA_FEN_UNKNOWN);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_RED, &inv), CA_ERR_NOT_FOUND);
	/* Unknown amounts are NULL in the file, not a number. */
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM invoices"
				 " WHERE total_fen IS NULL AND tax_fen IS NULL"), 1);
	/* The same row again (a feed read twice) changes nothing. */
	changes = json_array();
	json_array_append_new(changes, change(42, "invoice", jtext(row)));
	assert_int_equal(apply_page(st, changes, 42, ch, 4, NULL), 1);
	assert_int_equal(invoices_of(st, a.account).n, 1);
}

/* The whole form: pending (no number) at first, issued in a later
 * revision, which replaces the row of the pair (app, blue). */
static void test_a_pending_invoice_becomes_issued(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_change ch[4];
	struct ca_invoice inv;
	struct ca_app a;
	json_t *changes = json_array();

	json_array_append_new(changes, change(10, "app", paid_app(&a, 10)));
	json_array_append_new(changes, whole(11, a.id, "blue", "pending", "", "", 0, 60000, 3396));
	assert_int_equal(apply_page(st, changes, 11, ch, 4, NULL), 2);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_BLUE, &inv), CA_OK);
	assert_int_equal(inv.state, CA_INV_PENDING);
	assert_string_equal(inv.number, "");
	assert_int_equal(inv.total_fen, 60000);

	changes = json_array();
	json_array_append_new(changes, whole(12, a.id, "blue", "issued", BLUE20, "", 1795000200000,
					     60000, 3396));
	assert_int_equal(apply_page(st, changes, 12, ch, 4, NULL), 1);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_BLUE, &inv), CA_OK);
	assert_int_equal(inv.state, CA_INV_ISSUED);
	assert_string_equal(inv.number, BLUE20);
	assert_int_equal(inv.issued_ms, 1795000200000);
	assert_int_equal(inv.total_fen, 60000);
	assert_int_equal(inv.tax_fen, 3396);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM invoices"), 1);
	/* And it outlives a restart of the kiosk. */
	st = storefix_reopen(t);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_BLUE, &inv), CA_OK);
	assert_string_equal(inv.number, BLUE20);
}

/* After a refund the red-letter invoice comes, pending then issued,
 * naming the blue one; the blue one stays as it was, and the account's
 * list has both, blue first. */
static void test_a_red_invoice_after_the_blue_one(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_change ch[4];
	struct inv_list l;
	struct ca_app a;
	json_t *changes = json_array();

	json_array_append_new(changes, change(20, "app", paid_app(&a, 20)));
	json_array_append_new(changes, whole(21, a.id, "blue", "issued", BLUE20, "", 1795000200000,
					     60000, 3396));
	/* Red, asked of the platform: no number yet, but the one it reverses. */
	json_array_append_new(changes, whole(22, a.id, "red", "pending", "", BLUE20, 0, -60000, -3396));
	assert_int_equal(apply_page(st, changes, 22, ch, 4, NULL), 3);
	l = invoices_of(st, a.account);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].kind, CA_INV_RED);
	assert_int_equal(l.v[1].state, CA_INV_PENDING);

	changes = json_array();
	json_array_append_new(changes, whole(23, a.id, "red", "issued", RED20, BLUE20, 1795000900000,
					     -60000, -3396));
	assert_int_equal(apply_page(st, changes, 23, ch, 4, NULL), 1);
	l = invoices_of(st, a.account);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, CA_INV_BLUE);
	assert_int_equal(l.v[0].state, CA_INV_ISSUED);
	assert_string_equal(l.v[0].number, BLUE20);
	assert_int_equal(l.v[0].total_fen, 60000);
	assert_int_equal(l.v[1].kind, CA_INV_RED);
	assert_int_equal(l.v[1].state, CA_INV_ISSUED);
	assert_string_equal(l.v[1].number, RED20);
	assert_string_equal(l.v[1].original, BLUE20);
	assert_int_equal(l.v[1].total_fen, -60000);
	assert_int_equal(l.v[1].tax_fen, -3396);
	/* Another account's list has none of them. */
	assert_int_equal(invoices_of(st, "13900000000").n, 0);
}

/* A hub that has no amounts to tell writes 0 (the rows it keeps for an
 * invoice issued before it had the tax platform, and rows not issued
 * yet), and a red invoice it has asked for may not name the blue one yet:
 * all kept, their amounts unknown; the red one names it once issued. */
static void test_rows_of_a_hub_with_zero_amounts(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_change ch[4];
	struct ca_invoice inv;
	struct ca_app a;
	json_t *changes = json_array();

	json_array_append_new(changes, change(30, "app", paid_app(&a, 30)));
	json_array_append_new(changes, whole(31, a.id, "blue", "issued", BLUE16, "", 1795000100000,
					     0, 0));
	json_array_append_new(changes, whole(32, a.id, "red", "pending", "", "", 0, 0, 0));
	assert_int_equal(apply_page(st, changes, 32, ch, 4, NULL), 3);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_BLUE, &inv), CA_OK);
	assert_int_equal(inv.state, CA_INV_ISSUED);
	assert_string_equal(inv.number, BLUE16);
	assert_true(inv.total_fen == CA_FEN_UNKNOWN && inv.tax_fen == CA_FEN_UNKNOWN);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_RED, &inv), CA_OK);
	assert_int_equal(inv.state, CA_INV_PENDING);
	assert_string_equal(inv.original, "");
	assert_true(inv.total_fen == CA_FEN_UNKNOWN);

	/* The platform refused the red one: failed, still nothing to tell. */
	changes = json_array();
	json_array_append_new(changes, whole(33, a.id, "red", "failed", "", "", 0, 0, 0));
	assert_int_equal(apply_page(st, changes, 33, ch, 4, NULL), 1);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_RED, &inv), CA_OK);
	assert_int_equal(inv.state, CA_INV_FAILED);
	assert_int_equal(storefix_raw_int(t->env.db, "SELECT count(*) FROM invoices"
				 " WHERE total_fen IS NULL AND tax_fen IS NULL"), 2);
}

/* Invoice rows that break a rule, each on its own, with the reason the
 * log gives. */
static const struct {
	const char *row; /* the invoice member; @ID is the application's id */
	const char *why; /* part of the codec's message */
} bad_invoices[] = {
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"202611240000000\"}", "number" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"2026112400000004x\"}", "number" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"263200000000000123456\"}", "number" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":2026112400000004}", "number" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1}", "missing field 'number'" },
	{ "{\"app_id\":\"@ID\",\"number\":\"" BLUE16 "\"}", "missing field 'issued_ms'" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":0,\"number\":\"" BLUE16 "\"}", "issued_ms" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":-5,\"number\":\"\",\"state\":\"pending\"}", "issued_ms" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE16 "\",\"kind\":\"green\"}", "kind" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE16 "\",\"kind\":null}", "kind" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE16 "\",\"state\":\"void\"}", "state" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE16 "\",\"state\":1}", "state" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE16 "\",\"state\":\"pending\"}",
	  "number" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" RED20 "\",\"kind\":\"red\"}",
	  "original" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"original\":\"" RED20 "\"}",
	  "original" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"total_fen\":-100}",
	  "total_fen" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"total_fen\":\"600\"}",
	  "total_fen" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" RED20 "\",\"kind\":\"red\","
	  "\"original\":\"" BLUE20 "\",\"total_fen\":60000}", "total_fen" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"total_fen\":100,"
	  "\"tax_fen\":101}", "tax_fen" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"tax_fen\":6}", "tax_fen" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"total_fen\":0,"
	  "\"tax_fen\":6}", "tax_fen" },
	{ "{\"app_id\":\"@ID\",\"issued_ms\":1,\"number\":\"" BLUE20 "\",\"total_fen\":100000000000}",
	  "total_fen" },
	{ "{\"app_id\":\"3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8dZZ\",\"issued_ms\":1,"
	  "\"number\":\"" BLUE16 "\"}", "app_id: not a UUID" },
	{ "{\"app_id\":\"not-@ID\",\"issued_ms\":1,\"number\":\"" BLUE16 "\"}", "app_id" },
	{ "[\"@ID\"]", "object" },
};

/* tmpl with @ID replaced by id, into out (size n). */
static void fill(char *out, size_t n, const char *tmpl, const char *id)
{
	const char *at = strstr(tmpl, "@ID");

	if (at)
		snprintf(out, n, "%.*s%s%s", (int)(at - tmpl), tmpl, id, at + 3);
	else
		snprintf(out, n, "%s", tmpl);
}

/* One bad row of any kind is skipped with a log line; the good rows of
 * the same page (before and after it) are applied, and the cursor moves
 * to the page's next. */
static void test_bad_rows_are_skipped_and_the_rest_applied(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_change ch[64];
	struct ca_invoice inv;
	struct store_pickup pk;
	struct ca_app a, got;
	json_t *changes = json_array();
	char row[512], tail[LOG_TAIL_LINES * (LOG_TAIL_LINE_MAX + 1) + 1], *line, *save;
	size_t i, nbad = sizeof(bad_invoices) / sizeof(bad_invoices[0]);
	int skipped = -1;

	json_array_append_new(changes, change(1, "app", paid_app(&a, 1)));
	for (i = 0; i < nbad; i++) {
		fill(row, sizeof(row), bad_invoices[i].row, a.id);
		json_array_append_new(changes, change((int64_t)(2 + i), "invoice", jtext(row)));
	}
	/* Other kinds' bad rows, a change without its member, a kind not
	 * known here, no kind at all. */
	json_array_append_new(changes, change(100, "app", jtext("{\"id\":\"x\"}")));
	json_array_append_new(changes, change(101, "record", jtext("{}")));
	json_array_append_new(changes, change(102, "pickup", jtext("{\"app_id\":\"x\"}")));
	json_array_append_new(changes, change(103, "invoice", NULL));
	json_array_append_new(changes, change(104, "coupon", jtext("{}")));
	json_array_append_new(changes, jtext("{\"rev\":105}"));
	/* The good ones after them. */
	snprintf(row, sizeof(row), "{\"app_id\":\"%s\",\"kiosk\":\"hall-01\",\"slot\":\"1\","
		 "\"at_ms\":5}", a.id);
	json_array_append_new(changes, change(106, "pickup", jtext(row)));
	snprintf(row, sizeof(row), "{\"app_id\":\"%s\",\"issued_ms\":1795000100000,"
		 "\"number\":\"" BLUE20 "\",\"kind\":\"blue\",\"state\":\"issued\","
		 "\"total_fen\":60000,\"tax_fen\":null,\"pdf\":\"a member of a newer hub\"}", a.id);
	json_array_append_new(changes, change(107, "invoice", jtext(row)));

	assert_int_equal(apply_page(st, changes, 107, ch, 64, &skipped), 3);
	assert_int_equal(skipped, (int)nbad + 6);
	assert_int_equal(store_app_get(st, a.id, &got), CA_OK);
	assert_int_equal(store_pickup_get(st, a.id, &pk), CA_OK);
	assert_string_equal(pk.kiosk, "hall-01");
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_BLUE, &inv), CA_OK);
	assert_string_equal(inv.number, BLUE20);
	assert_int_equal(inv.total_fen, 60000);
	assert_true(inv.tax_fen == CA_FEN_UNKNOWN);
	assert_int_equal(store_invoice_get(st, a.id, CA_INV_RED, &inv), CA_ERR_NOT_FOUND);

	/* Each bad invoice said why, at its revision (the log's last lines). */
	log_tail(tail, sizeof(tail), LOG_TAIL_LINES);
	i = 0;
	for (line = strtok_r(tail, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char rev[32];

		if (!strstr(line, "invoice unreadable, skipped"))
			continue;
		if (i == nbad) { /* the change without its member */
			assert_non_null(strstr(line, "feed rev 103: "));
			i++;
			continue;
		}
		assert_true(i < nbad);
		snprintf(rev, sizeof(rev), "feed rev %zu: ", 2 + i);
		if (!strstr(line, rev) || !strstr(line, bad_invoices[i].why))
			fail_msg("row %zu (%s): logged %s", i, bad_invoices[i].row, line);
		i++;
	}
	assert_int_equal(i, nbad + 1);
}

/* The store refuses what the decoder would skip: a feed batch with an
 * invoice that breaks the rules is not applied at all. */
static void test_the_store_refuses_a_bad_invoice(void **state)
{
	struct storefix *t = *state;
	struct store *st = storefix_open(t);
	struct store_change ch;
	struct ca_invoice inv;
	int64_t cursor = -1;

	memset(&ch, 0, sizeof(ch));
	ch.rev = 9;
	ch.kind = STORE_CHANGE_INVOICE;
	assert_int_equal(uuid_v4(ch.u.inv.app_id), CA_OK);
	ch.u.inv.kind = CA_INV_RED;
	ch.u.inv.state = CA_INV_ISSUED;
	strcpy(ch.u.inv.number, RED20);
	ch.u.inv.issued_ms = 1;
	ch.u.inv.total_fen = CA_FEN_UNKNOWN;
	ch.u.inv.tax_fen = CA_FEN_UNKNOWN;
	/* No original: not a red invoice. */
	assert_int_equal(store_feed_apply(st, &ch, 1, 9, 1, NULL), CA_ERR_ARG);
	assert_int_equal(store_feed_cursor(st, &cursor), CA_OK);
	assert_int_equal(cursor, 0);
	assert_int_equal(store_invoice_get(st, ch.u.inv.app_id, CA_INV_RED, &inv),
			 CA_ERR_NOT_FOUND);
	strcpy(ch.u.inv.original, BLUE20);
	assert_int_equal(store_feed_apply(st, &ch, 1, 9, 1, NULL), CA_OK);
	assert_int_equal(store_invoice_get(st, ch.u.inv.app_id, CA_INV_RED, &inv), CA_OK);
	assert_string_equal(inv.original, BLUE20);
}

/* What is not the documented shape fails as a whole; a page longer than
 * the room is cut, and its cursor stays at what was read. */
static void test_the_page_shape(void **state)
{
	static const char *const bad[] = {
		"not json", "{}", "{\"changes\":[],\"next\":\"5\"}", "{\"changes\":{},\"next\":5}",
		"{\"changes\":[],\"next\":2}", "{\"changes\":[],\"next\":5,\"epoch\":-1}",
		"{\"reset\":true,\"changes\":[],\"next\":0}",
	};
	struct store_change ch[2];
	struct feed_page pg;
	struct ca_app a;
	char why[256], row[256];
	json_t *changes = json_array(), *page;
	char *body;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_false(feed_decode(bad[i], strlen(bad[i]), 3, ch, 2, &pg, why, sizeof(why)));
		assert_non_null(strstr(why, "bad feed answer from hub"));
	}
	json_array_append_new(changes, change(4, "app", paid_app(&a, 4)));
	snprintf(row, sizeof(row), "{\"app_id\":\"%s\",\"issued_ms\":1,\"number\":\"" BLUE16 "\"}",
		 a.id);
	json_array_append_new(changes, change(5, "invoice", jtext(row)));
	json_array_append_new(changes, change(6, "invoice", jtext(row)));
	page = json_pack("{s:o, s:I}", "changes", changes, "next", (json_int_t)6);
	body = json_dumps(page, JSON_COMPACT);
	json_decref(page);
	assert_true(feed_decode(body, strlen(body), 3, ch, 2, &pg, why, sizeof(why)));
	free(body);
	assert_int_equal(pg.n, 2);
	assert_int_equal(pg.next, 5);
	assert_true(pg.more);
	assert_int_equal(ch[1].kind, STORE_CHANGE_INVOICE);
	assert_int_equal(ch[1].rev, 5);
}

#define T(f) cmocka_unit_test_setup_teardown(f, storefix_setup, storefix_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_old_invoice_rows_are_blue_and_issued),
		T(test_a_pending_invoice_becomes_issued),
		T(test_a_red_invoice_after_the_blue_one),
		T(test_rows_of_a_hub_with_zero_amounts),
		T(test_bad_rows_are_skipped_and_the_rest_applied),
		T(test_the_store_refuses_a_bad_invoice),
		cmocka_unit_test(test_the_page_shape),
	};

	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
