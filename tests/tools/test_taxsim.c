/*
 * test_taxsim.c - ca-taxsim (tools/taxsim, docs/taxsim.md) as a real
 * process over real TLS on 127.0.0.1 with its real SQLite books
 * (tests/support/taxproc), every request signed and every answer's
 * signature checked by the test's own code. It pins:
 *   - every refusal of docs/taxsim.md's table with its status and code,
 *     each answer signed (unsigned only for a request naming no app of the
 *     platform's), counted in /sim/state; the ends of each range taken;
 *   - a replayed nonce refused, a nonce of a refused request not spent;
 *   - the tax rule and the unit price against values worked out by hand
 *     (half up: 9433.96 -> 9434, 88.4956 -> 88, 0.000078125 -> 0.00007813),
 *     the capitals, the XML (well-formed, escaped), the numbers (YY,
 *     province and channel as configured, the sequence per year, red ones
 *     from the same sequence);
 *   - idempotency: the same request id and content is the same invoice,
 *     byte for byte, also six at once and with its members reordered;
 *     other content 409; a refused request leaves nothing behind;
 *   - the red rules: negative lines, the original named, once only, never
 *     of a red one, its own request id;
 *   - injected faults (500 with nothing issued; a held answer that holds
 *     no other client; a wrong, a missing and a stale signature, each on
 *     an invoice that was issued);
 *   - SIGTERM and kill -9 keep the books and the sequence; a second
 *     platform on the directory is refused; bad options exit 2;
 *   - every limit: body, target, head, the nonce cache, the books,
 *     connections, idle connections, a clock file that is no number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cst.h"
#include "../support/taxproc.h"
#include "../support/tmpdir.h"

#define BUYER_ID "91350100M000100Y43"
#define ITEM "*信息技术服务*CA数字证书服务费"

static struct taxproc tp;  /* the platform most tests share */
static int seq;            /* request ids of this run */

/* ---- requests ---- */

/* A fresh request id. */
static void new_id(char out[40], const char *tag)
{
	snprintf(out, 40, "%s-%d-%d", tag, (int)getpid(), ++seq);
}

/* A valid blue request (one line of total fen at rate) under id. */
static json_t *blue(const char *id, long long total, int rate, int quantity)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:i, s:I, s:i}], s:s, s:s}",
			 "request_id", id, "seller_tax_id", TAXPROC_SELLER_ID, "buyer_name",
			 "江苏国泰新点软件有限公司", "buyer_tax_id", BUYER_ID, "items", "name", ITEM,
			 "spec", "机构证书", "unit", "个", "quantity", quantity, "total_fen",
			 (json_int_t)total, "tax_rate", rate, "remarks", "订单 CA20261204", "issuer",
			 "张三");
}

/* blue() as text (malloc'd). */
static char *blue_text(const char *id, long long total, int rate, int quantity)
{
	json_t *j = blue(id, total, rate, quantity);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

/* j with the member at path ("a", "items.0.b") set to the JSON text value
 * ("-": removed), as text (malloc'd); j is taken. */
static char *mutate(json_t *j, const char *path, const char *value)
{
	char key[64], *dot, *s;
	json_t *where = j;

	snprintf(key, sizeof(key), "%s", path);
	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		where = json_is_array(where) ? json_array_get(where, (size_t)atoi(key))
		       : json_object_get(where, key);
		memmove(key, dot + 1, strlen(dot + 1) + 1);
	}
	if (!strcmp(value, "-")) {
		json_object_del(where, key);
	} else if (json_is_array(where)) {
		json_array_set_new(where, (size_t)atoi(key),
				   json_loads(value, JSON_DECODE_ANY, NULL));
	} else if (path[0]) {
		json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);

		assert_non_null(v);
		json_object_set_new(where, key, v);
	}
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* A signed POST of body to target; the answer must be status (and code
 * unless NULL) and signed; into *out when not NULL. */
static void expect(struct taxproc *t, const char *method, const char *target, const char *body,
		   long status, const char *code, struct taxproc_ans *out)
{
	struct taxproc_req q = { .method = method, .target = target, .body = body };
	struct taxproc_ans a;
	const char *got;

	assert_int_equal(taxproc_call(t, &q, &a), 0);
	got = json_string_value(json_object_get(a.j, "code"));
	if (a.status != status || (code && (!got || strcmp(got, code))))
		fail_msg("%s %s: %ld %s, expected %ld %s", method, target, a.status, a.body, status,
			 code ? code : "");
	if (!taxproc_signed(t, &a))
		fail_msg("%s %s: %ld %s: the answer is not signed", method, target, a.status,
			 a.body);
	if (out)
		*out = a;
	else
		taxproc_ans_free(&a);
}

/* Issue body (taken), which must succeed; the answer into *out. */
static void issue(struct taxproc *t, char *body, struct taxproc_ans *out)
{
	expect(t, "POST", "/v1/invoices", body, 200, NULL, out);
	free(body);
}

/* A member of the answer's invoice. */
static json_t *inv(const struct taxproc_ans *a, const char *name)
{
	return json_object_get(json_object_get(a->j, "invoice"), name);
}

static const char *inv_s(const struct taxproc_ans *a, const char *name)
{
	return json_string_value(inv(a, name)) ? json_string_value(inv(a, name)) : "";
}

static json_t *line(const struct taxproc_ans *a, size_t i, const char *name)
{
	return json_object_get(json_array_get(inv(a, "items"), i), name);
}

/* The count of refusals with code in /sim/state. */
static long refused(struct taxproc *t, const char *code)
{
	json_t *j = taxproc_sim(t, "GET", "/sim/state", NULL, NULL);
	long n;

	assert_non_null(j);
	n = (long)json_integer_value(json_object_get(json_object_get(j, "refused"), code));
	json_decref(j);
	return n;
}

/* How many invoices of kind the books hold. */
static long books(struct taxproc *t, const char *kind)
{
	json_t *j = taxproc_sim(t, "GET", "/sim/state", NULL, NULL);
	long n;

	assert_non_null(j);
	n = (long)json_integer_value(json_object_get(json_object_get(j, "invoices"), kind));
	json_decref(j);
	return n;
}

/* The two digits of the year on t's clock. */
static void year_digits(const struct taxproc *t, char out[12])
{
	struct tm tm;

	ca_cst_tm((ca_wall_ms() + t->offset_ms) / 1000, &tm);
	snprintf(out, 12, "%02d", (tm.tm_year + 1900) % 100);
}

