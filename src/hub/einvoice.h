/*
 * einvoice.h - a fully digital e-invoice (数电票) as the tax platform issues
 * it, and the interface of the tax platform the hub issues through
 * (docs/hub.md, E-invoice; the platform's side is docs/taxsim.md).
 *
 * The hub never makes an invoice up: it sends the platform what was sold
 * (the buyer, the items with their tax-inclusive amounts in fen and the
 * tax rate) under a request id of its own, and keeps what the platform
 * answers: the 20-digit number, the date, the amounts and tax the platform
 * computed, and the structured XML file. The same request id sent again is
 * the same invoice (a retry never issues twice). A refund reverses a blue
 * invoice with a red-letter one (红字发票) that names it.
 *
 * Amounts are in fen; a red invoice's amounts are negative.
 */
#ifndef HUB_EINVOICE_H
#define HUB_EINVOICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define EINV_NUMBER_LEN 20     /* YY, province (2), channel (1), sequence (15) */
#define EINV_REQUEST_ID_MAX 64 /* the hub's request id: [0-9A-Za-z_-] */
#define EINV_NAME_MAX 300      /* bytes of a party's name: 100 characters of UTF-8 */
#define EINV_TAX_ID_MAX 20     /* a USCC is 18 characters; some ids are 20 */
#define EINV_ITEM_NAME_MAX 300 /* bytes: "*信息技术服务*CA数字证书服务费" and more */
#define EINV_SPEC_MAX 120      /* bytes of 规格型号 */
#define EINV_UNIT_MAX 30       /* bytes of 单位 */
#define EINV_PRICE_MAX 24      /* 单价 as a decimal text, e.g. "566.03773585" */
#define EINV_REMARKS_MAX 600   /* bytes of 备注 */
#define EINV_ISSUER_MAX 60     /* bytes of 开票人 */
#define EINV_ITEMS_MAX 4       /* lines on one invoice */

enum einv_kind {
	EINV_BLUE, /* 蓝字发票: the sale */
	EINV_RED,  /* 红字发票: its full reversal */
};

/* One line as the hub asks for it. */
struct einv_item_req {
	char name[EINV_ITEM_NAME_MAX + 1]; /* 项目名称, with its tax category: "*信息技术服务*..." */
	char spec[EINV_SPEC_MAX + 1];      /* 规格型号 */
	char unit[EINV_UNIT_MAX + 1];      /* 单位, e.g. "个" */
	int64_t quantity;                  /* > 0 */
	int64_t total_fen;                 /* what the buyer paid for the line, tax included */
	int rate_pct;                      /* 税率 in percent: 0, 1, 3, 5, 6, 9 or 13 */
};

/* A blue invoice to issue. */
struct einv_request {
	char request_id[EINV_REQUEST_ID_MAX + 1];
	char buyer_name[EINV_NAME_MAX + 1];
	char buyer_tax_id[EINV_TAX_ID_MAX + 1]; /* the buyer's USCC */
	struct einv_item_req items[EINV_ITEMS_MAX];
	int nitems;
	char remarks[EINV_REMARKS_MAX + 1];
	char issuer[EINV_ISSUER_MAX + 1];       /* 开票人 */
};

/* One line as the platform issued it. */
struct einv_item {
	char name[EINV_ITEM_NAME_MAX + 1];
	char spec[EINV_SPEC_MAX + 1];
	char unit[EINV_UNIT_MAX + 1];
	int64_t quantity;                  /* negative on a red invoice */
	char unit_price[EINV_PRICE_MAX + 1]; /* tax excluded, as the platform wrote it */
	int64_t amount_fen;                /* 金额: tax excluded */
	int rate_pct;                      /* 税率 */
	int64_t tax_fen;                   /* 税额 */
};

/* An invoice as the platform issued it: every field a 数电票 carries. */
struct einvoice {
	enum einv_kind kind;
	char number[EINV_NUMBER_LEN + 1];
	char original[EINV_NUMBER_LEN + 1];  /* a red one: the blue number it reverses */
	int64_t issued_s;                    /* 开票日期 (Unix seconds; shown in China time) */
	char buyer_name[EINV_NAME_MAX + 1];
	char buyer_tax_id[EINV_TAX_ID_MAX + 1];
	char seller_name[EINV_NAME_MAX + 1];
	char seller_tax_id[EINV_TAX_ID_MAX + 1];
	struct einv_item items[EINV_ITEMS_MAX];
	int nitems;
	int64_t amount_fen;                  /* 合计金额 */
	int64_t tax_fen;                     /* 合计税额 */
	int64_t total_fen;                   /* 价税合计 */
	char remarks[EINV_REMARKS_MAX + 1];
	char issuer[EINV_ISSUER_MAX + 1];
};

/*
 * The tax platform. Calls are thread-safe; each is a network round trip
 * (never under a store transaction). CA_ERR_FORBIDDEN: the platform
 * refused the request for what it says (a bad buyer id, an original that
 * cannot be reversed): asking again will not help, *why says so.
 * CA_ERR_CONFLICT: the request id was used for other content.
 * CA_ERR_UNAVAILABLE or CA_ERR_IO: no answer, or not one the hub can
 * trust: ask again later with the same request id.
 */
struct tax_provider {
	const char *name; /* for logs, e.g. "taxplat" */
	/* Issue a blue invoice: *out as issued, *xml (malloc'd, *xml_len
	 * bytes) its structured file. */
	ca_err (*issue)(struct tax_provider *p, const struct einv_request *req,
			struct einvoice *out, char **xml, size_t *xml_len, char *why, size_t whylen);
	/* Reverse blue invoice original in full with a red one under
	 * request_id, for reason (shown in its remarks). */
	ca_err (*reverse)(struct tax_provider *p, const char *request_id, const char *original,
			  const char *reason, struct einvoice *out, char **xml, size_t *xml_len,
			  char *why, size_t whylen);
};

/* inv as the JSON the hub stores (a new reference; NULL when out of
 * memory), and back: CA_ERR_CORRUPT when j is not such an invoice. */
json_t *einvoice_json(const struct einvoice *inv);
ca_err einvoice_from_json(json_t *j, struct einvoice *inv);

#endif
