/*
 * einv.c - the platform's rules for an invoice (see einv.h).
 *
 * Where to start reading: einv_parse_blue() (the order of its checks is
 * the order of the refusals in docs/taxsim.md), then einv_make_blue().
 */
#include "einv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pay.h"
#include "core/utf8.h"
#include "core/valid.h"

#define ID_SET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
#define XML_NS "urn:ca-kiosk:taxsim:einvoice:1"

/* ---- reading a request ---- */

/* The JSON object of body; false with f filled when it is not one. */
static bool object_of(const char *body, json_t **j, struct tsim_fail *f)
{
	json_error_t je;

	*j = json_loads(body, JSON_REJECT_DUPLICATES, &je);
	if (json_is_object(*j))
		return true;
	json_decref(*j);
	*j = NULL;
	return tsim_refuse(f, 400, "PARAM_INVALID", "the body is not a JSON object%s%s",
			   body[0] ? ": " : "", body[0] ? je.text : "");
}

/* Every member of j is one of the NULL-terminated names. */
static bool members_known(json_t *j, const char *const *names, const char *where,
			  struct tsim_fail *f)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(j, key, v) {
		for (i = 0; names[i] && strcmp(key, names[i]); i++)
			;
		if (!names[i])
			return tsim_refuse(f, 400, "PARAM_INVALID", "%s has an unknown member "
					   "'%.40s'", where, key);
	}
	return true;
}

/* The string member name of j: min..max characters and at most size - 1
 * bytes of UTF-8 without control characters, copied into dst. */
static bool text(json_t *j, const char *name, size_t min, size_t max, char *dst, size_t size,
		 struct tsim_fail *f)
{
	json_t *v = json_object_get(j, name);
	const char *s = json_string_value(v);
	size_t len = s ? strlen(s) : 0, chars = 0, i;

	if (!v)
		return tsim_refuse(f, 400, "PARAM_INVALID", "%s is missing", name);
	if (!s || len != json_string_length(v) || !utf8_count(s, &chars))
		return tsim_refuse(f, 400, "PARAM_INVALID", "%s is not a string of UTF-8", name);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return tsim_refuse(f, 400, "PARAM_INVALID", "%s holds a control "
					   "character", name);
	if (chars < min || chars > max || len >= size)
		return tsim_refuse(f, 400, "PARAM_INVALID", "%s must be %zu to %zu characters "
				   "(at most %zu bytes)", name, min, max, size - 1);
	memcpy(dst, s, len + 1);
	return true;
}

/* The request id member of j into id. */
static bool request_id(json_t *j, char id[EINV_REQUEST_ID_MAX + 1], struct tsim_fail *f)
{
	if (!text(j, "request_id", 1, EINV_REQUEST_ID_MAX, id, EINV_REQUEST_ID_MAX + 1, f))
		return false;
	if (strspn(id, ID_SET) != strlen(id))
		return tsim_refuse(f, 400, "PARAM_INVALID", "request_id must be 1 to %d of "
				   "[0-9A-Za-z_-]", EINV_REQUEST_ID_MAX);
	return true;
}

/* An item's name carries its tax category first: "*category*name". */
static bool category_ok(const char *name)
{
	const char *end = name[0] == '*' ? strchr(name + 1, '*') : NULL;

	return end && end > name + 1 && end[1] != '\0';
}

bool einv_rate_ok(int64_t rate)
{
	return rate == 0 || rate == 1 || rate == 3 || rate == 5 || rate == 6 || rate == 9 ||
	       rate == 13;
}

