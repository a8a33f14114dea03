/*
 * console.h - the staff console: server-rendered HTML pages in Simplified
 * Chinese on the hub's second listener ([console] listen, port; TLS
 * always, never the kiosks' port). docs/console.md.
 *
 * main.c makes a second struct http, calls console_register() on it and
 * starts it with CONSOLE_CSP. Every page but the sign-in form needs the
 * session cookie (HTTP_AUTH_CONSOLE) and names its roles; every form posts
 * the session's form token, checked before the handler runs (http.c).
 * The pages change nothing themselves: they call the same functions as the
 * staff API (api_admin_act(), ...), so the transition table, the roles and
 * the audit trail are the same for both.
 */
#ifndef HUB_CONSOLE_H
#define HUB_CONSOLE_H

#include "core/err.h"
#include "http.h"

/* Scripts and styles only from the console itself, forms only to it,
 * never in a frame. */
#define CONSOLE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* Add the console's pages to h (a server of its own) and its refusal page. */
ca_err console_register(struct http *h);

#endif
