/*
 * store_app.c - applications in the kiosk store (see store.h): create,
 * save and act (each one transaction around st_change_write(),
 * store_change.c), reading and listing them, their history, and the
 * processing records from the hub. Start with store_app_act().
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sqlkit.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/uuid.h"

/* Insert a new draft with its history and outbox rows. */
ca_err store_app_create(struct store *st, struct ca_app *app, int64_t now_ms)
{
	struct ca_app *a = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;

	if (!uuid_valid(app->id) || !app->account[0] ||
	    app->app_status != CA_APP_DRAFT || app->pay_status != CA_PAY_UNPAID ||
	    app->proc_status != CA_PROC_NONE)
		return CA_ERR_ARG;
	a = malloc(sizeof(*a));
	if (!a)
		return CA_ERR_NOMEM;
	*a = *app;
	ca_app_normalize(a);
	a->created_ms = now_ms;
	a->updated_ms = now_ms;
	from = ca_state_of(a);

	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = st_change_write(st, W_INSERT, fsm_action_id(CA_ACT_SAVE), &from, a, NULL,
			 now_ms);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	st_log_change("create", &from, a);
	*app = *a;
out:
	if (e && began)
		store_rollback(st);
	free(a);
	return e;
}

/* Save the form fields of app onto the stored record (修改保存). */
ca_err store_app_save(struct store *st, struct ca_app *app, int64_t now_ms)
{
	struct ca_app *cur = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;

	if (!uuid_valid(app->id))
		return CA_ERR_ARG;
	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = st_app_load(st, app->id, cur);
	if (e)
		goto out;
	from = ca_state_of(cur);
	if (!fsm_allowed(&from, CA_ACT_SAVE)) {
		e = CA_ERR_FORBIDDEN;
		goto out;
	}
	ca_app_copy_form(cur, app);
	ca_app_normalize(cur);
	cur->updated_ms = now_ms;
	e = st_change_write(st, W_UPDATE, fsm_action_id(CA_ACT_SAVE), &from, cur,
			 NULL, now_ms);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	st_log_change(fsm_action_id(CA_ACT_SAVE), &from, cur);
	*app = *cur;
out:
	if (e && began)
		store_rollback(st);
	free(cur);
	return e;
}


/* Apply action a to the stored record through the status table. */
ca_err store_app_act(struct store *st, const char *id, enum ca_action a,
		     const char *arg, int today, int64_t now_ms,
		     struct ca_app *out, struct valid_report *report)
{
	struct ca_app *cur = NULL;
	struct ca_state from;
	bool began = false;
	ca_err e;

	if (report)
		report->n = 0;
	/* Save has its own entry point; edit and view_details change nothing. */
	if (!id || (unsigned)a >= CA_ACT__N || a == CA_ACT_SAVE || a == CA_ACT_EDIT ||
	    a == CA_ACT_VIEW_DETAILS)
		return CA_ERR_ARG;
	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	began = true;
	e = st_act_in_tx(st, id, a, arg, today, now_ms, cur, &from, report);
	if (!e)
		e = store_commit(st);
	if (e)
		goto out;
	if (a == CA_ACT_DELETE)
		store_scrub(st); /* the draft's old pages leave the WAL */
	st_log_change(fsm_action_id(a), &from, cur);
	if (out)
		*out = *cur;
out:
	if (e && began)
		store_rollback(st);
	free(cur);
	return e;
}

/* Read one application. */
ca_err store_app_get(struct store *st, const char *id, struct ca_app *app)
{
	return st_app_load(st, id, app);
}

