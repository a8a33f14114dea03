/*
 * test_taxplat.c - the hub's tax platform adapter (src/hub/taxplat.c)
 * against a real ca-taxsim over TLS (tests/support/taxproc), configured
 * through hubcfg_load as a hub would be. It pins:
 *   - taxplat_sign against the openssl command line;
 *   - an invoice issued and reversed: every field of struct einvoice as
 *     the platform issued it, the XML;
 *   - a retry with the same request id gives the same number; other
 *     content is CA_ERR_CONFLICT; what the platform refuses for good is
 *     CA_ERR_FORBIDDEN with its code in why (a bad buyer id, a bad rate, a
 *     second reversal, an unknown original); a malformed request CA_ERR_ARG;
 *   - answers not to be trusted are CA_ERR_IO: a wrong signature, none, a
 *     stale one (the invoice issued all the same: asked again, the same
 *     number), a hub with another secret or app id; and a platform of the
 *     test's own that signs well but lies (a 19-digit number, another
 *     year, amounts that do not add up, another buyer, request, seller,
 *     kind, price, an XML of another invoice, an answer too long);
 *   - no answer: a platform that fails (500), that holds its answer past
 *     timeout_ms (CA_ERR_UNAVAILABLE within the time; the retry finds the
 *     one invoice), that is not there;
 *   - taxplat_new reads the secret strictly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cst.h"
#include "hub/hubcfg.h"
#include "hub/taxplat.h"
#include "../support/taxproc.h"
#include "../support/tmpdir.h"

#define BUYER "江苏国泰新点软件有限公司"
#define BUYER_ID "91350100M000100Y43"
#define ITEM "*信息技术服务*CA数字证书服务费"

static const char prices[] =
	"[prices]\n"
	"new.org = 1\nnew.legal_rep = 1\nnew.personal = 1\nrenew.org = 1\n"
	"renew.legal_rep = 1\nrenew.personal = 1\nchange.org = 1\nchange.legal_rep = 1\n"
	"change.personal = 1\nreissue.org = 1\nreissue.legal_rep = 1\nreissue.personal = 1\n";

static struct taxproc tp;     /* the platform */
static struct hubcfg cfg;     /* the hub's config, pointing at it */
static struct taxplat *plat;  /* the adapter */
static struct tax_provider *prov;
static int seq;

/* ---- a platform of the test's own that signs well and says what it is told ---- */

static struct {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	char *body;     /* what it answers (owned) */
	int status;     /* with this status */
} fake = { .mu = PTHREAD_MUTEX_INITIALIZER };

static enum MHD_Result fake_request(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	const char *nonce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, TAXPLAT_H_NONCE);
	char sig[SIGN_HEX_LEN + 1], ts[24], *text;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int64_t now = ca_wall_ms() / 1000;
	int status;

	(void)cls, (void)url, (void)method, (void)version, (void)upload;
	if (!*con_cls) {
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&fake.mu);
	text = strdup(fake.body ? fake.body : "");
	status = fake.status;
	pthread_mutex_unlock(&fake.mu);
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	{
		char st[8];

		snprintf(st, sizeof(st), "%03d", status);
		taxplat_sign(TAXPROC_SECRET, st, nonce ? nonce : "", now, "fakefakefakefake1234",
			     text, strlen(text), sig);
	}
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, TAXPLAT_H_APP, TAXPROC_APP_ID);
	MHD_add_response_header(r, TAXPLAT_H_TIMESTAMP, ts);
	MHD_add_response_header(r, TAXPLAT_H_NONCE, "fakefakefakefake1234");
	MHD_add_response_header(r, TAXPLAT_H_SIGNATURE, sig);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* What the fake answers next: status and body (copied). */
