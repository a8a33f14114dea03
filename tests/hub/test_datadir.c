/*
 * test_datadir.c - the hub's data directory and /health, with real ca-hub
 * processes (tests/support/hubproc) on real files, as root or not:
 *
 *   1. modes are fixed at every start: a 0755 directory with a 0644 hub.db
 *      and admin.token is 0700 with every store file 0600 once the hub
 *      runs, and each fix is in the log;
 *   2. a data directory that is a symbolic link is refused: exit 1 and a
 *      message naming it, nothing started;
 *   3. a data directory, or a hub.db, owned by another user is refused the
 *      same way (root could chown it; the hub does not take it over);
 *   4. a second hub on a directory in use is refused, naming the first
 *      one's pid;
 *   5. GET /health reads the store: 200 while it can, 503 with Retry-After
 *      once hub.db and its WAL are overwritten under the running hub.
 *
 * Tests run in the order listed on one hub (5 ruins its store).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "../support/childout.h"
#include "../support/hubcall.h"

#define OTHER_UID 65534 /* nobody */

static struct hubproc hub;

/* The group's hub (hubcall_group_setup starts it). */
static const struct hubcall_group group = { .hub = &hub };

/* In the child: exec ca-hub --config CONFIG --data-dir dir (ctx). */
static void exec_hub(void *ctx)
{
	char bin[HUBPROC_PATH + 16];

	snprintf(bin, sizeof(bin), "%s/ca-hub", hub.bin_dir);
	execl(bin, bin, "--config", hub.config, "--data-dir", (const char *)ctx, (char *)NULL);
}

/*
 * Run ca-hub --config CONFIG --data-dir dir; its stderr into out (size n).
 * The exit status, or -1 when it was still running after 10 s (it started:
 * it is killed).
 */
static int run_hub(const char *dir, char *out, size_t n)
{
	int fd, st, i;
	pid_t pid;

	pid = childout_start(&fd, exec_hub, (void *)dir);
	assert_true(pid > 0);
	for (i = 0; i < 200; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		ca_sleep_ms(50);
	}
	if (i == 200) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		st = -1;
	}
	childout_read(fd, out, n);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -2;
}

/* The permission bits of DATA_DIR/name ("" for the directory). */
static unsigned mode_of(const char *name)
{
	char path[HUBPROC_PATH + 32];
	struct stat sb;

	snprintf(path, sizeof(path), "%s%s%s", hub.data_dir, *name ? "/" : "", name);
	if (lstat(path, &sb) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	return (unsigned)(sb.st_mode & 07777);
}

static void data_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", hub.data_dir, name);
}

static long health(long *retry_after)
{
	struct hubproc_req q;
	struct hubproc_resp r;

	memset(&q, 0, sizeof(q));
	hubproc_request(&hub, &q, "GET", "/health", NULL, &r);
	free(r.body);
	*retry_after = r.retry_after;
	return r.status;
}

/* ---- 1. modes fixed at start ---- */

static void test_open_modes_are_fixed_at_start(void **state)
{
	static const char *const files[] = { "hub.db", "hub.db-wal", "hub.db-shm",
					     "admin.token", "hub.port", "hub.lock" };
	char path[HUBPROC_PATH + 32];
	size_t i;

	(void)state;
	assert_int_equal(hubproc_stop(&hub), 0);
	assert_int_equal(chmod(hub.data_dir, 0755), 0);
	data_path(path, sizeof(path), "hub.db");
	assert_int_equal(chmod(path, 0644), 0);
	data_path(path, sizeof(path), "admin.token");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(mode_of(""), 0755);

	assert_int_equal(hubproc_restart(&hub), 0);
	assert_int_equal(mode_of(""), 0700);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (mode_of(files[i]) != 0600)
			fail_msg("%s has mode %04o", files[i], mode_of(files[i]));
	assert_true(hubcall_log_has(&hub, "had mode 0755 (open to group or others); now 0700"));
	assert_true(hubcall_log_has(&hub, "hub.db had mode 0644 (open to group or others); now 0600"));
	assert_true(hubcall_log_has(&hub, "admin.token had mode 0644"));
}

/* ---- 2. a symbolic link refused ---- */

static void test_data_dir_symlink_is_refused(void **state)
{
	char link[HUBPROC_PATH + 16], out[4096];

	(void)state;
	assert_int_equal(hubproc_stop(&hub), 0);
	snprintf(link, sizeof(link), "%s/data-link", hub.dir);
	assert_int_equal(symlink(hub.data_dir, link), 0);
	assert_int_equal(run_hub(link, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "is a symbolic link"));
	assert_non_null(strstr(out, "not starting"));
	assert_non_null(strstr(out, link));
	unlink(link);
}

/* ---- 3. another owner refused ---- */

static void test_other_owner_is_refused(void **state)
{
	char path[HUBPROC_PATH + 32], out[4096], want[64];

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	snprintf(want, sizeof(want), "owned by uid %d", OTHER_UID);
	assert_int_equal(chown(hub.data_dir, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(run_hub(hub.data_dir, out, sizeof(out)), 1);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, hub.data_dir));
	assert_non_null(strstr(out, "not starting"));
	assert_int_equal(mode_of(""), 0700); /* nothing done to it */
	assert_int_equal(chown(hub.data_dir, geteuid(), getegid()), 0);

	data_path(path, sizeof(path), "hub.db");
	assert_int_equal(chown(path, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(run_hub(hub.data_dir, out, sizeof(out)), 1);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "hub.db"));
	assert_int_equal(chown(path, geteuid(), getegid()), 0);
}

/* ---- 4. one hub per directory ---- */

static void test_second_hub_on_a_directory_in_use_is_refused(void **state)
{
	char out[4096], want[64];

	(void)state;
	assert_int_equal(hubproc_restart(&hub), 0);
	snprintf(want, sizeof(want), "in use by process %ld", (long)hub.pid);
	assert_int_equal(run_hub(hub.data_dir, out, sizeof(out)), 1);
	assert_non_null(strstr(out, want));
	assert_int_equal(hubproc_ctl(&hub, out, sizeof(out), "device", "list", (char *)NULL), 0);
}

/* ---- 5. /health reads the store ---- */

/* Overwrite the whole of path, in place (same inode), with garbage. */
static void spoil(const char *path)
{
	char junk[4096];
	struct stat sb;
	off_t off;
	int fd;

	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(stat(path, &sb), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	for (off = 0; off < sb.st_size; off += (off_t)sizeof(junk))
		assert_true(pwrite(fd, junk, sizeof(junk), off) > 0);
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static void test_health_is_503_when_the_store_cannot_be_read(void **state)
{
	char path[HUBPROC_PATH + 32];
	long retry;

	(void)state;
	assert_int_equal(health(&retry), 200);
	assert_int_equal(retry, 0);
	data_path(path, sizeof(path), "hub.db");
	spoil(path);
	data_path(path, sizeof(path), "hub.db-wal");
	spoil(path);
	assert_int_equal(health(&retry), 503);
	assert_true(retry > 0);
	assert_true(hubcall_log_has(&hub, "health: store unavailable"));
	hubproc_kill(&hub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_modes_are_fixed_at_start),
		cmocka_unit_test(test_data_dir_symlink_is_refused),
		cmocka_unit_test(test_other_owner_is_refused),
		cmocka_unit_test(test_second_hub_on_a_directory_in_use_is_refused),
		cmocka_unit_test(test_health_is_503_when_the_store_cannot_be_read),
	};

	hubcall_group(&group);
	return cmocka_run_group_tests_name("hub/datadir", tests, hubcall_group_setup,
					   hubcall_group_teardown);
}
