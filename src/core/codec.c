/*
 * codec.c - JSON encoding and strict decoding of records.
 *
 * Both record types are described by a table of fields (key, type, offset,
 * limits); one encoder and one decoder walk the table, so a field added to a
 * record is added in one place and the two directions cannot drift apart.
 */
#include "codec.h"

#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "uuid.h"

/* Largest JSON text a record may be (a full record is about 3 KiB). */
#define CODEC_TEXT_MAX (64 * 1024)

enum ftype {
	FT_TEXT, /* UTF-8 text, max_chars characters, fits size bytes */
	FT_UUID, /* record id */
	FT_ENUM, /* glossary identifier */
	FT_INT,  /* int in [min, max] */
	FT_I64,  /* int64_t in [min, max] */
};

struct fdesc {
	const char *key;                 /* JSON key */
	enum ftype type;                 /* how it is stored */
	size_t off;                      /* offset in the struct */
	size_t size;                     /* FT_TEXT: buffer size in bytes */
	int max_chars;                   /* FT_TEXT: character limit */
	int64_t min, max;                /* FT_INT, FT_I64: range */
	const char *(*name)(int v);      /* FT_ENUM: value -> identifier */
	int (*value)(const char *id);    /* FT_ENUM: identifier -> value, -1 */
	int n_values;                    /* FT_ENUM: number of values */
};

_Static_assert(sizeof(enum ca_app_status) == sizeof(int), "enums are ints");
_Static_assert(sizeof(enum ca_pickup) == sizeof(int), "enums are ints");

static const char *app_status_name(int v) { return ca_app_status_id((enum ca_app_status)v); }
static const char *pay_status_name(int v) { return ca_pay_status_id((enum ca_pay_status)v); }
static const char *proc_status_name(int v) { return ca_proc_status_id((enum ca_proc_status)v); }
static const char *business_name(int v) { return ca_business_id((enum ca_business)v); }
static const char *cert_type_name(int v) { return ca_cert_type_id((enum ca_cert_type)v); }
static const char *pickup_name(int v) { return ca_pickup_id((enum ca_pickup)v); }

#define TEXT(st, f, chars) {#f, FT_TEXT, offsetof(st, f), sizeof(((st *)0)->f), chars, 0, 0, NULL, NULL, 0}
#define UUID(st, f) {#f, FT_UUID, offsetof(st, f), sizeof(((st *)0)->f), CA_UUID_LEN, 0, 0, NULL, NULL, 0}
#define ENUM(st, f, nm, from, n) {#f, FT_ENUM, offsetof(st, f), 0, 0, 0, 0, nm, from, n}
#define INT(st, f, lo, hi) {#f, FT_INT, offsetof(st, f), 0, 0, lo, hi, NULL, NULL, 0}
#define I64(st, f, lo, hi) {#f, FT_I64, offsetof(st, f), 0, 0, lo, hi, NULL, NULL, 0}

static const struct fdesc app_fields[] = {
	UUID(struct ca_app, id),
	TEXT(struct ca_app, account, 11),
	TEXT(struct ca_app, kiosk_id, CA_KIOSK_ID_MAX),
	ENUM(struct ca_app, app_status, app_status_name, ca_app_status_from_id, CA_APP__N),
	ENUM(struct ca_app, pay_status, pay_status_name, ca_pay_status_from_id, CA_PAY__N),
	ENUM(struct ca_app, proc_status, proc_status_name, ca_proc_status_from_id, CA_PROC__N),
	TEXT(struct ca_app, company, CA_COMPANY_MAX),
	TEXT(struct ca_app, uscc, 18),
	TEXT(struct ca_app, legal_rep, CA_PERSON_MAX),
	TEXT(struct ca_app, handler, CA_PERSON_MAX),
	TEXT(struct ca_app, handler_id, 18),
	TEXT(struct ca_app, mobile, 11),
	TEXT(struct ca_app, email, CA_EMAIL_MAX),
	ENUM(struct ca_app, business, business_name, ca_business_from_id, CA_BIZ__N),
	ENUM(struct ca_app, cert_type, cert_type_name, ca_cert_type_from_id, CA_CERT__N),
	INT(struct ca_app, sub_keys, 0, CA_SUB_KEYS_MAX),
	ENUM(struct ca_app, pickup, pickup_name, ca_pickup_from_id, CA_PICKUP__N),
	TEXT(struct ca_app, mail_recipient, CA_PERSON_MAX),
	TEXT(struct ca_app, mail_phone, 20),
	TEXT(struct ca_app, mail_address, CA_ADDRESS_MAX),
	TEXT(struct ca_app, mail_postcode, 6),
	TEXT(struct ca_app, comment, CA_COMMENT_MAX),
	TEXT(struct ca_app, reject_reason, CA_COMMENT_MAX),
	TEXT(struct ca_app, tracking_no, CA_TRACKING_MAX),
	I64(struct ca_app, amount_fen, 0, CA_AMOUNT_MAX),
	I64(struct ca_app, rev, 0, INT64_MAX),
	I64(struct ca_app, created_ms, 0, CA_TIME_MAX),
	I64(struct ca_app, updated_ms, 0, CA_TIME_MAX),
};

