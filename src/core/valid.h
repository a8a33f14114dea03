/*
 * valid.h - validators with field-level messages from the catalog.
 *
 * Each single-value validator returns MSG_NONE (0) when the value is good,
 * else the id of the message to show at the field. Validating a whole
 * application collects every failing field, not just the first.
 */
#ifndef CA_VALID_H
#define CA_VALID_H

#include <stdbool.h>

#include "app.h"
#include "msg.h"

/* The 31 characters of GB 32100-2015 (digits and capitals, no I O S V Z). */
#define VALID_USCC_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"

/* One failing field: where, what, and the number some texts take (%d). */
struct valid_error {
	enum ca_field field; /* the form field to show it at */
	enum msg_id msg;     /* catalog text */
	int arg;             /* value for a %d in the text, else 0 */
};

/* Every failing field of one application, in form order. */
struct valid_report {
	int n;                                 /* number of entries used */
	struct valid_error err[CA_F__N];       /* at most one per field */
};

/* Unified social credit code: 18 characters of the alphabet, positions
 * 3-8 digits (administrative division), GB 32100 mod-31 check character. */
enum msg_id valid_uscc(const char *s);

/* The check character for the first 17 characters of a USCC, or 0 when one
 * of them is not in the alphabet. */
char valid_uscc_check_char(const char *body17);

/* Resident identity card number (GB 11643-1999): 17 digits and a check
 * character (digit or X) by ISO 7064 MOD 11-2, with a real calendar birth
 * date from 1900-01-01 up to today (YYYYMMDD). */
enum msg_id valid_ric(const char *s, int today);

/* The check character ('0'-'9' or 'X') for 17 digits, or 0 when not digits. */
char valid_ric_check_char(const char *body17);

/* Whether YYYYMMDD is a real calendar date (Gregorian, year 1900..9999). */
bool valid_date(int ymd);

/* Mainland mobile number: ^1[3-9][0-9]{9}$. */
enum msg_id valid_mobile(const char *s);

/* Mobile number, or landline with area code: 0AA(A)-NNNNNNN(N), the dash
 * optional, with an optional -extension of up to 6 digits. */
enum msg_id valid_phone(const char *s);

/* Practical e-mail address: local@domain, ASCII, at most 254 characters. */
enum msg_id valid_email(const char *s);

/* Postal code: exactly 6 digits. */
enum msg_id valid_postcode(const char *s);

/* Text of min..max characters (UTF-8, no control characters). A min of 0
 * accepts the empty string. The id's %d is filled into *arg. */
enum msg_id valid_text(const char *s, int min, int max, int *arg);

/*
 * Validate a whole application for submission: every required field, the
 * formats, the limits; the mail fields only for mail pickup. Fills *r with
 * every failing field and returns how many there are (0 = valid).
 */
int valid_app(const struct ca_app *app, int today, struct valid_report *r);

/* The text of one error, with its %d filled, into buf of size n. */
char *valid_error_text(const struct valid_error *e, char *buf, size_t n);

/* The error for field f in r, or NULL. */
const struct valid_error *valid_report_find(const struct valid_report *r,
					    enum ca_field f);

#endif
