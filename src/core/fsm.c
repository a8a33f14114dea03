/*
 * fsm.c - the one table of allowed actions, and applying an action to a
 * record. The kiosk asks fsm_allowed() what to offer; the hub asks
 * fsm_apply() what to accept. Both read the same rows below.
 */
#include "fsm.h"

#include <string.h>

#include "utf8.h"

#define BIT(x) (1u << (x))
#define ANY 0xFFFFFFFFu
#define KEEP (-1)

/* One row: action a is allowed when every status is in its mask; the
 * statuses then become the *_to values (KEEP = unchanged). */
struct fsm_rule {
	enum ca_action action; /* what */
	unsigned app_in;       /* allowed application statuses (bits) */
	unsigned pay_in;       /* allowed payment statuses (bits) */
	unsigned proc_in;      /* allowed processing statuses (bits) */
	unsigned pickup_in;    /* allowed pickup methods (bits) */
	int app_to;            /* new application status or KEEP */
	int pay_to;            /* new payment status or KEEP */
	int proc_to;           /* new processing status or KEEP */
};

#define EDITABLE (BIT(CA_APP_DRAFT) | BIT(CA_APP_REJECTED))
#define PAID_OR_DONE (BIT(CA_PAY_PAID) | BIT(CA_PAY_DONE))

static const struct fsm_rule rules[] = {
	/* action                 app                        pay                  proc                              pickup                  -> app                   pay          proc */
	{CA_ACT_SAVE,             EDITABLE,                  ANY,                 ANY,                              ANY,                    KEEP,                    KEEP,        KEEP},
	{CA_ACT_EDIT,             EDITABLE,                  ANY,                 ANY,                              ANY,                    KEEP,                    KEEP,        KEEP},
	{CA_ACT_SUBMIT,           EDITABLE,                  ANY,                 ANY,                              ANY,                    CA_APP_PENDING_REVIEW,   KEEP,        KEEP},
	{CA_ACT_DELETE,           BIT(CA_APP_DRAFT),         ANY,                 ANY,                              ANY,                    KEEP,                    KEEP,        KEEP},
	{CA_ACT_APPROVE,          BIT(CA_APP_PENDING_REVIEW), ANY,                ANY,                              ANY,                    CA_APP_APPROVED,         CA_PAY_UNPAID, CA_PROC_NONE},
	{CA_ACT_REJECT,           BIT(CA_APP_PENDING_REVIEW), ANY,                ANY,                              ANY,                    CA_APP_REJECTED,         KEEP,        KEEP},
	{CA_ACT_PAY,              BIT(CA_APP_APPROVED),      BIT(CA_PAY_UNPAID),  BIT(CA_PROC_NONE),                BIT(CA_PICKUP_MAIL),    KEEP,                    CA_PAY_PAID, CA_PROC_PROCESSING},
	{CA_ACT_PAY,              BIT(CA_APP_APPROVED),      BIT(CA_PAY_UNPAID),  BIT(CA_PROC_NONE),                BIT(CA_PICKUP_ONSITE),  KEEP,                    CA_PAY_PAID, CA_PROC_ONSITE},
	{CA_ACT_ADD_RECORD,       BIT(CA_APP_APPROVED),      PAID_OR_DONE,        ANY,                              ANY,                    KEEP,                    KEEP,        KEEP},
	{CA_ACT_SHIP,             BIT(CA_APP_APPROVED),      BIT(CA_PAY_PAID),    BIT(CA_PROC_PROCESSING),          BIT(CA_PICKUP_MAIL),    KEEP,                    KEEP,        CA_PROC_SHIPPED},
	{CA_ACT_CONFIRM_RECEIPT,  BIT(CA_APP_APPROVED),      BIT(CA_PAY_PAID),    BIT(CA_PROC_SHIPPED),             BIT(CA_PICKUP_MAIL),    KEEP,                    CA_PAY_DONE, CA_PROC_RECEIVED},
	{CA_ACT_MARK_READY,       BIT(CA_APP_APPROVED),      BIT(CA_PAY_PAID),    BIT(CA_PROC_ONSITE),              BIT(CA_PICKUP_ONSITE),  KEEP,                    KEEP,        CA_PROC_READY_FOR_PICKUP},
	{CA_ACT_COLLECT,          BIT(CA_APP_APPROVED),      BIT(CA_PAY_PAID),    BIT(CA_PROC_READY_FOR_PICKUP),    BIT(CA_PICKUP_ONSITE),  KEEP,                    CA_PAY_DONE, CA_PROC_COLLECTED},
	{CA_ACT_ISSUE_INVOICE,    BIT(CA_APP_APPROVED),      PAID_OR_DONE,        ANY,                              ANY,                    KEEP,                    KEEP,        KEEP},
	{CA_ACT_VIEW_DETAILS,     BIT(CA_APP_APPROVED),      PAID_OR_DONE | BIT(CA_PAY_REFUNDED), ANY,              ANY,                    KEEP,                    KEEP,        KEEP},
	/* At the counter only while the key waits there (onsite): once staff put
	 * it into a kiosk's dispenser (ready_for_pickup) it is collected there. */
	{CA_ACT_HAND_OVER,        BIT(CA_APP_APPROVED),      BIT(CA_PAY_PAID),    BIT(CA_PROC_ONSITE),              BIT(CA_PICKUP_ONSITE),  KEEP,                    CA_PAY_DONE, CA_PROC_COLLECTED},
	/* Only while the key has not gone out: not shipped, not in a kiosk. */
	{CA_ACT_REFUND,           BIT(CA_APP_APPROVED),      BIT(CA_PAY_PAID),    BIT(CA_PROC_PROCESSING) | BIT(CA_PROC_ONSITE), ANY, KEEP,              CA_PAY_REFUNDED, CA_PROC_NONE},
};