/* Whether text is well-formed XML (python3's expat). */
static bool xml_well_formed(const char *text)
{
	FILE *p = popen("/usr/bin/python3 -c 'import sys, xml.dom.minidom;"
			" xml.dom.minidom.parseString(sys.stdin.buffer.read())' 2>/dev/null", "w");

	if (!p)
		return false;
	fputs(text, p);
	return pclose(p) == 0;
}

/* ---- setup ---- */

static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return taxproc_start(&tp);
}

static int group_teardown(void **state)
{
	(void)state;
	taxproc_cleanup(&tp);
	curl_global_cleanup();
	return 0;
}

/* ---- the tests ---- */

/* How a request of the refusal table is signed. */
enum how { SIGNED, NO_APP, OTHER_APP, NO_TIME, NO_NONCE, NO_SIG, SHORT_NONCE, UPPER, FLIP,
	   OTHER_SECRET, OLD, AHEAD };

/* One signed request per row of docs/taxsim.md's refusals. */
static void test_every_refusal_has_its_status_and_code(void **state)
{
	static const struct {
		enum how how;
		const char *target, *path, *value;  /* a blue request with path set to value */
		long status;
		const char *code;
	} rows[] = {
		{ NO_APP, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ OTHER_APP, "/v1/invoices", "", "", 401, "APP_ID_UNKNOWN" },
		{ NO_TIME, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ NO_NONCE, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ NO_SIG, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ SHORT_NONCE, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ UPPER, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ FLIP, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ OTHER_SECRET, "/v1/invoices", "", "", 401, "SIGNATURE_INVALID" },
		{ OLD, "/v1/invoices", "", "", 401, "TIMESTAMP_EXPIRED" },
		{ AHEAD, "/v1/invoices", "", "", 401, "TIMESTAMP_EXPIRED" },
		{ SIGNED, "/v1/invoices", "items", "[", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "colour", "\"blue\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "request_id", "-", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "request_id", "\"a b\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "request_id", "\"0123456789012345678901234567890123456789"
		  "01234567890123456789012345\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "seller_tax_id", "\"" BUYER_ID "\"", 403,
		  "SELLER_MISMATCH" },
		{ SIGNED, "/v1/invoices", "buyer_name", "\"\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "buyer_name", "\"江苏\\u0007公司\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "buyer_name", "\"一二三四五六七八九十一二三四五六七八九十"
		  "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
		  "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
		  "一\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "buyer_tax_id", "-", 400, "BUYER_TAX_ID_INVALID" },
		{ SIGNED, "/v1/invoices", "buyer_tax_id", "\"91350100M000100Y44\"", 400,
		  "BUYER_TAX_ID_INVALID" },
		{ SIGNED, "/v1/invoices", "items", "[]", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items", "[1, 2, 3, 4, 5]", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.name", "\"CA数字证书服务费\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.name", "\"**证书\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.name", "\"*信息技术服务*\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.spec", "\"一二三四五六七八九十一二三四五六七八九十"
		  "一二三四五六七八九十一二三四五六七八九十一\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.unit", "\"一二三四五六七八九十一\"", 400,
		  "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.quantity", "0", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.quantity", "1000001", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.quantity", "1.5", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.total_fen", "0", 400, "AMOUNT_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.total_fen", "-100", 400, "AMOUNT_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.total_fen", "10000000000", 400,
		  "AMOUNT_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.total_fen", "\"100\"", 400, "AMOUNT_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.tax_rate", "2", 400, "TAX_RATE_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.tax_rate", "17", 400, "TAX_RATE_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.tax_rate", "\"6\"", 400, "TAX_RATE_INVALID" },
		{ SIGNED, "/v1/invoices", "items.0.price", "1", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "remarks", "-", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "issuer", "\"\"", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices", "issuer", "\"一二三四五六七八九十一二三四五六七八九十一\"",
		  400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices/2632200000000000000X/red", "", "", 400, "PARAM_INVALID" },
		{ SIGNED, "/v1/invoices/26322000000099999999/red", "", "", 404,
		  "INVOICE_NOT_FOUND" },
		{ SIGNED, "/v1/invoices/26322000000099999999", "", "", 404, "INVOICE_NOT_FOUND" },
		{ SIGNED, "/v1/invoice", "", "", 404, "NO_ENDPOINT" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct taxproc_req q = { .method = "POST", .target = rows[i].target };
		struct taxproc_ans a;
		long before = refused(&tp, rows[i].code);
		char id[40], *body;
		const char *got;

		new_id(id, "refuse");
		if (strstr(rows[i].target, "/red"))
			body = strdup("{\"request_id\": \"r-x\", \"reason\": \"退款\"}");
		else
			body = mutate(blue(id, 60000, 6, 1), strcmp(rows[i].value, "[")
				      ? rows[i].path : "", rows[i].value);
		if (!strcmp(rows[i].value, "["))
			body[strlen(body) - 1] = '\0'; /* not JSON */
		q.body = body;
		if (!strncmp(rows[i].target, "/v1/invoices/", 13) &&
		    !strstr(rows[i].target, "/red"))
			q.method = "GET", q.body = NULL;
		q.omit = rows[i].how == NO_APP ? TAXPROC_NO_APP : rows[i].how == NO_TIME
			 ? TAXPROC_NO_TIME : rows[i].how == NO_NONCE ? TAXPROC_NO_NONCE
			 : rows[i].how == NO_SIG ? TAXPROC_NO_SIG : 0;
		q.app_id = rows[i].how == OTHER_APP ? "tax_app_02" : NULL;
		q.nonce = rows[i].how == SHORT_NONCE ? "0123456789abcde" : NULL;
		q.upper = rows[i].how == UPPER;
		q.flip = rows[i].how == FLIP;
		q.secret = rows[i].how == OTHER_SECRET ? "another-app-secret-0123456789" : NULL;
		q.skew_s = rows[i].how == OLD ? -301 : rows[i].how == AHEAD ? 301 : 0;
		assert_int_equal(taxproc_call(&tp, &q, &a), 0);
		got = json_string_value(json_object_get(a.j, "code"));
		if (a.status != rows[i].status || !got || strcmp(got, rows[i].code))
			fail_msg("row %zu: %ld %s, expected %ld %s", i, a.status, a.body,
				 rows[i].status, rows[i].code);
		/* Signed, but for a request that names no app of the platform's. */
		if (taxproc_signed(&tp, &a) != (rows[i].how != NO_APP && rows[i].how != OTHER_APP))
			fail_msg("row %zu: signed %d", i, !taxproc_signed(&tp, &a));
		assert_int_equal(refused(&tp, rows[i].code), before + 1);
		taxproc_ans_free(&a);
		free(body);
	}
}

/* The ends of the ranges are taken: 100 characters of name, 4 lines, a
 * line's and an invoice's largest total, quantity 1000000, a time 299 s
 * off either way, every rate, empty spec, unit and remarks. */
static void test_the_ends_of_the_ranges_are_taken(void **state)
{
	static const int rates[] = { 0, 1, 3, 5, 6, 9, 13 };
	struct taxproc_req q = { .method = "POST", .target = "/v1/invoices" };
	struct taxproc_ans a;
	char id[40], name[400] = "", *body;
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		strcat(name, "苏");
	new_id(id, "ends");
	body = mutate(blue(id, 9999999999LL, 6, 1000000), "buyer_name", "\"\"");
	{
		json_t *j = json_loads(body, 0, NULL);

		free(body);
		json_object_set_new(j, "buyer_name", json_string(name));
		json_object_set_new(json_array_get(json_object_get(j, "items"), 0), "spec",
				    json_string(""));
		json_object_set_new(json_array_get(json_object_get(j, "items"), 0), "unit",
				    json_string(""));
		json_object_set_new(j, "remarks", json_string(""));
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	issue(&tp, body, &a);
	assert_string_equal(inv_s(&a, "buyer_name"), name);
	assert_int_equal(json_integer_value(inv(&a, "total_fen")), 9999999999LL);
	taxproc_ans_free(&a);
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		new_id(id, "rate");
		issue(&tp, blue_text(id, 10000, rates[i], 1), &a);
		assert_int_equal(json_integer_value(line(&a, 0, "tax_rate")), rates[i]);
		taxproc_ans_free(&a);
	}
	new_id(id, "four");
	{
		json_t *j = blue(id, 2499999999LL, 13, 1), *it = json_array_get(json_object_get(j,
									"items"), 0);

		for (i = 0; i < 3; i++)
			json_array_append_new(json_object_get(j, "items"), json_deep_copy(it));
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		issue(&tp, body, &a);
		assert_int_equal(json_array_size(inv(&a, "items")), 4);
		assert_int_equal(json_integer_value(inv(&a, "total_fen")), 4 * 2499999999LL);
		taxproc_ans_free(&a);
	}
	for (i = 0; i < 2; i++) {
		new_id(id, "skew");
		body = blue_text(id, 100, 6, 1);
		q.body = body;
		q.skew_s = i ? 299 : -299;
		assert_int_equal(taxproc_call(&tp, &q, &a), 0);
		assert_int_equal(a.status, 200);
		taxproc_ans_free(&a);
		free(body);
	}
}

/* A nonce is taken once; a refused request does not spend its nonce. */
static void test_a_replayed_nonce_is_refused(void **state)
{
	struct taxproc_req q = { .method = "GET", .target = "/v1/invoices/26322000000099999998",
				 .nonce = "replay0123456789abcdef", .flip = true };
	struct taxproc_ans a;

	(void)state;
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 401); /* a bad signature: the nonce is not remembered */
	taxproc_ans_free(&a);
	q.flip = false;
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 404);
	assert_true(taxproc_signed(&tp, &a));
	taxproc_ans_free(&a);
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 401);
	assert_string_equal(json_string_value(json_object_get(a.j, "code")), "NONCE_REPLAYED");
	assert_true(taxproc_signed(&tp, &a));
	taxproc_ans_free(&a);
}

