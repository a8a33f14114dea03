/*
 * api_records.c - POST /v1/records: a kiosk's outbox rows, applied one by
 * one, idempotently (docs/api.md, Records).
 *
 * All records of one request are applied in ONE transaction (one fsync per
 * request, not per record), each inside its own savepoint: look up
 * (device, key) in the idempotency table - a replay with the same request
 * hash returns the stored result, a different hash is 409 -; decide on the
 * hub's copy of the application (fsm.h), write the row and its history,
 * and store the result under the key. Final results (2xx, 4xx) are kept
 * (the savepoint is released); a 5xx is not (rolled back to the savepoint,
 * revisions included), so the kiosk's retry gets another go, and the other
 * records of the request are not touched by it. Records are applied in
 * order, so a later one sees what an earlier one of the same request wrote
 * (a repeated key is a replay). If the commit fails, every result becomes
 * 500: nothing of the request was kept. The request hash is SHA-256 of the
 * record object serialised with sorted keys.
 *
 * One op is about the kiosk, not an application: "restock" (a slot of its
 * key dispenser refilled) carries "restock" instead of "app", needs no
 * account binding (the device's signature is its authority) and is kept
 * in the restocks table for staff, under the same idempotency rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/sign.h"
#include "core/utf8.h"
#include "core/uuid.h"
#include "api.h"
#include "hub.h"
#include "vclock.h"

#define TAG "records"
#define RECORDS_MAX 100

/* A per-record result: {key, status, app} or {key, status, error}. */
static json_t *result_ok(const char *key, const struct ca_app *app)
{
	return json_pack("{s:s, s:i, s:o}", "key", key, "status", 200, "app",
			 codec_app_encode(app));
}

static json_t *result_err(const char *key, int status, const char *code, const char *msg)
{
	return json_pack("{s:s, s:i, s:{s:s, s:s}}", "key", key, "status", status, "error",
			 "code", code, "message", msg);
}

/* Work space of one record (ca_app is large: keep it off the stack). */
struct rec_work {
	struct ca_app in;     /* as the kiosk sent it */
	struct ca_app cur;    /* the hub's copy */
	struct valid_report rep;
};

/* Result names of a failed dispense a kiosk may report (dispenser.h's
 * disp_result_name, but "ok", plus "interrupted" from recovery). */
static bool fault_result_ok(const char *r)
{
	static const char *const names[] = { "empty", "jam", "door_open", "no_answer",
					     "fault", "bad_slot", "no_dispenser",
					     "interrupted", "unconfirmed" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(r, names[i]) == 0)
			return true;
	return false;
}

/*
 * A kiosk's dispenser did not hand out the key of w->cur (op
 * "dispense_fault", member "fault": {kiosk, slot, result, detail}): keep it
 * as a processing record staff and the user see (Chinese text from the
 * catalog, by the kiosk) and a history row with the technical detail. The
 * application's state is not changed. Inside the open transaction.
 */
static ca_err dispense_fault(struct http_req *rq, struct rec_work *w, json_t *fault,
			     const char *actor, int64_t now, const char **why)
{
	struct hub *hub = rq->hub;
	struct ca_proc_record rec;
	const char *result, *detail;
	char note[CA_TEXT_BUF(CA_COMMENT_MAX)];
	json_int_t slot;
	size_t n;
	int64_t rev;
	ca_err e;

	result = json_string_value(json_object_get(fault, "result"));
	detail = json_string_value(json_object_get(fault, "detail"));
	slot = json_integer_value(json_object_get(fault, "slot"));
	if (!json_is_object(fault) || !result || !fault_result_ok(result) ||
	    !json_is_integer(json_object_get(fault, "slot")) || slot < 1 || slot > 64 ||
	    (json_object_get(fault, "detail") && !detail) ||
	    (detail && (!utf8_count(detail, &n) || n > CA_COMMENT_MAX))) {
		*why = "fault: {slot 1..64, result (a dispense fault name), detail (text)} "
		       "is required";
		return CA_ERR_ARG;
	}
	memset(&rec, 0, sizeof(rec));
	if (uuid_v4(rec.id))
		return CA_ERR_IO;
	memcpy(rec.app_id, w->cur.id, sizeof(rec.app_id));
	rec.at_ms = now;
	snprintf(rec.staff, sizeof(rec.staff), "%s %s", msg(MSG_DISP_FAULT_BY), rq->device);
	snprintf(rec.text, sizeof(rec.text), "%s", msg(ca_disp_fault_msg(result)));
	/* The technical detail (English, from the device) for staff, cut to
	 * a comment's length on a character boundary. */
	utf8_copy(note, sizeof(note), detail ? detail : "", CA_COMMENT_MAX);
	e = api_apply(hub, &w->cur, CA_ACT_ADD_RECORD, note, actor, now, &w->rep, &rev);
	if (!e)
		e = hubdb_record_add(hub->db, &rec, w->cur.account, rev);
	if (!e)
		log_warn(TAG, "dispense fault on %s at %s: slot %lld, %s (%s)", w->cur.id,
			 rq->device, (long long)slot, result, detail ? detail : "");
	return e;
}

