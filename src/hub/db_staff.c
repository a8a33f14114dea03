/*
 * db_staff.c - the staff part of the hub's store (schema version 7, see
 * db.h): accounts, sessions and tokens, failed logins, the audit trail.
 *
 * Where to start reading: hubdb_ssn_get() (what every staff request asks),
 * then hubdb_audit_add(). Sessions are looked up by the SHA-256 of their
 * token together with their account, so a disabled account or one whose
 * password changed after the session began never passes.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "db_int.h"

/* Copy text column col of s into dst (size n), "" for NULL. */
static void col_copy(sqlite3_stmt *s, int col, char *dst, size_t n)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	snprintf(dst, n, "%s", t ? t : "");
}

/* ---- accounts ---- */

ca_err hubdb_staff_add(struct hubdb *h, const struct hubdb_staff *st)
{
	return db_run_sql(h, "add staff",
			  "INSERT INTO staff(name, display, roles, pw_hash, disabled, created_ms,"
			  " changed_ms) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)", "ttnti",
			  st->name, st->display, (int)st->roles, st->pw_hash, st->created_ms);
}

/* The columns of a staff row read by staff_from(), in its order. */
#define STAFF_COLS "staff.name, staff.display, staff.roles, staff.pw_hash, staff.disabled," \
	" staff.created_ms, staff.changed_ms, staff.last_login_ms"

/* A staff row of STAFF_COLS starting at column c into out. */
static void staff_from(sqlite3_stmt *s, int c, struct hubdb_staff *out)
{
	memset(out, 0, sizeof(*out));
	col_copy(s, c, out->name, sizeof(out->name));
	col_copy(s, c + 1, out->display, sizeof(out->display));
	out->roles = (unsigned)sqlite3_column_int(s, c + 2);
	col_copy(s, c + 3, out->pw_hash, sizeof(out->pw_hash));
	out->disabled = sqlite3_column_int(s, c + 4) != 0;
	out->created_ms = sqlite3_column_int64(s, c + 5);
	out->changed_ms = sqlite3_column_int64(s, c + 6);
	out->last_login_ms = sqlite3_column_int64(s, c + 7);
}

ca_err hubdb_staff_get(struct hubdb *h, const char *name, struct hubdb_staff *out)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	db_lock(h);
	e = db_prep(h, &s, "SELECT " STAFF_COLS " FROM staff WHERE name = ?1", "t", name);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			staff_from(s, 0, out);
		else
			e = rc == SQLITE_DONE ? CA_ERR_NOT_FOUND : db_fail(h, rc, "read staff");
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

/* e, or CA_ERR_NOT_FOUND when the statement just run changed no row. Under
 * the lock. */
static ca_err one_row(struct hubdb *h, ca_err e)
{
	return !e && sqlite3_changes(h->db) == 0 ? CA_ERR_NOT_FOUND : e;
}

ca_err hubdb_staff_set_password(struct hubdb *h, const char *name, const char *pw_hash,
				int64_t now_ms)
{
	ca_err e;

	db_lock(h);
	e = one_row(h, db_run_sql(h, "set password", "UPDATE staff SET pw_hash = ?2, changed_ms"
				  " = ?3 WHERE name = ?1", "tti", name, pw_hash, now_ms));
	db_unlock(h);
	return e;
}

ca_err hubdb_staff_set_roles(struct hubdb *h, const char *name, unsigned roles, int64_t now_ms)
{
	ca_err e;

	db_lock(h);
	e = one_row(h, db_run_sql(h, "set roles", "UPDATE staff SET roles = ?2, changed_ms = ?3"
				  " WHERE name = ?1", "tni", name, (int)roles, now_ms));
	db_unlock(h);
	return e;
}

ca_err hubdb_staff_set_disabled(struct hubdb *h, const char *name, bool disabled,
				int64_t now_ms)
{
	ca_err e;

	db_lock(h);
	e = one_row(h, db_run_sql(h, "disable staff", "UPDATE staff SET disabled = ?2, changed_ms"
				  " = ?3 WHERE name = ?1", "tni", name, disabled ? 1 : 0, now_ms));
	db_unlock(h);
	return e;
}