static void fake_says(int status, const char *body)
{
	pthread_mutex_lock(&fake.mu);
	free(fake.body);
	fake.body = strdup(body);
	fake.status = status;
	pthread_mutex_unlock(&fake.mu);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 65536);

	if (f && buf)
		buf[fread(buf, 1, 65535, f)] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static int fake_start(void)
{
	char path[TAXPROC_PATH + 16];
	char *cert, *key;

	snprintf(path, sizeof(path), "%s/srv.pem", tp.dir);
	cert = slurp(path);
	snprintf(path, sizeof(path), "%s/srv.key", tp.dir);
	key = slurp(path);
	fake.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL,
				  fake_request, NULL, MHD_OPTION_HTTPS_MEM_CERT, cert,
				  MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
	free(cert);
	free(key);
	if (!fake.d)
		return -1;
	fake.port = MHD_get_daemon_info(fake.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

/* ---- the hub's side ---- */

/* Load a hub config of prices and the [taxplat] section text into c. */
static ca_err load(const char *section, struct hubcfg *c, char *err, size_t n)
{
	char path[256], text[4096];
	ca_err e;

	snprintf(text, sizeof(text), "%s%s", prices, section);
	assert_int_equal(tmpdir_file(path, sizeof(path), "taxplat-cfg", text, strlen(text)), 0);
	e = hubcfg_load(c, path, err, n);
	unlink(path);
	return e;
}

/* A request for one line of total fen at rate. */
static void request(struct einv_request *r, const char *tag, long long total, int rate)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->request_id, sizeof(r->request_id), "%s-%d-%d", tag, (int)getpid(), ++seq);
	snprintf(r->buyer_name, sizeof(r->buyer_name), "%s", BUYER);
	snprintf(r->buyer_tax_id, sizeof(r->buyer_tax_id), "%s", BUYER_ID);
	snprintf(r->items[0].name, sizeof(r->items[0].name), "%s", ITEM);
	snprintf(r->items[0].spec, sizeof(r->items[0].spec), "机构证书");
	snprintf(r->items[0].unit, sizeof(r->items[0].unit), "个");
	r->items[0].quantity = 1;
	r->items[0].total_fen = total;
	r->items[0].rate_pct = rate;
	r->nitems = 1;
	snprintf(r->remarks, sizeof(r->remarks), "订单 CA20261204");
	snprintf(r->issuer, sizeof(r->issuer), "张三");
}

/* Issue r through p: the result, the invoice in *out, the XML freed. */
static ca_err issue(struct tax_provider *p, const struct einv_request *r, struct einvoice *out,
		    char *why, size_t n)
{
	char *xml = NULL;
	size_t len = 0;
	ca_err e = p->issue(p, r, out, &xml, &len, why, n);

	if (e)
		assert_null(xml);
	free(xml);
	return e;
}

/* Blue invoices in the platform's books. */
static long blues(void)
{
	json_t *j = taxproc_sim(&tp, "GET", "/sim/state", NULL, NULL);
	long n = (long)json_integer_value(json_object_get(json_object_get(j, "invoices"), "blue"));

	json_decref(j);
	return n;
}

static int group_setup(void **state)
{
	char ini[2048], err[HUBCFG_ERR_MAX];

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (taxproc_start(&tp) || taxproc_ini(&tp, NULL, 400, ini, sizeof(ini)) ||
	    load(ini, &cfg, err, sizeof(err)) ||
	    taxplat_new(&cfg, &plat, err, sizeof(err)) || fake_start()) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	prov = taxplat_provider(plat);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	taxplat_free(plat);
	if (fake.d)
		MHD_stop_daemon(fake.d);
	free(fake.body);
	taxproc_cleanup(&tp);
	curl_global_cleanup();
	return 0;
}

/* ---- the tests ---- */

/* taxplat_sign is the HMAC-SHA256 the openssl command line computes over
 * the five lines of docs/taxsim.md. */