/* The tax of a line and its unit price as worked out by hand with the
 * stated rule (docs/taxsim.md), and the amount in capitals. */
static void test_tax_and_price_by_hand(void **state)
{
	static const struct {
		long long total;
		int rate, quantity;
		long long amount, tax;
		const char *price, *upper;
	} rows[] = {
		/* 600.00 at 6 %: 56603.77 -> 56604. */
		{ 60000, 6, 1, 56604, 3396, "566.04", "陆佰圆整" },
		/* 1800.00 for 3: 169811.32 -> 169811; 566.036666|67 up. */
		{ 180000, 6, 3, 169811, 10189, "566.03666667", "壹仟捌佰圆整" },
		/* 100.00 at 6 %: 9433.96 -> 9434 (a truncation would say 9433). */
		{ 10000, 6, 1, 9434, 566, "94.34", "壹佰圆整" },
		/* 1.00 at 13 %: 88.4956 -> 88. */
		{ 100, 13, 1, 88, 12, "0.88", "壹圆整" },
		/* 0.01 at 13 % for 128: 0.885 -> 1 fen; 0.000078125 -> 0.00007813 (half up). */
		{ 1, 13, 128, 1, 0, "0.00007813", "壹分" },
		/* 0.05 at 13 %: 4.4248 -> 4. */
		{ 5, 13, 1, 4, 1, "0.04", "伍分" },
		/* 100.50 at 0 %: no tax. */
		{ 10050, 0, 1, 10050, 0, "100.5", "壹佰圆伍角整" },
		/* 0.10 at 3 % for 3: 9.7087 -> 10; 0.0333333|33. */
		{ 10, 3, 3, 10, 0, "0.03333333", "壹角整" },
		/* 0.02 at 5 % for 3: 1.905 -> 2; 0.0066666|67 up. */
		{ 2, 5, 3, 2, 0, "0.00666667", "贰分" },
		/* 10001.00 at 9 %: 917522.94 -> 917523. */
		{ 1000100, 9, 1, 917523, 82577, "9175.23", "壹万零壹圆整" },
		/* 1000.05 at 1 %: 99014.85 -> 99015. */
		{ 100005, 1, 1, 99015, 990, "990.15", "壹仟圆零伍分" },
		/* 99999999.99 at 13 %: 8849557521.24 -> 8849557521. */
		{ 9999999999LL, 13, 1, 8849557521, 1150442478, "88495575.21",
		  "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分" },
		/* 1010.00 at 5 %. */
		{ 101000, 5, 2, 96190, 4810, "480.95", "壹仟零壹拾圆整" },
	};
	struct taxproc_ans a;
	char id[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		new_id(id, "tax");
		issue(&tp, blue_text(id, rows[i].total, rows[i].rate, rows[i].quantity), &a);
		if (json_integer_value(line(&a, 0, "amount_fen")) != rows[i].amount ||
		    json_integer_value(line(&a, 0, "tax_fen")) != rows[i].tax ||
		    strcmp(json_string_value(line(&a, 0, "unit_price")), rows[i].price) ||
		    strcmp(inv_s(&a, "total_in_words"), rows[i].upper))
			fail_msg("row %zu: %lld at %d%% for %d: %s", i, rows[i].total, rows[i].rate,
				 rows[i].quantity, json_dumps(inv(&a, "items"), 0));
		assert_int_equal(json_integer_value(inv(&a, "amount_fen")), rows[i].amount);
		assert_int_equal(json_integer_value(inv(&a, "tax_fen")), rows[i].tax);
		assert_int_equal(json_integer_value(inv(&a, "total_fen")), rows[i].total);
		taxproc_ans_free(&a);
	}
}