ca_err hubdb_staff_logged_in(struct hubdb *h, const char *name, int64_t now_ms)
{
	return db_run_sql(h, "note login", "UPDATE staff SET last_login_ms = ?2 WHERE name = ?1",
			  "ti", name, now_ms);
}

/* A row of hubdb_staff_json (no hash). */
static json_t *staff_row(sqlite3_stmt *s)
{
	struct hubdb_staff st;

	staff_from(s, 0, &st);
	return json_pack("{s:s, s:s, s:i, s:b, s:b, s:I, s:I, s:I}", "name", st.name,
			 "display", st.display, "roles", (int)st.roles, "disabled", st.disabled,
			 "password_set", st.pw_hash[0] != '\0', "created_ms",
			 (json_int_t)st.created_ms, "changed_ms", (json_int_t)st.changed_ms,
			 "last_login_ms", (json_int_t)st.last_login_ms);
}

ca_err hubdb_staff_json(struct hubdb *h, json_t **out)
{
	return db_rows_json(h, out, staff_row, "list staff",
			    "SELECT " STAFF_COLS " FROM staff ORDER BY disabled, name", "");
}

/* ---- sessions and tokens ---- */

ca_err hubdb_ssn_add(struct hubdb *h, const struct hubdb_ssn *x)
{
	ca_err e;

	db_lock(h);
	/* Expired sessions go when a new one comes: the table stays small. */
	e = db_run_sql(h, "forget sessions", "DELETE FROM staff_sessions WHERE expires_ms < ?1",
		       "i", x->created_ms);
	if (!e)
		e = db_run_sql(h, "add session",
			       "INSERT INTO staff_sessions(sid_hash, staff, kind, csrf, addr,"
			       " created_ms, seen_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6,"
			       " ?7)", "tttttii", x->sid_hash, x->staff,
			       x->console ? "console" : "token", x->csrf, x->addr, x->created_ms,
			       x->expires_ms);
	db_unlock(h);
	return e;
}

ca_err hubdb_ssn_get(struct hubdb *h, const char *sid_hash, struct hubdb_ssn *x,
		     struct hubdb_staff *st)
{
	sqlite3_stmt *s;
	ca_err e;
	int rc;

	db_lock(h);
	e = db_prep(h, &s,
		    "SELECT s.staff, s.kind, s.csrf, s.addr, s.created_ms, s.seen_ms,"
		    " s.expires_ms, " STAFF_COLS " FROM staff_sessions s"
		    " JOIN staff ON staff.name = s.staff WHERE s.sid_hash = ?1", "t", sid_hash);
	if (!e) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			memset(x, 0, sizeof(*x));
			snprintf(x->sid_hash, sizeof(x->sid_hash), "%s", sid_hash);
			col_copy(s, 0, x->staff, sizeof(x->staff));
			x->console = strcmp((const char *)sqlite3_column_text(s, 1), "console") == 0;
			col_copy(s, 2, x->csrf, sizeof(x->csrf));
			col_copy(s, 3, x->addr, sizeof(x->addr));
			x->created_ms = sqlite3_column_int64(s, 4);
			x->seen_ms = sqlite3_column_int64(s, 5);
			x->expires_ms = sqlite3_column_int64(s, 6);
			staff_from(s, 7, st);
		} else {
			e = rc == SQLITE_DONE ? CA_ERR_NOT_FOUND : db_fail(h, rc, "read session");
		}
		db_done(h, s);
	}
	db_unlock(h);
	return e;
}

ca_err hubdb_ssn_seen(struct hubdb *h, const char *sid_hash, int64_t now_ms)
{
	return db_run_sql(h, "session seen",
			  "UPDATE staff_sessions SET seen_ms = ?2 WHERE sid_hash = ?1", "ti",
			  sid_hash, now_ms);
}

ca_err hubdb_ssn_end(struct hubdb *h, const char *sid_hash)
{
	return db_run_sql(h, "end session", "DELETE FROM staff_sessions WHERE sid_hash = ?1", "t",
			  sid_hash);
}

