/*
 * test_filesave.c - durable, atomic saves (src/common/filesave.c): the new
 * content replaces the file whole (a new inode, never written in place),
 * with the mode asked and no temporary file left; a stale or planted
 * PATH.tmp (a symbolic link to another file) is removed, never followed;
 * when a write fails (the file-size limit), the rename fails (the target
 * is a directory) or the caller gives up, the target is left as it was,
 * the temporary file is gone, and the message names what failed; a path
 * too long is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/filesave.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/filesave-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole content of path into buf (size n); its length, -1 if none. */
static long slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return (long)got;
}

static void test_save_replaces_whole_with_the_mode(void **state)
{
	char path[128], tmp[136], buf[64], err[256];
	struct stat a, b;

	(void)state;
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(file_save(path, "one\n", 4, 0600, err, sizeof(err)), CA_OK);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "one\n");
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(a.st_mode & 0777, 0600);
	assert_int_equal(file_save(path, "two, longer\n", 12, 0640, err, sizeof(err)), CA_OK);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_ino != b.st_ino); /* a new file renamed in, not rewritten */
	assert_int_equal(b.st_mode & 0777, 0640);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 12);
	assert_int_equal(access(tmp, F_OK), -1);
	/* empty content is content */
	assert_int_equal(file_save(path, "", 0, 0600, err, sizeof(err)), CA_OK);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 0);
}

static void test_planted_tmp_link_is_not_followed(void **state)
{
	char path[128], tmp[136], victim[128], buf[64], err[256];
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s/token", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	assert_int_equal(file_save(victim, "keep\n", 5, 0600, err, sizeof(err)), CA_OK);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(file_save(path, "secret\n", 7, 0600, err, sizeof(err)), CA_OK);
	assert_int_equal(slurp(victim, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "keep\n");
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(slurp(path, buf, sizeof(buf)), 7);
}

static void test_failed_write_leaves_the_target(void **state)
{
	char path[128], tmp[136], buf[64], big[8192], err[256];
	struct rlimit old, lim;
	ca_err e;

	(void)state;
	snprintf(path, sizeof(path), "%s/big", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(file_save(path, "old\n", 4, 0600, err, sizeof(err)), CA_OK);
	memset(big, 'x', sizeof(big));
	/* Files may not grow beyond 1 KiB: the write fails with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	e = file_save(path, big, sizeof(big), 0600, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(e, CA_ERR_IO);
	assert_non_null(strstr(err, "big.tmp"));
	assert_int_equal(slurp(path, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "old\n");
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_failed_rename_and_abort_leave_the_target(void **state)
{
	char path[128], tmp[136], err[256];
	struct filesave fs;
	struct stat sb;

	(void)state;
	/* The target is a directory: the rename fails. */
	snprintf(path, sizeof(path), "%s/adir", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(file_save(path, "x", 1, 0600, err, sizeof(err)), CA_ERR_IO);
	assert_non_null(strstr(err, "rename"));
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(access(tmp, F_OK), -1);
	/* The caller gives up half way. */
	snprintf(path, sizeof(path), "%s/png", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(filesave_open(&fs, path, 0644, err, sizeof(err)), CA_OK);
	fputs("half", fs.f);
	filesave_abort(&fs);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_path_too_long_is_refused(void **state)
{
	static char path[FILESAVE_PATH_MAX + 16];
	char err[256];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(file_save(path, "x", 1, 0600, err, sizeof(err)), CA_ERR_TOO_LONG);
	assert_non_null(strstr(err, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_replaces_whole_with_the_mode),
		cmocka_unit_test(test_planted_tmp_link_is_not_followed),
		cmocka_unit_test(test_failed_write_leaves_the_target),
		cmocka_unit_test(test_failed_rename_and_abort_leave_the_target),
		cmocka_unit_test(test_path_too_long_is_refused),
	};

	return cmocka_run_group_tests_name("common/filesave", tests, setup, teardown);
}