/* List the applications of account, newest first, filtered by status. */
ca_err store_app_each(struct store *st, const char *account, unsigned app_mask,
		      store_app_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, app_status, body FROM applications WHERE account = ?1"
		" ORDER BY created_ms DESC, rowid DESC";
	char cerr[CODEC_ERR_MAX], id[CA_UUID_LEN + 1];
	struct ca_app *app = NULL;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc, status;

	app = malloc(sizeof(*app));
	if (!app)
		return CA_ERR_NOMEM;
	e = st_prep_bind(st, sql, &s, "list applications", "t", account);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		status = ca_app_status_from_id((const char *)sqlite3_column_text(s, 1));
		if (status >= 0 && status < 32 && !(app_mask & (1u << status)))
			continue;
		if (codec_app_from_text((const char *)sqlite3_column_text(s, 2),
					(size_t)sqlite3_column_bytes(s, 2), app, cerr,
					sizeof(cerr)) != CA_OK) {
			/* One damaged row must not hide the others: skip it. */
			if (!sqlkit_col_copy(s, 0, id, sizeof(id)))
				snprintf(id, sizeof(id), "?");
			log_error(TAG, "%s: application %s unreadable, skipped: %s",
				  st->path, id, cerr);
			continue;
		}
		if (!(app_mask & (1u << app->app_status)))
			continue;
		if (fn(app, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = st_fail(st, rc, "list applications");
out:
	sqlite3_finalize(s);
	free(app);
	return e;
}

/* Read a history row's state (4 identifier columns from col). */
static bool state_cols(sqlite3_stmt *s, int col, struct ca_state *out)
{
	int a = ca_app_status_from_id((const char *)sqlite3_column_text(s, col));
	int p = ca_pay_status_from_id((const char *)sqlite3_column_text(s, col + 1));
	int r = ca_proc_status_from_id((const char *)sqlite3_column_text(s, col + 2));
	int k = ca_pickup_from_id((const char *)sqlite3_column_text(s, col + 3));

	if (a < 0 || p < 0 || r < 0 || k < 0)
		return false;
	out->app = (enum ca_app_status)a;
	out->pay = (enum ca_pay_status)p;
	out->proc = (enum ca_proc_status)r;
	out->pickup = (enum ca_pickup)k;
	return true;
}

/* Walk the history of one application, oldest first. */
ca_err store_history_each(struct store *st, const char *id,
			  store_history_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT at_ms, action, from_app, from_pay, from_proc, from_pickup,"
		" to_app, to_pay, to_proc, to_pickup, note FROM app_history"
		" WHERE app_id = ?1 ORDER BY seq";
	struct store_history *h = NULL;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc, act;

	h = malloc(sizeof(*h));
	if (!h)
		return CA_ERR_NOMEM;
	e = st_prep_bind(st, sql, &s, "read history", "t", id);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(h, 0, sizeof(*h));
		h->at_ms = sqlite3_column_int64(s, 0);
		if (!sqlkit_col_copy(s, 1, h->action_id, sizeof(h->action_id)) ||
		    !state_cols(s, 2, &h->from) || !state_cols(s, 6, &h->to) ||
		    !sqlkit_col_copy(s, 10, h->note, sizeof(h->note))) {
			log_error(TAG, "%s: history of %s: unreadable row", st->path, id);
			e = CA_ERR_CORRUPT;
			goto out;
		}
		act = fsm_action_from_id(h->action_id);
		h->action = act >= 0 ? (enum ca_action)act : CA_ACT__N;
		if (fn(h, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = st_fail(st, rc, "read history");
out:
	sqlite3_finalize(s);
	free(h);
	return e;
}

/* ---- processing records ---- */

/* Insert or replace one processing record. */
ca_err store_record_put(struct store *st, const struct ca_proc_record *rec)
{
	static const char sql[] =
		"INSERT INTO proc_records(id, app_id, at_ms, body)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
		" app_id = excluded.app_id, at_ms = excluded.at_ms,"
		" body = excluded.body";
	char cerr[CODEC_ERR_MAX], *body = NULL;
	struct ca_proc_record check;
	ca_err e;

	if (!uuid_valid(rec->id) || !uuid_valid(rec->app_id))
		return CA_ERR_ARG;
	e = codec_record_to_text(rec, &body);
	if (e)
		goto out;
	e = codec_record_from_text(body, strlen(body), &check, cerr, sizeof(cerr));
	if (e) {
		log_warn(TAG, "processing record %s not stored: %s", rec->id, cerr);
		e = CA_ERR_INVALID;
		goto out;
	}
	e = st_run(st, sql, "put processing record", "ttit", rec->id, rec->app_id,
		   (int64_t)rec->at_ms, body);
out:
	free(body);
	return e;
}

/* Walk the processing records of one application, oldest first. */
ca_err store_record_each(struct store *st, const char *app_id,
			 store_record_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, body FROM proc_records WHERE app_id = ?1"
		" ORDER BY at_ms, id";
	char cerr[CODEC_ERR_MAX], id[CA_UUID_LEN + 1];
	struct ca_proc_record rec;
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	e = st_prep_bind(st, sql, &s, "read processing records", "t", app_id);
	if (e)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (codec_record_from_text((const char *)sqlite3_column_text(s, 1),
					   (size_t)sqlite3_column_bytes(s, 1), &rec,
					   cerr, sizeof(cerr)) != CA_OK) {
			if (!sqlkit_col_copy(s, 0, id, sizeof(id)))
				snprintf(id, sizeof(id), "?");
			log_error(TAG, "%s: processing record %s unreadable, skipped: %s",
				  st->path, id, cerr);
			continue;
		}
		if (fn(&rec, ctx))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = st_fail(st, rc, "read processing records");
out:
	sqlite3_finalize(s);
	return e;
}

