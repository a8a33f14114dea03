/* simproc.c - a program of the build as a test's child (see simproc.h). */
#include "simproc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"

#define STEP_MS 50

int simproc_bin_dir(char *out, size_t n)
{
	const char *env = getenv("CA_HUB_BIN_DIR");
	ssize_t len;
	int i;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	len = readlink("/proc/self/exe", out, n - 1);
	if (len <= 0)
		return -1;
	out[len] = '\0';
	for (i = 0; i < 3; i++) {
		char *s = strrchr(out, '/');

		if (!s)
			return -1;
		*s = '\0';
	}
	return 0;
}

int simproc_put_private(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t len = (ssize_t)strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Fork and exec argv as c says: the pid, or -1. */
static pid_t spawn(const char *const *argv, const struct simproc_child *c)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	{
		int fd = open(c->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	/* Nothing of the test's own (its sockets) leaks into the child. */
	close_range(3, ~0U, 0);
	if (c->die_with_parent)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (c->nofile > 0) {
		struct rlimit rl = { (rlim_t)c->nofile, (rlim_t)c->nofile };

		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(126);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* The port in portfile into *port; false when there is none yet. */
static bool read_port(const char *portfile, int *port)
{
	FILE *f = fopen(portfile, "r");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%d", port) == 1;
	fclose(f);
	return ok;
}

pid_t simproc_start(const char *const *argv, const struct simproc_child *c, int *port,
		    int *status)
{
	pid_t pid;
	int i, st;

	unlink(c->portfile);
	pid = spawn(argv, c);
	if (pid < 0) {
		fprintf(stderr, "simproc: %s: cannot fork\n", c->name);
		return -1;
	}
	for (i = 0; i < c->tries; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			if (!c->exit_is_answer)
				fprintf(stderr, "simproc: %s exited at start (%d); see %s\n", c->name,
					*status, c->log);
			return 0;
		}
		if (read_port(c->portfile, port) && (!c->ready || c->ready(*port, c->arg)))
			return pid;
		ca_sleep_ms(STEP_MS);
	}
	fprintf(stderr, "simproc: %s was not ready in %d ms: killed; see %s\n", c->name,
		c->tries * STEP_MS, c->log);
	simproc_kill(&pid);
	return -1;
}

int simproc_stop(pid_t *pid, int ms, int *st)
{
	int own, i;

	if (!st)
		st = &own;
	*st = 0;
	if (!*pid)
		return -1;
	kill(*pid, SIGTERM);
	for (i = 0; i * STEP_MS < ms; i++) {
		if (waitpid(*pid, st, WNOHANG) == *pid) {
			*pid = 0;
			return WIFEXITED(*st) ? WEXITSTATUS(*st) : -1;
		}
		ca_sleep_ms(STEP_MS);
	}
	simproc_kill(pid);
	return -2;
}

void simproc_kill(pid_t *pid)
{
	if (!*pid)
		return;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

int simproc_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

long simproc_idle_ms(int port, int wait_ms)
{
	int fd = simproc_connect(port);
	int64_t t0 = ca_mono_ms();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (fd < 0)
		return -1;
	/* A TLS alert perhaps, then the end. */
	while (poll(&p, 1, wait_ms) == 1 && read(fd, &c, 1) == 1)
		;
	close(fd);
	return (long)(ca_mono_ms() - t0);
}
