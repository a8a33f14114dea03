/*
 * valid.c - field validators: GB 32100-2015 USCC, GB 11643-1999 ID numbers,
 * phones, e-mail, postcodes, text limits counted in characters, and the
 * whole application. Messages are catalog ids, shown at the field.
 */
#include "valid.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Index of c in the USCC alphabet, or -1. */
static int uscc_index(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(VALID_USCC_ALPHABET, c);
	return p ? (int)(p - VALID_USCC_ALPHABET) : -1;
}

char valid_uscc_check_char(const char *body17)
{
	/* Weights are 3^i mod 31, i = 0..16. */
	static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	int i, sum = 0;

	for (i = 0; i < 17; i++) {
		int v = uscc_index(body17[i]);

		if (v < 0)
			return 0;
		sum += v * w[i];
	}
	return VALID_USCC_ALPHABET[(31 - sum % 31) % 31];
}

enum msg_id valid_uscc(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0)
		return MSG_V_REQUIRED;
	for (i = 0; i < len; i++)
		if (uscc_index(s[i]) < 0)
			return (len == 18 || (unsigned char)s[i] >= 0x80) ? MSG_V_USCC_CHARS
									  : MSG_V_USCC_LENGTH;
	if (len != 18)
		return MSG_V_USCC_LENGTH;
	if (!all_digits(s + 2, 6))
		return MSG_V_USCC_REGION;
	if (valid_uscc_check_char(s) != s[17])
		return MSG_V_USCC_CHECK;
	return MSG_NONE;
}

char valid_ric_check_char(const char *body17)
{
	/* Weights are 2^(17-i) mod 11, i = 0..16 (ISO 7064 MOD 11-2). */
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char map[] = "10X98765432";
	int i, sum = 0;

	for (i = 0; i < 17; i++) {
		if (!is_digit(body17[i]))
			return 0;
		sum += (body17[i] - '0') * w[i];
	}
	return map[sum % 11];
}

bool valid_date(int ymd)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100, max;

	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

enum msg_id valid_ric(const char *s, int today)
{
	size_t len = strlen(s);
	int ymd, i;

	if (len == 0)
		return MSG_V_REQUIRED;
	if (len != 18) {
		for (i = 0; s[i]; i++)
			if ((unsigned char)s[i] >= 0x80)
				return MSG_V_RIC_CHARS;
		return MSG_V_RIC_LENGTH;
	}
	if (!all_digits(s, 17) || !(is_digit(s[17]) || s[17] == 'X'))
		return MSG_V_RIC_CHARS;
	ymd = 0;
	for (i = 6; i < 14; i++)
		ymd = ymd * 10 + (s[i] - '0');
	if (!valid_date(ymd) || ymd > today)
		return MSG_V_RIC_DATE;
	if (valid_ric_check_char(s) != s[17])
		return MSG_V_RIC_CHECK;
	return MSG_NONE;
}