static const struct fdesc record_fields[] = {
	UUID(struct ca_proc_record, id),
	UUID(struct ca_proc_record, app_id),
	I64(struct ca_proc_record, at_ms, 0, CA_TIME_MAX),
	TEXT(struct ca_proc_record, staff, CA_PERSON_MAX),
	TEXT(struct ca_proc_record, text, CA_COMMENT_MAX),
};

#define N_APP_FIELDS (sizeof(app_fields) / sizeof(app_fields[0]))
#define N_RECORD_FIELDS (sizeof(record_fields) / sizeof(record_fields[0]))

/* Format a decode error into err (size errlen, may be 0). */
static ca_err fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static ca_err fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CA_ERR_CODEC;
}

/* Encode the fields of the struct at base into a new object. */
static json_t *encode(const void *base, const struct fdesc *fd, size_t nf)
{
	const char *p = base;
	json_t *obj = json_object(), *v;
	size_t i;
	int iv;
	int64_t lv;

	if (!obj)
		return NULL;
	for (i = 0; i < nf; i++) {
		const struct fdesc *f = &fd[i];

		switch (f->type) {
		case FT_TEXT:
		case FT_UUID:
			v = json_string(p + f->off);
			break;
		case FT_ENUM:
			memcpy(&iv, p + f->off, sizeof(iv));
			v = json_string(f->name(iv));
			break;
		case FT_INT:
			memcpy(&iv, p + f->off, sizeof(iv));
			v = json_integer(iv);
			break;
		case FT_I64:
			memcpy(&lv, p + f->off, sizeof(lv));
			v = json_integer(lv);
			break;
		default:
			v = NULL;
		}
		/* json_object_set_new steals v, and fails on NULL. */
		if (json_object_set_new(obj, f->key, v) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* Decode one field f of obj into the struct at base. */
static ca_err decode_field(const json_t *v, const struct fdesc *f, char *base,
			   char *err, size_t errlen)
{
	const char *s;
	size_t len, chars;
	json_int_t n;
	int iv;
	int64_t lv;

	switch (f->type) {
	case FT_TEXT:
	case FT_UUID:
		if (!json_is_string(v))
			return fail(err, errlen, "field '%s': expected a string", f->key);
		s = json_string_value(v);
		len = json_string_length(v);
		if (strlen(s) != len)
			return fail(err, errlen, "field '%s': contains a NUL character", f->key);
		if (!utf8_count_n(s, len, &chars))
			return fail(err, errlen, "field '%s': not valid UTF-8", f->key);
		if (chars > (size_t)f->max_chars)
			return fail(err, errlen, "field '%s': longer than %d characters",
				    f->key, f->max_chars);
		if (len >= f->size)
			return fail(err, errlen, "field '%s': longer than %zu bytes",
				    f->key, f->size - 1);
		if (f->type == FT_UUID && !uuid_valid(s))
			return fail(err, errlen, "field '%s': not a UUID", f->key);
		memcpy(base + f->off, s, len + 1);
		return CA_OK;
	case FT_ENUM:
		if (!json_is_string(v))
			return fail(err, errlen, "field '%s': expected a string", f->key);
		iv = f->value(json_string_value(v));
		if (iv < 0 || iv >= f->n_values)
			return fail(err, errlen, "field '%s': unknown value '%.40s'", f->key,
				    json_string_value(v));
		memcpy(base + f->off, &iv, sizeof(iv));
		return CA_OK;
	case FT_INT:
	case FT_I64:
		if (!json_is_integer(v))
			return fail(err, errlen, "field '%s': expected an integer", f->key);
		n = json_integer_value(v);
		if (n < f->min || n > f->max)
			return fail(err, errlen, "field '%s': %lld out of range %lld..%lld",
				    f->key, (long long)n, (long long)f->min, (long long)f->max);
		if (f->type == FT_INT) {
			iv = (int)n;
			memcpy(base + f->off, &iv, sizeof(iv));
		} else {
			lv = (int64_t)n;
			memcpy(base + f->off, &lv, sizeof(lv));
		}
		return CA_OK;
	}
	return fail(err, errlen, "field '%s': bad descriptor", f->key);
}

/* Decode obj into the zeroed struct at base (size bytes): every field
 * present and good, no other keys. */
static ca_err decode(const json_t *obj, void *base, size_t size,
		     const struct fdesc *fd, size_t nf, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;
	ca_err e;

	if (errlen > 0)
		err[0] = '\0';
	memset(base, 0, size);
	if (!json_is_object(obj))
		return fail(err, errlen, "expected a JSON object");
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; i < nf; i++)
			if (!strcmp(fd[i].key, key))
				break;
		if (i == nf)
			return fail(err, errlen, "unknown field '%.40s'", key);
	}
	for (i = 0; i < nf; i++) {
		v = json_object_get(obj, fd[i].key);
		if (!v)
			return fail(err, errlen, "missing field '%s'", fd[i].key);
		e = decode_field(v, &fd[i], base, err, errlen);
		if (e)
			return e;
	}
	return CA_OK;
}

/* Parse text, then decode it with fd. */
static ca_err from_text(const char *text, size_t len, void *base, size_t size,
			const struct fdesc *fd, size_t nf, char *err, size_t errlen)
{
	json_error_t je;
	json_t *obj;
	ca_err e;

	memset(base, 0, size);
	if (len > CODEC_TEXT_MAX)
		return fail(err, errlen, "record of %zu bytes is over the %d byte limit",
			    len, CODEC_TEXT_MAX);
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!obj)
		return fail(err, errlen, "not JSON: line %d column %d: %s", je.line,
			    je.column, je.text);
	e = decode(obj, base, size, fd, nf, err, errlen);
	json_decref(obj);
	return e;
}

