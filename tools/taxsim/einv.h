/*
 * einv.h - the platform's rules for an invoice (docs/taxsim.md): what a
 * request to issue one must be, the tax of a line, the number, and the
 * invoice as the platform hands it out: JSON (every field of struct
 * einvoice, src/hub/einvoice.h) and XML (the platform's own schema). Pure
 * functions: no I/O, no clock.
 *
 * The rounding rule, stated once: a line's amount excluding tax is
 * total * 100 / (100 + rate) in fen rounded half up, its tax the total
 * less that amount; the unit price is amount / quantity in yuan rounded
 * half up to 8 decimals, trailing zeros dropped. An invoice's amount, tax
 * and total are the sums of its lines.
 */
#ifndef TSIM_EINV_H
#define TSIM_EINV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "hub/einvoice.h"
#include "tsim.h"

#define TSIM_NAME_CHARS 100        /* a buyer's name, in characters */
#define TSIM_ITEM_CHARS 100        /* an item's name, "*category*" included */
#define TSIM_SPEC_CHARS 40         /* 规格型号 */
#define TSIM_UNIT_CHARS 10         /* 单位 */
#define TSIM_REMARKS_CHARS 200     /* a blue invoice's 备注 */
#define TSIM_ISSUER_CHARS 20       /* 开票人 */
#define TSIM_REASON_CHARS 100      /* a reversal's reason */
#define TSIM_QUANTITY_MAX 1000000  /* a line's quantity: 1 .. this */
#define TSIM_TOTAL_MAX 9999999999LL /* fen: a line's total and an invoice's, at most */
#define TSIM_SEQ_MAX 999999999999999LL /* 15 digits */
#define TSIM_UPPER_MAX 160         /* bytes of an amount in capitals */
#define TSIM_RED_PREFIX "被红冲蓝字数电发票号码："
#define TSIM_RED_REASON "，红冲原因："

/* Whether rate (percent) is one the platform issues at: 0 1 3 5 6 9 13. */
bool einv_rate_ok(int64_t rate);

/* A blue invoice's request (body) into *rq, checked in the order of
 * docs/taxsim.md; its canonical text (*content, malloc'd; the caller frees
 * it) for the repeat check. false with f filled. */
bool einv_parse_blue(const struct tsim_cfg *cfg, const char *body, struct einv_request *rq,
		     char **content, struct tsim_fail *f);

/* A reversal's request of blue number original (body {"request_id",
 * "reason"}) into request_id and reason; its canonical text (original
 * included) into *content (malloc'd). false with f filled. */
bool einv_parse_red(const char *original, const char *body,
		    char request_id[EINV_REQUEST_ID_MAX + 1],
		    char reason[TSIM_REASON_CHARS * 4 + 1], char **content, struct tsim_fail *f);

/* A line's tax: *amount excluding tax and *tax of total_fen at rate. */
void einv_split(int64_t total_fen, int rate, int64_t *amount, int64_t *tax);

/* A line's unit price, amount_fen / quantity, as the platform writes it. */
void einv_unit_price(int64_t amount_fen, int64_t quantity, char out[EINV_PRICE_MAX + 1]);

/* The number: YY, province (2 digits), channel (1), sequence (15). */
void einv_number(int year, int province, int channel, int64_t seq,
		 char out[EINV_NUMBER_LEN + 1]);

/* fen (>= 0) in Chinese capital numerals as on a cheque or an invoice
 * ("陆佰圆整", "壹万零伍拾圆零伍分"); negative: "负" first. */
void einv_upper(int64_t fen, char out[TSIM_UPPER_MAX]);

/* The blue invoice of rq, seller cfg's, number and time given. */
void einv_make_blue(const struct tsim_cfg *cfg, const struct einv_request *rq,
		    const char *number, int64_t issued_s, struct einvoice *inv);

/* The red invoice that reverses blue in full for reason. */
void einv_make_red(const struct einvoice *blue, const char *number, int64_t issued_s,
		   const char *reason, struct einvoice *red);

/* The answer of an issued invoice: {"invoice": {...}, "xml": "..."} as
 * JSON text (malloc'd; NULL: no memory). */
char *einv_answer(const struct einvoice *inv, const char *request_id);

/* An answer einv_answer wrote back into *inv. false when it is not one. */
bool einv_from_answer(const char *answer, struct einvoice *inv);

/* The invoice's XML (malloc'd, NUL-terminated; NULL: no memory). */
char *einv_xml(const struct einvoice *inv, const char *request_id);

#endif