/* One line (object j, number i) into it. */
static bool item(json_t *j, size_t i, struct einv_item_req *it, struct tsim_fail *f)
{
	static const char *const names[] = { "name", "spec", "unit", "quantity", "total_fen",
					     "tax_rate", NULL };
	json_t *q = json_object_get(j, "quantity"), *t = json_object_get(j, "total_fen");
	json_t *r = json_object_get(j, "tax_rate");
	char where[32];

	snprintf(where, sizeof(where), "items[%zu]", i);
	if (!json_is_object(j))
		return tsim_refuse(f, 400, "PARAM_INVALID", "%s is not an object", where);
	if (!members_known(j, names, where, f) ||
	    !text(j, "name", 3, TSIM_ITEM_CHARS, it->name, sizeof(it->name), f))
		return false;
	if (!category_ok(it->name))
		return tsim_refuse(f, 400, "PARAM_INVALID", "%s.name must begin with its tax "
				   "category: \"*category*name\"", where);
	if (!text(j, "spec", 0, TSIM_SPEC_CHARS, it->spec, sizeof(it->spec), f) ||
	    !text(j, "unit", 0, TSIM_UNIT_CHARS, it->unit, sizeof(it->unit), f))
		return false;
	if (!json_is_integer(q) || json_integer_value(q) < 1 ||
	    json_integer_value(q) > TSIM_QUANTITY_MAX)
		return tsim_refuse(f, 400, "PARAM_INVALID", "%s.quantity must be a whole number "
				   "1 to %d", where, TSIM_QUANTITY_MAX);
	if (!json_is_integer(t) || json_integer_value(t) < 1 ||
	    json_integer_value(t) > TSIM_TOTAL_MAX)
		return tsim_refuse(f, 400, "AMOUNT_INVALID", "%s.total_fen must be whole fen, 1 "
				   "to %lld", where, TSIM_TOTAL_MAX);
	if (!json_is_integer(r) || !einv_rate_ok(json_integer_value(r)))
		return tsim_refuse(f, 400, "TAX_RATE_INVALID", "%s.tax_rate must be 0, 1, 3, 5, "
				   "6, 9 or 13 (percent)", where);
	it->quantity = (int64_t)json_integer_value(q);
	it->total_fen = (int64_t)json_integer_value(t);
	it->rate_pct = (int)json_integer_value(r);
	return true;
}

/* The items member of j into rq. */
static bool items(json_t *j, struct einv_request *rq, struct tsim_fail *f)
{
	json_t *a = json_object_get(j, "items");
	int64_t sum = 0;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > EINV_ITEMS_MAX)
		return tsim_refuse(f, 400, "PARAM_INVALID", "items must be an array of 1 to %d "
				   "lines", EINV_ITEMS_MAX);
	for (i = 0; i < json_array_size(a); i++) {
		if (!item(json_array_get(a, i), i, &rq->items[i], f))
			return false;
		sum += rq->items[i].total_fen;
	}
	rq->nitems = (int)i;
	if (sum > TSIM_TOTAL_MAX)
		return tsim_refuse(f, 400, "AMOUNT_INVALID", "the invoice's total is over %lld "
				   "fen", TSIM_TOTAL_MAX);
	return true;
}

/* j's canonical text into *content: what two requests must share to be one. */
static bool canonical(json_t *j, char **content, struct tsim_fail *f)
{
	*content = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	return *content ? true : tsim_refuse(f, 500, "SYSTEM_ERROR", "out of memory");
}

bool einv_parse_blue(const struct tsim_cfg *cfg, const char *body, struct einv_request *rq,
		     char **content, struct tsim_fail *f)
{
	static const char *const names[] = { "request_id", "seller_tax_id", "buyer_name",
					     "buyer_tax_id", "items", "remarks", "issuer", NULL };
	char seller[EINV_TAX_ID_MAX + 1];
	json_t *j;
	bool ok;

	*content = NULL;
	memset(rq, 0, sizeof(*rq));
	if (!object_of(body, &j, f))
		return false;
	ok = members_known(j, names, "the body", f) && request_id(j, rq->request_id, f) &&
	     text(j, "seller_tax_id", 1, EINV_TAX_ID_MAX, seller, sizeof(seller), f);
	if (ok && strcmp(seller, cfg->seller_tax_id))
		ok = tsim_refuse(f, 403, "SELLER_MISMATCH", "seller_tax_id %s is not the "
				 "taxpayer of app %s", seller, cfg->app_id);
	ok = ok && text(j, "buyer_name", 1, TSIM_NAME_CHARS, rq->buyer_name,
			sizeof(rq->buyer_name), f);
	if (ok && !json_is_string(json_object_get(j, "buyer_tax_id")))
		ok = tsim_refuse(f, 400, "BUYER_TAX_ID_INVALID", "buyer_tax_id is missing");
	if (ok && (json_string_length(json_object_get(j, "buyer_tax_id")) > EINV_TAX_ID_MAX ||
		   valid_uscc(json_string_value(json_object_get(j, "buyer_tax_id"))) != MSG_NONE))
		ok = tsim_refuse(f, 400, "BUYER_TAX_ID_INVALID", "buyer_tax_id is not a unified "
				 "social credit code (GB 32100-2015, its check character)");
	if (ok)
		snprintf(rq->buyer_tax_id, sizeof(rq->buyer_tax_id), "%s",
			 json_string_value(json_object_get(j, "buyer_tax_id")));
	ok = ok && items(j, rq, f) &&
	     text(j, "remarks", 0, TSIM_REMARKS_CHARS, rq->remarks, sizeof(rq->remarks), f) &&
	     text(j, "issuer", 1, TSIM_ISSUER_CHARS, rq->issuer, sizeof(rq->issuer), f) &&
	     canonical(j, content, f);
	json_decref(j);
	return ok;
}

