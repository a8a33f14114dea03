/*
 * codec.h - application and processing records to and from JSON (jansson),
 * and the change feed's invoice rows.
 *
 * Encoding writes every field, statuses as glossary identifiers, amounts as
 * integer fen. Decoding is strict: a missing field, an unknown field, a wrong
 * type, an unknown status or choice, an out-of-range number, text that is not
 * UTF-8 or over its character limit: each is an error with a message that
 * names the field. decode(encode(x)) == x, and encode(decode(s)) == s for
 * any s that encode produced.
 */
#ifndef CA_CODEC_H
#define CA_CODEC_H

#include <jansson.h>
#include <stddef.h>

#include "app.h"
#include "err.h"
#include "invoice.h"

/* Room for a decode error message. */
#define CODEC_ERR_MAX 160

/* A new JSON object for app; NULL when out of memory or when a text field
 * is not valid UTF-8 (jansson refuses it). Caller owns it. */
json_t *codec_app_encode(const struct ca_app *app);

/* Decode obj into *app (zeroed first). CA_ERR_CODEC with a message in
 * err (size errlen, may be 0) when obj is not a valid record. */
ca_err codec_app_decode(const json_t *obj, struct ca_app *app, char *err,
			size_t errlen);

/* Compact JSON text for app into *out (malloc'd, caller frees).
 * CA_ERR_CODEC when a text field is not valid UTF-8. */
ca_err codec_app_to_text(const struct ca_app *app, char **out);

/* Parse len bytes of JSON text into *app; CA_ERR_CODEC with a message when
 * it is not JSON or not a valid record. */
ca_err codec_app_from_text(const char *text, size_t len, struct ca_app *app,
			   char *err, size_t errlen);

/* The same four for processing records. */
json_t *codec_record_encode(const struct ca_proc_record *rec);
ca_err codec_record_decode(const json_t *obj, struct ca_proc_record *rec,
			   char *err, size_t errlen);
ca_err codec_record_to_text(const struct ca_proc_record *rec, char **out);
ca_err codec_record_from_text(const char *text, size_t len,
			      struct ca_proc_record *rec, char *err,
			      size_t errlen);

/*
 * An invoice row of the hub's change feed (docs/api.md, kind "invoice"),
 * which a kiosk accepts in two forms: the whole one, {"app_id", "kind",
 * "state", "number", "original", "issued_ms", "total_fen", "tax_fen"},
 * and that of hubs before the tax platform, {"app_id", "issued_ms",
 * "number"}. A missing kind is blue, a missing state issued, a missing
 * original "", a missing or null amount CA_FEN_UNKNOWN, and so is a total
 * of 0 (no invoice is of nothing: the hub has no amounts to tell), with
 * its tax (which must then be 0 or missing too); members not named here
 * are ignored (a newer hub may add some). Strict otherwise: a member
 * of another type, an unknown kind or state, a text over its size, or a
 * row that breaks the rules of ca_invoice_check is CA_ERR_CODEC with the
 * member named in err.
 */
ca_err codec_invoice_decode(const json_t *obj, struct ca_invoice *inv, char *err,
			    size_t errlen);

/* The whole form of inv (unknown amounts left out); NULL when out of
 * memory. decode(encode(x)) == x for a row that keeps the rules. */
json_t *codec_invoice_encode(const struct ca_invoice *inv);

#endif