/* Store app as it is under the next revision, with its history row (action
 * a, the state st before and after: a save or a first upload). */
static ca_err put_revision(struct hub *hub, struct ca_app *app, int64_t now,
			   enum ca_action a, const struct ca_state *st, const char *actor)
{
	int64_t rev;
	ca_err e = hubdb_rev_next(hub->db, &rev);

	if (!e) {
		app->rev = rev;
		e = hubdb_app_put(hub->db, app);
	}
	if (!e)
		e = hubdb_history_add(hub->db, app->id, rev, now, a, st, st, actor, "");
	return e;
}

/*
 * Decide and write one record inside the open transaction. Returns the
 * result object; *status is its HTTP status (5xx: roll back, store nothing).
 * r is the whole record (for members of particular ops).
 */
static json_t *apply_one(struct http_req *rq, struct rec_work *w, json_t *r,
			 const char *key, const char *op, const char *arg,
			 int64_t at_ms, int *status)
{
	struct hub *hub = rq->hub;
	char actor[48], m[MASK_BUF];
	int64_t now = vclock_now_ms(), rev;
	struct ca_state st;
	json_t *res;
	bool fault;
	ca_err e;
	int act;

	snprintf(actor, sizeof(actor), "device:%s", rq->device);
	fault = strcmp(op, "dispense_fault") == 0;
	act = strcmp(op, "save") == 0 ? CA_ACT_SAVE
	      : fault ? CA_ACT_ADD_RECORD : fsm_action_from_id(op);
	if (act < 0 || (act != CA_ACT_SAVE && act != CA_ACT_DELETE && !fault &&
			(fsm_actor((enum ca_action)act) != CA_BY_USER || act == CA_ACT_EDIT ||
			 act == CA_ACT_VIEW_DETAILS))) {
		*status = 400;
		return result_err(key, 400, "bad_request",
				  "op: not save, delete, dispense_fault, restock or a user action");
	}
	switch (hubdb_binding_state(hub->db, rq->device, w->in.account, vclock_now_s())) {
	case HUBDB_BOUND_LIVE:
		break;
	case HUBDB_BOUND_EXPIRED:
		log_warn(TAG, "%s: binding of %s expired; record refused", rq->device,
			 mask_phone(w->in.account, m, sizeof(m)));
		*status = 403;
		return result_err(key, 403, "binding_expired",
				  "the record's account has not logged in on this device for "
				  "longer than the binding life; it must log in here again");
	default:
		*status = 404;
		return result_err(key, 404, "not_found",
				  "the record's account has not logged in on this device");
	}
	e = hubdb_app_get(hub->db, w->in.id, &w->cur);
	if (e == CA_ERR_NOT_FOUND && act == CA_ACT_SAVE) {
		/* A new application: a draft with the kiosk's form. */
		ca_app_init(&w->cur);
		memcpy(w->cur.id, w->in.id, sizeof(w->cur.id));
		memcpy(w->cur.account, w->in.account, sizeof(w->cur.account));
		snprintf(w->cur.kiosk_id, sizeof(w->cur.kiosk_id), "%s", rq->device);
		ca_app_copy_form(&w->cur, &w->in);
		ca_app_normalize(&w->cur);
		w->cur.created_ms = w->in.created_ms ? w->in.created_ms : at_ms;
		w->cur.updated_ms = now;
		st = ca_state_of(&w->cur);
		e = put_revision(hub, &w->cur, now, CA_ACT__N, &st, actor);
		goto done;
	}
	if (e == CA_ERR_NOT_FOUND) {
		*status = 404;
		return result_err(key, 404, "not_found", "no such application on the hub");
	}
	if (e)
		goto done;
	if (strcmp(w->cur.account, w->in.account) != 0) {
		*status = 404;
		return result_err(key, 404, "not_found", "no such application for this account");
	}
	if (fault) {
		const char *why = NULL;

		e = dispense_fault(rq, w, json_object_get(r, "fault"), actor, now, &why);
		if (e == CA_ERR_ARG) {
			*status = 400;
			return result_err(key, 400, "bad_request", why ? why : "fault");
		}
		goto done;
	}
	if (act == CA_ACT_SAVE) {
		st = ca_state_of(&w->cur);
		if (!fsm_allowed(&st, CA_ACT_SAVE)) {
			e = CA_ERR_FORBIDDEN;
			goto done;
		}
		ca_app_copy_form(&w->cur, &w->in);
		ca_app_normalize(&w->cur);
		w->cur.updated_ms = now;
		e = put_revision(hub, &w->cur, now, CA_ACT_SAVE, &st, actor);
		goto done;
	}
	if (act == CA_ACT_DELETE) {
		struct ca_app *probe = &w->in; /* reuse: the kiosk's copy is not needed now */

		*probe = w->cur;
		e = fsm_apply(probe, CA_ACT_DELETE, NULL, vclock_today(), &w->rep);
		if (!e)
			e = hubdb_app_delete(hub->db, w->cur.id);
		goto done;
	}
	e = api_apply(hub, &w->cur, (enum ca_action)act, arg, actor, now, &w->rep, &rev);
done:
	if (e == CA_OK) {
		log_info(TAG, "%s %s of %s by %s", op, w->cur.id,
			 mask_phone(w->cur.account, m, sizeof(m)), rq->device);
		*status = 200;
		return result_ok(key, &w->cur);
	}
	res = api_error_json(e, (enum ca_action)act, &w->cur, &w->rep, status);
	json_object_set_new(res, "key", json_string(key));
	json_object_set_new(res, "status", json_integer(*status));
	return res;
}

