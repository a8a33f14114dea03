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
	if (!e)
		e = st_tx_close(st, true, st_change_write(st, W_INSERT, fsm_action_id(CA_ACT_SAVE),
				&from, a, NULL, now_ms));
	if (!e) {
		st_log_change("create", &from, a);
		*app = *a;
	}
	free(a);
	return e;
}

/* store_app_save's load, check and rows, inside its transaction. */
static ca_err save_in_tx(struct store *st, const struct ca_app *app, int64_t now_ms,
			 struct ca_app *cur, struct ca_state *from)
{
	ca_err e = st_app_load(st, app->id, cur);

	if (e)
		return e;
	*from = ca_state_of(cur);
	if (!fsm_allowed(from, CA_ACT_SAVE))
		return CA_ERR_FORBIDDEN;
	ca_app_copy_form(cur, app);
	ca_app_normalize(cur);
	cur->updated_ms = now_ms;
	return st_change_write(st, W_UPDATE, fsm_action_id(CA_ACT_SAVE), from, cur, NULL,
			       now_ms);
}

/* Save the form fields of app onto the stored record (修改保存). */
ca_err store_app_save(struct store *st, struct ca_app *app, int64_t now_ms)
{
	struct ca_app *cur = NULL;
	struct ca_state from;
	ca_err e;

	if (!uuid_valid(app->id))
		return CA_ERR_ARG;
	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (!e)
		e = st_tx_close(st, true, save_in_tx(st, app, now_ms, cur, &from));
	if (!e) {
		st_log_change(fsm_action_id(CA_ACT_SAVE), &from, cur);
		*app = *cur;
	}
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
	if (!e)
		e = st_tx_close(st, true,
				st_act_in_tx(st, id, a, arg, today, now_ms, cur, &from, report));
	if (!e) {
		if (a == CA_ACT_DELETE)
			store_scrub(st); /* the draft's old pages leave the WAL */
		st_log_change(fsm_action_id(a), &from, cur);
		if (out)
			*out = *cur;
	}
	free(cur);
	return e;
}

/* Read one application. */
ca_err store_app_get(struct store *st, const char *id, struct ca_app *app)
{
	return st_app_load(st, id, app);
}

/* A walk of store_app_each. */
struct app_walk {
	unsigned app_mask;  /* the statuses wanted, one bit each */
	store_app_fn fn;    /* the caller's function */
	void *ctx;          /* its argument */
	struct ca_app *app; /* the record of the row, scratch */
};

/* One row of store_app_each: id, app_status, body. */
static ca_err app_row(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop)
{
	struct app_walk *w = ctx;
	char cerr[CODEC_ERR_MAX];
	int status = ca_app_status_from_id((const char *)sqlite3_column_text(s, 1));

	if (status >= 0 && status < 32 && !(w->app_mask & (1u << status)))
		return CA_OK;
	if (codec_app_from_text((const char *)sqlite3_column_text(s, 2),
				(size_t)sqlite3_column_bytes(s, 2), w->app, cerr,
				sizeof(cerr)) != CA_OK) {
		/* One damaged row must not hide the others: skip it. */
		st_log_skipped(st, s, "application", cerr);
		return CA_OK;
	}
	if (w->app_mask & (1u << w->app->app_status))
		*stop = w->fn(w->app, w->ctx) != 0;
	return CA_OK;
}

/* Walk the rows of sql (one text parameter, arg) with row and walk, whose
 * per-row scratch the caller malloc'ed: CA_ERR_NOMEM when scratch is NULL;
 * scratch is freed here in every other case. */
static ca_err each_scratch(struct store *st, const char *sql, const char *what,
			   st_row_fn row, void *walk, void *scratch, const char *arg)
{
	ca_err e;

	if (!scratch)
		return CA_ERR_NOMEM;
	e = st_each(st, sql, what, row, walk, "t", arg);
	free(scratch);
	return e;
}

/* List the applications of account, newest first, filtered by status. */
ca_err store_app_each(struct store *st, const char *account, unsigned app_mask,
		      store_app_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, app_status, body FROM applications WHERE account = ?1"
		" ORDER BY created_ms DESC, rowid DESC";
	struct app_walk w = { app_mask, fn, ctx, malloc(sizeof(struct ca_app)) };

	return each_scratch(st, sql, "list applications", app_row, &w, w.app, account);
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

/* A walk of store_history_each. */
struct history_walk {
	const char *id;            /* the application */
	store_history_fn fn;       /* the caller's function */
	void *ctx;                 /* its argument */
	struct store_history *h;   /* the row, scratch */
};

/* One row of store_history_each. */
static ca_err history_row(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop)
{
	struct history_walk *w = ctx;
	struct store_history *h = w->h;
	int act;

	memset(h, 0, sizeof(*h));
	h->at_ms = sqlite3_column_int64(s, 0);
	if (!sqlkit_col_copy(s, 1, h->action_id, sizeof(h->action_id)) ||
	    !state_cols(s, 2, &h->from) || !state_cols(s, 6, &h->to) ||
	    !sqlkit_col_copy(s, 10, h->note, sizeof(h->note))) {
		log_error(TAG, "%s: history of %s: unreadable row", st->path, w->id);
		return CA_ERR_CORRUPT;
	}
	act = fsm_action_from_id(h->action_id);
	h->action = act >= 0 ? (enum ca_action)act : CA_ACT__N;
	*stop = w->fn(h, w->ctx) != 0;
	return CA_OK;
}

/* Walk the history of one application, oldest first. */
ca_err store_history_each(struct store *st, const char *id,
			  store_history_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT at_ms, action, from_app, from_pay, from_proc, from_pickup,"
		" to_app, to_pay, to_proc, to_pickup, note FROM app_history"
		" WHERE app_id = ?1 ORDER BY seq";
	struct history_walk w = { id, fn, ctx, malloc(sizeof(struct store_history)) };

	return each_scratch(st, sql, "read history", history_row, &w, w.h, id);
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

/* A walk of store_record_each. */
struct record_walk {
	store_record_fn fn; /* the caller's function */
	void *ctx;          /* its argument */
};

/* One row of store_record_each: id, body. */
static ca_err record_row(struct store *st, sqlite3_stmt *s, void *ctx, bool *stop)
{
	struct record_walk *w = ctx;
	char cerr[CODEC_ERR_MAX];
	struct ca_proc_record rec;

	if (codec_record_from_text((const char *)sqlite3_column_text(s, 1),
				   (size_t)sqlite3_column_bytes(s, 1), &rec, cerr,
				   sizeof(cerr)) != CA_OK)
		st_log_skipped(st, s, "processing record", cerr);
	else
		*stop = w->fn(&rec, w->ctx) != 0;
	return CA_OK;
}

/* Walk the processing records of one application, oldest first. */
ca_err store_record_each(struct store *st, const char *app_id,
			 store_record_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT id, body FROM proc_records WHERE app_id = ?1"
		" ORDER BY at_ms, id";
	struct record_walk w = { fn, ctx };

	return st_each(st, sql, "read processing records", record_row, &w, "t", app_id);
}

