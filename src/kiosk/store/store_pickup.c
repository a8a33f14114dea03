/*
 * store_pickup.c - on-site pickup in the kiosk store (schema version 3,
 * docs/dispenser.md "Recovery"): the dispense intent written before the
 * command goes to the device and closed as collected (with the collect,
 * through st_act_in_tx) or failed (with a fault record), and the restock
 * records of the dispenser. Start with store_intent_begin().
 */
#include "store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/sqlkit.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/uuid.h"

/* ---- dispense intents (schema version 3) ---- */

/* Whether slot and a device seq are in the ranges the table accepts. */
static bool intent_args_ok(int slot, unsigned dev_last_seq)
{
	return slot >= 1 && slot <= STORE_SLOT_MAX && dev_last_seq <= 255;
}

/* The pending intent into *it; *found false when there is none. */
static ca_err intent_get(struct store *st, struct store_intent *it, bool *found)
{
	static const char sql[] =
		"SELECT seq, app_id, slot, dev_last_seq, created_ms"
		" FROM dispense_intents WHERE state = 'pending'";
	sqlite3_stmt *s = NULL;
	ca_err e;

	*found = false;
	memset(it, 0, sizeof(*it));
	e = st_row(st, &s, sql, "read dispense intent", "");
	if (!e && !sqlkit_col_copy(s, 1, it->app_id, sizeof(it->app_id)))
		e = CA_ERR_CORRUPT;
	if (!e) {
		it->seq = sqlite3_column_int64(s, 0);
		it->slot = sqlite3_column_int(s, 2);
		it->dev_last_seq = (unsigned)sqlite3_column_int(s, 3);
		it->created_ms = sqlite3_column_int64(s, 4);
		*found = true;
	}
	sqlite3_finalize(s);
	return e == CA_ERR_NOT_FOUND ? CA_OK : e;
}

/* The pending intent, if any. */
ca_err store_intent_pending(struct store *st, struct store_intent *it,
			    bool *found)
{
	assert(st && it && found);
	return intent_get(st, it, found);
}

/* store_intent_begin's checks and row, inside its transaction. */
static ca_err intent_insert(struct store *st, const char *app_id, int slot,
			    unsigned dev_last_seq, int64_t now_ms)
{
	static const char sql[] =
		"INSERT INTO dispense_intents(app_id, slot, dev_last_seq, state,"
		" created_ms) VALUES (?1, ?2, ?3, 'pending', ?4)";
	struct ca_app *app = malloc(sizeof(*app));
	struct store_intent cur;
	struct ca_state from;
	bool found;
	ca_err e;

	if (!app)
		return CA_ERR_NOMEM;
	e = intent_get(st, &cur, &found);
	if (!e && found) {
		log_warn(TAG, "dispense for %s refused: intent %lld for %s is pending",
			 app_id, (long long)cur.seq, cur.app_id);
		e = CA_ERR_CONFLICT;
	}
	if (!e)
		e = st_app_load(st, app_id, app);
	if (!e) {
		from = ca_state_of(app);
		e = fsm_allowed(&from, CA_ACT_COLLECT) ? CA_OK : CA_ERR_FORBIDDEN;
	}
	if (!e)
		e = st_run(st, sql, "begin dispense intent", "tnni", app_id, (int)slot,
			   (int)dev_last_seq, (int64_t)now_ms);
	free(app);
	return e;
}

/* Record that a key is about to be dispensed for app_id. */
ca_err store_intent_begin(struct store *st, const char *app_id, int slot,
			  unsigned dev_last_seq, int64_t now_ms,
			  struct store_intent *out)
{
	ca_err e;

	if (!app_id || !uuid_valid(app_id) || !intent_args_ok(slot, dev_last_seq))
		return CA_ERR_ARG;
	e = store_begin(st);
	if (e)
		return e;
	e = intent_insert(st, app_id, slot, dev_last_seq, now_ms);
	if (!e && out) {
		memset(out, 0, sizeof(*out));
		out->seq = sqlite3_last_insert_rowid(st->db);
		memcpy(out->app_id, app_id, CA_UUID_LEN + 1);
		out->slot = slot;
		out->dev_last_seq = dev_last_seq;
		out->created_ms = now_ms;
	}
	e = st_tx_close(st, true, e);
	if (!e)
		log_info(TAG, "dispense intent for %s: slot %d, device seq %u", app_id,
			 slot, dev_last_seq);
	return e;
}