/* The ops of records about the kiosk itself, not an application. */
#define OP_RESTOCK "restock"
#define OP_LOGOUT "logout"

/* Integer member name of o within lo..hi into *v; false when absent, not
 * an integer or out of range. */
static bool int_member(json_t *o, const char *name, json_int_t lo, json_int_t hi, int *v)
{
	json_t *j = json_object_get(o, name);

	if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
		return false;
	*v = (int)json_integer_value(j);
	return true;
}

/*
 * A restock of the kiosk's dispenser (op "restock", member "restock":
 * {kiosk, slot, before, after}): check it and keep it, inside the open
 * transaction. NULL when stored, else why it is refused (400). "kiosk" may
 * be left out; when given it must be the signing device's id, since the
 * signature is all the hub knows of where the restock happened.
 */
static const char *restock_one(struct http_req *rq, json_t *r, const char *key, int64_t at_ms,
			       int *status)
{
	struct hubdb_restock rs;
	json_t *o = json_object_get(r, "restock"), *k;

	*status = 400;
	if (!json_is_object(o))
		return "restock: an object {kiosk, slot, before, after} is required";
	memset(&rs, 0, sizeof(rs));
	if (!int_member(o, "slot", 1, 64, &rs.slot))
		return "restock.slot: a whole number 1..64 is required";
	if (!int_member(o, "before", -1, 9999, &rs.before))
		return "restock.before: a whole number -1..9999 is required (-1: not known)";
	if (!int_member(o, "after", 0, 9999, &rs.after))
		return "restock.after: a whole number 0..9999 is required";
	k = json_object_get(o, "kiosk");
	if (k && !json_is_null(k) &&
	    (!json_is_string(k) || strcmp(json_string_value(k), rq->device) != 0))
		return "restock.kiosk: when given, the id of the kiosk that signs the request";
	snprintf(rs.device, sizeof(rs.device), "%s", rq->device);
	snprintf(rs.key, sizeof(rs.key), "%s", key);
	rs.at_ms = at_ms;
	rs.received_ms = vclock_now_ms();
	if (hubdb_restock_add(rq->hub->db, &rs)) {
		*status = 500;
		return "store error";
	}
	*status = 200;
	log_info(TAG, "restock at %s: slot %d, %d -> %d keys (kiosk time %lld)", rq->device,
		 rs.slot, rs.before, rs.after, (long long)at_ms);
	return NULL;
}

