/*
 * invoice.c - the rules of an e-invoice row of the hub's feed (invoice.h)
 * and its identifiers.
 */
#include "invoice.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

static const char *const kind_ids[CA_INV_KIND__N] = { "blue", "red" };
static const char *const state_ids[CA_INV_STATE__N] = { "issued", "pending", "failed" };

/* The identifier at v of table (n entries), "?" out of range. */
static const char *id_of(const char *const *table, int n, int v)
{
	return v >= 0 && v < n ? table[v] : "?";
}

/* The index of id in table (n entries), -1 when it is none of them. */
static int id_find(const char *const *table, int n, const char *id)
{
	int i;

	for (i = 0; id && i < n; i++)
		if (!strcmp(table[i], id))
			return i;
	return -1;
}

const char *ca_inv_kind_id(enum ca_inv_kind k)
{
	return id_of(kind_ids, CA_INV_KIND__N, (int)k);
}

const char *ca_inv_state_id(enum ca_inv_state s)
{
	return id_of(state_ids, CA_INV_STATE__N, (int)s);
}

int ca_inv_kind_from_id(const char *id)
{
	return id_find(kind_ids, CA_INV_KIND__N, id);
}

int ca_inv_state_from_id(const char *id)
{
	return id_find(state_ids, CA_INV_STATE__N, id);
}

bool ca_invoice_number_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return s[n] == '\0' && (n == CA_INVOICE_NO_MAX || n == CA_INVOICE_NO_OLD);
}

/* Say why in why (size n) and return false. */
static bool broken(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool broken(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (n > 0) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return false;
}

bool ca_invoice_check(const struct ca_invoice *inv, char *why, size_t n)
{
	bool red = inv->kind == CA_INV_RED;
	int64_t t = inv->total_fen, x = inv->tax_fen;

	if (n > 0)
		why[0] = '\0';
	if (!uuid_valid(inv->app_id))
		return broken(why, n, "app_id: not a UUID");
	if ((unsigned)inv->kind >= CA_INV_KIND__N)
		return broken(why, n, "kind: unknown");
	if ((unsigned)inv->state >= CA_INV_STATE__N)
		return broken(why, n, "state: unknown");
	if (inv->state == CA_INV_ISSUED) {
		if (!ca_invoice_number_valid(inv->number))
			return broken(why, n, "number: %d or %d digits needed once issued",
				      CA_INVOICE_NO_OLD, CA_INVOICE_NO_MAX);
		if (inv->issued_ms <= 0)
			return broken(why, n, "issued_ms: an issued invoice has its date");
	} else if (inv->number[0]) {
		return broken(why, n, "number: must be empty while %s",
			      ca_inv_state_id(inv->state));
	}
	if (inv->issued_ms < 0 || inv->issued_ms > CA_TIME_MAX)
		return broken(why, n, "issued_ms: out of range");
	/* A red invoice names the blue one once issued; while it waits the
	 * hub may not have written it yet. */
	if (red && (inv->state == CA_INV_ISSUED || inv->original[0]) &&
	    !ca_invoice_number_valid(inv->original))
		return broken(why, n, "original: a red invoice names the blue one it reverses");
	if (!red && inv->original[0])
		return broken(why, n, "original: only a red invoice has one");
	if (t != CA_FEN_UNKNOWN && (red ? t >= 0 || t < -CA_AMOUNT_MAX
				       : t <= 0 || t > CA_AMOUNT_MAX))
		return broken(why, n, "total_fen: %s", red ? "negative on a red invoice"
							   : "positive on a blue invoice");
	if (x != CA_FEN_UNKNOWN &&
	    (t == CA_FEN_UNKNOWN || (red ? x > 0 || x < t : x < 0 || x > t)))
		return broken(why, n, "tax_fen: within the total, of its sign");
	return true;
}