/* Close pending intent seq as state with result and detail, inside the
 * caller's transaction; CA_ERR_NOT_FOUND when seq is not pending. The
 * intent's app_id and slot into app_id / *slot. */
static ca_err intent_close(struct store *st, int64_t seq, const char *state,
			   const char *result, const char *detail, int64_t now_ms,
			   char app_id[CA_UUID_LEN + 1], int *slot)
{
	static const char sql[] =
		"UPDATE dispense_intents SET state = ?2, result = ?3, detail = ?4,"
		" resolved_ms = ?5 WHERE seq = ?1 AND state = 'pending'"
		" RETURNING app_id, slot";
	char d[STORE_ERROR_MAX + 1];
	sqlite3_stmt *s = NULL;
	ca_err e;
	int rc;

	utf8_copy(d, sizeof(d), detail ? detail : "", sizeof(d));
	e = st_row(st, &s, sql, "close dispense intent", "ittti", (int64_t)seq, state, result, d,
		   (int64_t)now_ms);
	if (!e && !sqlkit_col_copy(s, 0, app_id, CA_UUID_LEN + 1))
		e = CA_ERR_CORRUPT;
	if (!e) {
		*slot = sqlite3_column_int(s, 1);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			e = st_fail(st, rc, "close dispense intent");
	}
	sqlite3_finalize(s);
	return e;
}

/* The device confirmed the key: close the intent and collect, one
 * transaction. */
ca_err store_intent_collected(struct store *st, int64_t seq, const char *detail,
			      int today, int64_t now_ms, struct ca_app *out)
{
	char app_id[CA_UUID_LEN + 1];
	struct ca_app *cur = NULL;
	struct ca_state from;
	ca_err e;
	int slot = 0;

	cur = malloc(sizeof(*cur));
	if (!cur)
		return CA_ERR_NOMEM;
	e = store_begin(st);
	if (e)
		goto out;
	e = intent_close(st, seq, "collected", "ok", detail, now_ms, app_id, &slot);
	if (!e)
		e = st_act_in_tx(st, app_id, CA_ACT_COLLECT, NULL, today, now_ms, cur,
				 &from, NULL);
	e = st_tx_close(st, true, e);
	if (e) {
		log_error(TAG, "dispense intent %lld: cannot record the collect: %s",
			  (long long)seq, ca_strerror(e));
		goto out;
	}
	st_log_change(fsm_action_id(CA_ACT_COLLECT), &from, cur);
	log_info(TAG, "dispense intent %lld: %s collected from slot %d", (long long)seq,
		 app_id, slot);
	if (out)
		*out = *cur;
out:
	free(cur);
	return e;
}

/* The fault record's payload: the usual {"op", "app", "arg", "at_ms"} with
 * "fault": {"kiosk", "slot", "result", "detail"}, into *out (malloc'd). */
static ca_err fault_payload(const struct ca_app *app, const char *kiosk_id,
			    int slot, const char *result, const char *detail,
			    int64_t at_ms, char **out)
{
	json_t *o, *f;
	ca_err e;

	*out = NULL;
	e = st_payload_obj(STORE_KIND_DISPENSE_FAULT, app, result, at_ms, &o);
	if (e)
		return e;
	f = json_pack("{s:s, s:i, s:s, s:s}", "kiosk", kiosk_id ? kiosk_id : "",
		      "slot", slot, "result", result, "detail", detail ? detail : "");
	if (!f || json_object_set_new(o, "fault", f)) {
		json_decref(o);
		return f ? CA_ERR_NOMEM : CA_ERR_INVALID;
	}
	return st_json_text(o, out);
}

/* Queue the fault record of application app_id (slot, result, detail d)
 * inside the caller's transaction; CA_ERR_NOT_FOUND when the application
 * is gone. */
static ca_err fault_queue(struct store *st, const char *app_id, int slot, const char *result,
			  const char *d, const char *kiosk_id, int64_t now_ms)
{
	struct ca_app *app = malloc(sizeof(*app));
	char *payload = NULL;
	ca_err e;

	if (!app)
		return CA_ERR_NOMEM;
	e = st_app_load(st, app_id, app);
	if (!e)
		e = fault_payload(app, kiosk_id, slot, result, d, now_ms, &payload);
	if (!e)
		e = store_outbox_enqueue(st, app_id, STORE_KIND_DISPENSE_FAULT, payload, now_ms,
					 NULL);
	free(payload);
	free(app);
	return e;
}

/* Outcome unknown: queue a fault record "unconfirmed" for the pending
 * intent seq, which stays pending; the application is not touched. */