ca_err hubdb_ssn_end_all(struct hubdb *h, const char *name)
{
	return db_run_sql(h, "end sessions", "DELETE FROM staff_sessions WHERE staff = ?1", "t",
			  name);
}

/* ---- the login throttle ---- */

ca_err hubdb_login_failures(struct hubdb *h, const char *key, int64_t since_ms, int limit,
			    int *n, int64_t *free_at_ms)
{
	ca_err e;

	db_lock(h);
	/* login_failures has no kind: ?2 is bound to '' and only checked for it. */
	e = db_window_count(h, "SELECT count(*) FROM login_failures WHERE key = ?1 AND ?2 = ''"
			    " AND at_ms > ?3",
			    "SELECT at_ms FROM login_failures WHERE key = ?1 AND ?2 = ''"
			    " AND at_ms > ?3 ORDER BY at_ms LIMIT 1 OFFSET ?4",
			    key, "", since_ms, limit, n, free_at_ms);
	db_unlock(h);
	return e;
}

ca_err hubdb_login_failed(struct hubdb *h, const char *key, int64_t now_ms, int64_t keep_ms)
{
	ca_err e;

	db_lock(h);
	e = db_run_sql(h, "forget failed logins", "DELETE FROM login_failures WHERE at_ms < ?1",
		       "i", now_ms - keep_ms);
	if (!e)
		e = db_run_sql(h, "count a failed login",
			       "INSERT INTO login_failures(key, at_ms) VALUES (?1, ?2)", "ti", key,
			       now_ms);
	db_unlock(h);
	return e;
}

ca_err hubdb_login_forget(struct hubdb *h, const char *key)
{
	return db_run_sql(h, "forget failed logins", "DELETE FROM login_failures WHERE key = ?1",
			  "t", key);
}

/* ---- the audit trail ---- */

ca_err hubdb_audit_add(struct hubdb *h, const struct hubdb_audit *a)
{
	return db_run_sql(h, "write the audit trail",
			  "INSERT INTO audit(at_ms, staff, display, via, action, target,"
			  " state_before, state_after, detail, addr)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", "itttttttt" "t",
			  a->at_ms, a->staff, a->display, a->via, a->action, a->target, a->before,
			  a->after, a->detail, a->addr);
}

/* A row of hubdb_audit_json. */
static json_t *audit_row(sqlite3_stmt *s)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "seq", (json_int_t)sqlite3_column_int64(s, 0),
			 "at_ms", (json_int_t)sqlite3_column_int64(s, 1),
			 "staff", (const char *)sqlite3_column_text(s, 2),
			 "display", (const char *)sqlite3_column_text(s, 3),
			 "via", (const char *)sqlite3_column_text(s, 4),
			 "action", (const char *)sqlite3_column_text(s, 5),
			 "target", (const char *)sqlite3_column_text(s, 6),
			 "before", (const char *)sqlite3_column_text(s, 7),
			 "after", (const char *)sqlite3_column_text(s, 8),
			 "detail", (const char *)sqlite3_column_text(s, 9),
			 "addr", (const char *)sqlite3_column_text(s, 10));
}

ca_err hubdb_audit_json(struct hubdb *h, const struct hubdb_audit_q *q, json_t **out)
{
	/* Each filter is off when its parameter is NULL (or 0 for the seq). */
	return db_rows_json(h, out, audit_row, "read the audit trail",
			    "SELECT seq, at_ms, staff, display, via, action, target, state_before,"
			    " state_after, detail, addr FROM audit"
			    " WHERE (?1 IS NULL OR staff = ?1) AND (?2 IS NULL OR action = ?2)"
			    " AND (?3 IS NULL OR target = ?3)"
			    " AND (?4 IS NULL OR instr(staff || ' ' || display || ' ' || action"
			    "  || ' ' || target || ' ' || detail, ?4) > 0)"
			    " AND (?5 = 0 OR seq < ?5) AND at_ms >= ?6 AND (?7 = 0 OR at_ms < ?7)"
			    " ORDER BY seq DESC LIMIT ?8", "ttttiiin", q->staff, q->action,
			    q->target, q->text, q->before_seq, q->from_ms, q->to_ms, q->limit);
}