/* Two lines: each rounded on its own, the totals their sums; the JSON
 * carries every field of struct einvoice; the XML is well-formed, escapes
 * what must be, and says the same. */
static void test_invoice_json_and_xml(void **state)
{
	static const char *const in_xml[] = {
		"<InvoiceKind>blue</InvoiceKind>",
		"<Name>苏州A&amp;B&lt;科技&gt;&quot;有限&apos;公司</Name>",
		"<TaxId>" BUYER_ID "</TaxId>",
		"<Name>" TAXPROC_SELLER "</Name>",
		"<Item Line=\"2\">",
		"<UnitPrice>566.03666667</UnitPrice>",
		"<Amount>1698.11</Amount>",
		"<TaxRate>0.06</TaxRate>",
		"<Tax>101.89</Tax>",
		"<TaxRate>0.13</TaxRate>",
		"<TotalAmount>1786.61</TotalAmount>",
		"<TotalTax>113.39</TotalTax>",
		"<TotalWithTax>1900.00</TotalWithTax>",
		"<TotalWithTaxInWords>壹仟玖佰圆整</TotalWithTaxInWords>",
		"<Remarks>订单 CA20261204</Remarks>",
		"<Issuer>张三</Issuer>",
		NULL,
	};
	json_t *j, *it;
	struct taxproc_ans a;
	const char *xml;
	char id[40], tag[64], yy[12];
	size_t i;

	(void)state;
	new_id(id, "xml");
	j = blue(id, 10000, 13, 1);
	it = json_array_get(json_object_get(j, "items"), 0);
	json_array_insert_new(json_object_get(j, "items"), 0, json_pack("{s:s, s:s, s:s, s:i, s:i,"
			      " s:i}", "name", ITEM, "spec", "机构证书", "unit", "个", "quantity", 3,
			      "total_fen", 180000, "tax_rate", 6));
	(void)it;
	json_object_set_new(j, "buyer_name", json_string("苏州A&B<科技>\"有限'公司"));
	issue(&tp, json_dumps(j, JSON_COMPACT), &a);
	json_decref(j);
	/* Every field of struct einvoice. */
	assert_string_equal(inv_s(&a, "kind"), "blue");
	assert_string_equal(inv_s(&a, "original"), "");
	assert_string_equal(inv_s(&a, "request_id"), id);
	assert_int_equal(strlen(inv_s(&a, "number")), 20);
	year_digits(&tp, yy);
	assert_memory_equal(inv_s(&a, "number"), yy, 2);
	assert_memory_equal(inv_s(&a, "number") + 2, "322", 3);
	assert_int_equal(strlen(inv_s(&a, "issued_at")), 25);
	assert_non_null(strstr(inv_s(&a, "issued_at"), "+08:00"));
	assert_string_equal(inv_s(&a, "buyer_tax_id"), BUYER_ID);
	assert_string_equal(inv_s(&a, "seller_name"), TAXPROC_SELLER);
	assert_string_equal(inv_s(&a, "seller_tax_id"), TAXPROC_SELLER_ID);
	assert_string_equal(json_string_value(line(&a, 0, "name")), ITEM);
	assert_string_equal(json_string_value(line(&a, 0, "spec")), "机构证书");
	assert_string_equal(json_string_value(line(&a, 0, "unit")), "个");
	assert_int_equal(json_integer_value(line(&a, 0, "quantity")), 3);
	assert_int_equal(json_integer_value(line(&a, 1, "amount_fen")), 8850);
	assert_int_equal(json_integer_value(line(&a, 1, "tax_fen")), 1150);
	assert_int_equal(json_integer_value(inv(&a, "amount_fen")), 169811 + 8850);
	assert_int_equal(json_integer_value(inv(&a, "tax_fen")), 10189 + 1150);
	assert_int_equal(json_integer_value(inv(&a, "total_fen")), 190000);
	assert_string_equal(inv_s(&a, "issuer"), "张三");
	xml = json_string_value(json_object_get(a.j, "xml"));
	assert_non_null(xml);
	assert_true(xml_well_formed(xml));
	assert_true(!strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EInvoice "
			     "xmlns=\"urn:ca-kiosk:taxsim:einvoice:1\">", 79));
	snprintf(tag, sizeof(tag), "<InvoiceNumber>%s</InvoiceNumber>", inv_s(&a, "number"));
	assert_non_null(strstr(xml, tag));
	assert_null(strstr(xml, "OriginalNumber"));
	for (i = 0; in_xml[i]; i++)
		if (!strstr(xml, in_xml[i]))
			fail_msg("no %s in:\n%s", in_xml[i], xml);
	taxproc_ans_free(&a);
}

/* Concurrent issues of one request. */
struct racer {
	const char *body;
	char number[24];
	long status;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct taxproc_req q = { .method = "POST", .target = "/v1/invoices", .body = r->body };
	struct taxproc_ans a;

	if (!taxproc_call(&tp, &q, &a)) {
		r->status = a.status;
		snprintf(r->number, sizeof(r->number), "%s", inv_s(&a, "number"));
	}
	taxproc_ans_free(&a);
	return NULL;
}

/* The same request id and content: the same invoice, byte for byte, also
 * with its members in another order and six at once; other content: 409;
 * a refused request leaves nothing: its id can then be used. */