/*
 * A logout the kiosk queued in its outbox (op "logout", member "session":
 * the token): end that session of the signing device, as POST /v1/logout
 * does. An unknown or already ended token, or one of another device, is
 * fine (200, nothing changes): a logout is harmless twice. NULL when done,
 * else why not (*status 400 or 500).
 */
static const char *logout_one(struct http_req *rq, json_t *r, int *status)
{
	const char *tok = json_string_value(json_object_get(r, "session"));
	bool ended;

	*status = 400;
	if (!tok || !sign_is_hex(tok, SIGN_HEX_LEN))
		return "session: the session token (64 lower-case hex digits) is required";
	if (hubdb_session_end(rq->hub->db, tok, rq->device, &ended)) {
		*status = 500;
		return "store error";
	}
	*status = 200;
	log_info(TAG, "logout queued by %s: %s", rq->device,
		 ended ? "session ended" : "no such session (ended before)");
	return NULL;
}

/* Check the shape of one record; NULL when fine, else what is wrong. */
static const char *shape(json_t *r, const char **key, const char **op, const char **arg,
			 int64_t *at_ms, json_t **app)
{
	json_t *k = json_object_get(r, "key"), *o = json_object_get(r, "op");
	json_t *a = json_object_get(r, "arg"), *t = json_object_get(r, "at_ms");
	size_t len;

	if (!json_is_object(r))
		return "a record must be an object";
	if (!json_is_string(k) || !(len = json_string_length(k)) || len > HUBDB_KEY_MAX)
		return "key: a string of 1 to 64 characters is required";
	*key = json_string_value(k);
	if (strlen(*key) != len || !utf8_count(*key, &len))
		return "key: must be UTF-8 text";
	if (!json_is_string(o))
		return "op: a string is required";
	*op = json_string_value(o);
	if (a && !json_is_null(a) && !json_is_string(a))
		return "arg: must be a string or null";
	*arg = json_is_string(a) ? json_string_value(a) : NULL;
	if (!json_is_integer(t) || json_integer_value(t) < 0)
		return "at_ms: a non-negative integer is required";
	*at_ms = json_integer_value(t);
	*app = json_object_get(r, "app");
	/* Every op but the kiosk's own is about an application. */
	if (!json_is_object(*app) && strcmp(*op, OP_RESTOCK) != 0 && strcmp(*op, OP_LOGOUT) != 0)
		return "app: an object is required";
	return NULL;
}

/* A 500 result: the store failed, nothing of the record was kept. */
static json_t *result_store_err(const char *key)
{
	return result_err(key, 500, "internal", "store error; retry later");
}

/*
 * One record, end to end: shape, idempotency, decision, storage, inside the
 * request's open transaction (its own savepoint). *lost is set when SQLite
 * ended the whole transaction (the request must roll back).
 */