static void test_signature_is_openssl_hmac(void **state)
{
	const char *body = "{\"request_id\":\"r-1\",\"reason\":\"退款\"}";
	char sig[SIGN_HEX_LEN + 1], path[TAXPROC_PATH + 16], cmd[2 * TAXPROC_PATH], out[256];
	FILE *f, *p;

	(void)state;
	assert_int_equal(taxplat_sign(TAXPROC_SECRET, "POST", "/v1/invoices/26322000000000000001"
				      "/red", 1796000000, "0123456789abcdef0123456789abcdef", body,
				      strlen(body), sig), CA_OK);
	snprintf(path, sizeof(path), "%s/signed.txt", tp.dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fprintf(f, "POST\n/v1/invoices/26322000000000000001/red\n1796000000\n"
		"0123456789abcdef0123456789abcdef\n%s", body);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -hmac '%s' -r %s", TAXPROC_SECRET, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, sizeof(out), p));
	pclose(p);
	assert_memory_equal(out, sig, SIGN_HEX_LEN);
	/* An answer: its status first, the request's nonce second. */
	assert_int_equal(taxplat_sign(TAXPROC_SECRET, "200", "", 1, "n", "", 0, sig), CA_OK);
	assert_int_equal(taxplat_sign(TAXPROC_SECRET, "200", "a\nb", 1, "n", "", 0, sig),
			 CA_ERR_ARG);
}

/* An invoice issued, then reversed: what the platform issued, all of it. */
static void test_issue_and_reverse(void **state)
{
	struct einv_request r;
	struct einvoice inv, red;
	char why[TAXPLAT_ERR_MAX], *xml = NULL, yy[12], want[200], rid[80];
	size_t len = 0;
	struct tm tm;

	(void)state;
	request(&r, "issue", 60000, 6);
	snprintf(r.items[1].name, sizeof(r.items[1].name), "*信息技术服务*CA数字证书服务费（子锁）");
	r.items[1].quantity = 2;
	r.items[1].total_fen = 20000;
	r.items[1].rate_pct = 6;
	r.nitems = 2;
	assert_int_equal(prov->issue(prov, &r, &inv, &xml, &len, why, sizeof(why)), CA_OK);
	assert_int_equal(inv.kind, EINV_BLUE);
	assert_int_equal(strlen(inv.number), 20);
	ca_cst_tm(inv.issued_s, &tm);
	snprintf(yy, sizeof(yy), "%02d", (tm.tm_year + 1900) % 100);
	assert_memory_equal(inv.number, yy, 2);
	assert_memory_equal(inv.number + 2, "322", 3);
	assert_string_equal(inv.original, "");
	assert_true(llabs(inv.issued_s - ca_wall_ms() / 1000) < 10);
	assert_string_equal(inv.buyer_name, BUYER);
	assert_string_equal(inv.buyer_tax_id, BUYER_ID);
	assert_string_equal(inv.seller_name, TAXPROC_SELLER);
	assert_string_equal(inv.seller_tax_id, TAXPROC_SELLER_ID);
	assert_int_equal(inv.nitems, 2);
	assert_string_equal(inv.items[0].name, ITEM);
	assert_string_equal(inv.items[0].spec, "机构证书");
	assert_string_equal(inv.items[0].unit, "个");
	assert_int_equal(inv.items[0].quantity, 1);
	assert_string_equal(inv.items[0].unit_price, "566.04");
	assert_int_equal(inv.items[0].amount_fen, 56604);
	assert_int_equal(inv.items[0].rate_pct, 6);
	assert_int_equal(inv.items[0].tax_fen, 3396);
	/* 200.00 for 2 at 6 %: 18867.92 -> 18868; 94.34 a key. */
	assert_string_equal(inv.items[1].unit_price, "94.34");
	assert_int_equal(inv.items[1].amount_fen, 18868);
	assert_int_equal(inv.items[1].tax_fen, 1132);
	assert_int_equal(inv.amount_fen, 56604 + 18868);
	assert_int_equal(inv.tax_fen, 3396 + 1132);
	assert_int_equal(inv.total_fen, 80000);
	assert_string_equal(inv.remarks, "订单 CA20261204");
	assert_string_equal(inv.issuer, "张三");
	assert_non_null(xml);
	assert_int_equal(strlen(xml), len);
	assert_true(!strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38));
	snprintf(want, sizeof(want), "<InvoiceNumber>%s</InvoiceNumber>", inv.number);
	assert_non_null(strstr(xml, want));
	assert_non_null(strstr(xml, "<TotalWithTaxInWords>捌佰圆整</TotalWithTaxInWords>"));
	free(xml);

	snprintf(rid, sizeof(rid), "%s-red", r.request_id);
	assert_int_equal(prov->reverse(prov, rid, inv.number, "申请退款", &red, &xml, &len, why,
				       sizeof(why)), CA_OK);
	assert_int_equal(red.kind, EINV_RED);
	assert_string_equal(red.original, inv.number);
	assert_string_not_equal(red.number, inv.number);
	assert_int_equal(red.nitems, 2);
	assert_int_equal(red.items[0].quantity, -1);
	assert_int_equal(red.items[0].amount_fen, -56604);
	assert_int_equal(red.items[1].tax_fen, -1132);
	assert_int_equal(red.total_fen, -80000);
	assert_string_equal(red.buyer_name, BUYER);
	snprintf(want, sizeof(want), "被红冲蓝字数电发票号码：%s，红冲原因：申请退款", inv.number);
	assert_string_equal(red.remarks, want);
	snprintf(want, sizeof(want), "<OriginalNumber>%s</OriginalNumber>", inv.number);
	assert_non_null(strstr(xml, want));
	free(xml);
}