static void test_the_same_request_is_the_same_invoice(void **state)
{
	struct taxproc_ans a, b;
	struct racer r[6];
	pthread_t th[6];
	long blues = books(&tp, "blue");
	char id[40], *body;
	json_t *j;
	size_t i;

	(void)state;
	new_id(id, "same");
	body = blue_text(id, 60000, 6, 1);
	expect(&tp, "POST", "/v1/invoices", body, 200, NULL, &a);
	expect(&tp, "POST", "/v1/invoices", body, 200, NULL, &b);
	assert_string_equal(a.body, b.body);
	taxproc_ans_free(&b);
	/* The members in another order, spaces between them: the same content. */
	j = json_loads(body, 0, NULL);
	free(body);
	body = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
	expect(&tp, "POST", "/v1/invoices", body, 200, NULL, &b);
	assert_string_equal(a.body, b.body);
	taxproc_ans_free(&b);
	free(body);
	/* GET answers it too. */
	{
		char target[64];

		snprintf(target, sizeof(target), "/v1/invoices/%s", inv_s(&a, "number"));
		expect(&tp, "GET", target, NULL, 200, NULL, &b);
		assert_string_equal(a.body, b.body);
		taxproc_ans_free(&b);
	}
	/* Other content under the same id. */
	json_object_set_new(j, "remarks", json_string("另一个备注"));
	body = json_dumps(j, JSON_COMPACT);
	expect(&tp, "POST", "/v1/invoices", body, 409, "REQUEST_CONFLICT", NULL);
	free(body);
	json_decref(j);
	assert_int_equal(books(&tp, "blue"), blues + 1);
	taxproc_ans_free(&a);

	/* Refused (a bad rate): nothing booked, the id still free. */
	new_id(id, "free");
	expect(&tp, "POST", "/v1/invoices", body = blue_text(id, 100, 7, 1),
	       400, "TAX_RATE_INVALID", NULL);
	free(body);
	issue(&tp, blue_text(id, 100, 6, 1), &a);
	taxproc_ans_free(&a);
	assert_int_equal(books(&tp, "blue"), blues + 2);

	/* Six at once: one invoice. */
	new_id(id, "race");
	body = blue_text(id, 30000, 6, 1);
	for (i = 0; i < 6; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].body = body;
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 6; i++) {
		assert_int_equal(r[i].status, 200);
		assert_string_equal(r[i].number, r[0].number);
	}
	free(body);
	assert_int_equal(books(&tp, "blue"), blues + 3);
}

/* A red invoice reverses a blue one in full, once. */
static void test_red_rules(void **state)
{
	struct taxproc_ans a, r, b;
	char id[40], rid[40], target[80], body[200], want[200], num[24], red[24];
	json_t *books_of;
	const char *xml;

	(void)state;
	new_id(id, "blue");
	issue(&tp, blue_text(id, 180000, 6, 3), &a);
	snprintf(num, sizeof(num), "%s", inv_s(&a, "number"));
	new_id(rid, "red");
	snprintf(target, sizeof(target), "/v1/invoices/%s/red", num);
	snprintf(body, sizeof(body), "{\"request_id\": \"%s\", \"reason\": \"申请退款\"}", rid);
	expect(&tp, "POST", target, body, 200, NULL, &r);
	snprintf(red, sizeof(red), "%s", inv_s(&r, "number"));
	assert_string_equal(inv_s(&r, "kind"), "red");
	assert_string_equal(inv_s(&r, "original"), num);
	assert_string_equal(inv_s(&r, "request_id"), rid);
	assert_int_equal(strlen(red), 20);
	assert_string_not_equal(red, num);
	assert_memory_equal(red, num, 5);
	assert_true(strtoll(red + 5, NULL, 10) > strtoll(num + 5, NULL, 10));
	assert_int_equal(json_integer_value(line(&r, 0, "quantity")), -3);
	assert_int_equal(json_integer_value(line(&r, 0, "amount_fen")), -169811);
	assert_int_equal(json_integer_value(line(&r, 0, "tax_fen")), -10189);
	assert_string_equal(json_string_value(line(&r, 0, "unit_price")), "566.03666667");
	assert_int_equal(json_integer_value(inv(&r, "amount_fen")), -169811);
	assert_int_equal(json_integer_value(inv(&r, "tax_fen")), -10189);
	assert_int_equal(json_integer_value(inv(&r, "total_fen")), -180000);
	assert_string_equal(inv_s(&r, "total_in_words"), "负壹仟捌佰圆整");
	assert_string_equal(inv_s(&r, "buyer_name"), inv_s(&a, "buyer_name"));
	assert_string_equal(inv_s(&r, "issuer"), "张三");
	snprintf(want, sizeof(want), "被红冲蓝字数电发票号码：%s，红冲原因：申请退款", num);
	assert_string_equal(inv_s(&r, "remarks"), want);
	xml = json_string_value(json_object_get(r.j, "xml"));
	assert_true(xml_well_formed(xml));
	snprintf(want, sizeof(want), "<OriginalNumber>%s</OriginalNumber>", num);
	assert_non_null(strstr(xml, want));
	assert_non_null(strstr(xml, "<Quantity>-3</Quantity>"));
	assert_non_null(strstr(xml, "<TotalWithTax>-1800.00</TotalWithTax>"));

	/* The same reversal again: the same red invoice. */
	expect(&tp, "POST", target, body, 200, NULL, &b);
	assert_string_equal(b.body, r.body);
	taxproc_ans_free(&b);
	/* Another reversal of it: refused. */
	new_id(rid, "red2");
	snprintf(body, sizeof(body), "{\"request_id\": \"%s\", \"reason\": \"再次退款\"}", rid);
	expect(&tp, "POST", target, body, 403, "ALREADY_REVERSED", NULL);
	/* A red invoice cannot be reversed. */
	snprintf(target, sizeof(target), "/v1/invoices/%s/red", red);
	expect(&tp, "POST", target, body, 403, "NOT_REVERSIBLE", NULL);
	/* The red's request id for another blue one: other content. */
	{
		struct taxproc_ans c;

		new_id(id, "blue2");
		issue(&tp, blue_text(id, 100, 6, 1), &c);
		snprintf(target, sizeof(target), "/v1/invoices/%s/red", inv_s(&c, "number"));
		snprintf(body, sizeof(body), "{\"request_id\": \"%s\", \"reason\": \"申请退款\"}",
			 inv_s(&r, "request_id"));
		expect(&tp, "POST", target, body, 409, "REQUEST_CONFLICT", NULL);
		/* A blue request's id for a reversal: other content too. */
		snprintf(body, sizeof(body), "{\"request_id\": \"%s\", \"reason\": \"x\"}", id);
		expect(&tp, "POST", target, body, 409, "REQUEST_CONFLICT", NULL);
		snprintf(body, sizeof(body), "{\"request_id\": \"%s-r\", \"reason\": \"\"}", id);
		expect(&tp, "POST", target, body, 400, "PARAM_INVALID", NULL);
		taxproc_ans_free(&c);
	}
	/* The books say who reversed whom. */
	snprintf(target, sizeof(target), "/sim/invoices/%s", num);
	books_of = taxproc_sim(&tp, "GET", target, NULL, NULL);
	assert_non_null(books_of);
	assert_string_equal(json_string_value(json_object_get(books_of, "reversed_by")), red);
	assert_string_equal(json_string_value(json_object_get(books_of, "kind")), "blue");
	assert_string_equal(json_string_value(json_object_get(json_object_get(books_of, "request"),
							      "request_id")), id[0] ? inv_s(&a,
							      "request_id") : "");
	json_decref(books_of);
	taxproc_ans_free(&a);
	taxproc_ans_free(&r);
}

