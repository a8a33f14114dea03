/*
 * test_epoch.c - the store's epoch in the feed, ca-hubctl backup and
 * restore, against a real ca-hub over TLS (tests/support/hubproc):
 *
 *   1. every feed answer carries the store's epoch (meta 'epoch' of
 *      hub.db) and its head revision;
 *   2. a cursor past the head, or of another epoch, is answered at once
 *      with "reset": true and next 0 (never a silent empty 200, never held
 *      as a long-poll); a malformed epoch is 400;
 *   3. backup while the hub runs: FILE mode 0600 holding the store, one
 *      self-contained file (read without a -wal appearing), no temp file
 *      left; a second backup to the same FILE is refused and leaves it
 *      alone;
 *   4. restore is refused while the hub runs (hub.db untouched), and a file
 *      that is not a hub store is refused (nothing changed, nothing left);
 *      with the hub stopped it puts the backup in place with a NEW epoch, keeps the
 *      replaced store beside it, and the restarted hub serves the backup's
 *      data under the new epoch.
 *
 * Tests run in the order listed (3 makes the backup 4 restores).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "../support/hubcall.h"
#include "../support/sqlpeek.h"
#include "../support/tmpdir.h"

static struct hubproc hub;
static char backup[HUBPROC_PATH + 32]; /* made by test 3, restored by test 4 */

#define DEV "epoch-01"
static struct hubcall_dev epoch_dev = { .id = DEV }; /* its secret made at the start */

/* The group's hub (hubcall_group_setup starts it), with device DEV. */
static struct hubcall_dev *const devs[] = { &epoch_dev };
static const struct hubcall_group group = { .hub = &hub, .devs = devs, .ndevs = 1 };

static int group_setup(void **state)
{
	if (hubcall_group_setup(state))
		return -1;
	snprintf(backup, sizeof(backup), "%s/hub-backup.db", hub.dir);
	return 0;
}

/* GET target signed as DEV; the parsed body (caller decrefs), *status. */
static json_t *feed_get(const char *target, long *status)
{
	struct hubproc_req q = { .device = DEV, .secret = epoch_dev.secret };

	return hubcall_json(&hub, &q, "GET", target, NULL, status);
}

/* meta 'epoch' of the SQLite file at path, read without writing anything. */
static int64_t file_epoch(const char *path)
{
	char uri[HUBPROC_PATH + 64];
	long long v = -1;

	snprintf(uri, sizeof(uri), "file:%s?mode=ro", path);
	assert_int_equal(sqlpeek_int(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
				     "SELECT v FROM meta WHERE k = 'epoch'", &v), 0);
	return v;
}

/* Whether the devices table of the SQLite file at path has id. */
static bool file_has_device(const char *path, const char *id)
{
	char uri[HUBPROC_PATH + 64], sql[128];
	long long n = 0;

	snprintf(uri, sizeof(uri), "file:%s?mode=ro", path);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM devices WHERE id = '%s'", id);
	assert_int_equal(sqlpeek_int(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, sql, &n), 0);
	return n > 0;
}

static void db_path(char *out, size_t n, const char *suffix)
{
	snprintf(out, n, "%s/hub.db%s", hub.data_dir, suffix);
}

/* ---- 1. the feed carries the epoch and the head ---- */

static void test_feed_answer_carries_epoch_and_head(void **state)
{
	char path[HUBPROC_PATH + 16];
	json_t *j;
	long st;

	(void)state;
	db_path(path, sizeof(path), "");
	j = feed_get("/v1/feed?since=0", &st);
	assert_int_equal(st, 200);
	assert_true(json_is_integer(json_object_get(j, "epoch")));
	assert_true(json_integer_value(json_object_get(j, "epoch")) > 0);
	assert_int_equal(json_integer_value(json_object_get(j, "epoch")), file_epoch(path));
	assert_true(json_is_integer(json_object_get(j, "head")));
	assert_true(json_integer_value(json_object_get(j, "head")) >= 0);
	assert_null(json_object_get(j, "reset"));
	json_decref(j);
}

/* ---- 2. a cursor that does not fit the store: reset ---- */

static void test_cursor_past_head_or_of_other_epoch_is_reset(void **state)
{
	char target[160];
	json_int_t epoch, head;
	int64_t t0;
	json_t *j;
	long st;

	(void)state;
	j = feed_get("/v1/feed?since=0", &st);
	assert_int_equal(st, 200);
	epoch = json_integer_value(json_object_get(j, "epoch"));
	head = json_integer_value(json_object_get(j, "head"));
	json_decref(j);

	/* Past the head, with a long-poll asked for: answered at once. */
	snprintf(target, sizeof(target), "/v1/feed?since=%lld&wait=10", (long long)head + 999999);
	t0 = ca_mono_ms();
	j = feed_get(target, &st);
	assert_true(ca_mono_ms() - t0 < 5000);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(j, "reset")));
	assert_int_equal(json_integer_value(json_object_get(j, "next")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "epoch")), epoch);
	assert_int_equal(json_integer_value(json_object_get(j, "head")), head);
	json_decref(j);

	/* Another epoch, cursor within the head: reset too. */
	snprintf(target, sizeof(target), "/v1/feed?since=0&epoch=%lld",
		 (long long)(epoch == 1 ? 2 : epoch - 1));
	j = feed_get(target, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(j, "reset")));
	assert_int_equal(json_integer_value(json_object_get(j, "epoch")), epoch);
	json_decref(j);

	/* Its own epoch: an ordinary answer. */
	snprintf(target, sizeof(target), "/v1/feed?since=0&epoch=%lld", (long long)epoch);
	j = feed_get(target, &st);
	assert_int_equal(st, 200);
	assert_null(json_object_get(j, "reset"));
	json_decref(j);

	j = feed_get("/v1/feed?since=0&epoch=x1", &st);
	assert_int_equal(st, 400);
	json_decref(j);
}