/* The same request id again is the same invoice; other content is a
 * conflict; refusals for good are CA_ERR_FORBIDDEN saying why. */
static void test_retry_conflict_and_refusals(void **state)
{
	struct einv_request r;
	struct einvoice a, b, red;
	char why[TAXPLAT_ERR_MAX], rid[64], *xml = NULL;
	size_t len;

	(void)state;
	request(&r, "retry", 30000, 6);
	assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_OK);
	assert_int_equal(issue(prov, &r, &b, why, sizeof(why)), CA_OK);
	assert_string_equal(a.number, b.number);
	assert_int_equal(a.issued_s, b.issued_s);
	r.items[0].total_fen = 30001;
	assert_int_equal(issue(prov, &r, &b, why, sizeof(why)), CA_ERR_CONFLICT);
	assert_non_null(strstr(why, "REQUEST_CONFLICT"));

	request(&r, "buyer", 30000, 6);
	r.buyer_tax_id[17] = r.buyer_tax_id[17] == '3' ? '4' : '3';
	assert_int_equal(issue(prov, &r, &b, why, sizeof(why)), CA_ERR_FORBIDDEN);
	assert_non_null(strstr(why, "BUYER_TAX_ID_INVALID"));
	request(&r, "rate", 30000, 17);
	assert_int_equal(issue(prov, &r, &b, why, sizeof(why)), CA_ERR_FORBIDDEN);
	assert_non_null(strstr(why, "TAX_RATE_INVALID"));
	request(&r, "bad id", 30000, 6);
	assert_int_equal(issue(prov, &r, &b, why, sizeof(why)), CA_ERR_ARG);

	snprintf(rid, sizeof(rid), "%s-r1", a.number);
	assert_int_equal(prov->reverse(prov, rid, a.number, "退款", &red, &xml, &len, why,
				       sizeof(why)), CA_OK);
	free(xml);
	assert_int_equal(prov->reverse(prov, rid, a.number, "退款", &b, &xml, &len, why,
				       sizeof(why)), CA_OK);
	free(xml);
	assert_string_equal(b.number, red.number);
	snprintf(rid, sizeof(rid), "%s-r2", a.number);
	assert_int_equal(prov->reverse(prov, rid, a.number, "退款", &b, &xml, &len, why,
				       sizeof(why)), CA_ERR_FORBIDDEN);
	assert_null(xml);
	assert_non_null(strstr(why, "ALREADY_REVERSED"));
	assert_int_equal(prov->reverse(prov, rid, "26322000000099999999", "退款", &b, &xml, &len,
				       why, sizeof(why)), CA_ERR_FORBIDDEN);
	assert_non_null(strstr(why, "INVOICE_NOT_FOUND"));
	assert_int_equal(prov->reverse(prov, rid, "2632200000009999999", "退款", &b, &xml, &len,
				       why, sizeof(why)), CA_ERR_ARG);
	assert_int_equal(prov->reverse(prov, rid, a.number, "", &b, &xml, &len, why, sizeof(why)),
			 CA_ERR_ARG);
}

/* Answers that are not the platform's are no answers (CA_ERR_IO); the
 * invoice behind them was issued, and asking again gives it. */