static const struct {
	const char *id;       /* identifier for the wire and the database */
	enum msg_id label;    /* button text */
	enum ca_actor actor;  /* who does it */
} actions[CA_ACT__N] = {
	[CA_ACT_SAVE] = {"save", MSG_ACT_SAVE, CA_BY_USER},
	[CA_ACT_EDIT] = {"edit", MSG_ACT_EDIT, CA_BY_USER},
	[CA_ACT_SUBMIT] = {"submit", MSG_ACT_SUBMIT, CA_BY_USER},
	[CA_ACT_DELETE] = {"delete", MSG_ACT_DELETE, CA_BY_USER},
	[CA_ACT_APPROVE] = {"approve", MSG_ACT_APPROVE, CA_BY_STAFF},
	[CA_ACT_REJECT] = {"reject", MSG_ACT_REJECT, CA_BY_STAFF},
	[CA_ACT_PAY] = {"pay", MSG_ACT_PAY, CA_BY_PROVIDER},
	[CA_ACT_ADD_RECORD] = {"add_record", MSG_ACT_ADD_RECORD, CA_BY_STAFF},
	[CA_ACT_SHIP] = {"ship", MSG_ACT_SHIP, CA_BY_STAFF},
	[CA_ACT_CONFIRM_RECEIPT] = {"confirm_receipt", MSG_ACT_CONFIRM_RECEIPT, CA_BY_USER},
	[CA_ACT_MARK_READY] = {"mark_ready", MSG_ACT_MARK_READY, CA_BY_STAFF},
	[CA_ACT_COLLECT] = {"collect", MSG_ACT_COLLECT, CA_BY_USER},
	[CA_ACT_ISSUE_INVOICE] = {"issue_invoice", MSG_ACT_ISSUE_INVOICE, CA_BY_STAFF},
	[CA_ACT_VIEW_DETAILS] = {"view_details", MSG_ACT_VIEW_DETAILS, CA_BY_USER},
	[CA_ACT_HAND_OVER] = {"hand_over", MSG_ACT_HAND_OVER, CA_BY_STAFF},
	[CA_ACT_REFUND] = {"refund", MSG_ACT_REFUND, CA_BY_STAFF},
};

struct ca_state ca_state_of(const struct ca_app *app)
{
	struct ca_state s = {
		.app = app->app_status,
		.pay = app->pay_status,
		.proc = app->proc_status,
		.pickup = app->pickup,
	};
	return s;
}

/* The rule that allows a in s, or NULL. Out-of-range statuses match none. */
static const struct fsm_rule *find_rule(const struct ca_state *s, enum ca_action a)
{
	size_t i;

	if ((unsigned)s->app >= CA_APP__N || (unsigned)s->pay >= CA_PAY__N ||
	    (unsigned)s->proc >= CA_PROC__N || (unsigned)s->pickup >= CA_PICKUP__N)
		return NULL;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct fsm_rule *r = &rules[i];

		if (r->action == a && (r->app_in & BIT(s->app)) &&
		    (r->pay_in & BIT(s->pay)) && (r->proc_in & BIT(s->proc)) &&
		    (r->pickup_in & BIT(s->pickup)))
			return r;
	}
	return NULL;
}

bool fsm_allowed(const struct ca_state *s, enum ca_action a)
{
	return find_rule(s, a) != NULL;
}

ca_err fsm_next(const struct ca_state *s, enum ca_action a, struct ca_state *next)
{
	const struct fsm_rule *r = find_rule(s, a);
	struct ca_state n;

	if (!r)
		return CA_ERR_FORBIDDEN;
	n = *s;
	if (r->app_to != KEEP)
		n.app = (enum ca_app_status)r->app_to;
	if (r->pay_to != KEEP)
		n.pay = (enum ca_pay_status)r->pay_to;
	if (r->proc_to != KEEP)
		n.proc = (enum ca_proc_status)r->proc_to;
	*next = n;
	return CA_OK;
}