bool einv_parse_red(const char *original, const char *body,
		    char id[EINV_REQUEST_ID_MAX + 1], char reason[TSIM_REASON_CHARS * 4 + 1],
		    char **content, struct tsim_fail *f)
{
	static const char *const names[] = { "request_id", "reason", NULL };
	json_t *j;
	bool ok;

	*content = NULL;
	if (!object_of(body, &j, f))
		return false;
	ok = members_known(j, names, "the body", f) && request_id(j, id, f) &&
	     text(j, "reason", 1, TSIM_REASON_CHARS, reason, TSIM_REASON_CHARS * 4 + 1, f);
	/* The same request id for another invoice's reversal is other content. */
	if (ok && json_object_set_new(j, "original", json_string(original)))
		ok = tsim_refuse(f, 500, "SYSTEM_ERROR", "out of memory");
	ok = ok && canonical(j, content, f);
	json_decref(j);
	return ok;
}

/* ---- the rules ---- */

void einv_split(int64_t total_fen, int rate, int64_t *amount, int64_t *tax)
{
	int64_t d = 100 + rate;

	/* total * 100 / d, half up: floor((200 * total + d) / (2 * d)). */
	*amount = (200 * total_fen + d) / (2 * d);
	*tax = total_fen - *amount;
}

void einv_unit_price(int64_t amount_fen, int64_t quantity, char out[EINV_PRICE_MAX + 1])
{
	/* In 1e-8 yuan: amount_fen * 1e6 / quantity, half up. */
	int64_t units = (amount_fen * 2000000 + quantity) / (2 * quantity);
	size_t n;

	n = (size_t)snprintf(out, EINV_PRICE_MAX + 1, "%lld.%08lld",
			     (long long)(units / 100000000), (long long)(units % 100000000));
	while (n && out[n - 1] == '0')
		out[--n] = '\0';
	if (n && out[n - 1] == '.')
		out[--n] = '\0';
}

void einv_number(int year, int province, int channel, int64_t seq,
		 char out[EINV_NUMBER_LEN + 1])
{
	snprintf(out, EINV_NUMBER_LEN + 1, "%02u%02u%u%015llu", (unsigned)year % 100,
		 (unsigned)province % 100, (unsigned)channel % 10,
		 (unsigned long long)seq % (TSIM_SEQ_MAX + 1));
}

/* Append s to out (size n), cut when there is no room. */
static void add(char *out, size_t n, const char *s)
{
	size_t len = strlen(out);

	snprintf(out + len, n - len, "%s", s);
}

/* Whole yuan below 1e12 in capitals: groups of four digits (亿, 万, and
 * the last), a zero between figures written once as 零, none at the end. */
static void upper_yuan(int64_t yuan, char *out, size_t n)
{
	static const char *const digit[] = { "零", "壹", "贰", "叁", "肆", "伍", "陆", "柒",
					     "捌", "玖" };
	static const char *const place[] = { "", "拾", "佰", "仟" };
	static const char *const group[] = { "", "万", "亿" };
	static const int64_t scale[] = { 1, 10000, 100000000 };
	bool written = false, zero = false;
	int g, p;

	for (g = 2; g >= 0; g--) {
		int v = (int)(yuan / scale[g] % 10000);

		if (!v) {
			zero = zero || written;
			continue;
		}
		for (p = 3; p >= 0; p--) {
			int d = v / (p == 3 ? 1000 : p == 2 ? 100 : p == 1 ? 10 : 1) % 10;

			if (!d) {
				zero = zero || written;
				continue;
			}
			if (zero)
				add(out, n, digit[0]);
			zero = false;
			add(out, n, digit[d]);
			add(out, n, place[p]);
			written = true;
		}
		add(out, n, group[g]);
	}
}

