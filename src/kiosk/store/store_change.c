/*
 * store_change.c - an application's rows in the kiosk store: loading the
 * record, and the change writer, st_change_write(), the one place a state
 * change turns into rows (domain row, history row, outbox row) inside the
 * caller's transaction. Start with st_change_write(), then st_act_in_tx()
 * (an action through the status table). See store_int.h.
 */
#include "store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"

ca_err st_app_select(struct store *st, const char *sql, const char *what, const char *id,
		     struct ca_app *app)
{
	char cerr[CODEC_ERR_MAX];
	sqlite3_stmt *s = NULL;
	ca_err e = st_row(st, &s, sql, what, "t", id);

	if (!e && codec_app_from_text((const char *)sqlite3_column_text(s, 0),
				      (size_t)sqlite3_column_bytes(s, 0), app, cerr,
				      sizeof(cerr)) != CA_OK) {
		log_error(TAG, "%s: %s %s: stored record unreadable: %s", st->path, what, id,
			  cerr);
		e = CA_ERR_CORRUPT;
	}
	sqlite3_finalize(s);
	return e;
}

ca_err st_app_load(struct store *st, const char *id, struct ca_app *app)
{
	return st_app_select(st, "SELECT body FROM applications WHERE id = ?1",
			     "load application", id, app);
}

/* The text an action carries into history and outbox (what fsm_apply
 * stored), or NULL. Taken from the record, never from raw input. */
static const char *act_text(const struct ca_app *app, enum ca_action a)
{
	switch (a) {
	case CA_ACT_SUBMIT:
		return app->comment;
	case CA_ACT_REJECT:
		return app->reject_reason;
	case CA_ACT_SHIP:
		return app->tracking_no;
	default:
		return NULL;
	}
}

/* The outbox payload {"op", "app", "arg", "at_ms"} as an object into *out
 * (the caller's reference), for a caller that adds to it. */
ca_err st_payload_obj(const char *op, const struct ca_app *app, const char *arg,
		      int64_t at_ms, json_t **out)
{
	json_t *o = json_object();
	json_t *a = codec_app_encode(app);
	json_t *g = arg ? json_string(arg) : json_null();
	ca_err e = CA_OK;
	int bad;

	*out = NULL;
	if (!o || !a || !g) {
		/* json_string refuses text that is not UTF-8 */
		e = (o && a && arg) ? CA_ERR_INVALID : CA_ERR_NOMEM;
		goto out;
	}
	/* set_new takes the value's reference whether or not it succeeds */
	bad = json_object_set_new(o, "op", json_string(op));
	bad |= json_object_set_new(o, "app", a);
	bad |= json_object_set_new(o, "arg", g);
	bad |= json_object_set_new(o, "at_ms", json_integer((json_int_t)at_ms));
	a = g = NULL;
	if (bad) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(a);
	json_decref(g);
	json_decref(o);
	return e;
}

/* See store_int.h. */
ca_err st_json_text(json_t *o, char **out)
{
	*out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return *out ? CA_OK : CA_ERR_NOMEM;
}

/* The outbox payload {"op", "app", "arg", "at_ms"} into *out (malloc'd). */
ca_err st_payload_make(const char *op, const struct ca_app *app,
		       const char *arg, int64_t at_ms, char **out)
{
	json_t *o;
	ca_err e;

	*out = NULL;
	e = st_payload_obj(op, app, arg, at_ms, &o);
	return e ? e : st_json_text(o, out);
}

/* Write app's domain row (or delete it), for st_change_write(). */
ca_err st_row_write(struct store *st, enum write_mode mode,
		    const struct ca_app *app)
{
	static const char ins[] =
		"INSERT INTO applications(id, account, app_status, created_ms,"
		" updated_ms, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char upd[] =
		"UPDATE applications SET account = ?2, app_status = ?3,"
		" created_ms = ?4, updated_ms = ?5, body = ?6 WHERE id = ?1";
	static const char del[] = "DELETE FROM applications WHERE id = ?1";
	char cerr[CODEC_ERR_MAX], *body = NULL;
	struct ca_app *check = NULL;
	const char *what;
	ca_err e;

	if (mode == W_DELETE) {
		e = st_run(st, del, "delete application", "t", app->id);
		goto changed;
	}
	/* Never write a body the codec would refuse to read back. */
	e = codec_app_to_text(app, &body);
	if (e)
		goto out;
	check = malloc(sizeof(*check));
	if (!check) {
		e = CA_ERR_NOMEM;
		goto out;
	}
	e = codec_app_from_text(body, strlen(body), check, cerr, sizeof(cerr));
	if (e) {
		log_warn(TAG, "application %s not stored: %s", app->id, cerr);
		e = CA_ERR_INVALID;
		goto out;
	}
	what = mode == W_INSERT ? "insert application" : "update application";
	e = st_run(st, mode == W_INSERT ? ins : upd, what, "tttiit", app->id, app->account,
		   ca_app_status_id(app->app_status), (int64_t)app->created_ms,
		   (int64_t)app->updated_ms, body);
changed:
	if (!e && sqlite3_changes(st->db) != 1)
		e = CA_ERR_NOT_FOUND;
out:
	free(check);
	free(body);
	return e;
}

