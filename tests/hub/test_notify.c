/*
 * test_notify.c - the service manager's protocol (src/common/sdnotify.h)
 * as systemd would see it: the test binds the datagram socket systemd
 * would, passes it in $NOTIFY_SOCKET with $WATCHDOG_USEC, and reads what
 * the real programs send.
 *
 *   1. without $NOTIFY_SOCKET every call is a no-op that succeeds;
 *      malformed $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID are
 *      errors that name the variable; the ping period is half the
 *      interval, none for another process;
 *   2. ca-hub (a real one, tests/support/hubproc, on an abstract socket
 *      "@...") says READY=1 once it answers, then WATCHDOG=1 every half
 *      period, and STOPPING=1 on SIGTERM;
 *   3. ca-kiosk (headless, a flow script, a socket path) says READY=1 and
 *      pings from its UI loop; while the script's `stall` blocks the UI
 *      thread the pings stop (the process still alive), and they come
 *      back after.
 *
 * ca-kiosk is BUILD/ca-kiosk next to BUILD/tests/hub/test_notify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/sdnotify.h"
#include "core/clock.h"
#include "../support/hubproc.h"
#include "../support/tmpdir.h"

/* Most messages one test keeps. */
#define MSG_MAX 256

/* What came on the socket: each datagram and when (ms since open). */
struct notes {
	int fd;                 /* the bound socket */
	int64_t t0;             /* monotonic ms at open */
	int n;                  /* messages kept */
	char text[MSG_MAX][64]; /* their text, cut */
	int64_t at[MSG_MAX];    /* their arrival */
};

/* Bind a datagram socket at name ("@x" abstract, else a path) and point
 * $NOTIFY_SOCKET at it. */
static void notes_open(struct notes *nt, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

	memset(nt, 0, sizeof(*nt));
	assert_true(n < sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	nt->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(nt->fd >= 0);
	assert_int_equal(bind(nt->fd, (struct sockaddr *)&sa, len), 0);
	nt->t0 = ca_mono_ms();
	setenv("NOTIFY_SOCKET", name, 1);
}

/* Collect datagrams until ms have passed. */
static void notes_read(struct notes *nt, int ms)
{
	int64_t end = ca_mono_ms() + ms, left;

	while ((left = end - ca_mono_ms()) > 0) {
		struct pollfd p = { .fd = nt->fd, .events = POLLIN };
		char buf[256];
		ssize_t r;

		if (poll(&p, 1, (int)left) <= 0)
			continue;
		r = recv(nt->fd, buf, sizeof(buf) - 1, 0);
		if (r < 0 || nt->n >= MSG_MAX)
			continue;
		buf[r] = '\0';
		snprintf(nt->text[nt->n], sizeof(nt->text[0]), "%.63s", buf);
		nt->at[nt->n++] = ca_mono_ms() - nt->t0;
	}
}

/* Index of the first message starting with what, from index from; -1. */
static int notes_find(const struct notes *nt, const char *what, int from)
{
	int i;

	for (i = from; i < nt->n; i++)
		if (!strncmp(nt->text[i], what, strlen(what)))
			return i;
	return -1;
}

/* WATCHDOG=1 messages that arrived in [from_ms, to_ms). */
static int pings_between(const struct notes *nt, int64_t from_ms, int64_t to_ms)
{
	int i, k = 0;

	for (i = 0; i < nt->n; i++)
		k += !strcmp(nt->text[i], "WATCHDOG=1") && nt->at[i] >= from_ms &&
		     nt->at[i] < to_ms;
	return k;
}

static void notes_close(struct notes *nt)
{
	close(nt->fd);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}

/* ---- 1. the module ---- */

static void test_no_socket_is_a_noop_and_bad_variables_are_named(void **state)
{
	char err[SDNOTIFY_ERR_MAX], pid[32];

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(sdnotify_send("READY=1", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), 0);

	setenv("NOTIFY_SOCKET", "run/notify", 1); /* relative: not systemd's */
	assert_int_equal(sdnotify_send("READY=1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NOTIFY_SOCKET 'run/notify'"));
	setenv("NOTIFY_SOCKET", "/nonexistent/h13/notify", 1);
	assert_int_equal(sdnotify_send("READY=1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/h13/notify"));
	unsetenv("NOTIFY_SOCKET");

	setenv("WATCHDOG_USEC", "3000000", 1);
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), 1500);
	setenv("WATCHDOG_USEC", "30s", 1);
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "WATCHDOG_USEC '30s'"));
	setenv("WATCHDOG_USEC", "0", 1);
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), -1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1); /* our parent's watchdog, not ours */
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), 1500);
	setenv("WATCHDOG_PID", "x1", 1);
	assert_int_equal(sdnotify_watchdog_ms(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "WATCHDOG_PID 'x1'"));
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
}

/* ---- 2. the hub ---- */