/* A GET while an answer is held. */
static void *quick_get(void *arg)
{
	struct taxproc_req q = { .method = "GET", .target = "/v1/invoices/26322000000099999997" };
	struct taxproc_ans a;
	int64_t t0 = ca_mono_ms();

	ca_sleep_ms(100);
	t0 = ca_mono_ms();
	if (!taxproc_call(&tp, &q, &a) && a.status == 404)
		*(int64_t *)arg = ca_mono_ms() - t0;
	taxproc_ans_free(&a);
	return NULL;
}

/* /sim/fault: fail (500, nothing issued), a held answer (no other client
 * held), a wrong signature, none, a stale one (the invoice issued each
 * time, the same again when asked again); bad faults refused. */
static void test_injected_faults(void **state)
{
	struct taxproc_req q = { .method = "POST", .target = "/v1/invoices" };
	struct taxproc_ans a, b;
	long blues = books(&tp, "blue");
	char id[40], *body;
	json_t *j;
	long st;

	(void)state;
	j = taxproc_sim(&tp, "POST", "/sim/fault", "{\"fail\": 1}", NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "fail")), 1);
	json_decref(j);
	new_id(id, "fault");
	q.body = body = blue_text(id, 100, 6, 1);
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 500);
	assert_string_equal(json_string_value(json_object_get(a.j, "code")), "SYSTEM_ERROR");
	assert_true(taxproc_signed(&tp, &a));
	taxproc_ans_free(&a);
	assert_int_equal(books(&tp, "blue"), blues);

	/* Each spoiled answer: an invoice issued; the same again, signed. */
	{
		static const char *const faults[] = { "{\"bad_signature\": 1}", "{\"unsigned\": 1}",
						      "{\"stale\": 1}" };
		size_t i;

		for (i = 0; i < 3; i++) {
			j = taxproc_sim(&tp, "POST", "/sim/fault", faults[i], NULL);
			json_decref(j);
			assert_int_equal(taxproc_call(&tp, &q, &a), 0);
			assert_int_equal(a.status, 200);
			assert_false(taxproc_signed(&tp, &a));
			if (i == 1)
				assert_string_equal(a.sig, "");
			if (i == 2)
				assert_true(atoll(a.ts) <
					    (ca_wall_ms() + tp.offset_ms) / 1000 - 590);
			expect(&tp, "POST", "/v1/invoices", body, 200, NULL, &b);
			assert_string_equal(a.body, b.body);
			taxproc_ans_free(&a);
			taxproc_ans_free(&b);
			assert_int_equal(books(&tp, "blue"), blues + 1);
		}
	}
	free(body);

	/* A held answer holds nobody else; it comes after hang_ms. */
	{
		pthread_t th;
		int64_t other = -1, t0;

		j = taxproc_sim(&tp, "POST", "/sim/fault", "{\"hang\": 1, \"hang_ms\": 600}", NULL);
		json_decref(j);
		new_id(id, "held");
		q.body = body = blue_text(id, 100, 6, 1);
		assert_int_equal(pthread_create(&th, NULL, quick_get, &other), 0);
		t0 = ca_mono_ms();
		assert_int_equal(taxproc_call(&tp, &q, &a), 0);
		assert_true(ca_mono_ms() - t0 >= 550);
		pthread_join(th, NULL);
		assert_true(other >= 0 && other < 400);
		assert_int_equal(a.status, 200);
		assert_true(taxproc_signed(&tp, &a));
		taxproc_ans_free(&a);
		free(body);
	}
	/* Faults apply to reversals too. */
	{
		char target[80], rb[120];

		new_id(id, "redfault");
		issue(&tp, blue_text(id, 100, 6, 1), &b);
		snprintf(target, sizeof(target), "/v1/invoices/%s/red", inv_s(&b, "number"));
		snprintf(rb, sizeof(rb), "{\"request_id\": \"%s-r\", \"reason\": \"退款\"}", id);
		json_decref(taxproc_sim(&tp, "POST", "/sim/fault", "{\"fail\": 1}", NULL));
		expect(&tp, "POST", target, rb, 500, "SYSTEM_ERROR", NULL);
		expect(&tp, "POST", target, rb, 200, NULL, NULL);
		taxproc_ans_free(&b);
	}
	/* Bad faults: refused, nothing changed. */
	assert_null(taxproc_sim(&tp, "POST", "/sim/fault", "{\"fail\": 101}", &st));
	assert_int_equal(st, 400);
	assert_null(taxproc_sim(&tp, "POST", "/sim/fault", "{\"hang_ms\": 60001}", &st));
	assert_int_equal(st, 400);
	assert_null(taxproc_sim(&tp, "POST", "/sim/fault", "{\"drop\": 1}", &st));
	assert_int_equal(st, 400);
	j = taxproc_sim(&tp, "GET", "/sim/state", NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "faults"), "fail")),
			 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "faults"),
							    "hang_ms")), 600);
	json_decref(j);
}

