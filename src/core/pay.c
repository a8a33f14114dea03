/*
 * pay.c - payment order rules and the kiosk's countdown arithmetic. No I/O
 * but getrandom(2) for order numbers.
 */
#include "pay.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cst.h"
#include "uuid.h"

static const char *const state_ids[PAY__N] = {"NOTPAY", "SUCCESS", "CLOSED", "REFUND"};
static const char *const method_ids[PAY_METHOD__N] = {"wechat", "bank"};

const char *pay_state_id(enum pay_state s)
{
	return (unsigned)s < PAY__N ? state_ids[s] : "?";
}

/* Index of id in ids (n names), -1 when it is not one of them or NULL. */
static int id_index(const char *const *ids, int n, const char *id)
{
	int i;

	for (i = 0; id && i < n; i++)
		if (!strcmp(ids[i], id))
			return i;
	return -1;
}

int pay_state_from_id(const char *id)
{
	return id_index(state_ids, PAY__N, id);
}

const char *pay_method_id(enum pay_method m)
{
	return (unsigned)m < PAY_METHOD__N ? method_ids[m] : "?";
}

int pay_method_from_id(const char *id)
{
	return id_index(method_ids, PAY_METHOD__N, id);
}

bool pay_trade_no_valid(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n < 6 || n > PAY_TRADE_NO_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || c == '_' || c == '-' || c == '|' || c == '*'))
			return false;
	}
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * well-known civil-date arithmetic, written out here). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

ca_err pay_order_new(struct pay_order *o, const char *app_id,
		     enum pay_method method, int64_t amount_fen, int64_t now_ms)
{
	int64_t now_s = now_ms / 1000;

	static const char set[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	unsigned char rnd[12];
	size_t i;
	struct tm tm;
	char day[16];

	if (!uuid_valid(app_id) || amount_fen <= 0 || (unsigned)method >= PAY_METHOD__N ||
	    now_ms < 0)
		return CA_ERR_ARG;
	if (ca_random(rnd, sizeof(rnd)) != CA_OK)
		return CA_ERR_IO;
	memset(o, 0, sizeof(*o));
	ca_cst_tm(now_s, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	memcpy(o->out_trade_no, "CA", 2);
	memcpy(o->out_trade_no + 2, day, 8);
	for (i = 0; i < sizeof(rnd); i++)
		o->out_trade_no[10 + i] = set[rnd[i] % (sizeof(set) - 1)];
	o->out_trade_no[10 + sizeof(rnd)] = '\0';
	memcpy(o->app_id, app_id, CA_UUID_LEN + 1);
	o->method = method;
	o->amount_fen = amount_fen;
	o->created_s = now_s;
	o->expires_s = (now_ms + 999) / 1000 + PAY_ORDER_LIFE_S;
	o->state = PAY_NOTPAY;
	return CA_OK;
}

bool pay_order_expired(const struct pay_order *o, int64_t now_s)
{
	return now_s >= o->expires_s;
}

ca_err pay_order_pay(struct pay_order *o, int64_t now_s)
{
	if (o->state != PAY_NOTPAY || pay_order_expired(o, now_s))
		return CA_ERR_FORBIDDEN;
	o->state = PAY_SUCCESS;
	o->paid_s = now_s;
	return CA_OK;
}

ca_err pay_order_close(struct pay_order *o)
{
	switch (o->state) {
	case PAY_NOTPAY:
		o->state = PAY_CLOSED;
		return CA_OK;
	case PAY_CLOSED:
		return CA_OK;
	default:
		return CA_ERR_CONFLICT;
	}
}

ca_err pay_order_refund(struct pay_order *o)
{
	if (o->state == PAY_REFUND)
		return CA_OK;
	if (o->state != PAY_SUCCESS)
		return CA_ERR_FORBIDDEN;
	o->state = PAY_REFUND;
	return CA_OK;
}

bool pay_state_advances(enum pay_state from, enum pay_state to)
{
	switch (from) {
	case PAY_NOTPAY:
		return to == PAY_SUCCESS || to == PAY_CLOSED || to == PAY_REFUND;
	case PAY_SUCCESS:
		return to == PAY_REFUND;
	default:
		return false;
	}
}

void pay_rfc3339(int64_t t, char out[PAY_RFC3339_LEN + 1])
{
	/* Years 1970..9999 keep the fixed width. */
	struct tm tm;
	char buf[64];

	ca_cst_tm(t < 0 ? 0 : t > INT64_C(253402271999) ? INT64_C(253402271999) : t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d+08:00",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
	memcpy(out, buf, PAY_RFC3339_LEN);
	out[PAY_RFC3339_LEN] = '\0';
}

/* n decimal digits at s into *v. */
static bool digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Whether y-mo-d is a day of the calendar (mo 1..12, d within its month,
 * 29 February only in a leap year). */
static bool day_exists(int y, int mo, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
	       (mo != 2 || d != 29 || (y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

ca_err pay_parse_rfc3339(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return CA_ERR_ARG;
	p = s + 19;
	if (*p == '.') { /* fractional seconds: ignored */
		p++;
		if (*p < '0' || *p > '9')
			return CA_ERR_ARG;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) &&
		   p[3] == ':' && digits(p + 4, 2, &om)) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return CA_ERR_ARG;
	}
	if (!day_exists(y, mo, d) || h > 23 || mi > 59 || se > 60 || oh > 23 || om > 59)
		return CA_ERR_ARG;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	     sign * (oh * 3600 + om * 60);
	return CA_OK;
}

int64_t pay_remaining_ms(int64_t expires_s, int64_t hub_ms,
			 int64_t local_at_ms, int64_t local_now_ms)
{
	int64_t hub_now_ms = hub_ms + (local_now_ms - local_at_ms);
	int64_t left = expires_s * 1000 - hub_now_ms;

	if (left > PAY_ORDER_LIFE_S * INT64_C(1000))
		left = PAY_ORDER_LIFE_S * INT64_C(1000);
	return left > 0 ? left : 0;
}

void pay_countdown_text(int64_t remaining_ms, char out[6])
{
	int64_t s = (remaining_ms + 999) / 1000;

	if (s < 0)
		s = 0;
	if (s > 99 * 60 + 59)
		s = 99 * 60 + 59;
	snprintf(out, 6, "%02d:%02d", (int)(s / 60), (int)(s % 60));
}

bool pay_order_checking(const struct pay_order *o, int64_t now_s)
{
	return o->state == PAY_NOTPAY && pay_order_expired(o, now_s);
}

enum pay_view pay_view_of(enum pay_state last, bool checking, int64_t remaining_ms)
{
	switch (last) {
	case PAY_SUCCESS:
	case PAY_REFUND: /* refunded as a duplicate: the application is paid */
		return PAY_VIEW_PAID;
	case PAY_CLOSED: /* final and unpaid: a close never hides a payment */
		return PAY_VIEW_EXPIRED;
	default:
		break;
	}
	/* Open: the QR while time is left and the hub is not checking; else
	 * the outcome is unknown until the hub says SUCCESS or CLOSED. */
	return remaining_ms > 0 && !checking ? PAY_VIEW_WAITING : PAY_VIEW_CHECKING;
}