static void test_hub_says_ready_pings_and_stopping(void **state)
{
	struct hubproc hp;
	struct hubproc_opts o = { 0 };
	struct notes *nt = calloc(1, sizeof(*nt));
	char name[64];
	int ready, stop;

	(void)state;
	assert_non_null(nt);
	snprintf(name, sizeof(name), "@ca-test-notify-hub-%d", (int)getpid());
	notes_open(nt, name);
	setenv("WATCHDOG_USEC", "600000", 1); /* a ping every 300 ms */
	assert_int_equal(hubproc_start(&hp, &o), 0);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	notes_read(nt, 3000);
	ready = notes_find(nt, "READY=1", 0);
	if (ready < 0)
		fail_msg("no READY=1 from the hub (%d messages)", nt->n);
	/* 3 s at one every 300 ms after READY: at least 5 even on a busy machine. */
	if (pings_between(nt, nt->at[ready], nt->at[ready] + 60000) < 5)
		fail_msg("only %d WATCHDOG=1 from the hub in 3 s",
			 pings_between(nt, 0, 60000));
	assert_true(notes_find(nt, "WATCHDOG=1", 0) > ready);
	assert_int_equal(hubproc_stop(&hp), 0);
	notes_read(nt, 200);
	stop = notes_find(nt, "STOPPING=1", ready);
	assert_true(stop > ready);
	hubproc_cleanup(&hp);
	notes_close(nt);
	free(nt);
}

/* ---- 3. the kiosk ---- */

/* Write text to path. */
static void put(const char *path, const char *text)
{
	assert_int_equal(tmpdir_put(path, text), 0);
}

static void test_kiosk_pings_from_its_ui_loop_and_not_while_it_hangs(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], cfg[PATH_MAX + 16], flow[PATH_MAX + 16], sock[PATH_MAX + 16];
	char bin[PATH_MAX], text[2 * PATH_MAX];
	struct notes *nt = calloc(1, sizeof(*nt));
	int64_t stall_at = -1, stall_end = -1;
	ssize_t n;
	pid_t pid;
	int i, status, ready;

	(void)state;
	assert_non_null(nt);
	n = readlink("/proc/self/exe", bin, sizeof(bin) - 1);
	assert_true(n > 0);
	bin[n] = '\0';
	for (i = 0; i < 3; i++)
		*strrchr(bin, '/') = '\0';
	strcat(bin, "/ca-kiosk");
	snprintf(dir, sizeof(dir), "%s/kiosk-notify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/kiosk.ini", dir);
	snprintf(flow, sizeof(flow), "%s/hang.flow", dir);
	snprintf(sock, sizeof(sock), "%s/notify", dir);
	snprintf(text, sizeof(text), "[kiosk]\nid = notify-01\ndata_dir = %s/data\n"
		 "[log]\nlevel = info\n", dir);
	put(cfg, text);
	/* 2.5 s running, 3 s hung, 1.5 s running again. */
	put(flow, "wait 2500ms\nstall 3s\nwait 1500ms\n");

	notes_open(nt, sock);
	setenv("WATCHDOG_USEC", "500000", 1); /* a ping every 250 ms */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(bin, bin, "--config", cfg, "--headless", "--script", flow, (char *)NULL);
		_exit(127);
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	/* Read until the kiosk exits (at most 30 s). */
	for (i = 0; i < 300; i++) {
		notes_read(nt, 100);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	if (i == 300) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("ca-kiosk did not finish its script");
	}
	notes_read(nt, 100);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	ready = notes_find(nt, "READY=1", 0);
	if (ready < 0)
		fail_msg("no READY=1 from the kiosk (%d messages)", nt->n);
	/* The longest silence between two pings is the stall. */
	for (i = ready + 1; i < nt->n; i++) {
		int prev = i - 1;

		if (strcmp(nt->text[i], "WATCHDOG=1") || strcmp(nt->text[prev], "WATCHDOG=1"))
			continue;
		if (stall_at < 0 || nt->at[i] - nt->at[prev] > stall_end - stall_at) {
			stall_at = nt->at[prev];
			stall_end = nt->at[i];
		}
	}
	if (stall_at < 0)
		fail_msg("no two WATCHDOG=1 from the kiosk (%d messages)", nt->n);
	/* Running: about 10 pings in 2.5 s; hung: none for 3 s; back: more. */
	if (pings_between(nt, nt->at[ready], stall_at + 1) < 5)
		fail_msg("only %d pings before the stall", pings_between(nt, 0, stall_at + 1));
	if (stall_end - stall_at < 2800)
		fail_msg("the pings went on while the UI thread was stalled (longest gap "
			 "%lld ms)", (long long)(stall_end - stall_at));
	if (pings_between(nt, stall_end, INT64_MAX) < 3)
		fail_msg("the pings did not come back after the stall");
	for (i = 0; i < nt->n; i++)
		if (nt->at[i] > stall_at && nt->at[i] < stall_end)
			fail_msg("'%s' during the stall", nt->text[i]);

	notes_close(nt);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	assert_int_equal(system(text), 0);
	free(nt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_socket_is_a_noop_and_bad_variables_are_named),
		cmocka_unit_test(test_hub_says_ready_pings_and_stopping),
		cmocka_unit_test(test_kiosk_pings_from_its_ui_loop_and_not_while_it_hangs),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("hub/notify", tests, NULL, NULL);
}
