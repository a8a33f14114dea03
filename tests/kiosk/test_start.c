/*
 * test_start.c - what ca-kiosk does to its files at start (the real binary,
 * `ca-kiosk --config FILE --check`, on real directories):
 *
 *   1. a 0755 data directory with a 0644 kiosk.db and a 0644 secret file
 *      is 0700 / 0600 / 0600 afterwards, each fix logged as a warning;
 *   2. a data directory that is a symbolic link is refused: exit 1 with a
 *      message naming it;
 *   3. a secret file that is a symbolic link is refused likewise;
 *   4. a secret file owned by another user is refused (as root, who could
 *      read it, the kiosk still does not take it over);
 *   5. core dumps are off (not dumpable, core size 0) unless [privacy]
 *      core_dumps allows them;
 *   6. the touch UI on a machine where no display path works (no X, no
 *      Wayland, no /dev/dri): exit 1, naming each path tried and why it
 *      failed, for [screen] driver = kmsdrm, for SDL_VIDEODRIVER=kmsdrm
 *      and for auto (wayland, x11, kmsdrm);
 *   7. a Wayland compositor without a wl_seat (weston's headless backend),
 *      where SDL 2.26 would crash creating its window: exit 1 naming it,
 *      and auto goes on to X11 and KMSDRM.
 *
 * The binary is BUILD/ca-kiosk next to BUILD/tests/kiosk/test_start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/childout.h"
#include "../support/tmpdir.h"

#define OTHER_UID 65534 /* nobody */
#define SECRET "0123456789abcdef0123456789abcdef\n"

/* One test's files. */
struct tenv {
	char dir[PATH_MAX];         /* temp dir holding the rest */
	char data[PATH_MAX + 16];   /* the data directory */
	char db[PATH_MAX + 32];     /* data/kiosk.db */
	char secret[PATH_MAX + 16]; /* the secret file */
	char cfg[PATH_MAX + 16];    /* the config file */
	char bin[PATH_MAX + 16];    /* ca-kiosk */
	char out[8192];             /* its stderr and stdout */
};

/* A file with text and mode (exactly, whatever the umask). */
static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The config: data_dir and secret_file as given. */
static void config(struct tenv *t, const char *data_dir, const char *secret)
{
	char text[3 * PATH_MAX];

	snprintf(text, sizeof(text), "[kiosk]\nid = start-01\ndata_dir = %s\nsecret_file = %s\n"
		 "[log]\nlevel = info\n", data_dir, secret);
	put(t->cfg, text, 0600);
}

static int env_setup(void **state)
{
	struct tenv *t = calloc(1, sizeof(*t));
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	if (!t || tmpdir_make(t->dir, sizeof(t->dir), "kiosk-start"))
		return -1;
	snprintf(t->data, sizeof(t->data), "%s/data", t->dir);
	snprintf(t->db, sizeof(t->db), "%s/kiosk.db", t->data);
	snprintf(t->secret, sizeof(t->secret), "%s/secret", t->dir);
	snprintf(t->cfg, sizeof(t->cfg), "%s/kiosk.ini", t->dir);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (i = 0; i < 3; i++)
		*strrchr(exe, '/') = '\0';
	snprintf(t->bin, sizeof(t->bin), "%s/ca-kiosk", exe);
	put(t->secret, SECRET, 0600);
	config(t, t->data, t->secret);
	*state = t;
	return 0;
}

static int env_teardown(void **state)
{
	struct tenv *t = *state;

	tmpdir_remove(t->dir);
	free(t);
	return 0;
}

/* What run() hands to the child. */
struct run_args {
	struct tenv *t;         /* the kiosk's files */
	bool check_only;        /* --check */
	bool no_display;        /* no display variables in the environment */
	const char *sdl_driver; /* SDL_VIDEODRIVER, or NULL */
};

/* In the child: the environment run() describes, then exec ca-kiosk. */
static void exec_kiosk(void *ctx)
{
	const struct run_args *a = ctx;

	if (a->no_display) {
		unsetenv("DISPLAY");
		unsetenv("WAYLAND_DISPLAY");
		unsetenv("XDG_RUNTIME_DIR");
		unsetenv("SDL_VIDEODRIVER");
	}
	if (a->sdl_driver)
		setenv("SDL_VIDEODRIVER", a->sdl_driver, 1);
	alarm(30); /* a UI that did start is stopped */
	if (a->check_only)
		execl(a->t->bin, a->t->bin, "--config", a->t->cfg, "--check", (char *)NULL);
	else
		execl(a->t->bin, a->t->bin, "--config", a->t->cfg, (char *)NULL);
}

/* Run ca-kiosk --config CFG, with --check or as the touch UI; with
 * no_display, without DISPLAY, WAYLAND_DISPLAY, XDG_RUNTIME_DIR and
 * SDL_VIDEODRIVER, then with SDL_VIDEODRIVER=sdl_driver if not NULL. Its
 * output into t->out; its exit status. */