void einv_upper(int64_t fen, char out[TSIM_UPPER_MAX])
{
	static const char *const digit[] = { "零", "壹", "贰", "叁", "肆", "伍", "陆", "柒",
					     "捌", "玖" };
	int64_t yuan;
	int jiao, f;

	out[0] = '\0';
	if (fen < 0) {
		add(out, TSIM_UPPER_MAX, "负");
		fen = -fen;
	}
	yuan = fen / 100 % 1000000000000LL;
	jiao = (int)(fen / 10 % 10);
	f = (int)(fen % 10);
	if (yuan) {
		upper_yuan(yuan, out, TSIM_UPPER_MAX);
		add(out, TSIM_UPPER_MAX, "圆");
	}
	if (!jiao && !f) {
		add(out, TSIM_UPPER_MAX, yuan ? "整" : "零圆整");
		return;
	}
	if (jiao) {
		add(out, TSIM_UPPER_MAX, digit[jiao]);
		add(out, TSIM_UPPER_MAX, "角");
	} else if (yuan) {
		add(out, TSIM_UPPER_MAX, digit[0]);
	}
	if (f) {
		add(out, TSIM_UPPER_MAX, digit[f]);
		add(out, TSIM_UPPER_MAX, "分");
	} else {
		add(out, TSIM_UPPER_MAX, "整");
	}
}

/* The sums of inv's lines into its totals. */
static void totals(struct einvoice *inv)
{
	int i;

	inv->amount_fen = inv->tax_fen = 0;
	for (i = 0; i < inv->nitems; i++) {
		inv->amount_fen += inv->items[i].amount_fen;
		inv->tax_fen += inv->items[i].tax_fen;
	}
	inv->total_fen = inv->amount_fen + inv->tax_fen;
}

void einv_make_blue(const struct tsim_cfg *cfg, const struct einv_request *rq,
		    const char *number, int64_t issued_s, struct einvoice *inv)
{
	int i;

	memset(inv, 0, sizeof(*inv));
	inv->kind = EINV_BLUE;
	snprintf(inv->number, sizeof(inv->number), "%s", number);
	inv->issued_s = issued_s;
	snprintf(inv->buyer_name, sizeof(inv->buyer_name), "%s", rq->buyer_name);
	snprintf(inv->buyer_tax_id, sizeof(inv->buyer_tax_id), "%s", rq->buyer_tax_id);
	snprintf(inv->seller_name, sizeof(inv->seller_name), "%s", cfg->seller_name);
	snprintf(inv->seller_tax_id, sizeof(inv->seller_tax_id), "%s", cfg->seller_tax_id);
	for (i = 0; i < rq->nitems; i++) {
		const struct einv_item_req *r = &rq->items[i];
		struct einv_item *it = &inv->items[i];

		memcpy(it->name, r->name, sizeof(it->name));
		memcpy(it->spec, r->spec, sizeof(it->spec));
		memcpy(it->unit, r->unit, sizeof(it->unit));
		it->quantity = r->quantity;
		it->rate_pct = r->rate_pct;
		einv_split(r->total_fen, r->rate_pct, &it->amount_fen, &it->tax_fen);
		einv_unit_price(it->amount_fen, it->quantity, it->unit_price);
	}
	inv->nitems = rq->nitems;
	totals(inv);
	snprintf(inv->remarks, sizeof(inv->remarks), "%s", rq->remarks);
	snprintf(inv->issuer, sizeof(inv->issuer), "%s", rq->issuer);
}

void einv_make_red(const struct einvoice *blue, const char *number, int64_t issued_s,
		   const char *reason, struct einvoice *red)
{
	int i;

	*red = *blue;
	red->kind = EINV_RED;
	snprintf(red->number, sizeof(red->number), "%s", number);
	snprintf(red->original, sizeof(red->original), "%s", blue->number);
	red->issued_s = issued_s;
	for (i = 0; i < red->nitems; i++) {
		red->items[i].quantity = -blue->items[i].quantity;
		red->items[i].amount_fen = -blue->items[i].amount_fen;
		red->items[i].tax_fen = -blue->items[i].tax_fen;
	}
	totals(red);
	snprintf(red->remarks, sizeof(red->remarks), TSIM_RED_PREFIX "%s" TSIM_RED_REASON "%s",
		 blue->number, reason);
}

/* ---- the invoice as JSON ---- */