static void test_untrusted_answers_are_io(void **state)
{
	static const char *const faults[] = { "{\"bad_signature\": 1}", "{\"unsigned\": 1}",
					      "{\"stale\": 1}" };
	struct einv_request r;
	struct einvoice a, b;
	char why[TAXPLAT_ERR_MAX], ini[2048], err[HUBCFG_ERR_MAX];
	long before = blues();
	size_t i;

	(void)state;
	request(&r, "forged", 30000, 6);
	for (i = 0; i < 3; i++) {
		json_decref(taxproc_sim(&tp, "POST", "/sim/fault", faults[i], NULL));
		assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_ERR_IO);
		assert_non_null(strstr(why, "answer not trusted"));
		assert_int_equal(a.number[0], '\0');
	}
	assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_OK);
	assert_int_equal(blues(), before + 1);

	/* A hub with another secret: the platform's refusal cannot be verified. */
	{
		struct hubcfg c2;
		struct taxplat *p2;

		assert_int_equal(taxproc_ini(&tp, "another-secret-of-32-characters\n", 400, ini,
					     sizeof(ini)), 0);
		assert_int_equal(load(ini, &c2, err, sizeof(err)), CA_OK);
		assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_OK);
		request(&r, "secret", 30000, 6);
		assert_int_equal(issue(taxplat_provider(p2), &r, &b, why, sizeof(why)), CA_ERR_IO);
		assert_non_null(strstr(why, "status 401"));
		taxplat_free(p2);
		/* Another app id: the platform has no secret to sign with. */
		assert_int_equal(taxproc_ini(&tp, NULL, 400, ini, sizeof(ini)), 0);
		assert_int_equal(load(ini, &c2, err, sizeof(err)), CA_OK);
		snprintf(c2.tax_app_id, sizeof(c2.tax_app_id), "tax_app_09");
		assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_OK);
		assert_int_equal(issue(taxplat_provider(p2), &r, &b, why, sizeof(why)), CA_ERR_IO);
		assert_non_null(strstr(why, "unsigned"));
		taxplat_free(p2);
	}
	assert_true(taxproc_log_has(&tp, "SIGNATURE_INVALID"));
	assert_true(taxproc_log_has(&tp, "APP_ID_UNKNOWN"));
}

/* One lie of the fake platform: a member of the answer's invoice (or the
 * answer, path "xml") set to a JSON value. */
struct lie {
	const char *path;   /* "number", "items.0.amount_fen", "xml" */
	const char *value;  /* JSON text; NULL: computed (see below) */
	const char *caught; /* what the hub says is wrong */
};

/* The XML of answer j naming number instead of what it names. */
static void xml_renumber(json_t *j, const char *number)
{
	const char *was = json_string_value(json_object_get(json_object_get(j, "invoice"),
							    "number"));
	char *xml = strdup(json_string_value(json_object_get(j, "xml"))), *at;

	assert_non_null(xml);
	at = strstr(xml, was);
	assert_non_null(at);
	if (strlen(number) == strlen(was))
		memcpy(at, number, strlen(number));
	json_object_set_new(j, "xml", json_string(xml));
	free(xml);
}

/* The answer a with path set to value, as text (malloc'd); a lie about
 * the number is told in the XML too. */
static char *lie_in(json_t *a, const char *path, const char *value)
{
	json_t *j = json_deep_copy(a), *where = json_object_get(j, "invoice");
	char key[64], *dot, *s;

	if (!strcmp(path, "number")) {
		json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);

		xml_renumber(j, json_string_value(v));
		json_decref(v);
	}
	snprintf(key, sizeof(key), "%s", path);
	if (!strcmp(key, "xml"))
		where = j;
	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		where = json_is_array(where) ? json_array_get(where, (size_t)atoi(key))
		       : json_object_get(where, key);
		memmove(key, dot + 1, strlen(dot + 1) + 1);
	}
	json_object_set_new(where, key, json_loads(value, JSON_DECODE_ANY, NULL));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

/* A platform that signs well and lies is not believed (CA_ERR_IO); told
 * the truth (the real platform's own answer), it is. */