enum ca_actor fsm_actor(enum ca_action a)
{
	return ((unsigned)a < CA_ACT__N) ? actions[a].actor : CA_BY_STAFF;
}

const char *fsm_action_id(enum ca_action a)
{
	return ((unsigned)a < CA_ACT__N) ? actions[a].id : "?";
}

int fsm_action_from_id(const char *id)
{
	int i;

	for (i = 0; id && i < CA_ACT__N; i++)
		if (!strcmp(actions[i].id, id))
			return i;
	return -1;
}

enum msg_id fsm_action_msg(enum ca_action a)
{
	return ((unsigned)a < CA_ACT__N) ? actions[a].label : MSG_NONE;
}

/* Record one failing field in r (if any). */
static void report_add(struct valid_report *r, enum ca_field f, enum msg_id m, int arg)
{
	if (!r || r->n >= CA_F__N)
		return;
	r->err[r->n].field = f;
	r->err[r->n].msg = m;
	r->err[r->n].arg = arg;
	r->n++;
}

/* Check the text an action carries: required or not, at most max chars. */
static ca_err check_arg(const char *arg, bool required, int max, enum ca_field f,
			struct valid_report *r)
{
	int lim = 0;
	enum msg_id m = valid_text(arg ? arg : "", required ? 1 : 0, max, &lim);

	if (m == MSG_V_TOO_SHORT)
		m = MSG_V_REQUIRED;
	if (m != MSG_NONE) {
		report_add(r, f, m, lim);
		return CA_ERR_INVALID;
	}
	return CA_OK;
}

/* Check the required text arg as field f (at most max code points) and copy
 * it into dst (size n). */
static ca_err take_arg(char *dst, size_t n, const char *arg, int max, enum ca_field f,
		       struct valid_report *r)
{
	ca_err err = check_arg(arg, true, max, f, r);

	if (!err)
		utf8_copy(dst, n, arg, (size_t)max);
	return err;
}

/* Whether the ID number a (as typed at the counter) is b (as stored): the
 * same 18 characters, the check character x and X alike. */
static bool same_id_number(const char *a, const char *b)
{
	size_t i;

	if (strlen(a) != 18 || strlen(b) != 18)
		return false;
	for (i = 0; i < 18; i++) {
		char x = a[i] == 'x' ? 'X' : a[i], y = b[i] == 'x' ? 'X' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

ca_err fsm_apply(struct ca_app *app, enum ca_action a, const char *arg,
		 int today, struct valid_report *report)
{
	struct ca_state s = ca_state_of(app), n;
	ca_err err;

	if (report)
		report->n = 0;
	err = fsm_next(&s, a, &n);
	if (err)
		return err;

	switch (a) {
	case CA_ACT_SUBMIT: {
		/* Report the form and the comment together. */
		struct valid_report local, *r = report ? report : &local;
		int bad = valid_app(app, today, r);

		if (check_arg(arg, false, CA_COMMENT_MAX, CA_F_COMMENT, r))
			bad++;
		if (bad)
			return CA_ERR_INVALID;
		utf8_copy(app->comment, sizeof(app->comment), arg ? arg : "", CA_COMMENT_MAX);
		app->reject_reason[0] = '\0';
		break;
	}
	case CA_ACT_REFUND: /* the reason, required; it goes into a processing record */
		err = check_arg(arg, true, CA_COMMENT_MAX, CA_F_COMMENT, report);
		if (err)
			return err;
		break;
	case CA_ACT_REJECT: /* the reason, required */
	case CA_ACT_SHIP:   /* the tracking number, required */
		err = a == CA_ACT_REJECT
		      ? take_arg(app->reject_reason, sizeof(app->reject_reason), arg,
				 CA_COMMENT_MAX, CA_F_REJECT_REASON, report)
		      : take_arg(app->tracking_no, sizeof(app->tracking_no), arg,
				 CA_TRACKING_MAX, CA_F_TRACKING_NO, report);
		if (err)
			return err;
		break;
	case CA_ACT_APPROVE:
		app->reject_reason[0] = '\0';
		break;
	case CA_ACT_PAY:
		/* Nothing to pay for until the hub has set a price. */
		if (app->amount_fen <= 0)
			return CA_ERR_INVALID;
		break;
	case CA_ACT_HAND_OVER:
		err = check_arg(arg, true, 18, CA_F_HANDLER_ID, report);
		if (!err && !same_id_number(arg, app->handler_id)) {
			report_add(report, CA_F_HANDLER_ID, MSG_V_RIC_NOT_HANDLER, 0);
			err = CA_ERR_INVALID;
		}
		if (err)
			return err;
		break;
	default:
		break;
	}
	app->app_status = n.app;
	app->pay_status = n.pay;
	app->proc_status = n.proc;
	return CA_OK;
}