ca_err store_intent_unconfirmed(struct store *st, int64_t seq, const char *detail,
				const char *kiosk_id, int64_t now_ms)
{
	char d[STORE_ERROR_MAX + 1];
	struct store_intent it;
	bool found = false;
	ca_err e;

	utf8_copy(d, sizeof(d), detail ? detail : "", sizeof(d));
	e = store_begin(st);
	if (e)
		return e;
	e = store_intent_pending(st, &it, &found);
	if (!e && (!found || it.seq != seq))
		e = CA_ERR_CONFLICT;
	if (!e)
		e = fault_queue(st, it.app_id, it.slot, STORE_FAULT_UNCONFIRMED, d, kiosk_id,
				now_ms);
	e = st_tx_close(st, true, e);
	if (!e)
		log_warn(TAG, "dispense intent %lld: outcome of %s from slot %d unknown; "
			 "staff told (%s)", (long long)seq, it.app_id, it.slot, d);
	return e;
}

/* No key came out: close the intent and queue the fault record, one
 * transaction; the application is not touched. */
ca_err store_intent_failed(struct store *st, int64_t seq, const char *result,
			   const char *detail, const char *kiosk_id,
			   int64_t now_ms)
{
	char app_id[CA_UUID_LEN + 1], d[STORE_ERROR_MAX + 1];
	bool gone = false;
	ca_err e;
	int slot = 0;

	app_id[0] = '\0';
	if (!result || !result[0] || strlen(result) > 23)
		return CA_ERR_ARG;
	utf8_copy(d, sizeof(d), detail ? detail : "", sizeof(d));
	e = store_begin(st);
	if (e)
		return e;
	e = intent_close(st, seq, "failed", result, d, now_ms, app_id, &slot);
	if (!e)
		e = fault_queue(st, app_id, slot, result, d, kiosk_id, now_ms);
	if (e == CA_ERR_NOT_FOUND && app_id[0]) {
		/* The application is gone (cannot happen while it waits for
		 * pickup); close the intent anyway, nothing to report it on. */
		gone = true;
		log_error(TAG, "dispense intent %lld: application %s not found",
			  (long long)seq, app_id);
		e = CA_OK;
	}
	e = st_tx_close(st, true, e);
	if (!e && !gone)
		log_warn(TAG, "dispense intent %lld: %s not collected from slot %d: %s (%s)",
			 (long long)seq, app_id, slot, result, d);
	return e;
}

/* ---- restocks of the dispenser ---- */

/* The restock payload {"op", "at_ms", "restock": {...}} into *out
 * (malloc'd). */
static ca_err restock_payload(const char *kiosk_id, int slot, int before, int after,
			      int64_t at_ms, char **out)
{
	json_t *o, *r;

	*out = NULL;
	r = json_pack("{s:i, s:i, s:i}", "slot", slot, "before", before, "after", after);
	if (r && kiosk_id && kiosk_id[0] &&
	    json_object_set_new(r, "kiosk", json_string(kiosk_id))) {
		json_decref(r);
		return CA_ERR_INVALID; /* json_string refused it: not UTF-8 */
	}
	/* "o" takes r's reference, also when it fails */
	o = r ? json_pack("{s:s, s:I, s:o}", "op", STORE_KIND_RESTOCK, "at_ms",
			  (json_int_t)at_ms, "restock", r) : NULL;
	return st_json_text(o, out);
}

/* A restock and its outbox row, one transaction. */
ca_err store_restock_record(struct store *st, const char *kiosk_id, int slot,
			    int before, int after, int64_t now_ms,
			    char key_out[CA_UUID_LEN + 1])
{
	char *payload = NULL;
	ca_err e;

	assert(st);
	if (slot < 1 || slot > STORE_SLOT_MAX || before < -1 || before > STORE_STOCK_MAX ||
	    after < 0 || after > STORE_STOCK_MAX ||
	    (kiosk_id && !st_fits(kiosk_id, CA_KIOSK_ID_MAX + 1)))
		return CA_ERR_ARG;
	e = restock_payload(kiosk_id, slot, before, after, now_ms, &payload);
	if (e)
		return e;
	e = st_enqueue_alone(st, STORE_DEVICE_ROWS, STORE_KIND_RESTOCK, payload, now_ms, key_out);
	if (!e)
		log_info(TAG, "restock of slot %d: %d -> %d keys, queued for the hub", slot,
			 before, after);
	free(payload);
	return e;
}