static json_t *one_record(struct http_req *rq, json_t *r, struct rec_work *w, bool *lost)
{
	struct hub *hub = rq->hub;
	const char *key = "", *op = NULL, *arg = NULL, *why;
	char hash[SIGN_HEX_LEN + 1], old_hash[65], cerr[CODEC_ERR_MAX], *text, *stored = NULL;
	int64_t at_ms = 0;
	json_t *app = NULL, *res = NULL;
	int status = 500, old_status;
	ca_err e;

	why = shape(r, &key, &op, &arg, &at_ms, &app);
	if (why)
		return result_err(json_is_string(json_object_get(r, "key")) ? key : "", 400,
				  "bad_request", why);
	text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return result_err(key, 500, "internal", "out of memory");
	sign_sha256_hex(text, strlen(text), hash);
	free(text);

	if (hubdb_savepoint(hub->db)) {
		*lost = !hubdb_in_tx(hub->db);
		return result_store_err(key);
	}
	e = hubdb_idem_get(hub->db, rq->device, key, old_hash, &old_status, &stored);
	if (e == CA_OK) {
		*lost = hubdb_savepoint_release(hub->db) != CA_OK;
		if (strcmp(old_hash, hash) != 0) {
			free(stored);
			log_warn(TAG, "key %s of %s reused with a different record", key, rq->device);
			return result_err(key, 409, "conflict",
					  "this key was used before with a different record");
		}
		res = json_loads(stored, 0, NULL);
		free(stored);
		return res ? res : result_err(key, 500, "internal", "stored result unreadable");
	}
	if (e != CA_ERR_NOT_FOUND)
		goto undo;
	memset(&w->rep, 0, sizeof(w->rep));
	if (strcmp(op, OP_LOGOUT) == 0) {
		why = logout_one(rq, r, &status);
		res = why ? result_err(key, status, status == 400 ? "bad_request" : "internal", why)
			  : json_pack("{s:s, s:i}", "key", key, "status", 200);
	} else if (strcmp(op, OP_RESTOCK) == 0) {
		why = restock_one(rq, r, key, at_ms, &status);
		res = why ? result_err(key, status, "bad_request", why)
			  : json_pack("{s:s, s:i}", "key", key, "status", 200);
	} else if (codec_app_decode(app, &w->in, cerr, sizeof(cerr)) != CA_OK) {
		char msg[CODEC_ERR_MAX + 8];

		snprintf(msg, sizeof(msg), "app: %s", cerr);
		status = 400;
		res = result_err(key, 400, "bad_request", msg);
	} else {
		res = apply_one(rq, w, r, key, op, arg, at_ms, &status);
	}
	if (status >= 500 || !res)
		goto undo;
	text = json_dumps(res, JSON_COMPACT);
	e = text ? hubdb_idem_put(hub->db, rq->device, key, hash, status, text,
				  vclock_now_ms()) : CA_ERR_NOMEM;
	free(text);
	if (e)
		goto undo;
	if (hubdb_savepoint_release(hub->db)) {
		*lost = true;
		json_decref(res);
		return result_store_err(key);
	}
	return res;
undo:
	json_decref(res);
	*lost = hubdb_savepoint_rollback(hub->db) != CA_OK;
	return result_store_err(key);
}

/* Replace every result by a 500 (the transaction holding them is gone). */
static void results_all_failed(json_t *results, json_t *list)
{
	json_t *r;
	size_t i;

	json_array_clear(results);
	json_array_foreach(list, i, r) {
		json_t *k = json_object_get(r, "key");

		json_array_append_new(results,
				      result_store_err(json_is_string(k) ? json_string_value(k)
									  : ""));
	}
}

static void records(struct http_req *rq, struct http_resp *rs)
{
	json_t *body = http_json_body(rq, rs), *list, *results, *r;
	struct rec_work *w = NULL;
	bool lost = false;
	size_t i;

	if (!body)
		return;
	list = json_object_get(body, "records");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > RECORDS_MAX) {
		http_error(rs, 400, "bad_request", "records: an array of 1 to %d records",
			   RECORDS_MAX);
		goto out;
	}
	w = malloc(sizeof(*w));
	results = json_array();
	if (!w || !results) {
		json_decref(results);
		http_error(rs, 500, "internal", "out of memory");
		goto out;
	}
	if (hubdb_begin(rq->hub->db)) {
		results_all_failed(results, list);
		http_reply(rs, 200, json_pack("{s:o}", "results", results));
		goto out;
	}
	json_array_foreach(list, i, r) {
		json_array_append_new(results, one_record(rq, r, w, &lost));
		if (lost)
			break;
	}
	if (lost) {
		hubdb_rollback(rq->hub->db);
		log_error(TAG, "the store ended the transaction of %zu records from %s; "
			  "none kept", json_array_size(list), rq->device);
		results_all_failed(results, list);
	} else if (hubdb_commit(rq->hub->db)) {
		results_all_failed(results, list);
	}
	http_reply(rs, 200, json_pack("{s:o}", "results", results));
out:
	free(w);
	json_decref(body);
}

static const struct http_route routes[] = {
	{ "POST", "/v1/records", HTTP_AUTH_DEVICE, records, 0 },
};

ca_err api_records_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