static void test_answers_are_checked_field_by_field(void **state)
{
	struct einv_request r;
	struct einvoice a, b;
	struct hubcfg c2 = cfg;
	struct taxplat *p2;
	char why[TAXPLAT_ERR_MAX], err[HUBCFG_ERR_MAX], target[80], v[64];
	json_t *books, *answer;
	char *text;
	size_t i;
	const struct lie lies[] = {
		{ "number", "\"2632200000000000001\"", "number" },
		{ "number", NULL /* another year */, "number" },
		{ "number", "\"2632200000000000000A\"", "number" },
		{ "kind", "\"red\"", "kind" },
		{ "request_id", "\"someone-else\"", "request_id" },
		{ "original", "\"26322000000000000001\"", "original" },
		{ "issued_at", "\"yesterday\"", "issued_at" },
		{ "buyer_name", "\"另一家公司\"", "buyer" },
		{ "buyer_tax_id", "\"91320582MA1MABCDEU\"", "buyer" },
		{ "seller_tax_id", "\"91350100M000100Y43\"", "seller" },
		{ "seller_name", "\"\"", "seller" },
		{ "issuer", "\"李四\"", "remarks or issuer" },
		{ "remarks", "\"\"", "remarks or issuer" },
		{ "items", "[]", "items or totals" },
		{ "items.0.name", "\"*信息技术服务*别的\"", "items or totals" },
		{ "items.0.quantity", "2", "items or totals" },
		{ "items.0.tax_rate", "13", "items or totals" },
		{ "items.0.amount_fen", "28303", "items or totals" },
		{ "items.0.tax_fen", "1697", "items or totals" },
		{ "items.0.unit_price", "\"283.019\"", "items or totals" },
		{ "items.0.unit_price", "\"0283.02\"", "items or totals" },
		{ "items.0.unit_price", "\"283.0200000001\"", "items or totals" },
		{ "amount_fen", "28301", "items or totals" },
		{ "tax_fen", "1699", "items or totals" },
		{ "total_fen", "30001", "items or totals" },
		{ "xml", "\"<?xml version=\\\"1.0\\\" encoding=\\\"UTF-8\\\"?><EInvoice/>\"",
		  "xml" },
		{ "xml", "12", "xml" },
	};

	(void)state;
	request(&r, "liar", 30000, 6);
	assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_OK);
	snprintf(target, sizeof(target), "/sim/invoices/%s", a.number);
	books = taxproc_sim(&tp, "GET", target, NULL, NULL);
	answer = json_object_get(books, "answer");
	assert_non_null(answer);
	/* 300.00 at 6 %: 28301.89 -> 28302, 1698; 283.02. */
	assert_int_equal(a.items[0].amount_fen, 28302);

	snprintf(c2.tax_url, sizeof(c2.tax_url), "https://127.0.0.1:%d", fake.port);
	assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_OK);
	text = json_dumps(answer, JSON_COMPACT);
	fake_says(200, text);
	free(text);
	assert_int_equal(issue(taxplat_provider(p2), &r, &b, why, sizeof(why)), CA_OK);
	assert_string_equal(b.number, a.number);

	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		if (!lies[i].value) {
			snprintf(v, sizeof(v), "\"%02d%.18s\"", ((a.number[0] - '0') * 10 +
				 (a.number[1] - '0') + 1) % 100, a.number + 2);
			text = lie_in(answer, lies[i].path, v);
		} else {
			text = lie_in(answer, lies[i].path, lies[i].value);
		}
		fake_says(200, text);
		free(text);
		if (issue(taxplat_provider(p2), &r, &b, why, sizeof(why)) != CA_ERR_IO)
			fail_msg("lie %zu (%s = %s) believed", i, lies[i].path,
				 lies[i].value ? lies[i].value : v);
		snprintf(v, sizeof(v), "not what was asked for (%s)", lies[i].caught);
		if (!strstr(why, v))
			fail_msg("lie %zu (%s): caught as '%s'", i, lies[i].path, why);
	}
	/* Answers the hub does not take: unreadable, and too long. */
	fake_says(200, "{\"invoice\":");
	assert_int_equal(issue(taxplat_provider(p2), &r, &b, why, sizeof(why)), CA_ERR_IO);
	text = malloc(TAXPLAT_ANSWER_MAX + 2);
	memset(text, ' ', TAXPLAT_ANSWER_MAX + 1);
	text[TAXPLAT_ANSWER_MAX + 1] = '\0';
	fake_says(200, text);
	free(text);
	assert_int_equal(issue(taxplat_provider(p2), &r, &b, why, sizeof(why)), CA_ERR_IO);
	assert_non_null(strstr(why, "over"));
	/* A signed 503 without a code: ask again later. */
	fake_says(503, "<html>busy</html>");
	assert_int_equal(issue(taxplat_provider(p2), &r, &b, why, sizeof(why)),
			 CA_ERR_UNAVAILABLE);
	taxplat_free(p2);
	json_decref(books);
}