enum msg_id valid_mobile(const char *s)
{
	if (s[0] == '\0')
		return MSG_V_REQUIRED;
	if (strlen(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' || !all_digits(s, 11))
		return MSG_V_MOBILE;
	return MSG_NONE;
}

enum msg_id valid_phone(const char *s)
{
	size_t i = 0, n;

	if (s[0] == '\0')
		return MSG_V_REQUIRED;
	if (s[0] == '1')
		return valid_mobile(s) == MSG_NONE ? MSG_NONE : MSG_V_PHONE;
	/* Landline: 0 + 2-3 digit area code, optional '-', 7-8 digits, then
	 * an optional -extension of 1-6 digits. */
	if (s[0] != '0')
		return MSG_V_PHONE;
	for (n = 0; is_digit(s[i]); i++)
		n++;
	if (s[i] == '-') {
		if (n < 3 || n > 4)
			return MSG_V_PHONE;
		i++;
		for (n = 0; is_digit(s[i]); i++)
			n++;
		if (n < 7 || n > 8)
			return MSG_V_PHONE;
	} else if (n < 10 || n > 12) {
		return MSG_V_PHONE; /* area code and number without a dash */
	}
	if (s[i] == '-') {
		i++;
		for (n = 0; is_digit(s[i]); i++)
			n++;
		if (n < 1 || n > 6)
			return MSG_V_PHONE;
	}
	return s[i] == '\0' ? MSG_NONE : MSG_V_PHONE;
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

enum msg_id valid_email(const char *s)
{
	const char *at, *p, *label;
	size_t len = strlen(s), local;
	int labels = 0;

	if (len == 0)
		return MSG_V_REQUIRED;
	at = strchr(s, '@');
	if (len > CA_EMAIL_MAX || !at || strchr(at + 1, '@'))
		return MSG_V_EMAIL;
	local = (size_t)(at - s);
	if (local < 1 || local > 64 || s[0] == '.' || at[-1] == '.')
		return MSG_V_EMAIL;
	for (p = s; p < at; p++) {
		if (!(is_alnum(*p) || strchr("!#$%&'*+/=?^_`{|}~.-", *p)))
			return MSG_V_EMAIL;
		if (p[0] == '.' && p[1] == '.')
			return MSG_V_EMAIL;
	}
	/* Domain: dot-separated labels of letters, digits and inner dashes;
	 * at least two labels; the last one all letters, 2 or more. */
	label = at + 1;
	for (;;) {
		size_t n = 0;
		bool alpha = true;

		for (p = label; *p && *p != '.'; p++, n++) {
			if (!(is_alnum(*p) || *p == '-'))
				return MSG_V_EMAIL;
			alpha = alpha && is_alpha(*p);
		}
		if (n < 1 || n > 63 || label[0] == '-' || p[-1] == '-')
			return MSG_V_EMAIL;
		labels++;
		if (*p == '\0') {
			if (labels < 2 || !alpha || n < 2)
				return MSG_V_EMAIL;
			break;
		}
		label = p + 1;
	}
	return MSG_NONE;
}

enum msg_id valid_postcode(const char *s)
{
	if (s[0] == '\0')
		return MSG_V_REQUIRED;
	if (strlen(s) != 6 || !all_digits(s, 6))
		return MSG_V_POSTCODE;
	return MSG_NONE;
}

enum msg_id valid_text(const char *s, int min, int max, int *arg)
{
	size_t chars;
	const unsigned char *p;

	*arg = 0;
	if (!utf8_count(s, &chars))
		return MSG_V_BAD_TEXT;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return MSG_V_BAD_TEXT;
	if (chars == 0 && min > 0)
		return MSG_V_REQUIRED;
	if (chars < (size_t)min) {
		*arg = min;
		return MSG_V_TOO_SHORT;
	}
	if (chars > (size_t)max) {
		*arg = max;
		return MSG_V_TOO_LONG;
	}
	return MSG_NONE;
}

/* Append an error for field f unless m is MSG_NONE. */
static void add(struct valid_report *r, enum ca_field f, enum msg_id m, int arg)
{
	if (m == MSG_NONE || r->n >= CA_F__N)
		return;
	r->err[r->n].field = f;
	r->err[r->n].msg = m;
	r->err[r->n].arg = arg;
	r->n++;
}

/* Text field: min..max characters. */
static void text_field(struct valid_report *r, enum ca_field f, const char *s,
		       int min, int max)
{
	int arg;
	enum msg_id m = valid_text(s, min, max, &arg);

	add(r, f, m, arg);
}

int valid_app(const struct ca_app *a, int today, struct valid_report *r)
{
	r->n = 0;
	text_field(r, CA_F_COMPANY, a->company, 2, CA_COMPANY_MAX);
	add(r, CA_F_USCC, valid_uscc(a->uscc), 0);
	text_field(r, CA_F_LEGAL_REP, a->legal_rep, 2, CA_PERSON_MAX);
	text_field(r, CA_F_HANDLER, a->handler, 2, CA_PERSON_MAX);
	add(r, CA_F_HANDLER_ID, valid_ric(a->handler_id, today), 0);
	add(r, CA_F_MOBILE, valid_mobile(a->mobile), 0);
	/* E-mail is optional: typing one on a touch screen is a burden, and the
	 * hub reaches people by their mobile. When given, it must be good. */
	if (a->email[0])
		add(r, CA_F_EMAIL, valid_email(a->email), 0);
	if ((unsigned)a->business >= CA_BIZ__N)
		add(r, CA_F_BUSINESS, MSG_V_CHOICE, 0);
	if ((unsigned)a->cert_type >= CA_CERT__N)
		add(r, CA_F_CERT_TYPE, MSG_V_CHOICE, 0);
	if (a->sub_keys < 0 || a->sub_keys > CA_SUB_KEYS_MAX)
		add(r, CA_F_SUB_KEYS, MSG_V_SUB_KEYS, CA_SUB_KEYS_MAX);
	if ((unsigned)a->pickup >= CA_PICKUP__N)
		add(r, CA_F_PICKUP, MSG_V_CHOICE, 0);
	if (a->pickup == CA_PICKUP_MAIL) {
		text_field(r, CA_F_MAIL_RECIPIENT, a->mail_recipient, 2, CA_PERSON_MAX);
		add(r, CA_F_MAIL_PHONE, valid_phone(a->mail_phone), 0);
		text_field(r, CA_F_MAIL_ADDRESS, a->mail_address, 5, CA_ADDRESS_MAX);
		if (a->mail_postcode[0])
			add(r, CA_F_MAIL_POSTCODE, valid_postcode(a->mail_postcode), 0);
	}
	return r->n;
}

char *valid_error_text(const struct valid_error *e, char *buf, size_t n)
{
	return msg_format(buf, n, e->msg, e->arg);
}

const struct valid_error *valid_report_find(const struct valid_report *r,
					    enum ca_field f)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->err[i].field == f)
			return &r->err[i];
	return NULL;
}