/* ---- 3. backup while the hub runs ---- */

static void test_backup_while_running_then_never_overwritten(void **state)
{
	char out[1024], tmp[HUBPROC_PATH + 48], live[HUBPROC_PATH + 16];
	char other[65];
	struct stat sb, sb2;

	(void)state;
	assert_int_equal(hubproc_device_add(&hub, "before-01", other), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "backup", backup, (char *)NULL), 0);
	assert_non_null(strstr(out, "written to"));
	assert_int_equal(stat(backup, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", backup);
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_true(file_has_device(backup, "before-01"));
	snprintf(tmp, sizeof(tmp), "%s-wal", backup);
	assert_int_not_equal(access(tmp, F_OK), 0); /* one self-contained file */
	db_path(live, sizeof(live), "");
	assert_int_equal(file_epoch(backup), file_epoch(live));

	/* Never over an existing file: refused, the file left as it was. */
	assert_int_equal(hubproc_device_add(&hub, "after-01", other), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "backup", backup, (char *)NULL), 1);
	assert_true(hubcall_log_has(&hub, "exists; refusing to overwrite it"));
	assert_int_equal(stat(backup, &sb2), 0);
	assert_int_equal(sb2.st_ino, sb.st_ino);
	assert_int_equal(sb2.st_size, sb.st_size);
	assert_false(file_has_device(backup, "after-01"));
}

/* ---- 4. restore ---- */

static void test_restore_refused_while_running_then_new_epoch(void **state)
{
	char out[2048], live[HUBPROC_PATH + 16], wal[HUBPROC_PATH + 16], *aside;
	char junk[HUBPROC_PATH + 32];
	int64_t old_epoch, new_epoch;
	struct stat sb;
	json_t *j;
	long st;

	(void)state;
	db_path(live, sizeof(live), "");
	db_path(wal, sizeof(wal), "-wal");
	old_epoch = file_epoch(live);

	/* The hub runs: refused, and nothing changed. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "restore", backup, (char *)NULL), 1);
	assert_true(hubcall_log_has(&hub, "is in use by process"));
	assert_true(file_has_device(live, "after-01"));
	assert_int_equal(file_epoch(live), old_epoch);
	j = feed_get("/v1/feed?since=0", &st);
	assert_int_equal(st, 200);
	json_decref(j);

	/* Stopped, but not a store: refused, nothing lost, nothing left. */
	assert_int_equal(hubproc_stop(&hub), 0);
	snprintf(junk, sizeof(junk), "%s/junk.db", hub.dir);
	assert_int_equal(tmpdir_put(junk, "this is not a database\n"), 0);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "restore", junk, (char *)NULL), 1);
	assert_true(hubcall_log_has(&hub, "is not a usable hub store (nothing was changed)"));
	assert_true(file_has_device(live, "after-01"));
	assert_int_equal(file_epoch(live), old_epoch);
	db_path(junk, sizeof(junk), ".restore");
	assert_int_not_equal(access(junk, F_OK), 0);

	/* Stopped: restored with a new epoch, the replaced store kept. */
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "restore", backup, (char *)NULL), 0);
	assert_int_not_equal(access(wal, F_OK), 0); /* the old WAL is gone, not applied */
	new_epoch = file_epoch(live);
	assert_true(new_epoch > 0);
	assert_int_not_equal(new_epoch, old_epoch);
	assert_int_not_equal(new_epoch, file_epoch(backup));
	assert_true(file_has_device(live, "before-01"));
	assert_false(file_has_device(live, "after-01"));
	assert_int_equal(stat(live, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	aside = strstr(out, "kept as ");
	assert_non_null(aside);
	aside += strlen("kept as ");
	aside[strcspn(aside, "\n")] = '\0';
	assert_true(file_has_device(aside, "after-01"));
	assert_int_equal(file_epoch(aside), old_epoch);

	/* The restarted hub serves it under the new epoch. */
	assert_int_equal(hubproc_restart(&hub), 0);
	j = feed_get("/v1/feed?since=0", &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "epoch")), new_epoch);
	json_decref(j);
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "device", "list", (char *)NULL), 0);
	assert_non_null(strstr(out, "before-01"));
	assert_null(strstr(out, "after-01"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_answer_carries_epoch_and_head),
		cmocka_unit_test(test_cursor_past_head_or_of_other_epoch_is_reset),
		cmocka_unit_test(test_backup_while_running_then_never_overwritten),
		cmocka_unit_test(test_restore_refused_while_running_then_new_epoch),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("hub/epoch", tests, group_setup, hubcall_group_teardown);
}
