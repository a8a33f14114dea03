/*
 * invoice.h - an e-invoice (电子发票) as the hub's change feed tells of it
 * (docs/api.md, Change feed, kind "invoice"): what a person needs to find
 * and fetch it at the kiosk, not the invoice itself (the hub serves that
 * behind its page, docs/hub.md, E-invoice).
 *
 * An application has at most one blue invoice (蓝字发票: the sale) and one
 * red-letter invoice (红字发票) that reverses it in full after a refund;
 * the pair (app_id, kind) names a row, and a later row of the same pair
 * replaces it. An invoice asked of the tax platform and not issued yet is
 * pending (no number); a later row makes it issued, or failed.
 *
 * Amounts are in fen: 价税合计 (total, tax included) and 税额 (tax), both
 * negative on a red invoice. CA_FEN_UNKNOWN where the hub sent none: the
 * rows of hubs before the tax platform carry no amounts, and a hub that
 * has none to tell (an invoice issued before it had the platform, one
 * not issued yet) may send a total of 0.
 *
 * Pure data, as app.h; codec.h reads and writes the feed's JSON.
 */
#ifndef CA_INVOICE_H
#define CA_INVOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"

/* Digits of an invoice number: a fully digital e-invoice (数电票) has 20
 * (year, province, channel, sequence); the hub's earlier ones have 16. */
#define CA_INVOICE_NO_MAX 20
#define CA_INVOICE_NO_OLD 16

/* An amount the hub did not send. */
#define CA_FEN_UNKNOWN INT64_MIN

enum ca_inv_kind {
	CA_INV_BLUE, /* 蓝字发票: the sale */
	CA_INV_RED,  /* 红字发票: the full reversal of the blue one */
	CA_INV_KIND__N
};

enum ca_inv_state {
	CA_INV_ISSUED,  /* 已开具: it has its number and date */
	CA_INV_PENDING, /* 开票中: asked of the tax platform, not issued yet */
	CA_INV_FAILED,  /* the platform refused it: staff must act */
	CA_INV_STATE__N
};

struct ca_invoice {
	char app_id[CA_UUID_LEN + 1];         /* the application (order) it is for */
	enum ca_inv_kind kind;                /* blue or red */
	enum ca_inv_state state;              /* issued, pending, failed */
	char number[CA_INVOICE_NO_MAX + 1];   /* 发票号码 once issued, else "" */
	char original[CA_INVOICE_NO_MAX + 1]; /* red: the blue number it reverses; blue: "" */
	int64_t issued_ms;                    /* 开票日期, Unix ms (hub clock); 0 before */
	int64_t total_fen;                    /* 价税合计, or CA_FEN_UNKNOWN */
	int64_t tax_fen;                      /* 税额, or CA_FEN_UNKNOWN */
};

/* Whether s is an invoice number: CA_INVOICE_NO_MAX or CA_INVOICE_NO_OLD
 * decimal digits. */
bool ca_invoice_number_valid(const char *s);

/*
 * Whether inv keeps the rules of a feed row; else false and the first
 * rule broken in why (size n, may be 0):
 *   - app_id a UUID, kind and state known;
 *   - issued: a number and issued_ms > 0; pending and failed: number ""
 *     and issued_ms >= 0; issued_ms at most CA_TIME_MAX;
 *   - red: original is a number once issued ("" or a number before);
 *     blue: original "";
 *   - total_fen unknown, or blue 1..CA_AMOUNT_MAX, red -CA_AMOUNT_MAX..-1;
 *   - tax_fen unknown, or (with a known total) of the total's sign or 0
 *     and not beyond it.
 */
bool ca_invoice_check(const struct ca_invoice *inv, char *why, size_t n);

/* Identifiers on the wire ("blue", "red"; "issued", "pending", "failed")
 * and back (-1 for an unknown one). */
const char *ca_inv_kind_id(enum ca_inv_kind k);
const char *ca_inv_state_id(enum ca_inv_state s);
int ca_inv_kind_from_id(const char *id);
int ca_inv_state_from_id(const char *id);

#endif
