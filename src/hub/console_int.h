/*
 * console_int.h - what the console's files share (console*.c): building a
 * page, the frame around it, and each area's routes.
 *
 * A page: page_open() (the frame: title, the areas the staff member's roles
 * reach, who is signed in), the body written with page_text() for any
 * data (escaped) and page_raw() for markup the code itself wrote, then
 * page_done(). Every Chinese word comes from the catalog (page_msg()).
 * A form: page_form() opens it with its action and the session's form
 * token; the handler answers with http_redirect() to a page (POST, then
 * GET), or, when the input was refused, the page again with page_error().
 * A list: page_list_open() (its table, or the line saying there is none),
 * the rows, page_list_close(). An area (console_review.c, ...) gives its
 * table of routes, con_AREA_routes; console.c adds them and lists each
 * area in the navigation (its areas[]).
 */
#ifndef HUB_CONSOLE_INT_H
#define HUB_CONSOLE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/app.h"
#include "core/msg.h"
#include "core/valid.h"
#include "http.h"

/* A page being written. */
struct page {
	FILE *f;            /* open_memstream over html */
	char *html;         /* the text, owned until page_done */
	size_t len;         /* its length */
	struct http_req *rq; /* the request (who, form token) */
};

/* Open a page titled title with the frame; area is the path of the area it
 * belongs to ("/review"), marked in the navigation. false when out of
 * memory (rs is then set by page_done of a failed page). */
bool page_open(struct page *p, struct http_req *rq, enum msg_id title, const char *area);

/* Write s escaped for HTML text and attribute values. */
void page_text(struct page *p, const char *s);

/* Write the catalog text of m, escaped. */
void page_msg(struct page *p, enum msg_id m);

/* Write markup the code wrote itself (never data). */
void page_raw(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write unix_ms in China time, "2026-12-05 14:03" ("—" for 0). */
void page_time(struct page *p, int64_t unix_ms);

/* Write an amount in fen as yuan, "300.00 元". */
void page_yuan(struct page *p, int64_t fen);

/* Open a POST form to action (a path, written escaped) with the session's
 * form token; close it with page_raw(p, "</form>"). */
void page_form(struct page *p, const char *action, const char *cls);

/* A notice box: an error (refusal) or a success. */
void page_error(struct page *p, const char *text);
void page_ok(struct page *p, const char *text);

/* The notice that the store failed; the status to answer with, 500. */
int page_store_error(struct page *p);

/* A notice box of text: an error when bad, else a success; nothing when
 * text is NULL. */
void page_notice(struct page *p, const char *text, bool bad);

/* A quiet paragraph of the catalog text of m ("no orders", "China time"). */
void page_muted(struct page *p, enum msg_id m);

/* Open a table: <table> (of class cls, when not NULL) with a header row of
 * the catalog texts of the n ids cols, then <tbody>; the caller writes the
 * rows and closes it with page_raw(p, "</tbody></table>"). */
void page_table(struct page *p, const char *cls, const enum msg_id *cols, size_t n);

/* A list's table in a box that scrolls sideways on a narrow screen: with
 * no rows (nrows 0), the quiet paragraph none and false; else true, the
 * table opened as page_table() does. Close it with page_list_close(). */
bool page_list_open(struct page *p, size_t nrows, enum msg_id none, const char *cls,
		    const enum msg_id *cols, size_t ncols);

/* Close a list's table, then the quiet paragraph note (MSG_NONE: none). */
void page_list_close(struct page *p, enum msg_id note);

/* A POST form to action (class cls) of one button: its class btn_cls
 * (NULL: none), the catalog text label, and, when confirm is not
 * MSG_NONE, that question asked before it is sent (console.js). */
void page_button_form(struct page *p, const char *action, const char *cls,
		      const char *btn_cls, enum msg_id confirm, enum msg_id label);

/* The link to a list's next page: href as it goes in the query (written
 * escaped). */
void page_next_link(struct page *p, const char *href);

/* The button to a list's next page where a search form asks for it: a GET
 * form to action with the n parameters names of values (those NULL left
 * out), written escaped. */
void page_next_form(struct page *p, const char *action, const char *const *names,
		    const char *const *values, size_t n);

/* Finish the page and answer it with status; on a failed page, 500. */
void page_done(struct page *p, struct http_resp *rs, int status);

/* The statuses of app as a person reads them, e.g. "审核通过 · 已支付 · 现场办理". */
void page_state(struct page *p, const struct ca_app *app);

/* The query parameter name, NULL when absent or empty. */
const char *con_query(struct http_req *rq, const char *name);

/* The catalog label of a word the hub or a form uses: a ?done= word and
 * its notice, an audit action and its name, a fault and its text. */
struct con_label {
	const char *id;  /* the word, "restart" */
	enum msg_id msg; /* its label */
};

/* The label of id among the n of labels; dflt when it is none of them (or
 * id is NULL). */
enum msg_id con_label(const struct con_label *labels, size_t n, const char *id,
		      enum msg_id dflt);

/* The notice text of the request's ?done= word among the n of done; NULL
 * when it names none of them. */
const char *con_done_notice(struct http_req *rq, const struct con_label *done, size_t n);

/* The text for a person of a change of an application refused with e
 * (api_admin_act; rep: the input's faults, may be NULL), into out; the
 * status to answer with: 403 not the member's to do, 409 the state
 * changed, 422 the input, 500 otherwise. */
int con_refusal(ca_err e, const struct valid_report *rep, char *out, size_t n);

/* A page or form of an area: each asks for the console's session (a POST
 * also for its form token) and one of roles. An area's table of them ends
 * with a row whose method is NULL. */
struct con_route {
	const char *method;  /* "GET" or "POST" */
	const char *pattern; /* "/staff/x/roles" with x written as "*" */
	http_handler fn;     /* the handler */
	unsigned roles;      /* the roles that may (any of these bits) */
};

/* Each area's pages and forms (console_review.c, console_counter.c, ...);
 * console.c adds them with its own, and lists the areas in the navigation. */
extern const struct con_route con_review_routes[];
extern const struct con_route con_counter_routes[];
extern const struct con_route con_pay_routes[];
extern const struct con_route con_fleet_routes[];
extern const struct con_route con_audit_routes[];
extern const struct con_route con_staff_routes[];

#endif