/* Body, target and head limits on the shared platform. */
static void test_body_and_target_limits(void **state)
{
	struct taxproc_req q = { .method = "POST", .target = "/v1/invoices" };
	struct taxproc_ans a;
	char *body = malloc(65536 + 2), *target = malloc(40000);

	(void)state;
	memset(body, ' ', 65536);
	memcpy(body, "{\"a\":1}", 7);
	body[65536] = '\0';
	q.body = body;
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 400); /* read and checked: an unknown member */
	assert_non_null(strstr(a.body, "unknown member"));
	taxproc_ans_free(&a);
	body[65536] = ' ';
	body[65537] = '\0';
	q.expect = true; /* refused from its head: the body is never sent */
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 413);
	assert_string_equal(json_string_value(json_object_get(a.j, "code")), "BODY_TOO_LARGE");
	assert_true(taxproc_signed(&tp, &a));
	taxproc_ans_free(&a);
	q.expect = false;
	strcpy(target, "/v1/invoices/");
	memset(target + 13, '1', 1011);
	target[1024] = '\0';
	q.method = "GET";
	q.body = NULL;
	q.target = target;
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	if (a.status != 400)
		fail_msg("%ld %s", a.status, a.body);
	taxproc_ans_free(&a);
	strcat(target, "1");
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_int_equal(a.status, 414);
	assert_string_equal(json_string_value(json_object_get(a.j, "code")), "TARGET_TOO_LONG");
	taxproc_ans_free(&a);
	memset(target + 13, '1', 39000);
	target[39013] = '\0';
	assert_int_equal(taxproc_call(&tp, &q, &a), 0);
	assert_true(a.status == 414 || a.status == 431); /* libmicrohttpd's own */
	taxproc_ans_free(&a);
	free(target);
	free(body);
}

/* A TCP connection to t's port, or -1. */
static int tcp_connect(const struct taxproc *t)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t->port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static size_t drop(char *d, size_t size, size_t n, void *u)
{
	(void)d;
	(void)u;
	return size * n;
}

/* GET /sim/state of t within ms: its status, 0 when none came. */
static long probe(const struct taxproc *t, long ms)
{
	CURL *c = curl_easy_init();
	char url[96];
	long st = 0;

	snprintf(url, sizeof(url), "%s/sim/state", t->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, t->cacert);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	return st;
}

/* The limits on a platform of their own: the nonce cache (4), the books
 * (2), the connections (3), an idle connection (1 s), a clock file that
 * holds no number. */
static void test_limits(void **state)
{
	static const char *const extra[] = { "--nonce-cache", "4", "--max-invoices", "2",
					     "--max-connections", "3", "--idle-timeout", "1",
					     NULL };
	struct taxproc t;
	struct taxproc_ans a;
	char ids[3][40], *bodies[3], target[80], rb[120];
	int i, fds[3];

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(taxproc_start(&t), 0);
	assert_int_equal(taxproc_stop(&t), 0);
	memcpy(t.extra, extra, sizeof(extra));
	assert_int_equal(taxproc_launch(&t), 0);

	/* Books: 2 invoices, the third refused; a repeat still answered. */
	for (i = 0; i < 3; i++) {
		new_id(ids[i], "full");
		bodies[i] = blue_text(ids[i], 100, 6, 1);
		expect(&t, "POST", "/v1/invoices", bodies[i], i < 2 ? 200 : 403,
		       i < 2 ? NULL : "BOOKS_FULL", i ? NULL : &a);
	}
	expect(&t, "POST", "/v1/invoices", bodies[0], 200, NULL, NULL);
	snprintf(target, sizeof(target), "/v1/invoices/%s/red", inv_s(&a, "number"));
	snprintf(rb, sizeof(rb), "{\"request_id\": \"%s-r\", \"reason\": \"退款\"}", ids[0]);
	taxproc_ans_free(&a);
	/* That made 4 nonces: the cache is full, the fifth request refused. */
	{
		struct taxproc_req q = { .method = "POST", .target = target, .body = rb };

		assert_int_equal(taxproc_call(&t, &q, &a), 0);
		assert_int_equal(a.status, 429);
		assert_string_equal(json_string_value(json_object_get(a.j, "code")),
				    "NONCE_CACHE_FULL");
		taxproc_ans_free(&a);
	}
	/* Five minutes on, the nonces are forgotten; a reversal is one invoice
	 * too many for the books. */
	assert_int_equal(taxproc_clock(&t, 300000), 0);
	expect(&t, "POST", target, rb, 403, "BOOKS_FULL", NULL);
	for (i = 0; i < 3; i++)
		free(bodies[i]);

	/* Connections: 3 held open, a fourth client is not served; then it is. */
	for (i = 0; i < 3; i++)
		assert_true((fds[i] = tcp_connect(&t)) >= 0);
	ca_sleep_ms(100);
	assert_int_equal(probe(&t, 500), 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	ca_sleep_ms(100);
	assert_int_equal(probe(&t, 2000), 200);

	/* An idle connection is closed after about a second. */
	{
		int fd = tcp_connect(&t);
		int64_t t0 = ca_mono_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;

		assert_true(fd >= 0);
		while (poll(&p, 1, 4000) == 1 && read(fd, &c, 1) == 1)
			;
		assert_true(ca_mono_ms() - t0 >= 900 && ca_mono_ms() - t0 < 3500);
		close(fd);
	}

	/* A clock file that holds no number: the last offset stays, said once. */
	assert_int_equal(tmpdir_put(t.clock, "soon\n"), 0);
	{
		struct taxproc_ans b;
		json_t *j = NULL;

		memset(&b, 0, sizeof(b));
		(void)j;
		expect(&t, "GET", "/v1/invoices/26322000000099999996", NULL, 404, NULL, &b);
		assert_true(atoll(b.ts) >= (ca_wall_ms() + 290000) / 1000);
		taxproc_ans_free(&b);
	}
	assert_true(taxproc_log_has(&t, "holds no offset"));
	taxproc_cleanup(&t);
}

/* A platform of its own: its province and channel in every number, the
 * sequence per year (China time), red invoices from the same sequence;
 * SIGTERM and kill -9 keep the books and the sequence; a second platform
 * on the directory is refused. */
static void test_numbers_and_restarts(void **state)
{
	static const char *const extra[] = { "--province", "44", "--channel", "7", NULL };
	struct taxproc t;
	struct taxproc_ans a;
	char id[40], first_id[40], yy[12], want[40], target[80], rb[120], *first;
	struct tm tm;
	time_t next;
	int64_t now_s;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(taxproc_start(&t), 0);
	assert_int_equal(taxproc_stop(&t), 0);
	memcpy(t.extra, extra, sizeof(extra));
	assert_int_equal(taxproc_launch(&t), 0);
	year_digits(&t, yy);
	new_id(first_id, "num");
	first = blue_text(first_id, 100, 6, 1);
	expect(&t, "POST", "/v1/invoices", first, 200, NULL, &a);
	snprintf(want, sizeof(want), "%s447000000000000001", yy);
	assert_string_equal(inv_s(&a, "number"), want);
	snprintf(target, sizeof(target), "/v1/invoices/%s/red", want);
	snprintf(rb, sizeof(rb), "{\"request_id\": \"%s-r\", \"reason\": \"退款\"}", first_id);
	taxproc_ans_free(&a);
	expect(&t, "POST", target, rb, 200, NULL, &a);
	snprintf(want, sizeof(want), "%s447000000000000002", yy);
	assert_string_equal(inv_s(&a, "number"), want);
	taxproc_ans_free(&a);

	/* SIGTERM: exit 0; the books and the sequence kept. */
	assert_int_equal(taxproc_stop(&t), 0);
	assert_true(taxproc_log_has(&t, "stopped"));
	assert_int_equal(taxproc_launch(&t), 0);
	expect(&t, "POST", "/v1/invoices", first, 200, NULL, &a);
	snprintf(want, sizeof(want), "%s447000000000000001", yy);
	assert_string_equal(inv_s(&a, "number"), want);
	taxproc_ans_free(&a);
	new_id(id, "num");
	issue(&t, blue_text(id, 100, 6, 1), &a);
	snprintf(want, sizeof(want), "%s447000000000000003", yy);
	assert_string_equal(inv_s(&a, "number"), want);
	taxproc_ans_free(&a);

	/* kill -9: what was answered is in the books. */
	taxproc_kill(&t);
	assert_int_equal(taxproc_launch(&t), 0);
	new_id(id, "num");
	issue(&t, blue_text(id, 100, 6, 1), &a);
	snprintf(want, sizeof(want), "%s447000000000000004", yy);
	assert_string_equal(inv_s(&a, "number"), want);
	taxproc_ans_free(&a);

	/* A second platform on the directory: exit 1, saying so. */
	{
		struct taxproc two = t;

		two.pid = 0;
		assert_int_equal(taxproc_launch(&two), -1);
		assert_int_equal(two.exit_status, 1);
		assert_true(taxproc_log_has(&t, "another ca-taxsim serves this directory"));
	}

	/* New Year's Day, 00:00:05 China time: the year's own sequence. */
	now_s = (ca_wall_ms() + t.offset_ms) / 1000;
	ca_cst_tm(now_s, &tm);
	tm.tm_year += 1;
	tm.tm_mon = 0;
	tm.tm_mday = 1;
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 5;
	next = timegm(&tm) - 8 * 3600;
	assert_int_equal(taxproc_clock(&t, ((int64_t)next - now_s) * 1000 + t.offset_ms), 0);
	year_digits(&t, yy);
	new_id(id, "newyear");
	issue(&t, blue_text(id, 100, 6, 1), &a);
	snprintf(want, sizeof(want), "%s447000000000000001", yy);
	assert_string_equal(inv_s(&a, "number"), want);
	assert_non_null(strstr(inv_s(&a, "issued_at"), "-01-01T00:00:"));
	taxproc_ans_free(&a);
	{
		json_t *j = taxproc_sim(&t, "GET", "/sim/state", NULL, NULL);

		assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "sequences"),
								    yy)), 1);
		assert_int_equal(json_object_size(json_object_get(j, "sequences")), 2);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "invoices"),
								    "red")), 1);
		json_decref(j);
	}
	free(first);
	taxproc_cleanup(&t);
}