/* Compact text of obj into *out; consumes obj. A NULL obj means the
 * encoder failed: a text field was not UTF-8 (or memory ran out). */
static ca_err to_text(json_t *obj, char **out)
{
	if (!obj) {
		*out = NULL;
		return CA_ERR_CODEC;
	}
	*out = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return *out ? CA_OK : CA_ERR_NOMEM;
}

json_t *codec_app_encode(const struct ca_app *app)
{
	return encode(app, app_fields, N_APP_FIELDS);
}

ca_err codec_app_decode(const json_t *obj, struct ca_app *app, char *err, size_t errlen)
{
	return decode(obj, app, sizeof(*app), app_fields, N_APP_FIELDS, err, errlen);
}

ca_err codec_app_to_text(const struct ca_app *app, char **out)
{
	return to_text(codec_app_encode(app), out);
}

ca_err codec_app_from_text(const char *text, size_t len, struct ca_app *app,
			   char *err, size_t errlen)
{
	return from_text(text, len, app, sizeof(*app), app_fields, N_APP_FIELDS, err,
			 errlen);
}

json_t *codec_record_encode(const struct ca_proc_record *rec)
{
	return encode(rec, record_fields, N_RECORD_FIELDS);
}

ca_err codec_record_decode(const json_t *obj, struct ca_proc_record *rec, char *err,
			   size_t errlen)
{
	return decode(obj, rec, sizeof(*rec), record_fields, N_RECORD_FIELDS, err, errlen);
}

ca_err codec_record_to_text(const struct ca_proc_record *rec, char **out)
{
	return to_text(codec_record_encode(rec), out);
}

ca_err codec_record_from_text(const char *text, size_t len, struct ca_proc_record *rec,
			      char *err, size_t errlen)
{
	return from_text(text, len, rec, sizeof(*rec), record_fields, N_RECORD_FIELDS,
			 err, errlen);
}

/* ---- invoice rows of the feed ---- */

/* The text member key of obj into buf (size bytes): absent gives dflt
 * (NULL: required), another type or a text that does not fit is an error. */
static ca_err inv_text(const json_t *obj, const char *key, const char *dflt, char *buf,
		       size_t size, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (!v && dflt) {
		snprintf(buf, size, "%s", dflt);
		return CA_OK;
	}
	if (!v)
		return fail(err, errlen, "missing field '%s'", key);
	if (!s)
		return fail(err, errlen, "field '%s': expected a string", key);
	if (json_string_length(v) >= size || strlen(s) != json_string_length(v))
		return fail(err, errlen, "field '%s': longer than %zu bytes or with a NUL", key,
			    size - 1);
	memcpy(buf, s, json_string_length(v) + 1);
	return CA_OK;
}

