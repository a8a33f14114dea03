/*
 * browse.h - `ca-paysim pay` given an https:// URL: the customer's phone
 * browser on the bank method (docs/paysim.md, The bank gateway). It opens
 * the merchant's page (the kiosk's QR code), posts the page's form to the
 * gateway, posts the bank page's form (/gateway/pay), and posts the signed
 * result to the merchant's frontUrl, as a browser does when the person
 * taps each button. Forms are read from the pages' HTML: the first
 * <form method="post" action="..."> and its hidden inputs.
 */
#ifndef PSIM_BROWSE_H
#define PSIM_BROWSE_H

#include <stdbool.h>
#include <stddef.h>

/* An answer's body as libcurl hands it over (browse_gather's
 * CURLOPT_WRITEDATA), kept up to cap bytes; `pay` reads its answers so. */
struct browse_body {
	char *p;      /* malloc'd, NUL-terminated; NULL until the first piece */
	size_t n;     /* bytes held */
	size_t cap;   /* the most it keeps */
	bool too_big; /* a piece went past cap: the transfer was stopped */
};

/* libcurl's write callback: the piece appended to the struct browse_body
 * ud; past its cap (or out of memory), nothing appended and the transfer
 * stopped. */
size_t browse_gather(char *d, size_t s, size_t m, void *ud);

/* Pay at url trusting the CAs in ca. Prints "paid ORDER_ID SUCCESS
 * QUERY_ID AMOUNT_FEN" and returns 0; "refused CODE: why" and 1 when the
 * merchant's page or the gateway refuses; 2 for a connection or usage
 * error (the reason on stderr). */
int browse_pay(const char *url, const char *ca);

#endif