/* Bad options: exit 2 with the reason; no books made. */
static void test_bad_options_are_refused(void **state)
{
	static const struct {
		const char *opt, *value, *says;
	} rows[] = {
		{ "--seller-tax-id", "91320582MA1MABCDEX", "not a unified social credit code" },
		{ "--app-id", "tax-app", "letters, digits and '_'" },
		{ "--seller-name", "", "needs --data" },
		{ "--province", "9", "out of range 10..99" },
		{ "--channel", "10", "out of range 0..9" },
		{ "--max-connections", "0", "out of range" },
		{ "--nonce-cache", "x", "out of range" },
		{ "--secret-file", "open.secret", "others may read it" },
		{ "--secret-file", "short.secret", "16 to 128 printable characters" },
		{ "--listen", "everywhere", "not an IP address" },
	};
	struct taxproc t;
	char open_path[TAXPROC_PATH + 32], short_path[TAXPROC_PATH + 32];
	char values[10][TAXPROC_PATH + 32];
	size_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(taxproc_start(&t), 0);
	assert_int_equal(taxproc_stop(&t), 0);
	snprintf(open_path, sizeof(open_path), "%s/open.secret", t.dir);
	snprintf(short_path, sizeof(short_path), "%s/short.secret", t.dir);
	assert_int_equal(tmpdir_put(open_path, TAXPROC_SECRET "\n"), 0);
	chmod(open_path, 0644);
	assert_int_equal(tmpdir_put(short_path, "short-secret\n"), 0);
	chmod(short_path, 0600);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(values[i], sizeof(values[i]), "%s%s%s", strchr(rows[i].value, '.') ? t.dir
			 : "", strchr(rows[i].value, '.') ? "/" : "", rows[i].value);
		t.extra[0] = rows[i].opt;
		t.extra[1] = values[i];
		t.extra[2] = NULL;
		unlink(t.log);
		assert_int_equal(taxproc_launch(&t), -1);
		assert_int_equal(t.exit_status, 2);
		if (!taxproc_log_has(&t, rows[i].says))
			fail_msg("%s %s: the log does not say '%s'", rows[i].opt, values[i],
				 rows[i].says);
	}
	t.extra[0] = NULL;
	taxproc_cleanup(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_refusal_has_its_status_and_code),
		cmocka_unit_test(test_the_ends_of_the_ranges_are_taken),
		cmocka_unit_test(test_a_replayed_nonce_is_refused),
		cmocka_unit_test(test_tax_and_price_by_hand),
		cmocka_unit_test(test_invoice_json_and_xml),
		cmocka_unit_test(test_the_same_request_is_the_same_invoice),
		cmocka_unit_test(test_red_rules),
		cmocka_unit_test(test_injected_faults),
		cmocka_unit_test(test_body_and_target_limits),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_numbers_and_restarts),
		cmocka_unit_test(test_bad_options_are_refused),
	};

	return cmocka_run_group_tests_name("tools/taxsim", tests, group_setup, group_teardown);
}
