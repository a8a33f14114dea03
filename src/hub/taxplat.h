/*
 * taxplat.h - the tax platform "taxplat": the direct-connect interface of
 * a tax platform that issues fully digital e-invoices (数电票), as the
 * hub's struct tax_provider (einvoice.h). docs/taxsim.md has the wire
 * contract; ca-taxsim (tools/taxsim) is the platform's side in tests.
 *
 *   issue    POST /v1/invoices: request_id, seller_tax_id, the buyer, the
 *            items (tax-inclusive totals in fen, the rate), remarks, issuer;
 *            the invoice as issued and its XML from the answer.
 *   reverse  POST /v1/invoices/NUMBER/red: request_id, reason; the red
 *            invoice and its XML.
 *
 * Every request is signed with the app secret ([taxplat] secret_file):
 * X-Tax-App-Id, X-Tax-Timestamp, X-Tax-Nonce and X-Tax-Signature, the hex
 * HMAC-SHA256 of taxplat_sign() below. Every answer is believed only when
 * it carries the platform's signature over its status, this request's
 * nonce, its own time (within TAXPLAT_SKEW_S of the hub's clock) and
 * nonce and its body; an answer that is not is no answer (CA_ERR_IO), as
 * is an invoice that is not exactly what was asked for (every field is
 * checked: the number's 20 digits and year, the buyer, the items, the
 * amounts adding up). One round trip per call, bounded by [taxplat]
 * timeout_ms; the caller asks again with the same request id, which the
 * platform answers with the same invoice.
 */
#ifndef HUB_TAXPLAT_H
#define HUB_TAXPLAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/sign.h"
#include "einvoice.h"
#include "hubcfg.h"

#define TAXPLAT_SECRET_MIN 16          /* the shortest app secret, bytes */
#define TAXPLAT_SKEW_S 300             /* a signed time at most this far off */
#define TAXPLAT_ANSWER_MAX (256 * 1024) /* the longest answer read */
#define TAXPLAT_ERR_MAX 320            /* room for a reason */

/* Header names, both ways. */
#define TAXPLAT_H_APP "X-Tax-App-Id"
#define TAXPLAT_H_TIMESTAMP "X-Tax-Timestamp"
#define TAXPLAT_H_NONCE "X-Tax-Nonce"
#define TAXPLAT_H_SIGNATURE "X-Tax-Signature"

/*
 * The signature of a request or an answer into out: hex HMAC-SHA256, keyed
 * with secret, of
 *
 *   HEAD "\n" SUBJECT "\n" TIMESTAMP "\n" NONCE "\n" BODY
 *
 * For a request HEAD is its method and SUBJECT its target (path and query
 * as sent); for an answer HEAD is its status (three digits) and SUBJECT
 * the nonce of the request it answers ("" when that had none). BODY is
 * len bytes (NULL when 0). CA_ERR_ARG for a part with a newline, a bad
 * secret; CA_ERR_NOMEM.
 */
ca_err taxplat_sign(const char *secret, const char *head, const char *subject, int64_t ts,
		    const char *nonce, const void *body, size_t len,
		    char out[SIGN_HEX_LEN + 1]);

struct taxplat;

/* The platform of c's [taxplat] section (c->tax_url set): reads the app
 * secret now. CA_ERR_CONFIG or CA_ERR_IO with the reason in err. c is
 * borrowed for taxplat's life. */
ca_err taxplat_new(const struct hubcfg *c, struct taxplat **out, char *err, size_t errlen);

/* Its provider interface (borrowed, lives as long as t). */
struct tax_provider *taxplat_provider(struct taxplat *t);

/* Free it, the secret wiped (NULL is fine). */
void taxplat_free(struct taxplat *t);

#endif