/* No answer: the platform fails (500), holds its answer past timeout_ms
 * (the retry finds the one invoice it issued), or is not there. */
static void test_no_answer_is_unavailable(void **state)
{
	struct einv_request r;
	struct einvoice a;
	char why[TAXPLAT_ERR_MAX];
	long before = blues();
	int64_t t0;

	(void)state;
	request(&r, "down", 30000, 6);
	json_decref(taxproc_sim(&tp, "POST", "/sim/fault", "{\"fail\": 1}", NULL));
	assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_ERR_UNAVAILABLE);
	assert_non_null(strstr(why, "SYSTEM_ERROR"));
	assert_int_equal(blues(), before);

	json_decref(taxproc_sim(&tp, "POST", "/sim/fault", "{\"hang\": 1, \"hang_ms\": 1500}",
				NULL));
	t0 = ca_mono_ms();
	assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_ERR_UNAVAILABLE);
	assert_true(ca_mono_ms() - t0 < 1200); /* timeout_ms is 400 */
	assert_non_null(strstr(why, "no answer"));
	assert_int_equal(issue(prov, &r, &a, why, sizeof(why)), CA_OK);
	assert_int_equal(blues(), before + 1);
	{
		char target[80];
		json_t *j;

		snprintf(target, sizeof(target), "/sim/invoices/%s", a.number);
		j = taxproc_sim(&tp, "GET", target, NULL, NULL);
		assert_string_equal(json_string_value(json_object_get(j, "request_id")),
				    r.request_id);
		json_decref(j);
	}

	/* Not there at all. */
	{
		struct hubcfg c2 = cfg;
		struct taxplat *p2;
		char err[HUBCFG_ERR_MAX];

		snprintf(c2.tax_url, sizeof(c2.tax_url), "https://127.0.0.1:9");
		assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_OK);
		assert_int_equal(issue(taxplat_provider(p2), &r, &a, why, sizeof(why)),
				 CA_ERR_UNAVAILABLE);
		taxplat_free(p2);
	}
}

/* taxplat_new: the secret read strictly, a missing url refused. */
static void test_the_secret_is_read_strictly(void **state)
{
	struct hubcfg c2 = cfg;
	struct taxplat *p2 = NULL;
	char err[HUBCFG_ERR_MAX], path[TAXPROC_PATH + 16];

	(void)state;
	snprintf(path, sizeof(path), "%s/open.secret", tp.dir);
	assert_int_equal(tmpdir_put(path, TAXPROC_SECRET "\n"), 0);
	chmod(path, 0644);
	assert_true(strlen(path) < sizeof(c2.tax_secret_file));
	strcpy(c2.tax_secret_file, path);
	assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "[taxplat] secret_file"));
	assert_non_null(strstr(err, "others may read it"));
	chmod(path, 0600);
	assert_int_equal(tmpdir_put(path, "too-short\n"), 0);
	assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_ERR_CONFIG);
	assert_non_null(strstr(err, "16 to 128 printable characters"));
	assert_true(strlen(path) < sizeof(c2.tax_secret_file));
	strcpy(strrchr(c2.tax_secret_file, '/'), "/none");
	assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_ERR_IO);
	c2.tax_url[0] = '\0';
	assert_int_equal(taxplat_new(&c2, &p2, err, sizeof(err)), CA_ERR_CONFIG);
	assert_null(p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_is_openssl_hmac),
		cmocka_unit_test(test_issue_and_reverse),
		cmocka_unit_test(test_retry_conflict_and_refusals),
		cmocka_unit_test(test_untrusted_answers_are_io),
		cmocka_unit_test(test_answers_are_checked_field_by_field),
		cmocka_unit_test(test_no_answer_is_unavailable),
		cmocka_unit_test(test_the_secret_is_read_strictly),
	};

	return cmocka_run_group_tests_name("hub/taxplat", tests, group_setup, group_teardown);
}