/* Append one history row. */
ca_err st_history_add(struct store *st, const char *app_id, int64_t at_ms,
		      const char *action, const struct ca_state *from,
		      const struct ca_state *to, const char *note)
{
	static const char sql[] =
		"INSERT INTO app_history(app_id, at_ms, action, from_app, from_pay,"
		" from_proc, from_pickup, to_app, to_pay, to_proc, to_pickup, note)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

	return st_run(st, sql, "insert history", "titttttttttt", app_id, (int64_t)at_ms, action,
		      ca_app_status_id(from->app), ca_pay_status_id(from->pay),
		      ca_proc_status_id(from->proc), ca_pickup_id(from->pickup),
		      ca_app_status_id(to->app), ca_pay_status_id(to->pay),
		      ca_proc_status_id(to->proc), ca_pickup_id(to->pickup), note ? note : "");
}

/*
 * The rows of one state change, inside the caller's transaction: the domain
 * row (insert, update or delete), a history row (not for delete: it goes
 * with the application) and the outbox row of kind op. from is the state
 * before; app is the record after (before, for delete).
 */
ca_err st_change_write(struct store *st, enum write_mode mode,
		       const char *op, const struct ca_state *from,
		       const struct ca_app *app, const char *arg,
		       int64_t now_ms)
{
	struct ca_state to = ca_state_of(app);
	char *payload = NULL;
	ca_err e;

	/* Never outside a transaction: the three rows are one change, and a
	 * crash between them must leave none. */
	assert(!sqlite3_get_autocommit(st->db));
	e = st_row_write(st, mode, app);
	if (!e && mode != W_DELETE)
		e = st_history_add(st, app->id, now_ms,
				   mode == W_INSERT ? "create" : op, from, &to, arg);
	if (!e)
		e = st_payload_make(op, app, arg, now_ms, &payload);
	if (!e)
		e = store_outbox_enqueue(st, app->id, op, payload, now_ms, NULL);
	free(payload);
	return e;
}

/* One info line per committed change, for the operator's log. The account
 * is a phone number: masked, like every personal field that reaches a log. */
void st_log_change(const char *op, const struct ca_state *from,
		   const struct ca_app *app)
{
	/* The application by its id only: the kiosk's log names no person
	 * (docs/privacy.md). */
	log_info(TAG, "%s %s: %s/%s/%s -> %s/%s/%s", op, app->id,
		 ca_app_status_id(from->app), ca_pay_status_id(from->pay),
		 ca_proc_status_id(from->proc), ca_app_status_id(app->app_status),
		 ca_pay_status_id(app->pay_status), ca_proc_status_id(app->proc_status));
}

/*
 * Load application id, apply action a through the status table and write
 * the change (domain row, history, outbox row), inside the caller's
 * transaction. *cur gets the record after the change (for delete: as it
 * was), *from the state before. Shared by store_app_act and
 * store_intent_collected, so a collect is the same rows either way.
 */
ca_err st_act_in_tx(struct store *st, const char *id, enum ca_action a,
		    const char *arg, int today, int64_t now_ms,
		    struct ca_app *cur, struct ca_state *from,
		    struct valid_report *report)
{
	struct ca_app *before = NULL;
	ca_err e;

	before = malloc(sizeof(*before));
	if (!before)
		return CA_ERR_NOMEM;
	e = st_app_load(st, id, cur);
	if (e)
		goto out;
	*before = *cur;
	*from = ca_state_of(cur);
	e = fsm_apply(cur, a, arg, today, report);
	if (e)
		goto out;
	if (a == CA_ACT_DELETE) {
		*cur = *before;
		e = st_change_write(st, W_DELETE, fsm_action_id(a), from, cur, NULL,
				    now_ms);
	} else {
		cur->updated_ms = now_ms;
		e = st_change_write(st, W_UPDATE, fsm_action_id(a), from, cur,
				    act_text(cur, a), now_ms);
	}
out:
	free(before);
	return e;
}

