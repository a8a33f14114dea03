/*
 * einvoice.c - an issued invoice as the hub stores it: struct einvoice as
 * JSON and back (einvoice.h). The stored form is the hub's own; what the
 * platform sent is checked by its adapter (taxplat.c) before it gets here.
 */
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "einvoice.h"

/* Copy string member key of j into out (size n): false when it is missing,
 * not a string, not UTF-8 or too long. */
static bool str_of(json_t *j, const char *key, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(j, key));
	size_t chars;

	if (!s || strlen(s) >= n || !utf8_count(s, &chars))
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

static bool int_of(json_t *j, const char *key, int64_t *out)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

json_t *einvoice_json(const struct einvoice *inv)
{
	json_t *items = json_array(), *j;
	int i;

	if (!items)
		return NULL;
	for (i = 0; i < inv->nitems && i < EINV_ITEMS_MAX; i++) {
		const struct einv_item *it = &inv->items[i];

		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:i, s:I}",
						       "name", it->name, "spec", it->spec, "unit",
						       it->unit, "quantity", (json_int_t)it->quantity,
						       "unit_price", it->unit_price, "amount_fen",
						       (json_int_t)it->amount_fen, "rate_pct",
						       it->rate_pct, "tax_fen",
						       (json_int_t)it->tax_fen));
	}
	j = json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:I, s:I, s:I, "
		      "s:s, s:s}",
		      "kind", inv->kind == EINV_RED ? "red" : "blue", "number", inv->number,
		      "original", inv->original, "issued_s", (json_int_t)inv->issued_s,
		      "buyer", "name", inv->buyer_name, "tax_id", inv->buyer_tax_id,
		      "seller", "name", inv->seller_name, "tax_id", inv->seller_tax_id,
		      "items", items, "amount_fen", (json_int_t)inv->amount_fen, "tax_fen",
		      (json_int_t)inv->tax_fen, "total_fen", (json_int_t)inv->total_fen,
		      "remarks", inv->remarks, "issuer", inv->issuer);
	return j;
}

ca_err einvoice_from_json(json_t *j, struct einvoice *inv)
{
	json_t *items = json_object_get(j, "items"), *buyer = json_object_get(j, "buyer");
	json_t *seller = json_object_get(j, "seller"), *it;
	const char *kind = json_string_value(json_object_get(j, "kind"));
	int64_t v;
	size_t i;
	bool ok;

	memset(inv, 0, sizeof(*inv));
	if (!kind || !json_is_array(items) || json_array_size(items) < 1 ||
	    json_array_size(items) > EINV_ITEMS_MAX)
		return CA_ERR_CORRUPT;
	inv->kind = !strcmp(kind, "red") ? EINV_RED : EINV_BLUE;
	ok = str_of(j, "number", inv->number, sizeof(inv->number)) &&
	     str_of(j, "original", inv->original, sizeof(inv->original)) &&
	     int_of(j, "issued_s", &inv->issued_s) &&
	     str_of(buyer, "name", inv->buyer_name, sizeof(inv->buyer_name)) &&
	     str_of(buyer, "tax_id", inv->buyer_tax_id, sizeof(inv->buyer_tax_id)) &&
	     str_of(seller, "name", inv->seller_name, sizeof(inv->seller_name)) &&
	     str_of(seller, "tax_id", inv->seller_tax_id, sizeof(inv->seller_tax_id)) &&
	     int_of(j, "amount_fen", &inv->amount_fen) && int_of(j, "tax_fen", &inv->tax_fen) &&
	     int_of(j, "total_fen", &inv->total_fen) &&
	     str_of(j, "remarks", inv->remarks, sizeof(inv->remarks)) &&
	     str_of(j, "issuer", inv->issuer, sizeof(inv->issuer));
	json_array_foreach(items, i, it) {
		struct einv_item *x = &inv->items[i];

		ok = ok && str_of(it, "name", x->name, sizeof(x->name)) &&
		     str_of(it, "spec", x->spec, sizeof(x->spec)) &&
		     str_of(it, "unit", x->unit, sizeof(x->unit)) &&
		     int_of(it, "quantity", &x->quantity) &&
		     str_of(it, "unit_price", x->unit_price, sizeof(x->unit_price)) &&
		     int_of(it, "amount_fen", &x->amount_fen) && int_of(it, "rate_pct", &v) &&
		     int_of(it, "tax_fen", &x->tax_fen);
		x->rate_pct = ok && v >= 0 && v <= 100 ? (int)v : 0;
	}
	inv->nitems = (int)json_array_size(items);
	return ok ? CA_OK : CA_ERR_CORRUPT;
}
