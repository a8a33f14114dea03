/*
 * wire.h - what the simulator writes as WeChat Pay writes it: RFC 3339
 * times in China time (+08:00), an order as the query answers it, a
 * refund, random ids; and the RFC 3339 reader for time_expire.
 */
#ifndef PSIM_WIRE_H
#define PSIM_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "books.h"
#include "core/err.h"
#include "hub/upsign.h"

#define WIRE_TIME_MAX 32 /* "2026-01-02T03:04:05+08:00" and a NUL, with room */

/* ms as "YYYY-MM-DDTHH:MM:SS+08:00" into out. */
void wire_time(int64_t ms, char out[WIRE_TIME_MAX]);

/* An RFC 3339 date-time ("2026-01-02T03:04:05+08:00", "...Z", with or
 * without fractions of a second) into Unix ms, as the hub reads one
 * (pay_parse_rfc3339: the fraction dropped). false when s is not one. */
bool wire_parse_time(const char *s, int64_t *ms);

/* ms as the bank gateway writes a time, "YYYYMMDDhhmmss" in China time
 * (upsign_time, as the hub writes one). */
void wire_compact(int64_t ms, char out[UPSIGN_TIME_LEN + 1]);

/* The opposite: a 14-digit China time into Unix ms (upsign_parse_time);
 * false when s is not one (a bad date included). */
bool wire_parse_compact(const char *s, int64_t *ms);

/* n random characters of [0-9A-Za-z] (digits only when digits) into out
 * (size n + 1). CA_ERR_IO when the kernel gives no randomness. */
ca_err wire_random(char *out, size_t n, bool digits);

/* WeChat Pay's text for a trade_state ("订单未支付", ...). */
const char *wire_state_desc(const char *state);

/* The order as GET /v3/pay/transactions/out-trade-no/NO answers it (and
 * as a notification's resource holds it). A new object; NULL: no memory. */
json_t *wire_order(const struct book_order *o);

/* The refund as POST /v3/refund/domestic/refunds answers it. */
json_t *wire_refund(const struct book_refund *r);

#endif
