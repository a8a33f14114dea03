/*
 * simproc.h - a program of the build run by a test as a child process,
 * the way every helper of tests/support starts one (ca-hub, ca-paysim,
 * ca-taxsim, ca-smssim): found in the build directory, its output
 * appended to a log, nothing of the test's own inherited, ready once it
 * has written its port file (and, when asked, once it answers), stopped
 * with SIGTERM and a deadline. Also a private file for a secret, and a
 * raw connection to a server's port (its connection limits).
 *
 * No test framework inside: functions return -1 on failure, callers
 * assert.
 */
#ifndef TEST_SIMPROC_H
#define TEST_SIMPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The build directory of the running test (BUILD/tests/AREA/prog: BUILD),
 * or $CA_HUB_BIN_DIR, into out (size n). */
int simproc_bin_dir(char *out, size_t n);

/* Write text to path, a private file (mode 0600): a secret. */
int simproc_put_private(const char *path, const char *text);

/* How a child is started, and when it is ready. */
struct simproc_child {
	const char *name;       /* for messages: "ca-taxsim" */
	const char *log;        /* its stdout and stderr are appended here */
	const char *portfile;   /* where it writes its port once it listens */
	int tries;              /* how many times 50 ms it may take */
	bool die_with_parent;   /* SIGTERM when the test dies half-way */
	bool exit_is_answer;    /* an exit at start is what the test asks (no message) */
	int nofile;             /* > 0: its open-file limit (soft and hard) */
	/* When not NULL: whether the child at port is ready (answers). */
	bool (*ready)(int port, void *arg);
	void *arg;              /* ready's */
};

/* Fork and exec argv (argv[0] the program, NULL after the last) as c
 * says, no descriptor of the test's own inherited, and wait until it has
 * written its port (into *port) and ready says yes. Its pid; 0 when it
 * exited first (reaped; its exit status, -1 for a signal, into *status);
 * -1 when it could not be started or was not ready in time (then
 * killed). A line on stderr says why, but for an exit_is_answer exit. */
pid_t simproc_start(const char *const *argv, const struct simproc_child *c, int *port,
		    int *status);

/* SIGTERM *pid and wait up to ms for it: its exit status; -1 when it
 * died of a signal; -2 when it was still running and was killed
 * (SIGKILL) and reaped; -1 when *pid is 0 (none). Its wait status into
 * *st unless st is NULL; *pid is 0 after. */
int simproc_stop(pid_t *pid, int ms, int *st);

/* SIGKILL *pid and reap it (0: none); *pid is 0 after. */
void simproc_kill(pid_t *pid);

/* A plain TCP connection to 127.0.0.1:port (a client that holds a
 * connection and says nothing): its fd, or -1. */
int simproc_connect(int port);

/* How long the server at 127.0.0.1:port keeps a connection that says
 * nothing: ms from connecting until it closes it (what it sends is read
 * and dropped), or until wait_ms pass without a byte; -1 when there is no
 * connection. */
long simproc_idle_ms(int port, int wait_ms);

#endif