static json_t *items_json(const struct einvoice *inv)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < inv->nitems; i++) {
		const struct einv_item *it = &inv->items[i];

		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:i, s:I}",
				"name", it->name, "spec", it->spec, "unit", it->unit,
				"quantity", (json_int_t)it->quantity, "unit_price", it->unit_price,
				"amount_fen", (json_int_t)it->amount_fen, "tax_rate", it->rate_pct,
				"tax_fen", (json_int_t)it->tax_fen))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

char *einv_answer(const struct einvoice *inv, const char *request_id)
{
	char at[PAY_RFC3339_LEN + 1], upper[TSIM_UPPER_MAX], *xml = einv_xml(inv, request_id);
	json_t *j;
	char *s;

	pay_rfc3339(inv->issued_s, at);
	einv_upper(inv->total_fen, upper);
	j = xml ? json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I,"
			    " s:s, s:s, s:s}, s:s}", "invoice",
			    "kind", inv->kind == EINV_BLUE ? "blue" : "red", "number", inv->number,
			    "original", inv->original, "request_id", request_id, "issued_at", at,
			    "buyer_name", inv->buyer_name, "buyer_tax_id", inv->buyer_tax_id,
			    "seller_name", inv->seller_name, "seller_tax_id", inv->seller_tax_id,
			    "items", items_json(inv), "amount_fen", (json_int_t)inv->amount_fen,
			    "tax_fen", (json_int_t)inv->tax_fen, "total_fen",
			    (json_int_t)inv->total_fen, "total_in_words", upper, "remarks",
			    inv->remarks, "issuer", inv->issuer, "xml", xml)
		  : NULL;
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	free(xml);
	return s;
}

/* A string member of j into dst (size n); false when it is none or too long. */
static bool copy_member(json_t *j, const char *name, char *dst, size_t n)
{
	const char *s = json_string_value(json_object_get(j, name));

	if (!s || strlen(s) >= n)
		return false;
	memcpy(dst, s, strlen(s) + 1);
	return true;
}

bool einv_from_answer(const char *answer, struct einvoice *inv)
{
	json_t *a = json_loads(answer, 0, NULL), *j = json_object_get(a, "invoice"), *items;
	char kind[8], at[40];
	bool ok;
	size_t i;

	memset(inv, 0, sizeof(*inv));
	items = json_object_get(j, "items");
	ok = copy_member(j, "kind", kind, sizeof(kind)) &&
	     copy_member(j, "number", inv->number, sizeof(inv->number)) &&
	     copy_member(j, "original", inv->original, sizeof(inv->original)) &&
	     copy_member(j, "issued_at", at, sizeof(at)) &&
	     !pay_parse_rfc3339(at, &inv->issued_s) &&
	     copy_member(j, "buyer_name", inv->buyer_name, sizeof(inv->buyer_name)) &&
	     copy_member(j, "buyer_tax_id", inv->buyer_tax_id, sizeof(inv->buyer_tax_id)) &&
	     copy_member(j, "seller_name", inv->seller_name, sizeof(inv->seller_name)) &&
	     copy_member(j, "seller_tax_id", inv->seller_tax_id, sizeof(inv->seller_tax_id)) &&
	     copy_member(j, "remarks", inv->remarks, sizeof(inv->remarks)) &&
	     copy_member(j, "issuer", inv->issuer, sizeof(inv->issuer)) &&
	     json_array_size(items) >= 1 && json_array_size(items) <= EINV_ITEMS_MAX;
	inv->kind = ok && !strcmp(kind, "red") ? EINV_RED : EINV_BLUE;
	for (i = 0; ok && i < json_array_size(items); i++) {
		json_t *t = json_array_get(items, i);
		struct einv_item *it = &inv->items[i];

		ok = copy_member(t, "name", it->name, sizeof(it->name)) &&
		     copy_member(t, "spec", it->spec, sizeof(it->spec)) &&
		     copy_member(t, "unit", it->unit, sizeof(it->unit)) &&
		     copy_member(t, "unit_price", it->unit_price, sizeof(it->unit_price));
		it->quantity = (int64_t)json_integer_value(json_object_get(t, "quantity"));
		it->amount_fen = (int64_t)json_integer_value(json_object_get(t, "amount_fen"));
		it->tax_fen = (int64_t)json_integer_value(json_object_get(t, "tax_fen"));
		it->rate_pct = (int)json_integer_value(json_object_get(t, "tax_rate"));
	}
	inv->nitems = (int)i;
	if (ok)
		totals(inv);
	json_decref(a);
	return ok;
}