static int run(struct tenv *t, bool check_only, bool no_display, const char *sdl_driver)
{
	struct run_args a = { t, check_only, no_display, sdl_driver };
	int fd, st;
	pid_t pid;

	pid = childout_start(&fd, exec_kiosk, &a);
	assert_true(pid > 0);
	childout_read(fd, t->out, sizeof(t->out));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run ca-kiosk --config CFG --check. */
static int check(struct tenv *t)
{
	return run(t, true, false, NULL);
}

static unsigned mode_of(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	return (unsigned)(sb.st_mode & 07777);
}

/* The output contains text; fail showing it otherwise. */
static void said(const struct tenv *t, const char *text)
{
	if (!strstr(t->out, text))
		fail_msg("no \"%s\" in:\n%s", text, t->out);
}

static void test_open_modes_are_fixed_at_start(void **state)
{
	struct tenv *t = *state;

	assert_int_equal(mkdir(t->data, 0700), 0);
	assert_int_equal(chmod(t->data, 0755), 0);
	put(t->db, "", 0644); /* an empty file is an empty SQLite database */
	assert_int_equal(chmod(t->secret, 0644), 0);

	assert_int_equal(check(t), 0);
	assert_int_equal(mode_of(t->data), 0700);
	assert_int_equal(mode_of(t->db), 0600);
	assert_int_equal(mode_of(t->secret), 0600);
	said(t, "had mode 0755 (open to group or others); now 0700");
	said(t, "kiosk.db had mode 0644");
	said(t, "secret had mode 0644");
	said(t, "check passed");

	/* Fine as it is: no warning the second time. */
	assert_int_equal(check(t), 0);
	assert_null(strstr(t->out, "had mode"));
}

static void test_data_dir_symlink_is_refused(void **state)
{
	struct tenv *t = *state;
	char link[PATH_MAX + 16];

	assert_int_equal(mkdir(t->data, 0700), 0);
	snprintf(link, sizeof(link), "%s/data-link", t->dir);
	assert_int_equal(symlink(t->data, link), 0);
	config(t, link, t->secret);
	assert_int_equal(check(t), 1);
	said(t, "is a symbolic link");
	said(t, link);
	said(t, "not starting");
	assert_int_not_equal(access(t->db, F_OK), 0); /* no store made behind it */
}

static void test_secret_symlink_is_refused(void **state)
{
	struct tenv *t = *state;
	char link[PATH_MAX + 16];

	snprintf(link, sizeof(link), "%s/secret-link", t->dir);
	assert_int_equal(symlink(t->secret, link), 0);
	config(t, t->data, link);
	assert_int_equal(check(t), 1);
	said(t, "is a symbolic link");
	said(t, link);
}

static void test_secret_of_another_user_is_refused(void **state)
{
	struct tenv *t = *state;
	char want[64];

	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	assert_int_equal(chown(t->secret, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(check(t), 1);
	snprintf(want, sizeof(want), "owned by uid %d", OTHER_UID);
	said(t, want);
	said(t, t->secret);
	said(t, "not starting");
}

/* A crash writes no memory to disk: at start the kiosk is not dumpable and
 * its core size limit is 0, as the kernel reports them back (the kiosk
 * logs what prctl(PR_GET_DUMPABLE) and getrlimit(RLIMIT_CORE) say, not
 * what it asked for); [privacy] core_dumps = true allows them again and
 * says so as a warning. */
static void test_core_dumps_off_unless_the_config_allows(void **state)
{
	struct tenv *t = *state;
	char text[3 * PATH_MAX];

	assert_int_equal(check(t), 0);
	said(t, "core dumps off (not dumpable, core size 0)");
	assert_null(strstr(t->out, "core dumps allowed"));
	snprintf(text, sizeof(text), "[kiosk]\nid = start-01\ndata_dir = %s\nsecret_file = %s\n"
		 "[privacy]\ncore_dumps = true\n[log]\nlevel = info\n", t->data, t->secret);
	put(t->cfg, text, 0600);
	assert_int_equal(check(t), 0);
	said(t, "core dumps allowed (dumpable 1");
	assert_null(strstr(t->out, "core dumps off"));
}

/* No display path works here (this test needs a machine without a DRM
 * device, like the CI's): the touch UI says so, path by path, and exits 1
 * instead of waiting for DISPLAY or WAYLAND_DISPLAY. */
static void test_no_display_path_is_said_path_by_path(void **state)
{
	struct tenv *t = *state;
	char text[3 * PATH_MAX];

	if (access("/dev/dri", F_OK) == 0)
		skip(); /* a DRM device: KMSDRM might well work */
	snprintf(text, sizeof(text), "[kiosk]\nid = start-01\ndata_dir = %s\n"
		 "[screen]\ndriver = kmsdrm\n[log]\nlevel = info\n", t->data);
	put(t->cfg, text, 0600);
	assert_int_equal(run(t, false, true, NULL), 1);
	said(t, "the UI cannot start: no display path works (tried kmsdrm): kmsdrm: "
	     "no DRM device: /dev/dri: No such file or directory");
	/* The same when the environment asks for KMSDRM (auto honours it). */
	snprintf(text, sizeof(text), "[kiosk]\nid = start-01\ndata_dir = %s\n"
		 "[log]\nlevel = info\n", t->data);
	put(t->cfg, text, 0600);
	assert_int_equal(run(t, false, true, "kmsdrm"), 1);
	said(t, "no display path works (tried kmsdrm): kmsdrm (SDL_VIDEODRIVER): no DRM device");
	/* auto, nothing set: every path in order, each with its reason. */
	assert_int_equal(run(t, false, true, NULL), 1);
	said(t, "no display path works (tried wayland, x11, kmsdrm): "
	     "wayland: no Wayland compositor to connect to (WAYLAND_DISPLAY and "
	     "XDG_RUNTIME_DIR unset); x11: no X server to connect to (DISPLAY unset); "
	     "kmsdrm: no DRM device: /dev/dri");
}

/* A compositor without a wl_seat: weston's headless backend. SDL 2.26
 * would die of SIGSEGV creating its window; the kiosk says why instead,
 * and with driver = auto goes on to the next path. */
static void test_wayland_without_a_seat_is_refused(void **state)
{
	struct tenv *t = *state;
	char xdg[PATH_MAX + 16], sock[PATH_MAX + 32], log[PATH_MAX + 32], text[3 * PATH_MAX];
	pid_t wpid;
	int i, st;

	snprintf(xdg, sizeof(xdg), "%s/xdg", t->dir);
	snprintf(sock, sizeof(sock), "%s/wl-start", xdg);
	snprintf(log, sizeof(log), "%s/weston.log", t->dir);
	assert_int_equal(mkdir(xdg, 0700), 0);
	wpid = fork();
	assert_true(wpid >= 0);
	if (wpid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("XDG_RUNTIME_DIR", xdg, 1);
		unsetenv("WAYLAND_DISPLAY");
		unsetenv("DISPLAY");
		execlp("weston", "weston", "--backend=headless-backend.so", "--use-pixman",
		       "--width=1280", "--height=720", "--socket=wl-start", "--idle-time=0",
		       (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && access(sock, F_OK) != 0; i++)
		usleep(50 * 1000);
	if (access(sock, F_OK) != 0) {
		kill(wpid, SIGTERM);
		waitpid(wpid, &st, 0);
		fail_msg("weston (tools/install-deps installs it) did not start; see %s", log);
	}
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	setenv("WAYLAND_DISPLAY", "wl-start", 1);
	unsetenv("DISPLAY");
	unsetenv("SDL_VIDEODRIVER");
	snprintf(text, sizeof(text), "[kiosk]\nid = start-01\ndata_dir = %s\n"
		 "[screen]\nwidth = 1280\nheight = 720\norientation = landscape\n"
		 "driver = wayland\n[log]\nlevel = info\n", t->data);
	put(t->cfg, text, 0600);
	i = run(t, false, false, NULL);
	if (i != 1) {
		kill(wpid, SIGTERM);
		waitpid(wpid, &st, 0);
		fail_msg("ca-kiosk ended with %d (-1: a signal), not 1:\n%s", i, t->out);
	}
	said(t, "no display path works (tried wayland): wayland: the compositor offers no "
	     "wl_seat (no touch, pointer or keyboard)");
	/* auto: the next paths are tried (none works here: no X, no DRM). */
	snprintf(text, sizeof(text), "[kiosk]\nid = start-01\ndata_dir = %s\n"
		 "[screen]\nwidth = 1280\nheight = 720\norientation = landscape\n"
		 "[log]\nlevel = info\n", t->data);
	put(t->cfg, text, 0600);
	i = run(t, false, false, NULL);
	kill(wpid, SIGTERM);
	waitpid(wpid, &st, 0);
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("XDG_RUNTIME_DIR");
	if (access("/dev/dri", F_OK) == 0)
		return; /* a DRM device: KMSDRM might well work */
	assert_int_equal(i, 1);
	said(t, "(tried wayland, x11, kmsdrm): wayland: the compositor offers no wl_seat");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_modes_are_fixed_at_start),
		T(test_data_dir_symlink_is_refused),
		T(test_secret_symlink_is_refused),
		T(test_secret_of_another_user_is_refused),
		T(test_core_dumps_off_unless_the_config_allows),
		T(test_no_display_path_is_said_path_by_path),
		T(test_wayland_without_a_seat_is_refused),
	};

	return cmocka_run_group_tests_name("kiosk/start", tests, NULL, NULL);
}
