/*
 * fsm.h - the status machine: ONE table of which action is allowed in which
 * status, used by the kiosk UI (to decide what to offer) and by the hub (to
 * decide what to accept). A forbidden action returns CA_ERR_FORBIDDEN and
 * changes nothing.
 *
 * A state is the triple (application, payment, processing) status plus the
 * pickup method, which decides the processing path after payment:
 *
 *   draft --submit--> pending_review --approve--> approved/unpaid
 *     ^  \                 |                         | pay
 *     |   delete        reject                       v
 *   save               rejected --submit-->     paid + processing (mail)
 *                   (save, edit)                     | ship
 *                                                paid + shipped --confirm_receipt--> done + received
 *                                               paid + onsite (on site)
 *                                                     | mark_ready
 *                                               paid + ready_for_pickup --collect--> done + collected
 *
 * Staff: hand_over (paid + onsite -> done + collected, at the counter);
 * refund (paid + processing or onsite, before the key went out -> refunded).
 *
 * Invariants: edit/save only in draft and rejected; delete only in draft;
 * payment actions only once approved.
 */
#ifndef CA_FSM_H
#define CA_FSM_H

#include <stdbool.h>

#include "app.h"
#include "err.h"
#include "valid.h"

enum ca_action {
	CA_ACT_SAVE,            /* store changes to the form (修改保存) */
	CA_ACT_EDIT,            /* open the form for changes */
	CA_ACT_SUBMIT,          /* send for review with a comment (提交信息) */
	CA_ACT_DELETE,          /* remove a draft (删除申请) */
	CA_ACT_APPROVE,         /* staff: 审核通过 */
	CA_ACT_REJECT,          /* staff: 审核不通过, reason required */
	CA_ACT_PAY,             /* payment confirmed by the provider */
	CA_ACT_ADD_RECORD,      /* staff: add a processing record */
	CA_ACT_SHIP,            /* staff: key mailed, tracking number required */
	CA_ACT_CONFIRM_RECEIPT, /* user: 确认签收 (mail pickup) */
	CA_ACT_MARK_READY,      /* staff: key ready at the kiosk or counter */
	CA_ACT_COLLECT,         /* user: key taken from the dispenser or counter */
	CA_ACT_ISSUE_INVOICE,   /* staff: e-invoice issued */
	CA_ACT_VIEW_DETAILS,    /* user: 查看详情 of a paid order */
	CA_ACT_HAND_OVER,       /* staff: key handed over at the counter (窗口交付),
				 * the handler's ID number checked */
	CA_ACT_REFUND,          /* staff (finance): the payment given back before the
				 * key went out (退款), a reason required */
	CA_ACT__N
};

/* Who may perform an action. */
enum ca_actor {
	CA_BY_USER,     /* the person at the kiosk */
	CA_BY_STAFF,    /* a reviewer or operator, through the hub */
	CA_BY_PROVIDER, /* the payment provider, through the hub */
};

/* The part of a record the table looks at. */
struct ca_state {
	enum ca_app_status app;   /* review state */
	enum ca_pay_status pay;   /* payment state */
	enum ca_proc_status proc; /* processing state */
	enum ca_pickup pickup;    /* pickup method */
};

/* The state of app. */
struct ca_state ca_state_of(const struct ca_app *app);

/* Whether action a is allowed in state s. */
bool fsm_allowed(const struct ca_state *s, enum ca_action a);

/* The state after action a in state s, into *next. CA_ERR_FORBIDDEN (and
 * *next untouched) when the table does not allow it. */
ca_err fsm_next(const struct ca_state *s, enum ca_action a, struct ca_state *next);

/* Who performs action a. */
enum ca_actor fsm_actor(enum ca_action a);

/* Identifier ("confirm_receipt") and catalog label of an action;
 * fsm_action_from_id returns -1 for an unknown identifier. */
const char *fsm_action_id(enum ca_action a);
int fsm_action_from_id(const char *id);
enum msg_id fsm_action_msg(enum ca_action a);

/*
 * Apply action a to app: checks the table, then what the action needs, then
 * changes the statuses and the fields the action carries. arg is the text
 * the action takes: the comment for submit (optional), the reason for
 * reject and refund and the tracking number for ship (required), the ID
 * number the counter read from the person's card for hand_over (it must
 * be the application's 经办人身份证号, an x taken as X); ignored otherwise.
 * A refund's reason is not kept in the record: the caller writes it into
 * a processing record.
 * today is the local date as YYYYMMDD (for the ID number's birth date).
 *
 * Returns CA_OK; CA_ERR_FORBIDDEN when the status does not allow it;
 * CA_ERR_INVALID when the record (submit) or arg is not acceptable, with
 * every failing field in *report when report is not NULL. On any error app
 * is unchanged. Delete leaves app unchanged: the caller removes it.
 */
ca_err fsm_apply(struct ca_app *app, enum ca_action a, const char *arg,
		 int today, struct valid_report *report);

#endif