/* ---- the invoice as XML ---- */

/* A growing text: the XML as it is written. */
struct xbuf {
	char *p;      /* malloc'd, NUL-terminated */
	size_t n, cap;
	bool failed;  /* out of memory once: the rest is dropped */
};

static void xadd(struct xbuf *b, const char *s, size_t len)
{
	if (b->failed)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->n + len + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void xprintf(struct xbuf *b, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s))
		b->failed = true;
	else
		xadd(b, s, (size_t)n);
}

/* <name>text</name> on a line of its own, indent spaces in, text escaped. */
static void element(struct xbuf *b, int indent, const char *name, const char *text)
{
	const char *s;

	xprintf(b, "%*s<%s>", indent, "", name);
	for (s = text; *s; s++) {
		const char *esc = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
				  : *s == '"' ? "&quot;" : *s == '\'' ? "&apos;" : NULL;

		if (esc)
			xadd(b, esc, strlen(esc));
		else
			xadd(b, s, 1);
	}
	xprintf(b, "</%s>\n", name);
}

/* fen as yuan with two decimals ("566.04", "-566.04"). */
static void yuan(int64_t fen, char out[32])
{
	int64_t a = fen < 0 ? -fen : fen;

	snprintf(out, 32, "%s%lld.%02lld", fen < 0 ? "-" : "", (long long)(a / 100),
		 (long long)(a % 100));
}

static void xml_party(struct xbuf *b, const char *role, const char *name, const char *tax_id)
{
	xprintf(b, "  <%s>\n", role);
	element(b, 4, "Name", name);
	element(b, 4, "TaxId", tax_id);
	xprintf(b, "  </%s>\n", role);
}

static void xml_item(struct xbuf *b, int line, const struct einv_item *it)
{
	char v[32];

	xprintf(b, "    <Item Line=\"%d\">\n", line);
	element(b, 6, "Name", it->name);
	element(b, 6, "Spec", it->spec);
	element(b, 6, "Unit", it->unit);
	snprintf(v, sizeof(v), "%lld", (long long)it->quantity);
	element(b, 6, "Quantity", v);
	element(b, 6, "UnitPrice", it->unit_price);
	yuan(it->amount_fen, v);
	element(b, 6, "Amount", v);
	snprintf(v, sizeof(v), it->rate_pct ? "0.%02d" : "0", it->rate_pct);
	element(b, 6, "TaxRate", v);
	yuan(it->tax_fen, v);
	element(b, 6, "Tax", v);
	xprintf(b, "    </Item>\n");
}

char *einv_xml(const struct einvoice *inv, const char *request_id)
{
	char at[PAY_RFC3339_LEN + 1], v[32], upper[TSIM_UPPER_MAX];
	struct xbuf b = { 0 };
	int i;

	pay_rfc3339(inv->issued_s, at);
	xprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EInvoice xmlns=\"%s\">\n",
		XML_NS);
	element(&b, 2, "InvoiceNumber", inv->number);
	element(&b, 2, "InvoiceKind", inv->kind == EINV_BLUE ? "blue" : "red");
	if (inv->kind == EINV_RED)
		element(&b, 2, "OriginalNumber", inv->original);
	element(&b, 2, "IssueTime", at);
	element(&b, 2, "RequestId", request_id);
	xml_party(&b, "Seller", inv->seller_name, inv->seller_tax_id);
	xml_party(&b, "Buyer", inv->buyer_name, inv->buyer_tax_id);
	xprintf(&b, "  <Items>\n");
	for (i = 0; i < inv->nitems; i++)
		xml_item(&b, i + 1, &inv->items[i]);
	xprintf(&b, "  </Items>\n");
	yuan(inv->amount_fen, v);
	element(&b, 2, "TotalAmount", v);
	yuan(inv->tax_fen, v);
	element(&b, 2, "TotalTax", v);
	yuan(inv->total_fen, v);
	element(&b, 2, "TotalWithTax", v);
	einv_upper(inv->total_fen, upper);
	element(&b, 2, "TotalWithTaxInWords", upper);
	element(&b, 2, "Remarks", inv->remarks);
	element(&b, 2, "Issuer", inv->issuer);
	xprintf(&b, "</EInvoice>\n");
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