/* The identifier member key of obj (absent: dflt) through from_id. */
static ca_err inv_enum(const json_t *obj, const char *key, int dflt, int (*from_id)(const char *),
		       int *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (!v) {
		*out = dflt;
		return CA_OK;
	}
	if (!json_is_string(v))
		return fail(err, errlen, "field '%s': expected a string", key);
	*out = from_id(json_string_value(v));
	if (*out < 0)
		return fail(err, errlen, "field '%s': unknown value '%.40s'", key,
			    json_string_value(v));
	return CA_OK;
}

/* The integer member key of obj: absent or null gives dflt (NULL:
 * required), another type or a value outside lo..hi is an error. */
static ca_err inv_int(const json_t *obj, const char *key, const int64_t *dflt, int64_t lo,
		      int64_t hi, int64_t *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t n;

	if ((!v || json_is_null(v)) && dflt) {
		*out = *dflt;
		return CA_OK;
	}
	if (!v)
		return fail(err, errlen, "missing field '%s'", key);
	if (!json_is_integer(v))
		return fail(err, errlen, "field '%s': expected an integer", key);
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return fail(err, errlen, "field '%s': %lld out of range %lld..%lld", key,
			    (long long)n, (long long)lo, (long long)hi);
	*out = (int64_t)n;
	return CA_OK;
}

ca_err codec_invoice_decode(const json_t *obj, struct ca_invoice *inv, char *err,
			    size_t errlen)
{
	static const int64_t unknown = CA_FEN_UNKNOWN;
	char why[CODEC_ERR_MAX];
	int kind = CA_INV_BLUE, state = CA_INV_ISSUED;
	ca_err e;

	if (errlen > 0)
		err[0] = '\0';
	memset(inv, 0, sizeof(*inv));
	if (!json_is_object(obj))
		return fail(err, errlen, "expected a JSON object");
	e = inv_text(obj, "app_id", NULL, inv->app_id, sizeof(inv->app_id), err, errlen);
	if (!e)
		e = inv_enum(obj, "kind", CA_INV_BLUE, ca_inv_kind_from_id, &kind, err, errlen);
	if (!e)
		e = inv_enum(obj, "state", CA_INV_ISSUED, ca_inv_state_from_id, &state, err,
			     errlen);
	if (!e)
		e = inv_text(obj, "number", NULL, inv->number, sizeof(inv->number), err, errlen);
	if (!e)
		e = inv_text(obj, "original", "", inv->original, sizeof(inv->original), err,
			     errlen);
	if (!e)
		e = inv_int(obj, "issued_ms", NULL, 0, CA_TIME_MAX, &inv->issued_ms, err, errlen);
	if (!e)
		e = inv_int(obj, "total_fen", &unknown, -CA_AMOUNT_MAX, CA_AMOUNT_MAX,
			    &inv->total_fen, err, errlen);
	if (!e)
		e = inv_int(obj, "tax_fen", &unknown, -CA_AMOUNT_MAX, CA_AMOUNT_MAX, &inv->tax_fen,
			    err, errlen);
	inv->kind = (enum ca_inv_kind)kind;
	inv->state = (enum ca_inv_state)state;
	/* A total of 0 is a hub's "no amounts" (the rows it keeps for an
	 * invoice from before the tax platform, or not issued yet). */
	if (!e && inv->total_fen == 0) {
		if (inv->tax_fen != 0 && inv->tax_fen != CA_FEN_UNKNOWN)
			e = fail(err, errlen, "tax_fen: no tax without a total");
		inv->total_fen = inv->tax_fen = CA_FEN_UNKNOWN;
	}
	if (!e && !ca_invoice_check(inv, why, sizeof(why)))
		e = fail(err, errlen, "%s", why);
	if (e)
		memset(inv, 0, sizeof(*inv));
	return e;
}

json_t *codec_invoice_encode(const struct ca_invoice *inv)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "app_id", inv->app_id,
			      "kind", ca_inv_kind_id(inv->kind), "state",
			      ca_inv_state_id(inv->state), "number", inv->number, "original",
			      inv->original, "issued_ms", (json_int_t)inv->issued_ms);

	if (o && inv->total_fen != CA_FEN_UNKNOWN &&
	    json_object_set_new(o, "total_fen", json_integer(inv->total_fen)) != 0)
		goto fail;
	if (o && inv->tax_fen != CA_FEN_UNKNOWN &&
	    json_object_set_new(o, "tax_fen", json_integer(inv->tax_fen)) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}
